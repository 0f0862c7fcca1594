/*
 * int.c — int2/int4/int8 from text, and the strict hd_parse_int64.
 *
 * Accepted: optional white space, optional sign, one or more ASCII digits, optional white space (PostgreSQL's
 * int4in; Redshift's pages don't say otherwise). A decimal point is NOT accepted: Redshift rejects "12.0" for an
 * INTEGER column with 1207 "Invalid digit, Value '.', Pos 2, Type: Integer" (r_Load_Error_Reference, 1207: "Data
 * contained a value outside of the expected range of 0-9"). Type words follow Redshift's reasons: Short / Integer /
 * Long. Out of range for the column's type is 1222 (COPY-SPEC.md "integer overflow"; Redshift's 1204 is used for the
 * other range errors).
 *
 * Fast path: a plain run of ≤ 18 digits with no sign and no blanks cannot overflow int64 and needs one loop.
 */
#include "convert/convert_int.h"

#include <limits.h>

/* Parse [sign]digits exactly in p[0..n) into an int64 magnitude check; returns false on any other byte/overflow. */
static bool
parse_core(const char *p, size_t n, int64_t *out, size_t *badpos, bool *overflow)
{
	size_t i = 0;
	bool neg = false;
	uint64_t acc = 0, lim;

	*overflow = false;
	if (i < n && (p[i] == '+' || p[i] == '-')) {
		neg = p[i] == '-';
		i++;
	}
	if (i == n) {
		*badpos = n ? n - 1 : 0;
		return false;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		unsigned d = (unsigned char)p[i] - '0';
		if (d > 9) {
			*badpos = i;
			return false;
		}
		if (acc > (lim - d) / 10) {
			/* keep scanning: a later non-digit is reported as a bad digit first (Redshift reports the digit) */
			size_t j;
			for (j = i + 1; j < n; j++)
				if ((unsigned)((unsigned char)p[j] - '0') > 9) {
					*badpos = j;
					return false;
				}
			*overflow = true;
			return false;
		}
		acc = acc * 10 + d;
	}
	*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return true;
}

bool
hd_parse_int64(const char *p, size_t n, int64_t *out)
{
	size_t bad;
	bool ovf;
	int64_t v;

	if (!p || !parse_core(p, n, &v, &bad, &ovf))
		return false;
	*out = v;
	return true;
}

int
hd_conv_int_(const hd_column *col, const char *p, size_t n, hd_value *out, hd_convfail *fail)
{
	static const char *const tname[] = {"Short", "Integer", "Long"};
	const char *tn = tname[col->type - HD_T_INT2];
	int64_t v = 0, lo, hi;
	size_t b = 0, e = n, bad = 0, i;
	bool ovf = false;
	char q[48];

	if (col->type == HD_T_INT2) {
		lo = INT16_MIN; hi = INT16_MAX;
	} else if (col->type == HD_T_INT4) {
		lo = INT32_MIN; hi = INT32_MAX;
	} else {
		lo = INT64_MIN; hi = INT64_MAX;
	}

	/* fast path: plain digits, no sign, no padding */
	if (n <= 18) {
		uint64_t acc = 0;
		for (i = 0; i < n; i++) {
			unsigned d = (unsigned char)p[i] - '0';
			if (d > 9)
				break;
			acc = acc * 10 + d;
		}
		if (i == n) {
			if ((int64_t)acc > hi)
				goto overflow;
			out->kind = HD_V_INT;
			out->u.i = (int64_t)acc;
			return HD_CONV_OK;
		}
	}

	while (b < e && hd_conv_isspace_((unsigned char)p[b]))
		b++;
	while (e > b && hd_conv_isspace_((unsigned char)p[e - 1]))
		e--;
	if (b == e) {
		bad = 0;
		goto baddigit;
	}
	if (!parse_core(p + b, e - b, &v, &bad, &ovf)) {
		if (ovf)
			goto overflow;
		bad += b;
		goto baddigit;
	}
	if (v < lo || v > hi)
		goto overflow;
	out->kind = HD_V_INT;
	out->u.i = v;
	return HD_CONV_OK;

baddigit:
	hd_conv_quote_(q, sizeof q, p + bad, n - bad > 0 ? 1 : 0);
	return hd_conv_fail_(fail, 1207, "Invalid digit, Value '%s', Pos %zu, Type: %s", q, bad, tn);
overflow:
	hd_conv_quote_(q, sizeof q, p, n);
	return hd_conv_fail_(fail, 1222, "Overflow, Value '%s', Type: %s", q, tn);
}
