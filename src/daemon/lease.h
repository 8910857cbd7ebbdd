/*
 * lease — partition and instance leases in Redis, with the epoch that
 * fences a paused owner (see lease.c).
 */
#ifndef LOGWARD_LEASE_H
#define LOGWARD_LEASE_H

#include <stddef.h>

#include "daemon/rstore_int.h"

/* Keys of unit u named "PREFIX:{uname}:...". */
void	lease_unit_init(struct rstore *rs, struct unit *u, const char *uname);
void	lease_unit_free(struct unit *u);
/* Takes u's lease if it is free (or held by an earlier process of this
 * instance name): epoch bumped, the checkpoint in *blob (owned, NULL when
 * there is none yet).  Returns 1 taken, 0 held by another (holder, when
 * not NULL, gets its value), -1 Redis unreachable. */
int	lease_take(struct rstore *rs, struct unit *u, char **blob, size_t *len,
	    char *holder, size_t holderlen);
/* Renews u's lease.  Returns 1 kept, 0 lost, -1 unreachable. */
int	lease_renew(struct rstore *rs, struct unit *u);
/* Deletes u's lease if we still hold it (hand-over). */
void	lease_release(struct rstore *rs, struct unit *u);
#endif
