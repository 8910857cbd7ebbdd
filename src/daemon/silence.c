/*
 * silence — hosts and inputs that stopped sending (see silence.h).
 *
 * One entry per host or input the patterns take (a host no pattern takes
 * is remembered too, as "not watched", so the patterns are tried once
 * per host).  A literal host name in a pattern is watched from the
 * start, also before its first line.
 */
#include "daemon/silence.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_tmpl.h"
#include "lib/bin.h"
#include "lib/map.h"
#include "lib/xmem.h"

#define SIL_VERSION	1
#define NOT_WATCHED	(-1)

struct sil {
	char		*name;		/* owned: host or input path */
	bool		 input;
	int		 pat;		/* index of its set silence, NOT_WATCHED */
	int64_t		 last;		/* the silence clock: its last line, or the
					   daemon's start if later */
	int64_t		 seen_at;	/* when its last line arrived */
	int64_t		 since;		/* silent: its last line then */
	bool		 silent;	/* said "silent", not yet "sends again" */
	bool		 seen;		/* a line came, ever */
	uint64_t	 lines;		/* inputs: the line count at the last look */
	bool		 baseline;	/* inputs: lines is a count of this process */
};

struct silence {
	const struct conf *c;		/* borrowed */
	struct map	 hosts;		/* host → struct sil * (owned) */
	struct map	 inputs;	/* path → struct sil * (owned) */
	uint64_t	 untracked;	/* hosts past SILENCE_MAX_HOSTS */
};

void
silence_duration(char *dst, size_t size, int64_t secs)
{
	int64_t d = secs / 86400, h = secs % 86400 / 3600, m = secs % 3600 / 60;

	if (secs < 60)
		snprintf(dst, size, "%llds", (long long)secs);
	else if (d > 0)
		snprintf(dst, size, h ? "%lldd %lldh" : "%lldd", (long long)d,
		    (long long)h);
	else if (h > 0)
		snprintf(dst, size, m ? "%lldh %lldm" : "%lldh", (long long)h,
		    (long long)m);
	else
		snprintf(dst, size, "%lldm", (long long)m);
}

static void
clock_text(char *dst, size_t size, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(dst, size, "%H:%M:%S", &tm);
}

static bool
has_magic(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* The first set silence (of the kind) whose pattern takes name. */
static int
pattern_of(const struct conf *c, const char *name, bool input)
{
	size_t i;

	if (c->tmpl == NULL)
		return NOT_WATCHED;
	for (i = 0; i < c->tmpl->nsilence; i++) {
		const struct conf_silence *cs = &c->tmpl->silence[i];

		if (cs->input != input)
			continue;
		if (fnmatch(cs->pattern, name, input ? FNM_PATHNAME : 0) == 0)
			return (int)i;
	}
	return NOT_WATCHED;
}

static struct sil *
entry(struct silence *s, const char *name, size_t len, bool input,
    int64_t now)
{
	struct map *m = input ? &s->inputs : &s->hosts;
	struct sil **sp = (struct sil **)map_put(m, name, len);

	if (*sp == NULL) {
		*sp = xcalloc(1, sizeof(**sp));
		(*sp)->name = xmemdup0(name, len);
		(*sp)->input = input;
		(*sp)->pat = pattern_of(s->c, (*sp)->name, input);
		(*sp)->last = now;
	}
	return *sp;
}

/* Literal host names are watched before their first line. */
static void
literals(struct silence *s, int64_t now)
{
	size_t i;

	if (s->c->tmpl == NULL)
		return;
	for (i = 0; i < s->c->tmpl->nsilence; i++) {
		const struct conf_silence *cs = &s->c->tmpl->silence[i];

		if (!cs->input && !has_magic(cs->pattern))
			(void)entry(s, cs->pattern, strlen(cs->pattern), false, now);
	}
}

struct silence *
silence_new(const struct conf *c, time_t now)
{
	struct silence *s = xcalloc(1, sizeof(*s));

	s->c = c;
	map_init(&s->hosts);
	map_init(&s->inputs);
	literals(s, (int64_t)now);
	return s;
}

static void
free_map(struct map *m)
{
	const struct map_slot *ms;
	size_t i = 0;

	while (map_next(m, &i, &ms)) {
		struct sil *e = ms->val;

		free(e->name);
		free(e);
	}
	map_free(m);
}

void
silence_free(struct silence *s)
{
	if (s == NULL)
		return;
	free_map(&s->hosts);
	free_map(&s->inputs);
	free(s);
}

static void
rematch(struct silence *s, struct map *m)
{
	const struct map_slot *ms;
	size_t i = 0;

	while (map_next(m, &i, &ms)) {
		struct sil *e = ms->val;

		e->pat = pattern_of(s->c, e->name, e->input);
	}
}

void
silence_conf(struct silence *s, const struct conf *c, time_t now)
{
	s->c = c;
	rematch(s, &s->hosts);
	rematch(s, &s->inputs);
	literals(s, (int64_t)now);
}

static void
restart_map(struct map *m, int64_t now)
{
	const struct map_slot *ms;
	size_t i = 0;

	while (map_next(m, &i, &ms)) {
		struct sil *e = ms->val;

		if (!e->silent && e->last < now)
			e->last = now;
		e->baseline = false;
	}
}

void
silence_started(struct silence *s, time_t now)
{
	restart_map(&s->hosts, (int64_t)now);
	restart_map(&s->inputs, (int64_t)now);
}

static void
arrived(struct sil *e, int64_t now, struct in_self *ev)
{
	if (e->silent && e->pat != NOT_WATCHED) {
		char dur[64];

		silence_duration(dur, sizeof(dur), now - e->since);
		in_self_emit(ev, (time_t)now, IN_SELF_NOTICE, "%s %s sends again "
		    "after %s of silence", e->input ? "input" : "host", e->name,
		    dur);
	}
	e->silent = false;
	e->seen = true;
	e->last = e->seen_at = now;
}

void
silence_host(struct silence *s, const char *host, size_t len, time_t now,
    struct in_self *ev)
{
	struct sil *e;

	if (s->c->tmpl == NULL || s->c->tmpl->nsilence == 0 || len == 0)
		return;
	e = map_get(&s->hosts, host, len);
	if (e == NULL) {
		if (s->hosts.len >= SILENCE_MAX_HOSTS) {
			s->untracked++;
			return;
		}
		e = entry(s, host, len, false, (int64_t)now);
	}
	if (e->pat != NOT_WATCHED)
		arrived(e, (int64_t)now, ev);
}

void
silence_input(struct silence *s, const char *path, uint64_t lines, time_t now,
    struct in_self *ev)
{
	struct sil *e;

	if (s->c->tmpl == NULL || s->c->tmpl->nsilence == 0)
		return;
	e = entry(s, path, strlen(path), true, (int64_t)now);
	if (e->pat == NOT_WATCHED)
		return;
	if (!e->baseline) {
		/* the first look of this process: the count starts here */
		e->baseline = true;
		e->lines = lines;
		return;
	}
	if (lines != e->lines) {
		e->lines = lines;
		arrived(e, (int64_t)now, ev);
	}
}

static void
tick_map(struct silence *s, struct map *m, int64_t now, struct in_self *ev)
{
	const struct map_slot *ms;
	size_t i = 0;

	while (map_next(m, &i, &ms)) {
		struct sil *e = ms->val;
		const struct conf_silence *cs;
		char dur[64], last[32];

		if (e->pat == NOT_WATCHED || e->silent || s->c->tmpl == NULL ||
		    (size_t)e->pat >= s->c->tmpl->nsilence)
			continue;
		cs = &s->c->tmpl->silence[e->pat];
		if (now - e->last < (int64_t)cs->secs)
			continue;
		silence_duration(dur, sizeof(dur), cs->secs);
		if (e->seen) {
			clock_text(last, sizeof(last), e->seen_at);
			in_self_emit(ev, (time_t)now, IN_SELF_WARNING, "%s %s silent "
			    "for %s (last line %s)", e->input ? "input" : "host",
			    e->name, dur, last);
		} else
			in_self_emit(ev, (time_t)now, IN_SELF_WARNING, "%s %s silent "
			    "for %s (no line since logward started)", e->input ?
			    "input" : "host", e->name, dur);
		e->silent = true;
		e->since = e->seen ? e->seen_at : e->last;
	}
}

void
silence_tick(struct silence *s, time_t now, struct in_self *ev)
{
	if (s->c->tmpl == NULL || s->c->tmpl->nsilence == 0)
		return;
	tick_map(s, &s->hosts, (int64_t)now, ev);
	tick_map(s, &s->inputs, (int64_t)now, ev);
}

static void
status_map(const struct map *m, int64_t now, struct buf *b, size_t *watched)
{
	const struct map_slot *ms;
	size_t i = 0;

	while (map_next(m, &i, &ms)) {
		const struct sil *e = ms->val;
		char dur[64], last[32];

		if (e->pat == NOT_WATCHED)
			continue;
		(*watched)++;
		if (!e->silent)
			continue;
		silence_duration(dur, sizeof(dur), now - e->since);
		clock_text(last, sizeof(last), e->since);
		buf_printf(b, "silent: %s %s for %s (%s %s)\n", e->input ? "input" :
		    "host", e->name, dur, e->seen ? "last line" : "watched since",
		    last);
	}
}

void
silence_status(const struct silence *s, time_t now, struct buf *b)
{
	size_t watched = 0;

	if (s->c->tmpl == NULL || s->c->tmpl->nsilence == 0)
		return;
	status_map(&s->hosts, (int64_t)now, b, &watched);
	status_map(&s->inputs, (int64_t)now, b, &watched);
	buf_printf(b, "silence: %zu hosts and inputs watched", watched);
	if (s->untracked > 0)
		buf_printf(b, ", %" PRIu64 " lines from hosts NOT WATCHED (more "
		    "than %d hosts)", s->untracked, SILENCE_MAX_HOSTS);
	buf_addc(b, '\n');
}

static void
save_map(const struct map *m, struct buf *out)
{
	const struct map_slot *ms;
	size_t i = 0;

	while (map_next(m, &i, &ms)) {
		const struct sil *e = ms->val;

		if (e->pat == NOT_WATCHED && !e->silent)
			continue;	/* found again from the patterns */
		bin_put8(out, e->input);
		bin_putstr(out, e->name, strlen(e->name));
		bin_put64(out, (uint64_t)e->last);
		bin_put64(out, (uint64_t)e->seen_at);
		bin_put64(out, (uint64_t)e->since);
		bin_put8(out, (uint8_t)(e->silent | e->seen << 1));
	}
}

static size_t
count_saved(const struct map *m)
{
	const struct map_slot *ms;
	size_t i = 0, n = 0;

	while (map_next(m, &i, &ms)) {
		const struct sil *e = ms->val;

		n += !(e->pat == NOT_WATCHED && !e->silent);
	}
	return n;
}

void
silence_save(const struct silence *s, struct buf *out)
{
	bin_put32(out, SIL_VERSION);
	bin_put64(out, s->untracked);
	bin_put32(out, (uint32_t)(count_saved(&s->hosts) + count_saved(&s->inputs)));
	save_map(&s->hosts, out);
	save_map(&s->inputs, out);
}

int
silence_restore(struct silence *s, const char *data, size_t len)
{
	struct bin_rd r;
	uint32_t n, i;
	uint64_t untracked;

	bin_rd_init(&r, data, len);
	if (bin_get32(&r) != SIL_VERSION)
		return -1;
	untracked = bin_get64(&r);
	n = bin_get32(&r);
	if (r.bad || n > len / 30)
		return -1;
	for (i = 0; i < n; i++) {
		bool input = bin_get8(&r) != 0;
		size_t nl;
		const char *name = bin_getstr(&r, &nl);
		int64_t last = (int64_t)bin_get64(&r);
		int64_t seen_at = (int64_t)bin_get64(&r);
		int64_t since = (int64_t)bin_get64(&r);
		uint8_t fl = bin_get8(&r);
		struct sil *e;

		if (r.bad || name == NULL || nl == 0)
			return -1;
		e = entry(s, name, nl, input, last);
		e->last = last;
		e->seen_at = seen_at;
		e->since = since;
		e->silent = fl & 1;
		e->seen = (fl >> 1) & 1;
	}
	s->untracked = untracked;
	return r.left == 0 ? 0 : -1;
}
