/*
 * tmpl — the template miner and store (see tmpl.h).
 *
 * Three indexes, all open-addressing tables keyed by 64-bit numbers:
 * groups by shape hash (each group keeps its templates in id order),
 * templates by id, and the cache of exact messages (signature hash →
 * template id and the group's epoch).  A group's epoch changes whenever
 * one of its templates generalises or retires, which makes its cache
 * entries stale: the slow path then decides again, so the answer for a
 * message never depends on what the cache held.
 *
 * The slow path (a message whose exact form is not cached): among the
 * group's newest TMPL_SCAN templates, the oldest one the message matches
 * as it is wins; if none, the one with the fewest differing constant
 * positions (then the most equal ones, then the oldest) takes it when
 * merge_ok agrees, and those positions become variables; if none, a new
 * template starts.
 */
#include "classify/tmpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "classify/tmpl_cache.h"
#include "classify/tmpl_int.h"
#include "classify/tmpl_tok.h"
#include "lib/u64map.h"
#include "lib/xmem.h"

#define TMPL_SCAN	256	/* templates of a group compared with a message */
#define TMPL_SIBLINGS	3	/* messages differing in one word that make it
				   a variable */
#define MIN_TEMPLATES	16
#define EXACT_MAX	TMPL_EXACT_MAX

/* ---- templates ---- */

static void
lru_unlink(struct tmpl *t, struct tmpl_cluster *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		t->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		t->tail = c->prev;
	c->prev = c->next = NULL;
}

static void
lru_front(struct tmpl *t, struct tmpl_cluster *c)
{
	c->prev = NULL;
	c->next = t->head;
	if (t->head != NULL)
		t->head->prev = c;
	t->head = c;
	if (t->tail == NULL)
		t->tail = c;
}

static void
touch(struct tmpl *t, struct tmpl_cluster *c, int64_t now)
{
	if (t->head != c) {
		lru_unlink(t, c);
		lru_front(t, c);
	}
	c->count++;
	if (now > c->last)
		c->last = now;
}

void
tmpl_drop_render(struct tmpl *t, struct tmpl_cluster *c)
{
	if (c->render != NULL) {
		t->bytes -= c->renderlen + 16;
		free(c->render);
		c->render = NULL;
		c->renderlen = 0;
	}
}

static struct group *
group_get(struct tmpl *t, uint64_t shape, bool create)
{
	struct group *g = u64map_get(&t->groups, shape);

	if (g == NULL && create) {
		g = xcalloc(1, sizeof(*g));
		g->shape = shape;
		u64map_set(&t->groups, shape, g);
		t->bytes += sizeof(*g) + 16;
	}
	return g;
}

/* Adds c to its group, keeping the ids ascending. */
static void
group_add(struct tmpl *t, struct group *g, struct tmpl_cluster *c)
{
	size_t i;

	if (g->n == g->cap) {
		t->bytes -= g->cap * sizeof(*g->v);
		g->cap = g->cap ? g->cap * 2 : 4;
		g->v = xreallocarray(g->v, g->cap, sizeof(*g->v));
		t->bytes += g->cap * sizeof(*g->v);
	}
	for (i = g->n; i > 0 && g->v[i - 1]->id > c->id; i--)
		g->v[i] = g->v[i - 1];
	g->v[i] = c;
	g->n++;
	c->g = g;
}

static void
retire(struct tmpl *t, struct tmpl_cluster *c)
{
	struct group *g = c->g;
	size_t i;

	for (i = 0; i < g->n && g->v[i] != c; i++)
		;
	if (i < g->n) {
		memmove(g->v + i, g->v + i + 1, (g->n - i - 1) * sizeof(*g->v));
		g->n--;
	}
	g->epoch++;
	if (g->n == 0) {
		u64map_del(&t->groups, g->shape);
		t->bytes -= g->cap * sizeof(*g->v) + sizeof(*g) + 16;
		free(g->v);
		free(g);
	}
	u64map_del(&t->ids, c->id);
	lru_unlink(t, c);
	tmpl_drop_render(t, c);
	t->bytes -= c->bytes;
	free(c);
	t->n--;
}

uint64_t
tmpl_table_bytes(const struct tmpl *t)
{
	return u64map_bytes(&t->groups) + u64map_bytes(&t->ids) +
	    u64map_bytes(&t->aliases) + tmpl_cache_bytes(&t->sigs) +
	    tmpl_cache_bytes(&t->exact);
}

/* Retires the least recently seen templates until one more of 'need'
 * bytes fits. */
static void
make_room(struct tmpl *t, uint64_t need)
{
	while (t->tail != NULL && (t->n + 1 > t->o.max_templates ||
	    (t->o.max_bytes != 0 &&
	    t->bytes + tmpl_table_bytes(t) + need > t->o.max_bytes))) {
		retire(t, t->tail);
		t->retired++;
	}
}

struct tmpl_cluster *
tmpl_cluster_new(size_t ntok, size_t textlen)
{
	struct tmpl_cluster *c = xcalloc(1, sizeof(*c) + ntok * sizeof(struct ctok) +
	    textlen + 1);

	c->ntok = (uint32_t)ntok;
	c->pool = (char *)(c->tok + ntok);
	c->bytes = sizeof(*c) + ntok * sizeof(struct ctok) + textlen + 1 + 16;
	return c;
}

static struct tmpl_cluster *
create(struct tmpl *t, uint64_t shape, uint64_t part, const char *s,
    const struct tmpl_line *l, int64_t now)
{
	struct tmpl_cluster *c;
	struct group *g;
	size_t i, text = 0, off = 0;

	for (i = 0; i < l->ntok; i++)
		if (l->tok[i].kind == TMPL_WORD || l->tok[i].kind == TMPL_DELIM)
			text += l->tok[i].len;
	make_room(t, sizeof(*c) + l->ntok * sizeof(struct ctok) + text + 64);
	c = tmpl_cluster_new(l->ntok, text);
	for (i = 0; i < l->ntok; i++) {
		const struct tmpl_tok *k = &l->tok[i];
		struct ctok *ct = &c->tok[i];

		ct->kind = k->kind;
		ct->gap = k->gap;
		ct->num = k->num;
		ct->hash = k->hash;
		if (k->kind == TMPL_WORD || k->kind == TMPL_DELIM) {
			memcpy(c->pool + off, s + k->off, k->len);
			ct->off = (uint32_t)off;
			ct->len = k->len;
			off += k->len;
		}
	}
	c->id = t->next_id++;
	c->part = part;
	c->first = c->last = now;
	c->count = 0;
	if (now < t->born + t->o.learn)
		c->flags |= CL_LEARNED;
	g = group_get(t, shape, true);
	group_add(t, g, c);
	u64map_set(&t->ids, c->id, c);
	lru_front(t, c);
	t->bytes += c->bytes;
	t->n++;
	t->created++;
	return c;
}

/* How message l differs from template c, position by position. */
struct cmp {
	unsigned	 diff;		/* constant positions that differ */
	unsigned	 eq;		/* constant positions that are equal */
	unsigned	 words;		/* of diff: a word against another word
					   (not two words with digits) */
	unsigned	 wdiff;		/* of diff: the template's word positions */
	unsigned	 cwords;	/* the template's constant words */
	unsigned	 learned;	/* its variables that were words */
	size_t		 pos;		/* the last differing position */
};

/* Compares message l with template c: -1 when the shapes differ (a hash
 * collision), else 0 and m filled. */
static int
compare(const struct tmpl_cluster *c, const struct tmpl_line *l, const char *s,
    struct cmp *m)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	if (c->ntok != l->ntok)
		return -1;
	for (i = 0; i < l->ntok; i++) {
		const struct ctok *ct = &c->tok[i];
		const struct tmpl_tok *k = &l->tok[i];

		if ((ct->kind == TMPL_DELIM) != (k->kind == TMPL_DELIM) ||
		    ct->gap != k->gap)
			return -1;
		if (ct->kind == TMPL_VAR) {
			m->learned += ct->learned;
			continue;
		}
		if (ct->kind == TMPL_WORD)
			m->cwords++;
		if (ct->kind == k->kind && ct->hash == k->hash &&
		    (ct->kind == TMPL_EMPTY || (ct->len == k->len &&
		    (k->len == 1 ? c->pool[ct->off] == s[k->off] :
		    memcmp(c->pool + ct->off, s + k->off, k->len) == 0)))) {
			if (ct->kind != TMPL_DELIM)
				m->eq++;
			continue;
		}
		if (ct->kind == TMPL_DELIM)
			return -1;
		m->diff++;
		m->pos = i;
		if (ct->kind == TMPL_WORD)
			m->wdiff++;
		/* two names with numbers (eth0, eth1) differ like numbers */
		if (ct->kind == TMPL_WORD && k->kind == TMPL_WORD &&
		    !(ct->num && k->num))
			m->words++;
	}
	return 0;
}

/* A template keeps at least as many constant words as it has variables
 * that were words: "<*> startup succeeded" may come from three daemons
 * starting, "<*> <*> succeeded" would say nothing. */
static bool
keeps_words(const struct cmp *m)
{
	return m->cwords - m->wdiff >= m->learned + m->wdiff;
}

/* A message may generalise a template at once where it shows the
 * varying positions lexically (a number, an address, an empty value
 * against a word): when no two words differ and at least half the
 * constants are equal. */
static bool
lexical_ok(const struct cmp *m)
{
	return m->diff > 0 && m->words == 0 && m->eq > 0 && m->diff <= m->eq &&
	    keeps_words(m);
}

/* Turns the constants of c that l does not share into variables. */
static void
generalise(struct tmpl *t, struct tmpl_cluster *c, const struct tmpl_line *l,
    const char *s)
{
	size_t i;

	for (i = 0; i < l->ntok; i++) {
		struct ctok *ct = &c->tok[i];
		const struct tmpl_tok *k = &l->tok[i];

		if (ct->kind == TMPL_VAR || ct->kind == TMPL_DELIM)
			continue;
		if (ct->kind == k->kind && ct->hash == k->hash &&
		    (ct->kind == TMPL_EMPTY || (ct->len == k->len &&
		    memcmp(c->pool + ct->off, s + k->off, k->len) == 0)))
			continue;
		ct->learned = ct->kind == TMPL_WORD;
		ct->kind = TMPL_VAR;
		ct->hash = 0;
	}
	tmpl_drop_render(t, c);
	c->g->epoch++;
}

/* Template b (younger) joins template a: the constants they do not share
 * become variables in a, b's counts and times go to a, and b's id
 * becomes another name of a. */
static void
join(struct tmpl *t, struct tmpl_cluster *a, struct tmpl_cluster *b)
{
	size_t i;

	for (i = 0; i < a->ntok; i++) {
		struct ctok *x = &a->tok[i];
		const struct ctok *y = &b->tok[i];

		if (x->kind == TMPL_VAR || x->kind == TMPL_DELIM)
			continue;
		if (y->kind == x->kind && y->hash == x->hash &&
		    (x->kind == TMPL_EMPTY || (x->len == y->len &&
		    memcmp(a->pool + x->off, b->pool + y->off, x->len) == 0)))
			continue;
		x->learned = x->kind == TMPL_WORD;
		x->kind = TMPL_VAR;
		x->hash = 0;
	}
	a->count += b->count;
	if (b->first < a->first)
		a->first = b->first;
	if (b->last > a->last)
		a->last = b->last;
	tmpl_alias(t, b->id, a->id);
	retire(t, b);
	t->joined++;
	tmpl_drop_render(t, a);
	a->g->epoch++;
}

/* Templates of a group that differ from the message in one word only,
 * at position pos. */
struct sibling {
	struct tmpl_cluster *c;
	size_t		 pos;
};

static struct tmpl_cluster *
lookup(struct tmpl *t, const struct tmpl_line *l, const char *s, uint64_t part,
    uint64_t shape, uint64_t sig, bool learn, int64_t now, struct tmpl_result *r)
{
	const struct tmpl_cache_ent *e = tmpl_cache_get(&t->sigs, sig, 0);
	struct tmpl_cluster *c, *best = NULL;
	struct sibling sib[TMPL_SCAN];
	unsigned per[TMPL_TOK_MAX];
	size_t nsib = 0, i, from, pos = 0;
	struct group *g;
	struct cmp m, bm;

	if (e != NULL && (c = u64map_get(&t->ids, e->id)) != NULL &&
	    c->g->epoch == e->epoch &&
	    c->g->shape == shape && compare(c, l, s, &m) == 0 && m.diff == 0)
		return c;
	memset(&bm, 0, sizeof(bm));
	g = group_get(t, shape, false);
	if (g != NULL) {
		from = g->n > TMPL_SCAN ? g->n - TMPL_SCAN : 0;
		for (i = from; i < g->n; i++) {
			c = g->v[i];
			if (compare(c, l, s, &m) == -1)
				continue;
			if (m.diff == 0) {
				/* the oldest template it matches as it is */
				tmpl_cache_put(&t->sigs, sig, 0, c->id, g->epoch);
				return c;
			}
			if (!learn)
				continue;
			if (lexical_ok(&m) && (best == NULL || m.diff < bm.diff ||
			    (m.diff == bm.diff && m.eq > bm.eq))) {
				best = c;
				bm = m;
			}
			if (m.diff == 1 && m.words == 1 && keeps_words(&m) &&
			    nsib < TMPL_SCAN) {
				sib[nsib].c = c;
				sib[nsib++].pos = m.pos;
			}
		}
	}
	if (!learn)
		return NULL;
	if (best == NULL && nsib + 1 >= TMPL_SIBLINGS) {
		/* TMPL_SIBLINGS messages that differ in one word, in the same
		 * place: that word is a variable.  They join the oldest. */
		memset(per, 0, sizeof(per));
		for (i = 0; i < nsib; i++)
			per[sib[i].pos]++;
		for (i = 0; i < l->ntok; i++)
			if (per[i] > per[pos])
				pos = i;
		if (per[pos] + 1 >= TMPL_SIBLINGS) {
			for (i = 0; i < nsib; i++) {
				if (sib[i].pos != pos)
					continue;
				if (best == NULL)
					best = sib[i].c;
				else
					join(t, best, sib[i].c);
			}
		}
	}
	if (best != NULL) {
		generalise(t, best, l, s);
		r->changed = true;
		tmpl_cache_put(&t->sigs, sig, 0, best->id, best->g->epoch);
		return best;
	}
	c = create(t, shape, part, s, l, now);
	if (nsib > 0)
		c->flags |= CL_NEAR;	/* maybe a variable word: not news */
	r->created = true;
	tmpl_cache_put(&t->sigs, sig, 0, c->id, c->g->epoch);
	return c;
}

void
tmpl_alias(struct tmpl *t, uint64_t from, uint64_t to)
{
	uint64_t *v = u64map_get(&t->aliases, from);

	if (v != NULL) {
		*v = to;
		return;
	}
	if (t->alias_ring == NULL) {
		/* aliases matter while reports still hold the old ids: a
		 * few thousand are plenty */
		t->alias_cap = t->o.max_templates < 1024 ? 1024 :
		    t->o.max_templates > 16384 ? 16384 : t->o.max_templates;
		if (t->o.max_bytes != 0 && t->alias_cap > t->o.max_bytes / 512)
			t->alias_cap = t->o.max_bytes / 512 < 64 ? 64 :
			    t->o.max_bytes / 512;
		t->alias_ring = xcalloc(t->alias_cap, sizeof(*t->alias_ring));
		t->bytes += t->alias_cap * sizeof(*t->alias_ring);
	}
	if (t->alias_n == t->alias_cap) {
		/* forget the oldest */
		uint64_t old = t->alias_ring[t->alias_head];

		free(u64map_get(&t->aliases, old));
		u64map_del(&t->aliases, old);
		t->alias_head = (t->alias_head + 1) % t->alias_cap;
		t->alias_n--;
		t->bytes -= 32;
	}
	v = xmalloc(sizeof(*v));
	*v = to;
	u64map_set(&t->aliases, from, v);
	t->alias_ring[(t->alias_head + t->alias_n) % t->alias_cap] = from;
	t->alias_n++;
	t->bytes += 32;
}

uint64_t
tmpl_resolve(const struct tmpl *t, uint64_t id)
{
	const uint64_t *v;
	int hops;

	for (hops = 0; hops < 64 && (v = u64map_get(&t->aliases, id)) != NULL;
	    hops++)
		id = *v;
	return id;
}

uint64_t
tmpl_mixpart(uint64_t h, uint64_t part)
{
	return part == 0 ? h : tmpl_tok_hash(&part, sizeof(part), h);
}

size_t
tmpl_content_start(const char *text, size_t len, size_t proglen)
{
	size_t i = proglen;

	if (proglen == 0 || proglen >= len)
		return 0;
	if (text[i] == '[') {
		while (i < len && text[i] != ']')
			i++;
		i++;
	}
	if (i >= len || text[i] != ':')
		return 0;
	i++;
	if (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	return i;
}

uint64_t
tmpl_part(const char *prog, size_t n)
{
	return prog == NULL || n == 0 ? 0 : tmpl_tok_hash(prog, n, 77) | 1;
}

static void
fill(struct tmpl_result *r, const struct tmpl_cluster *c)
{
	r->c = c;
	r->id = c->id;
	r->learned = (c->flags & CL_LEARNED) != 0;
	r->near = (c->flags & CL_NEAR) != 0;
}

/* A message seen before, but for its numbers, whose answer still holds:
 * no tokenizing.  key and check are two hashes of the blanked message
 * with the store's own random seeds, so nobody can make two messages
 * look alike to the cache. */
static struct tmpl_cluster *
exact(struct tmpl *t, uint64_t key, uint64_t check)
{
	const struct tmpl_cache_ent *e;
	struct tmpl_cluster *c;

	e = tmpl_cache_get(&t->exact, key, check);
	if (e == NULL || (c = u64map_get(&t->ids, e->id)) == NULL ||
	    c->g->epoch != e->epoch)
		return NULL;
	return c;
}

void
tmpl_prep_hash(const struct tmpl *t, uint64_t part, const char *msg,
    size_t len, struct tmpl_prep *p)
{
	memset(p, 0, sizeof(*p));
	p->ready = true;
	if (len > UINT32_MAX / 2)
		len = UINT32_MAX / 2;
	if (len <= EXACT_MAX) {
		tmpl_cache_blank_hash(msg, len, t->seed[0] ^ part,
		    t->seed[1] ^ part, &p->key, &p->check);
		p->hashed = true;
	}
}

void
tmpl_prep_split(const char *msg, size_t len, struct tmpl_line *line,
    struct tmpl_prep *p)
{
	if (len > UINT32_MAX / 2)
		len = UINT32_MAX / 2;
	tmpl_tok_split(msg, len, line);
	p->tok = line->tok;
	p->ntok = line->ntok;
	p->shape = line->shape;
	p->sig = line->sig;
}

/* p: NULL, or tmpl_prep_hash's (and maybe tmpl_prep_split's) for msg. */
static struct tmpl_cluster *
find(struct tmpl *t, uint64_t part, const char *msg, size_t len, bool learn,
    int64_t now, const struct tmpl_prep *p, struct tmpl_result *r)
{
	struct tmpl_cluster *c;
	struct tmpl_prep own;

	memset(r, 0, sizeof(*r));
	if (p == NULL || !p->ready) {
		tmpl_prep_hash(t, part, msg, len, &own);
		p = &own;
	}
	if (len > UINT32_MAX / 2)
		len = UINT32_MAX / 2;
	if (p->hashed && (c = exact(t, p->key, p->check)) != NULL)
		return c;
	if (p->tok != NULL) {
		/* split already (on another thread, maybe) */
		memcpy(t->line.tok, p->tok, p->ntok * sizeof(*p->tok));
		t->line.ntok = p->ntok;
		t->line.shape = p->shape;
		t->line.sig = p->sig;
	} else
		tmpl_tok_split(msg, len, &t->line);
	c = lookup(t, &t->line, msg, part, tmpl_mixpart(t->line.shape, part),
	    tmpl_mixpart(t->line.sig, part), learn, now, r);
	if (c != NULL && p->hashed)
		tmpl_cache_put(&t->exact, p->key, p->check, c->id, c->g->epoch);
	return c;
}

void
tmpl_add_prep(struct tmpl *t, uint64_t part, const char *msg, size_t len,
    const struct tmpl_prep *p, time_t now, struct tmpl_result *r)
{
	struct tmpl_cluster *c = find(t, part, msg, len, true, (int64_t)now, p,
	    r);

	touch(t, c, (int64_t)now);
	t->lines++;
	fill(r, c);
}

void
tmpl_add(struct tmpl *t, uint64_t part, const char *msg, size_t len,
    time_t now, struct tmpl_result *r)
{
	tmpl_add_prep(t, part, msg, len, NULL, now, r);
}

bool
tmpl_match(struct tmpl *t, uint64_t part, const char *msg, size_t len,
    struct tmpl_result *r)
{
	struct tmpl_cluster *c = find(t, part, msg, len, false, 0, NULL, r);

	if (c == NULL)
		return false;
	fill(r, c);
	return true;
}

static void
set_opts(struct tmpl *t, const struct tmpl_opts *o)
{
	t->o = *o;
	if (t->o.max_templates < MIN_TEMPLATES)
		t->o.max_templates = MIN_TEMPLATES;
	/* the caches: each at most an eighth of the memory cap (two slots
	 * per entry), the exact one with its text */
	{
		size_t max = t->o.max_templates * 4 < 4096 ? 4096 :
		    t->o.max_templates * 4;

		if (t->o.max_bytes != 0 &&
		    max > t->o.max_bytes / 32 / sizeof(struct tmpl_cache_ent))
			max = t->o.max_bytes / 32 / sizeof(struct tmpl_cache_ent);
		t->sigs.max = max < 256 ? 256 : max;
		t->exact.max = t->sigs.max;
	}
}

struct tmpl *
tmpl_new(const struct tmpl_opts *o, time_t born)
{
	struct tmpl *t = xcalloc(1, sizeof(*t));

	tmpl_cache_init(&t->sigs, 0);
	tmpl_cache_init(&t->exact, 0);
	/* the exact cache's seeds: answers never depend on them */
	if (getrandom(t->seed, sizeof(t->seed), 0) != sizeof(t->seed)) {
		t->seed[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^
		    (uint64_t)(uintptr_t)t;
		t->seed[1] = t->seed[0] * 0xbf58476d1ce4e5b9ULL + 1;
	}
	set_opts(t, o);
	t->next_id = 1;
	t->born = (int64_t)born;
	t->bytes = sizeof(*t);
	return t;
}

void
tmpl_set_opts(struct tmpl *t, const struct tmpl_opts *o)
{
	set_opts(t, o);
}

void
tmpl_reset(struct tmpl *t, int64_t born)
{
	while (t->head != NULL)
		retire(t, t->head);
	u64map_free(&t->groups);
	u64map_free(&t->ids);
	{
		size_t i = 0;
		uint64_t k;
		void *v;

		while (u64map_next(&t->aliases, &i, &k, &v))
			free(v);
		u64map_free(&t->aliases);
		free(t->alias_ring);
		t->alias_ring = NULL;
		t->alias_head = t->alias_n = t->alias_cap = 0;
		t->joined = 0;
	}
	tmpl_cache_free(&t->sigs);
	tmpl_cache_free(&t->exact);
	t->bytes = sizeof(*t);
	t->next_id = 1;
	t->created = t->retired = 0;
	t->born = born;
}

bool
tmpl_insert(struct tmpl *t, struct tmpl_cluster *c, uint64_t shape)
{
	if (u64map_get(&t->ids, c->id) != NULL) {
		free(c);
		return false;
	}
	group_add(t, group_get(t, shape, true), c);
	u64map_set(&t->ids, c->id, c);
	lru_front(t, c);
	t->bytes += c->bytes;
	t->n++;
	return true;
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	tmpl_reset(t, 0);
	free(t->mask);
	free(t);
}

