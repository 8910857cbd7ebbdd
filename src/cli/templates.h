/*
 * templates — logward templates: the templates of log files, by count,
 * or one row per line (--lines), optionally remembered between runs in a
 * store file (--state).
 */
#ifndef LOGWARD_TEMPLATES_H
#define LOGWARD_TEMPLATES_H

/* logward templates: argc/argv from the command word on; returns the
 * exit status (0, 1 on errors, 2 on bad usage). */
int	templates_main(int argc, char **argv);

#endif
