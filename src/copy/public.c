/*
 * public.c — the public API's entry points that are grammar alone (include/hdcopy.h): splitting a script into
 * statements and checking a COPY statement without running it. Kept apart from load/api.c, which needs a target
 * (libpq, SQLite), so what links only the grammar — `hdcopy serve`'s classifier and its fuzz target — gets these
 * exact functions.
 */
#include "hdcopy.h"

#include "common/err.h"
#include "copy/copy.h"

int
hd_script_next_statement(const char *script, size_t len, size_t *pos, hd_statement *out, hd_err *err)
{
	hd_stmt st;
	int r = hd_script_next(script, len, pos, &st, err);
	if (r == 1)
		*out = (hd_statement){ st.text, st.len, st.offset, st.line };
	return r;
}

hd_code
hd_copy_check(const char *sql, size_t len, hd_err *err)
{
	hd_stmt st = { sql, len, 0, 1 };
	hd_copy_spec *spec = NULL;
	hd_code r;

	hd_err_clear(err);
	if (!hd_stmt_is_copy(&st))
		return hd_err_set(err, HD_ERR_SYNTAX, "not a COPY statement");
	r = hd_copy_parse(sql, len, &spec, err);
	hd_copy_spec_free(spec);
	return r;
}
