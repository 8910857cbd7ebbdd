/*
 * sumview — the summary renderers' shared view of the counts (see
 * sumview.h).
 */
#include "report/sumview.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "lib/xmem.h"

/* ---- ordering ---- */

/* The address in v[0..n) as 17 bytes (family, then big-endian value);
 * false when it is not an address. */
static bool
ip_key(const char *v, size_t n, unsigned char out[17])
{
	char tmp[64];

	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	memset(out, 0, 17);
	if (inet_pton(AF_INET, tmp, out + 13) == 1) {
		out[0] = 4;
		return true;
	}
	if (inet_pton(AF_INET6, tmp, out + 1) == 1) {
		out[0] = 6;
		return true;
	}
	return false;
}

static int
num_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	uint64_t x = 0, y = 0;
	size_t i, j;

	for (i = 0; i < an && i < 19 && a[i] >= '0' && a[i] <= '9'; i++)
		x = x * 10 + (uint64_t)(a[i] - '0');
	for (j = 0; j < bn && j < 19 && b[j] >= '0' && b[j] <= '9'; j++)
		y = y * 10 + (uint64_t)(b[j] - '0');
	if ((i > 0) != (j > 0))
		return i > 0 ? -1 : 1;	/* numbers first */
	if (x != y)
		return x < y ? -1 : 1;
	return 0;
}

static int
node_cmp(const struct sumview_node *a, const struct sumview_node *b,
    enum sum_order o)
{
	int c;

	switch (o) {
	case SUM_ORDER_COUNT:
		if (a->count != b->count)
			return a->count > b->count ? -1 : 1;
		break;
	case SUM_ORDER_IP: {
		unsigned char ka[17], kb[17];
		bool ia = ip_key(a->v, a->n, ka), ib = ip_key(b->v, b->n, kb);

		if (ia != ib)
			return ia ? -1 : 1;
		if (ia && (c = memcmp(ka, kb, 17)) != 0)
			return c;
		break;
	}
	case SUM_ORDER_NUM:
		if ((c = num_cmp(a->v, a->n, b->v, b->n)) != 0)
			return c;
		break;
	case SUM_ORDER_KEY:
		break;
	}
	return str_bytecmp(a->v, a->n, b->v, b->n);
}

/* ---- the tree ---- */

struct row {
	const char	*key;
	size_t		 klen;
	const struct sumstore_row *r;
};

static int
row_cmp(const void *x, const void *y)
{
	const struct row *a = x, *b = y;
	size_t pa = 0, pb = 0;
	const char *va, *vb;
	size_t na, nb;

	/* level by level, so equal prefixes are adjacent */
	while (sumstore_key_next(a->key, a->klen, &pa, &va, &na)) {
		int c;

		if (!sumstore_key_next(b->key, b->klen, &pb, &vb, &nb))
			return 1;
		if ((c = str_bytecmp(va, na, vb, nb)) != 0)
			return c;
	}
	return pb < b->klen ? -1 : 0;
}

static enum sum_order sort_order;	/* for qsort of one level */

static int
kid_cmp(const void *x, const void *y)
{
	return node_cmp(x, y, sort_order);
}

/* Builds the kids of node from rows[0..n) at level l. */
static void
build(struct sumview_node *node, const struct sum_fact *f, struct row *rows,
    size_t n, size_t *pos, size_t l)
{
	size_t i = 0;

	node->kids = xcalloc(n + 1, sizeof(*node->kids));
	while (i < n) {
		struct sumview_node *k = &node->kids[node->nkids++];
		size_t j = i;
		const char *v, *w;
		size_t vn, wn;

		sumstore_key_next(rows[i].key, rows[i].klen, &pos[i], &v, &vn);
		k->v = v;
		k->n = vn;
		for (j = i + 1; j < n; j++) {
			size_t pj = pos[j];

			sumstore_key_next(rows[j].key, rows[j].klen, &pj, &w, &wn);
			if (wn != vn || memcmp(v, w, vn) != 0)
				break;
			pos[j] = pj;
		}
		if (l + 1 < f->nlevels)
			build(k, f, rows + i, j - i, pos + i, l + 1);
		else {
			size_t m;

			for (m = i; m < j; m++) {
				k->count += rows[m].r->count;
				k->bytes += rows[m].r->bytes;
			}
		}
		node->count += k->count;
		node->bytes += k->bytes;
		i = j;
	}
	sort_order = f->levels[l].order;
	qsort(node->kids, node->nkids, sizeof(*node->kids), kid_cmp);
}

struct sumview_node *
sumview_tree(const struct sum_fact *f, const struct sumstore_fact *sf)
{
	struct sumview_node *root = xcalloc(1, sizeof(*root));
	const struct map_slot *ms;
	struct row *rows;
	size_t *pos, i, n = 0;

	rows = xcalloc(sf->rows.len + 1, sizeof(*rows));
	pos = xcalloc(sf->rows.len + 1, sizeof(*pos));
	for (i = 0; map_next(&sf->rows, &i, &ms);) {
		rows[n].key = ms->key;
		rows[n].klen = ms->klen;
		rows[n].r = ms->val;
		n++;
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	if (n > 0)
		build(root, f, rows, n, pos, 0);
	free(rows);
	free(pos);
	return root;
}

static void
free_kids(struct sumview_node *n)
{
	size_t i;

	for (i = 0; i < n->nkids; i++)
		free_kids(&n->kids[i]);
	free(n->kids);
}

void
sumview_free(struct sumview_node *root)
{
	if (root == NULL)
		return;
	free_kids(root);
	free(root);
}

static void
walk(const struct sumview_node *n, size_t l, size_t nlevels, const char **v,
    size_t *vn, void (*fn)(const char *const *, const size_t *,
    const struct sumview_node *, void *), void *arg)
{
	size_t i;

	for (i = 0; i < n->nkids; i++) {
		v[l] = n->kids[i].v;
		vn[l] = n->kids[i].n;
		if (l + 1 == nlevels)
			fn(v, vn, &n->kids[i], arg);
		else
			walk(&n->kids[i], l + 1, nlevels, v, vn, fn, arg);
	}
}

void
sumview_rows(const struct sumview_node *root, size_t nlevels,
    void (*fn)(const char *const *, const size_t *,
    const struct sumview_node *, void *), void *arg)
{
	const char **v = xcalloc(nlevels + 1, sizeof(*v));
	size_t *vn = xcalloc(nlevels + 1, sizeof(*vn));

	if (nlevels > 0)
		walk(root, 0, nlevels, v, vn, fn, arg);
	free(v);
	free(vn);
}

/* ---- unmatched ---- */

static int
text_cmp(const void *x, const void *y)
{
	const struct sumview_text *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return str_bytecmp(a->text, a->len, b->text, b->len);
}

struct sumview_text *
sumview_unmatched(const struct sumstore_svc *v, size_t *n)
{
	struct sumview_text *t = xcalloc(v->unm.len + 1, sizeof(*t));
	const struct map_slot *ms;
	size_t i, k = 0;

	for (i = 0; map_next(&v->unm, &i, &ms);) {
		t[k].text = ms->key;
		t[k].len = ms->klen;
		t[k].count = *(const uint64_t *)ms->val;
		k++;
	}
	qsort(t, k, sizeof(*t), text_cmp);
	*n = k;
	return t;
}

void
sumview_unmatched_rest(const struct sumreport *r, const struct sum_service *sv,
    const struct sumstore_svc *v, const struct sumview_text *t, size_t n,
    struct sumview_rest *rest)
{
	size_t i;

	rest->shown = r->detail >= SUM_DETAIL_MAX || n < sv->unmatched ? n :
	    sv->unmatched;
	rest->lines = v->unm_folded;
	for (i = rest->shown; i < n; i++)
		rest->lines += t[i].count;
	rest->about = v->unm_folded > 0;
	rest->more = (n - rest->shown) +
	    (rest->about ? sumstore_estimate(v->unm_hll) : 0);
	rest->trailer = rest->shown < n || rest->about;
}

bool
sumview_shown(const struct sumreport *r, size_t i)
{
	const struct sum_service *sv = &r->sc->svcs[i];
	const struct sumstore_svc *v = &r->store->svcs[i];
	size_t j;

	if (r->want != NULL && !r->want[i])
		return false;
	if (v->lines == 0)
		return false;
	if (v->unmatched > 0 && sv->unmatched > 0)
		return true;
	for (j = 0; j < sv->nfacts; j++)
		if (v->facts[j].total > 0 && r->detail >= sv->facts[j].show)
			return true;
	return false;
}

void
sumview_thresholds(const struct sum_conf *sc, const char *mount,
    unsigned *warn, unsigned *crit)
{
	size_t i;

	*warn = sc != NULL ? sc->disk_warn : 0;
	*crit = sc != NULL ? sc->disk_crit : 0;
	for (i = 0; sc != NULL && i < sc->nmounts; i++)
		if (strcmp(sc->mounts[i].mount, mount) == 0) {
			*warn = sc->mounts[i].warn;
			*crit = sc->mounts[i].crit;
		}
}

/* ---- text ---- */

size_t
sumview_utf8(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return len;
}

void
sumview_escape(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] == '\t' || (p[i] >= 0x20 && p[i] < 0x7f)) {
			size_t j = i;

			while (j < n && (p[j] == '\t' || (p[j] >= 0x20 && p[j] < 0x7f)))
				j++;
			buf_add(out, s + i, j - i);
			i = j;
			continue;
		}
		if (p[i] >= 0x80 && (k = sumview_utf8(p + i, n - i)) > 0) {
			buf_add(out, s + i, k);
			i += k;
			continue;
		}
		buf_printf(out, "\\x%02X", p[i]);
		i++;
	}
}

void
sumview_num(struct buf *out, uint64_t v)
{
	char d[32];
	int len = snprintf(d, sizeof(d), "%llu", (unsigned long long)v), i;

	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf_addc(out, ',');
		buf_addc(out, d[i]);
	}
}

void
sumview_bytes(char *dst, size_t size, uint64_t v)
{
	static const char *const u[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double x = (double)v;
	int i = -1;

	if (v < 1024) {
		snprintf(dst, size, "%llu bytes", (unsigned long long)v);
		return;
	}
	while (x >= 1024 && i < 4) {
		x /= 1024;
		i++;
	}
	snprintf(dst, size, "%.1f %s", x, u[i]);
}
