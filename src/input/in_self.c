/*
 * in_self — logward's own events as syslog lines (see in_self.h).  The
 * FIFO is a ring of owned lines; an event is formatted once, when it is
 * emitted, with the stamp of that moment.
 */
#include "input/in_self.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmem.h"

struct in_self {
	char		*host;		/* owned */
	pid_t		 pid;
	char		**ring;		/* owned lines, IN_SELF_MAX_EVENTS slots */
	size_t		*lens;
	size_t		 head, n;	/* oldest at head, n waiting */
	struct in_self_stats st;
};

static int
is_address(const char *h)
{
	size_t i;

	for (i = 0; h[i] != '\0'; i++)
		if ((h[i] < '0' || h[i] > '9') && h[i] != '.' && h[i] != ':')
			return 0;
	return i > 0;
}

struct in_self *
in_self_new(const char *host, pid_t pid)
{
	struct in_self *s = xcalloc(1, sizeof(*s));
	size_t n;

	if (host == NULL || *host == '\0')
		host = "localhost";
	n = strcspn(host, " \t\r\n");
	s->host = xmemdup0(host, n);
	if (!is_address(s->host))
		s->host[strcspn(s->host, ".")] = '\0';
	if (*s->host == '\0') {
		free(s->host);
		s->host = xstrdup("localhost");
	}
	s->pid = pid;
	s->ring = xcalloc(IN_SELF_MAX_EVENTS, sizeof(*s->ring));
	s->lens = xcalloc(IN_SELF_MAX_EVENTS, sizeof(*s->lens));
	return s;
}

void
in_self_free(struct in_self *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->ring[(s->head + i) % IN_SELF_MAX_EVENTS]);
	free(s->ring);
	free(s->lens);
	free(s->host);
	free(s);
}

/* "2026-12-07T09:14:03+01:00" in local time. */
static void
stamp(char *out, size_t size, time_t t)
{
	struct tm tm;
	long off;
	char sign = '+';

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff;
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	off %= 100 * 3600;		/* real offsets are under a day */
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
	    tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100, sign,
	    (int)(off / 3600), (int)(off % 3600 / 60));
}

int
in_self_emit(struct in_self *s, time_t now, enum in_self_level level,
    const char *fmt, ...)
{
	char text[IN_SELF_MAX_TEXT + 1], when[40], *line;
	va_list ap;
	size_t i, slot;
	int n;

	if (s->n == IN_SELF_MAX_EVENTS) {
		s->st.dropped++;
		return -1;
	}
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		text[0] = '\0';
	for (i = 0; text[i] != '\0'; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = '?';
	stamp(when, sizeof(when), now);
	line = xasprintf("<%d>%s %s logward[%ld]: %s", 3 * 8 + (int)level,
	    when, s->host, (long)s->pid, text);
	slot = (s->head + s->n) % IN_SELF_MAX_EVENTS;
	s->ring[slot] = line;
	s->lens[slot] = strlen(line);
	s->n++;
	s->st.emitted++;
	return 0;
}

size_t
in_self_drain(struct in_self *s, in_self_line_fn *fn, void *arg)
{
	size_t done = 0, todo = s->n;

	/* only what waits now: an event that fn causes waits for the next
	 * call, so events about events cannot loop here */
	while (done < todo && s->n > 0) {
		char *line = s->ring[s->head];
		size_t len = s->lens[s->head];

		s->ring[s->head] = NULL;
		s->head = (s->head + 1) % IN_SELF_MAX_EVENTS;
		s->n--;
		fn(arg, line, len);
		free(line);
		s->st.delivered++;
		done++;
	}
	return done;
}

size_t
in_self_pending(const struct in_self *s)
{
	return s->n;
}

void
in_self_stats(const struct in_self *s, struct in_self_stats *st)
{
	*st = s->st;
}
