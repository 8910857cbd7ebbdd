/*
 * tmpl_cache — answer caches of the template store (see tmpl_cache.h):
 * open addressing on the 64-bit key, no deletion.
 */
#include "classify/tmpl_cache.h"

#include <stdlib.h>
#include <string.h>

#include "lib/u64map.h"
#include "lib/xmem.h"

/* key 0 marks an empty slot */
static uint64_t
nz(uint64_t k)
{
	return k == 0 ? 0x9e3779b97f4a7c15ULL : k;
}

void
tmpl_cache_init(struct tmpl_cache *c, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->max = max < 256 ? 256 : max;
}

void
tmpl_cache_clear(struct tmpl_cache *c)
{
	if (c->v != NULL)
		memset(c->v, 0, c->cap * sizeof(*c->v));
	c->n = 0;
}

void
tmpl_cache_free(struct tmpl_cache *c)
{
	free(c->v);
	c->v = NULL;
	c->cap = c->n = 0;
}

static struct tmpl_cache_ent *
slot(const struct tmpl_cache *c, uint64_t key)
{
	size_t i;

	for (i = u64map_slot(key, c->cap); c->v[i].key != 0 && c->v[i].key != key;
	    i = (i + 1) & (c->cap - 1))
		;
	return &c->v[i];
}

const struct tmpl_cache_ent *
tmpl_cache_get(const struct tmpl_cache *c, uint64_t key, uint64_t check)
{
	const struct tmpl_cache_ent *e;

	if (c->cap == 0)
		return NULL;
	e = slot(c, nz(key));
	return e->key != 0 && e->check == check ? e : NULL;
}

void
tmpl_cache_put(struct tmpl_cache *c, uint64_t key, uint64_t check,
    uint64_t id, uint32_t epoch)
{
	struct tmpl_cache_ent *e;

	key = nz(key);
	if ((c->n + 1) * 2 > c->cap) {
		if (c->cap < c->max * 2) {
			struct tmpl_cache_ent *old = c->v;
			size_t oldcap = c->cap, i;

			c->cap = oldcap ? oldcap * 2 : 1024;
			c->v = xcalloc(c->cap, sizeof(*c->v));
			for (i = 0; i < oldcap; i++)
				if (old[i].key != 0)
					*slot(c, old[i].key) = old[i];
			free(old);
		} else
			tmpl_cache_clear(c);	/* full: start over */
	}
	e = slot(c, key);
	if (e->key == 0)
		c->n++;
	e->key = key;
	e->check = check;
	e->id = id;
	e->epoch = epoch;
}

uint64_t
tmpl_cache_bytes(const struct tmpl_cache *c)
{
	return c->cap * sizeof(*c->v);
}

/*
 * The exact cache is keyed by the message with its numbers blanked: each
 * digit that does not follow a letter becomes '0'.  Two messages with
 * the same blanked text tokenize alike (the same kinds, words and
 * delimiters: a digit is in a word only after letters, as in ssh2, and
 * what tells the variable classes apart is where digits are, not which),
 * so they have the same answer, and messages that differ only in their
 * numbers and addresses skip the tokenizer.
 */
static inline uint64_t
fold(uint64_t h, uint64_t w)
{
	h ^= w * 0xff51afd7ed558ccdULL;
	return (h << 31 | h >> 33) * 0xc4ceb9fe1a85ec53ULL;
}

static inline uint64_t
finish(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Bit 0 of each byte of w that is in [lo, hi] (0 < lo <= hi < 0x7f):
 * only the low seven bits of the bytes are added to, so no carry
 * crosses a byte; bytes of 0x80 and up are in no range. */
static inline uint64_t
in_range(uint64_t w, unsigned lo, unsigned hi)
{
	uint64_t low7 = w & ~HIGHS;
	uint64_t ge = low7 + (0x80 - lo) * ONES;
	uint64_t gt = low7 + (0x7f - hi) * ONES;

	return (ge & ~gt & ~w & HIGHS) >> 7;
}

/* w (m bytes, the rest 0) with its numbers blanked.  *keep: the digits
 * at w's start follow a letter; set for the next word.  Whether the
 * digits after a byte follow a letter is "yes" after a letter, "as
 * before" after a digit, "no" after anything else: a prefix over the
 * runs of digits (letters generate, digits propagate), in three
 * doubling steps for the eight bytes at once. */
static inline uint64_t
blank_word(uint64_t w, size_t m, unsigned *keep)
{
	uint64_t d = in_range(w, '0', '9');
	uint64_t a, k, p, z;

	if (d == 0) {
		/* no digit (most words): only whether the last byte is a
		 * letter matters */
		unsigned last = (unsigned)(w >> (8 * (m - 1))) & 0xff;

		*keep = (last | 0x20) - 'a' < 26u;
		return w;
	}
	a = in_range(w | 0x20 * ONES, 'a', 'z');
	k = a | (d & *keep);		/* a digit at byte 0 goes on from *keep */
	p = d;
	k |= p & (k << 8);
	p &= p << 8;
	k |= p & (k << 16);
	p &= p << 16;
	k |= p & (k << 32);
	z = (d & ~((k << 8) | *keep)) * 0xff;	/* the digits to blank */
	*keep = (unsigned)(k >> (8 * (m - 1))) & 1;
	return (w & ~z) | (z & 0x30 * ONES);
}
#else
static inline uint64_t
blank_word(uint64_t w, size_t m, unsigned *keep)
{
	unsigned char b[8];
	size_t k;

	memcpy(b, &w, 8);
	for (k = 0; k < m; k++) {
		unsigned c = b[k];
		unsigned d = c - '0' < 10u;
		unsigned a = (c | 0x20) - 'a' < 26u;

		if (d && !*keep)
			b[k] = '0';
		*keep = d ? *keep : a;
	}
	memcpy(&w, b, 8);
	return w;
}
#endif

/* One pass, eight bytes at a time: the blanked text is never stored. */
void
tmpl_cache_blank_hash(const char *msg, size_t len, uint64_t s0, uint64_t s1,
    uint64_t *key, uint64_t *check)
{
	uint64_t h0 = (s0 * 0x9e3779b97f4a7c15ULL) ^ len;
	uint64_t h1 = (s1 * 0x9e3779b97f4a7c15ULL) ^ len;
	unsigned keep = 0;	/* the digits here follow a letter */
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, msg + i, 8);
		w = blank_word(w, 8, &keep);
		h0 = fold(h0, w);
		h1 = fold(h1, w);
	}
	if (i < len) {
		/* the last bytes, padded with zeros */
		w = 0;
		memcpy(&w, msg + i, len - i);
		w = blank_word(w, len - i, &keep);
		h0 = fold(h0, w);
		h1 = fold(h1, w);
	}
	*key = finish(h0);
	*check = finish(h1);
}
