/*
 * test_in_redis — the Redis input's pure parts: MD5 (RFC 1321's test
 * suite and the padding edges), a host's partition (the same as
 * syslog-ng's $(md5 --length N) for 16 and 256 partitions), partition
 * names in keys, and stream entries → lines in the documented layout
 * (whole lines, composed lines, malformed entries, cuts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "input/in_redis.h"
#include "lib/buf.h"

static void
hex(const unsigned char d[16], char out[33])
{
	int i;

	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void
check_md5(const char *in, size_t len, const char *want)
{
	unsigned char d[16];
	char h[33];

	in_redis_md5(in, len, d);
	hex(d, h);
	assert_string_equal(h, want);
}

static void
md5_rfc1321(void **state)
{
	(void)state;
	check_md5("", 0, "d41d8cd98f00b204e9800998ecf8427e");
	check_md5("a", 1, "0cc175b9c0f1b6a831c399e269772661");
	check_md5("abc", 3, "900150983cd24fb0d6963f7d28e17f72");
	check_md5("message digest", 14, "f96b697d7cb7938d525a2f31aaf161d0");
	check_md5("abcdefghijklmnopqrstuvwxyz", 26,
	    "c3fcd3d76192e4007dfb496cca67e13b");
	check_md5("1234567890123456789012345678901234567890"
	    "1234567890123456789012345678901234567890", 80,
	    "57edf4a22be3c955ac49da2e2107b67a");
}

static void
md5_padding_edges(void **state)
{
	char x[64];

	(void)state;
	memset(x, 'x', sizeof(x));
	/* 55 bytes: the length still fits the block; 56: it does not */
	check_md5(x, 55, "04364420e25c512fd958a70738aa8f72");
	check_md5(x, 56, "668a72d5ba17f08e62dabcafad6db14b");
	check_md5(x, 64, "c1bb4f81d892b2d57947682aeb252456");
}

static void
partition_of_host(void **state)
{
	(void)state;
	/* md5("web1") = e6...: 16 partitions take the first hex digit (e =
	 * 14), 256 the first two (0xe6 = 230) */
	assert_int_equal(in_redis_partition("web1", 4, 16), 14);
	assert_int_equal(in_redis_partition("web1", 4, 256), 230);
	assert_int_equal(in_redis_partition("host01", 6, 16), 15);
	assert_int_equal(in_redis_partition("db-7.example.org", 16, 256), 176);
	assert_int_equal(in_redis_partition("web1", 4, 8), 7);
	assert_int_equal(in_redis_partition("db-7.example.org", 16, 3), 2);
	assert_int_equal(in_redis_partition("web1", 4, 1), 0);
	assert_int_equal(in_redis_partition("web1", 4, 0), 0);
}

static void
partition_names(void **state)
{
	char n[4];

	(void)state;
	in_redis_partition_name(14, 16, n);
	assert_string_equal(n, "e");
	in_redis_partition_name(3, 8, n);
	assert_string_equal(n, "3");
	in_redis_partition_name(230, 256, n);
	assert_string_equal(n, "e6");
	in_redis_partition_name(5, 256, n);
	assert_string_equal(n, "05");
	in_redis_partition_name(16, 17, n);
	assert_string_equal(n, "10");
	in_redis_partition_name(0, 4096, n);
	assert_string_equal(n, "000");
}

static void
entry(const char *id, const char *const *f, size_t n, size_t max,
    const char *want, size_t want_cut, int want_ok)
{
	size_t fl[16], i, cut = 99;
	struct buf b;
	bool ok;

	for (i = 0; i < n; i++)
		fl[i] = strlen(f[i]);
	buf_init(&b, 1 << 20);
	ok = in_redis_entry_line(id, f, fl, n, max, &b, &cut);
	assert_int_equal(ok, want_ok);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data != NULL ? b.data : "", want, b.len);
	assert_int_equal(cut, want_cut);
	buf_free(&b);
}

static void
entry_whole_line(void **state)
{
	const char *f[] = { "h", "web1", "l",
	    "<13>Mar  2 10:00:01 web1 sshd[811]: Accepted publickey\n" };

	(void)state;
	entry("1772445600000-0", f, 4, 0,
	    "<13>Mar  2 10:00:01 web1 sshd[811]: Accepted publickey", 0, 1);
}

static void
entry_composed(void **state)
{
	const char *f1[] = { "h", "web 1", "p", "sshd[811]", "t", "1772445601.5",
	    "m", "Accepted publickey" };
	const char *f2[] = { "m", "disk full", "h", "db1" };
	const char *f3[] = { "h", "db1", "t", "2026-03-02T10:00:01+01:00",
	    "m", "x" };

	(void)state;
	/* blanks in the host become '_'; t as epoch seconds with a fraction */
	entry("1-0", f1, 8, 0,
	    "2026-03-02T10:00:01.500Z web_1 sshd[811]: Accepted publickey", 0, 1);
	/* no t: the ID's milliseconds; no p: no tag */
	entry("1772445600123-4", f2, 4, 0,
	    "2026-03-02T10:00:00.123Z db1 disk full", 0, 1);
	/* t as an RFC 3339 stamp: as it is */
	entry("1-0", f3, 6, 0, "2026-03-02T10:00:01+01:00 db1 x", 0, 1);
}

static void
entry_malformed_still_a_line(void **state)
{
	const char *f[] = { "host", "web1", "msg", "hello" };

	(void)state;
	entry("1772445600000-0", f, 4, 0,
	    "2026-03-02T10:00:00.000Z unknown-host logward: malformed Redis "
	    "entry 1772445600000-0 (no 'l' or 'm' field): host=web1 msg=hello",
	    0, 0);
}

static void
entry_cut_at_max(void **state)
{
	const char *f[] = { "l", "0123456789abcdef" };

	(void)state;
	entry("1-0", f, 2, 10, "0123456789", 16, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(md5_rfc1321),
		cmocka_unit_test(md5_padding_edges),
		cmocka_unit_test(partition_of_host),
		cmocka_unit_test(partition_names),
		cmocka_unit_test(entry_whole_line),
		cmocka_unit_test(entry_composed),
		cmocka_unit_test(entry_malformed_still_a_line),
		cmocka_unit_test(entry_cut_at_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
