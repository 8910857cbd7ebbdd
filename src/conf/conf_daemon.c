/*
 * conf_daemon — the daemon's set directives (logward extensions).
 *
 * Plain numbers and path-like words need no handler of their own: their
 * table entry names the field of struct conf (and the largest number),
 * and set_num or set_word fills it.
 */
#include "conf/conf_daemon.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "input/in_syslog_spec.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xmem.h"
#include "conf/conf_set.h"

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
			conf_set_extra(p, file, line, key, rest);
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

/* A number from 0 to d->max into the unsigned field at d->off. */
static void
set_num(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	unsigned long long n;

	if (conf_set_uint(p, file, line, d->name, str_token(&rest), d->max,
	    &n) == 0) {
		conf_set_extra(p, file, line, d->name, rest);
		*(unsigned *)(void *)((char *)p->c + d->off) = (unsigned)n;
	}
}

/* One path-like word into the char * field at d->off. */
static void
set_word(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	char **dst = (char **)(void *)((char *)p->c + d->off);
	char *val = str_token(&rest);

	if (val == NULL) {
		ERR(p, file, line, "set %s: expected a value", d->name);
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
	free(*dst);
	*dst = xstrdup(val);
}

/* set listen SPEC: checked here, so lint reports a bad one */
static void
set_listen(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct conf *c = p->c;
	const char *key = d->name;
	char *val, err[256];
	enum in_syslog_proto proto;
	char addr[256], port[1024];

	val = str_token(&rest);
	if (val == NULL) {
		ERR(p, file, line, "set %s: expected a value", key);
		return;
	}
	conf_set_extra(p, file, line, key, rest);
	if (in_syslog_spec_parse(val, &proto, addr, sizeof(addr),
	    port, sizeof(port), err, sizeof(err)) == -1) {
		ERR(p, file, line, "set listen %s: %s", val, err);
		return;
	}
	conf_strlist_add(&c->listens, val);
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

static void
set_max_memory(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	struct conf *c = p->c;
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
		return;
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
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
	c->max_memory = v;
}

static void
set_journal(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	struct conf *c = p->c;
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
		conf_strlist_add(&c->journal_matches, term);
	}
}

static void
set_journal_file(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	struct conf *c = p->c;
	char *val = str_token(&rest);

	if (val == NULL) {
		ERR(p, file, line, "set journal_file: expected a file");
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
	c->journal = true;
	conf_strlist_add(&c->journal_files, val);
}

/* set journal_dir DIR: read that directory's journal, which implies
 * set journal (alone it used to read nothing, silently) */
static void
set_journal_dir(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	set_word(p, d, file, line, rest);
	if (p->c->journal_dir != NULL)
		p->c->journal = true;
}

static void
set_archive_sync(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	struct conf *c = p->c;
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
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
}

static void
set_start_at(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	static const char *const start_at[] = { "end", "beginning", NULL };
	int k;

	if ((k = one_of(p, file, line, d->name, rest, start_at)) >= 0)
		p->c->start_at_end = k == 0;
}

static void
set_smtp_tls(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	static const char *const tls[] = { "none", "starttls", "tls", NULL };
	int k;

	if ((k = one_of(p, file, line, d->name, rest, tls)) >= 0)
		p->c->smtp_tls = k;
}

static void
set_smtp_tls_verify(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	static const char *const onoff[] = { "off", "on", NULL };
	int k;

	if ((k = one_of(p, file, line, d->name, rest, onoff)) >= 0)
		p->c->smtp_tls_verify = k == 1;
}

static void
set_log(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	static const char *const logto[] = { "stderr", "syslog", NULL };
	int k;

	if ((k = one_of(p, file, line, d->name, rest, logto)) >= 0)
		p->c->log_syslog = k == 1;
}

#define NUM(name, max)	{ #name, set_num, offsetof(struct conf, name), max }
#define WORD(name)	{ #name, set_word, offsetof(struct conf, name), 0 }

const struct set_directive conf_daemon_directives[] = {
	{ "listen",		set_listen,		0, 0 },
	NUM(mail_rate, 100000),
	NUM(partial_timeout, 3600),
	NUM(rotate_grace, 3600),
	NUM(checkpoint, 3600),
	NUM(listen_max_conns, 100000),
	NUM(listen_idle, 86400),
	NUM(max_files, 1000000),
	NUM(max_outbox, 1000000),
	WORD(statedir),
	WORD(spooldir),
	WORD(control),
	WORD(smtp_user),
	WORD(smtp_password_file),
	WORD(smtp_cafile),
	WORD(smtp_capath),
	WORD(helo),
	{ "journal_dir",	set_journal_dir,	offsetof(struct conf, journal_dir), 0 },
	{ "max_memory",		set_max_memory,		0, 0 },
	{ "journal",		set_journal,		0, 0 },
	{ "journal_file",	set_journal_file,	0, 0 },
	{ "archive_sync",	set_archive_sync,	0, 0 },
	{ "start_at",		set_start_at,		0, 0 },
	{ "smtp_tls",		set_smtp_tls,		0, 0 },
	{ "smtp_tls_verify",	set_smtp_tls_verify,	0, 0 },
	{ "log",		set_log,		0, 0 },
	{ NULL,			NULL,			0, 0 }
};
