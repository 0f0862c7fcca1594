/*
 * fuzz_common.h — shared by the libFuzzer targets in tests/fuzz/ (header-only: static functions).
 *
 *   FUZZ_CHECK(cond)   the invariant oracle: prints the failed condition and abort()s, so libFuzzer saves the input.
 *   fz_dup()           the input copied into an exactly-sized heap block (plus an optional NUL), so ASan reports any
 *                      read past the length the code was given.
 *   fz_chunks_new()    a stream over a block that returns 1 byte per read, or random sizes, or everything at once:
 *                      a streaming reader must give the same result whatever its read()s returned.
 *   fz_out             a growable byte string for dumps that are compared across runs.
 */
#ifndef HD_TESTS_FUZZ_COMMON_H
#define HD_TESTS_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/stream.h"

#define FUZZ_CHECK(cond)                                                                                            \
	do {                                                                                                        \
		if (!(cond)) {                                                                                      \
			fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);         \
			abort();                                                                                    \
		}                                                                                                   \
	} while (0)

/* An exactly-sized copy; with nul a NUL is appended (len + 1 bytes). Never NULL (aborts when out of memory). */
__attribute__((unused)) static char *
fz_dup(const uint8_t *data, size_t len, bool nul)
{
	char *p = malloc(len + (nul ? 1 : 0) + (len == 0 && !nul ? 1 : 0));
	FUZZ_CHECK(p != NULL);
	if (len)
		memcpy(p, data, len);
	if (nul)
		p[len] = '\0';
	return p;
}

__attribute__((unused)) static uint64_t
fz_rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* --- a stream that returns what mode says per read ------------------------------------------------------------- */

enum { FZ_WHOLE = 0, FZ_ONE = 1, FZ_RANDOM = 2 };

typedef struct fz_chunks {
	hd_stream base;
	const char *data;
	size_t len, pos;
	int mode;
	uint64_t rng;
} fz_chunks;

__attribute__((unused)) static ssize_t
fz_chunks_read(hd_stream *s, void *buf, size_t n, hd_err *err)
{
	fz_chunks *c = (fz_chunks *)s;
	size_t k = n, left = c->len - c->pos;
	(void)err;
	if (c->mode == FZ_ONE)
		k = 1;
	else if (c->mode == FZ_RANDOM)
		k = 1 + fz_rnd(&c->rng) % 97;
	if (k > n)
		k = n;
	if (k > left)
		k = left;
	if (k)
		memcpy(buf, c->data + c->pos, k);
	c->pos += k;
	return (ssize_t)k;
}

__attribute__((unused)) static void
fz_chunks_close(hd_stream *s)
{
	free(s);
}

static const hd_stream_ops fz_chunks_ops = { "fuzz-chunks", fz_chunks_read, fz_chunks_close };

__attribute__((unused)) static hd_stream *
fz_chunks_new(const char *data, size_t len, int mode, uint64_t seed)
{
	fz_chunks *c = calloc(1, sizeof *c);
	FUZZ_CHECK(c != NULL);
	c->base.ops = &fz_chunks_ops;
	c->base.name = "fuzz-input";
	c->data = data;
	c->len = len;
	c->mode = mode;
	c->rng = seed | 1;
	return &c->base;
}

/* --- growable output ------------------------------------------------------------------------------------------- */

typedef struct fz_out {
	char *s;
	size_t len, cap;
} fz_out;

__attribute__((unused)) static void
fz_put(fz_out *o, const void *p, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		o->s = realloc(o->s, o->cap);
		FUZZ_CHECK(o->s != NULL);
	}
	if (n)
		memcpy(o->s + o->len, p, n);
	o->len += n;
	o->s[o->len] = '\0';
}

static void fz_printf(fz_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
__attribute__((unused)) static void
fz_printf(fz_out *o, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	FUZZ_CHECK(n >= 0);
	fz_put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

__attribute__((unused)) static bool
fz_same(const fz_out *a, const fz_out *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->s, b->s, a->len) == 0);
}

/* Is p[0, n) within [lo, lo + len]? (n == 0 at either end counts as inside.) */
__attribute__((unused)) static bool
fz_within(const char *p, size_t n, const char *lo, size_t len)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)lo;
	return a >= b && a - b <= len && n <= len - (a - b);
}

/* Is s[0, n) a subsequence of t[0, m)? (Rewritten fields — escapes, doubled quotes — only drop bytes.) */
__attribute__((unused)) static bool
fz_subseq(const char *s, size_t n, const char *t, size_t m)
{
	size_t i = 0;
	for (size_t j = 0; i < n && j < m; j++)
		if (s[i] == t[j])
			i++;
	return i == n;
}

/* Read every byte of p[0, n) (ASan reports a field pointing at freed or out-of-bounds memory). */
__attribute__((unused)) static unsigned
fz_touch(const char *p, size_t n)
{
	unsigned h = 0;
	for (size_t i = 0; i < n; i++)
		h = h * 31 + (unsigned char)p[i];
	return h;
}

__attribute__((unused)) static bool
fz_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	while (p < e) {
		unsigned c = *p++;
		int k;
		uint32_t cp;
		if (c < 0x80)
			continue;
		if (c >= 0xC2 && c <= 0xDF)
			k = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3, cp = c & 0x07;
		else
			return false;
		if (e - p < k)
			return false;
		for (int i = 0; i < k; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3F);
		}
		p += k;
		if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
	}
	return true;
}

#endif
