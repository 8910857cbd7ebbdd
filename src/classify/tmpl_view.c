/*
 * tmpl_view — what the template store shows (see tmpl.h): a template's
 * text with the mask (cached in the template until it or the mask
 * changes), its first and last sight and count, the list of templates
 * and the store's counters.
 */
#include "classify/tmpl.h"

#include <stdlib.h>
#include <string.h>

#include "classify/tmpl_int.h"
#include "classify/tmpl_tok.h"
#include "lib/u64map.h"
#include "lib/xmem.h"


static void
render(const struct tmpl_cluster *c, const char *mask, size_t masklen,
    struct buf *out)
{
	size_t i;
	bool prev_var = false;

	for (i = 0; i < c->ntok; i++) {
		const struct ctok *ct = &c->tok[i];

		if (ct->kind == TMPL_VAR && prev_var && ct->gap)
			continue;	/* a run of variables shows once */
		if (ct->gap)
			buf_addc(out, ' ');
		if (ct->kind == TMPL_VAR)
			buf_add(out, mask, masklen);
		else if (ct->kind != TMPL_EMPTY)
			buf_add(out, c->pool + ct->off, ct->len);
		prev_var = ct->kind == TMPL_VAR;
	}
}

static void
render_cached(struct tmpl *t, struct tmpl_cluster *c, const char *mask,
    size_t masklen, struct buf *out)
{
	struct buf b;

	if (t->mask == NULL || t->masklen != masklen ||
	    memcmp(t->mask, mask, masklen) != 0) {
		struct tmpl_cluster *k;

		for (k = t->head; k != NULL; k = k->next)
			tmpl_drop_render(t, k);
		free(t->mask);
		t->mask = xmemdup0(mask, masklen);
		t->masklen = masklen;
	}
	if (c->render == NULL) {
		buf_init(&b, SIZE_MAX / 4);
		render(c, mask, masklen, &b);
		c->renderlen = b.len;
		c->render = b.data != NULL ? buf_steal(&b) : xstrdup("");
		t->bytes += c->renderlen + 16;
	}
	buf_add(out, c->render, c->renderlen);
}

void
tmpl_view_render(struct tmpl *t, const struct tmpl_result *r, const char *mask,
    size_t masklen, struct buf *out)
{
	render_cached(t, (struct tmpl_cluster *)(uintptr_t)r->c, mask, masklen,
	    out);
}

int
tmpl_view_render_id(struct tmpl *t, uint64_t id, const char *mask, size_t masklen,
    struct buf *out)
{
	struct tmpl_cluster *c = u64map_get(&t->ids, tmpl_resolve(t, id));

	if (c == NULL)
		return -1;
	render_cached(t, c, mask, masklen, out);
	return 0;
}


static void
info_of(const struct tmpl_cluster *c, struct tmpl_info *out)
{
	out->id = c->id;
	out->first = c->first;
	out->last = c->last;
	out->count = c->count;
	out->learned = (c->flags & CL_LEARNED) != 0;
	out->near = (c->flags & CL_NEAR) != 0;
}

bool
tmpl_view_info(const struct tmpl *t, uint64_t id, struct tmpl_info *out)
{
	const struct tmpl_cluster *c = u64map_get(&t->ids, tmpl_resolve(t, id));

	if (c == NULL)
		return false;
	info_of(c, out);
	return true;
}

static int
cmp_id(const void *a, const void *b)
{
	uint64_t x = (*(struct tmpl_cluster *const *)a)->id;
	uint64_t y = (*(struct tmpl_cluster *const *)b)->id;

	return x < y ? -1 : x > y;
}

void
tmpl_view_each(const struct tmpl *t, void (*fn)(const struct tmpl_info *, void *),
    void *arg)
{
	struct tmpl_cluster **v = xcalloc(t->n + 1, sizeof(*v)), *c;
	struct tmpl_info info;
	size_t i = 0;

	for (c = t->head; c != NULL; c = c->next)
		v[i++] = c;
	qsort(v, t->n, sizeof(*v), cmp_id);
	for (i = 0; i < t->n; i++) {
		info_of(v[i], &info);
		fn(&info, arg);
	}
	free(v);
}

void
tmpl_view_stats(const struct tmpl *t, struct tmpl_stats *st)
{
	st->templates = t->n;
	st->created = t->created;
	st->retired = t->retired;
	st->joined = t->joined;
	st->lines = t->lines;
	st->bytes = t->bytes + tmpl_table_bytes(t);
	st->born = t->born;
}

