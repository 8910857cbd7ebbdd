/*
 * Unit tests for queue: counting with QUEUE_INCR and QUEUE_SET, first and
 * last seen, the example line (first raw line, cut to QUEUE_EXAMPLE_MAX),
 * a queue that keeps no examples, the max_entries cap and its overflow
 * counters, queue_remove_if (and that lookups and the cap still work
 * afterwards), queue_clear, keys
 * holding NUL bytes, and the memory a queue counts (never less than it
 * takes: entries with malloc's header, index slots and their fingerprint
 * bytes, the entries array).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"

/* String literals that may hold NUL bytes. */
#define S(s)	(s), (sizeof(s) - 1)

static struct entry *
add(struct queue *q, const char *host, const char *msg, enum queue_op op,
    uint64_t n, time_t t)
{
	return queue_add(q, host, strlen(host), msg, strlen(msg), op, n, t,
	    msg, strlen(msg));
}

static struct entry *
find(struct queue *q, const char *host, const char *msg)
{
	return queue_find(q, host, strlen(host), msg, strlen(msg));
}

static void
test_incr_counts_and_returns_same_entry(void **state)
{
	struct queue q;
	struct entry *a, *b;

	(void)state;
	queue_init(&q, 100);
	a = add(&q, "web1", "session opened", QUEUE_INCR, 1, 100);
	assert_non_null(a);
	assert_int_equal(a->count, 1);
	b = add(&q, "web1", "session opened", QUEUE_INCR, 1, 101);
	assert_ptr_equal(a, b);
	assert_int_equal(a->count, 2);
	b = add(&q, "web1", "session opened", QUEUE_INCR, 5, 102);
	assert_ptr_equal(a, b);
	assert_int_equal(a->count, 7);
	assert_int_equal(q.nentries, 1);
	assert_int_equal(q.lines, 7);
	/* NUL-terminated copies */
	assert_memory_equal(queue_entry_host(a), "web1", 5);
	assert_int_equal(a->hostlen, 4);
	assert_memory_equal(queue_entry_msg(a), "session opened", 15);
	assert_int_equal(a->msglen, 14);
	assert_ptr_equal(find(&q, "web1", "session opened"), a);
	queue_free(&q);
}

static void
test_key_is_host_and_message(void **state)
{
	struct queue q;
	struct entry *a, *b, *c;

	(void)state;
	queue_init(&q, 100);
	a = add(&q, "web1", "msg", QUEUE_INCR, 1, 1);
	b = add(&q, "web2", "msg", QUEUE_INCR, 1, 1);
	c = add(&q, "web1", "msg2", QUEUE_INCR, 1, 1);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_ptr_not_equal(a, b);
	assert_ptr_not_equal(a, c);
	assert_ptr_not_equal(b, c);
	assert_int_equal(q.nentries, 3);
	/* insertion order */
	assert_ptr_equal(q.entries[0], a);
	assert_ptr_equal(q.entries[1], b);
	assert_ptr_equal(q.entries[2], c);
	/* no prefix confusion between host and message */
	assert_null(find(&q, "web", "1msg"));
	assert_null(find(&q, "web1m", "sg"));
	assert_null(find(&q, "web1", "ms"));
	assert_null(find(&q, "WEB1", "msg"));
	queue_free(&q);
}

static void
test_set_assigns_count(void **state)
{
	struct queue q;
	struct entry *e;

	(void)state;
	queue_init(&q, 100);
	e = add(&q, "h", "m", QUEUE_SET, 10, 1);
	assert_non_null(e);
	assert_int_equal(e->count, 10);
	e = add(&q, "h", "m", QUEUE_SET, 60, 2);
	assert_int_equal(e->count, 60);
	/* SET may also lower the count (the counter was reset meanwhile) */
	e = add(&q, "h", "m", QUEUE_SET, 3, 3);
	assert_int_equal(e->count, 3);
	e = add(&q, "h", "m", QUEUE_INCR, 2, 4);
	assert_int_equal(e->count, 5);
	assert_int_equal(q.nentries, 1);
	queue_free(&q);
}

static void
test_incr_by_zero_creates_entry(void **state)
{
	struct queue q;
	struct entry *e;

	(void)state;
	queue_init(&q, 100);
	e = add(&q, "h", "m", QUEUE_INCR, 0, 1);
	assert_non_null(e);
	assert_int_equal(e->count, 0);
	assert_ptr_equal(find(&q, "h", "m"), e);
	queue_free(&q);
}

static void
test_first_and_last_seen(void **state)
{
	struct queue q;
	struct entry *e;

	(void)state;
	queue_init(&q, 100);
	e = add(&q, "h", "m", QUEUE_INCR, 1, 1000);
	assert_int_equal(e->first, 1000);
	assert_int_equal(e->last, 1000);
	add(&q, "h", "m", QUEUE_INCR, 1, 1200);
	assert_int_equal(e->first, 1000);
	assert_int_equal(e->last, 1200);
	/* a line with an older stamp (out of order input) */
	add(&q, "h", "m", QUEUE_INCR, 1, 900);
	assert_int_equal(e->first, 900);
	assert_int_equal(e->last, 1200);
	add(&q, "h", "m", QUEUE_INCR, 1, 1100);
	assert_int_equal(e->first, 900);
	assert_int_equal(e->last, 1200);
	add(&q, "h", "m", QUEUE_SET, 9, 1300);
	assert_int_equal(e->first, 900);
	assert_int_equal(e->last, 1300);
	queue_free(&q);
}

static char exbuf[QUEUE_EXAMPLE_MAX + 1];
#define EX(e)	queue_example((e), exbuf)

static void
test_example_is_first_raw_line(void **state)
{
	struct queue q;
	struct entry *e;

	(void)state;
	queue_init(&q, 100);
	e = queue_add(&q, S("h"), S("user ______"), QUEUE_INCR, 1, 1,
	    S("Jan  1 00:00:00 h user bob"));
	assert_non_null(e);
	assert_int_equal(e->exlen, sizeof("Jan  1 00:00:00 h user bob") - 1);
	assert_memory_equal(EX(e), "Jan  1 00:00:00 h user bob",
	    sizeof("Jan  1 00:00:00 h user bob"));
	e = queue_add(&q, S("h"), S("user ______"), QUEUE_INCR, 1, 2,
	    S("Jan  1 00:00:01 h user alice"));
	assert_int_equal(e->count, 2);
	assert_memory_equal(EX(e), "Jan  1 00:00:00 h user bob",
	    sizeof("Jan  1 00:00:00 h user bob"));
	queue_free(&q);
}

static void
test_example_cut_to_max(void **state)
{
	struct queue q;
	struct entry *e;
	size_t n = 3 * QUEUE_EXAMPLE_MAX + 7, i;
	char *raw = malloc(n);

	(void)state;
	assert_non_null(raw);
	for (i = 0; i < n; i++)
		raw[i] = (char)('a' + (int)(i % 26));
	queue_init(&q, 100);
	e = queue_add(&q, S("h"), S("m"), QUEUE_INCR, 1, 1, raw, n);
	assert_non_null(e);
	assert_int_equal(e->exlen, QUEUE_EXAMPLE_MAX);
	assert_memory_equal(EX(e), raw, QUEUE_EXAMPLE_MAX);
	assert_int_equal(EX(e)[QUEUE_EXAMPLE_MAX], '\0');
	/* exactly the maximum and one less are kept whole */
	e = queue_add(&q, S("h"), S("m2"), QUEUE_INCR, 1, 1, raw,
	    QUEUE_EXAMPLE_MAX);
	assert_int_equal(e->exlen, QUEUE_EXAMPLE_MAX);
	e = queue_add(&q, S("h"), S("m3"), QUEUE_INCR, 1, 1, raw,
	    QUEUE_EXAMPLE_MAX - 1);
	assert_int_equal(e->exlen, QUEUE_EXAMPLE_MAX - 1);
	assert_memory_equal(EX(e), raw, QUEUE_EXAMPLE_MAX - 1);
	/* an empty raw line */
	e = queue_add(&q, S("h"), S("m4"), QUEUE_INCR, 1, 1, raw, 0);
	assert_int_equal(e->exlen, 0);
	assert_non_null(EX(e));
	assert_int_equal(EX(e)[0], '\0');
	queue_free(&q);
	free(raw);
}

static void
test_example_with_nul_bytes(void **state)
{
	struct queue q;
	struct entry *e;
	static const char raw[] = "h\0st \0msg\0";

	(void)state;
	queue_init(&q, 100);
	e = queue_add(&q, S("h"), S("m"), QUEUE_INCR, 1, 1, raw,
	    sizeof(raw) - 1);
	assert_int_equal(e->exlen, sizeof(raw) - 1);
	assert_memory_equal(EX(e), raw, sizeof(raw));
	queue_free(&q);
}

/* A raw line that ends with the message keeps only its start in memory,
 * and the example still reads back whole. */
static void
test_example_sharing_the_message(void **state)
{
	struct queue q;
	struct entry *e;

	(void)state;
	queue_init(&q, 100);
	e = queue_add(&q, S("web1"), S("sshd: session opened"), QUEUE_INCR, 1, 1,
	    S("Nov 21 09:00:01 web1 sshd: session opened"));
	assert_int_equal(e->exheadlen, sizeof("Nov 21 09:00:01 web1 ") - 1);
	assert_int_equal(e->exlen,
	    sizeof("Nov 21 09:00:01 web1 sshd: session opened") - 1);
	assert_string_equal(EX(e), "Nov 21 09:00:01 web1 sshd: session opened");
	/* a masked message does not end the line: stored whole */
	e = queue_add(&q, S("web1"), S("sshd: user ___"), QUEUE_INCR, 1, 1,
	    S("Nov 21 09:00:02 web1 sshd: user bob"));
	assert_int_equal(e->exheadlen, e->exlen);
	assert_string_equal(EX(e), "Nov 21 09:00:02 web1 sshd: user bob");
	queue_free(&q);
}

static void
test_cap_refuses_new_keys(void **state)
{
	struct queue q;
	struct entry *a, *b;

	(void)state;
	queue_init(&q, 2);
	a = add(&q, "h1", "m1", QUEUE_INCR, 1, 1);
	b = add(&q, "h1", "m2", QUEUE_INCR, 1, 1);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(add(&q, "h1", "m3", QUEUE_INCR, 1, 1));
	assert_int_equal(q.nentries, 2);
	assert_null(find(&q, "h1", "m3"));
	assert_int_equal(q.over_nhosts, 1);
	assert_int_equal(q.over_lines, 1);
	assert_int_equal(queue_over_host(&q, "h1", 2), 1);
	/* existing keys still count */
	assert_ptr_equal(add(&q, "h1", "m1", QUEUE_INCR, 1, 2), a);
	assert_int_equal(a->count, 2);
	/* the same refused key again: more lines, same key */
	assert_null(add(&q, "h1", "m3", QUEUE_INCR, 4, 3));
	assert_int_equal(q.over_nhosts, 1);
	assert_int_equal(q.over_lines, 5);
	assert_int_equal(queue_over_host(&q, "h1", 2), 5);
	/* another host */
	assert_null(add(&q, "h2", "m1", QUEUE_INCR, 1, 3));
	assert_int_equal(q.over_nhosts, 2);
	assert_int_equal(q.over_lines, 6);
	assert_int_equal(queue_over_host(&q, "h2", 2), 1);
	assert_int_equal(queue_over_host(&q, "h1", 2), 5);
	assert_int_equal(queue_over_host(&q, "h3", 2), 0);
	/* lines counts everything, itemised or not */
	assert_int_equal(q.lines, 2 + 1 + 6);
	queue_free(&q);
}

static void
test_over_hosts_counts_hosts_not_keys(void **state)
{
	struct queue q;
	uint64_t over_lines, over_host, over_entries;

	(void)state;
	/* queue.h: over_nhosts counts hosts with refused lines; keeping the
	 * refused keys themselves would defeat the cap, so two different
	 * refused messages from ONE host count as one host */
	queue_init(&q, 1);
	assert_non_null(add(&q, "h", "kept", QUEUE_INCR, 1, 1));
	assert_null(add(&q, "h", "refused one", QUEUE_INCR, 1, 1));
	assert_null(add(&q, "h", "refused two", QUEUE_INCR, 1, 1));
	assert_null(add(&q, "h", "refused one", QUEUE_INCR, 1, 1));
	over_lines = q.over_lines;
	over_host = queue_over_host(&q, "h", 1);
	over_entries = q.over_nhosts;
	queue_free(&q);
	assert_int_equal(over_lines, 3);
	assert_int_equal(over_host, 3);
	assert_int_equal(over_entries, 1);
}

/* The memory cap: a refused key's host is named while its cost fits,
 * a known host keeps counting, and a new host that does not fit is
 * counted in over_unhosted. */
static void
test_memory_cap_names_hosts_while_they_fit(void **state)
{
	struct queue q;
	uint64_t total = 0, before, k = 0;
	char host[32];

	(void)state;
	/* nothing fits, not even a host */
	queue_init(&q, 100);
	queue_set_memory(&q, &total, 1);
	assert_null(add(&q, "h1", "m1", QUEUE_INCR, 1, 1));
	assert_int_equal(q.nentries, 0);
	assert_int_equal(q.over_unhosted, 1);
	assert_int_equal(q.over_nhosts, 0);
	assert_true(q.over_mem);
	queue_free(&q);

	/* room for a host's name, not for an entry */
	total = 0;
	queue_init(&q, 100);
	queue_set_memory(&q, &total, 0);
	assert_non_null(add(&q, "h1", "m1", QUEUE_INCR, 1, 1));
	q.mem_max = total + 120;
	assert_null(add(&q, "h1", "a long message that does not fit", QUEUE_INCR,
	    2, 1));
	assert_int_equal(q.over_nhosts, 1);
	assert_int_equal(q.over_unhosted, 0);
	assert_int_equal(queue_over_host(&q, "h1", 2), 2);
	/* a known host keeps counting without more memory */
	before = total;
	assert_null(add(&q, "h1", "another message that does not fit",
	    QUEUE_INCR, 3, 1));
	assert_int_equal(total, before);
	assert_int_equal(q.over_nhosts, 1);
	assert_int_equal(queue_over_host(&q, "h1", 2), 5);
	/* new hosts until one is not named */
	while (q.over_unhosted == 0 && k < 10) {
		snprintf(host, sizeof(host), "host-%llu", (unsigned long long)k++);
		assert_null(add(&q, host, "a message that does not fit either",
		    QUEUE_INCR, 1, 1));
	}
	assert_int_equal(q.over_unhosted, 1);
	assert_int_equal(q.over_nhosts, k);
	assert_int_equal(queue_over_host(&q, host, strlen(host)), 0);
	assert_int_equal(q.over_lines, 5 + k);
	assert_int_equal(queue_over_host(&q, "h1", 2), 5);
	queue_free(&q);
}

static void
test_cap_with_set(void **state)
{
	struct queue q;

	(void)state;
	queue_init(&q, 1);
	assert_non_null(add(&q, "h", "a", QUEUE_SET, 10, 1));
	assert_null(add(&q, "h", "b", QUEUE_SET, 10, 1));
	assert_int_equal(q.over_lines, 10);
	assert_int_equal(queue_over_host(&q, "h", 1), 10);
	queue_free(&q);
}

static void
test_clear_empties_everything(void **state)
{
	struct queue q;

	(void)state;
	queue_init(&q, 1);
	add(&q, "h", "a", QUEUE_INCR, 1, 1);
	add(&q, "h", "b", QUEUE_INCR, 1, 1);
	queue_clear(&q);
	assert_int_equal(q.nentries, 0);
	assert_int_equal(q.lines, 0);
	assert_int_equal(q.over_nhosts, 0);
	assert_int_equal(q.over_lines, 0);
	assert_int_equal(queue_over_host(&q, "h", 1), 0);
	assert_null(find(&q, "h", "a"));
	/* usable again, cap counted from zero */
	assert_non_null(add(&q, "h", "b", QUEUE_INCR, 1, 1));
	assert_int_equal(find(&q, "h", "b")->count, 1);
	assert_null(add(&q, "h", "a", QUEUE_INCR, 1, 1));
	queue_free(&q);
}

static bool
msg_starts_with_x(const struct entry *e, void *arg)
{
	(void)arg;
	return e->msglen > 0 && queue_entry_msg(e)[0] == 'x';
}

static bool
count_below(const struct entry *e, void *arg)
{
	return e->count < *(uint64_t *)arg;
}

static bool
always(const struct entry *e, void *arg)
{
	(void)e;
	(*(int *)arg)++;
	return true;
}

static bool
never(const struct entry *e, void *arg)
{
	(void)e;
	(void)arg;
	return false;
}

static void
test_remove_if_then_lookups_work(void **state)
{
	struct queue q;
	char msg[32];
	struct entry *e;
	int i;

	(void)state;
	queue_init(&q, 1000);
	for (i = 0; i < 200; i++) {
		snprintf(msg, sizeof(msg), "%c%d", i % 3 == 0 ? 'x' : 'k', i);
		assert_non_null(add(&q, i % 2 ? "odd" : "even", msg, QUEUE_INCR,
		    (uint64_t)i + 1, i));
	}
	queue_remove_if(&q, msg_starts_with_x, NULL);
	assert_int_equal(q.nentries, 200 - 67);
	for (i = 0; i < 200; i++) {
		snprintf(msg, sizeof(msg), "%c%d", i % 3 == 0 ? 'x' : 'k', i);
		e = find(&q, i % 2 ? "odd" : "even", msg);
		if (i % 3 == 0)
			assert_null(e);
		else {
			assert_non_null(e);
			assert_int_equal(e->count, (uint64_t)i + 1);
			assert_string_equal(queue_entry_msg(e), msg);
		}
	}
	/* order of the survivors is kept */
	for (i = 1; i < (int)q.nentries; i++)
		assert_true(strtol(queue_entry_msg(q.entries[i - 1]) + 1, NULL,
		    10) < strtol(queue_entry_msg(q.entries[i]) + 1, NULL, 10));
	/* adding to a survivor and re-adding a removed key */
	e = add(&q, "odd", "k1", QUEUE_INCR, 1, 0);
	assert_int_equal(e->count, 3);
	e = add(&q, "even", "x0", QUEUE_INCR, 1, 0);
	assert_non_null(e);
	assert_int_equal(e->count, 1);
	assert_int_equal(q.nentries, 200 - 67 + 1);
	queue_free(&q);
}

static void
test_remove_if_frees_cap_room(void **state)
{
	struct queue q;
	uint64_t min = 2;

	(void)state;
	queue_init(&q, 2);
	add(&q, "h", "a", QUEUE_INCR, 1, 1);
	add(&q, "h", "b", QUEUE_INCR, 5, 1);
	assert_null(add(&q, "h", "c", QUEUE_INCR, 1, 1));
	queue_remove_if(&q, count_below, &min);	/* threshold style */
	assert_int_equal(q.nentries, 1);
	assert_null(find(&q, "h", "a"));
	assert_int_equal(find(&q, "h", "b")->count, 5);
	assert_non_null(add(&q, "h", "c", QUEUE_INCR, 1, 1));
	assert_ptr_equal(find(&q, "h", "c"), q.entries[1]);
	queue_free(&q);
}

static void
test_remove_if_none_and_all(void **state)
{
	struct queue q;
	int calls = 0;

	(void)state;
	queue_init(&q, 10);
	add(&q, "h", "a", QUEUE_INCR, 1, 1);
	add(&q, "h", "b", QUEUE_INCR, 1, 1);
	queue_remove_if(&q, never, NULL);
	assert_int_equal(q.nentries, 2);
	assert_non_null(find(&q, "h", "a"));
	assert_non_null(find(&q, "h", "b"));
	queue_remove_if(&q, always, &calls);
	assert_int_equal(calls, 2);
	assert_int_equal(q.nentries, 0);
	assert_null(find(&q, "h", "a"));
	assert_null(find(&q, "h", "b"));
	assert_non_null(add(&q, "h", "a", QUEUE_INCR, 1, 1));
	assert_int_equal(find(&q, "h", "a")->count, 1);
	/* on an empty queue */
	queue_clear(&q);
	queue_remove_if(&q, always, &calls);
	assert_int_equal(calls, 2);
	queue_free(&q);
}

static void
test_nul_bytes_in_keys(void **state)
{
	struct queue q;
	struct entry *a, *b, *c, *d, *e;

	(void)state;
	queue_init(&q, 100);
	a = queue_add(&q, S("h\0x"), S("m\0a"), QUEUE_INCR, 1, 1, S("r"));
	b = queue_add(&q, S("h\0x"), S("m\0b"), QUEUE_INCR, 1, 1, S("r"));
	/* same bytes split differently between host and message */
	c = queue_add(&q, S("h"), S("\0xm\0a"), QUEUE_INCR, 1, 1, S("r"));
	d = queue_add(&q, S("h\0xm"), S("\0a"), QUEUE_INCR, 1, 1, S("r"));
	/* empty host and message */
	e = queue_add(&q, S(""), S(""), QUEUE_INCR, 1, 1, S(""));
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_non_null(d);
	assert_non_null(e);
	assert_int_equal(q.nentries, 5);
	assert_int_equal(a->hostlen, 3);
	assert_memory_equal(queue_entry_host(a), "h\0x", 4);
	assert_int_equal(a->msglen, 3);
	assert_memory_equal(queue_entry_msg(a), "m\0a", 4);
	assert_ptr_equal(queue_find(&q, S("h\0x"), S("m\0a")), a);
	assert_ptr_equal(queue_find(&q, S("h\0x"), S("m\0b")), b);
	assert_ptr_equal(queue_find(&q, S("h"), S("\0xm\0a")), c);
	assert_ptr_equal(queue_find(&q, S("h\0xm"), S("\0a")), d);
	assert_ptr_equal(queue_find(&q, S(""), S("")), e);
	assert_null(queue_find(&q, S("h"), S("m")));
	assert_null(queue_find(&q, S("h\0x"), S("m")));
	assert_ptr_equal(queue_add(&q, S("h\0x"), S("m\0a"), QUEUE_INCR, 2, 1,
	    S("r")), a);
	assert_int_equal(a->count, 3);
	/* overflow per host with NUL bytes in the host */
	queue_free(&q);
	queue_init(&q, 0);
	assert_null(queue_add(&q, S("h\0x"), S("m"), QUEUE_INCR, 3, 1, S("r")));
	assert_null(queue_add(&q, S("h\0y"), S("m"), QUEUE_INCR, 4, 1, S("r")));
	assert_int_equal(queue_over_host(&q, S("h\0x")), 3);
	assert_int_equal(queue_over_host(&q, S("h\0y")), 4);
	assert_int_equal(queue_over_host(&q, S("h")), 0);
	queue_free(&q);
}

static void
test_remove_if_with_nul_keys(void **state)
{
	struct queue q;

	(void)state;
	queue_init(&q, 100);
	queue_add(&q, S("h\0a"), S("x\0"), QUEUE_INCR, 1, 1, S("r"));
	queue_add(&q, S("h\0a"), S("k\0"), QUEUE_INCR, 1, 1, S("r"));
	queue_remove_if(&q, msg_starts_with_x, NULL);
	assert_null(queue_find(&q, S("h\0a"), S("x\0")));
	assert_non_null(queue_find(&q, S("h\0a"), S("k\0")));
	queue_free(&q);
}

static void
test_many_entries(void **state)
{
	struct queue q;
	char msg[32];
	int i;

	(void)state;
	queue_init(&q, 100000);
	for (i = 0; i < 20000; i++) {
		snprintf(msg, sizeof(msg), "m%d", i);
		assert_non_null(add(&q, "h", msg, QUEUE_INCR, 1, i));
	}
	for (i = 0; i < 20000; i++) {
		snprintf(msg, sizeof(msg), "m%d", i);
		assert_ptr_equal(find(&q, "h", msg), q.entries[i]);
	}
	queue_free(&q);
}

/* What the queue's entries, index and array take: each entry's
 * allocation with malloc's header, each slot with its fingerprint byte,
 * each pointer of the array. */
static uint64_t
taken(const struct queue *q)
{
	uint64_t n = q->nslots * (sizeof(*q->slots) + 1) +
	    q->cap * sizeof(*q->entries);
	size_t i;

	for (i = 0; i < q->nentries; i++)
		n += malloc_usable_size(q->entries[i]) + sizeof(size_t);
	return n;
}

static bool
odd_count(const struct entry *e, void *arg)
{
	(void)arg;
	return e->count % 2 == 1;
}

/* every message under one key per host */
static void
one_key(const struct entry *e, struct buf *out, void *arg)
{
	(void)e;
	(void)arg;
	buf_addstr(out, "folded");
}

/* From the 16th entry on (the smallest index and array come first),
 * what the queue counts is at least what it takes, as entries come,
 * after some are removed, after they merge; an emptied queue takes and
 * counts nothing. */
static void
test_memory_count_covers_what_is_taken(void **state)
{
	struct queue q;
	uint64_t total = 0;
	char host[32], msg[400], raw[512];
	int i, hl, ml, rl;

	(void)state;
	queue_init(&q, 100000);
	queue_set_memory(&q, &total, 0);
	for (i = 0; i < 5000; i++) {
		hl = snprintf(host, sizeof(host), "host-%d", i % 37);
		ml = snprintf(msg, sizeof(msg), "event %d %.*s", i, i % 300,
		    "................................................................"
		    "................................................................"
		    "................................................................"
		    "................................................................"
		    "................................................................");
		/* every other example ends with the message (a head is kept) */
		rl = snprintf(raw, sizeof(raw), "Jan  1 00:00:00 %s %s%s", host,
		    msg, i % 2 ? " (raw)" : "");
		assert_non_null(queue_add(&q, host, (size_t)hl, msg, (size_t)ml,
		    QUEUE_INCR, (uint64_t)(i % 3 + 1), i, raw, (size_t)rl));
		if (q.nentries >= 16)
			assert_true(q.bytes >= taken(&q));
		assert_int_equal(total, q.bytes);
	}
	queue_remove_if(&q, odd_count, NULL);
	assert_in_range(q.nentries, 16, 4999);
	assert_true(q.bytes >= taken(&q));
	queue_rekey(&q, one_key, NULL);
	assert_int_equal(q.nentries, 37);
	assert_true(q.bytes >= taken(&q));
	assert_int_equal(total, q.bytes);
	assert_non_null(find(&q, "host-0", "folded"));
	queue_clear(&q);
	assert_int_equal(q.bytes, 0);
	assert_int_equal(total, 0);
	assert_int_equal(taken(&q), 0);
	/* and it fills again */
	assert_non_null(add(&q, "h", "m", QUEUE_INCR, 1, 1));
	assert_non_null(find(&q, "h", "m"));
	queue_free(&q);
}

/* A queue told to keep no examples stores none (and counts less for
 * it); lookups and counts are the same. */
static void
test_no_examples(void **state)
{
	struct queue q;
	uint64_t total = 0, with;
	struct entry *e;

	(void)state;
	queue_init(&q, 10);
	queue_set_memory(&q, &total, 0);
	assert_non_null(queue_add(&q, S("web1"), S("user ___"), QUEUE_INCR, 1,
	    5, S("Nov 21 09:00:01 web1 user bob")));
	with = total;
	queue_free(&q);

	total = 0;
	queue_init(&q, 10);
	queue_set_memory(&q, &total, 0);
	queue_set_examples(&q, false);
	e = queue_add(&q, S("web1"), S("user ___"), QUEUE_INCR, 1, 5,
	    S("Nov 21 09:00:01 web1 user bob"));
	assert_non_null(e);
	assert_int_equal(e->exlen, 0);
	assert_string_equal(EX(e), "");
	assert_int_equal(total, with - (sizeof("Nov 21 09:00:01 web1 user bob") -
	    1));
	assert_ptr_equal(queue_add(&q, S("web1"), S("user ___"), QUEUE_INCR, 2,
	    7, S("Nov 21 09:00:03 web1 user eve")), e);
	assert_int_equal(e->count, 3);
	assert_int_equal(e->last, 7);
	queue_free(&q);
}

#define T(f)	cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_incr_counts_and_returns_same_entry),
		T(test_key_is_host_and_message),
		T(test_set_assigns_count),
		T(test_incr_by_zero_creates_entry),
		T(test_first_and_last_seen),
		T(test_example_is_first_raw_line),
		T(test_example_cut_to_max),
		T(test_example_sharing_the_message),
		T(test_example_with_nul_bytes),
		T(test_cap_refuses_new_keys),
		T(test_over_hosts_counts_hosts_not_keys),
		T(test_cap_with_set),
		T(test_clear_empties_everything),
		T(test_remove_if_then_lookups_work),
		T(test_remove_if_frees_cap_room),
		T(test_remove_if_none_and_all),
		T(test_nul_bytes_in_keys),
		T(test_remove_if_with_nul_keys),
		T(test_many_entries),
		T(test_memory_cap_names_hosts_while_they_fit),
		T(test_memory_count_covers_what_is_taken),
		T(test_no_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
