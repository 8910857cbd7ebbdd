/*
 * engine_pipe — engine_line on two CPUs for one-shot runs: the lines are
 * copied into blocks (lib/lpipe), a second thread walks each block
 * (engine_walk_line: prefix, Hyperscan, the rule and its masked key,
 * nothing that depends on earlier lines), and the caller's thread applies the outcomes to
 * the queues in input order (engine_apply), walking a block itself when
 * it would otherwise wait.  The queues, the per-host state, templates
 * and every counter end exactly as engine_line leaves them line by line:
 * only the stateless half runs out of order.
 */
#ifndef LOGWARD_ENGINE_PIPE_H
#define LOGWARD_ENGINE_PIPE_H

#include <stddef.h>
#include <time.h>

struct engine;
struct engine_pipe;

/* A pipe feeding e, with now as engine_line's now; NULL (and the caller
 * goes on with engine_line) when e cannot be walked in another thread:
 * a logcheck directive among the rules (its classifier has one
 * scratch), or no thread or Hyperscan scratch to be had. */
struct engine_pipe *engine_pipe_new(struct engine *e, time_t now);
/* Takes one line (copied); cut_from as in engine_line. */
void	engine_pipe_line(struct engine_pipe *p, const char *line, size_t len,
	    size_t cut_from);
/* Applies every line given so far, stops the thread and frees p (NULL
 * is fine). */
void	engine_pipe_free(struct engine_pipe *p);

#endif
