/*
 * in_file — a resumable, rotation-aware file tailer.
 *
 * Follows one path with stat/fstat/open/read/pread only (the event loop
 * decides when to poll: on inotify activity in the directory and once a
 * second).  Every byte of every line written to the path is delivered
 * exactly once, across rename rotations, copytruncate, dateext names,
 * compressed rotated files and restarts from a saved position:
 *
 *  - identity of a file = (dev, ino) + a hash of its first bytes, so a
 *    recycled inode is not mistaken for the old file;
 *  - a renamed-away file is kept open and drained (in parallel with the
 *    new file) until idle for rotate_grace seconds;
 *  - a truncated file (copytruncate) is continued in its rotated copy
 *    from the consumed offset, then the path is read from its start;
 *  - after a restart, the saved file(s) are located among the rotated
 *    names of the path (PATH.N, PATH.N.gz, PATH-DATE, PATH-DATE.gz) and
 *    every rotation that happened meanwhile is read.
 *
 * Lines longer than max_line are cut (never dropped); a last line without
 * newline is delivered once the file has been idle partial_timeout
 * seconds.  NUL bytes are data.  No allocation per line.
 */
#ifndef LOGWARD_IN_FILE_H
#define LOGWARD_IN_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define IN_FILE_HEAD	1024	/* bytes of the file start fingerprinted */
#define IN_FILE_TAIL	256	/* bytes before the offset fingerprinted */
#define IN_FILE_MAXCAND	20	/* rotated names looked at, newest kept */

/* Where reading stands in one file; plain fixed-size fields (serialised
 * by the checkpoint).  Hashes are 64-bit FNV-1a of the bytes (content,
 * i.e. decompressed for .gz). */
struct in_file_pos {
	bool		 valid;		/* false: no file */
	uint64_t	 dev, ino;	/* identity of the file being read */
	uint64_t	 offset;	/* bytes consumed: end of the last delivered line */
	uint32_t	 head_len;	/* min(IN_FILE_HEAD, bytes seen) */
	uint64_t	 head_hash;	/* hash of the first head_len bytes */
	uint32_t	 tail_len;	/* min(IN_FILE_TAIL, offset) */
	uint64_t	 tail_hash;	/* hash of the tail_len bytes before offset */
};

/* A checkpoint.  old = a rotated file still being drained, the copy of a
 * truncated file, the file being read in a catch-up after a restart, or
 * — while nothing of cur is consumed yet — the last file read to its end
 * (it anchors the rotations that follow it).  cur = the file at the path
 * (or, during a catch-up, the one partly read file after old).  After a
 * restart every rotated file newer than the oldest one located is read
 * from its start. */
struct in_file_save {
	struct in_file_pos old, cur;
};

/* Receives one line without its newline, borrowed until fn returns.
 * cut_from is 0, or the full length of a line cut to len (= max_line)
 * bytes. */
typedef void in_file_line_fn(void *arg, const char *line, size_t len,
    size_t cut_from);

struct in_file_opts {
	size_t		 max_line;	/* longest line delivered whole; 0 = 64 KiB */
	bool		 start_at_end;	/* no saved position: skip what exists */
	unsigned	 partial_timeout; /* s idle before a last line without newline is delivered */
	unsigned	 rotate_grace;	/* s idle before a renamed-away file is closed */
	struct timespec	 saved_at;	/* real time of the checkpoint 'saved' comes
					   from; {0, 0} = unknown (see in_file_new) */
};

enum in_file_state {
	IN_FILE_WAITING,		/* path does not exist (yet) */
	IN_FILE_READING,		/* a file is open */
	IN_FILE_ERROR,			/* see error */
};

struct in_file_stats {
	const char	*path;		/* borrowed */
	enum in_file_state state;
	const char	*error;		/* borrowed text of the kept error, or NULL */
	uint64_t	 offset;	/* consumed in the current file */
	uint64_t	 size;		/* its size at the last check */
	uint64_t	 lines;		/* lines delivered */
	uint64_t	 bytes;		/* bytes consumed (with newlines) */
	uint64_t	 rotations;	/* rename, delete, truncation, and found after a restart */
	uint64_t	 bytes_lost;	/* bytes known to be lost (seen but gone) */
	uint64_t	 losses_unknown; /* times an unknown amount may have been lost */
	uint64_t	 cut_lines;	/* lines cut at max_line */
	bool		 draining;	/* a rotated file is still being read */
};

struct in_file;

/* Creates a tailer for path (copied).  saved: the position from the last
 * checkpoint.  A saved file that was EMPTY then (no fingerprint) is found
 * by time instead: the rotated files changed after o->saved_at are read
 * from their start, oldest first, then the path.  Otherwise: the position from the last
 * checkpoint (borrowed), or NULL for no state: then the file existing now
 * is read from its start, or from its end with start_at_end; a file
 * created later is always read from its start.  With a saved position the
 * saved file(s) are located now and a catch-up plan is built (logged with
 * log_warnx when they cannot be found: counted in losses_unknown).
 * Returns an owned tailer; never fails (a missing or unreadable file is
 * retried by in_file_poll). */
struct in_file *in_file_new(const char *path, const struct in_file_opts *o,
	    const struct in_file_save *saved);
/* Closes every file of f and frees it; NULL is ignored. */
void	in_file_free(struct in_file *f);

/* Reads what is available and calls fn for each complete line, at most
 * max_lines per call (0 = no cap).  now is the current time (may be a fake
 * clock) for the partial and grace timeouts.  Returns 1 when more may be
 * pending (the cap was reached), 0 when caught up, -1 when an error
 * occurred during this call (kept for in_file_stats, logged once per
 * distinct error; the tailer retries at the next poll). */
int	in_file_poll(struct in_file *f, time_t now, size_t max_lines,
	    in_file_line_fn *fn, void *arg);

/* Fills out with the position to checkpoint: exactly the lines already
 * passed to fn (and returned from it). */
void	in_file_save(const struct in_file *f, struct in_file_save *out);

/* Fills st for `logward status`; its strings are borrowed from f. */
void	in_file_stats(const struct in_file *f, struct in_file_stats *st);

/* Returns the watched path (borrowed). */
const char *in_file_path(const struct in_file *f);

#endif
