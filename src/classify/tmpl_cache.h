/*
 * tmpl_cache — the template store's answer caches: a key (a message's
 * signature, or a hash of its bytes) → template id and the epoch of its
 * group when the answer was given.  An entry only speeds things up: the
 * store trusts it when the template is still there and its group has the
 * same epoch (nothing in the group generalised or retired since), and
 * otherwise decides again.  An entry also holds a second, independent
 * 64-bit check of the message, which must match as well.
 *
 * Bounded: at most max entries; when full the cache starts over, which
 * changes no answer.
 */
#ifndef LOGWARD_TMPL_CACHE_H
#define LOGWARD_TMPL_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct tmpl_cache_ent {
	uint64_t	 key;		/* 0 = empty slot */
	uint64_t	 check;		/* a second hash of the message */
	uint64_t	 id;		/* the template */
	uint32_t	 epoch;		/* its group's epoch then */
};

struct tmpl_cache {
	struct tmpl_cache_ent *v;	/* owned, cap slots */
	size_t		 cap, n;
	size_t		 max;		/* entries at most */
};

/* An empty cache of at most max entries. */
void	tmpl_cache_init(struct tmpl_cache *c, size_t max);
void	tmpl_cache_free(struct tmpl_cache *c);
/* Forgets every entry. */
void	tmpl_cache_clear(struct tmpl_cache *c);

/* The entry for (key, check), or NULL.  Borrowed until the next put or
 * clear. */
const struct tmpl_cache_ent *tmpl_cache_get(const struct tmpl_cache *c,
	    uint64_t key, uint64_t check);

/* Records (key, check) → (id, epoch). */
void	tmpl_cache_put(struct tmpl_cache *c, uint64_t key, uint64_t check,
	    uint64_t id, uint32_t epoch);

/* Bytes the cache holds. */
uint64_t tmpl_cache_bytes(const struct tmpl_cache *c);

/* The exact cache's key and check: two hashes (seeds s0, s1) of
 * msg[0..len) with its numbers blanked (each digit that does not follow
 * a letter taken as '0').  Depends on its arguments alone. */
void	tmpl_cache_blank_hash(const char *msg, size_t len, uint64_t s0,
	    uint64_t s1, uint64_t *key, uint64_t *check);

#endif
