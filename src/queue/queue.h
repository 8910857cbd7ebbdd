/*
 * queue — the aggregation store of one queue: (host, masked message) →
 * count, first and last time seen, one example line.
 *
 * The number of distinct entries is capped; a line whose entry would pass
 * the cap is counted in the queue's overflow counters (per queue and per
 * host) instead, so nothing is lost silently.
 */
#ifndef LOGWARD_QUEUE_H
#define LOGWARD_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/map.h"

#define QUEUE_EXAMPLE_MAX	1024	/* bytes kept of an entry's example line */

/* One allocation holds the entry and, right after it, its strings: the
 * host, the masked message and the head of the example line, each
 * followed by a NUL (queue_entry_host, queue_entry_msg, queue_example).
 * Only the low half of the key's hash is kept: it places the entry in
 * an index of up to 2^32 slots, and the index's fingerprints come from
 * it. */
struct entry {
	uint64_t	 count;		/* lines counted under this key */
	time_t		 first;		/* first seen (line time, else read time) */
	time_t		 last;		/* last seen */
	uint64_t	 tag;		/* the filer's note (automask: template id
					   and key prefix length), 0 = none */
	uint32_t	 hostlen;
	uint32_t	 msglen;
	uint32_t	 hash;		/* the key's hash, low 32 bits */
	uint16_t	 exlen;		/* length of the example line */
	uint16_t	 exheadlen;	/* bytes stored of its head; the rest is the
					   end of msg (an unmasked line's text) */
};

/* The entry's host: hostlen bytes and a NUL. */
static inline const char *
queue_entry_host(const struct entry *e)
{
	return (const char *)(e + 1);
}

/* The entry's masked message: msglen bytes and a NUL. */
static inline const char *
queue_entry_msg(const struct entry *e)
{
	return (const char *)(e + 1) + e->hostlen + 1;
}

struct queue {
	struct entry	**slots;	/* owned open-addressing index of entries */
	uint8_t		*fp;		/* owned, one byte per slot: 0 = empty, else
					   seven bits of the key's hash (a probe
					   seldom reads an entry that is not its
					   key's) */
	size_t		 nslots;	/* power of two (0 before the first entry) */
	struct entry	**entries;	/* owned array of owned entries, insertion order */
	size_t		 nentries;
	size_t		 cap;		/* allocated slots of entries */
	size_t		 max_entries;	/* cap on nentries */
	uint64_t	 lines;		/* lines counted since the last clear */
	uint64_t	 over_nhosts;	/* hosts with lines refused by the cap */
	uint64_t	 over_lines;	/* lines refused by the cap */
	struct map	 over_hosts;	/* host → (uint64_t *) lines refused, owned values */
	uint64_t	 over_unhosted;	/* of those, lines whose host could not be
					   recorded either (memory cap) */
	bool		 over_mem;	/* the memory cap refused some (else max_entries) */
	bool		 examples;	/* keep each new entry's example line */
	uint64_t	 bytes;		/* memory held by this queue (estimate) */
	uint64_t	*mem;		/* shared total of all queues, or NULL */
	uint64_t	 mem_max;	/* cap on *mem, 0 = none */
};

enum queue_op {
	QUEUE_INCR,			/* count += n */
	QUEUE_SET,			/* count = n (tenshi escalation) */
};

void	queue_init(struct queue *q, size_t max_entries);
/* Makes q count its memory in *total and refuse new keys past max bytes
 * (0 = no cap); refused lines go to the overflow counters as with
 * max_entries. */
void	queue_set_memory(struct queue *q, uint64_t *total, uint64_t max);
/* Whether new entries keep their example line (the default).  Only a
 * checkpoint reads it: a run that saves none can do without (its
 * entries' examples are then empty). */
void	queue_set_examples(struct queue *q, bool keep);
void	queue_free(struct queue *q);
/* Empties the queue (after its report was handed on). */
void	queue_clear(struct queue *q);

/* Counts a line under (host, msg).  op/n say how; t is the line's time;
 * raw/rawlen the original line, kept as the example of a new entry.
 * Returns the entry, or NULL when the cap refused a new key (the line is
 * then counted in the overflow counters).  Allocates only for a new key. */
struct entry *queue_add(struct queue *q, const char *host, size_t hostlen,
	    const char *msg, size_t msglen, enum queue_op op, uint64_t n,
	    time_t t, const char *raw, size_t rawlen);
/* The same when the caller has the host's map_hash already (hh): the
 * classifier computes it once a line. */
struct entry *queue_add_hashed(struct queue *q, const char *host,
	    size_t hostlen, uint64_t hh, const char *msg, size_t msglen,
	    enum queue_op op, uint64_t n, time_t t, const char *raw,
	    size_t rawlen);

/* Finds the entry for (host, msg), or NULL. */
struct entry *queue_find(struct queue *q, const char *host, size_t hostlen,
	    const char *msg, size_t msglen);

/* Removes the entries pred accepts (threshold filtering). */
void	queue_remove_if(struct queue *q, bool (*pred)(const struct entry *, void *),
	    void *arg);

/* Writes the entry's example line (its first raw line, cut to
 * QUEUE_EXAMPLE_MAX; empty if the queue keeps no examples) and a NUL to
 * dst, which has room for e->exlen + 1 bytes; returns dst. */
char	*queue_example(const struct entry *e, char *dst);

/* Lines refused by the cap for host (0 if none). */
uint64_t queue_over_host(const struct queue *q, const char *host, size_t hostlen);

/* Restores lines refused by the cap for host (checkpoint). */
void	queue_restore_over(struct queue *q, const char *host, size_t hostlen,
	    uint64_t n);

/* Files every entry again under the key fn appends to out (out left
 * empty: the entry keeps its key).  Entries that end up with the same
 * host and key merge: counts add up, first and last widen, the example
 * and tag of the one filed first stay.  The caps do not apply (nothing
 * is refused; merging only shrinks the queue). */
void	queue_rekey(struct queue *q,
	    void (*fn)(const struct entry *en, struct buf *out, void *arg),
	    void *arg);

#endif
