/*
 * check_account — the line a one-shot `check` ends with on stderr when
 * lines were read and not all of them were reported: how many were read,
 * reported, trashed, matched no rule, dropped for lack of a host prefix
 * (with what to do about it), cut at max_line, and left out of reports by
 * limits.  So silence on stdout means "nothing to report", never
 * "nothing understood".
 */
#ifndef LOGWARD_CHECK_ACCOUNT_H
#define LOGWARD_CHECK_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "classify/engine.h"
#include "cli/oneshot.h"
#include "conf/conf.h"

struct check_account {
	uint64_t	 read;		/* lines read */
	uint64_t	 reported;	/* filed into a queue (or credited by repeat) */
	uint64_t	 trashed;	/* taken by a trash rule */
	uint64_t	 unmatched;	/* no rule took them */
	uint64_t	 noprefix;	/* no host prefix, no noprefix queue: dropped */
	uint64_t	 cut;		/* cut at max_line (reported, but cut) */
	uint64_t	 limited;	/* counted but not itemised (limit, thresholds, caps) */
	uint64_t	 regex_errors;	/* lines that hit a PCRE2 limit */
	uint64_t	 regex_dropped;	/* ... and then went unreported */
};

/* Fills a from the engine's counters (after the reports were rendered)
 * and the run's (borrowed). */
void	check_account_fill(struct check_account *a,
	    const struct engine_stats *es, const struct oneshot_stats *os);

/* Prints the regex-limit and cut warnings, then the account line when
 * something was not reported (with quiet: only when lines were lost
 * without a rule deciding it: no prefix, cut, limited, regex errors). */
void	check_account_print(const struct check_account *a,
	    const struct conf *c, bool quiet);

#endif
