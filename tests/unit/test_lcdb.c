/*
 * Unit tests for lcdb_scan_build's placing of the rules in its Hyperscan
 * databases (a tail after one of the stamp prefixes, or the whole line;
 * rules with a top-level '|', backreferences into the stamp, a prefix no
 * variant knows; tails that tell digits apart, widened, and tails decided
 * by their shape from the memo): every file's verdict on lines that match
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
	/* a newline inside a line: the block scan leaves it to PCRE2 */
	"Mar 10 06:00:00 host snort: x\nHash Method:     12",
	"xx bar\nbaz yy",
	"x\n2026-03-10 06:00:00 Start queue run: pid=12",
	"2026-03-10 06:00:00 Start queue run: pid=12\nx",
};

/* Tails that tell digits apart (widened in the tails' database, decided
 * by their exact form or PCRE2) and tails that do not (decided by the
 * shape of the tail alone, from the memo after the first line). */
static const char *const digit_rules[] = {
	PFX_1 "sshd\\[[0-9]+\\]: Accepted [a-z]+ port 22 ssh2$",
	PFX_1 "cron\\[[0-9]+\\]: job [^7] done$",
	PFX_2 "app: code [45][0-9][0-9]$",
	PFX_1 "app: retry \\0x[[:xdigit:]]+$",
	PFX_1 "app: x{2}y{1,3} 1{2}$",
	PFX_1 "app: brace {1a$",
	PFX_1 "tick: \\<t7\\>$",
	PFX_1 "blind: [0-9]+ items of [[:alnum:]]+$",
	PFX_1 "hexid: [[:xdigit:]]{4} ok$",
	PFX_2 "range: [0-9]{1,3}\\.[0-9]+$",
};

/* Each %d gets the values of one row in turn (-1 ends a row): the shape
 * is the same, the digits differ, the first value of a row is never the
 * one the rule wants. */
static const struct {
	const char *fmt;
	int v[8];
} digit_lines[] = {
	{ "Mar 10 06:00:00 h sshd[1]: Accepted key port %d ssh2", { 23, 22, 32, 22, 99, -1 } },
	{ "Mar 10 06:00:00 h sshd[1]: Accepted key port 22 ssh%d", { 3, 2, 1, 2, -1 } },
	{ "Mar 10 06:00:00 h cron[5]: job %d done", { 7, 6, 7, 0, 7, -1 } },
	{ "Mar 10 06:00:00 h app: code %d", { 300, 404, 500, 600, 599, 399, -1 } },
	{ "Mar 10 06:00:00 h app: retry %dxff", { 1, 0, 9, 0, -1 } },
	{ "Mar 10 06:00:00 h app: xxy %d", { 12, 11, 21, 11, -1 } },
	{ "Mar 10 06:00:00 h app: xxyyy %d", { 10, 11, -1 } },
	{ "Mar 10 06:00:00 h app: brace {%da", { 2, 1, 0, 1, -1 } },
	{ "Mar 10 06:00:00 h tick: t%d", { 8, 7, 1, 7, -1 } },
	{ "Mar 10 06:00:00 h tick: t%d!", { 8, 7, -1 } },
	{ "Mar 10 06:00:00 h blind: %d items of x1", { 5, 6, 7, 8, -1 } },
	{ "Mar 10 06:00:00 h hexid: %d ok", { 1234, 9999, 123, 12345, -1 } },
	{ "2026-03-10T06:00:00.000000+00:00 h range: %d.5", { 1, 12, 123, 1234, 0, -1 } },
	{ "Mar 10 06:00:00 h range: %d.", { 1, 2, -1 } },
};

static char	 dir[64];

static void
write_rules(const char *const *list, size_t n)
{
	char path[128];
	size_t i;
	FILE *fp;

	assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "lcdb"), 0);
	snprintf(path, sizeof(path), "%s/cracking.d", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/cracking.d/r%02zu", dir, i);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fprintf(fp, "%s\n", list[i]);
		assert_int_equal(fclose(fp), 0);
	}
}

static void
write_tree(void)
{
	write_rules(rules, sizeof(rules) / sizeof(rules[0]));
}

/* lcclass_lines (the whole-line rules scanned a block of lines at a
 * time: more lines than a block holds) against PCRE2 line by line. */
static void
same_in_blocks(struct lcdb *re, struct lcdb *hs)
{
	size_t nl = sizeof(lines) / sizeof(lines[0]), n = 1300, i, f;
	size_t nc = hs->cracking.nfiles, nv = hs->violations.nfiles;
	const char **ls = calloc(n, sizeof(*ls));
	size_t *lens = calloc(n, sizeof(*lens));
	uint8_t *alerts = calloc(n * nc, 1), *events = calloc(n * (nv + 1), 1);
	uint8_t *mark = calloc(n, 1), *kind = calloc(n, 1);
	struct lc_line a;

	assert_non_null(ls);
	assert_non_null(lens);
	assert_non_null(alerts);
	assert_non_null(events);
	assert_non_null(mark);
	assert_non_null(kind);
	for (i = 0; i < n; i++) {
		/* the lines in an order that moves from block to block */
		ls[i] = lines[(i * 7) % nl];
		lens[i] = strlen(ls[i]);
	}
	lcclass_lines(hs, ls, lens, n, alerts, events, mark, kind);
	lcdb_line_init(re, &a);
	for (i = 0; i < n; i++) {
		lcclass_line(re, ls[i], lens[i], &a);
		for (f = 0; f < nc; f++)
			if (a.alert[f] != alerts[i * nc + f])
				fail_msg("rule %s, line %zu \"%s\" in a block: "
				    "PCRE2 %d, Hyperscan %d", rules[f], i, ls[i],
				    a.alert[f], alerts[i * nc + f]);
		assert_int_equal(a.any_cracking, mark[i]);
	}
	lcdb_line_free(&a);
	free(ls);
	free(lens);
	free(alerts);
	free(events);
	free(mark);
	free(kind);
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
	assert_int_equal(lcdb_scan_build(&hs, NULL), 0);
	/* the backreference rules: tails with ".*" for the reference, or
	 * whole lines (no variant's prefix), confirmed by PCRE2 */
	for (i = 7; i <= 9; i++) {
		assert_int_not_equal(hs.id_variant[i], 0);
		assert_int_equal(hs.rest.mode[i], SCAN_PREFILTER);
	}
	assert_int_equal(hs.id_variant[10], 0);
	assert_int_not_equal(hs.scan.mode[10], SCAN_EXACT);
	/* whole-line rules that take no '\n' are scanned in blocks */
	assert_int_equal(hs.multi.mode[5], SCAN_EXACT);
	assert_int_equal(hs.scan.mode[5], SCAN_ABSENT);
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
	same_in_blocks(&re, &hs);
	lcdb_line_free(&a);
	lcdb_line_free(&b);
	lcdb_free(&re);
	lcdb_free(&hs);
	tu_rmtree(dir);
}

/* fmt with its "%d" replaced by v. */
static size_t
fill(char *out, size_t size, const char *fmt, int v)
{
	const char *d = strstr(fmt, "%d");
	int n;

	assert_non_null(d);
	n = snprintf(out, size, "%.*s%d%s", (int)(d - fmt), fmt, v, d + 2);
	assert_true(n > 0 && (size_t)n < size);
	return (size_t)n;
}

static void
test_digits_same_as_pcre2(void **state)
{
	struct lcdb re, hs;
	struct lc_line a, b;
	size_t i, k, f, hits = 0, confirm = 0, nrules;
	char line[256];
	int round;

	(void)state;
	nrules = sizeof(digit_rules) / sizeof(digit_rules[0]);
	write_rules(digit_rules, nrules);
	if (lcdb_load(&re, dir, LC_SERVER, false) != 0)
		fail_msg("%s", re.errors[0]);
	lcdb_use_pcre2(&re);
	assert_int_equal(lcdb_load(&hs, dir, LC_SERVER, false), 0);
	assert_int_equal(lcdb_scan_build(&hs, NULL), 0);
	/* every rule is a tail; the first seven tell digits apart: widened,
	 * their exact form decides (the sixth: PCRE2, Hyperscan has no \<) */
	for (i = 0; i < nrules; i++) {
		assert_int_not_equal(hs.id_variant[i], 0);
		confirm += hs.id_confirm[i];
		if (i >= 6)
			assert_int_equal(hs.id_confirm[i], 0);
	}
	assert_int_equal(confirm, 6);
	assert_int_equal(hs.rest.mode[6], SCAN_PREFILTER);
	lcdb_line_init(&re, &a);
	lcdb_line_init(&hs, &b);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < sizeof(digit_lines) / sizeof(digit_lines[0]);
		    i++) {
			for (k = 0; digit_lines[i].v[k] >= 0; k++) {
				size_t len = fill(line, sizeof(line),
				    digit_lines[i].fmt, digit_lines[i].v[k]);

				lcclass_line(&re, line, len, &a);
				lcclass_line(&hs, line, len, &b);
				for (f = 0; f < nrules; f++) {
					if (a.alert[f] != b.alert[f])
						fail_msg("rule %s, line \"%s\": "
						    "PCRE2 %d, Hyperscan %d",
						    digit_rules[f], line,
						    a.alert[f], b.alert[f]);
					hits += a.alert[f];
				}
			}
		}
	}
	/* both verdicts occur, and most lines were decided from the memo */
	assert_true(hits >= 20);
	assert_true(hs.memo.hits > hs.memo.misses);
	lcdb_line_free(&a);
	lcdb_line_free(&b);
	lcdb_free(&re);
	lcdb_free(&hs);
	tu_rmtree(dir);
}

/* Whole-line rules whose sets take '\n' (scanned in blocks with sets that
 * do not), on lines whose neighbours would complete a match across the
 * newline between them. */
static const char *const nl_rules[] = {
	"foo[[:space:]]+bar",
	"baz[^a]q",
	"w\\Wz",
	"s\\sx",
	"[[:cntrl:]]ctl",
	"^[^=]+=[^=]+$",
};

static const char *const nl_lines[] = {
	"x foo", "bar y", "ww", "zz", "ss", "xx", "x baz", "q z", "a",
	"ctl b", "k=", "=v", "foo \tbar", "baz!q", "w-z", "s x", "\001ctl",
	"k=v", "",
};

static void
test_newline_sets_in_blocks(void **state)
{
	struct lcdb re, hs;
	size_t n = sizeof(nl_lines) / sizeof(nl_lines[0]), i, f, hits = 0;
	size_t nc, lens[sizeof(nl_lines) / sizeof(nl_lines[0])];
	uint8_t alerts[sizeof(nl_lines) / sizeof(nl_lines[0]) * 8];
	uint8_t events[sizeof(nl_lines) / sizeof(nl_lines[0])];
	uint8_t mark[sizeof(nl_lines) / sizeof(nl_lines[0])];
	uint8_t kind[sizeof(nl_lines) / sizeof(nl_lines[0])];
	struct lc_line a;

	(void)state;
	write_rules(nl_rules, sizeof(nl_rules) / sizeof(nl_rules[0]));
	if (lcdb_load(&re, dir, LC_SERVER, false) != 0)
		fail_msg("%s", re.errors[0]);
	lcdb_use_pcre2(&re);
	assert_int_equal(lcdb_load(&hs, dir, LC_SERVER, false), 0);
	assert_int_equal(lcdb_scan_build(&hs, NULL), 0);
	nc = hs.cracking.nfiles;
	assert_true(nc <= 8);
	for (f = 0; f < nc; f++)
		assert_int_equal(hs.multi.mode[f], SCAN_EXACT);
	for (i = 0; i < n; i++)
		lens[i] = strlen(nl_lines[i]);
	memset(alerts, 0, sizeof(alerts));
	memset(mark, 0, sizeof(mark));
	memset(kind, 0, sizeof(kind));
	lcclass_lines(&hs, nl_lines, lens, n, alerts, events, mark, kind);
	lcdb_line_init(&re, &a);
	for (i = 0; i < n; i++) {
		lcclass_line(&re, nl_lines[i], lens[i], &a);
		for (f = 0; f < nc; f++) {
			if (a.alert[f] != alerts[i * nc + f])
				fail_msg("rule %s, line \"%s\" in a block: PCRE2 "
				    "%d, Hyperscan %d", nl_rules[f], nl_lines[i],
				    a.alert[f], alerts[i * nc + f]);
			hits += a.alert[f];
		}
	}
	assert_true(hits >= 6);
	lcdb_line_free(&a);
	lcdb_free(&re);
	lcdb_free(&hs);
	tu_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_same_as_pcre2),
		cmocka_unit_test(test_digits_same_as_pcre2),
		cmocka_unit_test(test_newline_sets_in_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown_match);
}
