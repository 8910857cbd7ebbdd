/*
 * smtp — SMTP delivery of one message with libcurl, one connection per
 * message: envelope addresses checked, the relay's URL built from the
 * configuration, the message uploaded with bare CR/LF sent as CRLF, the
 * relay's last replies kept for the result.  sender.c drives it for the
 * outbox; `logward send-test` calls it directly.
 */
#ifndef LOGWARD_SMTP_H
#define LOGWARD_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#define SMTP_MAX_RCPTS		100	/* recipients per message (RFC 5321 minimum) */
#define SMTP_ADDR_MAX		256	/* bytes of an envelope address (RFC 5321 path) */
#define SMTP_TIMEOUT_DEFAULT	60	/* seconds, when smtp_conf.timeout is 0 */

enum smtp_tls {
	SMTP_TLS_NONE,			/* plain SMTP, never TLS */
	SMTP_TLS_STARTTLS,		/* STARTTLS required: fail if not offered */
	SMTP_TLS_TLS,			/* implicit TLS (smtps://) */
};

struct smtp_conf {
	const char	*server;	/* "host", "host:port", "[v6addr]:port" or a
					   bare v6 address; port 25, 465 with SMTP_TLS_TLS */
	enum smtp_tls	 tls;		/* see enum smtp_tls */
	const char	*user;		/* AUTH user, or NULL for no AUTH */
	const char	*password;	/* NULL = "" */
	const char	*cafile;	/* CA bundle, NULL = system default */
	const char	*capath;	/* CA directory, NULL = system default */
	bool		 tls_verify;	/* false: no peer/host verification (tests) */
	unsigned	 timeout;	/* seconds: connect, each reply, stalled upload;
					   0 = SMTP_TIMEOUT_DEFAULT */
	const char	*helo;		/* EHLO name, NULL = the host name */
};

struct smtp_result {
	long		 code;		/* the relay's final reply code: 2xx when
					   accepted, its 4xx/5xx when it refused,
					   else 0 (no reply, TLS, timeout...) */
	bool		 permanent;	/* the file/envelope is unusable: retrying
					   cannot help (set by the file and address
					   checks only, never for a relay reply) */
	char		 msg[512];	/* one line, control characters removed */
};

/* When set (by sender_run), a SIGTERM or SIGINT pending during
 * smtp_deliver() aborts the transfer. */
extern bool	smtp_abort_on_term;
/* Set when the last transfer was aborted that way; cleared by
 * smtp_deliver() and sender_deliver_file(). */
extern bool	smtp_term_aborted;

/* Initialises libcurl once per process (further calls do nothing).
 * Returns 0, or -1 (logged) when libcurl cannot do SMTP. */
int	smtp_init(void);
/* Releases libcurl's global state (leak checkers; end of process). */
void	smtp_cleanup(void);

/* Delivers one message: envelope from (borrowed; "" = null sender) and
 * rcpts[0..nrcpt), content read from fd from its current offset to EOF
 * (bare CR or LF are sent as CRLF; libcurl dot-stuffs).  Returns 0 when
 * the relay accepted it (2xx after DATA), -1 otherwise; res is filled
 * either way.  Needs smtp_init(); SIGPIPE must be ignored (CURLOPT_NOSIGNAL). */
int	smtp_deliver(const struct smtp_conf *sc, const char *from,
	    char *const *rcpts, size_t nrcpt, int fd, struct smtp_result *res);

/* Copies src into dst (size bytes) without control characters, appending
 * to what dst holds. */
void	smtp_clean_cat(char *dst, size_t size, const char *src, size_t n);
/* Formats res->msg, control characters removed. */
void	smtp_set_msg(struct smtp_result *res, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
