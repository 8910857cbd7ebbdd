/*
 * in_file_rotated — where the rotated files of a path are found (see
 * in_file_rotated.h): while running, after a rename or a truncation; and
 * after a restart, the saved file(s) and every rotation since.
 */
#include "input/in_file_rotated.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "input/in_file_int.h"
#include "input/in_file_rd.h"
#include "lib/log.h"
#include "lib/xmem.h"

/* A rotated name of the path. */
struct cand {
	char		*name;		/* owned full path */
	bool		 gz;
	bool		 dated;		/* PATH-DATE, else PATH.N */
	unsigned long	 num;		/* N */
	char		 date[32];	/* the digits of DATE */
	struct timespec	 mtime;
	uint64_t	 dev, ino;
};

/* Parses what follows the path's name: .N, -DATE, each with .gz. */
static bool
parse_suffix(const char *s, struct cand *c)
{
	size_t len = strlen(s), i, digits = 0;

	memset(c, 0, sizeof(*c));
	if (len > 3 && strcmp(s + len - 3, ".gz") == 0) {
		c->gz = true;
		len -= 3;
	}
	if (len < 2)
		return false;
	if (s[0] == '.') {
		if (len > 10)
			return false;
		for (i = 1; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return false;
			c->num = c->num * 10 + (unsigned long)(s[i] - '0');
		}
		return true;
	}
	if (s[0] != '-' || s[1] < '0' || s[1] > '9' ||
	    s[len - 1] < '0' || s[len - 1] > '9')
		return false;
	for (i = 1; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (digits + 1 >= sizeof(c->date))
				return false;
			c->date[digits++] = s[i];
		} else if (s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	}
	c->date[digits] = '\0';
	c->dated = true;
	return digits >= 6;
}

static int
ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

/* Oldest first: a higher .N is older; an earlier date is older. */
static int
cand_order(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	int d;

	if (!a->dated && a->num != b->num)
		return a->num > b->num ? -1 : 1;
	if (a->dated && (d = strcmp(a->date, b->date)) != 0)
		return d;
	if ((d = ts_cmp(&a->mtime, &b->mtime)) != 0)
		return d;
	return strcmp(a->name, b->name);
}

void
in_file_rotated_free(struct cand *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

size_t
in_file_rotated_list(const struct in_file *f, struct cand **out)
{
	struct cand *v = NULL, *num = NULL, *dat = NULL, c;
	size_t n = 0, cap = 0, nn = 0, nd = 0, i, j, k, bl = strlen(f->base);
	struct dirent *de;
	struct stat pst;
	bool have_path;
	uint64_t pdev, pino;
	DIR *d;

	*out = NULL;
	have_path = stat(f->path, &pst) == 0;
	pdev = have_path ? (uint64_t)pst.st_dev : 0;
	pino = have_path ? (uint64_t)pst.st_ino : 0;
	if ((d = opendir(f->dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (strncmp(de->d_name, f->base, bl) != 0 ||
		    !parse_suffix(de->d_name + bl, &c))
			continue;
		c.name = xasprintf("%s/%s", f->dir, de->d_name);
		if (stat(c.name, &st) == -1 || !S_ISREG(st.st_mode) ||
		    (have_path && (uint64_t)st.st_dev == pdev &&
		    (uint64_t)st.st_ino == pino)) {
			free(c.name);
			continue;
		}
		c.dev = (uint64_t)st.st_dev;
		c.ino = (uint64_t)st.st_ino;
		c.mtime = st.st_mtim;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = c;
	}
	closedir(d);
	/* drop .gz twins and hard links */
	for (i = 0; i < n; i++) {
		bool drop = false;

		for (j = 0; j < n && !drop && v[i].name != NULL; j++) {
			size_t l;

			if (j == i || v[j].gz || v[j].name == NULL)
				continue;
			l = strlen(v[j].name);
			if (v[i].gz && strlen(v[i].name) == l + 3 &&
			    strncmp(v[i].name, v[j].name, l) == 0)
				drop = true;
			else if (!v[i].gz && j < i && v[j].dev == v[i].dev &&
			    v[j].ino == v[i].ino)
				drop = true;
		}
		if (drop) {
			free(v[i].name);
			v[i].name = NULL;
		}
	}
	/* each naming scheme in its own order, merged by mtime */
	num = xreallocarray(NULL, n + 1, sizeof(*num));
	dat = xreallocarray(NULL, n + 1, sizeof(*dat));
	for (i = 0; i < n; i++) {
		if (v[i].name == NULL)
			continue;
		if (v[i].dated)
			dat[nd++] = v[i];
		else
			num[nn++] = v[i];
	}
	qsort(num, nn, sizeof(*num), cand_order);
	qsort(dat, nd, sizeof(*dat), cand_order);
	for (i = j = k = 0; i < nn || j < nd; k++) {
		if (j == nd || (i < nn && ts_cmp(&num[i].mtime, &dat[j].mtime) <= 0))
			v[k] = num[i++];
		else
			v[k] = dat[j++];
	}
	free(num);
	free(dat);
	n = k;
	if (n > IN_FILE_MAXCAND) {
		for (i = 0; i < n - IN_FILE_MAXCAND; i++)
			free(v[i].name);
		memmove(v, v + (n - IN_FILE_MAXCAND),
		    IN_FILE_MAXCAND * sizeof(*v));
		n = IN_FILE_MAXCAND;
	}
	if (n == 0) {
		free(v);
		v = NULL;
	}
	*out = v;
	return n;
}

int
in_file_rotated_find(const struct in_file *f, const struct cand *v,
    size_t n, const struct in_file_pos *want, int skip, struct rd **out)
{
	int pass;
	size_t i;

	*out = NULL;
	/* an empty fingerprint (the file was empty) matches any file by
	 * content: only the inode can tell then */
	for (pass = 0; pass < (want->head_len > 0 ? 2 : 1); pass++) {
		for (i = n; i-- > 0;) {
			bool same = !v[i].gz && v[i].dev == want->dev &&
			    v[i].ino == want->ino;
			struct rd *r;

			if ((int)i == skip || same != (pass == 0))
				continue;
			if ((r = in_file_rd_open(v[i].name, v[i].gz,
			    f->max_line)) == NULL)
				continue;
			if (in_file_rd_seek(r, want->offset, want) == 0) {
				*out = r;
				return (int)i;
			}
			in_file_rd_free(r);
		}
	}
	return -1;
}

int
in_file_rotated_find_prefix(const struct in_file *f, const struct cand *v,
    size_t n, const struct rd *r, uint64_t *size, const char **name)
{
	unsigned char tmp[IN_FILE_HEAD];
	uint64_t read_to = r->base + r->end;
	struct stat st;
	size_t i, k;
	ssize_t got;
	int fd;

	(void)f;
	if (r->head_len == 0)
		return -1;
	for (i = n; i-- > 0;) {
		if (v[i].gz)
			continue;
		if ((fd = open(v[i].name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
			continue;
		if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
		    st.st_size == 0 || (uint64_t)st.st_size >= read_to) {
			close(fd);
			continue;
		}
		/* the same start as what was read ... */
		k = (size_t)in_file_min64(r->head_len, (uint64_t)st.st_size);
		got = in_file_rd_pread_all(fd, tmp, k, 0);
		if (got != (ssize_t)k || memcmp(tmp, r->head, k) != 0) {
			close(fd);
			continue;
		}
		/* ... and the same last bytes, where the reader still holds
		 * the stream at that offset */
		if ((uint64_t)st.st_size > r->base) {
			uint64_t end = (uint64_t)st.st_size;

			k = (size_t)in_file_min64(sizeof(tmp), end - r->base);
			got = in_file_rd_pread_all(fd, tmp, k, end - k);
			if (got != (ssize_t)k ||
			    memcmp(tmp, r->buf + (end - k - r->base), k) != 0) {
				close(fd);
				continue;
			}
		}
		close(fd);
		*size = (uint64_t)st.st_size;
		*name = v[i].name;
		return (int)i;
	}
	return -1;
}

int
in_file_rotated_index_of(const struct in_file *f, const struct cand *v,
    size_t n, const struct rd *r)
{
	struct in_file_pos want;
	struct stat st;
	uint64_t size;
	size_t i;

	for (i = n; i-- > 0;)
		if (!v[i].gz && v[i].dev == r->dev && v[i].ino == r->ino)
			return (int)i;
	if (r->fd == -1 || fstat(r->fd, &st) == -1)
		return -1;
	size = (uint64_t)st.st_size;
	memset(&want, 0, sizeof(want));
	want.valid = true;
	want.tail_hash = in_file_rd_fnv(NULL, 0);
	want.head_len = (uint32_t)in_file_min64(IN_FILE_HEAD, size);
	{
		char head[IN_FILE_HEAD];

		if (in_file_rd_pread_all(r->fd, head, want.head_len, 0) !=
		    (ssize_t)want.head_len)
			return -1;
		want.head_hash = in_file_rd_fnv(head, want.head_len);
	}
	for (i = n; i-- > 0;) {
		unsigned char t[4];
		struct rd *z;
		uint32_t isize;
		int fd, ok;

		if (!v[i].gz || (fd = open(v[i].name, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		ok = fstat(fd, &st) == 0 && st.st_size >= 4 &&
		    in_file_rd_pread_all(fd, t, 4,
		    (uint64_t)st.st_size - 4) == 4;
		close(fd);
		isize = (uint32_t)t[0] | (uint32_t)t[1] << 8 |
		    (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
		if (!ok || isize != (uint32_t)size)
			continue;
		if ((z = in_file_rd_open(v[i].name, true, f->max_line)) == NULL)
			continue;
		ok = in_file_rd_seek(z, 0, &want) == 0;
		in_file_rd_free(z);
		if (ok)
			return (int)i;
	}
	return -1;
}

void
in_file_rotated_plan_newer(struct in_file *f, const struct cand *v,
    size_t n, size_t from)
{
	size_t i;

	for (i = from; i < n && f->nplan < IN_FILE_MAXCAND; i++) {
		struct rd *r = in_file_rd_open(v[i].name, v[i].gz, f->max_line);

		if (r == NULL) {
			log_warnx("%s: cannot open rotated file %s: %s",
			    f->path, v[i].name, strerror(errno));
			f->losses_unknown++;
			continue;
		}
		r->kind = RD_FINAL;
		f->plan[f->nplan++] = r;
		f->rotations++;
	}
	if (f->nplan > 0) {
		if (f->plan[f->nplan - 1]->gz == NULL)
			f->plan[f->nplan - 1]->kind = RD_DRAIN;
		if (f->old != NULL)
			f->old->hurry = true;
	}
}

bool
in_file_rotated_locate(struct in_file *f, const struct in_file_save *saved,
    struct rd *p, bool path_unknown)
{
	const struct in_file_opts *o = &f->o;
	const char *path = f->path;
	struct cand *v = NULL;
	struct rd *rcur = NULL, *rold = NULL;
	int icur = -1, iold = -1, first = -1;
	size_t n, i;

	n = in_file_rotated_list(f, &v);
	if (saved->cur.valid && saved->cur.head_len == 0 &&
	    saved->cur.offset == 0 && (!saved->old.valid ||
	    (saved->old.head_len == 0 && saved->old.offset == 0)) &&
	    (o->saved_at.tv_sec != 0 || o->saved_at.tv_nsec != 0)) {
		/* empty at the checkpoint: nothing to recognise it by.
		 * Whatever was written to it since is in the rotated files
		 * changed after the checkpoint (renamed, copied or
		 * compressed meanwhile), then in the path */
		for (i = 0; i < n; i++) {
			if (ts_cmp(&v[i].mtime, &o->saved_at) <= 0)
				continue;
			if ((rcur = in_file_rd_open(v[i].name, v[i].gz,
			    f->max_line)) != NULL)
				icur = (int)i;
			break;
		}
		if (icur < 0 && p != NULL && in_file_rd_seek(p, 0, NULL) == 0)
			icur = (int)n;
	} else if (saved->cur.valid) {
		const struct in_file_pos *w = &saved->cur;

		if (p != NULL && p->dev == w->dev && p->ino == w->ino &&
		    in_file_rd_seek(p, w->offset, w) == 0)
			icur = (int)n;
		else if ((icur = in_file_rotated_find(f, v, n, w, -1,
		    &rcur)) < 0 &&
		    p != NULL && in_file_rd_seek(p, w->offset, w) == 0)
			icur = (int)n;
	}
	if (saved->old.valid) {
		const struct in_file_pos *w = &saved->old;

		iold = in_file_rotated_find(f, v, n, w, icur, &rold);
		if (iold < 0 && icur != (int)n && p != NULL &&
		    in_file_rd_seek(p, w->offset, w) == 0)
			iold = (int)n;
	}
	if (saved->cur.valid && icur < 0 && path_unknown)
		f->resume = saved->cur;		/* decided once readable */
	if ((saved->cur.valid && icur < 0 && !path_unknown) ||
	    (saved->old.valid && iold < 0)) {
		log_warnx("%s: the file of the saved position was not found "
		    "(rotated away or deleted): lines written to it since may "
		    "be lost", path);
		f->losses_unknown++;
	}
	if (icur >= 0)
		first = icur;
	if (iold >= 0 && (first < 0 || iold < first))
		first = iold;
	/* the plan: the oldest located file, every newer rotation */
	for (i = first < 0 ? n : (size_t)first; i < n; i++) {
		struct rd *r;

		if ((int)i == icur) {
			r = rcur;
			rcur = NULL;
		} else if ((int)i == iold) {
			r = rold;
			rold = NULL;
		} else if ((r = in_file_rd_open(v[i].name, v[i].gz,
		    f->max_line)) == NULL) {
			log_warnx("%s: cannot open rotated file %s: %s", path,
			    v[i].name, strerror(errno));
			f->losses_unknown++;
			continue;
		}
		r->kind = RD_FINAL;
		f->plan[f->nplan++] = r;
		f->rotations++;
	}
	if (f->nplan > 0 && f->plan[f->nplan - 1]->gz == NULL)
		f->plan[f->nplan - 1]->kind = RD_DRAIN;	/* may still grow */
	in_file_rd_free(rcur);
	in_file_rd_free(rold);
	in_file_rotated_free(v, n);
	return icur == (int)n || iold == (int)n;
}
