/*
 * in_syslog_frame — RFC 6587 framing of TCP connections (see
 * in_syslog_frame.h).
 *
 * A TCP connection has one stream buffer holding [start, end).  The
 * message being framed keeps its first `head` bytes (at most max_msg) at
 * buf[start..); bytes after the head are unprocessed input.  Once a
 * message has max_msg bytes, what follows up to its end is dropped as it
 * arrives (only counted in `total`), so the buffer never needs more than
 * max_msg plus one read.  The framing is chosen per message by its first
 * byte: a digit starts an RFC 6587 octet count "LEN SP", anything else a
 * line ended by LF (a CR before it is trimmed; empty lines are skipped).
 */
#include "input/in_syslog_frame.h"

#include <string.h>

#include "input/in_syslog_int.h"

#define OCTET_DIGITS	8		/* digits of IN_SYSLOG_OCTET_MAX */

/*
 * An RFC 6587 "MSG-LEN SP" at p[0..n): returns 1 with *len and *hl (the
 * header's length), 0 when more bytes are needed, -1 when this is not an
 * octet count (*bad: more than OCTET_DIGITS digits, or digits and a SP
 * but a leading zero or too large).
 */
static int
octet_header(const char *p, size_t n, size_t *len, size_t *hl, bool *bad)
{
	size_t i, v = 0;

	*bad = false;
	for (i = 0; i < n && in_syslog_isdig((unsigned char)p[i]); i++) {
		if (i < OCTET_DIGITS + 1)
			v = v * 10 + (size_t)(p[i] - '0');
	}
	/*
	 * More digits than a count can have: bad whatever follows.  Deciding
	 * on the byte after them would make the verdict (and bad_frames)
	 * depend on whether a read ended inside the digits (found by
	 * tests/fuzz/fuzz_syslog).
	 */
	if (i > OCTET_DIGITS) {
		*bad = true;
		return -1;
	}
	if (i == n)
		return 0;
	if (p[i] != ' ')
		return -1;
	if (p[0] == '0' || v > IN_SYSLOG_OCTET_MAX) {
		*bad = true;
		return -1;
	}
	*len = v;
	*hl = i + 1;
	return 1;
}

void
in_syslog_frame_reset(struct conn *c)
{
	c->st = F_START;
	c->head = c->total = c->remain = 0;
}

void
in_syslog_frame_parse(struct in_syslog *s, struct conn *c, bool eof, time_t now,
    in_syslog_msg_fn *fn, void *arg)
{
	size_t len, hl, keep, avail, fend;
	const char *lf;
	char *u;
	bool bad;
	int r;

	for (;;) {
		u = c->buf + c->start + c->head;
		avail = c->end - c->start - c->head;
		switch (c->st) {
		case F_START:
			if (avail == 0)
				return;
			if (in_syslog_isdig((unsigned char)*u)) {
				r = octet_header(u, avail, &len, &hl, &bad);
				if (r == 0 && !eof)
					return;
				if (r == 1) {
					c->start += hl;
					c->st = F_OCTET;
					c->remain = c->total = len;
					continue;
				}
				if (bad)
					s->st.bad_frames++;
			}
			c->st = F_LINE;
			break;
		case F_OCTET:
			keep = in_syslog_min_sz(in_syslog_min_sz(avail,
			    c->remain), s->max_msg - c->head);
			if (c->remain <= avail) {
				fend = c->start + c->head + c->remain;
				c->head += keep;
				in_syslog_deliver(s, c->buf + c->start,
				    c->head, c->total, c->peer, now, fn, arg);
				c->start = fend;
				in_syslog_frame_reset(c);
				break;
			}
			c->head += keep;
			c->remain -= avail;
			c->end = c->start + c->head;	/* drop the rest */
			return;
		case F_LINE:
			lf = memchr(u, '\n', avail);
			len = lf != NULL ? (size_t)(lf - u) : avail;
			keep = in_syslog_min_sz(len, s->max_msg - c->head);
			c->total += len;
			c->head += keep;
			if (lf != NULL) {
				in_syslog_deliver(s, c->buf + c->start,
				    c->head, c->total, c->peer, now, fn, arg);
				c->start = (size_t)(lf - c->buf) + 1;
				in_syslog_frame_reset(c);
				break;
			}
			c->end = c->start + c->head;	/* drop the rest */
			return;
		}
	}
}

void
in_syslog_frame_flush(struct in_syslog *s, struct conn *c, time_t now,
    in_syslog_msg_fn *fn, void *arg)
{
	in_syslog_frame_parse(s, c, true, now, fn, arg);
	if (c->st == F_OCTET)
		s->st.bad_frames++;
	if (c->st != F_START && c->head > 0)
		in_syslog_deliver(s, c->buf + c->start, c->head, c->total,
		    c->peer, now, fn, arg);
	in_syslog_frame_reset(c);
	c->start = c->end = 0;
}
