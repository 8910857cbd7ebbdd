/*
 * sumview — what the summary renderers (sumtext, sumjson, sumhtml) share:
 * the report's inputs (struct sumreport), a fact's rows as a sorted tree
 * with totals at every level, the unmatched lines in order, the disk
 * thresholds of a mount and safe text (invalid UTF-8 and control bytes
 * as \xHH).
 *
 * Orders are deterministic: a level by count (largest first, ties by
 * key bytes), key bytes, IP address (numerically, non-addresses after by
 * bytes) or leading number, as the fact says; unmatched lines by count
 * then bytes; services in definition order.
 */
#ifndef LOGWARD_SUMVIEW_H
#define LOGWARD_SUMVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "classify/sumclass.h"
#include "conf/conf_summary.h"
#include "input/disk.h"
#include "lib/buf.h"
#include "queue/skew.h"
#include "queue/sumstore.h"

/* Everything a summary report shows; all borrowed. */
struct sumreport {
	const struct sum_conf *sc;
	const struct sumstore *store;
	const bool	*want;		/* services shown, NULL = all */
	unsigned	 detail;	/* 0..10 */
	const char	*host;		/* "Logfiles for Host" */
	const char	*range;		/* "all", "yesterday", "today", or the range as given */
	time_t		 since, until;	/* range bounds, 0 = open */
	time_t		 now;		/* when the report was made */
	const struct disk_table *disk;	/* NULL: no Disk Space section */
	const struct skew *skew;	/* NULL: no Clock section */
	const struct sumclass_stats *stats; /* may be NULL */
	uint64_t	 undated;	/* lines left out: no time stamp in a dated range */
	uint64_t	 outside;	/* lines left out: outside the range */
};

struct sumview_node {
	const char	*v;		/* this level's value (borrowed from the store) */
	size_t		 n;
	uint64_t	 count;		/* lines below this node */
	uint64_t	 bytes;
	struct sumview_node *kids;	/* owned array, sorted */
	size_t		 nkids;
};

/* The rows of fact f (counts sf) as a tree: the root's kids are the
 * first level.  Returns an owned root (sumview_free). */
struct sumview_node *sumview_tree(const struct sum_fact *f,
	    const struct sumstore_fact *sf);
void	sumview_free(struct sumview_node *root);

/* Calls fn for every row of the tree (leaves, in tree order) with the
 * values of its levels (borrowed, nlevels of them). */
void	sumview_rows(const struct sumview_node *root, size_t nlevels,
	    void (*fn)(const char *const *v, const size_t *n,
	    const struct sumview_node *leaf, void *arg), void *arg);

struct sumview_text {
	const char	*text;		/* borrowed from the store */
	size_t		 len;
	uint64_t	 count;
};

/* A service's unmatched lines sorted by count, then bytes.  Returns an
 * owned array (*n set). */
struct sumview_text *sumview_unmatched(const struct sumstore_svc *v, size_t *n);

/* What the text and HTML views show of a service's unmatched lines t[0..n)
 * (sumview_unmatched): the first 'shown', then a trailer when 'trailer'
 * says "... and [about] 'more' more ('lines')", where more counts the
 * texts not shown plus the estimate of those past the cap ('about'). */
struct sumview_rest {
	size_t		 shown;
	bool		 trailer;
	bool		 about;
	uint64_t	 more;
	uint64_t	 lines;
};
void	sumview_unmatched_rest(const struct sumreport *r,
	    const struct sum_service *sv, const struct sumstore_svc *v,
	    const struct sumview_text *t, size_t n, struct sumview_rest *rest);

/* Whether service i is shown and has something to show at detail. */
bool	sumview_shown(const struct sumreport *r, size_t i);

/* The thresholds that apply to mount (per mount, else global). */
void	sumview_thresholds(const struct sum_conf *sc, const char *mount,
	    unsigned *warn, unsigned *crit);

/* Length of the valid UTF-8 sequence at p[0..n) (1..4), 0 when invalid. */
size_t	sumview_utf8(const unsigned char *p, size_t n);

/* Appends p[0..n) to out as text: valid UTF-8 and TAB as they are,
 * control bytes, DEL and invalid bytes as \xHH. */
void	sumview_escape(struct buf *out, const char *p, size_t n);

/* Appends a count with thousands separators ("1,234"). */
void	sumview_num(struct buf *out, uint64_t v);

/* Formats a byte count in 1024 powers ("12.3 MiB") into dst. */
void	sumview_bytes(char *dst, size_t size, uint64_t v);

#endif
