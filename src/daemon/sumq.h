/*
 * sumq — the daemon's summary queues (set summary): every line is counted
 * by the summary services each queue wants, lines that arrived over the
 * network or from the journal also in its clock table, and on the
 * queue's cron schedule the summary is mailed (text and HTML parts,
 * Disk Space read at that moment) through the outbox, with the same
 * two-step commit as every report.  The counts ride in the checkpoint
 * (section "summary"), so a restart or a crash neither loses nor doubles
 * one; a summary is not mailed at a stop.
 */
#ifndef LOGWARD_SUMQ_H
#define LOGWARD_SUMQ_H

#include <stdbool.h>
#include <stddef.h>

#include "classify/engine.h"
#include "lib/buf.h"

struct daemon;
struct state;

/* Sets up d->sumq for d->conf (nothing when it has no summary queue and
 * no clock check). */
void	sumq_init(struct daemon *d);
/* Waits until the summary worker thread has counted every line handed
 * over and is idle (waiting for work, holding no lock of the allocator
 * or anyone else's): call right before fork(). */
void	sumq_quiesce(struct daemon *d);
void	sumq_free(struct daemon *d);

/* Counts one line the engine has parsed (v borrowed); net: it arrived
 * over the network or from the journal (journal: from the journal). */
void	sumq_line(struct daemon *d, const struct verdict *v, bool net,
	    bool journal);

/* The schedule: mails the summary queues whose time has come. */
void	sumq_tick(struct daemon *d);

/* After a reload: d->sumq for the new configuration, taking the counts
 * saved in st (checkpoint_build of the old one) by name. */
void	sumq_reload(struct daemon *d, const struct state *st);

/* Checkpoint section "summary" (see checkpoint.c's hooks). */
bool	sumq_save(struct daemon *d, struct buf *out);
int	sumq_restore(struct daemon *d, const char *data, size_t len);

/* Appends one status line per summary queue. */
void	sumq_status(struct daemon *d, struct buf *b);

#endif
