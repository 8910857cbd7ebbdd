/*
 * encode — base64 and gzip for mail parts (see encode.h).
 */
#include "report/encode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lib/xmem.h"

#define B64_LINE	76	/* characters per line (RFC 2045) */

int
encode_base64(struct buf *out, const void *p, size_t n)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *u = p;
	char q[4];
	size_t i, col = 0;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)u[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)u[i + 1] << 8;
		if (i + 2 < n)
			v |= u[i + 2];
		q[0] = b64[v >> 18 & 63];
		q[1] = b64[v >> 12 & 63];
		q[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		if (buf_add(out, q, 4) == -1)
			return -1;
		col += 4;
		if (col >= B64_LINE) {
			if (buf_add(out, "\r\n", 2) == -1)
				return -1;
			col = 0;
		}
	}
	if (col > 0 && buf_add(out, "\r\n", 2) == -1)
		return -1;
	return 0;
}

int
encode_gzip(struct buf *out, const void *p, size_t n)
{
	unsigned char chunk[64 * 1024];
	z_stream z;
	int zr, rc = 0;

	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip header and trailer around deflate */
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	z.next_in = (Bytef *)(uintptr_t)p;
	do {
		size_t left = n - (size_t)((const unsigned char *)z.next_in -
		    (const unsigned char *)p);

		z.avail_in = left > (1u << 30) ? 1u << 30 : (uInt)left;
		do {
			z.next_out = chunk;
			z.avail_out = sizeof(chunk);
			zr = deflate(&z, z.avail_in == left ? Z_FINISH :
			    Z_NO_FLUSH);
			if (zr == Z_STREAM_ERROR) {
				rc = -1;
				goto out;
			}
			if (buf_add(out, chunk, sizeof(chunk) - z.avail_out) == -1) {
				rc = -1;
				goto out;
			}
		} while (z.avail_out == 0);
	} while (zr != Z_STREAM_END);
out:
	deflateEnd(&z);
	return rc;
}
