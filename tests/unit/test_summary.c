/*
 * Unit tests for the summary modules: sumstore (counts, the key cap and
 * its folded counters and estimate, the memory cap and its reason, unmatched texts, save/load by id,
 * refusal of corrupt data), skew (median, worst, the histogram's
 * precision, save/load), the service definitions (conf_summary: a small
 * config with named captures, key templates, prog= and times), sumclass
 * (a line to its key, repeats credited), disk (df -h sizes, levels).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify/sumclass.h"
#include "classify/sumlit.h"
#include "conf/conf.h"
#include "conf/conf_summary.h"
#include "input/disk.h"
#include "input/record.h"
#include "lib/buf.h"
#include "queue/skew.h"
#include "queue/sumstore.h"
#include "testutil.h"

static void
key2(struct buf *b, const char *a, const char *c)
{
	buf_reset(b);
	sumstore_key_add(b, a, strlen(a));
	sumstore_key_add(b, c, strlen(c));
}

static const struct sumstore_row *
row(const struct sumstore *s, size_t svc, size_t f, const struct buf *k)
{
	return map_get(&s->svcs[svc].facts[f].rows, k->data, k->len);
}

static void
test_store_counts_and_cap(void **state)
{
	struct sumstore s;
	size_t nf[] = { 2 };
	struct buf k;
	char ip[32];
	int i;

	(void)state;
	buf_init(&k, 4096);
	sumstore_init(&s, 1, nf, 10, 3);
	for (i = 0; i < 1000; i++) {
		snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 256, i % 256);
		key2(&k, ip, "root/password");
		sumstore_count(&s, 0, 0, k.data, k.len, 2, 100);
	}
	assert_int_equal(s.svcs[0].facts[0].rows.len, 10);
	assert_int_equal(s.svcs[0].facts[0].total, 2000);
	assert_int_equal(s.svcs[0].facts[0].bytes, 100000);
	assert_int_equal(s.svcs[0].facts[0].folded, 1980);
	assert_in_range(sumstore_estimate(s.svcs[0].facts[0].hll), 990 - 60, 990 + 60);
	key2(&k, "10.0.0.0", "root/password");
	assert_int_equal(row(&s, 0, 0, &k)->count, 2);
	/* unmatched: texts capped, the rest folded but counted */
	sumstore_unmatched(&s, 0, "a", 1, 1);
	sumstore_unmatched(&s, 0, "b", 1, 1);
	sumstore_unmatched(&s, 0, "a", 1, 4);
	sumstore_unmatched(&s, 0, "c", 1, 1);
	sumstore_unmatched(&s, 0, "d", 1, 7);
	assert_int_equal(s.svcs[0].unmatched, 14);
	assert_int_equal(s.svcs[0].unm.len, 3);
	assert_int_equal(s.svcs[0].unm_folded, 7);
	sumstore_clear(&s);
	assert_true(sumstore_empty(&s));
	assert_int_equal(s.svcs[0].facts[0].rows.len, 0);
	assert_null(s.svcs[0].facts[0].hll);
	sumstore_free(&s);
	buf_free(&k);
}

static void
test_store_memory_cap(void **state)
{
	struct sumstore s, t;
	struct sum_conf sc;
	struct conf c;
	size_t nf[] = { 1 };
	const char *ids[] = { "svc" }, *f0[] = { "f" }, *const *fids[] = { f0 };
	struct buf k, saved;
	char ip[32];
	uint64_t dropped;
	int i;

	(void)state;
	buf_init(&k, 4096);
	buf_init(&saved, SIZE_MAX / 4);
	/* far from max_keys: only the memory cap can fold */
	sumstore_init(&s, 1, nf, 100000, 100000);
	sumstore_set_memory(&s, 32768);
	for (i = 0; i < 1000; i++) {
		snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 256, i % 256);
		key2(&k, ip, "root/password");
		sumstore_count(&s, 0, 0, k.data, k.len, 2, 0);
	}
	assert_true(s.mem <= 32768);
	assert_true(s.svcs[0].facts[0].rows.len > 50);
	assert_true(s.svcs[0].facts[0].rows.len < 1000);
	assert_int_equal(s.svcs[0].facts[0].total, 2000);
	assert_int_equal(s.svcs[0].facts[0].folded,
	    2000 - 2 * s.svcs[0].facts[0].rows.len);
	assert_true(sumstore_fact_by_memory(&s, &s.svcs[0].facts[0]));
	/* a known key still counts in its row */
	key2(&k, "10.0.0.0", "root/password");
	sumstore_count(&s, 0, 0, k.data, k.len, 5, 0);
	assert_int_equal(row(&s, 0, 0, &k)->count, 7);
	/* unmatched texts fold too, and say why */
	sumstore_unmatched(&s, 0, "never seen", 10, 3);
	assert_int_equal(s.svcs[0].unmatched, 3);
	assert_int_equal(s.svcs[0].unm_folded, 3);
	assert_true(sumstore_unm_by_memory(&s, &s.svcs[0]));
	/* a restart into the same cap keeps every count, folds the same */
	sumstore_save(&s, &saved, ids, fids);
	sumstore_init(&t, 1, nf, 100000, 100000);
	sumstore_set_memory(&t, 32768);
	assert_int_equal(sumstore_load(&t, saved.data, saved.len, ids, nf,
	    fids, &dropped), 0);
	assert_int_equal(t.svcs[0].facts[0].total, 2005);
	assert_int_equal(t.svcs[0].facts[0].rows.len, s.svcs[0].facts[0].rows.len);
	assert_true(t.mem <= 32768);
	assert_int_equal(t.svcs[0].unm_folded, 3);
	sumstore_free(&t);
	sumstore_free(&s);
	/* without a memory cap the key cap is the reason */
	sumstore_init(&s, 1, nf, 10, 3);
	for (i = 0; i < 20; i++) {
		snprintf(ip, sizeof(ip), "10.1.0.%d", i);
		key2(&k, ip, "x");
		sumstore_count(&s, 0, 0, k.data, k.len, 1, 0);
	}
	assert_int_equal(s.svcs[0].facts[0].folded, 10);
	assert_false(sumstore_fact_by_memory(&s, &s.svcs[0].facts[0]));
	sumstore_free(&s);
	/* the shares of set max_memory */
	memset(&c, 0, sizeof(c));
	memset(&sc, 0, sizeof(sc));
	c.max_memory = 512u << 20;
	assert_int_equal(sumclass_memory(&c, true), 0);	/* no summaries */
	c.summary = &sc;
	assert_int_equal(sumclass_memory(&c, false), 0);	/* no summary queue */
	assert_int_equal(sumclass_memory(&c, true), 128u << 20);
	sc.nqueues = 2;
	assert_int_equal(sumclass_memory(&c, false), 32u << 20);
	c.max_memory = 0;
	assert_int_equal(sumclass_memory(&c, false), 0);
	buf_free(&saved);
	buf_free(&k);
}

static void
test_store_key_walk(void **state)
{
	struct buf k;
	char big[600];
	const char *v;
	size_t n, pos = 0;

	(void)state;
	buf_init(&k, 4096);
	memset(big, 'x', sizeof(big));
	sumstore_key_add(&k, "", 0);
	sumstore_key_add(&k, big, sizeof(big));		/* cut at 512 */
	sumstore_key_add(&k, "a\0b", 3);
	assert_true(sumstore_key_next(k.data, k.len, &pos, &v, &n));
	assert_int_equal(n, 0);
	assert_true(sumstore_key_next(k.data, k.len, &pos, &v, &n));
	assert_int_equal(n, SUMSTORE_VALUE_MAX);
	assert_true(sumstore_key_next(k.data, k.len, &pos, &v, &n));
	assert_int_equal(n, 3);
	assert_memory_equal(v, "a\0b", 3);
	assert_false(sumstore_key_next(k.data, k.len, &pos, &v, &n));
	buf_free(&k);
}

static void
test_store_save_load_by_id(void **state)
{
	struct sumstore a, b;
	size_t nfa[] = { 2, 1 }, nfb[] = { 1, 2 };
	const char *sa[] = { "sshd", "sudo" }, *sb[] = { "cron", "sshd" };
	const char *fa0[] = { "failed", "accepted" }, *fa1[] = { "command" };
	const char *fb0[] = { "command" }, *fb1[] = { "accepted", "failed" };
	const char *const *fa[] = { fa0, fa1 }, *const *fb[] = { fb0, fb1 };
	struct buf k, out;
	uint64_t dropped;

	(void)state;
	buf_init(&k, 4096);
	buf_init(&out, SIZE_MAX / 4);
	sumstore_init(&a, 2, nfa, 100, 100);
	key2(&k, "1.2.3.4", "root");
	sumstore_line(&a, 0, 1000, 3);
	sumstore_count(&a, 0, 0, k.data, k.len, 3, 0);
	sumstore_line(&a, 1, 1000, 5);
	sumstore_count(&a, 1, 0, k.data, k.len, 5, 0);	/* sudo: gone below */
	sumstore_unmatched(&a, 0, "odd line", 8, 2);
	sumstore_save(&a, &out, sa, fa);
	sumstore_init(&b, 2, nfb, 100, 100);
	assert_int_equal(sumstore_load(&b, out.data, out.len, sb, nfb, fb,
	    &dropped), 0);
	assert_int_equal(dropped, 5);
	assert_int_equal(row(&b, 1, 1, &k)->count, 3);	/* sshd/failed */
	assert_int_equal(b.svcs[1].facts[1].total, 3);
	assert_int_equal(b.svcs[1].lines, 3);
	assert_int_equal(b.svcs[1].unmatched, 2);
	assert_int_equal(b.first, 1000);
	/* corrupt: refused as a whole, nothing added */
	out.data[out.len / 2] ^= 0x7f;
	out.len -= 3;
	assert_int_equal(sumstore_load(&b, out.data, out.len, sb, nfb, fb,
	    &dropped), -1);
	assert_int_equal(row(&b, 1, 1, &k)->count, 3);
	sumstore_free(&a);
	sumstore_free(&b);
	buf_free(&k);
	buf_free(&out);
}

static void
test_skew_median_worst_precision(void **state)
{
	struct skew s, t;
	struct buf out;
	const struct skew_host **h;
	size_t n;
	int i;

	(void)state;
	skew_init(&s, 2);
	for (i = 0; i < 5; i++)
		skew_add(&s, "web1", 4, 75 + i, false);
	skew_add(&s, "web1", 4, -3, true);
	for (i = 0; i < 3; i++)
		skew_add(&s, "far", 3, -100000, false);
	skew_add(&s, "third", 5, 1, false);		/* past max_hosts */
	h = skew_sorted(&s, &n);
	assert_int_equal(n, 2);
	assert_string_equal(h[0]->host, "far");
	assert_in_range(skew_median(h[0]), -101000, -99000);	/* 1 % */
	/* -3 75 76 77 78 79: the third of six */
	assert_int_equal(skew_median(h[1]), 76);
	assert_int_equal(h[1]->worst, 79);
	assert_int_equal(h[1]->nozone, 1);
	assert_int_equal(s.over_lines, 1);
	free(h);
	buf_init(&out, SIZE_MAX / 4);
	skew_save(&s, &out);
	skew_init(&t, 10);
	assert_int_equal(skew_load(&t, out.data, out.len), 0);
	h = skew_sorted(&t, &n);
	assert_int_equal(n, 2);
	assert_int_equal(skew_median(h[1]), 76);
	assert_int_equal(h[1]->lines, 6);
	free(h);
	assert_int_equal(skew_load(&t, out.data, out.len - 1), -1);
	skew_free(&s);
	skew_free(&t);
	buf_free(&out);
}

static const char *conf_text =
	"service s Test\n"
	"programs app *(pam_unix)\n"
	"where ^MAGIC\n"
	"fact f ip>user/method sort=ip Failed\n"
	"fact g pamsvc>{user|unknown} Failures\n"
	"count f ^Failed (?<method>\\S+) for (?<user>\\S+) from (?<ip>\\S+)\n"
	"count g key=progbase>{user|unknown} ^(?<times>\\d+) more failures(?: user=(?<user>\\S+))?\n"
	"count g prog=app key=\"app\">\"x\" ^MAGIC\n"
	"ignore ^noise\n"
	"service_end\n";

static int
load(struct conf *c, char *dir, const char *text)
{
	char path[512];
	FILE *fp;

	assert_int_equal(tu_mkdtemp(dir, 256, "summary"), 0);
	snprintf(path, sizeof(path), "%s/s.conf", dir);
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	return conf_load(c, path);
}

static void
line(struct sumclass *k, const struct sumclass_target *tg, const char *l)
{
	struct record r;

	record_parse(&r, l, strlen(l));
	sumclass_record(k, &r, 0, tg, 1);
}

static void
test_classify_keys_repeats_times(void **state)
{
	struct conf c;
	struct sumclass k;
	struct sumstore s;
	struct sumclass_target tg;
	struct buf key;
	char dir[256];
	size_t nf;

	(void)state;
	assert_int_equal(load(&c, dir, conf_text), 0);
	assert_non_null(c.summary);
	assert_int_equal(c.summary->nsvcs, 1);
	nf = c.summary->svcs[0].nfacts;
	buf_init(&key, 4096);
	{
		sumclass_init(&k, c.summary);
		sumstore_init(&s, 1, &nf, 100, 100);
		tg.store = &s;
		tg.want = NULL;
		line(&k, &tg, "Mar  3 10:00:00 h1 app[1]: Failed password for root from 192.0.2.1 port 1");
		line(&k, &tg, "Mar  3 10:00:01 h1 last message repeated 4 times");
		line(&k, &tg, "Mar  3 10:00:02 h1 app[2]: message repeated 2 times: [ Failed key for bob from 192.0.2.2]");
		line(&k, &tg, "Mar  3 10:00:03 h1 sshd(pam_unix)[3]: 3 more failures user=amy");
		line(&k, &tg, "Mar  3 10:00:03 h1 su(pam_unix)[3]: 2 more failures");
		line(&k, &tg, "Mar  3 10:00:04 h1 other[4]: MAGIC word");	/* where, no prog= */
		line(&k, &tg, "Mar  3 10:00:04 h1 app[4]: MAGIC word");
		line(&k, &tg, "Mar  3 10:00:05 h1 app[5]: noise here");
		line(&k, &tg, "Mar  3 10:00:06 h1 app[6]: something else");
		line(&k, &tg, "Mar  3 10:00:07 h1 cron[7]: not ours");
		/* repeats a line no service took: nothing credited */
		line(&k, &tg, "Mar  3 10:00:08 h1 last message repeated 9 times");
		assert_int_equal(k.stats.repeat_lost, 1);
		key2(&key, "192.0.2.1", "root/password");
		assert_int_equal(row(&s, 0, 0, &key)->count, 5);
		key2(&key, "192.0.2.2", "bob/key");
		assert_int_equal(row(&s, 0, 0, &key)->count, 2);
		key2(&key, "sshd", "amy");
		assert_int_equal(row(&s, 0, 1, &key)->count, 3);
		key2(&key, "su", "unknown");
		assert_int_equal(row(&s, 0, 1, &key)->count, 2);
		key2(&key, "app", "x");
		assert_int_equal(row(&s, 0, 1, &key)->count, 1);
		assert_int_equal(s.svcs[0].ignored, 1);
		/* "other: MAGIC word" (prog= refuses it) and "something else" */
		assert_int_equal(s.svcs[0].unmatched, 2);
		assert_int_equal(k.stats.repeats, 3);
		sumstore_free(&s);
		sumclass_free(&k);
	}
	buf_free(&key);
	conf_free(&c);
	tu_rmtree(dir);
}

static void
test_conf_errors(void **state)
{
	struct conf c;
	char dir[256];

	(void)state;
	assert_int_equal(load(&c, dir,
	    "service s\nfact f a>b T\ncount f ^(?<a>x)\n"
	    "count f key=a ^(?<a>x)(?<b>y)\nfact f2 a>>b T\nservice_end\n"
	    "set disk warn 95% crit 90%\nset clock_skew 2w\n"
	    "set summary q a b [bad] services=nope\n"), -1);
	assert_int_equal(c.nerrors, 6);
	assert_non_null(strstr(c.diags[0].msg, "groups by 'b'"));
	assert_int_equal(c.diags[0].line, 3);
	assert_non_null(strstr(c.diags[1].msg, "has 1 levels, fact f has 2"));
	assert_non_null(strstr(c.diags[2].msg, "empty level"));
	assert_int_equal(c.diags[3].level, DIAG_WARNING);	/* no programs */
	assert_int_equal(c.diags[4].level, DIAG_WARNING);	/* no rules */
	assert_non_null(strstr(c.diags[5].msg, "warn (95%) must be below crit"));
	assert_int_equal(c.diags[6].line, 8);
	assert_int_equal(c.diags[7].line, 9);
	conf_free(&c);
	tu_rmtree(dir);
}

static void
lit(const char *re, const char *prefix, const char *req)
{
	struct sumlit l;

	sumlit_extract(&l, re);
	assert_int_equal(l.plen, strlen(prefix));
	assert_memory_equal(l.prefix, prefix, l.plen);
	assert_int_equal(l.rlen, strlen(req));
	assert_memory_equal(l.req, req, l.rlen);
}

static void
test_literals(void **state)
{
	struct sumlit l;

	(void)state;
	lit("^Failed (?<m>\\S+) for (?!x )(?<u>.*?) from", "Failed ", "");
	lit("^(?:\\[ID \\d+\\] )?Failed (?<m>\\S+)", "", "Failed ");
	lit("\\bIN=\\S* OUT=\\S* .*\\bPROTO=", "", "PROTO=");
	lit("^\\(pam_unix\\)[ ]", "(pam_unix)", "");
	lit("^(?<e>Server listening) on", "Server listening on", "");
	lit("^ab?c", "a", "");
	lit("^abc{2}d", "ab", "");
	lit("^x(?:yz)+w", "x", "");
	lit("^x(?:y|z)w", "x", "");
	lit("a|b", "", "");
	lit("^a(?i)bc", "", "");
	lit("^a(?i:bc)d", "", "");		/* any (?i: no literal */
	lit("^(?<msg>.*error.*)$", "", "error");
	lit("x\\.y\\\\z", "", "x.y\\z");
	/* a line without the literal cannot match; with it, it may */
	sumlit_extract(&l, "^Fail (\\S+) for the (\\S+)");
	assert_false(sumlit_may_match(&l, "Accepted x", 10));
	assert_false(sumlit_may_match(&l, "Fail x for y", 12));
	assert_true(sumlit_may_match(&l, "Fail x for the y", 16));
}

static void
test_disk_human_and_levels(void **state)
{
	char b[16];
	struct disk_row r;

	(void)state;
	disk_human(b, sizeof(b), 1000);
	assert_string_equal(b, "1000");
	disk_human(b, sizeof(b), 1536);
	assert_string_equal(b, "1.5K");
	disk_human(b, sizeof(b), 17ULL << 30);
	assert_string_equal(b, "17G");
	disk_human(b, sizeof(b), (17ULL << 30) + 1);
	assert_string_equal(b, "18G");			/* df rounds up */
	memset(&r, 0, sizeof(r));
	r.use_pct = 80;
	r.inode_pct = 91;
	assert_int_equal(disk_level(&r, 80, 90), DISK_CRIT);	/* inodes */
	r.inode_pct = 10;
	assert_int_equal(disk_level(&r, 80, 90), DISK_WARN);	/* >= */
	assert_int_equal(disk_level(&r, 81, 90), DISK_OK);
	assert_int_equal(disk_level(&r, 0, 0), DISK_OK);
	r.err = 13;
	assert_int_equal(disk_level(&r, 80, 90), DISK_UNREADABLE);
}

#define T(f)	cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_counts_and_cap),
		T(test_store_memory_cap),
		T(test_store_key_walk),
		T(test_store_save_load_by_id),
		T(test_skew_median_worst_precision),
		T(test_classify_keys_repeats_times),
		T(test_conf_errors),
		T(test_literals),
		T(test_disk_human_and_levels),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown_match);
}
