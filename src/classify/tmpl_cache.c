/*
 * tmpl_cache — answer caches of the template store (see tmpl_cache.h):
 * open addressing on the 64-bit key, no deletion.
 */
#include "classify/tmpl_cache.h"

#include <stdlib.h>
#include <string.h>

#include "lib/u64map.h"
#include "lib/xmem.h"

/* key 0 marks an empty slot */
static uint64_t
nz(uint64_t k)
{
	return k == 0 ? 0x9e3779b97f4a7c15ULL : k;
}

void
tmpl_cache_init(struct tmpl_cache *c, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->max = max < 256 ? 256 : max;
}

void
tmpl_cache_clear(struct tmpl_cache *c)
{
	if (c->v != NULL)
		memset(c->v, 0, c->cap * sizeof(*c->v));
	c->n = 0;
}

void
tmpl_cache_free(struct tmpl_cache *c)
{
	free(c->v);
	c->v = NULL;
	c->cap = c->n = 0;
}

static struct tmpl_cache_ent *
slot(const struct tmpl_cache *c, uint64_t key)
{
	size_t i;

	for (i = u64map_slot(key, c->cap); c->v[i].key != 0 && c->v[i].key != key;
	    i = (i + 1) & (c->cap - 1))
		;
	return &c->v[i];
}

const struct tmpl_cache_ent *
tmpl_cache_get(const struct tmpl_cache *c, uint64_t key, uint64_t check)
{
	const struct tmpl_cache_ent *e;

	if (c->cap == 0)
		return NULL;
	e = slot(c, nz(key));
	return e->key != 0 && e->check == check ? e : NULL;
}

void
tmpl_cache_put(struct tmpl_cache *c, uint64_t key, uint64_t check,
    uint64_t id, uint32_t epoch)
{
	struct tmpl_cache_ent *e;

	key = nz(key);
	if ((c->n + 1) * 2 > c->cap) {
		if (c->cap < c->max * 2) {
			struct tmpl_cache_ent *old = c->v;
			size_t oldcap = c->cap, i;

			c->cap = oldcap ? oldcap * 2 : 1024;
			c->v = xcalloc(c->cap, sizeof(*c->v));
			for (i = 0; i < oldcap; i++)
				if (old[i].key != 0)
					*slot(c, old[i].key) = old[i];
			free(old);
		} else
			tmpl_cache_clear(c);	/* full: start over */
	}
	e = slot(c, key);
	if (e->key == 0)
		c->n++;
	e->key = key;
	e->check = check;
	e->id = id;
	e->epoch = epoch;
}

uint64_t
tmpl_cache_bytes(const struct tmpl_cache *c)
{
	return c->cap * sizeof(*c->v);
}
