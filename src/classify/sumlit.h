/*
 * sumlit — the literal text a summary regex needs, to skip it cheaply:
 * the literal its match must start with (after a leading '^') and the
 * longest literal run it must contain.  A line that lacks either cannot
 * match, so PCRE2 runs only when both are there (sumlit.c).
 *
 * Only what is certain is taken: text outside alternations, optional
 * or repeated parts, look-arounds and case-insensitive groups; a pattern
 * with a top-level '|' or an option setting such as (?i) or (?x) gets no
 * literal at all (it is always tried).
 */
#ifndef LOGWARD_SUMLIT_H
#define LOGWARD_SUMLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define SUMLIT_MAX	64	/* bytes kept of each literal */

struct sumlit {
	char		 prefix[SUMLIT_MAX];	/* the match starts the subject with it */
	size_t		 plen;			/* 0 = none */
	char		 req[SUMLIT_MAX];	/* the subject contains it */
	size_t		 rlen;			/* 0 = none */
};

/* Fills l from the PCRE2 pattern src (NUL-terminated, borrowed). */
void	sumlit_extract(struct sumlit *l, const char *src);

/* Whether s[0..n) contains l->req: memchr for its first byte, then a
 * compare (cheaper than memmem for these short needles). */
static inline bool
sumlit_has_req(const struct sumlit *l, const char *s, size_t n)
{
	const char *p = s, *e = s + n;
	size_t m = l->rlen;

	while ((size_t)(e - p) >= m &&
	    (p = memchr(p, l->req[0], (size_t)(e - p) - m + 1)) != NULL) {
		if (memcmp(p + 1, l->req + 1, m - 1) == 0)
			return true;
		p++;
	}
	return false;
}

/* false when s[0..n) cannot match the pattern l was made from. */
static inline bool
sumlit_may_match(const struct sumlit *l, const char *s, size_t n)
{
	if (l->plen > 0 && (n < l->plen || s[0] != l->prefix[0] ||
	    memcmp(s, l->prefix, l->plen) != 0))
		return false;
	if (l->rlen > 0 && !sumlit_has_req(l, s, n))
		return false;
	return true;
}

#endif
