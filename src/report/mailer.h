/*
 * mailer — turns one queue into one complete mail: thresholds, report
 * body (with tenshi's status line), the queue's filter program, headers,
 * MIME.  The csv queue is not mailed: its text goes to its program.
 */
#ifndef LOGWARD_MAILER_H
#define LOGWARD_MAILER_H

#include "lib/buf.h"
#include "report/mime.h"
#include "report/report.h"
#include "classify/engine.h"

enum mailer_result {
	MAILER_NOTHING,			/* nothing to report (queue left as is) */
	MAILER_MAIL,			/* msg holds the message; clear the queue
					   once it is staged */
	MAILER_DONE,			/* handled without a mail (csv, empty
					   filter output); clear the queue */
};

/* Renders queue qi.  status (may be NULL) is tenshi's status word. */
enum mailer_result mailer_render(struct engine *e, size_t qi,
	    const char *status, const struct mail_meta *meta,
	    const struct mime_opts *mo, struct buf *msg);

#endif
