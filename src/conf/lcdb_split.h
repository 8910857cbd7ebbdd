/*
 * lcdb_split — where a logcheck rule goes among lcdb_use_scan's two
 * Hyperscan databases (conf/lcdb.h): the whole-line one, or the one of
 * tails scanned where the stamp and host prefix ends (a rule that starts
 * with one of the prefix variants), and how a rule with a top-level '|'
 * is split into alternatives that go each their own way.
 */
#ifndef LOGWARD_LCDB_SPLIT_H
#define LOGWARD_LCDB_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/lcdb.h"

#define LCDB_SPLIT_MAX	16	/* alternatives of one rule, at most */

/* A rule with a top-level '|' (e.g. "PREFIX snort: | Hash Method: ...")
 * matches exactly when one of its alternatives does, so each can go to
 * the database that suits it.  Sets alts[0..LCDB_SPLIT_MAX) to owned
 * copies of the alternatives and returns their number, or 0 when the
 * rule stays whole: no top-level '|', a backreference (group numbers
 * would move), an empty alternative or one that starts with a
 * quantifier (GNU ERE reads those in ways a lone alternative would
 * not), more than LCDB_SPLIT_MAX alternatives. */
size_t	lcdb_split_alts(const char *src, char **alts);

/* The Hyperscan pattern of the ERE src (a rule or an alternative), as an
 * owned string, or NULL when neither Hyperscan's nor PCRE2's form can be
 * made.  *variant is 0 for the whole-line database, else the prefix
 * variant 1..LCDB_NVARIANTS whose tail it is (anchored: scanned from
 * where the prefix ends, as classify/lcclass.c finds it); *confirm is
 * set when the pattern matches a superset of the rule's lines (its
 * backreferences dropped), so PCRE2 must confirm a hit.  A pattern that
 * is only PCRE2's form is left for scan_build to take as a prefilter. */
char	*lcdb_split_pattern(const char *src, int *variant, bool *confirm);

#endif
