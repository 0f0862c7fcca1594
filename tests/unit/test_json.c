/*
 * test_json.c — the JSON reader (format/json.c) and JSONPaths compiler (format/jsonpath.c).
 *
 * Each case is input bytes + options -> a dump of what the reader returned, one line per call:
 *    "<line>@<offset>:[f1]q[f2]N…"  a record: [..] a field, q[..] a JSON string, N a NULL (JSON null / no match);
 *                                   \n, \r and other control bytes shown escaped
 *    "<line>:BAD<code>"            a rejected record
 *    "ERR:<message>"               a fatal error (the dump stops)
 * Every case is also run through a stream that returns 1 byte per read and ones that return random-sized chunks,
 * and with every classifier this CPU has (the JSON string scanner follows it: scalar or SSE2): all dumps must be
 * identical. Redshift pages quoted: copy-usage_notes-copy-from-json ("usage"), r_COPY_command_examples
 * ("examples").
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
#include "format/jsonpath.h"


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
	if (hd_format_json.open(o, in, &rd, &err) != HD_OK)
		fail_msg("open: %s", err.msg);
	for (;;) {
		memset(&rec, 0, sizeof rec);
		rc = hd_format_json.next(rd, &rec, &fail, &err);
		if (rc == HD_REC_EOF)
			break;
		if (rc == HD_REC_ERROR) {
			dprintf_(&d, "ERR:%s\n", err.msg);
			break;
		}
		/* raw is the input at offset */
		assert_true(rec.offset + rec.raw_len <= len);
		assert_memory_equal(rec.raw, data + rec.offset, rec.raw_len);
		if (rc == HD_REC_BAD) {
			assert_true(fail.reason[0] != '\0');
			dprintf_(&d, "%llu:BAD%d\n", (unsigned long long)rec.line, fail.code);
			continue;
		}
		assert_int_equal(rc, HD_REC_OK);
		assert_int_equal(rec.nfields, o->ncolumns);
		dprintf_(&d, "%llu@%llu:", (unsigned long long)rec.line, (unsigned long long)rec.offset);
		for (int i = 0; i < rec.nfields; i++)
			dfield(&d, &rec.fields[i]);
		dput(&d, "\n", 1);
	}
	hd_format_json.close(rd);
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
opts_auto(const char *const *names, int n)
{
	hd_format_opts o;
	memset(&o, 0, sizeof o);
	o.kind = HD_FMT_JSON;
	o.ncolumns = n;
	o.colnames = names;
	o.null_as = "\\N";
	o.null_as_len = 2;
	return o;
}

static hd_format_opts
opts_paths(const char *paths, int n)
{
	hd_format_opts o = opts_auto(NULL, n);
	o.jsonpaths = paths;
	o.jsonpaths_len = strlen(paths);
	return o;
}

#define CHECK(o, input, want)                                                  \
	do {                                                                   \
		char *got_ = run_all(&(o), (input), sizeof(input) - 1, true); \
		assert_string_equal(got_, (want));                             \
		free(got_);                                                    \
	} while (0)

/* open() must fail with code; the message must contain frag. */
static void
open_fails(const hd_format_opts *o, hd_code code, const char *frag)
{
	hd_stream *in = hd_stream_mem("", 0, "x");
	hd_reader *rd = (hd_reader *)(void *)&rd;
	hd_err err;
	memset(&err, 0, sizeof err);
	assert_int_equal(hd_format_json.open(o, in, &rd, &err), code);
	assert_null(rd);
	if (!strstr(err.msg, frag))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, frag);
	hd_stream_close(in);
}

/* --- cases -------------------------------------------------------------------------------------------------------- */

static const char *const cat_cols[] = { "catid", "catgroup", "catname", "catdesc" };

/* examples, "Load from JSON data using the 'auto' option": category_object_auto.json */
static void
test_auto_category(void **state)
{
	hd_format_opts o = opts_auto(cat_cols, 4);
	(void)state;
	CHECK(o,
	    "{\n    \"catdesc\": \"Major League Baseball\",\n    \"catid\": 1,\n    \"catgroup\": \"Sports\",\n"
	    "    \"catname\": \"MLB\"\n}\n"
	    "{\n    \"catgroup\": \"Sports\",\n    \"catid\": 2,\n    \"catname\": \"NHL\",\n"
	    "    \"catdesc\": \"National Hockey League\"\n}",
	    "1@0:[1]q[Sports]q[MLB]q[Major League Baseball]\n"
	    "7@107:[2]q[Sports]q[NHL]q[National Hockey League]\n");
}

static void
test_auto_missing_extra_dup(void **state)
{
	static const char *const cols[] = { "id", "name", "tags" };
	hd_format_opts o = opts_auto(cols, 3);
	(void)state;
	/* a column with no name loads NULL; names with no column are ignored; the last duplicate wins */
	CHECK(o, "{\"id\":1}\n{\"x\":{\"id\":9},\"name\":\"a\",\"id\":2,\"id\":3}\n{}\n",
	    "1@0:[1]NN\n2@9:[3]q[a]N\n3@49:NNN\n");
	/* case-sensitive by default */
	CHECK(o, "{\"ID\":1,\"Name\":\"a\",\"id\":2}", "1@0:[2]NN\n");
	/* names with escapes still match */
	CHECK(o, "{\"n\\u0061me\":\"x\",\"\\u0069d\":7}", "1@0:[7]q[x]N\n");
}

/* examples, "Load from JSON data using the 'auto ignorecase' option": category_object_auto-ignorecase.json */
static void
test_auto_ignorecase(void **state)
{
	hd_format_opts o = opts_auto(cat_cols, 4);
	(void)state;
	o.json_ignorecase = true;
	CHECK(o,
	    "{\"CatDesc\": \"Major League Baseball\", \"CatID\": 1, \"CatGroup\": \"Sports\", \"CatName\": \"MLB\"}\n"
	    "{\"CatGroup\": \"Sports\", \"CatID\": 2, \"CatName\": \"NHL\", \"CatDesc\": \"National Hockey League\"}\n",
	    "1@0:[1]q[Sports]q[MLB]q[Major League Baseball]\n2@89:[2]q[Sports]q[NHL]q[National Hockey League]\n");
	o.json_ignorecase = false;
	CHECK(o, "{\"CatID\": 1, \"catid\": 2}", "1@0:[2]NNN\n");
}

/* auto needs objects: usage, "To load from JSON data that consists of a set of arrays, you must use a JSONPaths
 * file" */
static void
test_auto_not_object(void **state)
{
	static const char *const cols[] = { "a" };
	hd_format_opts o = opts_auto(cols, 1);
	(void)state;
	CHECK(o, "[1,2]\n{\"a\":1} 7 \"s\" null {\"a\":[{\"b\":\"}\"}]}", "1:BAD1216\n2@6:[1]\n2:BAD1216\n2:BAD1216\n"
	    "2:BAD1216\n2@25:[[{\"b\":\"}\"}]]\n");
}

/* examples, category_object_paths.json with category_jsonpath.json */
static void
test_paths_category(void **state)
{
	hd_format_opts o = opts_paths("{\n    \"jsonpaths\": [\n        \"$['id']\",\n        \"$['group']\",\n"
	                              "        \"$['name']\",\n        \"$['description']\"\n    ]\n}", 4);
	(void)state;
	CHECK(o,
	    "{\n    \"id\": 1,\n    \"name\": \"MLB\",\n    \"group\": \"Sports\",\n"
	    "    \"description\": \"Major League Baseball\"\n}\n"
	    "{\n    \"id\": 2,\n    \"name\": \"NHL\",\n    \"group\": \"Sports\",\n"
	    "    \"description\": \"National Hockey League\"\n}\n",
	    "1@0:[1]q[Sports]q[MLB]q[Major League Baseball]\n7@102:[2]q[Sports]q[NHL]q[National Hockey League]\n");
}

/* examples, category_array_data.json with category_array_jsonpath.json */
static void
test_paths_arrays(void **state)
{
	hd_format_opts o = opts_paths("{\"jsonpaths\": [\"$[0]\", \"$[1]\", \"$[2]\", \"$[3]\"]}", 4);
	(void)state;
	CHECK(o,
	    "[1,\"Sports\",\"MLB\",\"Major League Baseball\"]\n[2,\"Sports\",\"NHL\",\"National Hockey League\"]\n"
	    "[3,\"Sports\"]\n",
	    "1@0:[1]q[Sports]q[MLB]q[Major League Baseball]\n2@43:[2]q[Sports]q[NHL]q[National Hockey League]\n"
	    "3@87:[3]q[Sports]NN\n");
}

static void
test_paths_notations(void **state)
{
	hd_format_opts o = opts_paths("{\"jsonpaths\": [\"$['a']\", \"$.b\", \"$.c[0]\", \"$['d']['e']\", "
	                              "\"$.d.f[1].g\", \"$.missing\", \"$['c'][5]\", \"$.d\", \"$['d'].e\", "
	                              "\"$[\\\"q\\\"]\", \"$['x.y']\", \"$.c[1][0]\"]}", 12);
	(void)state;
	CHECK(o,
	    "{\"a\":\"A\",\"b\":2,\"c\":[10,[20,21]],\"d\":{\"e\":true,\"f\":[0,{\"g\":null}]},\"q\":1,\"x.y\":\"dot\"}\n"
	    "{\"a\":[],\"b\":{},\"c\":{\"0\":1},\"d\":[{\"e\":1}],\"x\":{\"y\":2}}\n"
	    "7\n",
	    "1@0:q[A][2][10][true]NNN[{\"e\":true,\"f\":[0,{\"g\":null}]}][true][1]q[dot][20]\n"
	    "2@85:[[]][{}]NNNNN[[{\"e\":1}]]NNNN\n"
	    "3@139:NNNNNNNNNNNN\n");
	/* the root itself; the same path for two columns */
	o = opts_paths("{\"jsonpaths\": [\"$\", \"$.a\", \"$.a\"]}", 3);
	CHECK(o, "{\"a\" : [1, 2] }\"s\" 5", "1@0:[{\"a\" : [1, 2] }][[1, 2]][[1, 2]]\n1@15:q[s]NN\n1@19:[5]NN\n");
}

static void
test_paths_errors(void **state)
{
	hd_format_opts o;
	static const struct {
		const char *file;
		const char *frag;
	} bad[] = {
		{ "{\"jsonpaths\": [\"$.a\", \"$.b[*]\"]}", "expression 2 \"$.b[*]\": wildcards are not supported at position 4" },
		{ "{\"jsonpaths\": [\"$.*\"]}", "wildcards" },
		{ "{\"jsonpaths\": [\"$..a\"]}", "recursive descent" },
		{ "{\"jsonpaths\": [\"$.a[?(@.b)]\"]}", "filter" },
		{ "{\"jsonpaths\": [\"$.a[0:2]\"]}", "slices" },
		{ "{\"jsonpaths\": [\"$.a[0,1]\"]}", "unions" },
		{ "{\"jsonpaths\": [\"$.a[-1]\"]}", "must be >= 0" },
		{ "{\"jsonpaths\": [\"a.b\"]}", "must start with '$'" },
		{ "{\"jsonpaths\": [\"$.\"]}", "empty name" },
		{ "{\"jsonpaths\": [\"$['a'\"]}", "expected ']'" },
		{ "{\"jsonpaths\": [\"$['a]\"]}", "unterminated quoted name" },
		{ "{\"jsonpaths\": [\"$[1\"]}", "expected ']'" },
		{ "{\"jsonpaths\": [\"$a\"]}", "expected '.' or '['" },
		{ "{\"jsonpaths\": [\"$[x]\"]}", "expected a quoted name" },
		{ "{\"jsonpaths\": [\"$.a\" \"$.b\"]}", "expected ',' or ']'" },
		{ "{\"jsonpaths\": [1]}", "array of strings" },
		{ "{\"jsonpaths\": \"$.a\"}", "array of strings" },
		{ "[\"$.a\"]", "single JSON object" },
		{ "{\"jsonpaths\": [\"$.a\"]} x", "trailing" },
		{ "{\"jsonpaths\": [\"$.a\"]", "expected ',' or '}'" },
		{ "{\"jsonpaths\": [\"$.a\\q\"]}", "invalid escape" },
		{ "", "single JSON object" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		o = opts_paths(bad[i].file, 1);
		open_fails(&o, HD_ERR_SYNTAX, bad[i].frag);
	}
	/* the count must match the columns (Redshift's message) */
	o = opts_paths("{\"jsonpaths\": [\"$.a\", \"$.b\"]}", 3);
	open_fails(&o, HD_ERR_SYNTAX, "Number of jsonpaths and the number of columns should match. JSONPath size: 2, "
	                              "Number of columns in table or column list: 3");
	/* usage: "If the name is any string other than "jsonpaths", COPY uses the 'auto' argument" */
	{
		static const char *const cols[] = { "a", "b" };
		o = opts_paths("{\"paths\": [\"$.b\"], \"other\": {\"x\": [1, true, null]}}", 2);
		o.colnames = cols;
		CHECK(o, "{\"b\":1,\"a\":2}", "1@0:[2][1]\n");
	}
}

static void
test_values(void **state)
{
	static const char *const cols[] = { "s", "i", "f", "t", "F", "n", "o", "a", "e", "z" };
	hd_format_opts o = opts_auto(cols, 10);
	(void)state;
	CHECK(o,
	    "{\"s\":\"text\",\"i\":-12,\"f\":-1.5e+10,\"t\":true,\"F\":false,\"n\":null,"
	    "\"o\":{ \"k\" : [1, {\"x\":\"]}\"}] },\"a\":[ ],\"e\":\"\",\"z\":0.25E-3}",
	    "1@0:q[text][-12][-1.5e+10][true][false]N[{ \"k\" : [1, {\"x\":\"]}\"}] }][[ ]]q[][0.25E-3]\n");
	/* numbers as written; bad ones are bad records */
	{
		static const char *const one[] = { "v" };
		o = opts_auto(one, 1);
		CHECK(o, "{\"v\":-0}{\"v\":01}\n{\"v\":1.}\n{\"v\":.5}\n{\"v\":1e}\n{\"v\":+1}\n{\"v\":0x1}\n{\"v\":1.0e-7}\n"
		         "{\"v\":tru}\n{\"v\":nul}\n{\"v\":True}\n{\"v\":truex}\n{\"v\":12345678901234567890123}",
		    "1@0:[-0]\n1:BAD1216\n2:BAD1216\n3:BAD1216\n4:BAD1216\n5:BAD1216\n6:BAD1216\n7@63:[1.0e-7]\n"
		    "8:BAD1216\n9:BAD1216\n10:BAD1216\n11:BAD1216\n12@119:[12345678901234567890123]\n");
	}
}

/* usage, "Escape characters in JSON" */
static void
test_escapes(void **state)
{
	static const char *const cols[] = { "v" };
	hd_format_opts o = opts_auto(cols, 1);
	(void)state;
	CHECK(o, "{\"v\":\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"}",
	    "1@0:q[a\"b\\c/d\\x08e\\x0cf\\ng\\rh\\x09i]\n");
	CHECK(o, "{\"v\":\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00|\\u0000\"}",
	    "1@0:q[A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\\x00]\n");
	/* raw UTF-8 passes through (convert/ checks it) */
	CHECK(o, "{\"v\":\"\xc3\xa9\xff\"}", "1@0:q[\xc3\xa9\xff]\n");
	/* lone surrogates in a loaded string: 1220; bad hex: 1219; unknown escape, raw control bytes: 1216 */
	CHECK(o, "{\"v\":\"\\ud83d\"}\n{\"v\":\"\\ude00x\"}\n{\"v\":\"\\ud83d\\u0041\"}\n{\"v\":\"\\u12G4\"}\n"
	         "{\"v\":\"\\x\"}\n{\"v\":\"a\tb\"}\n{\"v\":\"ok\"}",
	    "1:BAD1220\n2:BAD1220\n3:BAD1220\n4:BAD1219\n5:BAD1216\n6:BAD1216\n7@90:q[ok]\n");
	/* not loaded: a lone surrogate elsewhere is not looked at */
	CHECK(o, "{\"w\":\"\\ud83d\",\"v\":1}", "1@0:[1]\n");
}

static void
test_separators_lines(void **state)
{
	static const char *const cols[] = { "a" };
	hd_format_opts o = opts_auto(cols, 1);
	(void)state;
	CHECK(o, "{\"a\":1}{\"a\":2}  \n\n {\"a\":3}\r\n{\"a\":\r\n4}\t{\n\"a\"\n:\n5\n}\n", "1@0:[1]\n1@7:[2]\n3@19:[3]\n"
	    "4@28:[4]\n5@38:[5]\n");
	CHECK(o, "", "");
	CHECK(o, " \n\t\r\n ", "");
	/* a byte order mark at the start of a file is skipped */
	CHECK(o, "\xEF\xBB\xBF{\"a\":1}", "1@3:[1]\n");
	CHECK(o, "{\"a\":1}\xEF\xBB\xBF", "1@0:[1]\n1:BAD1216\n");
}

static void
test_malformed_recovery(void **state)
{
	static const char *const cols[] = { "a" };
	hd_format_opts o = opts_auto(cols, 1);
	(void)state;
	CHECK(o, "{\"a\":1}\n{\"a\":}\n{\"a\":3}\n{\"a\":\"unterminated}\n{\"a\":5}\nhello\n{\"a\":7} x\n {\"a\":8}\n"
	         "{\"a\":9}\n{\"a\":[1,2",
	    "1@0:[1]\n2:BAD1216\n3@15:[3]\n4:BAD1216\n5@43:[5]\n6:BAD1216\n7@57:[7]\n7:BAD1216\n9@76:[9]\n10:BAD1216\n");
	/* a pretty-printed bad record: its indented lines are skipped up to the next record at column 0 */
	CHECK(o, "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": oops\n  }\n}\n{\n  \"a\": 2\n}\n",
	    "1:BAD1216\n7@41:[2]\n");
	/* commas between records, a top-level array of objects in 'auto' */
	CHECK(o, "{\"a\":1},\n{\"a\":2}\n[{\"a\":3}]\n", "1@0:[1]\n1:BAD1216\n2@9:[2]\n3:BAD1216\n");
	/* a stray closing brace, a NUL byte */
	CHECK(o, "}\n{\"a\":1}\n{\"a\":\0}\n{\"a\":2}", "1:BAD1216\n2@2:[1]\n3:BAD1216\n4@18:[2]\n");
	/* truncated at the end of input */
	CHECK(o, "{\"a\":1}\n{\"a\"", "1@0:[1]\n2:BAD1216\n");
	CHECK(o, "{\"a\":1}\n{\"a\":\"x\\", "1@0:[1]\n2:BAD1216\n");
	CHECK(o, "{\"a\":1}\n{\"a\":\"\\u12", "1@0:[1]\n2:BAD1219\n");
	CHECK(o, "{\"a\":1}\n{\"a\":tr", "1@0:[1]\n2:BAD1216\n");
}

static void
test_bad_record_details(void **state)
{
	static const char *const cols[] = { "a" };
	static const char in[] = "{\"a\":1}\n{\"a\": [1,\n 2,, 3]}  \n{\"a\":2}";
	hd_format_opts o = opts_auto(cols, 1);
	hd_stream *s = hd_stream_mem(in, sizeof in - 1, "x");
	hd_reader *rd;
	hd_record rec;
	hd_recfail fail;
	hd_err err;
	(void)state;
	assert_int_equal(hd_format_json.open(&o, s, &rd, &err), HD_OK);
	assert_int_equal(hd_format_json.next(rd, &rec, &fail, &err), HD_REC_OK);
	assert_int_equal(hd_format_json.next(rd, &rec, &fail, &err), HD_REC_BAD);
	assert_int_equal(fail.code, 1216);
	assert_string_equal(fail.reason, "Invalid JSON: unexpected character ',' at Pos 13");
	assert_int_equal(rec.line, 2);
	assert_int_equal(rec.offset, 8);
	/* raw: from the record's start to the end of the line with the error */
	assert_int_equal(rec.raw_len, strlen("{\"a\": [1,\n 2,, 3]}  "));
	assert_int_equal(hd_format_json.next(rd, &rec, &fail, &err), HD_REC_OK);
	assert_int_equal(rec.line, 4);
	assert_int_equal(hd_format_json.next(rd, &rec, &fail, &err), HD_REC_EOF);
	hd_format_json.close(rd);
	hd_stream_close(s);
}

static void
test_depth(void **state)
{
	static const char *const cols[] = { "a" };
	hd_format_opts o = opts_auto(cols, 1);
	dump in = { 0 };
	char *got;
	(void)state;
	/* the object is level 1: 511 arrays inside it reach HD_MAX_JSON_DEPTH */
	dput(&in, "{\"a\":", 5);
	for (int i = 0; i < HD_MAX_JSON_DEPTH - 1; i++)
		dput(&in, "[", 1);
	for (int i = 0; i < HD_MAX_JSON_DEPTH - 1; i++)
		dput(&in, "]", 1);
	dput(&in, "}\n{\"a\":", 7);
	for (int i = 0; i < HD_MAX_JSON_DEPTH; i++)
		dput(&in, "[", 1);
	for (int i = 0; i < HD_MAX_JSON_DEPTH; i++)
		dput(&in, "]", 1);
	dput(&in, "}\n{\"a\":1}\n", 10);
	got = run_all(&o, in.s, in.len, true);
	assert_non_null(strstr(got, "\n2:BAD1216\n3@"));
	assert_true(strncmp(got, "1@0:[[[", 7) == 0);
	free(got);
	free(in.s);
}

static void
test_huge_records(void **state)
{
	static const char *const cols[] = { "a", "b" };
	hd_format_opts o = opts_auto(cols, 2);
	size_t big = HD_MAX_RECORD - 64;
	char *in = malloc(2 * HD_MAX_RECORD + 64), *got, want[64];
	size_t n = 0;
	(void)state;
	assert_non_null(in);
	/* a record just under 4 MB loads, escapes included */
	n += (size_t)snprintf(in, 64, "{\"b\":1,\"a\":\"");
	while (n < big) {
		if (n % 100 == 0) {
			in[n++] = '\\';
			in[n++] = 'n';
		} else {
			in[n++] = 'x';
		}
	}
	memcpy(in + n, "\"}\n{\"a\":2}", 10);
	n += 10;
	got = run_all(&o, in, n, false);
	snprintf(want, sizeof want, "\n2@%zu:[2]N\n", n - 7);
	assert_non_null(strstr(got, want));
	assert_true(strncmp(got, "1@0:q[xx", 8) == 0);
	free(got);
	/* one over the limit: a fatal error naming its line */
	n = (size_t)snprintf(in, 64, "{\"a\":1}\n\n{\"a\":\"");
	while (n < HD_MAX_RECORD + 100)
		in[n++] = 'y';
	memcpy(in + n, "\"}", 2);
	n += 2;
	got = run_all(&o, in, n, false);
	assert_string_equal(got, "1@0:[1]N\nERR:test-input: line 3: record longer than the maximum of 4194304 bytes\n");
	free(got);
	free(in);
}

/* Many records of every kind over several MB: every stream mode and classifier agree. */
static void
test_chunked_equivalence(void **state)
{
	static const char *const pieces[] = {
		"{\"a\":1,\"b\":\"two\"}", "\n", " ", "{\"b\":\"esc\\\"aped\\u00e9\\ud83d\\ude00\",\"c\":[1,{\"d\":null}]}",
		"{\"a\":-1.5e3,\"x\":{\"y\":[true,false]}}", "\r\n", "{\"a\":}", "{\"b\":\"0123456789abcdefghij0123456789\"}",
		"[1,2]", "{\"c\":{}}", "{\"a\":\"\\q\"}", "{\"A\":\"case\"}", "\t",
	};
	static const char *const cols[] = { "a", "b", "c" };
	hd_format_opts o = opts_auto(cols, 3);
	uint64_t rng = 12345;
	dump in = { 0 };
	char *got;
	(void)state;
	while (in.len < HD_MAX_RECORD + HD_READ_CHUNK + (1u << 20)) {
		const char *p = pieces[rnd(&rng) % (sizeof pieces / sizeof pieces[0])];
		dput(&in, p, strlen(p));
	}
	got = run_all(&o, in.s, in.len, false);
	assert_true(strlen(got) > 1000);
	free(got);
	o = opts_paths("{\"jsonpaths\":[\"$.c[1].d\",\"$.b\",\"$[0]\"]}", 3);
	got = run_all(&o, in.s, in.len, false);
	free(got);
	in.len = 20000;
	free(run_all(&o, in.s, in.len, true));
	free(in.s);
}

static void
test_unescape(void **state)
{
	char out[64];
	size_t n, at;
	(void)state;
	assert_int_equal(hd_json_unescape_("a\\u00", (const char *)"a\\u00" + 5, out, &n, &at), HD_JU_BAD_HEX);
	assert_int_equal(hd_json_unescape_("\\", (const char *)"\\" + 1, out, &n, &at), HD_JU_BAD_ESCAPE);
	assert_int_equal(hd_json_unescape_("x\\ud800\\uzzzz", (const char *)"x\\ud800\\uzzzz" + 13, out, &n, &at),
	    HD_JU_BAD_HEX);
	assert_int_equal(at, 7);
	assert_int_equal(hd_json_unescape_("\\uDBFF\\uDFFF", (const char *)"\\uDBFF\\uDFFF" + 12, out, &n, &at),
	    HD_JU_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "\xf4\x8f\xbf\xbf", 4);
}

static void
test_registry(void **state)
{
	hd_format_opts o = opts_auto(NULL, 1);
	(void)state;
	assert_ptr_equal(hd_format_for(HD_FMT_JSON), &hd_format_json);
	assert_null(hd_format_json.boundaries);
	open_fails(&o, HD_ERR_INTERNAL, "column names");
	o.ncolumns = 0;
	open_fails(&o, HD_ERR_INTERNAL, "columns");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_category),
		cmocka_unit_test(test_auto_missing_extra_dup),
		cmocka_unit_test(test_auto_ignorecase),
		cmocka_unit_test(test_auto_not_object),
		cmocka_unit_test(test_paths_category),
		cmocka_unit_test(test_paths_arrays),
		cmocka_unit_test(test_paths_notations),
		cmocka_unit_test(test_paths_errors),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_separators_lines),
		cmocka_unit_test(test_malformed_recovery),
		cmocka_unit_test(test_bad_record_details),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_huge_records),
		cmocka_unit_test(test_chunked_equivalence),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
