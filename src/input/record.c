/*
 * record — the built-in log line prefixes: BSD syslog (tenshi-compatible),
 * RFC 3339 stamps (rsyslog high precision), RFC 5424, each optionally
 * behind a "<PRI>"; the "prog[pid]: " tag; and turning a parsed stamp
 * into seconds since the epoch.  Every parser works on (pointer, end)
 * pairs, never reads past the end and never allocates: NUL, CR and bytes
 * >= 0x80 are ordinary data.  Whitespace means Perl's \s on bytes
 * (space, \t, \n, \v, \f, \r), as in tenshi's prefix regex.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* timegm */
#endif
#include "input/record.h"

#include <limits.h>
#include <string.h>

#include "lib/str.h"
#include "lib/xmem.h"

#define DAY	86400

/* Byte classes: Perl's \s (str_isspace), and what ends the program
 * name of a tag (\s, '[' or ':'). */
#define C_SPACE		1
#define C_PROGEND	2

static const unsigned char cls[256] = {
	['\t'] = C_SPACE | C_PROGEND,
	['\n'] = C_SPACE | C_PROGEND,
	['\v'] = C_SPACE | C_PROGEND,
	['\f'] = C_SPACE | C_PROGEND,
	['\r'] = C_SPACE | C_PROGEND,
	[' '] = C_SPACE | C_PROGEND,
	['['] = C_PROGEND,
	[':'] = C_PROGEND,
};

static bool
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static bool
isws(const char *p, const char *e)
{
	return p < e && (cls[(unsigned char)*p] & C_SPACE);
}

/* Consumes exactly n decimal digits. */
static bool
digits(const char **pp, const char *e, int n, int *out)
{
	const char *p = *pp;
	int i, v = 0;

	if (e - p < n)
		return false;
	for (i = 0; i < n; i++) {
		if (!isdig((unsigned char)p[i]))
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	*pp = p + n;
	return true;
}

/* Consumes the byte c. */
static bool
lit(const char **pp, const char *e, char c)
{
	if (*pp >= e || **pp != c)
		return false;
	(*pp)++;
	return true;
}

/* Consumes one whitespace byte. */
static bool
ws(const char **pp, const char *e)
{
	if (!isws(*pp, e))
		return false;
	(*pp)++;
	return true;
}

/* Decimal digits that always fit a long. */
#if LONG_MAX > 0x7fffffffL
#define FIT_DIGITS	18
#else
#define FIT_DIGITS	9
#endif

/* A whole run of decimal digits as a long, or -1 when empty, not all
 * digits or too large. */
static long
number(const char *p, size_t n)
{
	long v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdig((unsigned char)p[i]))
			return -1;
		if (i >= FIT_DIGITS && v > (LONG_MAX - (p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static int
mdays(int year, int mon)
{
	static const int days[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (mon == 2 && leap)
		return 29;
	return days[mon - 1];
}

static void
reset(struct record *r, const char *line, size_t len, int pri)
{
	xzero(r, sizeof(*r));
	r->line = line;
	r->len = len;
	r->format = REC_NONE;
	r->msg = line;
	r->msglen = len;
	r->pid = -1;
	r->pri = pri;
	r->facility = pri < 0 ? -1 : pri / 8;
	r->severity = pri < 0 ? -1 : pri % 8;
}

/*
 * "<PRI>": 1 to 3 digits, no leading zero (except "<0>"), at most 191.
 * Returns the value and advances *pp, or returns -1.
 */
static int
pri(const char **pp, const char *e)
{
	const char *p = *pp, *d;
	int v = 0;

	if (!lit(&p, e, '<'))
		return -1;
	for (d = p; p < e && isdig((unsigned char)*p) && p - d < 4; p++)
		v = v * 10 + (*p - '0');
	if (p == d || p - d > 3 || (p - d > 1 && *d == '0') || v > 191)
		return -1;
	if (!lit(&p, e, '>'))
		return -1;
	*pp = p;
	return v;
}

/*
 * RFC 3339 date-time: YYYY-MM-DD(T|t)hh:mm:ss[.frac](Z|z|+hh:mm|-hh:mm).
 * Any number of fraction digits (at least one after '.'); the first nine
 * are kept as nanoseconds.  Fields are range-checked as RFC 3339 says,
 * including the length of the month; second 60 (leap second) is allowed.
 */
static bool
stamp3339(struct record *r, const char **pp, const char *e)
{
	const char *p = *pp, *f;
	int y, mo, d, h, mi, s, oh, om, sign, n;
	long ns = 0;

	if (!digits(&p, e, 4, &y) || !lit(&p, e, '-') ||
	    !digits(&p, e, 2, &mo) || !lit(&p, e, '-') ||
	    !digits(&p, e, 2, &d))
		return false;
	if (!lit(&p, e, 'T') && !lit(&p, e, 't'))
		return false;
	if (!digits(&p, e, 2, &h) || !lit(&p, e, ':') ||
	    !digits(&p, e, 2, &mi) || !lit(&p, e, ':') ||
	    !digits(&p, e, 2, &s))
		return false;
	if (lit(&p, e, '.')) {
		for (f = p, n = 0; p < e && isdig((unsigned char)*p); p++) {
			if (n < 9) {
				ns = ns * 10 + (*p - '0');
				n++;
			}
		}
		if (p == f)
			return false;
		for (; n < 9; n++)
			ns *= 10;
	}
	if (lit(&p, e, 'Z') || lit(&p, e, 'z')) {
		oh = om = 0;
		sign = 1;
	} else if (p < e && (*p == '+' || *p == '-')) {
		sign = *p++ == '-' ? -1 : 1;
		if (!digits(&p, e, 2, &oh) || !lit(&p, e, ':') ||
		    !digits(&p, e, 2, &om) || oh > 23 || om > 59)
			return false;
	} else
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo) || h > 23 ||
	    mi > 59 || s > 60)
		return false;

	r->year = y;
	r->mon = mo;
	r->mday = d;
	r->hour = h;
	r->min = mi;
	r->sec = s;
	r->nsec = ns;
	r->has_tz = true;
	r->tzoff = sign * (oh * 3600 + om * 60);
	*pp = p;
	return true;
}

/*
 * HOST (a maximal run of non-whitespace bytes, at least one), exactly one
 * whitespace byte, then the message: the rest of the line, possibly
 * empty or starting with more whitespace.
 */
static bool
hostmsg(struct record *r, const char *p, const char *e)
{
	const char *h = p;

	while (p < e && !(cls[(unsigned char)*p] & C_SPACE))
		p++;
	if (p == h || p == e)
		return false;
	r->host = h;
	r->hostlen = p - h;
	p++;
	r->msg = p;
	r->msglen = e - p;
	return true;
}

/*
 * tenshi's ^[A-Z][a-z]{2}\s(?:\s|\d)\d\s\d{2}:\d{2}:\d{2}\s(\S+)\s plus
 * "Mmm d " (one blank, one digit).  Like the regex, neither the month
 * name nor the ranges of the numbers are checked here: "Foo 99 99:99:99"
 * is a prefix with mon = 0; record_time rejects such stamps.
 */
static bool
bsd(struct record *r, const char *p, const char *e)
{
	int d, h, mi, s;

	if (e - p < 4 || p[0] < 'A' || p[0] > 'Z' || p[1] < 'a' ||
	    p[1] > 'z' || p[2] < 'a' || p[2] > 'z' ||
	    !str_isspace((unsigned char)p[3]))
		return false;
	r->mon = record_month(p);
	p += 4;
	if (ws(&p, e)) {
		/* "Mmm  d" */
		if (!digits(&p, e, 1, &d))
			return false;
	} else if (e - p >= 2 && isdig((unsigned char)p[1])) {
		/* "Mmm dd" */
		if (!digits(&p, e, 2, &d))
			return false;
	} else if (!digits(&p, e, 1, &d))	/* "Mmm d" */
		return false;
	if (!ws(&p, e) ||
	    !digits(&p, e, 2, &h) || !lit(&p, e, ':') ||
	    !digits(&p, e, 2, &mi) || !lit(&p, e, ':') ||
	    !digits(&p, e, 2, &s) || !ws(&p, e))
		return false;
	r->mday = d;
	r->hour = h;
	r->min = mi;
	r->sec = s;
	return hostmsg(r, p, e);
}

/* RFC 3339 stamp, one whitespace byte, HOST, one whitespace byte, MSG. */
static bool
rfc3339(struct record *r, const char *p, const char *e)
{
	if (!stamp3339(r, &p, e) || !ws(&p, e))
		return false;
	return hostmsg(r, p, e);
}

/*
 * One RFC 5424 header field: a run of at least one non-whitespace byte
 * followed by a single SP.  Sets *out to NULL for the nil value "-".
 */
static bool
field(const char **pp, const char *e, const char **out, size_t *outlen)
{
	const char *p = *pp, *s = p;

	while (p < e && !str_isspace((unsigned char)*p))
		p++;
	if (p == s || !lit(&p, e, ' '))
		return false;
	*outlen = p - 1 - s;
	*out = *outlen == 1 && *s == '-' ? NULL : s;
	if (*out == NULL)
		*outlen = 0;
	*pp = p;
	return true;
}

/* SD-NAME: 1 or more of printable US-ASCII except '=', SP, ']' and '"'. */
static bool
sdname(const char **pp, const char *e)
{
	const char *p = *pp;

	while (p < e && *p > ' ' && *p <= '~' && *p != '=' && *p != ']' &&
	    *p != '"')
		p++;
	if (p == *pp)
		return false;
	*pp = p;
	return true;
}

/*
 * STRUCTURED-DATA other than "-": one or more
 * [SD-ID *(SP PARAM-NAME="PARAM-VALUE")] with no space between elements.
 * In a value a backslash escapes the next byte, so \" and \] do not end
 * anything and ']' inside quotes is data.
 */
static bool
sdata(const char **pp, const char *e)
{
	const char *p = *pp;

	if (p >= e || *p != '[')
		return false;
	while (lit(&p, e, '[')) {
		if (!sdname(&p, e))
			return false;
		while (!lit(&p, e, ']')) {
			if (!lit(&p, e, ' ') || !sdname(&p, e) ||
			    !lit(&p, e, '=') || !lit(&p, e, '"'))
				return false;
			while (p < e && *p != '"') {
				if (*p == '\\' && ++p == e)
					return false;
				p++;
			}
			if (!lit(&p, e, '"'))
				return false;
		}
	}
	*pp = p;
	return true;
}

/*
 * After "<PRI>": "1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [SP MSG]"
 * with single SPs between fields.  Lengths of the header fields are not
 * limited to those of RFC 5424.  One SP at the start of MSG is dropped:
 * rsyslog's RSYSLOG_SyslogProtocol23Format writes its %msg%, which keeps
 * the blank that followed the tag, after the separator, so "SD  text"
 * means "text" (rsyslog's own files show it so).  A UTF-8 BOM at the start
 * of MSG is dropped.
 */
static bool
rfc5424(struct record *r, const char *p, const char *e)
{
	const char *procid, *s;
	size_t procidlen;

	if (!lit(&p, e, '1') || !lit(&p, e, ' '))
		return false;
	if (!lit(&p, e, '-') && !stamp3339(r, &p, e))
		return false;
	if (!lit(&p, e, ' ') ||
	    !field(&p, e, &r->host, &r->hostlen) ||
	    !field(&p, e, &r->prog, &r->proglen) ||
	    !field(&p, e, &procid, &procidlen) ||
	    !field(&p, e, &r->msgid, &r->msgidlen))
		return false;
	s = p;
	if (!lit(&p, e, '-')) {
		if (!sdata(&p, e))
			return false;
		r->sd = s;
		r->sdlen = p - s;
	}
	if (p < e && !lit(&p, e, ' '))
		return false;
	(void)lit(&p, e, ' ');
	if (e - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	r->msg = p;
	r->msglen = e - p;
	r->pid = procid != NULL ? number(procid, procidlen) : -1;
	r->procid = procid;
	r->procidlen = procid != NULL ? procidlen : 0;
	return true;
}

enum record_format
record_parse(struct record *r, const char *line, size_t len)
{
	const char *p, *e;
	int v;

	if (line == NULL) {
		line = "";
		len = 0;
	}
	p = line;
	e = line + len;
	v = pri(&p, e);
	reset(r, line, len, v);
	if (v >= 0) {
		if (rfc5424(r, p, e)) {
			r->format = REC_RFC5424;
			return r->format;
		}
		reset(r, line, len, v);
	}
	/* an RFC 3339 stamp starts with a digit, a BSD one with a capital
	 * letter: at most one of them can match, and a failed one may have
	 * written to r */
	if (p < e && isdig((unsigned char)*p)) {
		if (rfc3339(r, p, e))
			r->format = REC_RFC3339;
	} else if (bsd(r, p, e))
		r->format = REC_BSD;
	if (r->format == REC_NONE) {
		reset(r, line, len, -1);
		return REC_NONE;
	}
	record_parse_tag(r);
	return r->format;
}

/*
 * "prog[pid]: " or "prog: " at the start of msg.  prog is at least one
 * byte, none of them whitespace, '[' or ':'.  pid is one or more decimal
 * digits that fit a long; anything else between the brackets ("[abc]",
 * "[]", "[-1]") means there is no tag at all, so prog and pid are always
 * both set or both unset.  The colon must be followed by whitespace (any
 * \s byte, so "prog:\r" at the end of a CRLF line counts) or end the
 * message.  msg itself is not changed.
 */
void
record_parse_tag(struct record *r)
{
	const char *p = r->msg, *e, *s, *d;
	long pid = -1;
	size_t len;

	r->prog = NULL;
	r->proglen = 0;
	r->pid = -1;
	if (p == NULL)
		return;
	e = p + r->msglen;
	for (s = p; p < e && !(cls[(unsigned char)*p] & C_PROGEND); p++)
		;
	if (p == s)
		return;
	len = p - s;
	if (lit(&p, e, '[')) {
		/* number(), in the same pass as the scan */
		for (d = p, pid = 0; p < e && isdig((unsigned char)*p); p++) {
			if (p - d >= FIT_DIGITS &&
			    pid > (LONG_MAX - (*p - '0')) / 10)
				return;
			pid = pid * 10 + (*p - '0');
		}
		if (p == d || !lit(&p, e, ']'))
			return;
	}
	if (!lit(&p, e, ':') || (p < e && !isws(p, e)))
		return;
	r->prog = s;
	r->proglen = len;
	r->pid = pid;
}

/* The stamp's wall-clock time in the given year, in local time. */
/*
 * mktime() is slow (glibc looks at the zone file on every call) and log
 * lines come in order, so the start of the last few hours is cached:
 * a stamp is its hour's start plus minutes and seconds.  Zone changes
 * happen on whole hours in practice, where this equals mktime.
 */
#define HOUR_CACHE	4

static time_t
localstamp(const struct record *r, int year)
{
	static struct {
		int		 key;	/* year, month, day, hour packed; 0 = empty */
		time_t		 start;	/* mktime of hh:00:00 */
		long		 zone;	/* the zone it was computed in (tzset's */
		const char	*name;	/* timezone and tzname[0]) */
	} cache[HOUR_CACHE];
	static unsigned next;
	int key = ((year * 13 + r->mon) * 32 + r->mday) * 24 + r->hour + 1;
	struct tm tm;
	time_t start;
	unsigned i;

	for (i = 0; i < HOUR_CACHE; i++) {
		if (cache[i].key == key && cache[i].zone == timezone &&
		    cache[i].name == tzname[0])
			return cache[i].start + r->min * 60 + r->sec;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = r->mon - 1;
	tm.tm_mday = r->mday;
	tm.tm_hour = r->hour;
	tm.tm_isdst = -1;
	start = mktime(&tm);
	if (start == (time_t)-1)
		return -1;
	cache[next].key = key;
	cache[next].start = start;
	cache[next].zone = timezone;
	cache[next].name = tzname[0];
	next = (next + 1) % HOUR_CACHE;
	return start + r->min * 60 + r->sec;
}

/*
 * A BSD stamp has no year: try next year, this year, then earlier ones
 * (Feb 29 may need up to eight) and take the first whose time is no more
 * than a day after 'now', i.e. the closest one that is not in the future
 * by more than a day.  "Dec 31" read on Jan 1 is last year's; "Jan 1"
 * read a few minutes before midnight on Dec 31 is next year's.
 */
static time_t
guessyear(const struct record *r, time_t now)
{
	static time_t last_now = -1;
	static int last_year;
	/* The last hour whose year the minutes could not change (every
	 * year tried before it fails, and it fits, for any minute): its
	 * lines need no search.  Valid for one 'now' and one zone. */
	static struct {
		int		 key;	/* month, day, hour packed; 0 = empty */
		time_t		 now;
		long		 zone;
		const char	*name;
		time_t		 start;	/* the chosen year's hh:00:00 */
	} memo;
	int key = (r->mon * 32 + r->mday) * 24 + r->hour + 1;
	time_t off = r->min * 60 + r->sec;
	bool whole = true;
	struct tm tm;
	time_t t;
	int y, year;

	if (memo.key == key && memo.now == now && memo.zone == timezone &&
	    memo.name == tzname[0])
		return memo.start + off;
	/* 'now' is the same for a whole run of lines */
	if (now != last_now) {
		if (localtime_r(&now, &tm) == NULL)
			return -1;
		last_now = now;
		last_year = tm.tm_year + 1900;
	}
	year = last_year;
	for (y = year + 1; y >= year - 8; y--) {
		if (r->mday > mdays(y, r->mon))
			continue;
		t = localstamp(r, y);
		if (t == (time_t)-1) {
			whole = false;
			continue;
		}
		if (t <= now || t - now <= DAY) {
			/* the hour's last second (:59:60) fits too */
			if (whole && t - off + 3600 <= now + DAY) {
				memo.key = key;
				memo.now = now;
				memo.zone = timezone;
				memo.name = tzname[0];
				memo.start = t - off;
			}
			return t;
		}
		/* another minute of this hour might have fitted */
		if (t - off <= now + DAY)
			whole = false;
	}
	return -1;
}

/*
 * Dispatches on what the stamp carries rather than on r->format, so a
 * record filled by another parser (REC_LOGPREFIX) works too: a zone means
 * exact UTC, no year means a BSD stamp, a year without zone is local
 * time.  Out-of-range fields (possible in BSD stamps, which are accepted
 * as tenshi does) give -1.  The fraction of a second is ignored.
 */
time_t
record_time(const struct record *r, time_t now)
{
	struct tm tm;
	time_t t;

	if (r->format == REC_NONE || r->mon < 1 || r->mon > 12 ||
	    r->mday < 1 || r->mday > 31 || r->hour < 0 || r->hour > 23 ||
	    r->min < 0 || r->min > 59 || r->sec < 0 || r->sec > 60)
		return -1;
	if (r->has_tz) {
		if (r->mday > mdays(r->year, r->mon))
			return -1;
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = r->year - 1900;
		tm.tm_mon = r->mon - 1;
		tm.tm_mday = r->mday;
		tm.tm_hour = r->hour;
		tm.tm_min = r->min;
		tm.tm_sec = r->sec;
		t = timegm(&tm);
		return t - r->tzoff;
	}
	if (r->year == 0)
		return guessyear(r, now);
	if (r->mday > mdays(r->year, r->mon))
		return -1;
	return localstamp(r, r->year);
}

/* Reads at most three bytes and stops at the first mismatch, so a
 * shorter NUL-terminated string is safe too. */
int
record_month(const char *p)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int i;

	if (p == NULL)
		return 0;
	for (i = 0; i < 12; i++) {
		if (p[0] == names[3 * i] && p[1] == names[3 * i + 1] &&
		    p[2] == names[3 * i + 2])
			return i + 1;
	}
	return 0;
}
