/*
 * match — PCRE2 compile and match with limits.  One shared match-data
 * block and JIT stack serve every pattern: the line path is single
 * threaded and allocates nothing per line.
 */
#include "match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

#define DFA_WORKSPACE	65536	/* ints; big alternations need room */

static pcre2_match_data		*mdata;
static pcre2_match_context	*mctx;
static pcre2_jit_stack		*jstack;
static uint32_t			 mdata_pairs;
static uint32_t			 last_pairs;
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

int
match_compile_opts(struct regex *re, const char *src, uint32_t opts, char *err,
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
	/* JIT is an optimisation: the interpreter is used when it fails. */
	(void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
	pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &ncap);
	re->ncap = ncap;
	re->src = xstrdup(src);
	setup(ncap + 1);
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
	static int ws[DFA_WORKSPACE];
	int rc;

	if (r != MATCH_ERROR)
		return r;
	rc = pcre2_dfa_match(re->code, (PCRE2_SPTR)(s != NULL ? s : ""), len, 0,
	    PCRE2_DFA_SHORTEST, mdata, mctx, ws, DFA_WORKSPACE);
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
	mdata = NULL;
	jstack = NULL;
	mctx = NULL;
	mdata_pairs = 0;
}
