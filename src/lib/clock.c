/*
 * clock — wall clock with a test override (see clock.h).
 */
#include "lib/clock.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmem.h"

static char *test_file;		/* owned, NULL = real time */
static time_t test_last;	/* last value read (kept if the file is mid-write) */

void
clock_init(void)
{
	const char *p = getenv("LOGWARD_TEST_CLOCK");

	free(test_file);
	test_file = p != NULL && *p != '\0' ? xstrdup(p) : NULL;
	if (test_file != NULL)
		log_warnx("using the test clock in %s (LOGWARD_TEST_CLOCK)",
		    test_file);
}

bool
clock_is_test(void)
{
	return test_file != NULL;
}

time_t
clock_now(void)
{
	char buf[64], *end;
	ssize_t n;
	long long v;
	int fd;

	if (test_file == NULL)
		return time(NULL);
	fd = open(test_file, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return test_last ? test_last : time(NULL);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return test_last ? test_last : time(NULL);
	buf[n] = '\0';
	v = strtoll(buf, &end, 10);
	if (end != buf && (*end == '\0' || *end == '\n'))
		test_last = (time_t)v;
	return test_last ? test_last : time(NULL);
}

double
clock_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
