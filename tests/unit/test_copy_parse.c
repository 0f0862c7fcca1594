/*
 * test_copy_parse.c — hd_copy_parse(): every option into its field, every conflict rejected with its position,
 * every source form, secrets kept out of messages, Redshift's documented examples, and a crash-free fuzz loop.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "copy/copy.h"

/* --- helpers ----------------------------------------------------------------------------------------------------- */

static hd_copy_spec *
parse_ok(const char *sql)
{
	hd_copy_spec *s = NULL;
	hd_err e;
	hd_code r;

	hd_err_clear(&e);
	r = hd_copy_parse(sql, strlen(sql), &s, &e);
	if (r != HD_OK)
		fail_msg("expected success, got %s: %s\n  statement: %s", hd_strerror(r), e.msg, sql);
	assert_non_null(s);
	return s;
}

/* Expect failure with code, a message containing want, and (pos >= 0) "(at position pos)". Returns nothing; the
 * message is left in *e for further checks when e is non-NULL. */
static void
parse_bad_e(const char *sql, hd_code code, const char *want, long pos, hd_err *out)
{
	hd_copy_spec *s = (hd_copy_spec *)0x1;
	hd_err e;
	hd_code r;
	char at[64];

	hd_err_clear(&e);
	r = hd_copy_parse(sql, strlen(sql), &s, &e);
	if (r == HD_OK) {
		hd_copy_spec_free(s);
		fail_msg("expected failure (%s), but it parsed: %s", want, sql);
	}
	assert_null(s);
	if (r != code)
		fail_msg("expected code %s, got %s (%s) for: %s", hd_strerror(code), hd_strerror(r), e.msg, sql);
	if (want && !strstr(e.msg, want))
		fail_msg("message \"%s\" lacks \"%s\" for: %s", e.msg, want, sql);
	if (pos >= 0) {
		snprintf(at, sizeof at, "(at position %ld)", pos);
		if (!strstr(e.msg, at))
			fail_msg("message \"%s\" lacks \"%s\" for: %s", e.msg, at, sql);
	}
	if (out)
		*out = e;
}

static void
parse_bad(const char *sql, const char *want, long pos)
{
	parse_bad_e(sql, HD_ERR_SYNTAX, want, pos, NULL);
}

/* position of the n-th (0-based) occurrence of needle in sql */
static long
at(const char *sql, const char *needle, int n)
{
	const char *p = sql;
	for (;;) {
		p = strstr(p, needle);
		assert_non_null(p);
		if (n-- == 0)
			return (long)(p - sql);
		p++;
	}
}

/* --- target ------------------------------------------------------------------------------------------------------ */

static void
test_minimal_defaults(void **state)
{
	hd_copy_spec *s = parse_ok("COPY t FROM '/data/x.txt'");
	(void)state;
	assert_null(s->schema);
	assert_string_equal(s->table, "t");
	assert_null(s->columns);
	assert_int_equal(s->ncolumns, 0);
	assert_string_equal(s->source, "/data/x.txt");
	assert_int_equal(s->src_kind, HD_SRC_LOCAL);
	assert_string_equal(s->src_path, "/data/x.txt");
	assert_null(s->src_authority);
	assert_false(s->ssh);
	assert_int_equal(s->auth, HD_AUTH_NONE);
	assert_int_equal(s->format, HD_FMT_DELIMITED);
	assert_int_equal(s->delimiter, '|');
	assert_false(s->delimiter_set);
	assert_int_equal(s->quote, '"');
	assert_int_equal(s->compression, HD_COMP_NONE);
	assert_int_equal(s->acceptinvchars_char, '?');
	assert_false(s->acceptinvchars);
	assert_null(s->dateformat);
	assert_null(s->timeformat);
	assert_int_equal(s->encoding, HD_ENC_UTF8);
	/* copy-parameters-data-conversion: "The default null_string is '\N'" — the loader applies it when null_as is NULL */
	assert_null(s->null_as);
	assert_int_equal(s->null_as_len, 0);
	assert_int_equal(s->ignoreheader, 0);
	assert_int_equal(s->maxerror, 0);
	assert_false(s->maxerror_set);
	assert_int_equal(s->comprows, -1);
	assert_int_equal(s->compupdate, -1);
	assert_int_equal(s->statupdate, -1);
	hd_copy_spec_free(s);
}

static void
test_identifiers(void **state)
{
	hd_copy_spec *s;
	char name[128];
	(void)state;

	s = parse_ok("copy MySchema.MyTable (ColA, \"Col B\", \"q\"\"x\") from 'f';");
	assert_string_equal(s->schema, "myschema");
	assert_string_equal(s->table, "mytable");
	assert_int_equal(s->ncolumns, 3);
	assert_string_equal(s->columns[0], "cola");
	assert_string_equal(s->columns[1], "Col B");
	assert_string_equal(s->columns[2], "q\"x");
	hd_copy_spec_table_name(s, name, sizeof name);
	assert_string_equal(name, "\"myschema\".\"mytable\"");
	hd_copy_spec_free(s);

	s = parse_ok("COPY \"Odd\"\"Name\" FROM 'f'");
	hd_copy_spec_table_name(s, name, sizeof name);
	assert_string_equal(name, "\"Odd\"\"Name\"");
	hd_copy_spec_table_name(s, name, 5); /* truncates, stays terminated */
	assert_int_equal(strlen(name), 4);
	hd_copy_spec_free(s);

	/* 63 bytes is fine, 64 is not */
	{
		char sql[160];
		snprintf(sql, sizeof sql, "COPY %.63s FROM 'f'", "a23456789b23456789c23456789d23456789e23456789f23456789g2345678XYZ");
		s = parse_ok(sql);
		assert_int_equal(strlen(s->table), 63);
		hd_copy_spec_free(s);
		snprintf(sql, sizeof sql, "COPY %.64s FROM 'f'", "a23456789b23456789c23456789d23456789e23456789f23456789g2345678XYZ");
		parse_bad(sql, "identifier too long: 64 bytes (the limit is 63)", 5);
		snprintf(sql, sizeof sql, "COPY \"%.64s\" FROM 'f'", "A23456789b23456789c23456789d23456789e23456789f23456789g2345678XYZ");
		parse_bad(sql, "identifier too long", 5);
	}
	parse_bad("COPY \"\" FROM 'f'", "zero-length delimited identifier", 5);
	parse_bad("COPY t (a, b, A) FROM 'f'", "column \"a\" specified more than once", 14);
	parse_bad("COPY t (\"A\", \"A\") FROM 'f'", "column \"A\" specified more than once", 13);
	parse_bad("COPY t () FROM 'f'", "syntax error at or near \")\"", 8);
	parse_bad("COPY t (a b) FROM 'f'", "expected ',' or ')'", 10);
	parse_bad("COPY t (a, FROM 'f'", NULL, -1);
	parse_bad("COPY s.t.u FROM 'f'", "syntax error at or near \".\"", 8);
	parse_bad("COPY FROM 'f'", "syntax error at or near a string constant", 10);
	parse_bad("SELECT 1", "syntax error at or near \"SELECT\"", 0);
	parse_bad("", "syntax error at end of input", 0);
	parse_bad("COPY t 'f'", "expected FROM", 7);
	parse_bad("COPY t FROM f", "FROM requires a quoted source", 12);
	/* distinct case-sensitive quoted names are not duplicates */
	s = parse_ok("COPY t (\"A\", a) FROM 'f'");
	assert_int_equal(s->ncolumns, 2);
	hd_copy_spec_free(s);
}

static void
test_lexical(void **state)
{
	hd_copy_spec *s;
	(void)state;

	s = parse_ok("  -- leading comment\n/* block /* nested */ still */ CoPy/**/t/*x*/FROM--c\n'f''s' GZip ;  -- end\n");
	assert_string_equal(s->table, "t");
	assert_string_equal(s->source, "f's");
	assert_int_equal(s->compression, HD_COMP_GZIP);
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM E'/a\\x41\\101\\'b' DELIMITER $$,$$");
	assert_string_equal(s->source, "/aAA'b");
	assert_int_equal(s->delimiter, ',');
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM $q$/it's$q$");
	assert_string_equal(s->source, "/it's");
	hd_copy_spec_free(s);

	parse_bad("COPY t FROM 'f", "unterminated quoted string", 12);
	parse_bad("COPY \"t FROM 'f'", "unterminated quoted identifier", 5);
	parse_bad("COPY t FROM 'f' /* x", "unterminated /* comment", 16);
	parse_bad("COPY t FROM $a$f$b$", "unterminated dollar-quoted string", 12);
	parse_bad("COPY t FROM 'f' GZIP; GZIP", "expected end of statement", 22);
	parse_bad("COPY t FROM 'f' GZIP;;", "syntax error at or near \";\"", 21);
	parse_bad("COPY t FROM 'f' 42", "syntax error at or near \"42\"", 16);
	parse_bad("COPY t FROM 'f' BOGUS", "unrecognized COPY option \"bogus\"", 16);
	parse_bad("COPY t FROM 'f' 'str'", "syntax error at or near a string constant: expected a COPY option", 16);
	parse_bad("COPY t FROM E'a\\000b'", "NUL byte", 12);
	{
		const char sql[] = "COPY t FROM 'a\0b'";
		hd_copy_spec *x = NULL;
		hd_err e;
		assert_int_equal(hd_copy_parse(sql, sizeof sql - 1, &x, &e), HD_ERR_SYNTAX);
		assert_non_null(strstr(e.msg, "invalid byte 0x00 in statement (at position 14)"));
	}
}

/* --- sources ----------------------------------------------------------------------------------------------------- */

static void
test_sources(void **state)
{
	hd_copy_spec *s;
	(void)state;

	s = parse_ok("COPY t FROM 'data/rel*.txt'");
	assert_int_equal(s->src_kind, HD_SRC_LOCAL);
	assert_string_equal(s->src_path, "data/rel*.txt");
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'file:///abs/path/x.gz'");
	assert_int_equal(s->src_kind, HD_SRC_LOCAL);
	assert_string_equal(s->source, "file:///abs/path/x.gz");
	assert_string_equal(s->src_path, "/abs/path/x.gz");
	assert_null(s->src_authority);
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'FILE://localhost/abs'");
	assert_string_equal(s->src_path, "/abs");
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'emr://j-1H7OUO3B52HI5/myoutput/part*'");
	assert_int_equal(s->src_kind, HD_SRC_EMR);
	assert_string_equal(s->src_authority, "j-1H7OUO3B52HI5");
	assert_string_equal(s->src_path, "/myoutput/part*");
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'hdfs://namenode:8020/user/x/'");
	assert_int_equal(s->src_kind, HD_SRC_HDFS);
	assert_string_equal(s->src_authority, "namenode:8020");
	assert_string_equal(s->src_path, "/user/x/");
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'hdfs:///user/x'");
	assert_int_equal(s->src_kind, HD_SRC_HDFS);
	assert_string_equal(s->src_authority, "");
	assert_string_equal(s->src_path, "/user/x");
	hd_copy_spec_free(s);

	/* SSH: the FROM string is the manifest; SSH may come anywhere among the options */
	s = parse_ok("COPY t FROM '/etc/hdcopy/ssh_manifest' SSH");
	assert_int_equal(s->src_kind, HD_SRC_SSH);
	assert_true(s->ssh);
	assert_string_equal(s->src_path, "/etc/hdcopy/ssh_manifest");
	hd_copy_spec_free(s);
	s = parse_ok("COPY t FROM 'hdfs://nn/manifests/m.json' GZIP DELIMITER ',' ssh MAXERROR 3");
	assert_int_equal(s->src_kind, HD_SRC_SSH);
	assert_string_equal(s->src_authority, "nn");
	assert_string_equal(s->src_path, "/manifests/m.json");
	assert_int_equal(s->compression, HD_COMP_GZIP);
	hd_copy_spec_free(s);

	/* hdcopy reads an SSH manifest from a local file, hdfs:// or an emr:// cluster (COPY-SPEC "Sources") */
	s = parse_ok("COPY t FROM 'emr://j-1/manifests/m.json' SSH");
	assert_int_equal(s->src_kind, HD_SRC_SSH);
	assert_int_equal(s->manifest_kind, HD_SRC_EMR);
	assert_string_equal(s->src_authority, "j-1");
	assert_string_equal(s->src_path, "/manifests/m.json");
	hd_copy_spec_free(s);
	parse_bad("COPY t FROM 'emr:///path'", "emr:// source has no cluster id", 12);
	parse_bad("COPY t FROM 'emr://j-1'", "emr:// source has no path", 12);
	parse_bad("COPY t FROM 'emr://j-1/'", "emr:// source has no path", 12);
	parse_bad("COPY t FROM 'hdfs://nn'", "hdfs:// source has no path", 12);
	parse_bad("COPY t FROM 'file://otherhost/x'", "file:// sources must be local", 12);
	parse_bad("COPY t FROM 'file://'", "file:// source has no path", 12);
	parse_bad("COPY t FROM ''", "FROM requires a non-empty source", 12);
	parse_bad_e("COPY t FROM 's3://bucket/key'", HD_ERR_UNSUPPORTED,
		    "s3:// sources are not supported: hdcopy loads from local files, hdfs://, emr:// and SSH manifests",
		    12, NULL);
	parse_bad_e("COPY t FROM 'dynamodb://Movies' READRATIO 50", HD_ERR_UNSUPPORTED,
		    "dynamodb:// sources are not supported", 12, NULL);
	parse_bad("COPY t FROM '/m' SSH SSH", "redundant option: SSH given more than once", 21);
}

/* --- authorization ----------------------------------------------------------------------------------------------- */

static void
test_authorization(void **state)
{
	hd_copy_spec *s;
	(void)state;

	s = parse_ok("COPY t FROM 'f' IAM_ROLE 'arn:aws:iam::123456789012:role/MyRedshiftRole'");
	assert_int_equal(s->auth, HD_AUTH_IAM_ROLE);
	assert_string_equal(s->iam_role, "arn:aws:iam::123456789012:role/MyRedshiftRole");
	assert_string_equal(s->role_name, "MyRedshiftRole");
	assert_false(s->iam_role_default);
	hd_copy_spec_free(s);

	/* role paths: the name is the last segment (IAM ARN format role/path/name) */
	s = parse_ok("COPY t FROM 'f' iam_role 'arn:aws:iam::123456789012:role/loaders/etl/Nightly'");
	assert_string_equal(s->role_name, "Nightly");
	hd_copy_spec_free(s);
	/* role chaining: the last role reads the data */
	s = parse_ok("COPY t FROM 'f' IAM_ROLE 'arn:aws:iam::1:role/A,arn:aws:iam::2:role/B'");
	assert_string_equal(s->role_name, "B");
	hd_copy_spec_free(s);
	/* a bare name (hdcopy's own roles) */
	s = parse_ok("COPY t FROM 'f' IAM_ROLE 'loader'");
	assert_string_equal(s->role_name, "loader");
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'f' IAM_ROLE Default");
	assert_int_equal(s->auth, HD_AUTH_IAM_ROLE);
	assert_true(s->iam_role_default);
	assert_null(s->iam_role);
	assert_string_equal(s->role_name, "default");
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'f' WITH CREDENTIALS AS 'aws_iam_role=arn:aws:iam::0123456789012:role/R'");
	assert_int_equal(s->auth, HD_AUTH_CREDENTIALS);
	assert_string_equal(s->iam_role, "arn:aws:iam::0123456789012:role/R");
	assert_string_equal(s->role_name, "R");
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'f' credentials 'aws_access_key_id=AKIDX;aws_secret_access_key=SeCrEt1;token=ToKeN1'");
	assert_int_equal(s->auth, HD_AUTH_CREDENTIALS);
	assert_string_equal(s->access_key_id, "AKIDX");
	assert_string_equal(s->secret_access_key, "SeCrEt1");
	assert_string_equal(s->session_token, "ToKeN1");
	assert_null(s->iam_role);
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'f' SESSION_TOKEN 'tok' GZIP SECRET_ACCESS_KEY 'sec' ACCESS_KEY_ID 'AKID'");
	assert_int_equal(s->auth, HD_AUTH_KEYS);
	assert_string_equal(s->access_key_id, "AKID");
	assert_string_equal(s->secret_access_key, "sec");
	assert_string_equal(s->session_token, "tok");
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'f' ACCESS_KEY_ID 'AKID' SECRET_ACCESS_KEY 'sec'");
	assert_int_equal(s->auth, HD_AUTH_KEYS);
	assert_null(s->session_token);
	hd_copy_spec_free(s);

	parse_bad("COPY t FROM 'f' ACCESS_KEY_ID 'AKID'", "ACCESS_KEY_ID requires SECRET_ACCESS_KEY", 16);
	parse_bad("COPY t FROM 'f' SECRET_ACCESS_KEY 'sec'", "SECRET_ACCESS_KEY requires ACCESS_KEY_ID", 16);
	parse_bad("COPY t FROM 'f' SESSION_TOKEN 'tok'", "SESSION_TOKEN requires ACCESS_KEY_ID", 16);
	parse_bad("COPY t FROM 'f' ACCESS_KEY_ID ''", "ACCESS_KEY_ID may not be empty", 30);
	parse_bad("COPY t FROM 'f' IAM_ROLE ''", "IAM_ROLE requires a role", 25);
	parse_bad("COPY t FROM 'f' IAM_ROLE 'arn:aws:iam::1:role/'", "empty role name", 25);
	parse_bad("COPY t FROM 'f' IAM_ROLE", "IAM_ROLE requires a quoted string", 24);
	parse_bad("COPY t FROM 'f' IAM_ROLE 'a' IAM_ROLE 'b'", "redundant option: IAM_ROLE given more than once", 29);
	parse_bad("COPY t FROM 'f' IAM_ROLE 'a' CREDENTIALS 'aws_iam_role=b'",
		  "conflicting options: IAM_ROLE cannot be used with CREDENTIALS", 29);
	parse_bad("COPY t FROM 'f' ACCESS_KEY_ID 'k' SECRET_ACCESS_KEY 's' IAM_ROLE 'a'",
		  "conflicting options: ACCESS_KEY_ID cannot be used with IAM_ROLE", 56);
	parse_bad("COPY t FROM 'f' CREDENTIALS 'aws_iam_role=r' SESSION_TOKEN 't'",
		  "conflicting options: CREDENTIALS cannot be used with SESSION_TOKEN", 45);
	parse_bad("COPY t FROM 'f' WITH GZIP", "expected CREDENTIALS", 21);
	parse_bad("COPY t FROM 'f' CREDENTIALS 'aws_iam_role=a;aws_access_key_id=b;aws_secret_access_key=c'",
		  "aws_iam_role cannot be used with access keys", 28);
	parse_bad("COPY t FROM 'f' CREDENTIALS 'aws_access_key_id=b'", "must be given together", 28);
	parse_bad("COPY t FROM 'f' CREDENTIALS 'aws_iam_role=a;aws_iam_role=b'", "key aws_iam_role given more than once",
		  28);
	parse_bad("COPY t FROM 'f' CREDENTIALS 'aws_iam_role='", "key aws_iam_role has an empty value", 28);
	parse_bad("COPY t FROM 'f' CREDENTIALS 'AWS_IAM_ROLE=x'", "unknown key", 28);
	parse_bad("COPY t FROM 'f' CREDENTIALS 'aws_iam_role=a b'", "must not contain spaces", 28);
	parse_bad("COPY t FROM 'f' CREDENTIALS ''", "non-empty", 28);
	parse_bad_e("COPY t FROM 'f' CREDENTIALS 'aws_iam_role=a;master_symmetric_key=K'", HD_ERR_UNSUPPORTED,
		    "master_symmetric_key is not supported", 28, NULL);
	/* a trailing ';' in the credentials string is harmless */
	s = parse_ok("COPY t FROM 'f' CREDENTIALS 'aws_iam_role=arn:aws:iam::1:role/R;'");
	assert_string_equal(s->role_name, "R");
	hd_copy_spec_free(s);
}

static void
test_secrets_never_in_messages(void **state)
{
	static const char *const cases[] = {
		"COPY t FROM 'f' ACCESS_KEY_ID 'AKIDSECRETX' SECRET_ACCESS_KEY 'HUNTERTWO1' 'HUNTERTWO2'",
		"COPY t FROM 'f' SECRET_ACCESS_KEY 'HUNTERTWO1' SECRET_ACCESS_KEY 'HUNTERTWO2'",
		"COPY t FROM 'f' SECRET_ACCESS_KEY 'HUNTERTWO1' SESSION_TOKEN 'HUNTERTWO2'",
		"COPY t FROM 'f' ACCESS_KEY_ID 'a' SECRET_ACCESS_KEY 'HUNTERTWO1' SESSION_TOKEN 'HUNTERTWO2' IAM_ROLE 'x'",
		"COPY t FROM 'f' CREDENTIALS 'aws_access_key_id=a;aws_secret_access_key=HUNTERTWO1;tokn=HUNTERTWO2'",
		"COPY t FROM 'f' CREDENTIALS 'aws_access_key_id=a;aws_secret_access_key=HUNTERTWO1;token=HUNTERTWO2' "
		"IAM_ROLE 'x'",
		"COPY t FROM 'f' CREDENTIALS 'HUNTERTWO1'",
		"COPY t FROM 'f' CREDENTIALS 'aws_secret_access_key=HUNTERTWO1;aws_secret_access_key=HUNTERTWO2'",
		"COPY t FROM 'f' CREDENTIALS 'aws_secret_access_key=HUNTERTWO1 HUNTERTWO2'",
		"COPY t FROM 'f' SESSION_TOKEN 'HUNTERTWO1' 'HUNTERTWO2' ",
		"COPY t FROM 'f' SESSION_TOKEN 'HUNTERTWO1' CSV ESCAPE",
		"COPY t FROM 'f' SECRET_ACCESS_KEY 'HUNTERTWO1;HUNTERTWO2",
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		hd_copy_spec *s = NULL;
		hd_err e;
		hd_err_clear(&e);
		if (hd_copy_parse(cases[i], strlen(cases[i]), &s, &e) == HD_OK) {
			hd_copy_spec_free(s);
			fail_msg("case %zu parsed", i);
		}
		if (strstr(e.msg, "HUNTER"))
			fail_msg("case %zu leaks a secret: %s", i, e.msg);
	}
}

static void
test_describe_redacts(void **state)
{
	hd_copy_spec *s;
	hd_buf b;
	(void)state;

	hd_buf_init(&b, 0);
	s = parse_ok("COPY t FROM 'f' ACCESS_KEY_ID 'AKID' SECRET_ACCESS_KEY 'SeCrEt' SESSION_TOKEN 'ToKeN'");
	assert_int_equal(hd_copy_spec_describe(s, &b), HD_OK);
	assert_null(strstr(b.data, "SeCrEt"));
	assert_null(strstr(b.data, "ToKeN"));
	assert_non_null(strstr(b.data, "SECRET_ACCESS_KEY '***'"));
	hd_copy_spec_free(s);
	hd_buf_reset(&b);
	s = parse_ok("COPY t FROM 'f' CREDENTIALS 'aws_access_key_id=AKID;aws_secret_access_key=SeCrEt;token=ToKeN'");
	assert_int_equal(hd_copy_spec_describe(s, &b), HD_OK);
	assert_null(strstr(b.data, "SeCrEt"));
	assert_null(strstr(b.data, "ToKeN"));
	hd_copy_spec_free(s);
	hd_buf_free(&b);
}

/* describe() output parses back to the same description */
static void
test_describe_round_trip(void **state)
{
	static const char *const cases[] = {
		"COPY s.\"T x\" (a, \"B\") FROM 'emr://j-1/p/part*' IAM_ROLE 'arn:aws:iam::1:role/R' DELIMITER '\\t' LZOP",
		"COPY t FROM '/m' SSH IAM_ROLE default CSV QUOTE AS '%' DELIMITER ';' GZIP IGNOREHEADER 2 NULL AS '\\0'",
		"COPY t FROM 'f' FIXEDWIDTH 'a:3,b:25' ENCODING UTF8 ACCEPTINVCHARS AS '^' DATEFORMAT 'auto' "
		"TIMEFORMAT 'epochsecs' BLANKSASNULL EMPTYASNULL TRIMBLANKS TRUNCATECOLUMNS ROUNDEC FILLRECORD "
		"IGNOREBLANKLINES EXPLICIT_IDS ACCEPTANYDATE MAXERROR 10 NOLOAD COMPROWS 5000 COMPUPDATE PRESET STATUPDATE OFF",
		"COPY t FROM 'f' JSON 'auto ignorecase' ZSTD ENCODING UTF16LE IGNOREALLERRORS",
		"COPY t FROM 'f' DELIMITER '''' REMOVEQUOTES ESCAPE NULL AS 'it''s' CREDENTIALS 'aws_iam_role=arn:x:role/Q'",
		"COPY t FROM 'f' FORMAT AS PARQUET BZIP2",
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		hd_copy_spec *a = parse_ok(cases[i]), *c;
		hd_buf b1, b2;
		hd_buf_init(&b1, 0);
		hd_buf_init(&b2, 0);
		assert_int_equal(hd_copy_spec_describe(a, &b1), HD_OK);
		c = parse_ok(b1.data);
		assert_int_equal(hd_copy_spec_describe(c, &b2), HD_OK);
		assert_string_equal(b1.data, b2.data);
		hd_copy_spec_free(a);
		hd_copy_spec_free(c);
		hd_buf_free(&b1);
		hd_buf_free(&b2);
	}
}

/* options in any order and any letter case give the same spec */
static void
test_option_order_and_case(void **state)
{
	static const char *const a = "COPY t FROM '/m' SSH IAM_ROLE 'arn:aws:iam::1:role/R' CSV QUOTE AS '%' "
				     "DELIMITER ';' GZIP IGNOREHEADER 2 NULL AS 'n' MAXERROR 7 DATEFORMAT 'auto' "
				     "TRUNCATECOLUMNS COMPUPDATE OFF ENCODING UTF16";
	static const char *const b = "copy T from '/m' encoding as utf16 compupdate off Truncatecolumns "
				     "dateformat as 'auto' maxerror as 7 null 'n' ignoreheader as 2 gzip delimiter as ';' "
				     "quote '%' csv iam_role 'arn:aws:iam::1:role/R' ssh";
	hd_copy_spec *x = parse_ok(a), *y = parse_ok(b);
	hd_buf b1, b2;
	(void)state;

	hd_buf_init(&b1, 0);
	hd_buf_init(&b2, 0);
	assert_int_equal(hd_copy_spec_describe(x, &b1), HD_OK);
	assert_int_equal(hd_copy_spec_describe(y, &b2), HD_OK);
	assert_string_equal(b1.data, b2.data);
	hd_buf_free(&b1);
	hd_buf_free(&b2);
	hd_copy_spec_free(x);
	hd_copy_spec_free(y);
}

/* --- data format ------------------------------------------------------------------------------------------------- */

static void
test_delimiter(void **state)
{
	static const struct { const char *arg; char want; } ok[] = {
		{"'|'", '|'}, {"','", ','}, {"'\\t'", '\t'}, {"'\\011'", '\t'}, {"'\\174'", '|'}, {"'\\1'", '\001'},
		{"'\\036'", '\036'}, {"''''", '\''}, {"'\\'''", '\''}, {"'\\|'", '|'}, {"'\\\\'", '\\'}, {"E'\\t'", '\t'},
		{"'~'", '~'}, {"' '", ' '}, {"'\\x'", -1},
	};
	size_t i;
	char sql[128];
	(void)state;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		hd_copy_spec *s;
		snprintf(sql, sizeof sql, "COPY t FROM 'f' DELIMITER AS %s", ok[i].arg);
		if (ok[i].want == -1) {
			parse_bad(sql, "DELIMITER must be a single character", 29);
			continue;
		}
		s = parse_ok(sql);
		assert_int_equal(s->delimiter, ok[i].want);
		assert_true(s->delimiter_set);
		assert_int_equal(s->format, HD_FMT_DELIMITED);
		hd_copy_spec_free(s);
	}
	parse_bad("COPY t FROM 'f' DELIMITER ''", "DELIMITER must be a single character", 26);
	parse_bad("COPY t FROM 'f' DELIMITER 'ab'", "DELIMITER must be a single character", 26);
	parse_bad("COPY t FROM 'f' DELIMITER '\\0111'", "DELIMITER must be a single character", 26);
	parse_bad("COPY t FROM 'f' DELIMITER '\\000'", "ASCII character other than NUL", 26);
	parse_bad("COPY t FROM 'f' DELIMITER '\\377'", "ASCII character other than NUL", 26);
	parse_bad("COPY t FROM 'f' DELIMITER '\xc3\xa9'", "DELIMITER must be a single character", 26);
	parse_bad("COPY t FROM 'f' DELIMITER '\\n'", "cannot be a newline", 26);
	parse_bad("COPY t FROM 'f' DELIMITER E'\\r'", "cannot be a newline", 26);
	parse_bad("COPY t FROM 'f' DELIMITER", "DELIMITER requires a quoted string", 25);
	parse_bad("COPY t FROM 'f' DELIMITER ',' DELIMITER ','", "redundant option: DELIMITER given more than once", 30);
	parse_bad("COPY t FROM 'f' DELIMITER '\\\\' ESCAPE", "DELIMITER cannot be the ESCAPE character", 31);
}

static void
test_csv(void **state)
{
	hd_copy_spec *s;
	(void)state;

	s = parse_ok("COPY t FROM 'f' CSV");
	assert_int_equal(s->format, HD_FMT_CSV);
	assert_int_equal(s->delimiter, ','); /* copy-parameters-data-format: CSV's default delimiter is a comma */
	assert_int_equal(s->quote, '"');
	assert_false(s->quote_set);
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'f' csv quote as '%' delimiter '\\t'");
	assert_int_equal(s->quote, '%');
	assert_true(s->quote_set);
	assert_int_equal(s->delimiter, '\t');
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'f' QUOTE '''' FORMAT AS CSV");
	assert_int_equal(s->format, HD_FMT_CSV);
	assert_int_equal(s->quote, '\'');
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'f' FORMAT CSV");
	assert_int_equal(s->format, HD_FMT_CSV);
	hd_copy_spec_free(s);

	parse_bad("COPY t FROM 'f' QUOTE '%'", "QUOTE can be used only with CSV", 16);
	parse_bad("COPY t FROM 'f' CSV QUOTE ','", "the CSV delimiter and quote must differ", 20);
	parse_bad("COPY t FROM 'f' CSV DELIMITER '\"'", "the CSV delimiter and quote must differ", 20);
	parse_bad("COPY t FROM 'f' CSV QUOTE 'ab'", "QUOTE must be a single character", 26);
	parse_bad("COPY t FROM 'f' CSV QUOTE '\\n'", "QUOTE cannot be a newline", 26);
	parse_bad("COPY t FROM 'f' CSV FORMAT AS CSV", "redundant option: CSV given more than once", 30);
	parse_bad("COPY t FROM 'f' FORMAT AS DELIMITER ','", "expected CSV, JSON, AVRO", 26);
}

static void
test_fixedwidth(void **state)
{
	hd_copy_spec *s;
	const char *q;
	(void)state;

	s = parse_ok("COPY venue FROM 'f' FIXEDWIDTH 'venueid:3,venuename:25,venuecity:12,venuestate:2,venueseats:6'");
	assert_int_equal(s->format, HD_FMT_FIXEDWIDTH);
	assert_string_equal(s->fixedwidth_spec, "venueid:3,venuename:25,venuecity:12,venuestate:2,venueseats:6");
	assert_int_equal(s->nfw_cols, 5);
	assert_string_equal(s->fw_cols[0].label, "venueid");
	assert_int_equal(s->fw_cols[0].width, 3);
	assert_string_equal(s->fw_cols[1].label, "venuename");
	assert_int_equal(s->fw_cols[1].width, 25);
	assert_string_equal(s->fw_cols[4].label, "venueseats");
	assert_int_equal(s->fw_cols[4].width, 6);
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'f' FORMAT AS FIXEDWIDTH AS ' 0 : 4 , 1:10'");
	assert_int_equal(s->nfw_cols, 2);
	assert_string_equal(s->fw_cols[0].label, "0");
	assert_int_equal(s->fw_cols[0].width, 4);
	assert_int_equal(s->fw_cols[1].width, 10);
	hd_copy_spec_free(s);

	q = "COPY t FROM 'f' FIXEDWIDTH 'a:3,b:x'";
	parse_bad(q, "column 2: the width must be a positive integer", at(q, "x'", 0));
	q = "COPY t FROM 'f' FIXEDWIDTH 'a:3,b:0'";
	parse_bad(q, "column 2: the width must be from 1 to", at(q, "0'", 0));
	q = "COPY t FROM 'f' FIXEDWIDTH 'a:3,b:-1'";
	parse_bad(q, "column 2: the width must be a positive integer", at(q, "-1", 0));
	q = "COPY t FROM 'f' FIXEDWIDTH 'a:3,b:99999999999999999999'";
	parse_bad(q, "column 2: the width must be from 1 to", at(q, "999", 0));
	q = "COPY t FROM 'f' FIXEDWIDTH 'a:3,:4'";
	parse_bad(q, "column 2 has an empty label", at(q, ":4", 0));
	q = "COPY t FROM 'f' FIXEDWIDTH 'a:3,b'";
	parse_bad(q, "column 2 has no ':width'", at(q, "b'", 0));
	q = "COPY t FROM 'f' FIXEDWIDTH 'a:3,'";
	parse_bad(q, "column 2 has no ':width'", at(q, "'", 3));
	q = "COPY t FROM 'f' FIXEDWIDTH 'a:'";
	parse_bad(q, "column 1 has no width", 28);
	parse_bad("COPY t FROM 'f' FIXEDWIDTH ''", "FIXEDWIDTH requires 'label:width", 27);
	parse_bad("COPY t FROM 'f' FIXEDWIDTH", "FIXEDWIDTH requires a quoted string", 26);
}

static void
test_json_and_other_formats(void **state)
{
	hd_copy_spec *s;
	(void)state;

	s = parse_ok("COPY t FROM 'f' JSON");
	assert_int_equal(s->format, HD_FMT_JSON);
	assert_string_equal(s->json_arg, "auto");
	assert_true(s->json_auto);
	assert_false(s->json_ignorecase);
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'f' FORMAT AS JSON 'auto ignorecase'");
	assert_true(s->json_auto);
	assert_true(s->json_ignorecase);
	assert_string_equal(s->json_arg, "auto ignorecase");
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'f' json as '/paths/category_jsonpath.json' IGNOREHEADER 1 EMPTYASNULL");
	assert_false(s->json_auto);
	assert_string_equal(s->json_arg, "/paths/category_jsonpath.json");
	assert_int_equal(s->ignoreheader, 1);
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'f' FORMAT AS AVRO 'auto'");
	assert_int_equal(s->format, HD_FMT_AVRO);
	hd_copy_spec_free(s);
	s = parse_ok("COPY t FROM 'f' PARQUET");
	assert_int_equal(s->format, HD_FMT_PARQUET);
	hd_copy_spec_free(s);
	s = parse_ok("COPY t FROM 'f' FORMAT ORC");
	assert_int_equal(s->format, HD_FMT_ORC);
	hd_copy_spec_free(s);
	s = parse_ok("COPY t FROM 'f' SHAPEFILE");
	assert_int_equal(s->format, HD_FMT_SHAPEFILE);
	hd_copy_spec_free(s);

	parse_bad("COPY t FROM 'f' JSON ''", "JSON requires 'auto'", 21);
	parse_bad_e("COPY t FROM 'f' JSON 'noshred'", HD_ERR_UNSUPPORTED, "noshred", 21, NULL);
}

static void
test_compression(void **state)
{
	static const struct { const char *kw; hd_compression c; } cs[] = {
		{"GZIP", HD_COMP_GZIP}, {"bzip2", HD_COMP_BZIP2}, {"Lzop", HD_COMP_LZOP}, {"ZSTD", HD_COMP_ZSTD},
	};
	char sql[64];
	size_t i;
	(void)state;

	for (i = 0; i < 4; i++) {
		hd_copy_spec *s;
		snprintf(sql, sizeof sql, "COPY t FROM 'f' %s", cs[i].kw);
		s = parse_ok(sql);
		assert_int_equal(s->compression, cs[i].c);
		hd_copy_spec_free(s);
	}
	parse_bad("COPY t FROM 'f' GZIP BZIP2", "conflicting options: GZIP cannot be used with BZIP2", 21);
	parse_bad("COPY t FROM 'f' ZSTD CSV LZOP", "conflicting options: ZSTD cannot be used with LZOP", 25);
	parse_bad("COPY t FROM 'f' GZIP gzip", "redundant option: GZIP given more than once", 21);
}

/* --- data conversion --------------------------------------------------------------------------------------------- */

static void
test_conversion_options(void **state)
{
	hd_copy_spec *s;
	(void)state;

	s = parse_ok("COPY t FROM 'f' ACCEPTANYDATE ACCEPTINVCHARS BLANKSASNULL DATEFORMAT 'MM-DD-YYYY' "
		     "TIMEFORMAT AS 'YYYY-MM-DD HH:MI:SS' ENCODING AS UTF16 EMPTYASNULL ESCAPE EXPLICIT_IDS FILLRECORD "
		     "IGNOREBLANKLINES IGNOREHEADER AS 3 NULL AS 'nil' REMOVEQUOTES ROUNDEC TRIMBLANKS TRUNCATECOLUMNS");
	assert_true(s->acceptanydate);
	assert_true(s->acceptinvchars);
	assert_int_equal(s->acceptinvchars_char, '?');
	assert_true(s->blanksasnull);
	assert_string_equal(s->dateformat, "MM-DD-YYYY");
	assert_string_equal(s->timeformat, "YYYY-MM-DD HH:MI:SS");
	assert_int_equal(s->encoding, HD_ENC_UTF16);
	assert_true(s->emptyasnull);
	assert_true(s->escape);
	assert_true(s->explicit_ids);
	assert_true(s->fillrecord);
	assert_true(s->ignoreblanklines);
	assert_int_equal(s->ignoreheader, 3);
	assert_string_equal(s->null_as, "nil");
	assert_int_equal(s->null_as_len, 3);
	assert_true(s->removequotes);
	assert_true(s->roundec);
	assert_true(s->trimblanks);
	assert_true(s->truncatecolumns);
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'f' ACCEPTINVCHARS AS '^' ENCODING utf16be DATEFORMAT 'auto' TIMEFORMAT 'epochmillisecs'");
	assert_int_equal(s->acceptinvchars_char, '^');
	assert_int_equal(s->encoding, HD_ENC_UTF16BE);
	assert_string_equal(s->dateformat, "auto");
	assert_string_equal(s->timeformat, "epochmillisecs");
	hd_copy_spec_free(s);
	s = parse_ok("COPY t FROM 'f' ACCEPTINVCHARS ' ' ENCODING 'UTF16LE' TIMEFORMAT 'auto'");
	assert_int_equal(s->acceptinvchars_char, ' ');
	assert_int_equal(s->encoding, HD_ENC_UTF16LE);
	hd_copy_spec_free(s);
	s = parse_ok("COPY t FROM 'f' ENCODING UTF8");
	assert_int_equal(s->encoding, HD_ENC_UTF8);
	hd_copy_spec_free(s);

	/* copy-parameters-data-conversion: ACCEPTINVCHARS: any ASCII character except NULL */
	parse_bad("COPY t FROM 'f' ACCEPTINVCHARS '\\000'", "ASCII character other than NUL", 31);
	parse_bad("COPY t FROM 'f' ACCEPTINVCHARS '\xc3\xa9'", "ACCEPTINVCHARS must be a single character", 31);
	parse_bad("COPY t FROM 'f' ACCEPTINVCHARS AS", "ACCEPTINVCHARS requires a quoted string", 33);
	parse_bad("COPY t FROM 'f' ENCODING LATIN1", "ENCODING requires UTF8, UTF16, UTF16LE or UTF16BE", 25);
	parse_bad("COPY t FROM 'f' ENCODING", "ENCODING requires", 24);
	parse_bad("COPY t FROM 'f' DATEFORMAT ''", "DATEFORMAT may not be empty", 27);
	parse_bad("COPY t FROM 'f' TIMEFORMAT", "TIMEFORMAT requires a quoted string", 26);
	parse_bad("COPY t FROM 'f' IGNOREHEADER", "IGNOREHEADER requires an integer", 28);
	parse_bad("COPY t FROM 'f' IGNOREHEADER -1", "IGNOREHEADER requires an integer", 29);
	parse_bad("COPY t FROM 'f' IGNOREHEADER '1'", "IGNOREHEADER requires an integer", 29);
	parse_bad("COPY t FROM 'f' IGNOREHEADER 99999999999999999999999", "IGNOREHEADER must be an integer", 29);
	parse_bad("COPY t FROM 'f' ESCAPE escape", "redundant option: ESCAPE", 23);
}

static void
test_null_as(void **state)
{
	hd_copy_spec *s;
	(void)state;

	/* copy-parameters-data-conversion: NULL AS '\0' or '\000' is the NUL byte */
	s = parse_ok("COPY t FROM 'f' NULL AS '\\0'");
	assert_int_equal(s->null_as_len, 1);
	assert_int_equal(s->null_as[0], '\0');
	hd_copy_spec_free(s);
	s = parse_ok("COPY t FROM 'f' NULL '\\000'");
	assert_int_equal(s->null_as_len, 1);
	assert_int_equal(s->null_as[0], '\0');
	hd_copy_spec_free(s);
	s = parse_ok("COPY t FROM 'f' NULL AS E'\\000'");
	assert_int_equal(s->null_as_len, 1);
	hd_copy_spec_free(s);
	/* '\N' is kept as the two bytes backslash-N (Redshift's default, written out) */
	s = parse_ok("COPY t FROM 'f' NULL AS '\\N'");
	assert_int_equal(s->null_as_len, 2);
	assert_memory_equal(s->null_as, "\\N", 3);
	hd_copy_spec_free(s);
	s = parse_ok("COPY t FROM 'f' NULL AS ''");
	assert_non_null(s->null_as);
	assert_int_equal(s->null_as_len, 0);
	hd_copy_spec_free(s);
	s = parse_ok("COPY t FROM 'f' NULL AS '\\0x'");
	assert_string_equal(s->null_as, "\\0x");
	hd_copy_spec_free(s);

	parse_bad("COPY t FROM 'f' NULL AS '\\n'", "NULL AS cannot contain a newline", 24);
	parse_bad("COPY t FROM 'f' NULL AS E'a\\nb'", "NULL AS cannot contain a newline", 24);
	parse_bad("COPY t FROM 'f' NULL AS E'a\\000'", "a NUL byte is only allowed alone", 24);
	parse_bad("COPY t FROM 'f' NULL", "NULL AS requires a quoted string", 20);
	parse_bad("COPY t FROM 'f' NULL AS 'a' NULL AS 'b'", "redundant option: NULL AS given more than once", 28);
}

/* --- data load --------------------------------------------------------------------------------------------------- */

static void
test_load_options(void **state)
{
	hd_copy_spec *s;
	(void)state;

	s = parse_ok("COPY t FROM 'f' MAXERROR AS 5 NOLOAD COMPROWS 1000 COMPUPDATE STATUPDATE");
	assert_int_equal(s->maxerror, 5);
	assert_true(s->maxerror_set);
	assert_true(s->noload);
	assert_int_equal(s->comprows, 1000);
	assert_int_equal(s->compupdate, 1); /* copy-parameters-data-load: specified without an option = ON */
	assert_int_equal(s->statupdate, 1);
	hd_copy_spec_free(s);

	s = parse_ok("COPY t FROM 'f' MAXERROR 100000 COMPROWS 2147483647 COMPUPDATE OFF STATUPDATE FALSE");
	assert_int_equal(s->maxerror, 100000);
	assert_int_equal(s->comprows, 2147483647L);
	assert_int_equal(s->compupdate, 0);
	assert_int_equal(s->statupdate, 0);
	hd_copy_spec_free(s);

}

static void
test_load_options3(void **state)
{
	hd_copy_spec *s;
	(void)state;

	s = parse_ok("COPY t FROM 'f' COMPUPDATE PRESET STATUPDATE TRUE IGNOREALLERRORS");
	assert_int_equal(s->compupdate, 2);
	assert_int_equal(s->statupdate, 1);
	assert_true(s->ignoreallerrors);
	assert_false(s->maxerror_set);
	hd_copy_spec_free(s);
	s = parse_ok("COPY t FROM 'f' COMPUPDATE TRUE MAXERROR 0");
	assert_int_equal(s->compupdate, 1);
	assert_true(s->maxerror_set);
	hd_copy_spec_free(s);

	/* copy-parameters-data-load: "The MAXERROR default value is 0 and the limit is 100000" */
	parse_bad("COPY t FROM 'f' MAXERROR 100001", "MAXERROR must be an integer from 0 to 100000", 25);
	parse_bad("COPY t FROM 'f' MAXERROR -1", "MAXERROR requires an integer from 0 to 100000", 25);
	parse_bad("COPY t FROM 'f' MAXERROR", "MAXERROR requires an integer", 24);
	parse_bad("COPY t FROM 'f' COMPROWS 999", "COMPROWS must be an integer from 1000 to 2147483647", 25);
	parse_bad("COPY t FROM 'f' COMPROWS 2147483648", "COMPROWS must be an integer from 1000 to 2147483647", 25);
	parse_bad("COPY t FROM 'f' IGNOREALLERRORS MAXERROR 3",
		  "conflicting options: IGNOREALLERRORS cannot be used with MAXERROR", 32);
	parse_bad("COPY t FROM 'f' MAXERROR 3 IGNOREALLERRORS",
		  "conflicting options: MAXERROR cannot be used with IGNOREALLERRORS", 27);
	parse_bad("COPY t FROM 'f' STATUPDATE PRESET", "STATUPDATE takes ON, TRUE, OFF or FALSE", 27);
	parse_bad("COPY t FROM 'f' MAXERROR 1 MAXERROR 2", "redundant option: MAXERROR given more than once", 27);
}

static void
test_s3_only_options(void **state)
{
	(void)state;
	parse_bad_e("COPY t FROM 'f' MANIFEST", HD_ERR_UNSUPPORTED,
		    "manifest is not supported: it applies to Amazon S3 and DynamoDB sources only", 16, NULL);
	parse_bad_e("COPY t FROM 'f' GZIP REGION 'us-west-2'", HD_ERR_UNSUPPORTED, "region is not supported", 21, NULL);
	parse_bad_e("COPY t FROM 'f' ENCRYPTED", HD_ERR_UNSUPPORTED, "encrypted is not supported", 16, NULL);
	parse_bad_e("COPY t FROM 'f' READRATIO 50", HD_ERR_UNSUPPORTED, "readratio is not supported", 16, NULL);
}

/* --- conflicts --------------------------------------------------------------------------------------------------- */

static void
test_conflicts(void **state)
{
	static const struct { const char *opts; const char *msg; const char *second; } cs[] = {
		/* copy-parameters-data-format: CSV cannot be used with FIXEDWIDTH, REMOVEQUOTES, or ESCAPE */
		{"CSV ESCAPE", "CSV cannot be used with ESCAPE", "ESCAPE"},
		{"ESCAPE CSV", "ESCAPE cannot be used with CSV", "CSV"},
		{"CSV REMOVEQUOTES", "CSV cannot be used with REMOVEQUOTES", "REMOVEQUOTES"},
		{"CSV FIXEDWIDTH 'a:1'", "CSV cannot be used with FIXEDWIDTH", "FIXEDWIDTH"},
		{"FORMAT AS CSV FIXEDWIDTH 'a:1'", "CSV cannot be used with FIXEDWIDTH", "FIXEDWIDTH"},
		/* copy-parameters-data-format: DELIMITER cannot be used with FIXEDWIDTH */
		{"FIXEDWIDTH 'a:1' DELIMITER ','", "FIXEDWIDTH cannot be used with DELIMITER", "DELIMITER"},
		{"DELIMITER ',' FIXEDWIDTH 'a:1'", "DELIMITER cannot be used with FIXEDWIDTH", "FIXEDWIDTH"},
		/* copy-parameters-data-conversion: ESCAPE cannot be used for FIXEDWIDTH loads */
		{"FIXEDWIDTH 'a:1' ESCAPE", "FIXEDWIDTH cannot be used with ESCAPE", "ESCAPE"},
		/* COPY-SPEC.md: REMOVEQUOTES not with FIXEDWIDTH */
		{"REMOVEQUOTES FIXEDWIDTH 'a:1'", "REMOVEQUOTES cannot be used with FIXEDWIDTH", "FIXEDWIDTH"},
		/* copy-parameters-data-format: options not supported with JSON */
		{"JSON 'auto' CSV", "JSON cannot be used with CSV", "CSV"},
		{"JSON DELIMITER ','", "JSON cannot be used with DELIMITER", "DELIMITER"},
		{"JSON ESCAPE", "JSON cannot be used with ESCAPE", "ESCAPE"},
		{"FILLRECORD JSON", "FILLRECORD cannot be used with JSON", "JSON"},
		{"JSON FIXEDWIDTH 'a:1'", "JSON cannot be used with FIXEDWIDTH", "FIXEDWIDTH"},
		{"JSON IGNOREBLANKLINES", "JSON cannot be used with IGNOREBLANKLINES", "IGNOREBLANKLINES"},
		{"JSON NULL AS 'x'", "JSON cannot be used with NULL AS", "NULL"},
		{"JSON REMOVEQUOTES", "JSON cannot be used with REMOVEQUOTES", "REMOVEQUOTES"},
		{"FORMAT AS JSON 'auto' QUOTE '%'", "JSON cannot be used with QUOTE", "QUOTE"},
		{"AVRO 'auto' DELIMITER ','", "AVRO cannot be used with DELIMITER", "DELIMITER"},
		{"PARQUET FILLRECORD", "PARQUET cannot be used with FILLRECORD", "FILLRECORD"},
		/* more than one format */
		{"JSON AVRO", "JSON cannot be used with AVRO", "AVRO"},
		{"ORC PARQUET", "ORC cannot be used with PARQUET", "PARQUET"},
		{"SHAPEFILE FORMAT CSV", "SHAPEFILE cannot be used with CSV", "CSV"},
		/* copy-parameters-data-conversion: fixed-width data files must use UTF-8 */
		{"FIXEDWIDTH 'a:1' ENCODING UTF16", "FIXEDWIDTH requires ENCODING UTF8", "ENCODING"},
		{"ENCODING UTF16LE FIXEDWIDTH 'a:1'", "FIXEDWIDTH requires ENCODING UTF8", "FIXEDWIDTH"},
	};
	char sql[256];
	size_t i;
	(void)state;

	for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		snprintf(sql, sizeof sql, "COPY t FROM 'f' %s", cs[i].opts);
		parse_bad(sql, cs[i].msg, at(sql, cs[i].second, 0));
	}
	/* the documented message shape */
	parse_bad("COPY category FROM '/data/category_csv.txt' CSV ESCAPE",
		  "conflicting options: CSV cannot be used with ESCAPE (at position 48)", 48);
	/* EMPTYASNULL / BLANKSASNULL / FILLRECORD / IGNOREHEADER are fine with every text format */
	{
		hd_copy_spec *s = parse_ok("COPY t FROM 'f' CSV EMPTYASNULL BLANKSASNULL FILLRECORD IGNOREHEADER 1 NULL AS ''");
		hd_copy_spec_free(s);
		s = parse_ok("COPY t FROM 'f' FIXEDWIDTH 'a:1' EMPTYASNULL BLANKSASNULL FILLRECORD NULL AS 'x' ENCODING UTF8");
		hd_copy_spec_free(s);
		s = parse_ok("COPY t FROM 'f' JSON EMPTYASNULL BLANKSASNULL IGNOREHEADER 1 TRUNCATECOLUMNS");
		hd_copy_spec_free(s);
		s = parse_ok("COPY t FROM 'f' REMOVEQUOTES ESCAPE DELIMITER '\\t'");
		hd_copy_spec_free(s);
	}
}

/* --- Redshift's documented examples (r_COPY_command_examples and the source pages), S3 paths made local ---------- */

static void
test_redshift_examples(void **state)
{
	static const char *const ex[] = {
		"copy listing\nfrom '/mybucket/data/listing/' \niam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole';",
		"copy sales\nfrom 'emr://j-SAMPLE2B500FC/myoutput/part-*' \n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole'\ndelimiter '\\t' lzop;",
		"copy sales\nfrom 'emr://j-SAMPLE2B500FC/myoutput/json/' \n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole'\nJSON '/mybucket/jsonpaths.txt';",
		"copy sales\nfrom '/mybucket/ssh_manifest' \niam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole'\nssh;",
		"copy listing \nfrom '/mybucket/data/listings_pipe.txt' \n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole';",
		"copy listing\nfrom '/mybucket/data/listings_pipe.txt'\naccess_key_id '<access-key-id>'\n"
		"secret_access_key '<secret-access-key'\nsession_token '<temporary-token>';",
		"copy event\nfrom '/mybucket/data/allevents_pipe.txt' \n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole' \nremovequotes\nemptyasnull\nblanksasnull\n"
		"maxerror 5\ndelimiter '|'\ntimeformat 'YYYY-MM-DD HH:MI:SS';",
		"copy venue\nfrom '/mybucket/data/venue_fw.txt' \niam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole'\n"
		"fixedwidth 'venueid:3,venuename:25,venuecity:12,venuestate:2,venueseats:6';",
		"copy category\nfrom '/mybucket/data/category_csv.txt' \n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole' \ncsv;",
		"copy category\nfrom '/mybucket/data/category_csv.txt' \n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole' \ncsv quote as '%';",
		"copy venue\nfrom '/mybucket/data/venue.txt' \niam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole'\n"
		"explicit_ids;",
		"copy time\nfrom '/mybucket/data/timerows.gz' \niam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole'\n"
		"gzip\ndelimiter '|';",
		"copy timestamp1 \nfrom '/mybucket/data/time.txt' \n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole'\ntimeformat 'YYYY-MM-DD HH:MI:SS';",
		"copy venue_new(venueid, venuename, venuecity, venuestate) \nfrom '/mybucket/data/venue_noseats.txt' \n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole'\ndelimiter '|';",
		"copy venue(venueid, venuename, venuecity, venuestate) \nfrom '/mybucket/data/venue_pipe.txt' \n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole'\ndelimiter '|' explicit_ids;",
		"copy redshiftinfo from '/mybucket/data/redshiftinfo.txt' \n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole' \ndelimiter '|' escape;",
		"copy category\nfrom '/mybucket/category_object_auto.json'\n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole' \njson 'auto';",
		"copy category\nfrom '/mybucket/category_object_paths.json'\n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole' \njson '/mybucket/category_jsonpath.json';",
		"copy category\nfrom '/mybucket/category_auto.avro'\n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole'\nformat as avro 'auto';",
		"copy t2 from '/mybucket/data/nlTest2.txt' \n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole'  \nescape\ndelimiter as '|';",
		"copy sales\nfrom 'emr://j-SAMPLE2B500FC/myoutput/part-*' \n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole';",
		"copy customer from '/mybucket/mydata' \n"
		"credentials \n'aws_iam_role=arn:aws:iam::0123456789012:role/MyRedshiftRole'",
		"copy catdemo\nfrom '/awssampledbuswest2/tickit/category_pipe.txt'\n"
		"iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole';",
	};
	size_t i;
	hd_copy_spec *s;
	(void)state;

	for (i = 0; i < sizeof ex / sizeof ex[0]; i++) {
		s = parse_ok(ex[i]);
		hd_copy_spec_free(s);
	}
	/* spot checks */
	s = parse_ok(ex[1]);
	assert_int_equal(s->src_kind, HD_SRC_EMR);
	assert_int_equal(s->delimiter, '\t');
	assert_int_equal(s->compression, HD_COMP_LZOP);
	assert_string_equal(s->role_name, "MyRedshiftRole");
	hd_copy_spec_free(s);
	s = parse_ok(ex[6]);
	assert_true(s->removequotes && s->emptyasnull && s->blanksasnull);
	assert_int_equal(s->maxerror, 5);
	hd_copy_spec_free(s);
	s = parse_ok(ex[13]);
	assert_int_equal(s->ncolumns, 4);
	assert_string_equal(s->columns[3], "venuestate");
	hd_copy_spec_free(s);
}

/* --- robustness -------------------------------------------------------------------------------------------------- */

static void
try_parse(const char *sql, size_t len)
{
	hd_copy_spec *s = NULL;
	hd_err e;
	hd_code r;

	hd_err_clear(&e);
	r = hd_copy_parse(sql, len, &s, &e);
	if (r == HD_OK) {
		char name[80];
		hd_buf b;
		assert_non_null(s);
		hd_copy_spec_table_name(s, name, sizeof name);
		hd_buf_init(&b, 0);
		assert_int_equal(hd_copy_spec_describe(s, &b), HD_OK);
		hd_buf_free(&b);
		hd_copy_spec_free(s);
	} else {
		assert_null(s);
		assert_true(e.msg[0] != '\0');
		assert_true(memchr(e.msg, '\0', sizeof e.msg) != NULL);
	}
}

static void
test_fuzz_prefixes_and_noise(void **state)
{
	static const char *const seeds[] = {
		"COPY s.\"T\" (a, \"b\"\"c\") FROM 'emr://j-1/x/part*' IAM_ROLE 'arn:aws:iam::1:role/R' DELIMITER '\\t' "
		"GZIP IGNOREHEADER 1 NULL AS '\\0' ACCEPTINVCHARS AS '^' MAXERROR 10 COMPUPDATE OFF;",
		"copy t from 'hdfs:///p' csv quote as '%' -- c\n /* x /* y */ */ dateformat 'auto' timeformat 'epochsecs'",
		"COPY t FROM '/m' SSH CREDENTIALS 'aws_access_key_id=a;aws_secret_access_key=b;token=c' FIXEDWIDTH 'a:1,b:2'",
		"COPY t FROM E'x\\'y' JSON 'auto ignorecase' ZSTD ENCODING UTF16BE STATUPDATE ON COMPROWS 5000 $$a$$",
	};
	char buf[512];
	size_t i, n, k;
	unsigned seed = 12345;
	(void)state;

	for (i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		size_t len = strlen(seeds[i]);
		for (n = 0; n <= len; n++) {
			char *copy = malloc(n ? n : 1); /* exact size: ASan catches any read past the end */
			assert_non_null(copy);
			memcpy(copy, seeds[i], n);
			try_parse(copy, n);
			free(copy);
		}
		/* single-byte mutations */
		for (k = 0; k < 3000; k++) {
			char *copy = malloc(len);
			assert_non_null(copy);
			memcpy(copy, seeds[i], len);
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 8) % len] = (char)(seed >> 20);
			seed = seed * 1103515245u + 12345u;
			if (seed & 1)
				copy[(seed >> 8) % len] = "'\"$;()\\,.-/*E \n"[(seed >> 16) % 15];
			try_parse(copy, len);
			free(copy);
		}
	}
	/* random bytes, and random draws from a COPY-ish alphabet */
	for (k = 0; k < 20000; k++) {
		static const char *const words[] = {
			"COPY ", "t ", "FROM ", "'f' ", "'", "\"", "$$", "$a$", "(", ")", ",", ".", ";", "--", "\n", "/*", "*/",
			"E'", "\\", "CSV ", "QUOTE ", "DELIMITER ", "AS ", "FIXEDWIDTH ", "'a:1' ", "JSON ", "SSH ", "IAM_ROLE ",
			"default ", "CREDENTIALS ", "NULL ", "MAXERROR ", "1 ", "100001 ", "GZIP ", "ESCAPE ", "'emr://j/x' ",
			"'hdfs://' ", "'s3://b' ", "WITH ", "FORMAT ", "ENCODING ", "UTF16 ", "COMPUPDATE ", "'\\0' ",
		};
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 8) % sizeof buf;
		if (k % 2) {
			for (i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				buf[i] = (char)(seed >> 16);
			}
		} else {
			size_t used = 0;
			while (used < n) {
				const char *w;
				size_t wl;
				seed = seed * 1103515245u + 12345u;
				w = words[(seed >> 10) % (sizeof words / sizeof words[0])];
				wl = strlen(w);
				if (used + wl > sizeof buf)
					break;
				memcpy(buf + used, w, wl);
				used += wl;
			}
			n = used;
		}
		{
			char *copy = malloc(n ? n : 1);
			assert_non_null(copy);
			memcpy(copy, buf, n);
			try_parse(copy, n);
			free(copy);
		}
	}
	/* a statement over the cap */
	{
		size_t big = (1u << 20) + 1;
		char *p = malloc(big);
		hd_copy_spec *s = NULL;
		hd_err e;
		assert_non_null(p);
		memset(p, ' ', big);
		memcpy(p, "COPY t FROM 'f'", 15);
		assert_int_equal(hd_copy_parse(p, big, &s, &e), HD_ERR_LIMIT);
		free(p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_identifiers),
		cmocka_unit_test(test_lexical),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_authorization),
		cmocka_unit_test(test_secrets_never_in_messages),
		cmocka_unit_test(test_describe_redacts),
		cmocka_unit_test(test_describe_round_trip),
		cmocka_unit_test(test_option_order_and_case),
		cmocka_unit_test(test_delimiter),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_fixedwidth),
		cmocka_unit_test(test_json_and_other_formats),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_conversion_options),
		cmocka_unit_test(test_null_as),
		cmocka_unit_test(test_load_options),
		cmocka_unit_test(test_load_options3),
		cmocka_unit_test(test_s3_only_options),
		cmocka_unit_test(test_conflicts),
		cmocka_unit_test(test_redshift_examples),
		cmocka_unit_test(test_fuzz_prefixes_and_noise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
