/*
 * in_journal — a resumable reader of the systemd journal (sd-journal).
 *
 * Follows the local system journal, one journal directory or explicit
 * journal files, optionally filtered by journalctl-style matches, and
 * hands each entry to a callback as ONE line that record_parse reads as
 * an RFC 3339 line:
 *
 *   <PRI>YYYY-MM-DDThh:mm:ss.uuuuuu+hh:mm HOST IDENT[PID]: MESSAGE
 *
 *  - PRI = facility * 8 + severity.  Severity = PRIORITY (0..7; absent or
 *    invalid: 6, info).  Facility = SYSLOG_FACILITY (0..23); when absent
 *    or invalid: 0 (kern) for _TRANSPORT=kernel, 3 (daemon) when the
 *    entry has _SYSTEMD_UNIT, else 1 (user).
 *  - The stamp is __REALTIME_TIMESTAMP in local time with its offset
 *    (UTC with "Z" when the zone's offset is not whole minutes); a stamp
 *    outside years 0000..9999 is replaced by the current time.
 *  - HOST = _HOSTNAME, else "localhost"; IDENT = SYSLOG_IDENTIFIER, else
 *    _COMM, else "unknown"; whitespace and control bytes (and in IDENT
 *    '[' and ':') become '_', so record_parse splits the line where it
 *    was built.  HOST is cut at 255 bytes, IDENT at 128.
 *  - PID = SYSLOG_PID, else _PID, when all decimal digits; "[PID]" is
 *    left out when there is none.
 *  - MESSAGE bytes are copied as they are (NUL, newline, invalid UTF-8:
 *    the report layer escapes them) and cut at max_msg bytes.  An entry
 *    without MESSAGE is skipped and counted.
 *  - Duplicate fields: the first one in the entry counts.
 *
 * Reading resumes from a cursor: the entry after the cursor's entry,
 * never the cursor's entry itself, never skipping the next one (with or
 * without matches, even when the cursor's entry does not match them).
 * A cursor whose entry is no longer in the journal (vacuumed, files
 * removed, another machine) restarts from the oldest entry available,
 * logged and counted in cursor_lost: entries between the cursor and
 * that one may have been lost, entries older than the cursor that are
 * still there are read again (a repeat is preferred to a silent loss).
 *
 * No threads: the daemon watches in_journal_fd() with epoll and calls
 * in_journal_poll() when it is readable and on every tick.  Open the
 * reader after privileges are dropped: the user needs the group
 * systemd-journal (or adm) to read the system journal.
 */
#ifndef LOGWARD_IN_JOURNAL_H
#define LOGWARD_IN_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IN_JOURNAL_MAX_MSG	(64 * 1024)	/* default max_msg */
#define IN_JOURNAL_HOST_MAX	255		/* bytes of _HOSTNAME kept */
#define IN_JOURNAL_IDENT_MAX	128		/* bytes of the identifier kept */

struct in_journal_opts {
	const char	*dir;		/* journal directory (set journal_dir); NULL = local journal */
	char *const	*files;		/* or these journal files (NULL-terminated); NULL = none */
	char *const	*matches;	/* match terms (NULL-terminated), see in_journal_check_match */
	bool		 start_at_end;	/* no cursor: skip the entries existing at open */
	size_t		 max_msg;	/* MESSAGE bytes delivered whole; 0 = 64 KiB */
	uint64_t	 since_usec;	/* no cursor, not start_at_end: begin at the first
					   entry of this realtime (us since the epoch)
					   or later; 0 = the oldest entry */
};

/* Receives one normalised entry, borrowed until fn returns.  cut_from is
 * 0, or the length the line would have had when MESSAGE was cut to
 * max_msg bytes.  (The data threshold is set to max_msg + 1 message
 * bytes, at least 504: a library that cuts a compressed field there
 * does not say how long it was, and cut_from is then a lower bound;
 * libsystemd 252 returns zstd fields whole, so it is exact there.) */
typedef void in_journal_line_fn(void *arg, const char *line, size_t len,
    size_t cut_from);

struct in_journal_stats {
	uint64_t	 entries;	/* lines delivered */
	uint64_t	 skipped_no_message; /* entries without MESSAGE */
	uint64_t	 cut;		/* messages cut at max_msg */
	uint64_t	 errors;	/* failed calls (next, read, cursor) */
	uint64_t	 cursor_lost;	/* saved cursor not found: possible loss */
	const char	*error;		/* the kept error text (borrowed), NULL if none */
	bool		 no_files;	/* local journal: nothing readable at open */
};

struct in_journal;

/* Opens the journal (o and cursor are borrowed, nothing of them kept
 * but a copy of cursor) and positions it: after cursor's entry when cursor (borrowed) is given,
 * else at the first entry, or after the last existing one with
 * start_at_end.  Returns an owned reader, or NULL with a message in err
 * (the directory or files cannot be opened, a bad match term). */
struct in_journal *in_journal_open(const struct in_journal_opts *o,
	    const char *cursor, char *err, size_t errlen);
void	in_journal_free(struct in_journal *j);

/* The descriptor to watch for input (EPOLLIN), or -1 when the journal
 * cannot be watched (then rely on polling every tick).  Borrowed. */
int	in_journal_fd(const struct in_journal *j);

/* Takes in file changes (sd_journal_process: new, rotated and removed
 * journal files) and delivers entries, at most max per call (0 = no cap;
 * skipped entries count too).  Returns 1 when more may be pending (the
 * cap was reached), 0 when caught up, -1 when an error occurred during
 * this call (kept for in_journal_stats, logged once per distinct error;
 * the next poll retries). */
int	in_journal_poll(struct in_journal *j, size_t max,
	    in_journal_line_fn *fn, void *arg);

/* The position to checkpoint (borrowed, valid until the next poll or
 * free): the cursor of the last entry consumed (delivered and returned
 * from fn, or skipped); before that the cursor given to in_journal_open,
 * or with start_at_end the last entry that existed at open; NULL when
 * there is none (an empty journal, read from its start). */
const char *in_journal_cursor(const struct in_journal *j);

/* Fills st for `logward status`; its strings are borrowed from j. */
void	in_journal_stats(const struct in_journal *j, struct in_journal_stats *st);

/* Checks one match term for the config.  Terms are "FIELD=VALUE" (FIELD:
 * 1 to 64 of A-Z, 0-9 and '_', not starting with a digit; VALUE: any
 * bytes, compared exactly) or "+".  Same FIELD twice = OR, different
 * fields = AND, "+" = OR between the groups before and after it
 * (journalctl).  PRIORITY takes 0..7 or a level name (emerg, alert, crit,
 * err, warning, notice, info, debug) or a range of them, "0..4" or
 * "err..emerg", which matches every level in it.  Returns 0, or -1 with a
 * message in err. */
int	in_journal_check_match(const char *term, char *err, size_t errlen);

#endif
