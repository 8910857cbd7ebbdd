/*
 * fuzz_syslog — the syslog receiver without sockets:
 * in_syslog_msg_normalize on one message, and the RFC 6587 TCP framing
 * (in_syslog_tcp_replay) on a byte stream.
 *
 * Input: one control byte, then the bytes.  The control byte picks the
 * sender's host name, trim, and max_msg for the stream.
 *
 * Checks what in_syslog.h and in_syslog_msg.h promise: the normalised line fits len +
 * IN_SYSLOG_EXTRA bytes (the output buffer has exactly that size, so
 * ASan catches a longer write) and is a line record_parse recognises
 * (never REC_NONE) with the message's PRI or <13>.  For the stream: the
 * messages delivered do not depend on how the stream is split into reads
 * (the stream is replayed whole and in pieces of pseudo-random sizes and
 * the results compared), each is a line record_parse recognises, at most
 * max_msg bytes of message (plus what normalising adds), and cut_from is
 * 0 or larger than the line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "input/in_syslog.h"
#include "input/in_syslog_msg.h"
#include "input/record.h"

#define FAIL(...) do { fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); abort(); } while (0)
#define CHECK(x) do { if (!(x)) FAIL("CHECK failed: %s (line %d)", #x, \
	__LINE__); } while (0)

#define NOW		1774744200	/* 2026-03-29 00:30 UTC */
#define MAXREADS	64

static const char *const hosts[] = {
	"10.0.0.1", "::1", "fe80::1%eth0", "web-1", "", NULL,
	"host with blanks",
	"hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"
	"hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"
	"hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"
	"hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhxx",
};
#define NHOSTS	(sizeof(hosts) / sizeof(hosts[0]))

static const size_t max_msgs[] = { 0, 1, 2, 16, 64, 1000, 3000, 20000 };

/* The PRI the message starts with as in_syslog_msg_normalize reads it,
 * or 13. */
static int
msg_pri(const char *p, size_t n)
{
	size_t i;
	int v = 0;

	if (n < 3 || p[0] != '<')
		return 13;
	for (i = 1; i < n && i < 5 && p[i] >= '0' && p[i] <= '9'; i++)
		v = v * 10 + (p[i] - '0');
	if (i == 1 || i > 4 || i >= n || p[i] != '>' || v > 191)
		return 13;
	return v;
}

static void
check_line(const char *line, size_t len, int pri)
{
	struct record r;

	if (record_parse(&r, line, len) == REC_NONE)
		FAIL("normalised line not recognised: %.*s", (int)len, line);
	if (pri >= 0)
		CHECK(r.pri == pri);
}

struct got {
	struct buf	 all;		/* every line: length, cut_from, bytes */
	size_t		 max_msg;
	size_t		 n;
};

static void
got_msg(void *arg, const char *line, size_t len, size_t cut_from)
{
	struct got *g = arg;
	size_t max = g->max_msg ? g->max_msg : 64 * 1024;

	check_line(line, len, -1);
	CHECK(len > 0);
	CHECK(len <= max + IN_SYSLOG_EXTRA);
	CHECK(cut_from == 0 || cut_from > len);
	CHECK(buf_add(&g->all, &len, sizeof(len)) == 0);
	CHECK(buf_add(&g->all, &cut_from, sizeof(cut_from)) == 0);
	CHECK(buf_add(&g->all, line, len) == 0);
	g->n++;
}

static void
replay(const char *s, size_t n, const size_t *reads, size_t nreads,
    size_t max_msg, struct got *g, struct in_syslog_stats *st)
{
	buf_init(&g->all, (size_t)-1 / 4);
	g->max_msg = max_msg;
	g->n = 0;
	in_syslog_tcp_replay(s, n, reads, nreads, max_msg, "192.0.2.7", NOW,
	    got_msg, g, st);
}

static void
stream(const char *s, size_t n, unsigned ctl)
{
	size_t reads[MAXREADS], nreads = 0, max_msg, i;
	struct in_syslog_stats st1, st2;
	struct got g1, g2;
	uint32_t h = 2166136261u;

	max_msg = max_msgs[(ctl >> 5) % (sizeof(max_msgs) / sizeof(max_msgs[0]))];
	/* read sizes from a hash of the input (FNV-1a, then an LCG) */
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	for (i = 0; i < MAXREADS; i++) {
		h = h * 1103515245u + 12345u;
		reads[nreads++] = (ctl & 8) ? 1 + (h >> 16) % 7 :
		    1 + (h >> 16) % 300;
	}
	replay(s, n, NULL, 0, max_msg, &g1, &st1);
	replay(s, n, reads, nreads, max_msg, &g2, &st2);
	if (g1.n != g2.n || g1.all.len != g2.all.len ||
	    (g1.all.len > 0 && memcmp(g1.all.data, g2.all.data,
	    g1.all.len) != 0))
		FAIL("framing depends on the read sizes: %zu messages read "
		    "whole, %zu in pieces", g1.n, g2.n);
	CHECK(st1.received == g1.n && st2.received == g2.n);
	CHECK(st1.cut == st2.cut && st1.bad_frames == st2.bad_frames);
	CHECK(st1.bytes == n && st2.bytes == n);
	buf_free(&g1.all);
	buf_free(&g2.all);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	const char *msg = (const char *)data + 1, *host;
	size_t len, n;
	unsigned ctl;
	char *out;

	if (!inited) {
		setenv("TZ", "Europe/Berlin", 1);
		tzset();
		inited = 1;
	}
	if (size == 0)
		return 0;
	ctl = data[0];
	len = size - 1;
	host = hosts[ctl % NHOSTS];

	out = malloc(len + IN_SYSLOG_EXTRA);
	CHECK(out != NULL);
	n = in_syslog_msg_normalize(out, msg, len, (ctl & 16) != 0, host, NOW);
	CHECK(n <= len + IN_SYSLOG_EXTRA);
	check_line(out, n, msg_pri(msg, len));
	free(out);

	stream(msg, len, ctl);
	return 0;
}
