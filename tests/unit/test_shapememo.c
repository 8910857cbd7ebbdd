/*
 * Unit tests for shapememo: the shape (digits written as '0', eight bytes
 * at a time) against a byte loop on every byte value and length; hits,
 * misses and what is remembered; texts too long and answers too large are
 * not remembered; the memo stays within MEMO_SETS * MEMO_WAYS texts; a
 * window of misses pauses the look-ups, which come back after the pause.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "lib/shapememo.h"

static void
byte_shape(char *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		out[i] = s[i] >= '0' && s[i] <= '9' ? '0' : s[i];
}

/* c followed by v in base 16 written with the letters a..p: distinct v,
 * distinct shapes. */
static int
letters(char *out, char c, size_t v)
{
	int n = 0;

	out[n++] = c;
	do {
		out[n++] = (char)('a' + (v & 15));
		v >>= 4;
	} while (v != 0);
	out[n] = '\0';
	return n;
}

static void
test_shape_every_byte(void **state)
{
	struct shapememo m;
	char text[MEMO_KEY_MAX], want[MEMO_KEY_MAX];
	const uint32_t *ids;
	const char *key;
	size_t len, n, keylen, i;
	unsigned seed = 7;

	(void)state;
	shapememo_init(&m);
	for (len = 1; len <= MEMO_KEY_MAX; len++) {
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* every byte value, digits and their high-bit twins
			 * (0xb0..0xb9) often */
			unsigned r = seed >> 16;

			text[i] = (char)(i % 3 == 0 ? r & 0xff :
			    i % 3 == 1 ? '0' + r % 10 : 0xb0 + r % 10);
		}
		byte_shape(want, text, len);
		assert_int_equal(shapememo_get(&m, text, len, &ids, &n, &key,
		    &keylen), MEMO_MISS);
		assert_int_equal(keylen, len);
		assert_memory_equal(key, want, len);
		m.win_looks = 0;	/* keep the pause out of this test */
	}
	shapememo_free(&m);
}

static void
test_hit_miss(void **state)
{
	struct shapememo m;
	const uint32_t *ids;
	const char *key;
	size_t n, keylen;
	uint32_t two[2] = { 17, 4 };

	(void)state;
	shapememo_init(&m);
	assert_int_equal(shapememo_get(&m, "sshd[123]: port 22", 18, &ids, &n, &key,
	    &keylen), MEMO_MISS);
	assert_memory_equal(key, "sshd[000]: port 00", 18);
	shapememo_put(&m, two, 2);
	/* the same shape with other digits */
	assert_int_equal(shapememo_get(&m, "sshd[987]: port 41", 18, &ids, &n, &key,
	    &keylen), MEMO_HIT);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], 17);
	assert_int_equal(ids[1], 4);
	/* another shape: one digit more, a letter instead of a digit */
	assert_int_equal(shapememo_get(&m, "sshd[1234]: port 22", 19, &ids, &n, &key,
	    &keylen), MEMO_MISS);
	shapememo_put(&m, NULL, 0);
	assert_int_equal(shapememo_get(&m, "sshd[12a]: port 22", 18, &ids, &n, &key,
	    &keylen), MEMO_MISS);
	/* a miss not followed by shapememo_put leaves nothing */
	assert_int_equal(shapememo_get(&m, "sshd[12a]: port 22", 18, &ids, &n, &key,
	    &keylen), MEMO_MISS);
	/* an empty answer is remembered too */
	assert_int_equal(shapememo_get(&m, "sshd[5555]: port 99", 19, &ids, &n, &key,
	    &keylen), MEMO_HIT);
	assert_int_equal(n, 0);
	/* shapememo_put without a miss before it does nothing */
	shapememo_put(&m, two, 2);
	assert_int_equal(m.hits, 2);
	assert_int_equal(m.misses, 4);
	shapememo_free(&m);
}

static void
test_not_remembered(void **state)
{
	struct shapememo m;
	char longer[MEMO_KEY_MAX + 1];
	uint32_t many[MEMO_IDS_MAX + 1];
	const uint32_t *ids;
	const char *key;
	size_t n, keylen, i;

	(void)state;
	shapememo_init(&m);
	memset(longer, 'x', sizeof(longer));
	assert_int_equal(shapememo_get(&m, longer, sizeof(longer), &ids, &n, &key,
	    &keylen), MEMO_SKIP);
	assert_int_equal(shapememo_get(&m, "", 0, &ids, &n, &key, &keylen),
	    MEMO_SKIP);
	for (i = 0; i <= MEMO_IDS_MAX; i++)
		many[i] = (uint32_t)i;
	assert_int_equal(shapememo_get(&m, "a 1", 3, &ids, &n, &key, &keylen),
	    MEMO_MISS);
	shapememo_put(&m, many, MEMO_IDS_MAX + 1);
	assert_int_equal(shapememo_get(&m, "a 2", 3, &ids, &n, &key, &keylen),
	    MEMO_MISS);
	shapememo_put(&m, many, MEMO_IDS_MAX);
	assert_int_equal(shapememo_get(&m, "a 3", 3, &ids, &n, &key, &keylen),
	    MEMO_HIT);
	assert_int_equal(n, MEMO_IDS_MAX);
	assert_int_equal(ids[MEMO_IDS_MAX - 1], MEMO_IDS_MAX - 1);
	assert_int_equal(m.skipped, 2);
	shapememo_free(&m);
}

/* More shapes than the memo holds: it keeps at most MEMO_SETS * MEMO_WAYS
 * and the latest ones are found. */
static void
test_bounded(void **state)
{
	struct shapememo m;
	const uint32_t *ids;
	const char *key;
	size_t n, keylen, i, held = 0, found = 0, total = 4 * MEMO_SETS *
	    MEMO_WAYS;
	char text[32];
	uint32_t id;

	(void)state;
	shapememo_init(&m);
	for (i = 0; i < total; i++) {
		int len = letters(text, 'k', i);

		m.win_looks = 0;
		if (shapememo_get(&m, text, (size_t)len, &ids, &n, &key, &keylen) !=
		    MEMO_MISS)
			continue;
		id = (uint32_t)i;
		shapememo_put(&m, &id, 1);
	}
	for (i = 0; i < (size_t)MEMO_SETS * MEMO_WAYS; i++)
		held += m.ways[i].item != NULL;
	assert_int_equal(held, (size_t)MEMO_SETS * MEMO_WAYS);
	/* the last shapes put are still there (LRU per set) */
	for (i = total - 64; i < total; i++) {
		int len = letters(text, 'k', i);

		m.win_looks = 0;
		if (shapememo_get(&m, text, (size_t)len, &ids, &n, &key, &keylen) ==
		    MEMO_HIT) {
			assert_int_equal(n, 1);
			assert_int_equal(ids[0], i);
			found++;
		}
	}
	assert_int_equal(found, 64);
	assert_true(m.bytes < (size_t)MEMO_SETS * MEMO_WAYS * 64);
	shapememo_free(&m);
}

/* Entries as large as they come (MEMO_KEY_MAX bytes of text, MEMO_IDS_MAX
 * ids) fill MEMO_BYTES_MAX and no more; the memo keeps taking new shapes
 * in place of the old ones. */
static void
test_bytes_bounded(void **state)
{
	struct shapememo m;
	const uint32_t *ids;
	const char *key;
	size_t n, keylen, i, held = 0, found = 0;
	size_t total = 2 * MEMO_SETS * MEMO_WAYS;
	uint32_t many[MEMO_IDS_MAX];
	char text[MEMO_KEY_MAX];

	(void)state;
	shapememo_init(&m);
	for (i = 0; i < MEMO_IDS_MAX; i++)
		many[i] = (uint32_t)i;
	memset(text, 'y', sizeof(text));
	for (i = 0; i < total; i++) {
		letters(text, 'z', i);
		text[strlen(text)] = 'y';	/* the whole key stays long */
		m.win_looks = 0;
		if (shapememo_get(&m, text, sizeof(text), &ids, &n, &key,
		    &keylen) == MEMO_MISS)
			shapememo_put(&m, many, MEMO_IDS_MAX);
		assert_true(m.bytes <= MEMO_BYTES_MAX);
	}
	for (i = 0; i < (size_t)MEMO_SETS * MEMO_WAYS; i++)
		held += m.ways[i].item != NULL;
	assert_true(held > 0 && held < (size_t)MEMO_SETS * MEMO_WAYS);
	assert_true(m.bytes + MEMO_KEY_MAX + 4 * MEMO_IDS_MAX + 16 >
	    MEMO_BYTES_MAX);
	/* full, it still takes new shapes where an old one goes: most of
	 * the last ones put are found */
	for (i = total - 64; i < total; i++) {
		letters(text, 'z', i);
		text[strlen(text)] = 'y';
		m.win_looks = 0;
		if (shapememo_get(&m, text, sizeof(text), &ids, &n, &key,
		    &keylen) == MEMO_HIT) {
			assert_int_equal(n, MEMO_IDS_MAX);
			found++;
		}
	}
	assert_true(found >= 32);
	shapememo_free(&m);
}

/* A window of shapes that never repeat pauses the memo for MEMO_PAUSE
 * windows, then it looks up again. */
static void
test_pause(void **state)
{
	struct shapememo m;
	const uint32_t *ids;
	const char *key;
	size_t n, keylen, i;
	char text[32];
	uint32_t id = 1;

	(void)state;
	shapememo_init(&m);
	for (i = 0; i < MEMO_WINDOW; i++) {
		int len = letters(text, 'x', i);

		assert_int_equal(shapememo_get(&m, text, (size_t)len, &ids, &n,
		    &key, &keylen), MEMO_MISS);
		shapememo_put(&m, &id, 1);
	}
	assert_int_equal(m.pause, MEMO_PAUSE);
	/* even a shape it holds is not looked up now */
	for (i = 0; i < (size_t)MEMO_PAUSE * MEMO_WINDOW; i++)
		assert_int_equal(shapememo_get(&m, "xa", 2, &ids, &n, &key,
		    &keylen), MEMO_SKIP);
	assert_int_equal(m.pause, 0);
	assert_int_equal(shapememo_get(&m, "xa", 2, &ids, &n, &key, &keylen),
	    MEMO_HIT);
	/* a window that hits often keeps it going */
	for (i = 1; i < MEMO_WINDOW; i++)
		assert_int_equal(shapememo_get(&m, "xa", 2, &ids, &n, &key,
		    &keylen), MEMO_HIT);
	assert_int_equal(m.pause, 0);
	assert_int_equal(shapememo_get(&m, "xa", 2, &ids, &n, &key, &keylen),
	    MEMO_HIT);
	shapememo_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape_every_byte),
		cmocka_unit_test(test_hit_miss),
		cmocka_unit_test(test_not_remembered),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_bytes_bounded),
		cmocka_unit_test(test_pause),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
