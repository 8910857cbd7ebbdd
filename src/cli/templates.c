/*
 * templates — logward templates [-c CONF] [--state FILE] [--lines]
 * [FILE...|-]: every line's message (the text after "prog[pid]: ") goes
 * through the template miner; the templates are printed by count
 * ("COUNT<TAB>TEMPLATE"), or with --lines one row per line in input
 * order ("LINENO<TAB>TEMPLATE_ID<TAB>TEMPLATE").  With --state FILE the
 * store is read from FILE first and written back at the end (atomically),
 * so ids stay the same from run to run and known templates are not new.
 */
#include "cli/templates.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "classify/automask.h"
#include "classify/tmpl.h"
#include "cli/opts.h"
#include "cli/usage.h"
#include "conf/conf.h"
#include "input/lines.h"
#include "input/record.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/u64map.h"
#include "lib/xmem.h"
#include "report/report.h"

#define STATE_HEAD	"logward-templates 1\n"
#define DEFAULT_MAX	1000000	/* templates without -c: retire almost never */

struct run {
	struct tmpl	*t;
	bool		 lines;		/* --lines */
	const char	*mask;
	size_t		 masklen;
	size_t		 max_line;
	uint64_t	 lineno;
	uint64_t	 created;	/* templates new in this run */
	struct u64map	 counts;	/* id → uint64_t * (owned): lines in this run */
	uint64_t	*ids;		/* owned: --lines: each line's template id */
	size_t		 nids, capids;
	struct buf	 out;
};

/* The message of a line: after the syslog header and tag when there is
 * one, else the whole line. */
static void
message(const char *line, size_t len, const char **msg, size_t *msglen)
{
	struct record rec;
	size_t off;

	if (record_parse(&rec, line, len) == REC_NONE) {
		/* some collectors write their own fields before the syslog
		 * header: look for one in the first bytes */
		size_t i;

		*msg = line;
		*msglen = len;
		for (i = 1; i < len && i < 128; i++) {
			if (line[i - 1] != ' ' || line[i] < 'A' || line[i] > 'Z')
				continue;
			if (record_parse(&rec, line + i, len - i) == REC_BSD ||
			    rec.format == REC_RFC3339)
				break;
		}
		if (i >= len || i >= 128)
			return;
	}
	if (rec.format == REC_RFC5424 || rec.prog == NULL) {
		*msg = rec.msg;
		*msglen = rec.msglen;
		return;
	}
	off = tmpl_content_start(rec.msg, rec.msglen, rec.proglen);
	*msg = rec.msg + off;
	*msglen = rec.msglen - off;
}

static void
one_line(struct run *r, const char *line, size_t len, time_t now)
{
	struct tmpl_result res;
	const char *msg;
	size_t msglen;
	uint64_t *cnt;

	message(line, len, &msg, &msglen);
	tmpl_add(r->t, 0, msg, msglen, now, &res);
	r->lineno++;
	if (res.created)
		r->created++;
	if (r->lines) {
		/* printed at the end: a template that joins another one later
		 * goes by the other's id then */
		if (r->nids == r->capids) {
			r->capids = r->capids ? r->capids * 2 : 4096;
			r->ids = xreallocarray(r->ids, r->capids, sizeof(*r->ids));
		}
		r->ids[r->nids++] = res.id;
		return;
	}
	cnt = u64map_get(&r->counts, res.id);
	if (cnt == NULL) {
		cnt = xcalloc(1, sizeof(*cnt));
		u64map_set(&r->counts, res.id, cnt);
	}
	(*cnt)++;
}

static int
feed(struct run *r, int fd, const char *name, time_t now)
{
	struct lines l;
	const char *line;
	size_t len, cut;
	int rc;

	lines_init(&l, fd, r->max_line);
	while ((rc = lines_next(&l, &line, &len, &cut)) == 1)
		one_line(r, line, len, now);
	if (rc == -1)
		log_warn("%s: read error", name);
	lines_free(&l);
	return rc == -1 ? -1 : 0;
}

/* ---- the --state file ---- */

static int
state_load(struct tmpl *t, const char *path, time_t now)
{
	struct buf b;
	char tmp[65536], err[256];
	ssize_t n;
	uLong crc;
	uint32_t want;
	size_t head = strlen(STATE_HEAD);
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;

	if (fd == -1) {
		if (errno == ENOENT)
			return 0;	/* a new store */
		log_warn("--state %s", path);
		return -1;
	}
	buf_init(&b, SIZE_MAX / 4);
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_add(&b, tmp, (size_t)n);
	close(fd);
	if (n == -1) {
		log_warn("--state %s", path);
		goto out;
	}
	if (b.len < head + 4 || memcmp(b.data, STATE_HEAD, head) != 0) {
		log_warnx("--state %s: not a logward template store; remove it "
		    "to start a new one", path);
		goto out;
	}
	crc = crc32(0L, (const Bytef *)b.data, (uInt)(b.len - 4));
	memcpy(&want, b.data + b.len - 4, 4);
	if ((uint32_t)crc != want) {
		log_warnx("--state %s: checksum mismatch (a damaged file); "
		    "remove it to start a new store", path);
		goto out;
	}
	if (tmpl_store_restore(t, b.data + head, b.len - head - 4, now, err,
	    sizeof(err)) == -1) {
		log_warnx("--state %s: %s; remove it to start a new store", path,
		    err);
		goto out;
	}
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* temp file, fsync, rename, fsync of the directory */
static int
state_save(struct tmpl *t, const char *path)
{
	struct buf b;
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	uint32_t crc;
	int fd, dfd, rc = -1;

	buf_init(&b, SIZE_MAX / 4);
	buf_addstr(&b, STATE_HEAD);
	tmpl_store_save(t, &b);
	crc = (uint32_t)crc32(0L, (const Bytef *)b.data, (uInt)b.len);
	buf_add(&b, &crc, 4);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1 || write_all(fd, b.data, b.len) == -1 || fsync(fd) == -1) {
		log_warn("--state %s", tmp);
		if (fd != -1)
			close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		log_warn("--state: rename %s to %s", tmp, path);
		unlink(tmp);
		goto out;
	}
	if (slash != NULL)
		*slash = '\0';
	dfd = open(slash != NULL ? (*dir != '\0' ? dir : "/") : ".",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	buf_free(&b);
	free(tmp);
	free(dir);
	return rc;
}

/* Appends template id's text, control bytes escaped. */
static void
text(struct run *r, uint64_t id, struct buf *out)
{
	struct buf tpl;

	buf_init(&tpl, SIZE_MAX / 4);
	if (tmpl_view_render_id(r->t, id, r->mask, r->masklen, &tpl) == -1)
		buf_addstr(&tpl, "[template retired: more than set max_templates]");
	report_escape(out, tpl.data != NULL ? tpl.data : "", tpl.len);
	buf_free(&tpl);
}

static void
print_lines(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nids; i++) {
		uint64_t id = tmpl_resolve(r->t, r->ids[i]);

		buf_printf(&r->out, "%zu\t%" PRIu64 "\t", i + 1, id);
		text(r, id, &r->out);
		buf_addc(&r->out, '\n');
		if (r->out.len >= 65536) {
			fwrite(r->out.data, 1, r->out.len, stdout);
			buf_reset(&r->out);
		}
	}
}

/* ---- the by-count listing ---- */

struct row {
	uint64_t	 id;
	uint64_t	 count;
};

static int
cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void
print_counts(struct run *r)
{
	struct row *rows = xcalloc(r->counts.n + 1, sizeof(*rows));
	struct u64map pos;
	size_t i = 0, n = 0;
	uint64_t k;
	void *v;

	/* templates that joined another count under its id */
	u64map_init(&pos);
	while (u64map_next(&r->counts, &i, &k, &v)) {
		uint64_t id = tmpl_resolve(r->t, k);
		uintptr_t at = (uintptr_t)u64map_get(&pos, id);

		if (at == 0) {
			rows[n].id = id;
			at = ++n;
			u64map_set(&pos, id, (void *)at);
		}
		rows[at - 1].count += *(uint64_t *)v;
	}
	u64map_free(&pos);
	qsort(rows, n, sizeof(*rows), cmp_row);
	for (i = 0; i < n; i++) {
		buf_printf(&r->out, "%" PRIu64 "\t", rows[i].count);
		text(r, rows[i].id, &r->out);
		buf_addc(&r->out, '\n');
		if (r->out.len >= 65536) {
			fwrite(r->out.data, 1, r->out.len, stdout);
			buf_reset(&r->out);
		}
	}
	free(rows);
}

int
templates_main(int argc, char **argv)
{
	const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 's' },
		{ "lines", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tmpl_opts to = { DEFAULT_MAX, 0, 0 };
	struct tmpl_stats ts;
	struct conf c;
	struct run r;
	const char *conf_path = NULL, *state = NULL;
	time_t now = time(NULL);
	bool have_conf = false;
	uint64_t joined0, retired0;
	int ch, i, rc = 0;

	memset(&r, 0, sizeof(r));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 's':
			state = optarg;
			break;
		case 'l':
			r.lines = true;
			break;
		case 'h':
			usage_print(stdout);
			return 0;
		default:
			return 2;
		}
	}
	r.mask = "<*>";
	r.masklen = 3;
	r.max_line = 64 * 1024;
	if (conf_path != NULL) {
		struct opts o;

		memset(&o, 0, sizeof(o));
		o.conf = conf_path;
		o.engine = -1;
		if (opts_load_conf(&c, &o) == -1)
			return 1;
		have_conf = true;
		r.mask = c.mask;
		r.masklen = c.masklen;
		r.max_line = c.max_line;
		automask_opts(&c, &to);
		to.max_bytes = 0;	/* a one-shot run: the count cap is enough */
	}
	r.t = tmpl_new(&to, now);
	buf_init(&r.out, SIZE_MAX / 4);
	if (state != NULL && state_load(r.t, state, now) == -1) {
		rc = 1;
		goto out;
	}
	tmpl_view_stats(r.t, &ts);
	joined0 = ts.joined;
	retired0 = ts.retired;
	if (optind >= argc)
		rc |= feed(&r, 0, "stdin", now) == -1;
	for (i = optind; i < argc; i++) {
		int fd;

		if (strcmp(argv[i], "-") == 0) {
			rc |= feed(&r, 0, "stdin", now) == -1;
			continue;
		}
		if ((fd = open(argv[i], O_RDONLY | O_CLOEXEC)) == -1) {
			log_warn("%s", argv[i]);
			rc = 1;
			continue;
		}
		rc |= feed(&r, fd, argv[i], now) == -1;
		close(fd);
	}
	if (r.lines)
		print_lines(&r);
	else
		print_counts(&r);
	if (r.out.len > 0)
		fwrite(r.out.data, 1, r.out.len, stdout);
	if (fflush(stdout) == EOF) {
		log_warn("stdout");
		rc = 1;
	}
	tmpl_view_stats(r.t, &ts);
	fprintf(stderr, "logward templates: %" PRIu64 " lines, %zu templates in "
	    "the store; this run: %" PRIu64 " started, %" PRIu64 " joined "
	    "another, %" PRIu64 " retired (set max_templates)\n", r.lineno,
	    ts.templates, r.created, ts.joined - joined0, ts.retired - retired0);
	if (state != NULL && state_save(r.t, state) == -1)
		rc = 1;
out:
	{
		size_t k = 0;
		uint64_t key;
		void *v;

		while (u64map_next(&r.counts, &k, &key, &v))
			free(v);
		u64map_free(&r.counts);
	}
	buf_free(&r.out);
	free(r.ids);
	tmpl_free(r.t);
	if (have_conf)
		conf_free(&c);
	return rc ? 1 : 0;
}
