/*
 * lcmail — logcheck's report as logcheck mails it: the subject
 * ("[logcheck] Reboot: HOST DATE Security Alerts" and its variants), the
 * report as the body or as an attachment (MAILASATTACH), and the
 * daemon's layout=logcheck: a queue fed by a `logcheck` directive
 * rendered as logcheck's report of the lines it holds.
 */
#ifndef LOGWARD_LCMAIL_H
#define LOGWARD_LCMAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "classify/engine.h"
#include "lib/buf.h"
#include "report/lcreport.h"
#include "report/mime.h"
#include "report/report.h"

/* logcheck's subject: ["[logcheck] "]["Reboot: "]HOST DATE TITLE, into
 * dst (size bytes).  Borrows everything. */
void	lcmail_subject(char *dst, size_t size, const char *host,
	    const char *date, const char *title, bool tag, bool reboot);

/* logcheck's DATE: "%Y-%m-%d %H:%M %z" of t in local time, or fmt. */
void	lcmail_date(char *dst, size_t size, time_t t, const char *fmt);

struct lcmail_opts {
	const char	*from;		/* From: (borrowed) */
	const char	*to;		/* To: the recipients, comma list (borrowed) */
	const char	*subject;	/* (borrowed) */
	time_t		 now;		/* Date: */
	const char	*hostname;	/* X-logward-hostname, sanitised */
	const char	*queue;		/* X-logward-queue, or NULL */
};

/* Appends the header block of lo (From, To, Date, X-logward-*, Subject,
 * the empty line) to out, as mime_build takes it. */
void	lcmail_headers(struct buf *out, const struct lcmail_opts *lo);

/* Appends the mail of a logcheck report (report[0..len), borrowed) to
 * out: headers from lo, the report as mo says (inline or attached as
 * "logcheck_report").  Returns 0, or -1 when it does not fit in out. */
int	lcmail_build(struct buf *out, const char *report, size_t len,
	    const struct lcmail_opts *lo, const struct mime_opts *mo);

/* layout=logcheck: renders queue qi (its entries are whole log lines,
 * each counted once per occurrence) as logcheck's report, classified by
 * the rule tree of the first `logcheck` directive that feeds the queue,
 * into the mail msg; the subject is logcheck's unless the queue has one.
 * A line seen more than 100 times is shown 100 times and the rest
 * counted.  Returns 1 when msg holds a mail, 0 when there is nothing to
 * report, 2 when logcheck's run-wide rules cancelled every line (clear
 * the queue, no mail), -1 when it does not fit in memory (logged). */
int	lcmail_render_queue(struct engine *e, size_t qi,
	    const struct mail_meta *meta, const struct mime_opts *mo,
	    struct buf *msg);

/* The same, but the header block into head and the report's text into
 * body (for check's mbox output); returns as lcmail_render_queue. */
int	lcmail_queue_report(struct engine *e, size_t qi,
	    const struct mail_meta *meta, struct buf *head, struct buf *body);

#endif
