/*
 * lcdb_scan — the Hyperscan side of a logcheck rule tree (conf/lcdb): its
 * rules split into three databases (whole lines; tails after the stamp and
 * host, blind to digits so a tail's shape can stand for it; the exact form
 * of the tails that were widened), the rules left to PCRE2, and the
 * per-thread copies of the classifier.
 */
#include "conf/lcdb.h"

#include <stdlib.h>
#include <string.h>

#include "conf/ere.h"
#include "lib/log.h"
#include "lib/xmem.h"

static const struct lc_layer *
layer_at(const struct lcdb *db, int k)
{
	const struct lc_layer *layers[5] = { &db->cracking, &db->cign,
	    &db->violations, &db->vign, &db->ignore };

	return layers[k];
}

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

/* The prefix variant (1..3) a rule starts with, when what follows can be
 * matched on its own: no top-level '|', no leading quantifier (it would
 * repeat the blank), no backreference (it would point into the prefix). */
static int
rule_variant(const char *src)
{
	size_t i, n, len, depth = 0;
	int v;

	for (v = 0; v < LCDB_NVARIANTS; v++) {
		n = strlen(stamp_prefix[v]);
		if (strncmp(src, stamp_prefix[v], n) == 0)
			break;
	}
	if (v == LCDB_NVARIANTS)
		return 0;
	src += n;
	len = strlen(src);
	if (len == 0 || strchr("*+?{", src[0]) != NULL ||
	    ere_has_backref(src, len))
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
	return v + 1;
}

/*
 * A rule's Hyperscan form(s) in *pat (NULL: PCRE2 decides on every line)
 * and, for a tail (anchored after the stamp and host) that tells digits
 * apart, its exact form in *exact while *pat takes every digit where it
 * takes one (ERE_WIDEN).  Every tail in *pat is then blind to digits, so
 * the tails' database can be scanned on a tail's shape (shapememo).
 * When Hyperscan cannot take the translation (a backreference), the PCRE2
 * form becomes a prefilter that PCRE2 confirms.
 */
static void
translate(struct buf *one, const char *src, bool tail, char **pat,
    char **exact, uint8_t *confirm)
{
	size_t len = strlen(src);
	char err[256];
	int bound = 0;

	*pat = *exact = NULL;
	*confirm = 0;
	buf_reset(one);
	if (tail)
		buf_addc(one, '^');
	if (ere_translate_ex(one, src, len, ERE_HYPERSCAN, 0, &bound, err,
	    sizeof(err)) == 0) {
		*pat = buf_steal(one);
		if (!tail || !bound)
			return;
		*exact = *pat;
		*confirm = 1;
		buf_addc(one, '^');
		*pat = ere_translate_ex(one, src, len, ERE_HYPERSCAN, ERE_WIDEN,
		    NULL, err, sizeof(err)) == 0 ? buf_steal(one) : NULL;
		if (*pat == NULL) {
			free(*exact);
			*exact = NULL;
			*confirm = 0;
		}
		return;
	}
	/* a tail that tells digits apart is widened here too: the
	 * prefilter's hits are then PCRE2's to confirm (*confirm 2) */
	buf_reset(one);
	if (tail)
		buf_addc(one, '^');
	if (ere_translate_ex(one, src, len, ERE_PCRE2, 0, &bound, err,
	    sizeof(err)) != 0)
		return;
	if (tail && bound) {
		buf_reset(one);
		buf_addc(one, '^');
		if (ere_translate_ex(one, src, len, ERE_PCRE2, ERE_WIDEN, NULL,
		    err, sizeof(err)) != 0)
			return;
		*confirm = 2;
	}
	*pat = buf_steal(one);
}

int
lcdb_use_scan(struct lcdb *db, const char *cachedir)
{
	size_t n = 0, id = 0, g = 0, i, j;
	const char **pats, **rpats, **xpats;
	unsigned *flags, *rflags, *xflags;
	char **owned, **xowned, err[512];
	struct buf one;
	int k;
	bool ok;

	for (k = 0; k < 5; k++) {
		const struct lc_layer *l = layer_at(db, k);

		for (i = 0; i < l->nfiles; i++)
			n += l->files[i].nrules;
		db->nfiles_all += l->nfiles;
	}
	if (db->nfiles_all > UINT16_MAX) {
		lcdb_use_pcre2(db);
		return -1;
	}
	pats = xcalloc(n ? n : 1, sizeof(*pats));
	rpats = xcalloc(n ? n : 1, sizeof(*rpats));
	xpats = xcalloc(n ? n : 1, sizeof(*xpats));
	owned = xcalloc(n ? n : 1, sizeof(*owned));
	xowned = xcalloc(n ? n : 1, sizeof(*xowned));
	flags = xcalloc(n ? n : 1, sizeof(*flags));
	rflags = xcalloc(n ? n : 1, sizeof(*rflags));
	xflags = xcalloc(n ? n : 1, sizeof(*xflags));
	db->id_confirm = xcalloc(n ? n : 1, 1);
	db->id_file = xcalloc(n ? n : 1, sizeof(*db->id_file));
	db->id_variant = xcalloc(n ? n : 1, 1);
	db->id_re = xcalloc(n ? n : 1, sizeof(*db->id_re));
	db->file_hit = xcalloc(db->nfiles_all ? db->nfiles_all : 1, 1);
	db->file_layer = xcalloc(db->nfiles_all ? db->nfiles_all : 1, 1);
	buf_init(&one, SIZE_MAX / 4);
	for (k = 0; k < 5; k++) {
		struct lc_layer *l = (struct lc_layer *)layer_at(db, k);

		for (i = 0; i < l->nfiles; i++, g++) {
			struct lc_file *f = &l->files[i];

			f->gidx = g;
			db->file_layer[g] = (uint8_t)k;
			for (j = 0; j < f->nrules; j++, id++) {
				const struct lc_rule *r = &f->rules[j];
				int v = rule_variant(r->src);
				const char *src = r->src;

				db->id_file[id] = (uint16_t)g;
				flags[id] = rflags[id] = xflags[id] = 0x2;
				/* 0x2: HS_FLAG_DOTALL */
				if (v > 0)
					src += strlen(stamp_prefix[v - 1]);
				translate(&one, src, v > 0, &owned[id],
				    &xowned[id], &db->id_confirm[id]);
				db->id_variant[id] = (uint8_t)v;
				xpats[id] = xowned[id];
				if (xpats[id] == NULL)
					xflags[id] |= SCAN_SKIP;
				if (v > 0) {
					rpats[id] = owned[id];
					flags[id] |= SCAN_SKIP;
				} else {
					pats[id] = owned[id];
					rflags[id] |= SCAN_SKIP;
				}
			}
		}
	}
	buf_free(&one);
	ok = scan_build(&db->scan, pats, flags, n, cachedir, err,
	    sizeof(err)) == 0 && scan_build(&db->rest, rpats, rflags, n, cachedir,
	    err, sizeof(err)) == 0 && scan_build(&db->exact, xpats, xflags, n,
	    cachedir, err, sizeof(err)) == 0;
	if (!ok) {
		log_warnx("%s: %s; using PCRE2 alone", db->dir, err);
		scan_free(&db->scan);
		scan_free(&db->rest);
		scan_free(&db->exact);
	} else {
		/* a widened rule is decided by Hyperscan when both forms
		 * are exact there, else by PCRE2: where the widened form
		 * matched (a prefilter), or on every line */
		for (id = 0; id < n; id++) {
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
		}
		/* the rules Hyperscan cannot decide alone get PCRE2 */
		id = 0;
		for (k = 0; k < 5; k++) {
			const struct lc_layer *l = layer_at(db, k);

			for (i = 0; i < l->nfiles; i++) {
				for (j = 0; j < l->files[i].nrules; j++, id++) {
					const struct lc_rule *r = &l->files[i].rules[j];
					const struct scan *sc = db->id_variant[id] ?
					    &db->rest : &db->scan;

					if (sc->mode[id] == SCAN_EXACT)
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
	for (i = 0; i < n; i++) {
		free(owned[i]);
		free(xowned[i]);
	}
	free(owned);
	free(xowned);
	free(pats);
	free(rpats);
	free(xpats);
	free(flags);
	free(rflags);
	free(xflags);
	if (!db->use_scan)
		lcdb_use_pcre2(db);
	return db->use_scan ? 0 : -1;
}

void
lcdb_use_pcre2(struct lcdb *db)
{
	size_t i, j;
	int k;

	for (k = 0; k < 5; k++) {
		const struct lc_layer *l = layer_at(db, k);

		for (i = 0; i < l->nfiles; i++) {
			for (j = 0; j < l->files[i].nchunks; j++)
				match_jit(&l->files[i].chunks[j]);
		}
	}
}

int
lcdb_fork(const struct lcdb *db, struct lcdb *w)
{
	*w = *db;
	w->limit_errors = 0;
	w->prepared = false;
	memset(w->layer_hit, 0, sizeof(w->layer_hit));
	w->scratch = xcalloc(1, sizeof(*w->scratch));
	lcdb_line_init(db, w->scratch);
	w->file_hit = xcalloc(db->nfiles_all ? db->nfiles_all : 1, 1);
	memset(&w->scan, 0, sizeof(w->scan));
	memset(&w->rest, 0, sizeof(w->rest));
	memset(&w->exact, 0, sizeof(w->exact));
	memo_init(&w->memo);
	if (db->use_scan && (scan_fork(&db->scan, &w->scan) == -1 ||
	    scan_fork(&db->rest, &w->rest) == -1 ||
	    scan_fork(&db->exact, &w->exact) == -1)) {
		lcdb_fork_free(w);
		return -1;
	}
	return 0;
}

void
lcdb_fork_free(struct lcdb *w)
{
	if (w->scratch != NULL) {
		lcdb_line_free(w->scratch);
		free(w->scratch);
	}
	free(w->file_hit);
	if (w->scan.hit != NULL)
		scan_fork_free(&w->scan);
	if (w->rest.hit != NULL)
		scan_fork_free(&w->rest);
	if (w->exact.hit != NULL)
		scan_fork_free(&w->exact);
	memo_free(&w->memo);
	memset(w, 0, sizeof(*w));
}
