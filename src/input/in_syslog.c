/*
 * in_syslog — the syslog receiver (see in_syslog.h).
 *
 * Datagram sockets (UDP, unix) are read with recvmmsg into buffers made
 * at open, MSG_TRUNC telling the real size of a datagram longer than
 * max_msg; SO_RXQ_OVFL reports the kernel's drop counter.
 *
 * TCP connections are accepted and read here; in_syslog_frame.c frames
 * their bytes into messages, in_syslog_msg.c normalizes each message and
 * in_syslog_spec.c parses the listen specs.
 */
#include "input/in_syslog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "input/in_syslog_frame.h"
#include "input/in_syslog_int.h"
#include "input/in_syslog_spec.h"
#include "lib/log.h"
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

#define CTLSIZE		CMSG_SPACE(sizeof(uint32_t))

/* ---- sender addresses ---- */

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
			in_syslog_deliver(s, s->dbuf + (size_t)i * s->max_msg,
			    in_syslog_min_sz(len, s->max_msg), len, hn, now, fn,
			    arg);
		}
		total += (unsigned)n;
		if ((unsigned)n < s->vlen)
			return 0;
	}
	return 1;
}

/* ---- TCP connections ---- */

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
			in_syslog_frame_parse(s, c, false, now, fn, arg);
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
		in_syslog_frame_flush(s, c, now, fn, arg);
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
	s.max_msg = max_msg > 0 ?
	    in_syslog_min_sz(max_msg, IN_SYSLOG_OCTET_MAX) : DEF_MAX_MSG;
	s.out = xmalloc(s.max_msg + IN_SYSLOG_EXTRA);
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	str_lcpy(c.peer, peer != NULL ? peer : "", sizeof(c.peer));
	c.cap = in_syslog_min_sz(CONN_BUF0, s.max_msg + CONN_SLACK);
	c.buf = xmalloc(c.cap);
	in_syslog_frame_reset(&c);
	piece = k < nreads ? reads[k] : len;
	while (off < len) {
		if (piece == 0) {
			k++;
			piece = k < nreads ? reads[k] : len - off;
			continue;
		}
		conn_room(&s, &c);
		n = in_syslog_min_sz(in_syslog_min_sz(piece, len - off),
		    c.cap - c.end);
		if (n == 0)
			break;		/* read(fd, buf, 0) would be taken as EOF */
		memcpy(c.buf + c.end, data + off, n);
		c.end += n;
		off += n;
		piece -= n;
		s.st.bytes += n;
		in_syslog_frame_parse(&s, &c, false, now, fn, arg);
	}
	in_syslog_frame_flush(&s, &c, now, fn, arg);
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
		c->cap = in_syslog_min_sz(CONN_BUF0, s->max_msg + CONN_SLACK);
		c->buf = xmalloc(c->cap);
		c->last = now;
		in_syslog_frame_reset(c);
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
	} else if (in_syslog_spec_numeric(strchr(addr, ':') != NULL ?
	    AF_INET6 : AF_INET, addr, &ss) == 0)
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

	s->vlen = (unsigned)in_syslog_min_sz(DGRAM_MEM / s->max_msg,
	    DGRAM_VLEN);
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
	if (in_syslog_spec_parse(spec, &proto, addr, sizeof(addr), port,
	    sizeof(port), err, errlen) == -1)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->spec = xstrdup(spec);
	s->proto = proto;
	s->fd = s->spare = -1;
	s->max_msg = o->max_msg > 0 ?
	    in_syslog_min_sz(o->max_msg, IN_SYSLOG_OCTET_MAX) : DEF_MAX_MSG;
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

size_t
in_syslog_quiesce(struct in_syslog *s)
{
	size_t i;

	if (s->proto != IN_SYSLOG_TCP)
		return 0;
	if (s->spare != -1) {
		close(s->spare);	/* first: it shares the listener's file */
		s->spare = -1;
	}
	if (s->fd != -1) {
		close(s->fd);		/* also leaves the loop's epoll set */
		s->fd = -1;
	}
	for (i = 0; i < s->nconns; i++)
		(void)shutdown(s->conns[i]->fd, SHUT_WR);
	return s->nconns;
}

size_t
in_syslog_conns(const struct in_syslog *s)
{
	return s->nconns;
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
	size_t i, n = 0;

	if (s->fd != -1) {
		if (max > 0)
			fds[0] = s->fd;
		n = 1;
	}
	for (i = 0; i < s->nconns; i++, n++) {
		if (n < max)
			fds[n] = s->conns[i]->fd;
	}
	return n;
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
		in_syslog_frame_flush(s, c, now, fn, arg);
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
