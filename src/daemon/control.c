/*
 * control — the control socket's clients and commands (see control.h).
 *
 * Clients are read and answered from the event loop, a few bytes at a
 * time as they come: a client that connects and says nothing, or does
 * not read its reply, never holds up the lines.  A client has
 * CONTROL_TIMEOUT seconds to send its command and take the reply.
 */
#include "daemon/control.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/daemon_int.h"
#include "daemon/reload.h"
#include "daemon/schedule.h"
#include "daemon/sendproc.h"
#include "daemon/status.h"
#include "deliver/archive.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/xmem.h"

#define CMD_MAX		4096		/* bytes of a command line */
#define REPLY_MAX	(16 * 1024 * 1024)

struct ctl_client {
	int		 fd;		/* -1 = free slot */
	double		 since;		/* mono: accepted */
	struct buf	 in;		/* the command so far */
	struct buf	 out;		/* the reply */
	size_t		 sent;		/* bytes of out written */
	bool		 replying;	/* the command ran: writing out */
};

/* Runs one command line; the reply goes to out. */
static void
run_command(struct daemon *d, char *cmd, struct buf *out)
{
	char *arg = cmd + strcspn(cmd, " \t");

	if (*arg != '\0')
		*arg++ = '\0';
	arg += strspn(arg, " \t");
	d->now = clock_now();
	if (strcmp(cmd, "status") == 0) {
		status_text(d, out);
	} else if (strcmp(cmd, "flush") == 0) {
		bool *want = xcalloc(d->conf->nqueues + 1, sizeof(*want));
		long qi = -1;
		size_t i, n;

		if (*arg != '\0' && (qi = conf_queue_find(d->conf, arg)) < 0)
			buf_printf(out, "error: no queue named '%s'\n", arg);
		else {
			for (i = 0; i < d->conf->nqueues; i++)
				want[i] = qi < 0 || (long)i == qi;
			n = schedule_mail(d, want, "flushing");
			sendproc_kick(d);	/* and retry what waits now */
			buf_printf(out, "flushed %s: %zu report%s queued for "
			    "mail\n", qi < 0 ? "all queues" : arg, n,
			    n == 1 ? "" : "s");
		}
		free(want);
	} else if (strcmp(cmd, "reopen") == 0) {
		size_t i;

		/* logrotate's postrotate: new archive files, nothing else
		 * (reload would also mail every queue) */
		for (i = 0; i < d->narchives; i++)
			if (d->archives[i] != NULL)
				archive_reopen(d->archives[i]);
		buf_printf(out, "reopened %zu archive%s\n", d->narchives,
		    d->narchives == 1 ? "" : "s");
	} else if (strcmp(cmd, "reload") == 0) {
		struct buf err;

		buf_init(&err, 1024 * 1024);
		if (reload_conf(d, &err) == 0)
			buf_printf(out, "reloaded %s\n", d->o->conf_path);
		else
			buf_printf(out, "error: %s has errors; the running "
			    "configuration is kept: %s\n", d->o->conf_path,
			    buf_str(&err));
		buf_free(&err);
	} else
		buf_printf(out, "error: unknown command '%s' (status, flush "
		    "[QUEUE], reload, reopen)\n", cmd);
}

static void
drop(struct daemon *d, struct ctl_client *c)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
	buf_free(&c->out);
}

/* Writes what the socket takes; false once the client is gone (all
 * written, or an error). */
static bool
write_some(struct daemon *d, struct ctl_client *c)
{
	while (c->sent < c->out.len) {
		ssize_t n = write(c->fd, c->out.data + c->sent,
		    c->out.len - c->sent);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			struct epoll_event ev = { .events = EPOLLOUT };

			ev.data.u64 = EV(TAG_CTLCONN, c - d->ctlc);
			epoll_ctl(d->epfd, EPOLL_CTL_MOD, c->fd, &ev);
			return true;
		}
		if (n <= 0)
			break;
		c->sent += (size_t)n;
	}
	drop(d, c);
	return false;
}

/* Reads what the client sent; runs the command once its line is whole. */
static void
read_some(struct daemon *d, struct ctl_client *c)
{
	char tmp[512], *nl;
	ssize_t n;

	for (;;) {
		n = read(c->fd, tmp, sizeof(tmp));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;			/* more later */
		if (n <= 0) {			/* gone before its newline */
			drop(d, c);
			return;
		}
		if (buf_add(&c->in, tmp, (size_t)n) == -1) {
			buf_printf(&c->out, "error: command longer than %d "
			    "bytes\n", CMD_MAX);
			break;
		}
		if ((nl = memchr(c->in.data, '\n', c->in.len)) != NULL) {
			*nl = '\0';
			run_command(d, c->in.data, &c->out);
			break;
		}
	}
	c->replying = true;
	write_some(d, c);
}

void
control_accept(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ctl_client *c;
	size_t i;
	int fd;

	if (d->ctlc == NULL) {
		d->ctlc = xcalloc(CONTROL_MAX_CLIENTS, sizeof(*d->ctlc));
		for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
			d->ctlc[i].fd = -1;
	}
	while ((fd = accept4(d->ctlfd, NULL, NULL,
	    SOCK_CLOEXEC | SOCK_NONBLOCK)) != -1) {
		for (i = 0; i < CONTROL_MAX_CLIENTS && d->ctlc[i].fd != -1; i++)
			;
		if (i == CONTROL_MAX_CLIENTS) {
			static const char busy[] = "error: too many control "
			    "clients at once; try again\n";

			ssize_t w = write(fd, busy, sizeof(busy) - 1);

			(void)w;	/* best effort: it may be gone */
			close(fd);
			d->ctl_refused++;
			continue;
		}
		c = &d->ctlc[i];
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->since = clock_mono();
		buf_init(&c->in, CMD_MAX);
		buf_init(&c->out, REPLY_MAX);
		ev.data.u64 = EV(TAG_CTLCONN, i);
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			log_warn("control socket client");
			close(fd);
			c->fd = -1;
			buf_free(&c->in);
			buf_free(&c->out);
			continue;
		}
		read_some(d, c);	/* it may have written already */
	}
}

void
control_ready(struct daemon *d, size_t slot)
{
	struct ctl_client *c;

	if (d->ctlc == NULL || slot >= CONTROL_MAX_CLIENTS)
		return;
	c = &d->ctlc[slot];
	if (c->fd == -1)
		return;			/* closed earlier in this turn */
	if (c->replying)
		write_some(d, c);
	else
		read_some(d, c);
}

void
control_tick(struct daemon *d)
{
	double m = clock_mono();
	size_t i;

	for (i = 0; d->ctlc != NULL && i < CONTROL_MAX_CLIENTS; i++) {
		struct ctl_client *c = &d->ctlc[i];

		if (c->fd != -1 && m - c->since >= CONTROL_TIMEOUT) {
			d->ctl_timeouts++;
			drop(d, c);
		}
	}
}

void
control_close(struct daemon *d)
{
	size_t i;

	for (i = 0; d->ctlc != NULL && i < CONTROL_MAX_CLIENTS; i++)
		if (d->ctlc[i].fd != -1)
			drop(d, &d->ctlc[i]);
	free(d->ctlc);
	d->ctlc = NULL;
}
