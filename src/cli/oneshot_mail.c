/*
 * oneshot_mail — a one-shot run's reports through the outbox and the
 * sender (see oneshot_mail.h).
 */
#include "cli/oneshot_mail.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/sendproc.h"
#include "deliver/sender.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmem.h"

int
oneshot_mail_open(struct oneshot_mail *m, const char *spooldir,
    const char *id, uint64_t committed)
{
	uint64_t top;

	memset(m, 0, sizeof(*m));
	if (outbox_open(&m->ob, spooldir) == -1)
		return -1;
	m->spool = xstrdup(spooldir);
	outbox_set_prefix(&m->ob, id);
	(void)outbox_recover(&m->ob, committed);
	/* reports of earlier runs may still wait in SPOOL/new */
	top = outbox_max_seq(&m->ob);
	m->seq = top > committed ? top : committed;
	return 0;
}

uint64_t
oneshot_mail_next(const struct oneshot_mail *m)
{
	return m->seq + 1;
}

int
oneshot_mail_stage(struct oneshot_mail *m, const char *from,
    const char *rcpts, const char *queue, const char *msg, size_t len)
{
	if (outbox_stage(&m->ob, m->seq + 1, from, rcpts, queue, msg,
	    len) == -1)
		return -1;
	m->seq++;
	m->staged = xreallocarray(m->staged, m->nstaged + 1,
	    sizeof(*m->staged));
	m->staged[m->nstaged++] = m->seq;
	return 0;
}

void
oneshot_mail_unstage(struct oneshot_mail *m)
{
	char *tmp = xasprintf("%s/tmp", m->spool);
	size_t i;

	for (i = 0; i < m->nstaged; i++) {
		char *p = xasprintf("%s/%s%012llu.msg", tmp, m->ob.prefix,
		    (unsigned long long)m->staged[i]);

		if (unlink(p) == -1 && errno != ENOENT)
			log_warn("outbox: %s", p);
		free(p);
	}
	free(tmp);
	m->nstaged = 0;
}

int
oneshot_mail_publish(struct oneshot_mail *m)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < m->nstaged; i++) {
		if (outbox_publish(&m->ob, m->staged[i]) == -1)
			rc = -1;
		else
			m->published++;
	}
	m->nstaged = 0;
	return rc;
}

size_t
oneshot_mail_waiting(const struct oneshot_mail *m)
{
	return outbox_count_own(&m->ob, "new");
}

/* Whether the sender's last attempt, written after since, was a
 * permanent refusal (5xx) of one of this producer's files. */
static bool
refused_for_good(const struct oneshot_mail *m, const struct timespec *since)
{
	char *path = xasprintf("%s/sender.status", m->spool);
	struct sender_status ss;
	struct stat sb;
	bool yes = false;

	if (stat(path, &sb) == 0 &&
	    (sb.st_mtim.tv_sec > since->tv_sec ||
	    (sb.st_mtim.tv_sec == since->tv_sec &&
	    sb.st_mtim.tv_nsec > since->tv_nsec)) &&
	    sender_status_read(m->spool, &ss) == 0 && ss.failures > 0 &&
	    ss.last_code >= 500 && ss.last_code < 600 &&
	    str_startswith(ss.last_file, m->ob.prefix))
		yes = true;
	free(path);
	return yes;
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Stops the sender: a transfer it started ends first (SIGTERM does not
 * abort one); one still waiting for the spool's lock (another sender
 * holds it) has sent nothing and is killed. */
static void
stop_sender(const struct oneshot_mail *m, pid_t pid)
{
	struct sender_status ss;
	int status;

	if (sender_status_read(m->spool, &ss) == 0 && ss.pid == (long)pid)
		kill(pid, SIGTERM);
	else
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
}

static enum oneshot_mail_result finish(struct oneshot_mail *m, size_t bad,
    bool ended, char *answer, size_t size);

enum oneshot_mail_result
oneshot_mail_deliver(struct oneshot_mail *m, const struct smtp_conf *sc,
    unsigned wait, char *answer, size_t size)
{
	struct timespec started;
	pid_t parent = getpid(), pid;
	double until = mono() + wait;
	int status;
	size_t bad;
	bool ended = false;

	answer[0] = '\0';
	if (oneshot_mail_waiting(m) == 0)
		return ONESHOT_MAIL_SENT;
	bad = outbox_count_own(&m->ob, "bad");
	clock_gettime(CLOCK_REALTIME, &started);
	if (flock(m->ob.newfd, LOCK_EX | LOCK_NB) == -1) {
		/* another sender (a daemon's) holds the spool: it sees the new
		 * files and sends them; only wait for them */
		while (oneshot_mail_waiting(m) > 0 && mono() < until &&
		    !refused_for_good(m, &started))
			usleep(100000);
		return finish(m, bad, false, answer, size);
	}
	flock(m->ob.newfd, LOCK_UN);	/* the sender takes it */
	fflush(NULL);
	if ((pid = fork()) == -1) {
		log_warn("cannot start the sender process");
		return ONESHOT_MAIL_ERROR;
	}
	if (pid == 0) {
		sigset_t none;

		/* the run may be killed: the sender then finishes the
		 * transfer it is in and stops */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		if (close_range(3, ~0U, 0) == -1)
			_exit(1);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(sender_run(sc, m->spool));
	}
	while (oneshot_mail_waiting(m) > 0 && mono() < until) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			ended = true;
			break;
		}
		if (refused_for_good(m, &started))
			break;
		usleep(100000);
	}
	if (!ended)
		stop_sender(m, pid);
	else
		log_warnx("the sender process ended (%s %d)",
		    WIFEXITED(status) ? "status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return finish(m, bad, ended, answer, size);
}

/* The result once the waiting is over; bad: this producer's files in
 * SPOOL/bad before; ended: the sender process ended by itself. */
static enum oneshot_mail_result
finish(struct oneshot_mail *m, size_t bad, bool ended, char *answer,
    size_t size)
{
	struct sender_status ss;

	if (outbox_count_own(&m->ob, "bad") > bad) {
		/* an envelope no relay can take (a bad address) */
		snprintf(answer, size, "a report can never be delivered; it was "
		    "moved to %s/bad (see the sender's message above)", m->spool);
		return ONESHOT_MAIL_ERROR;
	}
	/* the transfer that was in progress may have ended it */
	if (oneshot_mail_waiting(m) == 0)
		return ONESHOT_MAIL_SENT;
	if (sender_status_read(m->spool, &ss) == 0 && ss.last_attempt != 0 &&
	    ss.failures > 0)
		snprintf(answer, size, "%s", ss.last_text);
	else if (ss.last_attempt != 0)
		snprintf(answer, size, "the relay had not answered yet");
	else
		snprintf(answer, size, "no delivery attempt was made (another "
		    "sender holds the spool, or the wait was too short)");
	return ended ? ONESHOT_MAIL_ERROR : ONESHOT_MAIL_WAITING;
}

int
oneshot_mail_smtp_conf(const struct conf *c, struct smtp_conf *sc,
    char **password)
{
	memset(sc, 0, sizeof(*sc));
	*password = NULL;
	sc->server = c->mailserver != NULL ? c->mailserver : "localhost";
	sc->tls = c->smtp_tls == 2 ? SMTP_TLS_TLS : c->smtp_tls == 1 ?
	    SMTP_TLS_STARTTLS : SMTP_TLS_NONE;
	sc->user = c->smtp_user;
	sc->cafile = c->smtp_cafile;
	sc->capath = c->smtp_capath;
	sc->tls_verify = c->smtp_tls_verify;
	sc->timeout = c->mailtimeout;
	sc->helo = c->helo;
	if (c->smtp_password_file != NULL) {
		if ((*password = sendproc_read_secret(c->smtp_password_file)) ==
		    NULL) {
			log_warn("set smtp_password_file %s",
			    c->smtp_password_file);
			return -1;
		}
		sc->password = *password;
	}
	return 0;
}

void
oneshot_mail_close(struct oneshot_mail *m)
{
	outbox_close(&m->ob);
	free(m->staged);
	free(m->spool);
	memset(m, 0, sizeof(*m));
}
