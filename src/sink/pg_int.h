/*
 * pg_int.h — private to src/sink/: PostgreSQL binary COPY encoding (pg_encode.c) and helpers the two sinks share
 * (defined in registry.c). Nothing outside src/sink/ includes this.
 *
 * Encoders append one field — int32 length (or -1 for NULL) then the bytes PostgreSQL's *_recv function reads —
 * to an hd_buf. They reserve what they write, so a full buffer fails with HD_ERR_LIMIT and leaves b->len as it was
 * before the field began only if the caller restores it (hd_pg_encode_row does).
 */
#ifndef HD_SINK_PG_INT_H
#define HD_SINK_PG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/limits.h"
#include "convert/convert.h"

/* PostgreSQL type OIDs we load (pg_type.h). */
enum {
	HD_PG_BOOL = 16, HD_PG_BYTEA = 17, HD_PG_INT8 = 20, HD_PG_INT2 = 21, HD_PG_INT4 = 23, HD_PG_TEXT = 25,
	HD_PG_JSON = 114, HD_PG_FLOAT4 = 700, HD_PG_FLOAT8 = 701, HD_PG_BPCHAR = 1042, HD_PG_VARCHAR = 1043,
	HD_PG_DATE = 1082, HD_PG_TIME = 1083, HD_PG_TIMESTAMP = 1114, HD_PG_TIMESTAMPTZ = 1184, HD_PG_TIMETZ = 1266,
	HD_PG_NUMERIC = 1700, HD_PG_JSONB = 3802
};

/* Binary COPY framing: 11-byte signature, int32 flags, int32 header-extension length; trailer int16 -1. */
#define HD_PG_COPY_HEADER_LEN 19
extern const unsigned char hd_pg_copy_header[HD_PG_COPY_HEADER_LEN];

/* The largest encoded row: a maximal record's bytes plus per-field overhead (length words, a jsonb version byte,
 * numeric headers). The sink's output buffer is capped at HD_SINK_BUF + HD_PG_ROW_MAX. */
#define HD_PG_UNIX_SNDBUF (4 << 20) /* send buffer asked for on a unix-socket connection (see pg.c) */
#define HD_PG_ROW_MAX ((size_t)HD_MAX_RECORD + 16u * HD_MAX_FIELDS + 64u)

/* Map a PostgreSQL base type OID to the hd_type we can load (HD_T_UNSUPPORTED otherwise). */
hd_type hd_pg_type_from_oid(uint32_t oid);

/* Append one field: v encoded for a column of type t. A value kind that does not fit t is HD_ERR_INTERNAL (convert
 * guarantees the fit); a value PostgreSQL could not represent (numeric weight beyond int16) is HD_ERR_INTERNAL too. */
hd_code hd_pg_encode_value(hd_buf *b, hd_type t, const hd_value *v, hd_err *err);

/* Append the numeric payload with its length word (PostgreSQL numeric_recv: ndigits, weight, sign, dscale, then
 * base-10000 digits). Digits past dscale are dropped (numeric_recv would truncate them the same way). */
hd_code hd_pg_encode_numeric(hd_buf *b, const hd_numeric *n, hd_err *err);

/* Append a whole row: int16 field count, then each field. On failure b->len is restored to its value at entry. */
hd_code hd_pg_encode_row(hd_buf *b, const hd_type *types, int n, const hd_value *vals, hd_err *err);

/*
 * Shared by pg.c and sqlite.c (registry.c): copy src[0..n) to dst as valid UTF-8 without NUL bytes — each byte of
 * an invalid sequence and each NUL becomes '?' — stopping before max bytes would be exceeded, on a character
 * boundary. dst must hold max + 1 bytes; it is NUL-terminated. Returns the bytes written (excluding the NUL).
 */
size_t hd_sink_utf8_clean(char *dst, size_t max, const char *src, size_t n);

/* Days since 2000-01-01 → proleptic Gregorian y/m/d (no dependency on convert/'s implementation). */
void hd_sink_date_ymd(int32_t days, int *y, int *m, int *d);

#endif
