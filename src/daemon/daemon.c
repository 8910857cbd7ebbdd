/*
 * daemon — `logward run` (see daemon.h).
 *
 * One thread.  Lines go read → engine → queue inside on_line; nothing on
 * that path waits for the network: mails are staged in the outbox and
 * delivered by a separate sender process.  Every few seconds (and with
 * every report) the input positions and the queues are checkpointed
 * together, so a restart continues exactly where the checkpoint left off.
 */
#include "daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <glob.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "daemon/ctl.h"
#include "deliver/archive.h"
#include "input/in_file.h"
#include "input/in_journal.h"
#include "input/in_syslog.h"
#include "lib/log.h"
#include "report/mailer.h"
#include "lib/map.h"
#include "deliver/outbox.h"
#include "report/report.h"
#include "classify/engine.h"
#include "conf/sel.h"
#include "deliver/sender.h"
#include "deliver/smtp.h"
#include "daemon/state.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define LINES_PER_POLL	20000	/* per input per loop turn: stay responsive */
#define GLOB_EVERY	10	/* s between re-expansions of logfile globs */
#define SENDER_RESPAWN	5	/* s before a dead sender is restarted */

enum tag { TAG_SIGNAL = 1, TAG_TIMER, TAG_INOTIFY, TAG_CTL, TAG_SYSLOG,
    TAG_JOURNAL };

#define EV(tag, fd)	(((uint64_t)(tag) << 32) | (uint32_t)(fd))

struct input {
	char		*path;		/* owned */
	struct in_file	*f;		/* owned */
	bool		 dirty;		/* inotify saw activity: poll it */
	bool		 more;		/* the last poll stopped at its bound */
};

/* Run-time schedule of one queue. */
struct qrun {
	time_t		 next;		/* cron: next firing, -1 = never */
	time_t		 last_fire;	/* cron: scheduled time of the last firing */
	time_t		 report_start;	/* start of the period of the next report */
	time_t		 due;		/* [now]: when the pending batch goes, 0 = none */
	bool		 limited;	/* [now]: the batch waits for mail_rate */
	uint32_t	 nsent;
	time_t		 sent[STATE_MAX_SENT]; /* recent mails, oldest first */
};

struct daemon {
	const struct daemon_opts *o;
	struct conf	*conf;		/* owned */
	struct engine	 engine;
	struct input	*inputs;	/* owned array */
	size_t		 ninputs;
	struct map	 paths;		/* input path → index + 1 */
	struct map	 wds;		/* inotify watch (int) → directory (owned) */
	bool		 poll_all;	/* poll every input at the next turn */
	bool		 rescan;	/* re-expand the globs at the next turn */
	size_t		 files_skipped;	/* glob matches past set max_files */
	struct in_syslog **listeners;	/* owned array of owned listeners */
	size_t		 nlisteners;
	struct in_journal *journal;	/* owned, or NULL */
	char		*journal_cursor; /* owned: cursor to resume from (state) */
	bool		 journal_more;	/* the journal has more to read */
	struct archive	**archives;	/* owned, one per conf->archives */
	size_t		 narchives;
	struct buf	 archtext;	/* scratch: the text written to archives */
	uint64_t	 archive_errors;
	uint64_t	 logged_cut;	/* engine stats already in our log */
	uint64_t	 logged_regex;
	struct qrun	*qr;		/* owned, one per queue */
	uint64_t	 seq;		/* last report staged */
	uint64_t	 committed;	/* seq of the last checkpoint written */
	uint64_t	*staged;	/* staged, not yet published */
	size_t		 nstaged;
	struct outbox	 outbox;
	char		*statedir, *spooldir, *statepath, *ctlpath, *pidfile;
	int		 epfd, sigfd, tfd, inofd, ctlfd, pidfd;
	pid_t		 sender;
	double		 sender_respawn; /* mono time to restart it, 0 = none */
	struct smtp_conf smtp;
	char		*smtp_password;	/* owned */
	bool		 dirty;		/* something changed since the checkpoint */
	double		 last_ckpt;	/* mono */
	time_t		 last_ckpt_wall;
	time_t		 now;		/* clock_now() of this loop turn */
	time_t		 started;
	double		 last_glob;	/* mono */
	bool		 stop;
	bool		 sender_recycle; /* restart the sender at once (reload) */
	int64_t		 saved_ns;	/* time of the checkpoint started from */
	bool		 outbox_full;	/* reports are being deferred */
	uint64_t	 deferred;	/* reports deferred since start */
	bool		 drop;		/* drop privileges to uid/gid */
	uid_t		 uid;
	gid_t		 gid;
	uint64_t	 lines;		/* lines read since start */
	uint64_t	 mails;		/* reports staged since start */
	uint64_t	 rate_lines;	/* lines at rate_at */
	double		 rate_at;	/* mono */
	double		 rate;		/* lines/s over the last interval */
	char		*reload_error;	/* owned: the last failed reload */
	time_t		 reload_at;	/* when the config was last (re)loaded */
	char		 hostname[256];
};

/* ---- helpers ---- */

static int
mkdirs(const char *path, mode_t mode)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; rc == 0 && (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, mode) == -1 && errno != EEXIST)
		rc = -1;
	if (rc == -1)
		log_warn("cannot create directory %s", p);
	free(p);
	return rc;
}

static uid_t chown_uid;
static gid_t chown_gid;

static int
chown_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (lchown(path, chown_uid, chown_gid) == -1)
		log_warn("chown %s", path);
	return 0;
}

/* Gives a directory of logward's own (and what is in it) to uid/gid. */
static void
chown_tree(const char *dir, uid_t uid, gid_t gid)
{
	chown_uid = uid;
	chown_gid = gid;
	nftw(dir, chown_one, 16, FTW_PHYS | FTW_MOUNT);
}

static char *
read_secret(const char *path)
{
	char buf[1024];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return xstrdup(buf);
}

static void
smtp_from_conf(struct daemon *d)
{
	const struct conf *c = d->conf;

	memset(&d->smtp, 0, sizeof(d->smtp));
	d->smtp.server = c->mailserver != NULL ? c->mailserver : "localhost";
	d->smtp.tls = c->smtp_tls == 2 ? SMTP_TLS_TLS : c->smtp_tls == 1 ?
	    SMTP_TLS_STARTTLS : SMTP_TLS_NONE;
	d->smtp.user = c->smtp_user;
	d->smtp.password = d->smtp_password;
	d->smtp.cafile = c->smtp_cafile;
	d->smtp.capath = c->smtp_capath;
	d->smtp.tls_verify = c->smtp_tls_verify;
	d->smtp.timeout = c->mailtimeout;
	d->smtp.helo = c->helo;
}

/* ---- the sender process ---- */

static void
sender_start(struct daemon *d)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == -1) {
		log_warn("cannot start the sender process; retrying");
		d->sender_respawn = clock_mono() + SENDER_RESPAWN;
		return;
	}
	if (pid == 0) {
		sigset_t none;

		/* the sender ends with the daemon, even after a kill -9 */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		close(d->epfd);
		close(d->sigfd);
		close(d->tfd);
		if (d->inofd != -1)
			close(d->inofd);
		if (d->ctlfd != -1)
			close(d->ctlfd);
		if (d->pidfd != -1)
			close(d->pidfd);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(sender_run(&d->smtp, d->spooldir));
	}
	d->sender = pid;
	d->sender_respawn = 0;
}

static void
sender_kick(struct daemon *d)
{
	if (d->sender > 0)
		kill(d->sender, SIGUSR1);
}

static void
reap(struct daemon *d)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != d->sender)
			continue;
		d->sender = 0;
		if (d->sender_recycle) {
			d->sender_recycle = false;
			sender_start(d);
		} else if (!d->stop) {
			log_warnx("the sender process ended (%s %d); restarting "
			    "it in %d s", WIFEXITED(status) ? "status" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) :
			    WTERMSIG(status), SENDER_RESPAWN);
			d->sender_respawn = clock_mono() + SENDER_RESPAWN;
		}
	}
}

/* ---- inputs ---- */

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

/* Expands the logfile patterns; new paths become inputs.  Files found
 * at start-up start per start_at, later ones from their beginning. */
static void
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

/* Watches the directories of the logfile patterns. */
static void
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
    bool archive)
{
	const struct conf *c = d->conf;
	struct verdict v;
	size_t i;

	engine_line(&d->engine, line, len, cut, d->now, &v);
	if (archive)
		archive_line(d, &v);
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
	take_line(arg, line, len, cut, false);
}

/* A line from the network or the journal: also archived. */
static void
on_net_line(void *arg, const char *line, size_t len, size_t cut)
{
	take_line(arg, line, len, cut, true);
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

/* Binds every 'set listen' (as root: before the drop). */
static int
listeners_open(struct daemon *d)
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

static bool
listeners_ready(struct daemon *d, int fd)
{
	bool more = false;
	size_t i;

	for (i = 0; i < d->nlisteners; i++)
		if (in_syslog_ready(d->listeners[i], fd, d->now, on_net_line, d) == 1)
			more = true;
	return more;
}

static void
journal_open(struct daemon *d, bool fresh)
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

static void
journal_close(struct daemon *d)
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

static void
archives_open(struct daemon *d)
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

static void
archives_close(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->narchives; i++)
		archive_free(d->archives[i]);
	free(d->archives);
	d->archives = NULL;
	d->narchives = 0;
}

/* Reads what the inputs have.  Returns true when some have more. */
static bool
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

/* inotify: mark the inputs whose files changed; a name we do not follow
 * (a rotated file still being drained, a new file a glob may match)
 * makes the next turn poll everything and re-expand the globs. */
static void
inotify_read(struct daemon *d)
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

static void
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

/* ---- checkpoint and the outbox commit ---- */

static void
state_build(struct daemon *d, struct state *st)
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
}

/* Writes the checkpoint; on success publishes the staged reports. */
static int
checkpoint(struct daemon *d)
{
	struct state st;
	size_t i;
	int rc;

	state_build(d, &st);
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

/* Mails the queues in want[] (status: tenshi's status word or NULL).
 * Each report is staged in the outbox, the queue emptied, and one
 * checkpoint then commits them all.  Returns the number of mails. */
static size_t
mail_queues(struct daemon *d, const bool *want, const char *status)
{
	const struct conf *c = d->conf;
	struct mail_meta meta;
	size_t qi, n = 0, pending;
	bool changed = false;

	meta.now = d->now;
	meta.hostname = d->hostname;
	pending = outbox_pending(&d->outbox) + d->nstaged;
	if (c->max_outbox == 0 || pending < c->max_outbox)
		d->outbox_full = false;
	for (qi = 0; qi < c->nqueues; qi++) {
		const struct queue_def *qd = &c->queues[qi];
		struct qrun *r = &d->qr[qi];
		struct mime_opts mo = { d->hostname, d->seq + 1, d->now };
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
		buf_init(&msg, SIZE_MAX / 4);
		res = mailer_render(&d->engine, qi, status != NULL ? status :
		    r->limited ? "rate limited" : NULL, &meta, &mo, &msg);
		if (res == MAILER_MAIL) {
			if (outbox_stage(&d->outbox, d->seq + 1, qd->from, qd->to,
			    qd->name, msg.data, msg.len) == -1) {
				log_warnx("queue %s: report kept in the queue, "
				    "will try again", qd->name);
				buf_free(&msg);
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
		r->due = 0;
		r->limited = false;
	}
	if (changed || d->nstaged > 0) {
		d->dirty = true;
		if (checkpoint(d) == -1)
			log_warnx("reports stay unpublished until a checkpoint "
			    "can be written");
	}
	return n;
}

static size_t
mail_all(struct daemon *d, const char *status)
{
	bool *want = xcalloc(d->conf->nqueues + 1, sizeof(*want));
	size_t i, n;

	for (i = 0; i < d->conf->nqueues; i++)
		want[i] = true;
	n = mail_queues(d, want, status);
	free(want);
	return n;
}

/* The queue check: due [now] batches and cron firings.  force sends
 * [now] batches without waiting for their sleep (USR1). */
static void
schedule(struct daemon *d, bool force)
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
		mail_queues(d, want, NULL);
	free(want);
}

static void
qrun_init(struct daemon *d, const struct state *st)
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

/* ---- status ---- */

static void
in_file_stats_text(const struct in_file_stats *fs, struct buf *b)
{
	if (fs->state == IN_FILE_WAITING)
		buf_addstr(b, "waiting for the file to appear");
	else if (fs->state == IN_FILE_ERROR)
		buf_printf(b, "ERROR: %s", fs->error ? fs->error : "unknown");
	else
		buf_printf(b, "reading, offset %" PRIu64 " of %" PRIu64,
		    fs->offset, fs->size);
	buf_printf(b, ", %" PRIu64 " lines, %" PRIu64 " bytes, %" PRIu64
	    " rotations", fs->lines, fs->bytes, fs->rotations);
	if (fs->draining)
		buf_addstr(b, ", draining a rotated file");
	if (fs->cut_lines > 0)
		buf_printf(b, ", %" PRIu64 " lines cut at max_line", fs->cut_lines);
	if (fs->bytes_lost > 0)
		buf_printf(b, ", LOST %" PRIu64 " bytes", fs->bytes_lost);
	if (fs->losses_unknown > 0)
		buf_printf(b, ", %" PRIu64 " POSSIBLE LOSS%s (a rotated file "
		    "was not found or could not be read; see the log)",
		    fs->losses_unknown, fs->losses_unknown == 1 ? "" : "ES");
}

static void
fmt_time(char *dst, size_t size, time_t t)
{
	struct tm tm;

	if (t <= 0) {
		str_lcpy(dst, "never", size);
		return;
	}
	localtime_r(&t, &tm);
	strftime(dst, size, "%Y-%m-%d %H:%M:%S", &tm);
}

static void
status_text(struct daemon *d, struct buf *b)
{
	const struct conf *c = d->conf;
	const struct engine_stats *es = &d->engine.stats;
	struct sender_status ss;
	char t1[64], t2[64];
	size_t i;

	buf_printf(b, "logward %s, pid %ld, up %llds, config %s%s\n",
	    LOGWARD_VERSION, (long)getpid(), (long long)(d->now - d->started),
	    d->o->conf_path, clock_is_test() ? " (test clock)" : "");
	if (d->reload_error != NULL)
		buf_printf(b, "reload: FAILED, running the previous "
		    "configuration: %s\n", d->reload_error);
	buf_printf(b, "lines: %" PRIu64 " read, %.1f lines/s, %" PRIu64
	    " queued, %" PRIu64 " trashed, %" PRIu64 " unmatched, %" PRIu64
	    " cut at max_line, %" PRIu64 " with regex limit errors\n",
	    d->lines, d->rate, es->queued, es->trashed, es->unmatched, es->cut,
	    es->regex_errors);
	if (d->files_skipped > 0)
		buf_printf(b, "inputs: %zu watched, %zu more matching files NOT "
		    "WATCHED (set max_files %u)\n", d->ninputs, d->files_skipped,
		    c->max_files);
	for (i = 0; i < d->ninputs; i++) {
		struct in_file_stats fs;

		in_file_stats(d->inputs[i].f, &fs);
		buf_printf(b, "input %s: ", d->inputs[i].path);
		in_file_stats_text(&fs, b);
		buf_addc(b, '\n');
	}
	for (i = 0; i < d->nlisteners; i++) {
		struct in_syslog_stats ls;

		in_syslog_stats(d->listeners[i], &ls);
		buf_printf(b, "listen %s: %" PRIu64 " messages, %" PRIu64 " bytes",
		    ls.spec, ls.received, ls.bytes);
		if (ls.proto == IN_SYSLOG_TCP)
			buf_printf(b, ", %" PRIu64 " connections open (%" PRIu64
			    " in all, %" PRIu64 " refused at the limit, %" PRIu64
			    " closed idle)", ls.conns_open, ls.conns_total,
			    ls.conns_refused, ls.conns_closed_idle);
		if (ls.cut > 0)
			buf_printf(b, ", %" PRIu64 " cut at max_line", ls.cut);
		if (ls.bad_frames > 0)
			buf_printf(b, ", %" PRIu64 " bad frames", ls.bad_frames);
		if (ls.dropped > 0 || ls.kernel_drops > 0)
			buf_printf(b, ", LOST %" PRIu64 " (receive errors) + %"
			    PRIu64 " (kernel buffer full)", ls.dropped,
			    ls.kernel_drops);
		buf_addc(b, '\n');
	}
	if (d->journal != NULL) {
		struct in_journal_stats js;
		const char *cur = in_journal_cursor(d->journal);

		in_journal_stats(d->journal, &js);
		buf_printf(b, "journal: %" PRIu64 " entries, %" PRIu64 " without "
		    "MESSAGE skipped, %" PRIu64 " cut", js.entries,
		    js.skipped_no_message, js.cut);
		if (js.cursor_lost > 0)
			buf_printf(b, ", SAVED CURSOR NOT FOUND %" PRIu64 " time%s "
			    "(entries may be lost or repeated)", js.cursor_lost,
			    js.cursor_lost == 1 ? "" : "s");
		if (js.no_files)
			buf_addstr(b, ", NO READABLE JOURNAL FILES (is the user "
			    "in group systemd-journal or adm?)");
		if (js.error != NULL)
			buf_printf(b, ", ERROR: %s", js.error);
		buf_printf(b, ", cursor %s\n", cur != NULL ? cur : "none");
	} else if (c->journal)
		buf_addstr(b, "journal: NOT OPEN (see the log)\n");
	for (i = 0; i < d->narchives; i++) {
		struct archive_stats as;

		if (d->archives[i] == NULL) {
			buf_printf(b, "archive %s: NOT OPEN (see the log)\n",
			    c->archives[i].pattern);
			continue;
		}
		archive_stats(d->archives[i], &as);
		buf_printf(b, "archive %s: %" PRIu64 " lines, %" PRIu64 " files "
		    "open, %" PRIu64 " created", c->archives[i].pattern, as.lines,
		    as.files_open, as.files_created);
		if (as.errors > 0)
			buf_printf(b, ", %" PRIu64 " LINES NOT WRITTEN: %s",
			    as.errors, as.last_error ? as.last_error : "");
		buf_addc(b, '\n');
	}
	for (i = 0; i < c->nqueues; i++) {
		const struct queue *q = &d->engine.queues[i];
		const struct qrun *r = &d->qr[i];

		buf_printf(b, "queue %s [%s]: %zu entries, %" PRIu64 " lines",
		    c->queues[i].name, c->queues[i].sched, q->nentries, q->lines);
		if (q->over_lines > 0)
			buf_printf(b, ", %" PRIu64 " lines over max_entries",
			    q->over_lines);
		if (c->queues[i].now) {
			if (r->due != 0) {
				fmt_time(t1, sizeof(t1), r->due);
				buf_printf(b, ", mail at %s%s", t1,
				    r->limited ? " (mail_rate reached)" : "");
			}
		} else {
			fmt_time(t1, sizeof(t1), r->next);
			buf_printf(b, ", next mail %s", r->next == (time_t)-1 ?
			    "never" : t1);
		}
		buf_addc(b, '\n');
	}
	{
		size_t pend = outbox_pending(&d->outbox);

		if (d->outbox_full && pend < c->max_outbox)
			d->outbox_full = false;
		buf_printf(b, "outbox: %zu waiting in %s/new (max_outbox %u)%s",
		    pend, d->spooldir, c->max_outbox, d->outbox_full ?
		    ", FULL: reports wait in their queues" : "");
		if (d->deferred > 0)
			buf_printf(b, ", %" PRIu64 " report%s deferred since "
			    "start", d->deferred, d->deferred == 1 ? "" : "s");
		buf_addc(b, '\n');
	}
	if (sender_status_read(d->spooldir, &ss) == 0) {
		fmt_time(t1, sizeof(t1), ss.last_attempt);
		fmt_time(t2, sizeof(t2), ss.last_success);
		buf_printf(b, "sender: pid %ld, %llu delivered, last attempt "
		    "%s, last success %s, last result: %s\n", ss.pid,
		    ss.delivered, t1, t2, ss.last_text[0] ? ss.last_text : "none");
		if (ss.failures > 0) {
			fmt_time(t1, sizeof(t1), ss.next_retry);
			buf_printf(b, "sender: FAILING: %llu failed attempt%s in "
			    "a row, next retry %s\n", ss.failures,
			    ss.failures == 1 ? "" : "s", t1);
		}
		if (ss.bad > 0)
			buf_printf(b, "sender: %llu unusable file%s in %s/bad\n",
			    ss.bad, ss.bad == 1 ? "" : "s", d->spooldir);
	} else
		buf_printf(b, "sender: %s\n", d->sender > 0 ? "starting" :
		    "not running");
	fmt_time(t1, sizeof(t1), d->last_ckpt_wall);
	buf_printf(b, "checkpoint: %s, written %s, report sequence %" PRIu64
	    "\n", d->statepath, t1, d->committed);
}

/* ---- reload ---- */

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

/* Re-reads the config.  A broken one is reported and the running one
 * kept.  Otherwise all queues are mailed (status "reloading", as tenshi
 * does), and the new rules, queues and inputs take over; queue contents
 * left over (a report that could not be staged) move by queue name. */
static int
reload(struct daemon *d, struct buf *err)
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
	mail_all(d, "reloading");

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
	/* keep the schedules of queues that stay */
	state_build(d, &st);
	oldlistens.n = d->conf->listens.n;
	oldlistens.v = d->conf->listens.v;
	d->conf->listens.v = NULL;
	d->conf->listens.n = 0;
	engine_free(&d->engine);
	conf_free(d->conf);
	free(d->conf);
	d->conf = nc;
	d->engine = ne;
	engine_set_memory(&d->engine);	/* queues count into d->engine now */
	d->logged_cut = d->logged_regex = 0;	/* new engine, new stats */
	oldqr = d->qr;
	qrun_init(d, &st);
	free(oldqr);

	/* inputs: keep those still configured, add new ones */
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
	inputs_scan(d, &st, true);
	inputs_watch(d);
	state_free(&st);
	/* archives reopen (also what logrotate's HUP needs), the journal
	 * continues from its cursor with the new matches */
	archives_close(d);
	archives_open(d);
	journal_close(d);
	journal_open(d, d->journal_cursor == NULL);
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
	    read_secret(nc->smtp_password_file) : NULL;
	if (nc->smtp_password_file != NULL && d->smtp_password == NULL)
		log_warn("reload: cannot read %s; AUTH will fail",
		    nc->smtp_password_file);
	smtp_from_conf(d);
	if (d->sender > 0) {
		d->sender_recycle = true;
		kill(d->sender, SIGTERM);	/* reap() restarts it */
	}
	d->reload_at = d->now;
	d->dirty = true;
	checkpoint(d);
	log_info("reloaded %s", d->o->conf_path);
	return 0;
}

/* ---- control socket ---- */

static void
ctl_accept(struct daemon *d)
{
	struct buf out;
	char *cmd, *arg;
	int fd;

	while ((fd = accept4(d->ctlfd, NULL, NULL, SOCK_CLOEXEC)) != -1) {
		cmd = ctl_read_command(fd);
		buf_init(&out, 16 * 1024 * 1024);
		if (cmd == NULL) {
			close(fd);
			buf_free(&out);
			continue;
		}
		arg = cmd + strcspn(cmd, " \t");
		if (*arg != '\0')
			*arg++ = '\0';
		arg += strspn(arg, " \t");
		d->now = clock_now();
		if (strcmp(cmd, "status") == 0) {
			status_text(d, &out);
		} else if (strcmp(cmd, "flush") == 0) {
			bool *want = xcalloc(d->conf->nqueues + 1, sizeof(*want));
			long qi = -1;
			size_t i, n;

			if (*arg != '\0' && (qi = conf_queue_find(d->conf, arg)) < 0)
				buf_printf(&out, "error: no queue named '%s'\n", arg);
			else {
				for (i = 0; i < d->conf->nqueues; i++)
					want[i] = qi < 0 || (long)i == qi;
				n = mail_queues(d, want, "flushing");
				sender_kick(d);	/* and retry what waits now */
				buf_printf(&out, "flushed %s: %zu report%s queued "
				    "for mail\n", qi < 0 ? "all queues" : arg, n,
				    n == 1 ? "" : "s");
			}
			free(want);
		} else if (strcmp(cmd, "reopen") == 0) {
			size_t i;

			/* logrotate's postrotate: new archive files, nothing
			 * else (reload would also mail every queue) */
			for (i = 0; i < d->narchives; i++)
				if (d->archives[i] != NULL)
					archive_reopen(d->archives[i]);
			buf_printf(&out, "reopened %zu archive%s\n", d->narchives,
			    d->narchives == 1 ? "" : "s");
		} else if (strcmp(cmd, "reload") == 0) {
			struct buf err;

			buf_init(&err, 1024 * 1024);
			if (reload(d, &err) == 0)
				buf_printf(&out, "reloaded %s\n", d->o->conf_path);
			else
				buf_printf(&out, "error: %s has errors; the running "
				    "configuration is kept: %s\n", d->o->conf_path,
				    buf_str(&err));
			buf_free(&err);
		} else
			buf_printf(&out, "error: unknown command '%s' (status, "
			    "flush [QUEUE], reload, reopen)\n", cmd);
		ctl_reply(fd, buf_str(&out), out.len);
		buf_free(&out);
		free(cmd);
	}
}

/* ---- signals ---- */

static void
on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;
	struct buf err;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		d->now = clock_now();
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %d: flushing all queues and stopping",
			    (int)si.ssi_signo);
			d->stop = true;
			break;
		case SIGHUP:
			buf_init(&err, 1024 * 1024);
			reload(d, &err);
			buf_free(&err);
			break;
		case SIGUSR2:
			mail_all(d, "flushing");
			break;
		case SIGUSR1:
			schedule(d, true);
			break;
		case SIGCHLD:
			reap(d);
			break;
		default:
			break;
		}
	}
}

/* ---- start-up ---- */

static int
resolve_ids(struct daemon *d)
{
	const struct conf *c = d->conf;
	struct passwd *pw = NULL;
	struct group *gr;
	char *end;

	if (c->uid == NULL && c->gid == NULL)
		return 0;
	if (geteuid() != 0) {
		log_warnx("set uid/gid ignored: not started as root (running "
		    "as uid %ld)", (long)geteuid());
		return 0;
	}
	d->uid = getuid();
	d->gid = getgid();
	if (c->uid != NULL) {
		errno = 0;
		if ((pw = getpwnam(c->uid)) != NULL)
			d->uid = pw->pw_uid;
		else {
			unsigned long v = strtoul(c->uid, &end, 10);

			if (*c->uid == '\0' || *end != '\0') {
				log_warnx("set uid %s: no such user; create it "
				    "(e.g. adduser --system logward) or fix the "
				    "name", c->uid);
				return -1;
			}
			d->uid = (uid_t)v;
		}
		if (pw != NULL)
			d->gid = pw->pw_gid;
	}
	if (c->gid != NULL) {
		if ((gr = getgrnam(c->gid)) != NULL)
			d->gid = gr->gr_gid;
		else {
			unsigned long v = strtoul(c->gid, &end, 10);

			if (*c->gid == '\0' || *end != '\0') {
				log_warnx("set gid %s: no such group", c->gid);
				return -1;
			}
			d->gid = (gid_t)v;
		}
	}
	d->drop = true;
	return 0;
}

static int
drop_privileges(struct daemon *d)
{
	if (!d->drop)
		return 0;
	if (setgroups(0, NULL) == -1 || setresgid(d->gid, d->gid, d->gid) == -1 ||
	    setresuid(d->uid, d->uid, d->uid) == -1) {
		log_warn("cannot drop privileges to uid %ld gid %ld",
		    (long)d->uid, (long)d->gid);
		return -1;
	}
	if (d->uid != 0 && setuid(0) != -1) {
		log_warnx("privileges could be regained after the drop; "
		    "refusing to run");
		return -1;
	}
	log_info("running as uid %ld gid %ld", (long)d->uid, (long)d->gid);
	return 0;
}

/* The pid file: created before the drop, never through a symbolic link,
 * locked for as long as we run. */
static int
pidfile_open(struct daemon *d)
{
	char num[32];
	int fd;

	if (d->pidfile == NULL)
		return 0;
	fd = open(d->pidfile, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warn("pid file %s", d->pidfile);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		log_warnx("pid file %s is locked: another logward daemon is "
		    "running", d->pidfile);
		close(fd);
		return -1;
	}
	snprintf(num, sizeof(num), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || write(fd, num, strlen(num)) !=
	    (ssize_t)strlen(num)) {
		log_warn("pid file %s", d->pidfile);
		close(fd);
		return -1;
	}
	d->pidfd = fd;
	return 0;
}

static int
refuse_corrupt(const char *path, const char *why)
{
	char stamp[32], *copy;
	time_t t = time(NULL);
	struct tm tm;
	int in, out;
	ssize_t n;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	copy = xasprintf("%s.corrupt-%s", path, stamp);
	in = open(path, O_RDONLY | O_CLOEXEC);
	out = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (in != -1 && out != -1) {
		char buf[65536];

		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				break;
		fsync(out);
	}
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	log_warnx("%s", why);
	log_warnx("refusing to start: a copy of the state file was kept as %s. "
	    "To start afresh, remove %s (inputs then start per 'set "
	    "start_at', and the queued lines it held are not reported)", copy,
	    path);
	free(copy);
	return -1;
}

static int
setup_fds(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct itimerspec its = { 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->epfd == -1 || d->sigfd == -1 || d->tfd == -1) {
		log_warn("epoll/signalfd/timerfd");
		return -1;
	}
	d->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->inofd == -1)
		log_warn("inotify (polling once a second instead)");
	/* one tick a second: safety-net poll of the inputs, partial-line and
	 * rotation timeouts, the queue check; 200 ms with the test clock */
	its.it_interval.tv_sec = clock_is_test() ? 0 : 1;
	its.it_interval.tv_nsec = clock_is_test() ? 200000000 : 0;
	its.it_value = its.it_interval;
	timerfd_settime(d->tfd, 0, &its, NULL);
	ev.data.u64 = EV(TAG_SIGNAL, 0);
	epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->sigfd, &ev);
	ev.data.u64 = EV(TAG_TIMER, 0);
	epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->tfd, &ev);
	if (d->inofd != -1) {
		ev.data.u64 = EV(TAG_INOTIFY, 0);
		epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->inofd, &ev);
	}
	if (d->ctlfd != -1) {
		ev.data.u64 = EV(TAG_CTL, 0);
		epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->ctlfd, &ev);
	}
	return 0;
}

/* Detaches: the parent waits until the child says it is up (or failed),
 * so its exit status tells. */
static int
detach(int *ready)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		log_warn("cannot detach");
		return -1;
	}
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	*ready = p[1];
	return 0;
}

static void
signal_ready(int *ready)
{
	int fd;

	if (*ready == -1)
		return;
	if (write(*ready, "1", 1) != 1)
		log_warn("detach");
	close(*ready);
	*ready = -1;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd != -1) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
}

/* Promise 2: what a limit did also goes to our own log (once a tick,
 * as a count since the last message). */
static void
log_limits(struct daemon *d)
{
	const struct engine_stats *es = &d->engine.stats;

	if (es->cut > d->logged_cut) {
		log_warnx("%" PRIu64 " line%s longer than max_line (%zu bytes) "
		    "cut; the reports mark them", es->cut - d->logged_cut,
		    es->cut - d->logged_cut == 1 ? "" : "s", d->conf->max_line);
		d->logged_cut = es->cut;
	}
	if (es->regex_errors > d->logged_regex) {
		log_warnx("%" PRIu64 " line%s hit a PCRE2 limit on some rule; "
		    "see the report trailers and 'logward explain'",
		    es->regex_errors - d->logged_regex,
		    es->regex_errors - d->logged_regex == 1 ? "" : "s");
		d->logged_regex = es->regex_errors;
	}
}

static void
tick(struct daemon *d)
{
	double m = clock_mono();
	size_t i;

	if (m - d->rate_at >= 10) {
		d->rate = (double)(d->lines - d->rate_lines) / (m - d->rate_at);
		d->rate_lines = d->lines;
		d->rate_at = m;
	}
	if (m - d->last_glob >= GLOB_EVERY)
		inputs_scan(d, NULL, false);
	d->poll_all = true;		/* the once-a-second safety net */
	log_limits(d);
	for (i = 0; i < d->nlisteners; i++)
		in_syslog_tick(d->listeners[i], d->now, on_net_line, d);
	for (i = 0; i < d->narchives; i++)
		if (d->archives[i] != NULL)
			archive_tick(d->archives[i], time(NULL));
	d->journal_more = true;		/* safety net: poll it once a tick */
	schedule(d, false);
	if (d->dirty && m - d->last_ckpt >= d->conf->checkpoint)
		checkpoint(d);
	if (d->sender == 0 && d->sender_respawn != 0 && m >= d->sender_respawn)
		sender_start(d);
}

/* After the final flush: give the sender up to mailtimeout seconds to
 * deliver, then stop it.  What it could not send stays in the outbox. */
static void
sender_drain(struct daemon *d)
{
	double until = clock_mono() + (d->conf->mailtimeout > 0 ?
	    d->conf->mailtimeout : 10);
	struct sender_status ss;
	char *stpath = xasprintf("%s/sender.status", d->spooldir);
	struct stat sb;
	struct timespec before = { 0, 0 };
	int status;

	if (d->sender <= 0) {
		free(stpath);
		return;
	}
	/* the sender rewrites its status file after every attempt: one
	 * written after the kick that still says failing is the answer */
	if (stat(stpath, &sb) == 0)
		before = sb.st_mtim;
	sender_kick(d);
	while (clock_mono() < until && outbox_pending(&d->outbox) > 0) {
		if (stat(stpath, &sb) == 0 &&
		    (sb.st_mtim.tv_sec != before.tv_sec ||
		    sb.st_mtim.tv_nsec != before.tv_nsec) &&
		    sender_status_read(d->spooldir, &ss) == 0 && ss.failures > 0)
			break;		/* the relay refuses: keep it for later */
		usleep(50000);
	}
	free(stpath);
	kill(d->sender, SIGTERM);
	while (waitpid(d->sender, &status, 0) == -1 && errno == EINTR)
		;
	d->sender = 0;
}

static int
loop(struct daemon *d, int *ready)
{
	struct epoll_event ev[16];
	bool more = true, net_more = false;
	uint64_t ticks;
	int n, i;

	signal_ready(ready);
	while (!d->stop) {
		n = epoll_wait(d->epfd, ev, 16, more ? 0 : -1);
		if (n == -1 && errno != EINTR) {
			log_warn("epoll_wait");
			return -1;
		}
		d->now = clock_now();
		for (i = 0; i < n; i++) {
			switch ((enum tag)(ev[i].data.u64 >> 32)) {
			case TAG_SIGNAL:
				on_signal(d);
				break;
			case TAG_TIMER:
				while (read(d->tfd, &ticks, sizeof(ticks)) > 0)
					;
				tick(d);
				break;
			case TAG_INOTIFY:
				inotify_read(d);
				break;
			case TAG_CTL:
				ctl_accept(d);
				break;
			case TAG_SYSLOG:
				if (listeners_ready(d, (int)(uint32_t)ev[i].data.u64))
					net_more = true;
				break;
			case TAG_JOURNAL:
				d->journal_more = true;
				break;
			}
		}
		/* every wake-up: read what the changed inputs have (all of
		 * them once a second: the tick sets poll_all) */
		if (d->rescan)
			inputs_scan(d, NULL, false);
		more = inputs_poll(d, false);
		if (d->journal != NULL && d->journal_more) {
			int r = in_journal_poll(d->journal, LINES_PER_POLL,
			    on_net_line, d);

			d->journal_more = r == 1;
			if (r == 1)
				more = true;
		}
		if (net_more) {
			/* a listener stopped at its bound: give it another
			 * turn (epoll is level-triggered, it will wake us) */
			net_more = false;
			more = true;
		}
	}
	return 0;
}

int
daemon_run(const struct daemon_opts *o)
{
	struct daemon dd, *d = &dd;
	struct state st;
	char err[1024];
	int rc = 1, ready = -1, r;

	memset(d, 0, sizeof(*d));
	map_init(&d->paths);
	map_init(&d->wds);
	d->o = o;
	d->epfd = d->sigfd = d->tfd = d->inofd = d->ctlfd = d->pidfd = -1;
	log_init("logward", o->verbose);
	clock_init();
	d->now = d->started = clock_now();
	d->conf = xcalloc(1, sizeof(*d->conf));
	if (conf_load(d->conf, o->conf_path) == -1) {
		conf_print_diags(d->conf, stderr, true);
		conf_free(d->conf);
		free(d->conf);
		return 1;
	}
	conf_print_diags(d->conf, stderr, true);
	if (d->conf->fifos.n > 0)
		log_warnx("set fifo: this version of logward run does not read "
		    "named pipes; lines written to them are NOT monitored "
		    "(use set listen unix:PATH or a log file)");
	if (d->conf->logfiles.n == 0 && d->conf->listens.n == 0 &&
	    !d->conf->journal)
		log_warnx("no 'set logfile', 'set listen' or 'set journal': "
		    "nothing to watch");
	if (d->conf->log_syslog || o->detach)
		log_syslog(1);
	if (gethostname(err, sizeof(err)) == -1)
		str_lcpy(err, "localhost", sizeof(err));
	err[sizeof(err) - 1] = '\0';
	report_sanitize_host(d->hostname, sizeof(d->hostname), err);
	d->statedir = xstrdup(d->conf->statedir ? d->conf->statedir : DAEMON_STATEDIR);
	d->spooldir = xstrdup(d->conf->spooldir ? d->conf->spooldir : DAEMON_SPOOLDIR);
	d->statepath = xasprintf("%s/state", d->statedir);
	d->ctlpath = d->conf->control ? xstrdup(d->conf->control) :
	    xasprintf("%s/control", d->statedir);
	d->pidfile = o->pidfile ? xstrdup(o->pidfile) :
	    d->conf->pidfile ? xstrdup(d->conf->pidfile) : NULL;
	if (d->conf->cachedir == NULL && getenv("LOGWARD_CACHE_DIR") == NULL)
		d->conf->cachedir = xasprintf("%s/cache", d->statedir);
	if (d->conf->smtp_password_file != NULL &&
	    (d->smtp_password = read_secret(d->conf->smtp_password_file)) == NULL) {
		log_warn("set smtp_password_file %s", d->conf->smtp_password_file);
		goto out;
	}
	smtp_from_conf(d);
	if (smtp_init() == -1)
		goto out;

	/* as root: ids, detach, pid file, directories, socket; then drop */
	if (resolve_ids(d) == -1)
		goto out;
	if (o->detach && detach(&ready) == -1)
		goto out;
	if (pidfile_open(d) == -1)
		goto out;
	if (mkdirs(d->statedir, 0750) == -1 || mkdirs(d->spooldir, 0750) == -1)
		goto out;
	if (outbox_open(&d->outbox, d->spooldir) == -1)
		goto out;
	if (d->drop) {
		chown_tree(d->statedir, d->uid, d->gid);
		chown_tree(d->spooldir, d->uid, d->gid);
	}
	d->ctlfd = ctl_listen(d->ctlpath, d->drop ? d->uid : (uid_t)-1,
	    d->drop ? d->gid : (gid_t)-1);
	if (d->ctlfd == -1)
		goto out;
	if (setup_fds(d) == -1)
		goto out;
	if (listeners_open(d) == -1)
		goto out;
	if (drop_privileges(d) == -1)
		goto out;

	/* unprivileged from here on: rules, state, inputs */
	engine_init(&d->engine, d->conf);
	r = state_read(d->statepath, &st, &d->engine, err, sizeof(err));
	if (r == -1) {
		refuse_corrupt(d->statepath, err);
		engine_free(&d->engine);
		goto out;
	}
	d->seq = d->committed = st.seq;
	d->saved_ns = r == 0 ? st.saved : 0;
	if (outbox_recover(&d->outbox, d->committed) > 0)
		log_info("published reports left from before a crash");
	qrun_init(d, r == 0 ? &st : NULL);
	inputs_scan(d, r == 0 ? &st : NULL, true);
	inputs_watch(d);
	if (r == 0 && st.journal_cursor != NULL)
		d->journal_cursor = xstrdup(st.journal_cursor);
	journal_open(d, r != 0 || st.journal_cursor == NULL);
	buf_init(&d->archtext, SIZE_MAX / 4);
	archives_open(d);
	state_free(&st);
	/* start-up worked: a detached parent may exit now (and the sender
	 * must not inherit its standard streams) */
	signal_ready(&ready);
	sender_start(d);
	d->rate_at = d->last_ckpt = clock_mono();
	d->reload_at = d->now;
	log_info("started: %zu input%s, %zu queue%s, state %s, outbox %s",
	    d->ninputs, d->ninputs == 1 ? "" : "s", d->conf->nqueues,
	    d->conf->nqueues == 1 ? "" : "s", d->statepath, d->spooldir);
	/* the first checkpoint records where the inputs start */
	d->dirty = true;
	checkpoint(d);
	if (loop(d, &ready) == 0)
		rc = 0;
	d->now = clock_now();
	inputs_poll(d, true);
	if (d->journal != NULL)
		in_journal_poll(d->journal, LINES_PER_POLL, on_net_line, d);
	log_limits(d);
	mail_all(d, "terminating");
	d->dirty = true;
	if (checkpoint(d) == -1)
		rc = 1;
	sender_drain(d);
	engine_free(&d->engine);
	inputs_free(d);
	journal_close(d);
	archives_close(d);
	buf_free(&d->archtext);
	log_info("stopped");
out:
	if (d->ctlfd != -1) {
		close(d->ctlfd);
		unlink(d->ctlpath);
	}
	if (d->pidfd != -1) {
		unlink(d->pidfile);	/* fails after the drop: harmless */
		close(d->pidfd);
	}
	if (d->outbox.dir != NULL)
		outbox_close(&d->outbox);
	if (d->epfd != -1)
		close(d->epfd);
	if (d->sigfd != -1)
		close(d->sigfd);
	if (d->tfd != -1)
		close(d->tfd);
	if (d->inofd != -1)
		close(d->inofd);
	for (size_t li = 0; li < d->nlisteners; li++)
		in_syslog_free(d->listeners[li]);
	free(d->listeners);
	free(d->journal_cursor);
	{
		const struct map_slot *ms;
		size_t mi = 0;

		while (map_next(&d->wds, &mi, &ms))
			free(ms->val);
	}
	map_free(&d->wds);
	map_free(&d->paths);
	free(d->qr);
	free(d->staged);
	free(d->statedir);
	free(d->spooldir);
	free(d->statepath);
	free(d->ctlpath);
	free(d->pidfile);
	free(d->smtp_password);
	free(d->reload_error);
	conf_free(d->conf);
	free(d->conf);
	smtp_cleanup();
	if (ready != -1)
		close(ready);
	return rc;
}
