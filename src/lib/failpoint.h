/*
 * failpoint — named crash points for the exactly-once tests.  When the
 * environment variable LOGWARD_TEST_FAILPOINT equals a point's name, the
 * process kills itself with SIGKILL there, as a power cut or `kill -9`
 * would, so a test can stop a one-shot run at every step of its commit
 * without racing it.  Never set it in production.
 */
#ifndef LOGWARD_FAILPOINT_H
#define LOGWARD_FAILPOINT_H

/* Kills the process (SIGKILL) when LOGWARD_TEST_FAILPOINT is name
 * (borrowed); returns otherwise. */
void	failpoint_check(const char *name);

#endif
