/*
 * xmem — allocation that aborts on out-of-memory, so call sites stay clean.
 */
#ifndef LOGWARD_XMEM_H
#define LOGWARD_XMEM_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);		/* returns owned memory */
void *xcalloc(size_t nmemb, size_t size);	/* returns owned, zeroed memory */
/* Owned zeroed memory at a multiple of align (a power of two, a multiple
 * of sizeof(void *)); free() frees it. */
void *xaligned(size_t align, size_t n);
/* memset(p, 0, n) in glibc's own routine: for a struct of a few hundred
 * bytes, gcc inlines a zeroing of known size as "rep stos", whose start-up
 * costs more than the whole of glibc's vector stores (a third of the
 * parse of a syslog line).  Called per line on the walk's records. */
void xzero(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t size); /* takes and returns ownership */
char *xstrdup(const char *s);		/* returns an owned copy */
char *xmemdup0(const void *p, size_t n);	/* owned copy of n bytes plus a NUL */
/* Returns an owned formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
