/*
 * codec_int.h — what the codec files share: the ops table each exports, the input buffer they read compressed bytes
 * through, and the sticky-error bookkeeping. Private to src/codec/.
 *
 * Every codec stream embeds hd_codec_common first (which embeds hd_stream first), so one pointer serves as the
 * hd_stream, the common part and the codec's own struct.
 *
 * Input buffer (hd_codec_in): one fixed block of HD_CODEC_INBUF bytes, allocated when the stream is opened and never
 * grown. Invariant: buf[pos, len) are compressed bytes read from src and not yet consumed; base is the offset in src of
 * buf[0], so base + pos is the offset of the next unconsumed byte (used in messages). eof is set once src returned 0.
 *
 * Errors are sticky: once a read fails, the failure is saved and every later read returns -1 with the same message,
 * so a caller can never read past a corruption and get bytes that look good. When a read has already produced output
 * before it meets an error, it returns that output and the next call reports the error.
 */
#ifndef HD_CODEC_CODEC_INT_H
#define HD_CODEC_CODEC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "codec/codec.h"
#include "common/limits.h"

/* Compressed bytes asked of the source per read: the source's own chunk, so one codec read = one source read. */
#define HD_CODEC_INBUF HD_READ_CHUNK

/* Frames that need more history than this are refused (zstd --long=31 would otherwise ask for 2 GiB). */
#define HD_CODEC_ZSTD_WINDOW_LOG_MAX 27

/* lzop's own MAX_BLOCK_SIZE: no lzop writes a bigger block, so a bigger size field is corruption. */
#define HD_CODEC_LZOP_MAX_BLOCK (64u << 20)

typedef struct hd_codec_ops {
	const char *name; /* "gzip", used in messages */
	/* Allocate the codec stream over in. Reads nothing. On success the stream owns in; on failure in is untouched
	 * (the registry closes it). */
	hd_code (*open)(hd_stream *in, hd_stream **out, hd_err *err);
} hd_codec_ops;

extern const hd_codec_ops hd_codec_gzip;
extern const hd_codec_ops hd_codec_bzip2;
extern const hd_codec_ops hd_codec_lzop;
extern const hd_codec_ops hd_codec_zstd;

typedef struct hd_codec_in {
	hd_stream *src;
	unsigned char *buf; /* HD_CODEC_INBUF bytes */
	size_t pos, len;
	uint64_t base;
	bool eof;
} hd_codec_in;

typedef struct hd_codec_common {
	hd_stream base;    /* name is borrowed from the source stream, which lives as long as we do */
	hd_codec_in in;
	const char *codec; /* "gzip": for messages */
	bool done;         /* end of data reached: reads return 0 */
	bool failed;       /* a read failed: reads return -1 with saved */
	hd_err saved;
} hd_codec_common;

/* Set up c over src (ops is the codec's stream table). Allocates the input buffer only. */
hd_code hd_codec_common_init(hd_codec_common *c, const hd_stream_ops *ops, const char *codec, hd_stream *src,
			     hd_err *err);

/* Free the input buffer and close the source. */
void hd_codec_common_fini(hd_codec_common *c);

/* Make at least want (<= HD_CODEC_INBUF) unconsumed bytes contiguous at in.buf + in.pos, reading the source as
 * needed. Returns the bytes available (fewer than want only at end of input; 0 = nothing left) or -1 (source error,
 * saved). Moves the unconsumed bytes to the start of the buffer when it must. */
ssize_t hd_codec_need(hd_codec_common *c, size_t want, hd_err *err);

/* Fail the stream with "<name>: <message>" (HD_ERR_IO, or code), save it, return -1. */
ssize_t hd_codec_fail(hd_codec_common *c, hd_err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
ssize_t hd_codec_fail_code(hd_codec_common *c, hd_err *err, hd_code code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* At a read's start: -1 with the saved error if the stream failed earlier, 0 if it is done, 1 to go on. */
int hd_codec_check(hd_codec_common *c, hd_err *err);

/* Called between members when the next bytes are not a member's magic: zero bytes up to the end of input are
 * padding (tape and block devices leave it; gzip and bzip2 accept it) and end the stream; anything else is an error
 * "trailing garbage after <codec> data at byte N". Returns 0 (done) or -1. */
ssize_t hd_codec_trailer(hd_codec_common *c, hd_err *err);

/* Offset of the next unconsumed compressed byte. */
static inline uint64_t
hd_codec_offset(const hd_codec_common *c)
{
	return c->in.base + c->in.pos;
}

/* Unconsumed bytes in the input buffer. */
static inline size_t
hd_codec_avail(const hd_codec_common *c)
{
	return c->in.len - c->in.pos;
}

#endif
