/*
 * Unit tests for mask: real patterns compiled with match, the masked text
 * checked for every case of tenshi-notes §9 and the decisions in
 * TENSHI-COMPAT.md (disjoint groups as tenshi; nested, look-ahead and
 * out-of-order groups masked by position, outermost span once).
 * Subjects are heap copies of exactly their length so ASan catches reads
 * past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "classify/mask.h"
#include "lib/match.h"

#define M6	"______"		/* tenshi's default mask */

/*
 * Matches pattern against subj[0..len) (which must match) and masks it
 * with mask[0..masklen).  Returns an owned copy of the result, its length
 * in *outlen.
 */
static char *
run_mask(const char *pattern, const char *subj, size_t len, const char *mask,
    size_t masklen, size_t *outlen)
{
	struct regex re;
	struct buf out;
	char err[256], *copy, *res;
	const PCRE2_SIZE *ov;
	uint32_t np;

	if (match_compile(&re, pattern, err, sizeof(err)) == -1)
		fail_msg("pattern '%s' does not compile: %s", pattern, err);
	copy = malloc(len > 0 ? len : 1);
	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, subj, len);
	if (match_exec(&re, copy, len, NULL) != MATCH_YES)
		fail_msg("pattern '%s' does not match its subject", pattern);
	ov = match_ovector(&np);
	buf_init(&out, 1024 * 1024);
	assert_int_equal(mask_apply(&out, copy, len, ov, np, mask, masklen), 0);
	assert_non_null(out.data);	/* even an empty result is a string */
	*outlen = out.len;
	res = malloc(out.len + 1);
	assert_non_null(res);
	memcpy(res, out.data, out.len + 1);
	buf_free(&out);
	free(copy);
	match_free(&re);
	return res;
}

static void
check(const char *pattern, const char *subj, size_t len, const char *mask,
    const char *want, size_t wantlen)
{
	size_t n;
	char *got = run_mask(pattern, subj, len, mask, strlen(mask), &n);

	if (n != wantlen || memcmp(got, want, wantlen) != 0) {
		fprintf(stderr, "# pattern '%s' on '%.*s': got '%.*s' (%zu bytes), "
		    "want '%.*s' (%zu bytes)\n", pattern, (int)len, subj, (int)n,
		    got, n, (int)wantlen, want, wantlen);
		free(got);
		fail();
	}
	free(got);
}

/* Literals may hold NUL bytes. */
#define CHECK(pat, subj, want) \
	check((pat), (subj), sizeof(subj) - 1, M6, (want), sizeof(want) - 1)
#define CHECK_MASK(pat, subj, mask, want) \
	check((pat), (subj), sizeof(subj) - 1, (mask), (want), sizeof(want) - 1)

/* ---- tenshi-identical cases: disjoint groups left to right ---- */

static void
test_single_group(void **state)
{
	(void)state;
	CHECK("Accepted password for (\\S+) from (\\S+)",
	    "Accepted password for root from 10.0.0.1 port 22",
	    "Accepted password for " M6 " from " M6 " port 22");
}

static void
test_disjoint_groups_different_lengths(void **state)
{
	(void)state;
	CHECK("(a)(bb)x(cccccccccc)", "zabbxccccccccccz",
	    "z" M6 M6 "x" M6 "z");
}

static void
test_adjacent_disjoint_groups(void **state)
{
	(void)state;
	CHECK("(ab)(cd)", "abcd", M6 M6);
}

static void
test_no_groups_unchanged(void **state)
{
	(void)state;
	CHECK("session opened", "pam: session opened for user",
	    "pam: session opened for user");
}

static void
test_non_capturing_group_not_masked(void **state)
{
	(void)state;
	CHECK("(?:user|uid) (\\w+) (?:logged) in", "user bob logged in now",
	    "user " M6 " logged in now");
	CHECK("(?:abc)+", "abcabc", "abcabc");
}

static void
test_empty_group_inserts_mask(void **state)
{
	(void)state;
	CHECK("x(.*)y", "xy", "x" M6 "y");
	CHECK("^()", "abc", M6 "abc");
	CHECK("()$", "abc", "abc" M6);
}

static void
test_group_not_taking_part_left_alone(void **state)
{
	(void)state;
	CHECK("(a)?b(c)", "bc", "b" M6);
	CHECK("(a)?b(c)", "abc", M6 "b" M6);
	/* the other side of an alternation */
	CHECK("(x)|(y)", "y", M6);
	CHECK("(x)|(y)", "ay", "a" M6);
	/* trailing groups that did not take part */
	CHECK("(a)(b)?(c)?", "a", M6);
}

static void
test_named_groups(void **state)
{
	(void)state;
	CHECK("(?<user>\\w+) from (?P<ip>[\\d.]+)", "bob from 10.1.2.3 ok",
	    M6 " from " M6 " ok");
	CHECK("(?'x'\\d+)", "pid 4711 exited", "pid " M6 " exited");
}

static void
test_backreference_text_not_masked(void **state)
{
	(void)state;
	CHECK("(\\w+) \\1", "hey hey", M6 " hey");
	CHECK("(?<w>\\w+) \\k<w>", "a word word b", "a " M6 " word b");
}

static void
test_branch_reset(void **state)
{
	(void)state;
	CHECK("(?|(x)|(y))z", "xz", M6 "z");
	CHECK("(?|(x)|(y))z", "yz", M6 "z");
	CHECK("(?|(x)|(y))z", "ayz", "a" M6 "z");
}

static void
test_repeated_group_takes_last_iteration(void **state)
{
	(void)state;
	CHECK("(\\d)+", "123", "12" M6);
	CHECK("(?:(\\w+),)+", "a,bb,ccc,d", "a,bb," M6 ",d");
}

static void
test_empty_mask_deletes(void **state)
{
	(void)state;
	CHECK_MASK("user (\\w+) from (\\S+)", "user bob from 1.2.3.4 x", "",
	    "user  from  x");
	CHECK_MASK("(.*)", "everything", "", "");
	CHECK_MASK("x(.*)y", "xy", "", "xy");
}

static void
test_custom_mask(void **state)
{
	(void)state;
	CHECK_MASK("user (\\w+) from (\\S+)", "user bob from 1.2.3.4", "<*>",
	    "user <*> from <*>");
	CHECK_MASK("(\\d+)", "pid 1", "#############", "pid #############");
	CHECK_MASK("x(.*)y", "xy", "?", "x?y");
}

/* ---- logward: nested and out-of-order groups by position ---- */

static void
test_nested_groups_outermost_once(void **state)
{
	(void)state;
	CHECK("((a)b)c", "abc", M6 "c");
	CHECK("z((a)b)c", "zabcz", "z" M6 "cz");
	/* three levels, inner group ends at the outer end */
	CHECK("(((a)b)c)d", "abcd", M6 "d");
	/* inner group at the end of the outer one */
	CHECK("(a(b))c", "abc", M6 "c");
}

static void
test_nested_group_in_repetition(void **state)
{
	(void)state;
	CHECK("(a(b)?)+", "abab", "ab" M6);
	/* inner group did not take part in the last iteration: PCRE2 keeps
	 * the inner group's earlier capture (Perl does the same); it lies
	 * outside the last outer span and is masked on its own */
	CHECK("(a(b)?)+", "aba", "a" M6 M6);
}

static void
test_nested_and_disjoint_mixed(void **state)
{
	(void)state;
	CHECK("(x(y)z) (\\d+) ((p)(q))", "xyz 42 pq!", M6 " " M6 " " M6 "!");
}

static void
test_lookahead_group(void **state)
{
	(void)state;
	CHECK("k(?=(..))", "kabcd", "k" M6 "cd");
	/* look-ahead group past the match, nothing else */
	CHECK("^a(?=.*(z))", "abcz", "abc" M6);
}

static void
test_lookbehind_group(void **state)
{
	(void)state;
	CHECK("(?<=(ab))c", "abcd", M6 "cd");
}

static void
test_out_of_order_groups_positional(void **state)
{
	(void)state;
	/* group 1 lies right of group 2: both masked where they are */
	CHECK("(?=.*(b))(a)", "ab", M6 M6);
	CHECK("(?=.*(c))(a)", "abc", M6 "b" M6);
	CHECK("(?=.*(c))(a)", "xabcx", "x" M6 "b" M6 "x");
}

static void
test_overlapping_lookahead_spans_merged(void **state)
{
	(void)state;
	/* (0,3) and (1,4) overlap: one mask over their union (0,4) */
	CHECK("(?=(abc))(?=.(bcd))", "abcde", M6 "e");
	/* overlap in the other numbering order */
	CHECK("(?=.(bcd))(?=(abc))", "abcde", M6 "e");
	/* a chain of overlaps */
	CHECK("^(?=(ab))(?=.(bc))(?=..(cd))", "abcdef", M6 "ef");
	/* overlapping, with a disjoint group after */
	CHECK("(?=(ab))(?=.(bc))....(e)", "abcdef", M6 "d" M6 "f");
}

static void
test_group_inside_lookahead_that_is_inside_another(void **state)
{
	(void)state;
	/* group 2 (look-ahead) lies inside group 1's span */
	CHECK("(a(?=(b))bc)", "abcd", M6 "d");
}

static void
test_adjacent_empty_groups(void **state)
{
	(void)state;
	CHECK("(a)()", "a", M6 M6);
	CHECK("()(a)", "a", M6 M6);
	CHECK("x(a)()y", "xay", "x" M6 M6 "y");
	CHECK_MASK("(a)()(b)", "ab", "_", "___");
}

static void
test_empty_group_inside_nonempty_group(void **state)
{
	(void)state;
	/* an empty group strictly inside another group is part of it */
	CHECK("(a()b)", "ab", M6);
}

static void
test_many_groups_heap_path(void **state)
{
	struct buf pat;
	char subj[64], want[64];
	size_t i, n = 45;

	(void)state;
	buf_init(&pat, 4096);
	for (i = 0; i < n; i++) {
		assert_int_equal(buf_addstr(&pat, "(.)"), 0);
		subj[i] = (char)('a' + (int)(i % 26));
		want[i] = 'X';
	}
	subj[n] = 'Z';
	want[n] = 'Z';
	check(pat.data, subj, n + 1, "X", want, n + 1);

	/* 60 groups, nested pairs with identical spans, skipped groups */
	buf_reset(&pat);
	for (i = 0; i < 20; i++)
		assert_int_equal(buf_addstr(&pat, "((.)(q)?)"), 0);
	for (i = 0; i < 20; i++)
		subj[i] = (char)('a' + (int)i);
	memset(want, 'X', 20);
	check(pat.data, subj, 20, "X", want, 20);
	buf_free(&pat);
}

static void
test_many_groups_with_custom_wide_mask(void **state)
{
	struct buf pat, want;
	char subj[128];
	size_t i, n = 40;

	(void)state;
	buf_init(&pat, 4096);
	buf_init(&want, 4096);
	for (i = 0; i < n; i++) {
		assert_int_equal(buf_addstr(&pat, "(\\d)-"), 0);
		subj[2 * i] = (char)('0' + (int)(i % 10));
		subj[2 * i + 1] = '-';
		assert_int_equal(buf_addstr(&want, "<n>-"), 0);
	}
	check(pat.data, subj, 2 * n, "<n>", want.data, want.len);
	buf_free(&pat);
	buf_free(&want);
}

static void
test_subject_with_nul_bytes(void **state)
{
	(void)state;
	CHECK("x(.)y", "a\0x\0y\0z", "a\0x" M6 "y\0z");
	CHECK("(\\S+)$", "head \0\0tail", "head " M6);
	CHECK("b (\\w+)", "\0\0b c\0", "\0\0b " M6 "\0");
	CHECK("(?:\\x00)(\\d+)", "a\0" "123b", "a\0" M6 "b");
}

static void
test_nul_in_mask_does_not_truncate(void **state)
{
	struct regex re;
	struct buf out;
	char err[256];
	const PCRE2_SIZE *ov;
	uint32_t np;
	static const char want[] = "a" "<\0>" "c";

	(void)state;
	assert_int_equal(match_compile(&re, "a(b)c", err, sizeof(err)), 0);
	assert_int_equal(match_exec(&re, "abc", 3, NULL), MATCH_YES);
	ov = match_ovector(&np);
	buf_init(&out, 1024);
	assert_int_equal(mask_apply(&out, "abc", 3, ov, np, "<\0>", 3), 0);
	assert_int_equal(out.len, sizeof(want) - 1);
	assert_memory_equal(out.data, want, sizeof(want) - 1);
	buf_free(&out);
	match_free(&re);
}

static void
test_whole_subject_masked(void **state)
{
	(void)state;
	CHECK("^(.*)$", "the whole line", M6);
	CHECK("(.*)", "", M6);
}

static void
test_appends_to_existing_buffer(void **state)
{
	struct regex re;
	struct buf out;
	char err[256];
	const PCRE2_SIZE *ov;
	uint32_t np;

	(void)state;
	assert_int_equal(match_compile(&re, "id=(\\d+)", err, sizeof(err)), 0);
	assert_int_equal(match_exec(&re, "id=42;", 6, NULL), MATCH_YES);
	ov = match_ovector(&np);
	buf_init(&out, 1024);
	assert_int_equal(buf_addstr(&out, "prefix:"), 0);
	assert_int_equal(mask_apply(&out, "id=42;", 6, ov, np, M6, 6), 0);
	assert_string_equal(out.data, "prefix:id=" M6 ";");
	buf_free(&out);
	match_free(&re);
}

static void
test_buffer_maximum_hit(void **state)
{
	struct regex re;
	struct buf out;
	char err[256];
	const PCRE2_SIZE *ov;
	uint32_t np;

	(void)state;
	assert_int_equal(match_compile(&re, "(b)", err, sizeof(err)), 0);
	assert_int_equal(match_exec(&re, "abc", 3, NULL), MATCH_YES);
	ov = match_ovector(&np);
	buf_init(&out, 4);		/* "a______c" does not fit */
	assert_int_equal(mask_apply(&out, "abc", 3, ov, np, M6, 6), -1);
	assert_null(out.data);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	match_free(&re);
}

static void
test_unset_pairs_in_handmade_ovector(void **state)
{
	/* pair 0 is ignored; unset pairs are skipped */
	PCRE2_SIZE ov[8] = { 0, 6, PCRE2_UNSET, PCRE2_UNSET, 2, 4,
	    PCRE2_UNSET, PCRE2_UNSET };
	struct buf out;

	(void)state;
	buf_init(&out, 1024);
	assert_int_equal(mask_apply(&out, "abcdef", 6, ov, 4, "X", 1), 0);
	assert_string_equal(out.data, "abXef");
	buf_free(&out);
}

#define T(f)	cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_single_group),
		T(test_disjoint_groups_different_lengths),
		T(test_adjacent_disjoint_groups),
		T(test_no_groups_unchanged),
		T(test_non_capturing_group_not_masked),
		T(test_empty_group_inserts_mask),
		T(test_group_not_taking_part_left_alone),
		T(test_named_groups),
		T(test_backreference_text_not_masked),
		T(test_branch_reset),
		T(test_repeated_group_takes_last_iteration),
		T(test_empty_mask_deletes),
		T(test_custom_mask),
		T(test_nested_groups_outermost_once),
		T(test_nested_group_in_repetition),
		T(test_nested_and_disjoint_mixed),
		T(test_lookahead_group),
		T(test_lookbehind_group),
		T(test_out_of_order_groups_positional),
		T(test_overlapping_lookahead_spans_merged),
		T(test_group_inside_lookahead_that_is_inside_another),
		T(test_adjacent_empty_groups),
		T(test_empty_group_inside_nonempty_group),
		T(test_many_groups_heap_path),
		T(test_many_groups_with_custom_wide_mask),
		T(test_subject_with_nul_bytes),
		T(test_nul_in_mask_does_not_truncate),
		T(test_whole_subject_masked),
		T(test_appends_to_existing_buffer),
		T(test_buffer_maximum_hit),
		T(test_unset_pairs_in_handmade_ovector),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown_match);
}
