/*
 * status — the text of the control socket's "status" command: inputs,
 * listeners, journal, archives, queues, outbox, sender and checkpoint.
 */
#ifndef LOGWARD_STATUS_H
#define LOGWARD_STATUS_H

struct buf;
struct daemon;

/* Appends the status report of the running daemon to b. */
void	status_text(struct daemon *d, struct buf *b);

#endif
