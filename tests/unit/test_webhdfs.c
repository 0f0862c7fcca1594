/*
 * test_webhdfs.c — the pieces of the hdfs:// source that need no server: the strict JSON parser of WebHDFS and JMX
 * answers (source/hjson.c) and Hadoop's {a,b} glob alternations (source/glob.c). The source itself is tested against
 * a real HDFS in tests/integration/test_hdfs.py.
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
#include "source/hjson.h"
#include "source/source.h"
#include "source/webhdfs.h"

static hd_code
parse(const char *s, hd_hjson *j)
{
	hd_err err;
	return hd_hjson_parse(s, strlen(s), 10000, j, &err);
}

static void
test_filestatus_batch(void **state)
{
	(void)state;
	/* a real LISTSTATUS_BATCH answer of Hadoop 3.4.2 (trimmed to two entries) */
	const char *s =
	    "{\"DirectoryListing\":{\"partialListing\":{\"FileStatuses\":{\"FileStatus\":["
	    "{\"accessTime\":1795504326541,\"blockSize\":1048576,\"childrenNum\":0,\"fileId\":16390,\"group\":\"etl\","
	    "\"length\":0,\"modificationTime\":1795504326544,\"owner\":\"root\",\"pathSuffix\":\"_SUCCESS\","
	    "\"permission\":\"644\",\"replication\":3,\"storagePolicy\":0,\"type\":\"FILE\"},"
	    "{\"length\":18446744073709551615,\"pathSuffix\":\"part-\\u00e9\\/x\",\"type\":\"DIRECTORY\",\"ecPolicy\":null,"
	    "\"snapshotEnabled\":true,\"weight\":-1.5e+3}"
	    "]}},\"remainingEntries\":17}}";
	hd_hjson j;
	int dl, arr, e;
	uint64_t v;
	char buf[64];

	assert_int_equal(parse(s, &j), HD_OK);
	dl = hd_hjson_get(&j, 0, "DirectoryListing");
	assert_true(hd_hjson_u64(&j, hd_hjson_get(&j, dl, "remainingEntries"), &v));
	assert_int_equal(v, 17);
	arr = hd_hjson_get(&j, hd_hjson_get(&j, hd_hjson_get(&j, dl, "partialListing"), "FileStatuses"), "FileStatus");
	assert_true(hd_hjson_is(&j, arr, HD_HJ_ARRAY));
	assert_int_equal(j.t[arr].count, 2);
	e = arr + 1;
	assert_true(hd_hjson_str_eq(&j, hd_hjson_get(&j, e, "pathSuffix"), "_SUCCESS"));
	assert_true(hd_hjson_u64(&j, hd_hjson_get(&j, e, "accessTime"), &v));
	assert_int_equal(v, 1795504326541ull);
	e = (int)j.t[e].next;
	assert_true(hd_hjson_u64(&j, hd_hjson_get(&j, e, "length"), &v));
	assert_true(v == UINT64_MAX);
	assert_int_equal(hd_hjson_str(&j, hd_hjson_get(&j, e, "pathSuffix"), buf, sizeof buf), 9);
	assert_string_equal(buf, "part-\xc3\xa9/x");
	assert_true(hd_hjson_str_eq(&j, hd_hjson_get(&j, e, "type"), "DIRECTORY"));
	assert_false(hd_hjson_u64(&j, hd_hjson_get(&j, e, "weight"), &v)); /* not an integer */
	assert_true(hd_hjson_is(&j, hd_hjson_get(&j, e, "ecPolicy"), HD_HJ_NULL));
	assert_int_equal(hd_hjson_get(&j, e, "missing"), -1);
	assert_int_equal(hd_hjson_get(&j, arr, "x"), -1); /* not an object */
	assert_int_equal(hd_hjson_get(&j, -1, "x"), -1);
	hd_hjson_free(&j);
}

static void
test_remote_exception_and_jmx(void **state)
{
	(void)state;
	const char *re = "{\"RemoteException\":{\"exception\":\"AccessControlException\",\"javaClassName\":"
	                 "\"org.apache.hadoop.security.AccessControlException\",\"message\":\"Permission denied: "
	                 "user=etl, access=READ_EXECUTE, inode=\\\"/secret\\\":root:root:drwx------\"}}";
	const char *jmx = "{\n  \"beans\" : [ {\n    \"name\" : \"Hadoop:service=NameNode,name=NameNodeInfo\",\n"
	                  "    \"LiveNodes\" : \"{\\\"127.0.0.1:33035\\\":{\\\"infoAddr\\\":\\\"127.0.0.1:40899\\\","
	                  "\\\"xferaddr\\\":\\\"127.0.0.1:33035\\\",\\\"adminState\\\":\\\"In Service\\\"}}\"\n  } ]\n}";
	hd_hjson j, k;
	char msg[256], *live;
	size_t n;
	int r;

	assert_int_equal(parse(re, &j), HD_OK);
	r = hd_hjson_get(&j, 0, "RemoteException");
	assert_true(hd_hjson_str_eq(&j, hd_hjson_get(&j, r, "exception"), "AccessControlException"));
	assert_true(hd_hjson_str(&j, hd_hjson_get(&j, r, "message"), msg, sizeof msg) > 0);
	assert_non_null(strstr(msg, "inode=\"/secret\""));
	/* too small a buffer: refused, never overrun */
	assert_int_equal(hd_hjson_str(&j, hd_hjson_get(&j, r, "message"), msg, 8), -1);
	hd_hjson_free(&j);

	assert_int_equal(parse(jmx, &j), HD_OK);
	r = hd_hjson_get(&j, 0, "beans");
	live = hd_hjson_strdup(&j, hd_hjson_get(&j, r + 1, "LiveNodes"), &n);
	assert_non_null(live);
	assert_int_equal(parse(live, &k), HD_OK);
	assert_int_equal(k.t[0].count, 2);
	assert_true(hd_hjson_str_eq(&k, 1, "127.0.0.1:33035"));
	assert_true(hd_hjson_str_eq(&k, hd_hjson_get(&k, 2, "infoAddr"), "127.0.0.1:40899"));
	hd_hjson_free(&k);
	free(live);
	hd_hjson_free(&j);
}

static void
test_strict(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", " ", "{", "}", "[", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "-", "1.", ".5", "1e", "+1",
		"\"abc", "\"a\\x\"", "\"a\\u12G4\"", "\"tab\tinside\"", "tru", "nul", "[1 2]", "{} {}", "{\"a\":}",
		"[\"a\\", "\"\\u12", "[[[[", "{\"a\":[1,{\"b\":}]}", "\xef\xbb\xbf{}", "NaN", "[1,,2]",
	};
	static const char *const good[] = {
		"{}", "[]", " [ ] ", "0", "-0", "-1.5E-7", "\"\"", "\"\\ud83d\\ude00 \\udc00\"", "true", "null",
		"[{\"a\":[{}, [], \"x\", 1, false]}]", "\"\xff raw bytes pass\"",
	};
	hd_hjson j;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (parse(bad[i], &j) == HD_OK)
			fail_msg("accepted bad JSON #%zu: %s", i, bad[i]);
		assert_null(j.t);
	}
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		if (parse(good[i], &j) != HD_OK)
			fail_msg("refused good JSON #%zu: %s", i, good[i]);
		hd_hjson_free(&j);
	}
	{
		char buf[32];
		assert_int_equal(parse("\"\\ud83d\\ude00|\\udc00\"", &j), HD_OK);
		assert_int_equal(hd_hjson_str(&j, 0, buf, sizeof buf), 8); /* 4-byte emoji, '|', U+FFFD */
		assert_memory_equal(buf, "\xf0\x9f\x98\x80|\xef\xbf\xbd", 8);
		hd_hjson_free(&j);
	}
}

static void
test_limits(void **state)
{
	(void)state;
	hd_hjson j;
	hd_err err;
	char deep[200];
	memset(deep, '[', sizeof deep);
	/* nesting past HD_MAX_HJSON_DEPTH: refused, no recursion */
	assert_int_equal(hd_hjson_parse(deep, sizeof deep, 10000, &j, &err), HD_ERR_LIMIT);
	/* more values than allowed */
	assert_int_equal(hd_hjson_parse("[1,2,3,4]", 9, 4, &j, &err), HD_ERR_LIMIT);
	assert_int_equal(hd_hjson_parse("[1,2,3]", 7, 4, &j, &err), HD_OK);
	hd_hjson_free(&j);
	/* numbers that overflow uint64 */
	assert_int_equal(parse("18446744073709551616", &j), HD_OK);
	{
		uint64_t v;
		assert_false(hd_hjson_u64(&j, 0, &v));
	}
	hd_hjson_free(&j);
}

/* A cheap fuzz: every prefix and every one-byte corruption of a real answer parses or fails cleanly. */
static void
test_mutations(void **state)
{
	(void)state;
	const char *s = "{\"FileStatuses\":{\"FileStatus\":[{\"pathSuffix\":\"a\\\"b\",\"length\":12,\"type\":\"FILE\"},"
	                "{\"pathSuffix\":\"\\u00e9\",\"length\":-1e5,\"t\":[true,false,null]}]}}";
	static const char subst[] = "{}[]\",:\\u0-eE. \x01\x80";
	size_t n = strlen(s);
	char *b = malloc(n);
	hd_hjson j;
	hd_err err;

	for (size_t len = 0; len <= n; len++) {
		memcpy(b, s, len);
		if (hd_hjson_parse(b, len, 1000, &j, &err) == HD_OK)
			hd_hjson_free(&j);
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof subst - 1; k++) {
			char buf[64];
			memcpy(b, s, n);
			b[i] = subst[k];
			if (hd_hjson_parse(b, n, 1000, &j, &err) == HD_OK) {
				for (uint32_t t = 0; t < j.n; t++) {
					hd_hjson_str(&j, (int)t, buf, sizeof buf);
					hd_hjson_get(&j, (int)t, "length");
				}
				hd_hjson_free(&j);
			}
		}
	}
	free(b);
}

static void
expect_braces(const char *pat, const char *want)
{
	char **v, got[512] = "";
	int n = hd_glob_braces(pat, &v, 64);
	assert_true(n >= 1);
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(got, " ");
		strcat(got, v[i]);
		free(v[i]);
	}
	free(v);
	assert_string_equal(got, want);
}

static void
test_braces(void **state)
{
	(void)state;
	expect_braces("/d/part-*", "/d/part-*");
	expect_braces("/d/{a,b}/x", "/d/a/x /d/b/x");
	expect_braces("/d/{a,b{1,2}}/x", "/d/a/x /d/b1/x /d/b2/x");
	expect_braces("{a,b}{c,d}", "ac ad bc bd");
	expect_braces("/d/{days/1,days/*}/a", "/d/days/1/a /d/days/*/a");
	expect_braces("x{,y}", "x xy");
	expect_braces("x{a}", "xa");
	expect_braces("a{b", "a{b");           /* unbalanced: literal */
	expect_braces("a\\{b,c}", "a\\{b,c}"); /* escaped */
	expect_braces("{a\\,b,c}", "a\\,b c");
	assert_true(hd_glob_has_braces("/x/{a,b}"));
	assert_false(hd_glob_has_braces("/x/a{b"));
	assert_false(hd_glob_has_braces("/x/\\{a,b}"));
	{
		/* 2^8 alternatives are more than a cap of 64 */
		char **v;
		assert_int_equal(hd_glob_braces("{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}", &v, 64), -1);
	}
	/* the matcher side of Hadoop's syntax: [^..] negation, \ escapes, no match across '/' */
	assert_true(hd_glob_match("part-0000[^0-1]", "part-00002", true));
	assert_false(hd_glob_match("part-0000[^0-1]", "part-00001", true));
	assert_true(hd_glob_match("a\\*b", "a*b", true));
	assert_false(hd_glob_match("a\\*b", "axb", true));
	assert_false(hd_glob_match("a*", "a/b", true));
}

static void
test_escape(void **state)
{
	(void)state;
	hd_buf b;
	hd_buf_init(&b, 0);
	assert_int_equal(hd_webhdfs_escape(&b, "/a b/%x?y#z&é", true), HD_OK);
	assert_int_equal(hd_buf_cstr(&b), HD_OK);
	assert_string_equal(b.data, "/a%20b/%25x%3Fy%23z%26%C3%A9");
	hd_buf_reset(&b);
	assert_int_equal(hd_webhdfs_escape(&b, "a/b", false), HD_OK);
	assert_int_equal(hd_buf_cstr(&b), HD_OK);
	assert_string_equal(b.data, "a%2Fb");
	hd_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filestatus_batch), cmocka_unit_test(test_remote_exception_and_jmx),
		cmocka_unit_test(test_strict),           cmocka_unit_test(test_limits),
		cmocka_unit_test(test_mutations),        cmocka_unit_test(test_braces),
		cmocka_unit_test(test_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
