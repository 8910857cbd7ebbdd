/*
 * archive — per-host / per-day files of received lines (see archive.h):
 * the open-file cache and the lines.  The path pattern is archive_path.c's.
 *
 * The pattern is parsed once into segments.  Each line expands it into a
 * fixed path buffer, finds the file in a chained hash table keyed by the
 * expanded path (entries stay while closed, to remember logged errors,
 * and are dropped once idle), builds the line in a reused buffer and
 * writes it with one write(2).  Open files are also on an LRU list.
 */
#include "deliver/archive.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deliver/archive_int.h"
#include "deliver/archive_path.h"
#include "lib/log.h"
#include "lib/map.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define DEF_INTERVAL	5
#define DEF_MODE	0640
#define DEF_MAX_OPEN	256
#define DIR_MODE	0750

struct afile {
	struct afile	*hnext;		/* hash chain */
	struct afile	*prev, *next;	/* LRU list of open files, newest first */
	uint64_t	 hash;		/* of path */
	int		 fd;		/* -1 while closed */
	bool		 dirty;		/* written since the last fdatasync */
	int		 logged;	/* errno last logged for this file, 0 = none */
	time_t		 used;		/* tick clock of the last line */
	size_t		 len;		/* of path */
	char		 path[];	/* expanded path, NUL-terminated */
};

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

int
archive_check(const char *pattern, char *err, size_t errlen)
{
	return archive_path_parse(pattern, NULL, NULL, err, errlen);
}

struct archive *
archive_open(const char *pattern, const struct archive_opts *o, char *err,
    size_t errlen)
{
	struct archive *a = xcalloc(1, sizeof(*a));
	size_t i;

	if (archive_path_parse(pattern, &a->segs, &a->nsegs, err,
	    errlen) == -1) {
		archive_path_free_segs(a->segs, a->nsegs);
		free(a);
		return NULL;
	}
	for (i = 0; i < a->nsegs; i++)
		if (a->segs[i].kind >= SEG_YEAR)
			a->timed = true;
	if (o != NULL)
		a->o = *o;
	if (a->o.sync_interval == 0)
		a->o.sync_interval = DEF_INTERVAL;
	if (a->o.mode == 0)
		a->o.mode = DEF_MODE;
	if (a->o.max_open == 0)
		a->o.max_open = DEF_MAX_OPEN;
	a->tabcap = 16;
	a->tab = xcalloc(a->tabcap, sizeof(*a->tab));
	/* the same clock as archive_tick's: real time (idle files and sync
	 * intervals are about the machine, not about the lines' stamps) */
	a->now = a->synced = time(NULL);
	return a;
}

/* Counts an error for path (f may be NULL), keeps it as last_error and
 * logs it unless the same errno was the last one logged for f. */
static void
fail(struct archive *a, struct afile *f, const char *path, const char *what,
    int err)
{
	int *logged = f != NULL ? &f->logged : &a->logged;

	a->st.errors++;
	a->has_error = true;
	snprintf(a->last_error, sizeof(a->last_error), "%s: %s: %s", path,
	    what, strerror(err));
	if (*logged != err) {
		*logged = err;
		log_warnx("archive: %s (further errors like it not logged)",
		    a->last_error);
	}
}

static void
lru_unlink(struct archive *a, struct afile *f)
{
	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		a->head = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	else
		a->tail = f->prev;
	f->prev = f->next = NULL;
}

static void
lru_push(struct archive *a, struct afile *f)
{
	f->prev = NULL;
	f->next = a->head;
	if (a->head != NULL)
		a->head->prev = f;
	else
		a->tail = f;
	a->head = f;
}

static void
sync_file(struct archive *a, struct afile *f)
{
	if (!f->dirty)
		return;
	f->dirty = false;
	if (fdatasync(f->fd) == -1)
		fail(a, f, f->path, "fdatasync", errno);
}

static void
close_file(struct archive *a, struct afile *f)
{
	if (f->fd == -1)
		return;
	if (a->o.sync != ARCHIVE_SYNC_NONE)
		sync_file(a, f);
	close(f->fd);
	f->fd = -1;
	f->dirty = false;
	lru_unlink(a, f);
	a->nopen--;
}

static void
free_file(struct archive *a, struct afile *f)
{
	struct afile **pp = &a->tab[f->hash & (a->tabcap - 1)];

	close_file(a, f);
	while (*pp != f)
		pp = &(*pp)->hnext;
	*pp = f->hnext;
	a->nfiles--;
	free(f);
}

/* Drops the closed entries last used at or before older (all when all). */
static void
prune(struct archive *a, bool all, time_t older)
{
	size_t i;

	for (i = 0; i < a->tabcap; i++) {
		struct afile *f = a->tab[i], *next;

		for (; f != NULL; f = next) {
			next = f->hnext;
			if (f->fd == -1 && (all || f->used <= older))
				free_file(a, f);
		}
	}
}

static struct afile *
lookup(struct archive *a, const char *path, size_t len)
{
	uint64_t h = map_hash(path, len);
	struct afile *f;
	size_t i;

	for (f = a->tab[h & (a->tabcap - 1)]; f != NULL; f = f->hnext)
		if (f->hash == h && f->len == len && memcmp(f->path, path, len) == 0)
			return f;

	/* Closed entries only remember errors; bound them. */
	if (a->nfiles >= 2 * (size_t)a->o.max_open + 64)
		prune(a, true, 0);
	if (a->nfiles >= a->tabcap) {
		struct afile **old = a->tab, *next;
		size_t oldcap = a->tabcap;

		a->tabcap *= 2;
		a->tab = xcalloc(a->tabcap, sizeof(*a->tab));
		for (i = 0; i < oldcap; i++) {
			for (f = old[i]; f != NULL; f = next) {
				next = f->hnext;
				f->hnext = a->tab[f->hash & (a->tabcap - 1)];
				a->tab[f->hash & (a->tabcap - 1)] = f;
			}
		}
		free(old);
	}
	f = xcalloc(1, sizeof(*f) + len + 1);
	memcpy(f->path, path, len);
	f->len = len;
	f->hash = h;
	f->fd = -1;
	f->hnext = a->tab[h & (a->tabcap - 1)];
	a->tab[h & (a->tabcap - 1)] = f;
	a->nfiles++;
	return f;
}

/* Creates the missing directories above path. */
static int
mkparents(const char *path)
{
	char tmp[PATH_MAX], *p;
	struct stat sb;

	str_lcpy(tmp, path, sizeof(tmp));
	for (p = strchr(tmp + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(tmp, DIR_MODE) == -1 && errno != EEXIST) {
			int saved = errno;

			if (stat(tmp, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
				errno = saved;
				return -1;
			}
		}
		*p = '/';
	}
	return 0;
}

/* Opens f (creating it and its directories); returns 0 or -1 (counted). */
static int
open_file(struct archive *a, struct afile *f)
{
	/* O_NONBLOCK: a FIFO planted at the path must not block us. */
	const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW |
	    O_NOCTTY | O_NONBLOCK;
	bool created = false, madedirs = false;
	struct stat sb;
	int fd = -1, tries, fl;

	if (a->nopen >= a->o.max_open && a->tail != NULL)
		close_file(a, a->tail);
	for (tries = 0; tries < 4; tries++) {
		fd = open(f->path, flags | O_CREAT | O_EXCL, a->o.mode);
		if (fd != -1) {
			created = true;
			break;
		}
		if (errno == EEXIST) {
			fd = open(f->path, flags);
			if (fd != -1 || errno != ENOENT)
				break;
			continue;		/* removed in between */
		}
		if (errno == ENOENT && !madedirs) {
			madedirs = true;
			if (mkparents(f->path) == -1) {
				fail(a, f, f->path, "cannot create its directory",
				    errno);
				return -1;
			}
			continue;
		}
		if ((errno == EMFILE || errno == ENFILE) && a->tail != NULL) {
			close_file(a, a->tail);
			continue;
		}
		break;
	}
	if (fd == -1) {
		fail(a, f, f->path, errno == ELOOP ? "open (a symbolic link?)" :
		    errno == ENXIO ? "open (a FIFO or socket?)" : "open", errno);
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		fail(a, f, f->path, "fstat", errno);
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		fail(a, f, f->path, "not a regular file", EINVAL);
		close(fd);
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if (created) {
		/* The configured mode, whatever the daemon's umask. */
		if (fchmod(fd, a->o.mode) == -1)
			log_debug("archive: %s: fchmod: %s", f->path,
			    strerror(errno));
		a->st.files_created++;
		log_debug("archive: created %s", f->path);
	}
	f->fd = fd;
	f->dirty = false;
	f->logged = 0;
	lru_push(a, f);
	a->nopen++;
	return 0;
}

/* Local time of t into a->tm and a->stamp, cached for repeated t. */
static int
set_time(struct archive *a, time_t t)
{
	char *s = a->stamp;
	const struct tm *tm = &a->tm;

	if (a->tm_ok && a->tm_t == t)
		return 0;
	a->tm_ok = false;
	if (localtime_r(&t, &a->tm) == NULL)
		return -1;
	memcpy(s, months[tm->tm_mon], 3);
	s[3] = ' ';
	s[4] = tm->tm_mday < 10 ? ' ' : (char)('0' + tm->tm_mday / 10);
	s[5] = (char)('0' + tm->tm_mday % 10);
	s[6] = ' ';
	s[7] = (char)('0' + tm->tm_hour / 10);
	s[8] = (char)('0' + tm->tm_hour % 10);
	s[9] = ':';
	s[10] = (char)('0' + tm->tm_min / 10);
	s[11] = (char)('0' + tm->tm_min % 10);
	s[12] = ':';
	/* tm_sec may be 60 (leap second) */
	s[13] = (char)('0' + tm->tm_sec / 10);
	s[14] = (char)('0' + tm->tm_sec % 10);
	s[15] = ' ';
	a->tm_t = t;
	a->tm_ok = true;
	return 0;
}

/* Copies n bytes to o with control bytes as "#ooo" (also TAB and space
 * when field); returns the end. */
static char *
escape(char *o, const char *p, size_t n, bool field)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		/* a tab too, as rsyslog writes it by default
		 * (parser.escapeControlCharacterTab) */
		if (c < 0x20 || c == 0x7f || (c == ' ' && field)) {
			*o++ = '#';
			*o++ = (char)('0' + (c >> 6));
			*o++ = (char)('0' + ((c >> 3) & 7));
			*o++ = (char)('0' + (c & 7));
		} else
			*o++ = (char)c;
	}
	return o;
}

/* Writes the line with one write(2) unless it comes short. */
static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
archive_write(struct archive *a, time_t t, const char *host, size_t hostlen,
    const char *prog, size_t proglen, int facility, int severity,
    const char *text, size_t textlen)
{
	struct afile *f;
	ssize_t plen;
	size_t need;
	char *o;

	if (set_time(a, t) == -1) {
		fail(a, NULL, "(line time)", "localtime", EOVERFLOW);
		return -1;
	}
	if ((plen = archive_path_expand(a, host, hostlen, prog, proglen,
	    facility, severity)) == -1) {
		fail(a, NULL, a->path, "path too long", ENAMETOOLONG);
		return -1;
	}
	f = lookup(a, a->path, (size_t)plen);
	f->used = a->now;
	if (f->fd == -1) {
		if (open_file(a, f) == -1)
			return -1;
	} else if (a->head != f) {
		lru_unlink(a, f);
		lru_push(a, f);
	}

	if (hostlen > ARCHIVE_HOST_MAX)
		hostlen = ARCHIVE_HOST_MAX;
	if (textlen > ARCHIVE_TEXT_MAX) {
		textlen = ARCHIVE_TEXT_MAX;
		a->st.truncated++;
	}
	need = STAMP_LEN + 4 * hostlen + 7 + 1 + 4 * textlen + 1;
	if (need > a->linecap) {
		size_t cap = a->linecap ? a->linecap : 256;

		while (cap < need)
			cap *= 2;
		free(a->line);
		a->line = xmalloc(cap);
		a->linecap = cap;
	}
	memcpy(a->line, a->stamp, STAMP_LEN);
	o = a->line + STAMP_LEN;
	if (hostlen == 0) {
		memcpy(o, "unknown", 7);
		o += 7;
	} else
		o = escape(o, host, hostlen, true);
	*o++ = ' ';
	o = escape(o, text, textlen, false);
	*o++ = '\n';

	if (write_all(f->fd, a->line, (size_t)(o - a->line)) == -1) {
		fail(a, f, f->path, "write", errno);
		close_file(a, f);
		return -1;
	}
	a->st.lines++;
	a->st.bytes += (uint64_t)(o - a->line);
	f->dirty = true;
	if (a->o.sync == ARCHIVE_SYNC_EVERY) {
		f->dirty = false;
		if (fdatasync(f->fd) == -1) {
			fail(a, f, f->path, "fdatasync", errno);
			return -1;
		}
	}
	return 0;
}

void
archive_reopen(struct archive *a)
{
	while (a->head != NULL)
		close_file(a, a->head);
}

void
archive_tick(struct archive *a, time_t now)
{
	struct afile *f, *prev;

	a->now = now;
	if (a->o.sync == ARCHIVE_SYNC_INTERVAL &&
	    (now - a->synced >= (time_t)a->o.sync_interval || now < a->synced)) {
		for (f = a->head; f != NULL; f = f->next)
			sync_file(a, f);
		a->synced = now;
	}
	/* Oldest first, from the tail; stop at the first recent one. */
	for (f = a->tail; f != NULL; f = prev) {
		prev = f->prev;
		if (now - f->used <= ARCHIVE_IDLE)
			break;
		close_file(a, f);
	}
	prune(a, false, now - ARCHIVE_IDLE - 1);
}

void
archive_stats(const struct archive *a, struct archive_stats *st)
{
	*st = a->st;
	st->files_open = a->nopen;
	st->last_error = a->has_error ? a->last_error : NULL;
}

void
archive_free(struct archive *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->tabcap; i++) {
		struct afile *f = a->tab[i], *next;

		for (; f != NULL; f = next) {
			next = f->hnext;
			close_file(a, f);
			free(f);
		}
	}
	free(a->tab);
	free(a->line);
	archive_path_free_segs(a->segs, a->nsegs);
	free(a);
}
