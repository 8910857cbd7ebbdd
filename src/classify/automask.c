/*
 * automask — the lines no rule masked, folded into templates (see
 * automask.h).
 */
#include "classify/automask.h"

#include <string.h>

#include "conf/conf_tmpl.h"
#include "input/record.h"
#include "lib/xmem.h"

#define TAG_PLEN_BITS	16	/* the key's prefix length in the tag's low bits */

void
automask_opts(const struct conf *c, struct tmpl_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_templates = c->tmpl != NULL ? c->tmpl->max_templates :
	    CONF_TMPL_MAX_TEMPLATES;
	o->learn = c->tmpl != NULL ? c->tmpl->learn : 0;
	o->max_bytes = automask_memory(c);
}

uint64_t
automask_memory(const struct conf *c)
{
	if (c->max_memory == 0 || !conf_tmpl_mining(c))
		return 0;
	/* an eighth of the whole process: 64 MB of the default 512 MB */
	return c->max_memory / 8;
}

/* The length of the program name text starts with: proglen, or when
 * that is -1 the one record_parse_tag finds. */
static size_t
prog_len(const char *text, size_t len, long proglen)
{
	struct record rec;

	if (proglen >= 0)
		return (size_t)proglen;
	memset(&rec, 0, sizeof(rec));
	rec.msg = text;
	rec.msglen = len;
	record_parse_tag(&rec);
	return rec.prog != NULL ? rec.proglen : 0;
}

/* Lines of logward's own events are not mined. */
static bool
ours(const char *text, size_t plen)
{
	return plen == 7 && memcmp(text, "logward", 7) == 0;
}

void
automask_prep(const struct tmpl *t, struct tmpl_line *line,
    _Atomic uint64_t *seen, const char *text, size_t len, long proglen,
    struct tmpl_prep *p)
{
	size_t plen = prog_len(text, len, proglen), start, i;
	_Atomic uint64_t *set;

	memset(p, 0, sizeof(*p));
	if (t == NULL || ours(text, plen))
		return;
	start = plen > 0 ? tmpl_content_start(text, len, plen) : 0;
	text += start;
	len -= start;
	tmpl_prep_hash(t, 0, text, len, p);
	if (seen == NULL)
		return;
	if (p->hashed) {
		/* the set of the key, the newest first */
		set = seen + p->key % (AUTOMASK_SEEN / AUTOMASK_WAYS) *
		    AUTOMASK_WAYS;
		for (i = 0; i < AUTOMASK_WAYS; i++)
			if (atomic_load_explicit(&set[i],
			    memory_order_relaxed) == p->key)
				return;
		for (i = AUTOMASK_WAYS - 1; i > 0; i--)
			atomic_store_explicit(&set[i], atomic_load_explicit(
			    &set[i - 1], memory_order_relaxed),
			    memory_order_relaxed);
		atomic_store_explicit(&set[0], p->key, memory_order_relaxed);
	}
	tmpl_prep_split(text, len, line, p);
}

void
automask_key(struct tmpl *t, const struct conf *c, const char *text,
    size_t len, long proglen, bool cut, bool learn, const struct tmpl_prep *p,
    time_t now, struct buf *out, struct automask_key *k)
{
	size_t start, plen, mark = out->len;

	memset(k, 0, sizeof(*k));
	if (t == NULL)
		return;
	plen = prog_len(text, len, proglen);
	start = plen > 0 ? tmpl_content_start(text, len, plen) : 0;
	if (ours(text, plen))
		return;		/* our own events stay as they are */
	if (learn)
		tmpl_add_prep(t, 0, text + start, len - start, p, now, &k->r);
	else if (!tmpl_match(t, 0, text + start, len - start, &k->r))
		return;
	if (start > 0) {
		buf_add(out, text, plen);
		if (text[plen] == '[') {
			buf_addc(out, '[');
			buf_add(out, c->mask, c->masklen);
			buf_addc(out, ']');
		}
		buf_add(out, ": ", 2);
	}
	k->plen = out->len - mark;
	if (k->plen >= (1U << TAG_PLEN_BITS)) {
		/* a program name of 64 KiB: no key of ours */
		out->len = mark;
		memset(k, 0, sizeof(*k));
		return;
	}
	tmpl_view_render(t, &k->r, c->mask, c->masklen, out);
	if (cut)
		buf_addstr(out, AUTOMASK_CUT_MARK);
	k->mined = true;
}

uint64_t
automask_tag(const struct automask_key *k)
{
	if (!k->mined || k->r.id == 0)
		return 0;
	return k->r.id << TAG_PLEN_BITS | (uint64_t)k->plen;
}

struct fold {
	struct tmpl	*t;
	const struct conf *c;
	bool		 changed;	/* some key differs from its template now */
};

/* queue_rekey's function: the entry's key with its template's text of
 * now. */
static void
rekey(const struct entry *en, struct buf *out, void *arg)
{
	struct fold *f = arg;
	uint64_t id = en->tag >> TAG_PLEN_BITS;
	size_t plen = (size_t)(en->tag & ((1U << TAG_PLEN_BITS) - 1));
	size_t cutlen = strlen(AUTOMASK_CUT_MARK);
	const char *msg = queue_entry_msg(en);
	bool cut;

	if (en->tag == 0 || plen > en->msglen)
		return;
	cut = en->msglen >= plen + cutlen &&
	    memcmp(msg + en->msglen - cutlen, AUTOMASK_CUT_MARK, cutlen) == 0;
	buf_add(out, msg, plen);
	if (tmpl_view_render_id(f->t, id, f->c->mask, f->c->masklen, out) == -1) {
		buf_reset(out);		/* retired: keep the key */
		return;
	}
	if (cut)
		buf_addstr(out, AUTOMASK_CUT_MARK);
	if (out->len != en->msglen || memcmp(out->data, msg, out->len) != 0)
		f->changed = true;
}

void
automask_fold(struct tmpl *t, const struct conf *c, struct queue *q)
{
	struct fold f = { t, c, false };

	if (t == NULL || q->nentries == 0)
		return;
	queue_rekey(q, rekey, &f);
}

bool
automask_new(const struct tmpl *t, const struct entry *en, time_t since)
{
	struct tmpl_info info;

	if (t == NULL || en->tag == 0 ||
	    !tmpl_view_info(t, en->tag >> TAG_PLEN_BITS, &info))
		return false;
	return !info.learned && !info.near && info.first >= (int64_t)since;
}
