/*
 * ere_int — the ERE translator's parser state and parse tree, and the
 * lexer helpers the other passes reuse; shared by its three files: ere.c
 * (lexer, parser, entry points), ere_glibc.c (regcomp's checks) and
 * ere_emit.c (the emitters).  Only those files include it.
 */
#ifndef LOGWARD_ERE_INT_H
#define LOGWARD_ERE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/ere.h"
#include "lib/buf.h"

#define DUP_MAX		32767		/* RE_DUP_MAX */
#define MAX_LEN		65536		/* bytes of one pattern */
#define MAX_DEPTH	200		/* nested ( */
#define MAX_HEIGHT	1000		/* tree height (recursion) */
#define CLASS_NAME_MAX	32		/* glibc BRACKET_NAME_BUF_SIZE */

enum kind {
	N_EMPTY,
	N_CHAR,				/* arg: the byte */
	N_ANY,				/* . */
	N_SET,				/* rendered bracket in parser.sets */
	N_WORD, N_NOTWORD,		/* \w \W */
	N_SPACE, N_NOTSPACE,		/* \s \S */
	N_BOL, N_EOL,			/* ^ $ */
	N_BEGBUF, N_ENDBUF,		/* \` \' */
	N_WB, N_NWB,			/* \b \B */
	N_WBEG, N_WEND,			/* \< \> */
	N_BACKREF,			/* arg: 1..9 */
	N_GROUP,			/* one child */
	N_CAT,				/* children in sequence */
	N_ALT,				/* children as alternatives */
	N_REPEAT,			/* lo, hi; one child */
};

/* What surrounds a position: nothing on every path, at least one byte on
 * every path, or either. */
enum side {
	S_NONE,
	S_SOME,
	S_EITHER,
};

struct node {
	enum kind kind;
	int	 arg;		/* N_CHAR byte, N_BACKREF number */
	int	 lo, hi;	/* N_REPEAT bounds; hi -1: no limit */
	int	 child, last;	/* first and last child, -1 for none */
	int	 next, prev;	/* siblings, -1 for none */
	int	 height;	/* 1 for a leaf */
	size_t	 off;		/* source offset, for messages */
	size_t	 text, textlen;	/* N_SET: span in parser.sets */
	bool	 must;		/* every match consumes a byte */
	bool	 may;		/* some match consumes a byte */
	bool	 cap;		/* contains a group */
	bool	 never;		/* emitted form can never match */
	uint16_t digits;	/* N_SET: the digits it takes, bit d for '0'+d */
	bool	 newline;	/* N_SET: it takes '\n' */
	enum side pre, post;	/* before and after, to the pattern's ends */
};

enum tkind {
	T_END,
	T_CHAR,			/* c */
	T_LEAF,			/* leaf of kind leaf */
	T_LPAREN,
	T_RPAREN,
	T_OR,
	T_REPEAT,		/* lo, hi */
};

struct tok {
	enum tkind type;
	enum kind leaf;		/* T_LEAF */
	int	 c;		/* T_CHAR byte, T_LEAF backref number */
	int	 lo, hi;	/* T_REPEAT */
	size_t	 off;		/* source offset */
	size_t	 text, textlen;	/* T_LEAF N_SET */
	uint16_t digits;	/* T_LEAF N_SET: as in struct node */
	bool	 newline;	/* T_LEAF N_SET: as in struct node */
};

struct parser {
	const unsigned char *s;	/* the pattern, borrowed */
	size_t	 len;
	size_t	 pos;		/* next byte to read */
	enum ere_target target;
	bool	 backref;	/* the pattern has \N */
	bool	 capture;	/* groups capture: backref, for PCRE2 */
	int	 flags;		/* ERE_WIDEN, ERE_MULTILINE, ERE_NOBACKREF */
	bool	 widen;		/* every atom that takes a digit takes all ten */
	bool	 digit_bound;	/* an atom takes some digits but not all */
	bool	 takes_newline;	/* an atom other than '.' takes '\n' */
	uint16_t set_digits;	/* the digits of the last rendered bracket */
	bool	 set_newline;	/* it takes '\n' */
	struct node *nodes;	/* owned */
	int	 nnodes, capnodes;
	struct buf sets;	/* rendered bracket expressions */
	struct tok tok;		/* current token */
	int	 parens;	/* open ( seen by the lexer (dfa.c) */
	int	 depth;		/* nesting of the parser */
	bool	 disagree;	/* see disagree() */
	size_t	 disagree_off;
	char	*err;		/* message, may be NULL */
	size_t	 errlen;
	bool	 failed;
};

#define ALL_DIGITS	0x3ffu		/* struct node digits: all ten */

/* Digits and letters of the C locale, whatever the locale. */
static inline bool
ere_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool
ere_isalnum(int c)
{
	return ere_isdigit(c) || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

/* Defined in ere.c (the lexer), used by the other files too. */

/* Records the first error in p->err as "offset OFF: " and the message;
 * marks p failed.  Returns -1. */
int	ere_fail(struct parser *p, size_t off, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Reads the bracket expression whose '[' is at s[start], with the rules
 * of both dfa.c and regcomp (C locale): ']' first is a member, '[' is a
 * member unless it opens "[:name:]", a backslash is a member, a '-' that
 * is neither first nor last nor a range's end is an error.  When render
 * is set, appends the PCRE2/Hyperscan form to p->sets.  Returns the offset
 * after the closing ']', or 0 on error.
 */
size_t	ere_bracket(struct parser *p, size_t start, bool render);

/* n (-1: no digit yet) followed by digit c, at most DUP_MAX + 1. */
long	ere_add_digit(long n, int c);

/*
 * dfa.c's reading of an interval whose '{' is at s[i - 1]: returns true
 * and the bounds (hi -1: none; a count above DUP_MAX reads as DUP_MAX + 1)
 * and the offset after '}' in *end, or false for a literal '{'.
 */
bool	ere_dfa_interval(const struct parser *p, size_t i, long *lop,
	    long *hip, size_t *end);

#endif
