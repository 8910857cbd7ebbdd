/*
 * conf_sumset — the set directives of summaries and of logward's own
 * checks: set summary (a summary queue), set disk / disk_interval /
 * disk_mounts / disk_exclude (disk and inode thresholds), set clock_skew
 * / clock_zone (clock agreement) and the summary caps.
 */
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/conf_set.h"
#include "conf/conf_sumset.h"
#include "conf/conf_summary_int.h"
#include "lib/str.h"
#include "lib/xmem.h"

/* "90%" or "90" into 1..100; -1 when not a percentage. */
static int
percent(const char *w)
{
	char buf[8];
	size_t n = strlen(w);
	long long v;
	const char *errstr;

	if (n > 0 && w[n - 1] == '%')
		n--;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, w, n);
	buf[n] = '\0';
	if (str_tonum(buf, 1, 100, &v, &errstr) == -1)
		return -1;
	return (int)v;
}

/* set summary NAME FROM TO [CRON] [services=LIST] [detail=D] [SUBJECT] */
static void
set_summary(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct sum_conf *s = conf_summary_get(p->c);
	struct sum_queue q;
	char *name, *from, *to, err[256], *spec;
	size_t i;

	name = str_token(&rest);
	from = str_token(&rest);
	to = str_token(&rest);
	if (name == NULL || from == NULL || to == NULL) {
		ERR(p, file, line, "set summary: expected 'set summary NAME FROM "
		    "TO [CRON] [services=LIST] [detail=LEVEL] [SUBJECT]'");
		return;
	}
	if (conf_queue_find(p->c, name) >= 0) {
		ERR(p, file, line, "set summary: '%s' is already a queue; give "
		    "the summary another name", name);
		return;
	}
	for (i = 0; i < s->nqueues; i++)
		if (strcmp(s->queues[i].name, name) == 0) {
			ERR(p, file, line, "set summary: '%s' is defined twice",
			    name);
			return;
		}
	memset(&q, 0, sizeof(q));
	q.file = file;
	q.line = line;
	if (*rest == '[') {
		char *close = strchr(rest, ']');

		if (close == NULL) {
			ERR(p, file, line, "set summary: the schedule has no ']'");
			return;
		}
		spec = xmemdup0(rest + 1, (size_t)(close - rest - 1));
		str_rtrim(spec);
		rest = str_skipspace(close + 1);
	} else
		spec = xstrdup("0 7 * * *");
	if (cron_parse(&q.cron, str_skipspace(spec), err, sizeof(err)) == -1) {
		ERR(p, file, line, "set summary: bad schedule [%s]: %s (five "
		    "cron fields; a summary has no [now])", spec, err);
		free(spec);
		return;
	}
	q.sched = xstrdup(str_skipspace(spec));
	free(spec);
	q.detail = 0;
	q.services = xstrdup("all");
	while (*rest != '\0') {
		char *save = rest, *w = str_token(&rest);

		if (str_startswith(w, "services=")) {
			free(q.services);
			q.services = xstrdup(w + 9);
		} else if (str_startswith(w, "detail=")) {
			if (conf_summary_detail(w + 7, &q.detail) == -1) {
				ERR(p, file, line, "set summary: detail=%s: expected "
				    "low, med, high or 0..10", w + 7);
				free(q.services);
				free(q.sched);
				return;
			}
		} else {
			w[strlen(w)] = *rest != '\0' ? ' ' : '\0';
			q.subject = xstrdup(save);
			break;
		}
	}
	q.name = xstrdup(name);
	q.from = xstrdup(from);
	q.to = xstrdup(to);
	s->queues = xreallocarray(s->queues, s->nqueues + 1, sizeof(*s->queues));
	s->queues[s->nqueues++] = q;
}

/* set disk warn N% crit N% | set disk MOUNT warn N% crit N% | set disk off */
static void
set_disk(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct sum_conf *s = conf_summary_get(p->c);
	unsigned warn = 0, crit = 0;
	char *mount = NULL, *w;

	if (strcmp(rest, "off") == 0) {
		s->disk = false;
		return;
	}
	if (*rest == '/') {
		mount = str_token(&rest);
	}
	while ((w = str_token(&rest)) != NULL) {
		char *v = str_token(&rest);
		int pc = v != NULL ? percent(v) : -1;

		if (pc < 0 || (strcmp(w, "warn") != 0 && strcmp(w, "crit") != 0)) {
			ERR(p, file, line, "set disk: expected 'set disk [MOUNT] "
			    "warn N%% crit N%%' (N from 1 to 100) or 'set disk "
			    "off'");
			return;
		}
		if (w[0] == 'w')
			warn = (unsigned)pc;
		else
			crit = (unsigned)pc;
	}
	if (warn == 0 && crit == 0) {
		ERR(p, file, line, "set disk: give a threshold, e.g. 'set disk "
		    "warn 80%% crit 90%%'");
		return;
	}
	if (warn != 0 && crit != 0 && warn >= crit) {
		ERR(p, file, line, "set disk: warn (%u%%) must be below crit "
		    "(%u%%)", warn, crit);
		return;
	}
	s->disk = true;
	if (mount == NULL) {
		s->disk_warn = warn;
		s->disk_crit = crit;
		return;
	}
	s->mounts = xreallocarray(s->mounts, s->nmounts + 1, sizeof(*s->mounts));
	s->mounts[s->nmounts].mount = xstrdup(mount);
	s->mounts[s->nmounts].warn = warn;
	s->mounts[s->nmounts].crit = crit;
	s->nmounts++;
}

/* set disk_interval SECONDS */
static void
set_disk_interval(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	unsigned long long v;

	if (conf_set_uint(p, file, line, d->name, str_token(&rest), 86400,
	    &v) == 0) {
		conf_set_extra(p, file, line, d->name, rest);
		if (v == 0)
			ERR(p, file, line, "set disk_interval: must be at least 1 "
			    "second");
		else
			conf_summary_get(p->c)->disk_interval = (unsigned)v;
	}
}

/* set disk_mounts PATH */
static void
set_disk_mounts(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	struct sum_conf *s = conf_summary_get(p->c);
	char *w = str_token(&rest);

	if (w == NULL) {
		ERR(p, file, line, "set disk_mounts: expected the path of a "
		    "mount table (fstab format), e.g. /proc/self/mounts");
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
	free(s->disk_mounts);
	s->disk_mounts = conf_resolve_path(file, w);
}

/* set disk_exclude TYPE... */
static void
set_disk_exclude(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	struct sum_conf *s = conf_summary_get(p->c);

	conf_free_argv(s->disk_exclude);
	s->disk_exclude = conf_split_argv(rest);
}

/* set clock_skew N[s|m|h] */
static void
set_clock_skew(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	char *w = str_token(&rest), buf[32];
	size_t n;
	unsigned mult = 1;
	long long v;
	const char *errstr;

	if (w == NULL || (n = strlen(w)) == 0 || n >= sizeof(buf))
		goto bad;
	memcpy(buf, w, n + 1);
	switch (buf[n - 1]) {
	case 's':
		buf[--n] = '\0';
		break;
	case 'm':
		mult = 60;
		buf[--n] = '\0';
		break;
	case 'h':
		mult = 3600;
		buf[--n] = '\0';
		break;
	default:
		break;
	}
	if (str_tonum(buf, 0, 86400, &v, &errstr) == -1 ||
	    (unsigned long long)v * mult > 7 * 86400)
		goto bad;
	conf_set_extra(p, file, line, d->name, rest);
	conf_summary_get(p->c)->clock_skew = (unsigned)v * mult;
	return;
bad:
	ERR(p, file, line, "set clock_skew: expected a duration such as 60s, "
	    "5m or 1h (0 turns the check off; at most a week)");
}

/* set clock_zone local | UTC | +HH:MM */
static void
set_clock_zone(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	struct sum_conf *s = conf_summary_get(p->c);
	char *w = str_token(&rest);

	if (w != NULL && strcmp(w, "local") == 0) {
		s->clock_zone_set = false;
		return;
	}
	if (w != NULL && (strcmp(w, "UTC") == 0 || strcmp(w, "Z") == 0)) {
		s->clock_zone_set = true;
		s->clock_zone = 0;
		return;
	}
	if (w != NULL && (w[0] == '+' || w[0] == '-') && strlen(w) == 6 &&
	    w[3] == ':' && w[1] >= '0' && w[1] <= '1' && w[2] >= '0' &&
	    w[2] <= '9' && w[4] >= '0' && w[4] <= '5' && w[5] >= '0' &&
	    w[5] <= '9') {
		int off = ((w[1] - '0') * 10 + (w[2] - '0')) * 3600 +
		    ((w[4] - '0') * 10 + (w[5] - '0')) * 60;

		s->clock_zone_set = true;
		s->clock_zone = w[0] == '-' ? -off : off;
		conf_set_extra(p, file, line, d->name, rest);
		return;
	}
	ERR(p, file, line, "set clock_zone: expected 'local', 'UTC' or an "
	    "offset such as +01:00 (the zone of stamps that carry none)");
}

/* set summary_max_keys N, set summary_max_unmatched N */
static void
set_cap(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct sum_conf *s = conf_summary_get(p->c);
	unsigned long long v;

	if (conf_set_uint(p, file, line, d->name, str_token(&rest), 10000000,
	    &v) == 0) {
		conf_set_extra(p, file, line, d->name, rest);
		if (v == 0)
			ERR(p, file, line, "set %s: must be at least 1", d->name);
		else if (strcmp(d->name, "summary_max_keys") == 0)
			s->max_keys = (size_t)v;
		else
			s->max_unmatched = (size_t)v;
	}
}

/* set summary_thread on|off|auto */
static void
set_thread(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct sum_conf *s = conf_summary_get(p->c);
	const char *val = str_token(&rest);

	if (val != NULL && strcmp(val, "on") == 0)
		s->thread = 1;
	else if (val != NULL && strcmp(val, "off") == 0)
		s->thread = 0;
	else if (val != NULL && strcmp(val, "auto") == 0)
		s->thread = -1;
	else {
		ERR(p, file, line, "set %s: expected 'on', 'off' or 'auto', "
		    "not '%s'", d->name, val != NULL ? val : "");
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
}

const struct set_directive conf_sumset_directives[] = {
	{ "summary",		set_summary, 0, 0 },
	{ "disk",		set_disk, 0, 0 },
	{ "disk_interval",	set_disk_interval, 0, 0 },
	{ "disk_mounts",	set_disk_mounts, 0, 0 },
	{ "disk_exclude",	set_disk_exclude, 0, 0 },
	{ "clock_skew",		set_clock_skew, 0, 0 },
	{ "clock_zone",		set_clock_zone, 0, 0 },
	{ "summary_max_keys",	set_cap, 0, 0 },
	{ "summary_max_unmatched", set_cap, 0, 0 },
	{ "summary_thread",	set_thread, 0, 0 },
	{ NULL, NULL, 0, 0 }
};
