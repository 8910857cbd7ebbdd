/*
 * match — PCRE2 compile and match with limits.  One match-data block and
 * JIT stack per thread serve every pattern (thread-local: the daemon's
 * summary worker and check --logcheck --threads 2 match in a second
 * thread), so the line path allocates nothing per line.  A thread that
 * matched calls match_cleanup before it ends.
 */
#include "lib/match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmem.h"

#define DFA_WORKSPACE	65536	/* ints; big alternations need room */

static _Thread_local pcre2_match_data	*mdata;
static _Thread_local pcre2_match_context *mctx;
static _Thread_local pcre2_jit_stack	*jstack;
static _Thread_local uint32_t		 mdata_pairs;
static _Thread_local uint32_t		 last_pairs;
static _Thread_local int		*dfa_ws;	/* DFA_WORKSPACE ints */
static uint32_t			 lim_match = MATCH_DEFAULT_LIMIT;
static uint32_t			 lim_depth = MATCH_DEFAULT_DEPTH;

static void
setup(uint32_t pairs)
{
	if (mctx == NULL) {
		mctx = pcre2_match_context_create(NULL);
		jstack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
		if (mctx == NULL || jstack == NULL)
			abort();
		pcre2_jit_stack_assign(mctx, NULL, jstack);
		pcre2_set_match_limit(mctx, lim_match);
		pcre2_set_depth_limit(mctx, lim_depth);
	}
	if (pairs > mdata_pairs) {
		if (mdata != NULL)
			pcre2_match_data_free(mdata);
		mdata = pcre2_match_data_create(pairs, NULL);
		if (mdata == NULL)
			abort();
		mdata_pairs = pairs;
	}
}

void
match_set_limits(uint32_t match_limit, uint32_t depth_limit)
{
	lim_match = match_limit;
	lim_depth = depth_limit;
	if (mctx != NULL) {
		pcre2_set_match_limit(mctx, lim_match);
		pcre2_set_depth_limit(mctx, lim_depth);
	}
}

int
match_compile(struct regex *re, const char *src, char *err, size_t errlen)
{
	return match_compile_opts(re, src, 0, err, errlen);
}

static int
compile(struct regex *re, const char *src, uint32_t opts, bool jit, char *err,
    size_t errlen);

int
match_compile_opts(struct regex *re, const char *src, uint32_t opts, char *err,
    size_t errlen)
{
	return compile(re, src, opts, true, err, errlen);
}

int
match_compile_nojit(struct regex *re, const char *src, uint32_t opts,
    char *err, size_t errlen)
{
	return compile(re, src, opts, false, err, errlen);
}

void
match_jit(struct regex *re)
{
	/* JIT is an optimisation: the interpreter is used when it fails. */
	if (re->code != NULL)
		(void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
}

static int
compile(struct regex *re, const char *src, uint32_t opts, bool jit, char *err,
    size_t errlen)
{
	int ec;
	PCRE2_SIZE eoff;
	uint32_t ncap = 0;

	memset(re, 0, sizeof(*re));
	re->code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
	    PCRE2_NEVER_UTF | PCRE2_NEVER_UCP | PCRE2_NEVER_BACKSLASH_C | opts,
	    &ec, &eoff, NULL);
	if (re->code == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(err, errlen, "%s at offset %zu", (char *)msg, (size_t)eoff);
		return -1;
	}
	if (jit)
		match_jit(re);
	pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &ncap);
	re->ncap = ncap;
	re->src = xstrdup(src);
	setup(ncap + 1);
	return 0;
}

int
match_check(const char *src, uint32_t opts, char *err, size_t errlen)
{
	pcre2_code *code;
	int ec;
	PCRE2_SIZE eoff;

	code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
	    PCRE2_NEVER_UTF | PCRE2_NEVER_UCP | PCRE2_NEVER_BACKSLASH_C | opts,
	    &ec, &eoff, NULL);
	if (code == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(err, errlen, "%s at offset %zu", (char *)msg, (size_t)eoff);
		return -1;
	}
	pcre2_code_free(code);
	return 0;
}

void
match_free(struct regex *re)
{
	if (re->code != NULL)
		pcre2_code_free(re->code);
	free(re->src);
	memset(re, 0, sizeof(*re));
}

enum match_result
match_exec(const struct regex *re, const char *s, size_t len, const char **why)
{
	int rc;

	setup(re->ncap + 1);
	rc = pcre2_match(re->code, (PCRE2_SPTR)(s != NULL ? s : ""), len, 0, 0,
	    mdata, mctx);
	if (rc >= 0) {
		last_pairs = rc > 0 ? (uint32_t)rc : mdata_pairs;
		return MATCH_YES;
	}
	last_pairs = 0;
	if (rc == PCRE2_ERROR_NOMATCH)
		return MATCH_NO;
	if (why != NULL) {
		switch (rc) {
		case PCRE2_ERROR_MATCHLIMIT:
			*why = "PCRE2 match limit exceeded";
			break;
		case PCRE2_ERROR_DEPTHLIMIT:
			*why = "PCRE2 depth limit exceeded";
			break;
		case PCRE2_ERROR_JIT_STACKLIMIT:
			*why = "PCRE2 JIT stack limit exceeded";
			break;
		case PCRE2_ERROR_HEAPLIMIT:
			*why = "PCRE2 heap limit exceeded";
			break;
		default:
			*why = "PCRE2 match error";
			break;
		}
	}
	return MATCH_ERROR;
}

enum match_result
match_test(const struct regex *re, const char *s, size_t len, const char **why)
{
	enum match_result r = match_exec(re, s, len, why);
	int rc;

	if (r != MATCH_ERROR)
		return r;
	if (dfa_ws == NULL)
		dfa_ws = xcalloc(DFA_WORKSPACE, sizeof(*dfa_ws));
	rc = pcre2_dfa_match(re->code, (PCRE2_SPTR)(s != NULL ? s : ""), len, 0,
	    PCRE2_DFA_SHORTEST, mdata, mctx, dfa_ws, DFA_WORKSPACE);
	last_pairs = 0;
	if (rc >= 0)
		return MATCH_YES;
	if (rc == PCRE2_ERROR_NOMATCH)
		return MATCH_NO;
	if (why != NULL && rc == PCRE2_ERROR_DFA_UITEM)
		*why = "PCRE2 match limit exceeded and the DFA matcher cannot "
		    "take this pattern (backreference)";
	return MATCH_ERROR;
}

const PCRE2_SIZE *
match_ovector(uint32_t *npairs)
{
	*npairs = last_pairs;
	return pcre2_get_ovector_pointer(mdata);
}

void
match_cleanup(void)
{
	if (mdata != NULL)
		pcre2_match_data_free(mdata);
	if (jstack != NULL)
		pcre2_jit_stack_free(jstack);
	if (mctx != NULL)
		pcre2_match_context_free(mctx);
	free(dfa_ws);
	mdata = NULL;
	jstack = NULL;
	mctx = NULL;
	dfa_ws = NULL;
	mdata_pairs = 0;
}

/* ---- match_hazard: nested unbounded repetition ---- */

struct hz {
	const char	*p, *start;
	bool		 ere;
	bool		 found;
	char		*why;
	size_t		 whylen;
};

/* Skips a bracket expression starting at '['; returns the byte after. */
static const char *
hz_class(const char *p)
{
	p++;			/* '[' */
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;		/* a leading ']' is a member */
	while (*p != '\0' && *p != ']') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			const char *e = strstr(p + 2, p[1] == ':' ? ":]" :
			    p[1] == '.' ? ".]" : "=]");

			p = e != NULL ? e + 2 : p + 1;
			continue;
		}
		if (*p == '\\' && p[1] != '\0')
			p++;	/* PCRE escapes in classes (harmless for ERE) */
		p++;
	}
	return *p == ']' ? p + 1 : p;
}

/* Reads a quantifier at h->p, if any: sets *unbounded and *possessive,
 * advances past it.  Returns true when there was one. */
static bool
hz_quant(struct hz *h, bool *unbounded, bool *possessive, bool *big)
{
	const char *p = h->p;

	*unbounded = *possessive = *big = false;
	if (*p == '*' || *p == '+')
		*unbounded = true;
	else if (*p == '?')
		;
	else if (*p == '{' && p[1] >= '0' && p[1] <= '9') {
		const char *q = p + 1;

		while (*q >= '0' && *q <= '9')
			q++;
		unsigned long max = strtoul(p + 1, NULL, 10);

		if (*q == ',') {
			q++;
			*unbounded = !(*q >= '0' && *q <= '9');
			max = strtoul(q, NULL, 10);
			while (*q >= '0' && *q <= '9')
				q++;
		}
		*big = max >= 10;	/* (x*y){12}: polynomial, still bad */
		if (*q != '}')
			return false;	/* a literal '{' */
		p = q;
	} else
		return false;
	p++;
	if (!h->ere && (*p == '+' || *p == '?')) {
		*possessive = *p == '+';
		p++;
	}
	h->p = p;
	return true;
}

struct hz_info {
	bool		 unbounded;	/* an unbounded quantifier inside */
	bool		 lit_start;	/* every branch starts with a fixed byte */
	bool		 lit_end;	/* every branch ends with a fixed byte */
	bool		 alt;		/* has a top-level alternation */
	bool		 dup_first;	/* two alternatives start with the same byte */
};

/* A literal atom: a plain byte or an escaped punctuation byte. */
static bool
hz_literal(const char *atom, const char *end)
{
	if (end - atom == 1)
		return strchr(".^$", *atom) == NULL;
	if (end - atom == 2 && atom[0] == '\\')
		return strchr("wWsSdDbBhHvVRXNpPkKgQEGAzZ", atom[1]) == NULL &&
		    !(atom[1] >= '0' && atom[1] <= '9');
	return false;
}

/* Parses a sequence up to ')' or the end, describing it in *in.  A
 * repeated group is taken as dangerous when iterations can split the
 * same text in many ways: it has an unbounded repeat inside and neither
 * starts nor ends (in every alternative) with a fixed byte that would
 * mark where an iteration begins or ends.  A heuristic: it can miss a
 * hazard such as (a|ab)+c and flag a harmless group. */
static void
hz_seq(struct hz *h, int depth, struct hz_info *in)
{
	bool first = true, all_lit = true, branch_lit = false;
	bool all_end = true, last_lit = false, dup_first = false;
	unsigned char firsts[32] = { 0 };

	in->unbounded = in->lit_start = in->alt = false;
	while (*h->p != '\0' && *h->p != ')') {
		const char *atom = h->p;
		struct hz_info sub = { false, false, false, false, false };
		bool group = false, atomic = false, unb, poss, big, q;

		if (*h->p == '\\') {
			h->p += h->p[1] != '\0' ? 2 : 1;
		} else if (*h->p == '[') {
			h->p = hz_class(h->p);
		} else if (*h->p == '(') {
			h->p++;
			group = true;
			if (*h->p == '?') {
				/* (?: (?> (?= (?! (?<= (?<! (?<name> (?i) ... */
				atomic = h->p[1] == '>';
				if (h->p[1] == '<' && h->p[2] != '=' && h->p[2] != '!') {
					const char *e = strchr(h->p, '>');

					h->p = e != NULL ? e + 1 : h->p + 1;
				} else {
					h->p++;
					while (*h->p != '\0' && *h->p != ':' &&
					    *h->p != ')' && *h->p != '>' &&
					    *h->p != '=' && *h->p != '!')
						h->p++;
					if (*h->p == ')') {	/* (?i) */
						h->p++;
						continue;
					}
					if (*h->p != '\0')
						h->p++;
				}
			}
			if (depth > 200)
				return;
			hz_seq(h, depth + 1, &sub);
			if (*h->p == ')')
				h->p++;
			if (atomic)
				sub.unbounded = false;
		} else if (*h->p == '|') {
			/* every branch must start with a fixed byte */
			h->p++;
			in->alt = true;
			all_lit = all_lit && branch_lit;
			all_end = all_end && last_lit;
			branch_lit = last_lit = false;
			first = true;
			continue;
		} else {
			h->p++;
		}
		q = hz_quant(h, &unb, &poss, &big);
		if (first) {
			branch_lit = !q && (group ? sub.lit_start :
			    hz_literal(atom, h->p));
			if (branch_lit && !group) {
				/* two alternatives starting with the same byte
				 * do not tell iterations apart: (a|ab)+ */
				unsigned char c = (unsigned char)atom[atom[0] ==
				    '\\' ? 1 : 0];

				if (firsts[c >> 3] & (1u << (c & 7)))
					dup_first = true;
				firsts[c >> 3] |= (unsigned char)(1u << (c & 7));
			}
		}
		first = false;
		last_lit = !q && (group ? sub.lit_end : hz_literal(atom, h->p));
		if (q && (unb || big) && !poss && group && !h->found &&
		    ((sub.unbounded && !sub.lit_start && !sub.lit_end) ||
		    (unb && sub.dup_first))) {
			int n = (int)(h->p - atom);

			h->found = true;
			snprintf(h->why, h->whylen, "ambiguous repetition "
			    "'%.*s%s' at offset %d", n > 60 ? 60 : n, atom,
			    n > 60 ? "..." : "", (int)(atom - h->start));
		}
		if ((q && unb && !poss) || sub.unbounded)
			in->unbounded = true;
	}
	in->lit_start = all_lit && branch_lit && !dup_first;
	in->lit_end = all_end && last_lit;
	in->dup_first = dup_first;
}

bool
match_hazard(const char *src, bool ere, char *why, size_t whylen)
{
	struct hz h = { src, src, ere, false, why, whylen };

	if (whylen > 0)
		why[0] = '\0';
	while (*h.p != '\0' && !h.found) {
		struct hz_info in;

		hz_seq(&h, 0, &in);
		if (*h.p == ')')
			h.p++;		/* unbalanced: go on */
	}
	return h.found;
}
