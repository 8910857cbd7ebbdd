/*
 * conf_summary — the service definitions of summaries (see
 * conf_summary.h for the syntax): service … service_end blocks with
 * programs, where, unmatched, fact, count, also and ignore lines.  The
 * set directives of summaries are in conf_sumset.c.
 */
#include "conf/conf_summary.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/conf_summary_int.h"
#include "conf/conf_sumkey.h"
#include "lib/match.h"
#include "lib/str.h"
#include "lib/xmem.h"

struct sum_conf *
conf_summary_get(struct conf *c)
{
	struct sum_conf *s;

	if (c->summary != NULL)
		return c->summary;
	s = xcalloc(1, sizeof(*s));
	s->open = -1;
	s->max_keys = 10000;
	s->max_unmatched = 1000;
	s->thread = -1;
	s->disk_interval = 300;
	c->summary = s;
	return s;
}

long
conf_summary_service(const struct sum_conf *s, const char *id)
{
	size_t i;

	for (i = 0; s != NULL && i < s->nsvcs; i++)
		if (strcmp(s->svcs[i].id, id) == 0)
			return (long)i;
	return -1;
}

int
conf_summary_detail(const char *s, unsigned *out)
{
	long long v;
	const char *errstr;

	if (strcmp(s, "low") == 0)
		*out = 0;
	else if (strcmp(s, "med") == 0 || strcmp(s, "medium") == 0)
		*out = 5;
	else if (strcmp(s, "high") == 0)
		*out = 10;
	else if (str_tonum(s, 0, SUM_DETAIL_MAX, &v, &errstr) == 0)
		*out = (unsigned)v;
	else
		return -1;
	return 0;
}

int
conf_summary_services(const struct sum_conf *s, const char *list, bool *want,
    char *bad, size_t badlen)
{
	char *copy = xstrdup(list), *item, *save = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < s->nsvcs; i++)
		want[i] = false;
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		long k;

		if (strcmp(item, "all") == 0) {
			for (i = 0; i < s->nsvcs; i++)
				want[i] = true;
			continue;
		}
		if ((k = conf_summary_service(s, item)) < 0) {
			str_lcpy(bad, item, badlen);
			rc = -1;
			break;
		}
		want[k] = true;
	}
	free(copy);
	return rc;
}

/* Splits the next blank-separated token off *p like str_token, but a
 * blank inside double quotes (\" escapes) or braces does not end it. */
static char *
qtoken(char **p)
{
	char *s = str_skipspace(*p), *e = s;
	bool q = false, b = false;

	if (*s == '\0')
		return NULL;
	for (; *e != '\0' && (q || b || (*e != ' ' && *e != '\t')); e++) {
		if (*e == '\\' && q && e[1] != '\0')
			e++;
		else if (*e == '"')
			q = !q;
		else if (!q && *e == '{')
			b = true;
		else if (!q && *e == '}')
			b = false;
	}
	if (*e != '\0')
		*e++ = '\0';
	*p = str_skipspace(e);
	return s;
}

/* ---- the block ---- */

/* The service being defined, or NULL after an error saying so. */
static struct sum_service *
open_service(struct parser *p, const char *file, int line, const char *word)
{
	struct sum_conf *s = conf_summary_get(p->c);

	if (s->open < 0) {
		ERR(p, file, line, "'%s' outside a service block: write it "
		    "between 'service NAME [TITLE]' and 'service_end'", word);
		return NULL;
	}
	return &s->svcs[s->open];
}

static bool
good_id(const char *id)
{
	const char *q;

	if (*id == '\0')
		return false;
	for (q = id; *q != '\0'; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		    (*q >= '0' && *q <= '9') || *q == '_' || *q == '-' ||
		    *q == '.'))
			return false;
	return true;
}

/* service ID [TITLE] */
static void
service_line(struct parser *p, const struct line_directive *d,
    const char *file, int line, char *rest)
{
	struct sum_conf *s = conf_summary_get(p->c);
	struct sum_service *sv;
	char *id = str_token(&rest);

	if (s->open >= 0) {
		sv = &s->svcs[s->open];
		ERR(p, file, line, "service: service '%s' (%s:%d) is still "
		    "open; end it with 'service_end' first", sv->id, sv->file,
		    sv->line);
		s->open = -1;
	}
	if (id == NULL || !good_id(id)) {
		ERR(p, file, line, "service: expected 'service ID [TITLE]' with "
		    "an ID of letters, digits, '_', '-' or '.'");
		return;
	}
	if (conf_summary_service(s, id) >= 0) {
		ERR(p, file, line, "service: '%s' is defined twice; the second "
		    "definition is ignored (rename one)", id);
		/* keep parsing the block without a service: its lines are
		 * reported once, here */
		return;
	}
	s->svcs = xreallocarray(s->svcs, s->nsvcs + 1, sizeof(*s->svcs));
	sv = &s->svcs[s->nsvcs];
	memset(sv, 0, sizeof(*sv));
	sv->id = xstrdup(id);
	sv->title = xstrdup(*rest != '\0' ? rest : id);
	sv->unmatched = SUM_UNMATCHED_DEFAULT;
	sv->file = file;
	sv->line = line;
	s->open = (long)s->nsvcs++;
}

/* service_end */
static void
service_end_line(struct parser *p, const struct line_directive *d,
    const char *file, int line, char *rest)
{
	struct sum_service *sv = open_service(p, file, line, d->word);

	if (sv == NULL)
		return;
	if (*rest != '\0')
		WARN(p, file, line, "service_end: text after it is ignored: "
		    "'%s'", rest);
	if (sv->nprogs == 0 && sv->nwhere == 0)
		WARN(p, file, line, "service %s has neither 'programs' nor "
		    "'where': it takes no line", sv->id);
	if (sv->nrules == 0)
		WARN(p, file, line, "service %s has no count, also or ignore "
		    "rule: every line of it is unmatched", sv->id);
	p->c->summary->open = -1;
}

/* programs NAME... */
static void
programs_line(struct parser *p, const struct line_directive *d,
    const char *file, int line, char *rest)
{
	struct sum_service *sv = open_service(p, file, line, d->word);
	char *w;

	if (sv == NULL)
		return;
	if (*rest == '\0') {
		ERR(p, file, line, "programs: expected program names (the tag "
		    "before '[pid]:'), e.g. 'programs sshd sshd-session'");
		return;
	}
	while ((w = str_token(&rest)) != NULL) {
		char *star = strchr(w + 1, '*');

		if ((star != NULL && star[1] != '\0') || strcmp(w, "*") == 0 ||
		    (w[0] == '*' && star != NULL)) {
			ERR(p, file, line, "programs: '%s': '*' may only end a "
			    "name (a prefix, as in postfix/*) or start it (a "
			    "suffix, as in *(pam_unix))", w);
			continue;
		}
		sv->progs = xreallocarray(sv->progs, sv->nprogs + 1,
		    sizeof(*sv->progs));
		sv->progs[sv->nprogs++] = xstrdup(w);
	}
}

static bool
compile(struct parser *p, const char *file, int line, const char *word,
    struct regex *re, const char *src)
{
	char err[256];

	if (*src == '\0') {
		ERR(p, file, line, "%s: expected a regex", word);
		return false;
	}
	if (p->trailing_blank)
		conf_warn_trailing(p, file, line);
	if (match_compile(re, src, err, sizeof(err)) == -1) {
		ERR(p, file, line, "%s: bad regex: %s", word, err);
		return false;
	}
	return true;
}

/* where REGEX */
static void
where_line(struct parser *p, const struct line_directive *d,
    const char *file, int line, char *rest)
{
	struct sum_service *sv = open_service(p, file, line, d->word);
	struct regex re;

	if (sv == NULL || !compile(p, file, line, d->word, &re, rest))
		return;
	sv->where = xreallocarray(sv->where, sv->nwhere + 1, sizeof(*sv->where));
	sv->where[sv->nwhere++] = re;
}

/* unmatched N */
static void
unmatched_line(struct parser *p, const struct line_directive *d,
    const char *file, int line, char *rest)
{
	struct sum_service *sv = open_service(p, file, line, d->word);
	char *w = str_token(&rest);
	long long v;
	const char *errstr;

	if (sv == NULL)
		return;
	if (w == NULL || str_tonum(w, 0, 1000000, &v, &errstr) == -1) {
		ERR(p, file, line, "unmatched: expected the number of distinct "
		    "unmatched lines to show (0 hides them)");
		return;
	}
	sv->unmatched = (unsigned)v;
}

/* depth=0:1,5:2 into f->depth */
static int
parse_depth(struct sum_fact *f, const char *v)
{
	char *copy = xstrdup(v), *item, *save = NULL;
	unsigned at[SUM_DETAIL_MAX + 1];
	bool set[SUM_DETAIL_MAX + 1] = { false };
	size_t i;
	int rc = 0;

	for (item = strtok_r(copy, ",", &save); item != NULL && rc == 0;
	    item = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(item, ':');
		unsigned det;
		long long n;
		const char *errstr;

		if (colon == NULL) {
			rc = -1;
			break;
		}
		*colon = '\0';
		if (conf_summary_detail(item, &det) == -1 ||
		    str_tonum(colon + 1, 1, (long long)f->nlevels, &n, &errstr) == -1)
			rc = -1;
		else {
			at[det] = (unsigned)n;
			set[det] = true;
		}
	}
	free(copy);
	if (rc == -1)
		return -1;
	/* below the first given detail: that first depth */
	{
		unsigned cur = 0;

		for (i = 0; i <= SUM_DETAIL_MAX; i++)
			if (set[i]) {
				cur = at[i];
				break;
			}
		for (i = 0; i <= SUM_DETAIL_MAX; i++) {
			if (set[i])
				cur = at[i];
			f->depth[i] = (unsigned char)cur;
		}
	}
	return 0;
}

static int
parse_order(const char *v, enum sum_order *o)
{
	if (strcmp(v, "count") == 0)
		*o = SUM_ORDER_COUNT;
	else if (strcmp(v, "key") == 0)
		*o = SUM_ORDER_KEY;
	else if (strcmp(v, "ip") == 0)
		*o = SUM_ORDER_IP;
	else if (strcmp(v, "num") == 0)
		*o = SUM_ORDER_NUM;
	else
		return -1;
	return 0;
}

/* sort=ORDER (every level) or sort=ORDER,ORDER,... (one per level) */
static int
parse_sort(struct sum_fact *f, const char *v)
{
	char *copy = xstrdup(v), *item, *save = NULL;
	size_t i = 0;
	enum sum_order o = SUM_ORDER_COUNT;
	int rc = 0;

	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save), i++) {
		if (i >= f->nlevels || parse_order(item, &o) == -1) {
			rc = -1;
			break;
		}
		f->levels[i].order = o;
	}
	if (rc == 0 && i == 1)
		for (i = 1; i < f->nlevels; i++)
			f->levels[i].order = o;
	free(copy);
	return rc;
}

static void
free_fact(struct sum_fact *f)
{
	free(f->id);
	free(f->title);
	free(f->bytes);
	conf_sumkey_free(f);
}

/* fact ID KEY [show=D] [depth=D:N,...] [sort=O[,O...]] [top=N]
 *      [bytes=CAPTURE] TITLE */
static void
fact_line(struct parser *p, const struct line_directive *d,
    const char *file, int line, char *rest)
{
	struct sum_service *sv = open_service(p, file, line, d->word);
	struct sum_fact f;
	char *id, *key, *w, err[256];
	size_t i;
	bool bad = false;

	if (sv == NULL)
		return;
	memset(&f, 0, sizeof(f));
	id = str_token(&rest);
	key = qtoken(&rest);
	if (id == NULL || key == NULL || !good_id(id)) {
		ERR(p, file, line, "fact: expected 'fact ID KEY [OPTION=VALUE...] "
		    "TITLE', e.g. 'fact failed_login ip>user/method Failed "
		    "logins from'");
		return;
	}
	for (i = 0; i < sv->nfacts; i++)
		if (strcmp(sv->facts[i].id, id) == 0) {
			ERR(p, file, line, "fact: '%s' is already a fact of "
			    "service %s (%s:%d)", id, sv->id, sv->facts[i].file,
			    sv->facts[i].line);
			return;
		}
	f.id = xstrdup(id);
	f.file = file;
	f.line = line;
	if (conf_sumkey_parse(&f, key, err, sizeof(err)) == -1) {
		ERR(p, file, line, "fact %s: %s", id, err);
		free_fact(&f);
		return;
	}
	for (i = 0; i <= SUM_DETAIL_MAX; i++)
		f.depth[i] = (unsigned char)f.nlevels;
	f.top = SUM_TOP_DEFAULT;
	while (*rest != '\0') {
		char *save = rest, *eq;

		w = str_token(&rest);
		eq = strchr(w, '=');
		if (eq == NULL) {
			/* the title: the rest of the line, as written */
			w[strlen(w)] = *rest != '\0' ? ' ' : '\0';
			rest = save;
			break;
		}
		*eq++ = '\0';
		if (strcmp(w, "show") == 0) {
			if (conf_summary_detail(eq, &f.show) == -1)
				bad = true;
		} else if (strcmp(w, "depth") == 0) {
			if (parse_depth(&f, eq) == -1)
				bad = true;
		} else if (strcmp(w, "sort") == 0) {
			if (parse_sort(&f, eq) == -1)
				bad = true;
		} else if (strcmp(w, "top") == 0) {
			long long v;
			const char *errstr;

			if (str_tonum(eq, 0, 1000000, &v, &errstr) == -1)
				bad = true;
			else
				f.top = (unsigned)v;
		} else if (strcmp(w, "bytes") == 0) {
			free(f.bytes);
			f.bytes = xstrdup(eq);
		} else {
			ERR(p, file, line, "fact %s: unknown option '%s'; the "
			    "options are show=, depth=, sort=, top= and bytes=",
			    id, w);
			free_fact(&f);
			return;
		}
		if (bad) {
			ERR(p, file, line, "fact %s: bad %s=%s (show=low|med|"
			    "high|0..10, depth=DETAIL:LEVELS,..., sort=count|key|"
			    "ip|num[,...] one per level, top=N)", id, w, eq);
			free_fact(&f);
			return;
		}
	}
	f.title = xstrdup(*rest != '\0' ? rest : id);
	sv->facts = xreallocarray(sv->facts, sv->nfacts + 1, sizeof(*sv->facts));
	sv->facts[sv->nfacts++] = f;
}

static void
free_rule_progs(struct sum_rule *r)
{
	size_t i;

	for (i = 0; i < r->nprogs; i++)
		free(r->progs[i]);
	free(r->progs);
	r->progs = NULL;
	r->nprogs = 0;
}

/* prog=A,B,... at the start of rest: into r */
static void
rule_progs(struct sum_rule *r, char **rest)
{
	char *w, *item, *save = NULL;

	if (!str_startswith(*rest, "prog="))
		return;
	w = str_token(rest);
	for (item = strtok_r(w + 5, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		r->progs = xreallocarray(r->progs, r->nprogs + 1, sizeof(*r->progs));
		r->progs[r->nprogs++] = xstrdup(item);
	}
}

/* count FACT [prog=P,...] [key=TEMPLATE] REGEX, also (the same),
 * ignore [prog=P,...] REGEX */
static void
rule_line(struct parser *p, const struct line_directive *d,
    const char *file, int line, char *rest)
{
	struct sum_service *sv = open_service(p, file, line, d->word);
	struct sum_rule r;
	const struct sum_fact *f = NULL;
	char err[256];

	if (sv == NULL)
		return;
	memset(&r, 0, sizeof(r));
	r.file = file;
	r.line = line;
	r.kind = d->word[0] == 'c' ? SUMR_COUNT : d->word[0] == 'a' ?
	    SUMR_ALSO : SUMR_IGNORE;
	if (r.kind != SUMR_IGNORE) {
		char *fid = str_token(&rest);
		size_t i;

		if (fid == NULL) {
			ERR(p, file, line, "%s: expected '%s FACT REGEX'",
			    d->word, d->word);
			return;
		}
		for (i = 0; i < sv->nfacts; i++)
			if (strcmp(sv->facts[i].id, fid) == 0)
				f = &sv->facts[i];
		if (f == NULL) {
			ERR(p, file, line, "%s: service %s has no fact '%s'; "
			    "declare it with 'fact %s KEY TITLE' before its "
			    "rules", d->word, sv->id, fid, fid);
			return;
		}
		r.fact = (size_t)(f - sv->facts);
		rule_progs(&r, &rest);
		if (str_startswith(rest, "key=")) {
			char *tmpl = qtoken(&rest);

			r.key = xcalloc(1, sizeof(*r.key));
			r.key->id = xstrdup(f->id);
			if (conf_sumkey_parse(r.key, tmpl + 4, err,
			    sizeof(err)) == -1 || r.key->nlevels != f->nlevels) {
				if (r.key->levels != NULL &&
				    r.key->nlevels != f->nlevels)
					snprintf(err, sizeof(err), "%s has %zu "
					    "levels, fact %s has %zu", tmpl,
					    r.key->nlevels, f->id, f->nlevels);
				ERR(p, file, line, "%s: key=: %s", d->word, err);
				free_fact(r.key);
				free(r.key);
				free_rule_progs(&r);
				return;
			}
			r.key->bytes = f->bytes != NULL ? xstrdup(f->bytes) : NULL;
		}
	} else
		rule_progs(&r, &rest);
	if (!compile(p, file, line, d->word, &r.re, rest)) {
		if (r.key != NULL) {
			free_fact(r.key);
			free(r.key);
		}
		free_rule_progs(&r);
		return;
	}
	r.timescap = pcre2_substring_number_from_name(r.re.code,
	    (PCRE2_SPTR)"times");
	if (r.timescap < 0)
		r.timescap = 0;
	if (f != NULL) {
		const struct sum_fact *kf = r.key != NULL ? r.key : f;

		r.cap = xcalloc(kf->nparts + 1, sizeof(*r.cap));
		if (conf_sumkey_bind(kf, &r.re, r.cap, &r.bytescap, err,
		    sizeof(err)) == -1) {
			ERR(p, file, line, "%s: %s", d->word, err);
			free(r.cap);
			match_free(&r.re);
			if (r.key != NULL) {
				free_fact(r.key);
				free(r.key);
			}
			free_rule_progs(&r);
			return;
		}
	}
	sv->rules = xreallocarray(sv->rules, sv->nrules + 1, sizeof(*sv->rules));
	sv->rules[sv->nrules++] = r;
}

const struct line_directive conf_summary_lines[] = {
	{ "service",	LINE_NO_QUEUE,	service_line },
	{ "service_end", LINE_NO_QUEUE,	service_end_line },
	{ "programs",	LINE_NO_QUEUE,	programs_line },
	{ "where",	LINE_NO_QUEUE,	where_line },
	{ "unmatched",	LINE_NO_QUEUE,	unmatched_line },
	{ "fact",	LINE_NO_QUEUE,	fact_line },
	{ "count",	LINE_NO_QUEUE,	rule_line },
	{ "also",	LINE_NO_QUEUE,	rule_line },
	{ "ignore",	LINE_NO_QUEUE,	rule_line },
	{ NULL,		LINE_ALWAYS,	NULL }
};

void
conf_summary_finish(struct parser *p)
{
	struct sum_conf *s = p->c->summary;
	size_t i;

	if (s == NULL)
		return;
	if (s->open >= 0) {
		const struct sum_service *sv = &s->svcs[s->open];

		ERR(p, sv->file, sv->line, "service %s has no service_end",
		    sv->id);
		s->open = -1;
	}
	for (i = 0; i < s->nqueues; i++) {
		struct sum_queue *q = &s->queues[i];
		char bad[128];

		free(q->want);
		q->want = xcalloc(s->nsvcs + 1, sizeof(*q->want));
		if (conf_summary_services(s, q->services, q->want, bad,
		    sizeof(bad)) == -1)
			ERR(p, q->file, q->line, "set summary %s: no service "
			    "'%s' is defined (services=LIST takes service ids "
			    "or 'all')", q->name, bad);
	}
}

void
conf_summary_free(struct sum_conf *s)
{
	size_t i, j;

	if (s == NULL)
		return;
	for (i = 0; i < s->nsvcs; i++) {
		struct sum_service *sv = &s->svcs[i];

		free(sv->id);
		free(sv->title);
		for (j = 0; j < sv->nprogs; j++)
			free(sv->progs[j]);
		free(sv->progs);
		for (j = 0; j < sv->nwhere; j++)
			match_free(&sv->where[j]);
		free(sv->where);
		for (j = 0; j < sv->nfacts; j++)
			free_fact(&sv->facts[j]);
		free(sv->facts);
		for (j = 0; j < sv->nrules; j++) {
			match_free(&sv->rules[j].re);
			free(sv->rules[j].cap);
			if (sv->rules[j].key != NULL) {
				free_fact(sv->rules[j].key);
				free(sv->rules[j].key);
			}
			free_rule_progs(&sv->rules[j]);
		}
		free(sv->rules);
	}
	free(s->svcs);
	for (i = 0; i < s->nqueues; i++) {
		free(s->queues[i].name);
		free(s->queues[i].from);
		free(s->queues[i].to);
		free(s->queues[i].subject);
		free(s->queues[i].sched);
		free(s->queues[i].want);
		free(s->queues[i].services);
	}
	free(s->queues);
	for (i = 0; i < s->nmounts; i++)
		free(s->mounts[i].mount);
	free(s->mounts);
	free(s->disk_mounts);
	conf_free_argv(s->disk_exclude);
	free(s);
}
