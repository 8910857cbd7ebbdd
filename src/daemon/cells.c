/*
 * cells — the partitions an instance owns (`set partitions`): one
 * engine per partition ("cell"), so a partition's checkpoint holds
 * exactly its hosts' queues and rule state in state.c's format, its
 * stream position in the section "redis.stream".  Lines come from the
 * partitions' streams (XREAD from the position, no consumer groups: one
 * owner per partition).  Balance: every instance heartbeats into
 * PREFIX:members (server time) and holds at most ceil(P / live
 * instances) partitions, taking free ones (a partition free at two looks
 * in a row is taken even past that share, so none stays unread) and
 * handing extras over after a commit.  Reports: at a firing the cells'
 * queues are copied into d->engine and rendered there, one mail per
 * queue for all the partitions this instance owns (rstore_gather).
 */
#include "daemon/rstore.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "daemon/checkpoint.h"
#include "daemon/daemon_int.h"
#include "daemon/lease.h"
#include "daemon/rstore_int.h"
#include "daemon/state.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/xmem.h"
#include "queue/cron.h"
#include "queue/queue.h"
#include "report/report.h"

#define READ_COUNT	1000		/* entries per stream per XREAD */
#define SECTION		"redis.stream"	/* the position in a checkpoint */
#define LAG_MAX		10000		/* status counts the lag up to this */
#define LAG_MAX_STR	"10000"

/* KEYS members; ARGV name lease_ms.  Returns the live instances. */
static struct rconn_script members_script = { .src =
	"local t = redis.call('TIME')\n"
	"local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
	"redis.call('ZADD', KEYS[1], now, ARGV[1])\n"
	"redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 2 * ARGV[2])\n"
	"return redis.call('ZCARD', KEYS[1])\n", .sha = "" };

static struct cell *
find(const struct rstore *rs, unsigned p)
{
	size_t i;

	for (i = 0; i < rs->ncells; i++)
		if (rs->cells[i]->part == p)
			return rs->cells[i];
	return NULL;
}

static void
cell_free(struct cell *c)
{
	engine_free(&c->eng);
	lease_unit_free(&c->u);
	free(c);
}

/* Removes cell i (its lease released when release). */
static void
drop(struct daemon *d, size_t i, bool release)
{
	struct rstore *rs = d->rs;
	struct cell *c = rs->cells[i];

	if (release)
		lease_release(rs, &c->u);
	cell_free(c);
	rs->cells[i] = rs->cells[--rs->ncells];
}

void
cells_drop_all(struct daemon *d, bool release)
{
	struct rstore *rs = d->rs;

	while (rs->ncells > 0)
		drop(d, rs->ncells - 1, release);
	rstore_forget(d);
}

/* The partition's schedule joins the instance's: a firing it missed
 * makes the instance fire soon, and restored [now] lines go out. */
static void
merge_schedule(struct daemon *d, struct cell *c, const struct state *st)
{
	const struct conf *cf = d->conf;
	size_t qi, k;

	for (qi = 0; qi < cf->nqueues; qi++) {
		struct qrun *r = &d->qr[qi];

		for (k = 0; k < st->nqueues; k++) {
			const struct state_queue *sq = &st->queues[k];

			if (strcmp(sq->name, cf->queues[qi].name) != 0)
				continue;
			if (sq->report_start > 0 && sq->report_start < r->report_start)
				r->report_start = sq->report_start;
			if (!cf->queues[qi].now && sq->last_fire > 0 &&
			    sq->last_fire < r->last_fire) {
				r->last_fire = sq->last_fire;
				r->next = cron_next(&cf->queues[qi].cron,
				    r->last_fire);
			}
		}
		if (cf->queues[qi].now && report_pending(&c->eng, qi) &&
		    r->due == 0)
			r->due = d->now + (cf->sleep > 0 ? cf->sleep : 1);
	}
}

/* Takes partition p if its lease is free.  Returns 1 taken, 0 not. */
static int
take(struct daemon *d, unsigned p)
{
	struct rstore *rs = d->rs;
	struct cell *c = xcalloc(1, sizeof(*c));
	struct state st;
	char *blob = NULL, err[512], holder[160];
	size_t len;
	int r;

	c->part = p;
	in_redis_partition_name(p, rs->nparts, c->name);
	lease_unit_init(rs, &c->u, c->name);
	r = lease_take(rs, &c->u, &blob, &len, holder, sizeof(holder));
	if (r != 1) {
		lease_unit_free(&c->u);
		free(c);
		return 0;
	}
	engine_init(&c->eng, d->conf);
	snprintf(c->pos, sizeof(c->pos), "0-0");
	if (blob != NULL) {
		if (state_decode(blob, len, c->u.k_ckpt, &st, &c->eng, err,
		    sizeof(err)) == -1) {
			log_warnx("redis: partition %s: %s; it is NOT read "
			    "(repair or delete %s)", c->name, err, c->u.k_ckpt);
			rs->corrupt[p] = true;
			free(blob);
			lease_release(rs, &c->u);
			cell_free(c);
			return 0;
		}
		{
			const struct state_section *sec =
			    state_section_get(&st, SECTION);

			if (sec != NULL && sec->len > 0 &&
			    sec->len < sizeof(c->pos)) {
				memcpy(c->pos, sec->data, sec->len);
				c->pos[sec->len] = '\0';
			}
		}
		merge_schedule(d, c, &st);
		state_free(&st);
		free(blob);
	}
	memcpy(c->committed, c->pos, sizeof(c->pos));
	rs->cells = xreallocarray(rs->cells, rs->ncells + 1, sizeof(*rs->cells));
	rs->cells[rs->ncells++] = c;
	rs->takeovers++;
	log_info("redis: took partition %s (epoch %" PRIu64 ", reading after "
	    "%s)", c->name, c->u.epoch, c->pos);
	return 1;
}

/* ---- balance ---- */

static int
heartbeat(struct rstore *rs)
{
	char ttl[16];
	const char *argv[3] = { rs->k_members, rs->name, ttl };
	redisReply *rep;
	int n = -1;

	snprintf(ttl, sizeof(ttl), "%u", rs->lease_ms);
	rep = rconn_eval(rs->r, &members_script, 1, 3, argv, NULL);
	if (rep != NULL && rep->type == REDIS_REPLY_INTEGER)
		n = (int)rep->integer;
	if (rep != NULL)
		freeReplyObject(rep);
	if (n > 0)
		rs->members = (unsigned)n;
	return n;
}

/* Renews every lease; a lost one drops its cell (and every cell when
 * staged mails or a commit in flight hold its lines too). */
static void
renew_all(struct daemon *d)
{
	struct rstore *rs = d->rs;
	size_t i;

	for (i = 0; i < rs->ncells; ) {
		struct cell *c = rs->cells[i];
		int r = lease_renew(rs, &c->u);

		if (r == -1)
			return;		/* Redis away: try again later */
		if (r == 1) {
			i++;
			continue;
		}
		rs->lost++;
		log_warnx("redis: lost the lease of partition %s (taken over "
		    "while this instance did not renew it)", c->name);
		if (d->nstaged > 0 || rs->pending) {
			log_warnx("redis: dropping every partition: staged "
			    "reports also hold lines of %s", c->name);
			cells_drop_all(d, true);
			return;
		}
		drop(d, i, false);
	}
}

static void
balance(struct daemon *d)
{
	struct rstore *rs = d->rs;
	const char **argv;
	redisReply *rep;
	unsigned target, i, p, off, n;
	char *namepfx;
	size_t k;

	if (heartbeat(rs) <= 0)
		return;
	n = rs->members;
	target = (rs->nparts + n - 1) / n;
	argv = xcalloc(rs->nparts + 2, sizeof(*argv));
	argv[0] = "MGET";
	for (p = 0; p < rs->nparts; p++) {
		char name[4];

		in_redis_partition_name(p, rs->nparts, name);
		argv[p + 1] = xasprintf("%s:{%s}:lease", rs->prefix, name);
	}
	rep = rconn_cmd(rs->r, (int)rs->nparts + 1, argv, NULL);
	for (p = 0; p < rs->nparts; p++)
		free((char *)argv[p + 1]);
	free(argv);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY ||
	    rep->elements != rs->nparts) {
		if (rep != NULL)
			freeReplyObject(rep);
		return;
	}
	namepfx = xasprintf("%s/", rs->name);
	off = in_redis_partition(rs->name, strlen(rs->name), rs->nparts);
	for (i = 0; i < rs->nparts; i++) {
		const redisReply *v;
		bool isfree;

		p = (off + i) % rs->nparts;
		v = rep->element[p];
		if (find(rs, p) != NULL || rs->corrupt[p])
			continue;
		isfree = v->type != REDIS_REPLY_STRING ||
		    strncmp(v->str, namepfx, strlen(namepfx)) == 0;
		if (isfree && (rs->ncells < target || rs->was_free[p]))
			take(d, p);
		rs->was_free[p] = isfree && find(rs, p) == NULL;
	}
	free(namepfx);
	freeReplyObject(rep);
	/* more than a fair share: hand one over (after a commit) */
	if (rs->ncells > target) {
		for (k = 0; k < rs->ncells; k++)
			if (rs->cells[k]->release)
				break;
		if (k == rs->ncells) {
			rs->cells[rs->ncells - 1]->release = true;
			log_info("redis: %u live instances, a share of %u "
			    "partitions: handing partition %s over",
			    n, target, rs->cells[rs->ncells - 1]->name);
			checkpoint_write(d);
		}
	}
}

/* ---- reading ---- */

static void
cell_line(void *arg, size_t s, const char *id, const char *line, size_t len,
    size_t cut_from)
{
	struct daemon *d = arg;
	struct cell *c = d->rs->cells[s];
	const struct conf *cf = d->conf;
	struct verdict v;
	size_t i;

	engine_line(&c->eng, line, len, cut_from, d->now, &v);
	c->lines++;
	d->lines++;
	d->dirty = true;
	for (i = 0; i < v.nqueues; i++) {
		size_t qi = v.queues[i];

		if (qi < cf->nqueues && cf->queues[qi].now && d->qr[qi].due == 0)
			d->qr[qi].due = d->now + (cf->sleep > 0 ? cf->sleep : 1);
	}
}

bool
cells_poll(struct daemon *d, bool due)
{
	struct rstore *rs = d->rs;
	const char **keys;
	char (*ids)[IN_REDIS_ID_MAX];
	long got, total = 0;
	size_t i, n;

	if (due) {
		rs->next_renew = clock_mono() + rs->lease_ms / 3000.0;
		renew_all(d);
		if (!rs->fenced)
			balance(d);
	}
	n = rs->ncells;
	if (n == 0 || rs->fenced)
		return false;
	keys = xcalloc(n, sizeof(*keys));
	ids = xcalloc(n, sizeof(*ids));
	for (i = 0; i < n; i++) {
		keys[i] = rs->cells[i]->u.k_in;
		memcpy(ids[i], rs->cells[i]->pos, IN_REDIS_ID_MAX);
	}
	do {
		got = in_redis_xread(rs->r, n, keys, ids, READ_COUNT,
		    d->conf->max_line, &rs->scratch, &rs->in, cell_line, d);
		if (got > 0)
			total += got;
	} while (got >= READ_COUNT && total < LINES_PER_POLL);
	for (i = 0; i < n; i++)
		memcpy(rs->cells[i]->pos, ids[i], IN_REDIS_ID_MAX);
	free(keys);
	free(ids);
	return got >= READ_COUNT;
}

/* ---- commit ---- */

void
cells_commit_args(struct daemon *d, struct rargs *keys, struct rargs *args)
{
	struct rstore *rs = d->rs;
	const struct conf *cf = d->conf;
	struct timespec ts;
	char num[32];
	size_t i, qi;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (i = 0; i < rs->ncells; i++) {
		struct cell *c = rs->cells[i];
		struct state st;
		char *blob;
		size_t len;

		memset(&st, 0, sizeof(st));
		st.seq = d->seq;
		st.rules_hash = state_rules_hash(cf);
		st.saved = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		st.queues = xcalloc(cf->nqueues + 1, sizeof(*st.queues));
		for (qi = 0; qi < cf->nqueues; qi++) {
			const struct qrun *r = &d->qr[qi];
			struct state_queue *sq = &st.queues[qi];

			sq->name = xstrdup(cf->queues[qi].name);
			sq->last_fire = r->last_fire;
			sq->report_start = r->report_start;
			sq->due = r->due;
			sq->nsent = r->nsent;
			memcpy(sq->sent, r->sent, sizeof(sq->sent));
		}
		st.nqueues = cf->nqueues;
		state_section_set(&st, SECTION, c->pos, strlen(c->pos));
		blob = state_encode(&st, &c->eng, &len);
		state_free(&st);
		rstore_args_str(keys, c->u.k_epoch);
		rstore_args_str(keys, c->u.k_ckpt);
		rstore_args_str(keys, c->u.k_in);
		rstore_args_str(keys, c->u.k_audit);
		snprintf(num, sizeof(num), "%" PRIu64, c->u.epoch);
		rstore_args_str(args, num);
		rstore_args_add(args, blob, len);
		rstore_args_str(args, c->pos);
		rstore_args_str(args, c->committed);
		memcpy(c->sending, c->pos, sizeof(c->pos));
		free(blob);
	}
}

void
cells_committed(struct daemon *d)
{
	struct rstore *rs = d->rs;
	size_t i;

	for (i = 0; i < rs->ncells; ) {
		struct cell *c = rs->cells[i];

		if (c->sending[0] != '\0') {
			memcpy(c->committed, c->sending, sizeof(c->sending));
			c->sending[0] = '\0';
			if (c->release) {
				log_info("redis: handed partition %s over "
				    "(committed to %s)", c->name, c->committed);
				rs->handovers++;
				drop(d, i, true);
				continue;
			}
		}
		i++;
	}
}

/* ---- reports ---- */

void
cells_gather(struct daemon *d, size_t qi)
{
	struct rstore *rs = d->rs;
	struct queue *dq = &d->engine.queues[qi];
	char *ex = NULL;
	size_t i, j, excap = 0;

	queue_clear(dq);
	d->engine.queue_errlines[qi] = 0;
	for (i = 0; i < rs->ncells; i++) {
		struct engine *e = &rs->cells[i]->eng;
		struct queue *cq = &e->queues[qi];
		const struct map_slot *s;

		report_thresholds(e, qi);
		for (j = 0; j < cq->nentries; j++) {
			const struct entry *en = cq->entries[j];
			struct entry *ne;

			if (excap < (size_t)en->exlen + 1) {
				excap = (size_t)en->exlen + 1;
				ex = xreallocarray(ex, excap, 1);
			}
			ne = queue_add(dq, queue_entry_host(en), en->hostlen,
			    queue_entry_msg(en), en->msglen, QUEUE_SET,
			    en->count, en->first, queue_example(en, ex),
			    en->exlen);
			if (ne != NULL) {
				ne->first = en->first;
				ne->last = en->last;
			}
		}
		j = 0;
		while (map_next(&cq->over_hosts, &j, &s))
			queue_restore_over(dq, s->key, s->klen,
			    *(const uint64_t *)s->val);
		dq->lines += cq->lines;
		dq->over_unhosted += cq->over_unhosted;
		dq->over_lines += cq->over_unhosted;
		dq->over_mem = dq->over_mem || cq->over_mem;
		d->engine.queue_errlines[qi] += e->queue_errlines[qi];
	}
	free(ex);
}

void
cells_scatter(struct daemon *d, size_t qi, bool mailed)
{
	struct rstore *rs = d->rs;
	size_t i, j;

	queue_clear(&d->engine.queues[qi]);
	d->engine.queue_errlines[qi] = 0;
	if (!mailed)
		return;
	for (i = 0; i < rs->ncells; i++) {
		struct engine *e = &rs->cells[i]->eng;
		struct queue *cq = &e->queues[qi];

		/* as report.c does for the hosts of a report */
		for (j = 0; j < cq->nentries; j++)
			engine_reset_counters(e, qi,
			    queue_entry_host(cq->entries[j]),
			    cq->entries[j]->hostlen);
		queue_clear(cq);
		e->queue_errlines[qi] = 0;
	}
	d->dirty = true;
}

/* ---- status ---- */

void
cells_status(struct daemon *d, struct buf *b)
{
	struct rstore *rs = d->rs;
	struct engine_stats sum = { 0 };
	size_t i, qi;
	unsigned n = rs->members > 0 ? rs->members : 1;

	for (i = 0; i < rs->ncells; i++) {
		const struct engine_stats *es = &rs->cells[i]->eng.stats;

		sum.queued += es->queued;
		sum.trashed += es->trashed;
		sum.unmatched += es->unmatched;
		sum.cut += es->cut;
		sum.regex_errors += es->regex_errors;
	}
	buf_printf(b, "partitions' lines (since taken): %" PRIu64 " queued, %"
	    PRIu64 " trashed, %" PRIu64 " unmatched, %" PRIu64 " cut at "
	    "max_line, %" PRIu64 " with regex limit errors\n", sum.queued,
	    sum.trashed, sum.unmatched, sum.cut, sum.regex_errors);

	buf_printf(b, "redis: %zu of %u partitions owned (share %u for %u "
	    "live instance%s), %" PRIu64 " taken, %" PRIu64 " handed over, %"
	    PRIu64 " leases lost, %" PRIu64 " entries read (%" PRIu64
	    " malformed)\n", rs->ncells, rs->nparts, (rs->nparts + n - 1) / n,
	    n, n == 1 ? "" : "s", rs->takeovers, rs->handovers, rs->lost,
	    rs->in.entries, rs->in.malformed);
	for (i = 0; i < rs->ncells; i++) {
		const struct cell *c = rs->cells[i];
		char from[IN_REDIS_ID_MAX + 1];
		redisReply *rep;
		long long lag = -1;
		size_t entries = 0;

		/* lag: the entries after the read position (up to a cap) */
		snprintf(from, sizeof(from), "(%s", c->pos);
		rep = rconn_cmdv(rs->r, "XRANGE", c->u.k_in, from, "+", "COUNT",
		    LAG_MAX_STR, NULL);
		if (rep != NULL && rep->type == REDIS_REPLY_ARRAY)
			lag = (long long)rep->elements;
		if (rep != NULL)
			freeReplyObject(rep);
		for (qi = 0; qi < d->conf->nqueues; qi++)
			entries += c->eng.queues[qi].nentries;
		buf_printf(b, "partition %s: epoch %" PRIu64 ", lease %s, read "
		    "to %s, committed to %s, lag %lld%s entries not read yet, %"
		    PRIu64 " lines, %zu queue entries%s\n",
		    c->name, c->u.epoch, c->u.k_lease, c->pos, c->committed,
		    lag, lag >= LAG_MAX ? " or more" : "", c->lines, entries,
		    c->release ? ", HANDING OVER" : "");
	}
	for (i = 0; i < rs->nparts; i++)
		if (rs->corrupt[i])
			buf_printf(b, "partition %x: CHECKPOINT UNUSABLE, not "
			    "read (see the log)\n", (unsigned)i);
}
