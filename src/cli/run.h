/*
 * run — logward run, the daemon.
 */
#ifndef LOGWARD_RUN_H
#define LOGWARD_RUN_H

/* logward run: argc/argv from the command word on; returns the exit
 * status of daemon_run. */
int	run_main(int argc, char **argv);

#endif
