/*
 * registry.c — which ops table reads which format, and the statement options a reader needs.
 *
 * hd_format_opts_from_spec() copies plain values; null_as and fw_cols point into the spec (or at a string
 * literal), so the opts must not outlive the spec.
 */
#include "format/format.h"

#include <string.h>

const hd_format_ops *
hd_format_for(hd_format_kind kind)
{
	switch (kind) {
	case HD_FMT_DELIMITED:
		return &hd_format_delimited;
	case HD_FMT_CSV:
	case HD_FMT_FIXEDWIDTH:
	case HD_FMT_JSON:
	case HD_FMT_SHAPEFILE:
	case HD_FMT_AVRO:
	case HD_FMT_PARQUET:
	case HD_FMT_ORC:
		break;
	}
	return NULL;
}

void
hd_format_opts_from_spec(const hd_copy_spec *spec, int ncolumns, hd_format_opts *o)
{
	const bool csv = spec->format == HD_FMT_CSV;

	memset(o, 0, sizeof *o);
	o->kind = spec->format;
	/* copy-parameters-data-format: '|' by default, ',' for CSV */
	o->delimiter = spec->delimiter_set ? spec->delimiter : (csv ? ',' : '|');
	o->quote = spec->quote_set ? spec->quote : '"';
	o->escape = spec->escape;
	o->removequotes = spec->removequotes;
	o->ignoreblanklines = spec->ignoreblanklines;
	o->ignoreheader = spec->ignoreheader > 0 ? spec->ignoreheader : 0;
	o->fw_cols = spec->fw_cols;
	o->nfw_cols = spec->nfw_cols;
	o->ncolumns = ncolumns;
	/* copy-parameters-data-conversion, NULL AS: '\N' by default for text, the empty string for CSV */
	if (spec->null_as) {
		o->null_as = spec->null_as;
		o->null_as_len = spec->null_as_len;
	} else if (csv) {
		o->null_as = "";
		o->null_as_len = 0;
	} else {
		o->null_as = "\\N";
		o->null_as_len = 2;
	}
}
