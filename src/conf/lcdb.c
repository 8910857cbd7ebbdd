/*
 * lcdb — logcheck rule trees: loading, matching, classification, report.
 *
 * The classification follows logcheck 1.4.2's greplogoutput exactly; the
 * comments name the step of the shell script each test stands for.
 */
#include "conf/lcdb.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/ere.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define MAX_RULE_FILE	(16 * 1024 * 1024)
#define RULE_OPTS	(PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY)

static const char *level_names[] = { "paranoid", "server", "workstation" };

int
lcdb_level(const char *s, enum lc_level *out)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum lc_level)i;
			return 0;
		}
	}
	return -1;
}

const char *
lcdb_level_name(enum lc_level level)
{
	return level_names[level];
}

static void __attribute__((format(printf, 2, 3)))
error(struct lcdb *db, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	db->errors = xreallocarray(db->errors, db->nerrors + 1, sizeof(*db->errors));
	db->errors[db->nerrors++] = msg;
}

/* run-parts' default name rule */
static bool
runparts_name(const char *name)
{
	const char *p;

	if (*name == '\0')
		return false;
	for (p = name; *p; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	}
	return true;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct lc_file *
layer_file(struct lc_layer *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->nfiles; i++) {
		if (strcmp(l->files[i].name, name) == 0)
			return &l->files[i];
	}
	l->files = xreallocarray(l->files, l->nfiles + 1, sizeof(*l->files));
	memset(&l->files[l->nfiles], 0, sizeof(*l->files));
	l->files[l->nfiles].name = xstrdup(name);
	return &l->files[l->nfiles++];
}

static const char *
intern_path(struct lcdb *db, const char *path)
{
	db->paths = xreallocarray(db->paths, db->npaths + 1, sizeof(*db->paths));
	db->paths[db->npaths] = xstrdup(path);
	return db->paths[db->npaths++];
}

static char *
read_all(const char *path, size_t *len)
{
	struct buf b;
	char tmp[65536];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	buf_init(&b, MAX_RULE_FILE);
	while ((n = read(fd, tmp, sizeof(tmp))) > 0 ||
	    (n == -1 && errno == EINTR)) {
		if (n > 0 && buf_add(&b, tmp, (size_t)n) == -1) {
			errno = EFBIG;
			close(fd);
			return NULL;
		}
	}
	close(fd);
	if (n == -1) {
		buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return buf_steal(&b);
}

/* grep -E -v '^[[:space:]]*$|^#' */
static bool
keep_rule_line(const char *s, size_t n)
{
	size_t i;

	if (n > 0 && s[0] == '#')
		return false;
	for (i = 0; i < n; i++) {
		if (!(s[i] == ' ' || s[i] == '\t' || s[i] == '\v' || s[i] == '\f' ||
		    s[i] == '\r'))
			return true;
	}
	return false;
}

/* Appends the cleaned rules of path to f. */
static void
read_rules(struct lcdb *db, struct lc_file *f, const char *path)
{
	const char *ipath = intern_path(db, path);
	char *data, *p, *end;
	size_t len;
	int line = 0;

	data = read_all(path, &len);
	if (data == NULL) {
		error(db, "%s: cannot read: %s", path, strerror(errno));
		return;
	}
	for (p = data, end = data + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		line++;
		if (keep_rule_line(p, n)) {
			struct lc_rule *r;

			f->rules = xreallocarray(f->rules, f->nrules + 1,
			    sizeof(*f->rules));
			r = &f->rules[f->nrules++];
			memset(r, 0, sizeof(*r));
			r->path = ipath;
			r->line = line;
			r->src = xmemdup0(p, n);
			r->backref = ere_has_backref(p, n) != 0;
		}
		p += n + 1;
	}
	free(data);
}

/* Reads the rule files of dir into layer (merging files of the same
 * name).  A missing directory leaves the layer absent. */
static void
load_dir(struct lcdb *db, struct lc_layer *l, const char *dir)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;

	d = opendir(dir);
	if (d == NULL) {
		if (errno != ENOENT)
			error(db, "%s: cannot open: %s", dir, strerror(errno));
		return;
	}
	l->present = true;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		char *path;
		struct stat st;

		path = xasprintf("%s/%s", dir, names[i]);
		/* logcheck: an unreadable file is fatal, whatever its name */
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(path, R_OK) == -1)
			error(db, "%s: cannot read: %s", path, strerror(errno));
		else if (runparts_name(names[i]) && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode))
			read_rules(db, layer_file(l, names[i]), path);
		free(path);
		free(names[i]);
	}
	free(names);
}

static int
cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct lc_file *)a)->name,
	    ((const struct lc_file *)b)->name);
}

/* Compiles the alternation of pats[0..n) into f's chunks, halving the
 * set while PCRE2 finds the compiled pattern too large. */
static int
compile_chunk(struct lc_file *f, char **pats, size_t *lens, size_t n,
    char *err, size_t errlen)
{
	struct buf all;
	struct regex re;
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	buf_init(&all, SIZE_MAX / 4);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(&all, '|');
		buf_add(&all, "(?:", 3);
		buf_add(&all, pats[i], lens[i]);
		buf_addc(&all, ')');
	}
	rc = match_compile_opts(&re, buf_str(&all), RULE_OPTS, err, errlen);
	buf_free(&all);
	if (rc == 0) {
		f->chunks = xreallocarray(f->chunks, f->nchunks + 1,
		    sizeof(*f->chunks));
		f->chunks[f->nchunks++] = re;
		return 0;
	}
	if (n == 1)
		return -1;
	if (compile_chunk(f, pats, lens, n / 2, err, errlen) == -1)
		return -1;
	return compile_chunk(f, pats + n / 2, lens + n / 2, n - n / 2, err,
	    errlen);
}

/* Translates and compiles the rules of every file of the layer. */
static void
compile_layer(struct lcdb *db, struct lc_layer *l)
{
	size_t i, j;
	char err[256];

	if (l->nfiles > 1)
		qsort(l->files, l->nfiles, sizeof(*l->files), cmp_file);
	for (i = 0; i < l->nfiles; i++) {
		struct lc_file *f = &l->files[i];
		char **pats = xcalloc(f->nrules ? f->nrules : 1, sizeof(*pats));
		size_t *lens = xcalloc(f->nrules ? f->nrules : 1, sizeof(*lens));
		size_t npats = 0;
		struct buf one;

		buf_init(&one, SIZE_MAX / 4);
		for (j = 0; j < f->nrules; j++) {
			struct lc_rule *r = &f->rules[j];
			struct regex re;

			buf_reset(&one);
			if (ere_translate(&one, r->src, strlen(r->src), ERE_PCRE2,
			    err, sizeof(err)) == -1) {
				error(db, "%s:%d: error: bad regex: %s (where grep "
				    "-E rejects a rule, logcheck would silently "
				    "%s)", r->path, r->line, err,
				    l == &db->cracking || l == &db->violations ?
				    "never match this file" : "drop every line");
				continue;
			}
			/* each rule is compiled alone once, to name a bad one */
			if (match_compile_opts(&re, buf_str(&one), RULE_OPTS, err,
			    sizeof(err)) == -1) {
				error(db, "%s:%d: error: regex does not compile: "
				    "%s", r->path, r->line, err);
				continue;
			}
			if (r->backref) {
				f->alone = xreallocarray(f->alone, f->nalone + 1,
				    sizeof(*f->alone));
				f->alone[f->nalone++] = re;
				continue;
			}
			match_free(&re);
			lens[npats] = one.len;
			pats[npats++] = buf_steal(&one);
		}
		if (compile_chunk(f, pats, lens, npats, err, sizeof(err)) == -1) {
			error(db, "%s: error: the rules of '%s' do not compile "
			    "together: %s", db->dir, f->name, err);
		}
		for (j = 0; j < npats; j++)
			free(pats[j]);
		free(pats);
		free(lens);
		buf_free(&one);
	}
}

static char *
read_optional(const char *dir, const char *name, size_t *len)
{
	char *path, *data;

	path = xasprintf("%s/%s", dir, name);
	data = access(path, R_OK) == 0 ? read_all(path, len) : NULL;
	free(path);
	return data;
}

int
lcdb_load(struct lcdb *db, const char *dir, enum lc_level level,
    bool cracking_ignore)
{
	static const char *levels[] = { "paranoid", "server", "workstation" };
	struct stat st;
	char *p;
	int i;

	memset(db, 0, sizeof(*db));
	db->dir = xstrdup(dir);
	db->level = level;
	db->cracking_ignore = cracking_ignore;
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		error(db, "%s: not a logcheck rule directory: %s", dir,
		    stat(dir, &st) == -1 ? strerror(errno) : "not a directory");
		return -1;
	}
#define SUB(name) (p = xasprintf("%s/%s", dir, name))
	load_dir(db, &db->cracking, SUB("cracking.d"));
	free(p);
	load_dir(db, &db->violations, SUB("violations.d"));
	free(p);
	load_dir(db, &db->vign, SUB("violations.ignore.d"));
	free(p);
	/* logcheck concatenates workstation, server, paranoid in that order */
	for (i = (int)level; i >= 0; i--) {
		char name[32];

		snprintf(name, sizeof(name), "ignore.d.%s", levels[i]);
		load_dir(db, &db->ignore, SUB(name));
		free(p);
	}
	if (cracking_ignore) {
		load_dir(db, &db->cign, SUB("cracking.ignore.d"));
		free(p);
	}
#undef SUB
	compile_layer(db, &db->cracking);
	compile_layer(db, &db->violations);
	compile_layer(db, &db->vign);
	compile_layer(db, &db->ignore);
	compile_layer(db, &db->cign);
	db->scratch = xcalloc(1, sizeof(*db->scratch));
	lcdb_line_init(db, db->scratch);
	db->header = read_optional(dir, "header.txt", &db->headerlen);
	db->footer = read_optional(dir, "footer.txt", &db->footerlen);
	return db->nerrors ? -1 : 0;
}

static void
free_layer(struct lc_layer *l)
{
	size_t i, j;

	for (i = 0; i < l->nfiles; i++) {
		struct lc_file *f = &l->files[i];

		for (j = 0; j < f->nrules; j++) {
			free(f->rules[j].src);
			if (f->rules[j].re != NULL) {
				match_free(f->rules[j].re);
				free(f->rules[j].re);
			}
		}
		free(f->rules);
		for (j = 0; j < f->nchunks; j++)
			match_free(&f->chunks[j]);
		free(f->chunks);
		for (j = 0; j < f->nalone; j++)
			match_free(&f->alone[j]);
		free(f->alone);
		free(f->name);
	}
	free(l->files);
	memset(l, 0, sizeof(*l));
}

void
lcdb_free(struct lcdb *db)
{
	size_t i;

	if (db->scratch != NULL) {
		lcdb_line_free(db->scratch);
		free(db->scratch);
	}
	free_layer(&db->cracking);
	free_layer(&db->cign);
	free_layer(&db->violations);
	free_layer(&db->vign);
	free_layer(&db->ignore);
	for (i = 0; i < db->npaths; i++)
		free(db->paths[i]);
	free(db->paths);
	for (i = 0; i < db->nerrors; i++)
		free(db->errors[i]);
	free(db->errors);
	if (db->use_scan) {
		size_t id;

		for (id = 0; id < db->scan.npat; id++)
			match_free(&db->id_re[id]);
		scan_free(&db->scan);
		scan_free(&db->rest);
	}
	free(db->id_re);
	free(db->id_variant);
	free(db->file_layer);
	free(db->slow);
	free(db->id_file);
	free(db->file_hit);
	free(db->header);
	free(db->footer);
	free(db->dir);
	memset(db, 0, sizeof(*db));
}

static bool test(struct lcdb *db, const struct regex *re, const char *s,
    size_t len);

/* PCRE2 form of one rule (for the rules Hyperscan cannot decide). */
static void
one_regex(struct regex *re, const char *src)
{
	struct buf b;
	char err[256];

	buf_init(&b, SIZE_MAX / 4);
	memset(re, 0, sizeof(*re));
	if (ere_translate(&b, src, strlen(src), ERE_PCRE2, err, sizeof(err)) == 0)
		(void)match_compile_opts(re, buf_str(&b), RULE_OPTS, err,
		    sizeof(err));
	buf_free(&b);
}

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
#define NVARIANTS	4

/* The prefix variant (1..3) a rule starts with, when what follows can be
 * matched on its own: no top-level '|', no leading quantifier (it would
 * repeat the blank), no backreference (it would point into the prefix). */
static int
rule_variant(const char *src)
{
	size_t i, n, len, depth = 0;
	int v;

	for (v = 0; v < NVARIANTS; v++) {
		n = strlen(stamp_prefix[v]);
		if (strncmp(src, stamp_prefix[v], n) == 0)
			break;
	}
	if (v == NVARIANTS)
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

/* Where the stamp and host prefix ends in s, or 0 if it does not match;
 * ok[v] says which variants match (1..NVARIANTS). */
static size_t
stamp_end(const char *s, size_t len, bool ok[NVARIANTS + 1])
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

int
lcdb_use_scan(struct lcdb *db, const char *cachedir)
{
	size_t n = 0, id = 0, g = 0, i, j;
	const char **pats, **rpats;
	unsigned *flags, *rflags;
	char **owned, err[512];
	struct buf one;
	int k;
	bool ok;

	for (k = 0; k < 5; k++) {
		const struct lc_layer *l = layer_at(db, k);

		for (i = 0; i < l->nfiles; i++)
			n += l->files[i].nrules;
		db->nfiles_all += l->nfiles;
	}
	if (db->nfiles_all > UINT16_MAX)
		return -1;
	pats = xcalloc(n ? n : 1, sizeof(*pats));
	rpats = xcalloc(n ? n : 1, sizeof(*rpats));
	owned = xcalloc(n ? n : 1, sizeof(*owned));
	flags = xcalloc(n ? n : 1, sizeof(*flags));
	rflags = xcalloc(n ? n : 1, sizeof(*rflags));
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
				flags[id] = rflags[id] = 0x2;	/* HS_FLAG_DOTALL */
				buf_reset(&one);
				if (v > 0) {
					/* the tail, anchored where the prefix ends */
					src += strlen(stamp_prefix[v - 1]);
					buf_addc(&one, '^');
				}
				if (ere_translate(&one, src, strlen(src), ERE_HYPERSCAN,
				    err, sizeof(err)) == 0)
					owned[id] = buf_steal(&one);
				else {
					/* e.g. a backreference: Hyperscan can take
					 * the PCRE2 form as a prefilter, PCRE2
					 * confirms */
					buf_reset(&one);
					if (v > 0)
						buf_addc(&one, '^');
					if (ere_translate(&one, src, strlen(src),
					    ERE_PCRE2, err, sizeof(err)) == 0)
						owned[id] = buf_steal(&one);
				}
				db->id_variant[id] = (uint8_t)v;
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
	    err, sizeof(err)) == 0;
	if (!ok) {
		log_warnx("%s: %s; using PCRE2 alone", db->dir, err);
		scan_free(&db->scan);
		scan_free(&db->rest);
	} else {
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
					one_regex(&db->id_re[id], r->src);
					db->slow = xreallocarray(db->slow,
					    db->nslow + 1, sizeof(*db->slow));
					db->slow[db->nslow++] = (uint32_t)id;
				}
			}
		}
		db->use_scan = true;
	}
	for (i = 0; i < n; i++)
		free(owned[i]);
	free(owned);
	free(pats);
	free(rpats);
	free(flags);
	free(rflags);
	return db->use_scan ? 0 : -1;
}

static void
hit_file(struct lcdb *db, uint32_t id)
{
	db->file_hit[db->id_file[id]] = 1;
	db->layer_hit[db->file_layer[db->id_file[id]]] = true;
}

/* Scans s once (twice: the whole line, and after its stamp and host) and
 * records which files match (file_hit).  Returns false when Hyperscan
 * failed on this line (PCRE2 decides then). */
static bool
prepare(struct lcdb *db, const char *s, size_t len)
{
	size_t t, k;
	bool vok[NVARIANTS + 1];

	memset(db->file_hit, 0, db->nfiles_all);
	memset(db->layer_hit, 0, sizeof(db->layer_hit));
	k = stamp_end(s, len, vok);
	vok[0] = true;
	if (scan_line(&db->scan, s, len) == -1 ||
	    scan_line(&db->rest, s + k, k > 0 ? len - k : 0) == -1)
		return false;
	for (t = 0; t < db->scan.ntouched; t++) {
		uint32_t id = db->scan.touched[t];

		if (db->scan.mode[id] == SCAN_EXACT)
			hit_file(db, id);
	}
	for (t = 0; k > 0 && t < db->rest.ntouched; t++) {
		uint32_t id = db->rest.touched[t];

		if (db->rest.mode[id] == SCAN_EXACT && vok[db->id_variant[id]])
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
lcdb_file_match(struct lcdb *db, const struct lc_file *f, const char *s,
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
lcdb_file_rules(struct lcdb *db, struct lc_file *f, const char *s,
    size_t len, void (*fn)(const struct lc_rule *, void *), void *arg)
{
	size_t j;

	for (j = 0; j < f->nrules; j++) {
		struct lc_rule *r = &f->rules[j];

		if (r->re == NULL) {
			r->re = xcalloc(1, sizeof(*r->re));
			one_regex(r->re, r->src);
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

	return f != NULL && lcdb_file_match(db, f, s, len);
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
		    lcdb_file_match(db, &l->files[i], s, len))
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
 * fired) is applied by lcdb_section. */
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

void
lcdb_line_init(const struct lcdb *db, struct lc_line *l)
{
	memset(l, 0, sizeof(*l));
	l->alert = xcalloc(db->cracking.nfiles ? db->cracking.nfiles : 1, 1);
	l->event = xcalloc(db->violations.nfiles ? db->violations.nfiles : 1, 1);
	l->nevent = db->violations.nfiles;
}

void
lcdb_line_free(struct lc_line *l)
{
	free(l->alert);
	free(l->event);
	memset(l, 0, sizeof(*l));
}

void
lcdb_classify(struct lcdb *db, const char *s, size_t len, struct lc_line *l)
{
	const struct lc_layer *cign;
	size_t i;

	memset(l->alert, 0, db->cracking.nfiles);
	memset(l->event, 0, db->violations.nfiles);
	l->any_cracking = l->any_violation = l->ignored = l->has_alert = false;
	db->prepared = db->use_scan && prepare(db, s, len);

	/* With SUPPORT_CRACKING_IGNORE=1 and no cracking.ignore.d, logcheck
	 * skips the whole alert layer. */
	cign = db->cracking_ignore ? &db->cign : NULL;
	for (i = 0; i < db->cracking.nfiles; i++) {
		const struct lc_file *f = &db->cracking.files[i];

		if (!lcdb_file_match(db, f, s, len))
			continue;
		l->any_cracking = true;
		if (cign != NULL && !cign->present)
			continue;
		if (!cancelled(db, &db->cracking, f, cign, s, len)) {
			l->alert[i] = 1;
			l->has_alert = true;
		}
	}
	for (i = 0; i < db->violations.nfiles; i++) {
		const struct lc_file *f = &db->violations.files[i];

		if (!lcdb_file_match(db, f, s, len))
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
lcdb_section(const struct lc_line *l, bool attack)
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
lcdb_rstrip(const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\n' || s[len - 1] == '\v' || s[len - 1] == '\f' ||
	    s[len - 1] == '\r'))
		len--;
	return len;
}

/* ---- sort -k 1,3 -s / sort -u, C locale ---- */

struct sortent {
	const char	*s;
	size_t		 len;		/* whole line */
	size_t		 klen;		/* key: up to the end of field 3 */
	size_t		 idx;		/* input position (stability) */
};

static size_t
key3(const char *s, size_t len)
{
	size_t i = 0;
	int field;

	for (field = 0; field < 3 && i < len; field++) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
	}
	return i;
}

static int
cmp_key(const void *pa, const void *pb)
{
	const struct sortent *a = pa, *b = pb;
	int r = str_bytecmp(a->s, a->klen, b->s, b->klen);

	if (r != 0)
		return r;
	return a->idx < b->idx ? -1 : a->idx > b->idx ? 1 : 0;
}

static int
cmp_line(const void *pa, const void *pb)
{
	const struct sortent *a = pa, *b = pb;
	int r = str_bytecmp(a->s, a->len, b->s, b->len);

	if (r != 0)
		return r;
	return a->idx < b->idx ? -1 : a->idx > b->idx ? 1 : 0;
}

size_t
lcdb_sort(const char **lines, size_t *lens, size_t n, bool uniq)
{
	struct sortent *v = xreallocarray(NULL, n ? n : 1, sizeof(*v));
	size_t i, out = 0;

	for (i = 0; i < n; i++) {
		v[i].s = lines[i];
		v[i].len = lens[i];
		v[i].klen = key3(lines[i], lens[i]);
		v[i].idx = i;
	}
	qsort(v, n, sizeof(*v), uniq ? cmp_line : cmp_key);
	{
		const char **ls = xreallocarray(NULL, n ? n : 1, sizeof(*ls));

		for (i = 0; i < n; i++) {
			if (uniq && out > 0 && v[i].len == lens[out - 1] &&
			    memcmp(v[i].s, ls[out - 1], v[i].len) == 0)
				continue;
			ls[out] = v[i].s;
			lens[out] = v[i].len;
			out++;
		}
		memcpy(lines, ls, out * sizeof(*lines));
		free(ls);
	}
	free(v);
	return out;
}

/* ---- report ---- */

static void
section(FILE *fp, const char *title, const char *const *lines,
    const size_t *lens, const uint8_t *kind, const uint8_t *take, size_t stride,
    size_t n)
{
	size_t i, tl = strlen(title);

	fwrite(title, 1, tl, fp);
	putc('\n', fp);
	for (i = 0; i < tl; i++)
		putc(i % 2 == 0 ? '=' : '-', fp);
	putc('\n', fp);
	for (i = 0; i < n; i++) {
		if ((kind != NULL && kind[i] != LC_SYSTEM) ||
		    (take != NULL && !take[i * stride]))
			continue;
		fwrite(lines[i], 1, lens[i], fp);
		putc('\n', fp);
	}
	putc('\n', fp);
}

enum lc_section_kind
lcdb_report(struct lcdb *db, FILE *fp, const char *const *lines,
    const size_t *lens, size_t n, bool intro,
    void (*preface)(enum lc_section_kind, void *), void *arg)
{
	uint8_t *alerts, *events, *mark, *kind, *alert_any, *event_any;
	enum lc_section_kind worst = LC_NONE;
	size_t i, f, nc = db->cracking.nfiles, nv = db->violations.nfiles;
	bool attack = false, any_system = false;

	alerts = xcalloc(n ? n : 1, nc ? nc : 1);
	events = xcalloc(n ? n : 1, nv ? nv : 1);
	kind = xcalloc(n ? n : 1, sizeof(*kind));
	alert_any = xcalloc(nc ? nc : 1, 1);
	event_any = xcalloc(nv ? nv : 1, 1);
	mark = xcalloc(n ? n : 1, 1);		/* matches some cracking file */
	if (db->use_scan) {
		/* one Hyperscan pass per line */
		struct lc_line *l = db->scratch;

		for (i = 0; i < n; i++) {
			lcdb_classify(db, lines[i], lens[i], l);
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
				if (!lcdb_file_match(db, cf, lines[i], lens[i]))
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
				if (!lcdb_file_match(db, vf, lines[i], lens[i]))
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
				ign[i] = lcdb_file_match(db, &db->ignore.files[f],
				    lines[i], lens[i]);
			}
		}
		for (i = 0; i < n; i++)
			kind[i] = mark[i] || viol[i] || ign[i] ? LC_NONE : LC_SYSTEM;
		free(viol);
		free(ign);
	}

	/* which sections have lines: an event needs "no alert fired in the
	 * run" or no cracking match */
	for (i = 0; i < n; i++) {
		for (f = 0; f < nc; f++)
			alert_any[f] |= alerts[i * nc + f];
		for (f = 0; f < nv; f++) {
			if (attack && mark[i])
				events[i * nv + f] = 0;
			event_any[f] |= events[i * nv + f];
		}
		any_system = any_system || kind[i] == LC_SYSTEM;
	}
	for (f = 0; f < nc && worst == LC_NONE; f++)
		worst = alert_any[f] ? LC_ALERT : LC_NONE;
	for (f = 0; f < nv && worst == LC_NONE; f++)
		worst = event_any[f] ? LC_EVENT : LC_NONE;
	if (worst == LC_NONE && any_system)
		worst = LC_SYSTEM;
	if (worst != LC_NONE) {
		if (preface != NULL)
			preface(worst, arg);
		if (intro && db->header != NULL)
			fwrite(db->header, 1, db->headerlen, fp);
		for (f = 0; f < nc; f++) {
			char title[600];

			if (!alert_any[f])
				continue;
			if (strcmp(db->cracking.files[f].name, "logcheck") == 0)
				snprintf(title, sizeof(title), "Security Alerts");
			else
				snprintf(title, sizeof(title), "Security Alerts for %s",
				    db->cracking.files[f].name);
			section(fp, title, lines, lens, NULL, alerts + f, nc, n);
		}
		for (f = 0; f < nv; f++) {
			char title[600];

			if (!event_any[f])
				continue;
			if (strcmp(db->violations.files[f].name, "logcheck") == 0)
				snprintf(title, sizeof(title), "Security Events");
			else
				snprintf(title, sizeof(title), "Security Events for %s",
				    db->violations.files[f].name);
			section(fp, title, lines, lens, NULL, events + f, nv, n);
		}
		if (any_system)
			section(fp, "System Events", lines, lens, kind, NULL, 0, n);
		if (intro && db->footer != NULL)
			fwrite(db->footer, 1, db->footerlen, fp);
	}
	free(alerts);
	free(events);
	free(kind);
	free(mark);
	free(alert_any);
	free(event_any);
	return worst;
}
