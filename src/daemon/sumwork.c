/*
 * sumwork — the summary worker thread (see sumwork.h): batches of copied
 * records, a bounded hand-over queue, and the sync that keeps the
 * checkpoint's argument single-threaded.
 */
#include "daemon/sumwork.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/match.h"
#include "lib/xmem.h"

#define BATCH_BYTES	(1024 * 1024)	/* a batch is full past this many bytes */
#define NOWHERE		SIZE_MAX	/* a NULL pointer field */

enum { F_LINE, F_HOST, F_MSG, F_PROG, F_PROCID, F_MSGID, F_SD, NFIELDS };

/* One record: the struct with its pointers replaced by offsets into the
 * batch's bytes. */
struct item {
	struct record	 rec;		/* pointer fields meaningless here */
	size_t		 off[NFIELDS];	/* offset of each field, or NOWHERE */
	time_t		 t;
};

struct batch {
	char		*bytes;		/* owned */
	size_t		 len, cap;
	struct item	*items;		/* owned, SUMWORK_BATCH of them */
	size_t		 n;
	struct batch	*next;
};

struct sumwork {
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* any change of the fields below */
	struct batch	*head, *tail;	/* full batches, oldest first */
	size_t		 nq;
	struct batch	*spare;		/* empty batches to reuse */
	bool		 busy;		/* the worker holds a batch */
	bool		 ready;		/* the worker has started (waits for
					   work or holds a batch) */
	bool		 stop;
	struct batch	*fill;		/* the main thread's batch */
	sumwork_fn	*fn;
	void		*arg;
	uint64_t	 added, inline_n;
};

static struct batch *
batch_new(void)
{
	struct batch *b = xcalloc(1, sizeof(*b));

	b->items = xcalloc(SUMWORK_BATCH, sizeof(*b->items));
	return b;
}

static void
batch_free(struct batch *b)
{
	free(b->bytes);
	free(b->items);
	free(b);
}

static void
batch_put(struct batch *b, const char *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap > 0 ? b->cap : 64 * 1024;

		while (cap < b->len + n)
			cap *= 2;
		b->bytes = xreallocarray(b->bytes, cap, 1);
		b->cap = cap;
	}
	memcpy(b->bytes + b->len, p, n);
	b->len += n;
}

/* Offset of p in the copy: a is the line's copy at offset ao, m the
 * message's (when it lies outside the line) at mo; false when p lies in
 * neither. */
static bool
where(const char *p, const struct record *r, size_t ao, bool msg_apart,
    size_t mo, size_t *off)
{
	if (p == NULL) {
		*off = NOWHERE;
		return true;
	}
	if (r->line != NULL && p >= r->line && p <= r->line + r->len) {
		*off = ao + (size_t)(p - r->line);
		return true;
	}
	if (msg_apart && p >= r->msg && p <= r->msg + r->msglen) {
		*off = mo + (size_t)(p - r->msg);
		return true;
	}
	return false;
}

static void *
run(void *arg)
{
	struct sumwork *w = arg;
	struct batch *b;
	size_t i, f;

	pthread_mutex_lock(&w->mu);
	w->ready = true;
	pthread_cond_broadcast(&w->cv);
	for (;;) {
		while (w->head == NULL && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->head == NULL)
			break;
		b = w->head;
		w->head = b->next;
		if (w->head == NULL)
			w->tail = NULL;
		w->nq--;
		w->busy = true;
		pthread_cond_broadcast(&w->cv);	/* room in the queue */
		pthread_mutex_unlock(&w->mu);
		for (i = 0; i < b->n; i++) {
			struct item *it = &b->items[i];
			struct record r = it->rec;
			const char **ptr[NFIELDS] = { &r.line, &r.host, &r.msg,
			    &r.prog, &r.procid, &r.msgid, &r.sd };

			for (f = 0; f < NFIELDS; f++)
				*ptr[f] = it->off[f] == NOWHERE ? NULL :
				    b->bytes + it->off[f];
			w->fn(w->arg, &r, it->t);
		}
		b->n = 0;
		b->len = 0;
		pthread_mutex_lock(&w->mu);
		b->next = w->spare;
		w->spare = b;
		w->busy = false;
		pthread_cond_broadcast(&w->cv);	/* maybe idle now */
	}
	pthread_mutex_unlock(&w->mu);
	match_cleanup();		/* this thread's PCRE2 match data */
	return NULL;
}

struct sumwork *
sumwork_start(sumwork_fn *fn, void *arg)
{
	struct sumwork *w = xcalloc(1, sizeof(*w));
	sigset_t all, old;
	int err;

	w->fn = fn;
	w->arg = arg;
	w->fill = batch_new();
	if (pthread_mutex_init(&w->mu, NULL) != 0) {
		batch_free(w->fill);
		free(w);
		return NULL;
	}
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		batch_free(w->fill);
		free(w);
		return NULL;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->th, NULL, run, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		log_warnx("summary worker: cannot start a thread (error %d); "
		    "counting in the main thread", err);
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		batch_free(w->fill);
		free(w);
		return NULL;
	}
	return w;
}

/* Queues the main thread's batch (waiting while the queue is full) and
 * takes an empty one. */
static void
submit(struct sumwork *w)
{
	struct batch *b = w->fill;

	pthread_mutex_lock(&w->mu);
	while (w->nq >= SUMWORK_QUEUE)
		pthread_cond_wait(&w->cv, &w->mu);
	b->next = NULL;
	if (w->tail != NULL)
		w->tail->next = b;
	else
		w->head = b;
	w->tail = b;
	w->nq++;
	pthread_cond_broadcast(&w->cv);
	if (w->spare != NULL) {
		w->fill = w->spare;
		w->spare = w->fill->next;
		w->fill->next = NULL;
	} else
		w->fill = NULL;
	pthread_mutex_unlock(&w->mu);
	if (w->fill == NULL)
		w->fill = batch_new();
}

void
sumwork_add(struct sumwork *w, const struct record *r, time_t t)
{
	struct batch *b = w->fill;
	struct item *it = &b->items[b->n];
	size_t ao = b->len, mo = 0, f;
	bool apart = r->msg != NULL && (r->line == NULL || r->msg < r->line ||
	    r->msg > r->line + r->len);
	const char *ptr[NFIELDS] = { r->line, r->host, r->msg, r->prog,
	    r->procid, r->msgid, r->sd };

	if (r->line != NULL)
		batch_put(b, r->line, r->len);
	if (apart) {
		mo = b->len;
		batch_put(b, r->msg, r->msglen);
	}
	for (f = 0; f < NFIELDS; f++)
		if (!where(ptr[f], r, ao, apart, mo, &it->off[f])) {
			/* points elsewhere: cannot travel; count it here,
			 * with the worker idle */
			b->len = ao;
			sumwork_sync(w);
			w->fn(w->arg, r, t);
			w->added++;
			w->inline_n++;
			return;
		}
	it->rec = *r;
	it->t = t;
	b->n++;
	w->added++;
	if (b->n == SUMWORK_BATCH || b->len >= BATCH_BYTES)
		submit(w);
}

void
sumwork_sync(struct sumwork *w)
{
	if (w == NULL)
		return;
	if (w->fill->n > 0)
		submit(w);
	pthread_mutex_lock(&w->mu);
	/* also until the thread has started: a thread still starting may
	 * hold the allocator's locks (see sumq_quiesce) */
	while (!w->ready || w->head != NULL || w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void
sumwork_stop(struct sumwork *w)
{
	struct batch *b;

	if (w == NULL)
		return;
	sumwork_sync(w);
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	while ((b = w->spare) != NULL) {
		w->spare = b->next;
		batch_free(b);
	}
	batch_free(w->fill);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

uint64_t
sumwork_added(const struct sumwork *w)
{
	return w != NULL ? w->added : 0;
}

uint64_t
sumwork_inline(const struct sumwork *w)
{
	return w != NULL ? w->inline_n : 0;
}
