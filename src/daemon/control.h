/*
 * control — the control socket's clients and commands (status, flush,
 * reopen, reload), run inside the daemon's event loop; the socket
 * itself is ctl.c.
 */
#ifndef LOGWARD_CONTROL_H
#define LOGWARD_CONTROL_H

#include <stddef.h>

#define CONTROL_MAX_CLIENTS	16	/* at once; more are told to retry */
#define CONTROL_TIMEOUT		10	/* seconds to send a command and read
					   the reply */

struct daemon;

/* Accepts the waiting clients (the listening socket is readable). */
void	control_accept(struct daemon *d);
/* Client slot is readable or writable: reads its command, runs it once
 * it is whole, writes the reply; closes it when done. */
void	control_ready(struct daemon *d, size_t slot);
/* Once a second: closes the clients older than CONTROL_TIMEOUT. */
void	control_tick(struct daemon *d);
/* Closes every client (the daemon stops). */
void	control_close(struct daemon *d);

#endif
