/*
 * bzip2.c — BZIP2: bzip2 streams, decoded with libbz2's streaming API (BZ2_bzDecompress).
 *
 * In:  compressed bytes through the common input buffer (HD_CODEC_INBUF).
 * Out: straight into the caller's buffer. libbz2's state holds one block's tables (~3.5 MiB for -9; small = 0
 *      since the 1.2 MiB "small" mode halves the speed).
 * Streams: pbzip2 and `cat a.bz2 b.bz2` give several complete streams back to back. BZ2_bzDecompress returns
 *      BZ_STREAM_END at the end of one and leaves the next bytes unread; we end that decompressor and start a new
 *      one if the next bytes are another "BZh1".."BZh9" header, accept zero padding, and refuse anything else.
 *      Each block's CRC and the stream's combined CRC are checked by libbz2 (BZ_DATA_ERROR on mismatch).
 */
#include "codec/codec_int.h"

#include <stdlib.h>
#include <string.h>

#include <bzlib.h>
#include "common/sys.h"

typedef struct bz2_stream {
	hd_codec_common c;
	bz_stream bz;
	bool in_stream;   /* bz is initialised (BZ2_bzDecompressEnd owed) */
	uint64_t streams; /* streams completed */
} bz2_stream;

static bool
is_magic(const unsigned char *p, size_t n)
{
	static const unsigned char m[3] = { 'B', 'Z', 'h' };
	size_t k = n < 3 ? n : 3;

	if (memcmp(p, m, k) != 0)
		return false;
	return n < 4 || (p[3] >= '1' && p[3] <= '9');
}

/* 1 = a stream begins here, 0 = done, -1 = error. */
static int
bz_next_stream(bz2_stream *b, hd_err *err)
{
	hd_codec_common *c = &b->c;
	const unsigned char *p;
	ssize_t a = hd_codec_need(c, 4, err);
	int r;

	if (a < 0)
		return -1;
	if (a == 0) {
		c->done = true;
		return 0;
	}
	p = c->in.buf + c->in.pos;
	if (is_magic(p, (size_t)a)) {
		if (a < 4)
			return (int)hd_codec_fail(c, err,
						  "truncated bzip2 stream (unexpected end of file after %llu bytes)",
						  (unsigned long long)(c->in.base + c->in.len));
		memset(&b->bz, 0, sizeof b->bz);
		r = BZ2_bzDecompressInit(&b->bz, 0, 0);
		if (r != BZ_OK)
			return (int)hd_codec_fail_code(c, err, r == BZ_MEM_ERROR ? HD_ERR_NOMEM : HD_ERR_INTERNAL,
						       "cannot start the bzip2 decoder (error %d)", r);
		b->in_stream = true;
		return 1;
	}
	if (b->streams == 0)
		return (int)hd_codec_fail(c, err, "not in bzip2 format");
	return (int)hd_codec_trailer(c, err);
}

static ssize_t
bz_read(hd_stream *s, void *buf, size_t n, hd_err *err)
{
	bz2_stream *b = (bz2_stream *)s;
	hd_codec_common *c = &b->c;
	char *out = buf;
	size_t done = 0;
	int k = hd_codec_check(c, err);

	if (k <= 0)
		return k;
	while (done < n) {
		size_t want = n - done, produced, consumed;
		char *in0;
		int r;

		if (!b->in_stream && bz_next_stream(b, err) <= 0)
			break;
		if (hd_codec_avail(c) == 0 && hd_codec_need(c, 1, err) < 0)
			break;
		if (want > (1u << 30))
			want = 1u << 30; /* libbz2 counts in unsigned int */
		in0 = (char *)c->in.buf + c->in.pos;
		b->bz.next_in = in0;
		b->bz.avail_in = (unsigned)hd_codec_avail(c);
		b->bz.next_out = out + done;
		b->bz.avail_out = (unsigned)want;
		r = BZ2_bzDecompress(&b->bz);
		consumed = (size_t)(b->bz.next_in - in0);
		produced = want - b->bz.avail_out;
		c->in.pos += consumed;
		done += produced;
		if (r == BZ_STREAM_END) {
			BZ2_bzDecompressEnd(&b->bz);
			b->in_stream = false;
			b->streams++;
			continue;
		}
		if (r != BZ_OK) {
			if (r == BZ_MEM_ERROR)
				hd_codec_fail_code(c, err, HD_ERR_NOMEM, "out of memory decoding bzip2 data");
			else
				hd_codec_fail(c, err, "corrupt bzip2 data: %s (stream %llu, near compressed byte %llu)",
					      r == BZ_DATA_ERROR_MAGIC ? "bad stream header" : "CRC or format error",
					      (unsigned long long)b->streams + 1, (unsigned long long)hd_codec_offset(c));
			break;
		}
		if (produced == 0 && consumed == 0) {
			if (c->in.eof) {
				hd_codec_fail(c, err, "truncated bzip2 stream (unexpected end of file after %llu bytes)",
					      (unsigned long long)(c->in.base + c->in.len));
				break;
			}
			if (hd_codec_avail(c) >= HD_CODEC_INBUF) {
				hd_codec_fail_code(c, err, HD_ERR_INTERNAL, "bzip2 decoder made no progress");
				break;
			}
			if (hd_codec_need(c, hd_codec_avail(c) + 1, err) < 0)
				break;
		}
	}
	if (done > 0)
		return (ssize_t)done;
	return c->failed ? -1 : 0;
}

static void
bz_close(hd_stream *s)
{
	bz2_stream *b = (bz2_stream *)s;

	if (b->in_stream)
		BZ2_bzDecompressEnd(&b->bz);
	hd_codec_common_fini(&b->c);
	free(b);
}

static const hd_stream_ops bz_stream_ops = { "bzip2", bz_read, bz_close };

static hd_code
bz_open(hd_stream *in, hd_stream **out, hd_err *err)
{
	bz2_stream *b = hd_calloc(1, sizeof *b);
	hd_code r;

	if (!b)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	if ((r = hd_codec_common_init(&b->c, &bz_stream_ops, "bzip2", in, err)) != HD_OK) {
		free(b);
		return r;
	}
	*out = &b->c.base;
	return HD_OK;
}

const hd_codec_ops hd_codec_bzip2 = { "bzip2", bz_open };
