/*
 * filter — run a report post-processor (set filter, set csv) with argv,
 * never through a shell.
 */
#ifndef LOGWARD_FILTER_H
#define LOGWARD_FILTER_H

#include <stddef.h>

/* Runs argv (argv[0] a path) with input on stdin and returns its stdout
 * (owned, at most 64 MiB, *outlen set), or NULL when it could not be
 * started.  A non-zero exit is logged. */
char	*filter_run(char *const argv[], const char *input, size_t inlen,
	    size_t *outlen);

#endif
