/*
 * conf_set — the set directives of tenshi's settings (logfile, sleep,
 * mask, subject, logprefix, ...) and the value parsers every set
 * directive shares.  Internal to the parser: only conf*.c include it.
 */
#ifndef LOGWARD_CONF_SET_H
#define LOGWARD_CONF_SET_H

#include "conf/conf_int.h"

/* The table, ended by a NULL name; conf.c walks it for "set NAME". */
extern const struct set_directive conf_set_directives[];

/* Parses a whole unsigned decimal (tenshi's \d+ forms) from 0 to max
 * into *out; returns 0, or -1 with the error reported as "set KEY: ...".
 * val may be NULL (no value). */
int	conf_set_uint(struct parser *p, const char *file, int line,
	    const char *key, const char *val, unsigned long long max,
	    unsigned long long *out);

/* Warns when rest (what follows a set directive's value) is not empty. */
void	conf_set_extra(struct parser *p, const char *file, int line,
	    const char *key, const char *rest);

#endif
