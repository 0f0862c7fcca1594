/*
 * plan.c — decide everything about a COPY before reading a byte: which format, codec and source serve it, which
 * table columns the input fields load (COPY-SPEC "column list", EXPLICIT_IDS), the conversion options, and the list
 * of units (files). Every refusal here names the option, column or source it is about.
 */
#include "load/load_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"

static const char *
format_name(hd_format_kind k)
{
	switch (k) {
	case HD_FMT_DELIMITED: return "delimited text";
	case HD_FMT_CSV: return "CSV";
	case HD_FMT_FIXEDWIDTH: return "FIXEDWIDTH";
	case HD_FMT_JSON: return "JSON";
	case HD_FMT_SHAPEFILE: return "SHAPEFILE";
	case HD_FMT_AVRO: return "AVRO";
	case HD_FMT_PARQUET: return "PARQUET";
	case HD_FMT_ORC: return "ORC";
	}
	return "?";
}

static int
find_column(const hd_table *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return i;
	return -1;
}

/* Which table columns the input fields load, in input order. */
static hd_code
map_columns(const hd_copy_spec *spec, hd_plan *p, hd_err *err)
{
	const hd_table *t = p->table;
	bool *listed;
	int i, n = 0;

	p->colidx = calloc((size_t)(t->ncols + (spec->ncolumns > 0 ? spec->ncolumns : 0) + 1), sizeof *p->colidx);
	listed = calloc((size_t)t->ncols + 1, sizeof *listed);
	if (!p->colidx || !listed) {
		free(listed);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}

	if (spec->ncolumns > 0) {
		for (i = 0; i < spec->ncolumns; i++) {
			int c = find_column(t, spec->columns[i]);
			if (c < 0) {
				free(listed);
				return hd_err_set(err, HD_ERR_TABLE, "column \"%s\" of relation \"%s\" does not exist",
				                  spec->columns[i], t->name);
			}
			if (t->cols[c].identity == 'a' && !spec->explicit_ids) {
				free(listed);
				return hd_err_set(err, HD_ERR_TABLE,
				                  "column \"%s\" is an IDENTITY column: its values are generated; add EXPLICIT_IDS "
				                  "to load them from the input",
				                  t->cols[c].name);
			}
			listed[c] = true;
			p->colidx[n++] = c;
		}
		if (spec->explicit_ids) {
			for (i = 0; i < t->ncols; i++)
				if (t->cols[i].identity == 'a' && !listed[i]) {
					free(listed);
					return hd_err_set(err, HD_ERR_TABLE,
					                  "EXPLICIT_IDS needs the IDENTITY column \"%s\" in the column list",
					                  t->cols[i].name);
				}
		}
	} else {
		/* Without a list, the input holds every column in table order, except IDENTITY columns whose values are
		 * generated (Redshift: without EXPLICIT_IDS the file does not carry them). */
		for (i = 0; i < t->ncols; i++) {
			if (t->cols[i].identity == 'a' && !spec->explicit_ids)
				continue;
			listed[i] = true;
			p->colidx[n++] = i;
		}
	}

	for (i = 0; i < t->ncols; i++) {
		const hd_column *c = &t->cols[i];
		if (listed[i]) {
			if (c->type == HD_T_UNSUPPORTED) {
				free(listed);
				return hd_err_set(err, HD_ERR_UNSUPPORTED, "column \"%s\" has type %s, which hdcopy cannot load",
				                  c->name, c->type_name ? c->type_name : "unknown");
			}
		} else if (c->not_null && !c->has_default && !c->identity) {
			free(listed);
			return hd_err_set(err, HD_ERR_TABLE,
			                  "column \"%s\" is NOT NULL and has no default, so it must be in the column list",
			                  c->name);
		}
	}
	free(listed);
	if (n == 0)
		return hd_err_set(err, HD_ERR_TABLE, "relation \"%s\" has no column to load", t->name);
	p->ncols = n;
	return HD_OK;
}

static hd_code
check_implemented(const hd_copy_spec *spec, hd_plan *p, hd_err *err)
{
	p->format = hd_format_for(spec->format);
	if (!p->format)
		return hd_err_set(err, HD_ERR_UNSUPPORTED, "the %s format is not supported yet", format_name(spec->format));
	if (spec->encoding != HD_ENC_UTF8)
		return hd_err_set(err, HD_ERR_UNSUPPORTED, "ENCODING other than UTF8 is not supported yet");
	if (spec->compression != HD_COMP_NONE) {
		/* Ask the codec registry with an empty stream: it answers for the codec without reading anything. */
		hd_stream *probe = hd_stream_mem("", 0, "probe"), *wrapped = NULL;
		hd_code r;
		if (!probe)
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		r = hd_codec_wrap(spec->compression, probe, &wrapped, err);
		if (r)
			return r;
		hd_stream_close(wrapped);
	}
	p->source = hd_source_for(spec, err);
	if (!p->source)
		return err->code ? err->code : hd_err_set(err, HD_ERR_UNSUPPORTED, "this source is not supported yet");
	return HD_OK;
}

hd_code
hd_plan_build(const hd_load_env *env, const hd_copy_spec *spec, hd_plan *p, hd_err *err)
{
	hd_code r;

	memset(p, 0, sizeof *p);
	p->spec = spec;

	if ((r = check_implemented(spec, p, err)) != HD_OK)
		return r;

	/* The table first: a statement naming a missing table fails before any file is touched. */
	if ((r = env->sops->describe(env->sink, spec->schema, spec->table, &p->table, err)) != HD_OK)
		return r;
	if ((r = map_columns(spec, p, err)) != HD_OK)
		return r;

	/* Conversion options. The default null string of text input is \N (copy-parameters-data-conversion). */
	if (spec->null_as) {
		p->conv.null_as = spec->null_as;
		p->conv.null_as_len = spec->null_as_len;
		p->conv.null_as_set = true;
	} else {
		p->conv.null_as = "\\N";
		p->conv.null_as_len = 2;
	}
	p->conv.blanksasnull = spec->blanksasnull;
	p->conv.emptyasnull = spec->emptyasnull;
	p->conv.trimblanks = spec->trimblanks;
	p->conv.truncatecolumns = spec->truncatecolumns;
	p->conv.acceptinvchars = spec->acceptinvchars;
	p->conv.acceptinvchars_char = spec->acceptinvchars_char ? spec->acceptinvchars_char : '?';
	p->conv.acceptanydate = spec->acceptanydate;
	p->conv.roundec = spec->roundec;
	p->conv.explicit_ids = spec->explicit_ids;
	if ((r = hd_dtfmt_compile(spec->dateformat ? spec->dateformat : "YYYY-MM-DD", false, &p->datefmt, err)))
		return hd_err_prefix(err, "DATEFORMAT");
	if ((r = hd_dtfmt_compile(spec->timeformat ? spec->timeformat : "YYYY-MM-DD HH:MI:SS", true, &p->timefmt, err)))
		return hd_err_prefix(err, "TIMEFORMAT");
	p->conv.datefmt = p->datefmt;
	p->conv.timefmt = p->timefmt;

	hd_format_opts_from_spec(spec, p->ncols, &p->fmt);
	p->trailing_delimiter = spec->format == HD_FMT_DELIMITED;
	p->short_code = spec->format == HD_FMT_DELIMITED ? 1214 : 1203;
	p->maxerror = spec->ignoreallerrors ? LONG_MAX : spec->maxerror;

	/* Last: list the sources (this touches the file system or the network). */
	return p->source->list(spec, &p->units, err);
}

void
hd_plan_free(hd_plan *p)
{
	hd_table_free(p->table);
	free(p->colidx);
	hd_dtfmt_free(p->datefmt);
	hd_dtfmt_free(p->timefmt);
	hd_units_free(&p->units);
	memset(p, 0, sizeof *p);
}
