/*
 * bin — the small binary encoding the state sections share: fixed-size
 * numbers in host byte order and length-prefixed byte strings, written
 * to a struct buf and read back with bounds checks (a short or damaged
 * input sets 'bad' and reads zeros, never past the end).
 */
#ifndef LOGWARD_BIN_H
#define LOGWARD_BIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

struct bin_rd {
	const char	*p;		/* next byte (borrowed) */
	size_t		 left;		/* bytes left */
	bool		 bad;		/* a read went past the end */
};

void	bin_put8(struct buf *b, uint8_t v);
void	bin_put32(struct buf *b, uint32_t v);
void	bin_put64(struct buf *b, uint64_t v);
/* A u32 length, then the bytes. */
void	bin_putstr(struct buf *b, const char *s, size_t n);
/* A u64 length, then the bytes (the summary sections' strings). */
void	bin_putblob(struct buf *b, const void *s, size_t n);

/* A reader over data[0..len) (borrowed). */
void	bin_rd_init(struct bin_rd *r, const char *data, size_t len);
uint8_t	bin_get8(struct bin_rd *r);
uint32_t bin_get32(struct bin_rd *r);
uint64_t bin_get64(struct bin_rd *r);
/* A string as bin_putstr wrote it: borrowed from the data, *n its
 * length; NULL (and bad set) when it does not fit. */
const char *bin_getstr(struct bin_rd *r, size_t *n);
/* A string as bin_putblob wrote it; the same contract. */
const char *bin_getblob(struct bin_rd *r, size_t *n);
/* Copies the next n bytes to dst (zeros, and bad set, when fewer are
 * left). */
void	bin_getraw(struct bin_rd *r, void *dst, size_t n);
/* The next n bytes, borrowed; NULL (and bad set) when fewer are left. */
const char *bin_getbytes(struct bin_rd *r, size_t n);
/* Whether every byte was read and nothing went past the end. */
bool	bin_done(const struct bin_rd *r);

#endif
