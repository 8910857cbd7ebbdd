/*
 * record — split one log line into fields: timestamp, host, program, pid,
 * priority and message.  Hand-written parsers, no regex, no allocation:
 * every field points into the caller's line.
 *
 * Built-in formats, tried in this order:
 *   RFC 5424   "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG"
 *   RFC 3339   "2026-11-21T10:00:00[.frac](Z|+hh:mm) HOST MSG"
 *              (optionally preceded by "<PRI>")
 *   BSD        "Mmm dd hh:mm:ss HOST MSG" with "dd" as "01", " 1" or "1"
 *              (optionally preceded by "<PRI>")
 * The BSD form accepts exactly what tenshi's built-in prefix
 * ^[A-Z][a-z]{2}\s(?:\s|\d)\d\s\d{2}:\d{2}:\d{2}\s(\S+)\s accepts, plus a
 * one-digit day after a single blank ("Jan 1").  Exactly one whitespace
 * byte after HOST is consumed, as tenshi does.
 */
#ifndef LOGWARD_RECORD_H
#define LOGWARD_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum record_format {
	REC_NONE,		/* no built-in prefix recognised */
	REC_BSD,		/* Mmm dd hh:mm:ss host */
	REC_RFC3339,		/* ISO stamp host (rsyslog high precision) */
	REC_RFC5424,		/* <PRI>1 ... */
	REC_LOGPREFIX,		/* a "set logprefix" regex matched (set by rules) */
};

struct record {
	const char	*line;		/* whole line, borrowed */
	size_t		 len;		/* its length */
	enum record_format format;	/* which prefix matched */
	const char	*host;		/* host name, borrowed; NULL when none */
	size_t		 hostlen;
	const char	*msg;		/* message after the prefix, borrowed */
	size_t		 msglen;	/* (RFC 5424: MSG after the structured data) */
	const char	*prog;		/* program (tag) or RFC 5424 APP-NAME; NULL if none */
	size_t		 proglen;
	long		 pid;		/* pid / PROCID if numeric, else -1 */
	int		 pri;		/* <PRI> value 0..191, or -1 */
	int		 facility;	/* pri / 8, or -1 */
	int		 severity;	/* pri % 8, or -1 */
	/* Timestamp as written.  BSD stamps have no year and no zone. */
	int		 year;		/* full year, or 0 when not written */
	int		 mon;		/* 1..12, 0 if unknown (BSD month name not known) */
	int		 mday, hour, min, sec;
	long		 nsec;		/* fraction of a second in ns (RFC 3339/5424), else 0 */
	bool		 has_tz;	/* a zone offset was written */
	int		 tzoff;		/* zone offset in seconds east of UTC */
	/* RFC 5424 only */
	const char	*procid;	/* PROCID as written, NULL when "-" */
	size_t		 procidlen;
	const char	*msgid;		/* MSGID, NULL when "-" */
	size_t		 msgidlen;
	const char	*sd;		/* STRUCTURED-DATA text, NULL when "-" */
	size_t		 sdlen;
};

/* Parses line[0..len) with the built-in formats.  Always fills r (fields
 * not present are NULL / -1 / 0) and returns r->format; on REC_NONE,
 * r->msg is the whole line and r->host is NULL.  Never reads past len;
 * NUL and other bytes are ordinary data. */
enum record_format record_parse(struct record *r, const char *line, size_t len);

/* Fills r->prog, r->proglen and r->pid from the start of msg when it has
 * the form "prog[pid]: " or "prog: " (prog = non-blank bytes without
 * '[' and ':'); leaves them NULL / -1 otherwise.  record_parse calls it
 * for BSD and RFC 3339 lines. */
void	record_parse_tag(struct record *r);

/* Seconds since the epoch for the stamp in r.  BSD stamps (no year, no
 * zone) are taken in local time, in the year that puts them closest to
 * 'now' and not more than a day in its future.  Returns (time_t)-1 when
 * the record has no usable stamp. */
time_t	record_time(const struct record *r, time_t now);

/* The month number 1..12 for an English three-letter abbreviation
 * ("Jan".."Dec", case-sensitive as syslog writes it), or 0. */
int	record_month(const char *p);

#endif
