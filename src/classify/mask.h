/*
 * mask — replace the text captured by a rule's groups with the mask
 * string, producing the aggregation key of a line.
 *
 * Every capture group that took part in the match is replaced by the mask;
 * a group that matched the empty string inserts it.  Groups are applied
 * in the order of their position in the text; a group whose span lies
 * inside another group's span (nested groups, look-ahead groups) is part
 * of the outer replacement, and overlapping spans are merged, so the
 * result never depends on group numbering.  For disjoint groups in
 * left-to-right order this is exactly tenshi's result.
 */
#ifndef LOGWARD_MASK_H
#define LOGWARD_MASK_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Appends to out the masked form of s[0..len): ov holds npairs pairs of
 * offsets into s (pair 0, the whole match, is ignored; unset pairs are
 * PCRE2_UNSET).  Returns 0, or -1 when out's maximum was hit (out is then
 * freed, as buf_add does). */
int	mask_apply(struct buf *out, const char *s, size_t len,
	    const PCRE2_SIZE *ov, uint32_t npairs, const char *mask, size_t masklen);

#endif
