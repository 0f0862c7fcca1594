/*
 * codec.h — streaming decompression: wrap a compressed stream in a stream of its plain bytes.
 *
 * One ops table per codec (gzip, bzip2, lzop, zstd) behind hd_codec_wrap(). Memory per codec is fixed (its window and
 * one input buffer), never proportional to the input. A truncated or corrupt input is a read error naming the stream.
 * The wrapper owns the inner stream from then on and closes it.
 */
#ifndef HD_CODEC_CODEC_H
#define HD_CODEC_CODEC_H

#include "common/err.h"
#include "common/stream.h"
#include "copy/copy.h"

/* For HD_COMP_NONE *out = in. HD_ERR_UNSUPPORTED for a codec not built in. On failure in is closed. */
hd_code hd_codec_wrap(hd_compression c, hd_stream *in, hd_stream **out, hd_err *err);

/* ENCODING: wrap a stream of UTF-16 text (UTF16: the byte-order mark decides, and is required; UTF16LE; UTF16BE: a
 * leading mark of the declared order is skipped, the opposite one is an error) in a stream of the same text as UTF-8. HD_ENC_UTF8 returns in unchanged. Invalid UTF-16 (an unpaired surrogate, an
 * odd final byte) is a read error naming the stream and the byte offset. On failure in is closed. */
hd_code hd_codec_transcode(hd_encoding enc, hd_stream *in, hd_stream **out, hd_err *err);

#endif
