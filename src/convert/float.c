/*
 * float.c — real (float4) / double precision (float8) from text.
 *
 * Accepted (PostgreSQL's float4in/float8in; Redshift r_Numeric_types201 is silent on the text form): optional white
 * space, optional sign, digits with an optional point (at least one digit), optional exponent e[±]digits, optional
 * white space; or, case-insensitively, "NaN", "Inf", "Infinity" with an optional sign (not on NaN: "-nan" is 1208,
 * though PostgreSQL's strtod reads it). Hex floats and other strtod extensions are not accepted.
 *
 * The validated text is copied into a small NUL-terminated stack buffer and only then handed to strtod/strtof (the
 * one place libc parses field data). Overflow to ±inf and underflow to 0 are 1204 (PostgreSQL: "is out of range for
 * type double precision"); denormals are kept. Malformed text is 1208 (r_Load_Error_Reference: FLOAT data type
 * format error) with Redshift's "Invalid digit, Value 'x', Pos n" wording.
 */
#include "convert/convert_int.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FLOAT_TEXT_MAX 512

static bool
word_eq(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

int
hd_conv_float_(const hd_column *col, const char *p, size_t n, hd_value *out, hd_convfail *fail)
{
	const char *tn = col->type == HD_T_FLOAT4 ? "Real" : "Double";
	char buf[FLOAT_TEXT_MAX + 1], q[48];
	size_t b = 0, e = n, i, nd = 0, bad;
	bool neg = false;
	double d = 0;
	float f = 0;

	while (b < e && hd_conv_isspace_((unsigned char)p[b]))
		b++;
	while (e > b && hd_conv_isspace_((unsigned char)p[e - 1]))
		e--;
	i = b;
	if (i < e && (p[i] == '+' || p[i] == '-')) {
		neg = p[i] == '-';
		i++;
	}
	if (word_eq(p + i, e - i, "nan") && i == b) {
		d = NAN;
		goto special;
	}
	if (word_eq(p + i, e - i, "inf") || word_eq(p + i, e - i, "infinity")) {
		d = neg ? -INFINITY : INFINITY;
		goto special;
	}
	while (i < e && (unsigned)((unsigned char)p[i] - '0') <= 9) {
		i++;
		nd++;
	}
	if (i < e && p[i] == '.') {
		i++;
		while (i < e && (unsigned)((unsigned char)p[i] - '0') <= 9) {
			i++;
			nd++;
		}
	}
	if (nd == 0) {
		bad = i < e ? i : (e > b ? e - 1 : 0);
		goto baddigit;
	}
	if (i < e && (p[i] == 'e' || p[i] == 'E')) {
		size_t eb;
		i++;
		if (i < e && (p[i] == '+' || p[i] == '-'))
			i++;
		eb = i;
		while (i < e && (unsigned)((unsigned char)p[i] - '0') <= 9)
			i++;
		if (i == eb) {
			bad = i < e ? i : e - 1;
			goto baddigit;
		}
	}
	if (i < e) {
		bad = i;
		goto baddigit;
	}
	if (e - b > FLOAT_TEXT_MAX) {
		hd_conv_quote_(q, sizeof q, p, n);
		return hd_conv_fail_(fail, 1208, "Float value too long, Value '%s', Type: %s", q, tn);
	}
	memcpy(buf, p + b, e - b);
	buf[e - b] = '\0';
	errno = 0;
	if (col->type == HD_T_FLOAT4) {
		f = strtof(buf, NULL);
		if (errno == ERANGE && (f == 0 || isinf(f)))
			goto range;
		out->kind = HD_V_FLOAT4;
		out->u.f4 = f;
	} else {
		d = strtod(buf, NULL);
		if (errno == ERANGE && (d == 0 || isinf(d)))
			goto range;
		out->kind = HD_V_FLOAT8;
		out->u.f8 = d;
	}
	return HD_CONV_OK;

special:
	if (col->type == HD_T_FLOAT4) {
		out->kind = HD_V_FLOAT4;
		out->u.f4 = (float)d;
	} else {
		out->kind = HD_V_FLOAT8;
		out->u.f8 = d;
	}
	return HD_CONV_OK;
range:
	hd_conv_quote_(q, sizeof q, p, n);
	return hd_conv_fail_(fail, 1204, "Overflow, Value '%s', Type: %s", q, tn);
baddigit:
	hd_conv_quote_(q, sizeof q, p + bad, 1);
	return hd_conv_fail_(fail, 1208, "Invalid digit, Value '%s', Pos %zu, Type: %s", q, bad, tn);
}
