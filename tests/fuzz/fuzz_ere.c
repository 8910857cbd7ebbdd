/*
 * fuzz_ere — the GNU ERE translator on any pattern.
 *
 * Input: PATTERN, optionally followed by "\n" and a SUBJECT (a pattern
 * cannot contain a newline, so the split is unambiguous).
 *
 * For both targets: ere_translate must not crash, must fail with an
 * "offset N: ..." message or succeed; a successful PCRE2 translation must
 * compile (PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY, as ere.h says) unless a
 * PCRE2 size limit is hit, and is run (with match limits) on the subject
 * and a few fixed lines.  The Hyperscan form is PCRE syntax too: it is
 * compiled with PCRE2 and must answer like the PCRE2 form (a pattern
 * with a backreference may translate for Hyperscan when the reference
 * drops out, as in \1{0}).  Finally, the translation must agree on
 * every subject with glibc's regex compiled with grep -E's syntax, where
 * that is a fair oracle (see oracle()), and a pattern regex accepts must
 * translate unless ere.h documents why not.
 */
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "conf/ere.h"
#include "lib/match.h"

#define FAIL(...) do { fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); abort(); } while (0)
#define CHECK(x) do { if (!(x)) FAIL("CHECK failed: %s (line %d)", #x, \
	__LINE__); } while (0)

#define RULE_OPTS	(PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY)
#define NSUBJ		6

static const char *const fixed[] = {
	"Nov 21 10:00:00 host sshd[42]: Accepted publickey for root from 10.0.0.1 port 22",
	"",
	"kernel: [ 12.345] eth0: link up\n",
	"\x00\xff\x80 a_b-c  \t\r\n",
};

/* compile errors that are PCRE2 limits, not bad syntax */
static int
is_limit(const char *err)
{
	return strstr(err, "too large") != NULL ||
	    strstr(err, "too deeply") != NULL ||
	    strstr(err, "too long") != NULL ||
	    strstr(err, "too many") != NULL ||
	    strstr(err, "heap limit") != NULL ||
	    strstr(err, "failed to get memory") != NULL;
}

static int
translate(struct buf *o, const char *pat, size_t len, enum ere_target t,
    char *err, size_t errlen)
{
	int rc;

	memset(err, 'x', errlen);
	rc = ere_translate(o, pat, len, t, err, errlen);
	CHECK(rc == 0 || rc == -1);
	CHECK(memchr(err, '\0', errlen) != NULL);
	if (rc == -1) {
		CHECK(strncmp(err, "offset ", 7) == 0);
		CHECK(o->len == 0);
	} else {
		CHECK(err[0] == '\0');
		CHECK(strlen(buf_str(o)) == o->len);	/* no raw NUL */
	}
	return rc;
}

/* 1 match, 0 no match, -1 limit */
static int
run(const struct regex *re, const char *s, size_t len)
{
	const char *why;
	enum match_result m = match_exec(re, len ? s : "", len, &why);

	return m == MATCH_YES ? 1 : m == MATCH_NO ? 0 : -1;
}

/*
 * The oracle: glibc's GNU regex with grep -E's syntax (RE_SYNTAX_EGREP,
 * which grep 3.8 hands to both dfa.c and regex), an independent reading
 * of the same ERE.  Used where grep's two parsers agree (without a
 * backreference dfa.c selects grep's lines): no backreference, no
 * quantifier without an atom before it (pattern start, after '(', '|'
 * or an anchor: dfa.c repeats the anchor or the empty string, regex
 * skips the quantifier; see ere_glibc.c), no backslash inside
 * braces ("a{\,3}" is an interval for regex, text for dfa.c).  Patterns
 * costly for regex (it copies a repeated subtree per repetition,
 * exponentially when quantifiers stack) are left out too: stacked
 * quantifiers, more than 8, bounds of two digits.  Subjects are searched
 * with lengths, so NUL bytes are data; '.' matches NUL and newline, as
 * in grep.
 */
#define ORACLE_MAX	48

static int
oracle_skip(const char *s, size_t n)
{
	size_t i = 0, j;
	int atom = 0, quant = 0, nquant = 0;

	while (i < n) {
		int c = (unsigned char)s[i++];

		switch (c) {
		case '\\':
			atom = i >= n || s[i] == '\0' ||
			    strchr("<>bB`'", s[i]) == NULL;
			i++;
			break;
		case '[':
			j = i;
			if (j < n && s[j] == '^')
				j++;
			if (j < n && s[j] == ']')
				j++;
			for (; j < n && s[j] != ']'; j++) {
				if (s[j] == '[' && j + 1 < n && s[j + 1] != '\0' &&
				    strchr(":.=", s[j + 1]) != NULL) {
					char d = s[j + 1];

					for (j += 2; j + 1 < n && !(s[j] == d &&
					    s[j + 1] == ']'); j++)
						;
					j++;
				}
			}
			i = j + 1;
			atom = 1;
			break;
		case '(':
		case '|':
		case '^':
		case '$':
			atom = 0;
			break;
		case '*':
		case '+':
		case '?':
		case '{':
			if (!atom || quant || ++nquant > 8)
				return 1;
			/* regex copies the tree per repetition: no bound of
			 * two digits or more */
			for (j = i; c == '{' && j + 1 < n && s[j] != '}'; j++)
				if (s[j] >= '0' && s[j] <= '9' &&
				    s[j + 1] >= '0' && s[j + 1] <= '9')
					return 1;
			/* "a{\,3}": regex reads an interval, dfa.c (which
			 * selects grep's lines) a literal '{' */
			for (j = i; c == '{' && j < n && s[j] != '}'; j++)
				if (s[j] == '\\')
					return 1;
			quant = 2;	/* cleared by the next token */
			break;
		default:
			atom = 1;
			break;
		}
		if (quant > 0)
			quant--;
	}
	return 0;
}

static void
oracle(const char *pat, size_t plen, const char *const *subj,
    const size_t *slen, size_t ns, const int *res, const char *shown)
{
	struct re_pattern_buffer rb;
	const char *e;
	regoff_t r;
	size_t i;

	memset(&rb, 0, sizeof(rb));
	re_syntax_options = RE_SYNTAX_EGREP | RE_NO_SUB;
	e = re_compile_pattern(pat, plen, &rb);
	if (e != NULL)
		return;
	if (res == NULL) {
		/* ere.c refused it: fine only for what dfa.c (not regex)
		 * refuses, or what ere.h documents as not supported */
		regfree(&rb);
		if (strstr(shown, "not supported") == NULL &&
		    strstr(shown, "[[:space:]]") == NULL &&
		    strstr(shown, "nests too deeply") == NULL &&
		    strstr(shown, "too long") == NULL)
			FAIL("glibc regex accepts the pattern, ere.c says: %s",
			    shown);
		return;
	}
	rb.newline_anchor = 0;	/* re_compile_pattern sets it */
	for (i = 0; i < ns; i++) {
		/* grep never has a newline inside a line, and regex's DFA
		 * takes one for a line start whatever newline_anchor says */
		if (res[i] == -1 || memchr(subj[i], '\n', slen[i]) != NULL)
			continue;
		r = re_search(&rb, slen[i] ? subj[i] : "", (regoff_t)slen[i], 0,
		    (regoff_t)slen[i], NULL);
		if (r == -2)
			continue;
		if ((r >= 0) != res[i]) {
			fprintf(stderr, "glibc regex and /%s/ disagree on "
			    "subject %zu (glibc %d)\n", shown, i, r >= 0);
			abort();
		}
	}
	regfree(&rb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	const char *in = (const char *)data, *nl, *subj[NSUBJ];
	size_t plen, slen[NSUBJ], ns = 0, i;
	struct buf pc, hs;
	struct regex re_pc, re_hs;
	int pc_ok, hs_ok, have_pc = 0, have_hs = 0, res_pc[NSUBJ];
	char err[256], pc_err[256];

	if (!inited) {
		match_set_limits(100000, 1000);
		inited = 1;
	}
	nl = memchr(in, '\n', size);
	plen = nl != NULL ? (size_t)(nl - in) : size;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		subj[ns] = fixed[i];
		slen[ns++] = i == 3 ? 15 : strlen(fixed[i]);
	}
	subj[ns] = in;				/* the pattern as a subject */
	slen[ns++] = plen;
	if (nl != NULL) {
		subj[ns] = nl + 1;
		slen[ns++] = size - plen - 1;
	}

	buf_init(&pc, 1 << 22);
	buf_init(&hs, 1 << 22);
	pc_ok = translate(&pc, in, plen, ERE_PCRE2, pc_err, sizeof(pc_err)) == 0;
	hs_ok = translate(&hs, in, plen, ERE_HYPERSCAN, err, sizeof(err)) == 0;
	/* Hyperscan can express less, never more */
	if (hs_ok)
		CHECK(pc_ok);

	if (pc_ok) {
		if (match_compile_opts(&re_pc, buf_str(&pc), RULE_OPTS, err,
		    sizeof(err)) == 0)
			have_pc = 1;
		else if (!is_limit(err)) {
			fprintf(stderr, "PCRE2 form /%s/ does not compile: %s\n",
			    buf_str(&pc), err);
			abort();
		}
	}
	if (hs_ok) {
		if (match_compile_opts(&re_hs, buf_str(&hs), RULE_OPTS, err,
		    sizeof(err)) == 0)
			have_hs = 1;
		else if (!is_limit(err)) {
			fprintf(stderr, "Hyperscan form /%s/ does not compile "
			    "with PCRE2: %s\n", buf_str(&hs), err);
			abort();
		}
	}
	for (i = 0; i < ns; i++) {
		res_pc[i] = have_pc ? run(&re_pc, subj[i], slen[i]) : -1;
		if (have_hs) {
			int r = run(&re_hs, subj[i], slen[i]);

			if (r != -1 && res_pc[i] != -1 && r != res_pc[i]) {
				fprintf(stderr, "PCRE2 form /%s/ and Hyperscan "
				    "form /%s/ disagree on subject %zu\n",
				    buf_str(&pc), buf_str(&hs), i);
				abort();
			}
		}
	}

#ifndef NO_GLIBC_DIFF
	if ((have_pc || !pc_ok) && plen <= ORACLE_MAX &&
	    !ere_has_backref(in, plen) && !oracle_skip(in, plen))
		oracle(in, plen, subj, slen, ns, have_pc ? res_pc : NULL,
		    have_pc ? buf_str(&pc) : pc_err);
#endif
	if (have_pc)
		match_free(&re_pc);
	if (have_hs)
		match_free(&re_hs);
	buf_free(&pc);
	buf_free(&hs);
	return 0;
}
