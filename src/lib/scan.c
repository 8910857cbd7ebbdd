/*
 * scan — Hyperscan databases: build (with per-pattern fallback modes),
 * cache on disk, scan a line into a hit set.
 */
#include "lib/scan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hs.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/map.h"
#include "lib/xmem.h"

#define CACHE_MAGIC	"logward-hsdb-2\n"
#define MAX_CACHE_FILE	(512 * 1024 * 1024)

const char *
scan_default_cachedir(void)
{
	static char path[4096];
	const char *e;

	if ((e = getenv("LOGWARD_CACHE_DIR")) != NULL && *e != '\0')
		return e;
	if ((e = getenv("XDG_CACHE_HOME")) != NULL && *e == '/') {
		snprintf(path, sizeof(path), "%s/logward", e);
		return path;
	}
	if ((e = getenv("HOME")) != NULL && *e == '/') {
		snprintf(path, sizeof(path), "%s/.cache/logward", e);
		return path;
	}
	return NULL;
}

static unsigned
all_flags(unsigned f, enum scan_mode m)
{
	if (!(f & SCAN_MANY))
		f |= HS_FLAG_SINGLEMATCH;
	f &= ~(SCAN_MANY | SCAN_SKIP);
	f |= HS_FLAG_ALLOWEMPTY;
	if (m == SCAN_PREFILTER)
		f |= HS_FLAG_PREFILTER;
	return f;
}

/* Which mode Hyperscan can give the pattern. */
static enum scan_mode
classify(const char *pat, unsigned flags)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *cerr = NULL;

	if (pat == NULL)
		return SCAN_ALWAYS;
	if (hs_expression_info(pat, all_flags(flags, SCAN_EXACT), &info,
	    &cerr) == HS_SUCCESS) {
		free(info);
		return SCAN_EXACT;
	}
	hs_free_compile_error(cerr);
	cerr = NULL;
	if (hs_expression_info(pat, all_flags(flags, SCAN_PREFILTER), &info,
	    &cerr) == HS_SUCCESS) {
		free(info);
		return SCAN_PREFILTER;
	}
	hs_free_compile_error(cerr);
	return SCAN_ALWAYS;
}

/* 128-bit key: two FNV-1a streams with different offsets. */
static void
cache_key(char *hex, size_t size, const char *const *pats, const unsigned *flags,
    size_t n)
{
	uint64_t h1 = 1469598103934665603ULL, h2 = 0x9e3779b97f4a7c15ULL;
	size_t i;
	struct buf b;
	hs_platform_info_t plat;

	buf_init(&b, SIZE_MAX / 4);
	buf_printf(&b, "%s|%zu|", hs_version(), n);
	if (hs_populate_platform(&plat) == HS_SUCCESS)
		buf_printf(&b, "%u|%llu|", plat.tune,
		    (unsigned long long)plat.cpu_features);
	for (i = 0; i < n; i++) {
		size_t len = pats[i] != NULL ? strlen(pats[i]) : 0;

		buf_printf(&b, "%u:%d:%zu:", flags[i], pats[i] != NULL, len);
		buf_add(&b, len > 0 ? pats[i] : "", len);
	}
	for (i = 0; i < b.len; i++) {
		h1 = (h1 ^ (unsigned char)b.data[i]) * 1099511628211ULL;
		h2 = (h2 ^ (unsigned char)b.data[i]) * 0x100000001b3ULL;
		h2 ^= h2 >> 29;
	}
	buf_free(&b);
	snprintf(hex, size, "%016llx%016llx", (unsigned long long)h1,
	    (unsigned long long)h2);
}

/* A cache file: CACHE_MAGIC, the pattern count (4 bytes), one mode byte
 * per pattern, then the serialized database. */
static hs_database_t *
cache_load(const char *cachedir, const char *key, uint8_t *mode, size_t n)
{
	char path[4096], *data;
	hs_database_t *db = NULL;
	struct stat st;
	size_t ml = strlen(CACHE_MAGIC), hl = ml + 4 + n;
	uint32_t count;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.hsdb", cachedir, key);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || st.st_size <= (off_t)hl ||
	    st.st_size > MAX_CACHE_FILE) {
		close(fd);
		log_info("%s: stale or corrupt, rebuilding", path);
		return NULL;
	}
	data = xmalloc((size_t)st.st_size);
	r = read(fd, data, (size_t)st.st_size);
	close(fd);
	if (r == st.st_size && memcmp(data, CACHE_MAGIC, ml) == 0) {
		memcpy(&count, data + ml, 4);
		if (count == n && hs_deserialize_database(data + hl,
		    (size_t)st.st_size - hl, &db) == HS_SUCCESS) {
			size_t i;

			for (i = 0; i < n; i++) {
				if ((uint8_t)data[ml + 4 + i] > SCAN_ABSENT) {
					hs_free_database(db);
					db = NULL;
					break;
				}
			}
			if (db != NULL)
				memcpy(mode, data + ml + 4, n);
		} else
			db = NULL;
	}
	if (db == NULL)
		log_info("%s: stale or corrupt, rebuilding", path);
	free(data);
	return db;
}

/* Atomic write: temp file, fsync, rename. */
static void
cache_store(const char *cachedir, const char *key, const hs_database_t *db,
    const uint8_t *mode, size_t n)
{
	uint32_t count = (uint32_t)n;
	char path[4096], tmp[4200], *bytes = NULL;
	size_t len = 0, ml = strlen(CACHE_MAGIC);
	int fd;

	if (mkdir(cachedir, 0700) == -1 && errno != EEXIST) {
		/* the parent may be missing too ($HOME/.cache) */
		char parent[4096], *slash;

		snprintf(parent, sizeof(parent), "%s", cachedir);
		slash = strrchr(parent, '/');
		if (slash == NULL || slash == parent)
			return;
		*slash = '\0';
		if (mkdir(parent, 0700) == -1 && errno != EEXIST)
			return;
		if (mkdir(cachedir, 0700) == -1 && errno != EEXIST)
			return;
	}
	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return;
	snprintf(path, sizeof(path), "%s/%s.hsdb", cachedir, key);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1) {
		free(bytes);
		return;
	}
	if (write(fd, CACHE_MAGIC, ml) != (ssize_t)ml ||
	    write(fd, &count, 4) != 4 ||
	    (n > 0 && write(fd, mode, n) != (ssize_t)n) ||
	    write(fd, bytes, len) != (ssize_t)len || fsync(fd) == -1 ||
	    close(fd) == -1 || rename(tmp, path) == -1) {
		log_info("%s: cannot write the cache file", path);
		unlink(tmp);
	}
	free(bytes);
}

int
scan_build(struct scan *s, const char *const *pats, const unsigned *flags,
    size_t n, const char *cachedir, char *err, size_t errlen)
{
	const char **ex;
	unsigned *fl, *ids;
	size_t i, m = 0;
	char key[40];
	hs_compile_error_t *cerr = NULL;
	hs_database_t *db = NULL;

	memset(s, 0, sizeof(*s));
	s->npat = n;
	s->mode = xcalloc(n ? n : 1, 1);
	s->hit = xcalloc(n ? n : 1, 1);
	s->touched = xcalloc(n ? n : 1, sizeof(*s->touched));
	/* the key depends only on the patterns and flags; the modes found
	 * for them are stored with the database */
	cache_key(key, sizeof(key), pats, flags, n);
	db = cachedir != NULL ? cache_load(cachedir, key, s->mode, n) : NULL;
	if (db == NULL) {
		for (i = 0; i < n; i++)
			s->mode[i] = (uint8_t)((flags[i] & SCAN_SKIP) ?
			    SCAN_ABSENT : classify(pats[i], flags[i]));
	}

	ex = xcalloc(n ? n : 1, sizeof(*ex));
	fl = xcalloc(n ? n : 1, sizeof(*fl));
	ids = xcalloc(n ? n : 1, sizeof(*ids));
	while (db == NULL) {
		m = 0;
		for (i = 0; i < n; i++) {
			if (s->mode[i] == SCAN_ALWAYS || s->mode[i] == SCAN_ABSENT)
				continue;
			ex[m] = pats[i];
			fl[m] = all_flags(flags[i], (enum scan_mode)s->mode[i]);
			ids[m] = (unsigned)i;
			m++;
		}
		if (m == 0)
			break;
		if (hs_compile_multi(ex, fl, ids, (unsigned)m, HS_MODE_BLOCK, NULL,
		    &db, &cerr) == HS_SUCCESS) {
			if (cachedir != NULL)
				cache_store(cachedir, key, db, s->mode, n);
			break;
		}
		db = NULL;
		/* a pattern that passed alone can fail in the set (e.g. a
		 * resource limit): leave it to PCRE2 and build again */
		if (cerr->expression >= 0 && (size_t)cerr->expression < m) {
			s->mode[ids[cerr->expression]] = SCAN_ALWAYS;
			hs_free_compile_error(cerr);
			cerr = NULL;
			continue;
		}
		snprintf(err, errlen, "Hyperscan: %s", cerr->message);
		hs_free_compile_error(cerr);
		free(ex);
		free(fl);
		free(ids);
		return -1;
	}
	free(ex);
	free(fl);
	free(ids);
	s->db = db;
	if (db != NULL && hs_alloc_scratch(db, (hs_scratch_t **)&s->scratch) !=
	    HS_SUCCESS) {
		snprintf(err, errlen, "Hyperscan: cannot allocate scratch space");
		return -1;
	}
	return 0;
}

void
scan_free(struct scan *s)
{
	if (s->scratch != NULL)
		hs_free_scratch(s->scratch);
	if (s->db != NULL)
		hs_free_database(s->db);
	free(s->mode);
	free(s->hit);
	free(s->touched);
	free(s->pairs);
	memset(s, 0, sizeof(*s));
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *ctx)
{
	struct scan *s = ctx;

	(void)from;
	(void)to;
	(void)flags;
	if (!s->hit[id]) {
		s->hit[id] = 1;
		s->touched[s->ntouched++] = id;
	}
	return 0;
}

/* Forgets the last scan's hits. */
static void
clear_hits(struct scan *s)
{
	size_t i;

	for (i = 0; i < s->ntouched; i++)
		s->hit[s->touched[i]] = 0;
	s->ntouched = 0;
}

int
scan_line(struct scan *s, const char *p, size_t len)
{
	clear_hits(s);
	if (s->db == NULL)
		return 0;
	if (hs_scan(s->db, p != NULL ? p : "", (unsigned)len, 0, s->scratch,
	    on_match, s) != HS_SUCCESS)
		return -1;
	return 0;
}

struct block {
	struct scan	*s;
	const uint32_t	*ends;
	size_t		 n;
	bool		 sorted;
};

static int
on_block_match(unsigned int id, unsigned long long from,
    unsigned long long to, unsigned int flags, void *ctx)
{
	struct block *b = ctx;
	struct scan *s = b->s;
	size_t lo = 0, hi = b->n;

	(void)from;
	(void)flags;
	/* the first line that ends at or after the match's end */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->ends[mid] < to)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == b->n)
		lo = b->n - 1;
	/* a pattern that matches again in the same line (every end of a
	 * repetition is reported) is kept once */
	if (s->npairs > 0 && s->pairs[s->npairs - 1].line == lo &&
	    s->pairs[s->npairs - 1].id == id)
		return 0;
	if (s->npairs == s->pcap) {
		s->pcap = s->pcap ? s->pcap * 2 : 64;
		s->pairs = xreallocarray(s->pairs, s->pcap, sizeof(*s->pairs));
	}
	if (s->npairs > 0 && s->pairs[s->npairs - 1].line > lo)
		b->sorted = false;
	s->pairs[s->npairs].line = (uint32_t)lo;
	s->pairs[s->npairs].id = id;
	s->npairs++;
	return 0;
}

int
scan_block(struct scan *s, const char *buf, size_t len, const uint32_t *ends,
    size_t n)
{
	struct block b = { s, ends, n, true };
	size_t i, j;

	s->npairs = 0;
	if (s->db == NULL || n == 0)
		return 0;
	if (hs_scan(s->db, buf != NULL ? buf : "", (unsigned)len, 0, s->scratch,
	    on_block_match, &b) != HS_SUCCESS)
		return -1;
	/* Hyperscan reports by end offset: sorted but for rare engines */
	for (i = 1; !b.sorted && i < s->npairs; i++) {
		struct scan_pair p = s->pairs[i];

		for (j = i; j > 0 && s->pairs[j - 1].line > p.line; j--)
			s->pairs[j] = s->pairs[j - 1];
		s->pairs[j] = p;
	}
	return 0;
}

void
scan_set(struct scan *s, const uint32_t *ids, size_t n)
{
	size_t i;

	clear_hits(s);
	for (i = 0; i < n; i++) {
		s->hit[ids[i]] = 1;
		s->touched[i] = ids[i];
	}
	s->ntouched = n;
}

int
scan_fork(const struct scan *s, struct scan *w)
{
	hs_scratch_t *sc = NULL;

	*w = *s;
	w->scratch = NULL;
	w->hit = xcalloc(s->npat ? s->npat : 1, sizeof(*w->hit));
	w->touched = xcalloc(s->npat ? s->npat : 1, sizeof(*w->touched));
	w->ntouched = 0;
	w->pairs = NULL;
	w->npairs = w->pcap = 0;
	if (s->scratch != NULL) {
		if (hs_clone_scratch(s->scratch, &sc) != HS_SUCCESS) {
			scan_fork_free(w);
			return -1;
		}
		w->scratch = sc;
	}
	return 0;
}

void
scan_fork_free(struct scan *w)
{
	if (w->scratch != NULL)
		hs_free_scratch(w->scratch);
	free(w->hit);
	free(w->touched);
	free(w->pairs);
	memset(w, 0, sizeof(*w));
}
