/*
 * lpipe — lines walked on a second thread, applied in order (see
 * lpipe.h).
 *
 * A ring of LPIPE_BLOCKS blocks.  The caller fills one block at a time
 * (FILLING); a full block is READY; whichever thread takes it first
 * walks it (WALKING) and marks it DONE; the caller applies the oldest
 * block once it is DONE and frees it for filling again.  Block states
 * and the ring's head change under the mutex only; a block's lines and
 * results belong to whoever moved it to its present state.
 */
#include "lib/lpipe.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/match.h"
#include "lib/xmem.h"

enum block_state { B_FREE, B_FILLING, B_READY, B_WALKING, B_DONE };

struct block {
	enum block_state state;
	struct buf	 bytes;
	struct lpipe_line *lines;	/* maxlines */
	struct lpipe_block view;	/* what the callbacks see */
};

struct lpipe {
	lpipe_walk_fn	*walk;
	lpipe_apply_fn	*apply;
	lpipe_free_fn	*res_free;
	void		*arg;
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 ready;		/* a block became READY, or stop */
	pthread_cond_t	 done;		/* a block became DONE */
	bool		 stop, started;
	struct block	 blk[LPIPE_BLOCKS];
	size_t		 head;		/* oldest block not applied */
	size_t		 fill;		/* the block being filled */
	size_t		 maxlines;	/* a block's lines, at most */
	size_t		 maxbytes;	/* ... and bytes, whichever first */
};

static void
view(struct block *b)
{
	b->view.bytes = b->bytes.data;
	b->view.lines = b->lines;
}

/* The oldest READY block, now WALKING, or NULL.  Called with mu held. */
static struct block *
take_ready(struct lpipe *p)
{
	size_t k;

	for (k = 0; k < LPIPE_BLOCKS; k++) {
		struct block *b = &p->blk[(p->head + k) % LPIPE_BLOCKS];

		if (b->state == B_READY) {
			b->state = B_WALKING;
			return b;
		}
	}
	return NULL;
}

static void *
worker(void *arg)
{
	struct lpipe *p = arg;
	struct block *b;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && (b = take_ready(p)) == NULL)
			pthread_cond_wait(&p->ready, &p->mu);
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->mu);
		p->walk(p->arg, 1, &b->view);
		pthread_mutex_lock(&p->mu);
		b->state = B_DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	match_cleanup();	/* this thread's PCRE2 match data, if it matched */
	return NULL;
}

/* Applies the oldest block, walking READY blocks meanwhile rather than
 * waiting.  The oldest block must be READY or later. */
static void
apply_oldest(struct lpipe *p)
{
	struct block *h = &p->blk[p->head], *b;

	pthread_mutex_lock(&p->mu);
	while (h->state != B_DONE) {
		if ((b = take_ready(p)) != NULL) {
			pthread_mutex_unlock(&p->mu);
			p->walk(p->arg, 0, &b->view);
			pthread_mutex_lock(&p->mu);
			b->state = B_DONE;
			continue;
		}
		pthread_cond_wait(&p->done, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	p->apply(p->arg, &h->view);
	h->view.n = 0;
	buf_reset(&h->bytes);
	pthread_mutex_lock(&p->mu);
	h->state = B_FREE;
	p->head = (p->head + 1) % LPIPE_BLOCKS;
	pthread_mutex_unlock(&p->mu);
}

static enum block_state
state_of(struct lpipe *p, size_t i)
{
	enum block_state st;

	pthread_mutex_lock(&p->mu);
	st = p->blk[i].state;
	pthread_mutex_unlock(&p->mu);
	return st;
}

/* Hands the block being filled over and starts the next one. */
static void
submit(struct lpipe *p)
{
	struct block *b = &p->blk[p->fill];

	view(b);
	pthread_mutex_lock(&p->mu);
	b->state = B_READY;
	pthread_cond_signal(&p->ready);
	pthread_mutex_unlock(&p->mu);
	p->fill = (p->fill + 1) % LPIPE_BLOCKS;
	while (state_of(p, p->fill) != B_FREE)
		apply_oldest(p);
	pthread_mutex_lock(&p->mu);
	p->blk[p->fill].state = B_FILLING;
	pthread_mutex_unlock(&p->mu);
}

struct lpipe *
lpipe_new(lpipe_walk_fn *walk, lpipe_apply_fn *apply, lpipe_free_fn *res_free,
    void *arg)
{
	return lpipe_new_sized(walk, apply, res_free, arg, LPIPE_LINES,
	    LPIPE_BYTES);
}

struct lpipe *
lpipe_new_sized(lpipe_walk_fn *walk, lpipe_apply_fn *apply,
    lpipe_free_fn *res_free, void *arg, size_t maxlines, size_t maxbytes)
{
	struct lpipe *p = xcalloc(1, sizeof(*p));
	sigset_t all, old;
	size_t i;
	int rc;

	p->walk = walk;
	p->apply = apply;
	p->res_free = res_free;
	p->arg = arg;
	p->maxlines = maxlines > 0 ? maxlines : 1;
	p->maxbytes = maxbytes;
	for (i = 0; i < LPIPE_BLOCKS; i++) {
		buf_init(&p->blk[i].bytes, SIZE_MAX / 4);
		p->blk[i].lines = xcalloc(p->maxlines, sizeof(*p->blk[i].lines));
	}
	p->blk[0].state = B_FILLING;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->ready, NULL);
	pthread_cond_init(&p->done, NULL);
	/* signals stay with the caller's thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&p->th, NULL, worker, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		lpipe_free(p);
		return NULL;
	}
	p->started = true;
	return p;
}

void
lpipe_line(struct lpipe *p, const char *line, size_t len, size_t cut_from)
{
	struct block *b = &p->blk[p->fill];
	struct lpipe_line *l = &b->lines[b->view.n++];

	l->off = b->bytes.len;
	l->len = len;
	l->cut_from = cut_from;
	buf_add(&b->bytes, line, len);
	if (b->view.n == p->maxlines || b->bytes.len >= p->maxbytes)
		submit(p);
}

void
lpipe_flush(struct lpipe *p)
{
	if (p->blk[p->fill].view.n > 0)
		submit(p);
	while (p->head != p->fill)
		apply_oldest(p);
}

void
lpipe_free(struct lpipe *p)
{
	size_t i;

	if (p == NULL)
		return;
	if (p->started) {
		lpipe_flush(p);
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_broadcast(&p->ready);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->th, NULL);
	}
	for (i = 0; i < LPIPE_BLOCKS; i++) {
		buf_free(&p->blk[i].bytes);
		free(p->blk[i].lines);
		if (p->res_free != NULL && p->blk[i].view.res != NULL)
			p->res_free(p->blk[i].view.res);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->ready);
	pthread_cond_destroy(&p->done);
	free(p);
}
