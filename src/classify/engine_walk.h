/*
 * engine_walk — the half of the rule program that depends on the line
 * alone: the prefix and host, hidepid, the Hyperscan pass, and the walk
 * through the rules in config order up to the rule that takes the line,
 * with the masked key it files under.  It changes no state the next line
 * could see (queues, per-host state, templates, counters are
 * engine.c's), so several threads can walk lines at once, each with its
 * own lane (scratch buffers and Hyperscan scratch), and engine.c applies
 * the outcomes in input order.
 */
#ifndef LOGWARD_ENGINE_WALK_H
#define LOGWARD_ENGINE_WALK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/scan.h"

struct engine;
struct tmpl_line;
struct verdict;

/* Appended to the key of a line cut at max_line. */
#define ENGINE_CUT_MARK	" [logward: line cut at %zu of %zu bytes]"

/* Where a walk stopped. */
enum walk_end {
	WALK_NOPREFIX,		/* no prefix at all (v->prefix < 0) */
	WALK_PREFIX_NOHOST,	/* a logprefix matched without its host group */
	WALK_NORULE,		/* no rule took the line */
	WALK_TRASH,		/* v->rule, a trash rule, took it */
	WALK_REPEAT,		/* v->rule, a repeat rule, took it (v->credit) */
	WALK_QUEUE,		/* v->rule took it under v->masked */
	WALK_LOGCHECK,		/* stopped at the logcheck directive v->rule:
				   the caller classifies, then resumes */
};

/* A group_host rule's answer for one host, as a lane remembers it. */
#define ENGINE_HOSTMEMO		256	/* answers a lane keeps */
#define ENGINE_NO_PARENT	((size_t)-1)	/* engine.parent: at the top */
#define ENGINE_HOSTMEMO_LEN	64	/* for host names up to this long */
struct engine_hostmemo {
	uint32_t	 rule;		/* the group_host rule */
	uint8_t		 len;		/* the host's length; 0 = empty slot */
	bool		 yes;		/* its regex matched the host */
	char		 host[ENGINE_HOSTMEMO_LEN];
};

/* One thread's scratch for walking lines. */
struct engine_lane {
	struct scan	 own;		/* scratch and hits on the engine's
					   database (scan_fork) */
	bool		 forked;		/* own is set (the engine scans) */
	int		 scanned;	/* 1 scanned, -1 scan failed, 0 no scan */
	uint32_t	*hits;		/* the scan's hits, sorted */
	size_t		 nhits, hi;	/* count; the walk's place in them */
	bool		 visit_groups;	/* visit every group, so that
					   verdict.skipped lists each one that
					   fails (explain); else the walk jumps
					   over the groups the scan did not hit
					   (they are not listed) */
	struct buf	 text;		/* message after prefix / hidepid */
	struct buf	 masked;	/* the masked message */
	size_t		*skipped;	/* verdict.skipped (nrules) */
	size_t		*errors;	/* verdict.errors (nrules) */
	struct engine_hostmemo *hostmemo; /* owned: ENGINE_HOSTMEMO answers */
	struct tmpl_line *tline;	/* owned: automask_prep's tokens, or NULL */
	_Atomic uint64_t *seen;		/* borrowed: automask_prep's memory of
					   messages, shared by the lanes of a
					   pipe (engine_pipe's); NULL: the
					   walk never splits (the apply does,
					   when it needs the tokens) */
};

/* The engine's own lane (no memory for a Hyperscan scratch is fatal)
 * and a lane for another thread (0, or -1 when Hyperscan cannot clone
 * its scratch).  A lane holds no pointer into the engine struct, which
 * may be copied (reload). */
void	engine_walk_lane_init(struct engine_lane *ln, struct engine *e);
int	engine_walk_lane_fork(struct engine_lane *ln, struct engine *e);
void	engine_walk_lane_free(struct engine_lane *ln);

/* Walks line[0..len) from its start: fills v (zeroed first) with the
 * record, host (and its map_hash), text, the rule and key, and for a line
 * the template store will mine (a queue rule without captures, e->tmpl
 * set) what automask_prep finds (v->tprep).  The pointers borrow the line
 * and the lane's buffers.  Touches nothing in e but what it reads (of
 * the template store, its seeds). */
enum walk_end engine_walk_line(const struct engine *e, struct engine_lane *ln,
	    const char *line, size_t len, size_t cut_from, struct verdict *v);
/* Goes on from the rule after v->rule (after WALK_LOGCHECK declined). */
enum walk_end engine_walk_resume(const struct engine *e, struct engine_lane *ln,
	    size_t len, size_t cut_from, struct verdict *v);

#endif
