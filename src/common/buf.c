/*
 * buf.c — growable byte buffer with a cap.
 */
#include "common/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "common/sys.h"

void
hd_buf_init(hd_buf *b, size_t cap)
{
	b->data = NULL;
	b->len = b->alloc = 0;
	b->cap = cap;
}

void
hd_buf_free(hd_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->alloc = 0;
}

hd_code
hd_buf_grow(hd_buf *b, size_t n)
{
	size_t need, na;
	char *nd;

	if (n > SIZE_MAX - b->len - 1)
		return HD_ERR_LIMIT;
	need = b->len + n + 1; /* +1: room for a NUL from hd_buf_cstr */
	if (need <= b->alloc)
		return HD_OK;
	if (b->cap && need > b->cap + 1)
		return HD_ERR_LIMIT;
	na = b->alloc ? b->alloc : 256;
	while (na < need)
		na = na > SIZE_MAX / 2 ? need : na * 2;
	if (b->cap && na > b->cap + 1)
		na = b->cap + 1;
	nd = hd_realloc(b->data, na);
	if (!nd)
		return HD_ERR_NOMEM;
	b->data = nd;
	b->alloc = na;
	return HD_OK;
}

hd_code
hd_buf_append(hd_buf *b, const void *p, size_t n)
{
	hd_code r = hd_buf_reserve(b, n);
	if (r)
		return r;
	if (n)
		hd_buf_put(b, p, n);
	return HD_OK;
}

hd_code
hd_buf_append_str(hd_buf *b, const char *s)
{
	return hd_buf_append(b, s, strlen(s));
}

hd_code
hd_buf_printf(hd_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	hd_code r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return HD_ERR_INTERNAL;
	if ((r = hd_buf_reserve(b, (size_t)n)) != HD_OK)
		return r;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return HD_OK;
}

hd_code
hd_buf_cstr(hd_buf *b)
{
	hd_code r = hd_buf_reserve(b, 0);
	if (r)
		return r;
	b->data[b->len] = '\0';
	return HD_OK;
}
