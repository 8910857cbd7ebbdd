/*
 * sumfiles — finding a log file's rotated siblings and reading plain or
 * gzip-compressed files line by line, for `logward summary` (sumfiles.c).
 */
#ifndef LOGWARD_SUMFILES_H
#define LOGWARD_SUMFILES_H

#include <stddef.h>
#include <time.h>

/* The rotated siblings of path (PATH.N[.gz], PATH-YYYYMMDD[.gz]) last
 * modified at or after since (0 = any), oldest first, then path itself.
 * Returns an owned NULL-terminated array of owned strings (*n set). */
char	**sumfiles_siblings(const char *path, time_t since, size_t *n);

/* Receives one line (no newline), borrowed until it returns; cut_from is
 * 0, or the length of a line cut to len bytes. */
typedef void sumfiles_line_fn(void *arg, const char *line, size_t len,
    size_t cut_from);

/* Reads path ("-" = standard input; ".gz" decompressed) and hands each
 * line to fn, cut at max_line bytes.  Returns 0, or -1 after a warning
 * naming the file. */
int	sumfiles_read(const char *path, size_t max_line, sumfiles_line_fn *fn,
	    void *arg);

#endif
