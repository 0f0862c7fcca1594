/*
 * fmt_harness.h — shared by the format tests (test_delimited, test_csv, test_fixedwidth, test_json, test_split): run a
 * format's reader over bytes and dump what it returned.
 *
 * One dump line per call:
 *    "<line>@<offset>:[f1][f2]…"  a record (q[…] for a quoted field, N for a NULL field; \n, \r and other control
 *                                 bytes shown escaped)
 *    "<line>:BAD<code>"           a rejected record (with "@<offset>:<raw>" when FH_RAW is asked for)
 *    "ERR:<message>"              a fatal error (the dump stops)
 * Streams: mode 0 one read, 1 one byte per read, 2 random 1..4096, 3 random up to 3 MB.
 * Header-only code (static inline: each test program uses what it needs) for cmocka tests; include after <cmocka.h>.
 */
#ifndef HD_TESTS_FMT_HARNESS_H
#define HD_TESTS_FMT_HARNESS_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "format/format_int.h"

typedef struct chunk_stream {
	hd_stream base;
	const char *data;
	size_t len, pos;
	int mode;
	uint64_t rng;
} chunk_stream;

static inline uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline ssize_t
chunk_read(hd_stream *s, void *buf, size_t n, hd_err *err)
{
	chunk_stream *c = (chunk_stream *)s;
	size_t k = n, left = c->len - c->pos;
	(void)err;
	if (c->mode == 1)
		k = 1;
	else if (c->mode == 2)
		k = 1 + rnd(&c->rng) % 4096;
	else if (c->mode == 3)
		k = 1 + rnd(&c->rng) % (3u << 20);
	if (k > n)
		k = n;
	if (k > left)
		k = left;
	memcpy(buf, c->data + c->pos, k);
	c->pos += k;
	return (ssize_t)k;
}

static inline void
chunk_close(hd_stream *s)
{
	free(s);
}

static const hd_stream_ops chunk_ops = { "chunks", chunk_read, chunk_close };

/* A stream whose every read fails. */
static inline ssize_t
fail_read(hd_stream *s, void *buf, size_t n, hd_err *err)
{
	(void)s;
	(void)buf;
	(void)n;
	hd_err_set(err, HD_ERR_IO, "failing-input: read error: Input/output error");
	return -1;
}
static const hd_stream_ops fail_ops = { "fail", fail_read, chunk_close };

static inline hd_stream *
chunk_stream_new(const char *data, size_t len, int mode)
{
	chunk_stream *c = calloc(1, sizeof *c);
	assert_non_null(c);
	c->base.ops = &chunk_ops;
	c->base.name = "test-input";
	c->data = data;
	c->len = len;
	c->mode = mode;
	c->rng = 0x9E3779B97F4A7C15ull;
	return &c->base;
}

typedef struct dump {
	char *s;
	size_t len, cap;
} dump;

static inline void
dput(dump *d, const char *p, size_t n)
{
	if (d->len + n + 1 > d->cap) {
		d->cap = (d->len + n + 1) * 2;
		d->s = realloc(d->s, d->cap);
		assert_non_null(d->s);
	}
	memcpy(d->s + d->len, p, n);
	d->len += n;
	d->s[d->len] = '\0';
}

static inline void dprintf_(dump *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void
dprintf_(dump *d, const char *fmt, ...)
{
	char tmp[1200];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	dput(d, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static inline void
dbytes(dump *d, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\n')
			dput(d, "\\n", 2);
		else if (c == '\r')
			dput(d, "\\r", 2);
		else if (c < 0x20)
			dprintf_(d, "\\x%02x", c);
		else
			dput(d, (const char *)&c, 1);
	}
}

static inline void
dfield(dump *d, const hd_field *f)
{
	if (f->null) {
		assert_int_equal(f->n, 0);
		dput(d, "N", 1);
		return;
	}
	if (f->quoted)
		dput(d, "q", 1);
	dput(d, "[", 1);
	dbytes(d, f->p, f->n);
	dput(d, "]", 1);
}

enum { FH_RAW = 1 };

/* Read everything from a stream; return the dump (caller frees). data/len: the whole input, to check rec.raw. */
static inline char *
fh_run_stream(const hd_format_ops *ops, const hd_format_opts *o, hd_stream *in, const char *data, size_t len,
              int flags)
{
	hd_reader *rd = NULL;
	hd_record rec;
	hd_recfail fail;
	hd_err err;
	dump d = { 0 };
	int rc;

	assert_non_null(in);
	dput(&d, "", 0);
	assert_int_equal(ops->open(o, in, &rd, &err), HD_OK);
	for (;;) {
		memset(&rec, 0, sizeof rec);
		rc = ops->next(rd, &rec, &fail, &err);
		if (rc == HD_REC_EOF)
			break;
		if (rc == HD_REC_ERROR) {
			dprintf_(&d, "ERR:%s\n", err.msg);
			break;
		}
		/* raw is the input at offset (counted from first_offset), without the line end */
		assert_true(rec.offset >= o->first_offset);
		assert_true(rec.offset - o->first_offset + rec.raw_len <= len);
		assert_memory_equal(rec.raw, data + (rec.offset - o->first_offset), rec.raw_len);
		if (rc == HD_REC_BAD) {
			dprintf_(&d, "%llu:BAD%d", (unsigned long long)rec.line, fail.code);
			if (flags & FH_RAW) {
				dprintf_(&d, "@%llu:", (unsigned long long)rec.offset);
				dbytes(&d, rec.raw, rec.raw_len);
			}
			dput(&d, "\n", 1);
			continue;
		}
		assert_int_equal(rc, HD_REC_OK);
		dprintf_(&d, "%llu@%llu:", (unsigned long long)rec.line, (unsigned long long)rec.offset);
		for (int i = 0; i < rec.nfields; i++)
			dfield(&d, &rec.fields[i]);
		if (flags & FH_RAW) {
			dput(&d, " raw=", 5);
			dbytes(&d, rec.raw, rec.raw_len);
		}
		dput(&d, "\n", 1);
	}
	ops->close(rd);
	hd_stream_close(in);
	return d.s;
}

static inline char *
fh_run(const hd_format_ops *ops, const hd_format_opts *o, const char *data, size_t len, int mode, int flags)
{
	hd_stream *in = mode ? chunk_stream_new(data, len, mode) : hd_stream_mem(data, len, "test-input");
	return fh_run_stream(ops, o, in, data, len, flags);
}

static const char *const classifier_names[] = { "scalar", "sse2", "avx2" };

/* Run through every stream mode and classifier; all must agree; return the dump. */
__attribute__((unused)) static char *
fh_run_all(const hd_format_ops *ops, const hd_format_opts *o, const char *data, size_t len, bool small_reads)
{
	char *ref;

	hd_classify_force("scalar");
	ref = fh_run(ops, o, data, len, 0, 0);
	for (size_t c = 0; c < sizeof classifier_names / sizeof classifier_names[0]; c++) {
		if (!hd_classify_force(classifier_names[c]))
			continue;
		for (int mode = 0; mode <= 3; mode++) {
			char *got;
			if (mode == 1 && !small_reads)
				continue;
			got = fh_run(ops, o, data, len, mode, 0);
			if (strcmp(got, ref) != 0)
				fail_msg("classifier %s, stream mode %d differs:\n--- want\n%.2000s\n--- got\n%.2000s",
				    classifier_names[c], mode, ref, got);
			free(got);
		}
	}
	hd_classify_force(NULL);
	return ref;
}

#endif
