/*
 * sumfiles — the files `logward summary` reads: a log file with its
 * rotated and compressed siblings (FILE.1, FILE.2.gz, FILE-20261121,
 * FILE-20261121.gz, as logrotate names them), oldest first, and reading
 * any of them (plain: mapped; .gz: decompressed) line by line.
 */
#include "cli/sumfiles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/log.h"
#include "lib/xmem.h"

struct sib {
	char		*path;
	int		 kind;		/* 0 dateext, 1 numbered, 2 the file itself */
	long long	 n;		/* date or number */
};

static int
sib_cmp(const void *x, const void *y)
{
	const struct sib *a = x, *b = y;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->kind == 0)	/* dates: oldest first */
		return a->n < b->n ? -1 : a->n > b->n;
	if (a->kind == 1)	/* numbers: highest (oldest) first */
		return a->n > b->n ? -1 : a->n < b->n;
	return 0;
}

/* The rotation suffix after the base name: ".N", ".N.gz", "-DATE",
 * "-DATE.gz"; sets kind and n, false when s is none of them. */
static bool
suffix(const char *s, int *kind, long long *n)
{
	const char *p = s + 1, *d = p;
	long long v = 0;

	if (*s != '.' && *s != '-')
		return false;
	while (*p >= '0' && *p <= '9' && p - d < 12)
		v = v * 10 + (*p++ - '0');
	if (p == d || (*p != '\0' && strcmp(p, ".gz") != 0))
		return false;
	if (*s == '-' && p - d != 8)
		return false;
	*kind = *s == '-' ? 0 : 1;
	*n = v;
	return true;
}

char **
sumfiles_siblings(const char *path, time_t since, size_t *np)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash != NULL ? xmemdup0(path, (size_t)(slash - path + (slash == path))) :
	    xstrdup(".");
	const char *base = slash != NULL ? slash + 1 : path;
	size_t blen = strlen(base), n = 0, i;
	struct sib *v = NULL;
	struct dirent *de;
	char **out;
	DIR *d;

	d = opendir(dir);
	while (d != NULL && (de = readdir(d)) != NULL) {
		int kind;
		long long num;
		struct stat st;
		char *full;

		if (strncmp(de->d_name, base, blen) != 0 ||
		    !suffix(de->d_name + blen, &kind, &num))
			continue;
		full = xasprintf("%s/%s", dir, de->d_name);
		/* an archive last written before the range cannot hold lines
		 * of it */
		if (stat(full, &st) == -1 || !S_ISREG(st.st_mode) ||
		    (since != 0 && st.st_mtime < since)) {
			free(full);
			continue;
		}
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n].path = full;
		v[n].kind = kind;
		v[n].n = num;
		n++;
	}
	if (d != NULL)
		closedir(d);
	free(dir);
	qsort(v, n, sizeof(*v), sib_cmp);
	out = xcalloc(n + 2, sizeof(*out));
	for (i = 0; i < n; i++)
		out[i] = v[i].path;
	out[n++] = xstrdup(path);
	free(v);
	*np = n;
	return out;
}

static void
split(const char *p, size_t size, size_t max_line, sumfiles_line_fn *fn,
    void *arg)
{
	const char *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		size_t use = len > max_line ? max_line : len;

		if (p + len + 1 >= end) {
			/* the last line may end at the mapping's end: give
			 * the matchers (PCRE2's JIT reads ahead) a padded copy */
			char *copy = xcalloc(1, use + 64);

			memcpy(copy, p, use);
			fn(arg, copy, use, len > max_line ? len : 0);
			free(copy);
		} else
			fn(arg, p, use, len > max_line ? len : 0);
		p += len + 1;
	}
}

static int
read_gz(int fd, const char *path, size_t max_line, sumfiles_line_fn *fn,
    void *arg)
{
	gzFile gz = gzdopen(fd, "rb");
	char *buf, *line;
	size_t size = 256 * 1024, have = 0, llen = 0, full = 0;
	int k, rc = 0;

	if (gz == NULL) {
		close(fd);
		log_warnx("%s: cannot read as gzip", path);
		return -1;
	}
	buf = xmalloc(size);
	line = xmalloc(max_line + 1);
	while ((k = gzread(gz, buf, (unsigned)size)) > 0) {
		size_t i = 0;

		have = (size_t)k;
		while (i < have) {
			char *nl = memchr(buf + i, '\n', have - i);
			size_t n = nl != NULL ? (size_t)(nl - (buf + i)) : have - i;
			size_t room = max_line - llen;

			memcpy(line + llen, buf + i, n < room ? n : room);
			llen += n < room ? n : room;
			full += n;
			i += n;
			if (nl != NULL) {
				fn(arg, line, llen, full > llen ? full : 0);
				llen = full = 0;
				i++;
			}
		}
	}
	if (k < 0) {
		int e;

		log_warnx("%s: %s", path, gzerror(gz, &e));
		rc = -1;
	}
	if (full > 0)
		fn(arg, line, llen, full > llen ? full : 0);
	gzclose(gz);
	free(buf);
	free(line);
	return rc;
}

int
sumfiles_read(const char *path, size_t max_line, sumfiles_line_fn *fn,
    void *arg)
{
	size_t len = strlen(path);
	struct stat st;
	void *map;
	int fd;

	fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (len > 3 && strcmp(path + len - 3, ".gz") == 0)
		return read_gz(fd, path, max_line, fn, arg);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if (st.st_size == 0) {
			close(fd);
			return 0;
		}
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map != MAP_FAILED) {
			(void)madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
			split(map, (size_t)st.st_size, max_line, fn, arg);
			munmap(map, (size_t)st.st_size);
			close(fd);
			return 0;
		}
	}
	/* a pipe, or mmap refused: zlib reads plain data as it is */
	return read_gz(fd, path, max_line, fn, arg);
}
