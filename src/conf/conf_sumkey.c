/*
 * conf_sumkey — a fact's key template ("ip>user/method",
 * "from\"(\"uid\")\">to") and its binding to a rule's named captures.
 *
 * A template is levels separated by '>'.  In a level, a name
 * ([A-Za-z_][A-Za-z0-9_]*, or {name} when letters follow it) is a
 * capture; {name|text} is the capture, or text when it is empty or did
 * not take part; text in double quotes (\" and \\ escape) and any
 * other character except blanks is literal.  "host", "prog" and
 * "progbase" (the program up to a '(' or '/': "sshd" of "sshd(pam_unix)")
 * are the line's unless the rule's regex has a group of that name.
 */
#include "conf/conf_sumkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/xmem.h"

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

static struct sum_part *
add_part(struct sum_level *l, const char *p, size_t n, bool cap)
{
	struct sum_part *pt;

	/* adjacent literals merge */
	if (!cap && l->nparts > 0 && !l->parts[l->nparts - 1].cap) {
		pt = &l->parts[l->nparts - 1];
		pt->text = xreallocarray(pt->text, pt->len + n + 1, 1);
		memcpy(pt->text + pt->len, p, n);
		pt->len += n;
		pt->text[pt->len] = '\0';
		return pt;
	}
	l->parts = xreallocarray(l->parts, l->nparts + 1, sizeof(*l->parts));
	pt = &l->parts[l->nparts++];
	memset(pt, 0, sizeof(*pt));
	pt->text = xmemdup0(p, n);
	pt->len = n;
	pt->cap = cap;
	return pt;
}

static void
finish_level(struct sum_level *l)
{
	struct buf b;
	size_t i;

	buf_init(&b, 1 << 20);
	for (i = 0; i < l->nparts; i++)
		buf_add(&b, l->parts[i].text, l->parts[i].len);
	l->name = buf_steal(&b);
	if (l->name == NULL)
		l->name = xstrdup("");
}

int
conf_sumkey_parse(struct sum_fact *f, const char *spec, char *err,
    size_t errlen)
{
	const char *p = spec;
	struct sum_level *l;
	size_t i;

	f->levels = xcalloc(1, sizeof(*f->levels));
	f->nlevels = 1;
	l = &f->levels[0];
	while (*p != '\0') {
		if (*p == '>') {
			if (l->nparts == 0) {
				snprintf(err, errlen, "key '%s': an empty level "
				    "before '>'", spec);
				return -1;
			}
			f->levels = xreallocarray(f->levels, f->nlevels + 1,
			    sizeof(*f->levels));
			l = &f->levels[f->nlevels++];
			memset(l, 0, sizeof(*l));
			p++;
		} else if (*p == '"') {
			struct buf b;

			buf_init(&b, 1 << 20);
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				buf_addc(&b, *p);
			}
			if (*p != '"') {
				buf_free(&b);
				snprintf(err, errlen, "key '%s': a quote is not "
				    "closed", spec);
				return -1;
			}
			p++;
			if (b.len > 0)
				add_part(l, b.data, b.len, false);
			buf_free(&b);
		} else if (*p == '{') {
			const char *q = p + 1, *d = NULL;
			struct sum_part *pt;

			while (name_char((unsigned char)*q))
				q++;
			if (*q == '|') {
				d = q + 1;
				while (*q != '\0' && *q != '}')
					q++;
			}
			if (*q != '}' || !name_start((unsigned char)p[1])) {
				snprintf(err, errlen, "key '%s': '{' must enclose "
				    "a capture name, as in {user} or "
				    "{user|unknown}", spec);
				return -1;
			}
			pt = add_part(l, p + 1, (size_t)((d != NULL ? d - 1 : q) -
			    p - 1), true);
			if (d != NULL) {
				pt->dflt = xmemdup0(d, (size_t)(q - d));
				pt->dlen = (size_t)(q - d);
			}
			p = q + 1;
		} else if (name_start((unsigned char)*p)) {
			const char *q = p;

			while (name_char((unsigned char)*q))
				q++;
			add_part(l, p, (size_t)(q - p), true);
			p = q;
		} else if (*p == ' ' || *p == '\t') {
			snprintf(err, errlen, "key '%s': blanks must be quoted "
			    "(\" \")", spec);
			return -1;
		} else {
			add_part(l, p, 1, false);
			p++;
		}
	}
	if (l->nparts == 0) {
		snprintf(err, errlen, "key '%s': an empty level%s", spec,
		    f->nlevels > 1 ? " after '>'" : "");
		return -1;
	}
	f->nparts = 0;
	for (i = 0; i < f->nlevels; i++) {
		finish_level(&f->levels[i]);
		f->nparts += f->levels[i].nparts;
	}
	return 0;
}

/* The group number of name in re, or 0 when it has none. */
static int
group_of(const struct regex *re, const char *name)
{
	int n = pcre2_substring_number_from_name(re->code,
	    (PCRE2_SPTR)name);

	return n > 0 ? n : 0;
}

int
conf_sumkey_bind(const struct sum_fact *f, const struct regex *re, int *cap,
    int *bytescap, char *err, size_t errlen)
{
	size_t i, j, k = 0;

	for (i = 0; i < f->nlevels; i++) {
		const struct sum_level *l = &f->levels[i];

		for (j = 0; j < l->nparts; j++, k++) {
			const struct sum_part *pt = &l->parts[j];
			int g;

			if (!pt->cap) {
				cap[k] = SUM_PART_LIT;
				continue;
			}
			g = group_of(re, pt->text);
			if (g > 0)
				cap[k] = g;
			else if (strcmp(pt->text, "host") == 0)
				cap[k] = SUM_PART_HOST;
			else if (strcmp(pt->text, "prog") == 0)
				cap[k] = SUM_PART_PROG;
			else if (strcmp(pt->text, "progbase") == 0)
				cap[k] = SUM_PART_PROGBASE;
			else if (pt->dflt != NULL)
				cap[k] = SUM_PART_NONE;
			else {
				snprintf(err, errlen, "fact %s groups by '%s', "
				    "which this regex does not capture; add "
				    "(?<%s>...) or change the fact's key", f->id,
				    pt->text, pt->text);
				return -1;
			}
		}
	}
	*bytescap = 0;
	if (f->bytes != NULL && (*bytescap = group_of(re, f->bytes)) == 0) {
		snprintf(err, errlen, "fact %s sums bytes=%s, which this regex "
		    "does not capture; add (?<%s>\\d+) or drop bytes=", f->id,
		    f->bytes, f->bytes);
		return -1;
	}
	return 0;
}

void
conf_sumkey_free(struct sum_fact *f)
{
	size_t i, j;

	for (i = 0; i < f->nlevels; i++) {
		for (j = 0; j < f->levels[i].nparts; j++) {
			free(f->levels[i].parts[j].text);
			free(f->levels[i].parts[j].dflt);
		}
		free(f->levels[i].parts);
		free(f->levels[i].name);
	}
	free(f->levels);
	f->levels = NULL;
	f->nlevels = 0;
}
