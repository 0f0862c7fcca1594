/*
 * lex.c — the COPY statement lexer: bytes in, an array of tokens out (see copy_int.h for the token contract).
 *
 * Rules follow PostgreSQL's scanner for the parts a COPY statement uses:
 *   - white space and comments (-- to end of line, nested block comments) separate tokens;
 *   - plain identifiers [A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]* fold ASCII letters to lower case;
 *   - "quoted identifiers" keep their case, "" stands for one ", and may not be empty;
 *   - identifiers longer than HD_MAX_IDENT (63) bytes are an error (PostgreSQL truncates them; a COPY into a silently
 *     different table is worse than a clear error);
 *   - '…' strings with '' doubling (standard_conforming_strings: a backslash is an ordinary byte, so the option
 *     parser can see Redshift escapes such as '\t' and '\0' verbatim), E'…' strings with backslash escapes,
 *     and $tag$…$tag$ dollar-quoted strings;
 *   - numbers are unsigned runs of decimal digits; everything else is a one-byte punctuation token.
 * A NUL byte in the statement is an error, so every decoded text is a proper C string except E'…' strings that
 * spell a NUL themselves (the parser decides where that is allowed).
 *
 * Memory: the token array and every token's text are heap-allocated and freed by hd_copy_toklist_free(); the
 * statement is capped at HD_MAX_STATEMENT bytes, so the array is bounded too.
 */
#include "copy/copy_int.h"
#include "common/chars.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/sys.h"

size_t
hd_copy_dollar_tag(const char *s, size_t len, size_t pos)
{
	size_t i;

	if (pos >= len || s[pos] != '$')
		return 0;
	i = pos + 1;
	if (i < len && s[i] == '$')
		return 2;
	if (i >= len || !hd_copy_is_ident_start((unsigned char)s[i]))
		return 0;
	while (i < len && s[i] != '$') {
		unsigned char c = (unsigned char)s[i];
		/* PostgreSQL: tags are identifier characters except '$' */
		if (!(hd_copy_is_ident_char(c)))
			return 0;
		i++;
	}
	if (i >= len)
		return 0;
	return i + 1 - pos;
}

size_t
hd_copy_skip_blank(const char *s, size_t len, size_t pos, bool *unterminated, size_t *comment_start)
{
	if (unterminated)
		*unterminated = false;
	while (pos < len) {
		unsigned char c = (unsigned char)s[pos];
		if (hd_copy_is_space(c)) {
			pos++;
		} else if (c == '-' && pos + 1 < len && s[pos + 1] == '-') {
			const char *nl = memchr(s + pos, '\n', len - pos);
			pos = nl ? (size_t)(nl - s) + 1 : len;
		} else if (c == '/' && pos + 1 < len && s[pos + 1] == '*') {
			size_t start = pos, depth = 1;
			pos += 2;
			while (pos < len && depth > 0) {
				if (s[pos] == '/' && pos + 1 < len && s[pos + 1] == '*') {
					depth++;
					pos += 2;
				} else if (s[pos] == '*' && pos + 1 < len && s[pos + 1] == '/') {
					depth--;
					pos += 2;
				} else {
					pos++;
				}
			}
			if (depth > 0) {
				if (unterminated)
					*unterminated = true;
				if (comment_start)
					*comment_start = start;
				return len;
			}
		} else {
			break;
		}
	}
	return pos;
}

size_t
hd_copy_quote_end(const char *s, size_t len, size_t pos, char q, bool escape)
{
	size_t i = pos + 1;

	while (i < len) {
		if (escape && s[i] == '\\') {
			i += 2;
			continue;
		}
		if (s[i] == q) {
			if (i + 1 < len && s[i + 1] == q) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
	return 0;
}

static hd_code
push(hd_toklist *tl, const hd_token *t)
{
	if (tl->n == tl->cap) {
		size_t nc = tl->cap ? tl->cap * 2 : 32;
		hd_token *nv;
		if (nc > SIZE_MAX / sizeof *nv)
			return HD_ERR_NOMEM;
		nv = hd_realloc(tl->v, nc * sizeof *nv);
		if (!nv)
			return HD_ERR_NOMEM;
		tl->v = nv;
		tl->cap = nc;
	}
	tl->v[tl->n++] = *t;
	return HD_OK;
}

void
hd_copy_toklist_free(hd_toklist *tl)
{
	size_t i;

	if (!tl)
		return;
	for (i = 0; i < tl->n; i++)
		free(tl->v[i].text);
	free(tl->v);
	tl->v = NULL;
	tl->n = tl->cap = 0;
}


/* Decode the body of E'…' (between the quotes) into b. */
static hd_code
decode_estring(const char *s, size_t len, hd_buf *b)
{
	size_t i = 0;
	hd_code r;

	while (i < len) {
		char c = s[i];
		if (c == '\'' && i + 1 < len && s[i + 1] == '\'') {
			i += 2;
		} else if (c == '\\' && i + 1 < len) {
			char e = s[i + 1];
			i += 2;
			switch (e) {
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'x': {
				int v = 0, k;
				for (k = 0; k < 2 && i < len && hd_hexval((unsigned char)s[i]) >= 0; k++, i++)
					v = v * 16 + hd_hexval((unsigned char)s[i]);
				c = k ? (char)v : 'x';
				break;
			}
			default:
				if (e >= '0' && e <= '7') {
					int v = e - '0', k;
					for (k = 1; k < 3 && i < len && s[i] >= '0' && s[i] <= '7'; k++, i++)
						v = v * 8 + (s[i] - '0');
					c = (char)(v & 0xff);
				} else {
					c = e;
				}
				break;
			}
		} else {
			i++;
		}
		if ((r = hd_buf_append(b, &c, 1)) != HD_OK)
			return r;
	}
	return HD_OK;
}

/* Copy s[0..len) into b, turning each doubled q into one. */
static hd_code
undouble(const char *s, size_t len, char q, hd_buf *b)
{
	size_t i = 0, start = 0;
	hd_code r;

	while (i < len) {
		if (s[i] == q && i + 1 < len && s[i + 1] == q) {
			if ((r = hd_buf_append(b, s + start, i + 1 - start)) != HD_OK)
				return r;
			i += 2;
			start = i;
		} else {
			i++;
		}
	}
	return hd_buf_append(b, s + start, len - start);
}

/* Move b's bytes into t->text (NUL-terminated). b is left empty. */
static hd_code
take(hd_buf *b, hd_token *t)
{
	hd_code r = hd_buf_cstr(b);
	if (r)
		return r;
	t->text = b->data;
	t->len = b->len;
	hd_buf_init(b, b->cap);
	return HD_OK;
}

static hd_code
alloc_failed(hd_err *err, hd_code r)
{
	return hd_err_set(err, r, r == HD_ERR_NOMEM ? "out of memory" : "statement too long");
}

hd_code
hd_copy_lex(const char *sql, size_t len, hd_toklist *out, hd_err *err)
{
	hd_buf b;
	hd_token t;
	size_t pos = 0;
	hd_code r = HD_OK;

	hd_buf_init(&b, HD_MAX_STATEMENT);
	out->v = NULL;
	out->n = out->cap = 0;
	memset(&t, 0, sizeof t);
	if (len > HD_MAX_STATEMENT) {
		r = hd_err_set(err, HD_ERR_LIMIT, "statement too long: %zu bytes (the limit is %u)", len,
			       (unsigned)HD_MAX_STATEMENT);
		goto out;
	}
	{
		const char *nul = memchr(sql, '\0', len);
		if (nul) {
			r = hd_err_set(err, HD_ERR_SYNTAX, "invalid byte 0x00 in statement (at position %zu)",
				       (size_t)(nul - sql));
			goto out;
		}
	}
	for (;;) {
		bool unterminated;
		size_t cstart = 0, start;
		unsigned char c;

		pos = hd_copy_skip_blank(sql, len, pos, &unterminated, &cstart);
		if (unterminated) {
			r = hd_err_set(err, HD_ERR_SYNTAX, "unterminated /* comment (at position %zu)", cstart);
			goto out;
		}
		memset(&t, 0, sizeof t);
		t.pos = start = pos;
		if (pos >= len) {
			t.kind = HD_TK_EOF;
			t.end = len;
			if ((r = push(out, &t)) != HD_OK)
				{ r = alloc_failed(err, r); goto out; }
			break;
		}
		c = (unsigned char)sql[pos];
		/* E'…' only where an identifier could start, the same test script.c makes */
		if ((c == 'E' || c == 'e') && pos + 1 < len && sql[pos + 1] == '\'' &&
		    !(pos > 0 && hd_copy_is_ident_char((unsigned char)sql[pos - 1]))) {
			size_t end = hd_copy_quote_end(sql, len, pos + 1, '\'', true);
			if (!end) {
				r = hd_err_set(err, HD_ERR_SYNTAX, "unterminated quoted string (at position %zu)", start);
				goto out;
			}
			t.kind = HD_TK_STRING;
			if ((r = decode_estring(sql + pos + 2, end - 1 - (pos + 2), &b)) != HD_OK)
				{ r = alloc_failed(err, r); goto out; }
			pos = end;
		} else if (hd_copy_is_ident_start(c)) {
			size_t i;
			while (pos < len && hd_copy_is_ident_char((unsigned char)sql[pos]))
				pos++;
			if (pos - start > HD_MAX_IDENT) {
				r = hd_err_set(err, HD_ERR_SYNTAX, "identifier too long: %zu bytes (the limit is %d) (at position %zu)",
					       pos - start, HD_MAX_IDENT, start);
				goto out;
			}
			t.kind = HD_TK_IDENT;
			if ((r = hd_buf_append(&b, sql + start, pos - start)) != HD_OK)
				{ r = alloc_failed(err, r); goto out; }
			for (i = 0; i < b.len; i++)
				if (b.data[i] >= 'A' && b.data[i] <= 'Z')
					b.data[i] = (char)(b.data[i] - 'A' + 'a');
		} else if (c == '"') {
			size_t end = hd_copy_quote_end(sql, len, pos, '"', false);
			if (!end) {
				r = hd_err_set(err, HD_ERR_SYNTAX, "unterminated quoted identifier (at position %zu)", start);
				goto out;
			}
			t.kind = HD_TK_QIDENT;
			if ((r = undouble(sql + pos + 1, end - 1 - (pos + 1), '"', &b)) != HD_OK)
				{ r = alloc_failed(err, r); goto out; }
			if (b.len == 0) {
				r = hd_err_set(err, HD_ERR_SYNTAX, "zero-length delimited identifier (at position %zu)", start);
				goto out;
			}
			if (b.len > HD_MAX_IDENT) {
				r = hd_err_set(err, HD_ERR_SYNTAX, "identifier too long: %zu bytes (the limit is %d) (at position %zu)",
					       b.len, HD_MAX_IDENT, start);
				goto out;
			}
			pos = end;
		} else if (c == '\'') {
			size_t end = hd_copy_quote_end(sql, len, pos, '\'', false);
			if (!end) {
				r = hd_err_set(err, HD_ERR_SYNTAX, "unterminated quoted string (at position %zu)", start);
				goto out;
			}
			t.kind = HD_TK_STRING;
			if ((r = undouble(sql + pos + 1, end - 1 - (pos + 1), '\'', &b)) != HD_OK)
				{ r = alloc_failed(err, r); goto out; }
			pos = end;
		} else if (c == '$' && !(pos > 0 && hd_copy_is_ident_char((unsigned char)sql[pos - 1])) &&
			   hd_copy_dollar_tag(sql, len, pos)) {
			size_t tl = hd_copy_dollar_tag(sql, len, pos), i = pos + tl;
			const char *close = NULL;
			while (i + tl <= len) {
				if (sql[i] == '$' && memcmp(sql + i, sql + pos, tl) == 0) {
					close = sql + i;
					break;
				}
				i++;
			}
			if (!close) {
				r = hd_err_set(err, HD_ERR_SYNTAX, "unterminated dollar-quoted string (at position %zu)", start);
				goto out;
			}
			t.kind = HD_TK_STRING;
			if ((r = hd_buf_append(&b, sql + pos + tl, (size_t)(close - sql) - (pos + tl))) != HD_OK)
				{ r = alloc_failed(err, r); goto out; }
			pos = (size_t)(close - sql) + tl;
		} else if (c >= '0' && c <= '9') {
			while (pos < len && sql[pos] >= '0' && sql[pos] <= '9')
				pos++;
			t.kind = HD_TK_NUMBER;
			if ((r = hd_buf_append(&b, sql + start, pos - start)) != HD_OK)
				{ r = alloc_failed(err, r); goto out; }
		} else {
			t.kind = HD_TK_PUNCT;
			t.punct = (char)c;
			pos++;
		}
		t.end = pos;
		if (t.kind != HD_TK_PUNCT && (r = take(&b, &t)) != HD_OK)
			{ r = alloc_failed(err, r); goto out; }
		if ((r = push(out, &t)) != HD_OK) {
			free(t.text);
			r = alloc_failed(err, r);
			goto out;
		}
		hd_buf_reset(&b);
	}
out:
	hd_buf_free(&b);
	if (r)
		hd_copy_toklist_free(out);
	return r;
}
