/*
 * rconn — one blocking connection to a Redis server (hiredis), with the
 * few things every user of it needs: the URL of `set redis` parsed and
 * checked, connect and command timeouts, AUTH and SELECT, a reconnect
 * after any error (at most once a second, so a dead server does not stall
 * the caller's loop), binary-safe commands, and Lua scripts run by SHA
 * (loaded on first use and again after a server restart).
 *
 * Only the hiredis calls that exist alike in hiredis 0.14 (Debian 12)
 * and 1.x are used: redisConnectWithTimeout, redisConnectUnixWithTimeout,
 * redisSetTimeout, redisCommandArgv, freeReplyObject, redisFree, the
 * context's err/errstr and the reply types STRING, ARRAY, INTEGER, NIL,
 * STATUS and ERROR (RESP2; RESP3 is never asked for).
 */
#ifndef LOGWARD_RCONN_H
#define LOGWARD_RCONN_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#define RCONN_TIMEOUT_MS	2000	/* connect and each command */

/* A parsed `set redis` URL: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]
 * or unix:PATH[?db=DB]. */
struct rconn_url {
	char		 host[256];	/* "" for a unix socket */
	int		 port;		/* 6379 by default */
	char		 path[256];	/* unix socket path, or "" */
	char		 user[128];	/* ACL user, or "" */
	char		 password[256];	/* or "" (no AUTH) */
	int		 db;		/* SELECT, 0 by default */
};

/* Parses url into u.  Returns 0, or -1 with a message in err saying what
 * is wrong and what is expected. */
int	rconn_url_parse(const char *url, struct rconn_url *u, char *err,
	    size_t errlen);

/* A Lua script run with EVALSHA; sha is filled by rconn_eval. */
struct rconn_script {
	const char	*src;		/* borrowed: the script's text */
	char		 sha[41];	/* "" until loaded */
};

struct rconn;

/* A connection to the server at url (copied), made at the first command.
 * password, when not NULL, replaces the URL's (set redis_password_file).
 * what names the user in messages ("relay", "partitions"...).  Returns an
 * owned connection, or NULL with a message in err when url is bad. */
struct rconn *rconn_new(const char *url, const char *password,
	    const char *what, char *err, size_t errlen);
void	rconn_free(struct rconn *r);

/* Runs one command: argv[0..argc) with lengths lens (NULL: strlen).
 * Returns the owned reply (freeReplyObject), which may be of type
 * REDIS_REPLY_ERROR, or NULL when the server cannot be reached or the
 * connection broke (logged once per outage; the next call reconnects,
 * at most once a second). */
redisReply *rconn_cmd(struct rconn *r, int argc, const char **argv,
	    const size_t *lens);

/* rconn_cmd with NUL-terminated words, the list ended by NULL. */
redisReply *rconn_cmdv(struct rconn *r, const char *arg0, ...)
	    __attribute__((sentinel));

/* Runs script s with nkeys keys then the other arguments, all in
 * argv[0..argc) (lens as in rconn_cmd).  Returns as rconn_cmd. */
redisReply *rconn_eval(struct rconn *r, struct rconn_script *s, int nkeys,
	    int argc, const char **argv, const size_t *lens);

/* Whether the last command reached the server. */
bool	rconn_up(const struct rconn *r);

/* The last connection error ("" when none), borrowed. */
const char *rconn_error(const struct rconn *r);

/* "host:port" or the socket path, borrowed (for messages). */
const char *rconn_where(const struct rconn *r);

/* Drops the connection (the next command reconnects at once). */
void	rconn_reset(struct rconn *r);

#endif
