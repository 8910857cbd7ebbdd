/*
 * inputs — the daemon's inputs and the line path (see inputs.h).
 *
 * Every line, from a file, a listener or the journal, goes through
 * take_line: the engine classifies it into the queues, a [now] queue gets
 * its timer, and a received line is also written to the archives.
 */
#include "daemon/inputs.h"

#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "classify/engine.h"
#include "conf/sel.h"
#include "daemon/daemon_int.h"
#include "daemon/state.h"
#include "daemon/sumq.h"
#include "daemon/watch.h"
#include "deliver/archive.h"
#include "input/in_file.h"
#include "input/in_journal.h"
#include "input/in_self.h"
#include "input/in_syslog.h"
#include "input/record.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/map.h"
#include "lib/xmem.h"

/* ---- the line path ---- */

/* Writes a received line to the archives whose selector takes it. */
static void
archive_line(struct daemon *d, const struct verdict *v)
{
	const struct record *r = &v->rec;
	const struct conf *c = d->conf;
	const char *text = r->msg;
	size_t textlen = r->msglen, i;
	time_t t;

	if (d->narchives == 0 || v->host == NULL)
		return;
	if (r->format == REC_RFC5424 && r->prog != NULL) {
		/* the classic layout: APP[PROCID]: MSG */
		buf_reset(&d->archtext);
		buf_add(&d->archtext, r->prog, r->proglen);
		if (r->procid != NULL) {
			buf_addc(&d->archtext, '[');
			buf_add(&d->archtext, r->procid, r->procidlen);
			buf_addc(&d->archtext, ']');
		}
		buf_addstr(&d->archtext, ": ");
		buf_add(&d->archtext, r->msg, r->msglen);
		text = buf_str(&d->archtext);
		textlen = d->archtext.len;
	}
	t = record_time(r, d->now);
	if (t == (time_t)-1)
		t = d->now;
	for (i = 0; i < d->narchives; i++) {
		if (d->archives[i] == NULL || !sel_match_record(c->archives[i].sel,
		    r, d->engine.localhost))
			continue;
		if (archive_write(d->archives[i], t, v->host, v->hostlen, r->prog,
		    r->proglen, r->facility, r->severity, text, textlen) == -1)
			d->archive_errors++;
	}
}

static void
take_line(struct daemon *d, const char *line, size_t len, size_t cut,
    bool archive, bool journal)
{
	const struct conf *c = d->conf;
	struct verdict v;
	size_t i;

	engine_line(&d->engine, line, len, cut, d->now, &v);
	if (archive)
		archive_line(d, &v);
	sumq_line(d, &v, archive, journal);
	watch_line(d, &v);
	d->lines++;
	d->dirty = true;
	for (i = 0; i < v.nqueues; i++) {
		size_t qi = v.queues[i];

		if (qi < c->nqueues && c->queues[qi].now && d->qr[qi].due == 0)
			d->qr[qi].due = d->now + (c->sleep > 0 ? c->sleep : 1);
	}
}

/* A line from a log file. */
static void
on_line(void *arg, const char *line, size_t len, size_t cut)
{
	take_line(arg, line, len, cut, false, false);
}

void
inputs_net_line(void *arg, const char *line, size_t len, size_t cut)
{
	take_line(arg, line, len, cut, true, false);
}

void
inputs_journal_line(void *arg, const char *line, size_t len, size_t cut)
{
	take_line(arg, line, len, cut, true, true);
}

void
inputs_self_line(void *arg, const char *line, size_t len)
{
	take_line(arg, line, len, 0, false, false);
}

void
inputs_self_take(struct daemon *d)
{
	if (d->self != NULL && in_self_pending(d->self) > 0)
		in_self_drain(d->self, inputs_self_line, d);
}

/* ---- log files ---- */

static struct input *
input_find(struct daemon *d, const char *path)
{
	uintptr_t v = (uintptr_t)map_get(&d->paths, path, strlen(path));

	return v != 0 ? &d->inputs[v - 1] : NULL;
}

static void
paths_rebuild(struct daemon *d)
{
	size_t i;

	map_clear(&d->paths);
	for (i = 0; i < d->ninputs; i++)
		*map_put(&d->paths, d->inputs[i].path,
		    strlen(d->inputs[i].path)) = (void *)(uintptr_t)(i + 1);
}

static void
input_add(struct daemon *d, const char *path, const struct in_file_save *saved,
    bool at_start)
{
	struct in_file_opts fo = {
		.max_line = d->conf->max_line,
		.start_at_end = at_start && d->conf->start_at_end,
		.partial_timeout = d->conf->partial_timeout,
		.rotate_grace = d->conf->rotate_grace,
		.saved_at = {
			(time_t)(d->saved_ns / 1000000000),
			(long)(d->saved_ns % 1000000000)
		},
	};
	struct input *in;

	d->inputs = xreallocarray(d->inputs, d->ninputs + 1, sizeof(*d->inputs));
	in = &d->inputs[d->ninputs++];
	memset(in, 0, sizeof(*in));
	in->path = xstrdup(path);
	in->f = in_file_new(path, &fo, saved);
	in->dirty = true;
	*map_put(&d->paths, path, strlen(path)) = (void *)(uintptr_t)d->ninputs;
	log_info("watching %s", path);
}

static bool
has_magic(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static bool
fnmatch_path(const char *pat, const char *path)
{
	return fnmatch(pat, path, FNM_PATHNAME | FNM_PERIOD) == 0;
}

void
inputs_scan(struct daemon *d, const struct state *st, bool at_start)
{
	size_t i, j, k, skipped = 0;

	for (i = 0; i < d->conf->logfiles.n; i++) {
		const char *pat = d->conf->logfiles.v[i];
		glob_t g;

		if (!has_magic(pat)) {
			if (input_find(d, pat) == NULL) {
				const struct in_file_save *sv = NULL;

				for (k = 0; st != NULL && k < st->ninputs; k++)
					if (strcmp(st->inputs[k].path, pat) == 0)
						sv = &st->inputs[k].save;
				input_add(d, pat, sv, at_start);
			}
			continue;
		}
		memset(&g, 0, sizeof(g));
		if (glob(pat, GLOB_NOSORT, NULL, &g) != 0) {
			globfree(&g);
			continue;
		}
		for (j = 0; j < g.gl_pathc; j++) {
			const char *p = g.gl_pathv[j];
			const struct in_file_save *sv = NULL;

			if (input_find(d, p) != NULL)
				continue;
			if (d->ninputs >= d->conf->max_files) {
				skipped++;
				continue;
			}
			for (k = 0; st != NULL && k < st->ninputs; k++)
				if (strcmp(st->inputs[k].path, p) == 0)
					sv = &st->inputs[k].save;
			/* a file that appears while we run is read whole */
			input_add(d, p, sv, at_start || sv != NULL);
		}
		globfree(&g);
	}
	if (skipped != d->files_skipped && skipped > 0)
		log_warnx("%zu more file%s match the logfile patterns but set "
		    "max_files is %u: %s NOT watched", skipped,
		    skipped == 1 ? "" : "s", d->conf->max_files,
		    skipped == 1 ? "it is" : "they are");
	d->files_skipped = skipped;
	d->last_glob = clock_mono();
	d->rescan = false;
}

void
inputs_watch(struct daemon *d)
{
	size_t i;

	if (d->inofd == -1)
		return;
	for (i = 0; i < d->conf->logfiles.n; i++) {
		char *dir = xstrdup(d->conf->logfiles.v[i]), *slash;

		slash = strrchr(dir, '/');
		if (slash == NULL) {
			free(dir);
			dir = xstrdup(".");
		} else if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (!has_magic(dir)) {
			int wd = inotify_add_watch(d->inofd, dir, IN_MODIFY |
			    IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
			    IN_CLOSE_WRITE | IN_ATTRIB);
			void **slot;

			if (wd == -1) {
				if (errno != ENOENT)
					log_warn("inotify on %s (polling once a "
					    "second instead)", dir);
			} else {
				slot = map_put(&d->wds, &wd, sizeof(wd));
				free(*slot);
				*slot = dir;
				dir = NULL;
			}
		}
		free(dir);
	}
}

bool
inputs_poll(struct daemon *d, bool all)
{
	time_t real = time(NULL);
	bool more = false;
	size_t i;

	all = all || d->poll_all;
	d->poll_all = false;
	for (i = 0; i < d->ninputs; i++) {
		struct input *in = &d->inputs[i];

		if (!all && !in->dirty && !in->more)
			continue;
		in->dirty = false;
		in->more = in_file_poll(in->f, real, LINES_PER_POLL, on_line,
		    d) == 1;
		if (in->more)
			more = true;
	}
	return more;
}

void
inputs_inotify(struct daemon *d)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(d->inofd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (p < buf + n) {
			const struct inotify_event *ev = (const void *)p;
			const char *dir;
			struct input *in = NULL;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				d->poll_all = d->rescan = true;
				continue;
			}
			dir = map_get(&d->wds, &ev->wd, sizeof(ev->wd));
			if (dir != NULL && ev->len > 0) {
				char *path = xasprintf("%s%s%s", dir,
				    dir[strlen(dir) - 1] == '/' ? "" : "/",
				    ev->name);

				in = input_find(d, path);
				free(path);
			}
			if (in != NULL)
				in->dirty = true;
			else {
				d->poll_all = true;
				if (ev->mask & (IN_CREATE | IN_MOVED_TO))
					d->rescan = true;
			}
		}
	}
}

void
inputs_prune(struct daemon *d)
{
	const struct conf *nc = d->conf;
	size_t i;

	for (i = 0; i < d->ninputs; ) {
		bool keep = false;
		size_t j;

		for (j = 0; j < nc->logfiles.n && !keep; j++)
			keep = strcmp(nc->logfiles.v[j], d->inputs[i].path) == 0 ||
			    (has_magic(nc->logfiles.v[j]) &&
			    fnmatch_path(nc->logfiles.v[j], d->inputs[i].path));
		if (keep) {
			i++;
			continue;
		}
		log_info("no longer watching %s", d->inputs[i].path);
		in_file_free(d->inputs[i].f);
		free(d->inputs[i].path);
		d->inputs[i] = d->inputs[--d->ninputs];
	}
	paths_rebuild(d);
}

void
inputs_free(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->ninputs; i++) {
		in_file_free(d->inputs[i].f);
		free(d->inputs[i].path);
	}
	free(d->inputs);
	d->inputs = NULL;
	d->ninputs = 0;
	paths_rebuild(d);
}

/* ---- network, journal, archives ---- */

static void
listener_fd(void *arg, int fd, bool added)
{
	struct daemon *d = arg;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV(TAG_SYSLOG, fd) };

	if (added) {
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) == -1 &&
		    errno != EEXIST)
			log_warn("epoll: listener connection");
	} else
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, NULL);
}

int
inputs_listeners_open(struct daemon *d)
{
	const struct conf *c = d->conf;
	struct in_syslog_opts so = {
		.max_msg = c->max_line,
		.idle_timeout = c->listen_idle,
		.max_conns = c->listen_max_conns,
		.localhost = NULL,	/* this host's short name */
		.fd_change = listener_fd,
		.fd_arg = d,
	};
	char err[512];
	size_t i;

	d->listeners = xcalloc(c->listens.n + 1, sizeof(*d->listeners));
	for (i = 0; i < c->listens.n; i++) {
		struct in_syslog *s = in_syslog_open(c->listens.v[i], &so, err,
		    sizeof(err));

		if (s == NULL) {
			log_warnx("set listen %s: %s", c->listens.v[i], err);
			return -1;
		}
		d->listeners[d->nlisteners++] = s;
		listener_fd(d, in_syslog_fd(s), true);
		log_info("listening on %s", c->listens.v[i]);
	}
	return 0;
}

bool
inputs_listeners_ready(struct daemon *d, int fd)
{
	bool more = false;
	size_t i;

	for (i = 0; i < d->nlisteners; i++)
		if (in_syslog_ready(d->listeners[i], fd, d->now, inputs_net_line, d) == 1)
			more = true;
	return more;
}

void
inputs_listeners_drain(struct daemon *d, double max_secs)
{
	struct epoll_event ev[16];
	double end = clock_mono() + max_secs;
	size_t i, j, open = 0, nfds;
	bool more = false;
	int ep, n, k, fds[64];

	uint64_t before = 0, after = 0;
	struct in_syslog_stats st;

	if (d->nlisteners == 0)
		return;
	for (i = 0; i < d->nlisteners; i++) {
		in_syslog_stats(d->listeners[i], &st);
		before += st.received;
		open += in_syslog_quiesce(d->listeners[i]);
	}
	/* a set of its own: the loop's set also holds the signal and timer
	 * fds, which would keep waking this one */
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_warn("epoll_create1");
		return;
	}
	for (i = 0; i < d->nlisteners; i++) {
		nfds = in_syslog_fds(d->listeners[i], fds, 64);
		for (j = 0; j < nfds && j < 64; j++) {
			struct epoll_event e = { .events = EPOLLIN, .data.fd = fds[j] };

			(void)epoll_ctl(ep, EPOLL_CTL_ADD, fds[j], &e);
		}
	}
	if (open > 0)
		log_info("stopping: waiting up to %.0f s for %zu TCP sender%s "
		    "to close", max_secs, open, open == 1 ? "" : "s");
	for (;;) {
		double left = end - clock_mono();

		if (left <= 0)
			break;
		n = epoll_wait(ep, ev, 16, open > 0 || more ?
		    (int)(left * 1000) + 1 : 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			break;
		}
		d->now = clock_now();
		more = false;
		for (k = 0; k < n; k++)
			if (inputs_listeners_ready(d, ev[k].data.fd))
				more = true;
		for (open = 0, i = 0; i < d->nlisteners; i++)
			open += in_syslog_conns(d->listeners[i]);
		if (n == 0 && open == 0)
			break;
	}
	close(ep);
	for (i = 0; i < d->nlisteners; i++) {
		in_syslog_stats(d->listeners[i], &st);
		after += st.received;
	}
	if (after > before)
		log_info("stopping: %llu more message%s received while the "
		    "senders closed", (unsigned long long)(after - before),
		    after - before == 1 ? "" : "s");
	if (open > 0)
		log_info("stopping: %zu TCP sender%s did not close in time",
		    open, open == 1 ? "" : "s");
}

void
inputs_journal_open(struct daemon *d, bool fresh)
{
	const struct conf *c = d->conf;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV(TAG_JOURNAL, 0) };
	char **files = NULL, **matches;
	struct in_journal_opts jo;
	char err[512];
	size_t i;
	int fd;

	if (!c->journal)
		return;
	matches = xcalloc(c->journal_matches.n + 1, sizeof(*matches));
	for (i = 0; i < c->journal_matches.n; i++)
		matches[i] = c->journal_matches.v[i];
	if (c->journal_files.n > 0) {
		files = xcalloc(c->journal_files.n + 1, sizeof(*files));
		for (i = 0; i < c->journal_files.n; i++)
			files[i] = c->journal_files.v[i];
	}
	memset(&jo, 0, sizeof(jo));
	jo.dir = c->journal_dir;
	jo.files = files;
	jo.matches = matches;
	jo.start_at_end = fresh && c->start_at_end;
	jo.max_msg = c->max_line;
	d->journal = in_journal_open(&jo, d->journal_cursor, err, sizeof(err));
	free(matches);
	free(files);
	if (d->journal == NULL) {
		log_warnx("set journal: %s (the journal is not read)", err);
		return;
	}
	d->journal_more = true;
	if ((fd = in_journal_fd(d->journal)) != -1 &&
	    epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		log_warn("epoll: journal");
	log_info("reading the journal%s%s", c->journal_dir ? " in " : "",
	    c->journal_dir ? c->journal_dir : "");
}

void
inputs_journal_close(struct daemon *d)
{
	const char *cur;

	if (d->journal == NULL)
		return;
	if ((cur = in_journal_cursor(d->journal)) != NULL) {
		free(d->journal_cursor);
		d->journal_cursor = xstrdup(cur);
	}
	in_journal_free(d->journal);	/* closes its fd: leaves epoll */
	d->journal = NULL;
}

void
inputs_archives_open(struct daemon *d)
{
	const struct conf *c = d->conf;
	struct archive_opts ao;
	char err[512];
	size_t i;

	memset(&ao, 0, sizeof(ao));
	ao.sync = (enum archive_sync)c->archive_sync;
	ao.sync_interval = c->archive_sync_interval;
	d->archives = xcalloc(c->narchives + 1, sizeof(*d->archives));
	d->narchives = c->narchives;
	for (i = 0; i < c->narchives; i++) {
		d->archives[i] = archive_open(c->archives[i].pattern, &ao, err,
		    sizeof(err));
		if (d->archives[i] == NULL)
			log_warnx("%s:%d: archive %s: %s (not written)",
			    c->archives[i].file, c->archives[i].line,
			    c->archives[i].pattern, err);
	}
}

void
inputs_archives_close(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->narchives; i++)
		archive_free(d->archives[i]);
	free(d->archives);
	d->archives = NULL;
	d->narchives = 0;
}
