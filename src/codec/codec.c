/*
 * codec.c — the codec registry, and the plumbing every codec shares (input buffer, sticky errors, trailing padding).
 *
 * Stage: source stream (compressed bytes) -> codec stream (plain bytes) -> format. The codecs live one per file
 * (gzip.c, bzip2.c, lzop.c, zstd.c), each exporting one hd_codec_ops; this file maps HD_COMP_* to them. Opening a
 * codec reads nothing, so the planner can ask for a codec over an empty probe stream to learn it is built in.
 *
 * What a "stream" is, for every codec: one or more complete members (gzip members, bzip2 streams, lzop files, zstd
 * frames) back to back, optionally followed by zero bytes. A 0-byte input is an empty stream (no rows), as is a
 * member holding nothing. Anything else after the last member is an error. See docs/codecs.md for why.
 */
#include "codec/codec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/sys.h"

static const hd_codec_ops *
codec_for(hd_compression c)
{
	switch (c) {
	case HD_COMP_GZIP:
		return &hd_codec_gzip;
	case HD_COMP_BZIP2:
		return &hd_codec_bzip2;
	case HD_COMP_LZOP:
		return &hd_codec_lzop;
	case HD_COMP_ZSTD:
		return &hd_codec_zstd;
	case HD_COMP_NONE:
		break;
	}
	return NULL;
}

hd_code
hd_codec_wrap(hd_compression c, hd_stream *in, hd_stream **out, hd_err *err)
{
	const hd_codec_ops *ops;
	hd_code r;

	*out = NULL;
	if (c == HD_COMP_NONE) {
		*out = in;
		return HD_OK;
	}
	ops = codec_for(c);
	if (!ops) {
		r = hd_err_set(err, HD_ERR_UNSUPPORTED, "unknown compression %d", (int)c);
		goto out;
	}
	r = ops->open(in, out, err);
out:
	if (r)
		hd_stream_close(in);
	return r;
}

hd_code
hd_codec_common_init(hd_codec_common *c, const hd_stream_ops *ops, const char *codec, hd_stream *src, hd_err *err)
{
	c->in.buf = hd_malloc(HD_CODEC_INBUF);
	if (!c->in.buf)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	c->base.ops = ops;
	c->base.name = src->name;
	c->in.src = src;
	c->codec = codec;
	return HD_OK;
}

void
hd_codec_common_fini(hd_codec_common *c)
{
	free(c->in.buf);
	c->in.buf = NULL;
	hd_stream_close(c->in.src);
	c->in.src = NULL;
}

ssize_t
hd_codec_need(hd_codec_common *c, size_t want, hd_err *err)
{
	hd_codec_in *in = &c->in;

	while (in->len - in->pos < want && !in->eof) {
		ssize_t n;
		if (in->pos > 0) {
			/* Slide the unconsumed tail to the front; it is short (< want) except on a caller's first fill. */
			memmove(in->buf, in->buf + in->pos, in->len - in->pos);
			in->base += in->pos;
			in->len -= in->pos;
			in->pos = 0;
		}
		n = hd_stream_read(in->src, in->buf + in->len, HD_CODEC_INBUF - in->len, err);
		if (n < 0) {
			/* The source named itself in its message; keep it as is. */
			c->failed = true;
			if (err)
				c->saved = *err;
			else
				hd_err_set(&c->saved, HD_ERR_IO, "%s: read error", c->base.name);
			return -1;
		}
		if (n == 0)
			in->eof = true;
		in->len += (size_t)n;
	}
	return (ssize_t)(in->len - in->pos);
}

static ssize_t
failv(hd_codec_common *c, hd_err *err, hd_code code, const char *fmt, va_list ap)
{
	char msg[HD_ERR_MSG_MAX];

	vsnprintf(msg, sizeof msg, fmt, ap);
	hd_err_set(&c->saved, code, "%s: %s", c->base.name, msg);
	c->failed = true;
	if (err)
		*err = c->saved;
	return -1;
}

ssize_t
hd_codec_fail(hd_codec_common *c, hd_err *err, const char *fmt, ...)
{
	va_list ap;
	ssize_t r;

	va_start(ap, fmt);
	r = failv(c, err, HD_ERR_IO, fmt, ap);
	va_end(ap);
	return r;
}

ssize_t
hd_codec_fail_code(hd_codec_common *c, hd_err *err, hd_code code, const char *fmt, ...)
{
	va_list ap;
	ssize_t r;

	va_start(ap, fmt);
	r = failv(c, err, code, fmt, ap);
	va_end(ap);
	return r;
}

int
hd_codec_check(hd_codec_common *c, hd_err *err)
{
	if (c->failed) {
		if (err)
			*err = c->saved;
		return -1;
	}
	return c->done ? 0 : 1;
}

ssize_t
hd_codec_trailer(hd_codec_common *c, hd_err *err)
{
	for (;;) {
		ssize_t n = hd_codec_need(c, 1, err);
		const unsigned char *p, *end;
		if (n < 0)
			return -1;
		if (n == 0) {
			c->done = true;
			return 0;
		}
		p = c->in.buf + c->in.pos;
		end = c->in.buf + c->in.len;
		while (p < end && *p == 0)
			p++;
		if (p < end) {
			c->in.pos = (size_t)(p - c->in.buf);
			return hd_codec_fail(c, err, "trailing garbage after %s data at byte %llu", c->codec,
					     (unsigned long long)hd_codec_offset(c));
		}
		c->in.pos = c->in.len;
	}
}
