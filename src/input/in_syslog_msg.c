/*
 * in_syslog_msg — syslog message normalization (see in_syslog_msg.h):
 * PRI, BSD and RFC 3339 stamps, the host word, and the stamp and host
 * inserted when a message has none.
 */
#include "input/in_syslog_msg.h"

#include <stdio.h>
#include <string.h>

#include "input/in_syslog_int.h"
#include "input/record.h"
#include "lib/str.h"

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static bool
isws(const char *p, const char *e)
{
	return p < e && str_isspace((unsigned char)*p);
}

/* "<N>" with 1-3 digits and N <= 191 (leading zeros allowed: they are
 * rewritten).  Returns N and advances *pp, or -1. */
static int
pri(const char **pp, const char *e)
{
	const char *p = *pp, *d;
	int v = 0;

	if (p >= e || *p != '<')
		return -1;
	for (d = ++p; p < e && in_syslog_isdig((unsigned char)*p) &&
	    p - d < 4; p++)
		v = v * 10 + (*p - '0');
	if (p == d || p - d > 3 || v > 191 || p >= e || *p != '>')
		return -1;
	*pp = p + 1;
	return v;
}

static bool
num(const char **pp, const char *e, int n, int max)
{
	const char *p = *pp;
	int i, v = 0;

	if (e - p < n)
		return false;
	for (i = 0; i < n; i++) {
		if (!in_syslog_isdig((unsigned char)p[i]))
			return false;
		v = v * 10 + (p[i] - '0');
	}
	if (v > max)
		return false;
	*pp = p + n;
	return true;
}

static bool
chr(const char **pp, const char *e, char c)
{
	if (*pp >= e || **pp != c)
		return false;
	(*pp)++;
	return true;
}

/* A stamp must end the text or be followed by a blank. */
static size_t
stamp_end(const char *s, const char *p, const char *e)
{
	return p == e || isws(p, e) ? (size_t)(p - s) : 0;
}

/* Length of a BSD stamp "Mmm dd hh:mm:ss" (day also " d" or "d") at p,
 * real month name and fields in range, or 0. */
static size_t
bsd_stamp(const char *p, const char *e)
{
	const char *s = p;
	int d;

	if (e - p < 4 || record_month(p) == 0 || !isws(p + 3, e))
		return 0;
	p += 4;
	if (isws(p, e)) {
		p++;
		if (!num(&p, e, 1, 9))
			return 0;
		d = p[-1] - '0';
	} else if (e - p >= 2 && in_syslog_isdig((unsigned char)p[1])) {
		if (!num(&p, e, 2, 31))
			return 0;
		d = (p[-2] - '0') * 10 + p[-1] - '0';
	} else {
		if (!num(&p, e, 1, 9))
			return 0;
		d = p[-1] - '0';
	}
	if (d == 0 || !isws(p, e))
		return 0;
	p++;
	if (!num(&p, e, 2, 23) || !chr(&p, e, ':') || !num(&p, e, 2, 59) ||
	    !chr(&p, e, ':') || !num(&p, e, 2, 60))
		return 0;
	return stamp_end(s, p, e);
}

/* Length of an RFC 3339 stamp at p, or 0.  Ranges are left to
 * record_parse (the result is checked with it). */
static size_t
rfc3339_stamp(const char *p, const char *e)
{
	const char *s = p;

	if (!num(&p, e, 4, 9999) || !chr(&p, e, '-') || !num(&p, e, 2, 99) ||
	    !chr(&p, e, '-') || !num(&p, e, 2, 99) ||
	    !(chr(&p, e, 'T') || chr(&p, e, 't')) ||
	    !num(&p, e, 2, 99) || !chr(&p, e, ':') || !num(&p, e, 2, 99) ||
	    !chr(&p, e, ':') || !num(&p, e, 2, 99))
		return 0;
	if (chr(&p, e, '.')) {
		if (p >= e || !in_syslog_isdig((unsigned char)*p))
			return 0;
		while (p < e && in_syslog_isdig((unsigned char)*p))
			p++;
	}
	if (!(chr(&p, e, 'Z') || chr(&p, e, 'z'))) {
		if (!(chr(&p, e, '+') || chr(&p, e, '-')) ||
		    !num(&p, e, 2, 99) || !chr(&p, e, ':') || !num(&p, e, 2, 99))
			return 0;
	}
	return stamp_end(s, p, e);
}

/*
 * Is the word at p (up to a blank) the sender's host name?  Only when a
 * blank follows it and it consists of host name bytes (letters, digits,
 * '.', '-', '_', and ':' '%' for IPv6) not ending in ':'.  A tag such as
 * "sshd[42]:", "su:" or "postfix/smtpd[1]:" fails.
 */
static bool
host_word(const char *p, const char *e)
{
	const char *s = p;

	for (; p < e && !str_isspace((unsigned char)*p); p++) {
		unsigned char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    in_syslog_isdig(c) || c == '.' || c == '-' || c == '_' ||
		    c == ':' || c == '%'))
			return false;
	}
	return p > s && p < e && p[-1] != ':';
}

static void
two(char *p, int v)
{
	p[0] = (char)('0' + (unsigned)v / 10 % 10);
	p[1] = (char)('0' + (unsigned)v % 10);
}

/* The current local time as "Mmm dd hh:mm:ss" (15 bytes, cached). */
static const char *
now_stamp(time_t now)
{
	static time_t last = (time_t)-1;
	static char st[16];
	struct tm tm;

	if (now != last) {
		if (localtime_r(&now, &tm) == NULL) {
			memset(&tm, 0, sizeof(tm));
			tm.tm_mday = 1;
		}
		memcpy(st, months[(unsigned)tm.tm_mon % 12], 3);
		st[3] = ' ';
		st[4] = tm.tm_mday >= 10 ? (char)('0' + tm.tm_mday / 10 % 10) : ' ';
		st[5] = (char)('0' + tm.tm_mday % 10);
		st[6] = ' ';
		two(st + 7, tm.tm_hour);
		st[9] = ':';
		two(st + 10, tm.tm_min);
		st[12] = ':';
		two(st + 13, tm.tm_sec);
		st[15] = '\0';
		last = now;
	}
	return st;
}

static char *
put(char *o, const void *p, size_t n)
{
	if (n > 0)
		memcpy(o, p, n);
	return o + n;
}

static char *
put_pri(char *o, int v)
{
	char tmp[8];
	int n = snprintf(tmp, sizeof(tmp), "<%d>", v);

	return put(o, tmp, (size_t)n);
}

size_t
in_syslog_msg_normalize(char *out, const char *msg, size_t len, bool trim,
    const char *host, time_t now)
{
	const char *p = msg, *e, *rest, *w;
	size_t hlen, sl, hostoff;
	struct record r;
	char *o;
	int v;

	if (msg == NULL)
		msg = p = "";
	while (trim && len > 0 && (msg[len - 1] == '\n' ||
	    msg[len - 1] == '\r' || msg[len - 1] == '\0'))
		len--;
	e = msg + len;
	if (host == NULL)
		host = "";
	for (hlen = 0; host[hlen] != '\0' && hlen < IN_SYSLOG_HOSTMAX &&
	    !str_isspace((unsigned char)host[hlen]); hlen++)
		;
	if (hlen == 0) {
		host = "-";
		hlen = 1;
	}

	v = pri(&p, e);
	rest = p;
	o = put_pri(out, v < 0 ? 13 : v);

	/* RFC 5424: kept, a nil HOSTNAME filled in */
	if (v >= 0 && e - rest >= 2 && rest[0] == '1' && rest[1] == ' ') {
		char *o2 = put(o, rest, (size_t)(e - rest));

		if (record_parse(&r, out, (size_t)(o2 - out)) == REC_RFC5424) {
			if (r.host != NULL)
				return (size_t)(o2 - out);
			w = memchr(rest + 2, ' ', (size_t)(e - rest - 2));
			hostoff = (size_t)(w + 1 - rest);	/* at "- " */
			o = put(o, rest, hostoff);
			o = put(o, host, hlen);
			o = put(o, rest + hostoff + 1,
			    (size_t)(e - rest) - hostoff - 1);
			return (size_t)(o - out);
		}
	}

	sl = bsd_stamp(rest, e);
	if (sl == 0)
		sl = rfc3339_stamp(rest, e);
	if (sl > 0) {
		w = rest + sl;
		if (w < e)
			w++;			/* the blank after the stamp */
		if (host_word(w, e)) {
			/* stamp host msg: as it is */
			o = put(o, rest, (size_t)(e - rest));
		} else {
			o = put(o, rest, sl);
			*o++ = ' ';
			o = put(o, host, hlen);
			*o++ = ' ';
			o = put(o, w, (size_t)(e - w));
		}
		if (record_parse(&r, out, (size_t)(o - out)) != REC_NONE)
			return (size_t)(o - out);
		/* a stamp record_parse rejects (out of range): text */
		o = put_pri(out, v < 0 ? 13 : v);
	}

	o = put(o, now_stamp(now), 15);
	*o++ = ' ';
	o = put(o, host, hlen);
	*o++ = ' ';
	o = put(o, rest, (size_t)(e - rest));
	return (size_t)(o - out);
}
