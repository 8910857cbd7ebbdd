/*
 * lcrun — the lines of a logcheck run (see lcrun.h).
 */
#include "cli/lcrun.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void
lcrun_init(struct lcrun *r, struct lcdb *db, bool uniq, int threads)
{
	const char *v = getenv("LOGWARD_TEST_SPILL_BYTES");
	size_t mem = LCRUN_MEM;

	if (v != NULL && *v != '\0') {
		char *end;
		unsigned long long x;

		errno = 0;
		x = strtoull(v, &end, 10);
		if (errno == 0 && *end == '\0' && x <= SIZE_MAX)
			mem = (size_t)x;
	}
	memset(r, 0, sizeof(*r));
	lcstore_init(&r->st, db, uniq, mem, threads);
}

void
lcrun_free(struct lcrun *r)
{
	lcstore_free(&r->st);
	memset(r, 0, sizeof(*r));
}

void
lcrun_line(void *arg, const char *line, size_t len, size_t cut_from)
{
	struct lcrun *r = arg;

	if (cut_from != 0)
		r->cut++;
	/* a failure is warned once and ends in lcrun_finish's -1 */
	(void)lcstore_add(&r->st, line, len);
}

int
lcrun_finish(struct lcrun *r)
{
	return lcstore_finish(&r->st);
}

bool
lcrun_failed(const struct lcrun *r)
{
	return lcstore_failed(&r->st);
}

uint64_t
lcrun_count(const struct lcrun *r)
{
	return r->st.lines;
}

enum lc_section_kind
lcrun_write(struct lcrun *r, FILE *fp, const struct lcreport_opts *ro,
    void (*preface)(enum lc_section_kind, void *), void *arg)
{
	return lcstore_write(&r->st, fp, ro, preface, arg);
}

static const char *
base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

void
lcrun_order(const char **paths, size_t n)
{
	size_t k;

	for (k = 1; k < n; k++) {
		const char *cur = paths[k];
		size_t m = k;

		while (m > 0 && strcmp(base(paths[m - 1]), base(cur)) > 0) {
			paths[m] = paths[m - 1];
			m--;
		}
		paths[m] = cur;
	}
}
