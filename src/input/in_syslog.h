/*
 * in_syslog — a syslog network receiver: RFC 5426 UDP, RFC 6587 TCP
 * (octet counting and newline framing, chosen per message) and a unix
 * datagram socket such as /dev/log.  No threads: the daemon's epoll loop
 * watches the fds and calls in_syslog_ready for each readable one.
 *
 * Each received message is handed on as ONE line (bytes, no trailing
 * newline) that record_parse understands, so the rest of the pipeline is
 * unchanged.  See in_syslog_msg_normalize (in_syslog_msg.h) for the
 * rules.  NUL and other bytes are data.  A message longer than max_msg is
 * cut (never dropped) and marked through cut_from.  No allocation per
 * message: buffers are made at open and per TCP connection (grown up to
 * max_msg while it lives).  The listen specs are parsed by
 * in_syslog_spec_parse (in_syslog_spec.h).
 */
#ifndef LOGWARD_IN_SYSLOG_H
#define LOGWARD_IN_SYSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define IN_SYSLOG_HOSTMAX	255	/* longest HOST inserted (bytes) */
/* Room in_syslog_msg_normalize may add to a message: "<191>", a stamp,
 * a host and blanks. */
#define IN_SYSLOG_EXTRA		(5 + 16 + IN_SYSLOG_HOSTMAX + 2)
#define IN_SYSLOG_OCTET_MAX	(16 * 1024 * 1024) /* largest sane RFC 6587 MSG-LEN */

enum in_syslog_proto {
	IN_SYSLOG_UDP,
	IN_SYSLOG_TCP,
	IN_SYSLOG_UNIX,			/* datagram socket at a path */
};

/* Called with a connection fd right after accept (added = true) and just
 * before it is closed (added = false), also from in_syslog_free, so the
 * loop keeps its epoll set in sync.  Never called for the listening fd
 * (see in_syslog_fd). */
typedef void in_syslog_fd_fn(void *arg, int fd, bool added);

struct in_syslog_opts {
	size_t		 max_msg;	/* bytes per message kept; 0 = 64 KiB, at most IN_SYSLOG_OCTET_MAX */
	unsigned	 idle_timeout;	/* s before an idle TCP connection is closed; 0 = 3600 */
	unsigned	 max_conns;	/* open connections per TCP listener; 0 = 256 */
	const char	*localhost;	/* HOST for unix-socket messages; NULL = gethostname() up to the first '.' */
	in_syslog_fd_fn	*fd_change;	/* may be NULL (then poll in_syslog_fds) */
	void		*fd_arg;	/* its argument */
};

/* Receives one normalized line, borrowed until fn returns.  cut_from is
 * 0, or the length the line would have had (normalized) when the message
 * was cut to max_msg bytes; the line then holds max_msg bytes of the
 * message.  fn must not call in_syslog_free. */
typedef void in_syslog_msg_fn(void *arg, const char *line, size_t len,
    size_t cut_from);

struct in_syslog_stats {
	const char	*spec;		/* as given to in_syslog_open, borrowed */
	enum in_syslog_proto proto;
	uint64_t	 received;	/* messages delivered */
	uint64_t	 bytes;		/* bytes received (TCP: with framing) */
	uint64_t	 cut;		/* messages cut at max_msg */
	uint64_t	 bad_frames;	/* TCP: bad octet count (taken as a line), frame cut by EOF */
	uint64_t	 dropped;	/* receive errors (datagrams or connections lost) */
	uint64_t	 kernel_drops;	/* datagrams the kernel dropped (SO_RXQ_OVFL), as last reported */
	uint64_t	 conns_total;	/* TCP connections accepted and kept */
	uint64_t	 conns_open;	/* TCP connections open now */
	uint64_t	 conns_refused;	/* closed at once: max_conns reached or out of fds */
	uint64_t	 conns_closed_idle; /* closed by in_syslog_tick */
};

struct in_syslog;

/* Opens and binds a listener for spec (copied) — as root, before
 * privileges are dropped.  "All addresses" is one IPv6 socket that also
 * takes IPv4 (v4-mapped senders are shown dotted), or IPv4 only when the
 * host has no IPv6; a given IPv6 address gets IPV6_V6ONLY.  UDP and unix
 * sockets ask for a 4 MiB receive buffer.  A unix socket gets mode 0666;
 * an existing socket file at the path is replaced (any other file is an
 * error).  Returns an owned listener, or NULL with a message in err. */
struct in_syslog *in_syslog_open(const char *spec,
	    const struct in_syslog_opts *o, char *err, size_t errlen);

/* Closes every connection (fd_change is told), the listener, and removes
 * the unix socket file if it is still the one bound (errors ignored). */
void	in_syslog_free(struct in_syslog *s);

/* The listening (or datagram) socket. */
int	in_syslog_fd(const struct in_syslog *s);

/* Writes up to max fds to watch for EPOLLIN now: the listener first
 * (unless in_syslog_quiesce closed it), then one per TCP connection.  Returns how many there are (may exceed max). */
size_t	in_syslog_fds(const struct in_syslog *s, int *fds, size_t max);

/* Handles readiness of fd (the listener or one of its connections;
 * other fds are ignored): accepts connections, reads what is there and
 * calls fn for each complete message.  Work per call is bounded; returns
 * 1 when it stopped at that bound (the fd is still readable), else 0.
 * now is the current time (idle timeout, stamps for messages without
 * one).  A connection closed by its peer is flushed (a partial last
 * message is delivered) and closed here. */
int	in_syslog_ready(struct in_syslog *s, int fd, time_t now,
	    in_syslog_msg_fn *fn, void *arg);

/* Closes TCP connections idle for idle_timeout seconds, delivering a
 * partial last message first. */
void	in_syslog_tick(struct in_syslog *s, time_t now, in_syslog_msg_fn *fn,
	    void *arg);

/*
 * The first step of a graceful stop: closes a TCP listener (no new
 * connections) and half-closes each connection (shutdown SHUT_WR).  A
 * sender that checks its connection before it writes, as rsyslog's omfwd
 * does, then sees the end of the stream and keeps its next message in its
 * own queue, instead of writing it into a socket that is about to be
 * closed (unread data makes the kernel answer with a reset and the
 * message is gone).  The connections stay readable: in_syslog_ready goes
 * on delivering what is already on its way until each sender closes.
 * Datagram listeners are left as they are.  Returns the TCP connections
 * still open.
 */
size_t	in_syslog_quiesce(struct in_syslog *s);

/* TCP connections open now. */
size_t	in_syslog_conns(const struct in_syslog *s);

/* The bound port (UDP/TCP), or -1 for a unix socket. */
int	in_syslog_port(const struct in_syslog *s);

/* Fills st for `logward status` (spec borrowed from s), with the
 * kernel's drop counter read now. */
void	in_syslog_stats(const struct in_syslog *s, struct in_syslog_stats *st);

/*
 * The TCP framing without sockets, for tests and fuzzing: frames the
 * byte stream data[0..len) of one connection from peer, read in pieces
 * of reads[0..nreads) bytes (a piece larger than the connection buffer's
 * free room is split as read(2) would split it; after the last piece the
 * rest is read in as large pieces as fit), then the peer closes.  Calls
 * fn for each message exactly as in_syslog_ready and the close would.
 * max_msg as in in_syslog_opts.  When st is not NULL it receives the
 * counters (received, bytes, cut, bad_frames).  Borrows everything.
 */
void	in_syslog_tcp_replay(const char *data, size_t len, const size_t *reads,
	    size_t nreads, size_t max_msg, const char *peer, time_t now,
	    in_syslog_msg_fn *fn, void *arg, struct in_syslog_stats *st);

#endif
