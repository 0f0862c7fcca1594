/*
 * fuzz_serve_proto.c — `hdcopy serve`'s protocol readers (serve/proto.c) and its classifier (serve/classify.c):
 * what a client or an upstream can make serve read.
 *
 * Input: byte 0 picks the mode, the rest is the stream.
 *   mode % 3 == 0  a startup-phase packet: hd_pgp_startup_header, then hd_pgp_startup_params on its body.
 *   mode % 3 == 1  a stream of typed messages as a client sends them (Query, Parse, Bind, Describe, Close, Execute,
 *                  CopyData, …), framed with hd_pgp_header; each body goes to its reader, and the SQL of a Query
 *                  or Parse to hd_serve_classify.
 *   mode % 3 == 2  the same framing for upstream replies (ReadyForQuery, CommandComplete, BackendKeyData,
 *                  DataRow, ErrorResponse/NoticeResponse fields), plus a builder round trip.
 * Every message body sits in an exactly-sized heap block (ASan sees any read past it).
 * Invariants: pointers returned by a reader lie inside its body and name NUL-terminated strings there; the
 * classifier's statement lies inside the SQL it was given; a verdict of HD_SV_ERROR carries a message; a
 * NoticeResponse built from fuzzed strings parses back to the same fields.
 *
 * classify.c calls two functions of the public API that are grammar alone (src/copy/public.c), so this target
 * links no database code.
 */
#include "fuzz_common.h"

#include "common/err.h"
#include "copy/copy.h"
#include "serve/proto.h"
#include "serve/serve_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- checks ------------------------------------------------------------------------------------------------------ */

static void
in_body(const uint8_t *body, size_t n, const char *s)
{
	FUZZ_CHECK((const uint8_t *)s >= body && (const uint8_t *)s < body + n);
	FUZZ_CHECK(memchr(s, 0, (size_t)(body + n - (const uint8_t *)s)) != NULL);
}

static void
classify(const char *sql, size_t len)
{
	const char *stmt = NULL;
	size_t stmt_len = 0;
	hd_err why;
	char *copy = fz_dup((const uint8_t *)sql, len, false);
	hd_sv_verdict v = hd_serve_classify(copy, len, &stmt, &stmt_len, &why);

	FUZZ_CHECK(v == HD_SV_RELAY || v == HD_SV_INTERCEPT || v == HD_SV_ERROR);
	if (v != HD_SV_RELAY && stmt) {
		FUZZ_CHECK(stmt >= copy && stmt + stmt_len <= copy + len);
		(void)hd_serve_is_assumerole(stmt, stmt_len);
	}
	if (v == HD_SV_ERROR)
		FUZZ_CHECK(why.code != HD_OK && why.msg[0]);
	free(copy);
}

static void
client_message(char type, const uint8_t *body, size_t n)
{
	hd_err e;
	const char *a, *b, *q;
	size_t qlen;
	int np;
	char kind;
	uint32_t maxrows;

	switch (type) {
	case 'Q':
		if (hd_pgp_query(body, n, &q, &qlen, &e) == HD_OK) {
			FUZZ_CHECK(qlen + 1 == n && q[qlen] == 0);
			classify(q, qlen);
		}
		break;
	case 'P':
		if (hd_pgp_parse(body, n, &a, &q, &qlen, &np, &e) == HD_OK) {
			in_body(body, n, a);
			in_body(body, n, q);
			FUZZ_CHECK(q[qlen] == 0 && np >= 0 && np <= 65535);
			classify(q, qlen);
		}
		break;
	case 'B':
		if (hd_pgp_bind_names(body, n, &a, &b)) {
			in_body(body, n, a);
			in_body(body, n, b);
		}
		if (hd_pgp_bind(body, n, &a, &b, &np, &e) == HD_OK) {
			const char *a2, *b2;
			in_body(body, n, a);
			in_body(body, n, b);
			FUZZ_CHECK(hd_pgp_bind_names(body, n, &a2, &b2) && a2 == a && b2 == b);
		}
		break;
	case 'D':
	case 'C':
		if (hd_pgp_target(body, n, &kind, &a, &e) == HD_OK) {
			FUZZ_CHECK(kind == 'S' || kind == 'P');
			in_body(body, n, a);
		}
		break;
	case 'E':
		if (hd_pgp_execute(body, n, &a, &maxrows, &e) == HD_OK)
			in_body(body, n, a);
		break;
	default: /* CopyData 'd', CopyDone 'c', CopyFail 'f', Sync, Flush, Terminate: framing only */
		break;
	}
}

static void
upstream_message(char type, const uint8_t *body, size_t n)
{
	hd_err e;
	const char *v;
	char st, buf[64];
	uint32_t pid, key;
	bool isnull;

	switch (type) {
	case 'Z':
		if (hd_pgp_ready(body, n, &st, &e) == HD_OK)
			FUZZ_CHECK(st == 'I' || st == 'T' || st == 'E');
		break;
	case 'C':
		if (hd_pgp_tag(body, n, &v, &e) == HD_OK)
			in_body(body, n, v);
		break;
	case 'K':
		(void)hd_pgp_backend_key(body, n, &pid, &key, &e);
		break;
	case 'D':
		for (int col = 0; col < 3; col++)
			if (hd_pgp_datarow_col(body, n, col, buf, sizeof buf, &isnull, &e) == HD_OK)
				FUZZ_CHECK(isnull ? buf[0] == 0 : strlen(buf) < sizeof buf);
		break;
	case 'E':
	case 'N':
		if (hd_pgp_field(body, n, 'M', &v, &e) == HD_OK && v)
			in_body(body, n, v);
		break;
	default:
		break;
	}
}

/* A NoticeResponse built from fuzzed text parses back to the same fields. */
static void
roundtrip(const uint8_t *data, size_t size)
{
	char *s = fz_dup(data, size, true), *nul = memchr(s, 0, size);
	const char *msg = s, *detail = nul && nul + 1 < s + size ? nul + 1 : NULL, *v;
	hd_pgp_buf b = { .max = 1u << 16 };
	uint32_t len;
	char type;
	hd_err e;

	if (hd_pgp_put_notice(&b, 'N', "INFO", "00000", msg, detail) == HD_OK) {
		FUZZ_CHECK(hd_pgp_header(b.data, b.len, &type, &len, &e) == HD_OK && type == 'N' && len + 1 == b.len);
		FUZZ_CHECK(hd_pgp_field(b.data + 5, b.len - 5, 'M', &v, &e) == HD_OK && v && strcmp(v, msg) == 0);
		FUZZ_CHECK(hd_pgp_field(b.data + 5, b.len - 5, 'C', &v, &e) == HD_OK && v && strcmp(v, "00000") == 0);
	}
	b.len = 0;
	if (hd_pgp_put_noparams(&b) == HD_OK && hd_pgp_put_empty(&b, '1') == HD_OK && hd_pgp_put_ready(&b, 'T') == HD_OK)
		FUZZ_CHECK(b.len == 7 + 5 + 6);
	hd_pgp_buf_free(&b);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mode;
	size_t pos = 1;

	if (size < 1)
		return 0;
	mode = data[0] % 3;
	if (mode == 0) {
		uint32_t len, code;
		hd_err e;
		if (hd_pgp_startup_header(data + 1, size - 1, &len, &code, &e) == HD_OK && len <= size - 1) {
			uint8_t *body = (uint8_t *)fz_dup(data + 9, len - 8, false);
			hd_pgp_startup su;
			FUZZ_CHECK(len >= 8 && len <= HD_PGP_STARTUP_MAX);
			if (code == HD_PGP_PROTO_V3 && hd_pgp_startup_params(body, len - 8, &su, &e) == HD_OK)
				FUZZ_CHECK(su.user[0] && strlen(su.user) < sizeof su.user && strlen(su.database) < sizeof su.database);
			free(body);
		}
		return 0;
	}
	if (mode == 2)
		roundtrip(data + 1, size - 1);
	while (size - pos >= 5) {
		char type;
		uint32_t len;
		hd_err e;
		uint8_t *body;
		if (hd_pgp_header(data + pos, size - pos, &type, &len, &e) != HD_OK)
			break;
		FUZZ_CHECK(len >= 4 && len <= HD_PGP_MSG_MAX);
		if (len - 4 > size - pos - 5)
			break;
		body = (uint8_t *)fz_dup(data + pos + 5, len - 4, false);
		if (mode == 1)
			client_message(type, body, len - 4);
		else
			upstream_message(type, body, len - 4);
		free(body);
		pos += (size_t)len + 1;
	}
	return 0;
}
