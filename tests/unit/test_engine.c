/*
 * Unit tests for the rules engine: configs written to temp files and
 * loaded with conf_load, lines fed with engine_line, results read from the
 * verdict and from the queues.  Covers tenshi's escalation arithmetic
 * (tenshi-notes §10), per (host, rule) counters and their reset, repeat
 * (logward semantics, TENSHI-COMPAT.md), first match wins, groups,
 * group_host, trash, hidepid, noprefix, logprefix, PCRE2 limit errors
 * and cut lines.
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
#include <unistd.h>

#include "conf/conf.h"
#include "lib/match.h"
#include "queue/queue.h"
#include "classify/engine.h"
#include "report/report.h"

#define M6	"______"
#define NOW	((time_t)1736676000)	/* 2025-01-12 10:00 UTC */

static char	 dir[64];
static struct conf	C;
static struct engine	E;
static int	 loaded;
static char	*linebuf;		/* the last line fed (verdicts borrow it) */

static int
setup(void **state)
{
	(void)state;
	if (tu_mkdtemp(dir, sizeof(dir), "rules") == -1)
		return -1;
	loaded = 0;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (loaded) {
		engine_free(&E);
		conf_free(&C);
		loaded = 0;
	}
	free(linebuf);
	linebuf = NULL;
	match_set_limits(MATCH_DEFAULT_LIMIT, MATCH_DEFAULT_DEPTH);
	return tu_rmtree(dir);
}

/* Loads config text (which must be free of errors) into C and E. */
static void
load(const char *text)
{
	char path[128];

	assert_int_equal(tu_write(path, sizeof(path), dir, "test.conf", text),
	    0);
	if (conf_load(&C, path) != 0) {
		conf_print_diags(&C, stderr, true);
		conf_free(&C);
		fail_msg("config does not load");
	}
	engine_init(&E, &C);
	loaded = 1;
}

/* Feeds raw[0..len) as an exact-size heap copy (kept until the next feed,
 * since the verdict borrows it). */
static void
feed_raw(const char *raw, size_t len, size_t cut_from, struct verdict *v)
{
	free(linebuf);
	linebuf = malloc(len > 0 ? len : 1);
	assert_non_null(linebuf);
	if (len > 0)
		memcpy(linebuf, raw, len);
	engine_line(&E, linebuf, len, cut_from, NOW, v);
}

/* Feeds "Jan 12 10:00:00 HOST MSG". */
static void
feed(const char *host, const char *msg, struct verdict *v)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "Jan 12 10:00:00 %s %s", host, msg);

	assert_true(n > 0 && (size_t)n < sizeof(line));
	feed_raw(line, (size_t)n, 0, v);
}

static size_t
qidx(const char *name)
{
	long i = conf_queue_find(&C, name);

	if (i < 0)
		fail_msg("no queue '%s'", name);
	return (size_t)i;
}

/* The entry (host, msg) of queue name, or NULL. */
static struct entry *
ent(const char *name, const char *host, const char *msg)
{
	return queue_find(&E.queues[qidx(name)], host, strlen(host), msg,
	    strlen(msg));
}

/* Count of (host, msg) in queue name; 0 when there is no entry. */
static uint64_t
cnt(const char *name, const char *host, const char *msg)
{
	struct entry *e = ent(name, host, msg);

	return e != NULL ? e->count : 0;
}

/* The verdict's queues are exactly the NULL-terminated list of names. */
static void
check_queues(const struct verdict *v, ...)
{
	va_list ap;
	const char *name;
	size_t n = 0;

	va_start(ap, v);
	while ((name = va_arg(ap, const char *)) != NULL) {
		if (n >= v->nqueues || v->queues[n] != qidx(name)) {
			va_end(ap);
			fail_msg("verdict queue #%zu is not '%s' (nqueues %zu)",
			    n, name, v->nqueues);
		}
		n++;
	}
	va_end(ap);
	assert_int_equal(v->nqueues, n);
}

#define QUEUES(...)	check_queues(__VA_ARGS__, (const char *)NULL)

static void
assert_text(const char *p, size_t n, const char *want)
{
	if (p == NULL || n != strlen(want) || memcmp(p, want, n) != 0)
		fail_msg("got '%.*s', want '%s'", p ? (int)n : 6,
		    p ? p : "(null)", want);
}

/* ---- escalation (tenshi-notes §10) ---- */

static void
test_escalation_q_r2_s3_seven_lines(void **state)
{
	struct verdict v;
	int i;

	(void)state;
	load("set queue q f t [now]\nset queue r f t [now]\n"
	    "set queue s f t [now]\nq,r:2,s:3 ^login failure\n");
	for (i = 1; i <= 7; i++) {
		feed("h1", "login failure", &v);
		assert_int_equal(v.kind, V_QUEUED);
		assert_int_equal(v.rule, 0);
		switch (i % 3) {
		case 2:
			QUEUES(&v, "q", "r");
			break;
		case 0:
			QUEUES(&v, "q", "s");
			break;
		default:
			QUEUES(&v, "q");
			break;
		}
	}
	assert_int_equal(cnt("q", "h1", "login failure"), 7);
	assert_int_equal(cnt("r", "h1", "login failure"), 5);
	assert_int_equal(cnt("s", "h1", "login failure"), 6);
}

static void
test_escalation_a_b10_c50(void **state)
{
	struct verdict v;
	int i;
	uint64_t b = 0, c = 0;

	(void)state;
	load("set queue a f t [now]\nset queue b f t [now]\n"
	    "set queue c f t [now]\na,b:10,c:50 disk full\n");
	for (i = 1; i <= 160; i++) {	/* b at 10, 60, 110, 160; c at 50, 100, 150 */
		feed("db", "disk full on /var", &v);
		if (i % 50 == 10) {
			QUEUES(&v, "a", "b");
			b = (uint64_t)i;
		} else if (i % 50 == 0) {
			QUEUES(&v, "a", "c");
			c = (uint64_t)i;
		} else
			QUEUES(&v, "a");
		assert_int_equal(cnt("a", "db", "disk full on /var"), i);
		assert_int_equal(cnt("b", "db", "disk full on /var"), b);
		assert_int_equal(cnt("c", "db", "disk full on /var"), c);
		if (i < 10)
			assert_null(ent("b", "db", "disk full on /var"));
		if (i < 50)
			assert_null(ent("c", "db", "disk full on /var"));
	}
	assert_int_equal(b, 160);		/* 10, 60, 110, 160 */
	assert_int_equal(c, 150);
}

static void
test_escalation_single_queue(void **state)
{
	struct verdict v;
	int i;

	(void)state;
	load("set queue solo f t [now]\nsolo:2 ^tick\n");
	for (i = 1; i <= 7; i++) {
		feed("h", "tick", &v);
		assert_int_equal(v.rule, 0);
		if (i % 2 == 0) {
			QUEUES(&v, "solo");
			assert_int_equal(cnt("solo", "h", "tick"), i);
		} else {
			assert_int_equal(v.nqueues, 0);
			if (i == 1)
				assert_null(ent("solo", "h", "tick"));
			else
				assert_int_equal(cnt("solo", "h", "tick"), i - 1);
		}
	}
}

static void
test_escalation_equal_numbers(void **state)
{
	struct verdict v;
	int i;

	(void)state;
	/* b:3,c:3: both fire when counter mod 3 == 0 */
	load("set queue a f t [now]\nset queue b f t [now]\n"
	    "set queue c f t [now]\na,b:3,c:3 x\n");
	for (i = 1; i <= 6; i++) {
		feed("h", "x", &v);
		if (i % 3 == 0)
			QUEUES(&v, "a", "b", "c");
		else
			QUEUES(&v, "a");
	}
	assert_int_equal(cnt("b", "h", "x"), 6);
	assert_int_equal(cnt("c", "h", "x"), 6);
}

static void
test_counters_per_host_and_rule(void **state)
{
	struct verdict v;

	(void)state;
	load("set queue q f t [now]\nset queue e f t [now]\n"
	    "q,e:2 ^x\nq,e:2 ^y\n");
	feed("h1", "x", &v);
	QUEUES(&v, "q");
	feed("h1", "y", &v);		/* another rule: its own counter */
	QUEUES(&v, "q");
	feed("h2", "x", &v);		/* another host: its own counter */
	QUEUES(&v, "q");
	feed("h1", "x", &v);
	QUEUES(&v, "q", "e");
	assert_int_equal(cnt("e", "h1", "x"), 2);
	assert_null(ent("e", "h1", "y"));
	assert_null(ent("e", "h2", "x"));
	feed("h2", "x", &v);
	QUEUES(&v, "q", "e");
	assert_int_equal(cnt("e", "h2", "x"), 2);
	feed("h1", "y", &v);
	QUEUES(&v, "q", "e");
	assert_int_equal(cnt("q", "h1", "x"), 2);
	assert_int_equal(cnt("q", "h1", "y"), 2);
	assert_int_equal(cnt("q", "h2", "x"), 2);
}

static void
test_counter_not_keyed_by_masked_text(void **state)
{
	struct verdict v;

	(void)state;
	/* the counter is per (host, rule): different masked texts of one
	 * rule share it */
	load("set queue q f t [now]\nset queue e f t [now]\n"
	    "q,e:2 ^user (\\w+)$\n");
	feed("h", "user bob", &v);
	feed("h", "user", &v);		/* does not match */
	feed("h", "user alice", &v);
	QUEUES(&v, "q", "e");
	assert_int_equal(cnt("e", "h", "user " M6), 2);
	assert_int_equal(cnt("q", "h", "user " M6), 2);
}

static void
test_reset_counters_only_for_leftmost_queue(void **state)
{
	struct verdict v;

	(void)state;
	load("set queue q f t [now]\nset queue p f t [now]\n"
	    "set queue e f t [now]\n"
	    "q,e:2 ^x\np,e:2 ^y\n");
	feed("h", "x", &v);
	feed("h", "y", &v);
	feed("h2", "x", &v);
	/* a report of q for host h: resets rule 0 (leftmost q) for h only */
	engine_reset_counters(&E, qidx("q"), "h", 1);
	/* e is the leftmost queue of no rule: nothing happens */
	engine_reset_counters(&E, qidx("e"), "h", 1);
	engine_reset_counters(&E, qidx("e"), "h2", 2);
	/* an unknown host: nothing happens */
	engine_reset_counters(&E, qidx("q"), "nosuch", 6);
	feed("h", "x", &v);
	QUEUES(&v, "q");		/* counter 1 again */
	assert_null(ent("e", "h", "x"));
	feed("h", "y", &v);
	QUEUES(&v, "p", "e");		/* not reset: counter 2 */
	assert_int_equal(cnt("e", "h", "y"), 2);
	feed("h2", "x", &v);
	QUEUES(&v, "q", "e");		/* other host not reset */
	feed("h", "x", &v);
	QUEUES(&v, "q", "e");
	assert_int_equal(cnt("e", "h", "x"), 2);
	assert_int_equal(cnt("q", "h", "x"), 3);
}

static void
test_reset_counters_then_set_lowers_count(void **state)
{
	struct verdict v;
	int i;

	(void)state;
	load("set queue q f t [now]\nset queue e f t [now]\nq,e:3 ^x\n");
	for (i = 0; i < 6; i++)
		feed("h", "x", &v);
	assert_int_equal(cnt("e", "h", "x"), 6);
	engine_reset_counters(&E, qidx("q"), "h", 1);
	for (i = 0; i < 3; i++)
		feed("h", "x", &v);
	QUEUES(&v, "q", "e");
	assert_int_equal(cnt("e", "h", "x"), 3);	/* set, not added */
}

/* ---- repeat ---- */

#define REPEAT_CONF \
	"set queue q f t [now]\nset queue r f t [now]\n" \
	"repeat last message repeated (\\d+) times\n" \
	"trash ^noise\n" \
	"q,r:2 ^fail (\\S+)\n" \
	"q ^other\n"

static void
test_repeat_credits_only_queues_that_received_the_line(void **state)
{
	struct verdict v;

	(void)state;
	load(REPEAT_CONF);
	feed("h", "fail bob", &v);
	QUEUES(&v, "q");
	feed("h", "last message repeated 3 times", &v);
	assert_int_equal(v.kind, V_REPEAT);
	assert_int_equal(v.rule, 0);
	assert_int_equal(v.credit, 3);
	QUEUES(&v, "q");
	assert_text(v.masked, v.maskedlen, "fail " M6);
	assert_int_equal(cnt("q", "h", "fail " M6), 4);
	/* tenshi would create r's entry here (Q16); logward does not */
	assert_null(ent("r", "h", "fail " M6));

	feed("h", "fail alice", &v);		/* counter 2: q and r */
	QUEUES(&v, "q", "r");
	assert_int_equal(cnt("q", "h", "fail " M6), 5);
	assert_int_equal(cnt("r", "h", "fail " M6), 2);
	feed("h", "last message repeated 2 times", &v);
	assert_int_equal(v.kind, V_REPEAT);
	QUEUES(&v, "q", "r");
	assert_int_equal(cnt("q", "h", "fail " M6), 7);
	assert_int_equal(cnt("r", "h", "fail " M6), 4);
	/* another repeat right after still means the same line */
	feed("h", "last message repeated 10 times", &v);
	assert_int_equal(v.kind, V_REPEAT);
	assert_int_equal(cnt("q", "h", "fail " M6), 17);
	assert_int_equal(cnt("r", "h", "fail " M6), 14);
	assert_int_equal(E.stats.repeats, 3);
}

/* An engine moved by value (reload builds the new engine on its stack,
 * copies it into the daemon and points the queues' memory total at the
 * copy) classifies as before: nothing in it points into the old copy,
 * whose memory is then wiped and freed. */
static void
test_engine_moved_by_value(void **state)
{
	struct engine *old = malloc(sizeof(*old));
	struct verdict v;

	(void)state;
	assert_non_null(old);
	load("set queue report tenshi@localhost root@localhost [now]\n"
	    "set queue misc tenshi@localhost root@localhost [now]\n"
	    "trash ^kernel:\n"
	    "report ^sshd: Failed password for (\\S+) from (\\S+)\n"
	    "misc .*\n");
	engine_free(&E);
	engine_init(old, &C);
	E = *old;
	engine_set_memory(&E);	/* as reload does: the queues' total */
	explicit_bzero(old, sizeof(*old));	/* not optimised away */
	free(old);
	feed("web1", "sshd: Failed password for root from 10.0.0.1", &v);
	assert_int_equal(v.kind, V_QUEUED);
	QUEUES(&v, "report");
	assert_int_equal(cnt("report", "web1",
	    "sshd: Failed password for " M6 " from " M6), 1);
	feed("web1", "kernel: eth0 up", &v);
	assert_int_equal(v.kind, V_TRASH);
	feed("web2", "cron: job done", &v);
	QUEUES(&v, "misc");
}

static void
test_repeat_after_trash_credits_nothing(void **state)
{
	struct verdict v;

	(void)state;
	load(REPEAT_CONF);
	feed("h", "other thing", &v);
	feed("h", "noise here", &v);
	assert_int_equal(v.kind, V_TRASH);
	feed("h", "last message repeated 5 times", &v);
	assert_int_equal(v.kind, V_REPEAT_NONE);
	assert_int_equal(v.nqueues, 0);
	assert_int_equal(cnt("q", "h", "other thing"), 1);
	/* tenshi (Q17) would credit "other thing" */
}

static void
test_repeat_after_unmatched_credits_nothing(void **state)
{
	struct verdict v;

	(void)state;
	load(REPEAT_CONF);
	feed("h", "other thing", &v);
	feed("h", "no rule for this", &v);
	assert_int_equal(v.kind, V_NORULE);
	feed("h", "last message repeated 5 times", &v);
	assert_int_equal(v.kind, V_REPEAT_NONE);
	assert_int_equal(v.nqueues, 0);
	assert_int_equal(cnt("q", "h", "other thing"), 1);
	/* and a filed line after that is credited again */
	feed("h", "other thing", &v);
	feed("h", "last message repeated 5 times", &v);
	assert_int_equal(v.kind, V_REPEAT);
	assert_int_equal(cnt("q", "h", "other thing"), 7);
}

static void
test_repeat_as_first_line_credits_nothing(void **state)
{
	struct verdict v;

	(void)state;
	load(REPEAT_CONF);
	feed("h2", "other thing", &v);		/* another host's line */
	feed("h", "last message repeated 5 times", &v);
	assert_int_equal(v.kind, V_REPEAT_NONE);
	assert_int_equal(v.nqueues, 0);
	assert_int_equal(cnt("q", "h2", "other thing"), 1);
	assert_null(ent("q", "h", "other thing"));
	/* a second repeat does not start crediting anything either */
	feed("h", "last message repeated 5 times", &v);
	assert_int_equal(v.kind, V_REPEAT_NONE);
	assert_int_equal(E.queues[qidx("q")].nentries, 1);
	assert_int_equal(E.queues[qidx("r")].nentries, 0);
}

static void
test_repeat_after_escalated_line_that_reached_no_queue(void **state)
{
	struct verdict v;

	(void)state;
	/* solo:2 line 1 reaches no queue: the repeat has nothing to credit */
	load("set queue solo f t [now]\n"
	    "repeat last message repeated (\\d+) times\nsolo:2 ^tick\n");
	feed("h", "tick", &v);
	assert_int_equal(v.nqueues, 0);
	feed("h", "last message repeated 4 times", &v);
	assert_int_equal(v.nqueues, 0);
	assert_null(ent("solo", "h", "tick"));
}

/* ---- rule order, groups, trash ---- */

static void
test_first_match_wins_and_multi_queue(void **state)
{
	struct verdict v;

	(void)state;
	load("set queue q f t [now]\nset queue r f t [now]\n"
	    "q,r ^abc\nr ^a\nq .*\n");
	feed("h", "abcdef", &v);
	assert_int_equal(v.kind, V_QUEUED);
	assert_int_equal(v.rule, 0);
	QUEUES(&v, "q", "r");
	feed("h", "axx", &v);
	assert_int_equal(v.rule, 1);
	QUEUES(&v, "r");
	feed("h", "zzz", &v);
	assert_int_equal(v.rule, 2);
	QUEUES(&v, "q");
	assert_int_equal(cnt("q", "h", "abcdef"), 1);
	assert_int_equal(cnt("r", "h", "abcdef"), 1);
	assert_int_equal(cnt("r", "h", "axx"), 1);
	assert_null(ent("q", "h", "axx"));
	assert_int_equal(E.stats.lines, 3);
	assert_int_equal(E.stats.queued, 3);
}

static char exbuf[QUEUE_EXAMPLE_MAX + 1];

static void
test_verdict_fields(void **state)
{
	struct verdict v;

	(void)state;
	load("set queue q f t [now]\nq ^sshd\\[\\d+\\]: Accepted (\\w+) for (\\S+)\n");
	feed("web-1", "sshd[42]: Accepted password for root", &v);
	assert_int_equal(v.kind, V_QUEUED);
	assert_int_equal(v.prefix, -1);
	assert_text(v.host, v.hostlen, "web-1");
	assert_text(v.text, v.textlen, "sshd[42]: Accepted password for root");
	assert_text(v.masked, v.maskedlen, "sshd[42]: Accepted " M6 " for " M6);
	assert_int_equal(v.nerrors, 0);
	assert_int_equal(v.nskipped, 0);
	assert_int_equal(cnt("q", "web-1", "sshd[42]: Accepted " M6 " for " M6), 1);
	assert_string_equal(queue_example(ent("q", "web-1",
	    "sshd[42]: Accepted " M6 " for " M6), exbuf),
	    "Jan 12 10:00:00 web-1 sshd[42]: Accepted password for root");
}

static void
test_same_masked_text_from_two_rules_shares_entry(void **state)
{
	struct verdict v;

	(void)state;
	load("set queue q f t [now]\nq ^a(1)\nq ^a(2)\n");
	feed("h", "a1", &v);
	assert_int_equal(v.rule, 0);
	feed("h", "a2", &v);
	assert_int_equal(v.rule, 1);
	assert_int_equal(cnt("q", "h", "a" M6), 2);
	assert_int_equal(E.queues[qidx("q")].nentries, 1);
}

static void
test_unmatched_line_dropped(void **state)
{
	struct verdict v;

	(void)state;
	load("set queue q f t [now]\nq ^only this\n");
	feed("h", "something else", &v);
	assert_int_equal(v.kind, V_NORULE);
	assert_int_equal(v.rule, -1);
	assert_int_equal(v.nqueues, 0);
	assert_int_equal(E.queues[0].nentries, 0);
	assert_int_equal(E.stats.unmatched, 1);
}

static void
test_trash(void **state)
{
	struct verdict v;

	(void)state;
	load("set queue q f t [now]\ntrash ^CRON\\b\nq .*\n");
	feed("h", "CRON[1]: job", &v);
	assert_int_equal(v.kind, V_TRASH);
	assert_int_equal(v.rule, 0);
	assert_int_equal(v.nqueues, 0);
	assert_int_equal(E.queues[0].nentries, 0);
	feed("h", "CRONTAB edited", &v);
	assert_int_equal(v.kind, V_QUEUED);
	assert_int_equal(E.stats.trashed, 1);
	assert_int_equal(E.stats.queued, 1);
}

static void
test_group_skips_when_not_matching(void **state)
{
	struct verdict v;

	(void)state;
	load("set queue q f t [now]\nset queue r f t [now]\n"
	    "group ^sshd\n"
	    "q Accepted\n"
	    "group_end\n"
	    "r .*\n");
	feed("h", "sshd: Accepted key", &v);
	assert_int_equal(v.rule, 1);
	QUEUES(&v, "q");
	assert_int_equal(v.nskipped, 0);
	/* group fails: its rules are not tried */
	feed("h", "cron: Accepted key", &v);
	assert_int_equal(v.rule, 2);
	QUEUES(&v, "r");
	assert_int_equal(v.nskipped, 1);
	assert_int_equal(v.skipped[0], 0);
	/* group matches but nothing inside does: on after group_end */
	feed("h", "sshd: other", &v);
	assert_int_equal(v.rule, 2);
	QUEUES(&v, "r");
	assert_int_equal(v.nskipped, 0);
}

static void
test_nested_groups(void **state)
{
	struct verdict v;

	(void)state;
	load("set queue q f t [now]\nset queue r f t [now]\n"
	    "set queue s f t [now]\n"
	    "group ^sshd\n"		/* 0 */
	    "group Accepted\n"		/* 1 */
	    "q root\n"			/* 2 */
	    "group_end\n"
	    "r .\n"			/* 3 */
	    "group_end\n"
	    "s .\n");			/* 4 */
	feed("h", "sshd: Accepted root", &v);
	QUEUES(&v, "q");
	feed("h", "sshd: Accepted bob", &v);
	QUEUES(&v, "r");
	feed("h", "sshd: Failed root", &v);
	QUEUES(&v, "r");
	assert_int_equal(v.nskipped, 1);
	assert_int_equal(v.skipped[0], 1);
	feed("h", "cron: Accepted root", &v);
	QUEUES(&v, "s");
	assert_int_equal(v.nskipped, 1);
	assert_int_equal(v.skipped[0], 0);
}

static void
test_group_host(void **state)
{
	struct verdict v;

	(void)state;
	load("set queue q f t [now]\nset queue r f t [now]\n"
	    "group_host ^web\\d+$\n"
	    "q .*\n"
	    "group_end\n"
	    "r .*\n");
	feed("web1", "anything", &v);
	QUEUES(&v, "q");
	feed("db1", "anything", &v);
	QUEUES(&v, "r");
	assert_int_equal(v.nskipped, 1);
	/* tested against the host, not the message */
	feed("db1", "web1", &v);
	QUEUES(&v, "r");
	feed("web1x", "x", &v);
	QUEUES(&v, "r");
}

/* The walk remembers a group_host rule's answer per host: many hosts
 * (more than the memory holds, and colliding), two group_host rules,
 * names too long to be remembered, again and again. */
static void
test_group_host_answers_remembered_per_host(void **state)
{
	struct verdict v;
	char host[128];
	int round, h, want;

	(void)state;
	load("set queue q f t [now]\nset queue r f t [now]\n"
	    "set queue s f t [now]\n"
	    "group_host ^web\\d*7$\n"
	    "q .*\n"
	    "group_end\n"
	    "group_host 3$\n"
	    "s .*\n"
	    "group_end\n"
	    "r .*\n");
	for (round = 0; round < 3; round++) {
		for (h = 0; h < 700; h++) {
			if (h % 50 == 0)
				snprintf(host, sizeof(host), "web%070d", h);
			else
				snprintf(host, sizeof(host), "%s%d",
				    h % 2 ? "web" : "db", h);
			feed(host, "anything", &v);
			want = strncmp(host, "web", 3) == 0 &&
			    host[strlen(host) - 1] == '7' ? 0 :
			    host[strlen(host) - 1] == '3' ? 2 : 1;
			QUEUES(&v, want == 0 ? "q" : want == 2 ? "s" : "r");
		}
	}
}

/* ---- hidepid ---- */

static void
check_hidepid(const char *msg, const char *want)
{
	struct verdict v;

	feed("h", msg, &v);
	assert_int_equal(v.kind, V_QUEUED);
	assert_text(v.text, v.textlen, want);
	assert_text(v.masked, v.maskedlen, want);
}

static void
test_hidepid_on(void **state)
{
	(void)state;
	load("set hidepid on\nset queue q f t [now]\nq .\n");
	check_hidepid("sshd[123]: Accepted", "sshd: Accepted");
	check_hidepid("postfix/smtpd[7]: connect", "postfix/smtpd: connect");
	check_hidepid("p[1]:  two blanks", "p:  two blanks");
	check_hidepid("x[1][2]: y", "x[1]: y");
	check_hidepid("a[0]: ", "a: ");
	/* tenshi leaves these alone (tenshi-notes §8.4) */
	check_hidepid("foo[1] : x", "foo[1] : x");
	check_hidepid("foo[1]:x", "foo[1]:x");
	check_hidepid("foo[abc]: x", "foo[abc]: x");
	check_hidepid("foo[]: x", "foo[]: x");
	check_hidepid("[1]: x", "[1]: x");
	check_hidepid("foo[1]:\tx", "foo[1]:\tx");
	check_hidepid("foo[1]:", "foo[1]:");
	check_hidepid("a b[1]: x", "a b[1]: x");
	check_hidepid("foo[1x]: y", "foo[1x]: y");
}

static void
test_hidepid_applies_before_rules(void **state)
{
	struct verdict v;

	(void)state;
	load("set hidepid on\nset queue q f t [now]\nset queue r f t [now]\n"
	    "q ^sshd: (\\w+)$\nr .\n");
	feed("h", "sshd[99]: hello", &v);
	QUEUES(&v, "q");
	assert_text(v.masked, v.maskedlen, "sshd: " M6);
	feed("h", "sshd[100]: world", &v);
	assert_int_equal(cnt("q", "h", "sshd: " M6), 2);
}

static void
test_hidepid_off(void **state)
{
	(void)state;
	load("set queue q f t [now]\nq .\n");
	check_hidepid("sshd[123]: Accepted", "sshd[123]: Accepted");
}

/* ---- prefixes ---- */

static void
test_noprefix_queue(void **state)
{
	struct verdict v;
	static const char line[] = "no syslog prefix user 123";

	(void)state;
	load("set queue noprefix f t [now]\nset queue q f t [now]\n"
	    "q (\\d+)\n");
	feed_raw(line, sizeof(line) - 1, 0, &v);
	assert_int_equal(v.kind, V_NOPREFIX);
	assert_int_equal(v.rule, -1);
	QUEUES(&v, "noprefix");
	assert_text(v.host, v.hostlen, NOPREFIX_HOST);
	/* unmasked, no rules */
	assert_int_equal(cnt("noprefix", NOPREFIX_HOST, line), 1);
	assert_int_equal(E.queues[qidx("q")].nentries, 0);
	assert_int_equal(E.stats.noprefix, 1);
	/* a prefixed line still goes through the rules */
	feed("h", "user 123", &v);
	QUEUES(&v, "q");
}

static void
test_no_prefix_without_noprefix_queue_dropped(void **state)
{
	struct verdict v;

	(void)state;
	load("set queue q f t [now]\nq .*\n");
	feed_raw("garbage", 7, 0, &v);
	assert_int_equal(v.kind, V_NOPREFIX_DROPPED);
	assert_int_equal(v.nqueues, 0);
	assert_int_equal(E.queues[0].nentries, 0);
}

static void
test_logprefix(void **state)
{
	struct verdict v;
	static const char l1[] = "[myhost] kernel: boom 42";
	static const char l2[] = "abc <h2> rest 7";
	static const char l3[] = "@h3@tail";

	(void)state;
	load("set queue q f t [now]\n"
	    "set logprefix ^\\[(\\S+)\\][ ]\n"
	    "set logprefix <(\\w+)>\n"
	    "set logprefix ^@(\\w+)@\n"
	    "q (\\d+)$\nq .*\n");
	feed_raw(l1, sizeof(l1) - 1, 0, &v);
	assert_int_equal(v.kind, V_QUEUED);
	assert_int_equal(v.prefix, 0);
	assert_text(v.host, v.hostlen, "myhost");
	assert_text(v.text, v.textlen, "kernel: boom 42");
	assert_int_equal(cnt("q", "myhost", "kernel: boom " M6), 1);
	/* unanchored: the message is the line minus the prefix match */
	feed_raw(l2, sizeof(l2) - 1, 0, &v);
	assert_int_equal(v.prefix, 1);
	assert_text(v.host, v.hostlen, "h2");
	assert_text(v.text, v.textlen, "abc  rest 7");
	assert_text(v.masked, v.maskedlen, "abc  rest " M6);
	feed_raw(l3, sizeof(l3) - 1, 0, &v);
	assert_int_equal(v.prefix, 2);
	assert_text(v.host, v.hostlen, "h3");
	assert_text(v.text, v.textlen, "tail");
	/* the built-in prefix is tried first */
	feed("[notme]", "x <y> 1", &v);
	assert_int_equal(v.prefix, -1);
	assert_text(v.host, v.hostlen, "[notme]");
	assert_text(v.text, v.textlen, "x <y> 1");
}

static void
test_logprefix_group_not_taking_part_drops_line(void **state)
{
	struct verdict v;
	static const char line[] = "- message";

	(void)state;
	load("set queue noprefix f t [now]\nset queue q f t [now]\n"
	    "set logprefix ^(?:(\\w+):|-)[ ]\n"
	    "q .*\n");
	/* tenshi drops it silently, not even to noprefix (Q15) */
	feed_raw(line, sizeof(line) - 1, 0, &v);
	assert_int_equal(v.kind, V_NOPREFIX_DROPPED);
	assert_int_equal(v.nqueues, 0);
	assert_int_equal(E.queues[qidx("noprefix")].nentries, 0);
	assert_int_equal(E.queues[qidx("q")].nentries, 0);
	feed_raw("h9: message", 11, 0, &v);
	assert_int_equal(v.kind, V_QUEUED);
	assert_text(v.host, v.hostlen, "h9");
	assert_text(v.text, v.textlen, "message");
}

/* ---- PCRE2 limits ---- */

#define CATASTROPHIC	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaab"

static void
test_match_limit_error_goes_on_to_later_rules(void **state)
{
	struct verdict v;

	(void)state;
	load("set engine pcre2\n"
	    "set queue q f t [now]\nset queue r f t [now]\n"
	    "q ^(a+)+$\n"
	    "r .*\n");
	match_set_limits(1000, 1000);
	feed("h", CATASTROPHIC, &v);
	assert_int_equal(v.nerrors, 1);
	assert_int_equal(v.errors[0], 0);
	assert_non_null(v.error_why);
	assert_int_equal(v.kind, V_QUEUED);
	assert_int_equal(v.rule, 1);
	QUEUES(&v, "r");
	assert_int_equal(cnt("r", "h", CATASTROPHIC), 1);
	assert_int_equal(E.queue_errlines[qidx("r")], 1);
	assert_int_equal(E.queue_errlines[qidx("q")], 0);
	assert_int_equal(E.rule_errors[0], 1);
	assert_int_equal(E.rule_errors[1], 0);
	assert_int_equal(E.stats.regex_errors, 1);
	assert_int_equal(E.stats.regex_errors_dropped, 0);
	/* a line that matches normally is not an error */
	feed("h", "aaa", &v);
	assert_int_equal(v.nerrors, 0);
	assert_int_equal(v.rule, 0);
	assert_int_equal(E.queue_errlines[qidx("q")], 0);
	match_set_limits(MATCH_DEFAULT_LIMIT, MATCH_DEFAULT_DEPTH);
}

/* The same catastrophic pattern with Hyperscan in front: the scan answers
 * "no match" and PCRE2 never runs, so there is no limit error at all. */
static void
test_hyperscan_decides_without_limit_error(void **state)
{
	struct verdict v;

	(void)state;
	load("set queue q f t [now]\nset queue r f t [now]\n"
	    "q ^(a+)+$\n"
	    "r .*\n");
	assert_true(E.use_scan);
	match_set_limits(1000, 1000);
	feed("h", CATASTROPHIC, &v);
	assert_int_equal(v.nerrors, 0);
	assert_int_equal(v.rule, 1);
	QUEUES(&v, "r");
	/* a matching line still gets PCRE2's captures for the mask */
	feed("h", "aaa", &v);
	assert_int_equal(v.rule, 0);
	assert_int_equal(v.nerrors, 0);
}

static void
test_match_limit_error_in_group_skips_group(void **state)
{
	struct verdict v;

	(void)state;
	load("set engine pcre2\n"
	    "set queue q f t [now]\nset queue r f t [now]\n"
	    "group ^(a+)+$\n"
	    "q .*\n"
	    "group_end\n"
	    "r .*\n");
	match_set_limits(1000, 1000);
	feed("h", CATASTROPHIC, &v);
	assert_int_equal(v.nerrors, 1);
	assert_int_equal(v.errors[0], 0);
	assert_int_equal(v.nskipped, 1);
	QUEUES(&v, "r");
	assert_int_equal(E.queue_errlines[qidx("r")], 1);
	match_set_limits(MATCH_DEFAULT_LIMIT, MATCH_DEFAULT_DEPTH);
}

static void
test_match_limit_error_then_unmatched_counted(void **state)
{
	struct verdict v;

	(void)state;
	load("set engine pcre2\n"
	    "set queue q f t [now]\nq ^(a+)+$\nq ^zzz\n");
	match_set_limits(1000, 1000);
	feed("h", CATASTROPHIC, &v);
	assert_int_equal(v.kind, V_NORULE);
	assert_int_equal(v.nerrors, 1);
	assert_int_equal(E.stats.regex_errors, 1);
	assert_int_equal(E.stats.regex_errors_dropped, 1);
	match_set_limits(MATCH_DEFAULT_LIMIT, MATCH_DEFAULT_DEPTH);
}

/* ---- cut lines ---- */

static void
test_cut_line_marked_in_masked_text(void **state)
{
	struct verdict v;
	char line[128];
	int n;

	(void)state;
	load("set queue q f t [now]\nset queue noprefix f t [now]\n"
	    "q ^long (\\d+)\n");
	n = snprintf(line, sizeof(line), "Jan 12 10:00:00 h long 123 xxxx");
	feed_raw(line, (size_t)n, 250000, &v);
	assert_int_equal(v.kind, V_QUEUED);
	assert_non_null(v.masked);
	assert_true(v.maskedlen > strlen("long " M6 " xxxx"));
	assert_memory_equal(v.masked, "long " M6 " xxxx", strlen("long " M6 " xxxx"));
	assert_non_null(strstr(v.masked, "cut"));
	assert_non_null(strstr(v.masked, "250000"));
	assert_int_equal(E.queues[qidx("q")].nentries, 1);
	assert_non_null(strstr(queue_entry_msg(E.queues[qidx("q")].entries[0]),
	    "250000"));
	assert_int_equal(E.stats.cut, 1);
	/* a line that was not cut has no marker */
	feed("h", "long 1 xxxx", &v);
	assert_text(v.masked, v.maskedlen, "long " M6 " xxxx");
	/* a cut line without prefix is marked in the noprefix queue too */
	feed_raw("no prefix here", 14, 99999, &v);
	assert_int_equal(v.kind, V_NOPREFIX);
	assert_memory_equal(v.masked, "no prefix here", 14);
	assert_non_null(strstr(v.masked, "99999"));
	assert_int_equal(E.stats.cut, 2);
}

static void
test_line_with_nul_bytes(void **state)
{
	struct verdict v;
	static const char line[] = "Jan 12 10:00:00 h a\0b id=7 \0end";

	(void)state;
	load("set queue q f t [now]\nq id=(\\d+)\n");
	feed_raw(line, sizeof(line) - 1, 0, &v);
	assert_int_equal(v.kind, V_QUEUED);
	assert_int_equal(v.maskedlen, sizeof("a\0b id=" M6 " \0end") - 1);
	assert_memory_equal(v.masked, "a\0b id=" M6 " \0end", v.maskedlen);
	assert_non_null(queue_find(&E.queues[0], "h", 1, "a\0b id=" M6 " \0end",
	    sizeof("a\0b id=" M6 " \0end") - 1));
}

static void
test_null_verdict_allowed(void **state)
{
	(void)state;
	load("set queue q f t [now]\nq .*\n");
	feed("h", "x", NULL);
	assert_int_equal(cnt("q", "h", "x"), 1);
}

/* report_escape: every byte value at every offset of words and tails,
 * against the byte-by-byte rule (\xHH for < 0x20 but tab, and 0x7f). */
static void
test_report_escape_every_byte_and_offset(void **state)
{
	char in[40], want[200];
	struct buf out;
	size_t len, pos, i, w;
	int ch;

	(void)state;
	buf_init(&out, 1 << 20);
	for (len = 1; len <= sizeof(in); len += 3) {
		for (pos = 0; pos < len; pos++) {
			for (ch = 0; ch < 256; ch++) {
				memset(in, 'a', sizeof(in));
				in[pos] = (char)ch;
				if (pos + 2 < len)
					in[pos + 2] = '\t';
				for (i = 0, w = 0; i < len; i++) {
					unsigned char c = (unsigned char)in[i];

					if ((c < 0x20 && c != '\t') || c == 0x7f)
						w += (size_t)snprintf(want + w,
						    sizeof(want) - w, "\\x%02x", c);
					else
						want[w++] = (char)c;
				}
				buf_reset(&out);
				report_escape(&out, in, len);
				assert_int_equal(out.len, w);
				assert_memory_equal(out.data, want, w);
			}
		}
	}
	buf_free(&out);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_escalation_q_r2_s3_seven_lines),
		T(test_escalation_a_b10_c50),
		T(test_escalation_single_queue),
		T(test_escalation_equal_numbers),
		T(test_counters_per_host_and_rule),
		T(test_counter_not_keyed_by_masked_text),
		T(test_reset_counters_only_for_leftmost_queue),
		T(test_reset_counters_then_set_lowers_count),
		T(test_repeat_credits_only_queues_that_received_the_line),
		T(test_engine_moved_by_value),
		T(test_repeat_after_trash_credits_nothing),
		T(test_repeat_after_unmatched_credits_nothing),
		T(test_repeat_as_first_line_credits_nothing),
		T(test_repeat_after_escalated_line_that_reached_no_queue),
		T(test_first_match_wins_and_multi_queue),
		T(test_verdict_fields),
		T(test_same_masked_text_from_two_rules_shares_entry),
		T(test_unmatched_line_dropped),
		T(test_trash),
		T(test_group_skips_when_not_matching),
		T(test_nested_groups),
		T(test_group_host),
		T(test_group_host_answers_remembered_per_host),
		T(test_hidepid_on),
		T(test_hidepid_applies_before_rules),
		T(test_hidepid_off),
		T(test_noprefix_queue),
		T(test_no_prefix_without_noprefix_queue_dropped),
		T(test_logprefix),
		T(test_logprefix_group_not_taking_part_drops_line),
		T(test_match_limit_error_goes_on_to_later_rules),
		T(test_hyperscan_decides_without_limit_error),
		T(test_match_limit_error_in_group_skips_group),
		T(test_match_limit_error_then_unmatched_counted),
		T(test_cut_line_marked_in_masked_text),
		T(test_line_with_nul_bytes),
		T(test_null_verdict_allowed),
		T(test_report_escape_every_byte_and_offset),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown_match);
}
