/*
 * check — logward check: the config's rules over the files once, every
 * non-empty queue's mail to stdout as mbox, or with --mail through the
 * outbox to the relay; check --logcheck DIR, a logcheck rule tree's
 * report exactly as "logcheck -o -t" prints it.  With --state DIR both
 * resume where the previous run stopped (cli/oneshot.c).  The run ends
 * with a one-line account on stderr when lines were read and not all
 * were reported (check_account.c).
 */
#include "cli/check.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/check_account.h"
#include "cli/lcrun.h"
#include "cli/progress.h"
#include "cli/oneshot.h"
#include "cli/oneshot_mail.h"
#include "cli/opts.h"
#include "classify/automask.h"
#include "classify/engine.h"
#include "classify/engine_pipe.h"
#include "classify/lcclass.h"
#include "conf/conf.h"
#include "conf/conf_tmpl.h"
#include "conf/lcdb.h"
#include "daemon/daemon.h"
#include "lib/buf.h"
#include "lib/failpoint.h"
#include "lib/log.h"
#include "lib/scan.h"
#include "lib/str.h"
#include "lib/xmem.h"
#include "report/filter.h"
#include "report/lcmail.h"
#include "report/lcreport.h"
#include "report/mailer.h"
#include "report/report.h"

#define JOURNAL_FIRST	(5 * 3600)	/* s of journal a first run reads */

/* engine_line (or with --threads 2 the engine's pipe) as an
 * in_file_line_fn. */
struct feed {
	struct engine	*e;
	struct engine_pipe *pipe;	/* NULL: one thread */
	time_t		 now;
};

static void
feed_line(void *arg, const char *line, size_t len, size_t cut_from)
{
	struct feed *f = arg;

	if (f->pipe != NULL)
		engine_pipe_line(f->pipe, line, len, cut_from);
	else
		engine_line(f->e, line, len, cut_from, f->now, NULL);
}

static void write_mbox_body(FILE *fp, const char *s, size_t n);

/* report_body_stream's flush for check: out as mbox text, then empty. */
static void
flush_mbox(struct buf *b, void *arg)
{
	write_mbox_body(arg, b->data, b->len);
	buf_reset(b);
}

/* mboxrd: a body line matching ^>*From  gets one more '>'. */
static void
write_mbox_body(FILE *fp, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t len = nl != NULL ? (size_t)(nl - (s + i)) + 1 : n - i;
		size_t j = i;

		while (j < i + len && s[j] == '>')
			j++;
		if (i + len - j >= 5 && memcmp(s + j, "From ", 5) == 0)
			fputc('>', fp);
		fwrite(s + i, 1, len, fp);
		i += len;
	}
}

static void
local_host(const struct opts *o, char *host, size_t size)
{
	if (o->hostname != NULL)
		str_lcpy(host, o->hostname, size);
	else if (gethostname(host, size) == -1)
		str_lcpy(host, "localhost", size);
	host[size - 1] = '\0';
}

/* The paths to read: the operands, else the config's logfiles (globs
 * expanded, in name order; a pattern matching nothing stays as it is, so
 * its error is reported).  Returns an owned array of borrowed or owned
 * strings (*owned says which must be freed). */
static char **
source_list(const struct opts *o, const struct conf *c, size_t *n,
    glob_t *g)
{
	char **v;
	size_t i;

	memset(g, 0, sizeof(*g));
	if (o->nargs > 0) {
		v = xreallocarray(NULL, (size_t)o->nargs + 1, sizeof(*v));
		for (i = 0; i < (size_t)o->nargs; i++)
			v[i] = o->args[i];
		*n = (size_t)o->nargs;
		return v;
	}
	for (i = 0; i < c->logfiles.n; i++)
		(void)glob(c->logfiles.v[i], GLOB_NOCHECK | (i > 0 ? GLOB_APPEND :
		    0), NULL, g);
	*n = g->gl_pathc;
	v = xreallocarray(NULL, *n + 1, sizeof(*v));
	for (i = 0; i < *n; i++)
		v[i] = g->gl_pathv[i];
	return v;
}

/* Prints every non-empty queue's mail as mbox.  Returns 0, or 1 when
 * stdout could not be written. */
static int
print_reports(struct conf *c, struct engine *e, const struct opts *o)
{
	struct mail_meta meta;
	char host[256], hostname[256], mboxdate[64];
	struct tm tm;
	size_t qi;

	local_host(o, host, sizeof(host));
	report_sanitize_host(hostname, sizeof(hostname), host);
	meta.now = o->now;
	meta.start = o->now;
	meta.hostname = hostname;
	localtime_r(&o->now, &tm);
	strftime(mboxdate, sizeof(mboxdate), "%a %b %e %H:%M:%S %Y", &tm);

	for (qi = 0; qi < c->nqueues; qi++) {
		const struct queue_def *qd = &c->queues[qi];
		struct buf body, head;
		char *out = NULL;
		size_t outlen;

		buf_init(&body, SIZE_MAX / 4);
		buf_init(&head, 1024 * 1024);
		report_thresholds(e, qi);
		if (!report_pending(e, qi))
			continue;
		if (qd->layout == LAYOUT_LOGCHECK) {
			if (lcmail_queue_report(e, qi, &meta, &head, &body) == 1) {
				printf("From logward %s\n", mboxdate);
				fwrite(head.data, 1, head.len, stdout);
				write_mbox_body(stdout, body.data, body.len);
				putchar('\n');
			}
		} else if (qd->filter == NULL) {
			/* no filter: the body goes out as it is rendered */
			report_headers(&head, c, qi, &meta);
			printf("From logward %s\n", mboxdate);
			fwrite(head.data, 1, head.len, stdout);
			report_body_stream(&body, e, qi, NULL, flush_mbox, stdout);
			putchar('\n');
		} else {
			report_body(&body, e, qi, NULL);
			out = filter_run(qd->filter, buf_str(&body), body.len,
			    &outlen);
			/* tenshi: an empty filter output sends nothing */
			if (out != NULL && outlen > 0) {
				report_headers(&head, c, qi, &meta);
				printf("From logward %s\n", mboxdate);
				fwrite(head.data, 1, head.len, stdout);
				write_mbox_body(stdout, out, outlen);
				if (out[outlen - 1] != '\n')
					putchar('\n');
				putchar('\n');
			}
			free(out);
		}
		buf_free(&body);
		buf_free(&head);
		queue_clear(&e->queues[qi]);
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("stdout");
		return 1;
	}
	return 0;
}

/* --mail: every report into the outbox, the positions saved with them,
 * then the relay.  Returns the exit status. */
static int
mail_reports(struct conf *c, struct engine *e, const struct opts *o,
    struct oneshot *os)
{
	struct oneshot_mail m;
	struct smtp_conf sc;
	struct mail_meta meta;
	char host[256], hostname[256], id[OUTBOX_PREFIX_MAX], answer[600];
	char *password = NULL;
	const char *spool = c->spooldir != NULL ? c->spooldir : DAEMON_SPOOLDIR;
	enum oneshot_mail_result res;
	size_t qi, n = 0;
	int rc = 0;

	local_host(o, host, sizeof(host));
	report_sanitize_host(hostname, sizeof(hostname), host);
	meta.now = o->now;
	meta.start = o->now;
	meta.hostname = hostname;
	if (oneshot_mail_smtp_conf(c, &sc, &password) == -1)
		return 1;
	oneshot_id(os, id, sizeof(id));
	if (oneshot_mail_open(&m, spool, id, oneshot_seq(os)) == -1) {
		free(password);
		return 1;
	}
	for (qi = 0; qi < c->nqueues; qi++) {
		const struct queue_def *qd = &c->queues[qi];
		struct mime_opts mo = { hostname, oneshot_mail_next(&m), o->now,
		    MIME_INLINE, NULL, NULL };
		enum mailer_result res1;
		struct buf msg;

		buf_init(&msg, SIZE_MAX / 4);
		res1 = mailer_render(e, qi, NULL, &meta, &mo, &msg);
		if (res1 == MAILER_MAIL && oneshot_mail_stage(&m, qd->from,
		    qd->to, qd->name, msg.data, msg.len) == -1) {
			buf_free(&msg);
			log_warnx("nothing was sent and no position was saved; "
			    "the next run reads the same lines again");
			oneshot_mail_unstage(&m);
			rc = 1;
			goto out;
		}
		n += res1 == MAILER_MAIL;
		buf_free(&msg);
		if (res1 != MAILER_NOTHING)
			queue_clear(&e->queues[qi]);
	}
	failpoint_check("check-staged");
	/* the commit: the positions and the reports' numbers together */
	if (oneshot_save(os, e, m.seq) == -1) {
		log_warnx("the state could not be saved: nothing was sent; the "
		    "next run reads the same lines again");
		oneshot_mail_unstage(&m);
		rc = 1;
		goto out;
	}
	failpoint_check("check-saved");
	if (oneshot_mail_publish(&m) == -1)
		rc = 1;
	failpoint_check("check-published");
	res = oneshot_mail_deliver(&m, &sc, o->mail_wait, answer,
	    sizeof(answer));
	failpoint_check("check-delivered");
	if (res == ONESHOT_MAIL_WAITING) {
		size_t left = oneshot_mail_waiting(&m);

		log_warnx("%zu report%s not delivered (waited at most %u s); "
		    "relay %s: %s; %s in %s/new for the next run or a running "
		    "daemon", left, left == 1 ? "" : "s", o->mail_wait,
		    sc.server, answer, left == 1 ? "it waits" : "they wait",
		    spool);
		rc = rc != 0 ? rc : 3;
	} else if (res == ONESHOT_MAIL_ERROR) {
		log_warnx("mail: %s", answer[0] != '\0' ? answer :
		    "the sender process could not run");
		rc = 1;
	}
out:
	oneshot_mail_close(&m);
	free(password);
	(void)n;
	return rc;
}

/* check -c CONF: the tenshi-style rules. */
static int
check_conf(struct opts *o)
{
	struct conf c;
	struct engine e;
	struct oneshot os;
	struct feed fd;
	struct progress pg;
	struct check_account acc;
	char **paths;
	size_t i, n;
	glob_t g;
	int rc = 0;

	if (opts_load_conf(&c, o) == -1)
		return 1;
	engine_init(&e, &c);
	/* the entries' examples are for a checkpoint: without --state
	 * nothing would read them */
	engine_set_examples(&e, o->state != NULL);
	if (conf_tmpl_mining(&c)) {
		/* set automask: a template store for this run */
		struct tmpl_opts to;

		automask_opts(&c, &to);
		e.tmpl = tmpl_new(&to, o->now);
	}
	if (oneshot_open(&os, o->state, "check", o->test, c.max_line,
	    c.partial_timeout, &e) == -1) {
		tmpl_free(e.tmpl);
		engine_free(&e);
		conf_free(&c);
		return 1;
	}
	fd.e = &e;
	fd.now = o->now;
	fd.pipe = o->threads > 1 ? engine_pipe_new(&e, o->now) : NULL;
	paths = source_list(o, &c, &n, &g);
	if (n == 0 && !(o->state != NULL && c.journal)) {
		log_warnx("no files given and the configuration has no 'set "
		    "logfile'");
		rc = 1;
	}
	if (o->state != NULL && o->nargs == 0 && c.journal) {
		struct in_journal_opts jo;
		char **matches = xcalloc(c.journal_matches.n + 1,
		    sizeof(*matches)), **files = NULL;
		bool first;

		for (i = 0; i < c.journal_matches.n; i++)
			matches[i] = c.journal_matches.v[i];
		if (c.journal_files.n > 0) {
			files = xcalloc(c.journal_files.n + 1, sizeof(*files));
			for (i = 0; i < c.journal_files.n; i++)
				files[i] = c.journal_files.v[i];
		}
		memset(&jo, 0, sizeof(jo));
		jo.dir = c.journal_dir;
		jo.files = files;
		jo.matches = matches;
		jo.max_msg = c.max_line;
		if (oneshot_journal(&os, &jo, (uint64_t)(time(NULL) -
		    JOURNAL_FIRST) * 1000000, feed_line, &fd, &first) == -1)
			rc = 1;
		else if (first)
			log_warnx("journal: first run over it: read the last %d "
			    "hours", JOURNAL_FIRST / 3600);
		free(matches);
		free(files);
	}
	progress_init(&pg, opts_progress(o), 2);
	for (i = 0; i < n; i++)
		progress_add_file(&pg, paths[i]);
	os.progress = pg.on ? &pg : NULL;
	for (i = 0; i < n; i++)
		if (oneshot_file(&os, paths[i], feed_line, &fd) == -1)
			rc = 1;
	engine_pipe_free(fd.pipe);	/* every line applied */
	progress_end(&pg);
	os.progress = NULL;
	free(paths);
	globfree(&g);
	failpoint_check("check-read");
	if (o->mail) {
		int mrc = mail_reports(&c, &e, o, &os);

		rc = mrc != 0 ? mrc : rc;
	} else if (print_reports(&c, &e, o) != 0)
		rc = 1;
	else {
		failpoint_check("check-printed");
		if (oneshot_save(&os, &e, oneshot_seq(&os)) == -1)
			rc = 1;
	}
	check_account_fill(&acc, &e.stats, &os.stats);
	check_account_print(&acc, &c, o->quiet);
	oneshot_close(&os);
	tmpl_free(e.tmpl);
	engine_free(&e);
	conf_free(&c);
	return rc;
}

/* --mail-preview: the subject logcheck would give the mail. */
static void
mail_subject(enum lc_section_kind kind, void *arg)
{
	const struct opts *o = arg;
	struct lcreport_opts ro = { 0 };
	char date[64], host[256], subject[1024];

	lcmail_date(date, sizeof(date), o->now, NULL);
	local_host(o, host, sizeof(host));
	lcmail_subject(subject, sizeof(subject), host, date,
	    lcreport_title(&ro, kind), o->tag, o->reboot);
	printf("Subject: %s\n\n", subject);
}

/* logward check --logcheck DIR: logcheck -o -t, byte for byte. */
static int
cmd_logcheck(struct opts *o)
{
	struct lcdb db;
	struct lcrun run;
	struct oneshot os;
	struct progress pg;
	struct lcreport_opts ro = { 0 };
	const char **order;
	size_t i;
	int rc = 0;

	if (lcdb_load(&db, o->logcheck, o->level, o->cracking_ignore) == -1) {
		for (i = 0; i < db.nerrors; i++)
			fprintf(stderr, "%s\n", db.errors[i]);
		fprintf(stderr, "logward: %s: %zu error%s in the rule tree; "
		    "nothing was done\n", o->logcheck, db.nerrors,
		    db.nerrors == 1 ? "" : "s");
		lcdb_free(&db);
		return 1;
	}
	if (o->engine != 1)
		(void)lcdb_scan_build(&db, o->cachedir != NULL ? o->cachedir :
		    scan_default_cachedir());
	else
		lcdb_use_pcre2(&db);
	if (o->nargs == 0) {
		log_warnx("check --logcheck: name the log files to read ('-' "
		    "for stdin)");
		lcdb_free(&db);
		return 2;
	}
	if (oneshot_open(&os, o->state, "check-logcheck", o->test,
	    LCRUN_MAX_LINE, 10, NULL) == -1) {
		lcdb_free(&db);
		return 1;
	}
	lcrun_init(&run, &db, o->sortuniq, o->threads);
	order = xreallocarray(NULL, (size_t)o->nargs, sizeof(*order));
	for (i = 0; i < (size_t)o->nargs; i++)
		order[i] = o->args[i];
	lcrun_order(order, (size_t)o->nargs);
	progress_init(&pg, opts_progress(o), 2);
	for (i = 0; i < (size_t)o->nargs; i++)
		progress_add_file(&pg, order[i]);
	os.progress = pg.on ? &pg : NULL;
	for (i = 0; i < (size_t)o->nargs; i++)
		if (oneshot_file(&os, order[i], lcrun_line, &run) == -1)
			rc = 1;
	progress_end(&pg);
	os.progress = NULL;
	free(order);
	if (lcrun_finish(&run) == -1) {
		/* the report would miss lines: none, and nothing saved */
		log_warnx("check --logcheck: no report; the positions were "
		    "not saved");
		oneshot_close(&os);
		lcrun_free(&run);
		lcdb_free(&db);
		return 1;
	}
	ro.intro = !o->no_intro;
	(void)lcrun_write(&run, stdout, &ro,
	    o->mail_preview ? mail_subject : NULL, o);
	if (db.limit_errors > 0)
		log_warnx("%llu rule test%s could not be decided (PCRE2 limits, "
		    "even with the DFA matcher); those rules were taken as "
		    "matching", (unsigned long long)db.limit_errors,
		    db.limit_errors == 1 ? "" : "s");
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("stdout");
		rc = 1;
	} else if (lcrun_failed(&run)) {
		log_warnx("check --logcheck: the report is incomplete; the "
		    "positions were not saved");
		rc = 1;
	} else if (oneshot_save(&os, NULL, oneshot_seq(&os)) == -1)
		rc = 1;
	if (run.cut > 0)
		log_warnx("%llu line%s longer than %d bytes %s cut",
		    (unsigned long long)run.cut, run.cut == 1 ? "" : "s",
		    LCRUN_MAX_LINE, run.cut == 1 ? "was" : "were");
	oneshot_close(&os);
	lcrun_free(&run);
	lcdb_free(&db);
	return rc;
}

int
check_main(int argc, char **argv)
{
	struct opts o;

	if (opts_parse(argc, argv, &o) == -1)
		return 2;
	if (o.test && o.state == NULL) {
		log_warnx("check: --test reads from the positions of --state "
		    "DIR without saving them; give --state DIR too");
		return 2;
	}
	if (o.logcheck != NULL) {
		if (o.conf_given) {
			log_warnx("check: use either -c CONF or --logcheck DIR; a "
			    "configuration loads a rule tree with its 'logcheck' "
			    "directive");
			return 2;
		}
		if (o.mail) {
			log_warnx("check --logcheck: --mail needs a recipient; "
			    "'logward logcheck' mails logcheck's report as "
			    "logcheck does");
			return 2;
		}
		return cmd_logcheck(&o);
	}
	return check_conf(&o);
}
