/*
 * lpipe — a line pipeline on two CPUs for one-shot runs.  The caller's
 * lines are copied into blocks; a block's lines are "walked" (the work
 * that depends on each line alone) by a second thread, or by the
 * caller's thread when it would otherwise wait, and then "applied" (the
 * work that depends on the lines before) by the caller's thread, block
 * after block in input order.  The user keeps what a walk found in the
 * block's res, its own per-block storage, until the apply.
 */
#ifndef LOGWARD_LPIPE_H
#define LOGWARD_LPIPE_H

#include <stddef.h>

#define LPIPE_BLOCKS	8		/* blocks in the ring */
#define LPIPE_LINES	512		/* lines per block */
#define LPIPE_BYTES	(128 * 1024)	/* ... or bytes, whichever first */

struct lpipe_line {
	size_t		 off, len;	/* in the block's bytes */
	size_t		 cut_from;	/* as given */
};

struct lpipe_block {
	const char	*bytes;		/* the lines, back to back */
	const struct lpipe_line *lines;
	size_t		 n;
	void		*res;		/* the user's: NULL at first, kept
					   with the block, freed by res_free */
};

/* Walks every line of b; lane is 0 on the caller's thread, 1 on the
 * second one (give each its own scratch).  Runs on either thread. */
typedef void lpipe_walk_fn(void *arg, int lane, struct lpipe_block *b);
/* Applies b's walked lines; on the caller's thread, blocks in order. */
typedef void lpipe_apply_fn(void *arg, struct lpipe_block *b);
typedef void lpipe_free_fn(void *res);

struct lpipe;

/* NULL when no second thread can be started (then the caller does the
 * work line by line itself). */
struct lpipe *lpipe_new(lpipe_walk_fn *walk, lpipe_apply_fn *apply,
	    lpipe_free_fn *res_free, void *arg);
/* Takes one line (copied). */
void	lpipe_line(struct lpipe *p, const char *line, size_t len,
	    size_t cut_from);
/* Returns once every line given so far is applied. */
void	lpipe_flush(struct lpipe *p);
/* Flushes, stops the thread, frees every block's res and p (NULL is
 * fine). */
void	lpipe_free(struct lpipe *p);

#endif
