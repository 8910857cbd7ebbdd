/*
 * Unit tests for conf: conf_load on temp files.  Every tenshi config error
 * gives exactly one DIAG_ERROR with the right file and line and a message
 * that says what is wrong; several errors are all reported; include and
 * includedir (relative to the including file, byte order, dot files and
 * directories skipped, loops); trailing blanks and CR stripped; set mask
 * alone; pager: on every recipient; queue redefinition merged; defaults.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "lib/match.h"

static char	 dir[64];		/* per-test temp directory */
static struct conf	 cf;		/* the config under test (freed in teardown) */
static int	 cf_live;		/* cf holds a loaded config */
static char	 mainpath[128];		/* dir/main.conf */

static int
setup(void **state)
{
	(void)state;
	if (tu_mkdtemp(dir, sizeof(dir), "conf") == -1)
		return -1;
	snprintf(mainpath, sizeof(mainpath), "%s/main.conf", dir);
	return 0;
}

/* conf_load into cf, remembering to free it even if the test fails. */
static int
load(const char *path)
{
	if (cf_live)
		conf_free(&cf);
	cf_live = 1;
	return conf_load(&cf, path);
}

static void
done(void)
{
	if (cf_live)
		conf_free(&cf);
	cf_live = 0;
}

static int
teardown(void **state)
{
	(void)state;
	done();
	return tu_rmtree(dir);
}

/* Writes content to dir/rel (creating dir/rel's parent if needed) and
 * returns the full path in a static buffer (one of four, round robin). */
static const char *
put(const char *rel, const char *content)
{
	static char paths[4][256];
	static int next;
	char *path = paths[next++ % 4], *slash;
	FILE *fp;

	snprintf(path, 256, "%s/%s", dir, rel);
	slash = strrchr(path, '/');
	if (slash > path + strlen(dir)) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(content, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* The 1-based line of content on which needle first appears. */
static int
line_of(const char *content, const char *needle)
{
	const char *p = strstr(content, needle), *q;
	int line = 1;

	if (p == NULL)
		fail_msg("'%s' not in the config", needle);
	for (q = content; q < p; q++)
		if (*q == '\n')
			line++;
	return line;
}

static void
dump(const struct conf *c)
{
	size_t i;

	for (i = 0; i < c->ndiags && i < 20; i++)
		fprintf(stderr, "# diag %s %s:%d: %s\n",
		    c->diags[i].level == DIAG_ERROR ? "error" : "warning",
		    c->diags[i].file ? c->diags[i].file : "(null)",
		    c->diags[i].line, c->diags[i].msg);
	if (c->ndiags > 20)
		fprintf(stderr, "# ... and %zu more\n", c->ndiags - 20);
}

static size_t
count(const struct conf *c, enum diag_level level)
{
	size_t i, n = 0;

	for (i = 0; i < c->ndiags; i++)
		n += c->diags[i].level == level;
	return n;
}

/* The i-th diagnostic of the given level. */
static const struct diag *
nth(const struct conf *c, enum diag_level level, size_t i)
{
	size_t k;

	for (k = 0; k < c->ndiags; k++)
		if (c->diags[k].level == level && i-- == 0)
			return &c->diags[k];
	fail_msg("no diagnostic #%zu", i);
	return NULL;
}

/* d is at file:line and its message holds every one of the NULL-terminated
 * substrings. */
static void
check_diag(const struct conf *c, const struct diag *d, const char *file,
    int line, ...)
{
	va_list ap;
	const char *s;

	if (d->file == NULL || strcmp(d->file, file) != 0 || d->line != line) {
		dump(c);
		fail_msg("diagnostic at %s:%d, want %s:%d", d->file ? d->file :
		    "(null)", d->line, file, line);
	}
	va_start(ap, line);
	while ((s = va_arg(ap, const char *)) != NULL) {
		if (strstr(d->msg, s) == NULL) {
			va_end(ap);
			dump(c);
			fail_msg("message '%s' does not say '%s'", d->msg, s);
		}
	}
	va_end(ap);
}

static void
expect_errors(struct conf *c, size_t n)
{
	if (count(c, DIAG_ERROR) != n || c->nerrors != n) {
		dump(c);
		fail_msg("%zu errors (nerrors %zu), want %zu", count(c, DIAG_ERROR),
		    c->nerrors, n);
	}
}

static void
expect_warnings(struct conf *c, size_t n)
{
	if (count(c, DIAG_WARNING) != n) {
		dump(c);
		fail_msg("%zu warnings, want %zu", count(c, DIAG_WARNING), n);
	}
}

#define QUEUES \
	"set queue a root@x root@y [now]\n" \
	"set queue b root@x root@y [0 9 * * *]\n" \
	"set queue c root@x root@y [now]\n"

/*
 * One config error: the config text, the text of the line the error must
 * point at, and words the message must contain.
 */
static void
one_error(const char *text, const char *at, ...)
{
	const struct diag *d;
	va_list ap;
	const char *s;

	put("main.conf", text);
	assert_int_equal(load(mainpath), -1);
	expect_errors(&cf, 1);
	d = nth(&cf, DIAG_ERROR, 0);
	check_diag(&cf, d, mainpath, line_of(text, at), (const char *)NULL);
	va_start(ap, at);
	while ((s = va_arg(ap, const char *)) != NULL) {
		if (strstr(d->msg, s) == NULL) {
			va_end(ap);
			dump(&cf);
			fail_msg("message '%s' does not say '%s'", d->msg, s);
		}
	}
	va_end(ap);
	done();
}

#define ONE_ERROR(name, text, at, ...)				\
static void								\
test_error_##name(void **state)					\
{									\
	(void)state;							\
	one_error((text), (at), __VA_ARGS__, (const char *)NULL);	\
}

ONE_ERROR(undefined_queue, QUEUES "a ok\nnosuch foo bar\n", "nosuch foo",
    "'nosuch'", "not defined")
ONE_ERROR(undefined_queue_in_list, QUEUES "a,nosuch:2 foo\n", "a,nosuch",
    "'nosuch'", "not defined")
ONE_ERROR(queue_used_before_definition, "x foo\nset queue x f t [now]\n",
    "x foo", "'x'", "not defined")
ONE_ERROR(builtin_last_in_list, QUEUES "a,trash foo\n", "a,trash",
    "trash", "builtin")
ONE_ERROR(builtin_first_in_list, QUEUES "repeat,a foo\n", "repeat,a",
    "repeat", "builtin")
ONE_ERROR(group_in_list, QUEUES "a,group foo\n", "a,group", "group",
    "builtin")
ONE_ERROR(escalation_zero, QUEUES "a,b:0 foo\n", "a,b:0",
    "greater than zero")
ONE_ERROR(escalation_not_a_number, QUEUES "a,b:x foo\n", "a,b:x",
    "greater than zero")
ONE_ERROR(escalation_negative, QUEUES "a,b:-3 foo\n", "a,b:-3",
    "greater than zero")
ONE_ERROR(escalation_leading_zero, QUEUES "a,b:05 foo\n", "a,b:05",
    "greater than zero")
ONE_ERROR(escalation_empty, QUEUES "a,b: foo\n", "a,b:", "greater than zero")
ONE_ERROR(escalation_decreasing, QUEUES "a,b:10,c:5 foo\n", "a,b:10",
    "decrease")
ONE_ERROR(escalation_plain_after_numbered, QUEUES "a,b:2,c foo\n", "a,b:2",
    "before")
ONE_ERROR(escalation_on_leftmost, QUEUES "a:2,b:3 foo\n", "a:2", "leftmost")
ONE_ERROR(group_end_without_group, QUEUES "a foo\ngroup_end\n", "group_end",
    "group_end")
ONE_ERROR(group_end_once_too_often,
    QUEUES "group x\na foo\ngroup_end\n  group_end\n", "  group_end",
    "group_end")
ONE_ERROR(unclosed_group, QUEUES "a first\ngroup sshd\na inside\n", "group sshd",
    "group", "never closed")
ONE_ERROR(unclosed_group_host, QUEUES "group_host ^web\ngroup x\na y\ngroup_end\n",
    "group_host ^web", "group_host", "never closed")
ONE_ERROR(bad_regex, QUEUES "a foo(bar\n", "a foo(bar", "foo(bar",
    "parenthesis")
ONE_ERROR(bad_regex_in_group_then_group_end,
    QUEUES "group foo[\na x\ngroup_end\na y\n", "group foo[", "foo[")
ONE_ERROR(logprefix_without_group, QUEUES "set logprefix ^\\S+ \\S+ host\n",
    "set logprefix", "capture group")
ONE_ERROR(logprefix_bad_regex, QUEUES "set logprefix ^(\\S+\n",
    "set logprefix", "logprefix")
ONE_ERROR(queue_bad_cron_value, QUEUES "set queue q f t [0 99 * * *]\n",
    "set queue q", "schedule")
ONE_ERROR(queue_cron_four_fields, QUEUES "set queue q f t [10 9 * *]\n",
    "set queue q", "schedule")
ONE_ERROR(queue_cron_junk, QUEUES "set queue q f t [0 9 * * mon?]\n",
    "set queue q", "schedule")
ONE_ERROR(queue_bad_cron_then_used,
    QUEUES "set queue q f t [0 99 * * *]\nq,a foo\nset threshold q 2 x\n",
    "set queue q", "schedule")
ONE_ERROR(queue_no_schedule, QUEUES "set queue q f t subject\n",
    "set queue q", "schedule")
ONE_ERROR(unknown_set, QUEUES "set foo bar\n", "set foo", "set foo")
ONE_ERROR(hidepid_yes, QUEUES "set hidepid yes\n", "set hidepid",
    "hidepid", "'yes'")
ONE_ERROR(resolve_maybe, QUEUES "set resolve maybe\n", "set resolve",
    "resolve", "'maybe'")
ONE_ERROR(sort_order_up, QUEUES "set sort_order up\n", "set sort_order",
    "sort_order", "'up'")
ONE_ERROR(limit_abc, QUEUES "set limit abc\n", "set limit", "limit", "'abc'")
ONE_ERROR(limit_negative, QUEUES "set limit -1\n", "set limit", "limit")
ONE_ERROR(sleep_missing_value, QUEUES "set sleep\n", "set sleep", "sleep")
ONE_ERROR(threshold_undefined_queue, QUEUES "set threshold nosuch 3 foo\n",
    "set threshold", "'nosuch'", "not defined")
ONE_ERROR(threshold_count_zero, QUEUES "set threshold a 0 foo\n",
    "set threshold", "greater than zero")
ONE_ERROR(threshold_count_abc, QUEUES "set threshold a abc foo\n",
    "set threshold", "'abc'")
ONE_ERROR(threshold_bad_regex, QUEUES "set threshold a 2 (x\n",
    "set threshold", "regex")
ONE_ERROR(queue_named_trash, QUEUES "set queue trash f t [now]\n",
    "set queue trash", "'trash'", "builtin")
ONE_ERROR(queue_named_repeat, QUEUES "set queue repeat f t [now]\n",
    "set queue repeat", "'repeat'", "builtin")
ONE_ERROR(queue_named_group_host, QUEUES "set queue group_host f t [now]\n",
    "set queue group_host", "'group_host'", "builtin")
ONE_ERROR(queue_named_csv, QUEUES "set queue csv f t [now]\n",
    "set queue csv", "set csv")
ONE_ERROR(unknown_keyword, QUEUES "frobnicate\n", "frobnicate",
    "'frobnicate'")
ONE_ERROR(rule_without_regex, QUEUES "a\n", "a\n", "'a'")

static void
test_error_missing_config_file(void **state)
{
	char path[160];

	(void)state;
	snprintf(path, sizeof(path), "%s/nosuch.conf", dir);
	assert_int_equal(load(path), -1);
	expect_errors(&cf, 1);
	assert_non_null(strstr(nth(&cf, DIAG_ERROR, 0)->msg, "nosuch.conf"));
	done();
}

static void
test_several_errors_all_reported(void **state)
{
	static const char text[] =
	    QUEUES
	    "set hidepid yes\n"
	    "a ok\n"
	    "nosuch foo\n"
	    "a broken(\n"
	    "set sort_order up\n"
	    "a,b:2,c x\n"
	    "group_end\n"
	    "b ok too\n";

	(void)state;
	put("main.conf", text);
	assert_int_equal(load(mainpath), -1);
	expect_errors(&cf, 6);
	check_diag(&cf, nth(&cf, DIAG_ERROR, 0), mainpath,
	    line_of(text, "set hidepid"), "hidepid", (const char *)NULL);
	check_diag(&cf, nth(&cf, DIAG_ERROR, 1), mainpath,
	    line_of(text, "nosuch"), "nosuch", (const char *)NULL);
	check_diag(&cf, nth(&cf, DIAG_ERROR, 2), mainpath,
	    line_of(text, "a broken("), "broken(", (const char *)NULL);
	check_diag(&cf, nth(&cf, DIAG_ERROR, 3), mainpath,
	    line_of(text, "set sort_order"), "sort_order", (const char *)NULL);
	check_diag(&cf, nth(&cf, DIAG_ERROR, 4), mainpath,
	    line_of(text, "a,b:2,c"), "before", (const char *)NULL);
	check_diag(&cf, nth(&cf, DIAG_ERROR, 5), mainpath,
	    line_of(text, "group_end"), "group_end", (const char *)NULL);
	/* the good rules around the bad ones are still there */
	assert_int_equal(cf.nrules, 2);
	assert_string_equal(cf.rules[0].re.src, "ok");
	assert_string_equal(cf.rules[1].re.src, "ok too");
	done();
}

static void
test_valid_config_loads(void **state)
{
	static const char text[] =
	    "# a comment\n"
	    "\n"
	    "   \t# indented comment\n"
	    "set mailserver mx.example.org:2525\n"
	    QUEUES
	    "set queue solo f t [now]\n"
	    "set threshold a 3 ^foo\n"
	    "group ^sshd\n"
	    "  a,b:10,c:50 Accepted (\\S+) for (\\S+)\n"
	    "  solo:2 x\n"
	    "group_end\n"
	    "trash ^noise\n"
	    "repeat last message repeated (\\d+) times\n"
	    "group_host ^db\n"
	    "b .*\n"
	    "group_end\n";

	(void)state;
	put("main.conf", text);
	assert_int_equal(load(mainpath), 0);
	expect_errors(&cf, 0);
	expect_warnings(&cf, 0);
	assert_string_equal(cf.mailserver, "mx.example.org:2525");
	assert_int_equal(cf.nqueues, 4);
	assert_int_equal(conf_queue_find(&cf, "solo"), 3);
	assert_int_equal(conf_queue_find(&cf, "nosuch"), -1);
	assert_true(cf.queues[0].now);
	assert_false(cf.queues[1].now);
	assert_string_equal(cf.queues[1].sched, "0 9 * * *");
	assert_int_equal(cf.queues[0].nthr, 1);
	assert_int_equal(cf.queues[0].thr[0].count, 3);
	assert_int_equal(cf.nrules, 7);
	assert_int_equal(cf.rules[0].kind, RULE_GROUP);
	assert_int_equal(cf.rules[0].skip, 3);
	assert_int_equal(cf.rules[1].kind, RULE_QUEUE);
	assert_int_equal(cf.rules[1].ntargets, 3);
	assert_int_equal(cf.rules[1].targets[0].queue, 0);
	assert_int_equal(cf.rules[1].targets[0].esc, 0);
	assert_int_equal(cf.rules[1].targets[1].queue, 1);
	assert_int_equal(cf.rules[1].targets[1].esc, 10);
	assert_int_equal(cf.rules[1].targets[2].queue, 2);
	assert_int_equal(cf.rules[1].targets[2].esc, 50);
	assert_int_equal(cf.rules[1].max_esc, 50);
	assert_string_equal(cf.rules[1].re.src, "Accepted (\\S+) for (\\S+)");
	assert_int_equal(cf.rules[1].line, line_of(text, "a,b:10"));
	assert_string_equal(cf.rules[1].file, mainpath);
	assert_int_equal(cf.rules[2].ntargets, 1);
	assert_int_equal(cf.rules[2].targets[0].esc, 2);
	assert_int_equal(cf.rules[2].max_esc, 2);
	assert_int_equal(cf.rules[3].kind, RULE_TRASH);
	assert_int_equal(cf.rules[4].kind, RULE_REPEAT);
	assert_int_equal(cf.rules[5].kind, RULE_GROUP_HOST);
	assert_int_equal(cf.rules[5].skip, 7);
	done();
}

static void
test_equal_escalation_numbers_allowed(void **state)
{

	(void)state;
	put("main.conf", QUEUES "a,b:5,c:5 x\na,b,c:7 y\n");
	assert_int_equal(load(mainpath), 0);
	assert_int_equal(cf.nrules, 2);
	assert_int_equal(cf.rules[1].targets[1].esc, 0);
	assert_int_equal(cf.rules[1].max_esc, 7);
	done();
}

static void
test_defaults(void **state)
{

	(void)state;
	put("main.conf", "# nothing\n");
	assert_int_equal(load(mainpath), 0);
	assert_int_equal(cf.ndiags, 0);
	assert_int_equal(cf.sleep, 5);
	assert_string_equal(cf.mask, "______");
	assert_int_equal(cf.masklen, 6);
	assert_string_equal(cf.subject, "tenshi report");
	assert_false(cf.sort_ascending);
	assert_int_equal(cf.max_line, 65536);
	assert_int_equal(cf.limit, 0);
	assert_int_equal(cf.mailtimeout, 10);
	assert_false(cf.hidepid);
	assert_false(cf.resolve);
	assert_int_equal(cf.nqueues, 0);
	assert_int_equal(cf.nrules, 0);
	assert_int_equal(cf.nprefixes, 0);
	done();
}

static void
test_set_values(void **state)
{

	(void)state;
	put("main.conf",
	    "set sleep 30\n"
	    "set limit 12\n"
	    "set pager_limit 3\n"
	    "set mailtimeout 20\n"
	    "set sort_order ascending\n"
	    "set hidepid on\n"
	    "set resolve on\n"
	    "set subject Log report for  all\n"
	    "set logprefix ^\\S+ (\\S+) \n"
	    "set max_line 1024\n");
	assert_int_equal(load(mainpath), 0);
	assert_int_equal(cf.sleep, 30);
	assert_int_equal(cf.limit, 12);
	assert_int_equal(cf.pager_limit, 3);
	assert_int_equal(cf.mailtimeout, 20);
	assert_true(cf.sort_ascending);
	assert_true(cf.hidepid);
	assert_true(cf.resolve);
	assert_string_equal(cf.subject, "Log report for  all");
	assert_int_equal(cf.nprefixes, 1);
	assert_string_equal(cf.prefixes[0].re.src, "^\\S+ (\\S+)");
	assert_int_equal(cf.max_line, 1024);
	done();
}

static void
test_set_mask_alone_is_empty(void **state)
{

	(void)state;
	put("main.conf", "set mask <x>\nset mask\n");
	assert_int_equal(load(mainpath), 0);
	assert_string_equal(cf.mask, "");
	assert_int_equal(cf.masklen, 0);
	done();

	put("main.conf", "set mask   \t \r\n");
	assert_int_equal(load(mainpath), 0);
	assert_string_equal(cf.mask, "");
	assert_int_equal(cf.masklen, 0);
	done();

	put("main.conf", "set mask [*]\n");
	assert_int_equal(load(mainpath), 0);
	assert_string_equal(cf.mask, "[*]");
	assert_int_equal(cf.masklen, 3);
	done();
}

static void
test_trailing_blanks_and_cr_stripped(void **state)
{
	static const char text[] =
	    "set queue q f@x t@y [now] Nightly  report \t\r\n"
	    "set subject Global subject \r\n"
	    "set mailserver mx.example.org:25\t\r\n"
	    "set mask <m> \r\n"
	    "set limit 7 \r\n"
	    "set hidepid on\r\n"
	    "q blank at end  \n"
	    "q cr at end\r\n"
	    "q tab and cr at end\t\r\n"
	    "q clean\n";

	(void)state;
	put("main.conf", text);
	assert_int_equal(load(mainpath), 0);
	expect_errors(&cf, 0);
	assert_string_equal(cf.queues[0].subject, "Nightly  report");
	assert_string_equal(cf.queues[0].to, "t@y");
	assert_string_equal(cf.subject, "Global subject");
	assert_string_equal(cf.mailserver, "mx.example.org:25");
	assert_string_equal(cf.mask, "<m>");
	assert_int_equal(cf.limit, 7);
	assert_true(cf.hidepid);
	assert_int_equal(cf.nrules, 4);
	assert_string_equal(cf.rules[0].re.src, "blank at end");
	assert_string_equal(cf.rules[1].re.src, "cr at end");
	assert_string_equal(cf.rules[2].re.src, "tab and cr at end");
	assert_string_equal(cf.rules[3].re.src, "clean");
	assert_true(cf.rules[0].trailing_blank);
	assert_true(cf.rules[2].trailing_blank);
	assert_false(cf.rules[3].trailing_blank);
	/* a warning for each rule whose regex ended in a blank */
	{
		size_t i, n = 0;

		for (i = 0; i < cf.ndiags; i++) {
			const struct diag *d = &cf.diags[i];

			if (d->level != DIAG_WARNING)
				continue;
			if (d->line == line_of(text, "q blank") ||
			    d->line == line_of(text, "q tab")) {
				assert_string_equal(d->file, mainpath);
				n++;
			}
		}
		if (n != 2) {
			dump(&cf);
			fail_msg("%zu trailing-blank warnings, want 2", n);
		}
	}
	done();
}

static void
test_pager_stripped_from_every_recipient(void **state)
{

	(void)state;
	put("main.conf",
	    "set queue p f@x pager:a@x,pager:b@y,c@z [now]\n"
	    "set queue n f@x a@x,b@y [now]\n"
	    "set queue m f@x a@x,pager:b@y [now]\n");
	assert_int_equal(load(mainpath), 0);
	assert_string_equal(cf.queues[0].to, "a@x,b@y,c@z");
	assert_true(cf.queues[0].pager);
	assert_string_equal(cf.queues[1].to, "a@x,b@y");
	assert_false(cf.queues[1].pager);
	/* Debian's sample 'mobile' queue: "pager:" on a later recipient only
	 * is stripped there too, but as in tenshi only a leading "pager:"
	 * makes a pager queue */
	assert_string_equal(cf.queues[2].to, "a@x,b@y");
	assert_false(cf.queues[2].pager);
	done();
}

static void
test_queue_redefinition_merges_with_warning(void **state)
{
	static const char text[] =
	    "set queue q f1@x pager:t1@x [now] First subject\n"
	    "set queue other f t [now]\n"
	    "set queue q f2@x t2@x [0 9 * * *]\n";
	const struct queue_def *q;

	(void)state;
	put("main.conf", text);
	assert_int_equal(load(mainpath), 0);
	expect_errors(&cf, 0);
	expect_warnings(&cf, 1);
	check_diag(&cf, nth(&cf, DIAG_WARNING, 0), mainpath, 3, "'q'",
	    (const char *)NULL);
	assert_int_equal(cf.nqueues, 2);
	assert_int_equal(conf_queue_find(&cf, "q"), 0);
	q = &cf.queues[0];
	/* tenshi: now stays once set, pager stays on, the subject stays when
	 * the new line has none; sender and recipients are the new ones */
	assert_true(q->now);
	assert_true(q->pager);
	assert_string_equal(q->subject, "First subject");
	assert_string_equal(q->from, "f2@x");
	assert_string_equal(q->to, "t2@x");
	done();
}

static void
test_queue_redefinition_new_subject(void **state)
{

	(void)state;
	put("main.conf",
	    "set queue q f t [0 9 * * *]\n"
	    "set queue q f t [now] Second\n");
	assert_int_equal(load(mainpath), 0);
	assert_int_equal(cf.nqueues, 1);
	assert_true(cf.queues[0].now);
	assert_string_equal(cf.queues[0].subject, "Second");
	assert_false(cf.queues[0].pager);
	done();
}

static void
test_include_relative_to_including_file(void **state)
{
	char subpath[256], otherpath[256];

	(void)state;
	snprintf(subpath, sizeof(subpath), "%s/sub/inc.conf", dir);
	snprintf(otherpath, sizeof(otherpath), "%s/sub/other.conf", dir);
	put("sub/inc.conf", "set queue fromsub f t [now]\ninclude other.conf\n");
	put("sub/other.conf", "set queue fromother f t [now]\n");
	/* a decoy next to main.conf: must not be the one read */
	put("other.conf", "set queue decoy f t [now]\n");
	put("main.conf", "include sub/inc.conf\nfromsub x\nfromother y\n");
	assert_int_equal(load(mainpath), 0);
	expect_errors(&cf, 0);
	assert_true(conf_queue_find(&cf, "fromsub") >= 0);
	assert_true(conf_queue_find(&cf, "fromother") >= 0);
	assert_int_equal(conf_queue_find(&cf, "decoy"), -1);
	assert_int_equal(cf.nrules, 2);
	/* queue definitions remember the file they came from */
	assert_string_equal(cf.queues[0].file, subpath);
	assert_int_equal(cf.queues[0].line, 1);
	assert_string_equal(cf.queues[1].file, otherpath);
	done();
}

static void
test_include_absolute_path(void **state)
{
	char text[512];
	const char *inc;

	(void)state;
	inc = put("abs.conf", "set queue q f t [now]\n");
	snprintf(text, sizeof(text), "include %s\nq x\n", inc);
	put("main.conf", text);
	assert_int_equal(load(mainpath), 0);
	assert_int_equal(cf.nrules, 1);
	done();
}

static void
test_error_in_included_file_names_that_file(void **state)
{
	char incpath[256];

	(void)state;
	snprintf(incpath, sizeof(incpath), "%s/inc.conf", dir);
	put("inc.conf", "set queue q f t [now]\n\nq ok\nnosuch bad\n");
	put("main.conf", "# main\ninclude inc.conf\nq fine\n");
	assert_int_equal(load(mainpath), -1);
	expect_errors(&cf, 1);
	check_diag(&cf, nth(&cf, DIAG_ERROR, 0), incpath, 4, "nosuch",
	    (const char *)NULL);
	done();
}

static void
test_missing_include_names_including_file_and_line(void **state)
{
	static const char text[] = "set queue q f t [now]\n\ninclude nosuch.conf\nq x\n";

	(void)state;
	put("main.conf", text);
	assert_int_equal(load(mainpath), -1);
	expect_errors(&cf, 1);
	check_diag(&cf, nth(&cf, DIAG_ERROR, 0), mainpath, 3, "nosuch.conf",
	    (const char *)NULL);
	assert_int_equal(cf.nrules, 1);		/* the rest is still read */
	done();
}

static void
test_missing_includedir_names_including_file_and_line(void **state)
{

	(void)state;
	put("main.conf", "# x\nincludedir nosuch.d\n");
	assert_int_equal(load(mainpath), -1);
	expect_errors(&cf, 1);
	check_diag(&cf, nth(&cf, DIAG_ERROR, 0), mainpath, 2, "nosuch.d",
	    (const char *)NULL);
	done();
}

static void
test_includedir_byte_order_skips_dot_files_and_dirs(void **state)
{
	char path[256];
	size_t i;
	static const char *const want[] = {
		"from 10-first", "from B.conf", "from _under", "from a.conf",
		"from b.conf", "from link", "from z~",
	};

	(void)state;
	put("main.conf", "set queue q f t [now]\nincludedir rules.d\nq from main\n");
	put("rules.d/b.conf", "q from b.conf\n");
	put("rules.d/a.conf", "q from a.conf\n");
	put("rules.d/B.conf", "q from B.conf\n");
	put("rules.d/10-first", "q from 10-first\n");
	put("rules.d/_under", "q from _under\n");
	put("rules.d/z~", "q from z~\n");
	/* skipped: dot files (even broken ones), directories */
	put("rules.d/.hidden", "this is not a valid line\n");
	put("rules.d/.#editor-lock", "neither is this\n");
	snprintf(path, sizeof(path), "%s/rules.d/subdir", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	put("rules.d/subdir/x.conf", "q from subdir\n");
	/* a symlink to a regular file is followed */
	put("target.conf", "q from link\n");
	snprintf(path, sizeof(path), "%s/rules.d/link", dir);
	assert_int_equal(symlink("../target.conf", path), 0);

	assert_int_equal(load(mainpath), 0);
	expect_errors(&cf, 0);
	assert_int_equal(cf.nrules, sizeof(want) / sizeof(want[0]) + 1);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(cf.rules[i].re.src, want[i]);
	assert_string_equal(cf.rules[i].re.src, "from main");
	done();
}

static void
test_includedir_relative_to_including_file(void **state)
{

	(void)state;
	put("etc/main.conf", "set queue q f t [now]\ninclude conf.d/top.conf\n");
	put("etc/conf.d/top.conf", "includedir rules.d\n");
	put("etc/conf.d/rules.d/r1", "q one\n");
	put("etc/rules.d/r1", "q wrong one\n");
	snprintf(mainpath, sizeof(mainpath), "%s/etc/main.conf", dir);
	assert_int_equal(load(mainpath), 0);
	assert_int_equal(cf.nrules, 1);
	assert_string_equal(cf.rules[0].re.src, "one");
	done();
}

static void
test_include_loop_is_an_error(void **state)
{
	char bpath[256];
	time_t t0 = time(NULL);

	(void)state;
	snprintf(bpath, sizeof(bpath), "%s/b.conf", dir);
	put("main.conf", "set queue q f t [now]\ninclude b.conf\nq main\n");
	put("b.conf", "include main.conf\n");
	assert_int_equal(load(mainpath), -1);
	assert_true(time(NULL) - t0 < 5);
	expect_errors(&cf, 1);
	check_diag(&cf, nth(&cf, DIAG_ERROR, 0), bpath, 1, "loop",
	    (const char *)NULL);
	done();
}

static void
test_self_include_twice_is_not_exponential(void **state)
{
	time_t t0 = time(NULL);

	(void)state;
	/* each include of the loop is one error, found at once: not 2^depth
	 * nested parses */
	put("main.conf", "include main.conf\ninclude main.conf\n");
	assert_int_equal(load(mainpath), -1);
	assert_true(time(NULL) - t0 < 5);
	expect_errors(&cf, 2);
	check_diag(&cf, nth(&cf, DIAG_ERROR, 0), mainpath, 1, "loop",
	    (const char *)NULL);
	check_diag(&cf, nth(&cf, DIAG_ERROR, 1), mainpath, 2, "loop",
	    (const char *)NULL);
	done();
}

static void
test_same_file_included_twice_is_not_a_loop(void **state)
{

	(void)state;
	put("common.conf", "q common\n");
	put("main.conf", "set queue q f t [now]\ninclude common.conf\n"
	    "include common.conf\n");
	assert_int_equal(load(mainpath), 0);
	expect_errors(&cf, 0);
	assert_int_equal(cf.nrules, 2);
	done();
}

static void
test_groups_across_files(void **state)
{

	(void)state;
	/* tenshi: state is global, a group may be closed in another file */
	put("open.conf", "group ^sshd\n");
	put("close.conf", "group_end\n");
	put("main.conf", "set queue q f t [now]\ninclude open.conf\nq in\n"
	    "include close.conf\nq out\n");
	assert_int_equal(load(mainpath), 0);
	assert_int_equal(cf.nrules, 3);
	assert_int_equal(cf.rules[0].kind, RULE_GROUP);
	assert_int_equal(cf.rules[0].skip, 2);
	done();
}

static void
test_tail_directives_warned_not_errors(void **state)
{

	(void)state;
	put("main.conf", "set tail /usr/bin/tail -F\nset tail_multiple on\n");
	assert_int_equal(load(mainpath), 0);
	expect_warnings(&cf, 2);
	done();
}

/* "set journal_dir DIR without set journal reads nothing" (issue): a
 * journal directory or file means "read this journal"; and every set
 * directive's place is kept for lint. */
static void
test_journal_dir_implies_journal(void **state)
{
	static const char text[] =
	    "set queue q a@b c@d [now]\n"
	    "set journal_dir /var/log/journal/remote\n"
	    "q .*\n";
	const struct conf_setloc *l;

	(void)state;
	assert_int_equal(load(put("j.conf", text)), 0);
	assert_true(cf.journal);
	assert_string_equal(cf.journal_dir, "/var/log/journal/remote");
	l = conf_set_where(&cf, "journal_dir");
	assert_non_null(l);
	assert_int_equal(l->line, line_of(text, "set journal_dir"));
	assert_null(conf_set_where(&cf, "listen"));
	done();
}

/* set redis and friends (conf_redis.c) */
ONE_ERROR(redis_bad_url, "set redis http://127.0.0.1:6379\n", "set redis",
    "not a Redis URL", "redis://")
ONE_ERROR(redis_bad_port, "set redis redis://127.0.0.1:99999\n", "set redis",
    "port from 1 to 65535")
ONE_ERROR(redis_partitions_zero, "set redis redis://h\nset partitions 0\n",
    "set partitions", "at least 1")
ONE_ERROR(redis_instance_name, "set instance a/b\n", "set instance",
    "letters, digits")
ONE_ERROR(redis_redisserver_url, "set redisserver redis://h:1\n",
    "set redisserver", "HOST[:PORT]")

static void
test_redis_directives(void **state)
{
	const char *text = "set redis redis://:pw@[::1]:6380/2\n"
	    "set partitions 16\nset lease 3\nset instance web-1.a\n"
	    "set redis_prefix lwx\nset redis_max_stream 500\n"
	    "set redisqueue q1\nset redisqueue q2\nset redisserver r:7000\n";

	(void)state;
	put("main.conf", text);
	assert_int_equal(load(mainpath), 0);
	expect_errors(&cf, 0);
	assert_string_equal(cf.redis.url, "redis://:pw@[::1]:6380/2");
	assert_int_equal(cf.redis.partitions, 16);
	assert_int_equal(cf.redis.lease, 3);
	assert_string_equal(cf.redis.instance, "web-1.a");
	assert_string_equal(cf.redis.prefix, "lwx");
	assert_int_equal(cf.redis.max_stream, 500);
	assert_int_equal(cf.redis.lists.n, 2);
	assert_string_equal(cf.redis.lists.v[1], "q2");
	assert_string_equal(cf.redis.list_server, "r:7000");
	done();
}

static void
test_redis_partitions_need_a_server(void **state)
{
	(void)state;
	put("main.conf", "set partitions 8\n");
	assert_int_equal(load(mainpath), -1);
	expect_errors(&cf, 1);
	assert_non_null(strstr(nth(&cf, DIAG_ERROR, 0)->msg, "needs set redis"));
	done();
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_error_undefined_queue),
		T(test_journal_dir_implies_journal),
		T(test_error_undefined_queue_in_list),
		T(test_error_queue_used_before_definition),
		T(test_error_builtin_last_in_list),
		T(test_error_builtin_first_in_list),
		T(test_error_group_in_list),
		T(test_error_escalation_zero),
		T(test_error_escalation_not_a_number),
		T(test_error_escalation_negative),
		T(test_error_escalation_leading_zero),
		T(test_error_escalation_empty),
		T(test_error_escalation_decreasing),
		T(test_error_escalation_plain_after_numbered),
		T(test_error_escalation_on_leftmost),
		T(test_error_group_end_without_group),
		T(test_error_group_end_once_too_often),
		T(test_error_unclosed_group),
		T(test_error_unclosed_group_host),
		T(test_error_bad_regex),
		T(test_error_bad_regex_in_group_then_group_end),
		T(test_error_logprefix_without_group),
		T(test_error_logprefix_bad_regex),
		T(test_error_queue_bad_cron_value),
		T(test_error_queue_cron_four_fields),
		T(test_error_queue_cron_junk),
		T(test_error_queue_bad_cron_then_used),
		T(test_error_queue_no_schedule),
		T(test_error_unknown_set),
		T(test_error_hidepid_yes),
		T(test_error_resolve_maybe),
		T(test_error_sort_order_up),
		T(test_error_limit_abc),
		T(test_error_limit_negative),
		T(test_error_sleep_missing_value),
		T(test_error_threshold_undefined_queue),
		T(test_error_threshold_count_zero),
		T(test_error_threshold_count_abc),
		T(test_error_threshold_bad_regex),
		T(test_error_queue_named_trash),
		T(test_error_queue_named_repeat),
		T(test_error_queue_named_group_host),
		T(test_error_queue_named_csv),
		T(test_error_unknown_keyword),
		T(test_error_rule_without_regex),
		T(test_error_missing_config_file),
		T(test_several_errors_all_reported),
		T(test_valid_config_loads),
		T(test_equal_escalation_numbers_allowed),
		T(test_defaults),
		T(test_set_values),
		T(test_set_mask_alone_is_empty),
		T(test_trailing_blanks_and_cr_stripped),
		T(test_pager_stripped_from_every_recipient),
		T(test_queue_redefinition_merges_with_warning),
		T(test_queue_redefinition_new_subject),
		T(test_include_relative_to_including_file),
		T(test_include_absolute_path),
		T(test_error_in_included_file_names_that_file),
		T(test_missing_include_names_including_file_and_line),
		T(test_missing_includedir_names_including_file_and_line),
		T(test_includedir_byte_order_skips_dot_files_and_dirs),
		T(test_includedir_relative_to_including_file),
		T(test_include_loop_is_an_error),
		T(test_self_include_twice_is_not_exponential),
		T(test_same_file_included_twice_is_not_a_loop),
		T(test_groups_across_files),
		T(test_tail_directives_warned_not_errors),
		T(test_error_redis_bad_url),
		T(test_error_redis_bad_port),
		T(test_error_redis_partitions_zero),
		T(test_error_redis_instance_name),
		T(test_error_redis_redisserver_url),
		T(test_redis_directives),
		T(test_redis_partitions_need_a_server),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown_match);
}
