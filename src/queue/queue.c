/*
 * queue — aggregation store.  The index is an open-addressing table of
 * entry pointers; a lookup hashes host and message where they lie and
 * compares against the entry's own copies, so no key is built and no
 * memory is allocated for a line whose entry exists.  A byte per slot
 * (a fingerprint of the key's hash, 0 = empty) is probed before the
 * slot, so a key that is not there (a new one, or one the cap refuses)
 * mostly reads only that array, an eighth of the table's size, and a
 * key that is there mostly reads only its own entry.  The slot and the
 * fingerprint come from the low 32 bits of the key's hash, which the
 * entry keeps for a growing index.
 */
#include "queue/queue.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xmem.h"

void
queue_init(struct queue *q, size_t max_entries)
{
	memset(q, 0, sizeof(*q));
	map_init(&q->over_hosts);
	q->max_entries = max_entries;
	q->examples = true;
}

void
queue_set_examples(struct queue *q, bool keep)
{
	q->examples = keep;
}

void
queue_set_memory(struct queue *q, uint64_t *total, uint64_t max)
{
	q->mem = total;
	q->mem_max = max;
	*total += q->bytes;
}

/* Bytes an entry costs at most, besides its struct and strings: malloc's
 * overhead (a header of 8 bytes and a rounding up to 16), its share of
 * the index (which doubles when half full: at most four slots, a pointer
 * and a fingerprint byte each) and of the entries array (which doubles
 * when full: at most two pointers).  A queue's smallest index (64 slots)
 * and array (16) are covered from its 16th entry on; queue_clear frees
 * both, so an emptied queue costs nothing. */
#define MALLOC_OVERHEAD	23
#define ENTRY_OVERHEAD	(MALLOC_OVERHEAD + 4 * (sizeof(struct entry *) + 1) + \
			    2 * sizeof(struct entry *))
#define HOST_COST(len)	((len) + 16 + sizeof(uint64_t) + 16 + \
			    2 * sizeof(struct map_slot))

static uint64_t
entry_cost(const struct entry *e)
{
	return sizeof(*e) + e->hostlen + e->msglen + e->exheadlen + 3 +
	    ENTRY_OVERHEAD;
}

static void
account(struct queue *q, int64_t delta)
{
	q->bytes += (uint64_t)delta;
	if (q->mem != NULL)
		*q->mem += (uint64_t)delta;
}

/* Would n more bytes pass the memory cap? */
static bool
over_memory(const struct queue *q, uint64_t n)
{
	return q->mem != NULL && q->mem_max != 0 && *q->mem + n > q->mem_max;
}

static void
clear_over(struct queue *q)
{
	const struct map_slot *s;
	size_t i = 0;

	while (map_next(&q->over_hosts, &i, &s)) {
		account(q, -(int64_t)HOST_COST(s->klen));
		free(s->val);
	}
	map_clear(&q->over_hosts);
	q->over_nhosts = q->over_lines = q->over_unhosted = 0;
	q->over_mem = false;
}

static void
clear_slots(struct queue *q)
{
	if (q->slots == NULL)
		return;
	memset(q->slots, 0, q->nslots * sizeof(*q->slots));
	memset(q->fp, 0, q->nslots);
}

void
queue_clear(struct queue *q)
{
	size_t i;

	for (i = 0; i < q->nentries; i++) {
		account(q, -(int64_t)entry_cost(q->entries[i]));
		free(q->entries[i]);
	}
	/* the index and the array go too: they are sized by the entries */
	free(q->entries);
	free(q->slots);
	free(q->fp);
	q->entries = NULL;
	q->slots = NULL;
	q->fp = NULL;
	q->nentries = q->cap = q->nslots = 0;
	q->lines = 0;
	clear_over(q);
}

void
queue_free(struct queue *q)
{
	queue_clear(q);
	map_free(&q->over_hosts);
}

/* The key's hash from the host's own (hh = map_hash of the host, which
 * is also the host's hash in over_hosts). */
static uint64_t
key_hash_h(uint64_t hh, const char *msg, size_t msglen)
{
	return (hh ^ (hh >> 17)) * 0x9e3779b97f4a7c15ULL ^ map_hash(msg, msglen);
}

static uint64_t
key_hash(const char *host, size_t hostlen, const char *msg, size_t msglen)
{
	return key_hash_h(map_hash(host, hostlen), msg, msglen);
}

/* A slot's fingerprint: never 0, which marks an empty slot.  Bits 25-31
 * of the hash: apart from those that place the key in an index of up
 * to 2^25 slots, and within the half an entry keeps. */
#define FP(h)	((uint8_t)(0x80 | (((h) >> 25) & 0x7f)))

_Static_assert(QUEUE_EXAMPLE_MAX <= UINT16_MAX, "exlen is 16 bits");

/* The slot index of (host, msg): its entry's, or the empty slot's to
 * insert at (q->fp[i] == 0).  The fingerprints are probed first, so a
 * key that is not there mostly reads only them. */
static size_t
find(const struct queue *q, uint64_t h, const char *host, size_t hostlen,
    const char *msg, size_t msglen)
{
	size_t mask = q->nslots - 1, i = (size_t)h & mask;
	uint8_t f = FP(h);

	for (;;) {
		uint8_t x = q->fp[i];

		if (x == 0)
			return i;
		if (x == f) {
			const struct entry *e = q->slots[i];

			if (e->hash == (uint32_t)h && e->hostlen == hostlen &&
			    e->msglen == msglen &&
			    map_eq(queue_entry_host(e), host, hostlen) &&
			    memcmp(queue_entry_msg(e), msg, msglen) == 0)
				return i;
		}
		i = (i + 1) & mask;
	}
}

static void
set_slot(struct queue *q, size_t i, uint64_t h, struct entry *e)
{
	q->slots[i] = e;
	q->fp[i] = FP(h);
}

/* Files e in the index (it is not there yet). */
static void
put(struct queue *q, struct entry *e)
{
	uint64_t h = e->hash;
	size_t mask = q->nslots - 1, i;

	if (q->nslots > ((uint64_t)1 << 32))	/* the whole hash is needed */
		h = key_hash(queue_entry_host(e), e->hostlen,
		    queue_entry_msg(e), e->msglen);
	i = (size_t)h & mask;

	while (q->fp[i] != 0)
		i = (i + 1) & mask;
	set_slot(q, i, h, e);
}

/* A new index of nslots slots with every entry filed in it. */
static void
reindex(struct queue *q, size_t nslots)
{
	size_t i;

	free(q->slots);
	free(q->fp);
	q->nslots = nslots;
	q->slots = xcalloc(q->nslots, sizeof(*q->slots));
	q->fp = xcalloc(q->nslots, 1);
	for (i = 0; i < q->nentries; i++)
		put(q, q->entries[i]);
}

static void
grow(struct queue *q)
{
	reindex(q, q->nslots ? q->nslots * 2 : 64);
}

/* The size of index the entries would have grown: after some were
 * removed, the index shrinks back to it (and the array to at most two
 * pointers per entry), so that ENTRY_OVERHEAD still covers both. */
static size_t
fitted_slots(const struct queue *q)
{
	size_t nslots = 64;

	while ((q->nentries + 1) * 2 > nslots)
		nslots *= 2;
	return nslots;
}

static void
fit_array(struct queue *q)
{
	if (q->cap > 16 && q->cap > 2 * q->nentries) {
		q->cap = q->nentries > 16 ? q->nentries : 16;
		q->entries = xreallocarray(q->entries, q->cap,
		    sizeof(*q->entries));
	}
}

struct entry *
queue_find(struct queue *q, const char *host, size_t hostlen, const char *msg,
    size_t msglen)
{
	size_t i;

	if (q->nslots == 0)
		return NULL;
	i = find(q, key_hash(host, hostlen, msg, msglen), host, hostlen, msg,
	    msglen);
	return q->fp[i] != 0 ? q->slots[i] : NULL;
}

/* The example line often ends with the message itself (a rule without
 * groups): then only its start (stamp, host) is stored. */
static struct entry *
new_entry(uint64_t h, const char *host, size_t hostlen, const char *msg,
    size_t msglen, const char *raw, size_t rawlen)
{
	size_t exlen = rawlen < QUEUE_EXAMPLE_MAX ? rawlen : QUEUE_EXAMPLE_MAX;
	size_t head = exlen;
	struct entry *e;
	char *p;

	if (rawlen == exlen && rawlen >= msglen && msglen > 0 &&
	    memcmp(raw + rawlen - msglen, msg, msglen) == 0)
		head = rawlen - msglen;
	e = xmalloc(sizeof(*e) + hostlen + msglen + head + 3);
	p = (char *)(e + 1);
	memset(e, 0, sizeof(*e));
	e->hash = (uint32_t)h;
	memcpy(p, host, hostlen);
	p[hostlen] = '\0';
	p += hostlen + 1;
	if (msglen)
		memcpy(p, msg, msglen);
	p[msglen] = '\0';
	p += msglen + 1;
	if (head)
		memcpy(p, raw, head);
	p[head] = '\0';
	e->hostlen = (uint32_t)hostlen;
	e->msglen = (uint32_t)msglen;
	e->exlen = (uint16_t)exlen;
	e->exheadlen = (uint16_t)head;
	return e;
}

char *
queue_example(const struct entry *e, char *dst)
{
	const char *msg = queue_entry_msg(e);
	size_t tail = e->exlen - e->exheadlen;

	/* the head follows the message and its NUL */
	memcpy(dst, msg + e->msglen + 1, e->exheadlen);
	if (tail > 0)
		memcpy(dst + e->exheadlen, msg + e->msglen - tail, tail);
	dst[e->exlen] = '\0';
	return dst;
}

struct entry *
queue_add(struct queue *q, const char *host, size_t hostlen, const char *msg,
    size_t msglen, enum queue_op op, uint64_t n, time_t t, const char *raw,
    size_t rawlen)
{
	return queue_add_hashed(q, host, hostlen, map_hash(host, hostlen), msg,
	    msglen, op, n, t, raw, rawlen);
}

struct entry *
queue_add_hashed(struct queue *q, const char *host, size_t hostlen,
    uint64_t hh, const char *msg, size_t msglen, enum queue_op op, uint64_t n,
    time_t t, const char *raw, size_t rawlen)
{
	uint64_t h = key_hash_h(hh, msg, msglen);
	struct entry *e;
	size_t i;

	if (hostlen > UINT32_MAX || msglen > UINT32_MAX)
		return NULL;
	if (!q->examples)
		rawlen = 0;
	if (q->nslots == 0)
		grow(q);
	i = find(q, h, host, hostlen, msg, msglen);
	if (q->fp[i] == 0) {
		uint64_t need = sizeof(*e) + hostlen + msglen + 3 +
		    (rawlen < QUEUE_EXAMPLE_MAX ? rawlen : QUEUE_EXAMPLE_MAX) +
		    ENTRY_OVERHEAD;
		bool mem = over_memory(q, need);

		if (q->nentries >= q->max_entries || mem) {
			uint64_t *cnt, **hv;

			q->over_lines += n;
			q->lines += n;
			if (mem)
				q->over_mem = true;
			/* the host's hash is hh: one hash, found or added */
			cnt = map_get_hashed(&q->over_hosts, host, hostlen, hh);
			if (cnt != NULL) {
				*cnt += n;
				return NULL;
			}
			if (over_memory(q, HOST_COST(hostlen))) {
				/* not even the host fits: counted, not named */
				q->over_unhosted += n;
				q->over_mem = true;
				return NULL;
			}
			hv = (uint64_t **)map_put_hashed(&q->over_hosts, host,
			    hostlen, hh);
			*hv = xcalloc(1, sizeof(**hv));
			q->over_nhosts++;
			account(q, (int64_t)HOST_COST(hostlen));
			**hv += n;
			return NULL;
		}
		e = new_entry(h, host, hostlen, msg, msglen, raw, rawlen);
		account(q, (int64_t)entry_cost(e));
		e->first = e->last = t;
		if (q->nentries == q->cap) {
			q->cap = q->cap ? q->cap * 2 : 16;
			q->entries = xreallocarray(q->entries, q->cap,
			    sizeof(*q->entries));
		}
		q->entries[q->nentries++] = e;
		/* at most half full: a miss (a new key, or one refused by
		 * the cap) then costs about two probes */
		if ((q->nentries + 1) * 2 > q->nslots)
			grow(q);	/* files every entry, e included */
		else
			set_slot(q, i, h, e);
	} else
		e = q->slots[i];
	if (op == QUEUE_SET)
		e->count = n;
	else
		e->count += n;
	if (t < e->first)
		e->first = t;
	if (t > e->last)
		e->last = t;
	q->lines += n;
	return e;
}

void
queue_remove_if(struct queue *q, bool (*pred)(const struct entry *, void *),
    void *arg)
{
	size_t i, j = 0;

	for (i = 0; i < q->nentries; i++) {
		struct entry *e = q->entries[i];

		if (pred(e, arg)) {
			account(q, -(int64_t)entry_cost(e));
			free(e);
			continue;
		}
		q->entries[j++] = e;
	}
	if (j == q->nentries)
		return;
	q->nentries = j;
	/* a new index of the entries that are left */
	reindex(q, fitted_slots(q));
	fit_array(q);
}

uint64_t
queue_over_host(const struct queue *q, const char *host, size_t hostlen)
{
	const uint64_t *v = map_get(&q->over_hosts, host, hostlen);

	return v != NULL ? *v : 0;
}

void
queue_restore_over(struct queue *q, const char *host, size_t hostlen,
    uint64_t n)
{
	uint64_t **hv = (uint64_t **)map_put(&q->over_hosts, host, hostlen);

	if (*hv == NULL) {
		*hv = xcalloc(1, sizeof(**hv));
		q->over_nhosts++;
		account(q, (int64_t)HOST_COST(hostlen));
	}
	**hv += n;
	q->over_lines += n;
}

void
queue_rekey(struct queue *q,
    void (*fn)(const struct entry *en, struct buf *out, void *arg), void *arg)
{
	struct entry **old = q->entries, *en, *ne;
	size_t n = q->nentries, i;
	struct buf key;
	char *ex;

	if (n == 0)
		return;
	q->entries = xreallocarray(NULL, q->cap, sizeof(*q->entries));
	q->nentries = 0;
	clear_slots(q);
	buf_init(&key, SIZE_MAX / 4);
	for (i = 0; i < n; i++) {
		size_t si;
		const char *k;
		size_t klen;
		uint64_t h;

		en = old[i];
		buf_reset(&key);
		fn(en, &key, arg);
		k = key.len > 0 ? key.data : queue_entry_msg(en);
		klen = key.len > 0 ? key.len : en->msglen;
		h = key_hash(queue_entry_host(en), en->hostlen, k, klen);
		si = find(q, h, queue_entry_host(en), en->hostlen, k, klen);
		if (q->fp[si] != 0) {
			/* merges into the entry filed first */
			ne = q->slots[si];
			ne->count += en->count;
			if (en->first < ne->first)
				ne->first = en->first;
			if (en->last > ne->last)
				ne->last = en->last;
			account(q, -(int64_t)entry_cost(en));
			free(en);
			continue;
		}
		if (key.len > 0 && (klen != en->msglen ||
		    memcmp(k, queue_entry_msg(en), klen) != 0)) {
			ex = xmalloc((size_t)en->exlen + 1);
			queue_example(en, ex);
			ne = new_entry(h, queue_entry_host(en), en->hostlen,
			    k, klen, ex, en->exlen);
			free(ex);
			ne->count = en->count;
			ne->first = en->first;
			ne->last = en->last;
			ne->tag = en->tag;
			account(q, (int64_t)entry_cost(ne) - (int64_t)entry_cost(en));
			free(en);
			en = ne;
		}
		set_slot(q, si, h, en);
		q->entries[q->nentries++] = en;
	}
	if (fitted_slots(q) < q->nslots)	/* merged */
		reindex(q, fitted_slots(q));
	fit_array(q);
	buf_free(&key);
	free(old);
}
