/*
 * conf_set — tenshi's set directives and the value parsers all set
 * directives share.
 *
 * Each entry of conf_set_directives names a directive and its handler;
 * directives that tenshi parses alike (logfile/fifo/pidfile, the counts,
 * hidepid/resolve, ...) share one handler that tells them apart by name.
 */
#include "conf/conf_set.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/match.h"
#include "lib/str.h"
#include "lib/xmem.h"

int
conf_set_uint(struct parser *p, const char *file, int line, const char *key,
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

void
conf_set_extra(struct parser *p, const char *file, int line, const char *key,
    const char *rest)
{
	if (rest != NULL && *rest != '\0')
		WARN(p, file, line, "set %s: text after the value is ignored: '%s'",
		    key, rest);
}

/* set logfile|fifo|pidfile PATH */
static void
set_path(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct conf *c = p->c;
	const char *key = d->name;
	char *val;

	val = str_token(&rest);
	if (val == NULL) {
		ERR(p, file, line, "set %s: expected a value", key);
		return;
	}
	conf_set_extra(p, file, line, key, rest);
	if (strcmp(key, "logfile") == 0)
		conf_strlist_add(&c->logfiles, val);
	else if (strcmp(key, "fifo") == 0)
		conf_strlist_add(&c->fifos, val);
	else {
		free(c->pidfile);
		c->pidfile = xstrdup(val);
	}
}

/* set tail|tail_multiple: tenshi's way of reading logs */
static void
set_ignored(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	WARN(p, file, line, "set %s is ignored: logward reads log files "
	    "itself", d->name);
}

/* set uid|gid NAME: the rest of the line */
static void
set_owner(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct conf *c = p->c;
	const char *key = d->name;
	char *whole = rest;	/* the value as the rest of the line */

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
}

/* set sleep|limit|pager_limit|mailtimeout|max_line|max_entries N */
static void
set_count(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct conf *c = p->c;
	const char *key = d->name;
	unsigned long long n;
	char *val;

	val = str_token(&rest);
	if (conf_set_uint(p, file, line, key, val, UINT_MAX, &n) == -1)
		return;
	conf_set_extra(p, file, line, key, rest);
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
}

static void
set_mask(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct conf *c = p->c;
	char *val;

	/* "set mask" alone gives the empty mask, as in tenshi */
	val = str_token(&rest);
	conf_set_extra(p, file, line, d->name, rest);
	free(c->mask);
	c->mask = xstrdup(val != NULL ? val : "");
	c->masklen = strlen(c->mask);
}

/* set mailserver|subject TEXT: the rest of the line */
static void
set_text(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct conf *c = p->c;
	const char *key = d->name;
	char *whole = rest;	/* the value as the rest of the line */

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
}

/* set hidepid|resolve on|off */
static void
set_flag(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct conf *c = p->c;
	const char *key = d->name;
	char *val;

	val = str_token(&rest);
	if (parse_onoff(p, file, line, key, val,
	    key[0] == 'h' ? &c->hidepid : &c->resolve) == 0)
		conf_set_extra(p, file, line, key, rest);
}

static void
set_sort_order(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	struct conf *c = p->c;
	char *val;

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
	conf_set_extra(p, file, line, d->name, rest);
}

/* set logprefix REGEX: the rest of the line */
static void
set_logprefix(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	struct conf *c = p->c;
	struct logprefix *lp;
	char *whole = rest, err[256];	/* the value as the rest of the line */

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
		conf_warn_trailing(p, file, line);
}

static void
set_engine(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct conf *c = p->c;
	char *val;

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
	conf_set_extra(p, file, line, d->name, rest);
}

static void
set_cachedir(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	struct conf *c = p->c;
	char *val;

	val = str_token(&rest);
	if (val == NULL) {
		ERR(p, file, line, "set cachedir: expected a directory");
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
	free(c->cachedir);
	c->cachedir = xstrdup(val);
}

const struct set_directive conf_set_directives[] = {
	{ "logfile",		set_path,	0, 0 },
	{ "fifo",		set_path,	0, 0 },
	{ "pidfile",		set_path,	0, 0 },
	{ "tail",		set_ignored,	0, 0 },
	{ "tail_multiple",	set_ignored,	0, 0 },
	{ "uid",		set_owner,	0, 0 },
	{ "gid",		set_owner,	0, 0 },
	{ "sleep",		set_count,	0, 0 },
	{ "limit",		set_count,	0, 0 },
	{ "pager_limit",	set_count,	0, 0 },
	{ "mailtimeout",	set_count,	0, 0 },
	{ "max_line",		set_count,	0, 0 },
	{ "max_entries",	set_count,	0, 0 },
	{ "mask",		set_mask,	0, 0 },
	{ "mailserver",		set_text,	0, 0 },
	{ "subject",		set_text,	0, 0 },
	{ "hidepid",		set_flag,	0, 0 },
	{ "resolve",		set_flag,	0, 0 },
	{ "sort_order",		set_sort_order,	0, 0 },
	{ "logprefix",		set_logprefix,	0, 0 },
	{ "engine",		set_engine,	0, 0 },
	{ "cachedir",		set_cachedir,	0, 0 },
	{ NULL,			NULL,		0, 0 }
};
