/*
 * tmpl_store — the template store as bytes (see tmpl.h): saving it for a
 * checkpoint section or a --state file, and restoring it.
 *
 * Format (host byte order, version TMPL_VERSION):
 *	u32 magic, u32 version, i64 born, u64 next_id, u64 created,
 *	u64 retired, u64 n, then n templates, least recently seen first:
 *	{ u64 id, u64 part, i64 first, i64 last, u64 count, u32 flags,
 *	  u32 ntok, ntok × { u8 kind, u8 gap, [u32 len, len bytes] } }
 * (the length and text only for words and delimiters).  Token hashes
 * and shapes are recomputed on restore by tmpl_tok, their one
 * definition.
 */
#include "classify/tmpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/tmpl_int.h"
#include "classify/tmpl_tok.h"
#include "lib/bin.h"
#include "lib/xmem.h"

void
tmpl_store_save(const struct tmpl *t, struct buf *out)
{
	const struct tmpl_cluster *c;
	size_t i;

	bin_put32(out, TMPL_MAGIC);
	bin_put32(out, TMPL_VERSION);
	bin_put64(out, (uint64_t)t->born);
	bin_put64(out, t->next_id);
	bin_put64(out, t->created);
	bin_put64(out, t->retired);
	bin_put64(out, t->n);
	/* least recently seen first: restoring in this order rebuilds the
	 * recency list */
	for (c = t->tail; c != NULL; c = c->prev) {
		bin_put64(out, c->id);
		bin_put64(out, c->part);
		bin_put64(out, (uint64_t)c->first);
		bin_put64(out, (uint64_t)c->last);
		bin_put64(out, c->count);
		bin_put32(out, c->flags);
		bin_put32(out, c->ntok);
		for (i = 0; i < c->ntok; i++) {
			const struct ctok *ct = &c->tok[i];
			uint8_t kg[2] = { ct->kind,
			    (uint8_t)(ct->gap | ct->learned << 1) };

			buf_add(out, kg, 2);
			if (ct->kind == TMPL_WORD || ct->kind == TMPL_DELIM) {
				bin_put32(out, ct->len);
				buf_add(out, c->pool + ct->off, ct->len);
			}
		}
	}
	bin_put64(out, t->joined);
	bin_put64(out, t->alias_n);
	for (i = 0; i < t->alias_n; i++) {
		uint64_t from = t->alias_ring[(t->alias_head + i) % t->alias_cap];

		bin_put64(out, from);
		bin_put64(out, tmpl_resolve(t, from));
	}
}

/* Recomputes a restored template's token hashes and returns its shape
 * hash, with tmpl_tok's one definition of both. */
static uint64_t
rehash(struct tmpl_cluster *c)
{
	struct tmpl_line *l = xmalloc(sizeof(*l));
	uint64_t shape;
	size_t i;

	l->ntok = c->ntok;
	for (i = 0; i < c->ntok; i++) {
		l->tok[i].off = c->tok[i].off;
		l->tok[i].len = c->tok[i].len;
		l->tok[i].kind = c->tok[i].kind;
		l->tok[i].gap = c->tok[i].gap;
		l->tok[i].var = TMPL_V_NONE;
	}
	tmpl_tok_hashes(l, c->pool);
	for (i = 0; i < c->ntok; i++) {
		c->tok[i].hash = c->tok[i].kind == TMPL_VAR ? 0 : l->tok[i].hash;
		c->tok[i].num = 0;
		if (c->tok[i].kind == TMPL_WORD) {
			size_t k;

			for (k = 0; k < c->tok[i].len; k++)
				if (c->pool[c->tok[i].off + k] >= '0' &&
				    c->pool[c->tok[i].off + k] <= '9')
					c->tok[i].num = 1;
		}
	}
	shape = l->shape;
	free(l);
	return shape;
}

int
tmpl_store_restore(struct tmpl *t, const char *data, size_t len, time_t now,
    char *err, size_t errlen)
{
	struct bin_rd r = { data, len, false };
	struct tmpl_cluster **v = NULL, *c;
	uint64_t n = 0, i, k, joined, na, *aliases;
	const char *why = NULL;

	tmpl_reset(t, (int64_t)now);
	if (bin_get32(&r) != TMPL_MAGIC || r.bad) {
		why = "not a template store";
		goto fail;
	}
	if ((k = bin_get32(&r)) != TMPL_VERSION) {
		why = k > TMPL_VERSION ? "written by a newer logward" :
		    "unknown version";
		goto fail;
	}
	t->born = (int64_t)bin_get64(&r);
	t->next_id = bin_get64(&r);
	t->created = bin_get64(&r);
	t->retired = bin_get64(&r);
	n = bin_get64(&r);
	if (r.bad || n > len / 40 + 1) {
		why = "truncated";
		goto fail;
	}
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++) {
		uint64_t id = bin_get64(&r), part = bin_get64(&r);
		int64_t first = (int64_t)bin_get64(&r), last = (int64_t)bin_get64(&r);
		uint64_t count = bin_get64(&r);
		uint32_t flags = bin_get32(&r), ntok = bin_get32(&r);
		const char *start;
		size_t text = 0, j, off = 0;
		struct bin_rd scan;

		if (r.bad || ntok > TMPL_TOK_MAX || id == 0 ||
		    id >= t->next_id) {
			why = "bad template";
			goto fail;
		}
		/* first pass: the text size */
		start = r.p;
		scan = r;
		for (j = 0; j < ntok; j++) {
			uint8_t kg[2];

			bin_getraw(&scan, kg, 2);
			if (kg[0] == TMPL_WORD || kg[0] == TMPL_DELIM) {
				uint32_t l = bin_get32(&scan);

				if (scan.bad || l > scan.left) {
					scan.bad = true;
					break;
				}
				scan.p += l;
				scan.left -= l;
				text += l;
			} else if (kg[0] != TMPL_VAR && kg[0] != TMPL_EMPTY)
				scan.bad = true;
		}
		if (scan.bad) {
			why = "bad template";
			goto fail;
		}
		c = tmpl_cluster_new(ntok, text);
		r.p = start;
		for (j = 0; j < ntok; j++) {
			struct ctok *ct = &c->tok[j];
			uint8_t kg[2];

			bin_getraw(&r, kg, 2);
			ct->kind = kg[0];
			ct->gap = kg[1] & 1;
			ct->learned = (kg[1] >> 1) & 1;
			if (ct->kind == TMPL_WORD || ct->kind == TMPL_DELIM) {
				ct->len = bin_get32(&r);
				bin_getraw(&r, c->pool + off, ct->len);
				ct->off = (uint32_t)off;
				off += ct->len;
			}
		}
		r.left = len - (size_t)(r.p - data);
		c->id = id;
		c->part = part;
		c->first = first;
		c->last = last;
		c->count = count;
		c->flags = flags;
		v[i] = c;
	}
	joined = bin_get64(&r);
	na = bin_get64(&r);
	if (r.bad || na > r.left / 16) {
		why = "truncated aliases";
		goto fail;
	}
	aliases = xcalloc(na + 1, 2 * sizeof(*aliases));
	for (i = 0; i < na; i++) {
		aliases[2 * i] = bin_get64(&r);
		aliases[2 * i + 1] = bin_get64(&r);
	}
	if (r.bad || r.left != 0) {
		why = "trailing bytes";
		free(aliases);
		goto fail;
	}
	for (i = 0; i < n; i++)
		(void)tmpl_insert(t, v[i], tmpl_mixpart(rehash(v[i]), v[i]->part));
	for (i = 0; i < na; i++)
		if (aliases[2 * i] != aliases[2 * i + 1])
			tmpl_alias(t, aliases[2 * i], aliases[2 * i + 1]);
	t->joined = joined;
	free(aliases);
	free(v);
	return 0;
fail:
	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);	/* NULL past the one that failed */
	free(v);
	tmpl_reset(t, (int64_t)now);
	if (err != NULL)
		snprintf(err, errlen, "template store: %s", why);
	return -1;
}
