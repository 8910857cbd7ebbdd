/*
 * Unit tests for tmpl, the template miner and store: grouping (variables
 * only, lexical evidence, three messages differing in one word, the
 * guard that keeps a template from becoming all variables), stable ids
 * and aliases, rendering, the caps (templates retire, counted), the
 * learning period and "near" templates, determinism, and the store's
 * bytes (a round trip gives the same ids and no new template; damaged
 * bytes are refused, never half used).
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

#include "classify/tmpl.h"
#include "lib/buf.h"

static struct tmpl *
store(size_t max, int64_t learn)
{
	struct tmpl_opts o = { max, 0, learn };

	return tmpl_new(&o, 1000);
}

static uint64_t
add(struct tmpl *t, const char *msg, struct tmpl_result *r)
{
	struct tmpl_result local;

	if (r == NULL)
		r = &local;
	tmpl_add(t, 0, msg, strlen(msg), 2000, r);
	return r->id;
}

/* the current text of id's template, owned */
static char *
text(struct tmpl *t, uint64_t id)
{
	struct buf b;
	char *s;

	buf_init(&b, SIZE_MAX / 4);
	assert_int_equal(tmpl_view_render_id(t, id, "<*>", 3, &b), 0);
	s = strdup(b.data != NULL ? b.data : "");
	buf_free(&b);
	return s;
}

#define TEXT_IS(t, id, want) do {				\
	char *s_ = text(t, id);					\
	assert_string_equal(s_, want);				\
	free(s_);						\
} while (0)

static void
test_variables_group(void **state)
{
	struct tmpl *t = store(100, 0);
	struct tmpl_result r;
	uint64_t a, b;

	(void)state;
	a = add(t, "Received disconnect from 10.0.0.1: 11: Bye Bye [preauth]", &r);
	assert_true(r.created);
	b = add(t, "Received disconnect from 192.168.7.9: 11: Bye Bye [preauth]", &r);
	assert_int_equal(a, b);
	assert_false(r.created);
	assert_false(r.changed);
	TEXT_IS(t, a, "Received disconnect from <*>: <*>: Bye Bye [preauth]");
	tmpl_free(t);
}

static void
test_lexical_generalises(void **state)
{
	struct tmpl *t = store(100, 0);
	struct tmpl_result r;
	uint64_t a, b;

	(void)state;
	/* a number where a word was: the word was a variable */
	a = add(t, "Invalid user admin from 10.0.0.1", NULL);
	b = add(t, "Invalid user 12345 from 10.0.0.2", &r);
	assert_int_equal(a, b);
	assert_true(r.changed);
	TEXT_IS(t, a, "Invalid user <*> from <*>");
	/* an empty value against a host name */
	a = add(t, "connection from 1.2.3.4 () at Sun Jul 10 03:55:15 2005", NULL);
	b = add(t, "connection from 1.2.3.5 (host9.example.net) at Mon Jul 11 "
	    "01:02:03 2005", NULL);
	assert_int_equal(a, b);
	tmpl_free(t);
}

static void
test_three_siblings(void **state)
{
	struct tmpl *t = store(100, 0);
	struct tmpl_result r;
	uint64_t a, b, c, d;

	(void)state;
	a = add(t, "session opened for user cyrus by (uid=0)", NULL);
	b = add(t, "session opened for user news by (uid=0)", &r);
	/* two values: maybe a constant (DHCPOFFER, DHCPACK), so two
	 * templates, the second one "near" (not news) */
	assert_int_not_equal(a, b);
	assert_true(r.created);
	assert_true(r.near);
	/* the third value in the same place makes it a variable: the
	 * templates join, and the younger id answers to the older one */
	c = add(t, "session opened for user test by (uid=509)", &r);
	assert_int_equal(c, a);
	assert_true(r.changed);
	assert_int_equal(tmpl_resolve(t, b), a);
	TEXT_IS(t, b, "session opened for user <*> by (uid=<*>)");
	d = add(t, "session opened for user root by LOGIN(uid=0)", &r);
	assert_int_equal(d, a);
	assert_false(r.created);
	TEXT_IS(t, b, "session opened for user <*> by <*>(uid=<*>)");
	/* different words in two places never join */
	a = add(t, "DHCPOFFER on 10.0.0.1 to 00:11:43:e3:ba:c3 via eth1", NULL);
	b = add(t, "DHCPACK on 10.0.0.1 to 00:11:43:e3:ba:c3 via eth1", NULL);
	assert_int_not_equal(a, tmpl_resolve(t, b));
	tmpl_free(t);
}

static void
test_keeps_words(void **state)
{
	struct tmpl *t = store(100, 0);
	uint64_t a;

	(void)state;
	add(t, "syslogd startup succeeded", NULL);
	add(t, "klogd startup succeeded", NULL);
	a = add(t, "portmap startup succeeded", NULL);
	TEXT_IS(t, a, "<*> startup succeeded");
	add(t, "cupsd shutdown succeeded", NULL);
	add(t, "cupsd stop succeeded", NULL);
	add(t, "cupsd reload succeeded", NULL);
	/* "<*> <*> succeeded" would say nothing: startup stays */
	TEXT_IS(t, a, "<*> startup succeeded");
	tmpl_free(t);
}

static void
test_render(void **state)
{
	struct tmpl *t = store(100, 0);
	struct tmpl_result r;
	struct buf b;

	(void)state;
	add(t, "deleted blk_1 blk_2 blk_3", &r);
	buf_init(&b, SIZE_MAX / 4);
	tmpl_view_render(t, &r, "___", 3, &b);
	assert_string_equal(b.data, "deleted ___");
	buf_reset(&b);
	add(t, "Failed password for root from 10.0.0.1 port 22 ssh2", &r);
	tmpl_view_render(t, &r, "___", 3, &b);
	assert_string_equal(b.data, "Failed password for root from ___ port ___ ssh2");
	/* the mask may change: the cached text follows */
	buf_reset(&b);
	tmpl_view_render(t, &r, "#", 1, &b);
	assert_string_equal(b.data, "Failed password for root from # port # ssh2");
	buf_free(&b);
	tmpl_free(t);
}

static void
test_cap_retires(void **state)
{
	struct tmpl *t = store(16, 0);
	struct tmpl_stats st;
	char msg[64];
	uint64_t first;
	int i;

	(void)state;
	first = add(t, "alpha beta gamma", NULL);
	for (i = 0; i < 100; i++) {
		snprintf(msg, sizeof(msg), "w%c%c x%c y%c z", 'a' + i % 26,
		    'a' + i / 26, 'a' + i % 7, 'a' + i % 11);
		add(t, msg, NULL);
	}
	tmpl_view_stats(t, &st);
	assert_true(st.templates <= 16);
	assert_true(st.retired > 0);
	assert_true(st.created == st.templates + st.retired + st.joined);
	/* the least recently seen went first */
	assert_int_equal(tmpl_view_render_id(t, first, "<*>", 3, &(struct buf){ 0 }), -1);
	tmpl_free(t);
}

static void
test_memory_cap(void **state)
{
	struct tmpl_opts o = { 1000000, 64 * 1024, 0 };
	struct tmpl *t = tmpl_new(&o, 0);
	struct tmpl_stats st;
	char msg[200];
	int i;

	(void)state;
	srand(3);
	for (i = 0; i < 20000; i++) {
		/* a scanner's junk: words of random letters */
		size_t k, n = 5 + (size_t)rand() % 30;

		for (k = 0; k < n; k++)
			msg[k] = k % 6 == 5 ? ' ' : (char)('g' + rand() % 20);
		tmpl_add(t, 0, msg, n, 0, &(struct tmpl_result){ 0 });
	}
	tmpl_view_stats(t, &st);
	assert_true(st.bytes <= 64 * 1024 + 16 * 1024);
	assert_true(st.retired > 0);
	tmpl_free(t);
}

static void
test_learning_and_near(void **state)
{
	struct tmpl_opts o = { 100, 0, 3600 };
	struct tmpl *t = tmpl_new(&o, 1000);
	struct tmpl_result r;
	struct tmpl_info info;

	(void)state;
	tmpl_add(t, 0, "disk full on sda", 16, 1000 + 10, &r);
	assert_true(r.created);
	assert_true(r.learned);
	tmpl_add(t, 0, "fan failed in slot 3", 20, 1000 + 4000, &r);
	assert_true(r.created);
	assert_false(r.learned);
	assert_true(tmpl_view_info(t, r.id, &info));
	assert_int_equal(info.first, 5000);
	assert_int_equal(info.count, 1);
	assert_false(info.near);
	tmpl_free(t);
}

static const char *corpus[] = {
	"Accepted password for alice from 10.0.0.1 port 22 ssh2",
	"Accepted password for bob from 10.0.0.2 port 22 ssh2",
	"Failed password for root from 10.0.0.3 port 22 ssh2",
	"Accepted password for carol from 10.0.0.4 port 22 ssh2",
	"removing time", "removing echo", "removing chargen", "removing ftp",
	"DHCPOFFER on 10.0.0.1 to 00:11:43:e3:ba:c3 via eth1",
	"DHCPACK on 10.0.0.1 to 00:11:43:e3:ba:c3 via eth1",
	"kernel: Out of Memory: Killed process 28872 (httpd).",
	"session closed for user news",
	NULL
};

static void
feed(struct tmpl *t, uint64_t *ids, int *ncreated)
{
	struct tmpl_result r;
	int i;

	*ncreated = 0;
	for (i = 0; corpus[i] != NULL; i++) {
		tmpl_add(t, 0, corpus[i], strlen(corpus[i]), 3000, &r);
		ids[i] = r.id;
		*ncreated += r.created;
	}
	for (i = 0; corpus[i] != NULL; i++)
		ids[i] = tmpl_resolve(t, ids[i]);
}

static void
test_deterministic(void **state)
{
	struct tmpl *a = store(100, 0), *b = store(100, 0);
	uint64_t ia[16], ib[16];
	int ca, cb, i;

	(void)state;
	feed(a, ia, &ca);
	feed(b, ib, &cb);
	assert_int_equal(ca, cb);
	for (i = 0; corpus[i] != NULL; i++)
		assert_int_equal(ia[i], ib[i]);
	tmpl_free(a);
	tmpl_free(b);
}

static void
test_save_restore(void **state)
{
	struct tmpl *a = store(100, 0), *b = store(100, 0);
	uint64_t ia[16], ib[16];
	struct buf blob;
	struct tmpl_stats sa, sb;
	char err[256];
	int ca, cb, i;

	(void)state;
	feed(a, ia, &ca);
	buf_init(&blob, SIZE_MAX / 4);
	tmpl_store_save(a, &blob);
	assert_int_equal(tmpl_store_restore(b, blob.data, blob.len, 0, err,
	    sizeof(err)), 0);
	tmpl_view_stats(a, &sa);
	tmpl_view_stats(b, &sb);
	assert_int_equal(sa.templates, sb.templates);
	assert_int_equal(sa.born, sb.born);
	/* the same lines again, after the "restart": same ids, none new */
	feed(b, ib, &cb);
	assert_int_equal(cb, 0);
	for (i = 0; corpus[i] != NULL; i++)
		assert_int_equal(ia[i], ib[i]);
	/* and b goes on like a: the next new id is the same */
	{
		struct tmpl_result ra, rb;

		tmpl_add(a, 0, "brand new message here", 22, 4000, &ra);
		tmpl_add(b, 0, "brand new message here", 22, 4000, &rb);
		assert_int_equal(ra.id, rb.id);
	}
	buf_free(&blob);
	tmpl_free(a);
	tmpl_free(b);
}

static void
test_restore_refuses_damage(void **state)
{
	struct tmpl *a = store(100, 0), *b = store(100, 0);
	uint64_t ia[16];
	struct buf blob;
	struct tmpl_stats st;
	char err[256];
	int ca;
	size_t cut;

	(void)state;
	feed(a, ia, &ca);
	buf_init(&blob, SIZE_MAX / 4);
	tmpl_store_save(a, &blob);
	for (cut = 0; cut < blob.len; cut += 7) {
		assert_int_equal(tmpl_store_restore(b, blob.data, cut, 5, err,
		    sizeof(err)), -1);
		tmpl_view_stats(b, &st);
		assert_int_equal(st.templates, 0);	/* nothing half used */
	}
	blob.data[0] ^= 1;
	assert_int_equal(tmpl_store_restore(b, blob.data, blob.len, 5, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a template store"));
	buf_free(&blob);
	tmpl_free(a);
	tmpl_free(b);
}

/* an empty message (a bare "prog: ") is a template too, and its store
 * restores (tmpl_store_restore once refused templates of no token) */
static void
test_empty_message_saved(void **state)
{
	struct tmpl *a = store(100, 0), *b = store(100, 0);
	struct tmpl_result r, r2;
	struct buf blob;
	char err[256];

	(void)state;
	tmpl_add(a, 0, "", 0, 10, &r);
	assert_true(r.created);
	tmpl_add(a, 0, "disk full", 9, 11, &r2);
	buf_init(&blob, SIZE_MAX / 4);
	tmpl_store_save(a, &blob);
	assert_int_equal(tmpl_store_restore(b, blob.data, blob.len, 20, err,
	    sizeof(err)), 0);
	tmpl_add(b, 0, "", 0, 30, &r2);
	assert_false(r2.created);
	assert_int_equal(r2.id, r.id);
	buf_free(&blob);
	tmpl_free(a);
	tmpl_free(b);
}

static void
test_match_does_not_learn(void **state)
{
	struct tmpl *t = store(100, 0);
	struct tmpl_result r;
	struct tmpl_stats st;
	uint64_t a;

	(void)state;
	a = add(t, "disk full on /var", NULL);
	assert_true(tmpl_match(t, 0, "disk full on /home", 18, &r));
	assert_int_equal(r.id, a);
	assert_false(tmpl_match(t, 0, "disk empty on /home", 19, &r));
	tmpl_view_stats(t, &st);
	assert_int_equal(st.templates, 1);
	tmpl_free(t);
}

static void
test_content_start(void **state)
{
	(void)state;
	assert_int_equal(tmpl_content_start("sshd[12]: hello", 15, 4), 10);
	assert_int_equal(tmpl_content_start("sshd: hello", 11, 4), 6);
	assert_int_equal(tmpl_content_start("sshd hello", 10, 4), 0);
	assert_int_equal(tmpl_content_start("sshd", 4, 4), 0);
	assert_int_equal(tmpl_content_start("x", 1, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variables_group),
		cmocka_unit_test(test_lexical_generalises),
		cmocka_unit_test(test_three_siblings),
		cmocka_unit_test(test_keeps_words),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_cap_retires),
		cmocka_unit_test(test_memory_cap),
		cmocka_unit_test(test_learning_and_near),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_save_restore),
		cmocka_unit_test(test_restore_refuses_damage),
		cmocka_unit_test(test_match_does_not_learn),
		cmocka_unit_test(test_content_start),
		cmocka_unit_test(test_empty_message_saved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
