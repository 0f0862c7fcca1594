/*
 * plan.c — decide everything about a COPY before reading a byte: which format, codec and source serve it, which
 * table columns the input fields load (COPY-SPEC "column list", EXPLICIT_IDS), the conversion options, and the list
 * of units (files). Every refusal here names the option, column or source it is about.
 */
#include "load/load_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h" /* issue 9: role policy on listed files */
#include "codec/codec.h"
#include "common/limits.h"
#include "common/sys.h"

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

	p->colidx = hd_calloc((size_t)(t->ncols + (spec->ncolumns > 0 ? spec->ncolumns : 0) + 1), sizeof *p->colidx);
	listed = hd_calloc((size_t)t->ncols + 1, sizeof *listed);
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
	if (spec->compression != HD_COMP_NONE || spec->encoding != HD_ENC_UTF8) {
		/* Ask the codec and transcoder registries with an empty stream: they answer for the codec and the
		 * encoding without reading anything. */
		hd_stream *probe = hd_stream_mem("", 0, "probe"), *wrapped = NULL;
		hd_code r;
		if (!probe)
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		if ((r = hd_codec_wrap(spec->compression, probe, &wrapped, err)) != HD_OK)
			return r;
		if ((r = hd_codec_transcode(spec->encoding, wrapped, &wrapped, err)) != HD_OK)
			return r;
		hd_stream_close(wrapped);
	}
	p->source = hd_source_for(spec, err);
	if (!p->source)
		return err->code ? err->code : hd_err_set(err, HD_ERR_UNSUPPORTED, "this source is not supported yet");
	return HD_OK;
}

/* A jsonpaths file: read whole (it is small: capped) from where the statement says, through the source layer as data
 * would be: a local path (file:// too), hdfs:// or emr:// (issue 7: hd_source_read_small, shared with SSH manifests). */
static hd_code
read_jsonpaths(const hd_copy_spec *spec, hd_plan *p, hd_err *err)
{
	hd_buf b;
	hd_code r;

	if ((r = hd_source_read_small(spec->json_arg, spec, HD_MAX_JSONPATHS, "jsonpaths file", &b, err)) != HD_OK)
		return r;
	p->jsonpaths = b.data;
	p->fmt.jsonpaths = b.data;
	p->fmt.jsonpaths_len = b.len;
	return HD_OK;
}

static hd_code
plan_json(const hd_copy_spec *spec, hd_plan *p, hd_err *err)
{
	p->colnames = hd_calloc((size_t)p->ncols + 1, sizeof *p->colnames);
	if (!p->colnames)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	for (int i = 0; i < p->ncols; i++)
		p->colnames[i] = p->table->cols[p->colidx[i]].name;
	p->fmt.colnames = p->colnames;
	p->fmt.json_ignorecase = spec->json_ignorecase;
	if (spec->json_auto)
		return HD_OK;
	return read_jsonpaths(spec, p, err);
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

	/* Conversion options. The null string and its default per format are decided in one place, with the format's
	 * options (hd_format_opts_from_spec): the reader needs it too (ESCAPE's \N rule). */
	hd_format_opts_from_spec(spec, 0, &p->fmt);
	p->conv.null_as = p->fmt.null_as;
	p->conv.null_as_len = p->fmt.null_as_len;
	p->conv.null_as_set = spec->null_as != NULL;
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

	p->fmt.ncolumns = p->ncols;
	if (spec->format == HD_FMT_FIXEDWIDTH && spec->nfw_cols != p->ncols)
		return hd_err_set(err, HD_ERR_SYNTAX,
		                  "FIXEDWIDTH gives %d field widths but the load has %d columns (the column list, or the "
		                  "table's columns)",
		                  spec->nfw_cols, p->ncols);
	if (spec->format == HD_FMT_JSON && (r = plan_json(spec, p, err)) != HD_OK)
		return r;
	p->trailing_delimiter = spec->format == HD_FMT_DELIMITED;
	p->json = spec->format == HD_FMT_JSON;
	p->short_code = spec->format == HD_FMT_DELIMITED ? 1214 : 1203;
	p->maxerror = spec->ignoreallerrors ? LONG_MAX : spec->maxerror;

	/* Last: list the sources (this touches the file system or the network). */
	if ((r = p->source->list(spec, &p->files, err)) != HD_OK)
		return r;
	/* Issue 9: every listed file inside the role's path globs, before any is opened (a glob or prefix may expand
	 * beyond what the FROM's text showed). */
	for (int i = 0; spec->role && i < p->files.n; i++)
		if ((r = hd_access_policy_unit(spec->role, spec->ssh ? HD_SRC_SSH : spec->src_kind, p->files.v[i].name,
		                               err)) != HD_OK)
			return r;
	return HD_OK;
}

void
hd_plan_free(hd_plan *p)
{
	hd_table_free(p->table);
	free(p->colidx);
	hd_dtfmt_free(p->datefmt);
	hd_dtfmt_free(p->timefmt);
	hd_units_free(&p->files);
	free(p->work.v); /* the work units borrow the files' names */
	free(p->colnames);
	free(p->jsonpaths);
	memset(p, 0, sizeof *p);
}
