/*
 * sumq — summary queues in the daemon (see sumq.h).
 */
#include "daemon/sumq.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify/sumclass.h"
#include "conf/conf.h"
#include "conf/conf_summary.h"
#include "daemon/checkpoint.h"
#include "daemon/checks.h"
#include "daemon/daemon_int.h"
#include "daemon/state.h"
#include "daemon/sumwork.h"
#include "deliver/outbox.h"
#include "input/disk.h"
#include "lib/bin.h"
#include "lib/log.h"
#include "lib/xmem.h"
#include "queue/cron.h"
#include "queue/skew.h"
#include "queue/sumstore.h"
#include "report/summail.h"
#include "report/sumview.h"

#define SAVE_MAGIC	"LWSQ1\n"
#define SKEW_HOSTS	10000	/* hosts in a summary's clock table */

struct sumq {
	const struct sum_conf *sc;	/* borrowed from d->conf */
	struct sumclass	 k;		/* the worker's while it runs */
	struct sumwork	*work;		/* owned worker thread, or NULL: inline */
	size_t		 n;		/* summary queues */
	struct sumstore	*stores;	/* owned, one per queue */
	struct skew	*skews;		/* owned, one per queue */
	struct sumclass_target *tg;	/* owned, one per queue */
	time_t		*next;		/* owned: next firing, -1 never */
	time_t		*last_fire;	/* owned: scheduled time of the last one */
	time_t		*report_start;	/* owned: start of the period */
	const char	**svc_ids;	/* owned array of borrowed ids */
	const char	***fact_ids;	/* owned arrays of borrowed ids */
	size_t		*nfacts;	/* owned */
	uint64_t	 dropped;	/* restored lines of services gone */
};

/* Counts one line (on the worker thread when there is one). */
static void
count(void *arg, const struct record *r, time_t t)
{
	struct sumq *q = arg;

	sumclass_record(&q->k, r, t, q->tg, q->n);
}

/* Whether the summary counts get a thread of their own: set
 * summary_thread, or by default when there is a second CPU. */
static bool
want_thread(const struct sum_conf *sc)
{
	if (sc->thread >= 0)
		return sc->thread == 1;
	return sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

/* Every line handed over is counted: call before reading or writing
 * the counts (stores, k.stats). */
static void
sync_counts(struct sumq *q)
{
	if (q != NULL)
		sumwork_sync(q->work);
}

void
sumq_quiesce(struct daemon *d)
{
	sync_counts(d->sumq);
}

void
sumq_init(struct daemon *d)
{
	const struct sum_conf *sc = d->conf->summary;
	struct sumq *q;
	size_t i, j;

	d->sumq = NULL;
	if (sc == NULL || sc->nqueues == 0)
		return;
	q = xcalloc(1, sizeof(*q));
	q->sc = sc;
	q->n = sc->nqueues;
	sumclass_init(&q->k, sc);
	q->nfacts = xcalloc(sc->nsvcs + 1, sizeof(*q->nfacts));
	q->svc_ids = xcalloc(sc->nsvcs + 1, sizeof(*q->svc_ids));
	q->fact_ids = xcalloc(sc->nsvcs + 1, sizeof(*q->fact_ids));
	for (i = 0; i < sc->nsvcs; i++) {
		q->nfacts[i] = sc->svcs[i].nfacts;
		q->svc_ids[i] = sc->svcs[i].id;
		q->fact_ids[i] = xcalloc(sc->svcs[i].nfacts + 1,
		    sizeof(**q->fact_ids));
		for (j = 0; j < sc->svcs[i].nfacts; j++)
			q->fact_ids[i][j] = sc->svcs[i].facts[j].id;
	}
	q->stores = xcalloc(q->n, sizeof(*q->stores));
	q->skews = xcalloc(q->n, sizeof(*q->skews));
	q->tg = xcalloc(q->n, sizeof(*q->tg));
	q->next = xcalloc(q->n, sizeof(*q->next));
	q->last_fire = xcalloc(q->n, sizeof(*q->last_fire));
	q->report_start = xcalloc(q->n, sizeof(*q->report_start));
	for (i = 0; i < q->n; i++) {
		sumstore_init(&q->stores[i], sc->nsvcs, q->nfacts, sc->max_keys,
		    sc->max_unmatched);
		sumstore_set_memory(&q->stores[i],
		    sumclass_memory(d->conf, false) / q->n);
		skew_init(&q->skews[i], SKEW_HOSTS);
		q->tg[i].store = &q->stores[i];
		q->tg[i].want = sc->queues[i].want;
		q->last_fire[i] = d->now;
		q->report_start[i] = d->now;
		q->next[i] = cron_next(&sc->queues[i].cron, d->now);
	}
	if (want_thread(sc))
		q->work = sumwork_start(count, q);
	d->sumq = q;
}

void
sumq_free(struct daemon *d)
{
	struct sumq *q = d->sumq;
	size_t i;

	if (q == NULL)
		return;
	sumwork_stop(q->work);
	for (i = 0; i < q->n; i++) {
		sumstore_free(&q->stores[i]);
		skew_free(&q->skews[i]);
	}
	for (i = 0; i < q->sc->nsvcs; i++)
		free(q->fact_ids[i]);
	free(q->fact_ids);
	free(q->svc_ids);
	free(q->nfacts);
	free(q->stores);
	free(q->skews);
	free(q->tg);
	free(q->next);
	free(q->last_fire);
	free(q->report_start);
	sumclass_free(&q->k);
	free(q);
	d->sumq = NULL;
}

void
sumq_line(struct daemon *d, const struct verdict *v, bool net, bool journal)
{
	struct sumq *q = d->sumq;
	int64_t diff;
	bool nozone;
	size_t i;

	if (q != NULL && v->rec.line != NULL) {
		/* the time here: record_time's cache is this thread's */
		time_t t = sumclass_time(&v->rec, d->now);

		if (q->work != NULL)
			sumwork_add(q->work, &v->rec, t > 0 ? t : 0);
		else
			count(q, &v->rec, t > 0 ? t : 0);
	}
	if (!net || !checks_skew(d, &v->rec, journal, &diff, &nozone))
		return;
	checks_clock_add(d, v->rec.host, v->rec.hostlen, diff, nozone);
	for (i = 0; q != NULL && i < q->n; i++)
		skew_add(&q->skews[i], v->rec.host, v->rec.hostlen, diff, nozone);
}

/* Stages queue i's summary in the outbox and empties it; the caller
 * commits with a checkpoint.  Returns true when something changed. */
static bool
mail(struct daemon *d, size_t i)
{
	struct sumq *q = d->sumq;
	const struct sum_queue *sq = &q->sc->queues[i];
	struct sumreport rep;
	struct disk_table dt;
	struct mail_meta meta;
	struct mime_opts mo = { .msgid_host = d->hostname, .seq = d->seq + 1,
	    .now = d->now };
	struct buf msg;
	char range[64];
	size_t pending = outbox_pending(&d->outbox) + d->nstaged;

	if (sumstore_empty(&q->stores[i]) && q->skews[i].hosts.len == 0) {
		/* as logwatch: nothing to say, no mail */
		q->report_start[i] = d->now;
		return true;
	}
	if (d->conf->max_outbox > 0 && pending >= d->conf->max_outbox) {
		log_warnx("summary %s: the outbox is full; the counts stay and "
		    "go with the next summary", sq->name);
		d->deferred++;
		return false;
	}
	memset(&rep, 0, sizeof(rep));
	rep.sc = q->sc;
	rep.store = &q->stores[i];
	rep.want = sq->want;
	rep.detail = sq->detail;
	rep.host = d->hostname;
	snprintf(range, sizeof(range), "since the last summary");
	rep.range = range;
	rep.since = q->report_start[i];
	rep.until = d->now;
	rep.now = d->now;
	rep.stats = &q->k.stats;
	rep.skew = q->sc->clock_skew > 0 || q->skews[i].hosts.len > 0 ?
	    &q->skews[i] : NULL;
	(void)disk_read(&dt, q->sc->disk_mounts, q->sc->disk_exclude);
	rep.disk = &dt;
	meta.now = d->now;
	meta.start = q->report_start[i];
	meta.hostname = d->hostname;
	buf_init(&msg, SIZE_MAX / 4);
	if (summail_render(&msg, sq, &rep, &meta, &mo) == -1 ||
	    outbox_stage(&d->outbox, d->seq + 1, sq->from, sq->to, sq->name,
	    msg.data, msg.len) == -1) {
		log_warnx("summary %s: kept, will try again at the next firing",
		    sq->name);
		buf_free(&msg);
		disk_free(&dt);
		return false;
	}
	buf_free(&msg);
	disk_free(&dt);
	d->seq++;
	d->staged = xreallocarray(d->staged, d->nstaged + 1, sizeof(*d->staged));
	d->staged[d->nstaged++] = d->seq;
	d->mails++;
	log_info("summary %s: report %" PRIu64 " queued for %s", sq->name,
	    d->seq, sq->to);
	sumstore_clear(&q->stores[i]);
	skew_clear(&q->skews[i]);
	q->report_start[i] = d->now;
	return true;
}

void
sumq_tick(struct daemon *d)
{
	struct sumq *q = d->sumq;
	bool changed = false;
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->n; i++) {
		if (q->next[i] == (time_t)-1 || d->now < q->next[i])
			continue;
		sync_counts(q);
		/* missed firings (busy, suspended, stopped) fire once */
		q->last_fire[i] = q->next[i];
		q->next[i] = cron_next(&q->sc->queues[i].cron, d->now);
		changed = true;
		mail(d, i);
	}
	if (changed) {
		d->dirty = true;
		if (checkpoint_write(d) == -1)
			log_warnx("summaries stay unpublished until a checkpoint "
			    "can be written");
	}
}

/* ---- checkpoint ---- */

bool
sumq_save(struct daemon *d, struct buf *out)
{
	struct sumq *q = d->sumq;
	size_t i;

	if (q == NULL)
		return false;
	sync_counts(q);
	buf_add(out, SAVE_MAGIC, strlen(SAVE_MAGIC));
	bin_put64(out, q->n);
	for (i = 0; i < q->n; i++) {
		const char *name = q->sc->queues[i].name;
		struct buf b;

		bin_putblob(out, name, strlen(name));
		bin_put64(out, (uint64_t)q->last_fire[i]);
		bin_put64(out, (uint64_t)q->report_start[i]);
		buf_init(&b, SIZE_MAX / 4);
		sumstore_save(&q->stores[i], &b, q->svc_ids,
		    (const char *const *const *)q->fact_ids);
		bin_putblob(out, b.data, b.len);
		buf_reset(&b);
		skew_save(&q->skews[i], &b);
		bin_putblob(out, b.data, b.len);
		buf_free(&b);
	}
	return true;
}

int
sumq_restore(struct daemon *d, const char *data, size_t len)
{
	struct sumq *q = d->sumq;
	struct bin_rd r;
	const char *magic;
	uint64_t n, i;
	int rc = 0;

	if (q == NULL)
		return 0;
	sync_counts(q);
	bin_rd_init(&r, data, len);
	magic = bin_getbytes(&r, strlen(SAVE_MAGIC));
	if (magic == NULL || memcmp(magic, SAVE_MAGIC, strlen(SAVE_MAGIC)) != 0)
		return -1;
	n = bin_get64(&r);
	for (i = 0; i < n && !r.bad; i++) {
		size_t nl, sl, kl, k;
		const char *name = bin_getblob(&r, &nl);
		time_t lf = (time_t)bin_get64(&r), rs = (time_t)bin_get64(&r);
		const char *store = bin_getblob(&r, &sl);
		const char *sk = bin_getblob(&r, &kl);
		uint64_t dropped = 0;

		if (r.bad)
			break;
		for (k = 0; k < q->n; k++)
			if (strlen(q->sc->queues[k].name) == nl &&
			    memcmp(q->sc->queues[k].name, name, nl) == 0)
				break;
		if (k == q->n) {
			log_warnx("state: summary '%.*s' is no longer configured; "
			    "its counts are dropped", (int)nl, name);
			continue;
		}
		if (lf > 0) {
			q->last_fire[k] = lf;
			q->next[k] = cron_next(&q->sc->queues[k].cron, lf);
		}
		if (rs > 0)
			q->report_start[k] = rs;
		if (sumstore_load(&q->stores[k], store, sl, q->svc_ids, q->nfacts,
		    (const char *const *const *)q->fact_ids, &dropped) == -1 ||
		    skew_load(&q->skews[k], sk, kl) == -1)
			rc = -1;
		if (dropped > 0)
			log_warnx("state: summary %s: %" PRIu64 " lines of services "
			    "or facts no longer configured are dropped",
			    q->sc->queues[k].name, dropped);
	}
	return r.bad ? -1 : rc;
}

void
sumq_reload(struct daemon *d, const struct state *st)
{
	const struct state_section *sec;

	sumq_init(d);
	if (d->sumq != NULL && (sec = state_section_get(st, "summary")) != NULL &&
	    sumq_restore(d, sec->data, sec->len) == -1)
		log_warnx("reload: the summary counts could not be carried over");
}

void
sumq_status(struct daemon *d, struct buf *b)
{
	struct sumq *q = d->sumq;
	size_t i;

	sync_counts(q);
	for (i = 0; q != NULL && i < q->n; i++) {
		const struct sumstore *s = &q->stores[i];
		char t[64];
		struct tm tm;

		localtime_r(&q->next[i], &tm);
		strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S", &tm);
		buf_printf(b, "summary %s [%s]: %" PRIu64 " lines counted, "
		    "%zu hosts in its clock table, next mail %s\n",
		    q->sc->queues[i].name, q->sc->queues[i].sched, s->lines,
		    q->skews[i].hosts.len, q->next[i] == (time_t)-1 ? "never" : t);
	}
}
