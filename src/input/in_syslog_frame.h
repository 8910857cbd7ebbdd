/*
 * in_syslog_frame — the TCP framing of the syslog receiver (RFC 6587):
 * octet counting "LEN SP MSG" or a line ended by LF, chosen per message,
 * over a connection's stream buffer.  Only in_syslog's files include it.
 */
#ifndef LOGWARD_IN_SYSLOG_FRAME_H
#define LOGWARD_IN_SYSLOG_FRAME_H

#include <stdbool.h>
#include <time.h>

#include "input/in_syslog.h"

struct conn;

/* Starts the next message: between messages, nothing kept. */
void	in_syslog_frame_reset(struct conn *c);

/* Frames what the buffer holds and delivers complete messages.  With
 * eof, digits that could start an octet count are taken as a line. */
void	in_syslog_frame_parse(struct in_syslog *s, struct conn *c, bool eof,
	    time_t now, in_syslog_msg_fn *fn, void *arg);

/* The peer is gone: delivers what is left of the last message. */
void	in_syslog_frame_flush(struct in_syslog *s, struct conn *c, time_t now,
	    in_syslog_msg_fn *fn, void *arg);

#endif
