/*
 * text.c — char(n), varchar(n), text, json/jsonb and bytea (VARBYTE) from text.
 *
 * Character rules (Redshift: r_Character_types, multi-byte-character-load-errors, copy-parameters-data-conversion):
 *  - Lengths are in BYTES. CHAR holds single-byte (ASCII, ≤ 0x7F) characters only; a byte ≥ 0x80 in a CHAR field is
 *    1220 "Multibyte character not supported for CHAR (Hint: Try using VARCHAR). Invalid char: …". ACCEPTINVCHARS
 *    does not help CHAR ("ACCEPTINVCHARS is valid only for VARCHAR columns").
 *  - VARCHAR/TEXT must be valid UTF-8 of at most 4 bytes per character; otherwise 1220 "String contains invalid or
 *    unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: a4 (error 3)". The "(error N)" numbers follow the page's
 *    table where it has one: 1 lead byte of a sequence longer than 4 bytes (F8–FD), 2 incomplete sequence, 3 byte
 *    that can't start a character (continuation 80–BF, FE, FF), 4 continuation byte out of range; hdcopy adds 5 code
 *    point above U+10FFFF, 6 UTF-16 surrogate, 7 overlong encoding, 8 NUL byte (PostgreSQL text can't hold 0x00).
 *  - ACCEPTINVCHARS replaces "each invalid UTF-8 character with a string of equal length" of the replacement
 *    character: a well-formed but invalid sequence (surrogate, overlong, > U+10FFFF) by as many bytes as it has; a
 *    broken sequence byte by byte up to where it breaks. Per multi-byte-character-load-errors, the noncharacters
 *    U+FDD0..U+FDEF and U+xFFFE/U+xFFFF are accepted as they are without ACCEPTINVCHARS and replaced with it. The
 *    rewritten value goes into scratch and the result is HD_CONV_REPLACED.
 *  - TRIMBLANKS removes trailing white space before the length check (applied to CHAR too: trailing blanks are
 *    insignificant there).
 *  - Longer than n bytes: if the excess is only spaces the value is cut to n (PostgreSQL's rule for char(n) and
 *    varchar(n)); else TRUNCATECOLUMNS cuts to ≤ n bytes on a character boundary, otherwise 1204 "String length
 *    exceeds DDL length".
 * JSON (SUPER-like): valid UTF-8 (1220), then RFC 8259 syntax or 1224; nesting capped at HD_CONV_JSON_DEPTH. jsonb
 * also refuses \u0000 and unpaired surrogate escapes, as PostgreSQL's jsonb does.
 * VARBYTE: Redshift reads VARBYTE from text/CSV as hexadecimal (r_VARBYTE_type): an even number of hex digits, case
 * insensitive, decoded into scratch; a bad digit or odd length is 1207.
 */
#include "convert/convert_int.h"
#include "common/chars.h"

#include <string.h>

#define HD_CONV_JSON_DEPTH 512

/* Decode one character at p[i]. Returns its length (1..4) if valid, else 0 with *err (page's code) and *bad (bytes to
 * replace). *nonchar is set for valid noncharacters. */
static size_t
utf8_char(const unsigned char *p, size_t i, size_t n, int *err, size_t *bad, bool *nonchar)
{
	unsigned c = p[i], cp, min;
	size_t need, k;

	*nonchar = false;
	if (c < 0x80) {
		if (c == 0) {
			*err = 8;
			*bad = 1;
			return 0;
		}
		return 1;
	}
	if (c < 0xC0) {
		*err = 3;
		*bad = 1;
		return 0;
	}
	if (c < 0xE0) {
		need = 1; cp = c & 0x1F; min = 0x80;
	} else if (c < 0xF0) {
		need = 2; cp = c & 0x0F; min = 0x800;
	} else if (c < 0xF8) {
		need = 3; cp = c & 0x07; min = 0x10000;
	} else {
		*err = c >= 0xFE ? 3 : 1;
		*bad = 1;
		return 0;
	}
	for (k = 1; k <= need; k++) {
		if (i + k >= n) {
			*err = 2;
			*bad = k;
			return 0;
		}
		if ((p[i + k] & 0xC0) != 0x80) {
			*err = 4;
			*bad = k;
			return 0;
		}
		cp = (cp << 6) | (p[i + k] & 0x3F);
	}
	*bad = need + 1;
	if (cp < min) {
		*err = 7;
		return 0;
	}
	if (cp > 0x10FFFF) {
		*err = 5;
		return 0;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF) {
		*err = 6;
		return 0;
	}
	if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE)
		*nonchar = true;
	return need + 1;
}

/* Bytes as hex, space separated ("e0 a1 a4"); a 4-byte sequence is written without spaces ("f4908080") so the
 * page's VARCHAR reason stays within stl_load_errors' 100 bytes. */
static void
hexseq(char *dst, size_t dstsz, const unsigned char *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < n && o + 4 < dstsz; i++) {
		if (i && n < 4)
			dst[o++] = ' ';
		dst[o++] = hx[p[i] >> 4];
		dst[o++] = hx[p[i] & 15];
	}
	dst[o] = '\0';
}

static int
fail_utf8(const unsigned char *p, size_t i, size_t n, int err, size_t bad, hd_convfail *fail)
{
	char hx[24];
	size_t m = bad;
	if (m == 0)
		m = 1;
	if (m > n - i)
		m = n - i;
	if (m > 4)
		m = 4;
	hexseq(hx, sizeof hx, p + i, m);
	return hd_conv_fail_(fail, 1220,
	                     "String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: %s (error %d)",
	                     hx, err);
}

/* Check p[0..n) is valid UTF-8. Returns n if so, else the offset of the first bad character (*err, *bad set). With
 * want_nonchar, a noncharacter also stops the scan (err 0). */
static size_t
utf8_scan(const unsigned char *p, size_t n, bool want_nonchar, int *err, size_t *bad)
{
	size_t i = 0, l;
	bool nonchar;

	while (i < n) {
		/* ASCII run, 8 bytes at a time */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			if ((w & 0x8080808080808080ull) || ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull))
				break;
			i += 8;
		}
		while (i < n && p[i] - 1u < 0x7Fu) /* the tail of an ASCII run (bytes 0x01-0x7F) */
			i++;
		if (i >= n)
			break;
		l = utf8_char(p, i, n, err, bad, &nonchar);
		if (l == 0)
			return i;
		if (nonchar && want_nonchar) {
			*err = 0;
			*bad = l;
			return i;
		}
		i += l;
	}
	return n;
}

/* Cut a valid UTF-8 string to at most max bytes on a character boundary. */
static size_t
utf8_cut(const char *p, size_t n, size_t max)
{
	size_t k;
	if (n <= max)
		return n;
	k = max;
	while (k > 0 && ((unsigned char)p[k] & 0xC0) == 0x80)
		k--;
	return k;
}

int
hd_conv_text_(const hd_column *col, const hd_conv_opts *o, const char *p, size_t n, hd_value *out,
              hd_buf *scratch, hd_convfail *fail)
{
	const unsigned char *u = (const unsigned char *)p;
	int r = HD_CONV_OK, err = 0;
	size_t bad = 0, i;

	if (o->trimblanks)
		while (n > 0 && hd_conv_isspace_(u[n - 1]))
			n--;

	if (col->type == HD_T_CHAR) {
		for (i = 0; i < n; i++) {
			if (u[i] >= 0x80 || u[i] == 0) {
				char hx[24];
				size_t l = 1;
				if (u[i] >= 0xC0)
					l = u[i] < 0xE0 ? 2 : u[i] < 0xF0 ? 3 : 4;
				if (l > n - i)
					l = n - i;
				hexseq(hx, sizeof hx, u + i, l);
				if (u[i] == 0)
					return hd_conv_fail_(fail, 1220,
					                     "String contains invalid or unsupported UTF-8 codepoints. "
					                     "Bad UTF-8 hex sequence: 00 (error 8)");
				return hd_conv_fail_(fail, 1220,
				                     "Multibyte character not supported for CHAR (Hint: Try using VARCHAR). "
				                     "Invalid char: %s", hx);
			}
		}
	} else {
		i = utf8_scan(u, n, o->acceptinvchars, &err, &bad);
		if (i < n) {
			char *d;
			size_t j;
			bool nonchar;

			if (!o->acceptinvchars)
				return fail_utf8(u, i, n, err, bad, fail);
			/* rewrite into scratch, replacing each invalid character byte for byte */
			if (hd_buf_reserve(scratch, n) != HD_OK)
				return hd_conv_fail_(fail, 1204, "String too long for conversion buffer");
			d = scratch->data + scratch->len;
			memcpy(d, p, i);
			j = i;
			while (j < n) {
				size_t l = utf8_char(u, j, n, &err, &bad, &nonchar);
				if (l == 0 || nonchar) {
					size_t m = l ? l : bad;
					if (m == 0 || m > n - j)
						m = m ? n - j : 1;
					memset(d + j, o->acceptinvchars_char ? o->acceptinvchars_char : '?', m);
					j += m;
				} else {
					memcpy(d + j, p + j, l);
					j += l;
				}
			}
			scratch->len += n;
			p = d;
			u = (const unsigned char *)d;
			r = HD_CONV_REPLACED;
		}
	}

	if (col->length >= 0 && n > (size_t)col->length) {
		size_t len = (size_t)col->length;
		for (i = len; i < n && u[i] == ' '; i++)
			;
		if (i == n)
			n = len;
		else if (o->truncatecolumns)
			n = utf8_cut(p, n, len);
		else
			return hd_conv_fail_(fail, 1204, "String length exceeds DDL length");
	}
	out->kind = HD_V_TEXT;
	out->u.s.p = p;
	out->u.s.n = n;
	return r;
}

/* ---- JSON ---- */

typedef struct jcur {
	const unsigned char *p;
	size_t n, i;
	bool jsonb;
	const char *why;
} jcur;

static void
jws(jcur *c)
{
	while (c->i < c->n && (c->p[c->i] == ' ' || c->p[c->i] == '\t' || c->p[c->i] == '\n' || c->p[c->i] == '\r'))
		c->i++;
}


static bool
ju4(jcur *c, unsigned *v)
{
	int k, h;
	*v = 0;
	if (c->n - c->i < 4)
		return false;
	for (k = 0; k < 4; k++) {
		if ((h = hd_hexval((unsigned char)c->p[c->i + (size_t)k])) < 0)
			return false;
		*v = (*v << 4) | (unsigned)h;
	}
	c->i += 4;
	return true;
}

static bool
jstring(jcur *c)
{
	c->i++; /* opening quote */
	while (c->i < c->n) {
		unsigned char ch = c->p[c->i];
		if (ch == '"') {
			c->i++;
			return true;
		}
		if (ch < 0x20) {
			c->why = "control character in string";
			return false;
		}
		if (ch == '\\') {
			c->i++;
			if (c->i >= c->n)
				break;
			ch = c->p[c->i++];
			if (ch == 'u') {
				unsigned v, w;
				if (!ju4(c, &v)) {
					c->why = "bad \\u escape";
					return false;
				}
				if (c->jsonb && v == 0) {
					c->why = "unsupported Unicode escape \\u0000";
					return false;
				}
				if (v >= 0xD800 && v <= 0xDBFF) {
					if (c->n - c->i >= 6 && c->p[c->i] == '\\' && c->p[c->i + 1] == 'u') {
						c->i += 2;
						if (!ju4(c, &w)) {
							c->why = "bad \\u escape";
							return false;
						}
						if (c->jsonb && (w < 0xDC00 || w > 0xDFFF)) {
							c->why = "unpaired Unicode surrogate";
							return false;
						}
					} else if (c->jsonb) {
						c->why = "unpaired Unicode surrogate";
						return false;
					}
				} else if (v >= 0xDC00 && v <= 0xDFFF && c->jsonb) {
					c->why = "unpaired Unicode surrogate";
					return false;
				}
			} else if (!strchr("\"\\/bfnrt", ch) || ch == 0) {
				c->why = "bad escape";
				return false;
			}
			continue;
		}
		c->i++;
	}
	c->why = "unterminated string";
	return false;
}

static bool
jnumber(jcur *c)
{
	size_t s;
	if (c->p[c->i] == '-')
		c->i++;
	if (c->i >= c->n)
		goto bad;
	if (c->p[c->i] == '0')
		c->i++;
	else if (c->p[c->i] >= '1' && c->p[c->i] <= '9')
		while (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9')
			c->i++;
	else
		goto bad;
	if (c->i < c->n && c->p[c->i] == '.') {
		c->i++;
		s = c->i;
		while (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9')
			c->i++;
		if (c->i == s)
			goto bad;
	}
	if (c->i < c->n && (c->p[c->i] == 'e' || c->p[c->i] == 'E')) {
		c->i++;
		if (c->i < c->n && (c->p[c->i] == '+' || c->p[c->i] == '-'))
			c->i++;
		s = c->i;
		while (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9')
			c->i++;
		if (c->i == s)
			goto bad;
	}
	return true;
bad:
	c->why = "bad number";
	return false;
}

static bool
jword(jcur *c, const char *w)
{
	size_t l = strlen(w);
	if (c->n - c->i >= l && memcmp(c->p + c->i, w, l) == 0) {
		c->i += l;
		return true;
	}
	c->why = "unexpected token";
	return false;
}

static bool
jvalue(jcur *c, int depth)
{
	jws(c);
	if (c->i >= c->n) {
		c->why = "unexpected end of input";
		return false;
	}
	switch (c->p[c->i]) {
	case '{':
	case '[': {
		unsigned char close = c->p[c->i] == '{' ? '}' : ']';
		bool obj = close == '}';
		if (depth >= HD_CONV_JSON_DEPTH) {
			c->why = "nesting too deep";
			return false;
		}
		c->i++;
		jws(c);
		if (c->i < c->n && c->p[c->i] == close) {
			c->i++;
			return true;
		}
		for (;;) {
			if (obj) {
				jws(c);
				if (c->i >= c->n || c->p[c->i] != '"') {
					c->why = "expected object key";
					return false;
				}
				if (!jstring(c))
					return false;
				jws(c);
				if (c->i >= c->n || c->p[c->i] != ':') {
					c->why = "expected ':'";
					return false;
				}
				c->i++;
			}
			if (!jvalue(c, depth + 1))
				return false;
			jws(c);
			if (c->i < c->n && c->p[c->i] == ',') {
				c->i++;
				continue;
			}
			if (c->i < c->n && c->p[c->i] == close) {
				c->i++;
				return true;
			}
			c->why = obj ? "expected ',' or '}'" : "expected ',' or ']'";
			return false;
		}
	}
	case '"':
		return jstring(c);
	case 't':
		return jword(c, "true");
	case 'f':
		return jword(c, "false");
	case 'n':
		return jword(c, "null");
	default:
		if (c->p[c->i] == '-' || (c->p[c->i] >= '0' && c->p[c->i] <= '9'))
			return jnumber(c);
		c->why = "unexpected character";
		return false;
	}
}

int
hd_conv_json_(const char *p, size_t n, bool jsonb, hd_value *out, hd_convfail *fail)
{
	const unsigned char *u = (const unsigned char *)p;
	jcur c = {u, n, 0, jsonb, NULL};
	int err = 0;
	size_t bad = 0, i;

	i = utf8_scan(u, n, false, &err, &bad);
	if (i < n)
		return fail_utf8(u, i, n, err, bad, fail);
	if (!jvalue(&c, 0))
		return hd_conv_fail_(fail, 1224, "Invalid JSON: %s at Pos %zu", c.why, c.i);
	jws(&c);
	if (c.i != n)
		return hd_conv_fail_(fail, 1224, "Invalid JSON: trailing characters at Pos %zu", c.i);
	out->kind = HD_V_TEXT;
	out->u.s.p = p;
	out->u.s.n = n;
	return HD_CONV_OK;
}

/* ---- VARBYTE ---- */

int
hd_conv_bytea_(const char *p, size_t n, hd_value *out, hd_buf *scratch, hd_convfail *fail)
{
	const unsigned char *u = (const unsigned char *)p;
	char q[48], *d;
	size_t i;

	for (i = 0; i < n; i++) {
		if (hd_hexval((unsigned char)u[i]) < 0) {
			hd_conv_quote_(q, sizeof q, p + i, 1);
			return hd_conv_fail_(fail, 1207, "Invalid digit, Value '%s', Pos %zu, Type: Varbyte", q, i);
		}
	}
	if (n % 2) {
		hd_conv_quote_(q, sizeof q, p, n);
		return hd_conv_fail_(fail, 1207, "Odd number of hex digits, Value '%s', Type: Varbyte", q);
	}
	if (hd_buf_reserve(scratch, n / 2) != HD_OK)
		return hd_conv_fail_(fail, 1204, "Value too long for conversion buffer");
	d = scratch->data + scratch->len;
	for (i = 0; i < n; i += 2)
		d[i / 2] = (char)((hd_hexval((unsigned char)u[i]) << 4) | hd_hexval((unsigned char)u[i + 1]));
	scratch->len += n / 2;
	out->kind = HD_V_BYTES;
	out->u.s.p = d;
	out->u.s.n = n / 2;
	return HD_CONV_OK;
}
