/*
 * check_account — the account line of a one-shot check (see
 * check_account.h).
 */
#include "cli/check_account.h"

#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/log.h"

void
check_account_fill(struct check_account *a, const struct engine_stats *es,
    const struct oneshot_stats *os)
{
	memset(a, 0, sizeof(*a));
	a->read = es->lines;
	a->trashed = es->trashed;
	a->noprefix = es->noprefix_dropped;
	a->unmatched = es->unmatched - es->noprefix_dropped;
	a->reported = es->lines - es->trashed - es->unmatched;
	a->cut = es->cut;
	a->limited = es->limited;
	a->regex_errors = es->regex_errors;
	a->regex_dropped = es->regex_errors_dropped;
	(void)os;
}

static const char *
s(uint64_t n)
{
	return n == 1 ? "" : "s";
}

void
check_account_print(const struct check_account *a, const struct conf *c,
    bool quiet)
{
	struct buf b;
	bool lost = a->noprefix > 0 || a->cut > 0 || a->limited > 0 ||
	    a->regex_dropped > 0;

	if (a->regex_errors > 0)
		log_warnx("%llu line%s hit a PCRE2 limit on some rule (%llu of "
		    "them then matched no rule); see 'logward explain'",
		    (unsigned long long)a->regex_errors, s(a->regex_errors),
		    (unsigned long long)a->regex_dropped);
	if (a->cut > 0)
		log_warnx("%llu line%s longer than max_line (%zu bytes) %s cut",
		    (unsigned long long)a->cut, s(a->cut), c->max_line,
		    a->cut == 1 ? "was" : "were");
	if (a->read == 0 || (a->reported == a->read && !lost) ||
	    (quiet && !lost))
		return;
	buf_init(&b, 4096);
	buf_printf(&b, "%llu line%s read: %llu reported",
	    (unsigned long long)a->read, s(a->read),
	    (unsigned long long)a->reported);
	if (a->trashed > 0)
		buf_printf(&b, ", %llu trashed", (unsigned long long)a->trashed);
	if (a->unmatched > 0)
		buf_printf(&b, ", %llu matched no rule",
		    (unsigned long long)a->unmatched);
	if (a->noprefix > 0)
		buf_printf(&b, ", %llu dropped: no host prefix recognised (add "
		    "a 'noprefix' rule, or describe the prefix with 'set "
		    "logprefix')", (unsigned long long)a->noprefix);
	if (a->cut > 0)
		buf_printf(&b, ", %llu cut at max_line",
		    (unsigned long long)a->cut);
	if (a->limited > 0)
		buf_printf(&b, ", %llu counted but not itemised (set limit, "
		    "thresholds, queue caps)", (unsigned long long)a->limited);
	log_warnx("%s", buf_str(&b));
	buf_free(&b);
}
