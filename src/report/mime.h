/*
 * mime — wrap a report into a complete RFC 5322 message: sanitised,
 * RFC 2047-encoded and folded headers, our own Message-ID and MIME
 * headers, a text/plain body sent as 7bit or quoted-printable, CRLF line
 * ends throughout.  Nothing in the input can add a header line or a line
 * over 998 bytes.
 */
#ifndef LOGWARD_MIME_H
#define LOGWARD_MIME_H

#include <stddef.h>
#include <time.h>

#include "lib/buf.h"

enum mime_attach {
	MIME_INLINE,			/* the body is the message's text */
	MIME_ATTACH_TEXT,		/* a short text part, the body attached as text */
	MIME_ATTACH_GZIP,		/* ... the body attached gzip-compressed (base64) */
};

struct mime_opts {
	const char	*msgid_host;	/* Message-ID right side; cleaned, else "localhost" */
	unsigned long long seq;		/* report sequence number, in the Message-ID */
	time_t		 now;		/* in the Message-ID */
	enum mime_attach attach;	/* logcheck's MAILASATTACH 0, 1, 2 */
	const char	*attach_name;	/* the attachment's file name ([A-Za-z0-9._-]) */
	const char	*attach_text;	/* the text part before it (ASCII, one line) */
};

/*
 * Appends a message to out.  Borrows everything.
 *
 * headers[0..hlen) is a header block as report_headers() writes it:
 * "Name: value\n" lines ending with an empty line (which may be missing).
 * Only From, To, Cc, Reply-To, Date, Subject and X-logward-* start a
 * header, each once; Message-ID, MIME-Version, Auto-Submitted and
 * Content-* lines are dropped (mime writes its own); any other line
 * (an injected "Bcc: ...", a second "To: ...") continues the header
 * before it.  Control bytes in values become spaces; values with 8-bit
 * bytes become RFC 2047 encoded-words (utf-8, else unknown-8bit); lines
 * are folded at 78 where a blank or comma allows, always at 998.
 *
 * body[0..blen) is any bytes, LF line ends.  It is sent as 7bit when it
 * is printable ASCII/TAB in lines of at most 998 bytes, else as
 * quoted-printable (every CR, NUL and 8-bit byte encoded, so it decodes
 * back exactly).  charset is us-ascii, utf-8 or unknown-8bit (RFC 1428).
 * A body not ending with LF gets a final CRLF; an empty body stays empty.
 *
 *
 * With o->attach the message is multipart/mixed: o->attach_text as a
 * text part, then body as an attachment named o->attach_name: as text
 * (7bit or quoted-printable, as above) or gzip-compressed in base64.
 *
 * Returns 0, or -1 when out's maximum was passed (out is then empty).
 */
int	mime_build(struct buf *out, const char *headers, size_t hlen,
	    const char *body, size_t blen, const struct mime_opts *o);

/*
 * The same with a multipart/alternative body: text[0..tlen) as text/plain
 * and html[0..htmllen) as text/html, each quoted-printable (so the
 * boundary, which starts with "=_", cannot occur in them) with its own
 * charset.  Returns 0, or -1 when out's maximum was passed.
 */
int	mime_build_alt(struct buf *out, const char *headers, size_t hlen,
	    const char *text, size_t tlen, const char *html, size_t htmllen,
	    const struct mime_opts *o);

#endif
