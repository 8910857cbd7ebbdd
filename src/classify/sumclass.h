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
 * Unless PCRE2 alone is asked for, the where patterns are in one
 * Hyperscan database and each service's rules in one of its own, so a
 * line is scanned once for the services and once per service it belongs
 * to for their rules; PCRE2 runs for the captures of the rule that takes
 * the line.
 */
#ifndef LOGWARD_SUMCLASS_H
#define LOGWARD_SUMCLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf_summary.h"
#include "input/record.h"
#include "lib/buf.h"
#include "lib/map.h"
#include "lib/scan.h"
#include "queue/sumstore.h"

#define SUMCLASS_MAX_HOSTS	100000	/* hosts whose previous line is kept */

/* A store and the services it counts. */
struct sumclass_target {
	struct sumstore	*store;		/* borrowed */
	const bool	*want;		/* borrowed, per service; NULL = all */
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
	bool		 use_scan;	/* Hyperscan databases were built */
	struct scan	 wscan;		/* the where patterns of all services */
	size_t		*wsvc;		/* owned: where pattern id → service */
	const struct regex **wre;	/* owned array of borrowed patterns */
	size_t		 nwhere;
	struct scan	*rscan;		/* owned: per service, its rules */
	size_t		*rbase;		/* owned: per service, id of its first rule */
	bool		*needcap;	/* owned: per rule id, captures are used */
	size_t		 nrules;
	size_t		*cand;		/* owned scratch: candidate services */
	struct buf	 key;		/* scratch: the key being built */
	struct buf	 inner;		/* scratch: a repeated message */
	struct map	 hosts;		/* host → owned struct sumclass_last * */
	struct sumclass_stats stats;
};

/* Sets up k for sc (borrowed; must outlive k).  pcre2: no Hyperscan.
 * cachedir (may be NULL) keeps compiled databases. */
void	sumclass_init(struct sumclass *k, const struct sum_conf *sc, bool pcre2,
	    const char *cachedir);
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

#endif
