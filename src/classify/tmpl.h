/*
 * tmpl — the template miner and the template store: online, one pass,
 * deterministic for a given input order.
 *
 * A message is tokenized (tmpl_tok: lexical variables found, runs of
 * variables collapsed); messages of one shape form a group, and a group
 * holds templates (clusters) whose positions are constants or variables.
 * A message takes the oldest template it matches as it is; otherwise the
 * template of its group that differs from it in the fewest constant
 * positions, if few enough of them differ (those positions become
 * variables: user and host names that vary turn into variables once two
 * lines show them varying); otherwise it starts a new template.  A
 * template's id never changes, also when its text generalises, and ids
 * are never reused.
 *
 * The store is bounded: at most max_templates templates and max_bytes of
 * memory; past either, the least recently seen templates retire
 * (counted).  A cache of exact message shapes makes a message seen
 * before cost one tokenization and two hash probes; it only speeds
 * things up, results do not depend on it, so it is not saved.
 *
 * The store (templates, first and last seen times, counts, the learning
 * flag, the next id) is saved and restored as bytes (tmpl_store_save,
 * tmpl_store_restore, in tmpl_store.c): the daemon keeps it in a checkpoint section, `logward
 * templates --state` in a file.
 */
#ifndef LOGWARD_TMPL_H
#define LOGWARD_TMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "classify/tmpl_tok.h"
#include "lib/buf.h"

struct tmpl;
struct tmpl_cluster;

struct tmpl_opts {
	size_t		 max_templates;	/* cap on templates (at least 16) */
	uint64_t	 max_bytes;	/* cap on memory, 0 = none */
	int64_t		 learn;		/* s after the store's birth during which
					   new templates are "learned", not new */
};

/* What tmpl_add or tmpl_match found; the cluster pointer is borrowed
 * until the next call that changes the store. */
struct tmpl_result {
	const struct tmpl_cluster *c;
	uint64_t	 id;		/* the template's id (0: none) */
	bool		 created;	/* this message started the template */
	bool		 changed;	/* this message generalised it */
	bool		 learned;	/* it was first seen in the learning period */
	bool		 near;		/* it differs from a known template in one
					   word only (not announced as new) */
};

/* A template as tmpl_info and tmpl_each show it. */
struct tmpl_info {
	uint64_t	 id;
	int64_t		 first;		/* first seen (the time given to tmpl_add) */
	int64_t		 last;		/* last seen */
	uint64_t	 count;		/* messages */
	bool		 learned;	/* first seen in the learning period */
	bool		 near;		/* one word away from an older one */
};

struct tmpl_stats {
	size_t		 templates;	/* now in the store */
	uint64_t	 created;	/* since the store was born */
	uint64_t	 retired;	/* dropped by the caps (least recently seen) */
	uint64_t	 joined;	/* joined another template */
	uint64_t	 lines;		/* messages mined by this process */
	uint64_t	 bytes;		/* memory held (estimate) */
	int64_t		 born;		/* when the store was created */
};

/* A new, empty store born at 'born' (the start of its learning period).
 * Returns an owned store. */
struct tmpl *tmpl_new(const struct tmpl_opts *o, time_t born);
void	tmpl_free(struct tmpl *t);

/* Changes the caps and the learning period (a reload); templates over
 * the new caps retire at the next new template. */
void	tmpl_set_opts(struct tmpl *t, const struct tmpl_opts *o);

/* Mines message msg[0..len) (the text after "prog[pid]: "), seen at now.
 * part (0 = none) partitions the store: messages of different parts
 * never share a template.  Fills r. */
void	tmpl_add(struct tmpl *t, uint64_t part, const char *msg, size_t len,
	    time_t now, struct tmpl_result *r);

/* What a message tells about itself before any template is looked at:
 * the exact cache's hashes and, maybe, its tokens.  It depends on the
 * message and the store's seeds alone (they never change), so one
 * thread may prepare messages while another one mines. */
struct tmpl_prep {
	bool		 ready;		/* tmpl_prep_hash filled it */
	bool		 hashed;	/* key, check are set (a short message) */
	uint64_t	 key, check;	/* the exact cache's hashes */
	const struct tmpl_tok *tok;	/* borrowed: its tokens, or NULL */
	size_t		 ntok;
	uint64_t	 shape, sig;	/* as struct tmpl_line's */
};

/* Prepares msg[0..len) for tmpl_add_prep in partition part: fills p
 * (zeroed first) with the hashes.  Reads nothing of t but its seeds: any
 * thread may call it while another one changes t. */
void	tmpl_prep_hash(const struct tmpl *t, uint64_t part, const char *msg,
	    size_t len, struct tmpl_prep *p);
/* Adds the message's tokens to p: splits msg[0..len) into line, which p
 * then borrows.  Any thread. */
void	tmpl_prep_split(const char *msg, size_t len, struct tmpl_line *line,
	    struct tmpl_prep *p);
/* tmpl_add with what tmpl_prep_hash (and maybe tmpl_prep_split) found
 * for the same message and part; p NULL or not ready: tmpl_add.  The
 * result is the same as tmpl_add's. */
void	tmpl_add_prep(struct tmpl *t, uint64_t part, const char *msg,
	    size_t len, const struct tmpl_prep *p, time_t now,
	    struct tmpl_result *r);

/* Finds the template msg belongs to as it is, without learning anything
 * (explain).  Returns true and fills r, or false (r->id 0). */
bool	tmpl_match(struct tmpl *t, uint64_t part, const char *msg, size_t len,
	    struct tmpl_result *r);

/* Appends the text of r's template to out: constants as they were first
 * seen, each run of variables as mask, blanks as single spaces.  The
 * text is cached in the template (until it changes or mask does). */
void	tmpl_view_render(struct tmpl *t, const struct tmpl_result *r,
	    const char *mask, size_t masklen, struct buf *out);

/* The same for template id (resolved); returns -1 when no template has
 * that id (it retired, or never was). */
int	tmpl_view_render_id(struct tmpl *t, uint64_t id, const char *mask,
	    size_t masklen, struct buf *out);

/* The id template id goes by now: templates that joined another one
 * (their word turned out to be a variable) answer to its id.  An id that
 * never joined is itself. */
uint64_t tmpl_resolve(const struct tmpl *t, uint64_t id);

/* Fills out for template id (resolved); false when there is none. */
bool	tmpl_view_info(const struct tmpl *t, uint64_t id, struct tmpl_info *out);

/* Calls fn for every template, by id. */
void	tmpl_view_each(const struct tmpl *t,
	    void (*fn)(const struct tmpl_info *, void *), void *arg);

/* Fills st with the store's counters. */
void	tmpl_view_stats(const struct tmpl *t, struct tmpl_stats *st);

/* Appends the store to out in its versioned binary form. */
void	tmpl_store_save(const struct tmpl *t, struct buf *out);

/* Replaces the store's content with data[0..len) as tmpl_store_save
 * wrote it.  Returns 0, or -1 when the bytes are not a store this
 * version reads (err says why; the store is then left empty, born now). */
int	tmpl_store_restore(struct tmpl *t, const char *data, size_t len,
	    time_t now, char *err, size_t errlen);

/* Where the message starts in text[0..len) that begins with a syslog tag
 * of proglen bytes ("prog[pid]: " or "prog: "): after the colon and one
 * blank.  Returns 0 when proglen is 0 or the tag is not there. */
size_t	tmpl_content_start(const char *text, size_t len, size_t proglen);

/* The partition of program prog[0..n) (for tmpl_add's part). */
uint64_t tmpl_part(const char *prog, size_t n);

#endif
