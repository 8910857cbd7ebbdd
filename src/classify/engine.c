/*
 * engine — the ordered rule program.
 *
 * Per line, engine_walk finds the prefix and the rule that takes the
 * line (no prefix → noprefix queue or dropped); this file applies the
 * outcome: queues, per-host state (escalation counters, the previous
 * line for repeat), templates and counters.  A rule whose match hit a
 * PCRE2 limit was treated as not matching (a group is skipped), so the
 * line went on to the following rules; it is never lost without a
 * trace: the error is counted here and reported in the verdict, the
 * engine's counters and the report of the queue the line ends in.
 */
#include "classify/engine.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify/automask.h"
#include "classify/lcclass.h"
#include "classify/lead.h"
#include "conf/conf_tmpl.h"
#include "conf/lcdb.h"
#include "lib/log.h"
#include "classify/sumclass.h"
#include "lib/str.h"
#include "lib/xmem.h"

enum last_kind {
	LAST_NONE,		/* no line from this host yet */
	LAST_QUEUED,		/* previous line was filed */
	LAST_DROPPED,		/* previous line was trashed or unmatched */
};

struct hoststate {
	uint32_t	*counters;	/* owned: per-rule match counts (escalation) */
	enum last_kind	 last;		/* what happened to the previous line */
	struct buf	 last_msg;	/* masked message of the previous filed line */
	size_t		*last_queues;	/* owned: queues that received it */
	size_t		 nlast_queues;
};

/* For the walk over the scan's hits (engine_walk.c's rules_from):
 * next_special[i], the first rule at or after i that must be visited
 * even without a hit (groups, to skip them; rules Hyperscan cannot
 * answer; host groups; logcheck trees; selectors); next_visit[i], the
 * same but for the groups the scan answers, which the walk jumps over
 * by their hits; parent[i], the innermost group or selector around rule
 * i (ENGINE_NO_PARENT at the top). */
static void
build_jumps(struct engine *e)
{
	const struct conf *c = e->conf;
	size_t n = c->nrules, *open, nopen = 0, i;

	e->next_special = xcalloc(n + 1, sizeof(*e->next_special));
	e->next_visit = xcalloc(n + 1, sizeof(*e->next_visit));
	e->parent = xcalloc(n + 1, sizeof(*e->parent));
	e->next_special[n] = e->next_visit[n] = n;
	for (i = n; i-- > 0;) {
		const struct rule *r = &c->rules[i];
		bool answered = r->kind == RULE_GROUP &&
		    e->scan.mode[i] != SCAN_ALWAYS;
		bool special = answered || r->kind == RULE_GROUP_HOST ||
		    r->kind == RULE_LOGCHECK || r->kind == RULE_SELECT ||
		    e->scan.mode[i] == SCAN_ALWAYS;

		e->next_special[i] = special ? i : e->next_special[i + 1];
		e->next_visit[i] = special && !answered ? i :
		    e->next_visit[i + 1];
	}
	open = xcalloc(n, sizeof(*open));
	for (i = 0; i < n; i++) {
		const struct rule *r = &c->rules[i];

		while (nopen > 0 && c->rules[open[nopen - 1]].skip <= i)
			nopen--;
		e->parent[i] = nopen > 0 ? open[nopen - 1] : ENGINE_NO_PARENT;
		if ((r->kind == RULE_GROUP || r->kind == RULE_GROUP_HOST ||
		    r->kind == RULE_SELECT) && r->skip > i + 1)
			open[nopen++] = i;
	}
	free(open);
}

/* A rule whose regex matches every text, spelled the way catch-alls
 * are (tenshi's "misc .*"), and without captures: the walk takes it
 * without a test.  Kept out of the Hyperscan database, where ".*" next
 * to anchored rules cost 70 ns a line (Debian's tenshi.conf: 148 ns a
 * scan with it, 80 without). */
static bool
catch_all(const struct rule *r)
{
	static const char *const all[] = { "", ".*", "^.*", "^", ".*?",
	    "^.*?", "(?:.*)", "^(?:.*)" };
	size_t i;

	if (r->kind != RULE_QUEUE && r->kind != RULE_TRASH)
		return false;
	if (r->re.ncap > 0 || r->re.src == NULL)
		return false;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(r->re.src, all[i]) == 0)
			return true;
	return false;
}

static void
build_scan(struct engine *e)
{
	const struct conf *c = e->conf;
	const char **pats;
	unsigned *flags;
	char err[512];
	size_t i;

	if (c->nrules == 0)
		return;
	e->every = xcalloc(c->nrules, sizeof(*e->every));
	pats = xcalloc(c->nrules, sizeof(*pats));
	flags = xcalloc(c->nrules, sizeof(*flags));
	for (i = 0; i < c->nrules; i++) {
		const struct rule *r = &c->rules[i];

		/* group_host tests the host, the logcheck directive has its
		 * own database: PCRE2 / lcdb decide those; a catch-all needs
		 * no test */
		e->every[i] = catch_all(r);
		pats[i] = r->kind == RULE_GROUP_HOST || r->kind == RULE_LOGCHECK ||
		    r->kind == RULE_SELECT || e->every[i] ? NULL : r->re.src;
	}
	if (scan_build(&e->scan, pats, flags, c->nrules, c->cachedir != NULL ?
	    c->cachedir : scan_default_cachedir(), err, sizeof(err)) == -1) {
		log_warnx("%s; using PCRE2 alone", err);
		scan_free(&e->scan);
	} else {
		e->use_scan = true;
		build_jumps(e);
		e->lead = lead_build(c, e->scan.mode);
	}
	free(pats);
	free(flags);
}

void
engine_init(struct engine *e, const struct conf *c)
{
	size_t i, n = c->nqueues ? c->nqueues : 1;

	memset(e, 0, sizeof(*e));
	e->conf = c;
	if (gethostname(e->localhost, sizeof(e->localhost)) == -1)
		str_lcpy(e->localhost, "localhost", sizeof(e->localhost));
	e->localhost[sizeof(e->localhost) - 1] = '\0';
	e->queues = xcalloc(n, sizeof(*e->queues));
	for (i = 0; i < c->nqueues; i++)
		queue_init(&e->queues[i], c->max_entries);
	/* the queues' share of set max_memory is computed after the rule
	 * databases exist (see the end) */
	e->queue_errlines = xcalloc(n, sizeof(*e->queue_errlines));
	e->rule_errors = xcalloc(c->nrules ? c->nrules : 1, sizeof(*e->rule_errors));
	e->vqueues = xcalloc(n, sizeof(*e->vqueues));
	map_init(&e->hosts);
	buf_init(&e->masked, SIZE_MAX / 4);
	buf_init(&e->tkey, SIZE_MAX / 4);
	e->noprefix_queue = conf_queue_find(c, "noprefix");
	if (!c->engine_pcre2) {
		build_scan(e);
		for (i = 0; i < c->nrules; i++) {
			if (c->rules[i].kind == RULE_LOGCHECK)
				(void)lcdb_scan_build(c->rules[i].lc, c->cachedir != NULL ?
				    c->cachedir : scan_default_cachedir());
		}
	} else {
		for (i = 0; i < c->nrules; i++) {
			if (c->rules[i].kind == RULE_LOGCHECK)
				lcdb_use_pcre2(c->rules[i].lc);
		}
	}
	engine_walk_lane_init(&e->lane, e);
	engine_set_memory(e);
}

/* Resident set size of this process in bytes, 0 if unknown. */
static uint64_t
rss_now(void)
{
	unsigned long long size, resident;
	FILE *fp = fopen("/proc/self/statm", "re");
	int n;

	if (fp == NULL)
		return 0;
	n = fscanf(fp, "%llu %llu", &size, &resident);
	fclose(fp);
	return n == 2 ? resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

void
engine_set_memory(struct engine *e)
{
	const struct conf *c = e->conf;
	uint64_t base, margin, budget = 0;
	size_t i;

	if (c->max_memory != 0) {
		/* set max_memory bounds the whole process: the queues get
		 * what is left after the rules, the buffers (a logcheck
		 * tree's memo of shapes grows as lines come) and a margin */
		base = rss_now();
		margin = 4 * (uint64_t)c->max_line + 8 * 1024 * 1024 +
		    c->max_memory / 16 + automask_memory(c) +
		    sumclass_memory(c, false);
		for (i = 0; i < c->nrules; i++)
			if (c->rules[i].kind == RULE_LOGCHECK)
				margin += lcclass_memory();
		if (c->max_memory > base + margin + 1024 * 1024)
			budget = c->max_memory - base - margin;
		else {
			budget = 1024 * 1024;
			log_warnx("set max_memory %llu MB is too small: logward "
			    "uses %llu MB before any queue; the queues get 1 MB",
			    (unsigned long long)(c->max_memory >> 20),
			    (unsigned long long)((base + margin) >> 20));
		}
	}
	e->mem_used = 0;
	e->mem_budget = budget;
	for (i = 0; i < c->nqueues; i++)
		queue_set_memory(&e->queues[i], &e->mem_used, budget);
}

void
engine_set_examples(struct engine *e, bool keep)
{
	size_t i;

	for (i = 0; i < e->conf->nqueues; i++)
		queue_set_examples(&e->queues[i], keep);
}

void
engine_free(struct engine *e)
{
	const struct map_slot *s;
	size_t i = 0;

	while (map_next(&e->hosts, &i, &s)) {
		struct hoststate *h = s->val;

		free(h->counters);
		buf_free(&h->last_msg);
		free(h->last_queues);
		free(h);
	}
	map_free(&e->hosts);
	for (i = 0; i < e->conf->nqueues; i++)
		queue_free(&e->queues[i]);
	free(e->queues);
	free(e->queue_errlines);
	free(e->rule_errors);
	free(e->vqueues);
	engine_walk_lane_free(&e->lane);
	buf_free(&e->masked);
	buf_free(&e->tkey);
	if (e->use_scan)
		scan_free(&e->scan);
	free(e->next_special);
	free(e->next_visit);
	free(e->parent);
	free(e->every);
	free(e->lead);
}

/* h: map_hash(host, hostlen) */
static struct hoststate *
host_state(struct engine *e, const char *host, size_t hostlen, uint64_t h)
{
	struct hoststate **hp = (struct hoststate **)map_put_hashed(&e->hosts,
	    host, hostlen, h);

	if (*hp == NULL) {
		*hp = xcalloc(1, sizeof(**hp));
		buf_init(&(*hp)->last_msg, SIZE_MAX / 4);
		(*hp)->last_queues = xcalloc(e->conf->nqueues ? e->conf->nqueues : 1,
		    sizeof(size_t));
	}
	return *hp;
}

void
engine_reset_counters(struct engine *e, size_t qi, const char *host,
    size_t hostlen)
{
	struct hoststate *h = map_get(&e->hosts, host, hostlen);
	size_t i;

	if (h == NULL || h->counters == NULL)
		return;
	for (i = 0; i < e->conf->nrules; i++) {
		const struct rule *r = &e->conf->rules[i];

		if (r->ntargets > 0 && r->targets[0].queue == qi)
			h->counters[i] = 0;
	}
}

static void
file_line(struct engine *e, struct verdict *v, const struct rule *r,
    size_t ri, const char *line, size_t len, time_t t)
{
	struct hoststate *h = host_state(e, v->host, v->hostlen,
	    v->hosthash);
	uint32_t cnt;
	size_t i;

	if (h->counters == NULL)
		h->counters = xcalloc(e->conf->nrules, sizeof(*h->counters));
	cnt = ++h->counters[ri];
	v->nqueues = 0;
	for (i = 0; i < r->ntargets; i++) {
		const struct rule_target *tg = &r->targets[i];
		struct queue *q = &e->queues[tg->queue];
		bool am = v->tkey != NULL && conf_tmpl_automask(e->conf, tg->queue);
		const char *key = am ? v->tkey : v->masked;
		size_t keylen = am ? v->tkeylen : v->maskedlen;
		struct entry *en;

		if (tg->esc) {
			uint32_t rem = cnt % r->max_esc;

			if (!(tg->esc == rem || (tg->esc == r->max_esc && rem == 0)))
				continue;
			en = queue_add_hashed(q, v->host, v->hostlen,
			    v->hosthash, key, keylen, QUEUE_SET, cnt, t, line,
			    len);
		} else
			en = queue_add_hashed(q, v->host, v->hostlen,
			    v->hosthash, key, keylen, QUEUE_INCR, 1, t, line,
			    len);
		if (en != NULL && am)
			en->tag = v->ttag;
		v->queues[v->nqueues++] = tg->queue;
		if (v->nerrors > 0)
			e->queue_errlines[tg->queue]++;
	}
	h->last = LAST_QUEUED;
	buf_reset(&h->last_msg);
	buf_add(&h->last_msg, v->masked, v->maskedlen);
	memcpy(h->last_queues, v->queues, v->nqueues * sizeof(*v->queues));
	h->nlast_queues = v->nqueues;
}

static void
repeat_line(struct engine *e, struct verdict *v, time_t t)
{
	struct hoststate *h = map_get_hashed(&e->hosts, v->host,
	    v->hostlen, v->hosthash);
	size_t i;

	if (h == NULL || h->last != LAST_QUEUED) {
		v->kind = V_REPEAT_NONE;
		return;
	}
	v->kind = V_REPEAT;
	v->masked = buf_str(&h->last_msg);
	v->maskedlen = h->last_msg.len;
	v->nqueues = 0;
	for (i = 0; i < h->nlast_queues; i++) {
		struct queue *q = &e->queues[h->last_queues[i]];
		const char *key = h->last_msg.data ? h->last_msg.data : "";
		size_t keylen = h->last_msg.len;
		struct automask_key k;
		struct entry *en;

		k.mined = false;
		if (e->tmpl != NULL && conf_tmpl_automask(e->conf,
		    h->last_queues[i])) {
			/* the previous line's entry is under its template */
			buf_reset(&e->tkey);
			automask_key(e->tmpl, e->conf, key, keylen, -1, false,
			    false, NULL, t, &e->tkey, &k);
			if (k.mined) {
				key = buf_str(&e->tkey);
				keylen = e->tkey.len;
			}
		}
		en = queue_add_hashed(q, v->host, v->hostlen, v->hosthash, key,
		    keylen, QUEUE_INCR, v->credit, t, v->rec.line, v->rec.len);
		if (en != NULL && k.mined)
			en->tag = automask_tag(&k);
		v->queues[v->nqueues++] = h->last_queues[i];
	}
}

static void
mark_dropped(struct engine *e, struct verdict *v)
{
	struct hoststate *h = host_state(e, v->host, v->hostlen,
	    v->hosthash);

	h->last = LAST_DROPPED;
}

/* The logcheck directive: classify the whole line (logcheck rules match
 * the stamp and host too) with the rule tree.  Alerts, events and system
 * events go to their queues, unmasked; a line logcheck ignores, or whose
 * class has no queue, goes on to the following rules.  The run-wide
 * "an alert fired" effect is taken per line: a violation that also
 * matches a cracking rule is reported once, as the alert. */
static bool
logcheck_rule(struct engine *e, struct verdict *v, const struct rule *r,
    size_t ri, const char *line, size_t len, time_t t)
{
	struct lc_line *l = r->lc->scratch;
	enum lc_section_kind k;
	long qi;

	lcclass_line(r->lc, line, lcclass_rstrip(line, len), l);
	k = lcclass_section(l, l->has_alert);
	if (k == LC_NONE)
		return false;
	qi = r->lc_queue[k == LC_ALERT ? 0 : k == LC_EVENT ? 1 : 2];
	if (qi < 0)
		return false;
	v->rule = (long)ri;
	v->kind = V_QUEUED;
	v->masked = v->text;
	v->maskedlen = v->textlen;
	if (e->conf->queues[qi].layout == LAYOUT_LOGCHECK) {
		/* logcheck's report shows whole lines: one entry per line */
		v->masked = line;
		v->maskedlen = lcclass_rstrip(line, len);
	}
	queue_add_hashed(&e->queues[qi], v->host, v->hostlen, v->hosthash,
	    v->masked, v->maskedlen, QUEUE_INCR, 1, t, line, len);
	v->queues[0] = (size_t)qi;
	v->nqueues = 1;
	e->stats.queued++;
	{
		struct hoststate *h = host_state(e, v->host, v->hostlen,
	    v->hosthash);

		h->last = LAST_QUEUED;
		buf_reset(&h->last_msg);
		buf_add(&h->last_msg, v->masked, v->maskedlen);
		h->last_queues[0] = (size_t)qi;
		h->nlast_queues = 1;
	}
	return true;
}

/* A line without a prefix: into the noprefix queue, or dropped. */
static void
noprefix_line(struct engine *e, enum walk_end w, const char *line, size_t len,
    size_t cut_from, time_t now, struct verdict *v)
{
	if (w == WALK_PREFIX_NOHOST || e->noprefix_queue < 0) {
		/* no prefix, or a logprefix without its host group */
		v->kind = V_NOPREFIX_DROPPED;
		e->stats.unmatched++;
		e->stats.noprefix_dropped++;
		return;
	}
	v->kind = V_NOPREFIX;
	v->host = NOPREFIX_HOST;
	v->hostlen = strlen(NOPREFIX_HOST);
	v->masked = line;
	v->maskedlen = len;
	if (cut_from) {
		buf_reset(&e->masked);
		buf_add(&e->masked, line, len);
		buf_printf(&e->masked, ENGINE_CUT_MARK, len, cut_from);
		v->masked = buf_str(&e->masked);
		v->maskedlen = e->masked.len;
	}
	queue_add(&e->queues[e->noprefix_queue], v->host, v->hostlen,
	    v->masked, v->maskedlen, QUEUE_INCR, 1, now, line, len);
	v->queues[v->nqueues++] = (size_t)e->noprefix_queue;
	e->stats.noprefix++;
}

/* A line no rule masked, with a template store: its template
 * (automask.h). */
static void
template_key(struct engine *e, struct verdict *v, size_t cut_from, time_t now)
{
	struct automask_key k;

	buf_reset(&e->tkey);
	automask_key(e->tmpl, e->conf, v->text, v->textlen,
	    v->rec.prog != NULL ? (long)v->rec.proglen : 0,
	    cut_from != 0, true, &v->tprep, now, &e->tkey, &k);
	if (k.mined) {
		v->tmpl = k.r.id;
		v->tmpl_created = k.r.created;
		v->tmpl_learned = k.r.learned;
		v->tmpl_near = k.r.near;
		v->tkey = buf_str(&e->tkey);
		v->tkeylen = e->tkey.len;
		v->ttag = automask_tag(&k);
	}
}

void
engine_apply(struct engine *e, enum walk_end w, const char *line, size_t len,
    size_t cut_from, time_t now, struct verdict *v)
{
	const struct conf *c = e->conf;
	const struct rule *r;
	size_t i;
	time_t t;

	v->queues = e->vqueues;
	v->nqueues = 0;
	e->stats.lines++;
	if (cut_from)
		e->stats.cut++;
	if (w == WALK_NOPREFIX || w == WALK_PREFIX_NOHOST) {
		noprefix_line(e, w, line, len, cut_from, now, v);
		return;
	}
	t = record_time(&v->rec, now);
	if (t == (time_t)-1)
		t = now;
	/* the logcheck directive classifies here (it has scratch of its
	 * own); a line it does not take goes on to the following rules */
	while (w == WALK_LOGCHECK) {
		r = &c->rules[v->rule];
		if (logcheck_rule(e, v, r, (size_t)v->rule, line, len, t))
			break;
		w = engine_walk_resume(e, &e->lane, len, cut_from, v);
	}
	switch (w) {
	case WALK_TRASH:
		v->kind = V_TRASH;
		e->stats.trashed++;
		mark_dropped(e, v);
		break;
	case WALK_REPEAT:
		repeat_line(e, v, t);
		e->stats.repeats++;
		break;
	case WALK_QUEUE:
		r = &c->rules[v->rule];
		if (e->tmpl != NULL && r->re.ncap == 0)
			template_key(e, v, cut_from, now);
		v->kind = V_QUEUED;
		e->stats.queued++;
		file_line(e, v, r, (size_t)v->rule, line, len, t);
		break;
	case WALK_NORULE:
		v->kind = V_NORULE;
		e->stats.unmatched++;
		mark_dropped(e, v);
		break;
	default:
		break;		/* the logcheck directive took it */
	}
	for (i = 0; i < v->nerrors; i++)
		e->rule_errors[v->errors[i]]++;
	if (v->nerrors > 0) {
		e->stats.regex_errors++;
		if (v->kind != V_QUEUED && v->kind != V_REPEAT)
			e->stats.regex_errors_dropped++;
	}
}

void
engine_line(struct engine *e, const char *line, size_t len, size_t cut_from,
    time_t now, struct verdict *vout)
{
	struct verdict vlocal, *v = vout != NULL ? vout : &vlocal;
	enum walk_end w;

	w = engine_walk_line(e, &e->lane, line, len, cut_from, v);
	engine_apply(e, w, line, len, cut_from, now, v);
}

void
engine_hosts_each(const struct engine *e,
    void (*fn)(const struct engine_host *, void *), void *arg)
{
	const struct map_slot *s;
	size_t i = 0;

	while (map_next(&e->hosts, &i, &s)) {
		const struct hoststate *h = s->val;
		struct engine_host eh = {
			.host = s->key, .hostlen = s->klen,
			.counters = h->counters, .last = (int)h->last,
			.last_msg = buf_str(&h->last_msg),
			.last_msglen = h->last_msg.len,
			.last_queues = h->last_queues,
			.nlast_queues = h->nlast_queues,
		};

		fn(&eh, arg);
	}
}

void
engine_host_restore(struct engine *e, const struct engine_host *eh)
{
	struct hoststate *h = host_state(e, eh->host, eh->hostlen,
	    map_hash(eh->host, eh->hostlen));
	size_t i;

	if (eh->counters != NULL && e->conf->nrules > 0) {
		if (h->counters == NULL)
			h->counters = xcalloc(e->conf->nrules,
			    sizeof(*h->counters));
		memcpy(h->counters, eh->counters,
		    e->conf->nrules * sizeof(*h->counters));
	}
	h->last = eh->last == 1 ? LAST_QUEUED : eh->last == 2 ? LAST_DROPPED :
	    LAST_NONE;
	buf_reset(&h->last_msg);
	if (eh->last_msglen > 0)
		buf_add(&h->last_msg, eh->last_msg, eh->last_msglen);
	h->nlast_queues = 0;
	for (i = 0; i < eh->nlast_queues; i++)
		if (eh->last_queues[i] < e->conf->nqueues &&
		    h->nlast_queues < e->conf->nqueues)
			h->last_queues[h->nlast_queues++] = eh->last_queues[i];
}
