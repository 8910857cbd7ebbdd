/*
 * archive — per-host / per-day files of received lines (see archive.h).
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

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/map.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define DEF_INTERVAL	5
#define DEF_MODE	0640
#define DEF_MAX_OPEN	256
#define DIR_MODE	0750
#define STAMP_LEN	16		/* "Mmm dd hh:mm:ss " */

enum seg_kind {
	SEG_LIT, SEG_HOST, SEG_PROG, SEG_FACILITY, SEG_LEVEL,
	SEG_YEAR, SEG_MONTH, SEG_DAY, SEG_HOUR, SEG_MINUTE
};

struct seg {
	enum seg_kind	 kind;
	char		*lit;		/* SEG_LIT: owned bytes */
	size_t		 len;		/* SEG_LIT: their length */
};

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

struct archive {
	struct seg	*segs;		/* owned array */
	size_t		 nsegs;
	bool		 timed;		/* the pattern has a time conversion */
	struct archive_opts o;		/* with defaults filled in */
	struct afile	**tab;		/* owned hash buckets */
	size_t		 tabcap;	/* power of two */
	size_t		 nfiles;	/* entries in tab */
	struct afile	*head, *tail;	/* LRU list of open files */
	size_t		 nopen;
	char		 path[PATH_MAX];	/* expansion of the current line */
	char		*line;		/* owned line buffer */
	size_t		 linecap;
	time_t		 now;		/* clock of the last tick */
	time_t		 synced;	/* clock of the last interval sync */
	time_t		 tm_t;		/* time the cached fields are for */
	bool		 tm_ok;		/* tm and stamp hold tm_t */
	struct tm	 tm;
	char		 stamp[STAMP_LEN];
	int		 logged;	/* errno last logged without a file */
	struct archive_stats st;	/* counters; last_error unused */
	bool		 has_error;
	char		 last_error[PATH_MAX + 128];
};

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* rsyslog's names, indexed by the (unshifted) facility number. */
static const char *const facilities[24] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6",
	"local7"
};

static const char *const severities[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"
};

static const struct {
	const char	*name;
	enum seg_kind	 kind;
} tokens[] = {
	{ "HOST", SEG_HOST }, { "PROG", SEG_PROG },
	{ "FACILITY", SEG_FACILITY }, { "LEVEL", SEG_LEVEL },
};

/* ASCII only, whatever the locale. */
static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void
add_seg(struct seg **v, size_t *n, enum seg_kind kind, const char *lit,
    size_t len)
{
	if (v == NULL)
		return;
	if (kind == SEG_LIT && *n > 0 && (*v)[*n - 1].kind == SEG_LIT) {
		struct seg *s = &(*v)[*n - 1];

		s->lit = xreallocarray(s->lit, s->len + len + 1, 1);
		memcpy(s->lit + s->len, lit, len);
		s->len += len;
		s->lit[s->len] = '\0';
		return;
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].kind = kind;
	(*v)[*n].lit = kind == SEG_LIT ? xmemdup0(lit, len) : NULL;
	(*v)[*n].len = kind == SEG_LIT ? len : 0;
	(*n)++;
}

static void
free_segs(struct seg *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].lit);
	free(v);
}

/* Parses pattern into segments (when v is not NULL); returns 0 or -1 with
 * err set. */
static int
parse(const char *pattern, struct seg **v, size_t *n, char *err, size_t errlen)
{
	const char *p = pattern, *q;
	size_t i, len;

	if (n != NULL)
		*n = 0;
	if (pattern[0] != '/') {
		snprintf(err, errlen, "'%s' is not an absolute path (it must "
		    "start with '/')", pattern);
		return -1;
	}
	len = strlen(pattern);
	if (pattern[len - 1] == '/') {
		snprintf(err, errlen, "'%s' names a directory, not a file "
		    "(add a file name, e.g. %%HOST%%.log)", pattern);
		return -1;
	}
	if (len >= PATH_MAX) {
		snprintf(err, errlen, "pattern longer than %d bytes", PATH_MAX - 1);
		return -1;
	}
	while (*p != '\0') {
		if (*p != '%') {
			q = strchr(p, '%');
			len = q != NULL ? (size_t)(q - p) : strlen(p);
			add_seg(v, n, SEG_LIT, p, len);
			p += len;
			continue;
		}
		/* A token is %NAME% with a name of two letters or more;
		 * otherwise one conversion character follows. */
		for (q = p + 1; is_alpha(*q); q++)
			;
		if (*q == '%' && q - p - 1 >= 2) {
			len = (size_t)(q - p - 1);
			for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
				if (strlen(tokens[i].name) == len &&
				    strncasecmp(tokens[i].name, p + 1, len) == 0)
					break;
			}
			if (i == sizeof(tokens) / sizeof(tokens[0])) {
				snprintf(err, errlen, "unknown token '%.*s' in "
				    "'%s' (known: %%HOST%%, %%PROG%%, "
				    "%%FACILITY%%, %%LEVEL%%)", (int)len + 2, p,
				    pattern);
				return -1;
			}
			add_seg(v, n, tokens[i].kind, NULL, 0);
			p = q + 1;
			continue;
		}
		switch (p[1]) {
		case '%':
			add_seg(v, n, SEG_LIT, "%", 1);
			break;
		case 'Y':
			add_seg(v, n, SEG_YEAR, NULL, 0);
			break;
		case 'm':
			add_seg(v, n, SEG_MONTH, NULL, 0);
			break;
		case 'd':
			add_seg(v, n, SEG_DAY, NULL, 0);
			break;
		case 'H':
			add_seg(v, n, SEG_HOUR, NULL, 0);
			break;
		case 'M':
			add_seg(v, n, SEG_MINUTE, NULL, 0);
			break;
		default:
			if (p[1] == '\0')
				snprintf(err, errlen, "'%s' ends with a lone "
				    "'%%' (write %%%% for a '%%')", pattern);
			else
				snprintf(err, errlen, "unknown conversion "
				    "'%%%c' in '%s' (known: %%Y %%m %%d %%H %%M, "
				    "%%%% for a '%%')", p[1], pattern);
			return -1;
		}
		p += 2;
	}
	return 0;
}

int
archive_check(const char *pattern, char *err, size_t errlen)
{
	return parse(pattern, NULL, NULL, err, errlen);
}

struct archive *
archive_open(const char *pattern, const struct archive_opts *o, char *err,
    size_t errlen)
{
	struct archive *a = xcalloc(1, sizeof(*a));
	size_t i;

	if (parse(pattern, &a->segs, &a->nsegs, err, errlen) == -1) {
		free_segs(a->segs, a->nsegs);
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
	a->now = a->synced = clock_now();
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

/* Appends a sanitised path value (see archive.h) at *o; returns -1 when
 * the path buffer is full. */
static int
put_value(char **o, char *end, const char *v, size_t len, bool lower)
{
	size_t i;

	if (v == NULL || len == 0) {
		v = "unknown";
		len = 7;
	} else if ((len == 1 && v[0] == '.') ||
	    (len == 2 && v[0] == '.' && v[1] == '.')) {
		v = "_";
		len = 1;
	}
	if (len > ARCHIVE_VALUE_MAX)
		len = ARCHIVE_VALUE_MAX;
	if ((size_t)(end - *o) <= len)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (lower && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (!is_alpha((char)c) && !(c >= '0' && c <= '9') &&
		    c != '.' && c != '_' && c != '-')
			c = '_';
		*(*o)++ = (char)c;
	}
	return 0;
}

static int
put_num(char **o, char *end, int v, int width)
{
	char tmp[16];
	int n = snprintf(tmp, sizeof(tmp), "%0*d", width, v);

	if (n < 0 || end - *o <= n)
		return -1;
	memcpy(*o, tmp, (size_t)n);
	*o += n;
	return 0;
}

static const char *
name_of(const char *const *names, int n, int i)
{
	return i >= 0 && i < n ? names[i] : "unknown";
}

/* Expands the pattern into a->path; returns its length or -1 (too long). */
static ssize_t
expand(struct archive *a, const char *host, size_t hostlen, const char *prog,
    size_t proglen, int facility, int severity)
{
	char *o = a->path, *end = a->path + sizeof(a->path);
	const char *s;
	size_t i;
	int r = 0;

	for (i = 0; i < a->nsegs && r == 0; i++) {
		const struct seg *g = &a->segs[i];

		switch (g->kind) {
		case SEG_LIT:
			if ((size_t)(end - o) <= g->len)
				return -1;
			memcpy(o, g->lit, g->len);
			o += g->len;
			break;
		case SEG_HOST:
			r = put_value(&o, end, host, hostlen, true);
			break;
		case SEG_PROG:
			r = put_value(&o, end, prog, proglen, false);
			break;
		case SEG_FACILITY:
			s = name_of(facilities, 24, facility);
			r = put_value(&o, end, s, strlen(s), false);
			break;
		case SEG_LEVEL:
			s = name_of(severities, 8, severity);
			r = put_value(&o, end, s, strlen(s), false);
			break;
		case SEG_YEAR:
			r = put_num(&o, end, a->tm.tm_year + 1900, 4);
			break;
		case SEG_MONTH:
			r = put_num(&o, end, a->tm.tm_mon + 1, 2);
			break;
		case SEG_DAY:
			r = put_num(&o, end, a->tm.tm_mday, 2);
			break;
		case SEG_HOUR:
			r = put_num(&o, end, a->tm.tm_hour, 2);
			break;
		case SEG_MINUTE:
			r = put_num(&o, end, a->tm.tm_min, 2);
			break;
		}
	}
	if (r == -1)
		return -1;
	*o = '\0';
	return o - a->path;
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

		if ((c < 0x20 && (c != '\t' || field)) || c == 0x7f ||
		    (c == ' ' && field)) {
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
	if ((plen = expand(a, host, hostlen, prog, proglen, facility,
	    severity)) == -1) {
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
	free_segs(a->segs, a->nsegs);
	free(a);
}
