/*
 * watch — the daemon's side of templates and of its own watch events:
 * the template store's life (created, restored from and saved in the
 * checkpoint, attached to the engine, kept across reloads), the
 * "new template" events (rate-limited per hour, the excess counted and
 * said once), silent hosts and inputs (silence.h), bursts (burst.h), the
 * automask tags of queue entries across restarts, and their status lines.
 *
 * Events are lines from program "logward" through in_self, so rules route
 * them; set new_templates QUEUE adds the rule that files the new-template
 * ones (conf_tmpl.h).  Everything already said is in the checkpoint
 * together with the queues, so a kill -9 and a restart neither repeat nor
 * lose an event: an event is handed to the rules before the checkpoint
 * that records it as said.
 */
#ifndef LOGWARD_WATCH_H
#define LOGWARD_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "classify/engine.h"
#include "lib/buf.h"

struct daemon;

/* Creates the watch state for d->conf (after engine_init, before
 * checkpoint_restore). */
void	watch_init(struct daemon *d);
/* After checkpoint_restore: the store goes to the engine, the silence
 * clocks start. */
void	watch_started(struct daemon *d);
/* After a reload installed d->conf and d->engine. */
void	watch_reload(struct daemon *d);
void	watch_free(struct daemon *d);

/* Every classified line (v from engine_line, borrowed). */
void	watch_line(struct daemon *d, const struct verdict *v);
/* Once a tick: silences, the hourly announcement budget, bursts; the
 * events said go into the rules at once. */
void	watch_tick(struct daemon *d);
/* Appends the status lines. */
void	watch_status(struct daemon *d, struct buf *b);

/* Checkpoint section hooks (daemon/checkpoint.c): "templates" (the
 * store), "watch" (announcements, silence, bursts) and "automask" (the
 * template ids of queue entries).  save returns false when the feature
 * has nothing (its section, if any, is then kept as it was read). */
bool	watch_templates_save(struct daemon *d, struct buf *out);
int	watch_templates_restore(struct daemon *d, const char *data, size_t len);
bool	watch_state_save(struct daemon *d, struct buf *out);
int	watch_state_restore(struct daemon *d, const char *data, size_t len);
bool	watch_tags_save(struct daemon *d, struct buf *out);
int	watch_tags_restore(struct daemon *d, const char *data, size_t len);

#endif
