/*
 * tmplbench — the template miner alone, for bench/templates/run (not
 * installed, not a test).  Built against BUILD/liblogward.a.
 *
 *   tmplbench speed [-c CONF QUEUE] FILE [RUNS]
 *	Reads FILE into memory and keeps each line's message (the text after
 *	"prog[pid]: ", as logward templates mines it); with -c, only the
 *	lines CONF's rules file into QUEUE with a rule without capture
 *	groups (the lines automask would mine there).  Then, RUNS times
 *	(default 5), mines all of them into a fresh store and prints the
 *	median: "messages N templates T seconds S lines/s R".  Only the
 *	mining is timed (tokenizing, matching, learning), no I/O.
 *
 *   tmplbench new FILE
 *	Mines FILE's messages in order and prints one character per line:
 *	'N' when the line started a template logward would announce as new
 *	(not "near" a known one), '.' otherwise.  bench/templates/score
 *	scores these against the labels (NEW_F1 as the daemon alerts).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "classify/engine.h"
#include "classify/tmpl.h"
#include "conf/conf.h"
#include "input/record.h"
#include "lib/xmem.h"

struct msgs {
	const char	**p;
	size_t		 *len;
	size_t		  n, cap;
};

static void
keep(struct msgs *m, const char *p, size_t len)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 65536;
		m->p = xreallocarray(m->p, m->cap, sizeof(*m->p));
		m->len = xreallocarray(m->len, m->cap, sizeof(*m->len));
	}
	m->p[m->n] = p;
	m->len[m->n++] = len;
}

/* the message of a line, as cli/templates.c takes it */
static void
message(const char *line, size_t len, const char **msg, size_t *msglen)
{
	struct record rec;
	size_t off;

	*msg = line;
	*msglen = len;
	if (record_parse(&rec, line, len) == REC_NONE)
		return;
	if (rec.format == REC_RFC5424 || rec.prog == NULL) {
		*msg = rec.msg;
		*msglen = rec.msglen;
		return;
	}
	off = tmpl_content_start(rec.msg, rec.msglen, rec.proglen);
	*msg = rec.msg + off;
	*msglen = rec.msglen - off;
}

static char *
slurp(const char *path, size_t *size)
{
	struct stat st;
	char *data;
	int fd = open(path, O_RDONLY);
	size_t got = 0;

	if (fd == -1 || fstat(fd, &st) == -1) {
		perror(path);
		exit(2);
	}
	data = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, data + got, (size_t)st.st_size - got);

		if (r <= 0) {
			perror(path);
			exit(2);
		}
		got += (size_t)r;
	}
	close(fd);
	*size = got;
	return data;
}

static void
lines_of(char *data, size_t size, struct conf *c, long qi, struct msgs *m)
{
	struct engine e;
	struct verdict v;
	char *p = data, *end = data + size;

	if (c != NULL)
		engine_init(&e, c);
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		const char *msg;
		size_t msglen;

		if (c != NULL) {
			engine_line(&e, p, len, 0, 0, &v);
			if (v.kind != V_QUEUED || v.nqueues == 0 || v.rule < 0 ||
			    c->rules[v.rule].re.ncap != 0 || v.queues[0] != (size_t)qi) {
				p += len + 1;
				continue;
			}
		}
		message(p, len, &msg, &msglen);
		keep(m, msg, msglen);
		p += len + 1;
	}
	if (c != NULL)
		engine_free(&e);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct tmpl_opts o = { 1000000, 0, 0 };
	struct msgs m = { 0 };
	struct conf c, *cp = NULL;
	struct tmpl_result r;
	struct tmpl_stats st;
	long qi = -1;
	char *data;
	size_t size, i;
	int argi = 2, runs = 5, k;
	double t[64];

	if (argc < 3)
		goto usage;
	if (strcmp(argv[argi], "-c") == 0) {
		if (argc < 6)
			goto usage;
		if (conf_load(&c, argv[argi + 1]) == -1) {
			conf_print_diags(&c, stderr, false);
			return 2;
		}
		cp = &c;
		if ((qi = conf_queue_find(&c, argv[argi + 2])) < 0) {
			fprintf(stderr, "tmplbench: no queue %s\n", argv[argi + 2]);
			return 2;
		}
		argi += 3;
	}
	data = slurp(argv[argi], &size);
	lines_of(data, size, cp, qi, &m);
	if (strcmp(argv[1], "new") == 0) {
		struct tmpl *tm = tmpl_new(&o, 0);

		for (i = 0; i < m.n; i++) {
			tmpl_add(tm, 0, m.p[i], m.len[i], 0, &r);
			putchar(r.created && !r.near && !r.learned ? 'N' : '.');
		}
		putchar('\n');
		tmpl_free(tm);
	} else if (strcmp(argv[1], "speed") == 0) {
		if (argi + 1 < argc) {
			long v = strtol(argv[argi + 1], NULL, 10);

			runs = v > 0 && v <= 64 ? (int)v : 5;
		}
		for (k = 0; k < runs; k++) {
			struct tmpl *tm = tmpl_new(&o, 0);
			double t0 = now();

			for (i = 0; i < m.n; i++)
				tmpl_add(tm, 0, m.p[i], m.len[i], 0, &r);
			t[k] = now() - t0;
			tmpl_view_stats(tm, &st);
			tmpl_free(tm);
		}
		qsort(t, (size_t)runs, sizeof(*t), cmp_double);
		printf("messages %zu templates %zu seconds %.3f lines/s %.0f\n", m.n,
		    st.templates, t[runs / 2], (double)m.n / t[runs / 2]);
	} else
		goto usage;
	free(m.p);
	free(m.len);
	free(data);
	if (cp != NULL)
		conf_free(cp);
	return 0;
usage:
	fprintf(stderr, "usage: tmplbench speed [-c CONF QUEUE] FILE [RUNS] | "
	    "tmplbench new FILE\n");
	return 2;
}
