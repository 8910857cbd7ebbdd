/*
 * sender — SMTP delivery with libcurl (one connection per message) and the
 * sender process: inotify + signalfd + poll, back-off, status file.
 */
#include "deliver/sender.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define ENVELOPE_MAX	(64 * 1024)	/* bytes of an outbox file's envelope */
#define READ_CHUNK	(64 * 1024)	/* bytes read from the message at once */
#define REPLY_MAX	256		/* bytes kept of a server reply line */
#define REPLY_KEEP	4		/* last reply lines kept */
#define RESCAN_SECONDS	300		/* safety rescan of SPOOL/new (lost events) */
#define STATUS_MAX	(16 * 1024)	/* bytes of sender.status read back */

static bool	curl_ready;
static bool	abort_on_term;		/* sender_run: pending SIGTERM/SIGINT aborts */
static bool	term_aborted;		/* the last transfer was aborted that way */

int
sender_init(void)
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
sender_cleanup(void)
{
	if (curl_ready)
		curl_global_cleanup();
	curl_ready = false;
}

/* Copies src into dst (size bytes) without control characters, appending
 * to what dst holds. */
static void
clean_cat(char *dst, size_t size, const char *src, size_t n)
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

static void
set_msg(struct smtp_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_msg(struct smtp_result *res, const char *fmt, ...)
{
	char tmp[sizeof(res->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	res->msg[0] = '\0';
	clean_cat(res->msg, sizeof(res->msg), tmp, sizeof(tmp));
}

/* Returns why a is not usable as an envelope address, or NULL. */
static const char *
addr_problem(const char *a, bool empty_ok)
{
	size_t n = strlen(a);
	const char *p;

	if (n == 0 && !empty_ok)
		return "empty address";
	if (n > SENDER_ADDR_MAX)
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
		set_msg(res, "no SMTP server configured");
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
		set_msg(res, "SMTP server \"%s\": port %s", s, errstr);
		return NULL;
	}
	if (sc->helo != NULL) {
		if (*sc->helo == '\0' || addr_problem(sc->helo, false) != NULL) {
			set_msg(res, "bad HELO name \"%s\"", sc->helo);
			return NULL;
		}
		if ((helo = curl_easy_escape(c, sc->helo, 0)) == NULL) {
			set_msg(res, "out of memory");
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
		set_msg(res, "SMTP server or HELO name too long");
		free(url);
		url = NULL;
	}
	return url;
bad:
	set_msg(res, "bad SMTP server \"%s\" (host, host:port or [v6addr]:port)", s);
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
	clean_cat(reply, REPLY_MAX, data + start, end - start);
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
	if (!abort_on_term || sigpending(&set) == -1)
		return 0;
	if (sigismember(&set, SIGTERM) == 1 || sigismember(&set, SIGINT) == 1) {
		term_aborted = true;
		return 1;
	}
	return 0;
}

int
sender_deliver(const struct smtp_conf *sc, const char *from, char *const *rcpts,
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
	long timeout = sc->timeout != 0 ? (long)sc->timeout : SENDER_TIMEOUT_DEFAULT;
	size_t i;
	int ret = -1;

	res->code = 0;
	res->permanent = false;
	res->msg[0] = '\0';
	term_aborted = false;
	if ((why = addr_problem(from, true)) != NULL) {
		set_msg(res, "refused sender address \"%s\": %s", from, why);
		res->permanent = true;
		return -1;
	}
	if (nrcpt == 0 || nrcpt > SENDER_MAX_RCPTS) {
		set_msg(res, "%zu recipients (1 to %d allowed)", nrcpt, SENDER_MAX_RCPTS);
		res->permanent = true;
		return -1;
	}
	for (i = 0; i < nrcpt; i++) {
		if ((why = addr_problem(rcpts[i], false)) != NULL) {
			set_msg(res, "refused recipient address \"%s\": %s", rcpts[i], why);
			res->permanent = true;
			return -1;
		}
	}
	if (!curl_ready) {
		set_msg(res, "sender_init() was not called");
		return -1;
	}
	if ((c = curl_easy_init()) == NULL) {
		set_msg(res, "cannot create a libcurl handle");
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
			set_msg(res, "out of memory");
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
		set_msg(res, "libcurl option: %s", curl_easy_strerror(rc));
		goto out;
	}

	rc = curl_easy_perform(c);
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->code) != CURLE_OK)
		res->code = 0;
	if (rc != CURLE_OK && res->code < 400)
		res->code = 0;		/* failed, but not by a refusal */
	reply = replies_find(rp, res->code);
	if (rc == CURLE_OK) {
		set_msg(res, "%s", reply != NULL ? reply : "accepted");
		if (rd.fixed > 0)
			log_info("sender: %llu bare CR/LF sent as CRLF", rd.fixed);
		ret = 0;
	} else if (rd.err != 0) {
		set_msg(res, "reading the message: %s", strerror(rd.err));
	} else if (term_aborted) {
		set_msg(res, "interrupted by a termination signal");
	} else if (reply != NULL && res->code != 0) {
		set_msg(res, "%s (%s)", reply,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	} else {
		set_msg(res, "%s", errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
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

/* An outbox file's envelope: pointers into an owned copy of its text. */
struct envelope {
	char		*text;		/* owned */
	char		*from;
	char		*rcpts[SENDER_MAX_RCPTS];
	size_t		 nrcpt;
	const char	*queue;		/* NULL when absent */
	off_t		 body;		/* offset of the message */
};

/* Reads and parses the envelope at the start of fd.  Returns 0, or -1
 * with res filled (res->permanent for a format error). */
static int
envelope_read(int fd, const char *path, struct envelope *e, struct smtp_result *res)
{
	char *buf = xmalloc(ENVELOPE_MAX + 1), *p, *end = NULL, *nl;
	size_t len = 0;
	unsigned line = 1;
	bool have_from = false;

	memset(e, 0, sizeof(*e));
	while (len < ENVELOPE_MAX) {
		ssize_t k = read(fd, buf + len, ENVELOPE_MAX - len);

		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1) {
			set_msg(res, "%s: %s", path, strerror(errno));
			free(buf);
			return -1;
		}
		if (k == 0)
			break;
		len += (size_t)k;
		buf[len] = '\0';
		if ((end = memmem(buf, len, "\n\n", 2)) != NULL)
			break;
	}
	buf[len] = '\0';
	res->permanent = true;
	if (end == NULL && (end = memmem(buf, len, "\n\n", 2)) == NULL) {
		set_msg(res, "%s: no envelope (blank line) in the first %d bytes; "
		    "not an outbox file", path, ENVELOPE_MAX);
		goto bad;
	}
	end[1] = '\0';
	e->body = (off_t)(end + 2 - buf);
	e->text = buf;
	nl = strchr(buf, '\n');		/* found: end[0] is '\n' */
	*nl = '\0';
	if (strcmp(buf, "LOGWARD-OUTBOX 1") != 0) {
		set_msg(res, "%s: line 1: not \"LOGWARD-OUTBOX 1\" (unknown format "
		    "or version)", path);
		goto bad;
	}
	for (p = nl + 1; *p != '\0'; p = nl + 1) {
		char *val;

		line++;
		nl = strchr(p, '\n');		/* always found: end[0] is '\n' */
		*nl = '\0';
		if ((val = strchr(p, ' ')) != NULL)
			*val++ = '\0';
		else
			val = p + strlen(p);
		if (strcmp(p, "from") == 0) {
			if (have_from) {
				set_msg(res, "%s: line %u: second \"from\"", path, line);
				goto bad;
			}
			e->from = val;
			have_from = true;
		} else if (strcmp(p, "rcpt") == 0) {
			if (e->nrcpt == SENDER_MAX_RCPTS) {
				set_msg(res, "%s: line %u: more than %d recipients",
				    path, line, SENDER_MAX_RCPTS);
				goto bad;
			}
			e->rcpts[e->nrcpt++] = val;
		} else if (strcmp(p, "queue") == 0) {
			e->queue = val;
		} else if (*p == '\0') {
			set_msg(res, "%s: line %u: empty key", path, line);
			goto bad;
		}
	}
	if (!have_from || e->nrcpt == 0) {
		set_msg(res, "%s: envelope without %s", path,
		    have_from ? "\"rcpt\"" : "\"from\"");
		goto bad;
	}
	res->permanent = false;
	return 0;
bad:
	free(buf);
	e->text = NULL;
	return -1;
}

int
sender_deliver_file(const struct smtp_conf *sc, const char *path,
    struct smtp_result *res)
{
	struct envelope e;
	int fd, ret;

	res->code = 0;
	res->permanent = false;
	res->msg[0] = '\0';
	term_aborted = false;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		set_msg(res, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (envelope_read(fd, path, &e, res) == -1) {
		close(fd);
		return -1;
	}
	if (lseek(fd, e.body, SEEK_SET) == -1) {
		set_msg(res, "%s: %s", path, strerror(errno));
		ret = -1;
	} else {
		ret = sender_deliver(sc, e.from, e.rcpts, e.nrcpt, fd, res);
		if (res->permanent) {	/* say which file */
			char tmp[sizeof(res->msg)];

			str_lcpy(tmp, res->msg, sizeof(tmp));
			set_msg(res, "%s: %s", path, tmp);
		}
	}
	free(e.text);
	close(fd);
	return ret;
}

/* ---- the sender process ---- */

struct run {
	const struct smtp_conf *sc;
	const char	*spool;
	char		*newdir;	/* owned: SPOOL/new */
	char		*baddir;	/* owned: SPOOL/bad */
	char		*status;	/* owned: SPOOL/sender.status */
	int		 newfd;		/* SPOOL/new, for fsync */
	struct sender_status st;	/* what the status file says */
	struct timespec	 retry_at;	/* CLOCK_MONOTONIC, valid when st.failures */
};

static int
bytecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the owned, sorted names of the files in dir (not dot files),
 * *n their count; NULL with *n = 0 when there are none or on error
 * (logged, *err set). */
static char **
list_dir(const char *dir, size_t *n, bool *err)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	*err = false;
	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT) {
			log_warn("sender: %s", dir);
			*err = true;
		}
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		if (*n == cap) {
			cap = cap != 0 ? cap * 2 : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(names, *n, sizeof(*names), bytecmp);
	return names;
}

static void
free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static unsigned long long
count_dir(const char *dir)
{
	size_t n;
	bool err;
	char **names = list_dir(dir, &n, &err);

	free_names(names, n);
	return n;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Writes SPOOL/sender.status atomically (temp + fsync + rename). */
static void
status_write(struct run *r)
{
	const struct sender_status *st = &r->st;
	char *tmp = xasprintf("%s.tmp", r->status);
	char file[sizeof(st->last_file)] = "";
	struct buf b;
	int fd;

	clean_cat(file, sizeof(file), st->last_file, sizeof(st->last_file));
	buf_init(&b, STATUS_MAX);
	buf_printf(&b, "version 1\npid %ld\npending %llu\nbad %llu\n"
	    "delivered %llu\nfailures %llu\nlast_attempt %lld\n"
	    "last_success %lld\nnext_retry %lld\nlast_result %ld %s\n"
	    "last_file %s\n", st->pid, st->pending, st->bad, st->delivered,
	    st->failures, (long long)st->last_attempt,
	    (long long)st->last_success, (long long)st->next_retry,
	    st->last_code, st->last_text, file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd != -1) {
		int ok = write_all(fd, buf_str(&b), b.len) == 0 && fsync(fd) == 0;

		if (close(fd) == -1 || !ok)
			fd = -1;
	}
	if (fd == -1 || rename(tmp, r->status) == -1) {
		log_warn("sender: cannot write %s", r->status);
		unlink(tmp);
	}
	buf_free(&b);
	free(tmp);
}

static bool
term_pending(void)
{
	sigset_t set;

	return sigpending(&set) == 0 &&
	    (sigismember(&set, SIGTERM) == 1 || sigismember(&set, SIGINT) == 1);
}

static void
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1 || fsync(fd) == -1)
		log_warn("sender: fsync of %s", dir);
	if (fd != -1)
		close(fd);
}

/* Moves a file that can never be delivered to SPOOL/bad.  Returns 0 or -1. */
static int
quarantine(struct run *r, const char *name)
{
	char *from = xasprintf("%s/%s", r->newdir, name);
	char *to = xasprintf("%s/%s", r->baddir, name);
	int ret = -1;

	if (mkdir(r->baddir, 0700) == -1 && errno != EEXIST)
		log_warn("sender: cannot create %s", r->baddir);
	else if (rename(from, to) == -1)
		log_warn("sender: cannot move %s to %s", from, r->baddir);
	else {
		fsync_dir(r->baddir);
		if (fsync(r->newfd) == -1)
			log_warn("sender: fsync of %s", r->newdir);
		ret = 0;
	}
	free(from);
	free(to);
	return ret;
}

enum pass { PASS_DONE, PASS_FAILED, PASS_FATAL };

static void
schedule_retry(struct run *r, time_t now)
{
	unsigned long long f = r->st.failures;
	unsigned backoff = SENDER_BACKOFF_MIN;

	while (--f > 0 && backoff < SENDER_BACKOFF_MAX)
		backoff *= 2;
	if (backoff > SENDER_BACKOFF_MAX)
		backoff = SENDER_BACKOFF_MAX;
	clock_gettime(CLOCK_MONOTONIC, &r->retry_at);
	r->retry_at.tv_sec += backoff;
	r->st.next_retry = now + backoff;
}

/* Tries every file of SPOOL/new in name order; stops at the first failure. */
static enum pass
pass(struct run *r)
{
	size_t n, i;
	bool err;
	char **names = list_dir(r->newdir, &n, &err);
	enum pass ret = PASS_DONE;

	if (err)
		return PASS_FAILED;
	r->st.pending = n;
	for (i = 0; i < n && !term_pending(); i++) {
		char *path = xasprintf("%s/%s", r->newdir, names[i]);
		struct smtp_result res;
		struct stat sb;
		time_t now;
		int rc;

		if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode)) {
			free(path);		/* gone meanwhile, or not a file */
			r->st.pending--;
			continue;
		}
		rc = sender_deliver_file(r->sc, path, &res);
		if (rc == -1 && term_aborted) {
			free(path);
			break;			/* not an attempt that failed */
		}
		now = time(NULL);
		r->st.last_attempt = now;
		r->st.last_code = res.code;
		str_lcpy(r->st.last_text, res.msg, sizeof(r->st.last_text));
		str_lcpy(r->st.last_file, names[i], sizeof(r->st.last_file));
		if (rc == 0) {
			if (unlink(path) == -1 && errno != ENOENT) {
				/* it would be sent again and again */
				log_warn("sender: %s was delivered but cannot be "
				    "removed; stopping", path);
				free(path);
				ret = PASS_FATAL;
				break;
			}
			if (fsync(r->newfd) == -1)
				log_warn("sender: fsync of %s", r->newdir);
			log_info("sender: %s delivered: %s", names[i], res.msg);
			r->st.pending--;
			r->st.delivered++;
			r->st.failures = 0;
			r->st.last_success = now;
			r->st.next_retry = 0;
		} else if (res.permanent && quarantine(r, names[i]) == 0) {
			log_warnx("sender: %s; moved to %s/ (it can never be "
			    "delivered)", res.msg, r->baddir);
			r->st.pending--;
			r->st.bad++;
		} else {
			r->st.failures++;
			schedule_retry(r, now);
			log_warnx("sender: %s not delivered: %s (failure %llu, "
			    "retry in %lld s; kill -USR1 %ld retries now)",
			    names[i], res.msg, r->st.failures,
			    (long long)(r->st.next_retry - now), r->st.pid);
			ret = PASS_FAILED;
		}
		status_write(r);
		free(path);
		if (ret != PASS_DONE)
			break;
	}
	free_names(names, n);
	return ret;
}

/* Milliseconds until the retry is due, at least 0. */
static int
ms_until(const struct timespec *at)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(at->tv_sec - now.tv_sec) * 1000 +
	    (at->tv_nsec - now.tv_nsec) / 1000000 + 1;
	return ms < 0 ? 0 : ms > 1000LL * SENDER_BACKOFF_MAX ?
	    1000 * SENDER_BACKOFF_MAX : (int)ms;
}

/* Reads what woke us.  Returns -1 on SIGTERM/SIGINT, 1 when a pass is due
 * at once (SIGUSR1), 0 otherwise. */
static int
read_signals(int sigfd)
{
	struct signalfd_siginfo si;
	int ret = 0;

	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_info("sender: signal %u, stopping", si.ssi_signo);
			return -1;
		}
		if (si.ssi_signo == SIGUSR1) {
			log_info("sender: SIGUSR1, retrying now");
			ret = 1;
		}
	}
	return ret;
}

/* Drains the inotify queue; returns true when anything happened. */
static bool
read_events(int inofd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;

	while (read(inofd, buf, sizeof(buf)) > 0)
		any = true;
	return any;
}

int
sender_run(const struct smtp_conf *sc, const char *spooldir)
{
	struct run r = { .sc = sc, .spool = spooldir, .newfd = -1 };
	sigset_t set, old;
	int sigfd = -1, inofd = -1, ret = 1;
	bool due = true;

	if (sender_init() == -1)
		return 1;
	r.newdir = xasprintf("%s/new", spooldir);
	r.baddir = xasprintf("%s/bad", spooldir);
	r.status = xasprintf("%s/sender.status", spooldir);
	r.st.pid = (long)getpid();

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);	/* the daemon's reload: not ours */
	if (sigprocmask(SIG_BLOCK, &set, &old) == -1) {
		log_warn("sender: sigprocmask");
		goto out_mask;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		log_warn("sender: signalfd");
		goto out;
	}
	if ((r.newfd = open(r.newdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_warn("sender: %s", r.newdir);
		goto out;
	}
	/* one sender per spool: a second one (say, left over from a daemon
	 * that was killed) would deliver the same files twice */
	if (flock(r.newfd, LOCK_EX | LOCK_NB) == -1) {
		log_info("sender: waiting for the previous sender of %s to end",
		    spooldir);
		if (flock(r.newfd, LOCK_EX) == -1) {
			log_warn("sender: lock %s", r.newdir);
			goto out;
		}
	}
	if ((inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(inofd, r.newdir,
	    IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR) == -1) {
		log_warn("sender: inotify on %s", r.newdir);
		goto out;
	}
	r.st.pending = count_dir(r.newdir);
	r.st.bad = count_dir(r.baddir);
	if (r.st.bad > 0)
		log_warnx("sender: %llu undeliverable file(s) in %s",
		    r.st.bad, r.baddir);
	status_write(&r);
	/* SIGTERM (the daemon stopping, reloading or killed: the parent-death
	 * signal) does NOT abort a transfer in progress: the relay may have
	 * the message already, and abandoning it would make the next sender
	 * send it again.  The transfer is bounded by the SMTP timeouts; the
	 * next sender waits for the spool lock meanwhile. */
	abort_on_term = false;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = sigfd, .events = POLLIN },
			{ .fd = inofd, .events = POLLIN },
		};
		int timeout, k;

		if (due && !term_pending()) {
			due = false;
			if (pass(&r) == PASS_FATAL)
				goto out;
		}
		timeout = r.st.failures > 0 ? ms_until(&r.retry_at) :
		    RESCAN_SECONDS * 1000;
		k = poll(pfd, 2, timeout);
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1) {
			log_warn("sender: poll");
			goto out;
		}
		if (k == 0) {
			due = true;	/* retry time, or the safety rescan */
			continue;
		}
		if (pfd[0].revents & POLLIN) {
			int s = read_signals(sigfd);

			if (s == -1)
				break;
			if (s == 1)
				due = true;
		}
		if ((pfd[1].revents & POLLIN) && read_events(inofd)) {
			if (r.st.failures == 0) {
				due = true;
			} else {	/* in back-off: just keep "pending" true */
				unsigned long long p = count_dir(r.newdir);

				if (p != r.st.pending) {
					r.st.pending = p;
					status_write(&r);
				}
			}
		}
	}
	ret = 0;
out:
	abort_on_term = false;
	r.st.pid = 0;			/* not running any more */
	r.st.pending = count_dir(r.newdir);
	status_write(&r);
	if (inofd != -1)
		close(inofd);
	if (sigfd != -1)
		close(sigfd);
	if (r.newfd != -1)
		close(r.newfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
out_mask:
	free(r.newdir);
	free(r.baddir);
	free(r.status);
	return ret;
}

static int
parse_ll(const char *v, long long *out)
{
	const char *errstr;

	return str_tonum(v, LLONG_MIN, LLONG_MAX, out, &errstr);
}

int
sender_status_read(const char *spooldir, struct sender_status *st)
{
	char *path = xasprintf("%s/sender.status", spooldir);
	char *buf = xmalloc(STATUS_MAX + 1), *p, *nl;
	ssize_t len = 0, k;
	int fd, saved;

	memset(st, 0, sizeof(*st));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	saved = errno;
	free(path);
	if (fd == -1) {
		free(buf);
		errno = saved;
		return -1;
	}
	while (len < STATUS_MAX &&
	    ((k = read(fd, buf + len, (size_t)(STATUS_MAX - len))) > 0 ||
	    (k == -1 && errno == EINTR)))
		if (k > 0)
			len += k;
	close(fd);
	buf[len] = '\0';
	for (p = buf; *p != '\0'; p = nl + 1) {
		char *val;
		long long v = 0;

		if ((nl = strchr(p, '\n')) == NULL)
			break;			/* a cut last line */
		*nl = '\0';
		if ((val = strchr(p, ' ')) == NULL)
			continue;
		*val++ = '\0';
		if (strcmp(p, "last_file") == 0) {
			str_lcpy(st->last_file, val, sizeof(st->last_file));
		} else if (strcmp(p, "last_result") == 0) {
			char *text = strchr(val, ' ');

			if (text != NULL)
				*text++ = '\0';
			if (parse_ll(val, &v) == 0)
				st->last_code = (long)v;
			str_lcpy(st->last_text, text != NULL ? text : "",
			    sizeof(st->last_text));
		} else if (parse_ll(val, &v) == 0) {
			if (strcmp(p, "pid") == 0)
				st->pid = (long)v;
			else if (strcmp(p, "pending") == 0)
				st->pending = (unsigned long long)v;
			else if (strcmp(p, "bad") == 0)
				st->bad = (unsigned long long)v;
			else if (strcmp(p, "delivered") == 0)
				st->delivered = (unsigned long long)v;
			else if (strcmp(p, "failures") == 0)
				st->failures = (unsigned long long)v;
			else if (strcmp(p, "last_attempt") == 0)
				st->last_attempt = (time_t)v;
			else if (strcmp(p, "last_success") == 0)
				st->last_success = (time_t)v;
			else if (strcmp(p, "next_retry") == 0)
				st->next_retry = (time_t)v;
		}
	}
	free(buf);
	return 0;
}
