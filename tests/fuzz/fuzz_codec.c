/*
 * fuzz_codec.c — each streaming decoder fed arbitrary bytes: gzip (ISA-L), bzip2, lzop (liblzo2 + hdcopy's
 * container reader), zstd — codec/{gzip,bzip2,lzop,zstd}.c through hd_codec_wrap — and the UTF-16 → UTF-8
 * transcoder (codec/utf16.c through hd_codec_transcode, UTF16 / UTF16LE / UTF16BE).
 *
 * Input: byte 0 picks the decoder, byte 1 seeds the read sizes, the rest is the compressed (or UTF-16) input.
 * Invariants:
 *   - the input sits in an exactly-sized heap block and each read's destination is an exactly-sized heap block
 *     (ASan: no over-read of the input, no write past the caller's buffer);
 *   - read() returns -1 (with a message), 0 (end), or 1..n bytes — never more than asked;
 *   - errors are sticky: a read after -1 gives -1 again;
 *   - chunking: the outcome (end / error / output cap reached) and the output bytes are identical (on error: one
 *     output a prefix of the other, see prefixes()) for
 *     (a) one source read of everything and 64 KiB caller reads, (b) 1-byte source reads and caller reads of
 *     1..17 bytes, (c) random 1..97-byte source reads and 4 KiB caller reads — a decoder must not depend on where a
 *     read() ended;
 *   - UTF-16: a successful output is valid UTF-8.
 * Output is capped at 256 KiB per run (decompression bombs are legal input).
 */
#include "fuzz_common.h"

#include "codec/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_CAP (256u << 10)

enum { OUT_END = 0, OUT_ERR = 1, OUT_CAPPED = 2 };

static int
decode(int which, const char *in, size_t len, int src_mode, int dst_mode, uint64_t seed, fz_out *out)
{
	static const hd_compression comp[4] = { HD_COMP_GZIP, HD_COMP_BZIP2, HD_COMP_LZOP, HD_COMP_ZSTD };
	static const hd_encoding enc[3] = { HD_ENC_UTF16, HD_ENC_UTF16LE, HD_ENC_UTF16BE };
	hd_stream *src = src_mode == FZ_WHOLE ? hd_stream_mem(in, len, "fuzz-input") : fz_chunks_new(in, len, src_mode, seed);
	hd_stream *s = NULL;
	hd_err err;
	uint64_t rng = seed ^ 0x5555;
	int status;

	FUZZ_CHECK(src != NULL);
	if (which < 4)
		FUZZ_CHECK(hd_codec_wrap(comp[which], src, &s, &err) == HD_OK);
	else
		FUZZ_CHECK(hd_codec_transcode(enc[which - 4], src, &s, &err) == HD_OK);
	for (;;) {
		size_t want = dst_mode == 0 ? 65536 : dst_mode == 1 ? 1 + fz_rnd(&rng) % 17 : 4096;
		char *buf;
		ssize_t got;
		if (out->len >= OUT_CAP) {
			status = OUT_CAPPED;
			break;
		}
		if (want > OUT_CAP - out->len)
			want = OUT_CAP - out->len;
		buf = malloc(want);
		FUZZ_CHECK(buf != NULL);
		got = hd_stream_read(s, buf, want, &err);
		FUZZ_CHECK(got >= -1 && got <= (ssize_t)want);
		if (got > 0)
			fz_put(out, buf, (size_t)got);
		free(buf);
		if (got == 0) {
			status = OUT_END;
			break;
		}
		if (got < 0) {
			char one;
			FUZZ_CHECK(err.msg[0] != '\0');
			FUZZ_CHECK(hd_stream_read(s, &one, 1, &err) == -1); /* sticky */
			status = OUT_ERR;
			break;
		}
	}
	hd_stream_close(s);
	return status;
}

/* Before an error, how many bytes of a damaged member come out may depend on the chunking (zstd decodes a whole
 * frame in one call into the caller's buffer and reports its checksum error without releasing the bytes; fed
 * piecemeal it releases them first — docs/codecs.md), so on error one output must be a prefix of the other. */
static bool
prefixes(const fz_out *a, const fz_out *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	return n == 0 || memcmp(a->s, b->s, n) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_out a = { 0 }, b = { 0 }, c = { 0 };
	int which, sa, sb, sc;
	uint64_t seed;
	char *in;

	if (size < 2)
		return 0;
	which = data[0] % 7;
	seed = 0x9E3779B97F4A7C15ull ^ data[1];
	in = fz_dup(data + 2, size - 2, false);
	sa = decode(which, in, size - 2, FZ_WHOLE, 0, seed, &a);
	sb = decode(which, in, size - 2, FZ_ONE, 1, seed, &b);
	sc = decode(which, in, size - 2, FZ_RANDOM, 2, seed, &c);
	if (sa != sb || sa != sc ||
	    (sa == OUT_ERR ? !prefixes(&a, &b) || !prefixes(&a, &c) : !fz_same(&a, &b) || !fz_same(&a, &c))) {
		fprintf(stderr, "decoder %d: whole %d/%zu bytes, 1-byte %d/%zu bytes, random %d/%zu bytes\n", which, sa,
		    a.len, sb, b.len, sc, c.len);
		FUZZ_CHECK(!"chunked reads give different output");
	}
	if (which >= 4 && sa == OUT_END)
		FUZZ_CHECK(fz_utf8_valid(a.s ? a.s : "", a.len));
	free(a.s);
	free(b.s);
	free(c.s);
	free(in);
	return 0;
}
