/*
 * pg_encode.c — hd_value → PostgreSQL binary COPY field, the bytes each type's *_recv function reads.
 *
 * In:  a converted value and its column's hd_type. Out: appended to the caller's hd_buf (the sink's output buffer).
 * Every field is an int32 byte length (-1 = NULL) followed by the payload, all integers big-endian:
 *     int2/int4/int8      2/4/8 bytes two's complement
 *     float4/float8       IEEE 754 bits
 *     bool                1 byte 0/1
 *     numeric             int16 ndigits, int16 weight, uint16 sign (0x0000 +, 0x4000 −), int16 dscale,
 *                         then ndigits base-10000 int16 digits, most significant first, no leading/trailing zeros
 *     date                int32 days since 2000-01-01
 *     timestamp[tz], time int64 microseconds (since 2000-01-01 00:00 UTC / since midnight)
 *     timetz              int64 microseconds + int32 zone, seconds WEST of UTC
 *     text/varchar/bpchar/json, bytea   the bytes; jsonb: version byte 1, then the text
 * A value kind that does not fit the column type is a bug upstream (convert chose the kind from the column).
 * No allocation; the only state is the buffer.
 *
 * Numeric has two paths: hd_pg_encode_numeric reads up to 16 kept digits as one integer and cuts it into base-10000
 * groups arithmetically; longer values, and anything it does not accept as it is (a bad digit, a weight beyond
 * int16, a buffer to grow), go to encode_numeric_general, which checks digit by digit and reports the errors.
 */
#include "sink/pg_int.h"

#include <string.h>

const unsigned char hd_pg_copy_header[HD_PG_COPY_HEADER_LEN] = {
	'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0, /* signature */
	0, 0, 0, 0,                                              /* flags: no OIDs */
	0, 0, 0, 0                                               /* header extension length */
};

#define NUMERIC_POS 0x0000
#define NUMERIC_NEG 0x4000
#define NUMERIC_DSCALE_MAX 0x3fff

hd_type
hd_pg_type_from_oid(uint32_t oid)
{
	switch (oid) {
	case HD_PG_INT2: return HD_T_INT2;
	case HD_PG_INT4: return HD_T_INT4;
	case HD_PG_INT8: return HD_T_INT8;
	case HD_PG_NUMERIC: return HD_T_NUMERIC;
	case HD_PG_FLOAT4: return HD_T_FLOAT4;
	case HD_PG_FLOAT8: return HD_T_FLOAT8;
	case HD_PG_BOOL: return HD_T_BOOL;
	case HD_PG_BPCHAR: return HD_T_CHAR;
	case HD_PG_VARCHAR: return HD_T_VARCHAR;
	case HD_PG_TEXT: return HD_T_TEXT;
	case HD_PG_DATE: return HD_T_DATE;
	case HD_PG_TIMESTAMP: return HD_T_TIMESTAMP;
	case HD_PG_TIMESTAMPTZ: return HD_T_TIMESTAMPTZ;
	case HD_PG_TIME: return HD_T_TIME;
	case HD_PG_TIMETZ: return HD_T_TIMETZ;
	case HD_PG_JSON: return HD_T_JSON;
	case HD_PG_JSONB: return HD_T_JSONB;
	case HD_PG_BYTEA: return HD_T_BYTEA;
	default: return HD_T_UNSUPPORTED;
	}
}

/* floor(a / 4) for any sign of a. */
static inline int32_t
fdiv4(int32_t a)
{
	return a >= 0 ? a / 4 : -((-a + 3) / 4);
}

/* Any numeric: validates n and fails as a malformed value would (digits checked one by one). */
static hd_code __attribute__((noinline))
encode_numeric_general(hd_buf *b, const hd_numeric *n, hd_err *err)
{
	int32_t first, end, e_hi, e_lo, g_hi, g_lo, g, ndig, i, dscale;
	int64_t last_allowed;
	hd_code r;

	dscale = n->dscale < 0 ? 0 : n->dscale;
	if (dscale > NUMERIC_DSCALE_MAX)
		return hd_err_set(err, HD_ERR_INTERNAL, "numeric display scale %d exceeds PostgreSQL's %d", dscale,
		                  NUMERIC_DSCALE_MAX);
	if (n->ndigits < 0 || (n->ndigits > 0 && !n->digits))
		return hd_err_set(err, HD_ERR_INTERNAL, "malformed numeric value");

	/* Digit i stands for 10^(weight10 - 1 - i). Keep digits down to 10^-dscale, then trim zeros at both ends. */
	first = 0;
	end = n->ndigits;
	last_allowed = (int64_t)n->weight10 + dscale; /* digits with index < this are at or above 10^-dscale */
	if (last_allowed < end)
		end = last_allowed < 0 ? 0 : (int32_t)last_allowed;
	for (i = 0; i < end; i++)
		if (n->digits[i] < '0' || n->digits[i] > '9')
			return hd_err_set(err, HD_ERR_INTERNAL, "malformed numeric digit string");
	while (first < end && n->digits[first] == '0')
		first++;
	while (end > first && n->digits[end - 1] == '0')
		end--;

	if ((r = hd_buf_reserve(b, 12)) != HD_OK)
		return hd_err_set(err, r, r == HD_ERR_NOMEM ? "out of memory encoding a row" : "encoded row too large");
	if (first == end) { /* zero: PostgreSQL writes it positive with weight 0 and no digits */
		hd_buf_put_be32(b, 8);
		hd_buf_put_be16(b, 0);
		hd_buf_put_be16(b, 0);
		hd_buf_put_be16(b, NUMERIC_POS);
		hd_buf_put_be16(b, (uint16_t)dscale);
		return HD_OK;
	}

	e_hi = n->weight10 - 1 - first;
	e_lo = n->weight10 - end; /* = weight10 - 1 - (end - 1) */
	g_hi = fdiv4(e_hi);
	g_lo = fdiv4(e_lo);
	ndig = g_hi - g_lo + 1;
	if (g_hi > INT16_MAX || g_hi < INT16_MIN || ndig > UINT16_MAX)
		return hd_err_set(err, HD_ERR_INTERNAL, "numeric value out of range for PostgreSQL");

	if ((r = hd_buf_reserve(b, 12 + 2 * (size_t)ndig)) != HD_OK)
		return hd_err_set(err, r, r == HD_ERR_NOMEM ? "out of memory encoding a row" : "encoded row too large");
	hd_buf_put_be32(b, (uint32_t)(8 + 2 * ndig));
	hd_buf_put_be16(b, (uint16_t)ndig);
	hd_buf_put_be16(b, (uint16_t)(int16_t)g_hi);
	hd_buf_put_be16(b, n->neg ? NUMERIC_NEG : NUMERIC_POS);
	hd_buf_put_be16(b, (uint16_t)dscale);
	/* Exponent 4g + p is digit index weight10 - 1 - (4g + p): walking g down and p from 3 to 0 walks the digit
	 * index up by one, so the groups are the digits [first, end) read in order, padded with zeros on the left up to
	 * the first group's top exponent and on the right down to the last group's 10^(4 g_lo). */
	{
		int64_t idx = (int64_t)n->weight10 - 1 - ((int64_t)g_hi * 4 + 3); /* <= first */
		char pad[64];

		if ((size_t)ndig * 4 <= sizeof pad) { /* the common case: copy into a zero-padded, group-aligned buffer */
			memset(pad, '0', (size_t)ndig * 4);
			memcpy(pad + (first - idx), n->digits + first, (size_t)(end - first));
			for (i = 0; i < ndig * 4; i += 4)
				hd_buf_put_be16(b, (uint16_t)((pad[i] - '0') * 1000 + (pad[i + 1] - '0') * 100 +
				                              (pad[i + 2] - '0') * 10 + (pad[i + 3] - '0')));
			return HD_OK;
		}
		for (g = g_hi; g >= g_lo; g--) {
			int d = 0;
			for (int k = 0; k < 4; k++)
				d = d * 10 + (idx + k >= first && idx + k < end ? n->digits[idx + k] - '0' : 0);
			idx += 4;
			hd_buf_put_be16(b, (uint16_t)d);
		}
	}
	return HD_OK;
}

static inline void
be16(unsigned char *d, uint32_t v)
{
	d[0] = (unsigned char)(v >> 8);
	d[1] = (unsigned char)v;
}

#define NUMERIC_SHORT 16 /* kept digits read as one integer: < 10^16, so × 10^3 to align is < 2^64 */

/*
 * The fast path, for a well-formed value of at most NUMERIC_SHORT kept digits (all of numeric(p ≤ 16, s), most
 * values of wider columns) and room in b: the kept digits, each checked, read as one integer v, so the value is
 * v × 10^elo with elo the exponent of the last kept digit. Leading zeros vanish in v; multiplying by 10^(elo mod 4)
 * aligns v to base-10000 groups, the lowest being group floor(elo / 4), and zero groups at the bottom are the
 * trailing zeros. Anything else — a bad digit, a weight beyond int16, a value too long, a buffer to grow — is left
 * to encode_numeric_general, which makes the same checks and reports them; the only calls here are those tail
 * calls, so this path saves no registers and writes through one pointer.
 */
hd_code
hd_pg_encode_numeric(hd_buf *b, const hd_numeric *n, hd_err *err)
{
	static const uint32_t pow10[4] = { 1, 10, 100, 1000 };
	int32_t end, i, dscale, ng;
	int64_t last, elo, glo;
	uint64_t v;
	uint16_t grp[5]; /* v < 10^19 once aligned: at most 5 groups, least significant first */
	unsigned char *d;

	dscale = n->dscale < 0 ? 0 : n->dscale;
	end = n->ndigits;
	last = (int64_t)n->weight10 + dscale; /* digits with index < last are at or above 10^-dscale */
	if (last < end)
		end = last < 0 ? 0 : (int32_t)last;
	if (dscale > NUMERIC_DSCALE_MAX || n->ndigits < 0 || (n->ndigits > 0 && !n->digits) || end > NUMERIC_SHORT)
		return encode_numeric_general(b, n, err);
	v = 0;
	for (i = 0; i < end; i++) {
		unsigned c = (unsigned)(unsigned char)n->digits[i] - '0';
		if (c > 9)
			return encode_numeric_general(b, n, err);
		v = v * 10 + c;
	}
	ng = 0;
	glo = 0;
	if (v != 0) {
		elo = (int64_t)n->weight10 - end;
		glo = (elo - (int64_t)((uint64_t)elo & 3)) / 4; /* floor(elo / 4) */
		v *= pow10[(uint64_t)elo & 3];
		while (v % 10000 == 0) {
			v /= 10000;
			glo++;
		}
		do {
			grp[ng++] = (uint16_t)(v % 10000);
			v /= 10000;
		} while (v);
		glo += ng - 1; /* the top group's weight */
		if (glo > INT16_MAX || glo < INT16_MIN)
			return encode_numeric_general(b, n, err);
	} /* else zero: PostgreSQL writes it positive with weight 0 and no digits */
	if (!(12 + 2 * (size_t)ng < b->alloc && b->len < b->alloc - (12 + 2 * (size_t)ng))) /* hd_buf_reserve's test */
		return encode_numeric_general(b, n, err);
	d = (unsigned char *)b->data + b->len;
	b->len += 12 + 2 * (size_t)ng;
	{ /* length word, ndigits, weight, sign, dscale: two big-endian stores */
		uint64_t h = (uint64_t)(8 + 2 * ng) << 32 | (uint64_t)ng << 16 | (uint16_t)(int16_t)glo;
		uint32_t t = (uint32_t)(n->neg && ng ? NUMERIC_NEG : NUMERIC_POS) << 16 | (uint32_t)dscale;
		h = __builtin_bswap64(h);
		t = __builtin_bswap32(t);
		memcpy(d, &h, 8);
		memcpy(d + 8, &t, 4);
	}
	for (d += 12; ng > 0; d += 2)
		be16(d, grp[--ng]);
	return HD_OK;
}

static const char *
type_label(hd_type t)
{
	static const char *const names[] = {
		"int2", "int4", "int8", "numeric", "float4", "float8", "bool", "bpchar", "varchar", "text", "date",
		"timestamp", "timestamptz", "time", "timetz", "json", "jsonb", "bytea", "unsupported"
	};
	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

static hd_code
mismatch(hd_type t, const hd_value *v, hd_err *err)
{
	return hd_err_set(err, HD_ERR_INTERNAL, "value of kind %d does not fit a %s column", (int)v->kind,
	                  type_label(t));
}

static hd_code
put_bytes(hd_buf *b, const char *p, size_t n, int prefix, hd_err *err)
{
	size_t total = n + (prefix >= 0);
	hd_code r;

	if (total > INT32_MAX)
		return hd_err_set(err, HD_ERR_LIMIT, "value too large for PostgreSQL (%zu bytes)", n);
	if ((r = hd_buf_reserve(b, 4 + total)) != HD_OK)
		return hd_err_set(err, r, r == HD_ERR_NOMEM ? "out of memory encoding a row" : "encoded row too large");
	hd_buf_put_be32(b, (uint32_t)total);
	if (prefix >= 0) {
		unsigned char c = (unsigned char)prefix;
		hd_buf_put(b, &c, 1);
	}
	if (n)
		hd_buf_put(b, p, n);
	return HD_OK;
}

static hd_code __attribute__((noinline))
encode_value(hd_buf *b, hd_type t, const hd_value *v, hd_err *err)
{
	hd_code r;
	uint32_t u32;
	uint64_t u64;

	if (v->kind == HD_V_NULL) {
		if ((r = hd_buf_reserve(b, 4)) != HD_OK)
			return hd_err_set(err, r, r == HD_ERR_NOMEM ? "out of memory encoding a row" : "encoded row too large");
		hd_buf_put_be32(b, UINT32_MAX);
		return HD_OK;
	}

	/* Fixed-size payloads: at most 4 + 12 bytes. */
	switch (t) {
	case HD_T_NUMERIC:
		if (v->kind != HD_V_NUMERIC)
			return mismatch(t, v, err);
		return hd_pg_encode_numeric(b, &v->u.num, err);
	case HD_T_CHAR:
	case HD_T_VARCHAR:
	case HD_T_TEXT:
	case HD_T_JSON:
		if (v->kind != HD_V_TEXT)
			return mismatch(t, v, err);
		return put_bytes(b, v->u.s.p, v->u.s.n, -1, err);
	case HD_T_JSONB:
		if (v->kind != HD_V_TEXT)
			return mismatch(t, v, err);
		return put_bytes(b, v->u.s.p, v->u.s.n, 1, err);
	case HD_T_BYTEA:
		if (v->kind != HD_V_BYTES && v->kind != HD_V_TEXT)
			return mismatch(t, v, err);
		return put_bytes(b, v->u.s.p, v->u.s.n, -1, err);
	default:
		break;
	}

	if ((r = hd_buf_reserve(b, 16)) != HD_OK)
		return hd_err_set(err, r, r == HD_ERR_NOMEM ? "out of memory encoding a row" : "encoded row too large");
	switch (t) {
	case HD_T_INT2:
		if (v->kind != HD_V_INT)
			return mismatch(t, v, err);
		if (v->u.i < INT16_MIN || v->u.i > INT16_MAX)
			return hd_err_set(err, HD_ERR_INTERNAL, "value %lld out of range for int2", (long long)v->u.i);
		hd_buf_put_be32(b, 2);
		hd_buf_put_be16(b, (uint16_t)(int16_t)v->u.i);
		return HD_OK;
	case HD_T_INT4:
		if (v->kind != HD_V_INT)
			return mismatch(t, v, err);
		if (v->u.i < INT32_MIN || v->u.i > INT32_MAX)
			return hd_err_set(err, HD_ERR_INTERNAL, "value %lld out of range for int4", (long long)v->u.i);
		hd_buf_put_be32(b, 4);
		hd_buf_put_be32(b, (uint32_t)(int32_t)v->u.i);
		return HD_OK;
	case HD_T_INT8:
		if (v->kind != HD_V_INT)
			return mismatch(t, v, err);
		hd_buf_put_be32(b, 8);
		hd_buf_put_be64(b, (uint64_t)v->u.i);
		return HD_OK;
	case HD_T_FLOAT4:
		if (v->kind != HD_V_FLOAT4)
			return mismatch(t, v, err);
		memcpy(&u32, &v->u.f4, 4);
		hd_buf_put_be32(b, 4);
		hd_buf_put_be32(b, u32);
		return HD_OK;
	case HD_T_FLOAT8:
		if (v->kind != HD_V_FLOAT8)
			return mismatch(t, v, err);
		memcpy(&u64, &v->u.f8, 8);
		hd_buf_put_be32(b, 8);
		hd_buf_put_be64(b, u64);
		return HD_OK;
	case HD_T_BOOL: {
		unsigned char c;
		if (v->kind != HD_V_BOOL)
			return mismatch(t, v, err);
		c = v->u.b ? 1 : 0;
		hd_buf_put_be32(b, 1);
		hd_buf_put(b, &c, 1);
		return HD_OK;
	}
	case HD_T_DATE:
		if (v->kind != HD_V_DATE)
			return mismatch(t, v, err);
		hd_buf_put_be32(b, 4);
		hd_buf_put_be32(b, (uint32_t)v->u.date);
		return HD_OK;
	case HD_T_TIMESTAMP:
	case HD_T_TIMESTAMPTZ:
		if (v->kind != HD_V_TIMESTAMP)
			return mismatch(t, v, err);
		hd_buf_put_be32(b, 8);
		hd_buf_put_be64(b, (uint64_t)v->u.ts);
		return HD_OK;
	case HD_T_TIME:
		if (v->kind != HD_V_TIME)
			return mismatch(t, v, err);
		hd_buf_put_be32(b, 8);
		hd_buf_put_be64(b, (uint64_t)v->u.ts);
		return HD_OK;
	case HD_T_TIMETZ:
		if (v->kind != HD_V_TIMETZ)
			return mismatch(t, v, err);
		hd_buf_put_be32(b, 12);
		hd_buf_put_be64(b, (uint64_t)v->u.timetz.us);
		hd_buf_put_be32(b, (uint32_t)v->u.timetz.zone_west_sec);
		return HD_OK;
	default:
		return hd_err_set(err, HD_ERR_INTERNAL, "cannot load a value into a column of type %s", type_label(t));
	}
}

hd_code
hd_pg_encode_value(hd_buf *b, hd_type t, const hd_value *v, hd_err *err)
{
	if (t == HD_T_NUMERIC && v->kind == HD_V_NUMERIC) /* numeric, the costliest, without encode_value's frame */
		return hd_pg_encode_numeric(b, &v->u.num, err);
	return encode_value(b, t, v, err);
}

hd_code
hd_pg_encode_row(hd_buf *b, const hd_type *types, int n, const hd_value *vals, hd_err *err)
{
	size_t start = b->len;
	hd_code r;

	if ((r = hd_buf_reserve(b, 2)) != HD_OK)
		return hd_err_set(err, r, r == HD_ERR_NOMEM ? "out of memory encoding a row" : "encoded row too large");
	hd_buf_put_be16(b, (uint16_t)n);
	for (int i = 0; i < n; i++) {
		if ((r = hd_pg_encode_value(b, types[i], &vals[i], err)) != HD_OK) {
			b->len = start;
			return r;
		}
	}
	return HD_OK;
}
