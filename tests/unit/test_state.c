/*
 * test_state — the checkpoint file: a round trip restores queues (entries,
 * counts, times, examples, overflow), escalation counters, the previous
 * line of each host, input positions, schedules and the report sequence;
 * a damaged file (bit flip, truncation, bad magic, other version) is
 * refused whole and leaves the engine untouched; a missing file is not an
 * error; after a rules change queues come back by name but host state
 * does not.
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

#include "conf/conf.h"
#include "classify/engine.h"
#include "daemon/state.h"
#include "testutil.h"

#define NOW	1795000000

static char dir[128];

static const char *CONF_A =
    "set engine pcre2\n"
    "set max_entries 3\n"
    "set queue now x@y a@b [now]\n"
    "set queue report x@y a@b [0 9 * * *]\n"
    "now,report:2 ^kernel: panic (\\d+)\n"
    "repeat ^last message repeated (\\d+) times\n"
    "report ^sshd: (.*)\n";

static int
setup(void **state)
{
	(void)state;
	return tu_mkdtemp(dir, sizeof(dir), "state");
}

static int
teardown(void **state)
{
	(void)state;
	return tu_rmtree(dir);
}

static void
load(struct conf *c, struct engine *e, const char *text, const char *name)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	if (conf_load(c, path) != 0) {
		conf_print_diags(c, stderr, true);
		fail_msg("config does not load");
	}
	engine_init(e, c);
}

static void
feed(struct engine *e, const char *line)
{
	engine_line(e, line, strlen(line), 0, NOW, NULL);
}

static void
fill(struct engine *e)
{
	char line[256];
	int i;

	feed(e, "Jan 12 10:00:00 h1 kernel: panic 1");
	feed(e, "Jan 12 10:00:01 h1 kernel: panic 2");
	feed(e, "Jan 12 10:00:02 h1 kernel: panic 3");	/* escalates */
	feed(e, "Jan 12 10:00:03 h2 sshd: hello\x01world");
	feed(e, "Jan 12 10:00:04 h2 last message repeated 4 times");
	for (i = 0; i < 5; i++) {	/* past max_entries 3: overflow */
		snprintf(line, sizeof(line), "Jan 12 10:01:%02d h%d kernel: panic 9",
		    i, 3 + i);
		feed(e, line);
	}
}

static void
sample_state(struct state *st, const struct conf *c)
{
	memset(st, 0, sizeof(*st));
	st->seq = 41;
	st->rules_hash = state_rules_hash(c);
	st->saved = NOW;
	st->ninputs = 1;
	st->inputs = calloc(1, sizeof(*st->inputs));
	st->inputs[0].path = strdup("/var/log/syslog");
	st->inputs[0].save.cur = (struct in_file_pos){ true, 2049, 77, 123456,
	    1024, 0xfeedULL, 256, 0xbeefULL };
	st->inputs[0].save.old = (struct in_file_pos){ true, 2049, 76, 99,
	    99, 0x1ULL, 99, 0x2ULL };
	st->nqueues = 1;
	st->queues = calloc(1, sizeof(*st->queues));
	st->queues[0].name = strdup("report");
	st->queues[0].last_fire = NOW - 3600;
	st->queues[0].report_start = NOW - 7200;
	st->queues[0].nsent = 2;
	st->queues[0].sent[0] = NOW - 10;
	st->queues[0].sent[1] = NOW - 5;
}

struct hosts {
	char	 text[4096];
	size_t	 len;
	size_t	 nrules;
};

static void
dump_host(const struct engine_host *h, void *arg)
{
	struct hosts *hs = arg;
	size_t i;

	hs->len += (size_t)snprintf(hs->text + hs->len, sizeof(hs->text) - hs->len,
	    "[%.*s last=%d msg=%.*s q=", (int)h->hostlen, h->host, h->last,
	    (int)h->last_msglen, h->last_msg);
	for (i = 0; i < h->nlast_queues; i++)
		hs->len += (size_t)snprintf(hs->text + hs->len,
		    sizeof(hs->text) - hs->len, "%zu,", h->last_queues[i]);
	for (i = 0; h->counters != NULL && i < hs->nrules; i++)
		hs->len += (size_t)snprintf(hs->text + hs->len,
		    sizeof(hs->text) - hs->len, " c%zu=%u", i, h->counters[i]);
	hs->len += (size_t)snprintf(hs->text + hs->len, sizeof(hs->text) - hs->len,
	    "]");
}

/* A canonical text of the engine's queues and hosts (host order sorted). */
static char *
dump(struct engine *e)
{
	char *out = NULL, ex[2048];
	size_t len = 0, qi, i;
	FILE *fp = open_memstream(&out, &len);
	struct hosts hs = { .nrules = e->conf->nrules };

	for (qi = 0; qi < e->conf->nqueues; qi++) {
		const struct queue *q = &e->queues[qi];

		fprintf(fp, "queue %s lines=%llu over=%llu/%llu err=%llu\n",
		    e->conf->queues[qi].name, (unsigned long long)q->lines,
		    (unsigned long long)q->over_lines,
		    (unsigned long long)q->over_nhosts,
		    (unsigned long long)e->queue_errlines[qi]);
		for (i = 0; i < q->nentries; i++) {
			const struct entry *en = q->entries[i];

			fprintf(fp, "  %s|%s|%llu|%lld|%lld|%s\n",
			    queue_entry_host(en), queue_entry_msg(en),
			    (unsigned long long)en->count, (long long)en->first,
			    (long long)en->last, queue_example(en, ex));
		}
	}
	engine_hosts_each(e, dump_host, &hs);
	/* hosts come in hash order: compare as a sorted multiset of chars is
	 * too weak, so sort the bracketed records */
	{
		char *recs[64], *p = hs.text, *q;
		size_t n = 0, a, b;

		while ((q = strchr(p, ']')) != NULL && n < 64) {
			*q = '\0';
			recs[n++] = p;
			p = q + 1;
		}
		for (a = 0; a < n; a++)
			for (b = a + 1; b < n; b++)
				if (strcmp(recs[a], recs[b]) > 0) {
					char *t = recs[a];

					recs[a] = recs[b];
					recs[b] = t;
				}
		for (a = 0; a < n; a++)
			fprintf(fp, "host %s]\n", recs[a]);
	}
	fclose(fp);
	return out;
}

static void
round_trip(void **state)
{
	struct conf c1, c2;
	struct engine e1, e2;
	struct state st, back;
	char path[256], err[512], *a, *b;

	(void)state;
	load(&c1, &e1, CONF_A, "a.conf");
	fill(&e1);
	sample_state(&st, &c1);
	snprintf(path, sizeof(path), "%s/state", dir);
	assert_int_equal(state_write(path, &st, &e1), 0);
	assert_int_equal(access(path, F_OK), 0);

	load(&c2, &e2, CONF_A, "a.conf");
	assert_int_equal(state_read(path, &back, &e2, err, sizeof(err)), 0);
	a = dump(&e1);
	b = dump(&e2);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "c0=3"));		/* escalation counter */
	assert_non_null(strstr(a, "over=3/3"));		/* refused by the cap */
	assert_non_null(strstr(a, "hello\x01world"));	/* bytes kept */
	assert_int_equal(back.seq, 41);
	assert_int_equal(back.ninputs, 1);
	assert_string_equal(back.inputs[0].path, "/var/log/syslog");
	{
		const struct in_file_pos *x = &back.inputs[0].save.cur,
		    *y = &st.inputs[0].save.cur;

		/* field by field: the struct has padding */
		assert_true(x->valid == y->valid && x->dev == y->dev &&
		    x->ino == y->ino && x->offset == y->offset &&
		    x->head_len == y->head_len && x->head_hash == y->head_hash &&
		    x->tail_len == y->tail_len && x->tail_hash == y->tail_hash);
	}
	assert_int_equal(back.inputs[0].save.old.offset, 99);
	assert_int_equal(back.nqueues, 2);	/* every queue of the config */
	assert_string_equal(back.queues[1].name, "report");
	assert_int_equal(back.queues[1].last_fire, NOW - 3600);
	assert_int_equal(back.queues[1].report_start, NOW - 7200);
	assert_int_equal(back.queues[1].nsent, 2);
	assert_int_equal(back.queues[1].sent[1], NOW - 5);

	/* the restored engine goes on as the original would */
	feed(&e1, "Jan 12 10:05:00 h1 kernel: panic 4");
	feed(&e2, "Jan 12 10:05:00 h1 kernel: panic 4");
	free(a);
	free(b);
	a = dump(&e1);
	b = dump(&e2);
	assert_string_equal(a, b);
	free(a);
	free(b);
	state_free(&st);
	state_free(&back);
	engine_free(&e1);
	engine_free(&e2);
	conf_free(&c1);
	conf_free(&c2);
}

static void
write_sample(char *path, size_t size, char **text)
{
	struct conf c;
	struct engine e;
	struct state st;

	load(&c, &e, CONF_A, "a.conf");
	fill(&e);
	sample_state(&st, &c);
	snprintf(path, size, "%s/state", dir);
	assert_int_equal(state_write(path, &st, &e), 0);
	*text = dump(&e);
	state_free(&st);
	engine_free(&e);
	conf_free(&c);
}

static long
file_size(const char *path)
{
	FILE *fp = fopen(path, "rb");
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fclose(fp);
	return n;
}

/* Every single-byte change and every truncation is refused, and the
 * engine stays empty. */
static void
corrupt_refused(void **state)
{
	char path[256], err[512], *orig, *empty;
	struct conf c;
	struct engine e;
	struct state back;
	long size, off;
	FILE *fp;
	int ch;

	(void)state;
	write_sample(path, sizeof(path), &orig);
	size = file_size(path);
	load(&c, &e, CONF_A, "a.conf");
	empty = dump(&e);
	for (off = 0; off < size; off += 7) {
		fp = fopen(path, "r+b");
		fseek(fp, off, SEEK_SET);
		ch = fgetc(fp);
		fseek(fp, off, SEEK_SET);
		fputc(ch ^ 0x20, fp);
		fclose(fp);
		err[0] = '\0';
		assert_int_equal(state_read(path, &back, &e, err, sizeof(err)), -1);
		assert_true(strstr(err, "corrupt") != NULL ||
		    strstr(err, "not a logward state") != NULL ||
		    strstr(err, "version") != NULL);
		fp = fopen(path, "r+b");
		fseek(fp, off, SEEK_SET);
		fputc(ch, fp);
		fclose(fp);
	}
	for (off = size - 1; off > 0; off -= 13) {
		assert_int_equal(truncate(path, off), 0);
		assert_int_equal(state_read(path, &back, &e, err, sizeof(err)), -1);
		free(orig);
		write_sample(path, sizeof(path), &orig);
	}
	{
		char *now = dump(&e);

		assert_string_equal(now, empty);	/* untouched */
		free(now);
	}
	/* intact again: reads */
	assert_int_equal(state_read(path, &back, &e, err, sizeof(err)), 0);
	state_free(&back);
	free(orig);
	free(empty);
	engine_free(&e);
	conf_free(&c);
}

static void
missing_is_not_error(void **state)
{
	struct conf c;
	struct engine e;
	struct state back;
	char path[256], err[256];

	(void)state;
	load(&c, &e, CONF_A, "a.conf");
	snprintf(path, sizeof(path), "%s/nothing-here", dir);
	assert_int_equal(state_read(path, &back, &e, err, sizeof(err)), 1);
	engine_free(&e);
	conf_free(&c);
}

/* A changed config: queues come back by name (a removed one is dropped),
 * escalation counters and previous lines do not. */
static void
rules_changed(void **state)
{
	static const char *conf_b =
	    "set engine pcre2\n"
	    "set queue report x@y a@b [0 9 * * *]\n"
	    "set queue extra x@y a@b [0 9 * * *]\n"
	    "report ^kernel: (.*)\n";
	struct conf c;
	struct engine e;
	struct state back;
	char path[256], err[256], *orig, *now;

	(void)state;
	write_sample(path, sizeof(path), &orig);
	load(&c, &e, conf_b, "b.conf");
	assert_int_equal(state_read(path, &back, &e, err, sizeof(err)), 0);
	now = dump(&e);
	assert_non_null(strstr(now, "queue report lines="));
	assert_non_null(strstr(now, "kernel: panic ______"));
	assert_null(strstr(now, "host "));	/* no host state */
	assert_non_null(strstr(now, "queue extra lines=0"));
	free(now);
	free(orig);
	state_free(&back);
	engine_free(&e);
	conf_free(&c);
}

/* Sections (version 3) come back byte for byte, NUL bytes included; a
 * second set of the same name replaces the first; an unknown one is kept. */
static void
sections_round_trip(void **state)
{
	struct conf c;
	struct engine e;
	struct state st, back;
	const struct state_section *sec;
	char path[256], err[256];

	(void)state;
	load(&c, &e, CONF_A, "a.conf");
	sample_state(&st, &c);
	state_section_set(&st, "templates", "old", 3);
	state_section_set(&st, "templates", "t\0\x01\xff", 4);
	state_section_set(&st, "future-feature", "", 0);
	snprintf(path, sizeof(path), "%s/state", dir);
	assert_int_equal(state_write(path, &st, &e), 0);
	assert_int_equal(state_read(path, &back, &e, err, sizeof(err)), 0);
	assert_int_equal(back.nsections, 2);
	sec = state_section_get(&back, "templates");
	assert_non_null(sec);
	assert_int_equal(sec->len, 4);
	assert_memory_equal(sec->data, "t\0\x01\xff", 4);
	sec = state_section_get(&back, "future-feature");
	assert_non_null(sec);
	assert_int_equal(sec->len, 0);
	assert_null(state_section_get(&back, "nothing"));
	state_free(&back);
	state_free(&st);
	engine_free(&e);
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(corrupt_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_is_not_error, setup, teardown),
		cmocka_unit_test_setup_teardown(rules_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(sections_round_trip, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown_match);
}
