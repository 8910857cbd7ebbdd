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

static uint64_t
mix(uint64_t h, uint64_t x)
{
	h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 29);
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

/* ---- byte classes ---- */

enum {
	C_BLANK = 1, C_DIGIT = 2, C_ALPHA = 4, C_HEX = 8, C_DELIM = 16,
	C_OPENER = 32, C_CLOSER = 64,
};

static const unsigned char cls[256] = {
	['\t'] = C_BLANK, ['\n'] = C_BLANK, ['\v'] = C_BLANK, ['\f'] = C_BLANK,
	['\r'] = C_BLANK, [' '] = C_BLANK,
	['0'] = C_DIGIT | C_HEX, ['1'] = C_DIGIT | C_HEX, ['2'] = C_DIGIT | C_HEX,
	['3'] = C_DIGIT | C_HEX, ['4'] = C_DIGIT | C_HEX, ['5'] = C_DIGIT | C_HEX,
	['6'] = C_DIGIT | C_HEX, ['7'] = C_DIGIT | C_HEX, ['8'] = C_DIGIT | C_HEX,
	['9'] = C_DIGIT | C_HEX,
	['a'] = C_ALPHA | C_HEX, ['b'] = C_ALPHA | C_HEX, ['c'] = C_ALPHA | C_HEX,
	['d'] = C_ALPHA | C_HEX, ['e'] = C_ALPHA | C_HEX, ['f'] = C_ALPHA | C_HEX,
	['g'] = C_ALPHA, ['h'] = C_ALPHA, ['i'] = C_ALPHA, ['j'] = C_ALPHA,
	['k'] = C_ALPHA, ['l'] = C_ALPHA, ['m'] = C_ALPHA, ['n'] = C_ALPHA,
	['o'] = C_ALPHA, ['p'] = C_ALPHA, ['q'] = C_ALPHA, ['r'] = C_ALPHA,
	['s'] = C_ALPHA, ['t'] = C_ALPHA, ['u'] = C_ALPHA, ['v'] = C_ALPHA,
	['w'] = C_ALPHA, ['x'] = C_ALPHA, ['y'] = C_ALPHA, ['z'] = C_ALPHA,
	['A'] = C_ALPHA | C_HEX, ['B'] = C_ALPHA | C_HEX, ['C'] = C_ALPHA | C_HEX,
	['D'] = C_ALPHA | C_HEX, ['E'] = C_ALPHA | C_HEX, ['F'] = C_ALPHA | C_HEX,
	['G'] = C_ALPHA, ['H'] = C_ALPHA, ['I'] = C_ALPHA, ['J'] = C_ALPHA,
	['K'] = C_ALPHA, ['L'] = C_ALPHA, ['M'] = C_ALPHA, ['N'] = C_ALPHA,
	['O'] = C_ALPHA, ['P'] = C_ALPHA, ['Q'] = C_ALPHA, ['R'] = C_ALPHA,
	['S'] = C_ALPHA, ['T'] = C_ALPHA, ['U'] = C_ALPHA, ['V'] = C_ALPHA,
	['W'] = C_ALPHA, ['X'] = C_ALPHA, ['Y'] = C_ALPHA, ['Z'] = C_ALPHA,
	['='] = C_DELIM, [':'] = C_DELIM | C_CLOSER, [','] = C_DELIM | C_CLOSER,
	[';'] = C_DELIM | C_CLOSER, ['('] = C_DELIM | C_OPENER,
	[')'] = C_DELIM | C_CLOSER, ['['] = C_DELIM | C_OPENER,
	[']'] = C_DELIM | C_CLOSER, ['{'] = C_DELIM | C_OPENER,
	['}'] = C_DELIM | C_CLOSER, ['<'] = C_DELIM | C_OPENER,
	['>'] = C_DELIM | C_CLOSER, ['|'] = C_DELIM, ['"'] = C_DELIM | C_CLOSER,
	['.'] = C_CLOSER, ['!'] = C_CLOSER, ['?'] = C_CLOSER, ['\''] = C_CLOSER,
};

static inline bool
is_blank(unsigned char c)
{
	return cls[c] & C_BLANK;
}

static inline bool
is_digit(unsigned char c)
{
	return cls[c] & C_DIGIT;
}

static inline bool
is_alpha(unsigned char c)
{
	return cls[c] & C_ALPHA;
}

static inline bool
is_hex(unsigned char c)
{
	return cls[c] & C_HEX;
}

/* splits a core into pieces: = : , ; ( ) [ ] { } < > | " */
static inline bool
is_delim(unsigned char c)
{
	return cls[c] & C_DELIM;
}

/* taken off the start of a chunk: ( [ { < */
static inline bool
is_opener(unsigned char c)
{
	return cls[c] & C_OPENER;
}

/* taken off the end of a chunk: ) ] } > , ; : . ! ? " ' */
static inline bool
is_closer(unsigned char c)
{
	return cls[c] & C_CLOSER;
}

/* What kinds of bytes a span holds: one pass, then only the variable
 * classes that can match are tried. */
enum {
	P_DIGIT = 1, P_ALPHA = 2, P_DOT = 4, P_COLON = 8, P_SLASH = 16,
	P_AT = 32, P_DASH = 64, P_OPEN = 128, P_EQCOMMA = 256, P_UNDER = 512,
	P_OTHER = 1024, P_CLOSE = 2048,
};

static unsigned
profile(const char *p, size_t n)
{
	unsigned bits = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (cls[c] & C_DIGIT)
			bits |= P_DIGIT;
		else if (cls[c] & C_ALPHA)
			bits |= P_ALPHA;
		else
			switch (c) {
			case '.':
				bits |= P_DOT;
				break;
			case ':':
				bits |= P_COLON;
				break;
			case '/':
				bits |= P_SLASH;
				break;
			case '@':
				bits |= P_AT;
				break;
			case '-':
				bits |= P_DASH;
				break;
			case '(': case '[': case '{': case '<':
				bits |= P_OPEN;
				break;
			case '=': case ',': case '"': case ';':
				bits |= P_EQCOMMA;
				break;
			case ')': case ']': case '}': case '>': case '|':
				bits |= P_CLOSE;
				break;
			case '_':
				bits |= P_UNDER;
				break;
			default:
				bits |= P_OTHER;
				break;
			}
	}
	return bits;
}

/* ---- whole-core variable classes ---- */

/* [+-]digits(.digits)* */
static bool
is_num(const char *p, size_t n)
{
	size_t i = 0;
	bool dig = false;

	if (n > 0 && (p[0] == '-' || p[0] == '+'))
		i++;
	for (; i < n; i++) {
		if (is_digit((unsigned char)p[i]))
			dig = true;
		else if (p[i] != '.' || !dig || i + 1 == n ||
		    !is_digit((unsigned char)p[i + 1]))
			return false;
	}
	return dig;
}

/* 0x..., or only hex digits: 8 or more, or with a digit and a letter */
static bool
is_hexnum(const char *p, size_t n)
{
	size_t i;
	bool dig = false, let = false;

	if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		for (i = 2; i < n; i++)
			if (!is_hex((unsigned char)p[i]))
				return false;
		return true;
	}
	for (i = 0; i < n; i++) {
		if (!is_hex((unsigned char)p[i]))
			return false;
		if (is_digit((unsigned char)p[i]))
			dig = true;
		else
			let = true;
	}
	return n >= 8 || (dig && let);
}

/* d.d.d.d with an optional :port or /prefix */
static bool
is_ipv4(const char *p, size_t n)
{
	size_t i = 0;
	int part, digits, val;

	for (part = 0; part < 4; part++) {
		digits = val = 0;
		while (i < n && is_digit((unsigned char)p[i]) && digits < 4) {
			val = val * 10 + (p[i] - '0');
			digits++;
			i++;
		}
		if (digits == 0 || digits > 3 || val > 255)
			return false;
		if (part < 3) {
			if (i >= n || p[i] != '.')
				return false;
			i++;
		}
	}
	if (i == n)
		return true;
	if (p[i] != ':' && p[i] != '/')
		return false;
	for (i++, digits = 0; i < n; i++, digits++)
		if (!is_digit((unsigned char)p[i]))
			return false;
	return digits > 0 && digits <= 5;
}

/* hex groups of at most 4 separated by ':', with "::" or 8 groups, an
 * optional dotted IPv4 end and %zone */
static bool
is_ipv6(const char *p, size_t n)
{
	size_t i, groups = 0, colons = 0, glen = 0;
	bool dbl = false;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '%')
			break;			/* zone: anything after */
		if (c == ':') {
			if (i + 1 < n && p[i + 1] == ':') {
				if (dbl)
					return false;
				dbl = true;
				i++;
			}
			colons++;
			if (glen > 0)
				groups++;
			glen = 0;
		} else if (is_hex(c)) {
			if (++glen > 4)
				return false;
		} else if (c == '.') {
			/* an embedded IPv4 ends it */
			size_t start = i - glen;

			return (dbl || colons >= 6) && is_ipv4(p + start, n - start);
		} else
			return false;
	}
	if (glen > 0)
		groups++;
	/* "::" counts once in colons */
	return dbl ? groups <= 7 : colons == 7 && groups == 8;
}

/* xx:xx:xx:xx:xx:xx (or '-'), groups of 1 or 2 hex digits */
static bool
is_mac(const char *p, size_t n)
{
	size_t i = 0;
	int g, k;
	char sep = 0;

	for (g = 0; g < 6; g++) {
		for (k = 0; k < 2 && i < n && is_hex((unsigned char)p[i]); k++)
			i++;
		if (k == 0)
			return false;
		if (g < 5) {
			if (i >= n || (p[i] != ':' && p[i] != '-'))
				return false;
			if (sep != 0 && p[i] != sep)
				return false;
			sep = p[i++];
		}
	}
	return i == n;
}

static bool
is_uuid(const char *p, size_t n)
{
	size_t i;

	if (n != 36)
		return false;
	for (i = 0; i < n; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? p[i] != '-' : !is_hex((unsigned char)p[i]))
			return false;
	}
	return true;
}

/* h:mm, hh:mm:ss, hh:mm:ss.frac */
static bool
is_time(const char *p, size_t n)
{
	size_t i = 0, d;
	int fields = 0;

	for (;;) {
		for (d = 0; i < n && is_digit((unsigned char)p[i]); d++)
			i++;
		if (d == 0 || d > 2 || (fields > 0 && d != 2))
			return false;
		fields++;
		if (i == n)
			return fields >= 2;
		if (p[i] == ':' && fields < 3) {
			i++;
			continue;
		}
		if ((p[i] == '.' || p[i] == ',') && fields >= 2) {
			for (i++, d = 0; i < n && is_digit((unsigned char)p[i]); d++)
				i++;
			return d > 0 && i == n;
		}
		return false;
	}
}

/* yyyy-mm-dd, yyyy/m/d, yyyy.mm.dd, dd/Mon/yyyy, each with anything
 * made of digits and T : . + - Z _ , after it */
static bool
is_date(const char *p, size_t n)
{
	size_t i;

	if (n >= 8 && is_digit((unsigned char)p[0]) && is_digit((unsigned char)p[1]) &&
	    is_digit((unsigned char)p[2]) && is_digit((unsigned char)p[3]) &&
	    (p[4] == '-' || p[4] == '/' || p[4] == '.') && is_digit((unsigned char)p[5])) {
		char sep = p[4];

		i = 5;
		while (i < n && is_digit((unsigned char)p[i]))
			i++;
		if (i >= n || p[i] != sep || i + 1 >= n ||
		    !is_digit((unsigned char)p[i + 1]))
			return false;
	} else if (n >= 11 && is_digit((unsigned char)p[0]) &&
	    is_digit((unsigned char)p[1]) && p[2] == '/' && is_alpha((unsigned char)p[3]) &&
	    is_alpha((unsigned char)p[4]) && is_alpha((unsigned char)p[5]) && p[6] == '/')
		i = 7;
	else
		return false;
	for (; i < n; i++)
		if (!is_digit((unsigned char)p[i]) && strchr("T:.+-Z_,/", p[i]) == NULL)
			return false;
	return true;
}

/* digits[.digits] followed by a unit */
static bool
is_size(const char *p, size_t n)
{
	static const char *const units[] = {
		"ns", "us", "ms", "s", "sec", "secs", "m", "min", "mins", "h",
		"hr", "hrs", "d", "days", "k", "K", "kB", "KB", "KiB", "M", "MB",
		"MiB", "G", "GB", "GiB", "T", "TB", "b", "B", "bytes", "Kbytes",
		"Mbytes", "Hz", "kHz", "MHz", "GHz", "bps", "Kbps", "Mbps", "Gbps",
		"Mb", "Gb", "x", NULL
	};
	size_t i = 0, k;

	while (i < n && is_digit((unsigned char)p[i]))
		i++;
	if (i == 0)
		return false;
	if (i < n && p[i] == '.') {
		k = ++i;
		while (i < n && is_digit((unsigned char)p[i]))
			i++;
		if (i == k)
			return false;
	}
	if (i == n)
		return false;
	for (k = 0; units[k] != NULL; k++)
		if (strlen(units[k]) == n - i && memcmp(p + i, units[k], n - i) == 0)
			return true;
	return false;
}

/* local@domain.tld */
static bool
is_email(const char *p, size_t n)
{
	const char *at = memchr(p, '@', n);
	size_t i, dots = 0;

	if (at == NULL || at == p || (size_t)(at - p) + 3 > n)
		return false;
	for (i = 0; i < (size_t)(at - p); i++)
		if (!is_alpha((unsigned char)p[i]) && !is_digit((unsigned char)p[i]) &&
		    strchr("._%+-", p[i]) == NULL)
			return false;
	for (i = (size_t)(at - p) + 1; i < n; i++) {
		if (p[i] == '.')
			dots++;
		else if (!is_alpha((unsigned char)p[i]) &&
		    !is_digit((unsigned char)p[i]) && p[i] != '-')
			return false;
	}
	return dots > 0 && p[n - 1] != '.';
}

/* scheme://... */
static bool
is_url(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (is_alpha((unsigned char)p[i]) || is_digit((unsigned char)p[i]) ||
	    p[i] == '+' || p[i] == '-' || p[i] == '.'))
		i++;
	return i > 0 && is_alpha((unsigned char)p[0]) && i + 3 < n &&
	    memcmp(p + i, "://", 3) == 0;
}

/* labels of letters, digits and '-', at least two, the last one a
 * country code or a common top-level domain */
static bool
is_host(const char *p, size_t n)
{
	static const char *const tlds[] = {
		"com", "net", "org", "edu", "gov", "mil", "int", "info", "biz",
		"name", "pro", "aero", "coop", "museum", "mobi", "local",
		"localdomain", "lan", "arpa", "io", "cloud", "online", NULL
	};
	size_t i, last = 0, labels = 1, k;

	if (n < 4 || p[0] == '.' || p[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		if (p[i] == '.') {
			if (i == last)
				return false;
			labels++;
			last = i + 1;
		} else if (!is_alpha((unsigned char)p[i]) &&
		    !is_digit((unsigned char)p[i]) && p[i] != '-')
			return false;
	}
	if (labels < 2)
		return false;
	for (i = last; i < n; i++)
		if (!is_alpha((unsigned char)p[i]))
			return false;
	if (n - last == 2)
		return true;
	for (k = 0; tlds[k] != NULL; k++)
		if (strlen(tlds[k]) == n - last &&
		    strncasecmp(p + last, tlds[k], n - last) == 0)
			return true;
	return false;
}

/* The variable class of a whole span whose profile is bits, or
 * TMPL_V_NONE. */
static enum tmpl_var
whole_class(const char *p, size_t n, unsigned bits)
{
	if (n >= 2 && p[0] == '/')
		return TMPL_V_PATH;
	if (!(bits & P_DIGIT)) {
		if ((bits & ~(unsigned)(P_ALPHA | P_UNDER)) == 0)
			/* a word, or a long hex number */
			return n >= 8 && is_hexnum(p, n) ? TMPL_V_HEX : TMPL_V_NONE;
		if ((bits & (P_COLON | P_SLASH)) == (P_COLON | P_SLASH) &&
		    is_url(p, n))
			return TMPL_V_URL;
		if ((bits & P_AT) && is_email(p, n))
			return TMPL_V_EMAIL;
		if ((bits & P_DOT) && is_host(p, n))
			return TMPL_V_HOST;
		if ((bits & P_COLON) && is_ipv6(p, n))
			return TMPL_V_IPV6;
		return TMPL_V_NONE;
	}
	if ((bits & (P_COLON | P_SLASH)) == (P_COLON | P_SLASH) && is_url(p, n))
		return TMPL_V_URL;
	if (n == 36 && (bits & P_DASH) && is_uuid(p, n))
		return TMPL_V_UUID;
	if ((bits & (P_COLON | P_DASH)) && n <= 17 && is_mac(p, n))
		return TMPL_V_MAC;
	if ((bits & P_DOT) && is_ipv4(p, n))
		return TMPL_V_IPV4;
	if (((bits & P_COLON) && is_time(p, n)) ||
	    ((bits & (P_DASH | P_SLASH | P_DOT)) && is_date(p, n)))
		return TMPL_V_DATE;
	if ((bits & P_COLON) && is_ipv6(p, n))
		return TMPL_V_IPV6;
	if (!(bits & ~(unsigned)(P_DIGIT | P_DOT | P_DASH | P_OTHER)) && is_num(p, n))
		return TMPL_V_NUM;
	if (is_hexnum(p, n))
		return TMPL_V_HEX;
	if (is_size(p, n))
		return TMPL_V_SIZE;
	if ((bits & P_AT) && is_email(p, n))
		return TMPL_V_EMAIL;
	if ((bits & P_DOT) && is_host(p, n))
		return TMPL_V_HOST;
	return TMPL_V_NONE;
}

/* Protocols and algorithms written with a version digit: ssh2, IPv4,
 * md5, sha1, TLSv1 stay words (every other word with a digit is a
 * variable, e.g. eth0, dn228). */
static bool
versioned_name(const char *p, size_t n)
{
	static const char *const names[] = { "ssh", "ipv", "md", "sha", "tls",
	    "tlsv", "ssl", "sslv", "http", "smtp", "pop", "imap", "utf", "ext",
	    "ucs", "des", "rc", "ntlmv", NULL };
	size_t i;

	if (n < 3 || !is_digit((unsigned char)p[n - 1]))
		return false;
	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == n - 1 && strncasecmp(p, names[i], n - 1) == 0)
			return true;
	return false;
}

static enum tmpl_var
piece_class(const char *p, size_t n, unsigned bits)
{
	enum tmpl_var v = whole_class(p, n, bits);

	if (v != TMPL_V_NONE)
		return v;
	if (n > TMPL_TOK_WORD_MAX)
		return TMPL_V_LONG;
	if (bits & P_DIGIT)
		return versioned_name(p, n) ? TMPL_V_NONE : TMPL_V_ID;
	return TMPL_V_NONE;
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

/* A name with a number in brackets, without ':', '=', ',' or quotes:
 * LOCAL(0), cloudd[326], QQ(10018), lapic_id[0x00].  One variable. */
static bool
name_with_number(const char *p, size_t n, unsigned bits)
{
	return (bits & (P_OPEN | P_DIGIT)) == (P_OPEN | P_DIGIT) &&
	    !(bits & (P_COLON | P_EQCOMMA)) && !is_opener((unsigned char)p[0]) &&
	    n > 0;
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
	enum tmpl_var v = piece_class(t->s + a, b - a, bits);

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
		if (s[i] == '/' && i + 1 < b && !is_delim((unsigned char)s[i + 1]) &&
		    (i == a || is_delim((unsigned char)s[i - 1]))) {
			/* a path runs to the end of the core */
			emit(t, TMPL_VAR, TMPL_V_PATH, i, b - i);
			return;
		}
		for (j = i; j < b && !is_delim((unsigned char)s[j]); j++)
			;
		if (j > i)
			emit_piece(t, i, j, profile(s + i, j - i));
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
chunk(struct tk *t, size_t a, size_t b)
{
	const char *s = t->s;
	size_t e = b, k;
	enum tmpl_var v;

	/* "by (uid=0)" and "by LOGIN(uid=0)" have one shape: a '(' after
	 * a blank follows an empty name */
	if (a < b && s[a] == '(' && t->gap && t->l->ntok > 0)
		emit(t, TMPL_EMPTY, TMPL_V_NONE, a, 0);
	while (a < b && is_opener((unsigned char)s[a]) && !t->full) {
		emit(t, TMPL_DELIM, TMPL_V_NONE, a, 1);
		a++;
	}
	while (e > a && is_closer((unsigned char)s[e - 1]) &&
	    !closes_inside(s + a, e - 1 - a, s[e - 1]))
		e--;
	if (e > a) {
		unsigned bits = profile(s + a, e - a);

		v = whole_class(s + a, e - a, bits);
		if (v == TMPL_V_NONE && name_with_number(s + a, e - a, bits))
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
		if (i + 1 == n || is_blank((unsigned char)s[i + 1]) ||
		    is_closer((unsigned char)s[i + 1]))
			return i;
	}
	return 0;
}

/* list: names of 3 or 4 letters, starting with a capital */
static bool
word_is(const char *s, const struct tmpl_tok *k, const char *const *list)
{
	size_t i;

	if (k->kind != TMPL_WORD || k->len < 3 || k->len > 4 ||
	    s[k->off] < 'A' || s[k->off] > 'Z')
		return false;
	for (i = 0; list[i] != NULL; i++)
		if ((list[i][3] == '\0' ? 3U : 4U) == k->len &&
		    memcmp(s + k->off, list[i], k->len) == 0)
			return true;
	return false;
}

static bool
small_number(const char *s, const struct tmpl_tok *k)
{
	return k->kind == TMPL_VAR && (k->var == TMPL_V_NUM || k->var == TMPL_V_DATE) &&
	    k->len <= 4 && is_digit((unsigned char)s[k->off]);
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

	l->ntok = 0;
	while (pos < n && !t.full) {
		if (is_blank((unsigned char)s[pos])) {
			while (pos < n && is_blank((unsigned char)s[pos]))
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
			while (pos < n && is_closer((unsigned char)s[pos]) && !t.full)
				emit(&t, TMPL_DELIM, TMPL_V_NONE, pos++, 1);
			continue;
		}
		for (end = pos; end < n && !is_blank((unsigned char)s[end]); end++)
			;
		chunk(&t, pos, end);
		pos = end;
	}
	if (t.full) {
		/* the rest, blanks at its end left out, is one variable */
		end = n;
		while (end > t.cut && is_blank((unsigned char)s[end - 1]))
			end--;
		l->tok[l->ntok].off = (uint32_t)t.cut;
		l->tok[l->ntok].len = (uint32_t)(end - t.cut);
		l->tok[l->ntok].kind = TMPL_VAR;
		l->tok[l->ntok].var = TMPL_V_TAIL;
		l->tok[l->ntok].gap = t.cut > 0 && is_blank((unsigned char)s[t.cut - 1]);
		l->ntok++;
	}
	join_dates(s, l);
	collapse(l, s);
	tmpl_tok_hashes(l, s);
}
