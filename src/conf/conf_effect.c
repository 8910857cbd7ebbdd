/*
 * conf_effect — directives that cannot do anything in the configuration
 * they are in (for `logward lint`): settings of a part that is not there
 * (a TCP limit without a TCP listener, archive settings without archives,
 * [now] settings without a [now] queue, TLS settings without TLS), inputs
 * whose lines nothing takes, and rules that a catch-all before them hides.
 * The parser accepts all of these; each is most likely a mistake.
 */
#include "conf/conf_effect.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "input/in_syslog_spec.h"

struct ctx {
	const struct conf *c;
	struct buf	*out;
	size_t		*nwarn;
};

/* set NAME, when given, has no effect: why. */
static void
no_effect(struct ctx *x, const char *name, const char *why)
{
	const struct conf_setloc *l = conf_set_where(x->c, name);

	if (l == NULL)
		return;
	buf_printf(x->out, "%s:%d: warning: set %s has no effect: %s\n",
	    l->file, l->line, name, why);
	(*x->nwarn)++;
}

/* The rule's regex matches every message: ".*", "^", "^(.*)$", ... */
static bool
catch_all(const struct rule *r)
{
	static const char *const all[] = {
		"", "^", ".*", "^.*", ".*$", "^.*$", "(.*)", "^(.*)", "(.*)$",
		"^(.*)$", "^(?:.*)", "(?:.*)", NULL,
	};
	size_t i;

	if (r->re.src == NULL)
		return false;
	for (i = 0; all[i] != NULL; i++)
		if (strcmp(r->re.src, all[i]) == 0)
			return true;
	return false;
}

static const char *
rule_kind_name(const struct rule *r)
{
	switch (r->kind) {
	case RULE_TRASH:	return "trash rule";
	case RULE_REPEAT:	return "repeat rule";
	case RULE_GROUP:	return "group";
	case RULE_GROUP_HOST:	return "group_host";
	case RULE_SELECT:	return "select block";
	case RULE_LOGCHECK:	return "logcheck rule tree";
	case RULE_QUEUE:	break;
	}
	return "rule";
}

/* Rules after an unconditional catch-all at the top level never see a
 * line: the first rule that matches decides. */
static void
hidden_rules(struct ctx *x)
{
	const struct conf *c = x->c;
	const struct rule *all = NULL;
	size_t j = 0;

	while (j < c->nrules) {
		const struct rule *r = &c->rules[j];

		if (all != NULL) {
			buf_printf(x->out, "%s:%d: warning: this %s is never "
			    "reached: the catch-all at %s:%d takes every line "
			    "first; move it before the catch-all or remove it\n",
			    r->file, r->line, rule_kind_name(r), all->file,
			    all->line);
			(*x->nwarn)++;
		} else if ((r->kind == RULE_QUEUE || r->kind == RULE_TRASH) &&
		    catch_all(r))
			all = r;
		/* a group's or a select's rules are inside it */
		if ((r->kind == RULE_GROUP || r->kind == RULE_GROUP_HOST ||
		    r->kind == RULE_SELECT) && r->skip > j)
			j = r->skip;
		else
			j++;
	}
}

void
conf_effect_check(const struct conf *c, struct buf *out, size_t *nwarn)
{
	struct ctx x = { c, out, nwarn };
	bool tcp = false, now = false, pager = false, takes = false;
	const struct conf_setloc *l;
	size_t i;

	for (i = 0; i < c->listens.n; i++) {
		enum in_syslog_proto proto;
		char addr[256], port[32], err[256];

		if (in_syslog_spec_parse(c->listens.v[i], &proto, addr,
		    sizeof(addr), port, sizeof(port), err, sizeof(err)) == 0 &&
		    proto == IN_SYSLOG_TCP)
			tcp = true;
	}
	for (i = 0; i < c->nqueues; i++) {
		now = now || c->queues[i].now;
		pager = pager || c->queues[i].pager;
	}
	for (i = 0; i < c->nrules; i++)
		if (c->rules[i].kind == RULE_QUEUE ||
		    c->rules[i].kind == RULE_LOGCHECK)
			takes = true;

	if (!tcp) {
		no_effect(&x, "listen_max_conns", "there is no "
		    "'set listen tcp:...'");
		no_effect(&x, "listen_idle", "there is no 'set listen tcp:...'");
	}
	if (c->narchives == 0)
		no_effect(&x, "archive_sync", "there is no archive directive");
	if (c->listens.n == 0 && !c->journal)
		for (i = 0; i < c->narchives; i++) {
			buf_printf(out, "%s:%d: warning: archive has no effect: "
			    "archives take the lines of 'set listen' and 'set "
			    "journal', and neither is set\n",
			    c->archives[i].file, c->archives[i].line);
			(*nwarn)++;
		}
	if ((c->listens.n > 0 || c->journal) && !takes && c->narchives == 0) {
		l = conf_set_where(c, c->listens.n > 0 ? "listen" : "journal");
		if (l == NULL)
			l = conf_set_where(c, "journal_dir");
		if (l == NULL)
			l = conf_set_where(c, "journal_file");
		if (l != NULL) {
			buf_printf(out, "%s:%d: warning: the lines received go "
			    "nowhere: no rule files a line into a queue and no "
			    "archive writes them\n", l->file, l->line);
			(*nwarn)++;
		}
	}
	if (!now) {
		no_effect(&x, "mail_rate", "it limits [now] queues, and there "
		    "is none");
		no_effect(&x, "sleep", "it is how long a [now] queue waits "
		    "for more lines, and there is no [now] queue");
	}
	if (!pager)
		no_effect(&x, "pager_limit", "there is no pager queue");
	if (c->smtp_tls == 0) {
		no_effect(&x, "smtp_cafile", "there is no 'set smtp_tls "
		    "starttls|tls'");
		no_effect(&x, "smtp_capath", "there is no 'set smtp_tls "
		    "starttls|tls'");
		no_effect(&x, "smtp_tls_verify", "there is no 'set smtp_tls "
		    "starttls|tls'");
	}
	if (c->smtp_user == NULL)
		no_effect(&x, "smtp_password_file", "there is no 'set "
		    "smtp_user'");
	if (c->logfiles.n == 0) {
		no_effect(&x, "partial_timeout", "there is no 'set logfile'");
		no_effect(&x, "rotate_grace", "there is no 'set logfile'");
		no_effect(&x, "max_files", "there is no 'set logfile'");
		if (!c->journal)
			no_effect(&x, "start_at", "there is no 'set logfile' "
			    "and no 'set journal'");
	}
	hidden_rules(&x);
}
