/*
 * tmpl_int — the template store's internals, shared by the files of the
 * miner: tmpl.c (matching, learning, rendering) and tmpl_store.c (saving
 * and restoring).  Nobody else includes it.
 */
#ifndef LOGWARD_TMPL_INT_H
#define LOGWARD_TMPL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/tmpl.h"
#include "classify/tmpl_cache.h"
#include "classify/tmpl_tok.h"
#include "lib/u64map.h"

#define TMPL_MAGIC	0x31544d4cU	/* "LMT1" */
#define TMPL_VERSION	1

/* Longest message the exact cache keeps.  An entry holds two hashes,
 * not the text, so a long message costs only its hashing (about 5
 * instructions a byte, against 12 to 50 for the tokenizer): long
 * messages that differ only in their numbers (a 970-byte CEF line with
 * another address) are the costliest to split again. */
#define TMPL_EXACT_MAX	(1024 * 1024)

#define CL_LEARNED	0x1	/* first seen in the learning period */
#define CL_NEAR		0x2	/* one word away from an older template */

struct ctok {
	uint64_t	 hash;		/* as struct tmpl_tok */
	uint32_t	 off;		/* text in the template's pool */
	uint32_t	 len;
	uint8_t		 kind;
	uint8_t		 gap;
	uint8_t		 num;		/* a word with a digit */
	uint8_t		 learned;	/* a word that became a variable */
};

struct group;

struct tmpl_cluster {
	uint64_t	 id;
	uint64_t	 part;
	struct group	*g;
	struct tmpl_cluster *prev, *next; /* recency list, most recent first */
	int64_t		 first, last;
	uint64_t	 count;
	uint32_t	 flags;
	uint32_t	 ntok;
	uint64_t	 bytes;		/* what it costs (estimate) */
	char		*render;	/* owned: cached text, or NULL */
	size_t		 renderlen;
	char		*pool;		/* constants' text, inside this allocation */
	struct ctok	 tok[];
};

struct group {
	uint64_t	 shape;
	uint32_t	 epoch;
	size_t		 n, cap;
	struct tmpl_cluster **v;	/* owned array, ascending ids */
};

struct tmpl {
	uint64_t	 seed[2];	/* the exact cache's hash seeds (random) */
	char		 apart[64];	/* another thread's walk reads the seeds
					   (tmpl_prep_hash) while this one
					   writes what follows, line by line:
					   not on their cache line */
	struct tmpl_opts o;
	struct u64map	 groups;	/* shape → struct group * (owned) */
	struct u64map	 ids;		/* id → struct tmpl_cluster * (owned) */
	struct tmpl_cache sigs;		/* signature → template (tmpl_cache.h) */
	struct tmpl_cache exact;	/* exact message → template */
	struct tmpl_cluster *head, *tail; /* recency list */
	size_t		 n;		/* templates */
	uint64_t	 next_id;
	uint64_t	 created, retired, lines;
	uint64_t	 bytes;
	int64_t		 born;
	struct u64map	 aliases;	/* joined id → uint64_t * (owned): its template */
	uint64_t	*alias_ring;	/* owned: alias ids, oldest first (the cap) */
	size_t		 alias_head, alias_n, alias_cap;
	uint64_t	 joined;	/* templates that joined another */
	char		*mask;		/* owned: the mask render caches use */
	size_t		 masklen;
	struct tmpl_line line;		/* scratch */
};

/* Empties t; it is then born at 'born' with ids from 1. */
void	tmpl_reset(struct tmpl *t, int64_t born);

/* A template of ntok tokens with room for textlen bytes of constants;
 * returns an owned template (its bytes are set). */
struct tmpl_cluster *tmpl_cluster_new(size_t ntok, size_t textlen);

/* Adds restored template c (takes ownership) to t under shape, as the
 * most recently seen one; returns false (c freed) when t has its id. */
bool	tmpl_insert(struct tmpl *t, struct tmpl_cluster *c, uint64_t shape);

/* Records that template id 'from' joined template 'to' (the oldest
 * aliases are forgotten past the cap). */
void	tmpl_alias(struct tmpl *t, uint64_t from, uint64_t to);

/* Drops c's cached text (it changed). */
void	tmpl_drop_render(struct tmpl *t, struct tmpl_cluster *c);

/* Bytes of the indexes and caches (the templates are in t->bytes). */
uint64_t tmpl_table_bytes(const struct tmpl *t);

/* The group key of a shape in partition part. */
uint64_t tmpl_mixpart(uint64_t shape, uint64_t part);

#endif
