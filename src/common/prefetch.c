/*
 * prefetch.c — read a stream ahead on a thread of its own, so that producing bytes (decompressing, or waiting on a
 * remote host) overlaps with consuming them (parsing, converting, sending).
 *
 * The reader thread fills a ring of nchunks buffers of chunk bytes each from the inner stream; read() hands the
 * caller bytes from the oldest full buffer. Memory: nchunks × chunk, fixed. The inner stream's error (or its end)
 * is delivered after every byte before it. close() stops the thread (it may be blocked in the inner read: it is
 * allowed to finish that read), joins it and closes the inner stream.
 */
#include "common/stream.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "common/sys.h"

typedef struct slot {
	char *data;
	size_t len, pos;
} slot;

typedef struct prefetch {
	hd_stream base;
	hd_stream *in;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* one condition: the ring changed, or stop */
	slot *ring;
	int nslots;
	int head, count;   /* full slots: head .. head+count-1 */
	bool eof, stop;
	hd_code code;      /* the inner stream's error, delivered after its bytes */
	hd_err err;
	size_t chunk;
} prefetch;

static void *
fill_main(void *arg)
{
	prefetch *p = arg;
	hd_err e;

	for (;;) {
		slot *s;
		ssize_t got;

		pthread_mutex_lock(&p->mu);
		while (p->count == p->nslots && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		s = &p->ring[(p->head + p->count) % p->nslots];
		pthread_mutex_unlock(&p->mu);

		/* Fill the free slot outside the lock: only this thread touches it until it is published. */
		hd_err_clear(&e);
		s->len = s->pos = 0;
		got = 0;
		while (s->len < p->chunk) {
			got = hd_stream_read(p->in, s->data + s->len, p->chunk - s->len, &e);
			if (got <= 0)
				break;
			s->len += (size_t)got;
		}

		pthread_mutex_lock(&p->mu);
		if (s->len > 0)
			p->count++;
		if (got < 0) {
			p->code = e.code ? e.code : HD_ERR_IO;
			p->err = e;
		}
		if (got <= 0)
			p->eof = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (got <= 0)
			return NULL;
	}
}

static ssize_t
pf_read(hd_stream *st, void *buf, size_t n, hd_err *err)
{
	prefetch *p = (prefetch *)st;
	ssize_t r;

	pthread_mutex_lock(&p->mu);
	while (p->count == 0 && !p->eof)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->count == 0) {
		/* the end, or the inner stream's error after its last byte */
		if (p->code) {
			if (err)
				*err = p->err;
			pthread_mutex_unlock(&p->mu);
			return -1;
		}
		pthread_mutex_unlock(&p->mu);
		return 0;
	}
	slot *s = &p->ring[p->head];
	pthread_mutex_unlock(&p->mu);

	/* The head slot is ours to read until we release it. */
	if (n > s->len - s->pos)
		n = s->len - s->pos;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	r = (ssize_t)n;

	if (s->pos == s->len) {
		pthread_mutex_lock(&p->mu);
		p->head = (p->head + 1) % p->nslots;
		p->count--;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return r;
}

static void
pf_close(hd_stream *st)
{
	prefetch *p = (prefetch *)st;

	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->th, NULL);
	hd_stream_close(p->in);
	for (int i = 0; i < p->nslots; i++)
		free(p->ring[i].data);
	free(p->ring);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

static const hd_stream_ops prefetch_ops = { "prefetch", pf_read, pf_close };

hd_code
hd_stream_prefetch(hd_stream *in, size_t chunk, int nchunks, hd_stream **out, hd_err *err)
{
	prefetch *p = hd_calloc(1, sizeof *p);

	if (!p || !(p->ring = hd_calloc((size_t)nchunks, sizeof *p->ring)))
		goto nomem;
	p->nslots = nchunks;
	p->chunk = chunk;
	for (int i = 0; i < nchunks; i++)
		if (!(p->ring[i].data = hd_malloc(chunk)))
			goto nomem;
	p->base.ops = &prefetch_ops;
	p->base.name = in->name;
	p->in = in;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->th, NULL, fill_main, p) != 0) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
		goto nomem;
	}
	*out = &p->base;
	return HD_OK;
nomem:
	if (p) {
		if (p->ring)
			for (int i = 0; i < nchunks; i++)
				free(p->ring[i].data);
		free(p->ring);
		free(p);
	}
	hd_stream_close(in);
	return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
}
