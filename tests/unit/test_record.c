/*
 * Unit tests for record: BSD (tenshi-compatible), RFC 3339 and RFC 5424
 * prefixes, <PRI>, the "prog[pid]: " tag, stamp to time conversion and
 * hostile input.  Every line is copied into a heap buffer of exactly its
 * length (no NUL after it) so ASan catches any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "input/record.h"

/* Buffers handed out by copy(), freed after each test. */
#define MAXBUFS	64
static char	*bufs[MAXBUFS];
static int	 nbufs;

static const char *
copy(const char *s, size_t n)
{
	char *b;

	assert_true(nbufs < MAXBUFS);
	b = malloc(n);
	assert_true(b != NULL || n == 0);
	if (n > 0)
		memcpy(b, s, n);
	bufs[nbufs++] = b;
	return b;
}

static int
freebufs(void **state)
{
	(void)state;
	while (nbufs > 0)
		free(bufs[--nbufs]);
	return 0;
}

/* Parses an exact-length heap copy of s[0..n). */
static enum record_format
parse(struct record *r, const char *s, size_t n)
{
	return record_parse(r, copy(s, n), n);
}

/* For string literals, which may contain NUL bytes. */
#define PARSE(r, s)	parse((r), (s), sizeof(s) - 1)

/* A field equals the literal s (which may contain NUL bytes). */
#define assert_span(p, n, s) do {					\
	assert_non_null(p);						\
	assert_int_equal((n), sizeof(s) - 1);				\
	assert_memory_equal((p), (s), sizeof(s) - 1);			\
} while (0)

#define assert_null_span(p, n) do {					\
	assert_null(p);							\
	assert_int_equal((n), 0);					\
} while (0)

/* Everything REC_NONE promises. */
static void
check_none(const struct record *r, const char *line, size_t len)
{
	assert_int_equal(r->format, REC_NONE);
	assert_ptr_equal(r->line, line);
	assert_int_equal(r->len, len);
	assert_ptr_equal(r->msg, line);
	assert_int_equal(r->msglen, len);
	assert_null_span(r->host, r->hostlen);
	assert_null_span(r->prog, r->proglen);
	assert_null_span(r->msgid, r->msgidlen);
	assert_null_span(r->sd, r->sdlen);
	assert_int_equal(r->pid, -1);
	assert_int_equal(r->pri, -1);
	assert_int_equal(r->facility, -1);
	assert_int_equal(r->severity, -1);
	assert_int_equal(r->year, 0);
	assert_int_equal(r->mon, 0);
	assert_int_equal(r->mday, 0);
	assert_int_equal(r->hour, 0);
	assert_int_equal(r->min, 0);
	assert_int_equal(r->sec, 0);
	assert_int_equal(r->nsec, 0);
	assert_false(r->has_tz);
	assert_int_equal(r->tzoff, 0);
}

static void
assert_none_str(const char *s, size_t n)
{
	struct record r;
	const char *b = copy(s, n);

	assert_int_equal(record_parse(&r, b, n), REC_NONE);
	check_none(&r, b, n);
}

#define ASSERT_NONE(s)	assert_none_str((s), sizeof(s) - 1)

static void
use_tz(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

/* ---- BSD ---- */

static void
test_bsd_debian_line_all_fields(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "Nov 21 10:04:05 web1 sshd[1234]: "
	    "Accepted publickey for root"), REC_BSD);
	assert_int_equal(r.mon, 11);
	assert_int_equal(r.mday, 21);
	assert_int_equal(r.hour, 10);
	assert_int_equal(r.min, 4);
	assert_int_equal(r.sec, 5);
	assert_int_equal(r.year, 0);
	assert_int_equal(r.nsec, 0);
	assert_false(r.has_tz);
	assert_int_equal(r.tzoff, 0);
	assert_span(r.host, r.hostlen, "web1");
	assert_span(r.msg, r.msglen, "sshd[1234]: Accepted publickey for root");
	assert_span(r.prog, r.proglen, "sshd");
	assert_int_equal(r.pid, 1234);
	assert_int_equal(r.pri, -1);
	assert_int_equal(r.facility, -1);
	assert_int_equal(r.severity, -1);
	assert_null_span(r.msgid, r.msgidlen);
	assert_null_span(r.sd, r.sdlen);
	assert_int_equal(r.len, sizeof("Nov 21 10:04:05 web1 sshd[1234]: "
	    "Accepted publickey for root") - 1);
}

static void
test_bsd_every_month_name(void **state)
{
	static const char *names[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char line[64];
	struct record r;
	int i;

	(void)state;
	for (i = 0; i < 12; i++) {
		memcpy(line, names[i], 3);
		memcpy(line + 3, " 12 00:00:00 h m", 16);
		assert_int_equal(parse(&r, line, 19), REC_BSD);
		assert_int_equal(r.mon, i + 1);
		assert_int_equal(r.mday, 12);
	}
}

static void
test_bsd_day_padded_with_space(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "Jan  1 00:00:00 host msg"), REC_BSD);
	assert_int_equal(r.mon, 1);
	assert_int_equal(r.mday, 1);
	assert_span(r.host, r.hostlen, "host");
	assert_span(r.msg, r.msglen, "msg");
}

static void
test_bsd_one_digit_day_after_single_space(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "Jan 1 00:00:00 host msg"), REC_BSD);
	assert_int_equal(r.mday, 1);
	assert_span(r.host, r.hostlen, "host");
	assert_span(r.msg, r.msglen, "msg");
	assert_int_equal(PARSE(&r, "Mar\t7\t23:59:58\th\tm"), REC_BSD);
	assert_int_equal(r.mday, 7);
	assert_int_equal(r.hour, 23);
	assert_int_equal(r.sec, 58);
}

static void
test_bsd_day_with_leading_zero_and_two_digits(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "Jan 01 00:00:00 host msg"), REC_BSD);
	assert_int_equal(r.mday, 1);
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 host msg"), REC_BSD);
	assert_int_equal(r.mday, 12);
	assert_int_equal(PARSE(&r, "Dec 31 23:59:59 host msg"), REC_BSD);
	assert_int_equal(r.mday, 31);
}

static void
test_bsd_day_forms_the_regex_rejects(void **state)
{
	(void)state;
	ASSERT_NONE("Jan  12 00:00:00 host msg");	/* blank + 2 digits */
	ASSERT_NONE("Jan 123 00:00:00 host msg");
	ASSERT_NONE("Jan   1 00:00:00 host msg");	/* three blanks */
	ASSERT_NONE("Jan x1 00:00:00 host msg");
	ASSERT_NONE("Jan 1x 00:00:00 host msg");
	ASSERT_NONE("Jan  x 00:00:00 host msg");
	ASSERT_NONE("Jan12 00:00:00 host msg");
	ASSERT_NONE("Jan 12  00:00:00 host msg");
}

static void
test_bsd_month_name_not_checked_like_tenshi(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "Foo 12 10:00:00 host msg"), REC_BSD);
	assert_int_equal(r.mon, 0);
	assert_int_equal(r.mday, 12);
	assert_span(r.host, r.hostlen, "host");
	assert_int_equal(record_time(&r, 1795251600), -1);
	assert_int_equal(PARSE(&r, "Xyz  1 00:00:00 h m"), REC_BSD);
	assert_int_equal(r.mon, 0);
	/* but the [A-Z][a-z]{2} shape is */
	ASSERT_NONE("JAN 12 10:00:00 host msg");
	ASSERT_NONE("jan 12 10:00:00 host msg");
	ASSERT_NONE("Ja1 12 10:00:00 host msg");
	ASSERT_NONE("Ja 12 10:00:00 host msg");
	ASSERT_NONE("Janu 12 10:00:00 host msg");
	ASSERT_NONE("\xc3\x89t\xc3\xa9 12 10:00:00 host msg");
}

static void
test_bsd_out_of_range_numbers_accepted_like_tenshi(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "Jan 99 99:99:99 host msg"), REC_BSD);
	assert_int_equal(r.mday, 99);
	assert_int_equal(r.hour, 99);
	assert_int_equal(r.min, 99);
	assert_int_equal(r.sec, 99);
	assert_int_equal(record_time(&r, 1795251600), -1);
	assert_int_equal(PARSE(&r, "Jan 00 00:00:00 host msg"), REC_BSD);
	assert_int_equal(r.mday, 0);
	assert_int_equal(record_time(&r, 1795251600), -1);
}

static void
test_bsd_malformed_clock(void **state)
{
	(void)state;
	ASSERT_NONE("Jan 12 0:00:00 host msg");
	ASSERT_NONE("Jan 12 00:0:00 host msg");
	ASSERT_NONE("Jan 12 00:00:0 host msg");
	ASSERT_NONE("Jan 12 00:00 host msg");
	ASSERT_NONE("Jan 12 00.00.00 host msg");
	ASSERT_NONE("Jan 12 00:00:00.123 host msg");
	ASSERT_NONE("Jan 12 00:00:000 host msg");
	ASSERT_NONE("Jan 12 0a:00:00 host msg");
}

static void
test_bsd_second_space_after_host_stays_in_msg(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 host  msg"), REC_BSD);
	assert_span(r.host, r.hostlen, "host");
	assert_span(r.msg, r.msglen, " msg");
	/* " msg" does not start with a tag */
	assert_null(r.prog);
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 host \t\tx"), REC_BSD);
	assert_span(r.msg, r.msglen, "\t\tx");
}

static void
test_bsd_two_spaces_before_host_is_not_a_prefix(void **state)
{
	(void)state;
	ASSERT_NONE("Jan 12 00:00:00  host msg");
	ASSERT_NONE("Jan 12 00:00:00\t\thost msg");
}

static void
test_bsd_any_perl_whitespace_separates(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "Jan\t12\t00:00:00\thost\tmsg"), REC_BSD);
	assert_span(r.host, r.hostlen, "host");
	assert_span(r.msg, r.msglen, "msg");
	assert_int_equal(PARSE(&r, "Jan\t\t1\t00:00:00\thost\tmsg"), REC_BSD);
	assert_int_equal(r.mday, 1);
	assert_int_equal(PARSE(&r, "Jan\v\f1\r00:00:00\nhost\vmsg"), REC_BSD);
	assert_int_equal(r.mday, 1);
	assert_span(r.host, r.hostlen, "host");
	assert_span(r.msg, r.msglen, "msg");
	/* NUL, NBSP and NEL are not \s on bytes */
	ASSERT_NONE("Jan\00012 00:00:00 host msg");
	ASSERT_NONE("Jan\xa0" "12 00:00:00 host msg");
	ASSERT_NONE("Jan\x85" "12 00:00:00 host msg");
}

static void
test_bsd_host_at_end_of_line_is_not_a_prefix(void **state)
{
	struct record r;

	(void)state;
	ASSERT_NONE("Jan  1 00:00:00 host");
	ASSERT_NONE("Jan 1 00:00:00 host");
	ASSERT_NONE("Jan 12 00:00:00 host");
	ASSERT_NONE("Jan 12 00:00:00 ");
	ASSERT_NONE("Jan 12 00:00:00");
	/* one whitespace after the host is enough; the message is empty */
	assert_int_equal(PARSE(&r, "Jan 1 00:00:00 host "), REC_BSD);
	assert_span(r.host, r.hostlen, "host");
	assert_non_null(r.msg);
	assert_int_equal(r.msglen, 0);
	assert_ptr_equal(r.msg, r.line + r.len);
	assert_null(r.prog);
}

static void
test_bsd_host_is_maximal_non_space_run(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 h\0st\xff:[x] m"),
	    REC_BSD);
	assert_span(r.host, r.hostlen, "h\0st\xff:[x]");
	assert_span(r.msg, r.msglen, "m");
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 h m"), REC_BSD);
	assert_span(r.host, r.hostlen, "h");
}

static void
test_bsd_every_truncation_of_a_line(void **state)
{
	static const char line[] = "Jan 12 00:00:00 host sshd[1]: x";
	const size_t full = sizeof(line) - 1;
	const size_t first = sizeof("Jan 12 00:00:00 host ") - 1;
	struct record r;
	const char *b;
	size_t n;

	(void)state;
	for (n = 0; n <= full; n++) {
		b = copy(line, n);
		if (n < first) {
			assert_int_equal(record_parse(&r, b, n), REC_NONE);
			check_none(&r, b, n);
		} else {
			assert_int_equal(record_parse(&r, b, n), REC_BSD);
			assert_span(r.host, r.hostlen, "host");
			assert_int_equal(r.msglen, n - first);
		}
		freebufs(NULL);
	}
}

/* ---- RFC 3339 ---- */

static void
test_rfc3339_debian12_rsyslog_default(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "2026-11-21T10:00:00.123456+01:00 web1 "
	    "sshd[77]: Connection closed"), REC_RFC3339);
	assert_int_equal(r.year, 2026);
	assert_int_equal(r.mon, 11);
	assert_int_equal(r.mday, 21);
	assert_int_equal(r.hour, 10);
	assert_int_equal(r.min, 0);
	assert_int_equal(r.sec, 0);
	assert_int_equal(r.nsec, 123456000);
	assert_true(r.has_tz);
	assert_int_equal(r.tzoff, 3600);
	assert_span(r.host, r.hostlen, "web1");
	assert_span(r.msg, r.msglen, "sshd[77]: Connection closed");
	assert_span(r.prog, r.proglen, "sshd");
	assert_int_equal(r.pid, 77);
	assert_int_equal(r.pri, -1);
	assert_null(r.msgid);
	assert_null(r.sd);
	assert_int_equal(record_time(&r, 0), 1795251600);
}

static void
test_rfc3339_fraction_precisions(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "2026-11-21T10:00:00Z h m"), REC_RFC3339);
	assert_int_equal(r.nsec, 0);
	assert_int_equal(PARSE(&r, "2026-11-21T10:00:00.5Z h m"), REC_RFC3339);
	assert_int_equal(r.nsec, 500000000);
	assert_int_equal(PARSE(&r, "2026-11-21T10:00:00.123Z h m"),
	    REC_RFC3339);
	assert_int_equal(r.nsec, 123000000);
	assert_int_equal(PARSE(&r, "2026-11-21T10:00:00.000001Z h m"),
	    REC_RFC3339);
	assert_int_equal(r.nsec, 1000);
	assert_int_equal(PARSE(&r, "2026-11-21T10:00:00.123456789Z h m"),
	    REC_RFC3339);
	assert_int_equal(r.nsec, 123456789);
	/* more than nine digits: truncated to nanoseconds */
	assert_int_equal(PARSE(&r, "2026-11-21T10:00:00.123456789999Z h m"),
	    REC_RFC3339);
	assert_int_equal(r.nsec, 123456789);
	assert_span(r.host, r.hostlen, "h");
	assert_int_equal(PARSE(&r, "2026-11-21T10:00:00.9999999999999999999"
	    "99999999999+01:00 h m"), REC_RFC3339);
	assert_int_equal(r.nsec, 999999999);
	/* a dot needs a digit */
	ASSERT_NONE("2026-11-21T10:00:00.Z h m");
	ASSERT_NONE("2026-11-21T10:00:00.+01:00 h m");
	ASSERT_NONE("2026-11-21T10:00:00,123Z h m");
}

static void
test_rfc3339_zones(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "2026-11-21T09:00:00Z h m"), REC_RFC3339);
	assert_true(r.has_tz);
	assert_int_equal(r.tzoff, 0);
	assert_int_equal(PARSE(&r, "2026-11-21t09:00:00z h m"), REC_RFC3339);
	assert_true(r.has_tz);
	assert_int_equal(r.tzoff, 0);
	assert_int_equal(PARSE(&r, "2026-11-21T14:30:00+05:30 h m"),
	    REC_RFC3339);
	assert_int_equal(r.tzoff, 5 * 3600 + 30 * 60);
	assert_int_equal(PARSE(&r, "2026-11-21T01:00:00-08:00 h m"),
	    REC_RFC3339);
	assert_int_equal(r.tzoff, -8 * 3600);
	assert_int_equal(PARSE(&r, "2026-11-21T09:00:00-00:00 h m"),
	    REC_RFC3339);
	assert_true(r.has_tz);
	assert_int_equal(r.tzoff, 0);
	assert_int_equal(PARSE(&r, "2026-11-21T09:00:00+23:59 h m"),
	    REC_RFC3339);
	assert_int_equal(r.tzoff, 23 * 3600 + 59 * 60);
}

static void
test_rfc3339_rejects_missing_or_bad_zone(void **state)
{
	(void)state;
	ASSERT_NONE("2026-11-21T10:00:00 host msg");
	ASSERT_NONE("2026-11-21T10:00:00.123456 host msg");
	ASSERT_NONE("2026-11-21T10:00:00+0100 host msg");
	ASSERT_NONE("2026-11-21T10:00:00+01 host msg");
	ASSERT_NONE("2026-11-21T10:00:00+1:00 host msg");
	ASSERT_NONE("2026-11-21T10:00:00+24:00 host msg");
	ASSERT_NONE("2026-11-21T10:00:00+01:60 host msg");
	ASSERT_NONE("2026-11-21T10:00:00UTC host msg");
	ASSERT_NONE("2026-11-21T10:00:00Zhost msg");
}

static void
test_rfc3339_rejects_bad_dates_and_separators(void **state)
{
	struct record r;

	(void)state;
	ASSERT_NONE("2026-11-21 10:00:00Z host msg");
	ASSERT_NONE("2026-11-21_10:00:00Z host msg");
	ASSERT_NONE("2026/11/21T10:00:00Z host msg");
	ASSERT_NONE("26-11-21T10:00:00Z host msg");
	ASSERT_NONE("2026-1-21T10:00:00Z host msg");
	ASSERT_NONE("2026-13-01T10:00:00Z host msg");
	ASSERT_NONE("2026-00-01T10:00:00Z host msg");
	ASSERT_NONE("2026-11-00T10:00:00Z host msg");
	ASSERT_NONE("2026-11-31T10:00:00Z host msg");
	ASSERT_NONE("2026-02-29T10:00:00Z host msg");
	ASSERT_NONE("2026-11-21T24:00:00Z host msg");
	ASSERT_NONE("2026-11-21T10:60:00Z host msg");
	ASSERT_NONE("2026-11-21T10:00:61Z host msg");
	ASSERT_NONE("2026-11-21T10:00Z host msg");
	assert_int_equal(PARSE(&r, "2024-02-29T10:00:00Z h m"), REC_RFC3339);
	assert_int_equal(PARSE(&r, "2000-02-29T10:00:00Z h m"), REC_RFC3339);
	ASSERT_NONE("1900-02-29T10:00:00Z host msg");
	/* leap second */
	assert_int_equal(PARSE(&r, "2016-12-31T23:59:60Z h m"), REC_RFC3339);
	assert_int_equal(r.sec, 60);
	assert_int_equal(record_time(&r, 0), 1483228800);
}

static void
test_rfc3339_host_rules_match_bsd(void **state)
{
	struct record r;

	(void)state;
	ASSERT_NONE("2026-11-21T10:00:00Z host");
	ASSERT_NONE("2026-11-21T10:00:00Z ");
	ASSERT_NONE("2026-11-21T10:00:00Z");
	ASSERT_NONE("2026-11-21T10:00:00Z  host msg");
	assert_int_equal(PARSE(&r, "2026-11-21T10:00:00Z host "), REC_RFC3339);
	assert_span(r.host, r.hostlen, "host");
	assert_int_equal(r.msglen, 0);
	assert_int_equal(PARSE(&r, "2026-11-21T10:00:00Z\thost\t\tmsg"),
	    REC_RFC3339);
	assert_span(r.host, r.hostlen, "host");
	assert_span(r.msg, r.msglen, "\tmsg");
	assert_int_equal(PARSE(&r, "2026-11-21T10:00:00Z host  msg"),
	    REC_RFC3339);
	assert_span(r.msg, r.msglen, " msg");
}

static void
test_rfc3339_every_truncation_of_a_line(void **state)
{
	static const char line[] = "2026-11-21T10:00:00.123+01:00 h p: x";
	const size_t full = sizeof(line) - 1;
	const size_t first = sizeof("2026-11-21T10:00:00.123+01:00 h ") - 1;
	struct record r;
	const char *b;
	size_t n;

	(void)state;
	for (n = 0; n <= full; n++) {
		b = copy(line, n);
		if (n < first) {
			assert_int_equal(record_parse(&r, b, n), REC_NONE);
			check_none(&r, b, n);
		} else {
			assert_int_equal(record_parse(&r, b, n), REC_RFC3339);
			assert_int_equal(r.nsec, 123000000);
			assert_int_equal(r.msglen, n - first);
		}
		freebufs(NULL);
	}
}

/* ---- RFC 5424 ---- */

static void
test_rfc5424_rfc_example_with_sd_and_bom(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "<165>1 2003-10-11T22:14:15.003Z "
	    "mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
	    "iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] "
	    "\xef\xbb\xbf" "An application event log entry..."), REC_RFC5424);
	assert_int_equal(r.pri, 165);
	assert_int_equal(r.facility, 20);
	assert_int_equal(r.severity, 5);
	assert_int_equal(r.year, 2003);
	assert_int_equal(r.mon, 10);
	assert_int_equal(r.mday, 11);
	assert_int_equal(r.hour, 22);
	assert_int_equal(r.min, 14);
	assert_int_equal(r.sec, 15);
	assert_int_equal(r.nsec, 3000000);
	assert_true(r.has_tz);
	assert_int_equal(r.tzoff, 0);
	assert_span(r.host, r.hostlen, "mymachine.example.com");
	assert_span(r.prog, r.proglen, "evntslog");
	assert_int_equal(r.pid, -1);
	assert_span(r.msgid, r.msgidlen, "ID47");
	assert_span(r.sd, r.sdlen, "[exampleSDID@32473 iut=\"3\" "
	    "eventSource=\"Application\" eventID=\"1011\"]");
	assert_span(r.msg, r.msglen, "An application event log entry...");
	assert_int_equal(record_time(&r, 0), 1065910455);
}

static void
test_rfc5424_all_nil_values(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "<34>1 - - - - - -"), REC_RFC5424);
	assert_int_equal(r.pri, 34);
	assert_int_equal(r.facility, 4);
	assert_int_equal(r.severity, 2);
	assert_null_span(r.host, r.hostlen);
	assert_null_span(r.prog, r.proglen);
	assert_int_equal(r.pid, -1);
	assert_null_span(r.msgid, r.msgidlen);
	assert_null_span(r.sd, r.sdlen);
	assert_non_null(r.msg);
	assert_int_equal(r.msglen, 0);
	assert_int_equal(r.year, 0);
	assert_int_equal(r.mon, 0);
	assert_false(r.has_tz);
	assert_int_equal(record_time(&r, 1795251600), -1);
	assert_int_equal(PARSE(&r, "<34>1 - - - - - - hello"), REC_RFC5424);
	assert_span(r.msg, r.msglen, "hello");
}

static void
test_rfc5424_numeric_and_other_procid(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "<13>1 2026-11-21T10:00:00+01:00 host "
	    "sshd 4242 - - Accepted"), REC_RFC5424);
	assert_span(r.host, r.hostlen, "host");
	assert_span(r.prog, r.proglen, "sshd");
	assert_int_equal(r.pid, 4242);
	assert_null(r.msgid);
	assert_span(r.msg, r.msglen, "Accepted");
	assert_int_equal(record_time(&r, 0), 1795251600);
	assert_int_equal(PARSE(&r, "<13>1 - host app worker-3 - - x"),
	    REC_RFC5424);
	assert_int_equal(r.pid, -1);
	assert_int_equal(PARSE(&r, "<13>1 - host app 99999999999999999999999 "
	    "- - x"), REC_RFC5424);
	assert_int_equal(r.pid, -1);
	assert_int_equal(PARSE(&r, "<13>1 - host app 0 - - x"), REC_RFC5424);
	assert_int_equal(r.pid, 0);
}

static void
test_rfc5424_sd_escapes_and_bracket_in_value(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "<14>1 - h a - - [id a=\"x\\\"y\\]z\\\\\" "
	    "b=\"]\" c=\"[q]\"] after"), REC_RFC5424);
	assert_span(r.sd, r.sdlen,
	    "[id a=\"x\\\"y\\]z\\\\\" b=\"]\" c=\"[q]\"]");
	assert_span(r.msg, r.msglen, "after");
	/* an unknown escape is a literal backslash; empty value */
	assert_int_equal(PARSE(&r, "<14>1 - h a - - [id a=\"\\n\" b=\"\"] m"),
	    REC_RFC5424);
	assert_span(r.sd, r.sdlen, "[id a=\"\\n\" b=\"\"]");
	assert_span(r.msg, r.msglen, "m");
	/* an element with only an ID */
	assert_int_equal(PARSE(&r, "<14>1 - h a - - [origin] m"), REC_RFC5424);
	assert_span(r.sd, r.sdlen, "[origin]");
}

static void
test_rfc5424_multiple_sd_elements(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "<165>1 2003-10-11T22:14:15.003Z h evntslog "
	    "- ID47 [exampleSDID@32473 iut=\"3\"][examplePriority@32473 "
	    "class=\"high\"] msg"), REC_RFC5424);
	assert_span(r.sd, r.sdlen, "[exampleSDID@32473 iut=\"3\"]"
	    "[examplePriority@32473 class=\"high\"]");
	assert_span(r.msg, r.msglen, "msg");
	/* SP ends the structured data: "[b]" is part of MSG */
	assert_int_equal(PARSE(&r, "<13>1 - h a - - [a x=\"1\"] [b] m"),
	    REC_RFC5424);
	assert_span(r.sd, r.sdlen, "[a x=\"1\"]");
	assert_span(r.msg, r.msglen, "[b] m");
	assert_int_equal(PARSE(&r, "<165>1 - h a - - [a][b][c]"), REC_RFC5424);
	assert_span(r.sd, r.sdlen, "[a][b][c]");
	assert_int_equal(r.msglen, 0);
}

static void
test_rfc5424_missing_or_empty_msg(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "<13>1 - h a - - [x y=\"1\"]"), REC_RFC5424);
	assert_non_null(r.msg);
	assert_int_equal(r.msglen, 0);
	assert_ptr_equal(r.msg, r.line + r.len);
	assert_int_equal(PARSE(&r, "<13>1 - h a - - [x y=\"1\"] "), REC_RFC5424);
	assert_int_equal(r.msglen, 0);
}

/* rsyslog's RSYSLOG_SyslogProtocol23Format puts its %msg% (which keeps the
 * blank after the tag) after the separator: "SD  text".  Rules and
 * archives must see "text", as rsyslog's own files do; one blank only. */
static void
test_rfc5424_rsyslog_leading_space_is_dropped_once(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "<13>1 - h a - - -  two"), REC_RFC5424);
	assert_span(r.msg, r.msglen, "two");
	assert_int_equal(PARSE(&r, "<13>1 - h a - - -   three"), REC_RFC5424);
	assert_span(r.msg, r.msglen, " three");
	assert_int_equal(PARSE(&r, "<13>1 - h a - - - one"), REC_RFC5424);
	assert_span(r.msg, r.msglen, "one");
	assert_int_equal(PARSE(&r, "<13>1 - h a - - [x y=\"1\"]  sd"), REC_RFC5424);
	assert_span(r.msg, r.msglen, "sd");
	assert_int_equal(PARSE(&r, "<38>1 2026-12-07T00:09:47.78+00:00 vm sshd 811 - -  "
	    "Failed password for root"), REC_RFC5424);
	assert_span(r.msg, r.msglen, "Failed password for root");
	assert_int_equal(PARSE(&r, "<13>1 - h a - - -  "), REC_RFC5424);
	assert_int_equal(r.msglen, 0);
}

static void
test_rfc5424_bom_stripped_only_at_msg_start(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "<13>1 - h a - - - \xef\xbb\xbf"),
	    REC_RFC5424);
	assert_int_equal(r.msglen, 0);
	assert_int_equal(PARSE(&r, "<13>1 - h a - - - x\xef\xbb\xbf"),
	    REC_RFC5424);
	assert_span(r.msg, r.msglen, "x\xef\xbb\xbf");
	assert_int_equal(PARSE(&r, "<13>1 - h a - - - \xef\xbb"), REC_RFC5424);
	assert_span(r.msg, r.msglen, "\xef\xbb");
	assert_int_equal(PARSE(&r, "<13>1 - h a - - - \xef\xbb\xbf\xef\xbb\xbf"),
	    REC_RFC5424);
	assert_span(r.msg, r.msglen, "\xef\xbb\xbf");
}

static void
test_rfc5424_msg_tag_not_parsed(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "<13>1 - h - - - - sshd[12]: hi"),
	    REC_RFC5424);
	assert_null(r.prog);
	assert_int_equal(r.pid, -1);
	assert_span(r.msg, r.msglen, "sshd[12]: hi");
}

static void
test_rfc5424_malformed_is_none(void **state)
{
	(void)state;
	ASSERT_NONE("<13>1");
	ASSERT_NONE("<13>1 ");
	ASSERT_NONE("<13>2 - h a - - - m");
	ASSERT_NONE("<13>10 - h a - - - m");
	ASSERT_NONE("<13> 1 - h a - - - m");
	ASSERT_NONE("<13>1  - h a - - - m");
	ASSERT_NONE("<13>1 - h a - -");
	ASSERT_NONE("<13>1 - h a - - ");
	ASSERT_NONE("<13>1 - h a -");
	ASSERT_NONE("<13>1 - h  a - - - m");
	ASSERT_NONE("<13>1 - h\ta - - - m");
	ASSERT_NONE("<13>1 -x h a - - - m");
	ASSERT_NONE("<13>1 2026-11-21T10:00:00 h a - - - m");
	ASSERT_NONE("<13>1 - h a - - -x");
	ASSERT_NONE("<13>1 - h a - - x");
	/* bad structured data */
	ASSERT_NONE("<13>1 - h a - - [");
	ASSERT_NONE("<13>1 - h a - - []");
	ASSERT_NONE("<13>1 - h a - - [ ]");
	ASSERT_NONE("<13>1 - h a - - [id");
	ASSERT_NONE("<13>1 - h a - - [id a=\"1\"");
	ASSERT_NONE("<13>1 - h a - - [id a=\"1]");
	ASSERT_NONE("<13>1 - h a - - [id a=\"1\\\"]");
	ASSERT_NONE("<13>1 - h a - - [id a=\"1\\");
	ASSERT_NONE("<13>1 - h a - - [id a=1] m");
	ASSERT_NONE("<13>1 - h a - - [id a] m");
	ASSERT_NONE("<13>1 - h a - - [id =\"1\"] m");
	ASSERT_NONE("<13>1 - h a - - [id  a=\"1\"] m");
	ASSERT_NONE("<13>1 - h a - - [id a=\"1\"]x");
	ASSERT_NONE("<13>1 - h a - - [i\"d] m");
	ASSERT_NONE("<13>1 - h a - - [i\xc3\xa9] m");
}

static void
test_rfc5424_every_truncation_of_a_line(void **state)
{
	static const char line[] = "<165>1 2003-10-11T22:14:15.003Z host app "
	    "12 ID [a b=\"c\\\"]\"][d] \xef\xbb\xbfmsg";
	const size_t full = sizeof(line) - 1;
	const size_t sdend = sizeof("<165>1 2003-10-11T22:14:15.003Z host app "
	    "12 ID [a b=\"c\\\"]\"][d]") - 1;
	struct record r;
	const char *b;
	size_t n;
	enum record_format f;

	(void)state;
	for (n = 0; n <= full; n++) {
		b = copy(line, n);
		f = record_parse(&r, b, n);
		/* "[a ...]" alone is complete SD, so one length in the
		 * middle parses too */
		if (n == sdend || n == sdend - 3 || n > sdend) {
			assert_int_equal(f, REC_RFC5424);
			assert_span(r.host, r.hostlen, "host");
			assert_int_equal(r.pid, 12);
		} else {
			assert_int_equal(f, REC_NONE);
			check_none(&r, b, n);
		}
		freebufs(NULL);
	}
}

/* ---- <PRI> ---- */

static void
test_pri_before_bsd_stamp(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "<13>Jan 12 00:00:00 host cron[5]: x"),
	    REC_BSD);
	assert_int_equal(r.pri, 13);
	assert_int_equal(r.facility, 1);
	assert_int_equal(r.severity, 5);
	assert_int_equal(r.mon, 1);
	assert_span(r.host, r.hostlen, "host");
	assert_span(r.prog, r.proglen, "cron");
	assert_int_equal(r.pid, 5);
	assert_span(r.msg, r.msglen, "cron[5]: x");
}

static void
test_pri_before_rfc3339_stamp(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "<86>2026-11-21T10:00:00.1-05:00 h su: x"),
	    REC_RFC3339);
	assert_int_equal(r.pri, 86);
	assert_int_equal(r.facility, 10);
	assert_int_equal(r.severity, 6);
	assert_int_equal(r.nsec, 100000000);
	assert_int_equal(r.tzoff, -5 * 3600);
	assert_span(r.prog, r.proglen, "su");
	assert_int_equal(r.pid, -1);
}

static void
test_pri_bounds(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "<0>Jan 12 00:00:00 h m"), REC_BSD);
	assert_int_equal(r.pri, 0);
	assert_int_equal(r.facility, 0);
	assert_int_equal(r.severity, 0);
	assert_int_equal(PARSE(&r, "<7>Jan 12 00:00:00 h m"), REC_BSD);
	assert_int_equal(r.facility, 0);
	assert_int_equal(r.severity, 7);
	assert_int_equal(PARSE(&r, "<8>Jan 12 00:00:00 h m"), REC_BSD);
	assert_int_equal(r.facility, 1);
	assert_int_equal(r.severity, 0);
	assert_int_equal(PARSE(&r, "<191>Jan 12 00:00:00 h m"), REC_BSD);
	assert_int_equal(r.facility, 23);
	assert_int_equal(r.severity, 7);
	assert_int_equal(PARSE(&r, "<100>1 - h a - - - m"), REC_RFC5424);
	assert_int_equal(r.pri, 100);
}

static void
test_pri_invalid_is_none(void **state)
{
	(void)state;
	ASSERT_NONE("<192>Jan 12 00:00:00 h m");
	ASSERT_NONE("<999>Jan 12 00:00:00 h m");
	ASSERT_NONE("<1000>Jan 12 00:00:00 h m");
	ASSERT_NONE("<01>Jan 12 00:00:00 h m");
	ASSERT_NONE("<00>Jan 12 00:00:00 h m");
	ASSERT_NONE("<013>1 - h a - - - m");
	ASSERT_NONE("<>Jan 12 00:00:00 h m");
	ASSERT_NONE("<-1>Jan 12 00:00:00 h m");
	ASSERT_NONE("<+1>Jan 12 00:00:00 h m");
	ASSERT_NONE("<a>Jan 12 00:00:00 h m");
	ASSERT_NONE("<13 Jan 12 00:00:00 h m");
	ASSERT_NONE("<13");
	ASSERT_NONE("<");
	ASSERT_NONE("13>Jan 12 00:00:00 h m");
	ASSERT_NONE("<13><13>Jan 12 00:00:00 h m");
	ASSERT_NONE("<13> Jan 12 00:00:00 h m");
}

static void
test_pri_without_known_stamp_is_none(void **state)
{
	(void)state;
	ASSERT_NONE("<13>");
	ASSERT_NONE("<13>hello world");
	ASSERT_NONE("<13>sshd[1]: no stamp, no host");
	ASSERT_NONE("<13>Jan 12 00:00:00 host");
}

/* ---- hostile lines ---- */

static void
test_empty_and_null_line(void **state)
{
	struct record r;

	(void)state;
	assert_none_str("", 0);
	assert_int_equal(record_parse(&r, NULL, 0), REC_NONE);
	assert_non_null(r.msg);
	assert_int_equal(r.msglen, 0);
	assert_int_equal(r.len, 0);
	assert_null(r.host);
	assert_int_equal(record_time(&r, 1795251600), -1);
}

static void
test_only_whitespace(void **state)
{
	(void)state;
	ASSERT_NONE(" ");
	ASSERT_NONE("                                        ");
	ASSERT_NONE("\t\t\r\n\v\f");
	ASSERT_NONE("\r");
}

static void
test_embedded_nul_bytes(void **state)
{
	struct record r;

	(void)state;
	ASSERT_NONE("\0");
	ASSERT_NONE("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
	ASSERT_NONE("Jan 12\00000:00:00 h m");
	ASSERT_NONE("<1\0003>Jan 12 00:00:00 h m");
	ASSERT_NONE("2026-11-21T10:00:00\0Z h m");
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 host a\0b\0"), REC_BSD);
	assert_span(r.msg, r.msglen, "a\0b\0");
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 \0 \0"), REC_BSD);
	assert_span(r.host, r.hostlen, "\0");
	assert_span(r.msg, r.msglen, "\0");
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 h p\0g[1]: x"), REC_BSD);
	assert_span(r.prog, r.proglen, "p\0g");
	assert_int_equal(PARSE(&r, "<13>1 - h\0 a - - [i a=\"\0\"] \0"),
	    REC_RFC5424);
	assert_span(r.host, r.hostlen, "h\0");
	assert_span(r.sd, r.sdlen, "[i a=\"\0\"]");
	assert_span(r.msg, r.msglen, "\0");
}

static void
test_one_megabyte_lines(void **state)
{
	const size_t n = 1 << 20;
	static const char bsd[] = "Jan 12 00:00:00 host prog[9]: ";
	static const char rfc[] = "<13>1 - host app 9 - [id v=\"";
	struct record r;
	char *b;

	(void)state;
	b = malloc(n);
	assert_non_null(b);

	/* no prefix */
	memset(b, 'a', n);
	assert_int_equal(record_parse(&r, b, n), REC_NONE);
	check_none(&r, b, n);

	/* a 1 MB host name that never ends */
	memcpy(b, bsd, 16);
	assert_int_equal(record_parse(&r, b, n), REC_NONE);
	check_none(&r, b, n);

	/* a 1 MB fraction that never reaches a zone */
	memcpy(b, "2026-11-21T10:00:00.", 20);
	memset(b + 20, '7', n - 20);
	assert_int_equal(record_parse(&r, b, n), REC_NONE);

	/* BSD prefix, 1 MB message */
	memset(b, 'x', n);
	memcpy(b, bsd, sizeof(bsd) - 1);
	assert_int_equal(record_parse(&r, b, n), REC_BSD);
	assert_int_equal(r.msglen, n - 21);
	assert_int_equal(r.pid, 9);

	/* RFC 5424 with a quoted value that never closes, then closed */
	memset(b, 'x', n);
	memcpy(b, rfc, sizeof(rfc) - 1);
	assert_int_equal(record_parse(&r, b, n), REC_NONE);
	memcpy(b + n - 2, "\"]", 2);
	assert_int_equal(record_parse(&r, b, n), REC_RFC5424);
	assert_int_equal(r.sdlen, n - (sizeof("<13>1 - host app 9 - ") - 1));
	assert_int_equal(r.msglen, 0);

	/* a 1 MB tag that never reaches ':' */
	memset(b, 'x', n);
	memcpy(b, bsd, 21);
	assert_int_equal(record_parse(&r, b, n), REC_BSD);
	assert_null(r.prog);
	free(b);
}

static void
test_invalid_utf8_is_ordinary_data(void **state)
{
	struct record r;

	(void)state;
	ASSERT_NONE("\xff\xfe\xfd\xc0\x80");
	ASSERT_NONE("\xef\xbb\xbf" "Jan 12 00:00:00 host msg");
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 h\xc3\x28 \xed\xa0\x80\xff"),
	    REC_BSD);
	assert_span(r.host, r.hostlen, "h\xc3\x28");
	assert_span(r.msg, r.msglen, "\xed\xa0\x80\xff");
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 h \xfe\xff[3]: x"),
	    REC_BSD);
	assert_span(r.prog, r.proglen, "\xfe\xff");
	assert_int_equal(r.pid, 3);
}

static void
test_cr_at_end_of_line(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 host msg\r"), REC_BSD);
	assert_span(r.msg, r.msglen, "msg\r");
	/* CR is \s: "host\r" ends the host and leaves an empty message */
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 host\r"), REC_BSD);
	assert_span(r.host, r.hostlen, "host");
	assert_int_equal(r.msglen, 0);
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 host cron:\r"), REC_BSD);
	assert_span(r.prog, r.proglen, "cron");
	assert_int_equal(PARSE(&r, "<13>1 - h a - - -\r"), REC_NONE);
}

/* A cheap deterministic mutation fuzzer: whatever the bytes, every field
 * stays inside the line and the invariants of each format hold. */
static void
test_mutated_lines_stay_in_bounds(void **state)
{
	static const char *seeds[] = {
		"Jan 12 00:00:00 host sshd[1]: msg",
		"Jan  1 00:00:00 h p: m",
		"<13>2026-11-21T10:00:00.123456+01:00 h p[2]: m",
		"<165>1 2003-10-11T22:14:15.003Z h a 1 ID [x a=\"\\\"]\"][y] m",
	};
	static const char alphabet[] = " \t\r\n\0<>[]\"\\:=-+.TZ0123456789"
	    "Jan\xef\xbb\xbf\xff";
	unsigned long seed = 12345;
	char line[80];
	struct record r;
	const char *b, *end;
	size_t i, n, k, pos;
	int round;

	(void)state;
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		for (round = 0; round < 4000; round++) {
			n = strlen(seeds[i]);
			memcpy(line, seeds[i], n);
			for (k = 0; k < 3; k++) {
				seed = seed * 6364136223846793005UL + 1;
				pos = (seed >> 33) % n;
				line[pos] = alphabet[(seed >> 17) %
				    (sizeof(alphabet) - 1)];
			}
			seed = seed * 6364136223846793005UL + 1;
			if ((seed >> 40) % 4 == 0)
				n = (seed >> 20) % (n + 1);
			b = copy(line, n);
			end = b + n;
			(void)record_parse(&r, b, n);
			assert_true(r.msg >= b && r.msg + r.msglen <= end);
			if (r.host != NULL)
				assert_true(r.host >= b &&
				    r.host + r.hostlen <= r.msg);
			if (r.prog != NULL)
				assert_true(r.prog >= b &&
				    r.prog + r.proglen <= end);
			if (r.sd != NULL)
				assert_true(r.sd >= b && r.sd + r.sdlen <= end);
			if (r.msgid != NULL)
				assert_true(r.msgid >= b &&
				    r.msgid + r.msgidlen <= end);
			if (r.format == REC_NONE)
				check_none(&r, b, n);
			if (r.format == REC_BSD || r.format == REC_RFC3339)
				assert_non_null(r.host);
			assert_true(r.pri >= -1 && r.pri <= 191);
			(void)record_time(&r, 1795251600);
			freebufs(NULL);
		}
	}
}

/* ---- record_parse_tag ---- */

/* Sets msg to an exact-length copy of s and parses the tag. */
static void
tag(struct record *r, const char *s, size_t n)
{
	*r = (struct record){ .pid = 99, .prog = "stale", .proglen = 5 };
	r->msg = copy(s, n);
	r->msglen = n;
	record_parse_tag(r);
}

#define TAG(r, s)	tag((r), (s), sizeof(s) - 1)

#define ASSERT_NO_TAG(s) do {						\
	struct record t_;						\
	TAG(&t_, s);							\
	assert_null(t_.prog);						\
	assert_int_equal(t_.proglen, 0);				\
	assert_int_equal(t_.pid, -1);					\
} while (0)

static void
test_tag_prog_with_pid(void **state)
{
	struct record r;

	(void)state;
	TAG(&r, "sshd[1234]: Accepted");
	assert_span(r.prog, r.proglen, "sshd");
	assert_int_equal(r.pid, 1234);
	TAG(&r, "postfix/smtpd[0]: x");
	assert_span(r.prog, r.proglen, "postfix/smtpd");
	assert_int_equal(r.pid, 0);
	TAG(&r, "a[1]:");
	assert_span(r.prog, r.proglen, "a");
	assert_int_equal(r.pid, 1);
	TAG(&r, "a[007]:\tx");
	assert_int_equal(r.pid, 7);
	/* msg itself is left alone */
	assert_int_equal(r.msglen, sizeof("a[007]:\tx") - 1);
}

static void
test_tag_prog_without_pid(void **state)
{
	struct record r;

	(void)state;
	TAG(&r, "kernel: [    0.000000] Linux version");
	assert_span(r.prog, r.proglen, "kernel");
	assert_int_equal(r.pid, -1);
	TAG(&r, "CRON:");
	assert_span(r.prog, r.proglen, "CRON");
	TAG(&r, "x: ");
	assert_span(r.prog, r.proglen, "x");
	TAG(&r, "systemd-logind: New session");
	assert_span(r.prog, r.proglen, "systemd-logind");
}

static void
test_tag_rejected_forms(void **state)
{
	(void)state;
	ASSERT_NO_TAG("");
	ASSERT_NO_TAG(" ");
	ASSERT_NO_TAG(": x");
	ASSERT_NO_TAG("[12]: x");
	ASSERT_NO_TAG(" sshd[1]: x");
	ASSERT_NO_TAG("sshd");
	ASSERT_NO_TAG("sshd x: y");
	ASSERT_NO_TAG("sshd [1]: x");
	ASSERT_NO_TAG("sshd:x");
	ASSERT_NO_TAG("sshd::x");
	ASSERT_NO_TAG("http://example.org/");
	ASSERT_NO_TAG("sshd[1]");
	ASSERT_NO_TAG("sshd[1] x");
	ASSERT_NO_TAG("sshd[1]x: y");
	ASSERT_NO_TAG("sshd[1]:x");
	ASSERT_NO_TAG("sshd[abc]: x");
	ASSERT_NO_TAG("sshd[]: x");
	ASSERT_NO_TAG("sshd[-1]: x");
	ASSERT_NO_TAG("sshd[1: x");
	ASSERT_NO_TAG("sshd[1");
	ASSERT_NO_TAG("sshd[");
	ASSERT_NO_TAG("sshd[1][2]: x");
	ASSERT_NO_TAG("sshd[99999999999999999999999]: x");
	ASSERT_NO_TAG("Accepted password for root");
}

static void
test_tag_null_msg_clears_fields(void **state)
{
	struct record r = { .prog = "x", .proglen = 1, .pid = 5 };

	(void)state;
	record_parse_tag(&r);
	assert_null(r.prog);
	assert_int_equal(r.proglen, 0);
	assert_int_equal(r.pid, -1);
}

static void
test_tag_set_by_parse_for_bsd_and_rfc3339_only(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 h CRON[1]: x"), REC_BSD);
	assert_span(r.prog, r.proglen, "CRON");
	assert_int_equal(PARSE(&r, "2026-11-21T10:00:00Z h CRON[1]: x"),
	    REC_RFC3339);
	assert_span(r.prog, r.proglen, "CRON");
	assert_int_equal(r.pid, 1);
	assert_int_equal(PARSE(&r, "Jan 12 00:00:00 h no tag here"), REC_BSD);
	assert_null(r.prog);
	assert_int_equal(r.pid, -1);
	ASSERT_NONE("CRON[1]: x");
}

/* ---- record_time ---- */

static void
test_time_bsd_same_day_in_utc(void **state)
{
	struct record r;

	(void)state;
	use_tz("UTC");
	assert_int_equal(PARSE(&r, "Nov 21 09:00:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, 1795251600), 1795251600);
	assert_int_equal(record_time(&r, 1795251600 + 3600), 1795251600);
}

static void
test_time_bsd_dec31_read_on_jan1_is_last_year(void **state)
{
	struct record r;

	(void)state;
	use_tz("UTC");
	assert_int_equal(PARSE(&r, "Dec 31 23:59:00 h m"), REC_BSD);
	/* now = 2027-01-01T00:10:00Z */
	assert_int_equal(record_time(&r, 1798762200), 1798761540);
}

static void
test_time_bsd_jan1_read_before_midnight_is_next_year(void **state)
{
	struct record r;

	(void)state;
	use_tz("UTC");
	assert_int_equal(PARSE(&r, "Jan  1 00:10:00 h m"), REC_BSD);
	/* now = 2026-12-31T23:59:00Z, the sender's clock is a bit ahead */
	assert_int_equal(record_time(&r, 1798761540), 1798762200);
}

static void
test_time_bsd_more_than_a_day_ahead_is_last_year(void **state)
{
	struct record r;

	(void)state;
	use_tz("UTC");
	/* now = 2026-06-01T12:00:00Z */
	assert_int_equal(PARSE(&r, "Jun  3 12:00:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, 1780315200), 1748952000);
	assert_int_equal(PARSE(&r, "Jun  2 11:00:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, 1780315200), 1780398000);
}

static void
test_time_bsd_feb29_goes_back_to_a_leap_year(void **state)
{
	struct record r;

	(void)state;
	use_tz("UTC");
	assert_int_equal(PARSE(&r, "Feb 29 12:00:00 h m"), REC_BSD);
	/* read on 2027-03-01: the last Feb 29 was in 2024 */
	assert_int_equal(record_time(&r, 1803859200), 1709208000);
	/* read on 2028-03-01 */
	assert_int_equal(record_time(&r, 1835481600), 1835438400);
}

static void
test_time_bsd_uses_local_zone_and_dst(void **state)
{
	struct record r;

	(void)state;
	use_tz("CET-1CEST,M3.5.0,M10.5.0/3");
	assert_int_equal(PARSE(&r, "Jul  1 12:00:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, 1784073600), 1782900000);
	assert_int_equal(PARSE(&r, "Jan 15 12:00:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, 1769904000), 1768474800);
	/* zone-qualified stamps ignore TZ */
	assert_int_equal(PARSE(&r, "2026-11-21T10:00:00+01:00 h m"),
	    REC_RFC3339);
	assert_int_equal(record_time(&r, 0), 1795251600);
	use_tz("UTC");
}

static void
test_time_rfc3339_offsets_give_the_same_instant(void **state)
{
	static const char *lines[] = {
		"2026-11-21T09:00:00Z h m",
		"2026-11-21T09:00:00.999999999z h m",
		"2026-11-21T10:00:00.123456+01:00 h m",
		"2026-11-21T14:30:00+05:30 h m",
		"2026-11-21T01:00:00-08:00 h m",
		"2026-11-20T23:00:00-10:00 h m",
		"<13>1 2026-11-21T09:00:00-00:00 h a - - -",
	};
	struct record r;
	size_t i;

	(void)state;
	use_tz("CET-1CEST,M3.5.0,M10.5.0/3");
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_not_equal(parse(&r, lines[i], strlen(lines[i])),
		    REC_NONE);
		assert_int_equal(record_time(&r, 0), 1795251600);
	}
	assert_int_equal(PARSE(&r, "2026-11-21T00:30:00+01:00 h m"),
	    REC_RFC3339);
	assert_int_equal(record_time(&r, 0), 1795217400);
	assert_int_equal(PARSE(&r, "0000-01-01T00:00:00Z h m"), REC_RFC3339);
	assert_int_equal(record_time(&r, 0), -62167219200LL);
	use_tz("UTC");
}

static void
test_time_without_usable_stamp(void **state)
{
	struct record r;

	(void)state;
	use_tz("UTC");
	assert_int_equal(PARSE(&r, "no prefix"), REC_NONE);
	assert_int_equal(record_time(&r, 1795251600), -1);
	assert_int_equal(PARSE(&r, "<13>1 - h a - - - m"), REC_RFC5424);
	assert_int_equal(record_time(&r, 1795251600), -1);
	assert_int_equal(PARSE(&r, "Mon 12 00:00:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, 1795251600), -1);
	assert_int_equal(PARSE(&r, "Feb 30 00:00:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, 1795251600), -1);
	assert_int_equal(PARSE(&r, "Jan 12 24:00:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, 1795251600), -1);
	assert_int_equal(PARSE(&r, "Jan 12 00:60:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, 1795251600), -1);
	assert_int_equal(PARSE(&r, "Jan 12 00:00:61 h m"), REC_BSD);
	assert_int_equal(record_time(&r, 1795251600), -1);
}

static void
test_time_record_with_year_but_no_zone_is_local(void **state)
{
	struct record r = {
		.format = REC_LOGPREFIX, .year = 2026, .mon = 11, .mday = 21,
		.hour = 10, .pid = -1, .pri = -1,
	};

	(void)state;
	use_tz("CET-1CEST,M3.5.0,M10.5.0/3");
	assert_int_equal(record_time(&r, 0), 1795251600);
	r.mon = 2;
	r.mday = 29;
	assert_int_equal(record_time(&r, 0), -1);
	use_tz("UTC");
}

/* ---- record_month ---- */

static void
test_month_names(void **state)
{
	(void)state;
	assert_int_equal(record_month("Jan"), 1);
	assert_int_equal(record_month("Feb"), 2);
	assert_int_equal(record_month("Mar"), 3);
	assert_int_equal(record_month("Apr"), 4);
	assert_int_equal(record_month("May"), 5);
	assert_int_equal(record_month("Jun"), 6);
	assert_int_equal(record_month("Jul"), 7);
	assert_int_equal(record_month("Aug"), 8);
	assert_int_equal(record_month("Sep"), 9);
	assert_int_equal(record_month("Oct"), 10);
	assert_int_equal(record_month("Nov"), 11);
	assert_int_equal(record_month("Dec"), 12);
	assert_int_equal(record_month("Decimal"), 12);
	assert_int_equal(record_month("jan"), 0);
	assert_int_equal(record_month("JAN"), 0);
	assert_int_equal(record_month("Jna"), 0);
	assert_int_equal(record_month("Foo"), 0);
	assert_int_equal(record_month("Ja"), 0);
	assert_int_equal(record_month("J"), 0);
	assert_int_equal(record_month(""), 0);
	assert_int_equal(record_month(NULL), 0);
}

#define T(f)	cmocka_unit_test_teardown(f, freebufs)

/* record_time caches the start of recent hours instead of calling
 * mktime for every line: across the DST changes of 2026 in Berlin and
 * New York, with the zone switched between calls, every stamp must give
 * mktime's answer (in a repeated hour, either of its two instants). */
static void
test_time_hour_cache_matches_mktime(void **state)
{
	static const char *zones[] = { "Europe/Berlin", "UTC", "America/New_York" };
	static const int days[][2] = { { 3, 29 }, { 10, 25 }, { 3, 8 }, { 11, 1 } };
	static const char *mon[] = { "", "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	size_t z, d;
	int minute;

	(void)state;
	/* the zone changes on every call, so a cached hour of one zone
	 * would be found again under the next */
	for (d = 0; d < 4; d++) {
		for (minute = 0; minute < 24 * 60; minute += 7) {
			for (z = 0; z < 3; z++) {
				char line[128];
				struct record r;
				struct tm tm;
				time_t want, got, now;
				int n;

				setenv("TZ", zones[z], 1);
				tzset();
				n = snprintf(line, sizeof(line), "%s %2d %02d:%02d:%02d "
				    "host prog: x", mon[days[d][0]], days[d][1],
				    minute / 60, minute % 60, minute % 50);
				assert_int_equal(record_parse(&r, line, (size_t)n),
				    REC_BSD);
				memset(&tm, 0, sizeof(tm));
				tm.tm_year = 2026 - 1900;
				tm.tm_mon = days[d][0] - 1;
				tm.tm_mday = days[d][1];
				tm.tm_hour = minute / 60;
				tm.tm_min = minute % 60;
				tm.tm_sec = minute % 50;
				tm.tm_isdst = -1;
				want = mktime(&tm);
				now = want + 3600;
				got = record_time(&r, now);
				if (got != want) {
					struct tm lt;

					/* in the hour that occurs twice when clocks
					 * go back, either occurrence is right */
					localtime_r(&got, &lt);
					if (llabs((long long)(got - want)) == 3600 &&
					    lt.tm_hour == tm.tm_hour &&
					    lt.tm_min == tm.tm_min &&
					    lt.tm_mday == tm.tm_mday)
						continue;
					fail_msg("%s %s: got %lld, mktime %lld", zones[z],
					    line, (long long)got, (long long)want);
				}
			}
		}
	}
	setenv("TZ", "UTC", 1);
	tzset();
}

/* A BSD stamp's year can depend on its minute: the hour that holds
 * now + one day is split.  Lines of one hour, another now, in any order. */
static void
test_time_year_decided_by_the_minute(void **state)
{
	const time_t now = 1736677800;		/* 2025-01-12 10:30:00 UTC */
	struct record r;

	(void)state;
	use_tz("UTC");
	assert_int_equal(PARSE(&r, "Jan 12 09:10:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, now), 1736673000);
	assert_int_equal(PARSE(&r, "Jan 12 09:50:07 h m"), REC_BSD);
	assert_int_equal(record_time(&r, now), 1736675407);
	assert_int_equal(PARSE(&r, "Jan 13 10:00:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, now), 1736762400);	/* 2025 */
	assert_int_equal(PARSE(&r, "Jan 13 10:45:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, now), 1705142700);	/* 2024 */
	assert_int_equal(PARSE(&r, "Jan 13 10:30:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, now), 1736764200);	/* now + 1 day */
	assert_int_equal(PARSE(&r, "Jan 13 10:30:01 h m"), REC_BSD);
	assert_int_equal(record_time(&r, now), 1705141801);
	assert_int_equal(PARSE(&r, "Jan 13 10:00:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, now), 1736762400);
	/* the same hour read at another time */
	assert_int_equal(PARSE(&r, "Jan 12 09:10:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, 1736467200), 1705050600);
	assert_int_equal(PARSE(&r, "Jan 12 09:10:00 h m"), REC_BSD);
	assert_int_equal(record_time(&r, now), 1736673000);
}

/* A pid is any run of digits that fits a long: the largest, leading
 * zeros, and one past the largest (no tag then). */
static void
test_tag_pid_limits(void **state)
{
	struct record r;

	(void)state;
	assert_int_equal(PARSE(&r, "Jan 12 09:10:00 h p[9223372036854775807]: m"),
	    REC_BSD);
	assert_span(r.prog, r.proglen, "p");
	assert_true(r.pid == 9223372036854775807L);
	assert_int_equal(PARSE(&r, "Jan 12 09:10:00 h p[000000000000000000000042]: m"),
	    REC_BSD);
	assert_int_equal(r.pid, 42);
	assert_int_equal(PARSE(&r, "Jan 12 09:10:00 h p[9223372036854775808]: m"),
	    REC_BSD);
	assert_null_span(r.prog, r.proglen);
	assert_int_equal(r.pid, -1);
	assert_int_equal(PARSE(&r, "Jan 12 09:10:00 h p[99999999999999999999]: m"),
	    REC_BSD);
	assert_null_span(r.prog, r.proglen);
	assert_int_equal(PARSE(&r, "<13>1 - h app 9223372036854775807 - - m"),
	    REC_RFC5424);
	assert_true(r.pid == 9223372036854775807L);
	assert_int_equal(PARSE(&r, "<13>1 - h app 9223372036854775808 - - m"),
	    REC_RFC5424);
	assert_int_equal(r.pid, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_time_hour_cache_matches_mktime),
		T(test_bsd_debian_line_all_fields),
		T(test_bsd_every_month_name),
		T(test_bsd_day_padded_with_space),
		T(test_bsd_one_digit_day_after_single_space),
		T(test_bsd_day_with_leading_zero_and_two_digits),
		T(test_bsd_day_forms_the_regex_rejects),
		T(test_bsd_month_name_not_checked_like_tenshi),
		T(test_bsd_out_of_range_numbers_accepted_like_tenshi),
		T(test_bsd_malformed_clock),
		T(test_bsd_second_space_after_host_stays_in_msg),
		T(test_bsd_two_spaces_before_host_is_not_a_prefix),
		T(test_bsd_any_perl_whitespace_separates),
		T(test_bsd_host_at_end_of_line_is_not_a_prefix),
		T(test_bsd_host_is_maximal_non_space_run),
		T(test_bsd_every_truncation_of_a_line),
		T(test_rfc3339_debian12_rsyslog_default),
		T(test_rfc3339_fraction_precisions),
		T(test_rfc3339_zones),
		T(test_rfc3339_rejects_missing_or_bad_zone),
		T(test_rfc3339_rejects_bad_dates_and_separators),
		T(test_rfc3339_host_rules_match_bsd),
		T(test_rfc3339_every_truncation_of_a_line),
		T(test_rfc5424_rfc_example_with_sd_and_bom),
		T(test_rfc5424_all_nil_values),
		T(test_rfc5424_numeric_and_other_procid),
		T(test_rfc5424_sd_escapes_and_bracket_in_value),
		T(test_rfc5424_multiple_sd_elements),
		T(test_rfc5424_missing_or_empty_msg),
		T(test_rfc5424_rsyslog_leading_space_is_dropped_once),
		T(test_rfc5424_bom_stripped_only_at_msg_start),
		T(test_rfc5424_msg_tag_not_parsed),
		T(test_rfc5424_malformed_is_none),
		T(test_rfc5424_every_truncation_of_a_line),
		T(test_pri_before_bsd_stamp),
		T(test_pri_before_rfc3339_stamp),
		T(test_pri_bounds),
		T(test_pri_invalid_is_none),
		T(test_pri_without_known_stamp_is_none),
		T(test_empty_and_null_line),
		T(test_only_whitespace),
		T(test_embedded_nul_bytes),
		T(test_one_megabyte_lines),
		T(test_invalid_utf8_is_ordinary_data),
		T(test_cr_at_end_of_line),
		T(test_mutated_lines_stay_in_bounds),
		T(test_tag_prog_with_pid),
		T(test_tag_prog_without_pid),
		T(test_tag_rejected_forms),
		T(test_tag_null_msg_clears_fields),
		T(test_tag_set_by_parse_for_bsd_and_rfc3339_only),
		T(test_time_bsd_same_day_in_utc),
		T(test_time_bsd_dec31_read_on_jan1_is_last_year),
		T(test_time_bsd_jan1_read_before_midnight_is_next_year),
		T(test_time_bsd_more_than_a_day_ahead_is_last_year),
		T(test_time_bsd_feb29_goes_back_to_a_leap_year),
		T(test_time_bsd_uses_local_zone_and_dst),
		T(test_time_rfc3339_offsets_give_the_same_instant),
		T(test_time_without_usable_stamp),
		T(test_time_record_with_year_but_no_zone_is_local),
		T(test_month_names),
		T(test_tag_pid_limits),
		T(test_time_year_decided_by_the_minute),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
