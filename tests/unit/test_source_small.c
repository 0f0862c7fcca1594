/*
 * test_source_small.c — issue 7 helpers: hd_ssh_shell_quote (the quoting of emr:// paths for `hdfs dfs -cat` on a
 * host's shell), checked by running /bin/sh on the result for awkward strings; and hd_source_read_small (small.c)
 * on local locations: exact file, prefix refused, missing, cap, unsupported schemes, malformed URLs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "source/source.h"
#include "source/ssh.h"

/* What /bin/sh makes of `printf %s <quoted>`: must be s exactly. */
static void
check_quote(const char *s)
{
	hd_buf b, cmd;
	char out[512];
	size_t n;
	FILE *p;

	hd_buf_init(&b, 0);
	hd_buf_init(&cmd, 0);
	assert_int_equal(hd_ssh_shell_quote(&b, s), HD_OK);
	assert_int_equal(hd_buf_cstr(&b), HD_OK);
	assert_int_equal(hd_buf_printf(&cmd, "printf %%s %s", b.data), HD_OK);
	assert_int_equal(hd_buf_cstr(&cmd), HD_OK);
	p = popen(cmd.data, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_string_equal(out, s);
	hd_buf_free(&b);
	hd_buf_free(&cmd);
}

static void
test_shell_quote(void **state)
{
	static const char *cases[] = { "/data/part-0000", "/d/it's a file.txt", "'", "''", "a'b'c", "$(touch /x)",
	                               "`id`", "a\\b", "semi;colon|pipe&amp", "new\nline", "*?[x]{a,b}", "" };
	hd_buf b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		check_quote(cases[i]);
	hd_buf_init(&b, 0);
	assert_int_equal(hd_ssh_shell_quote(&b, "/d/it's"), HD_OK);
	assert_int_equal(hd_buf_cstr(&b), HD_OK);
	assert_string_equal(b.data, "'/d/it'\\''s'");
	hd_buf_free(&b);
}

static char dir[64];

static void
test_read_small_local(void **state)
{
	char path[128], prefix[128], loc[160];
	hd_buf b;
	hd_err err = { 0 };
	FILE *f;

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/hdsmall.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/paths.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"jsonpaths\": [\"$.a\"]}", f);
	fclose(f);

	assert_int_equal(hd_source_read_small(path, NULL, 1024, "jsonpaths file", &b, &err), HD_OK);
	assert_string_equal(b.data, "{\"jsonpaths\": [\"$.a\"]}");
	assert_int_equal(b.len, 22);
	hd_buf_free(&b);
	snprintf(loc, sizeof loc, "file://%s", path);
	assert_int_equal(hd_source_read_small(loc, NULL, 1024, "jsonpaths file", &b, &err), HD_OK);
	hd_buf_free(&b);

	/* over the cap */
	assert_int_equal(hd_source_read_small(path, NULL, 10, "jsonpaths file", &b, &err), HD_ERR_LIMIT);
	assert_non_null(strstr(err.msg, "larger than 10 bytes"));
	/* a prefix of the file's name is not the file */
	snprintf(prefix, sizeof prefix, "%s/paths", dir);
	assert_int_equal(hd_source_read_small(prefix, NULL, 1024, "jsonpaths file", &b, &err), HD_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "not found"));
	/* missing */
	snprintf(prefix, sizeof prefix, "%s/nope.json", dir);
	assert_int_equal(hd_source_read_small(prefix, NULL, 1024, "SSH manifest", &b, &err), HD_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "SSH manifest"));
	/* schemes */
	assert_int_equal(hd_source_read_small("s3://bucket/x.json", NULL, 1024, "jsonpaths file", &b, &err),
	                 HD_ERR_UNSUPPORTED);
	assert_int_equal(hd_source_read_small("hdfs://nn:9870", NULL, 1024, "jsonpaths file", &b, &err), HD_ERR_SYNTAX);
	assert_int_equal(hd_source_read_small("emr:///x", NULL, 1024, "jsonpaths file", &b, &err), HD_ERR_SYNTAX);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shell_quote),
		cmocka_unit_test(test_read_small_local),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
