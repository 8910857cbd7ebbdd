/*
 * sumclass — summary classification (see sumclass.h).
 */
#include "classify/sumclass.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify/sumlit.h"
#include "conf/conf.h"
#include "lib/log.h"
#include "lib/match.h"
#include "lib/xmem.h"

/* The previous line of a host that belonged to a service. */
struct sumclass_last {
	char		*prog;		/* owned copy, NULL when none */
	size_t		 proglen;
	char		*msg;		/* owned copy of its message */
	size_t		 msglen;
	size_t		 cap;		/* bytes allocated for msg */
};

static void
add_prog(struct sumclass *k, const char *name, size_t svc)
{
	size_t len = strlen(name), i;
	uintptr_t v;
	void **slot;

	if (len > 0 && (name[len - 1] == '*' || name[0] == '*')) {
		/* a prefix ("postfix/" then a star) or a suffix ("(pam_unix)") */
		k->pfx_svc = xreallocarray(k->pfx_svc, k->npfx + 1, sizeof(*k->pfx_svc));
		k->pfx = xreallocarray(k->pfx, k->npfx + 1, sizeof(*k->pfx));
		k->pfxlen = xreallocarray(k->pfxlen, k->npfx + 1, sizeof(*k->pfxlen));
		k->sfx = xreallocarray(k->sfx, k->npfx + 1, sizeof(*k->sfx));
		k->pfx_svc[k->npfx] = svc;
		k->sfx[k->npfx] = name[0] == '*';
		k->pfx[k->npfx] = (char *)name + (name[0] == '*');
		k->pfxlen[k->npfx] = len - 1;
		k->npfx++;
		return;
	}
	slot = map_put(&k->progs, name, len);
	v = (uintptr_t)*slot;
	if (v == 0) {
		k->plist = xreallocarray(k->plist, k->nprog + 1, sizeof(*k->plist));
		k->nplist = xreallocarray(k->nplist, k->nprog + 1, sizeof(*k->nplist));
		k->plist[k->nprog] = NULL;
		k->nplist[k->nprog] = 0;
		v = ++k->nprog;
		*slot = (void *)v;
	}
	for (i = 0; i < k->nplist[v - 1]; i++)
		if (k->plist[v - 1][i] == svc)
			return;
	k->plist[v - 1] = xreallocarray(k->plist[v - 1], k->nplist[v - 1] + 1,
	    sizeof(**k->plist));
	k->plist[v - 1][k->nplist[v - 1]++] = svc;
}

uint64_t
sumclass_memory(const struct conf *c, bool alone)
{
	if (c->max_memory == 0 || c->summary == NULL ||
	    (!alone && c->summary->nqueues == 0))
		return 0;
	/* the stores get half of the summary's part: rendering a report
	 * builds a sorted tree of the rows that takes about as much again */
	return (alone ? c->max_memory / 2 : c->max_memory / 8) / 2;
}

void
sumclass_init(struct sumclass *k, const struct sum_conf *sc)
{
	size_t i, j, w = 0, r = 0;

	memset(k, 0, sizeof(*k));
	k->sc = sc;
	map_init(&k->progs);
	map_init(&k->hosts);
	sumclass_ops_init(&k->ops);
	sumclass_ops_init(&k->lastops);
	sumclass_lane_init(k, &k->lane);
	if (sc == NULL)
		return;
	k->rbase = xcalloc(sc->nsvcs + 1, sizeof(*k->rbase));
	for (i = 0; i < sc->nsvcs; i++) {
		const struct sum_service *sv = &sc->svcs[i];

		for (j = 0; j < sv->nprogs; j++)
			add_prog(k, sv->progs[j], i);
		k->nwhere += sv->nwhere;
		k->rbase[i] = k->nrules;
		k->nrules += sv->nrules;
	}
	k->rbase[sc->nsvcs] = k->nrules;
	k->wsvc = xcalloc(k->nwhere + 1, sizeof(*k->wsvc));
	k->wre = xcalloc(k->nwhere + 1, sizeof(*k->wre));
	k->needcap = xcalloc(k->nrules + 1, sizeof(*k->needcap));
	k->wlit = xcalloc(k->nwhere + 1, sizeof(*k->wlit));
	k->rlit = xcalloc(k->nrules + 1, sizeof(*k->rlit));
	for (i = 0; i < sc->nsvcs; i++) {
		const struct sum_service *sv = &sc->svcs[i];

		for (j = 0; j < sv->nwhere; j++, w++) {
			k->wsvc[w] = i;
			k->wre[w] = &sv->where[j];
			sumlit_extract(&k->wlit[w], sv->where[j].src);
		}
		for (j = 0; j < sv->nrules; j++, r++) {
			const struct sum_rule *ru = &sv->rules[j];
			size_t p;

			sumlit_extract(&k->rlit[r], ru->re.src);
			if (ru->kind == SUMR_IGNORE)
				continue;
			k->needcap[r] = ru->bytescap != 0 || ru->timescap != 0;
			for (p = 0; p < (ru->key != NULL ? ru->key :
			    &sv->facts[ru->fact])->nparts; p++)
				if (ru->cap[p] > 0)
					k->needcap[r] = true;
		}
	}
	/* per service and first byte of a message: the rules that can take
	 * it (those whose literal prefix starts with that byte, and those
	 * without one), in file order */
	k->byfirst = xcalloc(sc->nsvcs + 1, sizeof(*k->byfirst));
	k->firstoff = xcalloc((sc->nsvcs + 1) * 257, sizeof(*k->firstoff));
	for (i = 0; i < sc->nsvcs; i++) {
		const struct sum_service *sv = &sc->svcs[i];
		uint32_t *off = &k->firstoff[i * 257];
		size_t b, m = 0;

		k->byfirst[i] = xcalloc(256 * sv->nrules + 1, sizeof(**k->byfirst));
		for (b = 0; b < 256; b++) {
			off[b] = (uint32_t)m;
			for (j = 0; j < sv->nrules; j++) {
				const struct sumlit *l = &k->rlit[k->rbase[i] + j];

				if (l->plen == 0 || (unsigned char)l->prefix[0] == b)
					k->byfirst[i][m++] = (uint32_t)j;
			}
		}
		off[256] = (uint32_t)m;
	}
}

void
sumclass_free(struct sumclass *k)
{
	const struct map_slot *ms;
	size_t i;

	for (i = 0; map_next(&k->hosts, &i, &ms);) {
		struct sumclass_last *l = ms->val;

		free(l->prog);
		free(l->msg);
		free(l);
	}
	map_free(&k->hosts);
	map_free(&k->progs);
	for (i = 0; i < k->nprog; i++)
		free(k->plist[i]);
	free(k->plist);
	free(k->nplist);
	free(k->pfx_svc);
	free(k->pfx);
	free(k->pfxlen);
	free(k->sfx);
	free(k->wsvc);
	free(k->wre);
	free(k->rbase);
	free(k->needcap);
	free(k->wlit);
	free(k->rlit);
	for (i = 0; k->byfirst != NULL && i < k->sc->nsvcs; i++)
		free(k->byfirst[i]);
	free(k->byfirst);
	free(k->firstoff);
	sumclass_lane_free(&k->lane);
	sumclass_ops_free(&k->ops);
	sumclass_ops_free(&k->lastops);
	memset(k, 0, sizeof(*k));
}

void
sumclass_lane_init(const struct sumclass *k, struct sumclass_lane *ln)
{
	ln->cand = xcalloc(k->sc != NULL ? k->sc->nsvcs + 1 : 1,
	    sizeof(*ln->cand));
	buf_init(&ln->key, 1 << 20);
	buf_init(&ln->inner, 1 << 20);
}

void
sumclass_lane_free(struct sumclass_lane *ln)
{
	free(ln->cand);
	buf_free(&ln->key);
	buf_free(&ln->inner);
	memset(ln, 0, sizeof(*ln));
}

void
sumclass_ops_init(struct sumclass_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
	buf_init(&ops->keys, SIZE_MAX / 4);
}

void
sumclass_ops_reset(struct sumclass_ops *ops)
{
	ops->n = 0;
	buf_reset(&ops->keys);
}

void
sumclass_ops_free(struct sumclass_ops *ops)
{
	free(ops->v);
	buf_free(&ops->keys);
	memset(ops, 0, sizeof(*ops));
}

static struct sumop *
op_add(struct sumclass_ops *ops, enum sumop_kind kind, size_t svc, uint64_t w)
{
	struct sumop *o;

	if (ops->n == ops->cap) {
		ops->cap = ops->cap ? ops->cap * 2 : 64;
		ops->v = xreallocarray(ops->v, ops->cap, sizeof(*ops->v));
	}
	o = &ops->v[ops->n++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->svc = (uint32_t)svc;
	o->w = w;
	return o;
}

/* ---- time ---- */

static int
two(const char *p)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* "[dd/Mon/yyyy:hh:mm:ss +hhmm]" somewhere in the first 200 bytes. */
static time_t
clf_time(const char *s, size_t n)
{
	const char *p = memchr(s, '[', n < 200 ? n : 200);
	struct tm tm;
	int mon, off, d, y1, y2;
	time_t t;

	if (p == NULL || (size_t)(s + n - p) < 28 || p[3] != '/' || p[7] != '/' ||
	    p[12] != ':' || p[15] != ':' || p[18] != ':' || p[21] != ' ' ||
	    (p[22] != '+' && p[22] != '-') || p[27] != ']')
		return (time_t)-1;
	memset(&tm, 0, sizeof(tm));
	mon = record_month(p + 4);
	d = two(p + 1);
	y1 = two(p + 8);
	y2 = two(p + 10);
	tm.tm_hour = two(p + 13);
	tm.tm_min = two(p + 16);
	tm.tm_sec = two(p + 19);
	off = two(p + 23) * 3600 + two(p + 25) * 60;
	if (mon == 0 || d < 1 || y1 < 0 || y2 < 0 || tm.tm_hour < 0 ||
	    tm.tm_min < 0 || tm.tm_sec < 0 || off < 0 || two(p + 23) > 23)
		return (time_t)-1;
	tm.tm_mday = d;
	tm.tm_mon = mon - 1;
	tm.tm_year = y1 * 100 + y2 - 1900;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return t;
	return p[22] == '+' ? t - off : t + off;
}

time_t
sumclass_time(const struct record *r, time_t now)
{
	if (r->format != REC_NONE)
		return record_time(r, now);
	return clf_time(r->line, r->len);
}

/* ---- classification ---- */

/* The message after "prog[pid]: " (RFC 5424: MSG without a BOM). */
static void
body(const struct record *r, const char **b, size_t *n)
{
	const char *p, *e = r->msg + r->msglen;

	if (r->format == REC_RFC5424 || r->prog == NULL ||
	    r->prog < r->msg || r->prog >= e) {
		p = r->msg;
		if (r->format == REC_RFC5424 && r->msglen >= 3 &&
		    memcmp(p, "\xEF\xBB\xBF", 3) == 0)
			p += 3;
		*b = p;
		*n = (size_t)(e - p);
		return;
	}
	p = r->prog + r->proglen;
	if (p < e && *p == '[') {
		const char *q = memchr(p, ']', (size_t)(e - p));

		p = q != NULL ? q + 1 : e;
	}
	if (p < e && *p == ':')
		p++;
	if (p < e && (*p == ' ' || *p == '\t'))
		p++;
	*b = p;
	*n = (size_t)(e - p);
}

static void
add_cand(struct sumclass_lane *ln, size_t *n, size_t svc)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (ln->cand[i] == svc)
			return;
	ln->cand[(*n)++] = svc;
}

/* The services of a line into ln->cand (definition order); returns how
 * many. */
static size_t
candidates(const struct sumclass *k, struct sumclass_lane *ln,
    const char *prog, size_t proglen, const char *msg, size_t msglen)
{
	size_t n = 0, i, j;

	if (prog != NULL) {
		uintptr_t v = (uintptr_t)map_get(&k->progs, prog, proglen);

		if (v != 0)
			for (j = 0; j < k->nplist[v - 1]; j++)
				add_cand(ln, &n, k->plist[v - 1][j]);
		for (i = 0; i < k->npfx; i++)
			if (proglen >= k->pfxlen[i] && memcmp(k->sfx[i] ?
			    prog + proglen - k->pfxlen[i] : prog, k->pfx[i],
			    k->pfxlen[i]) == 0)
				add_cand(ln, &n, k->pfx_svc[i]);
	}
	for (i = 0; i < k->nwhere; i++)
		if (sumlit_may_match(&k->wlit[i], msg, msglen) &&
		    match_test(k->wre[i], msg, msglen, NULL) == MATCH_YES)
			add_cand(ln, &n, k->wsvc[i]);
	if (n > 1) {	/* definition order */
		for (i = 1; i < n; i++) {
			size_t v = ln->cand[i];

			for (j = i; j > 0 && ln->cand[j - 1] > v; j--)
				ln->cand[j] = ln->cand[j - 1];
			ln->cand[j] = v;
		}
	}
	return n;
}

static uint64_t
number(const char *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n && i < 19 && p[i] >= '0' && p[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(p[i] - '0');
	return v;
}

/* Builds the key of rule ru (just matched, captures in the ovector) in
 * ln->key; sets *bytes. */
static void
make_key(struct sumclass_lane *ln, const struct sum_fact *f, const struct sum_rule *ru,
    const char *msg, const char *host, size_t hostlen, const char *prog,
    size_t proglen, bool have_ov, uint64_t *bytes)
{
	const PCRE2_SIZE *ov = NULL;
	uint32_t np = 0;
	size_t l, j, pi = 0;
	struct buf *b = &ln->inner;	/* one level's value */

	if (have_ov)
		ov = match_ovector(&np);
	if (ru->key != NULL)
		f = ru->key;
	buf_reset(&ln->key);
	for (l = 0; l < f->nlevels; l++) {
		const struct sum_level *lv = &f->levels[l];

		buf_reset(b);
		for (j = 0; j < lv->nparts; j++, pi++) {
			int c = ru->cap[pi];

			if (c == SUM_PART_LIT)
				buf_add(b, lv->parts[j].text, lv->parts[j].len);
			else if (c == SUM_PART_HOST)
				buf_add(b, host != NULL ? host : "-",
				    host != NULL ? hostlen : 1);
			else if (c == SUM_PART_PROG)
				buf_add(b, prog != NULL ? prog : "-",
				    prog != NULL ? proglen : 1);
			else if (c == SUM_PART_PROGBASE) {
				size_t m = 0;

				while (prog != NULL && m < proglen && prog[m] != '(' &&
				    prog[m] != '/')
					m++;
				buf_add(b, prog != NULL ? prog : "-", prog != NULL ? m : 1);
			}
			else if (c > 0 && ov != NULL && (uint32_t)c < np &&
			    ov[2 * c] != PCRE2_UNSET && ov[2 * c + 1] > ov[2 * c])
				buf_add(b, msg + ov[2 * c], ov[2 * c + 1] - ov[2 * c]);
			else if (lv->parts[j].dflt != NULL)
				buf_add(b, lv->parts[j].dflt, lv->parts[j].dlen);
		}
		sumstore_key_add(&ln->key, b->data != NULL ? b->data : "", b->len);
	}
	*bytes = 0;
	if (ru->bytescap > 0 && ov != NULL && (uint32_t)ru->bytescap < np &&
	    ov[2 * ru->bytescap] != PCRE2_UNSET)
		*bytes = number(msg + ov[2 * ru->bytescap],
		    ov[2 * ru->bytescap + 1] - ov[2 * ru->bytescap]);
}

/* Whether the program is one of the rule's prog= (a name with '/' or
 * '(' is compared with the whole program, others with its part up to
 * the first '(' or '/'). */
static bool
prog_in(const struct sum_rule *ru, const char *prog, size_t proglen)
{
	size_t m = 0, i;

	if (prog == NULL)
		return false;
	while (m < proglen && prog[m] != '(' && prog[m] != '/')
		m++;
	for (i = 0; i < ru->nprogs; i++) {
		const char *p = ru->progs[i];
		size_t n = strlen(p), want = strpbrk(p, "/(") != NULL ? proglen : m;

		if (n == want && memcmp(p, prog, n) == 0)
			return true;
	}
	return false;
}

static bool
wanted(const struct sumclass_target *tg, size_t ntg, size_t svc)
{
	size_t i;

	for (i = 0; i < ntg; i++)
		if (tg[i].want == NULL || tg[i].want[svc])
			return true;
	return false;
}

/* Classifies one message of a program (n lines' worth): what the
 * stores must do goes to ops. */
static bool
classify(const struct sumclass *k, struct sumclass_lane *ln, const char *host,
    size_t hostlen, const char *prog, size_t proglen, const char *msg,
    size_t msglen, uint64_t n, const struct sumclass_target *tg, size_t ntg,
    struct sumclass_ops *ops)
{
	const struct sum_conf *sc = k->sc;
	size_t nc, ci;

	nc = candidates(k, ln, prog, proglen, msg, msglen);
	if (nc == 0)
		return false;
	for (ci = 0; ci < nc; ci++) {
		size_t svc = ln->cand[ci];
		const struct sum_service *sv = &sc->svcs[svc];
		bool taken = false;
		struct sumop *o;

		if (!wanted(tg, ntg, svc))
			continue;
		op_add(ops, SUMOP_LINE, svc, n);
		const uint32_t *off = &k->firstoff[svc * 257];
		unsigned char first = msglen > 0 ? (unsigned char)msg[0] : 0;
		uint32_t ri;

		for (ri = off[first]; ri < off[first + 1]; ri++) {
			size_t i = k->byfirst[svc][ri];
			const struct sum_rule *ru = &sv->rules[i];
			size_t id = k->rbase[svc] + i;
			enum match_result mr;
			bool have_ov = false;
			uint64_t bytes, w;

			if (!sumlit_may_match(&k->rlit[id], msg, msglen))
				continue;
			if (ru->nprogs > 0 && !prog_in(ru, prog, proglen))
				continue;
			if (k->needcap[id]) {
				mr = match_exec(&ru->re, msg, msglen, NULL);
				have_ov = mr == MATCH_YES;
			} else
				mr = match_test(&ru->re, msg, msglen, NULL);
			if (mr == MATCH_ERROR)
				op_add(ops, SUMOP_ERROR, svc, 0);
			if (mr != MATCH_YES)
				continue;
			if (ru->timescap > 0 && have_ov) {
				/* "PAM 5 more authentication failures": 5 */
				uint32_t np;
				const PCRE2_SIZE *ov = match_ovector(&np);
				int c = ru->timescap;

				w = (uint32_t)c < np && ov[2 * c] != PCRE2_UNSET ?
				    n * number(msg + ov[2 * c], ov[2 * c + 1] -
				    ov[2 * c]) : n;
			} else
				w = n;
			if (ru->kind == SUMR_IGNORE) {
				/* after an also rule counted it, it is counted */
				if (taken)
					break;
				taken = true;
				op_add(ops, SUMOP_IGNORED, svc, w);
				break;
			}
			taken = true;
			make_key(ln, &sv->facts[ru->fact], ru, msg, host, hostlen,
			    prog, proglen, have_ov, &bytes);
			o = op_add(ops, SUMOP_COUNT, svc, w);
			o->fact = (uint32_t)ru->fact;
			o->bytes = bytes * n;
			o->koff = ops->keys.len;
			o->klen = ln->key.len;
			buf_add(&ops->keys, ln->key.data, ln->key.len);
			if (ru->kind == SUMR_COUNT)
				break;
		}
		if (!taken) {
			o = op_add(ops, SUMOP_UNMATCHED, svc, n);
			o->msg = msg;
			o->len = msglen;
		}
	}
	return true;
}

/* "last message repeated N times" / "message repeated N times: [ MSG ]":
 * N, and for the second form MSG in *inner; 0 when msg is neither. */
static uint64_t
repeat_count(const char *msg, size_t len, const char **inner, size_t *innerlen)
{
	static const char last[] = "last message repeated ";
	static const char rs[] = "message repeated ";
	const char *p = msg, *e = msg + len, *d;
	uint64_t n;
	bool bsd = false;

	*inner = NULL;
	if (len > 4 && memcmp(p, "--- ", 4) == 0)
		p += 4;
	if ((size_t)(e - p) > sizeof(last) - 1 &&
	    memcmp(p, last, sizeof(last) - 1) == 0) {
		p += sizeof(last) - 1;
		bsd = true;
	} else if ((size_t)(e - p) > sizeof(rs) - 1 &&
	    memcmp(p, rs, sizeof(rs) - 1) == 0)
		p += sizeof(rs) - 1;
	else
		return 0;
	for (d = p; p < e && *p >= '0' && *p <= '9' && p - d < 9; p++)
		;
	if (p == d || (size_t)(e - p) < 6 || memcmp(p, " time", 5) != 0)
		return 0;
	n = number(d, (size_t)(p - d));
	p += 5;
	if (p < e && *p == 's')
		p++;
	if (bsd)
		return n;
	if ((size_t)(e - p) < 4 || memcmp(p, ": [", 3) != 0 || e[-1] != ']')
		return 0;
	p += 3;
	if (p < e - 1 && *p == ' ')
		p++;
	*inner = p;
	*innerlen = (size_t)(e - 1 - p);
	return n;
}

static void
remember(struct sumclass *k, const char *host, size_t hostlen,
    const char *prog, size_t proglen, const char *msg, size_t msglen)
{
	struct sumclass_last *l;
	void **slot;

	l = map_get(&k->hosts, host, hostlen);
	if (msglen > SUMCLASS_MAX_KEPT) {
		/* not kept (memory): a repeat of it is counted as not
		 * credited */
		if (l != NULL)
			l->msglen = SIZE_MAX;
		return;
	}
	if (l == NULL) {
		if (k->hosts.len >= SUMCLASS_MAX_HOSTS)
			return;
		slot = map_put(&k->hosts, host, hostlen);
		l = *slot = xcalloc(1, sizeof(*l));
	}
	if (l->msg == NULL || msglen + 1 > l->cap) {
		l->cap = msglen + 64;
		l->msg = xreallocarray(l->msg, l->cap, 1);
	}
	memcpy(l->msg, msg, msglen);
	l->msglen = msglen;
	if (prog == NULL || l->prog == NULL || l->proglen != proglen ||
	    memcmp(l->prog, prog, proglen) != 0) {
		free(l->prog);
		l->prog = prog != NULL ? xmemdup0(prog, proglen) : NULL;
		l->proglen = prog != NULL ? proglen : 0;
	}
}

/* Does ops[from..to) to the stores of the targets (time t). */
static void
replay(struct sumclass *k, const struct sumclass_ops *ops, size_t from,
    size_t to, time_t t, const struct sumclass_target *tg, size_t ntg)
{
	size_t i, ti;

	for (i = from; i < to; i++) {
		const struct sumop *o = &ops->v[i];

		if (o->kind == SUMOP_ERROR) {
			k->stats.regex_errors++;
			continue;
		}
		for (ti = 0; ti < ntg; ti++) {
			struct sumstore *st = tg[ti].store;

			if (tg[ti].want != NULL && !tg[ti].want[o->svc])
				continue;
			switch (o->kind) {
			case SUMOP_LINE:
				sumstore_line(st, o->svc, t, o->w);
				break;
			case SUMOP_IGNORED:
				sumstore_ignored(st, o->svc, o->w);
				break;
			case SUMOP_COUNT:
				sumstore_count(st, o->svc, o->fact,
				    ops->keys.data + o->koff, o->klen, o->w,
				    o->bytes);
				break;
			case SUMOP_UNMATCHED:
				sumstore_unmatched(st, o->svc, o->msg, o->len,
				    o->w);
				break;
			default:
				break;
			}
		}
	}
}

void
sumclass_walk(const struct sumclass *k, struct sumclass_lane *ln,
    const struct record *r, const struct sumclass_target *tg, size_t ntg,
    struct sumclass_ops *ops, struct sumclass_walk *w)
{
	const char *msg, *inner;
	size_t msglen, innerlen;

	memset(w, 0, sizeof(*w));
	w->op0 = w->op1 = ops->n;
	if (k->sc == NULL || k->sc->nsvcs == 0)
		return;
	body(r, &msg, &msglen);
	w->rep = repeat_count(msg, msglen, &inner, &innerlen);
	if (w->rep > 0 && inner == NULL && r->prog == NULL) {
		/* the host's previous line: known when the lines before
		 * are applied */
		w->kind = SUMW_LASTREP;
		return;
	}
	if (w->rep > 0 && inner != NULL) {
		w->kind = SUMW_INNER;
		w->in = classify(k, ln, r->host, r->hostlen, r->prog, r->proglen,
		    inner, innerlen, w->rep, tg, ntg, ops);
	} else {
		w->kind = SUMW_PLAIN;
		w->in = classify(k, ln, r->host, r->hostlen, r->prog, r->proglen,
		    msg, msglen, 1, tg, ntg, ops);
	}
	w->op1 = ops->n;
}

bool
sumclass_apply(struct sumclass *k, const struct record *r, time_t t,
    const struct sumclass_walk *w, const struct sumclass_ops *ops,
    const struct sumclass_target *tg, size_t ntg)
{
	const char *msg, *host = r->host;
	size_t msglen, hostlen = r->hostlen;
	struct sumclass_last *l;
	bool in;

	if (w->kind == SUMW_NONE)
		return false;
	k->stats.lines++;
	if (t < 0)
		t = 0;
	if (host == NULL) {
		host = "";
		hostlen = 0;
	}
	switch (w->kind) {
	case SUMW_LASTREP:
		k->stats.repeats++;
		l = map_get(&k->hosts, host, hostlen);
		if (l == NULL || l->msglen == SIZE_MAX) {
			k->stats.repeat_lost++;
			return false;
		}
		/* the kept copy may move if classify remembers: use it as is */
		sumclass_ops_reset(&k->lastops);
		in = classify(k, &k->lane, r->host, r->hostlen, l->prog,
		    l->proglen, l->msg, l->msglen, w->rep, tg, ntg, &k->lastops);
		replay(k, &k->lastops, 0, k->lastops.n, t, tg, ntg);
		if (in)
			k->stats.in_service++;
		return in;
	case SUMW_INNER:
		k->stats.repeats++;
		replay(k, ops, w->op0, w->op1, t, tg, ntg);
		if (w->in)
			k->stats.in_service++;
		return w->in;
	default:
		break;
	}
	replay(k, ops, w->op0, w->op1, t, tg, ntg);
	if (w->in) {
		k->stats.in_service++;
		body(r, &msg, &msglen);
		remember(k, host, hostlen, r->prog, r->proglen, msg, msglen);
	} else if (k->hosts.len > 0) {
		/* "last message repeated" repeats this line, which no
		 * service takes: nothing to credit then */
		l = map_get(&k->hosts, host, hostlen);
		if (l != NULL)
			l->msglen = SIZE_MAX;
	}
	return w->in;
}

bool
sumclass_record(struct sumclass *k, const struct record *r, time_t t,
    const struct sumclass_target *tg, size_t ntg)
{
	struct sumclass_walk w;

	sumclass_ops_reset(&k->ops);
	sumclass_walk(k, &k->lane, r, tg, ntg, &k->ops, &w);
	return sumclass_apply(k, r, t, &w, &k->ops, tg, ntg);
}
