/*
 * test_script.c — hd_script_next() and hd_stmt_is_copy(): splitting on ';' outside every kind of quote and
 * comment, trimming, skipping empty statements, offsets and lines, and errors for unterminated constructs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy/copy.h"

#define MAXS 16

typedef struct got {
	int n;
	char text[MAXS][256];
	size_t offset[MAXS];
	int line[MAXS];
} got;

/* Split all of script; returns the last hd_script_next() result (0 or -1). */
static int
split(const char *script, got *g, hd_err *e)
{
	size_t pos = 0, len = strlen(script);
	hd_stmt st;
	int r;

	memset(g, 0, sizeof *g);
	hd_err_clear(e);
	while ((r = hd_script_next(script, len, &pos, &st, e)) == 1) {
		assert_true(g->n < MAXS);
		assert_true(st.len < sizeof g->text[0]);
		assert_true(st.offset + st.len <= len);
		assert_ptr_equal(st.text, script + st.offset);
		memcpy(g->text[g->n], st.text, st.len);
		g->text[g->n][st.len] = '\0';
		g->offset[g->n] = st.offset;
		g->line[g->n] = st.line;
		g->n++;
		assert_true(pos <= len);
	}
	return r;
}

static void
test_basic_split(void **state)
{
	got g;
	hd_err e;
	(void)state;

	assert_int_equal(split("COPY a FROM 'x'; COPY b FROM 'y'", &g, &e), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.text[0], "COPY a FROM 'x'");
	assert_string_equal(g.text[1], "COPY b FROM 'y'");
	assert_int_equal(g.offset[0], 0);
	assert_int_equal(g.offset[1], 17);
	assert_int_equal(g.line[0], 1);
	assert_int_equal(g.line[1], 1);

	assert_int_equal(split("", &g, &e), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(split(" \n\t ", &g, &e), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(split(";;; ; \n;", &g, &e), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(split("-- only a comment\n/* and /* nested */ one */;\n-- trailing", &g, &e), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(split("a;;b;", &g, &e), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.text[0], "a");
	assert_string_equal(g.text[1], "b");
}

static void
test_trim_lines_offsets(void **state)
{
	got g;
	hd_err e;
	const char *s = "\n\n  -- header\n  COPY t\n  FROM 'f'   -- note\n ;\n\n/* c */ SELECT 1\n";
	(void)state;

	assert_int_equal(split(s, &g, &e), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.text[0], "COPY t\n  FROM 'f'");
	assert_int_equal(g.line[0], 4);
	assert_int_equal(g.offset[0], (size_t)(strstr(s, "COPY") - s));
	assert_string_equal(g.text[1], "SELECT 1");
	assert_int_equal(g.line[1], 8);
	assert_int_equal(g.offset[1], (size_t)(strstr(s, "SELECT") - s));
}

static void
test_quotes_hide_semicolons(void **state)
{
	got g;
	hd_err e;
	(void)state;

	assert_int_equal(split("COPY t FROM 'a;b''c;d' DELIMITER ';'; x", &g, &e), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.text[0], "COPY t FROM 'a;b''c;d' DELIMITER ';'");
	assert_string_equal(g.text[1], "x");

	assert_int_equal(split("COPY \"we;ird\"\"t\" FROM 'f';y", &g, &e), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.text[0], "COPY \"we;ird\"\"t\" FROM 'f'");

	/* E'…' with backslash escapes: \' does not end the string */
	assert_int_equal(split("COPY t FROM E'a\\';b' ; z", &g, &e), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.text[0], "COPY t FROM E'a\\';b'");
	assert_string_equal(g.text[1], "z");
	/* …but in a standard string a backslash is ordinary: 'a\' ends at the second quote */
	assert_int_equal(split("SELECT 'a\\'; z", &g, &e), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.text[0], "SELECT 'a\\'");
	/* xE'…' is an identifier followed by a standard string */
	assert_int_equal(split("SELECT xE'a\\'; z", &g, &e), 0);
	assert_int_equal(g.n, 2);

	/* dollar quotes, with and without a tag; $1 and a$b$ are not dollar quotes */
	assert_int_equal(split("DO $$ a; b $$; SELECT $tag$ x;$$; $tag$ ; SELECT $1; SELECT a$b$c; d", &g, &e), 0);
	assert_int_equal(g.n, 5);
	assert_string_equal(g.text[0], "DO $$ a; b $$");
	assert_string_equal(g.text[1], "SELECT $tag$ x;$$; $tag$");
	assert_string_equal(g.text[2], "SELECT $1");
	assert_string_equal(g.text[3], "SELECT a$b$c");
	assert_string_equal(g.text[4], "d");

	/* comments */
	assert_int_equal(split("a -- x; y\n b; /* c; /* d; */ e; */ f; g", &g, &e), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.text[0], "a -- x; y\n b");
	assert_string_equal(g.text[1], "f");
	assert_string_equal(g.text[2], "g");
	/* a '-' or '/' alone is just a byte */
	assert_int_equal(split("SELECT 1 - 2 / 3; 4", &g, &e), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.text[0], "SELECT 1 - 2 / 3");
}

static void
test_unterminated(void **state)
{
	got g;
	hd_err e;
	(void)state;

	assert_int_equal(split("COPY a FROM 'x';\nCOPY b FROM 'y", &g, &e), -1);
	assert_int_equal(g.n, 1);
	assert_int_equal(e.code, HD_ERR_SYNTAX);
	assert_non_null(strstr(e.msg, "unterminated quoted string starting at line 2"));

	assert_int_equal(split("a;\n\n/* open /* nested */ still open", &g, &e), -1);
	assert_non_null(strstr(e.msg, "unterminated /* comment starting at line 3"));
	assert_int_equal(split("x /* open", &g, &e), -1);
	assert_non_null(strstr(e.msg, "unterminated /* comment starting at line 1"));
	assert_int_equal(split("SELECT \"abc", &g, &e), -1);
	assert_non_null(strstr(e.msg, "unterminated quoted identifier starting at line 1"));
	assert_int_equal(split("\nDO $f$ body", &g, &e), -1);
	assert_non_null(strstr(e.msg, "unterminated dollar-quoted string starting at line 2"));
	assert_int_equal(split("SELECT E'abc\\'", &g, &e), -1);
	assert_non_null(strstr(e.msg, "unterminated quoted string"));
	/* a line comment may end the script */
	assert_int_equal(split("a -- no newline", &g, &e), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.text[0], "a");
}

static void
test_is_copy(void **state)
{
	static const struct { const char *s; bool want; } cs[] = {
		{"COPY t FROM 'f'", true}, {"copy", true}, {"CoPy\nt", true}, {"-- c\n/* x */ copy t", true},
		{"copy(", true}, {"COPYT FROM 'f'", false}, {"copy_t", false}, {"SELECT 1", false}, {"", false},
		{"cop", false}, {"/* copy */ select", false}, {"copy$", false},
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		hd_stmt st = {cs[i].s, strlen(cs[i].s), 0, 1};
		if (hd_stmt_is_copy(&st) != cs[i].want)
			fail_msg("hd_stmt_is_copy(\"%s\") != %d", cs[i].s, cs[i].want);
	}
	assert_false(hd_stmt_is_copy(NULL));
}

static void
test_fuzz(void **state)
{
	static const char alphabet[] = "ab ;'\"$E\\-/*\n()x1";
	static const char *const prefixes[] = {"", "COPY t FROM ", "copy t from 'f' "};
	unsigned seed = 777;
	size_t k, i;
	(void)state;

	for (k = 0; k < 50000; k++) {
		size_t n, pos = 0, last = 0;
		char *s;
		hd_stmt st;
		hd_err e;
		int r;

		const char *pre = prefixes[k % 3];
		size_t pl = strlen(pre);

		seed = seed * 1103515245u + 12345u;
		n = pl + (seed >> 8) % 64;
		s = malloc(n ? n : 1);
		assert_non_null(s);
		memcpy(s, pre, pl);
		for (i = pl; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			s[i] = (k & 1) ? (char)(seed >> 16) : alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		while ((r = hd_script_next(s, n, &pos, &st, &e)) == 1) {
			assert_true(st.offset >= last);
			assert_true(st.offset + st.len <= n);
			assert_true(st.len > 0);
			assert_true(pos > last && pos <= n);
			assert_true(st.line >= 1);
			(void)hd_stmt_is_copy(&st);
			/* the COPY lexer agrees with the splitter on where quotes and comments end */
			{
				hd_copy_spec *spec = NULL;
				hd_err pe;
				if (hd_copy_parse(st.text, st.len, &spec, &pe) == HD_OK)
					hd_copy_spec_free(spec);
				else if (strstr(pe.msg, "unterminated"))
					fail_msg("splitter and lexer disagree on \"%.*s\": %s", (int)st.len, st.text, pe.msg);
			}
			last = st.offset + st.len;
		}
		assert_true(r == 0 || r == -1);
		assert_int_equal(pos, n);
		free(s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_split),
		cmocka_unit_test(test_trim_lines_offsets),
		cmocka_unit_test(test_quotes_hide_semicolons),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_is_copy),
		cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
