/*
 * test_delimited.c — the delimited-text reader (format/delimited.c, format/reader.c, format/registry.c).
 *
 * Each case is input bytes + options -> a dump of what the reader returned, one line per call:
 *    "<line>@<offset>:[f1][f2]…"  a record (q[…] for a quoted field; \n, \r and other control bytes shown escaped)
 *    "<line>:BAD<code>"           a rejected record
 *    "ERR:<message>"              a fatal error (the dump stops)
 * Every case is also run through a stream that returns 1 byte per read and one that returns random-sized chunks,
 * and with every classifier this CPU has (scalar, sse2, avx2): all dumps must be identical.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/limits.h"
#include "format/format.h"
#include "format/format_int.h"

#include "fmt_harness.h"


/* Read everything; return the dump (caller frees). */
static char *
run(const hd_format_opts *o, const char *data, size_t len, int mode)
{
	hd_stream *in = mode ? chunk_stream_new(data, len, mode) : hd_stream_mem(data, len, "test-input");
	hd_reader *rd = NULL;
	hd_record rec;
	hd_recfail fail;
	hd_err err;
	dump d = { 0 };
	int rc;

	assert_non_null(in);
	dput(&d, "", 0);
	assert_int_equal(hd_format_delimited.open(o, in, &rd, &err), HD_OK);
	for (;;) {
		memset(&rec, 0, sizeof rec);
		rc = hd_format_delimited.next(rd, &rec, &fail, &err);
		if (rc == HD_REC_EOF)
			break;
		if (rc == HD_REC_ERROR) {
			dprintf_(&d, "ERR:%s\n", err.msg);
			break;
		}
		if (rc == HD_REC_BAD) {
			dprintf_(&d, "%llu:BAD%d\n", (unsigned long long)rec.line, fail.code);
			continue;
		}
		assert_int_equal(rc, HD_REC_OK);
		/* raw is the input at offset, without the line end */
		assert_true(rec.offset + rec.raw_len <= len);
		assert_memory_equal(rec.raw, data + rec.offset, rec.raw_len);
		dprintf_(&d, "%llu@%llu:", (unsigned long long)rec.line, (unsigned long long)rec.offset);
		for (int i = 0; i < rec.nfields; i++)
			dfield(&d, &rec.fields[i]);
		dput(&d, "\n", 1);
	}
	hd_format_delimited.close(rd);
	hd_stream_close(in);
	return d.s;
}


/* Run through every stream mode and classifier; all must agree; return the dump. */
static char *
run_all(const hd_format_opts *o, const char *data, size_t len, bool small_reads)
{
	char *ref;

	hd_classify_force("scalar");
	ref = run(o, data, len, 0);
	for (size_t c = 0; c < sizeof classifier_names / sizeof classifier_names[0]; c++) {
		if (!hd_classify_force(classifier_names[c]))
			continue;
		for (int mode = 0; mode <= 3; mode++) {
			char *got;
			if (mode == 1 && !small_reads)
				continue;
			got = run(o, data, len, mode);
			if (strcmp(got, ref) != 0)
				fail_msg("classifier %s, stream mode %d differs:\n--- want\n%.2000s\n--- got\n%.2000s",
				    classifier_names[c], mode, ref, got);
			free(got);
		}
	}
	hd_classify_force(NULL);
	return ref;
}

static hd_format_opts
opts(void)
{
	hd_format_opts o;
	memset(&o, 0, sizeof o);
	o.kind = HD_FMT_DELIMITED;
	o.delimiter = '|';
	o.quote = '"';
	o.null_as = "\\N";
	o.null_as_len = 2;
	return o;
}

#define CHECK(o, input, want)                                                  \
	do {                                                                   \
		char *got_ = run_all(&(o), (input), sizeof(input) - 1, true); \
		assert_string_equal(got_, (want));                             \
		free(got_);                                                    \
	} while (0)

/* --- cases -------------------------------------------------------------------------------------------------------- */

static void
test_basic(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	CHECK(o, "a|b|c\n1|2|3\n", "1@0:[a][b][c]\n2@6:[1][2][3]\n");
	CHECK(o, "", "");
	CHECK(o, "x", "1@0:[x]\n");
	o.delimiter = '\t';
	CHECK(o, "a\tb|c\n", "1@0:[a][b|c]\n");
}

static void
test_crlf(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	CHECK(o, "a|b\r\nc|d\r\n", "1@0:[a][b]\n2@5:[c][d]\n");
	/* a CR elsewhere is data; a CR before LF goes even when the last field is empty */
	CHECK(o, "a\rb|\r\n", "1@0:[a\\rb][]\n");
}

static void
test_no_final_newline(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	CHECK(o, "a|b\nc|d", "1@0:[a][b]\n2@4:[c][d]\n");
	CHECK(o, "a|b\nc|", "1@0:[a][b]\n2@4:[c][]\n");
}

static void
test_trailing_delimiter(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	/* copy-parameters-data-format example: the extra empty field is returned; the loader drops it */
	CHECK(o, "1|Toyota Park|Bridgeview|IL|\n", "1@0:[1][Toyota Park][Bridgeview][IL][]\n");
}

static void
test_escape(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	o.escape = true;
	CHECK(o, "a\\|b|c\n", "1@0:[a|b][c]\n");                     /* escaped delimiter */
	CHECK(o, "a\\\\|b\n", "1@0:[a\\][b]\n");                     /* escaped backslash */
	CHECK(o, "a\\\nb|c\nd|e\n", "1@0:[a\\nb][c]\n3@7:[d][e]\n"); /* escaped newline: record goes on */
	CHECK(o, "\\t\\x|y\n", "1@0:[tx][y]\n");                     /* any other byte: itself */
	CHECK(o, "a\\\r\nb\n", "1@0:[a\\r]\n2@4:[b]\n");             /* escaped CR is data; the LF ends the record */
	CHECK(o, "a\\\\\r\nb\n", "1@0:[a\\]\n2@5:[b]\n");            /* "\\" then an unescaped CR LF */
	CHECK(o, "ab\\", "1@0:[ab\\]\n");                            /* lone backslash at end of input: data */
	CHECK(o, "a\\|\\", "1@0:[a|\\]\n");
	/* without ESCAPE, a backslash is data */
	o.escape = false;
	CHECK(o, "a\\|b\n", "1@0:[a\\][b]\n");
}

static void
test_escape_null_marker(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	o.escape = true;
	/* copy-parameters-data-conversion, ESCAPE: \N and \\N both load NULL with the default null string: the
	 * field is returned as the bytes \N in both cases */
	CHECK(o, "\\N|x\n\\\\N|y\n\\Nz|w\n", "1@0:[\\N][x]\n2@5:[\\N][y]\n3@11:[Nz][w]\n");
	/* with another null string, \N is an escaped N */
	o.null_as = "NULL";
	o.null_as_len = 4;
	CHECK(o, "\\N|NULL\n", "1@0:[N][NULL]\n");
}

static void
test_removequotes(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	o.removequotes = true;
	CHECK(o, "\"a|b\"|c\n", "1@0:q[a|b][c]\n");
	/* the page's table: 'Black' -> Black, "White" -> White, Blue' -> Blue', ''Black'' -> 'Black' */
	CHECK(o, "'Black'|\"White\"|Blue'|''Black''\n", "1@0:q[Black]q[White][Blue']q['Black']\n");
	CHECK(o, "\"\"|x\n", "1@0:q[][x]\n");
	CHECK(o, "\"a\"b|c\"|d\n", "1@0:q[a\"b|c][d]\n");
	CHECK(o, "x|\"a|b\"\r\ny|\"c\"", "1@0:[x]q[a|b]\n2@9:[y]q[c]\n");
	CHECK(o, "\"a\"|\n", "1@0:q[a][]\n");
	/* 'Blue and "Blue: no closing quote on the line -> error, the record is skipped */
	CHECK(o, "\"Blue|x\ny|z\n'Blue\n", "1:BAD1214\n2@8:[y][z]\n3:BAD1214\n");
	/* newlines are not data inside quotes */
	CHECK(o, "\"a\nb\"\n", "1:BAD1214\n2@3:[b\"]\n");
	/* without REMOVEQUOTES quotes are data */
	o.removequotes = false;
	CHECK(o, "\"a|b\"|c\n", "1@0:[\"a][b\"][c]\n");
}

/* The reason a REMOVEQUOTES record without its closing quote is rejected with: at a line end and at the input's end. */
static void
test_removequotes_reason(void **state)
{
	static const char *const inputs[] = { "\"Blue|x\ny\n", "x|'Blue" };
	hd_format_opts o = opts();
	(void)state;
	o.removequotes = true;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		hd_stream *in = hd_stream_mem(inputs[i], strlen(inputs[i]), "test-input");
		hd_reader *rd = NULL;
		hd_record rec;
		hd_recfail fail = { 0 };
		hd_err err;
		assert_non_null(in);
		assert_int_equal(hd_format_delimited.open(&o, in, &rd, &err), HD_OK);
		assert_int_equal(hd_format_delimited.next(rd, &rec, &fail, &err), HD_REC_BAD);
		assert_int_equal(fail.code, 1214);
		assert_string_equal(fail.reason, "Delimiter not found: unmatched quote (REMOVEQUOTES)");
		hd_format_delimited.close(rd);
		hd_stream_close(in);
	}
}

static void
test_removequotes_escape(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	o.removequotes = true;
	o.escape = true;
	CHECK(o, "\"a\\\"b\"|c\n", "1@0:q[a\"b][c]\n");       /* an escaped quote does not close */
	CHECK(o, "\\\"a\"|c\n", "1@0:[\"a\"][c]\n");          /* an escaped opening quote is data */
	CHECK(o, "\"a\\\nb\"|c\nd\n", "1@0:q[a\\nb][c]\n3@9:[d]\n");
	/* inside quotes \N is an escaped N: a quoted field is never NULL (convert/), so nothing is kept as read */
	CHECK(o, "\"\\N\"|\\N\n", "1@0:q[N][\\N]\n");
}

static void
test_ignoreheader(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	o.ignoreheader = 2;
	CHECK(o, "h1|h2\nh3\na|b\nc|d\n", "3@9:[a][b]\n4@13:[c][d]\n");
	CHECK(o, "h1\n", "");
	CHECK(o, "h1", "");
	o.ignoreheader = 1;
	CHECK(o, "h1\n\na\n", "2@3:[]\n3@4:[a]\n");
}

static void
test_ignoreheader_each_input(void **state)
{
	hd_format_opts o = opts();
	static const char in[] = "hdr\n1|2\n";
	(void)state;
	o.ignoreheader = 1;
	/* each reader is one file: both skip their own header */
	for (int i = 0; i < 2; i++) {
		char *got = run(&o, in, sizeof in - 1, 0);
		assert_string_equal(got, "2@4:[1][2]\n");
		free(got);
	}
}

static void
test_blank_lines(void **state)
{
	hd_format_opts o = opts();
	static const char in[] = "a\n\nb\n\r\nc\n";
	(void)state;
	CHECK(o, in, "1@0:[a]\n2@2:[]\n3@3:[b]\n4@5:[]\n5@7:[c]\n");
	o.ignoreblanklines = true;
	CHECK(o, in, "1@0:[a]\n3@3:[b]\n5@7:[c]\n");
	CHECK(o, "\n\n\n", "");
}

static void
test_line_numbers_multiline(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	o.escape = true;
	o.ignoreheader = 1;
	CHECK(o, "h\na\\\nb\\\nc|1\n\nd|2\n", "2@2:[a\\nb\\nc][1]\n5@12:[]\n6@13:[d][2]\n");
}

static void
test_overlong_record(void **state)
{
	hd_format_opts o = opts();
	size_t n = HD_MAX_RECORD + 10;
	char *in = malloc(n + 100), *got;
	(void)state;
	memcpy(in, "ok|1\n", 5);
	memset(in + 5, 'x', n);
	memcpy(in + 5 + n, "\nz\n", 3);
	got = run_all(&o, in, 5 + n + 3, false);
	assert_non_null(strstr(got, "1@0:[ok][1]\nERR:test-input: line 2: record longer than the maximum"));
	free(got);
	/* exactly HD_MAX_RECORD bytes is fine, with CR LF too */
	n = HD_MAX_RECORD;
	memset(in + 5, 'y', n);
	memcpy(in + 5 + n, "\r\nz\n", 4);
	got = run_all(&o, in, 5 + n + 4, false);
	assert_non_null(strstr(got, "\n2@5:[yyyy"));
	assert_non_null(strstr(got, "]\n3@"));
	free(got);
	/* and with escapes (the scratch path) */
	o.escape = true;
	in[10] = '\\';
	got = run_all(&o, in, 5 + n + 4, false);
	assert_non_null(strstr(got, "]\n3@"));
	free(got);
	free(in);
}

static void
test_too_many_fields(void **state)
{
	hd_format_opts o = opts();
	dump in = { 0 };
	char *got, want[64];
	(void)state;
	/* HD_MAX_FIELDS + 1 fields: fine (a trailing delimiter's extra field); one more: 1202, and reading goes on */
	for (int i = 0; i < HD_MAX_FIELDS; i++)
		dput(&in, "f|", 2);
	dput(&in, "\n", 1);
	for (int i = 0; i < HD_MAX_FIELDS + 1; i++)
		dput(&in, "g|", 2);
	dput(&in, "\nlast\n", 6);
	got = run_all(&o, in.s, in.len, true);
	snprintf(want, sizeof want, "2:BAD1202\n3@%zu:[last]\n",
	    (size_t)(2 * HD_MAX_FIELDS + 1 + 2 * (HD_MAX_FIELDS + 1) + 1));
	assert_non_null(strstr(got, want));
	assert_true(strncmp(got, "1@0:[f][f]", 10) == 0);
	free(got);
	free(in.s);
}

static void
test_io_error(void **state)
{
	hd_format_opts o = opts();
	chunk_stream *c = calloc(1, sizeof *c);
	hd_reader *rd;
	hd_record rec;
	hd_recfail fail;
	hd_err err;
	(void)state;
	c->base.ops = &fail_ops;
	c->base.name = "failing-input";
	assert_int_equal(hd_format_delimited.open(&o, &c->base, &rd, &err), HD_OK);
	assert_int_equal(hd_format_delimited.next(rd, &rec, &fail, &err), HD_REC_ERROR);
	assert_int_equal(err.code, HD_ERR_IO);
	assert_int_equal(hd_format_delimited.next(rd, &rec, &fail, &err), HD_REC_ERROR);
	hd_format_delimited.close(rd);
	hd_stream_close(&c->base);
}

/* A generated input with every feature, several MB (several refills), through every stream and classifier. */
static void
test_chunked_equivalence(void **state)
{
	static const char *const pieces[] = { "abc", "|", "\n", "\r\n", "\\|", "\\\\", "\\\n", "\"q|x\"", "'s'",
		"\\N", "", "1234567890", "\\\"", "\"", "\r", "\\" };
	hd_format_opts o = opts();
	uint64_t rng = 12345;
	dump in = { 0 };
	(void)state;
	/* over HD_MAX_RECORD + HD_READ_CHUNK bytes, so the buffer is compacted (the partial record moved) too */
	while (in.len < HD_MAX_RECORD + HD_READ_CHUNK + (1u << 20)) {
		const char *p = pieces[rnd(&rng) % (sizeof pieces / sizeof pieces[0])];
		dput(&in, p, strlen(p));
	}
	for (int flags = 0; flags < 4; flags++) {
		char *got;
		o.escape = flags & 1;
		o.removequotes = flags & 2;
		o.ignoreblanklines = flags == 1 || flags == 2;
		o.ignoreheader = flags >= 2 ? 3 : 0;
		got = run_all(&o, in.s, in.len, false);
		assert_true(strlen(got) > 1000);
		free(got);
	}
	/* 1-byte reads on a smaller prefix */
	in.len = 20000;
	for (int flags = 0; flags < 4; flags++) {
		o.escape = flags & 1;
		o.removequotes = flags & 2;
		free(run_all(&o, in.s, in.len, true));
	}
	free(in.s);
}

static void
test_classifiers_agree(void **state)
{
	uint64_t rng = 99;
	char block[64 + HD_RDBUF_PAD];
	hd_scanset set;
	(void)state;
	hd_scanset_init(&set, '|', '\n', '\\');
	for (int iter = 0; iter < 20000; iter++) {
		uint64_t want;
		for (int i = 0; i < 64; i++)
			block[i] = "|\n\\ab\xff\x80"[rnd(&rng) % 7];
		hd_classify_force("scalar");
		want = hd_classify_get()(block, &set);
		for (size_t c = 1; c < sizeof classifier_names / sizeof classifier_names[0]; c++)
			if (hd_classify_force(classifier_names[c]))
				assert_true(hd_classify_get()(block, &set) == want);
	}
	/* HD_NO_SIMD=1 forces the scalar reference */
	setenv("HD_NO_SIMD", "1", 1);
	hd_classify_force(NULL);
	assert_string_equal(hd_classify_name(), "scalar");
	unsetenv("HD_NO_SIMD");
	hd_classify_force(NULL);
}

static void
test_registry(void **state)
{
	hd_copy_spec spec;
	hd_format_opts o;
	(void)state;
	memset(&spec, 0, sizeof spec);
	assert_ptr_equal(hd_format_for(HD_FMT_DELIMITED), &hd_format_delimited);
	assert_ptr_equal(hd_format_for(HD_FMT_CSV), &hd_format_csv);
	assert_non_null(hd_format_delimited.boundaries);
	assert_null(hd_format_for(HD_FMT_PARQUET));

	spec.format = HD_FMT_DELIMITED;
	hd_format_opts_from_spec(&spec, 4, &o);
	assert_int_equal(o.delimiter, '|');
	assert_int_equal(o.quote, '"');
	assert_int_equal(o.ncolumns, 4);
	assert_int_equal(o.null_as_len, 2);
	assert_memory_equal(o.null_as, "\\N", 2);

	spec.format = HD_FMT_CSV;
	hd_format_opts_from_spec(&spec, 4, &o);
	assert_int_equal(o.delimiter, ',');
	/* copy-parameters-data-conversion, NULL AS: "The default null_string is '\N'" — CSV included */
	assert_int_equal(o.null_as_len, 2);
	assert_memory_equal(o.null_as, "\\N", 2);

	spec.delimiter = '\t';
	spec.delimiter_set = true;
	spec.quote = '%';
	spec.quote_set = true;
	spec.escape = spec.removequotes = spec.ignoreblanklines = true;
	spec.ignoreheader = 3;
	spec.null_as = "nil";
	spec.null_as_len = 3;
	hd_format_opts_from_spec(&spec, 2, &o);
	assert_int_equal(o.delimiter, '\t');
	assert_int_equal(o.quote, '%');
	assert_true(o.escape && o.removequotes && o.ignoreblanklines);
	assert_int_equal(o.ignoreheader, 3);
	assert_int_equal(o.null_as_len, 3);
}

static void
test_bad_delimiter(void **state)
{
	hd_format_opts o = opts();
	hd_reader *rd = (hd_reader *)&o;
	hd_err err;
	(void)state;
	o.delimiter = '\n';
	assert_int_equal(hd_format_delimited.open(&o, NULL, &rd, &err), HD_ERR_SYNTAX);
	assert_null(rd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_trailing_delimiter),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_null_marker),
		cmocka_unit_test(test_removequotes),
		cmocka_unit_test(test_removequotes_reason),
		cmocka_unit_test(test_removequotes_escape),
		cmocka_unit_test(test_ignoreheader),
		cmocka_unit_test(test_ignoreheader_each_input),
		cmocka_unit_test(test_blank_lines),
		cmocka_unit_test(test_line_numbers_multiline),
		cmocka_unit_test(test_overlong_record),
		cmocka_unit_test(test_too_many_fields),
		cmocka_unit_test(test_io_error),
		cmocka_unit_test(test_chunked_equivalence),
		cmocka_unit_test(test_classifiers_agree),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_bad_delimiter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
