/*
 * skew — clock agreement per host: for each line that arrived over the
 * network or from the journal, the difference between the host's own
 * time stamp and the time it arrived (positive: the host's clock is
 * ahead), kept as a histogram per host so that the median and the worst
 * difference over a period cost little memory: exact to the second
 * within ±4095 s, beyond that to about 1 % (64 steps per doubling).
 *
 * Hosts are capped (max_hosts); lines of hosts past the cap are counted.
 */
#ifndef LOGWARD_SKEW_H
#define LOGWARD_SKEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/map.h"

struct skew_bucket {
	int32_t		 b;		/* bucket number (see skew.c) */
	uint32_t	 n;		/* lines in it (saturating) */
};

struct skew_host {
	char		*host;		/* owned */
	uint64_t	 lines;
	int64_t		 worst;		/* largest difference by size, signed */
	uint64_t	 nozone;	/* lines whose stamp had no zone */
	struct skew_bucket *hist;	/* owned, sorted by b */
	size_t		 nhist;
};

struct skew {
	struct map	 hosts;		/* host → struct skew_host * (owned) */
	size_t		 max_hosts;
	uint64_t	 over_lines;	/* lines of hosts past max_hosts */
};

void	skew_init(struct skew *s, size_t max_hosts);
void	skew_free(struct skew *s);
void	skew_clear(struct skew *s);

/* One line of host: its stamp minus its arrival, in seconds; nozone:
 * the stamp carried no zone (it was read in the configured one). */
void	skew_add(struct skew *s, const char *host, size_t hostlen, int64_t diff,
	    bool nozone);

/* The median difference of h (the middle line's bucket). */
int64_t	skew_median(const struct skew_host *h);

/* The hosts sorted by name (owned array of borrowed pointers; *n set). */
const struct skew_host **skew_sorted(const struct skew *s, size_t *n);

/* Appends s in a versioned binary form to out. */
void	skew_save(const struct skew *s, struct buf *out);
/* Adds what skew_save wrote to s; returns 0, or -1 when data is not
 * that (s unchanged). */
int	skew_load(struct skew *s, const char *data, size_t len);

#endif
