/*
 * lint — logward lint.
 */
#ifndef LOGWARD_LINT_H
#define LOGWARD_LINT_H

/* logward lint: argc/argv from the command word on; returns the exit
 * status (1 if there are errors). */
int	lint_main(int argc, char **argv);

#endif
