/*
 * conf_tmpl — set automask, max_templates, learn, new_templates, silence
 * and burst (see conf_tmpl.h).
 */
#include "conf/conf_int.h"
#include "conf/conf_tmpl.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf_set.h"
#include "lib/match.h"
#include "lib/str.h"
#include "lib/xmem.h"

static struct conf_tmpl *
get(struct conf *c)
{
	if (c->tmpl == NULL) {
		c->tmpl = xcalloc(1, sizeof(*c->tmpl));
		c->tmpl->max_templates = CONF_TMPL_MAX_TEMPLATES;
		c->tmpl->new_queue = -1;
		c->tmpl->new_rate = CONF_TMPL_NEW_RATE;
		c->tmpl->burst_factor = 10;
		c->tmpl->burst_min = 100;
		c->tmpl->burst_window = 300;
	}
	return c->tmpl;
}

int
conf_tmpl_duration(const char *s, int64_t *secs)
{
	char *end;
	unsigned long long v;
	int64_t mul = 1;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (end[0] != '\0' && end[1] != '\0')
		return -1;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	case 'w':
		mul = 7 * 86400;
		break;
	default:
		return -1;
	}
	if (v > (unsigned long long)INT32_MAX * 365 / (unsigned long long)mul)
		return -1;
	*secs = (int64_t)v * mul;
	return 0;
}

/* set automask on|off [QUEUE...] */
static void
set_automask(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	struct conf_tmpl *t = get(p->c);
	char *val = str_token(&rest), *q;
	bool on;

	if (val == NULL || (strcmp(val, "on") != 0 && strcmp(val, "off") != 0)) {
		ERR(p, file, line, "set automask: expected 'on' or 'off', then "
		    "the queues it is for (none: every queue), not '%s'",
		    val != NULL ? val : "");
		return;
	}
	on = strcmp(val, "on") == 0;
	if (*str_skipspace(rest) == '\0') {
		t->automask = on;
		return;
	}
	while ((q = str_token(&rest)) != NULL) {
		/* the queue may be defined later: checked at the end */
		t->perq = xreallocarray(t->perq, t->nperq + 1, sizeof(*t->perq));
		t->perq[t->nperq].queue = xstrdup(q);
		t->perq[t->nperq].on = on;
		t->perq[t->nperq].file = file;
		t->perq[t->nperq].line = line;
		t->nperq++;
	}
}

static void
set_max_templates(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	unsigned long long n;

	if (conf_set_uint(p, file, line, d->name, str_token(&rest), 10000000,
	    &n) == -1)
		return;
	if (n < 16) {
		ERR(p, file, line, "set max_templates: %llu is too small; "
		    "use 16 or more", n);
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
	get(p->c)->max_templates = (size_t)n;
}

static void
set_learn(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	char *val = str_token(&rest);
	int64_t secs;

	if (conf_tmpl_duration(val, &secs) == -1) {
		ERR(p, file, line, "set learn: expected a duration such as 7d, "
		    "12h or 0 (s, m, h, d, w), not '%s'", val != NULL ? val : "");
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
	get(p->c)->learn = secs;
}

/* set new_templates QUEUE [PER_HOUR] */
static void
set_new_templates(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	struct conf_tmpl *t = get(p->c);
	char *q = str_token(&rest), *rate = str_token(&rest);
	unsigned long long n = CONF_TMPL_NEW_RATE;

	if (q == NULL) {
		ERR(p, file, line, "set new_templates: expected 'set "
		    "new_templates QUEUE [PER_HOUR]'");
		return;
	}
	if (rate != NULL && conf_set_uint(p, file, line, d->name, rate, 100000,
	    &n) == -1)
		return;
	conf_set_extra(p, file, line, d->name, rest);
	free(t->new_name);
	t->new_name = xstrdup(q);	/* resolved at the end */
	t->new_rate = (unsigned)n;
	t->new_file = file;
	t->new_line = line;
}

/* set silence PATTERN DURATION */
static void
set_silence(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	struct conf_tmpl *t = get(p->c);
	char *pat = str_token(&rest), *dur = str_token(&rest);
	int64_t secs;

	if (pat == NULL || dur == NULL) {
		ERR(p, file, line, "set silence: expected 'set silence HOST_GLOB "
		    "DURATION' or 'set silence /path/of/a/logfile DURATION'");
		return;
	}
	if (conf_tmpl_duration(dur, &secs) == -1 || secs < 10 ||
	    secs > 366 * 86400) {
		ERR(p, file, line, "set silence: '%s' is not a duration from "
		    "10s to 366d (s, m, h, d, w)", dur);
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
	t->silence = xreallocarray(t->silence, t->nsilence + 1,
	    sizeof(*t->silence));
	t->silence[t->nsilence].pattern = xstrdup(pat);
	t->silence[t->nsilence].input = pat[0] == '/';
	t->silence[t->nsilence].secs = (unsigned)secs;
	t->silence[t->nsilence].file = file;
	t->silence[t->nsilence].line = line;
	t->nsilence++;
}

/* set burst off | set burst FACTOR [MIN [WINDOW]] */
static void
set_burst(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct conf_tmpl *t = get(p->c);
	char *f = str_token(&rest), *m = str_token(&rest), *w = str_token(&rest);
	unsigned long long factor, min = 100;
	int64_t win = 300;

	if (f != NULL && strcmp(f, "off") == 0 && m == NULL) {
		t->burst = false;
		return;
	}
	if (f == NULL || conf_set_uint(p, file, line, d->name, f, 1000000,
	    &factor) == -1)
		goto usage;
	if (m != NULL && conf_set_uint(p, file, line, d->name, m, 100000000,
	    &min) == -1)
		goto usage;
	if (w != NULL && (conf_tmpl_duration(w, &win) == -1 || win < 10 ||
	    win > 86400)) {
		ERR(p, file, line, "set burst: the window '%s' is not a duration "
		    "from 10s to 1d", w);
		return;
	}
	if (factor < 2 || min < 1) {
		ERR(p, file, line, "set burst: the factor must be 2 or more and "
		    "the minimum 1 or more");
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
	t->burst = true;
	t->burst_factor = (unsigned)factor;
	t->burst_min = (unsigned)min;
	t->burst_window = (unsigned)win;
	return;
usage:
	ERR(p, file, line, "set burst: expected 'set burst FACTOR [MIN "
	    "[WINDOW]]' (e.g. 'set burst 10 100 5m') or 'set burst off'");
}

const struct set_directive conf_tmpl_directives[] = {
	{ "automask",		set_automask,		0, 0 },
	{ "max_templates",	set_max_templates,	0, 0 },
	{ "learn",		set_learn,		0, 0 },
	{ "new_templates",	set_new_templates,	0, 0 },
	{ "silence",		set_silence,		0, 0 },
	{ "burst",		set_burst,		0, 0 },
	{ NULL,			NULL,			0, 0 }
};

/* The rule of set new_templates, before every other rule. */
static void
new_templates_rule(struct parser *p)
{
	struct conf *c = p->c;
	struct rule r;
	char err[256];
	size_t i;

	memset(&r, 0, sizeof(r));
	r.kind = RULE_QUEUE;
	r.file = c->tmpl->new_file;
	r.line = c->tmpl->new_line;
	if (match_compile(&r.re, CONF_TMPL_NEW_RULE, err, sizeof(err)) == -1) {
		ERR(p, r.file, r.line, "set new_templates: %s", err);
		return;
	}
	r.targets = xcalloc(1, sizeof(*r.targets));
	r.targets[0].queue = (size_t)c->tmpl->new_queue;
	r.ntargets = 1;
	r.qlist = xstrdup(c->queues[c->tmpl->new_queue].name);
	c->rules = xreallocarray(c->rules, c->nrules + 1, sizeof(*c->rules));
	memmove(c->rules + 1, c->rules, c->nrules * sizeof(*c->rules));
	c->rules[0] = r;
	c->nrules++;
	/* groups and selects name the rule after their end */
	for (i = 1; i < c->nrules; i++)
		if (c->rules[i].skip != 0)
			c->rules[i].skip++;
}

void
conf_tmpl_finish(struct parser *p)
{
	struct conf *c = p->c;
	struct conf_tmpl *t = get(c);
	size_t i;
	long qi;

	t->queue_on = xcalloc(c->nqueues + 1, sizeof(*t->queue_on));
	for (i = 0; i < c->nqueues; i++)
		t->queue_on[i] = t->automask;
	for (i = 0; i < t->nperq; i++) {
		if ((qi = conf_queue_find(c, t->perq[i].queue)) < 0) {
			ERR(p, t->perq[i].file, t->perq[i].line, "set automask: "
			    "queue '%s' is not defined (define it with 'set "
			    "queue')", t->perq[i].queue);
			continue;
		}
		t->queue_on[qi] = t->perq[i].on;
	}
	if (t->new_name != NULL) {
		t->new_queue = conf_queue_find(c, t->new_name);
		if (t->new_queue < 0)
			ERR(p, t->new_file, t->new_line, "set new_templates: "
			    "queue '%s' is not defined (define it with 'set "
			    "queue')", t->new_name);
		else
			new_templates_rule(p);
	}
}

bool
conf_tmpl_automask(const struct conf *c, size_t qi)
{
	return c->tmpl != NULL && c->tmpl->queue_on != NULL && qi < c->nqueues &&
	    c->tmpl->queue_on[qi];
}

bool
conf_tmpl_mining(const struct conf *c)
{
	size_t i;

	if (c->tmpl == NULL)
		return false;
	if (c->tmpl->new_queue >= 0)
		return true;
	for (i = 0; i < c->nqueues; i++)
		if (conf_tmpl_automask(c, i))
			return true;
	return false;
}

void
conf_tmpl_free(struct conf *c)
{
	struct conf_tmpl *t = c->tmpl;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nperq; i++)
		free(t->perq[i].queue);
	free(t->perq);
	free(t->queue_on);
	for (i = 0; i < t->nsilence; i++)
		free(t->silence[i].pattern);
	free(t->silence);
	free(t->new_name);
	free(t);
	c->tmpl = NULL;
}
