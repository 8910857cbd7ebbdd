/*
 * in_journal — the systemd journal reader (see in_journal.h).
 *
 * Positioning.  A saved cursor is first looked up without matches (so a
 * cursor whose entry does not match the current filter is still found):
 * seek to it and step once; if that entry is the cursor's, it exists.
 * Then the matches are added and the reader seeks to the cursor again;
 * the first entry the next poll steps to is skipped when it is the
 * cursor's own entry (it matches the filter), else delivered (it is the
 * first matching entry after it).  A lost cursor seeks to the head.
 * start_at_end seeks to the tail and steps back once, onto the last
 * entry, so the next step yields the first new one.
 *
 * Data returned by sd_journal_enumerate_available_data is only valid
 * until the next call, so the wanted fields are copied as they come:
 * small ones into fixed buffers, MESSAGE (at most max_msg bytes) into
 * the line buffer's tail, then moved behind the prefix.
 */
#include "input/in_journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "lib/log.h"
#include "lib/xmem.h"

#define PREFIX_MAX	(8 + 40 + IN_JOURNAL_HOST_MAX + IN_JOURNAL_IDENT_MAX + 32)
#define FIELD_MAX	64		/* longest journal field name */
#define PID_MAX		20		/* digits of a pid kept */

struct in_journal {
	sd_journal	*sd;		/* owned */
	int		 fd;		/* inotify fd of sd, or -1 */
	size_t		 max_msg;
	char		*line;		/* owned: PREFIX_MAX + max_msg bytes */
	char		*msg;		/* owned: max_msg bytes (MESSAGE copy) */
	char		*cursor;	/* owned: last consumed entry, or NULL */
	char		*seek;		/* owned: saved cursor whose entry is still to be skipped */
	bool		 no_files;
	uint64_t	 entries, skipped, cut, errors, lost;
	char		 errmsg[192];	/* kept error, "" when none */
};

/* The fields of one entry that the line is built from. */
struct fields {
	bool		 has_msg;
	size_t		 msglen;	/* bytes copied into j->msg */
	size_t		 msgfull;	/* length of the value (threshold: lower bound) */
	int		 prio;		/* -1 = absent */
	int		 fac;		/* -1 = absent */
	bool		 kernel;	/* _TRANSPORT=kernel */
	bool		 unit;		/* has _SYSTEMD_UNIT */
	char		 host[IN_JOURNAL_HOST_MAX + 1];
	char		 ident[IN_JOURNAL_IDENT_MAX + 1];
	char		 comm[IN_JOURNAL_IDENT_MAX + 1];
	char		 spid[PID_MAX + 1];	/* SYSLOG_PID */
	char		 pid[PID_MAX + 1];	/* _PID */
	unsigned	 seen;		/* bit per field already taken */
};

static const char *const levels[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"
};

/* ---- errors ---- */

static void
set_error(struct in_journal *j, const char *what, int r)
{
	char msg[sizeof(j->errmsg)];

	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(-r));
	if (strcmp(msg, j->errmsg) != 0) {
		log_warnx("journal: %s", msg);
		memcpy(j->errmsg, msg, sizeof(msg));
	}
	j->errors++;
}

/* ---- match terms ---- */

static int
level(const char *s, size_t n)
{
	size_t i;

	if (n == 1 && s[0] >= '0' && s[0] <= '7')
		return s[0] - '0';
	for (i = 0; i < 8; i++)
		if (strlen(levels[i]) == n && memcmp(levels[i], s, n) == 0)
			return (int)i;
	return -1;
}

/* Parses a PRIORITY value: one level or "A..B" in either order. */
static int
prio_range(const char *v, int *lo, int *hi)
{
	const char *dots = strstr(v, "..");
	int a, b;

	if (dots == NULL) {
		a = b = level(v, strlen(v));
	} else {
		a = level(v, dots - v);
		b = level(dots + 2, strlen(dots + 2));
	}
	if (a < 0 || b < 0)
		return -1;
	*lo = a < b ? a : b;
	*hi = a < b ? b : a;
	return 0;
}

int
in_journal_check_match(const char *term, char *err, size_t errlen)
{
	const char *eq, *p;
	int lo, hi;

	if (strcmp(term, "+") == 0)
		return 0;
	eq = strchr(term, '=');
	if (eq == NULL) {
		snprintf(err, errlen, "journal match \"%s\": expected FIELD=VALUE "
		    "or \"+\"", term);
		return -1;
	}
	if (eq == term || eq - term > FIELD_MAX || (*term >= '0' && *term <= '9')) {
		snprintf(err, errlen, "journal match \"%s\": the field name must "
		    "be 1 to %d characters, not starting with a digit", term,
		    FIELD_MAX);
		return -1;
	}
	for (p = term; p < eq; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_')) {
			snprintf(err, errlen, "journal match \"%s\": the field "
			    "name may only hold A-Z, 0-9 and '_'", term);
			return -1;
		}
	}
	if (eq - term == 8 && memcmp(term, "PRIORITY", 8) == 0 &&
	    prio_range(eq + 1, &lo, &hi) < 0) {
		snprintf(err, errlen, "journal match \"%s\": PRIORITY takes 0..7, "
		    "a level name (emerg .. debug) or a range such as 0..4",
		    term);
		return -1;
	}
	return 0;
}

static int
add_matches(sd_journal *sd, char *const *m, char *err, size_t errlen)
{
	char term[16];
	int lo, hi, i, r;

	for (; m != NULL && *m != NULL; m++) {
		if (in_journal_check_match(*m, err, errlen) < 0)
			return -1;
		if (strcmp(*m, "+") == 0) {
			r = sd_journal_add_disjunction(sd);
		} else if (strncmp(*m, "PRIORITY=", 9) == 0) {
			(void)prio_range(*m + 9, &lo, &hi);
			for (i = lo, r = 0; i <= hi && r >= 0; i++) {
				snprintf(term, sizeof(term), "PRIORITY=%d", i);
				r = sd_journal_add_match(sd, term, 0);
			}
		} else
			r = sd_journal_add_match(sd, *m, 0);
		if (r < 0) {
			snprintf(err, errlen, "journal match \"%s\": %s", *m,
			    strerror(-r));
			return -1;
		}
	}
	return 0;
}

/* ---- opening and positioning ---- */

/* Whether the entry of cursor is in the journal (no matches may be set
 * yet).  -1 when the cursor is malformed. */
static int
cursor_exists(sd_journal *sd, const char *cursor)
{
	int r;

	if (sd_journal_seek_cursor(sd, cursor) < 0)
		return -1;
	r = sd_journal_next(sd);
	if (r <= 0)
		return 0;
	return sd_journal_test_cursor(sd, cursor) > 0;
}

/* Positions sd (matches set) according to cursor/start_at_end/since. */
static int
position(struct in_journal *j, const char *cursor, bool found, bool at_end,
    uint64_t since)
{
	int r;

	if (cursor != NULL && found) {
		r = sd_journal_seek_cursor(j->sd, cursor);
		if (r >= 0)
			j->seek = xstrdup(cursor);
		return r;
	}
	if (cursor == NULL && at_end) {
		r = sd_journal_seek_tail(j->sd);
		if (r < 0)
			return r;
		r = sd_journal_previous(j->sd);
		if (r < 0)
			return r;
		if (r > 0) {
			/* on the last entry: the next step yields a new one */
			r = sd_journal_get_cursor(j->sd, &j->cursor);
			return r < 0 ? r : 0;
		}
		/* nothing (matching) yet: everything that comes is new */
	}
	if (cursor == NULL && !at_end && since > 0)
		return sd_journal_seek_realtime_usec(j->sd, since);
	return sd_journal_seek_head(j->sd);
}

struct in_journal *
in_journal_open(const struct in_journal_opts *o, const char *cursor,
    char *err, size_t errlen)
{
	struct in_journal *j;
	const char *what;
	size_t th;
	int r, found = 0;

	j = xcalloc(1, sizeof(*j));
	j->fd = -1;
	j->max_msg = o->max_msg > 0 ? o->max_msg : IN_JOURNAL_MAX_MSG;

	if (o->files != NULL && o->files[0] != NULL) {
		what = o->files[0];
		r = sd_journal_open_files(&j->sd, (const char **)o->files, 0);
	} else if (o->dir != NULL) {
		what = o->dir;
		r = sd_journal_open_directory(&j->sd, o->dir, 0);
	} else {
		what = "the local journal";
		r = sd_journal_open(&j->sd, SD_JOURNAL_LOCAL_ONLY);
	}
	if (r < 0) {
		snprintf(err, errlen, "cannot open %s: %s", what, strerror(-r));
		goto fail;
	}
	if (o->dir == NULL && (o->files == NULL || o->files[0] == NULL) &&
	    sd_journal_has_runtime_files(j->sd) <= 0 &&
	    sd_journal_has_persistent_files(j->sd) <= 0) {
		j->no_files = true;
		log_warnx("journal: no journal file is readable: is the user "
		    "in the group systemd-journal or adm?");
	}

	/* Watch before reading, so no file created meanwhile is missed. */
	r = sd_journal_get_fd(j->sd);
	if (r < 0)
		log_info("journal: %s cannot be watched (%s): polling",
		    what, strerror(-r));
	j->fd = r < 0 ? -1 : r;

	/* Fields longer than this are cut by the library (compressed ones
	 * only); one byte more than max_msg says "longer".  Never less than
	 * the small fields need whole. */
	th = j->max_msg + sizeof("MESSAGE=");
	if (th < 512)
		th = 512;
	r = sd_journal_set_data_threshold(j->sd, th);
	if (r < 0) {
		snprintf(err, errlen, "journal: cannot set the data threshold: %s",
		    strerror(-r));
		goto fail;
	}

	if (cursor != NULL) {
		found = cursor_exists(j->sd, cursor);
		j->cursor = xstrdup(cursor);
		if (found <= 0) {
			j->lost++;
			log_warnx("journal: the saved cursor is %s: reading from "
			    "the oldest entry; entries may have been lost",
			    found < 0 ? "malformed" : "no longer in the journal");
		}
	}
	if (add_matches(j->sd, o->matches, err, errlen) < 0)
		goto fail;
	r = position(j, cursor, found > 0, o->start_at_end, o->since_usec);
	if (r < 0) {
		snprintf(err, errlen, "journal: cannot seek in %s: %s", what,
		    strerror(-r));
		goto fail;
	}
	j->line = xmalloc(PREFIX_MAX + j->max_msg);
	j->msg = xmalloc(j->max_msg);
	return j;

fail:
	in_journal_free(j);
	return NULL;
}

void
in_journal_free(struct in_journal *j)
{
	if (j == NULL)
		return;
	if (j->sd != NULL)
		sd_journal_close(j->sd);
	free(j->line);
	free(j->msg);
	free(j->cursor);
	free(j->seek);
	free(j);
}

int
in_journal_fd(const struct in_journal *j)
{
	return j->fd;
}

/* ---- one entry ---- */

enum { F_MSG, F_PRIO, F_FAC, F_TRANSPORT, F_UNIT, F_HOST, F_IDENT, F_COMM,
	F_SPID, F_PID };

static const struct {
	const char	*name;		/* "NAME=" */
	size_t		 len;
} wanted[] = {
	[F_MSG] = { "MESSAGE=", 8 },
	[F_PRIO] = { "PRIORITY=", 9 },
	[F_FAC] = { "SYSLOG_FACILITY=", 16 },
	[F_TRANSPORT] = { "_TRANSPORT=", 11 },
	[F_UNIT] = { "_SYSTEMD_UNIT=", 14 },
	[F_HOST] = { "_HOSTNAME=", 10 },
	[F_IDENT] = { "SYSLOG_IDENTIFIER=", 18 },
	[F_COMM] = { "_COMM=", 6 },
	[F_SPID] = { "SYSLOG_PID=", 11 },
	[F_PID] = { "_PID=", 5 },
};

/* A whole decimal value in [0, max], or -1. */
static int
small_num(const char *v, size_t n, int max)
{
	int x = 0;
	size_t i;

	if (n == 0 || n > 3)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x <= max ? x : -1;
}

/* Copies a value into a fixed buffer, cut to size-1 bytes. */
static void
copy_val(char *dst, size_t size, const char *v, size_t n)
{
	if (n > size - 1)
		n = size - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* Copies a pid when it is all digits (else leaves dst empty). */
static void
copy_pid(char *dst, const char *v, size_t n)
{
	size_t i;

	if (n == 0 || n > PID_MAX)
		return;
	for (i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return;
	copy_val(dst, PID_MAX + 1, v, n);
}

static void
take(struct in_journal *j, struct fields *f, const char *d, size_t l)
{
	const char *v;
	size_t i, n;

	for (i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		if (l >= wanted[i].len && memcmp(d, wanted[i].name, wanted[i].len) == 0)
			break;
	if (i == sizeof(wanted) / sizeof(wanted[0]) || (f->seen & (1u << i)))
		return;
	f->seen |= 1u << i;
	v = d + wanted[i].len;
	n = l - wanted[i].len;
	switch (i) {
	case F_MSG:
		f->has_msg = true;
		f->msgfull = n;
		f->msglen = n < j->max_msg ? n : j->max_msg;
		memcpy(j->msg, v, f->msglen);
		break;
	case F_PRIO:
		f->prio = small_num(v, n, 7);
		break;
	case F_FAC:
		f->fac = small_num(v, n, 23);
		break;
	case F_TRANSPORT:
		f->kernel = n == 6 && memcmp(v, "kernel", 6) == 0;
		break;
	case F_UNIT:
		f->unit = true;
		break;
	case F_HOST:
		copy_val(f->host, sizeof(f->host), v, n);
		break;
	case F_IDENT:
		copy_val(f->ident, sizeof(f->ident), v, n);
		break;
	case F_COMM:
		copy_val(f->comm, sizeof(f->comm), v, n);
		break;
	case F_SPID:
		copy_pid(f->spid, v, n);
		break;
	case F_PID:
		copy_pid(f->pid, v, n);
		break;
	}
}

/* Replaces bytes that would end the field in record_parse. */
static void
sanitise(char *s, bool tag)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c == 0x7f || (tag && (c == '[' || c == ':')))
			*s = '_';
	}
}

/* Writes the RFC 3339 stamp of the entry's realtime; returns its length. */
static int
stamp(struct in_journal *j, char *p, size_t size)
{
	uint64_t usec;
	struct timespec now;
	struct tm tm;
	time_t s;
	long off;
	int r;

	r = sd_journal_get_realtime_usec(j->sd, &usec);
	if (r < 0 || usec / 1000000 > (uint64_t)253402300799LL) {
		clock_gettime(CLOCK_REALTIME, &now);
		usec = (uint64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
	}
	s = (time_t)(usec / 1000000);
	if (localtime_r(&s, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_gmtoff % 60 != 0) {
		gmtime_r(&s, &tm);
		return snprintf(p, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06luZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (unsigned long)(usec % 1000000));
	}
	off = tm.tm_gmtoff;
	return snprintf(p, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06lu%c%02ld:%02ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (unsigned long)(usec % 1000000), off < 0 ? '-' : '+',
	    (off < 0 ? -off : off) / 3600, (off < 0 ? -off : off) % 3600 / 60);
}

/* Reads the current entry and delivers it (or counts it as skipped);
 * -1 when it cannot be read (counted, not delivered). */
static int
entry(struct in_journal *j, in_journal_line_fn *fn, void *arg)
{
	struct fields f;
	const void *d;
	const char *host, *ident, *pid;
	size_t l, n, cut_from = 0;
	int r, sev, fac, k;

	memset(&f, 0, sizeof(f));
	f.prio = f.fac = -1;
	sd_journal_restart_data(j->sd);
	while ((r = sd_journal_enumerate_available_data(j->sd, &d, &l)) > 0)
		take(j, &f, d, l);
	if (r < 0) {
		set_error(j, "cannot read an entry", r);
		return -1;
	}
	if (!f.has_msg) {
		j->skipped++;
		return 0;
	}

	sev = f.prio >= 0 ? f.prio : 6;
	fac = f.fac >= 0 ? f.fac : f.kernel ? 0 : f.unit ? 3 : 1;
	host = f.host[0] != '\0' ? f.host : "localhost";
	sanitise(f.host, false);
	ident = f.ident[0] != '\0' ? f.ident : f.comm[0] != '\0' ? f.comm :
	    "unknown";
	sanitise(f.ident, true);
	sanitise(f.comm, true);
	pid = f.spid[0] != '\0' ? f.spid : f.pid;

	n = (size_t)snprintf(j->line, PREFIX_MAX, "<%d>", fac * 8 + sev);
	k = stamp(j, j->line + n, PREFIX_MAX - n);
	n += k > 0 ? (size_t)k : 0;
	if (pid[0] != '\0')
		k = snprintf(j->line + n, PREFIX_MAX - n, " %s %s[%s]: ", host,
		    ident, pid);
	else
		k = snprintf(j->line + n, PREFIX_MAX - n, " %s %s: ", host, ident);
	n += k > 0 ? (size_t)k : 0;
	if (n >= PREFIX_MAX)		/* cannot happen: every part is capped */
		n = PREFIX_MAX - 1;
	memcpy(j->line + n, j->msg, f.msglen);
	if (f.msgfull > f.msglen) {
		cut_from = n + f.msgfull;
		j->cut++;
	}
	j->entries++;
	fn(arg, j->line, n + f.msglen, cut_from);
	return 0;
}

/* ---- polling ---- */

int
in_journal_poll(struct in_journal *j, size_t max, in_journal_line_fn *fn,
    void *arg)
{
	size_t count = 0;
	char *c;
	int r, ret = 0;
	bool same;

	r = sd_journal_process(j->sd);
	if (r < 0) {
		set_error(j, "cannot process journal changes", r);
		ret = -1;
	} else if (r == SD_JOURNAL_INVALIDATE)
		log_debug("journal: journal files added or removed");

	for (;;) {
		if (max > 0 && count >= max)
			return ret < 0 ? ret : 1;
		r = sd_journal_next(j->sd);
		if (r < 0) {
			set_error(j, "cannot step to the next entry", r);
			return -1;
		}
		if (r == 0)
			break;
		if (j->seek != NULL) {
			same = sd_journal_test_cursor(j->sd, j->seek) > 0;
			free(j->seek);
			j->seek = NULL;
			if (same)
				continue;
		}
		count++;
		if (entry(j, fn, arg) < 0)
			ret = -1;
		r = sd_journal_get_cursor(j->sd, &c);
		if (r < 0) {
			set_error(j, "cannot get the cursor", r);
			ret = -1;
			continue;
		}
		free(j->cursor);
		j->cursor = c;
	}
	if (ret == 0)
		j->errmsg[0] = '\0';
	return ret;
}

const char *
in_journal_cursor(const struct in_journal *j)
{
	return j->cursor;
}

void
in_journal_stats(const struct in_journal *j, struct in_journal_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->entries = j->entries;
	st->skipped_no_message = j->skipped;
	st->cut = j->cut;
	st->errors = j->errors;
	st->cursor_lost = j->lost;
	st->error = j->errmsg[0] != '\0' ? j->errmsg : NULL;
	st->no_files = j->no_files;
}
