/*
 * buf.h — a byte buffer that grows up to a named cap (OpenSSH sshbuf / curl dynbuf).
 *
 * Owned by whoever holds the struct. Appends may reallocate: pointers into data are valid until the next append.
 * Growth past cap fails with HD_ERR_LIMIT; no append ever writes past cap.
 */
#ifndef HD_COMMON_BUF_H
#define HD_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/err.h"

typedef struct hd_buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap; /* 0 = unlimited */
} hd_buf;

void hd_buf_init(hd_buf *b, size_t cap);
void hd_buf_free(hd_buf *b);
static inline void hd_buf_reset(hd_buf *b) { b->len = 0; }

/* Make room for n more bytes (and a NUL). The common case — room already there — is inline: encoders call this per
 * value. */
hd_code hd_buf_grow(hd_buf *b, size_t n);
static inline hd_code hd_buf_reserve(hd_buf *b, size_t n)
{
	if (n < b->alloc && b->len < b->alloc - n) /* len + n + 1 <= alloc, without overflow */
		return HD_OK;
	return hd_buf_grow(b, n);
}
hd_code hd_buf_append(hd_buf *b, const void *p, size_t n);
hd_code hd_buf_append_str(hd_buf *b, const char *s);
hd_code hd_buf_printf(hd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminate without counting the NUL in len. */
hd_code hd_buf_cstr(hd_buf *b);

/* Unchecked appends after hd_buf_reserve(). */
static inline void hd_buf_put(hd_buf *b, const void *p, size_t n) { memcpy(b->data + b->len, p, n); b->len += n; }
static inline void hd_buf_put_be16(hd_buf *b, uint16_t v)
{
	unsigned char *d = (unsigned char *)b->data + b->len;
	d[0] = (unsigned char)(v >> 8); d[1] = (unsigned char)v;
	b->len += 2;
}
static inline void hd_buf_put_be32(hd_buf *b, uint32_t v)
{
	unsigned char *d = (unsigned char *)b->data + b->len;
	d[0] = (unsigned char)(v >> 24); d[1] = (unsigned char)(v >> 16);
	d[2] = (unsigned char)(v >> 8); d[3] = (unsigned char)v;
	b->len += 4;
}
static inline void hd_buf_put_be64(hd_buf *b, uint64_t v)
{
	hd_buf_put_be32(b, (uint32_t)(v >> 32));
	hd_buf_put_be32(b, (uint32_t)v);
}

#endif
