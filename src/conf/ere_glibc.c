/*
 * ere_glibc — the errors of glibc's regcomp() that dfa.c does not report,
 * replayed on the pattern's bytes after ere.c has parsed it (grep runs
 * both and regcomp's errors are fatal); with a backreference, the places
 * where the two read the pattern differently.
 */
#include "conf/ere_glibc.h"

#include <stdbool.h>
#include <string.h>

#include "conf/ere_int.h"

/* grep runs regcomp's matcher on patterns with a backreference, dfa.c's
 * reading only filters, so where the two read a pattern differently the
 * result is neither: such patterns are refused, unless an error comes
 * later (reported by ere_glibc_check() at the end). */
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
			digit = ere_isdigit(c);
		if (c == ',') {
			*stop = ',';
			return num;
		}
		num = !digit || num == -2 ? -2 : ere_add_digit(num, c);
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
			return ere_fail(p, *ip - 1,
			    "invalid content of \\{\\}");
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
		return ere_fail(p, *ip - 1, "invalid content of \\{\\}");
	if ((hi == -1 ? lo : hi) > DUP_MAX)
		return ere_fail(p, *ip - 1, "regular expression too big "
		    "(repeat count above %d)", DUP_MAX);
	if (p->backref && !ere_dfa_interval(p, *ip, &dlo, &dhi, &dend))
		disagree(p, *ip - 1);
	*ip = i;
	return 0;
}

int
ere_glibc_check(struct parser *p)
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
					return ere_fail(p, off,
					    "invalid back reference");
				state = ATOM;
			} else if (c > 0 && strchr("<>bB`'", c) != NULL)
				state = ANCHOR;	/* c > 0: strchr finds '\0' too,
						   "\<NUL>" is a literal NUL */
			else
				state = ATOM;
			break;
		case '[':
			if ((i = ere_bracket(p, off, false)) == 0)
				return -1;
			state = ATOM;
			break;
		case '(':
			if (depth == MAX_DEPTH)
				return ere_fail(p, off,
				    "pattern nests too deeply");
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
		return ere_fail(p, st[depth].off, "unmatched (");
	if (p->disagree)
		return ere_fail(p, p->disagree_off, "with a back-reference, "
		    "grep's two regex parsers read this differently; "
		    "not supported");
	return 0;
}
