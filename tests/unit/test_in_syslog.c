/*
 * Unit tests for in_syslog, the syslog receiver, on real sockets
 * (127.0.0.1, ::1 and a unix socket in a temp directory, ports picked by
 * the kernel) with the test driving the listener itself through poll:
 * listen spec parsing (good and bad forms); the normalization rules
 * (PRI kept, missing or invalid; RFC 5424 kept, its nil host filled;
 * BSD and RFC 3339 stamps with and without a host word; receive stamp and
 * sender inserted; trimming; NUL bytes); UDP datagrams of each kind,
 * an over-long one cut; TCP octet counting and newline framing mixed on
 * one connection, many clients at once, frames split across one-byte
 * writes, over-long messages cut in both framings, a partial last
 * message at EOF, bad octet counts, the idle timeout and the connection
 * limit; the unix datagram socket (mode, stale socket replaced, live one
 * and regular files refused, removed at free); IPv6 and dual stack; and
 * util-linux logger(1) sending over UDP (RFC 3164), TCP octet counting
 * (RFC 5424), TCP newline framing and the unix socket, the resulting
 * lines checked through record_parse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "input/in_syslog.h"
#include "input/in_syslog_msg.h"
#include "input/in_syslog_spec.h"
#include "input/record.h"

#define LOGGER		"/usr/bin/logger"
#define NOW		((time_t)1700000000)	/* Nov 14 22:13:20 UTC */
#define NOWSTAMP	"Nov 14 22:13:20"

static char	 tmpdir[64];
static char	 shorthost[256];

static int
setup_all(void **state)
{
	char *dot;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	signal(SIGPIPE, SIG_IGN);
	if (gethostname(shorthost, sizeof(shorthost)) == -1)
		return -1;
	if ((dot = strchr(shorthost, '.')) != NULL)
		*dot = '\0';
	return tu_mkdtemp(tmpdir, sizeof(tmpdir), "in_syslog");
}

static int
teardown_all(void **state)
{
	(void)state;
	return tu_rmtree(tmpdir);
}

/* ---- collected messages ---- */

/* fd_change bookkeeping */
struct fds {
	int	 fd[1024];
	size_t	 n;
	unsigned added, removed;
};

static void
fds_fn(void *arg, int fd, bool added)
{
	struct fds *f = arg;
	size_t i;

	if (added) {
		assert_true(f->n < 1024);
		f->fd[f->n++] = fd;
		f->added++;
		return;
	}
	for (i = 0; i < f->n; i++) {
		if (f->fd[i] == fd) {
			f->fd[i] = f->fd[--f->n];
			f->removed++;
			return;
		}
	}
	fail_msg("fd %d removed but never added", fd);
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * Polls the listener's fds and hands ready ones to in_syslog_ready until
 * g holds want messages or ms milliseconds pass (want 0: run for ms).
 * now 0 = the real clock.
 */
static void
drive(struct in_syslog *s, struct got *g, size_t want, int ms, time_t now)
{
	struct pollfd pf[1024];
	int fds[1024];
	struct timespec t0;
	size_t n, i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((want == 0 || g->n < want) && ms_since(&t0) < ms) {
		n = in_syslog_fds(s, fds, 1024);
		assert_true(n <= 1024);
		for (i = 0; i < n; i++) {
			pf[i].fd = fds[i];
			pf[i].events = POLLIN;
			pf[i].revents = 0;
		}
		if (poll(pf, n, 10) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (pf[i].revents != 0)
				in_syslog_ready(s, pf[i].fd, now ? now : time(NULL),
				    got_fn, g);
		}
	}
}

/* Drives s until nothing arrived for 300 ms. */
static void
drive_quiet(struct in_syslog *s, struct got *g)
{
	size_t before;

	do {
		before = g->n;
		drive(s, g, 0, 300, 0);
	} while (g->n != before);
}

/* Parses line and checks its fields (prog NULL: no tag; msg compared
 * over its length, which may contain NUL). */
static void
check_rec(const char *line, size_t len, const char *host, const char *prog,
    int fac, int sev, const char *msg, size_t msglen)
{
	struct record r;

	assert_int_not_equal(record_parse(&r, line, len), REC_NONE);
	assert_non_null(r.host);
	if (r.hostlen != strlen(host) || memcmp(r.host, host, r.hostlen) != 0)
		fail_msg("host \"%.*s\", want \"%s\" in \"%s\"", (int)r.hostlen,
		    r.host, host, line);
	if (prog == NULL)
		assert_null(r.prog);
	else {
		assert_non_null(r.prog);
		assert_int_equal(r.proglen, strlen(prog));
		assert_memory_equal(r.prog, prog, r.proglen);
	}
	assert_int_equal(r.facility, fac);
	assert_int_equal(r.severity, sev);
	if (r.msglen != msglen || memcmp(r.msg, msg, msglen) != 0)
		fail_msg("msg \"%.*s\", want \"%.*s\"", (int)r.msglen, r.msg,
		    (int)msglen, msg);
}

#define CHECK(g, i, host, prog, fac, sev, msg) \
	check_rec((g)->line[i], (g)->len[i], host, prog, fac, sev, msg, \
	    sizeof(msg) - 1)

static struct in_syslog *
open_ok(const char *spec, const struct in_syslog_opts *o)
{
	char err[512];
	struct in_syslog *s = in_syslog_open(spec, o, err, sizeof(err));

	if (s == NULL)
		fail_msg("open %s: %s", spec, err);
	return s;
}

/* ---- sockets on the sending side ---- */

static void
sa_make(struct sockaddr_storage *ss, socklen_t *sl, int family, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons((uint16_t)port);
		*sl = sizeof(*s4);
	}
}

static void
udp_send(int family, int port, const void *p, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = socket(family, SOCK_DGRAM, 0);

	assert_true(fd != -1);
	sa_make(&ss, &sl, family, port);
	assert_int_equal(sendto(fd, p, n, 0, (struct sockaddr *)&ss, sl),
	    (ssize_t)n);
	close(fd);
}

static int
tcp_connect(int family, int port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = socket(family, SOCK_STREAM, 0);

	assert_true(fd != -1);
	sa_make(&ss, &sl, family, port);
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, sl), 0);
	return fd;
}

static void
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t k = write(fd, c, n);

		assert_true(k > 0);
		c += k;
		n -= (size_t)k;
	}
}

static void
write_str(int fd, const char *s)
{
	write_all(fd, s, strlen(s));
}

/* "LEN SP MSG" */
static void
write_octet(int fd, const char *msg)
{
	char hdr[32];

	snprintf(hdr, sizeof(hdr), "%zu ", strlen(msg));
	write_str(fd, hdr);
	write_str(fd, msg);
}

/* Waits until the peer closed fd (read returns 0 or an error). */
static bool
peer_closed(int fd, int ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&pf, 1, ms) <= 0)
		return false;
	return read(fd, &c, 1) <= 0;
}

/* ---- spec parsing ---- */

static void
test_parse_spec_good(void **state)
{
	static const struct {
		const char *spec;
		enum in_syslog_proto proto;
		const char *addr, *port;
	} t[] = {
		{ "udp:127.0.0.1:514", IN_SYSLOG_UDP, "127.0.0.1", "514" },
		{ "tcp:127.0.0.1:601", IN_SYSLOG_TCP, "127.0.0.1", "601" },
		{ "tcp:[::1]:601", IN_SYSLOG_TCP, "::1", "601" },
		{ "udp:[::]:0", IN_SYSLOG_UDP, "::", "0" },
		{ "udp:[fe80::1%1]:514", IN_SYSLOG_UDP, "fe80::1%1", "514" },
		{ "tcp:*:514", IN_SYSLOG_TCP, "", "514" },
		{ "udp::514", IN_SYSLOG_UDP, "", "514" },
		{ "udp:514", IN_SYSLOG_UDP, "", "514" },
		{ "tcp:65535", IN_SYSLOG_TCP, "", "65535" },
		{ "unix:/dev/log", IN_SYSLOG_UNIX, "", "/dev/log" },
		{ "[::1]:514", IN_SYSLOG_UDP, "::1", "514" },
		{ "10.1.2.3:514", IN_SYSLOG_UDP, "10.1.2.3", "514" },
		{ "*:514", IN_SYSLOG_UDP, "", "514" },
		{ ":514", IN_SYSLOG_UDP, "", "514" },
	};
	char addr[64], port[128], err[256];
	enum in_syslog_proto proto;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (in_syslog_spec_parse(t[i].spec, &proto, addr, sizeof(addr),
		    port, sizeof(port), err, sizeof(err)) != 0)
			fail_msg("%s: %s", t[i].spec, err);
		assert_int_equal(proto, t[i].proto);
		assert_string_equal(addr, t[i].addr);
		assert_string_equal(port, t[i].port);
	}
}

static void
test_parse_spec_bad(void **state)
{
	static const char *const t[] = {
		"", "sctp:1.2.3.4:5", "udp:1.2.3.4", "udp:1.2.3.4:",
		"udp:1.2.3.4:99999", "udp:1.2.3.4:-1", "udp:1.2.3.4:5x",
		"udp:host.example:514", "udp:::1:514", "[::1:514",
		"[::g]:514", "tcp:[::1]514", "1.2.3.4", "1.2.3.4.5:514",
		"unix:relative/log", "unix:", "tcp:", "udp:*:", "UDP:1.2.3.4:5",
		"unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	char addr[64], port[128], err[256];
	enum in_syslog_proto proto;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		if (in_syslog_spec_parse(t[i], &proto, addr, sizeof(addr),
		    port, sizeof(port), err, sizeof(err)) != -1)
			fail_msg("\"%s\" accepted", t[i]);
		assert_true(err[0] != '\0');
	}
	/* in_syslog_open reports the same */
	assert_null(in_syslog_open("udp:1.2.3.4", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "udp:1.2.3.4"));
}

/* ---- normalization ---- */

static void
norm_case(const char *in, size_t inlen, bool trim, const char *host,
    time_t now, const char *want, size_t wantlen)
{
	char out[1024];
	struct record r;
	size_t n;

	assert_true(inlen + IN_SYSLOG_EXTRA <= sizeof(out));
	n = in_syslog_msg_normalize(out, in, inlen, trim, host, now);
	if (n != wantlen || memcmp(out, want, n) != 0)
		fail_msg("\"%.*s\" -> \"%.*s\", want \"%.*s\"", (int)inlen, in,
		    (int)n, out, (int)wantlen, want);
	assert_int_not_equal(record_parse(&r, out, n), REC_NONE);
	assert_true(r.pri >= 0);
	assert_non_null(r.host);
}

#define NORM(in, want) \
	norm_case(in, sizeof(in) - 1, true, "H", NOW, want, sizeof(want) - 1)

static void
test_normalize(void **state)
{
	(void)state;
	/* complete: as they are */
	NORM("<13>Nov  1 10:00:00 myhost su: hi", "<13>Nov  1 10:00:00 myhost su: hi");
	NORM("<13>Nov 1 10:00:00 myhost m", "<13>Nov 1 10:00:00 myhost m");
	NORM("<13>Nov 01 10:00:00 myhost m", "<13>Nov 01 10:00:00 myhost m");
	NORM("<13>Nov  1 10:00:00 fe80::1 m", "<13>Nov  1 10:00:00 fe80::1 m");
	NORM("<13>Nov  1 10:00:00 10.0.0.1 m", "<13>Nov  1 10:00:00 10.0.0.1 m");
	NORM("<13>Nov  1 10:00:00 h-1.example_x m", "<13>Nov  1 10:00:00 h-1.example_x m");
	NORM("<13>2024-01-02T03:04:05+01:00 host prog: m",
	    "<13>2024-01-02T03:04:05+01:00 host prog: m");
	NORM("<13>2024-01-02T03:04:05.123456Z host m",
	    "<13>2024-01-02T03:04:05.123456Z host m");
	NORM("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - "
	    "ID47 [exampleSDID@32473 iut=\"3\"] msg",
	    "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - "
	    "ID47 [exampleSDID@32473 iut=\"3\"] msg");
	NORM("<0>Nov  1 10:00:00 h m", "<0>Nov  1 10:00:00 h m");
	NORM("<191>Nov  1 10:00:00 h m", "<191>Nov  1 10:00:00 h m");
	/* no host: a tag follows the stamp */
	NORM("<13>Nov  1 10:00:00 su: hi", "<13>Nov  1 10:00:00 H su: hi");
	NORM("<13>Nov  1 10:00:00 sshd[42]: hi", "<13>Nov  1 10:00:00 H sshd[42]: hi");
	NORM("<13>Nov  1 10:00:00 postfix/smtpd[1]: x",
	    "<13>Nov  1 10:00:00 H postfix/smtpd[1]: x");
	NORM("<13>Nov  1 10:00:00 kernel: x", "<13>Nov  1 10:00:00 H kernel: x");
	NORM("<13>Nov  1 10:00:00 (root) CMD", "<13>Nov  1 10:00:00 H (root) CMD");
	NORM("<13>Nov  1 10:00:00 reboot", "<13>Nov  1 10:00:00 H reboot");
	NORM("<13>Nov  1 10:00:00", "<13>Nov  1 10:00:00 H ");
	NORM("<13>Nov  1 10:00:00  two blanks", "<13>Nov  1 10:00:00 H  two blanks");
	NORM("<13>2024-01-02T03:04:05Z prog: m", "<13>2024-01-02T03:04:05Z H prog: m");
	/* no stamp */
	NORM("<13>hello world", "<13>" NOWSTAMP " H hello world");
	NORM("<13>", "<13>" NOWSTAMP " H ");
	NORM("<13>Foo  1 10:00:00 h m", "<13>" NOWSTAMP " H Foo  1 10:00:00 h m");
	NORM("<13>Nov 32 10:00:00 h m", "<13>" NOWSTAMP " H Nov 32 10:00:00 h m");
	NORM("<13>Nov  1 24:00:00 h m", "<13>" NOWSTAMP " H Nov  1 24:00:00 h m");
	NORM("<13>Nov  1 10:00:00.123 h m", "<13>" NOWSTAMP " H Nov  1 10:00:00.123 h m");
	NORM("<13>2024-13-02T03:04:05Z host m",
	    "<13>" NOWSTAMP " H 2024-13-02T03:04:05Z host m");
	NORM("<13>1 garbage", "<13>" NOWSTAMP " H 1 garbage");
	/* no PRI: user.notice */
	NORM("hello", "<13>" NOWSTAMP " H hello");
	NORM("Nov  1 10:00:00 myhost x", "<13>Nov  1 10:00:00 myhost x");
	NORM("Nov  1 10:00:00 cron[1]: x", "<13>Nov  1 10:00:00 H cron[1]: x");
	NORM("2024-01-02T03:04:05Z myhost x", "<13>2024-01-02T03:04:05Z myhost x");
	NORM("1 2003-10-11T22:14:15.003Z h a - - - m",
	    "<13>" NOWSTAMP " H 1 2003-10-11T22:14:15.003Z h a - - - m");
	/* invalid PRI: text, with <13> */
	NORM("<192>x", "<13>" NOWSTAMP " H <192>x");
	NORM("<abc>x", "<13>" NOWSTAMP " H <abc>x");
	NORM("<1234>x", "<13>" NOWSTAMP " H <1234>x");
	NORM("<>x", "<13>" NOWSTAMP " H <>x");
	NORM("<13", "<13>" NOWSTAMP " H <13");
	NORM("<-1>x", "<13>" NOWSTAMP " H <-1>x");
	/* leading zeros are rewritten */
	NORM("<013>x", "<13>" NOWSTAMP " H x");
	NORM("<000>Nov  1 10:00:00 h m", "<0>Nov  1 10:00:00 h m");
	/* RFC 5424 nil host filled in */
	NORM("<13>1 - - - - - -", "<13>1 - H - - - -");
	NORM("<13>1 2024-01-02T03:04:05Z - app 12 - - m",
	    "<13>1 2024-01-02T03:04:05Z H app 12 - - m");
	/* trimming */
	NORM("<13>x\r\n", "<13>" NOWSTAMP " H x");
	NORM("<13>x\n\0\0", "<13>" NOWSTAMP " H x");
	/* NUL is data */
	NORM("<13>a\0b", "<13>" NOWSTAMP " H a\0b");
	NORM("\0<13>x", "<13>" NOWSTAMP " H \0<13>x");
	/* without trim */
	norm_case("<13>x\r\n", 7, false, "H", NOW,
	    "<13>" NOWSTAMP " H x\r\n", sizeof("<13>" NOWSTAMP " H x\r\n") - 1);
	/* host argument: up to a blank, "-" when empty */
	norm_case("<13>x", 5, true, "my host", NOW,
	    "<13>" NOWSTAMP " my x", sizeof("<13>" NOWSTAMP " my x") - 1);
	norm_case("<13>x", 5, true, "", NOW,
	    "<13>" NOWSTAMP " - x", sizeof("<13>" NOWSTAMP " - x") - 1);
	norm_case("<13>x", 5, true, NULL, NOW,
	    "<13>" NOWSTAMP " - x", sizeof("<13>" NOWSTAMP " - x") - 1);
	/* the day is space-padded: Jan  5 2024 00:00:09 UTC */
	norm_case("x", 1, true, "h", 1704412809, "<13>Jan  5 00:00:09 h x",
	    sizeof("<13>Jan  5 00:00:09 h x") - 1);
}

/* ---- UDP ---- */

static void
test_udp(void **state)
{
	struct in_syslog_opts o = { .max_msg = 100 };
	struct in_syslog_stats st;
	struct in_syslog *s;
	struct got g = { 0 };
	char big[300];
	int port;

	(void)state;
	s = open_ok("udp:127.0.0.1:0", &o);
	port = in_syslog_port(s);
	assert_true(port > 0);
#define SEND(str) udp_send(AF_INET, port, str, sizeof(str) - 1)
	SEND("<30>Nov  1 10:00:00 web1 nginx[12]: with host");
	SEND("<30>Nov  1 10:00:00 nginx[12]: no host");
	SEND("<11>no header");
	SEND("no pri\n");
	SEND("<165>1 2003-10-11T22:14:15.003Z mymachine evntslog - ID47 - rfc 5424");
	SEND("<13>a\0b\n");
	SEND("\n");		/* empty: skipped */
	memset(big, 'x', sizeof(big));
	memcpy(big, "<13>", 4);
	udp_send(AF_INET, port, big, sizeof(big));
	SEND("<13>after big");
#undef SEND
	drive(s, &g, 8, 5000, 0);
	assert_int_equal(g.n, 8);
	CHECK(&g, 0, "web1", "nginx", 3, 6, "nginx[12]: with host");
	CHECK(&g, 1, "127.0.0.1", "nginx", 3, 6, "nginx[12]: no host");
	CHECK(&g, 2, "127.0.0.1", NULL, 1, 3, "no header");
	CHECK(&g, 3, "127.0.0.1", NULL, 1, 5, "no pri");
	CHECK(&g, 4, "mymachine", "evntslog", 20, 5, "rfc 5424");
	CHECK(&g, 5, "127.0.0.1", NULL, 1, 5, "a\0b");
	/* cut: 100 bytes kept, normalized; cut_from the full length */
	assert_int_equal(g.cut[6], g.len[6] + 200);
	assert_int_equal(g.len[6], 100 + strlen(" Nov 14 22:13:20 127.0.0.1"));
	assert_int_equal(g.cut[7], 0);
	CHECK(&g, 7, "127.0.0.1", NULL, 1, 5, "after big");
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(g.cut[i], 0);
	in_syslog_stats(s, &st);
	assert_int_equal(st.received, 8);
	assert_int_equal(st.cut, 1);
	assert_int_equal(st.proto, IN_SYSLOG_UDP);
	assert_string_equal(st.spec, "udp:127.0.0.1:0");
	assert_int_equal(st.dropped, 0);
	assert_true(st.bytes >= 300);
	got_free(&g);
	in_syslog_free(s);
}

/* a burst past the receive buffer: what is lost is counted */
static void
test_udp_kernel_drops(void **state)
{
	enum { N = 40000 };
	struct sockaddr_storage ss;
	struct in_syslog_stats st;
	struct in_syslog *s;
	struct got g = { 0 };
	socklen_t sl;
	int fd, i;

	(void)state;
	s = open_ok("udp:127.0.0.1:0", NULL);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd != -1);
	sa_make(&ss, &sl, AF_INET, in_syslog_port(s));
	for (i = 0; i < N; i++)
		assert_int_equal(sendto(fd, "<13>burst", 9, 0,
		    (struct sockaddr *)&ss, sl), 9);
	drive_quiet(s, &g);
	in_syslog_stats(s, &st);
	if (st.kernel_drops == 0) {
		print_message("no drops after %d datagrams: skipped\n", N);
		skip();
	}
	assert_int_equal(g.n + st.kernel_drops, N);
	/* the next datagram carries the counter too (SO_RXQ_OVFL) */
	assert_int_equal(sendto(fd, "<13>after", 9, 0, (struct sockaddr *)&ss,
	    sl), 9);
	drive(s, &g, g.n + 1, 5000, 0);
	in_syslog_stats(s, &st);
	assert_int_equal(g.n + st.kernel_drops, N + 1);
	assert_int_equal(st.received, g.n);
	close(fd);
	got_free(&g);
	in_syslog_free(s);
}

/* ---- TCP ---- */

static void
test_tcp_mixed(void **state)
{
	struct fds f = { .n = 0 };
	struct in_syslog_opts o = { .fd_change = fds_fn, .fd_arg = &f };
	struct in_syslog_stats st;
	struct in_syslog *s;
	struct got g = { 0 };
	int fd, port;

	(void)state;
	s = open_ok("tcp:127.0.0.1:0", &o);
	port = in_syslog_port(s);
	fd = tcp_connect(AF_INET, port);
	write_str(fd, "<13>Nov  1 10:00:00 h1 a: line one\n");
	write_octet(fd, "<14>Nov  1 10:00:00 h2 b: octet two");
	write_str(fd, "<13>Nov  1 10:00:00 h3 c: crlf three\r\n");
	write_str(fd, "\n\r\n");		/* empty lines: skipped */
	write_octet(fd, "<15>Nov  1 10:00:00 h4 d: multi\nline four");
	write_octet(fd, "<13>Nov  1 10:00:00 h5 e: trailing lf\n");
	write_str(fd, "\n");			/* LF after an octet frame */
	write_str(fd, "2024-01-02T03:04:05Z h6 f: digit first\n");
	write_str(fd, "0 zero length is no octet count\n");
	write_str(fd, "123456789 nine digits neither\n");
	write_all(fd, "<13>nul\0inside\n", 15);
	drive(s, &g, 9, 5000, 0);
	assert_int_equal(g.n, 9);
	assert_int_equal(f.added, 1);
	CHECK(&g, 0, "h1", "a", 1, 5, "a: line one");
	CHECK(&g, 1, "h2", "b", 1, 6, "b: octet two");
	CHECK(&g, 2, "h3", "c", 1, 5, "c: crlf three");
	CHECK(&g, 3, "h4", "d", 1, 7, "d: multi\nline four");
	CHECK(&g, 4, "h5", "e", 1, 5, "e: trailing lf");
	CHECK(&g, 5, "h6", "f", 1, 5, "f: digit first");
	CHECK(&g, 6, "127.0.0.1", NULL, 1, 5, "0 zero length is no octet count");
	CHECK(&g, 7, "127.0.0.1", NULL, 1, 5, "123456789 nine digits neither");
	CHECK(&g, 8, "127.0.0.1", NULL, 1, 5, "nul\0inside");
	in_syslog_stats(s, &st);
	assert_int_equal(st.bad_frames, 2);
	assert_int_equal(st.conns_open, 1);
	assert_int_equal(st.conns_total, 1);
	/* EOF: a partial last line is delivered, the fd reported closed */
	write_str(fd, "<13>partial last");
	close(fd);
	drive(s, &g, 10, 5000, 0);
	assert_int_equal(g.n, 10);
	CHECK(&g, 9, "127.0.0.1", NULL, 1, 5, "partial last");
	drive(s, &g, 0, 50, 0);
	in_syslog_stats(s, &st);
	assert_int_equal(st.conns_open, 0);
	assert_int_equal(f.removed, 1);
	assert_int_equal(f.n, 0);
	/* an octet frame cut by EOF: delivered, marked cut, a bad frame */
	fd = tcp_connect(AF_INET, port);
	write_str(fd, "100 <13>short");
	close(fd);
	drive(s, &g, 11, 5000, 0);
	assert_int_equal(g.n, 11);
	CHECK(&g, 10, "127.0.0.1", NULL, 1, 5, "short");
	assert_int_equal(g.cut[10], g.len[10] + 100 - 9);
	/* digits alone at EOF: a line */
	fd = tcp_connect(AF_INET, port);
	write_str(fd, "42");
	close(fd);
	drive(s, &g, 12, 5000, 0);
	assert_int_equal(g.n, 12);
	CHECK(&g, 11, "127.0.0.1", NULL, 1, 5, "42");
	drive(s, &g, 0, 50, 0);
	in_syslog_stats(s, &st);
	assert_int_equal(st.bad_frames, 3);
	assert_int_equal(st.conns_total, 3);
	in_syslog_free(s);
	assert_int_equal(f.added, f.removed);
	got_free(&g);
}

static void
test_tcp_many_clients(void **state)
{
	enum { NC = 60, NM = 20 };
	struct in_syslog_opts o = { .max_conns = NC };
	struct in_syslog_stats st;
	struct in_syslog *s;
	struct got g = { 0 };
	int fd[NC], port, c, m, next[NC];
	char msg[128];
	size_t i;

	(void)state;
	s = open_ok("tcp:127.0.0.1:0", &o);
	port = in_syslog_port(s);
	for (c = 0; c < NC; c++)
		fd[c] = tcp_connect(AF_INET, port);
	for (m = 0; m < NM; m++) {
		for (c = 0; c < NC; c++) {
			snprintf(msg, sizeof(msg),
			    "<13>Nov  1 10:00:00 c%d p: m%d", c, m);
			if ((c + m) % 2)
				write_octet(fd[c], msg);
			else {
				write_str(fd[c], msg);
				write_str(fd[c], "\n");
			}
		}
		if (m % 5 == 0)
			drive(s, &g, 0, 5, 0);
	}
	for (c = 0; c < NC; c++)
		close(fd[c]);
	drive(s, &g, NC * NM, 10000, 0);
	assert_int_equal(g.n, NC * NM);
	/* every client's messages, in its order */
	memset(next, 0, sizeof(next));
	for (i = 0; i < g.n; i++) {
		struct record r;

		assert_int_equal(record_parse(&r, g.line[i], g.len[i]), REC_BSD);
		c = (int)strtol(r.host + 1, NULL, 10);
		assert_true(c >= 0 && c < NC);
		snprintf(msg, sizeof(msg), "p: m%d", next[c]++);
		assert_int_equal(r.msglen, strlen(msg));
		assert_memory_equal(r.msg, msg, r.msglen);
	}
	for (c = 0; c < NC; c++)
		assert_int_equal(next[c], NM);
	drive(s, &g, 0, 50, 0);
	in_syslog_stats(s, &st);
	assert_int_equal(st.conns_total, NC);
	assert_int_equal(st.conns_open, 0);
	assert_int_equal(st.conns_refused, 0);
	got_free(&g);
	in_syslog_free(s);
}

static void
test_tcp_split(void **state)
{
	static const char *const msgs[] = {
		"<13>Nov  1 10:00:00 h p: split octet",
		"<13>Nov  1 10:00:00 h p: split line",
		"<13>Nov  1 10:00:00 h p: the last",
	};
	struct in_syslog *s;
	struct got g = { 0 };
	char data[512];
	size_t i, n, e0, e1, want;
	int fd;

	(void)state;
	n = (size_t)snprintf(data, sizeof(data), "%zu %s%s\r\n%zu %s",
	    strlen(msgs[0]), msgs[0], msgs[1], strlen(msgs[2]), msgs[2]);
	s = open_ok("tcp:127.0.0.1:0", NULL);
	fd = tcp_connect(AF_INET, in_syslog_port(s));
	/* where each message is complete */
	e0 = (size_t)snprintf(NULL, 0, "%zu ", strlen(msgs[0])) + strlen(msgs[0]);
	e1 = e0 + strlen(msgs[1]) + 2;
	for (i = 0; i < n; i++) {
		write_all(fd, data + i, 1);
		want = (i + 1 >= e0) + (i + 1 >= e1) + (i + 1 >= n);
		drive(s, &g, want, want > g.n ? 2000 : 5, 0);
		assert_int_equal(g.n, want);
	}
	drive(s, &g, 3, 5000, 0);
	assert_int_equal(g.n, 3);
	CHECK(&g, 0, "h", "p", 1, 5, "p: split octet");
	CHECK(&g, 1, "h", "p", 1, 5, "p: split line");
	CHECK(&g, 2, "h", "p", 1, 5, "p: the last");
	close(fd);
	got_free(&g);
	in_syslog_free(s);
}

static void
test_tcp_cut(void **state)
{
	struct in_syslog_opts o = { .max_msg = 64 };
	struct in_syslog_stats st;
	struct in_syslog *s;
	struct got g = { 0 };
	char longmsg[5000], frame[5100];
	size_t i, extra = strlen(" " NOWSTAMP " 127.0.0.1");
	int fd;

	(void)state;
	s = open_ok("tcp:127.0.0.1:0", &o);
	fd = tcp_connect(AF_INET, in_syslog_port(s));
	memcpy(longmsg, "<13>", 4);
	for (i = 4; i < sizeof(longmsg) - 1; i++)
		longmsg[i] = (char)('a' + i % 26);
	longmsg[sizeof(longmsg) - 1] = '\0';
	/* a long line, then a short one */
	write_str(fd, longmsg);
	write_str(fd, "\n<13>Nov  1 10:00:00 h p: short one\n");
	/* a long octet frame in pieces, then a short one */
	snprintf(frame, sizeof(frame), "%zu %s", strlen(longmsg), longmsg);
	for (i = 0; i < strlen(frame); i += 700) {
		write_all(fd, frame + i, strlen(frame) - i < 700 ?
		    strlen(frame) - i : 700);
		drive(s, &g, 0, 2, NOW);
	}
	write_octet(fd, "<13>Nov  1 10:00:00 h p: short two");
	drive(s, &g, 4, 5000, NOW);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.len[0], 64 + extra);
	assert_int_equal(g.cut[0], 4999 + extra);
	assert_memory_equal(g.line[0] + 4 + extra, longmsg + 4, 60);
	CHECK(&g, 1, "h", "p", 1, 5, "p: short one");
	assert_int_equal(g.cut[1], 0);
	assert_int_equal(g.len[2], 64 + extra);
	assert_int_equal(g.cut[2], 4999 + extra);
	CHECK(&g, 3, "h", "p", 1, 5, "p: short two");
	in_syslog_stats(s, &st);
	assert_int_equal(st.cut, 2);
	assert_int_equal(st.received, 4);
	close(fd);
	got_free(&g);
	in_syslog_free(s);
}

static void
test_tcp_idle(void **state)
{
	struct fds f = { .n = 0 };
	struct in_syslog_opts o = { .idle_timeout = 5, .fd_change = fds_fn,
	    .fd_arg = &f };
	struct in_syslog_stats st;
	struct in_syslog *s;
	struct got g = { 0 };
	int fd, fd2;

	(void)state;
	s = open_ok("tcp:127.0.0.1:0", &o);
	fd = tcp_connect(AF_INET, in_syslog_port(s));
	write_str(fd, "<13>Nov  1 10:00:00 h p: waiting");
	drive(s, &g, 0, 100, 1000);
	fd2 = tcp_connect(AF_INET, in_syslog_port(s));
	drive(s, &g, 0, 100, 1003);
	assert_int_equal(f.n, 2);
	assert_int_equal(g.n, 0);
	in_syslog_tick(s, 1004, got_fn, &g);
	assert_int_equal(f.n, 2);
	in_syslog_tick(s, 1005, got_fn, &g);
	/* the first is closed, its partial line delivered */
	assert_int_equal(f.n, 1);
	assert_int_equal(f.removed, 1);
	assert_int_equal(g.n, 1);
	CHECK(&g, 0, "h", "p", 1, 5, "p: waiting");
	assert_true(peer_closed(fd, 2000));
	in_syslog_tick(s, 1008, got_fn, &g);
	assert_int_equal(f.n, 0);
	assert_true(peer_closed(fd2, 2000));
	in_syslog_stats(s, &st);
	assert_int_equal(st.conns_closed_idle, 2);
	assert_int_equal(st.conns_open, 0);
	close(fd);
	close(fd2);
	got_free(&g);
	in_syslog_free(s);
}

static void
test_tcp_limit(void **state)
{
	struct in_syslog_opts o = { .max_conns = 2 };
	struct in_syslog_stats st;
	struct in_syslog *s;
	struct got g = { 0 };
	int fd[3], port, i;

	(void)state;
	s = open_ok("tcp:127.0.0.1:0", &o);
	port = in_syslog_port(s);
	for (i = 0; i < 3; i++) {
		fd[i] = tcp_connect(AF_INET, port);
		drive(s, &g, 0, 50, 0);
	}
	assert_true(peer_closed(fd[2], 2000));
	in_syslog_stats(s, &st);
	assert_int_equal(st.conns_refused, 1);
	assert_int_equal(st.conns_open, 2);
	write_str(fd[0], "<13>Nov  1 10:00:00 h p: zero\n");
	write_str(fd[1], "<13>Nov  1 10:00:00 h p: one\n");
	drive(s, &g, 2, 5000, 0);
	assert_int_equal(g.n, 2);
	/* a slot frees up: the next client is taken */
	close(fd[0]);
	drive(s, &g, 0, 50, 0);
	fd[2] = tcp_connect(AF_INET, port);
	write_str(fd[2], "<13>Nov  1 10:00:00 h p: two\n");
	drive(s, &g, 3, 5000, 0);
	assert_int_equal(g.n, 3);
	in_syslog_stats(s, &st);
	assert_int_equal(st.conns_refused, 1);
	assert_int_equal(st.conns_total, 3);
	close(fd[1]);
	close(fd[2]);
	got_free(&g);
	in_syslog_free(s);
}

/* out of fds: pending connections are accepted with the spare fd and
 * closed (counted), instead of the loop spinning on them */
static void
test_tcp_out_of_fds(void **state)
{
	struct in_syslog_stats st;
	struct in_syslog *s;
	struct got g = { 0 };
	struct rlimit old, low;
	int fd[2], fd3, port, lowest, i;
	const char *pre;

	(void)state;
	pre = getenv("LD_PRELOAD");
	if (pre != NULL && strstr(pre, "valgrind") != NULL) {
		/* valgrind applies RLIMIT_NOFILE itself, not to accept4 */
		print_message("under valgrind: skipped\n");
		skip();
	}
	s = open_ok("tcp:127.0.0.1:0", NULL);
	port = in_syslog_port(s);
	fd[0] = tcp_connect(AF_INET, port);
	fd[1] = tcp_connect(AF_INET, port);
	lowest = dup(0);
	assert_true(lowest != -1);
	close(lowest);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)lowest;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	for (i = 0; i < 500; i++) {
		drive(s, &g, 0, 10, 0);
		in_syslog_stats(s, &st);
		if (st.conns_refused >= 2)
			break;
	}
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true(peer_closed(fd[0], 2000));
	assert_true(peer_closed(fd[1], 2000));
	in_syslog_stats(s, &st);
	assert_int_equal(st.conns_refused, 2);
	assert_int_equal(st.conns_open, 0);
	/* with fds again: accepted */
	fd3 = tcp_connect(AF_INET, port);
	write_str(fd3, "<13>Nov  1 10:00:00 h p: fds again\n");
	drive(s, &g, 1, 5000, 0);
	assert_int_equal(g.n, 1);
	close(fd[0]);
	close(fd[1]);
	close(fd3);
	got_free(&g);
	in_syslog_free(s);
}

/* ---- unix ---- */

static void
test_unix(void **state)
{
	struct in_syslog_opts o = { .localhost = "testhost.example" };
	struct sockaddr_un sun;
	struct in_syslog *s, *s2;
	struct got g = { 0 };
	struct stat sb;
	char path[128], spec[160], err[512];
	const char *m;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/log", tmpdir);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* a stale socket file is replaced */
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	s = open_ok(spec, &o);
	assert_int_equal(in_syslog_port(s), -1);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0666);
	/* a live one is not */
	assert_null(in_syslog_open(spec, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "another daemon"));

	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	m = "<86>Nov  1 10:00:00 sudo[7]: local message";
	assert_int_equal(sendto(fd, m, strlen(m), 0, (struct sockaddr *)&sun,
	    sizeof(sun)), (ssize_t)strlen(m));
	m = "<13>bare\0";
	assert_int_equal(sendto(fd, m, 9, 0, (struct sockaddr *)&sun,
	    sizeof(sun)), 9);
	close(fd);
	drive(s, &g, 2, 5000, 0);
	assert_int_equal(g.n, 2);
	/* the host name up to a blank is taken as given */
	CHECK(&g, 0, "testhost.example", "sudo", 10, 6, "sudo[7]: local message");
	CHECK(&g, 1, "testhost.example", NULL, 1, 5, "bare");
	in_syslog_free(s);
	/* removed at free */
	assert_int_equal(lstat(path, &sb), -1);

	/* a regular file is not replaced */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd != -1);
	close(fd);
	assert_null(in_syslog_open(spec, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "not a socket"));
	assert_int_equal(unlink(path), 0);

	/* default host: the short host name */
	s2 = open_ok(spec, NULL);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	m = "<13>Nov  1 10:00:00 p: x";
	assert_int_equal(sendto(fd, m, strlen(m), 0, (struct sockaddr *)&sun,
	    sizeof(sun)), (ssize_t)strlen(m));
	close(fd);
	drive(s2, &g, 3, 5000, 0);
	assert_int_equal(g.n, 3);
	check_rec(g.line[2], g.len[2], shorthost, "p", 1, 5, "p: x", 4);
	in_syslog_free(s2);
	got_free(&g);
}

/* ---- IPv6 ---- */

static void
test_ipv6(void **state)
{
	struct in_syslog *u, *t, *all;
	struct got g = { 0 };
	char err[512];
	int fd;

	(void)state;
	u = in_syslog_open("udp:[::1]:0", NULL, err, sizeof(err));
	if (u == NULL) {
		print_message("no IPv6 loopback (%s): skipped\n", err);
		skip();
	}
	udp_send(AF_INET6, in_syslog_port(u), "<13>over v6", 11);
	drive(u, &g, 1, 5000, 0);
	assert_int_equal(g.n, 1);
	CHECK(&g, 0, "::1", NULL, 1, 5, "over v6");

	t = open_ok("tcp:[::1]:0", NULL);
	fd = tcp_connect(AF_INET6, in_syslog_port(t));
	write_octet(fd, "<13>Nov  1 10:00:00 p: tcp v6");
	close(fd);
	drive(t, &g, 2, 5000, 0);
	assert_int_equal(g.n, 2);
	CHECK(&g, 1, "::1", "p", 1, 5, "p: tcp v6");

	/* [::1] is v6 only: nothing from 127.0.0.1 on its port */
	udp_send(AF_INET, in_syslog_port(u), "<13>v4", 6);
	drive(u, &g, 3, 200, 0);
	assert_int_equal(g.n, 2);

	/* all addresses: both families, v4 shown dotted */
	all = open_ok("udp:*:0", NULL);
	udp_send(AF_INET, in_syslog_port(all), "<13>from v4", 11);
	drive(all, &g, 3, 5000, 0);
	udp_send(AF_INET6, in_syslog_port(all), "<13>from v6", 11);
	drive(all, &g, 4, 5000, 0);
	assert_int_equal(g.n, 4);
	CHECK(&g, 2, "127.0.0.1", NULL, 1, 5, "from v4");
	CHECK(&g, 3, "::1", NULL, 1, 5, "from v6");
	in_syslog_free(all);
	in_syslog_free(t);
	in_syslog_free(u);
	got_free(&g);
}

/* ---- logger(1) ---- */

/* Runs logger with argv while driving s until want messages. */
static void
run_logger(struct in_syslog *s, struct got *g, size_t want, char *const argv[])
{
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		execv(LOGGER, argv);
		_exit(127);
	}
	drive(s, g, want, 5000, 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	drive(s, g, want, 1000, 0);
	assert_int_equal(g->n, want);
}

static void
test_logger(void **state)
{
	struct in_syslog_opts o = { .localhost = "unixhost" };
	struct in_syslog *u, *t, *x;
	struct got g = { 0 };
	char port[16], path[128], spec[160];

	(void)state;
	if (access(LOGGER, X_OK) != 0) {
		print_message(LOGGER " not found: skipped\n");
		skip();
	}
	u = open_ok("udp:127.0.0.1:0", NULL);
	snprintf(port, sizeof(port), "%d", in_syslog_port(u));
	run_logger(u, &g, 1, (char *[]){ "logger", "-n", "127.0.0.1", "-P",
	    port, "--udp", "--rfc3164", "-t", "tg", "-p", "local3.warning",
	    "udp 3164 message", NULL });
	CHECK(&g, 0, shorthost, "tg", 19, 4, "tg: udp 3164 message");
	run_logger(u, &g, 2, (char *[]){ "logger", "-n", "127.0.0.1", "-P",
	    port, "--udp", "--rfc5424=nohost", "-t", "tg", "no host 5424",
	    NULL });
	CHECK(&g, 1, "127.0.0.1", "tg", 1, 5, "no host 5424");
	in_syslog_free(u);

	t = open_ok("tcp:127.0.0.1:0", NULL);
	snprintf(port, sizeof(port), "%d", in_syslog_port(t));
	run_logger(t, &g, 3, (char *[]){ "logger", "-n", "127.0.0.1", "-P",
	    port, "--tcp", "--octet-count", "--rfc5424", "-t", "tg", "-p",
	    "auth.err", "tcp octet 5424", NULL });
	CHECK(&g, 2, shorthost, "tg", 4, 3, "tcp octet 5424");
	run_logger(t, &g, 4, (char *[]){ "logger", "-n", "127.0.0.1", "-P",
	    port, "--tcp", "-t", "tg", "tcp newline", NULL });
	CHECK(&g, 3, shorthost, "tg", 1, 5, "tcp newline");
	run_logger(t, &g, 5, (char *[]){ "logger", "-n", "127.0.0.1", "-P",
	    port, "--tcp", "--rfc3164", "-t", "tg", "tcp 3164", NULL });
	CHECK(&g, 4, shorthost, "tg", 1, 5, "tg: tcp 3164");
	in_syslog_free(t);

	snprintf(path, sizeof(path), "%s/logger.sock", tmpdir);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	x = open_ok(spec, &o);
	run_logger(x, &g, 6, (char *[]){ "logger", "-u", path, "-t", "tg",
	    "-p", "mail.info", "-i", "over the unix socket", NULL });
	{
		struct record r;
		static const char want[] = "]: over the unix socket";

		/* logger's local format: "<22>Mmm dd hh:mm:ss tg[PID]: msg" */
		assert_int_equal(record_parse(&r, g.line[5], g.len[5]), REC_BSD);
		assert_int_equal(r.hostlen, 8);
		assert_memory_equal(r.host, "unixhost", 8);
		assert_int_equal(r.proglen, 2);
		assert_memory_equal(r.prog, "tg", 2);
		assert_true(r.pid > 0);
		assert_int_equal(r.facility, 2);
		assert_int_equal(r.severity, 6);
		assert_true(r.msglen > sizeof(want));
		assert_memory_equal(r.msg + r.msglen - (sizeof(want) - 1), want,
		    sizeof(want) - 1);
	}
	in_syslog_free(x);
	got_free(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_spec_good),
		cmocka_unit_test(test_parse_spec_bad),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_udp_kernel_drops),
		cmocka_unit_test(test_tcp_mixed),
		cmocka_unit_test(test_tcp_many_clients),
		cmocka_unit_test(test_tcp_split),
		cmocka_unit_test(test_tcp_cut),
		cmocka_unit_test(test_tcp_idle),
		cmocka_unit_test(test_tcp_limit),
		cmocka_unit_test(test_tcp_out_of_fds),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_logger),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
