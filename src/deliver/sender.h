/*
 * sender — SMTP delivery of outbox files with libcurl, and the sender
 * process that drains SPOOL/new in name order.
 *
 * Outbox file (written by outbox.c, read here):
 *	LOGWARD-OUTBOX 1\n
 *	from ADDR\n			exactly once ("" allowed: null sender)
 *	rcpt ADDR\n			once per recipient, at least one
 *	queue NAME\n			optional, for messages only
 *	\n
 *	the RFC 5322 message with CRLF line ends, to the end of the file
 * Unknown "key value" lines in the envelope are ignored.
 *
 * A file leaves SPOOL/new only after the relay accepted it (2xx after
 * DATA); then it is unlinked and the directory fsynced.  A file that can
 * never be delivered (bad format, bad envelope address) is moved to
 * SPOOL/bad/ so it does not block the mails behind it.  Every other
 * failure (connect, TLS, AUTH, 4xx, 5xx, one recipient refused) keeps the
 * file and is retried with back-off.
 */
#ifndef LOGWARD_SENDER_H
#define LOGWARD_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define SENDER_MAX_RCPTS	100	/* recipients per message (RFC 5321 minimum) */
#define SENDER_ADDR_MAX		256	/* bytes of an envelope address (RFC 5321 path) */
#define SENDER_BACKOFF_MIN	5	/* seconds after the first failure */
#define SENDER_BACKOFF_MAX	900	/* cap of the doubling back-off */
#define SENDER_TIMEOUT_DEFAULT	60	/* seconds, when smtp_conf.timeout is 0 */

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
					   0 = SENDER_TIMEOUT_DEFAULT */
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

/* What SPOOL/sender.status says (for `logward status`). */
struct sender_status {
	long		 pid;		/* of the sender process */
	unsigned long long pending;	/* files in SPOOL/new at the last write */
	unsigned long long bad;		/* files in SPOOL/bad */
	unsigned long long delivered;	/* since the sender started */
	unsigned long long failures;	/* consecutive failed attempts */
	time_t		 last_attempt;	/* epoch, 0 = never */
	time_t		 last_success;	/* epoch, 0 = never */
	time_t		 next_retry;	/* epoch, 0 = no retry scheduled */
	long		 last_code;	/* SMTP code of the last attempt, 0 if none */
	char		 last_text[512]; /* its text */
	char		 last_file[256]; /* name of the file last tried */
};

/* Initialises libcurl once per process (further calls do nothing).
 * Returns 0, or -1 (logged) when libcurl cannot do SMTP. */
int	sender_init(void);
/* Releases libcurl's global state (leak checkers; end of process). */
void	sender_cleanup(void);

/* Delivers one message: envelope from (borrowed; "" = null sender) and
 * rcpts[0..nrcpt), content read from fd from its current offset to EOF
 * (bare CR or LF are sent as CRLF; libcurl dot-stuffs).  Returns 0 when
 * the relay accepted it (2xx after DATA), -1 otherwise; res is filled
 * either way.  Needs sender_init(); SIGPIPE must be ignored (CURLOPT_NOSIGNAL). */
int	sender_deliver(const struct smtp_conf *sc, const char *from,
	    char *const *rcpts, size_t nrcpt, int fd, struct smtp_result *res);

/* Parses the outbox file at path and delivers it.  Returns as
 * sender_deliver; res->permanent tells a broken file. */
int	sender_deliver_file(const struct smtp_conf *sc, const char *path,
	    struct smtp_result *res);

/* The sender process: delivers the files of SPOOL/new in name order until SIGTERM or
 * SIGINT; SIGUSR1 retries at once.  Blocks those signals, ignores SIGPIPE.
 * Writes SPOOL/sender.status after every attempt.  Returns the exit
 * status (0 after SIGTERM, 1 on a set-up or spool error, logged). */
int	sender_run(const struct smtp_conf *sc, const char *spooldir);

/* Reads SPOOL/sender.status into *st (zeroed first; unknown keys are
 * ignored).  Returns 0, or -1 with errno set (ENOENT: no sender ran yet). */
int	sender_status_read(const char *spooldir, struct sender_status *st);

#endif
