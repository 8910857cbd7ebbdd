/*
 * map — hash map from byte-string keys to pointers (open addressing,
 * linear probing, map_hash).  The map owns copies of its keys; values are
 * borrowed pointers the caller manages.
 */
#ifndef LOGWARD_MAP_H
#define LOGWARD_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* memcmp(a, b, n) == 0, without a call for the short keys of the line
 * path (host names): overlapping word loads up to 16 bytes. */
static inline bool
map_eq(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;
	uint64_t x, y, x2, y2;
	uint32_t u, v, u2, v2;

	if (n > 16)
		return memcmp(a, b, n) == 0;
	if (n >= 8) {
		memcpy(&x, p, 8);
		memcpy(&y, q, 8);
		memcpy(&x2, p + n - 8, 8);
		memcpy(&y2, q + n - 8, 8);
		return ((x ^ y) | (x2 ^ y2)) == 0;
	}
	if (n >= 4) {
		memcpy(&u, p, 4);
		memcpy(&v, q, 4);
		memcpy(&u2, p + n - 4, 4);
		memcpy(&v2, q + n - 4, 4);
		return ((u ^ v) | (u2 ^ v2)) == 0;
	}
	while (n-- > 0)
		if (*p++ != *q++)
			return false;
	return true;
}
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
