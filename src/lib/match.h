/*
 * match — compiled regular expressions and the one place that runs them.
 *
 * Patterns are Perl-compatible (PCRE2, JIT when available), byte
 * semantics: no UTF, no UCP, so \d \w \s are ASCII.  Every match runs with
 * a match limit and a depth limit; hitting one is MATCH_ERROR, never a
 * silent "no match".
 */
#ifndef LOGWARD_MATCH_H
#define LOGWARD_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct regex {
	pcre2_code	*code;		/* owned compiled pattern */
	char		*src;		/* owned pattern text as written */
	uint32_t	 ncap;		/* number of capture groups */
};

enum match_result {
	MATCH_ERROR = -1,		/* a limit was hit (or another PCRE2 error) */
	MATCH_NO = 0,
	MATCH_YES = 1,
};

/* Limits applied to every match; see match_set_limits. */
#define MATCH_DEFAULT_LIMIT	1000000u
#define MATCH_DEFAULT_DEPTH	10000u

/* Compiles pattern src (NUL-terminated) into re.  Returns 0, or -1 with a
 * message like "missing closing parenthesis at offset 4" in err. */
int	match_compile(struct regex *re, const char *src, char *err, size_t errlen);
/* The same with extra PCRE2 compile options (e.g. PCRE2_DOTALL). */
int	match_compile_opts(struct regex *re, const char *src, uint32_t opts,
	    char *err, size_t errlen);
/* The same without the JIT compilation (match_jit does it later): for
 * patterns that may never be matched. */
int	match_compile_nojit(struct regex *re, const char *src, uint32_t opts,
	    char *err, size_t errlen);
/* JIT-compiles re (compiled by match_compile_nojit); harmless twice.
 * Not while another thread matches re. */
void	match_jit(struct regex *re);
/* Whether src compiles with opts, as match_compile_opts would say (the
 * same message in err), without keeping it (no JIT: cheap). */
int	match_check(const char *src, uint32_t opts, char *err, size_t errlen);
void	match_free(struct regex *re);

/* Sets the match and depth limits for all later matches of this thread
 * and of threads that match for the first time afterwards (set them
 * before starting a thread that matches). */
void	match_set_limits(uint32_t match_limit, uint32_t depth_limit);

/* Matches subject s[0..len) against re.  On MATCH_YES the capture offsets
 * are available through match_ovector until the next call.  On
 * MATCH_ERROR, *why (if not NULL) says what went wrong (static text). */
enum match_result match_exec(const struct regex *re, const char *s, size_t len,
	    const char **why);

/* Answers only "does re match s anywhere".  When the backtracking
 * matcher hits a limit, the question is asked again of PCRE2's DFA
 * matcher, which has no backtracking; MATCH_ERROR only when that fails
 * too (a pattern with backreferences).  Captures are not available. */
enum match_result match_test(const struct regex *re, const char *s, size_t len,
	    const char **why);

/* Borrowed view of the last successful match: pairs of start/end offsets,
 * group 0 first; *npairs = highest group that took part + 1.  Groups that
 * did not take part hold PCRE2_UNSET. */
const PCRE2_SIZE *match_ovector(uint32_t *npairs);

/* Frees this thread's match data and JIT stack (at exit, for leak
 * checkers; a thread that matched calls it before it ends). */
void	match_cleanup(void);

/* Looks for nested unbounded repetition ("star height" 2: a group with
 * an unbounded quantifier inside that is itself repeated without bound,
 * as in (a+)+, (\w*\s?)*, (x|y+){2,}), the shape that makes backtracking
 * engines take exponential time on some non-matching lines.  Atomic
 * groups and possessive quantifiers are safe.  ere: the pattern is GNU
 * ERE (logcheck) instead of PCRE.  Returns true and describes the
 * offending part in why. */
bool	match_hazard(const char *src, bool ere, char *why, size_t whylen);

#endif
