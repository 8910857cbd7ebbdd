/*
 * sender — delivery of outbox files (the message goes through smtp.h), and
 * the sender process that drains SPOOL/new in name order.
 *
 * Outbox file (written by outbox.c, read here):
 *	LOGWARD-OUTBOX 1\n
 *	from ADDR\n			exactly once ("" allowed: null sender)
 *	rcpt ADDR\n			once per recipient, at least one
 *	queue NAME\n			optional, for messages only
 *	\n
 *	the RFC 5322 message with CRLF line ends, to the end of the file
 * Unknown "key value" lines in the envelope are ignored.
 *
 * A file leaves SPOOL/new only after the relay accepted it (2xx after
 * DATA); then it is unlinked and the directory fsynced.  A file that can
 * never be delivered (bad format, bad envelope address) is moved to
 * SPOOL/bad/ so it does not block the mails behind it.  Every other
 * failure (connect, TLS, AUTH, 4xx, 5xx, one recipient refused) keeps the
 * file and is retried with back-off.
 */
#ifndef LOGWARD_SENDER_H
#define LOGWARD_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "deliver/smtp.h"

#define SENDER_BACKOFF_MIN	5	/* seconds after the first failure */
#define SENDER_BACKOFF_MAX	900	/* cap of the doubling back-off */

/* What SPOOL/sender.status says (for `logward status`). */
struct sender_status {
	long		 pid;		/* of the sender process */
	unsigned long long pending;	/* files in SPOOL/new at the last write */
	unsigned long long bad;		/* files in SPOOL/bad */
	unsigned long long delivered;	/* since the sender started */
	unsigned long long failures;	/* consecutive failed attempts */
	time_t		 last_attempt;	/* epoch, 0 = never */
	time_t		 last_success;	/* epoch, 0 = never */
	time_t		 next_retry;	/* epoch, 0 = no retry scheduled */
	long		 last_code;	/* SMTP code of the last attempt, 0 if none */
	char		 last_text[512]; /* its text */
	char		 last_file[256]; /* name of the file last tried */
};

/* Parses the outbox file at path and delivers it.  Returns as
 * smtp_deliver(); res->permanent tells a broken file. */
int	sender_deliver_file(const struct smtp_conf *sc, const char *path,
	    struct smtp_result *res);

/* The sender process: delivers the files of SPOOL/new in name order until SIGTERM or
 * SIGINT; SIGUSR1 retries at once.  Blocks those signals, ignores SIGPIPE.
 * Writes SPOOL/sender.status after every attempt.  Returns the exit
 * status (0 after SIGTERM, 1 on a set-up or spool error, logged). */
int	sender_run(const struct smtp_conf *sc, const char *spooldir);

/* Reads SPOOL/sender.status into *st (zeroed first; unknown keys are
 * ignored).  Returns 0, or -1 with errno set (ENOENT: no sender ran yet). */
int	sender_status_read(const char *spooldir, struct sender_status *st);

#endif
