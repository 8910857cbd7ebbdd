/*
 * Unit tests for in_file, the rotation-aware tailer, on real files in a
 * temp directory with a fake clock: appending and polling; a partial last
 * line waiting for partial_timeout; lines cut at max_line (also across
 * polls and across a restart); start_at_end; a file that appears later;
 * an unreadable path; rename rotation while running with lines appended
 * to the old file after the rename; copytruncate while running with lines
 * written just before the copy, with and without the copy; restarts from
 * a saved position after no change, more lines, a rename (.1), two
 * rotations with delaycompress (.2.gz + .1), immediate compression
 * (.1.gz), dateext (-YYYYMMDD, -YYYY-MM-DD.gz), copytruncate while
 * stopped, the saved file gone, a recycled inode; and a kill-style
 * simulation per rotation style: numbered lines, random polls with small
 * caps, random checkpoints, kills (lines since the checkpoint forgotten)
 * and rotations while running and while stopped — the committed sequence
 * must be exactly 1..N.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#include "input/in_file.h"
#include "lib/log.h"

static int trace;	/* IN_FILE_TRACE=1: print the simulation's steps */

#define TRACE(...)	do { if (trace) print_message(__VA_ARGS__); } while (0)

static char	 tmpdir[64];
static int	 ncase;

static int
setup_all(void **state)
{
	(void)state;
	return tu_mkdtemp(tmpdir, sizeof(tmpdir), "in_file");
}

static int
teardown_all(void **state)
{
	(void)state;
	return tu_rmtree(tmpdir);
}

/* A fresh directory for one test; path = DIR/app.log. */
static void
newdir(char *path, size_t size)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/c%d", tmpdir, ++ncase);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, size, "%s/app.log", dir);
}

/* ---- collected lines ---- */

/* Checks that g holds exactly the given lines (NULL-terminated), then
 * empties it. */
static void
expect(struct got *g, ...)
{
	va_list ap;
	const char *s;
	size_t i = 0;

	va_start(ap, g);
	while ((s = va_arg(ap, const char *)) != NULL) {
		if (i >= g->n)
			fail_msg("line %zu: missing, want \"%s\"", i, s);
		if (strcmp(g->line[i], s) != 0)
			fail_msg("line %zu: \"%s\", want \"%s\"", i, g->line[i], s);
		i++;
	}
	va_end(ap);
	if (i != g->n)
		fail_msg("%zu lines, want %zu (extra: \"%s\")", g->n, i, g->line[i]);
	got_reset(g);
}

/* Checks that g holds exactly "line A" .. "line B", then empties it. */
static void
expect_range(struct got *g, int a, int b)
{
	char want[64];
	size_t i;

	if (g->n != (size_t)(b - a + 1)) {
		for (i = 0; i < g->n; i++)
			print_message("  got: %s\n", g->line[i]);
		fail_msg("%zu lines, want %d (line %d..%d)", g->n, b - a + 1, a, b);
	}
	for (i = 0; i < g->n; i++) {
		snprintf(want, sizeof(want), "line %d", a + (int)i);
		if (strcmp(g->line[i], want) != 0)
			fail_msg("line %zu: \"%s\", want \"%s\"", i, g->line[i], want);
	}
	got_reset(g);
}

/* ---- files ---- */

static void
put(const char *path, int flags, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void
append(const char *path, const char *s)
{
	put(path, O_APPEND, s, strlen(s));
}

/* Appends "line A\n" .. "line B\n". */
static void
lines(const char *path, int a, int b)
{
	char s[64];

	for (; a <= b; a++) {
		snprintf(s, sizeof(s), "line %d\n", a);
		append(path, s);
	}
}

static void
sfx(char *out, size_t size, const char *path, const char *suffix)
{
	assert_true((size_t)snprintf(out, size, "%s%s", path, suffix) < size);
}

static void
mv(const char *path, const char *from, const char *to)
{
	char a[256], b[256];

	sfx(a, sizeof(a), path, from);
	sfx(b, sizeof(b), path, to);
	assert_int_equal(rename(a, b), 0);
}

/* Copies path+from to path+to (copytruncate's copy). */
static void
cp(const char *path, const char *from, const char *to)
{
	char a[256], b[256], buf[65536];
	int in, out;
	ssize_t n;

	sfx(a, sizeof(a), path, from);
	sfx(b, sizeof(b), path, to);
	in = open(a, O_RDONLY);
	assert_true(in >= 0);
	out = open(b, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

/* gzip path+from into path+from".gz" and removes path+from. */
static void
gz(const char *path, const char *from)
{
	char a[256], b[256], buf[65536];
	gzFile z;
	ssize_t n;
	int in;

	sfx(a, sizeof(a), path, from);
	assert_true((size_t)snprintf(b, sizeof(b), "%s.gz", a) < sizeof(b));
	in = open(a, O_RDONLY);
	assert_true(in >= 0);
	z = gzopen(b, "wb");
	assert_non_null(z);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(gzwrite(z, buf, (unsigned)n), n);
	assert_int_equal(gzclose(z), Z_OK);
	close(in);
	assert_int_equal(unlink(a), 0);
}

static void
create(const char *path)
{
	put(path, O_TRUNC, "", 0);
}

static int
poll_all(struct in_file *f, time_t now, struct got *g)
{
	int rc;

	while ((rc = in_file_poll(f, now, 0, got_fn, g)) == 1)
		;
	return rc;
}

static const struct in_file_opts opts = {
	.max_line = 4096, .start_at_end = false,
	.partial_timeout = 5, .rotate_grace = 10,
};

/* Saves f's position in s and frees f (a clean stop). */
static void
stop(struct in_file *f, struct in_file_save *s)
{
	in_file_save(f, s);
	in_file_free(f);
}

/* ---- running ---- */

static void
test_append_and_poll(void **state)
{
	char path[256];
	struct got g = { 0 };
	struct in_file *f;
	struct in_file_save s;
	struct in_file_stats st;

	(void)state;
	newdir(path, sizeof(path));
	lines(path, 1, 3);
	f = in_file_new(path, &opts, NULL);
	assert_string_equal(in_file_path(f), path);
	assert_int_equal(poll_all(f, 100, &g), 0);
	expect_range(&g, 1, 3);
	assert_int_equal(poll_all(f, 101, &g), 0);
	assert_int_equal(g.n, 0);
	lines(path, 4, 5);
	assert_int_equal(poll_all(f, 102, &g), 0);
	expect_range(&g, 4, 5);
	/* the cap: one line per call, 1 while more is pending */
	lines(path, 6, 8);
	assert_int_equal(in_file_poll(f, 103, 1, got_fn, &g), 1);
	expect_range(&g, 6, 6);
	assert_int_equal(in_file_poll(f, 103, 2, got_fn, &g), 1);
	expect_range(&g, 7, 8);
	assert_int_equal(in_file_poll(f, 103, 2, got_fn, &g), 0);
	assert_int_equal(g.n, 0);
	in_file_save(f, &s);
	assert_true(s.cur.valid);
	assert_false(s.old.valid);
	assert_int_equal(s.cur.offset, 8 * 7);
	assert_int_equal(s.cur.tail_len, 8 * 7);
	assert_int_equal(s.cur.head_len, 8 * 7);
	in_file_stats(f, &st);
	assert_int_equal(st.state, IN_FILE_READING);
	assert_null(st.error);
	assert_int_equal(st.lines, 8);
	assert_int_equal(st.bytes, 8 * 7);
	assert_int_equal(st.offset, 8 * 7);
	assert_int_equal(st.size, 8 * 7);
	assert_int_equal(st.rotations, 0);
	in_file_free(f);
	got_free(&g);
}

static void
test_binary_bytes_kept(void **state)
{
	char path[256];
	struct got g = { 0 };
	struct in_file *f;

	(void)state;
	newdir(path, sizeof(path));
	put(path, O_TRUNC, "a\0b\r\n\n", 6);
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(poll_all(f, 1, &g), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.len[0], 4);
	assert_memory_equal(g.line[0], "a\0b\r", 4);
	assert_int_equal(g.len[1], 0);
	in_file_free(f);
	got_free(&g);
}

static void
test_partial_line_waits_then_timeout(void **state)
{
	char path[256];
	struct got g = { 0 };
	struct in_file *f;
	struct in_file_save s;

	(void)state;
	newdir(path, sizeof(path));
	append(path, "one\nabc");
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	expect(&g, "one", NULL);
	assert_int_equal(poll_all(f, 3, &g), 0);
	assert_int_equal(g.n, 0);
	append(path, "def");		/* grew at t=4: the clock restarts */
	assert_int_equal(poll_all(f, 4, &g), 0);
	assert_int_equal(poll_all(f, 8, &g), 0);
	assert_int_equal(g.n, 0);
	in_file_save(f, &s);
	assert_int_equal(s.cur.offset, 4);	/* the partial is not consumed */
	assert_int_equal(poll_all(f, 9, &g), 0);
	expect(&g, "abcdef", NULL);
	in_file_save(f, &s);
	assert_int_equal(s.cur.offset, 10);
	append(path, "ghi\nnext\n");	/* the rest is a new line */
	assert_int_equal(poll_all(f, 10, &g), 0);
	expect(&g, "ghi", "next", NULL);
	/* a newline in time: one line */
	append(path, "par");
	assert_int_equal(poll_all(f, 11, &g), 0);
	append(path, "tial\n");
	assert_int_equal(poll_all(f, 15, &g), 0);
	expect(&g, "partial", NULL);
	in_file_free(f);
	got_free(&g);
}

static void
test_max_line_cut(void **state)
{
	struct in_file_opts o = opts;
	char path[256], big[64];
	struct got g = { 0 };
	struct in_file *f;
	struct in_file_save s;
	struct in_file_stats st;

	(void)state;
	o.max_line = 10;
	newdir(path, sizeof(path));
	append(path, "0123456789abcdefghijklmno\nshort\n0123456789\n");
	f = in_file_new(path, &o, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.len[0], 10);
	assert_int_equal(g.cut[0], 25);
	assert_string_equal(g.line[0], "0123456789");
	assert_string_equal(g.line[1], "short");
	assert_int_equal(g.cut[1], 0);
	assert_string_equal(g.line[2], "0123456789");	/* exactly max_line */
	assert_int_equal(g.cut[2], 0);
	got_reset(&g);
	/* a long line arriving over several polls, saved in the middle */
	append(path, "ABCDEFGHIJKLMNO");
	assert_int_equal(poll_all(f, 1, &g), 0);
	assert_int_equal(g.n, 0);
	in_file_save(f, &s);
	assert_int_equal(s.cur.offset, 25 + 1 + 6 + 11);
	append(path, "PQRSTUVWXY\nz\n");
	assert_int_equal(poll_all(f, 2, &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.line[0], "ABCDEFGHIJ");
	assert_int_equal(g.cut[0], 25);
	assert_string_equal(g.line[1], "z");
	got_reset(&g);
	in_file_stats(f, &st);
	assert_int_equal(st.cut_lines, 2);
	in_file_free(f);
	/* resumed from the save taken inside the long line: delivered once */
	f = in_file_new(path, &o, &s);
	assert_int_equal(poll_all(f, 3, &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.line[0], "ABCDEFGHIJ");
	assert_int_equal(g.cut[0], 25);
	got_reset(&g);
	/* a cut line without newline: delivered after partial_timeout */
	memset(big, 'x', 30);
	big[30] = '\0';
	append(path, big);
	assert_int_equal(poll_all(f, 10, &g), 0);
	assert_int_equal(g.n, 0);
	in_file_save(f, &s);
	assert_int_equal(poll_all(f, 15, &g), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], 10);
	assert_int_equal(g.cut[0], 30);
	got_reset(&g);
	append(path, "yy\n");
	assert_int_equal(poll_all(f, 16, &g), 0);
	expect(&g, "yy", NULL);
	in_file_free(f);
	/* a big line (several reads) and a resume from inside it */
	o.max_line = 100;
	newdir(path, sizeof(path));
	{
		size_t n = 3 * 256 * 1024 + 17;
		char *p = malloc(n + 1);

		assert_non_null(p);
		memset(p, 'q', n);
		p[n] = '\n';
		put(path, O_TRUNC, p, n + 1);
		append(path, "after\n");
		f = in_file_new(path, &o, NULL);
		assert_int_equal(poll_all(f, 0, &g), 0);
		assert_int_equal(g.n, 2);
		assert_int_equal(g.len[0], 100);
		assert_int_equal(g.cut[0], n);
		assert_string_equal(g.line[1], "after");
		got_reset(&g);
		in_file_free(f);
		free(p);
	}
	got_free(&g);
}

static void
test_start_at_end(void **state)
{
	struct in_file_opts o = opts;
	char path[256];
	struct got g = { 0 };
	struct in_file *f;

	(void)state;
	o.start_at_end = true;
	newdir(path, sizeof(path));
	lines(path, 1, 3);
	f = in_file_new(path, &o, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	assert_int_equal(g.n, 0);
	lines(path, 4, 5);
	assert_int_equal(poll_all(f, 1, &g), 0);
	expect_range(&g, 4, 5);
	in_file_free(f);
	/* a last line being written is delivered whole */
	newdir(path, sizeof(path));
	append(path, "old\npar");
	f = in_file_new(path, &o, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	append(path, "tial\n");
	assert_int_equal(poll_all(f, 1, &g), 0);
	expect(&g, "partial", NULL);
	in_file_free(f);
	/* start_at_end does not apply to a file created later */
	newdir(path, sizeof(path));
	f = in_file_new(path, &o, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	lines(path, 1, 2);
	assert_int_equal(poll_all(f, 1, &g), 0);
	expect_range(&g, 1, 2);
	in_file_free(f);
	got_free(&g);
}

static void
test_missing_file_appears(void **state)
{
	char path[256];
	struct got g = { 0 };
	struct in_file *f;
	struct in_file_stats st;
	struct in_file_save s;

	(void)state;
	newdir(path, sizeof(path));
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	in_file_stats(f, &st);
	assert_int_equal(st.state, IN_FILE_WAITING);
	in_file_save(f, &s);
	assert_false(s.cur.valid);
	lines(path, 1, 2);
	assert_int_equal(poll_all(f, 1, &g), 0);
	expect_range(&g, 1, 2);
	in_file_stats(f, &st);
	assert_int_equal(st.state, IN_FILE_READING);
	/* deleted: waits, then a new file is read from its start */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(poll_all(f, 2, &g), 0);
	assert_int_equal(poll_all(f, 20, &g), 0);
	in_file_stats(f, &st);
	assert_int_equal(st.state, IN_FILE_WAITING);
	assert_false(st.draining);
	lines(path, 3, 4);
	assert_int_equal(poll_all(f, 21, &g), 0);
	expect_range(&g, 3, 4);
	in_file_free(f);
	got_free(&g);
}

static void
test_unreadable_path(void **state)
{
	char path[256];
	struct got g = { 0 };
	struct in_file *f;
	struct in_file_stats st;

	(void)state;
	/* a directory at the path: an error kept for status, then recovery */
	newdir(path, sizeof(path));
	assert_int_equal(mkdir(path, 0755), 0);
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(in_file_poll(f, 0, 0, got_fn, &g), -1);
	assert_int_equal(in_file_poll(f, 1, 0, got_fn, &g), -1);
	in_file_stats(f, &st);
	assert_int_equal(st.state, IN_FILE_ERROR);
	assert_non_null(st.error);
	assert_int_equal(rmdir(path), 0);
	lines(path, 1, 2);
	assert_int_equal(poll_all(f, 2, &g), 0);
	expect_range(&g, 1, 2);
	in_file_stats(f, &st);
	assert_int_equal(st.state, IN_FILE_READING);
	assert_null(st.error);
	in_file_free(f);
	/* permission denied (not testable as root) */
	if (geteuid() != 0) {
		newdir(path, sizeof(path));
		lines(path, 1, 2);
		assert_int_equal(chmod(path, 0), 0);
		f = in_file_new(path, &opts, NULL);
		assert_int_equal(in_file_poll(f, 0, 0, got_fn, &g), -1);
		in_file_stats(f, &st);
		assert_int_equal(st.state, IN_FILE_ERROR);
		assert_non_null(strstr(st.error, "ermission"));
		assert_int_equal(chmod(path, 0644), 0);
		assert_int_equal(poll_all(f, 1, &g), 0);
		expect_range(&g, 1, 2);
		in_file_free(f);
	}
	got_free(&g);
}

static void
test_rename_rotation_running(void **state)
{
	char path[256], one[256];
	struct got g = { 0 };
	struct in_file *f;
	struct in_file_save s;
	struct in_file_stats st;

	(void)state;
	newdir(path, sizeof(path));
	sfx(one, sizeof(one), path, ".1");
	lines(path, 1, 3);
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	expect_range(&g, 1, 3);
	lines(path, 4, 4);
	mv(path, "", ".1");
	create(path);
	lines(one, 5, 5);		/* the writer is late */
	assert_int_equal(poll_all(f, 1, &g), 0);
	expect_range(&g, 4, 5);
	in_file_stats(f, &st);
	assert_true(st.draining);
	assert_int_equal(st.rotations, 1);
	in_file_save(f, &s);
	assert_true(s.old.valid);
	assert_true(s.cur.valid);
	assert_int_equal(s.cur.offset, 0);
	lines(path, 100, 101);
	lines(one, 6, 6);
	append(one, "last");		/* no newline: delivered at the end */
	assert_int_equal(poll_all(f, 5, &g), 0);
	expect(&g, "line 6", "line 100", "line 101", NULL);
	/* partial_timeout applies to the old file too */
	assert_int_equal(poll_all(f, 9, &g), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(poll_all(f, 10, &g), 0);
	expect(&g, "last", NULL);
	append(one, " more\n");
	assert_int_equal(poll_all(f, 14, &g), 0);
	expect(&g, " more", NULL);
	assert_int_equal(poll_all(f, 23, &g), 0);
	in_file_stats(f, &st);
	assert_true(st.draining);	/* idle 9 s < rotate_grace */
	append(one, "end");		/* at the end: delivered when closed */
	assert_int_equal(poll_all(f, 24, &g), 0);
	assert_int_equal(poll_all(f, 28, &g), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(poll_all(f, 34, &g), 0);
	expect(&g, "end", NULL);
	in_file_stats(f, &st);
	assert_false(st.draining);
	lines(path, 102, 102);
	assert_int_equal(poll_all(f, 16, &g), 0);
	expect_range(&g, 102, 102);
	in_file_free(f);
	got_free(&g);
}

static void
test_two_renames_within_grace(void **state)
{
	char path[256];
	struct got g = { 0 };
	struct in_file *f;

	(void)state;
	newdir(path, sizeof(path));
	lines(path, 1, 2);
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	expect_range(&g, 1, 2);
	lines(path, 3, 3);
	mv(path, "", ".1");
	lines(path, 4, 5);
	assert_int_equal(poll_all(f, 1, &g), 0);
	expect_range(&g, 3, 5);
	lines(path, 6, 6);
	mv(path, ".1", ".2");
	mv(path, "", ".1");
	lines(path, 7, 7);
	assert_int_equal(poll_all(f, 2, &g), 0);
	expect_range(&g, 6, 7);
	in_file_free(f);
	got_free(&g);
}

static void
test_rotated_twice_between_polls(void **state)
{
	char path[256];
	struct got g = { 0 };
	struct in_file *f;
	struct in_file_stats st;

	(void)state;
	/* rename, twice, the first one compressed right away */
	newdir(path, sizeof(path));
	lines(path, 1, 2);
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	expect_range(&g, 1, 2);
	lines(path, 3, 3);
	mv(path, "", ".1");
	gz(path, ".1");
	lines(path, 4, 5);
	mv(path, ".1.gz", ".2.gz");
	mv(path, "", ".1");
	lines(path, 6, 6);
	assert_int_equal(poll_all(f, 1, &g), 0);
	expect_range(&g, 3, 6);
	in_file_stats(f, &st);
	assert_int_equal(st.rotations, 2);
	in_file_free(f);
	/* copytruncate, twice */
	newdir(path, sizeof(path));
	lines(path, 1, 2);
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	expect_range(&g, 1, 2);
	lines(path, 3, 3);
	cp(path, "", ".1");
	assert_int_equal(truncate(path, 0), 0);
	lines(path, 4, 5);
	mv(path, ".1", ".2");
	cp(path, "", ".1");
	assert_int_equal(truncate(path, 0), 0);
	lines(path, 6, 6);
	assert_int_equal(poll_all(f, 1, &g), 0);
	expect_range(&g, 3, 6);
	in_file_stats(f, &st);
	assert_int_equal(st.losses_unknown, 0);
	in_file_free(f);
	got_free(&g);
}

static void
test_copytruncate_running(void **state)
{
	char path[256];
	struct got g = { 0 };
	struct in_file *f;
	struct in_file_stats st;
	int i;

	(void)state;
	/* the lines written just before the copy are found in the copy */
	newdir(path, sizeof(path));
	lines(path, 1, 5);
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	expect_range(&g, 1, 5);
	lines(path, 6, 8);
	cp(path, "", ".1");
	assert_int_equal(truncate(path, 0), 0);
	lines(path, 9, 10);
	assert_int_equal(poll_all(f, 1, &g), 0);
	expect_range(&g, 6, 10);
	in_file_stats(f, &st);
	assert_int_equal(st.rotations, 1);
	assert_int_equal(st.losses_unknown, 0);
	/* regrown past the old size: the tail fingerprint notices */
	lines(path, 11, 12);
	assert_int_equal(poll_all(f, 2, &g), 0);
	expect_range(&g, 11, 12);
	lines(path, 13, 13);
	mv(path, ".1", ".2");
	cp(path, "", ".1");
	gz(path, ".1");			/* compress right away */
	assert_int_equal(truncate(path, 0), 0);
	for (i = 14; i < 40; i++)
		lines(path, i, i);
	assert_int_equal(poll_all(f, 3, &g), 0);
	expect_range(&g, 13, 39);
	in_file_free(f);

	/* no copy: what comes after the truncation is read, a loss counted */
	newdir(path, sizeof(path));
	lines(path, 1, 5);
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	expect_range(&g, 1, 5);
	append(path, "partial ");
	assert_int_equal(poll_all(f, 1, &g), 0);
	lines(path, 6, 8);
	assert_int_equal(truncate(path, 0), 0);
	lines(path, 9, 10);
	assert_int_equal(poll_all(f, 2, &g), 0);
	expect(&g, "partial ", "line 9", "line 10", NULL);
	in_file_stats(f, &st);
	assert_int_equal(st.losses_unknown, 1);
	in_file_free(f);
	got_free(&g);
}

/*
 * copytruncate, the gap between logrotate's copy and its truncation
 * (issue: a copy shorter than what was read gave a "POSSIBLE LOSS" when
 * nothing was lost; bytes that were in neither file gave no warning).
 */
static void
test_copytruncate_gap_is_told_exactly(void **state)
{
	char path[256];
	struct got g = { 0 };
	struct in_file *f;
	struct in_file_stats st;
	int rc;

	(void)state;
	/* the copy is older than lines already read from the live file:
	 * nothing to take from it, nothing lost, no warning */
	newdir(path, sizeof(path));
	lines(path, 1, 5);
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	cp(path, "", ".1");
	lines(path, 6, 8);
	assert_int_equal(poll_all(f, 1, &g), 0);
	assert_int_equal(truncate(path, 0), 0);
	lines(path, 9, 10);
	assert_int_equal(poll_all(f, 2, &g), 0);
	expect_range(&g, 1, 10);
	in_file_stats(f, &st);
	assert_int_equal(st.rotations, 1);
	assert_int_equal(st.losses_unknown, 0);
	assert_int_equal(st.bytes_lost, 0);
	in_file_free(f);

	/* the reader lags: the copy holds lines 1..20, the file was seen
	 * with lines 21..25 too before the truncation took them: the rest
	 * comes from the copy, and exactly those 5 lines are LOST */
	newdir(path, sizeof(path));
	lines(path, 1, 20);
	f = in_file_new(path, &opts, NULL);
	rc = in_file_poll(f, 0, 4, got_fn, &g);
	assert_int_equal(rc, 1);
	expect_range(&g, 1, 4);
	cp(path, "", ".1");
	lines(path, 21, 25);
	rc = in_file_poll(f, 1, 4, got_fn, &g);	/* sees the size */
	assert_int_equal(rc, 1);
	expect_range(&g, 5, 8);
	assert_int_equal(truncate(path, 0), 0);
	lines(path, 26, 27);
	assert_int_equal(poll_all(f, 2, &g), 0);
	in_file_stats(f, &st);
	assert_int_equal(st.bytes_lost, 5 * strlen("line 2x\n"));
	assert_int_equal(st.losses_unknown, 0);
	expect(&g, "line 9", "line 10", "line 11", "line 12", "line 13",
	    "line 14", "line 15", "line 16", "line 17", "line 18", "line 19",
	    "line 20", "line 26", "line 27", NULL);
	in_file_free(f);
	got_free(&g);
}

/* ---- restarts ---- */

/* Reads lines 1..3 of a new file at path, returns the saved position. */
static void
first_run(const char *path, struct in_file_save *s)
{
	struct got g = { 0 };
	struct in_file *f;

	lines(path, 1, 3);
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	expect_range(&g, 1, 3);
	stop(f, s);
	got_free(&g);
}

/* Starts from s, expects lines a..b; returns the stats. */
static void
resume_expect(const char *path, const struct in_file_save *s, int a, int b,
    struct in_file_stats *st)
{
	struct got g = { 0 };
	struct in_file *f;

	f = in_file_new(path, &opts, s);
	assert_int_equal(poll_all(f, 100, &g), 0);
	assert_int_equal(poll_all(f, 200, &g), 0);	/* drained, grace over */
	expect_range(&g, a, b);
	in_file_stats(f, st);
	in_file_free(f);
	got_free(&g);
}

static void
test_restart_no_change(void **state)
{
	char path[256];
	struct in_file_save s;
	struct in_file_stats st;
	struct got g = { 0 };
	struct in_file *f;

	(void)state;
	newdir(path, sizeof(path));
	first_run(path, &s);
	f = in_file_new(path, &opts, &s);
	assert_int_equal(poll_all(f, 0, &g), 0);
	assert_int_equal(g.n, 0);
	lines(path, 4, 4);
	assert_int_equal(poll_all(f, 1, &g), 0);
	expect_range(&g, 4, 4);
	in_file_stats(f, &st);
	assert_int_equal(st.losses_unknown, 0);
	assert_int_equal(st.rotations, 0);
	in_file_free(f);
	got_free(&g);
}

static void
test_restart_more_lines(void **state)
{
	char path[256];
	struct in_file_save s;
	struct in_file_stats st;

	(void)state;
	newdir(path, sizeof(path));
	first_run(path, &s);
	lines(path, 4, 9);
	resume_expect(path, &s, 4, 9, &st);
	assert_int_equal(st.losses_unknown, 0);
}

static void
test_restart_after_rename(void **state)
{
	char path[256];
	struct in_file_save s;
	struct in_file_stats st;

	(void)state;
	newdir(path, sizeof(path));
	first_run(path, &s);
	lines(path, 4, 5);
	mv(path, "", ".1");
	lines(path, 6, 7);
	resume_expect(path, &s, 4, 7, &st);
	assert_int_equal(st.losses_unknown, 0);
	assert_int_equal(st.rotations, 1);
	/* the path not recreated yet */
	newdir(path, sizeof(path));
	first_run(path, &s);
	lines(path, 4, 5);
	mv(path, "", ".1");
	resume_expect(path, &s, 4, 5, &st);
	assert_int_equal(st.losses_unknown, 0);
}

static void
test_restart_two_rotations_delaycompress(void **state)
{
	char path[256];
	struct in_file_save s;
	struct in_file_stats st;

	(void)state;
	newdir(path, sizeof(path));
	lines(path, 1, 1);		/* older rotations are not re-read */
	mv(path, "", ".1");
	gz(path, ".1");
	mv(path, ".1.gz", ".2.gz");
	lines(path, 50, 50);
	mv(path, "", ".1");
	first_run(path, &s);
	lines(path, 4, 5);
	/* rotation 1 */
	mv(path, ".2.gz", ".3.gz");
	mv(path, ".1", ".2");
	gz(path, ".2");
	mv(path, "", ".1");
	lines(path, 6, 7);
	/* rotation 2 */
	mv(path, ".3.gz", ".4.gz");
	mv(path, ".2.gz", ".3.gz");
	mv(path, ".1", ".2");
	gz(path, ".2");
	mv(path, "", ".1");
	lines(path, 8, 9);
	resume_expect(path, &s, 4, 9, &st);
	assert_int_equal(st.losses_unknown, 0);
	assert_int_equal(st.rotations, 2);
}

static void
test_restart_immediate_compression(void **state)
{
	char path[256];
	struct in_file_save s;
	struct in_file_stats st;

	(void)state;
	newdir(path, sizeof(path));
	first_run(path, &s);
	lines(path, 4, 5);
	mv(path, "", ".1");
	gz(path, ".1");
	lines(path, 6, 6);
	resume_expect(path, &s, 4, 6, &st);
	assert_int_equal(st.losses_unknown, 0);
	/* two rotations */
	newdir(path, sizeof(path));
	first_run(path, &s);
	lines(path, 4, 5);
	mv(path, "", ".1");
	gz(path, ".1");
	lines(path, 6, 6);
	mv(path, ".1.gz", ".2.gz");
	mv(path, "", ".1");
	gz(path, ".1");
	lines(path, 7, 8);
	resume_expect(path, &s, 4, 8, &st);
	assert_int_equal(st.losses_unknown, 0);
}

static void
test_restart_dateext(void **state)
{
	char path[256];
	struct in_file_save s;
	struct in_file_stats st;

	(void)state;
	newdir(path, sizeof(path));
	lines(path, 90, 90);
	mv(path, "", "-20261119");		/* older, ignored */
	first_run(path, &s);
	lines(path, 4, 4);
	mv(path, "", "-20261121");
	lines(path, 5, 5);
	mv(path, "", "-2026112213");
	lines(path, 6, 6);
	resume_expect(path, &s, 4, 6, &st);
	assert_int_equal(st.losses_unknown, 0);
	/* with compression */
	newdir(path, sizeof(path));
	first_run(path, &s);
	lines(path, 4, 4);
	mv(path, "", "-2026-11-21");
	gz(path, "-2026-11-21");
	lines(path, 5, 6);
	mv(path, "", "-2026-11-22");
	gz(path, "-2026-11-22");
	lines(path, 7, 7);
	resume_expect(path, &s, 4, 7, &st);
	assert_int_equal(st.losses_unknown, 0);
}

static void
test_restart_copytruncate(void **state)
{
	char path[256];
	struct in_file_save s;
	struct in_file_stats st;

	(void)state;
	newdir(path, sizeof(path));
	first_run(path, &s);
	lines(path, 4, 5);
	cp(path, "", ".1");
	assert_int_equal(truncate(path, 0), 0);
	lines(path, 6, 6);
	resume_expect(path, &s, 4, 6, &st);
	assert_int_equal(st.losses_unknown, 0);
	/* twice, regrown past the saved offset, compressed */
	newdir(path, sizeof(path));
	first_run(path, &s);
	lines(path, 4, 5);
	cp(path, "", ".1");
	gz(path, ".1");
	assert_int_equal(truncate(path, 0), 0);
	lines(path, 6, 7);
	mv(path, ".1.gz", ".2.gz");
	cp(path, "", ".1");
	assert_int_equal(truncate(path, 0), 0);
	lines(path, 8, 20);
	resume_expect(path, &s, 4, 20, &st);
	assert_int_equal(st.losses_unknown, 0);
}

static void
test_restart_saved_file_gone(void **state)
{
	char path[256];
	struct in_file_save s;
	struct in_file_stats st;

	(void)state;
	newdir(path, sizeof(path));
	first_run(path, &s);
	assert_int_equal(unlink(path), 0);
	lines(path, 10, 14);
	resume_expect(path, &s, 10, 14, &st);
	assert_int_equal(st.losses_unknown, 1);
}

static void
test_restart_inode_reuse(void **state)
{
	char path[256];
	struct in_file_save s, s2;
	struct in_file_stats st;
	struct stat sb;

	(void)state;
	/* deleted and recreated: the inode may well be the same */
	newdir(path, sizeof(path));
	first_run(path, &s);
	assert_int_equal(unlink(path), 0);
	lines(path, 10, 14);
	assert_int_equal(stat(path, &sb), 0);
	if ((uint64_t)sb.st_ino == s.cur.ino)
		print_message("  (the inode was recycled)\n");
	resume_expect(path, &s, 10, 14, &st);
	assert_int_equal(st.losses_unknown, 1);
	/* force it: same dev/ino as the saved file, other content */
	newdir(path, sizeof(path));
	first_run(path, &s);
	assert_int_equal(unlink(path), 0);
	lines(path, 20, 24);
	assert_int_equal(stat(path, &sb), 0);
	s2 = s;
	s2.cur.dev = (uint64_t)sb.st_dev;
	s2.cur.ino = (uint64_t)sb.st_ino;
	resume_expect(path, &s2, 20, 24, &st);
	assert_int_equal(st.losses_unknown, 1);
	/* and the same first bytes but different bytes before the offset */
	newdir(path, sizeof(path));
	first_run(path, &s);
	assert_int_equal(unlink(path), 0);
	lines(path, 1, 2);
	lines(path, 33, 35);
	assert_int_equal(stat(path, &sb), 0);
	s2 = s;
	s2.cur.dev = (uint64_t)sb.st_dev;
	s2.cur.ino = (uint64_t)sb.st_ino;
	s2.cur.head_len = 7;
	s2.cur.head_hash = s.cur.head_hash;	/* recomputed below */
	{
		/* head of "line 1\n" */
		uint64_t h = 0xcbf29ce484222325ULL;
		const char *p = "line 1\n";

		while (*p) {
			h ^= (unsigned char)*p++;
			h *= 0x100000001b3ULL;
		}
		s2.cur.head_hash = h;
	}
	{
		struct got g = { 0 };
		struct in_file *f = in_file_new(path, &opts, &s2);

		assert_int_equal(poll_all(f, 0, &g), 0);
		assert_int_equal(g.n, 5);	/* read from 0: tail differs */
		got_free(&g);
		in_file_stats(f, &st);
		assert_int_equal(st.losses_unknown, 1);
		in_file_free(f);
	}
}

static void
test_restart_while_draining(void **state)
{
	char path[256], one[256];
	struct got g = { 0 };
	struct in_file *f;
	struct in_file_save s;

	(void)state;
	newdir(path, sizeof(path));
	sfx(one, sizeof(one), path, ".1");
	lines(path, 1, 2);
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	lines(path, 3, 3);
	mv(path, "", ".1");
	lines(path, 100, 100);
	assert_int_equal(poll_all(f, 1, &g), 0);
	expect(&g, "line 1", "line 2", "line 3", "line 100", NULL);
	in_file_save(f, &s);
	assert_true(s.old.valid);
	in_file_free(f);
	lines(one, 4, 5);		/* late writes to the old file */
	lines(path, 101, 101);
	f = in_file_new(path, &opts, &s);
	assert_int_equal(poll_all(f, 2, &g), 0);
	expect(&g, "line 4", "line 5", "line 101", NULL);
	/* after the old file is done the save still anchors the rotations:
	 * the new file is empty, rotated twice while stopped */
	in_file_free(f);
	newdir(path, sizeof(path));
	lines(path, 1, 2);
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	mv(path, "", ".1");
	create(path);
	assert_int_equal(poll_all(f, 1, &g), 0);
	assert_int_equal(poll_all(f, 100, &g), 0);	/* old closed */
	expect_range(&g, 1, 2);
	in_file_save(f, &s);
	assert_true(s.old.valid);		/* the anchor */
	assert_int_equal(s.cur.head_len, 0);
	in_file_free(f);
	mv(path, ".1", ".2");
	gz(path, ".2");
	lines(path, 3, 4);
	mv(path, "", ".1");
	gz(path, ".1");
	mv(path, ".2.gz", ".3.gz");
	mv(path, ".1.gz", ".2.gz");
	lines(path, 5, 6);
	mv(path, "", ".1");
	gz(path, ".1");
	lines(path, 7, 7);
	f = in_file_new(path, &opts, &s);
	assert_int_equal(poll_all(f, 2, &g), 0);
	expect_range(&g, 3, 7);
	in_file_free(f);
	got_free(&g);
}

static void
test_restart_during_catchup(void **state)
{
	char path[256];
	struct got g = { 0 };
	struct in_file *f;
	struct in_file_save s;
	int i;

	(void)state;
	newdir(path, sizeof(path));
	lines(path, 1, 2);
	f = in_file_new(path, &opts, NULL);
	assert_int_equal(poll_all(f, 0, &g), 0);
	lines(path, 3, 4);
	mv(path, "", ".1");
	lines(path, 5, 6);
	assert_int_equal(in_file_poll(f, 1, 3, got_fn, &g), 1);
	expect_range(&g, 1, 5);		/* saved: in .1 and in the new file */
	stop(f, &s);
	assert_true(s.old.valid);
	assert_int_equal(s.cur.offset, 7);
	/* stopped: rotated twice more */
	lines(path, 7, 8);
	mv(path, ".1", ".2");
	mv(path, "", ".1");
	lines(path, 9, 10);
	mv(path, ".2", ".3");
	mv(path, ".1", ".2");
	mv(path, "", ".1");
	lines(path, 11, 11);
	/* a catch-up over four files, stopped after every line */
	for (i = 6; i <= 11; i++) {
		f = in_file_new(path, &opts, &s);
		assert_int_equal(in_file_poll(f, 2, 1, got_fn, &g), 1);
		stop(f, &s);
	}
	expect_range(&g, 6, 11);
	f = in_file_new(path, &opts, &s);
	assert_int_equal(poll_all(f, 3, &g), 0);
	assert_int_equal(poll_all(f, 30, &g), 0);
	assert_int_equal(g.n, 0);
	in_file_free(f);
	got_free(&g);
}

/* ---- kill-style simulation ---- */

enum style {
	ST_RENAME, ST_RENAME_DELAYCOMPRESS, ST_RENAME_COMPRESS,
	ST_COPYTRUNCATE, ST_COPYTRUNCATE_COMPRESS, ST_DATEEXT, ST_DATEEXT_GZ,
	ST_NSTYLES
};

static const char *const style_name[] = {
	"rename", "rename+delaycompress", "rename+compress", "copytruncate",
	"copytruncate+compress", "dateext", "dateext+gz",
};

struct sim {
	char		 path[256];
	enum style	 style;
	unsigned	 seed;
	int		 next;		/* next line number */
	int		 n;		/* lines to write */
	int		 nrot;
	int		 gen_lines;	/* lines in the current generation */
	bool		 gen_seen;	/* polled since its first line */
	int		*done;		/* committed line numbers */
	size_t		 ndone;
	int		*pend;		/* delivered since the checkpoint */
	size_t		 npend;
	struct in_file_save ckpt;
	struct in_file	*f;
	time_t		 now;
	int		 kills, polls, saves;
};

static void
sim_fn(void *arg, const char *line, size_t len, size_t cut_from)
{
	struct sim *m = arg;
	char tmp[32];
	int k;

	assert_int_equal(cut_from, 0);
	assert_true(len > 5 && len < sizeof(tmp));
	memcpy(tmp, line, len);
	tmp[len] = '\0';
	assert_int_equal(sscanf(tmp, "line %d", &k), 1);
	m->pend[m->npend++] = k;
	TRACE("  got %d\n", k);
}

static unsigned
rnd(struct sim *m, unsigned n)
{
	m->seed = m->seed * 1103515245u + 12345u;
	return (m->seed >> 16) % n;
}

static void
sim_write(struct sim *m, const char *target, int count)
{
	char s[64];

	for (; count > 0 && m->next <= m->n; count--) {
		int len = snprintf(s, sizeof(s), "line %d\n", m->next++);

		if (m->f != NULL && rnd(m, 6) == 0) {
			/* a line written in two pieces, a poll in between */
			put(target, O_APPEND, s, 3);
			m->polls++;
			assert_int_not_equal(in_file_poll(m->f, m->now, 1 +
			    rnd(m, 2), sim_fn, m), -1);
			put(target, O_APPEND, s + 3, (size_t)len - 3);
		} else
			put(target, O_APPEND, s, (size_t)len);
		if (target == m->path)
			m->gen_lines++;
		TRACE("write %d%s\n", m->next - 1, target == m->path ? "" : " (old)");
	}
}

static void
sim_commit(struct sim *m)
{
	in_file_save(m->f, &m->ckpt);
	TRACE("commit: old %d@%llu cur %d@%llu h%u (pend %zu)\n", m->ckpt.old.valid,
	    (unsigned long long)m->ckpt.old.offset, m->ckpt.cur.valid,
	    (unsigned long long)m->ckpt.cur.offset, m->ckpt.cur.head_len, m->npend);
	memcpy(m->done + m->ndone, m->pend, m->npend * sizeof(*m->pend));
	m->ndone += m->npend;
	m->npend = 0;
	m->saves++;
}

static void
sim_poll(struct sim *m)
{
	m->polls++;
	assert_int_not_equal(in_file_poll(m->f, m->now, 1 + rnd(m, 3), sim_fn,
	    m), -1);
	if (m->gen_lines > 0)
		m->gen_seen = true;
}

static bool
exists(const char *path, const char *suffix)
{
	char p[256];
	struct stat st;

	sfx(p, sizeof(p), path, suffix);
	return stat(p, &st) == 0;
}

/* Renames .N[.gz] to .N+1[.gz], highest first. */
static void
shift(const char *path)
{
	char a[32], b[32];
	int top = 0, i;

	for (i = 1; i < 100; i++) {
		snprintf(a, sizeof(a), ".%d", i);
		snprintf(b, sizeof(b), ".%d.gz", i);
		if (exists(path, a) || exists(path, b))
			top = i;
	}
	for (i = top; i >= 1; i--) {
		snprintf(a, sizeof(a), ".%d", i);
		snprintf(b, sizeof(b), ".%d", i + 1);
		if (exists(path, a))
			mv(path, a, b);
		snprintf(a, sizeof(a), ".%d.gz", i);
		snprintf(b, sizeof(b), ".%d.gz", i + 1);
		if (exists(path, a))
			mv(path, a, b);
	}
}

/* One rotation in m's style; running tells whether the tailer runs. */
static void
sim_rotate(struct sim *m, bool running)
{
	char name[256], date[32];
	bool copy = m->style == ST_COPYTRUNCATE ||
	    m->style == ST_COPYTRUNCATE_COMPRESS;

	if (m->nrot >= 15 || m->gen_lines == 0)	/* notifempty */
		return;
	/* copytruncate cannot be seen in a file that was empty at the
	 * tailer's last look (or in its checkpoint): a known limit */
	if (copy && running && !m->gen_seen)
		return;
	if (copy && !running && !m->ckpt.old.valid && m->ckpt.cur.offset == 0)
		return;
	m->nrot++;
	TRACE("rotate %d (%s) next %d\n", m->nrot, running ? "running" : "stopped", m->next);
	switch (m->style) {
	case ST_RENAME:
	case ST_RENAME_DELAYCOMPRESS:
	case ST_RENAME_COMPRESS:
		shift(m->path);
		if (m->style == ST_RENAME_DELAYCOMPRESS && exists(m->path, ".2"))
			gz(m->path, ".2");
		mv(m->path, "", ".1");
		create(m->path);
		sfx(name, sizeof(name), m->path, ".1");
		if (rnd(m, 2))
			sim_write(m, name, 1 + (int)rnd(m, 2));
		if (m->style == ST_RENAME_COMPRESS)
			gz(m->path, ".1");
		break;
	case ST_COPYTRUNCATE:
	case ST_COPYTRUNCATE_COMPRESS:
		shift(m->path);
		cp(m->path, "", ".1");
		if (m->style == ST_COPYTRUNCATE_COMPRESS)
			gz(m->path, ".1");
		assert_int_equal(truncate(m->path, 0), 0);
		break;
	case ST_DATEEXT:
	case ST_DATEEXT_GZ:
		snprintf(date, sizeof(date), "-202611%02d", m->nrot);
		mv(m->path, "", date);
		create(m->path);
		sfx(name, sizeof(name), m->path, date);
		if (rnd(m, 2))
			sim_write(m, name, 1 + (int)rnd(m, 2));
		if (m->style == ST_DATEEXT_GZ)
			gz(m->path, date);
		break;
	default:
		fail();
	}
	m->gen_lines = 0;
	m->gen_seen = false;
}

static struct in_file_opts sim_opts = {
	.max_line = 64, .start_at_end = false,
	.partial_timeout = 1000, .rotate_grace = 3,
};

static void
sim_run(enum style style, unsigned seed, int n)
{
	struct sim m;
	struct in_file_stats st;
	int i, guard;
	char dir[128];

	memset(&m, 0, sizeof(m));
	snprintf(dir, sizeof(dir), "%s/sim%d", tmpdir, ++ncase);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(m.path, sizeof(m.path), "%s/app.log", dir);
	m.style = style;
	m.seed = seed;
	m.n = n;
	m.next = 1;
	m.now = 1000;
	m.done = calloc((size_t)n * 2 + 16, sizeof(int));
	m.pend = calloc((size_t)n * 2 + 16, sizeof(int));
	assert_non_null(m.done);
	assert_non_null(m.pend);
	sim_write(&m, m.path, 3);
	m.f = in_file_new(m.path, &sim_opts, NULL);
	sim_commit(&m);
	while (m.next <= n) {
		unsigned r = rnd(&m, 100);

		if (rnd(&m, 2))
			m.now++;
		if (r < 35)
			sim_write(&m, m.path, 1 + (int)rnd(&m, 6));
		else if (r < 75)
			sim_poll(&m);
		else if (r < 85)
			sim_commit(&m);
		else if (r < 92) {
			/* kill -9: what was delivered since the checkpoint is
			 * forgotten; things happen while stopped */
			in_file_free(m.f);
			m.f = NULL;
			m.npend = 0;
			TRACE("kill\n");
			m.kills++;
			while (rnd(&m, 3) != 0) {
				if (rnd(&m, 3) == 0)
					sim_rotate(&m, false);
				else
					sim_write(&m, m.path, 1 + (int)rnd(&m, 4));
			}
			m.now += 1 + rnd(&m, 5);
			m.gen_seen = false;
			TRACE("restart\n");
			m.f = in_file_new(m.path, &sim_opts, &m.ckpt);
		} else if (rnd(&m, 3) == 0)
			sim_rotate(&m, true);
		if (trace && m.f != NULL) {
			struct in_file_save sv;

			in_file_save(m.f, &sv);
			TRACE("  state: old %d/%llu@%llu cur %d/%llu@%llu\n",
			    sv.old.valid, (unsigned long long)sv.old.ino,
			    (unsigned long long)sv.old.offset, sv.cur.valid,
			    (unsigned long long)sv.cur.ino,
			    (unsigned long long)sv.cur.offset);
		}
	}
	for (guard = 0; guard < 1000; guard++) {
		int rc = in_file_poll(m.f, m.now, 0, sim_fn, &m);

		assert_int_not_equal(rc, -1);
		in_file_stats(m.f, &st);
		if (rc == 0 && !st.draining)
			break;
		m.now++;
	}
	sim_commit(&m);
	in_file_stats(m.f, &st);
	for (i = 0; i < n && (size_t)i < m.ndone; i++)
		if (m.done[i] != i + 1)
			break;
	if ((size_t)i != m.ndone || i != n) {
		size_t j;

		print_message("%s seed %u: %zu lines, first wrong at %d "
		    "(kills %d, rotations %d, losses %llu)\n",
		    style_name[style], seed, m.ndone, i, m.kills, m.nrot,
		    (unsigned long long)st.losses_unknown);
		for (j = i > 5 ? (size_t)i - 5 : 0; j < m.ndone && j < (size_t)i + 5; j++)
			print_message("  [%zu] %d\n", j, m.done[j]);
		fail();
	}
	assert_int_equal(st.losses_unknown, 0);
	assert_int_equal(st.bytes_lost, 0);
	in_file_free(m.f);
	free(m.done);
	free(m.pend);
}

static void
test_kill_resume_exactly_once(void **state)
{
	unsigned seed, nseeds;
	int s, n;

	(void)state;
	trace = getenv("IN_FILE_TRACE") != NULL;
	if (trace)
		log_init("in_file", 2);
	if (getenv("IN_FILE_SEED") != NULL) {
		sim_run((enum style)strtol(getenv("IN_FILE_STYLE"), NULL, 10),
		    (unsigned)strtoul(getenv("IN_FILE_SEED"), NULL, 10),
		    getenv("IN_FILE_N") != NULL ?
		    (int)strtol(getenv("IN_FILE_N"), NULL, 10) : 600);
		return;
	}
	nseeds = getenv("IN_FILE_SEEDS") != NULL ?
	    (unsigned)strtoul(getenv("IN_FILE_SEEDS"), NULL, 10) : 12;
	n = getenv("IN_FILE_N") != NULL ?
	    (int)strtol(getenv("IN_FILE_N"), NULL, 10) : 600;
	for (s = 0; s < ST_NSTYLES; s++)
		for (seed = 1; seed <= nseeds; seed++)
			sim_run((enum style)s, seed * 7919u + (unsigned)s, n);
}

#define T(f)	cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_append_and_poll),
		T(test_binary_bytes_kept),
		T(test_partial_line_waits_then_timeout),
		T(test_max_line_cut),
		T(test_start_at_end),
		T(test_missing_file_appears),
		T(test_unreadable_path),
		T(test_rename_rotation_running),
		T(test_two_renames_within_grace),
		T(test_rotated_twice_between_polls),
		T(test_copytruncate_running),
		T(test_copytruncate_gap_is_told_exactly),
		T(test_restart_no_change),
		T(test_restart_more_lines),
		T(test_restart_after_rename),
		T(test_restart_two_rotations_delaycompress),
		T(test_restart_immediate_compression),
		T(test_restart_dateext),
		T(test_restart_copytruncate),
		T(test_restart_saved_file_gone),
		T(test_restart_inode_reuse),
		T(test_restart_while_draining),
		T(test_restart_during_catchup),
		T(test_kill_resume_exactly_once),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
