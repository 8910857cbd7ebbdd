/*
 * check — logward check, with or without --logcheck DIR.
 */
#ifndef LOGWARD_CHECK_H
#define LOGWARD_CHECK_H

/* logward check: argc/argv from the command word on; returns the exit
 * status (0, 1 on errors, 2 on bad usage). */
int	check_main(int argc, char **argv);

#endif
