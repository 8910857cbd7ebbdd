/*
 * summary — logward summary: the per-service summary of log files (the
 * given ones, or the configuration's logfiles with their rotated and
 * compressed siblings, and its journal), lines chosen by their own time
 * stamps (--range), as text, HTML or JSON on stdout.
 */
#include "cli/summary.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify/sumclass.h"
#include "cli/opts.h"
#include "cli/progress.h"
#include "cli/sumfiles.h"
#include "cli/usage.h"
#include "conf/conf.h"
#include "conf/conf_summary.h"
#include "input/disk.h"
#include "input/in_journal.h"
#include "input/record.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/lpipe.h"
#include "lib/str.h"
#include "lib/xmem.h"
#include "queue/sumstore.h"
#include "report/report.h"
#include "report/sumhtml.h"
#include "report/sumjson.h"
#include "report/summail.h"
#include "report/sumtext.h"
#include "report/sumview.h"

enum fmt { FMT_TEXT, FMT_HTML, FMT_JSON, FMT_MAIL };

struct run {
	struct sumclass	 k;
	struct sumclass_target tg;
	char		 apart[64];	/* the walk of both threads reads k and
					   tg; this thread writes what follows
					   line by line: not on one cache line */
	struct sumstore	 store;
	time_t		 now, since, until;
	bool		 ranged;
	uint64_t	 undated, outside;
	struct progress	 pg;		/* the progress line */
	struct lpipe	*lp;		/* --threads 2, else NULL */
	char		 apart1[64];	/* the same for the other thread's: */
	struct sumclass_lane lane1;	/* the second thread's scratch */
	char		 apart2[64];
};

/* A block's walked lines (--threads 2). */
struct walked {
	struct record	 rec[LPIPE_LINES];
	struct sumclass_walk w[LPIPE_LINES];
	struct sumclass_ops ops;
};

/* The line's time, and whether --range takes it. */
static bool
in_range(struct run *u, const struct record *r, time_t *t)
{
	*t = sumclass_time(r, u->now);
	if (u->ranged) {
		if (*t == (time_t)-1) {
			u->undated++;
			return false;
		}
		if ((u->since != 0 && *t < u->since) ||
		    (u->until != 0 && *t >= u->until)) {
			u->outside++;
			return false;
		}
	}
	if (*t == (time_t)-1)
		*t = 0;
	return true;
}

static void
on_line(void *arg, const char *line, size_t len, size_t cut)
{
	struct run *u = arg;
	struct record r;
	time_t t;

	progress_line(&u->pg, len);
	if (u->lp != NULL) {
		lpipe_line(u->lp, line, len, cut);
		return;
	}
	record_parse(&r, line, len);
	if (in_range(u, &r, &t))
		sumclass_record(&u->k, &r, t, &u->tg, 1);
}

/* lpipe's walk: parse and classify (any thread). */
static void
walk_block(void *arg, int lane, struct lpipe_block *b)
{
	struct run *u = arg;
	struct sumclass_lane *ln = lane == 0 ? &u->k.lane : &u->lane1;
	struct walked *wk = b->res;
	size_t i;

	if (wk == NULL) {
		wk = b->res = xcalloc(1, sizeof(*wk));
		sumclass_ops_init(&wk->ops);
	}
	sumclass_ops_reset(&wk->ops);
	for (i = 0; i < b->n; i++) {
		record_parse(&wk->rec[i], b->bytes + b->lines[i].off,
		    b->lines[i].len);
		sumclass_walk(&u->k, ln, &wk->rec[i], &u->tg, 1, &wk->ops,
		    &wk->w[i]);
	}
}

/* lpipe's apply: time, range, the counts (in input order). */
static void
apply_block(void *arg, struct lpipe_block *b)
{
	struct run *u = arg;
	struct walked *wk = b->res;
	size_t i;
	time_t t;

	for (i = 0; i < b->n; i++)
		if (in_range(u, &wk->rec[i], &t))
			(void)sumclass_apply(&u->k, &wk->rec[i], t, &wk->w[i],
			    &wk->ops, &u->tg, 1);
}

static void
walked_free(void *res)
{
	struct walked *wk = res;

	sumclass_ops_free(&wk->ops);
	free(wk);
}

static void
on_journal(void *arg, const char *line, size_t len, size_t cut)
{
	on_line(arg, line, len, cut);
}

static time_t
midnight(time_t t, int days)
{
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* "YYYY-MM-DD[ HH:MM[:SS]]" in local time, or "" (open). */
static int
parse_bound(const char *s, time_t *out)
{
	struct tm tm;
	const char *e;

	*out = 0;
	while (*s == ' ')
		s++;
	if (*s == '\0')
		return 0;
	memset(&tm, 0, sizeof(tm));
	if ((e = strptime(s, "%Y-%m-%d %H:%M:%S", &tm)) == NULL || *e != '\0') {
		memset(&tm, 0, sizeof(tm));
		if ((e = strptime(s, "%Y-%m-%d %H:%M", &tm)) == NULL || *e != '\0') {
			memset(&tm, 0, sizeof(tm));
			if ((e = strptime(s, "%Y-%m-%d", &tm)) == NULL ||
			    (*e != '\0' && *e != ' '))
				return -1;
		}
	}
	tm.tm_isdst = -1;
	*out = mktime(&tm);
	return *out == (time_t)-1 ? -1 : 0;
}

static int
parse_range(struct run *u, const char *s)
{
	const char *dots;

	u->ranged = true;
	if (strcmp(s, "all") == 0) {
		u->ranged = false;
		return 0;
	}
	if (strcmp(s, "yesterday") == 0) {
		u->since = midnight(u->now, -1);
		u->until = midnight(u->now, 0);
		return 0;
	}
	if (strcmp(s, "today") == 0) {
		u->since = midnight(u->now, 0);
		u->until = midnight(u->now, 1);
		return 0;
	}
	if ((dots = strstr(s, "..")) != NULL) {
		char *a = xmemdup0(s, (size_t)(dots - s));
		int rc = parse_bound(a, &u->since) == -1 ||
		    parse_bound(dots + 2, &u->until) == -1 ? -1 : 0;

		free(a);
		if (rc == 0 && u->since != 0 && u->until != 0 && u->until <= u->since)
			return -1;
		return rc;
	}
	return -1;
}

static int
read_journal(const struct conf *c, struct run *u)
{
	struct in_journal_opts jo;
	struct in_journal *j;
	char err[512];
	int r;

	memset(&jo, 0, sizeof(jo));
	jo.dir = c->journal_dir;
	jo.files = c->journal_files.n > 0 ? c->journal_files.v : NULL;
	jo.matches = c->journal_matches.n > 0 ? c->journal_matches.v : NULL;
	jo.max_msg = c->max_line;
	j = in_journal_open(&jo, NULL, err, sizeof(err));
	if (j == NULL) {
		log_warnx("journal: %s", err);
		return -1;
	}
	while ((r = in_journal_poll(j, 100000, on_journal, u)) == 1)
		;
	in_journal_free(j);
	return r == -1 ? -1 : 0;
}

/* --now: "YYYY-MM-DD HH:MM:SS" local time or @EPOCH */
static int
parse_now(const char *s, time_t *out)
{
	long long v;
	const char *errstr;

	if (s[0] == '@') {
		if (str_tonum(s + 1, 0, (long long)1 << 40, &v, &errstr) == -1)
			return -1;
		*out = (time_t)v;
		return 0;
	}
	return parse_bound(s, out) == -1 || *out == 0 ? -1 : 0;
}

/* --format mail: the message a summary queue would send (the first set
 * summary's From, To and Subject, else logward@HOST to root). */
static void
mail(struct buf *out, const struct sum_conf *sc, const struct sumreport *rep,
    const char *host, time_t now)
{
	struct sum_queue q;
	struct mail_meta meta;
	struct mime_opts mo;
	char clean[256], *from = NULL;

	report_sanitize_host(clean, sizeof(clean), host);
	memset(&q, 0, sizeof(q));
	if (sc->nqueues > 0)
		q = sc->queues[0];
	else {
		from = xasprintf("logward@%s", clean);
		q.from = from;
		q.to = "root";
		q.name = "summary";
	}
	meta.now = now;
	meta.start = rep->since != 0 ? rep->since : rep->store->first;
	meta.hostname = clean;
	mo.msgid_host = clean;
	mo.seq = 0;
	mo.now = now;
	(void)summail_render(out, &q, rep, &meta, &mo);
	free(from);
}

static void
usage_error(const char *msg, const char *arg)
{
	log_warnx("summary: %s%s%s; run 'logward summary --help'", msg,
	    arg != NULL ? ": " : "", arg != NULL ? arg : "");
}

int
summary_main(int argc, char **argv)
{
	const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "service", required_argument, NULL, 's' },
		{ "detail", required_argument, NULL, 'd' },
		{ "range", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "now", required_argument, NULL, 'n' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "no-disk", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "progress", no_argument, NULL, 'P' },
		{ "no-progress", no_argument, NULL, 'Q' },
		{ "threads", required_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	const char *confpath = DEFAULT_CONF, *services = "all", *range = NULL;
	enum progress_mode pmode = PROGRESS_AUTO;
	const char *host = NULL;
	enum fmt fmt = FMT_TEXT;
	unsigned detail = 0;
	bool nodisk = false;
	int ch, rc = 0, i, threads = 1;
	struct conf c;
	struct run u;
	struct sumreport rep;
	struct disk_table dt;
	struct buf out;
	bool *want = NULL;
	size_t *nfacts, s;
	char hostbuf[256], bad[128];

	memset(&u, 0, sizeof(u));
	u.now = time(NULL);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			confpath = optarg;
			break;
		case 's':
			services = optarg;
			break;
		case 'd':
			if (conf_summary_detail(optarg, &detail) == -1) {
				usage_error("--detail takes low, med, high or 0..10",
				    optarg);
				return 2;
			}
			break;
		case 'r':
			range = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				fmt = FMT_TEXT;
			else if (strcmp(optarg, "html") == 0)
				fmt = FMT_HTML;
			else if (strcmp(optarg, "json") == 0)
				fmt = FMT_JSON;
			else if (strcmp(optarg, "mail") == 0)
				fmt = FMT_MAIL;
			else {
				usage_error("--format takes text, html, json or "
				    "mail", optarg);
				return 2;
			}
			break;
		case 'n':
			if (parse_now(optarg, &u.now) == -1) {
				usage_error("--now takes 'YYYY-MM-DD HH:MM:SS' or "
				    "@EPOCH", optarg);
				return 2;
			}
			break;
		case 'H':
			host = optarg;
			break;
		case 'D':
			nodisk = true;
			break;
		case 'h':
			usage_print(stdout);
			return 0;
		case 'P':
			pmode = PROGRESS_ON;
			break;
		case 'Q':
			pmode = PROGRESS_OFF;
			break;
		case 'J':
			if (strcmp(optarg, "1") != 0 && strcmp(optarg, "2") != 0) {
				usage_error("--threads takes 1 or 2", optarg);
				return 2;
			}
			threads = optarg[0] - '0';
			break;
		default:
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (range == NULL)
		range = argc > 0 ? "all" : "yesterday";
	if (parse_range(&u, range) == -1) {
		usage_error("--range takes yesterday, today, all or "
		    "'YYYY-MM-DD[ HH:MM[:SS]]..YYYY-MM-DD[ HH:MM[:SS]]' (either "
		    "side may be empty)", range);
		return 2;
	}
	if (conf_load(&c, confpath) == -1) {
		conf_print_diags(&c, stderr, false);
		fprintf(stderr, "logward: %s: %zu error%s; nothing was done\n",
		    confpath, c.nerrors, c.nerrors == 1 ? "" : "s");
		conf_free(&c);
		return 1;
	}
	if (c.summary == NULL || c.summary->nsvcs == 0) {
		log_warnx("%s defines no summary service; add 'includedir "
		    "/etc/logward/summaries.d' (the shipped services) to it",
		    confpath);
		conf_free(&c);
		return 1;
	}
	want = xcalloc(c.summary->nsvcs + 1, sizeof(*want));
	if (conf_summary_services(c.summary, services, want, bad,
	    sizeof(bad)) == -1) {
		usage_error("--service: no such service", bad);
		free(want);
		conf_free(&c);
		return 2;
	}
	sumclass_init(&u.k, c.summary);
	nfacts = xcalloc(c.summary->nsvcs + 1, sizeof(*nfacts));
	for (s = 0; s < c.summary->nsvcs; s++)
		nfacts[s] = c.summary->svcs[s].nfacts;
	sumstore_init(&u.store, c.summary->nsvcs, nfacts, c.summary->max_keys,
	    c.summary->max_unmatched);
	sumstore_set_memory(&u.store, sumclass_memory(&c, true));
	free(nfacts);
	u.tg.store = &u.store;
	u.tg.want = want;

	if (threads == 2) {
		sumclass_lane_init(&u.k, &u.lane1);
		u.lp = lpipe_new(walk_block, apply_block, walked_free, &u);
	}
	progress_init(&u.pg, pmode, 2);
	if (argc > 0) {
		for (i = 0; i < argc; i++)
			progress_add_file(&u.pg, argv[i]);
		for (i = 0; i < argc; i++)
			if (sumfiles_read(argv[i], c.max_line, on_line, &u) == -1)
				rc = 1;
	} else {
		/* the rotated files are found one list at a time: no total */
		progress_add_file(&u.pg, "-");
		for (s = 0; s < c.logfiles.n; s++) {
			size_t nf, f;
			char **files = sumfiles_siblings(c.logfiles.v[s],
			    u.ranged ? u.since : 0, &nf);

			for (f = 0; f < nf; f++) {
				if (access(files[f], F_OK) == 0 &&
				    sumfiles_read(files[f], c.max_line, on_line,
				    &u) == -1)
					rc = 1;
				free(files[f]);
			}
			free(files);
		}
		if (c.journal && read_journal(&c, &u) == -1)
			rc = 1;
		if (c.logfiles.n == 0 && !c.journal)
			log_warnx("no FILE given and %s has no 'set logfile' or "
			    "'set journal': nothing to read", confpath);
	}
	lpipe_free(u.lp);	/* every line counted */
	u.lp = NULL;
	if (threads == 2)
		sumclass_lane_free(&u.lane1);
	progress_end(&u.pg);

	if (host == NULL) {
		if (gethostname(hostbuf, sizeof(hostbuf)) == -1)
			str_lcpy(hostbuf, "localhost", sizeof(hostbuf));
		hostbuf[sizeof(hostbuf) - 1] = '\0';
		host = hostbuf;
	}
	memset(&rep, 0, sizeof(rep));
	rep.sc = c.summary;
	rep.store = &u.store;
	rep.want = want;
	rep.detail = detail;
	rep.host = host;
	rep.range = range;
	rep.since = u.since;
	rep.until = u.until;
	rep.now = u.now;
	rep.stats = &u.k.stats;
	rep.undated = u.undated;
	rep.outside = u.outside;
	memset(&dt, 0, sizeof(dt));
	if (!nodisk) {
		(void)disk_read(&dt, c.summary->disk_mounts,
		    c.summary->disk_exclude);
		rep.disk = &dt;
	}
	buf_init(&out, SIZE_MAX / 4);
	switch (fmt) {
	case FMT_TEXT:
		sumtext_render(&out, &rep);
		break;
	case FMT_HTML:
		sumhtml_render(&out, &rep);
		break;
	case FMT_JSON:
		sumjson_render(&out, &rep);
		break;
	case FMT_MAIL:
		mail(&out, c.summary, &rep, host, u.now);
		break;
	}
	if (fwrite(buf_str(&out), 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
		log_warn("stdout");
		rc = 1;
	}
	buf_free(&out);
	disk_free(&dt);
	sumstore_free(&u.store);
	sumclass_free(&u.k);
	free(want);
	conf_free(&c);
	return rc;
}
