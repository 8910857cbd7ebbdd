/*
 * sumstore — the bounded counts of a summary (see sumstore.h).
 */
#include "queue/sumstore.h"

#include <stdlib.h>
#include <string.h>

#include "lib/bin.h"
#include "lib/xmem.h"

#define HLL_BITS	10
#define HLL_REGS	(1u << HLL_BITS)
#define SAVE_MAGIC	"LWSUM1\n"
/* bytes per row beyond its key: the map slot (32, a quarter to a half of
 * the slots in use), the key's and the row's allocations (measured: 400k
 * rows of a 28-byte key took 180 bytes each) */
#define ROW_OVERHEAD	160

/* ---- distinct-count estimate of what a cap held back ---- */

static uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static void
hll_add(uint8_t **hll, const void *p, size_t n)
{
	uint64_t h = mix(map_hash(p, n));
	unsigned idx = (unsigned)(h >> (64 - HLL_BITS));
	uint64_t rest = h << HLL_BITS;
	uint8_t rank = 1;

	if (*hll == NULL)
		*hll = xcalloc(HLL_REGS, 1);
	while (rank <= 64 - HLL_BITS && !(rest & (1ULL << 63))) {
		rank++;
		rest <<= 1;
	}
	if (rank > (*hll)[idx])
		(*hll)[idx] = rank;
}

/* Natural logarithm of x >= 1 (no libm): x = 2^k * y, y in [1, 2). */
static double
ln(double x)
{
	double t, t2, term, sum = 0;
	int k = 0, i;

	while (x >= 2) {
		x /= 2;
		k++;
	}
	t = (x - 1) / (x + 1);
	t2 = t * t;
	term = t;
	for (i = 1; i < 40; i += 2) {
		sum += term / i;
		term *= t2;
	}
	return k * 0.69314718055994530942 + 2 * sum;
}

uint64_t
sumstore_estimate(const uint8_t *hll)
{
	double sum = 0, m = HLL_REGS, est;
	unsigned i, zeros = 0;

	if (hll == NULL)
		return 0;
	for (i = 0; i < HLL_REGS; i++) {
		sum += 1.0 / (double)(1ULL << hll[i]);
		zeros += hll[i] == 0;
	}
	est = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
	if (est <= 2.5 * m && zeros > 0)
		est = m * ln(m / zeros);	/* small range: linear counting */
	return (uint64_t)(est + 0.5);
}

/* ---- keys ---- */

void
sumstore_key_add(struct buf *b, const char *v, size_t n)
{
	unsigned char len[2];

	if (n > SUMSTORE_VALUE_MAX)
		n = SUMSTORE_VALUE_MAX;
	/* n < 2^14: one or two bytes of 7 bits, low bits first */
	len[0] = (unsigned char)(n & 0x7f);
	if (n < 0x80) {
		buf_add(b, len, 1);
	} else {
		len[0] |= 0x80;
		len[1] = (unsigned char)(n >> 7);
		buf_add(b, len, 2);
	}
	buf_add(b, v, n);
}

bool
sumstore_key_next(const char *key, size_t klen, size_t *pos, const char **v,
    size_t *n)
{
	const unsigned char *p = (const unsigned char *)key;
	size_t i = *pos, len = 0;
	unsigned shift = 0;

	if (i >= klen)
		return false;
	do {
		len |= (size_t)(p[i] & 0x7f) << shift;
		shift += 7;
	} while ((p[i++] & 0x80) && i < klen && shift < 21);
	if (len > klen - i)
		len = klen - i;
	*v = key + i;
	*n = len;
	*pos = i + len;
	return true;
}

/* ---- the store ---- */

/* Whether a new row of klen bytes would pass the memory cap. */
static bool
over_memory(const struct sumstore *s, size_t klen)
{
	return s->max_mem != 0 && s->mem + klen + ROW_OVERHEAD > s->max_mem;
}

void
sumstore_init(struct sumstore *s, size_t nsvcs, const size_t *nfacts,
    size_t max_keys, size_t max_unmatched)
{
	size_t i, j;

	memset(s, 0, sizeof(*s));
	s->svcs = xcalloc(nsvcs + 1, sizeof(*s->svcs));
	s->nsvcs = nsvcs;
	s->max_keys = max_keys;
	s->max_unmatched = max_unmatched;
	for (i = 0; i < nsvcs; i++) {
		struct sumstore_svc *v = &s->svcs[i];

		map_init(&v->unm);
		v->facts = xcalloc(nfacts[i] + 1, sizeof(*v->facts));
		v->nfacts = nfacts[i];
		for (j = 0; j < nfacts[i]; j++)
			map_init(&v->facts[j].rows);
	}
}

static void
clear_svc(struct sumstore_svc *v, bool keep)
{
	const struct map_slot *ms;
	size_t j, i;

	for (j = 0; j < v->nfacts; j++) {
		struct sumstore_fact *f = &v->facts[j];

		for (i = 0; map_next(&f->rows, &i, &ms);)
			free(ms->val);
		if (keep)
			map_clear(&f->rows);
		else
			map_free(&f->rows);
		free(f->hll);
		f->hll = NULL;
		f->total = f->bytes = f->folded = f->folded_bytes = 0;
	}
	for (i = 0; map_next(&v->unm, &i, &ms);)
		free(ms->val);
	if (keep)
		map_clear(&v->unm);
	else
		map_free(&v->unm);
	free(v->unm_hll);
	v->unm_hll = NULL;
	v->lines = v->ignored = v->unmatched = v->unm_folded = 0;
	memset(v->hours, 0, sizeof(v->hours));
}

void
sumstore_free(struct sumstore *s)
{
	size_t i;

	for (i = 0; i < s->nsvcs; i++) {
		clear_svc(&s->svcs[i], false);
		free(s->svcs[i].facts);
	}
	free(s->svcs);
	memset(s, 0, sizeof(*s));
}

void
sumstore_clear(struct sumstore *s)
{
	size_t i;

	for (i = 0; i < s->nsvcs; i++)
		clear_svc(&s->svcs[i], true);
	s->first = s->last = 0;
	s->lines = 0;
	s->mem = 0;
}

void
sumstore_set_memory(struct sumstore *s, uint64_t bytes)
{
	s->max_mem = bytes;
}

bool
sumstore_fact_by_memory(const struct sumstore *s, const struct sumstore_fact *sf)
{
	/* a fold with room under max_keys can only come from the memory cap
	 * (rows are never dropped before a clear) */
	return s->max_mem != 0 && sf->folded > 0 && sf->rows.len < s->max_keys;
}

bool
sumstore_unm_by_memory(const struct sumstore *s, const struct sumstore_svc *v)
{
	return s->max_mem != 0 && v->unm_folded > 0 &&
	    v->unm.len < s->max_unmatched;
}

bool
sumstore_empty(const struct sumstore *s)
{
	return s->lines == 0;
}

void
sumstore_line(struct sumstore *s, size_t svc, time_t t, uint64_t n)
{
	struct sumstore_svc *v = &s->svcs[svc];

	v->lines += n;
	s->lines += n;
	if (t > 0) {
		if (s->first == 0 || t < s->first)
			s->first = t;
		if (t > s->last)
			s->last = t;
		/* localtime_r once per hour of log time, not per line */
		if (t < s->hour_start || t >= s->hour_start + 3600) {
			struct tm tm;

			localtime_r(&t, &tm);
			s->hour = tm.tm_hour;
			s->hour_start = t - tm.tm_min * 60 - tm.tm_sec;
		}
		v->hours[s->hour] += n;
	}
}

void
sumstore_count(struct sumstore *s, size_t svc, size_t f, const char *key,
    size_t klen, uint64_t n, uint64_t bytes)
{
	struct sumstore_fact *sf = &s->svcs[svc].facts[f];
	struct sumstore_row *row;
	void **slot;

	sf->total += n;
	sf->bytes += bytes;
	row = map_get(&sf->rows, key, klen);
	if (row == NULL) {
		if (sf->rows.len >= s->max_keys || over_memory(s, klen)) {
			sf->folded += n;
			sf->folded_bytes += bytes;
			hll_add(&sf->hll, key, klen);
			return;
		}
		slot = map_put(&sf->rows, key, klen);
		row = *slot = xcalloc(1, sizeof(*row));
		s->mem += klen + ROW_OVERHEAD;
	}
	row->count += n;
	row->bytes += bytes;
}

void
sumstore_ignored(struct sumstore *s, size_t svc, uint64_t n)
{
	s->svcs[svc].ignored += n;
}

void
sumstore_unmatched(struct sumstore *s, size_t svc, const char *text,
    size_t len, uint64_t n)
{
	struct sumstore_svc *v = &s->svcs[svc];
	uint64_t *cnt;
	void **slot;

	if (len > SUMSTORE_TEXT_MAX)
		len = SUMSTORE_TEXT_MAX;
	v->unmatched += n;
	cnt = map_get(&v->unm, text, len);
	if (cnt == NULL) {
		if (v->unm.len >= s->max_unmatched || over_memory(s, len)) {
			v->unm_folded += n;
			hll_add(&v->unm_hll, text, len);
			return;
		}
		slot = map_put(&v->unm, text, len);
		cnt = *slot = xcalloc(1, sizeof(*cnt));
		s->mem += len + ROW_OVERHEAD;
	}
	*cnt += n;
}

/* ---- saving ---- */

static void
put_hll(struct buf *b, const uint8_t *hll)
{
	bin_put64(b, hll != NULL);
	if (hll != NULL)
		buf_add(b, hll, HLL_REGS);
}

void
sumstore_save(const struct sumstore *s, struct buf *out,
    const char *const *svc_ids, const char *const *const *fact_ids)
{
	const struct map_slot *ms;
	size_t i, j, k;

	buf_add(out, SAVE_MAGIC, strlen(SAVE_MAGIC));
	bin_put64(out, (uint64_t)s->first);
	bin_put64(out, (uint64_t)s->last);
	bin_put64(out, s->nsvcs);
	for (i = 0; i < s->nsvcs; i++) {
		const struct sumstore_svc *v = &s->svcs[i];

		bin_putblob(out, svc_ids[i], strlen(svc_ids[i]));
		bin_put64(out, v->lines);
		bin_put64(out, v->ignored);
		bin_put64(out, v->unmatched);
		bin_put64(out, v->unm_folded);
		for (j = 0; j < 24; j++)
			bin_put64(out, v->hours[j]);
		put_hll(out, v->unm_hll);
		bin_put64(out, v->unm.len);
		for (k = 0; map_next(&v->unm, &k, &ms);) {
			bin_putblob(out, ms->key, ms->klen);
			bin_put64(out, *(const uint64_t *)ms->val);
		}
		bin_put64(out, v->nfacts);
		for (j = 0; j < v->nfacts; j++) {
			const struct sumstore_fact *f = &v->facts[j];

			bin_putblob(out, fact_ids[i][j], strlen(fact_ids[i][j]));
			bin_put64(out, f->total);
			bin_put64(out, f->bytes);
			bin_put64(out, f->folded);
			bin_put64(out, f->folded_bytes);
			put_hll(out, f->hll);
			bin_put64(out, f->rows.len);
			for (k = 0; map_next(&f->rows, &k, &ms);) {
				const struct sumstore_row *r = ms->val;

				bin_putblob(out, ms->key, ms->klen);
				bin_put64(out, r->count);
				bin_put64(out, r->bytes);
			}
		}
	}
}

/* ---- loading ---- */

/* A string as bin_putblob wrote it; "" when the data is short (r->bad
 * tells). */
static const char *
get_str(struct bin_rd *r, size_t *n)
{
	const char *s = bin_getblob(r, n);

	return s != NULL ? s : "";
}

static const uint8_t *
get_hll(struct bin_rd *r)
{
	if (bin_get64(r) == 0)
		return NULL;
	return (const uint8_t *)bin_getbytes(r, HLL_REGS);
}

static void
hll_merge(uint8_t **dst, const uint8_t *src)
{
	unsigned i;

	if (src == NULL)
		return;
	if (*dst == NULL)
		*dst = xcalloc(HLL_REGS, 1);
	for (i = 0; i < HLL_REGS; i++)
		if (src[i] > (*dst)[i])
			(*dst)[i] = src[i];
}

static long
find_id(const char *const *ids, size_t n, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(ids[i]) == len && memcmp(ids[i], p, len) == 0)
			return (long)i;
	return -1;
}

/* One pass over the saved data; with apply false only checks it. */
static int
load(struct sumstore *s, struct bin_rd *r, bool apply, const char *const *svc_ids,
    const size_t *nfacts, const char *const *const *fact_ids,
    uint64_t *dropped)
{
	const char *magic = bin_getbytes(r, strlen(SAVE_MAGIC));
	uint64_t first, last, nsv, i, j, k, n;

	if (magic == NULL || memcmp(magic, SAVE_MAGIC, strlen(SAVE_MAGIC)) != 0)
		return -1;
	first = bin_get64(r);
	last = bin_get64(r);
	nsv = bin_get64(r);
	if (apply) {
		if (first != 0 && (s->first == 0 || (time_t)first < s->first))
			s->first = (time_t)first;
		if ((time_t)last > s->last)
			s->last = (time_t)last;
	}
	for (i = 0; i < nsv && !r->bad; i++) {
		size_t idlen;
		const char *id = get_str(r, &idlen);
		long si = find_id(svc_ids, s->nsvcs, id, idlen);
		struct sumstore_svc *v = si >= 0 ? &s->svcs[si] : NULL;
		uint64_t lines = bin_get64(r), ign = bin_get64(r), unm = bin_get64(r),
		    unmf = bin_get64(r), hours[24];
		const uint8_t *hll;

		for (j = 0; j < 24; j++)
			hours[j] = bin_get64(r);
		hll = get_hll(r);
		if (apply && v != NULL) {
			v->lines += lines;
			s->lines += lines;
			v->ignored += ign;
			v->unmatched += unm;
			v->unm_folded += unmf;
			for (j = 0; j < 24; j++)
				v->hours[j] += hours[j];
			hll_merge(&v->unm_hll, hll);
		} else if (apply)
			*dropped += lines;
		n = bin_get64(r);
		for (k = 0; k < n && !r->bad; k++) {
			size_t tl;
			const char *t = get_str(r, &tl);
			uint64_t c = bin_get64(r);

			if (apply && v != NULL && !r->bad) {
				/* past the cap: fold (unmatched already counted) */
				uint64_t *cnt = map_get(&v->unm, t, tl);

				if (cnt == NULL && (v->unm.len >=
				    s->max_unmatched || over_memory(s, tl))) {
					v->unm_folded += c;
					hll_add(&v->unm_hll, t, tl);
					continue;
				}
				if (cnt == NULL) {
					cnt = *map_put(&v->unm, t, tl) =
					    xcalloc(1, sizeof(*cnt));
					s->mem += tl + ROW_OVERHEAD;
				}
				*cnt += c;
			}
		}
		n = bin_get64(r);
		for (j = 0; j < n && !r->bad; j++) {
			size_t fl;
			const char *fid = get_str(r, &fl);
			long fi = v != NULL ? find_id(fact_ids[si], nfacts[si], fid,
			    fl) : -1;
			struct sumstore_fact *f = fi >= 0 ? &v->facts[fi] : NULL;
			uint64_t tot = bin_get64(r), by = bin_get64(r), fo = bin_get64(r),
			    fob = bin_get64(r), nrows;
			const uint8_t *fh = get_hll(r);

			if (apply && f != NULL) {
				f->total += tot - fo;	/* rows re-add the rest */
				f->bytes += by - fob;
				f->folded += fo;
				f->folded_bytes += fob;
				f->total += fo;
				f->bytes += fob;
				hll_merge(&f->hll, fh);
			} else if (apply && v != NULL)
				*dropped += tot;
			nrows = bin_get64(r);
			for (k = 0; k < nrows && !r->bad; k++) {
				size_t kl;
				const char *key = get_str(r, &kl);
				uint64_t c = bin_get64(r), b = bin_get64(r);

				if (apply && f != NULL && !r->bad) {
					/* sumstore_count adds to total again:
					 * take it back first */
					f->total -= c;
					f->bytes -= b;
					sumstore_count(s, (size_t)si, (size_t)fi,
					    key, kl, c, b);
				}
			}
		}
	}
	if (!bin_done(r))
		return -1;
	return 0;
}

int
sumstore_load(struct sumstore *s, const char *data, size_t len,
    const char *const *svc_ids, const size_t *nfacts,
    const char *const *const *fact_ids, uint64_t *dropped)
{
	struct bin_rd r;

	*dropped = 0;
	bin_rd_init(&r, data, len);
	if (load(s, &r, false, svc_ids, nfacts, fact_ids, dropped) == -1)
		return -1;
	bin_rd_init(&r, data, len);
	return load(s, &r, true, svc_ids, nfacts, fact_ids, dropped);
}
