/*
 * test_convert.c — convert/: NULL AS / empty / blank rules, NOT NULL, integers, numeric, floats, booleans, char /
 * varchar / text (UTF-8, ACCEPTINVCHARS, TRIMBLANKS, TRUNCATECOLUMNS), json/jsonb and VARBYTE.
 * Dates and times: test_convert_dt.c. Every case asserts the exact value or the exact load-error code.
 */
#include "num_general.h"
#include "test_convert_util.h"

#include <float.h>
#include <math.h>

#include "common/limits.h"

#define OK   HD_CONV_OK
#define FAIL HD_CONV_FAIL
#define REPL HD_CONV_REPLACED

/* ---- NULL AS, empty and blank fields (copy-parameters-data-conversion) ---- */

static void
test_null_rules(void **state)
{
	hd_column vc = mkcol(HD_T_VARCHAR, 10, -1, -1), cc = mkcol(HD_T_CHAR, 5, -1, -1);
	hd_column tc = mkcol(HD_T_TEXT, -1, -1, -1), ic = mkcol(HD_T_INT4, -1, -1, -1);
	hd_column dc = mkcol(HD_T_DATE, -1, -1, -1), bc = mkcol(HD_T_BOOL, -1, -1, -1);
	hd_value v;
	hd_convfail f;
	(void)state;

	opts_reset();
	/* the default null string (the caller put \N there) */
	assert_int_equal(conv(&vc, "\\N", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	assert_int_equal(conv(&ic, "\\N", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	/* a quoted field never matches NULL AS (CSV: "\N" is the two characters) */
	assert_int_equal(convq(&vc, "\\N", 2, true, &v, &f), OK);
	assert_int_equal(v.kind, HD_V_TEXT);
	assert_int_equal(v.u.s.n, 2);
	/* prefix / longer strings don't match */
	assert_int_equal(conv(&vc, "\\NN", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_TEXT);
	assert_int_equal(conv(&vc, "\\", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_TEXT);

	/* empty unquoted field: "" for char/varchar/text, NULL for all other types */
	assert_int_equal(conv(&vc, "", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_TEXT);
	assert_int_equal(v.u.s.n, 0);
	assert_int_equal(conv(&cc, "", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_TEXT);
	assert_int_equal(conv(&tc, "", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_TEXT);
	assert_int_equal(conv(&ic, "", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	assert_int_equal(conv(&dc, "", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	assert_int_equal(conv(&bc, "", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	/* quoted empty: same as empty */
	assert_int_equal(convq(&vc, "", 0, true, &v, &f), OK);
	assert_int_equal(v.kind, HD_V_TEXT);
	assert_int_equal(convq(&ic, "", 0, true, &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);

	/* EMPTYASNULL: empty char/varchar → NULL, quoted or not */
	g_opts.emptyasnull = true;
	assert_int_equal(conv(&vc, "", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	assert_int_equal(conv(&cc, "", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	assert_int_equal(convq(&vc, "", 0, true, &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	assert_int_equal(conv(&vc, " ", &v, &f), OK); /* not empty */
	assert_int_equal(v.kind, HD_V_TEXT);
	g_opts.emptyasnull = false;

	/* BLANKSASNULL: only white space → NULL for char/varchar */
	assert_int_equal(conv(&vc, "   ", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_TEXT);
	assert_int_equal(v.u.s.n, 3);
	g_opts.blanksasnull = true;
	assert_int_equal(conv(&vc, "   ", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	assert_int_equal(conv(&cc, " \t ", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	assert_int_equal(conv(&vc, " a ", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_TEXT);
	assert_int_equal(conv(&vc, "", &v, &f), OK); /* empty is still "" without EMPTYASNULL */
	assert_int_equal(v.kind, HD_V_TEXT);
	/* blanks into an int are not NULL by BLANKSASNULL (it applies to CHAR/VARCHAR only): error */
	assert_int_equal(conv(&ic, "   ", &v, &f), FAIL);
	assert_int_equal(f.code, 1207);
	g_opts.blanksasnull = false;

	/* TRIMBLANKS + BLANKSASNULL interplay: trimming makes "" (not NULL) without BLANKSASNULL */
	g_opts.trimblanks = true;
	assert_int_equal(conv(&vc, "ab  \t", &v, &f), OK);
	assert_int_equal(v.u.s.n, 2);
	assert_memory_equal(v.u.s.p, "ab", 2);
	assert_int_equal(conv(&vc, "  ", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_TEXT);
	assert_int_equal(v.u.s.n, 0);
	assert_int_equal(conv(&vc, "  ab", &v, &f), OK); /* leading blanks stay */
	assert_int_equal(v.u.s.n, 4);
	g_opts.blanksasnull = true;
	assert_int_equal(conv(&vc, "  ", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	opts_reset();

	/* NULL AS a custom string, and NUL ('\0') */
	g_opts.null_as = "NULL";
	g_opts.null_as_len = 4;
	assert_int_equal(conv(&ic, "NULL", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	assert_int_equal(conv(&vc, "null", &v, &f), OK); /* byte compare: case matters */
	assert_int_equal(v.kind, HD_V_TEXT);
	assert_int_equal(conv(&vc, "\\N", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_TEXT);
	g_opts.null_as = "\0";
	g_opts.null_as_len = 1;
	assert_int_equal(convq(&vc, "\0", 1, false, &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	assert_int_equal(convq(&ic, "\0", 1, false, &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	assert_int_equal(convq(&vc, "a\0", 2, false, &v, &f), FAIL); /* NUL inside a longer varchar: invalid */
	assert_int_equal(f.code, 1220);
	g_opts.null_as = "";
	g_opts.null_as_len = 0;
	assert_int_equal(conv(&vc, "", &v, &f), OK); /* NULL AS '' makes empty fields NULL, like EMPTYASNULL */
	assert_int_equal(v.kind, HD_V_NULL);
	opts_reset();
}

static void
test_not_null(void **state)
{
	hd_column vc = mkcol(HD_T_VARCHAR, 10, -1, -1), ic = mkcol(HD_T_INT4, -1, -1, -1);
	hd_column cc = mkcol(HD_T_CHAR, 3, -1, -1), dc = mkcol(HD_T_DATE, -1, -1, -1);
	hd_value v;
	hd_convfail f;
	(void)state;

	opts_reset();
	vc.not_null = ic.not_null = cc.not_null = dc.not_null = true;
	assert_int_equal(conv(&ic, "\\N", &v, &f), FAIL);
	assert_int_equal(f.code, 1213);
	assert_string_equal(f.reason, "Missing data for not-null field");
	assert_int_equal(conv(&ic, "", &v, &f), FAIL);
	assert_int_equal(f.code, 1213);
	assert_int_equal(conv(&vc, "", &v, &f), OK); /* "" is data */
	assert_int_equal(v.kind, HD_V_TEXT);
	g_opts.emptyasnull = true;
	assert_int_equal(conv(&vc, "", &v, &f), FAIL);
	assert_int_equal(f.code, 1213);
	g_opts.emptyasnull = false;
	g_opts.blanksasnull = true;
	assert_int_equal(conv(&vc, "  ", &v, &f), FAIL);
	assert_int_equal(f.code, 1213);
	g_opts.blanksasnull = false;
	/* ACCEPTANYDATE's NULL is still checked */
	g_opts.acceptanydate = true;
	assert_int_equal(conv(&dc, "garbage", &v, &f), FAIL);
	assert_int_equal(f.code, 1213);
	dc.not_null = false;
	assert_int_equal(conv(&dc, "garbage", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	g_opts.acceptanydate = false;
	assert_int_equal(conv(&ic, "5", &v, &f), OK);
	assert_int_equal(v.u.i, 5);

	/* FILLRECORD: missing columns */
	ic.not_null = vc.not_null = cc.not_null = false;
	assert_int_equal(hd_conv_missing(&vc, &g_opts, &v, &f), OK);
	assert_int_equal(v.kind, HD_V_TEXT);
	assert_int_equal(v.u.s.n, 0);
	assert_int_equal(hd_conv_missing(&cc, &g_opts, &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	assert_int_equal(hd_conv_missing(&ic, &g_opts, &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	g_opts.emptyasnull = true;
	assert_int_equal(hd_conv_missing(&vc, &g_opts, &v, &f), OK);
	assert_int_equal(v.kind, HD_V_NULL);
	ic.not_null = true;
	assert_int_equal(hd_conv_missing(&ic, &g_opts, &v, &f), FAIL);
	assert_int_equal(f.code, 1213);
	opts_reset();
}

/* ---- integers ---- */

typedef struct icase {
	hd_type t;
	const char *in;
	int rc;
	int64_t v;  /* or code */
	const char *reason;
} icase;

static const icase icases[] = {
	{HD_T_INT4, "0", OK, 0, NULL},
	{HD_T_INT4, "42", OK, 42, NULL},
	{HD_T_INT4, "-42", OK, -42, NULL},
	{HD_T_INT4, "+42", OK, 42, NULL},
	{HD_T_INT4, "007", OK, 7, NULL},
	{HD_T_INT4, "  12  ", OK, 12, NULL},
	{HD_T_INT4, "\t-3", OK, -3, NULL},
	{HD_T_INT4, "-0", OK, 0, NULL},
	{HD_T_INT4, "00000000000000000000000001", OK, 1, NULL},
	{HD_T_INT2, "32767", OK, 32767, NULL},
	{HD_T_INT2, "-32768", OK, -32768, NULL},
	{HD_T_INT2, "32768", FAIL, 1222, "Overflow, Value '32768', Type: Short"},
	{HD_T_INT2, "-32769", FAIL, 1222, NULL},
	{HD_T_INT2, "99999999999999999999", FAIL, 1222, NULL},
	{HD_T_INT4, "2147483647", OK, 2147483647, NULL},
	{HD_T_INT4, "-2147483648", OK, -2147483647 - 1, NULL},
	{HD_T_INT4, "2147483648", FAIL, 1222, "Overflow, Value '2147483648', Type: Integer"},
	{HD_T_INT4, "-2147483649", FAIL, 1222, NULL},
	{HD_T_INT8, "9223372036854775807", OK, INT64_MAX, NULL},
	{HD_T_INT8, "-9223372036854775808", OK, INT64_MIN, NULL},
	{HD_T_INT8, "9223372036854775808", FAIL, 1222, "Overflow, Value '9223372036854775808', Type: Long"},
	{HD_T_INT8, "-9223372036854775809", FAIL, 1222, NULL},
	{HD_T_INT8, "123456789012345678", OK, 123456789012345678LL, NULL},
	{HD_T_INT8, "999999999999999999", OK, 999999999999999999LL, NULL},
	{HD_T_INT8, "1000000000000000000", OK, 1000000000000000000LL, NULL},
	{HD_T_INT8, "99999999999999999999999", FAIL, 1222, NULL},
	{HD_T_INT4, "12.0", FAIL, 1207, "Invalid digit, Value '.', Pos 2, Type: Integer"},
	{HD_T_INT4, "a", FAIL, 1207, "Invalid digit, Value 'a', Pos 0, Type: Integer"},
	{HD_T_INT4, "12a", FAIL, 1207, "Invalid digit, Value 'a', Pos 2, Type: Integer"},
	{HD_T_INT4, "1 2", FAIL, 1207, "Invalid digit, Value ' ', Pos 1, Type: Integer"},
	{HD_T_INT4, "+", FAIL, 1207, "Invalid digit, Value '+', Pos 0, Type: Integer"},
	{HD_T_INT4, "-", FAIL, 1207, NULL},
	{HD_T_INT4, "--1", FAIL, 1207, "Invalid digit, Value '-', Pos 1, Type: Integer"},
	{HD_T_INT4, "1e3", FAIL, 1207, NULL},
	{HD_T_INT4, "0x10", FAIL, 1207, "Invalid digit, Value 'x', Pos 1, Type: Integer"},
	{HD_T_INT4, "\"5\"", FAIL, 1207, "Invalid digit, Value '\"', Pos 0, Type: Integer"},
	{HD_T_INT8, "1,000", FAIL, 1207, "Invalid digit, Value ',', Pos 1, Type: Long"},
	{HD_T_INT2, "x", FAIL, 1207, "Invalid digit, Value 'x', Pos 0, Type: Short"},
	{HD_T_INT4, "99999999999999999999x", FAIL, 1207, NULL}, /* bad digit beats overflow */
	{HD_T_INT4, "\xc3\xa9", FAIL, 1207, "Invalid digit, Value '?', Pos 0, Type: Integer"},
	{HD_T_INT4, "1\r", OK, 1, NULL},
};

static void
test_int(void **state)
{
	size_t k;
	hd_value v;
	hd_convfail f;
	(void)state;
	opts_reset();
	for (k = 0; k < sizeof icases / sizeof icases[0]; k++) {
		const icase *c = &icases[k];
		hd_column col = mkcol(c->t, -1, -1, -1);
		int r = conv(&col, c->in, &v, &f);
		CHECK(r == c->rc, "int case %zu '%s': rc %d want %d (%d %s)", k, c->in, r, c->rc, f.code, f.reason);
		if (r == OK) {
			CHECK(v.kind == HD_V_INT && v.u.i == c->v, "int case %zu '%s': got %lld", k, c->in,
			      (long long)v.u.i);
		} else {
			CHECK(f.code == c->v, "int case %zu '%s': code %d want %lld", k, c->in, f.code, (long long)c->v);
			if (c->reason)
				CHECK(strcmp(f.reason, c->reason) == 0, "int case %zu: reason '%s' want '%s'", k, f.reason,
				      c->reason);
		}
	}
}

static void
test_parse_int64(void **state)
{
	int64_t v = 77;
	(void)state;
	assert_true(hd_parse_int64("123", 3, &v));
	assert_int_equal(v, 123);
	assert_true(hd_parse_int64("-9223372036854775808", 20, &v));
	assert_true(v == INT64_MIN);
	assert_true(hd_parse_int64("9223372036854775807", 19, &v));
	assert_true(v == INT64_MAX);
	v = 77;
	assert_false(hd_parse_int64("9223372036854775808", 19, &v));
	assert_int_equal(v, 77); /* moves nothing on failure */
	assert_false(hd_parse_int64("", 0, &v));
	assert_false(hd_parse_int64("-", 1, &v));
	assert_false(hd_parse_int64(" 1", 2, &v));
	assert_false(hd_parse_int64("1 ", 2, &v));
	assert_false(hd_parse_int64("12x", 3, &v));
	assert_true(hd_parse_int64("12x", 2, &v)); /* never reads past n */
	assert_int_equal(v, 12);
	assert_int_equal(v, 12);
}

/* ---- numeric ---- */

typedef struct ncase {
	int16_t p, s;
	bool roundec;
	const char *in;
	int rc;
	const char *digits; /* or NULL for failure */
	int32_t weight;
	int16_t dscale;
	bool neg;
	int code;
} ncase;

static const ncase ncases[] = {
	{10, 2, false, "123.45", OK, "12345", 3, 2, false, 0},
	{10, 2, false, "-123.45", OK, "12345", 3, 2, true, 0},
	{10, 2, false, "+1.5", OK, "15", 1, 2, false, 0},
	{10, 2, false, "123", OK, "123", 3, 2, false, 0},
	{10, 2, false, "0", OK, "", 0, 2, false, 0},
	{10, 2, false, "-0.00", OK, "", 0, 2, false, 0},
	{10, 2, false, "000123.4500", OK, "12345", 3, 2, false, 0},
	{10, 2, false, ".5", OK, "5", 0, 2, false, 0},
	{10, 2, false, "5.", OK, "5", 1, 2, false, 0},
	{10, 2, false, "0.05", OK, "5", -1, 2, false, 0},
	{10, 2, false, "  7.25  ", OK, "725", 1, 2, false, 0},
	{10, 2, false, "100", OK, "1", 3, 2, false, 0},
	/* truncation (default) vs ROUNDEC */
	{10, 2, false, "1.239", OK, "123", 1, 2, false, 0},
	{10, 2, true, "1.239", OK, "124", 1, 2, false, 0},
	{10, 2, true, "1.234", OK, "123", 1, 2, false, 0},
	{10, 2, true, "1.235", OK, "124", 1, 2, false, 0},
	{10, 2, true, "-1.235", OK, "124", 1, 2, true, 0},
	{10, 2, false, "-1.239", OK, "123", 1, 2, true, 0},
	{10, 2, true, "9.995", OK, "1", 2, 2, false, 0},
	{10, 2, false, "9.995", OK, "999", 1, 2, false, 0},
	{10, 2, true, "0.004", OK, "", 0, 2, false, 0},
	{10, 2, true, "0.005", OK, "1", -1, 2, false, 0},
	{10, 2, true, "-0.005", OK, "1", -1, 2, true, 0},
	{10, 2, false, "-0.001", OK, "", 0, 2, false, 0},
	{10, 2, true, "0.0049999", OK, "", 0, 2, false, 0},
	{10, 2, true, "0.00001", OK, "", 0, 2, false, 0},
	{5, 0, true, "12.5", OK, "13", 2, 0, false, 0},
	{5, 0, false, "12.5", OK, "12", 2, 0, false, 0},
	{5, 0, true, "0.5", OK, "1", 1, 0, false, 0},
	{5, 0, true, "0.4", OK, "", 0, 0, false, 0},
	/* precision */
	{4, 2, false, "99.99", OK, "9999", 2, 2, false, 0},
	{4, 2, false, "99.999", OK, "9999", 2, 2, false, 0},
	{4, 2, true, "99.995", FAIL, NULL, 0, 0, false, 1204}, /* carry overflows */
	{4, 2, true, "99.994", OK, "9999", 2, 2, false, 0},
	{4, 2, false, "100", FAIL, NULL, 0, 0, false, 1204},
	{4, 2, false, "-100.00", FAIL, NULL, 0, 0, false, 1204},
	{4, 2, false, "0099.99", OK, "9999", 2, 2, false, 0},
	{18, 0, false, "999999999999999999", OK, "999999999999999999", 18, 0, false, 0},
	{18, 0, false, "1000000000000000000", FAIL, NULL, 0, 0, false, 1204},
	{38, 38, false, "0.12345678901234567890123456789012345678", OK,
	 "12345678901234567890123456789012345678", 0, 38, false, 0},
	{38, 38, false, "1", FAIL, NULL, 0, 0, false, 1204},
	/* exponents */
	{10, 2, false, "1e2", OK, "1", 3, 2, false, 0},
	{10, 2, false, "1.5E+3", OK, "15", 4, 2, false, 0},
	{10, 2, false, "15e-3", OK, "1", -1, 2, false, 0},
	{10, 2, true, "15e-3", OK, "2", -1, 2, false, 0},
	{10, 2, false, "1e100", FAIL, NULL, 0, 0, false, 1204},
	{10, 2, false, "1e-100", OK, "", 0, 2, false, 0},
	{10, 2, false, "1e999999999999", FAIL, NULL, 0, 0, false, 1204},
	{10, 2, false, "1e-999999999999", OK, "", 0, 2, false, 0},
	{10, 2, false, "0e999999999", OK, "", 0, 2, false, 0},
	/* unconstrained: keeps the input scale */
	{-1, -1, false, "123.4500", OK, "12345", 3, 4, false, 0},
	{-1, -1, false, "-0.001", OK, "1", -2, 3, true, 0},
	{-1, -1, false, "42", OK, "42", 2, 0, false, 0},
	{-1, -1, false, "1.5e3", OK, "15", 4, 0, false, 0},
	{-1, -1, false, "1.5e-3", OK, "15", -2, 4, false, 0},
	{-1, -1, false, "0.000", OK, "", 0, 3, false, 0},
	{-1, -1, false, "1e200000", FAIL, NULL, 0, 0, false, 1204},
	{-1, -1, false, "1e-20000", FAIL, NULL, 0, 0, false, 1204},
	{-1, -1, true, "2.675", OK, "2675", 1, 3, false, 0},
	/* the fast path's shapes ([sign] digits [. digits], fraction ≤ scale) and where it hands over (numeric.c) */
	{15, 2, false, "17", OK, "17", 2, 2, false, 0},
	{15, 2, false, "21168.23", OK, "2116823", 5, 2, false, 0},
	{15, 2, false, "0.04", OK, "4", -1, 2, false, 0},
	{15, 2, false, "-0.02", OK, "2", -1, 2, true, 0},
	{15, 2, false, "+0.10", OK, "1", 0, 2, false, 0},
	{15, 2, false, "-5.", OK, "5", 1, 2, true, 0},
	{15, 2, false, "+.5", OK, "5", 0, 2, false, 0},
	{15, 2, false, "-.05", OK, "5", -1, 2, true, 0},
	{15, 2, false, "-0", OK, "", 0, 2, false, 0},
	{15, 2, false, "-.0", OK, "", 0, 2, false, 0},
	{15, 2, false, "000", OK, "", 0, 2, false, 0},
	{15, 2, false, "12.00", OK, "12", 2, 2, false, 0},
	{15, 2, false, "1200.5", OK, "12005", 4, 2, false, 0},
	{15, 2, false, "1000.01", OK, "100001", 4, 2, false, 0},
	{10, 4, false, "00012.3400", OK, "1234", 2, 4, false, 0},
	{10, 2, false, "00012.3400", OK, "1234", 2, 2, false, 0}, /* fraction > scale: truncated, zeros anyway */
	{-1, -1, false, "00012.3400", OK, "1234", 2, 4, false, 0},
	{-1, -1, false, "-0", OK, "", 0, 0, false, 0},
	{-1, -1, false, "-0.00", OK, "", 0, 2, false, 0},
	{-1, -1, false, ".5", OK, "5", 0, 1, false, 0},
	{-1, -1, false, "5.", OK, "5", 1, 0, false, 0},
	/* scale exactly s (fast) and s + 1 (truncated, or rounded with ROUNDEC) */
	{15, 2, false, "1.23", OK, "123", 1, 2, false, 0},
	{15, 2, true, "1.23", OK, "123", 1, 2, false, 0},
	{15, 2, false, "1.235", OK, "123", 1, 2, false, 0},
	{15, 2, true, "1.235", OK, "124", 1, 2, false, 0},
	{15, 2, true, "-21168.235", OK, "2116824", 5, 2, true, 0},
	{15, 2, true, "0.001", OK, "", 0, 2, false, 0},
	{15, 2, true, "1.2349", OK, "123", 1, 2, false, 0}, /* ROUNDEC, the first dropped digit rounds down: truncated */
	{15, 2, true, "1.2350", OK, "124", 1, 2, false, 0},
	{15, 2, false, "-12.3456", OK, "1234", 2, 2, true, 0},
	{15, 2, false, " -0.009 ", OK, "", 0, 2, false, 0},
	{15, 2, true, " -0.004 ", OK, "", 0, 2, false, 0},
	{15, 2, true, " -0.005 ", OK, "1", -1, 2, true, 0},
	{15, 2, false, "\t21168.23 ", OK, "2116823", 5, 2, false, 0},
	{2, 2, false, "0.99999", OK, "99", 0, 2, false, 0},
	{2, 2, true, "0.99499", OK, "99", 0, 2, false, 0},
	{2, 2, true, "0.995", FAIL, NULL, 0, 0, false, 1204},
	/* precision: p - s integer digits fit, one more is 1204 (fast path hands the error over) */
	{15, 2, false, "9999999999999.99", OK, "999999999999999", 13, 2, false, 0},
	{15, 2, false, "-0009999999999999.99", OK, "999999999999999", 13, 2, true, 0},
	{15, 2, false, "10000000000000.00", FAIL, NULL, 0, 0, false, 1204},
	{15, 2, false, "-99999999999999", FAIL, NULL, 0, 0, false, 1204},
	{15, 2, true, "9999999999999.995", FAIL, NULL, 0, 0, false, 1204},
	{5, 2, true, "99.995", OK, "1", 3, 2, false, 0}, /* the carry fits numeric(5,2); numeric(4,2) above: 1204 */
	{5, 2, true, "-99.995", OK, "1", 3, 2, true, 0},
	{3, 0, false, "0.5", OK, "", 0, 0, false, 0},
	{2, 2, false, "0.99", OK, "99", 0, 2, false, 0},
	{2, 2, false, "1.00", FAIL, NULL, 0, 0, false, 1204},
	/* 18 and 19 digits; 38 digits with sign and point is the longest field the fast path takes (40 bytes) */
	{18, 0, false, "-999999999999999999", OK, "999999999999999999", 18, 0, true, 0},
	{19, 0, false, "9999999999999999999", OK, "9999999999999999999", 19, 0, false, 0},
	{19, 0, false, "10000000000000000000", FAIL, NULL, 0, 0, false, 1204},
	{-1, -1, false, "123456789012345678", OK, "123456789012345678", 18, 0, false, 0},
	{-1, -1, false, "1234567890123456789", OK, "1234567890123456789", 19, 0, false, 0},
	{-1, -1, false, "12345678.90123456789", OK, "1234567890123456789", 8, 11, false, 0},
	{38, 2, false, "-123456789012345678901234567890123456.78", OK, "12345678901234567890123456789012345678", 36, 2,
	 true, 0},
	{38, 2, false, "-123456789012345678901234567890123456.780", OK, "12345678901234567890123456789012345678", 36, 2,
	 true, 0},
	{38, 2, false, "1234567890123456789012345678901234567.8", FAIL, NULL, 0, 0, false, 1204},
	{-1, -1, false, "-1234567890123456789012345678901234567.8", OK, "12345678901234567890123456789012345678", 37, 1,
	 true, 0},
	{-1, -1, false, "-1234567890123456789012345678901234567.80", OK, "12345678901234567890123456789012345678", 37, 2,
	 true, 0},
	/* malformed */
	{10, 2, false, "abc", FAIL, NULL, 0, 0, false, 1207},
	{10, 2, false, "-", FAIL, NULL, 0, 0, false, 1209},
	{10, 2, false, "1.", OK, "1", 1, 2, false, 0},
	{10, 2, false, "1.-", FAIL, NULL, 0, 0, false, 1207},
	{10, 2, false, "1-", FAIL, NULL, 0, 0, false, 1207},
	{10, 2, false, "+-1", FAIL, NULL, 0, 0, false, 1207},
	{10, 2, false, "1.5 ", OK, "15", 1, 2, false, 0},
	{10, 2, false, "\t-1.5", OK, "15", 1, 2, true, 0},
	{10, 2, false, "1.2.3", FAIL, NULL, 0, 0, false, 1207},
	{10, 2, false, "1,5", FAIL, NULL, 0, 0, false, 1207},
	{10, 2, false, "12x", FAIL, NULL, 0, 0, false, 1207},
	{10, 2, false, "1 2", FAIL, NULL, 0, 0, false, 1207},
	{10, 2, false, "NaN", FAIL, NULL, 0, 0, false, 1207},
	{10, 2, false, "+", FAIL, NULL, 0, 0, false, 1209},
	{10, 2, false, ".", FAIL, NULL, 0, 0, false, 1209},
	{10, 2, false, "-.", FAIL, NULL, 0, 0, false, 1209},
	{10, 2, false, "1e", FAIL, NULL, 0, 0, false, 1209},
	{10, 2, false, "1e+", FAIL, NULL, 0, 0, false, 1209},
	{10, 2, false, "1ex", FAIL, NULL, 0, 0, false, 1207},
	{10, 2, false, "e5", FAIL, NULL, 0, 0, false, 1209},
	{10, 2, false, "--1", FAIL, NULL, 0, 0, false, 1207},
	{10, 2, false, "   ", FAIL, NULL, 0, 0, false, 1209},
};

static void
test_numeric(void **state)
{
	size_t k;
	hd_value v;
	hd_convfail f;
	(void)state;
	opts_reset();
	for (k = 0; k < sizeof ncases / sizeof ncases[0]; k++) {
		const ncase *c = &ncases[k];
		hd_column col = mkcol(HD_T_NUMERIC, -1, c->p, c->s);
		int r;
		g_opts.roundec = c->roundec;
		r = conv(&col, c->in, &v, &f);
		CHECK(r == c->rc, "numeric case %zu '%s': rc %d want %d (%d %s)", k, c->in, r, c->rc, f.code, f.reason);
		if (r == OK) {
			CHECK(v.kind == HD_V_NUMERIC, "numeric case %zu kind", k);
			CHECK(v.u.num.ndigits == (int32_t)strlen(c->digits) &&
			      memcmp(v.u.num.digits, c->digits, strlen(c->digits)) == 0,
			      "numeric case %zu '%s': digits '%.*s' want '%s'", k, c->in, (int)v.u.num.ndigits,
			      v.u.num.digits, c->digits);
			CHECK(v.u.num.weight10 == c->weight, "numeric case %zu '%s': weight %d want %d", k, c->in,
			      v.u.num.weight10, c->weight);
			CHECK(v.u.num.dscale == c->dscale, "numeric case %zu '%s': dscale %d want %d", k, c->in,
			      v.u.num.dscale, c->dscale);
			CHECK(v.u.num.neg == c->neg, "numeric case %zu '%s': neg", k, c->in);
		} else {
			CHECK(f.code == c->code, "numeric case %zu '%s': code %d want %d (%s)", k, c->in, f.code,
			      c->code, f.reason);
		}
		hd_buf_reset(&g_scratch);
	}
	opts_reset();
	{
		hd_column col = mkcol(HD_T_NUMERIC, -1, 10, 2);
		assert_int_equal(conv(&col, "1x", &v, &f), FAIL);
		assert_string_equal(f.reason, "Invalid digit, Value 'x', Pos 1, Type: Decimal");
	}
}

/* ---- floats ---- */

typedef struct fcase {
	hd_type t;
	const char *in;
	int rc;
	double v; /* or code */
} fcase;

static const fcase fcases[] = {
	{HD_T_FLOAT8, "0", OK, 0.0},
	{HD_T_FLOAT8, "1.5", OK, 1.5},
	{HD_T_FLOAT8, "-1.5", OK, -1.5},
	{HD_T_FLOAT8, "+2", OK, 2.0},
	{HD_T_FLOAT8, ".25", OK, 0.25},
	{HD_T_FLOAT8, "3.", OK, 3.0},
	{HD_T_FLOAT8, "1e10", OK, 1e10},
	{HD_T_FLOAT8, "1.5E-3", OK, 1.5e-3},
	{HD_T_FLOAT8, "  6.25 ", OK, 6.25},
	{HD_T_FLOAT8, "1.7976931348623157e308", OK, DBL_MAX},
	{HD_T_FLOAT8, "4.9e-324", OK, 4.9e-324}, /* denormal: kept */
	{HD_T_FLOAT8, "0.1", OK, 0.1},
	{HD_T_FLOAT8, "1e309", FAIL, 1204},
	{HD_T_FLOAT8, "-1e309", FAIL, 1204},
	{HD_T_FLOAT8, "1e-400", FAIL, 1204},
	{HD_T_FLOAT8, "0e-400", OK, 0.0},
	{HD_T_FLOAT4, "3.4028235e38", OK, (double)FLT_MAX},
	{HD_T_FLOAT4, "3.5e38", FAIL, 1204},
	{HD_T_FLOAT4, "1e-50", FAIL, 1204},
	{HD_T_FLOAT4, "0.5", OK, 0.5},
	{HD_T_FLOAT4, "-2.25", OK, -2.25},
	{HD_T_FLOAT8, "abc", FAIL, 1208},
	{HD_T_FLOAT8, "1.2.3", FAIL, 1208},
	{HD_T_FLOAT8, "0x1p3", FAIL, 1208},
	{HD_T_FLOAT8, "1e", FAIL, 1208},
	{HD_T_FLOAT8, "1e+", FAIL, 1208},
	{HD_T_FLOAT8, ".", FAIL, 1208},
	{HD_T_FLOAT8, "-", FAIL, 1208},
	{HD_T_FLOAT8, "1 2", FAIL, 1208},
	{HD_T_FLOAT8, "1,5", FAIL, 1208},
	{HD_T_FLOAT8, "infinit", FAIL, 1208},
	{HD_T_FLOAT8, "nanx", FAIL, 1208},
	{HD_T_FLOAT8, "-nan", FAIL, 1208},
	{HD_T_FLOAT8, "Infinity", OK, INFINITY},
	{HD_T_FLOAT8, "-Infinity", OK, -INFINITY},
	{HD_T_FLOAT8, "inf", OK, INFINITY},
	{HD_T_FLOAT8, "-INF", OK, -INFINITY},
	{HD_T_FLOAT8, "+inf", OK, INFINITY},
	{HD_T_FLOAT4, "-infinity", OK, -INFINITY},
};

static void
test_float(void **state)
{
	size_t k;
	hd_value v;
	hd_convfail f;
	(void)state;
	opts_reset();
	for (k = 0; k < sizeof fcases / sizeof fcases[0]; k++) {
		const fcase *c = &fcases[k];
		hd_column col = mkcol(c->t, -1, -1, -1);
		int r = conv(&col, c->in, &v, &f);
		CHECK(r == c->rc, "float case %zu '%s': rc %d want %d (%d %s)", k, c->in, r, c->rc, f.code, f.reason);
		if (r == OK) {
			if (c->t == HD_T_FLOAT8)
				CHECK(v.kind == HD_V_FLOAT8 && v.u.f8 == c->v, "float case %zu '%s': %.17g", k, c->in,
				      v.u.f8);
			else
				CHECK(v.kind == HD_V_FLOAT4 && v.u.f4 == (float)c->v, "float case %zu '%s': %.9g", k,
				      c->in, (double)v.u.f4);
		} else {
			CHECK(f.code == (int)c->v, "float case %zu '%s': code %d", k, c->in, f.code);
		}
	}
	{
		hd_column col = mkcol(HD_T_FLOAT8, -1, -1, -1), c4 = mkcol(HD_T_FLOAT4, -1, -1, -1);
		char big[600];
		assert_int_equal(conv(&col, "NaN", &v, &f), OK);
		assert_true(isnan(v.u.f8));
		assert_int_equal(conv(&c4, "nan", &v, &f), OK);
		assert_true(v.kind == HD_V_FLOAT4 && isnan(v.u.f4));
		assert_int_equal(conv(&col, "1x", &v, &f), FAIL);
		assert_string_equal(f.reason, "Invalid digit, Value 'x', Pos 1, Type: Double");
		memset(big, '1', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		assert_int_equal(conv(&col, big, &v, &f), FAIL); /* > 512 bytes: refused, not parsed */
		assert_int_equal(f.code, 1208);
		assert_true(strlen(f.reason) <= 100);
	}
}

/* ---- booleans (r_Boolean_type) ---- */

static void
test_bool(void **state)
{
	static const struct { const char *in; int rc; int v; } cases[] = {
		{"t", OK, 1}, {"true", OK, 1}, {"TRUE", OK, 1}, {"True", OK, 1}, {"y", OK, 1}, {"Y", OK, 1},
		{"yes", OK, 1}, {"YES", OK, 1}, {"1", OK, 1}, {" true ", OK, 1},
		{"f", OK, 0}, {"false", OK, 0}, {"FALSE", OK, 0}, {"n", OK, 0}, {"N", OK, 0}, {"no", OK, 0},
		{"No", OK, 0}, {"0", OK, 0}, {"\tf", OK, 0},
		{"on", FAIL, 1210}, {"off", FAIL, 1210}, {"2", FAIL, 1210}, {"tr", FAIL, 1210}, {"yess", FAIL, 1210},
		{"-1", FAIL, 1210}, {"truee", FAIL, 1210}, {"01", FAIL, 1210}, {"t r", FAIL, 1210},
	};
	size_t k;
	hd_value v;
	hd_convfail f;
	hd_column col = mkcol(HD_T_BOOL, -1, -1, -1);
	(void)state;
	opts_reset();
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		int r = conv(&col, cases[k].in, &v, &f);
		CHECK(r == cases[k].rc, "bool case %zu '%s': rc %d", k, cases[k].in, r);
		if (r == OK)
			CHECK(v.kind == HD_V_BOOL && v.u.b == (cases[k].v == 1), "bool case %zu '%s'", k, cases[k].in);
		else
			CHECK(f.code == cases[k].v, "bool case %zu code %d", k, f.code);
	}
}

/* ---- char / varchar / text ---- */

enum { O_INV = 1, O_TRUNC = 2, O_TRIM = 4 };

typedef struct tcase {
	hd_type t;
	int32_t len;
	int opts;
	const char *in;
	size_t n;      /* 0: strlen */
	int rc;
	const char *out; /* expected bytes (NULL: same as in); for FAIL: expected reason prefix or NULL */
	size_t outn;     /* 0: strlen(out) */
	int code;
} tcase;

#define T(...) {__VA_ARGS__}
static const tcase tcases[] = {
	/* plain ASCII and lengths in bytes */
	T(HD_T_VARCHAR, 5, 0, "abc", 0, OK, NULL, 0, 0),
	T(HD_T_VARCHAR, 5, 0, "abcde", 0, OK, NULL, 0, 0),
	T(HD_T_VARCHAR, 5, 0, "abcdef", 0, FAIL, "String length exceeds DDL length", 0, 1204),
	T(HD_T_VARCHAR, 5, O_TRUNC, "abcdef", 0, OK, "abcde", 0, 0),
	T(HD_T_VARCHAR, 5, 0, "abcde   ", 0, OK, "abcde", 0, 0), /* excess blanks only: cut */
	T(HD_T_VARCHAR, 5, 0, "abcde  x", 0, FAIL, NULL, 0, 1204),
	T(HD_T_VARCHAR, 5, 0, "abc   ", 0, OK, "abc  ", 0, 0),
	T(HD_T_VARCHAR, 5, O_TRIM, "abc   ", 0, OK, "abc", 0, 0),
	T(HD_T_VARCHAR, 5, O_TRIM, "abcdef \t", 0, FAIL, NULL, 0, 1204),
	T(HD_T_VARCHAR, 5, O_TRIM | O_TRUNC, "abcdef \t", 0, OK, "abcde", 0, 0),
	T(HD_T_VARCHAR, 0, 0, "a", 0, FAIL, NULL, 0, 1204),
	T(HD_T_VARCHAR, -1, 0, "unbounded", 0, OK, NULL, 0, 0),
	/* multibyte: bytes, not characters (é = 2 bytes, 中 = 3 bytes, 😀 = 4 bytes) */
	T(HD_T_VARCHAR, 4, 0, "\xc3\xa9\xc3\xa9", 0, OK, NULL, 0, 0),
	T(HD_T_VARCHAR, 3, 0, "\xc3\xa9\xc3\xa9", 0, FAIL, NULL, 0, 1204),
	T(HD_T_VARCHAR, 3, O_TRUNC, "\xc3\xa9\xc3\xa9", 0, OK, "\xc3\xa9", 0, 0),
	T(HD_T_VARCHAR, 5, O_TRUNC, "ab\xe4\xb8\xad\xe4\xb8\xad", 0, OK, "ab\xe4\xb8\xad", 0, 0),
	T(HD_T_VARCHAR, 4, O_TRUNC, "ab\xe4\xb8\xad", 0, OK, "ab", 0, 0),
	T(HD_T_VARCHAR, 3, O_TRUNC, "\xf0\x9f\x98\x80", 0, OK, "", 0, 0),
	T(HD_T_VARCHAR, 4, 0, "\xf0\x9f\x98\x80", 0, OK, NULL, 0, 0),
	T(HD_T_VARCHAR, 6, O_TRUNC, "a\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 0, OK, "a\xf0\x9f\x98\x80", 0, 0),
	T(HD_T_TEXT, -1, 0, "\xe4\xb8\xad\xe6\x96\x87", 0, OK, NULL, 0, 0),
	/* invalid UTF-8 without ACCEPTINVCHARS: 1220 with the page's reason */
	T(HD_T_VARCHAR, 10, 0, "a\xa4", 0, FAIL,
	  "String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: a4 (error 3)", 0, 1220),
	T(HD_T_VARCHAR, 10, 0, "\xf8\x88\x80\x80\x80", 0, FAIL,
	  "String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: f8 (error 1)", 0, 1220),
	T(HD_T_VARCHAR, 10, 0, "ab\xe4\xb8", 0, FAIL,
	  "String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: e4 b8 (error 2)", 0, 1220),
	T(HD_T_VARCHAR, 10, 0, "\xe4\x41\x41", 0, FAIL,
	  "String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: e4 (error 4)", 0, 1220),
	T(HD_T_VARCHAR, 10, 0, "\xf4\x90\x80\x80", 0, FAIL,
	  "String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: f4908080 (error 5)", 0,
	  1220),
	T(HD_T_VARCHAR, 10, 0, "\xed\xa0\x80", 0, FAIL,
	  "String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: ed a0 80 (error 6)", 0,
	  1220),
	T(HD_T_VARCHAR, 10, 0, "\xc0\xaf", 0, FAIL,
	  "String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: c0 af (error 7)", 0, 1220),
	T(HD_T_VARCHAR, 10, 0, "\xe0\x80\xaf", 0, FAIL, NULL, 0, 1220),           /* overlong 3-byte */
	T(HD_T_VARCHAR, 10, 0, "\xf0\x80\x80\xaf", 0, FAIL, NULL, 0, 1220),       /* overlong 4-byte */
	T(HD_T_VARCHAR, 10, 0, "\xff", 0, FAIL, NULL, 0, 1220),
	T(HD_T_VARCHAR, 10, 0, "\xfe", 0, FAIL, NULL, 0, 1220),
	T(HD_T_VARCHAR, 10, 0, "a\0b", 3, FAIL,
	  "String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: 00 (error 8)", 0, 1220),
	T(HD_T_TEXT, -1, 0, "\x80", 0, FAIL, NULL, 0, 1220),
	/* boundary code points that are valid */
	T(HD_T_VARCHAR, 10, 0, "\x7f", 0, OK, NULL, 0, 0),
	T(HD_T_VARCHAR, 10, 0, "\xc2\x80", 0, OK, NULL, 0, 0),
	T(HD_T_VARCHAR, 10, 0, "\xdf\xbf", 0, OK, NULL, 0, 0),
	T(HD_T_VARCHAR, 10, 0, "\xe0\xa0\x80", 0, OK, NULL, 0, 0),
	T(HD_T_VARCHAR, 10, 0, "\xed\x9f\xbf", 0, OK, NULL, 0, 0),   /* U+D7FF */
	T(HD_T_VARCHAR, 10, 0, "\xee\x80\x80", 0, OK, NULL, 0, 0),   /* U+E000 */
	T(HD_T_VARCHAR, 10, 0, "\xf4\x8f\xbf\xbd", 0, OK, NULL, 0, 0), /* U+10FFFD */
	/* noncharacters: accepted as is without ACCEPTINVCHARS, replaced with it (multi-byte-character-load-errors) */
	T(HD_T_VARCHAR, 10, 0, "\xef\xbf\xbf", 0, OK, NULL, 0, 0),    /* U+FFFF */
	T(HD_T_VARCHAR, 10, 0, "\xef\xb7\x90", 0, OK, NULL, 0, 0),    /* U+FDD0 */
	T(HD_T_VARCHAR, 10, O_INV, "a\xef\xbf\xbe", 0, REPL, "a???", 0, 0),       /* U+FFFE */
	T(HD_T_VARCHAR, 10, O_INV, "\xef\xb7\xaf", 0, REPL, "???", 0, 0),         /* U+FDEF */
	T(HD_T_VARCHAR, 10, O_INV, "\xf4\x8f\xbf\xbf", 0, REPL, "????", 0, 0),    /* U+10FFFF */
	T(HD_T_VARCHAR, 10, O_INV, "\xef\xb7\x8f", 0, OK, NULL, 0, 0),            /* U+FDCF: fine */
	/* ACCEPTINVCHARS: byte-for-byte replacement, equal length */
	T(HD_T_VARCHAR, 10, O_INV, "a\xa4" "b", 0, REPL, "a?b", 0, 0),
	T(HD_T_VARCHAR, 10, O_INV, "\xed\xa0\x80x", 0, REPL, "???x", 0, 0),
	T(HD_T_VARCHAR, 10, O_INV, "ab\xe4\xb8", 0, REPL, "ab??", 0, 0),
	T(HD_T_VARCHAR, 10, O_INV, "\xe4\x41\x41", 0, REPL, "?AA", 0, 0),
	T(HD_T_VARCHAR, 10, O_INV, "\xc0\xaf", 0, REPL, "??", 0, 0),
	T(HD_T_VARCHAR, 10, O_INV, "\xf4\x90\x80\x80", 0, REPL, "????", 0, 0),
	T(HD_T_VARCHAR, 10, O_INV, "\xff\xfe", 0, REPL, "??", 0, 0),
	T(HD_T_VARCHAR, 10, O_INV, "a\0b", 3, REPL, "a?b", 0, 0),
	T(HD_T_VARCHAR, 10, O_INV, "\xc3\xa9\xa4\xc3\xa9", 0, REPL, "\xc3\xa9?\xc3\xa9", 0, 0),
	T(HD_T_VARCHAR, 3, O_INV, "ab\xa4\xa4", 0, FAIL, NULL, 0, 1204),
	T(HD_T_VARCHAR, 3, O_INV | O_TRUNC, "ab\xa4\xa4", 0, REPL, "ab?", 0, 0),
	T(HD_T_VARCHAR, 10, O_INV, "ok", 0, OK, NULL, 0, 0),
	/* CHAR: single-byte only; ACCEPTINVCHARS doesn't apply */
	T(HD_T_CHAR, 5, 0, "abc", 0, OK, NULL, 0, 0),
	T(HD_T_CHAR, 5, 0, "abcdef", 0, FAIL, "String length exceeds DDL length", 0, 1204),
	T(HD_T_CHAR, 5, O_TRUNC, "abcdef", 0, OK, "abcde", 0, 0),
	T(HD_T_CHAR, 5, 0, "abcde     ", 0, OK, "abcde", 0, 0),
	T(HD_T_CHAR, 3, O_TRIM, "ab   ", 0, OK, "ab", 0, 0),
	T(HD_T_CHAR, 5, 0, "\xc3\xa9", 0, FAIL,
	  "Multibyte character not supported for CHAR (Hint: Try using VARCHAR). Invalid char: c3 a9", 0, 1220),
	T(HD_T_CHAR, 10, 0, "ab\xe0\xa1\xa4", 0, FAIL,
	  "Multibyte character not supported for CHAR (Hint: Try using VARCHAR). Invalid char: e0 a1 a4", 0, 1220),
	T(HD_T_CHAR, 10, O_INV, "\xc3\xa9", 0, FAIL, NULL, 0, 1220),
	T(HD_T_CHAR, 10, 0, "\xa4", 0, FAIL, NULL, 0, 1220),
	T(HD_T_CHAR, 10, 0, "a\0", 2, FAIL, NULL, 0, 1220),
	T(HD_T_CHAR, -1, 0, "anything", 0, OK, NULL, 0, 0),
};

static void
test_text(void **state)
{
	size_t k;
	hd_value v;
	hd_convfail f;
	(void)state;
	for (k = 0; k < sizeof tcases / sizeof tcases[0]; k++) {
		const tcase *c = &tcases[k];
		hd_column col = mkcol(c->t, c->len, -1, -1);
		size_t n = c->n ? c->n : strlen(c->in);
		int r;
		opts_reset();
		g_opts.acceptinvchars = (c->opts & O_INV) != 0;
		g_opts.truncatecolumns = (c->opts & O_TRUNC) != 0;
		g_opts.trimblanks = (c->opts & O_TRIM) != 0;
		r = convq(&col, c->in, n, false, &v, &f);
		CHECK(r == c->rc, "text case %zu: rc %d want %d (%d %s)", k, r, c->rc, f.code, f.reason);
		if (r != FAIL) {
			const char *want = c->out ? c->out : c->in;
			size_t wn = c->out ? (c->outn ? c->outn : strlen(c->out)) : n;
			CHECK(v.kind == HD_V_TEXT && v.u.s.n == wn && memcmp(v.u.s.p, want, wn) == 0,
			      "text case %zu: got %zu bytes '%.*s', want %zu", k, v.u.s.n, (int)v.u.s.n, v.u.s.p, wn);
		} else {
			CHECK(f.code == c->code, "text case %zu: code %d want %d (%s)", k, f.code, c->code, f.reason);
			if (c->out)
				CHECK(strcmp(f.reason, c->out) == 0, "text case %zu: reason '%s' want '%s'", k,
				      f.reason, c->out);
		}
	}
	/* a custom replacement character */
	{
		hd_column col = mkcol(HD_T_VARCHAR, 10, -1, -1);
		opts_reset();
		g_opts.acceptinvchars = true;
		g_opts.acceptinvchars_char = '^';
		assert_int_equal(conv(&col, "x\xe4\xb8\xe4\xb8\xad", &v, &f), REPL);
		assert_int_equal(v.u.s.n, 6);
		assert_memory_equal(v.u.s.p, "x^^\xe4\xb8\xad", 6);
		/* the value in the field is untouched: the rewrite is in scratch */
		assert_memory_equal(g_field, "x\xe4\xb8\xe4\xb8\xad", 6);
		assert_ptr_not_equal(v.u.s.p, g_field);
	}
	/* a long ASCII value goes through the 8-byte fast scan; a bad byte at each position */
	{
		char buf[40];
		size_t pos;
		hd_column col = mkcol(HD_T_VARCHAR, 100, -1, -1);
		opts_reset();
		for (pos = 0; pos < sizeof buf; pos++) {
			memset(buf, 'a', sizeof buf);
			buf[pos] = (char)0x80;
			assert_int_equal(convq(&col, buf, sizeof buf, false, &v, &f), FAIL);
			assert_int_equal(f.code, 1220);
			buf[pos] = 0;
			assert_int_equal(convq(&col, buf, sizeof buf, false, &v, &f), FAIL);
			assert_int_equal(f.code, 1220);
			buf[pos] = 'b';
			assert_int_equal(convq(&col, buf, sizeof buf, false, &v, &f), OK);
			assert_int_equal(v.u.s.n, sizeof buf);
		}
	}
}

/* ---- json / jsonb ---- */

static void
test_json(void **state)
{
	static const struct { const char *in; int rc; int code; bool jsonb_fails; } cases[] = {
		{"{}", OK, 0, false}, {"[]", OK, 0, false}, {"1", OK, 0, false}, {"-0.5e+10", OK, 0, false},
		{"\"x\"", OK, 0, false}, {"true", OK, 0, false}, {"null", OK, 0, false},
		{" { \"a\" : [1, 2, {\"b\": null}], \"c\": \"\\u00e9\\n\" } ", OK, 0, false},
		{"{\"k\":\"\xc3\xa9\"}", OK, 0, false},
		{"\"\\ud83d\\ude00\"", OK, 0, false},
		{"\"\\u0000\"", OK, 0, true},
		{"\"\\ud83d\"", OK, 0, true},
		{"\"\\ude00\"", OK, 0, true},
		{"{", FAIL, 1224, false}, {"}", FAIL, 1224, false}, {"[1,]", FAIL, 1224, false},
		{"{\"a\":1,}", FAIL, 1224, false}, {"{a:1}", FAIL, 1224, false}, {"'x'", FAIL, 1224, false},
		{"01", FAIL, 1224, false}, {"1.", FAIL, 1224, false}, {".5", FAIL, 1224, false},
		{"+1", FAIL, 1224, false}, {"1e", FAIL, 1224, false}, {"tru", FAIL, 1224, false},
		{"nul", FAIL, 1224, false}, {"\"abc", FAIL, 1224, false}, {"\"a\tb\"", FAIL, 1224, false},
		{"\"\\x\"", FAIL, 1224, false}, {"\"\\u12g4\"", FAIL, 1224, false}, {"{} {}", FAIL, 1224, false},
		{"[1 2]", FAIL, 1224, false}, {"{\"a\" 1}", FAIL, 1224, false}, {"NaN", FAIL, 1224, false},
		{"\"\xa4\"", FAIL, 1220, false},
	};
	size_t k;
	hd_value v;
	hd_convfail f;
	hd_column cj = mkcol(HD_T_JSON, -1, -1, -1), cb = mkcol(HD_T_JSONB, -1, -1, -1);
	(void)state;
	opts_reset();
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		int r = conv(&cj, cases[k].in, &v, &f);
		CHECK(r == cases[k].rc, "json case %zu '%s': rc %d (%s)", k, cases[k].in, r, f.reason);
		if (r == OK)
			CHECK(v.kind == HD_V_TEXT && v.u.s.n == strlen(cases[k].in), "json case %zu", k);
		else
			CHECK(f.code == cases[k].code, "json case %zu code %d", k, f.code);
		r = conv(&cb, cases[k].in, &v, &f);
		if (cases[k].jsonb_fails) {
			CHECK(r == FAIL && f.code == 1224, "jsonb case %zu '%s': rc %d", k, cases[k].in, r);
		} else {
			CHECK(r == cases[k].rc, "jsonb case %zu '%s': rc %d", k, cases[k].in, r);
		}
	}
	/* nesting cap */
	{
		char deep[1200];
		memset(deep, '[', 600);
		memset(deep + 600, ']', 600);
		assert_int_equal(convq(&cj, deep, sizeof deep, false, &v, &f), FAIL);
		assert_int_equal(f.code, 1224);
		assert_int_equal(convq(&cj, deep + 300, 600, false, &v, &f), OK); /* 300 deep is fine */
	}
}

/* ---- VARBYTE (hex) ---- */

static void
test_bytea(void **state)
{
	hd_value v;
	hd_convfail f;
	hd_column c = mkcol(HD_T_BYTEA, -1, -1, -1);
	(void)state;
	opts_reset();
	assert_int_equal(conv(&c, "00ff10Ab", &v, &f), OK);
	assert_int_equal(v.kind, HD_V_BYTES);
	assert_int_equal(v.u.s.n, 4);
	assert_memory_equal(v.u.s.p, "\x00\xff\x10\xab", 4);
	assert_int_equal(conv(&c, "abc", &v, &f), FAIL);
	assert_int_equal(f.code, 1207);
	assert_int_equal(conv(&c, "zz", &v, &f), FAIL);
	assert_int_equal(f.code, 1207);
	assert_string_equal(f.reason, "Invalid digit, Value 'z', Pos 0, Type: Varbyte");
	assert_int_equal(conv(&c, "0x41", &v, &f), FAIL);
	assert_int_equal(f.code, 1207);
	assert_int_equal(conv(&c, "", &v, &f), OK); /* empty non-character field: NULL */
	assert_int_equal(v.kind, HD_V_NULL);
}

/* ---- reasons never quote more than 40 bytes of the value, and stay ≤ 100 bytes ---- */

static void
test_reason_bounds(void **state)
{
	char big[300];
	hd_value v;
	hd_convfail f;
	hd_type types[] = {HD_T_INT2, HD_T_INT8, HD_T_NUMERIC, HD_T_FLOAT8, HD_T_BOOL, HD_T_DATE, HD_T_TIMESTAMP,
	                   HD_T_TIMESTAMPTZ, HD_T_TIME};
	size_t k;
	(void)state;
	opts_reset();
	memset(big, '9', sizeof big);
	big[150] = 'x';
	for (k = 0; k < sizeof types / sizeof types[0]; k++) {
		hd_column c = mkcol(types[k], -1, 10, 2);
		assert_int_equal(convq(&c, big, sizeof big, false, &v, &f), FAIL);
		CHECK(strlen(f.reason) <= 100, "type %d reason too long: %s", (int)types[k], f.reason);
		CHECK(strstr(f.reason, "9999999999999999999999999999999999999999999") == NULL,
		      "type %d quotes more than 40 bytes: %s", (int)types[k], f.reason);
	}
	assert_string_equal(hd_type_name(HD_T_INT4), "integer");
	assert_string_equal(hd_type_name(HD_T_VARCHAR), "character varying");
	assert_string_equal(hd_type_name(HD_T_TIMESTAMPTZ), "timestamp with time zone");
	assert_string_equal(hd_type_name(HD_T_UNSUPPORTED), "unsupported");
	{
		hd_column c = mkcol(HD_T_UNSUPPORTED, -1, -1, -1);
		assert_int_equal(conv(&c, "x", &v, &f), FAIL);
		assert_int_equal(f.code, 1223);
	}
}


/* numeric digits point into the field when they are one run of it, else into scratch */
static void
test_numeric_storage(void **state)
{
	hd_value v;
	hd_convfail f;
	hd_column c = mkcol(HD_T_NUMERIC, -1, 10, 2);
	(void)state;
	opts_reset();
	assert_int_equal(conv(&c, "0012300", &v, &f), OK);
	assert_true(v.u.num.digits >= g_field && v.u.num.digits < g_field + 7);
	assert_int_equal(v.u.num.ndigits, 3);
	assert_int_equal(v.u.num.weight10, 5);
	assert_int_equal(g_scratch.len, 0);
	assert_int_equal(conv(&c, "12.34", &v, &f), OK);
	assert_true(v.u.num.digits >= g_scratch.data && v.u.num.digits < g_scratch.data + g_scratch.len);
	assert_memory_equal(v.u.num.digits, "1234", 4);
	assert_int_equal(conv(&c, "0.25", &v, &f), OK); /* fraction only: a run of the field again */
	assert_true(v.u.num.digits >= g_field && v.u.num.digits < g_field + 4);
	assert_int_equal(v.u.num.weight10, 0);
	/* a failed conversion leaves scratch as it was */
	{
		size_t before = g_scratch.len;
		assert_int_equal(conv(&c, "123456789.5", &v, &f), FAIL);
		assert_int_equal(f.code, 1204);
		assert_int_equal(g_scratch.len, before);
	}
	/* the fast path: a fraction of zeros leaves the integer digits, a run of the field; joined digits take exactly
	 * their count of scratch */
	{
		size_t before = g_scratch.len;
		assert_int_equal(conv(&c, "-1200.00", &v, &f), OK);
		assert_true(v.u.num.digits >= g_field && v.u.num.digits < g_field + 8);
		assert_int_equal(v.u.num.ndigits, 2);
		assert_int_equal(v.u.num.weight10, 4);
		assert_int_equal(g_scratch.len, before);
		assert_int_equal(conv(&c, "21168.23", &v, &f), OK);
		assert_true(v.u.num.digits == g_scratch.data + before);
		assert_memory_equal(v.u.num.digits, "2116823", 7);
		assert_int_equal(g_scratch.len, before + 7);
	}
	/* a scratch buffer that must grow: the fast path hands over to the general one, which grows it */
	{
		hd_buf saved = g_scratch;
		hd_buf_init(&g_scratch, 0);
		assert_int_equal(conv(&c, "21168.23", &v, &f), OK);
		assert_int_equal(v.u.num.ndigits, 7);
		assert_memory_equal(v.u.num.digits, "2116823", 7);
		assert_int_equal(v.u.num.weight10, 5);
		assert_int_equal(v.u.num.dscale, 2);
		assert_true(g_scratch.alloc > 0);
		hd_buf_free(&g_scratch);
		g_scratch = saved;
	}
}

/* The fast path against the general one: an exponent e0 changes nothing but sends any field down the general path,
 * so "s" and "se0" must convert alike — same result, or same error code — for every shape, column and option. */
static void
test_numeric_fast_vs_general(void **state)
{
	static const char *const ins[] = {
		"0", "-0", "+0", "0.", ".0", "-.0", "00", "000.000", "7", "-7", "+7", "17", "21168.23", "-21168.23", "0.04",
		"-0.02", "0.10", ".5", "5.", "-5.", "+.5", "12.00", "00012.3400", "100", "1000.01", "10000.0001", "0.0001",
		"0.00010", "1.2", "1.23", "1.234", "1.235", "-1.235", "9.995", "99.995", "-99.995", "99.994", "99.99",
		"999.99", "9999999999999.99", "9999999999999.995", "10000000000000", "99999999999999",
		"123456789012345678", "-123456789012345678", "1234567890123456789", "12345678901234567890",
		"99999999999999999.9", "0.123456789012345678", "0.1234567890123456789",
		"12345678901234567890123456789012345678", "-123456789012345678901234567890123456.78",
		"1234567890123456789012345678901234567.89", "1.", "-", "+", ".", "-.", "1.2.3", "1-", "--1", "1.2349",
		"1.2350", "-1.2351", "0.0049", "0.005", "-0.0051", "9.9949", "99.9999", "0.00001", "5.0000", " 7.25 ",
		"\t-0.5\n", "  12.345 ", " -0 ", " 0.0 ", "  ", " + ", "1 2", "1. 5", " .", "- 1", "00000000000000000000.5",
		"-12345678901234567890123456789012345.6789",
	};
	static const struct { int16_t p, s; } cols[] = {
		{15, 2}, {10, 2}, {5, 2}, {4, 2}, {5, 0}, {1, 0}, {2, 2}, {18, 0}, {18, 4}, {19, 0}, {38, 2}, {38, 38},
		{-1, -1},
	};
	char buf[64], wd[64];
	hd_value v, w;
	hd_convfail f, g;
	(void)state;
	for (int roundec = 0; roundec < 2; roundec++)
		for (size_t ci = 0; ci < sizeof cols / sizeof cols[0]; ci++)
			for (size_t k = 0; k < sizeof ins / sizeof ins[0]; k++) {
				hd_column col = mkcol(HD_T_NUMERIC, -1, cols[ci].p, cols[ci].s);
				int r, q;
				opts_reset();
				g_opts.roundec = roundec;
				with_e0(buf, sizeof buf, ins[k]);
				q = conv(&col, buf, &w, &g);
				if (q == OK) { /* the digits may point into the field, which the next conv() frees */
					memcpy(wd, w.u.num.digits, (size_t)w.u.num.ndigits);
					w.u.num.digits = wd;
				}
				r = conv(&col, ins[k], &v, &f);
				CHECK(r == q, "'%s' numeric(%d,%d) roundec %d: rc %d, general %d", ins[k], cols[ci].p,
				      cols[ci].s, roundec, r, q);
				if (r != OK) {
					CHECK(f.code == g.code, "'%s': code %d, general %d", ins[k], f.code, g.code);
					continue;
				}
				CHECK(v.kind == HD_V_NUMERIC && v.u.num.ndigits == w.u.num.ndigits &&
				      memcmp(v.u.num.digits, w.u.num.digits, (size_t)v.u.num.ndigits) == 0 &&
				      v.u.num.weight10 == w.u.num.weight10 && v.u.num.dscale == w.u.num.dscale &&
				      v.u.num.neg == w.u.num.neg,
				      "'%s' numeric(%d,%d) roundec %d: '%.*s' w %d ds %d neg %d, general '%.*s' w %d ds %d "
				      "neg %d", ins[k], cols[ci].p, cols[ci].s, roundec, (int)v.u.num.ndigits, v.u.num.digits,
				      v.u.num.weight10, v.u.num.dscale, v.u.num.neg, (int)w.u.num.ndigits, w.u.num.digits,
				      w.u.num.weight10, w.u.num.dscale, w.u.num.neg);
			}
	opts_reset();
}

/* random fields of interesting bytes into every type and option mix: no crash, no read past n (ASan), a code in
 * range and a bounded reason on failure, valid UTF-8 out of every text conversion */
static void
test_random_fields(void **state)
{
	static const char alphabet[] = "0123456789+-.eE :/TZJjaAmMpP\\N \t\xc3\xa9\xa4\xf0\x9f\x98\x80\xed\xa0{}[]\",";
	static const hd_type types[] = {HD_T_INT2, HD_T_INT4, HD_T_INT8, HD_T_NUMERIC, HD_T_FLOAT4, HD_T_FLOAT8,
	                                HD_T_BOOL, HD_T_CHAR, HD_T_VARCHAR, HD_T_TEXT, HD_T_DATE, HD_T_TIMESTAMP,
	                                HD_T_TIMESTAMPTZ, HD_T_TIME, HD_T_TIMETZ, HD_T_JSON, HD_T_JSONB, HD_T_BYTEA};
	static const char *const dfmts[] = {NULL, "auto", "MM/DD/YYYY", "MON DD YYYY"};
	static const char *const tfmts[] = {NULL, "auto", "epochsecs", "epochmillisecs", "YYYYMMDD HH12:MI:SS AM"};
	uint64_t rng = 0x9E3779B97F4A7C15ull;
	char buf[48];
	int it;
	(void)state;
	for (it = 0; it < 30000; it++) {
		size_t n, k, t;
		hd_value v;
		hd_convfail f;
		hd_column c;
		int r;
		rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
		if (it % 500 == 0) {
			opts_reset();
			set_fmt(dfmts[(rng >> 8) % 4], tfmts[(rng >> 12) % 5]);
			g_opts.acceptinvchars = (rng >> 16) & 1;
			g_opts.truncatecolumns = (rng >> 17) & 1;
			g_opts.trimblanks = (rng >> 18) & 1;
			g_opts.roundec = (rng >> 19) & 1;
			g_opts.blanksasnull = (rng >> 20) & 1;
			g_opts.emptyasnull = (rng >> 21) & 1;
			g_opts.acceptanydate = (rng >> 22) & 1;
		}
		hd_buf_reset(&g_scratch);
		n = (rng >> 24) % sizeof buf;
		for (k = 0; k < n; k++) {
			rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
			buf[k] = alphabet[(rng >> 20) % (sizeof alphabet - 1)];
		}
		t = (rng >> 40) % (sizeof types / sizeof types[0]);
		c = mkcol(types[t], (int32_t)((rng >> 50) % 12) - 1, (int16_t)((rng >> 54) % 20) - 1, 2);
		c.not_null = (rng >> 60) & 1;
		r = convq(&c, buf, n, (rng >> 61) & 1, &v, &f);
		assert_true(r == OK || r == FAIL || r == HD_CONV_REPLACED);
		if (r != FAIL && v.kind == HD_V_TEXT && types[t] != HD_T_JSON && types[t] != HD_T_JSONB) {
			hd_column vc = mkcol(HD_T_TEXT, -1, -1, -1);
			hd_value v2;
			hd_convfail f2;
			char copy[48];
			if (c.length >= 0)
				assert_true(v.u.s.n <= (size_t)c.length || c.length < 0);
			memcpy(copy, v.u.s.p, v.u.s.n);
			g_opts.acceptinvchars = false;
			assert_int_equal(convq(&vc, copy, v.u.s.n, true, &v2, &f2), OK); /* output is valid UTF-8 */
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_rules),
		cmocka_unit_test(test_not_null),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_parse_int64),
		cmocka_unit_test(test_numeric),
		cmocka_unit_test(test_float),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_bytea),
		cmocka_unit_test(test_reason_bounds),
		cmocka_unit_test(test_numeric_storage),
		cmocka_unit_test(test_numeric_fast_vs_general),
		cmocka_unit_test(test_random_fields),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
