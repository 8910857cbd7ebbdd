/*
 * tmpl_tok — the template miner's tokenizer (see tmpl_tok.h).
 *
 * A message is cut into chunks at blanks.  A quote at the start of a
 * chunk opens a quoted string (it may span blanks) when a matching quote
 * closes it before a blank or punctuation.  Each chunk loses its opening
 * brackets and its closing punctuation (delimiter tokens), and what is
 * left (the core) is first tried as a whole against the variable classes
 * that contain delimiters themselves (addresses, times, paths, URLs);
 * otherwise it is split at the delimiters and each piece is a variable
 * class, a word with digits (a variable) or a word.  Two passes follow:
 * month, weekday and zone names next to numbers join the date, and runs
 * of variables separated by blanks (or ", ") collapse into one.
 */
#include "classify/tmpl_tok.h"

#include <string.h>

#include "classify/tmpl_class.h"

#define FNV_OFF		0xcbf29ce484222325ULL	/* seeds of the hashes */
#define FNV_PRIME	0x100000001b3ULL

uint64_t
tmpl_tok_hash(const void *s, size_t n, uint64_t seed)
{
	const unsigned char *p = s;
	uint64_t h = FNV_OFF ^ (seed * 0x9e3779b97f4a7c15ULL) ^ (n * FNV_PRIME);
	uint64_t v;

	/* eight bytes at a time, then the rest; never stored, so the byte
	 * order does not matter */
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&v, p, 8);
		h ^= v * 0xff51afd7ed558ccdULL;
		h = (h << 31 | h >> 33) * 0xc4ceb9fe1a85ec53ULL;
	}
	v = 0;
	memcpy(&v, p, n);
	h ^= v * 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

static inline uint64_t
mix(uint64_t h, uint64_t x)
{
	h = (h ^ x) * 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 31);
}

const char *
tmpl_tok_var_name(enum tmpl_var v)
{
	static const char *const names[TMPL_V_COUNT] = {
		"none", "num", "hex", "ipv4", "ipv6", "mac", "uuid", "email",
		"path", "url", "host", "quoted", "kv", "size", "date", "id",
		"long", "tail",
	};

	return (unsigned)v < TMPL_V_COUNT ? names[v] : "?";
}

/* Whether closer c at p[n] closes an opener of p[0..n): then it is part
 * of the core ("LOCAL(0)"), not punctuation after it. */
static bool
closes_inside(const char *p, size_t n, char c)
{
	char o = c == ')' ? '(' : c == ']' ? '[' : c == '}' ? '{' : c == '>' ?
	    '<' : 0;
	size_t i;
	int depth = 0;

	if (o == 0)
		return false;
	for (i = 0; i < n; i++) {
		if (p[i] == o)
			depth++;
		else if (p[i] == c && depth > 0)
			depth--;
	}
	return depth > 0;
}

/* ---- building the token list ---- */

struct tk {
	struct tmpl_line *l;
	const char	*s;
	size_t		 n;
	bool		 gap;		/* blanks before the next token */
	bool		 full;		/* no room: the rest is the tail */
	size_t		 cut;		/* where the tail starts */
};

static void
emit(struct tk *t, enum tmpl_kind kind, enum tmpl_var var, size_t off,
    size_t len)
{
	struct tmpl_line *l = t->l;
	struct tmpl_tok *k;

	if (t->full)
		return;
	/* an opener straight followed by its closer holds an empty value */
	if (kind == TMPL_DELIM && l->ntok > 0 && !t->gap) {
		const struct tmpl_tok *prev = &l->tok[l->ntok - 1];
		char c = t->s[off], o = prev->kind == TMPL_DELIM ?
		    t->s[prev->off] : 0;

		if ((c == ')' && o == '(') || (c == ']' && o == '[') ||
		    (c == '}' && o == '{') || (c == '>' && o == '<'))
			emit(t, TMPL_EMPTY, TMPL_V_NONE, off, 0);
		if (t->full)
			return;
	}
	if (l->ntok >= TMPL_TOK_MAX - 1) {
		t->full = true;
		t->cut = off;
		return;
	}
	k = &l->tok[l->ntok++];
	k->off = (uint32_t)off;
	k->len = (uint32_t)len;
	k->kind = (uint8_t)kind;
	k->var = (uint8_t)var;
	k->gap = t->gap && l->ntok > 1;
	k->num = 0;
	k->hash = 0;
	t->gap = false;
}

static void
emit_piece(struct tk *t, size_t a, size_t b, unsigned bits)
{
	enum tmpl_var v = tmpl_class_piece(t->s + a, b - a, bits);

	emit(t, v == TMPL_V_NONE ? TMPL_WORD : TMPL_VAR, v, a, b - a);
	if (v == TMPL_V_NONE && !t->full && (bits & P_DIGIT))
		t->l->tok[t->l->ntok - 1].num = 1;
}

/* key=value: the value runs to the next ',', ';' or '&' of the core, or
 * to a bracket that closes one opened before the key */
static size_t
kv_value(struct tk *t, size_t from, size_t end)
{
	size_t e = from;
	int depth = 0;

	for (; e < end && t->s[e] != ',' && t->s[e] != ';' && t->s[e] != '&'; e++) {
		unsigned char c = (unsigned char)t->s[e];

		if (c == '(' || c == '[' || c == '{' || c == '<')
			depth++;
		else if ((c == ')' || c == ']' || c == '}' || c == '>') &&
		    depth-- == 0)
			break;
	}
	if (e == from)
		emit(t, TMPL_EMPTY, TMPL_V_NONE, from, 0);
	else
		emit(t, TMPL_VAR, TMPL_V_KV, from, e - from);
	return e;
}

static void
split_core(struct tk *t, size_t a, size_t b)
{
	const char *s = t->s;
	size_t i = a, j;

	while (i < b && !t->full) {
		if (s[i] == '/' && i + 1 < b && !tmpl_class_delim((unsigned char)s[i + 1]) &&
		    (i == a || tmpl_class_delim((unsigned char)s[i - 1]))) {
			/* a path runs to the end of the core */
			emit(t, TMPL_VAR, TMPL_V_PATH, i, b - i);
			return;
		}
		for (j = i; j < b && !tmpl_class_delim((unsigned char)s[j]); j++)
			;
		if (j > i)
			emit_piece(t, i, j, tmpl_class_profile(s + i, j - i));
		if (j >= b)
			break;
		emit(t, TMPL_DELIM, TMPL_V_NONE, j, 1);
		if (s[j] == '=' && j > i) {
			i = kv_value(t, j + 1, b);
			continue;
		}
		i = j + 1;
	}
}

static void
chunk(struct tk *t, size_t a, size_t b, unsigned whole)
{
	const char *s = t->s;
	size_t e = b, k, a0 = a;
	enum tmpl_var v;

	/* "by (uid=0)" and "by LOGIN(uid=0)" have one shape: a '(' after
	 * a blank follows an empty name */
	if (a < b && s[a] == '(' && t->gap && t->l->ntok > 0)
		emit(t, TMPL_EMPTY, TMPL_V_NONE, a, 0);
	while (a < b && tmpl_class_opener((unsigned char)s[a]) && !t->full) {
		emit(t, TMPL_DELIM, TMPL_V_NONE, a, 1);
		a++;
	}
	while (e > a && tmpl_class_closer((unsigned char)s[e - 1]) &&
	    !closes_inside(s + a, e - 1 - a, s[e - 1]))
		e--;
	if (e > a) {
		/* the chunk's profile is the core's when nothing was taken
		 * off its ends */
		unsigned bits = a == a0 && e == b ? whole : tmpl_class_profile(s + a, e - a);

		v = tmpl_class_whole(s + a, e - a, bits);
		if (v == TMPL_V_NONE && tmpl_class_named_number(s + a, e - a, bits))
			v = TMPL_V_ID;
		if (v == TMPL_V_NONE &&
		    !(bits & (P_COLON | P_OPEN | P_EQCOMMA | P_CLOSE)))
			/* nothing to split at: one piece */
			emit_piece(t, a, e, bits);
		else if (v != TMPL_V_NONE)
			emit(t, TMPL_VAR, v, a, e - a);
		else if (e - a > 4 * TMPL_TOK_WORD_MAX &&
		    memchr(s + a, '=', e - a) == NULL)
			/* a long run without blanks (base64, junk): one
			 * variable, not dozens of pieces */
			emit(t, TMPL_VAR, TMPL_V_LONG, a, e - a);
		else
			split_core(t, a, e);
	}
	for (k = e; k < b && !t->full; k++)
		emit(t, TMPL_DELIM, TMPL_V_NONE, k, 1);
}

/* A quote at the start of a chunk: the end of the quoted string, or 0
 * when it is not one (an apostrophe, no closing quote). */
static size_t
quoted_end(const char *s, size_t n, size_t at)
{
	char q = s[at];
	size_t i;

	for (i = at + 1; i < n && i < at + 4096; i++) {
		if (s[i] != q)
			continue;
		if (i + 1 == n || tmpl_class_blank((unsigned char)s[i + 1]) ||
		    tmpl_class_closer((unsigned char)s[i + 1]))
			return i;
	}
	return 0;
}

/* list: names of 3 or 4 letters, starting with a capital */
static bool
word_is(const char *s, const struct tmpl_tok *k, const char *const *list)
{
	const char *w = s + k->off;
	size_t i;

	if (k->len != 3 && k->len != 4)
		return false;
	for (i = 0; list[i] != NULL; i++) {
		const char *n = list[i];

		if (n[0] == w[0] && n[1] == w[1] && n[2] == w[2] &&
		    (k->len == 3 ? n[3] == '\0' : n[3] == w[3] && n[3] != '\0'))
			return true;
	}
	return false;
}

static bool
small_number(const char *s, const struct tmpl_tok *k)
{
	return k->kind == TMPL_VAR && (k->var == TMPL_V_NUM || k->var == TMPL_V_DATE) &&
	    k->len <= 4 && tmpl_class_digit((unsigned char)s[k->off]);
}

/* Month names next to a day or year, weekdays before a date, zones after
 * a time: all part of the date. */
static void
join_dates(const char *s, struct tmpl_line *l)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", NULL };
	static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri",
	    "Sat", "Sun", NULL };
	static const char *const zones[] = { "UTC", "GMT", "CET", "CEST", "EET",
	    "EEST", "WET", "BST", "EST", "EDT", "CST", "CDT", "MST", "MDT",
	    "PST", "PDT", "JST", "IST", "AEST", NULL };
	struct tmpl_tok *k = l->tok;
	size_t i, n = l->ntok;

	for (i = 0; i < n; i++) {
		if (k[i].kind == TMPL_WORD && (k[i].len == 3 || k[i].len == 4) &&
		    s[k[i].off] >= 'A' && s[k[i].off] <= 'Z' &&
		    word_is(s, &k[i], months) &&
		    ((i + 1 < n && k[i + 1].gap && small_number(s, &k[i + 1])) ||
		    (i > 0 && k[i].gap && small_number(s, &k[i - 1])))) {
			k[i].kind = TMPL_VAR;
			k[i].var = TMPL_V_DATE;
		}
	}
	for (i = n; i-- > 0;) {
		size_t j = i + 1;

		if (k[i].kind != TMPL_WORD || k[i].len != 3 ||
		    s[k[i].off] < 'A' || s[k[i].off] > 'Z' ||
		    !word_is(s, &k[i], days))
			continue;
		if (j < n && k[j].kind == TMPL_DELIM && s[k[j].off] == ',')
			j++;
		if (j < n && k[j].gap && k[j].kind == TMPL_VAR &&
		    (k[j].var == TMPL_V_DATE || k[j].var == TMPL_V_NUM)) {
			k[i].kind = TMPL_VAR;
			k[i].var = TMPL_V_DATE;
		}
	}
	for (i = 1; i < n; i++)
		if (k[i].kind == TMPL_WORD && k[i].gap && k[i - 1].kind == TMPL_VAR &&
		    s[k[i].off] >= 'A' && s[k[i].off] <= 'Z' &&
		    word_is(s, &k[i], zones) &&
		    k[i - 1].kind == TMPL_VAR && k[i - 1].var == TMPL_V_DATE) {
			k[i].kind = TMPL_VAR;
			k[i].var = TMPL_V_DATE;
		}
}

/* Variables separated by blanks, or by a comma, become one. */
static void
collapse(struct tmpl_line *l, const char *s)
{
	struct tmpl_tok *k = l->tok;
	size_t i, w = 0;

	for (i = 0; i < l->ntok; i++) {
		if (k[i].kind == TMPL_VAR && k[i].gap && w > 0 &&
		    k[w - 1].kind == TMPL_VAR) {
			k[w - 1].len = k[i].off + k[i].len - k[w - 1].off;
			continue;
		}
		if (k[i].kind == TMPL_VAR && w > 1 &&
		    k[w - 1].kind == TMPL_DELIM && s[k[w - 1].off] == ',' &&
		    !k[w - 1].gap && k[w - 2].kind == TMPL_VAR) {
			w--;
			k[w - 1].len = k[i].off + k[i].len - k[w - 1].off;
			continue;
		}
		k[w++] = k[i];
	}
	l->ntok = w;
}

void
tmpl_tok_hashes(struct tmpl_line *l, const char *s)
{
	uint64_t shape = FNV_OFF, sig = FNV_OFF;
	size_t i;

	for (i = 0; i < l->ntok; i++) {
		struct tmpl_tok *k = &l->tok[i];
		uint64_t base = (uint64_t)k->kind << 1 | k->gap;

		if (k->kind == TMPL_WORD || k->kind == TMPL_DELIM)
			k->hash = tmpl_tok_hash(s + k->off, k->len, base);
		else
			k->hash = mix(base, 0x5851f42d4c957f2dULL);
		shape = mix(shape, k->kind == TMPL_DELIM ? k->hash :
		    mix(0x3c6ef372fe94f82aULL, k->gap));
		sig = mix(sig, k->hash);
	}
	l->shape = mix(shape, l->ntok);
	l->sig = mix(sig, l->ntok);
}

void
tmpl_tok_split(const char *s, size_t n, struct tmpl_line *l)
{
	struct tk t = { l, s, n, false, false, 0 };
	size_t pos = 0, end, q;
	unsigned bits;

	l->ntok = 0;
	while (pos < n && !t.full) {
		if (tmpl_class_blank((unsigned char)s[pos])) {
			while (pos < n && tmpl_class_blank((unsigned char)s[pos]))
				pos++;
			t.gap = true;
			continue;
		}
		if ((s[pos] == '"' || s[pos] == '\'') &&
		    (q = quoted_end(s, n, pos)) != 0) {
			emit(&t, TMPL_DELIM, TMPL_V_NONE, pos, 1);
			if (q == pos + 1)
				emit(&t, TMPL_EMPTY, TMPL_V_NONE, pos + 1, 0);
			else
				emit(&t, TMPL_VAR, TMPL_V_QUOTED, pos + 1, q - pos - 1);
			emit(&t, TMPL_DELIM, TMPL_V_NONE, q, 1);
			pos = q + 1;
			/* punctuation glued to the closing quote */
			while (pos < n && tmpl_class_closer((unsigned char)s[pos]) && !t.full)
				emit(&t, TMPL_DELIM, TMPL_V_NONE, pos++, 1);
			continue;
		}
		bits = 0;
		for (end = pos; end < n && !tmpl_class_blank((unsigned char)s[end]); end++)
			bits |= tmpl_class_bit[(unsigned char)s[end]];
		chunk(&t, pos, end, bits);
		pos = end;
	}
	if (t.full) {
		/* the rest, blanks at its end left out, is one variable */
		end = n;
		while (end > t.cut && tmpl_class_blank((unsigned char)s[end - 1]))
			end--;
		l->tok[l->ntok].off = (uint32_t)t.cut;
		l->tok[l->ntok].len = (uint32_t)(end - t.cut);
		l->tok[l->ntok].kind = TMPL_VAR;
		l->tok[l->ntok].var = TMPL_V_TAIL;
		l->tok[l->ntok].gap = t.cut > 0 && tmpl_class_blank((unsigned char)s[t.cut - 1]);
		l->ntok++;
	}
	join_dates(s, l);
	collapse(l, s);
	tmpl_tok_hashes(l, s);
}
