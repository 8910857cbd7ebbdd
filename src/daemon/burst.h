/*
 * burst — a rate far above a template's own recent history, per host:
 *
 *	logward[PID]: burst on web1: 4,812 lines in 5 min of
 *	"sshd: Failed password for ___ from ___ port ___ ssh2" (usual 30)
 *
 * The method (set burst FACTOR MIN WINDOW): time is cut into windows of
 * WINDOW seconds (on the clock: every key's windows start together).
 * For each (host, key), where the key is the line's aggregation key
 * (the template when automask is on, the masked message otherwise), the
 * lines of the current window are counted and, when a window ends, an
 * exponentially decayed average of the window counts is updated
 * (the first window's count, then avg = 0.8 avg + 0.2 count; windows
 * without lines count 0).  A window
 * is a burst as soon as its count reaches MIN and FACTOR times the
 * average (at least FACTOR lines): the event is said at that moment,
 * once per window, and only for keys with BURST_WARMUP windows of
 * history (a key seen for the first time is not a burst: its template
 * may be new, which is another event).  "usual" is the average, rounded.
 *
 * At most BURST_MAX_KEYS keys are followed (more are counted, not
 * followed); keys idle for BURST_IDLE windows are forgotten.  The state
 * rides in the checkpoint, so a restart neither forgets the history nor
 * says a burst twice.
 */
#ifndef LOGWARD_BURST_H
#define LOGWARD_BURST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf_tmpl.h"
#include "input/in_self.h"
#include "lib/buf.h"

#define BURST_MAX_KEYS	20000
#define BURST_WARMUP	6	/* windows of history before judging */
#define BURST_IDLE	48	/* windows without a line before a key is forgotten */
#define BURST_ALPHA	0.2	/* weight of the last window in the average */

struct burst;

/* Returns an owned, empty burst watcher. */
struct burst *burst_new(void);
void	burst_free(struct burst *b);

/* Counts one line of host[0..hostlen) under key[0..keylen) at now; a
 * burst is said to ev. */
void	burst_line(struct burst *b, const struct conf_tmpl *ct, const char *host,
	    size_t hostlen, const char *key, size_t keylen, time_t now,
	    struct in_self *ev);

/* Forgets idle keys (call now and then). */
void	burst_tick(struct burst *b, const struct conf_tmpl *ct, time_t now);

/* Appends the status line. */
void	burst_status(const struct burst *b, const struct conf_tmpl *ct,
	    struct buf *out);

/* Appends the state to out / restores it (0, or -1 when unusable). */
void	burst_save(const struct burst *b, struct buf *out);
int	burst_restore(struct burst *b, const char *data, size_t len);

#endif
