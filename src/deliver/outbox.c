/*
 * outbox — durable spool: stage (tmp/), publish (new/), recover.
 */
#include "deliver/outbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmem.h"

static int
open_sub(const char *dir, const char *sub)
{
	char *p = xasprintf("%s/%s", dir, sub);
	int fd;

	if (mkdir(p, 0700) == -1 && errno != EEXIST) {
		log_warn("outbox: cannot create %s", p);
		free(p);
		return -1;
	}
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		log_warn("outbox: %s", p);
	free(p);
	return fd;
}

int
outbox_open(struct outbox *o, const char *spooldir)
{
	o->dir = xstrdup(spooldir);
	o->newfd = o->tmpfd = -1;
	if (mkdir(spooldir, 0700) == -1 && errno != EEXIST) {
		log_warn("outbox: cannot create %s", spooldir);
		outbox_close(o);
		return -1;
	}
	if ((o->tmpfd = open_sub(spooldir, "tmp")) == -1 ||
	    (o->newfd = open_sub(spooldir, "new")) == -1) {
		outbox_close(o);
		return -1;
	}
	return 0;
}

void
outbox_close(struct outbox *o)
{
	if (o->newfd != -1)
		close(o->newfd);
	if (o->tmpfd != -1)
		close(o->tmpfd);
	free(o->dir);
	o->dir = NULL;
	o->newfd = o->tmpfd = -1;
}

char **
outbox_split_rcpts(const char *list, size_t *n)
{
	char **v = xcalloc(1, sizeof(*v));
	const char *p = list;

	*n = 0;
	while (*p != '\0') {
		size_t len;

		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (len == 0)
			break;
		v = xreallocarray(v, *n + 2, sizeof(*v));
		v[(*n)++] = xmemdup0(p, len);
		v[*n] = NULL;
		p += len;
	}
	return v;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
outbox_stage(struct outbox *o, uint64_t seq, const char *from,
    const char *rcpts, const char *queue, const char *msg, size_t len)
{
	char name[64];
	struct buf env;
	char **rv;
	size_t nr, i;
	int fd, rc = -1;

	snprintf(name, sizeof(name), "%012" PRIu64 ".msg", seq);
	buf_init(&env, 1024 * 1024);
	buf_printf(&env, "LOGWARD-OUTBOX 1\nfrom %s\n", from);
	rv = outbox_split_rcpts(rcpts, &nr);
	for (i = 0; i < nr; i++)
		buf_printf(&env, "rcpt %s\n", rv[i]);
	for (i = 0; i < nr; i++)
		free(rv[i]);
	free(rv);
	buf_printf(&env, "queue %s\n\n", queue);
	fd = openat(o->tmpfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1) {
		log_warn("outbox: cannot create %s/tmp/%s", o->dir, name);
		buf_free(&env);
		return -1;
	}
	if (write_all(fd, env.data, env.len) == 0 &&
	    write_all(fd, msg, len) == 0 && fsync(fd) == 0)
		rc = 0;
	else
		log_warn("outbox: cannot write %s/tmp/%s", o->dir, name);
	close(fd);
	buf_free(&env);
	if (rc == -1)
		unlinkat(o->tmpfd, name, 0);
	else
		fsync(o->tmpfd);
	return rc;
}

int
outbox_publish(struct outbox *o, uint64_t seq)
{
	char name[64];

	snprintf(name, sizeof(name), "%012" PRIu64 ".msg", seq);
	if (renameat(o->tmpfd, name, o->newfd, name) == -1) {
		log_warn("outbox: cannot publish %s/tmp/%s", o->dir, name);
		return -1;
	}
	if (fsync(o->newfd) == -1 || fsync(o->tmpfd) == -1)
		log_warn("outbox: fsync of %s", o->dir);
	return 0;
}

size_t
outbox_recover(struct outbox *o, uint64_t committed)
{
	DIR *d;
	struct dirent *de;
	size_t n = 0;
	int fd = dup(o->tmpfd);

	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		log_warn("outbox: %s/tmp", o->dir);
		if (fd != -1)
			close(fd);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		unsigned long long seq;
		char *end;

		if (de->d_name[0] == '.')
			continue;
		errno = 0;
		seq = strtoull(de->d_name, &end, 10);
		if (errno != 0 || strcmp(end, ".msg") != 0) {
			log_warnx("outbox: stray file %s/tmp/%s left alone",
			    o->dir, de->d_name);
			continue;
		}
		if (seq <= committed) {
			if (outbox_publish(o, seq) == 0)
				n++;
		} else if (unlinkat(o->tmpfd, de->d_name, 0) == 0)
			log_info("outbox: dropped unfinished report %s (its "
			    "lines are still queued)", de->d_name);
	}
	closedir(d);
	return n;
}

size_t
outbox_pending(const struct outbox *o)
{
	DIR *d;
	struct dirent *de;
	size_t n = 0;
	int fd = openat(o->newfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return 0;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

char *
outbox_staged_read(struct outbox *o, uint64_t seq, size_t *len)
{
	char name[64];
	struct buf b;
	char chunk[65536];
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "%012" PRIu64 ".msg", seq);
	fd = openat(o->tmpfd, name, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		log_warn("outbox: cannot read %s/tmp/%s", o->dir, name);
		return NULL;
	}
	buf_init(&b, SIZE_MAX / 4);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("outbox: cannot read %s/tmp/%s", o->dir, name);
			close(fd);
			buf_free(&b);
			return NULL;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	*len = b.len;
	return buf_steal(&b);
}

int
outbox_discard(struct outbox *o, uint64_t seq)
{
	char name[64];

	snprintf(name, sizeof(name), "%012" PRIu64 ".msg", seq);
	return unlinkat(o->tmpfd, name, 0);
}
