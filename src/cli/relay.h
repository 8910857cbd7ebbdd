/*
 * relay — logward relay: syslog listeners into Redis partition streams.
 */
#ifndef LOGWARD_RELAY_H
#define LOGWARD_RELAY_H

/* logward relay: argc/argv from the command word on; returns the exit
 * status of relayd_run. */
int	relay_main(int argc, char **argv);

#endif
