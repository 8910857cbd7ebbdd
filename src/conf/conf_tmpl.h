/*
 * conf_tmpl — the directives of automatic templates and logward's own
 * watch events: set automask, max_templates, learn, new_templates,
 * silence and burst (logward extensions), kept in struct conf_tmpl
 * (conf->tmpl).
 *
 * set new_templates QUEUE is a rule: the parser puts
 * "QUEUE ^logward(?:\[\d+\])?: new template" before the first rule, with
 * the directive's file and line, so explain shows it like any rule.
 */
#ifndef LOGWARD_CONF_TMPL_H
#define LOGWARD_CONF_TMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

#define CONF_TMPL_MAX_TEMPLATES	20000	/* default of set max_templates */
#define CONF_TMPL_NEW_RATE	20	/* default announcements per hour */
#define CONF_TMPL_NEW_RULE	"^logward(?:\\[\\d+\\])?: new template"

/* set silence PATTERN DURATION */
struct conf_silence {
	char		*pattern;	/* owned: a host glob, or a file input (/...) */
	bool		 input;		/* pattern is a file input */
	unsigned	 secs;		/* DURATION */
	const char	*file;		/* where it was set */
	int		 line;
};

/* set automask on|off QUEUE...: one per queue named */
struct conf_automask_q {
	char		*queue;		/* owned */
	bool		 on;
	const char	*file;
	int		 line;
};

struct conf_tmpl {
	bool		 automask;	/* set automask on|off: every queue's default */
	struct conf_automask_q *perq;	/* owned array: per-queue settings */
	size_t		 nperq;
	bool		*queue_on;	/* owned, conf->nqueues: resolved (finish) */
	size_t		 max_templates;	/* set max_templates */
	int64_t		 learn;		/* set learn, seconds */
	long		 new_queue;	/* set new_templates QUEUE: its index, -1 */
	char		*new_name;	/* owned: ... its name as written */
	unsigned	 new_rate;	/* ... announcements per hour, 0 = no limit */
	const char	*new_file;	/* ... where it was set (its rule's place) */
	int		 new_line;
	struct conf_silence *silence;	/* owned array */
	size_t		 nsilence;
	bool		 burst;		/* set burst */
	unsigned	 burst_factor;	/* a window over factor × usual is a burst */
	unsigned	 burst_min;	/* and over this many lines */
	unsigned	 burst_window;	/* s */
};

/* Whether queue qi folds lines no rule masked into templates. */
bool	conf_tmpl_automask(const struct conf *c, size_t qi);

/* Whether any feature needs the template miner (automask on some queue,
 * or set new_templates). */
bool	conf_tmpl_mining(const struct conf *c);

/* Parses a duration: a number of seconds, or a number followed by s, m,
 * h, d or w.  Returns 0, or -1 when s is not one. */
int	conf_tmpl_duration(const char *s, int64_t *secs);

/* Frees c->tmpl (conf_free calls it). */
void	conf_tmpl_free(struct conf *c);

#ifdef LOGWARD_CONF_INT_H
/* For the parser core (conf.c): the table of set directives, ended by a
 * NULL name, and the step after the last line (queue names resolved,
 * the new_templates rule put first). */
extern const struct set_directive conf_tmpl_directives[];
void	conf_tmpl_finish(struct parser *p);
#endif

#endif
