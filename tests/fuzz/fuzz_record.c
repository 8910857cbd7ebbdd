/*
 * fuzz_record — record_parse, record_parse_tag and record_time on any
 * line.  Besides the sanitizers, checks what record.h promises: every
 * field points into the line, REC_NONE leaves msg = the whole line, the
 * PRI fields agree, parsed RFC 3339/5424 stamps are in range; and that
 * the BSD parser accepts exactly what tenshi's prefix regex (plus "Mmm d")
 * accepts, with the same host (compared with PCRE2).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/match.h"
#include "input/record.h"

/* tenshi's prefix, plus a one-digit day after one blank (record.h) */
#define TENSHI_BSD "^[A-Z][a-z]{2}\\s(?:\\s\\d|\\d\\d|\\d)\\s\\d{2}:\\d{2}:" \
	"\\d{2}\\s(\\S+)\\s"

static pcre2_code *bsd_re;
static pcre2_match_data *md;

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static void
init(void)
{
	int ec;
	PCRE2_SIZE eo;

	/* a zone with daylight saving time, for record_time */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	bsd_re = pcre2_compile((PCRE2_SPTR)TENSHI_BSD, PCRE2_ZERO_TERMINATED,
	    0, &ec, &eo, NULL);
	CHECK(bsd_re != NULL);
	md = pcre2_match_data_create_from_pattern(bsd_re, NULL);
	CHECK(md != NULL);
}

/* p[0..n) lies inside line[0..len) (or p is NULL and n is 0) */
static int
inside(const char *p, size_t n, const char *line, size_t len)
{
	if (p == NULL)
		return n == 0;
	return p >= line && n <= len && (size_t)(p - line) <= len - n;
}

static void
check_fields(const struct record *r, const char *line, size_t len)
{
	CHECK(r->line == line || len == 0);
	CHECK(r->len == len);
	CHECK(inside(r->msg, r->msglen, line, len));
	CHECK(inside(r->host, r->hostlen, line, len));
	CHECK(inside(r->prog, r->proglen, r->msg, r->msglen) ||
	    r->format == REC_RFC5424);
	CHECK(inside(r->prog, r->proglen, line, len));
	CHECK(inside(r->procid, r->procidlen, line, len));
	CHECK(inside(r->msgid, r->msgidlen, line, len));
	CHECK(inside(r->sd, r->sdlen, line, len));
	CHECK(r->pri >= -1 && r->pri <= 191);
	if (r->pri < 0)
		CHECK(r->facility == -1 && r->severity == -1);
	else
		CHECK(r->facility == r->pri / 8 && r->severity == r->pri % 8);
	CHECK((r->prog == NULL) == (r->proglen == 0));
	CHECK(r->pid >= -1);
	switch (r->format) {
	case REC_NONE:
		CHECK(r->msg == r->line && r->msglen == len);
		CHECK(r->host == NULL && r->pri == -1);
		break;
	case REC_BSD:
		CHECK(r->host != NULL && r->hostlen > 0);
		CHECK(r->year == 0 && !r->has_tz);
		CHECK(r->mon >= 0 && r->mon <= 12);
		break;
	case REC_RFC3339:
		CHECK(r->host != NULL && r->hostlen > 0);
		/* fallthrough */
	case REC_RFC5424:
		if (r->has_tz) {
			CHECK(r->mon >= 1 && r->mon <= 12);
			CHECK(r->mday >= 1 && r->mday <= 31);
			CHECK(r->hour <= 23 && r->min <= 59 && r->sec <= 60);
			CHECK(r->nsec >= 0 && r->nsec < 1000000000L);
			CHECK(r->tzoff > -86400 && r->tzoff < 86400);
		}
		break;
	default:
		abort();
	}
}

/* BSD prefix: record_parse against the regex it claims to implement.
 * Only for lines without "<PRI>" that are not RFC 3339 (those are
 * tried first). */
static void
check_tenshi(const struct record *r, const char *line, size_t len)
{
	PCRE2_SIZE *ov;
	int rc;

	if (len > 0 && line[0] == '<')
		return;
	if (r->format == REC_RFC3339)
		return;
	rc = pcre2_match(bsd_re, (PCRE2_SPTR)(len ? line : ""), len, 0, 0, md,
	    NULL);
	CHECK(rc >= 0 || rc == PCRE2_ERROR_NOMATCH);
	if (rc < 0) {
		CHECK(r->format == REC_NONE);
		return;
	}
	CHECK(r->format == REC_BSD);
	ov = pcre2_get_ovector_pointer(md);
	CHECK(r->host == line + ov[2] && r->hostlen == ov[3] - ov[2]);
	CHECK(r->msg == line + ov[1]);
}

static void
check_time(const struct record *r)
{
	static const time_t nows[] = {
		1700000000,	/* 2023-11-14 */
		1774744200,	/* 2026-03-29 00:30 UTC, Berlin springs forward */
		1792888200,	/* 2026-10-25 00:30 UTC, Berlin falls back */
		1767225540,	/* 2025-12-31 23:59 UTC */
	};
	size_t i;
	time_t t;

	for (i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
		t = record_time(r, nows[i]);
		if (t == (time_t)-1)
			continue;
		CHECK(r->format != REC_NONE);
		/* a BSD stamp: this year or up to 8 back, at most a day ahead */
		if (r->year == 0 && !r->has_tz)
			CHECK(t <= nows[i] + 86400 + 3600 &&
			    t >= nows[i] - 10 * 366 * 86400L);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	const char *line = (const char *)data;
	struct record r, r2;

	if (!inited) {
		init();
		inited = 1;
	}
	record_parse(&r, line, size);
	check_fields(&r, line, size);
	check_tenshi(&r, line, size);
	check_time(&r);

	/* the tag parser alone, on the whole line as message */
	memset(&r2, 0, sizeof(r2));
	r2.line = r2.msg = line;
	r2.len = r2.msglen = size;
	record_parse_tag(&r2);
	CHECK(inside(r2.prog, r2.proglen, line, size));
	CHECK((r2.prog == NULL && r2.pid == -1) || r2.proglen > 0);

	if (size >= 3)
		CHECK(record_month(line) >= 0 && record_month(line) <= 12);
	return 0;
}
