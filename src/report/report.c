/*
 * report — text renderers and mail headers.
 */
#include "report/report.h"

#include <netdb.h>
#include <stdint.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/automask.h"
#include "conf/conf_tmpl.h"
#include "lib/str.h"
#include "lib/xmem.h"

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/* Has w no byte below 0x20 and no 0x7f?  (A tab answers no: the bytes
 * of such a word are looked at one by one.) */
static bool
word_plain(uint64_t w)
{
	uint64_t x = w ^ (0x7f * ONES);

	return ((((w - 0x20 * ONES) & ~w) | ((x - ONES) & ~x)) & HIGHS) == 0;
}

void
report_escape(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[4] = { '\\', 'x', 0, 0 };
	size_t i = 0, from = 0, end;
	uint64_t w;

	while (i < n) {
		/* eight plain bytes at a time; else the next eight one by one */
		if (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if (word_plain(w)) {
				i += 8;
				continue;
			}
			end = i + 8;
		} else
			end = n;
		for (; i < end; i++) {
			unsigned char ch = (unsigned char)s[i];

			if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
				if (i > from)
					buf_add(out, s + from, i - from);
				esc[2] = hex[ch >> 4];
				esc[3] = hex[ch & 0xf];
				buf_add(out, esc, 4);
				from = i + 1;
			}
		}
	}
	if (n > from)
		buf_add(out, s + from, n - from);
}

/* buf_printf(out, "%s%llu%s", pre, n, post) in one append, without
 * stdio (pre and post are short literals). */
static void
add_count(struct buf *out, const char *pre, uint64_t n, const char *post)
{
	char tmp[96], d[20];
	size_t plen = strlen(pre), qlen = strlen(post), nd = 0, i;

	if (plen + qlen + sizeof(d) > sizeof(tmp)) {
		buf_printf(out, "%s%llu%s", pre, (unsigned long long)n, post);
		return;
	}
	do {
		d[nd++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	memcpy(tmp, pre, plen);
	for (i = 0; i < nd; i++)
		tmp[plen + i] = d[nd - 1 - i];
	memcpy(tmp + plen + nd, post, qlen);
	buf_add(out, tmp, plen + nd + qlen);
}

/* tenshi's "set resolve on": "HOST (NAME): " when the host (an address,
 * or a name that resolves to one) has a reverse DNS name.  Only the
 * resolver's answer is written, escaped like any other text. */
static void
resolve_host(struct buf *out, const char *host, size_t hostlen)
{
	struct addrinfo hints, *res = NULL;
	char name[NI_MAXHOST], *h;

	if (hostlen == 0 || memchr(host, '\0', hostlen) != NULL)
		return;
	h = xmemdup0(host, hostlen);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(h, NULL, &hints, &res) == 0 && res != NULL &&
	    getnameinfo(res->ai_addr, res->ai_addrlen, name, sizeof(name), NULL,
	    0, NI_NAMEREQD) == 0) {
		buf_add(out, " (", 2);
		report_escape(out, name, strlen(name));
		buf_addc(out, ')');
	}
	if (res != NULL)
		freeaddrinfo(res);
	free(h);
}

/*
 * The report's order is host (bytes), count (as "set sort" says; a CSV
 * report always ascending), message (bytes).  The entries are put in
 * buckets by host (the few hosts are sorted once), and each bucket is
 * sorted by a key of integers: the count turned into an ascending number
 * and the first eight bytes of the message; only keys that tie compare
 * the messages themselves.  (host, message) is unique in a queue, so the
 * order is total and any sort gives the same result.  The keys exist for
 * one bucket at a time: besides the result, the memory the sort takes
 * is four bytes per entry and the keys of the largest host.
 */
struct skey {
	uint64_t	 count;		/* count, or its complement to sort descending */
	uint64_t	 msg8;		/* msg's first 8 bytes, big-endian, 0-padded */
	struct entry	*e;
};

struct shost {
	const struct entry *e;		/* the first entry of the host */
	uint32_t	 idx;		/* the host's number in order of appearance */
};

static int
cmp_host(const void *pa, const void *pb)
{
	const struct shost *a = pa, *b = pb;

	return str_bytecmp(queue_entry_host(a->e), a->e->hostlen,
	    queue_entry_host(b->e), b->e->hostlen);
}

static bool
key_less(const struct skey *a, const struct skey *b)
{
	if (a->count != b->count)
		return a->count < b->count;
	if (a->msg8 != b->msg8)
		return a->msg8 < b->msg8;
	return str_bytecmp(queue_entry_msg(a->e), a->e->msglen,
	    queue_entry_msg(b->e), b->e->msglen) < 0;
}

/* Merge sort of k[0..n); tmp has room for n / 2 keys. */
static void
sort_keys(struct skey *k, struct skey *tmp, size_t n)
{
	size_t h = n / 2, i, j, o;
	struct skey x;

	if (n <= 12) {
		for (i = 1; i < n; i++) {
			x = k[i];
			for (j = i; j > 0 && key_less(&x, &k[j - 1]); j--)
				k[j] = k[j - 1];
			k[j] = x;
		}
		return;
	}
	sort_keys(k, tmp, h);
	sort_keys(k + h, tmp, n - h);
	if (!key_less(&k[h], &k[h - 1]))
		return;
	memcpy(tmp, k, h * sizeof(*k));
	for (i = 0, j = h, o = 0; i < h && j < n; o++)
		k[o] = key_less(&k[j], &tmp[i]) ? k[j++] : tmp[i++];
	while (i < h)
		k[o++] = tmp[i++];
}

static uint64_t
prefix8(const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		v = v << 8 | (i < n ? (unsigned char)s[i] : 0);
	return v;
}

struct thr_arg {
	const struct queue_def *qd;
	struct engine	*e;		/* counts what is dropped */
};

static bool
below_threshold(const struct entry *en, void *arg)
{
	const struct queue_def *qd = arg;
	size_t i;

	for (i = 0; i < qd->nthr; i++) {
		if (en->count < qd->thr[i].count &&
		    match_exec(&qd->thr[i].re, queue_entry_msg(en), en->msglen,
		    NULL) == MATCH_YES)
			return true;
	}
	return false;
}

/* below_threshold, counting the lines of the entries it drops */
static bool
below_threshold_counted(const struct entry *en, void *arg)
{
	struct thr_arg *a = arg;

	if (!below_threshold(en, (void *)a->qd))
		return false;
	a->e->stats.limited += en->count;
	return true;
}

void
report_thresholds(struct engine *e, size_t qi)
{
	const struct queue_def *qd = &e->conf->queues[qi];
	struct thr_arg a = { qd, e };

	/* automask: every entry under its template's text of now */
	if (e->tmpl != NULL && conf_tmpl_automask(e->conf, qi))
		automask_fold(e->tmpl, e->conf, &e->queues[qi]);
	if (qd->nthr > 0)
		queue_remove_if(&e->queues[qi], below_threshold_counted, &a);
}

static struct entry **
sorted_entries(struct queue *q, const struct conf *c, bool csv)
{
	size_t n = q->nentries, nhosts = 0, most = 0, i, r;
	struct entry **v = xreallocarray(NULL, n ? n : 1, sizeof(*v));
	uint32_t *hidx = xreallocarray(NULL, n ? n : 1, sizeof(*hidx));
	bool desc = !csv && !c->sort_ascending;
	struct shost *hosts;
	struct skey *k, *tmp;
	uint32_t *rank;
	size_t *start;
	struct map seen;

	/* number the hosts in order of appearance */
	map_init(&seen);
	for (i = 0; i < n; i++) {
		const struct entry *en = q->entries[i];
		void **hv = map_put(&seen, queue_entry_host(en), en->hostlen);

		if (*hv == NULL)
			*hv = (void *)(uintptr_t)++nhosts;
		hidx[i] = (uint32_t)((uintptr_t)*hv - 1);
	}
	map_free(&seen);
	/* rank them */
	hosts = xreallocarray(NULL, nhosts ? nhosts : 1, sizeof(*hosts));
	rank = xreallocarray(NULL, nhosts ? nhosts : 1, sizeof(*rank));
	start = xcalloc(nhosts + 1, sizeof(*start));
	for (i = n; i-- > 0;) {		/* the first entry of each host stays */
		hosts[hidx[i]].e = q->entries[i];
		hosts[hidx[i]].idx = hidx[i];
	}
	qsort(hosts, nhosts, sizeof(*hosts), cmp_host);
	for (r = 0; r < nhosts; r++)
		rank[hosts[r].idx] = (uint32_t)r;
	free(hosts);
	/* one bucket per host, in rank order; start[r] is where r's begins */
	for (i = 0; i < n; i++)
		start[rank[hidx[i]] + 1]++;
	for (r = 0; r < nhosts; r++) {
		if (start[r + 1] > most)
			most = start[r + 1];
		start[r + 1] += start[r];
	}
	for (i = 0; i < n; i++)
		v[start[rank[hidx[i]]]++] = q->entries[i];
	free(rank);
	free(hidx);
	/* the placing moved each start[r] to the end of bucket r: each
	 * bucket is sorted through its keys */
	k = xreallocarray(NULL, most ? most : 1, sizeof(*k));
	tmp = xreallocarray(NULL, most / 2 + 1, sizeof(*tmp));
	for (r = 0; r < nhosts; r++) {
		size_t from = r > 0 ? start[r - 1] : 0, m = start[r] - from;

		for (i = 0; i < m; i++) {
			struct entry *en = v[from + i];

			k[i].count = desc ? UINT64_MAX - en->count : en->count;
			k[i].msg8 = prefix8(queue_entry_msg(en), en->msglen);
			k[i].e = en;
		}
		sort_keys(k, tmp, m);
		for (i = 0; i < m; i++)
			v[from + i] = k[i].e;
	}
	free(start);
	free(tmp);
	free(k);
	return v;
}

/* Why lines were not itemised. */
static const char *
over_why(const struct queue *q)
{
	static char why[128];

	if (q->over_mem && q->nentries < q->max_entries)
		snprintf(why, sizeof(why), "logward reached set max_memory");
	else if (q->over_mem)
		snprintf(why, sizeof(why), "the queue reached max_entries (%zu) "
		    "and logward set max_memory", q->max_entries);
	else
		snprintf(why, sizeof(why), "the queue reached max_entries (%zu)",
		    q->max_entries);
	return why;
}

static void
host_trailer(struct buf *out, struct queue *q, const struct entry *h,
    unsigned limit, uint64_t cut_entries, uint64_t cut_lines)
{
	uint64_t over = queue_over_host(q, queue_entry_host(h), h->hostlen);

	if (cut_entries > 0)
		buf_printf(out, "\n  *** Too many alerts (limit: %u): %llu more "
		    "entr%s, %llu line%s not shown ***\n", limit,
		    (unsigned long long)cut_entries, cut_entries == 1 ? "y" : "ies",
		    (unsigned long long)cut_lines, cut_lines == 1 ? "" : "s");
	if (over > 0)
		buf_printf(out, "\n  *** %llu more line%s not itemised: %s ***\n",
		    (unsigned long long)over, over == 1 ? "" : "s", over_why(q));
}

/* Hosts that only have lines over the cap still get a block.  seen
 * holds the hosts that had entries. */
static void
over_only_hosts(struct buf *out, struct queue *q, bool pager,
    const struct map *seen)
{
	const struct map_slot *s;
	size_t i = 0;

	while (map_next(&q->over_hosts, &i, &s)) {
		if (map_get(seen, s->key, s->klen) != NULL)
			continue;
		if (pager) {
			report_escape(out, s->key, s->klen);
			buf_printf(out, ",%llu,[lines not itemised: max_entries "
			    "reached]\n", (unsigned long long)*(uint64_t *)s->val);
		} else {
			buf_addc(out, '\n');
			report_escape(out, s->key, s->klen);
			buf_printf(out, ": \n\n  *** %llu more lines not itemised: "
			    "%s ***\n", (unsigned long long)*(uint64_t *)s->val,
			    over_why(q));
		}
	}
	if (q->over_unhosted > 0) {
		if (pager)
			buf_printf(out, "[other hosts],%llu,[lines not itemised: "
			    "max_memory reached]\n",
			    (unsigned long long)q->over_unhosted);
		else
			buf_printf(out, "\n[other hosts]: \n\n  *** %llu more "
			    "lines from hosts not named: logward reached set "
			    "max_memory ***\n",
			    (unsigned long long)q->over_unhosted);
	}
}

static void
queue_trailer(struct buf *out, struct engine *e, size_t qi)
{
	uint64_t n = e->queue_errlines[qi];

	if (n > 0)
		buf_printf(out, "\n  *** %llu line%s in this report hit a PCRE2 "
		    "limit on some rule and were filed by a later rule; run "
		    "'logward explain' on them ***\n", (unsigned long long)n,
		    n == 1 ? "" : "s");
}

#define STREAM_CHUNK	(64 * 1024)

/* A CSV report's line: host,"message",count (RFC 4180: a quote inside
 * is doubled). */
static void
csv_line(struct buf *out, const struct entry *en)
{
	const char *msg = queue_entry_msg(en);
	size_t k, from = 0;

	report_escape(out, queue_entry_host(en), en->hostlen);
	buf_add(out, ",\"", 2);
	for (k = 0; k < en->msglen; k++) {
		if (msg[k] == '"') {
			report_escape(out, msg + from, k + 1 - from);
			buf_addc(out, '"');
			from = k + 1;
		}
	}
	report_escape(out, msg + from, en->msglen - from);
	add_count(out, "\",", en->count, "\n");
}

bool
report_pending(const struct engine *e, size_t qi)
{
	const struct queue *q = &e->queues[qi];

	return q->nentries > 0 || q->over_lines > 0;
}

size_t
report_body(struct buf *out, struct engine *e, size_t qi, const char *status)
{
	return report_body_stream(out, e, qi, status, NULL, NULL);
}

size_t
report_body_stream(struct buf *out, struct engine *e, size_t qi,
    const char *status, void (*flush)(struct buf *, void *), void *arg)
{
	const struct conf *c = e->conf;
	const struct queue_def *qd = &c->queues[qi];
	struct queue *q = &e->queues[qi];
	struct entry **v;
	size_t i, shown = 0;
	unsigned limit = qd->pager ? c->pager_limit : c->limit;
	uint64_t pager_cut_entries = 0, pager_cut_lines = 0;
	struct map seen;

	if (q->nentries == 0 && q->over_lines == 0)
		return 0;
	map_init(&seen);
	e->stats.limited += q->over_lines;	/* counted, not itemised */
	v = sorted_entries(q, c, qd->csv);
	if (status != NULL && !qd->pager && !qd->csv)
		buf_printf(out, "*** Status: %s ***\n", status);

	for (i = 0; i < q->nentries;) {
		const struct entry *h = v[i];
		const char *host = queue_entry_host(h);
		size_t j, n = 0;
		uint64_t cut_entries = 0, cut_lines = 0;

		if (!qd->pager && !qd->csv) {
			buf_addc(out, '\n');
			report_escape(out, host, h->hostlen);
			if (c->resolve)
				resolve_host(out, host, h->hostlen);
			buf_add(out, ": \n", 3);
		}
		for (j = i; j < q->nentries && v[j]->hostlen == h->hostlen &&
		    memcmp(queue_entry_host(v[j]), host, h->hostlen) == 0; j++) {
			const struct entry *en = v[j];

			if (qd->csv) {
				csv_line(out, en);
				continue;
			}
			if (limit > 0 && n >= limit) {
				cut_entries++;
				cut_lines += en->count;
				e->stats.limited += en->count;
				continue;
			}
			if (qd->pager) {
				report_escape(out, host, h->hostlen);
				add_count(out, ",", en->count, ",");
			} else
				add_count(out, e->new_since != 0 &&
				    automask_new(e->tmpl, en, e->new_since) ?
				    "    NEW " : "    ", en->count, ": ");
			report_escape(out, queue_entry_msg(en), en->msglen);
			buf_addc(out, '\n');
			n++;
			if (flush != NULL && out->len >= STREAM_CHUNK)
				flush(out, arg);
		}
		if (qd->pager) {
			pager_cut_entries += cut_entries;
			pager_cut_lines += cut_lines;
		} else if (!qd->csv)
			host_trailer(out, q, h, limit, cut_entries, cut_lines);
		engine_reset_counters(e, qi, host, h->hostlen);
		if (q->over_nhosts > 0)
			*map_put(&seen, host, h->hostlen) = (void *)h;
		shown += j - i;
		i = j;
	}
	if (qd->pager && pager_cut_entries > 0)
		buf_printf(out, "+%llu more entr%s, %llu line%s\n",
		    (unsigned long long)pager_cut_entries,
		    pager_cut_entries == 1 ? "y" : "ies",
		    (unsigned long long)pager_cut_lines,
		    pager_cut_lines == 1 ? "" : "s");
	over_only_hosts(out, q, qd->pager || qd->csv, &seen);
	map_free(&seen);
	if (!qd->pager && !qd->csv)
		queue_trailer(out, e, qi);
	if (flush != NULL && out->len > 0)
		flush(out, arg);
	free(v);
	return shown + (size_t)q->over_nhosts + (q->over_unhosted > 0);
}

void
report_date(char *dst, size_t size, time_t t)
{
	struct tm tm;
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *mons[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	long off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(dst, size, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday], tm.tm_mday, mons[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	    labs(off) / 60, labs(off) % 60);
}

/* tenshi's X-tenshi-report-start layout: "Sat Nov 21 12:00:00 +0000 2026" */
static void
start_date(char *dst, size_t size, time_t t)
{
	char tmp[64];
	struct tm tm;

	report_date(tmp, sizeof(tmp), t);
	localtime_r(&t, &tm);
	/* tmp = "Sat, 21 Nov 2026 12:00:00 +0000" */
	snprintf(dst, size, "%.3s %.3s %.2s %.8s %.5s %04d", tmp, tmp + 8,
	    tmp + 5, tmp + 17, tmp + 26, tm.tm_year + 1900);
}

void
report_sanitize_host(char *dst, size_t size, const char *src)
{
	size_t j = 0;

	if (size == 0)
		return;
	for (; *src != '\0' && j + 1 < size; src++) {
		char ch = *src;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_')
			dst[j++] = ch;
	}
	dst[j] = '\0';
	if (j == 0)
		str_lcpy(dst, "unknown", size);
}

void
report_headers(struct buf *out, const struct conf *c, size_t qi,
    const struct mail_meta *m)
{
	const struct queue_def *qd = &c->queues[qi];
	char date[64];

	if (qd->from[0] != '\0')
		buf_printf(out, "From: %s\n", qd->from);
	if (qd->to[0] != '\0')
		buf_printf(out, "To: %s\n", qd->to);
	report_date(date, sizeof(date), m->now);
	buf_printf(out, "Date: %s\n", date);
	buf_printf(out, "X-logward-version: %s\n", LOGWARD_VERSION);
	buf_printf(out, "X-logward-hostname: %s\n", m->hostname);
	buf_printf(out, "X-logward-queue: %s\n", qd->name);
	if (!qd->now) {
		start_date(date, sizeof(date), m->start);
		buf_printf(out, "X-logward-report-start: %s\n", date);
	}
	if (qd->csv) {
		size_t k;

		buf_printf(out, "X-logward-program:");
		for (k = 0; qd->program[k] != NULL; k++)
			buf_printf(out, " %s", qd->program[k]);
		buf_addc(out, '\n');
	}
	buf_printf(out, "Subject: %s [%s]\n\n",
	    qd->subject != NULL ? qd->subject : c->subject, qd->name);
}
