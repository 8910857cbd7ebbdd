/*
 * oneshot — sources read once, positions saved with the reports (see
 * oneshot.h).
 */
#include "cli/oneshot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "classify/engine.h"
#include "input/lines.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xmem.h"

#define GZ_SECTION	"oneshot.gz"	/* state section: compressed files read */
#define GZ_VERSION	1

/* A compressed file read whole: its identity when it was read. */
struct gzrec {
	char		*path;		/* owned */
	uint64_t	 dev, ino, size;
	int64_t		 mtime_ns;
};

/* Counts the lines on their way to the caller's callback. */
struct shim {
	struct oneshot	*os;
	in_file_line_fn	*fn;
	void		*arg;
};

static void
shim_line(void *arg, const char *line, size_t len, size_t cut_from)
{
	struct shim *s = arg;

	s->os->stats.lines++;
	s->fn(s->arg, line, len, cut_from);
}

/* shim_line with the progress line (a separate function, so that the
 * loops without one stay as they were) */
static void
shim_progress(void *arg, const char *line, size_t len, size_t cut_from)
{
	struct shim *s = arg;

	progress_line(s->os->progress, len);
	shim_line(arg, line, len, cut_from);
}

static uint64_t
fnv(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;

	while (n-- > 0) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- the compressed-file records (a state section) ---- */

static void
gz_add(struct oneshot *os, const char *path, const struct stat *sb)
{
	struct gzrec *g = NULL;
	size_t i;

	for (i = 0; i < os->ngz; i++)
		if (strcmp(os->gz[i].path, path) == 0)
			g = &os->gz[i];
	if (g == NULL) {
		os->gz = xreallocarray(os->gz, os->ngz + 1, sizeof(*os->gz));
		g = &os->gz[os->ngz++];
		g->path = xstrdup(path);
	}
	g->dev = (uint64_t)sb->st_dev;
	g->ino = (uint64_t)sb->st_ino;
	g->size = (uint64_t)sb->st_size;
	g->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 +
	    sb->st_mtim.tv_nsec;
}

static bool
gz_seen(const struct oneshot *os, const char *path, const struct stat *sb)
{
	int64_t m = (int64_t)sb->st_mtim.tv_sec * 1000000000 +
	    sb->st_mtim.tv_nsec;
	size_t i;

	for (i = 0; i < os->ngz; i++) {
		const struct gzrec *g = &os->gz[i];

		if (strcmp(g->path, path) == 0)
			return g->dev == (uint64_t)sb->st_dev &&
			    g->ino == (uint64_t)sb->st_ino &&
			    g->size == (uint64_t)sb->st_size && g->mtime_ns == m;
	}
	return false;
}

/* Section layout: u32 version, u32 n, n × { u32 len, path, u64 dev, ino,
 * size, i64 mtime_ns } (host byte order, as the checkpoint). */
static void
gz_encode(const struct oneshot *os, struct buf *b)
{
	uint32_t v = GZ_VERSION, n = (uint32_t)os->ngz, len;
	size_t i;

	buf_add(b, &v, sizeof(v));
	buf_add(b, &n, sizeof(n));
	for (i = 0; i < os->ngz; i++) {
		const struct gzrec *g = &os->gz[i];

		len = (uint32_t)strlen(g->path);
		buf_add(b, &len, sizeof(len));
		buf_add(b, g->path, len);
		buf_add(b, &g->dev, sizeof(g->dev));
		buf_add(b, &g->ino, sizeof(g->ino));
		buf_add(b, &g->size, sizeof(g->size));
		buf_add(b, &g->mtime_ns, sizeof(g->mtime_ns));
	}
}

static void
gz_decode(struct oneshot *os, const char *p, size_t len)
{
	const char *end = p + len;
	uint32_t v, n, i, plen;

	if (len < 8)
		goto bad;
	memcpy(&v, p, 4);
	memcpy(&n, p + 4, 4);
	p += 8;
	if (v != GZ_VERSION)
		goto bad;
	for (i = 0; i < n; i++) {
		struct gzrec g;

		if ((size_t)(end - p) < 4)
			goto bad;
		memcpy(&plen, p, 4);
		p += 4;
		if ((size_t)(end - p) < (size_t)plen + 32)
			goto bad;
		g.path = xmemdup0(p, plen);
		p += plen;
		memcpy(&g.dev, p, 8);
		memcpy(&g.ino, p + 8, 8);
		memcpy(&g.size, p + 16, 8);
		memcpy(&g.mtime_ns, p + 24, 8);
		p += 32;
		os->gz = xreallocarray(os->gz, os->ngz + 1, sizeof(*os->gz));
		os->gz[os->ngz++] = g;
	}
	return;
bad:
	log_warnx("%s: the record of compressed files read is damaged; they "
	    "will be read again", os->path);
}

/* ---- opening ---- */

int
oneshot_open(struct oneshot *os, const char *dir, const char *name,
    bool test, size_t max_line, unsigned partial_timeout, struct engine *e)
{
	char err[512], *lock;
	const struct state_section *sec;
	int rc;

	memset(os, 0, sizeof(*os));
	os->lockfd = -1;
	os->test = test;
	os->name = xstrdup(name);
	os->max_line = max_line;
	os->partial_timeout = partial_timeout;
	clock_gettime(CLOCK_REALTIME, &os->started);
	if (dir == NULL)
		return 0;
	os->dir = xstrdup(dir);
	os->path = xasprintf("%s/%s.state", dir, name);
	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		log_warn("cannot create the state directory %s (create it for "
		    "the user that runs logward, or name another)", dir);
		goto fail;
	}
	lock = xasprintf("%s/%s.lock", dir, name);
	os->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (os->lockfd == -1) {
		log_warn("%s", lock);
		free(lock);
		goto fail;
	}
	if (flock(os->lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			log_warnx("another '%s' run is using %s (it holds %s); "
			    "this run did nothing: try again when it ends",
			    name, dir, lock);
		else
			log_warn("lock %s", lock);
		free(lock);
		goto fail;
	}
	free(lock);
	rc = state_read(os->path, &os->st, e, err, sizeof(err));
	if (rc == -1 && test) {
		log_warnx("state: %s; --test reads every source from its start",
		    err);
		memset(&os->st, 0, sizeof(os->st));
	} else if (rc == -1) {
		char *aside = xasprintf("%s.corrupt-%lld", os->path,
		    (long long)os->started.tv_sec);

		if (rename(os->path, aside) == 0)
			log_warnx("state: %s; kept as %s; every source is read "
			    "from its start", err, aside);
		else {
			log_warn("state: %s; cannot set it aside as %s", err,
			    aside);
			free(aside);
			goto fail;
		}
		free(aside);
		memset(&os->st, 0, sizeof(os->st));
	}
	if ((sec = state_section_get(&os->st, GZ_SECTION)) != NULL)
		gz_decode(os, sec->data, sec->len);
	return 0;
fail:
	oneshot_close(os);
	return -1;
}

/* ---- reading ---- */

/* Whether the file fd starts with gzip's magic (a pipe: no). */
static bool
is_gzip(int fd)
{
	unsigned char m[2];

	return pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

/* The whole of fd (gzip decompressed): its lines to s.  A plain file is
 * read with read(2); a pipe goes through zlib, which passes text through
 * and decompresses gzip (transparent mode). */
static int
read_whole(struct oneshot *os, int fd, const char *name, struct shim *s)
{
	struct lines l;
	const char *line;
	size_t len, cut;
	gzFile gz = NULL;
	int rc;

	if (lseek(fd, 0, SEEK_CUR) != -1 && !is_gzip(fd))
		lines_init(&l, fd, os->max_line);	/* no copy through zlib */
	else if ((gz = gzdopen(fd, "rb")) == NULL) {
		log_warnx("%s: out of memory", name);
		close(fd);
		return -1;
	} else {
		gzbuffer(gz, 128 * 1024);
		lines_init_gz(&l, gz, os->max_line);
	}
	if (os->progress != NULL)
		while ((rc = lines_next(&l, &line, &len, &cut)) == 1)
			shim_progress(s, line, len, cut);
	else
		while ((rc = lines_next(&l, &line, &len, &cut)) == 1)
			shim_line(s, line, len, cut);
	if (rc == -1)
		log_warn("%s: read error", name);
	lines_free(&l);
	if (gz != NULL)
		gzclose(gz);
	else
		close(fd);
	return rc == -1 ? -1 : 0;
}

static const struct in_file_save *
saved_input(const struct oneshot *os, const char *path)
{
	size_t i;

	for (i = 0; i < os->st.ninputs; i++)
		if (strcmp(os->st.inputs[i].path, path) == 0)
			return &os->st.inputs[i].save;
	return NULL;
}

static void
note_done(struct oneshot *os, const char *path, const struct in_file_save *sv)
{
	size_t i;

	for (i = 0; i < os->ndone; i++)
		if (strcmp(os->done[i].path, path) == 0) {
			os->done[i].save = *sv;
			return;
		}
	os->done = xreallocarray(os->done, os->ndone + 1, sizeof(*os->done));
	os->done[os->ndone].path = xstrdup(path);
	os->done[os->ndone].save = *sv;
	os->ndone++;
}

/* With a state directory: the tailer, from the saved position. */
static int
read_tailed(struct oneshot *os, const char *path, struct shim *s)
{
	const struct in_file_save *saved = saved_input(os, path);
	struct in_file_opts fo;
	struct in_file_stats fs;
	struct in_file_save sv;
	struct in_file *f;
	struct stat sb;
	time_t now = time(NULL);
	int rc;

	memset(&fo, 0, sizeof(fo));
	fo.max_line = os->max_line;
	fo.start_at_end = false;	/* a first run reads the file whole */
	fo.rotate_grace = 0;		/* nobody writes a rotated file now */
	/* a last line without newline: taken once the file has been idle */
	fo.partial_timeout = stat(path, &sb) == 0 &&
	    now - sb.st_mtim.tv_sec >= (time_t)os->partial_timeout ? 0 :
	    UINT_MAX / 2;
	fo.saved_at.tv_sec = (time_t)(os->st.saved / 1000000000);
	fo.saved_at.tv_nsec = (long)(os->st.saved % 1000000000);
	f = in_file_new(path, &fo, saved);
	rc = in_file_poll(f, now, 0, os->progress != NULL ? shim_progress :
	    shim_line, s);
	in_file_stats(f, &fs);
	os->stats.losses += fs.losses_unknown;
	os->stats.files += fs.rotations + (fs.state == IN_FILE_READING);
	if (fs.state == IN_FILE_WAITING && rc == 0 && saved == NULL) {
		log_warnx("%s: no such file", path);	/* vanished meanwhile */
		rc = -1;
	}
	in_file_save(f, &sv);
	note_done(os, path, &sv);
	in_file_free(f);
	return rc == -1 ? -1 : 0;
}

int
oneshot_file(struct oneshot *os, const char *path, in_file_line_fn *fn,
    void *arg)
{
	struct shim s = { os, fn, arg };
	struct stat sb;
	int fd, rc;

	if (strcmp(path, "-") == 0) {
		if ((fd = dup(0)) == -1) {
			log_warn("stdin");
			os->stats.errors++;
			return -1;
		}
		rc = read_whole(os, fd, "stdin", &s);
		os->stats.errors += rc == -1;
		return rc;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		const struct in_file_save *saved = os->dir != NULL ?
		    saved_input(os, path) : NULL;

		if (errno == ENOENT && saved != NULL) {
			/* rotated away and not created again: the tailer
			 * finds the rest among the rotated names */
			rc = read_tailed(os, path, &s);
			os->stats.errors += rc == -1;
			return rc;
		}
		log_warn("%s", path);
		os->stats.errors++;
		if (saved != NULL)	/* kept as the last run saved it */
			note_done(os, path, saved);
		return -1;
	}
	if (os->dir != NULL && !is_gzip(fd)) {
		close(fd);
		rc = read_tailed(os, path, &s);
		os->stats.errors += rc == -1;
		return rc;
	}
	if (os->dir != NULL) {
		if (fstat(fd, &sb) == 0 && gz_seen(os, path, &sb)) {
			os->stats.skipped++;
			close(fd);
			return 0;
		}
	}
	if (fstat(fd, &sb) == -1) {
		log_warn("%s", path);
		close(fd);
		os->stats.errors++;
		return -1;
	}
	os->stats.files++;
	rc = read_whole(os, fd, path, &s);
	if (rc == 0 && os->dir != NULL)
		gz_add(os, path, &sb);
	os->stats.errors += rc == -1;
	return rc;
}

int
oneshot_journal(struct oneshot *os, const struct in_journal_opts *o,
    uint64_t since_usec, in_journal_line_fn *fn, void *arg, bool *first)
{
	struct shim s = { os, fn, arg };
	struct in_journal_opts jo = *o;
	struct in_journal_stats js;
	struct in_journal *j;
	const char *cur;
	char err[512];
	int rc;

	/* the local journal may hold years: a first run reads its recent
	 * part only; named journal files or a directory are read whole */
	*first = os->st.journal_cursor == NULL && o->dir == NULL &&
	    o->files == NULL;
	if (*first)
		jo.since_usec = since_usec;
	jo.start_at_end = false;
	j = in_journal_open(&jo, os->st.journal_cursor, err, sizeof(err));
	if (j == NULL) {
		log_warnx("%s (the journal was not read)", err);
		os->stats.errors++;
		return -1;
	}
	while ((rc = in_journal_poll(j, 0, os->progress != NULL ?
	    shim_progress : shim_line, &s)) == 1)
		;
	in_journal_stats(j, &js);
	os->stats.losses += js.cursor_lost;
	if ((cur = in_journal_cursor(j)) != NULL) {
		free(os->cursor);
		os->cursor = xstrdup(cur);
	}
	in_journal_free(j);
	if (rc == -1)
		os->stats.errors++;
	return rc == -1 ? -1 : 0;
}

/* ---- saving ---- */

uint64_t
oneshot_seq(const struct oneshot *os)
{
	return os->st.seq;
}

void
oneshot_id(const struct oneshot *os, char *dst, size_t size)
{
	char *real;
	uint64_t h;

	char *p;

	if (os->path == NULL) {
		snprintf(dst, size, "%s_once_%ld_%lld", os->name, (long)getpid(),
		    (long long)os->started.tv_sec);
	} else {
		real = realpath(os->dir, NULL);
		h = fnv(real != NULL ? real : os->dir, strlen(real != NULL ?
		    real : os->dir), 0xcbf29ce484222325ULL);
		h = fnv("/", 1, h);
		h = fnv(os->name, strlen(os->name), h);
		free(real);
		snprintf(dst, size, "%s_%08llx", os->name,
		    (unsigned long long)(h & 0xffffffffULL));
	}
	/* outbox names take [a-z0-9_] */
	for (p = dst; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			*p = '_';
}

int
oneshot_save(struct oneshot *os, struct engine *e, uint64_t seq)
{
	struct state st;
	struct buf b;
	size_t i, j;
	int rc;

	if (os->dir == NULL || os->test)
		return 0;
	memset(&st, 0, sizeof(st));
	st.seq = seq;
	st.rules_hash = e != NULL ? state_rules_hash(e->conf) : 0;
	/* the positions were taken after this: in_file compares rotated
	 * files' mtimes with it */
	st.saved = (int64_t)os->started.tv_sec * 1000000000 +
	    os->started.tv_nsec;
	st.inputs = xcalloc(os->ndone + os->st.ninputs + 1, sizeof(*st.inputs));
	for (i = 0; i < os->ndone; i++) {
		st.inputs[st.ninputs].path = xstrdup(os->done[i].path);
		st.inputs[st.ninputs++].save = os->done[i].save;
	}
	for (i = 0; i < os->st.ninputs; i++) {
		bool read = false;

		for (j = 0; j < os->ndone && !read; j++)
			read = strcmp(os->done[j].path, os->st.inputs[i].path) == 0;
		if (read)
			continue;	/* not named this time: kept as it was */
		st.inputs[st.ninputs].path = xstrdup(os->st.inputs[i].path);
		st.inputs[st.ninputs++].save = os->st.inputs[i].save;
	}
	if (os->cursor != NULL)
		st.journal_cursor = xstrdup(os->cursor);
	else if (os->st.journal_cursor != NULL)
		st.journal_cursor = xstrdup(os->st.journal_cursor);
	for (i = 0; i < os->st.nsections; i++)
		state_section_set(&st, os->st.sections[i].name,
		    os->st.sections[i].data, os->st.sections[i].len);
	buf_init(&b, SIZE_MAX / 4);
	gz_encode(os, &b);
	state_section_set(&st, GZ_SECTION, b.data, b.len);
	buf_free(&b);
	rc = state_write(os->path, &st, e);
	state_free(&st);
	return rc;
}

void
oneshot_close(struct oneshot *os)
{
	size_t i;

	if (os->lockfd != -1)
		close(os->lockfd);	/* releases the flock */
	for (i = 0; i < os->ndone; i++)
		free(os->done[i].path);
	free(os->done);
	for (i = 0; i < os->ngz; i++)
		free(os->gz[i].path);
	free(os->gz);
	state_free(&os->st);
	free(os->cursor);
	free(os->dir);
	free(os->name);
	free(os->path);
	memset(os, 0, sizeof(*os));
	os->lockfd = -1;
}
