/*
 * conf_rule — the rule lines and the group stack.
 *
 * A rule is "QUEUES REGEX": queues with escalation numbers, or one
 * builtin (trash, repeat, group, group_host).  group, group_host and
 * select open a prefilter that group_end or select_end closes; the open
 * ones are kept on the parser's group stack.  logcheck and archive lines
 * load a rule tree and an archive pattern.
 */
#include "conf/conf_rule.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deliver/archive.h"
#include "conf/conf_queues.h"
#include "conf/lcdb.h"
#include "conf/sel.h"
#include "lib/match.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define FAILED_GROUP	SIZE_MAX	/* placeholders on the group stack */
#define FAILED_SELECT	(SIZE_MAX - 1)

/* A group whose rule could not be added still needs its group_end: push
 * a placeholder so the following group_end closes the right group. */
static void
failed_rule(struct parser *p, const char *qlist)
{
	if (strcmp(qlist, "group") == 0 || strcmp(qlist, "group_host") == 0 ||
	    strcmp(qlist, "select") == 0) {
		p->groups = xreallocarray(p->groups, p->ngroups + 1,
		    sizeof(*p->groups));
		p->groups[p->ngroups++] = qlist[0] == 's' ? FAILED_SELECT :
		    FAILED_GROUP;
	}
}

/* QUEUELIST REGEX */
void
conf_rule_add(struct parser *p, const char *file, int line, char *qlist,
    const char *regex, bool trailing_blank)
{
	struct conf *c = p->c;
	struct rule r;
	char *list = xstrdup(qlist), *item, *save = NULL, err[256];
	unsigned max = 0;
	size_t nitems = 0;
	bool bad = false;

	memset(&r, 0, sizeof(r));
	r.kind = RULE_QUEUE;
	r.file = file;
	r.line = line;
	r.trailing_blank = trailing_blank;
	for (item = strtok_r(list, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save))
		nitems++;
	free(list);
	list = xstrdup(qlist);
	save = NULL;
	if (nitems == 0 || qlist[0] == ',' || qlist[strlen(qlist) - 1] == ',' ||
	    strstr(qlist, ",,") != NULL) {
		ERR(p, file, line, "empty queue name in the queue list '%s'", qlist);
		free(list);
		failed_rule(p, qlist);
		return;
	}
	for (item = strtok_r(list, ",", &save); item != NULL && !bad;
	    item = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(item, ':');
		unsigned esc = 0;
		long idx;

		if (colon != NULL) {
			const char *e = colon + 1;
			unsigned long long v;
			long long ll;
			const char *errstr;

			*colon = '\0';
			if (*e < '1' || *e > '9' ||
			    str_tonum(e, 1, UINT_MAX, &ll, &errstr) == -1) {
				ERR(p, file, line, "escalation number '%s' of queue "
				    "'%s' must be a whole number greater than zero",
				    e, item);
				bad = true;
				break;
			}
			v = (unsigned long long)ll;
			esc = (unsigned)v;
		}
		if (conf_queues_builtin(item)) {
			if (nitems > 1) {
				ERR(p, file, line, "builtin queue '%s' cannot be "
				    "part of a list of queues", item);
				bad = true;
				break;
			}
			if (esc) {
				ERR(p, file, line, "builtin queue '%s' cannot have "
				    "an escalation number", item);
				bad = true;
				break;
			}
			r.kind = strcmp(item, "trash") == 0 ? RULE_TRASH :
			    strcmp(item, "repeat") == 0 ? RULE_REPEAT :
			    strcmp(item, "group") == 0 ? RULE_GROUP : RULE_GROUP_HOST;
			continue;
		}
		idx = conf_queue_find(c, item);
		if (idx < 0) {
			ERR(p, file, line, "queue '%s' is not defined; define it "
			    "with 'set queue %s FROM TO [SCHEDULE]' above this "
			    "rule", item, item);
			bad = true;
			break;
		}
		if (c->queues[idx].layout == LAYOUT_LOGCHECK) {
			ERR(p, file, line, "queue '%s' has layout=logcheck: only "
			    "a 'logcheck' line can feed it (its report is "
			    "logcheck's report of whole lines)", item);
			bad = true;
			break;
		}
		if (esc) {
			if (r.ntargets == 0 && nitems > 1) {
				ERR(p, file, line, "the leftmost queue of a list "
				    "cannot have an escalation number");
				bad = true;
				break;
			}
			if (esc < max) {
				ERR(p, file, line, "escalation numbers must not "
				    "decrease from left to right in '%s'", qlist);
				bad = true;
				break;
			}
			max = esc;
		} else if (max) {
			ERR(p, file, line, "queues without an escalation number "
			    "must come before those with one in '%s'", qlist);
			bad = true;
			break;
		}
		r.targets = xreallocarray(r.targets, r.ntargets + 1,
		    sizeof(*r.targets));
		r.targets[r.ntargets].queue = (size_t)idx;
		r.targets[r.ntargets].esc = esc;
		r.ntargets++;
	}
	free(list);
	if (bad) {
		free(r.targets);
		failed_rule(p, qlist);
		return;
	}
	r.max_esc = r.ntargets > 0 ? r.targets[r.ntargets - 1].esc : 0;
	if (match_compile(&r.re, regex, err, sizeof(err)) == -1) {
		ERR(p, file, line, "bad regex '%s': %s", regex, err);
		free(r.targets);
		failed_rule(p, qlist);
		return;
	}
	r.qlist = xstrdup(qlist);
	if (trailing_blank)
		conf_warn_trailing(p, file, line);
	c->rules = xreallocarray(c->rules, c->nrules + 1, sizeof(*c->rules));
	c->rules[c->nrules] = r;
	if (r.kind == RULE_GROUP || r.kind == RULE_GROUP_HOST) {
		p->groups = xreallocarray(p->groups, p->ngroups + 1,
		    sizeof(*p->groups));
		p->groups[p->ngroups++] = c->nrules;
	}
	c->nrules++;
}

/* select SELECTOR: a prefilter like group, on facility, level, program
 * and host (syslog.conf selectors), closed by select_end. */
static void
add_select(struct parser *p, const struct line_directive *d,
    const char *file, int line, char *rest)
{
	struct conf *c = p->c;
	struct rule r;
	char err[512];

	memset(&r, 0, sizeof(r));
	r.kind = RULE_SELECT;
	r.file = file;
	r.line = line;
	if (*rest == '\0') {
		ERR(p, file, line, "select: expected a selector, e.g. "
		    "'select auth,authpriv.*' or 'select *.err;!sshd'");
		failed_rule(p, "select");
		return;
	}
	if ((r.sel = sel_parse(rest, err, sizeof(err))) == NULL) {
		ERR(p, file, line, "select %s: %s", rest, err);
		failed_rule(p, "select");
		return;
	}
	r.qlist = xstrdup("select");
	r.re.src = xstrdup(rest);	/* shown by explain; never compiled */
	c->rules = xreallocarray(c->rules, c->nrules + 1, sizeof(*c->rules));
	c->rules[c->nrules] = r;
	p->groups = xreallocarray(p->groups, p->ngroups + 1, sizeof(*p->groups));
	p->groups[p->ngroups++] = c->nrules;
	c->nrules++;
}

/* archive SELECTOR PATTERN: PATTERN is the last word, an absolute path. */
static void
add_archive(struct parser *p, const struct line_directive *d,
    const char *file, int line, char *rest)
{
	struct conf *c = p->c;
	struct archive_def a;
	char err[512], *last, *end;

	end = rest + strlen(rest);
	while (end > rest && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	last = end;
	while (last > rest && last[-1] != ' ' && last[-1] != '\t')
		last--;
	if (last == rest || *last != '/') {
		ERR(p, file, line, "archive: expected 'archive SELECTOR "
		    "/PATH/PATTERN', e.g. 'archive *.* "
		    "/var/log/remote/%%HOST%%/%%Y-%%m-%%d.log'");
		return;
	}
	if (archive_check(last, err, sizeof(err)) == -1) {
		ERR(p, file, line, "archive %s: %s", last, err);
		return;
	}
	memset(&a, 0, sizeof(a));
	a.pattern = xstrdup(last);
	while (last > rest && (last[-1] == ' ' || last[-1] == '\t'))
		last--;
	*last = '\0';
	if ((a.sel = sel_parse(rest, err, sizeof(err))) == NULL) {
		ERR(p, file, line, "archive %s: %s", rest, err);
		free(a.pattern);
		return;
	}
	a.selector = xstrdup(rest);
	a.file = file;
	a.line = line;
	c->archives = xreallocarray(c->archives, c->narchives + 1,
	    sizeof(*c->archives));
	c->archives[c->narchives++] = a;
}

/* logcheck DIR LEVEL [alerts=Q] [events=Q] [system=Q] [cracking_ignore] */
static void
add_logcheck(struct parser *p, const struct line_directive *d,
    const char *file, int line, char *rest)
{
	struct conf *c = p->c;
	struct rule r;
	char *dir, *lvl, *opt, *path;
	enum lc_level level;
	size_t i;
	bool cign = false, bad = false;

	memset(&r, 0, sizeof(r));
	r.kind = RULE_LOGCHECK;
	r.file = file;
	r.line = line;
	r.lc_queue[0] = r.lc_queue[1] = r.lc_queue[2] = -1;
	dir = str_token(&rest);
	lvl = str_token(&rest);
	if (dir == NULL || lvl == NULL || lcdb_level(lvl, &level) == -1) {
		ERR(p, file, line, "expected 'logcheck DIR paranoid|server|"
		    "workstation [alerts=QUEUE] [events=QUEUE] [system=QUEUE] "
		    "[cracking_ignore]'");
		return;
	}
	while ((opt = str_token(&rest)) != NULL) {
		static const char *keys[] = { "alerts=", "events=", "system=" };
		bool known = false;

		if (strcmp(opt, "cracking_ignore") == 0) {
			cign = true;
			continue;
		}
		for (i = 0; i < 3; i++) {
			if (str_startswith(opt, keys[i])) {
				long q = conf_queue_find(c, opt + 7);

				known = true;
				if (q < 0) {
					ERR(p, file, line, "logcheck: queue '%s' is not "
					    "defined; define it with 'set queue' above "
					    "this line", opt + 7);
					bad = true;
				}
				r.lc_queue[i] = q;
			}
		}
		if (!known) {
			ERR(p, file, line, "logcheck: unknown option '%s' (alerts=, "
			    "events=, system=, cracking_ignore)", opt);
			bad = true;
		}
	}
	if (bad)
		return;
	path = conf_resolve_path(file, dir);
	r.lc = xcalloc(1, sizeof(*r.lc));
	if (lcdb_load(r.lc, path, level, cign) == -1) {
		for (i = 0; i < r.lc->nerrors; i++)
			ERR(p, file, line, "logcheck %s: %s", path, r.lc->errors[i]);
		lcdb_free(r.lc);
		free(r.lc);
		free(path);
		return;
	}
	free(path);
	r.qlist = xstrdup("logcheck");
	c->rules = xreallocarray(c->rules, c->nrules + 1, sizeof(*c->rules));
	c->rules[c->nrules++] = r;
}

static void
select_end(struct parser *p, const struct line_directive *d,
    const char *file, int line, char *rest)
{
	size_t top = p->ngroups > 0 ? p->groups[p->ngroups - 1] : 0;

	if (p->ngroups > 0 && top == FAILED_SELECT) {
		p->ngroups--;
		return;
	}
	if (p->ngroups == 0 || top == FAILED_GROUP ||
	    p->c->rules[top].kind != RULE_SELECT) {
		ERR(p, file, line, "select_end without an open select%s",
		    p->ngroups > 0 ? " (close the inner group first "
		    "with group_end)" : "");
		return;
	}
	p->c->rules[p->groups[--p->ngroups]].skip = p->c->nrules;
}

static void
group_end(struct parser *p, const struct line_directive *d,
    const char *file, int line, char *rest)
{
	if (p->ngroups == 0) {
		ERR(p, file, line, "group_end without an open group or "
		    "group_host");
		return;
	}
	if (p->groups[p->ngroups - 1] == FAILED_SELECT ||
	    (p->groups[p->ngroups - 1] != FAILED_GROUP &&
	    p->c->rules[p->groups[p->ngroups - 1]].kind == RULE_SELECT)) {
		ERR(p, file, line, "group_end closes a select; use "
		    "select_end");
		return;
	}
	if (p->groups[--p->ngroups] != SIZE_MAX)
		p->c->rules[p->groups[p->ngroups]].skip = p->c->nrules;
}

/* A layout=logcheck queue that no logcheck line feeds stays empty. */
static void
check_layouts(struct parser *p)
{
	struct conf *c = p->c;
	size_t qi, i, k;

	for (qi = 0; qi < c->nqueues; qi++) {
		bool fed = false;

		if (c->queues[qi].layout != LAYOUT_LOGCHECK)
			continue;
		for (i = 0; i < c->nrules && !fed; i++)
			for (k = 0; k < 3; k++)
				if (c->rules[i].kind == RULE_LOGCHECK &&
				    c->rules[i].lc_queue[k] == (long)qi)
					fed = true;
		if (!fed)
			WARN(p, c->queues[qi].file, c->queues[qi].line, "queue "
			    "'%s' has layout=logcheck but no 'logcheck' line "
			    "feeds it (alerts=, events= or system=)",
			    c->queues[qi].name);
	}
}

void
conf_rule_finish(struct parser *p)
{
	struct conf *c = p->c;
	size_t i;

	check_layouts(p);

	for (i = 0; i < p->ngroups; i++) {
		const struct rule *r;

		if (p->groups[i] == FAILED_GROUP || p->groups[i] == FAILED_SELECT)
			continue;
		r = &c->rules[p->groups[i]];

		ERR(p, r->file, r->line, "%s opened here is never closed; add "
		    "'%s' after its rules",
		    r->kind == RULE_GROUP ? "group" : r->kind == RULE_SELECT ?
		    "select" : "group_host",
		    r->kind == RULE_SELECT ? "select_end" : "group_end");
	}
}

/* logcheck, select and archive: a queue of that name keeps the word for
 * rules, as in tenshi */
const struct line_directive conf_rule_lines[] = {
	{ "logcheck",	LINE_NO_QUEUE,	add_logcheck },
	{ "select",	LINE_NO_QUEUE,	add_select },
	{ "archive",	LINE_NO_QUEUE,	add_archive },
	{ "select_end",	LINE_ALONE,	select_end },
	{ "group_end",	LINE_ALONE,	group_end },
	{ NULL,		LINE_ALWAYS,	NULL }
};
