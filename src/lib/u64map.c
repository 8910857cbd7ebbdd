/*
 * u64map — 64-bit keys to pointers (see u64map.h).  Slot key 0 means
 * empty, so the key 0 itself is kept in the struct beside the slots.
 */
#include "lib/u64map.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xmem.h"

size_t
u64map_slot(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

void
u64map_init(struct u64map *m)
{
	memset(m, 0, sizeof(*m));
}

void
u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

void *
u64map_get(const struct u64map *m, uint64_t k)
{
	size_t i;

	if (k == 0)
		return m->has_zero ? m->zero_val : NULL;
	if (m->cap == 0)
		return NULL;
	for (i = u64map_slot(k, m->cap); m->keys[i] != 0; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == k)
			return m->vals[i];
	return NULL;
}

static void
put(struct u64map *m, uint64_t ek, void *v)
{
	size_t i;

	for (i = u64map_slot(ek, m->cap); m->keys[i] != 0; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == ek) {
			m->vals[i] = v;
			return;
		}
	m->keys[i] = ek;
	m->vals[i] = v;
	m->n++;
}

void
u64map_set(struct u64map *m, uint64_t k, void *v)
{
	if (k == 0) {
		if (!m->has_zero)
			m->n++;
		m->has_zero = 1;
		m->zero_val = v;
		return;
	}
	if ((m->n + 1) * 2 > m->cap) {
		struct u64map old = *m;
		size_t i;

		m->cap = old.cap ? old.cap * 2 : 64;
		m->keys = xcalloc(m->cap, sizeof(*m->keys));
		m->vals = xcalloc(m->cap, sizeof(*m->vals));
		m->n = m->has_zero ? 1 : 0;
		for (i = 0; i < old.cap; i++)
			if (old.keys[i] != 0)
				put(m, old.keys[i], old.vals[i]);
		free(old.keys);
		free(old.vals);
	}
	put(m, k, v);
}

void
u64map_del(struct u64map *m, uint64_t k)
{
	size_t i, j, h, mask;

	if (k == 0) {
		if (m->has_zero)
			m->n--;
		m->has_zero = 0;
		m->zero_val = NULL;
		return;
	}
	if (m->cap == 0)
		return;
	mask = m->cap - 1;
	for (i = u64map_slot(k, m->cap); m->keys[i] != k; i = (i + 1) & mask)
		if (m->keys[i] == 0)
			return;
	/* backward shift: move later entries of the run into the hole when
	 * their home slot is not between the hole and them */
	for (j = i;;) {
		j = (j + 1) & mask;
		if (m->keys[j] == 0)
			break;
		h = u64map_slot(m->keys[j], m->cap);
		if (((j - h) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->vals[i] = NULL;
	m->n--;
}

int
u64map_next(const struct u64map *m, size_t *i, uint64_t *k, void **v)
{
	/* slot indexes first, then key 0 as index cap */
	for (; *i < m->cap; (*i)++)
		if (m->keys[*i] != 0) {
			*k = m->keys[*i];
			*v = m->vals[*i];
			(*i)++;
			return 1;
		}
	if (*i == m->cap && m->has_zero) {
		*k = 0;
		*v = m->zero_val;
		(*i)++;
		return 1;
	}
	return 0;
}

uint64_t
u64map_bytes(const struct u64map *m)
{
	return m->cap * (sizeof(uint64_t) + sizeof(void *));
}
