/*
 * fuzz_conf — conf_load on any configuration, with includes.
 *
 * Input: up to four files separated by lines "#@@\n":
 *   main.conf                      loaded with conf_load("main.conf")
 *   inc.conf                       for "include inc.conf"
 *   conf.d/extra.conf              for "includedir conf.d"
 *   rules/ignore.d.server/local    for "logcheck rules server"
 * written into a private directory (made at start, removed at exit),
 * main.conf named by its absolute path: conf_load resolves relative
 * paths against the including file, so the process need not chdir (which
 * would break libFuzzer's relative corpus paths).  A file not given is
 * removed, so "cannot open" is reached too.
 *
 * Inputs that could make conf_load read outside that directory are
 * skipped: a line mentioning include/includedir/logcheck that holds ".."
 * or a '/' not preceded by a name byte (an absolute path).  Without this
 * the fuzzer finds "include /dev/zero" (getline grows without bound),
 * "include /dev/stdin" (blocks) or "includedir /proc/self/..." (reads
 * that block), which are not bugs: the configuration is trusted.  The
 * include fan-out is bounded for the same reason: at most MAX_INCLUDES
 * include/includedir/logcheck words in the input (an include tree is
 * exponential in its depth, as with cpp).
 *
 * Checks: no crash or leak, conf_load's return agrees with nerrors, every
 * diagnostic has a message and a file that conf->files knows, and
 * conf_print_diags works.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ftw.h>

#include "conf/conf.h"
#include "lib/match.h"

#define FAIL(...) do { fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); abort(); } while (0)
#define CHECK(x) do { if (!(x)) FAIL("CHECK failed: %s (line %d)", #x, \
	__LINE__); } while (0)

#define SEP		"#@@\n"
#define MAX_INCLUDES	12

static const char *const files[] = {
	"main.conf", "inc.conf", "conf.d/extra.conf",
	"rules/ignore.d.server/local",
};
#define NFILES	(sizeof(files) / sizeof(files[0]))

static char dir[64];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
cleanup(void)
{
	if (dir[0] != '\0')
		(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir/rel in a static buffer */
static const char *
at(const char *rel)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return path;
}

static void
init(void)
{
	snprintf(dir, sizeof(dir), "/tmp/fuzz_conf.XXXXXX");
	if (mkdtemp(dir) == NULL)
		FAIL("fuzz_conf: temp dir: %s", strerror(errno));
	atexit(cleanup);
	CHECK(mkdir(at("conf.d"), 0700) == 0);
	CHECK(mkdir(at("rules"), 0700) == 0);
	CHECK(mkdir(at("rules/ignore.d.server"), 0700) == 0);
	/* conf_load compiles Hyperscan databases nowhere, but be sure */
	setenv("LOGWARD_CACHE_DIR", dir, 1);
	setenv("TZ", "UTC", 1);
}

static int
namebyte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* See the top: 1 when the input may read outside the directory. */
static int
unsafe(const char *s, size_t n)
{
	const char *p = s, *e = s + n, *nl;
	size_t len, i, words = 0;

	for (; p < e; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if (nl == NULL)
			nl = e;
		len = (size_t)(nl - p);
		if (memmem(p, len, "include", 7) == NULL &&
		    memmem(p, len, "logcheck", 8) == NULL)
			continue;
		if (++words > MAX_INCLUDES)
			return 1;
		if (memmem(p, len, "..", 2) != NULL)
			return 1;
		for (i = 0; i < len; i++)
			if (p[i] == '/' && (i == 0 || !namebyte(p[i - 1])))
				return 1;
	}
	return 0;
}

static void
put_file(const char *path, const char *p, size_t n, int present)
{
	FILE *fp;

	path = at(path);
	if (!present) {
		CHECK(unlink(path) == 0 || errno == ENOENT);
		return;
	}
	fp = fopen(path, "w");
	CHECK(fp != NULL);
	CHECK(fwrite(p, 1, n, fp) == n || n == 0);
	CHECK(fclose(fp) == 0);
}

static int
known_file(const struct conf *c, const char *f)
{
	size_t i;

	for (i = 0; i < c->files.n; i++)
		if (c->files.v[i] == f)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	const char *in = (const char *)data, *p = in, *e = in + size, *s;
	struct conf c;
	size_t i, nerr = 0;
	FILE *null;
	int rc;

	if (!inited) {
		init();
		inited = 1;
	}
	if (unsafe(in, size))
		return -1;	/* not added to the corpus */
	/* file i is present when i separators came before it */
	for (i = 0; i < NFILES; i++) {
		if (p == NULL) {
			put_file(files[i], NULL, 0, 0);
			continue;
		}
		s = memmem(p, (size_t)(e - p), SEP, strlen(SEP));
		put_file(files[i], p, (size_t)((s != NULL ? s : e) - p), 1);
		p = s != NULL ? s + strlen(SEP) : NULL;
	}

	rc = conf_load(&c, at("main.conf"));
	CHECK(rc == (c.nerrors > 0 ? -1 : 0));
	for (i = 0; i < c.ndiags; i++) {
		CHECK(c.diags[i].msg != NULL);
		CHECK(c.diags[i].file == NULL || known_file(&c, c.diags[i].file));
		CHECK(c.diags[i].line >= 0);
		if (c.diags[i].level == DIAG_ERROR)
			nerr++;
	}
	CHECK(nerr == c.nerrors);
	for (i = 0; i < c.nrules; i++)
		CHECK(c.rules[i].file == NULL || known_file(&c, c.rules[i].file));
	null = fopen("/dev/null", "w");
	CHECK(null != NULL);
	conf_print_diags(&c, null, true);
	fclose(null);
	conf_free(&c);
	return 0;
}
