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

static size_t
key3(const char *s, size_t len)
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
		v[i].klen = key3(lines[i], lens[i]);
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
section(FILE *fp, const char *title, const char *const *lines,
    const size_t *lens, const uint8_t *kind, const uint8_t *take, size_t stride,
    size_t n)
{
	size_t i, tl = strlen(title);

	fwrite(title, 1, tl, fp);
	putc('\n', fp);
	for (i = 0; i < tl; i++)
		putc(i % 2 == 0 ? '=' : '-', fp);
	putc('\n', fp);
	for (i = 0; i < n; i++) {
		if ((kind != NULL && kind[i] != LC_SYSTEM) ||
		    (take != NULL && !take[i * stride]))
			continue;
		fwrite(lines[i], 1, lens[i], fp);
		putc('\n', fp);
	}
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
lcreport_write(struct lcdb *db, FILE *fp, const char *const *lines,
    const size_t *lens, size_t n, const struct lcreport_opts *ro,
    void (*preface)(enum lc_section_kind, void *), void *arg)
{
	bool intro = ro->intro;
	uint8_t *alerts, *events, *mark, *kind, *alert_any, *event_any;
	enum lc_section_kind worst = LC_NONE;
	size_t i, f, nc = db->cracking.nfiles, nv = db->violations.nfiles;
	bool attack = false, any_system = false;

	alerts = xcalloc(n ? n : 1, nc ? nc : 1);
	events = xcalloc(n ? n : 1, nv ? nv : 1);
	kind = xcalloc(n ? n : 1, sizeof(*kind));
	alert_any = xcalloc(nc ? nc : 1, 1);
	event_any = xcalloc(nv ? nv : 1, 1);
	mark = xcalloc(n ? n : 1, 1);		/* matches some cracking file */
	attack = lcclass_lines(db, lines, lens, n, alerts, events, mark, kind);

	/* which sections have lines: an event needs "no alert fired in the
	 * run" or no cracking match */
	for (i = 0; i < n; i++) {
		for (f = 0; f < nc; f++)
			alert_any[f] |= alerts[i * nc + f];
		for (f = 0; f < nv; f++) {
			if (attack && mark[i])
				events[i * nv + f] = 0;
			event_any[f] |= events[i * nv + f];
		}
		any_system = any_system || kind[i] == LC_SYSTEM;
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
			section(fp, title, lines, lens, NULL, alerts + f, nc, n);
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
			section(fp, title, lines, lens, NULL, events + f, nv, n);
		}
		if (any_system)
			section(fp, lcreport_title(ro, LC_SYSTEM), lines, lens,
			    kind, NULL, 0, n);
		if (intro && db->footer != NULL)
			fwrite(db->footer, 1, db->footerlen, fp);
	}
	free(alerts);
	free(events);
	free(kind);
	free(mark);
	free(alert_any);
	free(event_any);
	return worst;
}
