/*
 * rowq.c — hand converted rows from parsing slices to the one writer (SQLite; PostgreSQL without two-phase commit).
 *
 * A slice serialises each accepted row's values into its current buffer (values are copied: the record they point
 * into is overwritten by the next one); when the buffer passes HD_SINK_BUF it goes on the queue and the slice takes a
 * free one, waiting if none is free. The writer takes full buffers in order, decodes the rows (values point into the
 * buffer, valid until it is released) and hands them to the sink. Buffers: 2 per slice + 2, each at most
 * HD_SINK_BUF + one row, allocated once: memory is bounded whatever the input size.
 *
 * Serialised value: one kind byte, then its payload — fixed-size scalars in host order (the buffer never leaves the
 * process), text/bytes as u32 length + bytes, numeric as its fields + digits.
 */
#include "load/rowq.h"

#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/sys.h"

struct hd_rowq {
	pthread_mutex_t mu;
	pthread_cond_t cv_full;   /* a buffer was queued, or producers finished, or abort */
	pthread_cond_t cv_free;   /* a buffer was released, or abort */
	hd_rowbuf *head, *tail;   /* full buffers, oldest first */
	hd_rowbuf *free;
	hd_rowbuf *all;           /* every buffer, for freeing */
	int producers;            /* slices still producing */
	bool aborted;
};

hd_code
hd_rowq_new(int producers, hd_rowq **out)
{
	hd_rowq *q = hd_calloc(1, sizeof *q);
	int nbuf = 2 * producers + 2;

	if (!q)
		return HD_ERR_NOMEM;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv_full, NULL);
	pthread_cond_init(&q->cv_free, NULL);
	q->producers = producers;
	for (int i = 0; i < nbuf; i++) {
		hd_rowbuf *b = hd_calloc(1, sizeof *b);
		if (!b) {
			hd_rowq_free(q);
			return HD_ERR_NOMEM;
		}
		hd_buf_init(&b->data, HD_SINK_BUF + HD_MAX_RECORD + 16 * HD_MAX_FIELDS);
		b->all_next = q->all;
		q->all = b;
		b->next = q->free;
		q->free = b;
	}
	*out = q;
	return HD_OK;
}

void
hd_rowq_free(hd_rowq *q)
{
	if (!q)
		return;
	for (hd_rowbuf *b = q->all, *n; b; b = n) {
		n = b->all_next;
		hd_buf_free(&b->data);
		free(b);
	}
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv_full);
	pthread_cond_destroy(&q->cv_free);
	free(q);
}

hd_rowbuf *
hd_rowq_take_free(hd_rowq *q)
{
	hd_rowbuf *b = NULL;

	pthread_mutex_lock(&q->mu);
	while (!q->free && !q->aborted)
		pthread_cond_wait(&q->cv_free, &q->mu);
	if (!q->aborted) {
		b = q->free;
		q->free = b->next;
		b->next = NULL;
		hd_buf_reset(&b->data);
		b->nrows = 0;
	}
	pthread_mutex_unlock(&q->mu);
	return b;
}

void
hd_rowq_push(hd_rowq *q, hd_rowbuf *b)
{
	pthread_mutex_lock(&q->mu);
	b->next = NULL;
	if (q->tail)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
	pthread_cond_signal(&q->cv_full);
	pthread_mutex_unlock(&q->mu);
}

void
hd_rowq_release(hd_rowq *q, hd_rowbuf *b)
{
	pthread_mutex_lock(&q->mu);
	b->next = q->free;
	q->free = b;
	pthread_cond_signal(&q->cv_free);
	pthread_mutex_unlock(&q->mu);
}

void
hd_rowq_producer_done(hd_rowq *q)
{
	pthread_mutex_lock(&q->mu);
	q->producers--;
	pthread_cond_broadcast(&q->cv_full);
	pthread_mutex_unlock(&q->mu);
}

hd_rowbuf *
hd_rowq_pop(hd_rowq *q)
{
	hd_rowbuf *b = NULL;

	pthread_mutex_lock(&q->mu);
	while (!q->head && q->producers > 0 && !q->aborted)
		pthread_cond_wait(&q->cv_full, &q->mu);
	if (q->head && !q->aborted) {
		b = q->head;
		q->head = b->next;
		if (!q->head)
			q->tail = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	return b;
}

void
hd_rowq_abort(hd_rowq *q)
{
	pthread_mutex_lock(&q->mu);
	q->aborted = true;
	pthread_cond_broadcast(&q->cv_full);
	pthread_cond_broadcast(&q->cv_free);
	pthread_mutex_unlock(&q->mu);
}

/* ---- serialisation ----------------------------------------------------------------------------------------------- */

static size_t
value_size(const hd_value *v)
{
	switch (v->kind) {
	case HD_V_NULL: return 1;
	case HD_V_BOOL: return 2;
	case HD_V_FLOAT4:
	case HD_V_DATE: return 5;
	case HD_V_INT:
	case HD_V_FLOAT8:
	case HD_V_TIMESTAMP:
	case HD_V_TIME: return 9;
	case HD_V_TIMETZ: return 13;
	case HD_V_TEXT:
	case HD_V_BYTES: return 5 + v->u.s.n;
	case HD_V_NUMERIC: return 1 + 4 + 4 + 2 + 1 + (size_t)v->u.num.ndigits;
	}
	return 1;
}

#define PUT(b, x) hd_buf_put((b), &(x), sizeof(x))

hd_code
hd_rowq_encode(hd_buf *b, const hd_value *vals, int n)
{
	size_t need = 0;
	hd_code r;

	for (int i = 0; i < n; i++)
		need += value_size(&vals[i]);
	if ((r = hd_buf_reserve(b, need)) != HD_OK)
		return r;
	for (int i = 0; i < n; i++) {
		const hd_value *v = &vals[i];
		unsigned char kind = (unsigned char)v->kind;
		PUT(b, kind);
		switch (v->kind) {
		case HD_V_NULL: break;
		case HD_V_BOOL: { unsigned char x = v->u.b; PUT(b, x); break; }
		case HD_V_FLOAT4: PUT(b, v->u.f4); break;
		case HD_V_DATE: PUT(b, v->u.date); break;
		case HD_V_INT: PUT(b, v->u.i); break;
		case HD_V_FLOAT8: PUT(b, v->u.f8); break;
		case HD_V_TIMESTAMP:
		case HD_V_TIME: PUT(b, v->u.ts); break;
		case HD_V_TIMETZ: PUT(b, v->u.timetz.us); PUT(b, v->u.timetz.zone_west_sec); break;
		case HD_V_TEXT:
		case HD_V_BYTES: {
			uint32_t len = (uint32_t)v->u.s.n;
			PUT(b, len);
			if (len)
				hd_buf_put(b, v->u.s.p, len);
			break;
		}
		case HD_V_NUMERIC: {
			unsigned char neg = v->u.num.neg;
			PUT(b, v->u.num.ndigits);
			PUT(b, v->u.num.weight10);
			PUT(b, v->u.num.dscale);
			PUT(b, neg);
			if (v->u.num.ndigits)
				hd_buf_put(b, v->u.num.digits, (size_t)v->u.num.ndigits);
			break;
		}
		}
	}
	return HD_OK;
}

#define GET(p, x) (memcpy(&(x), (p), sizeof(x)), (p) += sizeof(x))

const char *
hd_rowq_decode(const char *p, hd_value *vals, int n)
{
	for (int i = 0; i < n; i++) {
		hd_value *v = &vals[i];
		unsigned char kind;
		GET(p, kind);
		v->kind = (hd_vkind)kind;
		switch (v->kind) {
		case HD_V_NULL: break;
		case HD_V_BOOL: { unsigned char x; GET(p, x); v->u.b = x != 0; break; }
		case HD_V_FLOAT4: GET(p, v->u.f4); break;
		case HD_V_DATE: GET(p, v->u.date); break;
		case HD_V_INT: GET(p, v->u.i); break;
		case HD_V_FLOAT8: GET(p, v->u.f8); break;
		case HD_V_TIMESTAMP:
		case HD_V_TIME: GET(p, v->u.ts); break;
		case HD_V_TIMETZ: GET(p, v->u.timetz.us); GET(p, v->u.timetz.zone_west_sec); break;
		case HD_V_TEXT:
		case HD_V_BYTES: {
			uint32_t len;
			GET(p, len);
			v->u.s.p = p;
			v->u.s.n = len;
			p += len;
			break;
		}
		case HD_V_NUMERIC: {
			unsigned char neg;
			GET(p, v->u.num.ndigits);
			GET(p, v->u.num.weight10);
			GET(p, v->u.num.dscale);
			GET(p, neg);
			v->u.num.neg = neg != 0;
			v->u.num.digits = p;
			p += v->u.num.ndigits;
			break;
		}
		}
	}
	return p;
}
