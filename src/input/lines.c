/*
 * lines — buffered line splitting with a length cap.
 */
#include "input/lines.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/xmem.h"

#define BLOCK	(256 * 1024)

void
lines_init(struct lines *l, int fd, size_t max_line)
{
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->max_line = max_line;
	l->size = max_line + BLOCK;
	/* zeroed: PCRE2's JIT may read a few bytes past a subject's end */
	l->buf = xcalloc(1, l->size);
}

void
lines_init_gz(struct lines *l, gzFile gz, size_t max_line)
{
	lines_init(l, -1, max_line);
	l->gz = gz;
}

/* read(2) or gzread, retrying EINTR. */
static ssize_t
src_read(struct lines *l, char *p, size_t n)
{
	ssize_t k;

	if (l->gz != NULL) {
		int e;

		if (n > INT_MAX)
			n = INT_MAX;
		k = gzread(l->gz, p, (unsigned)n);
		if (k < 0) {
			gzerror(l->gz, &e);
			if (e != Z_ERRNO)
				errno = EIO;
		}
		return k;
	}
	do {
		k = read(l->fd, p, n);
	} while (k == -1 && errno == EINTR);
	return k;
}

void
lines_free(struct lines *l)
{
	free(l->buf);
	l->buf = NULL;
}

/* Reads more data after compacting; returns bytes read, 0 at EOF, -1. */
static ssize_t
fill(struct lines *l)
{
	ssize_t n;

	if (l->start > 0) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->start = 0;
	}
	n = src_read(l, l->buf + l->end, l->size - l->end);
	if (n > 0)
		l->end += (size_t)n;
	else if (n == 0)
		l->eof = true;
	return n;
}

int
lines_next(struct lines *l, const char **line, size_t *len, size_t *cut_from)
{
	for (;;) {
		char *nl = memchr(l->buf + l->start, '\n', l->end - l->start);
		size_t avail;

		if (nl != NULL) {
			size_t n = (size_t)(nl - (l->buf + l->start));

			if (n > l->max_line) {
				*line = l->buf + l->start;
				*len = l->max_line;
				*cut_from = n;
				l->start += n + 1;
				l->offset += (off_t)n + 1;
				return 1;
			}
			*line = l->buf + l->start;
			*len = n;
			*cut_from = 0;
			l->start += n + 1;
			l->offset += (off_t)n + 1;
			return 1;
		}
		avail = l->end - l->start;
		if (avail > l->max_line) {
			/* a line longer than the cap: keep its head in a safe
			 * place (the front of the buffer) and skip the rest */
			memmove(l->buf, l->buf + l->start, l->max_line);
			l->offset += (off_t)avail;
			l->skipping = avail;
			l->start = l->end = l->max_line;
			*line = NULL;
			/* the head stays in buf[0..max_line); deliver it once the
			 * end of the line is known */
			for (;;) {
				char *p;
				ssize_t n;

				n = src_read(l, l->buf + l->max_line,
				    l->size - l->max_line);
				if (n < 0)
					return -1;
				if (n == 0) {
					l->eof = true;
					l->start = l->end = l->max_line;
					break;
				}
				p = memchr(l->buf + l->max_line, '\n', (size_t)n);
				if (p != NULL) {
					size_t k = (size_t)(p - (l->buf + l->max_line));

					l->skipping += k;
					l->offset += (off_t)k + 1;
					l->start = l->max_line + k + 1;
					l->end = l->max_line + (size_t)n;
					break;
				}
				l->skipping += (size_t)n;
				l->offset += (off_t)n;
			}
			*line = l->buf;
			*len = l->max_line;
			*cut_from = l->skipping;
			l->skipping = 0;
			return 1;
		}
		if (l->eof) {
			if (avail == 0)
				return 0;
			*line = l->buf + l->start;
			*len = avail;
			*cut_from = 0;
			l->start = l->end;
			l->offset += (off_t)avail;
			return 1;
		}
		if (fill(l) < 0)
			return -1;
	}
}
