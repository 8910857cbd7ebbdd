/*
 * explain — logward explain: how each line is parsed, which rule takes
 * it, its queues and masked text; with --logcheck DIR alone, which rule
 * files of the tree match and the section the line ends in.
 */
#include "cli/explain.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/opts.h"
#include "classify/automask.h"
#include "classify/engine.h"
#include "classify/lcclass.h"
#include "classify/tmpl.h"
#include "conf/conf.h"
#include "conf/conf_tmpl.h"
#include "conf/lcdb.h"
#include "conf/sel.h"
#include "daemon/daemon.h"
#include "daemon/state.h"
#include "input/lines.h"
#include "input/record.h"
#include "lib/buf.h"
#include "lib/scan.h"
#include "lib/xmem.h"
#include "report/report.h"

static const char *
verdict_name(enum verdict_kind k)
{
	switch (k) {
	case V_QUEUED:
		return "queued";
	case V_TRASH:
		return "trash";
	case V_REPEAT:
		return "repeat";
	case V_REPEAT_NONE:
		return "repeat (nothing to credit: the host's previous line "
		    "was not filed)";
	case V_NORULE:
		return "no rule matched: dropped";
	case V_NOPREFIX:
		return "noprefix (no host prefix recognised)";
	case V_NOPREFIX_DROPPED:
		return "no host prefix recognised and no noprefix queue: dropped";
	}
	return "?";
}

static const char *
format_name(enum record_format f)
{
	switch (f) {
	case REC_BSD:
		return "BSD syslog";
	case REC_RFC3339:
		return "RFC 3339 stamp";
	case REC_RFC5424:
		return "RFC 5424";
	case REC_LOGPREFIX:
		return "set logprefix";
	case REC_NONE:
		break;
	}
	return "none";
}

static void
field(struct buf *b, const char *name, const char *s, size_t n)
{
	buf_printf(b, "  %-9s ", name);
	report_escape(b, s, n);
	buf_addc(b, '\n');
}

static void explain_lc(struct buf *b, struct lcdb *db, const char *line,
    size_t len);

/* Where the template store came from, for the "template:" lines. */
static const char *store_note;

/* The line's template: its id, text and whether the store knew it. */
static void
explain_template(struct buf *b, struct engine *e, const struct verdict *v)
{
	const struct conf *c = e->conf;
	struct tmpl_info info;
	size_t i;
	bool am = false;

	if (e->tmpl == NULL || v->tmpl == 0)
		return;
	for (i = 0; i < v->nqueues; i++)
		am = am || conf_tmpl_automask(c, v->queues[i]);
	buf_printf(b, "  %-9s %llu, ", "template:", (unsigned long long)v->tmpl);
	if (v->tmpl_created && v->tmpl_learned)
		buf_printf(b, "new, first seen in the learning period (set learn)");
	else if (v->tmpl_created && v->tmpl_near)
		buf_printf(b, "new, one word away from a known template (not "
		    "announced)");
	else if (v->tmpl_created)
		buf_printf(b, "NEW (%s)", store_note);
	else if (tmpl_view_info(e->tmpl, v->tmpl, &info)) {
		char when[64];
		time_t t = (time_t)info.first;
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		buf_printf(b, "known since %s, %llu line%s", when,
		    (unsigned long long)info.count, info.count == 1 ? "" : "s");
	}
	buf_addc(b, '\n');
	if (am)
		field(b, "automask:", v->tkey, v->tkeylen);
}

/* The daemon's template store, read from its checkpoint (read only):
 * explain then says whether a line's template is known to it. */
static struct tmpl *
load_store(struct conf *c, time_t now)
{
	struct tmpl_opts to;
	struct tmpl *t;
	struct engine scratch;
	struct state st;
	const struct state_section *sec;
	char *path, err[512];
	static char note[700];

	automask_opts(c, &to);
	t = tmpl_new(&to, now);
	path = xasprintf("%s/state", c->statedir != NULL ? c->statedir :
	    DAEMON_STATEDIR);
	engine_init(&scratch, c);
	switch (state_read(path, &st, &scratch, err, sizeof(err))) {
	case 0:
		sec = state_section_get(&st, "templates");
		if (sec == NULL)
			snprintf(note, sizeof(note), "%s has no template store yet",
			    path);
		else if (tmpl_store_restore(t, sec->data, sec->len, now, err,
		    sizeof(err)) == -1)
			snprintf(note, sizeof(note), "%s: %s", path, err);
		else
			snprintf(note, sizeof(note), "not in the template store of "
			    "%s", path);
		state_free(&st);
		break;
	case 1:
		snprintf(note, sizeof(note), "no template store: %s does not "
		    "exist", path);
		break;
	default:
		snprintf(note, sizeof(note), "no template store: %s", err);
		break;
	}
	engine_free(&scratch);
	free(path);
	store_note = note;
	return t;
}

static void
explain_one(struct engine *e, const char *line, size_t len, time_t now)
{
	const struct conf *c = e->conf;
	struct verdict v;
	struct buf b;
	size_t i;

	engine_line(e, line, len, 0, now, &v);
	buf_init(&b, SIZE_MAX / 4);
	field(&b, "line:", line, len);
	buf_printf(&b, "  %-9s %s", "format:", format_name(v.rec.format));
	if (v.prefix >= 0)
		buf_printf(&b, " (%s:%d)", c->prefixes[v.prefix].file,
		    c->prefixes[v.prefix].line);
	buf_addc(&b, '\n');
	if (v.rec.format != REC_NONE && v.rec.format != REC_LOGPREFIX) {
		time_t t = record_time(&v.rec, now);

		if (t != (time_t)-1) {
			char d[64];

			report_date(d, sizeof(d), t);
			buf_printf(&b, "  %-9s %s\n", "time:", d);
		}
	}
	if (v.host != NULL && v.kind != V_NOPREFIX)
		field(&b, "host:", v.host, v.hostlen);
	if (v.rec.prog != NULL) {
		field(&b, "program:", v.rec.prog, v.rec.proglen);
		if (v.rec.pid >= 0)
			buf_printf(&b, "  %-9s %ld\n", "pid:", v.rec.pid);
	}
	if (v.rec.pri >= 0)
		buf_printf(&b, "  %-9s facility %d, severity %d\n", "priority:",
		    v.rec.facility, v.rec.severity);
	if (v.text != NULL)
		field(&b, "message:", v.text, v.textlen);
	for (i = 0; i < v.nskipped; i++) {
		const struct rule *r = &c->rules[v.skipped[i]];

		if (r->kind == RULE_SELECT) {
			buf_printf(&b, "  %-9s %s:%d select %s (wants ", "skipped:",
			    r->file, r->line, r->re.src);
			sel_describe(r->sel, &b);
			buf_addstr(&b, ")\n");
			continue;
		}
		buf_printf(&b, "  %-9s %s:%d %s %s (%s did not match)\n", "skipped:",
		    r->file, r->line, r->kind == RULE_GROUP ? "group" : "group_host",
		    r->re.src, r->kind == RULE_GROUP ? "message" : "host");
	}
	for (i = 0; i < v.nerrors; i++) {
		const struct rule *r = &c->rules[v.errors[i]];

		buf_printf(&b, "  %-9s %s:%d %s: %s; treated as not matching\n",
		    "ERROR:", r->file, r->line, r->re.src,
		    i == 0 && v.error_why ? v.error_why : "PCRE2 limit");
	}
	for (i = 0; i < c->nrules; i++) {
		/* logcheck trees the line went through */
		if (c->rules[i].kind == RULE_LOGCHECK &&
		    (v.rule < 0 || i <= (size_t)v.rule) && v.host != NULL &&
		    v.kind != V_NOPREFIX)
			explain_lc(&b, c->rules[i].lc, line, len);
	}
	if (v.rule >= 0) {
		const struct rule *r = &c->rules[v.rule];

		buf_printf(&b, "  %-9s %s:%d %s %s\n", "rule:", r->file, r->line,
		    r->qlist, r->kind == RULE_LOGCHECK ? r->lc->dir : r->re.src);
	}
	buf_printf(&b, "  %-9s %s\n", "result:", verdict_name(v.kind));
	if (v.nqueues > 0) {
		buf_printf(&b, "  %-9s ", "queues:");
		for (i = 0; i < v.nqueues; i++)
			buf_printf(&b, "%s%s", i ? ", " : "",
			    c->queues[v.queues[i]].name);
		buf_addc(&b, '\n');
	}
	if (v.kind == V_REPEAT)
		buf_printf(&b, "  %-9s +%llu to the previous line's entry\n",
		    "credit:", (unsigned long long)v.credit);
	if (v.masked != NULL)
		field(&b, "masked:", v.masked, v.maskedlen);
	explain_template(&b, e, &v);
	buf_addc(&b, '\n');
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

static void
print_rule_hit(const struct lc_rule *r, void *arg)
{
	buf_printf(arg, "  %-9s %s:%d\n", "matched:", r->path, r->line);
}

/* Every rule file line of the tree that matches, and the section. */
static void
explain_lc(struct buf *b, struct lcdb *db, const char *line, size_t len)
{
	struct lc_layer *layers[5] = { &db->cracking, &db->cign,
	    &db->violations, &db->vign, &db->ignore };
	struct lc_line *l = db->scratch;
	enum lc_section_kind k;
	size_t i;
	int j;

	len = lcclass_rstrip(line, len);
	for (j = 0; j < 5; j++) {
		for (i = 0; i < layers[j]->nfiles; i++)
			lcclass_file_rules(db, &layers[j]->files[i], line, len,
			    print_rule_hit, b);
	}
	lcclass_line(db, line, len, l);
	k = lcclass_section(l, l->has_alert);
	buf_printf(b, "  %-9s ", "logcheck:");
	if (k == LC_ALERT || k == LC_EVENT) {
		const struct lc_layer *lay = k == LC_ALERT ? &db->cracking :
		    &db->violations;
		const uint8_t *mark = k == LC_ALERT ? l->alert : l->event;
		bool first = true;

		for (i = 0; i < lay->nfiles; i++) {
			if (!mark[i])
				continue;
			buf_printf(b, "%sSecurity %s", first ? "" : "; ",
			    k == LC_ALERT ? "Alerts" : "Events");
			if (strcmp(lay->files[i].name, "logcheck") != 0)
				buf_printf(b, " for %s", lay->files[i].name);
			first = false;
		}
		buf_addc(b, '\n');
	} else if (k == LC_SYSTEM)
		buf_printf(b, "System Events\n");
	else if (l->any_violation)
		buf_printf(b, "not reported (violation cancelled by "
		    "violations.ignore.d)\n");
	else if (l->any_cracking)
		buf_printf(b, "not reported (alert cancelled by "
		    "cracking.ignore.d)\n");
	else
		buf_printf(b, "ignored (ignore.d.%s)\n",
		    lcdb_level_name(db->level));
}

static int
explain_logcheck(struct opts *o)
{
	struct lcdb db;
	struct buf b;
	size_t i;
	int k;

	if (lcdb_load(&db, o->logcheck, o->level, o->cracking_ignore) == -1) {
		for (i = 0; i < db.nerrors; i++)
			fprintf(stderr, "%s\n", db.errors[i]);
		lcdb_free(&db);
		return 1;
	}
	if (o->engine != 1)
		(void)lcdb_scan_build(&db, o->cachedir != NULL ? o->cachedir :
		    scan_default_cachedir());
	else
		lcdb_use_pcre2(&db);
	buf_init(&b, SIZE_MAX / 4);
	if (o->nargs > 0) {
		for (k = 0; k < o->nargs; k++) {
			buf_reset(&b);
			field(&b, "line:", o->args[k], strlen(o->args[k]));
			explain_lc(&b, &db, o->args[k], strlen(o->args[k]));
			buf_addc(&b, '\n');
			fwrite(b.data, 1, b.len, stdout);
		}
	} else {
		struct lines l;
		const char *line;
		size_t len, cut;

		lines_init(&l, 0, 16 * 1024 * 1024);
		while (lines_next(&l, &line, &len, &cut) == 1) {
			buf_reset(&b);
			field(&b, "line:", line, len);
			explain_lc(&b, &db, line, len);
			buf_addc(&b, '\n');
			fwrite(b.data, 1, b.len, stdout);
		}
		lines_free(&l);
	}
	buf_free(&b);
	lcdb_free(&db);
	return 0;
}

int
explain_main(int argc, char **argv)
{
	struct opts o;
	struct conf c;
	struct engine e;
	int i;

	if (opts_parse(argc, argv, &o) == -1)
		return 2;
	if (o.logcheck != NULL && !o.conf_given)
		return explain_logcheck(&o);
	if (opts_load_conf(&c, &o) == -1)
		return 1;
	engine_init(&e, &c);
	e.lane.visit_groups = true;	/* "skipped:" names every group */
	if (conf_tmpl_mining(&c))
		e.tmpl = load_store(&c, o.now);
	if (o.nargs > 0) {
		for (i = 0; i < o.nargs; i++)
			explain_one(&e, o.args[i], strlen(o.args[i]), o.now);
	} else {
		struct lines l;
		const char *line;
		size_t len, cut;

		lines_init(&l, 0, c.max_line);
		while (lines_next(&l, &line, &len, &cut) == 1)
			explain_one(&e, line, len, o.now);
		lines_free(&l);
	}
	tmpl_free(e.tmpl);
	engine_free(&e);
	conf_free(&c);
	return 0;
}
