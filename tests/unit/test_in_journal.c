/*
 * Unit tests for in_journal, on real journal files built at test time:
 * entries are written in the journal export format and turned into
 * NAME.journal files by systemd-journal-remote (package
 * systemd-journal-remote; no journald needed).  Every entry gets
 * __REALTIME_TIMESTAMP = 1700000000.123456 s + N s, __MONOTONIC_TIMESTAMP
 * = N s and the same _BOOT_ID, so entries of later files sort after
 * earlier ones.  The tests run in the zone "XXX-5:30" (UTC+05:30).
 *
 * Covered: the normalised line and what record_parse makes of it
 * (host, prog, pid, facility, severity, message, time), the defaults
 * and sanitising; a binary MESSAGE with NUL and newline; match filters
 * (unit, priority ranges and names, AND, OR, "+"); resuming from a
 * cursor (no repeat, no skip; across a new file; with a filter the
 * cursor's entry does not match); lost cursors (unknown, malformed,
 * file removed); start_at_end; following new files; max_msg cuts of
 * plain and compressed messages; open errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "input/in_journal.h"
#include "lib/log.h"
#include "input/record.h"

extern char **environ;

#define BASE_SEC	1700000000LL	/* 2023-11-14T22:13:20Z */
#define BOOT_ID		"0123456789abcdef0123456789abcdef"

static const char *remote;	/* systemd-journal-remote, or NULL */
static char	 tmpdir[64];
static int	 ncase;
static char	 casedir[128];	/* this test's scratch directory */
static char	 jdir[160];	/* casedir/j: the journal directory */

static int
setup_all(void **state)
{
	static const char *const cand[] = {
		"/lib/systemd/systemd-journal-remote",
		"/usr/lib/systemd/systemd-journal-remote",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cand) / sizeof(cand[0]); i++)
		if (access(cand[i], X_OK) == 0)
			remote = cand[i];
	setenv("TZ", "XXX-5:30", 1);
	tzset();
	return tu_mkdtemp(tmpdir, sizeof(tmpdir), "in_journal");
}

static int
teardown_all(void **state)
{
	(void)state;
	return tu_rmtree(tmpdir);
}

/* A fresh scratch directory with an empty journal directory in it. */
static void
newcase(void)
{
	if (remote == NULL)
		skip();
	snprintf(casedir, sizeof(casedir), "%s/c%d", tmpdir, ++ncase);
	assert_int_equal(mkdir(casedir, 0755), 0);
	snprintf(jdir, sizeof(jdir), "%s/j", casedir);
	assert_int_equal(mkdir(jdir, 0755), 0);
}

/* ---- writing journals ---- */

static FILE *
ex_open(void)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/e.export", casedir);
	f = fopen(path, "w");
	assert_non_null(f);
	return f;
}

/* Starts entry number seq. */
static void
ex_begin(FILE *f, int seq)
{
	fprintf(f, "__REALTIME_TIMESTAMP=%lld\n__MONOTONIC_TIMESTAMP=%lld\n"
	    "_BOOT_ID=%s\n", (BASE_SEC + seq) * 1000000 + 123456,
	    (long long)seq * 1000000 + 1000, BOOT_ID);
}

/* A binary-safe field: NAME, newline, 64-bit LE length, data, newline. */
static void
ex_bin(FILE *f, const char *name, const void *data, size_t len)
{
	unsigned char le[8];
	int i;

	for (i = 0; i < 8; i++)
		le[i] = (unsigned char)((uint64_t)len >> (8 * i));
	fprintf(f, "%s\n", name);
	fwrite(le, 1, 8, f);
	fwrite(data, 1, len, f);
	fputc('\n', f);
}

/* One entry: seq, then "FIELD=value" texts, NULL-terminated. */
static void
ex_entry(FILE *f, int seq, ...)
{
	va_list ap;
	const char *s;

	ex_begin(f, seq);
	va_start(ap, seq);
	while ((s = va_arg(ap, const char *)) != NULL)
		fprintf(f, "%s\n", s);
	va_end(ap);
	fputc('\n', f);
}

/* Closes the export text and writes it as jdir/NAME.journal. */
static void
ex_write(FILE *f, const char *name, bool compress)
{
	char exp[256], out[300], opt[320], logf[256];
	char *argv[5];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, n = 0;

	assert_int_equal(fclose(f), 0);
	snprintf(exp, sizeof(exp), "%s/e.export", casedir);
	snprintf(out, sizeof(out), "%s/%s.journal", jdir, name);
	snprintf(opt, sizeof(opt), "--output=%s", out);
	snprintf(logf, sizeof(logf), "%s/remote.log", casedir);
	argv[n++] = (char *)remote;
	argv[n++] = opt;
	if (!compress)
		argv[n++] = (char *)"--compress=no";
	argv[n++] = exp;
	argv[n] = NULL;
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, logf,
	    O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	assert_int_equal(posix_spawn(&pid, remote, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("%s failed (status %d), see %s", remote, st, logf);
	unlink(exp);
}

/* Entries from..to: MESSAGE "entry N", PRIORITY N % 8, unit a.service
 * for odd N, b.service for even N. */
static void
numbered(const char *name, int from, int to)
{
	FILE *f = ex_open();
	char msg[64], prio[32], unit[64];
	int i;

	for (i = from; i <= to; i++) {
		snprintf(msg, sizeof(msg), "MESSAGE=entry %d", i);
		snprintf(prio, sizeof(prio), "PRIORITY=%d", i % 8);
		snprintf(unit, sizeof(unit), "_SYSTEMD_UNIT=%s.service",
		    i % 2 ? "a" : "b");
		ex_entry(f, i, msg, prio, unit, "_HOSTNAME=host1",
		    "SYSLOG_IDENTIFIER=app", "_PID=100", NULL);
	}
	ex_write(f, name, true);
}

/* ---- collected lines ---- */

/* Checks that g holds exactly the numbered entries given (ending with
 * -1), then empties it. */
static void
expect_seq(struct got *g, ...)
{
	va_list ap;
	char want[64];
	const char *m;
	size_t i = 0;
	int n;

	va_start(ap, g);
	while ((n = va_arg(ap, int)) >= 0) {
		snprintf(want, sizeof(want), ": entry %d", n);
		if (i >= g->n)
			fail_msg("entry %zu: missing, want \"entry %d\"", i, n);
		m = strstr(g->line[i], ": entry ");
		if (m == NULL || strcmp(m, want) != 0)
			fail_msg("entry %zu: \"%s\", want \"entry %d\"", i,
			    g->line[i], n);
		i++;
	}
	va_end(ap);
	if (i != g->n)
		fail_msg("%zu entries, want %zu (extra: \"%s\")", g->n, i,
		    g->line[i]);
	got_reset(g);
}

/* Checks that g holds the entries from..to exactly, then empties it. */
static void
expect_range(struct got *g, int from, int to)
{
	char want[64];
	const char *m;
	size_t i;

	if (g->n != (size_t)(to - from + 1))
		fail_msg("%zu entries, want %d..%d (first: \"%s\")", g->n,
		    from, to, g->n > 0 ? g->line[0] : "");
	for (i = 0; i < g->n; i++) {
		snprintf(want, sizeof(want), ": entry %d", from + (int)i);
		m = strstr(g->line[i], ": entry ");
		if (m == NULL || strcmp(m, want) != 0)
			fail_msg("entry %zu: \"%s\", want \"entry %d\"", i,
			    g->line[i], from + (int)i);
	}
	got_reset(g);
}

/* ---- readers ---- */

static struct in_journal *
open_dir(char *const *matches, const char *cursor, bool at_end, size_t max_msg)
{
	struct in_journal_opts o = {
		.dir = jdir,
		.matches = matches,
		.start_at_end = at_end,
		.max_msg = max_msg,
	};
	struct in_journal *j;
	char err[256] = "";

	j = in_journal_open(&o, cursor, err, sizeof(err));
	if (j == NULL)
		fail_msg("in_journal_open: %s", err);
	return j;
}

/* Polls until caught up; returns the number of polls. */
static int
drain(struct in_journal *j, size_t max, struct got *g)
{
	int r, n = 0;

	do {
		r = in_journal_poll(j, max, got_fn, g);
		assert_true(r >= 0);
		n++;
		assert_true(n < 1000);
	} while (r == 1);
	return n;
}

/* Returns an owned copy of the reader's cursor. */
static char *
cursor_of(struct in_journal *j)
{
	const char *c = in_journal_cursor(j);

	assert_non_null(c);
	return strdup(c);
}

/* ---- tests ---- */

static void
test_line_format_and_record_parse(void **state)
{
	struct got g = { 0 };
	struct in_journal *j;
	struct in_journal_stats st;
	struct record r;
	FILE *f;

	(void)state;
	newcase();
	f = ex_open();
	ex_entry(f, 0, "PRIORITY=3", "SYSLOG_FACILITY=4",
	    "SYSLOG_IDENTIFIER=sshd", "SYSLOG_PID=1234", "_PID=999",
	    "_COMM=sshd-session", "_HOSTNAME=host1",
	    "MESSAGE=Failed password for root", NULL);
	/* no facility, a unit: daemon; no priority: info; ident from _COMM */
	ex_entry(f, 1, "_SYSTEMD_UNIT=foo.service", "_COMM=foo", "_PID=42",
	    "_HOSTNAME=host1", "MESSAGE=started", NULL);
	/* no unit: user; no host, ident, pid */
	ex_entry(f, 2, "PRIORITY=4", "MESSAGE=bare", NULL);
	/* kernel transport: kern */
	ex_entry(f, 3, "_TRANSPORT=kernel", "PRIORITY=2",
	    "SYSLOG_IDENTIFIER=kernel", "_HOSTNAME=host1", "MESSAGE=oops", NULL);
	/* blanks and tag bytes replaced; SYSLOG_PID not a number: _PID */
	ex_entry(f, 4, "_HOSTNAME=bad host", "SYSLOG_IDENTIFIER=my prog:x[1",
	    "SYSLOG_PID=abc", "_PID=77", "MESSAGE=x", NULL);
	/* no MESSAGE: skipped */
	ex_entry(f, 5, "PRIORITY=1", "_HOSTNAME=host1", NULL);
	/* invalid facility and priority: defaults */
	ex_entry(f, 6, "SYSLOG_FACILITY=99", "PRIORITY=x", "_HOSTNAME=h",
	    "SYSLOG_IDENTIFIER=app", "MESSAGE=y", NULL);
	/* empty message */
	ex_entry(f, 7, "SYSLOG_IDENTIFIER=app", "_HOSTNAME=host1", "MESSAGE=",
	    NULL);
	ex_write(f, "x", true);

	j = open_dir(NULL, NULL, false, 0);
	assert_true(in_journal_fd(j) >= 0);
	assert_null(in_journal_cursor(j));
	assert_int_equal(in_journal_poll(j, 0, got_fn, &g), 0);
	assert_int_equal(g.n, 7);
	assert_string_equal(g.line[0], "<35>2023-11-15T03:43:20.123456+05:30 "
	    "host1 sshd[1234]: Failed password for root");
	assert_string_equal(g.line[1], "<30>2023-11-15T03:43:21.123456+05:30 "
	    "host1 foo[42]: started");
	assert_string_equal(g.line[2], "<12>2023-11-15T03:43:22.123456+05:30 "
	    "localhost unknown: bare");
	assert_string_equal(g.line[3], "<2>2023-11-15T03:43:23.123456+05:30 "
	    "host1 kernel: oops");
	assert_string_equal(g.line[4], "<14>2023-11-15T03:43:24.123456+05:30 "
	    "bad_host my_prog_x_1[77]: x");
	assert_string_equal(g.line[5], "<14>2023-11-15T03:43:26.123456+05:30 "
	    "h app: y");
	assert_string_equal(g.line[6], "<14>2023-11-15T03:43:27.123456+05:30 "
	    "host1 app: ");

	assert_int_equal(record_parse(&r, g.line[0], g.len[0]), REC_RFC3339);
	assert_int_equal(r.hostlen, 5);
	assert_memory_equal(r.host, "host1", 5);
	assert_int_equal(r.proglen, 4);
	assert_memory_equal(r.prog, "sshd", 4);
	assert_int_equal(r.pid, 1234);
	assert_int_equal(r.facility, 4);
	assert_int_equal(r.severity, 3);
	assert_int_equal(r.msglen, strlen("sshd[1234]: Failed password for root"));
	assert_memory_equal(r.msg, "sshd[1234]: Failed password for root",
	    r.msglen);
	assert_int_equal(r.nsec, 123456000);
	assert_int_equal(r.tzoff, 5 * 3600 + 30 * 60);
	assert_int_equal(record_time(&r, (time_t)BASE_SEC), (time_t)BASE_SEC);

	assert_int_equal(record_parse(&r, g.line[1], g.len[1]), REC_RFC3339);
	assert_int_equal(r.facility, 3);
	assert_int_equal(r.severity, 6);
	assert_memory_equal(r.prog, "foo", 3);
	assert_int_equal(r.pid, 42);
	assert_int_equal(record_time(&r, (time_t)BASE_SEC), (time_t)BASE_SEC + 1);

	assert_int_equal(record_parse(&r, g.line[2], g.len[2]), REC_RFC3339);
	assert_memory_equal(r.host, "localhost", 9);
	assert_int_equal(r.pid, -1);
	assert_int_equal(r.proglen, 7);

	assert_int_equal(record_parse(&r, g.line[4], g.len[4]), REC_RFC3339);
	assert_int_equal(r.hostlen, 8);
	assert_int_equal(r.proglen, strlen("my_prog_x_1"));
	assert_int_equal(r.pid, 77);

	assert_int_equal(record_parse(&r, g.line[6], g.len[6]), REC_RFC3339);
	assert_int_equal(r.proglen, 3);

	in_journal_stats(j, &st);
	assert_int_equal(st.entries, 7);
	assert_int_equal(st.skipped_no_message, 1);
	assert_int_equal(st.cut, 0);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.cursor_lost, 0);
	assert_null(st.error);
	assert_non_null(in_journal_cursor(j));
	in_journal_free(j);
	got_free(&g);
}

static void
test_binary_message(void **state)
{
	static const char msg[] = "bin\0ary\nline\x01\xff";
	const char *prefix = "<14>2023-11-15T03:43:20.123456+05:30 host1 app[5]: ";
	struct got g = { 0 };
	struct in_journal *j;
	struct record r;
	FILE *f;

	(void)state;
	newcase();
	f = ex_open();
	ex_begin(f, 0);
	fputs("_HOSTNAME=host1\nSYSLOG_IDENTIFIER=app\n_PID=5\n", f);
	ex_bin(f, "MESSAGE", msg, sizeof(msg) - 1);
	fputc('\n', f);
	ex_write(f, "x", true);

	j = open_dir(NULL, NULL, false, 0);
	drain(j, 0, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], strlen(prefix) + sizeof(msg) - 1);
	assert_memory_equal(g.line[0], prefix, strlen(prefix));
	assert_memory_equal(g.line[0] + strlen(prefix), msg, sizeof(msg) - 1);
	assert_int_equal(g.cut[0], 0);
	assert_int_equal(record_parse(&r, g.line[0], g.len[0]), REC_RFC3339);
	assert_int_equal(r.pid, 5);
	assert_int_equal(r.msglen, strlen("app[5]: ") + sizeof(msg) - 1);
	in_journal_free(j);
	got_free(&g);
}

/* Opens jdir with the given matches and checks the entries read. */
static void
check_filter(struct got *g, char *const *m)
{
	struct in_journal *j = open_dir(m, NULL, false, 0);

	drain(j, 0, g);
	in_journal_free(j);
}

static void
test_match_filters(void **state)
{
	char *unit_a[] = { "_SYSTEMD_UNIT=a.service", NULL };
	char *prio03[] = { "PRIORITY=0..3", NULL };
	char *prio_names[] = { "PRIORITY=err..emerg", NULL };
	char *warning[] = { "PRIORITY=warning", NULL };
	char *a_or_b[] = { "_SYSTEMD_UNIT=a.service", "_SYSTEMD_UNIT=b.service",
	    NULL };
	char *a_and_prio[] = { "_SYSTEMD_UNIT=a.service", "PRIORITY=3..0", NULL };
	char *disj[] = { "_SYSTEMD_UNIT=a.service", "PRIORITY=1", "+",
	    "PRIORITY=2", NULL };
	char *none[] = { "_SYSTEMD_UNIT=c.service", NULL };
	struct got g = { 0 };

	(void)state;
	newcase();
	numbered("x", 1, 16);

	check_filter(&g, unit_a);
	expect_seq(&g, 1, 3, 5, 7, 9, 11, 13, 15, -1);
	check_filter(&g, prio03);
	expect_seq(&g, 1, 2, 3, 8, 9, 10, 11, 16, -1);
	check_filter(&g, prio_names);
	expect_seq(&g, 1, 2, 3, 8, 9, 10, 11, 16, -1);
	check_filter(&g, warning);
	expect_seq(&g, 4, 12, -1);
	check_filter(&g, a_or_b);
	expect_range(&g, 1, 16);
	check_filter(&g, a_and_prio);
	expect_seq(&g, 1, 3, 9, 11, -1);
	check_filter(&g, disj);
	expect_seq(&g, 1, 2, 9, 10, -1);
	check_filter(&g, none);
	expect_seq(&g, -1);
	got_free(&g);
}

static void
test_check_match(void **state)
{
	static const char *const good[] = {
		"MESSAGE=x", "_PID=1", "FOO=", "+", "PRIORITY=debug",
		"PRIORITY=7..0", "PRIORITY=0", "_SYSTEMD_UNIT=a b=c",
		"A234567890123456789012345678901234567890123456789012345678901234=1",
	};
	static const char *const bad[] = {
		"foo=bar", "1ABC=x", "=x", "NOEQ", "PRIORITY=8", "PRIORITY=0..9",
		"PRIORITY=", "PRIORITY=..3", "A-B=x", "++",
		"A2345678901234567890123456789012345678901234567890123456789012345=1",
	};
	char *badopen[] = { "MESSAGE=ok", "lower=x", NULL };
	struct in_journal_opts o = { .matches = badopen };
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (in_journal_check_match(good[i], err, sizeof(err)) != 0)
			fail_msg("\"%s\" rejected: %s", good[i], err);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (in_journal_check_match(bad[i], err, sizeof(err)) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_non_null(strstr(err, "journal match"));
	}

	newcase();
	o.dir = jdir;
	err[0] = '\0';
	assert_null(in_journal_open(&o, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "lower=x"));
}

static void
test_open_errors(void **state)
{
	char *files[] = { "/nonexistent/x.journal", NULL };
	struct in_journal_opts o = { .dir = "/nonexistent/journal" };
	char err[256] = "";

	(void)state;
	assert_null(in_journal_open(&o, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/journal"));
	o.dir = NULL;
	o.files = files;
	err[0] = '\0';
	assert_null(in_journal_open(&o, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/x.journal"));
}

/* The local journal opens even when nothing of it is readable (no
 * journald here): the reader waits, status says no_files. */
static void
test_local_journal_opens(void **state)
{
	struct in_journal_opts o = { .start_at_end = true };
	struct in_journal_stats st;
	struct got g = { 0 };
	struct in_journal *j;
	char err[256] = "";

	(void)state;
	j = in_journal_open(&o, NULL, err, sizeof(err));
	if (j == NULL)
		fail_msg("in_journal_open: %s", err);
	assert_true(in_journal_poll(j, 1, got_fn, &g) >= 0);
	in_journal_stats(j, &st);
	assert_int_equal(st.cursor_lost, 0);
	in_journal_free(j);
	got_free(&g);
}

static void
test_cursor_resume_exact(void **state)
{
	struct got g = { 0 };
	struct in_journal *j;
	struct in_journal_stats st;
	char *c3, *c10;

	(void)state;
	newcase();
	numbered("x", 1, 10);

	j = open_dir(NULL, NULL, false, 0);
	assert_int_equal(in_journal_poll(j, 3, got_fn, &g), 1);
	expect_range(&g, 1, 3);
	c3 = cursor_of(j);
	drain(j, 0, &g);
	expect_range(&g, 4, 10);
	c10 = cursor_of(j);
	in_journal_free(j);

	/* reopen after entry 3: 4..10, neither 3 again nor 4 skipped */
	j = open_dir(NULL, c3, false, 0);
	assert_string_equal(in_journal_cursor(j), c3);
	drain(j, 2, &g);
	expect_range(&g, 4, 10);
	in_journal_stats(j, &st);
	assert_int_equal(st.cursor_lost, 0);
	assert_int_equal(st.entries, 7);
	in_journal_free(j);

	/* caught up: nothing after 10 (start_at_end does not matter) */
	j = open_dir(NULL, c10, true, 0);
	drain(j, 0, &g);
	expect_range(&g, 1, 0);
	assert_string_equal(in_journal_cursor(j), c10);
	in_journal_free(j);

	/* more entries in a new file of the same directory */
	numbered("y", 11, 13);
	j = open_dir(NULL, c3, false, 0);
	drain(j, 0, &g);
	expect_range(&g, 4, 13);
	in_journal_free(j);
	j = open_dir(NULL, c10, false, 0);
	drain(j, 0, &g);
	expect_range(&g, 11, 13);
	in_journal_free(j);

	free(c3);
	free(c10);
	got_free(&g);
}

static void
test_cursor_resume_with_filter(void **state)
{
	char *unit_a[] = { "_SYSTEMD_UNIT=a.service", NULL };
	char *unit_b[] = { "_SYSTEMD_UNIT=b.service", NULL };
	struct got g = { 0 };
	struct in_journal *j;
	struct in_journal_stats st;
	char *c;

	(void)state;
	newcase();
	numbered("x", 1, 10);

	/* the cursor's entry (3, unit a) matches the filter: skipped */
	j = open_dir(unit_a, NULL, false, 0);
	assert_int_equal(in_journal_poll(j, 2, got_fn, &g), 1);
	expect_seq(&g, 1, 3, -1);
	c = cursor_of(j);
	in_journal_free(j);
	j = open_dir(unit_a, c, false, 0);
	drain(j, 0, &g);
	expect_seq(&g, 5, 7, 9, -1);
	in_journal_free(j);

	/* it does not match the new filter: the next matching one, not lost */
	j = open_dir(unit_b, c, false, 0);
	drain(j, 0, &g);
	expect_seq(&g, 4, 6, 8, 10, -1);
	in_journal_stats(j, &st);
	assert_int_equal(st.cursor_lost, 0);
	in_journal_free(j);
	free(c);
	got_free(&g);
}

static void
test_cursor_lost(void **state)
{
	/* a cursor of another journal, stamped far in the future */
	static const char *unknown = "s=00000000000000000000000000000001;i=5;"
	    "b=" BOOT_ID ";m=ffffffffff;t=7fffffffffffff;x=1";
	struct got g = { 0 };
	struct in_journal *j;
	struct in_journal_stats st;
	char path[256];
	char *c3;

	(void)state;
	newcase();
	numbered("x", 1, 5);
	numbered("y", 6, 10);

	j = open_dir(NULL, unknown, false, 0);
	drain(j, 0, &g);
	expect_range(&g, 1, 10);
	in_journal_stats(j, &st);
	assert_int_equal(st.cursor_lost, 1);
	c3 = NULL;
	in_journal_free(j);

	j = open_dir(NULL, "garbage", true, 0);
	drain(j, 0, &g);
	expect_range(&g, 1, 10);
	in_journal_stats(j, &st);
	assert_int_equal(st.cursor_lost, 1);
	in_journal_free(j);

	/* the file holding the cursor's entry is vacuumed */
	j = open_dir(NULL, NULL, false, 0);
	assert_int_equal(in_journal_poll(j, 3, got_fn, &g), 1);
	expect_range(&g, 1, 3);
	c3 = cursor_of(j);
	in_journal_free(j);
	snprintf(path, sizeof(path), "%s/x.journal", jdir);
	assert_int_equal(unlink(path), 0);
	j = open_dir(NULL, c3, false, 0);
	drain(j, 0, &g);
	expect_range(&g, 6, 10);
	in_journal_stats(j, &st);
	assert_int_equal(st.cursor_lost, 1);
	in_journal_free(j);
	free(c3);
	got_free(&g);
}

static void
test_start_at_end(void **state)
{
	struct got g = { 0 };
	struct in_journal *j, *j2;
	char *c5;

	(void)state;
	newcase();
	numbered("x", 1, 5);

	j = open_dir(NULL, NULL, true, 0);
	assert_int_equal(in_journal_poll(j, 0, got_fn, &g), 0);
	expect_range(&g, 1, 0);
	/* the checkpoint can already hold the position (entry 5) */
	c5 = cursor_of(j);

	numbered("y", 6, 7);
	assert_int_equal(in_journal_poll(j, 0, got_fn, &g), 0);
	expect_range(&g, 6, 7);
	assert_int_equal(in_journal_poll(j, 0, got_fn, &g), 0);
	expect_range(&g, 1, 0);
	in_journal_free(j);

	/* a restart from the position taken at open reads 6..7 */
	j2 = open_dir(NULL, c5, true, 0);
	drain(j2, 0, &g);
	expect_range(&g, 6, 7);
	in_journal_free(j2);
	free(c5);

	/* an empty directory: everything that comes later is new */
	newcase();
	j = open_dir(NULL, NULL, true, 0);
	assert_null(in_journal_cursor(j));
	assert_int_equal(in_journal_poll(j, 0, got_fn, &g), 0);
	expect_range(&g, 1, 0);
	numbered("x", 1, 2);
	assert_int_equal(in_journal_poll(j, 0, got_fn, &g), 0);
	expect_range(&g, 1, 2);
	in_journal_free(j);
	got_free(&g);
}

static void
test_follow_new_files(void **state)
{
	char *unit_a[] = { "_SYSTEMD_UNIT=a.service", NULL };
	struct got g = { 0 }, ga = { 0 };
	struct in_journal *j, *ja;

	(void)state;
	newcase();
	numbered("x", 1, 3);
	j = open_dir(NULL, NULL, false, 0);
	ja = open_dir(unit_a, NULL, false, 0);
	drain(j, 0, &g);
	expect_range(&g, 1, 3);
	drain(ja, 0, &ga);
	expect_seq(&ga, 1, 3, -1);

	numbered("y", 4, 6);
	numbered("z", 7, 8);
	assert_int_equal(in_journal_poll(j, 2, got_fn, &g), 1);
	expect_range(&g, 4, 5);
	drain(j, 0, &g);
	expect_range(&g, 6, 8);
	drain(ja, 0, &ga);
	expect_seq(&ga, 5, 7, -1);
	in_journal_free(j);
	in_journal_free(ja);
	got_free(&g);
	got_free(&ga);
}

/* journald's rotation (rename to NAME@....journal) and vacuuming (unlink)
 * while reading: the position survives, nothing is read twice. */
static void
test_files_renamed_and_removed(void **state)
{
	struct got g = { 0 };
	struct in_journal *j;
	char from[256], to[256];

	(void)state;
	newcase();
	numbered("x", 1, 5);
	j = open_dir(NULL, NULL, false, 0);
	assert_int_equal(in_journal_poll(j, 3, got_fn, &g), 1);
	expect_range(&g, 1, 3);

	snprintf(from, sizeof(from), "%s/x.journal", jdir);
	snprintf(to, sizeof(to), "%s/x@0000000000000001-0000000000000002.journal",
	    jdir);
	assert_int_equal(rename(from, to), 0);
	numbered("y", 6, 8);
	drain(j, 0, &g);
	expect_range(&g, 4, 8);

	/* the oldest file vacuumed, then the one holding the position */
	assert_int_equal(unlink(to), 0);
	drain(j, 0, &g);
	expect_range(&g, 1, 0);
	snprintf(from, sizeof(from), "%s/y.journal", jdir);
	assert_int_equal(unlink(from), 0);
	numbered("z", 9, 10);
	drain(j, 0, &g);
	expect_range(&g, 9, 10);
	in_journal_free(j);
	got_free(&g);
}

static void
test_explicit_files(void **state)
{
	char path[256];
	char *files[] = { path, NULL };
	struct in_journal_opts o = { .files = files };
	struct got g = { 0 };
	struct in_journal *j;
	char err[256];

	(void)state;
	newcase();
	numbered("x", 1, 3);
	numbered("y", 4, 5);
	snprintf(path, sizeof(path), "%s/y.journal", jdir);
	j = in_journal_open(&o, NULL, err, sizeof(err));
	if (j == NULL)
		fail_msg("%s", err);
	drain(j, 0, &g);
	expect_range(&g, 4, 5);
	in_journal_free(j);
	got_free(&g);
}

static void
test_max_msg_cut(void **state)
{
	const char *prefix = "<14>2023-11-15T03:43:20.123456+05:30 h app: ";
	size_t pl = strlen(prefix);
	struct got g = { 0 };
	struct in_journal *j;
	struct in_journal_stats st;
	char *big;
	FILE *f;
	size_t i;

	(void)state;
	newcase();
	big = malloc(5000 + 9);
	assert_non_null(big);
	memcpy(big, "MESSAGE=", 8);
	for (i = 0; i < 5000; i++)
		big[8 + i] = (char)('a' + i % 26);
	big[8 + 5000] = '\0';

	/* uncompressed: the full length is known */
	f = ex_open();
	big[8 + 100] = '\0';
	ex_entry(f, 0, "_HOSTNAME=h", "SYSLOG_IDENTIFIER=app", big, NULL);
	big[8 + 100] = 'a' + 100 % 26;
	ex_entry(f, 1, "_HOSTNAME=h", "SYSLOG_IDENTIFIER=app",
	    "MESSAGE=exactly16bytes!!", NULL);
	ex_write(f, "plain", false);
	j = open_dir(NULL, NULL, false, 16);
	drain(j, 0, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.len[0], pl + 16);
	assert_memory_equal(g.line[0], prefix, pl);
	assert_memory_equal(g.line[0] + pl, big + 8, 16);
	assert_int_equal(g.cut[0], pl + 100);
	assert_int_equal(g.cut[1], 0);
	assert_int_equal(g.len[1], pl + 16);
	in_journal_stats(j, &st);
	assert_int_equal(st.cut, 1);
	in_journal_free(j);
	got_reset(&g);

	/* compressed (journal-remote compresses big fields): whole when it
	 * fits, else cut with a lower bound of its length */
	newcase();
	f = ex_open();
	ex_entry(f, 0, "_HOSTNAME=h", "SYSLOG_IDENTIFIER=app", big, NULL);
	ex_write(f, "comp", true);
	j = open_dir(NULL, NULL, false, 0);
	drain(j, 0, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], pl + 5000);
	assert_memory_equal(g.line[0] + pl, big + 8, 5000);
	assert_int_equal(g.cut[0], 0);
	in_journal_free(j);
	got_reset(&g);

	j = open_dir(NULL, NULL, false, 1000);
	drain(j, 0, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], pl + 1000);
	assert_memory_equal(g.line[0] + pl, big + 8, 1000);
	assert_true(g.cut[0] > pl + 1000);
	assert_true(g.cut[0] <= pl + 5000);
	in_journal_free(j);
	free(big);
	got_free(&g);
}

#define T(f)	cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_line_format_and_record_parse),
		T(test_binary_message),
		T(test_match_filters),
		T(test_check_match),
		T(test_open_errors),
		T(test_local_journal_opens),
		T(test_cursor_resume_exact),
		T(test_cursor_resume_with_filter),
		T(test_cursor_lost),
		T(test_start_at_end),
		T(test_follow_new_files),
		T(test_files_renamed_and_removed),
		T(test_explicit_files),
		T(test_max_msg_cut),
	};

	log_init("test_in_journal", getenv("IN_JOURNAL_DEBUG") != NULL ? 2 : 0);
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
