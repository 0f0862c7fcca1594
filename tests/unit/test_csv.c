/*
 * test_csv.c — the CSV reader (format/csv.c) and its options (format/registry.c).
 *
 * Each case is input bytes + options -> a dump of what the reader returned (format in fmt_harness.h). Every case runs
 * through a stream returning 1 byte per read, random-sized chunks, and every classifier this CPU has (scalar, sse2,
 * avx2): all dumps must be identical. Redshift pages cited per case; decisions where the pages are silent are the
 * ones documented at the top of csv.c.
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
#include "fmt_harness.h"

static hd_format_opts
opts(void)
{
	hd_format_opts o;
	memset(&o, 0, sizeof o);
	o.kind = HD_FMT_CSV;
	o.delimiter = ',';
	o.quote = '"';
	o.null_as = "\\N";
	o.null_as_len = 2;
	return o;
}

#define CHECK(o, input, want)                                                                  \
	do {                                                                                   \
		char *got_ = fh_run_all(&hd_format_csv, &(o), (input), sizeof(input) - 1, true); \
		assert_string_equal(got_, (want));                                             \
		free(got_);                                                                    \
	} while (0)

/* The reason of the first bad record of input. */
static void
check_reason(const hd_format_opts *o, const char *input, int code, const char *reason)
{
	hd_stream *in = hd_stream_mem(input, strlen(input), "t");
	hd_reader *rd;
	hd_record rec;
	hd_recfail fail;
	hd_err err;
	int rc;
	assert_int_equal(hd_format_csv.open(o, in, &rd, &err), HD_OK);
	while ((rc = hd_format_csv.next(rd, &rec, &fail, &err)) == HD_REC_OK)
		;
	assert_int_equal(rc, HD_REC_BAD);
	assert_int_equal(fail.code, code);
	assert_string_equal(fail.reason, reason);
	hd_format_csv.close(rd);
	hd_stream_close(in);
}

static void
test_basic(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	CHECK(o, "a,b,c\n1,2,3\n", "1@0:[a][b][c]\n2@6:[1][2][3]\n");
	CHECK(o, "", "");
	CHECK(o, "x", "1@0:[x]\n");
	CHECK(o, ",\n", "1@0:[][]\n");
	CHECK(o, "a|b,c\n", "1@0:[a|b][c]\n");
	/* DELIMITER with CSV (copy-parameters-data-format: "You can specify a different delimiter") */
	o.delimiter = '|';
	CHECK(o, "a|\"b|c\"|d\n", "1@0:[a]q[b|c][d]\n");
}

static void
test_quoted(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	CHECK(o, "\"a,b\",c\n", "1@0:q[a,b][c]\n");
	/* copy-parameters-data-format, CSV: "A ""quoted"" word" loads A "quoted" word */
	CHECK(o, "\"A \"\"quoted\"\" word\",x\n", "1@0:q[A \"quoted\" word][x]\n");
	CHECK(o, "\"\"\"\",\"\"\"\"\"\"\n", "1@0:q[\"]q[\"\"]\n");
	/* quoted empty fields are quoted (convert/: never NULL) */
	CHECK(o, "\"\",\"\"\n", "1@0:q[]q[]\n");
	CHECK(o, "a,\"\"\n", "1@0:[a]q[]\n");
	/* a final record without LF, quoted last field */
	CHECK(o, "a,\"b\"", "1@0:[a]q[b]\n");
	CHECK(o, "a,\"b\"\"\"", "1@0:[a]q[b\"]\n");
}

static void
test_quoted_newlines(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	/* "To automatically escape delimiters, newline characters, and carriage returns, enclose the field" */
	CHECK(o, "\"a\nb\",c\nd\n", "1@0:q[a\\nb][c]\n3@8:[d]\n");
	CHECK(o, "\"a\r\nb\",c\r\nd\r\n", "1@0:q[a\\r\\nb][c]\n3@10:[d]\n");
	CHECK(o, "\"\n\n\n\"\nx\n", "1@0:q[\\n\\n\\n]\n5@6:[x]\n");
	CHECK(o, "\"a\rb\"\n", "1@0:q[a\\rb]\n");
}

static void
test_crlf(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	CHECK(o, "a,b\r\nc,d\r\n", "1@0:[a][b]\n2@5:[c][d]\n");
	CHECK(o, "a,\r\n", "1@0:[a][]\n");
	CHECK(o, "\"a\"\r\n\"b\"\r\n", "1@0:q[a]\n2@5:q[b]\n");
	/* a CR not before LF is data */
	CHECK(o, "a\rb,c\n", "1@0:[a\\rb][c]\n");
}

static void
test_blanks_around_quotes(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	/* copy-parameters-data-format: "When a field is enclosed in quotes, white space between the delimiters and the
	 * quote characters is ignored." */
	CHECK(o, "a, \"b\" ,c\n", "1@0:[a]q[b][c]\n");
	CHECK(o, " \t\"x\"\t \n", "1@0:q[x]\n");
	CHECK(o, "\"x\"  \r\n", "1@0:q[x]\n");
	CHECK(o, "\"x\" ", "1@0:q[x]\n");
	/* inside the quotes blanks are data; an unquoted field keeps its blanks */
	CHECK(o, "\" x \", y ,\n", "1@0:q[ x ][ y ][]\n");
	/* "If the delimiter is a white space character, such as a tab, the delimiter is not treated as white space" */
	o.delimiter = '\t';
	CHECK(o, "\t\"b\"\t \"c\"\n", "1@0:[]q[b]q[c]\n");
}

static void
test_bad_quotes(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	/* text after a closing quote: Redshift's "Invalid quote formatting for CSV"; reading goes on */
	CHECK(o, "\"ab\"c,d\nx\n", "1:BAD1214\n2@8:[x]\n");
	CHECK(o, "\"a\"\"\"@b\"\"\nx\n", "1:BAD1214\n2@10:[x]\n");
	/* the quote count decides where a bad record ends: here it stays odd to the end of input */
	CHECK(o, "\"a\"\"\"@b\"\nx\n", "1:BAD1214\n");
	/* a quote inside an unquoted field is not data: it opens a quoted section; the bad record runs to the first LF
	 * at even quote parity */
	CHECK(o, "ab\"c,d\nx\"\ny\n", "1:BAD1214\n3@10:[y]\n");
	CHECK(o, "5'10\",x\n\"\ny\n", "1:BAD1214\n3@10:[y]\n");
	/* a CR after the closing quote that does not end the line */
	CHECK(o, "\"a\"\rb\nc\n", "1:BAD1214\n2@6:[c]\n");
	check_reason(&o, "\"ab\"c\n", 1214, "Invalid quote formatting for CSV");
	check_reason(&o, "ab\"c\"\n", 1214, "Invalid quote formatting for CSV");
}

static void
test_unterminated(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	/* an open quote at the end of input: one bad record (the rest of the input), then EOF */
	CHECK(o, "a\n\"bc\nd", "1@0:[a]\n2:BAD1214\n");
	CHECK(o, "a,\"", "1:BAD1214\n");
	CHECK(o, "x\"\n", "1:BAD1214\n");
	check_reason(&o, "\"abc\n", 1214, "Unterminated quoted field at end of input");
	check_reason(&o, "ab\"c\n", 1214, "Unterminated quoted field at end of input");
}

static void
test_quote_as(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	/* QUOTE AS '%': "you don't need to escape double quotation marks within the field" */
	o.quote = '%';
	CHECK(o, "%a,b%,\"c\"\n", "1@0:q[a,b][\"c\"]\n");
	CHECK(o, "%50%%%,x\n", "1@0:q[50%][x]\n");
	CHECK(o, "%a\nb%\n", "1@0:q[a\\nb]\n");
}

static void
test_ignoreheader(void **state)
{
	hd_format_opts o = opts();
	(void)state;
	o.ignoreheader = 1;
	CHECK(o, "h1,h2\na,b\n", "2@6:[a][b]\n");
	CHECK(o, "h1", "");
	o.ignoreheader = 2;
	CHECK(o, "h\r\nh\r\n\"a\nb\",c\nd\n", "3@6:q[a\\nb][c]\n5@14:[d]\n");
	/* the header counts physical lines (COPY-SPEC "skip the first n lines"), even a quoted newline: the second
	 * physical line of a two-line header record is then data with a stray quote, and nothing closes it */
	o.ignoreheader = 1;
	CHECK(o, "\"h\n1\",x\na\n", "2:BAD1214\n");
	/* mid_file (a byte-range unit that does not start the file): no header skipped; first_line/first_offset */
	o.mid_file = true;
	o.first_line = 10;
	o.first_offset = 100;
	CHECK(o, "a\n\"b\nc\"\nd\n", "10@100:[a]\n11@102:q[b\\nc]\n13@108:[d]\n");
}

static void
test_blank_lines(void **state)
{
	hd_format_opts o = opts();
	static const char in[] = "a\n\nb\n\r\n\"\"\nc\n";
	(void)state;
	CHECK(o, in, "1@0:[a]\n2@2:[]\n3@3:[b]\n4@5:[]\n5@7:q[]\n6@10:[c]\n");
	/* IGNOREBLANKLINES drops empty lines; a line holding "" is not blank */
	o.ignoreblanklines = true;
	CHECK(o, in, "1@0:[a]\n3@3:[b]\n5@7:q[]\n6@10:[c]\n");
}

static void
test_overlong_record(void **state)
{
	hd_format_opts o = opts();
	size_t n = HD_MAX_RECORD + 10;
	char *in = malloc(n + 100), *got;
	(void)state;
	/* an over-long quoted field, with doubled quotes (scratch) and newlines: fatal "record too long" */
	memcpy(in, "ok,1\n\"", 6);
	for (size_t i = 0; i < n; i++)
		in[6 + i] = (i % 1000 == 0) ? '\n' : (i % 500 == 250 || i % 500 == 251 ? '"' : 'x');
	memcpy(in + 6 + n, "\"\nz\n", 4);
	got = fh_run_all(&hd_format_csv, &o, in, 6 + n + 4, false);
	if (!strstr(got, "1@0:[ok][1]\nERR:test-input: line 2: record longer than the maximum"))
		fail_msg("%.300s", got);
	assert_non_null(strstr(got, "1@0:[ok][1]\nERR:test-input: line 2: record longer than the maximum"));
	free(got);
	/* exactly HD_MAX_RECORD bytes of raw record is fine */
	n = HD_MAX_RECORD - 2;
	in[5] = '"';
	for (size_t i = 0; i < n; i++)
		in[6 + i] = (i % 1000 == 0) ? '\n' : 'y';
	in[6 + 1] = '"';
	in[6 + 2] = '"';
	memcpy(in + 6 + n, "\"\r\nz\n", 5);
	got = fh_run_all(&hd_format_csv, &o, in, 6 + n + 5, false);
	assert_non_null(strstr(got, "\n2@5:q[\\n\"yyy"));
	assert_non_null(strstr(got, ":[z]\n"));
	free(got);
	free(in);
}

static void
test_too_many_fields(void **state)
{
	hd_format_opts o = opts();
	dump in = { 0 };
	char *got;
	(void)state;
	for (int i = 0; i < HD_MAX_FIELDS; i++)
		dput(&in, "\"f\",", 4);
	dput(&in, "\n", 1);
	for (int i = 0; i < HD_MAX_FIELDS + 1; i++)
		dput(&in, "g,", 2);
	dput(&in, "\nlast\n", 6);
	got = fh_run_all(&hd_format_csv, &o, in.s, in.len, true);
	assert_true(strncmp(got, "1@0:q[f]q[f]", 12) == 0);
	assert_non_null(strstr(got, "\n2:BAD1202\n3@"));
	assert_non_null(strstr(got, ":[last]\n"));
	free(got);
	free(in.s);
}

/* A generated input with every feature, several MB (several refills), through every stream and classifier. */
static void
test_chunked_equivalence(void **state)
{
	static const char *const pieces[] = { "abc", ",", "\n", "\r\n", "\"q,x\"", "\"\"", "\"a\"\"b\"", " ", "\t",
		"\"x\ny\"", "1234567890", "\"", "\r", "\\N", ",\"\",", "\"\r\n\"" };
	hd_format_opts o = opts();
	uint64_t rng = 12345;
	dump in = { 0 };
	(void)state;
	/* over HD_MAX_RECORD + HD_READ_CHUNK bytes, so the buffer is compacted (the partial record moved) too */
	while (in.len < HD_MAX_RECORD + HD_READ_CHUNK + (1u << 20)) {
		const char *p = pieces[rnd(&rng) % (sizeof pieces / sizeof pieces[0])];
		dput(&in, p, strlen(p));
	}
	for (int flags = 0; flags < 3; flags++) {
		char *got;
		o.ignoreblanklines = flags == 1;
		o.ignoreheader = flags == 2 ? 3 : 0;
		got = fh_run_all(&hd_format_csv, &o, in.s, in.len, false);
		assert_true(strlen(got) > 1000);
		assert_non_null(strstr(got, "q["));
		free(got);
	}
	/* 1-byte reads on a smaller prefix */
	in.len = 20000;
	free(fh_run_all(&hd_format_csv, &o, in.s, in.len, true));
	free(in.s);
}

/* HD_NO_SIMD=1 picks the scalar classifier, and the reader gives the same records. */
static void
test_no_simd(void **state)
{
	static const char in[] = "a,\"b,\"\"c\"\"\nd\",e\r\nf\n";
	hd_format_opts o = opts();
	char *want, *got;
	(void)state;
	want = fh_run(&hd_format_csv, &o, in, sizeof in - 1, 0, 0);
	setenv("HD_NO_SIMD", "1", 1);
	hd_classify_force(NULL);
	assert_string_equal(hd_classify_name(), "scalar");
	got = fh_run(&hd_format_csv, &o, in, sizeof in - 1, 1, 0);
	assert_string_equal(got, want);
	assert_string_equal(got, "1@0:[a]q[b,\"c\"\\nd][e]\n3@17:[f]\n");
	unsetenv("HD_NO_SIMD");
	hd_classify_force(NULL);
	free(want);
	free(got);
}

static void
test_bad_options(void **state)
{
	hd_format_opts o = opts();
	hd_reader *rd = (hd_reader *)&o;
	hd_err err;
	(void)state;
	o.quote = ',';
	assert_int_equal(hd_format_csv.open(&o, NULL, &rd, &err), HD_ERR_SYNTAX);
	assert_null(rd);
	o = opts();
	o.delimiter = '\n';
	assert_int_equal(hd_format_csv.open(&o, NULL, &rd, &err), HD_ERR_SYNTAX);
	o = opts();
	o.quote = '\r';
	assert_int_equal(hd_format_csv.open(&o, NULL, &rd, &err), HD_ERR_SYNTAX);
}

static void
test_registry(void **state)
{
	hd_copy_spec spec;
	hd_format_opts o;
	(void)state;
	memset(&spec, 0, sizeof spec);
	assert_ptr_equal(hd_format_for(HD_FMT_CSV), &hd_format_csv);
	assert_non_null(hd_format_csv.boundaries);
	spec.format = HD_FMT_CSV;
	hd_format_opts_from_spec(&spec, 3, &o);
	assert_int_equal(o.delimiter, ',');
	assert_int_equal(o.quote, '"');
	/* copy-parameters-data-conversion, NULL AS: "The default null_string is '\N'" — for CSV too */
	assert_int_equal(o.null_as_len, 2);
	assert_memory_equal(o.null_as, "\\N", 2);
	spec.quote = '%';
	spec.quote_set = true;
	spec.null_as = "";
	spec.null_as_len = 0;
	hd_format_opts_from_spec(&spec, 3, &o);
	assert_int_equal(o.quote, '%');
	assert_int_equal(o.null_as_len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_quoted_newlines),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_blanks_around_quotes),
		cmocka_unit_test(test_bad_quotes),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_quote_as),
		cmocka_unit_test(test_ignoreheader),
		cmocka_unit_test(test_blank_lines),
		cmocka_unit_test(test_overlong_record),
		cmocka_unit_test(test_too_many_fields),
		cmocka_unit_test(test_chunked_equivalence),
		cmocka_unit_test(test_no_simd),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
