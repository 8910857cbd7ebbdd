/*
 * lint — logward lint: every error and warning of a configuration, with
 * the checks the parser does not make; lint --logcheck DIR for a rule
 * tree.
 */
#include "cli/lint.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/opts.h"
#include "conf/conf.h"
#include "conf/conf_effect.h"
#include "conf/conf_summary.h"
#include "conf/lcdb.h"
#include "lib/buf.h"
#include "lib/match.h"

/* The summary services' regexes: the same hazard check as rules. */
static void
lint_summary(const struct conf *c, struct buf *out, size_t *nwarn)
{
	const struct sum_conf *sc = c->summary;
	size_t i, j, nrules = 0;
	char why[256];

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nsvcs; i++) {
		const struct sum_service *sv = &sc->svcs[i];

		for (j = 0; j < sv->nrules; j++, nrules++) {
			if (!match_hazard(sv->rules[j].re.src, false, why, sizeof(why)))
				continue;
			buf_printf(out, "%s:%d: warning: %s: PCRE2 may take "
			    "exponential time on lines that almost match (the "
			    "rule's captures run in PCRE2); rewrite it without the "
			    "nested repeat, or make it atomic: (?>...)\n",
			    sv->rules[j].file, sv->rules[j].line, why);
			(*nwarn)++;
		}
	}
	buf_printf(out, "summaries: %zu service%s, %zu rule%s, %zu summary "
	    "queue%s\n", sc->nsvcs, sc->nsvcs == 1 ? "" : "s", nrules,
	    nrules == 1 ? "" : "s", sc->nqueues, sc->nqueues == 1 ? "" : "s");
}

/* Checks lint adds on top of the parser's own diagnostics. */
static void
lint_extra(struct conf *c, struct buf *out, size_t *nwarn)
{
	size_t i, j;

	lint_summary(c, out, nwarn);
	for (i = 0; i < c->nqueues; i++) {
		bool used = strcmp(c->queues[i].name, "noprefix") == 0;

		for (j = 0; j < c->nrules && !used; j++) {
			size_t k;

			for (k = 0; k < c->rules[j].ntargets; k++)
				used = used || c->rules[j].targets[k].queue == i;
		}
		if (!used) {
			buf_printf(out, "%s:%d: warning: queue '%s' is not used by "
			    "any rule\n", c->queues[i].file, c->queues[i].line,
			    c->queues[i].name);
			(*nwarn)++;
		}
	}
	for (j = 0; j < c->nrules; j++) {
		const struct rule *r = &c->rules[j];

		if (r->kind == RULE_REPEAT && r->re.ncap < 1) {
			buf_printf(out, "%s:%d: warning: repeat rule without a "
			    "capture group for the count; it credits 0\n",
			    r->file, r->line);
			(*nwarn)++;
		}
		if ((r->kind == RULE_QUEUE || r->kind == RULE_TRASH ||
		    r->kind == RULE_REPEAT || r->kind == RULE_GROUP ||
		    r->kind == RULE_GROUP_HOST) && r->re.src != NULL) {
			char why[256];

			if (match_hazard(r->re.src, false, why, sizeof(why))) {
				buf_printf(out, "%s:%d: warning: %s: a backtracking "
				    "engine can take exponential time on lines "
				    "that almost match; logward's Hyperscan pass "
				    "is immune, but PCRE2 (captures, --engine "
				    "pcre2) stops at its match limit and counts "
				    "an error; rewrite it without the nested "
				    "repeat, or make it atomic: (?>...)\n",
				    r->file, r->line, why);
				(*nwarn)++;
			}
		}
		if (r->kind == RULE_REPEAT && strstr(r->re.src, "\\\\d") != NULL) {
			buf_printf(out, "%s:%d: warning: '\\\\d' in a repeat rule "
			    "matches a backslash and a 'd', not a digit (Debian's "
			    "sample tenshi.conf has this bug); write '\\d'\n",
			    r->file, r->line);
			(*nwarn)++;
		}
	}
	conf_effect_check(c, out, nwarn);
	for (i = 0; i < c->logfiles.n; i++) {
		if (access(c->logfiles.v[i], R_OK) == -1) {
			buf_printf(out, "warning: set logfile %s: %s (logward "
			    "watches for it to appear)\n", c->logfiles.v[i],
			    strerror(errno));
			(*nwarn)++;
		}
	}
}

/* lint --logcheck DIR: every file of every directory and level. */
static int
lint_logcheck(struct opts *o)
{
	struct lcdb db;
	size_t i, nfiles, nrules = 0, nwarn = 0;
	const struct lc_layer *layers[5];
	int rc, k;

	rc = lcdb_load(&db, o->logcheck, LC_WORKSTATION, true);
	for (i = 0; i < db.nerrors; i++)
		printf("%s\n", db.errors[i]);
	layers[0] = &db.cracking;
	layers[1] = &db.cign;
	layers[2] = &db.violations;
	layers[3] = &db.vign;
	layers[4] = &db.ignore;
	nfiles = db.npaths;
	for (k = 0; k < 5; k++) {
		for (i = 0; i < layers[k]->nfiles; i++)
			nrules += layers[k]->files[i].nrules;
	}
	for (k = 0; k < 5; k++) {
		for (i = 0; i < layers[k]->nfiles; i++) {
			const struct lc_file *f = &layers[k]->files[i];
			size_t j;

			for (j = 0; j < f->nrules; j++) {
				char why[256];

				if (!match_hazard(f->rules[j].src, true, why,
				    sizeof(why)))
					continue;
				printf("%s:%d: warning: %s: backtracking engines "
				    "(egrep in logcheck, PCRE2) can take "
				    "exponential time on lines that almost match; "
				    "logward matches it with Hyperscan\n",
				    f->rules[j].path, f->rules[j].line, why);
				nwarn++;
			}
		}
	}
	printf("%s: %zu error%s, %zu warning%s; %zu rule file%s, %zu rule%s\n",
	    o->logcheck, db.nerrors, db.nerrors == 1 ? "" : "s", nwarn,
	    nwarn == 1 ? "" : "s", nfiles, nfiles == 1 ? "" : "s", nrules,
	    nrules == 1 ? "" : "s");
	lcdb_free(&db);
	return rc == 0 ? 0 : 1;
}

int
lint_main(int argc, char **argv)
{
	struct opts o;
	struct conf c;
	struct buf extra;
	size_t i, nwarn = 0;
	int rc;

	if (opts_parse(argc, argv, &o) == -1)
		return 2;
	if (o.logcheck != NULL && !o.conf_given)
		return lint_logcheck(&o);
	rc = conf_load(&c, o.conf);
	conf_print_diags(&c, stdout, true);
	for (i = 0; i < c.ndiags; i++)
		nwarn += c.diags[i].level == DIAG_WARNING;
	buf_init(&extra, SIZE_MAX / 4);
	if (rc == 0)
		lint_extra(&c, &extra, &nwarn);
	fwrite(buf_str(&extra), 1, extra.len, stdout);
	buf_free(&extra);
	printf("%s: %zu error%s, %zu warning%s; %zu queue%s, %zu rule%s, %zu "
	    "file%s\n", o.conf, c.nerrors, c.nerrors == 1 ? "" : "s", nwarn,
	    nwarn == 1 ? "" : "s", c.nqueues, c.nqueues == 1 ? "" : "s",
	    c.nrules, c.nrules == 1 ? "" : "s", c.files.n,
	    c.files.n == 1 ? "" : "s");
	conf_free(&c);
	return rc == 0 ? 0 : 1;
}
