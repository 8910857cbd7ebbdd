/*
 * main — start-up and sub-command dispatch: check, explain, lint.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "conf/conf.h"
#include "cli/cmd.h"
#include "report/filter.h"
#include "classify/lcclass.h"
#include "conf/lcdb.h"
#include "report/lcreport.h"
#include "conf/sel.h"
#include "input/lines.h"
#include "lib/log.h"
#include "lib/match.h"
#include "input/record.h"
#include "report/report.h"
#include "classify/engine.h"
#include "lib/scan.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define DEFAULT_CONF	"/etc/logward/logward.conf"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: logward COMMAND [OPTIONS]\n"
	    "\n"
	    "commands:\n"
	    "  check   [-c CONF] [--now TIME] [--hostname NAME] [FILE...|-]\n"
	    "          read the files (default: the config's logfiles) from the\n"
	    "          beginning once and print every non-empty queue's mail to\n"
	    "          stdout, as an mbox stream, in queue definition order\n"
	    "  check   --logcheck DIR [--level LEVEL] [--cracking-ignore]\n"
	    "          [--sortuniq] [--no-intro] [--mail-preview [--tag] [--reboot]]\n"
	    "          FILE...\n"
	    "          classify the lines with a logcheck rule tree and print the\n"
	    "          report exactly as 'logcheck -o -t' does (C locale)\n"
	    "  explain [-c CONF] [LINE...]\n"
	    "          show how each line (or each line of stdin) is parsed,\n"
	    "          which rule takes it, its queues and masked text\n"
	    "  lint    [-c CONF] [--logcheck DIR [--level LEVEL]]\n"
	    "          report every error and warning of the configuration;\n"
	    "          exit 1 if there are errors\n"
	    "  run     [-c CONF] [-d] [-p PIDFILE] [-v|-q]\n"
	    "          the daemon: tail the logfiles, mail the queues on their\n"
	    "          schedule (foreground unless -d)\n"
	    "  status | reload | reopen [-c CONF | --socket PATH]\n"
	    "  flush   [-c CONF | --socket PATH] [QUEUE]\n"
	    "          talk to the running daemon through its control socket\n"
	    "          (reopen: new archive files after logrotate)\n"
	    "  send-test [-c CONF] [QUEUE]\n"
	    "          send a test mail through the configured relay and print\n"
	    "          the relay's answer\n"
	    "\n"
	    "options:\n"
	    "  -c, --config FILE   configuration (default " DEFAULT_CONF ")\n"
	    "  --now TIME          the report time, 'YYYY-MM-DD HH:MM:SS' local\n"
	    "                      time or @EPOCH (reproducible output)\n"
	    "  --engine ENGINE     hyperscan (default: one pass over all rules) or\n"
	    "                      pcre2 (each rule in turn; for comparison)\n"
	    "  --cache-dir DIR     where compiled rule databases are kept (default\n"
	    "                      $XDG_CACHE_HOME/logward or ~/.cache/logward)\n"
	    "  --hostname NAME     the name in X-logward-hostname (and in the\n"
	    "                      logcheck subject)\n"
	    "  --logcheck DIR      a logcheck rule tree, e.g. /etc/logcheck\n"
	    "  --level LEVEL       paranoid, server (default) or workstation\n"
	    "  --cracking-ignore   use cracking.ignore.d (SUPPORT_CRACKING_IGNORE=1)\n"
	    "  --sortuniq          drop duplicate lines (SORTUNIQ=1)\n"
	    "  --no-intro          no header.txt / footer.txt (INTRO=0)\n"
	    "  --mail-preview      print the mail subject before the report;\n"
	    "                      --tag adds '[logcheck] ', --reboot 'Reboot: '\n"
	    "  -h, --help          this text\n"
	    "  -V, --version       print the version\n"
	    "\n"
	    "See logward(8) and logward.conf(5).\n");
}

struct opts {
	const char	*conf;
	bool		 conf_given;	/* -c was used */
	time_t		 now;
	const char	*hostname;
	const char	*logcheck;	/* --logcheck DIR */
	enum lc_level	 level;		/* --level */
	int		 cracking_ignore; /* flags set by getopt_long */
	int		 sortuniq;
	int		 no_intro;
	int		 mail_preview;
	int		 tag;
	int		 reboot;
	int		 engine;	/* -1 = config's, 0 = hyperscan, 1 = pcre2 */
	const char	*cachedir;	/* --cache-dir */
	char		**args;
	int		 nargs;
};

static int
parse_time(const char *s, time_t *out)
{
	struct tm tm;
	char *end;

	if (s[0] == '@') {
		long long v;
		const char *errstr;

		if (str_tonum(s + 1, 0, (long long)1 << 40, &v, &errstr) == -1)
			return -1;
		*out = (time_t)v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	tm.tm_isdst = -1;
	*out = mktime(&tm);
	return *out == (time_t)-1 ? -1 : 0;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "now", required_argument, NULL, 'n' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "logcheck", required_argument, NULL, 'L' },
		{ "level", required_argument, NULL, 'l' },
		{ "engine", required_argument, NULL, 'E' },
		{ "cache-dir", required_argument, NULL, 'D' },
		{ "cracking-ignore", no_argument, &o->cracking_ignore, 1 },
		{ "sortuniq", no_argument, &o->sortuniq, 1 },
		{ "no-intro", no_argument, &o->no_intro, 1 },
		{ "mail-preview", no_argument, &o->mail_preview, 1 },
		{ "tag", no_argument, &o->tag, 1 },
		{ "reboot", no_argument, &o->reboot, 1 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->conf = DEFAULT_CONF;
	o->now = time(NULL);
	o->level = LC_SERVER;
	o->engine = -1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 0:		/* a flag option */
			break;
		case 'c':
			o->conf = optarg;
			o->conf_given = true;
			break;
		case 'L':
			o->logcheck = optarg;
			break;
		case 'E':
			if (strcmp(optarg, "hyperscan") == 0)
				o->engine = 0;
			else if (strcmp(optarg, "pcre2") == 0)
				o->engine = 1;
			else {
				log_warnx("--engine: '%s' is not hyperscan or pcre2",
				    optarg);
				return -1;
			}
			break;
		case 'D':
			o->cachedir = optarg;
			break;
		case 'l':
			if (lcdb_level(optarg, &o->level) == -1) {
				log_warnx("--level: '%s' is not paranoid, server "
				    "or workstation", optarg);
				return -1;
			}
			break;
		case 'n':
			if (parse_time(optarg, &o->now) == -1) {
				log_warnx("--now: '%s' is not 'YYYY-MM-DD HH:MM:SS' "
				    "or @EPOCH", optarg);
				return -1;
			}
			break;
		case 'H':
			o->hostname = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	return 0;
}

static int
load_conf(struct conf *c, const struct opts *o)
{
	const char *path = o->conf;

	if (conf_load(c, path) == -1) {
		conf_print_diags(c, stderr, false);
		fprintf(stderr, "logward: %s: %zu error%s; nothing was done "
		    "(run 'logward lint -c %s' for warnings too)\n", path,
		    c->nerrors, c->nerrors == 1 ? "" : "s", path);
		conf_free(c);
		return -1;
	}
	if (o->engine >= 0)
		c->engine_pcre2 = o->engine == 1;
	if (o->cachedir != NULL) {
		free(c->cachedir);
		c->cachedir = xstrdup(o->cachedir);
	}
	return 0;
}

/* Reads every line of fd into the engine. */
static int
feed_fd(struct engine *e, int fd, const char *name, time_t now)
{
	struct lines l;
	const char *line;
	size_t len, cut;
	int rc;

	lines_init(&l, fd, e->conf->max_line);
	while ((rc = lines_next(&l, &line, &len, &cut)) == 1)
		engine_line(e, line, len, cut, now, NULL);
	if (rc == -1)
		log_warn("%s: read error", name);
	lines_free(&l);
	return rc;
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

/* The text of the input files of check --logcheck: mapped (regular
 * files) or read into memory (pipes); lines point into it. */
struct texts {
	void		**maps;		/* owned mappings */
	size_t		 *maplens;
	char		**bufs;		/* owned buffers */
	size_t		  n;
};

static void
texts_free(struct texts *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->maps[i] != NULL)
			munmap(t->maps[i], t->maplens[i]);
		free(t->bufs[i]);
	}
	free(t->maps);
	free(t->maplens);
	free(t->bufs);
}

/* Adds every line of fd (newline removed) to lines/lens, borrowing the
 * text kept in t. */
static int
slurp_lines(int fd, const char *name, struct texts *t, const char ***lines,
    size_t **lens, size_t *n, size_t *cap)
{
	struct stat st;
	const char *p, *end;
	char *data = NULL;
	void *map = NULL;
	size_t size = 0;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		size = (size_t)st.st_size;
		map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			log_warn("%s: mmap", name);
			return -1;
		}
		(void)madvise(map, size, MADV_SEQUENTIAL);
		p = map;
	} else {
		struct buf b;
		char tmp[65536];
		ssize_t r;

		buf_init(&b, SIZE_MAX / 4);
		while ((r = read(fd, tmp, sizeof(tmp))) > 0 ||
		    (r == -1 && errno == EINTR)) {
			if (r > 0)
				buf_add(&b, tmp, (size_t)r);
		}
		if (r == -1) {
			log_warn("%s: read error", name);
			buf_free(&b);
			return -1;
		}
		size = b.len;
		data = buf_steal(&b);
		p = data;
	}
	t->maps = xreallocarray(t->maps, t->n + 1, sizeof(*t->maps));
	t->maplens = xreallocarray(t->maplens, t->n + 1, sizeof(*t->maplens));
	t->bufs = xreallocarray(t->bufs, t->n + 1, sizeof(*t->bufs));
	t->maps[t->n] = map;
	t->maplens[t->n] = size;
	t->bufs[t->n] = data;
	t->n++;
	for (end = p + size; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 1024;
			*lines = xreallocarray(*lines, *cap, sizeof(**lines));
			*lens = xreallocarray(*lens, *cap, sizeof(**lens));
		}
		(*lines)[*n] = p;
		(*lens)[*n] = len;
		(*n)++;
		p += len + 1;
	}
	return 0;
}

static const char *
base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* --mail-preview: the subject logcheck would give the mail. */
static void
mail_subject(enum lc_section_kind kind, void *arg)
{
	const struct opts *o = arg;
	char date[64], host[256];
	struct tm tm;

	localtime_r(&o->now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M %z", &tm);
	if (o->hostname != NULL)
		str_lcpy(host, o->hostname, sizeof(host));
	else if (gethostname(host, sizeof(host)) == -1)
		str_lcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	printf("Subject: %s%s%s %s %s\n\n", o->tag ? "[logcheck] " : "",
	    o->reboot ? "Reboot: " : "", host, date,
	    kind == LC_ALERT ? "Security Alerts" : kind == LC_EVENT ?
	    "Security Events" : "System Events");
}

/* logward check --logcheck DIR: logcheck -o -t, byte for byte. */
static int
cmd_logcheck(struct opts *o)
{
	struct lcdb db;
	struct texts texts;
	const char **lines = NULL;
	size_t *lens = NULL, n = 0, cap = 0, i;
	enum lc_section_kind kind;
	char **order;
	int k, rc = 0;

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
		(void)lcdb_use_scan(&db, o->cachedir != NULL ? o->cachedir :
		    scan_default_cachedir());
	if (o->nargs == 0) {
		log_warnx("check --logcheck: name the log files to read ('-' "
		    "for stdin)");
		lcdb_free(&db);
		return 2;
	}
	/* logcheck copies each source to logoutput/BASENAME and sorts the
	 * files of that directory: lines that tie in the sort come in base
	 * name order, and files of the same base name in list order. */
	memset(&texts, 0, sizeof(texts));
	order = xreallocarray(NULL, (size_t)o->nargs, sizeof(*order));
	for (k = 0; k < o->nargs; k++)
		order[k] = o->args[k];
	for (k = 1; k < o->nargs; k++) {
		char *cur = order[k];
		int m = k - 1;

		while (m >= 0 && strcmp(base(order[m]), base(cur)) > 0) {
			order[m + 1] = order[m];
			m--;
		}
		order[m + 1] = cur;
	}
	for (k = 0; k < o->nargs; k++) {
		const char *path = order[k];
		int fd;

		if (strcmp(path, "-") == 0) {
			slurp_lines(0, "stdin", &texts, &lines, &lens, &n, &cap);
			continue;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd == -1) {
			log_warn("%s", path);
			rc = 1;
			continue;
		}
		if (slurp_lines(fd, path, &texts, &lines, &lens, &n, &cap) == -1)
			rc = 1;
		close(fd);
	}
	free(order);
	n = lcreport_sort(lines, lens, n, o->sortuniq);
	for (i = 0; i < n; i++)
		lens[i] = lcclass_rstrip(lines[i], lens[i]);
	kind = lcreport_write(&db, stdout, lines, lens, n, !o->no_intro,
	    o->mail_preview ? mail_subject : NULL, o);
	(void)kind;
	if (db.limit_errors > 0)
		log_warnx("%llu rule test%s could not be decided (PCRE2 limits, "
		    "even with the DFA matcher); those rules were taken as "
		    "matching", (unsigned long long)db.limit_errors,
		    db.limit_errors == 1 ? "" : "s");
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("stdout");
		rc = 1;
	}
	texts_free(&texts);
	free(lines);
	free(lens);
	lcdb_free(&db);
	return rc;
}

static int
cmd_check(int argc, char **argv)
{
	struct opts o;
	struct conf c;
	struct engine e;
	struct mail_meta meta;
	char host[256], hostname[256], mboxdate[64];
	struct tm tm;
	size_t qi;
	int i, rc = 0;

	if (parse_opts(argc, argv, &o) == -1)
		return 2;
	if (o.logcheck != NULL) {
		if (o.conf_given) {
			log_warnx("check: use either -c CONF or --logcheck DIR; a "
			    "configuration loads a rule tree with its 'logcheck' "
			    "directive");
			return 2;
		}
		return cmd_logcheck(&o);
	}
	if (load_conf(&c, &o) == -1)
		return 1;
	engine_init(&e, &c);

	if (o.nargs == 0 && c.logfiles.n == 0) {
		log_warnx("no files given and the configuration has no 'set "
		    "logfile'");
		rc = 1;
	}
	for (i = 0; i < o.nargs || (o.nargs == 0 && (size_t)i < c.logfiles.n); i++) {
		const char *path = o.nargs ? o.args[i] : c.logfiles.v[i];
		int fd;

		if (strcmp(path, "-") == 0) {
			feed_fd(&e, 0, "stdin", o.now);
			continue;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd == -1) {
			log_warn("%s", path);
			rc = 1;
			continue;
		}
		if (feed_fd(&e, fd, path, o.now) == -1)
			rc = 1;
		close(fd);
	}

	if (o.hostname != NULL)
		str_lcpy(host, o.hostname, sizeof(host));
	else if (gethostname(host, sizeof(host)) == -1)
		str_lcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	report_sanitize_host(hostname, sizeof(hostname), host);
	meta.now = o.now;
	meta.start = o.now;
	meta.hostname = hostname;
	localtime_r(&o.now, &tm);
	strftime(mboxdate, sizeof(mboxdate), "%a %b %e %H:%M:%S %Y", &tm);

	for (qi = 0; qi < c.nqueues; qi++) {
		const struct queue_def *qd = &c.queues[qi];
		struct buf body, head;
		char *out = NULL;
		size_t outlen;

		buf_init(&body, SIZE_MAX / 4);
		buf_init(&head, 1024 * 1024);
		report_thresholds(&e, qi);
		if (!report_pending(&e, qi))
			continue;
		if (qd->filter == NULL) {
			/* no filter: the body goes out as it is rendered */
			report_headers(&head, &c, qi, &meta);
			printf("From logward %s\n", mboxdate);
			fwrite(head.data, 1, head.len, stdout);
			report_body_stream(&body, &e, qi, NULL, flush_mbox, stdout);
			putchar('\n');
			buf_free(&body);
			buf_free(&head);
			queue_clear(&e.queues[qi]);
			continue;
		}
		report_body(&body, &e, qi, NULL);
		out = filter_run(qd->filter, buf_str(&body), body.len, &outlen);
		if (out == NULL || outlen == 0) {
			/* tenshi: an empty filter output sends nothing */
			free(out);
			buf_free(&body);
			continue;
		}
		report_headers(&head, &c, qi, &meta);
		printf("From logward %s\n", mboxdate);
		fwrite(head.data, 1, head.len, stdout);
		write_mbox_body(stdout, out, outlen);
		if (outlen > 0 && out[outlen - 1] != '\n')
			putchar('\n');
		putchar('\n');
		free(out);
		buf_free(&body);
		buf_free(&head);
		queue_clear(&e.queues[qi]);
	}
	if (e.stats.regex_errors > 0)
		log_warnx("%llu line%s hit a PCRE2 limit on some rule (%llu of "
		    "them then matched no rule); see 'logward explain'",
		    (unsigned long long)e.stats.regex_errors,
		    e.stats.regex_errors == 1 ? "" : "s",
		    (unsigned long long)e.stats.regex_errors_dropped);
	if (e.stats.cut > 0)
		log_warnx("%llu line%s longer than max_line (%zu bytes) %s cut",
		    (unsigned long long)e.stats.cut, e.stats.cut == 1 ? "" : "s",
		    c.max_line, e.stats.cut == 1 ? "was" : "were");
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("stdout");
		rc = 1;
	}
	engine_free(&e);
	conf_free(&c);
	return rc;
}

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
		(void)lcdb_use_scan(&db, o->cachedir != NULL ? o->cachedir :
		    scan_default_cachedir());
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

static int
cmd_explain(int argc, char **argv)
{
	struct opts o;
	struct conf c;
	struct engine e;
	int i;

	if (parse_opts(argc, argv, &o) == -1)
		return 2;
	if (o.logcheck != NULL && !o.conf_given)
		return explain_logcheck(&o);
	if (load_conf(&c, &o) == -1)
		return 1;
	engine_init(&e, &c);
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
	engine_free(&e);
	conf_free(&c);
	return 0;
}

/* Checks lint adds on top of the parser's own diagnostics. */
static void
lint_extra(struct conf *c, struct buf *out, size_t *nwarn)
{
	size_t i, j;

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

static int
cmd_lint(int argc, char **argv)
{
	struct opts o;
	struct conf c;
	struct buf extra;
	size_t i, nwarn = 0;
	int rc;

	if (parse_opts(argc, argv, &o) == -1)
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

int
main(int argc, char **argv)
{
	const char *cmd;
	int rc;

	log_init("logward", 0);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("logward %s\n", LOGWARD_VERSION);
		return 0;
	}
	if (strcmp(cmd, "check") == 0)
		rc = cmd_check(argc - 1, argv + 1);
	else if (strcmp(cmd, "explain") == 0)
		rc = cmd_explain(argc - 1, argv + 1);
	else if (strcmp(cmd, "lint") == 0)
		rc = cmd_lint(argc - 1, argv + 1);
	else if (strcmp(cmd, "run") == 0)
		rc = cmd_run(argc - 1, argv + 1);
	else if (strcmp(cmd, "status") == 0 || strcmp(cmd, "flush") == 0 ||
	    strcmp(cmd, "reload") == 0 || strcmp(cmd, "reopen") == 0)
		rc = cmd_ctl(argc - 1, argv + 1);
	else if (strcmp(cmd, "send-test") == 0)
		rc = cmd_send_test(argc - 1, argv + 1);
	else {
		log_warnx("unknown command '%s'; run 'logward --help'", cmd);
		rc = 2;
	}
	match_cleanup();
	return rc;
}
