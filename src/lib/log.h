/*
 * log — diagnostics for logward itself (not the logs it watches).
 *
 * log_warn appends strerror(errno); log_warnx does not.  fatal/fatalx
 * print and exit(1); use them only during start-up.  Every function
 * preserves errno.
 */
#ifndef LOGWARD_LOG_H
#define LOGWARD_LOG_H

#include <stdarg.h>

/* Sets the program name shown before each message and the verbosity
 * (0 = warnings, 1 = info, 2 = debug). */
void log_init(const char *progname, int verbose);
/* Sends diagnostics to syslog (facility daemon) instead of stderr when on,
 * back to stderr when off.  Returns the previous setting, so a forked
 * child can close the syslog connection, close every inherited fd and
 * open it again. */
int log_syslog(int on);
int log_verbosity(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
