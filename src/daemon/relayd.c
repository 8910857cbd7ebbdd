/*
 * relayd — syslog in, Redis partition streams out (see relayd.h).
 */
#include "daemon/relayd.h"

#include <errno.h>
#include <inttypes.h>
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
#include "daemon/sendproc.h"
#include "input/in_redis.h"
#include "input/in_syslog.h"
#include "input/record.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/rconn.h"
#include "lib/xmem.h"

#define BATCH_LINES	500		/* per partition: send at once */
#define HOLD_MAX	100000		/* lines held before the listeners pause */
#define FLUSH_MS	100
#define STREAM_DEFAULT	1000000ULL

/*
 * KEYS stream, this relay's token key; ARGV cap token, then h l pairs.
 * -1 when the stream is full, -2 when this batch was added already (its
 * reply was lost: a retry must not add it twice).
 */
static struct rconn_script add_script = { .src =
	"if redis.call('GET', KEYS[2]) == ARGV[2] then return -2 end\n"
	"if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then\n"
	"  return -1\n"
	"end\n"
	"for i = 3, #ARGV, 2 do\n"
	"  redis.call('XADD', KEYS[1], '*', 'h', ARGV[i], 'l', ARGV[i + 1])\n"
	"end\n"
	"redis.call('SET', KEYS[2], ARGV[2], 'EX', 3600)\n"
	"return (#ARGV - 2) / 2\n", .sha = "" };

/* A batch: owned argv = key, token key, cap, token, h, l, h, l... */
struct batch {
	char		**argv;
	size_t		*lens;
	size_t		 n, cap;	/* argv used and allocated */
};

#define HEAD	4		/* argv before the first h */

struct part {
	char		*key;		/* owned: PREFIX:{P}:in */
	char		*tokkey;	/* owned: PREFIX:{P}:relay:ID */
	struct batch	 cur;		/* filling */
	struct batch	 sent;		/* sent, outcome unknown or refused:
					   sent again as it is */
	bool		 full;		/* the last try found the stream full */
};

struct relay {
	struct conf	*conf;
	struct rconn	*r;
	struct in_syslog **ls;
	size_t		 nls;
	struct part	*parts;
	unsigned	 nparts;
	char		 capstr[32];
	char		 id[40];	/* this relay process */
	uint64_t	 nbatch;
	size_t		 held;		/* lines waiting in the batches */
	bool		 paused;	/* the listeners are not read */
	int		 epfd, sigfd, tfd;
	bool		 stop;
	uint64_t	 received, appended, full_waits, unknown_host;
};

static void
batch_add(struct batch *b, const char *s, size_t len)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->argv = xreallocarray(b->argv, b->cap, sizeof(*b->argv));
		b->lens = xreallocarray(b->lens, b->cap, sizeof(*b->lens));
	}
	b->argv[b->n] = xmemdup0(s, len);
	b->lens[b->n++] = len;
}

static void
batch_free(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->argv[i]);
	free(b->argv);
	free(b->lens);
	memset(b, 0, sizeof(*b));
}

/* A new batch of p with its head (a fresh token). */
static void
batch_start(struct relay *rl, struct part *p, struct batch *b)
{
	char tok[64];

	snprintf(tok, sizeof(tok), "%s:%" PRIu64, rl->id, ++rl->nbatch);
	batch_add(b, p->key, strlen(p->key));
	batch_add(b, p->tokkey, strlen(p->tokkey));
	batch_add(b, rl->capstr, strlen(rl->capstr));
	batch_add(b, tok, strlen(tok));
}

/* Sends p->sent.  Returns 0 added (or added before), -1 kept. */
static int
send_batch(struct relay *rl, struct part *p)
{
	redisReply *rep;
	int rc = -1;

	rep = rconn_eval(rl->r, &add_script, 2, (int)p->sent.n,
	    (const char **)p->sent.argv, p->sent.lens);
	if (rep == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_INTEGER &&
	    (rep->integer >= 0 || rep->integer == -2)) {
		size_t k = (p->sent.n - HEAD) / 2;

		rl->appended += k;
		rl->held -= k;
		batch_free(&p->sent);
		if (p->full)
			log_info("relay: %s has room again", p->key);
		p->full = false;
		rc = 0;
	} else if (rep->type == REDIS_REPLY_INTEGER) {
		if (!p->full) {
			log_warnx("relay: %s holds %s entries (set "
			    "redis_max_stream): waiting for its owner to "
			    "commit; the listeners pause meanwhile", p->key,
			    rl->capstr);
			rl->full_waits++;
		}
		p->full = true;
	} else
		log_warnx("relay: adding to %s: %s", p->key,
		    rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected answer");
	freeReplyObject(rep);
	return rc;
}

/* Sends what partition p holds.  Returns 0 all sent, -1 some kept. */
static int
flush_part(struct relay *rl, struct part *p)
{
	if (p->sent.n > 0 && send_batch(rl, p) == -1)
		return -1;
	if (p->cur.n <= HEAD)
		return 0;
	p->sent = p->cur;
	memset(&p->cur, 0, sizeof(p->cur));
	batch_start(rl, p, &p->cur);
	return send_batch(rl, p);
}

static void
listeners_watch(struct relay *rl, bool on)
{
	int fds[256];
	size_t i, j, n;

	for (i = 0; i < rl->nls; i++) {
		n = in_syslog_fds(rl->ls[i], fds, 256);
		for (j = 0; j < n && j < 256; j++) {
			struct epoll_event ev = { .events = EPOLLIN,
			    .data.fd = fds[j] };

			if (on)
				(void)epoll_ctl(rl->epfd, EPOLL_CTL_ADD, fds[j], &ev);
			else
				(void)epoll_ctl(rl->epfd, EPOLL_CTL_DEL, fds[j], NULL);
		}
	}
}

/* Sends every batch; pauses or resumes the listeners. */
static void
flush_all(struct relay *rl)
{
	unsigned i;
	bool ok = true;

	for (i = 0; i < rl->nparts; i++)
		if (flush_part(rl, &rl->parts[i]) == -1)
			ok = false;
	if (!ok && rl->held >= HOLD_MAX && !rl->paused) {
		log_warnx("relay: %zu lines wait for Redis; not reading the "
		    "listeners until they are sent", rl->held);
		listeners_watch(rl, false);
		rl->paused = true;
	} else if (rl->paused && rl->held < HOLD_MAX / 2) {
		log_info("relay: reading the listeners again");
		listeners_watch(rl, true);
		rl->paused = false;
	}
}

static void
on_msg(void *arg, const char *line, size_t len, size_t cut_from)
{
	struct relay *rl = arg;
	struct record rec;
	const char *host = "unknown-host";
	size_t hostlen = strlen(host);
	struct part *p;

	record_parse(&rec, line, len);
	if (rec.host != NULL && rec.hostlen > 0) {
		host = rec.host;
		hostlen = rec.hostlen;
	} else
		rl->unknown_host++;
	p = &rl->parts[in_redis_partition(host, hostlen, rl->nparts)];
	batch_add(&p->cur, host, hostlen);
	batch_add(&p->cur, line, len);
	rl->received++;
	rl->held++;
	if ((p->cur.n - HEAD) / 2 >= BATCH_LINES && p->sent.n == 0)
		flush_part(rl, p);
}

static void
fd_change(void *arg, int fd, bool added)
{
	struct relay *rl = arg;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (rl->paused)
		return;
	if (added)
		(void)epoll_ctl(rl->epfd, EPOLL_CTL_ADD, fd, &ev);
	else
		(void)epoll_ctl(rl->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static int
setup(struct relay *rl)
{
	const struct conf *c = rl->conf;
	const struct redis_conf *rc = &c->redis;
	struct in_syslog_opts so = {
		.max_msg = c->max_line,
		.idle_timeout = c->listen_idle,
		.max_conns = c->listen_max_conns,
		.fd_change = fd_change,
		.fd_arg = rl,
	};
	struct itimerspec its = { { 0, FLUSH_MS * 1000000L },
	    { 0, FLUSH_MS * 1000000L } };
	struct epoll_event ev = { .events = EPOLLIN };
	char err[512], *pw = NULL;
	const char *prefix = rc->prefix != NULL ? rc->prefix : "lw";
	sigset_t set;
	unsigned i;

	if (rc->url == NULL || rc->partitions == 0) {
		log_warnx("relay: the configuration needs set redis and set "
		    "partitions (the same as the instances')");
		return -1;
	}
	if (c->listens.n == 0) {
		log_warnx("relay: no set listen: nothing to relay");
		return -1;
	}
	if (rc->password_file != NULL &&
	    (pw = sendproc_read_secret(rc->password_file)) == NULL) {
		log_warn("set redis_password_file %s", rc->password_file);
		return -1;
	}
	rl->r = rconn_new(rc->url, pw, "relay", err, sizeof(err));
	free(pw);
	if (rl->r == NULL) {
		log_warnx("set redis: %s", err);
		return -1;
	}
	snprintf(rl->capstr, sizeof(rl->capstr), "%llu", rc->max_stream ?
	    rc->max_stream : STREAM_DEFAULT);
	rl->nparts = rc->partitions;
	rl->parts = xcalloc(rl->nparts, sizeof(*rl->parts));
	{
		unsigned char r[8];
		size_t k;

		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			memset(r, 0, sizeof(r));
		for (k = 0; k < sizeof(r); k++)
			snprintf(rl->id + 2 * k, 3, "%02x", r[k]);
	}
	for (i = 0; i < rl->nparts; i++) {
		char name[4];

		in_redis_partition_name(i, rl->nparts, name);
		rl->parts[i].key = xasprintf("%s:{%s}:in", prefix, name);
		rl->parts[i].tokkey = xasprintf("%s:{%s}:relay:%s", prefix,
		    name, rl->id);
		batch_start(rl, &rl->parts[i], &rl->parts[i].cur);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	rl->epfd = epoll_create1(EPOLL_CLOEXEC);
	rl->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	rl->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (rl->epfd == -1 || rl->sigfd == -1 || rl->tfd == -1 ||
	    timerfd_settime(rl->tfd, 0, &its, NULL) == -1) {
		log_warn("relay: epoll/signalfd/timerfd");
		return -1;
	}
	ev.data.fd = rl->sigfd;
	epoll_ctl(rl->epfd, EPOLL_CTL_ADD, rl->sigfd, &ev);
	ev.data.fd = rl->tfd;
	epoll_ctl(rl->epfd, EPOLL_CTL_ADD, rl->tfd, &ev);
	rl->ls = xcalloc(c->listens.n, sizeof(*rl->ls));
	for (i = 0; i < c->listens.n; i++) {
		struct in_syslog *s = in_syslog_open(c->listens.v[i], &so, err,
		    sizeof(err));

		if (s == NULL) {
			log_warnx("set listen %s: %s", c->listens.v[i], err);
			return -1;
		}
		rl->ls[rl->nls++] = s;
		ev.data.fd = in_syslog_fd(s);
		epoll_ctl(rl->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
		log_info("relay: listening on %s", c->listens.v[i]);
	}
	log_info("relay: to %u partitions at %s", rl->nparts, rconn_where(rl->r));
	return 0;
}

static void
loop(struct relay *rl)
{
	struct epoll_event ev[32];
	struct signalfd_siginfo si;
	uint64_t ticks;
	time_t now;
	size_t j;
	int n, i;

	while (!rl->stop) {
		n = epoll_wait(rl->epfd, ev, 32, -1);
		if (n == -1 && errno != EINTR) {
			log_warn("relay: epoll_wait");
			return;
		}
		now = time(NULL);
		for (i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == rl->sigfd) {
				while (read(rl->sigfd, &si, sizeof(si)) ==
				    (ssize_t)sizeof(si))
					if (si.ssi_signo != SIGHUP)
						rl->stop = true;
			} else if (fd == rl->tfd) {
				while (read(rl->tfd, &ticks, sizeof(ticks)) > 0)
					;
				for (j = 0; j < rl->nls; j++)
					in_syslog_tick(rl->ls[j], now, on_msg, rl);
				flush_all(rl);
			} else if (!rl->paused) {
				for (j = 0; j < rl->nls; j++)
					(void)in_syslog_ready(rl->ls[j], fd, now,
					    on_msg, rl);
			}
		}
	}
}

int
relayd_run(const struct relayd_opts *o)
{
	struct relay rl;
	double until;
	unsigned i;
	size_t j;
	int rc = 1;

	memset(&rl, 0, sizeof(rl));
	rl.epfd = rl.sigfd = rl.tfd = -1;
	log_init("logward", o->verbose);
	clock_init();
	rl.conf = xcalloc(1, sizeof(*rl.conf));
	if (conf_load(rl.conf, o->conf_path) == -1) {
		conf_print_diags(rl.conf, stderr, true);
		goto out;
	}
	conf_print_diags(rl.conf, stderr, true);
	if (setup(&rl) == -1)
		goto out;
	loop(&rl);
	/* what was received goes out before the stop (a few seconds at most) */
	for (j = 0; j < rl.nls; j++)
		in_syslog_quiesce(rl.ls[j]);
	until = clock_mono() + 5;
	while (rl.held > 0 && clock_mono() < until) {
		flush_all(&rl);
		if (rl.held > 0)
			usleep(100000);
	}
	if (rl.held > 0)
		log_warnx("relay: stopping with %zu lines NOT sent (Redis "
		    "did not take them)", rl.held);
	log_info("relay: stopped: %" PRIu64 " messages received, %" PRIu64
	    " added to the streams, %" PRIu64 " without a host (partition of "
	    "\"unknown-host\"), %" PRIu64 " waits for a full stream",
	    rl.received, rl.appended, rl.unknown_host, rl.full_waits);
	rc = 0;
out:
	for (j = 0; j < rl.nls; j++)
		in_syslog_free(rl.ls[j]);
	free(rl.ls);
	for (i = 0; rl.parts != NULL && i < rl.nparts; i++) {
		batch_free(&rl.parts[i].cur);
		batch_free(&rl.parts[i].sent);
		free(rl.parts[i].key);
		free(rl.parts[i].tokkey);
	}
	free(rl.parts);
	rconn_free(rl.r);
	if (rl.epfd != -1)
		close(rl.epfd);
	if (rl.sigfd != -1)
		close(rl.sigfd);
	if (rl.tfd != -1)
		close(rl.tfd);
	conf_free(rl.conf);
	free(rl.conf);
	return rc;
}
