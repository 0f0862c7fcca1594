/*
 * stream.h — a byte stream: the one interface between sources, codecs and formats.
 *
 * A concrete stream embeds hd_stream as its first member and points ops at its static const table. read() returns
 * the number of bytes placed in buf (0 only at end of stream) or -1 with err set; it may return fewer than asked.
 * close() releases everything, and is safe on a stream whose read failed.
 */
#ifndef HD_COMMON_STREAM_H
#define HD_COMMON_STREAM_H

#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

typedef struct hd_stream hd_stream;

typedef struct hd_stream_ops {
	const char *name;
	ssize_t (*read)(hd_stream *s, void *buf, size_t n, hd_err *err);
	void (*close)(hd_stream *s);
} hd_stream_ops;

struct hd_stream {
	const hd_stream_ops *ops;
	const char *name; /* what to call it in messages (a file path, "host: command", an HDFS URL); owned by the stream */
};

static inline ssize_t hd_stream_read(hd_stream *s, void *buf, size_t n, hd_err *err) { return s->ops->read(s, buf, n, err); }
static inline void hd_stream_close(hd_stream *s) { if (s) s->ops->close(s); }

/* A stream over a memory block (not copied; must outlive the stream). Used by tests and for small inputs. */
hd_stream *hd_stream_mem(const void *data, size_t len, const char *name);

/* Read in ahead of the caller on a thread of its own (prefetch.c): nchunks buffers of chunk bytes. The wrapper owns
 * in from then on; on failure in is closed. */
hd_code hd_stream_prefetch(hd_stream *in, size_t chunk, int nchunks, hd_stream **out, hd_err *err);

#endif
