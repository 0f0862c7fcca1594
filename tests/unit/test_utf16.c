/*
 * test_utf16.c — the UTF-16 → UTF-8 stream (codec/utf16.c, hd_codec_transcode).
 *
 * The expected UTF-8 is built here by a separate, plain encoder from lists of code points; the UTF-16 input by a
 * plain UTF-16 encoder. Every conversion is run with the SIMD, the word and the per-unit paths, through sources that
 * return everything, 1 byte, random-sized pieces, or exactly k bytes then the rest (k = every split position), and
 * into caller buffers of 1, 2, 3 and 7 bytes as well as big ones: all must give the same bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/codec.h"
#include "common/limits.h"

void hd_utf16_force_scalar(int mode); /* utf16.c's test hook: 0 auto (SIMD), 1 words, 2 per unit */

/* --- growable byte buffer ----------------------------------------------------------------------------------------- */

typedef struct bytes {
	unsigned char *p;
	size_t len, cap;
} bytes;

static void
put(bytes *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 16;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
put_u8(bytes *b, uint32_t c)
{
	unsigned char o[4];
	size_t n;
	if (c < 0x80) {
		o[0] = (unsigned char)c;
		n = 1;
	} else if (c < 0x800) {
		o[0] = (unsigned char)(0xC0 | (c >> 6));
		o[1] = (unsigned char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (c >> 12));
		o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		o[0] = (unsigned char)(0xF0 | (c >> 18));
		o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
		o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		o[3] = (unsigned char)(0x80 | (c & 0x3F));
		n = 4;
	}
	put(b, o, n);
}

static void
put_unit(bytes *b, unsigned u, bool big)
{
	unsigned char o[2];
	o[big ? 0 : 1] = (unsigned char)(u >> 8);
	o[big ? 1 : 0] = (unsigned char)u;
	put(b, o, 2);
}

static void
put_u16(bytes *b, uint32_t c, bool big)
{
	if (c >= 0x10000) {
		c -= 0x10000;
		put_unit(b, 0xD800 + (c >> 10), big);
		put_unit(b, 0xDC00 + (c & 0x3FF), big);
	} else {
		put_unit(b, c, big);
	}
}

/* --- sources ------------------------------------------------------------------------------------------------------ */

typedef struct src {
	hd_stream base;
	const unsigned char *data;
	size_t len, pos;
	int mode;      /* 0 all asked, 1 one byte, 2 random 1..5000, 3 first read = split bytes, then all */
	size_t split;
	uint64_t rng;
	int fail_at;   /* >= 0: the read after this many bytes fails */
} src;

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static ssize_t
src_read(hd_stream *s, void *buf, size_t n, hd_err *err)
{
	src *c = (src *)(void *)s;
	size_t k = n, left = c->len - c->pos;
	if (c->fail_at >= 0 && c->pos >= (size_t)c->fail_at) {
		hd_err_set(err, HD_ERR_IO, "%s: read error: Input/output error", s->name);
		return -1;
	}
	if (c->mode == 1)
		k = 1;
	else if (c->mode == 2)
		k = 1 + rnd(&c->rng) % 5000;
	else if (c->mode == 3 && c->pos == 0)
		k = c->split; /* >= 1: a 0-byte read would mean the end */
	if (c->fail_at >= 0 && k > (size_t)c->fail_at - c->pos)
		k = (size_t)c->fail_at - c->pos;
	if (k > n)
		k = n;
	if (k > left)
		k = left;
	memcpy(buf, c->data + c->pos, k);
	c->pos += k;
	return (ssize_t)k;
}

static int closed;

static void
src_close(hd_stream *s)
{
	closed++;
	free(s);
}

static const hd_stream_ops src_ops = { "src", src_read, src_close };

static hd_stream *
src_new(const bytes *b, int mode, size_t split)
{
	src *c = calloc(1, sizeof *c);
	if (!c)
		abort();
	c->base.ops = &src_ops;
	c->base.name = "in.txt";
	c->data = b->p;
	c->len = b->len;
	c->mode = mode;
	c->split = split;
	c->rng = 77 + split;
	c->fail_at = -1;
	return &c->base;
}

/* Transcode everything, reading chunk bytes per call. Returns HD_OK and the output, or the error (err) after
 * whatever output came before it. */
static hd_code
transcode(hd_encoding enc, hd_stream *in, size_t chunk, bytes *out, hd_err *err)
{
	hd_stream *s;
	unsigned char *buf = malloc(chunk);
	hd_code r;
	if (!buf)
		abort();
	memset(out, 0, sizeof *out);
	put(out, "", 0);
	r = hd_codec_transcode(enc, in, &s, err);
	if (r) {
		free(buf);
		return r;
	}
	for (;;) {
		ssize_t n = hd_stream_read(s, buf, chunk, err);
		if (n < 0) {
			r = err->code;
			/* sticky */
			assert_int_equal(hd_stream_read(s, buf, chunk, err), -1);
			break;
		}
		if (n == 0) {
			assert_int_equal(hd_stream_read(s, buf, chunk, err), 0);
			break;
		}
		assert_true((size_t)n <= chunk);
		put(out, buf, (size_t)n);
	}
	hd_stream_close(s);
	free(buf);
	return r;
}

/* Every path, source mode and caller chunk must give want (or, with want_err, that error after that output). */
static void
check(hd_encoding enc, const bytes *in, const bytes *want, const char *want_err, bool every_split)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 4096, HD_READ_CHUNK };
	for (int path = 0; path < 3; path++) {
		hd_utf16_force_scalar(path);
		for (int mode = 0; mode <= 3; mode++) {
			size_t nsplit = mode == 3 ? (every_split ? in->len : 3) : 0;
			for (size_t sp = mode == 3; sp <= nsplit; sp++) {
				for (size_t ci = 0; ci < sizeof chunks / sizeof chunks[0]; ci++) {
					bytes out;
					hd_err err;
					hd_code r;
					if (mode == 1 && chunks[ci] < 7 && in->len > 100000)
						continue; /* slow and adds nothing */
					memset(&err, 0, sizeof err);
					r = transcode(enc, src_new(in, mode, sp), chunks[ci], &out, &err);
					if (want_err) {
						assert_int_equal(r, HD_ERR_IO);
						if (!strstr(err.msg, want_err))
							fail_msg("path %d mode %d chunk %zu: error \"%s\", want \"%s\"", path,
							    mode, chunks[ci], err.msg, want_err);
						assert_non_null(strstr(err.msg, "in.txt"));
						assert_non_null(strstr(err.msg, "1221"));
					} else if (r != HD_OK) {
						fail_msg("path %d mode %d chunk %zu: %s", path, mode, chunks[ci], err.msg);
					}
					if (out.len != want->len || (want->len && memcmp(out.p, want->p, want->len) != 0))
						fail_msg("path %d mode %d split %zu chunk %zu: %zu bytes, want %zu", path, mode,
						    sp, chunks[ci], out.len, want->len);
					free(out.p);
				}
			}
		}
	}
	hd_utf16_force_scalar(0);
}

/* --- cases -------------------------------------------------------------------------------------------------------- */

static void
test_all_code_points(void **state)
{
	(void)state;
	for (int big = 0; big < 2; big++) {
		bytes in = { 0 }, want = { 0 };
		/* every scalar value (no surrogates), with ASCII runs in between so the fast paths start and stop at
		 * every alignment */
		for (uint32_t c = 0, k = 0; c <= 0x10FFFF; c++) {
			if (c >= 0xD800 && c <= 0xDFFF)
				continue;
			put_u16(&in, c, big);
			put_u8(&want, c);
			if (c % 4099 == 0)
				for (uint32_t j = 0; j < 40 + (k++ % 37); j++) {
					put_u16(&in, 'a' + j % 26, big);
					put_u8(&want, 'a' + j % 26);
				}
		}
		check(big ? HD_ENC_UTF16BE : HD_ENC_UTF16LE, &in, &want, NULL, false);
		free(in.p);
		free(want.p);
	}
}

static void
test_surrogate_splits(void **state)
{
	static const uint32_t cps[] = { 'a', 0x1F600, 0x10000, 'b', 0x10FFFF, 0xE9, 0xFFFF, 0x1D11E, '\n' };
	(void)state;
	for (int big = 0; big < 2; big++) {
		bytes in = { 0 }, want = { 0 };
		for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
			put_u16(&in, cps[i], big);
			put_u8(&want, cps[i]);
		}
		/* first source read = k bytes for every k: cuts every unit and every surrogate pair; 1-byte reads */
		check(big ? HD_ENC_UTF16BE : HD_ENC_UTF16LE, &in, &want, NULL, true);
		free(in.p);
		free(want.p);
	}
}

static void
test_bom(void **state)
{
	bytes in = { 0 }, want = { 0 }, none = { 0 };
	(void)state;
	put(&want, "h\xc3\xa9\xef\xbb\xbf", 6); /* a U+FEFF after the start is data */
	put(&none, "", 0);

	/* UTF16: FE FF = big-endian, FF FE = little-endian, the BOM is not data */
	put(&in, "\xfe\xff\x00h\x00\xe9\xfe\xff", 8);
	check(HD_ENC_UTF16, &in, &want, NULL, true);
	in.len = 0;
	put(&in, "\xff\xfeh\x00\xe9\x00\xff\xfe", 8);
	check(HD_ENC_UTF16, &in, &want, NULL, true);
	/* UTF16 without a BOM: an error (Redshift: UTF16 data must have a BOM) */
	in.len = 0;
	put(&in, "\x00h\x00\xe9", 4);
	check(HD_ENC_UTF16, &in, &none, "at byte 0 (Redshift error 1221, file encoding differs from ENCODING UTF16): no "
	    "byte-order mark", true);
	/* an empty input is empty, whatever the encoding; one lone byte is odd */
	in.len = 0;
	check(HD_ENC_UTF16, &in, &none, NULL, true);
	check(HD_ENC_UTF16LE, &in, &none, NULL, true);
	put(&in, "\xfe", 1);
	check(HD_ENC_UTF16, &in, &none, "at byte 0 (Redshift error 1221, file encoding differs from ENCODING UTF16): "
	    "odd number of bytes", true);

	/* UTF16LE / UTF16BE: a BOM in the declared order is skipped; none is fine; the contrary one is an error */
	in.len = 0;
	put(&in, "\xff\xfeh\x00\xe9\x00\xff\xfe", 8);
	check(HD_ENC_UTF16LE, &in, &want, NULL, true);
	check(HD_ENC_UTF16BE, &in, &none, "says the input is little-endian", true);
	in.len = 0;
	put(&in, "h\x00\xe9\x00\xff\xfe", 6);
	check(HD_ENC_UTF16LE, &in, &want, NULL, true);
	in.len = 0;
	put(&in, "\xfe\xff\x00h\x00\xe9\xfe\xff", 8);
	check(HD_ENC_UTF16BE, &in, &want, NULL, true);
	check(HD_ENC_UTF16LE, &in, &none, "says the input is big-endian", true);
	in.len = 0;
	put(&in, "\x00h\x00\xe9\xfe\xff", 6);
	check(HD_ENC_UTF16BE, &in, &want, NULL, true);
	free(in.p);
	free(want.p);
	free(none.p);
}

static void
test_errors(void **state)
{
	bytes in = { 0 }, want = { 0 };
	(void)state;
	put(&want, "ab", 2);

	/* an unpaired low surrogate: output before it is returned, then the error with its byte offset */
	put(&in, "a\x00" "b\x00" "\x00\xdc" "c\x00", 8);
	check(HD_ENC_UTF16LE, &in, &want, "in.txt: invalid UTF-16 at byte 4 (Redshift error 1221, file encoding differs "
	    "from ENCODING UTF16LE): unpaired low surrogate", true);
	/* a high surrogate followed by something else */
	in.len = 0;
	put(&in, "\x00" "a\x00" "b\xd8\x3d\x00" "c", 8);
	check(HD_ENC_UTF16BE, &in, &want, "at byte 4 (Redshift error 1221, file encoding differs from ENCODING "
	    "UTF16BE): high surrogate not followed by a low surrogate", true);
	/* a high surrogate at the end; then one followed by an odd byte */
	in.len = 0;
	put(&in, "a\x00" "b\x00" "\x3d\xd8", 6);
	check(HD_ENC_UTF16LE, &in, &want, "at byte 4 (Redshift error 1221, file encoding differs from ENCODING "
	    "UTF16LE): high surrogate at the end of the input", true);
	put(&in, "\x00", 1);
	check(HD_ENC_UTF16LE, &in, &want, "at byte 4 (Redshift error 1221, file encoding differs from ENCODING "
	    "UTF16LE): high surrogate followed by an odd final byte", true);
	/* an odd final byte (with the BOM counted in the offset) */
	in.len = 0;
	put(&in, "\xff\xfe" "a\x00" "b\x00" "c", 7);
	check(HD_ENC_UTF16, &in, &want, "at byte 6 (Redshift error 1221, file encoding differs from ENCODING UTF16): "
	    "odd number of bytes: 1 byte left at the end", true);
	/* offsets past the first input block */
	{
		bytes big = { 0 }, bwant = { 0 };
		char msg[200];
		for (size_t i = 0; i < HD_READ_CHUNK; i++) {
			put_u16(&big, i % 3 ? 'x' : 0x4E2D, false);
			put_u8(&bwant, i % 3 ? 'x' : 0x4E2D);
		}
		put(&big, "\x00\xdc", 2);
		snprintf(msg, sizeof msg, "at byte %zu (Redshift", (size_t)2 * HD_READ_CHUNK);
		check(HD_ENC_UTF16LE, &big, &bwant, msg, false);
		free(big.p);
		free(bwant.p);
	}
	free(in.p);
	free(want.p);
}

static void
test_passthrough_and_source_errors(void **state)
{
	bytes in = { 0 }, out;
	hd_stream *s = NULL, *raw;
	hd_err err;
	src *c;
	(void)state;
	put(&in, "a\x00" "b\x00" "c\x00" "d\x00", 8);

	/* UTF8 is no stream at all */
	raw = src_new(&in, 0, 0);
	assert_int_equal(hd_codec_transcode(HD_ENC_UTF8, raw, &s, &err), HD_OK);
	assert_ptr_equal(s, raw);
	hd_stream_close(s);

	/* the source's error comes through as it is, after the output before it; sticky */
	raw = src_new(&in, 0, 0);
	c = (src *)(void *)raw;
	c->fail_at = 5;
	memset(&err, 0, sizeof err);
	assert_int_equal(transcode(HD_ENC_UTF16LE, raw, 64, &out, &err), HD_ERR_IO);
	assert_string_equal(err.msg, "in.txt: read error: Input/output error");
	assert_int_equal(out.len, 2);
	assert_memory_equal(out.p, "ab", 2);
	free(out.p);

	/* an unknown encoding closes the input */
	closed = 0;
	raw = src_new(&in, 0, 0);
	assert_int_equal(hd_codec_transcode((hd_encoding)99, raw, &s, &err), HD_ERR_UNSUPPORTED);
	assert_null(s);
	assert_int_equal(closed, 1);
	free(in.p);
}

/* HD_NO_SIMD=1 picks the word loop (checked by output equality in every other test; here: it still works) */
static void
test_no_simd_env(void **state)
{
	bytes in = { 0 }, out;
	hd_err err;
	(void)state;
	for (int i = 0; i < 100; i++)
		put(&in, "z\x00", 2);
	setenv("HD_NO_SIMD", "1", 1);
	hd_utf16_force_scalar(0);
	assert_int_equal(transcode(HD_ENC_UTF16LE, src_new(&in, 0, 0), 4096, &out, &err), HD_OK);
	assert_int_equal(out.len, 100);
	unsetenv("HD_NO_SIMD");
	hd_utf16_force_scalar(0);
	free(out.p);
	free(in.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_code_points),
		cmocka_unit_test(test_surrogate_splits),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_passthrough_and_source_errors),
		cmocka_unit_test(test_no_simd_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
