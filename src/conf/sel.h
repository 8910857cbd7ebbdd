/*
 * sel — syslog.conf selectors (FreeBSD syslogd(8) / syslog.conf(5)
 * meaning): the prefilter of "select SELECTOR" blocks and of archive rules.
 *
 * Grammar.  A selector text is a list of items separated by ';' and/or
 * blanks (any of " \t\n\v\f\r"); blanks next to ',' or ';' are ignored,
 * so "auth, authpriv.info ; mail.none" is fine.  An item cannot be empty
 * (";;", or a ';' at either end, is an error), and neither can the text.
 * Each item is classified by its first byte:
 *
 *   '!'   program filter   !prog[,prog...]   only lines from these programs
 *                          !-prog[,prog...]  all lines except from these
 *                          !*                no program filter (clears one)
 *   '+'   host filter      +host[,host...]   only lines from these hosts
 *   '-'                    -host[,host...]   all lines except from these
 *                          +* or -*          no host filter (clears one)
 *         In host lists '@' stands for this machine (sel_match's localhost).
 *   else  priority item    facility[,facility...].[!][<][=][>]level
 *
 * Priority part.  All priority items of a text, in whichever term they
 * stand, form one priority part, applied left to right to a table of
 * 24 facilities x 8 severities: an item REPLACES the level set of each
 * facility it names ('*' names all 24), so "*.info;mail.none" is every
 * facility at info or more severe except mail, and "mail.none;*.info"
 * includes mail again.
 *   facility   kern user mail daemon auth syslog lpr news uucp cron
 *              authpriv ftp ntp security(=audit, 13) console(14)
 *              clock(=solaris-cron, 15) local0..local7 (16..23), or '*'
 *   level      emerg(=panic) alert crit err(=error) warning(=warn) notice
 *              info debug (0..7); "none" = no level; '*' = every level.
 *   comparison "More severe" means a numerically LOWER severity, as in
 *              syslogd: '>' more severe than, '<' less severe than, '='
 *              exactly; flags combine ("<=", ">=", "<>", in any order,
 *              each once).  With no flag the default is ">=" (the level or
 *              more severe).  A leading '!' inverts the flags: "!=info"
 *              is every level but info, "!info" (= "!>=info") is every
 *              level less severe than info.  "none" and '*' take no flags.
 * A line matches the priority part when its (facility, severity) is in
 * the table.  A line without a priority (facility/severity -1: lines read
 * from files) matches it only when the table holds all 192 pairs (e.g.
 * "*.*", "*.debug"): such a part places no condition.  A selector without
 * priority items has no priority condition.
 *
 * Program and host filters.  At most one program filter and one host
 * filter are in force; a second one of the same kind is an error unless
 * "!*" (or "+*" / "-*") cleared the first.  Program names are compared
 * as bytes with the line's program (its tag without "[pid]", or the RFC
 * 5424 APP-NAME); host names ASCII case-insensitively.  '@' matches the
 * localhost name and also its short form (the part before the first
 * '.'); with no localhost it matches nothing.  An unknown program or host
 * (NULL) equals no name: an "only" list rejects the line, an "all but"
 * list accepts it.  Names are at most SEL_MAXNAME bytes, at most
 * SEL_MAXNAMES per list; '*' may only stand alone.
 *
 * A line matches the selector when every part present matches (AND).
 * Facility and level names are case-insensitive.
 */
#ifndef LOGWARD_SEL_H
#define LOGWARD_SEL_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "input/record.h"

#define SEL_NFAC	24	/* facilities 0..23 */
#define SEL_MAXNAME	255	/* bytes in one program or host name */
#define SEL_MAXNAMES	256	/* names in one program or host list */
#define SEL_MAXTEXT	8192	/* bytes in a selector text */

struct sel;

/* Parses text.  Returns an owned selector (free with sel_free), or NULL
 * with a message in err[0..errlen) that names the bad item and what is
 * allowed there (err may be NULL when errlen is 0). */
struct sel *sel_parse(const char *text, char *err, size_t errlen);

/* Frees s (NULL is fine). */
void	sel_free(struct sel *s);

/* Does a line with these fields match s?  facility 0..23 and severity
 * 0..7, or -1 (any value out of range) when the line carried no priority.
 * prog[0..proglen) and host[0..hostlen) are borrowed, NULL when unknown.
 * localhost is this machine's name for '@' (NUL-terminated, may be NULL). */
bool	sel_match(const struct sel *s, int facility, int severity,
	    const char *prog, size_t proglen, const char *host, size_t hostlen,
	    const char *localhost);

/* sel_match on the fields of a parsed record (borrows both). */
bool	sel_match_record(const struct sel *s, const struct record *r,
	    const char *localhost);

/* true when s has a priority part that places a condition (lines without
 * a priority never match such a selector). */
bool	sel_needs_priority(const struct sel *s);

/* Appends a description of s in words to b, e.g. for
 * "*.info;mail.none !-cron,anacron +@": "priority: any facility but mail
 * at info or more severe (lines without a priority do not match);
 * program: any but cron, anacron; host: this host (@)"; "any line" when s
 * places no condition.  Returns 0, or -1 when b's maximum was hit (b is
 * then freed, as buf_add does). */
int	sel_describe(const struct sel *s, struct buf *b);

#endif
