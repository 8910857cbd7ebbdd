/*
 * Unit tests for ere, the GNU ERE (grep -E 3.8, C locale) translation.
 *
 * A few exact output strings; mostly behaviour: the PCRE2 form is
 * compiled as callers compile it (PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY)
 * and run on subjects whose expected result was taken from GNU grep 3.8
 * (LC_ALL=C grep -a -E).  Then the shipped logcheck rules whose meaning
 * differs between grep and PCRE as written, every rule of /etc/logcheck,
 * and the Hyperscan form (its strings only: these tests link PCRE2 alone).
 * tests/unit/data/ere-fuzz.sh is a randomized differential test against
 * the real grep (not run by make check).
 * Subjects are heap copies of exactly their length so ASan catches reads
 * past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <ctype.h>
#include <dirent.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "lib/buf.h"
#include "conf/ere.h"

#define S(s)		s, sizeof(s) - 1	/* string and its length */
#define LOGCHECK	"/etc/logcheck"
#define OUTMAX		(1024 * 1024)
#define PCRE2_OPTS	(PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY)

/* Translates ere[0..len) for target; returns an owned string, or NULL
 * with the message in err. */
static char *
translate(const char *ere, size_t len, enum ere_target target, char *err,
    size_t errlen)
{
	struct buf out;
	char *s;

	buf_init(&out, OUTMAX);
	if (ere_translate(&out, ere, len, target, err, errlen) == -1) {
		buf_free(&out);
		return NULL;
	}
	/* every byte that matters is escaped: the result is a C string */
	assert_int_equal(strlen(buf_str(&out)), out.len);
	s = buf_steal(&out);
	return s;
}

static pcre2_code *
compile_raw(const char *pattern, const char *what)
{
	pcre2_code *re;
	PCRE2_SIZE eoff;
	int ec;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_OPTS, &ec, &eoff, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(ec, msg, sizeof(msg));
		fail_msg("%s: PCRE2 refuses '%s': %s at %zu", what, pattern,
		    (char *)msg, (size_t)eoff);
	}
	return re;
}

/* The PCRE2 translation of ere[0..len), compiled. */
static pcre2_code *
compile_ere(const char *ere, size_t len)
{
	char err[256], *pat;
	pcre2_code *re;

	pat = translate(ere, len, ERE_PCRE2, err, sizeof(err));
	if (pat == NULL)
		fail_msg("'%.*s' does not translate: %s", (int)len, ere, err);
	re = compile_raw(pat, ere);
	free(pat);
	return re;
}

/* 1 when re matches subj[0..len), 0 when not. */
static int
run(pcre2_code *re, const char *subj, size_t len)
{
	pcre2_match_data *md;
	char *copy;
	int rc;

	copy = malloc(len > 0 ? len : 1);
	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, subj, len);
	md = pcre2_match_data_create_from_pattern(re, NULL);
	assert_non_null(md);
	rc = pcre2_match(re, (PCRE2_SPTR)copy, len, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	free(copy);
	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
		fail_msg("pcre2_match failed: %d", rc);
	return rc >= 0;
}

static void
check_string(const char *ere, size_t len, enum ere_target target,
    const char *want)
{
	char err[256], *got;

	got = translate(ere, len, target, err, sizeof(err));
	if (got == NULL)
		fail_msg("'%s' does not translate for %s: %s", ere,
		    target == ERE_PCRE2 ? "PCRE2" : "Hyperscan", err);
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "# '%s' for %s: got '%s', want '%s'\n", ere,
		    target == ERE_PCRE2 ? "PCRE2" : "Hyperscan", got, want);
		free(got);
		fail();
	}
	free(got);
}

static void
check_refused(const char *ere, size_t len, enum ere_target target,
    const char *want)
{
	char err[256], *got;

	got = translate(ere, len, target, err, sizeof(err));
	if (got != NULL) {
		fprintf(stderr, "# '%s' translated to '%s', want an error "
		    "'%s'\n", ere, got, want);
		free(got);
		fail();
	}
	if (strncmp(err, "offset ", 7) != 0 || strstr(err, want) == NULL)
		fail_msg("'%s': message '%s', want '%s'", ere, err, want);
}

struct shape {
	const char	*ere;
	const char	*want;
};

static void
test_pcre2_strings(void **state)
{
	static const struct shape t[] = {
		/* the prefix of 1011 shipped rules */
		{ "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ ",
		  "^(?:[0-9A-Z_a-z]{3} [\\x20\\:[:digit:]]{11}|"
		  "[\\x30-\\x39T\\:\\.\\+\\-]{32}) [\\.\\_[:alnum:]\\-]+ " },
		/* backslash inside brackets is a member */
		{ "[\\./:[:alnum:]-]+", "[\\\\\\.\\/\\:[:alnum:]\\-]+" },
		{ "[[:alpha:]^\\.]", "[[:alpha:]\\^\\\\\\.]" },
		/* Hyperscan misreads a bracket that starts with ':' */
		{ "[:[:xdigit:]]", "[\\:[:xdigit:]]" },
		{ "[]a]", "[\\]a]" },
		{ "[^]a]", "[^\\]a]" },
		{ "[a-z]", "[\\x61-\\x7a]" },
		{ "[ \x01\xff]", "[\\x20\\x01\\xff]" },
		{ "a{,2}", "a{0,2}" },
		{ "a{,}", "a*" },
		{ "a{1,}", "a+" },
		{ "a{0,1}", "a?" },
		{ "a{2,}", "a{2,}" },
		{ "a{2,5}", "a{2,5}" },
		/* stacked repeats repeat the repetition */
		{ "a{2}{3}", "(?:a{2}){3}" },
		{ "a*+", "(?:a*)+" },
		{ "a+?", "(?:a+)?" },
		{ "a**", "(?:a*)*" },
		/* a repeat with nothing to repeat is dropped */
		{ "*a", "a" },
		{ "(+a)", "(?:a)" },
		{ "()*a", "a" },
		{ "a|", "a|" },
		{ "()", "(?:)" },
		{ "(a|)", "(?:a|)" },
		{ "a)", "a\\)" },
		{ "a{x}", "a\\{x\\}" },
		{ "{", "\\{" },
		{ "\\w\\W\\s\\S", "[0-9A-Z_a-z][^0-9A-Z_a-z]"
		  "[\\x09-\\x0d\\x20][^\\x09-\\x0d\\x20]" },
		{ "\\<a\\>", "\\b(?=[0-9A-Z_a-z])a\\b(?<=[0-9A-Z_a-z])" },
		{ "\\bx\\B", "\\bx\\B" },
		{ "\\`a\\'", "\\Aa\\z" },
		{ "x(\\`a|b)", "x(?:\\Aa|b)" },
		/* with a backreference groups capture */
		{ "(a)\\1", "(a)\\g{1}" },
		{ "(a)\\10", "(a)\\g{1}0" },
		{ "((a)|b)\\2", "((a)|b)\\g{2}" },
		{ "\\d\\y\\.\\{\\/", "dy\\.\\{/" },
		{ "a\x09\x7f\xe9", "a\\x09\\x7f\\xe9" },
		{ "a b:c-d/e#", "a b:c-d/e#" },
		/* repeated anchors: zero-width, so once or not at all */
		{ "^*a$+", "a$" },
		{ "a{0}b", "b" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		check_string(t[i].ere, strlen(t[i].ere), ERE_PCRE2, t[i].want);
	check_string(S("a\0b"), ERE_PCRE2, "a\\x00b");
}

struct row {
	const char	*ere;
	size_t		 erelen;
	const char	*subj;
	size_t		 subjlen;
	int		 want;		/* grep -E matches */
};

/* Every expectation below is what LC_ALL=C grep -a -E 3.8 answered. */
static const struct row rows[] = {
	{ S("[]a]"), S("]"), 1 },
	{ S("[]a]"), S("a"), 1 },
	{ S("[]a]"), S("b"), 0 },
	{ S("[^]a]"), S("]"), 0 },
	{ S("[^]a]"), S("a"), 0 },
	{ S("[^]a]"), S("b"), 1 },
	{ S("[a-]"), S("-"), 1 },
	{ S("[a-]"), S("b"), 0 },
	{ S("[-a]"), S("-"), 1 },
	{ S("[-a]"), S("b"), 0 },
	{ S("[\\.]"), S("\\"), 1 },
	{ S("[\\.]"), S("."), 1 },
	{ S("[\\.]"), S("x"), 0 },
	{ S("[\\n]"), S("\\"), 1 },
	{ S("[\\n]"), S("n"), 1 },
	{ S("[\\n]"), S("x"), 0 },
	{ S("[[]"), S("["), 1 },
	{ S("[[]"), S("a"), 0 },
	{ S("[a[]"), S("["), 1 },
	{ S("[a[]"), S("a"), 1 },
	{ S("[a[]"), S("b"), 0 },
	{ S("[[:alpha:]]"), S("a"), 1 },
	{ S("[[:alpha:]]"), S("1"), 0 },
	{ S("[[:alpha:]]"), S("\xe9"""), 0 },
	{ S("[:[:xdigit:]]"), S(":"), 1 },
	{ S("[:[:xdigit:]]"), S("f"), 1 },
	{ S("[:[:xdigit:]]"), S("g"), 0 },
	{ S("[[:alpha:]-]"), S("-"), 1 },
	{ S("[[:alpha:]-]"), S("a"), 1 },
	{ S("[[:alpha:]-]"), S("1"), 0 },
	{ S("[a-c]"), S("b"), 1 },
	{ S("[a-c]"), S("d"), 0 },
	{ S("[\x80""-\xff""]"), S("\x80"""), 1 },
	{ S("[\x80""-\xff""]"), S("\xff"""), 1 },
	{ S("[\x80""-\xff""]"), S("\x7f"""), 0 },
	{ S("[a-\xe9""]"), S("\xb0"""), 1 },
	{ S("[a-\xe9""]"), S("\xea"""), 0 },
	{ S("[^a]"), S("\x00"""), 1 },
	{ S("[^a]"), S("a"), 0 },
	{ S("[^a]"), S(""), 0 },
	{ S("[--/]"), S("."), 1 },
	{ S("[--/]"), S("0"), 0 },
	{ S("[]-a]"), S("^"), 1 },
	{ S("[]-a]"), S("b"), 0 },
	{ S("[[:alpha:]^\\.]"), S("^"), 1 },
	{ S("[[:alpha:]^\\.]"), S("\\"), 1 },
	{ S("[[:alpha:]^\\.]"), S("1"), 0 },
	{ S("[^[:alpha:]]"), S("\x00"""), 1 },
	{ S("[^[:alpha:]]"), S("a"), 0 },
	{ S("[^\\]"), S("\\"), 0 },
	{ S("[^\\]"), S("a"), 1 },
	{ S("[[:space:]]"), S("\x0b"""), 1 },
	{ S("[[:space:]]"), S("\x85"""), 0 },
	{ S("[[:space:]]"), S(" "), 1 },
	{ S("a.b"), S("a\x00""b"), 1 },
	{ S("a.b"), S("a\xff""b"), 1 },
	{ S("a.b"), S("ab"), 0 },
	{ S("a^b"), S("a^b"), 0 },
	{ S("a^b"), S("ab"), 0 },
	{ S("(^a)"), S("ab"), 1 },
	{ S("(^a)"), S("ba"), 0 },
	{ S("x(^a)"), S("xa"), 0 },
	{ S("a$b"), S("a$b"), 0 },
	{ S("a$b"), S("ab"), 0 },
	{ S("(a$)"), S("ba"), 1 },
	{ S("(a$)"), S("ab"), 0 },
	{ S("^*a"), S("ba"), 1 },
	{ S("a$*b"), S("ab"), 1 },
	{ S("^+a"), S("ba"), 0 },
	{ S("^+a"), S("ab"), 1 },
	{ S("\\`a"), S("a"), 1 },
	{ S("\\`a"), S("ba"), 0 },
	{ S("(\\`a|b)"), S("b"), 1 },
	{ S("(\\`a|b)"), S("ca"), 0 },
	{ S("x(\\`a|b)"), S("xb"), 1 },
	{ S("x(\\`a|b)"), S("xa"), 0 },
	{ S("a\\'"), S("a"), 1 },
	{ S("a\\'"), S("ab"), 0 },
	{ S("(a\\'|b)c"), S("bc"), 1 },
	{ S("(a\\'|b)c"), S("ac"), 0 },
	{ S("^$"), S(""), 1 },
	{ S("^$"), S("a"), 0 },
	{ S("$^"), S(""), 1 },
	{ S("$^"), S("a"), 0 },
	{ S("\\w"), S("_"), 1 },
	{ S("\\w"), S("\xe9"""), 0 },
	{ S("\\w"), S("-"), 0 },
	{ S("\\W"), S("\xe9"""), 1 },
	{ S("\\W"), S("a"), 0 },
	{ S("\\s"), S("\x0b"""), 1 },
	{ S("\\s"), S("\x85"""), 0 },
	{ S("\\s"), S("\xa0"""), 0 },
	{ S("\\S"), S(" "), 0 },
	{ S("\\S"), S("\xa0"""), 1 },
	{ S("\\bab\\b"), S("ab"), 1 },
	{ S("\\bab\\b"), S("cab"), 0 },
	{ S("\\bab\\b"), S("a ab"), 1 },
	{ S("\\B"), S(""), 1 },
	{ S("\\b"), S(""), 0 },
	{ S("a\\b"), S("a\xe9"""), 1 },
	{ S("a\\b"), S("ab"), 0 },
	{ S("\\<a"), S("ba"), 0 },
	{ S("\\<a"), S("-a"), 1 },
	{ S("a\\>"), S("a"), 1 },
	{ S("a\\>"), S("ab"), 0 },
	{ S("a\\>"), S("a-"), 1 },
	{ S("\\<"), S(""), 0 },
	{ S("\\>"), S(""), 0 },
	{ S("\\>"), S("a"), 1 },
	{ S("(a)\\1"), S("aa"), 1 },
	{ S("(a)\\1"), S("ab"), 0 },
	{ S("(a|(b))\\2"), S("bb"), 1 },
	{ S("(a|(b))\\2"), S("aa"), 0 },
	{ S("((a)|b)\\2"), S("bb"), 0 },
	{ S("((a)|b)\\2"), S("aa"), 1 },
	{ S("()\\1"), S("x"), 1 },
	{ S("(a)(b)\\2"), S("abb"), 1 },
	{ S("(a)(b)\\2"), S("ab"), 0 },
	{ S("(a)\\10"), S("aa0"), 1 },
	{ S("(a)\\10"), S("aa"), 0 },
	{ S("\\d"), S("d"), 1 },
	{ S("\\d"), S("1"), 0 },
	{ S("\\y"), S("y"), 1 },
	{ S("\\0"), S("0"), 1 },
	{ S("\\{"), S("{"), 1 },
	{ S("\\/"), S("/"), 1 },
	{ S("a{,2}b"), S("b"), 1 },
	{ S("a{,2}b"), S("aab"), 1 },
	{ S("a{2}{3}"), S("aaaaaa"), 1 },
	{ S("a{2}{3}"), S("aaaaa"), 0 },
	{ S("a{"), S("a{"), 1 },
	{ S("a{x"), S("a{x"), 1 },
	{ S("a{x"), S("a"), 0 },
	{ S("a{1"), S("a{1"), 1 },
	{ S("a{1"), S("a"), 0 },
	{ S("a{1,2"), S("a{1,2"), 1 },
	{ S("a{,}b"), S("b"), 1 },
	{ S("a{1\\,2}"), S("a{1,2}"), 1 },
	{ S("a{1\\,2}"), S("a"), 0 },
	{ S("a{\\02}"), S("a{02}"), 1 },
	{ S("a{\\02}"), S("aa"), 0 },
	{ S("{1}a"), S("a"), 1 },
	{ S("{1}a"), S("{1}a"), 1 },
	{ S("{2,1}a"), S("{2,1}a"), 1 },
	{ S("{2,1}a"), S("a"), 0 },
	{ S("({1)"), S("{1"), 1 },
	{ S("({1)"), S("1"), 0 },
	{ S("a|{1}"), S("x"), 1 },
	{ S("^{2,1}"), S("{2,1}"), 1 },
	{ S("^{2,1}"), S("x"), 0 },
	{ S("*a"), S("a"), 1 },
	{ S("*a"), S("b"), 0 },
	{ S("+a"), S("a"), 1 },
	{ S("?a"), S("a"), 1 },
	{ S("(*a)"), S("a"), 1 },
	{ S("b|*a"), S("a"), 1 },
	{ S("b|*a"), S("x"), 0 },
	{ S("a**"), S(""), 1 },
	{ S("a*+b"), S("b"), 1 },
	{ S("a*+b"), S("aab"), 1 },
	{ S("a+?b"), S("b"), 1 },
	{ S("a+?b"), S("ab"), 1 },
	{ S("a?*b"), S("b"), 1 },
	{ S("a)"), S("a)"), 1 },
	{ S("a)"), S("a"), 0 },
	{ S(")"), S(")"), 1 },
	{ S("(a))"), S("a)"), 1 },
	{ S("(a))"), S("a"), 0 },
	{ S("(*))"), S(")"), 1 },
	{ S("(*))"), S("x"), 0 },
	{ S("(*)x)"), S("x)"), 1 },
	{ S("(*)x)"), S(")x"), 0 },
	{ S("()"), S("x"), 1 },
	{ S("a|"), S("x"), 1 },
	{ S("|a"), S("x"), 1 },
	{ S("(a|)b"), S("b"), 1 },
	{ S("a{0}b"), S("b"), 1 },
	{ S("a{0,0}b"), S("b"), 1 },
	{ S("()*a"), S("a"), 1 },
	{ S("(a{0})b"), S("b"), 1 },
	{ S("a\\.b"), S("a.b"), 1 },
	{ S("a\\.b"), S("axb"), 0 },
	{ S("a\\\\b"), S("a\\b"), 1 },
	{ S("a\\|b"), S("a|b"), 1 },
	{ S("a\\|b"), S("a"), 0 },
	{ S("a\\*"), S("a*"), 1 },
	{ S("a\\*"), S("aa"), 0 },
	{ S("\\(a\\)"), S("(a)"), 1 },
	{ S("\\(a\\)"), S("a"), 0 },
	{ S("\\]"), S("]"), 1 },
	{ S("]"), S("]"), 1 },
	{ S("}"), S("}"), 1 },
	{ S("a\x00""b"), S("a\x00""b"), 1 },
	{ S("a\x00""b"), S("ab"), 0 },
	{ S("\xe9"""), S("\xe9"""), 1 },
	{ S("\xe9"""), S("e"), 0 },
	{ S("a\x09""b"), S("a\x09""b"), 1 },
	{ S("a\x09""b"), S("a b"), 0 },
	{ S("a{32767}"), S("a"), 0 },
};

static void
test_behaviour_as_grep(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		pcre2_code *re = compile_ere(r->ere, r->erelen);
		int got = run(re, r->subj, r->subjlen);

		if (got != r->want) {
			fprintf(stderr, "# row %zu: '%.*s' on '%.*s': got %d, "
			    "grep %d\n", i, (int)r->erelen, r->ere,
			    (int)r->subjlen, r->subj, got, r->want);
			bad++;
		}
		pcre2_code_free(re);
	}
	assert_int_equal(bad, 0);
}

/* Patterns GNU grep refuses, with a word of its message. */
static void
test_refused_like_grep(void **state)
{
	static const struct shape t[] = {
		{ "(a", "unmatched (" },
		{ "a(", "unmatched (" },
		/* regcomp: ')' after a dropped repeat is literal */
		{ "(*)", "unmatched (" },
		{ "(a|*)", "unmatched (" },
		{ "(^*)", "unmatched (" },
		{ "(a\\b*)", "unmatched (" },
		{ "({)", "unmatched (" },
		{ "a\\", "trailing backslash" },
		{ "[a", "unmatched [" },
		{ "[]", "unmatched [" },
		{ "[^]", "unmatched [" },
		{ "[[:alpha:]", "unmatched [" },
		{ "[[:alpha:", "unmatched [" },
		{ "[[:word:]]", "invalid character class name" },
		{ "[[:ALPHA:]]", "invalid character class name" },
		{ "[[:al]pha:]]", "invalid character class name" },
		{ "[:alpha:]", "character class syntax is [[:space:]]" },
		{ "[^:alpha:]", "character class syntax is [[:space:]]" },
		{ "x[:a:]y", "character class syntax is [[:space:]]" },
		{ "[z-a]", "invalid range end" },
		{ "[a-c-e]", "invalid range end" },
		{ "[a--]", "invalid range end" },
		{ "[[:digit:]-z]", "invalid range end" },
		{ "[a-[:digit:]]", "invalid range end" },
		{ "a{2,1}", "invalid content of \\{\\}" },
		{ "a{}", "invalid content of \\{\\}" },
		{ "a{1,2,3}", "invalid content of \\{\\}" },
		{ "a{,2,}", "invalid content of \\{\\}" },
		{ "a{1,,}", "invalid content of \\{\\}" },
		{ "a{\\03,1}", "invalid content of \\{\\}" },
		{ "a*{2,1}", "invalid content of \\{\\}" },
		{ "(a){2,1}", "invalid content of \\{\\}" },
		{ "a{32768}", "too big" },
		{ "a{1,99999}", "too big" },
		{ "a{32768,}", "too big" },
		{ "{99999}a", "too big" },
		{ "(^){40000,}", "too big" },
		{ "\\1", "invalid back reference" },
		{ "(a\\1)", "invalid back reference" },
		{ "(a)\\2", "invalid back reference" },
		{ "(a)|\\1", "invalid back reference" },
		{ "(a|b\\1)", "invalid back reference" },
		{ "(*)\\1", "invalid back reference" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_refused(t[i].ere, strlen(t[i].ere), ERE_PCRE2, t[i].want);
		check_refused(t[i].ere, strlen(t[i].ere), ERE_HYPERSCAN,
		    t[i].want);
	}
}

static void
test_error_message_names_offset(void **state)
{
	char err[256];

	(void)state;
	assert_null(translate(S("ab(c"), ERE_PCRE2, err, sizeof(err)));
	assert_string_equal(err, "offset 2: unmatched (");
	assert_null(translate(S("x[[:nope:]]"), ERE_PCRE2, err, sizeof(err)));
	assert_string_equal(err, "offset 2: invalid character class name");
	assert_null(translate(S("abc\\"), ERE_PCRE2, err, sizeof(err)));
	assert_string_equal(err, "offset 3: trailing backslash");
	/* one rule is one line (grep would read two patterns) */
	assert_null(translate(S("a\nb"), ERE_PCRE2, err, sizeof(err)));
	assert_string_equal(err, "offset 1: newline in pattern");
	/* a short or absent message buffer is fine */
	assert_null(translate(S("(a"), ERE_PCRE2, err, 5));
	assert_string_equal(err, "offs");
	assert_null(translate(S("(a"), ERE_PCRE2, NULL, 0));
}

/* grep accepts these, but neither engine can say the same thing. */
static void
test_refused_unsupported(void **state)
{
	static const char *const t[] = {
		"[[.a.]]", "[[=a=]]", "[a-[.z.]]",
		/* with a backreference grep's matcher is regcomp, which reads
		 * these differently from dfa.c (its prefilter) */
		"{1}(a)\\1", "^*(a)\\1", "(a)\\1$?", "(a)\\1{1\\,2}",
		"(a)\\1{\\02}", "(*))(a)\\2",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		check_refused(t[i], strlen(t[i]), ERE_PCRE2, "not supported");
}

static void
test_limits(void **state)
{
	char err[256], *big, *pat;
	size_t i, n = 70000;

	(void)state;
	big = malloc(n);
	assert_non_null(big);
	memset(big, 'a', n);
	assert_null(translate(big, n, ERE_PCRE2, err, sizeof(err)));
	assert_non_null(strstr(err, "longer than"));
	/* deep nesting is refused, not a stack overflow */
	for (i = 0; i < 2000; i++) {
		big[i] = '(';
		big[4000 - 1 - i] = ')';
	}
	assert_null(translate(big, 4000, ERE_PCRE2, err, sizeof(err)));
	assert_non_null(strstr(err, "nests too deeply"));
	/* and so is a long chain of stacked repeats */
	big[0] = 'a';
	memset(big + 1, '*', 3000);
	assert_null(translate(big, 3001, ERE_PCRE2, err, sizeof(err)));
	assert_non_null(strstr(err, "nests too deeply"));
	/* 100 nested groups are fine */
	for (i = 0; i < 100; i++) {
		big[i] = '(';
		big[200 - 1 - i] = ')';
	}
	pat = translate(big, 200, ERE_PCRE2, err, sizeof(err));
	if (pat == NULL)
		fail_msg("100 nested groups: %s", err);
	free(pat);
	free(big);
}

static void
test_appends_to_out(void **state)
{
	struct buf out;
	char err[256];

	(void)state;
	buf_init(&out, OUTMAX);
	assert_int_equal(buf_addstr(&out, "(?:x)|"), 0);
	assert_int_equal(ere_translate(&out, S("a+"), ERE_PCRE2, err,
	    sizeof(err)), 0);
	assert_string_equal(buf_str(&out), "(?:x)|a+");
	/* an error leaves out as it was */
	assert_int_equal(ere_translate(&out, S("(b"), ERE_PCRE2, err,
	    sizeof(err)), -1);
	assert_string_equal(buf_str(&out), "(?:x)|a+");
	buf_free(&out);
	/* past the buffer's maximum: an error (the buffer is emptied) */
	buf_init(&out, 4);
	assert_int_equal(ere_translate(&out, S("[a-z]"), ERE_PCRE2, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	assert_int_equal(out.len, 0);
	buf_free(&out);
	/* the empty pattern matches everything, as with grep */
	buf_init(&out, OUTMAX);
	assert_int_equal(ere_translate(&out, "", 0, ERE_PCRE2, err,
	    sizeof(err)), 0);
	assert_string_equal(buf_str(&out), "");
	buf_free(&out);
}

static int
c_class(int i, int c)
{
	switch (i) {
	case 0: return isalpha(c);
	case 1: return isupper(c);
	case 2: return islower(c);
	case 3: return isdigit(c);
	case 4: return isxdigit(c);
	case 5: return isspace(c);
	case 6: return isprint(c);
	case 7: return ispunct(c);
	case 8: return isgraph(c);
	case 9: return iscntrl(c);
	case 10: return isblank(c);
	default: return isalnum(c);
	}
}

/* [:name:] is kept in the output: PCRE2's classes (no UCP) must be the
 * C locale's, byte for byte; so must \w \W \s \S, '.' and [^...]. */
static void
test_classes_are_c_locale_bytes(void **state)
{
	static const char *const names[] = {
		"alpha", "upper", "lower", "digit", "xdigit", "space",
		"print", "punct", "graph", "cntrl", "blank", "alnum",
	};
	static const struct {
		const char	*ere;
		const char	*members;	/* besides [A-Za-z0-9] */
		bool		 alnum;
		bool		 neg;
	} gnu[] = {
		{ "\\w", "_", true, false },
		{ "\\W", "_", true, true },
		{ "\\s", " \t\n\v\f\r", false, false },
		{ "\\S", " \t\n\v\f\r", false, true },
	};
	char ere[32];
	size_t i;
	int c, neg;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (neg = 0; neg < 2; neg++) {
			pcre2_code *re;

			snprintf(ere, sizeof(ere), "[%s[:%s:]]", neg ? "^" : "",
			    names[i]);
			re = compile_ere(ere, strlen(ere));
			for (c = 0; c < 256; c++) {
				char b = (char)c;
				int want = (c_class((int)i, c) != 0) != neg;

				if (run(re, &b, 1) != want)
					fail_msg("%s on byte 0x%02x", ere, c);
			}
			pcre2_code_free(re);
		}
	for (i = 0; i < sizeof(gnu) / sizeof(gnu[0]); i++) {
		pcre2_code *re = compile_ere(gnu[i].ere, strlen(gnu[i].ere));

		for (c = 0; c < 256; c++) {
			char b = (char)c;
			bool in = (gnu[i].alnum && isalnum(c)) ||
			    (c != 0 && strchr(gnu[i].members, c) != NULL);

			if (run(re, &b, 1) != (in != gnu[i].neg))
				fail_msg("%s on byte 0x%02x", gnu[i].ere, c);
		}
		pcre2_code_free(re);
	}
	{
		pcre2_code *dot = compile_ere(S("."));
		pcre2_code *nota = compile_ere(S("[^a]"));

		for (c = 0; c < 256; c++) {
			char b = (char)c;

			assert_int_equal(run(dot, &b, 1), 1);
			assert_int_equal(run(nota, &b, 1), c != 'a');
		}
		pcre2_code_free(dot);
		pcre2_code_free(nota);
	}
}

/* Every byte as a literal, alone, escaped and in brackets, matches that
 * byte and no other. */
static void
test_every_byte_literal(void **state)
{
	int c, d;

	(void)state;
	for (c = 0; c < 256; c++) {
		char ere[4];
		size_t len;
		int form;

		if (c == '\n')
			continue;
		for (form = 0; form < 3; form++) {
			pcre2_code *re;

			if (form == 0) {
				/* ERE operators are not literals alone; an
				 * unmatched ')' and a '{' that starts no
				 * interval are */
				if (strchr("\\^$.[(|*+?", c) != NULL &&
				    c != 0)
					continue;
				ere[0] = (char)c;
				len = 1;
			} else if (form == 1) {
				/* \1..\9 and GNU's \w \b \< \` ... */
				if (c != 0 && strchr("123456789wWsSbB<>`'",
				    c) != NULL)
					continue;
				ere[0] = '\\';
				ere[1] = (char)c;
				len = 2;
			} else {
				/* '^' first negates */
				if (c == '^')
					continue;
				ere[0] = '[';
				ere[1] = (char)c;
				ere[2] = ']';
				len = 3;
			}
			re = compile_ere(ere, len);
			for (d = 0; d < 256; d++) {
				char b = (char)d;

				if (run(re, &b, 1) != (d == c))
					fail_msg("form %d of byte 0x%02x on "
					    "byte 0x%02x", form, c, d);
			}
			pcre2_code_free(re);
		}
	}
}

static void
test_has_backref(void **state)
{
	(void)state;
	assert_int_equal(ere_has_backref(S("(a)\\1")), 1);
	assert_int_equal(ere_has_backref(S("\\\\\\9")), 1);
	assert_int_equal(ere_has_backref(S("a{\\1}")), 1);
	assert_int_equal(ere_has_backref(S("\\\\1")), 0);
	assert_int_equal(ere_has_backref(S("[\\1]")), 0);
	assert_int_equal(ere_has_backref(S("[]\\1]")), 0);
	assert_int_equal(ere_has_backref(S("[[:alpha:]\\1]")), 0);
	assert_int_equal(ere_has_backref(S("\\0")), 0);
	assert_int_equal(ere_has_backref(S("a\\")), 0);
	assert_int_equal(ere_has_backref(S("")), 0);
}

static void
test_hyperscan_strings(void **state)
{
	static const struct shape t[] = {
		{ "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ ",
		  "^(?:[0-9A-Z_a-z]{3} [\\x20\\:[:digit:]]{11}|"
		  "[\\x30-\\x39T\\:\\.\\+\\-]{32}) [\\.\\_[:alnum:]\\-]+ " },
		{ "[:[:xdigit:]]", "[\\:[:xdigit:]]" },
		{ "[\\./:[:alnum:]-]+", "[\\\\\\.\\/\\:[:alnum:]\\-]+" },
		/* $ and \' are the very end: Hyperscan's $ allows a \n */
		{ "^a$", "^a\\z" },
		{ "a\\'", "a\\z" },
		{ "a$|b", "a\\z|b" },
		{ "a$$", "a\\z\\z" },
		{ "(a|\\`b)", "(?:a|^b)" },
		{ "(a|^b)c", "(?:a|^b)c" },
		{ "(^a)?b", "(?:^a)?b" },
		/* an anchor after a byte can never hold */
		{ "x(\\`a|b)", "x(?:[^\\x00-\\xff]a|b)" },
		{ "(a$|b)c", "(?:a[^\\x00-\\xff]|b)c" },
		{ "^*a", "a" },
		{ "^+a", "^a" },
		{ "a{2}{3}", "(?:a{2}){3}" },
		{ "a{0}b", "b" },
		{ "\\bx\\B", "\\bx\\B" },
		/* ignore.d.server/snort:2, where \` was meant as a backtick */
		{ "^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ "
		  "snort: (\\`|\\\\+)-.*$",
		  "^(?:[0-9A-Z_a-z]{3} [\\x20\\:\\x30-\\x39]{11}|"
		  "[\\x30-\\x39T\\:\\.\\+\\-]{32}) [\\.\\_[:alnum:]\\-]+ "
		  "snort: (?:[^\\x00-\\xff]|\\\\+)-.*\\z" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		check_string(t[i].ere, strlen(t[i].ere), ERE_HYPERSCAN,
		    t[i].want);
	/* same as PCRE2 without \A, \z or groups that capture */
	check_string(S("(a)(b)"), ERE_HYPERSCAN, "(?:a)(?:b)");
}

static void
test_hyperscan_refusals(void **state)
{
	static const struct shape t[] = {
		{ "(a)\\1", "back-references are not supported" },
		{ "\\<a", "\\< is not supported" },
		{ "a\\>", "\\> is not supported" },
		/* an anchor that may or may not follow a byte */
		{ "a?^b", "^ after an optional part" },
		{ "(^a)*", "^ after an optional part" },
		{ "a*\\`b", "\\` after an optional part" },
		{ "a$b?", "$ before an optional part" },
		{ "a\\'b*", "\\' before an optional part" },
		/* Hyperscan refuses patterns that can never match */
		{ "a^b", "can never match" },
		{ "a$b", "can never match" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char err[256], *pat;

		check_refused(t[i].ere, strlen(t[i].ere), ERE_HYPERSCAN,
		    t[i].want);
		/* PCRE2 has no such limits */
		pat = translate(t[i].ere, strlen(t[i].ere), ERE_PCRE2, err,
		    sizeof(err));
		if (pat == NULL)
			fail_msg("'%s' for PCRE2: %s", t[i].ere, err);
		pcre2_code_free(compile_raw(pat, t[i].ere));
		free(pat);
	}
}

/*
 * The shipped rules whose meaning changes between GNU ERE and PCRE as
 * written (logcheck-rules-facts §5: a backslash inside brackets is a
 * member; \` is an anchor), plus innd:38 (where [:punct:] already has the
 * backslash) and the three backreference rules (\1 is the time stamp).
 * grep is what the subjects were checked with; raw_differs: PCRE2 on the
 * rule as written answers the other way.
 */
#define P	"Mar  3 10:00:01 host "

static const struct shipped {
	const char	*file;		/* under /etc/logcheck */
	int		 line;		/* physical line number */
	int		 grep;		/* grep -E matches the subject */
	int		 raw_differs;
	const char	*rule;
	const char	*subj;
} shipped[] = {
	{ "ignore.d.server/cyrus", 6, 1, 1,
	    "^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ cyrus/s"
	    "quatter\\[[0-9]+\\]: (skipping|indexing) mailbox [[:alpha:]^"
	    "\\.]+\\.\\.\\.$",
	    P "cyrus/squatter[123]: indexing mailbox user\\bob..." },
	{ "ignore.d.server/dhcp", 6, 1, 1,
	    "^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ dhcpd[["
	    "[:digit:]]+]: (BOOTREQUEST|DHCPDISCOVER) from [:[:alnum:]]+ "
	    "(\\([\\(\\):._[:alnum:]-]+\\) )?via [._[:alnum:]-]+$",
	    P "dhcpd[42]: DHCPDISCOVER from 00:11:22:33:44:55 (my\\host) vi"
	    "a eth0" },
	{ "ignore.d.server/dhcp", 8, 1, 1,
	    "^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ dhcpd[["
	    "[:digit:]]+]: DHCPOFFER on [.0-9]{7,15} to [:[:alnum:]]+ (\\"
	    "([\\(\\)._[:alnum:]-]+\\) )?via [._[:alnum:]-]+$",
	    P "dhcpd[42]: DHCPOFFER on 10.0.0.5 to 00:11:22:33:44:55 (my\\h"
	    "ost) via eth0" },
	{ "ignore.d.server/dhcp", 9, 1, 1,
	    "^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ dhcpd[["
	    "[:digit:]]+]: DHCPREQUEST for [.0-9]{7,15} (\\([.0-9]{7,15}"
	    "\\) )?from [:._[:alnum:]-]+ (\\([\\(\\)._[:alnum:]-]+\\) )?v"
	    "ia [._[:alnum:]-]+(: unknown lease [.0-9]{7,15}\\.)?$",
	    P "dhcpd[42]: DHCPREQUEST for 10.0.0.5 from 00:11:22:33:44:55 ("
	    "my\\host) via eth0" },
	{ "ignore.d.server/dhcp", 10, 1, 1,
	    "^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ dhcpd[["
	    "[:digit:]]+]: DHCPACK on [.0-9]{7,15} to [:[:alnum:]]+ (\\(["
	    "\\(\\)._[:alnum:]-]+\\) )?via [._[:alnum:]-]+$",
	    P "dhcpd[42]: DHCPACK on 10.0.0.5 to 00:11:22:33:44:55 (my\\hos"
	    "t) via eth0" },
	{ "ignore.d.server/innd", 32, 1, 1,
	    "^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ innfeed"
	    "\\[[0-9]+\\]: [._[:alnum:]-]+(:[0-9]+)? (final|global|checkp"
	    "oint) seconds [0-9]+ offered [0-9]+ accepted [0-9]+ refused "
	    "[0-9]+ rejected [0-9]+ (missing [0-9]+ )?accsize [0-9]+ rejs"
	    "ize [0-9]+( spooled [0-9]+ (on_close [0-9]+ )?unspooled [0-9"
	    "]+)?( deferred [0-9]+/[0-9.]+ requeued [0-9]+ queue [0-9.]+/"
	    "[0-9\\:\\,]+)?$",
	    P "innfeed[7]: peer global seconds 1 offered 2 accepted 3 refus"
	    "ed 4 rejected 5 accsize 6 rejsize 7 deferred 1/2.0 requeued "
	    "3 queue 1.5/9\\9" },
	{ "ignore.d.server/postfix", 30, 1, 1,
	    "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ p"
	    "ostfix/policyd-weight\\[[[:digit:]]+\\]: (weighted check|dec"
	    "ided action=PREPEND X-policyd-weight):  ([_[:alpha:]]+=((-)?"
	    "[[:digit:].]+|ERR) ?)+(\\(check from: [^[:space:]]+ - helo: "
	    "[^[:space:]]+ - helo-domain: [^[:space:]]+\\)  ([\\()/_[:aln"
	    "um:]]+=(-)?[[:digit:].]+ ?)+)?(; rate: (-)?[[:digit:].]+)?; "
	    "*<client=[^[:space:]]+> <helo=[^[:space:]]+> <from=[^[:space"
	    ":]]+> <to=[^[:space:]]+>(; rate: (-)?[[:digit:].]+)?(; delay"
	    ": [[:digit:]]+s)? ?$",
	    P "postfix/policyd-weight[99]: weighted check:  NOT_IN_SBL=-1.5"
	    " (check from: .a. - helo: .b. - helo-domain: .c.)  FROM\\NOT"
	    "=1.0; <client=1.2.3.4> <helo=h> <from=f@x> <to=t@y>" },
	{ "ignore.d.server/rbldnsd", 3, 1, 1,
	    "^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ rbldnsd"
	    "\\[[0-9]+\\]: zones reloaded, time [\\./[:alnum:]]+ sec, mem"
	    " arena=[0-9]+ free=[0-9]+ mmap=[0-9]+ \\w{1,2}$",
	    P "rbldnsd[5]: zones reloaded, time 0\\12 sec, mem arena=1 free"
	    "=2 mmap=3 kb" },
	{ "ignore.d.server/samba", 5, 1, 1,
	    "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ n"
	    "mbd\\[[[:digit:]]+\\]: +dump workgroup on subnet +(UNICAST_S"
	    "UBNET|[[:digit:]\\.]+): netmask= +[[:digit:]\\.]+:$",
	    P "nmbd[5]:  dump workgroup on subnet  10\\0: netmask= 255.0.0."
	    "0:" },
	{ "ignore.d.workstation/kernel", 47, 1, 1,
	    "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ u"
	    "sb.agent\\[[[:digit:]]+\\]: Keeping default configuration wi"
	    "th [\\./:[:alnum:]-]+$",
	    P "usb.agent[5]: Keeping default configuration with C:\\usb" },
	{ "ignore.d.workstation/kernel", 71, 1, 1,
	    "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ s"
	    "csi.agent\\[[[:digit:]]+\\]: (disk|cdrom) at [\\./:[:alnum:]"
	    "-]+$",
	    P "scsi.agent[5]: disk at \\dev\\sda" },
	{ "ignore.d.workstation/kernel", 79, 1, 1,
	    "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ k"
	    "ernel:( \\[ *[[:digit:]]+\\.[[:digit:]]+\\])? ohci_hcd [.[:d"
	    "igit:]\\:]+: wakeup$",
	    P "kernel: ohci_hcd 0000\\00: wakeup" },
	{ "ignore.d.workstation/kernel", 83, 1, 1,
	    "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ k"
	    "ernel:( \\[ *[[:digit:]]+\\.[[:digit:]]+\\])? (drivers/usb/i"
	    "nput/hid-core.c|usbhid): v[\\:[:digit:].]+USB HID core drive"
	    "r$",
	    P "kernel: usbhid: v2\\6USB HID core driver" },
	{ "ignore.d.workstation/kernel", 84, 1, 1,
	    "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ k"
	    "ernel:( \\[ *[[:digit:]]+\\.[[:digit:]]+\\])? drivers/usb/cl"
	    "ass/cdc-acm.c: v[\\:[:digit:].]+USB Abstract Control Model d"
	    "river for USB modems and ISDN adapters$",
	    P "kernel: drivers/usb/class/cdc-acm.c: v0\\26USB Abstract Cont"
	    "rol Model driver for USB modems and ISDN adapters" },
	{ "ignore.d.workstation/kernel", 86, 1, 1,
	    "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ k"
	    "ernel:( \\[ *[[:digit:]]+\\.[[:digit:]]+\\])? (generic-usb ["
	    ".:[:xdigit:]]+: )?input(,hidraw[[:digit:]]+)?: USB HID v[.[:"
	    "digit:]]+ (Joystick|Keyboard|Mouse|Device) \\[[ [:alnum:][:p"
	    "unct:]]+\\] on usb-[\\:[:xdigit:].-]+(/input[[:digit:]]+)?$",
	    P "kernel: input: USB HID v1.11 Mouse [Logitech USB] on usb-000"
	    "0\\00" },
	{ "ignore.d.workstation/udev", 2, 1, 1,
	    "^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ udev\\["
	    "[0-9]+\\]: configured rule in '[\\./:[:alnum:]-]+\\[[0-9]+\\"
	    "]' applied, (added symlink )?'[[:alnum:]]+'( becomes '([[:al"
	    "pha:]]+/)?%k')?$",
	    P "udev[5]: configured rule in '\\etc\\udev[3]' applied, 'sda'" },
	{ "ignore.d.server/snort", 2, 0, 1,
	    "^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ snort: "
	    "(\\`|\\\\+)-.*$",
	    P "snort: `-foo" },
	{ "ignore.d.server/snort", 2, 1, 0,
	    "^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ snort: "
	    "(\\`|\\\\+)-.*$",
	    P "snort: \\\\-foo" },
	{ "ignore.d.server/innd", 38, 1, 0,
	    "^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ nnrpd\\"
	    "[[0-9]+\\]: [._[:alnum:]-]+ (no_)?match_user [<>_[:alnum:]-]"
	    "+(@[._[:alnum:]-]+)? [<>,_,\\*,![:alnum:][:punct:]-]+$",
	    P "nnrpd[5]: h.example match_user <u> a\\b" },
	{ "ignore.d.server/kernel", 1, 1, 0,
	    "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ k"
	    "ernel:( \\[ *[[:digit:]]+\\.[[:digit:]]+\\])? ([[:lower:]]+)"
	    ":( (\\1[[:digit:]]+|[<>]))+",
	    P "kernel: foo: >" },
	{ "ignore.d.server/kernel", 1, 1, 0,
	    "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ k"
	    "ernel:( \\[ *[[:digit:]]+\\.[[:digit:]]+\\])? ([[:lower:]]+)"
	    ":( (\\1[[:digit:]]+|[<>]))+",
	    P "kernel: foo: Mar  3 10:00:015" },
	{ "ignore.d.server/kernel", 1, 0, 0,
	    "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ k"
	    "ernel:( \\[ *[[:digit:]]+\\.[[:digit:]]+\\])? ([[:lower:]]+)"
	    ":( (\\1[[:digit:]]+|[<>]))+",
	    P "kernel: foo: foo5" },
	{ "ignore.d.server/postfix", 149, 1, 0,
	    "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ p"
	    "ostfix/smtpd\\[[[:digit:]]+\\]: gethostby\\*\\.getanswer: as"
	    "ked for \"([-_.[:alnum:]]+)\", got \"\\1\"$",
	    P "postfix/smtpd[1]: gethostby*.getanswer: asked for \"a.b\", g"
	    "ot \"Mar  3 10:00:01\"" },
	{ "ignore.d.server/postfix", 149, 0, 0,
	    "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ p"
	    "ostfix/smtpd\\[[[:digit:]]+\\]: gethostby\\*\\.getanswer: as"
	    "ked for \"([-_.[:alnum:]]+)\", got \"\\1\"$",
	    P "postfix/smtpd[1]: gethostby*.getanswer: asked for \"a.b\", g"
	    "ot \"a.b\"" },
	{ "ignore.d.server/postfix", 127, 0, 0,
	    "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ p"
	    "ostfix/smtpd\\[[[:digit:]]+\\]: warning: ([-._[:alnum:]]+): "
	    "RBL lookup error: Host or domain name not found\\. Name serv"
	    "ice error for name=\\1 type=A: Host not found, try again$",
	    P "postfix/smtpd[1]: warning: mx.example: RBL lookup error: Hos"
	    "t or domain name not found. Name service error for name=mx.e"
	    "xample type=A: Host not found, try again" },
};

/* Returns physical line lineno of path (owned), or NULL. */
static char *
file_line(const char *path, int lineno)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int i = 0;

	if (f == NULL)
		return NULL;
	while ((n = getline(&line, &cap, f)) != -1)
		if (++i == lineno) {
			if (n > 0 && line[n - 1] == '\n')
				line[n - 1] = '\0';
			fclose(f);
			return line;
		}
	free(line);
	fclose(f);
	return NULL;
}

static void
test_shipped_rules_that_differ_from_pcre(void **state)
{
	size_t i;
	int ndiffer = 0;

	(void)state;
	for (i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		const struct shipped *s = &shipped[i];
		pcre2_code *re = compile_ere(s->rule, strlen(s->rule));
		char path[256], *text;

		if (run(re, s->subj, strlen(s->subj)) != s->grep)
			fail_msg("%s:%d on '%s': want %d as grep", s->file,
			    s->line, s->subj, s->grep);
		pcre2_code_free(re);
		re = compile_raw(s->rule, s->file);
		if (s->raw_differs) {
			if (run(re, s->subj, strlen(s->subj)) == s->grep)
				fail_msg("%s:%d: PCRE as written agrees with "
				    "grep on '%s'", s->file, s->line, s->subj);
			ndiffer++;
		}
		pcre2_code_free(re);
		/* the copy above is the installed text, when installed */
		snprintf(path, sizeof(path), LOGCHECK "/%s", s->file);
		if ((text = file_line(path, s->line)) != NULL) {
			if (strcmp(text, s->rule) != 0)
				fail_msg("%s:%d is not the rule copied here",
				    path, s->line);
			free(text);
		}
	}
	assert_int_equal(ndiffer, 17);
}

static void
check_rule(const char *where, const char *rule, size_t len, int *nhsfail,
    char hsfails[][1200])
{
	char err[256], *pat;

	pat = translate(rule, len, ERE_PCRE2, err, sizeof(err));
	if (pat == NULL)
		fail_msg("%s: %s", where, err);
	pcre2_code_free(compile_raw(pat, where));
	free(pat);
	pat = translate(rule, len, ERE_HYPERSCAN, err, sizeof(err));
	if (pat == NULL) {
		if (strstr(err, "back-references") == NULL)
			fail_msg("%s: Hyperscan: %s", where, err);
		if (*nhsfail < 8)
			snprintf(hsfails[*nhsfail], sizeof(hsfails[0]), "%s",
			    where);
		(*nhsfail)++;
		return;
	}
	/* Hyperscan's syntax here is PCRE's too */
	pcre2_code_free(compile_raw(pat, where));
	free(pat);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_fixed(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * Every rule of the installed database, read as logcheck reads it
 * (run-parts names, blank and '#' lines skipped): all translate to
 * PCRE2 and compile, all but the three backreference rules translate to
 * Hyperscan.
 */
/* True when path is a file the logcheck-database package ships (other
 * packages, such as rsyslog and gpg-agent, add their own rule files to the
 * same directories; the counts below are of logcheck-database's). */
static bool
in_logcheck_database(const char *path)
{
	static char *list;
	char *p;
	size_t n = strlen(path);

	if (list == NULL) {
		FILE *f = fopen("/var/lib/dpkg/info/logcheck-database.list", "r");
		size_t cap = 0, len = 0;
		char buf[4096];
		size_t k;

		if (f == NULL)
			fail_msg("cannot read logcheck-database's file list");
		list = malloc(1);
		assert_non_null(list);
		list[0] = '\n';
		len = 1;
		cap = 1;
		while ((k = fread(buf, 1, sizeof(buf), f)) > 0) {
			if (len + k + 1 > cap) {
				cap = (len + k + 1) * 2;
				list = realloc(list, cap);
				assert_non_null(list);
			}
			memcpy(list + len, buf, k);
			len += k;
		}
		list[len] = '\0';
		fclose(f);
	}
	for (p = list; (p = strstr(p, path)) != NULL; p += n)
		if (p[-1] == '\n' && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static void
test_logcheck_database(void **state)
{
	static const char *const dirs[] = {
		"cracking.d", "cracking.ignore.d", "violations.d",
		"violations.ignore.d", "ignore.d.paranoid", "ignore.d.server",
		"ignore.d.workstation",
	};
	static const char *const want_hsfail[] = {
		"ignore.d.server/kernel:1", "ignore.d.server/postfix:127",
		"ignore.d.server/postfix:149",
	};
	char hsfails[8][1200];
	regex_t name;
	size_t d, k;
	int nrules = 0, nhsfail = 0;
	DIR *top;

	(void)state;
	if ((top = opendir(LOGCHECK)) == NULL)
		fail_msg("%s is missing: install logcheck-database "
		    "(scripts/deps test)", LOGCHECK);
	closedir(top);
	assert_int_equal(regcomp(&name, "^[A-Za-z0-9_-]+$",
	    REG_EXTENDED | REG_NOSUB), 0);
	for (d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		char path[512], **names = NULL;
		size_t nnames = 0, i;
		struct dirent *de;
		DIR *dir;

		snprintf(path, sizeof(path), LOGCHECK "/%s", dirs[d]);
		if ((dir = opendir(path)) == NULL)
			fail_msg("%s is missing", path);
		while ((de = readdir(dir)) != NULL) {
			if (regexec(&name, de->d_name, 0, NULL, 0) != 0)
				continue;
			names = realloc(names, (nnames + 1) * sizeof(*names));
			assert_non_null(names);
			names[nnames] = strdup(de->d_name);
			assert_non_null(names[nnames]);
			nnames++;
		}
		closedir(dir);
		if (nnames > 0)
			qsort(names, nnames, sizeof(*names), cmp_names);
		for (i = 0; i < nnames; i++) {
			char file[1024], where[1100], *line = NULL;
			size_t cap = 0;
			ssize_t n;
			int lineno = 0;
			FILE *f;

			snprintf(file, sizeof(file), "%s/%s", path, names[i]);
			if (!in_logcheck_database(file)) {
				free(names[i]);
				continue;
			}
			if ((f = fopen(file, "r")) == NULL)
				fail_msg("cannot read %s", file);
			while ((n = getline(&line, &cap, f)) != -1) {
				ssize_t j;

				lineno++;
				if (n > 0 && line[n - 1] == '\n')
					line[--n] = '\0';
				for (j = 0; j < n && isspace((unsigned char)
				    line[j]); j++)
					;
				if (j == n || line[0] == '#')
					continue;
				nrules++;
				snprintf(where, sizeof(where), "%s/%s:%d",
				    dirs[d], names[i], lineno);
				check_rule(where, line, (size_t)n, &nhsfail,
				    hsfails);
			}
			free(line);
			fclose(f);
			free(names[i]);
		}
		free(names);
	}
	regfree(&name);
	assert_int_equal(nrules, 1907);	/* logcheck-database 1.4.2 alone */
	assert_int_equal(nhsfail, 3);
	qsort(hsfails, 3, sizeof(hsfails[0]), cmp_fixed);
	for (k = 0; k < 3; k++)
		assert_string_equal(hsfails[k], want_hsfail[k]);
}

/*
 * ERE_WIDEN and the bound flag, by behaviour: a pattern that is not bound
 * matches a subject exactly when it matches the subject with its digits
 * changed (to '0', or each one up by one); the widened form is blind to
 * digits the same way and matches wherever the pattern does.
 */
static void
test_digit_blind(void **state)
{
	static const struct {
		const char *ere;
		int bound;
	} t[] = {
		{ "port [0-9]+ ok", 0 },
		{ "[[:digit:]]{2,3}x", 0 },
		{ "[[:alnum:]_.-]+:[[:xdigit:]]+", 0 },
		{ "[^0-9 ]+ [^[:digit:]]", 0 },
		{ "a.b\\w\\W\\s\\S\\bc", 0 },
		{ "x{2}y{1,3}$", 0 },
		{ "[[:graph:]]+ [[:print:]]", 0 },
		{ "port 22", 1 },
		{ "ssh[12]", 1 },
		{ "[0-5][0-9]", 1 },
		{ "[^7]z", 1 },
		{ "\\0x", 1 },
		{ "{1a", 1 },
		{ "(a|1)b", 1 },
		{ "(a)\\1", 1 },
		{ "[a-z5]q", 1 },
		{ "[ -/]q", 0 },
		{ "[ -3]q", 1 },
		{ "[+-9]q", 0 },
	};
	static const char *const subj[] = {
		"port 22 ok", "port 23 ok", "12x", "1234x", "ab:ff0", "ab:12",
		"x 1", "x y", "a1b_!\t c", "xxyy", "ssh1", "ssh3", "59", "69",
		"7z", "8z", "0x", "1x", "{1a", "{2a", "1b", "ab", "aa1", "5q",
		"6q", "3q", "4q", "/q", "~ 9",
	};
	size_t i, j, k;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct buf b;
		char err[256];
		int props = -1, bound;
		pcre2_code *re, *wide;

		buf_init(&b, 1 << 20);
		assert_int_equal(ere_translate_ex(&b, t[i].ere,
		    strlen(t[i].ere), ERE_PCRE2, 0, &props, err, sizeof(err)), 0);
		bound = (props & ERE_BOUND) != 0;
		if (bound != t[i].bound)
			fail_msg("'%s': bound %d, want %d", t[i].ere, bound,
			    t[i].bound);
		re = compile_raw(buf_str(&b), t[i].ere);
		buf_reset(&b);
		assert_int_equal(ere_translate_ex(&b, t[i].ere,
		    strlen(t[i].ere), ERE_PCRE2, ERE_WIDEN, NULL, err,
		    sizeof(err)), 0);
		wide = compile_raw(buf_str(&b), t[i].ere);
		buf_free(&b);
		for (j = 0; j < sizeof(subj) / sizeof(subj[0]); j++) {
			size_t len = strlen(subj[j]);
			char zero[64], up[64];
			int m, mw;

			for (k = 0; k < len; k++) {
				char c = subj[j][k];
				bool d = c >= '0' && c <= '9';

				zero[k] = d ? '0' : c;
				up[k] = d ? (char)('0' + (c - '0' + 1) % 10) : c;
			}
			m = run(re, subj[j], len);
			mw = run(wide, subj[j], len);
			if (m && !mw)
				fail_msg("'%s' widened misses '%s'", t[i].ere,
				    subj[j]);
			if (mw != run(wide, zero, len) ||
			    mw != run(wide, up, len))
				fail_msg("'%s' widened tells digits apart in "
				    "'%s'", t[i].ere, subj[j]);
			if (!t[i].bound && (m != run(re, zero, len) ||
			    m != run(re, up, len)))
				fail_msg("'%s' tells digits apart in '%s'",
				    t[i].ere, subj[j]);
		}
		pcre2_code_free(re);
		pcre2_code_free(wide);
	}
	/* the Hyperscan form, widened */
	{
		struct buf b;
		char err[256];

		buf_init(&b, 1 << 20);
		assert_int_equal(ere_translate_ex(&b, S("a[0-5]7[^3]"),
		    ERE_HYPERSCAN, ERE_WIDEN, NULL, err, sizeof(err)), 0);
		assert_string_equal(buf_str(&b),
		    "a(?:[\\x30-\\x35]|[0-9])[0-9](?:[^3]|[0-9])");
		buf_free(&b);
	}
}

/* ERE_MULTILINE (Hyperscan, many lines at a time): '$' for the end and
 * no set takes the newline; ERE_NOBACKREF: ".*" for a backreference. */
static void
test_multiline_forms(void **state)
{
	static const struct shape t[] = {
		{ "a$", "a$" },
		{ "^a[[:space:]]b", "^a[\\x09\\x0b-\\x0d\\x20]b" },
		{ "[^a]", "[^a\\x0a]" },
		{ "[[:cntrl:]x]", "[\\x00-\\x09\\x0b-\\x1f\\x7fx]" },
		{ "[\t-z]", "[\\x09-\\x09\\x0b-\\x7a]" },
		{ "[\n-z]", "[\\x0b-\\x7a]" },
		{ "\\W\\s\\S", "[^0-9A-Z_a-z\\x0a][\\x09\\x0b-\\x0d\\x20]"
		    "[^\\x09-\\x0d\\x20]" },
	};
	struct buf b;
	char err[256];
	size_t i;
	int props;

	(void)state;
	buf_init(&b, 1 << 20);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		assert_int_equal(ere_translate_ex(&b, t[i].ere, strlen(t[i].ere),
		    ERE_HYPERSCAN, ERE_MULTILINE, &props, err, sizeof(err)), 0);
		if (strcmp(buf_str(&b), t[i].want) != 0)
			fail_msg("'%s': got '%s', want '%s'", t[i].ere,
			    buf_str(&b), t[i].want);
	}
	buf_reset(&b);
	assert_int_equal(ere_translate_ex(&b, S("(a)x\\1"), ERE_HYPERSCAN,
	    ERE_NOBACKREF, &props, err, sizeof(err)), 0);
	assert_string_equal(buf_str(&b), "(?:a)x(?:.*)");
	assert_true(props & ERE_BOUND);
	buf_reset(&b);
	assert_int_equal(ere_translate_ex(&b, S("a*|b"), ERE_HYPERSCAN, 0,
	    &props, err, sizeof(err)), 0);
	assert_true(props & ERE_EMPTY);
	buf_free(&b);
}

#define T(f)	cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pcre2_strings),
		T(test_behaviour_as_grep),
		T(test_refused_like_grep),
		T(test_error_message_names_offset),
		T(test_refused_unsupported),
		T(test_limits),
		T(test_appends_to_out),
		T(test_classes_are_c_locale_bytes),
		T(test_every_byte_literal),
		T(test_has_backref),
		T(test_hyperscan_strings),
		T(test_hyperscan_refusals),
		T(test_shipped_rules_that_differ_from_pcre),
		T(test_logcheck_database),
		T(test_digit_blind),
		T(test_multiline_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
