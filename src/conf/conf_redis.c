/*
 * conf_redis — Redis directives (see conf_redis.h and logward.conf(5),
 * "Redis and partitions").
 */
#include "conf/conf_redis.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf_set.h"
#include "lib/rconn.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define NAME_MAX_LEN	64	/* instance names and the key prefix */

static void
set_redis(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	struct redis_conf *rc = &p->c->redis;
	struct rconn_url u;
	char *val = str_token(&rest), err[512];

	if (val == NULL) {
		ERR(p, file, line, "set redis: expected a URL such as "
		    "redis://127.0.0.1:6379 or unix:/run/redis/redis.sock");
		return;
	}
	if (rconn_url_parse(val, &u, err, sizeof(err)) == -1) {
		ERR(p, file, line, "set redis: %s", err);
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
	free(rc->url);
	rc->url = xstrdup(val);
	rc->file = file;
	rc->line = line;
}

/* A name made of letters, digits, '.', '_' and '-'. */
static bool
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

static void
set_name(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	char **dst = (char **)(void *)((char *)&p->c->redis + d->off);
	char *val = str_token(&rest);

	if (val == NULL || !name_ok(val)) {
		ERR(p, file, line, "set %s: expected a name of up to %d "
		    "letters, digits, '.', '_' or '-', not '%s'", d->name,
		    NAME_MAX_LEN, val != NULL ? val : "");
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
	free(*dst);
	*dst = xstrdup(val);
}

static void
set_path(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	char **dst = (char **)(void *)((char *)&p->c->redis + d->off);
	char *val = str_token(&rest);

	if (val == NULL) {
		ERR(p, file, line, "set %s: expected a value", d->name);
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
	free(*dst);
	*dst = xstrdup(val);
}

static void
set_count(struct parser *p, const struct set_directive *d, const char *file,
    int line, char *rest)
{
	unsigned long long n;

	if (conf_set_uint(p, file, line, d->name, str_token(&rest), d->max,
	    &n) == -1)
		return;
	if (n == 0) {
		ERR(p, file, line, "set %s: must be at least 1", d->name);
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
	if (strcmp(d->name, "partitions") == 0)
		p->c->redis.partitions = (unsigned)n;
	else if (strcmp(d->name, "lease") == 0)
		p->c->redis.lease = (unsigned)n;
	else
		p->c->redis.max_stream = n;
}

/* tenshi: set redisqueue NAME (repeatable) */
static void
set_redisqueue(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	char *val = str_token(&rest);

	if (val == NULL) {
		ERR(p, file, line, "set redisqueue: expected the name of a "
		    "Redis list");
		return;
	}
	conf_set_extra(p, file, line, d->name, rest);
	conf_strlist_add(&p->c->redis.lists, val);
}

/* tenshi: set redisserver HOST[:PORT] */
static void
set_redisserver(struct parser *p, const struct set_directive *d,
    const char *file, int line, char *rest)
{
	struct redis_conf *rc = &p->c->redis;
	struct rconn_url u;
	char *val = str_token(&rest), err[512], *url;

	if (val == NULL) {
		ERR(p, file, line, "set redisserver: expected HOST[:PORT]");
		return;
	}
	url = xasprintf("redis://%s", val);
	if (rconn_url_parse(url, &u, err, sizeof(err)) == -1 ||
	    strchr(val, '/') != NULL || strchr(val, '@') != NULL) {
		ERR(p, file, line, "set redisserver: expected HOST[:PORT] as "
		    "in tenshi, not '%s'", val);
		free(url);
		return;
	}
	free(url);
	conf_set_extra(p, file, line, d->name, rest);
	free(rc->list_server);
	rc->list_server = xstrdup(val);
}

#define RNAME(name, fn)	{ #name, fn, offsetof(struct redis_conf, name), 0 }

const struct set_directive conf_redis_directives[] = {
	{ "redis",		set_redis,		0, 0 },
	{ "redis_password_file", set_path,
	    offsetof(struct redis_conf, password_file), 0 },
	{ "redis_prefix",	set_name,
	    offsetof(struct redis_conf, prefix), 0 },
	RNAME(instance, set_name),
	{ "partitions",		set_count,		0, 4096 },
	{ "lease",		set_count,		0, 3600 },
	{ "redis_max_stream",	set_count,		0, 1000000000 },
	{ "redisqueue",		set_redisqueue,		0, 0 },
	{ "redisserver",	set_redisserver,	0, 0 },
	{ NULL,			NULL,			0, 0 }
};

void
conf_redis_finish(struct parser *p)
{
	const struct redis_conf *rc = &p->c->redis;

	if (rc->partitions > 0 && rc->url == NULL)
		ERR(p, NULL, 0, "set partitions needs set redis: the "
		    "partitions are Redis streams (add 'set redis "
		    "redis://HOST:PORT')");
	if (rc->list_server != NULL && rc->lists.n == 0)
		conf_diag(p->c, DIAG_WARNING, NULL, 0, "set redisserver "
		    "without set redisqueue: no Redis list is read");
}

void
conf_redis_free(struct conf *c)
{
	struct redis_conf *rc = &c->redis;
	size_t i;

	free(rc->url);
	free(rc->password_file);
	free(rc->prefix);
	free(rc->instance);
	free(rc->list_server);
	for (i = 0; i < rc->lists.n; i++)
		free(rc->lists.v[i]);
	free(rc->lists.v);
	memset(rc, 0, sizeof(*rc));
}
