/*
 * log — diagnostics on stderr, OpenBSD style.
 */
#include "lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static const char *prog = "logward";
static int verbosity;
static int use_syslog;

void
log_init(const char *progname, int verbose)
{
	prog = progname;
	verbosity = verbose;
}

int
log_syslog(int on)
{
	int was = use_syslog;

	if (on && !use_syslog)
		openlog(prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!on && use_syslog)
		closelog();
	use_syslog = on;
	return was;
}

static void
vlog(const char *kind, int with_errno, const char *fmt, va_list ap)
{
	int saved = errno;

	if (use_syslog) {
		char msg[2048];
		int pri = kind != NULL && strcmp(kind, "debug") == 0 ?
		    LOG_DEBUG : with_errno >= 0 ? LOG_WARNING : LOG_INFO;

		vsnprintf(msg, sizeof(msg), fmt, ap);
		if (with_errno > 0)
			syslog(pri, "%s: %s", msg, strerror(saved));
		else
			syslog(pri, "%s", msg);
		errno = saved;
		return;
	}

	fprintf(stderr, "%s: ", prog);
	if (kind != NULL)
		fprintf(stderr, "%s: ", kind);
	vfprintf(stderr, fmt, ap);
	if (with_errno > 0)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(NULL, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(NULL, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 1)
		return;
	va_start(ap, fmt);
	vlog(NULL, -1, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 2)
		return;
	va_start(ap, fmt);
	vlog("debug", 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(NULL, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(NULL, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

int
log_verbosity(void)
{
	return verbosity;
}
