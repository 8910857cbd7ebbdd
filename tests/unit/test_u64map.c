/*
 * Unit tests for u64map: set, get, delete (backward shift keeps every
 * other key findable), key 0, iteration, and a long random run checked
 * against a plain array.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdlib.h>

#include "lib/u64map.h"

static void
test_basic(void **state)
{
	struct u64map m;
	int a, b, z;

	(void)state;
	u64map_init(&m);
	assert_null(u64map_get(&m, 5));
	u64map_set(&m, 5, &a);
	u64map_set(&m, 0, &z);
	u64map_set(&m, 1ULL << 63, &b);
	assert_ptr_equal(u64map_get(&m, 5), &a);
	assert_ptr_equal(u64map_get(&m, 0), &z);
	assert_ptr_equal(u64map_get(&m, 1ULL << 63), &b);
	assert_int_equal(m.n, 3);
	u64map_set(&m, 5, &b);
	assert_ptr_equal(u64map_get(&m, 5), &b);
	assert_int_equal(m.n, 3);
	u64map_del(&m, 0);
	assert_null(u64map_get(&m, 0));
	u64map_del(&m, 42);		/* absent: nothing happens */
	assert_int_equal(m.n, 2);
	u64map_free(&m);
}

static void
test_random_against_array(void **state)
{
	enum { KEYS = 3000, OPS = 200000 };
	static void *ref[KEYS];
	static int vals[KEYS];
	struct u64map m;
	size_t i, n, it;
	uint64_t k;
	void *v;

	(void)state;
	u64map_init(&m);
	srand(11);
	for (i = 0; i < OPS; i++) {
		size_t key = (size_t)rand() % KEYS;
		/* keys that crowd one area of the table */
		uint64_t k64 = (uint64_t)key * 0x10000;

		if (rand() % 3 == 0) {
			u64map_del(&m, k64);
			ref[key] = NULL;
		} else {
			u64map_set(&m, k64, &vals[key]);
			ref[key] = &vals[key];
		}
		if (i % 997 == 0) {
			for (key = 0, n = 0; key < KEYS; key++) {
				assert_ptr_equal(u64map_get(&m, (uint64_t)key * 0x10000),
				    ref[key]);
				n += ref[key] != NULL;
			}
			assert_int_equal(m.n, n);
		}
	}
	for (it = 0, n = 0; u64map_next(&m, &it, &k, &v); n++)
		assert_ptr_equal(v, ref[k / 0x10000]);
	assert_int_equal(n, m.n);
	u64map_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_random_against_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
