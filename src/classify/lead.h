/*
 * lead — which first two bytes of a message can begin a match of any
 * rule the engine's Hyperscan database holds, so that a message no rule
 * can match is not scanned at all (tenshi's rules are anchored: "^sshd",
 * "^kernel: "; in a syslog stream most messages come from programs no
 * rule names).
 *
 * Built by asking PCRE2 itself: every one- and two-byte subject is
 * matched with PCRE2_PARTIAL_HARD, which says whether a longer subject
 * starting so could match.  That holds only for a pattern anchored at
 * its start (PCRE2 tries no partial match that would begin past the
 * subject), so a rule that is not gives no table: every message is
 * scanned.  A message shorter than two bytes is always scanned.
 */
#ifndef LOGWARD_LEAD_H
#define LOGWARD_LEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

#define LEAD_BYTES	(65536 / 8)

/* The table (LEAD_BYTES, one bit per pair of first bytes) for the rules
 * of c whose mode[i] is SCAN_EXACT or SCAN_PREFILTER; NULL when a table
 * cannot be built or would let every message through. */
uint8_t	*lead_build(const struct conf *c, const uint8_t *mode);

/* Whether a message text[0..len) may match one of the table's rules. */
static inline bool
lead_may(const uint8_t *lead, const char *text, size_t len)
{
	unsigned i;

	if (lead == NULL || len < 2)
		return true;
	i = (unsigned)(unsigned char)text[0] << 8 | (unsigned char)text[1];
	return lead[i >> 3] >> (i & 7) & 1;
}

#endif
