/*
 * in_redis — Redis streams and lists as line sources (see in_redis.h).
 */
#include "input/in_redis.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/xmem.h"

/* ---- MD5 (RFC 1321), for the partition of a host ---- */

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
	0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
	0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
	0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391
};

static const uint8_t md5_s[16] = {
	7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21
};

static uint32_t
rotl(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void
md5_block(uint32_t h[4], const unsigned char *p)
{
	uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], f, t;
	unsigned i, g;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		    (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	for (i = 0; i < 64; i++) {
		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		t = d;
		d = c;
		c = b;
		b = b + rotl(a + f + md5_k[i] + w[g], md5_s[(i / 16) * 4 + i % 4]);
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
}

void
in_redis_md5(const void *data, size_t len, unsigned char out[16])
{
	uint32_t h[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	const unsigned char *p = data;
	unsigned char tail[128];
	uint64_t bits = (uint64_t)len * 8;
	size_t i, rest, tlen;

	for (i = 0; i + 64 <= len; i += 64)
		md5_block(h, p + i);
	rest = len - i;
	memset(tail, 0, sizeof(tail));
	if (rest > 0)
		memcpy(tail, p + i, rest);
	tail[rest] = 0x80;
	tlen = rest + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[tlen - 8 + i] = (unsigned char)(bits >> (8 * i));
	md5_block(h, tail);
	if (tlen == 128)
		md5_block(h, tail + 64);
	for (i = 0; i < 16; i++)
		out[i] = (unsigned char)(h[i / 4] >> (8 * (i % 4)));
}

unsigned
in_redis_partition(const char *host, size_t len, unsigned nparts)
{
	unsigned char d[16];
	uint64_t v;

	if (nparts <= 1)
		return 0;
	in_redis_md5(host, len, d);
	v = (uint64_t)d[0] << 24 | (uint64_t)d[1] << 16 | (uint64_t)d[2] << 8 |
	    d[3];
	return (unsigned)((v * nparts) >> 32);
}

void
in_redis_partition_name(unsigned p, unsigned nparts, char *dst)
{
	unsigned m = nparts > 0 ? nparts - 1 : 0;
	int width = 1;

	while (m >= 16) {
		m >>= 4;
		width++;
	}
	static const char hex[] = "0123456789abcdef";
	int i;

	if (width > 3)
		width = 3;
	for (i = width - 1; i >= 0; i--) {
		dst[i] = hex[p & 15];
		p >>= 4;
	}
	dst[width] = '\0';
}

/* ---- entries → lines ---- */

static const char *
field(const char *const *f, const size_t *fl, size_t n, const char *name,
    size_t *len)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		if (fl[i] == strlen(name) && memcmp(f[i], name, fl[i]) == 0) {
			*len = fl[i + 1];
			return f[i + 1];
		}
	return NULL;
}

/* A word of the line (host, program): blanks and control bytes become
 * '_', so the line splits where it should. */
static void
add_word(struct buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf_addc(out, (unsigned char)s[i] <= ' ' || s[i] == 0x7f ? '_' :
		    s[i]);
}

static void
add_stamp_ms(struct buf *out, long long ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[64];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(out, "%s.%03dZ", s, (int)(ms % 1000));
}

/* t as epoch seconds ("1772445600" or "1772445600.25") or an RFC 3339
 * stamp; else the time in the ID. */
static void
add_stamp(struct buf *out, const char *t, size_t tl, const char *id)
{
	char tmp[64], *end;
	long long ms;
	double v;
	size_t i;

	if (t != NULL && tl > 0 && tl < sizeof(tmp)) {
		memcpy(tmp, t, tl);
		tmp[tl] = '\0';
		if (strchr(tmp, 'T') != NULL || strchr(tmp, 't') != NULL) {
			for (i = 0; i < tl; i++)
				if ((unsigned char)tmp[i] <= ' ')
					break;
			if (i == tl) {
				buf_add(out, tmp, tl);
				return;
			}
		} else {
			v = strtod(tmp, &end);
			if (end != tmp && *end == '\0' && v >= 0 && v < 1e12) {
				add_stamp_ms(out, (long long)(v * 1000.0));
				return;
			}
		}
	}
	ms = strtoll(id != NULL ? id : "0", &end, 10);
	if (ms <= 0)
		ms = (long long)time(NULL) * 1000;
	add_stamp_ms(out, ms);
}

bool
in_redis_entry_line(const char *id, const char *const *f, const size_t *fl,
    size_t n, size_t max, struct buf *out, size_t *cut_from)
{
	const char *l, *m, *h, *p, *t;
	size_t ll, ml, hl = 0, pl = 0, tl = 0, i;
	bool ok = true;

	buf_reset(out);
	*cut_from = 0;
	l = field(f, fl, n, "l", &ll);
	if (l != NULL)
		buf_add(out, l, ll);
	else {
		m = field(f, fl, n, "m", &ml);
		h = field(f, fl, n, "h", &hl);
		p = field(f, fl, n, "p", &pl);
		t = field(f, fl, n, "t", &tl);
		add_stamp(out, t, tl, id);
		buf_addc(out, ' ');
		if (h != NULL && hl > 0)
			add_word(out, h, hl);
		else
			buf_addstr(out, "unknown-host");
		buf_addc(out, ' ');
		if (m == NULL) {
			ok = false;
			buf_printf(out, "logward: malformed Redis entry %s "
			    "(no 'l' or 'm' field):", id != NULL ? id : "?");
			for (i = 0; i + 1 < n; i += 2) {
				buf_addc(out, ' ');
				add_word(out, f[i], fl[i]);
				buf_addc(out, '=');
				buf_add(out, f[i + 1], fl[i + 1]);
			}
		} else {
			if (p != NULL && pl > 0) {
				add_word(out, p, pl);
				buf_addstr(out, ": ");
			}
			buf_add(out, m, ml);
		}
	}
	/* one line: a trailing newline a producer left is not part of it */
	while (out->len > 0 && (out->data[out->len - 1] == '\n' ||
	    out->data[out->len - 1] == '\r'))
		out->len--;
	if (max > 0 && out->len > max) {
		*cut_from = out->len;
		out->len = max;
	}
	if (out->data != NULL)
		out->data[out->len] = '\0';
	return ok;
}

/* ---- reading ---- */

static bool
is_str(const redisReply *r)
{
	return r != NULL && (r->type == REDIS_REPLY_STRING ||
	    r->type == REDIS_REPLY_STATUS);
}

#define MAX_FIELDS	64

long
in_redis_xread(struct rconn *r, size_t n, const char *const *keys,
    char (*ids)[IN_REDIS_ID_MAX], long count, size_t max_line,
    struct buf *scratch, struct in_redis_stats *st, in_redis_line_fn *fn,
    void *arg)
{
	const char **argv = xcalloc(2 * n + 4, sizeof(*argv));
	char cnt[24];
	redisReply *rep;
	size_t i, j, k, s, nargs = 0;
	long total = 0;

	if (n == 0) {
		free(argv);
		return 0;
	}
	snprintf(cnt, sizeof(cnt), "%ld", count);
	argv[nargs++] = "XREAD";
	argv[nargs++] = "COUNT";
	argv[nargs++] = cnt;
	argv[nargs++] = "STREAMS";
	for (i = 0; i < n; i++)
		argv[nargs++] = keys[i];
	for (i = 0; i < n; i++)
		argv[nargs++] = ids[i];
	rep = rconn_cmd(r, (int)nargs, argv, NULL);
	free(argv);
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		if (rep != NULL) {
			log_warnx("XREAD: %s", rep->str);
			freeReplyObject(rep);
		}
		st->errors++;
		return -1;
	}
	if (rep->type != REDIS_REPLY_ARRAY) {	/* nil: nothing new */
		freeReplyObject(rep);
		return 0;
	}
	for (i = 0; i < rep->elements; i++) {
		const redisReply *sr = rep->element[i], *entries;

		if (sr->type != REDIS_REPLY_ARRAY || sr->elements != 2 ||
		    !is_str(sr->element[0]))
			continue;
		for (s = 0; s < n; s++)
			if (strlen(keys[s]) == sr->element[0]->len &&
			    memcmp(keys[s], sr->element[0]->str,
			    sr->element[0]->len) == 0)
				break;
		if (s == n)
			continue;
		entries = sr->element[1];
		for (j = 0; entries->type == REDIS_REPLY_ARRAY &&
		    j < entries->elements; j++) {
			const redisReply *en = entries->element[j], *fr;
			const char *f[MAX_FIELDS];
			size_t fl[MAX_FIELDS], nf = 0, cut;

			if (en->type != REDIS_REPLY_ARRAY || en->elements != 2 ||
			    !is_str(en->element[0]) ||
			    en->element[0]->len >= IN_REDIS_ID_MAX)
				continue;
			fr = en->element[1];
			for (k = 0; fr->type == REDIS_REPLY_ARRAY &&
			    k < fr->elements && nf < MAX_FIELDS; k++) {
				if (!is_str(fr->element[k]))
					break;
				f[nf] = fr->element[k]->str;
				fl[nf++] = fr->element[k]->len;
			}
			memcpy(ids[s], en->element[0]->str, en->element[0]->len);
			ids[s][en->element[0]->len] = '\0';
			if (!in_redis_entry_line(ids[s], f, fl, nf, max_line,
			    scratch, &cut))
				st->malformed++;
			st->entries++;
			total++;
			fn(arg, s, ids[s], buf_str(scratch), scratch->len, cut);
		}
	}
	freeReplyObject(rep);
	return total;
}

long
in_redis_lists_poll(struct rconn *r, size_t n, const char *const *keys,
    long max, size_t max_line, struct in_redis_stats *st,
    in_redis_line_fn *fn, void *arg)
{
	redisReply *rep;
	long total = 0, got;
	size_t i, len, cut;

	for (i = 0; i < n; i++) {
		for (got = 0; got < max; got++) {
			rep = rconn_cmdv(r, "LPOP", keys[i], NULL);
			if (rep == NULL) {
				st->errors++;
				return total > 0 ? total : -1;
			}
			if (!is_str(rep)) {
				if (rep->type == REDIS_REPLY_ERROR) {
					log_warnx("LPOP %s: %s", keys[i], rep->str);
					st->errors++;
				}
				freeReplyObject(rep);
				break;
			}
			len = rep->len;
			while (len > 0 && (rep->str[len - 1] == '\n' ||
			    rep->str[len - 1] == '\r'))
				len--;
			cut = 0;
			if (max_line > 0 && len > max_line) {
				cut = len;
				len = max_line;
			}
			st->list_lines++;
			total++;
			fn(arg, i, NULL, rep->str, len, cut);
			freeReplyObject(rep);
		}
	}
	return total;
}
