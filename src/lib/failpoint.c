/*
 * failpoint — named crash points for tests (see failpoint.h).
 */
#include "lib/failpoint.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
failpoint_check(const char *name)
{
	const char *want = getenv("LOGWARD_TEST_FAILPOINT");

	if (want == NULL || strcmp(want, name) != 0)
		return;
	/* SIGKILL cannot be caught: nothing after this point runs */
	kill(getpid(), SIGKILL);
	_exit(137);
}
