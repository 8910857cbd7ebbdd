/*
 * Unit tests for mime: whole messages built and taken apart again by
 * small strict decoders written here (unfolding, RFC 2047 Q words,
 * quoted-printable), so every test checks both the wire rules (CRLF,
 * line lengths, no injected header) and that the content comes back
 * byte for byte.  Inputs are heap copies of exactly their length so ASan
 * catches reads past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "report/mime.h"

#define MAXMSG	(64u * 1024 * 1024)

static const struct mime_opts opts = { .msgid_host = "mail.example.org",
    .seq = 7, .now = 1700000000 };

struct msg {
	struct buf	 raw;		/* the whole message */
	size_t		 hlen;		/* header block, up to and with its empty line */
	const char	*body;		/* into raw */
	size_t		 blen;
};

static char *
dup_n(const void *p, size_t n)
{
	char *s = malloc(n > 0 ? n : 1);

	assert_non_null(s);
	if (n > 0)
		memcpy(s, p, n);
	return s;
}

/* Every CR is followed by LF, every LF preceded by CR, no line over 998
 * bytes, no NUL or other control byte in the header block. */
static void
check_wire(const struct msg *m)
{
	const char *p = m->raw.data;
	size_t i, line = 0;

	for (i = 0; i < m->raw.len; i++) {
		if (p[i] == '\r') {
			assert_true(i + 1 < m->raw.len && p[i + 1] == '\n');
			continue;
		}
		if (p[i] == '\n') {
			assert_true(i > 0 && p[i - 1] == '\r');
			line = 0;
			continue;
		}
		if (i < m->hlen) {
			unsigned char c = (unsigned char)p[i];

			assert_true(c >= 0x20 && c < 0x7f);
		}
		line++;
		assert_true(line <= 998);
	}
	/* the message ends with CRLF (or an empty body after headers) */
	assert_true(m->raw.len >= 2);
	assert_memory_equal(p + m->raw.len - 2, "\r\n", 2);
}

/* The CR of the CRLF ending the line at p (check_wire made sure LF
 * comes only after CR).  memchr, not strstr: ASan's strstr reads the
 * whole rest of the string on every call. */
static const char *
eol(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	assert_non_null(nl);
	assert_true(nl > p && nl[-1] == '\r');
	return nl - 1;
}

static void
build(struct msg *m, const char *h, size_t hlen, const char *body, size_t blen)
{
	char *hc = dup_n(h, hlen), *bc = dup_n(body, blen);
	const char *sep;

	buf_init(&m->raw, MAXMSG);
	assert_int_equal(mime_build(&m->raw, hc, hlen, bc, blen, &opts), 0);
	free(hc);
	free(bc);
	assert_non_null(m->raw.data);
	sep = memmem(m->raw.data, m->raw.len, "\r\n\r\n", 4);
	assert_non_null(sep);
	m->hlen = (size_t)(sep - m->raw.data) + 4;
	m->body = m->raw.data + m->hlen;
	m->blen = m->raw.len - m->hlen;
	check_wire(m);
}

static void
build_s(struct msg *m, const char *h, const char *body, size_t blen)
{
	build(m, h, strlen(h), body, blen);
}

/* Unfolds header number k (0-based) of m: owned "Name: value" without
 * CRLFs; NULL past the last. */
static char *
header_at(const struct msg *m, size_t k)
{
	const char *p = m->raw.data, *end = m->raw.data + m->hlen - 2;
	struct buf b;
	size_t idx = (size_t)-1;

	buf_init(&b, MAXMSG);
	while (p < end) {
		const char *nl = eol(p, end);

		if (*p != ' ' && *p != '\t')
			idx++;
		if (idx == k)
			assert_int_equal(buf_add(&b, p, (size_t)(nl - p)), 0);
		if (idx > k)
			break;
		p = nl + 2;
	}
	if (idx < k || (idx == (size_t)-1))
		return NULL;
	return buf_steal(&b);
}

/* Number of headers named name; the unfolded value of the first (owned,
 * after ": ") in *value when value is not NULL. */
static size_t
header_get(const struct msg *m, const char *name, char **value)
{
	size_t k, n = 0, nl = strlen(name);
	char *h;

	if (value != NULL)
		*value = NULL;
	for (k = 0; (h = header_at(m, k)) != NULL; k++) {
		if (strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
			if (n++ == 0 && value != NULL) {
				const char *v = h + nl + 1;

				if (*v == ' ')
					v++;
				*value = strdup(v);
			}
		}
		free(h);
	}
	return n;
}

/* Header lines (physical) are at most max bytes. */
static void
check_header_lines(const struct msg *m, size_t max)
{
	const char *p = m->raw.data, *end = m->raw.data + m->hlen;

	while (p < end) {
		const char *nl = eol(p, end);

		if ((size_t)(nl - p) > max)
			fail_msg("header line of %zu bytes: %.*s", (size_t)(nl - p),
			    (int)(nl - p), p);
		p = nl + 2;
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;		/* lower case is not what we write */
}

/*
 * Strict quoted-printable decoder: LF line ends out.  Fails the test on
 * a line over 76, a byte outside the encoded alphabet, a broken escape,
 * a blank before a line end, or a line starting with "." or "From ".
 */
static void
qp_decode(const char *s, size_t n, struct buf *out)
{
	const char *end = s + n, *nl;
	size_t i, len;

	while (s < end) {
		nl = eol(s, end);
		len = (size_t)(nl - s);
		assert_true(len <= 76);
		assert_true(len == 0 || s[0] != '.');
		assert_false(len >= 5 && memcmp(s, "From ", 5) == 0);
		if (len > 0)
			assert_true(s[len - 1] != ' ' && s[len - 1] != '\t');
		for (i = 0; i < len; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c == '=') {
				int hi, lo;

				if (i + 1 == len) {		/* soft break */
					i++;
					break;
				}
				assert_true(i + 2 < len);
				hi = hexval(s[i + 1]);
				lo = hexval(s[i + 2]);
				assert_true(hi >= 0 && lo >= 0);
				assert_int_equal(buf_addc(out, (char)(hi * 16 + lo)), 0);
				i += 2;
				continue;
			}
			assert_true((c >= 33 && c <= 126) || c == ' ' || c == '\t');
			assert_int_equal(buf_addc(out, (char)c), 0);
		}
		if (len == 0 || s[len - 1] != '=')
			assert_int_equal(buf_addc(out, '\n'), 0);
		s = nl + 2;
	}
}

/* The body decoded by its Content-Transfer-Encoding, LF line ends. */
static void
body_decode(const struct msg *m, struct buf *out)
{
	char *cte;
	size_t i;

	assert_int_equal(header_get(m, "Content-Transfer-Encoding", &cte), 1);
	if (strcmp(cte, "quoted-printable") == 0)
		qp_decode(m->body, m->blen, out);
	else {
		assert_string_equal(cte, "7bit");
		for (i = 0; i < m->blen; i++)
			if (m->body[i] != '\r')
				assert_int_equal(buf_addc(out, m->body[i]), 0);
	}
	free(cte);
}

/* Builds a message with body[0..n) and checks it decodes back exactly
 * (plus the LF mime adds when the body did not end with one). */
static void
roundtrip(const char *body, size_t n)
{
	struct msg m;
	struct buf dec;

	build_s(&m, "Subject: t\n\n", body, n);
	buf_init(&dec, MAXMSG);
	body_decode(&m, &dec);
	if (n > 0 && body[n - 1] != '\n') {
		assert_int_equal(dec.len, n + 1);
		assert_int_equal(dec.data[n], '\n');
	} else
		assert_int_equal(dec.len, n);
	if (n > 0)
		assert_memory_equal(dec.data, body, n);
	buf_free(&dec);
	buf_free(&m.raw);
}

/* what RFC 2047 §5(3) lets stand for itself in a Q word */
static bool
q_plain(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!*+-/", c) != NULL);
}

/*
 * RFC 2047 decoder for an unfolded value: Q encoded-words (each checked
 * to be at most 75 bytes and of charset cs) become their bytes; blanks
 * between two encoded-words are dropped, as RFC 2047 §6.2 says.
 */
static void
ew_decode(const char *s, const char *cs, struct buf *out)
{
	const char *ws = NULL;
	bool last_ew = false;
	size_t csl = strlen(cs);

	while (*s != '\0') {
		if (*s == ' ') {
			if (ws == NULL)
				ws = s;
			s++;
			continue;
		}
		if (s[0] == '=' && s[1] == '?') {
			const char *q = s + 2, *e;

			assert_true(strncmp(q, cs, csl) == 0);
			assert_true(strncmp(q + csl, "?Q?", 3) == 0);
			e = strstr(q + csl + 3, "?=");
			assert_non_null(e);
			assert_true((size_t)(e + 2 - s) <= 75);
			if (ws != NULL && !last_ew)
				buf_add(out, ws, (size_t)(s - ws));
			for (q += csl + 3; q < e; q++) {
				if (*q == '_')
					buf_addc(out, ' ');
				else if (*q == '=') {
					assert_true(hexval(q[1]) >= 0 && hexval(q[2]) >= 0);
					buf_addc(out, (char)(hexval(q[1]) * 16 + hexval(q[2])));
					q += 2;
				} else {
					assert_true(q_plain(*q));
					buf_addc(out, *q);
				}
			}
			s = e + 2;
			ws = NULL;
			last_ew = true;
			continue;
		}
		if (ws != NULL)
			buf_add(out, ws, (size_t)(s - ws));
		ws = NULL;
		last_ew = false;
		buf_addc(out, *s++);
	}
	if (ws != NULL)
		buf_add(out, ws, (size_t)(s - ws));
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	return (uint32_t)(tu_xorshift(&rng) >> 16);
}

/* Random bytes, biased towards what is hard to encode. */
static void
fill_nasty(char *p, size_t n)
{
	static const char pick[] = { '\0', '\r', '\n', '\n', '\xff', ' ', ' ',
	    '\t', '=', '.', '.', 'F', 'r', 'o', 'm', 'a', '\x80', '\xc3', '\xa9' };
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t r = rnd();

		if (r % 4 == 0)
			p[i] = (char)(r >> 8);
		else
			p[i] = pick[(r >> 8) % sizeof(pick)];
	}
}

/* --- body --- */

static void
test_ascii_body_stays_7bit_with_crlf(void **state)
{
	static const char body[] = "hello world\n\tindented\n.\n..\nFrom me\n";
	struct msg m;
	char *v;

	(void)state;
	build_s(&m, "Subject: x\n\n", body, sizeof(body) - 1);
	assert_int_equal(header_get(&m, "Content-Type", &v), 1);
	assert_string_equal(v, "text/plain; charset=us-ascii");
	free(v);
	assert_int_equal(header_get(&m, "Content-Transfer-Encoding", &v), 1);
	assert_string_equal(v, "7bit");
	free(v);
	/* dots and From lines untouched: dot-stuffing is libcurl's job */
	assert_int_equal(m.blen, strlen("hello world\r\n\tindented\r\n.\r\n..\r\nFrom me\r\n"));
	assert_memory_equal(m.body, "hello world\r\n\tindented\r\n.\r\n..\r\nFrom me\r\n", m.blen);
	buf_free(&m.raw);
}

static void
test_empty_body_stays_empty(void **state)
{
	struct msg m;

	(void)state;
	build_s(&m, "Subject: x\n\n", "", 0);
	assert_int_equal(m.blen, 0);
	assert_int_equal(header_get(&m, "Content-Transfer-Encoding", NULL), 1);
	buf_free(&m.raw);
}

static void
test_body_without_final_lf_gets_crlf(void **state)
{
	struct msg m;

	(void)state;
	build_s(&m, "Subject: x\n\n", "a\nb", 3);
	assert_int_equal(m.blen, 6);
	assert_memory_equal(m.body, "a\r\nb\r\n", 6);
	buf_free(&m.raw);
	roundtrip("a\nb", 3);
	roundtrip("caf\xc3\xa9", 5);
	roundtrip("x ", 2);		/* trailing blank at the very end */
	roundtrip("\n", 1);
}

static void
test_998_byte_line_is_7bit_999_is_qp(void **state)
{
	char *b = malloc(1001);
	struct msg m;
	char *v;

	(void)state;
	assert_non_null(b);
	memset(b, 'a', 1000);
	b[998] = '\n';
	build_s(&m, "Subject: x\n\n", b, 999);
	assert_int_equal(header_get(&m, "Content-Transfer-Encoding", &v), 1);
	assert_string_equal(v, "7bit");
	free(v);
	buf_free(&m.raw);
	b[998] = 'a';
	b[999] = '\n';
	build_s(&m, "Subject: x\n\n", b, 1000);
	assert_int_equal(header_get(&m, "Content-Transfer-Encoding", &v), 1);
	assert_string_equal(v, "quoted-printable");
	free(v);
	buf_free(&m.raw);
	roundtrip(b, 1000);
	free(b);
}

static void
test_2000_byte_line_becomes_qp(void **state)
{
	char *b = malloc(2001);
	size_t i;

	(void)state;
	assert_non_null(b);
	for (i = 0; i < 2000; i++)
		b[i] = (char)('a' + i % 26);
	b[2000] = '\n';
	roundtrip(b, 2001);
	/* and with escapes at every possible soft-break position */
	for (i = 0; i < 2000; i++)
		b[i] = i % 7 == 0 ? '=' : i % 5 == 0 ? '\xe9' : 'x';
	roundtrip(b, 2001);
	free(b);
}

static void
test_qp_details(void **state)
{
	static const char body[] = "caf\xc3\xa9 = ok \n.dot\nFrom here\nx\t\n"
	    "a\r\nb\rc\n";
	static const char want[] = "caf=C3=A9 =3D ok=20\r\n=2Edot\r\n=46rom here\r\n"
	    "x=09\r\na=0D\r\nb=0Dc\r\n";
	struct msg m;
	char *v;

	(void)state;
	build_s(&m, "Subject: x\n\n", body, sizeof(body) - 1);
	assert_int_equal(header_get(&m, "Content-Type", &v), 1);
	assert_string_equal(v, "text/plain; charset=utf-8");
	free(v);
	assert_int_equal(header_get(&m, "Content-Transfer-Encoding", &v), 1);
	assert_string_equal(v, "quoted-printable");
	free(v);
	assert_int_equal(m.blen, sizeof(want) - 1);
	assert_memory_equal(m.body, want, m.blen);
	buf_free(&m.raw);
	roundtrip(body, sizeof(body) - 1);
}

static void
test_nul_and_cr_force_qp_in_ascii(void **state)
{
	struct msg m;
	char *v;

	(void)state;
	build_s(&m, "Subject: x\n\n", "a\0b\n", 4);
	assert_int_equal(header_get(&m, "Content-Type", &v), 1);
	assert_string_equal(v, "text/plain; charset=us-ascii");
	free(v);
	assert_memory_equal(m.body, "a=00b\r\n", m.blen);
	buf_free(&m.raw);
	roundtrip("a\rb\n", 4);
	roundtrip("\x1b[31m\n", 6);
}

static void
test_charset_detection(void **state)
{
	static const struct {
		const char	*body;
		const char	*cs;
	} cases[] = {
		{ "plain\n", "us-ascii" },
		{ "Gr\xc3\xbc\xc3\x9f" "e \xe6\x97\xa5\xf0\x9f\x98\x80\n", "utf-8" },
		{ "caf\xe9\n", "unknown-8bit" },		/* latin-1 */
		{ "\xc0\xaf\n", "unknown-8bit" },		/* overlong */
		{ "\xed\xa0\x80\n", "unknown-8bit" },		/* surrogate */
		{ "\xf4\x90\x80\x80\n", "unknown-8bit" },	/* past U+10FFFF */
		{ "\xe6\x97\n", "unknown-8bit" },		/* cut sequence */
		{ "\xe6\x97", "unknown-8bit" },			/* cut at the end */
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct msg m;
		char *v, want[64];

		build_s(&m, "Subject: x\n\n", cases[k].body, strlen(cases[k].body));
		assert_int_equal(header_get(&m, "Content-Type", &v), 1);
		snprintf(want, sizeof(want), "text/plain; charset=%s", cases[k].cs);
		assert_string_equal(v, want);
		free(v);
		buf_free(&m.raw);
		roundtrip(cases[k].body, strlen(cases[k].body));
	}
}

static void
test_random_bodies_roundtrip(void **state)
{
	char *b;
	size_t n;

	(void)state;
	for (n = 0; n <= 400; n++) {
		b = malloc(n > 0 ? n : 1);
		assert_non_null(b);
		fill_nasty(b, n);
		roundtrip(b, n);
		free(b);
	}
	for (n = 401; n < 200000; n = n * 3 / 2 + rnd() % 97) {
		b = malloc(n);
		assert_non_null(b);
		fill_nasty(b, n);
		roundtrip(b, n);
		free(b);
	}
}

static void
test_lone_dots_and_blank_tails_roundtrip(void **state)
{
	static const char *const bodies[] = {
		".\n", ".\n.\n", "\xff\n.\n", "..\n\xff", "=\n", "==\n=",
		" \n\t\n  \n", "a \n", "From \n\xff", "\0\n.", "\r\n\r\n", "\r",
	};
	static const size_t lens[] = { 2, 4, 4, 4, 2, 4, 7, 3, 7, 3, 4, 1 };
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++)
		roundtrip(bodies[k], lens[k]);
}

static void
test_megabyte_lines_roundtrip(void **state)
{
	size_t n = 3 * 1024 * 1024 + 40, i;
	char *b = malloc(n);

	(void)state;
	assert_non_null(b);
	memset(b, 'x', n);
	b[1024 * 1024] = '\n';			/* a 1 MB line of plain text */
	fill_nasty(b + 1024 * 1024 + 1, 1024 * 1024);	/* ...of binary */
	for (i = 2 * 1024 * 1024 + 1; i < n; i += 7)
		b[i] = i % 2 ? ' ' : '.';		/* ...of blanks and dots */
	memcpy(b + n - 12, "\n.\nFrom x \n", 11);
	b[n - 1] = '\n';
	roundtrip(b, n);
	free(b);
}

static void
test_ten_megabyte_body(void **state)
{
	size_t n = 10 * 1024 * 1024, i;
	char *b = malloc(n);

	(void)state;
	assert_non_null(b);
	for (i = 0; i < n; i++)
		b[i] = i % 81 == 80 ? '\n' : (char)('a' + i % 23);
	roundtrip(b, n);			/* 7bit */
	b[n / 2] = '\xff';
	roundtrip(b, n);			/* quoted-printable */
	free(b);
}

static void
test_cap_exceeded_leaves_out_empty(void **state)
{
	struct buf out;
	char *b = malloc(5000);

	(void)state;
	assert_non_null(b);
	memset(b, '\xe9', 5000);
	buf_init(&out, 1000);
	assert_int_equal(mime_build(&out, "Subject: x\n\n", 12, b, 5000, &opts), -1);
	assert_int_equal(out.len, 0);
	assert_null(out.data);
	buf_init(&out, 20);
	assert_int_equal(mime_build(&out, "Subject: x\n\n", 12, "x\n", 2, &opts), -1);
	assert_int_equal(out.len, 0);
	free(b);
}

/* --- headers --- */

static void
test_headers_copied_in_order_then_ours(void **state)
{
	static const char h[] = "From: logward@example.org\nTo: root@example.org\n"
	    "Date: Sat, 21 Nov 2026 12:00:00 +0000\nX-logward-version: 0.1.0\n"
	    "X-logward-queue: mail\nSubject: Report [mail]\n\n";
	static const char *const names[] = { "From", "To", "Date",
	    "X-logward-version", "X-logward-queue", "Subject", "Message-ID",
	    "Auto-Submitted", "MIME-Version", "Content-Type",
	    "Content-Transfer-Encoding", NULL };
	struct msg m;
	size_t k;
	char *v;

	(void)state;
	build_s(&m, h, "x\n", 2);
	for (k = 0; names[k] != NULL; k++) {
		char *hd = header_at(&m, k);

		assert_non_null(hd);
		assert_true(strncmp(hd, names[k], strlen(names[k])) == 0);
		assert_int_equal(hd[strlen(names[k])], ':');
		free(hd);
	}
	assert_null(header_at(&m, k));
	assert_int_equal(header_get(&m, "Subject", &v), 1);
	assert_string_equal(v, "Report [mail]");
	free(v);
	assert_int_equal(header_get(&m, "Auto-Submitted", &v), 1);
	assert_string_equal(v, "auto-generated");
	free(v);
	assert_int_equal(header_get(&m, "MIME-Version", &v), 1);
	assert_string_equal(v, "1.0");
	free(v);
	buf_free(&m.raw);

	/* no empty line at the end, no final LF */
	build_s(&m, "Subject: a b", "", 0);
	assert_int_equal(header_get(&m, "Subject", &v), 1);
	assert_string_equal(v, "a b");
	free(v);
	buf_free(&m.raw);
}

static void
test_header_injection_adds_no_header(void **state)
{
	static const char *const blocks[] = {
		/* report_headers' order: To before Subject */
		"From: a@b\nTo: c@d\nSubject: hi\r\nBcc: x@y\n\n",
		"From: a@b\nTo: c@d\nSubject: hi\nBcc: x@y\n\n",
		"From: a@b\nTo: c@d\nSubject: hi\rBcc: x@y\n\n",
		"From: a@b\nTo: c@d\nSubject: hi\nTo: evil@y\nBcc: x@y\n\n",
		"From: a@b\nTo: c@d\nSubject: hi\n From: evil\n\n",
		"From: a@b\nTo: c@d\nSubject: hi\nFrom: evil\n\nBcc: x@y\n",
	};
	size_t k, j;

	(void)state;
	for (k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++) {
		struct msg m;
		char *v;

		build_s(&m, blocks[k], "x\n", 2);
		assert_int_equal(header_get(&m, "Bcc", NULL), 0);
		assert_int_equal(header_get(&m, "From", &v), 1);
		assert_string_equal(v, "a@b");
		free(v);
		assert_int_equal(header_get(&m, "To", &v), 1);
		assert_string_equal(v, "c@d");
		free(v);
		assert_int_equal(header_get(&m, "Subject", &v), 1);
		assert_true(strncmp(v, "hi ", 3) == 0 || strcmp(v, "hi") == 0);
		free(v);
		for (j = 0; j + 1 < m.hlen; j++)	/* no line starts Bcc */
			assert_false(j > 0 && m.raw.data[j - 1] == '\n' &&
			    strncasecmp(m.raw.data + j, "bcc", 3) == 0);
		buf_free(&m.raw);
	}
}

static void
test_control_bytes_in_values_become_blanks(void **state)
{
	static const char h[] = "Subject: a\0b\x1b[2Jc\x7f" "d\te\n\n";
	struct msg m;
	char *v;

	(void)state;
	build(&m, h, sizeof(h) - 1, "x\n", 2);
	assert_int_equal(header_get(&m, "Subject", &v), 1);
	assert_string_equal(v, "a b [2Jc d e");
	free(v);
	buf_free(&m.raw);
}

static void
test_our_headers_replace_incoming_ones(void **state)
{
	static const char h[] = "Subject: s\nContent-Type: text/html\n"
	    "MIME-Version: 2.0\nmessage-id: <x@y>\nAuto-Submitted: no\n"
	    "Content-Transfer-Encoding: base64\nContent-Disposition: attachment\n"
	    " continued\nTo: t@x\n\n";
	struct msg m;
	char *v;

	(void)state;
	build_s(&m, h, "x\n", 2);
	assert_int_equal(header_get(&m, "Content-Type", &v), 1);
	assert_string_equal(v, "text/plain; charset=us-ascii");
	free(v);
	assert_int_equal(header_get(&m, "MIME-Version", &v), 1);
	assert_string_equal(v, "1.0");
	free(v);
	assert_int_equal(header_get(&m, "Message-ID", &v), 1);
	assert_true(strncmp(v, "<logward.", 9) == 0);
	free(v);
	assert_int_equal(header_get(&m, "Auto-Submitted", &v), 1);
	assert_string_equal(v, "auto-generated");
	free(v);
	assert_int_equal(header_get(&m, "Content-Transfer-Encoding", NULL), 1);
	assert_int_equal(header_get(&m, "Content-Disposition", NULL), 0);
	assert_int_equal(header_get(&m, "Subject", &v), 1);
	assert_string_equal(v, "s");
	free(v);
	assert_int_equal(header_get(&m, "To", NULL), 1);
	buf_free(&m.raw);
}

/* Builds "Subject: " subj and checks it decodes back through RFC 2047
 * with charset cs, with header lines of at most 78 bytes. */
static void
subject_roundtrip(const char *subj, const char *cs)
{
	struct msg m;
	struct buf h, dec;
	char *v;

	buf_init(&h, MAXMSG);
	buf_printf(&h, "Subject: %s\n\n", subj);
	build_s(&m, h.data, "x\n", 2);
	check_header_lines(&m, 78);
	assert_int_equal(header_get(&m, "Subject", &v), 1);
	buf_init(&dec, MAXMSG);
	ew_decode(v, cs, &dec);
	assert_string_equal(buf_str(&dec), subj);
	free(v);
	buf_free(&dec);
	buf_free(&h);
	buf_free(&m.raw);
}

static void
test_non_ascii_subject_is_rfc2047(void **state)
{
	struct msg m;
	char *v;

	(void)state;
	build_s(&m, "Subject: Gr\xc3\xbc\xc3\x9f" "e [mail]\n\n", "x\n", 2);
	assert_int_equal(header_get(&m, "Subject", &v), 1);
	assert_string_equal(v, "=?utf-8?Q?Gr=C3=BC=C3=9Fe?= [mail]");
	free(v);
	buf_free(&m.raw);

	subject_roundtrip("Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln: Pr\xc3\xbc" "fung "
	    "fehlgeschlagen auf allen \xc3\xbc" "berwachten Rechnern [mail]", "utf-8");
	/* long runs of 2-, 3- and 4-byte characters: no sequence is split */
	subject_roundtrip("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83"
	    "\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88\xe3\x81\xa7\xe3\x81\x99\xe3"
	    "\x80\x82\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86"
	    "\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88\xe3\x81\xa7\xe3\x81\x99\xe3\x80"
	    "\x82 \xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80 end", "utf-8");
	subject_roundtrip("caf\xe9 ok \xff\xfe=?_ x", "unknown-8bit");
	/* text that looks like an encoded-word is encoded itself */
	subject_roundtrip("see =?utf-8?Q?x?= here", "utf-8");
	subject_roundtrip("a  \xc3\xa9  \xc3\xa9  b", "utf-8");
}

static void
test_long_non_ascii_subject_stays_under_78(void **state)
{
	struct buf s;
	size_t k;

	(void)state;
	buf_init(&s, MAXMSG);
	for (k = 0; k < 60; k++)
		buf_printf(&s, "%s\xc3\xa9t\xc3\xa9%zu", k ? " " : "", k);
	subject_roundtrip(s.data, "utf-8");
	buf_reset(&s);
	for (k = 0; k < 300; k++)
		buf_addstr(&s, "\xe2\x82\xac");		/* one long word */
	subject_roundtrip(s.data, "utf-8");
	buf_free(&s);
}

static void
test_long_to_list_folds_and_unfolds(void **state)
{
	struct buf to, h;
	struct msg m;
	size_t k;
	char *v;

	(void)state;
	buf_init(&to, MAXMSG);
	buf_init(&h, MAXMSG);
	for (k = 0; k < 40; k++)
		buf_printf(&to, "%sUser Number %zu <user%zu@example.org>",
		    k ? ", " : "", k, k);
	buf_printf(&h, "From: a@b\nTo: %s\nSubject: x\n\n", to.data);
	build_s(&m, h.data, "x\n", 2);
	check_header_lines(&m, 78);
	assert_int_equal(header_get(&m, "To", &v), 1);
	assert_string_equal(v, to.data);
	free(v);
	buf_free(&m.raw);
	buf_free(&to);
	buf_free(&h);
}

static void
test_comma_lists_fold_after_commas(void **state)
{
	struct buf list, h;
	struct msg m;
	size_t k, i, j;
	char *v;

	(void)state;
	buf_init(&list, MAXMSG);
	buf_init(&h, MAXMSG);
	for (k = 0; k < 50; k++)
		buf_printf(&list, "%sprogram%zu", k ? "," : "", k);
	buf_printf(&h, "X-logward-program: %s\n\n", list.data);
	build_s(&m, h.data, "x\n", 2);
	check_header_lines(&m, 78);
	/* the fold added one blank after some commas, nothing else */
	assert_int_equal(header_get(&m, "X-logward-program", &v), 1);
	for (i = j = 0; v[i] != '\0'; i++)
		if (!(v[i] == ' ' && i > 0 && v[i - 1] == ','))
			v[j++] = v[i];
	v[j] = '\0';
	assert_string_equal(v, list.data);
	free(v);
	buf_free(&m.raw);
	buf_free(&list);
	buf_free(&h);
}

static void
test_header_without_blanks_is_hard_folded(void **state)
{
	struct buf s, h;
	struct msg m;
	size_t i, j;
	char *v;

	(void)state;
	buf_init(&s, MAXMSG);
	buf_init(&h, MAXMSG);
	for (i = 0; i < 5000; i++)
		buf_addc(&s, (char)('a' + i % 26));
	buf_printf(&h, "Subject: %s\n\n", s.data);
	build_s(&m, h.data, "x\n", 2);	/* check_wire: no line over 998 */
	assert_int_equal(header_get(&m, "Subject", &v), 1);
	for (i = j = 0; v[i] != '\0'; i++)
		if (v[i] != ' ')
			v[j++] = v[i];
	v[j] = '\0';
	assert_string_equal(v, s.data);
	free(v);
	buf_free(&m.raw);
	/* blank runs too */
	buf_reset(&h);
	buf_addstr(&h, "Subject: a");
	for (i = 0; i < 3000; i++)
		buf_addc(&h, ' ');
	buf_addstr(&h, "b\n\n");
	build_s(&m, h.data, "x\n", 2);
	buf_free(&m.raw);
	buf_free(&s);
	buf_free(&h);
}

static void
test_message_id_present_and_unique(void **state)
{
	struct msg m1, m2, m3;
	struct buf out;
	char *a, *b, *c;
	struct mime_opts o = { .msgid_host = "bad host\r\n<>..x.",
	    .seq = 42, .now = 1234 };

	(void)state;
	build_s(&m1, "Subject: x\n\n", "x\n", 2);
	build_s(&m2, "Subject: x\n\n", "x\n", 2);
	assert_int_equal(header_get(&m1, "Message-ID", &a), 1);
	assert_int_equal(header_get(&m2, "Message-ID", &b), 1);
	assert_true(strncmp(a, "<logward.7.1700000000.", 22) == 0);
	assert_true(strlen(a) > 22 + 19);
	assert_string_equal(a + strlen(a) - 18, "@mail.example.org>");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	buf_free(&m1.raw);
	buf_free(&m2.raw);

	buf_init(&out, MAXMSG);
	assert_int_equal(mime_build(&out, "", 0, "", 0, &o), 0);
	m3.raw = out;
	m3.hlen = out.len;
	m3.body = out.data + out.len;
	m3.blen = 0;
	check_wire(&m3);
	assert_int_equal(header_get(&m3, "Message-ID", &c), 1);
	assert_true(strncmp(c, "<logward.42.1234.", 17) == 0);
	assert_string_equal(c + strlen(c) - 11, "@badhost.x>");
	free(c);
	buf_free(&out);

	o.msgid_host = NULL;
	buf_init(&out, MAXMSG);		/* empty bufs hand over NULL data */
	assert_int_equal(mime_build(&out, NULL, 0, NULL, 0, &o), 0);
	assert_non_null(strstr(out.data, "@localhost>\r\n"));
	buf_free(&out);
	o.msgid_host = "..<>";
	buf_init(&out, MAXMSG);
	assert_int_equal(mime_build(&out, "", 0, "", 0, &o), 0);
	assert_non_null(strstr(out.data, "@localhost>\r\n"));
	buf_free(&out);
}

#define T(f)	cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ascii_body_stays_7bit_with_crlf),
		T(test_empty_body_stays_empty),
		T(test_body_without_final_lf_gets_crlf),
		T(test_998_byte_line_is_7bit_999_is_qp),
		T(test_2000_byte_line_becomes_qp),
		T(test_qp_details),
		T(test_nul_and_cr_force_qp_in_ascii),
		T(test_charset_detection),
		T(test_random_bodies_roundtrip),
		T(test_lone_dots_and_blank_tails_roundtrip),
		T(test_megabyte_lines_roundtrip),
		T(test_ten_megabyte_body),
		T(test_cap_exceeded_leaves_out_empty),
		T(test_headers_copied_in_order_then_ours),
		T(test_header_injection_adds_no_header),
		T(test_control_bytes_in_values_become_blanks),
		T(test_our_headers_replace_incoming_ones),
		T(test_non_ascii_subject_is_rfc2047),
		T(test_long_non_ascii_subject_stays_under_78),
		T(test_long_to_list_folds_and_unfolds),
		T(test_comma_lists_fold_after_commas),
		T(test_header_without_blanks_is_hard_folded),
		T(test_message_id_present_and_unique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
