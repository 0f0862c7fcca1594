/*
 * test_source_file.c — local files as a source (source/file.c, glob.c, registry.c, units.c).
 *
 * Builds a small tree under a mkdtemp() directory in /tmp, lists it through hd_source_file.list() with globs and
 * prefixes, and compares the unit names (relative to the tree, joined by ' ') with the expected list.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "source/source.h"

static char root[64];

static void
mkfile(const char *rel, const char *content)
{
	char path[256];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void
mkdir_(const char *rel)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void
symlink_(const char *target, const char *rel)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/hdsrc.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	mkdir_("out");
	mkfile("out/part-0000", "a|1\n");
	mkfile("out/part-0001", "b|22\n");
	mkfile("out/part-0010", "c|333\n");
	mkfile("out/_SUCCESS", "");
	mkfile("out/.part-0000.crc", "\x01\x02");
	mkdir_("out/sub");
	mkfile("out/sub/part-x", "x\n");
	mkdir_("out/sub/_tmp");
	mkfile("out/sub/_tmp/y", "y\n");
	symlink_("..", "out/sub/loop");          /* back to out: not walked twice */
	mkdir_("outx");
	mkfile("outx/f1", "f\n");
	mkfile("a.txt", "");
	mkfile("b.txt", "");
	mkfile("c.txt", "");
	mkfile("d.txt", "");
	mkfile("B.txt", "");
	mkdir_("logs");
	mkdir_("logs/2024");
	mkdir_("logs/2025");
	mkdir_("logs/2025.old");
	mkfile("logs/2024/a.log", "");
	mkfile("logs/2025/b.log", "");
	mkfile("logs/2025/c.txt", "");
	mkfile("logs/2025.old/z.log", "");
	mkdir_("links");
	symlink_("../out/part-0001", "links/ok");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* List rel (relative to root; "" prefix when abs is false means rel is given as is) and return the names relative
 * to root joined by ' ', or "ERR<code>:<message>". */
static char *
list(const char *rel)
{
	hd_copy_spec spec;
	hd_units u = { NULL, 0 };
	hd_err err;
	char path[512], *out = calloc(1, 1 << 16);
	size_t rl = strlen(root), len = 0;
	hd_code r;

	assert_non_null(out);
	snprintf(path, sizeof path, "%s/%s", root, rel);
	memset(&spec, 0, sizeof spec);
	spec.src_kind = HD_SRC_LOCAL;
	spec.src_path = path;
	r = hd_source_file.list(&spec, &u, &err);
	if (r != HD_OK) {
		snprintf(out, 1 << 16, "ERR%d:%s", (int)r, err.msg);
		assert_null(u.v);
		return out;
	}
	for (int i = 0; i < u.n; i++) {
		const char *n = u.v[i].name;
		assert_true(strncmp(n, root, rl) == 0 && n[rl] == '/');
		len += (size_t)snprintf(out + len, (1 << 16) - len, "%s%s", i ? " " : "", n + rl + 1);
	}
	hd_units_free(&u);
	assert_null(u.v);
	return out;
}

#define LIST(rel, want)                             \
	do {                                        \
		char *got_ = list(rel);             \
		assert_string_equal(got_, (want));  \
		free(got_);                         \
	} while (0)

static void
test_glob_match(void **state)
{
	(void)state;
	assert_true(hd_glob_match("*", "abc", true));
	assert_true(hd_glob_match("*", "", true));
	assert_true(hd_glob_match("part-*", "part-0000", true));
	assert_false(hd_glob_match("part-*", "xpart-0000", true));
	assert_true(hd_glob_match("*.txt", "a.b.txt", true));
	assert_true(hd_glob_match("a*b*c", "axxbyybzc", true));
	assert_false(hd_glob_match("a*b*c", "axxbyybz", true));
	assert_true(hd_glob_match("?.txt", "a.txt", true));
	assert_false(hd_glob_match("?.txt", "ab.txt", true));
	assert_true(hd_glob_match("[a-c].txt", "b.txt", true));
	assert_false(hd_glob_match("[a-c].txt", "d.txt", true));
	assert_true(hd_glob_match("[!a].txt", "b.txt", true));
	assert_false(hd_glob_match("[!a].txt", "a.txt", true));
	assert_true(hd_glob_match("[^a].txt", "b.txt", true));
	assert_true(hd_glob_match("[]x]", "]", true));
	assert_true(hd_glob_match("[a-]", "-", true));
	assert_true(hd_glob_match("x[", "x[", true));      /* unclosed class: literal */
	assert_true(hd_glob_match("\\*", "*", true));
	assert_false(hd_glob_match("\\*", "a", true));
	assert_true(hd_glob_match("a\\?b", "a?b", true));
	/* path mode: nothing crosses '/' */
	assert_false(hd_glob_match("*", "a/b", true));
	assert_true(hd_glob_match("*", "a/b", false));
	assert_false(hd_glob_match("a?b", "a/b", true));
	assert_false(hd_glob_match("a[/]b", "a/b", true));
	assert_true(hd_glob_match("*/*", "a/b", true));
	/* no exponential blow-up */
	assert_false(hd_glob_match("*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true));

	assert_true(hd_glob_has_magic("/data/*"));
	assert_true(hd_glob_has_magic("a?"));
	assert_true(hd_glob_has_magic("[ab]"));
	assert_false(hd_glob_has_magic("/data/out/part"));
	assert_false(hd_glob_has_magic("a\\*b"));
	assert_false(hd_glob_has_magic("x["));
}

static void
test_glob_files(void **state)
{
	(void)state;
	LIST("*.txt", "B.txt a.txt b.txt c.txt d.txt"); /* byte-wise order: 'B' < 'a' */
	LIST("[a-c].txt", "a.txt b.txt c.txt");
	LIST("[!a].txt", "B.txt b.txt c.txt d.txt");
	LIST("?.txt", "B.txt a.txt b.txt c.txt d.txt");
	LIST("out/part-000?", "out/part-0000 out/part-0001");
	LIST("out/part-*", "out/part-0000 out/part-0001 out/part-0010");
}

static void
test_glob_directories(void **state)
{
	(void)state;
	LIST("logs/*/*.log", "logs/2024/a.log logs/2025.old/z.log logs/2025/b.log");
	LIST("logs/202?/*", "logs/2024/a.log logs/2025/b.log logs/2025/c.txt");
	LIST("*/part-0001", "out/part-0001");
	LIST("logs/2025/[bc].*", "logs/2025/b.log logs/2025/c.txt");
}

static void
test_glob_hidden(void **state)
{
	(void)state;
	/* a wildcard does not supply a leading '.' or '_'; a directory matched by the last component is not loaded */
	LIST("out/*", "out/part-0000 out/part-0001 out/part-0010");
	LIST("out/_*", "out/_SUCCESS");
	LIST("out/.*", "out/.part-0000.crc");
}

static void
test_prefix(void **state)
{
	(void)state;
	LIST("out/part", "out/part-0000 out/part-0001 out/part-0010");
	LIST("out/part-0001", "out/part-0001");
	/* a directory prefix: everything below, recursively, without _… and .… names; the loop is not followed */
	LIST("out/", "out/part-0000 out/part-0001 out/part-0010 out/sub/part-x");
	/* '/data/out' also matches /data/outx */
	LIST("out", "out/part-0000 out/part-0001 out/part-0010 out/sub/part-x outx/f1");
	/* hidden names typed by the user load */
	LIST("out/_S", "out/_SUCCESS");
	LIST("out/.", "out/.part-0000.crc");
	LIST("out/sub/_tmp/", "out/sub/_tmp/y");
	/* a directory */
	LIST("logs", "logs/2024/a.log logs/2025.old/z.log logs/2025/b.log logs/2025/c.txt");
	/* symlinks are followed */
	LIST("links/", "links/ok");
}

static void
test_sizes(void **state)
{
	hd_copy_spec spec;
	hd_units u;
	hd_err err;
	char path[128];
	(void)state;
	snprintf(path, sizeof path, "%s/out/part-00", root);
	memset(&spec, 0, sizeof spec);
	spec.src_path = path;
	assert_int_equal(hd_source_file.list(&spec, &u, &err), HD_OK);
	assert_int_equal(u.n, 3);
	assert_int_equal(u.v[0].size, 4);
	assert_int_equal(u.v[1].size, 5);
	assert_int_equal(u.v[2].size, 6);
	assert_int_equal(u.v[0].offset, 0);
	assert_int_equal(u.v[0].length, 0);
	hd_units_free(&u);
}

static void
test_no_match(void **state)
{
	char *got, want[256];
	(void)state;
	got = list("x*");
	snprintf(want, sizeof want, "ERR%d:load file not found: no file matches '%s/x*'", HD_ERR_NOTFOUND, root);
	assert_string_equal(got, want);
	free(got);
	got = list("nothing");
	snprintf(want, sizeof want, "ERR%d:load file not found: no file matches '%s/nothing'", HD_ERR_NOTFOUND, root);
	assert_string_equal(got, want);
	free(got);
	got = list("no/such/dir/");
	assert_non_null(strstr(got, "load file not found"));
	free(got);
	got = list("no/*/dir");
	assert_non_null(strstr(got, "load file not found"));
	free(got);
	/* a directory matched by a glob's last component is not a file */
	got = list("log?");
	assert_non_null(strstr(got, "load file not found"));
	free(got);
}

static void
test_dangling_symlink(void **state)
{
	char *got;
	(void)state;
	symlink_("does-not-exist", "out/sub/_tmp/dangling");
	got = list("out/sub/_tmp/");
	assert_non_null(strstr(got, "cannot read '"));
	assert_non_null(strstr(got, "out/sub/_tmp/dangling': No such file or directory"));
	free(got);
	{
		char p[256];
		snprintf(p, sizeof p, "%s/out/sub/_tmp/dangling", root);
		assert_int_equal(unlink(p), 0);
	}
}

static void
test_relative(void **state)
{
	char cwd[1024];
	hd_copy_spec spec;
	hd_units u;
	hd_err err;
	(void)state;
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(root), 0);
	memset(&spec, 0, sizeof spec);
	spec.src_path = "out/part-001";
	assert_int_equal(hd_source_file.list(&spec, &u, &err), HD_OK);
	assert_int_equal(u.n, 1);
	assert_string_equal(u.v[0].name, "out/part-0010");
	hd_units_free(&u);
	spec.src_path = "?.txt";
	assert_int_equal(hd_source_file.list(&spec, &u, &err), HD_OK);
	assert_int_equal(u.n, 5);
	assert_string_equal(u.v[0].name, "B.txt");
	hd_units_free(&u);
	spec.src_path = "a.t";
	assert_int_equal(hd_source_file.list(&spec, &u, &err), HD_OK);
	assert_int_equal(u.n, 1);
	assert_string_equal(u.v[0].name, "a.txt");
	hd_units_free(&u);
	assert_int_equal(chdir(cwd), 0);
}

static char *
read_unit(const hd_unit *unit, size_t bufsz)
{
	hd_stream *s;
	hd_err err;
	char *out = calloc(1, 1024);
	size_t len = 0;
	ssize_t n;
	assert_int_equal(hd_source_file.open(NULL, unit, &s, &err), HD_OK);
	assert_string_equal(s->name, unit->name);
	while ((n = hd_stream_read(s, out + len, bufsz < 1023 - len ? bufsz : 1023 - len, &err)) > 0)
		len += (size_t)n;
	assert_int_equal(n, 0);
	hd_stream_close(s);
	return out;
}

static void
test_open(void **state)
{
	char path[256];
	hd_unit unit = { .name = path };
	hd_stream *s = NULL;
	hd_err err;
	char *got;
	(void)state;
	snprintf(path, sizeof path, "%s/out/part-0010", root);
	got = read_unit(&unit, 1024);
	assert_string_equal(got, "c|333\n");
	free(got);
	got = read_unit(&unit, 1);
	assert_string_equal(got, "c|333\n");
	free(got);
	/* a byte range */
	unit.offset = 2;
	unit.length = 3;
	got = read_unit(&unit, 2);
	assert_string_equal(got, "333");
	free(got);
	unit.length = 0;
	got = read_unit(&unit, 1024);
	assert_string_equal(got, "333\n");
	free(got);
	/* through a symlink */
	snprintf(path, sizeof path, "%s/links/ok", root);
	unit.offset = 0;
	got = read_unit(&unit, 1024);
	assert_string_equal(got, "b|22\n");
	free(got);
	/* errors name the path */
	snprintf(path, sizeof path, "%s/out/gone", root);
	assert_int_equal(hd_source_file.open(NULL, &unit, &s, &err), HD_ERR_NOTFOUND);
	assert_null(s);
	assert_non_null(strstr(err.msg, "cannot open '"));
	assert_non_null(strstr(err.msg, "/out/gone': No such file or directory"));
	/* a directory opens but cannot be read */
	snprintf(path, sizeof path, "%s/out", root);
	assert_int_equal(hd_source_file.open(NULL, &unit, &s, &err), HD_OK);
	{
		char b[16];
		assert_int_equal(hd_stream_read(s, b, sizeof b, &err), -1);
		assert_int_equal(err.code, HD_ERR_IO);
		assert_non_null(strstr(err.msg, "/out': Is a directory"));
	}
	hd_stream_close(s);
}

static void
test_unreadable(void **state)
{
	char path[256];
	hd_unit unit = { .name = path };
	hd_stream *s = NULL;
	hd_err err;
	(void)state;
	if (geteuid() == 0)
		skip(); /* root reads anything */
	snprintf(path, sizeof path, "%s/secret", root);
	mkfile("secret", "x");
	assert_int_equal(chmod(path, 0), 0);
	assert_int_equal(hd_source_file.open(NULL, &unit, &s, &err), HD_ERR_IO);
	assert_non_null(strstr(err.msg, "/secret': Permission denied"));
	unlink(path);
}

static void
test_registry(void **state)
{
	hd_copy_spec spec;
	hd_err err;
	(void)state;
	memset(&spec, 0, sizeof spec);
	spec.src_kind = HD_SRC_LOCAL;
	assert_ptr_equal(hd_source_for(&spec, &err), &hd_source_file);
	/* issue 7: hdfs:// and emr:// (tests/integration/test_hdfs.py); issue 6: SSH manifests */
	spec.src_kind = HD_SRC_EMR;
	assert_ptr_equal(hd_source_for(&spec, &err), &hd_source_emr);
	spec.src_kind = HD_SRC_HDFS;
	assert_ptr_equal(hd_source_for(&spec, &err), &hd_source_hdfs);
	spec.src_kind = HD_SRC_SSH;
	assert_ptr_equal(hd_source_for(&spec, &err), &hd_source_ssh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob_match),
		cmocka_unit_test(test_glob_files),
		cmocka_unit_test(test_glob_directories),
		cmocka_unit_test(test_glob_hidden),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_dangling_symlink),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_registry),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
