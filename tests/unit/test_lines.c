/*
 * Unit tests for lines: splitting a byte stream into lines across read
 * boundaries (lines reads 256 KiB blocks), from a temp file and from a
 * pipe fed in odd chunk sizes; empty lines, CR and NUL bytes kept; the
 * last line without a newline; lines longer than max_line cut to max_line
 * with cut_from = their full length, also when they span several reads or
 * end the input without a newline.  Every case is checked against a
 * simple model of the expected lines, and the consumed offset after each
 * line is checked too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "input/lines.h"

#define BLOCK		(256 * 1024)	/* lines.c's read size */

static char	 tmpdir[64];

static int
setup_all(void **state)
{
	(void)state;
	if (tu_mkdtemp(tmpdir, sizeof(tmpdir), "lines") == -1)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int
teardown_all(void **state)
{
	(void)state;
	return tu_rmtree(tmpdir);
}

/* A growable byte string for building inputs. */
struct bytes {
	char	*p;
	size_t	 n, cap;
};

static void
add(struct bytes *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->n + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

/* Appends a line of len bytes (a pattern that depends on seed) and a
 * newline unless nl is false. */
static void
add_line(struct bytes *b, size_t len, unsigned seed, int nl)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = (char)('a' + (int)((i + seed) % 26));

		add(b, &c, 1);
	}
	if (nl)
		add(b, "\n", 1);
}

/* Fills a line up to an exact total size so that the NEXT line starts
 * at offset 'at'. */
static void
pad_to(struct bytes *b, size_t at, size_t max_line)
{
	assert_true(at > b->n);
	while (at - b->n > max_line + 1)
		add_line(b, max_line / 2, (unsigned)b->n, 1);
	add_line(b, at - b->n - 1, (unsigned)b->n, 1);
	assert_int_equal(b->n, at);
}

/* Checks the lines delivered from fd against data[0..n) split by hand. */
static void
check_fd(int fd, const char *data, size_t n, size_t max_line)
{
	struct lines l;
	const char *line;
	size_t len, cut, pos = 0, nlines = 0;
	int rc;

	lines_init(&l, fd, max_line);
	while (pos < n) {
		const char *nl = memchr(data + pos, '\n', n - pos);
		size_t full = nl != NULL ? (size_t)(nl - (data + pos)) : n - pos;
		size_t want = full > max_line ? max_line : full;
		size_t next = nl != NULL ? pos + full + 1 : n;

		rc = lines_next(&l, &line, &len, &cut);
		if (rc != 1)
			fail_msg("line %zu at offset %zu: lines_next returned %d",
			    nlines, pos, rc);
		if (len != want || cut != (full > max_line ? full : 0))
			fail_msg("line %zu at offset %zu: len %zu cut_from %zu, "
			    "want len %zu cut_from %zu", nlines, pos, len, cut,
			    want, full > max_line ? full : (size_t)0);
		if (want > 0 && memcmp(line, data + pos, want) != 0)
			fail_msg("line %zu at offset %zu: wrong content", nlines,
			    pos);
		if ((size_t)l.offset != next)
			fail_msg("line %zu at offset %zu: offset %lld, want %zu",
			    nlines, pos, (long long)l.offset, next);
		pos = next;
		nlines++;
	}
	assert_int_equal(lines_next(&l, &line, &len, &cut), 0);
	/* end of file stays end of file */
	assert_int_equal(lines_next(&l, &line, &len, &cut), 0);
	assert_int_equal((size_t)l.offset, n);
	lines_free(&l);
}

/* Through a regular temp file. */
static void
check_file(const struct bytes *b, size_t max_line)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/input", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->p, b->n), (ssize_t)b->n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	check_fd(fd, b->p, b->n, max_line);
	close(fd);
	unlink(path);
}

/* Through a pipe written by a child in chunks of the given sizes (cycled),
 * so that reads end at many different places. */
static void
check_pipe(const struct bytes *b, size_t max_line, const size_t *chunks,
    size_t nchunks)
{
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t pos = 0, i = 0;

		close(fds[0]);
		while (pos < b->n) {
			size_t k = chunks[i++ % nchunks];
			ssize_t w;

			if (k > b->n - pos)
				k = b->n - pos;
			w = write(fds[1], b->p + pos, k);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				_exit(1);
			pos += (size_t)w;
			if (i % 3 == 0)
				usleep(200);	/* let the reader drain */
		}
		_exit(0);
	}
	close(fds[1]);
	check_fd(fds[0], b->p, b->n, max_line);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static const size_t odd_chunks[] = { 1, 4093, 7, 65536, 100000, 3, 262144, 13 };

static void
check_both(const struct bytes *b, size_t max_line)
{
	check_file(b, max_line);
	check_pipe(b, max_line, odd_chunks, sizeof(odd_chunks) /
	    sizeof(odd_chunks[0]));
}

/* ---- tests ---- */

static void
test_simple_lines(void **state)
{
	struct bytes b = { 0 };

	(void)state;
	add(&b, "one\ntwo\nthree\n", 14);
	check_both(&b, 65536);
	free(b.p);
}

static void
test_exact_lines_from_file(void **state)
{
	struct lines l;
	const char *line;
	size_t len, cut;
	char path[128];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/input", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a\n\nb c\r\nlast", 12), 12);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	lines_init(&l, fd, 65536);
	assert_int_equal(lines_next(&l, &line, &len, &cut), 1);
	assert_int_equal(len, 1);
	assert_memory_equal(line, "a", 1);
	assert_int_equal(cut, 0);
	assert_int_equal(lines_next(&l, &line, &len, &cut), 1);
	assert_int_equal(len, 0);			/* empty line */
	assert_int_equal(cut, 0);
	assert_int_equal(lines_next(&l, &line, &len, &cut), 1);
	assert_int_equal(len, 4);			/* CR kept */
	assert_memory_equal(line, "b c\r", 4);
	assert_int_equal(lines_next(&l, &line, &len, &cut), 1);
	assert_int_equal(len, 4);			/* no newline at the end */
	assert_memory_equal(line, "last", 4);
	assert_int_equal(cut, 0);
	assert_int_equal(l.offset, 12);
	assert_int_equal(lines_next(&l, &line, &len, &cut), 0);
	lines_free(&l);
	close(fd);
	unlink(path);
}

static void
test_empty_input(void **state)
{
	struct bytes b = { 0 };

	(void)state;
	check_both(&b, 65536);
}

static void
test_only_newlines(void **state)
{
	struct bytes b = { 0 };

	(void)state;
	add(&b, "\n\n\n", 3);
	check_both(&b, 65536);
	free(b.p);
}

static void
test_last_line_without_newline(void **state)
{
	struct bytes b = { 0 };

	(void)state;
	add(&b, "first\nsecond", 12);
	check_both(&b, 65536);
	free(b.p);
}

static void
test_cr_and_nul_bytes_kept(void **state)
{
	struct bytes b = { 0 };
	static const char data[] = "a\0b\r\n\0\n\r\r\nx\0\0y\0\n\0";

	(void)state;
	add(&b, data, sizeof(data) - 1);
	check_both(&b, 65536);
	free(b.p);
}

static void
test_many_lines_across_read_boundaries(void **state)
{
	struct bytes b = { 0 };
	size_t i;

	(void)state;
	/* about 3 MiB of lines of every length 0..700 */
	for (i = 0; b.n < 3 * 1024 * 1024; i++)
		add_line(&b, (i * 37) % 701, (unsigned)i, 1);
	check_both(&b, 65536);
	/* the same with a small cap, so many lines are cut */
	check_both(&b, 256);
	free(b.p);
}

static void
test_line_straddling_first_read_end(void **state)
{
	size_t max_line = 256, first = max_line + BLOCK;	/* first read */
	long d;

	(void)state;
	/* a line that ends (newline) just before, at, and just after the end
	 * of the first read, and one that starts there */
	for (d = -3; d <= 3; d++) {
		struct bytes b = { 0 };

		pad_to(&b, (size_t)((long)first - 100 + d), max_line);
		add_line(&b, 99, 1, 1);		/* ends around 'first' */
		add_line(&b, 10, 2, 1);
		check_file(&b, max_line);
		free(b.p);
	}
	for (d = -3; d <= 3; d++) {
		struct bytes b = { 0 };

		pad_to(&b, (size_t)((long)first + d), max_line);
		add_line(&b, 50, 3, 1);		/* starts around 'first' */
		add_line(&b, 0, 0, 1);
		add_line(&b, 7, 4, 0);
		check_file(&b, max_line);
		free(b.p);
	}
}

static void
test_long_line_straddling_read_end(void **state)
{
	size_t max_line = 256, first = max_line + BLOCK;
	static const size_t before[] = { 1000, 998, 258, 257, 256, 255, 100, 1 };
	static const size_t lens[] = { 257, 999, 1000, 1001, 300000 };
	size_t i, j;

	(void)state;
	/* a line longer than max_line starting at various distances before
	 * the end of the first read, ending before, at, just after and far
	 * after that end */
	for (i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			struct bytes b = { 0 };

			pad_to(&b, first - before[i], max_line);
			add_line(&b, lens[j], 5, 1);
			add_line(&b, 20, 6, 1);
			add_line(&b, lens[j], 7, 0);
			check_file(&b, max_line);
			free(b.p);
		}
	}
}

static void
test_exactly_max_line_not_cut(void **state)
{
	struct bytes b = { 0 };

	(void)state;
	add_line(&b, 256, 0, 1);
	add_line(&b, 257, 1, 1);
	add_line(&b, 255, 2, 1);
	add_line(&b, 256, 3, 0);
	check_both(&b, 256);
	free(b.p);
}

static void
test_long_line_cut_next_line_intact(void **state)
{
	struct bytes b = { 0 };

	(void)state;
	add_line(&b, 10, 0, 1);
	add_line(&b, 70000, 1, 1);
	add_line(&b, 12, 2, 1);
	add_line(&b, 65536, 3, 1);
	add_line(&b, 65537, 4, 1);
	add_line(&b, 5, 5, 1);
	check_both(&b, 65536);
	free(b.p);
}

static void
test_long_line_over_several_reads(void **state)
{
	struct bytes b = { 0 };

	(void)state;
	/* 1.5 MiB line: several 256 KiB reads after the head is kept */
	add_line(&b, 3, 0, 1);
	add_line(&b, 1536 * 1024 + 17, 1, 1);
	add_line(&b, 9, 2, 1);
	add_line(&b, 1024 * 1024, 3, 1);	/* a second one right after */
	add_line(&b, 4, 4, 0);
	check_both(&b, 65536);
	check_both(&b, 256);
	free(b.p);
}

static void
test_long_last_line_without_newline(void **state)
{
	struct bytes b = { 0 };

	(void)state;
	add_line(&b, 5, 0, 1);
	add_line(&b, 70000, 1, 0);		/* fits one read, no newline */
	check_both(&b, 65536);
	free(b.p);

	memset(&b, 0, sizeof(b));
	add_line(&b, 5, 0, 1);
	add_line(&b, 800 * 1024, 2, 0);		/* several reads, no newline */
	check_both(&b, 65536);
	free(b.p);

	memset(&b, 0, sizeof(b));
	add_line(&b, 300, 3, 0);		/* the only line */
	check_both(&b, 256);
	free(b.p);
}

static void
test_long_line_with_nul_and_cr(void **state)
{
	struct bytes b = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++)
		add(&b, i % 3 ? "\0" : "\r", 1);
	add(&b, "\n\0tail\r\n", 8);
	check_both(&b, 256);
	free(b.p);
}

static void
test_cut_line_content_is_its_head(void **state)
{
	struct lines l;
	const char *line;
	size_t len, cut;
	int fds[2];
	pid_t pid;
	int status;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static char big[600 * 1024];

		close(fds[0]);
		memset(big, 'x', sizeof(big));
		memcpy(big, "HEAD", 4);
		big[sizeof(big) - 1] = '\n';
		if (write(fds[1], big, sizeof(big)) != (ssize_t)sizeof(big) ||
		    write(fds[1], "next\n", 5) != 5)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	lines_init(&l, fds[0], 1000);
	assert_int_equal(lines_next(&l, &line, &len, &cut), 1);
	assert_int_equal(len, 1000);
	assert_int_equal(cut, 600 * 1024 - 1);
	assert_memory_equal(line, "HEADxxxx", 8);
	assert_int_equal(lines_next(&l, &line, &len, &cut), 1);
	assert_int_equal(len, 4);
	assert_memory_equal(line, "next", 4);
	assert_int_equal(cut, 0);
	assert_int_equal(lines_next(&l, &line, &len, &cut), 0);
	lines_free(&l);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
test_byte_at_a_time_pipe(void **state)
{
	struct bytes b = { 0 };
	static const size_t one[] = { 1 };

	(void)state;
	add(&b, "ab\n\ncd\r\n", 8);
	add_line(&b, 300, 1, 1);
	add(&b, "e\0f", 3);
	check_pipe(&b, 256, one, 1);
	free(b.p);
}

static void
test_read_error(void **state)
{
	struct lines l;
	const char *line;
	size_t len, cut;
	int fd;

	(void)state;
	fd = open("/", O_RDONLY | O_DIRECTORY);	/* read() gives EISDIR */
	assert_true(fd >= 0);
	lines_init(&l, fd, 256);
	errno = 0;
	assert_int_equal(lines_next(&l, &line, &len, &cut), -1);
	assert_int_equal(errno, EISDIR);
	lines_free(&l);
	close(fd);
}

#define T(f)	cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_simple_lines),
		T(test_exact_lines_from_file),
		T(test_empty_input),
		T(test_only_newlines),
		T(test_last_line_without_newline),
		T(test_cr_and_nul_bytes_kept),
		T(test_many_lines_across_read_boundaries),
		T(test_line_straddling_first_read_end),
		T(test_long_line_straddling_read_end),
		T(test_exactly_max_line_not_cut),
		T(test_long_line_cut_next_line_intact),
		T(test_long_line_over_several_reads),
		T(test_long_last_line_without_newline),
		T(test_long_line_with_nul_and_cr),
		T(test_cut_line_content_is_its_head),
		T(test_byte_at_a_time_pipe),
		T(test_read_error),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
