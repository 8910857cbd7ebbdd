/*
 * Unit tests for sel: every comparison flag over every severity against a
 * reference that stores (level, flags) per facility and compares the way
 * FreeBSD syslogd's logmsg() does, random selector lists against the same
 * reference, '*' and 'none', override order, all facility names, program
 * and host filters with '@', lines without a priority, error messages and
 * sel_describe.  Program and host names are passed as heap copies of
 * exactly their length so ASan catches reads past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "input/record.h"
#include "conf/sel.h"

/* ---- helpers ---- */

static struct sel *
parse_ok(const char *text)
{
	char err[512];
	struct sel *s;

	err[0] = '\0';
	s = sel_parse(text, err, sizeof(err));
	if (s == NULL)
		fail_msg("'%s' does not parse: %s", text, err);
	return s;
}

/* Matches with exact-length heap copies of prog and host (NULL stays). */
static bool
match(const struct sel *s, int fac, int sev, const char *prog,
    const char *host, const char *localhost)
{
	char *p = NULL, *h = NULL;
	size_t pl = 0, hl = 0;
	bool r;

	if (prog != NULL) {
		pl = strlen(prog);
		p = malloc(pl ? pl : 1);
		assert_non_null(p);
		memcpy(p, prog, pl);
	}
	if (host != NULL) {
		hl = strlen(host);
		h = malloc(hl ? hl : 1);
		assert_non_null(h);
		memcpy(h, host, hl);
	}
	r = sel_match(s, fac, sev, p, pl, h, hl, localhost);
	free(p);
	free(h);
	return r;
}

/* Does the priority-only selector text match (fac, sev)? */
static bool
pmatch(const char *text, int fac, int sev)
{
	struct sel *s = parse_ok(text);
	bool r = match(s, fac, sev, "prog", "host", "host");

	sel_free(s);
	return r;
}

/* Severity set of facility fac under text, as a bit mask. */
static unsigned
sevmask(const char *text, int fac)
{
	struct sel *s = parse_ok(text);
	unsigned m = 0;
	int v;

	for (v = 0; v < 8; v++) {
		if (match(s, fac, v, NULL, NULL, NULL))
			m |= 1u << v;
	}
	sel_free(s);
	return m;
}

static void
expect_error(const char *text, const char *want)
{
	char err[512];
	struct sel *s;

	err[0] = '\0';
	s = sel_parse(text, err, sizeof(err));
	if (s != NULL) {
		sel_free(s);
		fail_msg("'%s' parsed, expected an error with '%s'", text, want);
	}
	if (strstr(err, want) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", text, err, want);
}

static void
expect_describe(const char *text, const char *want)
{
	struct sel *s = parse_ok(text);
	struct buf b;

	buf_init(&b, 4096);
	assert_int_equal(sel_describe(s, &b), 0);
	if (strcmp(buf_str(&b), want) != 0)
		fail_msg("describe '%s':\n got  '%s'\n want '%s'", text,
		    buf_str(&b), want);
	buf_free(&b);
	sel_free(s);
}

/* ---- the reference: FreeBSD syslogd's f_pmask / f_pcmp ---- */

#define R_LT	1
#define R_EQ	2
#define R_GT	4
#define R_NOPRI	16	/* INTERNAL_NOPRI: "none" */

struct ref {
	int	lev[24];	/* level, R_NOPRI for none, -1 never set */
	int	cmp[24];
};

static void
ref_init(struct ref *r)
{
	int f;

	for (f = 0; f < 24; f++) {
		r->lev[f] = R_NOPRI;	/* unset facilities match nothing */
		r->cmp[f] = 0;
	}
}

/* cmpstr as written after the '.', lev 0..7, or 8 for '*', 9 for none */
static void
ref_item(struct ref *r, const bool *facs, const char *cmpstr, int lev)
{
	int cmp = 0, f;
	bool invert = false;
	const char *c = cmpstr;

	if (*c == '!') {
		invert = true;
		c++;
	}
	for (; *c; c++)
		cmp |= *c == '<' ? R_LT : *c == '=' ? R_EQ : R_GT;
	if (lev == 8) {
		lev = 7;
		cmp = R_LT | R_EQ | R_GT;
	} else if (lev == 9) {
		lev = R_NOPRI;
	}
	if (cmp == 0)
		cmp = R_EQ | R_GT;
	if (invert)
		cmp ^= R_LT | R_EQ | R_GT;
	for (f = 0; f < 24; f++) {
		if (facs[f]) {
			r->lev[f] = lev;
			r->cmp[f] = cmp;
		}
	}
}

/* logmsg(): "skip messages that are incorrect priority" */
static bool
ref_match(const struct ref *r, int fac, int sev)
{
	int pm = r->lev[fac], pc = r->cmp[fac];

	if (pm == R_NOPRI)
		return false;
	return ((pc & R_EQ) && pm == sev) || ((pc & R_LT) && pm < sev) ||
	    ((pc & R_GT) && pm > sev);
}

static const char *const cmps[] = {
	"", "<", "<=", "=<", "=", ">=", "=>", ">", "<>", "><", "<=>", ">=<",
	"!", "!<", "!<=", "!=", "!>=", "!>", "!<>", "!<=>",
};
static const char *const levs[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};
static const char *const levalias[8] = {
	"panic", "ALERT", "Crit", "error", "warn", "NOTICE", "Info", "DEBUG",
};
static const char *const facs[24] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console",
	"clock", "local0", "local1", "local2", "local3", "local4", "local5",
	"local6", "local7",
};

/* ---- priority part ---- */

static void
test_every_comparison_every_severity(void **state)
{
	size_t c;
	int lev, sev, alias;

	(void)state;
	for (c = 0; c < sizeof(cmps) / sizeof(cmps[0]); c++) {
		for (lev = 0; lev < 8; lev++) {
			for (alias = 0; alias < 2; alias++) {
				char text[64];
				bool only[24] = { false };
				struct ref r;
				struct sel *s;

				snprintf(text, sizeof(text), "mail.%s%s", cmps[c],
				    alias ? levalias[lev] : levs[lev]);
				ref_init(&r);
				only[2] = true;
				ref_item(&r, only, cmps[c], lev);
				s = parse_ok(text);
				for (sev = 0; sev < 8; sev++) {
					bool want = ref_match(&r, 2, sev);

					if (match(s, 2, sev, NULL, NULL, NULL) != want)
						fail_msg("'%s' on mail severity %d: "
						    "want %d", text, sev, want);
					if (match(s, 0, sev, NULL, NULL, NULL) ||
					    match(s, 3, sev, NULL, NULL, NULL))
						fail_msg("'%s' matches another "
						    "facility", text);
				}
				sel_free(s);
			}
		}
	}
}

/* The reference could share a misreading with sel.c: spell some out. */
static void
test_comparisons_by_hand(void **state)
{
	(void)state;
	/* bit v = severity v; info = 6 */
	assert_int_equal(sevmask("mail.info", 2), 0x7f);	/* emerg..info */
	assert_int_equal(sevmask("mail.>=info", 2), 0x7f);
	assert_int_equal(sevmask("mail.>info", 2), 0x3f);	/* emerg..notice */
	assert_int_equal(sevmask("mail.=info", 2), 0x40);
	assert_int_equal(sevmask("mail.<info", 2), 0x80);	/* debug */
	assert_int_equal(sevmask("mail.<=info", 2), 0xc0);
	assert_int_equal(sevmask("mail.<>info", 2), 0xbf);
	assert_int_equal(sevmask("mail.!info", 2), 0x80);	/* !>= is < */
	assert_int_equal(sevmask("mail.!=info", 2), 0xbf);
	assert_int_equal(sevmask("mail.!<info", 2), 0x7f);
	assert_int_equal(sevmask("mail.!>info", 2), 0xc0);
	assert_int_equal(sevmask("mail.!<=>info", 2), 0x00);
	assert_int_equal(sevmask("mail.emerg", 2), 0x01);
	assert_int_equal(sevmask("mail.debug", 2), 0xff);
	assert_int_equal(sevmask("mail.<emerg", 2), 0xfe);
	assert_int_equal(sevmask("mail.>debug", 2), 0x7f);
	assert_int_equal(sevmask("mail.>emerg", 2), 0x00);
	assert_int_equal(sevmask("mail.err", 2), 0x0f);
	assert_int_equal(sevmask("mail.crit", 2), 0x07);
}

static void
test_star_and_none(void **state)
{
	int f;

	(void)state;
	assert_int_equal(sevmask("mail.*", 2), 0xff);
	assert_int_equal(sevmask("mail.none", 2), 0x00);
	assert_int_equal(sevmask("mail.NONE", 2), 0x00);
	assert_int_equal(sevmask("mail.*", 4), 0x00);
	for (f = 0; f < 24; f++) {
		assert_int_equal(sevmask("*.*", f), 0xff);
		assert_int_equal(sevmask("*.none", f), 0x00);
		assert_int_equal(sevmask("*.err", f), 0x0f);
	}
}

static void
test_later_items_override(void **state)
{
	int f;

	(void)state;
	for (f = 0; f < 24; f++) {
		assert_int_equal(sevmask("*.info;mail.none", f),
		    f == 2 ? 0x00 : 0x7f);
		assert_int_equal(sevmask("mail.none;*.info", f), 0x7f);
		assert_int_equal(sevmask("*.=crit;kern.!info", f),
		    f == 0 ? 0x80 : 0x04);
	}
	/* replace, not add (FreeBSD), nor subtract (sysklogd) */
	assert_int_equal(sevmask("mail.debug;mail.=err", 2), 0x08);
	assert_int_equal(sevmask("mail.info;mail.!err", 2), 0xf0);
	assert_int_equal(sevmask("mail.*;mail.!=info", 2), 0xbf);
	assert_int_equal(sevmask("mail.err;mail.*", 2), 0xff);
	assert_int_equal(sevmask("mail.err;mail.none;mail.=debug", 2), 0x80);
	/* items separated by blanks belong to the same priority part */
	assert_int_equal(sevmask("*.info mail.none", 2), 0x00);
	assert_int_equal(sevmask("*.info mail.none", 3), 0x7f);
}

static void
test_multiple_facilities(void **state)
{
	int f;

	(void)state;
	for (f = 0; f < 24; f++) {
		unsigned want = f == 4 || f == 10 ? 0x1f : 0;

		assert_int_equal(sevmask("auth,authpriv.>=warning;mail.none", f),
		    want);
		assert_int_equal(sevmask("auth,authpriv.warning", f), want);
		assert_int_equal(sevmask("mail,*.=debug", f), 0x80);
		assert_int_equal(sevmask("kern,mail,local7.err", f),
		    f == 0 || f == 2 || f == 23 ? 0x0f : 0);
	}
}

static void
test_every_facility_name(void **state)
{
	static const struct {
		const char	*name;
		int		 code;
	} alias[] = {
		{ "audit", 13 }, { "solaris-cron", 15 }, { "LOCAL0", 16 },
		{ "Local3", 19 }, { "KERN", 0 }, { "AuthPriv", 10 },
	};
	char text[64];
	size_t i;
	int f, g;

	(void)state;
	for (f = 0; f < 24; f++) {
		snprintf(text, sizeof(text), "%s.*", facs[f]);
		for (g = 0; g < 24; g++)
			assert_int_equal(sevmask(text, g), g == f ? 0xff : 0);
	}
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++) {
		snprintf(text, sizeof(text), "%s.=notice", alias[i].name);
		for (g = 0; g < 24; g++)
			assert_int_equal(sevmask(text, g),
			    g == alias[i].code ? 0x20 : 0);
	}
	/* local0..local7 are 16..23 */
	for (f = 0; f < 8; f++) {
		snprintf(text, sizeof(text), "local%d.err", f);
		assert_true(pmatch(text, 16 + f, 3));
		assert_false(pmatch(text, 16 + f, 4));
		assert_false(pmatch(text, 16 + (f + 1) % 8, 3));
	}
}

/* Deterministic xorshift so failures reproduce. */
static uint32_t rng = 2463534242u;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng % n;
}

static void
test_random_lists_against_reference(void **state)
{
	int round;

	(void)state;
	for (round = 0; round < 3000; round++) {
		char text[1024];
		size_t len = 0;
		struct ref r;
		struct sel *s;
		int items = 1 + (int)rnd(5), i, f, v;

		ref_init(&r);
		text[0] = '\0';
		for (i = 0; i < items; i++) {
			bool set[24] = { false };
			int nf = 1 + (int)rnd(3), j, lev = (int)rnd(10);
			const char *c = lev >= 8 ? "" :
			    cmps[rnd(sizeof(cmps) / sizeof(cmps[0]))];
			const char *sep = i == 0 ? "" : rnd(4) == 0 ? " " :
			    rnd(2) ? ";" : " ; ";

			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    "%s", sep);
			for (j = 0; j < nf; j++) {
				const char *name;

				f = (int)rnd(25);
				if (f == 24) {
					name = "*";
					for (v = 0; v < 24; v++)
						set[v] = true;
				} else {
					name = facs[f];
					set[f] = true;
				}
				len += (size_t)snprintf(text + len,
				    sizeof(text) - len, "%s%s", j ? "," : "",
				    name);
			}
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    ".%s%s", c, lev == 8 ? "*" : lev == 9 ? "none" :
			    rnd(2) ? levs[lev] : levalias[lev]);
			ref_item(&r, set, c, lev);
		}
		assert_true(len < sizeof(text));
		s = parse_ok(text);
		for (f = 0; f < 24; f++) {
			for (v = 0; v < 8; v++) {
				if (match(s, f, v, NULL, NULL, NULL) !=
				    ref_match(&r, f, v))
					fail_msg("'%s' facility %d severity %d: "
					    "want %d", text, f, v,
					    ref_match(&r, f, v));
			}
		}
		sel_free(s);
	}
}

static void
test_blanks_around_separators(void **state)
{
	int f;

	(void)state;
	for (f = 0; f < 24; f++) {
		unsigned want = sevmask("auth,authpriv.info;mail.none", f);

		assert_int_equal(sevmask("auth, authpriv.info ; mail.none", f),
		    want);
		assert_int_equal(sevmask(" \tauth ,authpriv.info;\tmail.none\n",
		    f), want);
		assert_int_equal(sevmask("auth,authpriv.info mail.none", f),
		    want);
	}
}

/* ---- lines without a priority ---- */

static void
test_lines_without_priority(void **state)
{
	static const struct {
		const char	*text;
		bool		 want;
	} t[] = {
		{ "mail.info", false },
		{ "*.err", false },
		{ "*.none", false },
		{ "*.*;mail.none", false },
		{ "*.*", true },
		{ "*.debug", true },
		{ "*.>=debug", true },
		{ "mail.none;*.*", true },
		{ "!sshd", true },
		{ "+web1", true },
		{ "!sshd +web1", true },
		{ "!sshd *.*", true },
		{ "!sshd *.info", false },
		{ "!cron", false },
		{ "!*", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sel *s = parse_ok(t[i].text);

		if (match(s, -1, -1, "sshd", "web1", "web1") != t[i].want)
			fail_msg("'%s' on a line without priority: want %d",
			    t[i].text, t[i].want);
		/* out-of-range values count as no priority */
		assert_int_equal(match(s, 24, 3, "sshd", "web1", NULL),
		    t[i].want);
		assert_int_equal(match(s, 2, 8, "sshd", "web1", NULL),
		    t[i].want);
		assert_int_equal(match(s, 2, -1, "sshd", "web1", NULL),
		    t[i].want);
		sel_free(s);
	}
}

static void
test_needs_priority(void **state)
{
	static const struct {
		const char	*text;
		bool		 want;
	} t[] = {
		{ "mail.info", true }, { "*.*", false }, { "!sshd", false },
		{ "+@ *.debug", false }, { "*.none", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sel *s = parse_ok(t[i].text);

		assert_int_equal(sel_needs_priority(s), t[i].want);
		sel_free(s);
	}
}

/* ---- program and host filters ---- */

static void
test_program_filter(void **state)
{
	struct sel *s;

	(void)state;
	s = parse_ok("!sshd");
	assert_true(match(s, 4, 6, "sshd", NULL, NULL));
	assert_false(match(s, 4, 6, "SSHD", NULL, NULL));	/* bytes */
	assert_false(match(s, 4, 6, "ssh", NULL, NULL));
	assert_false(match(s, 4, 6, "sshd2", NULL, NULL));
	assert_false(match(s, 4, 6, "", NULL, NULL));
	assert_false(match(s, 4, 6, NULL, NULL, NULL));
	sel_free(s);

	s = parse_ok("!sshd,cron");
	assert_true(match(s, 4, 6, "sshd", NULL, NULL));
	assert_true(match(s, 9, 6, "cron", NULL, NULL));
	assert_false(match(s, 9, 6, "anacron", NULL, NULL));
	sel_free(s);

	s = parse_ok("!-cron,anacron");
	assert_false(match(s, 9, 6, "cron", NULL, NULL));
	assert_false(match(s, 9, 6, "anacron", NULL, NULL));
	assert_true(match(s, 9, 6, "CRON", NULL, NULL));
	assert_true(match(s, 4, 6, "sshd", NULL, NULL));
	assert_true(match(s, 4, 6, NULL, NULL, NULL));	/* unknown: not cron */
	sel_free(s);

	s = parse_ok("!*");
	assert_true(match(s, 4, 6, "anything", NULL, NULL));
	assert_true(match(s, 4, 6, NULL, NULL, NULL));
	sel_free(s);

	/* "!*" clears; a new filter may follow */
	s = parse_ok("!sshd !* !cron");
	assert_false(match(s, 4, 6, "sshd", NULL, NULL));
	assert_true(match(s, 4, 6, "cron", NULL, NULL));
	sel_free(s);
	s = parse_ok("!sshd;!*");
	assert_true(match(s, 4, 6, "cron", NULL, NULL));
	sel_free(s);

	/* odd bytes are names like any other */
	s = parse_ok("!kernel-1.2,postfix/smtpd");
	assert_true(match(s, 2, 6, "postfix/smtpd", NULL, NULL));
	assert_true(match(s, 0, 6, "kernel-1.2", NULL, NULL));
	assert_false(match(s, 2, 6, "postfix", NULL, NULL));
	sel_free(s);
}

static void
test_host_filter(void **state)
{
	struct sel *s;

	(void)state;
	s = parse_ok("+web1,web2");
	assert_true(match(s, 1, 5, NULL, "web1", NULL));
	assert_true(match(s, 1, 5, NULL, "WEB2", NULL));	/* any case */
	assert_false(match(s, 1, 5, NULL, "web3", NULL));
	assert_false(match(s, 1, 5, NULL, "web1.example.com", NULL));
	assert_false(match(s, 1, 5, NULL, NULL, NULL));
	sel_free(s);

	s = parse_ok("-web1");
	assert_false(match(s, 1, 5, NULL, "Web1", NULL));
	assert_true(match(s, 1, 5, NULL, "web2", NULL));
	assert_true(match(s, 1, 5, NULL, NULL, NULL));
	sel_free(s);

	s = parse_ok("+@");
	assert_true(match(s, 1, 5, NULL, "gw", "gw"));
	assert_true(match(s, 1, 5, NULL, "GW", "gw"));
	assert_true(match(s, 1, 5, NULL, "gw", "gw.example.com"));
	assert_true(match(s, 1, 5, NULL, "gw.example.com", "gw.example.com"));
	assert_false(match(s, 1, 5, NULL, "gw.other.com", "gw.example.com"));
	assert_false(match(s, 1, 5, NULL, "gw2", "gw"));
	assert_false(match(s, 1, 5, NULL, "g", "gw"));
	assert_false(match(s, 1, 5, NULL, "gw", NULL));	/* no localhost */
	assert_false(match(s, 1, 5, NULL, "", ""));
	assert_false(match(s, 1, 5, NULL, NULL, "gw"));
	sel_free(s);

	s = parse_ok("-@");
	assert_false(match(s, 1, 5, NULL, "gw", "gw"));
	assert_true(match(s, 1, 5, NULL, "web1", "gw"));
	assert_true(match(s, 1, 5, NULL, NULL, "gw"));
	sel_free(s);

	s = parse_ok("+@,db");
	assert_true(match(s, 1, 5, NULL, "gw", "gw"));
	assert_true(match(s, 1, 5, NULL, "DB", "gw"));
	assert_false(match(s, 1, 5, NULL, "web1", "gw"));
	sel_free(s);

	s = parse_ok("+web1 +*");
	assert_true(match(s, 1, 5, NULL, "web9", "gw"));
	sel_free(s);
	s = parse_ok("-web1 -*");
	assert_true(match(s, 1, 5, NULL, "web1", "gw"));
	sel_free(s);
}

static void
test_combinations(void **state)
{
	struct sel *s;

	(void)state;
	/* all parts must match */
	s = parse_ok("*.err;!-kernel +@");
	assert_true(match(s, 3, 3, "named", "gw", "gw"));
	assert_false(match(s, 3, 4, "named", "gw", "gw"));	/* level */
	assert_false(match(s, 0, 2, "kernel", "gw", "gw"));	/* program */
	assert_false(match(s, 3, 2, "named", "web1", "gw"));	/* host */
	assert_false(match(s, -1, -1, "named", "gw", "gw"));	/* no pri */
	sel_free(s);

	s = parse_ok("!sshd mail.*");
	assert_true(match(s, 2, 7, "sshd", "h", NULL));
	assert_false(match(s, 4, 3, "sshd", "h", NULL));
	assert_false(match(s, 2, 3, "postfix", "h", NULL));
	sel_free(s);

	s = parse_ok("+web1 *.err");
	assert_true(match(s, 16, 0, "x", "web1", NULL));
	assert_false(match(s, 16, 5, "x", "web1", NULL));
	assert_false(match(s, 16, 0, "x", "web2", NULL));
	sel_free(s);

	/* order of the parts does not matter */
	s = parse_ok("-db1,db2 auth,authpriv.notice !sshd");
	assert_true(match(s, 10, 5, "sshd", "web1", NULL));
	assert_false(match(s, 10, 6, "sshd", "web1", NULL));
	assert_false(match(s, 10, 5, "sshd", "db2", NULL));
	assert_false(match(s, 10, 5, "su", "web1", NULL));
	sel_free(s);
}

static void
test_match_record(void **state)
{
	static const char line[] =
	    "<38>Nov 21 10:00:00 gw sshd[123]: Accepted publickey";
	static const char plain[] = "Nov 21 10:00:00 gw sshd[123]: hello";
	struct record r;
	struct sel *s;

	(void)state;
	record_parse(&r, line, strlen(line));
	assert_int_equal(r.facility, 4);
	assert_int_equal(r.severity, 6);
	s = parse_ok("auth.info !sshd +@");
	assert_true(sel_match_record(s, &r, "gw.example.com"));
	assert_false(sel_match_record(s, &r, "other"));
	record_parse(&r, plain, strlen(plain));
	assert_false(sel_match_record(s, &r, "gw"));	/* no priority */
	sel_free(s);
	s = parse_ok("!sshd +@");
	assert_true(sel_match_record(s, &r, "gw"));
	sel_free(s);
}

/* ---- errors ---- */

static void
test_error_messages(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;
	} t[] = {
		{ "", "empty selector" },
		{ " \t ", "empty selector" },
		{ "maill.info", "unknown facility 'maill' in 'maill.info' "
		    "(expected kern, user, mail," },
		{ "mail.warnig", "unknown level 'warnig' in 'mail.warnig' "
		    "(expected emerg, alert, crit, err, warning, notice, "
		    "info, debug, none or *)" },
		{ "mark.info", "unknown facility 'mark'" },
		{ "mail", "'mail' is not a selector item: expected "
		    "facility.level" },
		{ "mail.", "missing level in 'mail.'" },
		{ "mail.>=", "missing level in 'mail.>='" },
		{ ".info", "missing facility before '.' in '.info'" },
		{ "mail,.info", "empty facility name in 'mail,.info'" },
		{ ",mail.info", "empty facility name" },
		{ "mail.info.err", "more than one '.' in 'mail.info.err'" },
		{ "mail.info,kern.err", "',' after the level in "
		    "'mail.info,kern.err'" },
		{ "mail.info;;kern.err", "nothing between two ';'" },
		{ "mail.info;", "';' at the end" },
		{ ";mail.info", "';' at the start" },
		{ "mail.<<info", "repeated '<' in 'mail.<<info'" },
		{ "mail.==info", "repeated '='" },
		{ "mail.=!info", "misplaced '!' in 'mail.=!info'" },
		{ "mail.!!info", "misplaced '!'" },
		{ "mail.!none", "'none' takes no comparison in 'mail.!none' "
		    "(write 'mail.none')" },
		{ "mail.>*", "'*' takes no comparison" },
		{ "mail.=", "missing level" },
		{ "!", "empty program list in '!'" },
		{ "!-", "empty program list in '!-'" },
		{ "! sshd", "empty program list in '!'" },
		{ "!sshd,,cron", "empty name in program list '!sshd,,cron'" },
		{ "!sshd,", "empty name in program list" },
		{ "!-*", "'*' in program list '!-*' must stand alone" },
		{ "!sshd,*", "must stand alone: '!*' clears" },
		{ "!@", "'@' in program list" },
		{ "+", "empty host list in '+'" },
		{ "-", "empty host list in '-'" },
		{ "+web1,*", "'*' in host list '+web1,*' must stand alone" },
		{ "+,web1", "empty name in host list" },
		{ "!sshd !cron", "second program filter '!cron' after '!sshd'" },
		{ "+web1 -web2", "second host filter '-web2' after '+web1'" },
		{ "*.info extra", "'extra' is not a selector item" },
		{ "@", "'@' is not a selector item" },
		{ "mail.info !sshd;;", "nothing between two ';'" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_error(t[i].text, t[i].want);
}

static void
test_caps(void **state)
{
	char *text;
	size_t i, len;

	(void)state;
	/* a name of exactly SEL_MAXNAME bytes is fine, one more is not */
	text = malloc(SEL_MAXNAME + 3);
	assert_non_null(text);
	text[0] = '!';
	memset(text + 1, 'a', SEL_MAXNAME + 1);
	text[SEL_MAXNAME + 1] = '\0';
	sel_free(parse_ok(text));
	text[SEL_MAXNAME + 1] = 'a';
	text[SEL_MAXNAME + 2] = '\0';
	expect_error(text, "longer than 255 bytes");
	free(text);

	/* SEL_MAXNAMES names, then one more */
	len = 1 + (SEL_MAXNAMES + 1) * 5;
	text = malloc(len + 1);
	assert_non_null(text);
	text[0] = '+';
	for (i = 0; i < SEL_MAXNAMES; i++)
		snprintf(text + 1 + i * 5, 6, "h%03zu,", i);
	text[SEL_MAXNAMES * 5] = '\0';	/* drop the last ',' */
	sel_free(parse_ok(text));
	text[SEL_MAXNAMES * 5] = ',';
	snprintf(text + 1 + SEL_MAXNAMES * 5, 5, "hxyz");
	expect_error(text, "more than 256 names in host list");
	free(text);

	text = malloc(SEL_MAXTEXT + 2);
	assert_non_null(text);
	memset(text, ' ', SEL_MAXTEXT + 1);
	text[SEL_MAXTEXT + 1] = '\0';
	expect_error(text, "selector longer than 8192 bytes");
	free(text);
}

static void
test_error_buffer_edge_cases(void **state)
{
	char small[8];

	(void)state;
	assert_null(sel_parse("maill.info", NULL, 0));
	memset(small, 'x', sizeof(small));
	assert_null(sel_parse("maill.info", small, sizeof(small)));
	assert_string_equal(small, "unknown");
	sel_free(NULL);
}

/* ---- describe ---- */

static void
test_describe(void **state)
{
	struct sel *s;
	struct buf b;

	(void)state;
	expect_describe("*.info;mail.none",
	    "priority: any facility but mail at info or more severe "
	    "(lines without a priority do not match)");
	expect_describe("auth,authpriv.>=warning;mail.none",
	    "priority: auth, authpriv at warning or more severe "
	    "(lines without a priority do not match)");
	expect_describe("*.=crit;kern.!info",
	    "priority: kern at debug only, or any facility but kern at "
	    "crit only (lines without a priority do not match)");
	expect_describe("mail.<info", "priority: mail at debug only "
	    "(lines without a priority do not match)");
	expect_describe("mail.!=info", "priority: mail at any level but info "
	    "(lines without a priority do not match)");
	expect_describe("mail.!err", "priority: mail at warning or less "
	    "severe (lines without a priority do not match)");
	expect_describe("mail.<>info", "priority: mail at any level but info "
	    "(lines without a priority do not match)");
	expect_describe("mail.crit;mail.<>info;mail.err;mail,news.*;"
	    "news.<=notice",
	    "priority: mail at any level, or news at notice or less severe "
	    "(lines without a priority do not match)");
	expect_describe("*.*", "priority: any (lines without a priority too)");
	expect_describe("*.none", "priority: none (no line matches)");
	expect_describe("*.err;!-kernel +@",
	    "priority: any facility at err or more severe (lines without a "
	    "priority do not match); program: any but kernel; host: this "
	    "host (@)");
	expect_describe("!sshd,cron -web1,@",
	    "program: sshd, cron; host: any but web1, this host (@)");
	expect_describe("!*", "any line");
	expect_describe("!sshd +web1 !* +*", "any line");

	/* a buffer too small is freed and reported once */
	s = parse_ok("*.err;!-kernel +@");
	buf_init(&b, 20);
	assert_int_equal(sel_describe(s, &b), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	/* appends after existing content */
	buf_init(&b, 4096);
	assert_int_equal(buf_addstr(&b, "select "), 0);
	assert_int_equal(sel_describe(s, &b), 0);
	assert_true(strncmp(buf_str(&b), "select priority: ", 17) == 0);
	buf_free(&b);
	sel_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_comparison_every_severity),
		cmocka_unit_test(test_comparisons_by_hand),
		cmocka_unit_test(test_star_and_none),
		cmocka_unit_test(test_later_items_override),
		cmocka_unit_test(test_multiple_facilities),
		cmocka_unit_test(test_every_facility_name),
		cmocka_unit_test(test_random_lists_against_reference),
		cmocka_unit_test(test_blanks_around_separators),
		cmocka_unit_test(test_lines_without_priority),
		cmocka_unit_test(test_needs_priority),
		cmocka_unit_test(test_program_filter),
		cmocka_unit_test(test_host_filter),
		cmocka_unit_test(test_combinations),
		cmocka_unit_test(test_match_record),
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_error_buffer_edge_cases),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
