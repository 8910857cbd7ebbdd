/*
 * in_syslog_spec — listen spec parsing (see in_syslog_spec.h).
 */
#include "input/in_syslog_spec.h"

#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "lib/str.h"

static int
parse_port(const char *s, char *port, size_t plen, char *err, size_t errlen)
{
	const char *why;
	long long v;

	if (str_tonum(s, 0, 65535, &v, &why) == -1) {
		snprintf(err, errlen, "port \"%s\" is %s (0..65535)", s, why);
		return -1;
	}
	if (str_lcpy(port, s, plen) >= plen) {
		snprintf(err, errlen, "port buffer too small");
		return -1;
	}
	return 0;
}

int
in_syslog_spec_numeric(int family, const char *addr,
    struct sockaddr_storage *ss)
{
	struct addrinfo hints, *ai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(addr, "0", &hints, &ai) != 0)
		return -1;
	if (ss != NULL) {
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	}
	freeaddrinfo(ai);
	return 0;
}

/* "ADDR:PORT", "[V6]:PORT", ":PORT", "*:PORT" or, with port_only,
 * "PORT". */
static int
parse_hostport(const char *s, bool port_only, char *addr, size_t addrlen,
    char *port, size_t plen, char *err, size_t errlen)
{
	const char *colon, *a;
	size_t n;

	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':') {
			snprintf(err, errlen, "expected [IPV6]:PORT");
			return -1;
		}
		a = s + 1;
		n = (size_t)(rb - a);
		colon = rb + 1;
		if (n >= addrlen || n >= INET6_ADDRSTRLEN) {
			snprintf(err, errlen, "IPv6 address too long");
			return -1;
		}
		memcpy(addr, a, n);
		addr[n] = '\0';
		if (in_syslog_spec_numeric(AF_INET6, addr, NULL) == -1) {
			snprintf(err, errlen, "bad IPv6 address \"%s\"", addr);
			return -1;
		}
		return parse_port(colon + 1, port, plen, err, errlen);
	}
	colon = strrchr(s, ':');
	if (colon == NULL) {
		if (!port_only) {
			snprintf(err, errlen, "expected ADDR:PORT");
			return -1;
		}
		if (addrlen > 0)
			addr[0] = '\0';
		return parse_port(s, port, plen, err, errlen);
	}
	n = (size_t)(colon - s);
	if (memchr(s, ':', n) != NULL) {
		snprintf(err, errlen, "an IPv6 address needs brackets: [ADDR]:PORT");
		return -1;
	}
	if (n == 1 && *s == '*')
		n = 0;
	if (n >= addrlen || n >= INET_ADDRSTRLEN) {
		snprintf(err, errlen, "bad IPv4 address");
		return -1;
	}
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (n > 0 && in_syslog_spec_numeric(AF_INET, addr, NULL) == -1) {
		snprintf(err, errlen, "bad IPv4 address \"%s\" (a numeric "
		    "address, [IPv6], or * for all)", addr);
		return -1;
	}
	return parse_port(colon + 1, port, plen, err, errlen);
}

int
in_syslog_spec_parse(const char *spec, enum in_syslog_proto *proto,
    char *addr, size_t addrlen, char *port_or_path, size_t plen,
    char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int rc;

	if (spec == NULL || *spec == '\0') {
		snprintf(err, errlen, "empty listen spec");
		return -1;
	}
	if (strncmp(spec, "unix:", 5) == 0) {
		*proto = IN_SYSLOG_UNIX;
		if (spec[5] != '/') {
			snprintf(err, errlen, "%s: unix socket path must be "
			    "absolute", spec);
			return -1;
		}
		if (strlen(spec + 5) >= sizeof(sun.sun_path)) {
			snprintf(err, errlen, "%s: unix socket path longer "
			    "than %zu bytes", spec, sizeof(sun.sun_path) - 1);
			return -1;
		}
		if (addrlen > 0)
			addr[0] = '\0';
		if (str_lcpy(port_or_path, spec + 5, plen) >= plen) {
			snprintf(err, errlen, "%s: path too long", spec);
			return -1;
		}
		return 0;
	}
	if (strncmp(spec, "udp:", 4) == 0 || strncmp(spec, "tcp:", 4) == 0) {
		*proto = spec[0] == 'u' ? IN_SYSLOG_UDP : IN_SYSLOG_TCP;
		rc = parse_hostport(spec + 4, true, addr, addrlen,
		    port_or_path, plen, err, errlen);
	} else {
		*proto = IN_SYSLOG_UDP;
		rc = parse_hostport(spec, false, addr, addrlen, port_or_path,
		    plen, err, errlen);
	}
	if (rc == -1) {
		char why[256];

		str_lcpy(why, err, sizeof(why));
		snprintf(err, errlen, "listen \"%s\": %s (forms: "
		    "udp:ADDR:PORT, tcp:ADDR:PORT, unix:/PATH, ADDR:PORT)",
		    spec, why);
	}
	return rc;
}
