/*
 * lines — split a byte stream (a file descriptor) into lines with a cap
 * on line length.  A longer line is cut at the cap and reported with its
 * full length; its remaining bytes are skipped up to the newline.  Reads
 * in large blocks and splits with memchr; no allocation per line.  The
 * source is a descriptor, or a zlib stream (lines_init_gz), which reads
 * gzip data decompressed and any other data as it is.
 */
#ifndef LOGWARD_LINES_H
#define LOGWARD_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <zlib.h>

struct lines {
	int	 fd;		/* borrowed descriptor (-1 with gz) */
	gzFile	 gz;		/* borrowed zlib stream, or NULL */
	char	*buf;		/* owned read buffer */
	size_t	 size;		/* its size (>= max_line + block) */
	size_t	 start;		/* first unconsumed byte */
	size_t	 end;		/* end of valid data */
	size_t	 max_line;	/* longest line delivered whole */
	size_t	 skipping;	/* length so far of a line being cut */
	bool	 eof;		/* read() returned 0 */
	off_t	 offset;	/* bytes consumed from fd (complete lines) */
};

void	lines_init(struct lines *l, int fd, size_t max_line);
/* The same over a zlib stream (borrowed; gzread errors set errno EIO). */
void	lines_init_gz(struct lines *l, gzFile gz, size_t max_line);
void	lines_free(struct lines *l);

/* Delivers the next line (without its newline) in *line and *len, borrowed
 * until the next call.  *cut_from is 0, or the full length of a line that
 * was cut to *len bytes.  At end of file a last line without a newline is
 * delivered too.  Returns 1 for a line, 0 at end of file, -1 on a read
 * error (errno set). */
int	lines_next(struct lines *l, const char **line, size_t *len, size_t *cut_from);

#endif
