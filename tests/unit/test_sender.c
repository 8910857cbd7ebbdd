/*
 * Tests for sender against the real SMTP sink (tests/lib/smtp_sink.py,
 * aiosmtpd, started on a free 127.0.0.1 port per test): plain delivery
 * (bytes and envelope), dot-stuffing (lone "." lines, a leading ".", bare
 * LF), STARTTLS + AUTH with a throw-away self-signed certificate (with and
 * without verification), implicit TLS, refusals (wrong password, STARTTLS
 * missing or refused, 451 at RCPT/DATA/end of data, one recipient refused,
 * a line too long for a strict relay), nobody listening, a 10 MB message,
 * broken outbox files and envelope addresses, and sender_run in a child
 * process (order, removal, status file, inotify wake-up, back-off and
 * SIGUSR1, quarantine of a broken file).
 *
 * Every test skips when /usr/bin/python3 cannot import aiosmtpd (or
 * openssl is missing, for the TLS ones).  The sink is found through
 * $LOGWARD_SRCDIR, else relative to the current directory (the repository
 * root under `make unit`).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "deliver/sender.h"
#include "deliver/smtp.h"
#include "testutil.h"
#include "lib/xmem.h"

#define PYTHON	"/usr/bin/python3"

static char	 topdir[256];		/* private temp dir of this program */
static char	*sinkpy;		/* path of smtp_sink.py */
static bool	 have_sink;		/* python3 + aiosmtpd work */
static bool	 have_cert;		/* topdir/cert.pem + key.pem made */
static char	*certfile, *keyfile;
static int	 nsinks;		/* for unique sink directories */

/* ---- helpers ---- */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Runs argv quietly; returns its exit status or -1. */
static int
run_quiet(char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid == -1 || waitpid(pid, &st, 0) == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Returns the owned content of path (NUL-terminated), *len its size. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0) {
		p = xmalloc((size_t)n + 1);
		if (fread(p, 1, (size_t)n, fp) != (size_t)n) {
			free(p);
			p = NULL;
		} else {
			p[n] = '\0';
			if (len != NULL)
				*len = (size_t)n;
		}
	}
	fclose(fp);
	return p;
}

static bool
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* s with every CRLF turned into LF (what the sink stores); owned. */
static char *
crlf_to_lf(const char *s, size_t n, size_t *outlen)
{
	char *o = xmalloc(n + 1);
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		o[k++] = s[i];
	}
	o[k] = '\0';
	*outlen = k;
	return o;
}

/* Writes an outbox file; rcpts is NULL-terminated. */
static void
write_outbox(const char *path, const char *from, const char *const *rcpts,
    const char *msg, size_t msglen)
{
	FILE *fp = fopen(path, "wb");
	size_t i;

	assert_non_null(fp);
	fprintf(fp, "LOGWARD-OUTBOX 1\nfrom %s\n", from);
	for (i = 0; rcpts[i] != NULL; i++)
		fprintf(fp, "rcpt %s\n", rcpts[i]);
	fprintf(fp, "queue test\n\n");
	assert_int_equal(fwrite(msg, 1, msglen, fp), msglen);
	assert_int_equal(fclose(fp), 0);
}

/* A port nobody listens on (bound and released at once). */
static int
free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

struct sink {
	pid_t	 pid;
	int	 port;
	char	*dir;		/* owned: where mails are stored */
	char	 server[64];	/* "127.0.0.1:PORT" */
};

/* Starts the sink with extra options (NULL-terminated); port 0 = any.
 * Returns 0, or -1 when it did not come up within 10 s. */
static int
sink_start_port(struct sink *s, int port, const char *const *extra)
{
	char *pf, portarg[16];
	const char *argv[32];
	size_t n = 0, i;
	double t0;

	memset(s, 0, sizeof(*s));
	s->dir = xasprintf("%s/sink%d", topdir, ++nsinks);
	pf = xasprintf("%s.port", s->dir);
	snprintf(portarg, sizeof(portarg), "%d", port);
	argv[n++] = PYTHON;
	argv[n++] = sinkpy;
	argv[n++] = "--dir";
	argv[n++] = s->dir;
	argv[n++] = "--port-file";
	argv[n++] = pf;
	argv[n++] = "--port";
	argv[n++] = portarg;
	for (i = 0; extra != NULL && extra[i] != NULL && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	mkdir(s->dir, 0700);
	s->pid = fork();
	if (s->pid == 0) {
		char *err = xasprintf("%s.err", s->dir);
		int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execv(PYTHON, (char *const *)argv);
		_exit(127);
	}
	assert_true(s->pid > 0);
	for (t0 = now_s(); now_s() - t0 < 10; sleep_ms(20)) {
		char *txt = slurp(pf, NULL);

		if (txt != NULL) {
			s->port = (int)strtol(txt, NULL, 10);
			free(txt);
			free(pf);
			snprintf(s->server, sizeof(s->server), "127.0.0.1:%d", s->port);
			return 0;
		}
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = 0;
			break;
		}
	}
	free(pf);
	return -1;
}

static void
sink_start(struct sink *s, const char *const *extra)
{
	assert_int_equal(sink_start_port(s, 0, extra), 0);
}

static void
sink_stop(struct sink *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
	free(s->dir);
	s->dir = NULL;
}

/* Owned content of a file the sink wrote (NULL when absent). */
static char *
sink_file(const struct sink *s, const char *name, size_t *len)
{
	char *p = xasprintf("%s/%s", s->dir, name);
	char *txt = slurp(p, len);

	free(p);
	return txt;
}

static bool
sink_log_has(const struct sink *s, const char *needle)
{
	char *log = sink_file(s, "sink.log", NULL);
	bool ok = log != NULL && strstr(log, needle) != NULL;

	if (!ok)
		print_message("sink.log lacks \"%s\":\n%s", needle, log ? log : "(none)");
	free(log);
	return ok;
}

/* Asserts mail-NNN.eml equals msg (CRLF → LF) and its envelope. */
static void
assert_mail(const struct sink *s, int n, const char *msg, size_t msglen,
    const char *envelope)
{
	char name[32];
	size_t len, explen;
	char *got, *exp = crlf_to_lf(msg, msglen, &explen);

	snprintf(name, sizeof(name), "mail-%03d.eml", n);
	got = sink_file(s, name, &len);
	assert_non_null(got);
	assert_int_equal(len, explen);
	assert_memory_equal(got, exp, explen);
	free(got);
	free(exp);
	snprintf(name, sizeof(name), "mail-%03d.envelope", n);
	got = sink_file(s, name, NULL);
	assert_non_null(got);
	assert_string_equal(got, envelope);
	free(got);
}

static struct smtp_conf
conf_for(const struct sink *s)
{
	struct smtp_conf sc = {
		.server = s->server,
		.tls = SMTP_TLS_NONE,
		.timeout = 10,
		.helo = "logward-test",
	};
	return sc;
}

static const char *rcpt_x[] = { "x@example.org", NULL };
static const char msg_small[] =
    "From: logward <a@example.org>\r\nTo: x@example.org\r\n"
    "Subject: small\r\n\r\nhello\r\nworld\r\n";

/* Writes msg_small (or msg) to topdir/NAME as an outbox file; owned path. */
static char *
outbox_file(const char *name, const char *msg)
{
	char *path = xasprintf("%s/%s", topdir, name);

	if (msg == NULL)
		msg = msg_small;
	write_outbox(path, "a@example.org", rcpt_x, msg, strlen(msg));
	return path;
}

#define NEED_SINK()	do { if (!have_sink) skip(); } while (0)
#define NEED_TLS()	do { if (!have_sink || !have_cert) skip(); } while (0)

/* ---- delivery ---- */

static void
test_plain_delivery(void **state)
{
	static const char *rcpts[] = { "x@example.org", "y@example.org", NULL };
	struct sink s;
	struct smtp_conf sc;
	struct smtp_result res;
	char *path = xasprintf("%s/plain.msg", topdir);

	(void)state;
	NEED_SINK();
	sink_start(&s, NULL);
	sc = conf_for(&s);
	write_outbox(path, "a@example.org", rcpts, msg_small, strlen(msg_small));
	assert_int_equal(sender_deliver_file(&sc, path, &res), 0);
	assert_int_equal(res.code, 250);
	assert_false(res.permanent);
	assert_mail(&s, 1, msg_small, strlen(msg_small),
	    "MAIL FROM:<a@example.org>\nRCPT TO:<x@example.org>\n"
	    "RCPT TO:<y@example.org>\n");
	assert_true(sink_log_has(&s, "EHLO logward-test 250"));
	assert_true(exists(path));	/* deliver_file never removes */
	sink_stop(&s);
	free(path);
}

static void
test_dot_lines_arrive_intact(void **state)
{
	/* a leading ".", lone "." lines (CRLF and bare LF), "..", a bare
	 * CR, and no CRLF at the end: curl adds one before its "." */
	static const char msg[] =
	    ".first line starts with a dot\r\nSubject: dots\r\n\r\n"
	    ".\r\nbetween\r\n..\r\n...x\r\nbare\n.\nlf\r\n.\r\n"
	    "cr\rhere\r\n. not alone\r\nlast line";
	static const char expect[] =
	    ".first line starts with a dot\nSubject: dots\n\n"
	    ".\nbetween\n..\n...x\nbare\n.\nlf\n.\n"
	    "cr\nhere\n. not alone\nlast line\n";
	struct sink s;
	struct smtp_conf sc;
	struct smtp_result res;
	char *path, *got, name[32];
	size_t len;
	int k;

	(void)state;
	NEED_SINK();
	sink_start(&s, NULL);
	sc = conf_for(&s);
	path = outbox_file("dots.msg", msg);
	assert_int_equal(sender_deliver_file(&sc, path, &res), 0);
	got = sink_file(&s, "mail-001.eml", &len);
	assert_non_null(got);
	assert_int_equal(len, strlen(expect));
	assert_string_equal(got, expect);
	free(got);
	free(path);

	/* a lone "." line across libcurl's 64 KiB upload buffers: the
	 * "\r\n.\r\n" starts k bytes before 65536, for each k */
	for (k = 0; k < 6; k++) {
		static const char tail[] = "\r\n.\r\n..\r\nafter\r\n";
		char *m = xmalloc(70000), *e;
		size_t mlen, elen;
		int n;

		mlen = (size_t)snprintf(m, 70000, "Subject: split %d\r\n\r\n", k);
		while (mlen + 100 < 65536 - (size_t)k) {
			memset(m + mlen, 'x', 98);
			memcpy(m + mlen + 98, "\r\n", 2);
			mlen += 100;
		}
		memset(m + mlen, 'y', 65536 - (size_t)k - mlen);
		mlen = 65536 - (size_t)k;
		memcpy(m + mlen, tail, sizeof(tail));
		mlen += sizeof(tail) - 1;
		path = outbox_file("split.msg", m);
		assert_int_equal(sender_deliver_file(&sc, path, &res), 0);
		e = crlf_to_lf(m, mlen, &elen);
		snprintf(name, sizeof(name), "mail-%03d.eml", k + 2);
		got = sink_file(&s, name, &len);
		assert_non_null(got);
		assert_int_equal(len, elen);
		n = memcmp(got, e, elen);
		assert_int_equal(n, 0);
		free(got);
		free(e);
		free(m);
		free(path);
	}
	sink_stop(&s);
}

static void
test_starttls_auth(void **state)
{
	const char *extra[] = { "--tls-cert", certfile, "--tls-key", keyfile,
	    "--require-tls", "--auth", "robot:s3cret pass", NULL };
	struct sink s;
	struct smtp_conf sc;
	struct smtp_result res;
	char *path, server[64];

	(void)state;
	NEED_TLS();
	sink_start(&s, extra);
	sc = conf_for(&s);
	path = outbox_file("tls.msg", NULL);

	/* plain: refused before MAIL, nothing stored */
	assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
	assert_int_equal(res.code, 530);
	assert_non_null(strstr(res.msg, "530"));

	/* STARTTLS + AUTH, no verification */
	sc.tls = SMTP_TLS_STARTTLS;
	sc.user = "robot";
	sc.password = "s3cret pass";
	sc.tls_verify = false;
	assert_int_equal(sender_deliver_file(&sc, path, &res), 0);
	assert_mail(&s, 1, msg_small, strlen(msg_small),
	    "AUTH robot\nMAIL FROM:<a@example.org>\nRCPT TO:<x@example.org>\n");
	assert_true(sink_log_has(&s, "STARTTLS 220"));
	assert_true(sink_log_has(&s, "AUTH PLAIN robot 235"));

	/* verification on, the system CAs: the self-signed cert fails */
	sc.tls_verify = true;
	snprintf(server, sizeof(server), "localhost:%d", s.port);
	sc.server = server;
	assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
	assert_non_null(strstr(res.msg, "certificate"));

	/* verification on, CA file = the cert, name "localhost" = its CN */
	sc.cafile = certfile;
	assert_int_equal(sender_deliver_file(&sc, path, &res), 0);
	assert_int_equal(res.code, 250);

	/* wrong password */
	sc.password = "wrong";
	assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
	assert_int_equal(res.code, 535);
	assert_non_null(strstr(res.msg, "535"));
	assert_true(sink_log_has(&s, "AUTH PLAIN robot 535"));

	/* STARTTLS without a user: AUTH required */
	sc.user = sc.password = NULL;
	assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
	assert_int_equal(res.code, 530);

	assert_null(sink_file(&s, "mail-003.eml", NULL));
	sink_stop(&s);
	free(path);
}

static void
test_starttls_missing_or_refused(void **state)
{
	const char *refuse[] = { "--tls-cert", certfile, "--tls-key", keyfile,
	    "--fault", "stage=starttls;reply=454 4.7.0 TLS not available", NULL };
	struct sink s;
	struct smtp_conf sc;
	struct smtp_result res;
	char *path;

	(void)state;
	NEED_TLS();
	path = outbox_file("notls.msg", NULL);

	sink_start(&s, NULL);		/* no certificate: no STARTTLS offered */
	sc = conf_for(&s);
	sc.tls = SMTP_TLS_STARTTLS;
	assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
	assert_non_null(strstr(res.msg, "STARTTLS"));
	assert_null(sink_file(&s, "mail-001.eml", NULL));
	sink_stop(&s);

	sink_start(&s, refuse);
	sc = conf_for(&s);
	sc.tls = SMTP_TLS_STARTTLS;
	assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
	assert_int_equal(res.code, 454);
	assert_true(sink_log_has(&s, "STARTTLS 454 4.7.0 TLS not available"));
	assert_null(sink_file(&s, "mail-001.eml", NULL));
	sink_stop(&s);
	free(path);
}

static void
test_implicit_tls(void **state)
{
	const char *extra[] = { "--tls-cert", certfile, "--tls-key", keyfile,
	    "--implicit-tls", "--auth", "robot:pw", NULL };
	struct sink s;
	struct smtp_conf sc;
	struct smtp_result res;
	char *path;

	(void)state;
	NEED_TLS();
	sink_start(&s, extra);
	sc = conf_for(&s);
	path = outbox_file("smtps.msg", NULL);
	sc.tls = SMTP_TLS_TLS;
	sc.user = "robot";
	sc.password = "pw";
	assert_int_equal(sender_deliver_file(&sc, path, &res), 0);
	assert_mail(&s, 1, msg_small, strlen(msg_small),
	    "AUTH robot\nMAIL FROM:<a@example.org>\nRCPT TO:<x@example.org>\n");

	/* plain SMTP against a TLS listener fails (and does not hang) */
	sc.tls = SMTP_TLS_NONE;
	sc.timeout = 1;
	assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
	sink_stop(&s);
	free(path);
}

static void
test_not_listening_fails_fast(void **state)
{
	struct smtp_conf sc = { .timeout = 10 };
	struct smtp_result res;
	char server[64], *path;
	double t0;

	(void)state;
	snprintf(server, sizeof(server), "127.0.0.1:%d", free_port());
	sc.server = server;
	path = outbox_file("nobody.msg", NULL);
	t0 = now_s();
	assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
	assert_true(now_s() - t0 < 2);
	assert_int_equal(res.code, 0);
	assert_false(res.permanent);
	assert_true(res.msg[0] != '\0');
	free(path);
}

static void
test_451_at_rcpt_data_eod(void **state)
{
	const char *extra[] = {
	    "--fault", "stage=rcpt;times=1",
	    "--fault", "stage=data;times=1",
	    "--fault", "stage=eod;times=1", NULL };
	struct sink s;
	struct smtp_conf sc;
	struct smtp_result res;
	char *path, *rej;
	int i;

	(void)state;
	NEED_SINK();
	sink_start(&s, extra);
	sc = conf_for(&s);
	path = outbox_file("451.msg", NULL);
	for (i = 0; i < 3; i++) {	/* rcpt, then data, then eod */
		assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
		assert_int_equal(res.code, 451);
		assert_non_null(strstr(res.msg, "451 4.3.0 Injected"));
		assert_false(res.permanent);
		assert_true(exists(path));
		assert_null(sink_file(&s, "mail-001.eml", NULL));
	}
	rej = sink_file(&s, "rejected-001.eml", NULL);	/* the eod one */
	assert_non_null(rej);
	free(rej);
	assert_int_equal(sender_deliver_file(&sc, path, &res), 0);
	assert_mail(&s, 1, msg_small, strlen(msg_small),
	    "MAIL FROM:<a@example.org>\nRCPT TO:<x@example.org>\n");
	sink_stop(&s);
	free(path);
}

static void
test_one_recipient_refused_fails(void **state)
{
	static const char *rcpts[] = { "good@example.org", "bad@example.org",
	    "also@example.org", NULL };
	const char *extra[] = {
	    "--fault", "stage=rcpt;match=^bad@;reply=550 5.1.1 No such user", NULL };
	struct sink s;
	struct smtp_conf sc;
	struct smtp_result res;
	char *path = xasprintf("%s/rcpt.msg", topdir);

	(void)state;
	NEED_SINK();
	sink_start(&s, extra);
	sc = conf_for(&s);
	write_outbox(path, "a@example.org", rcpts, msg_small, strlen(msg_small));
	assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
	assert_int_equal(res.code, 550);
	assert_non_null(strstr(res.msg, "550 5.1.1 No such user"));
	assert_false(res.permanent);
	assert_null(sink_file(&s, "mail-001.eml", NULL));
	assert_null(sink_file(&s, "rejected-001.eml", NULL));
	sink_stop(&s);
	free(path);
}

static void
test_big_message_and_long_line(void **state)
{
	const char *extra[] = { "--max-line", "998", NULL };
	const size_t size = 10u << 20;
	struct sink s;
	struct smtp_conf sc;
	struct smtp_result res;
	char *msg = xmalloc(size + 1), *path, *got;
	size_t len = 0, glen, elen;
	double t0;
	unsigned n = 0;

	(void)state;
	NEED_SINK();
	len += (size_t)snprintf(msg, size, "Subject: big\r\n\r\n");
	while (len + 100 < size)		/* 98-byte lines + CRLF */
		len += (size_t)snprintf(msg + len, size - len,
		    "%s%08u %088d\r\n", n % 50 == 0 ? "." : "", n, 0), n++;
	msg[len] = '\0';
	sink_start(&s, extra);
	sc = conf_for(&s);
	path = outbox_file("big.msg", msg);
	t0 = now_s();
	assert_int_equal(sender_deliver_file(&sc, path, &res), 0);
	print_message("10 MB delivered in %.2f s\n", now_s() - t0);
	got = sink_file(&s, "mail-001.eml", &glen);
	assert_non_null(got);
	free(crlf_to_lf(msg, len, &elen));
	assert_int_equal(glen, elen);
	free(got);
	assert_mail(&s, 1, msg, len,
	    "MAIL FROM:<a@example.org>\nRCPT TO:<x@example.org>\n");
	free(path);

	/* a 2000-byte line: a strict relay refuses it after DATA */
	memset(msg, 'x', 2000);
	memcpy(msg, "Subject: long\r\n\r\n", 17);
	memcpy(msg + 2000, "\r\n", 3);
	path = outbox_file("long.msg", msg);
	assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
	assert_int_equal(res.code, 500);
	assert_non_null(strstr(res.msg, "Line too long"));
	got = sink_file(&s, "rejected-001.eml", NULL);
	assert_non_null(got);
	free(got);
	sink_stop(&s);
	free(path);
	free(msg);
}

/* ---- refusals before any connection ---- */

static void
test_bad_envelope_and_files(void **state)
{
	static const char *const bad[] = { "a b@example.org", "a@ex\r\nRSET",
	    "<a@example.org>", "a\t@x", "a@x>", "", NULL };
	struct smtp_conf sc = { .server = "127.0.0.1:1", .timeout = 5 };
	struct smtp_result res;
	char *path = xasprintf("%s/bad.msg", topdir);
	const char *one[2] = { NULL, NULL };
	size_t i;
	FILE *fp;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		one[0] = bad[i];
		assert_int_equal(smtp_deliver(&sc, "a@example.org",
		    (char *const *)one, 1, -1, &res), -1);
		assert_true(res.permanent);
		assert_non_null(strstr(res.msg, "refused recipient address"));
		assert_null(strchr(res.msg, '\r'));
		assert_null(strchr(res.msg, '\n'));
		if (bad[i][0] == '\0')
			continue;		/* "" is the null sender */
		one[0] = "x@example.org";
		assert_int_equal(smtp_deliver(&sc, bad[i],
		    (char *const *)one, 1, -1, &res), -1);
		assert_true(res.permanent);
		assert_non_null(strstr(res.msg, "refused sender address"));
	}
	one[0] = "x@example.org";
	assert_int_equal(smtp_deliver(&sc, "a@example.org",
	    (char *const *)one, 0, -1, &res), -1);
	assert_true(res.permanent);

	/* outbox format errors are permanent and name the file */
	fp = fopen(path, "w");
	fputs("LOGWARD-OUTBOX 2\nfrom a@b\nrcpt c@d\n\nSubject: x\r\n\r\n", fp);
	fclose(fp);
	assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
	assert_true(res.permanent);
	assert_non_null(strstr(res.msg, "bad.msg: line 1"));
	fp = fopen(path, "w");
	fputs("LOGWARD-OUTBOX 1\nfrom a@b\nqueue q\n\nSubject: x\r\n\r\n", fp);
	fclose(fp);
	assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
	assert_true(res.permanent);
	assert_non_null(strstr(res.msg, "without \"rcpt\""));
	fp = fopen(path, "w");
	fputs("LOGWARD-OUTBOX 1\nfrom a@b\nrcpt c@d\nrcpt e f@g\n\nx\r\n", fp);
	fclose(fp);
	assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
	assert_true(res.permanent);
	assert_non_null(strstr(res.msg, "blank in address"));
	fp = fopen(path, "w");
	fputs("LOGWARD-OUTBOX 1\nfrom a@b\nrcpt c@d\n", fp);	/* no blank line */
	fclose(fp);
	assert_int_equal(sender_deliver_file(&sc, path, &res), -1);
	assert_true(res.permanent);

	/* server strings: refused, not permanent (a config matter) */
	sc.server = "127.0.0.1:99999";
	one[0] = "x@example.org";
	assert_int_equal(smtp_deliver(&sc, "a@b", (char *const *)one, 1, -1,
	    &res), -1);
	assert_non_null(strstr(res.msg, "too large"));
	assert_false(res.permanent);
	sc.server = "evil/host@x";
	assert_int_equal(smtp_deliver(&sc, "a@b", (char *const *)one, 1, -1,
	    &res), -1);
	assert_non_null(strstr(res.msg, "bad SMTP server"));
	sc.server = "[::1";
	assert_int_equal(smtp_deliver(&sc, "a@b", (char *const *)one, 1, -1,
	    &res), -1);
	assert_non_null(strstr(res.msg, "bad SMTP server"));
	sc.server = "127.0.0.1:1";
	sc.helo = "bad helo";
	assert_int_equal(smtp_deliver(&sc, "a@b", (char *const *)one, 1, -1,
	    &res), -1);
	assert_non_null(strstr(res.msg, "HELO"));
	assert_int_equal(unlink(path), 0);
	free(path);
}

/* ---- the sender process ---- */

struct spool {
	char	*dir;
	char	*newdir;
	char	*tmpdir;
	pid_t	 pid;
};

static void
spool_init(struct spool *sp, const char *name)
{
	sp->dir = xasprintf("%s/%s", topdir, name);
	sp->newdir = xasprintf("%s/new", sp->dir);
	sp->tmpdir = xasprintf("%s/tmp", sp->dir);
	sp->pid = 0;
	assert_int_equal(mkdir(sp->dir, 0700), 0);
	assert_int_equal(mkdir(sp->newdir, 0700), 0);
	assert_int_equal(mkdir(sp->tmpdir, 0700), 0);
}

/* Publishes SPOOL/new/NAME the way outbox does (tmp + rename). */
static void
spool_put(struct spool *sp, const char *name, const char *msg)
{
	char *tmp = xasprintf("%s/%s", sp->tmpdir, name);
	char *dst = xasprintf("%s/%s", sp->newdir, name);

	write_outbox(tmp, "a@example.org", rcpt_x, msg, strlen(msg));
	assert_int_equal(rename(tmp, dst), 0);
	free(tmp);
	free(dst);
}

static void
spool_start(struct spool *sp, const struct smtp_conf *sc)
{
	sp->pid = fork();
	if (sp->pid == 0) {
		char *err = xasprintf("%s/sender.err", sp->dir);
		int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 2);
		log_init("sender", 1);
		_exit(sender_run(sc, sp->dir));
	}
	assert_true(sp->pid > 0);
}

/* Waits up to 10 s for the status to satisfy pred; false on timeout. */
static bool
spool_wait(struct spool *sp, bool (*pred)(const struct sender_status *, long),
    long arg, struct sender_status *st)
{
	double t0;

	for (t0 = now_s(); now_s() - t0 < 10; sleep_ms(20)) {
		if (sender_status_read(sp->dir, st) == 0 && pred(st, arg))
			return true;
	}
	print_message("status wait timed out: pending %llu delivered %llu "
	    "failures %llu last %ld %s\n", st->pending, st->delivered,
	    st->failures, st->last_code, st->last_text);
	return false;
}

static bool
delivered_n(const struct sender_status *st, long n)
{
	return st->delivered == (unsigned long long)n && st->pending == 0;
}

static bool
failed_n(const struct sender_status *st, long n)
{
	return st->failures >= (unsigned long long)n && st->next_retry != 0;
}

static bool
running(const struct sender_status *st, long n)
{
	(void)n;
	return st->pid != 0;
}

/* SIGTERM; asserts exit status 0 within 5 s. */
static void
spool_stop(struct spool *sp)
{
	double t0 = now_s();
	int st = 0;

	assert_int_equal(kill(sp->pid, SIGTERM), 0);
	while (waitpid(sp->pid, &st, WNOHANG) == 0 && now_s() - t0 < 5)
		sleep_ms(10);
	if (now_s() - t0 >= 5) {
		kill(sp->pid, SIGKILL);
		waitpid(sp->pid, &st, 0);
		fail_msg("sender did not stop on SIGTERM");
	}
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
spool_free(struct spool *sp)
{
	free(sp->dir);
	free(sp->newdir);
	free(sp->tmpdir);
}

static size_t
count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
test_run_delivers_in_order(void **state)
{
	struct sink s;
	struct smtp_conf sc;
	struct spool sp;
	struct sender_status st;
	char *m;
	int i;

	(void)state;
	NEED_SINK();
	sink_start(&s, NULL);
	sc = conf_for(&s);
	spool_init(&sp, "spool-order");
	/* published in reverse, delivered in name order */
	spool_put(&sp, "000000000003.msg", "Subject: three\r\n\r\n3\r\n");
	spool_put(&sp, "000000000001.msg", "Subject: one\r\n\r\n1\r\n");
	spool_put(&sp, "000000000002.msg", "Subject: two\r\n\r\n2\r\n");
	spool_start(&sp, &sc);
	assert_true(spool_wait(&sp, delivered_n, 3, &st));
	assert_int_equal(count_files(sp.newdir), 0);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.next_retry, 0);
	assert_int_equal(st.last_code, 250);
	assert_string_equal(st.last_file, "000000000003.msg");
	assert_true(st.last_success != 0 && st.last_attempt >= st.last_success);
	assert_int_equal(st.pid, sp.pid);
	for (i = 1; i <= 3; i++) {
		char name[32], subj[32];
		static const char *const words[] = { "one", "two", "three" };

		snprintf(name, sizeof(name), "mail-%03d.eml", i);
		snprintf(subj, sizeof(subj), "Subject: %s\n", words[i - 1]);
		m = sink_file(&s, name, NULL);
		assert_non_null(m);
		assert_non_null(strstr(m, subj));
		free(m);
	}

	/* idle now: a new file wakes it through inotify */
	spool_put(&sp, "000000000004.msg", "Subject: four\r\n\r\n4\r\n");
	assert_true(spool_wait(&sp, delivered_n, 4, &st));
	m = sink_file(&s, "mail-004.eml", NULL);
	assert_non_null(m);
	free(m);
	spool_stop(&sp);
	assert_int_equal(sender_status_read(sp.dir, &st), 0);
	assert_int_equal(st.pid, 0);			/* says it stopped */
	assert_int_equal(st.delivered, 4);
	sink_stop(&s);
	spool_free(&sp);
}

static void
test_run_retries_after_sigusr1(void **state)
{
	struct sink s;
	struct smtp_conf sc = { .timeout = 5, .helo = "logward-test" };
	struct spool sp;
	struct sender_status st;
	char server[64], portarg[16], *bad, *m;
	const char *extra[] = { "--fault", "stage=eod;times=1", NULL };
	int port = free_port();
	time_t before;

	(void)state;
	NEED_SINK();
	snprintf(server, sizeof(server), "127.0.0.1:%d", port);
	snprintf(portarg, sizeof(portarg), "%d", port);
	sc.server = server;
	spool_init(&sp, "spool-retry");
	spool_put(&sp, "000000000001.msg", "Subject: one\r\n\r\n1\r\n");
	bad = xasprintf("%s/000000000002.msg", sp.newdir);
	{	/* a broken file between two good ones */
		FILE *fp = fopen(bad, "w");

		fputs("not an outbox file\n\n", fp);
		fclose(fp);
	}
	spool_put(&sp, "000000000003.msg", "Subject: three\r\n\r\n3\r\n");

	/* relay down: the first file fails, everything stays */
	before = time(NULL);
	spool_start(&sp, &sc);
	assert_true(spool_wait(&sp, failed_n, 1, &st));
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.pending, 3);
	assert_int_equal(st.delivered, 0);
	assert_int_equal(st.last_code, 0);
	assert_string_equal(st.last_file, "000000000001.msg");
	assert_true(st.next_retry >= before + SENDER_BACKOFF_MIN &&
	    st.next_retry <= time(NULL) + SENDER_BACKOFF_MIN);
	assert_int_equal(count_files(sp.newdir), 3);

	/* relay up, refusing the first message once at end of data */
	assert_int_equal(sink_start_port(&s, port, extra), 0);
	assert_int_equal(kill(sp.pid, SIGUSR1), 0);
	assert_true(spool_wait(&sp, failed_n, 2, &st));
	assert_int_equal(st.last_code, 451);
	assert_non_null(strstr(st.last_text, "451 4.3.0 Injected"));
	assert_true(st.next_retry >= st.last_attempt + 2 * SENDER_BACKOFF_MIN);
	assert_int_equal(count_files(sp.newdir), 3);

	/* retry now: both good files go, the broken one moves to bad/ */
	assert_int_equal(kill(sp.pid, SIGUSR1), 0);
	assert_true(spool_wait(&sp, delivered_n, 2, &st));
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.bad, 1);
	assert_int_equal(count_files(sp.newdir), 0);
	m = xasprintf("%s/bad/000000000002.msg", sp.dir);
	assert_true(exists(m));
	free(m);
	m = sink_file(&s, "mail-001.eml", NULL);
	assert_non_null(strstr(m, "Subject: one"));
	free(m);
	m = sink_file(&s, "mail-002.eml", NULL);
	assert_non_null(strstr(m, "Subject: three"));
	free(m);
	assert_true(spool_wait(&sp, running, 0, &st));
	spool_stop(&sp);
	sink_stop(&s);
	spool_free(&sp);
	free(bad);
}

/* SIGTERM during a transfer: the sender finishes it (the relay may have
 * the message already; abandoning it would send it twice), then stops. */
static void
test_run_finishes_transfer_on_term(void **state)
{
	const char *extra[] = { "--fault", "stage=data;action=delay;seconds=2",
	    NULL };
	struct sink s;
	struct smtp_conf sc;
	struct spool sp;
	struct sender_status st;
	double t0, took;
	char *log = NULL;

	(void)state;
	NEED_SINK();
	sink_start(&s, extra);
	sc = conf_for(&s);
	sc.timeout = 60;
	spool_init(&sp, "spool-term");
	spool_put(&sp, "000000000001.msg", msg_small);
	spool_start(&sp, &sc);
	for (t0 = now_s(); now_s() - t0 < 10; sleep_ms(20)) {
		free(log);
		log = sink_file(&s, "sink.log", NULL);
		if (log != NULL && strstr(log, "RCPT <x@example.org> 250") != NULL)
			break;
	}
	assert_non_null(log);
	assert_non_null(strstr(log, "RCPT <x@example.org> 250"));
	free(log);
	sleep_ms(100);			/* now waiting for the DATA reply */
	t0 = now_s();
	spool_stop(&sp);
	took = now_s() - t0;
	assert_true(took > 1.0 && took < 5);
	assert_int_equal(sender_status_read(sp.dir, &st), 0);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.delivered, 1);
	assert_int_equal(count_files(sp.newdir), 0);	/* delivered, removed */
	sink_stop(&s);
	spool_free(&sp);
}

static void
test_status_read_missing(void **state)
{
	struct sender_status st;
	char *dir = xasprintf("%s/no-such-spool", topdir);

	(void)state;
	assert_int_equal(sender_status_read(dir, &st), -1);
	assert_int_equal(errno, ENOENT);
	free(dir);
}

/* ---- set-up ---- */

static int
group_setup(void **state)
{
	const char *src = getenv("LOGWARD_SRCDIR");
	char *const probe[] = { PYTHON, "-c", "import aiosmtpd", NULL };
	char *openssl[] = { "/usr/bin/openssl", "req", "-x509", "-newkey",
	    "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
	    "-keyout", NULL, "-out", NULL, NULL };

	(void)state;
	log_init("test_sender", 0);
	signal(SIGPIPE, SIG_IGN);
	if (smtp_init() == -1 || tu_mkdtemp(topdir, sizeof(topdir), "sender") == -1)
		return -1;
	sinkpy = xasprintf("%s/tests/lib/smtp_sink.py", src != NULL ? src : ".");
	have_sink = exists(sinkpy) && run_quiet(probe) == 0;
	if (!have_sink)
		print_message("skipping SMTP tests: %s or aiosmtpd missing\n", sinkpy);
	certfile = xasprintf("%s/cert.pem", topdir);
	keyfile = xasprintf("%s/key.pem", topdir);
	openssl[11] = keyfile;
	openssl[13] = certfile;
	have_cert = have_sink && run_quiet(openssl) == 0;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	tu_rmtree(topdir);
	free(sinkpy);
	free(certfile);
	free(keyfile);
	smtp_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_delivery),
		cmocka_unit_test(test_dot_lines_arrive_intact),
		cmocka_unit_test(test_starttls_auth),
		cmocka_unit_test(test_starttls_missing_or_refused),
		cmocka_unit_test(test_implicit_tls),
		cmocka_unit_test(test_not_listening_fails_fast),
		cmocka_unit_test(test_451_at_rcpt_data_eod),
		cmocka_unit_test(test_one_recipient_refused_fails),
		cmocka_unit_test(test_big_message_and_long_line),
		cmocka_unit_test(test_bad_envelope_and_files),
		cmocka_unit_test(test_run_delivers_in_order),
		cmocka_unit_test(test_run_retries_after_sigusr1),
		cmocka_unit_test(test_run_finishes_transfer_on_term),
		cmocka_unit_test(test_status_read_missing),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
