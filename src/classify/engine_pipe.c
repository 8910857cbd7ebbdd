/*
 * engine_pipe — lines walked on a second thread, applied in order (see
 * engine_pipe.h).
 *
 * A ring of PIPE_BLOCKS blocks.  The caller fills one block at a time
 * (FILLING); a full block is READY; whichever thread takes it first
 * walks it (WALKING) and marks it DONE; the caller applies the oldest
 * block once it is DONE and frees it.  A walked line's pointers borrow
 * the walking lane's buffers until the next line, so what the apply
 * needs of them (the text, the key, the rules that hit a PCRE2 limit) is
 * copied into the block: offsets while the block is walked, pointers
 * again when it is applied.
 */
#include "classify/engine_pipe.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "classify/engine.h"
#include "lib/buf.h"
#include "lib/xmem.h"

#define PIPE_BLOCKS	8
#define PIPE_LINES	512		/* lines per block */
#define PIPE_BYTES	(128 * 1024)	/* ... or bytes, whichever first */

enum block_state { B_FREE, B_FILLING, B_READY, B_WALKING, B_DONE };

/* Where a copied string lives. */
enum where { W_NONE, W_LINE, W_TEXT, W_ARENA };

struct pline {
	size_t		 off, len;	/* the line in the block's bytes */
	size_t		 cut_from;
	bool		 whole;		/* applied by engine_line (logprefix lines) */
	enum walk_end	 w;
	struct verdict	 v;		/* text, masked, errors: see below */
	enum where	 text_at, masked_at;
	size_t		 text_off, masked_off;	/* in the line or the arena */
	size_t		 err_off;	/* v.nerrors rule indexes in errs */
};

struct block {
	enum block_state state;
	struct buf	 bytes;		/* the lines, back to back */
	struct pline	*lines;		/* PIPE_LINES */
	size_t		 n;
	struct buf	 arena;		/* texts and keys the walk built */
	size_t		*errs;
	size_t		 nerrs, errcap;
};

struct engine_pipe {
	struct engine	*e;
	time_t		 now;
	struct engine_lane lane;	/* the second thread's */
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 ready;		/* a block became READY, or stop */
	pthread_cond_t	 done;		/* a block became DONE */
	bool		 stop;
	struct block	 blk[PIPE_BLOCKS];
	size_t		 head;		/* oldest block not applied */
	size_t		 fill;		/* the block being filled */
};

/* Stores a walked line's borrowed strings in the block. */
static void
keep_line(struct block *b, struct pline *pl, const char *line)
{
	struct verdict *v = &pl->v;

	pl->text_at = W_NONE;
	if (v->text != NULL && v->text >= line && v->text <= line + pl->len) {
		pl->text_at = W_LINE;
		pl->text_off = (size_t)(v->text - line);
	} else if (v->text != NULL) {
		pl->text_at = W_ARENA;
		pl->text_off = b->arena.len;
		buf_add(&b->arena, v->text, v->textlen);
	}
	pl->masked_at = W_NONE;
	if (v->masked != NULL && v->masked == v->text)
		pl->masked_at = W_TEXT;
	else if (v->masked != NULL) {
		pl->masked_at = W_ARENA;
		pl->masked_off = b->arena.len;
		buf_add(&b->arena, v->masked, v->maskedlen);
	}
	pl->err_off = b->nerrs;
	if (v->nerrors > 0) {
		if (b->nerrs + v->nerrors > b->errcap) {
			b->errcap = (b->nerrs + v->nerrors) * 2;
			b->errs = xreallocarray(b->errs, b->errcap,
			    sizeof(*b->errs));
		}
		memcpy(b->errs + b->nerrs, v->errors,
		    v->nerrors * sizeof(*b->errs));
		b->nerrs += v->nerrors;
	}
	v->skipped = NULL;
	v->nskipped = 0;
	v->errors = NULL;
}

static void
walk_block(struct engine *e, struct engine_lane *ln, struct block *b)
{
	size_t i;

	buf_reset(&b->arena);
	b->nerrs = 0;
	for (i = 0; i < b->n; i++) {
		struct pline *pl = &b->lines[i];
		const char *line = b->bytes.data + pl->off;

		pl->w = engine_walk_line(e, ln, line, pl->len, pl->cut_from, &pl->v);
		/* a logprefix line's record borrows the lane's text: such
		 * lines (rare) are done whole, in order, by engine_line */
		pl->whole = pl->v.prefix >= 0;
		if (!pl->whole)
			keep_line(b, pl, line);
	}
}

static void
apply_block(struct engine_pipe *p, struct block *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct pline *pl = &b->lines[i];
		struct verdict *v = &pl->v;
		const char *line = b->bytes.data + pl->off;

		if (pl->whole) {
			engine_line(p->e, line, pl->len, pl->cut_from, p->now,
			    NULL);
			continue;
		}
		if (pl->text_at == W_LINE)
			v->text = line + pl->text_off;
		else if (pl->text_at == W_ARENA)
			v->text = b->arena.data + pl->text_off;
		if (pl->masked_at == W_TEXT)
			v->masked = v->text;
		else if (pl->masked_at == W_ARENA)
			v->masked = b->arena.data + pl->masked_off;
		v->errors = b->errs + pl->err_off;
		engine_apply(p->e, pl->w, line, pl->len, pl->cut_from, p->now,
		    v);
	}
	b->n = 0;
	buf_reset(&b->bytes);
}

/* The oldest READY block, or NULL.  Called with mu held. */
static struct block *
take_ready(struct engine_pipe *p)
{
	size_t k;

	for (k = 0; k < PIPE_BLOCKS; k++) {
		struct block *b = &p->blk[(p->head + k) % PIPE_BLOCKS];

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
	struct engine_pipe *p = arg;
	struct block *b;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && (b = take_ready(p)) == NULL)
			pthread_cond_wait(&p->ready, &p->mu);
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->mu);
		walk_block(p->e, &p->lane, b);
		pthread_mutex_lock(&p->mu);
		b->state = B_DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Applies the oldest block, walking READY blocks meanwhile rather than
 * waiting.  The oldest block must be READY or later. */
static void
apply_oldest(struct engine_pipe *p)
{
	struct block *h = &p->blk[p->head], *b;

	pthread_mutex_lock(&p->mu);
	while (h->state != B_DONE) {
		if ((b = take_ready(p)) != NULL) {
			pthread_mutex_unlock(&p->mu);
			walk_block(p->e, &p->e->lane, b);
			pthread_mutex_lock(&p->mu);
			b->state = B_DONE;
			continue;
		}
		pthread_cond_wait(&p->done, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	apply_block(p, h);
	pthread_mutex_lock(&p->mu);
	h->state = B_FREE;
	p->head = (p->head + 1) % PIPE_BLOCKS;
	pthread_mutex_unlock(&p->mu);
}

/* The state of block i (states change under mu). */
static enum block_state
state_of(struct engine_pipe *p, size_t i)
{
	enum block_state st;

	pthread_mutex_lock(&p->mu);
	st = p->blk[i].state;
	pthread_mutex_unlock(&p->mu);
	return st;
}

/* Hands the block being filled over and starts the next one. */
static void
submit(struct engine_pipe *p)
{
	struct block *b = &p->blk[p->fill];

	pthread_mutex_lock(&p->mu);
	b->state = B_READY;
	pthread_cond_signal(&p->ready);
	pthread_mutex_unlock(&p->mu);
	p->fill = (p->fill + 1) % PIPE_BLOCKS;
	while (state_of(p, p->fill) != B_FREE)
		apply_oldest(p);
	pthread_mutex_lock(&p->mu);
	p->blk[p->fill].state = B_FILLING;
	pthread_mutex_unlock(&p->mu);
}

struct engine_pipe *
engine_pipe_new(struct engine *e, time_t now)
{
	struct engine_pipe *p;
	size_t i;

	for (i = 0; i < e->conf->nrules; i++)
		if (e->conf->rules[i].kind == RULE_LOGCHECK)
			return NULL;
	p = xcalloc(1, sizeof(*p));
	p->e = e;
	p->now = now;
	if (engine_walk_lane_fork(&p->lane, e) == -1) {
		free(p);
		return NULL;
	}
	for (i = 0; i < PIPE_BLOCKS; i++) {
		buf_init(&p->blk[i].bytes, SIZE_MAX / 4);
		buf_init(&p->blk[i].arena, SIZE_MAX / 4);
		p->blk[i].lines = xcalloc(PIPE_LINES, sizeof(*p->blk[i].lines));
	}
	p->blk[0].state = B_FILLING;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->ready, NULL);
	pthread_cond_init(&p->done, NULL);
	if (pthread_create(&p->th, NULL, worker, p) != 0) {
		p->stop = true;
		engine_pipe_free(p);
		return NULL;
	}
	return p;
}

void
engine_pipe_line(struct engine_pipe *p, const char *line, size_t len,
    size_t cut_from)
{
	struct block *b = &p->blk[p->fill];
	struct pline *pl = &b->lines[b->n++];

	pl->off = b->bytes.len;
	pl->len = len;
	pl->cut_from = cut_from;
	buf_add(&b->bytes, line, len);
	if (b->n == PIPE_LINES || b->bytes.len >= PIPE_BYTES)
		submit(p);
}

void
engine_pipe_flush(struct engine_pipe *p)
{
	if (p->blk[p->fill].n > 0)
		submit(p);
	while (p->head != p->fill)
		apply_oldest(p);
}

void
engine_pipe_free(struct engine_pipe *p)
{
	size_t i;

	if (p == NULL)
		return;
	if (!p->stop) {
		engine_pipe_flush(p);
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_broadcast(&p->ready);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->th, NULL);
	}
	for (i = 0; i < PIPE_BLOCKS; i++) {
		buf_free(&p->blk[i].bytes);
		buf_free(&p->blk[i].arena);
		free(p->blk[i].lines);
		free(p->blk[i].errs);
	}
	engine_walk_lane_free(&p->lane);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->ready);
	pthread_cond_destroy(&p->done);
	free(p);
}
