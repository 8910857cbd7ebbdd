/*
 * map — open-addressing hash map keyed by bytes.
 */
#include "lib/map.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xmem.h"

static uint64_t
load64(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

/*
 * The last n < 8 bytes of a key of klen bytes, p pointing at them, as
 * memcpy(&w, p, n) into a zeroed w would give them: whole-word loads
 * that overlap bytes already hashed or each other, never a byte-by-byte
 * copy.  Only on little-endian machines; elsewhere the plain copy.
 */
static uint64_t
tail(const unsigned char *p, size_t n, size_t klen)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t lo, hi;

	if (n == 0)
		return 0;
	if (klen >= 8)
		return load64(p + n - 8) >> (8 * (8 - n));
	if (n >= 4) {
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		return lo | (uint64_t)hi << (8 * (n - 4));
	}
	return p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) |
	    (uint64_t)p[n - 1] << (8 * (n - 1));
#else
	uint64_t w = 0;

	(void)klen;
	if (n > 0)
		memcpy(&w, p, n);
	return w;
#endif
}

/* A fast 64-bit hash, 8 bytes per step (multiply-xorshift mixing); the
 * keys are log text chosen by whoever writes logs, so collisions only
 * cost probes, never correctness.  Its values are kept on disk by some
 * callers: they must not change. */
uint64_t
map_hash(const void *key, size_t klen)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (klen * 0xff51afd7ed558ccdULL);
	size_t n = klen;
	uint64_t w;

	while (n >= 8) {
		h = (h ^ load64(p)) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
		p += 8;
		n -= 8;
	}
	w = tail(p, n, klen);
	h = (h ^ w ^ ((uint64_t)n << 56)) * 0x94d049bb133111ebULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

void
map_init(struct map *m)
{
	m->slots = NULL;
	m->cap = m->len = 0;
}

void
map_clear(struct map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		free(m->slots[i].key);
		m->slots[i].key = NULL;
	}
	m->len = 0;
}

void
map_free(struct map *m)
{
	map_clear(m);
	free(m->slots);
	m->slots = NULL;
	m->cap = 0;
}

static struct map_slot *
find(const struct map *m, const void *key, size_t klen, uint64_t h)
{
	size_t mask = m->cap - 1, i = (size_t)h & mask;

	for (;;) {
		struct map_slot *s = &m->slots[i];

		if (s->key == NULL)
			return s;
		if (s->hash == h && s->klen == klen && map_eq(s->key, key, klen))
			return s;
		i = (i + 1) & mask;
	}
}

static void
grow(struct map *m)
{
	struct map_slot *old = m->slots;
	size_t oldcap = m->cap, i;

	m->cap = oldcap ? oldcap * 2 : 16;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (i = 0; i < oldcap; i++) {
		if (old[i].key != NULL)
			*find(m, old[i].key, old[i].klen, old[i].hash) = old[i];
	}
	free(old);
}

static void *
get(const struct map *m, const void *key, size_t klen, uint64_t h)
{
	struct map_slot *s = find(m, key, klen, h);

	return s->key != NULL ? s->val : NULL;
}

static void **
put(struct map *m, const void *key, size_t klen, uint64_t h)
{
	struct map_slot *s;

	if ((m->len + 1) * 4 > m->cap * 3)
		grow(m);
	s = find(m, key, klen, h);
	if (s->key == NULL) {
		s->key = xmemdup0(key, klen);
		s->klen = klen;
		s->hash = h;
		s->val = NULL;
		m->len++;
	}
	return &s->val;
}

void *
map_get(const struct map *m, const void *key, size_t klen)
{
	if (m->cap == 0)
		return NULL;
	return get(m, key, klen, map_hash(key, klen));
}

void *
map_get_hashed(const struct map *m, const void *key, size_t klen, uint64_t h)
{
	if (m->cap == 0)
		return NULL;
	return get(m, key, klen, h);
}

void **
map_put(struct map *m, const void *key, size_t klen)
{
	return put(m, key, klen, map_hash(key, klen));
}

void **
map_put_hashed(struct map *m, const void *key, size_t klen, uint64_t h)
{
	return put(m, key, klen, h);
}

int
map_next(const struct map *m, size_t *i, const struct map_slot **slot)
{
	while (*i < m->cap) {
		const struct map_slot *s = &m->slots[(*i)++];

		if (s->key != NULL) {
			*slot = s;
			return 1;
		}
	}
	return 0;
}
