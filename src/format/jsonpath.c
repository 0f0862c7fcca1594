/*
 * jsonpath.c — compile a JSONPaths file (once per COPY) and decode JSON strings (shared with json.c).
 *
 * In: the file's text. Out: hd_jpaths (jsonpath.h): for each column, its expression as steps (key | index).
 * Buffers: three allocations made here (offsets, steps, keys), grown while compiling, freed by hd_jpaths_free().
 *
 * Rules (Redshift, docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-json.html):
 *  - the file holds a single JSON object; "If the name is any string other than "jsonpaths", COPY uses the 'auto'
 *    argument instead of using the JSONPaths file" (use_auto). Anything else in the file (an array at top level,
 *    trailing bytes, a "jsonpaths" value that is not an array of strings) is a syntax error for the whole COPY;
 *  - an expression is "the explicit path to a single name element", in bracket notation ($['a']['b'], quotes ' or ")
 *    or dot notation ($.a.b), with array indexes in brackets ($.a[0], $['a'][0]); "JSON uses zero-based array
 *    indexing. Array indexes must be positive integers (greater than or equal to zero)";
 *  - "Amazon Redshift doesn't support any JSONPath elements, such as wildcard characters or filter expressions, that
 *    might resolve to an ambiguous path or multiple name elements": *, .., [?()], [a:b], [a,b] are errors naming
 *    the expression and the 0-based position in it. hdcopy also accepts both notations mixed in one expression
 *    ($.a['b'][0]) and the bare root $ (the whole record), which select one element just the same.
 * The count of expressions against the columns is checked by json.c, which knows the columns.
 */
#include "format/jsonpath.h"

#include <stdlib.h>
#include <string.h>

#include "common/chars.h"
#include "common/limits.h"
#include "common/sys.h"

/* ---- JSON string decoding --------------------------------------------------------------------------------------- */

/* Four hex digits at p (p + 4 <= e), or -1. */
static long
hex4(const char *p, const char *e)
{
	long v = 0;
	if (e - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hd_hexval((unsigned char)p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

static size_t
utf8_put(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

int
hd_json_unescape_(const char *p, const char *e, char *out, size_t *n, size_t *at)
{
	const char *const start = p;
	char *o = out;

	while (p < e) {
		const char *bs = memchr(p, '\\', (size_t)(e - p));
		long v, w;
		if (!bs) {
			memcpy(o, p, (size_t)(e - p));
			o += e - p;
			break;
		}
		memcpy(o, p, (size_t)(bs - p));
		o += bs - p;
		*at = (size_t)(bs - start);
		if (bs + 1 >= e)
			return HD_JU_BAD_ESCAPE;
		p = bs + 2;
		switch (bs[1]) {
		case '"': *o++ = '"'; continue;
		case '\\': *o++ = '\\'; continue;
		case '/': *o++ = '/'; continue;
		case 'b': *o++ = '\b'; continue;
		case 'f': *o++ = '\f'; continue;
		case 'n': *o++ = '\n'; continue;
		case 'r': *o++ = '\r'; continue;
		case 't': *o++ = '\t'; continue;
		case 'u': break;
		default: return HD_JU_BAD_ESCAPE;
		}
		if ((v = hex4(p, e)) < 0)
			return HD_JU_BAD_HEX;
		p += 4;
		if (v >= 0xDC00 && v <= 0xDFFF)
			return HD_JU_SURROGATE; /* a low surrogate first */
		if (v >= 0xD800 && v <= 0xDBFF) {
			/* needs "\uDC00".."\uDFFF" right after: 6 bytes, decoded to 4 with the 6 before */
			if (e - p < 6 || p[0] != '\\' || p[1] != 'u')
				return HD_JU_SURROGATE;
			if ((w = hex4(p + 2, e)) < 0) {
				*at = (size_t)(p - start);
				return HD_JU_BAD_HEX;
			}
			if (w < 0xDC00 || w > 0xDFFF)
				return HD_JU_SURROGATE;
			p += 6;
			v = 0x10000 + ((v - 0xD800) << 10) + (w - 0xDC00);
		}
		o += utf8_put(o, (uint32_t)v);
	}
	*n = (size_t)(o - out);
	return HD_JU_OK;
}

/* ---- the file ------------------------------------------------------------------------------------------------- */

typedef struct jcur {
	const char *s, *p, *e;
	hd_err *err;
} jcur;

static hd_code
file_err(jcur *c, const char *what)
{
	return hd_err_set(c->err, HD_ERR_SYNTAX, "jsonpaths file: invalid JSON at byte %zu: %s", (size_t)(c->p - c->s),
	    what);
}

static void
ws(jcur *c)
{
	while (c->p < c->e && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* A string at c->p: its body [*b, *be), escapes validated (not decoded). */
static hd_code
str_span(jcur *c, const char **b, const char **be)
{
	if (c->p >= c->e || *c->p != '"')
		return file_err(c, "expected a string");
	*b = ++c->p;
	while (c->p < c->e && *c->p != '"') {
		if ((unsigned char)*c->p < 0x20)
			return file_err(c, "control character in a string");
		if (*c->p == '\\')
			c->p++;
		c->p++;
	}
	if (c->p >= c->e)
		return file_err(c, "unterminated string");
	*be = c->p++;
	return HD_OK;
}

/* Skip any value (members other than "jsonpaths"). */
static hd_code
skip_value(jcur *c, int depth)
{
	const char *b, *be;
	hd_code r;

	if (depth > HD_MAX_JSON_DEPTH)
		return file_err(c, "nested too deeply");
	ws(c);
	if (c->p >= c->e)
		return file_err(c, "unexpected end");
	if (*c->p == '"')
		return str_span(c, &b, &be);
	if (*c->p == '{' || *c->p == '[') {
		const char close = *c->p == '{' ? '}' : ']';
		const bool obj = close == '}';
		c->p++;
		ws(c);
		if (c->p < c->e && *c->p == close) {
			c->p++;
			return HD_OK;
		}
		for (;;) {
			if (obj) {
				ws(c);
				if ((r = str_span(c, &b, &be)) != HD_OK)
					return r;
				ws(c);
				if (c->p >= c->e || *c->p != ':')
					return file_err(c, "expected ':'");
				c->p++;
			}
			if ((r = skip_value(c, depth + 1)) != HD_OK)
				return r;
			ws(c);
			if (c->p < c->e && *c->p == ',') {
				c->p++;
				continue;
			}
			if (c->p < c->e && *c->p == close) {
				c->p++;
				return HD_OK;
			}
			return file_err(c, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		}
	}
	/* a number or a literal: its characters */
	b = c->p;
	while (c->p < c->e && (strchr("+-.eE", *c->p) || (*c->p >= '0' && *c->p <= '9') ||
	                       (*c->p >= 'a' && *c->p <= 'z')))
		c->p++;
	if (c->p == b)
		return file_err(c, "unexpected character");
	return HD_OK;
}

/* ---- expressions ---------------------------------------------------------------------------------------------- */

typedef struct builder {
	hd_jpaths *jp;
	int cap_exprs;
	int nsteps, cap_steps;
	char *kp;          /* next free byte of jp->keys */
	hd_err *err;
} builder;

static hd_code
expr_err(builder *bd, int i, const char *x, size_t xn, size_t pos, const char *what)
{
	return hd_err_set(bd->err, HD_ERR_SYNTAX, "jsonpaths: expression %d \"%.*s\": %s at position %zu", i + 1,
	    (int)(xn > 80 ? 80 : xn), x, what, pos);
}

static hd_code
add_step(builder *bd, bool is_index, uint32_t index, const char *key, uint32_t keylen)
{
	hd_jp_step *s;
	if (bd->nsteps == bd->cap_steps) {
		int ncap = bd->cap_steps ? bd->cap_steps * 2 : 16;
		hd_jp_step *ns = hd_realloc(bd->jp->steps, (size_t)ncap * sizeof *ns);
		if (!ns)
			return hd_err_set(bd->err, HD_ERR_NOMEM, "out of memory");
		bd->jp->steps = ns;
		bd->cap_steps = ncap;
	}
	s = &bd->jp->steps[bd->nsteps++];
	s->is_index = is_index;
	s->index = index;
	s->key = key;
	s->keylen = keylen;
	return HD_OK;
}

/* Compile expression i, x[0..xn) (already decoded from its JSON string). Keys are copied to bd->kp. */
static hd_code
compile(builder *bd, int i, const char *x, size_t xn)
{
	size_t k = 0, depth = 0;
	hd_code r;

	if (xn == 0 || x[0] != '$')
		return expr_err(bd, i, x, xn, 0, "an expression must start with '$'");
	k = 1;
	while (k < xn) {
		if (++depth > HD_MAX_JSON_DEPTH)
			return expr_err(bd, i, x, xn, k, "more steps than the maximum JSON depth");
		if (x[k] == '.') {
			size_t b = ++k;
			if (k < xn && x[k] == '.')
				return expr_err(bd, i, x, xn, k - 1, "recursive descent '..' is not supported");
			while (k < xn && x[k] != '.' && x[k] != '[') {
				if (strchr("*]'\"?()@,:", x[k]))
					return expr_err(bd, i, x, xn, k,
					    x[k] == '*' ? "wildcards are not supported" : "unexpected character in a name");
				k++;
			}
			if (k == b)
				return expr_err(bd, i, x, xn, b, "empty name after '.'");
			memcpy(bd->kp, x + b, k - b);
			if ((r = add_step(bd, false, 0, bd->kp, (uint32_t)(k - b))) != HD_OK)
				return r;
			bd->kp += k - b;
			continue;
		}
		if (x[k] != '[')
			return expr_err(bd, i, x, xn, k, "expected '.' or '['");
		k++;
		if (k < xn && (x[k] == '\'' || x[k] == '"')) {
			const char q = x[k];
			char *o = bd->kp;
			size_t b = k++;
			while (k < xn && x[k] != q) {
				if (x[k] == '\\' && k + 1 < xn && (x[k + 1] == q || x[k + 1] == '\\'))
					k++;
				*o++ = x[k++];
			}
			if (k >= xn)
				return expr_err(bd, i, x, xn, b, "unterminated quoted name");
			k++;
			if (k >= xn || x[k] != ']')
				return expr_err(bd, i, x, xn, k, k < xn && x[k] == ',' ? "unions are not supported" : "expected ']'");
			k++;
			if ((r = add_step(bd, false, 0, bd->kp, (uint32_t)(o - bd->kp))) != HD_OK)
				return r;
			bd->kp = o;
			continue;
		}
		if (k < xn && x[k] >= '0' && x[k] <= '9') {
			size_t b = k;
			uint64_t v = 0;
			while (k < xn && x[k] >= '0' && x[k] <= '9') {
				v = v * 10 + (uint64_t)(x[k] - '0');
				if (v > INT32_MAX)
					return expr_err(bd, i, x, xn, b, "array index too large");
				k++;
			}
			if (k < xn && (x[k] == ':' || x[k] == ','))
				return expr_err(bd, i, x, xn, k, x[k] == ':' ? "slices are not supported" : "unions are not supported");
			if (k >= xn || x[k] != ']')
				return expr_err(bd, i, x, xn, k, "expected ']'");
			k++;
			if ((r = add_step(bd, true, (uint32_t)v, NULL, 0)) != HD_OK)
				return r;
			continue;
		}
		if (k < xn && x[k] == '-')
			return expr_err(bd, i, x, xn, k, "array indexes must be >= 0");
		if (k < xn && x[k] == '*')
			return expr_err(bd, i, x, xn, k, "wildcards are not supported");
		if (k < xn && x[k] == '?')
			return expr_err(bd, i, x, xn, k, "filter expressions are not supported");
		return expr_err(bd, i, x, xn, k, "expected a quoted name or an array index after '['");
	}
	return HD_OK;
}

static hd_code
add_expr(builder *bd, const char *b, const char *be)
{
	hd_jpaths *jp = bd->jp;
	char *dec = bd->kp;    /* decode the string at the end of the key storage, then compile it after itself */
	size_t n, at;
	hd_code r;

	if (jp->n + 1 >= bd->cap_exprs) {
		int ncap = bd->cap_exprs ? bd->cap_exprs * 2 : 16;
		int *nf = hd_realloc(jp->first, (size_t)ncap * sizeof *nf);
		if (!nf)
			return hd_err_set(bd->err, HD_ERR_NOMEM, "out of memory");
		jp->first = nf;
		bd->cap_exprs = ncap;
	}
	if (jp->n >= HD_MAX_FIELDS)
		return hd_err_set(bd->err, HD_ERR_SYNTAX, "jsonpaths: more than %d expressions", HD_MAX_FIELDS);
	if (hd_json_unescape_(b, be, dec, &n, &at) != HD_JU_OK)
		return hd_err_set(bd->err, HD_ERR_SYNTAX, "jsonpaths: expression %d: invalid escape at position %zu",
		    jp->n + 1, at);
	/* keys of this expression are written right after the decoded text: never more bytes than it has */
	bd->kp = dec + n;
	jp->first[jp->n] = bd->nsteps;
	if ((r = compile(bd, jp->n, dec, n)) != HD_OK)
		return r;
	jp->n++;
	jp->first[jp->n] = bd->nsteps;
	return HD_OK;
}

void
hd_jpaths_free(hd_jpaths *jp)
{
	free(jp->first);
	free(jp->steps);
	free(jp->keys);
	memset(jp, 0, sizeof *jp);
}

hd_code
hd_jpaths_parse(const char *text, size_t len, hd_jpaths *out, hd_err *err)
{
	jcur c = { text, text, text + len, err };
	builder bd = { out, 0, 0, 0, NULL, err };
	bool found = false;
	hd_code r = HD_OK;

	memset(out, 0, sizeof *out);
	if (len > HD_MAX_JSONPATHS)
		return hd_err_set(err, HD_ERR_LIMIT, "jsonpaths file larger than %u bytes", (unsigned)HD_MAX_JSONPATHS);
	/* decoded expressions plus their keys: at most twice the file */
	out->keys = hd_malloc(2 * len + 1);
	if (!out->keys)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	bd.kp = out->keys;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		c.p += 3;
	ws(&c);
	if (c.p >= c.e || *c.p != '{') {
		r = file_err(&c, "the file must hold a single JSON object");
		goto out;
	}
	c.p++;
	ws(&c);
	if (c.p < c.e && *c.p == '}') {
		c.p++;
	} else {
		for (;;) {
			const char *b, *be;
			ws(&c);
			if ((r = str_span(&c, &b, &be)) != HD_OK)
				goto out;
			ws(&c);
			if (c.p >= c.e || *c.p != ':') {
				r = file_err(&c, "expected ':'");
				goto out;
			}
			c.p++;
			ws(&c);
			if (be - b == 9 && memcmp(b, "jsonpaths", 9) == 0) {
				if (found) {
					r = file_err(&c, "\"jsonpaths\" given twice");
					goto out;
				}
				found = true;
				if (c.p >= c.e || *c.p != '[') {
					r = file_err(&c, "the value of \"jsonpaths\" must be an array of strings");
					goto out;
				}
				c.p++;
				ws(&c);
				if (c.p < c.e && *c.p == ']') {
					c.p++;
				} else {
					for (;;) {
						ws(&c);
						if (c.p >= c.e || *c.p != '"') {
							r = file_err(&c, "the value of \"jsonpaths\" must be an array of strings");
							goto out;
						}
						if ((r = str_span(&c, &b, &be)) != HD_OK || (r = add_expr(&bd, b, be)) != HD_OK)
							goto out;
						ws(&c);
						if (c.p < c.e && *c.p == ',') {
							c.p++;
							continue;
						}
						if (c.p < c.e && *c.p == ']') {
							c.p++;
							break;
						}
						r = file_err(&c, "expected ',' or ']'");
						goto out;
					}
				}
			} else if ((r = skip_value(&c, 1)) != HD_OK) {
				goto out;
			}
			ws(&c);
			if (c.p < c.e && *c.p == ',') {
				c.p++;
				continue;
			}
			if (c.p < c.e && *c.p == '}') {
				c.p++;
				break;
			}
			r = file_err(&c, "expected ',' or '}'");
			goto out;
		}
	}
	ws(&c);
	if (c.p < c.e) {
		r = file_err(&c, "trailing characters after the object");
		goto out;
	}
	out->use_auto = !found;
out:
	if (r)
		hd_jpaths_free(out);
	return r;
}
