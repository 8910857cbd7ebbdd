/*
 * summail — a summary report as one mail: headers from the summary
 * queue (From, To, Subject; nothing from the logs), a text/plain part
 * (sumtext) and a text/html part (sumhtml) as multipart/alternative
 * (summail.c).
 */
#ifndef LOGWARD_SUMMAIL_H
#define LOGWARD_SUMMAIL_H

#include "conf/conf_summary.h"
#include "lib/buf.h"
#include "report/mime.h"
#include "report/report.h"
#include "report/sumview.h"

/* Appends the complete message for summary queue q with the content r
 * to msg.  m gives Date, the report start and X-logward-hostname (the
 * caller's sanitised host name).  Returns 0, or -1 when msg's maximum
 * was passed.  Borrows everything. */
int	summail_render(struct buf *msg, const struct sum_queue *q,
	    const struct sumreport *r, const struct mail_meta *m,
	    const struct mime_opts *mo);

#endif
