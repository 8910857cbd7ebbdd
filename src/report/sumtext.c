/*
 * sumtext — a summary as text in logwatch's frame: the header (range,
 * detail, host), one "---- TITLE Begin ----" … "End" block per service
 * with its facts as nested "value: N Time(s)" lines and its
 * "**Unmatched Entries**", then Clock and Disk Space, then the footer.
 *
 * Detail chooses which facts appear (show=) and how many levels (depth=);
 * below detail 10 each level shows its top rows and a "+K others (M)"
 * line for the rest, so every count is still in a total.  Nothing is
 * looked up (no DNS, no passwd): values are shown as logged, escaped.
 */
#include "report/sumtext.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/disk.h"
#include "lib/xmem.h"

#define RULE_LINE	" ##################################################################\n"

static void
times(struct buf *out, uint64_t n)
{
	sumview_num(out, n);
	buf_addstr(out, " Time(s)");
}

static void
indent(struct buf *out, size_t n)
{
	while (n-- > 0)
		buf_addc(out, ' ');
}

static void
bytes_note(struct buf *out, const struct sum_fact *f, uint64_t b)
{
	char tmp[32];

	if (f->bytes == NULL)
		return;
	sumview_bytes(tmp, sizeof(tmp), b);
	buf_printf(out, ", %s", tmp);
}

static void
level(struct buf *out, const struct sum_fact *f, const struct sumview_node *n,
    size_t l, size_t depth, unsigned top)
{
	size_t i, shown = n->nkids;
	uint64_t rest = 0;

	if (top > 0 && shown > top)
		shown = top;
	for (i = 0; i < n->nkids; i++) {
		const struct sumview_node *k = &n->kids[i];

		if (i >= shown) {
			rest += k->count;
			continue;
		}
		indent(out, 4 + 3 * l);
		sumview_escape(out, k->v, k->n);
		buf_addstr(out, ": ");
		times(out, k->count);
		bytes_note(out, f, k->bytes);
		buf_addc(out, '\n');
		if (l + 1 < depth)
			level(out, f, k, l + 1, depth, top);
	}
	if (shown < n->nkids) {
		indent(out, 4 + 3 * l);
		buf_printf(out, "+%zu others (", n->nkids - shown);
		sumview_num(out, rest);
		buf_addstr(out, ")\n");
	}
}

static void
fact(struct buf *out, const struct sumreport *r, const struct sum_fact *f,
    const struct sumstore_fact *sf)
{
	struct sumview_node *root;
	unsigned top = r->detail >= SUM_DETAIL_MAX ? 0 : f->top;

	if (sf->total == 0 || r->detail < f->show)
		return;
	buf_addc(out, ' ');
	sumview_escape(out, f->title, strlen(f->title));
	buf_addstr(out, ": ");
	times(out, sf->total);
	bytes_note(out, f, sf->bytes);
	buf_addc(out, '\n');
	root = sumview_tree(f, sf);
	level(out, f, root, 0, f->depth[r->detail], top);
	sumview_free(root);
	if (sf->folded > 0) {
		buf_addstr(out, "    +about ");
		sumview_num(out, sumstore_estimate(sf->hll));
		buf_addstr(out, " others (");
		sumview_num(out, sf->folded);
		if (sumstore_fact_by_memory(r->store, sf))
			buf_addstr(out, ") not kept: the summary reached its "
			    "share of set max_memory\n");
		else
			buf_printf(out, ") not kept: more than %zu keys (set "
			    "summary_max_keys)\n", r->sc->max_keys);
	}
	buf_addstr(out, " \n");
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
	buf_addstr(out, " **Unmatched Entries**: ");
	times(out, v->unmatched);
	buf_addc(out, '\n');
	for (i = 0; i < rest.shown; i++) {
		buf_addstr(out, "    ");
		sumview_escape(out, t[i].text, t[i].len);
		buf_addstr(out, " : ");
		times(out, t[i].count);
		buf_addc(out, '\n');
	}
	if (rest.trailer) {
		buf_addstr(out, rest.about ? "    ... and about " : "    ... and ");
		sumview_num(out, rest.more);
		buf_addstr(out, " more (");
		times(out, rest.lines);
		buf_addstr(out, ")\n");
	}
	free(t);
	buf_addstr(out, " \n");
}

static void
begin(struct buf *out, const char *title)
{
	buf_addstr(out, " \n --------------------- ");
	sumview_escape(out, title, strlen(title));
	buf_addstr(out, " Begin ------------------------ \n\n");
}

static void
end(struct buf *out, const char *title)
{
	buf_addstr(out, " ---------------------- ");
	sumview_escape(out, title, strlen(title));
	buf_addstr(out, " End ------------------------- \n");
}

static void
service(struct buf *out, const struct sumreport *r, size_t i)
{
	const struct sum_service *sv = &r->sc->svcs[i];
	const struct sumstore_svc *v = &r->store->svcs[i];
	size_t j;

	begin(out, sv->title);
	for (j = 0; j < sv->nfacts; j++)
		fact(out, r, &sv->facts[j], &v->facts[j]);
	unmatched(out, r, sv, v);
	if (r->detail >= 5) {
		buf_addstr(out, " Lines: ");
		sumview_num(out, v->lines);
		buf_addstr(out, " (ignored ");
		sumview_num(out, v->ignored);
		buf_addstr(out, ", unmatched ");
		sumview_num(out, v->unmatched);
		buf_addstr(out, ")\n \n");
	}
	end(out, sv->title);
}

static void
signed_secs(struct buf *out, int64_t v)
{
	buf_printf(out, "%+" PRId64 "s", v);
}

static void
clock_section(struct buf *out, const struct sumreport *r)
{
	const struct skew_host **h;
	size_t n, i, over = 0, nozone = 0;
	unsigned lim = r->sc != NULL ? r->sc->clock_skew : 0;

	h = skew_sorted(r->skew, &n);
	for (i = 0; i < n; i++) {
		if (lim > 0 && (skew_median(h[i]) > (int64_t)lim ||
		    skew_median(h[i]) < -(int64_t)lim))
			over++;
		nozone += h[i]->nozone > 0;
	}
	if (n == 0 || (over == 0 && r->detail < SUM_DETAIL_MAX)) {
		free(h);
		return;
	}
	begin(out, "Clock");
	if (over > 0)
		buf_printf(out, " Hosts whose clock differs from this host's by "
		    "more than %us (median over the period):\n", lim);
	else
		buf_printf(out, " Clock differences per host (median over the "
		    "period; limit %us):\n", lim);
	for (i = 0; i < n; i++) {
		int64_t med = skew_median(h[i]);
		bool off = lim > 0 && (med > (int64_t)lim || med < -(int64_t)lim);

		if (!off && r->detail < SUM_DETAIL_MAX)
			continue;
		buf_addstr(out, "    ");
		sumview_escape(out, h[i]->host, strlen(h[i]->host));
		buf_addstr(out, ": median ");
		signed_secs(out, med);
		buf_addstr(out, ", worst ");
		signed_secs(out, h[i]->worst);
		buf_addstr(out, " (");
		sumview_num(out, h[i]->lines);
		buf_addstr(out, h[i]->lines == 1 ? " line)" : " lines)");
		if (h[i]->nozone > 0)
			buf_addstr(out, ", stamps without a zone");
		buf_addc(out, '\n');
	}
	if (nozone > 0) {
		if (r->sc != NULL && r->sc->clock_zone_set)
			buf_printf(out, " Stamps without a zone were read as "
			    "UTC%+03d:%02d (set clock_zone).\n",
			    r->sc->clock_zone / 3600,
			    (r->sc->clock_zone < 0 ? -r->sc->clock_zone :
			    r->sc->clock_zone) % 3600 / 60);
		else
			buf_addstr(out, " Stamps without a zone were read as "
			    "this host's local time (set clock_zone to change).\n");
	}
	if (r->skew->over_lines > 0) {
		buf_addstr(out, " ");
		sumview_num(out, r->skew->over_lines);
		buf_addstr(out, " lines of further hosts were not measured "
		    "(host cap).\n");
	}
	buf_addstr(out, " \n");
	end(out, "Clock");
	free(h);
}

static void
disk_section(struct buf *out, const struct sumreport *r)
{
	const struct disk_table *t = r->disk;
	size_t i, w = 10;

	begin(out, "Disk Space");
	if (t->err != 0) {
		buf_printf(out, " The mount table could not be read: %s\n \n",
		    strerror(t->err));
		end(out, "Disk Space");
		return;
	}
	for (i = 0; i < t->n; i++)
		if (strlen(t->rows[i].device) > w)
			w = strlen(t->rows[i].device);
	buf_printf(out, " %-*s %6s %6s %6s %4s %6s %s\n", (int)w, "Filesystem",
	    "Size", "Used", "Avail", "Use%", "Inode%", "Mounted on");
	for (i = 0; i < t->n; i++) {
		const struct disk_row *d = &t->rows[i];
		char s[16], u[16], a[16], ip[16];

		buf_addc(out, ' ');
		sumview_escape(out, d->device, strlen(d->device));
		indent(out, w - strlen(d->device));
		if (d->err != 0) {
			buf_printf(out, " unreadable: %s ", strerror(d->err));
		} else {
			disk_human(s, sizeof(s), d->size);
			disk_human(u, sizeof(u), d->used);
			disk_human(a, sizeof(a), d->avail);
			if (d->inode_pct >= 0)
				snprintf(ip, sizeof(ip), "%d%%", d->inode_pct);
			else
				snprintf(ip, sizeof(ip), "-");
			buf_printf(out, " %6s %6s %6s %3d%% %6s ", s, u, a,
			    d->use_pct, ip);
		}
		sumview_escape(out, d->mount, strlen(d->mount));
		buf_addc(out, '\n');
	}
	buf_addstr(out, " \n");
	for (i = 0; i < t->n; i++) {
		const struct disk_row *d = &t->rows[i];
		unsigned warn, crit;
		enum disk_level lv;

		sumview_thresholds(r->sc, d->mount, &warn, &crit);
		lv = disk_level(d, warn, crit);
		if (lv == DISK_OK || lv == DISK_UNREADABLE)
			continue;
		buf_addc(out, ' ');
		sumview_escape(out, d->mount, strlen(d->mount));
		buf_addstr(out, " (");
		sumview_escape(out, d->device, strlen(d->device));
		buf_printf(out, ") => %d%% used (inodes %d%%): %s, the limit is "
		    "%u%%\n", d->use_pct, d->inode_pct < 0 ? 0 : d->inode_pct,
		    disk_level_name(lv), lv == DISK_CRIT ? crit : warn);
	}
	if (t->over > 0)
		buf_printf(out, " %zu further mounts not shown (more than %d)\n",
		    t->over, DISK_MAX_ROWS);
	buf_addstr(out, " \n");
	end(out, "Disk Space");
}

static void
stamp(char *dst, size_t size, time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(dst, size, "%Y-%b-%d %H:%M:%S", &tm);
}

void
sumtext_render(struct buf *out, const struct sumreport *r)
{
	char a[64], b[64];
	size_t i;

	buf_addstr(out, " \n ################### logward " LOGWARD_VERSION
	    " summary ####################\n");
	stamp(a, sizeof(a), r->now);
	buf_printf(out, "        Processing Initiated: %s\n", a);
	buf_printf(out, "        Date Range Processed: %s\n", r->range);
	if (r->since != 0 || r->until != 0) {
		stamp(a, sizeof(a), r->since);
		stamp(b, sizeof(b), r->until);
		buf_printf(out, "                              ( %s .. %s )\n",
		    r->since != 0 ? a : "start", r->until != 0 ? b : "now");
	}
	if (r->store->first != 0) {
		stamp(a, sizeof(a), r->store->first);
		stamp(b, sizeof(b), r->store->last);
		buf_printf(out, "        Lines' Time Stamps: %s .. %s\n", a, b);
	}
	buf_printf(out, "        Detail Level of Output: %u\n", r->detail);
	buf_addstr(out, "        Logfiles for Host: ");
	sumview_escape(out, r->host, strlen(r->host));
	buf_addc(out, '\n');
	if (r->undated > 0 || r->outside > 0) {
		buf_addstr(out, "        Left Out: ");
		sumview_num(out, r->outside);
		buf_addstr(out, " lines outside the range, ");
		sumview_num(out, r->undated);
		buf_addstr(out, " without a time stamp\n");
	}
	if (r->stats != NULL && r->stats->repeat_lost > 0) {
		buf_addstr(out, "        Repeats Not Credited: ");
		sumview_num(out, r->stats->repeat_lost);
		buf_addstr(out, " ('last message repeated' with no earlier line)\n");
	}
	if (r->stats != NULL && r->stats->regex_errors > 0) {
		buf_addstr(out, "        Rule Errors: ");
		sumview_num(out, r->stats->regex_errors);
		buf_addstr(out, " matches hit a PCRE2 limit (see logward lint)\n");
	}
	buf_addstr(out, RULE_LINE);
	for (i = 0; r->sc != NULL && i < r->sc->nsvcs; i++)
		if (sumview_shown(r, i))
			service(out, r, i);
	if (r->skew != NULL)
		clock_section(out, r);
	if (r->disk != NULL)
		disk_section(out, r);
	buf_addstr(out, " \n ###################### logward End ######################### \n");
}
