/*
 * lcdb_scan — the Hyperscan side of a logcheck rule tree (conf/lcdb): its
 * rules split into three databases (whole lines; tails after the stamp and
 * host, blind to digits so a tail's shape can stand for it; the exact form
 * of the tails that were widened) and the rules left to PCRE2.
 */
#include "conf/lcdb.h"

#include <stdlib.h>
#include <string.h>

#include "conf/ere.h"
#include "lib/log.h"
#include "lib/xmem.h"

/*
 * Almost every shipped rule starts with one of three texts that match the
 * stamp and the host, e.g. ^(\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32})
 * [._[:alnum:]-]+ followed by a blank.  Where that prefix matches, it
 * ends at one place (after the host and its blank), so such a rule
 * matches exactly when its tail matches there.  The tails, anchored, form
 * a second database scanned from that place: a few literal program names
 * instead of 1,500 copies of the stamp pattern.
 */
static const char *const stamp_prefix[] = {
	"^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ ",
	"^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ ",
	"^([[:alpha:]]{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ ",
	"^\\w{3} [ :[:digit:]]{11} [._[:alnum:]-]+ ",	/* BSD stamps only */
};

/* The prefix variant (1..LCDB_NVARIANTS) a rule starts with, when what
 * follows can be matched on its own: no top-level '|', no leading
 * quantifier (it would repeat the blank).  A backreference may point into
 * the prefix: *superset says the tail has one (the tail is then matched
 * with ".*" in its place, a superset that PCRE2 confirms). */
static int
rule_variant(const char *src, bool *superset)
{
	size_t i, n, len, depth = 0;
	int v;

	*superset = false;
	for (v = 0; v < LCDB_NVARIANTS; v++) {
		n = strlen(stamp_prefix[v]);
		if (strncmp(src, stamp_prefix[v], n) == 0)
			break;
	}
	if (v == LCDB_NVARIANTS)
		return 0;
	src += n;
	len = strlen(src);
	if (len == 0 || strchr("*+?{", src[0]) != NULL)
		return 0;
	for (i = 0; i < len; i++) {
		if (src[i] == '\\') {
			i++;
		} else if (src[i] == '[') {
			i++;
			if (i < len && src[i] == '^')
				i++;
			if (i < len && src[i] == ']')
				i++;
			while (i < len && src[i] != ']') {
				if (src[i] == '[' && i + 1 < len &&
				    strchr(":.=", src[i + 1]) != NULL) {
					const char *close;
					char end[3] = { src[i + 1], ']', '\0' };

					close = strstr(src + i + 2, end);
					if (close == NULL)
						return 0;
					i = (size_t)(close - src) + 2;
					continue;
				}
				i++;
			}
		} else if (src[i] == '(') {
			depth++;
		} else if (src[i] == ')') {
			if (depth == 0)
				return 0;
			depth--;
		} else if (src[i] == '|' && depth == 0)
			return 0;
	}
	*superset = ere_has_backref(src, len) != 0;
	return v + 1;
}

/* The databases of lcdb_scan_build, and where a rule's forms go. */
enum { DB_WHOLE, DB_MULTI, DB_REST, DB_EXACT, NDB };

enum rule_kind { WHOLE, TAIL, SUPERSET };

/* src translated for target with flags (after '^' for a tail) in *out,
 * owned, its properties in *props (may be NULL).  Returns 0, or -1 when
 * the translator refuses it. */
static int
form(struct buf *one, const char *src, enum rule_kind kind,
    enum ere_target target, int flags, int *props, char **out)
{
	char err[256];

	buf_reset(one);
	if (kind != WHOLE)
		buf_addc(one, '^');
	if (ere_translate_ex(one, src, strlen(src), target, flags, props, err,
	    sizeof(err)) != 0)
		return -1;
	*out = buf_steal(one);
	return 0;
}

/*
 * A rule's Hyperscan forms, in pat[DB_*] (all NULL: PCRE2 decides on
 * every line), and *confirm:
 *   a whole-line rule that cannot match the empty string goes to DB_MULTI
 *   (scanned a block of lines at a time; ERE_MULTILINE keeps its sets
 *   from taking the newline between lines), any other to DB_WHOLE;
 *   a tail (anchored after the stamp and host) goes to DB_REST, which
 *   every line's tail shape stands for (shapememo): a tail that tells
 *   digits apart goes there widened (ERE_WIDEN) and as it is to DB_EXACT
 *   (*confirm 1: DB_EXACT decides where DB_REST matched); a tail with a
 *   backreference (SUPERSET) goes there with ".*" for it (*confirm 2:
 *   PCRE2 decides where DB_REST matched).
 * When Hyperscan cannot take the translation (e.g. \<), the PCRE2 form is
 * used as a prefilter that PCRE2 confirms.
 */
static void
translate(struct buf *one, const char *src, enum rule_kind kind,
    char *pat[NDB], uint8_t *confirm)
{
	int props = 0, wide = ERE_WIDEN;
	char *p = NULL;

	memset(pat, 0, NDB * sizeof(*pat));
	*confirm = 0;
	if (kind == SUPERSET) {
		wide |= ERE_NOBACKREF;
		if (form(one, src, kind, ERE_HYPERSCAN, wide, NULL,
		    &pat[DB_REST]) == 0 || form(one, src, kind, ERE_PCRE2, wide,
		    NULL, &pat[DB_REST]) == 0)
			*confirm = 2;
		return;
	}
	if (form(one, src, kind, ERE_HYPERSCAN, 0, &props, &p) == 0) {
		if (kind == WHOLE) {
			if ((props & ERE_EMPTY) == 0 &&
			    form(one, src, kind, ERE_HYPERSCAN, ERE_MULTILINE,
			    NULL, &pat[DB_MULTI]) == 0)
				free(p);
			else
				pat[DB_WHOLE] = p;
		} else if (!(props & ERE_BOUND))
			pat[DB_REST] = p;
		else if (form(one, src, kind, ERE_HYPERSCAN, wide, NULL,
		    &pat[DB_REST]) == 0) {
			pat[DB_EXACT] = p;
			*confirm = 1;
		} else
			free(p);
		return;
	}
	/* the PCRE2 form as a prefilter; a tail that tells digits apart
	 * widened too, the prefilter's hits PCRE2's to confirm */
	if (form(one, src, kind, ERE_PCRE2, 0, &props, &p) != 0)
		return;
	if (kind == WHOLE)
		pat[DB_WHOLE] = p;
	else if (!(props & ERE_BOUND))
		pat[DB_REST] = p;
	else {
		free(p);
		if (form(one, src, kind, ERE_PCRE2, wide, NULL,
		    &pat[DB_REST]) == 0)
			*confirm = 2;
	}
}

/* The mode of rule id in the database it went to. */
static enum scan_mode
id_mode(const struct lcdb *db, size_t id)
{
	if (db->id_variant[id])
		return (enum scan_mode)db->rest.mode[id];
	if (db->multi.mode[id] != SCAN_ABSENT)
		return (enum scan_mode)db->multi.mode[id];
	return (enum scan_mode)db->scan.mode[id];
}

int
lcdb_scan_build(struct lcdb *db, const char *cachedir)
{
	size_t n = 0, id = 0, g = 0, i, j, d;
	const char **pats[NDB];
	unsigned *flags[NDB];
	struct scan *dbs[NDB] = { &db->scan, &db->multi, &db->rest, &db->exact };
	char **owned, err[512];
	struct buf one;
	int k;
	bool ok = true;

	for (k = 0; k < 5; k++) {
		const struct lc_layer *l = lcdb_layer(db, k);

		for (i = 0; i < l->nfiles; i++)
			n += l->files[i].nrules;
		db->nfiles_all += l->nfiles;
	}
	if (db->nfiles_all > UINT16_MAX) {
		lcdb_use_pcre2(db);
		return -1;
	}
	for (d = 0; d < NDB; d++) {
		pats[d] = xcalloc(n ? n : 1, sizeof(*pats[d]));
		flags[d] = xcalloc(n ? n : 1, sizeof(*flags[d]));
	}
	owned = xcalloc(n ? n * NDB : 1, sizeof(*owned));
	db->id_confirm = xcalloc(n ? n : 1, 1);
	db->id_file = xcalloc(n ? n : 1, sizeof(*db->id_file));
	db->id_variant = xcalloc(n ? n : 1, 1);
	db->id_re = xcalloc(n ? n : 1, sizeof(*db->id_re));
	db->file_hit = xcalloc(db->nfiles_all ? db->nfiles_all : 1, 1);
	db->file_layer = xcalloc(db->nfiles_all ? db->nfiles_all : 1, 1);
	buf_init(&one, SIZE_MAX / 4);
	for (k = 0; k < 5; k++) {
		struct lc_layer *l = (struct lc_layer *)lcdb_layer(db, k);

		for (i = 0; i < l->nfiles; i++, g++) {
			struct lc_file *f = &l->files[i];

			f->gidx = g;
			db->file_layer[g] = (uint8_t)k;
			for (j = 0; j < f->nrules; j++, id++) {
				const struct lc_rule *r = &f->rules[j];
				bool superset;
				int v = rule_variant(r->src, &superset);
				const char *src = r->src;
				char **pat = &owned[id * NDB];

				db->id_file[id] = (uint16_t)g;
				if (v > 0)
					src += strlen(stamp_prefix[v - 1]);
				translate(&one, src, v == 0 ? WHOLE : superset ?
				    SUPERSET : TAIL, pat, &db->id_confirm[id]);
				db->id_variant[id] = (uint8_t)v;
				for (d = 0; d < NDB; d++) {
					/* 0x2 HS_FLAG_DOTALL, 0x4 MULTILINE */
					flags[d][id] = d == DB_MULTI ?
					    0x4 | SCAN_MANY : 0x2;
					pats[d][id] = pat[d];
					if (pat[d] == NULL && (d != DB_WHOLE ||
					    v > 0 || pat[DB_MULTI] != NULL) &&
					    (d != DB_REST || v == 0))
						flags[d][id] |= SCAN_SKIP;
				}
			}
		}
	}
	buf_free(&one);
	for (d = 0; d < NDB && ok; d++)
		ok = scan_build(dbs[d], pats[d], flags[d], n, cachedir, err,
		    sizeof(err)) == 0;
	if (!ok) {
		log_warnx("%s: %s; using PCRE2 alone", db->dir, err);
		for (d = 0; d < NDB; d++)
			scan_free(dbs[d]);
	} else {
		for (id = 0; id < n; id++) {
			/* a widened rule is decided by Hyperscan when both
			 * forms are exact there, else by PCRE2: where the
			 * widened form matched (a prefilter), or on every
			 * line */
			if (db->id_confirm[id] == 1 &&
			    (db->rest.mode[id] != SCAN_EXACT ||
			    db->exact.mode[id] != SCAN_EXACT)) {
				db->id_confirm[id] = 0;
				db->rest.mode[id] = SCAN_ALWAYS;
			} else if (db->id_confirm[id] == 2) {
				db->id_confirm[id] = 0;
				if (db->rest.mode[id] == SCAN_EXACT)
					db->rest.mode[id] = SCAN_PREFILTER;
			}
			/* the block database reports exact matches only */
			if (db->multi.mode[id] != SCAN_ABSENT &&
			    db->multi.mode[id] != SCAN_EXACT)
				db->multi.mode[id] = SCAN_ALWAYS;
		}
		/* the rules Hyperscan cannot decide alone get PCRE2 */
		id = 0;
		for (k = 0; k < 5; k++) {
			const struct lc_layer *l = lcdb_layer(db, k);

			for (i = 0; i < l->nfiles; i++) {
				for (j = 0; j < l->files[i].nrules; j++, id++) {
					const struct lc_rule *r = &l->files[i].rules[j];

					if (id_mode(db, id) == SCAN_EXACT)
						continue;
					lcdb_one_regex(&db->id_re[id], r->src);
					db->slow = xreallocarray(db->slow,
					    db->nslow + 1, sizeof(*db->slow));
					db->slow[db->nslow++] = (uint32_t)id;
				}
			}
		}
		db->use_scan = true;
	}
	for (i = 0; i < n * NDB; i++)
		free(owned[i]);
	free(owned);
	for (d = 0; d < NDB; d++) {
		free(pats[d]);
		free(flags[d]);
	}
	if (!db->use_scan)
		lcdb_use_pcre2(db);
	return db->use_scan ? 0 : -1;
}
