/*
 * daemon — `logward run`: start-up (pid file, directories, control
 * socket, privilege drop, sender process, checkpoint recovery), the event
 * loop (epoll over signalfd, timerfd, inotify and the control socket),
 * queue scheduling and the two-step commit of reports to the outbox.
 */
#ifndef LOGWARD_DAEMON_H
#define LOGWARD_DAEMON_H

#include <stdbool.h>

struct daemon_opts {
	const char	*conf_path;	/* -c */
	const char	*pidfile;	/* -p, overrides set pidfile */
	bool		 detach;	/* -d */
	int		 verbose;
	const char	*instance;	/* --instance, overrides set instance */
};

/* Runs the daemon until TERM/INT.  Returns the exit status. */
int	daemon_run(const struct daemon_opts *o);

/* Default directories (set statedir / set spooldir override them). */
#define DAEMON_STATEDIR	"/var/lib/logward"
#define DAEMON_SPOOLDIR	"/var/spool/logward"

#endif
