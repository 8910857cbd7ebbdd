/*
 * Unit tests for map: map_hash keeps its values (some are kept on disk)
 * for every key length, get/put with and without a known hash, map_eq.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "lib/map.h"

/* map_hash as first written: the tail copied byte by byte. */
static uint64_t
ref_hash(const void *key, size_t klen)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (klen * 0xff51afd7ed558ccdULL);
	uint64_t w;

	while (klen >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
		p += 8;
		klen -= 8;
	}
	w = 0;
	if (klen > 0)
		memcpy(&w, p, klen);
	h = (h ^ w ^ ((uint64_t)klen << 56)) * 0x94d049bb133111ebULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

static void
test_hash_values_unchanged(void **state)
{
	unsigned char buf[80];
	size_t len, off, i;
	int round;

	(void)state;
	srand(7);
	for (round = 0; round < 50; round++) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)(round == 0 ? 0xff : rand());
		for (off = 0; off < 8; off++)
			for (len = 0; len + off <= 72; len++)
				assert_true(map_hash(buf + off, len) ==
				    ref_hash(buf + off, len));
	}
	/* a few fixed values, as kept on disk */
	assert_true(map_hash("", 0) == ref_hash("", 0));
	assert_true(map_hash("git-14", 6) == ref_hash("git-14", 6));
}

static void
test_get_put_hashed(void **state)
{
	struct map m;
	char key[16];
	int vals[300], i;

	(void)state;
	map_init(&m);
	assert_null(map_get(&m, "a", 1));
	assert_null(map_get_hashed(&m, "a", 1, map_hash("a", 1)));
	for (i = 0; i < 300; i++) {
		int n = snprintf(key, sizeof(key), "k%d", i);
		void **v = i % 2 ? map_put(&m, key, (size_t)n) :
		    map_put_hashed(&m, key, (size_t)n, map_hash(key, (size_t)n));

		assert_null(*v);
		*v = &vals[i];
	}
	assert_int_equal(m.len, 300);
	for (i = 0; i < 300; i++) {
		int n = snprintf(key, sizeof(key), "k%d", i);

		assert_ptr_equal(map_get(&m, key, (size_t)n), &vals[i]);
		assert_ptr_equal(map_get_hashed(&m, key, (size_t)n,
		    map_hash(key, (size_t)n)), &vals[i]);
		assert_ptr_equal(*map_put_hashed(&m, key, (size_t)n,
		    map_hash(key, (size_t)n)), &vals[i]);
	}
	assert_int_equal(m.len, 300);
	assert_null(map_get(&m, "k300", 4));
	map_free(&m);
}

/* map_eq says what memcmp says: every length, a difference anywhere. */
static void
test_eq_like_memcmp(void **state)
{
	unsigned char a[48], b[48];
	size_t len, pos;

	(void)state;
	for (len = 0; len <= 40; len++) {
		memset(a, 'x', sizeof(a));
		memset(b, 'x', sizeof(b));
		assert_true(map_eq(a + 1, b + 3, len));
		for (pos = 0; pos < len; pos++) {
			b[3 + pos] = 'y';
			assert_false(map_eq(a + 1, b + 3, len));
			b[3 + pos] = 'x';
		}
		/* bytes just outside do not count */
		a[0] = 'z';
		a[1 + len] = 'z';
		assert_true(map_eq(a + 1, b + 3, len));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_values_unchanged),
		cmocka_unit_test(test_get_put_hashed),
		cmocka_unit_test(test_eq_like_memcmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
