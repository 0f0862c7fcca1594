/*
 * test_pg_encode.c — PostgreSQL binary COPY encoding (sink/pg_encode.c) and the sink helpers in registry.c.
 *
 * Pure: no server. Expected bytes follow PostgreSQL's *_send functions (numeric_send writes ndigits, weight, sign,
 * dscale, then base-10000 digits); tests/sink/run.sh checks the same encodings against a real server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "sink/pg_int.h"
#include "sink/sink.h"

#include "num_general.h"

static void
expect_bytes(const hd_buf *b, const unsigned char *want, size_t n)
{
	assert_int_equal(b->len, n);
	assert_memory_equal(b->data, want, n);
}

/* ---- numeric ------------------------------------------------------------------------------------------------- */

/* Encode digits/weight10/dscale/neg and compare with the int16 words {ndigits, weight, sign, dscale, d...}. */
/* The binary field PostgreSQL expects for these int16 words (ndigits, weight, sign, dscale, digits…): the 4-byte
 * length, then the words big-endian. want holds at least 4 + 2 * nwords bytes. */
static void
numeric_bytes(unsigned char *want, const int32_t *words, int nwords)
{
	want[0] = 0;
	want[1] = 0;
	want[2] = (unsigned char)((2 * nwords) >> 8);
	want[3] = (unsigned char)(2 * nwords);
	for (int i = 0; i < nwords; i++) {
		uint16_t w = (uint16_t)(int16_t)words[i];
		want[4 + 2 * i] = (unsigned char)(w >> 8);
		want[5 + 2 * i] = (unsigned char)w;
	}
}

static void
check_numeric(const char *digits, int32_t weight10, int16_t dscale, bool neg, const int32_t *words, int nwords)
{
	hd_numeric n = { digits, (int32_t)strlen(digits), weight10, dscale, neg };
	unsigned char want[256];
	hd_buf b;
	hd_err err;

	hd_buf_init(&b, 0);
	assert_int_equal(hd_pg_encode_numeric(&b, &n, &err), HD_OK);
	numeric_bytes(want, words, nwords);
	expect_bytes(&b, want, 4 + 2 * (size_t)nwords);
	hd_buf_free(&b);
}

#define NUM(digits, w, ds, neg, ...)                                                                                 \
	do {                                                                                                         \
		static const int32_t words_[] = { __VA_ARGS__ };                                                     \
		check_numeric(digits, w, ds, neg, words_, (int)(sizeof words_ / sizeof words_[0]));                  \
	} while (0)

static void
test_numeric_zero(void **state)
{
	(void)state;
	NUM("", 0, 0, false, 0, 0, 0, 0);            /* 0 */
	NUM("", 0, 2, false, 0, 0, 0, 2);            /* 0.00 */
	NUM("", 1, 0, true, 0, 0, 0, 0);             /* -0 is 0: never negative */
	NUM("5", -3, 2, true, 0, 0, 0, 2);           /* -0.0005 cut to scale 2 → 0.00, positive */
	NUM("000", 3, 1, false, 0, 0, 0, 1);         /* only zero digits */
}

static void
test_numeric_integers(void **state)
{
	(void)state;
	NUM("1", 1, 0, false, 1, 0, 0x0000, 0, 1);                  /* 1 */
	NUM("1", 1, 0, true, 1, 0, 0x4000, 0, 1);                   /* -1 */
	NUM("9999", 4, 0, false, 1, 0, 0, 0, 9999);                 /* 9999 */
	NUM("1", 5, 0, false, 1, 1, 0, 0, 1);                       /* 10000: digit 1 in group 1 */
	NUM("10000", 5, 0, false, 1, 1, 0, 0, 1);                   /* same with trailing zero digits given */
	NUM("100000001", 9, 0, false, 3, 2, 0, 0, 1, 0, 1);         /* 1 0000 0001: inner zero group kept */
	NUM("12345678901234567890", 20, 0, false, 5, 4, 0, 0, 1234, 5678, 9012, 3456, 7890);
	NUM("9223372036854775808", 19, 0, true, 5, 4, 0x4000, 0, 922, 3372, 368, 5477, 5808); /* -2^63 */
	NUM("0012", 4, 0, false, 1, 0, 0, 0, 12);                   /* leading zeros tolerated */
	NUM("1", 101, 0, false, 1, 25, 0, 0, 1);                    /* 1e100 */
	NUM("123", 1000, 0, false, 1, 249, 0, 0, 1230);             /* 1.23e999: 123 in group 249's high digits */
}

static void
test_numeric_fractions(void **state)
{
	(void)state;
	NUM("1", -3, 4, false, 1, -1, 0, 4, 1);                     /* 0.0001 */
	NUM("5", 0, 1, false, 1, -1, 0, 1, 5000);                   /* 0.5 */
	NUM("123456789", 6, 3, false, 3, 1, 0, 3, 12, 3456, 7890);  /* 123456.789 */
	NUM("123456789", 6, 3, true, 3, 1, 0x4000, 3, 12, 3456, 7890);
	NUM("1", -19, 20, false, 1, -5, 0, 20, 1);                  /* 1e-20 */
	NUM("15", 1, 5, false, 2, 0, 0, 5, 1, 5000);                /* 1.50000: dscale beyond the digits */
	NUM("1250", 2, 2, false, 2, 0, 0, 2, 12, 5000);             /* 12.50 */
	NUM("123456", 1, 2, false, 2, 0, 0, 2, 1, 2300);            /* 1.23456 at scale 2 → 1.23 (truncated) */
	NUM("9999999999999999", 8, 8, false, 4, 1, 0, 8, 9999, 9999, 9999, 9999); /* 99999999.99999999 */
	NUM("1", 0, 16383, false, 1, -1, 0, 16383, 1000);           /* 0.1 at the largest dscale */
	NUM("314159", 1, 5, false, 3, 0, 0, 5, 3, 1415, 9000);      /* 3.14159 */
	NUM("1", -20, 21, false, 1, -6, 0, 21, 1000);               /* 1e-21: 10^-21 = 1000 × 10000^-6 */
}

static void
test_numeric_limits(void **state)
{
	hd_numeric n = { "1", 1, 200000, 0, false };
	hd_buf b;
	hd_err err;

	(void)state;
	hd_buf_init(&b, 0);
	assert_int_equal(hd_pg_encode_numeric(&b, &n, &err), HD_ERR_INTERNAL); /* weight beyond int16 */
	n.weight10 = 1;
	n.dscale = 16384;
	assert_int_equal(hd_pg_encode_numeric(&b, &n, &err), HD_ERR_INTERNAL); /* dscale beyond 0x3fff */
	n.dscale = 0;
	n.digits = "1x";
	n.ndigits = 2;
	n.weight10 = 2;
	assert_int_equal(hd_pg_encode_numeric(&b, &n, &err), HD_ERR_INTERNAL);
	assert_int_equal(b.len, 0);
	hd_buf_free(&b);
}

/* Encode n as it is and with its digits padded by zeros — 24 leading (weight + 24), 8 trailing — which is the same
 * number but more than 16 kept digits, so pg_encode.c's general path instead of the short one: same bytes. */
static void
encode_both(const hd_numeric *n, hd_buf *out)
{
	char pad[128];
	hd_numeric q = *n;
	hd_buf b;
	hd_err err, err2;
	hd_code r, r2;

	assert_true(n->ndigits + 32 <= (int32_t)sizeof pad);
	memset(pad, '0', sizeof pad);
	memcpy(pad + 24, n->digits, (size_t)n->ndigits);
	q.digits = pad;
	q.ndigits = n->ndigits + 32;
	q.weight10 = n->weight10 + 24;
	hd_buf_init(&b, 0);
	r = hd_pg_encode_numeric(out, n, &err);
	r2 = hd_pg_encode_numeric(&b, &q, &err2);
	assert_int_equal(r, r2);
	if (r == HD_OK) {
		assert_int_equal(out->len, b.len);
		assert_memory_equal(out->data, b.data, b.len);
	} else {
		assert_string_equal(err.msg, err2.msg);
	}
	hd_buf_free(&b);
}

/* Convert text for numeric(p,s) (p -1: unconstrained), encode it and compare with the int16 words; the same text
 * with exponent e0 goes through convert's general path, and encode_both through pg_encode's: same bytes. */
static void
check_text(int16_t p, int16_t s, bool roundec, const char *text, const int32_t *words, int nwords)
{
	hd_column col = { .name = (char *)"n", .type = HD_T_NUMERIC, .precision = p, .scale = s };
	hd_conv_opts o = { .roundec = roundec };
	unsigned char want[256];
	char general[96];
	hd_buf scratch, b, b2;
	hd_value v;
	hd_convfail f;
	hd_err err;

	hd_buf_init(&scratch, 0);
	hd_buf_init(&b, 0);
	hd_buf_init(&b2, 0);
	assert_int_equal(hd_conv_field(&col, &o, text, strlen(text), false, &v, &scratch, &f), HD_CONV_OK);
	encode_both(&v.u.num, &b);
	numeric_bytes(want, words, nwords);
	expect_bytes(&b, want, 4 + 2 * (size_t)nwords);
	if (strchr(text, 'E'))
		snprintf(general, sizeof general, "%s", text);
	else
		with_e0(general, sizeof general, text);
	assert_int_equal(hd_conv_field(&col, &o, general, strlen(general), false, &v, &scratch, &f), HD_CONV_OK);
	assert_int_equal(hd_pg_encode_numeric(&b2, &v.u.num, &err), HD_OK);
	expect_bytes(&b2, want, 4 + 2 * (size_t)nwords);
	hd_buf_free(&scratch);
	hd_buf_free(&b);
	hd_buf_free(&b2);
}

#define TXT(p, s, roundec, text, ...)                                                                                \
	do {                                                                                                         \
		static const int32_t words_[] = { __VA_ARGS__ };                                                     \
		check_text(p, s, roundec, text, words_, (int)(sizeof words_ / sizeof words_[0]));                    \
	} while (0)

#define NEG 0x4000

/* Text to bytes through both fast paths (convert's and pg_encode's), as numeric_send writes them. */
static void
test_numeric_text(void **state)
{
	(void)state;
	TXT(15, 2, false, "17", 1, 0, 0, 2, 17);
	TXT(15, 2, false, "21168.23", 3, 1, 0, 2, 2, 1168, 2300);
	TXT(15, 2, false, "0.04", 1, -1, 0, 2, 400);
	TXT(15, 2, false, "-0.02", 1, -1, NEG, 2, 200);
	TXT(15, 2, false, "-0.00", 0, 0, 0, 2);
	TXT(15, 2, false, "-0", 0, 0, 0, 2);
	TXT(-1, -1, false, "-0.000", 0, 0, 0, 3);
	TXT(-1, -1, false, "00012.3400", 2, 0, 0, 4, 12, 3400);
	TXT(10, 4, false, "00012.3400", 2, 0, 0, 4, 12, 3400);
	TXT(10, 2, false, ".5", 1, -1, 0, 2, 5000);
	TXT(10, 2, false, "5.", 1, 0, 0, 2, 5);
	TXT(10, 2, false, "-1200.00", 1, 0, NEG, 2, 1200);
	TXT(10, 4, false, "10000.0001", 3, 1, 0, 4, 1, 0, 1);
	TXT(-1, -1, false, "100000000", 1, 2, 0, 0, 1);
	TXT(5, 2, true, "99.995", 1, 0, 0, 2, 100);   /* rounding carries into a new digit */
	TXT(5, 2, false, "99.995", 2, 0, 0, 2, 99, 9900);
	TXT(15, 2, true, "-21168.235", 3, 1, NEG, 2, 2, 1168, 2400);
	TXT(15, 2, false, "-21168.239", 3, 1, NEG, 2, 2, 1168, 2300);
	TXT(15, 2, false, "9999999999999.99", 5, 3, 0, 2, 9, 9999, 9999, 9999, 9900);
	TXT(-1, -1, false, "123456789012345678", 5, 4, 0, 0, 12, 3456, 7890, 1234, 5678);
	TXT(-1, -1, false, "1234567890123456789", 5, 4, 0, 0, 123, 4567, 8901, 2345, 6789);
	TXT(-1, -1, false, "0.1234567890123456", 4, -1, 0, 16, 1234, 5678, 9012, 3456);  /* 16 digits: short */
	TXT(-1, -1, false, "1.2345678901234567", 5, 0, 0, 16, 1, 2345, 6789, 123, 4567); /* 17: general */
	TXT(-1, -1, false, "9999999999999999", 4, 3, 0, 0, 9999, 9999, 9999, 9999);
	TXT(-1, -1, false, "0.0000000000000009999", 2, -4, 0, 19, 9, 9990);
	TXT(38, 2, false, "-123456789012345678901234567890123456.78", 10, 8, NEG, 2, 1234, 5678, 9012, 3456, 7890,
	    1234, 5678, 9012, 3456, 7800);
	TXT(10, 2, false, "1.5E+3", 1, 0, 0, 2, 1500);
	TXT(15, 2, false, "  -21168.239 ", 3, 1, NEG, 2, 2, 1168, 2300);
	TXT(15, 2, true, "21168.2349", 3, 1, 0, 2, 2, 1168, 2300);
}

/* pg_encode.c's short path against its general one, every weight mod 4, dscale cutting digits, leading zeros. */
static void
test_numeric_short_long(void **state)
{
	static const char *const digs[] = { "1", "5", "12", "123", "1234", "12345", "50005", "98765432", "000123",
	                                    "1000000000000001", "9999999999999999", "0000000000000001",
	                                    "1230000000000000", "10", "0" };
	hd_buf b;
	(void)state;
	hd_buf_init(&b, 0);
	for (size_t k = 0; k < sizeof digs / sizeof digs[0]; k++)
		for (int32_t w = -9; w <= 21; w++)
			for (int16_t ds = -1; ds <= 9; ds++)
				for (int neg = 0; neg < 2; neg++) {
					hd_numeric n = { digs[k], (int32_t)strlen(digs[k]), w, ds, neg };
					hd_buf_reset(&b);
					encode_both(&n, &b);
				}
	hd_buf_free(&b);
}

/* Errors are the general path's, whichever path saw them first; the buffer is left as it was. */
static void
test_numeric_errors(void **state)
{
	hd_numeric n = { "1x", 2, 2, 0, false };
	hd_buf b;
	hd_err err;

	(void)state;
	hd_buf_init(&b, 0);
	assert_int_equal(hd_pg_encode_numeric(&b, &n, &err), HD_ERR_INTERNAL);
	assert_string_equal(err.msg, "malformed numeric digit string");
	n.digits = "1234567890123456789x";
	n.ndigits = 20;
	n.weight10 = 20;
	assert_int_equal(hd_pg_encode_numeric(&b, &n, &err), HD_ERR_INTERNAL);
	assert_string_equal(err.msg, "malformed numeric digit string");
	n.weight10 = 2; /* the 'x' is past dscale 0: dropped, not read */
	assert_int_equal(hd_pg_encode_numeric(&b, &n, &err), HD_OK);
	hd_buf_reset(&b);
	n.digits = "1";
	n.ndigits = 1;
	n.weight10 = -200000;
	n.dscale = 0; /* far below 10^-dscale: zero */
	assert_int_equal(hd_pg_encode_numeric(&b, &n, &err), HD_OK);
	hd_buf_reset(&b);
	n.weight10 = 131069; /* 10^131068: group 32767, the last weight int16 holds */
	assert_int_equal(hd_pg_encode_numeric(&b, &n, &err), HD_OK);
	hd_buf_reset(&b);
	n.weight10 = 131073;
	assert_int_equal(hd_pg_encode_numeric(&b, &n, &err), HD_ERR_INTERNAL);
	assert_string_equal(err.msg, "numeric value out of range for PostgreSQL");
	n.digits = NULL;
	assert_int_equal(hd_pg_encode_numeric(&b, &n, &err), HD_ERR_INTERNAL);
	assert_string_equal(err.msg, "malformed numeric value");
	n.ndigits = -1;
	assert_int_equal(hd_pg_encode_numeric(&b, &n, &err), HD_ERR_INTERNAL);
	assert_int_equal(b.len, 0);
	hd_buf_free(&b);

	/* a capped buffer: "17" fits 16 bytes (length word + 8 + one digit), 21168.23 (three digits) does not */
	hd_buf_init(&b, 16);
	n = (hd_numeric){ "17", 2, 2, 2, false };
	assert_int_equal(hd_pg_encode_numeric(&b, &n, &err), HD_OK);
	assert_int_equal(b.len, 14);
	hd_buf_reset(&b);
	n = (hd_numeric){ "2116823", 7, 5, 2, false };
	assert_int_equal(hd_pg_encode_numeric(&b, &n, &err), HD_ERR_LIMIT);
	assert_string_equal(err.msg, "encoded row too large");
	assert_int_equal(b.len, 0);
	hd_buf_free(&b);
}

/* ---- fixed-size and text values ------------------------------------------------------------------------------- */

static void
check_value(hd_type t, hd_value v, const unsigned char *want, size_t n)
{
	hd_buf b;
	hd_err err;

	hd_buf_init(&b, 0);
	assert_int_equal(hd_pg_encode_value(&b, t, &v, &err), HD_OK);
	expect_bytes(&b, want, n);
	hd_buf_free(&b);
}

#define VAL(t, v, ...)                                                                                               \
	do {                                                                                                         \
		static const unsigned char want_[] = { __VA_ARGS__ };                                                \
		check_value(t, v, want_, sizeof want_);                                                              \
	} while (0)

static void
test_integers(void **state)
{
	(void)state;
	VAL(HD_T_INT2, ((hd_value){ .kind = HD_V_INT, .u.i = -2 }), 0, 0, 0, 2, 0xff, 0xfe);
	VAL(HD_T_INT2, ((hd_value){ .kind = HD_V_INT, .u.i = 32767 }), 0, 0, 0, 2, 0x7f, 0xff);
	VAL(HD_T_INT4, ((hd_value){ .kind = HD_V_INT, .u.i = 0x01020304 }), 0, 0, 0, 4, 1, 2, 3, 4);
	VAL(HD_T_INT4, ((hd_value){ .kind = HD_V_INT, .u.i = INT32_MIN }), 0, 0, 0, 4, 0x80, 0, 0, 0);
	VAL(HD_T_INT8, ((hd_value){ .kind = HD_V_INT, .u.i = -1 }), 0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff);
	VAL(HD_T_INT8, ((hd_value){ .kind = HD_V_INT, .u.i = 0x0102030405060708LL }), 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7,
	    8);
}

static void
test_floats_bool(void **state)
{
	(void)state;
	VAL(HD_T_FLOAT4, ((hd_value){ .kind = HD_V_FLOAT4, .u.f4 = 1.5f }), 0, 0, 0, 4, 0x3f, 0xc0, 0, 0);
	VAL(HD_T_FLOAT8, ((hd_value){ .kind = HD_V_FLOAT8, .u.f8 = -2.0 }), 0, 0, 0, 8, 0xc0, 0, 0, 0, 0, 0, 0, 0);
	VAL(HD_T_FLOAT8, ((hd_value){ .kind = HD_V_FLOAT8, .u.f8 = 0.1 }), 0, 0, 0, 8, 0x3f, 0xb9, 0x99, 0x99, 0x99,
	    0x99, 0x99, 0x9a);
	VAL(HD_T_BOOL, ((hd_value){ .kind = HD_V_BOOL, .u.b = true }), 0, 0, 0, 1, 1);
	VAL(HD_T_BOOL, ((hd_value){ .kind = HD_V_BOOL, .u.b = false }), 0, 0, 0, 1, 0);
}

static void
test_times(void **state)
{
	(void)state;
	VAL(HD_T_DATE, ((hd_value){ .kind = HD_V_DATE, .u.date = -1 }), 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff);
	VAL(HD_T_DATE, ((hd_value){ .kind = HD_V_DATE, .u.date = 8825 }), 0, 0, 0, 4, 0, 0, 0x22, 0x79);
	VAL(HD_T_TIMESTAMP, ((hd_value){ .kind = HD_V_TIMESTAMP, .u.ts = 1000000 }), 0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0f,
	    0x42, 0x40);
	VAL(HD_T_TIMESTAMPTZ, ((hd_value){ .kind = HD_V_TIMESTAMP, .u.ts = -1 }), 0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff);
	VAL(HD_T_TIME, ((hd_value){ .kind = HD_V_TIME, .u.ts = 86400000000LL }), 0, 0, 0, 8, 0, 0, 0, 0x14, 0x1d,
	    0xd7, 0x60, 0);
	/* 00:00:01 at UTC+01:00 → zone −3600 s west */
	VAL(HD_T_TIMETZ, ((hd_value){ .kind = HD_V_TIMETZ, .u.timetz = { 1000000, -3600 } }), 0, 0, 0, 12, 0, 0, 0, 0,
	    0, 0x0f, 0x42, 0x40, 0xff, 0xff, 0xf1, 0xf0);
}

static void
test_text_kinds(void **state)
{
	(void)state;
	VAL(HD_T_VARCHAR, ((hd_value){ .kind = HD_V_TEXT, .u.s = { "ab", 2 } }), 0, 0, 0, 2, 'a', 'b');
	VAL(HD_T_CHAR, ((hd_value){ .kind = HD_V_TEXT, .u.s = { "", 0 } }), 0, 0, 0, 0);
	VAL(HD_T_TEXT, ((hd_value){ .kind = HD_V_TEXT, .u.s = { "\xc3\xa9", 2 } }), 0, 0, 0, 2, 0xc3, 0xa9);
	VAL(HD_T_JSON, ((hd_value){ .kind = HD_V_TEXT, .u.s = { "{}", 2 } }), 0, 0, 0, 2, '{', '}');
	VAL(HD_T_JSONB, ((hd_value){ .kind = HD_V_TEXT, .u.s = { "[1]", 3 } }), 0, 0, 0, 4, 1, '[', '1', ']');
	VAL(HD_T_BYTEA, ((hd_value){ .kind = HD_V_BYTES, .u.s = { "\0\xff", 2 } }), 0, 0, 0, 2, 0, 0xff);
	VAL(HD_T_INT4, ((hd_value){ .kind = HD_V_NULL }), 0xff, 0xff, 0xff, 0xff);
	VAL(HD_T_JSONB, ((hd_value){ .kind = HD_V_NULL }), 0xff, 0xff, 0xff, 0xff);
	VAL(HD_T_NUMERIC, ((hd_value){ .kind = HD_V_NUMERIC, .u.num = { "25", 2, 1, 1, true } }), 0, 0, 0, 12, 0, 2,
	    0, 0, 0x40, 0, 0, 1, 0, 2, 0x13, 0x88); /* -2.5 */
}

static void
test_mismatch(void **state)
{
	hd_buf b;
	hd_err err;
	hd_value v = { .kind = HD_V_TEXT, .u.s = { "1", 1 } };

	(void)state;
	hd_buf_init(&b, 0);
	assert_int_equal(hd_pg_encode_value(&b, HD_T_INT4, &v, &err), HD_ERR_INTERNAL);
	assert_int_equal(err.code, HD_ERR_INTERNAL);
	v = (hd_value){ .kind = HD_V_INT, .u.i = 40000 };
	assert_int_equal(hd_pg_encode_value(&b, HD_T_INT2, &v, &err), HD_ERR_INTERNAL);
	v = (hd_value){ .kind = HD_V_INT, .u.i = 1 };
	assert_int_equal(hd_pg_encode_value(&b, HD_T_UNSUPPORTED, &v, &err), HD_ERR_INTERNAL);
	assert_int_equal(hd_pg_encode_value(&b, HD_T_FLOAT8, &v, &err), HD_ERR_INTERNAL);
	v = (hd_value){ .kind = HD_V_TIMESTAMP, .u.ts = 1 };
	assert_int_equal(hd_pg_encode_value(&b, HD_T_DATE, &v, &err), HD_ERR_INTERNAL);
	assert_int_equal(b.len, 0);
	hd_buf_free(&b);
}

static void
test_row(void **state)
{
	static const hd_type types[] = { HD_T_INT4, HD_T_TEXT, HD_T_BOOL };
	static const unsigned char want[] = { 0, 3, 0, 0, 0, 4, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 1 };
	hd_value vals[3] = {
		{ .kind = HD_V_INT, .u.i = 7 }, { .kind = HD_V_NULL }, { .kind = HD_V_BOOL, .u.b = true }
	};
	hd_buf b;
	hd_err err;

	(void)state;
	hd_buf_init(&b, 0);
	assert_int_equal(hd_pg_encode_row(&b, types, 3, vals, &err), HD_OK);
	expect_bytes(&b, want, sizeof want);
	/* A bad value in the middle leaves the buffer as it was before the row. */
	vals[2] = (hd_value){ .kind = HD_V_INT, .u.i = 1 };
	assert_int_equal(hd_pg_encode_row(&b, types, 3, vals, &err), HD_ERR_INTERNAL);
	expect_bytes(&b, want, sizeof want);
	hd_buf_free(&b);
}

static void
test_row_cap(void **state)
{
	static const hd_type types[] = { HD_T_TEXT };
	char big[100];
	hd_value v = { .kind = HD_V_TEXT, .u.s = { big, sizeof big } };
	hd_buf b;
	hd_err err;

	(void)state;
	memset(big, 'x', sizeof big);
	hd_buf_init(&b, 64);
	assert_int_equal(hd_pg_encode_row(&b, types, 1, &v, &err), HD_ERR_LIMIT);
	assert_int_equal(b.len, 0);
	hd_buf_free(&b);
}

static void
test_header(void **state)
{
	(void)state;
	assert_int_equal(HD_PG_COPY_HEADER_LEN, 19);
	assert_memory_equal(hd_pg_copy_header, "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
}

static void
test_type_oids(void **state)
{
	(void)state;
	assert_int_equal(hd_pg_type_from_oid(21), HD_T_INT2);
	assert_int_equal(hd_pg_type_from_oid(1700), HD_T_NUMERIC);
	assert_int_equal(hd_pg_type_from_oid(1042), HD_T_CHAR);
	assert_int_equal(hd_pg_type_from_oid(1266), HD_T_TIMETZ);
	assert_int_equal(hd_pg_type_from_oid(3802), HD_T_JSONB);
	assert_int_equal(hd_pg_type_from_oid(17), HD_T_BYTEA);
	assert_int_equal(hd_pg_type_from_oid(2950), HD_T_UNSUPPORTED); /* uuid */
	assert_int_equal(hd_pg_type_from_oid(1007), HD_T_UNSUPPORTED); /* int4[] */
}

/* ---- registry helpers ----------------------------------------------------------------------------------------- */

static void
test_utf8_clean(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(hd_sink_utf8_clean(out, 15, "abc", 3), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(hd_sink_utf8_clean(out, 15, "a\0b", 3), 3);
	assert_string_equal(out, "a?b");
	assert_int_equal(hd_sink_utf8_clean(out, 15, "\xff\xc3x", 3), 3); /* bad lead, truncated sequence */
	assert_string_equal(out, "??x");
	assert_int_equal(hd_sink_utf8_clean(out, 15, "\xc0\xaf", 2), 2);  /* overlong '/' */
	assert_string_equal(out, "??");
	assert_int_equal(hd_sink_utf8_clean(out, 15, "\xed\xa0\x80", 3), 3); /* surrogate */
	assert_string_equal(out, "???");
	assert_int_equal(hd_sink_utf8_clean(out, 15, "\xf4\x90\x80\x80", 4), 4); /* > U+10FFFF */
	assert_string_equal(out, "????");
	assert_int_equal(hd_sink_utf8_clean(out, 15, "\xf0\x9f\x98\x80!", 5), 5); /* U+1F600 */
	assert_string_equal(out, "\xf0\x9f\x98\x80!");
	/* Cut on a character boundary: "aé" is 3 bytes; with max 2 only "a" fits. */
	assert_int_equal(hd_sink_utf8_clean(out, 2, "a\xc3\xa9", 3), 1);
	assert_string_equal(out, "a");
	assert_int_equal(hd_sink_utf8_clean(out, 3, "a\xc3\xa9z", 4), 3);
	assert_string_equal(out, "a\xc3\xa9");
	assert_int_equal(hd_sink_utf8_clean(out, 0, "abc", 3), 0);
	assert_string_equal(out, "");
}

static void
test_date_ymd(void **state)
{
	int y, m, d;

	(void)state;
	hd_sink_date_ymd(0, &y, &m, &d);
	assert_true(y == 2000 && m == 1 && d == 1);
	hd_sink_date_ymd(-1, &y, &m, &d);
	assert_true(y == 1999 && m == 12 && d == 31);
	hd_sink_date_ymd(59, &y, &m, &d);
	assert_true(y == 2000 && m == 2 && d == 29);
	hd_sink_date_ymd(8825, &y, &m, &d);
	assert_true(y == 2024 && m == 2 && d == 29);
	hd_sink_date_ymd(-730119, &y, &m, &d);
	assert_true(y == 1 && m == 1 && d == 1);
	hd_sink_date_ymd(-730120, &y, &m, &d);
	assert_true(y == 0 && m == 12 && d == 31); /* 1 BC */
	hd_sink_date_ymd(2921939, &y, &m, &d);
	assert_true(y == 9999 && m == 12 && d == 31);
}

static void
test_sink_for(void **state)
{
	hd_err err;

	(void)state;
	assert_ptr_equal(hd_sink_for("sqlite:/tmp/x.db", &err), &hd_sink_sqlite);
	assert_ptr_equal(hd_sink_for("postgresql://u@h/db", &err), &hd_sink_pg);
	assert_ptr_equal(hd_sink_for("postgres://h", &err), &hd_sink_pg);
	assert_ptr_equal(hd_sink_for("host=/tmp dbname=x", &err), &hd_sink_pg);
	assert_null(hd_sink_for("sqlite:", &err));
	assert_int_equal(err.code, HD_ERR_USAGE);
	assert_null(hd_sink_for("mysql://u:secret@h/db", &err));
	assert_int_equal(err.code, HD_ERR_USAGE);
	assert_null(strstr(err.msg, "secret")); /* the target is never echoed */
	assert_null(hd_sink_for("", &err));
	assert_null(hd_sink_for(NULL, &err));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numeric_zero),
		cmocka_unit_test(test_numeric_integers),
		cmocka_unit_test(test_numeric_fractions),
		cmocka_unit_test(test_numeric_limits),
		cmocka_unit_test(test_numeric_text),
		cmocka_unit_test(test_numeric_short_long),
		cmocka_unit_test(test_numeric_errors),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_floats_bool),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_text_kinds),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_row),
		cmocka_unit_test(test_row_cap),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_type_oids),
		cmocka_unit_test(test_utf8_clean),
		cmocka_unit_test(test_date_ymd),
		cmocka_unit_test(test_sink_for),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
