/*
 * Unit tests for map: map_hash keeps its values (some are kept on disk)
 * for every key length and every alignment.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_values_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
