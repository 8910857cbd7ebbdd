/*
 * sendproc — the sender process from the daemon's side (see sendproc.h).
 * The sender runs deliver/sender.c's loop in a child of its own, so
 * nothing on the line path waits for the network.
 */
#include "daemon/sendproc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/daemon_int.h"
#include "daemon/rstore.h"
#include "daemon/sumq.h"
#include "deliver/outbox.h"
#include "deliver/sender.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/xmem.h"

#define SENDER_RESPAWN	5	/* s before a dead sender is restarted */

char *
sendproc_read_secret(const char *path)
{
	char buf[1024];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return xstrdup(buf);
}

void
sendproc_smtp_conf(struct daemon *d)
{
	const struct conf *c = d->conf;

	memset(&d->smtp, 0, sizeof(d->smtp));
	d->smtp.server = c->mailserver != NULL ? c->mailserver : "localhost";
	d->smtp.tls = c->smtp_tls == 2 ? SMTP_TLS_TLS : c->smtp_tls == 1 ?
	    SMTP_TLS_STARTTLS : SMTP_TLS_NONE;
	d->smtp.user = c->smtp_user;
	d->smtp.password = d->smtp_password;
	d->smtp.cafile = c->smtp_cafile;
	d->smtp.capath = c->smtp_capath;
	d->smtp.tls_verify = c->smtp_tls_verify;
	d->smtp.timeout = c->mailtimeout;
	d->smtp.helo = c->helo;
}

void
sendproc_start(struct daemon *d)
{
	pid_t parent, pid;

	/* The child runs libcurl, so it allocates: no other thread may
	 * hold an allocator lock at the fork (the child would wait for it
	 * forever; seen with ASan's allocator), so the summary worker is
	 * made to wait for work first. */
	sumq_quiesce(d);
	parent = getpid();
	pid = fork();

	if (pid == -1) {
		log_warn("cannot start the sender process; retrying");
		d->sender_respawn = clock_mono() + SENDER_RESPAWN;
		return;
	}
	if (pid == 0) {
		sigset_t none;
		int was;

		/* the sender ends with the daemon, even after a kill -9 */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		/* the sender keeps nothing of the daemon's: not the log
		 * files, and above all not the listening sockets and TCP
		 * connections, which would otherwise stay open (and take
		 * new connections nobody reads) until the sender ends */
		was = log_syslog(0);
		if (close_range(3, ~0U, 0) == -1)
			_exit(1);
		log_syslog(was);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(rstore_active(d) ? rstore_sender(d) :
		    sender_run(&d->smtp, d->spooldir));
	}
	d->sender = pid;
	d->sender_respawn = 0;
}

void
sendproc_kick(struct daemon *d)
{
	if (d->sender > 0)
		kill(d->sender, SIGUSR1);
}

void
sendproc_reap(struct daemon *d)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != d->sender)
			continue;
		d->sender = 0;
		if (d->sender_recycle) {
			d->sender_recycle = false;
			sendproc_start(d);
		} else if (!d->stop) {
			log_warnx("the sender process ended (%s %d); restarting "
			    "it in %d s", WIFEXITED(status) ? "status" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) :
			    WTERMSIG(status), SENDER_RESPAWN);
			d->sender_respawn = clock_mono() + SENDER_RESPAWN;
		}
	}
}

void
sendproc_drain(struct daemon *d)
{
	double until = clock_mono() + (d->conf->mailtimeout > 0 ?
	    d->conf->mailtimeout : 10);
	struct sender_status ss;
	char *stpath = xasprintf("%s/sender.status", d->spooldir);
	struct stat sb;
	struct timespec before = { 0, 0 };
	int status;

	if (d->sender <= 0) {
		free(stpath);
		return;
	}
	/* the sender rewrites its status file after every attempt: one
	 * written after the kick that still says failing is the answer */
	if (stat(stpath, &sb) == 0)
		before = sb.st_mtim;
	sendproc_kick(d);
	while (clock_mono() < until && (rstore_active(d) ?
	    rstore_outbox_pending(d) : outbox_pending(&d->outbox)) > 0) {
		if (stat(stpath, &sb) == 0 &&
		    (sb.st_mtim.tv_sec != before.tv_sec ||
		    sb.st_mtim.tv_nsec != before.tv_nsec) &&
		    sender_status_read(d->spooldir, &ss) == 0 && ss.failures > 0)
			break;		/* the relay refuses: keep it for later */
		usleep(50000);
	}
	free(stpath);
	kill(d->sender, SIGTERM);
	while (waitpid(d->sender, &status, 0) == -1 && errno == EINTR)
		;
	d->sender = 0;
}
