/*
 * engine_walk — a line's way through the rules, without side effects
 * (see engine_walk.h).
 *
 * Built-in prefixes (record), then the logprefix regexes; hidepid
 * rewrites "prog[123]: " to "prog: ".  One Hyperscan pass gives every
 * message rule's answer; PCRE2 runs for a rule only to confirm an
 * approximation, or for the captures of the rule that takes the line.
 * A rule whose match hits a PCRE2 limit is listed in v->errors and taken
 * as not matching (a group is skipped); engine.c counts it.
 */
#include "classify/engine_walk.h"

#include <stddef.h>
#include <string.h>

#include "classify/automask.h"
#include "classify/engine.h"
#include "classify/mask.h"
#include "classify/lead.h"
#include "conf/sel.h"
#include "lib/log.h"
#include "lib/map.h"
#include "lib/match.h"
#include "lib/xmem.h"

static void
lane_bufs(struct engine_lane *ln, const struct engine *e)
{
	size_t n = e->conf->nrules ? e->conf->nrules : 1;

	ln->hits = xcalloc(n, sizeof(*ln->hits));
	ln->skipped = xcalloc(n, sizeof(*ln->skipped));
	ln->errors = xcalloc(n, sizeof(*ln->errors));
	ln->hostmemo = xcalloc(ENGINE_HOSTMEMO, sizeof(*ln->hostmemo));
	buf_init(&ln->text, SIZE_MAX / 4);
	buf_init(&ln->masked, SIZE_MAX / 4);
}

/* Every lane scans with a scratch and hit lists of its own (the engine's
 * database is shared): the walk never writes to the engine, which may
 * be moved (reload copies it) while lanes point nowhere into it. */
int
engine_walk_lane_fork(struct engine_lane *ln, struct engine *e)
{
	memset(ln, 0, sizeof(*ln));
	if (e->use_scan) {
		if (scan_fork(&e->scan, &ln->own) == -1)
			return -1;
		ln->forked = true;
	}
	lane_bufs(ln, e);
	return 0;
}

void
engine_walk_lane_init(struct engine_lane *ln, struct engine *e)
{
	if (engine_walk_lane_fork(ln, e) == -1)
		fatalx("Hyperscan: no memory for a scratch space");
}

void
engine_walk_lane_free(struct engine_lane *ln)
{
	if (ln->forked)
		scan_fork_free(&ln->own);
	free(ln->hits);
	free(ln->skipped);
	free(ln->errors);
	buf_free(&ln->text);
	buf_free(&ln->masked);
	free(ln->tline);
	free(ln->hostmemo);
	memset(ln, 0, sizeof(*ln));
}

/* The scan's hits in rule order (usually one or two). */
static size_t
sorted_hits(struct engine_lane *ln)
{
	const struct scan *s = &ln->own;
	size_t n = s->ntouched, i, j;

	for (i = 0; i < n; i++) {
		uint32_t id = s->touched[i];

		for (j = i; j > 0 && ln->hits[j - 1] > id; j--)
			ln->hits[j] = ln->hits[j - 1];
		ln->hits[j] = id;
	}
	return n;
}

/* hidepid: "PROG[digits]: rest" → "PROG: rest" (PROG = the leading run of
 * non-space bytes up to the "[", as tenshi's s/^(\S+)\[\d+\]: /$1: /). */
static bool
hidepid(const char *m, size_t len, size_t *keep, size_t *skip_to)
{
	static const unsigned char space[256] = {
		[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1,
		['\r'] = 1,
	};
	size_t run = 0, j;

	while (run < len && !space[(unsigned char)m[run]])
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

/* hidepid on the verdict's text, from the tag record_parse found when the
 * text is the record's message: "prog[pid]: " with a space after the
 * colon is hidepid's form exactly (prog holds no blank, '[' or ':'), and
 * a tag without a pid never is.  Otherwise (no tag, a pid too long for
 * the tag, RFC 5424 text) the scan above. */
static bool
hidepid_text(const struct verdict *v, size_t *keep, size_t *skip_to)
{
	const struct record *r = &v->rec;
	size_t i;

	if (v->text != r->msg || r->prog == NULL)
		return hidepid(v->text, v->textlen, keep, skip_to);
	if (r->pid < 0)
		return false;
	for (i = r->proglen + 1; v->text[i] != ']'; i++)
		;
	if (i + 2 >= v->textlen || v->text[i + 2] != ' ')
		return false;
	*keep = r->proglen;
	*skip_to = i + 1;
	return true;
}

/* Finds the host and the message.  Returns false when no prefix matched
 * (or a logprefix matched without its capture group). */
static bool
find_prefix(const struct engine *e, struct engine_lane *ln, const char *line,
    size_t len, struct verdict *v)
{
	const struct conf *c = e->conf;
	size_t i;

	v->prefix = -1;
	if (record_parse(&v->rec, line, len) != REC_NONE && v->rec.host != NULL) {
		v->host = v->rec.host;
		v->hostlen = v->rec.hostlen;
		v->hosthash = map_hash(v->host, v->hostlen);
		if (v->rec.format == REC_RFC5424) {
			/* Rules are written for "prog[pid]: message"; give
			 * them that form for RFC 5424 records too. */
			buf_reset(&ln->text);
			if (v->rec.prog != NULL) {
				buf_add(&ln->text, v->rec.prog, v->rec.proglen);
				if (v->rec.procid != NULL) {
					buf_addc(&ln->text, '[');
					buf_add(&ln->text, v->rec.procid,
					    v->rec.procidlen);
					buf_addc(&ln->text, ']');
				}
				buf_add(&ln->text, ": ", 2);
			}
			buf_add(&ln->text, v->rec.msg, v->rec.msglen);
			v->text = buf_str(&ln->text);
			v->textlen = ln->text.len;
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
		buf_reset(&ln->text);
		buf_add(&ln->text, line, ov[0]);
		buf_add(&ln->text, line + ov[1], len - ov[1]);
		v->text = buf_str(&ln->text);
		v->textlen = ln->text.len;
		v->hosthash = map_hash(v->host, v->hostlen);
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

/* The key of the queue rule that matched: the text with its captures
 * masked (the last match's), or the text itself. */
static void
mask_key(const struct engine *e, struct engine_lane *ln, struct verdict *v,
    bool no_captures, size_t len, size_t cut_from)
{
	const PCRE2_SIZE *ov;
	uint32_t np;

	if (no_captures && !cut_from) {
		/* nothing to mask: the key is the text itself */
		v->masked = v->text;
		v->maskedlen = v->textlen;
		return;
	}
	buf_reset(&ln->masked);
	if (no_captures)
		buf_add(&ln->masked, v->text, v->textlen);
	else {
		ov = match_ovector(&np);
		mask_apply(&ln->masked, v->text, v->textlen, ov, np,
		    e->conf->mask, e->conf->masklen);
	}
	if (cut_from)
		buf_printf(&ln->masked, ENGINE_CUT_MARK, len, cut_from);
	v->masked = buf_str(&ln->masked);
	v->maskedlen = ln->masked.len;
}

/* group_host rule i (r) on the line's host: the lane remembers the
 * answers (a host's lines come again and again, and the answer depends
 * on the host's name alone); a limit hit is not remembered. */
static enum match_result
host_match(struct engine_lane *ln, const struct rule *r, size_t i,
    const struct verdict *v, const char **why)
{
	struct engine_hostmemo *m;
	enum match_result mr;

	if (v->hostlen == 0 || v->hostlen > ENGINE_HOSTMEMO_LEN)
		return match_exec(&r->re, v->host, v->hostlen, why);
	m = &ln->hostmemo[(v->hosthash ^ (uint64_t)i * 0x9e3779b97f4a7c15ULL) %
	    ENGINE_HOSTMEMO];
	if (m->len == v->hostlen && m->rule == i &&
	    memcmp(m->host, v->host, v->hostlen) == 0)
		return m->yes ? MATCH_YES : MATCH_NO;
	mr = match_exec(&r->re, v->host, v->hostlen, why);
	if (mr == MATCH_YES || mr == MATCH_NO) {
		m->rule = (uint32_t)i;
		m->len = (uint8_t)v->hostlen;
		m->yes = mr == MATCH_YES;
		memcpy(m->host, v->host, v->hostlen);
	}
	return mr;
}

/* The walk is at rule i and would visit rule j next (a hit, or a rule
 * the scan cannot answer): the groups around j that start at i or after
 * have not been visited, and none of them was hit (a hit would be the
 * next rule to visit, not j), so the outermost one fails.  Returns it,
 * to be visited and jumped over, or j when there is none.  (Groups and
 * selectors the scan cannot answer are in next_visit: none of them is
 * between i and j.) */
static size_t
outer_group(const struct engine *e, size_t i, size_t j)
{
	size_t g, first = j;

	for (g = e->parent[j]; g != ENGINE_NO_PARENT && g >= i;
	    g = e->parent[g])
		first = g;
	return first;
}

/* The rules from i on. */
static enum walk_end
rules_from(const struct engine *e, struct engine_lane *ln, size_t i,
    size_t len, size_t cut_from, struct verdict *v)
{
	const struct conf *c = e->conf;
	const struct scan *sc = &e->scan;	/* modes (shared) */
	size_t hi = ln->hi;

	while (i < c->nrules) {
		const struct rule *r;
		enum match_result mr;
		const char *why = NULL;
		bool no_captures = false, hit = false;

		if (ln->scanned == 1) {
			/* jump over rules the scan says do not match: to the
			 * next hit, or the next rule the scan cannot answer
			 * (or, visiting groups, the next group) */
			size_t nh, stop = ln->visit_groups ?
			    e->next_special[i] : e->next_visit[i];

			while (hi < ln->nhits && ln->hits[hi] < i)
				hi++;
			nh = hi < ln->nhits ? ln->hits[hi] : c->nrules;
			if (stop < nh)
				nh = stop;
			if (nh < c->nrules && !ln->visit_groups)
				nh = outer_group(e, i, nh);
			i = nh;
			if (i >= c->nrules)
				break;
			hit = ln->own.hit[i];
		}
		r = &c->rules[i];

		if (r->kind == RULE_LOGCHECK) {
			v->rule = (long)i;
			ln->hi = hi;
			return WALK_LOGCHECK;
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
			mr = host_match(ln, r, i, v, &why);
		else if (ln->scanned == 1 && e->every[i]) {
			mr = MATCH_YES;
			no_captures = true;
		} else if (ln->scanned != 1 || sc->mode[i] == SCAN_ALWAYS)
			mr = match_exec(&r->re, v->text, v->textlen, &why);
		else if (!hit)
			mr = MATCH_NO;
		else if (sc->mode[i] == SCAN_PREFILTER || needs_captures(r))
			mr = match_exec(&r->re, v->text, v->textlen, &why);
		else {
			mr = MATCH_YES;
			no_captures = true;
		}
		if (mr == MATCH_ERROR) {
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
		if (r->kind == RULE_TRASH)
			return WALK_TRASH;
		if (r->kind == RULE_REPEAT) {
			v->credit = r->re.ncap > 0 && !no_captures ?
			    capture_number(v->text) : 0;
			return WALK_REPEAT;
		}
		mask_key(e, ln, v, no_captures, len, cut_from);
		return WALK_QUEUE;
	}
	return WALK_NORULE;
}

/* The rules from i on, and for a line the template store will mine
 * (engine.c's template_key), the miner's line-only work. */
static enum walk_end
walk_from(const struct engine *e, struct engine_lane *ln, size_t i,
    size_t len, size_t cut_from, struct verdict *v)
{
	enum walk_end w = rules_from(e, ln, i, len, cut_from, v);

	if (w == WALK_QUEUE && e->tmpl != NULL &&
	    e->conf->rules[v->rule].re.ncap == 0) {
		if (ln->seen != NULL && ln->tline == NULL)
			ln->tline = xcalloc(1, sizeof(*ln->tline));
		automask_prep(e->tmpl, ln->tline, ln->seen, v->text,
		    v->textlen, v->rec.prog != NULL ? (long)v->rec.proglen : 0,
		    &v->tprep);
	}
	return w;
}

/* v zeroed but for its record, which find_prefix's record_parse writes
 * whole (xzero: see there). */
static void
verdict_clear(struct verdict *v)
{
	const size_t a = offsetof(struct verdict, rec), b = a + sizeof(v->rec);

	xzero(v, a);
	xzero((char *)v + b, sizeof(*v) - b);
}

enum walk_end
engine_walk_line(const struct engine *e, struct engine_lane *ln, const char *line,
    size_t len, size_t cut_from, struct verdict *v)
{
	size_t keep, skip_to;

	verdict_clear(v);
	v->rule = -1;
	v->skipped = ln->skipped;
	v->errors = ln->errors;
	v->rec.line = line;
	v->rec.len = len;
	if (!find_prefix(e, ln, line, len, v)) {
		v->rec.line = line;
		v->rec.len = len;
		return v->prefix >= 0 ? WALK_PREFIX_NOHOST : WALK_NOPREFIX;
	}
	v->rec.line = line;
	v->rec.len = len;

	if (e->conf->hidepid && hidepid_text(v, &keep, &skip_to)) {
		if (v->text == ln->text.data) {
			/* built in ln->text already: the pid goes in place */
			memmove(ln->text.data + keep, ln->text.data + skip_to,
			    v->textlen - skip_to);
			ln->text.len = keep + v->textlen - skip_to;
			ln->text.data[ln->text.len] = '\0';
		} else {
			buf_reset(&ln->text);
			buf_add(&ln->text, v->text, keep);
			buf_add(&ln->text, v->text + skip_to,
			    v->textlen - skip_to);
		}
		v->text = buf_str(&ln->text);
		v->textlen = ln->text.len;
	}

	ln->scanned = 0;
	ln->nhits = ln->hi = 0;
	if (e->use_scan && !lead_may(e->lead, v->text, v->textlen)) {
		/* no scanned rule can match a text that starts so */
		scan_set(&ln->own, NULL, 0);
		ln->scanned = 1;
	} else if (e->use_scan) {
		ln->scanned = scan_line(&ln->own, v->text, v->textlen) == 0 ?
		    1 : -1;
		if (ln->scanned == 1)
			ln->nhits = sorted_hits(ln);
	}
	return walk_from(e, ln, 0, len, cut_from, v);
}

enum walk_end
engine_walk_resume(const struct engine *e, struct engine_lane *ln,
    size_t len, size_t cut_from, struct verdict *v)
{
	size_t from = (size_t)v->rule + 1;

	v->rule = -1;
	return walk_from(e, ln, from, len, cut_from, v);
}
