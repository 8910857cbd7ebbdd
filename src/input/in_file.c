/*
 * in_file — the rotation-aware file tailer (see in_file.h).
 *
 * A reader (struct rd) follows one open file.  Its stream buffer holds
 * the file's content [base, base + end) contiguously; it always keeps the
 * IN_FILE_TAIL bytes before the consumed offset, so a position and its
 * tail fingerprint can be saved at any moment without I/O.  A line longer
 * than max_line keeps its head in a separate area (the front of mem)
 * while the rest is skipped, and a snapshot of its tail fingerprint.
 *
 * A tailer uses at most two readers at a time: cur (the file at the path)
 * and old (a renamed-away file being drained, the rotated copy after a
 * truncation, or the first file of the catch-up plan after a restart),
 * plus the rest of that plan, read one after the other.  cur is read in
 * parallel with old only when the plan is empty; a rotation or truncation
 * seen while old is busy waits (old is hurried) — so {old, cur} always
 * describes every partly read file, which is what in_file_save records.
 */
#include "input/in_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/log.h"
#include "lib/xmem.h"

#define BLOCK		(256 * 1024)	/* read size */
#define KEEP		IN_FILE_TAIL	/* bytes kept before the offset */
#define PAD		64		/* zeroed slack after the buffer (PCRE2 JIT) */
#define DEF_MAX_LINE	(64 * 1024)
#define BACK_SCAN	(64 * 1024)	/* start_at_end: look back for a newline */

enum rd_kind {
	RD_LIVE,			/* the file at the path */
	RD_DRAIN,			/* renamed away: closed after rotate_grace idle */
	RD_FINAL,			/* complete (copy, .gz, older rotation): closed at EOF */
};

struct rd {
	int		 fd;		/* owned; -1 when gz owns it */
	gzFile		 gz;		/* owned, for .gz files */
	char		*name;		/* owned, for messages */
	uint64_t	 dev, ino;	/* identity */
	enum rd_kind	 kind;
	bool		 hurry;		/* drain: close at the next end of file */
	bool		 ready;		/* positioned by rd_seek */
	bool		 stalled;	/* truncated, handled once old is done */
	size_t		 max_line;
	char		*mem;		/* owned: cut head (max_line), then buf */
	char		*buf;		/* stream area: content [base, base + end) */
	size_t		 size;		/* bytes of buf */
	size_t		 start;		/* first unconsumed byte (cut line: = scan) */
	size_t		 scan;		/* newline search resumes here */
	size_t		 end;		/* end of valid data */
	uint64_t	 base;		/* content offset of buf[0] */
	uint64_t	 offset;	/* consumed */
	unsigned char	 head[IN_FILE_HEAD]; /* the first head_len bytes */
	uint32_t	 head_len;
	bool		 cutting;	/* inside a line longer than max_line */
	uint64_t	 cut_len;	/* its length so far */
	uint32_t	 cut_tail_len;	/* tail fingerprint at its start */
	uint64_t	 cut_tail_hash;
	time_t		 grown;		/* last time data arrived; -1 = next poll */
	uint64_t	 size_seen;	/* st_size at the last check */
	struct timespec	 mtime_seen;	/* st_mtim at the last check */
};

enum err_kind { ERR_NONE, ERR_STAT, ERR_OPEN, ERR_READ };

struct in_file {
	char		*path;		/* owned */
	char		*dir;		/* owned: directory of path */
	char		*base;		/* owned: file name of path */
	struct in_file_opts o;
	size_t		 max_line;
	struct rd	*old;		/* drained / copy / plan head, or NULL */
	struct rd	*cur;		/* file at the path, or NULL (waiting) */
	struct rd	*plan[IN_FILE_MAXCAND]; /* read after old, in order */
	size_t		 nplan;
	struct in_file_pos anchor;	/* the last file read to its end */
	struct in_file_pos resume;	/* saved cur, path unreadable at start */
	bool		 se_pending;	/* start_at_end for this file: */
	uint64_t	 se_dev, se_ino, se_size;
	enum err_kind	 err;		/* kept error */
	char		 errmsg[192];
	bool		 err_now;	/* an error during this poll */
	uint64_t	 lines, bytes, rotations, bytes_lost, losses_unknown;
	uint64_t	 cut_lines;
};

/* A delivery context: the callback and the per-poll cap. */
struct ctx {
	in_file_line_fn	*fn;
	void		*arg;
	size_t		 max;		/* 0 = no cap */
	size_t		 count;
};

/* A rotated name of the path. */
struct cand {
	char		*name;		/* owned full path */
	bool		 gz;
	bool		 dated;		/* PATH-DATE, else PATH.N */
	unsigned long	 num;		/* N */
	char		 date[32];	/* the digits of DATE */
	struct timespec	 mtime;
	uint64_t	 dev, ino;
};

/* 64-bit FNV-1a: stable across versions (positions are saved). */
static uint64_t
fnv(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n-- > 0) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static ssize_t
pread_all(int fd, void *p, size_t n, uint64_t at)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, (char *)p + got, n - got, (off_t)(at + got));

		if (k == -1 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

/* ---- errors ---- */

static void
set_error(struct in_file *f, enum err_kind kind, const char *what,
    const char *detail)
{
	char msg[sizeof(f->errmsg)];

	snprintf(msg, sizeof(msg), "%s: %s", what, detail);
	if (f->err != kind || strcmp(msg, f->errmsg) != 0) {
		log_warnx("%s: %s", f->path, msg);
		memcpy(f->errmsg, msg, sizeof(msg));
	}
	f->err = kind;
	f->err_now = true;
}

static void
clear_error(struct in_file *f, enum err_kind upto)
{
	if (f->err != ERR_NONE && f->err <= upto) {
		f->err = ERR_NONE;
		f->errmsg[0] = '\0';
	}
}

/* ---- readers ---- */

/* Opens name (gz: decompressed); returns an owned reader, or NULL with
 * errno set. */
static struct rd *
rd_open(const char *name, bool gz, size_t max_line)
{
	struct rd *r;
	struct stat st;
	int fd, e;

	do {
		fd = open(name, O_RDONLY | O_CLOEXEC);
	} while (fd == -1 && errno == EINTR);
	if (fd == -1)
		return NULL;
	e = fstat(fd, &st) == -1 ? errno : S_ISREG(st.st_mode) ? 0 : EINVAL;
	if (e != 0) {
		close(fd);
		errno = e;
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->name = xstrdup(name);
	r->dev = (uint64_t)st.st_dev;
	r->ino = (uint64_t)st.st_ino;
	r->max_line = max_line;
	r->grown = -1;
	r->size_seen = (uint64_t)st.st_size;
	r->mtime_seen = st.st_mtim;
	if (gz) {
		r->gz = gzdopen(fd, "rb");
		if (r->gz == NULL) {
			close(fd);
			free(r->name);
			free(r);
			errno = ENOMEM;
			return NULL;
		}
		r->fd = -1;
		gzbuffer(r->gz, 128 * 1024);
	}
	return r;
}

static void
rd_free(struct rd *r)
{
	if (r == NULL)
		return;
	if (r->gz != NULL)
		gzclose(r->gz);
	else if (r->fd != -1)
		close(r->fd);
	free(r->mem);
	free(r->name);
	free(r);
}

static ssize_t
rd_read(struct rd *r, char *p, size_t n)
{
	ssize_t k;

	if (r->gz != NULL) {
		int e;

		k = gzread(r->gz, p, (unsigned)min64(n, INT_MAX));
		if (k < 0) {
			gzerror(r->gz, &e);
			if (e != Z_ERRNO)
				errno = EIO;
		}
		return k;
	}
	do {
		k = read(r->fd, p, n);
	} while (k == -1 && errno == EINTR);
	return k;
}

/* Records bytes read at content offset at that belong to the head. */
static void
head_add(struct rd *r, uint64_t at, const char *p, size_t n)
{
	size_t skip, take;

	if (r->head_len >= IN_FILE_HEAD || at > r->head_len ||
	    at + n <= r->head_len)
		return;
	skip = (size_t)(r->head_len - at);
	take = (size_t)min64(n - skip, IN_FILE_HEAD - r->head_len);
	memcpy(r->head + r->head_len, p + skip, take);
	r->head_len += (uint32_t)take;
}

static bool
head_ok(const struct rd *r, const struct in_file_pos *want)
{
	return want->head_len <= r->head_len &&
	    fnv(r->head, want->head_len) == want->head_hash;
}

/* Positions r at content offset: reads the head and the tail bytes before
 * offset.  With want, also checks that the head and the tail match it.
 * Returns 0, 1 when the file is shorter than offset or does not match,
 * -1 on a read error (errno set). */
static int
rd_seek(struct rd *r, uint64_t offset, const struct in_file_pos *want)
{
	uint64_t target = offset;
	bool head_checked = false;

	if (r->mem == NULL) {
		r->size = KEEP + r->max_line + BLOCK;
		r->mem = xcalloc(1, r->max_line + r->size + PAD);
		r->buf = r->mem + r->max_line;
	}
	r->base = 0;
	r->start = r->scan = r->end = 0;
	r->offset = 0;
	r->cutting = false;
	r->cut_len = 0;
	r->ready = false;
	r->head_len = 0;
	if (r->gz != NULL) {
		if (gzrewind(r->gz) == -1) {
			errno = EIO;
			return -1;
		}
		if (want != NULL && want->head_len > target)
			target = want->head_len;
	} else {
		ssize_t n = pread_all(r->fd, r->head, IN_FILE_HEAD, 0);
		uint64_t from = offset - min64(KEEP, offset);

		if (n < 0)
			return -1;
		r->head_len = (uint32_t)n;
		if (want != NULL && !head_ok(r, want))
			return 1;
		head_checked = true;
		if (lseek(r->fd, (off_t)from, SEEK_SET) == -1)
			return -1;
		r->base = from;
	}
	while (r->base + r->end < target) {
		uint64_t pos = r->base + r->end;
		ssize_t n;

		if (pos < offset && r->end > KEEP) {
			size_t drop = r->end - KEEP;

			memmove(r->buf, r->buf + drop, KEEP);
			r->base += drop;
			r->end = KEEP;
		}
		n = rd_read(r, r->buf + r->end,
		    (size_t)min64(r->size - r->end, target - pos));
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		head_add(r, pos, r->buf + r->end, (size_t)n);
		r->end += (size_t)n;
		if (want != NULL && !head_checked &&
		    r->head_len >= want->head_len) {
			if (!head_ok(r, want))
				return 1;
			head_checked = true;
		}
	}
	if (r->base + r->end < offset)
		return 1;
	if (want != NULL && !head_checked && !head_ok(r, want))
		return 1;
	r->start = r->scan = (size_t)(offset - r->base);
	r->offset = offset;
	if (want != NULL && (want->tail_len != min64(KEEP, offset) ||
	    fnv(r->buf + r->start - want->tail_len, want->tail_len) !=
	    want->tail_hash))
		return 1;
	r->ready = true;
	return 0;
}

/* The position of r: what has been delivered from it.  A head shorter
 * than IN_FILE_HEAD is completed from the file when it still starts with
 * it (a stronger identity for the checkpoint). */
static void
rd_pos(const struct rd *r, struct in_file_pos *p)
{
	char head[IN_FILE_HEAD];
	ssize_t k;

	memset(p, 0, sizeof(*p));
	p->valid = true;
	p->dev = r->dev;
	p->ino = r->ino;
	p->offset = r->offset;
	p->head_len = r->head_len;
	p->head_hash = fnv(r->head, r->head_len);
	if (r->head_len < IN_FILE_HEAD && r->fd != -1 &&
	    (k = pread_all(r->fd, head, sizeof(head), 0)) > (ssize_t)r->head_len &&
	    memcmp(head, r->head, r->head_len) == 0) {
		p->head_len = (uint32_t)k;
		p->head_hash = fnv(head, (size_t)k);
	}
	if (r->cutting) {
		p->tail_len = r->cut_tail_len;
		p->tail_hash = r->cut_tail_hash;
	} else {
		size_t at = (size_t)(r->offset - r->base);
		size_t tl = (size_t)min64(KEEP, r->offset);

		p->tail_len = (uint32_t)tl;
		p->tail_hash = fnv(r->buf + at - tl, tl);
	}
}

/* Reads more after dropping what is no longer needed; returns bytes
 * read, 0 at end of file, -1 (errno set). */
static ssize_t
fill(struct rd *r, time_t now)
{
	ssize_t n;

	if (r->start > KEEP) {
		size_t drop = r->start - KEEP;

		memmove(r->buf, r->buf + drop, r->end - drop);
		r->base += drop;
		r->start -= drop;
		r->scan -= drop;
		r->end -= drop;
	}
	n = rd_read(r, r->buf + r->end, r->size - r->end);
	if (n > 0) {
		head_add(r, r->base + r->end, r->buf + r->end, (size_t)n);
		r->end += (size_t)n;
		r->grown = now;
	}
	return n;
}

static bool
has_partial(const struct rd *r)
{
	return r->cutting || r->end > r->start;
}

/* Passes one line to fn, then counts it as consumed up to newoff. */
static void
deliver(struct in_file *f, struct rd *r, const char *line, size_t len,
    size_t cut_from, uint64_t newoff, struct ctx *c)
{
	c->fn(c->arg, line, len, cut_from);
	r->cutting = false;
	f->lines++;
	f->bytes += newoff - r->offset;
	if (cut_from != 0)
		f->cut_lines++;
	r->offset = newoff;
	c->count++;
}

/* Delivers the complete lines of r (reading more when may_read).
 * Returns 1 when the cap was reached, 0 at end of data, -1 on a read
 * error (errno set). */
static int
pump(struct in_file *f, struct rd *r, time_t now, struct ctx *c,
    bool may_read)
{
	for (;;) {
		char *nl;
		ssize_t n;

		if (c->max != 0 && c->count >= c->max)
			return 1;
		nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		if (nl != NULL) {
			size_t k = (size_t)(nl - r->buf);

			if (r->cutting) {
				r->cut_len += k - r->scan;
				r->start = r->scan = k + 1;
				deliver(f, r, r->mem, r->max_line,
				    (size_t)r->cut_len, r->base + k + 1, c);
			} else {
				const char *line = r->buf + r->start;
				size_t len = k - r->start;

				r->start = r->scan = k + 1;
				if (len > r->max_line)
					deliver(f, r, line, r->max_line, len,
					    r->base + k + 1, c);
				else
					deliver(f, r, line, len, 0,
					    r->base + k + 1, c);
			}
			continue;
		}
		if (r->cutting) {
			r->cut_len += r->end - r->scan;
			r->start = r->scan = r->end;
		} else if (r->end - r->start > r->max_line) {
			/* too long: keep its head aside, skip the rest */
			size_t tl = (size_t)min64(KEEP, r->offset);

			r->cut_tail_len = (uint32_t)tl;
			r->cut_tail_hash = fnv(r->buf + r->start - tl, tl);
			memcpy(r->mem, r->buf + r->start, r->max_line);
			r->cut_len = r->end - r->start;
			r->cutting = true;
			r->start = r->scan = r->end;
		} else
			r->scan = r->end;
		if (!may_read)
			return 0;
		n = fill(r, now);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
	}
}

/* Delivers a last line without newline (or the head of a cut line). */
static void
flush_partial(struct in_file *f, struct rd *r, struct ctx *c)
{
	if (r->cutting) {
		r->start = r->scan = r->end;
		deliver(f, r, r->mem, r->max_line, (size_t)r->cut_len,
		    r->base + r->end, c);
	} else if (r->end > r->start) {
		const char *line = r->buf + r->start;
		size_t len = r->end - r->start;

		r->start = r->scan = r->end;
		deliver(f, r, line, len, 0, r->base + r->end, c);
	}
}

/* Whether the file under r was truncated (or truncated and regrown):
 * smaller than what was read, or different bytes before that point or
 * at its start.  Extends the head fingerprint while the file is short. */
static bool
truncated(struct rd *r, const struct stat *st)
{
	uint64_t pos = r->base + r->end, size = (uint64_t)st->st_size;
	char tmp[IN_FILE_HEAD];
	size_t n;
	ssize_t k;

	if (size < pos)
		return true;
	if (size == r->size_seen &&
	    st->st_mtim.tv_sec == r->mtime_seen.tv_sec &&
	    st->st_mtim.tv_nsec == r->mtime_seen.tv_nsec)
		return false;
	n = (size_t)min64(KEEP, r->end);
	if (n > 0) {
		if ((k = pread_all(r->fd, tmp, n, pos - n)) < 0)
			return false;
		if ((size_t)k != n || memcmp(tmp, r->buf + r->end - n, n) != 0)
			return true;
	}
	if (n == 0 || r->head_len < IN_FILE_HEAD) {
		n = (size_t)min64(IN_FILE_HEAD, size);
		if ((k = pread_all(r->fd, tmp, n, 0)) < 0)
			return false;
		if ((size_t)k < r->head_len ||
		    memcmp(tmp, r->head, r->head_len) != 0)
			return true;
		memcpy(r->head, tmp, (size_t)k);
		r->head_len = (uint32_t)k;
	}
	return false;
}

/* ---- rotated names ---- */

/* Parses what follows the path's name: .N, -DATE, each with .gz. */
static bool
parse_suffix(const char *s, struct cand *c)
{
	size_t len = strlen(s), i, digits = 0;

	memset(c, 0, sizeof(*c));
	if (len > 3 && strcmp(s + len - 3, ".gz") == 0) {
		c->gz = true;
		len -= 3;
	}
	if (len < 2)
		return false;
	if (s[0] == '.') {
		if (len > 10)
			return false;
		for (i = 1; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return false;
			c->num = c->num * 10 + (unsigned long)(s[i] - '0');
		}
		return true;
	}
	if (s[0] != '-' || s[1] < '0' || s[1] > '9' ||
	    s[len - 1] < '0' || s[len - 1] > '9')
		return false;
	for (i = 1; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (digits + 1 >= sizeof(c->date))
				return false;
			c->date[digits++] = s[i];
		} else if (s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	}
	c->date[digits] = '\0';
	c->dated = true;
	return digits >= 6;
}

static int
ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

/* Oldest first: a higher .N is older; an earlier date is older. */
static int
cand_order(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	int d;

	if (!a->dated && a->num != b->num)
		return a->num > b->num ? -1 : 1;
	if (a->dated && (d = strcmp(a->date, b->date)) != 0)
		return d;
	if ((d = ts_cmp(&a->mtime, &b->mtime)) != 0)
		return d;
	return strcmp(a->name, b->name);
}

static void
cand_free(struct cand *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* Lists the rotated names of the path, oldest first, the newest
 * IN_FILE_MAXCAND of them; skips the file now at the path, a .gz whose
 * uncompressed twin exists (being written) and further hard links.
 * Returns the count, *out owned. */
static size_t
cand_list(const struct in_file *f, struct cand **out)
{
	struct cand *v = NULL, *num = NULL, *dat = NULL, c;
	size_t n = 0, cap = 0, nn = 0, nd = 0, i, j, k, bl = strlen(f->base);
	struct dirent *de;
	struct stat pst;
	bool have_path;
	uint64_t pdev, pino;
	DIR *d;

	*out = NULL;
	have_path = stat(f->path, &pst) == 0;
	pdev = have_path ? (uint64_t)pst.st_dev : 0;
	pino = have_path ? (uint64_t)pst.st_ino : 0;
	if ((d = opendir(f->dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (strncmp(de->d_name, f->base, bl) != 0 ||
		    !parse_suffix(de->d_name + bl, &c))
			continue;
		c.name = xasprintf("%s/%s", f->dir, de->d_name);
		if (stat(c.name, &st) == -1 || !S_ISREG(st.st_mode) ||
		    (have_path && (uint64_t)st.st_dev == pdev &&
		    (uint64_t)st.st_ino == pino)) {
			free(c.name);
			continue;
		}
		c.dev = (uint64_t)st.st_dev;
		c.ino = (uint64_t)st.st_ino;
		c.mtime = st.st_mtim;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = c;
	}
	closedir(d);
	/* drop .gz twins and hard links */
	for (i = 0; i < n; i++) {
		bool drop = false;

		for (j = 0; j < n && !drop && v[i].name != NULL; j++) {
			size_t l;

			if (j == i || v[j].gz || v[j].name == NULL)
				continue;
			l = strlen(v[j].name);
			if (v[i].gz && strlen(v[i].name) == l + 3 &&
			    strncmp(v[i].name, v[j].name, l) == 0)
				drop = true;
			else if (!v[i].gz && j < i && v[j].dev == v[i].dev &&
			    v[j].ino == v[i].ino)
				drop = true;
		}
		if (drop) {
			free(v[i].name);
			v[i].name = NULL;
		}
	}
	/* each naming scheme in its own order, merged by mtime */
	num = xreallocarray(NULL, n + 1, sizeof(*num));
	dat = xreallocarray(NULL, n + 1, sizeof(*dat));
	for (i = 0; i < n; i++) {
		if (v[i].name == NULL)
			continue;
		if (v[i].dated)
			dat[nd++] = v[i];
		else
			num[nn++] = v[i];
	}
	qsort(num, nn, sizeof(*num), cand_order);
	qsort(dat, nd, sizeof(*dat), cand_order);
	for (i = j = k = 0; i < nn || j < nd; k++) {
		if (j == nd || (i < nn && ts_cmp(&num[i].mtime, &dat[j].mtime) <= 0))
			v[k] = num[i++];
		else
			v[k] = dat[j++];
	}
	free(num);
	free(dat);
	n = k;
	if (n > IN_FILE_MAXCAND) {
		for (i = 0; i < n - IN_FILE_MAXCAND; i++)
			free(v[i].name);
		memmove(v, v + (n - IN_FILE_MAXCAND),
		    IN_FILE_MAXCAND * sizeof(*v));
		n = IN_FILE_MAXCAND;
	}
	if (n == 0) {
		free(v);
		v = NULL;
	}
	*out = v;
	return n;
}

/* Finds the newest candidate holding want's content at want's offset
 * (plain files with want's identity first), except index skip.  Returns
 * its index with *out an owned reader positioned there, or -1. */
static int
cand_find(const struct in_file *f, const struct cand *v, size_t n,
    const struct in_file_pos *want, int skip, struct rd **out)
{
	int pass;
	size_t i;

	*out = NULL;
	/* an empty fingerprint (the file was empty) matches any file by
	 * content: only the inode can tell then */
	for (pass = 0; pass < (want->head_len > 0 ? 2 : 1); pass++) {
		for (i = n; i-- > 0;) {
			bool same = !v[i].gz && v[i].dev == want->dev &&
			    v[i].ino == want->ino;
			struct rd *r;

			if ((int)i == skip || same != (pass == 0))
				continue;
			if ((r = rd_open(v[i].name, v[i].gz, f->max_line)) == NULL)
				continue;
			if (rd_seek(r, want->offset, want) == 0) {
				*out = r;
				return (int)i;
			}
			rd_free(r);
		}
	}
	return -1;
}

/* Returns the index of the candidate that is the file open in r (its
 * identity; or, compressed, its first bytes and the gzip trailer's size),
 * or -1. */
static int
cand_index_of(const struct in_file *f, const struct cand *v, size_t n,
    const struct rd *r)
{
	struct in_file_pos want;
	struct stat st;
	uint64_t size;
	size_t i;

	for (i = n; i-- > 0;)
		if (!v[i].gz && v[i].dev == r->dev && v[i].ino == r->ino)
			return (int)i;
	if (r->fd == -1 || fstat(r->fd, &st) == -1)
		return -1;
	size = (uint64_t)st.st_size;
	memset(&want, 0, sizeof(want));
	want.valid = true;
	want.tail_hash = fnv(NULL, 0);
	want.head_len = (uint32_t)min64(IN_FILE_HEAD, size);
	{
		char head[IN_FILE_HEAD];

		if (pread_all(r->fd, head, want.head_len, 0) !=
		    (ssize_t)want.head_len)
			return -1;
		want.head_hash = fnv(head, want.head_len);
	}
	for (i = n; i-- > 0;) {
		unsigned char t[4];
		struct rd *z;
		uint32_t isize;
		int fd, ok;

		if (!v[i].gz || (fd = open(v[i].name, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		ok = fstat(fd, &st) == 0 && st.st_size >= 4 &&
		    pread_all(fd, t, 4, (uint64_t)st.st_size - 4) == 4;
		close(fd);
		isize = (uint32_t)t[0] | (uint32_t)t[1] << 8 |
		    (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
		if (!ok || isize != (uint32_t)size)
			continue;
		if ((z = rd_open(v[i].name, true, f->max_line)) == NULL)
			continue;
		ok = rd_seek(z, 0, &want) == 0;
		rd_free(z);
		if (ok)
			return (int)i;
	}
	return -1;
}

/* Queues v[from..n) (rotations not seen yet) after old, from their
 * start; old need not wait for late writes then. */
static void
plan_newer(struct in_file *f, const struct cand *v, size_t n, size_t from)
{
	size_t i;

	for (i = from; i < n && f->nplan < IN_FILE_MAXCAND; i++) {
		struct rd *r = rd_open(v[i].name, v[i].gz, f->max_line);

		if (r == NULL) {
			log_warnx("%s: cannot open rotated file %s: %s",
			    f->path, v[i].name, strerror(errno));
			f->losses_unknown++;
			continue;
		}
		r->kind = RD_FINAL;
		f->plan[f->nplan++] = r;
		f->rotations++;
	}
	if (f->nplan > 0) {
		if (f->plan[f->nplan - 1]->gz == NULL)
			f->plan[f->nplan - 1]->kind = RD_DRAIN;
		if (f->old != NULL)
			f->old->hurry = true;
	}
}

/* ---- the tailer ---- */

/* Offset of the start of the last line before end (0 when the file is
 * one unterminated line, end when none is found in BACK_SCAN bytes). */
static uint64_t
line_start_before(int fd, uint64_t end)
{
	char tmp[4096];
	uint64_t at = end;

	while (at > 0 && end - at < BACK_SCAN) {
		size_t k = (size_t)min64(sizeof(tmp), at);
		char *p;

		if (pread_all(fd, tmp, k, at - k) != (ssize_t)k)
			return end;
		if ((p = memrchr(tmp, '\n', k)) != NULL)
			return at - k + (uint64_t)(p - tmp) + 1;
		at -= k;
	}
	return at == 0 ? 0 : end;
}

/* Makes the next plan item old (positioned), or old = NULL. */
static void
next_plan(struct in_file *f, time_t now)
{
	f->old = NULL;
	while (f->nplan > 0) {
		struct rd *r = f->plan[0];

		memmove(f->plan, f->plan + 1, --f->nplan * sizeof(*f->plan));
		if (!r->ready && rd_seek(r, 0, NULL) != 0) {
			log_warnx("%s: cannot read rotated file %s: %s",
			    f->path, r->name, strerror(errno));
			f->losses_unknown++;
			rd_free(r);
			continue;
		}
		r->grown = now;
		f->old = r;
		return;
	}
}

/* Opens the file at the path as cur (now = -1: at the first poll). */
static void
open_cur(struct in_file *f, time_t now)
{
	struct rd *r;
	uint64_t start = 0;

	if ((r = rd_open(f->path, false, f->max_line)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			clear_error(f, ERR_OPEN);
		else
			set_error(f, ERR_OPEN, "cannot open", strerror(errno));
		return;
	}
	if (f->old != NULL && f->old->kind == RD_DRAIN && f->nplan == 0 &&
	    f->old->dev == r->dev && f->old->ino == r->ino) {
		/* renamed back before it was done */
		rd_free(r);
		f->cur = f->old;
		f->old = NULL;
		f->cur->kind = RD_LIVE;
		f->cur->hurry = false;
		clear_error(f, ERR_OPEN);
		return;
	}
	if (f->resume.valid) {
		int rc = rd_seek(r, f->resume.offset, &f->resume);

		if (rc == 1) {
			log_warnx("%s: the file of the saved position was not "
			    "found: lines written to it since may be lost; "
			    "reading the path from its start", f->path);
			f->losses_unknown++;
		}
		f->resume.valid = false;
	} else if (f->se_pending && r->dev == f->se_dev && r->ino == f->se_ino)
		start = line_start_before(r->fd, min64(f->se_size, r->size_seen));
	f->se_pending = false;
	if (!r->ready && rd_seek(r, start, NULL) != 0) {
		set_error(f, ERR_READ, "cannot read", strerror(errno));
		rd_free(r);
		return;
	}
	r->kind = RD_LIVE;
	r->grown = now;
	f->cur = r;
	clear_error(f, ERR_OPEN);
}

/* The path no longer names cur (renamed or deleted). */
static void
path_moved(struct in_file *f, time_t now)
{
	struct cand *v;
	size_t n;
	int i;

	if (f->old != NULL || f->nplan > 0) {
		/* one at a time: finish old first, keep reading cur's fd */
		if (f->old != NULL)
			f->old->hurry = true;
		return;
	}
	f->old = f->cur;
	f->cur = NULL;
	f->old->kind = RD_DRAIN;
	f->old->grown = now;
	f->rotations++;
	log_info("%s: rotated; draining the old file", f->path);
	/* rotated more than once since the last look: read those too */
	n = cand_list(f, &v);
	if ((i = cand_index_of(f, v, n, f->old)) >= 0)
		plan_newer(f, v, n, (size_t)i + 1);
	cand_free(v, n);
	open_cur(f, now);
}

/* cur was truncated (copytruncate): continue in its rotated copy, then
 * read the path from its start. */
static void
handle_trunc(struct in_file *f, time_t now, const struct stat *st,
    struct ctx *c)
{
	struct rd *r = f->cur, *copy = NULL;
	struct in_file_pos want;
	struct cand *v;
	size_t n;
	int i;

	rd_pos(r, &want);
	n = cand_list(f, &v);
	i = cand_find(f, v, n, &want, -1, &copy);
	f->rotations++;
	if (copy != NULL) {
		log_info("%s: truncated; reading the rest from %s", f->path,
		    copy->name);
		copy->kind = RD_FINAL;
		copy->grown = now;
		f->old = copy;
		plan_newer(f, v, n, (size_t)i + 1);	/* truncated again since */
	} else {
		struct ctx all = *c;
		uint64_t pos = r->base + r->end;

		/* what was read is real: deliver it, uncapped (rare) */
		all.max = 0;
		pump(f, r, now, &all, false);
		flush_partial(f, r, &all);
		c->count = all.count;
		if (r->size_seen > pos)
			f->bytes_lost += r->size_seen - pos;
		f->losses_unknown++;
		log_warnx("%s: truncated and no rotated copy found: lines "
		    "written since the last read may be lost", f->path);
	}
	cand_free(v, n);
	if (rd_seek(r, 0, NULL) != 0) {
		set_error(f, ERR_READ, "cannot read", strerror(errno));
		rd_free(r);
		f->cur = NULL;
		return;
	}
	r->stalled = false;
	r->size_seen = (uint64_t)st->st_size;
	r->mtime_seen = st->st_mtim;
	r->grown = now;
}

/* Looks at the path: appeared, rotated, truncated. */
static void
check_path(struct in_file *f, time_t now, struct ctx *c)
{
	struct rd *r = f->cur;
	struct stat st;

	if (stat(f->path, &st) == -1) {
		int e = errno;

		if (e != ENOENT && e != ENOTDIR)
			set_error(f, ERR_STAT, "cannot stat", strerror(e));
		else if (r != NULL)
			path_moved(f, now);
		else
			clear_error(f, ERR_OPEN);
		return;
	}
	clear_error(f, ERR_STAT);
	if (r == NULL) {
		open_cur(f, now);
		return;
	}
	if ((uint64_t)st.st_dev != r->dev || (uint64_t)st.st_ino != r->ino) {
		path_moved(f, now);
		return;
	}
	if (!r->stalled && truncated(r, &st))
		r->stalled = true;
	if (r->stalled) {
		if (f->old != NULL || f->nplan > 0) {
			if (f->old != NULL)
				f->old->hurry = true;
			return;
		}
		handle_trunc(f, now, &st, c);
		return;
	}
	r->size_seen = (uint64_t)st.st_size;
	r->mtime_seen = st.st_mtim;
}

/* Reads old.  Returns 1 when the cap was reached, 0 when old stays open,
 * 2 when it was closed. */
static int
poll_old(struct in_file *f, time_t now, struct ctx *c)
{
	struct rd *r = f->old;
	int rc = pump(f, r, now, c, true);
	bool done;

	if (rc == 1)
		return 1;
	if (rc == -1) {
		log_warnx("%s: cannot read rotated file %s: %s", f->path,
		    r->name, strerror(errno));
		f->losses_unknown++;
		done = true;
	} else
		done = r->kind == RD_FINAL || r->hurry ||
		    now - r->grown >= (time_t)f->o.rotate_grace;
	if (!done && !(has_partial(r) &&
	    now - r->grown >= (time_t)f->o.partial_timeout))
		return 0;
	if (has_partial(r)) {
		if (c->max != 0 && c->count >= c->max)
			return 1;
		flush_partial(f, r, c);
	}
	if (!done)
		return 0;
	rd_pos(r, &f->anchor);
	rd_free(r);
	next_plan(f, now);
	return 2;
}

struct in_file *
in_file_new(const char *path, const struct in_file_opts *o,
    const struct in_file_save *saved)
{
	struct in_file *f = xcalloc(1, sizeof(*f));
	const char *slash = strrchr(path, '/');
	struct cand *v = NULL;
	struct rd *p, *rcur = NULL, *rold = NULL;
	int icur = -1, iold = -1, first = -1;
	bool path_unknown = false;
	size_t n, i;

	f->path = xstrdup(path);
	if (slash == NULL) {
		f->dir = xstrdup(".");
		f->base = xstrdup(path);
	} else {
		f->dir = slash == path ? xstrdup("/") :
		    xmemdup0(path, (size_t)(slash - path));
		f->base = xstrdup(slash + 1);
	}
	f->o = *o;
	f->max_line = o->max_line != 0 ? o->max_line : DEF_MAX_LINE;

	if (saved == NULL || (!saved->old.valid && !saved->cur.valid)) {
		struct stat st;

		if (saved == NULL && o->start_at_end && stat(path, &st) == 0) {
			f->se_pending = true;
			f->se_dev = (uint64_t)st.st_dev;
			f->se_ino = (uint64_t)st.st_ino;
			f->se_size = (uint64_t)st.st_size;
		}
		open_cur(f, -1);
		return f;
	}

	/* a restart: locate the saved file(s) */
	p = rd_open(path, false, f->max_line);
	if (p == NULL && errno != ENOENT && errno != ENOTDIR) {
		set_error(f, ERR_OPEN, "cannot open", strerror(errno));
		path_unknown = true;
	}
	n = cand_list(f, &v);
	if (saved->cur.valid && saved->cur.head_len == 0 &&
	    saved->cur.offset == 0 && (!saved->old.valid ||
	    (saved->old.head_len == 0 && saved->old.offset == 0)) &&
	    (o->saved_at.tv_sec != 0 || o->saved_at.tv_nsec != 0)) {
		/* empty at the checkpoint: nothing to recognise it by.
		 * Whatever was written to it since is in the rotated files
		 * changed after the checkpoint (renamed, copied or
		 * compressed meanwhile), then in the path */
		for (i = 0; i < n; i++) {
			if (ts_cmp(&v[i].mtime, &o->saved_at) <= 0)
				continue;
			if ((rcur = rd_open(v[i].name, v[i].gz, f->max_line)) !=
			    NULL)
				icur = (int)i;
			break;
		}
		if (icur < 0 && p != NULL && rd_seek(p, 0, NULL) == 0)
			icur = (int)n;
	} else if (saved->cur.valid) {
		const struct in_file_pos *w = &saved->cur;

		if (p != NULL && p->dev == w->dev && p->ino == w->ino &&
		    rd_seek(p, w->offset, w) == 0)
			icur = (int)n;
		else if ((icur = cand_find(f, v, n, w, -1, &rcur)) < 0 &&
		    p != NULL && rd_seek(p, w->offset, w) == 0)
			icur = (int)n;
	}
	if (saved->old.valid) {
		const struct in_file_pos *w = &saved->old;

		iold = cand_find(f, v, n, w, icur, &rold);
		if (iold < 0 && icur != (int)n && p != NULL &&
		    rd_seek(p, w->offset, w) == 0)
			iold = (int)n;
	}
	if (saved->cur.valid && icur < 0 && path_unknown)
		f->resume = saved->cur;		/* decided once readable */
	if ((saved->cur.valid && icur < 0 && !path_unknown) ||
	    (saved->old.valid && iold < 0)) {
		log_warnx("%s: the file of the saved position was not found "
		    "(rotated away or deleted): lines written to it since may "
		    "be lost", path);
		f->losses_unknown++;
	}
	if (icur >= 0)
		first = icur;
	if (iold >= 0 && (first < 0 || iold < first))
		first = iold;
	/* the plan: the oldest located file, every newer rotation */
	for (i = first < 0 ? n : (size_t)first; i < n; i++) {
		struct rd *r;

		if ((int)i == icur) {
			r = rcur;
			rcur = NULL;
		} else if ((int)i == iold) {
			r = rold;
			rold = NULL;
		} else if ((r = rd_open(v[i].name, v[i].gz, f->max_line)) ==
		    NULL) {
			log_warnx("%s: cannot open rotated file %s: %s", path,
			    v[i].name, strerror(errno));
			f->losses_unknown++;
			continue;
		}
		r->kind = RD_FINAL;
		f->plan[f->nplan++] = r;
		f->rotations++;
	}
	if (f->nplan > 0 && f->plan[f->nplan - 1]->gz == NULL)
		f->plan[f->nplan - 1]->kind = RD_DRAIN;	/* may still grow */
	rd_free(rcur);
	rd_free(rold);
	cand_free(v, n);
	next_plan(f, -1);
	/* then the path */
	if (p != NULL && icur != (int)n && iold != (int)n &&
	    rd_seek(p, 0, NULL) != 0) {
		set_error(f, ERR_READ, "cannot read", strerror(errno));
		rd_free(p);
		p = NULL;
	}
	if (p != NULL) {
		p->kind = RD_LIVE;
		f->cur = p;
	}
	return f;
}

void
in_file_free(struct in_file *f)
{
	size_t i;

	if (f == NULL)
		return;
	rd_free(f->old);
	rd_free(f->cur);
	for (i = 0; i < f->nplan; i++)
		rd_free(f->plan[i]);
	free(f->path);
	free(f->dir);
	free(f->base);
	free(f);
}

int
in_file_poll(struct in_file *f, time_t now, size_t max_lines,
    in_file_line_fn *fn, void *arg)
{
	struct ctx c = { fn, arg, max_lines, 0 };
	struct rd *r;
	int rc;

	f->err_now = false;
	/* -1: first poll; later than now: the clock went back */
	if (f->old != NULL && (f->old->grown == -1 || f->old->grown > now))
		f->old->grown = now;
	if (f->cur != NULL && (f->cur->grown == -1 || f->cur->grown > now))
		f->cur->grown = now;
	check_path(f, now, &c);
	while (f->old != NULL) {
		if ((rc = poll_old(f, now, &c)) == 1)
			return 1;
		if (rc == 0)
			break;
		/* a rotation or truncation may have waited for old */
		check_path(f, now, &c);
	}
	r = f->cur;
	if (r != NULL && f->nplan == 0 && !r->stalled) {
		if ((rc = pump(f, r, now, &c, true)) == 1)
			return 1;
		if (rc == -1)
			set_error(f, ERR_READ, "cannot read", strerror(errno));
		else {
			clear_error(f, ERR_READ);
			if (has_partial(r) &&
			    now - r->grown >= (time_t)f->o.partial_timeout) {
				if (c.max != 0 && c.count >= c.max)
					return 1;
				flush_partial(f, r, &c);
			}
		}
	}
	return f->err_now ? -1 : 0;
}

void
in_file_save(const struct in_file *f, struct in_file_save *out)
{
	const struct rd *c = f->cur;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (f->old != NULL)
		rd_pos(f->old, &out->old);
	else if (f->anchor.valid && (c == NULL || c->offset == 0))
		out->old = f->anchor;	/* where newer rotations start */
	/* After old, every file is at its start except at most one (the
	 * saved cur, located in the plan after a restart): that one. */
	if (c == NULL || c->offset == 0) {
		for (i = f->nplan; i-- > 0;) {
			if (f->plan[i]->ready && f->plan[i]->offset > 0) {
				c = f->plan[i];
				break;
			}
		}
	}
	if (c != NULL)
		rd_pos(c, &out->cur);
	else if (f->resume.valid)
		out->cur = f->resume;
}

void
in_file_stats(const struct in_file *f, struct in_file_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->path = f->path;
	if (f->err != ERR_NONE) {
		st->state = IN_FILE_ERROR;
		st->error = f->errmsg;
	} else
		st->state = f->cur != NULL ? IN_FILE_READING : IN_FILE_WAITING;
	if (f->cur != NULL) {
		st->offset = f->cur->offset;
		st->size = f->cur->size_seen;
	}
	st->lines = f->lines;
	st->bytes = f->bytes;
	st->rotations = f->rotations;
	st->bytes_lost = f->bytes_lost;
	st->losses_unknown = f->losses_unknown;
	st->cut_lines = f->cut_lines;
	st->draining = f->old != NULL;
}

const char *
in_file_path(const struct in_file *f)
{
	return f->path;
}
