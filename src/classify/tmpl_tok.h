/*
 * tmpl_tok — the template miner's tokenizer: one message (bytes, no
 * locale, invalid UTF-8 is data) into a bounded sequence of tokens that
 * keeps every delimiter, with the lexical variables found and the runs
 * of variables collapsed.
 *
 * A token is a word, a delimiter (one byte of = : , ; ( ) [ ] { } < > |
 * and the quotes and end punctuation around words), a variable (a
 * number, an address, a path, a date... see enum tmpl_var) or an empty
 * value (the inside of "()" or the value of "key=" with nothing after
 * it).  Blanks are not tokens: each token says whether blanks came
 * before it.  Two messages whose tokens have the same kinds, delimiters
 * and blanks have the same shape (tmpl_tok_shape); the template miner
 * only compares messages of one shape.
 *
 * Bounds: at most TMPL_TOK_MAX tokens (what follows becomes one last
 * variable) and words of at most TMPL_TOK_WORD_MAX bytes (a longer word
 * is a variable), so a 1 MiB line costs one pass and a few hundred
 * bytes of template.
 */
#ifndef LOGWARD_TMPL_TOK_H
#define LOGWARD_TMPL_TOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TMPL_TOK_MAX		128	/* tokens per message */
#define TMPL_TOK_WORD_MAX	48	/* bytes of a word kept as a constant */

enum tmpl_kind {
	TMPL_WORD,		/* a run of non-delimiter bytes */
	TMPL_DELIM,		/* one delimiter byte */
	TMPL_VAR,		/* a variable (see var) */
	TMPL_EMPTY,		/* an empty value: "()", "key=" */
};

/* What a lexical variable looked like (the first of a collapsed run). */
enum tmpl_var {
	TMPL_V_NONE,
	TMPL_V_NUM,		/* 42, -3, 1.5, 2.6.5 */
	TMPL_V_HEX,		/* 0x1f, deadbeef00 (8 or more hex digits), a3f9 */
	TMPL_V_IPV4,		/* 10.0.0.1, 10.0.0.1:22 */
	TMPL_V_IPV6,		/* fe80::1, [::1]:22 */
	TMPL_V_MAC,		/* 00:11:43:e3:ba:c3 */
	TMPL_V_UUID,		/* 131fe7ed-87f7-471d-8797-c11107688df7 */
	TMPL_V_EMAIL,		/* user@example.org */
	TMPL_V_PATH,		/* /var/log/messages */
	TMPL_V_URL,		/* https://example.org/x */
	TMPL_V_HOST,		/* mail.example.org (a known top-level domain) */
	TMPL_V_QUOTED,		/* the inside of "..." or '...' */
	TMPL_V_KV,		/* the value of key=value */
	TMPL_V_SIZE,		/* 3ms, 12KB, 1.5s, 256K */
	TMPL_V_DATE,		/* 09:14:03, 2026-03-02, Jun 18, Sat Jun 18 ... */
	TMPL_V_ID,		/* a word with digits in it (not ssh2, eth0) */
	TMPL_V_LONG,		/* a word longer than TMPL_TOK_WORD_MAX */
	TMPL_V_TAIL,		/* what follows token TMPL_TOK_MAX - 1 */
	TMPL_V_COUNT
};

struct tmpl_tok {
	uint32_t	 off;		/* where the token's text starts in the message */
	uint32_t	 len;		/* its length (a collapsed run: the whole run) */
	uint8_t		 kind;		/* enum tmpl_kind */
	uint8_t		 var;		/* enum tmpl_var, TMPL_V_NONE unless a variable */
	uint8_t		 gap;		/* blanks came before it */
	uint8_t		 num;		/* a word with a digit in it (eth0, ssh2) */
	uint64_t	 hash;		/* identity: kind, gap and (word, delimiter) text */
};

struct tmpl_line {
	struct tmpl_tok	 tok[TMPL_TOK_MAX];
	size_t		 ntok;
	uint64_t	 shape;		/* hash of the shape (tmpl_tok_shape) */
	uint64_t	 sig;		/* hash of every token's identity */
};

/* Splits s[0..n) into l (which need not be initialised); the tokens point
 * into s by offset.  Never reads past n. */
void	tmpl_tok_split(const char *s, size_t n, struct tmpl_line *l);

/* Computes every token's identity hash and l's shape and signature from
 * the tokens' kinds, blanks and texts (s + off); tmpl_tok_split calls it,
 * and so does anyone who rebuilds a token list. */
void	tmpl_tok_hashes(struct tmpl_line *l, const char *s);

/* true when t is a slot: a position whose value may vary (a word, a
 * variable or an empty value); delimiters are not slots. */
static inline bool
tmpl_tok_is_slot(const struct tmpl_tok *t)
{
	return t->kind != TMPL_DELIM;
}

/* The name of a variable class ("num", "ipv4", ...), for tests and
 * explain. */
const char *tmpl_tok_var_name(enum tmpl_var v);

/* 64-bit FNV-1a of s[0..n), mixed with seed. */
uint64_t tmpl_tok_hash(const void *s, size_t n, uint64_t seed);

#endif
