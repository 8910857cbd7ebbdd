/*
 * sumtext — a summary report as text, in the frame logwatch users know
 * (sumtext.c).
 */
#ifndef LOGWARD_SUMTEXT_H
#define LOGWARD_SUMTEXT_H

#include "lib/buf.h"
#include "report/sumview.h"

/* Appends the text of r to out.  Borrows r. */
void	sumtext_render(struct buf *out, const struct sumreport *r);

#endif
