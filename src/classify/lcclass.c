/*
 * lcclass — the classification of lines by a logcheck rule tree (conf/lcdb):
 * which rule files match a line (Hyperscan pass or PCRE2), and
 * logcheck's verdict for one line or for the lines of a run.
 *
 * The classification follows logcheck 1.4.2's greplogoutput exactly; the
 * comments name the step of the shell script each test stands for.
 */
#include "classify/lcclass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmem.h"

static bool
test(struct lcdb *db, const struct regex *re, const char *s, size_t len)
{
	enum match_result r = match_test(re, s, len, NULL);

	if (r == MATCH_ERROR) {
		/* neither matcher could decide: count it, and treat the rule
		 * as matching, so a finding is never lost silently */
		db->limit_errors++;
		return true;
	}
	return r == MATCH_YES;
}

/* Where the stamp and host prefix ends in s, or 0 if it does not match;
 * ok[v] says which variants match (1..LCDB_NVARIANTS).  The prefixes are
 * the texts of stamp_prefix in conf/lcdb.c, matched here by hand. */
static size_t
stamp_end(const char *s, size_t len, bool ok[LCDB_NVARIANTS + 1])
{
	size_t i, end = 0;
	bool w = len >= 15, alpha;

	ok[1] = ok[2] = ok[3] = ok[4] = false;
	for (i = 0; w && i < 3; i++)
		w = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_';
	alpha = w;
	for (i = 0; alpha && i < 3; i++)
		alpha = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z');
	if (w && s[3] == ' ') {
		for (i = 4; i < 15 && (s[i] == ' ' || s[i] == ':' ||
		    (s[i] >= '0' && s[i] <= '9')); i++)
			;
		if (i == 15)
			end = 15;
	}
	if (end == 0 && len >= 32) {
		for (i = 0; i < 32 && ((s[i] >= '0' && s[i] <= '9') || s[i] == 'T' ||
		    s[i] == ':' || s[i] == '.' || s[i] == '+' || s[i] == '-'); i++)
			;
		if (i == 32) {
			end = 32;
			w = alpha = true;	/* the second alternative */
		}
	}
	if (end == 0 || end >= len || s[end] != ' ')
		return 0;
	for (i = end + 1; i < len && ((s[i] >= 'a' && s[i] <= 'z') ||
	    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
	    s[i] == '.' || s[i] == '_' || s[i] == '-'); i++)
		;
	if (i == end + 1 || i >= len || s[i] != ' ')
		return 0;
	ok[1] = ok[2] = w;
	ok[3] = alpha || end == 32;
	ok[4] = end == 15;	/* w holds there */
	return i + 1;
}

static void
hit_file(struct lcdb *db, uint32_t id)
{
	db->file_hit[db->id_file[id]] = 1;
	db->layer_hit[db->file_layer[db->id_file[id]]] = true;
}

/* A line's matches of the whole-line rules scanned by blocks (db->multi):
 * p[0..n); out: the line was not in the block (PCRE2 decides it). */
struct mline {
	const struct scan_pair *p;
	size_t		 n;
	bool		 out;
};

/* Scans the tail t[0..len) (the line after its stamp and host) with the
 * tails' database, or finds what a scan of its shape reported before:
 * every rule there is blind to digits (conf/lcdb_scan.c translate). */
static int
scan_tail(struct lcdb *db, const char *t, size_t len)
{
	const uint32_t *ids;
	const char *key;
	size_t n, keylen;

	switch (shapememo_get(&db->memo, t, len, &ids, &n, &key, &keylen)) {
	case MEMO_HIT:
		scan_set(&db->rest, ids, n);
		return 0;
	case MEMO_MISS:
		if (scan_line(&db->rest, key, keylen) == -1)
			return -1;
		shapememo_put(&db->memo, db->rest.touched, db->rest.ntouched);
		return 0;
	case MEMO_SKIP:
		break;
	}
	return scan_line(&db->rest, t, len);
}

/* Scans s once (twice: the whole line, and after its stamp and host) and
 * records which files match (file_hit).  Returns false when Hyperscan
 * failed on this line (PCRE2 decides then). */
static bool
prepare(struct lcdb *db, const char *s, size_t len, const struct mline *m)
{
	size_t t, k;
	bool vok[LCDB_NVARIANTS + 1], confirm = false;

	if (m->out)
		return false;
	memset(db->file_hit, 0, db->nfiles_all);
	memset(db->layer_hit, 0, sizeof(db->layer_hit));
	k = stamp_end(s, len, vok);
	vok[0] = true;
	if (scan_line(&db->scan, s, len) == -1)
		return false;
	for (t = 0; t < m->n; t++) {
		uint32_t id = m->p[t].id;

		if (db->multi.mode[id] == SCAN_EXACT)
			hit_file(db, id);
	}
	if (k == 0)
		scan_set(&db->rest, NULL, 0);
	else if (scan_tail(db, s + k, len - k) == -1)
		return false;
	for (t = 0; t < db->scan.ntouched; t++) {
		uint32_t id = db->scan.touched[t];

		if (db->scan.mode[id] == SCAN_EXACT)
			hit_file(db, id);
	}
	for (t = 0; k > 0 && t < db->rest.ntouched; t++) {
		uint32_t id = db->rest.touched[t];

		if (db->rest.mode[id] != SCAN_EXACT || !vok[db->id_variant[id]])
			continue;
		if (db->id_confirm[id])
			confirm = true;	/* widened: the exact form decides */
		else
			hit_file(db, id);
	}
	if (confirm && scan_line(&db->exact, s + k, len - k) == -1)
		return false;
	for (t = 0; confirm && t < db->exact.ntouched; t++) {
		uint32_t id = db->exact.touched[t];

		if (db->id_confirm[id] && vok[db->id_variant[id]])
			hit_file(db, id);
	}
	for (t = 0; t < db->nslow; t++) {
		uint32_t id = db->slow[t];
		const struct scan *sc = db->id_variant[id] ? &db->rest : &db->scan;

		if (db->file_hit[db->id_file[id]])
			continue;
		if (sc->mode[id] == SCAN_PREFILTER && (!sc->hit[id] ||
		    (db->id_variant[id] && (k == 0 || !vok[db->id_variant[id]]))))
			continue;
		if (db->id_re[id].code != NULL && test(db, &db->id_re[id], s, len))
			hit_file(db, id);
	}
	return true;
}

bool
lcclass_file_match(struct lcdb *db, const struct lc_file *f, const char *s,
    size_t len)
{
	size_t i;

	if (db->prepared)
		return db->file_hit[f->gidx] != 0;
	for (i = 0; i < f->nchunks; i++) {
		if (test(db, &f->chunks[i], s, len))
			return true;
	}
	for (i = 0; i < f->nalone; i++) {
		if (test(db, &f->alone[i], s, len))
			return true;
	}
	return false;
}

void
lcclass_file_rules(struct lcdb *db, struct lc_file *f, const char *s,
    size_t len, void (*fn)(const struct lc_rule *, void *), void *arg)
{
	size_t j;

	for (j = 0; j < f->nrules; j++) {
		struct lc_rule *r = &f->rules[j];

		if (r->re == NULL) {
			r->re = xcalloc(1, sizeof(*r->re));
			lcdb_one_regex(r->re, r->src);
		}
		if (r->re->code != NULL && test(db, r->re, s, len))
			fn(r, arg);
	}
}

static const struct lc_file *
find_file(const struct lc_layer *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->nfiles; i++) {
		if (strcmp(l->files[i].name, name) == 0)
			return &l->files[i];
	}
	return NULL;
}

static bool
match_named(struct lcdb *db, const struct lc_layer *l, const char *name,
    const char *s, size_t len)
{
	const struct lc_file *f = find_file(l, name);

	return f != NULL && lcclass_file_match(db, f, s, len);
}

static bool
match_any(struct lcdb *db, const struct lc_layer *l, const char *s, size_t len,
    bool (*pick)(const char *))
{
	size_t i;

	if (db->prepared && l->nfiles > 0) {
		/* nothing of the layer matched: no need to look further */
		if (!db->layer_hit[db->file_layer[l->files[0].gidx]])
			return false;
		if (pick == NULL)
			return true;
	}
	for (i = 0; i < l->nfiles; i++) {
		if ((pick == NULL || pick(l->files[i].name)) &&
		    lcclass_file_match(db, &l->files[i], s, len))
			return true;
	}
	return false;
}

/* bash [[ name =~ ^logcheck* ]]: starts with "logchec" */
static bool
not_logcheck_named(const char *name)
{
	return strncmp(name, "logchec", 7) != 0;
}

static bool
local_named(const char *name)
{
	return strcmp(name, "local") == 0 || strncmp(name, "local-", 6) == 0;
}

/* greplogoutput's filters for a line that matched raise file f of layer
 * raise, with ignore layer ign (NULL when not set).  true = cancelled.
 * The "ignore higher" filter (cracking, for violations once an alert
 * fired) is applied by lcclass_section. */
static bool
cancelled(struct lcdb *db, const struct lc_layer *raise, const struct lc_file *f,
    const struct lc_layer *ign, const char *s, size_t len)
{
	char name[512];

	if (ign != NULL) {
		/* $ignore/F and $ignore/logcheck-F */
		if (match_named(db, ign, f->name, s, len))
			return true;
		snprintf(name, sizeof(name), "logcheck-%s", f->name);
		if (match_named(db, ign, name, s, len))
			return true;
	}
	if (strcmp(f->name, "logcheck") == 0) {
		/* every ignore file, and every raise file not named logchec* */
		if (ign != NULL && match_any(db, ign, s, len, NULL))
			return true;
		if (match_any(db, raise, s, len, not_logcheck_named))
			return true;
	}
	/* $ignore/local and $ignore/local-* apply to every section */
	if (ign != NULL && match_any(db, ign, s, len, local_named))
		return true;
	return false;
}

/* false when the Hyperscan pass found no file of layer l: then no file of
 * it can match and its loop can be skipped */
static bool
layer_maybe(const struct lcdb *db, const struct lc_layer *l)
{
	return !db->prepared || l->nfiles == 0 ||
	    db->layer_hit[db->file_layer[l->files[0].gidx]];
}

/* Lines per block of scan_block, and its bytes (a longer line is a block
 * of its own). */
#define BLOCK_LINES	512
#define BLOCK_BYTES	(256 * 1024)

/* Scans lines[0..n) (at most BLOCK_LINES) with the whole-line rules of
 * db->multi in one block: a line with a '\n' in it (it would break the
 * block's lines apart) or too long stays out (blkout[i]: PCRE2 decides
 * it).  Returns false when Hyperscan failed (every line out). */
static bool
scan_lines(struct lcdb *db, const char *const *lines, const size_t *lens,
    size_t n)
{
	size_t i, len = 0;

	if (db->blkends == NULL) {
		db->blkends = xcalloc(BLOCK_LINES, sizeof(*db->blkends));
		db->blkout = xcalloc(BLOCK_LINES, 1);
	}
	for (i = 0; i < n; i++)
		len += lens[i] + 1;
	if (len > db->blkcap) {
		free(db->blk);
		db->blkcap = len > BLOCK_BYTES ? len : BLOCK_BYTES;
		db->blk = xmalloc(db->blkcap);
	}
	for (len = 0, i = 0; i < n; i++) {
		db->blkout[i] = lens[i] > UINT32_MAX / 4 ||
		    memchr(lines[i], '\n', lens[i]) != NULL;
		if (!db->blkout[i]) {
			memcpy(db->blk + len, lines[i], lens[i]);
			len += lens[i];
		}
		db->blkends[i] = (uint32_t)len;
		db->blk[len++] = '\n';
	}
	if (scan_block(&db->multi, db->blk, len - 1, db->blkends, n) == 0)
		return true;
	memset(db->blkout, 1, n);
	return false;
}

static void	classify(struct lcdb *, const char *, size_t, const struct mline *,
		    struct lc_line *);

void
lcclass_line(struct lcdb *db, const char *s, size_t len, struct lc_line *l)
{
	struct mline m = { NULL, 0, false };

	if (db->use_scan && db->multi.db != NULL) {
		scan_lines(db, &s, &len, 1);
		m.p = db->multi.pairs;
		m.n = db->multi.npairs;
		m.out = db->blkout[0];
	}
	classify(db, s, len, &m, l);
}

/* lcclass_line, with the line's matches of db->multi in m. */
static void
classify(struct lcdb *db, const char *s, size_t len, const struct mline *m,
    struct lc_line *l)
{
	const struct lc_layer *cign;
	size_t i;

	memset(l->alert, 0, db->cracking.nfiles);
	memset(l->event, 0, db->violations.nfiles);
	l->any_cracking = l->any_violation = l->ignored = l->has_alert = false;
	db->prepared = db->use_scan && prepare(db, s, len, m);

	/* With SUPPORT_CRACKING_IGNORE=1 and no cracking.ignore.d, logcheck
	 * skips the whole alert layer. */
	cign = db->cracking_ignore ? &db->cign : NULL;
	for (i = 0; layer_maybe(db, &db->cracking) && i < db->cracking.nfiles;
	    i++) {
		const struct lc_file *f = &db->cracking.files[i];

		if (!lcclass_file_match(db, f, s, len))
			continue;
		l->any_cracking = true;
		if (cign != NULL && !cign->present)
			continue;
		if (!cancelled(db, &db->cracking, f, cign, s, len)) {
			l->alert[i] = 1;
			l->has_alert = true;
		}
	}
	for (i = 0; layer_maybe(db, &db->violations) &&
	    i < db->violations.nfiles; i++) {
		const struct lc_file *f = &db->violations.files[i];

		if (!lcclass_file_match(db, f, s, len))
			continue;
		l->any_violation = true;
		if (!cancelled(db, &db->violations, f, &db->vign, s, len))
			l->event[i] = 1;
	}
	/* System Events: only lines that match no cracking and no violations
	 * file can end up there, so the ignore test is only needed then. */
	if (!l->any_cracking && !l->any_violation)
		l->ignored = match_any(db, &db->ignore, s, len, NULL);
	db->prepared = false;
}

enum lc_section_kind
lcclass_section(const struct lc_line *l, bool attack)
{
	if (l->has_alert)
		return LC_ALERT;
	if (l->any_violation) {
		size_t i;
		bool any = false;

		/* once an alert fired, lines matching a cracking file are
		 * removed from every events section */
		if (attack && l->any_cracking)
			return LC_NONE;
		for (i = 0; i < l->nevent && !any; i++)
			any = l->event[i] != 0;
		return any ? LC_EVENT : LC_NONE;
	}
	if (l->any_cracking || l->ignored)
		return LC_NONE;
	return LC_SYSTEM;
}

size_t
lcclass_memory(void)
{
	return MEMO_MEMORY + BLOCK_BYTES + BLOCK_LINES * (sizeof(uint32_t) + 1);
}

size_t
lcclass_rstrip(const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\n' || s[len - 1] == '\v' || s[len - 1] == '\f' ||
	    s[len - 1] == '\r'))
		len--;
	return len;
}

bool
lcclass_lines(struct lcdb *db, const char *const *lines, const size_t *lens,
    size_t n, uint8_t *alerts, uint8_t *events, uint8_t *mark, uint8_t *kind)
{
	size_t i, f, nc = db->cracking.nfiles, nv = db->violations.nfiles;
	bool attack = false;

	if (db->use_scan) {
		/* the whole-line rules a block of lines at a time, the rest
		 * line by line (the tails mostly from the memo of shapes) */
		struct lc_line *l = db->scratch;
		size_t b = 0, bn = 0, t = 0;
		struct mline m;

		for (i = 0; i < n; i++) {
			if (i == b + bn) {
				size_t bytes = 0;

				b = i;
				for (bn = 0; b + bn < n && bn < BLOCK_LINES &&
				    (bn == 0 || bytes + lens[b + bn] <
				    BLOCK_BYTES); bn++)
					bytes += lens[b + bn] + 1;
				t = 0;
				if (db->multi.db != NULL)
					scan_lines(db, lines + b, lens + b, bn);
			}
			m.p = NULL;
			m.n = 0;
			m.out = false;
			if (db->multi.db != NULL) {
				const struct scan *sm = &db->multi;

				while (t < sm->npairs && sm->pairs[t].line < i - b)
					t++;
				m.p = sm->pairs + t;
				while (t < sm->npairs && sm->pairs[t].line == i - b)
					t++, m.n++;
				m.out = db->blkout[i - b];
			}
			classify(db, lines[i], lens[i], &m, l);
			memcpy(alerts + i * nc, l->alert, nc);
			memcpy(events + i * nv, l->event, nv);
			mark[i] = l->any_cracking;
			attack = attack || l->has_alert;
			kind[i] = l->any_cracking || l->any_violation || l->ignored ?
			    LC_NONE : LC_SYSTEM;
		}
	} else {
		/* File by file over all lines, not line by line over all
		 * files: one regex stays hot in the caches (several times
		 * faster with 130 big alternations). */
		uint8_t *viol = xcalloc(n ? n : 1, 1), *ign = xcalloc(n ? n : 1, 1);
		const struct lc_layer *cign = db->cracking_ignore ? &db->cign : NULL;

		for (f = 0; f < nc; f++) {
			const struct lc_file *cf = &db->cracking.files[f];

			for (i = 0; i < n; i++) {
				if (!lcclass_file_match(db, cf, lines[i], lens[i]))
					continue;
				mark[i] = 1;
				if (cign != NULL && !cign->present)
					continue;
				if (!cancelled(db, &db->cracking, cf, cign, lines[i],
				    lens[i])) {
					alerts[i * nc + f] = 1;
					attack = true;
				}
			}
		}
		for (f = 0; f < nv; f++) {
			const struct lc_file *vf = &db->violations.files[f];

			for (i = 0; i < n; i++) {
				if (!lcclass_file_match(db, vf, lines[i], lens[i]))
					continue;
				viol[i] = 1;
				if (!cancelled(db, &db->violations, vf, &db->vign,
				    lines[i], lens[i]))
					events[i * nv + f] = 1;
			}
		}
		for (f = 0; f < db->ignore.nfiles; f++) {
			for (i = 0; i < n; i++) {
				if (mark[i] || viol[i] || ign[i])
					continue;
				ign[i] = lcclass_file_match(db, &db->ignore.files[f],
				    lines[i], lens[i]);
			}
		}
		for (i = 0; i < n; i++)
			kind[i] = mark[i] || viol[i] || ign[i] ? LC_NONE : LC_SYSTEM;
		free(viol);
		free(ign);
	}
	return attack;
}
