/*
 * tmpl_cache — the template store's answer caches: a key (a message's
 * signature, or a hash of its exact bytes) → template id and the epoch of
 * its group when the answer was given.  An entry only speeds things up:
 * the store trusts it when the template is still there and its group has
 * the same epoch (nothing in the group generalised or retired since), and
 * otherwise decides again.  With text kept, a hit also needs the same
 * bytes (the exact-message cache: no tokenizing at all for a message
 * seen before).
 *
 * Bounded: at most max entries (and max_text bytes of kept text); when
 * full the cache starts over, which changes no answer.
 */
#ifndef LOGWARD_TMPL_CACHE_H
#define LOGWARD_TMPL_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct tmpl_cache_ent {
	uint64_t	 key;		/* 0 = empty slot */
	uint64_t	 id;		/* the template */
	uint32_t	 epoch;		/* its group's epoch then */
	uint32_t	 len;		/* text's length */
	char		*text;		/* owned copy of the message, or NULL */
};

struct tmpl_cache {
	struct tmpl_cache_ent *v;	/* owned, cap slots */
	size_t		 cap, n;
	size_t		 max;		/* entries at most */
	uint64_t	 text;		/* bytes of kept text */
	uint64_t	 max_text;	/* ... at most */
};

/* An empty cache of at most max entries and max_text bytes of text. */
void	tmpl_cache_init(struct tmpl_cache *c, size_t max, uint64_t max_text);
void	tmpl_cache_free(struct tmpl_cache *c);
/* Forgets every entry. */
void	tmpl_cache_clear(struct tmpl_cache *c);

/* The entry for key (whose kept text, when text is not NULL, must be
 * text[0..len)), or NULL.  Borrowed until the next put or clear. */
const struct tmpl_cache_ent *tmpl_cache_get(const struct tmpl_cache *c,
	    uint64_t key, const char *text, size_t len);

/* Records key → (id, epoch), keeping a copy of text[0..len) when text is
 * not NULL. */
void	tmpl_cache_put(struct tmpl_cache *c, uint64_t key, const char *text,
	    size_t len, uint64_t id, uint32_t epoch);

/* Bytes the cache holds (slots and text). */
uint64_t tmpl_cache_bytes(const struct tmpl_cache *c);

#endif
