/*
 * convert_int.h — private to convert/: one converter per type family and the reason-text helpers.
 *
 * Every converter takes the field slice {p, n} (already past the NULL AS / empty-field rules of convert.c), never
 * reads past n, writes *out only on success and fills *fail on failure. Returns HD_CONV_OK / HD_CONV_FAIL /
 * HD_CONV_REPLACED like hd_conv_field. Nothing here allocates, except into the caller's scratch buffer.
 */
#ifndef HD_CONVERT_CONVERT_INT_H
#define HD_CONVERT_CONVERT_INT_H

#include "convert/convert.h"

/* At most this many bytes of a raw value are quoted in a reason (stl_load_errors.err_reason is char(100)). */
#define HD_CONV_REASON_VALUE_MAX 40

/* Redshift's ASCII white space for BLANKSASNULL / TRIMBLANKS and number padding. */
static inline bool
hd_conv_isspace_(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Set fail: code and a printf-style reason, cut to HD_ERR_REASON_MAX bytes. Returns HD_CONV_FAIL. */
int hd_conv_fail_(hd_convfail *fail, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Copy at most HD_CONV_REASON_VALUE_MAX bytes of a raw value into dst (size ≥ 48) as printable ASCII: bytes outside
 * 0x20..0x7e become '?', so reasons stay valid UTF-8. */
void hd_conv_quote_(char *dst, size_t dstsz, const char *p, size_t n);

int hd_conv_int_(const hd_column *col, const char *p, size_t n, hd_value *out, hd_convfail *fail);
int hd_conv_numeric_(const hd_column *col, const hd_conv_opts *o, const char *p, size_t n, hd_value *out,
                     hd_buf *scratch, hd_convfail *fail);
int hd_conv_float_(const hd_column *col, const char *p, size_t n, hd_value *out, hd_convfail *fail);
int hd_conv_bool_(const char *p, size_t n, hd_value *out, hd_convfail *fail);
int hd_conv_text_(const hd_column *col, const hd_conv_opts *o, const char *p, size_t n, hd_value *out,
                  hd_buf *scratch, hd_convfail *fail);
int hd_conv_json_(const char *p, size_t n, bool jsonb, hd_value *out, hd_convfail *fail);
int hd_conv_bytea_(const char *p, size_t n, hd_value *out, hd_buf *scratch, hd_convfail *fail);
int hd_conv_datetime_(const hd_column *col, const hd_conv_opts *o, const char *p, size_t n, hd_value *out,
                      hd_convfail *fail);

#endif
