/*
 * schedule — the queues' timetable and their mailing (see schedule.h).
 */
#include "daemon/schedule.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "classify/engine.h"
#include "daemon/checkpoint.h"
#include "daemon/daemon_int.h"
#include "daemon/rstore.h"
#include "deliver/outbox.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xmem.h"
#include "queue/cron.h"
#include "queue/queue.h"
#include "report/mailer.h"
#include "report/report.h"

static void
note_sent(struct qrun *r, time_t now)
{
	if (r->nsent == STATE_MAX_SENT) {
		memmove(r->sent, r->sent + 1, (STATE_MAX_SENT - 1) * sizeof(*r->sent));
		r->nsent--;
	}
	r->sent[r->nsent++] = now;
}

/* 0 when queue qi may mail now, else the time it may. */
static time_t
rate_wait(struct daemon *d, size_t qi)
{
	const struct qrun *r = &d->qr[qi];
	unsigned rate = d->conf->mail_rate, n = 0;
	size_t i;

	if (rate == 0)
		return 0;
	for (i = 0; i < r->nsent; i++)
		if (r->sent[i] > d->now - 3600)
			n++;
	if (n < rate || n == 0)
		return 0;
	/* the oldest mail of the window must leave it first */
	return r->sent[r->nsent - n] + 3600 + (n - rate);
}

size_t
schedule_mail(struct daemon *d, const bool *want, const char *status)
{
	const struct conf *c = d->conf;
	struct mail_meta meta;
	size_t qi, n = 0, pending;
	bool changed = false;

	meta.now = d->now;
	meta.hostname = d->hostname;
	pending = (rstore_active(d) ? rstore_outbox_pending(d) :
	    outbox_pending(&d->outbox)) + d->nstaged;
	if (c->max_outbox == 0 || pending < c->max_outbox)
		d->outbox_full = false;
	for (qi = 0; qi < c->nqueues; qi++) {
		const struct queue_def *qd = &c->queues[qi];
		struct qrun *r = &d->qr[qi];
		struct mime_opts mo = { .msgid_host = d->hostname,
		    .seq = d->seq + 1, .now = d->now };
		enum mailer_result res;
		struct buf msg;

		if (!want[qi])
			continue;
		if (c->max_outbox > 0 && pending >= c->max_outbox &&
		    report_pending(&d->engine, qi)) {
			/* the outbox is full (the relay has been refusing
			 * for long): the lines stay in the queue, where
			 * they fold into the next report; nothing is
			 * deleted */
			if (!d->outbox_full)
				log_warnx("outbox full (%zu reports, set "
				    "max_outbox %u): reports wait in their "
				    "queues and are merged into the next one",
				    pending, c->max_outbox);
			d->outbox_full = true;
			d->deferred++;
			/* a [now] queue tries again in a minute */
			r->due = qd->now ? d->now + 60 : 0;
			continue;
		}
		meta.start = r->report_start;
		rstore_gather(d, qi);	/* partitions: their entries, here */
		/* templates first seen since the last report are NEW */
		d->engine.new_since = r->report_start > 0 ? r->report_start : 1;
		buf_init(&msg, SIZE_MAX / 4);
		res = mailer_render(&d->engine, qi, status != NULL ? status :
		    r->limited ? "rate limited" : NULL, &meta, &mo, &msg);
		if (res == MAILER_MAIL) {
			if (outbox_stage(&d->outbox, d->seq + 1, qd->from, qd->to,
			    qd->name, msg.data, msg.len) == -1) {
				log_warnx("queue %s: report kept in the queue, "
				    "will try again", qd->name);
				buf_free(&msg);
				rstore_scatter(d, qi, false);
				continue;
			}
			d->seq++;
			d->staged = xreallocarray(d->staged, d->nstaged + 1,
			    sizeof(*d->staged));
			d->staged[d->nstaged++] = d->seq;
			d->mails++;
			pending++;
			n++;
			note_sent(r, d->now);
			log_info("queue %s: report %" PRIu64 " queued for %s",
			    qd->name, d->seq, qd->to);
		}
		buf_free(&msg);
		if (res != MAILER_NOTHING) {
			queue_clear(&d->engine.queues[qi]);
			d->engine.queue_errlines[qi] = 0;
			r->report_start = d->now;
			changed = true;
		}
		rstore_scatter(d, qi, res != MAILER_NOTHING);
		r->due = 0;
		r->limited = false;
	}
	if (changed || d->nstaged > 0) {
		d->dirty = true;
		if (checkpoint_write(d) == -1)
			log_warnx("reports stay unpublished until a checkpoint "
			    "can be written");
	}
	return n;
}

size_t
schedule_mail_all(struct daemon *d, const char *status)
{
	bool *want = xcalloc(d->conf->nqueues + 1, sizeof(*want));
	size_t i, n;

	for (i = 0; i < d->conf->nqueues; i++)
		want[i] = true;
	n = schedule_mail(d, want, status);
	free(want);
	return n;
}

void
schedule_check(struct daemon *d, bool force)
{
	const struct conf *c = d->conf;
	bool *want = xcalloc(c->nqueues + 1, sizeof(*want)), any = false;
	size_t qi;

	for (qi = 0; qi < c->nqueues; qi++) {
		const struct queue_def *qd = &c->queues[qi];
		struct qrun *r = &d->qr[qi];

		if (qd->now) {
			time_t w;

			if (r->due == 0 || (!force && d->now < r->due))
				continue;
			w = rate_wait(d, qi);
			if (w != 0 && w > d->now) {
				if (!r->limited)
					log_warnx("queue %s: mail_rate %u per hour "
					    "reached; the next report waits until "
					    "%lld", qd->name, c->mail_rate,
					    (long long)w);
				r->due = w;
				r->limited = true;
				continue;
			}
			want[qi] = any = true;
		} else if (r->next != (time_t)-1 && d->now >= r->next) {
			/* missed firings (busy, suspended, stopped) fire once */
			r->last_fire = r->next;
			r->next = cron_next(&qd->cron, d->now);
			want[qi] = any = true;
			d->dirty = true;
		}
	}
	if (any)
		schedule_mail(d, want, NULL);
	free(want);
}

void
schedule_init(struct daemon *d, const struct state *st)
{
	const struct conf *c = d->conf;
	size_t qi, k;

	d->qr = xcalloc(c->nqueues + 1, sizeof(*d->qr));
	for (qi = 0; qi < c->nqueues; qi++) {
		struct qrun *r = &d->qr[qi];
		const struct state_queue *sq = NULL;

		for (k = 0; st != NULL && k < st->nqueues; k++)
			if (strcmp(st->queues[k].name, c->queues[qi].name) == 0)
				sq = &st->queues[k];
		r->report_start = d->now;
		if (sq != NULL) {
			r->last_fire = sq->last_fire;
			r->report_start = sq->report_start ? sq->report_start :
			    d->now;
			r->due = sq->due;
			r->nsent = sq->nsent;
			memcpy(r->sent, sq->sent, sizeof(r->sent));
		}
		if (c->queues[qi].now) {
			r->next = -1;
			/* restored lines of a [now] queue go out soon */
			if (report_pending(&d->engine, qi) && r->due == 0)
				r->due = d->now + (c->sleep > 0 ? c->sleep : 1);
			continue;
		}
		/* the schedule counts from the last firing, or from when the
		 * queue was first run: a firing missed while stopped fires
		 * once at start-up */
		if (r->last_fire <= 0)
			r->last_fire = d->now;
		r->next = cron_next(&c->queues[qi].cron, r->last_fire);
	}
}
