/*
 * lcreport — the logcheck report of a run: the lines sorted as logcheck
 * sorts them, and the sections as "logcheck -o -t" prints them.
 */
#include "report/lcreport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "lib/xmem.h"

/* ---- sort -k 1,3 -s / sort -u, C locale ---- */

struct sortent {
	const char	*s;
	size_t		 len;		/* whole line */
	size_t		 klen;		/* key: up to the end of field 3 */
	size_t		 idx;		/* input position (stability) */
};

size_t
lcreport_key3(const char *s, size_t len)
{
	size_t i = 0;
	int field;

	for (field = 0; field < 3 && i < len; field++) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
	}
	return i;
}

static int
cmp_key(const void *pa, const void *pb)
{
	const struct sortent *a = pa, *b = pb;
	int r = str_bytecmp(a->s, a->klen, b->s, b->klen);

	if (r != 0)
		return r;
	return a->idx < b->idx ? -1 : a->idx > b->idx ? 1 : 0;
}

static int
cmp_line(const void *pa, const void *pb)
{
	const struct sortent *a = pa, *b = pb;
	int r = str_bytecmp(a->s, a->len, b->s, b->len);

	if (r != 0)
		return r;
	return a->idx < b->idx ? -1 : a->idx > b->idx ? 1 : 0;
}

size_t
lcreport_sort(const char **lines, size_t *lens, size_t n, bool uniq)
{
	struct sortent *v = xreallocarray(NULL, n ? n : 1, sizeof(*v));
	size_t i, out = 0;

	for (i = 0; i < n; i++) {
		v[i].s = lines[i];
		v[i].len = lens[i];
		v[i].klen = lcreport_key3(lines[i], lens[i]);
		v[i].idx = i;
	}
	qsort(v, n, sizeof(*v), uniq ? cmp_line : cmp_key);
	{
		const char **ls = xreallocarray(NULL, n ? n : 1, sizeof(*ls));

		for (i = 0; i < n; i++) {
			if (uniq && out > 0 && v[i].len == lens[out - 1] &&
			    memcmp(v[i].s, ls[out - 1], v[i].len) == 0)
				continue;
			ls[out] = v[i].s;
			lens[out] = v[i].len;
			out++;
		}
		memcpy(lines, ls, out * sizeof(*lines));
		free(ls);
	}
	free(v);
	return out;
}

/* ---- report ---- */

static void
heading(FILE *fp, const char *title)
{
	size_t i, tl = strlen(title);

	fwrite(title, 1, tl, fp);
	putc('\n', fp);
	for (i = 0; i < tl; i++)
		putc(i % 2 == 0 ? '=' : '-', fp);
	putc('\n', fp);
}

/* A section's lines on their way to fp, gathered into big writes (a
 * report can have a million lines; one fwrite and putc each cost more
 * than the copy). */
struct out {
	FILE		*fp;
	size_t		 n;
	char		 buf[64 * 1024];
};

static void
out_flush(struct out *o)
{
	if (o->n > 0)
		fwrite(o->buf, 1, o->n, o->fp);
	o->n = 0;
}

static void
put_line(struct out *o, const struct lcreport_src *src, size_t i)
{
	size_t len;
	const char *s = src->line(src->arg, i, &len);

	if (len + 1 > sizeof(o->buf) - o->n) {
		out_flush(o);
		if (len + 1 > sizeof(o->buf)) {
			fwrite(s, 1, len, o->fp);
			putc('\n', o->fp);
			return;
		}
	}
	memcpy(o->buf + o->n, s, len);
	o->buf[o->n + len] = '\n';
	o->n += len + 1;
}

/* The section of byte at of the classification (an alerts or events
 * file), over the flagged lines; cancel: drop lines matching a cracking
 * file (events once an alert fired). */
static void
section(FILE *fp, const char *title, const struct lcreport_src *src,
    const size_t *flagged, size_t nflagged, size_t at, size_t markat,
    bool cancel)
{
	struct out *o = xmalloc(sizeof(*o));
	size_t k;

	heading(fp, title);
	o->fp = fp;
	o->n = 0;
	for (k = 0; k < nflagged; k++) {
		const uint8_t *c = src->cls(src->arg, flagged[k]);

		if (c[at] && !(cancel && c[markat]))
			put_line(o, src, flagged[k]);
	}
	out_flush(o);
	free(o);
	putc('\n', fp);
}

static void
section_system(FILE *fp, const char *title, const struct lcreport_src *src)
{
	struct out *o = xmalloc(sizeof(*o));
	size_t i;

	heading(fp, title);
	o->fp = fp;
	o->n = 0;
	for (i = 0; i < src->n; i++)
		if (src->cls(src->arg, i) == NULL)
			put_line(o, src, i);
	out_flush(o);
	free(o);
	putc('\n', fp);
}

const char *
lcreport_title(const struct lcreport_opts *ro, enum lc_section_kind kind)
{
	switch (kind) {
	case LC_ALERT:
		return ro->alerts != NULL ? ro->alerts : "Security Alerts";
	case LC_EVENT:
		return ro->events != NULL ? ro->events : "Security Events";
	default:
		return ro->system != NULL ? ro->system : "System Events";
	}
}

enum lc_section_kind
lcreport_emit(struct lcdb *db, FILE *fp, const struct lcreport_src *src,
    const struct lcreport_opts *ro,
    void (*preface)(enum lc_section_kind, void *), void *arg)
{
	bool intro = ro->intro, attack = src->attack, any_system = false;
	uint8_t *alert_any, *event_any;
	enum lc_section_kind worst = LC_NONE;
	size_t i, f, nc = db->cracking.nfiles, nv = db->violations.nfiles;
	size_t *flagged = NULL, nflagged = 0, capflagged = 0;

	alert_any = xcalloc(nc ? nc : 1, 1);
	event_any = xcalloc(nv ? nv : 1, 1);
	/* which sections have lines: an event needs "no alert fired in the
	 * run" or no cracking match */
	for (i = 0; i < src->n; i++) {
		const uint8_t *c = src->cls(src->arg, i);

		if (c == NULL) {
			any_system = true;
			continue;
		}
		if (nflagged == capflagged) {
			capflagged = capflagged ? capflagged * 2 : 256;
			flagged = xreallocarray(flagged, capflagged,
			    sizeof(*flagged));
		}
		flagged[nflagged++] = i;
		for (f = 0; f < nc; f++)
			alert_any[f] |= c[f];
		if (attack && c[nc + nv])
			continue;
		for (f = 0; f < nv; f++)
			event_any[f] |= c[nc + f];
	}
	for (f = 0; f < nc && worst == LC_NONE; f++)
		worst = alert_any[f] ? LC_ALERT : LC_NONE;
	for (f = 0; f < nv && worst == LC_NONE; f++)
		worst = event_any[f] ? LC_EVENT : LC_NONE;
	if (worst == LC_NONE && any_system)
		worst = LC_SYSTEM;
	if (worst != LC_NONE) {
		const char *ta = lcreport_title(ro, LC_ALERT);
		const char *te = lcreport_title(ro, LC_EVENT);

		if (preface != NULL)
			preface(worst, arg);
		if (ro->preamble != NULL)
			fputs(ro->preamble, fp);
		if (intro && db->header != NULL)
			fwrite(db->header, 1, db->headerlen, fp);
		if (ro->errors != NULL)		/* logcheck's "\n$(< errors)\n\n" */
			fprintf(fp, "\n%s\n\n", ro->errors);
		for (f = 0; f < nc; f++) {
			char title[1200];

			if (!alert_any[f])
				continue;
			if (strcmp(db->cracking.files[f].name, "logcheck") == 0)
				snprintf(title, sizeof(title), "%s", ta);
			else
				snprintf(title, sizeof(title), "%s for %s", ta,
				    db->cracking.files[f].name);
			section(fp, title, src, flagged, nflagged, f, nc + nv,
			    false);
		}
		for (f = 0; f < nv; f++) {
			char title[1200];

			if (!event_any[f])
				continue;
			if (strcmp(db->violations.files[f].name, "logcheck") == 0)
				snprintf(title, sizeof(title), "%s", te);
			else
				snprintf(title, sizeof(title), "%s for %s", te,
				    db->violations.files[f].name);
			section(fp, title, src, flagged, nflagged, nc + f,
			    nc + nv, attack);
		}
		if (any_system)
			section_system(fp, lcreport_title(ro, LC_SYSTEM), src);
		if (intro && db->footer != NULL)
			fwrite(db->footer, 1, db->footerlen, fp);
	}
	free(flagged);
	free(alert_any);
	free(event_any);
	return worst;
}

/* lcreport_write's lines as an lcreport_src */
struct arrays {
	const char *const *lines;
	const size_t	*lens;
	const uint8_t	*cls;		/* n × stride */
	const uint8_t	*kind;
	size_t		 stride;
};

static const uint8_t *
arrays_cls(void *arg, size_t i)
{
	const struct arrays *a = arg;

	return a->kind[i] == LC_SYSTEM ? NULL : a->cls + i * a->stride;
}

static const char *
arrays_line(void *arg, size_t i, size_t *len)
{
	const struct arrays *a = arg;

	*len = a->lens[i];
	return a->lines[i];
}

enum lc_section_kind
lcreport_write(struct lcdb *db, FILE *fp, const char *const *lines,
    const size_t *lens, size_t n, const struct lcreport_opts *ro,
    void (*preface)(enum lc_section_kind, void *), void *arg)
{
	size_t i, nc = db->cracking.nfiles, nv = db->violations.nfiles;
	size_t stride = nc + nv + 1, m = n ? n : 1;
	uint8_t *alerts, *events, *mark, *kind, *cls;
	struct arrays a;
	struct lcreport_src src;
	enum lc_section_kind worst;

	alerts = xcalloc(m, nc ? nc : 1);
	events = xcalloc(m, nv ? nv : 1);
	kind = xcalloc(m, sizeof(*kind));
	mark = xcalloc(m, 1);		/* matches some cracking file */
	cls = xcalloc(m, stride);
	src.attack = lcclass_lines(db, lines, lens, n, alerts, events, mark,
	    kind);
	for (i = 0; i < n; i++) {
		memcpy(cls + i * stride, alerts + i * nc, nc);
		memcpy(cls + i * stride + nc, events + i * nv, nv);
		cls[i * stride + nc + nv] = mark[i];
	}
	a.lines = lines;
	a.lens = lens;
	a.cls = cls;
	a.kind = kind;
	a.stride = stride;
	src.n = n;
	src.cls = arrays_cls;
	src.line = arrays_line;
	src.arg = &a;
	worst = lcreport_emit(db, fp, &src, ro, preface, arg);
	free(alerts);
	free(events);
	free(kind);
	free(mark);
	free(cls);
	return worst;
}
