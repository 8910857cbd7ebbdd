/*
 * fuzz_tmpl — the template miner on any lines: tmpl_tok_split, tmpl_add,
 * tmpl_match, tmpl_view_render, tmpl_store_save and tmpl_store_restore.
 * The input is split on '\n'; the first byte of each line picks one of
 * four partitions.  Besides the sanitizers, checks what tmpl.h and
 * tmpl_tok.h promise: tokens lie inside the message, in order, at most
 * TMPL_TOK_MAX; every mined message gets a template id and matches it
 * right after (tmpl_match, no learning); two stores fed the same lines
 * save the same bytes (the caches' random seeds change nothing); a saved
 * store restores to the same bytes; a cut save is refused and leaves the
 * store empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify/tmpl.h"
#include "classify/tmpl_tok.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static void
check_tokens(const char *s, size_t n)
{
	static struct tmpl_line l;
	size_t i, end = 0;

	tmpl_tok_split(s, n, &l);
	CHECK(l.ntok <= TMPL_TOK_MAX);
	for (i = 0; i < l.ntok; i++) {
		const struct tmpl_tok *t = &l.tok[i];

		CHECK(t->kind <= TMPL_EMPTY);
		CHECK(t->var < TMPL_V_COUNT);
		CHECK((t->kind == TMPL_VAR) == (t->var != TMPL_V_NONE));
		CHECK(t->off >= end && t->off <= n && t->len <= n - t->off);
		CHECK(t->kind != TMPL_DELIM || t->len == 1);
		CHECK(t->kind != TMPL_WORD ||
		    (t->len > 0 && t->len <= TMPL_TOK_WORD_MAX));
		end = t->off + t->len;
	}
}

static void
mine(struct tmpl *t, const uint8_t *data, size_t size, int check)
{
	struct tmpl_result r, m;
	struct buf out;
	size_t i = 0;
	time_t now = 1000;

	buf_init(&out, 1 << 20);
	while (i < size) {
		const char *s = (const char *)data + i;
		const char *nl = memchr(s, '\n', size - i);
		size_t n = nl != NULL ? (size_t)(nl - s) : size - i;
		uint64_t part = n > 0 ? (uint8_t)s[0] % 4 : 0;

		i += n + 1;
		now += 1;
		if (check)
			check_tokens(s, n);
		tmpl_add(t, part, s, n, now, &r);
		CHECK(r.id != 0 && r.c != NULL);
		if (!check)
			continue;
		out.len = 0;
		tmpl_view_render(t, &r, "<*>", 3, &out);
		CHECK(tmpl_match(t, part, s, n, &m));
		CHECK(tmpl_resolve(t, m.id) == tmpl_resolve(t, r.id));
		CHECK(tmpl_view_render_id(t, r.id, "<*>", 3, &out) == 0);
	}
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* small caps so that templates retire and the caches evict */
	struct tmpl_opts o = { 16, 0, 5 };
	struct tmpl *a = tmpl_new(&o, 1000), *b = tmpl_new(&o, 1000);
	struct tmpl_stats sa, sb;
	struct buf ba, bb;
	char err[128];
	size_t cut;

	buf_init(&ba, SIZE_MAX / 4);
	buf_init(&bb, SIZE_MAX / 4);
	mine(a, data, size, 1);
	mine(b, data, size, 0);
	tmpl_store_save(a, &ba);
	tmpl_store_save(b, &bb);
	CHECK(ba.len == bb.len && memcmp(ba.data, bb.data, ba.len) == 0);

	/* restore into b, save again: the same bytes */
	CHECK(tmpl_store_restore(b, ba.data, ba.len, 5000, err,
	    sizeof(err)) == 0);
	bb.len = 0;
	tmpl_store_save(b, &bb);
	CHECK(ba.len == bb.len && memcmp(ba.data, bb.data, ba.len) == 0);
	tmpl_view_stats(a, &sa);
	tmpl_view_stats(b, &sb);
	CHECK(sa.templates == sb.templates && sa.created == sb.created);

	/* a cut store is refused and leaves b empty */
	for (cut = 0; cut < ba.len; cut += 1 + ba.len / 16) {
		CHECK(tmpl_store_restore(b, ba.data, cut, 5000, err,
		    sizeof(err)) == -1);
		CHECK(err[0] != '\0');
		tmpl_view_stats(b, &sb);
		CHECK(sb.templates == 0);
	}
	buf_free(&ba);
	buf_free(&bb);
	tmpl_free(a);
	tmpl_free(b);
	return 0;
}
