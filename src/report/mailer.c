/*
 * mailer — queue → mail (see mailer.h).
 */
#include "report/mailer.h"

#include <stdint.h>
#include <stdlib.h>

#include "report/filter.h"
#include "report/lcmail.h"
#include "lib/log.h"

enum mailer_result
mailer_render(struct engine *e, size_t qi, const char *status,
    const struct mail_meta *meta, const struct mime_opts *mo, struct buf *msg)
{
	const struct conf *c = e->conf;
	const struct queue_def *qd = &c->queues[qi];
	struct buf body, head;
	char *out = NULL;
	size_t outlen = 0;
	enum mailer_result rc = MAILER_MAIL;

	report_thresholds(e, qi);
	if (!report_pending(e, qi))
		return MAILER_NOTHING;
	if (qd->layout == LAYOUT_LOGCHECK) {
		switch (lcmail_render_queue(e, qi, meta, mo, msg)) {
		case 1:
			return MAILER_MAIL;
		case 2:
			return MAILER_DONE;
		default:
			return MAILER_NOTHING;
		}
	}
	buf_init(&body, SIZE_MAX / 4);
	buf_init(&head, 1024 * 1024);
	report_body(&body, e, qi, status);
	if (qd->csv) {
		if (qd->program != NULL) {
			out = filter_run(qd->program, buf_str(&body), body.len,
			    &outlen);
			free(out);
		}
		buf_free(&body);
		buf_free(&head);
		return MAILER_DONE;
	}
	if (qd->filter != NULL) {
		out = filter_run(qd->filter, buf_str(&body), body.len, &outlen);
		if (out == NULL || outlen == 0) {
			/* tenshi: an empty filter output sends nothing */
			free(out);
			buf_free(&body);
			buf_free(&head);
			return out == NULL ? MAILER_NOTHING : MAILER_DONE;
		}
	}
	report_headers(&head, c, qi, meta);
	if (mime_build(msg, head.data, head.len,
	    out != NULL ? out : buf_str(&body), out != NULL ? outlen : body.len,
	    mo) == -1) {
		log_warnx("queue %s: the mail does not fit in memory", qd->name);
		rc = MAILER_NOTHING;
	}
	free(out);
	buf_free(&body);
	buf_free(&head);
	return rc;
}
