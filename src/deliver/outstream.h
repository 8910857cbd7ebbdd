/*
 * outstream — the outbox as a Redis stream (`set redis`): report mails
 * are added to the stream PREFIX:out by the commit that empties their
 * queues (daemon/rstore.c, one Lua script), and any instance's sender
 * delivers them: a consumer group on the stream (XREADGROUP), the mail
 * sent over SMTP exactly as an outbox file (the entry carries the outbox
 * file's bytes, see outbox.h), and XDEL + XACK only after the relay's 2xx
 * after DATA.  An entry a sender took but did not finish (the sender or
 * its host died) is claimed by another sender after it has been idle for
 * claim_idle seconds (XAUTOCLAIM, Redis 6.2+).  A mail that can never be
 * delivered (bad envelope) moves to the stream PREFIX:bad.
 *
 * Entry fields: f (the outbox file: envelope lines, empty line, message),
 * q (queue), o (instance that committed it).
 *
 * As for the file outbox, SMTP stays at least once: a crash between the
 * relay's 250 and the XACK sends the mail again, with the same
 * Message-ID.
 */
#ifndef LOGWARD_OUTSTREAM_H
#define LOGWARD_OUTSTREAM_H

#include "deliver/smtp.h"

#define OUTSTREAM_GROUP	"senders"	/* the consumer group */

struct outstream_opts {
	const char	*url;		/* set redis */
	const char	*password;	/* or NULL (the URL's) */
	const char	*prefix;	/* key prefix ("lw") */
	const char	*consumer;	/* this sender's name in the group */
	const char	*spooldir;	/* sender.status and a scratch file */
	unsigned	 claim_idle;	/* s before another's entry is claimed */
};

/* The sender process for the outbox stream: delivers entries until
 * SIGTERM or SIGINT (a transfer in progress is finished first); SIGUSR1
 * retries at once.  Writes SPOOL/sender.status like sender_run (the
 * "pending" count is the stream's length).  Returns the exit status. */
int	outstream_run(const struct smtp_conf *sc, const struct outstream_opts *o);

#endif
