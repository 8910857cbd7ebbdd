/*
 * conf_sumkey — parsing a fact's key template into levels and parts, and
 * binding it to the named captures of a rule's regex (conf_sumkey.c).
 */
#ifndef LOGWARD_CONF_SUMKEY_H
#define LOGWARD_CONF_SUMKEY_H

#include <stddef.h>

#include "conf/conf_summary.h"
#include "lib/match.h"

/* Parses spec ("ip>user/method") into f->levels, f->nlevels and
 * f->nparts (owned by f).  Returns 0, or -1 with a message in err (f's
 * levels must still be freed with conf_sumkey_free). */
int	conf_sumkey_parse(struct sum_fact *f, const char *spec, char *err,
	    size_t errlen);

/* Resolves every capture part of f in re into cap[0..f->nparts) (group
 * numbers, SUM_PART_LIT, SUM_PART_HOST or SUM_PART_PROG) and f->bytes into
 * *bytescap.  Returns 0, or -1 with a message in err naming the capture
 * the regex lacks.  Borrows everything. */
int	conf_sumkey_bind(const struct sum_fact *f, const struct regex *re,
	    int *cap, int *bytescap, char *err, size_t errlen);

/* Frees f's levels (not f). */
void	conf_sumkey_free(struct sum_fact *f);

#endif
