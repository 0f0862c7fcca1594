/*
 * fuzz_script.c — the script splitter hd_script_next (copy/script.c) and hd_stmt_is_copy.
 *
 * Input: the script text.
 * Invariants: the script sits in an exactly-sized heap block (ASan); each statement is non-empty, lies inside the
 * script at its offset (text == script + offset), starts and ends with a non-space byte, comes after the previous
 * one, and its line is 1 + the newlines before it; *pos only grows and stays <= len; the loop ends (1 per
 * statement, then 0 or -1 with a message); a statement split again on its own is exactly one statement equal to
 * itself (a statement holds no top-level ';' and no unterminated quote).
 */
#include "fuzz_common.h"

#include <ctype.h>

#include "copy/copy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *script = fz_dup(data, size, false);
	size_t pos = 0, prev_end = 0, nl_pos = 0;
	int line = 1, rc;
	long guard = 0;
	hd_stmt st;
	hd_err err;

	while ((rc = hd_script_next(script, size, &pos, &st, &err)) == 1) {
		FUZZ_CHECK(++guard <= (long)size);
		FUZZ_CHECK(st.len > 0 && st.text == script + st.offset);
		FUZZ_CHECK(st.offset >= prev_end && st.offset + st.len <= pos && pos <= size);
		FUZZ_CHECK(!isspace((unsigned char)st.text[0]) && !isspace((unsigned char)st.text[st.len - 1]));
		for (; nl_pos < st.offset; nl_pos++)
			line += script[nl_pos] == '\n';
		FUZZ_CHECK(st.line == line);
		(void)hd_stmt_is_copy(&st);
		{
			char *alone = fz_dup((const uint8_t *)st.text, st.len, false);
			size_t p2 = 0;
			hd_stmt s2;
			int r2 = hd_script_next(alone, st.len, &p2, &s2, &err);
			if (r2 != 1 || s2.len != st.len || s2.offset != 0)
				fprintf(stderr, "statement [%.*s] split alone: rc %d len %zu offset %zu\n", (int)st.len, st.text,
				    r2, r2 == 1 ? s2.len : 0, r2 == 1 ? s2.offset : 0);
			FUZZ_CHECK(r2 == 1 && s2.len == st.len && s2.offset == 0);
			FUZZ_CHECK(hd_script_next(alone, st.len, &p2, &s2, &err) == 0);
			free(alone);
		}
		prev_end = st.offset + st.len;
	}
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == -1)
		FUZZ_CHECK(err.msg[0] != '\0');
	free(script);
	return 0;
}
