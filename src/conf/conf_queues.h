/*
 * conf_queues — the set directives that define queues and what they
 * carry: queue, csv, threshold and filter.  Internal to the parser: only
 * conf*.c include it.
 */
#ifndef LOGWARD_CONF_QUEUES_H
#define LOGWARD_CONF_QUEUES_H

#include <stdbool.h>

#include "conf/conf_int.h"

/* The table, ended by a NULL name; conf.c walks it for "set NAME". */
extern const struct set_directive conf_queues_directives[];

/* Whether name is a builtin queue (trash, repeat, group, group_host),
 * which set queue cannot define. */
bool	conf_queues_builtin(const char *name);

#endif
