/*
 * lcconf — logcheck.conf's assignments and logcheck's logfiles lists,
 * read without running anything (see lcconf.h).
 */
#include "conf/lcconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/xmem.h"

#define LCCONF_MAX	(1024 * 1024)	/* bytes of logcheck.conf read */

/* The reader over the file's text. */
struct lx {
	struct lcconf	*lc;
	const char	*name;		/* file name, for warnings */
	const char	*p, *end;
	int		 line;
};

/* How a word ended up. */
enum word {
	WORD_OK,
	WORD_DATE,			/* exactly $(date +FORMAT): buf holds FORMAT */
	WORD_CMD,			/* another command substitution: not run */
	WORD_BAD,			/* unterminated quote */
};

static void
warn(struct lx *x, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
warn(struct lx *x, int line, const char *fmt, ...)
{
	struct lcconf *lc = x->lc;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lc->warnings = xreallocarray(lc->warnings, lc->nwarnings + 1,
	    sizeof(*lc->warnings));
	lc->warnings[lc->nwarnings++] = xasprintf("%s:%d: warning: %s",
	    x->name, line, msg);
}

static bool
name_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
name_char(int c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

static const char *
lookup(const struct lcconf *lc, const char *name, size_t len)
{
	char key[128];
	const struct lcconf_var *v;

	if (len >= sizeof(key))
		return "";
	memcpy(key, name, len);
	key[len] = '\0';
	if ((v = lcconf_get(lc, key)) != NULL)
		return v->value;
	return getenv(key) != NULL ? getenv(key) : "";
}

/* $NAME or ${NAME} at x->p (after the '$'): appends the value. */
static void
expand(struct lx *x, struct buf *b)
{
	const char *s = x->p;

	if (s < x->end && *s == '{') {
		const char *close = memchr(s, '}', (size_t)(x->end - s));

		if (close != NULL) {
			buf_addstr(b, lookup(x->lc, s + 1, (size_t)(close - s - 1)));
			x->p = close + 1;
			return;
		}
	}
	if (s < x->end && name_start((unsigned char)*s)) {
		while (s < x->end && name_char((unsigned char)*s))
			s++;
		buf_addstr(b, lookup(x->lc, x->p, (size_t)(s - x->p)));
		x->p = s;
		return;
	}
	buf_addc(b, '$');	/* a lone '$' is itself */
}

static enum word parse_word(struct lx *x, struct buf *b, bool *cmd);

/* A command substitution's text [s, e): "date +FORMAT" sets *fmt (owned). */
static bool
date_format(struct lx *x, const char *s, const char *e, char **fmt)
{
	struct lx sub = { x->lc, x->name, s, e, x->line };
	struct buf w;
	bool cmd = false, ok;

	buf_init(&w, 4096);
	while (sub.p < sub.end && (*sub.p == ' ' || *sub.p == '\t'))
		sub.p++;
	ok = parse_word(&sub, &w, &cmd) == WORD_OK && !cmd &&
	    strcmp(buf_str(&w), "date") == 0;
	buf_reset(&w);
	while (ok && sub.p < sub.end && (*sub.p == ' ' || *sub.p == '\t'))
		sub.p++;
	ok = ok && parse_word(&sub, &w, &cmd) == WORD_OK && !cmd &&
	    buf_str(&w)[0] == '+';
	while (ok && sub.p < sub.end && (*sub.p == ' ' || *sub.p == '\t' ||
	    *sub.p == '\n'))
		sub.p++;
	ok = ok && sub.p == sub.end;
	if (ok)
		*fmt = xstrdup(buf_str(&w) + 1);
	buf_free(&w);
	return ok;
}

/* The end of a $( ... ) or ` ... ` starting at x->p (after the opener):
 * returns a pointer to the closing byte, or NULL. */
static const char *
subst_end(struct lx *x, char close)
{
	const char *s = x->p;
	int depth = 0;
	char q = 0;

	for (; s < x->end; s++) {
		if (*s == '\\' && s + 1 < x->end && q != '\'') {
			s++;
			continue;
		}
		if (q != 0) {
			if (*s == q)
				q = 0;
			continue;
		}
		if (*s == '\'' || *s == '"')
			q = *s;
		else if (close == ')' && *s == '(')
			depth++;
		else if (*s == close && depth-- == 0)
			return s;
	}
	return NULL;
}

/* A command substitution at x->p (after "$(" or "`"): never run. */
static enum word
subst(struct lx *x, struct buf *b, char close, bool *cmd)
{
	const char *e = subst_end(x, close), *nl;
	char *fmt = NULL;
	bool whole = b->len == 0;

	if (e == NULL)
		return WORD_BAD;
	for (nl = x->p; nl < e; nl++)
		if (*nl == '\n')
			x->line++;
	*cmd = true;
	if (whole && date_format(x, x->p, e, &fmt)) {
		buf_reset(b);
		buf_addstr(b, fmt);
		free(fmt);
		x->p = e + 1;
		return WORD_DATE;
	}
	x->p = e + 1;
	return WORD_CMD;
}

/* One shell word at x->p into b (quotes removed, variables expanded).
 * *cmd is set when it held a command substitution. */
static enum word
parse_word(struct lx *x, struct buf *b, bool *cmd)
{
	enum word res = WORD_OK, r;

	while (x->p < x->end) {
		char c = *x->p;

		if (c == ' ' || c == '\t' || c == '\n' || c == ';')
			break;
		if (res == WORD_DATE)
			res = WORD_CMD;	/* "$(date +F)x": not the date alone */
		if (c == '\\') {
			if (x->p + 1 < x->end && x->p[1] == '\n')
				x->line++;
			else if (x->p + 1 < x->end)
				buf_addc(b, x->p[1]);
			x->p += 2;
		} else if (c == '\'') {
			const char *q = memchr(x->p + 1, '\'',
			    (size_t)(x->end - x->p - 1));

			if (q == NULL)
				return WORD_BAD;
			for (const char *s = x->p + 1; s < q; s++)
				x->line += *s == '\n';
			buf_add(b, x->p + 1, (size_t)(q - x->p - 1));
			x->p = q + 1;
		} else if (c == '"') {
			x->p++;
			for (;;) {
				if (x->p >= x->end)
					return WORD_BAD;
				c = *x->p;
				if (c == '"') {
					x->p++;
					break;
				}
				if (c == '\\' && x->p + 1 < x->end &&
				    strchr("$`\"\\\n", x->p[1]) != NULL) {
					if (x->p[1] == '\n')
						x->line++;
					else
						buf_addc(b, x->p[1]);
					x->p += 2;
				} else if (c == '$' && x->p + 1 < x->end &&
				    x->p[1] == '(') {
					x->p += 2;
					if ((r = subst(x, b, ')', cmd)) == WORD_BAD)
						return r;
					res = r;
				} else if (c == '`') {
					x->p++;
					if ((r = subst(x, b, '`', cmd)) == WORD_BAD)
						return r;
					res = r;
				} else if (c == '$') {
					x->p++;
					expand(x, b);
				} else {
					x->line += c == '\n';
					buf_addc(b, c);
					x->p++;
				}
			}
		} else if (c == '$' && x->p + 1 < x->end && x->p[1] == '(') {
			x->p += 2;
			if ((r = subst(x, b, ')', cmd)) == WORD_BAD)
				return r;
			res = r;
		} else if (c == '`') {
			x->p++;
			if ((r = subst(x, b, '`', cmd)) == WORD_BAD)
				return r;
			res = r;
		} else if (c == '$') {
			x->p++;
			expand(x, b);
		} else {
			buf_addc(b, c);
			x->p++;
		}
	}
	return res;
}

static void
set_var(struct lcconf *lc, const char *name, size_t nlen, const char *value,
    bool date, int line)
{
	struct lcconf_var *v;

	lc->vars = xreallocarray(lc->vars, lc->nvars + 1, sizeof(*lc->vars));
	v = &lc->vars[lc->nvars++];
	v->name = xmemdup0(name, nlen);
	v->value = xstrdup(value);
	v->date_fmt = date;
	v->line = line;
}

/* Skips the rest of a command: to the end of the line (quotes and
 * backslash-newlines followed). */
static void
skip_command(struct lx *x)
{
	struct buf junk;
	bool cmd;

	buf_init(&junk, SIZE_MAX / 4);
	while (x->p < x->end && *x->p != '\n' && *x->p != ';') {
		if (*x->p == ' ' || *x->p == '\t') {
			x->p++;
			continue;
		}
		if (parse_word(x, &junk, &cmd) == WORD_BAD) {
			x->p = x->end;
			break;
		}
		buf_reset(&junk);
	}
	buf_free(&junk);
}

void
lcconf_parse(struct lcconf *lc, const char *name, const char *text,
    size_t len)
{
	struct lx x = { lc, name, text, text + len, 1 };
	struct buf val;
	bool word_start = true;

	memset(lc, 0, sizeof(*lc));
	lc->path = xstrdup(name);
	buf_init(&val, LCCONF_MAX);
	while (x.p < x.end) {
		const char *s = x.p, *eq;
		int line = x.line;
		enum word w;
		bool cmd = false;

		if (*s == ' ' || *s == '\t') {
			x.p++;
			continue;
		}
		if (*s == '\n' || *s == ';') {
			x.line += *s == '\n';
			x.p++;
			word_start = true;
			continue;
		}
		if (*s == '#') {
			while (x.p < x.end && *x.p != '\n')
				x.p++;
			continue;
		}
		for (eq = s; eq < x.end && name_char((unsigned char)*eq); eq++)
			;
		if (word_start && eq < x.end && (*eq == ' ' || *eq == '\t') &&
		    ((eq - s == 6 && strncmp(s, "export", 6) == 0) ||
		    (eq - s == 8 && strncmp(s, "readonly", 8) == 0) ||
		    (eq - s == 7 && strncmp(s, "declare", 7) == 0))) {
			x.p = eq;	/* export NAME=VALUE: the assignment */
			continue;
		}
		if (!name_start((unsigned char)*s) || eq >= x.end || *eq != '=') {
			warn(&x, line, "not a variable assignment: ignored "
			    "(logward reads the assignments of logcheck.conf, "
			    "it never runs it)");
			skip_command(&x);
			continue;
		}
		x.p = eq + 1;
		buf_reset(&val);
		w = parse_word(&x, &val, &cmd);
		if (w == WORD_BAD) {
			warn(&x, line, "unterminated quote or command "
			    "substitution: the rest of the file is ignored");
			break;
		}
		if (w == WORD_CMD) {
			warn(&x, line, "%.*s: a command substitution is not run "
			    "(only DATE=\"$(date +FORMAT)\" is understood); the "
			    "default value is kept", (int)(eq - s), s);
			continue;
		}
		if (w == WORD_DATE && !(eq - s == 4 && strncmp(s, "DATE", 4) == 0)) {
			warn(&x, line, "%.*s: $(date ...) is understood for DATE "
			    "only; the default value is kept", (int)(eq - s), s);
			continue;
		}
		set_var(lc, s, (size_t)(eq - s), buf_str(&val), w == WORD_DATE,
		    line);
		word_start = false;
	}
	buf_free(&val);
}

int
lcconf_load(struct lcconf *lc, const char *path)
{
	struct buf b;
	char tmp[65536];
	ssize_t n;
	int fd, e;

	memset(lc, 0, sizeof(*lc));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		e = errno;
		lc->path = xstrdup(path);
		errno = e;
		return -1;
	}
	buf_init(&b, LCCONF_MAX);
	while ((n = read(fd, tmp, sizeof(tmp))) > 0 ||
	    (n == -1 && errno == EINTR))
		if (n > 0 && buf_add(&b, tmp, (size_t)n) == -1)
			break;
	e = errno;
	close(fd);
	if (n == -1) {
		buf_free(&b);
		lc->path = xstrdup(path);
		errno = e;
		return -1;
	}
	lcconf_parse(lc, path, buf_str(&b), b.len);
	buf_free(&b);
	return 0;
}

const struct lcconf_var *
lcconf_get(const struct lcconf *lc, const char *name)
{
	size_t i;

	for (i = lc->nvars; i-- > 0;)
		if (strcmp(lc->vars[i].name, name) == 0)
			return &lc->vars[i];
	return NULL;
}

bool
lcconf_int(struct lcconf *lc, const char *name, long *out)
{
	const struct lcconf_var *v = lcconf_get(lc, name);
	char *end;
	long n;

	if (v == NULL)
		return false;
	errno = 0;
	n = strtol(v->value, &end, 10);
	if (v->value[0] == '\0' || *end != '\0' || errno != 0) {
		struct lx x = { lc, lc->path != NULL ? lc->path : "logcheck.conf",
		    NULL, NULL, v->line };

		warn(&x, v->line, "%s=\"%s\" is not a number (logcheck's "
		    "[ \"$%s\" -eq 1 ] fails too); the default is kept", name,
		    v->value, name);
		return false;
	}
	*out = n;
	return true;
}

void
lcconf_free(struct lcconf *lc)
{
	size_t i;

	for (i = 0; i < lc->nvars; i++) {
		free(lc->vars[i].name);
		free(lc->vars[i].value);
	}
	free(lc->vars);
	for (i = 0; i < lc->nwarnings; i++)
		free(lc->warnings[i]);
	free(lc->warnings);
	free(lc->path);
	memset(lc, 0, sizeof(*lc));
}

int
lcconf_logfiles(const char *path, char ***v, size_t *n)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp = fopen(path, "re");

	if (fp == NULL)
		return -1;
	while ((len = getline(&line, &cap, fp)) != -1) {
		const char *s = line;

		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		/* logcheck: grep -E -v "(^#|^[[:space:]]*$)" */
		if (line[0] == '#' || strspn(line, " \t\r\f\v") == (size_t)len)
			continue;
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		(*v)[(*n)++] = xstrdup(s);
	}
	free(line);
	fclose(fp);
	return 0;
}
