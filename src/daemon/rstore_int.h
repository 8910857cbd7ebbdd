/*
 * rstore_int — the Redis side of the daemon (`set redis`), shared by
 * rstore.c (leases, the commit script, the single instance, lists,
 * status) and cells.c (partitions: one engine per owned partition, the
 * stream reads, balance, take-over and hand-over).  Only those two files
 * include it; the rest of the daemon sees rstore.h.
 *
 * Keys (PREFIX = set redis_prefix, "lw" by default; U = a partition's
 * hex name, or "i.NAME" for a single instance's own checkpoint):
 *	PREFIX:{U}:lease	"OWNER EPOCH", with a TTL (set lease)
 *	PREFIX:{U}:epoch	bumped by every take-over: the fencing token
 *	PREFIX:{U}:ckpt		the checkpoint (state.c's format)
 *	PREFIX:{U}:in		the partition's lines (a stream)
 *	PREFIX:{U}:audit	commits, with LOGWARD_REDIS_AUDIT=1 (tests)
 *	PREFIX:members		live instances (sorted set, server time)
 *	PREFIX:out, PREFIX:bad	the outbox stream (outstream.h)
 *	PREFIX:commit:OWNER	the last commit of OWNER (a lost reply)
 * OWNER is "NAME/RANDOM": the instance name and this process.
 */
#ifndef LOGWARD_RSTORE_INT_H
#define LOGWARD_RSTORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/engine.h"
#include "input/in_redis.h"
#include "lib/buf.h"
#include "lib/rconn.h"

struct daemon;

/* Arguments of a command being built: owned copies. */
struct rargs {
	char		**v;
	size_t		*len;
	size_t		 n;
};

/* What a lease is held for: a partition, or the single instance. */
struct unit {
	char		*k_lease, *k_epoch, *k_ckpt, *k_in, *k_audit; /* owned */
	uint64_t	 epoch;		/* ours, from the take-over */
	char		 held[160];	/* the lease's value while we hold it */
};

/* An owned partition: its own engine, so its checkpoint is exactly its
 * hosts' state. */
struct cell {
	unsigned	 part;
	char		 name[4];	/* hex name in the keys */
	struct unit	 u;
	struct engine	 eng;
	char		 pos[IN_REDIS_ID_MAX];	/* last entry read */
	char		 committed[IN_REDIS_ID_MAX]; /* last entry in Redis' checkpoint */
	char		 sending[IN_REDIS_ID_MAX]; /* pos in the commit in flight */
	uint64_t	 lines;		/* read since taken */
	bool		 release;	/* hand over after the next commit */
};

struct rstore {
	struct rconn	*r;		/* owned */
	char		*url, *password; /* owned */
	char		*prefix, *name, *owner; /* owned */
	char		*k_members;	/* owned */
	unsigned	 nparts;	/* 0: the single instance */
	unsigned	 lease_ms;
	unsigned long long max_stream;
	bool		 audit;		/* LOGWARD_REDIS_AUDIT=1 */
	struct unit	 local;		/* the single instance's unit */
	bool		 fenced;	/* taken over: never commit again */
	bool		 idle;		/* a standby stopped before it held the lease */
	struct cell	**cells;	/* owned array of owned cells */
	size_t		 ncells;
	bool		*was_free;	/* per partition: free at the last look */
	bool		*corrupt;	/* per partition: checkpoint unusable */
	unsigned	 members;	/* live instances at the last heartbeat */
	double		 next_renew;	/* mono */
	int		 tfd;		/* the read timer */
	/* the commit in flight, sent again as is until its outcome is known */
	bool		 pending;
	char		 token[96];
	uint64_t	 ncommits;
	struct rargs	 cargs;		/* its arguments (keys first) */
	int		 cnkeys;
	uint64_t	*pend_seqs;	/* staged mails it carries */
	size_t		 npend;
	/* figures for status */
	uint64_t	 commits, refused, takeovers, handovers, lost, errors;
	struct in_redis_stats in;
	struct buf	 scratch;
	/* tenshi's list input (set redisqueue) */
	struct rconn	*lists;		/* owned, or NULL */
};

/* ---- rstore.c, for cells.c ---- */

/* Appends a copy of p[0..len) to a. */
void	rstore_args_add(struct rargs *a, const void *p, size_t len);
/* Appends a copy of the string s to a. */
void	rstore_args_str(struct rargs *a, const char *s);
/* Frees a's strings and arrays. */
void	rstore_args_free(struct rargs *a);

/* Forgets the commit in flight and the staged mails (all cells are
 * being dropped: what they held is read again from Redis). */
void	rstore_forget(struct daemon *d);

/* ---- cells.c, for rstore.c ---- */

/* The partitions' part of a commit: appends 4 keys and 4 arguments per
 * cell (see the commit script) to the vectors. */
void	cells_commit_args(struct daemon *d, struct rargs *keys,
	    struct rargs *args);
/* The commit went through: positions are committed; cells marked for
 * hand-over are released. */
void	cells_committed(struct daemon *d);
/* Drops every cell (their leases released when release) and forgets
 * the commit in flight and the staged mails (rstore_forget). */
void	cells_drop_all(struct daemon *d, bool release);
/* The read timer: reads the owned streams; when due, also the heartbeat,
 * the lease renewals and the balance.  Returns true when more lines
 * wait. */
bool	cells_poll(struct daemon *d, bool due);
/* rstore_gather / rstore_scatter for partitions. */
void	cells_gather(struct daemon *d, size_t qi);
void	cells_scatter(struct daemon *d, size_t qi, bool mailed);
/* The partition lines of `logward status`. */
void	cells_status(struct daemon *d, struct buf *b);

#endif
