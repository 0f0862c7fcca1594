/*
 * convert.c — one field → one typed value: the NULL rules, then dispatch on the column type.
 *
 * Stage: format/ hands us a field slice {p, n} and whether it was quoted; we return an hd_value for the sink or a
 * Redshift load-error code with a reason. Order of the rules (Redshift, "Data conversion parameters",
 * docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-conversion.html):
 *   1. NULL AS: an unquoted field equal to null_as (byte compare) is NULL. A quoted field never matches: in CSV the
 *      quotes are how a literal that looks like the null string is written (PostgreSQL's COPY CSV rule; Redshift is
 *      silent).
 *   2. Empty field: char/varchar/text load "" (NULL with EMPTYASNULL); every other type loads NULL ("Empty fields
 *      for other data types, such as INT, are always loaded with NULL"). A quoted empty field ("" in CSV) is the
 *      same empty field: EMPTYASNULL applies to it, and it is NULL for non-character types.
 *   3. BLANKSASNULL: a char/varchar field of only white space is NULL (the option applies only to CHAR and VARCHAR).
 *   4. The type's converter (int.c, numeric.c, float.c, bool.c, text.c, datetime.c).
 *   5. NOT NULL: a NULL for a not-null column is 1213 "Missing data for not-null field" (r_Load_Error_Reference).
 * No allocation here; text values may be rewritten into the caller's scratch (see text.c, numeric.c).
 */
#include "convert/convert_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/limits.h"

int
hd_conv_fail_(hd_convfail *fail, int code, const char *fmt, ...)
{
	va_list ap;

	if (!fail)
		return HD_CONV_FAIL;
	fail->code = code;
	_Static_assert(sizeof fail->reason > HD_ERR_REASON_MAX, "reason buffer smaller than stl_load_errors' column");
	va_start(ap, fmt);
	vsnprintf(fail->reason, HD_ERR_REASON_MAX + 1, fmt, ap); /* cut to 100 bytes, as err_reason char(100) */
	va_end(ap);
	return HD_CONV_FAIL;
}

void
hd_conv_quote_(char *dst, size_t dstsz, const char *p, size_t n)
{
	size_t i, m = n < HD_CONV_REASON_VALUE_MAX ? n : HD_CONV_REASON_VALUE_MAX;

	if (dstsz == 0)
		return;
	if (m > dstsz - 1)
		m = dstsz - 1;
	for (i = 0; i < m; i++) {
		unsigned char c = (unsigned char)p[i];
		dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[m] = '\0';
}

static bool
is_chartype(hd_type t)
{
	return t == HD_T_CHAR || t == HD_T_VARCHAR || t == HD_T_TEXT;
}

static int
set_null(const hd_column *col, hd_value *out, hd_convfail *fail)
{
	if (col->not_null)
		return hd_conv_fail_(fail, 1213, "Missing data for not-null field");
	out->kind = HD_V_NULL;
	return HD_CONV_OK;
}

static bool
all_blank(const char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!hd_conv_isspace_((unsigned char)p[i]))
			return false;
	return true;
}

int
hd_conv_field(const hd_column *col, const hd_conv_opts *o, const char *p, size_t n, bool quoted,
              hd_value *out, hd_buf *scratch, hd_convfail *fail)
{
	int r;

	if (!quoted && o->null_as && n == o->null_as_len && (n == 0 || p[0] == o->null_as[0]) &&
	    memcmp(p, o->null_as, n) == 0) /* the first byte decides for nearly every field: no call */
		return set_null(col, out, fail);
	if (n == 0) {
		if (is_chartype(col->type) && !o->emptyasnull) {
			out->kind = HD_V_TEXT;
			out->u.s.p = p ? p : "";
			out->u.s.n = 0;
			return HD_CONV_OK;
		}
		return set_null(col, out, fail);
	}
	if (o->blanksasnull && (col->type == HD_T_CHAR || col->type == HD_T_VARCHAR || col->type == HD_T_TEXT) &&
	    all_blank(p, n))
		return set_null(col, out, fail);

	switch (col->type) {
	case HD_T_INT2:
	case HD_T_INT4:
	case HD_T_INT8:
		r = hd_conv_int_(col, p, n, out, fail);
		break;
	case HD_T_NUMERIC:
		r = hd_conv_numeric_(col, o, p, n, out, scratch, fail);
		break;
	case HD_T_FLOAT4:
	case HD_T_FLOAT8:
		r = hd_conv_float_(col, p, n, out, fail);
		break;
	case HD_T_BOOL:
		r = hd_conv_bool_(p, n, out, fail);
		break;
	case HD_T_CHAR:
	case HD_T_VARCHAR:
	case HD_T_TEXT:
		r = hd_conv_text_(col, o, p, n, out, scratch, fail);
		break;
	case HD_T_JSON:
	case HD_T_JSONB:
		r = hd_conv_json_(p, n, col->type == HD_T_JSONB, out, fail);
		break;
	case HD_T_BYTEA:
		r = hd_conv_bytea_(p, n, out, scratch, fail);
		break;
	case HD_T_DATE:
	case HD_T_TIMESTAMP:
	case HD_T_TIMESTAMPTZ:
	case HD_T_TIME:
	case HD_T_TIMETZ:
		r = hd_conv_datetime_(col, o, p, n, out, fail);
		break;
	default:
		return hd_conv_fail_(fail, 1223, "Invalid data type: %s", hd_type_name(col->type));
	}
	/* A converter may produce NULL (ACCEPTANYDATE, BLANKSASNULL after TRIMBLANKS…): NOT NULL still applies. */
	if (r != HD_CONV_FAIL && out->kind == HD_V_NULL && col->not_null)
		return hd_conv_fail_(fail, 1213, "Missing data for not-null field");
	return r;
}

/*
 * FILLRECORD (copy-parameters-data-conversion): "for text and CSV a missing VARCHAR column loads a zero-length
 * string (NULL with EMPTYASNULL), a missing CHAR column NULL" (COPY-SPEC.md); text is treated as varchar.
 */
int
hd_conv_missing(const hd_column *col, const hd_conv_opts *o, hd_value *out, hd_convfail *fail)
{
	if ((col->type == HD_T_VARCHAR || col->type == HD_T_TEXT) && !o->emptyasnull) {
		out->kind = HD_V_TEXT;
		out->u.s.p = "";
		out->u.s.n = 0;
		return HD_CONV_OK;
	}
	return set_null(col, out, fail);
}

const char *
hd_type_name(hd_type t)
{
	switch (t) {
	case HD_T_INT2: return "smallint";
	case HD_T_INT4: return "integer";
	case HD_T_INT8: return "bigint";
	case HD_T_NUMERIC: return "numeric";
	case HD_T_FLOAT4: return "real";
	case HD_T_FLOAT8: return "double precision";
	case HD_T_BOOL: return "boolean";
	case HD_T_CHAR: return "character";
	case HD_T_VARCHAR: return "character varying";
	case HD_T_TEXT: return "text";
	case HD_T_DATE: return "date";
	case HD_T_TIMESTAMP: return "timestamp without time zone";
	case HD_T_TIMESTAMPTZ: return "timestamp with time zone";
	case HD_T_TIME: return "time without time zone";
	case HD_T_TIMETZ: return "time with time zone";
	case HD_T_JSON: return "json";
	case HD_T_JSONB: return "jsonb";
	case HD_T_BYTEA: return "bytea";
	case HD_T_UNSUPPORTED: break;
	}
	return "unsupported";
}
