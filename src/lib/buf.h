/*
 * buf — growable byte buffer with a hard maximum (curl dynbuf style).
 *
 * A buffer always holds a terminating NUL after its content.  An append
 * that would pass the maximum fails with -1, frees the content and leaves
 * the buffer empty, so the caller never cleans twice.
 */
#ifndef LOGWARD_BUF_H
#define LOGWARD_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;		/* content + NUL, owned; NULL while empty */
	size_t	 len;		/* bytes of content */
	size_t	 cap;		/* bytes allocated */
	size_t	 max;		/* hard limit on len */
};

void	buf_init(struct buf *b, size_t max);
void	buf_free(struct buf *b);
void	buf_reset(struct buf *b);		/* empties, keeps the memory */
int	buf_add(struct buf *b, const void *p, size_t n);
int	buf_addstr(struct buf *b, const char *s);
int	buf_addc(struct buf *b, char c);
int	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
const char *buf_str(const struct buf *b);	/* borrows; "" when empty */
char	*buf_steal(struct buf *b);		/* returns owned content, buffer emptied */

#endif
