/*
 * oneshot — what the one-shot commands (check, logcheck) share: reading
 * their sources once, whole or, with a state directory, from where the
 * previous run stopped; and saving those positions only together with
 * the reports they produced.
 *
 * Without a state directory every named file is read whole; gzip data
 * is decompressed, recognised by its magic bytes, whatever the name.
 *
 * With one (--state DIR, logcheck -S DIR) a file is read by the daemon's
 * tailer (input/in_file.c) from its saved position: the file is known by
 * its identity and fingerprints, and when it was rotated while no run
 * was going the saved file is looked for among FILE.N, FILE-DATE and
 * their .gz forms (and a copytruncate copy), and every rotation since is
 * read before the file itself.  The first run over a file reads it
 * whole, as logcheck does.  A last line without newline is left for the
 * next run unless the file has been idle partial_timeout seconds.  A
 * file that is itself compressed is read whole once; its identity is
 * remembered.  The journal resumes after its cursor.
 *
 * oneshot_save writes every position reached (and those of sources that
 * earlier runs read and this one did not name), the journal cursor and
 * the sequence number of the last report staged in the outbox to
 * DIR/NAME.state, in the daemon's checkpoint format, atomically
 * (daemon/state.c).  The caller saves only after its reports are handed
 * on (printed, or staged in the outbox: oneshot_mail.c), so a run that
 * dies earlier saves nothing and the next run reads the same lines again.
 * DIR/NAME.lock (flock) keeps two runs of one state directory apart.
 */
#ifndef LOGWARD_ONESHOT_H
#define LOGWARD_ONESHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cli/progress.h"
#include "daemon/state.h"
#include "input/in_file.h"
#include "input/in_journal.h"

struct engine;
struct gzrec;

/* What a run read, for its account line. */
struct oneshot_stats {
	uint64_t	 lines;		/* lines delivered */
	uint64_t	 files;		/* files (and rotated files) opened */
	uint64_t	 errors;	/* sources that could not be read */
	uint64_t	 losses;	/* saved positions not found (possible loss) */
	uint64_t	 skipped;	/* compressed files already read by a run */
};

struct oneshot {
	char		*dir;		/* owned state directory, NULL = none */
	char		*name;		/* owned: NAME of NAME.state */
	char		*path;		/* owned DIR/NAME.state */
	bool		 test;		/* read from the positions, save nothing */
	int		 lockfd;	/* DIR/NAME.lock, or -1 */
	size_t		 max_line;	/* longest line delivered whole */
	unsigned	 partial_timeout; /* s idle before a last partial line is taken */
	struct timespec	 started;	/* real time before the first source was read */
	struct state	 st;		/* what the last run saved (owned) */
	struct state_input *done;	/* positions reached by this run (owned) */
	size_t		 ndone;
	char		*cursor;	/* journal cursor reached (owned), or NULL */
	struct gzrec	*gz;		/* compressed files read whole (owned) */
	size_t		 ngz;
	struct oneshot_stats stats;
	struct progress	*progress;	/* borrowed: counts the lines read, or
					   NULL (set after oneshot_open) */
};

/* Opens a run.  dir: the state directory (created when missing, one
 * level), or NULL to read every source whole; name: the state's base
 * name (borrowed); test: never save; e: the engine whose host state rides
 * in the checkpoint (restored now), or NULL.  A corrupt state file is set
 * aside (NAME.state.corrupt-EPOCH) with a warning and the run starts as a
 * first one.  Returns 0, or -1 after a message (another run holds the
 * lock, the directory cannot be made): os is then closed. */
int	oneshot_open(struct oneshot *os, const char *dir, const char *name,
	    bool test, size_t max_line, unsigned partial_timeout,
	    struct engine *e);

/* Reads path ("-" = standard input, always whole) and hands each line to
 * fn (borrowed until fn returns; cut_from as in_file_line_fn).  Returns 0,
 * or -1 when the source could not be read (logged, counted). */
int	oneshot_file(struct oneshot *os, const char *path, in_file_line_fn *fn,
	    void *arg);

/* Reads the journal o describes (borrowed) after the saved cursor.  With
 * no cursor yet, the local journal is read from since_usec on (*first is
 * then set), named journal files or a directory from their oldest entry.
 * Needs a state directory.  Returns 0, or -1 when it cannot be opened
 * (logged, counted). */
int	oneshot_journal(struct oneshot *os, const struct in_journal_opts *o,
	    uint64_t since_usec, in_journal_line_fn *fn, void *arg, bool *first);

/* The sequence number of the last report the saved state covers. */
uint64_t oneshot_seq(const struct oneshot *os);

/* A name for this state in outbox file names ([a-z0-9_]): NAME and a hash
 * of the state file's real path, or, without a state directory, NAME,
 * the pid and the time.  Writes it to dst (size bytes). */
void	oneshot_id(const struct oneshot *os, char *dst, size_t size);

/* Saves the positions reached, the journal cursor and seq (and e's
 * queues and host state, e may be NULL) atomically.  Does nothing with
 * no state directory or with test.  Returns 0, or -1 (logged; the
 * previous state is left as it was). */
int	oneshot_save(struct oneshot *os, struct engine *e, uint64_t seq);

/* Frees os and releases the lock. */
void	oneshot_close(struct oneshot *os);

#endif
