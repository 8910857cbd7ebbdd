/*
 * in_syslog_int.h — what the files of the syslog receiver share: the
 * listener (struct in_syslog), a TCP connection (struct conn) and the
 * per-message helpers.  Only in_syslog.c, in_syslog_frame.c and
 * in_syslog_msg.c include it.
 */
#ifndef LOGWARD_IN_SYSLOG_INT_H
#define LOGWARD_IN_SYSLOG_INT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include "input/in_syslog.h"
#include "input/in_syslog_msg.h"

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

static inline bool
in_syslog_isdig(int c)
{
	return c >= '0' && c <= '9';
}

static inline size_t
in_syslog_min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Hands on msg[0..n); total is the message's full length (> n: cut). */
static inline void
in_syslog_deliver(struct in_syslog *s, const char *msg, size_t n, size_t total,
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
	len = in_syslog_msg_normalize(s->out, msg, n, false, host, now);
	s->st.received++;
	if (cut)
		s->st.cut++;
	fn(arg, s->out, len, cut ? len + (total - n) : 0);
}

#endif
