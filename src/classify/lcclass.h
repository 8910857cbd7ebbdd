/*
 * lcclass — the classification of lines by a logcheck rule tree
 * (conf/lcdb.h), as logcheck 1.4.2's greplogoutput decides it: per line
 * for the engine and explain, per run for the logcheck report.
 */
#ifndef LOGWARD_LCCLASS_H
#define LOGWARD_LCCLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/lcdb.h"

enum lc_section_kind {
	LC_NONE,		/* ignored, or a cancelled violation */
	LC_ALERT,
	LC_EVENT,
	LC_SYSTEM,
};

/* true when the line matches some rule of f (grep -E -f f semantics). */
bool	lcclass_file_match(struct lcdb *db, const struct lc_file *f,
	    const char *s, size_t len);

/* Which rules of f match (for explain): calls fn for each.  Each rule's
 * PCRE2 form is compiled once, on first use. */
void	lcclass_file_rules(struct lcdb *db, struct lc_file *f, const char *s,
	    size_t len, void (*fn)(const struct lc_rule *, void *), void *arg);

/* Classifies s[0..len) (already stripped of trailing whitespace). */
void	lcclass_line(struct lcdb *db, const char *s, size_t len,
	    struct lc_line *l);

/* Where the line ends up, given whether any alert fired in the run
 * (logcheck's ATTACK): a line with an alert is an alert; otherwise a
 * violation is an event unless an alert fired in the run and the line
 * matches a cracking file; otherwise it is a system event unless it is
 * ignored or matches any cracking or violations file. */
enum lc_section_kind lcclass_section(const struct lc_line *l, bool attack);

/* Classifies the n lines of a run (each stripped of trailing whitespace)
 * into arrays the caller allocated zeroed: alerts[i * ncracking + f] and
 * events[i * nviolations + f] when line i is reported for cracking file
 * f or violations file f (events before the run-wide "an alert fired"
 * effect), mark[i] when it matches some cracking file, kind[i] LC_SYSTEM
 * when it can only be a system event, else LC_NONE.  Returns whether an
 * alert fired in the run (logcheck's ATTACK). */
bool	lcclass_lines(struct lcdb *db, const char *const *lines,
	    const size_t *lens, size_t n, uint8_t *alerts, uint8_t *events,
	    uint8_t *mark, uint8_t *kind);

/* The most memory a classifier (an lcdb, or each lcdb_fork of it) takes
 * as it classifies, beyond what lcdb_scan_build left: its memo of shapes
 * and its block of lines (set max_memory keeps it out of the queues'
 * share). */
size_t	lcclass_memory(void);

/* Removes trailing [[:space:]] bytes; returns the new length. */
size_t	lcclass_rstrip(const char *s, size_t len);

#endif
