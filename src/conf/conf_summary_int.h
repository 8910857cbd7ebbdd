/*
 * conf_summary_int — the line directives of service definitions and the
 * parser hook of conf_summary.c, for the parser core (conf.c) and the
 * summary directive files (conf_summary.c, conf_sumset.c) only.
 */
#ifndef LOGWARD_CONF_SUMMARY_INT_H
#define LOGWARD_CONF_SUMMARY_INT_H

#include "conf/conf_int.h"
#include "conf/conf_summary.h"

/* Line directives (service, service_end, programs, where, unmatched,
 * fact, count, also, ignore), ended by a NULL word. */
extern const struct line_directive conf_summary_lines[];

/* End of the configuration: reports a service left open and resolves
 * the service lists of set summary. */
void	conf_summary_finish(struct parser *p);

#endif
