/*
 * test_cron — cron spec parsing, matching and next-firing computation,
 * in UTC and across the 2026 daylight-saving changes in Europe/Berlin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "queue/cron.h"

#define BERLIN	"/usr/share/zoneinfo/Europe/Berlin"
#define B(n)	((uint64_t)1 << (n))

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static int
setup_utc(void **state)
{
	(void)state;
	set_tz("UTC");
	return 0;
}

static int
setup_berlin(void **state)
{
	(void)state;
	set_tz("Europe/Berlin");
	return 0;
}

static void
need_berlin(void)
{
	if (access(BERLIN, R_OK) != 0)
		skip();
}

/* UTC instant of a calendar time. */
static time_t
utc(int y, int mon, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return timegm(&tm);
}

static uint64_t
bits(int lo, int hi, int step)
{
	uint64_t b = 0;
	int v;

	for (v = lo; v <= hi; v += step)
		b |= B(v);
	return b;
}

static struct cron
parse_ok(const char *spec)
{
	struct cron c;
	char err[256];
	int rc;

	memset(&c, 0, sizeof(c));
	rc = cron_parse(&c, spec, err, sizeof(err));
	if (rc != 0)
		print_error("cron_parse(\"%s\") failed: %s\n", spec, err);
	assert_int_equal(rc, 0);
	return c;
}

static void
show(time_t t)
{
	char buf[64];
	struct tm tm;

	if (t == (time_t)-1) {
		print_error("-1");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	print_error("%s", buf);
}

static void
next_is(const char *spec, time_t after, time_t want)
{
	struct cron c = parse_ok(spec);
	time_t got = cron_next(&c, after);

	if (got != want) {
		print_error("cron_next(\"%s\", ", spec);
		show(after);
		print_error("): got ");
		show(got);
		print_error(", want ");
		show(want);
		print_error("\n");
	}
	assert_true(got == want);
}

/* Checks the n firings of spec after 'after' against want[]. */
static void
sequence_is(const char *spec, time_t after, const time_t *want, size_t n)
{
	struct cron c = parse_ok(spec);
	size_t i;
	time_t t = after, got;

	for (i = 0; i < n; i++) {
		got = cron_next(&c, t);
		if (got != want[i]) {
			print_error("cron_next(\"%s\") firing %zu after ",
			    spec, i);
			show(t);
			print_error(": got ");
			show(got);
			print_error(", want ");
			show(want[i]);
			print_error("\n");
		}
		assert_true(got == want[i]);
		t = got;
	}
}

static void
assert_same(const struct cron *a, const struct cron *b)
{
	assert_true(a->minute == b->minute);
	assert_int_equal(a->hour, b->hour);
	assert_int_equal(a->mday, b->mday);
	assert_int_equal(a->month, b->month);
	assert_int_equal(a->wday, b->wday);
	assert_int_equal(a->mday_star, b->mday_star);
	assert_int_equal(a->wday_star, b->wday_star);
}

/* ---- parsing ---- */

static void
parse_all_stars(void **state)
{
	struct cron c = parse_ok("* * * * *");

	(void)state;
	assert_true(c.minute == bits(0, 59, 1));
	assert_int_equal(c.hour, bits(0, 23, 1));
	assert_int_equal(c.mday, bits(1, 31, 1));
	assert_int_equal(c.month, bits(1, 12, 1));
	assert_int_equal(c.wday, bits(0, 6, 1));
	assert_true(c.mday_star);
	assert_true(c.wday_star);
}

static void
parse_numbers_lists_ranges(void **state)
{
	struct cron c;

	(void)state;
	c = parse_ok("0 9-17/2 1,15,31 1-12 1-5");
	assert_true(c.minute == B(0));
	assert_int_equal(c.hour, B(9) | B(11) | B(13) | B(15) | B(17));
	assert_int_equal(c.mday, B(1) | B(15) | B(31));
	assert_int_equal(c.month, bits(1, 12, 1));
	assert_int_equal(c.wday, bits(1, 5, 1));
	assert_false(c.mday_star);
	assert_false(c.wday_star);

	c = parse_ok("59 23 31 12 6");
	assert_true(c.minute == B(59));
	assert_int_equal(c.hour, B(23));
	assert_int_equal(c.mday, B(31));
	assert_int_equal(c.month, B(12));
	assert_int_equal(c.wday, B(6));

	c = parse_ok("1,2,3-5,10-20/5,0 * * * *");
	assert_true(c.minute == (B(0) | B(1) | B(2) | B(3) | B(4) | B(5) |
	    B(10) | B(15) | B(20)));

	c = parse_ok("7-7 00 01 * *");		/* leading zeros, A == B */
	assert_true(c.minute == B(7));
	assert_int_equal(c.hour, B(0));
	assert_int_equal(c.mday, B(1));
}

static void
parse_steps(void **state)
{
	struct cron c;

	(void)state;
	c = parse_ok("*/15 */6 */10 */3 */2");
	assert_true(c.minute == (B(0) | B(15) | B(30) | B(45)));
	assert_int_equal(c.hour, B(0) | B(6) | B(12) | B(18));
	assert_int_equal(c.mday, B(1) | B(11) | B(21) | B(31));
	assert_int_equal(c.month, B(1) | B(4) | B(7) | B(10));
	assert_int_equal(c.wday, B(0) | B(2) | B(4) | B(6));

	/* "N/S" = from N to the end of the field, every S (cronie) */
	c = parse_ok("5/20 3/8 2/10 2/5 1/2");
	assert_true(c.minute == (B(5) | B(25) | B(45)));
	assert_int_equal(c.hour, B(3) | B(11) | B(19));
	assert_int_equal(c.mday, B(2) | B(12) | B(22));
	assert_int_equal(c.month, B(2) | B(7) | B(12));
	/* 1,3,5,7 and 7 is Sunday */
	assert_int_equal(c.wday, B(0) | B(1) | B(3) | B(5));

	/* the largest steps allowed */
	c = parse_ok("*/60 */24 */31 */12 */7");
	assert_true(c.minute == B(0));
	assert_int_equal(c.hour, B(0));
	assert_int_equal(c.mday, B(1));
	assert_int_equal(c.month, B(1));
	assert_int_equal(c.wday, B(0));		/* 0 and 7 */

	c = parse_ok("0-59/1 1-5/10 * * *");
	assert_true(c.minute == bits(0, 59, 1));
	assert_int_equal(c.hour, B(1));
}

static void
parse_names(void **state)
{
	struct cron c;

	(void)state;
	c = parse_ok("0 0 * jan,Feb,MAR,apr,may,jun,jul,aug,sep,oct,nov,dec *");
	assert_int_equal(c.month, bits(1, 12, 1));
	c = parse_ok("0 0 * * sun,MON,Tue,wed,thu,fri,sat");
	assert_int_equal(c.wday, bits(0, 6, 1));
	c = parse_ok("0 0 * jan-mar/2 mon-fri");
	assert_int_equal(c.month, B(1) | B(3));
	assert_int_equal(c.wday, bits(1, 5, 1));
	c = parse_ok("0 0 * 6-aug Sat-7");	/* numbers and names mix */
	assert_int_equal(c.month, B(6) | B(7) | B(8));
	assert_int_equal(c.wday, B(6) | B(0));
	c = parse_ok("0 0 * nov/1 thu/2");
	assert_int_equal(c.month, B(11) | B(12));
	assert_int_equal(c.wday, B(4) | B(6));
}

static void
parse_sunday_is_0_and_7(void **state)
{
	struct cron a, b, c;

	(void)state;
	a = parse_ok("0 0 * * 0");
	b = parse_ok("0 0 * * 7");
	c = parse_ok("0 0 * * sun");
	assert_same(&a, &b);
	assert_same(&a, &c);
	assert_int_equal(b.wday, B(0));
	c = parse_ok("0 0 * * 5-7");
	assert_int_equal(c.wday, B(5) | B(6) | B(0));
	c = parse_ok("0 0 * * 0-7");
	assert_int_equal(c.wday, bits(0, 6, 1));
	assert_false(c.wday_star);
}

static void
parse_star_flags(void **state)
{
	struct cron c;

	(void)state;
	c = parse_ok("0 0 1 * mon");
	assert_false(c.mday_star);
	assert_false(c.wday_star);
	c = parse_ok("0 0 * * mon");
	assert_true(c.mday_star);
	assert_false(c.wday_star);
	c = parse_ok("0 0 1 * *");
	assert_false(c.mday_star);
	assert_true(c.wday_star);
	/* Vixie: the flag records whether the field STARTS with '*' */
	c = parse_ok("0 0 */2 * */3");
	assert_true(c.mday_star);
	assert_true(c.wday_star);
	c = parse_ok("0 0 *,5 * 1");
	assert_true(c.mday_star);
	/* an explicit full range is a restriction, not a star */
	c = parse_ok("0 0 1-31 * 0-6");
	assert_false(c.mday_star);
	assert_false(c.wday_star);
}

static void
parse_blanks(void **state)
{
	struct cron a, b;

	(void)state;
	a = parse_ok("*/5 9-17 * * mon-fri");
	b = parse_ok("  \t*/5\t\t9-17   *  * \tmon-fri \t ");
	assert_same(&a, &b);
	b = parse_ok("*/5 9-17 * * mon-fri\n");
	assert_same(&a, &b);
	b = parse_ok(" @hourly\t");
	a = parse_ok("0 * * * *");
	assert_same(&a, &b);
}

static void
parse_keywords(void **state)
{
	static const struct {
		const char	*kw;
		const char	*spec;
	} t[] = {
		{ "@hourly",	"0 * * * *" },
		{ "@daily",	"0 0 * * *" },
		{ "@midnight",	"0 0 * * *" },
		{ "@weekly",	"0 0 * * 0" },
		{ "@monthly",	"0 0 1 * *" },
		{ "@yearly",	"0 0 1 1 *" },
		{ "@annually",	"0 0 1 1 *" },
		{ "@Daily",	"0 0 * * *" },
	};
	struct cron a, b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		a = parse_ok(t[i].kw);
		b = parse_ok(t[i].spec);
		assert_same(&a, &b);
	}
	a = parse_ok("@weekly");
	assert_true(a.mday_star);
	assert_false(a.wday_star);
}

static void
parse_errors(void **state)
{
	static const struct {
		const char	*spec;
		const char	*where;		/* field named in the message */
		const char	*what;		/* what is wrong */
	} t[] = {
		{ "",			"expected 5 fields", "found 0" },
		{ "   \t ",		"expected 5 fields", "found 0" },
		{ "* * * *",		"expected 5 fields", "found 4" },
		{ "* * * * * *",	"expected 5 fields", "found 6" },
		{ "* * * * * echo hi",	"expected 5 fields", "found 7" },
		{ "1,,2 * * * *",	"minute field", "empty list item" },
		{ ",1 * * * *",		"minute field", "empty list item" },
		{ "* * * * 1,", "day-of-week field", "empty list item" },
		{ "* , * * *",		"hour field", "empty list item" },
		{ "5x * * * *",		"minute field", "unexpected 'x'" },
		{ "* 1-5-9 * * *",	"hour field", "unexpected '-'" },
		{ "* * ? * *",		"day-of-month field", "found '?'" },
		{ "* * L * *",		"day-of-month field", "not a number" },
		{ "* * 15W * *", "day-of-month field", "unexpected 'W'" },
		{ "* * * * 5#3",	"day-of-week field", "unexpected '#'" },
		{ "*5 * * * *",		"minute field", "unexpected '5'" },
		{ "*-5 * * * *",	"minute field", "unexpected '-'" },
		{ "-5 * * * *",		"minute field", "found '-'" },
		{ "1/5/2 * * * *",	"minute field", "unexpected '/'" },
		{ "* * * * 1\x01",	"day-of-week field", "byte 0x01" },
		{ "60 * * * *", "minute field", "60 is out of range (0-59)" },
		{ "* 24 * * *", "hour field", "24 is out of range (0-23)" },
		{ "* * 0 * *", "day-of-month field", "out of range (1-31)" },
		{ "* * 32 * *", "day-of-month field", "out of range (1-31)" },
		{ "* * * 0 *",		"month field", "out of range (1-12)" },
		{ "* * * 13 *",		"month field", "out of range (1-12)" },
		{ "* * * * 8", "day-of-week field", "out of range (0-7)" },
		{ "* 1-24 * * *",	"hour field", "24 is out of range" },
		{ "99999999999999999999 * * * *", "minute field",
		    "99999999999999999999 is out of range" },
		{ "* 17-9 * * *",	"hour field",
		    "range start 17 is greater than its end 9" },
		{ "* * * * fri-mon",	"day-of-week field", "greater than" },
		{ "* * * dec-jan *",	"month field", "greater than" },
		{ "*/0 * * * *", "minute field", "step must be at least 1" },
		{ "* 1-5/0 * * *", "hour field", "step must be at least 1" },
		{ "*/61 * * * *",	"minute field", "step 61 is larger" },
		{ "* */25 * * *",	"hour field", "step 25 is larger" },
		{ "* * */32 * *",	"day-of-month field", "larger" },
		{ "* * * */13 *",	"month field", "larger" },
		{ "* * * * */8",	"day-of-week field", "larger" },
		{ "*/ * * * *",		"minute field", "missing step" },
		{ "*/x * * * *",	"minute field", "must be a number" },
		{ "* * * jan/feb *",	"month field", "must be a number" },
		{ "* * * * 1-", "day-of-week field", "missing range end" },
		{ "* 1-/2 * * *",	"hour field", "missing range end" },
		{ "* * * jnu *", "month field", "unknown month name \"jnu\"" },
		{ "* * * january *",	"month field", "unknown month name" },
		{ "* * * * xyz", "day-of-week field", "unknown day name" },
		{ "* * * * monday", "day-of-week field", "unknown day name" },
		{ "mon * * * *",	"minute field", "not a number" },
		{ "* jan * * *",	"hour field", "not a number" },
		{ "* * * mon *", "month field", "is a day-of-week name" },
		{ "* * * * jan", "day-of-week field", "is a month name" },
		{ "@reboot",		"@reboot", "not supported" },
		{ "@fortnightly",	"unknown keyword", "@fortnightly" },
		{ "@",			"unknown keyword", "" },
		{ "@daily 5",		"@daily", "takes no fields" },
	};
	struct cron c, before;
	char err[256];
	size_t i;
	int fails = 0;

	(void)state;
	before = parse_ok("1 2 3 4 5");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c = before;
		memset(err, 0, sizeof(err));
		if (cron_parse(&c, t[i].spec, err, sizeof(err)) != -1) {
			print_error("\"%s\": accepted\n", t[i].spec);
			fails++;
			continue;
		}
		if (strstr(err, t[i].where) == NULL ||
		    strstr(err, t[i].what) == NULL) {
			print_error("\"%s\": message \"%s\" lacks \"%s\" or "
			    "\"%s\"\n", t[i].spec, err, t[i].where, t[i].what);
			fails++;
		}
		/* a failed parse leaves *c alone */
		assert_same(&c, &before);
	}
	assert_int_equal(fails, 0);
}

static void
parse_error_messages_exact(void **state)
{
	struct cron c;
	char err[256];

	(void)state;
	assert_int_equal(cron_parse(&c, "0 9 * * 8", err, sizeof(err)), -1);
	assert_string_equal(err,
	    "day-of-week field, item \"8\": 8 is out of range (0-7)");
	assert_int_equal(cron_parse(&c, "5x * * * *", err, sizeof(err)), -1);
	assert_string_equal(err,
	    "minute field, item \"5x\": unexpected 'x' after \"5\"");
	assert_int_equal(cron_parse(&c, "0 0 1,,2 * *", err, sizeof(err)),
	    -1);
	assert_string_equal(err,
	    "day-of-month field \"1,,2\": empty list item");
	assert_int_equal(cron_parse(&c, "0 0 * *", err, sizeof(err)), -1);
	assert_string_equal(err, "expected 5 fields (minute hour day-of-month "
	    "month day-of-week) or an @keyword, found 4");
}

static void
parse_error_buffer_limits(void **state)
{
	struct cron c;
	char err[8], big[512];
	char spec[600];

	(void)state;
	memset(err, 'X', sizeof(err));
	assert_int_equal(cron_parse(&c, "61 * * * *", err, sizeof(err)), -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(cron_parse(&c, "61 * * * *", NULL, 0), -1);
	assert_int_equal(cron_parse(&c, "61 * * * *", err, 0), -1);
	assert_int_equal(cron_parse(&c, "0 0 * * *", NULL, 0), 0);

	/* a long bad item is quoted shortened */
	memset(spec, 'z', 500);
	memcpy(spec + 500, " * * * *", 9);
	assert_int_equal(cron_parse(&c, spec, big, sizeof(big)), -1);
	assert_non_null(strstr(big, "minute field"));
	assert_non_null(strstr(big, "...\""));
	assert_true(strlen(big) < 200);
}

/* ---- cron_match ---- */

static struct tm
mk(int mon, int mday, int wday, int hour, int min)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 126;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_wday = wday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	return tm;
}

static bool
matches(const char *spec, struct tm tm)
{
	struct cron c = parse_ok(spec);

	return cron_match(&c, &tm);
}

static void
match_times(void **state)
{
	(void)state;
	assert_true(matches("* * * * *", mk(1, 1, 4, 0, 0)));
	assert_true(matches("*/15 * * * *", mk(5, 5, 2, 13, 45)));
	assert_false(matches("*/15 * * * *", mk(5, 5, 2, 13, 46)));
	assert_true(matches("0 9-17/2 * * *", mk(1, 2, 5, 13, 0)));
	assert_false(matches("0 9-17/2 * * *", mk(1, 2, 5, 14, 0)));
	assert_false(matches("0 9-17/2 * * *", mk(1, 2, 5, 19, 0)));
	assert_true(matches("*/30 * * * mon-fri", mk(1, 2, 5, 23, 30)));
	assert_false(matches("*/30 * * * mon-fri", mk(1, 3, 6, 23, 30)));
	assert_true(matches("30 18 * * *", mk(7, 4, 6, 18, 30)));
	assert_false(matches("30 18 * * *", mk(7, 4, 6, 18, 31)));
	assert_true(matches("0 0 * dec *", mk(12, 24, 4, 0, 0)));
	assert_false(matches("0 0 * dec *", mk(11, 24, 2, 0, 0)));
	assert_true(matches("0 0 * * 7", mk(1, 4, 0, 0, 0)));
	assert_true(matches("5/20 * * * *", mk(1, 4, 0, 3, 25)));
	assert_false(matches("5/20 * * * *", mk(1, 4, 0, 3, 46)));
}

static void
match_dom_or_dow(void **state)
{
	(void)state;
	/* both restricted: either one is enough */
	assert_true(matches("0 0 1 * mon", mk(2, 1, 0, 0, 0)));  /* 1st, Sun */
	assert_true(matches("0 0 1 * mon", mk(2, 2, 1, 0, 0)));  /* Mon */
	assert_false(matches("0 0 1 * mon", mk(2, 3, 2, 0, 0)));
	/* one is '*': only the other counts */
	assert_true(matches("0 0 1 * *", mk(2, 1, 0, 0, 0)));
	assert_false(matches("0 0 1 * *", mk(2, 2, 1, 0, 0)));
	assert_true(matches("0 0 * * mon", mk(2, 2, 1, 0, 0)));
	assert_false(matches("0 0 * * mon", mk(2, 1, 0, 0, 0)));
	/* Vixie: "*\/2" counts as '*', so both must hold (AND) */
	assert_true(matches("0 0 */2 * mon", mk(1, 5, 1, 0, 0)));
	assert_false(matches("0 0 */2 * mon", mk(1, 12, 1, 0, 0)));
	assert_false(matches("0 0 */2 * mon", mk(1, 7, 3, 0, 0)));
}

static void
match_rejects_bad_tm(void **state)
{
	struct cron c = parse_ok("* * * * *");
	struct tm tm = mk(1, 1, 4, 0, 0);

	(void)state;
	tm.tm_min = 60;
	assert_false(cron_match(&c, &tm));
	tm = mk(1, 1, 4, 0, 0);
	tm.tm_mon = 12;
	assert_false(cron_match(&c, &tm));
	tm = mk(1, 1, 4, 0, 0);
	tm.tm_wday = 7;
	assert_false(cron_match(&c, &tm));
	tm = mk(1, 1, 4, 0, 0);
	tm.tm_mday = 0;
	assert_false(cron_match(&c, &tm));
}

/* ---- cron_next, UTC ---- */

static void
next_every_minute(void **state)
{
	(void)state;
	next_is("* * * * *", utc(2026, 1, 1, 0, 0), utc(2026, 1, 1, 0, 1));
	next_is("* * * * *", utc(2026, 1, 1, 0, 0) + 30,
	    utc(2026, 1, 1, 0, 1));
	next_is("* * * * *", utc(2026, 1, 1, 0, 1) - 1,
	    utc(2026, 1, 1, 0, 1));
	next_is("* * * * *", utc(2025, 12, 31, 23, 59),
	    utc(2026, 1, 1, 0, 0));
}

static void
next_quarter_hours(void **state)
{
	const time_t want[] = {
		utc(2026, 1, 1, 10, 15), utc(2026, 1, 1, 10, 30),
		utc(2026, 1, 1, 10, 45), utc(2026, 1, 1, 11, 0),
	};

	(void)state;
	sequence_is("*/15 * * * *", utc(2026, 1, 1, 10, 7), want, 4);
}

static void
next_hourly_daily(void **state)
{
	(void)state;
	next_is("@hourly", utc(2026, 1, 1, 10, 0), utc(2026, 1, 1, 11, 0));
	next_is("0 * * * *", utc(2026, 1, 1, 11, 0) - 1,
	    utc(2026, 1, 1, 11, 0));
	next_is("0 9 * * *", utc(2026, 1, 1, 8, 59), utc(2026, 1, 1, 9, 0));
	next_is("0 9 * * *", utc(2026, 1, 1, 9, 0), utc(2026, 1, 2, 9, 0));
	next_is("0 9 * * *", utc(2026, 1, 1, 9, 0) + 1,
	    utc(2026, 1, 2, 9, 0));
	next_is("30 18 * * *", utc(2026, 6, 30, 18, 30),
	    utc(2026, 7, 1, 18, 30));
	next_is("30 18 * * *", utc(2026, 6, 30, 18, 29),
	    utc(2026, 6, 30, 18, 30));
	next_is("@daily", utc(2026, 12, 31, 0, 0), utc(2027, 1, 1, 0, 0));
	next_is("@weekly", utc(2026, 1, 1, 0, 0), utc(2026, 1, 4, 0, 0));
	next_is("@monthly", utc(2026, 1, 1, 0, 0), utc(2026, 2, 1, 0, 0));
	next_is("@yearly", utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0));
}

static void
next_debian_tenshi_default(void **state)
{
	const time_t want[] = {
		utc(2026, 1, 1, 11, 0), utc(2026, 1, 1, 13, 0),
		utc(2026, 1, 1, 15, 0), utc(2026, 1, 1, 17, 0),
		utc(2026, 1, 2, 9, 0),
	};

	(void)state;
	sequence_is("0 9-17/2 * * *", utc(2026, 1, 1, 9, 0), want, 5);
}

static void
next_weekdays(void **state)
{
	/* 2026-01-02 is a Friday */
	const time_t want[] = {
		utc(2026, 1, 2, 23, 30), utc(2026, 1, 5, 0, 0),
		utc(2026, 1, 5, 0, 30),
	};

	(void)state;
	sequence_is("*/30 * * * mon-fri", utc(2026, 1, 2, 23, 29), want, 3);
}

static void
next_month_end(void **state)
{
	const time_t want[] = {
		utc(2026, 3, 31, 0, 0), utc(2026, 5, 31, 0, 0),
		utc(2026, 7, 31, 0, 0), utc(2026, 8, 31, 0, 0),
	};

	(void)state;
	sequence_is("0 0 31 * *", utc(2026, 1, 31, 0, 0), want, 4);
	next_is("59 23 30 * *", utc(2026, 1, 31, 0, 0),
	    utc(2026, 3, 30, 23, 59));
	next_is("0 12 28-31 2 *", utc(2027, 2, 28, 12, 0),
	    utc(2028, 2, 28, 12, 0));
}

static void
next_leap_day(void **state)
{
	(void)state;
	next_is("0 0 29 2 *", utc(2026, 1, 1, 0, 0), utc(2028, 2, 29, 0, 0));
	next_is("0 0 29 2 *", utc(2028, 2, 29, 0, 0), utc(2032, 2, 29, 0, 0));
	next_is("0 0 29 2 *", utc(2095, 3, 1, 0, 0), utc(2096, 2, 29, 0, 0));
	next_is("0 0 29 feb *", utc(2000, 1, 1, 0, 0), utc(2000, 2, 29, 0, 0));
	/* 2100 is no leap year; 2104 is 8 years on, past the horizon */
	next_is("0 0 29 2 *", utc(2096, 2, 29, 0, 0), (time_t)-1);
}

static void
next_dom_or_dow(void **state)
{
	/* January 2026: Mondays 5, 12, 19, 26; February 1st is a Sunday */
	const time_t want[] = {
		utc(2026, 1, 5, 0, 0), utc(2026, 1, 12, 0, 0),
		utc(2026, 1, 19, 0, 0), utc(2026, 1, 26, 0, 0),
		utc(2026, 2, 1, 0, 0), utc(2026, 2, 2, 0, 0),
		utc(2026, 2, 9, 0, 0),
	};
	const time_t vixie_and[] = {
		utc(2026, 1, 5, 0, 0), utc(2026, 1, 19, 0, 0),
		utc(2026, 2, 9, 0, 0), utc(2026, 2, 23, 0, 0),
	};

	(void)state;
	sequence_is("0 0 1 * mon", utc(2026, 1, 1, 0, 0), want, 7);
	sequence_is("0 0 */2 * mon", utc(2026, 1, 1, 0, 0), vixie_and, 4);
}

static void
next_sunday(void **state)
{
	(void)state;
	next_is("0 0 * * 7", utc(2026, 1, 1, 0, 0), utc(2026, 1, 4, 0, 0));
	next_is("0 0 * * 0", utc(2026, 1, 1, 0, 0), utc(2026, 1, 4, 0, 0));
	next_is("0 0 * * sun", utc(2026, 1, 4, 0, 0), utc(2026, 1, 11, 0, 0));
}

static void
next_from_5_every_20(void **state)
{
	const time_t want[] = {
		utc(2026, 1, 1, 10, 5), utc(2026, 1, 1, 10, 25),
		utc(2026, 1, 1, 10, 45), utc(2026, 1, 1, 11, 5),
	};

	(void)state;
	sequence_is("5/20 * * * *", utc(2026, 1, 1, 10, 0), want, 4);
}

static void
next_impossible(void **state)
{
	struct cron c;
	clock_t t0;
	int i;

	(void)state;
	next_is("0 0 31 2 *", utc(2026, 1, 1, 0, 0), (time_t)-1);
	next_is("0 0 30 2 *", utc(2026, 1, 1, 0, 0), (time_t)-1);
	next_is("0 0 31 4,6,9,11 *", utc(2026, 1, 1, 0, 0), (time_t)-1);
	/* ... but not when the day of week can fire */
	next_is("0 0 31 2 mon", utc(2026, 1, 1, 0, 0), utc(2026, 2, 2, 0, 0));

	/* and giving up is quick */
	c = parse_ok("* * 31 2 *");
	t0 = clock();
	for (i = 0; i < 200; i++)
		assert_true(cron_next(&c, utc(2026, 1, 1, 0, 0) + i) ==
		    (time_t)-1);
	assert_true(clock() - t0 < 2 * CLOCKS_PER_SEC);
}

static void
next_before_1970(void **state)
{
	(void)state;
	next_is("@hourly", utc(1969, 12, 31, 23, 30), 0);
	next_is("*/10 * * * *", utc(1969, 7, 20, 20, 17),
	    utc(1969, 7, 20, 20, 20));
}

/* First minute matching c strictly after 'after', minute by minute;
 * -1 if none before 'until'. */
static time_t
naive_next(const struct cron *c, time_t after, time_t until)
{
	struct tm tm;
	time_t t;

	t = after - ((after % 60) + 60) % 60 + 60;
	for (; t < until; t += 60) {
		localtime_r(&t, &tm);
		if (cron_match(c, &tm))
			return t;
	}
	return -1;
}

static void
cross_check(const char *const *specs, size_t nspecs, time_t from,
    int starts, int stride)
{
	struct cron c;
	size_t i;
	int k;
	time_t after, want, got, until;

	for (i = 0; i < nspecs; i++) {
		c = parse_ok(specs[i]);
		for (k = 0; k < starts; k++) {
			after = from + (time_t)k * stride;
			until = after + 3 * 86400;
			want = naive_next(&c, after, until);
			got = cron_next(&c, after);
			if (want == -1 ? (got != -1 && got < until) :
			    got != want) {
				print_error("\"%s\" after ", specs[i]);
				show(after);
				print_error(": got ");
				show(got);
				print_error(", naive ");
				show(want);
				print_error("\n");
				fail();
			}
		}
	}
}

static void
next_matches_brute_force_utc(void **state)
{
	static const char *const specs[] = {
		"* * * * *", "*/7 * * * *", "5/20 3-5,9 * * *",
		"0 9-17/2 * * *", "*/30 * * * mon-fri", "0 0 1 * mon",
		"15 */6 */2 * *", "0 12 * * 7", "59 23 * * *",
		"0,30 * 1-3 * sat,sun", "0 0 */2 * mon", "1 2 3 4 *",
		"0 0 31 2 *",
	};

	(void)state;
	/* end of February into March 2028 (leap year), uneven steps */
	cross_check(specs, sizeof(specs) / sizeof(specs[0]),
	    utc(2028, 2, 26, 0, 0) - 17, 60, 7919);
}

/* ---- cron_next, Europe/Berlin daylight saving (2026) ---- */

/* Spring forward: Sunday 2026-03-29 02:00 CET becomes 03:00 CEST, at
 * 01:00 UTC.  Before: UTC+1; after: UTC+2. */
static void
dst_spring_fixed_time_runs_after_gap(void **state)
{
	(void)state;
	need_berlin();
	/* 02:30 does not exist: the job runs once, at 03:00 CEST */
	next_is("30 2 * * *", utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 1, 0));
	next_is("30 2 * * *", utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30));
	next_is("0 2 * * *", utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 1, 0));
	/* a day-specific job still runs on its day */
	next_is("30 2 29 3 *", utc(2026, 3, 1, 0, 0), utc(2026, 3, 29, 1, 0));
	/* 02:00, 02:30 and 03:00 all land on 03:00: one firing */
	{
		const time_t want[] = {
			utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30),
			utc(2026, 3, 30, 0, 0),
		};

		sequence_is("0,30 2,3 * * *", utc(2026, 3, 28, 23, 59), want,
		    3);
	}
	/* times around the gap are unaffected */
	next_is("30 1 * * *", utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 0, 30));
	next_is("30 3 * * *", utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 1, 30));
}

static void
dst_spring_wildcard_hour_skips_gap(void **state)
{
	const time_t quarters[] = {
		utc(2026, 3, 29, 0, 30),	/* 01:30 CET */
		utc(2026, 3, 29, 0, 45),	/* 01:45 CET */
		utc(2026, 3, 29, 1, 0),		/* 03:00 CEST */
		utc(2026, 3, 29, 1, 15),	/* 03:15 CEST */
	};

	(void)state;
	need_berlin();
	sequence_is("*/15 * * * *", utc(2026, 3, 29, 0, 15), quarters, 4);
	/* no 02:15 today: the next :15 is 03:15 CEST, not the gap's end */
	next_is("15 * * * *", utc(2026, 3, 29, 0, 15), utc(2026, 3, 29, 1, 15));
	next_is("* * * * *", utc(2026, 3, 29, 1, 0) - 60,
	    utc(2026, 3, 29, 1, 0));
}

/* Fall back: Sunday 2026-10-25 03:00 CEST becomes 02:00 CET, at 01:00
 * UTC; 02:00-02:59 happens twice (00:00-00:59 and 01:00-01:59 UTC). */
static void
dst_fall_fixed_time_runs_once(void **state)
{
	(void)state;
	need_berlin();
	/* 02:30 CEST (first occurrence) = 00:30 UTC */
	next_is("30 2 * * *", utc(2026, 10, 24, 23, 0),
	    utc(2026, 10, 25, 0, 30));
	/* not again at 02:30 CET; tomorrow 02:30 CET = 01:30 UTC */
	next_is("30 2 * * *", utc(2026, 10, 25, 0, 30),
	    utc(2026, 10, 26, 1, 30));
	/* asked during the repeated hour, after its first 02:45 */
	next_is("45 2 * * *", utc(2026, 10, 25, 1, 10),
	    utc(2026, 10, 26, 1, 45));
	/* asked during the repeated hour, before any 02:45 of it: the
	 * first 02:45 is past, so not today */
	next_is("45 2 * * *", utc(2026, 10, 25, 0, 50),
	    utc(2026, 10, 26, 1, 45));
	/* times around the fold are unaffected */
	next_is("0 3 * * *", utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2, 0));
	next_is("30 1 * * *", utc(2026, 10, 24, 22, 0),
	    utc(2026, 10, 24, 23, 30));
}

static void
dst_fall_wildcard_hour_runs_twice(void **state)
{
	const time_t quarters[] = {
		utc(2026, 10, 25, 0, 0),	/* 02:00 CEST */
		utc(2026, 10, 25, 0, 15), utc(2026, 10, 25, 0, 30),
		utc(2026, 10, 25, 0, 45),
		utc(2026, 10, 25, 1, 0),	/* 02:00 CET */
		utc(2026, 10, 25, 1, 15), utc(2026, 10, 25, 1, 30),
		utc(2026, 10, 25, 1, 45),
		utc(2026, 10, 25, 2, 0),	/* 03:00 CET */
	};

	(void)state;
	need_berlin();
	sequence_is("*/15 * * * *", utc(2026, 10, 24, 23, 50), quarters, 9);
	next_is("30 * * * *", utc(2026, 10, 25, 0, 30),
	    utc(2026, 10, 25, 1, 30));
	/* in the first 02:xx hour, after 02:50: every minute goes on */
	next_is("* * * * *", utc(2026, 10, 25, 0, 50),
	    utc(2026, 10, 25, 0, 51));
	/* the second 02:00 comes before any later wall-clock minute */
	next_is("0 * * * *", utc(2026, 10, 25, 0, 50),
	    utc(2026, 10, 25, 1, 0));
	next_is("10 * 25 10 *", utc(2026, 10, 25, 0, 50),
	    utc(2026, 10, 25, 1, 10));
}

static void
dst_matches_brute_force_berlin(void **state)
{
	/* for jobs that run every hour, every real matching minute fires,
	 * so a minute-by-minute loop is the reference */
	static const char *const specs[] = {
		"* * * * *", "*/15 * * * *", "30 * * * *", "7,37 * * * *",
		"*/20 * 25,29 * *", "59 * * * sun", "0 * * 3,10 *",
	};

	(void)state;
	need_berlin();
	cross_check(specs, sizeof(specs) / sizeof(specs[0]),
	    utc(2026, 3, 28, 20, 0) + 3, 60, 641);
	cross_check(specs, sizeof(specs) / sizeof(specs[0]),
	    utc(2026, 10, 24, 20, 0) + 3, 60, 641);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_all_stars),
		cmocka_unit_test(parse_numbers_lists_ranges),
		cmocka_unit_test(parse_steps),
		cmocka_unit_test(parse_names),
		cmocka_unit_test(parse_sunday_is_0_and_7),
		cmocka_unit_test(parse_star_flags),
		cmocka_unit_test(parse_blanks),
		cmocka_unit_test(parse_keywords),
		cmocka_unit_test(parse_errors),
		cmocka_unit_test(parse_error_messages_exact),
		cmocka_unit_test(parse_error_buffer_limits),
		cmocka_unit_test(match_times),
		cmocka_unit_test(match_dom_or_dow),
		cmocka_unit_test(match_rejects_bad_tm),
		cmocka_unit_test_setup(next_every_minute, setup_utc),
		cmocka_unit_test_setup(next_quarter_hours, setup_utc),
		cmocka_unit_test_setup(next_hourly_daily, setup_utc),
		cmocka_unit_test_setup(next_debian_tenshi_default, setup_utc),
		cmocka_unit_test_setup(next_weekdays, setup_utc),
		cmocka_unit_test_setup(next_month_end, setup_utc),
		cmocka_unit_test_setup(next_leap_day, setup_utc),
		cmocka_unit_test_setup(next_dom_or_dow, setup_utc),
		cmocka_unit_test_setup(next_sunday, setup_utc),
		cmocka_unit_test_setup(next_from_5_every_20, setup_utc),
		cmocka_unit_test_setup(next_impossible, setup_utc),
		cmocka_unit_test_setup(next_before_1970, setup_utc),
		cmocka_unit_test_setup(next_matches_brute_force_utc,
		    setup_utc),
		cmocka_unit_test_setup(dst_spring_fixed_time_runs_after_gap,
		    setup_berlin),
		cmocka_unit_test_setup(dst_spring_wildcard_hour_skips_gap,
		    setup_berlin),
		cmocka_unit_test_setup(dst_fall_fixed_time_runs_once,
		    setup_berlin),
		cmocka_unit_test_setup(dst_fall_wildcard_hour_runs_twice,
		    setup_berlin),
		cmocka_unit_test_setup(dst_matches_brute_force_berlin,
		    setup_berlin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
