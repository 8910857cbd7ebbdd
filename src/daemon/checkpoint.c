/*
 * checkpoint — write the checkpoint, then publish what it commits (see
 * checkpoint.h).  A report staged in the outbox goes out only once the
 * checkpoint that emptied its queue is on disk: a crash in between
 * repeats nothing and loses nothing.
 */
#include "daemon/checkpoint.h"

#include <string.h>
#include <time.h>

#include "daemon/checks.h"
#include "daemon/daemon_int.h"
#include "daemon/rstore.h"
#include "daemon/state.h"
#include "daemon/sumq.h"
#include "daemon/watch.h"
#include "deliver/outbox.h"
#include "input/in_file.h"
#include "input/in_journal.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/xmem.h"

/*
 * Features whose state rides in the checkpoint as a named section (see
 * struct state_section).  save appends the feature's state to out and
 * returns true, or returns false when the feature is not active (its
 * section, if one was read, is then written back unchanged).  restore
 * takes the bytes save wrote (in any earlier format it still reads) and
 * returns 0, or -1 when it cannot use them (it logs why; the feature then
 * starts empty and its next save replaces the section).
 */
struct section_hook {
	const char	*name;
	bool		(*save)(struct daemon *d, struct buf *out);
	int		(*restore)(struct daemon *d, const char *data, size_t len);
};

static const struct section_hook hooks[] = {
	{ "summary", sumq_save, sumq_restore },
	{ "disk", checks_disk_save, checks_disk_restore },
	{ "clock", checks_clock_save, checks_clock_restore },
	{ "templates",	watch_templates_save,	watch_templates_restore },
	{ "watch",	watch_state_save,	watch_state_restore },
	{ "automask",	watch_tags_save,	watch_tags_restore },
	{ NULL, NULL, NULL }
};

void
checkpoint_build(struct daemon *d, struct state *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->seq = d->seq;
	st->rules_hash = state_rules_hash(d->conf);
	{
		struct timespec ts;

		/* real time, precise: in_file compares it with file mtimes */
		clock_gettime(CLOCK_REALTIME, &ts);
		st->saved = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	st->inputs = xcalloc(d->ninputs + 1, sizeof(*st->inputs));
	for (i = 0; i < d->ninputs; i++) {
		st->inputs[i].path = xstrdup(d->inputs[i].path);
		in_file_save(d->inputs[i].f, &st->inputs[i].save);
	}
	st->ninputs = d->ninputs;
	st->queues = xcalloc(d->conf->nqueues + 1, sizeof(*st->queues));
	for (i = 0; i < d->conf->nqueues; i++) {
		const struct qrun *r = &d->qr[i];
		struct state_queue *sq = &st->queues[i];

		sq->name = xstrdup(d->conf->queues[i].name);
		sq->last_fire = r->last_fire;
		sq->report_start = r->report_start;
		sq->due = r->due;
		sq->nsent = r->nsent;
		memcpy(sq->sent, r->sent, sizeof(sq->sent));
	}
	st->nqueues = d->conf->nqueues;
	if (d->journal != NULL && in_journal_cursor(d->journal) != NULL)
		st->journal_cursor = xstrdup(in_journal_cursor(d->journal));
	else if (d->journal_cursor != NULL)
		st->journal_cursor = xstrdup(d->journal_cursor);
	for (i = 0; i < d->kept.nsections; i++)
		state_section_set(st, d->kept.sections[i].name,
		    d->kept.sections[i].data, d->kept.sections[i].len);
	for (i = 0; hooks[i].name != NULL; i++) {
		struct buf out;

		buf_init(&out, SIZE_MAX / 4);
		if (hooks[i].save(d, &out))
			state_section_set(st, hooks[i].name,
			    out.data != NULL ? out.data : "", out.len);
		buf_free(&out);
	}
}

void
checkpoint_restore(struct daemon *d, const struct state *st)
{
	const struct state_section *sec;
	size_t i;

	for (i = 0; i < st->nsections; i++)
		state_section_set(&d->kept, st->sections[i].name,
		    st->sections[i].data, st->sections[i].len);
	for (i = 0; hooks[i].name != NULL; i++) {
		if ((sec = state_section_get(st, hooks[i].name)) == NULL)
			continue;
		if (hooks[i].restore(d, sec->data, sec->len) == -1)
			log_warnx("state: the %s section of the checkpoint "
			    "could not be used; %s starts empty", hooks[i].name,
			    hooks[i].name);
	}
}

void
checkpoint_free(struct daemon *d)
{
	state_free(&d->kept);
}

int
checkpoint_write(struct daemon *d)
{
	struct state st;
	size_t i;
	int rc;

	if (rstore_active(d)) {
		/* Redis: the checkpoint(s) and the staged mails in one script */
		if (rstore_commit(d) == -1)
			return -1;
		d->committed = d->seq;
		d->dirty = false;
		d->last_ckpt = clock_mono();
		d->last_ckpt_wall = d->now;
		return 0;
	}
	checkpoint_build(d, &st);
	rc = state_write(d->statepath, &st, &d->engine);
	state_free(&st);
	if (rc == -1)
		return -1;
	d->committed = d->seq;
	d->dirty = false;
	d->last_ckpt = clock_mono();
	d->last_ckpt_wall = d->now;
	/* the sender sees new files through inotify (and keeps to its
	 * back-off while the relay fails) */
	for (i = 0; i < d->nstaged; i++)
		outbox_publish(&d->outbox, d->staged[i]);
	d->nstaged = 0;
	return 0;
}
