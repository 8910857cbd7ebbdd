/*
 * archive — store received lines in per-host / per-day files, the job of
 * the rsyslog rule "*.* ?RemoteHost" on a central log host.
 *
 * An archive is a path pattern such as
 * "/var/log/remote/%HOST%/%Y-%m-%d.log".  Each line is appended to the
 * file its expanded path names, in the classic (RFC 3164 / rsyslog
 * traditional file format) layout "Mmm dd hh:mm:ss HOST TEXT\n", with one
 * write(2) per line.  Open files are cached by expanded path (at most
 * max_open, least recently used closed first; idle ones closed after
 * ARCHIVE_IDLE seconds), so a steady stream of lines allocates nothing.
 *
 * Nothing a sender controls can leave the archive directory or add a line:
 * path values are sanitised (see archive_write) and control bytes in the
 * line are written as rsyslog's "#ooo" octal escapes.  Files are opened
 * with O_NOFOLLOW, refused unless regular, and created with opts.mode;
 * missing directories are created with mode 0750.
 */
#ifndef LOGWARD_ARCHIVE_H
#define LOGWARD_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define ARCHIVE_IDLE		300	/* s without a line before a file is closed */
#define ARCHIVE_TEXT_MAX	65536	/* bytes of TEXT kept per line, the rest cut (counted) */
#define ARCHIVE_HOST_MAX	255	/* bytes of HOST kept per line */
#define ARCHIVE_VALUE_MAX	128	/* bytes of a path token value (%HOST% etc.) */

/* Values match conf's archive_sync (0 none, 1 every, 2 interval). */
enum archive_sync {
	ARCHIVE_SYNC_NONE = 0,		/* leave write-back to the kernel */
	ARCHIVE_SYNC_EVERY = 1,		/* fdatasync after each line */
	ARCHIVE_SYNC_INTERVAL = 2	/* fdatasync dirty files every sync_interval s */
};

/* Zero fields take the defaults; a NULL opts means all defaults. */
struct archive_opts {
	enum archive_sync sync;		/* default ARCHIVE_SYNC_NONE */
	unsigned	 sync_interval;	/* s, for ARCHIVE_SYNC_INTERVAL (default 5) */
	mode_t		 mode;		/* of created files (default 0640, umask not applied) */
	unsigned	 max_open;	/* files kept open (default 256) */
};

struct archive_stats {
	uint64_t	 lines;		/* lines written */
	uint64_t	 bytes;		/* bytes written */
	uint64_t	 errors;	/* lines not written (or, sync every, not synced) */
	uint64_t	 truncated;	/* lines whose TEXT was cut at ARCHIVE_TEXT_MAX */
	uint64_t	 files_created;	/* files that did not exist before */
	size_t		 files_open;	/* descriptors held now */
	const char	*last_error;	/* borrowed until the next call, NULL = none */
};

struct archive;

/* Checks a pattern without opening anything (for the config parser):
 * returns 0, or -1 with a message in err.  The pattern must be an absolute
 * path naming a file (not ending in '/'); besides literal bytes it may
 * hold the tokens %HOST%, %PROG%, %FACILITY%, %LEVEL% (any case), the
 * conversions %Y %m %d %H %M (local time of the line) and "%%" for a
 * literal '%'.  Anything else after a '%' is an error. */
int	archive_check(const char *pattern, char *err, size_t errlen);

/* Returns an owned archive for pattern (see archive_check), or NULL with
 * a message in err.  Opens no file yet.  o is copied (may be NULL). */
struct archive *archive_open(const char *pattern, const struct archive_opts *o,
	    char *err, size_t errlen);

/* Closes every file (fdatasync first when a sync mode is set) and frees
 * a.  NULL is allowed. */
void	archive_free(struct archive *a);

/*
 * Appends one line "Mmm dd hh:mm:ss HOST TEXT\n" to the file for it; t is
 * the line's time (local time, English month, space-padded day), HOST the
 * sender, TEXT what follows the host (e.g. "sshd[12]: Accepted ...").
 * All strings are borrowed byte strings with lengths, not NUL-terminated;
 * prog may be NULL, facility (0..23, not shifted) and severity (0..7) may
 * be -1.
 *
 * In the line, control bytes (below 0x20 except TAB, and 0x7f) of TEXT
 * and HOST are written as "#ooo" (LF "#012", CR "#015", NUL "#000"); in
 * HOST also TAB and space, so HOST stays one field; an empty HOST is
 * written "unknown".  Bytes >= 0x80 are kept.  TEXT beyond
 * ARCHIVE_TEXT_MAX bytes is cut, HOST beyond ARCHIVE_HOST_MAX.
 *
 * In the path, %HOST% (lower-cased) and %PROG% keep [A-Za-z0-9._-] and map
 * every other byte to '_'; a value "." or ".." becomes "_", an empty or
 * missing one "unknown"; values are cut at ARCHIVE_VALUE_MAX bytes.
 * %FACILITY% is the facility's name ("daemon", "local0"), %LEVEL% the
 * severity's ("err", "info"), "unknown" for -1 or out of range.
 *
 * Returns 0, or -1 when the line was not written (the error is counted,
 * kept as last_error and logged once per file and errno; the next line
 * tries again).  With ARCHIVE_SYNC_EVERY a failed fdatasync also returns
 * -1 (the line may be in the file).
 */
int	archive_write(struct archive *a, time_t t, const char *host,
	    size_t hostlen, const char *prog, size_t proglen, int facility,
	    int severity, const char *text, size_t textlen);

/* SIGHUP (logrotate): closes every file, so the next line for it reopens
 * (and creates) the path. */
void	archive_reopen(struct archive *a);

/* Call about once a second with real time (time(NULL), the clock
 * archive_open starts from; not a test clock): with
 * ARCHIVE_SYNC_INTERVAL, fdatasyncs the files written since the last sync
 * every sync_interval s; closes files without a line for more than
 * ARCHIVE_IDLE s (an old day's file, a silent host).  Idle times are
 * measured in tick clocks: a line counts as written at the last tick. */
void	archive_tick(struct archive *a, time_t now);

/* Fills st; last_error is borrowed from a. */
void	archive_stats(const struct archive *a, struct archive_stats *st);

#endif
