/*
 * reload — the daemon takes a new configuration (HUP, "reload").
 */
#ifndef LOGWARD_RELOAD_H
#define LOGWARD_RELOAD_H

struct buf;
struct daemon;

/* Re-reads the config.  A broken one is reported and the running one
 * kept.  Otherwise all queues are mailed (status "reloading", as tenshi
 * does), and the new rules, queues and inputs take over; queue contents
 * left over (a report that could not be staged) move by queue name.
 * Returns 0, or -1 with the config's errors in err. */
int	reload_conf(struct daemon *d, struct buf *err);

#endif
