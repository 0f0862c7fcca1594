/*
 * manifest.c — a strict, bounded reader for SSH manifests (manifest.h gives the shape).
 *
 * Stage: bytes of the manifest file in (at most HD_MAX_MANIFEST), an hd_manifest out. A recursive-descent reader of
 * one fixed shape — object { "entries": array of objects of scalars } — so nesting is bounded by construction: a
 * value of the wrong kind is an error where it starts, never a descent. Strings are decoded (escapes, \uXXXX with
 * surrogate pairs) into a scratch hd_buf capped at the field's limit, then copied out. Raw bytes must be valid
 * UTF-8 without control characters; \u0000 is refused (our strings are C strings). Every read checks the end of
 * input first: the reader never looks past text + len.
 *
 * Errors: syntax errors name the line and column ("manifest line 3, column 14: expected ':'"); shape and value errors
 * name the entry (1-based) and field ("manifest entry 2: \"endpoint\" is required").
 */
#include "source/manifest.h"
#include "common/chars.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/sys.h"

typedef struct rd {
	const char *start, *p, *end;
	hd_buf s;      /* the last string read */
	hd_err *err;
} rd;

static hd_code
fail_at(rd *r, const char *at, const char *what)
{
	int line = 1, col = 1;
	for (const char *q = r->start; q < at && q < r->end; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	if (at >= r->end)
		return hd_err_set(r->err, HD_ERR_SYNTAX, "manifest line %d, column %d: %s (the manifest ends here)", line,
		                  col, what);
	return hd_err_set(r->err, HD_ERR_SYNTAX, "manifest line %d, column %d: %s", line, col, what);
}

static void
skip_ws(rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* Consume c after white space, or fail with "expected 'c'". */
static hd_code
expect(rd *r, char c, const char *what)
{
	skip_ws(r);
	if (r->p >= r->end || *r->p != c)
		return fail_at(r, r->p, what);
	r->p++;
	return HD_OK;
}


static hd_code
read_hex4(rd *r, uint32_t *out)
{
	uint32_t v = 0;
	if (r->end - r->p < 4)
		return fail_at(r, r->p, "\\u needs four hex digits");
	for (int i = 0; i < 4; i++) {
		int h = hd_hexval((unsigned char)r->p[i]);
		if (h < 0)
			return fail_at(r, r->p + i, "\\u needs four hex digits");
		v = v << 4 | (uint32_t)h;
	}
	r->p += 4;
	*out = v;
	return HD_OK;
}

/* Length of the valid UTF-8 sequence at p (p < end, *p >= 0x80), or 0. */
static int
utf8_len(const unsigned char *p, const unsigned char *end)
{
	uint32_t c;
	int n;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07u;
	else
		return 0;
	if (end - p < n)
		return 0;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) || (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return n;
}

static void
put_utf8(hd_buf *b, uint32_t c)
{
	char u[4];
	size_t n;
	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12);
		u[1] = (char)(0x80 | (c >> 6 & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | c >> 18);
		u[1] = (char)(0x80 | (c >> 12 & 0x3f));
		u[2] = (char)(0x80 | (c >> 6 & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	hd_buf_put(b, u, n);
}

/* A JSON string into r->s (NUL-terminated, len without the NUL), at most cap bytes decoded. */
static hd_code
read_string(rd *r, size_t cap, const char *what)
{
	const char *open;
	skip_ws(r);
	if (r->p >= r->end || *r->p != '"')
		return fail_at(r, r->p, what);
	open = r->p++;
	hd_buf_reset(&r->s);
	for (;;) {
		unsigned char c;
		if (r->p >= r->end)
			return fail_at(r, open, "unterminated string");
		if (r->s.len + 4 > cap)
			return hd_err_set(r->err, HD_ERR_LIMIT, "manifest: a string is longer than %zu bytes", cap);
		if (hd_buf_reserve(&r->s, 5) != HD_OK)
			return hd_err_set(r->err, HD_ERR_NOMEM, "out of memory reading the manifest");
		c = (unsigned char)*r->p;
		if (c == '"') {
			r->p++;
			break;
		}
		if (c < 0x20)
			return fail_at(r, r->p, "control character in a string (write it as an escape)");
		if (c >= 0x80) {
			int n = utf8_len((const unsigned char *)r->p, (const unsigned char *)r->end);
			if (!n)
				return fail_at(r, r->p, "invalid UTF-8 in a string");
			hd_buf_put(&r->s, r->p, (size_t)n);
			r->p += n;
			continue;
		}
		if (c != '\\') {
			hd_buf_put(&r->s, r->p++, 1);
			continue;
		}
		if (r->end - r->p < 2)
			return fail_at(r, r->p, "unterminated escape");
		r->p++;
		switch (*r->p++) {
		case '"': hd_buf_put(&r->s, "\"", 1); break;
		case '\\': hd_buf_put(&r->s, "\\", 1); break;
		case '/': hd_buf_put(&r->s, "/", 1); break;
		case 'b': hd_buf_put(&r->s, "\b", 1); break;
		case 'f': hd_buf_put(&r->s, "\f", 1); break;
		case 'n': hd_buf_put(&r->s, "\n", 1); break;
		case 'r': hd_buf_put(&r->s, "\r", 1); break;
		case 't': hd_buf_put(&r->s, "\t", 1); break;
		case 'u': {
			const char *at = r->p - 2;
			uint32_t u, lo;
			hd_code e;
			if ((e = read_hex4(r, &u)) != HD_OK)
				return e;
			if (u >= 0xdc00 && u <= 0xdfff)
				return fail_at(r, at, "lone low surrogate in \\u escape");
			if (u >= 0xd800 && u <= 0xdbff) {
				if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
					return fail_at(r, at, "high surrogate not followed by a low one");
				r->p += 2;
				if ((e = read_hex4(r, &lo)) != HD_OK)
					return e;
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail_at(r, at, "high surrogate not followed by a low one");
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (u == 0)
				return fail_at(r, at, "\\u0000 is not allowed in a manifest string");
			put_utf8(&r->s, u);
			break;
		}
		default:
			return fail_at(r, r->p - 1, "invalid escape");
		}
	}
	if (hd_buf_cstr(&r->s) != HD_OK)
		return hd_err_set(r->err, HD_ERR_NOMEM, "out of memory reading the manifest");
	return HD_OK;
}

static bool
literal(rd *r, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return false;
	r->p += n;
	return true;
}

static hd_code
dup_string(rd *r, char **out)
{
	*out = hd_malloc(r->s.len + 1);
	if (!*out)
		return hd_err_set(r->err, HD_ERR_NOMEM, "out of memory reading the manifest");
	memcpy(*out, r->s.data, r->s.len + 1);
	return HD_OK;
}

static bool
host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
	       c == '_' || c == ':' || c == '%';
}

hd_code
hd_manifest_endpoint(const char *ep, char *host, size_t hostsz, int *port, hd_err *err)
{
	const char *h = ep, *he, *ps = NULL;
	size_t n;

	*port = 22;
	if (!ep[0])
		return hd_err_set(err, HD_ERR_SYNTAX, "is empty");
	if (ep[0] == '[') {
		h = ep + 1;
		he = strchr(h, ']');
		if (!he)
			return hd_err_set(err, HD_ERR_SYNTAX, "has '[' without ']'");
		if (he[1] == ':')
			ps = he + 2;
		else if (he[1])
			return hd_err_set(err, HD_ERR_SYNTAX, "has text after ']' that is not ':port'");
	} else {
		const char *c1 = strchr(ep, ':');
		if (c1 && !strchr(c1 + 1, ':')) { /* one ':' — host:port; two or more — a bare IPv6 address */
			he = c1;
			ps = c1 + 1;
		} else {
			he = ep + strlen(ep);
		}
	}
	n = (size_t)(he - h);
	if (n == 0)
		return hd_err_set(err, HD_ERR_SYNTAX, "has no host");
	if (n >= hostsz)
		return hd_err_set(err, HD_ERR_SYNTAX, "host is longer than %zu bytes", hostsz - 1);
	for (size_t i = 0; i < n; i++)
		if (!host_char(h[i]))
			return hd_err_set(err, HD_ERR_SYNTAX, "host holds a character no host name or address has");
	if (h[0] == '-')
		return hd_err_set(err, HD_ERR_SYNTAX, "host starts with '-'");
	if (ep[0] != '[' && memchr(h, ':', n) == NULL && memchr(h, '%', n) != NULL)
		return hd_err_set(err, HD_ERR_SYNTAX, "host holds a character no host name or address has");
	memcpy(host, h, n);
	host[n] = '\0';
	if (ps) {
		long v = 0;
		if (!*ps)
			return hd_err_set(err, HD_ERR_SYNTAX, "has ':' without a port");
		for (const char *q = ps; *q; q++) {
			if (*q < '0' || *q > '9' || q - ps >= 5)
				return hd_err_set(err, HD_ERR_SYNTAX, "port is not a number from 1 to 65535");
			v = v * 10 + (*q - '0');
		}
		if (v < 1 || v > 65535)
			return hd_err_set(err, HD_ERR_SYNTAX, "port is not a number from 1 to 65535");
		*port = (int)v;
	}
	return HD_OK;
}

static bool
valid_username(const char *u)
{
	if (!u[0] || u[0] == '-' || strlen(u) > 256)
		return false;
	for (; *u; u++) {
		char c = *u;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == '_' || c == '@'))
			return false;
	}
	return true;
}

/* "type base64 [comment]": the shape only (ssh.c lets the SSH library decode it). */
static bool
valid_publickey(const char *k)
{
	const char *sp = strchr(k, ' ');
	if (!sp || sp == k)
		return false;
	for (const char *q = k; q < sp; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-' || *q == '@' || *q == '.'))
			return false;
	sp++;
	if (!*sp || *sp == ' ')
		return false;
	for (; *sp && *sp != ' '; sp++)
		if (!((*sp >= 'A' && *sp <= 'Z') || (*sp >= 'a' && *sp <= 'z') || (*sp >= '0' && *sp <= '9') ||
		      *sp == '+' || *sp == '/' || *sp == '='))
			return false;
	return true;
}

enum { F_ENDPOINT, F_COMMAND, F_MANDATORY, F_PUBLICKEY, F_USERNAME, F_N };
static const char *const field_names[F_N] = { "endpoint", "command", "mandatory", "publickey", "username" };

static hd_code
read_entry(rd *r, int idx, hd_manifest_entry *e)
{
	bool seen[F_N] = { false };
	const char *obj = r->p;
	hd_code rc;

	skip_ws(r);
	obj = r->p;
	if ((rc = expect(r, '{', "expected an entry object '{'")) != HD_OK)
		return rc;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
	} else {
		for (;;) {
			const char *keyat;
			int f;
			skip_ws(r);
			keyat = r->p;
			if ((rc = read_string(r, 64, "expected a field name in double quotes")) != HD_OK)
				return rc;
			for (f = 0; f < F_N; f++)
				if (strcmp(r->s.data, field_names[f]) == 0)
					break;
			if (f == F_N) {
				/* Name the key when it is plain printable ASCII (it is at most 64 bytes). */
				bool plain = r->s.len > 0;
				for (size_t i = 0; i < r->s.len; i++)
					if (r->s.data[i] < 0x20 || r->s.data[i] > 0x7e || r->s.data[i] == '"')
						plain = false;
				return hd_err_set(r->err, HD_ERR_SYNTAX,
				                  "manifest entry %d: unknown field%s%s%s (the fields are endpoint, command, "
				                  "mandatory, publickey and username)",
				                  idx, plain ? " \"" : "", plain ? r->s.data : "", plain ? "\"" : "");
			}
			if (seen[f])
				return hd_err_set(r->err, HD_ERR_SYNTAX, "manifest entry %d: \"%s\" is given twice", idx,
				                  field_names[f]);
			seen[f] = true;
			(void)keyat;
			if ((rc = expect(r, ':', "expected ':'")) != HD_OK)
				return rc;
			skip_ws(r);
			if (f == F_MANDATORY) {
				if (literal(r, "true"))
					e->mandatory = true;
				else if (literal(r, "false"))
					e->mandatory = false;
				else
					return hd_err_set(r->err, HD_ERR_SYNTAX, "manifest entry %d: \"mandatory\" must be true or false",
					                  idx);
			} else {
				char **dst = f == F_ENDPOINT ? &e->endpoint : f == F_COMMAND ? &e->command
				             : f == F_PUBLICKEY ? &e->publickey : &e->username;
				if (r->p >= r->end || *r->p != '"')
					return hd_err_set(r->err, HD_ERR_SYNTAX, "manifest entry %d: \"%s\" must be a string", idx,
					                  field_names[f]);
				if ((rc = read_string(r, f == F_COMMAND ? HD_MAX_SSH_COMMAND : HD_MAX_SSH_FIELD, "")) != HD_OK) {
					if (rc == HD_ERR_LIMIT)
						hd_err_set(r->err, rc, "manifest entry %d: \"%s\" is longer than %u bytes", idx,
						           field_names[f], f == F_COMMAND ? HD_MAX_SSH_COMMAND : HD_MAX_SSH_FIELD);
					return rc;
				}
				if ((rc = dup_string(r, dst)) != HD_OK)
					return rc;
			}
			skip_ws(r);
			if (r->p < r->end && *r->p == ',') {
				r->p++;
				continue;
			}
			if ((rc = expect(r, '}', "expected ',' or '}' after a field")) != HD_OK)
				return rc;
			break;
		}
	}
	(void)obj;

	/* Values. */
	if (!e->endpoint)
		return hd_err_set(r->err, HD_ERR_SYNTAX, "manifest entry %d: \"endpoint\" is required", idx);
	if (!e->command)
		return hd_err_set(r->err, HD_ERR_SYNTAX, "manifest entry %d: \"command\" is required", idx);
	if (!e->command[strspn(e->command, " \t\r\n")])
		return hd_err_set(r->err, HD_ERR_SYNTAX, "manifest entry %d: \"command\" is empty", idx);
	{
		char host[256];
		hd_err ee;
		if (hd_manifest_endpoint(e->endpoint, host, sizeof host, &e->port, &ee) != HD_OK)
			return hd_err_set(r->err, HD_ERR_SYNTAX, "manifest entry %d: \"endpoint\" %s", idx, ee.msg);
		if (!(e->host = hd_strdup(host)))
			return hd_err_set(r->err, HD_ERR_NOMEM, "out of memory reading the manifest");
	}
	if (e->username && !valid_username(e->username))
		return hd_err_set(r->err, HD_ERR_SYNTAX,
		                  "manifest entry %d: \"username\" is not a valid login name (letters, digits, '.', '_', "
		                  "'-', '@'; not starting with '-')",
		                  idx);
	if (e->publickey && !valid_publickey(e->publickey))
		return hd_err_set(r->err, HD_ERR_SYNTAX,
		                  "manifest entry %d: \"publickey\" is not an SSH public key (\"type base64 [comment]\", "
		                  "as in the host's /etc/ssh/ssh_host_*_key.pub)",
		                  idx);
	return HD_OK;
}

static void
entry_free(hd_manifest_entry *e)
{
	free(e->endpoint);
	free(e->host);
	free(e->command);
	free(e->publickey);
	free(e->username);
}

void
hd_manifest_free(hd_manifest *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->n; i++)
		entry_free(&m->v[i]);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

static hd_code
read_entries(rd *r, hd_manifest *m)
{
	int cap = 0;
	hd_code rc;

	skip_ws(r);
	if (r->p >= r->end || *r->p != '[')
		return fail_at(r, r->p, "\"entries\" must be an array '['");
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return HD_OK;
	}
	for (;;) {
		if (m->n == HD_MAX_MANIFEST_ENTRIES)
			return hd_err_set(r->err, HD_ERR_LIMIT, "manifest has more than %d entries", HD_MAX_MANIFEST_ENTRIES);
		if (m->n == cap) {
			int nc = cap ? cap * 2 : 8;
			hd_manifest_entry *nv = hd_realloc(m->v, (size_t)nc * sizeof *nv);
			if (!nv)
				return hd_err_set(r->err, HD_ERR_NOMEM, "out of memory reading the manifest");
			m->v = nv;
			cap = nc;
		}
		memset(&m->v[m->n], 0, sizeof m->v[m->n]);
		m->n++;
		if ((rc = read_entry(r, m->n, &m->v[m->n - 1])) != HD_OK)
			return rc;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		return expect(r, ']', "expected ',' or ']' after an entry");
	}
}

hd_code
hd_manifest_parse(const char *text, size_t len, hd_manifest *out, hd_err *err)
{
	rd r = { .start = text, .p = text, .end = text + len, .err = err };
	bool have_entries = false;
	hd_code rc;

	memset(out, 0, sizeof *out);
	if (len > HD_MAX_MANIFEST)
		return hd_err_set(err, HD_ERR_LIMIT, "manifest is larger than %u bytes", HD_MAX_MANIFEST);
	hd_buf_init(&r.s, HD_MAX_SSH_COMMAND + 8);
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) /* a UTF-8 byte-order mark */
		r.p += 3;

	if ((rc = expect(&r, '{', "a manifest is a JSON object: expected '{'")) != HD_OK)
		goto out;
	skip_ws(&r);
	if (r.p < r.end && *r.p == '}') {
		r.p++;
	} else {
		for (;;) {
			if ((rc = read_string(&r, 64, "expected a field name in double quotes")) != HD_OK)
				goto out;
			if (strcmp(r.s.data, "entries") != 0) {
				rc = hd_err_set(err, HD_ERR_SYNTAX, "manifest: unknown top-level field (only \"entries\" is allowed)");
				goto out;
			}
			if (have_entries) {
				rc = hd_err_set(err, HD_ERR_SYNTAX, "manifest: \"entries\" is given twice");
				goto out;
			}
			have_entries = true;
			if ((rc = expect(&r, ':', "expected ':'")) != HD_OK)
				goto out;
			if ((rc = read_entries(&r, out)) != HD_OK)
				goto out;
			skip_ws(&r);
			if (r.p < r.end && *r.p == ',') {
				r.p++;
				continue;
			}
			if ((rc = expect(&r, '}', "expected ',' or '}'")) != HD_OK)
				goto out;
			break;
		}
	}
	skip_ws(&r);
	if (r.p != r.end) {
		rc = fail_at(&r, r.p, "text after the manifest's closing '}'");
		goto out;
	}
	if (!have_entries) {
		rc = hd_err_set(err, HD_ERR_SYNTAX, "manifest has no \"entries\" array");
		goto out;
	}
	if (out->n == 0) {
		rc = hd_err_set(err, HD_ERR_SYNTAX, "manifest has no entries");
		goto out;
	}
	rc = HD_OK;
out:
	hd_buf_free(&r.s);
	if (rc != HD_OK)
		hd_manifest_free(out);
	return rc;
}
