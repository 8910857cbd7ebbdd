/*
 * main — start-up and sub-command dispatch of the logward binary.
 */
#ifndef LOGWARD_MAIN_H
#define LOGWARD_MAIN_H

#include <stdio.h>

/* Prints the usage text of every command and option (logward --help). */
void	main_usage(FILE *fp);

#endif
