/*
 * in_syslog — the syslog receiver (see in_syslog.h).
 *
 * Datagram sockets (UDP, unix) are read with recvmmsg into buffers made
 * at open, MSG_TRUNC telling the real size of a datagram longer than
 * max_msg; SO_RXQ_OVFL reports the kernel's drop counter.
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
#include "input/in_syslog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/log.h"
#include "input/record.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define DEF_MAX_MSG	(64 * 1024)
#define DEF_IDLE	3600
#define DEF_CONNS	256
#define RCVBUF		(4 * 1024 * 1024)
#define DGRAM_MEM	(1024 * 1024)	/* datagram buffers per listener, about */
#define DGRAM_VLEN	16		/* most datagrams per recvmmsg */
#define DGRAM_BUDGET	256		/* datagrams per in_syslog_ready */
#define ACCEPT_BUDGET	64		/* accepts per in_syslog_ready */
#define READ_BUDGET	(256 * 1024)	/* bytes per connection per in_syslog_ready */
#define CONN_BUF0	(16 * 1024)	/* first buffer of a connection */
#define CONN_SLACK	4096		/* room for a read beyond max_msg */
#define OCTET_DIGITS	8		/* digits of IN_SYSLOG_OCTET_MAX */

enum frame {
	F_START,			/* between messages */
	F_OCTET,			/* inside "LEN SP MSG": remain bytes to come */
	F_LINE,				/* inside a line, up to LF */
};

struct conn {
	int		 fd;		/* owned */
	char		 peer[INET6_ADDRSTRLEN]; /* sender address */
	char		*buf;		/* owned stream buffer */
	size_t		 cap;		/* its size */
	size_t		 start, end;	/* content */
	enum frame	 st;
	size_t		 head;		/* bytes of the message kept at buf + start */
	size_t		 total;		/* its length so far (F_OCTET: LEN) */
	size_t		 remain;	/* F_OCTET: bytes of MSG not seen yet */
	time_t		 last;		/* last data or accept */
};

struct in_syslog {
	char		*spec;		/* owned copy */
	enum in_syslog_proto proto;
	int		 fd;		/* listening / datagram socket */
	size_t		 max_msg;
	unsigned	 idle;
	unsigned	 max_conns;
	in_syslog_fd_fn	*fd_change;
	void		*fd_arg;
	char		 localhost[IN_SYSLOG_HOSTMAX + 1];
	char		*out;		/* owned: normalized line */
	/* unix */
	char		*path;		/* owned socket path */
	dev_t		 dev;		/* the socket file we bound */
	ino_t		 ino;
	/* datagrams */
	unsigned	 vlen;
	char		*dbuf;		/* owned: vlen buffers of max_msg bytes */
	struct mmsghdr	*mm;		/* owned, vlen each: */
	struct iovec	*iov;
	struct sockaddr_storage *from;
	char		*ctl;		/* CTLSIZE bytes each */
	/* TCP */
	struct conn	**conns;	/* owned, max_conns slots */
	size_t		 nconns;
	int		 spare;		/* fd given up when out of fds, or -1 */
	bool		 refusing;	/* a refusal was logged */
	struct in_syslog_stats st;
};

#define CTLSIZE		CMSG_SPACE(sizeof(uint32_t))

/* ---- normalization ---- */

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static bool
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static bool
isws(const char *p, const char *e)
{
	return p < e && str_isspace((unsigned char)*p);
}

/* "<N>" with 1-3 digits and N <= 191 (leading zeros allowed: they are
 * rewritten).  Returns N and advances *pp, or -1. */
static int
pri(const char **pp, const char *e)
{
	const char *p = *pp, *d;
	int v = 0;

	if (p >= e || *p != '<')
		return -1;
	for (d = ++p; p < e && isdig((unsigned char)*p) && p - d < 4; p++)
		v = v * 10 + (*p - '0');
	if (p == d || p - d > 3 || v > 191 || p >= e || *p != '>')
		return -1;
	*pp = p + 1;
	return v;
}

static bool
num(const char **pp, const char *e, int n, int max)
{
	const char *p = *pp;
	int i, v = 0;

	if (e - p < n)
		return false;
	for (i = 0; i < n; i++) {
		if (!isdig((unsigned char)p[i]))
			return false;
		v = v * 10 + (p[i] - '0');
	}
	if (v > max)
		return false;
	*pp = p + n;
	return true;
}

static bool
chr(const char **pp, const char *e, char c)
{
	if (*pp >= e || **pp != c)
		return false;
	(*pp)++;
	return true;
}

/* A stamp must end the text or be followed by a blank. */
static size_t
stamp_end(const char *s, const char *p, const char *e)
{
	return p == e || isws(p, e) ? (size_t)(p - s) : 0;
}

/* Length of a BSD stamp "Mmm dd hh:mm:ss" (day also " d" or "d") at p,
 * real month name and fields in range, or 0. */
static size_t
bsd_stamp(const char *p, const char *e)
{
	const char *s = p;
	int d;

	if (e - p < 4 || record_month(p) == 0 || !isws(p + 3, e))
		return 0;
	p += 4;
	if (isws(p, e)) {
		p++;
		if (!num(&p, e, 1, 9))
			return 0;
		d = p[-1] - '0';
	} else if (e - p >= 2 && isdig((unsigned char)p[1])) {
		if (!num(&p, e, 2, 31))
			return 0;
		d = (p[-2] - '0') * 10 + p[-1] - '0';
	} else {
		if (!num(&p, e, 1, 9))
			return 0;
		d = p[-1] - '0';
	}
	if (d == 0 || !isws(p, e))
		return 0;
	p++;
	if (!num(&p, e, 2, 23) || !chr(&p, e, ':') || !num(&p, e, 2, 59) ||
	    !chr(&p, e, ':') || !num(&p, e, 2, 60))
		return 0;
	return stamp_end(s, p, e);
}

/* Length of an RFC 3339 stamp at p, or 0.  Ranges are left to
 * record_parse (the result is checked with it). */
static size_t
rfc3339_stamp(const char *p, const char *e)
{
	const char *s = p;

	if (!num(&p, e, 4, 9999) || !chr(&p, e, '-') || !num(&p, e, 2, 99) ||
	    !chr(&p, e, '-') || !num(&p, e, 2, 99) ||
	    !(chr(&p, e, 'T') || chr(&p, e, 't')) ||
	    !num(&p, e, 2, 99) || !chr(&p, e, ':') || !num(&p, e, 2, 99) ||
	    !chr(&p, e, ':') || !num(&p, e, 2, 99))
		return 0;
	if (chr(&p, e, '.')) {
		if (p >= e || !isdig((unsigned char)*p))
			return 0;
		while (p < e && isdig((unsigned char)*p))
			p++;
	}
	if (!(chr(&p, e, 'Z') || chr(&p, e, 'z'))) {
		if (!(chr(&p, e, '+') || chr(&p, e, '-')) ||
		    !num(&p, e, 2, 99) || !chr(&p, e, ':') || !num(&p, e, 2, 99))
			return 0;
	}
	return stamp_end(s, p, e);
}

/*
 * Is the word at p (up to a blank) the sender's host name?  Only when a
 * blank follows it and it consists of host name bytes (letters, digits,
 * '.', '-', '_', and ':' '%' for IPv6) not ending in ':'.  A tag such as
 * "sshd[42]:", "su:" or "postfix/smtpd[1]:" fails.
 */
static bool
host_word(const char *p, const char *e)
{
	const char *s = p;

	for (; p < e && !str_isspace((unsigned char)*p); p++) {
		unsigned char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    isdig(c) || c == '.' || c == '-' || c == '_' || c == ':' ||
		    c == '%'))
			return false;
	}
	return p > s && p < e && p[-1] != ':';
}

static void
two(char *p, int v)
{
	p[0] = (char)('0' + (unsigned)v / 10 % 10);
	p[1] = (char)('0' + (unsigned)v % 10);
}

/* The current local time as "Mmm dd hh:mm:ss" (15 bytes, cached). */
static const char *
now_stamp(time_t now)
{
	static time_t last = (time_t)-1;
	static char st[16];
	struct tm tm;

	if (now != last) {
		if (localtime_r(&now, &tm) == NULL) {
			memset(&tm, 0, sizeof(tm));
			tm.tm_mday = 1;
		}
		memcpy(st, months[(unsigned)tm.tm_mon % 12], 3);
		st[3] = ' ';
		st[4] = tm.tm_mday >= 10 ? (char)('0' + tm.tm_mday / 10 % 10) : ' ';
		st[5] = (char)('0' + tm.tm_mday % 10);
		st[6] = ' ';
		two(st + 7, tm.tm_hour);
		st[9] = ':';
		two(st + 10, tm.tm_min);
		st[12] = ':';
		two(st + 13, tm.tm_sec);
		st[15] = '\0';
		last = now;
	}
	return st;
}

static char *
put(char *o, const void *p, size_t n)
{
	if (n > 0)
		memcpy(o, p, n);
	return o + n;
}

static char *
put_pri(char *o, int v)
{
	char tmp[8];
	int n = snprintf(tmp, sizeof(tmp), "<%d>", v);

	return put(o, tmp, (size_t)n);
}

size_t
in_syslog_normalize(char *out, const char *msg, size_t len, bool trim,
    const char *host, time_t now)
{
	const char *p = msg, *e, *rest, *w;
	size_t hlen, sl, hostoff;
	struct record r;
	char *o;
	int v;

	if (msg == NULL)
		msg = p = "";
	while (trim && len > 0 && (msg[len - 1] == '\n' ||
	    msg[len - 1] == '\r' || msg[len - 1] == '\0'))
		len--;
	e = msg + len;
	if (host == NULL)
		host = "";
	for (hlen = 0; host[hlen] != '\0' && hlen < IN_SYSLOG_HOSTMAX &&
	    !str_isspace((unsigned char)host[hlen]); hlen++)
		;
	if (hlen == 0) {
		host = "-";
		hlen = 1;
	}

	v = pri(&p, e);
	rest = p;
	o = put_pri(out, v < 0 ? 13 : v);

	/* RFC 5424: kept, a nil HOSTNAME filled in */
	if (v >= 0 && e - rest >= 2 && rest[0] == '1' && rest[1] == ' ') {
		char *o2 = put(o, rest, (size_t)(e - rest));

		if (record_parse(&r, out, (size_t)(o2 - out)) == REC_RFC5424) {
			if (r.host != NULL)
				return (size_t)(o2 - out);
			w = memchr(rest + 2, ' ', (size_t)(e - rest - 2));
			hostoff = (size_t)(w + 1 - rest);	/* at "- " */
			o = put(o, rest, hostoff);
			o = put(o, host, hlen);
			o = put(o, rest + hostoff + 1,
			    (size_t)(e - rest) - hostoff - 1);
			return (size_t)(o - out);
		}
	}

	sl = bsd_stamp(rest, e);
	if (sl == 0)
		sl = rfc3339_stamp(rest, e);
	if (sl > 0) {
		w = rest + sl;
		if (w < e)
			w++;			/* the blank after the stamp */
		if (host_word(w, e)) {
			/* stamp host msg: as it is */
			o = put(o, rest, (size_t)(e - rest));
		} else {
			o = put(o, rest, sl);
			*o++ = ' ';
			o = put(o, host, hlen);
			*o++ = ' ';
			o = put(o, w, (size_t)(e - w));
		}
		if (record_parse(&r, out, (size_t)(o - out)) != REC_NONE)
			return (size_t)(o - out);
		/* a stamp record_parse rejects (out of range): text */
		o = put_pri(out, v < 0 ? 13 : v);
	}

	o = put(o, now_stamp(now), 15);
	*o++ = ' ';
	o = put(o, host, hlen);
	*o++ = ' ';
	o = put(o, rest, (size_t)(e - rest));
	return (size_t)(o - out);
}

/* ---- spec ---- */

static int
parse_port(const char *s, char *port, size_t plen, char *err, size_t errlen)
{
	const char *why;
	long long v;

	if (str_tonum(s, 0, 65535, &v, &why) == -1) {
		snprintf(err, errlen, "port \"%s\" is %s (0..65535)", s, why);
		return -1;
	}
	if (str_lcpy(port, s, plen) >= plen) {
		snprintf(err, errlen, "port buffer too small");
		return -1;
	}
	return 0;
}

/* A numeric address of family (IPv6 with an optional "%scope") into
 * ss (may be NULL).  Returns 0 or -1. */
static int
numeric(int family, const char *addr, struct sockaddr_storage *ss)
{
	struct addrinfo hints, *ai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(addr, "0", &hints, &ai) != 0)
		return -1;
	if (ss != NULL) {
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	}
	freeaddrinfo(ai);
	return 0;
}

/* "ADDR:PORT", "[V6]:PORT", ":PORT", "*:PORT" or, with port_only,
 * "PORT". */
static int
parse_hostport(const char *s, bool port_only, char *addr, size_t addrlen,
    char *port, size_t plen, char *err, size_t errlen)
{
	const char *colon, *a;
	size_t n;

	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':') {
			snprintf(err, errlen, "expected [IPV6]:PORT");
			return -1;
		}
		a = s + 1;
		n = (size_t)(rb - a);
		colon = rb + 1;
		if (n >= addrlen || n >= INET6_ADDRSTRLEN) {
			snprintf(err, errlen, "IPv6 address too long");
			return -1;
		}
		memcpy(addr, a, n);
		addr[n] = '\0';
		if (numeric(AF_INET6, addr, NULL) == -1) {
			snprintf(err, errlen, "bad IPv6 address \"%s\"", addr);
			return -1;
		}
		return parse_port(colon + 1, port, plen, err, errlen);
	}
	colon = strrchr(s, ':');
	if (colon == NULL) {
		if (!port_only) {
			snprintf(err, errlen, "expected ADDR:PORT");
			return -1;
		}
		if (addrlen > 0)
			addr[0] = '\0';
		return parse_port(s, port, plen, err, errlen);
	}
	n = (size_t)(colon - s);
	if (memchr(s, ':', n) != NULL) {
		snprintf(err, errlen, "an IPv6 address needs brackets: [ADDR]:PORT");
		return -1;
	}
	if (n == 1 && *s == '*')
		n = 0;
	if (n >= addrlen || n >= INET_ADDRSTRLEN) {
		snprintf(err, errlen, "bad IPv4 address");
		return -1;
	}
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (n > 0 && numeric(AF_INET, addr, NULL) == -1) {
		snprintf(err, errlen, "bad IPv4 address \"%s\" (a numeric "
		    "address, [IPv6], or * for all)", addr);
		return -1;
	}
	return parse_port(colon + 1, port, plen, err, errlen);
}

int
in_syslog_parse_spec(const char *spec, enum in_syslog_proto *proto,
    char *addr, size_t addrlen, char *port_or_path, size_t plen,
    char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int rc;

	if (spec == NULL || *spec == '\0') {
		snprintf(err, errlen, "empty listen spec");
		return -1;
	}
	if (strncmp(spec, "unix:", 5) == 0) {
		*proto = IN_SYSLOG_UNIX;
		if (spec[5] != '/') {
			snprintf(err, errlen, "%s: unix socket path must be "
			    "absolute", spec);
			return -1;
		}
		if (strlen(spec + 5) >= sizeof(sun.sun_path)) {
			snprintf(err, errlen, "%s: unix socket path longer "
			    "than %zu bytes", spec, sizeof(sun.sun_path) - 1);
			return -1;
		}
		if (addrlen > 0)
			addr[0] = '\0';
		if (str_lcpy(port_or_path, spec + 5, plen) >= plen) {
			snprintf(err, errlen, "%s: path too long", spec);
			return -1;
		}
		return 0;
	}
	if (strncmp(spec, "udp:", 4) == 0 || strncmp(spec, "tcp:", 4) == 0) {
		*proto = spec[0] == 'u' ? IN_SYSLOG_UDP : IN_SYSLOG_TCP;
		rc = parse_hostport(spec + 4, true, addr, addrlen,
		    port_or_path, plen, err, errlen);
	} else {
		*proto = IN_SYSLOG_UDP;
		rc = parse_hostport(spec, false, addr, addrlen, port_or_path,
		    plen, err, errlen);
	}
	if (rc == -1) {
		char why[256];

		str_lcpy(why, err, sizeof(why));
		snprintf(err, errlen, "listen \"%s\": %s (forms: "
		    "udp:ADDR:PORT, tcp:ADDR:PORT, unix:/PATH, ADDR:PORT)",
		    spec, why);
	}
	return rc;
}

/* ---- delivery ---- */

static size_t
min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* The sender's address as text: IPv4 dotted (also when v4-mapped). */
static const char *
addr_text(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
	const char *r = NULL;

	if (ss->ss_family == AF_INET)
		r = inet_ntop(AF_INET, &s4->sin_addr, buf, size);
	else if (ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		r = inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, size);
	else if (ss->ss_family == AF_INET6)
		r = inet_ntop(AF_INET6, &s6->sin6_addr, buf, size);
	if (r == NULL)
		str_lcpy(buf, "-", size);
	return buf;
}

/* Hands on msg[0..n); total is the message's full length (> n: cut). */
static void
deliver(struct in_syslog *s, const char *msg, size_t n, size_t total,
    const char *host, time_t now, in_syslog_msg_fn *fn, void *arg)
{
	bool cut = total > n;
	size_t len;

	if (!cut) {
		while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r' ||
		    msg[n - 1] == '\0'))
			n--;
		if (n == 0)
			return;			/* empty message */
	}
	len = in_syslog_normalize(s->out, msg, n, false, host, now);
	s->st.received++;
	if (cut)
		s->st.cut++;
	fn(arg, s->out, len, cut ? len + (total - n) : 0);
}

/* ---- datagrams ---- */

static int
dgram_read(struct in_syslog *s, time_t now, in_syslog_msg_fn *fn, void *arg)
{
	char host[INET6_ADDRSTRLEN];
	unsigned i, total = 0;
	struct cmsghdr *cm;
	uint32_t drops;
	int n;

	while (total < DGRAM_BUDGET) {
		for (i = 0; i < s->vlen; i++) {
			s->mm[i].msg_hdr.msg_namelen = sizeof(s->from[i]);
			s->mm[i].msg_hdr.msg_controllen = CTLSIZE;
			s->mm[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(s->fd, s->mm, s->vlen, MSG_DONTWAIT | MSG_TRUNC,
		    NULL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				s->st.dropped++;
				log_debug("%s: recvmmsg: %s", s->spec,
				    strerror(errno));
			}
			return 0;
		}
		for (i = 0; i < (unsigned)n; i++) {
			struct msghdr *h = &s->mm[i].msg_hdr;
			size_t len = s->mm[i].msg_len;
			const char *hn = s->localhost;

			for (cm = CMSG_FIRSTHDR(h); cm != NULL;
			    cm = CMSG_NXTHDR(h, cm)) {
				if (cm->cmsg_level == SOL_SOCKET &&
				    cm->cmsg_type == SO_RXQ_OVFL) {
					memcpy(&drops, CMSG_DATA(cm),
					    sizeof(drops));
					s->st.kernel_drops = drops;
				}
			}
			if (s->proto == IN_SYSLOG_UDP)
				hn = addr_text(&s->from[i], host, sizeof(host));
			s->st.bytes += len;
			deliver(s, s->dbuf + (size_t)i * s->max_msg,
			    min_sz(len, s->max_msg), len, hn, now, fn, arg);
		}
		total += (unsigned)n;
		if ((unsigned)n < s->vlen)
			return 0;
	}
	return 1;
}

/* ---- TCP connections ---- */

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
	for (i = 0; i < n && isdig((unsigned char)p[i]); i++) {
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

static void
frame_reset(struct conn *c)
{
	c->st = F_START;
	c->head = c->total = c->remain = 0;
}

/* Frames what the buffer holds and delivers complete messages.  With
 * eof, digits that could start an octet count are taken as a line. */
static void
conn_parse(struct in_syslog *s, struct conn *c, bool eof, time_t now,
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
			if (isdig((unsigned char)*u)) {
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
			keep = min_sz(min_sz(avail, c->remain),
			    s->max_msg - c->head);
			if (c->remain <= avail) {
				fend = c->start + c->head + c->remain;
				c->head += keep;
				deliver(s, c->buf + c->start, c->head, c->total,
				    c->peer, now, fn, arg);
				c->start = fend;
				frame_reset(c);
				break;
			}
			c->head += keep;
			c->remain -= avail;
			c->end = c->start + c->head;	/* drop the rest */
			return;
		case F_LINE:
			lf = memchr(u, '\n', avail);
			len = lf != NULL ? (size_t)(lf - u) : avail;
			keep = min_sz(len, s->max_msg - c->head);
			c->total += len;
			c->head += keep;
			if (lf != NULL) {
				deliver(s, c->buf + c->start, c->head, c->total,
				    c->peer, now, fn, arg);
				c->start = (size_t)(lf - c->buf) + 1;
				frame_reset(c);
				break;
			}
			c->end = c->start + c->head;	/* drop the rest */
			return;
		}
	}
}

/* The peer is gone: delivers what is left of the last message. */
static void
conn_flush(struct in_syslog *s, struct conn *c, time_t now,
    in_syslog_msg_fn *fn, void *arg)
{
	conn_parse(s, c, true, now, fn, arg);
	if (c->st == F_OCTET)
		s->st.bad_frames++;
	if (c->st != F_START && c->head > 0)
		deliver(s, c->buf + c->start, c->head, c->total, c->peer, now,
		    fn, arg);
	frame_reset(c);
	c->start = c->end = 0;
}

static void
conn_close(struct in_syslog *s, size_t i)
{
	struct conn *c = s->conns[i];

	if (s->fd_change != NULL)
		s->fd_change(s->fd_arg, c->fd, false);
	close(c->fd);
	free(c->buf);
	free(c);
	s->conns[i] = s->conns[--s->nconns];
	s->conns[s->nconns] = NULL;
	s->st.conns_open = s->nconns;
	if (s->nconns < s->max_conns)
		s->refusing = false;
}

/* Makes room for a read: compacts, grows up to max_msg + CONN_SLACK. */
static void
conn_room(struct in_syslog *s, struct conn *c)
{
	size_t maxcap = s->max_msg + CONN_SLACK, ncap;

	if (c->start == c->end)
		c->start = c->end = 0;
	if (c->cap - c->end >= CONN_SLACK / 4)
		return;
	if (c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	if (c->cap - c->end < CONN_SLACK / 4 && c->cap < maxcap) {
		ncap = c->cap > maxcap / 2 ? maxcap : c->cap * 2;
		c->buf = xreallocarray(c->buf, ncap, 1);
		c->cap = ncap;
	}
}

static int
conn_read(struct in_syslog *s, size_t i, time_t now, in_syslog_msg_fn *fn,
    void *arg)
{
	struct conn *c = s->conns[i];
	size_t budget = READ_BUDGET, space;
	ssize_t n;

	for (;;) {
		conn_room(s, c);
		space = c->cap - c->end;
		n = read(c->fd, c->buf + c->end, space);
		if (n > 0) {
			c->end += (size_t)n;
			c->last = now;
			s->st.bytes += (uint64_t)n;
			conn_parse(s, c, false, now, fn, arg);
			if ((size_t)n < space)
				return 0;	/* drained; epoll says when more */
			if ((size_t)n >= budget)
				return 1;
			budget -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n == -1) {
			s->st.dropped++;
			log_debug("%s: connection from %s: %s", s->spec,
			    c->peer, strerror(errno));
		}
		conn_flush(s, c, now, fn, arg);
		conn_close(s, i);
		return 0;
	}
}

/* Test hook (see in_syslog.h): conn_read over a memory buffer. */
void
in_syslog_tcp_replay(const char *data, size_t len, const size_t *reads,
    size_t nreads, size_t max_msg, const char *peer, time_t now,
    in_syslog_msg_fn *fn, void *arg, struct in_syslog_stats *st)
{
	struct in_syslog s;
	struct conn c;
	size_t off = 0, k = 0, piece, n;

	memset(&s, 0, sizeof(s));
	s.fd = s.spare = -1;
	s.max_msg = max_msg > 0 ? min_sz(max_msg, IN_SYSLOG_OCTET_MAX) :
	    DEF_MAX_MSG;
	s.out = xmalloc(s.max_msg + IN_SYSLOG_EXTRA);
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	str_lcpy(c.peer, peer != NULL ? peer : "", sizeof(c.peer));
	c.cap = min_sz(CONN_BUF0, s.max_msg + CONN_SLACK);
	c.buf = xmalloc(c.cap);
	frame_reset(&c);
	piece = k < nreads ? reads[k] : len;
	while (off < len) {
		if (piece == 0) {
			k++;
			piece = k < nreads ? reads[k] : len - off;
			continue;
		}
		conn_room(&s, &c);
		n = min_sz(min_sz(piece, len - off), c.cap - c.end);
		if (n == 0)
			break;		/* read(fd, buf, 0) would be taken as EOF */
		memcpy(c.buf + c.end, data + off, n);
		c.end += n;
		off += n;
		piece -= n;
		s.st.bytes += n;
		conn_parse(&s, &c, false, now, fn, arg);
	}
	conn_flush(&s, &c, now, fn, arg);
	if (st != NULL)
		*st = s.st;
	free(c.buf);
	free(s.out);
}

/* Counts a refused connection; logs once until a connection closes. */
static void
refuse(struct in_syslog *s, const char *why)
{
	s->st.conns_refused++;
	if (!s->refusing)
		log_warnx("%s: refusing connections: %s (%zu open); counted in "
		    "the status", s->spec, why, s->nconns);
	s->refusing = true;
}

static int
accept_some(struct in_syslog *s, time_t now)
{
	struct sockaddr_storage ss;
	struct conn *c;
	socklen_t sl;
	int i, fd;

	for (i = 0; i < ACCEPT_BUDGET; i++) {
		sl = sizeof(ss);
		fd = accept4(s->fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EPROTO)
				continue;
			if ((errno == EMFILE || errno == ENFILE) &&
			    s->spare != -1) {
				/* give up the spare fd to accept and close,
				 * or the loop would spin on the pending one */
				close(s->spare);
				fd = accept(s->fd, NULL, NULL);
				if (fd != -1)
					close(fd);
				s->spare = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
				if (fd == -1)
					return 0;
				refuse(s, "out of file descriptors");
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("%s: accept", s->spec);
			return 0;
		}
		if (s->nconns >= s->max_conns) {
			close(fd);
			refuse(s, "max_conns reached");
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		addr_text(&ss, c->peer, sizeof(c->peer));
		c->cap = min_sz(CONN_BUF0, s->max_msg + CONN_SLACK);
		c->buf = xmalloc(c->cap);
		c->last = now;
		frame_reset(c);
		s->conns[s->nconns++] = c;
		s->st.conns_total++;
		s->st.conns_open = s->nconns;
		if (s->fd_change != NULL)
			s->fd_change(s->fd_arg, fd, true);
	}
	return 1;
}

/* ---- opening ---- */

static void
set_rcvbuf(int fd)
{
	int v = RCVBUF, one = 1;

	/* as root past net.core.rmem_max, else up to it */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	(void)setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
}

static int
open_inet(struct in_syslog *s, const char *addr, const char *port,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	int type, fd = -1, v6only = 1, one = 1;
	socklen_t sl;
	const char *why;
	long long pn;

	if (str_tonum(port, 0, 65535, &pn, &why) == -1) {
		snprintf(err, errlen, "listen \"%s\": bad port", s->spec);
		return -1;
	}
	type = (s->proto == IN_SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC;
	memset(&ss, 0, sizeof(ss));
	if (*addr == '\0') {
		/* all addresses: dual-stack IPv6, or IPv4 without IPv6 */
		fd = socket(AF_INET6, type, 0);
		if (fd != -1) {
			s6->sin6_family = AF_INET6;
			s6->sin6_addr = in6addr_any;
			v6only = 0;
		} else if (errno == EAFNOSUPPORT) {
			fd = socket(AF_INET, type, 0);
			s4->sin_family = AF_INET;
			s4->sin_addr.s_addr = htonl(INADDR_ANY);
		}
	} else if (numeric(strchr(addr, ':') != NULL ? AF_INET6 : AF_INET,
	    addr, &ss) == 0)
		fd = socket(ss.ss_family, type, 0);
	else
		errno = EINVAL;
	if (fd == -1) {
		snprintf(err, errlen, "listen \"%s\": socket: %s", s->spec,
		    strerror(errno));
		return -1;
	}
	s->fd = fd;
	if (ss.ss_family == AF_INET6) {
		s6->sin6_port = htons((uint16_t)pn);
		sl = sizeof(*s6);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		    sizeof(v6only)) == -1 && v6only) {
			snprintf(err, errlen, "listen \"%s\": IPV6_V6ONLY: %s",
			    s->spec, strerror(errno));
			return -1;
		}
	} else {
		s4->sin_port = htons((uint16_t)pn);
		sl = sizeof(*s4);
	}
	if (s->proto == IN_SYSLOG_TCP)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
	else
		set_rcvbuf(fd);
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		snprintf(err, errlen, "listen \"%s\": bind: %s", s->spec,
		    strerror(errno));
		return -1;
	}
	if (s->proto == IN_SYSLOG_TCP && listen(fd, SOMAXCONN) == -1) {
		snprintf(err, errlen, "listen \"%s\": listen: %s", s->spec,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* true when a daemon receives on the socket file at path */
static bool
unix_alive(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd == -1)
		return false;
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return alive;
}

static int
open_unix(struct in_syslog *s, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	str_lcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "listen \"%s\": %s exists and is "
			    "not a socket; remove it or choose another path",
			    s->spec, path);
			return -1;
		}
		if (unix_alive(&sun)) {
			snprintf(err, errlen, "listen \"%s\": another daemon "
			    "receives on %s; stop it or choose another path",
			    s->spec, path);
			return -1;
		}
		if (unlink(path) == -1) {
			snprintf(err, errlen, "listen \"%s\": removing the "
			    "stale socket: %s", s->spec, strerror(errno));
			return -1;
		}
	}
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd == -1) {
		snprintf(err, errlen, "listen \"%s\": socket: %s", s->spec,
		    strerror(errno));
		return -1;
	}
	if (bind(s->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "listen \"%s\": bind: %s", s->spec,
		    strerror(errno));
		return -1;
	}
	s->path = xstrdup(path);
	if (chmod(path, 0666) == -1 || lstat(path, &st) == -1) {
		snprintf(err, errlen, "listen \"%s\": chmod: %s", s->spec,
		    strerror(errno));
		return -1;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	set_rcvbuf(s->fd);
	return 0;
}

static void
dgram_setup(struct in_syslog *s)
{
	unsigned i;

	s->vlen = (unsigned)min_sz(DGRAM_MEM / s->max_msg, DGRAM_VLEN);
	if (s->vlen == 0)
		s->vlen = 1;
	s->dbuf = xreallocarray(NULL, s->vlen, s->max_msg);
	s->mm = xcalloc(s->vlen, sizeof(*s->mm));
	s->iov = xcalloc(s->vlen, sizeof(*s->iov));
	s->from = xcalloc(s->vlen, sizeof(*s->from));
	s->ctl = xcalloc(s->vlen, CTLSIZE);
	for (i = 0; i < s->vlen; i++) {
		s->iov[i].iov_base = s->dbuf + (size_t)i * s->max_msg;
		s->iov[i].iov_len = s->max_msg;
		s->mm[i].msg_hdr.msg_iov = &s->iov[i];
		s->mm[i].msg_hdr.msg_iovlen = 1;
		s->mm[i].msg_hdr.msg_name = &s->from[i];
		s->mm[i].msg_hdr.msg_control = s->ctl + (size_t)i * CTLSIZE;
	}
}

struct in_syslog *
in_syslog_open(const char *spec, const struct in_syslog_opts *o, char *err,
    size_t errlen)
{
	static const struct in_syslog_opts def;
	char addr[INET6_ADDRSTRLEN], port[sizeof(((struct sockaddr_un *)0)->sun_path)];
	enum in_syslog_proto proto;
	struct in_syslog *s;
	char *dot;
	int rc;

	if (o == NULL)
		o = &def;
	if (in_syslog_parse_spec(spec, &proto, addr, sizeof(addr), port,
	    sizeof(port), err, errlen) == -1)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->spec = xstrdup(spec);
	s->proto = proto;
	s->fd = s->spare = -1;
	s->max_msg = o->max_msg > 0 ? min_sz(o->max_msg, IN_SYSLOG_OCTET_MAX) :
	    DEF_MAX_MSG;
	s->idle = o->idle_timeout > 0 ? o->idle_timeout : DEF_IDLE;
	s->max_conns = o->max_conns > 0 ? o->max_conns : DEF_CONNS;
	s->fd_change = o->fd_change;
	s->fd_arg = o->fd_arg;
	if (o->localhost != NULL)
		str_lcpy(s->localhost, o->localhost, sizeof(s->localhost));
	else if (gethostname(s->localhost, sizeof(s->localhost)) == -1)
		str_lcpy(s->localhost, "localhost", sizeof(s->localhost));
	else {
		s->localhost[sizeof(s->localhost) - 1] = '\0';
		if ((dot = strchr(s->localhost, '.')) != NULL)
			*dot = '\0';
	}
	s->out = xmalloc(s->max_msg + IN_SYSLOG_EXTRA);
	s->st.spec = s->spec;
	s->st.proto = proto;

	rc = proto == IN_SYSLOG_UNIX ? open_unix(s, port, err, errlen) :
	    open_inet(s, addr, port, err, errlen);
	if (rc == -1) {
		in_syslog_free(s);
		return NULL;
	}
	if (proto == IN_SYSLOG_TCP) {
		s->conns = xcalloc(s->max_conns, sizeof(*s->conns));
		/* a spare fd (a dup of the listener: no path needed) */
		s->spare = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
	} else
		dgram_setup(s);
	return s;
}

void
in_syslog_free(struct in_syslog *s)
{
	struct stat st;

	if (s == NULL)
		return;
	while (s->nconns > 0)
		conn_close(s, s->nconns - 1);
	if (s->spare != -1)
		close(s->spare);	/* first: it shares the listener's file */
	if (s->fd != -1)
		close(s->fd);
	if (s->path != NULL && lstat(s->path, &st) == 0 &&
	    st.st_dev == s->dev && st.st_ino == s->ino)
		(void)unlink(s->path);
	free(s->path);
	free(s->conns);
	free(s->dbuf);
	free(s->mm);
	free(s->iov);
	free(s->from);
	free(s->ctl);
	free(s->out);
	free(s->spec);
	free(s);
}

/* ---- the loop's side ---- */

int
in_syslog_fd(const struct in_syslog *s)
{
	return s->fd;
}

size_t
in_syslog_fds(const struct in_syslog *s, int *fds, size_t max)
{
	size_t i;

	if (max > 0)
		fds[0] = s->fd;
	for (i = 0; i < s->nconns; i++) {
		if (i + 1 < max)
			fds[i + 1] = s->conns[i]->fd;
	}
	return s->nconns + 1;
}

int
in_syslog_ready(struct in_syslog *s, int fd, time_t now,
    in_syslog_msg_fn *fn, void *arg)
{
	size_t i;

	if (fd == s->fd)
		return s->proto == IN_SYSLOG_TCP ? accept_some(s, now) :
		    dgram_read(s, now, fn, arg);
	for (i = 0; i < s->nconns; i++) {
		if (s->conns[i]->fd == fd)
			return conn_read(s, i, now, fn, arg);
	}
	return 0;
}

void
in_syslog_tick(struct in_syslog *s, time_t now, in_syslog_msg_fn *fn,
    void *arg)
{
	struct conn *c;
	size_t i = s->nconns;

	while (i-- > 0) {
		c = s->conns[i];
		if (now - c->last < (time_t)s->idle)
			continue;
		log_debug("%s: closing idle connection from %s", s->spec,
		    c->peer);
		conn_flush(s, c, now, fn, arg);
		conn_close(s, i);
		s->st.conns_closed_idle++;
	}
}

int
in_syslog_port(const struct in_syslog *s)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (s->proto == IN_SYSLOG_UNIX ||
	    getsockname(s->fd, (struct sockaddr *)&ss, &sl) == -1)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

void
in_syslog_stats(const struct in_syslog *s, struct in_syslog_stats *st)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t sl = sizeof(mem);

	*st = s->st;
	st->conns_open = s->nconns;
	/* the socket's drop counter now (SO_RXQ_OVFL only tells it with
	 * the next datagram received) */
	if (s->proto != IN_SYSLOG_TCP &&
	    getsockopt(s->fd, SOL_SOCKET, SO_MEMINFO, mem, &sl) == 0 &&
	    sl >= (SK_MEMINFO_DROPS + 1) * sizeof(mem[0]) &&
	    mem[SK_MEMINFO_DROPS] > st->kernel_drops)
		st->kernel_drops = mem[SK_MEMINFO_DROPS];
}
