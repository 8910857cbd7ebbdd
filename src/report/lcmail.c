/*
 * lcmail — logcheck's mail (see lcmail.h).
 */
#include "report/lcmail.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmem.h"
#include "queue/queue.h"

#define LCMAIL_REPEAT_MAX	100	/* copies of one line in a queue's report */

void
lcmail_subject(char *dst, size_t size, const char *host, const char *date,
    const char *title, bool tag, bool reboot)
{
	snprintf(dst, size, "%s%s%s %s %s", tag ? "[logcheck] " : "",
	    reboot ? "Reboot: " : "", host, date, title);
}

void
lcmail_date(char *dst, size_t size, time_t t, const char *fmt)
{
	struct tm tm;

	localtime_r(&t, &tm);
	if (fmt == NULL) {
		if (strftime(dst, size, "%Y-%m-%d %H:%M %z", &tm) == 0)
			dst[0] = '\0';
		return;
	}
	/* a format from logcheck.conf's DATE="$(date +FORMAT)": date(1)'s
	 * conversions are strftime's */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strftime(dst, size, fmt, &tm) == 0)
		dst[0] = '\0';
#pragma GCC diagnostic pop
}

void
lcmail_headers(struct buf *out, const struct lcmail_opts *lo)
{
	char date[64];

	if (lo->from != NULL && lo->from[0] != '\0')
		buf_printf(out, "From: %s\n", lo->from);
	buf_printf(out, "To: %s\n", lo->to);
	report_date(date, sizeof(date), lo->now);
	buf_printf(out, "Date: %s\n", date);
	buf_printf(out, "X-logward-version: %s\n", LOGWARD_VERSION);
	buf_printf(out, "X-logward-hostname: %s\n", lo->hostname);
	if (lo->queue != NULL)
		buf_printf(out, "X-logward-queue: %s\n", lo->queue);
	buf_printf(out, "Subject: %s\n\n", lo->subject);
}

int
lcmail_build(struct buf *out, const char *report, size_t len,
    const struct lcmail_opts *lo, const struct mime_opts *mo)
{
	struct buf head;
	int rc;

	buf_init(&head, 1024 * 1024);
	lcmail_headers(&head, lo);
	rc = mime_build(out, head.data, head.len, report, len, mo);
	buf_free(&head);
	return rc;
}

/* The rule tree of the first logcheck directive that feeds queue qi. */
static struct lcdb *
tree_of(const struct conf *c, size_t qi)
{
	size_t i, k;

	for (i = 0; i < c->nrules; i++) {
		const struct rule *r = &c->rules[i];

		if (r->kind != RULE_LOGCHECK)
			continue;
		for (k = 0; k < 3; k++)
			if (r->lc_queue[k] == (long)qi)
				return r->lc;
	}
	return NULL;
}

int
lcmail_queue_report(struct engine *e, size_t qi, const struct mail_meta *meta,
    struct buf *head, struct buf *body)
{
	const struct conf *c = e->conf;
	const struct queue_def *qd = &c->queues[qi];
	struct queue *q = &e->queues[qi];
	struct lcreport_opts ro = { .intro = true };
	struct lcdb *db = tree_of(c, qi);
	const char **lines = NULL;
	size_t *lens = NULL, n = 0, i;
	uint64_t k, total = 0, repeats = 0;
	enum lc_section_kind kind;
	char *text = NULL, subject[1024], date[64];
	size_t textlen = 0;
	struct lcmail_opts lo;
	FILE *fp;
	int rc;

	if (db == NULL || (q->nentries == 0 && q->over_lines == 0))
		return 0;
	for (i = 0; i < q->nentries; i++) {
		k = q->entries[i]->count;
		total += k < LCMAIL_REPEAT_MAX ? k : LCMAIL_REPEAT_MAX;
		if (k > LCMAIL_REPEAT_MAX)
			repeats += k - LCMAIL_REPEAT_MAX;
	}
	lines = xreallocarray(NULL, total + 1, sizeof(*lines));
	lens = xreallocarray(NULL, total + 1, sizeof(*lens));
	/* an entry is one whole line; the same line again is counted on it */
	for (i = 0; i < q->nentries; i++)
		for (k = 0; k < q->entries[i]->count &&
		    k < LCMAIL_REPEAT_MAX; k++) {
			lines[n] = queue_entry_msg(q->entries[i]);
			lens[n++] = q->entries[i]->msglen;
		}
	n = lcreport_sort(lines, lens, n, false);
	if ((fp = open_memstream(&text, &textlen)) == NULL) {
		log_warn("queue %s: report", qd->name);
		free(lines);
		free(lens);
		return -1;
	}
	kind = lcreport_write(db, fp, lines, lens, n, &ro, NULL, NULL);
	if (repeats > 0) {
		fprintf(fp, "*** %llu more repetition%s of lines above not "
		    "shown (each line is shown at most %d times) ***\n",
		    (unsigned long long)repeats, repeats == 1 ? "" : "s",
		    LCMAIL_REPEAT_MAX);
		e->stats.limited += repeats;
	}
	if (q->over_lines > 0) {
		fprintf(fp, "*** %llu more line%s not itemised: the queue "
		    "reached its cap (set max_entries / set max_memory) ***\n",
		    (unsigned long long)q->over_lines,
		    q->over_lines == 1 ? "" : "s");
		e->stats.limited += q->over_lines;
		if (kind == LC_NONE)
			kind = LC_SYSTEM;
	}
	fclose(fp);
	free(lines);
	free(lens);
	if (kind == LC_NONE) {
		/* logcheck's run-wide rules cancelled every line */
		free(text);
		return 2;
	}
	if (qd->subject != NULL)
		snprintf(subject, sizeof(subject), "%s", qd->subject);
	else {
		lcmail_date(date, sizeof(date), meta->now, NULL);
		lcmail_subject(subject, sizeof(subject), meta->hostname, date,
		    lcreport_title(&ro, kind), false, false);
	}
	memset(&lo, 0, sizeof(lo));
	lo.from = qd->from;
	lo.to = qd->to;
	lo.subject = subject;
	lo.now = meta->now;
	lo.hostname = meta->hostname;
	lo.queue = qd->name;
	lcmail_headers(head, &lo);
	rc = buf_add(body, text, textlen);
	free(text);
	if (rc == -1) {
		log_warnx("queue %s: the report does not fit in memory", qd->name);
		return -1;
	}
	return 1;
}

int
lcmail_render_queue(struct engine *e, size_t qi, const struct mail_meta *meta,
    const struct mime_opts *mo, struct buf *msg)
{
	struct buf head, body;
	int rc;

	buf_init(&head, 1024 * 1024);
	buf_init(&body, SIZE_MAX / 4);
	rc = lcmail_queue_report(e, qi, meta, &head, &body);
	if (rc == 1 && mime_build(msg, head.data, head.len, buf_str(&body),
	    body.len, mo) == -1) {
		log_warnx("queue %s: the mail does not fit in memory",
		    e->conf->queues[qi].name);
		rc = -1;
	}
	buf_free(&head);
	buf_free(&body);
	return rc;
}
