/*
 * sender — delivery of outbox files (their envelope read here, the message
 * sent by smtp.c) and the sender process: inotify + signalfd + poll,
 * back-off, status file.
 */
#include "deliver/sender.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "deliver/smtp.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define ENVELOPE_MAX	(64 * 1024)	/* bytes of an outbox file's envelope */
#define RESCAN_SECONDS	300		/* safety rescan of SPOOL/new (lost events) */
#define STATUS_MAX	(16 * 1024)	/* bytes of sender.status read back */

/* An outbox file's envelope: pointers into an owned copy of its text. */
struct envelope {
	char		*text;		/* owned */
	char		*from;
	char		*rcpts[SMTP_MAX_RCPTS];
	size_t		 nrcpt;
	const char	*queue;		/* NULL when absent */
	off_t		 body;		/* offset of the message */
};

/* Reads and parses the envelope at the start of fd.  Returns 0, or -1
 * with res filled (res->permanent for a format error). */
static int
envelope_read(int fd, const char *path, struct envelope *e, struct smtp_result *res)
{
	char *buf = xmalloc(ENVELOPE_MAX + 1), *p, *end = NULL, *nl;
	size_t len = 0;
	unsigned line = 1;
	bool have_from = false;

	memset(e, 0, sizeof(*e));
	while (len < ENVELOPE_MAX) {
		ssize_t k = read(fd, buf + len, ENVELOPE_MAX - len);

		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1) {
			smtp_set_msg(res, "%s: %s", path, strerror(errno));
			free(buf);
			return -1;
		}
		if (k == 0)
			break;
		len += (size_t)k;
		buf[len] = '\0';
		if ((end = memmem(buf, len, "\n\n", 2)) != NULL)
			break;
	}
	buf[len] = '\0';
	res->permanent = true;
	if (end == NULL && (end = memmem(buf, len, "\n\n", 2)) == NULL) {
		smtp_set_msg(res, "%s: no envelope (blank line) in the first %d bytes; "
		    "not an outbox file", path, ENVELOPE_MAX);
		goto bad;
	}
	end[1] = '\0';
	e->body = (off_t)(end + 2 - buf);
	e->text = buf;
	nl = strchr(buf, '\n');		/* found: end[0] is '\n' */
	*nl = '\0';
	if (strcmp(buf, "LOGWARD-OUTBOX 1") != 0) {
		smtp_set_msg(res, "%s: line 1: not \"LOGWARD-OUTBOX 1\" (unknown format "
		    "or version)", path);
		goto bad;
	}
	for (p = nl + 1; *p != '\0'; p = nl + 1) {
		char *val;

		line++;
		nl = strchr(p, '\n');		/* always found: end[0] is '\n' */
		*nl = '\0';
		if ((val = strchr(p, ' ')) != NULL)
			*val++ = '\0';
		else
			val = p + strlen(p);
		if (strcmp(p, "from") == 0) {
			if (have_from) {
				smtp_set_msg(res, "%s: line %u: second \"from\"", path, line);
				goto bad;
			}
			e->from = val;
			have_from = true;
		} else if (strcmp(p, "rcpt") == 0) {
			if (e->nrcpt == SMTP_MAX_RCPTS) {
				smtp_set_msg(res, "%s: line %u: more than %d recipients",
				    path, line, SMTP_MAX_RCPTS);
				goto bad;
			}
			e->rcpts[e->nrcpt++] = val;
		} else if (strcmp(p, "queue") == 0) {
			e->queue = val;
		} else if (*p == '\0') {
			smtp_set_msg(res, "%s: line %u: empty key", path, line);
			goto bad;
		}
	}
	if (!have_from || e->nrcpt == 0) {
		smtp_set_msg(res, "%s: envelope without %s", path,
		    have_from ? "\"rcpt\"" : "\"from\"");
		goto bad;
	}
	res->permanent = false;
	return 0;
bad:
	free(buf);
	e->text = NULL;
	return -1;
}

int
sender_deliver_file(const struct smtp_conf *sc, const char *path,
    struct smtp_result *res)
{
	struct envelope e;
	int fd, ret;

	res->code = 0;
	res->permanent = false;
	res->msg[0] = '\0';
	smtp_term_aborted = false;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		smtp_set_msg(res, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (envelope_read(fd, path, &e, res) == -1) {
		close(fd);
		return -1;
	}
	if (lseek(fd, e.body, SEEK_SET) == -1) {
		smtp_set_msg(res, "%s: %s", path, strerror(errno));
		ret = -1;
	} else {
		ret = smtp_deliver(sc, e.from, e.rcpts, e.nrcpt, fd, res);
		if (res->permanent) {	/* say which file */
			char tmp[sizeof(res->msg)];

			str_lcpy(tmp, res->msg, sizeof(tmp));
			smtp_set_msg(res, "%s: %s", path, tmp);
		}
	}
	free(e.text);
	close(fd);
	return ret;
}

/* ---- the sender process ---- */

struct run {
	const struct smtp_conf *sc;
	const char	*spool;
	char		*newdir;	/* owned: SPOOL/new */
	char		*baddir;	/* owned: SPOOL/bad */
	char		*status;	/* owned: SPOOL/sender.status */
	int		 newfd;		/* SPOOL/new, for fsync */
	struct sender_status st;	/* what the status file says */
	struct timespec	 retry_at;	/* CLOCK_MONOTONIC, valid when st.failures */
};

static int
bytecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the owned, sorted names of the files in dir (not dot files),
 * *n their count; NULL with *n = 0 when there are none or on error
 * (logged, *err set). */
static char **
list_dir(const char *dir, size_t *n, bool *err)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	*err = false;
	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT) {
			log_warn("sender: %s", dir);
			*err = true;
		}
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		if (*n == cap) {
			cap = cap != 0 ? cap * 2 : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(names, *n, sizeof(*names), bytecmp);
	return names;
}

static void
free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static unsigned long long
count_dir(const char *dir)
{
	size_t n;
	bool err;
	char **names = list_dir(dir, &n, &err);

	free_names(names, n);
	return n;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Writes SPOOL/sender.status atomically (temp + fsync + rename). */
static void
status_write(struct run *r)
{
	const struct sender_status *st = &r->st;
	char *tmp = xasprintf("%s.tmp", r->status);
	char file[sizeof(st->last_file)] = "";
	struct buf b;
	int fd;

	smtp_clean_cat(file, sizeof(file), st->last_file, sizeof(st->last_file));
	buf_init(&b, STATUS_MAX);
	buf_printf(&b, "version 1\npid %ld\npending %llu\nbad %llu\n"
	    "delivered %llu\nfailures %llu\nlast_attempt %lld\n"
	    "last_success %lld\nnext_retry %lld\nlast_result %ld %s\n"
	    "last_file %s\n", st->pid, st->pending, st->bad, st->delivered,
	    st->failures, (long long)st->last_attempt,
	    (long long)st->last_success, (long long)st->next_retry,
	    st->last_code, st->last_text, file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd != -1) {
		int ok = write_all(fd, buf_str(&b), b.len) == 0 && fsync(fd) == 0;

		if (close(fd) == -1 || !ok)
			fd = -1;
	}
	if (fd == -1 || rename(tmp, r->status) == -1) {
		log_warn("sender: cannot write %s", r->status);
		unlink(tmp);
	}
	buf_free(&b);
	free(tmp);
}

static bool
term_pending(void)
{
	sigset_t set;

	return sigpending(&set) == 0 &&
	    (sigismember(&set, SIGTERM) == 1 || sigismember(&set, SIGINT) == 1);
}

static void
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1 || fsync(fd) == -1)
		log_warn("sender: fsync of %s", dir);
	if (fd != -1)
		close(fd);
}

/* Moves a file that can never be delivered to SPOOL/bad.  Returns 0 or -1. */
static int
quarantine(struct run *r, const char *name)
{
	char *from = xasprintf("%s/%s", r->newdir, name);
	char *to = xasprintf("%s/%s", r->baddir, name);
	int ret = -1;

	if (mkdir(r->baddir, 0700) == -1 && errno != EEXIST)
		log_warn("sender: cannot create %s", r->baddir);
	else if (rename(from, to) == -1)
		log_warn("sender: cannot move %s to %s", from, r->baddir);
	else {
		fsync_dir(r->baddir);
		if (fsync(r->newfd) == -1)
			log_warn("sender: fsync of %s", r->newdir);
		ret = 0;
	}
	free(from);
	free(to);
	return ret;
}

enum pass { PASS_DONE, PASS_FAILED, PASS_FATAL };

static void
schedule_retry(struct run *r, time_t now)
{
	unsigned long long f = r->st.failures;
	unsigned backoff = SENDER_BACKOFF_MIN;

	while (--f > 0 && backoff < SENDER_BACKOFF_MAX)
		backoff *= 2;
	if (backoff > SENDER_BACKOFF_MAX)
		backoff = SENDER_BACKOFF_MAX;
	clock_gettime(CLOCK_MONOTONIC, &r->retry_at);
	r->retry_at.tv_sec += backoff;
	r->st.next_retry = now + backoff;
}

/* Tries every file of SPOOL/new in name order; stops at the first failure. */
static enum pass
pass(struct run *r)
{
	size_t n, i;
	bool err;
	char **names = list_dir(r->newdir, &n, &err);
	enum pass ret = PASS_DONE;

	if (err)
		return PASS_FAILED;
	r->st.pending = n;
	for (i = 0; i < n && !term_pending(); i++) {
		char *path = xasprintf("%s/%s", r->newdir, names[i]);
		struct smtp_result res;
		struct stat sb;
		time_t now;
		int rc;

		if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode)) {
			free(path);		/* gone meanwhile, or not a file */
			r->st.pending--;
			continue;
		}
		rc = sender_deliver_file(r->sc, path, &res);
		if (rc == -1 && smtp_term_aborted) {
			free(path);
			break;			/* not an attempt that failed */
		}
		now = time(NULL);
		r->st.last_attempt = now;
		r->st.last_code = res.code;
		str_lcpy(r->st.last_text, res.msg, sizeof(r->st.last_text));
		str_lcpy(r->st.last_file, names[i], sizeof(r->st.last_file));
		if (rc == 0) {
			if (unlink(path) == -1 && errno != ENOENT) {
				/* it would be sent again and again */
				log_warn("sender: %s was delivered but cannot be "
				    "removed; stopping", path);
				free(path);
				ret = PASS_FATAL;
				break;
			}
			if (fsync(r->newfd) == -1)
				log_warn("sender: fsync of %s", r->newdir);
			log_info("sender: %s delivered: %s", names[i], res.msg);
			r->st.pending--;
			r->st.delivered++;
			r->st.failures = 0;
			r->st.last_success = now;
			r->st.next_retry = 0;
		} else if (res.permanent && quarantine(r, names[i]) == 0) {
			log_warnx("sender: %s; moved to %s/ (it can never be "
			    "delivered)", res.msg, r->baddir);
			r->st.pending--;
			r->st.bad++;
		} else {
			r->st.failures++;
			schedule_retry(r, now);
			log_warnx("sender: %s not delivered: %s (failure %llu, "
			    "retry in %lld s; kill -USR1 %ld retries now)",
			    names[i], res.msg, r->st.failures,
			    (long long)(r->st.next_retry - now), r->st.pid);
			ret = PASS_FAILED;
		}
		status_write(r);
		free(path);
		if (ret != PASS_DONE)
			break;
	}
	free_names(names, n);
	return ret;
}

/* Milliseconds until the retry is due, at least 0. */
static int
ms_until(const struct timespec *at)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(at->tv_sec - now.tv_sec) * 1000 +
	    (at->tv_nsec - now.tv_nsec) / 1000000 + 1;
	return ms < 0 ? 0 : ms > 1000LL * SENDER_BACKOFF_MAX ?
	    1000 * SENDER_BACKOFF_MAX : (int)ms;
}

/* Reads what woke us.  Returns -1 on SIGTERM/SIGINT, 1 when a pass is due
 * at once (SIGUSR1), 0 otherwise. */
static int
read_signals(int sigfd)
{
	struct signalfd_siginfo si;
	int ret = 0;

	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_info("sender: signal %u, stopping", si.ssi_signo);
			return -1;
		}
		if (si.ssi_signo == SIGUSR1) {
			log_info("sender: SIGUSR1, retrying now");
			ret = 1;
		}
	}
	return ret;
}

/* Drains the inotify queue; returns true when anything happened. */
static bool
read_events(int inofd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;

	while (read(inofd, buf, sizeof(buf)) > 0)
		any = true;
	return any;
}

int
sender_run(const struct smtp_conf *sc, const char *spooldir)
{
	struct run r = { .sc = sc, .spool = spooldir, .newfd = -1 };
	sigset_t set, old;
	int sigfd = -1, inofd = -1, ret = 1;
	bool due = true;

	if (smtp_init() == -1)
		return 1;
	r.newdir = xasprintf("%s/new", spooldir);
	r.baddir = xasprintf("%s/bad", spooldir);
	r.status = xasprintf("%s/sender.status", spooldir);
	r.st.pid = (long)getpid();

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);	/* the daemon's reload: not ours */
	if (sigprocmask(SIG_BLOCK, &set, &old) == -1) {
		log_warn("sender: sigprocmask");
		goto out_mask;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		log_warn("sender: signalfd");
		goto out;
	}
	if ((r.newfd = open(r.newdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_warn("sender: %s", r.newdir);
		goto out;
	}
	/* one sender per spool: a second one (say, left over from a daemon
	 * that was killed) would deliver the same files twice */
	if (flock(r.newfd, LOCK_EX | LOCK_NB) == -1) {
		log_info("sender: waiting for the previous sender of %s to end",
		    spooldir);
		if (flock(r.newfd, LOCK_EX) == -1) {
			log_warn("sender: lock %s", r.newdir);
			goto out;
		}
	}
	if ((inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(inofd, r.newdir,
	    IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR) == -1) {
		log_warn("sender: inotify on %s", r.newdir);
		goto out;
	}
	r.st.pending = count_dir(r.newdir);
	r.st.bad = count_dir(r.baddir);
	if (r.st.bad > 0)
		log_warnx("sender: %llu undeliverable file(s) in %s",
		    r.st.bad, r.baddir);
	status_write(&r);
	/* SIGTERM (the daemon stopping, reloading or killed: the parent-death
	 * signal) does NOT abort a transfer in progress: the relay may have
	 * the message already, and abandoning it would make the next sender
	 * send it again.  The transfer is bounded by the SMTP timeouts; the
	 * next sender waits for the spool lock meanwhile. */
	smtp_abort_on_term = false;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = sigfd, .events = POLLIN },
			{ .fd = inofd, .events = POLLIN },
		};
		int timeout, k;

		if (due && !term_pending()) {
			due = false;
			if (pass(&r) == PASS_FATAL)
				goto out;
		}
		timeout = r.st.failures > 0 ? ms_until(&r.retry_at) :
		    RESCAN_SECONDS * 1000;
		k = poll(pfd, 2, timeout);
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1) {
			log_warn("sender: poll");
			goto out;
		}
		if (k == 0) {
			due = true;	/* retry time, or the safety rescan */
			continue;
		}
		if (pfd[0].revents & POLLIN) {
			int s = read_signals(sigfd);

			if (s == -1)
				break;
			if (s == 1)
				due = true;
		}
		if ((pfd[1].revents & POLLIN) && read_events(inofd)) {
			if (r.st.failures == 0) {
				due = true;
			} else {	/* in back-off: just keep "pending" true */
				unsigned long long p = count_dir(r.newdir);

				if (p != r.st.pending) {
					r.st.pending = p;
					status_write(&r);
				}
			}
		}
	}
	ret = 0;
out:
	smtp_abort_on_term = false;
	r.st.pid = 0;			/* not running any more */
	r.st.pending = count_dir(r.newdir);
	status_write(&r);
	if (inofd != -1)
		close(inofd);
	if (sigfd != -1)
		close(sigfd);
	if (r.newfd != -1)
		close(r.newfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
out_mask:
	free(r.newdir);
	free(r.baddir);
	free(r.status);
	return ret;
}

static int
parse_ll(const char *v, long long *out)
{
	const char *errstr;

	return str_tonum(v, LLONG_MIN, LLONG_MAX, out, &errstr);
}

int
sender_status_read(const char *spooldir, struct sender_status *st)
{
	char *path = xasprintf("%s/sender.status", spooldir);
	char *buf = xmalloc(STATUS_MAX + 1), *p, *nl;
	ssize_t len = 0, k;
	int fd, saved;

	memset(st, 0, sizeof(*st));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	saved = errno;
	free(path);
	if (fd == -1) {
		free(buf);
		errno = saved;
		return -1;
	}
	while (len < STATUS_MAX &&
	    ((k = read(fd, buf + len, (size_t)(STATUS_MAX - len))) > 0 ||
	    (k == -1 && errno == EINTR)))
		if (k > 0)
			len += k;
	close(fd);
	buf[len] = '\0';
	for (p = buf; *p != '\0'; p = nl + 1) {
		char *val;
		long long v = 0;

		if ((nl = strchr(p, '\n')) == NULL)
			break;			/* a cut last line */
		*nl = '\0';
		if ((val = strchr(p, ' ')) == NULL)
			continue;
		*val++ = '\0';
		if (strcmp(p, "last_file") == 0) {
			str_lcpy(st->last_file, val, sizeof(st->last_file));
		} else if (strcmp(p, "last_result") == 0) {
			char *text = strchr(val, ' ');

			if (text != NULL)
				*text++ = '\0';
			if (parse_ll(val, &v) == 0)
				st->last_code = (long)v;
			str_lcpy(st->last_text, text != NULL ? text : "",
			    sizeof(st->last_text));
		} else if (parse_ll(val, &v) == 0) {
			if (strcmp(p, "pid") == 0)
				st->pid = (long)v;
			else if (strcmp(p, "pending") == 0)
				st->pending = (unsigned long long)v;
			else if (strcmp(p, "bad") == 0)
				st->bad = (unsigned long long)v;
			else if (strcmp(p, "delivered") == 0)
				st->delivered = (unsigned long long)v;
			else if (strcmp(p, "failures") == 0)
				st->failures = (unsigned long long)v;
			else if (strcmp(p, "last_attempt") == 0)
				st->last_attempt = (time_t)v;
			else if (strcmp(p, "last_success") == 0)
				st->last_success = (time_t)v;
			else if (strcmp(p, "next_retry") == 0)
				st->next_retry = (time_t)v;
		}
	}
	free(buf);
	return 0;
}
