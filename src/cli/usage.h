/*
 * usage — the text of logward --help.
 */
#ifndef LOGWARD_USAGE_H
#define LOGWARD_USAGE_H

#include <stdio.h>

/* Prints the usage text of every command and option (logward --help). */
void	usage_print(FILE *fp);

#endif
