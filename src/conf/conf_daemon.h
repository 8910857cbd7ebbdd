/*
 * conf_daemon — the set directives of the daemon and its transports
 * (logward extensions): listeners, the journal, state and spool
 * directories, SMTP, archive syncing and the daemon's caps.  Internal to
 * the parser: only conf*.c include it.
 */
#ifndef LOGWARD_CONF_DAEMON_H
#define LOGWARD_CONF_DAEMON_H

#include "conf/conf_int.h"

/* The table, ended by a NULL name; conf.c walks it for "set NAME". */
extern const struct set_directive conf_daemon_directives[];

#endif
