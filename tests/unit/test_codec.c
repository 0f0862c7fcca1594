/*
 * test_codec.c — the codec streams (src/codec/): gzip, bzip2, lzop, zstd.
 *
 * Inputs are made here with each library's own compressor (zlib deflate with a gzip wrapper, BZ2_bzBuffToBuffCompress,
 * ZSTD_compress, and an lzop container written below around lzo1x_1/999 blocks with zlib's adler32/crc32 — an
 * implementation independent of the decoder's), plus one file made by the real lzop CLI
 * (data/lzop_fixture.txt.lzo, from `awk 'BEGIN{for(i=1;i<=12000;i++) printf "%05d|lzop fixture|%d\n", i, i%97}' |
 * lzop`; the test regenerates the same text). Every decode goes through hd_codec_wrap() over hd_stream_mem().
 *
 * The rule under test for damaged input: a read either fails with HD_ERR_IO (or LIMIT/UNSUPPORTED) and a message
 * naming the stream, or the whole output is exactly the original — never a clean end with other bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <bzlib.h>
#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include "codec/codec.h"

#define NAME "/data/x.z"

/* ---- a growable byte buffer for building inputs ---- */

typedef struct tbuf {
	unsigned char *p;
	size_t len, cap;
} tbuf;

static void
tb_put(tbuf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void
tb_be(tbuf *b, uint32_t v, int bytes)
{
	unsigned char x[4];
	for (int i = 0; i < bytes; i++)
		x[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
	tb_put(b, x, (size_t)bytes);
}

/* ---- test data ---- */

static uint64_t rng_state = 88172645463325252ull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Lineitem-like text, then (if mixed) every other 64 KiB replaced by random bytes. */
static unsigned char *
make_data(size_t n, int mixed)
{
	static const char *words[] = { "furiously", "regular", "accounts", "sleep", "quickly", "final", "deposits" };
	unsigned char *d = malloc(n ? n : 1);
	size_t pos = 0;

	assert_non_null(d);
	while (pos < n) {
		char line[160];
		int k = snprintf(line, sizeof line, "%llu|%llu|%u.00|1995-0%u-1%u|%s %s|\n",
				 (unsigned long long)(rng() % 6000000), (unsigned long long)(rng() % 200000),
				 (unsigned)(rng() % 50), (unsigned)(rng() % 9 + 1), (unsigned)(rng() % 10),
				 words[rng() % 7], words[rng() % 7]);
		size_t take = (size_t)k < n - pos ? (size_t)k : n - pos;
		memcpy(d + pos, line, take);
		pos += take;
	}
	if (mixed)
		for (size_t off = 0; off < n; off += 128 << 10)
			for (size_t i = off; i < off + (64 << 10) && i < n; i++)
				d[i] = (unsigned char)rng();
	return d;
}

/* ---- compressors ---- */

static void
gz_append(tbuf *b, const unsigned char *d, size_t n, int level)
{
	z_stream z;
	unsigned char out[1 << 16];
	int r;

	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)d;
	z.avail_in = (uInt)n;
	do {
		z.next_out = out;
		z.avail_out = sizeof out;
		r = deflate(&z, Z_FINISH);
		assert_true(r == Z_OK || r == Z_STREAM_END);
		tb_put(b, out, sizeof out - z.avail_out);
	} while (r != Z_STREAM_END);
	deflateEnd(&z);
}

static void
bz_append(tbuf *b, const unsigned char *d, size_t n)
{
	unsigned int cap = (unsigned int)(n + n / 100 + 600);
	char *out = malloc(cap);
	assert_non_null(out);
	assert_int_equal(BZ2_bzBuffToBuffCompress(out, &cap, (char *)d, (unsigned int)n, 9, 0, 0), BZ_OK);
	tb_put(b, out, cap);
	free(out);
}

static void
zs_append(tbuf *b, const unsigned char *d, size_t n, int checksum)
{
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	size_t cap = ZSTD_compressBound(n), r;
	void *out = malloc(cap);
	assert_non_null(out);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, checksum);
	r = ZSTD_compress2(cc, out, cap, d, n);
	assert_false(ZSTD_isError(r));
	tb_put(b, out, r);
	free(out);
	ZSTD_freeCCtx(cc);
}

#define F_ADLER32_D     0x001u
#define F_ADLER32_C     0x002u
#define F_H_EXTRA_FIELD 0x040u
#define F_CRC32_D       0x100u
#define F_CRC32_C       0x200u
#define F_H_CRC32       0x1000u

static uint32_t
sum32(int crc, const unsigned char *p, size_t n)
{
	return crc ? (uint32_t)crc32(0, p, (uInt)n) : (uint32_t)adler32(1, p, (uInt)n);
}

/* One lzop file: method 1 (lzo1x_1) or 3 (lzo1x_999); blocks that do not shrink are stored. */
static void
lzop_append(tbuf *b, const unsigned char *d, size_t n, uint32_t flags, int method, size_t block)
{
	static const unsigned char magic[9] = { 0x89, 'L', 'Z', 'O', 0, '\r', '\n', 0x1a, '\n' };
	tbuf h = { 0 };
	void *wrk = malloc(method == 3 ? LZO1X_999_MEM_COMPRESS : LZO1X_1_MEM_COMPRESS);
	unsigned char *out = malloc(block + block / 16 + 64 + 3);
	int crc = (flags & F_H_CRC32) != 0;

	assert_int_equal(lzo_init(), LZO_E_OK);
	assert_non_null(wrk);
	assert_non_null(out);
	tb_put(b, magic, 9);
	tb_be(&h, 0x1040, 2);
	tb_be(&h, 0x20a0, 2);
	tb_be(&h, 0x0940, 2);
	tb_be(&h, (uint32_t)method, 1);
	tb_be(&h, method == 3 ? 9 : 5, 1);
	tb_be(&h, flags | 0x03000000u, 4);
	tb_be(&h, 0100644, 4);
	tb_be(&h, 1700000000u, 4);
	tb_be(&h, 0, 4);
	tb_be(&h, 4, 1);
	tb_put(&h, "test", 4);
	tb_put(b, h.p, h.len);
	tb_be(b, sum32(crc, h.p, h.len), 4);
	free(h.p);
	if (flags & F_H_EXTRA_FIELD) {
		unsigned char ex[7] = { 0, 0, 0, 3, 'a', 'b', 'c' };
		tb_put(b, ex, sizeof ex);
		tb_be(b, sum32(crc, ex, sizeof ex), 4);
	}
	for (size_t off = 0; off < n; off += block) {
		size_t u = n - off < block ? n - off : block;
		lzo_uint c = 0;
		const unsigned char *src = d + off;
		if (method == 3)
			assert_int_equal(lzo1x_999_compress(src, u, out, &c, wrk), LZO_E_OK);
		else
			assert_int_equal(lzo1x_1_compress(src, u, out, &c, wrk), LZO_E_OK);
		tb_be(b, (uint32_t)u, 4);
		tb_be(b, (uint32_t)(c < u ? c : u), 4);
		if (flags & F_ADLER32_D)
			tb_be(b, sum32(0, src, u), 4);
		if (flags & F_CRC32_D)
			tb_be(b, sum32(1, src, u), 4);
		if (c < u) {
			if (flags & F_ADLER32_C)
				tb_be(b, sum32(0, out, c), 4);
			if (flags & F_CRC32_C)
				tb_be(b, sum32(1, out, c), 4);
			tb_put(b, out, c);
		} else {
			tb_put(b, src, u);
		}
	}
	tb_be(b, 0, 4);
	free(out);
	free(wrk);
}

static void
compress_into(tbuf *b, hd_compression c, const unsigned char *d, size_t n)
{
	switch (c) {
	case HD_COMP_GZIP: gz_append(b, d, n, 6); break;
	case HD_COMP_BZIP2: bz_append(b, d, n); break;
	case HD_COMP_ZSTD: zs_append(b, d, n, 1); break;
	case HD_COMP_LZOP: lzop_append(b, d, n, F_ADLER32_D | F_ADLER32_C, 1, 256 << 10); break;
	case HD_COMP_NONE: tb_put(b, d, n); break;
	}
}

/* ---- decoding ---- */

typedef struct result {
	hd_code code;
	hd_err err;
	unsigned char *out;
	size_t len;
} result;

/* Decode all of in with reads of at most chunk bytes. */
static result
decode(hd_compression c, const unsigned char *in, size_t n, size_t chunk)
{
	result res = { 0 };
	hd_stream *s = hd_stream_mem(in, n, NAME), *d = NULL;
	unsigned char *buf = malloc(chunk);
	size_t cap = 0;
	ssize_t r;

	assert_non_null(s);
	assert_non_null(buf);
	res.code = hd_codec_wrap(c, s, &d, &res.err);
	if (res.code)
		goto out;
	while ((r = hd_stream_read(d, buf, chunk, &res.err)) > 0) {
		assert_true((size_t)r <= chunk);
		if (res.len + (size_t)r > cap) {
			cap = (res.len + (size_t)r) * 2;
			res.out = realloc(res.out, cap);
			assert_non_null(res.out);
		}
		memcpy(res.out + res.len, buf, (size_t)r);
		res.len += (size_t)r;
	}
	if (r < 0) {
		res.code = res.err.code;
		assert_int_not_equal(res.code, HD_OK);
		/* Sticky: a second read reports the same failure. */
		{
			hd_err e2 = { 0 };
			assert_int_equal(hd_stream_read(d, buf, chunk, &e2), -1);
			assert_int_equal(e2.code, res.code);
			assert_string_equal(e2.msg, res.err.msg);
		}
	} else {
		/* Done is done. */
		assert_int_equal(hd_stream_read(d, buf, chunk, &res.err), 0);
	}
	hd_stream_close(d);
out:
	free(buf);
	return res;
}

static void
expect_ok(const result *r, const unsigned char *d, size_t n)
{
	if (r->code)
		fail_msg("decode failed: %s", r->err.msg);
	assert_int_equal(r->len, n);
	if (n)
		assert_memory_equal(r->out, d, n);
}

static void
expect_error(const result *r, const char *contains)
{
	if (r->code == HD_OK)
		fail_msg("decode succeeded with %zu bytes; expected an error containing '%s'", r->len,
			 contains ? contains : "");
	assert_true(r->code == HD_ERR_IO || r->code == HD_ERR_LIMIT || r->code == HD_ERR_UNSUPPORTED);
	assert_memory_equal(r->err.msg, NAME ": ", strlen(NAME ": "));
	if (contains && !strstr(r->err.msg, contains))
		fail_msg("message '%s' does not contain '%s'", r->err.msg, contains);
}

static const hd_compression codecs[] = { HD_COMP_GZIP, HD_COMP_BZIP2, HD_COMP_LZOP, HD_COMP_ZSTD };

static const char *
codec_name(hd_compression c)
{
	switch (c) {
	case HD_COMP_GZIP: return "gzip";
	case HD_COMP_BZIP2: return "bzip2";
	case HD_COMP_LZOP: return "lzop";
	case HD_COMP_ZSTD: return "zstd";
	case HD_COMP_NONE: break;
	}
	return "none";
}

/* ---- tests ---- */

static void
test_none_is_identity(void **state)
{
	hd_err err = { 0 };
	hd_stream *s = hd_stream_mem("abc", 3, NAME), *d = NULL;
	(void)state;
	assert_int_equal(hd_codec_wrap(HD_COMP_NONE, s, &d, &err), HD_OK);
	assert_ptr_equal(d, s);
	hd_stream_close(d);
}

static void
test_wrap_reads_nothing(void **state)
{
	(void)state;
	/* The planner's probe: wrapping an empty stream and closing it must work for every codec. */
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		hd_err err = { 0 };
		hd_stream *s = hd_stream_mem("", 0, "probe"), *d = NULL;
		assert_int_equal(hd_codec_wrap(codecs[i], s, &d, &err), HD_OK);
		assert_non_null(d);
		assert_string_equal(d->name, "probe");
		hd_stream_close(d);
	}
}

static void
roundtrip(hd_compression c, size_t n, int mixed, size_t chunk)
{
	unsigned char *d = make_data(n, mixed);
	tbuf b = { 0 };
	result r;

	compress_into(&b, c, d, n);
	r = decode(c, b.p, b.len, chunk);
	expect_ok(&r, d, n);
	free(r.out);
	free(b.p);
	free(d);
}

static void
test_roundtrip_sizes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		roundtrip(codecs[i], 0, 0, 1 << 20);
		roundtrip(codecs[i], 1, 0, 1 << 20);
		roundtrip(codecs[i], 1 << 20, 0, 1 << 20);
		roundtrip(codecs[i], (1 << 20) + 12345, 1, 1 << 20);
		roundtrip(codecs[i], 10 << 20, 1, 1 << 20);
	}
}

static void
test_tiny_and_huge_reads(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		roundtrip(codecs[i], 300 << 10, 1, 1);
		roundtrip(codecs[i], 300 << 10, 0, 7);
		roundtrip(codecs[i], 3 << 20, 1, 64 << 20);
	}
}

static void
test_empty_inputs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		/* A 0-byte file is an empty stream (docs/codecs.md). */
		result r = decode(codecs[i], (const unsigned char *)"", 0, 1 << 20);
		expect_ok(&r, NULL, 0);
		free(r.out);
	}
}

/* Three members: text, an empty one, mixed; then each with zero padding, then with garbage. */
static void
test_multi_member(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		hd_compression c = codecs[i];
		size_t n1 = 200000, n3 = 700000;
		unsigned char *d1 = make_data(n1, 0), *d3 = make_data(n3, 1);
		unsigned char *all = malloc(n1 + n3);
		static const unsigned char zeros[1000];
		tbuf b = { 0 };
		result r;

		memcpy(all, d1, n1);
		memcpy(all + n1, d3, n3);
		compress_into(&b, c, d1, n1);
		compress_into(&b, c, d1, 0);
		if (c == HD_COMP_ZSTD) {
			/* a skippable frame between data frames */
			static const unsigned char skip[12] = { 0x5a, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4 };
			tb_put(&b, skip, sizeof skip);
		}
		compress_into(&b, c, d3, n3);
		r = decode(c, b.p, b.len, 1 << 20);
		expect_ok(&r, all, n1 + n3);
		free(r.out);
		r = decode(c, b.p, b.len, 4096);
		expect_ok(&r, all, n1 + n3);
		free(r.out);

		tb_put(&b, zeros, sizeof zeros);
		r = decode(c, b.p, b.len, 1 << 20);
		expect_ok(&r, all, n1 + n3);
		free(r.out);

		tb_put(&b, "junk", 4);
		r = decode(c, b.p, b.len, 1 << 20);
		expect_error(&r, "trailing garbage");
		free(r.out);

		free(b.p);
		free(all);
		free(d1);
		free(d3);
	}
}

static void
test_truncated_everywhere(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		size_t n = 3000;
		unsigned char *d = make_data(n, 0);
		tbuf b = { 0 };

		compress_into(&b, codecs[i], d, n);
		for (size_t cut = 1; cut < b.len; cut++) {
			result r = decode(codecs[i], b.p, cut, cut % 2 ? 1 << 20 : 100);
			if (r.code == HD_OK)
				fail_msg("%s cut at %zu of %zu decoded cleanly to %zu bytes", codec_name(codecs[i]), cut,
					 b.len, r.len);
			expect_error(&r, NULL);
			free(r.out);
		}
		{
			result r = decode(codecs[i], b.p, b.len / 2, 1 << 20);
			expect_error(&r, "truncated");
			assert_non_null(strstr(r.err.msg, "unexpected end of file after"));
			free(r.out);
		}
		free(b.p);
		free(d);
	}
}

static void
test_corrupt_bytes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		size_t n = 20000;
		unsigned char *d = make_data(n, 0);
		tbuf b = { 0 };
		size_t errors = 0, pos;

		compress_into(&b, codecs[i], d, n);
		for (pos = 0; pos < b.len; pos += (b.len > 2000 ? 7 : 1)) {
			for (int flip = 0; flip < 2; flip++) {
				unsigned char save = b.p[pos];
				result r;
				b.p[pos] ^= flip ? 0xff : 0x10;
				r = decode(codecs[i], b.p, b.len, 1 << 16);
				b.p[pos] = save;
				if (r.code == HD_OK) {
					/* only harmless fields (gzip MTIME/XFL/OS) may change without an error */
					if (r.len != n || memcmp(r.out, d, n) != 0)
						fail_msg("%s: flip at %zu decoded to wrong data without an error",
							 codec_name(codecs[i]), pos);
				} else {
					expect_error(&r, NULL);
					errors++;
				}
				free(r.out);
			}
		}
		assert_true(errors > 0);
		free(b.p);
		free(d);
	}
}

static void
test_wrong_codec(void **state)
{
	static const char *const fmt[] = { "not in gzip format", "not in bzip2 format", "not in lzop format",
					   "not in zstd format" };
	size_t n = 5000;
	unsigned char *d = make_data(n, 0);
	(void)state;

	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		/* plain text, and every other codec's output */
		for (size_t j = 0; j <= sizeof codecs / sizeof codecs[0]; j++) {
			hd_compression other = j < 4 ? codecs[j] : HD_COMP_NONE;
			tbuf b = { 0 };
			result r;
			char want[128];
			if (other == codecs[i])
				continue;
			compress_into(&b, other, d, n);
			r = decode(codecs[i], b.p, b.len, 1 << 20);
			snprintf(want, sizeof want, "%s: %s", NAME, fmt[i]);
			expect_error(&r, NULL);
			assert_string_equal(r.err.msg, want);
			assert_int_equal(r.code, HD_ERR_IO);
			free(r.out);
			free(b.p);
		}
	}
	free(d);
}

static void
test_gzip_levels_and_messages(void **state)
{
	size_t n = 500000;
	unsigned char *d = make_data(n, 0);
	tbuf b = { 0 };
	result r;
	(void)state;

	for (int level = 0; level <= 9; level += 3) {
		b.len = 0;
		gz_append(&b, d, n, level);
		r = decode(HD_COMP_GZIP, b.p, b.len, 1 << 20);
		expect_ok(&r, d, n);
		free(r.out);
	}
	/* CRC32 damage: the trailer's first byte */
	b.len = 0;
	gz_append(&b, d, n, 6);
	b.p[b.len - 8] ^= 1;
	r = decode(HD_COMP_GZIP, b.p, b.len, 1 << 20);
	expect_error(&r, "CRC32 or length check failed");
	free(r.out);
	b.p[b.len - 8] ^= 1;
	/* ISIZE damage */
	b.p[b.len - 1] ^= 1;
	r = decode(HD_COMP_GZIP, b.p, b.len, 1 << 20);
	expect_error(&r, "CRC32 or length check failed");
	free(r.out);
	b.p[b.len - 1] ^= 1;
	/* exact truncation message */
	r = decode(HD_COMP_GZIP, b.p, 1234, 1 << 20);
	expect_error(&r, NULL);
	assert_string_equal(r.err.msg, NAME ": truncated gzip stream (unexpected end of file after 1234 bytes)");
	free(r.out);
	free(b.p);
	free(d);
}

static void
test_zstd_window_limit(void **state)
{
	size_t n = 100000, r0;
	unsigned char *d = make_data(n, 0);
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	size_t cap = ZSTD_compressBound(n) + 64;
	unsigned char *out = malloc(cap);
	ZSTD_inBuffer in = { d, n, 0 };
	ZSTD_outBuffer o = { out, cap, 0 };
	result r;
	(void)state;

	/* Streamed without a pledged size, so the frame keeps the 2^28 window it asks for. */
	ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, 28);
	r0 = ZSTD_compressStream2(cc, &o, &in, ZSTD_e_continue);
	assert_false(ZSTD_isError(r0));
	in.size = in.pos;
	do {
		r0 = ZSTD_compressStream2(cc, &o, &in, ZSTD_e_end);
		assert_false(ZSTD_isError(r0));
	} while (r0 != 0);
	r = decode(HD_COMP_ZSTD, out, o.pos, 1 << 20);
	expect_error(&r, "needs a window larger than the 128 MiB limit");
	assert_int_equal(r.code, HD_ERR_LIMIT);
	free(r.out);
	ZSTD_freeCCtx(cc);
	free(out);
	free(d);
}

static void
test_lzop_variants(void **state)
{
	static const uint32_t flagsets[] = { 0, F_ADLER32_D, F_ADLER32_D | F_ADLER32_C, F_CRC32_D | F_CRC32_C | F_H_CRC32,
					     F_ADLER32_D | F_CRC32_D | F_ADLER32_C | F_CRC32_C | F_H_EXTRA_FIELD };
	size_t n = 700000;
	unsigned char *d = make_data(n, 1);
	(void)state;

	for (size_t i = 0; i < sizeof flagsets / sizeof flagsets[0]; i++) {
		for (size_t block = 4096; block <= (1u << 20); block *= 16) {
			tbuf b = { 0 };
			result r;
			lzop_append(&b, d, n, flagsets[i], 1, block);
			r = decode(HD_COMP_LZOP, b.p, b.len, 100000);
			expect_ok(&r, d, n);
			free(r.out);
			/* A damaged data checksum is caught before its block reaches the caller. */
			if (flagsets[i] & (F_ADLER32_D | F_CRC32_D)) {
				b.p[b.len - 5] ^= 0x40;
				r = decode(HD_COMP_LZOP, b.p, b.len, 1 << 20);
				expect_error(&r, NULL);
				free(r.out);
			}
			free(b.p);
		}
	}
	/* LZO1X-999 output (lzop -7..-9) decodes with the same decoder. */
	{
		tbuf b = { 0 };
		result r;
		lzop_append(&b, d, 300000, F_ADLER32_D, 3, 256 << 10);
		r = decode(HD_COMP_LZOP, b.p, b.len, 1 << 20);
		expect_ok(&r, d, 300000);
		free(r.out);
		free(b.p);
	}
	free(d);
}

static void
test_lzop_limits(void **state)
{
	unsigned char *d = make_data(1000, 0);
	tbuf b = { 0 };
	result r;
	size_t hdr;
	(void)state;

	lzop_append(&b, d, 1000, F_ADLER32_D, 1, 256 << 10);
	hdr = 9 + 2 + 2 + 2 + 1 + 1 + 4 + 4 + 4 + 4 + 1 + 4 + 4; /* magic ... name "test", checksum */
	/* block size over the 64 MiB cap */
	b.p[hdr] = 0x04;
	b.p[hdr + 1] = 0x00;
	b.p[hdr + 2] = 0x00;
	b.p[hdr + 3] = 0x01;
	r = decode(HD_COMP_LZOP, b.p, b.len, 1 << 20);
	expect_error(&r, "64 MiB");
	assert_int_equal(r.code, HD_ERR_LIMIT);
	free(r.out);
	/* an unknown method (fix the header checksum so the method check is reached) */
	b.len = 0;
	lzop_append(&b, d, 1000, F_ADLER32_D, 1, 256 << 10);
	b.p[15] = 0x80; /* M_ZLIB */
	{
		uint32_t s = (uint32_t)adler32(1, b.p + 9, (uInt)(hdr - 4 - 9));
		b.p[hdr - 4] = (unsigned char)(s >> 24);
		b.p[hdr - 3] = (unsigned char)(s >> 16);
		b.p[hdr - 2] = (unsigned char)(s >> 8);
		b.p[hdr - 1] = (unsigned char)s;
	}
	r = decode(HD_COMP_LZOP, b.p, b.len, 1 << 20);
	expect_error(&r, "unsupported lzop compression method 128");
	free(r.out);
	free(b.p);
	free(d);
}

/* A file written by the real lzop 1.04 CLI. */
static void
test_lzop_cli_fixture(void **state)
{
	FILE *f = fopen("data/lzop_fixture.txt.lzo", "rb");
	tbuf in = { 0 }, want = { 0 };
	unsigned char chunk[8192];
	size_t k;
	result r;
	(void)state;

	assert_non_null(f);
	while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
		tb_put(&in, chunk, k);
	fclose(f);
	for (int i = 1; i <= 12000; i++) {
		char line[64];
		int m = snprintf(line, sizeof line, "%05d|lzop fixture|%d\n", i, i % 97);
		tb_put(&want, line, (size_t)m);
	}
	assert_int_equal(want.len, 262761);
	r = decode(HD_COMP_LZOP, in.p, in.len, 1 << 20);
	expect_ok(&r, want.p, want.len);
	free(r.out);
	r = decode(HD_COMP_LZOP, in.p, in.len, 1000);
	expect_ok(&r, want.p, want.len);
	free(r.out);
	free(in.p);
	free(want.p);
}

/* A source that fails after some bytes: its own message comes through unchanged. */
typedef struct fail_stream {
	hd_stream base;
	const unsigned char *p;
	size_t len, pos;
} fail_stream;

static ssize_t
fail_read(hd_stream *s, void *buf, size_t n, hd_err *err)
{
	fail_stream *f = (fail_stream *)s;
	if (f->pos >= f->len)
		return hd_err_set(err, HD_ERR_IO, "%s: connection reset", s->name), -1;
	if (n > 100)
		n = 100;
	if (n > f->len - f->pos)
		n = f->len - f->pos;
	memcpy(buf, f->p + f->pos, n);
	f->pos += n;
	return (ssize_t)n;
}

static void
fail_close(hd_stream *s)
{
	free(s);
}

static const hd_stream_ops fail_ops = { "fail", fail_read, fail_close };

static void
test_source_error_passes_through(void **state)
{
	size_t n = 100000;
	unsigned char *d = make_data(n, 0);
	(void)state;

	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		tbuf b = { 0 };
		fail_stream *f = calloc(1, sizeof *f);
		hd_stream *s = NULL;
		hd_err err = { 0 };
		unsigned char buf[4096];
		ssize_t r;

		compress_into(&b, codecs[i], d, n);
		f->base.ops = &fail_ops;
		f->base.name = "host: cat x";
		f->p = b.p;
		f->len = b.len / 2;
		assert_int_equal(hd_codec_wrap(codecs[i], &f->base, &s, &err), HD_OK);
		while ((r = hd_stream_read(s, buf, sizeof buf, &err)) > 0)
			;
		assert_int_equal(r, -1);
		assert_int_equal(err.code, HD_ERR_IO);
		assert_string_equal(err.msg, "host: cat x: connection reset");
		hd_stream_close(s);
		free(b.p);
	}
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none_is_identity),
		cmocka_unit_test(test_wrap_reads_nothing),
		cmocka_unit_test(test_roundtrip_sizes),
		cmocka_unit_test(test_tiny_and_huge_reads),
		cmocka_unit_test(test_empty_inputs),
		cmocka_unit_test(test_multi_member),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_corrupt_bytes),
		cmocka_unit_test(test_wrong_codec),
		cmocka_unit_test(test_gzip_levels_and_messages),
		cmocka_unit_test(test_zstd_window_limit),
		cmocka_unit_test(test_lzop_variants),
		cmocka_unit_test(test_lzop_limits),
		cmocka_unit_test(test_lzop_cli_fixture),
		cmocka_unit_test(test_source_error_passes_through),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
