/*
 * Unit tests for lib/bin: numbers, u32 strings and u64 blobs round-trip;
 * a short or damaged input sets bad, reads zeros or NULL, never past the
 * end (every truncation of a record is tried); bin_done tells a whole
 * read from one with bytes left over.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/bin.h"
#include "lib/buf.h"

static void
record(struct buf *b)
{
	bin_put8(b, 7);
	bin_put32(b, 0xdeadbeef);
	bin_put64(b, UINT64_C(0x0123456789abcdef));
	bin_putstr(b, "host", 4);
	bin_putblob(b, "web\0one", 7);
	bin_putblob(b, NULL, 0);
}

/* Reads record()'s fields back; true when all were there. */
static bool
read_record(struct bin_rd *r)
{
	size_t n1 = 99, n2 = 99, n3 = 99;
	uint8_t a = bin_get8(r);
	uint32_t b = bin_get32(r);
	uint64_t c = bin_get64(r);
	const char *s = bin_getstr(r, &n1);
	const char *t = bin_getblob(r, &n2);
	const char *u = bin_getblob(r, &n3);

	if (r->bad) {
		/* what could not be read is zero or NULL, never garbage */
		assert_true(u == NULL && n3 == 0);
		return false;
	}
	assert_int_equal(a, 7);
	assert_int_equal(b, 0xdeadbeef);
	assert_true(c == UINT64_C(0x0123456789abcdef));
	assert_int_equal(n1, 4);
	assert_memory_equal(s, "host", 4);
	assert_int_equal(n2, 7);
	assert_memory_equal(t, "web\0one", 7);
	assert_non_null(u);
	assert_int_equal(n3, 0);
	return true;
}

static void
test_round_trip(void **state)
{
	struct buf b;
	struct bin_rd r;

	(void)state;
	buf_init(&b, 1 << 20);
	record(&b);
	bin_rd_init(&r, b.data, b.len);
	assert_true(read_record(&r));
	assert_true(bin_done(&r));
	/* a byte more than was written: read, but not done */
	buf_addc(&b, 'x');
	bin_rd_init(&r, b.data, b.len);
	assert_true(read_record(&r));
	assert_false(bin_done(&r));
	buf_free(&b);
}

static void
test_every_truncation_is_refused(void **state)
{
	struct buf b;
	struct bin_rd r;
	size_t cut;

	(void)state;
	buf_init(&b, 1 << 20);
	record(&b);
	for (cut = 0; cut < b.len; cut++) {
		/* a copy of exactly cut bytes, so ASan sees any over-read */
		char *p = malloc(cut + 1);

		memcpy(p, b.data, cut);
		bin_rd_init(&r, p, cut);
		assert_false(read_record(&r));
		assert_true(r.bad);
		assert_false(bin_done(&r));
		free(p);
	}
	buf_free(&b);
}

static void
test_lengths_past_the_end(void **state)
{
	struct buf b;
	struct bin_rd r;
	size_t n;

	(void)state;
	buf_init(&b, 1 << 20);
	bin_put64(&b, UINT64_MAX);	/* a blob "longer" than everything */
	buf_add(&b, "abc", 3);
	bin_rd_init(&r, b.data, b.len);
	assert_null(bin_getblob(&r, &n));
	assert_int_equal(n, 0);
	assert_true(r.bad);
	/* once bad, everything after reads as zero */
	assert_int_equal(bin_get64(&r), 0);
	assert_null(bin_getbytes(&r, 0));
	bin_rd_init(&r, b.data, b.len);
	assert_non_null(bin_getbytes(&r, 8));
	assert_null(bin_getbytes(&r, 4));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_truncation_is_refused),
		cmocka_unit_test(test_lengths_past_the_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
