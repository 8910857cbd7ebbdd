/*
 * checkpoint — the daemon's side of the two-step commit: the running
 * state (input positions, queue schedules, the journal cursor, the report
 * sequence) gathered into a struct state and written, and the reports
 * staged in the outbox published once it is on disk.
 */
#ifndef LOGWARD_CHECKPOINT_H
#define LOGWARD_CHECKPOINT_H

struct daemon;
struct state;

/* Fills st (owned by the caller: state_free) from the running daemon. */
void	checkpoint_build(struct daemon *d, struct state *st);

/* Writes the checkpoint; on success publishes the staged reports.
 * Returns 0 or -1 (logged). */
int	checkpoint_write(struct daemon *d);

/* After state_read: keeps every section of st in the daemon (so a
 * section of an inactive feature is written back as it was) and hands
 * each active feature its own.  Borrows st. */
void	checkpoint_restore(struct daemon *d, const struct state *st);

/* Frees the sections checkpoint_restore kept. */
void	checkpoint_free(struct daemon *d);

#endif
