/*
 * map — hash map from byte-string keys to pointers (open addressing,
 * linear probing, map_hash).  The map owns copies of its keys; values are
 * borrowed pointers the caller manages.
 */
#ifndef LOGWARD_MAP_H
#define LOGWARD_MAP_H

#include <stddef.h>
#include <stdint.h>

struct map_slot {
	char		*key;		/* owned copy, NULL = empty slot */
	size_t		 klen;		/* key length */
	uint64_t	 hash;		/* full hash of the key */
	void		*val;		/* borrowed value */
};

struct map {
	struct map_slot	*slots;		/* owned array of cap slots */
	size_t		 cap;		/* power of two, 0 before first insert */
	size_t		 len;		/* used slots */
};

uint64_t map_hash(const void *key, size_t klen);
void	 map_init(struct map *m);
void	 map_free(struct map *m);	/* frees keys and slots, not values */
/* Returns the value for key, or NULL. */
void	*map_get(const struct map *m, const void *key, size_t klen);
/* Returns the slot's value pointer for key, inserting a NULL value first
 * when the key is new (the key is copied then). */
void	**map_put(struct map *m, const void *key, size_t klen);
/* map_get and map_put for a caller that already has h = map_hash(key,
 * klen) (one hash of a key looked up, then inserted). */
void	*map_get_hashed(const struct map *m, const void *key, size_t klen,
	    uint64_t h);
void	**map_put_hashed(struct map *m, const void *key, size_t klen,
	    uint64_t h);
/* Iteration: for (i = 0; map_next(m, &i, &slot); ) — visits used slots. */
int	 map_next(const struct map *m, size_t *i, const struct map_slot **slot);
/* Removes every key; values are the caller's. */
void	 map_clear(struct map *m);

#endif
