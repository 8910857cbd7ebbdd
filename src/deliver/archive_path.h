/*
 * archive_path — the archive's path pattern: parsed once into segments
 * (checked on the way), expanded for each line.  Only archive's files
 * include it.
 */
#ifndef LOGWARD_ARCHIVE_PATH_H
#define LOGWARD_ARCHIVE_PATH_H

#include <stddef.h>
#include <sys/types.h>

struct archive;
struct seg;

/* Parses pattern into segments (when v is not NULL); returns 0 or -1 with
 * err set. */
int	archive_path_parse(const char *pattern, struct seg **v, size_t *n,
	    char *err, size_t errlen);

/* Frees the segments v[0..n) and v. */
void	archive_path_free_segs(struct seg *v, size_t n);

/* Expands the pattern into a->path; returns its length or -1 (too long). */
ssize_t	archive_path_expand(struct archive *a, const char *host, size_t hostlen,
	    const char *prog, size_t proglen, int facility, int severity);

#endif
