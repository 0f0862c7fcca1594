/*
 * format_int.h — private to format/: the input buffer every text format reads through, and the byte scanner.
 *
 * hd_rdbuf: one buffer per reader (= per input file), malloc'd once at open:
 *
 *     buf[0 ........ start ............ end ..................... cap | HD_RDBUF_PAD ]
 *                    ^ first byte of the   ^ end of valid input          ^ zeroed after every fill
 *                      record being parsed
 *
 *   cap = HD_MAX_RECORD + HD_READ_CHUNK. hd_rdbuf_fill() reads up to HD_READ_CHUNK bytes after end (looping over
 *   short reads until the chunk is full or the stream ends, so a stream that returns 1 byte per read costs read
 *   calls, never rescans); when the chunk does not fit behind end, [start, end) is first moved to buf[0] (cheap:
 *   it is the one partial record). Invariant kept by the formats: they never ask for more input while
 *   end - start > HD_MAX_RECORD + 1 (they report the record as too long instead), so a chunk always fits.
 *   base is the input offset of buf[0] and line the 1-based line number of buf[start]; both move only through
 *   hd_rdbuf_consume() and hd_rdbuf_fill().
 *   Pointer lifetime: pointers into buf are valid until the next hd_rdbuf_fill() (which may move bytes); a format
 *   that needs more input in the middle of a record therefore re-parses that record from start.
 *   The stream is borrowed: the reader never closes it.
 *
 * hd_scan: finds the next "special" byte (up to three distinct values, e.g. delimiter, LF, backslash) by
 *   classifying 64 bytes at a time into a bit mask and popping bits. The classifier is chosen once per process
 *   (AVX2 > SSE2 > scalar; HD_NO_SIMD=1 in the environment forces scalar) and cached in a function pointer.
 *   A classifier may read 64 bytes from any position before end: HD_RDBUF_PAD guarantees that is in bounds; bits
 *   at or past end are masked off.
 */
#ifndef HD_FORMAT_FORMAT_INT_H
#define HD_FORMAT_FORMAT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/limits.h"
#include "common/stream.h"

#define HD_RDBUF_PAD 64

typedef struct hd_rdbuf {
	hd_stream *in;    /* borrowed */
	char *buf;        /* cap + HD_RDBUF_PAD bytes */
	size_t cap;
	size_t start;     /* first unconsumed byte */
	size_t end;       /* end of valid input */
	uint64_t base;    /* input offset of buf[0] */
	uint64_t line;    /* 1-based line number of buf[start] */
	bool eof;         /* the stream has returned 0 */
} hd_rdbuf;

hd_code hd_rdbuf_init(hd_rdbuf *rb, hd_stream *in, hd_err *err);
/* Where the input starts in its file (byte-range units): offsets count from first_offset, lines from first_line
 * (0 = 1). Call right after init. */
void hd_rdbuf_place(hd_rdbuf *rb, uint64_t first_offset, uint64_t first_line);
void hd_rdbuf_free(hd_rdbuf *rb);

/* Read more input behind end, keeping [start, end). Sets eof at end of input. May move the buffer's contents:
 * every pointer into buf is invalid afterwards. */
hd_code hd_rdbuf_fill(hd_rdbuf *rb, hd_err *err);

/* Skip n physical lines (IGNOREHEADER); lines may be of any length. */
hd_code hd_rdbuf_skip_lines(hd_rdbuf *rb, long n, hd_err *err);

/* The fatal "record too long" error for a record starting at line. Returns HD_ERR_LIMIT. */
hd_code hd_rdbuf_too_long(const hd_rdbuf *rb, uint64_t line, hd_err *err);

static inline void
hd_rdbuf_consume(hd_rdbuf *rb, size_t n, uint64_t lines)
{
	rb->start += n;
	rb->line += lines;
}

static inline uint64_t hd_rdbuf_offset(const hd_rdbuf *rb) { return rb->base + rb->start; }

/* --- byte-range boundaries (the formats' boundaries op) ---------------------------------------------------------
 *
 * A format's boundaries op walks the whole input once, through an hd_rdbuf, and reports each record start it finds
 * with hd_bounds_at(); every want[] at or before that start is answered with it. hd_bounds_done() answers the rest
 * with the input size. hd_bounds_open() skips the IGNOREHEADER lines first, exactly as the readers do (physical
 * lines), and reports the first data record's start; afterwards rb->start..end is the unscanned input. */
typedef struct hd_bounds {
	const uint64_t *want;
	uint64_t *off, *line;
	int n, i;
} hd_bounds;

static inline void
hd_bounds_at(hd_bounds *b, uint64_t start, uint64_t line)
{
	while (b->i < b->n && b->want[b->i] <= start) {
		b->off[b->i] = start;
		b->line[b->i] = line;
		b->i++;
	}
}

static inline bool hd_bounds_full(const hd_bounds *b) { return b->i >= b->n; }

hd_code hd_bounds_open(hd_bounds *b, hd_rdbuf *rb, hd_stream *in, long ignoreheader, const uint64_t *want, int n,
                       uint64_t *off, uint64_t *line, hd_err *err);
/* Answer every remaining want with the end of input; frees rb. Call with the whole input consumed (rb->eof,
 * start == end, its lines counted) or with every want answered. */
hd_code hd_bounds_done(hd_bounds *b, hd_rdbuf *rb);

/* --- scanner ---------------------------------------------------------------------------------------------------- */

typedef struct hd_scanset {
	unsigned char c[3];          /* the special bytes (repeat one to use fewer) */
	unsigned char is[256];       /* is[b] = 1 for special bytes: the scalar classifier's table */
} hd_scanset;

/* Bit i of the result is set when p[i] is special, for i in [0, 64). Reads exactly 64 bytes. */
typedef uint64_t (*hd_classify_fn)(const char *p, const hd_scanset *set);

void hd_scanset_init(hd_scanset *set, unsigned char a, unsigned char b, unsigned char c);

/* The cached classifier (chosen on first call). */
hd_classify_fn hd_classify_get(void);
/* Tests and benchmarks: force "scalar", "sse2" or "avx2" (false when not available here); NULL = automatic. */
bool hd_classify_force(const char *name);
/* Name of the classifier in use. */
const char *hd_classify_name(void);

typedef struct hd_scan {
	const char *blk;     /* 64-byte window */
	const char *end;
	uint64_t m;          /* special bytes of the window not yet returned */
	hd_classify_fn fn;
	const hd_scanset *set;
} hd_scan;

static inline uint64_t
hd_scan_window(const hd_scan *sc)
{
	uint64_t m = sc->fn(sc->blk, sc->set);
	size_t left = (size_t)(sc->end - sc->blk);
	if (left < 64)
		m &= ((uint64_t)1 << left) - 1;
	return m;
}

/* Start scanning at p (p <= end; [p, end + HD_RDBUF_PAD) must be readable). */
static inline void
hd_scan_init(hd_scan *sc, const char *p, const char *end, const hd_scanset *set, hd_classify_fn fn)
{
	sc->blk = p;
	sc->end = end;
	sc->fn = fn;
	sc->set = set;
	sc->m = p < end ? hd_scan_window(sc) : 0;
}

/* The next special byte, or end. */
static inline const char *
hd_scan_next(hd_scan *sc)
{
	const char *s;
	while (sc->m == 0) {
		if (sc->end - sc->blk <= 64) {
			sc->blk = sc->end;
			return sc->end;
		}
		sc->blk += 64;
		sc->m = hd_scan_window(sc);
	}
	s = sc->blk + __builtin_ctzll(sc->m);
	sc->m &= sc->m - 1;
	return s;
}

/* Make the next result >= p (p > the last result, p <= end). */
static inline void
hd_scan_skip(hd_scan *sc, const char *p)
{
	if (p - sc->blk >= 64) {
		sc->blk = p;
		sc->m = p < sc->end ? hd_scan_window(sc) : 0;
	} else {
		sc->m &= ~(((uint64_t)1 << (p - sc->blk)) - 1);
	}
}

#endif
