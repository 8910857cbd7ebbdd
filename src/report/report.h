/*
 * report — render a queue into report text (tenshi layout, pager layout,
 * csv) and wrap it into a mail with tenshi's headers.
 *
 * Order is deterministic: hosts by bytes; within a host by count
 * (descending unless sort_order ascending), ties by message bytes.
 * Control bytes (except TAB) in hosts and messages are written as \xHH so
 * a report cannot carry terminal escapes, CR or NUL.
 */
#ifndef LOGWARD_REPORT_H
#define LOGWARD_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/buf.h"
#include "conf/conf.h"
#include "classify/engine.h"

/* Drops the entries of queue qi that its thresholds filter out (for good,
 * as tenshi does).  Call before report_body. */
void	report_thresholds(struct engine *e, size_t qi);

/* Renders queue qi's body into out (appends).  status (may be NULL) adds
 * tenshi's "*** Status: X ***" line to normal reports.  Returns the
 * number of entries rendered or counted; 0 means there is nothing to
 * send.  Resets the escalation counters of the hosts in the report. */
size_t	report_body(struct buf *out, struct engine *e, size_t qi,
	    const char *status);

/* The same, handing the text on in pieces of about 64 KiB (each ends
 * with a whole line) to flush, which must empty out; for long reports
 * that need not be held in memory whole. */
size_t	report_body_stream(struct buf *out, struct engine *e, size_t qi,
	    const char *status, void (*flush)(struct buf *, void *), void *arg);

/* true when queue qi has something to report (after report_thresholds). */
bool	report_pending(const struct engine *e, size_t qi);

struct mail_meta {
	time_t		 now;		/* Date: */
	time_t		 start;		/* X-logward-report-start (cron queues) */
	const char	*hostname;	/* X-logward-hostname, sanitised by the caller */
};

/* Appends the mail headers of queue qi (From, To, Date, X-logward-*,
 * Subject) and the empty line that ends them. */
void	report_headers(struct buf *out, const struct conf *c, size_t qi,
	    const struct mail_meta *m);

/* Appends s[0..n) with control bytes written as \xHH. */
void	report_escape(struct buf *out, const char *s, size_t n);

/* Formats t as RFC 5322 date ("Sat, 21 Nov 2026 12:00:00 +0000") in
 * local time into dst. */
void	report_date(char *dst, size_t size, time_t t);

/* Copies a host name into dst keeping only [A-Za-z0-9.-_] (headers). */
void	report_sanitize_host(char *dst, size_t size, const char *src);

#endif
