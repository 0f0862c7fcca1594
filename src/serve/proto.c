/*
 * proto.c — checking and encoding PostgreSQL protocol v3 messages for `hdcopy serve` (see proto.h).
 *
 * Every reader works on (pointer, size) it is given and bounds every step by that size; declared lengths are only
 * compared, never used to index before the comparison. Strings are read with memchr over the remaining bytes.
 */
#include "serve/proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/sys.h"

static hd_code
violation(hd_err *err, const char *what)
{
	if (err) {
		err->code = HD_ERR_SYNTAX;
		snprintf(err->msg, sizeof err->msg, "protocol violation: %s", what);
	}
	return HD_ERR_SYNTAX;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

hd_code
hd_pgp_startup_header(const uint8_t *p, size_t n, uint32_t *len, uint32_t *code, hd_err *err)
{
	if (n < 8)
		return violation(err, "short startup packet");
	*len = be32(p);
	*code = be32(p + 4);
	if (*len < 8 || *len > HD_PGP_STARTUP_MAX)
		return violation(err, "invalid length of startup packet");
	if ((*code == HD_PGP_SSLREQ || *code == HD_PGP_GSSREQ) && *len != 8)
		return violation(err, "invalid length of an encryption request");
	if (*code == HD_PGP_CANCEL && *len != 16)
		return violation(err, "invalid length of a cancel request");
	return HD_OK;
}

/* The NUL-terminated string at body[*pos..n); advances *pos past its NUL. */
static const char *
cstring(const uint8_t *body, size_t n, size_t *pos)
{
	const uint8_t *e;
	const char *s;
	if (*pos >= n)
		return NULL;
	e = memchr(body + *pos, 0, n - *pos);
	if (!e)
		return NULL;
	s = (const char *)body + *pos;
	*pos = (size_t)(e - body) + 1;
	return s;
}

hd_code
hd_pgp_startup_params(const uint8_t *body, size_t n, hd_pgp_startup *out, hd_err *err)
{
	size_t pos = 0;

	memset(out, 0, sizeof *out);
	for (;;) {
		const char *name, *value;
		if (pos < n && body[pos] == 0) {
			pos++;
			break;
		}
		if (!(name = cstring(body, n, &pos)) || !(value = cstring(body, n, &pos)))
			return violation(err, "unterminated startup parameter");
		if (strcmp(name, "user") == 0 || strcmp(name, "database") == 0) {
			char *dst = name[0] == 'u' ? out->user : out->database;
			if (strlen(value) >= HD_PGP_NAME_MAX)
				return violation(err, "startup parameter too long");
			memcpy(dst, value, strlen(value) + 1);
		}
	}
	if (pos != n)
		return violation(err, "bytes after the startup parameters");
	if (!out->user[0])
		return violation(err, "no PostgreSQL user name specified in startup packet");
	return HD_OK;
}

hd_code
hd_pgp_header(const uint8_t *p, size_t n, char *type, uint32_t *len, hd_err *err)
{
	if (n < 5)
		return violation(err, "short message header");
	*type = (char)p[0];
	*len = be32(p + 1);
	if (*len < 4 || *len > HD_PGP_MSG_MAX)
		return violation(err, "invalid message length");
	return HD_OK;
}

hd_code
hd_pgp_query(const uint8_t *body, size_t n, const char **sql, size_t *len, hd_err *err)
{
	const uint8_t *e = n ? memchr(body, 0, n) : NULL;
	if (!e || (size_t)(e - body) != n - 1)
		return violation(err, "malformed Query message");
	*sql = (const char *)body;
	*len = n - 1;
	return HD_OK;
}

hd_code
hd_pgp_ready(const uint8_t *body, size_t n, char *status, hd_err *err)
{
	if (n != 1 || (body[0] != 'I' && body[0] != 'T' && body[0] != 'E'))
		return violation(err, "malformed ReadyForQuery message");
	*status = (char)body[0];
	return HD_OK;
}

hd_code
hd_pgp_tag(const uint8_t *body, size_t n, const char **tag, hd_err *err)
{
	size_t pos = 0;
	if (!(*tag = cstring(body, n, &pos)) || pos != n)
		return violation(err, "malformed CommandComplete message");
	return HD_OK;
}

hd_code
hd_pgp_backend_key(const uint8_t *body, size_t n, uint32_t *pid, uint32_t *key, hd_err *err)
{
	if (n != 8)
		return violation(err, "malformed BackendKeyData message");
	*pid = be32(body);
	*key = be32(body + 4);
	return HD_OK;
}

hd_code
hd_pgp_datarow_col(const uint8_t *body, size_t n, int col, char *buf, size_t bufn, bool *isnull, hd_err *err)
{
	size_t pos = 2;
	int ncols;

	if (n < 2)
		return violation(err, "malformed DataRow message");
	ncols = (int)((unsigned)body[0] << 8 | body[1]);
	if (col < 0 || col >= ncols)
		return violation(err, "DataRow has too few columns");
	for (int i = 0; i < ncols; i++) {
		uint32_t len;
		if (n - pos < 4)
			return violation(err, "malformed DataRow message");
		len = be32(body + pos);
		pos += 4;
		if (len == 0xffffffffu) {
			if (i == col) {
				*isnull = true;
				buf[0] = 0;
				return HD_OK;
			}
			continue;
		}
		if (len > n - pos)
			return violation(err, "DataRow value longer than its message");
		if (i == col) {
			if (len >= bufn || memchr(body + pos, 0, len))
				return violation(err, "DataRow value too long");
			memcpy(buf, body + pos, len);
			buf[len] = 0;
			*isnull = false;
			return HD_OK;
		}
		pos += len;
	}
	return violation(err, "malformed DataRow message");
}

hd_code
hd_pgp_field(const uint8_t *body, size_t n, char code, const char **value, hd_err *err)
{
	size_t pos = 0;

	*value = NULL;
	for (;;) {
		char c;
		const char *v;
		if (pos >= n)
			return violation(err, "unterminated error fields");
		c = (char)body[pos++];
		if (c == 0)
			break;
		if (!(v = cstring(body, n, &pos)))
			return violation(err, "unterminated error field");
		if (c == code && !*value)
			*value = v;
	}
	if (pos != n)
		return violation(err, "bytes after the error fields");
	return HD_OK;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

hd_code
hd_pgp_parse(const uint8_t *body, size_t n, const char **name, const char **query, size_t *qlen, int *nparams,
             hd_err *err)
{
	size_t pos = 0;
	uint16_t k;

	if (!(*name = cstring(body, n, &pos)) || !(*query = cstring(body, n, &pos)))
		return violation(err, "malformed Parse message");
	*qlen = pos - (size_t)((const uint8_t *)*query - body) - 1;
	if (n - pos < 2)
		return violation(err, "malformed Parse message");
	k = be16(body + pos);
	pos += 2;
	if ((n - pos) / 4 < k || n - pos != (size_t)k * 4)
		return violation(err, "malformed Parse message");
	*nparams = k;
	return HD_OK;
}

bool
hd_pgp_bind_names(const uint8_t *body, size_t n, const char **portal, const char **stmt)
{
	size_t pos = 0;
	return (*portal = cstring(body, n, &pos)) != NULL && (*stmt = cstring(body, n, &pos)) != NULL;
}

/* A list of int16 format codes at *pos: its count in *k. */
static bool
formats(const uint8_t *body, size_t n, size_t *pos, uint16_t *k)
{
	if (n - *pos < 2)
		return false;
	*k = be16(body + *pos);
	*pos += 2;
	if ((n - *pos) / 2 < *k)
		return false;
	*pos += (size_t)*k * 2;
	return true;
}

hd_code
hd_pgp_bind(const uint8_t *body, size_t n, const char **portal, const char **stmt, int *nparams, hd_err *err)
{
	size_t pos = 0;
	uint16_t nf, np, nr;

	if (!(*portal = cstring(body, n, &pos)) || !(*stmt = cstring(body, n, &pos)) || !formats(body, n, &pos, &nf) ||
	    n - pos < 2)
		return violation(err, "malformed Bind message");
	np = be16(body + pos);
	pos += 2;
	if (nf > 1 && nf != np)
		return violation(err, "Bind has a format count that is neither 0, 1 nor the parameter count");
	for (uint16_t i = 0; i < np; i++) {
		uint32_t len;
		if (n - pos < 4)
			return violation(err, "malformed Bind message");
		len = be32(body + pos);
		pos += 4;
		if (len == 0xffffffffu)
			continue;
		if (len > n - pos)
			return violation(err, "Bind parameter longer than its message");
		pos += len;
	}
	if (!formats(body, n, &pos, &nr) || pos != n)
		return violation(err, "malformed Bind message");
	*nparams = np;
	return HD_OK;
}

hd_code
hd_pgp_target(const uint8_t *body, size_t n, char *kind, const char **name, hd_err *err)
{
	size_t pos = 1;
	if (n < 2 || (body[0] != 'S' && body[0] != 'P') || !(*name = cstring(body, n, &pos)) || pos != n)
		return violation(err, "malformed Describe or Close message");
	*kind = (char)body[0];
	return HD_OK;
}

hd_code
hd_pgp_execute(const uint8_t *body, size_t n, const char **portal, uint32_t *maxrows, hd_err *err)
{
	size_t pos = 0;
	if (!(*portal = cstring(body, n, &pos)) || n - pos != 4)
		return violation(err, "malformed Execute message");
	*maxrows = be32(body + pos);
	return HD_OK;
}

/* ---- building ---------------------------------------------------------------------------------------------------- */

void
hd_pgp_buf_free(hd_pgp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static hd_code
put(hd_pgp_buf *b, const void *p, size_t n)
{
	size_t max = b->max ? b->max : HD_PGP_INSPECT_MAX;
	if (n > max - b->len || b->len > max)
		return HD_ERR_LIMIT;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *d;
		while (cap < b->len + n)
			cap *= 2;
		if (!(d = hd_realloc(b->data, cap)))
			return HD_ERR_NOMEM;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return HD_OK;
}

/* Start a message of type t; returns the offset of its length field (patched by end()). */
static hd_code
begin(hd_pgp_buf *b, char t, size_t *at)
{
	static const uint8_t zero[4];
	hd_code r = put(b, &t, 1);
	*at = b->len;
	return r ? r : put(b, zero, 4);
}

static void
end(hd_pgp_buf *b, size_t at)
{
	uint32_t len = (uint32_t)(b->len - at);
	b->data[at] = (uint8_t)(len >> 24);
	b->data[at + 1] = (uint8_t)(len >> 16);
	b->data[at + 2] = (uint8_t)(len >> 8);
	b->data[at + 3] = (uint8_t)len;
}

static hd_code
put_str(hd_pgp_buf *b, const char *s)
{
	return put(b, s, strlen(s) + 1);
}

static hd_code
put_field(hd_pgp_buf *b, char code, const char *v)
{
	hd_code r = put(b, &code, 1);
	return r ? r : put_str(b, v);
}

hd_code
hd_pgp_put_notice(hd_pgp_buf *b, char type, const char *severity, const char *sqlstate, const char *message,
                  const char *detail)
{
	size_t at, mark = b->len;
	hd_code r;

	if ((r = begin(b, type, &at)) || (r = put_field(b, 'S', severity)) || (r = put_field(b, 'V', severity)) ||
	    (r = put_field(b, 'C', sqlstate)) || (r = put_field(b, 'M', message)) ||
	    (detail && (r = put_field(b, 'D', detail))) || (r = put(b, "", 1))) {
		b->len = mark; /* never leave half a message */
		return r;
	}
	end(b, at);
	return HD_OK;
}

/* A message whose body is n bytes at body (none when n is 0): whole, or not at all. */
static hd_code
put_msg(hd_pgp_buf *b, char type, const void *body, size_t n)
{
	size_t at, mark = b->len;
	hd_code r;
	if ((r = begin(b, type, &at)) || (n && (r = put(b, body, n)))) {
		b->len = mark;
		return r;
	}
	end(b, at);
	return HD_OK;
}

hd_code
hd_pgp_put_complete(hd_pgp_buf *b, const char *tag)
{
	return put_msg(b, 'C', tag, strlen(tag) + 1);
}

hd_code
hd_pgp_put_ready(hd_pgp_buf *b, char status)
{
	return put_msg(b, 'Z', &status, 1);
}

hd_code
hd_pgp_put_query(hd_pgp_buf *b, const char *sql)
{
	return put_msg(b, 'Q', sql, strlen(sql) + 1);
}

hd_code
hd_pgp_put_empty(hd_pgp_buf *b, char type)
{
	return put_msg(b, type, NULL, 0);
}

hd_code
hd_pgp_put_noparams(hd_pgp_buf *b)
{
	static const uint8_t zero[2];
	return put_msg(b, 't', zero, 2);
}

const char *
hd_pgp_sqlstate(hd_code code)
{
	switch (code) {
	case HD_ERR_NOMEM: return "53200";       /* out_of_memory */
	case HD_ERR_USAGE:
	case HD_ERR_SYNTAX: return "42601";      /* syntax_error */
	case HD_ERR_UNSUPPORTED: return "0A000"; /* feature_not_supported */
	case HD_ERR_NOTFOUND: return "58P01";    /* undefined_file */
	case HD_ERR_IO: return "58030";          /* io_error */
	case HD_ERR_PRIVILEGE: return "42501";   /* insufficient_privilege */
	case HD_ERR_TABLE: return "42P01";       /* undefined_table */
	case HD_ERR_LIMIT: return "54000";       /* program_limit_exceeded */
	case HD_ERR_CANCELED: return "57014";    /* query_canceled */
	case HD_ERR_LOAD:                        /* Redshift reports load failures as XX000 */
	case HD_ERR_TARGET:
	case HD_ERR_INTERNAL:
	default: return "XX000";
	}
}
