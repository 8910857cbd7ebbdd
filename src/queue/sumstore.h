/*
 * sumstore — the counts of a summary: per service, per fact, per key
 * (the values of the fact's levels) a count and a byte sum; per service
 * its unmatched lines (text → count), its ignored lines and its lines per
 * hour of the day.
 *
 * Bounded: a fact keeps at most max_keys distinct keys, a service at
 * most max_unmatched distinct unmatched texts, and the whole store at
 * most max_mem bytes (its share of set max_memory; 0 = no such cap).  A
 * line whose new key would pass a cap is "folded": counted in the fact's total and in its
 * folded counters, with the number of distinct folded keys estimated
 * (HyperLogLog, about 3 % error), so no count disappears and the report
 * says what the cap held back.  Totals at every level are sums of the
 * rows, computed when rendering.
 *
 * A key is the values of the levels, each stored as a length (1 to 3
 * bytes, 7 bits each) and the bytes; sumstore_key_next walks it.  A
 * value is cut at SUMSTORE_VALUE_MAX bytes.
 */
#ifndef LOGWARD_SUMSTORE_H
#define LOGWARD_SUMSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/map.h"

#define SUMSTORE_VALUE_MAX	512	/* bytes kept of one level's value */
#define SUMSTORE_TEXT_MAX	1024	/* bytes kept of an unmatched line */

struct sumstore_row {
	uint64_t	 count;		/* lines */
	uint64_t	 bytes;		/* sum of the fact's bytes capture */
};

struct sumstore_fact {
	struct map	 rows;		/* key → struct sumstore_row * (owned) */
	uint64_t	 total;		/* lines counted, folded ones included */
	uint64_t	 bytes;		/* bytes summed, folded ones included */
	uint64_t	 folded;	/* lines whose key was not kept (cap) */
	uint64_t	 folded_bytes;
	uint8_t		*hll;		/* owned estimator of folded keys, or NULL */
};

struct sumstore_svc {
	uint64_t	 lines;		/* lines of the service */
	uint64_t	 ignored;	/* taken by an ignore rule */
	uint64_t	 unmatched;	/* taken by no rule */
	struct map	 unm;		/* text → uint64_t * count (owned) */
	uint64_t	 unm_folded;	/* unmatched lines whose text was not kept */
	uint8_t		*unm_hll;	/* owned estimator of those texts, or NULL */
	uint64_t	 hours[24];	/* lines per hour of the day (local time) */
	struct sumstore_fact *facts;	/* owned array */
	size_t		 nfacts;
};

struct sumstore {
	struct sumstore_svc *svcs;	/* owned array */
	size_t		 nsvcs;
	size_t		 max_keys;	/* per fact */
	size_t		 max_unmatched;	/* per service */
	time_t		 first, last;	/* times of the lines counted, 0 = none */
	uint64_t	 lines;		/* lines counted in some service */
	uint64_t	 mem;		/* bytes held (estimate) */
	uint64_t	 max_mem;	/* cap on mem, 0 = none (sumstore_set_memory) */
	time_t		 hour_start;	/* cache: start of the hour of ... */
	int		 hour;		/* ... this hour of the day */
};

/* Sets up s for nsvcs services, service i with nfacts[i] facts. */
void	sumstore_init(struct sumstore *s, size_t nsvcs, const size_t *nfacts,
	    size_t max_keys, size_t max_unmatched);
void	sumstore_free(struct sumstore *s);
/* Caps what s holds at about bytes (0 = no cap): new keys and unmatched
 * texts past it are folded like those past max_keys/max_unmatched. */
void	sumstore_set_memory(struct sumstore *s, uint64_t bytes);
/* Whether fact sf (of s) folded keys because of the memory cap and not
 * because of max_keys: what the report says held them back. */
bool	sumstore_fact_by_memory(const struct sumstore *s,
	    const struct sumstore_fact *sf);
/* The same for the unmatched texts of service v (of s). */
bool	sumstore_unm_by_memory(const struct sumstore *s,
	    const struct sumstore_svc *v);
/* Empties every count (after a report was handed on). */
void	sumstore_clear(struct sumstore *s);
/* true when nothing was counted since the last clear. */
bool	sumstore_empty(const struct sumstore *s);

/* One line (weight n) of service svc at time t (0 = unknown): lines and
 * the hour of the day. */
void	sumstore_line(struct sumstore *s, size_t svc, time_t t, uint64_t n);
/* n lines in fact f of svc under key[0..klen) (see above), adding bytes. */
void	sumstore_count(struct sumstore *s, size_t svc, size_t f,
	    const char *key, size_t klen, uint64_t n, uint64_t bytes);
/* n lines of svc taken by an ignore rule. */
void	sumstore_ignored(struct sumstore *s, size_t svc, uint64_t n);
/* n lines of svc taken by no rule, with this text (cut at
 * SUMSTORE_TEXT_MAX). */
void	sumstore_unmatched(struct sumstore *s, size_t svc, const char *text,
	    size_t len, uint64_t n);

/* Appends one level's value to a key being built in b (cut at
 * SUMSTORE_VALUE_MAX). */
void	sumstore_key_add(struct buf *b, const char *v, size_t n);
/* Walks a key: sets *v, *n to the value at *pos and advances *pos;
 * returns false at the end. */
bool	sumstore_key_next(const char *key, size_t klen, size_t *pos,
	    const char **v, size_t *n);

/* The estimated number of distinct keys in a fact's (or a service's
 * unmatched) folded estimator; 0 for NULL. */
uint64_t sumstore_estimate(const uint8_t *hll);

/* Appends s to out in a versioned binary form.  ids name the services
 * (svc_ids[i]) and their facts (fact_ids[i][j]) so that a store of a
 * changed configuration can be restored by name. */
void	sumstore_save(const struct sumstore *s, struct buf *out,
	    const char *const *svc_ids, const char *const *const *fact_ids);

/* Adds the counts saved in data[0..len) to s (set up for the current
 * configuration), by service and fact id; what names nothing any more is
 * counted in *dropped (lines).  Returns 0, or -1 when the data is not a
 * store this version reads (s is then unchanged). */
int	sumstore_load(struct sumstore *s, const char *data, size_t len,
	    const char *const *svc_ids, const size_t *nfacts,
	    const char *const *const *fact_ids, uint64_t *dropped);

#endif
