/*
 * sumlit — required literals of a summary regex (see sumlit.h).
 *
 * One walk over the pattern.  A run of literal bytes grows while the
 * pattern reads plain characters or escaped punctuation; anything else
 * (a class, '.', an escape such as \d, a quantifier, an opaque group)
 * ends it.  A group is walked into ("transparent") when it is plain,
 * (?:...) or named, has no '|' of its own and no quantifier after it;
 * other groups are skipped as opaque.
 */
#include "classify/sumlit.h"

#include <string.h>

struct walk {
	char		 run[SUMLIT_MAX];
	size_t		 n;		/* bytes in run */
	bool		 at_start;	/* no break since the leading '^' */
	bool		 anchored;
	struct sumlit	*l;
};

static bool
is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/* The end of the run: keep it as the prefix or the longest one. */
static void
cut(struct walk *w)
{
	if (w->at_start && w->anchored && w->n > 0 && w->l->plen == 0) {
		memcpy(w->l->prefix, w->run, w->n);
		w->l->plen = w->n;
	}
	if (w->n > w->l->rlen) {
		memcpy(w->l->req, w->run, w->n);
		w->l->rlen = w->n;
	}
	w->n = 0;
	w->at_start = false;
}

static void
push(struct walk *w, char c)
{
	if (w->n < SUMLIT_MAX)
		w->run[w->n++] = c;
}

/* The index just past the group or class starting at p[i] ('(' or
 * '['), or 0 when it is not closed. */
static size_t
skip(const char *p, size_t i)
{
	int depth = 0;

	for (; p[i] != '\0'; i++) {
		if (p[i] == '\\' && p[i + 1] != '\0') {
			i++;
			continue;
		}
		if (p[i] == '[') {
			/* a class: ']' first is literal, escapes inside */
			size_t j = i + 1;

			if (p[j] == '^')
				j++;
			if (p[j] == ']')
				j++;
			for (; p[j] != '\0' && p[j] != ']'; j++)
				if (p[j] == '\\' && p[j + 1] != '\0')
					j++;
			if (p[j] == '\0')
				return 0;
			if (depth == 0)
				return j + 1;
			i = j;
			continue;
		}
		if (p[i] == '(')
			depth++;
		else if (p[i] == ')' && --depth == 0)
			return i + 1;
	}
	return 0;
}

static bool
quantifier(const char *p)
{
	return *p == '?' || *p == '*' || *p == '+' ||
	    (*p == '{' && p[1] >= '0' && p[1] <= '9');
}

/* Whether p[from..to) has a '|' outside its own groups and classes. */
static bool
has_alt(const char *p, size_t from, size_t to)
{
	size_t i, e;

	for (i = from; i < to; i++) {
		if (p[i] == '\\') {
			i++;
			continue;
		}
		if (p[i] == '|')
			return true;
		if (p[i] == '(' || p[i] == '[') {
			if ((e = skip(p, i)) == 0)
				return true;
			i = e - 1;
		}
	}
	return false;
}

static void
walk(struct walk *w, const char *p, size_t i, size_t end)
{
	while (i < end) {
		char c = p[i];
		size_t e;

		if (c == '\\') {
			if (p[i + 1] == '\0' || is_alnum((unsigned char)p[i + 1])) {
				cut(w);		/* \d \S \b ...: not a literal */
				i += 2;
				continue;
			}
			if (quantifier(p + i + 2)) {
				cut(w);
				i += 2;
				continue;
			}
			push(w, p[i + 1]);
			i += 2;
			continue;
		}
		if (c == '(' || c == '[') {
			if ((e = skip(p, i)) == 0 || e > end) {
				cut(w);
				return;
			}
			if (c == '(' && !quantifier(p + e) && !has_alt(p, i + 1, e - 1)) {
				size_t body = i + 1;

				if (p[body] == '?' && p[body + 1] == ':')
					body += 2;
				else if (p[body] == '?' && (p[body + 1] == '<' ||
				    p[body + 1] == 'P') && p[body + 2] != '=' &&
				    p[body + 2] != '!') {
					while (p[body] != '\0' && p[body] != '>')
						body++;
					body++;
				} else if (p[body] == '?')
					body = 0;	/* look-around, flags, atomic... */
				if (body != 0) {
					walk(w, p, body, e - 1);
					i = e;
					continue;
				}
			}
			cut(w);
			i = e;
			if (quantifier(p + i))
				i++;
			continue;
		}
		if (c == '{' && quantifier(p + i)) {
			/* a counted repeat of what came before: skip it whole */
			cut(w);
			while (i < end && p[i] != '}')
				i++;
			i++;
			continue;
		}
		if (strchr(".^$|)*+?", c) != NULL) {
			cut(w);
			i++;
			continue;
		}
		if (quantifier(p + i + 1)) {
			/* "ab?" : b is optional */
			cut(w);
			i++;
			continue;
		}
		push(w, c);
		i++;
	}
}

void
sumlit_extract(struct sumlit *l, const char *src)
{
	struct walk w;
	size_t i = 0, n = strlen(src);

	memset(l, 0, sizeof(*l));
	if (has_alt(src, 0, n))
		return;
	/* an option setting changes what the text means: (?i) (?x) ... */
	for (i = 0; i + 2 < n; i++)
		if (src[i] == '(' && src[i + 1] == '?' && strchr("imnsxJU-^",
		    src[i + 2]) != NULL && (i == 0 || src[i - 1] != '\\'))
			return;
	memset(&w, 0, sizeof(w));
	w.l = l;
	i = 0;
	if (src[0] == '^') {
		w.anchored = true;
		w.at_start = true;
		i = 1;
	}
	walk(&w, src, i, n);
	cut(&w);
	/* the prefix holds it already */
	if (l->rlen > 0 && l->rlen <= l->plen &&
	    memcmp(l->prefix, l->req, l->rlen) == 0)
		l->rlen = 0;
}
