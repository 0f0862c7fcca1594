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

#include "codec/codec.h"

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
	cs = calloc(1, sizeof *cs);
	if (!cs) {
		hd_stream_close(plain);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	cs->base.ops = &count_ops;
	cs->base.name = plain->name;
	cs->in = plain;
	cs->count = count;
	r = p->format->open(&p->fmt, &cs->base, rd, err);
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
	if (sl->eb->n == HD_ERRBATCH) {
		r = hd_errbatch_flush(sl->eb, sl->sops, sl->errsink, sl->info, p->table, sl->id, err);
		if (r)
			return r;
	}
	total = atomic_fetch_add(&sl->shared->errors, 1) + 1;
	if (total > p->maxerror) {
		atomic_store(&sl->shared->stop, 1);
		return HD_ERR_LOAD;
	}
	return HD_OK;
}

static hd_code
run_unit(hd_slice *sl, int ui, hd_err *err)
{
	const hd_plan *p = sl->plan;
	const hd_unit *u = &p->units.v[ui];
	hd_file_result *fr = &sl->files[ui];
	const int ncols = p->ncols;
	hd_reader *rd = NULL;
	hd_stream *in = NULL;
	hd_record rec;
	hd_recfail rf;
	hd_convfail cf;
	hd_code r;
	int st, i;

	if ((r = open_unit(sl, u, &fr->bytes, &rd, &in, err)) != HD_OK)
		return r;

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
		bool bad = false, replaced = false;
		for (i = 0; i < ncols; i++) {
			const hd_column *c = &p->table->cols[p->colidx[i]];
			int cr;
			if (i < nf)
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
		if (sl->sink && (r = sl->sops->load_row(sl->sink, sl->vals, err)) != HD_OK)
			break;
		fr->rows++;
		sl->rows++;
		if (replaced)
			sl->replaced++;
	}

	sl->bytes += fr->bytes;
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
		if (ui >= p->units.n)
			break;
		if (atomic_load(&sl->shared->stop))
			return HD_ERR_CANCELED;
		if ((r = run_unit(sl, ui, err)) != HD_OK) {
			atomic_store(&sl->shared->stop, 1);
			break;
		}
	}
	return r;
}
