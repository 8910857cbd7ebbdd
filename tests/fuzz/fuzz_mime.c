/*
 * fuzz_mime — mime_build on any header block and body.
 *
 * Input: the header block up to and including the first empty line
 * ("\n\n"), the rest is the body; without an empty line everything is
 * headers and the body is empty.
 *
 * Checks what mime.h promises ("nothing in the input can add a header
 * line or a line over 998 bytes"), aborting on a violation:
 *   - the message is 7-bit, without NUL, and every line ends with CRLF
 *     (no bare CR or LF anywhere);
 *   - no line is longer than 998 bytes (CRLF excluded);
 *   - the header block has only the allowed names (From, To, Cc,
 *     Reply-To, Date, Subject, X-logward-*, and mime's own Message-ID,
 *     Auto-Submitted, MIME-Version, Content-Type,
 *     Content-Transfer-Encoding), each once; a continuation line starts
 *     with a blank and is not blank only;
 *   - encoded-words in values are at most 75 bytes;
 *   - the body decodes (7bit or quoted-printable) back to the input body
 *     (plus the final newline mime adds); quoted-printable lines are at
 *     most 76 bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "report/mime.h"

#define FAIL(...) do { fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); abort(); } while (0)
#define CHECK(x) do { if (!(x)) FAIL("CHECK failed: %s (line %d)", #x, \
	__LINE__); } while (0)

static const char *const allowed[] = {
	"From", "To", "Cc", "Reply-To", "Date", "Subject", "Message-ID",
	"Auto-Submitted", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding", NULL,
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One header line that starts a field: its name must be allowed and
 * new.  names/nnames: the names seen so far. */
static void
check_name(const char *l, size_t n, const char **names, size_t *lens,
    size_t *nnames)
{
	const char *colon = memchr(l, ':', n);
	size_t k, len;
	int ok = 0;

	if (colon == NULL)
		FAIL("header line without a colon: %.*s", (int)n, l);
	len = (size_t)(colon - l);
	for (k = 0; allowed[k] != NULL; k++)
		if (strlen(allowed[k]) == len &&
		    strncasecmp(allowed[k], l, len) == 0)
			ok = 1;
	if (len > 10 && strncasecmp(l, "X-logward-", 10) == 0)
		ok = 1;
	if (!ok)
		FAIL("header not in the allowlist: %.*s", (int)n, l);
	for (k = 0; k < *nnames; k++)
		if (lens[k] == len && strncasecmp(names[k], l, len) == 0)
			FAIL("header twice: %.*s", (int)len, l);
	if (*nnames < 64) {
		names[*nnames] = l;
		lens[(*nnames)++] = len;
	}
}

/* encoded-words in a header line: "=?cs?Q?text?=", at most 75 bytes */
static void
check_encoded(const char *l, size_t n)
{
	const char *p = l, *e = l + n, *s, *q;

	while ((s = memmem(p, (size_t)(e - p), "=?", 2)) != NULL) {
		q = memchr(s + 2, '?', (size_t)(e - s - 2));	/* after cs */
		CHECK(q != NULL && e - q >= 3 && q[1] == 'Q' && q[2] == '?');
		q = memmem(q + 3, (size_t)(e - q - 3), "?=", 2);
		CHECK(q != NULL);
		if (q + 2 - s > 75)
			FAIL("encoded-word of %zu bytes: %.*s",
			    (size_t)(q + 2 - s), (int)(q + 2 - s), s);
		p = q + 2;
	}
}

/* Decodes the body m[0..n) (lines with CRLF) into out. */
static void
decode_body(const char *m, size_t n, int qp, struct buf *out)
{
	const char *p = m, *e = m + n, *l;
	size_t len, i;

	while (p < e) {
		l = memmem(p, (size_t)(e - p), "\r\n", 2);
		CHECK(l != NULL);
		len = (size_t)(l - p);
		if (!qp) {
			CHECK(buf_add(out, p, len) == 0 && buf_addc(out, '\n') == 0);
			p = l + 2;
			continue;
		}
		if (len > 76)
			FAIL("quoted-printable line of %zu bytes", len);
		for (i = 0; i < len; i++) {
			unsigned char c = (unsigned char)p[i];

			if (c == '=') {
				int hi, lo;

				if (i + 1 == len)	/* soft line break */
					break;
				CHECK(i + 2 < len);
				hi = hexval(p[i + 1]);
				lo = hexval(p[i + 2]);
				CHECK(hi >= 0 && lo >= 0);
				CHECK(buf_addc(out, (char)(hi * 16 + lo)) == 0);
				i += 2;
				continue;
			}
			CHECK(c == ' ' || c == '\t' || (c > 32 && c < 127));
			/* no blank before a line end */
			CHECK(!((c == ' ' || c == '\t') && i + 1 == len));
			CHECK(buf_addc(out, (char)c) == 0);
		}
		if (len == 0 || p[len - 1] != '=')
			CHECK(buf_addc(out, '\n') == 0);
		p = l + 2;
	}
}

static void
check(const char *m, size_t n, const char *body, size_t blen)
{
	const char *names[64], *p, *e = m + n, *l, *cte = NULL;
	size_t lens[64], nnames = 0, len, i;
	int in_headers = 1, qp = -1;
	struct buf dec;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)m[i];

		if (c == 0 || c >= 0x80)
			FAIL("byte 0x%02x at %zu", c, i);
		if (c == '\r' && (i + 1 == n || m[i + 1] != '\n'))
			FAIL("bare CR at %zu", i);
		if (c == '\n' && (i == 0 || m[i - 1] != '\r'))
			FAIL("bare LF at %zu", i);
	}
	CHECK(n >= 2 && m[n - 1] == '\n');
	for (p = m; p < e; p = l + 2) {
		l = memmem(p, (size_t)(e - p), "\r\n", 2);
		CHECK(l != NULL);
		len = (size_t)(l - p);
		if (len > 998)
			FAIL("line of %zu bytes", len);
		if (!in_headers)
			continue;
		if (len == 0) {
			in_headers = 0;
			CHECK(cte != NULL);
			qp = strncmp(cte, "quoted-printable\r", 17) == 0;
			CHECK(qp || strncmp(cte, "7bit\r", 5) == 0);
			decode_body(l + 2, (size_t)(e - l - 2), qp, (buf_init(&dec,
			    (size_t)-1 / 4), &dec));
			/* the body back, with the final LF mime adds */
			CHECK(dec.len == blen + (blen > 0 && body[blen - 1] != '\n'));
			CHECK(blen == 0 || memcmp(dec.data, body, blen) == 0);
			buf_free(&dec);
			continue;
		}
		if (p[0] == ' ' || p[0] == '\t') {
			CHECK(nnames > 0);
			for (i = 0; i < len && (p[i] == ' ' || p[i] == '\t'); i++)
				;
			if (i == len)
				FAIL("blank continuation line");
		} else {
			check_name(p, len, names, lens, &nnames);
			if (len > 26 && strncasecmp(p,
			    "Content-Transfer-Encoding:", 26) == 0)
				cte = p + 27;
			/* the value: a name may hold "=?" (it is ftext) */
			i = (size_t)((const char *)memchr(p, ':', len) - p) + 1;
			check_encoded(p + i, len - i);
			continue;
		}
		check_encoded(p, len);
	}
	CHECK(!in_headers);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *sep;
	size_t hlen, blen;
	struct mime_opts o = {
		.msgid_host = "mail.example.org",
		.seq = 7,
		.now = 1700000000,
	};
	struct buf out;

	sep = memmem(in, size, "\n\n", 2);
	hlen = sep != NULL ? (size_t)(sep - in) + 2 : size;
	blen = size - hlen;
	buf_init(&out, 64 * 1024 * 1024);
	if (mime_build(&out, in, hlen, in + hlen, blen, &o) == 0)
		check(out.data, out.len, in + hlen, blen);
	else
		CHECK(out.len == 0);
	buf_free(&out);
	return 0;
}
