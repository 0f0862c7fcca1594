/*
 * test_access.c — the access/ module: the authorized_keys line, credential profiles (names, parsing, loading and
 * their mode checks), the private-key mode rule, and key creation in a fresh $HDCOPY_HOME (modes 0700 / 0600).
 */
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

#include "access/access.h"

static char home[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(home, sizeof home, "/tmp/hdaccess.XXXXXX");
	if (!mkdtemp(home))
		return -1;
	strcat(home, "/h"); /* not created yet: hd_access_key() makes it */
	setenv("HDCOPY_HOME", home, 1);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];
	(void)state;
	home[strlen(home) - 2] = '\0';
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	return system(cmd) == 0 ? 0 : -1;
}

static void
write_file(const char *rel, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", home, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_authorized_line(void **state)
{
	char *addrs[] = { "10.231.7.2", "fd00:231::2", "10.0.0.0/8" };
	char *bad1[] = { "10.0.0.1\",command=\"sh" }, *bad2[] = { "10.0.0.1 x" }, *bad3[] = { "a,b" };
	char *line = NULL;
	hd_err err;
	(void)state;
	assert_int_equal(hd_access_authorized_line("ssh-ed25519 AAAA hdcopy@x", addrs, 3, &line, &err), HD_OK);
	assert_string_equal(line, "from=\"10.231.7.2,fd00:231::2,10.0.0.0/8\",no-pty,no-agent-forwarding,"
	                          "no-port-forwarding,no-X11-forwarding ssh-ed25519 AAAA hdcopy@x");
	free(line);
	assert_int_equal(hd_access_authorized_line("ssh-ed25519 AAAA", addrs, 0, &line, &err), HD_ERR_USAGE);
	assert_int_equal(hd_access_authorized_line("ssh-ed25519 AAAA", bad1, 1, &line, &err), HD_ERR_USAGE);
	assert_int_equal(hd_access_authorized_line("ssh-ed25519 AAAA", bad2, 1, &line, &err), HD_ERR_USAGE);
	assert_int_equal(hd_access_authorized_line("ssh-ed25519 AAAA", bad3, 1, &line, &err), HD_ERR_USAGE);
	assert_int_equal(hd_access_authorized_line("ssh-ed25519 AAAA\nssh-rsa B", addrs, 1, &line, &err), HD_ERR_USAGE);
	assert_null(line);
}

static void
test_profile_names(void **state)
{
	(void)state;
	assert_string_equal(hd_access_profile_name("loaders", NULL), "loaders");
	assert_string_equal(hd_access_profile_name(NULL, "AKIAEXAMPLE"), "AKIAEXAMPLE");
	assert_string_equal(hd_access_profile_name("r", "AKIAEXAMPLE"), "r");
	assert_string_equal(hd_access_profile_name(NULL, NULL), "default");
	assert_string_equal(hd_access_profile_name("", ""), "default");
	assert_true(hd_access_valid_name("my-role_1.x@y+z=w,v"));
	assert_false(hd_access_valid_name("../etc"));
	assert_false(hd_access_valid_name("a/b"));
	assert_false(hd_access_valid_name(".hidden"));
	assert_false(hd_access_valid_name(""));
}

static void
test_profile_parse(void **state)
{
	hd_access_profile p;
	hd_err err;
	const char *t = "# comment\n\nkey = keys/loader\nuser= etl \n connect_timeout=3\nread_timeout = 60\r\n";
	(void)state;
	assert_int_equal(hd_access_profile_parse(t, strlen(t), "/st", "etl", &p, &err), HD_OK);
	assert_string_equal(p.key, "/st/keys/loader");
	assert_string_equal(p.user, "etl");
	assert_int_equal(p.connect_timeout, 3);
	assert_int_equal(p.read_timeout, 60);
	assert_int_equal(hd_access_profile_parse("", 0, "/st", "default", &p, &err), HD_OK);
	assert_string_equal(p.key, "/st/id_ed25519");
	assert_string_equal(p.user, "");
	assert_int_equal(p.connect_timeout, 10);
	assert_int_equal(p.read_timeout, 120);
	t = "key = /abs/k\n";
	assert_int_equal(hd_access_profile_parse(t, strlen(t), "/st", "x", &p, &err), HD_OK);
	assert_string_equal(p.key, "/abs/k");
	t = "password = hunter2\n";
	assert_int_equal(hd_access_profile_parse(t, strlen(t), "/st", "x", &p, &err), HD_ERR_SYNTAX);
	assert_null(strstr(err.msg, "hunter2")); /* a value is never echoed */
	assert_non_null(strstr(err.msg, "line 1"));
	t = "user = -oProxyCommand\n";
	assert_int_equal(hd_access_profile_parse(t, strlen(t), "/st", "x", &p, &err), HD_ERR_SYNTAX);
	t = "connect_timeout = 0\n";
	assert_int_equal(hd_access_profile_parse(t, strlen(t), "/st", "x", &p, &err), HD_ERR_SYNTAX);
	t = "read_timeout = 99999999\n";
	assert_int_equal(hd_access_profile_parse(t, strlen(t), "/st", "x", &p, &err), HD_ERR_SYNTAX);
	t = "just words\n";
	assert_int_equal(hd_access_profile_parse(t, strlen(t), "/st", "x", &p, &err), HD_ERR_SYNTAX);
}

static void
test_key_and_profiles_on_disk(void **state)
{
	char *pub = NULL, *pub2 = NULL, path[256];
	bool created = false;
	struct stat st;
	hd_access_profile p;
	hd_err err;
	(void)state;

	/* First use: the directory and the key pair appear with their modes. */
	assert_int_equal(hd_access_key(&pub, &created, &err), HD_OK);
	assert_true(created);
	assert_int_equal(strncmp(pub, "ssh-ed25519 AAAA", 16), 0);
	assert_int_equal(stat(home, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof path, "%s/id_ed25519", home);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(hd_access_check_private(path, &err), HD_OK);
	/* Second use: the same key. */
	assert_int_equal(hd_access_key(&pub2, &created, &err), HD_OK);
	assert_false(created);
	assert_string_equal(pub, pub2);
	free(pub2);
	/* Group- or other-readable: refused, naming the mode. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(hd_access_check_private(path, &err), HD_ERR_IO);
	assert_non_null(strstr(err.msg, "0640"));
	assert_int_equal(hd_access_key(&pub2, &created, &err), HD_ERR_IO);
	assert_int_equal(chmod(path, 0600), 0);
	free(pub);

	/* Profiles: default may be absent; a named one must exist; a writable-by-others one is refused. */
	assert_int_equal(hd_access_profile_load("default", &p, &err), HD_OK);
	assert_string_equal(p.key, path);
	assert_int_equal(hd_access_profile_load("etl", &p, &err), HD_ERR_USAGE);
	assert_non_null(strstr(err.msg, "credential profile 'etl' not found"));
	snprintf(path, sizeof path, "%s/profiles", home);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file("profiles/etl", "user = etl\n", 0600);
	assert_int_equal(hd_access_profile_load("etl", &p, &err), HD_OK);
	assert_string_equal(p.user, "etl");
	write_file("profiles/etl", "user = etl\n", 0666);
	assert_int_equal(hd_access_profile_load("etl", &p, &err), HD_ERR_IO);
	assert_int_equal(hd_access_profile_load("../id_ed25519", &p, &err), HD_ERR_USAGE);
}

static void
test_nodes_file(void **state)
{
	char **v = NULL;
	int n = 0;
	hd_err err;
	(void)state;
	write_file("nodes", "# fleet\n10.1.0.5\n\n  10.2.0.0/16  # rack 2\n10.1.0.5\n", 0644);
	assert_int_equal(hd_access_nodes(&v, &n, &err), HD_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "10.1.0.5");
	assert_string_equal(v[1], "10.2.0.0/16");
	hd_access_strv_free(v, n);
	write_file("nodes", "10.1.0.5\"\n", 0644);
	assert_int_equal(hd_access_nodes(&v, &n, &err), HD_ERR_SYNTAX);
	write_file("nodes", "# none\n", 0644);
	assert_int_equal(hd_access_nodes(&v, &n, &err), HD_ERR_SYNTAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authorized_line),
		cmocka_unit_test(test_profile_names),
		cmocka_unit_test(test_profile_parse),
		cmocka_unit_test(test_key_and_profiles_on_disk),
		cmocka_unit_test(test_nodes_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
