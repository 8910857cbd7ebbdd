/*
 * reload — a new configuration for the running daemon (see reload.h):
 * the old one's queues are mailed, the new engine takes over the queue
 * contents by name, inputs, archives and journal follow the new config,
 * and what only a restart can change is said so.
 */
#include "daemon/reload.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "classify/engine.h"
#include "conf/conf.h"
#include "daemon/checkpoint.h"
#include "daemon/daemon_int.h"
#include "daemon/inputs.h"
#include "daemon/rstore.h"
#include "daemon/schedule.h"
#include "daemon/sendproc.h"
#include "daemon/state.h"
#include "daemon/sumq.h"
#include "daemon/watch.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xmem.h"

static void
diags_text(const struct conf *c, struct buf *b)
{
	size_t i;

	for (i = 0; i < c->ndiags; i++) {
		const struct diag *g = &c->diags[i];

		if (g->level != DIAG_ERROR)
			continue;
		if (b->len > 0)
			buf_addstr(b, "; ");
		if (g->file != NULL && g->line > 0)
			buf_printf(b, "%s:%d: %s", g->file, g->line, g->msg);
		else if (g->file != NULL)
			buf_printf(b, "%s: %s", g->file, g->msg);
		else
			buf_addstr(b, g->msg);
	}
}

static void
static_changed(const char *what, const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		log_warnx("reload: 'set %s' changed; it takes effect at the "
		    "next restart", what);
}

int
reload_conf(struct daemon *d, struct buf *err)
{
	struct conf *nc = xcalloc(1, sizeof(*nc));
	struct engine ne;
	struct state st;
	struct qrun *oldqr;
	struct strlist oldlistens;
	size_t i;
	long k;

	if (conf_load(nc, d->o->conf_path) == -1) {
		diags_text(nc, err);
		log_warnx("reload: %s has errors; keeping the running "
		    "configuration: %s", d->o->conf_path, buf_str(err));
		free(d->reload_error);
		d->reload_error = xstrdup(buf_str(err));
		conf_free(nc);
		free(nc);
		return -1;
	}
	free(d->reload_error);
	d->reload_error = NULL;
	static_changed("statedir", d->conf->statedir, nc->statedir);
	static_changed("spooldir", d->conf->spooldir, nc->spooldir);
	static_changed("control", d->conf->control, nc->control);
	static_changed("uid", d->conf->uid, nc->uid);
	static_changed("gid", d->conf->gid, nc->gid);
	static_changed("pidfile", d->conf->pidfile, nc->pidfile);
	schedule_mail_all(d, "reloading");

	if (nc->cachedir == NULL && d->conf->cachedir != NULL)
		nc->cachedir = xstrdup(d->conf->cachedir);
	engine_init(&ne, nc);
	for (i = 0; i < nc->nqueues; i++) {
		k = conf_queue_find(d->conf, nc->queues[i].name);
		if (k >= 0) {
			struct queue tmp = ne.queues[i];

			ne.queues[i] = d->engine.queues[k];
			ne.queues[i].max_entries = nc->max_entries;
			tmp.mem = NULL;		/* empty: counts nowhere */
			d->engine.queues[k] = tmp;
		}
	}
	/* keep the schedules of queues that stay (and the summary counts:
	 * they borrow the old configuration, so go before it) */
	checkpoint_build(d, &st);
	sumq_free(d);
	oldlistens.n = d->conf->listens.n;
	oldlistens.v = d->conf->listens.v;
	d->conf->listens.v = NULL;
	d->conf->listens.n = 0;
	rstore_reload(d);	/* partitions: committed and handed back */
	engine_free(&d->engine);
	conf_free(d->conf);
	free(d->conf);
	d->conf = nc;
	d->engine = ne;
	engine_set_memory(&d->engine);	/* queues count into d->engine now */
	watch_reload(d);
	d->logged_cut = d->logged_regex = 0;	/* new engine, new stats */
	oldqr = d->qr;
	schedule_init(d, &st);
	free(oldqr);
	sumq_reload(d, &st);

	/* inputs: keep those still configured, add new ones */
	inputs_prune(d);
	inputs_scan(d, &st, true);
	inputs_watch(d);
	state_free(&st);
	/* archives reopen (also what logrotate's HUP needs), the journal
	 * continues from its cursor with the new matches */
	inputs_archives_close(d);
	inputs_archives_open(d);
	inputs_journal_close(d);
	inputs_journal_open(d, d->journal_cursor == NULL);
	{
		size_t a, b;
		bool same = oldlistens.n == nc->listens.n;

		for (a = 0; same && a < oldlistens.n; a++) {
			for (b = 0; b < nc->listens.n; b++)
				if (strcmp(oldlistens.v[a], nc->listens.v[b]) == 0)
					break;
			same = b < nc->listens.n;
		}
		if (!same)
			log_warnx("reload: 'set listen' changed; the listeners "
			    "change at the next restart (sockets are bound "
			    "before privileges are dropped)");
		for (a = 0; a < oldlistens.n; a++)
			free(oldlistens.v[a]);
		free(oldlistens.v);
	}

	/* the sender picks up new relay settings when restarted */
	free(d->smtp_password);
	d->smtp_password = nc->smtp_password_file != NULL ?
	    sendproc_read_secret(nc->smtp_password_file) : NULL;
	if (nc->smtp_password_file != NULL && d->smtp_password == NULL)
		log_warn("reload: cannot read %s; AUTH will fail",
		    nc->smtp_password_file);
	sendproc_smtp_conf(d);
	if (d->sender > 0) {
		d->sender_recycle = true;
		kill(d->sender, SIGTERM);	/* sendproc_reap() restarts it */
	}
	d->reload_at = d->now;
	d->dirty = true;
	checkpoint_write(d);
	log_info("reloaded %s", d->o->conf_path);
	return 0;
}
