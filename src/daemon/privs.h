/*
 * privs — what start-up does as root before the drop: resolving set
 * uid/gid, the pid file, logward's own directories (created, given to
 * the user), and the drop itself.
 */
#ifndef LOGWARD_PRIVS_H
#define LOGWARD_PRIVS_H

#include <sys/types.h>

struct daemon;

/* Resolves set uid/gid into d->uid, d->gid and sets d->drop (only when
 * started as root).  Returns 0 or -1 (logged). */
int	privs_resolve(struct daemon *d);

/* Drops to d->uid/d->gid when d->drop, and checks that it sticks.
 * Returns 0 or -1 (logged). */
int	privs_drop(struct daemon *d);

/* The pid file: created before the drop, never through a symbolic link,
 * locked for as long as we run (d->pidfd).  Returns 0 or -1 (logged). */
int	privs_pidfile(struct daemon *d);

/* Creates path and its parents (path itself with mode).  Returns 0 or
 * -1 (logged). */
int	privs_mkdirs(const char *path, mode_t mode);

/* Gives a directory of logward's own (and what is in it) to uid/gid. */
void	privs_chown_tree(const char *dir, uid_t uid, gid_t gid);

#endif
