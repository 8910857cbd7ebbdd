/*
 * progress — a progress line on standard error for long one-shot runs
 * (check, summary): percent of the bytes to read, lines, lines/s and the
 * time left, redrawn at most four times a second in place ("\r", erase
 * to the end of the line) and erased at the end.  Shown only when
 * standard error is a terminal, unless --progress forces it (tests);
 * --no-progress turns it off.
 */
#ifndef LOGWARD_PROGRESS_H
#define LOGWARD_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum progress_mode {
	PROGRESS_AUTO,		/* on when the descriptor is a terminal */
	PROGRESS_ON,
	PROGRESS_OFF,
};

struct progress {
	bool		 on;
	int		 fd;
	bool		 sized;		/* total is known (plain files only) */
	uint64_t	 total;		/* bytes of the files to read */
	uint64_t	 bytes, lines;	/* read so far */
	uint64_t	 next;		/* lines at which to look at the clock */
	struct timespec	 start, last;
	bool		 shown;		/* a line is on the screen */
};

/* Starts; fd is where the line goes (2). */
void	progress_init(struct progress *p, enum progress_mode mode, int fd);

/* Adds path's size to the total ("-", a pipe or a compressed file make
 * the total unknown: no percent, no time left then). */
void	progress_add_file(struct progress *p, const char *path);

/* Draws the line now if it is due (called by progress_line). */
void	progress_check(struct progress *p);

/* Erases the line (at the end of the reading, before the report). */
void	progress_end(struct progress *p);

/* Counts one line of len bytes (without its newline). */
static inline void
progress_line(struct progress *p, size_t len)
{
	if (p == NULL || !p->on)
		return;
	p->bytes += len + 1;
	if (++p->lines >= p->next)
		progress_check(p);
}

#endif
