/*
 * conf_redis — the set directives of the Redis engine: `set redis`, its
 * password file, key prefix, instance name, partitions, lease time and
 * stream cap, and tenshi's `set redisqueue` / `set redisserver` (a Redis
 * list read at most once).  Internal to the parser: only conf*.c include
 * it.
 */
#ifndef LOGWARD_CONF_REDIS_H
#define LOGWARD_CONF_REDIS_H

#include "conf/conf_int.h"

/* The table, ended by a NULL name; conf.c walks it for "set NAME". */
extern const struct set_directive conf_redis_directives[];

/* After the whole configuration was read: the checks that need more than
 * one line (partitions without a server...). */
void	conf_redis_finish(struct parser *p);

/* Frees what the directives stored in c->redis. */
void	conf_redis_free(struct conf *c);

#endif
