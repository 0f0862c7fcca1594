/*
 * reader.c — the input buffer and the byte scanner shared by the text formats (see format_int.h for the picture).
 *
 * In: an hd_stream (borrowed). Out: a window [start, end) of input in one buffer of HD_MAX_RECORD + HD_READ_CHUNK
 * bytes (+ HD_RDBUF_PAD), refilled in chunks of HD_READ_CHUNK; nothing here allocates after init.
 * The classifiers turn 64 input bytes into a bit mask of "special" bytes; the SIMD ones are checked against the
 * scalar one byte for byte by the unit tests (hd_classify_force()).
 */
#include "format/format_int.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include "common/sys.h"
#define HD_X86 1
#endif

hd_code
hd_rdbuf_init(hd_rdbuf *rb, hd_stream *in, hd_err *err)
{
	memset(rb, 0, sizeof *rb);
	rb->in = in;
	rb->cap = (size_t)HD_MAX_RECORD + HD_READ_CHUNK;
	rb->line = 1;
	/* malloc, not calloc: untouched pages of a big buffer cost nothing; the pad is zeroed at every fill */
	rb->buf = hd_malloc(rb->cap + HD_RDBUF_PAD);
	if (!rb->buf)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory for the input buffer of %s", in->name);
	memset(rb->buf, 0, HD_RDBUF_PAD);
	return HD_OK;
}

void
hd_rdbuf_place(hd_rdbuf *rb, uint64_t first_offset, uint64_t first_line)
{
	rb->base = first_offset;
	rb->line = first_line ? first_line : 1;
}

void
hd_rdbuf_free(hd_rdbuf *rb)
{
	free(rb->buf);
	rb->buf = NULL;
}

hd_code
hd_rdbuf_fill(hd_rdbuf *rb, hd_err *err)
{
	size_t want, got = 0;

	if (rb->eof)
		return HD_OK;
	if (rb->start == rb->end) {
		rb->base += rb->start;
		rb->start = rb->end = 0;
	} else if (rb->cap - rb->end < HD_READ_CHUNK) {
		size_t keep = rb->end - rb->start;
		memmove(rb->buf, rb->buf + rb->start, keep);
		rb->base += rb->start;
		rb->start = 0;
		rb->end = keep;
	}
	want = rb->cap - rb->end;
	if (want > HD_READ_CHUNK)
		want = HD_READ_CHUNK;
	if (want == 0)
		return hd_err_set(err, HD_ERR_INTERNAL, "%s: input buffer full", rb->in->name);
	while (got < want) {
		ssize_t n = hd_stream_read(rb->in, rb->buf + rb->end + got, want - got, err);
		if (n < 0)
			return err ? err->code : HD_ERR_IO;
		if (n == 0) {
			rb->eof = true;
			break;
		}
		got += (size_t)n;
	}
	rb->end += got;
	memset(rb->buf + rb->end, 0, HD_RDBUF_PAD);
	return HD_OK;
}

hd_code
hd_rdbuf_skip_lines(hd_rdbuf *rb, long n, hd_err *err)
{
	hd_code r;

	while (n > 0) {
		const char *p = rb->buf + rb->start;
		const char *nl = memchr(p, '\n', rb->end - rb->start);
		if (nl) {
			hd_rdbuf_consume(rb, (size_t)(nl + 1 - p), 1);
			n--;
			continue;
		}
		if (rb->eof) {
			/* a last header line without a newline */
			hd_rdbuf_consume(rb, rb->end - rb->start, rb->end > rb->start);
			return HD_OK;
		}
		/* the line goes on: drop what we have (a header line may be of any length) */
		hd_rdbuf_consume(rb, rb->end - rb->start, 0);
		if ((r = hd_rdbuf_fill(rb, err)) != HD_OK)
			return r;
	}
	return HD_OK;
}

hd_code
hd_rdbuf_too_long(const hd_rdbuf *rb, uint64_t line, hd_err *err)
{
	return hd_err_set(err, HD_ERR_LIMIT, "%s: line %llu: record longer than the maximum of %u bytes",
	    rb->in->name, (unsigned long long)line, (unsigned)HD_MAX_RECORD);
}

/* --- boundaries ----------------------------------------------------------------------------------------------- */

hd_code
hd_bounds_open(hd_bounds *b, hd_rdbuf *rb, hd_stream *in, long ignoreheader, const uint64_t *want, int n,
               uint64_t *off, uint64_t *line, hd_err *err)
{
	hd_code r;

	b->want = want;
	b->off = off;
	b->line = line;
	b->n = n;
	b->i = 0;
	if ((r = hd_rdbuf_init(rb, in, err)) != HD_OK)
		return r;
	if ((r = hd_rdbuf_fill(rb, err)) != HD_OK)
		goto fail;
	if (ignoreheader > 0 && (r = hd_rdbuf_skip_lines(rb, ignoreheader, err)) != HD_OK)
		goto fail;
	hd_bounds_at(b, hd_rdbuf_offset(rb), rb->line);
	return HD_OK;
fail:
	hd_rdbuf_free(rb);
	return r;
}

hd_code
hd_bounds_done(hd_bounds *b, hd_rdbuf *rb)
{
	/* The format scanned to the end of input (rb->eof, everything consumed and its lines counted) or stopped early
	 * because every want was answered. No record starts at the end: the line is the one after the last LF. */
	while (b->i < b->n) {
		b->off[b->i] = hd_rdbuf_offset(rb);
		b->line[b->i] = rb->line;
		b->i++;
	}
	hd_rdbuf_free(rb);
	return HD_OK;
}

/* --- classifiers ------------------------------------------------------------------------------------------------ */

void
hd_scanset_init(hd_scanset *set, unsigned char a, unsigned char b, unsigned char c)
{
	memset(set, 0, sizeof *set);
	set->c[0] = a;
	set->c[1] = b;
	set->c[2] = c;
	set->is[a] = set->is[b] = set->is[c] = 1;
}

/* The reference: every other classifier must agree with it bit for bit. */
static uint64_t
classify_scalar(const char *p, const hd_scanset *set)
{
	const unsigned char *u = (const unsigned char *)p;
	uint64_t m = 0;
	for (int i = 0; i < 64; i++)
		m |= (uint64_t)set->is[u[i]] << i;
	return m;
}

#ifdef HD_X86
static uint64_t
classify_sse2(const char *p, const hd_scanset *set)
{
	const __m128i a = _mm_set1_epi8((char)set->c[0]);
	const __m128i b = _mm_set1_epi8((char)set->c[1]);
	const __m128i c = _mm_set1_epi8((char)set->c[2]);
	uint64_t m = 0;
	for (int i = 0; i < 4; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
		__m128i e = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, a), _mm_cmpeq_epi8(v, b)),
		    _mm_cmpeq_epi8(v, c));
		m |= (uint64_t)(uint16_t)_mm_movemask_epi8(e) << (16 * i);
	}
	return m;
}

__attribute__((target("avx2"))) static uint64_t
classify_avx2(const char *p, const hd_scanset *set)
{
	const __m256i a = _mm256_set1_epi8((char)set->c[0]);
	const __m256i b = _mm256_set1_epi8((char)set->c[1]);
	const __m256i c = _mm256_set1_epi8((char)set->c[2]);
	__m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
	__m256i e0 = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v0, a), _mm256_cmpeq_epi8(v0, b)),
	    _mm256_cmpeq_epi8(v0, c));
	__m256i e1 = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v1, a), _mm256_cmpeq_epi8(v1, b)),
	    _mm256_cmpeq_epi8(v1, c));
	return (uint64_t)(uint32_t)_mm256_movemask_epi8(e0) | (uint64_t)(uint32_t)_mm256_movemask_epi8(e1) << 32;
}
#endif

typedef struct classifier {
	const char *name;
	hd_classify_fn fn;
} classifier;

static const classifier classifiers[] = {
#ifdef HD_X86
	{ "avx2", classify_avx2 },
	{ "sse2", classify_sse2 },
#endif
	{ "scalar", classify_scalar },
};
#define NCLASSIFIERS (sizeof classifiers / sizeof classifiers[0])

static bool
classifier_usable(const classifier *c)
{
#ifdef HD_X86
	if (c->fn == classify_avx2)
		return __builtin_cpu_supports("avx2");
	if (c->fn == classify_sse2)
		return __builtin_cpu_supports("sse2");
#endif
	(void)c;
	return true;
}

/* Written once (or by hd_classify_force); racing first calls store the same value. */
static const classifier *chosen;

static const classifier *
choose(void)
{
	const char *env = getenv("HD_NO_SIMD");
	if (env && env[0] && strcmp(env, "0") != 0)
		return &classifiers[NCLASSIFIERS - 1];
	for (size_t i = 0; i < NCLASSIFIERS; i++)
		if (classifier_usable(&classifiers[i]))
			return &classifiers[i];
	return &classifiers[NCLASSIFIERS - 1];
}

static const classifier *
current(void)
{
	const classifier *c = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE);
	if (!c) {
		c = choose();
		__atomic_store_n(&chosen, c, __ATOMIC_RELEASE);
	}
	return c;
}

hd_classify_fn
hd_classify_get(void)
{
	return current()->fn;
}

const char *
hd_classify_name(void)
{
	return current()->name;
}

bool
hd_classify_force(const char *name)
{
	if (!name) {
		__atomic_store_n(&chosen, choose(), __ATOMIC_RELEASE);
		return true;
	}
	for (size_t i = 0; i < NCLASSIFIERS; i++) {
		if (strcmp(classifiers[i].name, name) == 0) {
			if (!classifier_usable(&classifiers[i]))
				return false;
			__atomic_store_n(&chosen, &classifiers[i], __ATOMIC_RELEASE);
			return true;
		}
	}
	return false;
}
