/*
 * conf_sumset — the set directives of summaries, the disk thresholds and
 * the clock check (conf_sumset.c).  Internal to the parser: only conf*.c
 * include it.
 */
#ifndef LOGWARD_CONF_SUMSET_H
#define LOGWARD_CONF_SUMSET_H

#include "conf/conf_int.h"

/* set summary, disk, disk_interval, disk_mounts, disk_exclude,
 * clock_skew, clock_zone, summary_max_keys, summary_max_unmatched; ended
 * by a NULL name.  conf.c walks it for "set NAME". */
extern const struct set_directive conf_sumset_directives[];

#endif
