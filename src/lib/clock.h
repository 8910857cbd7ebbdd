/*
 * clock — the daemon's wall clock.  Normally time(2).  For tests only:
 * when the environment variable LOGWARD_TEST_CLOCK names a file, the time
 * is the number (seconds since the epoch) written in that file, so a test
 * can move the clock forward to a cron firing without waiting.  The
 * daemon then also wakes up every 200 ms to notice the change.
 */
#ifndef LOGWARD_CLOCK_H
#define LOGWARD_CLOCK_H

#include <stdbool.h>
#include <time.h>

/* Reads LOGWARD_TEST_CLOCK once; call at start-up. */
void	clock_init(void);
/* Current wall-clock time (the test clock when one is set). */
time_t	clock_now(void);
/* true when a test clock is in use. */
bool	clock_is_test(void);
/* Monotonic seconds, for intervals that must not follow the wall clock. */
double	clock_mono(void);

#endif
