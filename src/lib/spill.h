/*
 * spill — an append-only store of byte strings that stays in memory up
 * to a limit and then goes on in an unlinked temporary file (in $TMPDIR,
 * else /tmp), read back through a few windows (pread, least recently
 * used first out, read sizes that adapt to how far reads jump), so the
 * process's resident memory stays bounded whatever the amount stored.  Used for the lines a logcheck report
 * shows (report/lcstore.c).
 */
#ifndef LOGWARD_SPILL_H
#define LOGWARD_SPILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPILL_WINDOWS	8

struct spill {
	char		*mem;		/* owned: the bytes before the file */
	size_t		 memlen, memcap, limit;
	int		 fd;		/* the temporary file, or -1 */
	uint64_t	 filelen;	/* bytes in the file, buffered included */
	char		*wbuf;		/* owned write buffer */
	size_t		 wlen;
	struct spill_win {
		char		*p;	/* owned */
		size_t		 cap, len;
		uint64_t	 start;	/* file offset of p[0] */
		uint64_t	 used;	/* last use (clock) */
		size_t		 served;	/* bytes handed out since filled */
	} win[SPILL_WINDOWS];
	uint64_t	 clock;
	size_t		 rdsize;	/* bytes read on a miss */
	uint64_t	 reads;		/* preads done (statistics) */
	bool		 sealed;
	bool		 failed;	/* a read failed (warned) */
};

/* Starts an empty store that keeps up to limit bytes in memory. */
void	spill_init(struct spill *s, size_t limit);

/* Frees the memory, unmaps and closes the file. */
void	spill_free(struct spill *s);

/* Appends len bytes (copied) and sets *off to where they are.  When the
 * temporary file cannot be created the bytes stay in memory (one
 * warning).  Returns 0, or -1 when writing the file failed (warned:
 * the store is then unusable). */
int	spill_add(struct spill *s, const void *p, size_t len, uint64_t *off);

/* Ends adding: writes what is buffered.  Returns 0, or -1 (warned). */
int	spill_seal(struct spill *s);

/* The len bytes at off (a value spill_add gave, or inside such a
 * string), after spill_seal.  Borrowed: valid until the second
 * spill_get after this one (so two strings can be compared), or
 * spill_free.  NULL when reading the file failed (warned once; s->failed
 * is set). */
const char *spill_get(struct spill *s, uint64_t off, size_t len);

/* Bytes that went to the temporary file (0: none). */
uint64_t spill_file_bytes(const struct spill *s);

#endif
