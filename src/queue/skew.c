/*
 * skew — clock differences per host as small histograms (see skew.h).
 *
 * Bucket numbers: |d| < 4096 is bucket d itself; beyond, a bucket holds
 * a 64th of a doubling: 4096 + 64 * (octave - 12) + step, negated for
 * negative differences.  A bucket's value is its exact value, or the
 * middle of its range (within 1 %).
 */
#include "queue/skew.h"

#include <stdlib.h>
#include <string.h>

#include "lib/bin.h"
#include "lib/xmem.h"

#define EXACT		4096	/* 2^EXACT_BITS */
#define EXACT_BITS	12
#define STEPS		64	/* 2^STEP_BITS */
#define STEP_BITS	6
#define SAVE_MAGIC	"LWSKEW1\n"

static int32_t
bucket_of(int64_t d)
{
	uint64_t a = d < 0 ? (uint64_t)-d : (uint64_t)d;
	int oct = 0;
	int32_t b;

	if (a < EXACT)
		return (int32_t)d;
	if (a > ((uint64_t)1 << 40))
		a = (uint64_t)1 << 40;
	while ((a >> oct) > 1)
		oct++;
	/* oct >= EXACT_BITS; the step is the bits below the top one */
	b = EXACT + STEPS * (oct - EXACT_BITS) +
	    (int32_t)((a >> (oct - STEP_BITS)) & (STEPS - 1));
	return d < 0 ? -b : b;
}

static int64_t
value_of(int32_t b)
{
	int32_t a = b < 0 ? -b : b;
	int oct, step;
	int64_t lo, width;

	if (a < EXACT)
		return b;
	oct = EXACT_BITS + (a - EXACT) / STEPS;
	step = (a - EXACT) % STEPS;
	lo = ((int64_t)1 << oct) + (int64_t)step * ((int64_t)1 << (oct - STEP_BITS));
	width = (int64_t)1 << (oct - STEP_BITS);
	lo += width / 2;
	return b < 0 ? -lo : lo;
}

void
skew_init(struct skew *s, size_t max_hosts)
{
	memset(s, 0, sizeof(*s));
	map_init(&s->hosts);
	s->max_hosts = max_hosts;
}

static void
free_hosts(struct skew *s)
{
	const struct map_slot *ms;
	size_t i;

	for (i = 0; map_next(&s->hosts, &i, &ms);) {
		struct skew_host *h = ms->val;

		free(h->host);
		free(h->hist);
		free(h);
	}
}

void
skew_free(struct skew *s)
{
	free_hosts(s);
	map_free(&s->hosts);
	memset(s, 0, sizeof(*s));
}

void
skew_clear(struct skew *s)
{
	free_hosts(s);
	map_clear(&s->hosts);
	s->over_lines = 0;
}

static struct skew_host *
host_get(struct skew *s, const char *host, size_t hostlen)
{
	struct skew_host *h = map_get(&s->hosts, host, hostlen);

	if (h == NULL) {
		if (s->hosts.len >= s->max_hosts)
			return NULL;
		h = xcalloc(1, sizeof(*h));
		h->host = xmemdup0(host, hostlen);
		*map_put(&s->hosts, host, hostlen) = h;
	}
	return h;
}

static void
hist_add(struct skew_host *h, int32_t b, uint32_t n)
{
	size_t lo = 0, hi = h->nhist;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (h->hist[mid].b < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->nhist && h->hist[lo].b == b) {
		h->hist[lo].n = h->hist[lo].n > UINT32_MAX - n ? UINT32_MAX :
		    h->hist[lo].n + n;
		return;
	}
	h->hist = xreallocarray(h->hist, h->nhist + 1, sizeof(*h->hist));
	memmove(h->hist + lo + 1, h->hist + lo, (h->nhist - lo) * sizeof(*h->hist));
	h->hist[lo].b = b;
	h->hist[lo].n = n;
	h->nhist++;
}

static int64_t
absv(int64_t v)
{
	return v < 0 ? -v : v;
}

void
skew_add(struct skew *s, const char *host, size_t hostlen, int64_t diff,
    bool nozone)
{
	struct skew_host *h = host_get(s, host, hostlen);

	if (h == NULL) {
		s->over_lines++;
		return;
	}
	h->lines++;
	if (nozone)
		h->nozone++;
	if (h->lines == 1 || absv(diff) > absv(h->worst))
		h->worst = diff;
	hist_add(h, bucket_of(diff), 1);
}

int64_t
skew_median(const struct skew_host *h)
{
	uint64_t total = 0, half, seen = 0;
	size_t i;

	for (i = 0; i < h->nhist; i++)
		total += h->hist[i].n;
	if (total == 0)
		return 0;
	half = (total + 1) / 2;
	for (i = 0; i < h->nhist; i++) {
		seen += h->hist[i].n;
		if (seen >= half)
			return value_of(h->hist[i].b);
	}
	return value_of(h->hist[h->nhist - 1].b);
}

static int
cmp_host(const void *a, const void *b)
{
	const struct skew_host *x = *(const struct skew_host *const *)a;
	const struct skew_host *y = *(const struct skew_host *const *)b;

	return strcmp(x->host, y->host);
}

const struct skew_host **
skew_sorted(const struct skew *s, size_t *n)
{
	const struct skew_host **v = xcalloc(s->hosts.len + 1, sizeof(*v));
	const struct map_slot *ms;
	size_t i, k = 0;

	for (i = 0; map_next(&s->hosts, &i, &ms);)
		v[k++] = ms->val;
	qsort(v, k, sizeof(*v), cmp_host);
	*n = k;
	return v;
}

/* ---- saving ---- */

void
skew_save(const struct skew *s, struct buf *out)
{
	const struct map_slot *ms;
	size_t i, j;

	buf_add(out, SAVE_MAGIC, strlen(SAVE_MAGIC));
	bin_put64(out, s->over_lines);
	bin_put64(out, s->hosts.len);
	for (i = 0; map_next(&s->hosts, &i, &ms);) {
		const struct skew_host *h = ms->val;

		bin_putblob(out, h->host, strlen(h->host));
		bin_put64(out, h->lines);
		bin_put64(out, (uint64_t)h->worst);
		bin_put64(out, h->nozone);
		bin_put64(out, h->nhist);
		for (j = 0; j < h->nhist; j++) {
			bin_put64(out, (uint64_t)(int64_t)h->hist[j].b);
			bin_put64(out, h->hist[j].n);
		}
	}
}

static int
load(struct skew *s, struct bin_rd *r, bool apply)
{
	const char *magic = bin_getbytes(r, strlen(SAVE_MAGIC));
	uint64_t n, i, j, over;

	if (magic == NULL || memcmp(magic, SAVE_MAGIC, strlen(SAVE_MAGIC)) != 0)
		return -1;
	over = bin_get64(r);
	n = bin_get64(r);
	if (apply)
		s->over_lines += over;
	for (i = 0; i < n && !r->bad; i++) {
		size_t len;
		const char *name = bin_getblob(r, &len);
		uint64_t lines, nozone, nh;
		int64_t worst;
		struct skew_host *h = NULL;

		if (name == NULL)
			break;
		lines = bin_get64(r);
		worst = (int64_t)bin_get64(r);
		nozone = bin_get64(r);
		nh = bin_get64(r);
		if (apply) {
			h = host_get(s, name, (size_t)len);
			if (h == NULL)
				s->over_lines += lines;
			else {
				if (h->lines == 0 || absv(worst) > absv(h->worst))
					h->worst = worst;
				h->lines += lines;
				h->nozone += nozone;
			}
		}
		for (j = 0; j < nh && !r->bad; j++) {
			int32_t b = (int32_t)(int64_t)bin_get64(r);
			uint64_t c = bin_get64(r);

			if (h != NULL && !r->bad)
				hist_add(h, b, c > UINT32_MAX ? UINT32_MAX :
				    (uint32_t)c);
		}
	}
	return bin_done(r) ? 0 : -1;
}

int
skew_load(struct skew *s, const char *data, size_t len)
{
	struct bin_rd r;

	bin_rd_init(&r, data, len);
	if (load(s, &r, false) == -1)
		return -1;
	bin_rd_init(&r, data, len);
	return load(s, &r, true);
}
