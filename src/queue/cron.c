/*
 * cron — cron schedule specs: parsing the five-field (or @keyword) text
 * into bit sets, testing a broken-down time against them, and finding the
 * next firing instant in local time, including the daylight-saving rules
 * (repeated and skipped wall-clock minutes).  Owns no memory.
 */
#include "queue/cron.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/str.h"

#define NFIELDS		5
#define ITEMSHOW	40		/* bytes of a bad item in errors */
#define NUMCAP		100000		/* numbers are clamped to this */
#define HORIZON_YEARS	5		/* cron_next gives up after this */
#define FOLD_PROBE	(6 * 3600)	/* how far ahead to look for a fold */
#define ALL_HOURS	0xffffffu	/* bits 0..23 */

enum field { F_MIN, F_HOUR, F_MDAY, F_MON, F_WDAY };

static const struct fieldinfo {
	const char	*name;		/* as shown in errors */
	int		 lo;		/* smallest value */
	int		 hi;		/* largest value; where '*' ends */
	int		 span;		/* largest step allowed */
} fields[NFIELDS] = {
	{ "minute",	  0, 59, 60 },
	{ "hour",	  0, 23, 24 },
	{ "day-of-month", 1, 31, 31 },
	{ "month",	  1, 12, 12 },
	{ "day-of-week",  0,  7,  7 },	/* 7 = Sunday (Vixie) */
};

static const char *const monthnames[12] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};
static const char *const daynames[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat",
};

static const struct {
	const char	*word;		/* after the '@' */
	const char	*spec;		/* what it stands for */
} keywords[] = {
	{ "hourly",	"0 * * * *" },
	{ "daily",	"0 0 * * *" },
	{ "midnight",	"0 0 * * *" },
	{ "weekly",	"0 0 * * 0" },
	{ "monthly",	"0 0 1 * *" },
	{ "yearly",	"0 0 1 1 *" },
	{ "annually",	"0 0 1 1 *" },
};

/* A place in an item being parsed, for error messages. */
struct item {
	const struct fieldinfo	*f;	/* field the item belongs to */
	const char		*s;	/* item text (not NUL-terminated) */
	size_t			 n;	/* its length */
	char			*err;	/* caller's error buffer, may be NULL */
	size_t			 errlen;
};

static bool
isdigit_a(int ch)
{
	return ch >= '0' && ch <= '9';
}

static bool
isalpha_a(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int
lower_a(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

static bool
eqnocase(const char *s, size_t n, const char *word)
{
	size_t i;

	if (strlen(word) != n)
		return false;
	for (i = 0; i < n; i++)
		if (lower_a((unsigned char)s[i]) != word[i])
			return false;
	return true;
}

/* Copies s[0..n) for quoting: non-printing bytes become '?', long text is
 * cut and ends in "...". */
static void
quote(char *dst, size_t size, const char *s, size_t n)
{
	size_t i, max = size - 1;

	if (n > max)
		max -= 3;
	for (i = 0; i < n && i < max; i++)
		dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (n > i) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
}

static void
showchar(char *dst, size_t size, int ch)
{
	if (ch >= 0x20 && ch < 0x7f)
		snprintf(dst, size, "'%c'", ch);
	else
		snprintf(dst, size, "byte 0x%02x", (unsigned)(unsigned char)ch);
}

static int
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* "FIELD field, item "TEXT": " followed by the message. */
static int
itemerr(const struct item *it, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
itemerr(const struct item *it, const char *fmt, ...)
{
	char shown[ITEMSHOW + 1];
	va_list ap;
	int len;

	if (it->err == NULL || it->errlen == 0)
		return -1;
	quote(shown, sizeof(shown), it->s, it->n);
	len = snprintf(it->err, it->errlen, "%s field, item \"%s\": ",
	    it->f->name, shown);
	if (len < 0 || (size_t)len >= it->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(it->err + len, it->errlen - (size_t)len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Reads digits at *i into *v (clamped to NUMCAP); returns false when
 * there are none. */
static bool
digits(const struct item *it, size_t *i, int *v)
{
	size_t start = *i;
	long n = 0;

	while (*i < it->n && isdigit_a((unsigned char)it->s[*i])) {
		if (n < NUMCAP)
			n = n * 10 + (it->s[*i] - '0');
		(*i)++;
	}
	*v = n < NUMCAP ? (int)n : NUMCAP;
	return *i > start;
}

static int
name(const struct item *it, const char *s, size_t n, int *v)
{
	char shown[ITEMSHOW + 1];
	int k;

	quote(shown, sizeof(shown), s, n);
	if (it->f != &fields[F_MON] && it->f != &fields[F_WDAY])
		return itemerr(it, "\"%s\" is not a number (names are only "
		    "allowed in the month and day-of-week fields)", shown);
	for (k = 0; k < 12; k++) {
		if (!eqnocase(s, n, monthnames[k]))
			continue;
		if (it->f == &fields[F_MON]) {
			*v = k + 1;
			return 0;
		}
		return itemerr(it, "\"%s\" is a month name, not a day of "
		    "the week", shown);
	}
	for (k = 0; k < 7; k++) {
		if (!eqnocase(s, n, daynames[k]))
			continue;
		if (it->f == &fields[F_WDAY]) {
			*v = k;
			return 0;
		}
		return itemerr(it, "\"%s\" is a day-of-week name, not a month",
		    shown);
	}
	if (it->f == &fields[F_MON])
		return itemerr(it, "unknown month name \"%s\" (use jan..dec)",
		    shown);
	return itemerr(it, "unknown day name \"%s\" (use sun..sat)", shown);
}

/* Reads a number or name at *i into *v.  what says where it was expected
 * ("range end after '-'"), or is NULL at the start of the item. */
static int
value(const struct item *it, size_t *i, int *v, const char *what)
{
	char ch[16];
	size_t start = *i;

	if (*i >= it->n)
		return itemerr(it, "missing %s", what);
	if (isdigit_a((unsigned char)it->s[*i])) {
		digits(it, i, v);
		if (*v < it->f->lo || *v > it->f->hi)
			return itemerr(it, "%.*s is out of range (%d-%d)",
			    (int)(*i - start), it->s + start,
			    it->f->lo, it->f->hi);
		return 0;
	}
	if (isalpha_a((unsigned char)it->s[*i])) {
		while (*i < it->n && isalpha_a((unsigned char)it->s[*i]))
			(*i)++;
		return name(it, it->s + start, *i - start, v);
	}
	showchar(ch, sizeof(ch), (unsigned char)it->s[*i]);
	if (what != NULL)
		return itemerr(it, "missing %s (found %s)", what, ch);
	return itemerr(it, "expected a number%s or '*', found %s",
	    it->f == &fields[F_MON] || it->f == &fields[F_WDAY] ?
	    ", name" : "", ch);
}

static int
step(const struct item *it, size_t *i, int *v)
{
	size_t start = *i;

	if (*i >= it->n)
		return itemerr(it, "missing step after '/'");
	if (!digits(it, i, v))
		return itemerr(it, "the step after '/' must be a number");
	if (*v == 0)
		return itemerr(it, "step must be at least 1");
	if (*v > it->f->span)
		return itemerr(it, "step %.*s is larger than the field's range "
		    "(%d values)", (int)(*i - start), it->s + start,
		    it->f->span);
	return 0;
}

/* One item: "*", "*\/S", "N", "N/S", "A-B", "A-B/S". */
static int
parse_item(const struct item *it, uint64_t *bits)
{
	char ch[16];
	size_t i = 0;
	int a, b, s = 1, v;
	bool ranged = false;

	if (it->s[0] == '*') {
		a = it->f->lo;
		b = it->f->hi;
		i = 1;
		if (i < it->n && it->s[i] == '/') {
			i++;
			if (step(it, &i, &s) == -1)
				return -1;
		}
	} else {
		if (value(it, &i, &a, NULL) == -1)
			return -1;
		b = a;
		if (i < it->n && it->s[i] == '-') {
			ranged = true;
			i++;
			if (value(it, &i, &b, "range end after '-'") == -1)
				return -1;
			if (a > b)
				return itemerr(it, "range start %d is greater "
				    "than its end %d", a, b);
		}
		if (i < it->n && it->s[i] == '/') {
			if (!ranged)
				b = it->f->hi;	/* "N/S": from N to the end */
			i++;
			if (step(it, &i, &s) == -1)
				return -1;
		}
	}
	if (i < it->n) {
		showchar(ch, sizeof(ch), (unsigned char)it->s[i]);
		return itemerr(it, "unexpected %s after \"%.*s\"", ch,
		    (int)i, it->s);
	}
	for (v = a; v <= b; v += s)
		*bits |= (uint64_t)1 << v;
	return 0;
}

/* A comma-separated list of items. */
static int
parse_field(enum field fi, const char *s, size_t n, uint64_t *bits,
    char *err, size_t errlen)
{
	char shown[ITEMSHOW + 1];
	struct item it;
	size_t i = 0, end;

	*bits = 0;
	it.f = &fields[fi];
	it.err = err;
	it.errlen = errlen;
	for (;;) {
		for (end = i; end < n && s[end] != ','; end++)
			;
		if (end == i) {
			quote(shown, sizeof(shown), s, n);
			return seterr(err, errlen, "%s field \"%s\": empty "
			    "list item", fields[fi].name, shown);
		}
		it.s = s + i;
		it.n = end - i;
		if (parse_item(&it, bits) == -1)
			return -1;
		if (end == n)
			return 0;
		i = end + 1;
	}
}

static int
keyword(struct cron *c, const char *p, char *err, size_t errlen)
{
	char shown[ITEMSHOW + 1];
	const char *w = p + 1, *e = w;
	size_t k, n;

	while (*e != '\0' && !str_isspace((unsigned char)*e))
		e++;
	n = (size_t)(e - w);
	quote(shown, sizeof(shown), p, n + 1);
	if (*str_skipspace(e) != '\0')
		return seterr(err, errlen, "\"%s\" takes no fields after it",
		    shown);
	if (eqnocase(w, n, "reboot"))
		return seterr(err, errlen, "@reboot is not supported (logward "
		    "schedules need times to fire at)");
	for (k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
		if (eqnocase(w, n, keywords[k].word))
			return cron_parse(c, keywords[k].spec, err, errlen);
	return seterr(err, errlen, "unknown keyword \"%s\" (use @hourly, "
	    "@daily, @midnight, @weekly, @monthly, @yearly or @annually)",
	    shown);
}

int
cron_parse(struct cron *c, const char *spec, char *err, size_t errlen)
{
	const char *p, *start[NFIELDS];
	size_t len[NFIELDS], end;
	uint64_t bits[NFIELDS];
	struct cron nc;
	int i, n = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	p = str_skipspace(spec);
	if (*p == '@')
		return keyword(c, p, err, errlen);
	end = strlen(p);
	while (end > 0 && str_isspace((unsigned char)p[end - 1]))
		end--;
	while (end > 0) {
		const char *f = p;

		while (end > 0 && !str_isblank((unsigned char)*p)) {
			p++;
			end--;
		}
		if (n < NFIELDS) {
			start[n] = f;
			len[n] = (size_t)(p - f);
		}
		n++;
		while (end > 0 && str_isblank((unsigned char)*p)) {
			p++;
			end--;
		}
	}
	if (n != NFIELDS)
		return seterr(err, errlen, "expected 5 fields (minute hour "
		    "day-of-month month day-of-week) or an @keyword, "
		    "found %d", n);
	for (i = 0; i < NFIELDS; i++)
		if (parse_field((enum field)i, start[i], len[i], &bits[i],
		    err, errlen) == -1)
			return -1;

	memset(&nc, 0, sizeof(nc));
	nc.minute = bits[F_MIN];
	nc.hour = (uint32_t)bits[F_HOUR];
	nc.mday = (uint32_t)bits[F_MDAY];
	nc.month = (uint16_t)bits[F_MON];
	/* day of week 7 is Sunday: fold bit 7 onto bit 0 */
	nc.wday = (uint8_t)((bits[F_WDAY] | bits[F_WDAY] >> 7) & 0x7f);
	/*
	 * As in Vixie cron, a day field counts as unrestricted when its text
	 * starts with '*', so "*\/2" (or "*,5") in day-of-month combined with
	 * a day of week means "odd days that are also that weekday" (AND),
	 * not OR.  Kept for compatibility with crontabs people already have.
	 */
	nc.mday_star = start[F_MDAY][0] == '*';
	nc.wday_star = start[F_WDAY][0] == '*';
	*c = nc;
	return 0;
}

static bool
day_match(const struct cron *c, int mday, int wday)
{
	bool dm = (c->mday >> mday) & 1, wm = (c->wday >> wday) & 1;

	if (c->mday_star || c->wday_star)
		return dm && wm;
	return dm || wm;
}

bool
cron_match(const struct cron *c, const struct tm *tm)
{
	if (tm->tm_min < 0 || tm->tm_min > 59 || tm->tm_hour < 0 ||
	    tm->tm_hour > 23 || tm->tm_mday < 1 || tm->tm_mday > 31 ||
	    tm->tm_mon < 0 || tm->tm_mon > 11 || tm->tm_wday < 0 ||
	    tm->tm_wday > 6)
		return false;
	return ((c->minute >> tm->tm_min) & 1) &&
	    ((c->hour >> tm->tm_hour) & 1) &&
	    ((c->month >> (tm->tm_mon + 1)) & 1) &&
	    day_match(c, tm->tm_mday, tm->tm_wday);
}

/*
 * cron_next works on "naive" seconds: a local wall-clock time counted as
 * if it were UTC (days since 1970-01-01 * 86400 + time of day).  The
 * offset of an instant t is naive(localtime(t)) - t.  A wall-clock minute
 * W exists at instant t exactly when t + offset(t) == W; probing the
 * offsets a day either side finds its one instant, both instants of a
 * repeated minute, or shows that it falls in a gap.  This avoids mktime,
 * whose choice for repeated and skipped times with tm_isdst = -1 is
 * unspecified.
 */

/* A local calendar minute. */
struct wall {
	long long	y;		/* year */
	int		mon;		/* 1..12 */
	int		d;		/* 1..31 */
	int		h;		/* 0..23 */
	int		m;		/* 0..59 */
};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long long
days_from_civil(long long y, int mon, int d)
{
	long long era, yoe, doy, doe;

	y -= mon <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mon > 2 ? mon - 3 : mon + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(long long z, struct wall *w)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	w->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	w->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	w->y = yoe + era * 400 + (w->mon <= 2);
}

static long long
floordiv(long long a, long long b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int
days_in_month(long long y, int mon)
{
	static const int dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (mon == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return dim[mon - 1];
}

/* Naive seconds of the local time at t; false when t can't be converted. */
static bool
naive(time_t t, long long *out)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return false;
	*out = days_from_civil(tm.tm_year + 1900LL, tm.tm_mon + 1,
	    tm.tm_mday) * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 +
	    tm.tm_sec;
	return true;
}

static bool
offset(time_t t, long long *off)
{
	long long n;

	if (!naive(t, &n))
		return false;
	*off = n - (long long)t;
	return true;
}

static void
next_month(struct wall *w)
{
	if (++w->mon > 12) {
		w->mon = 1;
		w->y++;
	}
	w->d = 1;
	w->h = w->m = 0;
}

static void
next_day(struct wall *w)
{
	if (++w->d > days_in_month(w->y, w->mon))
		next_month(w);
	else
		w->h = w->m = 0;
}

/* Lowest set bit of bits at or above from, up to max; -1 if none. */
static int
next_bit(uint64_t bits, int from, int max)
{
	for (; from <= max; from++)
		if ((bits >> from) & 1)
			return from;
	return -1;
}

/* Moves w forward to the first matching wall minute at or after it;
 * false when that is past day number lastday. */
static bool
find_match(const struct cron *c, struct wall *w, long long lastday)
{
	long long days;
	int v;

	for (;;) {
		days = days_from_civil(w->y, w->mon, w->d);
		if (days > lastday)
			return false;
		if (!((c->month >> w->mon) & 1)) {
			next_month(w);
			continue;
		}
		/* 1970-01-01 was a Thursday */
		if (!day_match(c, w->d, (int)(days - floordiv(days, 7) * 7 +
		    4) % 7)) {
			next_day(w);
			continue;
		}
		if ((v = next_bit(c->hour, w->h, 23)) == -1) {
			next_day(w);
			continue;
		}
		if (v != w->h) {
			w->h = v;
			w->m = 0;
		}
		if ((v = next_bit(c->minute, w->m, 59)) == -1) {
			w->m = 0;
			if (++w->h == 24)
				next_day(w);
			continue;
		}
		w->m = v;
		return true;
	}
}

/*
 * Instants of the wall-clock minute at naive seconds u: returns how many
 * there are (0, 1 or 2; *first <= *second).  For a minute skipped by
 * clocks going forward, returns 0 and sets *first to the first instant
 * after the gap.  -1 when the time can't be converted.
 */
static int
resolve(long long u, time_t *first, time_t *second)
{
	long long o[2], lo, hi, mid, n;
	time_t t[2];
	int i, found = 0;

	if (!offset((time_t)(u - 86400), &o[0]) ||
	    !offset((time_t)(u + 86400), &o[1]))
		return -1;
	for (i = 0; i < 2; i++) {
		if (i == 1 && o[1] == o[0])
			break;
		if (!naive((time_t)(u - o[i]), &n))
			return -1;
		if (n == u)
			t[found++] = (time_t)(u - o[i]);
	}
	if (found == 2 && t[1] < t[0]) {
		*first = t[1];
		*second = t[0];
	} else if (found > 0) {
		*first = t[0];
		*second = t[found - 1];
	} else if (o[1] > o[0]) {
		/* in a gap: local time is before u at lo, after u at hi */
		lo = u - o[1];
		hi = u - o[0];
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (!naive((time_t)mid, &n))
				return -1;
			if (n > u)
				hi = mid;
			else
				lo = mid;
		}
		*first = (time_t)hi;
	} else
		return -1;	/* more than one change within a day */
	return found;
}

/*
 * Walks matching wall-clock minutes in calendar order.  Each has a first
 * instant f (for a fixed-hour job skipped by a gap: the end of the gap)
 * and, if it is repeated and the job runs every hour, a second one s.
 * Both f and s grow with the wall-clock minute, and s > f, so the walk
 * stops at the first f past 'after', or at an f that cannot beat a
 * second instant already found.  Second instants can belong to wall
 * minutes before the one at 'after' (clocks about to go back), so the
 * walk starts as far before it as the clocks will go back.
 */
time_t
cron_next(const struct cron *c, time_t after)
{
	struct wall w;
	long long start, back, ahead, lastday, days, u;
	time_t best = -1, f, s, first, second;
	/*
	 * Jobs that run every hour fire at every real matching minute: twice
	 * in a repeated hour, never in a skipped one.  Other jobs fire once
	 * per wall-clock minute.  Vixie cron draws the line at "minute or
	 * hour field starts with '*'"; we look at the hours themselves, so
	 * "0-23" counts as every hour and "*\/15 2" does not.
	 */
	bool hourly = (c->hour & ALL_HOURS) == ALL_HOURS;
	int n;

	if (!naive(after, &u) || !offset(after, &back) ||
	    !offset(after + FOLD_PROBE, &ahead))
		return -1;
	civil_from_days(floordiv(u, 86400), &w);
	lastday = days_from_civil(w.y + HORIZON_YEARS, w.mon, 1) + w.d - 1;
	start = u;
	if (back > ahead)
		start -= back - ahead;
	start = floordiv(start, 60) * 60;
	days = floordiv(start, 86400);
	civil_from_days(days, &w);
	w.h = (int)((start - days * 86400) / 3600);
	w.m = (int)((start - days * 86400) % 3600 / 60);

	while (find_match(c, &w, lastday)) {
		u = days_from_civil(w.y, w.mon, w.d) * 86400 + w.h * 3600 +
		    w.m * 60;
		if ((n = resolve(u, &first, &second)) == -1)
			f = s = -1;
		else if (n == 0) {
			f = hourly ? -1 : first;
			s = -1;
		} else {
			f = first;
			s = hourly && n == 2 ? second : -1;
		}
		if (f != -1) {
			if (best != -1 && f >= best)
				break;
			if (f > after) {
				best = f;
				break;
			}
		}
		if (s != -1 && s > after && (best == -1 || s < best))
			best = s;
		if (++w.m == 60) {
			w.m = 0;
			if (++w.h == 24)
				next_day(&w);
		}
	}
	return best;
}
