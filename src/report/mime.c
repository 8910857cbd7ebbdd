/*
 * mime — message building.  Headers are parsed line by line from the
 * block report_headers() writes, cleaned into one scratch copy, and laid
 * out token by token (a token is a run of blanks plus the word after it,
 * or an encoded-word) with folding decided per token.  The body is
 * scanned once to pick charset and encoding, then written once by
 * mime_body.c; this file assembles the message (headers, Message-ID, MIME
 * structure).
 */
#include "report/mime.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "lib/xmem.h"
#include "report/mime_int.h"

#define HDR_SOFT	78	/* header line length to fold at (RFC 5322 SHOULD) */
#define HDR_HARD	998	/* line length never passed, CRLF excluded (MUST) */
#define EW_MAX		75	/* longest encoded-word (RFC 2047) */
#define EW_MIN_PART	24	/* shorter encoded-word tails go to the next line */
#define NAME_MAX_LEN	64	/* longer field names do not start a header */
#define BLANK_RUN_MAX	64	/* blank runs in a header value are cut to this */
#define SEEN_MAX	32	/* headers per message; later names continue */
#define HOST_MAX	253	/* Message-ID right side */

enum brk {
	BRK_NONE,		/* no fold before this token */
	BRK_BLANK,		/* token starts with blanks: fold before them */
	BRK_COMMA,		/* after a comma: fold and add a blank */
};

enum line {
	LINE_END,		/* empty line: end of the header block */
	LINE_SKIP,		/* a header mime writes itself */
	LINE_NEW,		/* starts a header */
	LINE_CONT,		/* continues the header before it */
};

struct val {
	char		*p;		/* cleaned header value, owned */
	size_t		 len;		/* bytes in p */
	size_t		 run;		/* blanks at the end of p */
};

/* --- headers --- */

/* true when p[0..n) is "Name:..." with a field name of ftext; its length
 * in *namelen */
static bool
field_name(const char *p, size_t n, size_t *namelen)
{
	size_t i;

	for (i = 0; i < n && i <= NAME_MAX_LEN; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == ':')
			break;
		if (c < 33 || c > 126)
			return false;
	}
	if (i == 0 || i > NAME_MAX_LEN || i == n)
		return false;
	*namelen = i;
	return true;
}

static bool
name_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

static bool
name_has_prefix(const char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n > k && strncasecmp(p, prefix, k) == 0;
}

static bool
name_reserved(const char *p, size_t n)
{
	return name_is(p, n, "Message-ID") || name_is(p, n, "MIME-Version") ||
	    name_is(p, n, "Auto-Submitted") || name_has_prefix(p, n, "Content-");
}

static bool
name_allowed(const char *p, size_t n)
{
	static const char *const names[] = {
		"From", "To", "Cc", "Reply-To", "Date", "Subject", NULL
	};
	size_t k;

	for (k = 0; names[k] != NULL; k++)
		if (name_is(p, n, names[k]))
			return true;
	return name_has_prefix(p, n, "X-logward-");
}

/* Appends p[0..n) to v: control bytes become blanks, leading blanks of
 * the value are dropped, blank runs are cut at BLANK_RUN_MAX.  v->p has
 * room: a value never grows past the header block. */
static void
val_add(struct val *v, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c == 0x7f)
			c = ' ';
		if (c == ' ') {
			if (v->len == 0 || v->run >= BLANK_RUN_MAX)
				continue;
			v->run++;
		} else
			v->run = 0;
		v->p[v->len++] = (char)c;
	}
}

/*
 * Writes one header token, first folding before it when it would take
 * the line past HDR_SOFT and brk allows a fold there; folds inside it
 * (CRLF and a blank) only where the line would pass HDR_HARD.
 */
static void
put_token(struct out *w, const char *p, size_t n, enum brk brk)
{
	size_t k;

	if (brk != BRK_NONE && w->col + n > HDR_SOFT) {
		crlf(w);
		if (brk == BRK_COMMA)
			put(w, " ", 1);
	}
	while (n > 0) {
		if (w->col >= HDR_HARD) {
			crlf(w);
			put(w, " ", 1);
		}
		k = HDR_HARD - w->col;
		if (k > n)
			k = n;
		put(w, p, k);
		p += k;
		n -= k;
	}
}

/* Plain words: tokens are blanks + text up to the next blank or just
 * past a comma. */
static void
put_words(struct out *w, const char *v, size_t n)
{
	size_t i = 0, j;
	enum brk brk;

	while (i < n) {
		j = i;
		while (j < n && v[j] == ' ')
			j++;
		while (j < n && v[j] != ' ')
			if (v[j++] == ',')
				break;
		if (v[i] == ' ')
			brk = BRK_BLANK;
		else if (w->lastc == ',')
			brk = BRK_COMMA;
		else
			brk = BRK_NONE;
		put_token(w, v + i, j - i, brk);
		i = j;
	}
}

/* Q encoding (RFC 2047 §4.2, the strict set of §5(3)): bytes written
 * as they are; a blank is written "_". */
static bool
q_plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	    c == '-' || c == '/' || c == ' ';
}

/* bytes of the character at p (n > 0 left); whole UTF-8 sequences when
 * utf8, which the caller has validated */
static size_t
char_bytes(const unsigned char *p, size_t n, bool utf8)
{
	size_t k;

	if (!utf8 || p[0] < 0xc0)
		return 1;
	k = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	return k < n ? k : n;
}

static size_t
q_len(const unsigned char *p, size_t k)
{
	size_t i, len = 0;

	for (i = 0; i < k; i++)
		len += q_plain(p[i]) ? 1 : 3;
	return len;
}

/* encoded text that fits after column col, at most EW_MAX in all */
static size_t
ew_room(size_t col, size_t over)
{
	if (col + over >= HDR_SOFT)
		return 0;
	if (HDR_SOFT - col > EW_MAX)
		return EW_MAX - over;
	return HDR_SOFT - col - over;
}

/*
 * Writes r[0..rn) (words needing encoding, the blanks between them
 * included) as encoded-words after the literal blanks sep[0..seplen).
 * Whitespace between two encoded-words is dropped by decoders, so the
 * words are joined with one blank, where the lines fold.
 */
static void
put_encoded(struct out *w, const char *sep, size_t seplen, const char *r,
    size_t rn, bool utf8)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *u = (const unsigned char *)r;
	const char *cs = utf8 ? "utf-8" : "unknown-8bit";
	size_t over = strlen(cs) + 7;	/* "=?" cs "?Q?" ... "?=" */
	char ew[EW_MAX + 16];
	size_t pos = 0, room, need, rest, i, k, e;
	const char *pre;
	size_t prelen;

	while (pos < rn && !w->err) {
		pre = pos == 0 ? sep : " ";
		prelen = pos == 0 ? seplen : 1;
		k = char_bytes(u + pos, rn - pos, utf8);
		need = q_len(u + pos, k);
		/* the rest, counted as far as it matters */
		for (rest = 0, i = pos; i < rn && rest < EW_MIN_PART; i++)
			rest += q_plain(u[i]) ? 1 : 3;
		room = ew_room(w->col + prelen, over);
		if (prelen > 0 && (room < need ||
		    (room < rest && room < EW_MIN_PART))) {
			crlf(w);
			room = ew_room(prelen, over);
		}
		if (room < need)
			room = need;
		e = (size_t)snprintf(ew, sizeof(ew), "=?%s?Q?", cs);
		while (pos < rn) {
			k = char_bytes(u + pos, rn - pos, utf8);
			if (e + q_len(u + pos, k) > over - 2 + room)
				break;
			for (i = 0; i < k; i++, pos++) {
				unsigned char c = u[pos];

				if (c == ' ')
					ew[e++] = '_';
				else if (q_plain(c))
					ew[e++] = (char)c;
				else {
					ew[e++] = '=';
					ew[e++] = hex[c >> 4];
					ew[e++] = hex[c & 15];
				}
			}
		}
		ew[e++] = '?';
		ew[e++] = '=';
		put(w, pre, prelen);
		put(w, ew, e);
	}
}

static bool
needs_q(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((unsigned char)p[i] >= 0x80)
			return true;
		/* text that looks like an encoded-word is encoded too */
		if (p[i] == '=' && i + 1 < n && p[i + 1] == '?')
			return true;
	}
	return false;
}

static void
put_header(struct out *w, const char *name, size_t namelen, const char *v,
    size_t n)
{
	size_t i, bs, ws, end, k, e;
	bool utf8;

	while (n > 0 && v[n - 1] == ' ')
		n--;
	put(w, name, namelen);
	put(w, ":", 1);
	if (n == 0) {
		crlf(w);
		return;
	}
	put(w, " ", 1);
	if (!needs_q(v, n)) {
		put_words(w, v, n);
		crlf(w);
		return;
	}
	utf8 = mime_body_utf8_valid((const unsigned char *)v, n);
	i = 0;
	while (i < n) {
		bs = i;
		while (i < n && v[i] == ' ')
			i++;
		ws = i;
		while (i < n && v[i] != ' ')
			i++;
		if (!needs_q(v + ws, i - ws)) {
			put_words(w, v + bs, i - bs);
			continue;
		}
		/* one run over the following words that need it too */
		end = i;
		for (;;) {
			k = end;
			while (k < n && v[k] == ' ')
				k++;
			e = k;
			while (e < n && v[e] != ' ')
				e++;
			if (e == k || !needs_q(v + k, e - k))
				break;
			end = e;
		}
		put_encoded(w, v + bs, ws - bs, v + ws, end - ws, utf8);
		i = end;
	}
	crlf(w);
}

static enum line
classify(const char *p, size_t n, const char **seen, const size_t *seenlen,
    size_t nseen, size_t *namelen)
{
	size_t k;

	if (n == 0 || (n == 1 && p[0] == '\r'))
		return LINE_END;
	if (!field_name(p, n, namelen))
		return LINE_CONT;
	if (name_reserved(p, *namelen))
		return LINE_SKIP;
	if (!name_allowed(p, *namelen) || nseen == SEEN_MAX)
		return LINE_CONT;
	for (k = 0; k < nseen; k++)
		if (seenlen[k] == *namelen &&
		    strncasecmp(seen[k], p, *namelen) == 0)
			return LINE_CONT;
	return LINE_NEW;
}

static void
put_headers(struct out *w, const char *h, size_t hlen)
{
	const char *seen[SEEN_MAX], *p = h, *end = h + hlen, *nl, *name = NULL;
	size_t seenlen[SEEN_MAX], nseen = 0, n, namelen = 0, len;
	struct val v;
	enum line kind;

	v.p = xmalloc(hlen + 1);
	v.len = v.run = 0;
	while (p < end && !w->err) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		kind = classify(p, n, seen, seenlen, nseen, &len);
		if (kind == LINE_CONT) {
			if (name != NULL) {
				if (p[0] != ' ' && p[0] != '\t')
					val_add(&v, " ", 1);
				val_add(&v, p, n);
			}
		} else {
			if (name != NULL)
				put_header(w, name, namelen, v.p, v.len);
			name = NULL;
			if (kind == LINE_END)
				break;
			if (kind == LINE_NEW) {
				name = p;
				namelen = len;
				seen[nseen] = p;
				seenlen[nseen++] = len;
				v.len = v.run = 0;
				val_add(&v, p + len + 1, n - len - 1);
			}
		}
		p += n + 1;
	}
	if (name != NULL)
		put_header(w, name, namelen, v.p, v.len);
	free(v.p);
}

/* --- Message-ID --- */

static unsigned long long
msgid_random(void)
{
	static unsigned long long counter;
	unsigned long long r;
	struct timespec ts;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	clock_gettime(CLOCK_REALTIME, &ts);
	r = (unsigned long long)ts.tv_nsec ^
	    ((unsigned long long)ts.tv_sec << 30) ^
	    ((unsigned long long)getpid() << 16) ^
	    (++counter * 0x9e3779b97f4a7c15ULL);
	/* splitmix64's finaliser */
	r = (r ^ (r >> 30)) * 0xbf58476d1ce4e5b9ULL;
	r = (r ^ (r >> 27)) * 0x94d049bb133111ebULL;
	return r ^ (r >> 31);
}

/* keeps [A-Za-z0-9.-] as a dot-atom (no leading, trailing or double dot) */
static void
msgid_host(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	for (; src != NULL && *src != '\0' && n + 1 < size; src++) {
		unsigned char c = (unsigned char)*src;

		if (c == '.') {
			if (n > 0 && dst[n - 1] != '.')
				dst[n++] = '.';
		} else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-')
			dst[n++] = (char)c;
	}
	while (n > 0 && dst[n - 1] == '.')
		n--;
	dst[n] = '\0';
	if (n == 0)
		snprintf(dst, size, "localhost");
}

static void
put_msgid(struct out *w, const struct mime_opts *o)
{
	char host[HOST_MAX + 1], id[HOST_MAX + 96];
	int n;

	msgid_host(host, sizeof(host), o->msgid_host);
	n = snprintf(id, sizeof(id), "<logward.%llu.%lld.%016llx@%s>",
	    o->seq, (long long)o->now, msgid_random(), host);
	if (n < 0 || (size_t)n >= sizeof(id)) {
		w->err = 1;
		buf_free(w->b);
		return;
	}
	put(w, "Message-ID:", 11);
	if (sizeof("Message-ID: ") - 1 + (size_t)n > HDR_SOFT)
		crlf(w);
	put(w, " ", 1);
	put(w, id, (size_t)n);
	crlf(w);
}

int
mime_build(struct buf *out, const char *headers, size_t hlen,
    const char *body, size_t blen, const struct mime_opts *o)
{
	static const char bnd[] = "=_logward_report_part";
	const unsigned char *u = (const unsigned char *)body;
	struct out w;
	size_t i, line = 0;
	bool eight = false, plain = true;
	const char *cs;

	w.b = out;
	w.col = 0;
	w.lastc = -1;
	w.err = 0;

	for (i = 0; i < blen; i++) {
		if (u[i] == '\n') {
			line = 0;
			continue;
		}
		if (u[i] >= 0x80)
			eight = true;
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] >= 0x7f)
			plain = false;
		if (++line > HDR_HARD)
			plain = false;
	}
	if (!eight)
		cs = "us-ascii";
	else if (mime_body_utf8_valid(u, blen))
		cs = "utf-8";
	else
		cs = "unknown-8bit";

	put_headers(&w, headers, hlen);
	put_msgid(&w, o);
	put_str(&w, "Auto-Submitted: auto-generated\r\n");
	put_str(&w, "MIME-Version: 1.0\r\n");
	if (o->attach != MIME_INLINE) {
		/* the boundary cannot occur in base64 or quoted-printable
		 * ("=_" is not valid in either), nor in the ASCII text part */
		put_str(&w, "Content-Type: multipart/mixed; boundary=\"");
		put_str(&w, bnd);
		put_str(&w, "\"\r\n\r\n--");
		put_str(&w, bnd);
		put_str(&w, "\r\nContent-Type: text/plain; charset=us-ascii\r\n"
		    "Content-Transfer-Encoding: 7bit\r\n\r\n");
		put_str(&w, o->attach_text != NULL ? o->attach_text : "");
		put_str(&w, "\r\n--");
		put_str(&w, bnd);
		put_str(&w, "\r\nContent-Disposition: attachment; filename=");
		put_str(&w, o->attach_name);
		if (o->attach == MIME_ATTACH_GZIP) {
			put_str(&w, ".gz\r\nContent-Type: application/x-gzip\r\n"
			    "Content-Transfer-Encoding: base64\r\n\r\n");
			mime_body_gzip(&w, body, blen);
			goto last;
		}
		put_str(&w, "\r\n");
	}
	put_str(&w, "Content-Type: text/plain; charset=");
	put_str(&w, cs);
	put_str(&w, "\r\nContent-Transfer-Encoding: ");
	put_str(&w, plain ? "7bit" : "quoted-printable");
	crlf(&w);
	crlf(&w);
	if (plain)
		mime_body_7bit(&w, body, blen);
	else
		mime_body_qp(&w, body, blen);
	if (o->attach == MIME_INLINE)
		return w.err ? -1 : 0;
	if (w.lastc != '\n')
		crlf(&w);
last:
	put_str(&w, "\r\n--");
	put_str(&w, bnd);
	put_str(&w, "--\r\n");
	return w.err ? -1 : 0;
}

int
mime_build_alt(struct buf *out, const char *headers, size_t hlen,
    const char *text, size_t tlen, const char *html, size_t htmllen,
    const struct mime_opts *o)
{
	struct out w;
	char boundary[80];

	w.b = out;
	w.col = 0;
	w.lastc = -1;
	w.err = 0;
	/* "=_" never occurs in quoted-printable text: both parts are
	 * encoded so, whatever the log lines say */
	snprintf(boundary, sizeof(boundary), "=_logward_%llu_%016llx",
	    o->seq, msgid_random());
	put_headers(&w, headers, hlen);
	put_msgid(&w, o);
	put_str(&w, "Auto-Submitted: auto-generated\r\n");
	put_str(&w, "MIME-Version: 1.0\r\n");
	put_str(&w, "Content-Type: multipart/alternative;\r\n boundary=\"");
	put_str(&w, boundary);
	put_str(&w, "\"\r\n\r\nThis is a MIME message: a text part and an HTML "
	    "part.\r\n\r\n");
	mime_body_part(&w, boundary, "text/plain", text, tlen);
	mime_body_part(&w, boundary, "text/html", html, htmllen);
	put_str(&w, "--");
	put_str(&w, boundary);
	put_str(&w, "--\r\n");
	return w.err ? -1 : 0;
}
