/*
 * rstore — leases, the commit script, the single instance's checkpoint
 * in Redis, tenshi's lists and the status lines (see rstore.h; the
 * partitions are in cells.c, the keys in rstore_int.h).
 *
 * Why a commit cannot count a line twice: the checkpoint, the stream
 * trim and the report mails of one commit are written by one script, so
 * Redis has all of them or none; the script first compares every epoch
 * it is given with the partition's current one, and a take-over bumps
 * the epoch before the new owner reads the checkpoint, so a paused owner
 * ("zombie") can never write after another owner started from the same
 * checkpoint.  A commit whose reply was lost is sent again unchanged
 * with the same token; the script answers ALREADY when it went through.
 */
#include "daemon/rstore.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/checkpoint.h"
#include "daemon/daemon_int.h"
#include "daemon/inputs.h"
#include "daemon/lease.h"
#include "daemon/rstore_int.h"
#include "daemon/sendproc.h"
#include "daemon/state.h"
#include "deliver/outbox.h"
#include "deliver/outstream.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define LEASE_DEFAULT	10		/* s */
#define STREAM_DEFAULT	1000000ULL	/* entries per partition (relay) */
#define POLL_MS		100		/* the read timer */
#define LIST_MAX	20000		/* lines per list per poll */

/* ---- scripts ---- */

/*
 * KEYS: outbox, commit token key, then per unit epoch ckpt in audit.
 * ARGV: nunits nmails token owner audit, then per unit epoch blob last
 * from ("" last: no stream), then per mail queue file.
 */
static struct rconn_script commit_script = { .src =
	"local n, m = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
	"if redis.call('GET', KEYS[2]) == ARGV[3] then return {'ALREADY'} end\n"
	"local fenced = {'FENCED'}\n"
	"for i = 0, n - 1 do\n"
	"  if redis.call('GET', KEYS[3 + 4 * i]) ~= ARGV[6 + 4 * i] then\n"
	"    fenced[#fenced + 1] = i\n"
	"  end\n"
	"end\n"
	"if #fenced > 1 then return fenced end\n"
	"for i = 0, n - 1 do\n"
	"  local k, a = 3 + 4 * i, 6 + 4 * i\n"
	"  redis.call('SET', KEYS[k + 1], ARGV[a + 1])\n"
	"  if ARGV[a + 2] ~= '' then\n"
	"    if ARGV[5] == '1' and ARGV[a + 2] ~= ARGV[a + 3] then\n"
	"      redis.call('XADD', KEYS[k + 3], '*', 'epoch', ARGV[a],\n"
	"          'owner', ARGV[4], 'from', ARGV[a + 3], 'last', ARGV[a + 2])\n"
	"    end\n"
	"    redis.call('XTRIM', KEYS[k + 2], 'MINID', ARGV[a + 2])\n"
	"  end\n"
	"end\n"
	"local b = 6 + 4 * n\n"
	"for j = 0, m - 1 do\n"
	"  redis.call('XADD', KEYS[1], '*', 'q', ARGV[b + 2 * j],\n"
	"      'f', ARGV[b + 2 * j + 1], 'o', ARGV[4])\n"
	"end\n"
	"redis.call('SET', KEYS[2], ARGV[3], 'EX', 86400)\n"
	"return {'OK'}\n", .sha = "" };

/* ---- argument vectors ---- */

void
rstore_args_add(struct rargs *a, const void *p, size_t len)
{
	a->v = xreallocarray(a->v, a->n + 1, sizeof(*a->v));
	a->len = xreallocarray(a->len, a->n + 1, sizeof(*a->len));
	a->v[a->n] = xmemdup0(p, len);
	a->len[a->n++] = len;
}

void
rstore_args_str(struct rargs *a, const char *s)
{
	rstore_args_add(a, s, strlen(s));
}

void
rstore_args_free(struct rargs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	free(a->len);
	memset(a, 0, sizeof(*a));
}

/* ---- open, load ---- */

static void
random_hex(char *dst, size_t n)
{
	unsigned char r[8];
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		uint64_t v = (uint64_t)getpid() ^ (uint64_t)(clock_mono() * 1e6);

		memcpy(r, &v, sizeof(r));
	}
	for (i = 0; i < sizeof(r) && 2 * i + 2 < n; i++)
		snprintf(dst + 2 * i, 3, "%02x", r[i]);
}

int
rstore_open(struct daemon *d)
{
	const struct redis_conf *rc = &d->conf->redis;
	struct epoll_event ev = { .events = EPOLLIN };
	struct itimerspec its = { { 0, POLL_MS * 1000000L },
	    { 0, POLL_MS * 1000000L } };
	struct rstore *rs;
	char err[512], rnd[20];
	const char *pw = NULL;

	if (rc->url == NULL && rc->lists.n == 0)
		return 0;
	rs = d->rs = xcalloc(1, sizeof(*rs));
	rs->tfd = -1;
	buf_init(&rs->scratch, SIZE_MAX / 4);
	if (rc->url != NULL) {
		if (rc->password_file != NULL &&
		    (rs->password = sendproc_read_secret(rc->password_file)) == NULL) {
			log_warn("set redis_password_file %s", rc->password_file);
			return -1;
		}
		pw = rs->password;
		rs->url = xstrdup(rc->url);
		rs->r = rconn_new(rc->url, pw, "redis", err, sizeof(err));
		if (rs->r == NULL) {
			log_warnx("set redis: %s", err);
			return -1;
		}
		rs->prefix = xstrdup(rc->prefix != NULL ? rc->prefix : "lw");
		rs->name = xstrdup(d->o->instance != NULL ? d->o->instance :
		    rc->instance != NULL ? rc->instance : d->hostname);
		random_hex(rnd, sizeof(rnd));
		rs->owner = xasprintf("%s/%s", rs->name, rnd);
		rs->nparts = rc->partitions;
		rs->lease_ms = (rc->lease ? rc->lease : LEASE_DEFAULT) * 1000;
		rs->max_stream = rc->max_stream ? rc->max_stream : STREAM_DEFAULT;
		rs->k_members = xasprintf("%s:members", rs->prefix);
		rs->audit = getenv("LOGWARD_REDIS_AUDIT") != NULL &&
		    strcmp(getenv("LOGWARD_REDIS_AUDIT"), "1") == 0;
		if (rs->nparts == 0) {
			char *u = xasprintf("i.%s", rs->name);

			lease_unit_init(rs, &rs->local, u);
			free(u);
		} else {
			rs->was_free = xcalloc(rs->nparts, sizeof(bool));
			rs->corrupt = xcalloc(rs->nparts, sizeof(bool));
		}
		log_info("redis: %s as instance %s (%s)", rconn_where(rs->r),
		    rs->name, rs->nparts > 0 ? "partitions" : "its own checkpoint");
	}
	if (rc->lists.n > 0) {
		char *url = xasprintf("redis://%s", rc->list_server != NULL ?
		    rc->list_server : "localhost:6379");

		rs->lists = rconn_new(url, NULL, "redisqueue", err, sizeof(err));
		free(url);
		if (rs->lists == NULL) {
			log_warnx("set redisserver: %s", err);
			return -1;
		}
	}
	rs->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (rs->tfd == -1 || timerfd_settime(rs->tfd, 0, &its, NULL) == -1) {
		log_warn("timerfd");
		return -1;
	}
	ev.data.u64 = EV(TAG_REDIS, 0);
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, rs->tfd, &ev) == -1) {
		log_warn("epoll: redis timer");
		return -1;
	}
	return 0;
}

/* Waits a second; true when TERM or INT came meanwhile. */
static bool
wait_signal(struct daemon *d)
{
	struct pollfd pfd = { .fd = d->sigfd, .events = POLLIN };
	struct signalfd_siginfo si;

	if (poll(&pfd, 1, 1000) <= 0)
		return false;
	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_info("signal %d while waiting: stopping",
			    (int)si.ssi_signo);
			d->stop = true;
			return true;
		}
	return false;
}

int
rstore_load(struct daemon *d, struct state *st, char *err, size_t errlen)
{
	struct rstore *rs = d->rs;
	char holder[160] = "", *blob = NULL;
	size_t len;
	bool said = false;
	int r;

	memset(st, 0, sizeof(*st));
	if (rs == NULL || rs->r == NULL || rs->nparts > 0)
		return 1;
	/* a standby waits here until the lease is free */
	while ((r = lease_take(rs, &rs->local, &blob, &len, holder,
	    sizeof(holder))) != 1) {
		if (!said)
			log_info("redis: %s; waiting for it (a standby takes "
			    "over when that lease ends)", r == 0 ?
			    "another process holds this instance's lease" :
			    "cannot reach Redis");
		said = true;
		if (wait_signal(d)) {
			rs->idle = true;	/* never held: nothing to commit */
			return 1;
		}
	}
	log_info("redis: instance lease taken, epoch %" PRIu64, rs->local.epoch);
	rs->next_renew = clock_mono() + rs->lease_ms / 3000.0;
	if (blob == NULL)
		return 1;
	r = state_decode(blob, len, rs->local.k_ckpt, st, &d->engine, err,
	    errlen);
	free(blob);
	return r == 0 ? 0 : -1;
}

/* ---- commit ---- */

static bool
reply_is(const redisReply *rep, const char *word)
{
	return rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
	    rep->elements >= 1 && rep->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(rep->element[0]->str, word) == 0;
}

/* Builds the commit of the current state and the staged mails. */
static void
build(struct daemon *d)
{
	struct rstore *rs = d->rs;
	struct rargs keys = { 0 }, args = { 0 };
	char num[32];
	size_t i, nunits, k;

	rstore_args_str(&keys, rs->prefix);	/* replaced below */
	free(keys.v[0]);
	keys.v[0] = xasprintf("%s:out", rs->prefix);
	keys.len[0] = strlen(keys.v[0]);
	{
		char *ck = xasprintf("%s:commit:%s", rs->prefix, rs->owner);

		rstore_args_str(&keys, ck);
		free(ck);
	}
	snprintf(rs->token, sizeof(rs->token), "%s:%" PRIu64, rs->owner,
	    ++rs->ncommits);
	rstore_args_str(&args, "0");		/* units, set below */
	rstore_args_str(&args, "0");		/* mails */
	rstore_args_str(&args, rs->token);
	rstore_args_str(&args, rs->owner);
	rstore_args_str(&args, rs->audit ? "1" : "0");
	if (rs->nparts == 0) {
		struct state st;
		char *blob;
		size_t len;

		checkpoint_build(d, &st);
		blob = state_encode(&st, &d->engine, &len);
		state_free(&st);
		rstore_args_str(&keys, rs->local.k_epoch);
		rstore_args_str(&keys, rs->local.k_ckpt);
		rstore_args_str(&keys, rs->local.k_in);
		rstore_args_str(&keys, rs->local.k_audit);
		snprintf(num, sizeof(num), "%" PRIu64, rs->local.epoch);
		rstore_args_str(&args, num);
		rstore_args_add(&args, blob, len);
		rstore_args_str(&args, "");
		rstore_args_str(&args, "");
		free(blob);
	} else
		cells_commit_args(d, &keys, &args);
	nunits = (keys.n - 2) / 4;
	free(rs->pend_seqs);
	rs->pend_seqs = xcalloc(d->nstaged + 1, sizeof(*rs->pend_seqs));
	rs->npend = 0;
	for (i = 0; i < d->nstaged; i++) {
		size_t len;
		char *f = outbox_staged_read(&d->outbox, d->staged[i], &len);

		if (f == NULL)
			continue;	/* logged; it stays staged */
		rs->pend_seqs[rs->npend++] = d->staged[i];
		rstore_args_str(&args, "");	/* the queue, from the file */
		{
			const char *q = strstr(f, "\nqueue ");

			if (q != NULL && q < f + len) {
				q += 7;
				free(args.v[args.n - 1]);
				args.len[args.n - 1] = strcspn(q, "\n");
				args.v[args.n - 1] = xmemdup0(q,
				    args.len[args.n - 1]);
			}
		}
		rstore_args_add(&args, f, len);
		free(f);
	}
	snprintf(num, sizeof(num), "%zu", nunits);
	free(args.v[0]);
	args.v[0] = xstrdup(num);
	args.len[0] = strlen(num);
	snprintf(num, sizeof(num), "%zu", rs->npend);
	free(args.v[1]);
	args.v[1] = xstrdup(num);
	args.len[1] = strlen(num);
	/* one vector: keys then arguments */
	rstore_args_free(&rs->cargs);
	rs->cargs = keys;
	for (k = 0; k < args.n; k++)
		rstore_args_add(&rs->cargs, args.v[k], args.len[k]);
	rs->cnkeys = (int)keys.n;
	rstore_args_free(&args);
	rs->pending = true;
}

/* The commit went through: the staged mails it carried are in Redis. */
static void
committed(struct daemon *d)
{
	struct rstore *rs = d->rs;
	size_t i, j, k;

	for (i = 0; i < rs->npend; i++) {
		outbox_discard(&d->outbox, rs->pend_seqs[i]);
		for (j = k = 0; j < d->nstaged; j++)
			if (d->staged[j] != rs->pend_seqs[i])
				d->staged[k++] = d->staged[j];
		d->nstaged = k;
	}
	rs->npend = 0;
	rs->pending = false;
	rs->commits++;
	rstore_args_free(&rs->cargs);
	if (rs->nparts > 0)
		cells_committed(d);
}

void
rstore_forget(struct daemon *d)
{
	struct rstore *rs = d->rs;
	size_t i;

	for (i = 0; i < d->nstaged; i++)
		outbox_discard(&d->outbox, d->staged[i]);
	if (d->nstaged > 0)
		log_warnx("redis: %zu staged report%s dropped; their lines "
		    "are read again from Redis", d->nstaged,
		    d->nstaged == 1 ? "" : "s");
	d->nstaged = 0;
	rs->npend = 0;
	rs->pending = false;
	rstore_args_free(&rs->cargs);
}

/* Sends the commit in flight.  Returns 0 done, -1 not (unknown outcome:
 * kept for the next try), -2 refused (fenced). */
static int
send_commit(struct daemon *d)
{
	struct rstore *rs = d->rs;
	redisReply *rep;
	size_t i;

	rep = rconn_eval(rs->r, &commit_script, rs->cnkeys, (int)rs->cargs.n,
	    (const char **)rs->cargs.v, rs->cargs.len);
	if (rep == NULL)
		return -1;
	if (reply_is(rep, "OK") || reply_is(rep, "ALREADY")) {
		freeReplyObject(rep);
		committed(d);
		return 0;
	}
	if (reply_is(rep, "FENCED")) {
		rs->refused++;
		if (rs->nparts == 0) {
			log_warnx("redis: commit REFUSED: another process took "
			    "over instance %s (its epoch is newer than ours, "
			    "%" PRIu64 "); stopping without writing anything",
			    rs->name, rs->local.epoch);
			rs->fenced = true;
			d->stop = true;
		} else {
			for (i = 1; i < rep->elements; i++)
				if (rep->element[i]->type == REDIS_REPLY_INTEGER)
					log_warnx("redis: commit REFUSED: "
					    "partition %lld was taken over by "
					    "another instance meanwhile",
					    rep->element[i]->integer);
			log_warnx("redis: dropping every partition; they are "
			    "read again from their checkpoints");
		}
		freeReplyObject(rep);
		if (rs->nparts > 0)
			cells_drop_all(d, true);
		rstore_forget(d);
		return -2;
	}
	log_warnx("redis: commit failed: %s", rep->type == REDIS_REPLY_ERROR ?
	    rep->str : "unexpected answer");
	rs->errors++;
	freeReplyObject(rep);
	return -1;
}

int
rstore_commit(struct daemon *d)
{
	struct rstore *rs = d->rs;
	int r;

	if (rs->idle)
		return 0;
	if (rs->fenced)
		return -1;
	if (rs->pending) {
		/* the last one's outcome is unknown: the same again first */
		if ((r = send_commit(d)) != 0)
			return -1;
	}
	if (rs->nparts > 0 && rs->ncells == 0 && d->nstaged == 0)
		return 0;
	build(d);
	return send_commit(d) == 0 ? 0 : -1;
}

bool
rstore_active(const struct daemon *d)
{
	return d->rs != NULL && d->rs->r != NULL;
}

bool
rstore_mail_at_stop(const struct daemon *d)
{
	return d->rs == NULL || d->rs->r == NULL ||
	    (d->rs->nparts == 0 && !d->rs->fenced && !d->rs->idle);
}

void
rstore_stop(struct daemon *d)
{
	struct rstore *rs = d->rs;
	redisReply *rep;

	if (rs == NULL || rs->r == NULL)
		return;
	if (rs->nparts == 0) {
		if (!rs->fenced && !rs->idle)
			lease_release(rs, &rs->local);
		return;
	}
	cells_drop_all(d, true);
	rep = rconn_cmdv(rs->r, "ZREM", rs->k_members, rs->name, NULL);
	if (rep != NULL)
		freeReplyObject(rep);
}

void
rstore_close(struct daemon *d)
{
	struct rstore *rs = d->rs;

	if (rs == NULL)
		return;
	if (rs->ncells > 0)
		cells_drop_all(d, false);
	free(rs->cells);
	if (rs->nparts == 0 && rs->local.k_lease != NULL)
		lease_unit_free(&rs->local);
	rstore_args_free(&rs->cargs);
	free(rs->pend_seqs);
	free(rs->was_free);
	free(rs->corrupt);
	if (rs->tfd != -1)
		close(rs->tfd);
	rconn_free(rs->r);
	rconn_free(rs->lists);
	buf_free(&rs->scratch);
	free(rs->url);
	free(rs->password);
	free(rs->prefix);
	free(rs->name);
	free(rs->owner);
	free(rs->k_members);
	free(rs);
	d->rs = NULL;
}

/* ---- the read timer ---- */

static void
list_line(void *arg, size_t stream, const char *id, const char *line,
    size_t len, size_t cut_from)
{
	inputs_net_line(arg, line, len, cut_from);
}

bool
rstore_poll(struct daemon *d)
{
	struct rstore *rs = d->rs;
	uint64_t ticks;
	bool more = false;
	double m = clock_mono();

	while (read(rs->tfd, &ticks, sizeof(ticks)) > 0)
		;
	if (rs->lists != NULL) {
		const struct redis_conf *rc = &d->conf->redis;

		if (in_redis_lists_poll(rs->lists, rc->lists.n,
		    (const char *const *)rc->lists.v, LIST_MAX, d->conf->max_line,
		    &rs->in, list_line, d) >= LIST_MAX)
			more = true;
	}
	if (rs->r == NULL || rs->fenced)
		return more;
	if (rs->nparts > 0)
		return cells_poll(d, m >= rs->next_renew) || more;
	if (m >= rs->next_renew) {
		int r = lease_renew(rs, &rs->local);

		rs->next_renew = m + rs->lease_ms / 3000.0;
		if (r == 0) {
			log_warnx("redis: instance %s lost its lease to another "
			    "process; stopping without writing anything",
			    rs->name);
			rs->fenced = true;
			rs->lost++;
			d->stop = true;
		}
	}
	return more;
}

/* ---- schedule hooks, reload ---- */

void
rstore_gather(struct daemon *d, size_t qi)
{
	if (d->rs != NULL && d->rs->nparts > 0)
		cells_gather(d, qi);
}

void
rstore_scatter(struct daemon *d, size_t qi, bool mailed)
{
	if (d->rs != NULL && d->rs->nparts > 0)
		cells_scatter(d, qi, mailed);
}

void
rstore_reload(struct daemon *d)
{
	struct rstore *rs = d->rs;

	if (rs == NULL || rs->nparts == 0 || rs->ncells == 0)
		return;
	if (rstore_commit(d) == 0) {
		cells_drop_all(d, true);
		log_info("reload: partitions handed back; they are taken again "
		    "with the new rules");
	} else {
		cells_drop_all(d, false);
		rstore_forget(d);
		log_warnx("reload: the partitions could not be committed; "
		    "they are read again from their checkpoints");
	}
}

/* ---- status, sender ---- */

size_t
rstore_outbox_pending(struct daemon *d)
{
	struct rstore *rs = d->rs;
	char *k;
	redisReply *rep;
	size_t n = 0;

	if (rs == NULL || rs->r == NULL)
		return 0;
	k = xasprintf("%s:out", rs->prefix);
	rep = rconn_cmdv(rs->r, "XLEN", k, NULL);
	free(k);
	if (rep != NULL && rep->type == REDIS_REPLY_INTEGER && rep->integer > 0)
		n = (size_t)rep->integer;
	if (rep != NULL)
		freeReplyObject(rep);
	return n;
}

void
rstore_status(struct daemon *d, struct buf *b)
{
	struct rstore *rs = d->rs;

	if (rs == NULL)
		return;
	if (rs->lists != NULL)
		buf_printf(b, "redisqueue: %zu list%s at %s, %" PRIu64 " lines "
		    "popped (at most once)%s\n", d->conf->redis.lists.n,
		    d->conf->redis.lists.n == 1 ? "" : "s",
		    rconn_where(rs->lists), rs->in.list_lines,
		    rconn_error(rs->lists)[0] ? ", UNREACHABLE" : "");
	if (rs->r == NULL)
		return;
	buf_printf(b, "redis: %s, instance %s (owner %s), %s; %" PRIu64
	    " commits, %" PRIu64 " REFUSED (fenced), %" PRIu64 " errors%s%s\n",
	    rconn_where(rs->r), rs->name, rs->owner, rs->nparts > 0 ?
	    "partitions" : "its own checkpoint", rs->commits, rs->refused,
	    rs->errors, rconn_error(rs->r)[0] ? ", UNREACHABLE: " : "",
	    rconn_error(rs->r));
	if (rs->pending)
		buf_addstr(b, "redis: a commit is waiting for Redis\n");
	if (rs->nparts == 0) {
		buf_printf(b, "redis: lease %s, epoch %" PRIu64 "%s\n",
		    rs->local.k_lease, rs->local.epoch, rs->fenced ?
		    ", TAKEN OVER by another process" : "");
		buf_printf(b, "redis: outbox stream %s:out, %zu waiting\n",
		    rs->prefix, rstore_outbox_pending(d));
		return;
	}
	cells_status(d, b);
	buf_printf(b, "redis: outbox stream %s:out, %zu waiting\n", rs->prefix,
	    rstore_outbox_pending(d));
}

int
rstore_sender(struct daemon *d)
{
	struct rstore *rs = d->rs;
	struct outstream_opts o;
	char *consumer = xasprintf("%s", rs->name);
	int rc;

	memset(&o, 0, sizeof(o));
	o.url = rs->url;
	o.password = rs->password;
	o.prefix = rs->prefix;
	o.consumer = consumer;
	o.spooldir = d->spooldir;
	o.claim_idle = 2 * (d->conf->mailtimeout > 0 ? d->conf->mailtimeout :
	    10) + 5;
	rc = outstream_run(&d->smtp, &o);
	free(consumer);
	return rc;
}
