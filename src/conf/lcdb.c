/*
 * lcdb — logcheck rule trees: loading, compiling (PCRE2 per file),
 * freeing, the classifier's copies for other threads (lcdb_fork).  The
 * Hyperscan databases (lcdb_scan_build) are in lcdb_scan.c.
 *
 * Matching and classification are in classify/lcclass.c, the sort and
 * the report in report/lcreport.c.
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
	/* JIT later, only when PCRE2 decides (lcdb_use_pcre2) */
	rc = match_compile_nojit(&re, buf_str(&all), RULE_OPTS, err, errlen);
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
			int rc;

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
			/* each rule is compiled alone once, to name a bad one
			 * (only a backreference rule is kept: it is matched
			 * alone) */
			rc = r->backref ? match_compile_opts(&re, buf_str(&one),
			    RULE_OPTS, err, sizeof(err)) : match_check(buf_str(&one),
			    RULE_OPTS, err, sizeof(err));
			if (rc == -1) {
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
		scan_free(&db->multi);
		scan_free(&db->rest);
		scan_free(&db->exact);
	}
	shapememo_free(&db->memo);
	free(db->blk);
	free(db->blkends);
	free(db->blkout);
	free(db->id_confirm);
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

void
lcdb_one_regex(struct regex *re, const char *src)
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

const struct lc_layer *
lcdb_layer(const struct lcdb *db, int k)
{
	const struct lc_layer *layers[5] = { &db->cracking, &db->cign,
	    &db->violations, &db->vign, &db->ignore };

	return layers[k];
}

void
lcdb_use_pcre2(struct lcdb *db)
{
	size_t i, j;
	int k;

	for (k = 0; k < 5; k++) {
		const struct lc_layer *l = lcdb_layer(db, k);

		for (i = 0; i < l->nfiles; i++) {
			for (j = 0; j < l->files[i].nchunks; j++)
				match_jit(&l->files[i].chunks[j]);
		}
	}
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
	memset(&w->multi, 0, sizeof(w->multi));
	shapememo_init(&w->memo);
	w->blk = NULL;
	w->blkcap = 0;
	w->blkends = NULL;
	w->blkout = NULL;
	if (db->use_scan && (scan_fork(&db->scan, &w->scan) == -1 ||
	    scan_fork(&db->rest, &w->rest) == -1 ||
	    scan_fork(&db->exact, &w->exact) == -1 ||
	    scan_fork(&db->multi, &w->multi) == -1)) {
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
	if (w->multi.hit != NULL)
		scan_fork_free(&w->multi);
	shapememo_free(&w->memo);
	free(w->blk);
	free(w->blkends);
	free(w->blkout);
	memset(w, 0, sizeof(*w));
}
