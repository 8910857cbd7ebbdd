/*
 * conf_queues — set queue, set csv, set threshold and set filter: the
 * queues, their schedules in brackets, recipients, thresholds and
 * filter programs.
 */
#include "conf/conf_queues.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/match.h"
#include "lib/str.h"
#include "lib/xmem.h"
#include "conf/conf_set.h"

bool
conf_queues_builtin(const char *name)
{
	return strcmp(name, "trash") == 0 || strcmp(name, "repeat") == 0 ||
	    strcmp(name, "group") == 0 || strcmp(name, "group_host") == 0;
}

/* Parses "[SPEC] REST" at s: fills the queue's schedule and returns a
 * pointer to REST, or NULL on error (reported). */
static const char *
parse_sched(struct parser *p, const char *file, int line, const char *what,
    const char *s, struct queue_def *q)
{
	const char *close;
	char *spec, err[256];

	s = str_skipspace(s);
	if (*s != '[' || (close = strchr(s, ']')) == NULL) {
		ERR(p, file, line, "%s: expected a schedule in brackets, "
		    "'[now]' or five cron fields like '[0 9-17/2 * * *]'", what);
		return NULL;
	}
	spec = xmemdup0(s + 1, (size_t)(close - s - 1));
	str_rtrim(spec);
	if (strcmp(str_skipspace(spec), "now") == 0) {
		q->now = true;
	} else if (cron_parse(&q->cron, spec, err, sizeof(err)) == -1) {
		ERR(p, file, line, "%s: bad schedule [%s]: %s", what, spec, err);
		free(spec);
		return NULL;
	}
	free(q->sched);
	q->sched = xstrdup(q->now ? "now" : str_skipspace(spec));
	free(spec);
	return str_skipspace(close + 1);
}

static struct queue_def *
new_queue(struct conf *c, const char *name, const char *file, int line)
{
	struct queue_def *q;

	c->queues = xreallocarray(c->queues, c->nqueues + 1, sizeof(*c->queues));
	q = &c->queues[c->nqueues++];
	memset(q, 0, sizeof(*q));
	q->name = xstrdup(name);
	q->file = file;
	q->line = line;
	return q;
}

/* "layout=NAME " at *s (after the schedule): sets *out and moves *s past
 * it.  Returns 0 (also when there is none), -1 on an unknown layout. */
static int
parse_layout(struct parser *p, const char *file, int line, const char **s,
    enum queue_layout *out)
{
	size_t n;

	*out = LAYOUT_TENSHI;
	if (!str_startswith(*s, "layout="))
		return 0;
	n = strcspn(*s, " \t");
	if (n == 15 && strncmp(*s, "layout=logcheck", 15) == 0)
		*out = LAYOUT_LOGCHECK;
	else if (!(n == 13 && strncmp(*s, "layout=tenshi", 13) == 0)) {
		ERR(p, file, line, "set queue: unknown %.*s (layouts: tenshi, "
		    "logcheck)", (int)n, *s);
		return -1;
	}
	*s = str_skipspace(*s + n);
	return 0;
}

/* set queue NAME FROM [pager:]TO [SPEC] [layout=NAME] [SUBJECT] */
static void
set_queue(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct conf *c = p->c;
	struct queue_def tmp, *q;
	char *name, *from, *to, *r, *out;
	const char *after;
	long idx;
	bool pager = false;
	enum queue_layout layout;

	name = str_token(&rest);
	from = str_token(&rest);
	to = str_token(&rest);
	if (name == NULL || from == NULL || to == NULL) {
		ERR(p, file, line, "set queue: expected 'set queue NAME FROM TO "
		    "[SCHEDULE] [SUBJECT]'");
		return;
	}
	if (conf_queues_builtin(name)) {
		ERR(p, file, line, "set queue: '%s' is a builtin queue; choose "
		    "another name", name);
		return;
	}
	if (strcmp(name, "csv") == 0) {
		ERR(p, file, line, "set queue: 'csv' is a special queue; define "
		    "it with 'set csv [SCHEDULE] PROGRAM [ARGS]'");
		return;
	}
	if (strchr(name, ',') != NULL || strchr(name, ':') != NULL) {
		ERR(p, file, line, "set queue: queue name '%s' contains ',' or "
		    "':', which rules use as separators", name);
		return;
	}
	memset(&tmp, 0, sizeof(tmp));
	after = parse_sched(p, file, line, "set queue", rest, &tmp);
	if (after == NULL) {
		/* the error is reported; define the queue anyway so the rules
		 * that use it do not each report it as undefined */
		free(tmp.sched);
		if (conf_queue_find(c, name) < 0) {
			q = new_queue(c, name, file, line);
			q->from = xstrdup(from);
			q->to = xstrdup(to);
			q->sched = xstrdup("invalid");
		}
		return;
	}
	if (parse_layout(p, file, line, &after, &layout) == -1) {
		free(tmp.sched);
		return;
	}
	/* A leading "pager:" marks a pager queue; it is stripped from every
	 * recipient (tenshi strips it from the first one only). */
	out = xmalloc(strlen(to) + 1);
	out[0] = '\0';
	for (r = to; *r != '\0';) {
		size_t n = strcspn(r, ",");

		if (n >= 6 && strncmp(r, "pager:", 6) == 0) {
			/* as in tenshi, a leading "pager:" makes it a pager queue */
			if (r == to)
				pager = true;
			r += 6;
			n -= 6;
		}
		if (n == 0) {
			ERR(p, file, line, "set queue %s: empty recipient in '%s'",
			    name, to);
			free(out);
			free(tmp.sched);
			return;
		}
		if (out[0] != '\0')
			strncat(out, ",", 2);
		strncat(out, r, n);
		r += n;
		if (*r == ',')
			r++;
	}

	idx = conf_queue_find(c, name);
	if (idx >= 0) {
		/* tenshi merges a redefinition into the first definition */
		q = &c->queues[idx];
		WARN(p, file, line, "queue '%s' was already defined at %s:%d; "
		    "the definitions are merged as tenshi does", name, q->file,
		    q->line);
		free(q->from);
		free(q->to);
		if (!q->now || tmp.now) {
			free(q->sched);
			q->sched = tmp.sched;
			q->cron = tmp.cron;
		} else
			free(tmp.sched);
		q->now = q->now || tmp.now;
		q->pager = q->pager || pager;
	} else {
		q = new_queue(c, name, file, line);
		q->sched = tmp.sched;
		q->cron = tmp.cron;
		q->now = tmp.now;
		q->pager = pager;
	}
	q->from = xstrdup(from);
	q->to = out;
	if (layout != LAYOUT_TENSHI)
		q->layout = layout;
	if (q->layout == LAYOUT_LOGCHECK && q->pager)
		ERR(p, file, line, "set queue %s: a pager queue cannot have "
		    "layout=logcheck", name);
	if (*after != '\0') {
		free(q->subject);
		q->subject = xstrdup(after);
	}
}

/* set csv [SCHEDULE] PROGRAM [ARGS] */
static void
set_csv(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct queue_def tmp, *q;
	const char *after;
	long idx;

	memset(&tmp, 0, sizeof(tmp));
	after = parse_sched(p, file, line, "set csv", rest, &tmp);
	if (after == NULL) {
		free(tmp.sched);
		return;
	}
	if (*after == '\0') {
		ERR(p, file, line, "set csv: expected a program after the schedule");
		free(tmp.sched);
		return;
	}
	idx = conf_queue_find(p->c, "csv");
	if (idx >= 0) {
		q = &p->c->queues[idx];
		free(q->sched);
		conf_free_argv(q->program);
	} else
		q = new_queue(p->c, "csv", file, line);
	q->csv = true;
	q->sched = tmp.sched;
	q->cron = tmp.cron;
	q->now = tmp.now;
	q->program = conf_split_argv(after);
	if (q->from == NULL)
		q->from = xstrdup("");
	if (q->to == NULL)
		q->to = xstrdup("");
}

/* set threshold QUEUE COUNT REGEX */
static void
set_threshold(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	char *qname, *count, err[256];
	unsigned long long n;
	struct queue_def *q;
	struct threshold *t;
	long idx;

	qname = str_token(&rest);
	count = str_token(&rest);
	if (qname == NULL || count == NULL || *rest == '\0') {
		ERR(p, file, line, "set threshold: expected 'set threshold QUEUE "
		    "COUNT REGEX'");
		return;
	}
	idx = conf_queue_find(p->c, qname);
	if (idx < 0) {
		ERR(p, file, line, "set threshold: queue '%s' is not defined "
		    "(define it with 'set queue' above this line)", qname);
		return;
	}
	if (conf_set_uint(p, file, line, "threshold", count, UINT_MAX, &n) == -1)
		return;
	if (n == 0) {
		ERR(p, file, line, "set threshold: the count must be greater "
		    "than zero");
		return;
	}
	q = &p->c->queues[idx];
	q->thr = xreallocarray(q->thr, q->nthr + 1, sizeof(*q->thr));
	t = &q->thr[q->nthr];
	if (match_compile(&t->re, rest, err, sizeof(err)) == -1) {
		ERR(p, file, line, "set threshold: bad regex '%s': %s", rest, err);
		return;
	}
	t->count = (unsigned long)n;
	q->nthr++;
	if (p->trailing_blank)
		conf_warn_trailing(p, file, line);
}

/* set filter QUEUE PROGRAM [ARGS] */
static void
set_filter(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct conf *c = p->c;
	char *qname = str_token(&rest);
	long idx;

	if (qname == NULL || *rest == '\0') {
		ERR(p, file, line, "set filter: expected 'set filter QUEUE "
		    "PROGRAM [ARGS]'");
		return;
	}
	idx = conf_queue_find(c, qname);
	if (idx < 0) {
		/* tenshi allows this; the queue may come later */
		WARN(p, file, line, "set filter: queue '%s' is not "
		    "defined (yet)", qname);
		return;
	}
	conf_free_argv(c->queues[idx].filter);
	c->queues[idx].filter = conf_split_argv(rest);
}

const struct set_directive conf_queues_directives[] = {
	{ "queue",		set_queue,	0, 0 },
	{ "csv",		set_csv,	0, 0 },
	{ "threshold",		set_threshold,	0, 0 },
	{ "filter",		set_filter,	0, 0 },
	{ NULL,			NULL,		0, 0 }
};
