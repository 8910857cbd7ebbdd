/*
 * sumwork — the summary worker: a second thread that counts lines in the
 * daemon's summaries while the main thread reads and classifies the next
 * ones.  The main thread copies each parsed record into a batch (the
 * bytes it points into travel with it) and hands full batches over; at
 * most SUMWORK_QUEUE batches wait, so the worker is never far behind and
 * its memory is bounded.
 *
 * The exactly-once argument stays the single-threaded one: whatever reads
 * or writes the counts (a checkpoint, a summary mail, status, reload,
 * stop) first calls sumwork_sync, which returns when every line handed
 * over so far has been counted.  A checkpoint therefore saves the counts
 * of exactly the lines its input positions say were read.
 */
#ifndef LOGWARD_SUMWORK_H
#define LOGWARD_SUMWORK_H

#include <stdint.h>
#include <time.h>

#include "input/record.h"

#define SUMWORK_BATCH	1024	/* lines per batch */
#define SUMWORK_QUEUE	4	/* full batches waiting at most */

struct sumwork;

/* Called on the worker thread for each line, in the order added: r and
 * the bytes it points into are borrowed for the call; t as added. */
typedef void sumwork_fn(void *arg, const struct record *r, time_t t);

/* Starts a worker that calls fn(arg, ...) for every line added; NULL when
 * no thread could be started (the caller then counts inline).  The
 * thread blocks every signal (the daemon's arrive through its signalfd). */
struct sumwork *sumwork_start(sumwork_fn *fn, void *arg);

/* Hands record r (time t) to the worker: copies what it points into (its
 * line, and its message when that lies elsewhere).  A record with a
 * pointer outside both is counted here instead, after a sync. */
void	sumwork_add(struct sumwork *w, const struct record *r, time_t t);

/* Returns when every line added so far has been through fn and the
 * worker waits for more (its thread has started: nothing of it is
 * running, so the process can fork). */
void	sumwork_sync(struct sumwork *w);

/* Syncs, ends the thread and frees w (NULL is fine). */
void	sumwork_stop(struct sumwork *w);

/* Lines added so far, and of them those counted on the main thread
 * (see sumwork_add). */
uint64_t sumwork_added(const struct sumwork *w);
uint64_t sumwork_inline(const struct sumwork *w);

#endif
