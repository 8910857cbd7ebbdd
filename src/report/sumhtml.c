/*
 * sumhtml — a summary as an HTML document (the HTML part of a summary
 * mail, or `logward summary --format html`): the same content as the
 * text, as tables, plus a bar chart of each service's lines per hour of
 * the day.  HTML and inline CSS only: no script, no remote image, no
 * form, so common mail clients show it as it is.  Every text is escaped
 * (& < > " ' as entities; control and invalid UTF-8 bytes first as \xHH,
 * as in the text part); long words wrap by CSS, the text is never
 * altered.
 */
#include "report/sumhtml.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "input/disk.h"

#define CHART_H		40	/* px of the tallest bar */
#define TD		"<td style=\"padding:1px 6px;white-space:pre-wrap;word-break:break-all\">"
#define TDN		"<td style=\"padding:1px 6px;text-align:right;white-space:nowrap\">"

/* Appends s[0..n) escaped for HTML text and attributes. */
static void
esc(struct buf *out, const char *s, size_t n)
{
	struct buf t;
	size_t i;

	buf_init(&t, SIZE_MAX / 4);
	sumview_escape(&t, s, n);
	for (i = 0; i < t.len; i++) {
		switch (t.data[i]) {
		case '&':
			buf_addstr(out, "&amp;");
			break;
		case '<':
			buf_addstr(out, "&lt;");
			break;
		case '>':
			buf_addstr(out, "&gt;");
			break;
		case '"':
			buf_addstr(out, "&quot;");
			break;
		case '\'':
			buf_addstr(out, "&#39;");
			break;
		default:
			buf_addc(out, t.data[i]);
		}
	}
	buf_free(&t);
}

static void
cesc(struct buf *out, const char *s)
{
	esc(out, s, strlen(s));
}

static void
times(struct buf *out, uint64_t n)
{
	sumview_num(out, n);
	buf_addstr(out, " Time(s)");
}

static void
chart(struct buf *out, const struct sumstore_svc *v)
{
	uint64_t max = 0;
	int h;

	for (h = 0; h < 24; h++)
		if (v->hours[h] > max)
			max = v->hours[h];
	if (max == 0)
		return;
	buf_addstr(out, "<table role=\"presentation\" style=\"border-collapse:"
	    "collapse;margin:4px 0 8px 0\"><tr>");
	for (h = 0; h < 24; h++) {
		unsigned px = (unsigned)((v->hours[h] * CHART_H + max - 1) / max);

		buf_printf(out, "<td title=\"%02d:00-%02d:59: %" PRIu64 " lines\" "
		    "style=\"vertical-align:bottom;height:%dpx;width:14px;"
		    "padding:0 1px\"><div style=\"background:#4a7bb7;height:%upx;"
		    "font-size:1px;line-height:1px\">&nbsp;</div></td>", h, h,
		    v->hours[h], CHART_H, v->hours[h] > 0 && px == 0 ? 1 : px);
	}
	buf_addstr(out, "</tr><tr>");
	for (h = 0; h < 24; h++)
		buf_printf(out, "<td style=\"font-size:9px;color:#777;text-align:"
		    "center;padding:0\">%d</td>", h);
	buf_addstr(out, "</tr></table>\n");
}

static void
level(struct buf *out, const struct sum_fact *f, const struct sumview_node *n,
    size_t l, size_t depth, unsigned top)
{
	size_t i, shown = n->nkids;
	uint64_t rest = 0;
	char tmp[32];

	if (top > 0 && shown > top)
		shown = top;
	for (i = 0; i < n->nkids; i++) {
		const struct sumview_node *k = &n->kids[i];

		if (i >= shown) {
			rest += k->count;
			continue;
		}
		buf_printf(out, "<tr><td style=\"padding:1px 6px 1px %zupx;"
		    "white-space:pre-wrap;word-break:break-all\">", 6 + 18 * l);
		esc(out, k->v, k->n);
		buf_addstr(out, "</td>" TDN);
		times(out, k->count);
		if (f->bytes != NULL) {
			sumview_bytes(tmp, sizeof(tmp), k->bytes);
			buf_printf(out, ", %s", tmp);
		}
		buf_addstr(out, "</td></tr>\n");
		if (l + 1 < depth)
			level(out, f, k, l + 1, depth, top);
	}
	if (shown < n->nkids) {
		buf_printf(out, "<tr><td style=\"padding:1px 6px 1px %zupx;"
		    "color:#777\">+%zu others</td>" TDN "(", 6 + 18 * l,
		    n->nkids - shown);
		sumview_num(out, rest);
		buf_addstr(out, ")</td></tr>\n");
	}
}

static void
table_head(struct buf *out, const char *title, uint64_t total)
{
	buf_addstr(out, "<table style=\"border-collapse:collapse;margin:6px 0;"
	    "font-size:13px;min-width:50%\"><tr style=\"background:#e8eef6\">"
	    "<th style=\"text-align:left;padding:2px 6px\">");
	cesc(out, title);
	buf_addstr(out, "</th><th style=\"text-align:right;padding:2px 6px;"
	    "white-space:nowrap\">");
	times(out, total);
	buf_addstr(out, "</th></tr>\n");
}

static void
fact(struct buf *out, const struct sumreport *r, const struct sum_fact *f,
    const struct sumstore_fact *sf)
{
	struct sumview_node *root;

	if (sf->total == 0 || r->detail < f->show)
		return;
	table_head(out, f->title, sf->total);
	root = sumview_tree(f, sf);
	level(out, f, root, 0, f->depth[r->detail],
	    r->detail >= SUM_DETAIL_MAX ? 0 : f->top);
	sumview_free(root);
	if (sf->folded > 0) {
		buf_addstr(out, "<tr><td style=\"padding:1px 6px;color:#a00\">"
		    "+about ");
		sumview_num(out, sumstore_estimate(sf->hll));
		if (sumstore_fact_by_memory(r->store, sf))
			buf_addstr(out, " others not kept (the summary's share "
			    "of max_memory)</td>" TDN "(");
		else
			buf_printf(out, " others not kept (more than %zu keys)"
			    "</td>" TDN "(", r->sc->max_keys);
		sumview_num(out, sf->folded);
		buf_addstr(out, ")</td></tr>\n");
	}
	buf_addstr(out, "</table>\n");
}

static void
unmatched(struct buf *out, const struct sumreport *r, const struct sum_service *sv,
    const struct sumstore_svc *v)
{
	struct sumview_text *t;
	struct sumview_rest rest;
	size_t n, i;

	if (v->unmatched == 0 || sv->unmatched == 0)
		return;
	t = sumview_unmatched(v, &n);
	sumview_unmatched_rest(r, sv, v, t, n, &rest);
	table_head(out, "**Unmatched Entries**", v->unmatched);
	for (i = 0; i < rest.shown; i++) {
		buf_addstr(out, "<tr>" TD "<code>");
		esc(out, t[i].text, t[i].len);
		buf_addstr(out, "</code></td>" TDN);
		times(out, t[i].count);
		buf_addstr(out, "</td></tr>\n");
	}
	if (rest.trailer) {
		buf_addstr(out, "<tr><td style=\"padding:1px 6px;color:#777\">"
		    "... and ");
		if (rest.about)
			buf_addstr(out, "about ");
		sumview_num(out, rest.more);
		buf_addstr(out, " more</td>" TDN "(");
		times(out, rest.lines);
		buf_addstr(out, ")</td></tr>\n");
	}
	buf_addstr(out, "</table>\n");
	free(t);
}

static void
service(struct buf *out, const struct sumreport *r, size_t i)
{
	const struct sum_service *sv = &r->sc->svcs[i];
	const struct sumstore_svc *v = &r->store->svcs[i];
	size_t j;

	buf_addstr(out, "<h2 id=\"svc-");
	cesc(out, sv->id);
	buf_addstr(out, "\" style=\"font-size:16px;border-bottom:1px solid "
	    "#4a7bb7;margin:18px 0 4px 0\">");
	cesc(out, sv->title);
	buf_addstr(out, "</h2>\n");
	chart(out, v);
	for (j = 0; j < sv->nfacts; j++)
		fact(out, r, &sv->facts[j], &v->facts[j]);
	unmatched(out, r, sv, v);
	if (r->detail >= 5) {
		buf_addstr(out, "<p style=\"color:#555;font-size:12px\">Lines: ");
		sumview_num(out, v->lines);
		buf_addstr(out, " (ignored ");
		sumview_num(out, v->ignored);
		buf_addstr(out, ", unmatched ");
		sumview_num(out, v->unmatched);
		buf_addstr(out, ")</p>\n");
	}
}

static void
disk(struct buf *out, const struct sumreport *r)
{
	const struct disk_table *t = r->disk;
	size_t i;
	char s[16], u[16], a[16];

	buf_addstr(out, "<h2 id=\"disk\" style=\"font-size:16px;border-bottom:"
	    "1px solid #4a7bb7;margin:18px 0 4px 0\">Disk Space</h2>\n");
	if (t->err != 0) {
		buf_addstr(out, "<p>The mount table could not be read: ");
		cesc(out, strerror(t->err));
		buf_addstr(out, "</p>\n");
		return;
	}
	buf_addstr(out, "<table style=\"border-collapse:collapse;font-size:13px\">"
	    "<tr style=\"background:#e8eef6\"><th style=\"text-align:left;"
	    "padding:2px 6px\">Filesystem</th><th>Size</th><th>Used</th>"
	    "<th>Avail</th><th>Use%</th><th>Inode%</th><th style=\"text-align:"
	    "left;padding:2px 6px\">Mounted on</th><th></th></tr>\n");
	for (i = 0; i < t->n; i++) {
		const struct disk_row *d = &t->rows[i];
		unsigned warn, crit;
		enum disk_level lv;

		sumview_thresholds(r->sc, d->mount, &warn, &crit);
		lv = disk_level(d, warn, crit);
		buf_printf(out, "<tr%s>" TD, lv == DISK_CRIT ?
		    " style=\"background:#f6d5d5\"" : lv == DISK_WARN ?
		    " style=\"background:#faefcf\"" : "");
		cesc(out, d->device);
		buf_addstr(out, "</td>");
		if (d->err != 0) {
			buf_addstr(out, "<td colspan=\"5\" style=\"padding:1px "
			    "6px\">unreadable: ");
			cesc(out, strerror(d->err));
			buf_addstr(out, "</td>");
		} else {
			disk_human(s, sizeof(s), d->size);
			disk_human(u, sizeof(u), d->used);
			disk_human(a, sizeof(a), d->avail);
			buf_printf(out, TDN "%s</td>" TDN "%s</td>" TDN "%s</td>"
			    TDN "%d%%</td>", s, u, a, d->use_pct);
			if (d->inode_pct >= 0)
				buf_printf(out, TDN "%d%%</td>", d->inode_pct);
			else
				buf_addstr(out, TDN "-</td>");
		}
		buf_addstr(out, TD);
		cesc(out, d->mount);
		buf_printf(out, "</td>" TD "%s</td></tr>\n", lv == DISK_OK ? "" :
		    disk_level_name(lv));
	}
	buf_addstr(out, "</table>\n");
}

static void
clock_section(struct buf *out, const struct sumreport *r)
{
	const struct skew_host **h;
	size_t n, i, shown = 0;
	unsigned lim = r->sc != NULL ? r->sc->clock_skew : 0;

	h = skew_sorted(r->skew, &n);
	for (i = 0; i < n; i++) {
		int64_t med = skew_median(h[i]);
		bool off = lim > 0 && (med > (int64_t)lim || med < -(int64_t)lim);

		if (!off && r->detail < SUM_DETAIL_MAX)
			continue;
		if (shown++ == 0) {
			buf_printf(out, "<h2 id=\"clock\" style=\"font-size:16px;"
			    "border-bottom:1px solid #4a7bb7;margin:18px 0 4px 0\">"
			    "Clock</h2>\n<table style=\"border-collapse:collapse;"
			    "font-size:13px\"><tr style=\"background:#e8eef6\">"
			    "<th style=\"text-align:left;padding:2px 6px\">Host"
			    "</th><th>Median</th><th>Worst</th><th>Lines</th>"
			    "<th>Limit %us</th></tr>\n", lim);
		}
		buf_addstr(out, "<tr>" TD);
		cesc(out, h[i]->host);
		buf_printf(out, "</td>" TDN "%+" PRId64 "s</td>" TDN "%+" PRId64
		    "s</td>" TDN "%" PRIu64 "</td>" TD "%s%s</td></tr>\n", med,
		    h[i]->worst, h[i]->lines, off ? "OFF" : "",
		    h[i]->nozone > 0 ? " (stamps without a zone)" : "");
	}
	if (shown > 0)
		buf_addstr(out, "</table>\n");
	free(h);
}

static void
stamp(char *dst, size_t size, time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(dst, size, "%Y-%b-%d %H:%M:%S", &tm);
}

void
sumhtml_render(struct buf *out, const struct sumreport *r)
{
	char a[64], b[64];
	size_t i;

	buf_addstr(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>logward summary for ");
	cesc(out, r->host);
	buf_addstr(out, "</title></head>\n<body style=\"font-family:Arial,"
	    "Helvetica,sans-serif;font-size:13px;color:#222;max-width:60em\">\n"
	    "<h1 style=\"font-size:18px\">logward summary for ");
	cesc(out, r->host);
	buf_addstr(out, "</h1>\n<table style=\"font-size:12px;color:#444\">");
	stamp(a, sizeof(a), r->now);
	buf_printf(out, "<tr><td>Processing Initiated:</td><td>%s</td></tr>", a);
	buf_addstr(out, "<tr><td>Date Range Processed:</td><td>");
	cesc(out, r->range);
	if (r->since != 0 || r->until != 0) {
		stamp(a, sizeof(a), r->since);
		stamp(b, sizeof(b), r->until);
		buf_printf(out, " ( %s .. %s )", r->since != 0 ? a : "start",
		    r->until != 0 ? b : "now");
	}
	buf_addstr(out, "</td></tr>");
	if (r->store->first != 0) {
		stamp(a, sizeof(a), r->store->first);
		stamp(b, sizeof(b), r->store->last);
		buf_printf(out, "<tr><td>Lines' Time Stamps:</td><td>%s .. %s</td>"
		    "</tr>", a, b);
	}
	buf_printf(out, "<tr><td>Detail Level of Output:</td><td>%u</td></tr>",
	    r->detail);
	if (r->undated > 0 || r->outside > 0) {
		buf_addstr(out, "<tr><td>Left Out:</td><td>");
		sumview_num(out, r->outside);
		buf_addstr(out, " lines outside the range, ");
		sumview_num(out, r->undated);
		buf_addstr(out, " without a time stamp</td></tr>");
	}
	buf_addstr(out, "</table>\n");
	for (i = 0; r->sc != NULL && i < r->sc->nsvcs; i++)
		if (sumview_shown(r, i))
			service(out, r, i);
	if (r->skew != NULL)
		clock_section(out, r);
	if (r->disk != NULL)
		disk(out, r);
	buf_addstr(out, "<p style=\"color:#777;font-size:11px;margin-top:24px\">"
	    "logward " LOGWARD_VERSION "</p>\n</body></html>\n");
}
