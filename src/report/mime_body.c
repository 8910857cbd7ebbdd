/*
 * mime_body — the body encodings of the message builder: 7bit lines,
 * quoted-printable written through a stack chunk (no call per byte),
 * the gzip attachment in base64, and one part of a multipart message.
 */
#include "report/mime_int.h"

#include <stdint.h>
#include <stdio.h>

#include "report/encode.h"

#define QP_LINE		76	/* longest quoted-printable line (RFC 2045) */

bool
mime_body_utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0, j, k;
	unsigned char lo, hi, c;

	while (i < n) {
		c = p[i];
		lo = 0x80;
		hi = 0xbf;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c == 0xe0) {
			k = 2;
			lo = 0xa0;
		} else if (c == 0xed) {
			k = 2;
			hi = 0x9f;	/* no surrogates */
		} else if (c >= 0xe1 && c <= 0xef)
			k = 2;
		else if (c == 0xf0) {
			k = 3;
			lo = 0x90;
		} else if (c >= 0xf1 && c <= 0xf3)
			k = 3;
		else if (c == 0xf4) {
			k = 3;
			hi = 0x8f;	/* up to U+10FFFF */
		} else
			return false;
		if (n - i - 1 < k || p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (j = 2; j <= k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

void
mime_body_7bit(struct out *w, const char *p, size_t n)
{
	const char *nl, *end = p + n;

	while (p < end && !w->err) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		put(w, p, (size_t)(nl - p));
		crlf(w);
		p = nl + 1;
	}
}

/* true when the byte at p[0] (n bytes left, col on its encoded line)
 * may stand for itself */
static bool
qp_plain(const unsigned char *p, size_t n, size_t col)
{
	unsigned char c = p[0];

	if (c == ' ' || c == '\t')	/* not before a line end */
		return n > 1 && p[1] != '\n';
	if (c < 33 || c > 126 || c == '=')
		return false;
	/* no "." or "From " at a line start, for relays that mangle them */
	if (col == 0 && c == '.')
		return false;
	if (col == 0 && c == 'F' && n >= 5 && memcmp(p, "From ", 5) == 0)
		return false;
	return true;
}

void
mime_body_qp(struct out *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	char chunk[8192];
	size_t i, k = 0, col = 0, len;
	bool eol;

	for (i = 0; i < n && !w->err; i++) {
		if (p[i] == '\n') {
			chunk[k++] = '\r';
			chunk[k++] = '\n';
			col = 0;
		} else {
			eol = i + 1 == n || p[i + 1] == '\n';
			len = qp_plain(p + i, n - i, col) ? 1 : 3;
			/* room for a soft break's "=" unless the line ends here */
			if (col + len > QP_LINE - 1 &&
			    !(eol && col + len <= QP_LINE)) {
				chunk[k++] = '=';
				chunk[k++] = '\r';
				chunk[k++] = '\n';
				col = 0;
				len = qp_plain(p + i, n - i, col) ? 1 : 3;
			}
			if (len == 1)
				chunk[k++] = (char)p[i];
			else {
				chunk[k++] = '=';
				chunk[k++] = hex[p[i] >> 4];
				chunk[k++] = hex[p[i] & 15];
			}
			col += len;
		}
		if (k > sizeof(chunk) - 16) {
			put(w, chunk, k);
			k = 0;
		}
	}
	if (n > 0 && p[n - 1] != '\n') {
		chunk[k++] = '\r';
		chunk[k++] = '\n';
	}
	put(w, chunk, k);
}

/* body gzip-compressed, in base64 (the MAILASATTACH=2 attachment) */
void
mime_body_gzip(struct out *w, const char *body, size_t blen)
{
	struct buf gz, b64;

	buf_init(&gz, SIZE_MAX / 4);
	buf_init(&b64, SIZE_MAX / 4);
	if (encode_gzip(&gz, body, blen) == -1 ||
	    encode_base64(&b64, gz.data, gz.len) == -1)
		w->err = 1;
	else
		put(w, b64.data, b64.len);
	buf_free(&gz);
	buf_free(&b64);
}

/* The charset of a part: us-ascii, utf-8 or unknown-8bit. */
const char *
mime_body_charset(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return mime_body_utf8_valid((const unsigned char *)p, n) ? "utf-8" :
			    "unknown-8bit";
	return "us-ascii";
}

void
mime_body_part(struct out *w, const char *boundary, const char *type,
    const char *body, size_t blen)
{
	put_str(w, "--");
	put_str(w, boundary);
	put_str(w, "\r\nContent-Type: ");
	put_str(w, type);
	put_str(w, "; charset=");
	put_str(w, mime_body_charset(body, blen));
	put_str(w, "\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
	mime_body_qp(w, body, blen);
}

