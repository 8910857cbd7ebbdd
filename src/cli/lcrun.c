/*
 * lcrun — the lines of a logcheck run (see lcrun.h).
 */
#include "cli/lcrun.h"

#include <stdlib.h>
#include <string.h>

#include "classify/lcclass.h"
#include "lib/xmem.h"
#include "report/lcreport.h"

#define CHUNK	(4 * 1024 * 1024)

void
lcrun_init(struct lcrun *r)
{
	memset(r, 0, sizeof(*r));
}

void
lcrun_free(struct lcrun *r)
{
	size_t i;

	for (i = 0; i < r->nchunks; i++)
		free(r->chunks[i]);
	free(r->chunks);
	free(r->lines);
	free(r->lens);
	memset(r, 0, sizeof(*r));
}

void
lcrun_line(void *arg, const char *line, size_t len, size_t cut_from)
{
	struct lcrun *r = arg;
	char *p;

	if (cut_from != 0)
		r->cut++;
	if (r->nchunks == 0 || r->size - r->used < len + 1) {
		size_t sz = len + 1 > CHUNK ? len + 1 : CHUNK;

		r->chunks = xreallocarray(r->chunks, r->nchunks + 1,
		    sizeof(*r->chunks));
		r->chunks[r->nchunks++] = xmalloc(sz);
		r->size = sz;
		r->used = 0;
	}
	p = r->chunks[r->nchunks - 1] + r->used;
	memcpy(p, line, len);
	p[len] = '\0';
	r->used += len + 1;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4096;
		r->lines = xreallocarray(r->lines, r->cap, sizeof(*r->lines));
		r->lens = xreallocarray(r->lens, r->cap, sizeof(*r->lens));
	}
	r->lines[r->n] = p;
	r->lens[r->n] = len;
	r->n++;
}

size_t
lcrun_finish(struct lcrun *r, bool uniq)
{
	size_t i;

	if (r->n == 0)
		return 0;
	r->n = lcreport_sort(r->lines, r->lens, r->n, uniq);
	for (i = 0; i < r->n; i++)
		r->lens[i] = lcclass_rstrip(r->lines[i], r->lens[i]);
	return r->n;
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
