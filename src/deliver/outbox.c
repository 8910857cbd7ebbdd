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

/* Whether name is one of o's files (*seq set): 1; another producer's
 * (SEQ.msg or PREFIX-SEQ.msg): 0; anything else: -1. */
static int
own_name(const struct outbox *o, const char *name, uint64_t *seq)
{
	const char *dash = strrchr(name, '-'), *num = dash != NULL ? dash + 1 :
	    name;
	size_t plen = (size_t)(num - name);
	unsigned long long v;
	char *end;

	if (*num < '0' || *num > '9')
		return -1;
	errno = 0;
	v = strtoull(num, &end, 10);
	if (errno != 0 || strcmp(end, ".msg") != 0)
		return -1;
	if (dash != NULL && (plen < 2 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789_") != plen - 1))
		return -1;
	/* o->prefix is stored with its '-' */
	if (plen != strlen(o->prefix) || strncmp(name, o->prefix, plen) != 0)
		return 0;
	*seq = v;
	return 1;
}

void
outbox_set_prefix(struct outbox *o, const char *prefix)
{
	if (prefix[0] == '\0')
		o->prefix[0] = '\0';
	else
		snprintf(o->prefix, sizeof(o->prefix), "%.*s-",
		    (int)sizeof(o->prefix) - 2, prefix);
}

/* The file name of seq: NAME_MAX-safe. */
static void
msg_name(const struct outbox *o, uint64_t seq, char *name, size_t size)
{
	snprintf(name, size, "%s%012" PRIu64 ".msg", o->prefix, seq);
}

int
outbox_open(struct outbox *o, const char *spooldir)
{
	o->prefix[0] = '\0';
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
	char name[OUTBOX_PREFIX_MAX + 32];
	struct buf env;
	char **rv;
	size_t nr, i;
	int fd, rc = -1;

	msg_name(o, seq, name, sizeof(name));
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
	char name[OUTBOX_PREFIX_MAX + 32];

	msg_name(o, seq, name, sizeof(name));
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
		uint64_t seq;
		int own;

		if (de->d_name[0] == '.')
			continue;
		if ((own = own_name(o, de->d_name, &seq)) == -1) {
			log_warnx("outbox: stray file %s/tmp/%s left alone",
			    o->dir, de->d_name);
			continue;
		}
		if (own == 0)
			continue;	/* another producer's: its own business */
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
	char name[OUTBOX_PREFIX_MAX + 32];
	struct buf b;
	char chunk[65536];
	ssize_t n;
	int fd;

	msg_name(o, seq, name, sizeof(name));
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
	char name[OUTBOX_PREFIX_MAX + 32];

	msg_name(o, seq, name, sizeof(name));
	return unlinkat(o->tmpfd, name, 0);
}

/* Calls fn for each of o's files in the directory open as dirfd. */
static void
each_own(const struct outbox *o, int dirfd, void (*fn)(uint64_t, void *),
    void *arg)
{
	DIR *d;
	struct dirent *de;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		uint64_t seq;

		if (de->d_name[0] != '.' && own_name(o, de->d_name, &seq) == 1)
			fn(seq, arg);
	}
	closedir(d);
}

static void
max_of(uint64_t seq, void *arg)
{
	uint64_t *m = arg;

	if (seq > *m)
		*m = seq;
}

uint64_t
outbox_max_seq(const struct outbox *o)
{
	uint64_t m = 0;

	each_own(o, o->newfd, max_of, &m);
	each_own(o, o->tmpfd, max_of, &m);
	return m;
}

static void
count_one(uint64_t seq, void *arg)
{
	(*(size_t *)arg)++;
}

size_t
outbox_count_own(const struct outbox *o, const char *sub)
{
	size_t n = 0;
	int fd;

	if (strcmp(sub, "new") == 0) {
		each_own(o, o->newfd, count_one, &n);
		return n;
	}
	if ((fd = openat(o->newfd, "..", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return 0;
	{
		int sfd = openat(fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (sfd != -1) {
			each_own(o, sfd, count_one, &n);
			close(sfd);
		}
	}
	close(fd);
	return n;
}
