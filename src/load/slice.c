/*
 * slice.c — one slice's work loop: take the next unit, stream it through codec → format → convert → sink.
 *
 * Per record: map its fields to the plan's columns (a trailing delimiter, FILLRECORD, too many / too few fields),
 * convert each field into sl->vals (text values point into the record or into sl->scratch, reset per record), and
 * hand the row to the sink, which encodes it straight into its output buffer. A field that fails conversion rejects
 * the whole record: nothing of it reaches the sink. No allocation happens per record or per field.
 *
 * Rejected rows are counted in the shared counter (MAXERROR counts across slices); the slice whose rejection passes
 * MAXERROR sets shared->stop, and every slice checks it between records.
 */
#include "load/load_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "common/sys.h"

/* A stream that counts the bytes that pass through it (bytes of decompressed input per file). */
typedef struct count_stream {
	hd_stream base;
	hd_stream *in;
	uint64_t *count;
} count_stream;

static ssize_t
count_read(hd_stream *s, void *buf, size_t n, hd_err *err)
{
	count_stream *c = (count_stream *)s;
	ssize_t r = hd_stream_read(c->in, buf, n, err);
	if (r > 0)
		*c->count += (uint64_t)r;
	return r;
}

static void
count_close(hd_stream *s)
{
	count_stream *c = (count_stream *)s;
	hd_stream_close(c->in);
	free(c);
}

static const hd_stream_ops count_ops = { "count", count_read, count_close };

/* Open a unit as a reader; *in is the stream under it, which the caller closes after the reader. */
static hd_code
open_unit(hd_slice *sl, const hd_unit *u, uint64_t *count, hd_reader **rd, hd_stream **in, hd_err *err)
{
	const hd_plan *p = sl->plan;
	hd_stream *raw = NULL, *plain = NULL;
	count_stream *cs;
	hd_code r;

	if ((r = p->source->open(p->spec, u, &raw, err)) != HD_OK)
		return r;
	if ((r = hd_codec_wrap(p->spec->compression, raw, &plain, err)) != HD_OK)
		return r; /* raw closed by the codec */
	if ((r = hd_codec_transcode(p->spec->encoding, plain, &plain, err)) != HD_OK)
		return r; /* closed by the transcoder */
	/* Decompress on a thread of its own, so decoding overlaps parsing: a compressed file is one unit, and would
	 * otherwise keep a second core idle. */
	if (p->spec->compression != HD_COMP_NONE &&
	    (r = hd_stream_prefetch(plain, HD_READ_CHUNK, 4, &plain, err)) != HD_OK)
		return r;
	cs = hd_calloc(1, sizeof *cs);
	if (!cs) {
		hd_stream_close(plain);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	cs->base.ops = &count_ops;
	cs->base.name = plain->name;
	cs->in = plain;
	cs->count = count;
	/* A byte range inside a file skips no header and numbers its lines from where it starts. */
	sl->fmt = p->fmt;
	if (u->offset > 0) {
		sl->fmt.mid_file = true;
		sl->fmt.first_line = u->first_line;
		sl->fmt.first_offset = u->offset; /* record offsets stay file offsets */
	}
	r = p->format->open(&sl->fmt, &cs->base, rd, err);
	if (r) {
		hd_stream_close(&cs->base);
		return r;
	}
	*in = &cs->base;
	return HD_OK;
}

/* Record one rejected row; HD_ERR_LOAD when it takes the load past MAXERROR. */
static hd_code
reject(hd_slice *sl, const hd_unit *u, hd_file_result *fr, const hd_record *rec, int code, const char *reason,
       const hd_column *col, const hd_field *field, hd_err *err)
{
	const hd_plan *p = sl->plan;
	long long total;
	hd_code r;

	fr->errors++;
	hd_errbatch_add(sl->eb, u->name, rec, code, reason, col, field);
	if (sl->eb->n == HD_ERRBATCH && (r = hd_slice_flush_errors(sl, err)) != HD_OK)
		return r;
	total = atomic_fetch_add(&sl->shared->errors, 1) + 1;
	if (total > p->maxerror) {
		atomic_store(&sl->shared->stop, 1);
		return HD_ERR_LOAD;
	}
	return HD_OK;
}

/* A JSON string bound for a json/jsonb column loads as a JSON string: quote and escape it again (into sl->jbuf, which
 * is reset per record and only grows). */
static hd_code
requote_json(hd_slice *sl, const hd_field *f, hd_field *out, hd_err *err)
{
	static const char hex[] = "0123456789abcdef";
	hd_buf *b = &sl->jbuf;
	size_t start = b->len;
	hd_code r;

	if ((r = hd_buf_reserve(b, (size_t)f->n * 6 + 2)) != HD_OK)
		return hd_err_set(err, r, "JSON string too long");
	b->data[b->len++] = '"';
	for (uint32_t i = 0; i < f->n; i++) {
		unsigned char c = (unsigned char)f->p[i];
		if (c == '"' || c == '\\') {
			b->data[b->len++] = '\\';
			b->data[b->len++] = (char)c;
		} else if (c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f') {
			b->data[b->len++] = '\\';
			b->data[b->len++] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : c == '\b' ? 'b' : 'f';
		} else if (c < 0x20) {
			memcpy(b->data + b->len, "\\u00", 4);
			b->data[b->len + 4] = hex[c >> 4];
			b->data[b->len + 5] = hex[c & 15];
			b->len += 6;
		} else {
			b->data[b->len++] = (char)c;
		}
	}
	b->data[b->len++] = '"';
	*out = *f;
	out->p = b->data + start;
	out->n = (uint32_t)(b->len - start);
	return HD_OK;
}

/* Single-writer mode: serialise the row into the slice's buffer; a full buffer goes to the writer. */
static hd_code
queue_row(hd_slice *sl, hd_err *err)
{
	hd_code r;

	if (!sl->cur && !(sl->cur = hd_rowq_take_free(sl->q)))
		return HD_ERR_CANCELED; /* the writer stopped */
	if ((r = hd_rowq_encode(&sl->cur->data, sl->vals, sl->plan->ncols)) != HD_OK)
		return hd_err_set(err, r, "row buffer: %s", hd_strerror(r));
	sl->cur->nrows++;
	if (sl->cur->data.len >= HD_SINK_BUF) {
		hd_rowq_push(sl->q, sl->cur);
		sl->cur = NULL;
	}
	return HD_OK;
}

static hd_code
run_unit(hd_slice *sl, int ui, hd_err *err)
{
	const hd_plan *p = sl->plan;
	const hd_unit *u = &p->work.v[ui];
	hd_file_result *fr = &sl->shared->results[ui];
	const int ncols = p->ncols;
	hd_reader *rd = NULL;
	hd_stream *in = NULL;
	hd_record rec;
	hd_recfail rf;
	hd_convfail cf;
	hd_code r;
	int st, i;

	if ((r = open_unit(sl, u, &fr->bytes, &rd, &in, err)) != HD_OK) {
		/* Issue 6: an optional unit (a non-mandatory SSH manifest entry) that cannot be opened is skipped, and the
		 * reason reported as a warning; nothing of it was read, so nothing needs undoing. */
		if (u->optional && r != HD_ERR_NOMEM && r != HD_ERR_CANCELED && sl->shared->skipped) {
			if (!(sl->shared->skipped[ui] = hd_strdup(err->msg)))
				return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
			hd_err_clear(err);
			return HD_OK;
		}
		return r;
	}

	for (;;) {
		if (atomic_load_explicit(&sl->shared->stop, memory_order_relaxed)) {
			r = HD_ERR_CANCELED;
			break;
		}
		st = p->format->next(rd, &rec, &rf, err);
		if (st == HD_REC_EOF) {
			r = HD_OK;
			break;
		}
		if (st == HD_REC_ERROR) {
			r = err->code ? err->code : HD_ERR_IO;
			if (!strstr(err->msg, u->name)) /* name the unit once: most sources' messages already do */
				hd_err_prefix(err, "%s", u->name);
			break;
		}
		if (rec.line > (uint64_t)fr->lines)
			fr->lines = (int64_t)rec.line;
		if (st == HD_REC_BAD) {
			if ((r = reject(sl, u, fr, &rec, rf.code, rf.reason, NULL, NULL, err)) != HD_OK)
				break;
			continue;
		}

		int nf = rec.nfields;
		if (p->trailing_delimiter && nf == ncols + 1 && rec.fields[nf - 1].n == 0 && !rec.fields[nf - 1].quoted)
			nf--;
		if (rec.raw_len == 0 && ncols > 1) {
			if ((r = reject(sl, u, fr, &rec, 1211, "Input line contained no data", NULL, NULL, err)) != HD_OK)
				break;
			continue;
		}
		if (nf > ncols) {
			if ((r = reject(sl, u, fr, &rec, 1202, "Extra column(s) found", NULL, NULL, err)) != HD_OK)
				break;
			continue;
		}
		if (nf < ncols && !p->spec->fillrecord) {
			const hd_column *c = &p->table->cols[p->colidx[nf]];
			if ((r = reject(sl, u, fr, &rec, p->short_code,
			                p->short_code == 1214 ? "Delimiter not found" : "Missing column(s) in record", c, NULL,
			                err)) != HD_OK)
				break;
			continue;
		}

		hd_buf_reset(&sl->scratch);
		if (p->json) {
			/* Re-quote JSON strings for json/jsonb columns first, into room reserved once for the record: jbuf
			 * must not move once a field points into it. */
			size_t need = 0;
			r = HD_OK;
			hd_buf_reset(&sl->jbuf);
			for (i = 0; i < nf && i < ncols; i++)
				if (rec.fields[i].jstring)
					need += (size_t)rec.fields[i].n * 6 + 2;
			if (need && (r = hd_buf_reserve(&sl->jbuf, need)) != HD_OK) {
				hd_err_set(err, r, "%s line %llu: JSON strings too long", u->name, (unsigned long long)rec.line);
				break;
			}
			for (i = 0; i < nf && i < ncols; i++) {
				hd_type t = p->table->cols[p->colidx[i]].type;
				if (rec.fields[i].jstring && !rec.fields[i].null && (t == HD_T_JSON || t == HD_T_JSONB) &&
				    (r = requote_json(sl, &rec.fields[i], &rec.fields[i], err)) != HD_OK)
					break;
			}
			if (r)
				break;
		}
		bool bad = false, replaced = false;
		for (i = 0; i < ncols; i++) {
			const hd_column *c = &p->table->cols[p->colidx[i]];
			int cr;
			if (i < nf && rec.fields[i].null) {
				/* A JSON null, or a key or path that matched nothing. */
				sl->vals[i].kind = HD_V_NULL;
				cr = HD_CONV_OK;
				if (c->not_null) {
					cf.code = 1213;
					snprintf(cf.reason, sizeof cf.reason, "Missing data for not-null field");
					cr = HD_CONV_FAIL;
				}
			} else if (i < nf)
				cr = hd_conv_field(c, &p->conv, rec.fields[i].p, rec.fields[i].n, rec.fields[i].quoted,
				                   &sl->vals[i], &sl->scratch, &cf);
			else
				cr = hd_conv_missing(c, &p->conv, &sl->vals[i], &cf);
			if (cr == HD_CONV_FAIL) {
				r = reject(sl, u, fr, &rec, cf.code, cf.reason, c, i < nf ? &rec.fields[i] : NULL, err);
				bad = true;
				break;
			}
			if (cr == HD_CONV_REPLACED)
				replaced = true;
		}
		if (bad) {
			if (r)
				break;
			continue;
		}
		if (sl->sink) {
			if ((r = sl->sops->load_row(sl->sink, sl->vals, err)) != HD_OK)
				break;
		} else if (sl->q && (r = queue_row(sl, err)) != HD_OK) {
			break;
		}
		fr->rows++;
		if ((fr->rows & 1023) == 0)
			atomic_fetch_add_explicit(&sl->shared->rows, 1024, memory_order_relaxed);
		sl->rows++;
		if (replaced)
			sl->replaced++;
	}

	sl->bytes += fr->bytes;
	atomic_fetch_add_explicit(&sl->shared->rows, fr->rows & 1023, memory_order_relaxed);
	atomic_fetch_add_explicit(&sl->shared->bytes, (long long)fr->bytes, memory_order_relaxed);
	p->format->close(rd);
	hd_stream_close(in);
	return r;
}

hd_code
hd_slice_run(hd_slice *sl, hd_err *err)
{
	const hd_plan *p = sl->plan;
	hd_code r = HD_OK;

	for (;;) {
		int ui = atomic_fetch_add(&sl->shared->next_unit, 1);
		if (ui >= p->work.n)
			break;
		if (atomic_load(&sl->shared->stop)) {
			r = HD_ERR_CANCELED;
			break;
		}
		if ((r = run_unit(sl, ui, err)) != HD_OK) {
			atomic_store(&sl->shared->stop, 1);
			break;
		}
	}
	if (sl->q) {
		if (sl->cur) {
			if (r == HD_OK && sl->cur->nrows > 0)
				hd_rowq_push(sl->q, sl->cur);
			else
				hd_rowq_release(sl->q, sl->cur);
			sl->cur = NULL;
		}
		hd_rowq_producer_done(sl->q);
	}
	return r;
}
