/*
 * Unit tests for lcdb_use_scan's placing of the rules in its two
 * Hyperscan databases (a tail after one of the stamp prefixes, or the
 * whole line; rules with a top-level '|', backreferences into the stamp,
 * a prefix no variant knows): every file's verdict on lines that match
 * and lines that nearly match must be PCRE2's, rule by rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "classify/lcclass.h"
#include "conf/lcdb.h"

#define PFX_W	"^\\w{3} [ :0-9]{11} [._[:alnum:]-]+ "
#define PFX_2	"^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ "
#define PFX_1	"^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ "

/* One cracking.d file per rule, so each rule's verdict is an alert of
 * its own.  The backreferences of the shipped rules point at the stamp
 * (group 1 of the prefix). */
static const char *const rules[] = {
	PFX_W "kernel: imklog [0-9.]+, log source = /proc/kmsg started.$",
	PFX_W "rsyslogd: exiting on signal [0-9]+.$",
	PFX_2 "snort: | Hash Method:     [0-9]+$",
	PFX_2 "isdnlog: | line.* : free$",
	PFX_1 "postfix/smtp\\[[0-9]+\\]: status=sent \\(250 Ok((, id=[0-9]+)?"
	    ": queued as [A-F0-9]+|, discarded)*|, DSN muted \\([45][0-9][0-9]\\)"
	    "\\)$",
	"^[-0-9]{10} [0-9:]{8} (Start|End) queue run: pid=[0-9]+$",
	"bar baz|" PFX_W "evil: [a-z]+$",
	PFX_1 "sshd\\[[0-9]+\\]: ([a-z]+) and \\1$",
	PFX_1 "postfix/smtpd\\[[0-9]+\\]: warning: ([-._[:alnum:]]+): name=\\1 "
	    "type=A$",
	PFX_1 "kernel:( \\[ *[0-9]+\\.[0-9]+\\])? ([a-z]+):( (\\1[0-9]+|[<>]))+",
	PFX_W "x\\[([0-9])\\]: [\\1]\\1$",
	"a||b",
	"(x|y)z|^q+",
};

static const char *const lines[] = {
	"Mar 10 06:00:00 host kernel: imklog 8.2102.0, log source = /proc/kmsg started.",
	"Mar 10 06:00:00 host kernel: imklog 8.2102.0, log source = /proc/kmsg started. ",
	"2026-03-10T06:00:00.000000+00:00 host kernel: imklog 8.1, log source = /proc/kmsg started.",
	"Mar  1 6:00:00:00 h.x-y_z rsyslogd: exiting on signal 15.",
	"Mar  1 06:00:00 h rsyslogd: exiting on signal 15",
	"Ma1 10 06:00:00 host rsyslogd: exiting on signal 9!",
	"M 10 06:00:00 host rsyslogd: exiting on signal 9.",
	"Mar 10 06:00:00 host snort: anything at all",
	"Mar 10 06:00:00 host snort:anything",
	"2026-03-10T06:00:00.000000+00:00 host snort: x",
	"Mar 10 06:00:00 host other: Hash Method:     12",
	"Hash Method:     12",
	"x Hash Method:     12 ",
	"Mar 10 06:00:00 host isdnlog: x",
	"anything line 3 : free",
	"anything line 3 : free!",
	"Mar 10 06:00:00 mx postfix/smtp[12]: status=sent (250 Ok, id=1: queued as AB, discarded",
	"Mar 10 06:00:00 mx postfix/smtp[12]: status=sent (250 Ok",
	"Mar 10 06:00:00 mx postfix/smtp[12]: status=sent (250 Ko",
	"whatever, DSN muted (550))",
	"whatever, DSN muted (550)) ",
	"2026-03-10 06:00:00 Start queue run: pid=12",
	"2026-03-10 06:00:00 Start queue run: pid=12x",
	"xx bar baz yy",
	"Mar 10 06:00:00 host evil: abc",
	"Mar 10 06:00:00 host evil: abc1",
	"2026-03-10T06:00:00.000000+00:00 host evil: abc",
	"Mar 10 06:00:00 host sshd[1]: abc and abc",
	"Mar 10 06:00:00 host sshd[1]: abc and abd",
	"Mar 10 06:00:00 host sshd[1]: abc and Mar 10 06:00:00",
	"Mar 10 06:00:00 host sshd[1]: abc and Mar 10 06:00:01",
	"Mar 10 06:00:00 mx postfix/smtpd[1]: warning: h.x: name=Mar 10 06:00:00 type=A",
	"Mar 10 06:00:00 mx postfix/smtpd[1]: warning: h.x: name=h.x type=A",
	"2026-03-10T06:00:00.000000+00:00 mx postfix/smtpd[1]: warning: a: "
	    "name=2026-03-10T06:00:00.000000+00:00 type=A",
	"2026-03-10T06:00:00.000000+00:00 mx postfix/smtpd[1]: warning: a: "
	    "name=2026-03-10T06:00:00.000000+00:01 type=A",
	"Mar 10 06:00:00 h kernel: [ 1.5] usb: Mar 10 06:00:0012 <",
	"Mar 10 06:00:00 h kernel: usb: >",
	"Mar 10 06:00:00 h kernel: usb: 12",
	"Mar 10 06:00:00 h x[7]: 77",
	"Mar 10 06:00:00 h x[7]: \\7",
	"Mar 10 06:00:00 h x[7]: 17",
	"nothing here",
	"",
	"xz",
	"qqq",
	"Mar 10 06:00:00 host",
	"Mar 10 06:00:00 host ",
};

static char	 dir[64];

static void
write_tree(void)
{
	char path[128];
	size_t i;
	FILE *fp;

	assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "lcdb"), 0);
	snprintf(path, sizeof(path), "%s/cracking.d", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		snprintf(path, sizeof(path), "%s/cracking.d/r%02zu", dir, i);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fprintf(fp, "%s\n", rules[i]);
		assert_int_equal(fclose(fp), 0);
	}
}

static void
test_scan_same_as_pcre2(void **state)
{
	struct lcdb re, hs;
	struct lc_line a, b;
	size_t i, f, hits = 0, misses = 0;

	(void)state;
	write_tree();
	if (lcdb_load(&re, dir, LC_SERVER, false) != 0)
		fail_msg("%s", re.errors[0]);
	lcdb_use_pcre2(&re);
	assert_int_equal(lcdb_load(&hs, dir, LC_SERVER, false), 0);
	assert_int_equal(lcdb_use_scan(&hs, NULL), 0);
	/* the backreference rules stay whole, confirmed by PCRE2 */
	for (i = 7; i <= 10; i++) {
		assert_int_equal(hs.id_variant[i], 0);
		assert_int_not_equal(hs.scan.mode[i], SCAN_EXACT);
	}
	lcdb_line_init(&re, &a);
	lcdb_line_init(&hs, &b);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		size_t len = strlen(lines[i]);

		lcclass_line(&re, lines[i], len, &a);
		lcclass_line(&hs, lines[i], len, &b);
		for (f = 0; f < re.cracking.nfiles; f++) {
			if (a.alert[f] != b.alert[f])
				fail_msg("rule %s, line \"%s\": PCRE2 %d, "
				    "Hyperscan %d", rules[f], lines[i],
				    a.alert[f], b.alert[f]);
			hits += a.alert[f];
			misses += !a.alert[f];
		}
		assert_int_equal(a.any_cracking, b.any_cracking);
	}
	/* the lines are not all on one side */
	assert_true(hits >= 15);
	assert_true(misses >= 15);
	lcdb_line_free(&a);
	lcdb_line_free(&b);
	lcdb_free(&re);
	lcdb_free(&hs);
	tu_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_same_as_pcre2),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown_match);
}
