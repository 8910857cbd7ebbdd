/*
 * in_syslog_msg — the transport normalization of the syslog receiver:
 * one received RFC 3164 or RFC 5424 message becomes one line that
 * record_parse takes, with a PRI, a stamp and the sender's host.
 */
#ifndef LOGWARD_IN_SYSLOG_MSG_H
#define LOGWARD_IN_SYSLOG_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "input/in_syslog.h"	/* IN_SYSLOG_HOSTMAX, IN_SYSLOG_EXTRA */

/*
 * Turns one received message msg[0..len) into a line record_parse takes:
 *
 *  - PRI: "<N>" with 1-3 digits and N <= 191 is kept (written without
 *    leading zeros).  No PRI: <13> (user.notice, RFC 3164 4.3.3).  A
 *    "<" that does not start a valid PRI is message text, with <13>.
 *  - After the PRI, an RFC 5424 header ("1 STAMP HOST ...") is kept as
 *    it is, except a nil HOSTNAME "-" which becomes host.
 *  - A BSD stamp ("Mmm dd hh:mm:ss", real month name, fields in range,
 *    day "dd", " d" or "d") or an RFC 3339 stamp is kept.  The word
 *    after it is the sender's HOST only when it is followed by a blank
 *    and looks like a host name: letters, digits, '.', '-', '_', ':' and
 *    '%', and not ending in ':'.  So "sshd[42]: x", "su: x", "kernel: x"
 *    and a lone last word are the message (rsyslog's rule, plus the
 *    trailing ':' for IPv6 hosts); then host is inserted after the stamp.
 *  - No stamp: "Mmm dd hh:mm:ss HOST " is inserted before the text, with
 *    now in local time, the day space-padded as syslogd writes it.
 *  - With trim, trailing CR, LF and NUL bytes are removed first.
 *
 * host is the sender (address text or local host name; blanks end it,
 * at most IN_SYSLOG_HOSTMAX bytes, "-" when empty).  out must have room
 * for len + IN_SYSLOG_EXTRA bytes.  Returns the line's length in out.
 */
size_t	in_syslog_msg_normalize(char *out, const char *msg, size_t len,
	    bool trim, const char *host, time_t now);

#endif
