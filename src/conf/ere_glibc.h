/*
 * ere_glibc — regcomp's checks of the ERE translator (ere.c), on the
 * parser state of ere_int.h.  Only the translator's files include it.
 */
#ifndef LOGWARD_ERE_GLIBC_H
#define LOGWARD_ERE_GLIBC_H

struct parser;

/*
 * The errors of glibc's regcomp() that dfa.c does not report.  A
 * quantifier at the start of an expression (pattern start, after '(',
 * '|' or an anchor) is skipped, and a ')' right after it is a literal;
 * '{' there is skipped alone.  A backreference must name a group closed
 * before it in the same branch.  With a backreference, the places where
 * dfa.c reads the pattern differently are refused (see disagree()).
 */
int	ere_glibc_check(struct parser *p);

#endif
