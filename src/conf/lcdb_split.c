/*
 * lcdb_split — where lcdb_use_scan puts a logcheck rule among its two
 * Hyperscan databases (see lcdb_split.h): the stamp prefixes it
 * recognises, rules split at their top-level '|', tails with
 * backreferences as supersets.
 */
#include "conf/lcdb_split.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/ere.h"
#include "lib/buf.h"
#include "lib/xmem.h"

/*
 * Almost every shipped rule starts with one of a few texts that match the
 * stamp and the host, e.g. ^(\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32})
 * [._[:alnum:]-]+ followed by a blank.  Where that prefix matches, it
 * ends at one place (after the host and its blank), so such a rule
 * matches exactly when its tail matches there.  The tails, anchored, form
 * a second database scanned from that place: a few literal program names
 * instead of 1,500 copies of the stamp pattern.
 */
static const char *const stamp_prefix[LCDB_NVARIANTS] = {
	"^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ ",
	"^(\\w{3} [ :0-9]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ ",
	"^([[:alpha:]]{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ ",
	"^\\w{3} [ :[:digit:]]{11} [._[:alnum:]-]+ ",	/* BSD stamps only */
	"^\\w{3} [ :0-9]{11} [._[:alnum:]-]+ ",	/* the same (rsyslog) */
};

/* The top-level '|' of the ERE src[0..len): their offsets in bars (up to
 * max), their number as the result, or -1 when the parentheses or
 * brackets do not balance. */
static int
top_bars(const char *src, size_t len, size_t *bars, int max)
{
	size_t i, depth = 0;
	int nb = 0;

	for (i = 0; i < len; i++) {
		if (src[i] == '\\') {
			i++;
		} else if (src[i] == '[') {
			i++;
			if (i < len && src[i] == '^')
				i++;
			if (i < len && src[i] == ']')
				i++;
			while (i < len && src[i] != ']') {
				if (src[i] == '[' && i + 1 < len &&
				    strchr(":.=", src[i + 1]) != NULL) {
					const char *close;
					char end[3] = { src[i + 1], ']', '\0' };

					close = strstr(src + i + 2, end);
					if (close == NULL)
						return -1;
					i = (size_t)(close - src) + 2;
					continue;
				}
				i++;
			}
			if (i >= len)
				return -1;
		} else if (src[i] == '(') {
			depth++;
		} else if (src[i] == ')') {
			if (depth == 0)
				return -1;
			depth--;
		} else if (src[i] == '|' && depth == 0) {
			if (nb == max)
				return -1;
			bars[nb++] = i;
		}
	}
	return depth == 0 ? nb : -1;
}

/* Copies the ERE src into out with every backreference (\\1..\\9 outside
 * brackets) replaced by ".*", a pattern that matches a superset of
 * src's lines (what the reference matched is some string).  Returns
 * -1 when the brackets do not balance. */
static int
unbackref(const char *src, struct buf *out)
{
	size_t i, from, len = strlen(src);

	for (i = 0; i < len; i++) {
		if (src[i] == '\\') {
			if (i + 1 < len && src[i + 1] >= '1' && src[i + 1] <= '9') {
				buf_add(out, ".*", 2);
				i++;
			} else {
				buf_add(out, src + i, i + 1 < len ? 2 : 1);
				i++;
			}
		} else if (src[i] == '[') {
			from = i++;
			if (i < len && src[i] == '^')
				i++;
			if (i < len && src[i] == ']')
				i++;
			while (i < len && src[i] != ']') {
				if (src[i] == '[' && i + 1 < len &&
				    strchr(":.=", src[i + 1]) != NULL) {
					const char *close;
					char end[3] = { src[i + 1], ']', '\0' };

					close = strstr(src + i + 2, end);
					if (close == NULL)
						return -1;
					i = (size_t)(close - src) + 2;
					continue;
				}
				i++;
			}
			if (i >= len)
				return -1;
			buf_add(out, src + from, i + 1 - from);
		} else
			buf_addc(out, src[i]);
	}
	return 0;
}

/* The prefix variant (1..LCDB_NVARIANTS) a rule starts with, when what
 * follows can be matched on its own: no top-level '|', no leading
 * quantifier (it would repeat the blank).  A backreference would point
 * into the prefix: with backref, such a tail is taken (*backref is set:
 * its Hyperscan form is a superset, see unbackref), else refused. */
static int
rule_variant(const char *src, bool *backref)
{
	size_t n = 0, len;
	int v;

	for (v = 0; v < LCDB_NVARIANTS; v++) {
		n = strlen(stamp_prefix[v]);
		if (strncmp(src, stamp_prefix[v], n) == 0)
			break;
	}
	if (v == LCDB_NVARIANTS)
		return 0;
	src += n;
	len = strlen(src);
	if (len == 0 || strchr("*+?{", src[0]) != NULL ||
	    top_bars(src, len, NULL, 0) != 0)
		return 0;
	if (ere_has_backref(src, len)) {
		if (backref == NULL)
			return 0;
		*backref = true;
	}
	return v + 1;
}

size_t
lcdb_split_alts(const char *src, char **alts)
{
	size_t len = strlen(src), bars[LCDB_SPLIT_MAX - 1], from = 0, k, m;
	int nb;

	if (ere_has_backref(src, len))
		return 0;
	nb = top_bars(src, len, bars, LCDB_SPLIT_MAX - 1);
	if (nb <= 0)
		return 0;
	for (k = 0; k <= (size_t)nb; k++) {
		size_t to = k < (size_t)nb ? bars[k] : len;

		if (to == from || strchr("*+?{", src[from]) != NULL) {
			for (m = 0; m < k; m++)
				free(alts[m]);
			return 0;
		}
		alts[k] = xmemdup0(src + from, to - from);
		from = to + 1;
	}
	return (size_t)nb + 1;
}

/* Puts pattern id (rule text src, a whole rule or one alternative) into
 * the database that suits it: its tail after a stamp prefix into rest,
 * else whole into scan. */
/* The translation of the ERE src[0..len) for target, anchored with '^'
 * when anchor: an owned string, or NULL when it does not translate. */
static char *
translate(const char *src, size_t len, bool anchor, enum ere_target target)
{
	struct buf b;
	char err[512];

	buf_init(&b, SIZE_MAX / 4);
	if (anchor)
		buf_addc(&b, '^');
	if (ere_translate(&b, src, len, target, err, sizeof(err)) == -1) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Puts pattern id (rule text src, a whole rule or one alternative) into
 * the database that suits it: its tail after a stamp prefix into rest
 * (anchored where the prefix ends), else whole into scan.  confirm[id]
 * is set when its Hyperscan form only stands for a superset. */
char *
lcdb_split_pattern(const char *src, int *variant, bool *confirm)
{
	bool backref = false;
	int v = rule_variant(src, &backref);
	const char *tail = v > 0 ? src + strlen(stamp_prefix[v - 1]) : src;
	char *pat = NULL;
	struct buf sup;

	*confirm = false;
	if (backref) {
		/* the tail without its backreferences (in the shipped rules
		 * they point at the prefix's stamp); PCRE2 confirms hits */
		buf_init(&sup, SIZE_MAX / 4);
		if (unbackref(tail, &sup) == 0 && !ere_has_backref(sup.data,
		    sup.len) && (pat = translate(sup.data, sup.len, true,
		    ERE_HYPERSCAN)) != NULL)
			*confirm = true;
		else {			/* whole, as below */
			v = 0;
			tail = src;
		}
		buf_free(&sup);
	}
	if (pat == NULL)
		pat = translate(tail, strlen(tail), v > 0, ERE_HYPERSCAN);
	if (pat == NULL) {
		/* e.g. a backreference: Hyperscan can take the PCRE2 form as
		 * a prefilter, PCRE2 confirms */
		pat = translate(tail, strlen(tail), v > 0, ERE_PCRE2);
	}
	*variant = v;
	return pat;
}
