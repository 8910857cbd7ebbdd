/*
 * lead — the first two bytes a rule's match can begin with (see lead.h).
 */
#include "classify/lead.h"

#include <stdlib.h>

#include "lib/match.h"
#include "lib/scan.h"
#include "lib/xmem.h"

/* Whether a subject starting with s[0..n) can match code (anchored):
 * anything but "no match" (a match, a partial one, an error) says yes. */
static bool
may(const pcre2_code *code, const unsigned char *s, size_t n,
    pcre2_match_data *md)
{
	return pcre2_match(code, s, n, 0, PCRE2_PARTIAL_HARD | PCRE2_NO_JIT,
	    md, NULL) != PCRE2_ERROR_NOMATCH;
}

/* Adds the pairs rule code can begin with to lead; false when the rule
 * is not anchored. */
static bool
add_rule(uint8_t *lead, const pcre2_code *code, pcre2_match_data *md)
{
	unsigned char s[2];
	uint32_t opts = 0;
	unsigned a, b, i;

	if (code == NULL ||
	    pcre2_pattern_info(code, PCRE2_INFO_ALLOPTIONS, &opts) != 0 ||
	    !(opts & PCRE2_ANCHORED))
		return false;
	for (a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		if (!may(code, s, 1, md))
			continue;
		for (b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			i = a << 8 | b;
			if (!(lead[i >> 3] >> (i & 7) & 1) && may(code, s, 2, md))
				lead[i >> 3] |= (uint8_t)(1u << (i & 7));
		}
	}
	return true;
}

uint8_t *
lead_build(const struct conf *c, const uint8_t *mode)
{
	uint8_t *lead = xcalloc(1, LEAD_BYTES);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	bool ok = md != NULL;
	size_t i, set = 0;

	for (i = 0; ok && i < c->nrules; i++)
		if (mode[i] == SCAN_EXACT || mode[i] == SCAN_PREFILTER)
			ok = add_rule(lead, c->rules[i].re.code, md);
	for (i = 0; ok && i < LEAD_BYTES; i++)
		set += lead[i] == 0xff;
	if (md != NULL)
		pcre2_match_data_free(md);
	if (!ok || set == LEAD_BYTES) {
		free(lead);
		return NULL;
	}
	return lead;
}
