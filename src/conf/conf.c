/*
 * conf — configuration parser: the core.
 *
 * The syntax is tenshi's: one directive per line, leading blanks ignored,
 * lines starting with '#' are comments, no inline comments.  Each line is
 * tried as include, includedir, a set directive, a rule "QUEUES REGEX",
 * group_end, in that order.  Differences from tenshi, on purpose:
 * trailing blanks and CR are stripped (tenshi keeps them inside regexes
 * and values); relative include paths are resolved against the including
 * file's directory; an unclosed group, a logprefix without a capture group
 * and a bad cron spec are errors; errors never stop the parse, so every
 * problem is reported at once.
 *
 * This file reads the files (include, includedir), splits lines, looks
 * their first word up in the line tables and the word after "set" in the
 * set tables, and owns the diagnostics, the defaults and conf_free.  The
 * directives are in conf_set.c (tenshi's settings), conf_daemon.c (the
 * daemon's), conf_queues.c (queues) and conf_rule.c (rule lines);
 * conf_int.h says how to add one.
 */
#include "conf/conf.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/conf_int.h"
#include "conf/conf_daemon.h"
#include "conf/conf_queues.h"
#include "conf/conf_redis.h"
#include "conf/conf_rule.h"
#include "conf/conf_set.h"
#include "conf/conf_tmpl.h"
#include "conf/lcdb.h"
#include "conf/conf_summary_int.h"
#include "conf/conf_sumset.h"
#include "conf/sel.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define MAX_CONF_LINE		(1024 * 1024)

static void parse_file(struct parser *p, const char *path, const char *from_file,
    int from_line);

void
conf_strlist_add(struct strlist *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

static void
strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
conf_diag(struct conf *c, enum diag_level level, const char *file, int line,
    const char *fmt, ...)
{
	struct diag *d;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	c->diags = xreallocarray(c->diags, c->ndiags + 1, sizeof(*c->diags));
	d = &c->diags[c->ndiags++];
	d->level = level;
	d->file = file;
	d->line = line;
	d->msg = msg;
	if (level == DIAG_ERROR)
		c->nerrors++;
}

void
conf_warn_trailing(struct parser *p, const char *file, int line)
{
	WARN(p, file, line, "the regex ended in blanks, which logward strips "
	    "(tenshi keeps them as part of the regex); write '[ ]' or '\\s' "
	    "if a trailing blank must match");
}

char **
conf_split_argv(const char *s)
{
	char *copy = xstrdup(s), *p = copy, *tok;
	char **argv = NULL;
	size_t n = 0;

	while ((tok = str_token(&p)) != NULL) {
		argv = xreallocarray(argv, n + 2, sizeof(*argv));
		argv[n++] = xstrdup(tok);
	}
	free(copy);
	if (argv == NULL)
		argv = xcalloc(1, sizeof(*argv));
	argv[n] = NULL;
	return argv;
}

void
conf_free_argv(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

long
conf_queue_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nqueues; i++) {
		if (strcmp(c->queues[i].name, name) == 0)
			return (long)i;
	}
	return -1;
}

static void
free_queue(struct queue_def *q)
{
	size_t i;

	free(q->name);
	free(q->from);
	free(q->to);
	free(q->sched);
	free(q->subject);
	for (i = 0; i < q->nthr; i++)
		match_free(&q->thr[i].re);
	free(q->thr);
	conf_free_argv(q->filter);
	conf_free_argv(q->program);
}

static const char *
intern_file(struct conf *c, const char *path)
{
	conf_strlist_add(&c->files, path);
	return c->files.v[c->files.n - 1];
}

char *
conf_resolve_path(const char *from, const char *path)
{
	const char *slash;
	char *out;

	if (path[0] == '/' || from == NULL || (slash = strrchr(from, '/')) == NULL)
		return xstrdup(path);
	out = xasprintf("%.*s/%s", (int)(slash - from), from, path);
	return out;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
include_dir(struct parser *p, const char *file, int line, const char *dir)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;

	d = opendir(dir);
	if (d == NULL) {
		ERR(p, file, line, "includedir %s: %s", dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)	/* byte order */
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		char *path;
		struct stat st;

		path = xasprintf("%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			parse_file(p, path, file, line);
		free(path);
		free(names[i]);
	}
	free(names);
}

/* include PATH, includedir DIR */
static void
include_line(struct parser *p, const struct line_directive *d,
    const char *file, int line, char *rest)
{
	const char *word = d->word;
	char *arg = str_token(&rest), *path;

	if (arg == NULL) {
		ERR(p, file, line, "%s: expected a path", word);
		return;
	}
	if (*rest != '\0')
		WARN(p, file, line, "%s: text after the path is ignored: "
		    "'%s'", word, rest);
	path = conf_resolve_path(file, arg);
	if (word[7] == '\0')
		parse_file(p, path, file, line);
	else
		include_dir(p, file, line, path);
	free(path);
}

/* The set directives, one table per file. */
static const struct set_directive *const set_tables[] = {
	conf_set_directives,
	conf_daemon_directives,
	conf_queues_directives,
	conf_redis_directives,
	conf_sumset_directives,
	conf_tmpl_directives,
	NULL
};

/* set NAME ...: NAME looked up in the set tables */
static void
set_line(struct parser *p, const struct line_directive *ld,
    const char *file, int line, char *rest)
{
	const struct set_directive *const *t;
	const struct set_directive *d;
	char *key;

	key = str_token(&rest);
	if (key == NULL) {
		ERR(p, file, line, "'set' without a directive name");
		return;
	}
	for (t = set_tables; *t != NULL; t++)
		for (d = *t; d->name != NULL; d++)
			if (strcmp(key, d->name) == 0) {
				conf_note_set(p->c, d->name, file, line);
				d->parse(p, d, file, line, rest);
				return;
			}
	ERR(p, file, line, "unknown directive 'set %s'; see "
	    "logward.conf(5) for the list", key);
}

static const struct line_directive core_lines[] = {
	{ "include",	LINE_ALWAYS,	include_line },
	{ "includedir",	LINE_ALWAYS,	include_line },
	{ "set",	LINE_ALWAYS,	set_line },
	{ NULL,		LINE_ALWAYS,	NULL }
};

/* The line directives, one table per file. */
static const struct line_directive *const line_tables[] = {
	core_lines,
	conf_rule_lines,
	conf_summary_lines,
	NULL
};

/* The line directive named word if it applies to this line, or NULL
 * (the line is then a rule). */
static const struct line_directive *
find_line(struct parser *p, const char *word, const char *rest)
{
	const struct line_directive *const *t;
	const struct line_directive *d;

	for (t = line_tables; *t != NULL; t++)
		for (d = *t; d->word != NULL; d++) {
			if (strcmp(word, d->word) != 0)
				continue;
			switch (d->when) {
			case LINE_ALWAYS:
				return d;
			case LINE_NO_QUEUE:
				return conf_queue_find(p->c, word) < 0 ? d : NULL;
			case LINE_ALONE:
				return *rest == '\0' ? d : NULL;
			}
		}
	return NULL;
}

static void
parse_line(struct parser *p, const char *file, int line, char *s)
{
	const struct line_directive *d;
	char *rest, *word;
	size_t len, trimmed;
	bool trailing_blank;

	s = str_skipspace(s);
	if (*s == '\0' || *s == '#')
		return;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	trailing_blank = len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t');
	trimmed = str_rtrim(s);
	(void)trimmed;
	p->trailing_blank = trailing_blank;

	rest = s;
	word = str_token(&rest);
	if ((d = find_line(p, word, rest)) != NULL) {
		d->parse(p, d, file, line, rest);
		return;
	}
	if (*rest != '\0') {
		conf_rule_add(p, file, line, word, rest, trailing_blank);
		return;
	}
	ERR(p, file, line, "'%s' is not a directive and has no regex after it; "
	    "a rule is 'QUEUE REGEX'", word);
}

static void
parse_file(struct parser *p, const char *path, const char *from_file,
    int from_line)
{
	const char *file;
	FILE *fp;
	char *linebuf = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0;

	if (p->depth >= MAX_INCLUDE_DEPTH) {
		ERR(p, from_file, from_line, "include %s: includes nested more "
		    "than %d deep (an include loop?)", path, MAX_INCLUDE_DEPTH);
		return;
	}
	fp = fopen(path, "r");
	if (fp == NULL) {
		if (from_file != NULL)
			ERR(p, from_file, from_line, "cannot open %s: %s", path,
			    strerror(errno));
		else
			ERR(p, NULL, 0, "cannot open configuration file %s: %s",
			    path, strerror(errno));
		return;
	}
	{
		struct stat st;
		int i;

		if (fstat(fileno(fp), &st) == 0) {
			for (i = 0; i < p->depth; i++) {
				if (p->stack_dev[i] == st.st_dev &&
				    p->stack_ino[i] == st.st_ino) {
					ERR(p, from_file, from_line, "include loop: %s "
					    "is already being read; remove this "
					    "include", path);
					fclose(fp);
					return;
				}
			}
			p->stack_dev[p->depth] = st.st_dev;
			p->stack_ino[p->depth] = st.st_ino;
		}
	}
	file = intern_file(p->c, path);
	p->depth++;
	while ((n = getline(&linebuf, &cap, fp)) != -1) {
		lineno++;
		if ((size_t)n > MAX_CONF_LINE) {
			ERR(p, file, lineno, "line longer than %d bytes",
			    MAX_CONF_LINE);
			continue;
		}
		if (memchr(linebuf, '\0', (size_t)n) != NULL) {
			ERR(p, file, lineno, "line contains a NUL byte; is this "
			    "a text file?");
			continue;
		}
		parse_line(p, file, lineno, linebuf);
	}
	if (ferror(fp))
		ERR(p, file, lineno, "read error: %s", strerror(errno));
	p->depth--;
	free(linebuf);
	fclose(fp);
}

static void
defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->sleep = 5;
	c->mailtimeout = 10;
	c->mask = xstrdup("______");
	c->masklen = 6;
	c->subject = xstrdup("tenshi report");
	c->max_line = 64 * 1024;
	c->max_entries = 50000;
	c->start_at_end = true;
	c->mail_rate = 60;
	c->partial_timeout = 10;
	c->rotate_grace = 10;
	c->checkpoint = 5;
	c->smtp_tls_verify = true;
	c->listen_max_conns = 256;
	c->listen_idle = 300;
	c->archive_sync_interval = 5;
	c->max_memory = 512ULL << 20;
	c->max_files = 4096;
	c->max_outbox = 1000;
}

void
conf_note_set(struct conf *c, const char *name, const char *file, int line)
{
	struct conf_setloc *l;

	c->setlocs = xreallocarray(c->setlocs, c->nsetlocs + 1,
	    sizeof(*c->setlocs));
	l = &c->setlocs[c->nsetlocs++];
	l->name = name;
	l->file = file;
	l->line = line;
}

const struct conf_setloc *
conf_set_where(const struct conf *c, const char *name)
{
	size_t i;

	for (i = c->nsetlocs; i-- > 0;)
		if (strcmp(c->setlocs[i].name, name) == 0)
			return &c->setlocs[i];
	return NULL;
}

int
conf_load(struct conf *c, const char *path)
{
	struct parser p;

	defaults(c);
	memset(&p, 0, sizeof(p));
	p.c = c;
	parse_file(&p, path, NULL, 0);
	conf_rule_finish(&p);
	conf_redis_finish(&p);
	conf_summary_finish(&p);
	conf_tmpl_finish(&p);
	free(p.groups);
	if (c->mailserver == NULL)
		c->mailserver = xstrdup("localhost");
	return c->nerrors ? -1 : 0;
}

void
conf_free(struct conf *c)
{
	size_t i;

	free(c->setlocs);
	strlist_free(&c->logfiles);
	strlist_free(&c->fifos);
	strlist_free(&c->listens);
	free(c->pidfile);
	free(c->uid);
	free(c->gid);
	free(c->mask);
	free(c->mailserver);
	free(c->subject);
	free(c->cachedir);
	free(c->statedir);
	free(c->spooldir);
	free(c->control);
	free(c->smtp_user);
	free(c->smtp_password_file);
	free(c->smtp_cafile);
	free(c->smtp_capath);
	free(c->helo);
	for (i = 0; i < c->nprefixes; i++)
		match_free(&c->prefixes[i].re);
	free(c->prefixes);
	for (i = 0; i < c->nqueues; i++)
		free_queue(&c->queues[i]);
	free(c->queues);
	for (i = 0; i < c->narchives; i++) {
		sel_free(c->archives[i].sel);
		free(c->archives[i].selector);
		free(c->archives[i].pattern);
	}
	free(c->archives);
	strlist_free(&c->journal_matches);
	strlist_free(&c->journal_files);
	free(c->journal_dir);
	for (i = 0; i < c->nrules; i++) {
		if (c->rules[i].sel != NULL)
			sel_free(c->rules[i].sel);
		if (c->rules[i].lc != NULL) {
			lcdb_free(c->rules[i].lc);
			free(c->rules[i].lc);
		}
		match_free(&c->rules[i].re);
		free(c->rules[i].targets);
		free(c->rules[i].qlist);
	}
	free(c->rules);
	conf_summary_free(c->summary);
	for (i = 0; i < c->ndiags; i++)
		free(c->diags[i].msg);
	free(c->diags);
	strlist_free(&c->files);
	conf_redis_free(c);
	conf_tmpl_free(c);
	memset(c, 0, sizeof(*c));
}

void
conf_print_diags(const struct conf *c, FILE *fp, bool with_warnings)
{
	size_t i;

	for (i = 0; i < c->ndiags; i++) {
		const struct diag *d = &c->diags[i];

		if (d->level == DIAG_WARNING && !with_warnings)
			continue;
		if (d->file != NULL && d->line > 0)
			fprintf(fp, "%s:%d: ", d->file, d->line);
		else if (d->file != NULL)
			fprintf(fp, "%s: ", d->file);
		fprintf(fp, "%s: %s\n", d->level == DIAG_ERROR ? "error" :
		    "warning", d->msg);
	}
}
