/*
 * tmpl_class — what the template miner's tokenizer knows about bytes and
 * words: byte classes (blanks, delimiters, the brackets and punctuation
 * taken off a chunk's ends), the profile of a span (which kinds of bytes
 * it holds, in one pass), and the lexical variable classes (numbers,
 * addresses, paths, dates... enum tmpl_var) of a whole span.
 */
#ifndef LOGWARD_TMPL_CLASS_H
#define LOGWARD_TMPL_CLASS_H

#include <stdbool.h>
#include <stddef.h>

#include "classify/tmpl_tok.h"

/* byte classes (tmpl_class_byte) */
enum {
	C_BLANK = 1, C_DIGIT = 2, C_ALPHA = 4, C_HEX = 8, C_DELIM = 16,
	C_OPENER = 32, C_CLOSER = 64,
};

/* profile bits (tmpl_class_bit, tmpl_class_profile); other bytes have
 * none */
enum {
	P_DIGIT = 1, P_ALPHA = 2, P_DOT = 4, P_COLON = 8, P_SLASH = 16,
	P_AT = 32, P_DASH = 64, P_OPEN = 128, P_EQCOMMA = 256, P_UNDER = 512,
	P_CLOSE = 1024,		/* other bytes have no bit */
};

/* The class bits of every byte. */
extern const unsigned char tmpl_class_byte[256];
/* The profile bit of every byte. */
extern const unsigned short tmpl_class_bit[256];

static inline bool
tmpl_class_blank(unsigned char c)
{
	return tmpl_class_byte[c] & C_BLANK;
}

static inline bool
tmpl_class_digit(unsigned char c)
{
	return tmpl_class_byte[c] & C_DIGIT;
}

/* splits a core into pieces: = : , ; ( ) [ ] { } < > | " */
static inline bool
tmpl_class_delim(unsigned char c)
{
	return tmpl_class_byte[c] & C_DELIM;
}

/* taken off the start of a chunk: ( [ { < */
static inline bool
tmpl_class_opener(unsigned char c)
{
	return tmpl_class_byte[c] & C_OPENER;
}

/* taken off the end of a chunk: ) ] } > , ; : . ! ? " ' */
static inline bool
tmpl_class_closer(unsigned char c)
{
	return tmpl_class_byte[c] & C_CLOSER;
}

/* The profile of p[0..n): the OR of its bytes' bits. */
unsigned tmpl_class_profile(const char *p, size_t n);

/* The variable class of the whole span p[0..n) with profile bits (an
 * address, a number, a path, a date...), or TMPL_V_NONE. */
enum tmpl_var tmpl_class_whole(const char *p, size_t n, unsigned bits);

/* The class of a piece of a split chunk: tmpl_class_whole's, else a
 * long word, a word with digits (TMPL_V_ID; not ssh2, IPv4, md5), or
 * TMPL_V_NONE for a word. */
enum tmpl_var tmpl_class_piece(const char *p, size_t n, unsigned bits);

/* A name with a number in brackets and no ':', '=', ',' or quotes
 * (LOCAL(0), cloudd[326], lapic_id[0x00]): one variable. */
bool	tmpl_class_named_number(const char *p, size_t n, unsigned bits);

#endif
