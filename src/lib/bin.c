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
bin_putblob(struct buf *b, const void *s, size_t n)
{
	bin_put64(b, n);
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

void
bin_getraw(struct bin_rd *r, void *dst, size_t n)
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

	bin_getraw(r, &v, 1);
	return v;
}

uint32_t
bin_get32(struct bin_rd *r)
{
	uint32_t v;

	bin_getraw(r, &v, sizeof(v));
	return v;
}

uint64_t
bin_get64(struct bin_rd *r)
{
	uint64_t v;

	bin_getraw(r, &v, sizeof(v));
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

const char *
bin_getbytes(struct bin_rd *r, size_t n)
{
	const char *s;

	if (r->bad || n > r->left) {
		r->bad = true;
		return NULL;
	}
	s = r->p;
	r->p += n;
	r->left -= n;
	return s;
}

const char *
bin_getblob(struct bin_rd *r, size_t *n)
{
	uint64_t len = bin_get64(r);
	const char *s;

	*n = 0;
	if (r->bad || len > r->left) {
		r->bad = true;
		return NULL;
	}
	s = bin_getbytes(r, (size_t)len);
	*n = (size_t)len;
	return s;
}

bool
bin_done(const struct bin_rd *r)
{
	return !r->bad && r->left == 0;
}
