/*
 * lcstore — the lines of one logcheck run on their way to its report:
 * classified in blocks as they are read (classify/lcclass.c), only those
 * the report can show are kept (their text in a lib/spill store, which
 * goes to a temporary file past a limit; per line a small entry with
 * the start of its sort key), then ordered as logcheck's
 * "sort -k 1,3 -s" (or "sort -u") orders them, by a merge of the sorted
 * runs the input already has, and written by report/lcreport.c.
 * Memory: about 36 bytes per reported line (44 while sorting) plus the
 * spill's limit and two blocks, whatever the lines' length.
 */
#ifndef LOGWARD_LCSTORE_H
#define LOGWARD_LCSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/lcdb.h"
#include "lib/lpipe.h"
#include "lib/spill.h"
#include "report/lcreport.h"

#define LCSTORE_KEY	16	/* sort key bytes kept in an entry */

/* A kept line (packed in 4-byte words: 36 bytes). */
struct lcstore_ent {
	uint32_t	 off_lo, off_hi;	/* the raw line in the spill */
	uint32_t	 len;		/* raw length */
	uint32_t	 rlen;		/* without trailing white space */
	uint32_t	 klen;		/* sort key length (uniq: len) */
	uint32_t	 cls;		/* 0: a system event; else a pattern */
	char		 key[LCSTORE_KEY];	/* the key's first bytes */
};

/* A block of lines: copies of the raw lines, then their classification. */
struct lcblock {
	char		*blk;		/* owned */
	size_t		 blkused, blkcap;
	size_t		*boff, *blen, *brlen;	/* owned, per block line */
	const char	**bptr;		/* owned */
	size_t		 bn;
	uint8_t		*alerts, *events, *mark, *kind;	/* owned */
	bool		 attack;	/* an alert fired in the block */
};

struct lcstore {
	struct lcdb	*db;		/* borrowed */
	bool		 uniq;		/* sort -u */
	struct lcblock	 b;		/* one thread: the block being read */
	size_t		 bmax;		/* lines a block */
	/* two threads (lib/lpipe): a worker classifies the blocks with its
	 * own copy of the classifier while this thread reads and keeps
	 * them in input order, classifying one itself only when the worker
	 * is behind */
	int		 threads;	/* 1 or 2 (running) */
	struct lpipe	*lp;		/* owned; NULL with one thread */
	struct lcdb	 wdb;		/* the worker's lcdb_fork */
	/* what is kept */
	struct spill	 sp;
	struct lcstore_ent *ent;	/* owned */
	size_t		 n, cap;
	uint8_t		*pat;		/* owned: patterns 1.., stride bytes:
					   alerts[nc], events[nv], cracking */
	size_t		 npat, patcap, stride;
	uint32_t	*order;		/* owned: report order (lcstore_finish) */
	size_t		 norder;
	bool		 attack;	/* an alert fired in the run */
	bool		 failed;	/* the spill failed */
	uint64_t	 lines;		/* lines given */
};

/* Starts an empty run over db (borrowed, loaded) keeping up to
 * mem_limit bytes of reported text in memory; threads 2 classifies in
 * two threads (the report is the same), falling back to one with a
 * warning when the second cannot be set up. */
void	lcstore_init(struct lcstore *st, struct lcdb *db, bool uniq,
	    size_t mem_limit, int threads);

/* Stops the worker thread and frees everything. */
void	lcstore_free(struct lcstore *st);

/* Takes one raw line (copied; not yet stripped).  Returns 0, or -1 once
 * the temporary file failed (warned; the report would be incomplete). */
int	lcstore_add(struct lcstore *st, const char *line, size_t len);

/* Classifies what is left, then puts the kept lines in logcheck's order
 * (duplicates dropped with uniq).  Returns 0 or -1 (warned). */
int	lcstore_finish(struct lcstore *st);

/* Writes the report of the run (lcreport_emit).  After lcstore_finish. */
enum lc_section_kind lcstore_write(struct lcstore *st, FILE *fp,
	    const struct lcreport_opts *ro,
	    void (*preface)(enum lc_section_kind, void *), void *arg);

/* true when lines could not be kept or read back (warned): the report
 * is incomplete or missing. */
bool	lcstore_failed(const struct lcstore *st);

/* Orders n entry indexes of ent as "sort -k 1,3 -s" (uniq: whole lines)
 * would order their lines, stably, merging the sorted runs already in
 * v; tmp holds n scratch words.  The texts are read from sp. */
void	lcstore_sort(const struct lcstore_ent *ent, struct spill *sp,
	    uint32_t *v, uint32_t *tmp, size_t n);

#endif
