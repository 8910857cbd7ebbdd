/*
 * lcrun — the lines of one logcheck run (check --logcheck, logward
 * logcheck), given in logcheck's source order, classified and kept
 * (out of memory past a limit) by report/lcstore.c, which sorts them as
 * logcheck does and writes the report.
 */
#ifndef LOGWARD_LCRUN_H
#define LOGWARD_LCRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/lcdb.h"
#include "report/lcstore.h"

#define LCRUN_MAX_LINE	(1024 * 1024)	/* longer lines are cut (counted) */
#define LCRUN_MEM	(4 * 1024 * 1024)	/* reported text kept in memory;
					   the rest goes to a temporary file
					   (LOGWARD_TEST_SPILL_BYTES sets it
					   in tests) */

struct lcrun {
	struct lcstore	 st;
	uint64_t	 cut;		/* lines cut at LCRUN_MAX_LINE */
};

/* Starts a run over db (borrowed, loaded; it must outlive the run);
 * uniq: sort -u (logcheck's SORTUNIQ=1); threads: 1, or 2 to classify
 * in two threads (--threads; the same report). */
void	lcrun_init(struct lcrun *r, struct lcdb *db, bool uniq, int threads);
void	lcrun_free(struct lcrun *r);

/* An in_file_line_fn: classifies the line and keeps it if the report
 * can show it (arg is the lcrun). */
void	lcrun_line(void *arg, const char *line, size_t len, size_t cut_from);

/* Ends the reading: puts the kept lines in logcheck's order.  Returns 0,
 * or -1 when the lines could not be kept (warned; no report then). */
int	lcrun_finish(struct lcrun *r);

/* true when the report is incomplete: lines could not be kept or read
 * back (warned); then no position may be saved. */
bool	lcrun_failed(const struct lcrun *r);

/* The lines given to lcrun_line. */
uint64_t lcrun_count(const struct lcrun *r);

/* Writes the report (as lcreport_write) after lcrun_finish; returns its
 * most severe layer, LC_NONE when nothing was written. */
enum lc_section_kind lcrun_write(struct lcrun *r, FILE *fp,
	    const struct lcreport_opts *ro,
	    void (*preface)(enum lc_section_kind, void *), void *arg);

/* Orders the n paths (borrowed) as logcheck orders its sources: by base
 * name, stable (logcheck copies each to logoutput/BASENAME and sorts
 * that directory's files together). */
void	lcrun_order(const char **paths, size_t n);

#endif
