/*
 * control — the commands of the control socket (status, flush, reopen,
 * reload), run inside the daemon; the socket itself is ctl.c.
 */
#ifndef LOGWARD_CONTROL_H
#define LOGWARD_CONTROL_H

struct daemon;

/* Accepts the waiting clients, runs their commands and replies. */
void	control_accept(struct daemon *d);

#endif
