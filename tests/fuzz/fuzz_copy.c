/*
 * fuzz_copy.c — the COPY grammar: hd_copy_parse (copy/lex.c, copy/parse.c, copy/spec.c) and
 * hd_copy_spec_describe.
 *
 * Input: the statement text (no NUL needed).
 * Invariants: the statement sits in an exactly-sized heap block, so the lexer never reads past len (ASan); a
 * failure is HD_ERR_SYNTAX / HD_ERR_UNSUPPORTED / HD_ERR_LIMIT with a message that names a position; a success
 * gives a spec whose describe() text is a canonical statement: it parses again, and describing that spec gives the
 * same text (describe ∘ parse is idempotent); parsing the same input twice gives the same outcome and text.
 */
#include "fuzz_common.h"

#include "common/buf.h"
#include "copy/copy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hd_code
parse_describe(const char *sql, size_t len, hd_buf *out, hd_err *err)
{
	hd_copy_spec *spec = NULL;
	hd_code r = hd_copy_parse(sql, len, &spec, err);
	if (r != HD_OK) {
		FUZZ_CHECK(spec == NULL);
		FUZZ_CHECK(err->msg[0] != '\0');
		return r;
	}
	FUZZ_CHECK(spec != NULL && spec->table != NULL && spec->source != NULL);
	FUZZ_CHECK(hd_copy_spec_describe(spec, out) == HD_OK);
	FUZZ_CHECK(out->len == strlen(out->data));
	hd_copy_spec_free(spec);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hd_buf d1, d2, d3;
	hd_err err;
	hd_code r, r2;
	char *sql = fz_dup(data, size, false);

	hd_buf_init(&d1, 0);
	hd_buf_init(&d2, 0);
	hd_buf_init(&d3, 0);
	r = parse_describe(sql, size, &d1, &err);
	FUZZ_CHECK(r == HD_OK || r == HD_ERR_SYNTAX || r == HD_ERR_UNSUPPORTED || r == HD_ERR_LIMIT);
	r2 = parse_describe(sql, size, &d3, &err);
	FUZZ_CHECK(r2 == r);
	if (r == HD_OK) {
		FUZZ_CHECK(d1.len == d3.len && memcmp(d1.data, d3.data, d1.len) == 0);
		if (strstr(d1.data, "'***'") == NULL) { /* redacted secrets do not round-trip by design */
			char *again = fz_dup((const uint8_t *)d1.data, d1.len, false);
			r2 = parse_describe(again, d1.len, &d2, &err);
			if (r2 != HD_OK)
				fprintf(stderr, "describe: %s\nre-parse: %s\n", d1.data, err.msg);
			FUZZ_CHECK(r2 == HD_OK);
			if (d2.len != d1.len || memcmp(d1.data, d2.data, d1.len) != 0)
				fprintf(stderr, "describe: %s\nagain:    %s\n", d1.data, d2.data);
			FUZZ_CHECK(d2.len == d1.len && memcmp(d1.data, d2.data, d1.len) == 0);
			free(again);
		}
	}
	hd_buf_free(&d1);
	hd_buf_free(&d2);
	hd_buf_free(&d3);
	free(sql);
	return 0;
}
