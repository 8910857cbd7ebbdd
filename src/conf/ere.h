/*
 * ere — translate a POSIX extended regular expression, as GNU grep 3.8
 * reads it in the C locale (grep -E), into PCRE2 or Hyperscan syntax with
 * the same meaning on bytes.
 *
 * The translator parses the ERE (it does not substitute strings):
 *   - a backslash inside a bracket expression is a literal backslash;
 *     every non-alphanumeric member of a bracket is escaped in the output
 *     (Hyperscan misreads a bracket whose first member is ':');
 *   - [:class:] names are kept (PCRE2 and Hyperscan know the POSIX ones);
 *     [=x=] and [.x.] are errors;
 *   - GNU operators \w \W \s \S \b \B; \< and \> (word start and end);
 *     \` (start of buffer) and \' (end of buffer);
 *   - \1..\9 backreferences (PCRE2 only; the Hyperscan form is an error,
 *     the caller decides what to do, e.g. prefilter mode);
 *   - a '{' that cannot start an interval is literal; "{,n}" is "{0,n}";
 *   - a backslash before a letter or digit GNU does not define (\d, \y)
 *     is that letter; before any other byte it is that byte, literal;
 *   - a '*', '+', '?' or '{n}' with nothing to repeat (start of the
 *     pattern, after '(' or '|') is dropped; right after an anchor it
 *     repeats the anchor, as grep does; a quantifier on a quantifier
 *     repeats the repetition (wrapped in a group, never possessive or
 *     lazy);
 *   - '.' and [^...] match any single byte, including NUL and newline.
 * The caller compiles PCRE2 output with PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY
 * (and no UTF), Hyperscan output with HS_FLAG_DOTALL.
 * Groups are emitted non-capturing unless the pattern uses a
 * backreference, so a translated pattern can be combined with others in
 * one alternation without renumbering.
 */
#ifndef LOGWARD_ERE_H
#define LOGWARD_ERE_H

#include <stddef.h>

#include "lib/buf.h"

enum ere_target {
	ERE_PCRE2,		/* for pcre2_compile() with PCRE2_DOTALL |
				   PCRE2_DOLLAR_ENDONLY (no UTF) */
	ERE_HYPERSCAN,		/* for hs_compile(), no HS_FLAG_UTF8 */
};

/* Translates src[0..len) (one rule, no newline) and appends the result to
 * out.  Returns 0, or -1 with a message in err naming the byte offset and
 * the problem (e.g. "offset 12: unmatched ( ") when GNU grep would reject
 * the pattern, or when the target cannot express it or a limit (64 KiB,
 * nesting) is passed; those messages say "not supported", "nests too
 * deeply" or "longer than".  Hyperscan may still refuse some correct
 * translations (e.g. "$^"): callers handle hs_compile errors. */
int	ere_translate(struct buf *out, const char *src, size_t len,
	    enum ere_target target, char *err, size_t errlen);

/* ere_translate_ex flags: */
#define ERE_WIDEN	0x1	/* every atom that takes a digit takes all ten
				   (a superset of the pattern, blind to which
				   digit is where: see lcdb's memo of shapes) */
#define ERE_MULTILINE	0x2	/* Hyperscan: '$' for the end, and no set
				   takes '\n' (compile with HS_FLAG_MULTILINE,
				   without HS_FLAG_DOTALL, to scan lines with
				   no '\n' in them many at a time) */
#define ERE_NOBACKREF	0x4	/* a backreference becomes ".*" (a superset,
				   for both targets) */

/* ere_translate_ex properties of the pattern: */
#define ERE_BOUND	0x1	/* it tells digits apart: some atom takes some
				   digits but not all ten (a digit, [0-5],
				   [^7]) or is a backreference; without it the
				   pattern matches a text exactly when it
				   matches the text with any digit replaced
				   by any other */
#define ERE_NEWLINE	0x2	/* an atom other than '.' may take '\n'
				   (with ERE_MULTILINE it does not) */
#define ERE_EMPTY	0x4	/* it may match the empty string */

/* ere_translate with flags, and, when props is not NULL, the pattern's
 * properties in *props (ERE_BOUND, ERE_NEWLINE, ERE_EMPTY). */
int	ere_translate_ex(struct buf *out, const char *src, size_t len,
	    enum ere_target target, int flags, int *props, char *err,
	    size_t errlen);

/* 1 when src uses a backreference (\1..\9 outside brackets), else 0. */
int	ere_has_backref(const char *src, size_t len);

#endif
