/*
 * summail — a summary queue's report as a multipart/alternative mail
 * (see summail.h).
 */
#include "report/summail.h"

#include "report/sumhtml.h"
#include "report/sumtext.h"

int
summail_render(struct buf *msg, const struct sum_queue *q,
    const struct sumreport *r, const struct mail_meta *m,
    const struct mime_opts *mo)
{
	struct buf head, text, html;
	char date[64];
	int rc;

	buf_init(&head, 64 * 1024);
	buf_init(&text, SIZE_MAX / 4);
	buf_init(&html, SIZE_MAX / 4);
	if (q->from[0] != '\0')
		buf_printf(&head, "From: %s\n", q->from);
	if (q->to[0] != '\0')
		buf_printf(&head, "To: %s\n", q->to);
	report_date(date, sizeof(date), m->now);
	buf_printf(&head, "Date: %s\n", date);
	buf_printf(&head, "X-logward-version: %s\n", LOGWARD_VERSION);
	buf_printf(&head, "X-logward-hostname: %s\n", m->hostname);
	buf_printf(&head, "X-logward-queue: %s\n", q->name);
	report_date(date, sizeof(date), m->start);
	buf_printf(&head, "X-logward-report-start: %s\n", date);
	if (q->subject != NULL)
		buf_printf(&head, "Subject: %s\n\n", q->subject);
	else
		buf_printf(&head, "Subject: logward summary for %s\n\n",
		    m->hostname);
	sumtext_render(&text, r);
	sumhtml_render(&html, r);
	rc = mime_build_alt(msg, buf_str(&head), head.len, buf_str(&text),
	    text.len, buf_str(&html), html.len, mo);
	buf_free(&head);
	buf_free(&text);
	buf_free(&html);
	return rc;
}
