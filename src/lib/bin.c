/*
 * bin — numbers and strings for the state sections (see bin.h).
 */
#include "lib/bin.h"

#include <string.h>

void
bin_put8(struct buf *b, uint8_t v)
{
	buf_add(b, &v, 1);
}

void
bin_put32(struct buf *b, uint32_t v)
{
	buf_add(b, &v, sizeof(v));
}

void
bin_put64(struct buf *b, uint64_t v)
{
	buf_add(b, &v, sizeof(v));
}

void
bin_putstr(struct buf *b, const char *s, size_t n)
{
	bin_put32(b, (uint32_t)n);
	if (n > 0)
		buf_add(b, s, n);
}

void
bin_rd_init(struct bin_rd *r, const char *data, size_t len)
{
	r->p = data;
	r->left = len;
	r->bad = false;
}

static void
get(struct bin_rd *r, void *dst, size_t n)
{
	if (r->bad || r->left < n) {
		r->bad = true;
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
}

uint8_t
bin_get8(struct bin_rd *r)
{
	uint8_t v;

	get(r, &v, 1);
	return v;
}

uint32_t
bin_get32(struct bin_rd *r)
{
	uint32_t v;

	get(r, &v, sizeof(v));
	return v;
}

uint64_t
bin_get64(struct bin_rd *r)
{
	uint64_t v;

	get(r, &v, sizeof(v));
	return v;
}

const char *
bin_getstr(struct bin_rd *r, size_t *n)
{
	uint32_t len = bin_get32(r);
	const char *s;

	if (r->bad || len > r->left) {
		r->bad = true;
		*n = 0;
		return NULL;
	}
	s = r->p;
	r->p += len;
	r->left -= len;
	*n = len;
	return s;
}
