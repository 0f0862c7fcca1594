/*
 * test_convert_util.h — shared helpers for the convert/ unit tests (test_convert.c, test_convert_dt.c).
 *
 * conv() copies the input into an exactly-sized heap block (no NUL after it) so ASan catches any read past n; the
 * block lives until the next conv() call, as a field lives until the next record.
 */
#ifndef TEST_CONVERT_UTIL_H
#define TEST_CONVERT_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "convert/convert.h"

#define CHECK(cond, ...)                                                                                            \
	do {                                                                                                        \
		if (!(cond)) {                                                                                      \
			print_message(__VA_ARGS__);                                                                 \
			print_message("\n  check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);                \
			fail();                                                                                     \
		}                                                                                                   \
	} while (0)

static hd_conv_opts g_opts;
static hd_dtfmt *g_df, *g_tf;
static hd_buf g_scratch;
static char *g_field;

static void
set_fmt(const char *datefmt, const char *timefmt)
{
	hd_err err;
	hd_dtfmt_free(g_df);
	hd_dtfmt_free(g_tf);
	g_df = g_tf = NULL;
	assert_int_equal(hd_dtfmt_compile(datefmt, false, &g_df, &err), HD_OK);
	assert_int_equal(hd_dtfmt_compile(timefmt, true, &g_tf, &err), HD_OK);
	g_opts.datefmt = g_df;
	g_opts.timefmt = g_tf;
}

static void
opts_reset(void)
{
	memset(&g_opts, 0, sizeof g_opts);
	g_opts.null_as = "\\N";
	g_opts.null_as_len = 2;
	g_opts.acceptinvchars_char = '?';
	set_fmt(NULL, NULL);
	hd_buf_reset(&g_scratch);
}

static int
setup(void **state)
{
	(void)state;
	hd_buf_init(&g_scratch, 0);
	opts_reset();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	hd_dtfmt_free(g_df);
	hd_dtfmt_free(g_tf);
	g_df = g_tf = NULL;
	hd_buf_free(&g_scratch);
	free(g_field);
	g_field = NULL;
	return 0;
}

static hd_column
mkcol(hd_type t, int32_t len, int16_t prec, int16_t scale)
{
	hd_column c;
	memset(&c, 0, sizeof c);
	c.name = (char *)"c";
	c.type = t;
	c.length = len;
	c.precision = prec;
	c.scale = scale;
	return c;
}

static int
convq(const hd_column *c, const char *s, size_t n, bool quoted, hd_value *v, hd_convfail *f)
{
	free(g_field);
	g_field = malloc(n ? n : 1);
	assert_non_null(g_field);
	memcpy(g_field, s, n);
	memset(v, 0xA5, sizeof *v);
	memset(f, 0, sizeof *f);
	{
		int r = hd_conv_field(c, &g_opts, g_field, n, quoted, v, &g_scratch, f);
		if (r == HD_CONV_FAIL) {
			CHECK(f->code >= 1200 && f->code <= 1224, "bad code %d", f->code);
			CHECK(strlen(f->reason) <= 100 && strlen(f->reason) > 0, "bad reason '%s'", f->reason);
		}
		return r;
	}
}

static int
conv(const hd_column *c, const char *s, hd_value *v, hd_convfail *f)
{
	return convq(c, s, strlen(s), false, v, f);
}

#endif
