/*
 * shapememo — a bounded memo from a text's shape (digits written as '0')
 * to the ids a scan of that shape reported.  See shapememo.h.
 */
#include "lib/shapememo.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmem.h"

struct memo_item {
	uint32_t	 len;		/* of the shape, after ids[n] */
	uint32_t	 n;
	uint32_t	 ids[];
};

_Static_assert(sizeof(struct memo_way) * MEMO_WAYS == 64,
    "a set of the memo is one cache line");

#define ONES	0x0101010101010101ULL
#define LOW7	0x7f7f7f7f7f7f7f7fULL
#define HIGH	0x8080808080808080ULL

/* Eight bytes with every ASCII digit written as '0': a byte is a digit
 * when its low seven bits are at least 0x30 and below 0x3a and its high
 * bit is clear (no carry crosses a byte: 0x7f + 0x50 < 0x100). */
static inline uint64_t
mask8(uint64_t w)
{
	uint64_t x = w & LOW7;
	uint64_t ge = (x + 0x50 * ONES) & HIGH;
	uint64_t gt = (x + 0x46 * ONES) & HIGH;
	uint64_t d = (ge & ~gt & ~w) >> 7;	/* 0x01 for each digit */

	return (w & ~(d * 0xff)) | (d * 0x30);
}

static inline uint64_t
mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0xff51afd7ed558ccdULL;
	return h ^ (h >> 32);
}

/* Writes the shape of s[0..len) to out and returns its hash. */
static uint64_t
shape(char *out, const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		w = mask8(w);
		memcpy(out + i, &w, 8);
		h = mix(h, w);
	}
	if (i < len) {
		w = 0;
		memcpy(&w, s + i, len - i);
		w = mask8(w);
		memcpy(out + i, &w, len - i);
		h = mix(h, w);
	}
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 32);
}

void
shapememo_init(struct shapememo *m)
{
	memset(m, 0, sizeof(*m));
}

void
shapememo_free(struct shapememo *m)
{
	size_t i;

	if (m->ways != NULL) {
		for (i = 0; i < (size_t)MEMO_SETS * MEMO_WAYS; i++)
			free(m->ways[i].item);
		free(m->ways);
	}
	memset(m, 0, sizeof(*m));
}

static const char *
item_text(const struct memo_item *it)
{
	return (const char *)(it->ids + it->n);
}

/* Ends a window of look-ups: pause when too few hit. */
static void
count(struct shapememo *m, bool hit)
{
	m->win_hits += hit;
	if (++m->win_looks < MEMO_WINDOW)
		return;
	if (m->win_hits * MEMO_MIN_HIT < MEMO_WINDOW)
		m->pause = MEMO_PAUSE;
	m->win_looks = m->win_hits = 0;
}

enum memo_result
shapememo_get(struct shapememo *m, const char *s, size_t len, const uint32_t **ids,
    size_t *n, const char **key, size_t *keylen)
{
	struct memo_way *set;
	uint64_t h;
	size_t w;

	m->keylen = 0;
	if (m->pause > 0) {
		if (++m->win_looks == MEMO_WINDOW) {
			m->win_looks = 0;
			m->pause--;
		}
		m->skipped++;
		return MEMO_SKIP;
	}
	if (len == 0 || len > MEMO_KEY_MAX) {
		m->skipped++;
		return MEMO_SKIP;
	}
	if (m->ways == NULL)
		m->ways = xaligned(64, (size_t)MEMO_SETS * MEMO_WAYS *
		    sizeof(*m->ways));
	h = shape(m->key, s, len);
	set = &m->ways[(h & (MEMO_SETS - 1)) * MEMO_WAYS];
	for (w = 0; w < MEMO_WAYS; w++) {
		const struct memo_item *it = set[w].item;

		if (it != NULL && set[w].hash == h && it->len == len &&
		    memcmp(item_text(it), m->key, len) == 0) {
			/* to the front: the last way is the least recent */
			for (; w > 0; w--)
				set[w] = set[w - 1];
			set[0].hash = h;
			set[0].item = (struct memo_item *)it;
			*ids = it->ids;
			*n = it->n;
			m->hits++;
			count(m, true);
			return MEMO_HIT;
		}
	}
	m->hash = h;
	m->keylen = len;
	*key = m->key;
	*keylen = len;
	m->misses++;
	count(m, false);
	return MEMO_MISS;
}

void
shapememo_put(struct shapememo *m, const uint32_t *ids, size_t n)
{
	struct memo_way *set, *victim;
	struct memo_item *it;
	size_t w, size;

	if (m->keylen == 0 || n > MEMO_IDS_MAX)
		return;
	set = &m->ways[(m->hash & (MEMO_SETS - 1)) * MEMO_WAYS];
	size = sizeof(*it) + n * sizeof(uint32_t) + m->keylen;
	/* the least recently used way goes (the ways are used from the
	 * front, so the empty ones are at the back), and when the memo is
	 * full the next least recent ones too, until the new one fits */
	for (w = MEMO_WAYS; w > 0; w--) {
		victim = &set[w - 1];
		if (victim->item == NULL)
			continue;
		if (w < MEMO_WAYS && m->bytes + size <= MEMO_BYTES_MAX)
			break;
		m->bytes -= sizeof(*victim->item) + victim->item->n *
		    sizeof(uint32_t) + victim->item->len;
		free(victim->item);
		victim->item = NULL;
		victim->hash = 0;
	}
	if (m->bytes + size > MEMO_BYTES_MAX) {
		m->keylen = 0;		/* full, and this set holds nothing */
		return;
	}
	it = xmalloc(size);
	it->len = (uint32_t)m->keylen;
	it->n = (uint32_t)n;
	if (n > 0)
		memcpy(it->ids, ids, n * sizeof(uint32_t));
	memcpy((char *)(it->ids + n), m->key, m->keylen);
	for (w = MEMO_WAYS - 1; w > 0; w--)
		set[w] = set[w - 1];
	set[0].item = it;
	set[0].hash = m->hash;
	m->bytes += size;
	m->keylen = 0;
}
