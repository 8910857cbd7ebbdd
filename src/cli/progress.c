/*
 * progress — the progress line of one-shot runs (see progress.h).
 */
#include "cli/progress.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EVERY		4096	/* lines between looks at the clock */
#define REFRESH_NS	250000000LL	/* at most four redraws a second */

static int64_t
ns_since(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000LL +
	    (b->tv_nsec - a->tv_nsec);
}

void
progress_init(struct progress *p, enum progress_mode mode, int fd)
{
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->on = mode == PROGRESS_ON || (mode == PROGRESS_AUTO && isatty(fd));
	p->sized = true;
	p->next = EVERY;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

void
progress_add_file(struct progress *p, const char *path)
{
	struct stat sb;
	unsigned char m[2];
	int fd;

	if (!p->on || !p->sized)
		return;
	if (strcmp(path, "-") == 0 || stat(path, &sb) == -1 ||
	    !S_ISREG(sb.st_mode)) {
		p->sized = false;
		return;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		if (pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b)
			p->sized = false;	/* read size != file size */
		close(fd);
	}
	p->total += (uint64_t)sb.st_size;
}

static void
put(const struct progress *p, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = write(p->fd, s, len);

		if (w <= 0)
			return;		/* a progress line is not worth an error */
		s += w;
		len -= (size_t)w;
	}
}

void
progress_check(struct progress *p)
{
	struct timespec now;
	char line[200];
	double secs, rate;
	int n;

	p->next = p->lines + EVERY;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ns_since(&p->last, &now) < REFRESH_NS)
		return;
	p->last = now;
	secs = (double)ns_since(&p->start, &now) / 1e9;
	rate = secs > 0 ? (double)p->lines / secs : 0;
	if (p->sized && p->total > 0) {
		double frac = (double)p->bytes / (double)p->total;
		double left = frac > 0 && frac < 1 ? secs / frac - secs : 0;

		if (frac > 1)
			frac = 1;
		n = snprintf(line, sizeof(line), "\r%5.1f%%  %llu lines  %.0f "
		    "lines/s  %d:%02d left\033[K", frac * 100,
		    (unsigned long long)p->lines, rate, (int)(left / 60),
		    (int)left % 60);
	} else
		n = snprintf(line, sizeof(line), "\r%llu lines  %.1f MB  %.0f "
		    "lines/s\033[K", (unsigned long long)p->lines,
		    (double)p->bytes / 1e6, rate);
	if (n > 0 && (size_t)n < sizeof(line)) {
		put(p, line, (size_t)n);
		p->shown = true;
	}
}

void
progress_end(struct progress *p)
{
	if (p->on && p->shown)
		put(p, "\r\033[K", 4);
	p->shown = false;
	p->on = false;
}
