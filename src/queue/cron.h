/*
 * cron — cron schedule specs: parse, test a minute, find the next firing.
 *
 * Standard (Vixie) cron semantics, not tenshi's: five fields minute hour
 * day-of-month month day-of-week; items are "*", "N", "A-B", with an
 * optional "/STEP" on "*", "N" (= from N to the field's end) and ranges;
 * lists with ","; names jan..dec and sun..sat (case-insensitive); day of
 * week 0 and 7 are Sunday; when both day-of-month and day-of-week are
 * restricted (neither starts with "*") a day matches if EITHER matches.
 * "@hourly", "@daily" (= "@midnight"), "@weekly", "@monthly", "@yearly"
 * (= "@annually") are accepted.  Anything else is an error: junk after a
 * field, values out of range, A > B, a step of 0.
 */
#ifndef LOGWARD_CRON_H
#define LOGWARD_CRON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct cron {
	uint64_t	minute;		/* bit n = minute n (0..59) */
	uint32_t	hour;		/* bit n = hour n (0..23) */
	uint32_t	mday;		/* bit n = day n (1..31) */
	uint16_t	month;		/* bit n = month n (1..12) */
	uint8_t		wday;		/* bit n = weekday n (0..6, 0 = Sunday) */
	bool		mday_star;	/* day-of-month field started with '*' */
	bool		wday_star;	/* day-of-week field started with '*' */
};

/* Parses spec (the five fields or an @keyword, blanks between fields).
 * Returns 0, or -1 with a message in err (at most errlen bytes) saying
 * which field and item is wrong and why. */
int	cron_parse(struct cron *c, const char *spec, char *err, size_t errlen);

/* true when the broken-down local time tm (tm_min, tm_hour, tm_mday,
 * tm_mon, tm_wday used) is a firing minute of c. */
bool	cron_match(const struct cron *c, const struct tm *tm);

/* The first firing strictly after 'after' (seconds since the epoch), in
 * local time (TZ applies).  A wall-clock minute that occurs twice on a
 * day when clocks go back fires once (its first occurrence) for a job
 * with fixed hours, and in both occurrences for a job that runs every
 * hour (all 24 hour bits set), as Vixie cron does; a firing
 * whose wall-clock minute is skipped when clocks go forward fires once,
 * at the first instant after the gap (so a 02:30 job on a spring-forward
 * day runs once, at 03:00).  Returns (time_t)-1 if nothing fires within 5 years
 * (e.g. "0 0 31 2 *"). */
time_t	cron_next(const struct cron *c, time_t after);

#endif
