/*
 * hjson.c — the strict bounded JSON parser of hjson.h (WebHDFS FileStatus / RemoteException / Location answers,
 * JMX NameNodeInfo).
 *
 * One pass over the text with an explicit stack of open containers (HD_MAX_HJSON_DEPTH); each value becomes one
 * token appended to an array that grows by doubling up to max_tokens. Strings are validated (escapes, no raw
 * control characters) but not decoded; numbers follow the JSON grammar exactly. Nothing here recurses, and every
 * loop moves forward through the text, so hostile input costs O(len) time and O(min(len, max_tokens)) memory.
 */
#include "source/hjson.h"
#include "common/chars.h"

#include <stdlib.h>
#include <string.h>
#include "common/sys.h"

typedef struct parser {
	const char *s;
	size_t len, pos;
	hd_hjson *j;
	uint32_t cap, max;
	uint32_t stack[HD_MAX_HJSON_DEPTH];
	int depth;
} parser;

static hd_code
bad(parser *p, hd_err *err, const char *what)
{
	return hd_err_set(err, HD_ERR_IO, "malformed JSON at byte %zu: %s", p->pos, what);
}

static void
skip_ws(parser *p)
{
	while (p->pos < p->len &&
	       (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

/* Append a token as a child of the open container (if any). */
static hd_code
add(parser *p, hd_hj_type type, size_t start, size_t end, uint32_t *idx, hd_err *err)
{
	hd_hjson *j = p->j;
	if (j->n == p->max)
		return hd_err_set(err, HD_ERR_LIMIT, "JSON answer has more than %u values", p->max);
	if (j->n == p->cap) {
		uint32_t nc = p->cap ? p->cap * 2 : 64;
		hd_hj_tok *nt;
		if (nc > p->max)
			nc = p->max;
		if (!(nt = hd_realloc(j->t, (size_t)nc * sizeof *nt)))
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory parsing JSON");
		j->t = nt;
		p->cap = nc;
	}
	j->t[j->n] = (hd_hj_tok){ .type = (uint8_t)type, .start = (uint32_t)start, .end = (uint32_t)end, .count = 0,
	                          .next = j->n + 1 };
	if (p->depth > 0)
		j->t[p->stack[p->depth - 1]].count++;
	*idx = j->n++;
	return HD_OK;
}


/* At an opening quote: validate the string; p->pos ends past the closing quote. */
static hd_code
scan_string(parser *p, uint32_t *idx, hd_err *err)
{
	size_t start = ++p->pos;
	while (p->pos < p->len) {
		unsigned char c = (unsigned char)p->s[p->pos];
		if (c == '"') {
			hd_code r = add(p, HD_HJ_STRING, start, p->pos, idx, err);
			p->pos++;
			return r;
		}
		if (c < 0x20)
			return bad(p, err, "control character in a string");
		if (c == '\\') {
			if (p->pos + 1 >= p->len)
				break;
			c = (unsigned char)p->s[p->pos + 1];
			if (c == 'u') {
				if (p->pos + 6 > p->len)
					break;
				for (int k = 2; k < 6; k++)
					if (hd_hexval((unsigned char)p->s[p->pos + (size_t)k]) < 0)
						return bad(p, err, "bad \\u escape");
				p->pos += 6;
				continue;
			}
			if (!strchr("\"\\/bfnrt", c) || c == '\0')
				return bad(p, err, "bad escape");
			p->pos += 2;
			continue;
		}
		p->pos++;
	}
	return bad(p, err, "unterminated string");
}

static bool
digit(const parser *p)
{
	return p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9';
}

static hd_code
scan_number(parser *p, uint32_t *idx, hd_err *err)
{
	size_t start = p->pos;
	if (p->s[p->pos] == '-')
		p->pos++;
	if (!digit(p))
		return bad(p, err, "bad number");
	if (p->s[p->pos] == '0')
		p->pos++;
	else
		while (digit(p))
			p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (!digit(p))
			return bad(p, err, "bad number");
		while (digit(p))
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (!digit(p))
			return bad(p, err, "bad number");
		while (digit(p))
			p->pos++;
	}
	return add(p, HD_HJ_NUMBER, start, p->pos, idx, err);
}

static hd_code
scan_word(parser *p, const char *w, hd_hj_type type, uint32_t *idx, hd_err *err)
{
	size_t n = strlen(w);
	if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0)
		return bad(p, err, "unexpected character");
	p->pos += n;
	return add(p, type, p->pos - n, p->pos, idx, err);
}

/* Close the innermost container at p->pos (its closer). */
static void
close_container(parser *p)
{
	uint32_t c = p->stack[--p->depth];
	p->j->t[c].end = (uint32_t)(p->pos + 1);
	p->j->t[c].next = p->j->n;
	p->pos++;
}

hd_code
hd_hjson_parse(const char *text, size_t len, uint32_t max_tokens, hd_hjson *out, hd_err *err)
{
	enum { VALUE, KEY, KEY_OR_CLOSE, VALUE_OR_CLOSE, AFTER } st = VALUE;
	parser p = { .s = text, .len = len, .pos = 0, .j = out, .cap = 0, .max = max_tokens, .depth = 0 };
	hd_code r = HD_OK;
	uint32_t idx;

	out->text = text;
	out->t = NULL;
	out->n = 0;
	if (len >= UINT32_MAX)
		return hd_err_set(err, HD_ERR_LIMIT, "JSON answer is larger than 4 GiB");
	if (max_tokens == 0)
		return hd_err_set(err, HD_ERR_LIMIT, "JSON answer has more than 0 values");
	for (;;) {
		skip_ws(&p);
		if (st == AFTER) {
			if (p.depth == 0)
				break;
			if (p.pos >= len) {
				r = bad(&p, err, "unexpected end");
				goto fail;
			}
			{
				bool obj = out->t[p.stack[p.depth - 1]].type == HD_HJ_OBJECT;
				char c = text[p.pos];
				if (c == ',') {
					p.pos++;
					st = obj ? KEY : VALUE;
				} else if (c == (obj ? '}' : ']')) {
					close_container(&p);
				} else {
					r = bad(&p, err, "expected ',' or the end of the container");
					goto fail;
				}
			}
			continue;
		}
		if (p.pos >= len) {
			r = bad(&p, err, "unexpected end");
			goto fail;
		}
		if (st == KEY_OR_CLOSE || st == VALUE_OR_CLOSE) {
			if (text[p.pos] == (st == KEY_OR_CLOSE ? '}' : ']')) {
				close_container(&p);
				st = AFTER;
				continue;
			}
			st = st == KEY_OR_CLOSE ? KEY : VALUE;
		}
		if (st == KEY) {
			if (text[p.pos] != '"') {
				r = bad(&p, err, "expected a member name");
				goto fail;
			}
			if ((r = scan_string(&p, &idx, err)) != HD_OK)
				goto fail;
			skip_ws(&p);
			if (p.pos >= len || text[p.pos] != ':') {
				r = bad(&p, err, "expected ':'");
				goto fail;
			}
			p.pos++;
			st = VALUE;
			continue;
		}
		/* st == VALUE */
		switch (text[p.pos]) {
		case '{':
		case '[': {
			bool obj = text[p.pos] == '{';
			if (p.depth == HD_MAX_HJSON_DEPTH) {
				r = hd_err_set(err, HD_ERR_LIMIT, "JSON answer nested more than %d deep", HD_MAX_HJSON_DEPTH);
				goto fail;
			}
			if ((r = add(&p, obj ? HD_HJ_OBJECT : HD_HJ_ARRAY, p.pos, p.pos + 1, &idx, err)) != HD_OK)
				goto fail;
			p.stack[p.depth++] = idx;
			p.pos++;
			st = obj ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
			continue;
		}
		case '"': r = scan_string(&p, &idx, err); break;
		case 't': r = scan_word(&p, "true", HD_HJ_TRUE, &idx, err); break;
		case 'f': r = scan_word(&p, "false", HD_HJ_FALSE, &idx, err); break;
		case 'n': r = scan_word(&p, "null", HD_HJ_NULL, &idx, err); break;
		default:
			if (text[p.pos] == '-' || (text[p.pos] >= '0' && text[p.pos] <= '9'))
				r = scan_number(&p, &idx, err);
			else
				r = bad(&p, err, "unexpected character");
			break;
		}
		if (r != HD_OK)
			goto fail;
		st = AFTER;
	}
	if (p.pos != len) {
		r = bad(&p, err, "text after the value");
		goto fail;
	}
	return HD_OK;
fail:
	hd_hjson_free(out);
	return r;
}

void
hd_hjson_free(hd_hjson *j)
{
	if (!j)
		return;
	free(j->t);
	j->t = NULL;
	j->n = 0;
}

bool
hd_hjson_is(const hd_hjson *j, int i, hd_hj_type type)
{
	return i >= 0 && (uint32_t)i < j->n && j->t[i].type == type;
}

static size_t
put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static uint32_t
hex4(const char *s)
{
	uint32_t v = 0;
	for (int k = 0; k < 4; k++)
		v = v << 4 | (uint32_t)hd_hexval((unsigned char)s[k]);
	return v;
}

/* Decode a validated string body [p, e) into o (room for e - p bytes: decoding never grows a JSON string, a lone
 * surrogate's replacement character included: 6 bytes of escape become 3). Returns the length. */
static size_t
decode(const char *p, const char *e, char *o)
{
	size_t n = 0;
	while (p < e) {
		if (*p != '\\') {
			o[n++] = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'b': o[n++] = '\b'; p++; break;
		case 'f': o[n++] = '\f'; p++; break;
		case 'n': o[n++] = '\n'; p++; break;
		case 'r': o[n++] = '\r'; p++; break;
		case 't': o[n++] = '\t'; p++; break;
		case 'u': {
			uint32_t cp = hex4(p + 1);
			p += 5;
			if (cp >= 0xD800 && cp <= 0xDBFF && e - p >= 6 && p[0] == '\\' && p[1] == 'u') {
				uint32_t lo = hex4(p + 2);
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				}
			}
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD; /* a lone surrogate */
			n += put_utf8(o + n, cp);
			break;
		}
		default: o[n++] = *p++; break; /* " \ / */
		}
	}
	return n;
}

long
hd_hjson_str(const hd_hjson *j, int i, char *buf, size_t cap)
{
	const hd_hj_tok *t;
	size_t raw, n;
	char *tmp;

	if (!hd_hjson_is(j, i, HD_HJ_STRING) || cap == 0)
		return -1;
	t = &j->t[i];
	raw = t->end - t->start;
	if (raw < cap) {
		n = decode(j->text + t->start, j->text + t->end, buf);
		buf[n] = '\0';
		return (long)n;
	}
	/* it may still fit once decoded */
	if (!(tmp = hd_malloc(raw + 1)))
		return -1;
	n = decode(j->text + t->start, j->text + t->end, tmp);
	if (n >= cap) {
		free(tmp);
		return -1;
	}
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	free(tmp);
	return (long)n;
}

char *
hd_hjson_strdup(const hd_hjson *j, int i, size_t *len)
{
	const hd_hj_tok *t;
	char *o;
	size_t n;

	if (!hd_hjson_is(j, i, HD_HJ_STRING))
		return NULL;
	t = &j->t[i];
	if (!(o = hd_malloc((size_t)(t->end - t->start) + 1)))
		return NULL;
	n = decode(j->text + t->start, j->text + t->end, o);
	o[n] = '\0';
	if (len)
		*len = n;
	return o;
}

bool
hd_hjson_str_eq(const hd_hjson *j, int i, const char *s)
{
	const hd_hj_tok *t;
	size_t sl = strlen(s), raw;
	bool eq;
	char *d;

	if (!hd_hjson_is(j, i, HD_HJ_STRING))
		return false;
	t = &j->t[i];
	raw = t->end - t->start;
	if (!memchr(j->text + t->start, '\\', raw))
		return raw == sl && memcmp(j->text + t->start, s, sl) == 0;
	if (!(d = hd_malloc(raw + 1)))
		return false;
	eq = decode(j->text + t->start, j->text + t->end, d) == sl && memcmp(d, s, sl) == 0;
	free(d);
	return eq;
}

int
hd_hjson_get(const hd_hjson *j, int obj, const char *key)
{
	uint32_t k;

	if (!hd_hjson_is(j, obj, HD_HJ_OBJECT))
		return -1;
	k = (uint32_t)obj + 1;
	for (uint32_t c = 0; c + 2 <= j->t[obj].count; c += 2) {
		uint32_t v = j->t[k].next;
		if (hd_hjson_str_eq(j, (int)k, key))
			return (int)v;
		k = j->t[v].next;
	}
	return -1;
}

bool
hd_hjson_u64(const hd_hjson *j, int i, uint64_t *out)
{
	const char *p, *e;
	uint64_t v = 0;

	if (!hd_hjson_is(j, i, HD_HJ_NUMBER))
		return false;
	p = j->text + j->t[i].start;
	e = j->text + j->t[i].end;
	if (p == e || *p == '-')
		return false;
	for (; p < e; p++) {
		if (*p < '0' || *p > '9')
			return false; /* a fraction or an exponent */
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return true;
}
