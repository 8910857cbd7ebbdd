/*
 * state — checkpoint file.  Layout (host byte order):
 *
 *	"LWSTATE\n"  u32 version  u32 0
 *	u64 seq  u64 rules_hash  i64 saved
 *	u32 ninputs   { str path, pos old, pos cur }
 *	str journal_cursor (version 2; "" = none)
 *	u32 nqueues   { str name, i64 last_fire, i64 report_start, i64 due,
 *	                u32 nsent, i64 sent[nsent], u64 lines, u64 errlines,
 *	                (version 2:) u64 over_unhosted, u8 over_mem,
 *	                u32 nover { str host, u64 lines },
 *	                u32 nentries { str host, str msg, u64 count,
 *	                               i64 first, i64 last, str example } }
 *	u32 nrules  u32 nhosts { str host, u8 has_counters, u32 counters[nrules],
 *	                u8 last, str last_msg, u32 nq, u32 queue[nq] }
 *	(version 3:) u32 nsections { str name, str data }
 *	u32 crc32 of all the bytes before it
 *
 * str = u32 length + bytes; pos = u8 valid, u64 dev, ino, offset,
 * u32 head_len, u64 head_hash, u32 tail_len, u64 tail_hash.
 */
#include "daemon/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/log.h"
#include "lib/map.h"
#include "lib/xmem.h"

static const char magic[8] = { 'L', 'W', 'S', 'T', 'A', 'T', 'E', '\n' };

/* ---- writing ---- */

#define WBUF	(64 * 1024)	/* bytes gathered before fwrite and crc32 */

/* The fields are gathered in buf: one fwrite and one crc32 per WBUF
 * bytes instead of one of each per field (a checkpoint holds every
 * queued line's host, message and example). */
struct writer {
	FILE		*fp;
	uLong		 crc;
	int		 err;
	size_t		 len;		/* bytes in buf */
	unsigned char	 buf[WBUF];
};

static void
drain(struct writer *w, const void *p, size_t n)
{
	size_t off = 0;

	if (w->err)
		return;
	if (n > 0 && fwrite(p, 1, n, w->fp) != n)
		w->err = errno ? errno : EIO;
	/* crc32 takes uInt lengths */
	while (off < n) {
		uInt k = n - off > 1u << 30 ? 1u << 30 : (uInt)(n - off);

		w->crc = crc32(w->crc, (const Bytef *)p + off, k);
		off += k;
	}
}

static void
flush_buf(struct writer *w)
{
	drain(w, w->buf, w->len);
	w->len = 0;
}

static void
put(struct writer *w, const void *p, size_t n)
{
	if (w->len + n > sizeof(w->buf)) {
		flush_buf(w);
		if (n > sizeof(w->buf)) {
			drain(w, p, n);
			return;
		}
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void
put_u8(struct writer *w, uint8_t v)
{
	put(w, &v, 1);
}

static void
put_u32(struct writer *w, uint32_t v)
{
	put(w, &v, sizeof(v));
}

static void
put_u64(struct writer *w, uint64_t v)
{
	put(w, &v, sizeof(v));
}

static void
put_time(struct writer *w, time_t t)
{
	int64_t v = (int64_t)t;

	put(w, &v, sizeof(v));
}

static void
put_str(struct writer *w, const char *s, size_t n)
{
	put_u32(w, (uint32_t)n);
	put(w, s, n);
}

static void
put_pos(struct writer *w, const struct in_file_pos *p)
{
	put_u8(w, p->valid);
	put_u64(w, p->dev);
	put_u64(w, p->ino);
	put_u64(w, p->offset);
	put_u32(w, p->head_len);
	put_u64(w, p->head_hash);
	put_u32(w, p->tail_len);
	put_u64(w, p->tail_hash);
}

static void
put_queue(struct writer *w, const struct state_queue *sq,
    const struct engine *e, long qi)
{
	const struct queue *q = qi >= 0 ? &e->queues[qi] : NULL;
	const struct map_slot *s;
	char *ex = NULL;
	size_t i, excap = 0;
	uint32_t n;

	put_str(w, sq->name, strlen(sq->name));
	put_time(w, sq->last_fire);
	put_time(w, sq->report_start);
	put_time(w, sq->due);
	n = sq->nsent > STATE_MAX_SENT ? STATE_MAX_SENT : sq->nsent;
	put_u32(w, n);
	for (i = 0; i < n; i++)
		put_time(w, sq->sent[i]);
	if (q == NULL) {
		put_u64(w, 0);
		put_u64(w, 0);
		put_u64(w, 0);
		put_u8(w, 0);
		put_u32(w, 0);
		put_u32(w, 0);
		return;
	}
	put_u64(w, q->lines);
	put_u64(w, e->queue_errlines[qi]);
	put_u64(w, q->over_unhosted);
	put_u8(w, q->over_mem);
	put_u32(w, (uint32_t)q->over_hosts.len);
	i = 0;
	while (map_next(&q->over_hosts, &i, &s)) {
		put_str(w, s->key, s->klen);
		put_u64(w, *(const uint64_t *)s->val);
	}
	put_u32(w, (uint32_t)q->nentries);
	for (i = 0; i < q->nentries; i++) {
		const struct entry *en = q->entries[i];

		if (excap < (size_t)en->exlen + 1) {
			excap = (size_t)en->exlen + 1;
			ex = xreallocarray(ex, excap, 1);
		}
		put_str(w, queue_entry_host(en), en->hostlen);
		put_str(w, queue_entry_msg(en), en->msglen);
		put_u64(w, en->count);
		put_time(w, en->first);
		put_time(w, en->last);
		put_str(w, queue_example(en, ex), en->exlen);
	}
	free(ex);
}

struct hostw {
	struct writer	*w;
	size_t		 nrules;
};

static void
put_host(const struct engine_host *h, void *arg)
{
	struct hostw *hw = arg;
	size_t i;

	put_str(hw->w, h->host, h->hostlen);
	put_u8(hw->w, h->counters != NULL);
	if (h->counters != NULL)
		for (i = 0; i < hw->nrules; i++)
			put_u32(hw->w, h->counters[i]);
	put_u8(hw->w, (uint8_t)h->last);
	put_str(hw->w, h->last_msg, h->last_msglen);
	put_u32(hw->w, (uint32_t)h->nlast_queues);
	for (i = 0; i < h->nlast_queues; i++)
		put_u32(hw->w, (uint32_t)h->last_queues[i]);
}

static int
fsync_dir(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd, rc = 0;

	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else {
		free(dir);
		dir = xstrdup(".");
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || fsync(fd) == -1)
		rc = -1;
	if (fd != -1)
		close(fd);
	free(dir);
	return rc;
}

/* The whole image into fp (the CRC last).  Returns 0 or an errno. */
static int
encode(FILE *fp, const struct state *st, const struct engine *e)
{
	struct writer *w = xmalloc(sizeof(*w));
	struct hostw hw;
	uint32_t crc, zero = 0;
	size_t i, nq;
	int err;

	w->fp = fp;
	w->err = 0;
	w->len = 0;
	w->crc = crc32(0L, Z_NULL, 0);
	put(w, magic, sizeof(magic));
	put_u32(w, STATE_VERSION);
	put_u32(w, zero);
	put_u64(w, st->seq);
	put_u64(w, st->rules_hash);
	put_u64(w, (uint64_t)st->saved);
	put_u32(w, (uint32_t)st->ninputs);
	for (i = 0; i < st->ninputs; i++) {
		put_str(w, st->inputs[i].path, strlen(st->inputs[i].path));
		put_pos(w, &st->inputs[i].save.old);
		put_pos(w, &st->inputs[i].save.cur);
	}
	put_str(w, st->journal_cursor ? st->journal_cursor : "",
	    st->journal_cursor ? strlen(st->journal_cursor) : 0);
	/* every queue of the config, with its schedule from st when known */
	nq = e != NULL ? e->conf->nqueues : 0;
	put_u32(w, (uint32_t)nq);
	for (i = 0; i < nq; i++) {
		struct state_queue none = { .name = e->conf->queues[i].name };
		const struct state_queue *sq = &none;
		size_t j;

		for (j = 0; j < st->nqueues; j++)
			if (strcmp(st->queues[j].name, none.name) == 0)
				sq = &st->queues[j];
		put_queue(w, sq, e, (long)i);
	}
	put_u32(w, e != NULL ? (uint32_t)e->conf->nrules : 0);
	put_u32(w, e != NULL ? (uint32_t)e->hosts.len : 0);
	hw.w = w;
	hw.nrules = e != NULL ? e->conf->nrules : 0;
	if (e != NULL)
		engine_hosts_each(e, put_host, &hw);
	put_u32(w, (uint32_t)st->nsections);
	for (i = 0; i < st->nsections; i++) {
		put_str(w, st->sections[i].name, strlen(st->sections[i].name));
		put_str(w, st->sections[i].data, st->sections[i].len);
	}
	flush_buf(w);
	crc = (uint32_t)w->crc;
	drain(w, &crc, sizeof(crc));
	if (w->err == 0 && fflush(w->fp) == EOF)
		w->err = errno ? errno : EIO;
	err = w->err;
	free(w);
	return err;
}

int
state_write(const char *path, const struct state *st, const struct engine *e)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *fp;
	int fd, err;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || (fp = fdopen(fd, "w")) == NULL) {
		log_warn("state: cannot write %s", tmp);
		if (fd != -1)
			close(fd);
		free(tmp);
		return -1;
	}
	err = encode(fp, st, e);
	if (err == 0 && fsync(fileno(fp)) == -1)
		err = errno;
	if (fclose(fp) == EOF && err == 0)
		err = errno;
	if (err == 0 && rename(tmp, path) == -1)
		err = errno;
	if (err != 0) {
		errno = err;
		log_warn("state: cannot write %s", path);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	if (fsync_dir(path) == -1)
		log_warn("state: fsync of the directory of %s", path);
	return 0;
}

char *
state_encode(const struct state *st, const struct engine *e, size_t *len)
{
	char *data = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&data, &size);

	if (fp == NULL || encode(fp, st, e) != 0)
		fatal("state: cannot encode the checkpoint in memory");
	if (fclose(fp) == EOF)
		fatal("state: cannot encode the checkpoint in memory");
	*len = size;
	return data;
}

/* ---- reading ---- */

struct reader {
	const unsigned char *p, *end;
	bool		 bad;
};

static void
get(struct reader *r, void *dst, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, r->p, n);
	r->p += n;
}

static uint8_t
get_u8(struct reader *r)
{
	uint8_t v;

	get(r, &v, 1);
	return v;
}

static uint32_t
get_u32(struct reader *r)
{
	uint32_t v;

	get(r, &v, sizeof(v));
	return v;
}

static uint64_t
get_u64(struct reader *r)
{
	uint64_t v;

	get(r, &v, sizeof(v));
	return v;
}

static time_t
get_time(struct reader *r)
{
	int64_t v;

	get(r, &v, sizeof(v));
	return (time_t)v;
}

/* A string borrowed from the file image. */
static const char *
get_str(struct reader *r, size_t *len)
{
	uint32_t n = get_u32(r);
	const char *s = (const char *)r->p;

	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		*len = 0;
		return "";
	}
	r->p += n;
	*len = n;
	return s;
}

static void
get_pos(struct reader *r, struct in_file_pos *p)
{
	p->valid = get_u8(r) != 0;
	p->dev = get_u64(r);
	p->ino = get_u64(r);
	p->offset = get_u64(r);
	p->head_len = get_u32(r);
	p->head_hash = get_u64(r);
	p->tail_len = get_u32(r);
	p->tail_hash = get_u64(r);
}

/* A count that cannot be right for the bytes left (each item needs at
 * least min bytes) marks the file bad before anything is allocated. */
static uint32_t
get_count(struct reader *r, size_t min)
{
	uint32_t n = get_u32(r);

	if (!r->bad && (size_t)(r->end - r->p) / min < n)
		r->bad = true;
	return r->bad ? 0 : n;
}

/* One pass over the body; with apply, st and e are filled in. */
static void
parse(struct reader *r, struct state *st, struct engine *e, bool apply,
    uint32_t version)
{
	const struct conf *c = e != NULL ? e->conf : NULL;
	uint32_t n, i, j, k, nrules, nhosts;
	uint32_t *counters = NULL;
	size_t *lastq = NULL;
	size_t len, len2, len3;
	const char *s, *s2, *s3;

	st->seq = get_u64(r);
	st->rules_hash = get_u64(r);
	st->saved = (int64_t)get_u64(r);
	if (version < 2)
		st->saved = 0;		/* seconds then, and of the test clock */
	n = get_count(r, 4 + 2 * 45);
	if (apply)
		st->inputs = xcalloc(n ? n : 1, sizeof(*st->inputs));
	for (i = 0; i < n && !r->bad; i++) {
		struct in_file_save sv;

		s = get_str(r, &len);
		get_pos(r, &sv.old);
		get_pos(r, &sv.cur);
		if (apply) {
			st->inputs[i].path = xmemdup0(s, len);
			st->inputs[i].save = sv;
			st->ninputs++;
		}
	}
	if (version >= 2) {
		s = get_str(r, &len);
		if (apply && len > 0 && !r->bad)
			st->journal_cursor = xmemdup0(s, len);
	}
	n = get_count(r, 4 + 3 * 8 + 4 + 16 + 8);
	if (apply)
		st->queues = xcalloc(n ? n : 1, sizeof(*st->queues));
	for (i = 0; i < n && !r->bad; i++) {
		struct state_queue sq = { 0 };
		struct queue *q = NULL;
		long qi;
		uint64_t lines, errlines, unhosted = 0;
		bool overmem = false;

		s = get_str(r, &len);
		sq.last_fire = get_time(r);
		sq.report_start = get_time(r);
		sq.due = get_time(r);
		sq.nsent = get_count(r, 8);
		if (sq.nsent > STATE_MAX_SENT)
			r->bad = true;
		for (j = 0; j < sq.nsent && !r->bad; j++)
			sq.sent[j] = get_time(r);
		lines = get_u64(r);
		errlines = get_u64(r);
		if (version >= 2) {
			unhosted = get_u64(r);
			overmem = get_u8(r) != 0;
		}
		qi = -1;
		if (apply) {
			sq.name = xmemdup0(s, len);
			qi = c != NULL ? conf_queue_find(c, sq.name) : -1;
			st->queues[st->nqueues++] = sq;
			if (qi >= 0) {
				q = &e->queues[qi];
				e->queue_errlines[qi] = errlines;
			}
		}
		k = get_count(r, 12);
		for (j = 0; j < k && !r->bad; j++) {
			uint64_t v;

			s = get_str(r, &len);
			v = get_u64(r);
			if (q != NULL)
				queue_restore_over(q, s, len, v);
		}
		k = get_count(r, 4 * 3 + 24);
		for (j = 0; j < k && !r->bad; j++) {
			struct entry *en;
			uint64_t count;
			time_t first, last;

			s = get_str(r, &len);
			s2 = get_str(r, &len2);
			count = get_u64(r);
			first = get_time(r);
			last = get_time(r);
			s3 = get_str(r, &len3);
			if (q == NULL || r->bad)
				continue;
			en = queue_add(q, s, len, s2, len2, QUEUE_SET, count,
			    first, s3, len3);
			if (en != NULL) {
				en->first = first;
				en->last = last;
			}
		}
		if (q != NULL) {
			q->lines = lines;
			q->over_unhosted = unhosted;
			q->over_lines += unhosted;
			q->over_mem = q->over_mem || overmem;
		}
	}
	nrules = get_u32(r);
	nhosts = get_count(r, 4 + 1 + 1 + 4 + 4);
	if (apply && c != NULL && nrules == c->nrules &&
	    st->rules_hash == state_rules_hash(c))
		counters = xcalloc(nrules ? nrules : 1, sizeof(*counters));
	else
		apply = false;		/* rules changed: host state is stale */
	lastq = xcalloc((c != NULL ? c->nqueues : 0) + 1, sizeof(*lastq));
	for (i = 0; i < nhosts && !r->bad; i++) {
		struct engine_host h = { 0 };
		uint8_t has;
		uint32_t nq;

		h.host = get_str(r, &h.hostlen);
		has = get_u8(r);
		for (j = 0; has && j < nrules && !r->bad; j++) {
			uint32_t v = get_u32(r);

			if (counters != NULL)
				counters[j] = v;
		}
		h.counters = has ? counters : NULL;
		h.last = get_u8(r);
		h.last_msg = get_str(r, &h.last_msglen);
		nq = get_count(r, 4);
		for (j = 0; j < nq && !r->bad; j++) {
			uint32_t v = get_u32(r);

			if (c != NULL && h.nlast_queues < c->nqueues)
				lastq[h.nlast_queues++] = v;
		}
		h.last_queues = lastq;
		if (apply && !r->bad)
			engine_host_restore(e, &h);
	}
	free(counters);
	free(lastq);
	if (version >= 3) {
		n = get_count(r, 8);
		for (i = 0; i < n && !r->bad; i++) {
			s = get_str(r, &len);
			s2 = get_str(r, &len2);
			if (len == 0 || memchr(s, '\0', len) != NULL)
				r->bad = true;
			if (apply && !r->bad) {
				char *name = xmemdup0(s, len);

				state_section_set(st, name, s2, len2);
				free(name);
			}
		}
	}
	if (r->p != r->end)
		r->bad = true;
}

static int
slurp(const char *path, unsigned char **data, size_t *len)
{
	struct stat sb;
	ssize_t n;
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	if (fstat(fd, &sb) == -1) {
		close(fd);
		return -1;
	}
	*data = xmalloc((size_t)sb.st_size + 1);
	while (off < (size_t)sb.st_size) {
		n = read(fd, *data + off, (size_t)sb.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	*len = off;
	return 0;
}

/* Checks and applies the image data[0..len) named name (messages). */
static int
decode(const unsigned char *data, size_t len, const char *name,
    struct state *st, struct engine *e, char *err, size_t errlen)
{
	struct reader r;
	struct state scratch;
	uint32_t crc, want, version;

	if (len < sizeof(magic) + 8 + 4 || memcmp(data, magic, sizeof(magic)) != 0) {
		snprintf(err, errlen, "%s is not a logward state file (bad "
		    "header)", name);
		return -1;
	}
	memcpy(&version, data + sizeof(magic), sizeof(version));
	if (version < 1 || version > STATE_VERSION) {
		snprintf(err, errlen, "%s has state format version %u; this "
		    "logward reads version %u", name, version, STATE_VERSION);
		return -1;
	}
	memcpy(&want, data + len - 4, 4);
	crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), data, (uInt)(len - 4));
	if (crc != want) {
		snprintf(err, errlen, "%s is corrupt (checksum mismatch: "
		    "truncated or damaged)", name);
		return -1;
	}
	/* validate the whole structure before touching st and e */
	r.p = data + sizeof(magic) + 8;
	r.end = data + len - 4;
	r.bad = false;
	memset(&scratch, 0, sizeof(scratch));
	parse(&r, &scratch, e, false, version);
	if (r.bad) {
		snprintf(err, errlen, "%s is corrupt (inconsistent content at "
		    "byte %zu)", name, (size_t)(r.p - data));
		return -1;
	}
	r.p = data + sizeof(magic) + 8;
	parse(&r, st, e, true, version);
	return 0;
}

int
state_read(const char *path, struct state *st, struct engine *e, char *err,
    size_t errlen)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	if (slurp(path, &data, &len) == -1) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	rc = decode(data, len, path, st, e, err, errlen);
	free(data);
	return rc;
}

int
state_decode(const void *data, size_t len, const char *name,
    struct state *st, struct engine *e, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	return decode(data, len, name, st, e, err, errlen);
}

void
state_free(struct state *st)
{
	size_t i;

	for (i = 0; i < st->ninputs; i++)
		free(st->inputs[i].path);
	free(st->inputs);
	for (i = 0; i < st->nqueues; i++)
		free(st->queues[i].name);
	free(st->queues);
	free(st->journal_cursor);
	for (i = 0; i < st->nsections; i++) {
		free(st->sections[i].name);
		free(st->sections[i].data);
	}
	free(st->sections);
	memset(st, 0, sizeof(*st));
}

void
state_section_set(struct state *st, const char *name, const void *data,
    size_t len)
{
	struct state_section *sec = NULL;
	size_t i;

	for (i = 0; i < st->nsections; i++)
		if (strcmp(st->sections[i].name, name) == 0)
			sec = &st->sections[i];
	if (sec == NULL) {
		st->sections = xreallocarray(st->sections, st->nsections + 1,
		    sizeof(*st->sections));
		sec = &st->sections[st->nsections++];
		sec->name = xstrdup(name);
	} else
		free(sec->data);
	sec->data = xmalloc(len + 1);
	if (len > 0)
		memcpy(sec->data, data, len);
	sec->data[len] = '\0';
	sec->len = len;
}

const struct state_section *
state_section_get(const struct state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nsections; i++)
		if (strcmp(st->sections[i].name, name) == 0)
			return &st->sections[i];
	return NULL;
}

uint64_t
state_rules_hash(const struct conf *c)
{
	struct buf b;
	uint64_t h;
	size_t i;

	buf_init(&b, SIZE_MAX / 2);
	for (i = 0; i < c->nqueues; i++)
		buf_printf(&b, "q %s\n", c->queues[i].name);
	for (i = 0; i < c->nrules; i++)
		buf_printf(&b, "r %d %s %s\n", (int)c->rules[i].kind,
		    c->rules[i].qlist ? c->rules[i].qlist : "",
		    c->rules[i].re.src ? c->rules[i].re.src : "");
	h = map_hash(b.data ? b.data : "", b.len);
	buf_free(&b);
	return h;
}
