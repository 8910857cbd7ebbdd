/*
 * ere_emit — the parse tree of ere.c written out as PCRE2 or Hyperscan
 * syntax.
 *
 * The tree is first analysed (can a part consume nothing, must it consume
 * a byte) so repeats of zero-width parts are simplified and, for
 * Hyperscan, which refuses embedded anchors, each anchor is known to be
 * at the edge (emitted), never satisfiable (an impossible class) or
 * either (refused); a Hyperscan pattern that can never match is refused.
 */
#include "conf/ere_emit.h"

#include <stdbool.h>
#include <string.h>

#include "conf/ere_int.h"
#include "lib/buf.h"

#define WORD_SET	"[0-9A-Z_a-z]"
#define NOTWORD_SET	"[^0-9A-Z_a-z]"
#define SPACE_SET	"[\\x09-\\x0d\\x20]"
#define NOTSPACE_SET	"[^\\x09-\\x0d\\x20]"
#define NEVER_SET	"[^\\x00-\\xff]"
#define DIGIT_SET	"[0-9]"
/* ERE_MULTILINE: no set takes the newline between lines */
#define NOTWORD_SET_NL	"[^0-9A-Z_a-z\\x0a]"
#define SPACE_SET_NL	"[\\x09\\x0b-\\x0d\\x20]"

/* A literal byte outside brackets. */
static int
put_char(struct buf *o, int c)
{
	if (ere_isalnum(c))
		return buf_addc(o, (char)c);
	if (c != '\0' && strchr("\\^$.|?*+()[]{}", c) != NULL) {
		char e[2] = { '\\', (char)c };

		return buf_add(o, e, 2);
	}
	if (c >= 0x20 && c < 0x7f)
		return buf_addc(o, (char)c);
	return buf_printf(o, "\\x%02x", (unsigned)c);
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

void
ere_emit_place(struct parser *p, int ni, enum side pre, enum side post)
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
			ere_emit_place(p, c, pre, post);
		break;
	case N_CAT:
		s = pre;
		for (c = n->child; c != -1; c = p->nodes[c].next) {
			p->nodes[c].pre = s;
			s = after(&p->nodes[c], s);
		}
		s = post;
		for (c = n->last; c != -1; c = p->nodes[c].prev) {
			ere_emit_place(p, c, p->nodes[c].pre, s);
			s = after(&p->nodes[c], s);
		}
		break;
	case N_REPEAT:
		c = n->child;
		if (n->hi == 0 || n->hi == 1)
			ere_emit_place(p, c, pre, post);
		else
			ere_emit_place(p, c,
			    join(pre, after(&p->nodes[c], pre)),
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
		if (ere_emit_node(p, o, n->child) == -1)
			return -1;
		n->never = c->never;
		return 0;
	}
	wrap = !is_atom(c->kind);
	if (wrap)
		rc |= buf_addstr(o, "(?:");
	if (rc != 0 || ere_emit_node(p, o, n->child) == -1)
		goto toolong;
	if (wrap)
		rc |= buf_addc(o, ')');
	rc |= emit_quant(o, n->lo, n->hi);
	if (rc != 0)
		goto toolong;
	n->never = n->lo > 0 && c->never;
	return 0;
toolong:
	return ere_fail(p, n->off, "pattern too long");
}

/* Hyperscan refuses anchors inside a pattern: keep those at the edge,
 * make the unreachable ones an impossible class. */
static int
emit_hs_anchor(struct parser *p, struct buf *o, struct node *n)
{
	bool start = n->kind == N_BOL || n->kind == N_BEGBUF;
	enum side s = start ? n->pre : n->post;

	if (s == S_NONE)
		return buf_addstr(o, start ? "^" : (p->flags & ERE_MULTILINE) ?
		    "$" : "\\z");
	if (s == S_SOME) {
		n->never = true;
		return buf_addstr(o, NEVER_SET);
	}
	return ere_fail(p, n->off, "%s %s an optional part is not supported by "
	    "Hyperscan", n->kind == N_BOL ? "^" : n->kind == N_EOL ? "$" :
	    n->kind == N_BEGBUF ? "\\`" : "\\'", start ? "after" : "before");
}

int
ere_emit_node(struct parser *p, struct buf *o, int ni)
{
	struct node *n = &p->nodes[ni];
	bool hs = p->target == ERE_HYPERSCAN;
	int c, rc = 0;

	n->never = false;
	switch (n->kind) {
	case N_EMPTY:
		break;
	case N_CHAR:
		if (p->widen && ere_isdigit(n->arg))
			rc = buf_addstr(o, DIGIT_SET);
		else
			rc = put_char(o, n->arg);
		break;
	case N_ANY:
		rc = buf_addc(o, '.');
		break;
	case N_SET:
		if (p->widen && n->digits != 0 && n->digits != ALL_DIGITS) {
			rc = buf_addstr(o, "(?:");
			rc |= buf_add(o, p->sets.data + n->text, n->textlen);
			rc |= buf_addstr(o, "|" DIGIT_SET ")");
		} else
			rc = buf_add(o, p->sets.data + n->text, n->textlen);
		break;
	case N_WORD:
		rc = buf_addstr(o, WORD_SET);
		break;
	case N_NOTWORD:
		rc = buf_addstr(o, (p->flags & ERE_MULTILINE) ?
		    NOTWORD_SET_NL : NOTWORD_SET);
		break;
	case N_SPACE:
		rc = buf_addstr(o, (p->flags & ERE_MULTILINE) ?
		    SPACE_SET_NL : SPACE_SET);
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
			return ere_fail(p, n->off, "\\%c is not supported by "
			    "Hyperscan", n->kind == N_WBEG ? '<' : '>');
		rc = buf_addstr(o, n->kind == N_WBEG ? "\\b(?=" WORD_SET ")" :
		    "\\b(?<=" WORD_SET ")");
		break;
	case N_BACKREF:
		if (p->flags & ERE_NOBACKREF) {
			/* whatever the group matched: a superset */
			rc = buf_addstr(o, "(?:.*)");
			break;
		}
		if (hs)
			return ere_fail(p, n->off, "back-references are not "
			    "supported by Hyperscan");
		rc = buf_printf(o, "\\g{%d}", n->arg);
		break;
	case N_GROUP:
		rc = buf_addstr(o, p->capture ? "(" : "(?:");
		if (rc != 0 || ere_emit_node(p, o, n->child) == -1)
			break;
		rc = buf_addc(o, ')');
		n->never = p->nodes[n->child].never;
		break;
	case N_CAT:
		for (c = n->child; c != -1; c = p->nodes[c].next) {
			if (ere_emit_node(p, o, c) == -1)
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
			if (ere_emit_node(p, o, c) == -1)
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
		return ere_fail(p, n->off, "pattern too long");
	return 0;
}
