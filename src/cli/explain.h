/*
 * explain — logward explain.
 */
#ifndef LOGWARD_EXPLAIN_H
#define LOGWARD_EXPLAIN_H

/* logward explain: argc/argv from the command word on; returns the exit
 * status. */
int	explain_main(int argc, char **argv);

#endif
