/*
 * test_threads.c — the two hand-offs between threads outside the slices themselves: the prefetch stream
 * (common/prefetch.c: a reader thread filling a ring) and the row queue (load/rowq.c: slices to one writer).
 * Meant to run under ThreadSanitizer too (scripts/tsan.sh), so each case makes the threads meet many times:
 * small chunks, few slots, several producers, an abort while producers wait.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/stream.h"
#include "load/rowq.h"

/* ---- prefetch ---------------------------------------------------------------------------------------------------- */

/* An inner stream that hands out a pattern in odd-sized pieces, then fails (or ends) after total bytes. */
typedef struct pat_stream {
	hd_stream base;
	size_t total, pos;
	int piece;
	bool fail;
	int *closed;
} pat_stream;

static unsigned char
pat_byte(size_t i)
{
	return (unsigned char)((i * 131u + (i >> 8)) & 0xff);
}

static ssize_t
pat_read(hd_stream *s, void *buf, size_t n, hd_err *err)
{
	pat_stream *p = (pat_stream *)s;
	size_t k = (size_t)(p->piece++ % 13) + 1;

	if (p->pos == p->total) {
		if (p->fail)
			return hd_err_set(err, HD_ERR_IO, "pattern: read error at %zu", p->pos), -1;
		return 0;
	}
	if (k > n)
		k = n;
	if (k > p->total - p->pos)
		k = p->total - p->pos;
	for (size_t i = 0; i < k; i++)
		((unsigned char *)buf)[i] = pat_byte(p->pos + i);
	p->pos += k;
	return (ssize_t)k;
}

static void
pat_close(hd_stream *s)
{
	pat_stream *p = (pat_stream *)s;
	if (p->closed)
		(*p->closed)++;
	free(p);
}

static const hd_stream_ops pat_ops = { "pattern", pat_read, pat_close };

static hd_stream *
pat_new(size_t total, bool fail, int *closed)
{
	pat_stream *p = calloc(1, sizeof *p);
	assert_non_null(p);
	p->base.ops = &pat_ops;
	p->base.name = "pattern";
	p->total = total;
	p->fail = fail;
	p->closed = closed;
	return &p->base;
}

/* Read everything through a prefetch of nchunks × chunk with caller reads of 1..want bytes; check every byte. */
static void
check_prefetch(size_t total, bool fail, size_t chunk, int nchunks, size_t want)
{
	int closed = 0;
	hd_stream *pf;
	hd_err err;
	unsigned char buf[256];
	size_t pos = 0, step = 0;
	ssize_t r;

	hd_err_clear(&err);
	assert_int_equal(hd_stream_prefetch(pat_new(total, fail, &closed), chunk, nchunks, &pf, &err), HD_OK);
	for (;;) {
		size_t n = (step++ % want) + 1;
		r = hd_stream_read(pf, buf, n, &err);
		if (r <= 0)
			break;
		assert_true((size_t)r <= n);
		for (ssize_t i = 0; i < r; i++)
			assert_int_equal(buf[i], pat_byte(pos + (size_t)i));
		pos += (size_t)r;
	}
	assert_int_equal(pos, total);
	if (fail) {
		assert_int_equal(r, -1);
		assert_int_equal(err.code, HD_ERR_IO);
		assert_non_null(strstr(err.msg, "read error"));
	} else {
		assert_int_equal(r, 0);
		assert_int_equal(hd_stream_read(pf, buf, 1, &err), 0); /* the end stays the end */
	}
	hd_stream_close(pf);
	assert_int_equal(closed, 1);
}

static void
test_prefetch_delivers_every_byte(void **state)
{
	(void)state;
	check_prefetch(0, false, 16, 2, 7);
	check_prefetch(1, false, 16, 2, 7);
	check_prefetch(100000, false, 17, 2, 1);
	check_prefetch(100000, false, 64, 3, 200);
	check_prefetch(300000, false, 4096, 4, 256);
}

static void
test_prefetch_error_after_the_bytes(void **state)
{
	(void)state;
	check_prefetch(0, true, 16, 2, 7);
	check_prefetch(50000, true, 19, 2, 5);
	check_prefetch(50000, true, 4096, 4, 256);
}

/* Closing before the end: the reader thread is stopped while it waits for a free slot or is filling one. */
static void
test_prefetch_close_early(void **state)
{
	(void)state;
	for (int i = 0; i < 50; i++) {
		int closed = 0;
		hd_stream *pf;
		hd_err err;
		unsigned char buf[64];

		hd_err_clear(&err);
		assert_int_equal(hd_stream_prefetch(pat_new(1u << 20, false, &closed), 32, 2, &pf, &err), HD_OK);
		for (int k = 0; k < i; k++)
			assert_true(hd_stream_read(pf, buf, sizeof buf, &err) > 0);
		hd_stream_close(pf);
		assert_int_equal(closed, 1);
	}
}

/* ---- rowq -------------------------------------------------------------------------------------------------------- */

typedef struct producer {
	hd_rowq *q;
	int id, rows, per_buf;
	int stop_after;   /* -1: produce everything */
	int produced;
} producer;

static void *
produce(void *arg)
{
	producer *pr = arg;
	hd_rowbuf *b = NULL;
	hd_value v[2];

	for (int i = 0; i < pr->rows; i++) {
		if (!b && !(b = hd_rowq_take_free(pr->q)))
			break; /* aborted */
		v[0].kind = HD_V_INT;
		v[0].u.i = (int64_t)pr->id << 32 | (uint32_t)i;
		v[1].kind = HD_V_TEXT;
		v[1].u.s.p = "row";
		v[1].u.s.n = 3;
		if (hd_rowq_encode(&b->data, v, 2) != HD_OK)
			abort(); /* (no cmocka assertion off the test's thread) */
		b->nrows++;
		pr->produced++;
		if (b->nrows == pr->per_buf) {
			hd_rowq_push(pr->q, b);
			b = NULL;
		}
	}
	if (b) {
		if (b->nrows)
			hd_rowq_push(pr->q, b);
		else
			hd_rowq_release(pr->q, b);
	}
	hd_rowq_producer_done(pr->q);
	return NULL;
}

/* n producers, one writer (this thread): every row arrives once, each producer's rows in order. With abort_at >= 0
 * the writer aborts after that many buffers; the producers must all finish. */
static void
check_rowq(int n, int rows, int per_buf, int abort_at)
{
	hd_rowq *q;
	pthread_t th[8];
	producer pr[8];
	int next[8] = { 0 };
	int bufs = 0, got = 0;
	hd_rowbuf *b;
	hd_value v[2];

	assert_true(n <= 8);
	assert_int_equal(hd_rowq_new(n, &q), HD_OK);
	for (int i = 0; i < n; i++) {
		pr[i] = (producer){ .q = q, .id = i, .rows = rows, .per_buf = per_buf, .stop_after = -1 };
		assert_int_equal(pthread_create(&th[i], NULL, produce, &pr[i]), 0);
	}
	while ((b = hd_rowq_pop(q)) != NULL) {
		const char *p = b->data.data;
		if (abort_at >= 0 && bufs == abort_at) {
			hd_rowq_release(q, b);
			hd_rowq_abort(q);
			break;
		}
		for (int i = 0; i < b->nrows; i++) {
			p = hd_rowq_decode(p, v, 2);
			assert_int_equal(v[0].kind, HD_V_INT);
			int id = (int)(v[0].u.i >> 32), k = (int)(uint32_t)v[0].u.i;
			assert_true(id >= 0 && id < n);
			assert_int_equal(k, next[id]);
			next[id]++;
			assert_int_equal(v[1].u.s.n, 3);
			assert_memory_equal(v[1].u.s.p, "row", 3);
			got++;
		}
		hd_buf_reset(&b->data);
		b->nrows = 0;
		hd_rowq_release(q, b);
		bufs++;
	}
	for (int i = 0; i < n; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	if (abort_at < 0) {
		assert_int_equal(got, n * rows);
		for (int i = 0; i < n; i++)
			assert_int_equal(next[i], rows);
	}
	assert_null(hd_rowq_pop(q));
	hd_rowq_free(q);
}

static void
test_rowq_every_row_once_in_order(void **state)
{
	(void)state;
	check_rowq(1, 1000, 7, -1);
	check_rowq(2, 5000, 3, -1);
	check_rowq(4, 5000, 1, -1);
	check_rowq(8, 2000, 64, -1);
}

static void
test_rowq_abort_wakes_producers(void **state)
{
	(void)state;
	check_rowq(2, 10000, 1, 0);
	check_rowq(4, 10000, 2, 5);
	check_rowq(8, 10000, 1, 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefetch_delivers_every_byte),
		cmocka_unit_test(test_prefetch_error_after_the_bytes),
		cmocka_unit_test(test_prefetch_close_early),
		cmocka_unit_test(test_rowq_every_row_once_in_order),
		cmocka_unit_test(test_rowq_abort_wakes_producers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
