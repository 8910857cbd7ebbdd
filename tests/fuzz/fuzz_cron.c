/*
 * fuzz_cron — cron_parse on any text; on success cron_next from a few
 * fixed instants, in a time zone chosen by the input (UTC or one with
 * daylight saving).  Checks what cron.h promises: an error message on
 * failure; a firing strictly after 'after'; in UTC, a whole minute that
 * cron_match accepts with no matching minute before it (checked minute
 * by minute for up to three days), and "nothing within 5 years" only when
 * no day in those years has a matching month, day-of-month and
 * day-of-week; in the other zones, a matching local minute or the first
 * instant after a daylight-saving gap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue/cron.h"

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "CHECK failed: %s " \
	"(line %d)\n", #x, __LINE__); abort(); } } while (0)

#define MAXSPEC		1024
#define BRUTE_MINUTES	(3 * 24 * 60)

static const char *const zones[] = {
	"UTC", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago",
};

static const time_t afters[] = {
	0,
	1700000000,		/* 2023-11-14 22:13:20 UTC */
	1774744170,		/* 2026-03-29 00:29:30 UTC, Berlin springs forward */
	1792888230,		/* 2026-10-25 00:30:30 UTC, Berlin falls back */
	1709164799,		/* 2024-02-28 23:59:59 UTC, leap year */
	2147483000,		/* near 2038-01-19 */
	-86400 * 365L,		/* 1969 */
};

static const char *cur_zone;

static void
zone(const char *tz)
{
	if (cur_zone == tz)
		return;
	setenv("TZ", tz, 1);
	tzset();
	cur_zone = tz;
}

/* the day (month, day-of-month, day-of-week) part of cron_match */
static int
day_ok(const struct cron *c, const struct tm *tm)
{
	struct tm t = *tm;

	t.tm_hour = 0;
	t.tm_min = 0;
	while (t.tm_hour < 24 && !((c->hour >> t.tm_hour) & 1))
		t.tm_hour++;
	while (t.tm_min < 60 && !((c->minute >> t.tm_min) & 1))
		t.tm_min++;
	CHECK(t.tm_hour < 24 && t.tm_min < 60);	/* fields are never empty */
	return cron_match(c, &t);
}

static void
check_utc(const struct cron *c, time_t after, time_t next)
{
	struct tm tm;
	time_t t, stop;

	if (next != (time_t)-1) {
		CHECK(next % 60 == 0);
		CHECK(gmtime_r(&next, &tm) != NULL);
		CHECK(cron_match(c, &tm));
		/* no earlier matching minute */
		t = after - (after % 60 + 60) % 60 + 60;	/* next whole minute */
		stop = next < after + BRUTE_MINUTES * 60 ? next :
		    after + BRUTE_MINUTES * 60;
		for (; t < stop; t += 60) {
			CHECK(gmtime_r(&t, &tm) != NULL);
			if (cron_match(c, &tm)) {
				fprintf(stderr, "cron_next(%lld) = %lld, but "
				    "%lld matches\n", (long long)after,
				    (long long)next, (long long)t);
				abort();
			}
		}
		return;
	}
	/* nothing within 5 years: no matching day in the next 4 */
	for (t = after; t < after + 4 * 366 * 86400L; t += 86400) {
		CHECK(gmtime_r(&t, &tm) != NULL);
		if (day_ok(c, &tm)) {
			fprintf(stderr, "cron_next(%lld) = -1, but day %lld "
			    "matches\n", (long long)after, (long long)t);
			abort();
		}
	}
}

static long
gmtoff(time_t t)
{
	struct tm tm;

	CHECK(localtime_r(&t, &tm) != NULL);
	return tm.tm_gmtoff;
}

static void
check_local(const struct cron *c, time_t after, time_t next)
{
	struct tm tm;

	if (next == (time_t)-1)
		return;
	CHECK(localtime_r(&next, &tm) != NULL);
	if (tm.tm_sec == 0 && cron_match(c, &tm))
		return;
	/* else it must be the first instant after a gap */
	if (gmtoff(next - 1) >= gmtoff(next)) {
		fprintf(stderr, "cron_next(%lld) = %lld in %s: neither a "
		    "matching minute nor the end of a gap\n",
		    (long long)after, (long long)next, cur_zone);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char spec[MAXSPEC + 1], err[256];
	struct cron c;
	const char *tz;
	size_t i;
	time_t next;

	if (size > MAXSPEC)
		size = MAXSPEC;
	memcpy(spec, data, size);
	spec[size] = '\0';
	memset(err, 'x', sizeof(err));
	if (cron_parse(&c, spec, err, sizeof(err)) == -1) {
		CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
		return 0;
	}
	CHECK(c.minute != 0 && c.hour != 0 && c.mday != 0 && c.month != 0 &&
	    c.wday != 0);
	CHECK((c.minute >> 60) == 0 && (c.hour >> 24) == 0 &&
	    (c.mday & 1) == 0 && (c.month & 1) == 0 && (c.month >> 13) == 0 &&
	    (c.wday >> 7) == 0);

	/* the zone: from the input, so a crash reproduces */
	tz = zones[(size + (size ? data[0] : 0)) % (sizeof(zones) /
	    sizeof(zones[0]))];
	zone(tz);
	for (i = 0; i < sizeof(afters) / sizeof(afters[0]); i++) {
		next = cron_next(&c, afters[i]);
		CHECK(next == (time_t)-1 || next > afters[i]);
		if (tz == zones[0])
			check_utc(&c, afters[i], next);
		else
			check_local(&c, afters[i], next);
	}
	return 0;
}
