/*
 * spill — strings in memory, then in an unlinked temporary file (see
 * spill.h).
 */
#include "lib/spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/xmem.h"

/*
 * The write buffer, and so the size of each write(2).  Not larger: the
 * kernel (6.x, ext4 and tmpfs) backs a write with page-cache folios as
 * large as the write, and a high-order folio is the memory a virtual
 * machine's host took back last (free page reporting) — touching it
 * again costs a fault on the host per page.  Measured on a 2-vCPU guest,
 * 96 MB into an unlinked file 3 s after the last run: 0.33-0.39 s in
 * 1 MiB writes, 0.03-0.04 s in 64 KiB ones (bench/README.md).
 */
#define WBUF	(64 * 1024)
#define RDMAX	(256 * 1024)		/* a window's read size, at most */
#define RDMIN	4096			/* and at least */

static const char *
tmpdir(void)
{
	const char *d = getenv("TMPDIR");

	return d != NULL && *d != '\0' ? d : "/tmp";
}

/* Opens the unlinked temporary file; -1 when it cannot be made. */
static int
open_tmp(void)
{
	const char *dir = tmpdir();
	char *path;
	int fd;

#ifdef O_TMPFILE
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600)) !=
	    -1)
		return fd;
#endif
	path = xasprintf("%s/logward-spill.XXXXXX", dir);
	if ((fd = mkostemp(path, O_CLOEXEC)) != -1)
		(void)unlink(path);
	free(path);
	return fd;
}

void
spill_init(struct spill *s, size_t limit)
{
	memset(s, 0, sizeof(*s));
	s->limit = limit;
	s->fd = -1;
}

void
spill_free(struct spill *s)
{
	size_t i;

	free(s->mem);
	free(s->wbuf);
	for (i = 0; i < SPILL_WINDOWS; i++)
		free(s->win[i].p);
	if (s->fd != -1)
		(void)close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

static int
flush(struct spill *s)
{
	size_t done = 0;

	while (done < s->wlen) {
		ssize_t w = write(s->fd, s->wbuf + done, s->wlen - done);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_warn("temporary file in %s (set TMPDIR to a "
			    "directory with room)", tmpdir());
			return -1;
		}
		done += (size_t)w;
	}
	s->wlen = 0;
	return 0;
}

int
spill_add(struct spill *s, const void *p, size_t len, uint64_t *off)
{
	if (len == 0) {
		*off = s->memlen + s->filelen;
		return 0;
	}
	if (s->fd == -1 && s->memlen + len > s->limit) {
		if ((s->fd = open_tmp()) == -1) {
			log_warn("no temporary file in %s; the lines stay in "
			    "memory", tmpdir());
			s->limit = SIZE_MAX;
		} else
			s->wbuf = xmalloc(WBUF);
	}
	if (s->fd == -1) {
		if (s->memcap - s->memlen < len) {
			size_t cap = s->memcap ? s->memcap : 64 * 1024;

			while (cap - s->memlen < len)
				cap *= 2;
			s->mem = xreallocarray(s->mem, cap, 1);
			s->memcap = cap;
		}
		memcpy(s->mem + s->memlen, p, len);
		*off = s->memlen;
		s->memlen += len;
		return 0;
	}
	*off = s->memlen + s->filelen;
	s->filelen += len;
	while (len > 0) {
		size_t k = WBUF - s->wlen < len ? WBUF - s->wlen : len;

		memcpy(s->wbuf + s->wlen, p, k);
		s->wlen += k;
		p = (const char *)p + k;
		len -= k;
		if (s->wlen == WBUF && flush(s) == -1)
			return -1;
	}
	return 0;
}

int
spill_seal(struct spill *s)
{
	s->sealed = true;
	s->rdsize = RDMAX;
	if (s->fd == -1 || s->filelen == 0)
		return 0;
	if (flush(s) == -1)
		return -1;
	free(s->wbuf);
	s->wbuf = NULL;
	return 0;
}

/* Fills w with the file from start: at least need bytes. */
static int
fill(struct spill *s, struct spill_win *w, uint64_t start, size_t need)
{
	size_t want = need > s->rdsize ? need : s->rdsize, got = 0;

	if (start + want > s->filelen)
		want = (size_t)(s->filelen - start);
	if (w->cap < want) {
		free(w->p);
		w->p = xmalloc(want);
		w->cap = want;
	}
	while (got < need) {
		ssize_t r = pread(s->fd, w->p + got, want - got,
		    (off_t)(start + got));

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (!s->failed)
				log_warn("reading the temporary file back");
			s->failed = true;
			w->len = 0;
			return -1;
		}
		got += (size_t)r;
	}
	s->reads++;
	w->start = start;
	w->len = got;
	w->served = 0;
	return 0;
}

const char *
spill_get(struct spill *s, uint64_t off, size_t len)
{
	struct spill_win *w, *lru = &s->win[0];
	size_t i;

	if (len == 0)
		return "";
	if (off < s->memlen)
		return s->mem + off;
	off -= s->memlen;
	s->clock++;
	for (i = 0; i < SPILL_WINDOWS; i++) {
		w = &s->win[i];
		if (w->len > 0 && off >= w->start && off + len <= w->start + w->len) {
			w->used = s->clock;
			w->served += len;
			return w->p + (off - w->start);
		}
		if (w->used < lru->used)
			lru = w;
	}
	/* a miss: reads jump far when the window being replaced served
	 * little of what it read, so read less then, more when it served
	 * most */
	if (lru->len > 0) {
		if (lru->served < lru->len / 8 && s->rdsize > RDMIN)
			s->rdsize /= 2;
		else if (lru->served >= lru->len / 2 && s->rdsize < RDMAX)
			s->rdsize *= 2;
	}
	if (fill(s, lru, off, len) == -1)
		return NULL;
	lru->used = s->clock;
	lru->served = len;
	return lru->p;
}

uint64_t
spill_file_bytes(const struct spill *s)
{
	return s->filelen;
}
