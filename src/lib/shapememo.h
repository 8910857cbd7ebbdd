/*
 * shapememo — a bounded memo from the shape of a text (the text with
 * every digit written as '0') to the pattern ids a scan of that shape
 * reported.
 *
 * Log lines repeat with other numbers in them: process ids, ports,
 * addresses, sizes.  When no pattern of a database tells one digit from
 * another (ere_translate_ex's bound is 0, or the pattern was widened with
 * ERE_WIDEN), a text matches exactly the patterns its shape matches, so
 * the scan of a shape seen before can be replaced by a look-up.
 *
 * The memo is set-associative (MEMO_SETS sets of MEMO_WAYS texts, the
 * least recently used one replaced), holds texts of at most MEMO_KEY_MAX
 * bytes and at most MEMO_IDS_MAX ids, MEMO_BYTES_MAX bytes of them in all
 * (MEMO_MEMORY with its sets), and stops looking up for a while
 * when few look-ups hit (text whose shapes do not repeat): then a miss
 * would only add work to the scan.  Not thread-safe: one per thread.
 */
#ifndef LOGWARD_SHAPEMEMO_H
#define LOGWARD_SHAPEMEMO_H

#include <stddef.h>
#include <stdint.h>

#define MEMO_SETS	4096
#define MEMO_WAYS	4
#define MEMO_KEY_MAX	256		/* longer texts are not remembered */
#define MEMO_IDS_MAX	64		/* nor are scans that report more */
#define MEMO_WINDOW	4096		/* look-ups between two verdicts */
#define MEMO_PAUSE	8		/* windows without look-ups after a
					   window where fewer than 1 in
					   MEMO_MIN_HIT hit */
#define MEMO_MIN_HIT	5
#define MEMO_BYTES_MAX	(4u << 20)	/* of entries (texts and ids) */

/* The most memory a memo holds: its sets and its entries, each entry
 * counted with a malloc chunk's overhead. */
#define MEMO_MEMORY	((size_t)MEMO_SETS * MEMO_WAYS * 16 + MEMO_BYTES_MAX + \
			    (size_t)MEMO_SETS * MEMO_WAYS * 16)

struct memo_item;

/* A set is MEMO_WAYS ways in one 64-byte cache line, the most recently
 * used first. */
struct memo_way {
	uint64_t	 hash;
	struct memo_item *item;		/* owned; NULL: empty */
};

struct shapememo {
	struct memo_way	*ways;		/* owned: MEMO_SETS * MEMO_WAYS */
	uint64_t	 hash;		/* of the last missed shape */
	size_t		 keylen;	/* of the last missed shape; 0: none */
	char		 key[MEMO_KEY_MAX];
	unsigned	 win_looks, win_hits, pause;
	uint64_t	 hits, misses, skipped;	/* statistics */
	size_t		 bytes;		/* held by the items */
};

enum memo_result {
	MEMO_HIT,	/* *ids, *n: what the shape's scan reported */
	MEMO_MISS,	/* scan the shape (*key, *keylen), then shapememo_put */
	MEMO_SKIP,	/* not remembered: scan the text itself */
};

void	shapememo_init(struct shapememo *m);
void	shapememo_free(struct shapememo *m);

/* Looks up the shape of s[0..len). */
enum memo_result shapememo_get(struct shapememo *m, const char *s, size_t len,
	    const uint32_t **ids, size_t *n, const char **key, size_t *keylen);

/* Remembers ids[0..n) for the shape of the last MEMO_MISS. */
void	shapememo_put(struct shapememo *m, const uint32_t *ids, size_t n);

#endif
