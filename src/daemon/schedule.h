/*
 * schedule — when queues are mailed: [now] batches after their sleep,
 * cron firings, the mail_rate limit, and the mailing itself (render,
 * stage in the outbox, empty the queue, checkpoint).
 */
#ifndef LOGWARD_SCHEDULE_H
#define LOGWARD_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>

struct daemon;
struct state;

/* Builds the run-time schedule of every queue (d->qr), restoring what
 * st (borrowed, may be NULL) saved for queues of the same name. */
void	schedule_init(struct daemon *d, const struct state *st);

/* The queue check: due [now] batches and cron firings.  force sends
 * [now] batches without waiting for their sleep (USR1). */
void	schedule_check(struct daemon *d, bool force);

/* Mails the queues in want[] (status: tenshi's status word or NULL).
 * Each report is staged in the outbox, the queue emptied, and one
 * checkpoint then commits them all.  Returns the number of mails. */
size_t	schedule_mail(struct daemon *d, const bool *want, const char *status);

/* Mails every queue (see schedule_mail). */
size_t	schedule_mail_all(struct daemon *d, const char *status);

#endif
