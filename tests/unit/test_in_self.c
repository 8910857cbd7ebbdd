/*
 * Unit tests for in_self: an event is one syslog line from program
 * logward with facility daemon and the event's severity, that
 * record_parse reads back (host, program, pid, priority, message); control
 * bytes cannot make a second line; the FIFO keeps order, is bounded
 * (drops counted) and an event emitted while draining waits for the next
 * drain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "input/in_self.h"
#include "input/record.h"

#define NOW	1795000000

struct got {
	char	*lines[8];
	size_t	 n;
	struct in_self *reemit;
};

static void
collect(void *arg, const char *line, size_t len)
{
	struct got *g = arg;

	if (g->n < 8)
		g->lines[g->n++] = strndup(line, len);
	if (g->reemit != NULL)
		in_self_emit(g->reemit, NOW, IN_SELF_INFO, "about the event");
}

static void
got_free(struct got *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->lines[i]);
	g->n = 0;
}

static void
line_is_syslog(void **state)
{
	struct in_self *s = in_self_new("loghost.example.org", 4242);
	struct got g = { 0 };
	struct record r;

	(void)state;
	assert_int_equal(in_self_emit(s, NOW, IN_SELF_CRIT,
	    "disk CRITICAL %s is %d%% full", "/var", 97), 0);
	assert_int_equal(in_self_drain(s, collect, &g), 1);
	assert_int_equal(record_parse(&r, g.lines[0], strlen(g.lines[0])),
	    REC_RFC3339);
	assert_int_equal(r.hostlen, 7);
	assert_memory_equal(r.host, "loghost", 7);
	assert_int_equal(r.proglen, 7);
	assert_memory_equal(r.prog, "logward", 7);
	assert_int_equal(r.pid, 4242);
	assert_int_equal(r.facility, 3);
	assert_int_equal(r.severity, 2);
	assert_non_null(strstr(g.lines[0], "logward[4242]: disk CRITICAL /var is 97% full"));
	assert_true(record_time(&r, NOW) == NOW);
	got_free(&g);
	in_self_free(s);
}

static void
control_bytes_stay_on_one_line(void **state)
{
	struct in_self *s = in_self_new("h", 1);
	struct got g = { 0 };

	(void)state;
	in_self_emit(s, NOW, IN_SELF_WARNING, "host %s silent", "web1\nFAKE: x\r\x1b");
	in_self_drain(s, collect, &g);
	assert_null(strchr(g.lines[0], '\n'));
	assert_null(strchr(g.lines[0], '\r'));
	assert_null(strchr(g.lines[0], '\x1b'));
	assert_non_null(strstr(g.lines[0], "host web1?FAKE: x?? silent"));
	got_free(&g);
	in_self_free(s);
}

static void
bounded_and_ordered(void **state)
{
	struct in_self *s = in_self_new("h", 1);
	struct in_self_stats st;
	struct got g = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < IN_SELF_MAX_EVENTS + 5; i++)
		in_self_emit(s, NOW, IN_SELF_INFO, "event %zu", i);
	in_self_stats(s, &st);
	assert_int_equal(st.emitted, IN_SELF_MAX_EVENTS);
	assert_int_equal(st.dropped, 5);
	assert_int_equal(in_self_pending(s), IN_SELF_MAX_EVENTS);
	assert_int_equal(in_self_drain(s, collect, &g), IN_SELF_MAX_EVENTS);
	assert_non_null(strstr(g.lines[0], ": event 0"));
	assert_non_null(strstr(g.lines[7], ": event 7"));
	in_self_stats(s, &st);
	assert_int_equal(st.delivered, IN_SELF_MAX_EVENTS);
	got_free(&g);
	in_self_free(s);
}

static void
events_about_events_wait(void **state)
{
	struct in_self *s = in_self_new("h", 1);
	struct got g = { 0 };

	(void)state;
	g.reemit = s;
	in_self_emit(s, NOW, IN_SELF_INFO, "first");
	assert_int_equal(in_self_drain(s, collect, &g), 1);
	assert_int_equal(in_self_pending(s), 1);
	g.reemit = NULL;
	assert_int_equal(in_self_drain(s, collect, &g), 1);
	assert_non_null(strstr(g.lines[1], "about the event"));
	got_free(&g);
	in_self_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(line_is_syslog),
		cmocka_unit_test(control_bytes_stay_on_one_line),
		cmocka_unit_test(bounded_and_ordered),
		cmocka_unit_test(events_about_events_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
