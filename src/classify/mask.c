/*
 * mask — capture-group masking.
 */
#include "classify/mask.h"

#include <stdlib.h>

#include "lib/xmem.h"

struct span {
	size_t	start;
	size_t	end;
};

/* A small fixed array covers nearly every rule; more groups fall back to
 * the heap (rare: the rule has over 32 groups that took part). */
#define SMALL_SPANS 32

static int
cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	/* An empty group at the start of another is disjoint from it and
	 * comes first; otherwise longer first, so an outer group comes
	 * before what it contains. */
	if ((x->start == x->end) != (y->start == y->end))
		return x->start == x->end ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return 0;
}

int
mask_apply(struct buf *out, const char *s, size_t len,
    const PCRE2_SIZE *ov, uint32_t npairs, const char *mask, size_t masklen)
{
	struct span small[SMALL_SPANS], *sp = small;
	size_t n = 0, i, pos = 0;
	int rc = 0;

	if (npairs > SMALL_SPANS + 1)
		sp = xreallocarray(NULL, npairs, sizeof(*sp));
	for (i = 1; i < npairs; i++) {
		if (ov[2 * i] == PCRE2_UNSET || ov[2 * i] > ov[2 * i + 1] ||
		    ov[2 * i + 1] > len)
			continue;
		sp[n].start = ov[2 * i];
		sp[n].end = ov[2 * i + 1];
		n++;
	}
	if (n > 1)
		qsort(sp, n, sizeof(*sp), cmp_span);

	for (i = 0; i < n; i++) {
		size_t start = sp[i].start, end = sp[i].end;

		/* Spans inside (or overlapping) the text already replaced
		 * are part of that replacement.  An empty span exactly at the
		 * end of the previous one is a group of its own (tenshi gives
		 * it a mask too). */
		if (start < pos || (i > 0 && start == pos && end == start &&
		    sp[i - 1].start == start && sp[i - 1].end == start)) {
			if (end > pos)
				pos = end;
			continue;
		}
		if (start > pos && buf_add(out, s + pos, start - pos) == -1)
			goto fail;
		if (buf_add(out, mask, masklen) == -1)
			goto fail;
		pos = end;
		/* merge spans that start inside this one but reach further */
		while (i + 1 < n && sp[i + 1].start < pos) {
			if (sp[i + 1].end > pos)
				pos = sp[i + 1].end;
			i++;
		}
	}
	if (pos < len && buf_add(out, s + pos, len - pos) == -1)
		goto fail;
	if (out->data == NULL && buf_add(out, "", 0) == -1)
		goto fail;
	goto done;
fail:
	rc = -1;
done:
	if (sp != small)
		free(sp);
	return rc;
}
