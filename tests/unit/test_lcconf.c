/*
 * test_lcconf — logcheck.conf read as bash would read its assignments,
 * without running anything: quoting, expansion, DATE's $(date +FORMAT),
 * commands and other substitutions ignored with a warning, numbers as
 * bash's -eq reads them; and the logfiles lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf/lcconf.h"
#include "testutil.h"

static void
parse(struct lcconf *lc, const char *text)
{
	lcconf_parse(lc, "logcheck.conf", text, strlen(text));
}

static const char *
val(const struct lcconf *lc, const char *name)
{
	const struct lcconf_var *v = lcconf_get(lc, name);

	return v != NULL ? v->value : NULL;
}

/* Debian's shipped logcheck.conf, as it is (comments, quotes). */
static void
debian_default(void **state)
{
	struct lcconf lc;

	(void)state;
	parse(&lc,
	    "# The following variable settings are the initial default values,\n"
	    "#DATE=\"$(date +'%Y-%m-%d %H:%M')\"\n"
	    "REPORTLEVEL=\"server\"\n"
	    "SENDMAILTO=\"logcheck\"\n"
	    "MAILASATTACH=0\n"
	    "FQDN=1\n"
	    "#ATTACKSUBJECT=\"Security Alerts\"\n"
	    "TMP=\"/tmp\"\n");
	assert_string_equal(val(&lc, "REPORTLEVEL"), "server");
	assert_string_equal(val(&lc, "SENDMAILTO"), "logcheck");
	assert_string_equal(val(&lc, "MAILASATTACH"), "0");
	assert_string_equal(val(&lc, "FQDN"), "1");
	assert_null(val(&lc, "DATE"));
	assert_null(val(&lc, "ATTACKSUBJECT"));
	assert_int_equal(lc.nwarnings, 0);
	lcconf_free(&lc);
}

static void
quoting_and_expansion(void **state)
{
	struct lcconf lc;

	(void)state;
	setenv("LCCONF_TEST_HOME", "/home/x", 1);
	parse(&lc,
	    "A='single $NOT expanded'\n"
	    "B=\"double with $A and ${A}\"\n"
	    "C=unquoted\\ with\\ escapes   # a comment\n"
	    "export D=\"$LCCONF_TEST_HOME/tmp\"\n"
	    "E=1 F=two; G=\"three\"\n"
	    "H=\"multi\n"
	    "line\"\n"
	    "I=a\"b\"'c'\n"
	    "J=\"esc \\\" \\$ \\\\ x\"\n"
	    "K=\n"
	    "L=$UNDEFINED_LCCONF_VAR\n");
	assert_string_equal(val(&lc, "A"), "single $NOT expanded");
	assert_string_equal(val(&lc, "B"), "double with single $NOT expanded "
	    "and single $NOT expanded");
	assert_string_equal(val(&lc, "C"), "unquoted with escapes");
	assert_string_equal(val(&lc, "D"), "/home/x/tmp");
	assert_string_equal(val(&lc, "E"), "1");
	assert_string_equal(val(&lc, "F"), "two");
	assert_string_equal(val(&lc, "G"), "three");
	assert_string_equal(val(&lc, "H"), "multi\nline");
	assert_int_equal(lcconf_get(&lc, "I")->line, 8);
	assert_string_equal(val(&lc, "I"), "abc");
	assert_string_equal(val(&lc, "J"), "esc \" $ \\ x");
	assert_string_equal(val(&lc, "K"), "");
	assert_string_equal(val(&lc, "L"), "");
	assert_int_equal(lc.nwarnings, 0);
	lcconf_free(&lc);
}

static void
date_format_understood(void **state)
{
	struct lcconf lc;
	const struct lcconf_var *v;

	(void)state;
	parse(&lc, "DATE=\"$(date +'%Y-%m-%d %H:%M')\"\n");
	v = lcconf_get(&lc, "DATE");
	assert_non_null(v);
	assert_true(v->date_fmt);
	assert_string_equal(v->value, "%Y-%m-%d %H:%M");
	lcconf_free(&lc);
	parse(&lc, "DATE=`date +%d.%m.%Y`\n");
	v = lcconf_get(&lc, "DATE");
	assert_true(v != NULL && v->date_fmt);
	assert_string_equal(v->value, "%d.%m.%Y");
	lcconf_free(&lc);
	/* a plain string is a plain DATE */
	parse(&lc, "DATE='2024-05-06 07:08 +0000'\n");
	v = lcconf_get(&lc, "DATE");
	assert_false(v->date_fmt);
	assert_string_equal(v->value, "2024-05-06 07:08 +0000");
	lcconf_free(&lc);
}

static void
commands_never_run(void **state)
{
	struct lcconf lc;
	char dir[256], path[300], text[2048];

	(void)state;
	assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "lcconf"), 0);
	snprintf(path, sizeof(path), "%s/ran", dir);
	snprintf(text, sizeof(text),
	    "touch %s\n"
	    "SENDMAILTO=\"$(touch %s; echo root)\"\n"
	    "X=`touch %s`\n"
	    "DATE=\"$(date +%%F; touch %s)\"\n"
	    "if [ -x /bin/true ]; then\n"
	    "  INTRO=0\n"
	    "fi\n"
	    "REPORTLEVEL=paranoid\n", path, path, path, path);
	parse(&lc, text);
	assert_int_equal(access(path, F_OK), -1);
	assert_null(val(&lc, "SENDMAILTO"));
	assert_null(val(&lc, "X"));
	assert_null(val(&lc, "DATE"));
	/* assignments inside an if are taken (with warnings for the if) */
	assert_string_equal(val(&lc, "INTRO"), "0");
	assert_string_equal(val(&lc, "REPORTLEVEL"), "paranoid");
	assert_true(lc.nwarnings >= 5);
	assert_non_null(strstr(lc.warnings[0], "logcheck.conf:1: warning: "
	    "not a variable assignment"));
	assert_non_null(strstr(lc.warnings[1], "logcheck.conf:2: warning: "
	    "SENDMAILTO: a command substitution is not run"));
	lcconf_free(&lc);
	tu_rmtree(dir);
}

static void
numbers_as_bash(void **state)
{
	struct lcconf lc;
	long n = -1;

	(void)state;
	parse(&lc, "SORTUNIQ=1\nFQDN=yes\nINTRO=\n");
	assert_true(lcconf_int(&lc, "SORTUNIQ", &n));
	assert_int_equal(n, 1);
	assert_false(lcconf_int(&lc, "FQDN", &n));
	assert_false(lcconf_int(&lc, "MISSING", &n));
	assert_int_equal(lc.nwarnings, 1);
	assert_non_null(strstr(lc.warnings[0], "FQDN=\"yes\" is not a number"));
	lcconf_free(&lc);
}

static void
unterminated_quote(void **state)
{
	struct lcconf lc;

	(void)state;
	parse(&lc, "A=1\nB=\"open\nC=3\n");
	assert_string_equal(val(&lc, "A"), "1");
	assert_null(val(&lc, "B"));
	assert_null(val(&lc, "C"));
	assert_int_equal(lc.nwarnings, 1);
	assert_non_null(strstr(lc.warnings[0], ":2: warning: unterminated"));
	lcconf_free(&lc);
}

static void
logfiles_list(void **state)
{
	char dir[256], path[300];
	char **v = NULL;
	size_t n = 0, i;
	FILE *fp;

	(void)state;
	assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "lcconf"), 0);
	snprintf(path, sizeof(path), "%s/syslog.logfiles", dir);
	fp = fopen(path, "w");
	fputs("## Log entries\n\n   \n# comment\n/var/log/syslog\njournal\n"
	    " /var/log/with space\n", fp);
	fclose(fp);
	assert_int_equal(lcconf_logfiles(path, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "/var/log/syslog");
	assert_string_equal(v[1], "journal");
	assert_string_equal(v[2], " /var/log/with space");
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(lcconf_logfiles(path, &v, &n), -1);
	tu_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(debian_default),
		cmocka_unit_test(quoting_and_expansion),
		cmocka_unit_test(date_format_understood),
		cmocka_unit_test(commands_never_run),
		cmocka_unit_test(numbers_as_bash),
		cmocka_unit_test(unterminated_quote),
		cmocka_unit_test(logfiles_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
