/*
 * encode — transfer encodings for mail parts that mime.c does not write
 * as text: base64 (RFC 2045) and gzip (RFC 1952, through zlib), for
 * logcheck's report sent as a compressed attachment.
 */
#ifndef LOGWARD_ENCODE_H
#define LOGWARD_ENCODE_H

#include <stddef.h>

#include "lib/buf.h"

/* Appends p[0..n) in base64, lines of 76 characters ending in CRLF.
 * Returns 0, or -1 when out's maximum was passed. */
int	encode_base64(struct buf *out, const void *p, size_t n);

/* Appends p[0..n) gzip-compressed.  Returns 0, or -1 (zlib failed or
 * out's maximum was passed). */
int	encode_gzip(struct buf *out, const void *p, size_t n);

#endif
