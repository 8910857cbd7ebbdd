/*
 * archive_path — the archive's path pattern (see archive.h): parsed once
 * into segments, literal bytes and tokens; each line expands it into the
 * fixed path buffer of struct archive, values sanitised.
 */
#include "deliver/archive_path.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deliver/archive_int.h"
#include "lib/xmem.h"

/* rsyslog's names, indexed by the (unshifted) facility number. */
static const char *const facilities[24] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6",
	"local7"
};

static const char *const severities[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"
};

static const struct {
	const char	*name;
	enum seg_kind	 kind;
} tokens[] = {
	{ "HOST", SEG_HOST }, { "PROG", SEG_PROG },
	{ "FACILITY", SEG_FACILITY }, { "LEVEL", SEG_LEVEL },
};

/* ASCII only, whatever the locale. */
static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void
add_seg(struct seg **v, size_t *n, enum seg_kind kind, const char *lit,
    size_t len)
{
	if (v == NULL)
		return;
	if (kind == SEG_LIT && *n > 0 && (*v)[*n - 1].kind == SEG_LIT) {
		struct seg *s = &(*v)[*n - 1];

		s->lit = xreallocarray(s->lit, s->len + len + 1, 1);
		memcpy(s->lit + s->len, lit, len);
		s->len += len;
		s->lit[s->len] = '\0';
		return;
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].kind = kind;
	(*v)[*n].lit = kind == SEG_LIT ? xmemdup0(lit, len) : NULL;
	(*v)[*n].len = kind == SEG_LIT ? len : 0;
	(*n)++;
}

void
archive_path_free_segs(struct seg *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].lit);
	free(v);
}

int
archive_path_parse(const char *pattern, struct seg **v, size_t *n, char *err,
    size_t errlen)
{
	const char *p = pattern, *q;
	size_t i, len;

	if (n != NULL)
		*n = 0;
	if (pattern[0] != '/') {
		snprintf(err, errlen, "'%s' is not an absolute path (it must "
		    "start with '/')", pattern);
		return -1;
	}
	len = strlen(pattern);
	if (pattern[len - 1] == '/') {
		snprintf(err, errlen, "'%s' names a directory, not a file "
		    "(add a file name, e.g. %%HOST%%.log)", pattern);
		return -1;
	}
	if (len >= PATH_MAX) {
		snprintf(err, errlen, "pattern longer than %d bytes", PATH_MAX - 1);
		return -1;
	}
	while (*p != '\0') {
		if (*p != '%') {
			q = strchr(p, '%');
			len = q != NULL ? (size_t)(q - p) : strlen(p);
			add_seg(v, n, SEG_LIT, p, len);
			p += len;
			continue;
		}
		/* A token is %NAME% with a name of two letters or more;
		 * otherwise one conversion character follows. */
		for (q = p + 1; is_alpha(*q); q++)
			;
		if (*q == '%' && q - p - 1 >= 2) {
			len = (size_t)(q - p - 1);
			for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
				if (strlen(tokens[i].name) == len &&
				    strncasecmp(tokens[i].name, p + 1, len) == 0)
					break;
			}
			if (i == sizeof(tokens) / sizeof(tokens[0])) {
				snprintf(err, errlen, "unknown token '%.*s' in "
				    "'%s' (known: %%HOST%%, %%PROG%%, "
				    "%%FACILITY%%, %%LEVEL%%)", (int)len + 2, p,
				    pattern);
				return -1;
			}
			add_seg(v, n, tokens[i].kind, NULL, 0);
			p = q + 1;
			continue;
		}
		switch (p[1]) {
		case '%':
			add_seg(v, n, SEG_LIT, "%", 1);
			break;
		case 'Y':
			add_seg(v, n, SEG_YEAR, NULL, 0);
			break;
		case 'm':
			add_seg(v, n, SEG_MONTH, NULL, 0);
			break;
		case 'd':
			add_seg(v, n, SEG_DAY, NULL, 0);
			break;
		case 'H':
			add_seg(v, n, SEG_HOUR, NULL, 0);
			break;
		case 'M':
			add_seg(v, n, SEG_MINUTE, NULL, 0);
			break;
		default:
			if (p[1] == '\0')
				snprintf(err, errlen, "'%s' ends with a lone "
				    "'%%' (write %%%% for a '%%')", pattern);
			else
				snprintf(err, errlen, "unknown conversion "
				    "'%%%c' in '%s' (known: %%Y %%m %%d %%H %%M, "
				    "%%%% for a '%%')", p[1], pattern);
			return -1;
		}
		p += 2;
	}
	return 0;
}

/* Appends a sanitised path value (see archive.h) at *o; returns -1 when
 * the path buffer is full. */
static int
put_value(char **o, char *end, const char *v, size_t len, bool lower)
{
	size_t i;

	if (v == NULL || len == 0) {
		v = "unknown";
		len = 7;
	} else if ((len == 1 && v[0] == '.') ||
	    (len == 2 && v[0] == '.' && v[1] == '.')) {
		v = "_";
		len = 1;
	}
	if (len > ARCHIVE_VALUE_MAX)
		len = ARCHIVE_VALUE_MAX;
	if ((size_t)(end - *o) <= len)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (lower && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (!is_alpha((char)c) && !(c >= '0' && c <= '9') &&
		    c != '.' && c != '_' && c != '-')
			c = '_';
		*(*o)++ = (char)c;
	}
	return 0;
}

static int
put_num(char **o, char *end, int v, int width)
{
	char tmp[16];
	int n = snprintf(tmp, sizeof(tmp), "%0*d", width, v);

	if (n < 0 || end - *o <= n)
		return -1;
	memcpy(*o, tmp, (size_t)n);
	*o += n;
	return 0;
}

static const char *
name_of(const char *const *names, int n, int i)
{
	return i >= 0 && i < n ? names[i] : "unknown";
}

ssize_t
archive_path_expand(struct archive *a, const char *host, size_t hostlen,
    const char *prog, size_t proglen, int facility, int severity)
{
	char *o = a->path, *end = a->path + sizeof(a->path);
	const char *s;
	size_t i;
	int r = 0;

	for (i = 0; i < a->nsegs && r == 0; i++) {
		const struct seg *g = &a->segs[i];

		switch (g->kind) {
		case SEG_LIT:
			if ((size_t)(end - o) <= g->len)
				return -1;
			memcpy(o, g->lit, g->len);
			o += g->len;
			break;
		case SEG_HOST:
			r = put_value(&o, end, host, hostlen, true);
			break;
		case SEG_PROG:
			r = put_value(&o, end, prog, proglen, false);
			break;
		case SEG_FACILITY:
			s = name_of(facilities, 24, facility);
			r = put_value(&o, end, s, strlen(s), false);
			break;
		case SEG_LEVEL:
			s = name_of(severities, 8, severity);
			r = put_value(&o, end, s, strlen(s), false);
			break;
		case SEG_YEAR:
			r = put_num(&o, end, a->tm.tm_year + 1900, 4);
			break;
		case SEG_MONTH:
			r = put_num(&o, end, a->tm.tm_mon + 1, 2);
			break;
		case SEG_DAY:
			r = put_num(&o, end, a->tm.tm_mday, 2);
			break;
		case SEG_HOUR:
			r = put_num(&o, end, a->tm.tm_hour, 2);
			break;
		case SEG_MINUTE:
			r = put_num(&o, end, a->tm.tm_min, 2);
			break;
		}
	}
	if (r == -1)
		return -1;
	*o = '\0';
	return o - a->path;
}
