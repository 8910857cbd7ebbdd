/*
 * engine_pipe — engine_line's two halves on lib/lpipe (see
 * engine_pipe.h).
 *
 * A walked line's pointers borrow the walking lane's buffers until the
 * next line, so what the apply needs of them (the text, the key, the
 * rules that hit a PCRE2 limit) is copied into the block's results:
 * offsets while the block is walked, pointers again when it is applied.
 * The tokens the walk found for the template miner (rare once the
 * store's exact cache knows the messages) are kept the same way, up to
 * TOKS_MAX per block; past that the apply splits the message itself.
 */
#include "classify/engine_pipe.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "classify/automask.h"
#include "classify/engine.h"
#include "lib/buf.h"
#include "lib/lpipe.h"
#include "lib/xmem.h"

#define TOKS_MAX	(LPIPE_LINES * 8)	/* tokens kept per block (96 KiB) */

/* Where a copied string lives. */
enum where { W_NONE, W_LINE, W_TEXT, W_ARENA };

struct pline {
	bool		 whole;		/* applied by engine_line (logprefix lines) */
	enum walk_end	 w;
	struct verdict	 v;		/* text, masked, errors: see below */
	enum where	 text_at, masked_at;
	size_t		 text_off, masked_off;	/* in the line or the arena */
	size_t		 err_off;	/* v.nerrors rule indexes in errs */
	size_t		 tok_off;	/* v.tprep.ntok tokens in toks */
};

/* A block's results (lpipe_block.res). */
struct results {
	struct pline	*lines;		/* LPIPE_LINES */
	struct buf	 arena;		/* texts and keys the walk built */
	size_t		*errs;
	size_t		 nerrs, errcap;
	struct tmpl_tok	*toks;		/* TOKS_MAX: the miner's tokens */
	size_t		 ntoks;
};

struct engine_pipe {
	struct engine	*e;
	time_t		 now;
	struct lpipe	*lp;
	_Atomic uint64_t *seen;		/* owned: the lanes' automask_prep
					   memory (AUTOMASK_SEEN), or NULL */
	char		 apart[64];	/* the lane below is written by the
					   other thread line by line: not on
					   the cache line of what the apply
					   reads */
	struct engine_lane lane;	/* the second thread's */
};

/* Stores a walked line's borrowed strings in the block's results. */
static void
keep_line(struct results *rs, struct pline *pl, const char *line, size_t len)
{
	struct verdict *v = &pl->v;

	pl->text_at = W_NONE;
	if (v->text != NULL && v->text >= line && v->text <= line + len) {
		pl->text_at = W_LINE;
		pl->text_off = (size_t)(v->text - line);
	} else if (v->text != NULL) {
		pl->text_at = W_ARENA;
		pl->text_off = rs->arena.len;
		buf_add(&rs->arena, v->text, v->textlen);
	}
	pl->masked_at = W_NONE;
	if (v->masked != NULL && v->masked == v->text)
		pl->masked_at = W_TEXT;
	else if (v->masked != NULL) {
		pl->masked_at = W_ARENA;
		pl->masked_off = rs->arena.len;
		buf_add(&rs->arena, v->masked, v->maskedlen);
	}
	pl->err_off = rs->nerrs;
	if (v->nerrors > 0) {
		if (rs->nerrs + v->nerrors > rs->errcap) {
			rs->errcap = (rs->nerrs + v->nerrors) * 2;
			rs->errs = xreallocarray(rs->errs, rs->errcap,
			    sizeof(*rs->errs));
		}
		memcpy(rs->errs + rs->nerrs, v->errors,
		    v->nerrors * sizeof(*rs->errs));
		rs->nerrs += v->nerrors;
	}
	v->skipped = NULL;
	v->nskipped = 0;
	v->errors = NULL;
	if (v->tprep.tok != NULL) {
		if (rs->ntoks + v->tprep.ntok > TOKS_MAX) {
			v->tprep.tok = NULL;	/* the apply splits it */
			v->tprep.ntok = 0;
		} else {
			pl->tok_off = rs->ntoks;
			memcpy(rs->toks + rs->ntoks, v->tprep.tok,
			    v->tprep.ntok * sizeof(*rs->toks));
			rs->ntoks += v->tprep.ntok;
		}
	}
}

static void
walk_block(void *arg, int lane, struct lpipe_block *b)
{
	struct engine_pipe *p = arg;
	struct engine_lane *ln = lane == 0 ? &p->e->lane : &p->lane;
	struct results *rs = b->res;
	size_t i;

	if (rs == NULL) {
		rs = b->res = xcalloc(1, sizeof(*rs));
		rs->lines = xcalloc(LPIPE_LINES, sizeof(*rs->lines));
		buf_init(&rs->arena, SIZE_MAX / 4);
		rs->toks = xcalloc(TOKS_MAX, sizeof(*rs->toks));
	}
	buf_reset(&rs->arena);
	rs->nerrs = 0;
	rs->ntoks = 0;
	for (i = 0; i < b->n; i++) {
		const struct lpipe_line *l = &b->lines[i];
		struct pline *pl = &rs->lines[i];
		const char *line = b->bytes + l->off;

		pl->w = engine_walk_line(p->e, ln, line, l->len, l->cut_from,
		    &pl->v);
		/* a logprefix line's record borrows the lane's text: such
		 * lines (rare) are done whole, in order, by engine_line */
		pl->whole = pl->v.prefix >= 0;
		if (!pl->whole)
			keep_line(rs, pl, line, l->len);
	}
}

static void
apply_block(void *arg, struct lpipe_block *b)
{
	struct engine_pipe *p = arg;
	struct results *rs = b->res;
	size_t i;

	for (i = 0; i < b->n; i++) {
		const struct lpipe_line *l = &b->lines[i];
		struct pline *pl = &rs->lines[i];
		struct verdict *v = &pl->v;
		const char *line = b->bytes + l->off;

		if (pl->whole) {
			engine_line(p->e, line, l->len, l->cut_from, p->now,
			    NULL);
			continue;
		}
		if (pl->text_at == W_LINE)
			v->text = line + pl->text_off;
		else if (pl->text_at == W_ARENA)
			v->text = rs->arena.data + pl->text_off;
		if (pl->masked_at == W_TEXT)
			v->masked = v->text;
		else if (pl->masked_at == W_ARENA)
			v->masked = rs->arena.data + pl->masked_off;
		v->errors = rs->errs + pl->err_off;
		if (v->tprep.tok != NULL)
			v->tprep.tok = rs->toks + pl->tok_off;
		engine_apply(p->e, pl->w, line, l->len, l->cut_from, p->now,
		    v);
	}
}

static void
results_free(void *res)
{
	struct results *rs = res;

	free(rs->lines);
	buf_free(&rs->arena);
	free(rs->errs);
	free(rs->toks);
	free(rs);
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
	if (e->tmpl != NULL) {
		/* the walks split the messages new to both lanes: the
		 * apply then rarely has to */
		p->seen = xcalloc(AUTOMASK_SEEN, sizeof(*p->seen));
		p->lane.seen = e->lane.seen = p->seen;
	}
	if ((p->lp = lpipe_new(walk_block, apply_block, results_free,
	    p)) == NULL) {
		engine_walk_lane_free(&p->lane);
		e->lane.seen = NULL;
		free(p->seen);
		free(p);
		return NULL;
	}
	return p;
}

void
engine_pipe_line(struct engine_pipe *p, const char *line, size_t len,
    size_t cut_from)
{
	lpipe_line(p->lp, line, len, cut_from);
}

void
engine_pipe_free(struct engine_pipe *p)
{
	if (p == NULL)
		return;
	lpipe_free(p->lp);
	engine_walk_lane_free(&p->lane);
	p->e->lane.seen = NULL;
	free(p->seen);
	free(p);
}
