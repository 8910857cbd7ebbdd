/*
 * watch — templates, new-template events, silences and bursts in the
 * daemon (see watch.h).
 */
#include "daemon/watch.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify/automask.h"
#include "classify/tmpl.h"
#include "conf/conf_tmpl.h"
#include "daemon/burst.h"
#include "daemon/daemon_int.h"
#include "daemon/inputs.h"
#include "daemon/silence.h"
#include "daemon/state.h"
#include "input/in_file.h"
#include "input/in_self.h"
#include "lib/bin.h"
#include "lib/log.h"
#include "lib/map.h"
#include "lib/xmem.h"

#define WATCH_VERSION	1
#define TAGS_VERSION	1
#define HOUR		3600

struct watch {
	struct tmpl	*tmpl;		/* owned: the template store, or NULL */
	struct silence	*sil;		/* owned */
	struct burst	*burst;		/* owned */
	int64_t		 ann_win;	/* start of the announcement hour, 0 */
	uint32_t	 ann_count;	/* announced in it */
	uint64_t	 ann_excess;	/* not announced in it (over the rate) */
	uint64_t	 announced;	/* this process: events said */
	uint64_t	 held;		/* this process: new templates over the rate */
	int64_t		 learn_logged;	/* the end of learning was logged */
};

static struct tmpl *
new_store(struct daemon *d)
{
	struct tmpl_opts o;

	automask_opts(d->conf, &o);
	return tmpl_new(&o, d->now);
}

void
watch_init(struct daemon *d)
{
	struct watch *w = xcalloc(1, sizeof(*w));

	if (conf_tmpl_mining(d->conf))
		w->tmpl = new_store(d);
	w->sil = silence_new(d->conf, d->now);
	w->burst = burst_new();
	d->watch = w;
}

/* the engine mines when the configuration wants it */
static void
attach(struct daemon *d)
{
	d->engine.tmpl = conf_tmpl_mining(d->conf) ? d->watch->tmpl : NULL;
}

void
watch_started(struct daemon *d)
{
	attach(d);
	silence_started(d->watch->sil, d->now);
}

void
watch_reload(struct daemon *d)
{
	struct watch *w = d->watch;
	struct tmpl_opts o;

	if (w->tmpl == NULL && conf_tmpl_mining(d->conf)) {
		/* turned on: from the section read at start, if any */
		const struct state_section *sec = state_section_get(&d->kept,
		    "templates");
		char err[256];

		w->tmpl = new_store(d);
		if (sec != NULL && tmpl_store_restore(w->tmpl, sec->data, sec->len,
		    d->now, err, sizeof(err)) == -1)
			log_warnx("templates: %s; the store starts empty", err);
	}
	if (w->tmpl != NULL) {
		automask_opts(d->conf, &o);
		tmpl_set_opts(w->tmpl, &o);
	}
	silence_conf(w->sil, d->conf, d->now);
	attach(d);
}

void
watch_free(struct daemon *d)
{
	struct watch *w = d->watch;

	if (w == NULL)
		return;
	d->engine.tmpl = NULL;
	tmpl_free(w->tmpl);
	silence_free(w->sil);
	burst_free(w->burst);
	free(w);
	d->watch = NULL;
}

/* ---- new templates ---- */

static bool
is_own(const struct verdict *v)
{
	return v->rec.prog != NULL && v->rec.proglen == 7 &&
	    memcmp(v->rec.prog, "logward", 7) == 0;
}

/* The hour of announcements: it starts with the first new template and
 * ends an hour later; what the budget held back is said then, once, as
 * a count. */
static void
ann_roll(struct daemon *d)
{
	struct watch *w = d->watch;
	const struct conf_tmpl *ct = d->conf->tmpl;

	if (w->ann_win == 0 || d->now - w->ann_win < HOUR)
		return;
	if (w->ann_excess > 0 && d->self != NULL)
		in_self_emit(d->self, d->now, IN_SELF_NOTICE, "new templates: "
		    "%" PRIu64 " more in the hour were not announced (set "
		    "new_templates allows %u per hour)", w->ann_excess,
		    ct != NULL ? ct->new_rate : 0);
	w->ann_win = 0;
	w->ann_count = 0;
	w->ann_excess = 0;
}

static void
announce(struct daemon *d, const struct verdict *v)
{
	struct watch *w = d->watch;
	const struct conf_tmpl *ct = d->conf->tmpl;

	if (ct == NULL || ct->new_queue < 0 || d->self == NULL)
		return;
	ann_roll(d);
	if (w->ann_win == 0)
		w->ann_win = d->now;
	if (ct->new_rate != 0 && w->ann_count >= ct->new_rate) {
		w->ann_excess++;
		w->held++;
		return;
	}
	in_self_emit(d->self, d->now, IN_SELF_NOTICE, "new template on %.*s: "
	    "%.*s", (int)v->hostlen, v->host, (int)(v->textlen > 1800 ? 1800 :
	    v->textlen), v->text);
	w->ann_count++;
	w->announced++;
}

void
watch_line(struct daemon *d, const struct verdict *v)
{
	struct watch *w = d->watch;

	if (w == NULL || v->host == NULL || v->kind == V_NOPREFIX || is_own(v))
		return;
	silence_host(w->sil, v->host, v->hostlen, d->now, d->self);
	if (v->kind != V_QUEUED)
		return;
	if (v->tmpl_created && !v->tmpl_learned && !v->tmpl_near)
		announce(d, v);
	if (d->conf->tmpl != NULL && d->conf->tmpl->burst)
		burst_line(w->burst, d->conf->tmpl, v->host, v->hostlen,
		    v->tkey != NULL ? v->tkey : v->masked,
		    v->tkey != NULL ? v->tkeylen : v->maskedlen, d->now, d->self);
}

void
watch_tick(struct daemon *d)
{
	struct watch *w = d->watch;
	struct in_file_stats fs;
	size_t i;

	if (w == NULL)
		return;
	if (d->self != NULL) {
		for (i = 0; i < d->ninputs; i++) {
			in_file_stats(d->inputs[i].f, &fs);
			silence_input(w->sil, d->inputs[i].path, fs.lines, d->now,
			    d->self);
		}
		silence_tick(w->sil, d->now, d->self);
		if (w->ann_win != 0 && d->now - w->ann_win >= HOUR)
			ann_roll(d);
	}
	burst_tick(w->burst, d->conf->tmpl, d->now);
	/* what was said enters the rules now, before any checkpoint says
	 * it was said */
	inputs_self_take(d);
}

void
watch_status(struct daemon *d, struct buf *b)
{
	struct watch *w = d->watch;
	const struct conf_tmpl *ct = d->conf->tmpl;
	struct tmpl_stats ts;

	if (w == NULL)
		return;
	if (w->tmpl != NULL) {
		char until[64];
		time_t end;
		struct tm tm;

		tmpl_view_stats(w->tmpl, &ts);
		buf_printf(b, "templates: %zu in the store (set max_templates %zu), "
		    "%" PRIu64 " created, %" PRIu64 " joined, %" PRIu64 " RETIRED "
		    "(least recently seen, over the cap), %" PRIu64 " lines mined, "
		    "%" PRIu64 " KB", ts.templates, ct != NULL ? ct->max_templates :
		    (size_t)0, ts.created, ts.joined, ts.retired, ts.lines,
		    ts.bytes / 1024);
		end = (time_t)(ts.born + (ct != NULL ? ct->learn : 0));
		if (d->now < end) {
			localtime_r(&end, &tm);
			strftime(until, sizeof(until), "%Y-%m-%d %H:%M:%S", &tm);
			buf_printf(b, ", learning until %s", until);
		}
		if (!conf_tmpl_mining(d->conf))
			buf_addstr(b, " (not used by this configuration)");
		buf_addc(b, '\n');
		if (ct != NULL && ct->new_queue >= 0)
			buf_printf(b, "new templates: %" PRIu64 " announced, %" PRIu64
			    " over the rate of %u per hour\n", w->announced, w->held,
			    ct->new_rate);
	}
	silence_status(w->sil, d->now, b);
	burst_status(w->burst, ct, b);
}

/* ---- checkpoint sections ---- */

bool
watch_templates_save(struct daemon *d, struct buf *out)
{
	if (d->watch == NULL || d->watch->tmpl == NULL)
		return false;
	tmpl_store_save(d->watch->tmpl, out);
	return true;
}

int
watch_templates_restore(struct daemon *d, const char *data, size_t len)
{
	char err[256];

	if (d->watch == NULL || d->watch->tmpl == NULL)
		return 0;	/* kept as it is until the feature is on */
	if (tmpl_store_restore(d->watch->tmpl, data, len, d->now, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

bool
watch_state_save(struct daemon *d, struct buf *out)
{
	struct watch *w = d->watch;
	size_t mark;
	uint32_t n;

	if (w == NULL)
		return false;
	bin_put32(out, WATCH_VERSION);
	bin_put64(out, (uint64_t)w->ann_win);
	bin_put32(out, w->ann_count);
	bin_put64(out, w->ann_excess);
	mark = out->len;
	bin_put32(out, 0);
	silence_save(w->sil, out);
	n = (uint32_t)(out->len - mark - 4);
	memcpy(out->data + mark, &n, sizeof(n));
	mark = out->len;
	bin_put32(out, 0);
	burst_save(w->burst, out);
	n = (uint32_t)(out->len - mark - 4);
	memcpy(out->data + mark, &n, sizeof(n));
	return true;
}

int
watch_state_restore(struct daemon *d, const char *data, size_t len)
{
	struct watch *w = d->watch;
	struct bin_rd r;
	const char *part;
	size_t n;
	int rc = 0;

	if (w == NULL)
		return 0;
	bin_rd_init(&r, data, len);
	if (bin_get32(&r) != WATCH_VERSION)
		return -1;
	w->ann_win = (int64_t)bin_get64(&r);
	w->ann_count = bin_get32(&r);
	w->ann_excess = bin_get64(&r);
	part = bin_getstr(&r, &n);
	if (part == NULL || silence_restore(w->sil, part, n) == -1)
		rc = -1;
	part = bin_getstr(&r, &n);
	if (part == NULL || burst_restore(w->burst, part, n) == -1)
		rc = -1;
	return rc;
}

/* A check that an entry is the one saved: a hash of host and key. */
static uint32_t
entry_check(const struct entry *en)
{
	uint64_t h = map_hash(queue_entry_host(en), en->hostlen) * 31 ^
	    map_hash(queue_entry_msg(en), en->msglen);

	return (uint32_t)(h ^ h >> 32);
}

bool
watch_tags_save(struct daemon *d, struct buf *out)
{
	const struct conf *c = d->conf;
	size_t qi, i;

	if (d->watch == NULL || d->watch->tmpl == NULL)
		return false;
	bin_put32(out, TAGS_VERSION);
	bin_put32(out, (uint32_t)c->nqueues);
	for (qi = 0; qi < c->nqueues; qi++) {
		const struct queue *q = &d->engine.queues[qi];
		uint32_t n = 0;
		size_t mark;

		bin_putstr(out, c->queues[qi].name, strlen(c->queues[qi].name));
		mark = out->len;
		bin_put32(out, 0);
		for (i = 0; i < q->nentries; i++) {
			if (q->entries[i]->tag == 0)
				continue;
			bin_put32(out, (uint32_t)i);
			bin_put32(out, entry_check(q->entries[i]));
			bin_put64(out, q->entries[i]->tag);
			n++;
		}
		memcpy(out->data + mark, &n, sizeof(n));
	}
	return true;
}

int
watch_tags_restore(struct daemon *d, const char *data, size_t len)
{
	const struct conf *c = d->conf;
	struct bin_rd r;
	uint32_t nq, k, n, j;

	bin_rd_init(&r, data, len);
	if (bin_get32(&r) != TAGS_VERSION)
		return -1;
	nq = bin_get32(&r);
	for (k = 0; k < nq && !r.bad; k++) {
		size_t nl;
		const char *name = bin_getstr(&r, &nl);
		long qi = -1;
		size_t i;

		for (i = 0; name != NULL && i < c->nqueues; i++)
			if (strlen(c->queues[i].name) == nl &&
			    memcmp(c->queues[i].name, name, nl) == 0)
				qi = (long)i;
		n = bin_get32(&r);
		for (j = 0; j < n && !r.bad; j++) {
			uint32_t idx = bin_get32(&r), chk = bin_get32(&r);
			uint64_t tag = bin_get64(&r);
			struct queue *q;

			if (qi < 0)
				continue;
			q = &d->engine.queues[qi];
			if (idx < q->nentries && entry_check(q->entries[idx]) == chk)
				q->entries[idx]->tag = tag;
		}
	}
	return r.bad ? -1 : 0;
}
