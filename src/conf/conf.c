/*
 * conf — configuration parser.
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
 */
#include "conf/conf.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deliver/archive.h"
#include "input/in_syslog_spec.h"
#include "conf/lcdb.h"
#include "conf/sel.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define MAX_INCLUDE_DEPTH	16
#define MAX_CONF_LINE		(1024 * 1024)

struct parser {
	struct conf	*c;
	size_t		*groups;	/* stack of open group rule indexes */
	size_t		 ngroups;
	int		 depth;		/* include depth */
	dev_t		 stack_dev[MAX_INCLUDE_DEPTH]; /* files being read, */
	ino_t		 stack_ino[MAX_INCLUDE_DEPTH]; /* outermost first */
	bool		 trailing_blank; /* the current line ended in blanks */
};

static void parse_file(struct parser *p, const char *path, const char *from_file,
    int from_line);

static void
strlist_add(struct strlist *l, const char *s)
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

static void __attribute__((format(printf, 5, 6)))
diag(struct conf *c, enum diag_level level, const char *file, int line,
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

#define ERR(p, f, l, ...)	diag((p)->c, DIAG_ERROR, f, l, __VA_ARGS__)
#define WARN(p, f, l, ...)	diag((p)->c, DIAG_WARNING, f, l, __VA_ARGS__)

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

static bool
is_builtin(const char *name)
{
	return strcmp(name, "trash") == 0 || strcmp(name, "repeat") == 0 ||
	    strcmp(name, "group") == 0 || strcmp(name, "group_host") == 0;
}

static void
warn_trailing(struct parser *p, const char *file, int line)
{
	WARN(p, file, line, "the regex ended in blanks, which logward strips "
	    "(tenshi keeps them as part of the regex); write '[ ]' or '\\s' "
	    "if a trailing blank must match");
}

/* Parses a whole unsigned decimal; tenshi's \d+ forms. */
static int
parse_uint(struct parser *p, const char *file, int line, const char *key,
    const char *val, unsigned long long max, unsigned long long *out)
{
	long long v;
	const char *errstr;

	if (val == NULL || str_tonum(val, 0, (long long)max, &v, &errstr) == -1 ||
	    *val == '-') {
		ERR(p, file, line, "set %s: '%s' is not a number from 0 to %llu",
		    key, val ? val : "", max);
		return -1;
	}
	*out = (unsigned long long)v;
	return 0;
}

static int
parse_onoff(struct parser *p, const char *file, int line, const char *key,
    const char *val, bool *out)
{
	if (val != NULL && strcmp(val, "on") == 0)
		*out = true;
	else if (val != NULL && strcmp(val, "off") == 0)
		*out = false;
	else {
		ERR(p, file, line, "set %s: expected 'on' or 'off', not '%s'",
		    key, val ? val : "");
		return -1;
	}
	return 0;
}

static void
extra_words(struct parser *p, const char *file, int line, const char *key,
    const char *rest)
{
	if (rest != NULL && *rest != '\0')
		WARN(p, file, line, "set %s: text after the value is ignored: '%s'",
		    key, rest);
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

/* set queue NAME FROM [pager:]TO [SPEC] [SUBJECT] */
static void
set_queue(struct parser *p, const char *file, int line, char *rest)
{
	struct conf *c = p->c;
	struct queue_def tmp, *q;
	char *name, *from, *to, *r, *out;
	const char *after;
	long idx;
	bool pager = false;

	name = str_token(&rest);
	from = str_token(&rest);
	to = str_token(&rest);
	if (name == NULL || from == NULL || to == NULL) {
		ERR(p, file, line, "set queue: expected 'set queue NAME FROM TO "
		    "[SCHEDULE] [SUBJECT]'");
		return;
	}
	if (is_builtin(name)) {
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
	if (*after != '\0') {
		free(q->subject);
		q->subject = xstrdup(after);
	}
}

/* set csv [SCHEDULE] PROGRAM [ARGS] */
static void
set_csv(struct parser *p, const char *file, int line, char *rest)
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
set_threshold(struct parser *p, const char *file, int line, char *rest)
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
	if (parse_uint(p, file, line, "threshold", count, UINT_MAX, &n) == -1)
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
		warn_trailing(p, file, line);
}

/* One word out of a fixed list; returns its index or -1 (error given). */
static int
one_of(struct parser *p, const char *file, int line, const char *key,
    char *rest, const char *const *words)
{
	char *val = str_token(&rest);
	struct buf b;
	int i;

	for (i = 0; val != NULL && words[i] != NULL; i++)
		if (strcmp(val, words[i]) == 0) {
			extra_words(p, file, line, key, rest);
			return i;
		}
	buf_init(&b, 1024);
	for (i = 0; words[i] != NULL; i++)
		buf_printf(&b, "%s'%s'", i == 0 ? "" : words[i + 1] ? ", " :
		    " or ", words[i]);
	ERR(p, file, line, "set %s: expected %s, not '%s'", key, buf_str(&b),
	    val != NULL ? val : "");
	buf_free(&b);
	return -1;
}

/* One path-like word into *dst. */
static void
set_word(struct parser *p, const char *file, int line, const char *key,
    char *rest, char **dst)
{
	char *val = str_token(&rest);

	if (val == NULL) {
		ERR(p, file, line, "set %s: expected a value", key);
		return;
	}
	extra_words(p, file, line, key, rest);
	free(*dst);
	*dst = xstrdup(val);
}

/* FIELD=VALUE with FIELD in journald's alphabet. */
static bool
journal_term_ok(const char *t)
{
	const char *eq = strchr(t, '=');
	const char *q;

	if (eq == NULL || eq == t || (*t >= '0' && *t <= '9'))
		return false;
	for (q = t; q < eq; q++)
		if (!((*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
		    *q == '_'))
			return false;
	return true;
}

/* The daemon's directives (logward extensions).  Returns true when key
 * is one of them. */
static bool
daemon_directive(struct parser *p, const char *file, int line,
    const char *key, char *rest)
{
	static const char *const start_at[] = { "end", "beginning", NULL };
	static const char *const tls[] = { "none", "starttls", "tls", NULL };
	static const char *const logto[] = { "stderr", "syslog", NULL };
	static const char *const onoff[] = { "off", "on", NULL };
	static const struct { const char *key; size_t off; unsigned max; } nums[] = {
		{ "mail_rate", offsetof(struct conf, mail_rate), 100000 },
		{ "partial_timeout", offsetof(struct conf, partial_timeout), 3600 },
		{ "rotate_grace", offsetof(struct conf, rotate_grace), 3600 },
		{ "checkpoint", offsetof(struct conf, checkpoint), 3600 },
		{ "listen_max_conns", offsetof(struct conf, listen_max_conns), 100000 },
		{ "listen_idle", offsetof(struct conf, listen_idle), 86400 },
		{ "max_files", offsetof(struct conf, max_files), 1000000 },
		{ "max_outbox", offsetof(struct conf, max_outbox), 1000000 },
	};
	static const struct { const char *key; size_t off; } words[] = {
		{ "statedir", offsetof(struct conf, statedir) },
		{ "spooldir", offsetof(struct conf, spooldir) },
		{ "control", offsetof(struct conf, control) },
		{ "smtp_user", offsetof(struct conf, smtp_user) },
		{ "smtp_password_file", offsetof(struct conf, smtp_password_file) },
		{ "smtp_cafile", offsetof(struct conf, smtp_cafile) },
		{ "smtp_capath", offsetof(struct conf, smtp_capath) },
		{ "helo", offsetof(struct conf, helo) },
		{ "journal_dir", offsetof(struct conf, journal_dir) },
	};
	struct conf *c = p->c;
	unsigned long long n;
	size_t i;
	int k;

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (strcmp(key, nums[i].key) != 0)
			continue;
		if (parse_uint(p, file, line, key, str_token(&rest),
		    nums[i].max, &n) == 0) {
			extra_words(p, file, line, key, rest);
			*(unsigned *)(void *)((char *)c + nums[i].off) = (unsigned)n;
		}
		return true;
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(key, words[i].key) != 0)
			continue;
		set_word(p, file, line, key, rest,
		    (char **)(void *)((char *)c + words[i].off));
		return true;
	}
	if (strcmp(key, "max_memory") == 0) {
		char *val = str_token(&rest), *end;
		unsigned long long v;

		errno = 0;
		v = val != NULL ? strtoull(val, &end, 10) : 0;
		if (val == NULL || end == val || errno != 0 || *val == '-' ||
		    (*end != '\0' && end[1] != '\0') ||
		    (*end != '\0' && strchr("kKmMgG", *end) == NULL)) {
			ERR(p, file, line, "set max_memory: expected a size such "
			    "as 256M or 2G (K, M, G: powers of 1024), or 0 for "
			    "no cap, not '%s'", val ? val : "");
			return true;
		}
		if (*end == 'k' || *end == 'K')
			v <<= 10;
		else if (*end == 'm' || *end == 'M')
			v <<= 20;
		else if (*end == 'g' || *end == 'G')
			v <<= 30;
		if (v != 0 && v < (16ULL << 20)) {
			ERR(p, file, line, "set max_memory: %s is too small; "
			    "logward needs 16M at least", val);
			return true;
		}
		extra_words(p, file, line, key, rest);
		c->max_memory = v;
	} else if (strcmp(key, "journal") == 0) {
		char *term;

		c->journal = true;
		while ((term = str_token(&rest)) != NULL) {
			if (!journal_term_ok(term)) {
				ERR(p, file, line, "set journal: '%s' is not a "
				    "FIELD=VALUE match (FIELD: upper-case letters, "
				    "digits and '_', e.g. _SYSTEMD_UNIT=ssh.service "
				    "or PRIORITY=0..4)", term);
				continue;
			}
			strlist_add(&c->journal_matches, term);
		}
	} else if (strcmp(key, "journal_file") == 0) {
		char *val = str_token(&rest);

		if (val == NULL) {
			ERR(p, file, line, "set journal_file: expected a file");
			return true;
		}
		extra_words(p, file, line, key, rest);
		c->journal = true;
		strlist_add(&c->journal_files, val);
	} else if (strcmp(key, "archive_sync") == 0) {
		char *val = str_token(&rest);
		long long v;
		const char *errstr;

		if (val != NULL && strcmp(val, "none") == 0)
			c->archive_sync = 0;
		else if (val != NULL && strcmp(val, "every") == 0)
			c->archive_sync = 1;
		else if (val != NULL && str_tonum(val, 1, 3600, &v, &errstr) == 0) {
			c->archive_sync = 2;
			c->archive_sync_interval = (unsigned)v;
		} else {
			ERR(p, file, line, "set archive_sync: expected 'none', "
			    "'every' or a number of seconds (1 to 3600), not "
			    "'%s'", val ? val : "");
			return true;
		}
		extra_words(p, file, line, key, rest);
	} else if (strcmp(key, "start_at") == 0) {
		if ((k = one_of(p, file, line, key, rest, start_at)) >= 0)
			c->start_at_end = k == 0;
	} else if (strcmp(key, "smtp_tls") == 0) {
		if ((k = one_of(p, file, line, key, rest, tls)) >= 0)
			c->smtp_tls = k;
	} else if (strcmp(key, "smtp_tls_verify") == 0) {
		if ((k = one_of(p, file, line, key, rest, onoff)) >= 0)
			c->smtp_tls_verify = k == 1;
	} else if (strcmp(key, "log") == 0) {
		if ((k = one_of(p, file, line, key, rest, logto)) >= 0)
			c->log_syslog = k == 1;
	} else
		return false;
	return true;
}

static void
set_directive(struct parser *p, const char *file, int line, char *rest)
{
	struct conf *c = p->c;
	char *key, *val, *whole, err[256];
	unsigned long long n;

	key = str_token(&rest);
	if (key == NULL) {
		ERR(p, file, line, "'set' without a directive name");
		return;
	}
	whole = rest;		/* the value as the rest of the line */
	if (strcmp(key, "logfile") == 0 || strcmp(key, "fifo") == 0 ||
	    strcmp(key, "pidfile") == 0 || strcmp(key, "listen") == 0) {
		val = str_token(&rest);
		if (val == NULL) {
			ERR(p, file, line, "set %s: expected a value", key);
			return;
		}
		extra_words(p, file, line, key, rest);
		if (strcmp(key, "logfile") == 0)
			strlist_add(&c->logfiles, val);
		else if (strcmp(key, "fifo") == 0)
			strlist_add(&c->fifos, val);
		else if (strcmp(key, "listen") == 0) {
			enum in_syslog_proto proto;
			char addr[256], port[1024];

			if (in_syslog_spec_parse(val, &proto, addr, sizeof(addr),
			    port, sizeof(port), err, sizeof(err)) == -1) {
				ERR(p, file, line, "set listen %s: %s", val, err);
				return;
			}
			strlist_add(&c->listens, val);
		}
		else {
			free(c->pidfile);
			c->pidfile = xstrdup(val);
		}
	} else if (strcmp(key, "tail") == 0 || strcmp(key, "tail_multiple") == 0) {
		WARN(p, file, line, "set %s is ignored: logward reads log files "
		    "itself", key);
	} else if (strcmp(key, "uid") == 0 || strcmp(key, "gid") == 0) {
		if (*whole == '\0') {
			ERR(p, file, line, "set %s: expected a %s name", key,
			    key[0] == 'u' ? "user" : "group");
			return;
		}
		if (key[0] == 'u') {
			free(c->uid);
			c->uid = xstrdup(whole);
		} else {
			free(c->gid);
			c->gid = xstrdup(whole);
		}
	} else if (strcmp(key, "sleep") == 0 || strcmp(key, "limit") == 0 ||
	    strcmp(key, "pager_limit") == 0 || strcmp(key, "mailtimeout") == 0 ||
	    strcmp(key, "max_line") == 0 || strcmp(key, "max_entries") == 0) {
		val = str_token(&rest);
		if (parse_uint(p, file, line, key, val, UINT_MAX, &n) == -1)
			return;
		extra_words(p, file, line, key, rest);
		if (strcmp(key, "sleep") == 0) {
			if (n > 60)
				WARN(p, file, line, "set sleep %llu: more than 60 "
				    "seconds between queue checks delays [now] "
				    "reports", n);
			c->sleep = (unsigned)n;
		} else if (strcmp(key, "limit") == 0)
			c->limit = (unsigned)n;
		else if (strcmp(key, "pager_limit") == 0)
			c->pager_limit = (unsigned)n;
		else if (strcmp(key, "mailtimeout") == 0)
			c->mailtimeout = (unsigned)n;
		else if (strcmp(key, "max_line") == 0) {
			if (n < 256 || n > 16 * 1024 * 1024) {
				ERR(p, file, line, "set max_line: %llu is out of "
				    "range (256 to 16777216 bytes)", n);
				return;
			}
			c->max_line = (size_t)n;
		} else {
			if (n == 0) {
				ERR(p, file, line, "set max_entries: must be "
				    "greater than zero");
				return;
			}
			c->max_entries = (size_t)n;
		}
	} else if (strcmp(key, "mask") == 0) {
		/* "set mask" alone gives the empty mask, as in tenshi */
		val = str_token(&rest);
		extra_words(p, file, line, key, rest);
		free(c->mask);
		c->mask = xstrdup(val != NULL ? val : "");
		c->masklen = strlen(c->mask);
	} else if (strcmp(key, "mailserver") == 0 || strcmp(key, "subject") == 0) {
		if (*whole == '\0') {
			ERR(p, file, line, "set %s: expected a value", key);
			return;
		}
		if (key[1] == 'a') {
			free(c->mailserver);
			c->mailserver = xstrdup(whole);
		} else {
			free(c->subject);
			c->subject = xstrdup(whole);
		}
	} else if (strcmp(key, "hidepid") == 0 || strcmp(key, "resolve") == 0) {
		val = str_token(&rest);
		if (parse_onoff(p, file, line, key, val,
		    key[0] == 'h' ? &c->hidepid : &c->resolve) == 0)
			extra_words(p, file, line, key, rest);
	} else if (strcmp(key, "sort_order") == 0) {
		val = str_token(&rest);
		if (val != NULL && strcmp(val, "ascending") == 0)
			c->sort_ascending = true;
		else if (val != NULL && strcmp(val, "descending") == 0)
			c->sort_ascending = false;
		else {
			ERR(p, file, line, "set sort_order: expected 'ascending' "
			    "or 'descending', not '%s'", val ? val : "");
			return;
		}
		extra_words(p, file, line, key, rest);
	} else if (strcmp(key, "logprefix") == 0) {
		struct logprefix *lp;

		if (*whole == '\0') {
			ERR(p, file, line, "set logprefix: expected a regex");
			return;
		}
		c->prefixes = xreallocarray(c->prefixes, c->nprefixes + 1,
		    sizeof(*c->prefixes));
		lp = &c->prefixes[c->nprefixes];
		if (match_compile(&lp->re, whole, err, sizeof(err)) == -1) {
			ERR(p, file, line, "set logprefix: bad regex '%s': %s",
			    whole, err);
			return;
		}
		if (lp->re.ncap < 1) {
			ERR(p, file, line, "set logprefix: the regex '%s' has no "
			    "capture group; put the host name in parentheses, "
			    "e.g. '^\\S+ (\\S+)\\s'", whole);
			match_free(&lp->re);
			return;
		}
		lp->file = file;
		lp->line = line;
		c->nprefixes++;
		if (p->trailing_blank)
			warn_trailing(p, file, line);
	} else if (strcmp(key, "engine") == 0) {
		val = str_token(&rest);
		if (val != NULL && strcmp(val, "pcre2") == 0)
			c->engine_pcre2 = true;
		else if (val != NULL && strcmp(val, "hyperscan") == 0)
			c->engine_pcre2 = false;
		else {
			ERR(p, file, line, "set engine: expected 'hyperscan' or "
			    "'pcre2', not '%s'", val ? val : "");
			return;
		}
		extra_words(p, file, line, key, rest);
	} else if (strcmp(key, "cachedir") == 0) {
		val = str_token(&rest);
		if (val == NULL) {
			ERR(p, file, line, "set cachedir: expected a directory");
			return;
		}
		extra_words(p, file, line, key, rest);
		free(c->cachedir);
		c->cachedir = xstrdup(val);
	} else if (daemon_directive(p, file, line, key, rest)) {
		/* handled */
	} else if (strcmp(key, "queue") == 0) {
		set_queue(p, file, line, rest);
	} else if (strcmp(key, "csv") == 0) {
		set_csv(p, file, line, rest);
	} else if (strcmp(key, "threshold") == 0) {
		set_threshold(p, file, line, rest);
	} else if (strcmp(key, "filter") == 0) {
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
	} else {
		ERR(p, file, line, "unknown directive 'set %s'; see "
		    "logward.conf(5) for the list", key);
	}
}

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
static void
add_rule(struct parser *p, const char *file, int line, char *qlist,
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
		if (is_builtin(item)) {
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
		warn_trailing(p, file, line);
	c->rules = xreallocarray(c->rules, c->nrules + 1, sizeof(*c->rules));
	c->rules[c->nrules] = r;
	if (r.kind == RULE_GROUP || r.kind == RULE_GROUP_HOST) {
		p->groups = xreallocarray(p->groups, p->ngroups + 1,
		    sizeof(*p->groups));
		p->groups[p->ngroups++] = c->nrules;
	}
	c->nrules++;
}

static char *resolve_path(const char *from, const char *path);

/* select SELECTOR: a prefilter like group, on facility, level, program
 * and host (syslog.conf selectors), closed by select_end. */
static void
add_select(struct parser *p, const char *file, int line, char *rest)
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
add_archive(struct parser *p, const char *file, int line, char *rest)
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
add_logcheck(struct parser *p, const char *file, int line, char *rest)
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
	path = resolve_path(file, dir);
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

static const char *
intern_file(struct conf *c, const char *path)
{
	strlist_add(&c->files, path);
	return c->files.v[c->files.n - 1];
}

/* Resolves a path named in file 'from' against from's directory. */
static char *
resolve_path(const char *from, const char *path)
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

static void
parse_line(struct parser *p, const char *file, int line, char *s)
{
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
	if (strcmp(word, "include") == 0 || strcmp(word, "includedir") == 0) {
		char *arg = str_token(&rest), *path;

		if (arg == NULL) {
			ERR(p, file, line, "%s: expected a path", word);
			return;
		}
		if (*rest != '\0')
			WARN(p, file, line, "%s: text after the path is ignored: "
			    "'%s'", word, rest);
		path = resolve_path(file, arg);
		if (word[7] == '\0')
			parse_file(p, path, file, line);
		else
			include_dir(p, file, line, path);
		free(path);
		return;
	}
	if (strcmp(word, "set") == 0) {
		set_directive(p, file, line, rest);
		return;
	}
	/* a queue named "logcheck" keeps the word for rules, as in tenshi */
	if (strcmp(word, "logcheck") == 0 && conf_queue_find(p->c,
	    "logcheck") < 0) {
		add_logcheck(p, file, line, rest);
		return;
	}
	/* as with logcheck: a queue of that name keeps the word for rules */
	if (strcmp(word, "select") == 0 && conf_queue_find(p->c, "select") < 0) {
		add_select(p, file, line, rest);
		return;
	}
	if (strcmp(word, "archive") == 0 && conf_queue_find(p->c,
	    "archive") < 0) {
		add_archive(p, file, line, rest);
		return;
	}
	if (*rest != '\0') {
		add_rule(p, file, line, word, rest, trailing_blank);
		return;
	}
	if (strcmp(word, "select_end") == 0) {
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
		return;
	}
	if (strcmp(word, "group_end") == 0) {
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

int
conf_load(struct conf *c, const char *path)
{
	struct parser p;
	size_t i;

	defaults(c);
	memset(&p, 0, sizeof(p));
	p.c = c;
	parse_file(&p, path, NULL, 0);
	for (i = 0; i < p.ngroups; i++) {
		const struct rule *r;

		if (p.groups[i] == FAILED_GROUP || p.groups[i] == FAILED_SELECT)
			continue;
		r = &c->rules[p.groups[i]];

		ERR(&p, r->file, r->line, "%s opened here is never closed; add "
		    "'%s' after its rules",
		    r->kind == RULE_GROUP ? "group" : r->kind == RULE_SELECT ?
		    "select" : "group_host",
		    r->kind == RULE_SELECT ? "select_end" : "group_end");
	}
	free(p.groups);
	if (c->mailserver == NULL)
		c->mailserver = xstrdup("localhost");
	return c->nerrors ? -1 : 0;
}

void
conf_free(struct conf *c)
{
	size_t i;

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
	for (i = 0; i < c->ndiags; i++)
		free(c->diags[i].msg);
	free(c->diags);
	strlist_free(&c->files);
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
