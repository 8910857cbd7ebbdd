/*
 * rstore — Redis as the home of the daemon's checkpoint (`set redis`).
 *
 * Without `set partitions` the instance reads its own inputs as always
 * and its checkpoint (the same state image as the file) lives in Redis
 * under its instance name; with `set partitions P` it reads the
 * partitions' streams it holds a lease on (cells.c), one engine and one
 * checkpoint per partition.  Either way a commit is ONE Lua script that
 * refuses a stale epoch (a paused owner whose lease was taken over) and
 * otherwise writes every checkpoint, trims each stream to what is
 * committed and adds the staged report mails to the outbox stream
 * (outstream.h), which the sender process delivers.  See logward.conf(5),
 * "Redis and partitions", and README "More than one log host".
 *
 * Also tenshi's `set redisqueue` lists (at most once).
 */
#ifndef LOGWARD_RSTORE_H
#define LOGWARD_RSTORE_H

#include <stdbool.h>
#include <stddef.h>

struct buf;
struct daemon;
struct state;

/* After the privilege drop and engine_init: connects (lazily), makes the
 * read timer (epoll tag TAG_REDIS) and, with partitions, joins the
 * instances.  Sets d->rs when set redis or set redisqueue is used.
 * Returns 0, or -1 (logged: the daemon must not start). */
int	rstore_open(struct daemon *d);

/* Whether the checkpoint and the outbox live in Redis (set redis). */
bool	rstore_active(const struct daemon *d);

/* The single instance's checkpoint from Redis, as state_read: takes the
 * instance's lease first (waiting while another process of the same
 * name holds it), then restores st and d->engine.  Returns 0, 1 when
 * there is none (or with partitions: their checkpoints come with the
 * leases), -1 when it is unusable (err says why). */
int	rstore_load(struct daemon *d, struct state *st, char *err,
	    size_t errlen);

/* The read timer fired (or more is waiting): reads the streams and
 * lists, renews leases and balances partitions when due.  Returns true
 * when more lines are waiting. */
bool	rstore_poll(struct daemon *d);

/* checkpoint_write with set redis: one commit script for the checkpoint
 * or every partition's, the trims and the staged mails.  Returns 0 when
 * committed, -1 when not (logged; a commit whose outcome is unknown is
 * sent again as is first). */
int	rstore_commit(struct daemon *d);

/* schedule_mail around rendering queue qi: with partitions, gather
 * copies every partition's entries into d->engine's queue (thresholds
 * applied first); scatter then empties the partitions' queue when the
 * report was made (mailed is true), and d->engine's copy either way. */
void	rstore_gather(struct daemon *d, size_t qi);
void	rstore_scatter(struct daemon *d, size_t qi, bool mailed);

/* Before a reload frees the configuration: with partitions, every
 * partition is committed and handed back (they are taken again with the
 * new rules). */
void	rstore_reload(struct daemon *d);

/* Whether the stop should mail every queue (not with partitions: they
 * are handed over instead). */
bool	rstore_mail_at_stop(const struct daemon *d);

/* After the final commit: releases every lease and leaves the instances
 * (a graceful stop hands over at once). */
void	rstore_stop(struct daemon *d);

/* Frees d->rs. */
void	rstore_close(struct daemon *d);

/* Appends the Redis lines of `logward status`. */
void	rstore_status(struct daemon *d, struct buf *b);

/* Mails waiting in the outbox stream (0 when Redis cannot be asked). */
size_t	rstore_outbox_pending(struct daemon *d);

/* In the sender process: delivers the outbox stream (outstream_run).
 * Returns the exit status. */
int	rstore_sender(struct daemon *d);

#endif
