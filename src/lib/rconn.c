/*
 * rconn — a blocking Redis connection with reconnects, AUTH/SELECT and
 * scripts by SHA (see rconn.h for the hiredis subset used).
 */
#include "lib/rconn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define MAX_ARGS	64	/* rconn_cmdv */

struct rconn {
	struct rconn_url u;
	char		*what;		/* owned: who uses it, for messages */
	char		 where[300];	/* host:port or path */
	redisContext	*c;		/* NULL while not connected */
	double		 next_try;	/* mono: no connect attempt before */
	bool		 down;		/* an outage was logged */
	char		 err[256];
};

static int
copy_part(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int
parse_int(const char *s, size_t n, long long max, int *out)
{
	char tmp[16];
	long long v;
	const char *errstr;

	if (n == 0 || copy_part(tmp, sizeof(tmp), s, n) == -1 ||
	    str_tonum(tmp, 0, max, &v, &errstr) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

int
rconn_url_parse(const char *url, struct rconn_url *u, char *err,
    size_t errlen)
{
	const char *p, *at, *hostend, *slash, *colon;

	memset(u, 0, sizeof(*u));
	u->port = 6379;
	if (strncmp(url, "unix:", 5) == 0) {
		const char *q;

		p = url + 5;
		while (p[0] == '/' && p[1] == '/')
			p++;
		q = strchr(p, '?');
		if (*p != '/' || copy_part(u->path, sizeof(u->path), p,
		    q ? (size_t)(q - p) : strlen(p)) == -1) {
			snprintf(err, errlen, "'%s': expected unix:/PATH/TO/SOCKET "
			    "(an absolute path, at most %zu bytes)", url,
			    sizeof(u->path) - 1);
			return -1;
		}
		if (q != NULL && (strncmp(q, "?db=", 4) != 0 ||
		    parse_int(q + 4, strlen(q + 4), 100000, &u->db) == -1)) {
			snprintf(err, errlen, "'%s': after the path only ?db=N "
			    "is understood", url);
			return -1;
		}
		return 0;
	}
	if (strncmp(url, "redis://", 8) != 0) {
		snprintf(err, errlen, "'%s' is not a Redis URL: expected "
		    "redis://[:PASSWORD@]HOST[:PORT][/DB] or unix:/PATH", url);
		return -1;
	}
	p = url + 8;
	slash = strchr(p, '/');
	at = memchr(p, '@', slash ? (size_t)(slash - p) : strlen(p));
	if (at != NULL) {
		colon = memchr(p, ':', (size_t)(at - p));
		if (colon == NULL ? copy_part(u->password, sizeof(u->password),
		    p, (size_t)(at - p)) == -1 :
		    copy_part(u->user, sizeof(u->user), p, (size_t)(colon - p)) == -1 ||
		    copy_part(u->password, sizeof(u->password), colon + 1,
		    (size_t)(at - colon - 1)) == -1) {
			snprintf(err, errlen, "the user or password in the Redis "
			    "URL is too long");
			return -1;
		}
		p = at + 1;
	}
	hostend = slash ? slash : p + strlen(p);
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(hostend - p));

		if (rb == NULL || copy_part(u->host, sizeof(u->host), p + 1,
		    (size_t)(rb - p - 1)) == -1)
			goto bad;
		colon = rb + 1 < hostend && rb[1] == ':' ? rb + 1 : NULL;
		if (rb + 1 != hostend && colon == NULL)
			goto bad;
	} else {
		colon = memchr(p, ':', (size_t)(hostend - p));
		if (copy_part(u->host, sizeof(u->host), p, colon ?
		    (size_t)(colon - p) : (size_t)(hostend - p)) == -1)
			goto bad;
	}
	if (u->host[0] == '\0')
		goto bad;
	if (colon != NULL && (parse_int(colon + 1, (size_t)(hostend - colon - 1),
	    65535, &u->port) == -1 || u->port == 0))
		goto bad;
	if (slash != NULL && slash[1] != '\0' &&
	    parse_int(slash + 1, strlen(slash + 1), 100000, &u->db) == -1)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "'%s': expected redis://[:PASSWORD@]HOST[:PORT][/DB] "
	    "(an IPv6 address in brackets, a port from 1 to 65535, a "
	    "database number)", url);
	return -1;
}

struct rconn *
rconn_new(const char *url, const char *password, const char *what,
    char *err, size_t errlen)
{
	struct rconn *r = xcalloc(1, sizeof(*r));

	if (rconn_url_parse(url, &r->u, err, errlen) == -1) {
		free(r);
		return NULL;
	}
	if (password != NULL)
		str_lcpy(r->u.password, password, sizeof(r->u.password));
	r->what = xstrdup(what);
	if (r->u.path[0] != '\0')
		str_lcpy(r->where, r->u.path, sizeof(r->where));
	else
		snprintf(r->where, sizeof(r->where), "%s%s%s:%d",
		    strchr(r->u.host, ':') ? "[" : "", r->u.host,
		    strchr(r->u.host, ':') ? "]" : "", r->u.port);
	return r;
}

void
rconn_free(struct rconn *r)
{
	if (r == NULL)
		return;
	if (r->c != NULL)
		redisFree(r->c);
	free(r->what);
	free(r);
}

void
rconn_reset(struct rconn *r)
{
	if (r->c != NULL)
		redisFree(r->c);
	r->c = NULL;
	r->next_try = 0;
}

static void
failed(struct rconn *r, const char *why)
{
	snprintf(r->err, sizeof(r->err), "%s", why);
	if (!r->down)
		log_warnx("%s: Redis at %s: %s (retrying every second)", r->what,
		    r->where, why);
	r->down = true;
	if (r->c != NULL)
		redisFree(r->c);
	r->c = NULL;
	r->next_try = clock_mono() + 1.0;
}

/* A command on the raw context; NULL on an I/O error. */
static redisReply *
raw(struct rconn *r, int argc, const char **argv, const size_t *lens)
{
	return redisCommandArgv(r->c, argc, argv, lens);
}

static int
connect_now(struct rconn *r)
{
	struct timeval tv = { RCONN_TIMEOUT_MS / 1000,
	    (RCONN_TIMEOUT_MS % 1000) * 1000 };
	redisReply *rep;
	char dbs[16];
	const char *argv[3];

	if (r->c != NULL)
		return 0;
	if (clock_mono() < r->next_try)
		return -1;
	r->c = r->u.path[0] != '\0' ? redisConnectUnixWithTimeout(r->u.path, tv) :
	    redisConnectWithTimeout(r->u.host, r->u.port, tv);
	if (r->c == NULL) {
		failed(r, "out of memory");
		return -1;
	}
	if (r->c->err != 0) {
		failed(r, r->c->errstr);
		return -1;
	}
	redisSetTimeout(r->c, tv);
	if (r->u.password[0] != '\0') {
		int n = 0;

		argv[n++] = "AUTH";
		if (r->u.user[0] != '\0')
			argv[n++] = r->u.user;
		argv[n++] = r->u.password;
		rep = raw(r, n, argv, NULL);
		if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
			char why[300];

			snprintf(why, sizeof(why), "AUTH refused: %s", rep ?
			    rep->str : r->c->errstr);
			if (rep != NULL)
				freeReplyObject(rep);
			failed(r, why);
			return -1;
		}
		freeReplyObject(rep);
	}
	if (r->u.db != 0) {
		snprintf(dbs, sizeof(dbs), "%d", r->u.db);
		argv[0] = "SELECT";
		argv[1] = dbs;
		rep = raw(r, 2, argv, NULL);
		if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
			if (rep != NULL)
				freeReplyObject(rep);
			failed(r, "SELECT refused");
			return -1;
		}
		freeReplyObject(rep);
	}
	if (r->down)
		log_info("%s: Redis at %s is back", r->what, r->where);
	r->down = false;
	r->err[0] = '\0';
	return 0;
}

redisReply *
rconn_cmd(struct rconn *r, int argc, const char **argv, const size_t *lens)
{
	redisReply *rep;

	if (connect_now(r) == -1)
		return NULL;
	rep = raw(r, argc, argv, lens);
	if (rep == NULL) {
		failed(r, r->c->errstr[0] ? r->c->errstr : "connection lost");
		return NULL;
	}
	if (rep->type == REDIS_REPLY_ERROR && rep->str != NULL &&
	    (strncmp(rep->str, "LOADING", 7) == 0 ||
	    strncmp(rep->str, "NOAUTH", 6) == 0)) {
		/* restarting from its AOF, or restarted without our AUTH:
		 * as good as down */
		failed(r, rep->str);
		freeReplyObject(rep);
		return NULL;
	}
	return rep;
}

redisReply *
rconn_cmdv(struct rconn *r, const char *arg0, ...)
{
	const char *argv[MAX_ARGS];
	va_list ap;
	int n = 0;

	va_start(ap, arg0);
	for (argv[n] = arg0; argv[n] != NULL && n < MAX_ARGS - 1; )
		argv[++n] = va_arg(ap, const char *);
	va_end(ap);
	return rconn_cmd(r, n, argv, NULL);
}

static int
load_script(struct rconn *r, struct rconn_script *s)
{
	redisReply *rep = rconn_cmdv(r, "SCRIPT", "LOAD", s->src, NULL);

	if (rep == NULL)
		return -1;
	if (rep->type != REDIS_REPLY_STRING || rep->len != 40) {
		log_warnx("%s: Redis at %s refused a script: %s", r->what,
		    r->where, rep->type == REDIS_REPLY_ERROR ? rep->str : "?");
		freeReplyObject(rep);
		return -1;
	}
	memcpy(s->sha, rep->str, 40);
	s->sha[40] = '\0';
	freeReplyObject(rep);
	return 0;
}

redisReply *
rconn_eval(struct rconn *r, struct rconn_script *s, int nkeys, int argc,
    const char **argv, const size_t *lens)
{
	const char **av = xcalloc((size_t)argc + 3, sizeof(*av));
	size_t *lv = xcalloc((size_t)argc + 3, sizeof(*lv));
	char nk[16];
	redisReply *rep = NULL;
	int i, attempt;

	snprintf(nk, sizeof(nk), "%d", nkeys);
	av[0] = "EVALSHA";
	av[2] = nk;
	lv[0] = 7;
	lv[2] = strlen(nk);
	for (i = 0; i < argc; i++) {
		av[i + 3] = argv[i];
		lv[i + 3] = lens != NULL ? lens[i] : strlen(argv[i]);
	}
	for (attempt = 0; attempt < 2; attempt++) {
		if (s->sha[0] == '\0' && load_script(r, s) == -1)
			break;
		av[1] = s->sha;
		lv[1] = 40;
		rep = rconn_cmd(r, argc + 3, av, lv);
		if (rep == NULL || rep->type != REDIS_REPLY_ERROR ||
		    strncmp(rep->str, "NOSCRIPT", 8) != 0)
			break;
		/* the server restarted and forgot it: load it again */
		freeReplyObject(rep);
		rep = NULL;
		s->sha[0] = '\0';
	}
	free(av);
	free(lv);
	return rep;
}

bool
rconn_up(const struct rconn *r)
{
	return r->c != NULL && !r->down;
}

const char *
rconn_error(const struct rconn *r)
{
	return r->err;
}

const char *
rconn_where(const struct rconn *r)
{
	return r->where;
}
