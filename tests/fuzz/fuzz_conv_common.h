/*
 * fuzz_conv_common.h — shared by fuzz_conv.c and fuzz_dtfmt.c: convert one field twice and check the value.
 *
 * fz_conv_check(): the field is an exactly-sized heap block (ASan: parse → value never reads past n); scratch is an
 * exactly-sized block of n + 2 bytes (a field needs at most its length + 1, plus hd_buf's NUL) and must not grow or
 * be written past; the result is OK / FAIL / REPLACED with a NUL-terminated reason ≤ 100 bytes and a Redshift code
 * on FAIL; a value's kind is NULL or the column type's kind (never NULL for a NOT NULL column); text and numeric
 * digits point into the field or the scratch block; text is valid UTF-8 within char/varchar's byte length;
 * integers within their type; dates, timestamps, times and zones within what PostgreSQL's binary input accepts;
 * numeric digits are '0'..'9' without a leading zero; and a second conversion of the same bytes gives the same
 * result and value.
 */
#ifndef HD_TESTS_FUZZ_CONV_COMMON_H
#define HD_TESTS_FUZZ_CONV_COMMON_H

#include <math.h>

#include "fuzz_common.h"

#include "convert/convert.h"

static hd_vkind
fz_kind_for(hd_type t)
{
	switch (t) {
	case HD_T_INT2: case HD_T_INT4: case HD_T_INT8: return HD_V_INT;
	case HD_T_NUMERIC: return HD_V_NUMERIC;
	case HD_T_FLOAT4: return HD_V_FLOAT4;
	case HD_T_FLOAT8: return HD_V_FLOAT8;
	case HD_T_BOOL: return HD_V_BOOL;
	case HD_T_CHAR: case HD_T_VARCHAR: case HD_T_TEXT: case HD_T_JSON: case HD_T_JSONB: return HD_V_TEXT;
	case HD_T_BYTEA: return HD_V_BYTES;
	case HD_T_DATE: return HD_V_DATE;
	case HD_T_TIMESTAMP: case HD_T_TIMESTAMPTZ: return HD_V_TIMESTAMP;
	case HD_T_TIME: return HD_V_TIME;
	case HD_T_TIMETZ: return HD_V_TIMETZ;
	default: return HD_V_NULL;
	}
}

/* The value as bytes, for the "same twice" check (pointers compared by content). */
static void
fz_value_dump(const hd_value *v, fz_out *d)
{
	fz_printf(d, "%d:", (int)v->kind);
	switch (v->kind) {
	case HD_V_NULL: break;
	case HD_V_BOOL: fz_printf(d, "%d", v->u.b); break;
	case HD_V_INT: fz_printf(d, "%lld", (long long)v->u.i); break;
	case HD_V_FLOAT4: fz_put(d, &v->u.f4, sizeof v->u.f4); break;
	case HD_V_FLOAT8: fz_put(d, &v->u.f8, sizeof v->u.f8); break;
	case HD_V_NUMERIC:
		fz_printf(d, "%d/%d/%d/%d/", v->u.num.neg, (int)v->u.num.weight10, (int)v->u.num.dscale,
		    (int)v->u.num.ndigits);
		fz_put(d, v->u.num.digits, (size_t)v->u.num.ndigits);
		break;
	case HD_V_TEXT: case HD_V_BYTES: fz_put(d, v->u.s.p, v->u.s.n); break;
	case HD_V_DATE: fz_printf(d, "%d", (int)v->u.date); break;
	case HD_V_TIMESTAMP: case HD_V_TIME: fz_printf(d, "%lld", (long long)v->u.ts); break;
	case HD_V_TIMETZ: fz_printf(d, "%lld/%d", (long long)v->u.timetz.us, (int)v->u.timetz.zone_west_sec); break;
	}
}

static int
fz_conv_once(const hd_column *col, const hd_conv_opts *o, const char *f, size_t n, bool quoted, fz_out *d)
{
	hd_buf scratch;
	hd_value v;
	hd_convfail fail;
	char *block;
	int r;

	hd_buf_init(&scratch, 0);
	scratch.data = block = malloc(n + 2);
	FUZZ_CHECK(block != NULL);
	scratch.alloc = n + 2;
	memset(&v, 0, sizeof v);
	memset(&fail, 0, sizeof fail);
	r = hd_conv_field(col, o, f, n, quoted, &v, &scratch, &fail);
	FUZZ_CHECK(scratch.data == block && scratch.alloc == n + 2); /* never grew */
	FUZZ_CHECK(scratch.len <= n + 1);
	FUZZ_CHECK(r == HD_CONV_OK || r == HD_CONV_FAIL || r == HD_CONV_REPLACED);
	fz_printf(d, "r%d ", r);
	if (r == HD_CONV_FAIL) {
		const char *z = memchr(fail.reason, '\0', sizeof fail.reason);
		FUZZ_CHECK(z != NULL && z - fail.reason <= 100);
		FUZZ_CHECK(fail.code >= 1200 && fail.code < 1300);
		fz_printf(d, "%d %s", fail.code, fail.reason);
		free(block);
		return r;
	}
	if (v.kind == HD_V_NULL) {
		FUZZ_CHECK(!col->not_null);
	} else {
		FUZZ_CHECK(v.kind == fz_kind_for(col->type));
	}
	switch (v.kind) {
	case HD_V_INT:
		if (col->type == HD_T_INT2)
			FUZZ_CHECK(v.u.i >= INT16_MIN && v.u.i <= INT16_MAX);
		else if (col->type == HD_T_INT4)
			FUZZ_CHECK(v.u.i >= INT32_MIN && v.u.i <= INT32_MAX);
		break;
	case HD_V_TEXT:
	case HD_V_BYTES:
		FUZZ_CHECK(v.u.s.n == 0 || fz_within(v.u.s.p, v.u.s.n, f, n) || fz_within(v.u.s.p, v.u.s.n, block, scratch.len));
		(void)fz_touch(v.u.s.p, v.u.s.n);
		if (v.kind == HD_V_TEXT) {
			FUZZ_CHECK(fz_utf8_valid(v.u.s.p, v.u.s.n));
			if ((col->type == HD_T_CHAR || col->type == HD_T_VARCHAR) && col->length >= 0)
				FUZZ_CHECK(v.u.s.n <= (size_t)col->length);
		}
		break;
	case HD_V_NUMERIC:
		FUZZ_CHECK(v.u.num.ndigits >= 0);
		if (v.u.num.ndigits) {
			FUZZ_CHECK(fz_within(v.u.num.digits, (size_t)v.u.num.ndigits, f, n) ||
			    fz_within(v.u.num.digits, (size_t)v.u.num.ndigits, block, scratch.len));
			FUZZ_CHECK(v.u.num.digits[0] != '0');
			for (int i = 0; i < v.u.num.ndigits; i++)
				FUZZ_CHECK(v.u.num.digits[i] >= '0' && v.u.num.digits[i] <= '9');
		}
		FUZZ_CHECK(v.u.num.dscale >= 0);
		if (col->scale >= 0)
			FUZZ_CHECK(v.u.num.dscale == col->scale);
		break;
	case HD_V_DATE:
		FUZZ_CHECK(v.u.date == INT32_MIN || v.u.date == INT32_MAX ||
		    (v.u.date >= -2451545 && v.u.date < 2147483494 - 2451545));
		break;
	case HD_V_TIMESTAMP:
		FUZZ_CHECK(v.u.ts == INT64_MIN || v.u.ts == INT64_MAX ||
		    (v.u.ts >= INT64_C(-211813488000000000) && v.u.ts < INT64_C(9223371331200000000)));
		break;
	case HD_V_TIME:
		FUZZ_CHECK(v.u.ts >= 0 && v.u.ts <= INT64_C(86400000000));
		break;
	case HD_V_TIMETZ:
		FUZZ_CHECK(v.u.timetz.us >= 0 && v.u.timetz.us <= INT64_C(86400000000));
		FUZZ_CHECK(v.u.timetz.zone_west_sec > -57600 && v.u.timetz.zone_west_sec < 57600);
		break;
	case HD_V_FLOAT4:
	case HD_V_FLOAT8:
	case HD_V_BOOL:
	case HD_V_NULL:
		break;
	}
	fz_value_dump(&v, d);
	free(block);
	return r;
}

/* Convert field[0, n) (copied into an exact block) twice; both runs must agree. */
__attribute__((unused)) static void
fz_conv_check(const hd_column *col, const hd_conv_opts *o, const uint8_t *field, size_t n, bool quoted)
{
	fz_out a = { 0 }, b = { 0 };
	char *f = fz_dup(field, n, false);
	fz_conv_once(col, o, f, n, quoted, &a);
	fz_conv_once(col, o, f, n, quoted, &b);
	if (!fz_same(&a, &b)) {
		fprintf(stderr, "first: %s\nsecond: %s\n", a.s, b.s);
		FUZZ_CHECK(!"the same field converts differently twice");
	}
	free(f);
	free(a.s);
	free(b.s);
}

#endif
