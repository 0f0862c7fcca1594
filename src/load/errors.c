/*
 * errors.c — rejected rows: copied out of the reader's buffers into a fixed batch of HD_ERRBATCH rows, and written
 * to the target's stl_load_errors (in a transaction of the sink's own, so they survive a failed load) when the
 * batch fills or the load ends. Memory is fixed: a batch is about 150 KB whatever the number of errors.
 */
#include "load/load_int.h"

#include <stdio.h>
#include <string.h>

/* Copy at most cap bytes, cut on a UTF-8 character boundary when the source is longer. */
static size_t
copy_cut(char *dst, size_t cap, const char *src, size_t n)
{
	if (n > cap) {
		n = cap;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, src, n);
	return n;
}

static void
copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	n = copy_cut(dst, cap - 1, src, n);
	dst[n] = '\0';
}

void
hd_errbatch_add(hd_errbatch *b, const char *filename, const hd_record *rec, int code, const char *reason,
                const hd_column *col, const hd_field *field)
{
	hd_errrow *e = &b->rows[b->n++];

	e->filename = filename;
	e->line = (int64_t)rec->line;
	e->code = code;
	copy_str(e->reason, sizeof e->reason, reason);
	copy_str(e->colname, sizeof e->colname, col ? col->name : "");
	copy_str(e->type, sizeof e->type, col ? hd_type_name(col->type) : "");
	e->col_length = 0;
	if (col) {
		if (col->type == HD_T_NUMERIC && col->precision > 0)
			e->col_length = col->precision;
		else if (col->length > 0)
			e->col_length = col->length;
	}
	e->raw_line_len = copy_cut(e->raw_line, sizeof e->raw_line, rec->raw, rec->raw_len);
	e->position = -1;
	e->raw_field_len = 0;
	if (field) {
		e->raw_field_len = copy_cut(e->raw_field, sizeof e->raw_field, field->p, field->n);
		if (field->p >= rec->raw && field->p <= rec->raw + rec->raw_len)
			e->position = (int32_t)(field->p - rec->raw);
	}

	if (!b->have_first) {
		b->have_first = true;
		if (col)
			snprintf(b->first, sizeof b->first, "%s line %lld, column \"%s\": %s (error %d)", filename,
			         (long long)e->line, col->name, e->reason, code);
		else
			snprintf(b->first, sizeof b->first, "%s line %lld: %s (error %d)", filename, (long long)e->line,
			         e->reason, code);
	}
}

hd_code
hd_errbatch_flush(hd_errbatch *b, const hd_sink_ops *sops, hd_sink *sink, const hd_load_info *info,
                  const hd_table *t, int slice, hd_err *err)
{
	hd_load_error rows[HD_ERRBATCH];
	hd_code r;
	int i;

	if (b->n == 0)
		return HD_OK;
	for (i = 0; i < b->n; i++) {
		const hd_errrow *e = &b->rows[i];
		rows[i] = (hd_load_error){
			.slice = slice,
			.filename = e->filename,
			.line_number = e->line,
			.colname = e->colname,
			.type = e->type,
			.col_length = e->col_length,
			.position = e->position,
			.raw_line = e->raw_line,
			.raw_line_len = e->raw_line_len,
			.raw_field = e->raw_field,
			.raw_field_len = e->raw_field_len,
			.err_code = e->code,
			.err_reason = e->reason,
		};
	}
	r = sops->record_errors(sink, info, t, rows, b->n, err);
	b->n = 0;
	return r;
}

hd_code
hd_slice_flush_errors(hd_slice *sl, hd_err *err)
{
	hd_code r;

	if (sl->eb->n == 0)
		return HD_OK;
	if (sl->errlock)
		pthread_mutex_lock(sl->errlock);
	r = hd_errbatch_flush(sl->eb, sl->sops, sl->errsink, sl->info, sl->plan->table, sl->id, err);
	if (sl->errlock)
		pthread_mutex_unlock(sl->errlock);
	return r;
}
