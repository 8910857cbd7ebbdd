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
#include <sys/stat.h>

#include "match.h"

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

/* Group teardown: frees PCRE2's shared match data (leak checkers). */
static inline int
tu_teardown_match(void **state)
{
	(void)state;
	match_cleanup();
	return 0;
}

#endif
