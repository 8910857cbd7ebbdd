/*
 * sumhtml — a summary report as an HTML document, for the HTML part of a summary mail (sumhtml.c).
 */
#ifndef LOGWARD_SUMHTML_H
#define LOGWARD_SUMHTML_H

#include "lib/buf.h"
#include "report/sumview.h"

/* Appends r as HTML to out.  Borrows r. */
void	sumhtml_render(struct buf *out, const struct sumreport *r);

#endif
