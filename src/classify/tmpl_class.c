/*
 * tmpl_class — the byte classes and the variable classes of the
 * template miner's tokenizer (see tmpl_class.h).  Each detector checks
 * a whole span; tmpl_class_whole tries only those its profile allows.
 */
#include "classify/tmpl_class.h"

#include <string.h>
#include <strings.h>

static inline bool
is_digit(unsigned char c)
{
	return tmpl_class_byte[c] & C_DIGIT;
}

static inline bool
is_alpha(unsigned char c)
{
	return tmpl_class_byte[c] & C_ALPHA;
}

static inline bool
is_hex(unsigned char c)
{
	return tmpl_class_byte[c] & C_HEX;
}

/* ---- byte classes ---- */


const unsigned char tmpl_class_byte[256] = {
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

/* What kinds of bytes a span holds: one pass, then only the variable
 * classes that can match are tried. */

/* the P_ bit of every byte */
const unsigned short tmpl_class_bit[256] = {
	['0'] = P_DIGIT, ['1'] = P_DIGIT, ['2'] = P_DIGIT, ['3'] = P_DIGIT,
	['4'] = P_DIGIT, ['5'] = P_DIGIT, ['6'] = P_DIGIT, ['7'] = P_DIGIT,
	['8'] = P_DIGIT, ['9'] = P_DIGIT,
	['a'] = P_ALPHA, ['b'] = P_ALPHA, ['c'] = P_ALPHA, ['d'] = P_ALPHA,
	['e'] = P_ALPHA, ['f'] = P_ALPHA, ['g'] = P_ALPHA, ['h'] = P_ALPHA,
	['i'] = P_ALPHA, ['j'] = P_ALPHA, ['k'] = P_ALPHA, ['l'] = P_ALPHA,
	['m'] = P_ALPHA, ['n'] = P_ALPHA, ['o'] = P_ALPHA, ['p'] = P_ALPHA,
	['q'] = P_ALPHA, ['r'] = P_ALPHA, ['s'] = P_ALPHA, ['t'] = P_ALPHA,
	['u'] = P_ALPHA, ['v'] = P_ALPHA, ['w'] = P_ALPHA, ['x'] = P_ALPHA,
	['y'] = P_ALPHA, ['z'] = P_ALPHA,
	['A'] = P_ALPHA, ['B'] = P_ALPHA, ['C'] = P_ALPHA, ['D'] = P_ALPHA,
	['E'] = P_ALPHA, ['F'] = P_ALPHA, ['G'] = P_ALPHA, ['H'] = P_ALPHA,
	['I'] = P_ALPHA, ['J'] = P_ALPHA, ['K'] = P_ALPHA, ['L'] = P_ALPHA,
	['M'] = P_ALPHA, ['N'] = P_ALPHA, ['O'] = P_ALPHA, ['P'] = P_ALPHA,
	['Q'] = P_ALPHA, ['R'] = P_ALPHA, ['S'] = P_ALPHA, ['T'] = P_ALPHA,
	['U'] = P_ALPHA, ['V'] = P_ALPHA, ['W'] = P_ALPHA, ['X'] = P_ALPHA,
	['Y'] = P_ALPHA, ['Z'] = P_ALPHA,
	['.'] = P_DOT, [':'] = P_COLON, ['/'] = P_SLASH, ['@'] = P_AT,
	['-'] = P_DASH, ['('] = P_OPEN, ['['] = P_OPEN, ['{'] = P_OPEN,
	['<'] = P_OPEN, ['='] = P_EQCOMMA, [','] = P_EQCOMMA, ['"'] = P_EQCOMMA,
	[';'] = P_EQCOMMA, [')'] = P_CLOSE, [']'] = P_CLOSE, ['}'] = P_CLOSE,
	['>'] = P_CLOSE, ['|'] = P_CLOSE, ['_'] = P_UNDER,
};

unsigned
tmpl_class_profile(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	unsigned bits = 0;
	size_t i;

	for (i = 0; i < n; i++)
		bits |= tmpl_class_bit[u[i]];
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
enum tmpl_var
tmpl_class_whole(const char *p, size_t n, unsigned bits)
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
	if (!(bits & ~(unsigned)(P_DIGIT | P_DOT | P_DASH)) && is_num(p, n))
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
	size_t i, k;

	/* every name is letters, and starts with one of dehimnprstu */
	if (n < 3 || n > 6 || !is_digit((unsigned char)p[n - 1]) ||
	    !is_alpha((unsigned char)p[0]) || !is_alpha((unsigned char)p[n - 2]) ||
	    !((1u << ((p[0] | 0x20) - 'a')) & 0x1eb198u))
		return false;
	for (i = 0; names[i] != NULL; i++) {
		for (k = 0; k < n - 1 && names[i][k] != '\0' &&
		    (p[k] | 0x20) == names[i][k]; k++)
			;
		if (k == n - 1 && names[i][k] == '\0')
			return true;
	}
	return false;
}

enum tmpl_var
tmpl_class_piece(const char *p, size_t n, unsigned bits)
{
	enum tmpl_var v = tmpl_class_whole(p, n, bits);

	if (v != TMPL_V_NONE)
		return v;
	if (n > TMPL_TOK_WORD_MAX)
		return TMPL_V_LONG;
	if (bits & P_DIGIT)
		return versioned_name(p, n) ? TMPL_V_NONE : TMPL_V_ID;
	return TMPL_V_NONE;
}

/* A name with a number in brackets, without ':', '=', ',' or quotes:
 * LOCAL(0), cloudd[326], QQ(10018), lapic_id[0x00].  One variable. */
bool
tmpl_class_named_number(const char *p, size_t n, unsigned bits)
{
	return (bits & (P_OPEN | P_DIGIT)) == (P_OPEN | P_DIGIT) &&
	    !(bits & (P_COLON | P_EQCOMMA)) && !tmpl_class_opener((unsigned char)p[0]) &&
	    n > 0;
}

