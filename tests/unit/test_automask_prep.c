/*
 * Unit tests for the template miner's line-only half (issue 16): the
 * exact cache's blanked hash, tmpl_add_prep against tmpl_add (prepared
 * hashes and tokens give the templates tmpl_add gives, also when they
 * were prepared before the store changed), automask_prep's memory of
 * messages, and the engine with automask on one thread (engine_line)
 * against the pipeline of --threads 2 (engine_pipe): the same queues
 * and the same template store.
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

#include "classify/automask.h"
#include "classify/engine.h"
#include "classify/engine_pipe.h"
#include "classify/tmpl.h"
#include "classify/tmpl_cache.h"
#include "classify/tmpl_int.h"
#include "conf/conf.h"
#include "lib/buf.h"

#define NOW	((time_t)1736676000)

static uint64_t rng = 88172645463325252ULL;

static uint64_t
next(void)
{
	return tu_xorshift(&rng);
}

/* The blanking the exact cache's hash stands for, byte by byte: a digit
 * that does not follow a letter (after a run of digits) becomes '0'. */
static void
blank_ref(const char *s, size_t n, char *out)
{
	int keep = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int d = c >= '0' && c <= '9';
		int a = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';

		out[i] = d && !keep ? '0' : (char)c;
		if (!d)
			keep = a;
	}
}

static void
test_blank_hash_is_the_blanked_text(void **state)
{
	static const char al[] = "0123456789aZz@[`{/:. -x9\x80\xff";
	char a[48], b[48], ra[48], rb[48];
	uint64_t ka, ca, kb, cb;
	size_t n, i, round;

	(void)state;
	for (round = 0; round < 200000; round++) {
		n = next() % sizeof(a);
		for (i = 0; i < n; i++) {
			a[i] = next() % 8 == 0 ? (char)(next() % 256) :
			    al[next() % (sizeof(al) - 1)];
			/* b: a with some digits changed, or another byte */
			b[i] = a[i];
			if (a[i] >= '0' && a[i] <= '9' && next() % 2)
				b[i] = (char)('0' + next() % 10);
			else if (next() % 64 == 0)
				b[i] = al[next() % (sizeof(al) - 1)];
		}
		blank_ref(a, n, ra);
		blank_ref(b, n, rb);
		tmpl_cache_blank_hash(a, n, 7, 9, &ka, &ca);
		tmpl_cache_blank_hash(b, n, 7, 9, &kb, &cb);
		if (memcmp(ra, rb, n) == 0) {
			assert_true(ka == kb && ca == cb);
		} else
			assert_true(ka != kb || ca != cb);
		/* blanking twice changes nothing */
		tmpl_cache_blank_hash(ra, n, 7, 9, &kb, &cb);
		assert_true(ka == kb && ca == cb);
	}
}

/* A message of one of a few shapes, with variables and words that vary. */
static size_t
message(char *out, size_t cap)
{
	static const char *const users[] = { "alice", "bob", "carol", "dave",
	    "erin" };
	static const char *const verbs[] = { "started", "stopped", "failed",
	    "restarted" };
	int n;

	switch (next() % 6) {
	case 0:
		n = snprintf(out, cap, "Accepted password for %s from "
		    "10.0.%u.%u port %u ssh2", users[next() % 5],
		    (unsigned)(next() % 256), (unsigned)(next() % 256),
		    (unsigned)(next() % 65536));
		break;
	case 1:
		n = snprintf(out, cap, "service %s %s after %ums",
		    users[next() % 5], verbs[next() % 4],
		    (unsigned)(next() % 5000));
		break;
	case 2:
		n = snprintf(out, cap, "session opened for user %s by (uid=%u)",
		    users[next() % 5], (unsigned)(next() % 3));
		break;
	case 3:
		n = snprintf(out, cap, "job%u %s code=%u path=/var/lib/x%u",
		    (unsigned)(next() % 4), verbs[next() % 4],
		    (unsigned)(next() % 9), (unsigned)(next() % 100));
		break;
	case 4:
		/* longer than the exact cache keeps */
		n = snprintf(out, cap, "%0600u trailing %s",
		    (unsigned)(next() % 7), users[next() % 5]);
		break;
	default:
		n = snprintf(out, cap, "word%u %s %s", (unsigned)(next() % 40),
		    users[next() % 5], verbs[next() % 4]);
		break;
	}
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static struct tmpl *
store(void)
{
	struct tmpl_opts o = { 64, 0, 0 };

	return tmpl_new(&o, 1000);
}

static void
assert_same_result(struct tmpl *a, const struct tmpl_result *ra,
    struct tmpl *b, const struct tmpl_result *rb)
{
	struct buf ta, tb;

	assert_int_equal(ra->id, rb->id);
	assert_int_equal(ra->created, rb->created);
	assert_int_equal(ra->changed, rb->changed);
	assert_int_equal(ra->near, rb->near);
	buf_init(&ta, 1 << 16);
	buf_init(&tb, 1 << 16);
	tmpl_view_render(a, ra, "_", 1, &ta);
	tmpl_view_render(b, rb, "_", 1, &tb);
	assert_int_equal(ta.len, tb.len);
	assert_memory_equal(ta.data, tb.data, ta.len);
	buf_free(&ta);
	buf_free(&tb);
}

/* Messages prepared in batches before any of them is mined (as the
 * pipeline's walks run ahead of the apply), with tokens or without:
 * tmpl_add_prep answers as tmpl_add does. */
static void
test_prepared_messages_give_the_same_templates(void **state)
{
	enum { BATCH = 64, N = 4000 };
	struct tmpl *plain = store(), *prep = store();
	static char msgs[BATCH][800];
	static struct tmpl_line lines[BATCH];
	size_t lens[BATCH], i, k;
	struct tmpl_prep p[BATCH];
	struct tmpl_result ra, rb;
	struct tmpl_stats sa, sb;

	(void)state;
	for (k = 0; k < N; k += BATCH) {
		for (i = 0; i < BATCH; i++) {
			lens[i] = message(msgs[i], sizeof(msgs[i]));
			tmpl_prep_hash(prep, 0, msgs[i], lens[i], &p[i]);
			if (next() % 3 != 0)
				tmpl_prep_split(msgs[i], lens[i], &lines[i],
				    &p[i]);
		}
		for (i = 0; i < BATCH; i++) {
			tmpl_add(plain, 0, msgs[i], lens[i], NOW, &ra);
			tmpl_add_prep(prep, 0, msgs[i], lens[i], &p[i], NOW,
			    &rb);
			assert_same_result(plain, &ra, prep, &rb);
		}
	}
	tmpl_view_stats(plain, &sa);
	tmpl_view_stats(prep, &sb);
	assert_int_equal(sa.templates, sb.templates);
	assert_int_equal(sa.created, sb.created);
	assert_int_equal(sa.retired, sb.retired);
	assert_int_equal(sa.joined, sb.joined);
	tmpl_free(plain);
	tmpl_free(prep);
}

/* automask_prep splits a message it has not seen, not one it has (a
 * long one too: the exact cache keeps hashes, not texts), always one
 * too long for the exact cache, and never without a memory; logward's
 * own lines are not prepared. */
static void
test_automask_prep_memory(void **state)
{
	struct tmpl *t = store();
	_Atomic uint64_t *seen = calloc(AUTOMASK_SEEN, sizeof(*seen));
	struct tmpl_line line;
	struct tmpl_prep p;
	char longmsg[700], *huge;
	const char *m = "sshd[42]: Accepted password for bob from 10.0.0.1";

	(void)state;
	assert_non_null(seen);
	automask_prep(t, &line, seen, m, strlen(m), 4, &p);
	assert_true(p.ready && p.hashed && p.tok != NULL);
	automask_prep(t, &line, seen, m, strlen(m), 4, &p);
	assert_true(p.ready && p.hashed && p.tok == NULL);
	automask_prep(t, &line, NULL, "cron: other", 11, 4, &p);
	assert_true(p.ready && p.hashed && p.tok == NULL);
	memset(longmsg, 'x', sizeof(longmsg));
	memcpy(longmsg, "cron: ", 6);
	automask_prep(t, &line, seen, longmsg, sizeof(longmsg), 4, &p);
	assert_true(p.ready && p.hashed && p.tok != NULL);
	automask_prep(t, &line, seen, longmsg, sizeof(longmsg), 4, &p);
	assert_true(p.ready && p.hashed && p.tok == NULL);
	huge = malloc(TMPL_EXACT_MAX + 64);
	assert_non_null(huge);
	memset(huge, 'x', TMPL_EXACT_MAX + 64);
	memcpy(huge, "cron: ", 6);
	automask_prep(t, &line, seen, huge, TMPL_EXACT_MAX + 64, 4, &p);
	automask_prep(t, &line, seen, huge, TMPL_EXACT_MAX + 64, 4, &p);
	assert_true(p.ready && !p.hashed && p.tok != NULL);
	free(huge);
	automask_prep(t, &line, seen, "logward: event", 14, 7, &p);
	assert_false(p.ready);
	automask_prep(NULL, &line, seen, m, strlen(m), 4, &p);
	assert_false(p.ready);
	free(seen);
	tmpl_free(t);
}

/* ---- the engine: one thread against the pipeline ---- */

static char	 dir[64];

static int
setup(void **state)
{
	(void)state;
	return tu_mkdtemp(dir, sizeof(dir), "amprep");
}

static int
teardown(void **state)
{
	(void)state;
	return tu_rmtree(dir);
}

static void
load(struct conf *c, const char *text)
{
	char path[128];

	assert_int_equal(tu_write(path, sizeof(path), dir, "test.conf", text),
	    0);
	if (conf_load(c, path) != 0) {
		conf_print_diags(c, stderr, true);
		fail_msg("config does not load");
	}
}

struct collect {
	struct buf	*out;
	struct tmpl	*t;
};

static void
collect_tmpl(const struct tmpl_info *info, void *arg)
{
	struct collect *c = arg;

	buf_printf(c->out, "%llu %lld %llu %d%d ", (unsigned long long)info->id,
	    (long long)info->first, (unsigned long long)info->count,
	    info->learned, info->near);
	(void)tmpl_view_render_id(c->t, info->id, "_", 1, c->out);
	buf_addc(c->out, '\n');
}

/* The queues (every entry in order: host, key, count, tag) and the
 * template store of e, as text. */
static void
dump(const struct engine *e, struct buf *out)
{
	struct collect c = { out, e->tmpl };
	size_t q, i;

	for (q = 0; q < e->conf->nqueues; q++) {
		const struct queue *qu = &e->queues[q];

		buf_printf(out, "queue %zu: %zu\n", q, qu->nentries);
		for (i = 0; i < qu->nentries; i++) {
			const struct entry *en = qu->entries[i];

			buf_printf(out, "%.*s|%.*s|%llu|%llx\n",
			    (int)en->hostlen, queue_entry_host(en),
			    (int)en->msglen, queue_entry_msg(en),
			    (unsigned long long)en->count,
			    (unsigned long long)en->tag);
		}
	}
	tmpl_view_each(e->tmpl, collect_tmpl, &c);
}

static void
test_one_thread_and_pipeline_agree(void **state)
{
	enum { N = 6000 };
	struct conf c;
	struct engine one, two;
	struct engine_pipe *p;
	struct tmpl_opts o;
	struct tmpl_stats st;
	struct buf a, b;
	char msg[800], line[1000];
	size_t i, len;
	int n;

	(void)state;
	load(&c, "set mask ___\nset hidepid on\nset automask on\n"
	    "set queue misc t@localhost root@localhost [30 6 * * *]\n"
	    "set queue sec t@localhost root@localhost [30 6 * * *]\n"
	    "trash ^cron: .*job0\n"
	    "sec ^sshd: Accepted password for (\\S+) from\n"
	    "misc .*\n");
	engine_init(&one, &c);
	engine_init(&two, &c);
	automask_opts(&c, &o);
	one.tmpl = tmpl_new(&o, NOW);
	two.tmpl = tmpl_new(&o, NOW);
	p = engine_pipe_new(&two, NOW);
	assert_non_null(p);
	rng = 1234567;
	for (i = 0; i < N; i++) {
		len = message(msg, sizeof(msg));
		n = snprintf(line, sizeof(line), "Jan 12 10:00:%02u host%u "
		    "%s[%u]: %s", (unsigned)(i % 60), (unsigned)(next() % 7),
		    next() % 2 ? "sshd" : "cron", (unsigned)(next() % 1000),
		    msg);
		assert_true(n > 0 && (size_t)n < sizeof(line));
		(void)len;
		engine_line(&one, line, (size_t)n, 0, NOW, NULL);
		engine_pipe_line(p, line, (size_t)n, 0);
	}
	engine_pipe_free(p);
	buf_init(&a, 1 << 24);
	buf_init(&b, 1 << 24);
	dump(&one, &a);
	dump(&two, &b);
	assert_true(a.len > 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	assert_int_equal(one.stats.queued, two.stats.queued);
	/* it mined: templates, and entries filed under them */
	tmpl_view_stats(two.tmpl, &st);
	assert_true(st.created > 20 && st.retired == 0);
	assert_non_null(strstr(b.data,
	    "|sshd: session opened for user ___ by (uid=___)|"));
	assert_int_equal(one.stats.trashed, two.stats.trashed);
	buf_free(&a);
	buf_free(&b);
	tmpl_free(one.tmpl);
	tmpl_free(two.tmpl);
	engine_free(&one);
	engine_free(&two);
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blank_hash_is_the_blanked_text),
		cmocka_unit_test(test_prepared_messages_give_the_same_templates),
		cmocka_unit_test(test_automask_prep_memory),
		cmocka_unit_test_setup_teardown(
		    test_one_thread_and_pipeline_agree, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
