/*
 * outbox — the durable spool of rendered mails.  A report is first staged
 * as SPOOL/tmp/SEQ.msg (written and fsynced), then, once the checkpoint
 * that empties its queue names SEQ, published by renaming it into
 * SPOOL/new/, where the sender process picks it up.  At start-up a staged
 * file whose SEQ the checkpoint covers is published, any other is
 * deleted (its lines are still in the queue).  See RELIABILITY.md.
 *
 * File names are SEQ.msg (twelve digits) for the daemon, PREFIX-SEQ.msg
 * for another producer sharing the spool (a one-shot run with its own
 * sequence, see outbox_set_prefix): each one recovers and counts only its
 * own names, so no producer can overwrite or drop another's report.
 *
 * File format (read by sender):
 *	LOGWARD-OUTBOX 1\n  from ADDR\n  rcpt ADDR\n...  queue NAME\n  \n
 *	followed by the RFC 5322 message with CRLF line ends.
 */
#ifndef LOGWARD_OUTBOX_H
#define LOGWARD_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#define OUTBOX_PREFIX_MAX	64	/* bytes of a producer prefix */

struct outbox {
	char		*dir;		/* owned: the spool directory */
	int		 newfd;		/* SPOOL/new, for fsync */
	int		 tmpfd;		/* SPOOL/tmp */
	char		 prefix[OUTBOX_PREFIX_MAX]; /* "" = the daemon's names */
};

/* Creates SPOOL/tmp and SPOOL/new when missing.  Returns 0 or -1 (logged). */
int	outbox_open(struct outbox *o, const char *spooldir);
void	outbox_close(struct outbox *o);

/* Names this producer's files PREFIX-SEQ.msg from now on (prefix: up to
 * OUTBOX_PREFIX_MAX - 2 bytes of [a-z0-9_], copied; "" = SEQ.msg). */
void	outbox_set_prefix(struct outbox *o, const char *prefix);

/* The highest sequence number among this producer's files in SPOOL/new
 * and SPOOL/tmp (0 when there is none). */
uint64_t outbox_max_seq(const struct outbox *o);

/* This producer's files in SPOOL/sub ("new", "bad"). */
size_t	outbox_count_own(const struct outbox *o, const char *sub);

/* Stages a message for seq.  rcpts is a comma/blank separated list.
 * Returns 0 or -1 (logged, nothing left behind). */
int	outbox_stage(struct outbox *o, uint64_t seq, const char *from,
	    const char *rcpts, const char *queue, const char *msg, size_t len);

/* Publishes the staged message seq.  Returns 0 or -1 (logged). */
int	outbox_publish(struct outbox *o, uint64_t seq);

/* Start-up: publishes staged files with SEQ <= committed, deletes the
 * others.  Returns the number published. */
size_t	outbox_recover(struct outbox *o, uint64_t committed);

/* Messages waiting in SPOOL/new. */
size_t	outbox_pending(const struct outbox *o);

/* Splits a recipient list ("a@b, c@d" or blanks) into an owned
 * NULL-terminated array of owned strings; *n gets the count. */
char	**outbox_split_rcpts(const char *list, size_t *n);

/* The staged message seq, as the file holds it (envelope and message):
 * returns an owned buffer of *len bytes, or NULL (logged). */
char	*outbox_staged_read(struct outbox *o, uint64_t seq, size_t *len);

/* Deletes the staged message seq (it went to the Redis outbox stream,
 * or its commit was refused).  Returns 0 or -1. */
int	outbox_discard(struct outbox *o, uint64_t seq);

#endif
