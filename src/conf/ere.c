/*
 * ere — GNU ERE (grep -E 3.8, C locale) to PCRE2 or Hyperscan syntax: the
 * entry points, the lexer and the parser.  regcomp's checks are in
 * ere_glibc.c, the analysis and the emitters in ere_emit.c; the tree and
 * the parser state in ere_int.h.
 *
 * grep compiles every pattern twice: gnulib's dfa.c decides what matches,
 * and glibc's regcomp() runs too, its errors being fatal.  The parser below
 * follows dfa.c's grammar into a small tree: '*', '+', '?' or an interval
 * with nothing to repeat applies to the empty string, an anchor is an atom
 * that can be repeated, an unmatched ')' is literal.  ere_glibc_check() then
 * replays regcomp's token rules for the errors only it reports: after a
 * dropped quantifier a ')' is literal (so "(*)" is unbalanced), a
 * backreference must name a group closed earlier in its branch, and
 * intervals such as "{2,1}" or "{1,2,3}" are errors rather than text.
 *
 * Besides grep's errors, a few patterns grep accepts are refused: [.x.]
 * and [=x=], and, with a backreference, the constructs dfa.c and regcomp
 * read differently (grep then answers with regcomp, filtered by dfa.c).
 */
#include "conf/ere.h"
#include "conf/ere_emit.h"
#include "conf/ere_glibc.h"
#include "conf/ere_int.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmem.h"

static int	regexp(struct parser *);

int
ere_fail(struct parser *p, size_t off, const char *fmt, ...)
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

/* A literal byte inside brackets: everything but letters and digits is
 * escaped (Hyperscan misreads a bracket that starts with ':'). */
static int
put_member(struct buf *o, int c)
{
	if (ere_isalnum(c))
		return buf_addc(o, (char)c);
	if (c > 0x20 && c < 0x7f) {
		char e[2] = { '\\', (char)c };

		return buf_add(o, e, 2);
	}
	return buf_printf(o, "\\x%02x", (unsigned)c);
}

/* Whether the class name[0..len) is one of names (NULL-terminated). */
static bool
class_in(const char *const *names, const unsigned char *name, size_t len)
{
	for (; *names != NULL; names++)
		if (strlen(*names) == len && memcmp(*names, name, len) == 0)
			return true;
	return false;
}

static bool
class_known(const unsigned char *name, size_t len)
{
	static const char *const names[] = {
		"alpha", "upper", "lower", "digit", "xdigit", "space",
		"print", "punct", "graph", "cntrl", "blank", "alnum", NULL,
	};

	return class_in(names, name, len);
}

/* The C locale's classes that hold the digits hold all ten. */
static bool
class_has_digits(const unsigned char *name, size_t len)
{
	static const char *const names[] = {
		"digit", "xdigit", "alnum", "graph", "print", NULL,
	};

	return class_in(names, name, len);
}

/* The C locale's classes that hold the newline. */
static bool
class_has_newline(const unsigned char *name, size_t len)
{
	static const char *const names[] = { "space", "cntrl", NULL };

	return class_in(names, name, len);
}

/* The digits among the bytes c..e, as bits of struct node digits. */
static unsigned
digit_range(int c, int e)
{
	unsigned bits = 0;
	int d;

	for (d = c < '0' ? '0' : c; d <= e && d <= '9'; d++)
		bits |= 1u << (d - '0');
	return bits;
}

/* grep accepts [.x.] and [=x=]; neither engine has them. */
static void
unsupported(struct parser *p, size_t off, int delim)
{
	ere_fail(p, off, "%s is not supported", delim == '.' ?
	    "a collating symbol [.x.]" : "an equivalence class [=x=]");
}

size_t
ere_bracket(struct parser *p, size_t start, bool render)
{
	const unsigned char *s = p->s;
	size_t len = p->len, i = start + 1;
	bool neg = false, first = true, special = false;
	bool colon_first, colon_last = false, other = false;
	struct buf *o = &p->sets;
	unsigned digits = 0;
	bool nl = false;
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
			ere_fail(p, start, "unmatched [");
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
				ere_fail(p, i, "unmatched [%c", delim);
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
				ere_fail(p, i, "invalid character class name");
				return 0;
			}
			if (render && (p->flags & ERE_MULTILINE) && name == 5 &&
			    memcmp(s + i + 2, "space", 5) == 0)
				rc |= buf_addstr(o, "\\x09\\x0b-\\x0d\\x20");
			else if (render && (p->flags & ERE_MULTILINE) &&
			    name == 5 && memcmp(s + i + 2, "cntrl", 5) == 0)
				rc |= buf_addstr(o,
				    "\\x00-\\x09\\x0b-\\x1f\\x7f");
			else if (render) {
				rc |= buf_add(o, s + i, name + 2);
				rc |= buf_add(o, ":]", 2);
			}
			if (class_has_digits(s + i + 2, name))
				digits = ALL_DIGITS;
			if (class_has_newline(s + i + 2, name))
				nl = true;
			i = k + 2;
			special = true;
			first = false;
			continue;
		}
		/* regcomp: a '-' may only start an element first or last */
		if (c == '-' && !first && i + 1 < len && s[i + 1] != ']') {
			ere_fail(p, i, "invalid range end");
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
				ere_fail(p, i + 1, "invalid range end");
				return 0;
			}
			if (e < c) {
				ere_fail(p, i - 1, "invalid range end");
				return 0;
			}
			if (render && (p->flags & ERE_MULTILINE) &&
			    c <= '\n' && e >= '\n') {
				/* the range without the newline */
				if (c < '\n')
					rc |= buf_printf(o, "\\x%02x-\\x09",
					    (unsigned)c);
				if (e > '\n')
					rc |= buf_printf(o, "\\x0b-\\x%02x",
					    (unsigned)e);
			} else if (render)
				rc |= buf_printf(o, "\\x%02x-\\x%02x",
				    (unsigned)c, (unsigned)e);
			digits |= digit_range(c, e);
			nl = nl || (c <= '\n' && e >= '\n');
			i += 2;
			special = true;
		} else {
			if (render)
				rc |= put_member(o, c);
			digits |= digit_range(c, c);
			nl = nl || c == '\n';
			colon_last = c == ':';
			if (c != ':')
				other = true;
		}
		first = false;
	}
	/* dfa.c refuses "[:space:]" and the like */
	if (colon_first && colon_last && other && !special) {
		ere_fail(p, start,
		    "character class syntax is [[:space:]], not [:space:]");
		return 0;
	}
	/* with ERE_MULTILINE no set takes the newline between lines */
	if (render && neg && (p->flags & ERE_MULTILINE))
		rc |= buf_addstr(o, "\\x0a");
	if (render)
		rc |= buf_addc(o, ']');
	if (rc != 0) {
		ere_fail(p, start, "pattern too long");
		return 0;
	}
	p->set_digits = (uint16_t)(neg ? digits ^ ALL_DIGITS : digits);
	p->set_newline = neg ? !nl : nl;
	return i;
}

long
ere_add_digit(long n, int c)
{
	if (n < 0)
		return c - '0';
	n = n * 10 + c - '0';
	return n > DUP_MAX ? DUP_MAX + 1 : n;
}

bool
ere_dfa_interval(const struct parser *p, size_t i, long *lop, long *hip,
    size_t *end)
{
	const unsigned char *s = p->s;
	long lo = -1, hi = -1;

	for (; i < p->len && ere_isdigit(s[i]); i++)
		lo = ere_add_digit(lo, s[i]);
	if (i < p->len) {
		if (s[i] != ',')
			hi = lo;
		else {
			if (lo < 0)
				lo = 0;
			for (i++; i < p->len && ere_isdigit(s[i]); i++)
				hi = ere_add_digit(hi, s[i]);
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

	if (!ere_dfa_interval(p, p->pos, &lo, &hi, &end)) {
		p->tok.type = T_CHAR;
		p->tok.c = '{';
		return 0;
	}
	if (hi > DUP_MAX)
		return ere_fail(p, p->tok.off, "regular expression too big "
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
		return ere_fail(p, p->tok.off, "newline in pattern");
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
			return ere_fail(p, t->off, "trailing backslash");
		return lex_escape(p, p->s[p->pos++]);
	case '^':
		return leaf(p, N_BOL);
	case '$':
		return leaf(p, N_EOL);
	case '.':
		return leaf(p, N_ANY);
	case '[':
		t->text = p->sets.len;
		if ((end = ere_bracket(p, t->off, true)) == 0)
			return -1;
		t->textlen = p->sets.len - t->text;
		t->digits = p->set_digits;
		t->newline = p->set_newline;
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
		return ere_fail(p, t->off, "newline in pattern");
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
		return ere_fail(p, n->off, "pattern nests too deeply");
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
		if (ere_isdigit(t->c))
			p->digit_bound = true;
		break;
	case T_LEAF:
		n = node_new(p, t->leaf, off);
		p->nodes[n].arg = t->c;
		p->nodes[n].text = t->text;
		p->nodes[n].textlen = t->textlen;
		p->nodes[n].digits = t->digits;
		p->nodes[n].newline = t->newline;
		if (t->leaf == N_BACKREF || (t->leaf == N_SET &&
		    t->digits != 0 && t->digits != ALL_DIGITS))
			p->digit_bound = true;
		/* '.' is compiled without DOTALL where this matters */
		if (t->leaf == N_NOTWORD || t->leaf == N_SPACE ||
		    t->leaf == N_BACKREF || (t->leaf == N_SET && t->newline))
			p->takes_newline = true;
		break;
	case T_LPAREN:
		if (++p->depth > MAX_DEPTH)
			return ere_fail(p, off, "pattern nests too deeply");
		n = node_new(p, N_GROUP, off);
		if (lex(p) == -1 || (c = regexp(p)) == -1)
			return -1;
		if (t->type != T_RPAREN)
			return ere_fail(p, off, "unmatched (");
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

int
ere_translate(struct buf *out, const char *src, size_t len,
    enum ere_target target, char *err, size_t errlen)
{
	return ere_translate_ex(out, src, len, target, 0, NULL, err, errlen);
}

int
ere_translate_ex(struct buf *out, const char *src, size_t len,
    enum ere_target target, int flags, int *props, char *err, size_t errlen)
{
	struct parser p;
	struct buf o;
	int root, rc = -1;

	memset(&p, 0, sizeof(p));
	p.s = (const unsigned char *)src;
	p.len = len;
	p.target = target;
	p.flags = flags;
	p.widen = (flags & ERE_WIDEN) != 0;
	p.err = err;
	p.errlen = errlen;
	buf_init(&p.sets, 16 * MAX_LEN);
	buf_init(&o, 16 * MAX_LEN);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len > MAX_LEN) {
		ere_fail(&p, MAX_LEN, "pattern longer than %d bytes", MAX_LEN);
		goto done;
	}
	p.backref = ere_has_backref(src, len) != 0;
	p.capture = p.backref && target == ERE_PCRE2;
	if (lex(&p) == -1 || (root = regexp(&p)) == -1)
		goto done;
	if (p.tok.type != T_END) {
		ere_fail(&p, p.tok.off, "unmatched )");
		goto done;
	}
	if (ere_glibc_check(&p) == -1)
		goto done;
	if (target == ERE_HYPERSCAN)
		ere_emit_place(&p, root, S_NONE, S_NONE);
	if (ere_emit_node(&p, &o, root) == -1)
		goto done;
	if (target == ERE_HYPERSCAN && p.nodes[root].never) {
		ere_fail(&p, 0, "pattern can never match (an anchor inside "
		    "it); Hyperscan refuses it");
		goto done;
	}
	if (buf_add(out, o.len > 0 ? o.data : "", o.len) != 0) {
		ere_fail(&p, 0, "pattern too long");
		goto done;
	}
	if (props != NULL)
		*props = (p.digit_bound ? ERE_BOUND : 0) |
		    (p.takes_newline ? ERE_NEWLINE : 0) |
		    (p.nodes[root].must ? 0 : ERE_EMPTY);
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
			    ere_isdigit(src[i + 1]))
				return 1;
			i += 2;
		} else if (src[i] == '[') {
			if ((i = ere_bracket(&p, i, false)) == 0)
				return 0;
		} else
			i++;
	}
	return 0;
}
