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
	const hd_format_ops *ops = NULL;

	switch (kind) {
	case HD_FMT_DELIMITED:
		ops = &hd_format_delimited;
		break;
	case HD_FMT_CSV:
		ops = &hd_format_csv;
		break;
	case HD_FMT_FIXEDWIDTH:
		ops = &hd_format_fixedwidth;
		break;
	case HD_FMT_JSON:
		ops = &hd_format_json;
		break;
	case HD_FMT_SHAPEFILE:
	case HD_FMT_AVRO:
	case HD_FMT_PARQUET:
	case HD_FMT_ORC:
		break;
	}
	/* A format whose table has no open() is not built yet. */
	return ops && ops->open ? ops : NULL;
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
	/*
	 * The null string. Redshift, copy-parameters-data-conversion, NULL AS: "The default null_string is '\N'" — one
	 * default for every format, CSV included (unlike PostgreSQL's COPY CSV, whose default is the unquoted empty
	 * string). The same page, EMPTYASNULL: "Indicates that Amazon Redshift should load empty CHAR and VARCHAR fields
	 * as NULL. Empty fields for other data types, such as INT, are always loaded with NULL ... EMPTYASNULL and
	 * NULL AS '' (empty string) produce the same behavior" — so without EMPTYASNULL or NULL AS '' an empty field is
	 * NOT NULL for varchar. With '\N' here, convert/ gives, for CSV: unquoted empty field -> '' into varchar (NULL
	 * with EMPTYASNULL), NULL into int; quoted "" -> the same (it is an empty field too); unquoted \N -> NULL;
	 * quoted "\N" -> the two characters (quotes make a field data). Tested in tests/unit/test_delimited.c
	 * (test_registry) and tests/integration/test_csv.py.
	 */
	if (spec->null_as) {
		o->null_as = spec->null_as;
		o->null_as_len = spec->null_as_len;
	} else {
		o->null_as = "\\N";
		o->null_as_len = 2;
	}
}
