/*
 * queue — aggregation store.  The key of an entry is the host length (4
 * bytes), the host and the masked message, so hosts and messages may hold
 * any byte.  Lookups build the key in a scratch buffer: no allocation per
 * line once an entry exists.
 */
#include "queue.h"

#include <stdlib.h>
#include <string.h>

#include "xmem.h"

void
queue_init(struct queue *q, size_t max_entries)
{
	memset(q, 0, sizeof(*q));
	map_init(&q->index);
	map_init(&q->over_hosts);
	buf_init(&q->key, SIZE_MAX / 2);
	q->max_entries = max_entries;
}

static void
free_entry(struct entry *e)
{
	free(e->host);
	free(e->msg);
	free(e->example);
	free(e);
}

static void
clear_over(struct queue *q)
{
	const struct map_slot *s;
	size_t i = 0;

	while (map_next(&q->over_hosts, &i, &s))
		free(s->val);
	map_clear(&q->over_hosts);
	q->over_nhosts = q->over_lines = 0;
}

void
queue_clear(struct queue *q)
{
	size_t i;

	for (i = 0; i < q->nentries; i++)
		free_entry(q->entries[i]);
	q->nentries = 0;
	q->lines = 0;
	map_clear(&q->index);
	clear_over(q);
}

void
queue_free(struct queue *q)
{
	queue_clear(q);
	free(q->entries);
	map_free(&q->index);
	map_free(&q->over_hosts);
	buf_free(&q->key);
}

static int
make_key(struct queue *q, const char *host, size_t hostlen, const char *msg,
    size_t msglen)
{
	uint32_t hl = (uint32_t)hostlen;

	buf_reset(&q->key);
	if (buf_add(&q->key, &hl, sizeof(hl)) == -1 ||
	    buf_add(&q->key, host, hostlen) == -1 ||
	    buf_add(&q->key, msg, msglen) == -1)
		return -1;
	return 0;
}

struct entry *
queue_find(struct queue *q, const char *host, size_t hostlen, const char *msg,
    size_t msglen)
{
	if (make_key(q, host, hostlen, msg, msglen) == -1)
		return NULL;
	return map_get(&q->index, q->key.data, q->key.len);
}

struct entry *
queue_add(struct queue *q, const char *host, size_t hostlen, const char *msg,
    size_t msglen, enum queue_op op, uint64_t n, time_t t, const char *raw,
    size_t rawlen)
{
	struct entry *e;
	void **slot;

	if (make_key(q, host, hostlen, msg, msglen) == -1)
		return NULL;
	e = map_get(&q->index, q->key.data, q->key.len);
	if (e == NULL) {
		if (q->nentries >= q->max_entries) {
			uint64_t **hv = (uint64_t **)map_put(&q->over_hosts,
			    host, hostlen);

			if (*hv == NULL) {
				*hv = xcalloc(1, sizeof(**hv));
				q->over_nhosts++;
			}
			**hv += n;
			q->over_lines += n;
			q->lines += n;
			return NULL;
		}
		slot = map_put(&q->index, q->key.data, q->key.len);
		e = xcalloc(1, sizeof(*e));
		e->host = xmemdup0(host, hostlen);
		e->hostlen = hostlen;
		e->msg = xmemdup0(msg, msglen);
		e->msglen = msglen;
		e->first = e->last = t;
		e->exlen = rawlen < QUEUE_EXAMPLE_MAX ? rawlen : QUEUE_EXAMPLE_MAX;
		e->example = xmemdup0(raw, e->exlen);
		*slot = e;
		if (q->nentries == q->cap) {
			q->cap = q->cap ? q->cap * 2 : 16;
			q->entries = xreallocarray(q->entries, q->cap,
			    sizeof(*q->entries));
		}
		q->entries[q->nentries++] = e;
	}
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
			/* the index must forget the key too: rebuild below */
			free_entry(e);
			continue;
		}
		q->entries[j++] = e;
	}
	if (j == q->nentries)
		return;
	q->nentries = j;
	map_clear(&q->index);
	for (i = 0; i < q->nentries; i++) {
		struct entry *e = q->entries[i];

		if (make_key(q, e->host, e->hostlen, e->msg, e->msglen) == 0)
			*map_put(&q->index, q->key.data, q->key.len) = e;
	}
}

uint64_t
queue_over_host(const struct queue *q, const char *host, size_t hostlen)
{
	const uint64_t *v = map_get(&q->over_hosts, host, hostlen);

	return v != NULL ? *v : 0;
}
