/*
 * conf_rule — the rule lines: "QUEUES REGEX", group/group_host and
 * group_end, select and select_end, logcheck, archive.  Internal to the
 * parser: only conf*.c include it.
 */
#ifndef LOGWARD_CONF_RULE_H
#define LOGWARD_CONF_RULE_H

#include <stdbool.h>

#include "conf/conf_int.h"

/* The line directives, ended by a NULL word; conf.c walks it for a
 * line's first word. */
extern const struct line_directive conf_rule_lines[];

/* Adds the rule "QLIST REGEX" on file:line (a line that is no
 * directive); trailing_blank: the regex ended in blanks that were
 * stripped.  Errors are reported; a group that fails still opens. */
void	conf_rule_add(struct parser *p, const char *file, int line,
	    char *qlist, const char *regex, bool trailing_blank);

/* At the end of the configuration: reports every group, group_host and
 * select left open. */
void	conf_rule_finish(struct parser *p);

#endif
