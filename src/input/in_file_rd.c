/*
 * in_file_rd — the tailer's reader (see in_file_rd.h).
 *
 * A reader (struct rd) follows one open file.  Its stream buffer holds
 * the file's content [base, base + end) contiguously; it always keeps the
 * IN_FILE_TAIL bytes before the consumed offset, so a position and its
 * tail fingerprint can be saved at any moment without I/O.  A line longer
 * than max_line keeps its head in a separate area (the front of mem)
 * while the rest is skipped, and a snapshot of its tail fingerprint.
 */
#include "input/in_file_rd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "input/in_file_int.h"
#include "lib/xmem.h"

#define BLOCK		(256 * 1024)	/* read size */
#define PAD		64		/* zeroed slack after the buffer (PCRE2 JIT) */

uint64_t
in_file_rd_fnv(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n-- > 0) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

ssize_t
in_file_rd_pread_all(int fd, void *p, size_t n, uint64_t at)
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

struct rd *
in_file_rd_open(const char *name, bool gz, size_t max_line)
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

void
in_file_rd_free(struct rd *r)
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

		k = gzread(r->gz, p, (unsigned)in_file_min64(n, INT_MAX));
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
	take = (size_t)in_file_min64(n - skip, IN_FILE_HEAD - r->head_len);
	memcpy(r->head + r->head_len, p + skip, take);
	r->head_len += (uint32_t)take;
}

static bool
head_ok(const struct rd *r, const struct in_file_pos *want)
{
	return want->head_len <= r->head_len &&
	    in_file_rd_fnv(r->head, want->head_len) == want->head_hash;
}

int
in_file_rd_seek(struct rd *r, uint64_t offset, const struct in_file_pos *want)
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
		ssize_t n = in_file_rd_pread_all(r->fd, r->head, IN_FILE_HEAD,
		    0);
		uint64_t from = offset - in_file_min64(KEEP, offset);

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
		    (size_t)in_file_min64(r->size - r->end, target - pos));
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
	if (want != NULL && (want->tail_len != in_file_min64(KEEP, offset) ||
	    in_file_rd_fnv(r->buf + r->start - want->tail_len,
	    want->tail_len) != want->tail_hash))
		return 1;
	r->ready = true;
	return 0;
}

void
in_file_rd_pos(const struct rd *r, struct in_file_pos *p)
{
	char head[IN_FILE_HEAD];
	ssize_t k;

	memset(p, 0, sizeof(*p));
	p->valid = true;
	p->dev = r->dev;
	p->ino = r->ino;
	p->offset = r->offset;
	p->head_len = r->head_len;
	p->head_hash = in_file_rd_fnv(r->head, r->head_len);
	if (r->head_len < IN_FILE_HEAD && r->fd != -1 &&
	    (k = in_file_rd_pread_all(r->fd, head, sizeof(head), 0)) >
	    (ssize_t)r->head_len &&
	    memcmp(head, r->head, r->head_len) == 0) {
		p->head_len = (uint32_t)k;
		p->head_hash = in_file_rd_fnv(head, (size_t)k);
	}
	if (r->cutting) {
		p->tail_len = r->cut_tail_len;
		p->tail_hash = r->cut_tail_hash;
	} else {
		size_t at = (size_t)(r->offset - r->base);
		size_t tl = (size_t)in_file_min64(KEEP, r->offset);

		p->tail_len = (uint32_t)tl;
		p->tail_hash = in_file_rd_fnv(r->buf + at - tl, tl);
	}
}

ssize_t
in_file_rd_fill(struct rd *r, time_t now)
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

bool
in_file_rd_truncated(struct rd *r, const struct stat *st)
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
	n = (size_t)in_file_min64(KEEP, r->end);
	if (n > 0) {
		if ((k = in_file_rd_pread_all(r->fd, tmp, n, pos - n)) < 0)
			return false;
		if ((size_t)k != n || memcmp(tmp, r->buf + r->end - n, n) != 0)
			return true;
	}
	if (n == 0 || r->head_len < IN_FILE_HEAD) {
		n = (size_t)in_file_min64(IN_FILE_HEAD, size);
		if ((k = in_file_rd_pread_all(r->fd, tmp, n, 0)) < 0)
			return false;
		if ((size_t)k < r->head_len ||
		    memcmp(tmp, r->head, r->head_len) != 0)
			return true;
		memcpy(r->head, tmp, (size_t)k);
		r->head_len = (uint32_t)k;
	}
	return false;
}
