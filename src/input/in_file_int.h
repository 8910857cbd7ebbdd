/*
 * in_file_int.h — what the files of the tailer share: the reader (struct
 * rd, see in_file_rd.c) and the tailer's state (struct in_file).  Only
 * in_file.c, in_file_rd.c and in_file_rotated.c include it.
 */
#ifndef LOGWARD_IN_FILE_INT_H
#define LOGWARD_IN_FILE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <zlib.h>

#include "input/in_file.h"

#define KEEP		IN_FILE_TAIL	/* bytes kept before the offset */

enum rd_kind {
	RD_LIVE,			/* the file at the path */
	RD_DRAIN,			/* renamed away: closed after rotate_grace idle */
	RD_FINAL,			/* complete (copy, .gz, older rotation): closed at EOF */
};

struct rd {
	int		 fd;		/* owned; -1 when gz owns it */
	gzFile		 gz;		/* owned, for .gz files */
	char		*name;		/* owned, for messages */
	uint64_t	 dev, ino;	/* identity */
	enum rd_kind	 kind;
	bool		 hurry;		/* drain: close at the next end of file */
	bool		 ready;		/* positioned by in_file_rd_seek */
	bool		 stalled;	/* truncated, handled once old is done */
	size_t		 max_line;
	char		*mem;		/* owned: cut head (max_line), then buf */
	char		*buf;		/* stream area: content [base, base + end) */
	size_t		 size;		/* bytes of buf */
	size_t		 start;		/* first unconsumed byte (cut line: = scan) */
	size_t		 scan;		/* newline search resumes here */
	size_t		 end;		/* end of valid data */
	uint64_t	 base;		/* content offset of buf[0] */
	uint64_t	 offset;	/* consumed */
	unsigned char	 head[IN_FILE_HEAD]; /* the first head_len bytes */
	uint32_t	 head_len;
	bool		 cutting;	/* inside a line longer than max_line */
	uint64_t	 cut_len;	/* its length so far */
	uint32_t	 cut_tail_len;	/* tail fingerprint at its start */
	uint64_t	 cut_tail_hash;
	time_t		 grown;		/* last time data arrived; -1 = next poll */
	uint64_t	 size_seen;	/* st_size at the last check */
	struct timespec	 mtime_seen;	/* st_mtim at the last check */
};

enum err_kind { ERR_NONE, ERR_STAT, ERR_OPEN, ERR_READ };

struct in_file {
	char		*path;		/* owned */
	char		*dir;		/* owned: directory of path */
	char		*base;		/* owned: file name of path */
	struct in_file_opts o;
	size_t		 max_line;
	struct rd	*old;		/* drained / copy / plan head, or NULL */
	struct rd	*cur;		/* file at the path, or NULL (waiting) */
	struct rd	*plan[IN_FILE_MAXCAND]; /* read after old, in order */
	size_t		 nplan;
	struct in_file_pos anchor;	/* the last file read to its end */
	struct in_file_pos resume;	/* saved cur, path unreadable at start */
	bool		 se_pending;	/* start_at_end for this file: */
	uint64_t	 se_dev, se_ino, se_size;
	enum err_kind	 err;		/* kept error */
	char		 errmsg[192];
	bool		 err_now;	/* an error during this poll */
	uint64_t	 lines, bytes, rotations, bytes_lost, losses_unknown;
	uint64_t	 cut_lines;
};

static inline uint64_t
in_file_min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

#endif
