/*
 * ere_emit — the emitters of the ERE translator (ere.c): the parse tree of
 * ere_int.h as PCRE2 or Hyperscan syntax.  Only the translator's files
 * include it.
 */
#ifndef LOGWARD_ERE_EMIT_H
#define LOGWARD_ERE_EMIT_H

#include "conf/ere_int.h"
#include "lib/buf.h"

/* Records what may precede and follow every node (Hyperscan anchors). */
void	ere_emit_place(struct parser *p, int ni, enum side pre, enum side post);

/* Appends node ni in the target's syntax to o and sets its never flag.
 * Returns 0, or -1 through ere_fail(). */
int	ere_emit_node(struct parser *p, struct buf *o, int ni);

#endif
