/*
 * sumjson — a summary as one JSON object: the data, not a view.  Every
 * row of every fact is there whatever the detail level (only the key cap
 * folds rows, and then "folded" says how many lines and about how many
 * keys); services, facts and keys carry the stable ids of the service
 * definitions.  Strings are valid JSON whatever the log bytes were:
 * control characters as \u00XX, bytes that are not UTF-8 as the text
 * "\xHH" (a backslash, x and two hex digits).  The layout is documented
 * in logward.conf(5), SUMMARY JSON.
 */
#include "report/sumjson.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "input/disk.h"

static void
str(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	buf_addc(out, '"');
	while (i < n) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			buf_addc(out, '\\');
			buf_addc(out, (char)c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			buf_printf(out, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			size_t j = i;

			while (j < n && p[j] >= 0x20 && p[j] < 0x7f && p[j] != '"' &&
			    p[j] != '\\')
				j++;
			buf_add(out, s + i, j - i);
			i = j;
		} else if ((k = sumview_utf8(p + i, n - i)) > 0) {
			buf_add(out, s + i, k);
			i += k;
		} else {
			buf_printf(out, "\\\\x%02X", c);
			i++;
		}
	}
	buf_addc(out, '"');
}

static void
cstr(struct buf *out, const char *s)
{
	str(out, s, strlen(s));
}

static void
u64(struct buf *out, const char *name, uint64_t v, bool comma)
{
	buf_printf(out, "\"%s\": %" PRIu64 "%s", name, v, comma ? ", " : "");
}

static void
tstamp(struct buf *out, const char *name, time_t t)
{
	if (t == 0)
		buf_printf(out, "\"%s\": null, ", name);
	else
		buf_printf(out, "\"%s\": %lld, ", name, (long long)t);
}

struct rows_arg {
	struct buf	*out;
	size_t		 nlevels;
	bool		 bytes;
	bool		 first;
};

static void
row(const char *const *v, const size_t *n, const struct sumview_node *leaf,
    void *arg)
{
	struct rows_arg *a = arg;
	size_t i;

	buf_addstr(a->out, a->first ? "\n          {\"key\": [" :
	    ",\n          {\"key\": [");
	a->first = false;
	for (i = 0; i < a->nlevels; i++) {
		if (i > 0)
			buf_addstr(a->out, ", ");
		str(a->out, v[i], n[i]);
	}
	buf_printf(a->out, "], \"count\": %" PRIu64, leaf->count);
	if (a->bytes)
		buf_printf(a->out, ", \"bytes\": %" PRIu64, leaf->bytes);
	buf_addc(a->out, '}');
}

static void
fact(struct buf *out, const struct sum_fact *f, const struct sumstore_fact *sf,
    bool comma)
{
	struct sumview_node *root = sumview_tree(f, sf);
	struct rows_arg a = { out, f->nlevels, f->bytes != NULL, true };
	size_t i;

	buf_addstr(out, "\n        {\"id\": ");
	cstr(out, f->id);
	buf_addstr(out, ", \"title\": ");
	cstr(out, f->title);
	buf_addstr(out, ", \"keys\": [");
	for (i = 0; i < f->nlevels; i++) {
		if (i > 0)
			buf_addstr(out, ", ");
		cstr(out, f->levels[i].name);
	}
	buf_addstr(out, "], ");
	u64(out, "total", sf->total, true);
	if (f->bytes != NULL)
		u64(out, "bytes", sf->bytes, true);
	buf_printf(out, "\"folded\": {\"lines\": %" PRIu64 ", \"keys_estimate\": "
	    "%" PRIu64 ", \"bytes\": %" PRIu64 "}, \"rows\": [", sf->folded,
	    sumstore_estimate(sf->hll), sf->folded_bytes);
	sumview_rows(root, f->nlevels, row, &a);
	buf_addstr(out, a.first ? "]}" : "\n        ]}");
	if (comma)
		buf_addc(out, ',');
	sumview_free(root);
}

static void
service(struct buf *out, const struct sumreport *r, size_t s, bool comma)
{
	const struct sum_service *sv = &r->sc->svcs[s];
	const struct sumstore_svc *v = &r->store->svcs[s];
	struct sumview_text *t;
	size_t i, n;

	buf_addstr(out, "\n    {\"id\": ");
	cstr(out, sv->id);
	buf_addstr(out, ", \"title\": ");
	cstr(out, sv->title);
	buf_addstr(out, ", ");
	u64(out, "lines", v->lines, true);
	u64(out, "ignored", v->ignored, true);
	u64(out, "unmatched_lines", v->unmatched, true);
	buf_addstr(out, "\"hours\": [");
	for (i = 0; i < 24; i++)
		buf_printf(out, "%s%" PRIu64, i > 0 ? ", " : "", v->hours[i]);
	buf_addstr(out, "],\n      \"facts\": [");
	for (i = 0; i < sv->nfacts; i++)
		fact(out, &sv->facts[i], &v->facts[i], i + 1 < sv->nfacts);
	buf_addstr(out, sv->nfacts > 0 ? "\n      ],\n      \"unmatched\": [" :
	    "],\n      \"unmatched\": [");
	t = sumview_unmatched(v, &n);
	for (i = 0; i < n; i++) {
		buf_addstr(out, i > 0 ? ",\n        {\"text\": " :
		    "\n        {\"text\": ");
		str(out, t[i].text, t[i].len);
		buf_printf(out, ", \"count\": %" PRIu64 "}", t[i].count);
	}
	free(t);
	buf_printf(out, "%s],\n      \"unmatched_folded\": {\"lines\": %" PRIu64
	    ", \"texts_estimate\": %" PRIu64 "}}%s", n > 0 ? "\n      " : "",
	    v->unm_folded, sumstore_estimate(v->unm_hll), comma ? "," : "");
}

static void
disk(struct buf *out, const struct disk_table *t, const struct sum_conf *sc)
{
	size_t i;

	buf_addstr(out, ",\n  \"disk\": {\"error\": ");
	if (t->err != 0)
		cstr(out, strerror(t->err));
	else
		buf_addstr(out, "null");
	buf_printf(out, ", \"excluded\": %zu, \"not_shown\": %zu, \"rows\": [",
	    t->excluded, t->over);
	for (i = 0; i < t->n; i++) {
		const struct disk_row *d = &t->rows[i];
		unsigned warn, crit;

		sumview_thresholds(sc, d->mount, &warn, &crit);
		buf_addstr(out, i > 0 ? ",\n    {\"mount\": " : "\n    {\"mount\": ");
		cstr(out, d->mount);
		buf_addstr(out, ", \"device\": ");
		cstr(out, d->device);
		buf_addstr(out, ", \"fstype\": ");
		cstr(out, d->fstype);
		if (d->err != 0) {
			buf_addstr(out, ", \"error\": ");
			cstr(out, strerror(d->err));
			buf_addstr(out, ", \"level\": \"UNREADABLE\"}");
			continue;
		}
		buf_printf(out, ", \"error\": null, \"size\": %" PRIu64 ", \"used\": "
		    "%" PRIu64 ", \"avail\": %" PRIu64 ", \"use_pct\": %d, "
		    "\"inode_pct\": ", d->size, d->used, d->avail, d->use_pct);
		if (d->inode_pct < 0)
			buf_addstr(out, "null");
		else
			buf_printf(out, "%d", d->inode_pct);
		buf_printf(out, ", \"warn\": %u, \"crit\": %u, \"level\": \"%s\"}",
		    warn, crit, disk_level_name(disk_level(d, warn, crit)));
	}
	buf_addstr(out, t->n > 0 ? "\n  ]}" : "]}");
}

static void
clock_obj(struct buf *out, const struct skew *s, const struct sum_conf *sc)
{
	const struct skew_host **h;
	size_t n, i;
	unsigned lim = sc != NULL ? sc->clock_skew : 0;

	h = skew_sorted(s, &n);
	buf_printf(out, ",\n  \"clock\": {\"limit\": %u, \"zone\": ", lim);
	if (sc != NULL && sc->clock_zone_set)
		buf_printf(out, "\"%+03d:%02d\"", sc->clock_zone / 3600,
		    (sc->clock_zone < 0 ? -sc->clock_zone : sc->clock_zone) %
		    3600 / 60);
	else
		buf_addstr(out, "\"local\"");
	buf_printf(out, ", \"over_cap_lines\": %" PRIu64 ", \"hosts\": [",
	    s->over_lines);
	for (i = 0; i < n; i++) {
		int64_t med = skew_median(h[i]);

		buf_addstr(out, i > 0 ? ",\n    {\"host\": " : "\n    {\"host\": ");
		cstr(out, h[i]->host);
		buf_printf(out, ", \"lines\": %" PRIu64 ", \"median\": %" PRId64
		    ", \"worst\": %" PRId64 ", \"nozone_lines\": %" PRIu64
		    ", \"over\": %s}", h[i]->lines, med, h[i]->worst,
		    h[i]->nozone, lim > 0 && (med > (int64_t)lim ||
		    med < -(int64_t)lim) ? "true" : "false");
	}
	buf_addstr(out, n > 0 ? "\n  ]}" : "]}");
	free(h);
}

void
sumjson_render(struct buf *out, const struct sumreport *r)
{
	const struct sumclass_stats *st = r->stats;
	size_t i, last = 0, nsv = r->sc != NULL ? r->sc->nsvcs : 0;

	buf_addstr(out, "{\"format\": \"logward-summary\", \"version\": 1, "
	    "\"host\": ");
	cstr(out, r->host);
	buf_addstr(out, ", \"range\": ");
	cstr(out, r->range);
	buf_addstr(out, ",\n  ");
	tstamp(out, "since", r->since);
	tstamp(out, "until", r->until);
	tstamp(out, "generated", r->now);
	tstamp(out, "first", r->store->first);
	tstamp(out, "last", r->store->last);
	buf_printf(out, "\"detail\": %u,\n  \"left_out\": {\"outside_range\": %"
	    PRIu64 ", \"undated\": %" PRIu64 "},\n  \"stats\": {", r->detail,
	    r->outside, r->undated);
	u64(out, "lines", st != NULL ? st->lines : 0, true);
	u64(out, "in_service", st != NULL ? st->in_service : 0, true);
	u64(out, "repeats", st != NULL ? st->repeats : 0, true);
	u64(out, "repeats_not_credited", st != NULL ? st->repeat_lost : 0, true);
	u64(out, "rule_errors", st != NULL ? st->regex_errors : 0, false);
	buf_addstr(out, "},\n  \"services\": [");
	for (i = 0; i < nsv; i++)
		if (r->want == NULL || r->want[i])
			last = i + 1;
	for (i = 0; i < nsv; i++)
		if (r->want == NULL || r->want[i])
			service(out, r, i, i + 1 < last);
	buf_addstr(out, last > 0 ? "\n  ]" : "]");
	if (r->disk != NULL)
		disk(out, r->disk, r->sc);
	if (r->skew != NULL)
		clock_obj(out, r->skew, r->sc);
	buf_addstr(out, "\n}\n");
}
