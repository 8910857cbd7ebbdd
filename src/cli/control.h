/*
 * control — logward status, flush, reload, reopen.
 */
#ifndef LOGWARD_CONTROL_H
#define LOGWARD_CONTROL_H

/* status, flush, reload, reopen: argv[0] is the command word, sent with
 * the operands to the daemon's control socket; returns the exit status. */
int	control_main(int argc, char **argv);

#endif
