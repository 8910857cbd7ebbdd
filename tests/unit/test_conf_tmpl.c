/*
 * Unit tests for conf_tmpl: set automask (every queue, some queues, a
 * queue defined later), max_templates, learn (durations), new_templates
 * (the rule it puts first, group ends shifted), silence and burst, and
 * every error with its file and line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/conf_tmpl.h"
#include "lib/match.h"

static char	 dir[64];
static char	 path[128];
static struct conf cf;
static int	 live;

static int
setup(void **state)
{
	(void)state;
	if (tu_mkdtemp(dir, sizeof(dir), "conf-tmpl") == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (live)
		conf_free(&cf);
	live = 0;
	return tu_rmtree(dir);
}

static int
load(const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	if (live)
		conf_free(&cf);
	live = 1;
	return conf_load(&cf, path);
}

/* exactly one error, on line, whose message contains needle */
static void
one_error(int line, const char *needle)
{
	size_t i, n = 0;

	for (i = 0; i < cf.ndiags; i++) {
		if (cf.diags[i].level != DIAG_ERROR)
			continue;
		n++;
		assert_int_equal(cf.diags[i].line, line);
		assert_string_equal(cf.diags[i].file, path);
		if (strstr(cf.diags[i].msg, needle) == NULL)
			fail_msg("'%s' not in '%s'", needle, cf.diags[i].msg);
	}
	assert_int_equal(n, 1);
}

#define Q "set queue %s a@b c@d [0 * * * *]\n"

static void
test_defaults(void **state)
{
	(void)state;
	assert_int_equal(load("set queue misc a@b c@d [0 * * * *]\nmisc .*\n"), 0);
	assert_false(conf_tmpl_automask(&cf, 0));
	assert_false(conf_tmpl_mining(&cf));
	assert_int_equal(cf.tmpl->max_templates, CONF_TMPL_MAX_TEMPLATES);
	assert_int_equal(cf.tmpl->learn, 0);
	assert_int_equal(cf.tmpl->new_queue, -1);
	assert_false(cf.tmpl->burst);
}

static void
test_automask(void **state)
{
	(void)state;
	assert_int_equal(load("set automask on\n"
	    "set queue a x@y z@w [0 * * * *]\n"
	    "set queue b x@y z@w [0 * * * *]\n"
	    "set automask off b\n"
	    "a .*\n"), 0);
	assert_true(conf_tmpl_automask(&cf, 0));
	assert_false(conf_tmpl_automask(&cf, 1));
	assert_true(conf_tmpl_mining(&cf));
	/* a queue defined after the directive */
	assert_int_equal(load("set automask on late\n"
	    "set queue early x@y z@w [0 * * * *]\n"
	    "set queue late x@y z@w [0 * * * *]\n"), 0);
	assert_false(conf_tmpl_automask(&cf, 0));
	assert_true(conf_tmpl_automask(&cf, 1));
	assert_int_equal(load("set queue a x@y z@w [0 * * * *]\n"
	    "set automask on nosuch\n"), -1);
	one_error(2, "queue 'nosuch' is not defined");
	assert_int_equal(load("set automask yes\n"), -1);
	one_error(1, "expected 'on' or 'off'");
}

static void
test_durations(void **state)
{
	int64_t s;

	(void)state;
	assert_int_equal(conf_tmpl_duration("7d", &s), 0);
	assert_int_equal(s, 7 * 86400);
	assert_int_equal(conf_tmpl_duration("12h", &s), 0);
	assert_int_equal(s, 12 * 3600);
	assert_int_equal(conf_tmpl_duration("90", &s), 0);
	assert_int_equal(s, 90);
	assert_int_equal(conf_tmpl_duration("2w", &s), 0);
	assert_int_equal(s, 14 * 86400);
	assert_int_equal(conf_tmpl_duration("5m", &s), 0);
	assert_int_equal(s, 300);
	assert_int_equal(conf_tmpl_duration("7days", &s), -1);
	assert_int_equal(conf_tmpl_duration("-1", &s), -1);
	assert_int_equal(conf_tmpl_duration("", &s), -1);
	assert_int_equal(conf_tmpl_duration("h", &s), -1);
	assert_int_equal(load("set learn 7d\nset max_templates 500\n"), 0);
	assert_int_equal(cf.tmpl->learn, 7 * 86400);
	assert_int_equal(cf.tmpl->max_templates, 500);
	assert_int_equal(load("\nset learn a week\n"), -1);
	one_error(2, "set learn: expected a duration");
	assert_int_equal(load("set max_templates 3\n"), -1);
	one_error(1, "too small");
}

static void
test_new_templates_rule(void **state)
{
	(void)state;
	assert_int_equal(load("set queue alerts x@y z@w [now]\n"
	    "set queue misc x@y z@w [0 * * * *]\n"
	    "group ^sshd:\n"
	    "misc Failed\n"
	    "group_end\n"
	    "misc .*\n"
	    "set new_templates alerts 5\n"), 0);
	assert_true(conf_tmpl_mining(&cf));
	assert_int_equal(cf.tmpl->new_queue, 0);
	assert_int_equal(cf.tmpl->new_rate, 5);
	/* the rule comes first, where the directive is */
	assert_int_equal(cf.nrules, 4);
	assert_int_equal(cf.rules[0].kind, RULE_QUEUE);
	assert_string_equal(cf.rules[0].re.src, CONF_TMPL_NEW_RULE);
	assert_int_equal(cf.rules[0].line, 7);
	assert_int_equal(cf.rules[0].targets[0].queue, 0);
	assert_int_equal(match_exec(&cf.rules[0].re, "logward[12]: new template "
	    "on web1: x", 36, NULL), MATCH_YES);
	assert_int_equal(match_exec(&cf.rules[0].re, "logward: new templates: 5 "
	    "more", 31, NULL), MATCH_YES);
	assert_int_equal(match_exec(&cf.rules[0].re, "sshd: new template", 18,
	    NULL), MATCH_NO);
	/* the group still ends after its rules */
	assert_int_equal(cf.rules[1].kind, RULE_GROUP);
	assert_int_equal(cf.rules[1].skip, 3);
	assert_int_equal(load("set new_templates nosuch\n"), -1);
	one_error(1, "queue 'nosuch' is not defined");
	assert_int_equal(load("set queue a x@y z@w [now]\nset new_templates a "
	    "lots\n"), -1);
	one_error(2, "new_templates");
}

static void
test_silence_and_burst(void **state)
{
	(void)state;
	assert_int_equal(load("set silence web* 2h\n"
	    "set silence /var/log/app.log 30m\n"
	    "set burst 10 100 5m\n"), 0);
	assert_int_equal(cf.tmpl->nsilence, 2);
	assert_string_equal(cf.tmpl->silence[0].pattern, "web*");
	assert_false(cf.tmpl->silence[0].input);
	assert_int_equal(cf.tmpl->silence[0].secs, 7200);
	assert_true(cf.tmpl->silence[1].input);
	assert_int_equal(cf.tmpl->silence[1].secs, 1800);
	assert_true(cf.tmpl->burst);
	assert_int_equal(cf.tmpl->burst_factor, 10);
	assert_int_equal(cf.tmpl->burst_min, 100);
	assert_int_equal(cf.tmpl->burst_window, 300);
	assert_int_equal(load("set burst 5\n"), 0);
	assert_int_equal(cf.tmpl->burst_min, 100);
	assert_int_equal(cf.tmpl->burst_window, 300);
	assert_int_equal(load("set burst 5\nset burst off\n"), 0);
	assert_false(cf.tmpl->burst);
	assert_int_equal(load("set silence web1\n"), -1);
	one_error(1, "set silence: expected");
	assert_int_equal(load("set silence web1 2s\n"), -1);
	one_error(1, "not a duration from 10s");
	assert_int_equal(load("set burst 1 5\n"), -1);
	one_error(1, "factor must be 2 or more");
	assert_int_equal(load("set burst 5 10 2y\n"), -1);
	one_error(1, "the window '2y'");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_automask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_durations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_templates_rule, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_silence_and_burst, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown_match);
}
