/*
 * lcreport — the report of a logcheck rule tree (conf/lcdb.h) on a run
 * of lines, byte for byte as "logcheck -o -t" prints it, and the sort
 * that puts the lines in logcheck's order first.
 */
#ifndef LOGWARD_LCREPORT_H
#define LOGWARD_LCREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "classify/lcclass.h"
#include "conf/lcdb.h"

/* What logcheck.conf can change in the report; zeroed = logcheck's
 * defaults but for intro. */
struct lcreport_opts {
	bool		 intro;		/* header.txt and footer.txt (INTRO=1) */
	const char	*alerts;	/* section titles (ATTACKSUBJECT, */
	const char	*events;	/*  SECURITYSUBJECT, EVENTSSUBJECT); */
	const char	*system;	/*  NULL = "Security Alerts", ... */
	const char	*preamble;	/* text before the header (the first look
					   at the journal), or NULL */
	const char	*errors;	/* logcheck's errors block (sources that
					   could not be read), or NULL */
};

/* Writes the logcheck report (as "logcheck -o -t" prints it) of the lines
 * to fp.  The lines must be in logcheck's order already (lcreport_sort),
 * each stripped of trailing whitespace.  ro (borrowed) says what to add.
 * preface (may be NULL) is called with the most severe non-empty layer
 * before anything is written.  Returns that layer; LC_NONE: nothing to
 * report, nothing written. */
enum lc_section_kind lcreport_write(struct lcdb *db, FILE *fp,
	    const char *const *lines, const size_t *lens, size_t n,
	    const struct lcreport_opts *ro,
	    void (*preface)(enum lc_section_kind, void *), void *arg);

/* The classified lines of a run in report order, read through callbacks
 * (report/lcstore.c keeps them out of memory). */
struct lcreport_src {
	size_t		 n;
	bool		 attack;	/* an alert fired in the run */
	/* Line i's classification: NULL for a system event, else
	 * alerts[ncracking], events[nviolations] (before the run-wide "an
	 * alert fired" effect) and one byte "matches a cracking file".
	 * Borrowed. */
	const uint8_t	*(*cls)(void *arg, size_t i);
	/* Line i's text, stripped of trailing white space (borrowed, valid
	 * until the next call). */
	const char	*(*line)(void *arg, size_t i, size_t *len);
	void		*arg;
};

/* lcreport_write for lines classified already: the same report, from
 * src (borrowed). */
enum lc_section_kind lcreport_emit(struct lcdb *db, FILE *fp,
	    const struct lcreport_src *src, const struct lcreport_opts *ro,
	    void (*preface)(enum lc_section_kind, void *), void *arg);

/* The title of a layer for ro (borrowed): its configured title or
 * logcheck's default. */
const char *lcreport_title(const struct lcreport_opts *ro,
	    enum lc_section_kind kind);

/* Sorts lines as "sort -k 1,3 -s" (uniq = false) or "sort -u" (uniq =
 * true, duplicates removed; returns the new count) in the C locale.
 * Lines are not yet stripped.  The pointers are borrowed: lines are
 * reordered, never freed. */
size_t	lcreport_sort(const char **lines, size_t *lens, size_t n, bool uniq);

/* The length of the sort key of s[0..len) as `sort -k 1,3` takes it: up
 * to the end of its third blank-separated field. */
size_t	lcreport_key3(const char *s, size_t len);

#endif
