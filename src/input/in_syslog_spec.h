/*
 * in_syslog_spec — the listen specs of the syslog receiver ("udp:",
 * "tcp:", "unix:" and tenshi's "ADDR:PORT"), checked when the
 * configuration is read and again when a listener is opened.
 */
#ifndef LOGWARD_IN_SYSLOG_SPEC_H
#define LOGWARD_IN_SYSLOG_SPEC_H

#include <stddef.h>

#include "input/in_syslog.h"

struct sockaddr_storage;

/* Splits a listen spec: "udp:ADDR:PORT", "tcp:ADDR:PORT", "unix:/path",
 * and without a protocol (= UDP, tenshi's "listen") "ADDR:PORT".  ADDR is
 * an IPv4 address, a bracketed IPv6 address ("[::1]"), "*" or empty for
 * all addresses; "udp:PORT" and "tcp:PORT" mean all addresses too.  PORT
 * is 0..65535 (0: the kernel picks one).  Writes the address without
 * brackets ("" for all) and the port or the path.  Returns 0, or -1 with
 * a message in err. */
int	in_syslog_spec_parse(const char *spec, enum in_syslog_proto *proto,
	    char *addr, size_t addrlen, char *port_or_path, size_t plen,
	    char *err, size_t errlen);

/* A numeric address of family (IPv6 with an optional "%scope") into
 * ss (may be NULL).  Returns 0 or -1. */
int	in_syslog_spec_numeric(int family, const char *addr,
	    struct sockaddr_storage *ss);

#endif
