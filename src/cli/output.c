/*
 * output.c — query results printed the way psql prints them (aligned, "(n rows)"), and the --json summary.
 * Rows are kept in memory only until their statement's table is printed.
 */
#include "cli/output.h"

#include <stdlib.h>
#include <string.h>

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int
hd_cli_rows_cb(void *ctx, int ncols, const char *const *names, const char *const *values)
{
	hd_cli_rows *r = ctx;
	int j;

	if (!values) {
		hd_cli_rows_free(r);
		r->ncols = ncols;
		r->names = calloc((size_t)ncols + 1, sizeof *r->names);
		if (!r->names)
			return 1;
		for (j = 0; j < ncols; j++)
			r->names[j] = strdup(names[j] ? names[j] : "?column?");
		return 0;
	}
	if (r->nrows == r->alloc) {
		long na = r->alloc ? r->alloc * 2 : 64;
		char ***nr = realloc(r->rows, (size_t)na * sizeof *nr);
		if (!nr)
			return 1;
		r->rows = nr;
		r->alloc = na;
	}
	char **row = calloc((size_t)ncols + 1, sizeof *row);
	if (!row)
		return 1;
	for (j = 0; j < ncols; j++)
		row[j] = dup_or_null(values[j]);
	r->rows[r->nrows++] = row;
	return 0;
}

void
hd_cli_rows_free(hd_cli_rows *r)
{
	for (long i = 0; i < r->nrows; i++) {
		for (int j = 0; j < r->ncols; j++)
			free(r->rows[i][j]);
		free(r->rows[i]);
	}
	free(r->rows);
	if (r->names)
		for (int j = 0; j < r->ncols; j++)
			free(r->names[j]);
	free(r->names);
	memset(r, 0, sizeof *r);
}

/* Display width of a UTF-8 string: one column per character (good enough for a summary table). */
static size_t
width(const char *s)
{
	size_t w = 0;
	for (; s && *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static void
pad(FILE *out, size_t n)
{
	while (n--)
		fputc(' ', out);
}

void
hd_cli_rows_print(const hd_cli_rows *r, FILE *out)
{
	size_t *w;
	int j;
	long i;

	if (!r->names)
		return;
	w = calloc((size_t)r->ncols + 1, sizeof *w);
	if (!w)
		return;
	for (j = 0; j < r->ncols; j++)
		w[j] = width(r->names[j]);
	for (i = 0; i < r->nrows; i++)
		for (j = 0; j < r->ncols; j++)
			if (width(r->rows[i][j]) > w[j])
				w[j] = width(r->rows[i][j]);

	/* psql's aligned header: every name centred in its column, with a space on both sides. */
	for (j = 0; j < r->ncols; j++) {
		size_t nw = width(r->names[j]), left = (w[j] - nw) / 2;
		fputs(j ? "| " : " ", out);
		pad(out, left);
		fputs(r->names[j], out);
		pad(out, w[j] - nw - left + 1);
	}
	fputc('\n', out);
	for (j = 0; j < r->ncols; j++) {
		if (j)
			fputc('+', out);
		for (size_t k = 0; k < w[j] + 2; k++)
			fputc('-', out);
	}
	fputc('\n', out);
	for (i = 0; i < r->nrows; i++) {
		for (j = 0; j < r->ncols; j++) {
			const char *v = r->rows[i][j] ? r->rows[i][j] : "";
			fputs(j ? "| " : " ", out);
			fputs(v, out);
			if (j < r->ncols - 1)
				pad(out, w[j] - width(v) + 1);
		}
		fputc('\n', out);
	}
	fprintf(out, "(%ld row%s)\n\n", r->nrows, r->nrows == 1 ? "" : "s");
	free(w);
}

void
hd_cli_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (c < 0x20)
				fprintf(out, "\\u%04x", c);
			else
				fputc(c, out);
		}
	}
	fputc('"', out);
}

void
hd_cli_json_statement(FILE *out, int index, int line, const hd_result *res, const hd_cli_rows *rows, hd_code code,
                      const char *error)
{
	fprintf(out, "%s{\"statement\":%d,\"line\":%d,\"ok\":%s", index ? ",\n  " : "  ", index + 1, line,
	        code == HD_OK ? "true" : "false");
	if (res->tag[0]) {
		fputs(",\"tag\":", out);
		hd_cli_json_string(out, res->tag);
	}
	if (code != HD_OK) {
		fprintf(out, ",\"exit_status\":%d,\"error\":", hd_exit_status(code));
		hd_cli_json_string(out, error);
	}
	if (res->is_copy) {
		fputs(",\"copy\":{\"table\":", out);
		hd_cli_json_string(out, res->table);
		fprintf(out,
		        ",\"query\":%lld,\"rows_loaded\":%lld,\"rows_rejected\":%lld,\"rows_replaced\":%lld,\"bytes\":%llu,"
		        "\"elapsed\":%.6f,\"noload\":%s,\"slices\":%d,\"commit_method\":",
		        (long long)res->query_id, (long long)res->rows_loaded, (long long)res->rows_rejected,
		        (long long)res->rows_replaced, (unsigned long long)res->bytes, res->elapsed,
		        res->noload ? "true" : "false", res->slices);
		hd_cli_json_string(out, res->commit_method ? res->commit_method : "");
		fputs(",\"files\":[", out);
		for (int i = 0; i < res->nfiles; i++) {
			const hd_file_result *f = &res->files[i];
			fputs(i ? ",{\"name\":" : "{\"name\":", out);
			hd_cli_json_string(out, f->name);
			fprintf(out, ",\"lines\":%lld,\"rows\":%lld,\"errors\":%lld,\"bytes\":%llu}", (long long)f->lines,
			        (long long)f->rows, (long long)f->errors, (unsigned long long)f->bytes);
		}
		fputs("]", out);
		/* Issue 6: units skipped instead of failing the COPY (non-mandatory SSH manifest entries). */
		fputs(",\"warnings\":[", out);
		for (int i = 0; i < res->nwarnings; i++) {
			if (i)
				fputc(',', out);
			hd_cli_json_string(out, res->warnings[i]);
		}
		fputs("]}", out);
	}
	if (rows && rows->names) {
		fputs(",\"columns\":[", out);
		for (int j = 0; j < rows->ncols; j++) {
			if (j)
				fputc(',', out);
			hd_cli_json_string(out, rows->names[j]);
		}
		fputs("],\"rows\":[", out);
		for (long i = 0; i < rows->nrows; i++) {
			fputs(i ? ",[" : "[", out);
			for (int j = 0; j < rows->ncols; j++) {
				if (j)
					fputc(',', out);
				if (rows->rows[i][j])
					hd_cli_json_string(out, rows->rows[i][j]);
				else
					fputs("null", out);
			}
			fputc(']', out);
		}
		fputc(']', out);
	}
	fputc('}', out);
}
