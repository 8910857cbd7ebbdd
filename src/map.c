/*
 * map — open-addressing hash map keyed by bytes.
 */
#include "map.h"

#include <stdlib.h>
#include <string.h>

#include "xmem.h"

uint64_t
map_hash(const void *key, size_t klen)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < klen; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
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
		if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0)
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

void *
map_get(const struct map *m, const void *key, size_t klen)
{
	struct map_slot *s;

	if (m->cap == 0)
		return NULL;
	s = find(m, key, klen, map_hash(key, klen));
	return s->key != NULL ? s->val : NULL;
}

void **
map_put(struct map *m, const void *key, size_t klen)
{
	uint64_t h = map_hash(key, klen);
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
