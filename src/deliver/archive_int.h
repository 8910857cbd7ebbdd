/*
 * archive_int — the archive's state (struct archive) and its path pattern
 * (segments), shared by archive.c (the open files, the lines) and
 * archive_path.c (the pattern).  Only those two files include it.
 */
#ifndef LOGWARD_ARCHIVE_INT_H
#define LOGWARD_ARCHIVE_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "deliver/archive.h"

#define STAMP_LEN	16		/* "Mmm dd hh:mm:ss " */

enum seg_kind {
	SEG_LIT, SEG_HOST, SEG_PROG, SEG_FACILITY, SEG_LEVEL,
	SEG_YEAR, SEG_MONTH, SEG_DAY, SEG_HOUR, SEG_MINUTE
};

struct seg {
	enum seg_kind	 kind;
	char		*lit;		/* SEG_LIT: owned bytes */
	size_t		 len;		/* SEG_LIT: their length */
};

struct afile;			/* an expanded path's file, in archive.c */

struct archive {
	struct seg	*segs;		/* owned array */
	size_t		 nsegs;
	bool		 timed;		/* the pattern has a time conversion */
	struct archive_opts o;		/* with defaults filled in */
	struct afile	**tab;		/* owned hash buckets */
	size_t		 tabcap;	/* power of two */
	size_t		 nfiles;	/* entries in tab */
	struct afile	*head, *tail;	/* LRU list of open files */
	size_t		 nopen;
	char		 path[PATH_MAX];	/* expansion of the current line */
	char		*line;		/* owned line buffer */
	size_t		 linecap;
	time_t		 now;		/* clock of the last tick */
	time_t		 synced;	/* clock of the last interval sync */
	time_t		 tm_t;		/* time the cached fields are for */
	bool		 tm_ok;		/* tm and stamp hold tm_t */
	struct tm	 tm;
	char		 stamp[STAMP_LEN];
	int		 logged;	/* errno last logged without a file */
	struct archive_stats st;	/* counters; last_error unused */
	bool		 has_error;
	char		 last_error[PATH_MAX + 128];
};

#endif
