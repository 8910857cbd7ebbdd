/*
 * in_file — the rotation-aware file tailer (see in_file.h).
 *
 * A tailer uses at most two readers at a time: cur (the file at the path)
 * and old (a renamed-away file being drained, the rotated copy after a
 * truncation, or the first file of the catch-up plan after a restart),
 * plus the rest of that plan, read one after the other.  cur is read in
 * parallel with old only when the plan is empty; a rotation or truncation
 * seen while old is busy waits (old is hurried) — so {old, cur} always
 * describes every partly read file, which is what in_file_save records.
 *
 * The reader is in in_file_rd.c; where rotated files are found (after a
 * rename, a truncation or a restart) in in_file_rotated.c.
 */
#include "input/in_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "input/in_file_int.h"
#include "input/in_file_rd.h"
#include "input/in_file_rotated.h"
#include "lib/log.h"
#include "lib/xmem.h"

#define DEF_MAX_LINE	(64 * 1024)
#define BACK_SCAN	(64 * 1024)	/* start_at_end: look back for a newline */

/* A delivery context: the callback and the per-poll cap. */
struct ctx {
	in_file_line_fn	*fn;
	void		*arg;
	size_t		 max;		/* 0 = no cap */
	size_t		 count;
};

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

/* ---- delivering lines ---- */

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
			size_t tl = (size_t)in_file_min64(KEEP, r->offset);

			r->cut_tail_len = (uint32_t)tl;
			r->cut_tail_hash =
			    in_file_rd_fnv(r->buf + r->start - tl, tl);
			memcpy(r->mem, r->buf + r->start, r->max_line);
			r->cut_len = r->end - r->start;
			r->cutting = true;
			r->start = r->scan = r->end;
		} else
			r->scan = r->end;
		if (!may_read)
			return 0;
		n = in_file_rd_fill(r, now);
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

/* ---- the tailer ---- */

/* Offset of the start of the last line before end (0 when the file is
 * one unterminated line, end when none is found in BACK_SCAN bytes). */
static uint64_t
line_start_before(int fd, uint64_t end)
{
	char tmp[4096];
	uint64_t at = end;

	while (at > 0 && end - at < BACK_SCAN) {
		size_t k = (size_t)in_file_min64(sizeof(tmp), at);
		char *p;

		if (in_file_rd_pread_all(fd, tmp, k, at - k) != (ssize_t)k)
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
		if (!r->ready && in_file_rd_seek(r, 0, NULL) != 0) {
			log_warnx("%s: cannot read rotated file %s: %s",
			    f->path, r->name, strerror(errno));
			f->losses_unknown++;
			in_file_rd_free(r);
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

	if ((r = in_file_rd_open(f->path, false, f->max_line)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			clear_error(f, ERR_OPEN);
		else
			set_error(f, ERR_OPEN, "cannot open", strerror(errno));
		return;
	}
	if (f->old != NULL && f->old->kind == RD_DRAIN && f->nplan == 0 &&
	    f->old->dev == r->dev && f->old->ino == r->ino) {
		/* renamed back before it was done */
		in_file_rd_free(r);
		f->cur = f->old;
		f->old = NULL;
		f->cur->kind = RD_LIVE;
		f->cur->hurry = false;
		clear_error(f, ERR_OPEN);
		return;
	}
	if (f->resume.valid) {
		int rc = in_file_rd_seek(r, f->resume.offset, &f->resume);

		if (rc == 1) {
			log_warnx("%s: the file of the saved position was not "
			    "found: lines written to it since may be lost; "
			    "reading the path from its start", f->path);
			f->losses_unknown++;
		}
		f->resume.valid = false;
	} else if (f->se_pending && r->dev == f->se_dev && r->ino == f->se_ino)
		start = line_start_before(r->fd,
		    in_file_min64(f->se_size, r->size_seen));
	f->se_pending = false;
	if (!r->ready && in_file_rd_seek(r, start, NULL) != 0) {
		set_error(f, ERR_READ, "cannot read", strerror(errno));
		in_file_rd_free(r);
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
	n = in_file_rotated_list(f, &v);
	if ((i = in_file_rotated_index_of(f, v, n, f->old)) >= 0)
		in_file_rotated_plan_newer(f, v, n, (size_t)i + 1);
	in_file_rotated_free(v, n);
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

	in_file_rd_pos(r, &want);
	n = in_file_rotated_list(f, &v);
	i = in_file_rotated_find(f, v, n, &want, -1, &copy);
	f->rotations++;
	if (copy != NULL) {
		struct stat cs;

		log_info("%s: truncated; reading the rest from %s", f->path,
		    copy->name);
		/* the file was seen longer than the copy: those bytes came
		 * after logrotate's copy and went with the truncation */
		if (copy->fd != -1 && fstat(copy->fd, &cs) == 0 &&
		    r->size_seen > (uint64_t)cs.st_size) {
			uint64_t lost = r->size_seen - (uint64_t)cs.st_size;

			f->bytes_lost += lost;
			log_warnx("%s: truncated: %llu bytes written after "
			    "logrotate's copy %s and before the truncation are "
			    "LOST (they are in neither file)", f->path,
			    (unsigned long long)lost, copy->name);
		}
		copy->kind = RD_FINAL;
		copy->grown = now;
		f->old = copy;
		/* truncated again since */
		in_file_rotated_plan_newer(f, v, n, (size_t)i + 1);
	} else {
		struct ctx all = *c;
		uint64_t pos = r->base + r->end, csize = 0;
		const char *cname = NULL;
		int j = in_file_rotated_find_prefix(f, v, n, r, &csize, &cname);

		/* what was read is real: deliver it, uncapped (rare) */
		all.max = 0;
		pump(f, r, now, &all, false);
		flush_partial(f, r, &all);
		c->count = all.count;
		if (r->size_seen > pos) {
			f->bytes_lost += r->size_seen - pos;
			log_warnx("%s: truncated: %llu bytes written since the "
			    "last read are LOST", f->path,
			    (unsigned long long)(r->size_seen - pos));
		} else if (j >= 0) {
			/* copytruncate: the copy was made before lines that
			 * were then read from the live file; it holds nothing
			 * new and nothing is known to be lost */
			log_info("%s: truncated; %s (%llu bytes) ends before "
			    "what was already read: nothing to take from it",
			    f->path, cname, (unsigned long long)csize);
		} else {
			f->losses_unknown++;
			log_warnx("%s: truncated and no rotated copy found: "
			    "lines written since the last read may be lost",
			    f->path);
		}
	}
	in_file_rotated_free(v, n);
	if (in_file_rd_seek(r, 0, NULL) != 0) {
		set_error(f, ERR_READ, "cannot read", strerror(errno));
		in_file_rd_free(r);
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
	if (!r->stalled && in_file_rd_truncated(r, &st))
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
	in_file_rd_pos(r, &f->anchor);
	in_file_rd_free(r);
	next_plan(f, now);
	return 2;
}

struct in_file *
in_file_new(const char *path, const struct in_file_opts *o,
    const struct in_file_save *saved)
{
	struct in_file *f = xcalloc(1, sizeof(*f));
	const char *slash = strrchr(path, '/');
	struct rd *p;
	bool path_unknown = false, located;

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
	p = in_file_rd_open(path, false, f->max_line);
	if (p == NULL && errno != ENOENT && errno != ENOTDIR) {
		set_error(f, ERR_OPEN, "cannot open", strerror(errno));
		path_unknown = true;
	}
	located = in_file_rotated_locate(f, saved, p, path_unknown);
	next_plan(f, -1);
	/* then the path */
	if (p != NULL && !located && in_file_rd_seek(p, 0, NULL) != 0) {
		set_error(f, ERR_READ, "cannot read", strerror(errno));
		in_file_rd_free(p);
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
	in_file_rd_free(f->old);
	in_file_rd_free(f->cur);
	for (i = 0; i < f->nplan; i++)
		in_file_rd_free(f->plan[i]);
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
		in_file_rd_pos(f->old, &out->old);
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
		in_file_rd_pos(c, &out->cur);
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
