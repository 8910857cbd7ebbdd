/*
 * conf_summary — summaries as data: service definitions (which lines
 * are a service's, ordered rules with named captures that say which fact
 * a line counts in and under which keys, ignore rules), summary queues
 * (set summary), the disk thresholds (set disk) and the clock check
 * (set clock_skew).  The parsed form lives in struct sum_conf, reached
 * through conf->summary (NULL when the configuration has none of these).
 *
 * Syntax (one directive per line, as everywhere in logward.conf):
 *
 *	service sshd SSHD
 *	programs sshd sshd-session sshd-auth
 *	where REGEX                 also lines whose message matches
 *	unmatched 20                distinct unmatched lines shown (0: none)
 *	fact failed_login ip>user/method sort=ip depth=0:1,5:2 Failed logins from
 *	count failed_login ^Failed (?<method>\S+) for (?<user>\S+) from (?<ip>\S+)
 *	also FACT REGEX             count, then keep trying the next rules
 *	ignore REGEX                known noise: counted nowhere, not unmatched
 *	service_end
 *
 * The directive tables are in conf_summary_int.h (parser only); the fact
 * key templates are parsed by conf_sumkey.c.
 */
#ifndef LOGWARD_CONF_SUMMARY_H
#define LOGWARD_CONF_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/match.h"
#include "queue/cron.h"

#define SUM_DETAIL_MAX	10	/* detail levels are 0..10 (low 0, med 5, high 10) */
#define SUM_TOP_DEFAULT	10	/* rows per level below detail 10 */
#define SUM_UNMATCHED_DEFAULT 20 /* distinct unmatched lines shown */

/* What one piece of a key template stands for. */
#define SUM_PART_LIT	(-1)	/* literal text */
#define SUM_PART_HOST	(-2)	/* the line's host (pseudo capture "host") */
#define SUM_PART_PROG	(-3)	/* the line's program (pseudo capture "prog") */
#define SUM_PART_NONE	(-4)	/* {name|text} whose regex has no such group */
#define SUM_PART_PROGBASE (-5)	/* the program up to '(' or '/' ("progbase") */

enum sum_order {
	SUM_ORDER_COUNT,	/* count, largest first, ties by key bytes */
	SUM_ORDER_KEY,		/* key bytes */
	SUM_ORDER_IP,		/* IPv4 by octets, IPv6 by value, others after by bytes */
	SUM_ORDER_NUM,		/* leading number, then bytes */
};

struct sum_part {
	char		*text;		/* owned: literal text, or the capture name */
	size_t		 len;
	bool		 cap;		/* a capture (else literal) */
	char		*dflt;		/* owned: {name|text}: text when the capture
					   is empty or did not take part, or NULL */
	size_t		 dlen;
};

/* One level of a fact's grouping, e.g. "user/method". */
struct sum_level {
	struct sum_part	*parts;		/* owned array */
	size_t		 nparts;
	char		*name;		/* owned: the level as text ("user/method") */
	enum sum_order	 order;
};

struct sum_fact {
	char		*id;		/* owned: stable id ("failed_login") */
	char		*title;		/* owned: heading ("Failed logins from") */
	struct sum_level *levels;	/* owned array, outermost first */
	size_t		 nlevels;
	size_t		 nparts;	/* parts of all levels together */
	unsigned	 show;		/* lowest detail at which it is shown */
	unsigned char	 depth[SUM_DETAIL_MAX + 1]; /* levels shown at each detail */
	unsigned	 top;		/* rows per level shown below detail 10, 0 = all */
	char		*bytes;		/* owned: capture summed as a byte count, or NULL */
	const char	*file;
	int		 line;
};

enum sum_rule_kind {
	SUMR_COUNT,		/* count in the fact, stop */
	SUMR_ALSO,		/* count in the fact, try the next rules too */
	SUMR_IGNORE,		/* taken, counted nowhere */
};

struct sum_rule {
	enum sum_rule_kind kind;
	size_t		 fact;		/* index into the service's facts */
	struct regex	 re;
	struct sum_fact	*key;		/* owned: key=TEMPLATE of this rule (levels
					   only), or NULL: the fact's */
	int		*cap;		/* owned: per part of the key, the group
					   number, or SUM_PART_LIT/HOST/PROG */
	int		 bytescap;	/* group of the fact's bytes capture, 0 = none */
	int		 timescap;	/* group named "times": the line counts that
					   many times ("PAM 5 more ..."), 0 = none */
	char		**progs;	/* owned: prog=A,B: only lines whose program
					   (up to '(' or '/') is one of these */
	size_t		 nprogs;
	const char	*file;
	int		 line;
};

struct sum_service {
	char		*id;		/* owned: "sshd" */
	char		*title;		/* owned: "SSHD" */
	char		**progs;	/* owned: program names (a final * = prefix,
					   a leading * = suffix) */
	size_t		 nprogs;
	struct regex	*where;		/* owned array: message patterns */
	size_t		 nwhere;
	struct sum_fact	*facts;		/* owned array */
	size_t		 nfacts;
	struct sum_rule	*rules;		/* owned array, file order */
	size_t		 nrules;
	unsigned	 unmatched;	/* distinct unmatched lines shown */
	const char	*file;
	int		 line;
};

/* set summary NAME FROM TO [CRON] [services=LIST] [detail=D] [SUBJECT] */
struct sum_queue {
	char		*name, *from, *to; /* owned */
	char		*subject;	/* owned, NULL = "logward summary for HOST" */
	char		*sched;		/* owned: the cron spec as written */
	struct cron	 cron;
	char		*services;	/* owned: the service list as written */
	bool		*want;		/* owned: per service, included (set at
					   the end of the configuration) */
	unsigned	 detail;
	const char	*file;
	int		 line;
};

/* set disk MOUNT warn N% crit N% */
struct sum_disk_mount {
	char		*mount;		/* owned */
	unsigned	 warn, crit;	/* percent, 0 = none */
};

struct sum_conf {
	struct sum_service *svcs;	/* owned array, definition order */
	size_t		 nsvcs;
	struct sum_queue *queues;	/* owned array */
	size_t		 nqueues;
	size_t		 max_keys;	/* distinct keys per fact */
	size_t		 max_unmatched;	/* distinct unmatched lines kept per service */
	int		 thread;	/* set summary_thread: 1 on, 0 off, -1 auto */
	/* disk (set disk ...) */
	bool		 disk;		/* thresholds are checked by the daemon */
	unsigned	 disk_warn, disk_crit; /* global, percent, 0 = none */
	struct sum_disk_mount *mounts;	/* owned array: per mount */
	size_t		 nmounts;
	unsigned	 disk_interval;	/* s between checks */
	char		*disk_mounts;	/* owned: mount table (default /proc/self/mounts) */
	char		**disk_exclude;	/* owned, NULL-terminated fs types left out */
	/* clock (set clock_skew) */
	unsigned	 clock_skew;	/* s, 0 = not checked */
	bool		 clock_zone_set; /* set clock_zone: a fixed offset */
	int		 clock_zone;	/* its seconds east of UTC */
	/* parsing */
	long		 open;		/* service being defined, -1 */
};

struct conf;

/* The summary part of c, created on first use (owned by c). */
struct sum_conf *conf_summary_get(struct conf *c);

/* Frees c->summary (NULL is fine). */
void	conf_summary_free(struct sum_conf *s);

/* Index of the service with id, or -1. */
long	conf_summary_service(const struct sum_conf *s, const char *id);

/* Parses a detail level: low, med, high or 0..10.  Returns 0 or -1. */
int	conf_summary_detail(const char *s, unsigned *out);

/* Fills want[0..s->nsvcs) from a comma list of service ids or "all";
 * returns 0, or -1 with the unknown id in bad (borrowed from list). */
int	conf_summary_services(const struct sum_conf *s, const char *list,
	    bool *want, char *bad, size_t badlen);

#endif
