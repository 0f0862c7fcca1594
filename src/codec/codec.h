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

#endif
