/*
 * logcheck — `logward logcheck` (see logcheck.h): logcheck's options and
 * settings, its sources, its report, its mail.
 */
#include "cli/logcheck.h"

#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/lcrun.h"
#include "cli/oneshot.h"
#include "cli/oneshot_mail.h"
#include "cli/opts.h"
#include "conf/conf.h"
#include "conf/lcconf.h"
#include "conf/lcdb.h"
#include "lib/buf.h"
#include "lib/failpoint.h"
#include "lib/log.h"
#include "lib/scan.h"
#include "lib/str.h"
#include "lib/xmem.h"
#include "report/lcmail.h"
#include "report/lcreport.h"
#include "report/report.h"

#define JOURNAL_FIRST	(5 * 3600)	/* s of journal a first run reads */

/* One run's settings: logcheck.conf, then the options over it. */
struct job {
	const char	*conffile;	/* -c */
	bool		 conf_given;
	const char	*ruledir;	/* RULEDIR, -r */
	enum lc_level	 level;		/* REPORTLEVEL, -p -s -w */
	char		*sendto;	/* owned: SENDMAILTO, -m (qualified) */
	int		 attach;	/* MAILASATTACH */
	bool		 cign, sortuniq, intro, tag, fqdn, mailout, reboot;
	bool		 test;		/* -t */
	const char	*titles[3];	/* ATTACKSUBJECT, SECURITYSUBJECT, EVENTSSUBJECT */
	char		 date[128];	/* DATE */
	char		 host[256];	/* subject host: -H, else FQDN or short */
	const char	*hostopt;	/* -H */
	const char	*logfile;	/* -l */
	const char	*list;		/* LOGFILES_LIST, -L */
	const char	*listdir;	/* LOGFILES_LIST_D, -D */
	const char	*statedir;	/* -S */
	const char	*mailto;	/* -m */
	const char	*lwconf;	/* --logward-config */
	bool		 lwconf_given;
	const char	*from;		/* --from */
	unsigned	 mail_wait;	/* --mail-wait */
	time_t		 now;		/* --now */
	bool		 now_given;
	const char	*cachedir;	/* --cache-dir */
	struct lcconf	 lc;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: logward logcheck [-c CFG] [-d] [-h] [-H HOST] [-l LOG] "
	    "[-L CFG] [-D DIR]\n"
	    "                        [-m MAIL] [-o] [-p|-s|-w] [-r DIR] [-R] "
	    "[-S DIR] [-t] [-T] [-u] [-v]\n"
	    "                        [--logward-config FILE] [--from ADDR] "
	    "[--mail-wait SECONDS]\n"
	    "logcheck's options (see logward(8)); -T and -u are accepted and "
	    "ignored.\n"
	    "  -c CFG   logcheck's config (default " LOGCHECK_CONF ")\n"
	    "  -S DIR   where logward keeps the positions (default "
	    LOGCHECK_STATEDIR ")\n"
	    "  --logward-config FILE  the relay and outbox come from it "
	    "(default " DEFAULT_CONF ")\n");
}

static const char *
var(const struct lcconf *lc, const char *name, const char *def)
{
	const struct lcconf_var *v = lcconf_get(lc, name);

	return v != NULL && !v->date_fmt ? v->value : def;
}

static bool
flag(struct lcconf *lc, const char *name, bool def)
{
	long n;

	return lcconf_int(lc, name, &n) ? n == 1 : def;
}

/* hostname --fqdn, or --short. */
static void
local_name(char *dst, size_t size, bool fqdn)
{
	struct addrinfo hints, *res = NULL;

	if (gethostname(dst, size) == -1)
		str_lcpy(dst, "localhost", size);
	dst[size - 1] = '\0';
	if (!fqdn) {
		dst[strcspn(dst, ".")] = '\0';
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(dst, NULL, &hints, &res) == 0 && res != NULL &&
	    res->ai_canonname != NULL)
		str_lcpy(dst, res->ai_canonname, size);
	if (res != NULL)
		freeaddrinfo(res);
}

/* A recipient list with bare names qualified as sendmail would
 * (NAME@this host's FQDN).  Returns an owned string. */
static char *
qualify(const char *list)
{
	char fq[256];
	struct buf b;
	char **v;
	size_t n, i;

	local_name(fq, sizeof(fq), true);
	v = outbox_split_rcpts(list, &n);
	buf_init(&b, 64 * 1024);
	for (i = 0; i < n; i++) {
		buf_printf(&b, "%s%s", i > 0 ? ", " : "", v[i]);
		if (strchr(v[i], '@') == NULL)
			buf_printf(&b, "@%s", fq);
		free(v[i]);
	}
	free(v);
	{
		char *out = buf_steal(&b);

		return out != NULL ? out : xstrdup("");
	}
}

/* The options, read twice as logcheck reads them: first -c (and -h, -v,
 * -d), then the config, then the rest over it. */
static int
parse_opts(struct job *j, int argc, char **argv, bool settings)
{
	const struct option longopts[] = {
		{ "logward-config", required_argument, NULL, 'C' },
		{ "from", required_argument, NULL, 'F' },
		{ "mail-wait", required_argument, NULL, 'W' },
		{ "now", required_argument, NULL, 'N' },
		{ "cache-dir", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long long v;
	const char *errstr;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:dhH:l:L:D:m:opr:RsS:tTuvw",
	    longopts, NULL)) != -1) {
		if (!settings) {
			switch (ch) {
			case 'c':
				j->conffile = optarg;
				j->conf_given = true;
				break;
			case 'd':
				log_init("logward", 2);
				break;
			case 'h':
				usage(stdout);
				exit(0);
			case 'v':
				printf("logward %s (logward logcheck: logcheck "
				    "1.4.2's options)\n", LOGWARD_VERSION);
				exit(0);
			case '?':
				usage(stderr);
				return -1;
			case 'C':
				j->lwconf = optarg;
				j->lwconf_given = true;
				break;
			case 'F':
				j->from = optarg;
				break;
			case 'W':
				if (str_tonum(optarg, 0, 86400, &v, &errstr) == -1) {
					log_warnx("--mail-wait: '%s' is not a "
					    "number of seconds from 0 to 86400",
					    optarg);
					return -1;
				}
				j->mail_wait = (unsigned)v;
				break;
			case 'N':
				if (opts_parse_time(optarg, &j->now) == -1) {
					log_warnx("--now: '%s' is not 'YYYY-MM-DD "
					    "HH:MM:SS' or @EPOCH", optarg);
					return -1;
				}
				j->now_given = true;
				break;
			case 'K':
				j->cachedir = optarg;
				break;
			}
			continue;
		}
		switch (ch) {
		case 'H': j->hostopt = optarg; break;
		case 'l': j->logfile = optarg; break;
		case 'L': j->list = optarg; break;
		case 'D': j->listdir = optarg; break;
		case 'm': j->mailto = optarg; break;
		case 'o': j->mailout = true; break;
		case 'p': j->level = LC_PARANOID; break;
		case 's': j->level = LC_SERVER; break;
		case 'w': j->level = LC_WORKSTATION; break;
		case 'r': j->ruledir = optarg; break;
		case 'R': j->reboot = true; break;
		case 'S': j->statedir = optarg; break;
		case 't': j->test = true; break;
		default: break;		/* -T, -u: accepted, ignored */
		}
	}
	if (optind < argc) {
		log_warnx("logcheck: unexpected argument '%s' (logcheck takes "
		    "options only)", argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

/* logcheck.conf, then the options over it.  Returns 0, -1 on a config
 * error, -2 on a usage error. */
static int
settings(struct job *j, int argc, char **argv)
{
	struct lcconf *lc = &j->lc;
	const struct lcconf_var *dv;
	const char *s;
	long n;
	size_t i;

	if (lcconf_load(lc, j->conffile) == -1) {
		if (j->conf_given || errno != ENOENT) {
			log_warn("config file %s is unreadable or does not "
			    "exist", j->conffile);
			return -1;
		}
	}
	for (i = 0; i < lc->nwarnings; i++)
		fprintf(stderr, "%s\n", lc->warnings[i]);
	s = var(lc, "REPORTLEVEL", "server");
	if (lcdb_level(s, &j->level) == -1) {
		log_warnx("%s: REPORTLEVEL is set to an unknown value '%s' "
		    "(workstation, server or paranoid)", j->conffile, s);
		return -1;
	}
	j->ruledir = var(lc, "RULEDIR", LOGCHECK_RULEDIR);
	j->attach = lcconf_int(lc, "MAILASATTACH", &n) && n >= 0 && n <= 2 ?
	    (int)n : 0;
	j->cign = flag(lc, "SUPPORT_CRACKING_IGNORE", false);
	j->sortuniq = flag(lc, "SORTUNIQ", false);
	s = var(lc, "INTRO", "");
	j->intro = s[0] == '\0' || strcmp(s, "yes") == 0 ? true :
	    strcmp(s, "no") == 0 ? false : flag(lc, "INTRO", true);
	j->tag = strcmp(var(lc, "ADDTAG", "no"), "yes") == 0;
	j->fqdn = flag(lc, "FQDN", false);
	j->mailout = flag(lc, "MAILOUT", false);
	j->reboot = flag(lc, "REBOOT", false);
	j->titles[0] = var(lc, "ATTACKSUBJECT", "Security Alerts");
	j->titles[1] = var(lc, "SECURITYSUBJECT", "Security Events");
	j->titles[2] = var(lc, "EVENTSSUBJECT", "System Events");
	j->list = var(lc, "LOGFILES_LIST", LOGCHECK_LIST);
	j->listdir = var(lc, "LOGFILES_LIST_D", LOGCHECK_LIST_D);
	if ((dv = lcconf_get(lc, "DATE")) != NULL && !dv->date_fmt)
		str_lcpy(j->date, dv->value, sizeof(j->date));
	else
		lcmail_date(j->date, sizeof(j->date), j->now, dv != NULL ?
		    dv->value : NULL);
	if (parse_opts(j, argc, argv, true) == -1)
		return -2;
	if (j->hostopt != NULL)
		str_lcpy(j->host, j->hostopt, sizeof(j->host));
	else
		local_name(j->host, sizeof(j->host), j->fqdn);
	j->sendto = qualify(j->mailto != NULL ? j->mailto :
	    var(lc, "SENDMAILTO", "root"));
	return 0;
}

/* ---- sources ---- */

/* A journal entry as journalctl's short output shows it: the <PRI>
 * dropped, the RFC 3339 stamp as "Mon DD hh:mm:ss" (local time). */
struct jfeed {
	struct lcrun	*run;
	struct buf	 line;
};

static void
journal_line(void *arg, const char *line, size_t len, size_t cut_from)
{
	static const char mons[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct jfeed *jf = arg;
	const char *p = line, *end = line + len, *sp;
	int mon;

	if (p < end && *p == '<' && (sp = memchr(p, '>', (size_t)(end - p))) !=
	    NULL)
		p = sp + 1;
	sp = memchr(p, ' ', (size_t)(end - p));
	buf_reset(&jf->line);
	if (sp != NULL && sp - p >= 19 && p[4] == '-' && p[10] == 'T' &&
	    (mon = (p[5] - '0') * 10 + (p[6] - '0')) >= 1 && mon <= 12) {
		buf_printf(&jf->line, "%s %.2s %.8s", mons[mon - 1], p + 8,
		    p + 11);
		buf_add(&jf->line, sp, (size_t)(end - sp));
	} else
		buf_add(&jf->line, p, (size_t)(end - p));
	lcrun_line(jf->run, buf_str(&jf->line), jf->line.len, cut_from);
}

/* The files the lists name (or -l), in logcheck's order. */
static int
source_names(struct job *j, char ***v, size_t *n)
{
	glob_t g;
	char *pat;
	size_t i;
	int rc = 0;

	if (j->logfile != NULL) {
		*v = xreallocarray(NULL, 1, sizeof(**v));
		(*v)[0] = xstrdup(j->logfile);
		*n = 1;
		return 0;
	}
	if (lcconf_logfiles(j->list, v, n) == -1) {
		log_warn("%s does not exist or could not be read", j->list);
		rc = -1;
	}
	pat = xasprintf("%s/*.logfiles", j->listdir);
	memset(&g, 0, sizeof(g));
	if (glob(pat, 0, NULL, &g) == 0)
		for (i = 0; i < g.gl_pathc; i++)
			if (lcconf_logfiles(g.gl_pathv[i], v, n) == -1) {
				log_warn("%s does not exist or could not be read",
				    g.gl_pathv[i]);
				rc = -1;
			}
	globfree(&g);
	free(pat);
	return rc;
}

/* Reads every source into run; sources that cannot be read go to errs as
 * logcheck words them.  *first_journal: the journal was read for the
 * first time.  Returns 0, or -1 when some source failed. */
static int
read_sources(struct job *j, struct oneshot *os, const struct conf *lw,
    struct lcrun *run, struct buf *errs, bool *first_journal)
{
	struct jfeed jf = { run, { 0 } };
	const char **order;
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	*first_journal = false;
	rc = source_names(j, &names, &n);
	order = xreallocarray(NULL, n + 1, sizeof(*order));
	for (i = 0; i < n; i++)
		order[i] = names[i];
	lcrun_order(order, n);
	buf_init(&jf.line, SIZE_MAX / 4);
	for (i = 0; i < n; i++) {
		struct stat sb;
		int st = stat(order[i], &sb);
		bool isfile = st == 0 && S_ISREG(sb.st_mode);
		bool gone = st == -1 && errno == ENOENT;

		if (!isfile && strcmp(order[i], "journal") == 0) {
			struct in_journal_opts jo;

			memset(&jo, 0, sizeof(jo));
			if (lw != NULL) {
				jo.dir = lw->journal_dir;
				jo.files = lw->journal_files.n > 0 ?
				    lw->journal_files.v : NULL;
				jo.matches = lw->journal_matches.n > 0 ?
				    lw->journal_matches.v : NULL;
			}
			jo.max_msg = LCRUN_MAX_LINE;
			if (oneshot_journal(os, &jo, (uint64_t)(time(NULL) -
			    JOURNAL_FIRST) * 1000000, journal_line, &jf,
			    first_journal) == -1) {
				buf_printf(errs, "%sE: the journal could not be "
				    "read", errs->len > 0 ? "\n" : "");
				rc = -1;
			}
			continue;
		}
		if (!isfile && !gone) {
			/* logcheck: [ -f "$file" ] || "could not be read" */
			buf_printf(errs, "%sE: File could not be read: %s",
			    errs->len > 0 ? "\n" : "", order[i]);
			rc = -1;
			continue;
		}
		if (oneshot_file(os, order[i], lcrun_line, run) == -1) {
			buf_printf(errs, "%sE: File could not be read: %s",
			    errs->len > 0 ? "\n" : "", order[i]);
			rc = -1;
		}
	}
	buf_free(&jf.line);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(order);
	return rc;
}

/* ---- the run ---- */

/* logward's own config: the relay, the outbox, the journal.  NULL when
 * the default file is missing (the report can still be printed). */
static int
load_lwconf(struct job *j, struct conf *c, bool *have)
{
	*have = false;
	if (!j->lwconf_given && access(j->lwconf, F_OK) == -1 &&
	    errno == ENOENT)
		return 0;
	if (conf_load(c, j->lwconf) == -1) {
		conf_print_diags(c, stderr, false);
		fprintf(stderr, "logward: %s: %zu error%s; nothing was done\n",
		    j->lwconf, c->nerrors, c->nerrors == 1 ? "" : "s");
		conf_free(c);
		return -1;
	}
	*have = true;
	return 0;
}

/* The envelope sender: --from, else USER@FQDN as sendmail would make it. */
static char *
sender(const struct job *j)
{
	struct passwd *pw = getpwuid(geteuid());
	char fq[256];

	if (j->from != NULL)
		return xstrdup(j->from);
	local_name(fq, sizeof(fq), true);
	return xasprintf("%s@%s", pw != NULL ? pw->pw_name : "logcheck", fq);
}

/* Stages the report (none when report is NULL: reports of earlier runs
 * still go), saves the positions with it, publishes, waits for the
 * relay.  Returns the exit status. */
static int
mail_report(struct job *j, struct oneshot *os, const struct conf *lw,
    const char *report, size_t len, enum lc_section_kind kind)
{
	struct lcreport_opts ro = { .alerts = j->titles[0],
	    .events = j->titles[1], .system = j->titles[2] };
	struct oneshot_mail m;
	struct lcmail_opts lo;
	struct smtp_conf sc;
	struct buf msg;
	char subject[1200], hostname[256], id[OUTBOX_PREFIX_MAX], answer[600];
	char *password = NULL, *from = sender(j), *spool;
	enum oneshot_mail_result res;
	int rc = 0;

	spool = lw->spooldir != NULL ? xstrdup(lw->spooldir) :
	    xasprintf("%s/outbox", j->statedir);
	report_sanitize_host(hostname, sizeof(hostname), j->host);
	lcmail_subject(subject, sizeof(subject), j->host, j->date,
	    lcreport_title(&ro, kind), j->tag, j->reboot);
	if (oneshot_mail_smtp_conf(lw, &sc, &password) == -1) {
		free(from);
		free(spool);
		return 1;
	}
	oneshot_id(os, id, sizeof(id));
	if (oneshot_mail_open(&m, spool, id, oneshot_seq(os)) == -1) {
		free(password);
		free(from);
		free(spool);
		return 1;
	}
	if (report != NULL) {
		struct mime_opts mo = { .msgid_host = hostname,
		    .seq = oneshot_mail_next(&m), .now = j->now,
		    .attach = j->attach == 1 ? MIME_ATTACH_TEXT : j->attach == 2 ?
		    MIME_ATTACH_GZIP : MIME_INLINE,
		    .attach_name = "logcheck_report",
		    .attach_text = "Report attached" };

		memset(&lo, 0, sizeof(lo));
		lo.from = from;
		lo.to = j->sendto;
		lo.subject = subject;
		lo.now = j->now;
		lo.hostname = hostname;
		buf_init(&msg, SIZE_MAX / 4);
		if (lcmail_build(&msg, report, len, &lo, &mo) == -1 ||
		    oneshot_mail_stage(&m, from, j->sendto, "logcheck",
		    msg.data, msg.len) == -1) {
			log_warnx("the report could not be put in the outbox; "
			    "no position was saved");
			buf_free(&msg);
			oneshot_mail_unstage(&m);
			rc = 1;
			goto out;
		}
		buf_free(&msg);
	}
	failpoint_check("logcheck-staged");
	if (oneshot_save(os, NULL, m.seq) == -1) {
		log_warnx("the state could not be saved: nothing was sent; the "
		    "next run reads the same lines again");
		oneshot_mail_unstage(&m);
		rc = 1;
		goto out;
	}
	failpoint_check("logcheck-saved");
	if (oneshot_mail_publish(&m) == -1)
		rc = 1;
	res = oneshot_mail_deliver(&m, &sc, j->mail_wait, answer,
	    sizeof(answer));
	if (res == ONESHOT_MAIL_WAITING) {
		log_warnx("the report was not delivered (waited at most %u s); "
		    "relay %s: %s; it waits in %s/new for the next run or a "
		    "running daemon", j->mail_wait, sc.server, answer, spool);
		rc = rc != 0 ? rc : 3;
	} else if (res == ONESHOT_MAIL_ERROR) {
		log_warnx("mail: %s", answer[0] != '\0' ? answer :
		    "the sender process could not run");
		rc = 1;
	}
out:
	oneshot_mail_close(&m);
	free(password);
	free(from);
	free(spool);
	return rc;
}

static int
run(struct job *j)
{
	struct lcreport_opts ro = { .alerts = j->titles[0],
	    .events = j->titles[1], .system = j->titles[2] };
	struct conf lwc;
	struct lcdb db;
	struct lcrun lines;
	struct oneshot os;
	struct buf errs;
	enum lc_section_kind kind;
	char *text = NULL, *cache = NULL;
	size_t textlen = 0, i;
	bool have_lw, first_journal;
	FILE *fp;
	int rc = 0, src;

	if (load_lwconf(j, &lwc, &have_lw) == -1)
		return 1;
	if (!j->mailout && !have_lw) {
		log_warnx("%s: %s; the relay comes from logward's config (set "
		    "mailserver): give it with --logward-config FILE, or print "
		    "the report with -o", j->lwconf, strerror(ENOENT));
		return 1;
	}
	if (lcdb_load(&db, j->ruledir, j->level, j->cign) == -1) {
		for (i = 0; i < db.nerrors; i++)
			fprintf(stderr, "%s\n", db.errors[i]);
		log_warnx("%s: %zu error%s in the rule tree; nothing was done",
		    j->ruledir, db.nerrors, db.nerrors == 1 ? "" : "s");
		rc = 1;
		goto out_db;
	}
	if (oneshot_open(&os, j->statedir, "logcheck", j->test, LCRUN_MAX_LINE,
	    10, NULL) == -1) {
		rc = 1;
		goto out_db;
	}
	/* compiled rules: in the state directory, which the logcheck user
	 * owns (its HOME may not be writable) */
	if (j->cachedir == NULL && getenv("LOGWARD_CACHE_DIR") == NULL)
		cache = xasprintf("%s/cache", j->statedir);
	(void)lcdb_scan_build(&db, j->cachedir != NULL ? j->cachedir :
	    cache != NULL ? cache : scan_default_cachedir());
	lcrun_init(&lines, &db, j->sortuniq, 1);
	buf_init(&errs, 1024 * 1024);
	src = read_sources(j, &os, have_lw ? &lwc : NULL, &lines, &errs,
	    &first_journal);
	if (errs.len > 0)
		fprintf(stderr, "%s\n", buf_str(&errs));
	if (lcrun_finish(&lines) == -1) {
		/* the report would miss lines: none, and nothing saved */
		log_warnx("no report; the positions were not saved");
		rc = 1;
		goto out;
	}
	if (lcrun_count(&lines) == 0) {
		/* logcheck: nothing to check, nothing is sent (but what an
		 * earlier run left in the outbox is) */
		if (!j->mailout)
			rc = mail_report(j, &os, &lwc, NULL, 0, LC_NONE);
		else if (oneshot_save(&os, NULL, oneshot_seq(&os)) == -1)
			rc = 1;
		rc = src == -1 ? 1 : rc;
		goto out;
	}
	ro.intro = j->intro;
	ro.errors = errs.len > 0 ? buf_str(&errs) : NULL;
	if (first_journal)
		ro.preamble = "logward reads the systemd journal for the first "
		    "time: only the entries of the last 5 hours were checked.\n"
		    "To leave the journal out, remove the word \"journal\" from "
		    "the logfiles lists.\n";
	if ((fp = open_memstream(&text, &textlen)) == NULL) {
		log_warn("report");
		rc = 1;
		goto out;
	}
	kind = lcrun_write(&lines, fp, &ro, NULL, NULL);
	fclose(fp);
	if (lcrun_failed(&lines)) {
		log_warnx("the report is incomplete: nothing was sent and the "
		    "positions were not saved");
		rc = 1;
		goto out;
	}
	if (db.limit_errors > 0)
		log_warnx("%llu rule test%s could not be decided (PCRE2 limits); "
		    "those rules were taken as matching",
		    (unsigned long long)db.limit_errors,
		    db.limit_errors == 1 ? "" : "s");
	if (lines.cut > 0)
		log_warnx("%llu line%s longer than %d bytes %s cut",
		    (unsigned long long)lines.cut, lines.cut == 1 ? "" : "s",
		    LCRUN_MAX_LINE, lines.cut == 1 ? "was" : "were");
	if (kind == LC_NONE && j->mailout) {
		if (oneshot_save(&os, NULL, oneshot_seq(&os)) == -1)
			rc = 1;
	} else if (kind == LC_NONE) {
		rc = mail_report(j, &os, &lwc, NULL, 0, kind);
	} else if (j->mailout) {
		fwrite(text, 1, textlen, stdout);
		if (fflush(stdout) == EOF || ferror(stdout)) {
			log_warn("stdout");
			rc = 1;
		} else if (oneshot_save(&os, NULL, oneshot_seq(&os)) == -1)
			rc = 1;
	} else
		rc = mail_report(j, &os, &lwc, text, textlen, kind);
	if (rc == 0 && src == -1)
		rc = 1;
out:
	free(text);
	buf_free(&errs);
	lcrun_free(&lines);
	oneshot_close(&os);
	free(cache);
out_db:
	lcdb_free(&db);
	if (have_lw)
		conf_free(&lwc);
	return rc;
}

int
logcheck_main(int argc, char **argv)
{
	struct job j;
	int rc;

	memset(&j, 0, sizeof(j));
	j.conffile = LOGCHECK_CONF;
	j.statedir = LOGCHECK_STATEDIR;
	j.lwconf = DEFAULT_CONF;
	j.mail_wait = DEFAULT_MAIL_WAIT;
	j.now = time(NULL);
	if (parse_opts(&j, argc, argv, false) == -1)
		return 2;
	if ((rc = settings(&j, argc, argv)) != 0) {
		lcconf_free(&j.lc);
		free(j.sendto);
		return rc == -2 ? 2 : 1;
	}
	rc = run(&j);
	lcconf_free(&j.lc);
	free(j.sendto);
	return rc;
}
