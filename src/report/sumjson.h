/*
 * sumjson — a summary report as one JSON object carrying every row (sumjson.c).
 */
#ifndef LOGWARD_SUMJSON_H
#define LOGWARD_SUMJSON_H

#include "lib/buf.h"
#include "report/sumview.h"

/* Appends r as JSON to out.  Borrows r. */
void	sumjson_render(struct buf *out, const struct sumreport *r);

#endif
