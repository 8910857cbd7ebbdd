/*
 * lease — who owns a partition (or a single instance's checkpoint) in
 * Redis: the lease key with its TTL (server time), the epoch bumped by
 * every take-over (the fencing token the commit script checks), renewal
 * and hand-over.  Three small Lua scripts, each atomic.  Keys are named
 * in rstore_int.h.
 */
#include "daemon/lease.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/xmem.h"

/* KEYS lease epoch ckpt; ARGV owner "NAME/" ttl_ms */
static struct rconn_script take_script = { .src =
	"local cur = redis.call('GET', KEYS[1])\n"
	"if cur and string.sub(cur, 1, string.len(ARGV[2])) ~= ARGV[2] then\n"
	"  return {0, cur}\n"
	"end\n"
	"local e = redis.call('INCR', KEYS[2])\n"
	"redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. e, 'PX', ARGV[3])\n"
	"return {e, redis.call('GET', KEYS[3]) or ''}\n", .sha = "" };

/* KEYS lease epoch; ARGV "OWNER EPOCH" ttl_ms epoch.  An expired lease
 * nobody took (the epoch is still ours) is set again. */
static struct rconn_script renew_script = { .src =
	"local cur = redis.call('GET', KEYS[1])\n"
	"if cur == ARGV[1] or (not cur and\n"
	"    redis.call('GET', KEYS[2]) == ARGV[3]) then\n"
	"  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
	"  return 1\n"
	"end\n"
	"return 0\n", .sha = "" };

/* KEYS lease; ARGV "OWNER EPOCH" */
static struct rconn_script release_script = { .src =
	"if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
	"  return redis.call('DEL', KEYS[1])\n"
	"end\n"
	"return 0\n", .sha = "" };

void
lease_unit_init(struct rstore *rs, struct unit *u, const char *uname)
{
	memset(u, 0, sizeof(*u));
	u->k_lease = xasprintf("%s:{%s}:lease", rs->prefix, uname);
	u->k_epoch = xasprintf("%s:{%s}:epoch", rs->prefix, uname);
	u->k_ckpt = xasprintf("%s:{%s}:ckpt", rs->prefix, uname);
	u->k_in = xasprintf("%s:{%s}:in", rs->prefix, uname);
	u->k_audit = xasprintf("%s:{%s}:audit", rs->prefix, uname);
}

void
lease_unit_free(struct unit *u)
{
	free(u->k_lease);
	free(u->k_epoch);
	free(u->k_ckpt);
	free(u->k_in);
	free(u->k_audit);
	memset(u, 0, sizeof(*u));
}

int
lease_take(struct rstore *rs, struct unit *u, char **blob, size_t *len,
    char *holder, size_t holderlen)
{
	char ttl[16], *namepfx = xasprintf("%s/", rs->name);
	const char *argv[6] = { u->k_lease, u->k_epoch, u->k_ckpt, rs->owner,
	    namepfx, ttl };
	redisReply *rep;
	int rc = -1;

	*blob = NULL;
	*len = 0;
	snprintf(ttl, sizeof(ttl), "%u", rs->lease_ms);
	rep = rconn_eval(rs->r, &take_script, 3, 6, argv, NULL);
	free(namepfx);
	if (rep == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
	    rep->element[0]->type == REDIS_REPLY_INTEGER &&
	    rep->element[1]->type == REDIS_REPLY_STRING) {
		if (rep->element[0]->integer == 0) {
			if (holder != NULL)
				snprintf(holder, holderlen, "%s",
				    rep->element[1]->str);
			rc = 0;
		} else {
			u->epoch = (uint64_t)rep->element[0]->integer;
			snprintf(u->held, sizeof(u->held), "%s %" PRIu64,
			    rs->owner, u->epoch);
			if (rep->element[1]->len > 0) {
				*blob = xmemdup0(rep->element[1]->str,
				    rep->element[1]->len);
				*len = rep->element[1]->len;
			}
			rc = 1;
		}
	} else {
		log_warnx("redis: taking %s: unexpected answer%s%s",
		    u->k_lease, rep->type == REDIS_REPLY_ERROR ? ": " : "",
		    rep->type == REDIS_REPLY_ERROR ? rep->str : "");
		rs->errors++;
	}
	freeReplyObject(rep);
	return rc;
}

int
lease_renew(struct rstore *rs, struct unit *u)
{
	char ttl[16], ep[24];
	const char *argv[5] = { u->k_lease, u->k_epoch, u->held, ttl, ep };
	redisReply *rep;
	int rc = -1;

	snprintf(ttl, sizeof(ttl), "%u", rs->lease_ms);
	snprintf(ep, sizeof(ep), "%" PRIu64, u->epoch);
	rep = rconn_eval(rs->r, &renew_script, 2, 5, argv, NULL);
	if (rep == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_INTEGER)
		rc = rep->integer == 1 ? 1 : 0;
	else
		rs->errors++;
	freeReplyObject(rep);
	return rc;
}

void
lease_release(struct rstore *rs, struct unit *u)
{
	const char *argv[2] = { u->k_lease, u->held };
	redisReply *rep;

	if (u->held[0] == '\0')
		return;
	rep = rconn_eval(rs->r, &release_script, 1, 2, argv, NULL);
	if (rep != NULL)
		freeReplyObject(rep);
	u->held[0] = '\0';
}

