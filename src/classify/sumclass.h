/*
 * sumclass — a record → the summary services it belongs to → the first
 * rule of each that takes it → counts in summary stores.
 *
 * A line belongs to every service whose programs name its tag (exact, a
 * prefix ending in '*' or a suffix after a leading '*') or whose where
 * patterns match its message (the
 * text after "prog[pid]: ", or the whole line when it has no syslog
 * header, as in web server access logs).  In each such service the rules
 * run in file order: the first count or ignore rule that matches takes
 * the line (also rules count and let the next rules try); a line no rule
 * takes is unmatched.  The key of a count is the fact's template filled
 * from the rule's named captures.
 *
 * Repeats count what they repeat: "last message repeated N times" adds N
 * to the host's previous line of a service, "message repeated N times:
 * [ MSG ]" (rsyslog) counts MSG N times.
 *
 * Patterns run in PCRE2 (JIT), each only when the line holds the literal
 * text the pattern needs (sumlit: its prefix after '^', its longest
 * literal run), so most rules of a service are passed over with a
 * compare.  (Measured on the bench corpus with callgrind: 29 % fewer
 * instructions than one Hyperscan database per service, which scanned
 * every line of a service against all its rules.)
 */
#ifndef LOGWARD_SUMCLASS_H
#define LOGWARD_SUMCLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "classify/sumlit.h"
#include "conf/conf_summary.h"
#include "input/record.h"
#include "lib/buf.h"
#include "lib/map.h"
#include "queue/sumstore.h"

#define SUMCLASS_MAX_HOSTS	10000	/* hosts whose previous line is kept */
#define SUMCLASS_MAX_KEPT	2048	/* longest previous line kept (bytes) */

/* A store and the services it counts. */
struct sumclass_target {
	struct sumstore	*store;		/* borrowed */
	const bool	*want;		/* borrowed, per service; NULL = all */
};

/* One thread's scratch for classifying. */
struct sumclass_lane {
	size_t		*cand;		/* candidate services */
	struct buf	 key;		/* the key being built */
	struct buf	 inner;		/* one level of it */
};

/* What classifying a line decided for the stores, in order (replayed by
 * sumclass_apply on the thread that owns the stores). */
enum sumop_kind {
	SUMOP_LINE,		/* a line (w of them) of service svc */
	SUMOP_IGNORED,		/* ... that an ignore rule took */
	SUMOP_COUNT,		/* w lines, bytes, under key in fact */
	SUMOP_UNMATCHED,	/* w lines of msg that no rule took */
	SUMOP_ERROR,		/* a rule's match hit a PCRE2 limit */
};

struct sumop {
	enum sumop_kind	 kind;
	uint32_t	 svc, fact;
	uint64_t	 w, bytes;
	const char	*msg;		/* UNMATCHED: borrowed (the line) */
	size_t		 len;
	size_t		 koff, klen;	/* COUNT: the key in ops.keys */
};

struct sumclass_ops {
	struct sumop	*v;
	size_t		 n, cap;
	struct buf	 keys;
};

/* How a line's walk ended. */
enum sumwalk_kind {
	SUMW_NONE,		/* no services */
	SUMW_LASTREP,		/* "last message repeated N times": the
				   host's previous line counts (apply) */
	SUMW_INNER,		/* "message repeated N times: [ MSG ]" */
	SUMW_PLAIN,
};

struct sumclass_walk {
	enum sumwalk_kind kind;
	uint64_t	 rep;		/* N of a repeat */
	bool		 in;		/* the line belongs to a service */
	size_t		 op0, op1;	/* its ops in the sumclass_ops */
};

struct sumclass_stats {
	uint64_t	 lines;		/* records offered */
	uint64_t	 in_service;	/* ... that belonged to a service */
	uint64_t	 repeats;	/* repeat lines expanded */
	uint64_t	 repeat_lost;	/* repeat lines with nothing to credit */
	uint64_t	 regex_errors;	/* rule matches that hit a PCRE2 limit */
};

struct sumclass {
	const struct sum_conf *sc;	/* borrowed */
	struct map	 progs;		/* program → (uintptr_t) 1 + index into plist */
	size_t		**plist;	/* owned: per program, its services */
	size_t		*nplist;
	size_t		 nprog;
	size_t		*pfx_svc;	/* owned: services of prefix programs */
	char		**pfx;		/* borrowed from sc: the prefixes */
	bool		*sfx;		/* owned: pfx[i] is a suffix ("*(pam_unix)") */
	size_t		*pfxlen;
	size_t		 npfx;
	size_t		*wsvc;		/* owned: where pattern id → service */
	const struct regex **wre;	/* owned array of borrowed patterns */
	size_t		 nwhere;
	size_t		*rbase;		/* owned: per service, id of its first rule */
	bool		*needcap;	/* owned: per rule id, captures are used */
	struct sumlit	*wlit;		/* owned: per where pattern, its literals */
	struct sumlit	*rlit;		/* owned: per rule id, its literals */
	uint32_t	**byfirst;	/* owned: per service, rule indexes by the
					   first byte of a message ... */
	uint32_t	*firstoff;	/* owned: ... from firstoff[svc * 257 + b]
					   to firstoff[svc * 257 + b + 1] */
	size_t		 nrules;
	char		 apart[64];	/* what follows is this thread's,
					   written line by line; what precedes,
					   read by another thread's walk too:
					   not on one cache line */
	struct sumclass_lane lane;	/* this thread's scratch */
	struct sumclass_ops ops;	/* sumclass_record's ops */
	struct sumclass_ops lastops;	/* a "last message repeated" line's */
	struct map	 hosts;		/* host → owned struct sumclass_last * */
	struct sumclass_stats stats;
};

struct conf;

/* The bytes of set max_memory that the summary stores of c may hold in
 * all (0 = no cap: max_memory 0 or no summaries).  The summary's part is
 * an eighth of it in the daemon, beside the queues and the templates
 * (alone false), a half in `logward summary`, where nothing else grows
 * (alone true); the stores get half of that part, rendering the rest. */
uint64_t sumclass_memory(const struct conf *c, bool alone);

/* Sets up k for sc (borrowed; must outlive k). */
void	sumclass_init(struct sumclass *k, const struct sum_conf *sc);
void	sumclass_free(struct sumclass *k);

/* The time of r: its stamp (record_time, BSD stamps in local time near
 * now), else for a line without a syslog header the stamp of a web
 * server access log ("[21/Nov/2026:10:00:01 +0100]"); -1 when it has
 * none. */
time_t	sumclass_time(const struct record *r, time_t now);

/* Counts record r (time t, 0 when unknown) in the targets that want its
 * services.  Borrows everything.  Returns true when r belonged to at
 * least one service. */
bool	sumclass_record(struct sumclass *k, const struct record *r, time_t t,
	    const struct sumclass_target *tg, size_t ntg);

/* sumclass_record in two halves, for a second thread: sumclass_walk
 * classifies r (needing nothing the lines before left: any thread, its
 * own lane, lane_init'ed) and appends what the stores must do to ops;
 * sumclass_apply does it (the thread that owns k's stores and host
 * memory, lines in input order).  r's bytes must live until the apply. */
void	sumclass_lane_init(const struct sumclass *k, struct sumclass_lane *ln);
void	sumclass_lane_free(struct sumclass_lane *ln);
void	sumclass_ops_init(struct sumclass_ops *ops);
void	sumclass_ops_reset(struct sumclass_ops *ops);
void	sumclass_ops_free(struct sumclass_ops *ops);
void	sumclass_walk(const struct sumclass *k, struct sumclass_lane *ln,
	    const struct record *r, const struct sumclass_target *tg,
	    size_t ntg, struct sumclass_ops *ops, struct sumclass_walk *w);
bool	sumclass_apply(struct sumclass *k, const struct record *r, time_t t,
	    const struct sumclass_walk *w, const struct sumclass_ops *ops,
	    const struct sumclass_target *tg, size_t ntg);

#endif
