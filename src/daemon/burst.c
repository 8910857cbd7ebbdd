/*
 * burst — decayed averages per (host, key) and the burst events (see
 * burst.h).  Keys are 64-bit hashes of host and key; the text of an
 * event comes from the line that crosses the threshold.
 */
#include "daemon/burst.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bin.h"
#include "lib/map.h"
#include "lib/u64map.h"
#include "lib/xmem.h"

#define BURST_VERSION	1
#define EVENT_KEY_MAX	400	/* bytes of the key quoted in an event */

struct bent {
	double		 avg;		/* decayed average of window counts */
	uint64_t	 count;		/* lines in the current window */
	int64_t		 win;		/* start of the current window */
	uint32_t	 nwin;		/* windows of history */
	int64_t		 said;		/* window whose burst was said, 0 */
};

struct burst {
	struct u64map	 keys;		/* hash → struct bent * (owned) */
	uint64_t	 untracked;	/* lines of keys past BURST_MAX_KEYS */
	uint64_t	 events;	/* bursts said by this process */
	int64_t		 pruned;	/* window of the last forgetting */
};

struct burst *
burst_new(void)
{
	return xcalloc(1, sizeof(struct burst));
}

void
burst_free(struct burst *b)
{
	size_t i = 0;
	uint64_t k;
	void *v;

	if (b == NULL)
		return;
	while (u64map_next(&b->keys, &i, &k, &v))
		free(v);
	u64map_free(&b->keys);
	free(b);
}

/* Brings e to the window starting at win: the windows that ended go
 * into the average. */
static void
roll(struct bent *e, int64_t win, int64_t width)
{
	int64_t k;

	if (win <= e->win)
		return;
	k = (win - e->win) / width;
	if (e->nwin == 0)
		e->avg = (double)e->count;	/* the first window starts it */
	else
		e->avg = (1 - BURST_ALPHA) * e->avg + BURST_ALPHA * (double)e->count;
	for (; k > 1 && e->avg > 1e-9; k--)
		e->avg *= 1 - BURST_ALPHA;	/* the empty windows */
	k = (win - e->win) / width;
	e->nwin += k > 1000 ? 1000 : (uint32_t)k;
	e->count = 0;
	e->win = win;
}

/* 4812 → "4,812" */
static void
thousands(char *dst, size_t size, uint64_t n)
{
	char tmp[32];
	size_t len, i, j = 0;

	snprintf(tmp, sizeof(tmp), "%" PRIu64, n);
	len = strlen(tmp);
	for (i = 0; i < len && j + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			dst[j++] = ',';
		dst[j++] = tmp[i];
	}
	dst[j] = '\0';
}

void
burst_line(struct burst *b, const struct conf_tmpl *ct, const char *host,
    size_t hostlen, const char *key, size_t keylen, time_t now,
    struct in_self *ev)
{
	int64_t width, win, t = (int64_t)now;
	uint64_t h;
	struct bent *e;
	double usual;

	if (ct == NULL || !ct->burst)
		return;
	width = ct->burst_window;
	win = t - (t % width + width) % width;
	h = map_hash(host, hostlen);
	h = (h ^ (h >> 29)) * 0x9e3779b97f4a7c15ULL ^ map_hash(key, keylen);
	e = u64map_get(&b->keys, h);
	if (e == NULL) {
		if (b->keys.n >= BURST_MAX_KEYS) {
			b->untracked++;
			return;
		}
		e = xcalloc(1, sizeof(*e));
		e->win = win;
		u64map_set(&b->keys, h, e);
	}
	roll(e, win, width);
	e->count++;
	usual = e->avg < 1 ? 1 : e->avg;
	if (e->said == win || e->nwin < BURST_WARMUP ||
	    e->count < ct->burst_min || (double)e->count < ct->burst_factor * usual)
		return;
	{
		char n[32], u[32];
		int64_t mins = (t - win) / 60 + 1;

		thousands(n, sizeof(n), e->count);
		thousands(u, sizeof(u), (uint64_t)(e->avg + 0.5));
		in_self_emit(ev, now, IN_SELF_WARNING, "burst on %.*s: %s lines in "
		    "%lld min of \"%.*s%s\" (usual %s in %lld min)", (int)hostlen,
		    host, n, (long long)mins, (int)(keylen > EVENT_KEY_MAX ?
		    EVENT_KEY_MAX : keylen), key, keylen > EVENT_KEY_MAX ?
		    "..." : "", u, (long long)(width / 60 > 0 ? width / 60 : 1));
	}
	e->said = win;
	b->events++;
}

void
burst_tick(struct burst *b, const struct conf_tmpl *ct, time_t now)
{
	int64_t width, win, t = (int64_t)now;
	size_t i = 0;
	uint64_t k;
	void *v;

	if (ct == NULL || !ct->burst)
		return;
	width = ct->burst_window;
	win = t - (t % width + width) % width;
	if (win == b->pruned)
		return;
	b->pruned = win;
	/* forgetting: collect first, the map must not change while walked */
	{
		uint64_t *gone = NULL;
		size_t n = 0, cap = 0, j;

		while (u64map_next(&b->keys, &i, &k, &v)) {
			struct bent *e = v;

			if (win - e->win < BURST_IDLE * width)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				gone = xreallocarray(gone, cap, sizeof(*gone));
			}
			gone[n++] = k;
		}
		for (j = 0; j < n; j++) {
			free(u64map_get(&b->keys, gone[j]));
			u64map_del(&b->keys, gone[j]);
		}
		free(gone);
	}
}

void
burst_status(const struct burst *b, const struct conf_tmpl *ct, struct buf *out)
{
	if (ct == NULL || !ct->burst)
		return;
	buf_printf(out, "bursts: %zu keys followed (window %us, factor %u, "
	    "minimum %u), %" PRIu64 " bursts said", b->keys.n, ct->burst_window,
	    ct->burst_factor, ct->burst_min, b->events);
	if (b->untracked > 0)
		buf_printf(out, ", %" PRIu64 " lines of keys NOT FOLLOWED (more "
		    "than %d keys)", b->untracked, BURST_MAX_KEYS);
	buf_addc(out, '\n');
}

void
burst_save(const struct burst *b, struct buf *out)
{
	size_t i = 0;
	uint64_t k;
	void *v;

	bin_put32(out, BURST_VERSION);
	bin_put64(out, b->untracked);
	bin_put64(out, b->keys.n);
	while (u64map_next(&b->keys, &i, &k, &v)) {
		const struct bent *e = v;
		uint64_t avg;

		memcpy(&avg, &e->avg, sizeof(avg));
		bin_put64(out, k);
		bin_put64(out, avg);
		bin_put64(out, e->count);
		bin_put64(out, (uint64_t)e->win);
		bin_put32(out, e->nwin);
		bin_put64(out, (uint64_t)e->said);
	}
}

int
burst_restore(struct burst *b, const char *data, size_t len)
{
	struct bin_rd r;
	uint64_t n, i, untracked;

	bin_rd_init(&r, data, len);
	if (bin_get32(&r) != BURST_VERSION)
		return -1;
	untracked = bin_get64(&r);
	n = bin_get64(&r);
	if (r.bad || n > len / 44 || n > BURST_MAX_KEYS)
		return -1;
	for (i = 0; i < n; i++) {
		struct bent *e = xcalloc(1, sizeof(*e));
		uint64_t k = bin_get64(&r), avg = bin_get64(&r);

		memcpy(&e->avg, &avg, sizeof(avg));
		e->count = bin_get64(&r);
		e->win = (int64_t)bin_get64(&r);
		e->nwin = bin_get32(&r);
		e->said = (int64_t)bin_get64(&r);
		if (r.bad || !(e->avg >= 0 && e->avg < 1e18)) {
			free(e);
			return -1;
		}
		free(u64map_get(&b->keys, k));
		u64map_set(&b->keys, k, e);
	}
	b->untracked = untracked;
	return r.left == 0 ? 0 : -1;
}
