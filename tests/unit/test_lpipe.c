/*
 * Unit tests for lib/lpipe: every line is walked once and applied once,
 * in input order, with its bytes and cut_from intact, whatever the block
 * boundaries (lines, bytes, empty lines, a line longer than a block's
 * byte budget); flush applies everything given so far; a block's res is
 * kept across uses and freed once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/lpipe.h"
#include "lib/xmem.h"

/* The per-block result: each line's checksum, computed by the walk. */
struct res {
	uint64_t	 sum[LPIPE_LINES];
	int		 walks;		/* walks of this block (reuses count) */
};

struct ctx {
	uint64_t	 applied;	/* lines applied so far */
	uint64_t	 lanes[2];	/* blocks walked per lane */
	int		 frees;
	bool		 bad;		/* a line came out of order or damaged */
};

static uint64_t
sum(const char *p, size_t n, size_t cut)
{
	uint64_t h = 1469598103934665603ULL ^ cut;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h ^ n;
}

/* Line i of the test input: its length varies, some are empty, every
 * 997th is 200 KB (over a block's byte budget). */
static size_t
make_line(struct buf *b, uint64_t i)
{
	size_t n = i % 997 == 996 ? 200 * 1024 : (size_t)(i * 7919 % 300);
	size_t k;

	buf_reset(b);
	buf_printf(b, "%llu:", (unsigned long long)i);
	for (k = 0; k < n; k++)
		buf_addc(b, (char)('a' + (i + k) % 26));
	return b->len;
}

static void
walk(void *arg, int lane, struct lpipe_block *b)
{
	struct ctx *c = arg;
	struct res *r = b->res;
	size_t i;

	if (r == NULL)
		r = b->res = xcalloc(1, sizeof(*r));
	r->walks++;
	for (i = 0; i < b->n; i++)
		r->sum[i] = sum(b->bytes + b->lines[i].off, b->lines[i].len,
		    b->lines[i].cut_from);
	/* two threads add here: each counts its own lane only */
	c->lanes[lane]++;
}

static void
apply(void *arg, struct lpipe_block *b)
{
	struct ctx *c = arg;
	struct res *r = b->res;
	struct buf want;
	size_t i;

	buf_init(&want, SIZE_MAX / 4);
	for (i = 0; i < b->n; i++) {
		uint64_t k = c->applied++;

		make_line(&want, k);
		if (b->lines[i].len != want.len ||
		    memcmp(b->bytes + b->lines[i].off, want.data, want.len) != 0 ||
		    b->lines[i].cut_from != k % 3 ||
		    r->sum[i] != sum(want.data, want.len, k % 3))
			c->bad = true;
	}
	buf_free(&want);
}

static struct ctx *freed_ctx;

static void
res_free(void *res)
{
	freed_ctx->frees++;
	free(res);
}

/* maxlines 0: lpipe_new's blocks, else lpipe_new_sized's (at most
 * LPIPE_LINES: a res holds that many sums) */
static void
run_sized(uint64_t nlines, uint64_t flush_every, size_t maxlines,
    size_t maxbytes)
{
	struct ctx c;
	struct lpipe *p;
	struct buf line;
	uint64_t i;

	memset(&c, 0, sizeof(c));
	freed_ctx = &c;
	buf_init(&line, SIZE_MAX / 4);
	p = maxlines == 0 ? lpipe_new(walk, apply, res_free, &c) :
	    lpipe_new_sized(walk, apply, res_free, &c, maxlines, maxbytes);
	assert_non_null(p);
	for (i = 0; i < nlines; i++) {
		make_line(&line, i);
		lpipe_line(p, line.data, line.len, (size_t)(i % 3));
		if (flush_every != 0 && i % flush_every == flush_every - 1) {
			lpipe_flush(p);
			assert_true(c.applied == i + 1);
		}
	}
	lpipe_flush(p);
	assert_true(c.applied == nlines);
	assert_false(c.bad);
	lpipe_free(p);
	/* each block that was used has one res, freed once */
	assert_true(c.frees <= LPIPE_BLOCKS);
	assert_true(nlines == 0 || c.frees >= 1);
	assert_true(c.lanes[0] + c.lanes[1] >= nlines /
	    (maxlines == 0 ? LPIPE_LINES : maxlines));
	buf_free(&line);
}

static void
run(uint64_t nlines, uint64_t flush_every)
{
	run_sized(nlines, flush_every, 0, 0);
}

static void
test_order_and_bytes(void **state)
{
	(void)state;
	run(50000, 0);
}

static void
test_flush_midway(void **state)
{
	(void)state;
	run(20000, 777);
	run(3000, 1);
}

static void
test_empty_and_tiny(void **state)
{
	(void)state;
	run(0, 0);
	run(1, 0);
	run(LPIPE_LINES, 0);
	run(LPIPE_LINES + 1, 0);
}

/* lpipe_new_sized: blocks cut by their line count or by their bytes */
static void
test_sized_blocks(void **state)
{
	(void)state;
	run_sized(5000, 0, 7, SIZE_MAX);
	run_sized(5000, 333, 1, SIZE_MAX);
	run_sized(5000, 0, LPIPE_LINES, 200);
	run_sized(3, 0, 2, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sized_blocks),
		cmocka_unit_test(test_order_and_bytes),
		cmocka_unit_test(test_flush_midway),
		cmocka_unit_test(test_empty_and_tiny),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
