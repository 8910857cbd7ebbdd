/*
 * inputs — where the daemon's lines come from: the log files (glob
 * expansion, inotify, polling), the syslog listeners and the journal;
 * and the line path from there into the engine, the queues' [now]
 * timers and the archives.
 */
#ifndef LOGWARD_INPUTS_H
#define LOGWARD_INPUTS_H

#include <stdbool.h>
#include <stddef.h>

struct daemon;
struct state;

/* Expands the logfile patterns; new paths become inputs.  Files found
 * at start-up start per start_at, later ones from their beginning.
 * st (borrowed, may be NULL) gives saved positions. */
void	inputs_scan(struct daemon *d, const struct state *st, bool at_start);

/* Watches the directories of the logfile patterns. */
void	inputs_watch(struct daemon *d);

/* Reads what the inputs have.  Returns true when some have more. */
bool	inputs_poll(struct daemon *d, bool all);

/* inotify: mark the inputs whose files changed; a name we do not follow
 * (a rotated file still being drained, a new file a glob may match)
 * makes the next turn poll everything and re-expand the globs. */
void	inputs_inotify(struct daemon *d);

/* Reload: drops the inputs that no logfile pattern of the (new) config
 * names any more. */
void	inputs_prune(struct daemon *d);

/* Frees every log file input. */
void	inputs_free(struct daemon *d);

/* A line from the network or the journal (a line callback, arg is the
 * daemon): classified like a file's line, and also archived. */
void	inputs_net_line(void *arg, const char *line, size_t len, size_t cut);
/* The same for a line of the journal. */
void	inputs_journal_line(void *arg, const char *line, size_t len, size_t cut);

/* One of logward's own event lines (input/in_self.h): classified like a
 * log line, not archived. */
void	inputs_self_line(void *arg, const char *line, size_t len);

/* Takes the events logward's own checks queued since the last call. */
void	inputs_self_take(struct daemon *d);

/* Binds every 'set listen' (as root: before the drop).  Returns 0 or -1
 * (logged). */
int	inputs_listeners_open(struct daemon *d);

/* Serves listener activity on fd.  Returns true when a listener stopped
 * at its bound and has more. */
bool	inputs_listeners_ready(struct daemon *d, int fd);

/* The network part of a graceful stop: closes the TCP listeners,
 * half-closes their connections (in_syslog_quiesce) and goes on reading
 * every listener until each TCP sender has closed its side, nothing more
 * is pending, or max_secs have passed, so what a sender wrote before it
 * saw the end of the stream is classified, not reset away. */
void	inputs_listeners_drain(struct daemon *d, double max_secs);

/* Opens the journal when 'set journal' asks for it, from the saved
 * cursor; fresh: no cursor, start per start_at.  Failure is logged and
 * leaves the journal unread. */
void	inputs_journal_open(struct daemon *d, bool fresh);

/* Closes the journal, keeping its cursor in d->journal_cursor. */
void	inputs_journal_close(struct daemon *d);

/* Opens the archives of the config (one that fails is logged and left
 * NULL: not written). */
void	inputs_archives_open(struct daemon *d);

/* Closes every archive. */
void	inputs_archives_close(struct daemon *d);

#endif
