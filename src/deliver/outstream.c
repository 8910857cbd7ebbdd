/*
 * outstream — the sender of the outbox stream (see outstream.h).
 */
#include "deliver/outstream.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "deliver/sender.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/rconn.h"
#include "lib/xmem.h"

#define BLOCK_MS	"1000"		/* XREADGROUP BLOCK: how long a wait */

struct run {
	const struct smtp_conf *sc;
	const struct outstream_opts *o;
	struct rconn	*r;
	char		*key, *badkey, *status, *scratch;
	struct sender_status st;
	time_t		 retry_at;	/* wall: next attempt after a failure */
	int		 sigfd;
	bool		 stop;
};

/* Acks and deletes an entry in one step (a script: never half done). */
static struct rconn_script done_script = { .src =
	"redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n"
	"return redis.call('XDEL', KEYS[1], ARGV[2])\n", .sha = "" };

static void
status_write(struct run *r)
{
	const struct sender_status *st = &r->st;
	char *tmp = xasprintf("%s.tmp", r->status);
	struct buf b;
	FILE *fp;
	bool ok = false;

	buf_init(&b, 16 * 1024);
	buf_printf(&b, "version 1\npid %ld\npending %llu\nbad %llu\n"
	    "delivered %llu\nfailures %llu\nlast_attempt %lld\n"
	    "last_success %lld\nnext_retry %lld\nlast_result %ld %s\n"
	    "last_file %s\n", st->pid, st->pending, st->bad, st->delivered,
	    st->failures, (long long)st->last_attempt,
	    (long long)st->last_success, (long long)st->next_retry,
	    st->last_code, st->last_text, st->last_file);
	if ((fp = fopen(tmp, "we")) != NULL) {
		ok = fwrite(b.data, 1, b.len, fp) == b.len && fflush(fp) == 0 &&
		    fsync(fileno(fp)) == 0;
		if (fclose(fp) == EOF)
			ok = false;
	}
	if (!ok || rename(tmp, r->status) == -1) {
		log_warn("sender: cannot write %s", r->status);
		unlink(tmp);
	}
	buf_free(&b);
	free(tmp);
}

static unsigned long long
count(struct run *r, const char *key)
{
	redisReply *rep = rconn_cmdv(r->r, "XLEN", key, NULL);
	unsigned long long n = 0;

	if (rep != NULL && rep->type == REDIS_REPLY_INTEGER && rep->integer > 0)
		n = (unsigned long long)rep->integer;
	if (rep != NULL)
		freeReplyObject(rep);
	return n;
}

static void
ensure_group(struct run *r)
{
	redisReply *rep = rconn_cmdv(r->r, "XGROUP", "CREATE", r->key,
	    OUTSTREAM_GROUP, "0", "MKSTREAM", NULL);

	if (rep != NULL && rep->type == REDIS_REPLY_ERROR &&
	    strncmp(rep->str, "BUSYGROUP", 9) != 0)
		log_warnx("sender: XGROUP CREATE %s: %s", r->key, rep->str);
	if (rep != NULL)
		freeReplyObject(rep);
}

static const redisReply *
field(const redisReply *fields, const char *name)
{
	size_t i;

	if (fields == NULL || fields->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < fields->elements; i += 2)
		if (fields->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(fields->element[i]->str, name) == 0 &&
		    fields->element[i + 1]->type == REDIS_REPLY_STRING)
			return fields->element[i + 1];
	return NULL;
}

static void
finish(struct run *r, const char *id)
{
	const char *argv[3] = { r->key, OUTSTREAM_GROUP, id };
	redisReply *rep;

	rep = rconn_eval(r->r, &done_script, 1, 3, argv, NULL);
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
		log_warnx("sender: could not remove %s from %s (it may be "
		    "sent again)", id, r->key);
	if (rep != NULL)
		freeReplyObject(rep);
}

/* A mail that can never be delivered: kept in PREFIX:bad with why. */
static void
quarantine(struct run *r, const char *id, const redisReply *f,
    const char *why)
{
	const char *argv[7] = { "XADD", r->badkey, "*", "f", "", "why", why };
	size_t lens[7];
	redisReply *rep;
	int i;

	for (i = 0; i < 7; i++)
		lens[i] = strlen(argv[i]);
	if (f != NULL) {
		argv[4] = f->str;
		lens[4] = f->len;
	}
	rep = rconn_cmd(r->r, 7, argv, lens);
	if (rep != NULL)
		freeReplyObject(rep);
	log_warnx("sender: stream entry %s can never be delivered (%s); "
	    "moved to %s", id, why, r->badkey);
	finish(r, id);
	r->st.bad++;
}

/* Delivers one entry.  Returns true when it is done with (delivered or
 * quarantined), false to retry later. */
static bool
deliver(struct run *r, const char *id, const redisReply *fields)
{
	const redisReply *f = field(fields, "f");
	struct smtp_result res;
	int fd, rc;

	memset(&res, 0, sizeof(res));
	r->st.last_attempt = time(NULL);
	snprintf(r->st.last_file, sizeof(r->st.last_file), "%s %s", r->key, id);
	if (f == NULL) {
		quarantine(r, id, NULL, "no 'f' field");
		return true;
	}
	fd = open(r->scratch, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || write(fd, f->str, f->len) != (ssize_t)f->len) {
		log_warn("sender: cannot write %s", r->scratch);
		if (fd != -1)
			close(fd);
		return false;
	}
	close(fd);
	rc = sender_deliver_file(r->sc, r->scratch, &res);
	unlink(r->scratch);
	r->st.last_code = res.code;
	snprintf(r->st.last_text, sizeof(r->st.last_text), "%s", res.msg);
	if (rc == 0) {
		finish(r, id);
		r->st.delivered++;
		r->st.failures = 0;
		r->st.next_retry = 0;
		r->st.last_success = time(NULL);
		log_info("sender: %s %s delivered: %s", r->key, id, res.msg);
		return true;
	}
	if (res.permanent) {
		quarantine(r, id, f, res.msg);
		return true;
	}
	r->st.failures++;
	{
		time_t wait = SENDER_BACKOFF_MIN;
		unsigned long long k;

		for (k = 1; k < r->st.failures && wait < SENDER_BACKOFF_MAX; k++)
			wait *= 2;
		if (wait > SENDER_BACKOFF_MAX)
			wait = SENDER_BACKOFF_MAX;
		r->retry_at = time(NULL) + wait;
		r->st.next_retry = r->retry_at;
	}
	log_warnx("sender: %s %s not delivered (%s); retrying at the latest "
	    "in %lld s", r->key, id, res.msg,
	    (long long)(r->retry_at - time(NULL)));
	return false;
}

/* The entries of a reply shaped [[id, fields], ...]: delivers the first
 * (one at a time, in order).  Returns 1 when one was handled, 0 when
 * there was none, -1 when it must be retried later. */
static int
handle(struct run *r, const redisReply *entries)
{
	size_t i;

	for (i = 0; entries != NULL && entries->type == REDIS_REPLY_ARRAY &&
	    i < entries->elements; i++) {
		const redisReply *en = entries->element[i];
		char id[64];

		if (en->type != REDIS_REPLY_ARRAY || en->elements < 2 ||
		    en->element[0]->type != REDIS_REPLY_STRING ||
		    en->element[0]->len >= sizeof(id))
			continue;
		memcpy(id, en->element[0]->str, en->element[0]->len);
		id[en->element[0]->len] = '\0';
		if (en->element[1]->type != REDIS_REPLY_ARRAY) {
			/* deleted while pending (a sender finished it but
			 * died before the ack): just ack */
			finish(r, id);
			return 1;
		}
		return deliver(r, id, en->element[1]) ? 1 : -1;
	}
	return 0;
}

/* The entries of an XREAD(GROUP) reply [[key, entries]]. */
static const redisReply *
stream_entries(const redisReply *rep)
{
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
	    rep->element[0]->type != REDIS_REPLY_ARRAY ||
	    rep->element[0]->elements != 2)
		return NULL;
	return rep->element[0]->element[1];
}

/* One step: our own pending entries first (after a restart), then those
 * of senders that died, then new ones (waiting up to BLOCK_MS).  Returns
 * as handle(). */
static int
step(struct run *r)
{
	char idle[32];
	redisReply *rep;
	int k;

	rep = rconn_cmdv(r->r, "XREADGROUP", "GROUP", OUTSTREAM_GROUP,
	    r->o->consumer, "COUNT", "1", "STREAMS", r->key, "0", NULL);
	if (rep != NULL && rep->type == REDIS_REPLY_ERROR &&
	    strncmp(rep->str, "NOGROUP", 7) == 0) {
		freeReplyObject(rep);
		ensure_group(r);
		return 0;
	}
	k = rep != NULL ? handle(r, stream_entries(rep)) : -1;
	if (rep != NULL)
		freeReplyObject(rep);
	if (k != 0)
		return k;
	snprintf(idle, sizeof(idle), "%u", r->o->claim_idle * 1000);
	rep = rconn_cmdv(r->r, "XAUTOCLAIM", r->key, OUTSTREAM_GROUP,
	    r->o->consumer, idle, "0-0", "COUNT", "1", NULL);
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements >= 2) {
		k = handle(r, rep->element[1]);
		if (k != 0)
			log_info("sender: took over a mail another sender had "
			    "not finished");
	}
	if (rep != NULL)
		freeReplyObject(rep);
	if (k != 0)
		return k;
	rep = rconn_cmdv(r->r, "XREADGROUP", "GROUP", OUTSTREAM_GROUP,
	    r->o->consumer, "COUNT", "1", "BLOCK", BLOCK_MS, "STREAMS", r->key,
	    ">", NULL);
	if (rep == NULL)
		return -1;
	k = handle(r, stream_entries(rep));
	freeReplyObject(rep);
	return k;
}

static void
read_signals(struct run *r, bool *now)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			r->stop = true;
		else if (si.ssi_signo == SIGUSR1)
			*now = true;
	}
}

int
outstream_run(const struct smtp_conf *sc, const struct outstream_opts *o)
{
	struct run r = { .sc = sc, .o = o, .sigfd = -1 };
	char err[512], *lockpath;
	sigset_t set, old;
	int ret = 1, lockfd = -1;

	if (smtp_init() == -1)
		return 1;
	r.r = rconn_new(o->url, o->password, "sender", err, sizeof(err));
	if (r.r == NULL) {
		log_warnx("sender: set redis: %s", err);
		return 1;
	}
	r.key = xasprintf("%s:out", o->prefix);
	r.badkey = xasprintf("%s:bad", o->prefix);
	r.status = xasprintf("%s/sender.status", o->spooldir);
	r.scratch = xasprintf("%s/sender.mail.%ld", o->spooldir, (long)getpid());
	r.st.pid = (long)getpid();
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	signal(SIGPIPE, SIG_IGN);
	if ((r.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		log_warn("sender: signalfd");
		goto out;
	}
	/* one sender per spool, as for the file outbox: the one a killed
	 * daemon left finishes its transfer first (the same consumer name
	 * would otherwise take the same pending entry twice) */
	lockpath = xasprintf("%s/sender.lock", o->spooldir);
	if ((lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("sender: %s", lockpath);
		free(lockpath);
		goto out;
	}
	free(lockpath);
	if (flock(lockfd, LOCK_EX | LOCK_NB) == -1) {
		log_info("sender: waiting for the previous sender of %s to end",
		    o->spooldir);
		if (flock(lockfd, LOCK_EX) == -1) {
			log_warn("sender: lock");
			goto out;
		}
	}
	/* a transfer in progress is finished on SIGTERM (see sender_run) */
	smtp_abort_on_term = false;
	ensure_group(&r);
	r.st.pending = count(&r, r.key);
	r.st.bad = count(&r, r.badkey);
	status_write(&r);
	while (!r.stop) {
		bool now = false;
		int k, wait_ms = 0;

		read_signals(&r, &now);
		if (r.stop)
			break;
		if (r.st.failures > 0 && !now && time(NULL) < r.retry_at)
			wait_ms = 1000;
		else {
			k = step(&r);
			r.st.pending = count(&r, r.key);
			if (k != 0)
				status_write(&r);
			if (k == -1 && r.st.failures == 0)
				wait_ms = 1000;	/* Redis down: once a second */
		}
		if (wait_ms > 0) {
			struct pollfd pfd = { .fd = r.sigfd, .events = POLLIN };

			if (poll(&pfd, 1, wait_ms) == -1 && errno != EINTR) {
				log_warn("sender: poll");
				goto out;
			}
		}
	}
	ret = 0;
out:
	r.st.pid = 0;
	status_write(&r);
	if (r.sigfd != -1)
		close(r.sigfd);
	if (lockfd != -1)
		close(lockfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	rconn_free(r.r);
	free(r.key);
	free(r.badkey);
	free(r.status);
	free(r.scratch);
	return ret;
}
