/*
 * engine — the ordered rule program (tenshi semantics): find a line's
 * prefix and host, apply hidepid, walk the rules in config order with
 * groups as prefilters, and file the masked message into the queues of
 * the first rule that matches (trash drops, repeat credits the host's
 * previous line, escalation lists file by per-host match counts).
 *
 * The engine owns one struct queue per configured queue and the per-host
 * state (escalation counters, the previous line for repeat).
 */
#ifndef LOGWARD_RULES_H
#define LOGWARD_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/buf.h"
#include "conf/conf.h"
#include "lib/map.h"
#include "queue/queue.h"
#include "input/record.h"
#include "lib/scan.h"
#include "classify/engine_walk.h"
#include "classify/tmpl.h"

struct tmpl;

#define NOPREFIX_HOST	"[unprefixed logs]"

enum verdict_kind {
	V_QUEUED,		/* filed into one or more queues */
	V_TRASH,		/* a trash rule took it */
	V_REPEAT,		/* a repeat rule credited the previous line */
	V_REPEAT_NONE,		/* a repeat rule, but nothing to credit */
	V_NORULE,		/* no rule matched: dropped */
	V_NOPREFIX,		/* no prefix: counted in the noprefix queue */
	V_NOPREFIX_DROPPED,	/* no prefix and no noprefix queue: dropped */
};

/* What happened to one line; filled by engine_line.  Pointers borrow the
 * line or the engine's scratch buffers and are valid until the next call. */
struct verdict {
	enum verdict_kind kind;
	struct record	 rec;		/* parsed fields */
	long		 prefix;	/* logprefix index that matched, -1 = built-in */
	const char	*host;
	size_t		 hostlen;
	uint64_t	 hosthash;	/* map_hash(host, hostlen) (prefixed lines) */
	const char	*text;		/* message the rules saw (hidepid applied) */
	size_t		 textlen;
	const char	*masked;	/* aggregation key (V_QUEUED) */
	size_t		 maskedlen;
	long		 rule;		/* rule that took the line, -1 if none */
	size_t		*queues;	/* queues that received the line (engine-owned) */
	size_t		 nqueues;
	uint64_t	 credit;	/* V_REPEAT: count added */
	/* for explain: rules evaluated on the way (engine-owned arrays) */
	size_t		*skipped;	/* group rules whose test failed */
	size_t		 nskipped;
	size_t		*errors;	/* rules whose match hit a PCRE2 limit */
	size_t		 nerrors;
	const char	*error_why;	/* reason of the first error */
	/* a line no rule masked, with a template store (automask.h) */
	struct tmpl_prep tprep;		/* the walk's automask_prep (tokens
					   borrowed from the lane) */
	uint64_t	 tmpl;		/* its template's id, 0 = not mined */
	bool		 tmpl_created;	/* the line started the template */
	bool		 tmpl_learned;	/* ... in the learning period */
	bool		 tmpl_near;	/* ... one word away from a known one */
	const char	*tkey;		/* key in queues with automask (engine-owned) */
	size_t		 tkeylen;
	uint64_t	 ttag;		/* the tag of entries filed under tkey */
};

struct hoststate;

struct engine_stats {
	uint64_t	 lines;		/* lines seen */
	uint64_t	 queued;
	uint64_t	 trashed;
	uint64_t	 repeats;
	uint64_t	 unmatched;
	uint64_t	 noprefix;
	uint64_t	 cut;		/* lines cut at max_line */
	uint64_t	 regex_errors;	/* lines with at least one PCRE2 limit hit */
	uint64_t	 regex_errors_dropped; /* ... that then were trashed or unmatched */
	uint64_t	 noprefix_dropped; /* of unmatched: no host prefix and no noprefix queue */
	uint64_t	 limited;	/* lines a report left out: set limit, thresholds
					   (added by report.c when it renders) */
};

struct engine {
	/* read by the walk of every lane, written only when set up */
	const struct conf *conf;	/* borrowed */
	bool		 use_scan;	/* Hyperscan prefilters the rules */
	struct scan	 scan;		/* message rules, id = rule index */
	size_t		*next_special;	/* owned: see build_jumps */
	size_t		*next_visit;	/* owned: see build_jumps */
	size_t		*parent;	/* owned: see build_jumps */
	bool		*every;		/* owned: per rule, it matches every
					   text (engine.c's catch_all) */
	uint8_t		*lead;		/* owned: lead.h's table for the
					   scanned rules, or NULL */
	struct tmpl	*tmpl;		/* borrowed: the template store, or NULL
					   (automask.h; set by the caller) */
	char		 localhost[256]; /* this host's name ('@' in selectors) */
	/* the rest is the applying thread's, written line by line: kept off
	 * the cache lines above, which another thread's walk reads (sharing
	 * one made that thread wait for it on every line) */
	char		 apart[64];
	struct queue	*queues;	/* owned, one per conf->queues */
	uint64_t	*queue_errlines; /* per queue: lines filed after a regex error */
	uint64_t	*rule_errors;	/* per rule: PCRE2 limit hits */
	struct map	 hosts;		/* host → struct hoststate * (owned) */
	struct engine_lane lane;	/* this thread's walk scratch */
	struct buf	 masked;	/* scratch: a noprefix line's key */
	size_t		*vqueues;	/* scratch for verdict.queues */
	long		 noprefix_queue; /* index of the noprefix queue, -1 */
	uint64_t	 mem_used;	/* bytes held by all queues */
	uint64_t	 mem_budget;	/* cap for them from set max_memory, 0 = none */
	struct engine_stats stats;
	struct buf	 tkey;		/* scratch: a line's automask key */
	time_t		 new_since;	/* reports mark templates new since then
					   (0: no marks) */
};

/* Sets up the engine for c.  Unless c->engine_pcre2, the message rules
 * are compiled into one Hyperscan database (cached in c->cachedir or the
 * default cache directory); if that fails, a warning is printed and
 * PCRE2 alone is used. */
void	engine_init(struct engine *e, const struct conf *c);
void	engine_free(struct engine *e);
/* (Re)computes the queues' memory budget from set max_memory and the
 * process's size now, and points every queue at the engine's total
 * (also after queues were moved in from another engine). */
void	engine_set_memory(struct engine *e);
/* Whether the queues' new entries keep their example line (they do
 * unless told): only a checkpoint reads it (queue_set_examples). */
void	engine_set_examples(struct engine *e, bool keep);

/* Classifies one line (no trailing newline) and files it.  cut_from is 0,
 * or the original length of a line that was cut to len bytes.  now is
 * the time used when the line carries no usable stamp.  v may be NULL. */
void	engine_line(struct engine *e, const char *line, size_t len,
	    size_t cut_from, time_t now, struct verdict *v);
/* engine_line's second half: applies what engine_walk_line found for the
 * line (w, v) to the queues and the per-host state.  Lines must come in
 * input order; a walk that ended at a logcheck directive must have run
 * in e->lane (engine_line does both halves so). */
void	engine_apply(struct engine *e, enum walk_end w, const char *line,
	    size_t len, size_t cut_from, time_t now, struct verdict *v);

/* Resets the escalation counters of host for every rule whose leftmost
 * queue is qi (called when a report of qi is generated, for each host in
 * it, as tenshi does). */
void	engine_reset_counters(struct engine *e, size_t qi, const char *host,
	    size_t hostlen);

/* Per-host state as the checkpoint sees it (borrowed views). */
struct engine_host {
	const char	*host;
	size_t		 hostlen;
	const uint32_t	*counters;	/* conf->nrules escalation counters, or NULL */
	int		 last;		/* 0 none, 1 previous line filed, 2 dropped */
	const char	*last_msg;	/* masked message of the previous filed line */
	size_t		 last_msglen;
	const size_t	*last_queues;	/* queues that received it */
	size_t		 nlast_queues;
};

/* Calls fn for every host the engine keeps state for. */
void	engine_hosts_each(const struct engine *e,
	    void (*fn)(const struct engine_host *, void *), void *arg);
/* Restores one host's state (from a checkpoint of the same rules).
 * Queue indexes at or past conf->nqueues are ignored. */
void	engine_host_restore(struct engine *e, const struct engine_host *h);

#endif
