/*
 * cmd — the daemon-side sub-commands of main: run, status, flush, reload,
 * send-test.  Each takes main's argc/argv from the command word on and
 * returns the exit status.
 */
#ifndef LOGWARD_CMD_H
#define LOGWARD_CMD_H

int	cmd_run(int argc, char **argv);
int	cmd_ctl(int argc, char **argv);		/* status, flush, reload */
int	cmd_send_test(int argc, char **argv);

#endif
