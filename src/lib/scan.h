/*
 * scan — many patterns, one pass: a Hyperscan (or Vectorscan) block-mode
 * database over a set of patterns, scanned once per line, giving the set
 * of patterns that match somewhere in it.
 *
 * Each pattern gets a mode when the database is built:
 *   SCAN_EXACT      Hyperscan takes it as is: a hit is a match, no hit is
 *                   no match;
 *   SCAN_PREFILTER  Hyperscan only takes an approximation (HS_FLAG_PREFILTER,
 *                   e.g. backreferences, look-around): a hit must be
 *                   confirmed with PCRE2, no hit is no match;
 *   SCAN_ALWAYS     Hyperscan refuses it: PCRE2 decides every time.
 * Compiled databases can be cached on disk, keyed by a hash of the
 * patterns, their flags and the library version; a stale or corrupt cache
 * file is ignored and rebuilt.
 */
#ifndef LOGWARD_SCAN_H
#define LOGWARD_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum scan_mode {
	SCAN_EXACT,
	SCAN_PREFILTER,
	SCAN_ALWAYS,
	SCAN_ABSENT,		/* not part of this database (SCAN_SKIP) */
};

/* In flags[i]: pattern i belongs to another database; never reported. */
#define SCAN_SKIP	0x80000000u
/* In flags[i]: report every match, not only the first (no
 * HS_FLAG_SINGLEMATCH), for scan_block. */
#define SCAN_MANY	0x40000000u

/* A match of scan_block: pattern id in line (its index in the block). */
struct scan_pair {
	uint32_t	 line;
	uint32_t	 id;
};

struct scan {
	void		*db;		/* hs_database_t, owned; NULL if no pattern fits */
	void		*scratch;	/* hs_scratch_t, owned */
	size_t		 npat;		/* patterns, ids 0..npat-1 */
	uint8_t		*mode;		/* owned: enum scan_mode per pattern */
	uint8_t		*hit;		/* owned: per pattern, set by the last scan */
	uint32_t	*touched;	/* owned: ids hit by the last scan */
	size_t		 ntouched;
	struct scan_pair *pairs;	/* owned: the last scan_block's matches,
					   by line */
	size_t		 npairs, pcap;
};

/* Builds s over pats[0..n) (NUL-terminated Hyperscan/PCRE syntax; NULL
 * = leave this one to PCRE2, SCAN_ALWAYS) with
 * Hyperscan flags flags[i] (HS_FLAG_*; SINGLEMATCH, unless SCAN_MANY,
 * and ALLOWEMPTY are added).  cachedir may be NULL (no cache).  Returns 0, or -1 with a
 * message in err when Hyperscan fails as a whole (the caller falls back
 * to PCRE2 then). */
int	scan_build(struct scan *s, const char *const *pats, const unsigned *flags,
	    size_t n, const char *cachedir, char *err, size_t errlen);
void	scan_free(struct scan *s);

/* Makes w a second scanner over s's database for another thread: w
 * shares s's database and modes (borrowed: s must outlive w) and has its
 * own scratch and hit lists.  Returns 0, or -1 when Hyperscan cannot
 * clone the scratch.  scan_fork_free frees what w owns. */
int	scan_fork(const struct scan *s, struct scan *w);
void	scan_fork_free(struct scan *w);

/* Scans p[0..len): afterwards s->hit[id] is 1 for every pattern
 * Hyperscan reported.  Returns 0, or -1 on a Hyperscan error (then every
 * pattern must be taken as SCAN_ALWAYS for this line). */
int	scan_line(struct scan *s, const char *p, size_t len);

/* Sets s's hits to ids[0..n) (distinct ids of its patterns), as if a
 * scan had reported them (e.g. remembered from an earlier scan). */
void	scan_set(struct scan *s, const uint32_t *ids, size_t n);

/*
 * Scans n lines at once: buf[0..len) holds them, each followed by '\n'
 * but the last, ends[i] the offset where line i ends (its '\n', or len).
 * For patterns built with SCAN_MANY and HS_FLAG_MULTILINE that can take
 * neither '\n' nor the empty string, every match lies in one line: its
 * (line, id) pairs are left in s->pairs[0..s->npairs), sorted by line (a
 * pattern may appear more than once in a line).  One Hyperscan call for
 * the block, not one per line.  Returns 0, or -1 when Hyperscan failed.
 */
int	scan_block(struct scan *s, const char *buf, size_t len,
	    const uint32_t *ends, size_t n);

/* The default cache directory: $LOGWARD_CACHE_DIR, else
 * $XDG_CACHE_HOME/logward, else $HOME/.cache/logward; NULL if none. */
const char *scan_default_cachedir(void);

#endif
