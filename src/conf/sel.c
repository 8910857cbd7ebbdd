/*
 * sel — syslog.conf selectors: parsing into a facility x severity table
 * plus program and host lists, matching, and a description in words.
 * The grammar and its meaning are documented in sel.h.
 */
#include "conf/sel.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "lib/xmem.h"

#define NSEV		8
#define ALLSEV		0xffu

#define CMP_LT		1	/* less severe: numerically greater */
#define CMP_EQ		2
#define CMP_GT		4	/* more severe: numerically smaller */
#define CMP_ALL		(CMP_LT | CMP_EQ | CMP_GT)

enum listkind { LIST_PROG, LIST_HOST };

struct namelist {
	bool	  set;		/* a filter of this kind is in force */
	bool	  exclude;	/* "all but" list ("!-", "-") */
	bool	  local;	/* '@' was listed (hosts only) */
	char	 *text;		/* the item that set it, owned (messages) */
	size_t	  n;		/* number of names */
	char	**names;	/* owned NUL-terminated copies */
	size_t	 *lens;		/* their lengths */
};

struct sel {
	bool		 has_prio;		/* priority items were given */
	bool		 prio_all;		/* ... and they admit every pair */
	uint8_t		 pmask[SEL_NFAC];	/* bit v: severity v matches */
	struct namelist	 prog;			/* program filter */
	struct namelist	 host;			/* host filter */
};

static const struct {
	const char	*name;
	int		 code;
} facnames[] = {
	{ "kern", 0 }, { "user", 1 }, { "mail", 2 }, { "daemon", 3 },
	{ "auth", 4 }, { "syslog", 5 }, { "lpr", 6 }, { "news", 7 },
	{ "uucp", 8 }, { "cron", 9 }, { "authpriv", 10 }, { "ftp", 11 },
	{ "ntp", 12 }, { "security", 13 }, { "audit", 13 }, { "console", 14 },
	{ "clock", 15 }, { "solaris-cron", 15 },
	{ "local0", 16 }, { "local1", 17 }, { "local2", 18 }, { "local3", 19 },
	{ "local4", 20 }, { "local5", 21 }, { "local6", 22 }, { "local7", 23 },
};

/* canonical names, by code */
static const char *const facname[SEL_NFAC] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console",
	"clock", "local0", "local1", "local2", "local3", "local4", "local5",
	"local6", "local7",
};

static const struct {
	const char	*name;
	int		 code;
} levnames[] = {
	{ "emerg", 0 }, { "panic", 0 }, { "alert", 1 }, { "crit", 2 },
	{ "err", 3 }, { "error", 3 }, { "warning", 4 }, { "warn", 4 },
	{ "notice", 5 }, { "info", 6 }, { "debug", 7 },
};

static const char *const levname[NSEV] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

#define FAC_EXPECTED	"kern, user, mail, daemon, auth, syslog, lpr, news, " \
	"uucp, cron, authpriv, ftp, ntp, security, console, clock, " \
	"local0..local7 or *"
#define LEV_EXPECTED	"emerg, alert, crit, err, warning, notice, info, " \
	"debug, none or *"
#define ITEM_EXPECTED	"facility.level (e.g. mail.info), !program, " \
	"!-program, +host or -host"

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* ASCII case-insensitive equality of two byte strings */
static bool
eqcase(const char *a, size_t al, const char *b, size_t bl)
{
	size_t i;

	if (al != bl)
		return false;
	for (i = 0; i < al; i++) {
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return false;
	}
	return true;
}

static bool
eqcasez(const char *a, size_t al, const char *z)
{
	return eqcase(a, al, z, strlen(z));
}

static int
lookup_fac(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(facnames) / sizeof(facnames[0]); i++) {
		if (eqcasez(name, len, facnames[i].name))
			return facnames[i].code;
	}
	return -1;
}

static int
lookup_lev(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(levnames) / sizeof(levnames[0]); i++) {
		if (eqcasez(name, strlen(name), levnames[i].name))
			return levnames[i].code;
	}
	return -1;
}

static void
list_clear(struct namelist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	free(l->lens);
	free(l->text);
	memset(l, 0, sizeof(*l));
}

void
sel_free(struct sel *s)
{
	if (s == NULL)
		return;
	list_clear(&s->prog);
	list_clear(&s->host);
	free(s);
}

/*
 * Copies text with blank runs reduced to one ' ', and dropped at either
 * end and next to ',' or ';'.  Returns an owned string.
 */
static char *
normalize(const char *text)
{
	size_t n = strlen(text), i = 0, o = 0;
	char *out = xmalloc(n + 1);

	while (i < n) {
		if (str_isspace((unsigned char)text[i])) {
			char next;

			while (i < n && str_isspace((unsigned char)text[i]))
				i++;
			next = text[i];
			if (o > 0 && next != '\0' && next != ',' && next != ';' &&
			    out[o - 1] != ',' && out[o - 1] != ';')
				out[o++] = ' ';
			continue;
		}
		out[o++] = text[i++];
	}
	out[o] = '\0';
	return out;
}

/* Parses a '!', '+' or '-' item into s->prog or s->host. */
static int
parse_list(struct sel *s, const char *item, enum listkind kind, char *err,
    size_t errlen)
{
	struct namelist *l = kind == LIST_PROG ? &s->prog : &s->host;
	const char *what = kind == LIST_PROG ? "program" : "host";
	const char *p = item + 1, *end;
	bool exclude;

	if (kind == LIST_PROG) {
		exclude = *p == '-';
		if (exclude)
			p++;
	} else
		exclude = item[0] == '-';
	if (strcmp(p, "*") == 0 && !(kind == LIST_PROG && exclude)) {
		list_clear(l);
		return 0;
	}
	if (*p == '\0') {
		seterr(err, errlen, "empty %s list in '%s' (expected %s, e.g. %s)",
		    what, item, kind == LIST_PROG ? "!prog[,prog...] or "
		    "!-prog[,prog...]" : "+host[,host...] or -host[,host...]",
		    kind == LIST_PROG ? "'!sshd,cron'" : "'+web1,web2' or '-@'");
		return -1;
	}
	if (l->set) {
		seterr(err, errlen, "second %s filter '%s' after '%s': give all "
		    "names in one list, or clear the first with '%s'", what,
		    item, l->text, kind == LIST_PROG ? "!*" : "+*");
		return -1;
	}
	l->set = true;
	l->exclude = exclude;
	l->text = xstrdup(item);
	for (;;) {
		size_t len;

		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0) {
			seterr(err, errlen, "empty name in %s list '%s'", what,
			    item);
			return -1;
		}
		if (len == 1 && *p == '*') {
			seterr(err, errlen, "'*' in %s list '%s' must stand "
			    "alone: '%s' clears the %s filter", what, item,
			    kind == LIST_PROG ? "!*" : "+*", what);
			return -1;
		}
		if (len > SEL_MAXNAME) {
			seterr(err, errlen, "%s name '%.20s...' in '%.20s...' is "
			    "longer than %d bytes", what, p, item, SEL_MAXNAME);
			return -1;
		}
		if (len == 1 && *p == '@') {
			if (kind == LIST_PROG) {
				seterr(err, errlen, "'@' in program list '%s': "
				    "'@' (this host) belongs in a host list, "
				    "'+@' or '-@'", item);
				return -1;
			}
			l->local = true;
		} else {
			if (l->n >= SEL_MAXNAMES) {
				seterr(err, errlen, "more than %d names in %s "
				    "list '%.40s...'", SEL_MAXNAMES, what, item);
				return -1;
			}
			l->names = xreallocarray(l->names, l->n + 1,
			    sizeof(*l->names));
			l->lens = xreallocarray(l->lens, l->n + 1,
			    sizeof(*l->lens));
			l->names[l->n] = xmemdup0(p, len);
			l->lens[l->n] = len;
			l->n++;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return 0;
}

/* Parses "facility[,facility...].[!][<=>]level" and applies it. */
static int
parse_prio(struct sel *s, const char *item, char *err, size_t errlen)
{
	bool facs[SEL_NFAC] = { false };
	const char *dot = strchr(item, '.'), *p, *q, *name;
	bool invert = false;
	int cmp = 0, lev, f, v;
	unsigned mask;

	if (dot == NULL) {
		seterr(err, errlen, "'%s' is not a selector item: expected "
		    ITEM_EXPECTED, item);
		return -1;
	}
	if (dot == item) {
		seterr(err, errlen, "missing facility before '.' in '%s' "
		    "(expected " FAC_EXPECTED ")", item);
		return -1;
	}
	if (strchr(dot + 1, ',') != NULL) {
		seterr(err, errlen, "',' after the level in '%s': separate "
		    "items with ';', as in 'mail.info;kern.err'", item);
		return -1;
	}
	if (strchr(dot + 1, '.') != NULL) {
		seterr(err, errlen, "more than one '.' in '%s' (separate "
		    "items with ';', as in 'mail.info;kern.err')", item);
		return -1;
	}

	/* facilities */
	for (p = item;; p = q + 1) {
		size_t len;

		for (q = p; q < dot && *q != ','; q++)
			continue;
		len = (size_t)(q - p);
		if (len == 0) {
			seterr(err, errlen, "empty facility name in '%s'", item);
			return -1;
		}
		if (len == 1 && *p == '*') {
			for (f = 0; f < SEL_NFAC; f++)
				facs[f] = true;
		} else if ((f = lookup_fac(p, len)) >= 0)
			facs[f] = true;
		else {
			seterr(err, errlen, "unknown facility '%.*s' in '%s' "
			    "(expected " FAC_EXPECTED ")", (int)len, p, item);
			return -1;
		}
		if (q == dot)
			break;
	}

	/* comparison flags */
	q = dot + 1;
	if (*q == '!') {
		invert = true;
		q++;
	}
	for (;; q++) {
		int flag;

		if (*q == '<')
			flag = CMP_LT;
		else if (*q == '=')
			flag = CMP_EQ;
		else if (*q == '>')
			flag = CMP_GT;
		else if (*q == '!') {
			seterr(err, errlen, "misplaced '!' in '%s': it comes "
			    "first, as in 'mail.!=info'", item);
			return -1;
		} else
			break;
		if (cmp & flag) {
			seterr(err, errlen, "repeated '%c' in '%s' (each of "
			    "'<', '=', '>' at most once)", *q, item);
			return -1;
		}
		cmp |= flag;
	}

	/* level */
	name = q;
	if (*name == '\0') {
		seterr(err, errlen, "missing level in '%s' (expected "
		    LEV_EXPECTED ")", item);
		return -1;
	}
	if (strcmp(name, "*") == 0 || eqcasez(name, strlen(name), "none")) {
		if (invert || cmp != 0) {
			seterr(err, errlen, "'%s' takes no comparison in '%s' "
			    "(write '%.*s%s')", name, item,
			    (int)(dot + 1 - item), item, name);
			return -1;
		}
		mask = *name == '*' ? ALLSEV : 0;
	} else {
		lev = lookup_lev(name);
		if (lev < 0) {
			seterr(err, errlen, "unknown level '%s' in '%s' "
			    "(expected " LEV_EXPECTED ")", name, item);
			return -1;
		}
		if (cmp == 0)
			cmp = CMP_EQ | CMP_GT;
		if (invert)
			cmp ^= CMP_ALL;
		mask = 0;
		for (v = 0; v < NSEV; v++) {
			if (((cmp & CMP_EQ) && v == lev) ||
			    ((cmp & CMP_GT) && v < lev) ||
			    ((cmp & CMP_LT) && v > lev))
				mask |= 1u << v;
		}
	}

	for (f = 0; f < SEL_NFAC; f++) {
		if (facs[f])
			s->pmask[f] = (uint8_t)mask;
	}
	s->has_prio = true;
	return 0;
}

static int
parse_item(struct sel *s, const char *item, char *err, size_t errlen)
{
	switch (item[0]) {
	case '!':
		return parse_list(s, item, LIST_PROG, err, errlen);
	case '+':
	case '-':
		return parse_list(s, item, LIST_HOST, err, errlen);
	default:
		return parse_prio(s, item, err, errlen);
	}
}

struct sel *
sel_parse(const char *text, char *err, size_t errlen)
{
	struct sel *s;
	char *norm, *p;
	size_t len = strlen(text);
	int f;

	if (len > SEL_MAXTEXT) {
		seterr(err, errlen, "selector longer than %d bytes",
		    SEL_MAXTEXT);
		return NULL;
	}
	norm = normalize(text);
	if (*norm == '\0') {
		seterr(err, errlen, "empty selector (expected items such as "
		    "'mail.info', '!sshd' or '+web1', separated by ';' or "
		    "blanks)");
		free(norm);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	for (p = norm;;) {
		size_t n = strcspn(p, " ;");
		char *item;
		int rc;

		if (n == 0) {
			seterr(err, errlen, "empty item in '%s': %s", norm,
			    p == norm ? "';' at the start" :
			    p[0] == '\0' ? "';' at the end" :
			    "nothing between two ';'");
			goto fail;
		}
		item = xmemdup0(p, n);
		rc = parse_item(s, item, err, errlen);
		free(item);
		if (rc == -1)
			goto fail;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	free(norm);

	if (s->has_prio) {
		s->prio_all = true;
		for (f = 0; f < SEL_NFAC; f++) {
			if (s->pmask[f] != ALLSEV)
				s->prio_all = false;
		}
	}
	return s;

fail:
	free(norm);
	sel_free(s);
	return NULL;
}

/* Is host[0..hostlen) this machine, by its full or its short name? */
static bool
is_local(const char *host, size_t hostlen, const char *localhost)
{
	size_t full, shortlen;

	if (localhost == NULL || *localhost == '\0')
		return false;
	full = strlen(localhost);
	shortlen = strcspn(localhost, ".");
	return eqcase(host, hostlen, localhost, full) ||
	    (shortlen > 0 && eqcase(host, hostlen, localhost, shortlen));
}

static bool
list_match(const struct namelist *l, const char *name, size_t len,
    enum listkind kind, const char *localhost)
{
	bool found = false;
	size_t i;

	if (name != NULL) {
		for (i = 0; i < l->n && !found; i++) {
			if (kind == LIST_PROG)
				found = len == l->lens[i] &&
				    memcmp(name, l->names[i], len) == 0;
			else
				found = eqcase(name, len, l->names[i],
				    l->lens[i]);
		}
		if (!found && l->local)
			found = is_local(name, len, localhost);
	}
	return l->exclude ? !found : found;
}

bool
sel_match(const struct sel *s, int facility, int severity, const char *prog,
    size_t proglen, const char *host, size_t hostlen, const char *localhost)
{
	if (s->has_prio && !s->prio_all) {
		if (facility < 0 || facility >= SEL_NFAC || severity < 0 ||
		    severity >= NSEV)
			return false;
		if (!(s->pmask[facility] & (1u << severity)))
			return false;
	}
	if (s->prog.set &&
	    !list_match(&s->prog, prog, proglen, LIST_PROG, NULL))
		return false;
	if (s->host.set &&
	    !list_match(&s->host, host, hostlen, LIST_HOST, localhost))
		return false;
	return true;
}

bool
sel_match_record(const struct sel *s, const struct record *r,
    const char *localhost)
{
	return sel_match(s, r->facility, r->severity, r->prog, r->proglen,
	    r->host, r->hostlen, localhost);
}

bool
sel_needs_priority(const struct sel *s)
{
	return s->has_prio && !s->prio_all;
}

/* Appends to a buffer until the first failure (buf_add frees on failure,
 * so later appends must not start it again). */
struct out {
	struct buf	*b;
	int		 failed;
};

static void put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (o->failed)
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	if (buf_addstr(o->b, s) == -1)
		o->failed = 1;
	free(s);
}

static int
popcount8(unsigned m)
{
	int n = 0;

	for (; m; m &= m - 1)
		n++;
	return n;
}

static void
describe_levels(struct out *o, unsigned m)
{
	int lo, hi, v, n = popcount8(m);
	unsigned run;
	const char *sep = "";

	for (lo = 0; !(m & (1u << lo)); lo++)
		continue;
	for (hi = NSEV - 1; !(m & (1u << hi)); hi--)
		continue;
	run = ((1u << (hi + 1)) - 1) & ~((1u << lo) - 1);
	if (m == ALLSEV)
		put(o, "any level");
	else if (n == 1)
		put(o, "%s only", levname[lo]);
	else if (m == run && lo == 0)
		put(o, "%s or more severe", levname[hi]);
	else if (m == run && hi == NSEV - 1)
		put(o, "%s or less severe", levname[lo]);
	else if (n == NSEV - 1) {
		for (v = 0; m & (1u << v); v++)
			continue;
		put(o, "any level but %s", levname[v]);
	} else if (m == run)
		put(o, "%s to %s", levname[lo], levname[hi]);
	else {
		put(o, "levels ");
		for (v = 0; v < NSEV; v++) {
			if (m & (1u << v)) {
				put(o, "%s%s", sep, levname[v]);
				sep = ", ";
			}
		}
	}
}

static void
describe_prio(struct out *o, const struct sel *s)
{
	bool done[SEL_NFAC] = { false };
	const char *gsep = "";
	int f, g, n;

	put(o, "priority: ");
	if (s->prio_all) {
		put(o, "any (lines without a priority too)");
		return;
	}
	for (f = 0; f < SEL_NFAC; f++) {
		unsigned m = s->pmask[f];
		const char *sep = "";

		if (done[f] || m == 0)
			continue;
		for (n = 0, g = f; g < SEL_NFAC; g++) {
			if (s->pmask[g] == m) {
				done[g] = true;
				n++;
			}
		}
		put(o, "%s", gsep);
		gsep = ", or ";
		if (n == SEL_NFAC)
			put(o, "any facility");
		else if (2 * n > SEL_NFAC) {
			put(o, "any facility but ");
			for (g = 0; g < SEL_NFAC; g++) {
				if (s->pmask[g] != m) {
					put(o, "%s%s", sep, facname[g]);
					sep = ", ";
				}
			}
		} else {
			for (g = f; g < SEL_NFAC; g++) {
				if (s->pmask[g] == m) {
					put(o, "%s%s", sep, facname[g]);
					sep = ", ";
				}
			}
		}
		put(o, " at ");
		describe_levels(o, m);
	}
	if (*gsep == '\0')
		put(o, "none (no line matches)");
	else
		put(o, " (lines without a priority do not match)");
}

static void
describe_list(struct out *o, const struct namelist *l, const char *what)
{
	const char *sep = "";
	size_t i;

	put(o, "%s: %s", what, l->exclude ? "any but " : "");
	for (i = 0; i < l->n; i++) {
		put(o, "%s%s", sep, l->names[i]);
		sep = ", ";
	}
	if (l->local)
		put(o, "%sthis host (@)", sep);
}

int
sel_describe(const struct sel *s, struct buf *b)
{
	struct out o = { b, 0 };
	const char *sep = "";

	if (s->has_prio) {
		describe_prio(&o, s);
		sep = "; ";
	}
	if (s->prog.set) {
		put(&o, "%s", sep);
		describe_list(&o, &s->prog, "program");
		sep = "; ";
	}
	if (s->host.set) {
		put(&o, "%s", sep);
		describe_list(&o, &s->host, "host");
		sep = "; ";
	}
	if (*sep == '\0')
		put(&o, "any line");
	return o.failed ? -1 : 0;
}
