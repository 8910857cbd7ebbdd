/*
 * Unit tests for spill (strings in memory, then in a temporary file read
 * back through windows) and lcstore_sort (logcheck's "sort -k 1,3 -s" and
 * "sort -u" order by merging runs), each against a plain reference.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "lib/spill.h"
#include "lib/str.h"
#include "report/lcstore.h"

static uint64_t rng = 88172645463325252ULL;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

struct sample {
	char		**s;
	size_t		*len;
	uint64_t	*off;
	size_t		 n;
};

static void
make_sample(struct sample *x, size_t n)
{
	size_t i, j;

	x->s = calloc(n, sizeof(*x->s));
	x->len = calloc(n, sizeof(*x->len));
	x->off = calloc(n, sizeof(*x->off));
	x->n = n;
	for (i = 0; i < n; i++) {
		/* mostly short, some empty, one longer than a window */
		size_t len = i == n / 2 ? 700 * 1024 : i % 97 == 0 ? 0 :
		    rnd(300);

		x->s[i] = malloc(len + 1);
		for (j = 0; j < len; j++)
			x->s[i][j] = (char)(' ' + rnd(95));
		x->len[i] = len;
	}
}

static void
free_sample(struct sample *x)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		free(x->s[i]);
	free(x->s);
	free(x->len);
	free(x->off);
}

/* Stores the sample, then reads it back in order, backwards, at random,
 * and in pairs (two strings held at once). */
static void
roundtrip(size_t limit, bool expect_file)
{
	struct spill s;
	struct sample x;
	size_t i, k;

	make_sample(&x, 3000);
	spill_init(&s, limit);
	for (i = 0; i < x.n; i++)
		assert_int_equal(spill_add(&s, x.s[i], x.len[i], &x.off[i]), 0);
	assert_int_equal(spill_seal(&s), 0);
	assert_true((spill_file_bytes(&s) > 0) == expect_file);
	for (i = 0; i < x.n; i++)
		assert_memory_equal(spill_get(&s, x.off[i], x.len[i]), x.s[i],
		    x.len[i]);
	for (i = x.n; i-- > 0;)
		assert_memory_equal(spill_get(&s, x.off[i], x.len[i]), x.s[i],
		    x.len[i]);
	for (k = 0; k < 20000; k++) {
		size_t a = rnd((uint32_t)x.n), b = rnd((uint32_t)x.n);
		const char *pa = spill_get(&s, x.off[a], x.len[a]);
		const char *pb = spill_get(&s, x.off[b], x.len[b]);

		assert_non_null(pa);
		assert_non_null(pb);
		assert_memory_equal(pa, x.s[a], x.len[a]);
		assert_memory_equal(pb, x.s[b], x.len[b]);
	}
	/* a part of a string */
	i = x.n / 2;
	assert_memory_equal(spill_get(&s, x.off[i] + 100, 50), x.s[i] + 100, 50);
	assert_false(s.failed);
	spill_free(&s);
	free_sample(&x);
}

static void
test_memory(void **state)
{
	(void)state;
	roundtrip(SIZE_MAX, false);
}

static void
test_file(void **state)
{
	(void)state;
	roundtrip(0, true);
	roundtrip(5000, true);		/* some in memory, the rest in the file */
}

static void
test_no_tmpdir(void **state)
{
	char *old = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;

	(void)state;
	setenv("TMPDIR", "/nonexistent/logward-test", 1);
	roundtrip(0, false);		/* warned; kept in memory */
	if (old != NULL)
		setenv("TMPDIR", old, 1);
	else
		unsetenv("TMPDIR");
	free(old);
}

/* ---- lcstore_sort against a reference sort ---- */

static size_t
ref_key3(const char *s, size_t len)
{
	size_t i = 0, f;

	for (f = 0; f < 3; f++) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
	}
	return i;
}

struct ref {
	const char	*s;
	size_t		 klen, idx;
};

static int
ref_cmp(const void *pa, const void *pb)
{
	const struct ref *a = pa, *b = pb;
	int r = str_bytecmp(a->s, a->klen, b->s, b->klen);

	return r != 0 ? r : a->idx < b->idx ? -1 : a->idx > b->idx;
}

static const char *const words[] = { "Mar", "Apr", "10", " 9", "06:00:00",
	"06:00:01", "host-with-a-long-name.example.org", "host-with-a-long-name.example.net",
	"web1", "", "\t", "a", "sshd[1]:", "x" };

static void
sort_case(size_t n, bool uniq, int shape)
{
	struct spill sp;
	struct lcstore_ent *ent = calloc(n, sizeof(*ent));
	struct ref *ref = calloc(n, sizeof(*ref));
	char **lines = calloc(n, sizeof(*lines));
	uint32_t *v = calloc(n, sizeof(*v)), *tmp = calloc(n, sizeof(*tmp));
	size_t i, w;

	spill_init(&sp, shape == 1 ? 0 : 1000);
	for (i = 0; i < n; i++) {
		char buf[512];
		size_t len = 0, nw = 1 + rnd(6);
		uint64_t off;

		if (shape == 2 && i > 0 && rnd(4) != 0) {
			/* one of the last lines again (sort -u's duplicates) */
			const char *o = lines[i - 1 - rnd((uint32_t)(i < 5 ? i : 5))];

			len = strlen(o);
			memcpy(buf, o, len);
		} else
			for (w = 0; w < nw; w++) {
				const char *t = words[rnd(sizeof(words) /
				    sizeof(words[0]))];

				len += (size_t)snprintf(buf + len, sizeof(buf) - len,
				    "%s%s", w ? (rnd(5) ? " " : "  ") : "", t);
			}
		buf[len] = '\0';
		lines[i] = strdup(buf);
		assert_int_equal(spill_add(&sp, buf, len, &off), 0);
		ent[i].off_lo = (uint32_t)off;
		ent[i].off_hi = (uint32_t)(off >> 32);
		ent[i].len = ent[i].rlen = (uint32_t)len;
		ent[i].klen = (uint32_t)(uniq ? len : ref_key3(buf, len));
		memcpy(ent[i].key, buf, ent[i].klen < LCSTORE_KEY ? ent[i].klen :
		    LCSTORE_KEY);
		ref[i].s = lines[i];
		ref[i].klen = ent[i].klen;
		ref[i].idx = i;
		v[i] = (uint32_t)i;
	}
	assert_int_equal(spill_seal(&sp), 0);
	if (shape == 3) {
		/* nearly sorted: sorted, then a few lines moved */
		qsort(ref, n, sizeof(*ref), ref_cmp);
		for (i = 0; i < n; i++)
			v[i] = (uint32_t)ref[i].idx;
		for (i = 0; i < n / 50; i++) {
			size_t a = rnd((uint32_t)n), b = rnd((uint32_t)n);
			uint32_t t = v[a];

			v[a] = v[b];
			v[b] = t;
		}
		for (i = 0; i < n; i++) {
			ref[i].s = lines[v[i]];
			ref[i].klen = ent[v[i]].klen;
			ref[i].idx = i;		/* position in v: stability */
		}
		{
			uint32_t *given = calloc(n, sizeof(*given));

			memcpy(given, v, n * sizeof(*v));
			qsort(ref, n, sizeof(*ref), ref_cmp);
			lcstore_sort(ent, &sp, v, tmp, n);
			for (i = 0; i < n; i++)
				assert_int_equal(v[i], given[ref[i].idx]);
			free(given);
		}
	} else {
		qsort(ref, n, sizeof(*ref), ref_cmp);
		lcstore_sort(ent, &sp, v, tmp, n);
		for (i = 0; i < n; i++)
			assert_int_equal(v[i], ref[i].idx);
	}
	assert_false(sp.failed);
	spill_free(&sp);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(ent);
	free(ref);
	free(v);
	free(tmp);
}

static void
test_sort(void **state)
{
	size_t n;

	(void)state;
	for (n = 0; n < 40; n++) {
		sort_case(n, false, 0);
		sort_case(n, true, 0);
	}
	sort_case(5000, false, 0);	/* random order, partly in memory */
	sort_case(5000, false, 1);	/* all in the file */
	sort_case(5000, true, 1);	/* whole lines (sort -u's order) */
	sort_case(5000, true, 2);	/* many equal lines */
	sort_case(5000, false, 2);
	sort_case(5000, false, 3);	/* nearly sorted */
	sort_case(5000, true, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_no_tmpdir),
		cmocka_unit_test(test_sort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
