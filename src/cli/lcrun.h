/*
 * lcrun — the lines of one logcheck run (check --logcheck, logward
 * logcheck): kept in memory as they are read, in logcheck's source
 * order, then sorted as logcheck sorts them and stripped of trailing
 * white space for the report (report/lcreport.c).
 */
#ifndef LOGWARD_LCRUN_H
#define LOGWARD_LCRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LCRUN_MAX_LINE	(1024 * 1024)	/* longer lines are cut (counted) */

struct lcrun {
	char		**chunks;	/* owned blocks holding the lines */
	size_t		 nchunks;
	size_t		 used, size;	/* of the last block */
	const char	**lines;	/* owned array, pointing into the blocks */
	size_t		*lens;		/* owned */
	size_t		 n, cap;
	uint64_t	 cut;		/* lines cut at LCRUN_MAX_LINE */
};

void	lcrun_init(struct lcrun *r);
void	lcrun_free(struct lcrun *r);

/* An in_file_line_fn: keeps a copy of the line (arg is the lcrun). */
void	lcrun_line(void *arg, const char *line, size_t len, size_t cut_from);

/* Sorts the lines as logcheck does (sort -k 1,3 -s, or sort -u with
 * uniq) and strips trailing white space; returns the count.  r->lines
 * and r->lens then hold the report's input. */
size_t	lcrun_finish(struct lcrun *r, bool uniq);

/* Orders the n paths (borrowed) as logcheck orders its sources: by base
 * name, stable (logcheck copies each to logoutput/BASENAME and sorts
 * that directory's files together). */
void	lcrun_order(const char **paths, size_t n);

#endif
