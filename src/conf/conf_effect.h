/*
 * conf_effect — the "has no effect" checks of `logward lint`.
 */
#ifndef LOGWARD_CONF_EFFECT_H
#define LOGWARD_CONF_EFFECT_H

#include <stddef.h>

#include "conf/conf.h"
#include "lib/buf.h"

/*
 * Appends one "FILE:LINE: warning: ..." line to out for each directive
 * of c that cannot do anything where it is, and counts them in *nwarn:
 *   - listen_max_conns, listen_idle without a TCP listener;
 *   - archive_sync without archives; archives without a listener or the
 *     journal (the only lines they take);
 *   - listeners or the journal when no rule files into a queue and no
 *     archive writes (the received lines go nowhere);
 *   - mail_rate and sleep without a [now] queue; pager_limit without a
 *     pager queue;
 *   - smtp_cafile, smtp_capath, smtp_tls_verify without smtp_tls;
 *     smtp_password_file without smtp_user;
 *   - partial_timeout, rotate_grace, max_files without a logfile;
 *     start_at without a logfile or the journal;
 *   - rules after an unconditional catch-all (".*", "^(.*)$", ...) at the
 *     top level: the first rule that matches decides, so they never see a
 *     line.
 * Borrows c and out.
 */
void	conf_effect_check(const struct conf *c, struct buf *out, size_t *nwarn);

#endif
