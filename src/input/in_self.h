/*
 * in_self — logward's own events as an input.  The daemon's checks (disk
 * and inode thresholds, clock skew, silent hosts, bursts, new templates)
 * do not mail anything themselves: each event becomes one syslog line
 * from program "logward" on this host, with a priority, and enters the
 * same pipeline as every log line, so the admin's rules route it
 * (`critical ^logward: disk CRITICAL`, `select daemon.>=crit`).
 *
 * A line reads, in the RFC 3339 layout rsyslog writes by default:
 *
 *	<PRI>2026-12-07T09:14:03+01:00 HOST logward[PID]: TEXT
 *
 * Events wait in a bounded FIFO until the daemon's loop takes them; when
 * it is full the oldest events are kept and the new ones counted as
 * dropped (in_self_stats), never lost silently.
 */
#ifndef LOGWARD_IN_SELF_H
#define LOGWARD_IN_SELF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define IN_SELF_MAX_TEXT	2048	/* bytes of TEXT kept (longer is cut) */
#define IN_SELF_MAX_EVENTS	4096	/* events waiting at most */

/* syslog facility "daemon" with these severities */
enum in_self_level {
	IN_SELF_CRIT = 2,
	IN_SELF_WARNING = 4,
	IN_SELF_NOTICE = 5,
	IN_SELF_INFO = 6,
};

struct in_self_stats {
	uint64_t	 emitted;	/* events queued */
	uint64_t	 delivered;	/* events handed to the pipeline */
	uint64_t	 dropped;	/* events refused: the FIFO was full */
};

struct in_self;

/* A new event source for host (copied; cut at the first '.' unless it
 * is an address) and pid.  Returns an owned source. */
struct in_self *in_self_new(const char *host, pid_t pid);
void	in_self_free(struct in_self *s);

/* Queues one event with the time now (shown in the zone of the local
 * time) and the text made by fmt (control bytes become '?': an event is
 * one line).  Returns 0, or -1 when the FIFO was full (counted). */
int	in_self_emit(struct in_self *s, time_t now, enum in_self_level level,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Receives one event line, borrowed until fn returns. */
typedef void in_self_line_fn(void *arg, const char *line, size_t len);

/* Hands the events waiting now to fn, oldest first (events emitted while
 * fn runs wait for the next call).  Returns how many. */
size_t	in_self_drain(struct in_self *s, in_self_line_fn *fn, void *arg);

/* Events waiting now. */
size_t	in_self_pending(const struct in_self *s);

void	in_self_stats(const struct in_self *s, struct in_self_stats *st);

#endif
