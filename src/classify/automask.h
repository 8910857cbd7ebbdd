/*
 * automask — automatic masking of the lines no rule masked: the glue
 * between the rule engine, the template store (tmpl) and the queues.
 *
 * A line filed by a rule without capture groups (e.g. "misc .*") has its
 * message mined; in a queue with automask on (conf_tmpl_automask) its
 * aggregation key is then "PROG: TEMPLATE" ("PROG[MASK]: TEMPLATE" when
 * the pid is shown), variables written as the config's mask, so lines
 * that differ only in their variables count as one entry.  The entry
 * carries the template id in its tag, so that a report shows every entry
 * with its template's text of the moment (automask_fold: templates only
 * generalise, and entries filed under an older text fold into the
 * current one) and can mark the templates that are new (automask_new).
 * Lines from program "logward" (logward's own events) are never mined.
 */
#ifndef LOGWARD_AUTOMASK_H
#define LOGWARD_AUTOMASK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "classify/tmpl.h"
#include "conf/conf.h"
#include "lib/buf.h"
#include "queue/queue.h"

#define AUTOMASK_CUT_MARK	" [logward: line cut at max_line]"

/* The store's settings from c: set max_templates, set learn, and a share
 * of set max_memory (automask_memory). */
void	automask_opts(const struct conf *c, struct tmpl_opts *o);

/* Bytes of set max_memory the template store may use (0 when c mines
 * nothing); the queues get that much less. */
uint64_t automask_memory(const struct conf *c);

/* What automask_key found for one message. */
struct automask_key {
	struct tmpl_result r;		/* the template */
	size_t		 plen;		/* bytes of the key before the template */
	bool		 mined;		/* false: a logward line, or no template */
};

/* automask_prep's memory of the messages split lately: AUTOMASK_SEEN
 * exact-cache keys in sets of AUTOMASK_WAYS, shared by the threads that
 * prepare lines (relaxed atomic words: what one thread misses of
 * another's only costs a second split). */
#define AUTOMASK_SEEN	16384
#define AUTOMASK_WAYS	4

/* automask_key's line-only half, for the same text, len and proglen: fills
 * p (p->ready false when there is nothing to mine) with the store's
 * exact-cache hashes, and when seen is not NULL splits the message into
 * line (p borrows it) unless seen holds it (a message seen before is
 * usually answered by the store's exact cache, without its tokens) or
 * it is too long for the exact cache.  Reads nothing of t but its seeds:
 * any thread, with a line of its own. */
void	automask_prep(const struct tmpl *t, struct tmpl_line *line,
	    _Atomic uint64_t *seen, const char *text, size_t len, long proglen,
	    struct tmpl_prep *p);

/* Appends the key of text[0..len) ("prog[pid]: message" as the rules see
 * it) to out and fills k.  proglen: the length of the program name text
 * starts with (the record's), or -1 to find it here.  With learn the
 * message is mined (tmpl_add, at now), else only matched (tmpl_match).
 * cut: the line was cut at max_line (the key says so).  p: NULL, or
 * automask_prep's for the same text (learn only; the result is the same).
 * When nothing is mined (k->mined false), out is left as it was. */
void	automask_key(struct tmpl *t, const struct conf *c, const char *text,
	    size_t len, long proglen, bool cut, bool learn,
	    const struct tmpl_prep *p, time_t now, struct buf *out,
	    struct automask_key *k);

/* The tag an entry filed under key k carries (queue entry->tag). */
uint64_t automask_tag(const struct automask_key *k);

/* Rebuilds queue q so that every tagged entry is filed under its
 * template's current text, entries that now have the same key merged
 * (counts added, first/last widened, the oldest example kept).  Entries
 * whose template retired keep their key. */
void	automask_fold(struct tmpl *t, const struct conf *c, struct queue *q);

/* true when entry en is about a template that is new: first seen after
 * the learning period, at or after since. */
bool	automask_new(const struct tmpl *t, const struct entry *en, time_t since);

#endif
