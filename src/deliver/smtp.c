/*
 * smtp — SMTP delivery of one message with libcurl (one connection per
 * message): the relay's URL, the envelope, the upload and the replies.
 */
#include "deliver/smtp.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define READ_CHUNK	(64 * 1024)	/* bytes read from the message at once */
#define REPLY_MAX	256		/* bytes kept of a server reply line */
#define REPLY_KEEP	4		/* last reply lines kept */

static bool	curl_ready;
bool		smtp_abort_on_term;	/* see smtp.h */
bool		smtp_term_aborted;

int
smtp_init(void)
{
	const curl_version_info_data *vi;
	bool smtp = false;
	size_t i;

	if (curl_ready)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("sender: cannot initialise libcurl");
		return -1;
	}
	vi = curl_version_info(CURLVERSION_NOW);
	for (i = 0; vi->protocols[i] != NULL; i++)
		if (strcmp(vi->protocols[i], "smtp") == 0)
			smtp = true;
	if (!smtp) {
		log_warnx("sender: libcurl %s was built without SMTP", vi->version);
		curl_global_cleanup();
		return -1;
	}
	curl_ready = true;
	return 0;
}

void
smtp_cleanup(void)
{
	if (curl_ready)
		curl_global_cleanup();
	curl_ready = false;
}

void
smtp_clean_cat(char *dst, size_t size, const char *src, size_t n)
{
	size_t o = strlen(dst);
	size_t i;

	for (i = 0; i < n && src[i] != '\0' && o + 1 < size; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c >= 0x20 && c != 0x7f)
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
}

void
smtp_set_msg(struct smtp_result *res, const char *fmt, ...)
{
	char tmp[sizeof(res->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	res->msg[0] = '\0';
	smtp_clean_cat(res->msg, sizeof(res->msg), tmp, sizeof(tmp));
}

/* Returns why a is not usable as an envelope address, or NULL. */
static const char *
addr_problem(const char *a, bool empty_ok)
{
	size_t n = strlen(a);
	const char *p;

	if (n == 0 && !empty_ok)
		return "empty address";
	if (n > SMTP_ADDR_MAX)
		return "address too long";
	for (p = a; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\r' || c == '\n')
			return "CR or LF in address";
		if (c < 0x20 || c == 0x7f)
			return "control character in address";
		if (c == ' ')
			return "blank in address";
		if (c == '<' || c == '>')
			return "'<' or '>' in address";
	}
	return NULL;
}

/* Builds scheme://host:port/HELO from sc into an owned string, or returns
 * NULL with the reason in res. */
static char *
make_url(CURL *c, const struct smtp_conf *sc, struct smtp_result *res)
{
	const char *s = sc->server, *host, *portstr = NULL, *end, *p;
	size_t hostlen;
	bool v6 = false;
	long long port = sc->tls == SMTP_TLS_TLS ? 465 : 25;
	const char *errstr;
	struct buf b;
	char *helo = NULL, *url;

	if (s == NULL || *s == '\0') {
		smtp_set_msg(res, "no SMTP server configured");
		return NULL;
	}
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL)
			goto bad;
		host = s + 1;
		hostlen = (size_t)(end - host);
		v6 = true;
		if (end[1] == ':')
			portstr = end + 2;
		else if (end[1] != '\0')
			goto bad;
	} else if ((end = strchr(s, ':')) != NULL && strchr(end + 1, ':') != NULL) {
		host = s;			/* a bare IPv6 address */
		hostlen = strlen(s);
		v6 = true;
	} else {
		host = s;
		hostlen = end != NULL ? (size_t)(end - s) : strlen(s);
		if (end != NULL)
			portstr = end + 1;
	}
	if (hostlen == 0 || hostlen > 255)
		goto bad;
	for (p = host; p < host + hostlen; p++) {
		unsigned char ch = (unsigned char)*p;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
		    (ch == '_' && !v6) || (v6 && (ch == ':' || ch == '%')))
			continue;
		goto bad;
	}
	if (portstr != NULL && str_tonum(portstr, 1, 65535, &port, &errstr) == -1) {
		smtp_set_msg(res, "SMTP server \"%s\": port %s", s, errstr);
		return NULL;
	}
	if (sc->helo != NULL) {
		if (*sc->helo == '\0' || addr_problem(sc->helo, false) != NULL) {
			smtp_set_msg(res, "bad HELO name \"%s\"", sc->helo);
			return NULL;
		}
		if ((helo = curl_easy_escape(c, sc->helo, 0)) == NULL) {
			smtp_set_msg(res, "out of memory");
			return NULL;
		}
	}
	buf_init(&b, 4096);
	buf_addstr(&b, sc->tls == SMTP_TLS_TLS ? "smtps://" : "smtp://");
	if (v6)
		buf_addc(&b, '[');
	for (p = host; p < host + hostlen; p++) {
		if (*p == '%')			/* zone id: "%25" in a URL */
			buf_addstr(&b, "%25");
		else
			buf_addc(&b, *p);
	}
	if (v6)
		buf_addc(&b, ']');
	buf_printf(&b, ":%lld/%s", port, helo != NULL ? helo : "");
	curl_free(helo);
	url = buf_steal(&b);
	if (*url == '\0') {		/* the buffer's cap was passed */
		smtp_set_msg(res, "SMTP server or HELO name too long");
		free(url);
		url = NULL;
	}
	return url;
bad:
	smtp_set_msg(res, "bad SMTP server \"%s\" (host, host:port or [v6addr]:port)", s);
	return NULL;
}

/* Streams the message from fd to libcurl, turning a bare CR or LF into
 * CRLF (so that curl's dot-stuffing, which looks at CRLF, sees every line
 * and no relay can read a lone "\n.\n" as the end of data). */
struct reader {
	int		 fd;
	char		*buf;		/* READ_CHUNK bytes, owned */
	size_t		 len;		/* bytes in buf */
	size_t		 off;		/* next byte of buf to send */
	bool		 eof;
	bool		 prev_cr;	/* the last byte sent was a CR */
	char		 owe;		/* byte to send before anything else, or 0 */
	int		 err;		/* errno of a failed read, 0 if none */
	unsigned long long fixed;	/* bare CR/LF sent as CRLF */
	unsigned long long bytes;	/* bytes read from fd */
};

static size_t
read_cb(char *out, size_t size, size_t nitems, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nitems, o = 0;

	while (o < n) {
		char c;

		if (r->owe != 0) {
			out[o++] = r->owe;
			r->owe = 0;
			continue;
		}
		if (r->off == r->len) {
			ssize_t k;

			if (r->eof)
				break;
			k = read(r->fd, r->buf, READ_CHUNK);
			if (k == -1 && errno == EINTR)
				continue;
			if (k == -1) {
				r->err = errno;
				return CURL_READFUNC_ABORT;
			}
			if (k == 0) {
				r->eof = true;
				if (r->prev_cr) {
					r->prev_cr = false;
					r->owe = '\n';
					r->fixed++;
				}
				continue;
			}
			r->len = (size_t)k;
			r->off = 0;
			r->bytes += (unsigned long long)k;
			continue;
		}
		c = r->buf[r->off++];
		if (r->prev_cr) {
			r->prev_cr = false;
			if (c == '\n') {
				out[o++] = '\n';
				continue;
			}
			out[o++] = '\n';	/* bare CR: complete it, then redo c */
			r->fixed++;
			r->off--;
			continue;
		}
		if (c == '\r') {
			out[o++] = '\r';
			r->prev_cr = true;
		} else if (c == '\n') {
			out[o++] = '\r';
			r->owe = '\n';
			r->fixed++;
		} else {
			out[o++] = c;
		}
	}
	return o;
}

/* The last lines the server sent: after a refusal curl still sends QUIT,
 * so the refusal is not always the very last line. */
struct replies {
	char		 line[REPLY_KEEP][REPLY_MAX];
	unsigned	 n;		/* lines seen; the last is line[(n-1) % KEEP] */
};

/* Returns the latest reply line starting with code (any line when code
 * is 0), or NULL. */
static const char *
replies_find(const struct replies *rp, long code)
{
	char want[8];
	unsigned i;

	snprintf(want, sizeof(want), "%03ld", code);
	for (i = 0; i < REPLY_KEEP && i < rp->n; i++) {
		const char *l = rp->line[(rp->n - 1 - i) % REPLY_KEEP];

		if (code == 0 || strncmp(l, want, 3) == 0)
			return l;
	}
	return NULL;
}

/* Keeps the lines the server sent (CURLINFO_HEADER_IN); passes curl's
 * informational text to log_debug.  Never logs what we send (AUTH). */
static int
debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	struct replies *rp = arg;
	char *reply;
	size_t end = size, start;

	(void)c;
	if (type != CURLINFO_HEADER_IN && type != CURLINFO_TEXT)
		return 0;
	while (end > 0 && (data[end - 1] == '\r' || data[end - 1] == '\n'))
		end--;
	if (end == 0)
		return 0;
	if (type == CURLINFO_TEXT) {
		log_debug("sender: curl: %.*s", (int)end, data);
		return 0;
	}
	start = end;
	while (start > 0 && data[start - 1] != '\n')
		start--;
	reply = rp->line[rp->n++ % REPLY_KEEP];
	reply[0] = '\0';
	smtp_clean_cat(reply, REPLY_MAX, data + start, end - start);
	log_debug("sender: < %s", reply);
	return 0;
}

static int
progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	sigset_t set;

	(void)arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (!smtp_abort_on_term || sigpending(&set) == -1)
		return 0;
	if (sigismember(&set, SIGTERM) == 1 || sigismember(&set, SIGINT) == 1) {
		smtp_term_aborted = true;
		return 1;
	}
	return 0;
}

int
smtp_deliver(const struct smtp_conf *sc, const char *from, char *const *rcpts,
    size_t nrcpt, int fd, struct smtp_result *res)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct replies *rp = NULL;
	const char *reply;
	struct reader rd = { .fd = fd };
	struct curl_slist *list = NULL, *l;
	const char *why;
	char *url = NULL, *mailfrom = NULL;
	CURL *c = NULL;
	CURLcode rc = CURLE_OK;
	long timeout = sc->timeout != 0 ? (long)sc->timeout : SMTP_TIMEOUT_DEFAULT;
	size_t i;
	int ret = -1;

	res->code = 0;
	res->permanent = false;
	res->msg[0] = '\0';
	smtp_term_aborted = false;
	if ((why = addr_problem(from, true)) != NULL) {
		smtp_set_msg(res, "refused sender address \"%s\": %s", from, why);
		res->permanent = true;
		return -1;
	}
	if (nrcpt == 0 || nrcpt > SMTP_MAX_RCPTS) {
		smtp_set_msg(res, "%zu recipients (1 to %d allowed)", nrcpt, SMTP_MAX_RCPTS);
		res->permanent = true;
		return -1;
	}
	for (i = 0; i < nrcpt; i++) {
		if ((why = addr_problem(rcpts[i], false)) != NULL) {
			smtp_set_msg(res, "refused recipient address \"%s\": %s", rcpts[i], why);
			res->permanent = true;
			return -1;
		}
	}
	if (!curl_ready) {
		smtp_set_msg(res, "sender_init() was not called");
		return -1;
	}
	if ((c = curl_easy_init()) == NULL) {
		smtp_set_msg(res, "cannot create a libcurl handle");
		return -1;
	}
	rp = xcalloc(1, sizeof(*rp));
	if ((url = make_url(c, sc, res)) == NULL)
		goto out;
	mailfrom = xasprintf("<%s>", from);
	for (i = 0; i < nrcpt; i++) {
		char *a = xasprintf("<%s>", rcpts[i]);

		l = curl_slist_append(list, a);
		free(a);
		if (l == NULL) {
			smtp_set_msg(res, "out of memory");
			goto out;
		}
		list = l;
	}
	rd.buf = xmalloc(READ_CHUNK);

#define SET(opt, val) do {						\
		if (rc == CURLE_OK)					\
			rc = curl_easy_setopt(c, opt, val);		\
	} while (0)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_FORBID_REUSE, 1L);
	SET(CURLOPT_MAIL_FROM, mailfrom);
	SET(CURLOPT_MAIL_RCPT, list);	/* no ALLLOWFAILS: one refusal fails all */
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, read_cb);
	SET(CURLOPT_READDATA, &rd);
	SET(CURLOPT_CONNECTTIMEOUT, timeout);
	SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, timeout);
	SET(CURLOPT_VERBOSE, 1L);	/* only to feed debug_cb */
	SET(CURLOPT_DEBUGFUNCTION, debug_cb);
	SET(CURLOPT_DEBUGDATA, rp);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, progress_cb);
	SET(CURLOPT_USE_SSL, (long)(sc->tls == SMTP_TLS_NONE ?
	    CURLUSESSL_NONE : CURLUSESSL_ALL));
	if (sc->tls != SMTP_TLS_NONE) {
		SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
		SET(CURLOPT_SSL_VERIFYPEER, sc->tls_verify ? 1L : 0L);
		SET(CURLOPT_SSL_VERIFYHOST, sc->tls_verify ? 2L : 0L);
		if (sc->cafile != NULL)
			SET(CURLOPT_CAINFO, sc->cafile);
		if (sc->capath != NULL)
			SET(CURLOPT_CAPATH, sc->capath);
	}
	if (sc->user != NULL) {
		SET(CURLOPT_USERNAME, sc->user);
		SET(CURLOPT_PASSWORD, sc->password != NULL ? sc->password : "");
		SET(CURLOPT_SASL_IR, 1L);
	}
#undef SET
	if (rc != CURLE_OK) {
		smtp_set_msg(res, "libcurl option: %s", curl_easy_strerror(rc));
		goto out;
	}

	rc = curl_easy_perform(c);
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->code) != CURLE_OK)
		res->code = 0;
	if (rc != CURLE_OK && res->code < 400)
		res->code = 0;		/* failed, but not by a refusal */
	reply = replies_find(rp, res->code);
	if (rc == CURLE_OK) {
		smtp_set_msg(res, "%s", reply != NULL ? reply : "accepted");
		if (rd.fixed > 0)
			log_info("sender: %llu bare CR/LF sent as CRLF", rd.fixed);
		ret = 0;
	} else if (rd.err != 0) {
		smtp_set_msg(res, "reading the message: %s", strerror(rd.err));
	} else if (smtp_term_aborted) {
		smtp_set_msg(res, "interrupted by a termination signal");
	} else if (reply != NULL && res->code != 0) {
		smtp_set_msg(res, "%s (%s)", reply,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	} else {
		smtp_set_msg(res, "%s", errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	}
out:
	curl_easy_cleanup(c);
	curl_slist_free_all(list);
	free(rp);
	free(rd.buf);
	free(mailfrom);
	free(url);
	return ret;
}
