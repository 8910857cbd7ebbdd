/*
 * u64map — hash map from 64-bit keys to pointers (open addressing,
 * linear probing, deletion by backward shift, so no tombstones pile up).
 * Values are borrowed pointers the caller manages; any key is allowed.
 */
#ifndef LOGWARD_U64MAP_H
#define LOGWARD_U64MAP_H

#include <stddef.h>
#include <stdint.h>

struct u64map {
	uint64_t	*keys;		/* owned, cap slots; 0 = empty */
	void		**vals;		/* owned, cap slots */
	size_t		 cap;		/* power of two, 0 before the first insert */
	size_t		 n;		/* keys held (key 0 included) */
	int		 has_zero;	/* key 0 lives outside the slots */
	void		*zero_val;
};

/* An empty map (a zeroed struct is one too). */
void	u64map_init(struct u64map *m);
/* Frees the slots, not the values. */
void	u64map_free(struct u64map *m);
/* The value for k, or NULL. */
void	*u64map_get(const struct u64map *m, uint64_t k);
/* Sets the value for k (inserting k). */
void	u64map_set(struct u64map *m, uint64_t k, void *v);
/* Removes k if present. */
void	u64map_del(struct u64map *m, uint64_t k);
/* Iteration: for (i = 0; u64map_next(m, &i, &k, &v);) visits every key. */
int	u64map_next(const struct u64map *m, size_t *i, uint64_t *k, void **v);
/* Bytes the slots take. */
uint64_t u64map_bytes(const struct u64map *m);
/* The slot index of a key in a table of cap slots (a power of two): the
 * spreading every table keyed by 64-bit hashes may share. */
size_t	u64map_slot(uint64_t k, size_t cap);

#endif
