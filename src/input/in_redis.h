/*
 * in_redis — lines from Redis: the stream entries of the partitions
 * (XREAD from the IDs the caller keeps in its checkpoint: exactly once
 * together with that checkpoint) and tenshi's list form (LPOP: at most
 * once, as in tenshi).  Also the partition of a host, the same function
 * for the relay, the owners and the documented producers.
 *
 * A stream entry's fields (the documented layout; other fields are
 * ignored):
 *	l LINE	a complete log line as a log file holds it (the relay
 *		writes this); taken as it is
 *	m MSG	or the message alone, with
 *	h HOST	its host (also what the partition is computed from),
 *	p PROG	optionally its program (tag, e.g. "sshd[811]"), and
 *	t TIME	optionally its time: seconds since the epoch (fraction
 *		allowed) or an RFC 3339 stamp; else the entry's ID (its
 *		arrival time in ms) gives it
 * from which the line "STAMP HOST PROG: MSG" (RFC 3339 stamp) is made.
 * An entry with neither l nor m is a malformed entry: it still becomes a
 * line (its fields as "name=value"), counted, so nothing is dropped
 * silently.
 */
#ifndef LOGWARD_IN_REDIS_H
#define LOGWARD_IN_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/rconn.h"

#define IN_REDIS_ID_MAX		48	/* bytes of a stream ID with its NUL */
#define IN_REDIS_MAX_PARTITIONS	4096

/* The partition (0..nparts-1) of host[0..len): the first 32 bits of the
 * MD5 of the host name (big-endian), scaled: h * nparts / 2^32.  With 16
 * or 256 partitions it is the first one or two hex digits of the MD5,
 * which syslog-ng's $(md5 --length N ...) computes too. */
unsigned in_redis_partition(const char *host, size_t len, unsigned nparts);

/* The name of partition p of nparts in keys: lower-case hex, as many
 * digits as nparts - 1 needs ("0".."f" for 16, "00".."ff" for 256).
 * dst has room for 4 bytes. */
void	in_redis_partition_name(unsigned p, unsigned nparts, char *dst);

/* The MD5 digest of data[0..len) into out[16] (RFC 1321). */
void	in_redis_md5(const void *data, size_t len, unsigned char out[16]);

/* Builds the line of one stream entry into out (reset first): fields
 * f[0..n) with lengths fl, names at even and values at odd indexes; id
 * is the entry's ID.  At most max bytes are kept; *cut_from gets 0, or
 * the length the line had when it was cut.  Returns true for an entry in
 * the documented layout, false for a malformed one (a line is made all
 * the same). */
bool	in_redis_entry_line(const char *id, const char *const *f,
	    const size_t *fl, size_t n, size_t max, struct buf *out,
	    size_t *cut_from);

/* Receives one line, borrowed until it returns; stream is the index of
 * the stream the entry came from (in_redis_xread), id its ID (NULL for a
 * list). */
typedef void in_redis_line_fn(void *arg, size_t stream, const char *id,
	    const char *line, size_t len, size_t cut_from);

struct in_redis_stats {
	uint64_t	 entries;	/* stream entries read */
	uint64_t	 malformed;	/* of them, without l or m */
	uint64_t	 list_lines;	/* lines popped from lists */
	uint64_t	 errors;	/* failed reads (server down, bad reply) */
};

/*
 * Reads up to count entries from each stream keys[0..n) after the IDs
 * ids[0..n) (each IN_REDIS_ID_MAX bytes, updated to the last entry read)
 * with one XREAD, and calls fn for each entry in order.  scratch is a
 * buffer for the lines.  Returns the number of entries (0 when none),
 * or -1 when the server could not be asked (nothing was read).
 */
long	in_redis_xread(struct rconn *r, size_t n, const char *const *keys,
	    char (*ids)[IN_REDIS_ID_MAX], long count, size_t max_line,
	    struct buf *scratch, struct in_redis_stats *st,
	    in_redis_line_fn *fn, void *arg);

/*
 * tenshi's list input: LPOPs up to max lines from each list keys[0..n)
 * and calls fn for each (stream = the list's index, id NULL).  A line is
 * gone from Redis once popped: at most once.  Returns the number of
 * lines, or -1 when the server could not be asked.
 */
long	in_redis_lists_poll(struct rconn *r, size_t n, const char *const *keys,
	    long max, size_t max_line, struct in_redis_stats *st,
	    in_redis_line_fn *fn, void *arg);

#endif
