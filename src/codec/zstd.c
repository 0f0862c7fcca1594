/*
 * zstd.c — ZSTD: RFC 8878 frames, decoded with libzstd's streaming API (ZSTD_decompressStream).
 *
 * In:  compressed bytes through the common input buffer (HD_CODEC_INBUF).
 * Out: straight into the caller's buffer. The DCtx holds the window (at most 2^HD_CODEC_ZSTD_WINDOW_LOG_MAX bytes:
 *      frames that ask for more are refused, so a hostile or --long=31 file cannot make us allocate 2 GiB) plus its
 *      own ~128 KiB block buffer.
 * Frames: ZSTD_decompressStream returns 0 exactly when a frame is finished and flushed, and never reads past it; the
 *      next bytes must then be another frame (zstd or skippable — libzstd skips the latter itself), zero padding, or
 *      the end. Content checksums (XXH64), when the frame carries one, are verified by libzstd.
 */
#include "codec/codec_int.h"

#include <stdlib.h>
#include <string.h>

#include <zstd.h>
#include <zstd_errors.h>
#include "common/sys.h"

typedef struct zs_stream {
	hd_codec_common c;
	ZSTD_DCtx *dctx;
	bool in_frame;
	uint64_t frames; /* frames completed, skippable ones included */
} zs_stream;

static const unsigned char zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

static bool
is_skippable(const unsigned char *p)
{
	return (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18;
}

/* 1 = a frame begins here, 0 = done, -1 = error. */
static int
zs_next_frame(zs_stream *z, hd_err *err)
{
	hd_codec_common *c = &z->c;
	const unsigned char *p;
	ssize_t a = hd_codec_need(c, 4, err);

	if (a < 0)
		return -1;
	if (a == 0) {
		c->done = true;
		return 0;
	}
	p = c->in.buf + c->in.pos;
	if (a < 4) {
		/* The end of input cuts a magic number: a truncated frame if it is the start of one. */
		if (memcmp(p, zstd_magic, (size_t)a) == 0 || (p[0] & 0xf0) == 0x50)
			return (int)hd_codec_fail(c, err, "truncated zstd stream (unexpected end of file after %llu bytes)",
						  (unsigned long long)(c->in.base + c->in.len));
	} else if (memcmp(p, zstd_magic, 4) == 0 || is_skippable(p)) {
		z->in_frame = true;
		return 1;
	}
	if (z->frames == 0)
		return (int)hd_codec_fail(c, err, "not in zstd format");
	return (int)hd_codec_trailer(c, err);
}

static ssize_t
zs_error(zs_stream *z, size_t r, hd_err *err)
{
	hd_codec_common *c = &z->c;
	unsigned long long frame = (unsigned long long)z->frames + 1;

	switch (ZSTD_getErrorCode(r)) {
	case ZSTD_error_frameParameter_windowTooLarge:
		return hd_codec_fail_code(c, err, HD_ERR_LIMIT,
					  "zstd frame %llu needs a window larger than the %u MiB limit (it was probably "
					  "compressed with --long or --ultra; recompress with --long=%d or less)",
					  frame, 1u << (HD_CODEC_ZSTD_WINDOW_LOG_MAX - 20), HD_CODEC_ZSTD_WINDOW_LOG_MAX);
	case ZSTD_error_checksum_wrong:
		return hd_codec_fail(c, err, "corrupt zstd data: content checksum mismatch in frame %llu", frame);
	case ZSTD_error_memory_allocation:
		return hd_codec_fail_code(c, err, HD_ERR_NOMEM, "out of memory decoding zstd frame %llu", frame);
	default:
		return hd_codec_fail(c, err, "corrupt zstd data: %s (frame %llu, near compressed byte %llu)",
				     ZSTD_getErrorName(r), frame, (unsigned long long)hd_codec_offset(c));
	}
}

static ssize_t
zs_read(hd_stream *s, void *buf, size_t n, hd_err *err)
{
	zs_stream *z = (zs_stream *)s;
	hd_codec_common *c = &z->c;
	size_t done = 0;
	int k = hd_codec_check(c, err);

	if (k <= 0)
		return k;
	while (done < n) {
		ZSTD_inBuffer in;
		ZSTD_outBuffer out = { (unsigned char *)buf + done, n - done, 0 };
		size_t r;

		if (!z->in_frame && zs_next_frame(z, err) <= 0)
			break;
		if (hd_codec_avail(c) == 0 && hd_codec_need(c, 1, err) < 0)
			break;
		in.src = c->in.buf + c->in.pos;
		in.size = hd_codec_avail(c);
		in.pos = 0;
		r = ZSTD_decompressStream(z->dctx, &out, &in);
		c->in.pos += in.pos;
		done += out.pos;
		if (ZSTD_isError(r)) {
			zs_error(z, r, err);
			break;
		}
		if (r == 0) {
			z->in_frame = false;
			z->frames++;
			continue;
		}
		if (in.pos == 0 && out.pos == 0) {
			if (c->in.eof) {
				hd_codec_fail(c, err, "truncated zstd stream (unexpected end of file after %llu bytes)",
					      (unsigned long long)(c->in.base + c->in.len));
				break;
			}
			if (hd_codec_avail(c) >= HD_CODEC_INBUF) {
				hd_codec_fail_code(c, err, HD_ERR_INTERNAL, "zstd decoder made no progress");
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
zs_close(hd_stream *s)
{
	zs_stream *z = (zs_stream *)s;

	ZSTD_freeDCtx(z->dctx);
	hd_codec_common_fini(&z->c);
	free(z);
}

static const hd_stream_ops zs_stream_ops = { "zstd", zs_read, zs_close };

static hd_code
zs_open(hd_stream *in, hd_stream **out, hd_err *err)
{
	zs_stream *z = hd_calloc(1, sizeof *z);
	hd_code r = HD_OK;

	if (!z)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	z->dctx = ZSTD_createDCtx();
	if (!z->dctx) {
		r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (ZSTD_isError(ZSTD_DCtx_setParameter(z->dctx, ZSTD_d_windowLogMax, HD_CODEC_ZSTD_WINDOW_LOG_MAX))) {
		r = hd_err_set(err, HD_ERR_INTERNAL, "zstd: cannot set the window limit");
		goto out;
	}
	if ((r = hd_codec_common_init(&z->c, &zs_stream_ops, "zstd", in, err)) != HD_OK)
		goto out;
	*out = &z->c.base;
out:
	if (r) {
		ZSTD_freeDCtx(z->dctx);
		free(z);
	}
	return r;
}

const hd_codec_ops hd_codec_zstd = { "zstd", zs_open };
