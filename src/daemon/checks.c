/*
 * checks — disk and clock checks of the daemon (see checks.h).
 */
#include "daemon/checks.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "conf/conf_summary.h"
#include "daemon/daemon_int.h"
#include "input/disk.h"
#include "input/in_self.h"
#include "lib/bin.h"
#include "lib/log.h"
#include "lib/map.h"
#include "lib/xmem.h"
#include "queue/skew.h"
#include "report/sumview.h"

#define CLOCK_EVERY	60	/* s between clock checks */
#define CLOCK_HOSTS	10000	/* hosts measured per minute */
#define DISK_MAGIC	"LWDISK1\n"
#define CLOCK_MAGIC	"LWCLOCK1\n"

struct mount_state {
	int		 level;		/* enum disk_level last said */
	int		 use, inode;	/* last values */
};

struct checks {
	struct map	 mounts;	/* mount → owned struct mount_state * */
	time_t		 disk_at;	/* when the disk was last checked, 0 = never */
	struct disk_table last;		/* the last table (status) */
	struct skew	 window;	/* clock differences of this minute */
	time_t		 clock_at;	/* start of this minute's window */
	struct map	 off;		/* host → (void *)1: said to be off */
};

void
checks_init(struct daemon *d)
{
	struct checks *c = xcalloc(1, sizeof(*c));

	map_init(&c->mounts);
	map_init(&c->off);
	skew_init(&c->window, CLOCK_HOSTS);
	c->clock_at = d->now;
	d->checks = c;
}

static void
clear_mounts(struct checks *c)
{
	const struct map_slot *ms;
	size_t i;

	for (i = 0; map_next(&c->mounts, &i, &ms);)
		free(ms->val);
	map_clear(&c->mounts);
}

void
checks_free(struct daemon *d)
{
	struct checks *c = d->checks;

	if (c == NULL)
		return;
	clear_mounts(c);
	map_free(&c->mounts);
	map_free(&c->off);
	skew_free(&c->window);
	disk_free(&c->last);
	free(c);
	d->checks = NULL;
}

/* ---- disk ---- */

static void
disk_check(struct daemon *d, const struct sum_conf *sc)
{
	struct checks *c = d->checks;
	struct disk_table t;
	size_t i;

	if (disk_read(&t, sc->disk_mounts, sc->disk_exclude) == -1) {
		log_warnx("disk: cannot read the mount table %s: %s",
		    sc->disk_mounts != NULL ? sc->disk_mounts : DISK_MOUNTS,
		    strerror(t.err));
		disk_free(&c->last);
		c->last = t;
		return;
	}
	for (i = 0; i < t.n; i++) {
		const struct disk_row *r = &t.rows[i];
		struct mount_state *m;
		unsigned warn, crit;
		enum disk_level lv;
		void **slot;

		sumview_thresholds(sc, r->mount, &warn, &crit);
		lv = disk_level(r, warn, crit);
		slot = map_put(&c->mounts, r->mount, strlen(r->mount));
		if (*slot == NULL)
			*slot = xcalloc(1, sizeof(*m));	/* level OK */
		m = *slot;
		if ((int)lv != m->level) {
			if (lv == DISK_UNREADABLE)
				in_self_emit(d->self, d->now, IN_SELF_WARNING,
				    "disk UNREADABLE %s: %s", r->mount,
				    strerror(r->err));
			else
				in_self_emit(d->self, d->now, lv == DISK_CRIT ?
				    IN_SELF_CRIT : lv == DISK_WARN ?
				    IN_SELF_WARNING : IN_SELF_NOTICE,
				    "disk %s %s is %d%% full (inodes %d%%)%s",
				    disk_level_name(lv), r->mount, r->use_pct,
				    r->inode_pct < 0 ? 0 : r->inode_pct,
				    lv == DISK_OK ? ", back below the limit" :
				    "");
			m->level = (int)lv;
			d->dirty = true;
		}
		m->use = r->use_pct;
		m->inode = r->inode_pct;
	}
	disk_free(&c->last);
	c->last = t;
}

/* ---- clock ---- */

bool
checks_skew(struct daemon *d, const struct record *r, bool journal,
    int64_t *diff, bool *nozone)
{
	const struct sum_conf *sc = d->conf->summary;
	time_t t;

	if (r->host == NULL || r->format == REC_NONE || r->mon == 0)
		return false;
	t = record_time(r, d->now);
	if (t == (time_t)-1)
		return false;
	*nozone = !r->has_tz;
	if (*nozone && sc != NULL && sc->clock_zone_set) {
		/* the stamp was read as local time; read it in the zone */
		struct tm tm;

		localtime_r(&t, &tm);
		t += tm.tm_gmtoff - sc->clock_zone;
	}
	/* catching up on the journal after a start: not a clock */
	if (journal && t < d->started)
		return false;
	*diff = (int64_t)t - (int64_t)d->now;
	return true;
}

void
checks_clock_add(struct daemon *d, const char *host, size_t hostlen,
    int64_t diff, bool nozone)
{
	const struct sum_conf *sc = d->conf->summary;

	if (d->checks == NULL || sc == NULL || sc->clock_skew == 0)
		return;
	skew_add(&d->checks->window, host, hostlen, diff, nozone);
}

static void
clock_check(struct daemon *d, const struct sum_conf *sc)
{
	struct checks *c = d->checks;
	const struct skew_host **h;
	size_t n, i;

	h = skew_sorted(&c->window, &n);
	for (i = 0; i < n; i++) {
		int64_t med = skew_median(h[i]);
		bool over = med > (int64_t)sc->clock_skew ||
		    med < -(int64_t)sc->clock_skew;
		size_t hl = strlen(h[i]->host);
		bool was = map_get(&c->off, h[i]->host, hl) != NULL;
		int64_t a = med < 0 ? -med : med;

		if (over == was)
			continue;
		if (over) {
			*map_put(&c->off, h[i]->host, hl) = (void *)1;
			in_self_emit(d->self, d->now, IN_SELF_WARNING, "clock "
			    "WARNING host %s is %" PRId64 "s %s this host "
			    "(median of %" PRIu64 " line%s, worst %+" PRId64 "s%s)",
			    h[i]->host, a, med > 0 ? "ahead of" : "behind",
			    h[i]->lines, h[i]->lines == 1 ? "" : "s", h[i]->worst,
			    h[i]->nozone > 0 ? "; its stamps have no zone" : "");
		} else {
			/* the map cannot delete: rebuild it without the host */
			struct map keep;
			const struct map_slot *ms;
			size_t k;

			map_init(&keep);
			for (k = 0; map_next(&c->off, &k, &ms);)
				if (ms->klen != hl || memcmp(ms->key, h[i]->host, hl) != 0)
					*map_put(&keep, ms->key, ms->klen) = (void *)1;
			map_free(&c->off);
			c->off = keep;
			in_self_emit(d->self, d->now, IN_SELF_NOTICE, "clock OK "
			    "host %s is %" PRId64 "s %s this host, back within "
			    "%us", h[i]->host, a, med >= 0 ? "ahead of" : "behind",
			    sc->clock_skew);
		}
		d->dirty = true;
	}
	free(h);
	skew_clear(&c->window);
}

void
checks_tick(struct daemon *d)
{
	const struct sum_conf *sc = d->conf->summary;
	struct checks *c = d->checks;

	if (c == NULL || sc == NULL)
		return;
	if (sc->disk && (c->disk_at == 0 || d->now - c->disk_at >=
	    (time_t)sc->disk_interval || d->now < c->disk_at)) {
		c->disk_at = d->now;
		disk_check(d, sc);
	}
	if (sc->clock_skew > 0 && (d->now - c->clock_at >= CLOCK_EVERY ||
	    d->now < c->clock_at)) {
		c->clock_at = d->now;
		clock_check(d, sc);
	}
}

/* ---- checkpoint ---- */

bool
checks_disk_save(struct daemon *d, struct buf *out)
{
	const struct sum_conf *sc = d->conf->summary;
	const struct map_slot *ms;
	size_t i;

	if (d->checks == NULL || sc == NULL || !sc->disk)
		return false;
	buf_add(out, DISK_MAGIC, strlen(DISK_MAGIC));
	bin_put64(out, d->checks->mounts.len);
	for (i = 0; map_next(&d->checks->mounts, &i, &ms);) {
		const struct mount_state *m = ms->val;

		bin_putblob(out, ms->key, ms->klen);
		bin_put64(out, (uint64_t)(int64_t)m->level);
		bin_put64(out, (uint64_t)(int64_t)m->use);
		bin_put64(out, (uint64_t)(int64_t)m->inode);
	}
	return true;
}

int
checks_disk_restore(struct daemon *d, const char *data, size_t len)
{
	struct bin_rd r;
	const char *magic;
	uint64_t n, i, lv, use, ino;

	if (d->checks == NULL)
		return 0;
	bin_rd_init(&r, data, len);
	magic = bin_getbytes(&r, strlen(DISK_MAGIC));
	if (magic == NULL || memcmp(magic, DISK_MAGIC, strlen(DISK_MAGIC)) != 0)
		return -1;
	n = bin_get64(&r);
	if (r.bad)
		return -1;
	clear_mounts(d->checks);
	for (i = 0; i < n; i++) {
		size_t kl;
		const char *key = bin_getblob(&r, &kl);
		struct mount_state *m;

		lv = bin_get64(&r);
		use = bin_get64(&r);
		ino = bin_get64(&r);
		if (r.bad || lv > DISK_UNREADABLE)
			return -1;
		m = xcalloc(1, sizeof(*m));
		m->level = (int)lv;
		m->use = (int)(int64_t)use;
		m->inode = (int)(int64_t)ino;
		*map_put(&d->checks->mounts, key, kl) = m;
	}
	return bin_done(&r) ? 0 : -1;
}

bool
checks_clock_save(struct daemon *d, struct buf *out)
{
	const struct sum_conf *sc = d->conf->summary;
	const struct map_slot *ms;
	size_t i;

	if (d->checks == NULL || sc == NULL || sc->clock_skew == 0)
		return false;
	buf_add(out, CLOCK_MAGIC, strlen(CLOCK_MAGIC));
	bin_put64(out, d->checks->off.len);
	for (i = 0; map_next(&d->checks->off, &i, &ms);)
		bin_putblob(out, ms->key, ms->klen);
	return true;
}

int
checks_clock_restore(struct daemon *d, const char *data, size_t len)
{
	struct bin_rd r;
	const char *magic;
	uint64_t n, i;

	if (d->checks == NULL)
		return 0;
	bin_rd_init(&r, data, len);
	magic = bin_getbytes(&r, strlen(CLOCK_MAGIC));
	if (magic == NULL || memcmp(magic, CLOCK_MAGIC, strlen(CLOCK_MAGIC)) != 0)
		return -1;
	n = bin_get64(&r);
	if (r.bad)
		return -1;
	map_clear(&d->checks->off);
	for (i = 0; i < n; i++) {
		size_t kl;
		const char *key = bin_getblob(&r, &kl);

		if (key == NULL)
			return -1;
		*map_put(&d->checks->off, key, kl) = (void *)1;
	}
	return bin_done(&r) ? 0 : -1;
}

void
checks_status(struct daemon *d, struct buf *b)
{
	const struct sum_conf *sc = d->conf->summary;
	struct checks *c = d->checks;
	const struct map_slot *ms;
	size_t i;

	if (c == NULL || sc == NULL)
		return;
	if (sc->disk) {
		char t[64];
		struct tm tm;

		localtime_r(&c->disk_at, &tm);
		strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S", &tm);
		if (c->last.err != 0)
			buf_printf(b, "disk: the mount table cannot be read: %s\n",
			    strerror(c->last.err));
		for (i = 0; i < c->last.n; i++) {
			const struct disk_row *r = &c->last.rows[i];
			unsigned warn, crit;

			sumview_thresholds(sc, r->mount, &warn, &crit);
			if (r->err != 0) {
				buf_printf(b, "disk %s: UNREADABLE: %s\n", r->mount,
				    strerror(r->err));
				continue;
			}
			buf_printf(b, "disk %s: %d%% used, inodes %d%%, %s (warn "
			    "%u%%, crit %u%%), checked %s\n", r->mount, r->use_pct,
			    r->inode_pct < 0 ? 0 : r->inode_pct,
			    disk_level_name(disk_level(r, warn, crit)), warn, crit, t);
		}
	}
	if (sc->clock_skew > 0) {
		size_t k = 0;

		buf_printf(b, "clock: limit %us, %zu host%s off", sc->clock_skew,
		    c->off.len, c->off.len == 1 ? "" : "s");
		for (i = 0; map_next(&c->off, &i, &ms);)
			buf_printf(b, "%s%.*s", k++ == 0 ? ": " : ", ",
			    (int)ms->klen, ms->key);
		buf_addc(b, '\n');
	}
}
