/*
 * lcstore — a logcheck run's reported lines: classified by blocks, kept
 * out of memory, put in logcheck's order (see lcstore.h).
 */
#include "report/lcstore.h"

#include <stdlib.h>
#include <string.h>

#include "classify/lcclass.h"
#include "lib/log.h"
#include "lib/lpipe.h"
#include "lib/str.h"
#include "lib/xmem.h"
#include "report/lcreport.h"

#define BLOCK_BYTES	(1024 * 1024)	/* a block's text, at most */
#define BLOCK_LINES	4096		/* a block's lines with Hyperscan */
#define BLOCK_LINES_RE	65536		/* and with PCRE2 (rule by rule over
					   the block keeps each regex hot) */

/* A block's arrays for bmax lines; own_text: with its own buffer for
 * the lines' text (one thread), else the text is lpipe's. */
static void
block_init(struct lcblock *b, size_t bmax, size_t nc, size_t nv,
    bool own_text)
{
	memset(b, 0, sizeof(*b));
	if (own_text) {
		b->blkcap = BLOCK_BYTES;
		b->blk = xmalloc(b->blkcap);
		b->boff = xreallocarray(NULL, bmax, sizeof(*b->boff));
	}
	b->blen = xreallocarray(NULL, bmax, sizeof(*b->blen));
	b->brlen = xreallocarray(NULL, bmax, sizeof(*b->brlen));
	b->bptr = xreallocarray(NULL, bmax, sizeof(*b->bptr));
	b->alerts = xcalloc(bmax, nc ? nc : 1);
	b->events = xcalloc(bmax, nv ? nv : 1);
	b->mark = xcalloc(bmax, 1);
	b->kind = xcalloc(bmax, 1);
}

static void
block_free(struct lcblock *b)
{
	free(b->blk);
	free(b->boff);
	free(b->blen);
	free(b->brlen);
	free(b->bptr);
	free(b->alerts);
	free(b->events);
	free(b->mark);
	free(b->kind);
	memset(b, 0, sizeof(*b));
}

/* Classifies the lines of b (bptr and blen set) with db (this thread's
 * classifier). */
static void
classify(struct lcdb *db, struct lcblock *b)
{
	size_t i, nc = db->cracking.nfiles, nv = db->violations.nfiles;

	for (i = 0; i < b->bn; i++)
		b->brlen[i] = lcclass_rstrip(b->bptr[i], b->blen[i]);
	memset(b->alerts, 0, b->bn * nc);
	memset(b->events, 0, b->bn * nv);
	memset(b->mark, 0, b->bn);
	memset(b->kind, 0, b->bn);
	b->attack = b->bn > 0 && lcclass_lines(db, b->bptr, b->brlen, b->bn,
	    b->alerts, b->events, b->mark, b->kind);
}

static int	keep_block(struct lcstore *, struct lcblock *);

/* lpipe's walk: classifies a block on either thread (lane 1 is the
 * worker, with lcdb_fork's copy); its results stay in the block's res. */
static void
pipe_walk(void *arg, int lane, struct lpipe_block *pb)
{
	struct lcstore *st = arg;
	struct lcblock *b = pb->res;
	size_t i;

	if (b == NULL) {
		b = pb->res = xmalloc(sizeof(*b));
		block_init(b, st->bmax, st->db->cracking.nfiles,
		    st->db->violations.nfiles, false);
	}
	b->bn = pb->n;
	for (i = 0; i < pb->n; i++) {
		b->bptr[i] = pb->bytes + pb->lines[i].off;
		b->blen[i] = pb->lines[i].len;
	}
	classify(lane == 0 ? st->db : &st->wdb, b);
}

/* lpipe's apply: keeps the classified blocks in input order (this
 * thread). */
static void
pipe_apply(void *arg, struct lpipe_block *pb)
{
	struct lcstore *st = arg;

	if (!st->failed)
		(void)keep_block(st, pb->res);
}

static void
pipe_res_free(void *res)
{
	block_free(res);
	free(res);
}

/* Starts the second thread: the worker classifies the blocks this
 * thread reads; this thread keeps them in order and classifies one
 * itself only when the worker is behind (lib/lpipe). */
static void
start_pipe(struct lcstore *st)
{
	if (lcdb_fork(st->db, &st->wdb) == -1) {
		log_warnx("--threads 2: no second Hyperscan scratch; one thread");
		return;
	}
	st->lp = lpipe_new_sized(pipe_walk, pipe_apply, pipe_res_free, st,
	    st->bmax, BLOCK_BYTES);
	if (st->lp == NULL) {
		log_warnx("--threads 2: no second thread; one thread");
		lcdb_fork_free(&st->wdb);
		return;
	}
	st->threads = 2;
}

/* Applies every block, stops the second thread; its limit_errors join
 * db's. */
static void
stop_pipe(struct lcstore *st)
{
	if (st->lp == NULL)
		return;
	lpipe_free(st->lp);
	st->lp = NULL;
	st->db->limit_errors += st->wdb.limit_errors;
	lcdb_fork_free(&st->wdb);
	st->threads = 1;
}

void
lcstore_init(struct lcstore *st, struct lcdb *db, bool uniq, size_t mem_limit,
    int threads)
{
	size_t nc = db->cracking.nfiles, nv = db->violations.nfiles;

	memset(st, 0, sizeof(*st));
	st->db = db;
	st->uniq = uniq;
	st->bmax = db->use_scan ? BLOCK_LINES : BLOCK_LINES_RE;
	st->stride = nc + nv + 1;
	spill_init(&st->sp, mem_limit);
	st->threads = 1;
	if (threads >= 2)
		start_pipe(st);
	if (st->lp == NULL)
		block_init(&st->b, st->bmax, nc, nv, true);
}

void
lcstore_free(struct lcstore *st)
{
	stop_pipe(st);
	block_free(&st->b);
	spill_free(&st->sp);
	free(st->ent);
	free(st->pat);
	free(st->order);
	memset(st, 0, sizeof(*st));
}

static uint64_t
ent_off(const struct lcstore_ent *e)
{
	return (uint64_t)e->off_hi << 32 | e->off_lo;
}

/* Keeps line i of b (a report may show it); cls as lcstore_ent. */
static int
keep(struct lcstore *st, const struct lcblock *b, size_t i, uint32_t cls)
{
	const char *s = b->bptr[i];
	size_t len = b->blen[i], klen;
	struct lcstore_ent *e;
	uint64_t off;

	if (st->n == UINT32_MAX) {
		log_warnx("more than %u reported lines in one run; check "
		    "fewer files at a time", UINT32_MAX);
		return -1;
	}
	if (spill_add(&st->sp, s, len, &off) == -1)
		return -1;
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 4096;
		st->ent = xreallocarray(st->ent, st->cap, sizeof(*st->ent));
	}
	e = &st->ent[st->n++];
	klen = st->uniq ? len : lcreport_key3(s, len);
	e->off_lo = (uint32_t)off;
	e->off_hi = (uint32_t)(off >> 32);
	e->len = (uint32_t)len;
	e->rlen = (uint32_t)b->brlen[i];
	e->klen = (uint32_t)klen;
	e->cls = cls;
	memset(e->key, 0, sizeof(e->key));
	memcpy(e->key, s, klen < LCSTORE_KEY ? klen : LCSTORE_KEY);
	return 0;
}

/* Keeps what a report can show of the classified block b: system
 * events, and lines with an alert or an event (an event may still be
 * cancelled by an alert later in the run); empties b. */
static int
keep_block(struct lcstore *st, struct lcblock *b)
{
	struct lcdb *db = st->db;
	size_t i, f, nc = db->cracking.nfiles, nv = db->violations.nfiles;

	st->attack = st->attack || b->attack;
	for (i = 0; i < b->bn; i++) {
		const uint8_t *al = b->alerts + i * nc;
		const uint8_t *ev = b->events + i * nv;
		bool any = false;
		uint8_t *p;

		if (b->kind[i] == LC_SYSTEM) {
			if (keep(st, b, i, 0) == -1)
				goto fail;
			continue;
		}
		for (f = 0; f < nc && !any; f++)
			any = al[f] != 0;
		for (f = 0; f < nv && !any; f++)
			any = ev[f] != 0;
		if (!any)
			continue;
		if (st->npat + 1 >= UINT32_MAX) {
			log_warnx("too many flagged lines in one run; check "
			    "fewer files at a time");
			goto fail;
		}
		if (st->npat == st->patcap) {
			st->patcap = st->patcap ? st->patcap * 2 : 64;
			st->pat = xreallocarray(st->pat, st->patcap, st->stride);
		}
		p = st->pat + st->npat * st->stride;
		memcpy(p, al, nc);
		memcpy(p + nc, ev, nv);
		p[nc + nv] = b->mark[i];
		st->npat++;
		if (keep(st, b, i, (uint32_t)st->npat) == -1)
			goto fail;
	}
	b->bn = 0;
	b->blkused = 0;
	return 0;
fail:
	st->failed = true;
	return -1;
}

/* One thread: classifies and keeps the current block. */
static int
flush_block(struct lcstore *st)
{
	struct lcblock *b = &st->b;
	size_t i;

	for (i = 0; i < b->bn; i++)
		b->bptr[i] = b->blk + b->boff[i];
	classify(st->db, b);
	return keep_block(st, b);
}

int
lcstore_add(struct lcstore *st, const char *line, size_t len)
{
	struct lcblock *b = &st->b;

	if (st->failed)
		return -1;
	st->lines++;
	if (st->lp != NULL) {
		lpipe_line(st->lp, line, len, 0);
		return st->failed ? -1 : 0;
	}
	if (b->bn == st->bmax || b->blkcap - b->blkused < len) {
		if (flush_block(st) == -1)
			return -1;
		if (b->blkcap < len) {
			b->blkcap = len;
			b->blk = xreallocarray(b->blk, b->blkcap, 1);
		}
	}
	memcpy(b->blk + b->blkused, line, len);
	b->boff[b->bn] = b->blkused;
	b->blen[b->bn] = len;
	b->blkused += len;
	b->bn++;
	return 0;
}

/* ---- the order: sort -k 1,3 -s, or sort -u (C locale) ---- */

static int
cmp(const struct lcstore_ent *ent, struct spill *sp, uint32_t ia, uint32_t ib)
{
	const struct lcstore_ent *a = &ent[ia], *b = &ent[ib];
	size_t ka = a->klen < LCSTORE_KEY ? a->klen : LCSTORE_KEY;
	size_t kb = b->klen < LCSTORE_KEY ? b->klen : LCSTORE_KEY;
	int r = memcmp(a->key, b->key, ka < kb ? ka : kb);

	if (r != 0)
		return r;
	if (a->klen > LCSTORE_KEY && b->klen > LCSTORE_KEY) {
		/* both keys go on: compare them whole */
		const char *sa = spill_get(sp, ent_off(a), a->klen);
		const char *sb = spill_get(sp, ent_off(b), b->klen);

		if (sa == NULL || sb == NULL)	/* sp->failed tells */
			return 0;
		return str_bytecmp(sa, a->klen, sb, b->klen);
	}
	/* one key is whole and a prefix of the other */
	return a->klen < b->klen ? -1 : a->klen > b->klen;
}

void
lcstore_sort(const struct lcstore_ent *ent, struct spill *sp, uint32_t *v,
    uint32_t *tmp, size_t n)
{
	size_t *runs, nruns = 0, cap = 64, i, r;
	uint32_t *src = v, *dst = tmp, *t;

	if (n < 2)
		return;
	/* the ascending runs already there (input in time order is one run
	 * per month and file); runs[nruns] = n ends the last one */
	runs = xreallocarray(NULL, cap, sizeof(*runs));
	runs[nruns++] = 0;
	for (i = 1; i < n; i++)
		if (cmp(ent, sp, v[i - 1], v[i]) > 0) {
			if (nruns + 1 >= cap) {
				cap *= 2;
				runs = xreallocarray(runs, cap, sizeof(*runs));
			}
			runs[nruns++] = i;
		}
	runs[nruns] = n;
	/* merge neighbours pairwise until one run is left; on a tie the
	 * left run's line comes first (stable) */
	while (nruns > 1) {
		size_t out = 0;

		for (r = 0; r < nruns; r += 2) {
			size_t lo = runs[r], mid, hi, a, b, k;

			if (r + 1 == nruns) {		/* odd one out */
				memcpy(dst + lo, src + lo, (n - lo) * sizeof(*v));
				runs[out++] = lo;
				break;
			}
			mid = runs[r + 1];
			hi = runs[r + 2];
			a = lo;
			b = mid;
			k = lo;
			if (cmp(ent, sp, src[mid - 1], src[mid]) <= 0) {
				memcpy(dst + lo, src + lo, (hi - lo) * sizeof(*v));
				runs[out++] = lo;
				continue;
			}
			while (a < mid && b < hi)
				dst[k++] = cmp(ent, sp, src[b], src[a]) < 0 ?
				    src[b++] : src[a++];
			while (a < mid)
				dst[k++] = src[a++];
			while (b < hi)
				dst[k++] = src[b++];
			runs[out++] = lo;
		}
		runs[out] = n;
		nruns = out;
		t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(runs);
}

int
lcstore_finish(struct lcstore *st)
{
	uint32_t *tmp;
	size_t i, out;

	if (st->failed)
		return -1;
	stop_pipe(st);			/* keeps every block */
	if (st->failed || (st->b.bn > 0 && flush_block(st) == -1))
		return -1;
	if (spill_seal(&st->sp) == -1) {
		st->failed = true;
		return -1;
	}
	/* the blocks are not needed any more */
	block_free(&st->b);
	st->order = xreallocarray(NULL, st->n ? st->n : 1, sizeof(*st->order));
	tmp = xreallocarray(NULL, st->n ? st->n : 1, sizeof(*tmp));
	for (i = 0; i < st->n; i++)
		st->order[i] = (uint32_t)i;
	lcstore_sort(st->ent, &st->sp, st->order, tmp, st->n);
	free(tmp);
	out = st->n;
	if (st->uniq && st->n > 0) {
		/* sort -u: the first of equal lines */
		for (i = 1, out = 1; i < st->n; i++) {
			const struct lcstore_ent *a = &st->ent[st->order[out - 1]];
			const struct lcstore_ent *b = &st->ent[st->order[i]];

			const char *sa, *sb;

			if (a->len == b->len &&
			    (sa = spill_get(&st->sp, ent_off(a), a->len)) != NULL &&
			    (sb = spill_get(&st->sp, ent_off(b), b->len)) != NULL &&
			    memcmp(sa, sb, a->len) == 0)
				continue;
			st->order[out++] = st->order[i];
		}
	}
	st->norder = out;
	if (st->sp.failed) {
		st->failed = true;
		return -1;
	}
	return 0;
}

static const uint8_t *
src_cls(void *arg, size_t i)
{
	const struct lcstore *st = arg;
	uint32_t c = st->ent[st->order[i]].cls;

	return c == 0 ? NULL : st->pat + (size_t)(c - 1) * st->stride;
}

static const char *
src_line(void *arg, size_t i, size_t *len)
{
	struct lcstore *st = arg;
	const struct lcstore_ent *e = &st->ent[st->order[i]];

	const char *s = spill_get(&st->sp, ent_off(e), e->rlen);

	if (s == NULL) {		/* warned; lcstore_failed tells */
		st->failed = true;
		*len = 0;
		return "";
	}
	*len = e->rlen;
	return s;
}

enum lc_section_kind
lcstore_write(struct lcstore *st, FILE *fp, const struct lcreport_opts *ro,
    void (*preface)(enum lc_section_kind, void *), void *arg)
{
	struct lcreport_src src;

	src.n = st->norder;
	src.attack = st->attack;
	src.cls = src_cls;
	src.line = src_line;
	src.arg = st;
	return lcreport_emit(st->db, fp, &src, ro, preface, arg);
}

bool
lcstore_failed(const struct lcstore *st)
{
	return st->failed;
}
