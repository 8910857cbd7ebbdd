/*
 * Unit tests for progress (the progress line of one-shot runs): percent
 * and time left for plain files of known size, lines and megabytes when
 * the size is unknown (stdin, compressed), no drawing before it is due,
 * the erase at the end, and nothing at all when off.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/progress.h"

static char dir[256];

static int
setup(void **state)
{
	(void)state;
	return tu_mkdtemp(dir, sizeof(dir), "progress");
}

static int
teardown(void **state)
{
	(void)state;
	return tu_rmtree(dir);
}

static void
write_file(const char *name, const char *data, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* What was written to fd from the start. */
static char *
slurp(int fd)
{
	static char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static int
out_fd(const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	return fd;
}

/* Makes the next check due: the run started 10 s ago, the last drawing
 * as long ago. */
static void
age(struct progress *p)
{
	p->start.tv_sec -= 10;
	p->last.tv_sec -= 10;
	p->next = 0;
}

static void
test_percent(void **state)
{
	struct progress p;
	char path[512], big[1000];
	int fd = out_fd("out1"), i;

	(void)state;
	memset(big, 'x', sizeof(big));
	write_file("a.log", big, sizeof(big));
	snprintf(path, sizeof(path), "%s/a.log", dir);
	progress_init(&p, PROGRESS_ON, fd);
	progress_add_file(&p, path);
	assert_true(p.sized);
	assert_int_equal(p.total, 1000);
	for (i = 0; i < 4; i++)
		progress_line(&p, 99);		/* 400 bytes with newlines */
	/* not due yet: nothing drawn */
	assert_string_equal(slurp(fd), "");
	age(&p);
	progress_line(&p, 99);			/* 500 of 1000 bytes */
	/* half read in 10 s: 10 s left, 5 lines in 10 s */
	assert_non_null(strstr(slurp(fd), "\r 50.0%  5 lines  0 lines/s  "
	    "0:10 left\033[K"));
	progress_end(&p);
	{
		const char *s = slurp(fd);
		size_t n = strlen(s);

		assert_true(n > 4);
		assert_string_equal(s + n - 4, "\r\033[K");
	}
	close(fd);
}

static void
test_unsized(void **state)
{
	struct progress p;
	char path[512];
	int fd = out_fd("out2"), i;
	unsigned char gz[2] = { 0x1f, 0x8b };

	(void)state;
	write_file("b.gz", (const char *)gz, 2);
	snprintf(path, sizeof(path), "%s/b.gz", dir);
	progress_init(&p, PROGRESS_ON, fd);
	progress_add_file(&p, path);
	assert_false(p.sized);		/* compressed: read size unknown */
	for (i = 0; i < 2000; i++)
		progress_line(&p, 999);	/* 2 MB */
	age(&p);
	progress_line(&p, 999);
	assert_non_null(strstr(slurp(fd), "\r2001 lines  2.0 MB  200 lines/s"
	    "\033[K"));
	progress_end(&p);
	close(fd);

	progress_init(&p, PROGRESS_ON, -1);
	progress_add_file(&p, "-");
	assert_false(p.sized);
}

static void
test_off(void **state)
{
	struct progress p;
	int fd = out_fd("out3"), i;

	(void)state;
	/* a regular file is not a terminal: auto is off */
	progress_init(&p, PROGRESS_AUTO, fd);
	assert_false(p.on);
	progress_init(&p, PROGRESS_OFF, fd);
	for (i = 0; i < 10000; i++)
		progress_line(&p, 10);
	age(&p);
	progress_line(&p, 10);
	progress_end(&p);
	assert_string_equal(slurp(fd), "");
	progress_line(NULL, 10);	/* no progress at all: fine */
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_unsized),
		cmocka_unit_test(test_off),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
