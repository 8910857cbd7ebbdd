/*
 * conf_int — the configuration parser's internals: the parser state, the
 * diagnostics helpers and the shape of a directive table.  Only the files
 * of the parser include it: conf.c (the core) and the directive tables
 * conf_set.c, conf_daemon.c, conf_queues.c and conf_rule.c.
 *
 * Adding a directive: one entry in the table of the file it belongs to,
 * plus its handler (a static function next to the table).  A new file of
 * directives adds its table to set_tables or line_tables in conf.c.
 * Names are unique across all the tables.
 */
#ifndef LOGWARD_CONF_INT_H
#define LOGWARD_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf/conf.h"

#define MAX_INCLUDE_DEPTH	16

struct parser {
	struct conf	*c;
	size_t		*groups;	/* stack of open group rule indexes */
	size_t		 ngroups;
	int		 depth;		/* include depth */
	dev_t		 stack_dev[MAX_INCLUDE_DEPTH]; /* files being read, */
	ino_t		 stack_ino[MAX_INCLUDE_DEPTH]; /* outermost first */
	bool		 trailing_blank; /* the current line ended in blanks */
};

/* "set NAME VALUE...": parse gets the line after NAME. */
struct set_directive {
	const char	*name;		/* the word after "set" */
	void		(*parse)(struct parser *p, const struct set_directive *d,
			    const char *file, int line, char *rest);
	size_t		 off;		/* generic handlers: the field of struct conf */
	unsigned	 max;		/* numeric handlers: the largest value */
};

enum line_when {
	LINE_ALWAYS,		/* whatever follows the word */
	LINE_NO_QUEUE,		/* unless a queue of that name keeps the word
				 * for rules, as in tenshi */
	LINE_ALONE,		/* only alone on its line; with text after it,
				 * the line is a rule */
};

/* A line whose first word is a directive: parse gets the line after it. */
struct line_directive {
	const char	*word;		/* the first word of the line */
	enum line_when	 when;
	void		(*parse)(struct parser *p, const struct line_directive *d,
			    const char *file, int line, char *rest);
};

/* Adds an error or warning about file:line (file borrowed from
 * c->files, may be NULL; line 0 when not about one line) to c->diags;
 * errors are counted in c->nerrors. */
void	conf_diag(struct conf *c, enum diag_level level, const char *file,
	    int line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define ERR(p, f, l, ...)	conf_diag((p)->c, DIAG_ERROR, f, l, __VA_ARGS__)
#define WARN(p, f, l, ...)	conf_diag((p)->c, DIAG_WARNING, f, l, __VA_ARGS__)

/* Warns that the regex on file:line lost the trailing blanks tenshi
 * would have kept. */
void	conf_warn_trailing(struct parser *p, const char *file, int line);

/* Appends an owned copy of s to l. */
void	conf_strlist_add(struct strlist *l, const char *s);

/* Resolves a path named in file 'from' against from's directory; returns
 * an owned string. */
char	*conf_resolve_path(const char *from, const char *path);

#endif
