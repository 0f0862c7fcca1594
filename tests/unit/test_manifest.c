/*
 * test_manifest.c — the SSH manifest reader (source/manifest.c): what parses, what is refused and with which
 * message, the endpoint forms, and that no input crashes it (every prefix of valid manifests, byte flips, deep
 * nesting, caps). Fuzzing later uses the same entry point.
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
#include "source/manifest.h"

static hd_code
parse(const char *text, hd_manifest *m, hd_err *err)
{
	memset(err, 0, sizeof *err);
	return hd_manifest_parse(text, strlen(text), m, err);
}

static void
expect_error(const char *text, hd_code code, const char *needle)
{
	hd_manifest m;
	hd_err err;
	hd_code r = parse(text, &m, &err);
	if (r != code || !strstr(err.msg, needle))
		fail_msg("input %s\n  got %d \"%s\"\n  want %d containing \"%s\"", text, r, err.msg, code, needle);
	assert_null(m.v);
	assert_int_equal(m.n, 0);
}

static void
test_valid(void **state)
{
	hd_manifest m;
	hd_err err;
	(void)state;
	const char *text =
	    "\xef\xbb\xbf{ \"entries\": [\n"
	    "  {\"endpoint\": \"host1.example.com\", \"command\": \"cat /data/part-0001.txt\", \"mandatory\": true,\n"
	    "   \"publickey\": \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG comment here\", \"username\": \"ec2-user\"},\n"
	    "  {\"endpoint\": \"10.0.0.5:2222\", \"command\": \"zcat \\\"/a b\\\"\\n\\u00e9\\ud83d\\ude00\"},\n"
	    "  {\"command\": \"x\", \"endpoint\": \"[fe80::1%eth0]:22\", \"mandatory\": false},\n"
	    "  {\"endpoint\": \"2001:db8::7\", \"command\": \"y\"}\n"
	    "] }\n";
	assert_int_equal(parse(text, &m, &err), HD_OK);
	assert_int_equal(m.n, 4);
	assert_string_equal(m.v[0].host, "host1.example.com");
	assert_int_equal(m.v[0].port, 22);
	assert_true(m.v[0].mandatory);
	assert_string_equal(m.v[0].username, "ec2-user");
	assert_string_equal(m.v[0].publickey, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG comment here");
	assert_string_equal(m.v[1].host, "10.0.0.5");
	assert_int_equal(m.v[1].port, 2222);
	assert_false(m.v[1].mandatory);
	assert_null(m.v[1].username);
	assert_null(m.v[1].publickey);
	assert_string_equal(m.v[1].command, "zcat \"/a b\"\n\xc3\xa9\xf0\x9f\x98\x80");
	assert_string_equal(m.v[2].host, "fe80::1%eth0");
	assert_string_equal(m.v[2].endpoint, "[fe80::1%eth0]:22");
	assert_string_equal(m.v[3].host, "2001:db8::7");
	assert_int_equal(m.v[3].port, 22);
	hd_manifest_free(&m);
}

static void
test_endpoints(void **state)
{
	static const struct {
		const char *in, *host;
		int port;
	} ok[] = {
		{ "h", "h", 22 },          { "h:1", "h", 1 },           { "h:65535", "h", 65535 },
		{ "[::1]", "::1", 22 },    { "[::1]:2022", "::1", 2022 }, { "::1", "::1", 22 },
		{ "a-b.c_d", "a-b.c_d", 22 }, { "10.231.7.11:22", "10.231.7.11", 22 },
	};
	static const char *const bad[] = { "", ":22", "h:", "h:0", "h:65536", "h:123456", "h:2x", "[::1", "[::1]x",
	                                   "[]:22", "-oProxyCommand=x", "h h", "h;rm", "h/x", "h%1", "[::1]:" };
	char host[256];
	int port;
	hd_err err;
	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_int_equal(hd_manifest_endpoint(ok[i].in, host, sizeof host, &port, &err), HD_OK);
		assert_string_equal(host, ok[i].host);
		assert_int_equal(port, ok[i].port);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (hd_manifest_endpoint(bad[i], host, sizeof host, &port, &err) != HD_ERR_SYNTAX)
			fail_msg("endpoint '%s' accepted", bad[i]);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("", HD_ERR_SYNTAX, "line 1, column 1: a manifest is a JSON object");
	expect_error("[]", HD_ERR_SYNTAX, "expected '{'");
	expect_error("{}", HD_ERR_SYNTAX, "no \"entries\"");
	expect_error("{\"entries\": []}", HD_ERR_SYNTAX, "has no entries");
	expect_error("{\"entries\": {}}", HD_ERR_SYNTAX, "must be an array");
	expect_error("{\"entries\": [1]}", HD_ERR_SYNTAX, "expected an entry object");
	expect_error("{\"entries\": [{\"command\": \"c\"}]}", HD_ERR_SYNTAX, "manifest entry 1: \"endpoint\" is required");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c\"}, {\"endpoint\": \"h\"}]}", HD_ERR_SYNTAX,
	             "manifest entry 2: \"command\" is required");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"  \"}]}", HD_ERR_SYNTAX, "\"command\" is empty");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c\", \"mandatroy\": true}]}", HD_ERR_SYNTAX,
	             "manifest entry 1: unknown field \"mandatroy\"");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"endpoint\": \"h\", \"command\": \"c\"}]}", HD_ERR_SYNTAX,
	             "\"endpoint\" is given twice");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c\", \"mandatory\": \"true\"}]}", HD_ERR_SYNTAX,
	             "\"mandatory\" must be true or false");
	expect_error("{\"entries\": [{\"endpoint\": 5, \"command\": \"c\"}]}", HD_ERR_SYNTAX, "\"endpoint\" must be a string");
	expect_error("{\"entries\": [{\"endpoint\": \"h:0\", \"command\": \"c\"}]}", HD_ERR_SYNTAX,
	             "manifest entry 1: \"endpoint\" port is not a number");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c\", \"username\": \"-oX\"}]}", HD_ERR_SYNTAX,
	             "\"username\" is not a valid login name");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c\", \"publickey\": \"AAAA\"}]}", HD_ERR_SYNTAX,
	             "\"publickey\" is not an SSH public key");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c\\u0000\"}]}", HD_ERR_SYNTAX, "\\u0000");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c\\ud800\"}]}", HD_ERR_SYNTAX, "surrogate");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c\\udc00\"}]}", HD_ERR_SYNTAX, "surrogate");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c\\x\"}]}", HD_ERR_SYNTAX, "invalid escape");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c\xff\"}]}", HD_ERR_SYNTAX, "invalid UTF-8");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c\xc0\xaf\"}]}", HD_ERR_SYNTAX, "invalid UTF-8");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"a\tb\"}]}", HD_ERR_SYNTAX, "control character");
	expect_error("{\"entries\": [\n  {\"endpoint\": \"h\" \"command\": \"c\"}]}", HD_ERR_SYNTAX,
	             "line 2, column 20: expected ',' or '}'");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c\"}]} x", HD_ERR_SYNTAX, "text after");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c\"}], \"other\": 1}", HD_ERR_SYNTAX,
	             "unknown top-level field");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c\"", HD_ERR_SYNTAX, "the manifest ends here");
	expect_error("{\"entries\": [{\"endpoint\": \"h\", \"command\": \"c", HD_ERR_SYNTAX, "unterminated string");
}

static void
test_caps(void **state)
{
	size_t n = HD_MAX_MANIFEST + 10, k;
	char *big = malloc(n + 1);
	hd_manifest m;
	hd_err err;
	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	expect_error(big, HD_ERR_LIMIT, "larger than");
	/* A command over HD_MAX_SSH_COMMAND. */
	k = (size_t)snprintf(big, n, "{\"entries\":[{\"endpoint\":\"h\",\"command\":\"");
	memset(big + k, 'x', HD_MAX_SSH_COMMAND + 1);
	k += HD_MAX_SSH_COMMAND + 1;
	snprintf(big + k, n - k, "\"}]}");
	expect_error(big, HD_ERR_LIMIT, "\"command\" is longer than");
	/* More entries than HD_MAX_MANIFEST_ENTRIES. */
	k = (size_t)snprintf(big, n, "{\"entries\":[");
	for (int i = 0; i <= HD_MAX_MANIFEST_ENTRIES && k + 64 < n; i++)
		k += (size_t)snprintf(big + k, n - k, "%s{\"endpoint\":\"h\",\"command\":\"c\"}", i ? "," : "");
	snprintf(big + k, n - k, "]}");
	expect_error(big, HD_ERR_LIMIT, "more than");
	/* Deep nesting where a scalar belongs is an error at once, not a descent. */
	memset(big, '[', n);
	memcpy(big, "{\"entries\":[{\"endpoint\":", 24);
	big[n] = '\0';
	big[HD_MAX_MANIFEST - 1] = '\0';
	assert_int_equal(parse(big, &m, &err), HD_ERR_SYNTAX);
	free(big);
}

/* Every prefix, and every single-byte change of a valid manifest, parses or fails cleanly (ASan watches). */
static void
test_no_crash(void **state)
{
	static const char valid[] =
	    "{\"entries\":[{\"endpoint\":\"[::1]:22\",\"command\":\"cat \\\"x\\\" \\ud83d\\ude00\",\"mandatory\":true,"
	    "\"publickey\":\"ssh-ed25519 AAAA c\",\"username\":\"u\"},{\"endpoint\":\"h\",\"command\":\"c\"}]}";
	static const char flips[] = { '\0', '"', '\\', '{', '}', '[', ']', ',', ':', 'u', '\xff', '\xc3', ' ', 't' };
	size_t len = sizeof valid - 1;
	char *buf = malloc(len);
	hd_manifest m;
	hd_err err;
	(void)state;
	assert_non_null(buf);
	assert_int_equal(parse(valid, &m, &err), HD_OK);
	hd_manifest_free(&m);
	for (size_t cut = 0; cut < len; cut++) {
		memcpy(buf, valid, cut); /* exactly cut bytes: no terminator for the reader to lean on */
		assert_int_not_equal(hd_manifest_parse(buf, cut, &m, &err), HD_OK);
	}
	for (size_t i = 0; i < len; i++)
		for (size_t f = 0; f < sizeof flips; f++) {
			memcpy(buf, valid, len);
			buf[i] = flips[f];
			if (hd_manifest_parse(buf, len, &m, &err) == HD_OK)
				hd_manifest_free(&m);
		}
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),    cmocka_unit_test(test_endpoints), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_caps),     cmocka_unit_test(test_no_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
