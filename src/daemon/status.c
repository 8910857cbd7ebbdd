/*
 * status — the "status" text of a running daemon (see status.h).
 */
#include "daemon/status.h"

#include <inttypes.h>
#include <time.h>
#include <unistd.h>

#include "daemon/checks.h"
#include "daemon/control.h"
#include "daemon/daemon_int.h"
#include "daemon/rstore.h"
#include "daemon/sumq.h"
#include "daemon/watch.h"
#include "deliver/archive.h"
#include "deliver/outbox.h"
#include "deliver/sender.h"
#include "input/in_file.h"
#include "input/in_journal.h"
#include "input/in_self.h"
#include "input/in_syslog.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/str.h"

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

void
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
	if (d->ctl_refused > 0 || d->ctl_timeouts > 0)
		buf_printf(b, "control: %" PRIu64 " client%s turned away (more "
		    "than %d at once), %" PRIu64 " closed after %d s without "
		    "a command or not reading the reply\n", d->ctl_refused,
		    d->ctl_refused == 1 ? "" : "s", CONTROL_MAX_CLIENTS,
		    d->ctl_timeouts, CONTROL_TIMEOUT);
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
	if (d->self != NULL) {
		struct in_self_stats ev;

		in_self_stats(d->self, &ev);
		if (ev.emitted > 0 || ev.dropped > 0) {
			buf_printf(b, "events: %" PRIu64 " of logward's own "
			    "into the rules", ev.delivered);
			if (ev.dropped > 0)
				buf_printf(b, ", %" PRIu64 " DROPPED (more than "
				    "%d waiting)", ev.dropped, IN_SELF_MAX_EVENTS);
			buf_addc(b, '\n');
		}
	}
	watch_status(d, b);
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
	    "\n", rstore_active(d) ? "in Redis" : d->statepath, t1,
	    d->committed);
	rstore_status(d, b);
	sumq_status(d, b);
	checks_status(d, b);
}
