/*
 * lcconf — logcheck's own configuration, read without running it: the
 * variable assignments of logcheck.conf (a bash file logcheck sources)
 * and the lists of files to check (logcheck.logfiles and
 * logcheck.logfiles.d/ *.logfiles).
 *
 * logcheck.conf is parsed as the shell would read its assignments and
 * nothing else is executed: NAME=WORD lines (also several on a line, or
 * after "export"/"readonly"), WORD made of unquoted text with backslash
 * escapes, '...' and "..." (which may span lines), and $NAME / ${NAME}
 * taken from earlier assignments or the environment.  A command
 * substitution is never run: the one logcheck's own file suggests,
 * DATE="$(date +'FORMAT')" (or with backquotes), is understood as a
 * strftime format (date(1)'s conversions); any other makes the variable
 * keep its default, with a warning naming the file and line.  Any line
 * that is not an assignment (if, a function, a command) is ignored with
 * a warning.
 */
#ifndef LOGWARD_LCCONF_H
#define LOGWARD_LCCONF_H

#include <stdbool.h>
#include <stddef.h>

struct lcconf_var {
	char		*name;		/* owned */
	char		*value;		/* owned; for a date format, the format */
	bool		 date_fmt;	/* value is DATE's $(date +FORMAT) format */
	int		 line;		/* where it was assigned */
};

struct lcconf {
	char		*path;		/* owned: the file read */
	struct lcconf_var *vars;	/* owned, in assignment order */
	size_t		 nvars;
	char		**warnings;	/* owned "FILE:LINE: warning: ..." */
	size_t		 nwarnings;
};

/* Reads path into lc (initialised here).  Returns 0, or -1 when the file
 * cannot be read (errno set; lc is then empty but valid). */
int	lcconf_load(struct lcconf *lc, const char *path);

/* Parses text[0..len) as the contents of a file called name (borrowed,
 * for the warnings) into lc (initialised here). */
void	lcconf_parse(struct lcconf *lc, const char *name, const char *text,
	    size_t len);

/* The last assignment of name (borrowed), or NULL. */
const struct lcconf_var *lcconf_get(const struct lcconf *lc,
	    const char *name);

/* A numeric setting as bash's [ "$X" -eq 1 ] reads it: *out gets the
 * value of name when it is set to an integer; returns false (with a
 * warning added when it is set to something else) when not. */
bool	lcconf_int(struct lcconf *lc, const char *name, long *out);

void	lcconf_free(struct lcconf *lc);

/* Appends the files a logfiles list names (lines that are blank or start
 * with '#' skipped; every other line is a path or the word "journal",
 * taken as it is) to *v (owned strings, *n counted).  Returns 0, or -1
 * when path cannot be read (errno set). */
int	lcconf_logfiles(const char *path, char ***v, size_t *n);

#endif
