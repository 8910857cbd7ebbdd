/*
 * checks — logward's own checks in the daemon: disk and inode space
 * (set disk, every disk_interval seconds) and clock agreement (set
 * clock_skew, once a minute over the lines that arrived in it).  Each
 * crossing of a threshold, up or back down, becomes one line from
 * program logward (in_self) that the rules route like any other:
 *
 *	logward[PID]: disk WARNING /var is 91% full (inodes 12%)
 *	logward[PID]: clock WARNING host web2 is 75s ahead of this host ...
 *
 * The last level of each mount and host is kept in the checkpoint
 * (sections "disk" and "clock"), so a restart does not say it again.
 */
#ifndef LOGWARD_CHECKS_H
#define LOGWARD_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input/record.h"
#include "lib/buf.h"

struct daemon;

void	checks_init(struct daemon *d);
void	checks_free(struct daemon *d);

/* The periodic checks (called every tick; each keeps its interval). */
void	checks_tick(struct daemon *d);

/* The clock difference of a line that arrived now: its stamp minus
 * d->now in seconds, in *diff; *nozone when the stamp has no zone (it is
 * then read in set clock_zone, or local time).  false when the line has
 * no stamp or host, or (journal) was written before logward started. */
bool	checks_skew(struct daemon *d, const struct record *r, bool journal,
	    int64_t *diff, bool *nozone);
/* Adds a difference to the clock check of the current minute. */
void	checks_clock_add(struct daemon *d, const char *host, size_t hostlen,
	    int64_t diff, bool nozone);

/* Checkpoint sections "disk" and "clock" (see checkpoint.c's hooks). */
bool	checks_disk_save(struct daemon *d, struct buf *out);
int	checks_disk_restore(struct daemon *d, const char *data, size_t len);
bool	checks_clock_save(struct daemon *d, struct buf *out);
int	checks_clock_restore(struct daemon *d, const char *data, size_t len);

/* Appends the last disk values and the hosts whose clock is off. */
void	checks_status(struct daemon *d, struct buf *b);

#endif
