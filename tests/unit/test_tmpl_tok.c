/*
 * Unit tests for tmpl_tok, the template miner's tokenizer: one test per
 * variable class (it fails if the class stops being found, or starts
 * eating a near miss), the delimiters kept, empty values, runs of
 * variables collapsing, dates joining, the bounds (tokens, word length,
 * a 1 MiB line) and bytes that are not text.  Messages are heap copies
 * of exactly their length, so ASan catches a read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/tmpl_tok.h"
#include "lib/buf.h"

/* The tokens of msg as text: words as themselves, delimiters in
 * brackets, variables as <class>, empty values as <>, a blank before a
 * token as one space.  Returns an owned string. */
static char *
show(const char *msg, size_t len, struct tmpl_line *out)
{
	struct tmpl_line *l = malloc(sizeof(*l));
	char *copy = malloc(len > 0 ? len : 1);
	struct buf b;
	size_t i;
	char *res;

	assert_non_null(l);
	assert_non_null(copy);
	memcpy(copy, msg, len);
	tmpl_tok_split(copy, len, l);
	buf_init(&b, SIZE_MAX / 4);
	for (i = 0; i < l->ntok; i++) {
		const struct tmpl_tok *k = &l->tok[i];

		if (k->gap)
			buf_addc(&b, ' ');
		switch (k->kind) {
		case TMPL_WORD:
			buf_add(&b, copy + k->off, k->len);
			break;
		case TMPL_DELIM:
			buf_addc(&b, '[');
			buf_add(&b, copy + k->off, k->len);
			buf_addc(&b, ']');
			break;
		case TMPL_VAR:
			buf_printf(&b, "<%s>", tmpl_tok_var_name(k->var));
			break;
		case TMPL_EMPTY:
			buf_addstr(&b, "<>");
			break;
		}
	}
	if (out != NULL)
		*out = *l;
	res = strdup(b.data != NULL ? b.data : "");
	buf_free(&b);
	free(copy);
	free(l);
	return res;
}

#define EXPECT(msg, want) do {					\
	char *got_ = show(msg, strlen(msg), NULL);		\
	assert_string_equal(got_, want);			\
	free(got_);						\
} while (0)

static void
test_words_and_delimiters(void **state)
{
	(void)state;
	EXPECT("Failed password for root", "Failed password for root");
	EXPECT("pam_unix(sshd:auth): check pass; user unknown",
	    "pam_unix[(]sshd[:]auth[)][:] check pass[;] user unknown");
	EXPECT("restart.", "restart[.]");
	EXPECT("Calibrating delay loop...", "Calibrating delay loop[.][.][.]");
	EXPECT("can't get client address", "can't get client address");
}

static void
test_num(void **state)
{
	(void)state;
	EXPECT("took 42 ms", "took <num> ms");
	EXPECT("offset -3", "offset <num>");
	EXPECT("version 2.6.5", "version <num>");
	EXPECT("load 1.5", "load <num>");
}

static void
test_hex(void **state)
{
	(void)state;
	EXPECT("mode:0xd2", "mode[:]<hex>");
	EXPECT("id deadbeef00", "id <hex>");
	EXPECT("key a3f9", "key <hex>");
	/* English words made of hex letters stay words */
	EXPECT("add face cafe bad", "add face cafe bad");
	EXPECT("decade", "decade");
}

static void
test_ipv4(void **state)
{
	(void)state;
	EXPECT("from 10.0.0.1", "from <ipv4>");
	EXPECT("to 203.0.113.9:22", "to <ipv4>");
	EXPECT("net 10.1.0.0/16", "net <ipv4>");
	EXPECT("[173.234.31.186]", "[[]<ipv4>[]]");
	/* not an address: an octet over 255 */
	EXPECT("v 999.1.1.1", "v <num>");
}

static void
test_ipv6(void **state)
{
	(void)state;
	EXPECT("addr fe80::1", "addr <ipv6>");
	EXPECT("addr 2607:f140:6000:8:c6b3:1ff:fecd:467f", "addr <ipv6>");
	EXPECT("addr FE80:0000:0000:0000:D8A5:90FF:FEF5:7FFF", "addr <ipv6>");
	EXPECT("addr ::ffff:10.0.0.1", "addr <ipv6>");
	EXPECT("addr ::1", "addr <ipv6>");
	/* three groups without "::" are not an address */
	EXPECT("id ab:cd:ef", "id ab[:]cd[:]ef");
	/* a time is not an address */
	EXPECT("at 02:08:10", "at <date>");
}

static void
test_mac(void **state)
{
	(void)state;
	EXPECT("from 00:11:43:e3:ba:c3 via eth1", "from <mac> via <id>");
	EXPECT("hw 00-11-43-E3-BA-C3", "hw <mac>");
}

static void
test_uuid(void **state)
{
	(void)state;
	EXPECT("job 131fe7ed-87f7-471d-8797-c11107688df7 done", "job <uuid> done");
}

static void
test_email(void **state)
{
	(void)state;
	EXPECT("mail for alice@example.org queued", "mail for <email> queued");
	/* no domain: not an address */
	EXPECT("user@ x", "user@ x");
}

static void
test_path(void **state)
{
	(void)state;
	EXPECT("open /var/log/messages failed", "open <path> failed");
	EXPECT("path:/var/run/mDNSResponder", "path[:]<path>");
	EXPECT("removing device node '/udev/vcs2'", "removing device node [']<quoted>[']");
	/* a lone slash is not a path */
	EXPECT("a / b", "a / b");
}

static void
test_url(void **state)
{
	(void)state;
	EXPECT("GET https://example.org/x?y=1 ok", "GET <url> ok");
	EXPECT("com.apple.ical.sync.x-coredata://DB05/p11: go", "<url>[:] go");
}

static void
test_host(void **state)
{
	(void)state;
	EXPECT("connect to mail.example.org", "connect to <host>");
	EXPECT("rhost zummit.com", "rhost <host>");
	/* dotted names that are not hosts */
	EXPECT("rpc.statd started", "rpc.statd started");
	EXPECT("com.apple.CDScheduler says", "com.apple.CDScheduler says");
	EXPECT("file mice.c", "file mice.c");
}

static void
test_quoted(void **state)
{
	(void)state;
	EXPECT("Checking 'hlt' instruction", "Checking [']<quoted>['] instruction");
	/* a quoted string may hold blanks */
	EXPECT("Code=1 \"Account identity not set\" UserInfo",
	    "Code[=]<kv> [\"]<quoted>[\"] UserInfo");
	EXPECT("name \"\" x", "name [\"]<>[\"] x");
	/* an apostrophe does not open anything */
	EXPECT("isn't for 5 seconds", "isn't for <num> seconds");
}

static void
test_kv(void **state)
{
	(void)state;
	EXPECT("logname= uid=0 tty=NODEVssh ruser= rhost=1.2.3.4",
	    "logname[=]<> uid[=]<kv> tty[=]<kv> ruser[=]<> rhost[=]<kv>");
	EXPECT("user=root", "user[=]<kv>");
	/* with blanks around '=' the value is classified on its own */
	EXPECT("port = 11 unplug = done", "port [=] <num> unplug [=] done");
	/* a value stops at the bracket that closes the key's */
	EXPECT("by LOGIN(uid=0)", "by LOGIN[(]uid[=]<kv>[)]");
}

static void
test_size(void **state)
{
	(void)state;
	EXPECT("took 3ms", "took <size>");
	EXPECT("read 12KB", "read <size>");
	EXPECT("cache 256K", "cache <size>");
	EXPECT("at 3.60GHz", "at <size>");
}

static void
test_date(void **state)
{
	(void)state;
	EXPECT("at 09:14:03", "at <date>");
	EXPECT("at 12:15:23.005", "at <date>");
	EXPECT("stamp 2026-03-02T10:00:00Z", "stamp <date>");
	EXPECT("day 2005.11.09", "day <date>");
	/* month, weekday and zone names join the date, and the run is one */
	EXPECT("connection at Sat Jun 18 02:08:10 2005", "connection at <date>");
	EXPECT("at Sat Jul  2 07:57:30 2005 done", "at <date> done");
	EXPECT("built Sat May 8 09:04:50 EDT 2004", "built <date>");
	/* a month name without a number is a word */
	EXPECT("May be later", "May be later");
	/* capitals after a date that are not zones (a short one last: the
	 * zone check once read 3 bytes of a 1-byte word, found by fuzz_tmpl) */
	EXPECT("at 10:00:01 CESTX", "at <date> CESTX");
	EXPECT("at 10:00:01 Z", "at <date> Z");
}

static void
test_id(void **state)
{
	(void)state;
	EXPECT("node dn228 up", "node <id> up");
	EXPECT("Link Up on awdl0", "Link Up on <id>");
	EXPECT("name LOCAL(0), stratum 10", "name <id>[,] stratum <num>");
	/* protocol names with a version stay */
	EXPECT("port 22 ssh2", "port <num> ssh2");
	EXPECT("IPv4 and IPv6 via TLSv1", "IPv4 and IPv6 via TLSv1");
}

static void
test_long_word(void **state)
{
	char msg[200];

	(void)state;
	memset(msg, 'z', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	memcpy(msg, "key ", 4);
	EXPECT(msg, "key <long>");
}

static void
test_collapse(void **state)
{
	(void)state;
	EXPECT("delete 1 2 3 4 done", "delete <num> done");
	EXPECT("list 1, 2, 3 end", "list <num> end");
	EXPECT("channel changed to 132,+1", "channel changed to <num>");
	EXPECT("sda1 sda2 sda3 sda4", "<id>");
	/* a delimiter between variables keeps them apart */
	EXPECT("from 1.2.3.4: 11: Bye", "from <ipv4>[:] <num>[:] Bye");
}

static void
test_empty(void **state)
{
	(void)state;
	EXPECT("connection from 1.2.3.4 () at", "connection from <ipv4> <>[(]<>[)] at");
	EXPECT("list []", "list [[]<>[]]");
}

static void
test_shapes(void **state)
{
	struct tmpl_line a, b;
	char *x, *y;

	(void)state;
	/* "by (uid=0)" and "by LOGIN(uid=0)": one shape */
	x = show("opened by (uid=0)", 17, &a);
	y = show("opened by LOGIN(uid=0)", 22, &b);
	assert_int_equal(a.ntok, b.ntok);
	assert_true(a.shape == b.shape);
	assert_false(a.sig == b.sig);
	free(x);
	free(y);
	/* "()" and "(host)": one shape */
	x = show("from 1.2.3.4 () at", 18, &a);
	y = show("from 1.2.3.4 (host9.example.net) at", 35, &b);
	assert_true(a.shape == b.shape);
	free(x);
	free(y);
	/* variables with different values: same signature */
	x = show("took 42 ms", 10, &a);
	y = show("took 7 ms", 9, &b);
	assert_true(a.sig == b.sig);
	free(x);
	free(y);
	/* other words, same shape, other signature */
	x = show("session opened", 14, &a);
	y = show("session closed", 14, &b);
	assert_true(a.shape == b.shape);
	assert_false(a.sig == b.sig);
	free(x);
	free(y);
}

static void
test_token_cap(void **state)
{
	struct buf b;
	struct tmpl_line *l = malloc(sizeof(*l));
	int i;

	(void)state;
	assert_non_null(l);
	buf_init(&b, SIZE_MAX / 4);
	for (i = 0; i < 300; i++)
		buf_printf(&b, "w%c ", 'a' + i % 26);
	tmpl_tok_split(b.data, b.len, l);
	assert_int_equal(l->ntok, TMPL_TOK_MAX);
	assert_int_equal(l->tok[l->ntok - 1].kind, TMPL_VAR);
	assert_int_equal(l->tok[l->ntok - 1].var, TMPL_V_TAIL);
	/* the tail ends before the trailing blank */
	assert_true(l->tok[l->ntok - 1].off + l->tok[l->ntok - 1].len == b.len - 1);
	buf_free(&b);
	free(l);
}

static void
test_one_mib_line(void **state)
{
	size_t n = 1024 * 1024, i;
	char *s = malloc(n);
	struct tmpl_line *l = malloc(sizeof(*l));

	(void)state;
	assert_non_null(s);
	assert_non_null(l);
	/* one word of 1 MiB: one variable */
	memset(s, 'x', n);
	tmpl_tok_split(s, n, l);
	assert_int_equal(l->ntok, 1);
	assert_int_equal(l->tok[0].kind, TMPL_VAR);
	/* 1 MiB of short words: capped */
	for (i = 0; i < n; i++)
		s[i] = i % 4 == 3 ? ' ' : 'a' + i % 7;
	tmpl_tok_split(s, n, l);
	assert_int_equal(l->ntok, TMPL_TOK_MAX);
	free(s);
	free(l);
}

static void
test_binary(void **state)
{
	unsigned char junk[512];
	struct tmpl_line *l = malloc(sizeof(*l));
	size_t i, k;

	(void)state;
	assert_non_null(l);
	srand(7);
	for (k = 0; k < 200; k++) {
		for (i = 0; i < sizeof(junk); i++)
			junk[i] = (unsigned char)rand();
		tmpl_tok_split((const char *)junk, (size_t)rand() % sizeof(junk), l);
		assert_true(l->ntok <= TMPL_TOK_MAX);
		for (i = 0; i < l->ntok; i++)
			assert_true(l->tok[i].off + l->tok[i].len <= sizeof(junk));
	}
	/* NUL bytes are data */
	EXPECT("", "");
	{
		char *got_ = show("a\0b c", 5, NULL);

		assert_int_equal(strlen(got_), 1);	/* "a" then the NUL */
		free(got_);
	}
	free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_and_delimiters),
		cmocka_unit_test(test_num),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_kv),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_long_word),
		cmocka_unit_test(test_collapse),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_token_cap),
		cmocka_unit_test(test_one_mib_line),
		cmocka_unit_test(test_binary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
