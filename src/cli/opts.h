/*
 * opts — the options check, explain and lint share (logward --help lists
 * them), and the loading of the configuration they name.
 */
#ifndef LOGWARD_OPTS_H
#define LOGWARD_OPTS_H

#include <stdbool.h>
#include <time.h>

#include "cli/progress.h"
#include "conf/conf.h"
#include "conf/lcdb.h"

#define DEFAULT_CONF	"/etc/logward/logward.conf"

struct opts {
	const char	*conf;
	bool		 conf_given;	/* -c was used */
	time_t		 now;
	const char	*hostname;
	const char	*logcheck;	/* --logcheck DIR */
	enum lc_level	 level;		/* --level */
	int		 cracking_ignore; /* flags set by getopt_long */
	int		 sortuniq;
	int		 no_intro;
	int		 mail_preview;
	int		 tag;
	int		 reboot;
	int		 engine;	/* -1 = config's, 0 = hyperscan, 1 = pcre2 */
	const char	*cachedir;	/* --cache-dir */
	char		**args;
	int		 nargs;
	const char	*state;		/* --state DIR: resume where the last run stopped */
	int		 test;		/* --test: resume, save nothing */
	int		 mail;		/* --mail: through the outbox and the relay */
	unsigned	 mail_wait;	/* --mail-wait SECONDS */
	int		 quiet;		/* -q: the account line only for losses */
	int		 progress_on;	/* --progress: the line even without a TTY */
	int		 progress_off;	/* --no-progress */
	int		 threads;	/* --threads 1|2 (check) */
};

#define DEFAULT_MAIL_WAIT	60	/* s a one-shot run waits for the relay */

/* Parses the options of check, explain and lint (argv from the command
 * word on) into o; the operands are left in o->args.  -h prints the
 * usage and exits 0.  Returns 0, or -1 after a warning (exit 2). */
int	opts_parse(int argc, char **argv, struct opts *o);

/* Parses a --now value, 'YYYY-MM-DD HH:MM:SS' local time or @EPOCH.
 * Returns 0, or -1 when s is neither. */
int	opts_parse_time(const char *s, time_t *out);

/* Loads the configuration o->conf into c, with --engine and --cache-dir
 * applied.  Returns 0, or -1 after printing its errors (c is freed). */
int	opts_load_conf(struct conf *c, const struct opts *o);

/* The progress line's mode of --progress / --no-progress (cli/progress.h). */
enum progress_mode opts_progress(const struct opts *o);

#endif
