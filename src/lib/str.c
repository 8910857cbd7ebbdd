/*
 * str — small string helpers.
 */
#include "lib/str.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

size_t
str_lcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int
str_tonum(const char *s, long long min, long long max, long long *out,
    const char **errstr)
{
	char *end;
	long long v;
	const char *p;

	*errstr = "invalid";
	if (s == NULL || *s == '\0')
		return -1;
	for (p = s; *p; p++) {
		if (!((*p >= '0' && *p <= '9') || (p == s && *p == '-')))
			return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0')
		return -1;
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*errstr = "too small";
		return -1;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		*errstr = "too large";
		return -1;
	}
	*errstr = NULL;
	*out = v;
	return 0;
}

char *
str_skipspace(const char *s)
{
	while (str_isspace((unsigned char)*s))
		s++;
	return (char *)s;
}

size_t
str_rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && str_isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return n;
}

char *
str_token(char **p)
{
	char *s = str_skipspace(*p), *e;

	if (*s == '\0') {
		*p = s;
		return NULL;
	}
	for (e = s; *e && !str_isspace((unsigned char)*e); e++)
		;
	if (*e) {
		*e++ = '\0';
		e = str_skipspace(e);
	}
	*p = e;
	return s;
}

bool
str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int
str_bytecmp(const char *a, size_t al, const char *b, size_t bl)
{
	int r = memcmp(a, b, al < bl ? al : bl);

	if (r != 0)
		return r;
	return al < bl ? -1 : al > bl ? 1 : 0;
}
