/*
 * stream.c — the in-memory stream (tests, small inputs).
 */
#include "common/stream.h"

#include <stdlib.h>
#include <string.h>
#include "common/sys.h"

typedef struct mem_stream {
	hd_stream base;
	const char *data;
	size_t len, pos;
	char *name;
} mem_stream;

static ssize_t
mem_read(hd_stream *s, void *buf, size_t n, hd_err *err)
{
	mem_stream *m = (mem_stream *)s;
	size_t left = m->len - m->pos;
	(void)err;
	if (n > left)
		n = left;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static void
mem_close(hd_stream *s)
{
	mem_stream *m = (mem_stream *)s;
	free(m->name);
	free(m);
}

static const hd_stream_ops mem_ops = { "memory", mem_read, mem_close };

hd_stream *
hd_stream_mem(const void *data, size_t len, const char *name)
{
	mem_stream *m = hd_calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->name = hd_strdup(name ? name : "memory");
	if (!m->name) {
		free(m);
		return NULL;
	}
	m->base.ops = &mem_ops;
	m->base.name = m->name;
	m->data = data;
	m->len = len;
	return &m->base;
}
