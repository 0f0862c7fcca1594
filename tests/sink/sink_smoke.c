/*
 * sink_smoke.c — drive a sink through its API against a real database; tests/sink/run.sh checks the results with
 * psql / sqlite3.
 *
 *     sink_smoke describe TARGET TABLE        print the table's columns as the sink sees them
 *     sink_smoke load TARGET TABLE            load 3 rows (values chosen by column name) and commit, one file
 *     sink_smoke abort TARGET TABLE           load 1 row, then abort
 *     sink_smoke errors TARGET TABLE          load 1 row, record 3 rejected records, abort, flush the errors
 *     sink_smoke many TARGET TABLE N          load N rows (i int8, t text) and commit: buffer flushing
 *     sink_smoke numerics TARGET TABLE        load decimal lines from stdin into (s text, n numeric)
 *     sink_smoke batches TARGET TABLE         1 row, 600 rejected records during the load, 300 files, commit
 *     sink_smoke exec TARGET SQL              run SQL, print header and rows as a|b|c, then the tag
 *     sink_smoke expect-fail CODE TARGET STEP [TABLE]   STEP (connect|describe|load with every column) ends
 *                                                       with hd_code CODE (0: succeeds)
 * Exit 0 on success, 1 on any unexpected result (with the error on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink/sink.h"

static const hd_sink_ops *ops;
static hd_sink *sink;
static hd_err err;

#define CHECK(x)                                                                                                     \
	do {                                                                                                         \
		hd_code r_ = (x);                                                                                    \
		if (r_ != HD_OK) {                                                                                   \
			fprintf(stderr, "sink_smoke: %s failed: %s (%s)\n", #x, err.msg, hd_strerror(r_));          \
			exit(1);                                                                                     \
		}                                                                                                    \
	} while (0)

static const char *const type_names[] = {
	"INT2", "INT4", "INT8", "NUMERIC", "FLOAT4", "FLOAT8", "BOOL", "CHAR", "VARCHAR", "TEXT", "DATE",
	"TIMESTAMP", "TIMESTAMPTZ", "TIME", "TIMETZ", "JSON", "JSONB", "BYTEA", "UNSUPPORTED"
};

static hd_value
num(const char *digits, int32_t w, int16_t dscale, bool neg)
{
	hd_value v = { .kind = HD_V_NUMERIC };
	v.u.num = (hd_numeric){ digits, (int32_t)strlen(digits), w, dscale, neg };
	return v;
}

static hd_value
text(const char *s)
{
	return (hd_value){ .kind = HD_V_TEXT, .u.s = { s, strlen(s) } };
}

/* The value for column `col` in row 1..3; false when the smoke test does not load that column. */
static bool
value_for(const char *col, int row, hd_value *v)
{
	static const hd_value null = { .kind = HD_V_NULL };

	*v = null;
	if (strcmp(col, "i2") == 0) {
		if (row == 1)
			*v = (hd_value){ .kind = HD_V_INT, .u.i = -32768 };
		else if (row == 3)
			*v = (hd_value){ .kind = HD_V_INT, .u.i = 32767 };
	} else if (strcmp(col, "i4") == 0) {
		*v = (hd_value){ .kind = HD_V_INT, .u.i = row == 1 ? 2147483647 : row == 2 ? 0 : -2147483647 - 1 };
	} else if (strcmp(col, "i8") == 0) {
		if (row == 1)
			*v = (hd_value){ .kind = HD_V_INT, .u.i = INT64_MIN };
		else if (row == 3)
			*v = (hd_value){ .kind = HD_V_INT, .u.i = INT64_MAX };
	} else if (strcmp(col, "n") == 0) {
		*v = row == 1 ? num("12345678", 5, 3, false)            /* 12345.678 */
		   : row == 2 ? num("", 0, 3, false)                     /* 0.000 */
		              : num("999999999999", 9, 3, true);         /* -999999999.999 */
	} else if (strcmp(col, "nu") == 0) {
		*v = row == 1 ? num("123", -3, 8, true)                  /* -0.00012300 */
		   : row == 2 ? num("1", -19, 20, false)                 /* 1e-20 */
		              : num("1", 101, 0, false);                 /* 1e100 */
	} else if (strcmp(col, "f4") == 0) {
		if (row != 2)
			*v = (hd_value){ .kind = HD_V_FLOAT4, .u.f4 = row == 1 ? 1.5f : -0.25f };
	} else if (strcmp(col, "f8") == 0) {
		if (row != 2)
			*v = (hd_value){ .kind = HD_V_FLOAT8, .u.f8 = row == 1 ? 0.1 : 1e300 };
	} else if (strcmp(col, "b") == 0) {
		if (row != 2)
			*v = (hd_value){ .kind = HD_V_BOOL, .u.b = row == 1 };
	} else if (strcmp(col, "c") == 0) {
		if (row != 2)
			*v = text(row == 1 ? "ab" : "wxyz");
	} else if (strcmp(col, "vc") == 0) {
		if (row != 2)
			*v = text(row == 1 ? "h\xc3\xa9llo" : "");
	} else if (strcmp(col, "t") == 0) {
		if (row != 2)
			*v = text(row == 1 ? "a|b\\c" : "\xe2\x82\xac 100");
	} else if (strcmp(col, "d") == 0) {
		if (row != 2)
			*v = (hd_value){ .kind = HD_V_DATE, .u.date = row == 1 ? 8825 : -730120 }; /* 2024-02-29, 1 BC */
	} else if (strcmp(col, "ts") == 0) {
		if (row != 2)
			*v = (hd_value){ .kind = HD_V_TIMESTAMP, .u.ts = row == 1 ? 1500000 : INT64_MAX };
	} else if (strcmp(col, "tstz") == 0) {
		if (row != 2)
			*v = (hd_value){ .kind = HD_V_TIMESTAMP, .u.ts = row == 1 ? -1000000 : 777599999999LL };
	} else if (strcmp(col, "tm") == 0) {
		if (row != 2)
			*v = (hd_value){ .kind = HD_V_TIME, .u.ts = row == 1 ? 86399999999LL : 0 };
	} else if (strcmp(col, "ttz") == 0) {
		if (row == 1)
			*v = (hd_value){ .kind = HD_V_TIMETZ, .u.timetz = { 1000000, -3600 } };
		else if (row == 3)
			*v = (hd_value){ .kind = HD_V_TIMETZ, .u.timetz = { 45296000000LL, 19800 } }; /* 12:34:56-05:30 */
	} else if (strcmp(col, "j") == 0) {
		if (row != 2)
			*v = text(row == 1 ? "{\"a\": 1}" : "[]");
	} else if (strcmp(col, "jb") == 0) {
		if (row != 2)
			*v = text(row == 1 ? "[1,2]" : "{\"k\":\"v\"}");
	} else if (strcmp(col, "by") == 0) {
		if (row != 2)
			*v = (hd_value){ .kind = HD_V_BYTES, .u.s = { row == 1 ? "\0\xff" : "AB", 2 } };
	} else if (strcmp(col, "Weird \"Col\"") == 0) {
		*v = text(row == 1 ? "q\"uote" : row == 2 ? "tab\there" : "x");
	} else if (strcmp(col, "dom") == 0) {
		*v = text(row == 1 ? "abc" : row == 2 ? "" : "12345");
	} else {
		return false;
	}
	return true;
}

static void
connect_to(const char *target)
{
	ops = hd_sink_for(target, &err);
	if (!ops) {
		fprintf(stderr, "sink_smoke: %s\n", err.msg);
		exit(1);
	}
	CHECK(ops->connect(target, &sink, &err));
}

/* Columns the smoke values cover, as indexes into t->cols. */
static int
load_columns(const hd_table *t, int *cols)
{
	int n = 0;
	hd_value v;

	for (int i = 0; i < t->ncols; i++)
		if (value_for(t->cols[i].name, 1, &v))
			cols[n++] = i;
	return n;
}

static void
load_rows(const hd_table *t, const int *cols, int n, int from, int to)
{
	hd_value vals[64];

	for (int row = from; row <= to; row++) {
		for (int i = 0; i < n; i++)
			value_for(t->cols[cols[i]].name, row, &vals[i]);
		CHECK(ops->load_row(sink, vals, &err));
	}
}

static int
print_cb(void *ctx, int ncols, const char *const *names, const char *const *values)
{
	(void)ctx;
	for (int i = 0; i < ncols; i++)
		printf("%s%s", i ? "|" : "", values ? (values[i] ? values[i] : "<NULL>") : names[i]);
	printf("\n");
	return 0;
}

static hd_table *
describe(const char *name)
{
	hd_table *t;
	const char *dot = strchr(name, '.');
	char schema[128];

	if (dot) {
		snprintf(schema, sizeof schema, "%.*s", (int)(dot - name), name);
		CHECK(ops->describe(sink, schema, dot + 1, &t, &err));
	} else {
		CHECK(ops->describe(sink, NULL, name, &t, &err));
	}
	return t;
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	hd_table *t = NULL;
	hd_load_info info = { 0 }; /* query 0: load_begin allocates the id */
	int cols[64], n;

	if (argc < 4) {
		fprintf(stderr, "usage: see the comment at the top of sink_smoke.c\n");
		return 2;
	}
	if (strcmp(cmd, "expect-fail") == 0) {
		hd_code want = (hd_code)atoi(argv[2]), got;
		const char *target = argv[3], *step = argv[4];
		ops = hd_sink_for(target, &err);
		got = ops ? ops->connect(target, &sink, &err) : err.code;
		if (got == HD_OK && strcmp(step, "connect") != 0 && argc > 5) {
			hd_table *tt = NULL;
			got = ops->describe(sink, NULL, argv[5], &tt, &err);
			if (got == HD_OK && strcmp(step, "load") == 0) {
				/* every column, so an unsupported one is refused */
				for (n = 0; n < tt->ncols && n < 64; n++)
					cols[n] = n;
				got = ops->load_begin(sink, tt, cols, n, &info, &err);
				if (got == HD_OK)
					ops->load_abort(sink);
			}
			hd_table_free(tt);
		}
		if (sink)
			ops->close(sink);
		printf("%s: %s\n", hd_strerror(got), got ? err.msg : "");
		return got == want ? 0 : 1;
	}

	connect_to(argv[2]);
	if (strcmp(cmd, "exec") == 0) {
		const char *tag = NULL;
		CHECK(ops->exec(sink, argv[3], print_cb, NULL, &tag, &err));
		printf("tag=%s\n", tag);
	} else if (strcmp(cmd, "describe") == 0) {
		t = describe(argv[3]);
		printf("table %s schema=%s name=%s oid=%s\n", t->qualified, t->schema, t->name, t->oid ? "set" : "0");
		for (int i = 0; i < t->ncols; i++) {
			const hd_column *c = &t->cols[i];
			printf("%s|%s|%s|len=%d|p=%d|s=%d|nn=%d|def=%d|id=%c\n", c->name, type_names[c->type],
			       c->type_name, (int)c->length, c->precision, c->scale, c->not_null, c->has_default,
			       c->identity ? c->identity : '-');
		}
	} else if (strcmp(cmd, "load") == 0 || strcmp(cmd, "abort") == 0 || strcmp(cmd, "errors") == 0) {
		hd_load_commit file = { .slice = 0, .filename = "/data/part-0001", .lines_scanned = 3, .errors = 0 };
		t = describe(argv[3]);
		n = load_columns(t, cols);
		CHECK(ops->load_begin(sink, t, cols, n, &info, &err));
		if (info.query <= 0 || !info.starttime[0]) {
			fprintf(stderr, "sink_smoke: load_begin gave no query id / start time\n");
			return 1;
		}
		if (strcmp(cmd, "load") == 0) {
			load_rows(t, cols, n, 1, 3);
			CHECK(ops->load_end(sink, &err));
			CHECK(ops->load_commit(sink, &info, t, &file, 1, &err));
		} else if (strcmp(cmd, "abort") == 0) {
			load_rows(t, cols, n, 1, 1);
			ops->load_abort(sink);
		} else {
			static char longline[3000];
			hd_load_error e[3] = {
				{ .slice = 1, .filename = "/data/bad\xff.txt", .line_number = 7, .colname = "i4",
				  .type = "integer", .col_length = 0, .position = 4, .raw_line = "bad\xff line\0x",
				  .raw_line_len = 11, .raw_field = "\xff", .raw_field_len = 1, .err_code = 1207,
				  .err_reason = "Invalid digit, Value '?', Pos 0, Type: Integer" },
				{ .slice = 1, .filename = "/data/part-0001", .line_number = 8, .colname = "vc",
				  .type = "character varying(10)", .col_length = 10, .position = 0, .raw_line = longline,
				  .raw_line_len = sizeof longline, .raw_field = longline, .raw_field_len = 2000,
				  .err_code = 1204, .err_reason = NULL, .is_partial = 1, .start_offset = 4096 },
				{ .slice = 0, .filename = NULL, .line_number = 9, .colname = "", .type = "",
				  .position = -1, .raw_line = "x", .raw_line_len = 1, .err_code = 1214,
				  .err_reason = "Delimiter not found \xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
				                "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
				                "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
				                "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
				                "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac" },
			};
			/* 2999 bytes of "é" pairs after one 'a': a cut at 1024 must not split a character. */
			longline[0] = 'a';
			for (size_t i = 1; i + 1 < sizeof longline; i += 2) {
				longline[i] = '\xc3';
				longline[i + 1] = '\xa9';
			}
			load_rows(t, cols, n, 1, 1);
			CHECK(ops->record_errors(sink, &info, t, e, 3, &err));
			ops->load_abort(sink);
			CHECK(ops->flush_errors(sink, &err));
		}
	} else if (strcmp(cmd, "many") == 0) {
		long nrows = argc > 4 ? atol(argv[4]) : 1000;
		hd_load_commit files[2] = { { .filename = "many-a", .lines_scanned = nrows / 2, .file_format = "Text" },
			                    { .slice = 1, .filename = "many-b", .lines_scanned = nrows - nrows / 2 } };
		char txt[64];
		hd_value vals[2];

		t = describe(argv[3]);
		cols[0] = 0;
		cols[1] = 1;
		CHECK(ops->load_begin(sink, t, cols, 2, &info, &err));
		for (long i = 1; i <= nrows; i++) {
			snprintf(txt, sizeof txt, "row %ld with some padding to make it longer", i);
			vals[0] = (hd_value){ .kind = HD_V_INT, .u.i = i };
			vals[1] = text(txt);
			CHECK(ops->load_row(sink, vals, &err));
		}
		CHECK(ops->load_end(sink, &err));
		CHECK(ops->load_commit(sink, &info, t, files, 2, &err));
		CHECK(ops->analyze(sink, t, &err));
	} else if (strcmp(cmd, "numerics") == 0) {
		/* Lines "[-]I.F" or "[-]I" on stdin → (s text, n numeric) with dscale = len(F): the server's n::text must
		 * give back the line exactly (run.sh writes the lines normalised as PostgreSQL prints them). */
		static char line[200000], digits[200000];
		hd_value vals[2];

		t = describe(argv[3]);
		cols[0] = 0;
		cols[1] = 1;
		CHECK(ops->load_begin(sink, t, cols, 2, &info, &err));
		while (fgets(line, sizeof line, stdin)) {
			size_t len = strcspn(line, "\n"), nd = 0;
			const char *p = line, *dot;
			int32_t intlen, lead = 0;
			bool neg = *p == '-';

			line[len] = '\0';
			p += neg;
			dot = strchr(p, '.');
			intlen = (int32_t)(dot ? (size_t)(dot - p) : strlen(p));
			for (const char *q = p; *q; q++)
				if (*q != '.')
					digits[nd++] = *q;
			while ((size_t)lead < nd && digits[lead] == '0')
				lead++;
			vals[0] = text(line);
			vals[1] = (hd_value){ .kind = HD_V_NUMERIC };
			vals[1].u.num = (hd_numeric){ digits + lead, (int32_t)nd - lead, intlen - lead,
				                      (int16_t)(dot ? strlen(dot + 1) : 0), neg };
			CHECK(ops->load_row(sink, vals, &err));
		}
		CHECK(ops->load_end(sink, &err));
		CHECK(ops->load_commit(sink, &info, t, NULL, 0, &err));
	} else if (strcmp(cmd, "batches") == 0) {
		/* More error rows and files than one INSERT batch holds, errors recorded while the load is open. */
		static hd_load_error errs[600];
		static hd_load_commit files[300];
		static char names[300][32];
		hd_value vals[2];

		t = describe(argv[3]);
		cols[0] = 0;
		cols[1] = 1;
		CHECK(ops->load_begin(sink, t, cols, 2, &info, &err));
		for (int i = 0; i < 600; i++)
			errs[i] = (hd_load_error){ .slice = i % 2, .filename = "batch", .line_number = i + 1, .colname = "i",
				                   .type = "bigint", .position = 0, .raw_line = "x|y", .raw_line_len = 3,
				                   .raw_field = "x", .raw_field_len = 1, .err_code = 1207,
				                   .err_reason = "Invalid digit" };
		for (int i = 0; i < 300; i++) {
			snprintf(names[i], sizeof names[i], "file-%03d", i);
			files[i] = (hd_load_commit){ .slice = i % 2, .filename = names[i], .lines_scanned = 3, .errors = 2 };
		}
		vals[0] = (hd_value){ .kind = HD_V_INT, .u.i = 1 };
		vals[1] = text("one");
		CHECK(ops->load_row(sink, vals, &err));
		CHECK(ops->record_errors(sink, &info, t, errs, 600, &err));
		CHECK(ops->load_end(sink, &err));
		CHECK(ops->load_commit(sink, &info, t, files, 300, &err));
		CHECK(ops->flush_errors(sink, &err));
		printf("query=%lld\n", (long long)info.query);
	} else {
		fprintf(stderr, "sink_smoke: unknown command %s\n", cmd);
		return 2;
	}
	hd_table_free(t);
	ops->close(sink);
	return 0;
}
