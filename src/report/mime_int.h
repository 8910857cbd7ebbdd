/*
 * mime_int.h — what the message builder's files share: the output
 * cursor (a buffer, the column, the last byte) and its three writers.
 * Only mime.c and mime_body.c include it.
 */
#ifndef LOGWARD_MIME_INT_H
#define LOGWARD_MIME_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "lib/buf.h"

struct out {
	struct buf	*b;		/* the message, borrowed */
	size_t		 col;		/* bytes on the current line */
	int		 lastc;		/* last byte written, -1 before any */
	int		 err;		/* an append failed: b is empty, stop */
};

static inline void
put(struct out *w, const void *p, size_t n)
{
	if (w->err || n == 0)
		return;
	if (buf_add(w->b, p, n) == -1) {
		w->err = 1;
		return;
	}
	w->col += n;
	w->lastc = ((const unsigned char *)p)[n - 1];
}

static inline void
put_str(struct out *w, const char *s)
{
	put(w, s, strlen(s));
}

static inline void
crlf(struct out *w)
{
	put(w, "\r\n", 2);
	w->col = 0;
}

/* true when p[0..n) is valid UTF-8 (no overlongs, no surrogates) */
bool	mime_body_utf8_valid(const unsigned char *p, size_t n);

/* The body lines as they are, with CRLF ends. */
void	mime_body_7bit(struct out *w, const char *p, size_t n);

/* The body quoted-printable (RFC 2045), lines of at most 76 bytes; no
 * line starts with "." or "From ". */
void	mime_body_qp(struct out *w, const char *s, size_t n);

/* The body gzip-compressed, in base64 (MAILASATTACH=2's attachment). */
void	mime_body_gzip(struct out *w, const char *body, size_t blen);

/* The charset of a part: us-ascii, utf-8 or unknown-8bit. */
const char *mime_body_charset(const char *p, size_t n);

/* One part of a multipart message: its boundary line, Content-Type with
 * its charset, quoted-printable body. */
void	mime_body_part(struct out *w, const char *boundary, const char *type,
	    const char *body, size_t blen);

#endif
