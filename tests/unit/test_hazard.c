/*
 * test_hazard — match_hazard, lint's detector of regexes that make
 * backtracking engines take exponential time: flagged shapes (nested
 * unbounded repeats that nothing anchors, alternatives that start alike)
 * and harmless look-alikes (iterations marked by a fixed byte, atomic
 * groups, possessive quantifiers, bounded repeats), in PCRE and ERE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/match.h"

static void
flagged(void **state)
{
	static const char *const bad[] = {
		"(a+)+$", "^(\\w+\\s?)+$", "(a|a)+", "(a|aa)+$", "(x*)*y",
		"^foo ((\\S+ )?\\S*)+$", "(-?[.[:digit:]]*)+",
		"(?:a+)+b", "(?<n>a*)*b", "((ab)*c*)+", "(a*){10,}", "(a+){2,20}",
	};
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!match_hazard(bad[i], false, why, sizeof(why)))
			fail_msg("not flagged: %s", bad[i]);
		assert_non_null(strstr(why, "ambiguous repetition"));
	}
	assert_true(match_hazard("(-?[.[:digit:]]*)+", true, why, sizeof(why)));
}

static void
harmless(void **state)
{
	static const char *const good[] = {
		"^sshd: (Failed|Accepted) (\\S+) for (\\S+) from (\\S+)",
		"^x(/[a-z]+)+$", "( orig_to=<[^ ]+>,)*", "([0-9]+ )+",
		"(?>a+)+b", "(a++)+b", "(a+)++b", "(ab|cd)+", "(a+){3}",
		"[(a+)+]", "\\(a+\\)+", "a+b+c*", "", "((", "))", "[",
		"(a{2,5})+",
	};
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (match_hazard(good[i], false, why, sizeof(why)))
			fail_msg("flagged: %s (%s)", good[i], why);
	assert_false(match_hazard("([[:digit:]]+ )+", true, why, sizeof(why)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flagged),
		cmocka_unit_test(harmless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
