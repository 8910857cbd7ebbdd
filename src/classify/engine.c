/*
 * engine — the ordered rule program.
 *
 * Per line: built-in prefixes (record), then the logprefix regexes; no
 * prefix → noprefix queue or dropped.  hidepid rewrites "prog[123]: " to
 * "prog: ".  Rules run in config order; the first that matches decides.
 * A rule whose match hits a PCRE2 limit is counted as an error and
 * treated as not matching (a group is skipped), so the line goes on to
 * the following rules and is never lost without a trace: the error is
 * reported in the verdict, the engine's counters and the report of the
 * queue the line ends in.
 */
#include "classify/engine.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify/automask.h"
#include "classify/lcclass.h"
#include "conf/conf_tmpl.h"
#include "conf/lcdb.h"
#include "lib/log.h"
#include "classify/mask.h"
#include "classify/sumclass.h"
#include "conf/sel.h"
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

#define LINE_CUT_MARK	" [logward: line cut at %zu of %zu bytes]"

/* The scan's hits in rule order (usually one or two). */
static size_t
sorted_hits(struct engine *e)
{
	size_t n = e->scan.ntouched, i, j;

	for (i = 0; i < n; i++) {
		uint32_t id = e->scan.touched[i];

		for (j = i; j > 0 && e->hits[j - 1] > id; j--)
			e->hits[j] = e->hits[j - 1];
		e->hits[j] = id;
	}
	return n;
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
	pats = xcalloc(c->nrules, sizeof(*pats));
	flags = xcalloc(c->nrules, sizeof(*flags));
	for (i = 0; i < c->nrules; i++) {
		const struct rule *r = &c->rules[i];

		/* group_host tests the host, the logcheck directive has its
		 * own database: PCRE2 / lcdb decide those */
		pats[i] = r->kind == RULE_GROUP_HOST || r->kind == RULE_LOGCHECK ||
		    r->kind == RULE_SELECT ? NULL : r->re.src;
	}
	if (scan_build(&e->scan, pats, flags, c->nrules, c->cachedir != NULL ?
	    c->cachedir : scan_default_cachedir(), err, sizeof(err)) == -1) {
		log_warnx("%s; using PCRE2 alone", err);
		scan_free(&e->scan);
	} else {
		/* next_special[i]: the first rule at or after i that must be
		 * visited even without a hit (groups, to skip them; rules
		 * Hyperscan cannot answer; host groups; logcheck trees) */
		e->use_scan = true;
		e->hits = xcalloc(c->nrules, sizeof(*e->hits));
		e->next_special = xcalloc(c->nrules + 1, sizeof(*e->next_special));
		e->next_special[c->nrules] = c->nrules;
		for (i = c->nrules; i-- > 0;) {
			const struct rule *r = &c->rules[i];
			bool special = r->kind == RULE_GROUP ||
			    r->kind == RULE_GROUP_HOST || r->kind == RULE_LOGCHECK ||
			    r->kind == RULE_SELECT ||
			    e->scan.mode[i] == SCAN_ALWAYS;

			e->next_special[i] = special ? i : e->next_special[i + 1];
		}
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
	e->vskipped = xcalloc(c->nrules ? c->nrules : 1, sizeof(*e->vskipped));
	e->verrors = xcalloc(c->nrules ? c->nrules : 1, sizeof(*e->verrors));
	map_init(&e->hosts);
	buf_init(&e->text, SIZE_MAX / 4);
	buf_init(&e->masked, SIZE_MAX / 4);
	buf_init(&e->tkey, SIZE_MAX / 4);
	e->noprefix_queue = conf_queue_find(c, "noprefix");
	if (!c->engine_pcre2) {
		build_scan(e);
		for (i = 0; i < c->nrules; i++) {
			if (c->rules[i].kind == RULE_LOGCHECK)
				(void)lcdb_use_scan(c->rules[i].lc, c->cachedir != NULL ?
				    c->cachedir : scan_default_cachedir());
		}
	}
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
		 * what is left after the rules, the buffers and a margin */
		base = rss_now();
		margin = 4 * (uint64_t)c->max_line + 8 * 1024 * 1024 +
		    c->max_memory / 16 + automask_memory(c) +
		    sumclass_memory(c, false);
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
	free(e->vskipped);
	free(e->verrors);
	buf_free(&e->text);
	buf_free(&e->masked);
	buf_free(&e->tkey);
	if (e->use_scan)
		scan_free(&e->scan);
	free(e->hits);
	free(e->next_special);
}

static struct hoststate *
host_state(struct engine *e, const char *host, size_t hostlen)
{
	struct hoststate **hp = (struct hoststate **)map_put(&e->hosts, host,
	    hostlen);

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

/* hidepid: "PROG[digits]: rest" → "PROG: rest" (PROG = the leading run of
 * non-space bytes up to the "[", as tenshi's s/^(\S+)\[\d+\]: /$1: /). */
static bool
hidepid(const char *m, size_t len, size_t *keep, size_t *skip_to)
{
	size_t run = 0, j;

	while (run < len && m[run] != ' ' && m[run] != '\t' && m[run] != '\n' &&
	    m[run] != '\v' && m[run] != '\f' && m[run] != '\r')
		run++;
	/* the ": " must end the run: "...[123]:" followed by a space */
	if (run >= len || m[run] != ' ' || run < 5 || m[run - 1] != ':' ||
	    m[run - 2] != ']')
		return false;
	j = run - 3;
	if (m[j] < '0' || m[j] > '9')
		return false;
	while (j > 0 && m[j] >= '0' && m[j] <= '9')
		j--;
	if (m[j] != '[' || j == 0)
		return false;
	*keep = j;			/* PROG */
	*skip_to = run - 1;		/* from ": " on */
	return true;
}

/* Finds the host and the message.  Returns false when no prefix matched
 * (or a logprefix matched without its capture group). */
static bool
find_prefix(struct engine *e, const char *line, size_t len, struct verdict *v)
{
	const struct conf *c = e->conf;
	size_t i;

	v->prefix = -1;
	if (record_parse(&v->rec, line, len) != REC_NONE && v->rec.host != NULL) {
		v->host = v->rec.host;
		v->hostlen = v->rec.hostlen;
		if (v->rec.format == REC_RFC5424) {
			/* Rules are written for "prog[pid]: message"; give
			 * them that form for RFC 5424 records too. */
			buf_reset(&e->text);
			if (v->rec.prog != NULL) {
				buf_add(&e->text, v->rec.prog, v->rec.proglen);
				if (v->rec.procid != NULL) {
					buf_addc(&e->text, '[');
					buf_add(&e->text, v->rec.procid,
					    v->rec.procidlen);
					buf_addc(&e->text, ']');
				}
				buf_add(&e->text, ": ", 2);
			}
			buf_add(&e->text, v->rec.msg, v->rec.msglen);
			v->text = buf_str(&e->text);
			v->textlen = e->text.len;
		} else {
			v->text = v->rec.msg;
			v->textlen = v->rec.msglen;
		}
		return true;
	}
	for (i = 0; i < c->nprefixes; i++) {
		const struct logprefix *lp = &c->prefixes[i];
		const PCRE2_SIZE *ov;
		uint32_t np;
		enum match_result mr;

		mr = match_exec(&lp->re, line, len, NULL);
		if (mr != MATCH_YES)
			continue;
		ov = match_ovector(&np);
		v->prefix = (long)i;
		v->rec.format = REC_LOGPREFIX;
		if (np < 2 || ov[2] == PCRE2_UNSET)
			return false;
		v->host = line + ov[2];
		v->hostlen = ov[3] - ov[2];
		/* the message is the line with the prefix match removed */
		buf_reset(&e->text);
		buf_add(&e->text, line, ov[0]);
		buf_add(&e->text, line + ov[1], len - ov[1]);
		v->text = buf_str(&e->text);
		v->textlen = e->text.len;
		v->rec.host = v->host;
		v->rec.hostlen = v->hostlen;
		v->rec.msg = v->text;
		v->rec.msglen = v->textlen;
		record_parse_tag(&v->rec);
		return true;
	}
	return false;
}

/* The rule's match must run in PCRE2 when its captures are used: masking
 * (queue rules with groups) and repeat counts. */
static bool
needs_captures(const struct rule *r)
{
	return (r->kind == RULE_QUEUE || r->kind == RULE_REPEAT) && r->re.ncap > 0;
}

/* Numeric value of capture 1 of the last match (repeat counts). */
static uint64_t
capture_number(const char *s)
{
	const PCRE2_SIZE *ov = NULL;
	uint32_t np;
	uint64_t n = 0;
	size_t i;

	ov = match_ovector(&np);
	if (np < 2 || ov[2] == PCRE2_UNSET)
		return 0;
	for (i = ov[2]; i < ov[3] && s[i] >= '0' && s[i] <= '9'; i++) {
		if (n > (UINT64_MAX - 9) / 10)
			break;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	return n;
}

static void
file_line(struct engine *e, struct verdict *v, const struct rule *r,
    size_t ri, const char *line, size_t len, time_t t)
{
	struct hoststate *h = host_state(e, v->host, v->hostlen);
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
			en = queue_add(q, v->host, v->hostlen, key, keylen,
			    QUEUE_SET, cnt, t, line, len);
		} else
			en = queue_add(q, v->host, v->hostlen, key, keylen,
			    QUEUE_INCR, 1, t, line, len);
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
repeat_line(struct engine *e, struct verdict *v, const struct rule *r, time_t t)
{
	struct hoststate *h = map_get(&e->hosts, v->host, v->hostlen);
	size_t i;

	if (h == NULL || h->last != LAST_QUEUED) {
		v->kind = V_REPEAT_NONE;
		return;
	}
	v->kind = V_REPEAT;
	v->credit = r->re.ncap > 0 ? capture_number(v->text) : 0;
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
			    false, t, &e->tkey, &k);
			if (k.mined) {
				key = buf_str(&e->tkey);
				keylen = e->tkey.len;
			}
		}
		en = queue_add(q, v->host, v->hostlen, key, keylen, QUEUE_INCR,
		    v->credit, t, v->rec.line, v->rec.len);
		if (en != NULL && k.mined)
			en->tag = automask_tag(&k);
		v->queues[v->nqueues++] = h->last_queues[i];
	}
}

static void
mark_dropped(struct engine *e, struct verdict *v)
{
	struct hoststate *h = host_state(e, v->host, v->hostlen);

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
	queue_add(&e->queues[qi], v->host, v->hostlen, v->masked, v->maskedlen,
	    QUEUE_INCR, 1, t, line, len);
	v->queues[0] = (size_t)qi;
	v->nqueues = 1;
	e->stats.queued++;
	{
		struct hoststate *h = host_state(e, v->host, v->hostlen);

		h->last = LAST_QUEUED;
		buf_reset(&h->last_msg);
		buf_add(&h->last_msg, v->masked, v->maskedlen);
		h->last_queues[0] = (size_t)qi;
		h->nlast_queues = 1;
	}
	return true;
}

void
engine_line(struct engine *e, const char *line, size_t len, size_t cut_from,
    time_t now, struct verdict *vout)
{
	const struct conf *c = e->conf;
	struct verdict vlocal, *v = vout != NULL ? vout : &vlocal;
	size_t i, keep, skip_to, hi, nhits;
	int scanned;
	time_t t;

	memset(v, 0, sizeof(*v));
	v->rule = -1;
	v->queues = e->vqueues;
	v->skipped = e->vskipped;
	v->errors = e->verrors;
	e->stats.lines++;
	if (cut_from)
		e->stats.cut++;

	if (!find_prefix(e, line, len, v)) {
		v->rec.line = line;
		v->rec.len = len;
		if (v->prefix >= 0 || e->noprefix_queue < 0) {
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
			buf_printf(&e->masked, LINE_CUT_MARK, len, cut_from);
			v->masked = buf_str(&e->masked);
			v->maskedlen = e->masked.len;
		}
		queue_add(&e->queues[e->noprefix_queue], v->host, v->hostlen,
		    v->masked, v->maskedlen, QUEUE_INCR, 1, now, line, len);
		v->queues[v->nqueues++] = (size_t)e->noprefix_queue;
		e->stats.noprefix++;
		return;
	}
	v->rec.line = line;
	v->rec.len = len;
	t = record_time(&v->rec, now);
	if (t == (time_t)-1)
		t = now;

	if (c->hidepid && hidepid(v->text, v->textlen, &keep, &skip_to)) {
		/* text may live in e->text already: build into masked first */
		buf_reset(&e->masked);
		buf_add(&e->masked, v->text, keep);
		buf_add(&e->masked, v->text + skip_to, v->textlen - skip_to);
		buf_reset(&e->text);
		buf_add(&e->text, e->masked.data, e->masked.len);
		v->text = buf_str(&e->text);
		v->textlen = e->text.len;
	}

	/* one Hyperscan pass gives every message rule's answer; PCRE2 runs
	 * for a rule only to confirm an approximation, or for the captures
	 * of the rule that takes the line */
	scanned = 0;
	nhits = 0;
	if (e->use_scan) {
		scanned = scan_line(&e->scan, v->text, v->textlen) == 0 ? 1 : -1;
		if (scanned == 1)
			nhits = sorted_hits(e);
	}
	for (i = 0, hi = 0; i < c->nrules;) {
		const struct rule *r;
		enum match_result mr;
		const char *why = NULL;
		bool no_captures = false;

		if (scanned == 1) {
			/* jump over rules the scan says do not match: to the
			 * next hit, or the next rule the scan cannot answer */
			size_t nh;

			while (hi < nhits && e->hits[hi] < i)
				hi++;
			nh = hi < nhits ? e->hits[hi] : c->nrules;
			if (e->next_special[i] < nh)
				nh = e->next_special[i];
			i = nh;
			if (i >= c->nrules)
				break;
		}
		r = &c->rules[i];

		if (r->kind == RULE_LOGCHECK) {
			if (logcheck_rule(e, v, r, i, line, len, t))
				break;
			i++;
			continue;
		}
		if (r->kind == RULE_SELECT) {
			/* facility, level, program, host: no regex */
			if (sel_match(r->sel, v->rec.facility, v->rec.severity,
			    v->rec.prog, v->rec.proglen, v->host, v->hostlen,
			    e->localhost))
				i++;
			else {
				v->skipped[v->nskipped++] = i;
				i = r->skip > i ? r->skip : i + 1;
			}
			continue;
		}
		if (r->kind == RULE_GROUP_HOST)
			mr = match_exec(&r->re, v->host, v->hostlen, &why);
		else if (scanned != 1 || e->scan.mode[i] == SCAN_ALWAYS)
			mr = match_exec(&r->re, v->text, v->textlen, &why);
		else if (!e->scan.hit[i])
			mr = MATCH_NO;
		else if (e->scan.mode[i] == SCAN_PREFILTER || needs_captures(r))
			mr = match_exec(&r->re, v->text, v->textlen, &why);
		else {
			mr = MATCH_YES;
			no_captures = true;
		}
		if (mr == MATCH_ERROR) {
			e->rule_errors[i]++;
			if (v->nerrors == 0)
				v->error_why = why;
			v->errors[v->nerrors++] = i;
		}
		if (mr != MATCH_YES) {
			if (r->kind == RULE_GROUP || r->kind == RULE_GROUP_HOST) {
				v->skipped[v->nskipped++] = i;
				i = r->skip > i ? r->skip : i + 1;
			} else
				i++;
			continue;
		}
		if (r->kind == RULE_GROUP || r->kind == RULE_GROUP_HOST) {
			i++;
			continue;
		}
		v->rule = (long)i;
		if (r->kind == RULE_TRASH) {
			v->kind = V_TRASH;
			e->stats.trashed++;
			mark_dropped(e, v);
			break;
		}
		if (r->kind == RULE_REPEAT) {
			repeat_line(e, v, r, t);
			e->stats.repeats++;
			break;
		}
		{
			const PCRE2_SIZE *ov;
			uint32_t np;

			if (no_captures && !cut_from) {
				/* nothing to mask: the key is the text itself */
				v->masked = v->text;
				v->maskedlen = v->textlen;
			} else {
				buf_reset(&e->masked);
				if (no_captures)
					buf_add(&e->masked, v->text, v->textlen);
				else {
					ov = match_ovector(&np);
					mask_apply(&e->masked, v->text, v->textlen,
					    ov, np, c->mask, c->masklen);
				}
				if (cut_from)
					buf_printf(&e->masked, LINE_CUT_MARK, len,
					    cut_from);
				v->masked = buf_str(&e->masked);
				v->maskedlen = e->masked.len;
			}
		}
		if (e->tmpl != NULL && r->re.ncap == 0) {
			/* no rule masked it: its template (automask.h) */
			struct automask_key k;

			buf_reset(&e->tkey);
			automask_key(e->tmpl, c, v->text, v->textlen,
			    v->rec.prog != NULL ? (long)v->rec.proglen : 0,
			    cut_from != 0, true, now, &e->tkey, &k);
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
		v->kind = V_QUEUED;
		e->stats.queued++;
		file_line(e, v, r, i, line, len, t);
		break;
	}
	if (i >= c->nrules && v->rule < 0) {
		v->kind = V_NORULE;
		e->stats.unmatched++;
		mark_dropped(e, v);
	}
	if (v->nerrors > 0) {
		e->stats.regex_errors++;
		if (v->kind != V_QUEUED && v->kind != V_REPEAT)
			e->stats.regex_errors_dropped++;
	}
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
	struct hoststate *h = host_state(e, eh->host, eh->hostlen);
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
