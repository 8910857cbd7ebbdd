/*
 * daemon — `logward run` (see daemon.h): start-up in its order, the event
 * loop, signals, the tick and the shutdown drain.
 *
 * One thread.  Lines go read → engine → queue inside on_line; nothing on
 * that path waits for the network: mails are staged in the outbox and
 * delivered by a separate sender process.  Every few seconds (and with
 * every report) the input positions and the queues are checkpointed
 * together, so a restart continues exactly where the checkpoint left off.
 *
 * The rest of the daemon, around struct daemon (daemon_int.h): inputs.c
 * (files, listeners, journal, archives, the line path), schedule.c (when
 * queues are mailed), checkpoint.c (the two-step commit), sendproc.c (the
 * sender process), status.c, reload.c, control.c (the control socket's
 * commands) and privs.c (what is done as root).
 */
#include "daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "classify/engine.h"
#include "conf/conf.h"
#include "daemon/checkpoint.h"
#include "daemon/control.h"
#include "daemon/ctl.h"
#include "daemon/daemon_int.h"
#include "daemon/inputs.h"
#include "daemon/privs.h"
#include "daemon/reload.h"
#include "daemon/rstore.h"
#include "daemon/schedule.h"
#include "daemon/sendproc.h"
#include "daemon/state.h"
#include "daemon/checks.h"
#include "daemon/sumq.h"
#include "daemon/watch.h"
#include "deliver/archive.h"
#include "deliver/outbox.h"
#include "deliver/sender.h"
#include "deliver/smtp.h"
#include "input/in_journal.h"
#include "input/in_self.h"
#include "input/in_syslog.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/map.h"
#include "lib/str.h"
#include "lib/xmem.h"
#include "report/report.h"

#define GLOB_EVERY	10	/* s between re-expansions of logfile globs */
#define DRAIN_SECS	2.0	/* s a stop waits for TCP senders to close */

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
			reload_conf(d, &err);
			buf_free(&err);
			break;
		case SIGUSR2:
			schedule_mail_all(d, "flushing");
			break;
		case SIGUSR1:
			schedule_check(d, true);
			break;
		case SIGCHLD:
			sendproc_reap(d);
			break;
		default:
			break;
		}
	}
}

/* ---- start-up ---- */

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

/* ---- the loop ---- */

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
		in_syslog_tick(d->listeners[i], d->now, inputs_net_line, d);
	for (i = 0; i < d->narchives; i++)
		if (d->archives[i] != NULL)
			archive_tick(d->archives[i], time(NULL));
	d->journal_more = true;		/* safety net: poll it once a tick */
	watch_tick(d);
	control_tick(d);
	schedule_check(d, false);
	sumq_tick(d);
	checks_tick(d);
	if (d->dirty && m - d->last_ckpt >= d->conf->checkpoint)
		checkpoint_write(d);
	if (d->sender == 0 && d->sender_respawn != 0 && m >= d->sender_respawn)
		sendproc_start(d);
}

static int
loop(struct daemon *d, int *ready)
{
	struct epoll_event ev[16];
	bool more = true, net_more = false, redis_more = false;
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
				inputs_inotify(d);
				break;
			case TAG_CTL:
				control_accept(d);
				break;
			case TAG_CTLCONN:
				control_ready(d, (uint32_t)ev[i].data.u64);
				break;
			case TAG_SYSLOG:
				if (inputs_listeners_ready(d, (int)(uint32_t)ev[i].data.u64))
					net_more = true;
				break;
			case TAG_JOURNAL:
				d->journal_more = true;
				break;
			case TAG_REDIS:
				if (rstore_poll(d))
					redis_more = true;
				break;
			}
		}
		/* every wake-up: read what the changed inputs have (all of
		 * them once a second: the tick sets poll_all) */
		if (d->rescan)
			inputs_scan(d, NULL, false);
		more = inputs_poll(d, false);
		inputs_self_take(d);
		if (d->journal != NULL && d->journal_more) {
			int r = in_journal_poll(d->journal, LINES_PER_POLL,
			    inputs_journal_line, d);

			d->journal_more = r == 1;
			if (r == 1)
				more = true;
		}
		if (redis_more && d->rs != NULL) {
			/* a full batch: read on at the next turn */
			redis_more = rstore_poll(d);
			if (redis_more)
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
	if (d->conf->redis.partitions > 0 &&
	    (d->conf->logfiles.n > 0 || d->conf->journal)) {
		log_warnx("%s: set partitions: this instance reads the "
		    "partitions' Redis streams; set logfile and set journal "
		    "cannot be read too (give those lines to 'logward relay' "
		    "or run a separate instance for them)", o->conf_path);
		conf_free(d->conf);
		free(d->conf);
		return 1;
	}
	if (d->conf->logfiles.n == 0 && d->conf->listens.n == 0 &&
	    !d->conf->journal && d->conf->redis.partitions == 0 &&
	    d->conf->redis.lists.n == 0)
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
	    (d->smtp_password = sendproc_read_secret(d->conf->smtp_password_file)) == NULL) {
		log_warn("set smtp_password_file %s", d->conf->smtp_password_file);
		goto out;
	}
	sendproc_smtp_conf(d);
	if (smtp_init() == -1)
		goto out;

	/* as root: ids, detach, pid file, directories, socket; then drop */
	if (privs_resolve(d) == -1)
		goto out;
	if (o->detach && detach(&ready) == -1)
		goto out;
	if (privs_pidfile(d) == -1)
		goto out;
	if (privs_mkdirs(d->statedir, 0750) == -1 ||
	    privs_mkdirs(d->spooldir, 0750) == -1)
		goto out;
	if (outbox_open(&d->outbox, d->spooldir) == -1)
		goto out;
	if (d->drop) {
		privs_chown_tree(d->statedir, d->uid, d->gid);
		privs_chown_tree(d->spooldir, d->uid, d->gid);
	}
	d->ctlfd = ctl_listen(d->ctlpath, d->drop ? d->uid : (uid_t)-1,
	    d->drop ? d->gid : (gid_t)-1);
	if (d->ctlfd == -1)
		goto out;
	if (setup_fds(d) == -1)
		goto out;
	/* with partitions, set listen is the relay's (logward relay) */
	if (d->conf->redis.partitions == 0 && inputs_listeners_open(d) == -1)
		goto out;
	if (privs_drop(d) == -1)
		goto out;

	/* unprivileged from here on: rules, state, inputs */
	engine_init(&d->engine, d->conf);
	d->self = in_self_new(d->engine.localhost, getpid());
	sumq_init(d);
	watch_init(d);
	checks_init(d);
	if (rstore_open(d) == -1) {
		engine_free(&d->engine);
		goto out;
	}
	if (rstore_active(d)) {
		r = rstore_load(d, &st, err, sizeof(err));
		if (r == -1) {
			log_warnx("%s", err);
			log_warnx("refusing to start: the checkpoint in Redis is "
			    "unusable; to start afresh, delete that key (the "
			    "queued lines it held are not reported)");
			engine_free(&d->engine);
			goto out;
		}
	} else
		r = state_read(d->statepath, &st, &d->engine, err, sizeof(err));
	if (r == -1) {
		refuse_corrupt(d->statepath, err);
		watch_free(d);
		engine_free(&d->engine);
		goto out;
	}
	d->seq = d->committed = st.seq;
	d->saved_ns = r == 0 ? st.saved : 0;
	/* with Redis, a staged file is either in the outbox stream already
	 * or its lines are still queued: none is published here */
	if (outbox_recover(&d->outbox, rstore_active(d) ? 0 : d->committed) > 0)
		log_info("published reports left from before a crash");
	schedule_init(d, r == 0 ? &st : NULL);
	inputs_scan(d, r == 0 ? &st : NULL, true);
	inputs_watch(d);
	if (r == 0 && st.journal_cursor != NULL)
		d->journal_cursor = xstrdup(st.journal_cursor);
	if (r == 0)
		checkpoint_restore(d, &st);
	watch_started(d);
	inputs_journal_open(d, r != 0 || st.journal_cursor == NULL);
	buf_init(&d->archtext, SIZE_MAX / 4);
	inputs_archives_open(d);
	state_free(&st);
	/* start-up worked: a detached parent may exit now (and the sender
	 * must not inherit its standard streams) */
	signal_ready(&ready);
	sendproc_start(d);
	d->rate_at = d->last_ckpt = clock_mono();
	d->reload_at = d->now;
	log_info("started: %zu input%s, %zu queue%s, state %s, outbox %s",
	    d->ninputs, d->ninputs == 1 ? "" : "s", d->conf->nqueues,
	    d->conf->nqueues == 1 ? "" : "s", d->statepath, d->spooldir);
	/* the first checkpoint records where the inputs start */
	d->dirty = true;
	checkpoint_write(d);
	if (loop(d, &ready) == 0)
		rc = 0;
	d->now = clock_now();
	inputs_listeners_drain(d, DRAIN_SECS);
	inputs_poll(d, true);
	inputs_self_take(d);
	if (d->journal != NULL)
		in_journal_poll(d->journal, LINES_PER_POLL, inputs_journal_line, d);
	log_limits(d);
	if (rstore_mail_at_stop(d))
		schedule_mail_all(d, "terminating");
	d->dirty = true;
	if (checkpoint_write(d) == -1)
		rc = 1;
	rstore_stop(d);		/* partitions: handed over at once */
	sendproc_drain(d);
	watch_free(d);
	engine_free(&d->engine);
	inputs_free(d);
	inputs_journal_close(d);
	inputs_archives_close(d);
	buf_free(&d->archtext);
	log_info("stopped");
out:
	control_close(d);
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
	if (d->rs != NULL)
		rstore_close(d);
	checkpoint_free(d);
	in_self_free(d->self);
	sumq_free(d);		/* also when start-up failed after sumq_init */
	checks_free(d);
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
