/*
 * testutil — helpers shared by the unit test programs: a private temp
 * directory per test and the group teardown that frees PCRE2's shared
 * match data.  Header-only: each test program is one .c file.
 */
#ifndef LOGWARD_TESTUTIL_H
#define LOGWARD_TESTUTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/match.h"

/* Creates /tmp/logward-test-NAME.XXXXXX into dir; returns 0 or -1. */
static inline int
tu_mkdtemp(char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "/tmp/logward-test-%s.XXXXXX", name);
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static inline int
tu_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything below it. */
static inline int
tu_rmtree(const char *dir)
{
	return nftw(dir, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes text to dir/name and puts that path in path; 0 or -1. */
static inline int
tu_write(char *path, size_t size, const char *dir, const char *name,
    const char *text)
{
	FILE *fp;

	snprintf(path, size, "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	if (fputs(text, fp) < 0) {
		fclose(fp);
		return -1;
	}
	return fclose(fp) == 0 ? 0 : -1;
}

/* Group teardown: frees PCRE2's shared match data (leak checkers). */
static inline int
tu_teardown_match(void **state)
{
	(void)state;
	match_cleanup();
	return 0;
}

/* A collector of delivered lines (the callback shape of in_file,
 * in_journal and in_syslog): owned copies with their length and
 * cut_from. */
struct got {
	char	**line;		/* owned NUL-terminated copies */
	size_t	 *len, *cut;
	size_t	  n, cap;
};

static inline void
got_fn(void *arg, const char *line, size_t len, size_t cut_from)
{
	struct got *g = arg;

	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->line = realloc(g->line, g->cap * sizeof(*g->line));
		g->len = realloc(g->len, g->cap * sizeof(*g->len));
		g->cut = realloc(g->cut, g->cap * sizeof(*g->cut));
		if (g->line == NULL || g->len == NULL || g->cut == NULL)
			abort();
	}
	g->line[g->n] = malloc(len + 1);
	if (g->line[g->n] == NULL)
		abort();
	memcpy(g->line[g->n], line, len);
	g->line[g->n][len] = '\0';
	g->len[g->n] = len;
	g->cut[g->n] = cut_from;
	g->n++;
}

/* Empties g, keeping its arrays. */
static inline void
got_reset(struct got *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->line[i]);
	g->n = 0;
}

static inline void
got_free(struct got *g)
{
	got_reset(g);
	free(g->line);
	free(g->len);
	free(g->cut);
	memset(g, 0, sizeof(*g));
}

/* A small deterministic generator (xorshift64) over *state (not 0). */
static inline uint64_t
tu_xorshift(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

#endif
