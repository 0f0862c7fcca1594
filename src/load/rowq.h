/*
 * rowq.h — a bounded queue of row buffers from parsing slices to one writer (see rowq.c).
 */
#ifndef HD_LOAD_ROWQ_H
#define HD_LOAD_ROWQ_H

#include <pthread.h>
#include <stdbool.h>

#include "common/buf.h"
#include "convert/convert.h"

typedef struct hd_rowbuf {
	hd_buf data;
	int nrows;
	struct hd_rowbuf *next;     /* queue / free list */
	struct hd_rowbuf *all_next; /* every buffer */
} hd_rowbuf;

typedef struct hd_rowq hd_rowq;

hd_code hd_rowq_new(int producers, hd_rowq **out);
void hd_rowq_free(hd_rowq *q);

/* Producers. take_free waits for a free buffer; NULL once the queue was aborted. */
hd_rowbuf *hd_rowq_take_free(hd_rowq *q);
void hd_rowq_push(hd_rowq *q, hd_rowbuf *b);
void hd_rowq_producer_done(hd_rowq *q);

/* The writer. pop waits for a full buffer; NULL when every producer is done and the queue is empty, or aborted. */
hd_rowbuf *hd_rowq_pop(hd_rowq *q);
void hd_rowq_release(hd_rowq *q, hd_rowbuf *b);

/* Wake everyone and make every later take/pop return NULL. */
void hd_rowq_abort(hd_rowq *q);

/* Append a row's n values to b; decode n values from p (they point into the buffer) and return the next row. */
hd_code hd_rowq_encode(hd_buf *b, const hd_value *vals, int n);
const char *hd_rowq_decode(const char *p, hd_value *vals, int n);

#endif
