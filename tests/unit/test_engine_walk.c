/*
 * Unit tests for the walk over the scan's hits (classify/engine_walk.c):
 * with Hyperscan the walk jumps over the groups the scan did not hit
 * instead of visiting each one.  Random rule programs (nested groups,
 * group_host, rules Hyperscan only approximates or cannot take) are run
 * on random lines with both engines; the rule that takes each line and
 * its queues must be the same, and with visit_groups (explain) so must
 * the list of groups that failed.  hidepid, which reads the tag the
 * record found, against the regex it stands for.
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

#include "classify/engine.h"
#include "conf/conf.h"
#include "classify/lead.h"
#include "lib/buf.h"
#include "lib/xmem.h"

#define NOW	((time_t)1736676000)

static const char *const words[] = { "ab", "cd", "ef", "gh" };

/* Patterns: exact for Hyperscan, approximated (a backreference: a
 * prefilter), not taken by it at all (a lookbehind), catch-alls that
 * the walk takes without a test (".*", "^"; "(.*)" has a capture). */
static const char *const pats[] = {
	"ab", "cd", "^ef", "gh$", "ab cd", "(ab|cd) \\1", "(?<!cd )ef",
	"ef.*ab", "^cd ", "zz", ".*", "^", "(.*)",
};
#define NPATS	(sizeof(pats) / sizeof(pats[0]))

/* Anchored patterns only: the engine then builds lead.h's table and
 * does not scan a message whose first two bytes no rule can begin with
 * (a case-blind one, an optional part, a leading blank run, a
 * backreference, a lookahead, a set). */
static const char *const anchored[] = {
	"^ab", "^cd ", "^(?i)EF", "^(?:gh|ab) cd", "^ab( cd)?$", "^\\s*cd",
	"^(ab|cd) \\1", "^(?!ab)cd", "^.b", "^[^a]d", "^gh$", "^", ".*",
};

/* The patterns program() draws from. */
static const char *const *use = pats;
static size_t nuse = NPATS;

static const char *const kinds[] = { "q", "r", "q,r", "trash" };

struct pair {
	struct conf	 c;
	struct engine	 e;
};

static void
program(struct buf *b, uint64_t *rng, int depth)
{
	int n = 1 + (int)(tu_xorshift(rng) % 4), i;

	for (i = 0; i < n; i++) {
		uint64_t x = tu_xorshift(rng) % 10;

		if (depth < 3 && x < 3) {
			buf_printf(b, "group %s\n", use[tu_xorshift(rng) % nuse]);
			program(b, rng, depth + 1);
			buf_addstr(b, "group_end\n");
		} else if (depth < 3 && x == 3) {
			buf_printf(b, "group_host ^h%d$\n",
			    (int)(tu_xorshift(rng) % 3));
			program(b, rng, depth + 1);
			buf_addstr(b, "group_end\n");
		} else
			buf_printf(b, "%s %s\n", kinds[tu_xorshift(rng) % 4],
			    use[tu_xorshift(rng) % nuse]);
	}
}

static void
load(struct pair *p, const char *dir, const char *name, const char *text)
{
	char path[128];

	assert_int_equal(tu_write(path, sizeof(path), dir, name, text), 0);
	if (conf_load(&p->c, path) != 0) {
		conf_print_diags(&p->c, stderr, true);
		fail_msg("config does not load:\n%s", text);
	}
	engine_init(&p->e, &p->c);
}

static void
unload(struct pair *p)
{
	engine_free(&p->e);
	conf_free(&p->c);
}

static void
same_verdict(const struct verdict *a, const struct verdict *b, bool skips,
    const char *line, const char *conf)
{
	size_t i;

	if (a->rule != b->rule || a->kind != b->kind ||
	    a->nqueues != b->nqueues)
		fail_msg("'%s': rule %ld / %ld, kind %d / %d, %zu / %zu queues"
		    "\n%s", line, a->rule, b->rule, (int)a->kind, (int)b->kind,
		    a->nqueues, b->nqueues, conf);
	for (i = 0; i < a->nqueues; i++)
		assert_int_equal(a->queues[i], b->queues[i]);
	if (!skips)
		return;
	if (a->nskipped != b->nskipped)
		fail_msg("'%s': %zu / %zu groups skipped\n%s", line,
		    a->nskipped, b->nskipped, conf);
	for (i = 0; i < a->nskipped; i++)
		assert_int_equal(a->skipped[i], b->skipped[i]);
}

/* 60 random programs over use[]: every line's verdict with Hyperscan,
 * with and without visit_groups, is PCRE2's.  Returns how many lines
 * made a group fail; *leads counts the programs with a lead table. */
static int
agree(uint64_t rng, int *leads)
{
	char dir[64];
	struct buf conf, line;
	int round, j, k, nw, visited = 0;

	assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "walk"), 0);
	buf_init(&conf, SIZE_MAX / 4);
	buf_init(&line, SIZE_MAX / 4);
	for (round = 0; round < 60; round++) {
		struct pair hs, pc, hv;
		char *text;

		buf_reset(&conf);
		buf_addstr(&conf, "set queue q f t [now]\n"
		    "set queue r f t [now]\n");
		program(&conf, &rng, 0);
		text = xstrdup(buf_str(&conf));
		load(&hs, dir, "hs.conf", text);
		load(&hv, dir, "hv.conf", text);
		buf_reset(&conf);
		buf_printf(&conf, "set engine pcre2\n%s", text);
		load(&pc, dir, "pc.conf", buf_str(&conf));
		assert_true(hs.e.use_scan);
		assert_false(pc.e.use_scan);
		*leads += hs.e.lead != NULL;
		hv.e.lane.visit_groups = true;
		for (j = 0; j < 200; j++) {
			struct verdict a, b, c;

			buf_reset(&line);
			buf_printf(&line, "Jan 12 10:00:00 h%d ",
			    (int)(tu_xorshift(&rng) % 3));
			/* a leading blank or a capital now and then */
			if (tu_xorshift(&rng) % 8 == 0)
				buf_addstr(&line, tu_xorshift(&rng) % 2 ?
				    "  " : "EF ");
			nw = 1 + (int)(tu_xorshift(&rng) % 4);
			for (k = 0; k < nw; k++)
				buf_printf(&line, "%s%s", k ? " " : "",
				    words[tu_xorshift(&rng) % 4]);
			engine_line(&pc.e, line.data, line.len, 0, NOW, &a);
			engine_line(&hs.e, line.data, line.len, 0, NOW, &b);
			engine_line(&hv.e, line.data, line.len, 0, NOW, &c);
			same_verdict(&a, &b, false, line.data, text);
			same_verdict(&a, &c, true, line.data, text);
			visited += a.nskipped > 0;
		}
		unload(&hs);
		unload(&hv);
		unload(&pc);
		free(text);
	}
	buf_free(&conf);
	buf_free(&line);
	assert_int_equal(tu_rmtree(dir), 0);
	return visited;
}

static void
test_jumps_agree_with_pcre2(void **state)
{
	int leads = 0;

	(void)state;
	use = pats;
	nuse = NPATS;
	/* the programs did make groups fail */
	assert_true(agree(0x5eed, &leads) > 1000);
}

/* With anchored rules only, messages no rule can begin with are not
 * scanned: the verdicts stay PCRE2's. */
static void
test_lead_agrees_with_pcre2(void **state)
{
	int leads = 0;

	(void)state;
	use = anchored;
	nuse = sizeof(anchored) / sizeof(anchored[0]);
	assert_true(agree(0xa11c, &leads) > 500);
	/* most programs had a table (not one whose rules are all ".*") */
	assert_true(leads > 40);
	use = pats;
	nuse = NPATS;
}

/* The table itself: what an anchored program lets through, and no
 * table when one rule is not anchored. */
static void
test_lead_table(void **state)
{
	char dir[64];
	struct pair p;

	(void)state;
	assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "walk"), 0);
	load(&p, dir, "a.conf", "set queue q f t [now]\n"
	    "q ^sshd: Accepted\nq ^(?i)kernel: \nq ^(?:su|CRON)\\b\n"
	    "trash .*\n");
	assert_non_null(p.e.lead);
	assert_true(lead_may(p.e.lead, "sshd: x", 7));
	assert_true(lead_may(p.e.lead, "KErnel", 6));
	assert_true(lead_may(p.e.lead, "su", 2));
	assert_true(lead_may(p.e.lead, "CRON[1]", 7));
	assert_true(lead_may(p.e.lead, "s", 1));	/* too short to tell */
	assert_false(lead_may(p.e.lead, "systemd: x", 10));
	assert_false(lead_may(p.e.lead, "ntpd", 4));
	assert_false(lead_may(p.e.lead, "cron", 4));
	unload(&p);
	load(&p, dir, "b.conf", "set queue q f t [now]\nq ^sshd\nq foo\n");
	assert_null(p.e.lead);
	unload(&p);
	assert_int_equal(tu_rmtree(dir), 0);
}

/* The cases the jumps must get right, one by one: a group the scan
 * approximates (its hit is only a maybe), a group hit inside one that is
 * not, a group that is not hit inside one that is. */
static void
test_jumps_named_cases(void **state)
{
	static const struct {
		const char	*rules;
		const char	*msg;
		long		 rule;
	} cases[] = {
		/* 0 group (a prefilter) hit, its PCRE2 match fails */
		{ "group (ab|cd) \\1\nq ab\ngroup_end\nr .\n", "ab cd", 2 },
		{ "group (ab|cd) \\1\nq ab\ngroup_end\nr .\n", "ab ab", 1 },
		/* an inner group hit, the outer one not */
		{ "group ^zz\ngroup ab\nq ab\ngroup_end\ngroup_end\n"
		  "r .\n", "ab", 3 },
		/* the outer group hit, the inner one not */
		{ "group ab\ngroup ^zz\nq ab\ngroup_end\nr cd\ngroup_end\n"
		  "q .\n", "ab cd", 3 },
		/* a prefilter group inside a group that is not hit */
		{ "group ^zz\ngroup (ab|cd) \\1\nq ab\ngroup_end\n"
		  "group_end\nr .\n", "ab ab", 3 },
		/* a lookbehind group (PCRE2 alone) around a hit */
		{ "group (?<!cd )ef\nq ef\ngroup_end\nr .\n", "cd ef", 2 },
		{ "group (?<!cd )ef\nq ef\ngroup_end\nr .\n", "ab ef", 1 },
	};
	char dir[64];
	size_t i;

	(void)state;
	assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "walk"), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pair hs;
		struct verdict v;
		char text[512], line[128];
		int n;

		snprintf(text, sizeof(text), "set queue q f t [now]\n"
		    "set queue r f t [now]\n%s", cases[i].rules);
		load(&hs, dir, "hs.conf", text);
		assert_true(hs.e.use_scan);
		n = snprintf(line, sizeof(line), "Jan 12 10:00:00 h %s",
		    cases[i].msg);
		engine_line(&hs.e, line, (size_t)n, 0, NOW, &v);
		if (v.rule != cases[i].rule)
			fail_msg("case %zu: rule %ld, want %ld", i, v.rule,
			    cases[i].rule);
		unload(&hs);
	}
	assert_int_equal(tu_rmtree(dir), 0);
}

/* tenshi's s/^(\S+)\[\d+\]: /$1: / written out: the \S+ run ends at the
 * first blank, and the "[digits]: " must end there. */
static void
hidepid_ref(const char *m, size_t len, struct buf *out)
{
	size_t run = 0, j;

	buf_reset(out);
	while (run < len && !strchr(" \t\n\v\f\r", m[run]))
		run++;
	if (run < len && m[run] == ' ' && run >= 5 && m[run - 1] == ':' &&
	    m[run - 2] == ']') {
		for (j = run - 3; j > 0 && m[j] >= '0' && m[j] <= '9'; j--)
			;
		if (j > 0 && m[j] == '[' && j < run - 3) {
			buf_add(out, m, j);
			buf_add(out, m + run - 1, len - (run - 1));
			return;
		}
	}
	buf_add(out, m, len);
}

/* hidepid takes the tag record_parse found when it can: every message of
 * up to 7 bytes over the bytes that matter gives the regex's text. */
static void
test_hidepid_every_short_message(void **state)
{
	static const char alpha[] = "a[]: 1\t";
	char dir[64], msg[8];
	struct pair p;
	struct buf line, want;
	size_t len, k, n, total = 0, changed = 0;

	(void)state;
	assert_int_equal(tu_mkdtemp(dir, sizeof(dir), "walk"), 0);
	load(&p, dir, "h.conf", "set hidepid on\nset queue q f t [now]\n"
	    "q .*\n");
	buf_init(&line, SIZE_MAX / 4);
	buf_init(&want, SIZE_MAX / 4);
	for (len = 1; len <= 7; len++) {
		size_t combos = 1;

		for (k = 0; k < len; k++)
			combos *= sizeof(alpha) - 1;
		for (n = 0; n < combos; n++) {
			struct verdict v;
			size_t x = n;

			for (k = 0; k < len; k++) {
				msg[k] = alpha[x % (sizeof(alpha) - 1)];
				x /= sizeof(alpha) - 1;
			}
			buf_reset(&line);
			buf_addstr(&line, "Jan 12 10:00:00 h ");
			buf_add(&line, msg, len);
			engine_line(&p.e, line.data, line.len, 0, NOW, &v);
			hidepid_ref(msg, len, &want);
			if (v.textlen != want.len ||
			    memcmp(v.text, want.data, want.len) != 0)
				fail_msg("'%.*s': got '%.*s', want '%s'",
				    (int)len, msg, (int)v.textlen, v.text,
				    buf_str(&want));
			changed += want.len != len;
			total++;
		}
	}
	assert_true(changed > 20);
	buf_free(&line);
	buf_free(&want);
	unload(&p);
	assert_int_equal(tu_rmtree(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jumps_agree_with_pcre2),
		cmocka_unit_test(test_lead_agrees_with_pcre2),
		cmocka_unit_test(test_lead_table),
		cmocka_unit_test(test_jumps_named_cases),
		cmocka_unit_test(test_hidepid_every_short_message),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown_match);
}
