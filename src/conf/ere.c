/*
 * ere — GNU ERE (grep -E 3.8, C locale) to PCRE2 or Hyperscan syntax.
 *
 * grep compiles every pattern twice: gnulib's dfa.c decides what matches,
 * and glibc's regcomp() runs too, its errors being fatal.  The parser below
 * follows dfa.c's grammar into a small tree: '*', '+', '?' or an interval
 * with nothing to repeat applies to the empty string, an anchor is an atom
 * that can be repeated, an unmatched ')' is literal.  glibc_check() then
 * replays regcomp's token rules for the errors only it reports: after a
 * dropped quantifier a ')' is literal (so "(*)" is unbalanced), a
 * backreference must name a group closed earlier in its branch, and
 * intervals such as "{2,1}" or "{1,2,3}" are errors rather than text.
 *
 * The tree is then analysed (can a part consume nothing, must it consume
 * a byte) so repeats of zero-width parts are simplified and, for
 * Hyperscan, which refuses embedded anchors, each anchor is known to be
 * at the edge (emitted), never satisfiable (an impossible class) or
 * either (refused); a Hyperscan pattern that can never match is refused.
 *
 * Besides grep's errors, a few patterns grep accepts are refused: [.x.]
 * and [=x=], and, with a backreference, the constructs dfa.c and regcomp
 * read differently (grep then answers with regcomp, filtered by dfa.c).
 */
#include "conf/ere.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmem.h"

#define DUP_MAX		32767		/* RE_DUP_MAX */
#define MAX_LEN		65536		/* bytes of one pattern */
#define MAX_DEPTH	200		/* nested ( */
#define MAX_HEIGHT	1000		/* tree height (recursion) */
#define CLASS_NAME_MAX	32		/* glibc BRACKET_NAME_BUF_SIZE */

#define WORD_SET	"[0-9A-Z_a-z]"
#define NOTWORD_SET	"[^0-9A-Z_a-z]"
#define SPACE_SET	"[\\x09-\\x0d\\x20]"
#define NOTSPACE_SET	"[^\\x09-\\x0d\\x20]"
#define NEVER_SET	"[^\\x00-\\xff]"

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
};

struct parser {
	const unsigned char *s;	/* the pattern, borrowed */
	size_t	 len;
	size_t	 pos;		/* next byte to read */
	enum ere_target target;
	bool	 backref;	/* the pattern has \N */
	bool	 capture;	/* groups capture: backref, for PCRE2 */
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

static int	fail(struct parser *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	regexp(struct parser *);
static int	emit(struct parser *, struct buf *, int);

static int
fail(struct parser *p, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return -1;
	p->failed = true;
	if (p->err == NULL || p->errlen == 0)
		return -1;
	n = snprintf(p->err, p->errlen, "offset %zu: ", off);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool
isdigitc(int c)
{
	return c >= '0' && c <= '9';
}

static bool
isalnumc(int c)
{
	return isdigitc(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* A literal byte outside brackets. */
static int
put_char(struct buf *o, int c)
{
	if (isalnumc(c))
		return buf_addc(o, (char)c);
	if (c != '\0' && strchr("\\^$.|?*+()[]{}", c) != NULL) {
		char e[2] = { '\\', (char)c };

		return buf_add(o, e, 2);
	}
	if (c >= 0x20 && c < 0x7f)
		return buf_addc(o, (char)c);
	return buf_printf(o, "\\x%02x", (unsigned)c);
}

/* A literal byte inside brackets: everything but letters and digits is
 * escaped (Hyperscan misreads a bracket that starts with ':'). */
static int
put_member(struct buf *o, int c)
{
	if (isalnumc(c))
		return buf_addc(o, (char)c);
	if (c > 0x20 && c < 0x7f) {
		char e[2] = { '\\', (char)c };

		return buf_add(o, e, 2);
	}
	return buf_printf(o, "\\x%02x", (unsigned)c);
}

static bool
class_known(const unsigned char *name, size_t len)
{
	static const char *const names[] = {
		"alpha", "upper", "lower", "digit", "xdigit", "space",
		"print", "punct", "graph", "cntrl", "blank", "alnum",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return true;
	return false;
}

/* grep accepts [.x.] and [=x=]; neither engine has them. */
static void
unsupported(struct parser *p, size_t off, int delim)
{
	fail(p, off, "%s is not supported", delim == '.' ?
	    "a collating symbol [.x.]" : "an equivalence class [=x=]");
}

/*
 * Reads the bracket expression whose '[' is at s[start], with the rules
 * of both dfa.c and regcomp (C locale): ']' first is a member, '[' is a
 * member unless it opens "[:name:]", a backslash is a member, a '-' that
 * is neither first nor last nor a range's end is an error.  When render
 * is set, appends the PCRE2/Hyperscan form to p->sets.  Returns the offset
 * after the closing ']', or 0 on error.
 */
static size_t
bracket(struct parser *p, size_t start, bool render)
{
	const unsigned char *s = p->s;
	size_t len = p->len, i = start + 1;
	bool neg = false, first = true, special = false;
	bool colon_first, colon_last = false, other = false;
	struct buf *o = &p->sets;
	int rc = 0;

	if (i < len && s[i] == '^') {
		neg = true;
		i++;
	}
	colon_first = i < len && s[i] == ':';
	if (render)
		rc |= buf_addstr(o, neg ? "[^" : "[");
	for (;;) {
		int c, e;

		if (i >= len) {
			fail(p, start, "unmatched [");
			return 0;
		}
		c = s[i];
		if (c == ']' && !first) {
			i++;
			break;
		}
		if (c == '[' && i + 1 < len &&
		    (s[i + 1] == ':' || s[i + 1] == '.' || s[i + 1] == '=')) {
			int delim = s[i + 1];
			const unsigned char *nul;
			size_t k, name;

			for (k = i + 2; k + 1 < len; k++)
				if (s[k] == delim && s[k + 1] == ']')
					break;
			if (k + 1 >= len) {
				fail(p, i, "unmatched [%c", delim);
				return 0;
			}
			if (delim != ':') {
				unsupported(p, i, delim);
				return 0;
			}
			/* dfa.c and regcomp copy the name into a C string:
			 * a NUL ends it ("[:alpha<NUL>x:]" is [:alpha:]) */
			nul = memchr(s + i + 2, '\0', k - (i + 2));
			name = nul != NULL ? (size_t)(nul - (s + i + 2)) :
			    k - (i + 2);
			if (k - (i + 2) >= CLASS_NAME_MAX ||
			    !class_known(s + i + 2, name)) {
				fail(p, i, "invalid character class name");
				return 0;
			}
			if (render) {
				rc |= buf_add(o, s + i, name + 2);
				rc |= buf_add(o, ":]", 2);
			}
			i = k + 2;
			special = true;
			first = false;
			continue;
		}
		/* regcomp: a '-' may only start an element first or last */
		if (c == '-' && !first && i + 1 < len && s[i + 1] != ']') {
			fail(p, i, "invalid range end");
			return 0;
		}
		i++;
		if (i + 1 < len && s[i] == '-' && s[i + 1] != ']') {
			e = s[i + 1];
			if (e == '[' && i + 2 < len && (s[i + 2] == '.' ||
			    s[i + 2] == '=')) {
				unsupported(p, i + 1, s[i + 2]);
				return 0;
			}
			if (e == '[' && i + 2 < len && s[i + 2] == ':') {
				fail(p, i + 1, "invalid range end");
				return 0;
			}
			if (e < c) {
				fail(p, i - 1, "invalid range end");
				return 0;
			}
			if (render)
				rc |= buf_printf(o, "\\x%02x-\\x%02x",
				    (unsigned)c, (unsigned)e);
			i += 2;
			special = true;
		} else {
			if (render)
				rc |= put_member(o, c);
			colon_last = c == ':';
			if (c != ':')
				other = true;
		}
		first = false;
	}
	/* dfa.c refuses "[:space:]" and the like */
	if (colon_first && colon_last && other && !special) {
		fail(p, start,
		    "character class syntax is [[:space:]], not [:space:]");
		return 0;
	}
	if (render)
		rc |= buf_addc(o, ']');
	if (rc != 0) {
		fail(p, start, "pattern too long");
		return 0;
	}
	return i;
}

/* n (-1: no digit yet) followed by digit c, at most DUP_MAX + 1. */
static long
add_digit(long n, int c)
{
	if (n < 0)
		return c - '0';
	n = n * 10 + c - '0';
	return n > DUP_MAX ? DUP_MAX + 1 : n;
}

/*
 * dfa.c's reading of an interval whose '{' is at s[i - 1]: returns true
 * and the bounds (hi -1: none; a count above DUP_MAX reads as DUP_MAX + 1)
 * and the offset after '}' in *end, or false for a literal '{'.
 */
static bool
dfa_interval(const struct parser *p, size_t i, long *lop, long *hip,
    size_t *end)
{
	const unsigned char *s = p->s;
	long lo = -1, hi = -1;

	for (; i < p->len && isdigitc(s[i]); i++)
		lo = add_digit(lo, s[i]);
	if (i < p->len) {
		if (s[i] != ',')
			hi = lo;
		else {
			if (lo < 0)
				lo = 0;
			for (i++; i < p->len && isdigitc(s[i]); i++)
				hi = add_digit(hi, s[i]);
		}
	}
	if (!(i < p->len && s[i] == '}' && lo >= 0 && (hi < 0 || lo <= hi)))
		return false;
	*lop = lo;
	*hip = hi;
	*end = i + 1;
	return true;
}

/* '{' (p->pos is past it): an interval, or a literal '{'. */
static int
interval(struct parser *p)
{
	long lo, hi;
	size_t end;

	if (!dfa_interval(p, p->pos, &lo, &hi, &end)) {
		p->tok.type = T_CHAR;
		p->tok.c = '{';
		return 0;
	}
	if (hi > DUP_MAX)
		return fail(p, p->tok.off, "regular expression too big "
		    "(repeat count above %d)", DUP_MAX);
	p->pos = end;
	p->tok.type = T_REPEAT;
	p->tok.lo = (int)lo;
	p->tok.hi = (int)hi;
	return 0;
}

static int
leaf(struct parser *p, enum kind k)
{
	p->tok.type = T_LEAF;
	p->tok.leaf = k;
	return 0;
}

static int
repeat(struct parser *p, int lo, int hi)
{
	p->tok.type = T_REPEAT;
	p->tok.lo = lo;
	p->tok.hi = hi;
	return 0;
}

static int
lex_escape(struct parser *p, int c)
{
	switch (c) {
	case '1': case '2': case '3': case '4': case '5':
	case '6': case '7': case '8': case '9':
		p->tok.c = c - '0';
		return leaf(p, N_BACKREF);
	case 'w':
		return leaf(p, N_WORD);
	case 'W':
		return leaf(p, N_NOTWORD);
	case 's':
		return leaf(p, N_SPACE);
	case 'S':
		return leaf(p, N_NOTSPACE);
	case 'b':
		return leaf(p, N_WB);
	case 'B':
		return leaf(p, N_NWB);
	case '<':
		return leaf(p, N_WBEG);
	case '>':
		return leaf(p, N_WEND);
	case '`':
		return leaf(p, N_BEGBUF);
	case '\'':
		return leaf(p, N_ENDBUF);
	case '\n':
		return fail(p, p->tok.off, "newline in pattern");
	default:
		/* \. \( \{ ... and \d, \y: the byte itself (grep 3.8) */
		p->tok.type = T_CHAR;
		p->tok.c = c;
		return 0;
	}
}

/* Reads the next token into p->tok. */
static int
lex(struct parser *p)
{
	struct tok *t = &p->tok;
	size_t end;
	int c;

	t->off = p->pos;
	if (p->pos >= p->len) {
		t->type = T_END;
		return 0;
	}
	c = p->s[p->pos++];
	switch (c) {
	case '\\':
		if (p->pos >= p->len)
			return fail(p, t->off, "trailing backslash");
		return lex_escape(p, p->s[p->pos++]);
	case '^':
		return leaf(p, N_BOL);
	case '$':
		return leaf(p, N_EOL);
	case '.':
		return leaf(p, N_ANY);
	case '[':
		t->text = p->sets.len;
		if ((end = bracket(p, t->off, true)) == 0)
			return -1;
		t->textlen = p->sets.len - t->text;
		p->pos = end;
		return leaf(p, N_SET);
	case '(':
		p->parens++;
		t->type = T_LPAREN;
		return 0;
	case ')':
		if (p->parens == 0)
			break;
		p->parens--;
		t->type = T_RPAREN;
		return 0;
	case '|':
		t->type = T_OR;
		return 0;
	case '*':
		return repeat(p, 0, -1);
	case '+':
		return repeat(p, 1, -1);
	case '?':
		return repeat(p, 0, 1);
	case '{':
		return interval(p);
	case '\n':
		return fail(p, t->off, "newline in pattern");
	default:
		break;
	}
	t->type = T_CHAR;
	t->c = c;
	return 0;
}

static int
node_new(struct parser *p, enum kind k, size_t off)
{
	struct node *n;

	if (p->nnodes == p->capnodes) {
		p->capnodes = p->capnodes ? p->capnodes * 2 : 64;
		p->nodes = xreallocarray(p->nodes, (size_t)p->capnodes,
		    sizeof(*p->nodes));
	}
	n = &p->nodes[p->nnodes];
	memset(n, 0, sizeof(*n));
	n->kind = k;
	n->child = n->last = n->next = n->prev = -1;
	n->height = 1;
	n->off = off;
	switch (k) {
	case N_CHAR:
	case N_ANY:
	case N_SET:
	case N_WORD:
	case N_NOTWORD:
	case N_SPACE:
	case N_NOTSPACE:
		n->must = n->may = true;
		break;
	case N_BACKREF:
		n->may = true;		/* the group may have matched "" */
		break;
	default:
		break;
	}
	return p->nnodes++;
}

static void
node_add(struct parser *p, int parent, int child)
{
	struct node *n = &p->nodes[parent];

	p->nodes[child].prev = n->last;
	if (n->last == -1)
		n->child = child;
	else
		p->nodes[n->last].next = child;
	n->last = child;
}

/* Derives a composite node's properties from its children. */
static int
finish(struct parser *p, int ni)
{
	struct node *n = &p->nodes[ni];
	int c, h = 0;
	bool must, may, cap;

	must = n->kind == N_ALT;
	may = false;
	cap = n->kind == N_GROUP;
	for (c = n->child; c != -1; c = p->nodes[c].next) {
		struct node *k = &p->nodes[c];

		if (n->kind == N_ALT)
			must = must && k->must;
		else
			must = must || k->must;
		may = may || k->may;
		cap = cap || k->cap;
		if (k->height > h)
			h = k->height;
	}
	if (n->kind == N_REPEAT) {
		must = must && n->lo > 0;
		may = may && n->hi != 0;
	}
	n->must = must;
	n->may = may;
	n->cap = cap;
	n->height = h + 1;
	if (n->height > MAX_HEIGHT)
		return fail(p, n->off, "pattern nests too deeply");
	return 0;
}

static int
atom(struct parser *p)
{
	struct tok *t = &p->tok;
	size_t off = t->off;
	int n, c;

	switch (t->type) {
	case T_CHAR:
		n = node_new(p, N_CHAR, off);
		p->nodes[n].arg = t->c;
		break;
	case T_LEAF:
		n = node_new(p, t->leaf, off);
		p->nodes[n].arg = t->c;
		p->nodes[n].text = t->text;
		p->nodes[n].textlen = t->textlen;
		break;
	case T_LPAREN:
		if (++p->depth > MAX_DEPTH)
			return fail(p, off, "pattern nests too deeply");
		n = node_new(p, N_GROUP, off);
		if (lex(p) == -1 || (c = regexp(p)) == -1)
			return -1;
		if (t->type != T_RPAREN)
			return fail(p, off, "unmatched (");
		node_add(p, n, c);
		if (finish(p, n) == -1)
			return -1;
		p->depth--;
		break;
	default:
		/* a repeat with nothing to repeat, ')', '|' or the end:
		 * dfa.c reads the empty string here */
		return node_new(p, N_EMPTY, off);
	}
	if (lex(p) == -1)
		return -1;
	return n;
}

static int
closure(struct parser *p)
{
	int a, r;

	if ((a = atom(p)) == -1)
		return -1;
	while (p->tok.type == T_REPEAT) {
		r = node_new(p, N_REPEAT, p->tok.off);
		p->nodes[r].lo = p->tok.lo;
		p->nodes[r].hi = p->tok.hi;
		node_add(p, r, a);
		if (finish(p, r) == -1 || lex(p) == -1)
			return -1;
		a = r;
	}
	return a;
}

static int
branch(struct parser *p)
{
	int first, cat = -1, c;

	if ((first = closure(p)) == -1)
		return -1;
	while (p->tok.type != T_RPAREN && p->tok.type != T_OR &&
	    p->tok.type != T_END) {
		if ((c = closure(p)) == -1)
			return -1;
		if (cat == -1) {
			cat = node_new(p, N_CAT, p->nodes[first].off);
			node_add(p, cat, first);
		}
		node_add(p, cat, c);
	}
	if (cat == -1)
		return first;
	return finish(p, cat) == -1 ? -1 : cat;
}

static int
regexp(struct parser *p)
{
	int b, alt;

	if ((b = branch(p)) == -1)
		return -1;
	if (p->tok.type != T_OR)
		return b;
	alt = node_new(p, N_ALT, p->nodes[b].off);
	node_add(p, alt, b);
	while (p->tok.type == T_OR) {
		if (lex(p) == -1 || (b = branch(p)) == -1)
			return -1;
		node_add(p, alt, b);
	}
	return finish(p, alt) == -1 ? -1 : alt;
}

/* grep runs regcomp's matcher on patterns with a backreference, dfa.c's
 * reading only filters, so where the two read a pattern differently the
 * result is neither: such patterns are refused, unless an error comes
 * later (reported by glibc_check() at the end). */
static void
disagree(struct parser *p, size_t off)
{
	if (!p->disagree) {
		p->disagree = true;
		p->disagree_off = off;
	}
}

/*
 * glibc's fetch_number(): reads tokens up to '}' or ',' (an escaped ","
 * counts too); returns the number, -1 when there was none, -2 when
 * something else came first or the pattern ended.  *stop is '}', ',' or
 * 'E' (end).
 */
static long
fetch_number(const struct parser *p, size_t *ip, int *stop)
{
	long num = -1;

	for (;;) {
		bool digit;
		int c;

		if (*ip >= p->len) {
			*stop = 'E';
			return -2;
		}
		c = p->s[(*ip)++];
		if (c == '}') {
			*stop = '}';
			return num;
		}
		if (c == '\\') {
			if (*ip >= p->len)
				c = -1;
			else
				c = p->s[(*ip)++];
			/* \0 is the character 0; \1..\9 are backreferences */
			digit = c == '0';
		} else
			digit = isdigitc(c);
		if (c == ',') {
			*stop = ',';
			return num;
		}
		num = !digit || num == -2 ? -2 : add_digit(num, c);
	}
}

/* glibc's parse_dup_op() for '{' after an atom (*ip past it): advances
 * *ip over a valid interval, leaves it for a literal '{'.  With a
 * backreference regcomp decides what matches, so an interval that dfa.c
 * reads as text is refused. */
static int
glibc_interval(struct parser *p, size_t *ip)
{
	size_t i = *ip, dend;
	long lo, hi = 0, dlo, dhi;
	int stop;

	lo = fetch_number(p, &i, &stop);
	if (lo == -1) {
		if (stop != ',')
			return fail(p, *ip - 1, "invalid content of \\{\\}");
		lo = 0;
	}
	if (lo != -2) {
		if (stop == '}')
			hi = lo;
		else if (stop == ',')
			hi = fetch_number(p, &i, &stop);
		else
			hi = -2;
	}
	if (lo == -2 || hi == -2)
		return 0;
	if ((hi != -1 && lo > hi) || stop != '}')
		return fail(p, *ip - 1, "invalid content of \\{\\}");
	if ((hi == -1 ? lo : hi) > DUP_MAX)
		return fail(p, *ip - 1, "regular expression too big "
		    "(repeat count above %d)", DUP_MAX);
	if (p->backref && !dfa_interval(p, *ip, &dlo, &dhi, &dend))
		disagree(p, *ip - 1);
	*ip = i;
	return 0;
}

/*
 * The errors of glibc's regcomp() that dfa.c does not report.  A
 * quantifier at the start of an expression (pattern start, after '(',
 * '|' or an anchor) is skipped, and a ')' right after it is a literal;
 * '{' there is skipped alone.  A backreference must name a group closed
 * before it in the same branch.  With a backreference, the places where
 * dfa.c reads the pattern differently are refused (see disagree()).
 */
static int
glibc_check(struct parser *p)
{
	struct frame {
		size_t	 off;		/* of the '(' */
		int	 group;
		unsigned initial;	/* groups closed when it opened */
		unsigned acc;		/* closed in earlier branches */
	} st[MAX_DEPTH + 1];
	enum { START, ANCHOR, SKIP, ATOM } state = START;
	unsigned done = 0;		/* bit n-1: group n closed */
	int depth = 0, ngroups = 0;
	size_t i = 0;

	memset(&st[0], 0, sizeof(st[0]));
	while (i < p->len) {
		size_t off = i;
		int c = p->s[i++];

		switch (c) {
		case '\\':
			c = i < p->len ? p->s[i++] : -1;
			if (c >= '1' && c <= '9') {
				if (!(done & 1u << (c - '1')))
					return fail(p, off,
					    "invalid back reference");
				state = ATOM;
			} else if (c > 0 && strchr("<>bB`'", c) != NULL)
				state = ANCHOR;	/* c > 0: strchr finds '\0' too,
						   "\<NUL>" is a literal NUL */
			else
				state = ATOM;
			break;
		case '[':
			if ((i = bracket(p, off, false)) == 0)
				return -1;
			state = ATOM;
			break;
		case '(':
			if (depth == MAX_DEPTH)
				return fail(p, off, "pattern nests too deeply");
			depth++;
			st[depth].off = off;
			st[depth].group = ++ngroups;
			st[depth].initial = done;
			st[depth].acc = 0;
			state = START;
			break;
		case ')':
			if (state == SKIP && depth > 0 && p->backref)
				disagree(p, off);
			if (state != SKIP && depth > 0) {
				done |= st[depth].acc;
				if (st[depth].group <= 9)
					done |= 1u << (st[depth].group - 1);
				depth--;
			}
			state = ATOM;
			break;
		case '|':
			st[depth].acc |= done;
			done = st[depth].initial;
			state = START;
			break;
		case '^':
		case '$':
			state = ANCHOR;
			break;
		case '*':
		case '+':
		case '?':
		case '{':
			if (state == ATOM) {
				if (c == '{' && glibc_interval(p, &i) == -1)
					return -1;
				break;
			}
			/* dfa.c repeats the anchor, or the whole interval */
			if (p->backref && (state == ANCHOR || c == '{'))
				disagree(p, off);
			state = SKIP;
			break;
		default:
			state = ATOM;
			break;
		}
	}
	if (depth > 0)
		return fail(p, st[depth].off, "unmatched (");
	if (p->disagree)
		return fail(p, p->disagree_off, "with a back-reference, grep's "
		    "two regex parsers read this differently; not supported");
	return 0;
}

static enum side
after(const struct node *n, enum side s)
{
	if (n->must)
		return S_SOME;
	if (!n->may)
		return s;
	return s == S_SOME ? S_SOME : S_EITHER;
}

static enum side
join(enum side a, enum side b)
{
	return a == b ? a : S_EITHER;
}

/* Records what may precede and follow every node (Hyperscan anchors). */
static void
place(struct parser *p, int ni, enum side pre, enum side post)
{
	struct node *n = &p->nodes[ni];
	enum side s;
	int c;

	n->pre = pre;
	n->post = post;
	switch (n->kind) {
	case N_GROUP:
	case N_ALT:
		for (c = n->child; c != -1; c = p->nodes[c].next)
			place(p, c, pre, post);
		break;
	case N_CAT:
		s = pre;
		for (c = n->child; c != -1; c = p->nodes[c].next) {
			p->nodes[c].pre = s;
			s = after(&p->nodes[c], s);
		}
		s = post;
		for (c = n->last; c != -1; c = p->nodes[c].prev) {
			place(p, c, p->nodes[c].pre, s);
			s = after(&p->nodes[c], s);
		}
		break;
	case N_REPEAT:
		c = n->child;
		if (n->hi == 0 || n->hi == 1)
			place(p, c, pre, post);
		else
			place(p, c, join(pre, after(&p->nodes[c], pre)),
			    join(post, after(&p->nodes[c], post)));
		break;
	default:
		break;
	}
}

static int
emit_quant(struct buf *o, int lo, int hi)
{
	if (lo == 0 && hi < 0)
		return buf_addc(o, '*');
	if (lo == 1 && hi < 0)
		return buf_addc(o, '+');
	if (lo == 0 && hi == 1)
		return buf_addc(o, '?');
	if (hi < 0)
		return buf_printf(o, "{%d,}", lo);
	if (lo == hi)
		return buf_printf(o, "{%d}", lo);
	return buf_printf(o, "{%d,%d}", lo, hi);
}

static bool
is_atom(enum kind k)
{
	switch (k) {
	case N_CHAR:
	case N_ANY:
	case N_SET:
	case N_WORD:
	case N_NOTWORD:
	case N_SPACE:
	case N_NOTSPACE:
	case N_BACKREF:
	case N_GROUP:
		return true;
	default:
		return false;
	}
}

static int
emit_repeat(struct parser *p, struct buf *o, int ni)
{
	struct node *n = &p->nodes[ni];
	struct node *c = &p->nodes[n->child];
	bool keep = p->capture && c->cap;	/* groups keep their numbers */
	bool wrap;
	int rc = 0;

	if (!keep && (!c->may || n->hi == 0)) {
		/* X{0} matches "", and a zero-width X repeated is X */
		if (n->lo == 0)
			return 0;
		if (emit(p, o, n->child) == -1)
			return -1;
		n->never = c->never;
		return 0;
	}
	wrap = !is_atom(c->kind);
	if (wrap)
		rc |= buf_addstr(o, "(?:");
	if (rc != 0 || emit(p, o, n->child) == -1)
		goto toolong;
	if (wrap)
		rc |= buf_addc(o, ')');
	rc |= emit_quant(o, n->lo, n->hi);
	if (rc != 0)
		goto toolong;
	n->never = n->lo > 0 && c->never;
	return 0;
toolong:
	return fail(p, n->off, "pattern too long");
}

/* Hyperscan refuses anchors inside a pattern: keep those at the edge,
 * make the unreachable ones an impossible class. */
static int
emit_hs_anchor(struct parser *p, struct buf *o, struct node *n)
{
	bool start = n->kind == N_BOL || n->kind == N_BEGBUF;
	enum side s = start ? n->pre : n->post;

	if (s == S_NONE)
		return buf_addstr(o, start ? "^" : "\\z");
	if (s == S_SOME) {
		n->never = true;
		return buf_addstr(o, NEVER_SET);
	}
	return fail(p, n->off, "%s %s an optional part is not supported by "
	    "Hyperscan", n->kind == N_BOL ? "^" : n->kind == N_EOL ? "$" :
	    n->kind == N_BEGBUF ? "\\`" : "\\'", start ? "after" : "before");
}

static int
emit(struct parser *p, struct buf *o, int ni)
{
	struct node *n = &p->nodes[ni];
	bool hs = p->target == ERE_HYPERSCAN;
	int c, rc = 0;

	n->never = false;
	switch (n->kind) {
	case N_EMPTY:
		break;
	case N_CHAR:
		rc = put_char(o, n->arg);
		break;
	case N_ANY:
		rc = buf_addc(o, '.');
		break;
	case N_SET:
		rc = buf_add(o, p->sets.data + n->text, n->textlen);
		break;
	case N_WORD:
		rc = buf_addstr(o, WORD_SET);
		break;
	case N_NOTWORD:
		rc = buf_addstr(o, NOTWORD_SET);
		break;
	case N_SPACE:
		rc = buf_addstr(o, SPACE_SET);
		break;
	case N_NOTSPACE:
		rc = buf_addstr(o, NOTSPACE_SET);
		break;
	case N_BOL:
	case N_BEGBUF:
		/* for one line, dfa.c's \` is ^ (start of the subject) */
		if (hs)
			rc = emit_hs_anchor(p, o, n);
		else
			rc = buf_addstr(o, n->kind == N_BOL ? "^" : "\\A");
		break;
	case N_EOL:
	case N_ENDBUF:
		if (hs)
			rc = emit_hs_anchor(p, o, n);
		else
			rc = buf_addstr(o, n->kind == N_EOL ? "$" : "\\z");
		break;
	case N_WB:
		rc = buf_addstr(o, "\\b");
		break;
	case N_NWB:
		rc = buf_addstr(o, "\\B");
		break;
	case N_WBEG:
	case N_WEND:
		if (hs)
			return fail(p, n->off, "\\%c is not supported by "
			    "Hyperscan", n->kind == N_WBEG ? '<' : '>');
		rc = buf_addstr(o, n->kind == N_WBEG ? "\\b(?=" WORD_SET ")" :
		    "\\b(?<=" WORD_SET ")");
		break;
	case N_BACKREF:
		if (hs)
			return fail(p, n->off, "back-references are not "
			    "supported by Hyperscan");
		rc = buf_printf(o, "\\g{%d}", n->arg);
		break;
	case N_GROUP:
		rc = buf_addstr(o, p->capture ? "(" : "(?:");
		if (rc != 0 || emit(p, o, n->child) == -1)
			break;
		rc = buf_addc(o, ')');
		n->never = p->nodes[n->child].never;
		break;
	case N_CAT:
		for (c = n->child; c != -1; c = p->nodes[c].next) {
			if (emit(p, o, c) == -1)
				return -1;
			n->never = n->never || p->nodes[c].never;
		}
		break;
	case N_ALT:
		n->never = true;
		for (c = n->child; c != -1; c = p->nodes[c].next) {
			if (c != n->child && buf_addc(o, '|') != 0) {
				rc = -1;
				break;
			}
			if (emit(p, o, c) == -1)
				return -1;
			n->never = n->never && p->nodes[c].never;
		}
		break;
	case N_REPEAT:
		return emit_repeat(p, o, ni);
	}
	if (p->failed)
		return -1;
	if (rc != 0)
		return fail(p, n->off, "pattern too long");
	return 0;
}

int
ere_translate(struct buf *out, const char *src, size_t len,
    enum ere_target target, char *err, size_t errlen)
{
	struct parser p;
	struct buf o;
	int root, rc = -1;

	memset(&p, 0, sizeof(p));
	p.s = (const unsigned char *)src;
	p.len = len;
	p.target = target;
	p.err = err;
	p.errlen = errlen;
	buf_init(&p.sets, 16 * MAX_LEN);
	buf_init(&o, 16 * MAX_LEN);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len > MAX_LEN) {
		fail(&p, MAX_LEN, "pattern longer than %d bytes", MAX_LEN);
		goto done;
	}
	p.backref = ere_has_backref(src, len) != 0;
	p.capture = p.backref && target == ERE_PCRE2;
	if (lex(&p) == -1 || (root = regexp(&p)) == -1)
		goto done;
	if (p.tok.type != T_END) {
		fail(&p, p.tok.off, "unmatched )");
		goto done;
	}
	if (glibc_check(&p) == -1)
		goto done;
	if (target == ERE_HYPERSCAN)
		place(&p, root, S_NONE, S_NONE);
	if (emit(&p, &o, root) == -1)
		goto done;
	if (target == ERE_HYPERSCAN && p.nodes[root].never) {
		fail(&p, 0, "pattern can never match (an anchor inside it); "
		    "Hyperscan refuses it");
		goto done;
	}
	if (buf_add(out, o.len > 0 ? o.data : "", o.len) != 0) {
		fail(&p, 0, "pattern too long");
		goto done;
	}
	rc = 0;
done:
	buf_free(&o);
	buf_free(&p.sets);
	free(p.nodes);
	return rc;
}

int
ere_has_backref(const char *src, size_t len)
{
	struct parser p;
	size_t i = 0;

	memset(&p, 0, sizeof(p));
	p.s = (const unsigned char *)src;
	p.len = len;
	while (i < len) {
		if (src[i] == '\\') {
			if (i + 1 < len && src[i + 1] != '0' &&
			    isdigitc(src[i + 1]))
				return 1;
			i += 2;
		} else if (src[i] == '[') {
			if ((i = bracket(&p, i, false)) == 0)
				return 0;
		} else
			i++;
	}
	return 0;
}
