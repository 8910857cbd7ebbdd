/*
 * test_archive — the per-host archive on real files in a temp directory
 * (TZ=UTC): the classic line layout with a space-padded day; per-host and
 * per-day files and the PROG/FACILITY/LEVEL tokens; sanitised path values
 * (a host "../../etc/passwd", "a/b", empty, ".", upper case, 8-bit) never
 * leave the directory; control bytes (NUL, CR, LF, ESC, DEL) escaped as
 * "#ooo"; created modes; reopen after a logrotate rename creates a new
 * file; max_open LRU with 3 files and max_open 2; idle files closed at
 * tick, an old day's file first; TEXT cut at ARCHIVE_TEXT_MAX; pattern
 * errors; a symlink or FIFO at the path refused (error counted); sync
 * modes run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "deliver/archive.h"
#include "testutil.h"

static char dir[128];

static int
setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return tu_mkdtemp(dir, sizeof(dir), "archive");
}

static int
teardown(void **state)
{
	(void)state;
	return tu_rmtree(dir);
}

/* Seconds of a UTC date. */
static time_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

/* Returns the owned content of dir/rel, or NULL when missing. */
static char *
slurp(const char *rel, size_t *lenp)
{
	char path[512], *data;
	struct stat sb;
	size_t n = 0;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	assert_int_equal(fstat(fd, &sb), 0);
	data = malloc((size_t)sb.st_size + 1);
	assert_non_null(data);
	while ((r = read(fd, data + n, (size_t)sb.st_size - n)) > 0)
		n += (size_t)r;
	close(fd);
	data[n] = '\0';
	if (lenp != NULL)
		*lenp = n;
	return data;
}

static void
assert_file(const char *rel, const char *want)
{
	char *got = slurp(rel, NULL);

	if (got == NULL)
		fail_msg("%s/%s is missing", dir, rel);
	assert_string_equal(got, want);
	free(got);
}

static struct archive *
open_rel(const char *rel, const struct archive_opts *o)
{
	char pattern[512], err[256];
	struct archive *a;

	snprintf(pattern, sizeof(pattern), "%s/%s", dir, rel);
	a = archive_open(pattern, o, err, sizeof(err));
	if (a == NULL)
		fail_msg("archive_open %s: %s", pattern, err);
	return a;
}

static int
put(struct archive *a, time_t t, const char *host, const char *text)
{
	return archive_write(a, t, host, strlen(host), "sshd", 4, 4, 6, text,
	    strlen(text));
}

/* Descriptors of this process open on files below dir. */
static int
fds_below_dir(void)
{
	char link[300], target[512];
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	ssize_t r;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		r = readlink(link, target, sizeof(target) - 1);
		if (r <= 0)
			continue;
		target[r] = '\0';
		if (strncmp(target, dir, strlen(dir)) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void
line_layout(void **state)
{
	struct archive_stats st;
	struct archive *a;
	struct stat sb;
	char path[512];
	mode_t old = umask(077);

	(void)state;
	a = open_rel("%HOST%.log", NULL);
	assert_int_equal(put(a, utc(2023, 11, 14, 22, 13, 20), "web1",
	    "sshd[12]: Accepted publickey for root"), 0);
	assert_int_equal(put(a, utc(2024, 3, 5, 7, 8, 9), "web1",
	    "cron[1]: x"), 0);
	assert_int_equal(put(a, utc(2024, 12, 31, 23, 59, 59), "", "y"), 0);
	assert_file("web1.log",
	    "Nov 14 22:13:20 web1 sshd[12]: Accepted publickey for root\n"
	    "Mar  5 07:08:09 web1 cron[1]: x\n");
	assert_file("unknown.log", "Dec 31 23:59:59 unknown y\n");

	/* default mode 0640 whatever the umask */
	snprintf(path, sizeof(path), "%s/web1.log", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);

	archive_stats(a, &st);
	assert_int_equal(st.lines, 3);
	assert_int_equal(st.bytes, 59 + 32 + 26);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.files_created, 2);
	assert_int_equal(st.files_open, 2);
	assert_null(st.last_error);
	archive_free(a);
	umask(old);
}

static void
per_host_per_day(void **state)
{
	struct archive_opts o = { .mode = 0600 };
	struct archive *a;
	struct stat sb;
	char path[512];
	time_t d1 = utc(2024, 3, 5, 23, 59, 59), d2 = utc(2024, 3, 6, 0, 0, 1);
	mode_t old = umask(022);

	(void)state;
	a = open_rel("remote/%HOST%/%Y-%m-%d.log", &o);
	assert_int_equal(put(a, d1, "alpha", "one"), 0);
	assert_int_equal(put(a, d1, "beta", "two"), 0);
	assert_int_equal(put(a, d2, "alpha", "three"), 0);
	assert_int_equal(put(a, d2, "beta", "four"), 0);
	assert_int_equal(put(a, d1, "alpha", "late"), 0);
	assert_file("remote/alpha/2024-03-05.log",
	    "Mar  5 23:59:59 alpha one\nMar  5 23:59:59 alpha late\n");
	assert_file("remote/beta/2024-03-05.log", "Mar  5 23:59:59 beta two\n");
	assert_file("remote/alpha/2024-03-06.log", "Mar  6 00:00:01 alpha three\n");
	assert_file("remote/beta/2024-03-06.log", "Mar  6 00:00:01 beta four\n");

	snprintf(path, sizeof(path), "%s/remote/alpha", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0750);
	snprintf(path, sizeof(path), "%s/remote/beta/2024-03-06.log", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	archive_free(a);

	/* the other tokens, and the time conversions down to the minute */
	a = open_rel("%FACILITY%.%LEVEL%/%PROG%-%H%M.log", NULL);
	assert_int_equal(archive_write(a, d1, "h", 1, "sshd", 4, 4, 6, "a", 1), 0);
	assert_int_equal(archive_write(a, d1, "h", 1, NULL, 0, -1, -1, "b", 1), 0);
	assert_int_equal(archive_write(a, d2, "h", 1, "k", 1, 16, 3, "c", 1), 0);
	assert_int_equal(archive_write(a, d2, "h", 1, "k", 1, 99, 8, "d", 1), 0);
	assert_file("auth.info/sshd-2359.log", "Mar  5 23:59:59 h a\n");
	assert_file("unknown.unknown/unknown-2359.log", "Mar  5 23:59:59 h b\n");
	assert_file("local0.err/k-0000.log", "Mar  6 00:00:01 h c\n");
	assert_file("unknown.unknown/k-0000.log", "Mar  6 00:00:01 h d\n");
	archive_free(a);
	umask(old);
}

static void
sanitising(void **state)
{
	static const struct {
		const char *host, *file;
	} cases[] = {
		{ "../../etc/passwd", ".._.._etc_passwd" },
		{ "a/b", "a_b" },
		{ "", "unknown" },
		{ ".", "_" },
		{ "..", "_" },
		{ "...", "..." },
		{ "WebServer.Example.COM", "webserver.example.com" },
		{ "h\xc3\xa9 x\n", "h___x_" },
		{ "a_b-c.9", "a_b-c.9" },
	};
	struct archive *a;
	struct dirent *de;
	char rel[256];
	size_t i, n = 0;
	DIR *d;

	(void)state;
	a = open_rel("%HOST%/%PROG%.log", NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(archive_write(a, 0, cases[i].host,
		    strlen(cases[i].host), "../x/..", 7, -1, -1, "m", 1), 0);
	assert_int_equal(archive_write(a, 0, "p", 1, "..", 2, -1, -1, "m", 1), 0);
	assert_int_equal(archive_write(a, 0, "p", 1, "A/B", 3, -1, -1, "m", 1), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got;

		snprintf(rel, sizeof(rel), "%s/.._x_...log", cases[i].file);
		got = slurp(rel, NULL);
		if (got == NULL)
			fail_msg("host '%s': %s missing", cases[i].host, rel);
		free(got);
	}
	assert_file("p/_.log", "Jan  1 00:00:00 p m\n");
	assert_file("p/A_B.log", "Jan  1 00:00:00 p m\n");	/* PROG keeps case */
	archive_free(a);

	/* nothing but those directories was created */
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	assert_int_equal(n, 9);		/* "." and ".." share "_"; plus "p" */
}

static void
control_bytes(void **state)
{
	static const char text[] = "a\0b\rc\nd\x1b[31me\tf\x7fg\xc3\xa9#";
	static const char host[] = "h\nx y\tz";
	struct archive *a;
	char *got;
	size_t len, i, nl = 0;

	(void)state;
	a = open_rel("x.log", NULL);
	assert_int_equal(archive_write(a, 0, host, sizeof(host) - 1, NULL, 0,
	    -1, -1, text, sizeof(text) - 1), 0);
	archive_free(a);
	got = slurp("x.log", &len);
	assert_non_null(got);
	assert_string_equal(got, "Jan  1 00:00:00 h#012x#040y#011z "
	    "a#000b#015c#012d#033[31me#011f#177g\xc3\xa9#\n");
	for (i = 0; i < len; i++)
		nl += got[i] == '\n';
	assert_int_equal(nl, 1);
	free(got);
}

static void
long_text_cut(void **state)
{
	struct archive_stats st;
	struct archive *a;
	char *text = malloc(ARCHIVE_TEXT_MAX + 100), *got;
	size_t len;

	(void)state;
	assert_non_null(text);
	memset(text, 'x', ARCHIVE_TEXT_MAX + 100);
	a = open_rel("x.log", NULL);
	assert_int_equal(archive_write(a, 0, "h", 1, NULL, 0, -1, -1, text,
	    ARCHIVE_TEXT_MAX + 100), 0);
	assert_int_equal(archive_write(a, 0, "h", 1, NULL, 0, -1, -1, text,
	    ARCHIVE_TEXT_MAX), 0);
	archive_stats(a, &st);
	assert_int_equal(st.truncated, 1);
	archive_free(a);
	got = slurp("x.log", &len);
	assert_non_null(got);
	assert_int_equal(len, 2 * (16 + 2 + ARCHIVE_TEXT_MAX + 1));
	free(got);
	free(text);
}

static void
reopen_after_rename(void **state)
{
	struct archive_stats st;
	struct archive *a;
	char from[512], to[512];

	(void)state;
	a = open_rel("%HOST%.log", NULL);
	assert_int_equal(put(a, 0, "h", "one"), 0);
	snprintf(from, sizeof(from), "%s/h.log", dir);
	snprintf(to, sizeof(to), "%s/h.log.1", dir);
	assert_int_equal(rename(from, to), 0);
	/* still open: goes to the renamed file, as with rsyslog */
	assert_int_equal(put(a, 0, "h", "two"), 0);
	archive_reopen(a);
	archive_stats(a, &st);
	assert_int_equal(st.files_open, 0);
	assert_int_equal(put(a, 0, "h", "three"), 0);
	assert_file("h.log.1", "Jan  1 00:00:00 h one\nJan  1 00:00:00 h two\n");
	assert_file("h.log", "Jan  1 00:00:00 h three\n");
	archive_stats(a, &st);
	assert_int_equal(st.files_created, 2);
	assert_int_equal(st.files_open, 1);
	archive_free(a);
}

static void
lru_max_open(void **state)
{
	struct archive_opts o = { .max_open = 2 };
	struct archive_stats st;
	struct archive *a;

	(void)state;
	a = open_rel("%HOST%.log", &o);
	assert_int_equal(put(a, 0, "a", "1"), 0);
	assert_int_equal(put(a, 0, "b", "2"), 0);
	assert_int_equal(fds_below_dir(), 2);
	assert_int_equal(put(a, 0, "a", "3"), 0);	/* a is now the newest */
	assert_int_equal(put(a, 0, "c", "4"), 0);	/* closes b */
	archive_stats(a, &st);
	assert_int_equal(st.files_open, 2);
	assert_int_equal(fds_below_dir(), 2);
	assert_int_equal(put(a, 0, "b", "5"), 0);	/* reopens b, closes a */
	assert_int_equal(put(a, 0, "c", "6"), 0);
	assert_int_equal(put(a, 0, "a", "7"), 0);	/* reopens a, closes b */
	archive_stats(a, &st);
	assert_int_equal(st.files_open, 2);
	assert_int_equal(st.files_created, 3);
	assert_int_equal(st.lines, 7);
	assert_int_equal(st.errors, 0);
	assert_int_equal(fds_below_dir(), 2);
	assert_file("a.log", "Jan  1 00:00:00 a 1\nJan  1 00:00:00 a 3\n"
	    "Jan  1 00:00:00 a 7\n");
	assert_file("b.log", "Jan  1 00:00:00 b 2\nJan  1 00:00:00 b 5\n");
	assert_file("c.log", "Jan  1 00:00:00 c 4\nJan  1 00:00:00 c 6\n");
	archive_free(a);
	assert_int_equal(fds_below_dir(), 0);
}

static void
idle_closed_at_tick(void **state)
{
	time_t now = time(NULL), d1 = utc(2024, 3, 5, 23, 0, 0),
	    d2 = utc(2024, 3, 6, 0, 0, 0);
	struct archive_stats st;
	struct archive *a;

	(void)state;
	a = open_rel("%Y%m%d.log", NULL);
	archive_tick(a, now);
	assert_int_equal(put(a, d1, "h", "old day"), 0);
	archive_tick(a, now + 200);
	assert_int_equal(put(a, d2, "h", "new day"), 0);
	archive_tick(a, now + 300);
	archive_stats(a, &st);
	assert_int_equal(st.files_open, 2);
	archive_tick(a, now + 301);			/* the old day's file */
	archive_stats(a, &st);
	assert_int_equal(st.files_open, 1);
	assert_int_equal(fds_below_dir(), 1);
	archive_tick(a, now + 501);
	archive_stats(a, &st);
	assert_int_equal(st.files_open, 0);
	assert_int_equal(put(a, d2, "h", "again"), 0);	/* reopened */
	archive_stats(a, &st);
	assert_int_equal(st.files_open, 1);
	assert_int_equal(st.files_created, 2);
	assert_file("20240306.log", "Mar  6 00:00:00 h new day\n"
	    "Mar  6 00:00:00 h again\n");
	archive_free(a);
}

static void
pattern_errors(void **state)
{
	static const struct {
		const char *pattern, *msg;
	} bad[] = {
		{ "relative/%HOST%.log", "not an absolute path" },
		{ "", "not an absolute path" },
		{ "/var/log/%FOO%.log", "unknown token '%FOO%'" },
		{ "/var/log/%HOSTNAME%.log", "unknown token '%HOSTNAME%'" },
		{ "/var/log/%q.log", "unknown conversion '%q'" },
		{ "/var/log/%S.log", "unknown conversion '%S'" },
		{ "/var/log/x%", "lone '%'" },
		{ "/var/log/remote/", "names a directory" },
	};
	static const char *const good[] = {
		"/var/log/remote/%HOST%/%Y-%m-%d.log",
		"/var/log/%host%/%prog%.%facility%.%level%.log",
		"/var/log/%H%M.log",
		"/var/log/100%%.log",
		"/var/log/all.log",
		"/var/log/%HOST%/../%PROG%.log",
	};
	struct archive *a;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(archive_check(bad[i].pattern, err, sizeof(err)), -1);
		if (strstr(err, bad[i].msg) == NULL)
			fail_msg("'%s': got '%s', want '%s'", bad[i].pattern,
			    err, bad[i].msg);
		err[0] = '\0';
		assert_null(archive_open(bad[i].pattern, NULL, err, sizeof(err)));
		assert_non_null(strstr(err, bad[i].msg));
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (archive_check(good[i], err, sizeof(err)) != 0)
			fail_msg("'%s': %s", good[i], err);
		a = archive_open(good[i], NULL, err, sizeof(err));
		assert_non_null(a);
		archive_free(a);
	}
	archive_free(NULL);

	/* "%%" is a literal '%' */
	a = open_rel("100%%-%HOST%.log", NULL);
	assert_int_equal(put(a, 0, "h", "x"), 0);
	assert_file("100%-h.log", "Jan  1 00:00:00 h x\n");
	archive_free(a);
}

static void
symlink_refused(void **state)
{
	struct archive_stats st;
	struct archive *a;
	char path[512], target[512];
	struct stat sb;

	(void)state;
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(path, sizeof(path), "%s/evil.log", dir);
	assert_int_equal(symlink(target, path), 0);		/* dangling */
	snprintf(path, sizeof(path), "%s/fifo.log", dir);
	assert_int_equal(mkfifo(path, 0600), 0);

	a = open_rel("%HOST%.log", NULL);
	assert_int_equal(put(a, 0, "evil", "x"), -1);
	assert_int_equal(put(a, 0, "evil", "y"), -1);	/* logged once */
	archive_stats(a, &st);
	assert_int_equal(st.errors, 2);
	assert_int_equal(st.lines, 0);
	assert_int_equal(st.files_open, 0);
	assert_non_null(st.last_error);
	assert_non_null(strstr(st.last_error, "evil.log"));
	assert_int_equal(stat(target, &sb), -1);	/* not created */

	/* an existing target is not written either */
	assert_int_equal(close(open(target, O_WRONLY | O_CREAT, 0600)), 0);
	assert_int_equal(put(a, 0, "evil", "z"), -1);
	assert_int_equal(stat(target, &sb), 0);
	assert_int_equal(sb.st_size, 0);

	/* a FIFO neither blocks nor is written */
	assert_int_equal(put(a, 0, "fifo", "x"), -1);
	archive_stats(a, &st);
	assert_int_equal(st.errors, 4);
	assert_non_null(strstr(st.last_error, "fifo.log"));

	/* other hosts are unaffected */
	assert_int_equal(put(a, 0, "good", "x"), 0);
	assert_file("good.log", "Jan  1 00:00:00 good x\n");
	archive_free(a);
}

static void
sync_modes(void **state)
{
	static const enum archive_sync modes[] = {
		ARCHIVE_SYNC_NONE, ARCHIVE_SYNC_EVERY, ARCHIVE_SYNC_INTERVAL
	};
	struct archive_stats st;
	struct archive *a;
	time_t now = time(NULL);
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct archive_opts o = { .sync = modes[i], .sync_interval = 2,
		    .max_open = 2 };

		a = open_rel("%HOST%.log", &o);
		for (k = 0; k < 20; k++) {
			char host[8];

			snprintf(host, sizeof(host), "h%d", k % 3);
			assert_int_equal(put(a, 0, host, "x"), 0);
			archive_tick(a, now + k);
			if (k == 10)
				archive_reopen(a);
		}
		archive_tick(a, now + 1000);
		archive_stats(a, &st);
		assert_int_equal(st.lines, 20);
		assert_int_equal(st.errors, 0);
		assert_int_equal(st.files_open, 0);
		archive_free(a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(line_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(per_host_per_day, setup, teardown),
		cmocka_unit_test_setup_teardown(sanitising, setup, teardown),
		cmocka_unit_test_setup_teardown(control_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(long_text_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(reopen_after_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(lru_max_open, setup, teardown),
		cmocka_unit_test_setup_teardown(idle_closed_at_tick, setup, teardown),
		cmocka_unit_test_setup_teardown(pattern_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(sync_modes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
