/*
 * numeric.c — numeric(p,s) / unconstrained numeric from text.
 *
 * Accepted (PostgreSQL's numeric_in; Redshift r_Numeric_types201 is silent on the text form): optional white space,
 * optional sign, digits with at most one decimal point (at least one digit), optional exponent e[±]digits, optional
 * white space. "NaN" is not accepted: Redshift DECIMAL has no NaN.
 *
 * Scale (r_Numeric_types201, copy-parameters-data-conversion ROUNDEC): more fractional digits than the column's scale
 * are truncated by default, or rounded half away from zero with ROUNDEC ("rounds up numeric values when the scale of
 * the input value is greater than the scale of the column"). After that, more integer digits than p - s is 1204
 * ("Input data exceeded the acceptable range for the data type", r_Load_Error_Reference) — also when rounding
 * carries (99.995 → 100.00 into numeric(4,2)). Unconstrained numeric keeps the input's scale, within PostgreSQL's
 * limits (131072 digits before the point, 16383 after).
 *
 * Errors: a byte that can't appear is 1207 "Invalid digit, Value 'x', Pos n, Type: Decimal"; a string of legal
 * bytes in an illegal arrangement ("+", ".", "1e", "1.2.3" is caught as a digit error at the second '.') is 1209
 * (DECIMAL data type format error).
 *
 * Output: hd_numeric.digits has no leading or trailing zeros (ndigits == 0 is zero, weight10 0, neg false). When the
 * kept digits are one contiguous run of the field and no rounding carried, digits points into the field; otherwise
 * they are written into scratch (≤ field length + 1 bytes), valid as long as scratch isn't grown or reset.
 *
 * Two paths: hd_conv_numeric_ first tries the common shape — [sign] digits [. digits] between optional white space,
 * at most 40 bytes, extra fraction digits only to truncate (or, with ROUNDEC, to round down) — in one scan, joining
 * integer and fraction digits in scratch only when both are left after trimming zeros. Anything else (an exponent,
 * rounding up, overflow, a malformed field, a scratch buffer that would have to grow) goes to num_general, which
 * handles the whole grammar and alone reports errors; the fast path only accepts, with num_general's result.
 */
#include "convert/convert_int.h"

#include <string.h>

#define NUM_MAX_WEIGHT 131072
#define NUM_MAX_DSCALE 16383
#define NUM_EXP_CAP    100000000L

static int
numfail_digit(const char *p, size_t pos, hd_convfail *fail)
{
	char q[48];
	hd_conv_quote_(q, sizeof q, p + pos, 1);
	return hd_conv_fail_(fail, 1207, "Invalid digit, Value '%s', Pos %zu, Type: Decimal", q, pos);
}

static int
numfail_overflow(const hd_column *col, const char *p, size_t n, hd_convfail *fail)
{
	char q[48];
	hd_conv_quote_(q, sizeof q, p, n);
	if (col->precision > 0)
		return hd_conv_fail_(fail, 1204, "Overflow, Value '%s', Type: Decimal(%d,%d)", q, col->precision,
		                     col->scale > 0 ? col->scale : 0);
	return hd_conv_fail_(fail, 1204, "Overflow, Value '%s', Type: Decimal", q);
}

/* Any text: the whole grammar above, truncation or rounding, every check and error. */
static int __attribute__((noinline))
num_general(const hd_column *col, const hd_conv_opts *o, const char *p, size_t n, hd_value *out, hd_buf *scratch,
            hd_convfail *fail)
{
	size_t b = 0, e = n, i, ib, ie, fb = 0, fe = 0, nint, nfrac, k;
	bool neg = false;
	long ex = 0;
	long weight, inscale, s, keep, ndig;
	const char *first = NULL; /* first significant digit */
	size_t firstpos = 0;
	int carry_round = 0;
	char q[48];

	while (b < e && hd_conv_isspace_((unsigned char)p[b]))
		b++;
	while (e > b && hd_conv_isspace_((unsigned char)p[e - 1]))
		e--;
	i = b;
	if (i < e && (p[i] == '+' || p[i] == '-')) {
		neg = p[i] == '-';
		i++;
	}
	ib = i;
	while (i < e && (unsigned)((unsigned char)p[i] - '0') <= 9)
		i++;
	ie = i;
	if (i < e && p[i] == '.') {
		i++;
		fb = i;
		while (i < e && (unsigned)((unsigned char)p[i] - '0') <= 9)
			i++;
		fe = i;
	}
	nint = ie - ib;
	nfrac = fe - fb;
	if (nint + nfrac == 0) {
		if (i < e && p[i] != 'e' && p[i] != 'E')
			return numfail_digit(p, i, fail);
		hd_conv_quote_(q, sizeof q, p, n);
		return hd_conv_fail_(fail, 1209, "Invalid decimal format, Value '%s'", q);
	}
	if (i < e && (p[i] == 'e' || p[i] == 'E')) {
		bool eneg = false;
		size_t eb;
		i++;
		if (i < e && (p[i] == '+' || p[i] == '-')) {
			eneg = p[i] == '-';
			i++;
		}
		eb = i;
		while (i < e && (unsigned)((unsigned char)p[i] - '0') <= 9) {
			if (ex < NUM_EXP_CAP)
				ex = ex * 10 + (p[i] - '0');
			i++;
		}
		if (i == eb) {
			if (i < e)
				return numfail_digit(p, i, fail);
			hd_conv_quote_(q, sizeof q, p, n);
			return hd_conv_fail_(fail, 1209, "Invalid decimal format, Value '%s'", q);
		}
		if (eneg)
			ex = -ex;
	}
	if (i < e)
		return numfail_digit(p, i, fail);

	/* digit sequence D = int digits ++ frac digits; weight = position of the point in D */
	weight = (long)nint + ex;
	inscale = (long)nfrac - ex;
	if (inscale < 0)
		inscale = 0;
	for (k = ib; k < ie && p[k] == '0'; k++)
		weight--;
	if (k < ie) {
		first = p + k;
		firstpos = k;
	} else {
		for (k = fb; k < fe && p[k] == '0'; k++)
			weight--;
		if (k < fe) {
			first = p + k;
			firstpos = k;
		}
	}
	if (col->precision > 0)
		s = col->scale > 0 ? col->scale : 0;
	else {
		if (inscale > NUM_MAX_DSCALE)
			return numfail_overflow(col, p, n, fail);
		s = inscale;
	}
	out->kind = HD_V_NUMERIC;
	out->u.num.dscale = (int16_t)s;
	if (!first)
		goto zero;
	/* significant digits available from first to the end of D */
	ndig = (firstpos < ie ? (long)(ie - firstpos) + (long)nfrac : (long)(fe - firstpos));
	if (col->precision > 0 ? weight > col->precision - s : weight > NUM_MAX_WEIGHT)
		return numfail_overflow(col, p, n, fail);
	keep = weight + s;
	if (keep > ndig)
		keep = ndig;
	/* rounding digit: D index keep (relative to first); only exists when keep < ndig */
	if (o->roundec && keep < ndig && keep >= 0) {
		size_t rp = firstpos + (size_t)keep;
		if (firstpos < ie && rp >= ie)
			rp = fb + (rp - ie);
		carry_round = p[rp] >= '5';
	}
	if (keep <= 0 && !carry_round)
		goto zero;

	{
		const char *digits;
		long nd = keep;
		bool contiguous = firstpos >= fb ? true : (firstpos + (size_t)keep <= ie);

		if (contiguous && !carry_round) {
			digits = first;
		} else {
			char *d;
			long j;
			size_t src;
			if (hd_buf_reserve(scratch, (size_t)keep + 1) != HD_OK)
				return hd_conv_fail_(fail, 1204, "Value too long for conversion buffer");
			d = scratch->data + scratch->len;
			d[0] = '0';
			src = firstpos;
			for (j = 0; j < keep; j++) {
				if (src == ie)
					src = fb;
				d[j + 1] = p[src++];
			}
			if (carry_round) {
				for (j = keep; j >= 1; j--) {
					if (d[j] == '9') {
						d[j] = '0';
					} else {
						d[j]++;
						break;
					}
				}
				if (j == 0) {
					d[0] = '1';
					weight++;
					if (col->precision > 0 ? weight > col->precision - s : weight > NUM_MAX_WEIGHT)
						return numfail_overflow(col, p, n, fail);
					nd = keep + 1;
					digits = d;
				} else {
					digits = d + 1;
				}
			} else {
				digits = d + 1;
			}
			scratch->len += (size_t)keep + 1;
		}
		while (nd > 0 && digits[nd - 1] == '0')
			nd--;
		if (nd == 0)
			goto zero;
		out->u.num.digits = digits;
		out->u.num.ndigits = (int32_t)nd;
		out->u.num.weight10 = (int32_t)weight;
		out->u.num.neg = neg;
		return HD_CONV_OK;
	}
zero:
	out->u.num.digits = "";
	out->u.num.ndigits = 0;
	out->u.num.weight10 = 0;
	out->u.num.neg = false;
	return HD_CONV_OK;
}

#define NUM_FAST_LEN 40 /* fast path fields: sign, point and up to 38 digits — far from the unconstrained limits */

static inline bool
num_isdigit(char c)
{
	return (unsigned)((unsigned char)c - '0') <= 9;
}

int
hd_conv_numeric_(const hd_column *col, const hd_conv_opts *o, const char *p, size_t n, hd_value *out,
                 hd_buf *scratch, hd_convfail *fail)
{
	size_t b = 0, m = n, i, ib, ie, fb, fe, k, e, nd;
	long s, weight;
	const char *digits;
	bool neg;

	/* The fast path: [blanks] [sign] digits [. digits] [blanks], digits kept fitting p - s, fraction digits past the
	 * column's scale only to truncate (or with ROUNDEC, when the first dropped digit rounds down). Anything else —
	 * an exponent, a stray byte, rounding up, overflow, a scratch buffer to grow — goes to num_general, which makes
	 * the same result or reports the error; this path only ever accepts. */
	if (n == 0)
		return num_general(col, o, p, n, out, scratch, fail);
	if ((unsigned char)p[0] <= ' ' || (unsigned char)p[n - 1] <= ' ') { /* white space is ≤ ' ', a number's bytes not */
		while (b < m && hd_conv_isspace_((unsigned char)p[b]))
			b++;
		while (m > b && hd_conv_isspace_((unsigned char)p[m - 1]))
			m--;
		if (b == m)
			return num_general(col, o, p, n, out, scratch, fail);
	}
	if (m - b > NUM_FAST_LEN)
		return num_general(col, o, p, n, out, scratch, fail);
	neg = p[b] == '-';
	i = b + (p[b] == '-' || p[b] == '+');
	ib = i;
	while (i < m && num_isdigit(p[i]))
		i++;
	ie = fb = fe = i;
	if (i < m && p[i] == '.') {
		fb = ++i;
		while (i < m && num_isdigit(p[i]))
			i++;
		fe = i;
	}
	if (i != m || ie - ib + fe - fb == 0)
		return num_general(col, o, p, n, out, scratch, fail);
	if (col->precision > 0) {
		s = col->scale > 0 ? col->scale : 0;
		if ((long)(fe - fb) > s) { /* digit fb + s is 10^-(s+1), the one ROUNDEC rounds on */
			if (o->roundec && p[fb + (size_t)s] >= '5')
				return num_general(col, o, p, n, out, scratch, fail);
			fe = fb + (size_t)s;
		}
	} else {
		s = (long)(fe - fb);
	}
	while (fe > fb && p[fe - 1] == '0') /* trailing zeros of the fraction */
		fe--;
	for (k = ib; k < ie && p[k] == '0'; k++) /* leading zeros of the integer part */
		;
	if (k < ie) {
		weight = (long)(ie - k);
	} else {
		for (k = fb; k < fe && p[k] == '0'; k++) /* leading zeros of the fraction */
			;
		if (k == fe) { /* zero */
			out->kind = HD_V_NUMERIC;
			out->u.num.digits = "";
			out->u.num.ndigits = 0;
			out->u.num.weight10 = 0;
			out->u.num.dscale = (int16_t)s;
			out->u.num.neg = false;
			return HD_CONV_OK;
		}
		weight = -(long)(k - fb);
	}
	if (col->precision > 0 && weight > col->precision - s)
		return num_general(col, o, p, n, out, scratch, fail);
	if (k >= fb) { /* fraction digits only: a run of the field */
		digits = p + k;
		nd = fe - k;
	} else if (fe == fb) { /* an integer: its digits less trailing zeros are a run of the field */
		for (e = ie; p[e - 1] == '0'; e--)
			;
		digits = p + k;
		nd = e - k;
	} else { /* integer and fraction digits: joined in scratch, as num_general does */
		size_t ni = ie - k, nf = fe - fb;
		char *d;
		nd = ni + nf;
		if (!(nd < scratch->alloc && scratch->len < scratch->alloc - nd)) /* hd_buf_reserve's test */
			return num_general(col, o, p, n, out, scratch, fail);
		d = scratch->data + scratch->len;
		for (e = 0; e < ni; e++)
			d[e] = p[k + e];
		for (e = 0; e < nf; e++)
			d[ni + e] = p[fb + e];
		scratch->len += nd;
		digits = d;
	}
	out->kind = HD_V_NUMERIC;
	out->u.num.digits = digits;
	out->u.num.ndigits = (int32_t)nd;
	out->u.num.weight10 = (int32_t)weight;
	out->u.num.dscale = (int16_t)s;
	out->u.num.neg = neg;
	return HD_CONV_OK;
}
