/*
 * conf — the configuration: tenshi syntax (set directives, queues, rules,
 * groups, include/includedir) plus logward's extensions.
 *
 * conf_load reads a file and everything it includes, collecting every
 * error and warning with its file and line (conf->diags) instead of
 * stopping at the first, so `logward lint` can list them all.
 */
#ifndef LOGWARD_CONF_H
#define LOGWARD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "queue/cron.h"
#include "lib/match.h"

enum rule_kind {
	RULE_QUEUE,		/* file into the listed queues */
	RULE_TRASH,		/* builtin: drop */
	RULE_REPEAT,		/* builtin: credit the host's previous line */
	RULE_GROUP,		/* builtin: message prefilter until group_end */
	RULE_GROUP_HOST,	/* builtin: host prefilter until group_end */
	RULE_LOGCHECK,		/* a logcheck rule tree (the "logcheck" directive) */
	RULE_SELECT,		/* syslog selector prefilter until select_end */
};

struct conf_tmpl;
struct lcdb;
struct sel;
struct sum_conf;

struct rule_target {
	size_t		 queue;		/* index into conf->queues */
	unsigned	 esc;		/* escalation number, 0 = none */
};

struct rule {
	enum rule_kind	 kind;
	struct regex	 re;		/* the pattern */
	struct rule_target *targets;	/* owned, RULE_QUEUE only */
	size_t		 ntargets;
	unsigned	 max_esc;	/* escalation number of the last target, 0 if none */
	char		*qlist;		/* owned: the queue list as written */
	size_t		 skip;		/* groups: index of the first rule after group_end */
	const char	*file;		/* borrowed from conf->files */
	int		 line;		/* line in file */
	bool		 trailing_blank; /* the regex ended in blanks that were stripped */
	struct lcdb	*lc;		/* RULE_LOGCHECK: owned rule tree */
	struct sel	*sel;		/* RULE_SELECT: owned selector */
	long		 lc_queue[3];	/* RULE_LOGCHECK: alerts, events, system queue or -1 */
};

struct threshold {
	struct regex	 re;		/* masked messages this applies to */
	unsigned long	 count;		/* entries with fewer lines are dropped */
};

enum queue_layout {
	LAYOUT_TENSHI,		/* tenshi's host blocks (pager/csv by their flags) */
	LAYOUT_LOGCHECK,	/* logcheck's report of whole lines (layout=logcheck) */
};

struct queue_def {
	char		*name;		/* owned */
	char		*from;		/* owned: From header and envelope sender */
	char		*to;		/* owned: recipients, comma list, "pager:" stripped */
	char		*sched;		/* owned: "now" or the cron spec as written */
	struct cron	 cron;		/* parsed schedule unless now */
	bool		 now;		/* immediate queue */
	bool		 pager;		/* pager layout */
	bool		 csv;		/* the special csv queue (set csv) */
	char		*subject;	/* owned, NULL = global subject */
	struct threshold *thr;		/* owned array */
	size_t		 nthr;
	char		**filter;	/* owned argv (NULL-terminated), or NULL */
	char		**program;	/* csv: owned argv of the csv program */
	const char	*file;		/* where it was defined */
	int		 line;
	enum queue_layout layout;	/* layout=NAME after the schedule */
};

/* archive SELECTOR PATTERN */
struct archive_def {
	struct sel	*sel;		/* owned: which lines */
	char		*selector;	/* owned: the selector as written */
	char		*pattern;	/* owned: path pattern */
	const char	*file;
	int		 line;
};

struct logprefix {
	struct regex	 re;		/* capture 1 = host */
	const char	*file;
	int		 line;
};

enum diag_level { DIAG_WARNING, DIAG_ERROR };

struct diag {
	enum diag_level	 level;
	const char	*file;		/* borrowed from conf->files, may be NULL */
	int		 line;		/* 0 when not about one line */
	char		*msg;		/* owned */
};

struct strlist {
	char		**v;		/* owned strings */
	size_t		 n;
};

/* Where a set directive was given (for lint's "has no effect" checks). */
struct conf_setloc {
	const char	*name;		/* the directive's name, static */
	const char	*file;		/* borrowed from conf->files */
	int		 line;
};

/* Redis: set redis, set partitions ... (conf_redis.c, logward.conf(5)). */
struct redis_conf {
	char		*url;		/* set redis: owned, NULL = not used */
	char		*password_file;	/* set redis_password_file, owned */
	char		*prefix;	/* set redis_prefix: owned, NULL = "lw" */
	char		*instance;	/* set instance: owned, NULL = host name */
	unsigned	 partitions;	/* set partitions, 0 = none */
	unsigned	 lease;		/* set lease: s, 0 = default */
	unsigned long long max_stream;	/* set redis_max_stream: entries, 0 = default */
	struct strlist	 lists;		/* set redisqueue (tenshi): list keys */
	char		*list_server;	/* set redisserver (tenshi): host[:port] */
	const char	*file;		/* where set redis was, for messages */
	int		 line;
};

struct conf {
	struct strlist	 logfiles;	/* set logfile */
	struct strlist	 fifos;		/* set fifo */
	struct strlist	 listens;	/* set listen */
	struct conf_setloc *setlocs;	/* owned: every set directive read, in order */
	size_t		 nsetlocs;
	char		*pidfile;
	char		*uid, *gid;
	unsigned	 sleep;		/* seconds between queue checks */
	unsigned	 limit;		/* lines per host in a report, 0 = no limit */
	unsigned	 pager_limit;	/* lines per host in a pager report */
	unsigned	 mailtimeout;	/* seconds */
	char		*mask;		/* replacement for captured text */
	size_t		 masklen;
	char		*mailserver;	/* host[:port] */
	char		*subject;	/* default subject */
	bool		 hidepid;
	bool		 resolve;
	bool		 sort_ascending;
	size_t		 max_line;	/* longer lines are cut and marked */
	bool		 engine_pcre2;	/* set engine pcre2: no Hyperscan */
	char		*cachedir;	/* set cachedir: compiled databases, NULL = default */
	size_t		 max_entries;	/* distinct entries per queue */
	uint64_t	 max_memory;	/* bytes for the whole process, 0 = no cap */
	unsigned	 max_files;	/* files watched through globs */
	unsigned	 max_outbox;	/* reports waiting in the outbox */
	/* the daemon (logward run) */
	bool		 start_at_end;	/* first start: read files from their end */
	char		*statedir;	/* checkpoint and control socket, NULL = default */
	char		*spooldir;	/* outbox, NULL = default */
	char		*control;	/* control socket path, NULL = STATEDIR/control */
	unsigned	 mail_rate;	/* mails per hour per [now] queue, 0 = no limit */
	unsigned	 partial_timeout; /* s before a line without newline is taken */
	unsigned	 rotate_grace;	/* s a renamed-away log is drained after going idle */
	unsigned	 checkpoint;	/* s between checkpoints when something changed */
	int		 smtp_tls;	/* 0 none, 1 starttls, 2 tls */
	bool		 smtp_tls_verify; /* verify the relay's certificate */
	char		*smtp_user;
	char		*smtp_password_file;
	char		*smtp_cafile, *smtp_capath;
	char		*helo;		/* EHLO name, NULL = this host's name */
	bool		 log_syslog;	/* own diagnostics to syslog */
	bool		 journal;	/* set journal: read the systemd journal */
	struct strlist	 journal_matches; /* its FIELD=VALUE terms */
	char		*journal_dir;	/* set journal_dir */
	struct strlist	 journal_files;	/* set journal_file */
	unsigned	 listen_max_conns; /* TCP connections per listener */
	unsigned	 listen_idle;	/* s before an idle TCP sender is dropped */
	struct archive_def *archives;	/* owned array */
	size_t		 narchives;
	int		 archive_sync;	/* 0 none, 1 every line, 2 every archive_sync_interval s */
	unsigned	 archive_sync_interval;
	struct logprefix *prefixes;	/* owned array */
	size_t		 nprefixes;
	struct queue_def *queues;	/* owned array, definition order */
	size_t		 nqueues;
	struct rule	*rules;		/* owned array, config order */
	size_t		 nrules;
	struct strlist	 files;		/* every config file read (interned names) */
	struct diag	*diags;		/* owned array */
	size_t		 ndiags;
	size_t		 nerrors;
	struct redis_conf redis;	/* set redis and friends */
	struct sum_conf	*summary;	/* owned: summaries, disk, clock (conf_summary.h), or NULL */
	struct conf_tmpl *tmpl;		/* owned: templates, silence, bursts (conf_tmpl.h) */
};

/* Loads path and its includes into c (which it initialises).  Returns 0,
 * or -1 when there was at least one error; c->diags holds every error and
 * warning either way and c must be freed with conf_free. */
int	conf_load(struct conf *c, const char *path);
void	conf_free(struct conf *c);

/* Records that set directive name (static) was given at file:line. */
void	conf_note_set(struct conf *c, const char *name, const char *file,
	    int line);
/* Where set directive name was given last, or NULL (borrowed). */
const struct conf_setloc *conf_set_where(const struct conf *c,
	    const char *name);

/* Index of the queue named name, or -1. */
long	conf_queue_find(const struct conf *c, const char *name);

/* Prints diagnostics ("FILE:LINE: error: MSG"); warnings only if
 * with_warnings. */
void	conf_print_diags(const struct conf *c, FILE *fp, bool with_warnings);

/* Splits s on blanks into an owned NULL-terminated argv. */
char	**conf_split_argv(const char *s);
void	conf_free_argv(char **argv);

#endif
