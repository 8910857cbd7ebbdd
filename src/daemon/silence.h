/*
 * silence — "watch the watcher": hosts and file inputs that stopped
 * sending.  Each `set silence PATTERN DURATION` names hosts by glob (or
 * file inputs, when PATTERN starts with '/'); when nothing arrived from
 * one of them for DURATION, an event line
 *
 *	logward[PID]: host web1 silent for 2h (last line 09:14:03)
 *
 * goes into the rules (through in_self) once per silence, and a second
 * one when it sends again:
 *
 *	logward[PID]: host web1 sends again after 2h 14m of silence
 *
 * Times are the daemon's clock when lines arrive, not the stamps in
 * them.  Time while logward was stopped does not count: at start every
 * clock starts again (a host silent before the stop stays silent until
 * it sends).  What was already said is saved in the checkpoint, so a
 * restart says nothing twice.  At most SILENCE_MAX_HOSTS hosts are
 * followed; more are counted in the status.
 */
#ifndef LOGWARD_SILENCE_H
#define LOGWARD_SILENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf.h"
#include "input/in_self.h"
#include "lib/buf.h"

#define SILENCE_MAX_HOSTS	10000

struct silence;

/* A new watcher for c's set silence lines (c borrowed until the next
 * silence_conf); now is the daemon's start.  Returns an owned watcher. */
struct silence *silence_new(const struct conf *c, time_t now);
void	silence_free(struct silence *s);

/* A new configuration (reload): patterns are matched again. */
void	silence_conf(struct silence *s, const struct conf *c, time_t now);

/* After restoring: the clocks of hosts and inputs not silent start at
 * now (time while stopped does not count). */
void	silence_started(struct silence *s, time_t now);

/* A line from host[0..len) arrived at now; a silent host's "sends again"
 * goes to ev. */
void	silence_host(struct silence *s, const char *host, size_t len, time_t now,
	    struct in_self *ev);

/* File input path has delivered 'lines' lines since logward started. */
void	silence_input(struct silence *s, const char *path, uint64_t lines,
	    time_t now, struct in_self *ev);

/* Says "silent" for every host and input whose time has come. */
void	silence_tick(struct silence *s, time_t now, struct in_self *ev);

/* Appends the status lines (silent hosts and inputs, counts). */
void	silence_status(const struct silence *s, time_t now, struct buf *b);

/* Appends the state (versioned bytes) to out / restores it; restore
 * returns 0, or -1 when the bytes are not usable (nothing changed). */
void	silence_save(const struct silence *s, struct buf *out);
int	silence_restore(struct silence *s, const char *data, size_t len);

/* "2h", "1d 3h", "14m", "45s": a duration as events write it, into dst. */
void	silence_duration(char *dst, size_t size, int64_t secs);

#endif
