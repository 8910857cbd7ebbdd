/*
 * check — logward check: the config's rules over whole files, every
 * non-empty queue's mail to stdout as mbox; and check --logcheck DIR,
 * a logcheck rule tree's report exactly as "logcheck -o -t" prints it.
 */
#include "cli/check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/opts.h"
#include "classify/automask.h"
#include "classify/engine.h"
#include "classify/lcclass.h"
#include "conf/conf.h"
#include "conf/conf_tmpl.h"
#include "conf/lcdb.h"
#include "input/lines.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/scan.h"
#include "lib/str.h"
#include "lib/xmem.h"
#include "report/filter.h"
#include "report/lcreport.h"
#include "report/report.h"

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

int
check_main(int argc, char **argv)
{
	struct opts o;
	struct conf c;
	struct engine e;
	struct mail_meta meta;
	char host[256], hostname[256], mboxdate[64];
	struct tm tm;
	size_t qi;
	int i, rc = 0;

	if (opts_parse(argc, argv, &o) == -1)
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
	if (opts_load_conf(&c, &o) == -1)
		return 1;
	engine_init(&e, &c);
	if (conf_tmpl_mining(&c)) {
		/* set automask: a template store for this run */
		struct tmpl_opts to;

		automask_opts(&c, &to);
		e.tmpl = tmpl_new(&to, o.now);
	}

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
	tmpl_free(e.tmpl);
	engine_free(&e);
	conf_free(&c);
	return rc;
}
