/*
 * str — string helpers: bounded copy, strict number parsing, trimming,
 * tokenising config lines.
 */
#ifndef LOGWARD_STR_H
#define LOGWARD_STR_H

#include <stdbool.h>
#include <stddef.h>

/* Copies at most size-1 bytes and NUL-terminates; returns strlen(src)
 * so truncation is detected with ">= size". */
size_t	str_lcpy(char *dst, const char *src, size_t size);

/* Parses a whole decimal string into [min, max].  Returns 0, or -1 with
 * *errstr set to "invalid", "too small" or "too large" (strtonum style). */
int	str_tonum(const char *s, long long min, long long max, long long *out,
	    const char **errstr);

/* Blank = space or tab (config syntax).  Space = any of " \t\n\v\f\r". */
static inline bool str_isblank(int c) { return c == ' ' || c == '\t'; }
static inline bool str_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Returns a pointer to the first non-space byte of s (borrows). */
char	*str_skipspace(const char *s);
/* Removes trailing space bytes in place; returns the new length. */
size_t	str_rtrim(char *s);
/* Splits the next whitespace-separated token off *p: returns it (NUL
 * written after it, in place) and advances *p past following blanks;
 * NULL when nothing is left. */
char	*str_token(char **p);
/* Compares two byte strings in byte order, a shorter prefix first (the
 * C locale order of sort(1) and strcmp, for any bytes). */
int	str_bytecmp(const char *a, size_t al, const char *b, size_t bl);

/* true when s starts with prefix */
bool	str_startswith(const char *s, const char *prefix);

#endif
