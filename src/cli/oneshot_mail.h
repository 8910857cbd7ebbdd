/*
 * oneshot_mail — mail from a one-shot run (check --mail, logcheck)
 * through the daemon's durable outbox (deliver/outbox.c) and its sender
 * (deliver/sender.c), exactly once across runs.
 *
 * The steps, each of which a run may die after:
 *   1. oneshot_mail_open: recovers this run's earlier files in SPOOL/tmp
 *      (published when the saved state covers their number, deleted when
 *      not: their lines are read again);
 *   2. oneshot_mail_stage, once per report: SPOOL/tmp/ID-SEQ.msg, fsynced;
 *   3. the caller saves its positions with the last SEQ (oneshot_save);
 *   4. oneshot_mail_publish: renamed into SPOOL/new;
 *   5. oneshot_mail_deliver: a sender process (deliver/sender.c, one per
 *      spool by its lock; a running daemon's when it holds it) hands
 *      SPOOL/new to the relay and removes a file only after the relay's
 *      250; the run waits for its files at most the given time.  The sender survives the run's death long enough to
 *      finish a transfer it started (parent-death SIGTERM does not abort
 *      one), so killing the run never makes a relay get a report twice.
 * A report still waiting stays in the outbox; the next run, `logward
 * flush` or a running daemon on the same spool sends it.  Files are named
 * with the run's own prefix (oneshot_id), so they never collide with the
 * daemon's.
 */
#ifndef LOGWARD_ONESHOT_MAIL_H
#define LOGWARD_ONESHOT_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "deliver/outbox.h"
#include "deliver/smtp.h"

/* The result of oneshot_mail_deliver. */
enum oneshot_mail_result {
	ONESHOT_MAIL_SENT,		/* every file of this producer left SPOOL/new */
	ONESHOT_MAIL_WAITING,		/* some are still there (answer says why) */
	ONESHOT_MAIL_ERROR,		/* the sender could not run, or a report can
					   never be delivered (moved to SPOOL/bad) */
};

struct oneshot_mail {
	struct outbox	 ob;
	char		*spool;		/* owned spool directory */
	uint64_t	 seq;		/* last sequence number used */
	uint64_t	*staged;	/* owned: staged, not yet published */
	size_t		 nstaged;
	size_t		 published;	/* by this run */
};

/* Opens the spool (created when missing) for producer id (borrowed,
 * [a-z0-9_]) whose saved state covers reports up to committed, and
 * recovers its files left in SPOOL/tmp.  Returns 0 or -1 (logged). */
int	oneshot_mail_open(struct oneshot_mail *m, const char *spooldir,
	    const char *id, uint64_t committed);

/* Stages one message (envelope from, rcpts list, queue name for the
 * record; msg[0..len) an RFC 5322 message as mime_build makes it).
 * Returns 0 or -1 (logged; nothing left behind). */
int	oneshot_mail_stage(struct oneshot_mail *m, const char *from,
	    const char *rcpts, const char *queue, const char *msg, size_t len);

/* The sequence number of the next staged report (its Message-ID has it). */
uint64_t oneshot_mail_next(const struct oneshot_mail *m);

/* Deletes what was staged and not published (a run giving up). */
void	oneshot_mail_unstage(struct oneshot_mail *m);

/* Publishes everything staged.  Returns 0, or -1 when some could not be
 * (logged; those stay in SPOOL/tmp and the next run publishes them). */
int	oneshot_mail_publish(struct oneshot_mail *m);

/* Runs a sender for the spool (unless another sender, a daemon's, holds
 * it: that one sends the new files) and waits at most wait seconds for
 * this producer's files to leave SPOOL/new (less when the relay refuses
 * with a permanent 5xx).  answer (size bytes) gets the relay's last
 * answer when something is still waiting.  Borrows sc. */
enum oneshot_mail_result oneshot_mail_deliver(struct oneshot_mail *m,
	    const struct smtp_conf *sc, unsigned wait, char *answer,
	    size_t size);

/* Files of this producer still waiting in SPOOL/new. */
size_t	oneshot_mail_waiting(const struct oneshot_mail *m);

/* Fills sc from c's relay settings (borrows c; *password gets an owned
 * copy of set smtp_password_file's first line, or NULL).  Returns 0, or
 * -1 when the password file cannot be read (logged). */
int	oneshot_mail_smtp_conf(const struct conf *c, struct smtp_conf *sc,
	    char **password);

void	oneshot_mail_close(struct oneshot_mail *m);

#endif
