/*
 * test_grant.c — issue 9: the GRANT / REVOKE ASSUMEROLE grammar (copy/grant.c) and the role policy matcher
 * (access/policy.c): every grantee form, ARNs reduced to names, ON ALL, FOR COPY | ALL, every refusal with its
 * position; '**' globs, literal matching of the FROM, cluster/path/host refusals naming role, source and rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "copy/copy.h"

static hd_grant *
ok(const char *sql)
{
	hd_grant *g = NULL;
	hd_err e;
	hd_err_clear(&e);
	if (hd_grant_parse(sql, strlen(sql), &g, &e) != HD_OK)
		fail_msg("%s: %s", sql, e.msg);
	return g;
}

static hd_code
bad(const char *sql, const char *needle)
{
	hd_grant *g = NULL;
	hd_err e;
	hd_code r;
	hd_err_clear(&e);
	r = hd_grant_parse(sql, strlen(sql), &g, &e);
	assert_int_not_equal(r, HD_OK);
	assert_null(g);
	if (!strstr(e.msg, needle))
		fail_msg("%s: message '%s' lacks '%s'", sql, e.msg, needle);
	return r;
}

static void
test_grant_forms(void **state)
{
	hd_grant *g;
	(void)state;

	g = ok("GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/Loaders' TO alice FOR COPY");
	assert_false(g->revoke);
	assert_false(g->all_roles);
	assert_int_equal(g->nroles, 1);
	assert_string_equal(g->roles[0], "Loaders");
	assert_int_equal(g->ngrantees, 1);
	assert_int_equal(g->grantees[0].type, 'u');
	assert_string_equal(g->grantees[0].name, "alice");
	assert_false(g->for_all);
	hd_grant_free(g);

	/* several roles (ARN paths keep only the name), every grantee kind, quoted names keep their case */
	g = ok("grant assumerole on 'arn:aws:iam::1:role/path/a', 'b' to \"Bob\", ROLE etl_group, public, role \"G\" "
	       "for all");
	assert_int_equal(g->nroles, 2);
	assert_string_equal(g->roles[0], "a");
	assert_string_equal(g->roles[1], "b");
	assert_int_equal(g->ngrantees, 4);
	assert_string_equal(g->grantees[0].name, "Bob");
	assert_int_equal(g->grantees[0].type, 'u');
	assert_int_equal(g->grantees[1].type, 'g');
	assert_string_equal(g->grantees[1].name, "etl_group");
	assert_int_equal(g->grantees[2].type, 'p');
	assert_null(g->grantees[2].name);
	assert_int_equal(g->grantees[3].type, 'g');
	assert_string_equal(g->grantees[3].name, "G");
	assert_true(g->for_all);
	hd_grant_free(g);

	/* a user called "role" is a user when no name follows */
	g = ok("GRANT ASSUMEROLE ON ALL TO role FOR COPY");
	assert_true(g->all_roles);
	assert_int_equal(g->nroles, 0);
	assert_int_equal(g->grantees[0].type, 'u');
	assert_string_equal(g->grantees[0].name, "role");
	hd_grant_free(g);

	g = ok("/* c */ REVOKE ASSUMEROLE ON 'x' FROM PUBLIC FOR COPY");
	assert_true(g->revoke);
	assert_int_equal(g->grantees[0].type, 'p');
	hd_grant_free(g);
}

static void
test_grant_errors(void **state)
{
	(void)state;
	bad("GRANT SELECT ON t TO a", "expected ASSUMEROLE at position 7");
	bad("GRANT ASSUMEROLE 'r' TO a FOR COPY", "expected ON");
	bad("GRANT ASSUMEROLE ON r TO a FOR COPY", "expected a role");
	bad("GRANT ASSUMEROLE ON '' TO a FOR COPY", "non-empty");
	bad("GRANT ASSUMEROLE ON 'arn:aws:iam::1:role/' TO a FOR COPY", "empty role name");
	bad("GRANT ASSUMEROLE ON 'r' FROM a FOR COPY", "expected TO");
	bad("REVOKE ASSUMEROLE ON 'r' TO a FOR COPY", "expected FROM");
	bad("GRANT ASSUMEROLE ON 'r' TO a", "expected FOR COPY or FOR ALL");
	bad("GRANT ASSUMEROLE ON 'r' TO a FOR", "expected COPY or ALL");
	bad("GRANT ASSUMEROLE ON 'r' TO 'a' FOR COPY", "expected a user name");
	bad("GRANT ASSUMEROLE ON 'r' TO GROUP g FOR COPY", "not to a GROUP");
	bad("GRANT ASSUMEROLE ON 'r' TO a, FOR COPY", "expected a user name");
	bad("GRANT ASSUMEROLE ON 'r' TO a FOR COPY, UNLOAD", "unexpected text");
	assert_int_equal(bad("GRANT ASSUMEROLE ON 'r' TO a FOR UNLOAD", "only COPY"), HD_ERR_UNSUPPORTED);
	bad("GRANT ASSUMEROLE ON 'r' TO a FOR COPY 'unterminated", "");
}

static void
test_recognise(void **state)
{
	hd_stmt st;
	(void)state;
#define IS(s) (st = (hd_stmt){ s, strlen(s), 0, 1 }, hd_stmt_is_assumerole(&st))
	assert_true(IS("GRANT ASSUMEROLE ON ALL TO PUBLIC FOR ALL"));
	assert_true(IS("  -- comment\n revoke\tassumerole on 'r' from a for copy"));
	assert_false(IS("GRANT SELECT ON t TO a"));
	assert_false(IS("GRANT ASSUMEROLES ON x"));
	assert_false(IS("GRANTS ASSUMEROLE"));
	assert_false(IS("COPY t FROM 'x'"));
	assert_false(IS(""));
#undef IS
}

static void
test_glob(void **state)
{
	(void)state;
	assert_true(hd_access_glob("/data/sales/*", "/data/sales/p1"));
	assert_false(hd_access_glob("/data/sales/*", "/data/sales/a/p1"));
	assert_true(hd_access_glob("/data/**", "/data/sales/a/p1"));
	assert_true(hd_access_glob("/data/**", "/data/"));
	assert_false(hd_access_glob("/data/**", "/etc/passwd"));
	assert_true(hd_access_glob("/data/**/x", "/data/x"));
	assert_true(hd_access_glob("/data/**/x", "/data/a/b/x"));
	assert_false(hd_access_glob("/data/**/x", "/data/a/b/y"));
	assert_true(hd_access_glob("/d/p?rt-[0-9]*", "/d/part-7.gz"));
	assert_false(hd_access_glob("/d/p?rt-[0-9]*", "/d/part-x"));
	assert_true(hd_access_glob("/d/[!a]", "/d/b"));
	assert_false(hd_access_glob("/d/[!a]", "/d/a"));
	/* the FROM is literal: its '*' is matched only by the policy's wildcards */
	assert_true(hd_access_glob("/data/sales/*", "/data/sales/part*"));
	assert_false(hd_access_glob("/data/sales/*", "/data/*/part"));
	assert_false(hd_access_glob("/data/sales/x", "/data/sales/*"));
	/* ".." is not special to a glob (see the dot-dot test below and docs/setup.md) */
	assert_true(hd_access_glob("j-*", "j-1H7OUO3B52HI5"));
	assert_true(hd_access_glob("hdfs://*", "hdfs://nn:9870"));
	assert_true(hd_access_glob("a\\*", "a*"));
	assert_false(hd_access_glob("a\\*", "ab"));
	/* bounded: too many stars never match */
	assert_false(hd_access_glob("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
}

static void
test_policy(void **state)
{
	char *clusters[] = { "j-1*" }, *paths[] = { "/data/sales/**" }, *hosts[] = { "10.0.0.*", "h?.example.com" };
	hd_access_role r;
	hd_err e;
	(void)state;

	memset(&r, 0, sizeof r);
	strcpy(r.name, "etl");
	r.clusters = clusters;
	r.nclusters = 1;
	r.paths = paths;
	r.npaths = 1;
	r.hosts = hosts;
	r.nhosts = 2;
	assert_int_equal(hd_access_policy_source(&r, HD_SRC_EMR, "j-1AB", "/data/sales/part*", "'x'", &e), HD_OK);
	assert_int_equal(hd_access_policy_source(&r, HD_SRC_EMR, "j-2", "/data/sales/p", "'emr://j-2/data/sales/p'", &e),
	                 HD_ERR_PRIVILEGE);
	assert_non_null(strstr(e.msg, "role 'etl'"));
	assert_non_null(strstr(e.msg, "emr://j-2/data/sales/p"));
	assert_non_null(strstr(e.msg, "cluster 'j-2'"));
	assert_int_equal(hd_access_policy_source(&r, HD_SRC_HDFS, "nn:9870", "/data/sales/p", "'x'", &e),
	                 HD_ERR_PRIVILEGE);
	assert_non_null(strstr(e.msg, "hdfs://nn:9870"));
	assert_int_equal(hd_access_policy_source(&r, HD_SRC_LOCAL, NULL, "/etc/passwd", "'/etc/passwd'", &e),
	                 HD_ERR_PRIVILEGE);
	assert_non_null(strstr(e.msg, "path '/etc/passwd'"));
	assert_non_null(strstr(e.msg, "/data/sales/**"));
	assert_int_equal(hd_access_policy_source(&r, HD_SRC_LOCAL, NULL, "/data/sales/", "'x'", &e), HD_OK);
	assert_int_equal(hd_access_policy_host(&r, "10.0.0.7", "entry 1", &e), HD_OK);
	assert_int_equal(hd_access_policy_host(&r, "h1.example.com", "entry 1", &e), HD_OK);
	assert_int_equal(hd_access_policy_host(&r, "10.0.1.7", "entry 2", &e), HD_ERR_PRIVILEGE);
	assert_non_null(strstr(e.msg, "host '10.0.1.7'"));
	assert_int_equal(hd_access_policy_unit(&r, HD_SRC_EMR, "emr://j-1/data/sales/a/b", &e), HD_OK);
	assert_int_equal(hd_access_policy_unit(&r, HD_SRC_HDFS, "hdfs://nn:9870/data/salesX/a", &e), HD_ERR_PRIVILEGE);
	assert_int_equal(hd_access_policy_unit(&r, HD_SRC_LOCAL, "/data/sales/x", &e), HD_OK);
	assert_int_equal(hd_access_policy_unit(&r, HD_SRC_SSH, "10.9.9.9: cat /etc/passwd", &e), HD_OK);
	/* the dot-dot test: ".." components are refused before and after listing */
	assert_int_equal(hd_access_policy_source(&r, HD_SRC_LOCAL, NULL, "/data/sales/../../etc/passwd", "'x'", &e),
	                 HD_ERR_PRIVILEGE);
	assert_non_null(strstr(e.msg, "'..'"));
	assert_int_equal(hd_access_policy_unit(&r, HD_SRC_LOCAL, "/data/sales/../x", &e), HD_ERR_PRIVILEGE);
	assert_int_equal(hd_access_policy_source(&r, HD_SRC_LOCAL, NULL, "/data/sales/..x/y", "'x'", &e), HD_OK);
	/* deny by default: a role without lists */
	r.nclusters = r.npaths = r.nhosts = 0;
	assert_int_equal(hd_access_policy_source(&r, HD_SRC_LOCAL, NULL, "/data/sales/x", "'x'", &e), HD_ERR_PRIVILEGE);
	assert_non_null(strstr(e.msg, "(none)"));
	assert_int_equal(hd_access_policy_host(&r, "10.0.0.7", "entry 1", &e), HD_ERR_PRIVILEGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant_forms),
		cmocka_unit_test(test_grant_errors),
		cmocka_unit_test(test_recognise),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
