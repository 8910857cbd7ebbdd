/*
 * sendproc — the sender process seen from the daemon: its relay settings,
 * starting it, waking it, restarting it when it dies, and the final drain.
 * What it does is deliver/sender.c.
 */
#ifndef LOGWARD_SENDPROC_H
#define LOGWARD_SENDPROC_H

struct daemon;

/* Reads the first line of a secret file.  Returns an owned string, or
 * NULL (errno set). */
char	*sendproc_read_secret(const char *path);

/* Fills d->smtp from the config and d->smtp_password (borrows both). */
void	sendproc_smtp_conf(struct daemon *d);

/* Forks the sender process; a failed fork is retried later. */
void	sendproc_start(struct daemon *d);

/* Wakes the sender: retry what waits now. */
void	sendproc_kick(struct daemon *d);

/* Reaps ended children; a dead sender is restarted (at once after a
 * reload, else after a pause). */
void	sendproc_reap(struct daemon *d);

/* After the final flush: give the sender up to mailtimeout seconds to
 * deliver, then stop it.  What it could not send stays in the outbox. */
void	sendproc_drain(struct daemon *d);

#endif
