/*
 * logcheck — `logward logcheck`: a drop-in for logcheck's cron job.  It
 * takes logcheck's options, reads logcheck.conf (conf/lcconf.c: its
 * assignments, never run) and the logfiles lists, reads each file from
 * where the last run stopped (cli/oneshot.c, state under -S DIR), and
 * mails logcheck's report with logcheck's subject through logward's
 * outbox and relay (cli/oneshot_mail.c; the relay from logward's own
 * config), or prints it with -o.
 */
#ifndef LOGWARD_LOGCHECK_H
#define LOGWARD_LOGCHECK_H

#define LOGCHECK_CONF		"/etc/logcheck/logcheck.conf"
#define LOGCHECK_RULEDIR	"/etc/logcheck"
#define LOGCHECK_LIST		"/etc/logcheck/logcheck.logfiles"
#define LOGCHECK_LIST_D		"/etc/logcheck/logcheck.logfiles.d"
#define LOGCHECK_STATEDIR	"/var/lib/logward/logcheck"

/* logward logcheck: argc/argv from the command word on; returns the exit
 * status: 0 (reported, or nothing to report), 1 on errors (config, rule
 * tree, a source that cannot be read, the state), 2 on bad usage, 3 when
 * the report is still waiting in the outbox after the wait. */
int	logcheck_main(int argc, char **argv);

#endif
