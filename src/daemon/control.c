/*
 * control — the control socket's commands (see control.h).
 */
#include "daemon/control.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/ctl.h"
#include "daemon/daemon_int.h"
#include "daemon/reload.h"
#include "daemon/schedule.h"
#include "daemon/sendproc.h"
#include "daemon/status.h"
#include "deliver/archive.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/xmem.h"

void
control_accept(struct daemon *d)
{
	struct buf out;
	char *cmd, *arg;
	int fd;

	while ((fd = accept4(d->ctlfd, NULL, NULL, SOCK_CLOEXEC)) != -1) {
		cmd = ctl_read_command(fd);
		buf_init(&out, 16 * 1024 * 1024);
		if (cmd == NULL) {
			close(fd);
			buf_free(&out);
			continue;
		}
		arg = cmd + strcspn(cmd, " \t");
		if (*arg != '\0')
			*arg++ = '\0';
		arg += strspn(arg, " \t");
		d->now = clock_now();
		if (strcmp(cmd, "status") == 0) {
			status_text(d, &out);
		} else if (strcmp(cmd, "flush") == 0) {
			bool *want = xcalloc(d->conf->nqueues + 1, sizeof(*want));
			long qi = -1;
			size_t i, n;

			if (*arg != '\0' && (qi = conf_queue_find(d->conf, arg)) < 0)
				buf_printf(&out, "error: no queue named '%s'\n", arg);
			else {
				for (i = 0; i < d->conf->nqueues; i++)
					want[i] = qi < 0 || (long)i == qi;
				n = schedule_mail(d, want, "flushing");
				sendproc_kick(d);	/* and retry what waits now */
				buf_printf(&out, "flushed %s: %zu report%s queued "
				    "for mail\n", qi < 0 ? "all queues" : arg, n,
				    n == 1 ? "" : "s");
			}
			free(want);
		} else if (strcmp(cmd, "reopen") == 0) {
			size_t i;

			/* logrotate's postrotate: new archive files, nothing
			 * else (reload would also mail every queue) */
			for (i = 0; i < d->narchives; i++)
				if (d->archives[i] != NULL)
					archive_reopen(d->archives[i]);
			buf_printf(&out, "reopened %zu archive%s\n", d->narchives,
			    d->narchives == 1 ? "" : "s");
		} else if (strcmp(cmd, "reload") == 0) {
			struct buf err;

			buf_init(&err, 1024 * 1024);
			if (reload_conf(d, &err) == 0)
				buf_printf(&out, "reloaded %s\n", d->o->conf_path);
			else
				buf_printf(&out, "error: %s has errors; the running "
				    "configuration is kept: %s\n", d->o->conf_path,
				    buf_str(&err));
			buf_free(&err);
		} else
			buf_printf(&out, "error: unknown command '%s' (status, "
			    "flush [QUEUE], reload, reopen)\n", cmd);
		ctl_reply(fd, buf_str(&out), out.len);
		buf_free(&out);
		free(cmd);
	}
}
