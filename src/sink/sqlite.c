/*
 * sqlite.c — the embedded SQLite target, `--db sqlite:PATH`.
 *
 * A load is one write transaction: BEGIN IMMEDIATE (take the single writer's lock up front, waiting up to
 * BUSY_MS for another writer), one prepared INSERT reused for every row (bind, step, reset: no per-row parsing or
 * allocation beyond SQLite's own), stl_load_commits rows, COMMIT — or ROLLBACK.
 *
 * Atomicity: the database keeps whatever journal mode it has. Both the rollback journal (SQLite's default) and WAL
 * make a transaction all-or-nothing across kill -9 and power loss (the default synchronous=FULL of rollback mode
 * syncs the journal before the database). We do not switch to WAL: journal_mode=WAL is persistent, changes the file
 * for every other program (-wal/-shm files, no network file systems, readers need write access to the directory),
 * and a bulk load gains little from it. Readers see the table before or after the load, never in between.
 *
 * Values: INT → integer, FLOAT → real, BOOL → 0/1, NUMERIC → the exact decimal text ("12.50"; an integer when the
 * scale is 0 and it fits int64 — a NUMERIC-affinity column may still turn text into REAL, SQLite's rule), DATE →
 * 'YYYY-MM-DD', TIMESTAMP → 'YYYY-MM-DD HH:MM:SS[.ffffff]', TIMESTAMPTZ → the same in UTC with '+00:00',
 * TIME → 'HH:MM:SS[.ffffff]', TIMETZ → with its offset, TEXT/JSON → text, BYTES → blob, NULL → NULL. Infinite dates
 * and timestamps are 'infinity' / '-infinity'; years before 1 are written as PostgreSQL does ('0044-03-15 BC').
 *
 * System tables live in the same file without a schema: stl_load_errors and stl_load_commits (the columns of the
 * PostgreSQL target, SQLite types) and hdcopy_load_queries, whose AUTOINCREMENT key is the load's query id; it is
 * taken in a transaction of its own before the load's, so a rolled-back load never gives its id to the next one.
 * Rejected records cannot be written while the load holds the writer lock, so record_errors keeps copies — at most
 * KEEP_ROWS rows and KEEP_BYTES bytes, beyond which they are only counted — and flush_errors writes them after
 * the load transaction has ended (commit or rollback). Outside a load they are written at once.
 */
#include "sink/sink.h"
#include "sink/pg_int.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/sys.h"

#define BUSY_MS 60000
#define KEEP_ROWS 100000
#define KEEP_BYTES (64u << 20)
#define FILENAME_MAX_B 1024
#define COLNAME_MAX_B 127
#define TYPE_MAX_B 128
#define NAME_MAX_B 256
#define FORMAT_MAX_B 16

static const char system_ddl[] =
	"CREATE TABLE IF NOT EXISTS stl_load_errors (\n"
	"  userid INTEGER, slice INTEGER, tbl INTEGER, starttime TIMESTAMP, session INTEGER, query INTEGER,\n"
	"  filename VARCHAR(1024), line_number INTEGER, colname VARCHAR(127), type VARCHAR(128),\n"
	"  col_length VARCHAR(10), position INTEGER, raw_line VARCHAR(1024), raw_field_value VARCHAR(1024),\n"
	"  err_code INTEGER, err_reason VARCHAR(100), is_partial INTEGER, start_offset INTEGER);\n"
	"CREATE TABLE IF NOT EXISTS stl_load_commits (\n"
	"  userid INTEGER, query INTEGER, slice INTEGER, tbl INTEGER, name VARCHAR(256), filename VARCHAR(1024),\n"
	"  byte_offset INTEGER, lines_scanned INTEGER, errors INTEGER, curtime TIMESTAMP, status INTEGER,\n"
	"  file_format VARCHAR(16), is_partial INTEGER, start_offset INTEGER);\n"
	"CREATE TABLE IF NOT EXISTS hdcopy_load_queries (query INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  starttime TIMESTAMP);\n";

static const char errors_insert[] =
	"INSERT INTO stl_load_errors (userid, slice, tbl, starttime, session, query, filename, line_number, colname,"
	" type, col_length, position, raw_line, raw_field_value, err_code, err_reason, is_partial, start_offset)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";
static const char commits_insert[] =
	"INSERT INTO stl_load_commits (userid, query, slice, tbl, name, filename, byte_offset, lines_scanned, errors,"
	" curtime, status, file_format, is_partial, start_offset)"
	" VALUES (?1, ?2, ?3, NULL, ?4, ?5, 0, ?6, ?7, strftime('%Y-%m-%d %H:%M:%f', 'now'), 1, ?8, ?9, ?10)";

/* A rejected record kept until the load transaction ends; strings already cleaned and cut to their widths. */
typedef struct kept_error {
	hd_load_info info;
	int slice, err_code, is_partial;
	int32_t col_length, position;
	int64_t line_number, start_offset;
	char *filename, *colname, *type, *raw_line, *raw_field, *reason;
} kept_error;

typedef struct sq_sink {
	hd_sink base;
	sqlite3 *db;
	bool in_txn;       /* our load transaction is open */
	bool sys_ready;
	char tag[64];
	sqlite3_stmt *ins; /* the load's INSERT */
	hd_type *types;
	int ntypes;
	hd_buf scratch;    /* one value's text form */
	kept_error *kept;
	int nkept, akept;
	size_t kept_bytes;
	int64_t dropped;   /* errors beyond the bounds: counted, not kept */
} sq_sink;

static hd_code
sq_error(sqlite3 *db, int rc, const char *what, hd_err *err)
{
	hd_code code = HD_ERR_TARGET;
	int prim = rc & 0xff;

	if (prim == SQLITE_READONLY || prim == SQLITE_PERM || prim == SQLITE_AUTH)
		code = HD_ERR_PRIVILEGE;
	else if (prim == SQLITE_NOMEM)
		code = HD_ERR_NOMEM;
	return hd_err_set(err, code, "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static hd_code
sq_run(sqlite3 *db, const char *sql, const char *what, hd_err *err)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? HD_OK : sq_error(db, rc, what, err);
}

/* Append "ident" with embedded quotes doubled. */
static hd_code
quote_ident(hd_buf *b, const char *s)
{
	hd_code r = hd_buf_reserve(b, 2 * strlen(s) + 2);
	if (r)
		return r;
	b->data[b->len++] = '"';
	for (; *s; s++) {
		if (*s == '"')
			b->data[b->len++] = '"';
		b->data[b->len++] = *s;
	}
	b->data[b->len++] = '"';
	return HD_OK;
}

/* ---- connection ------------------------------------------------------------------------------------------------ */

static hd_code
sq_connect(const char *target, hd_sink **out, hd_err *err)
{
	sq_sink *s;
	const char *path;
	int rc;
	hd_code r;

	if (strncmp(target, "sqlite:", 7) != 0 || !target[7])
		return hd_err_set(err, HD_ERR_USAGE, "sqlite target must be sqlite:PATH");
	path = target + 7;
	if (!(s = hd_calloc(1, sizeof *s)))
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	s->base.ops = &hd_sink_sqlite;
	hd_buf_init(&s->scratch, HD_PG_ROW_MAX);
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		r = sq_error(s->db, rc, "could not open the SQLite database", err);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_MS);
	/* Opening is lazy: read the schema now so a file that is not a database fails here. */
	if ((r = sq_run(s->db, "SELECT count(*) FROM sqlite_schema", "could not open the SQLite database", err)))
		goto fail;
	*out = &s->base;
	return HD_OK;
fail:
	sqlite3_close(s->db);
	hd_buf_free(&s->scratch);
	free(s);
	return r;
}

static void sq_abort(hd_sink *base);
static hd_code sq_flush_errors(hd_sink *base, hd_err *err);

static void
free_kept(sq_sink *s)
{
	for (int i = 0; i < s->nkept; i++) {
		kept_error *k = &s->kept[i];
		free(k->filename);
		free(k->colname);
		free(k->type);
		free(k->raw_line);
		free(k->raw_field);
		free(k->reason);
	}
	free(s->kept);
	s->kept = NULL;
	s->nkept = s->akept = 0;
	s->kept_bytes = 0;
}

static void
sq_close(hd_sink *base)
{
	sq_sink *s = (sq_sink *)base;

	if (!s)
		return;
	if (s->in_txn)
		sq_abort(base);
	if (s->nkept)
		sq_flush_errors(base, NULL); /* last chance; a failure here has nobody to report to */
	free_kept(s);
	sqlite3_finalize(s->ins);
	sqlite3_close(s->db);
	hd_buf_free(&s->scratch);
	free(s->types);
	free(s);
}

/* ---- pass-through statements ----------------------------------------------------------------------------------- */

/* A PostgreSQL-like command tag for a statement without rows: its first keyword(s), and the row count for DML. */
static void
make_tag(sq_sink *s, const char *sql)
{
	char w1[16] = "", w2[16] = "";
	const char *p = sql;
	int i;

	while (isspace((unsigned char)*p))
		p++;
	for (i = 0; isalpha((unsigned char)*p) && i < 15; p++)
		w1[i++] = (char)toupper((unsigned char)*p);
	w1[i] = '\0';
	while (isspace((unsigned char)*p))
		p++;
	for (i = 0; isalpha((unsigned char)*p) && i < 15; p++)
		w2[i++] = (char)toupper((unsigned char)*p);
	w2[i] = '\0';
	if (strcmp(w1, "INSERT") == 0)
		snprintf(s->tag, sizeof s->tag, "INSERT 0 %lld", (long long)sqlite3_changes64(s->db));
	else if (strcmp(w1, "UPDATE") == 0 || strcmp(w1, "DELETE") == 0)
		snprintf(s->tag, sizeof s->tag, "%s %lld", w1, (long long)sqlite3_changes64(s->db));
	else if ((strcmp(w1, "CREATE") == 0 || strcmp(w1, "DROP") == 0 || strcmp(w1, "ALTER") == 0) && w2[0])
		snprintf(s->tag, sizeof s->tag, "%s %s", w1, w2);
	else
		snprintf(s->tag, sizeof s->tag, "%s", w1[0] ? w1 : "OK");
}

static hd_code
sq_exec(hd_sink *base, const char *sql, hd_result_cb cb, void *ctx, const char **tag, hd_err *err)
{
	sq_sink *s = (sq_sink *)base;
	const char *tail = sql, *cur;
	const char **names = NULL, **vals = NULL;
	sqlite3_stmt *st = NULL;
	hd_code r = HD_OK;
	int rc;

	s->tag[0] = '\0';
	if (tag)
		*tag = s->tag;
	while (tail && *tail) {
		int nc;
		int64_t nrows = 0;
		bool stop = false;

		cur = tail;
		if ((rc = sqlite3_prepare_v2(s->db, cur, -1, &st, &tail)) != SQLITE_OK) {
			r = sq_error(s->db, rc, "statement failed", err);
			goto out;
		}
		if (!st) /* white space or a comment */
			continue;
		nc = sqlite3_column_count(st);
		if (nc > 0 && cb) {
			free(names);
			free(vals);
			names = hd_calloc((size_t)nc, sizeof *names);
			vals = hd_calloc((size_t)nc, sizeof *vals);
			if (!names || !vals) {
				r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
				goto out;
			}
			for (int j = 0; j < nc; j++)
				names[j] = sqlite3_column_name(st, j);
			stop = cb(ctx, nc, names, NULL) != 0;
		}
		while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			nrows++;
			if (!cb || nc == 0)
				continue;
			for (int j = 0; j < nc; j++)
				vals[j] = (const char *)sqlite3_column_text(st, j);
			stop = cb(ctx, nc, names, vals) != 0;
		}
		if (!stop && rc != SQLITE_DONE) {
			r = sq_error(s->db, rc, "statement failed", err);
			goto out;
		}
		if (nc > 0)
			snprintf(s->tag, sizeof s->tag, "SELECT %lld", (long long)nrows);
		else
			make_tag(s, cur);
		sqlite3_finalize(st);
		st = NULL;
		if (stop)
			break;
	}
out:
	sqlite3_finalize(st);
	free(names);
	free(vals);
	return r;
}

/* ---- describe -------------------------------------------------------------------------------------------------- */

static bool
word_is(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return true;
	return false;
}

/* Declared type text → hd_type, with (n) or (p,s) into the column. */
static void
map_decl(const char *decl, hd_column *c)
{
	static const char *const i8[] = { "INTEGER", "INT", "BIGINT", "INT8", NULL };
	static const char *const i2[] = { "SMALLINT", "INT2", NULL };
	static const char *const num[] = { "NUMERIC", "DECIMAL", NULL };
	static const char *const f4[] = { "REAL", "FLOAT4", NULL };
	static const char *const f8[] = { "DOUBLE", "DOUBLE PRECISION", "FLOAT", "FLOAT8", NULL };
	static const char *const bo[] = { "BOOLEAN", "BOOL", NULL };
	static const char *const ch[] = { "CHAR", "CHARACTER", "NCHAR", "NATIVE CHARACTER", NULL };
	static const char *const vc[] = { "VARCHAR", "CHARACTER VARYING", "NVARCHAR", "VARYING CHARACTER",
		                          "CHAR VARYING", NULL };
	static const char *const tx[] = { "TEXT", "CLOB", "STRING", "", NULL };
	static const char *const ts[] = { "TIMESTAMP", "DATETIME", "TIMESTAMP WITHOUT TIME ZONE", NULL };
	static const char *const tz[] = { "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE", NULL };
	static const char *const tm[] = { "TIME", "TIME WITHOUT TIME ZONE", NULL };
	static const char *const ttz[] = { "TIMETZ", "TIME WITH TIME ZONE", NULL };
	static const char *const js[] = { "JSON", "JSONB", "SUPER", NULL };
	static const char *const by[] = { "BLOB", "BYTEA", "VARBYTE", "VARBINARY", "BINARY VARYING", NULL };
	char w[64];
	size_t n = 0;
	int args[2] = { -1, -1 }, nargs = 0;
	const char *p = decl;

	/* Upper-case name with single spaces, up to '('. */
	while (*p && *p != '(' && n < sizeof w - 1) {
		if (isspace((unsigned char)*p)) {
			if (n && w[n - 1] != ' ')
				w[n++] = ' ';
		} else {
			w[n++] = (char)toupper((unsigned char)*p);
		}
		p++;
	}
	while (n && w[n - 1] == ' ')
		n--;
	w[n] = '\0';
	if (*p == '(') {
		for (p++; nargs < 2;) {
			int v = 0, digits = 0;
			while (isspace((unsigned char)*p))
				p++;
			while (*p >= '0' && *p <= '9' && v < 1000000) {
				v = v * 10 + (*p++ - '0');
				digits++;
			}
			if (!digits)
				break;
			args[nargs++] = v;
			while (isspace((unsigned char)*p))
				p++;
			if (*p != ',')
				break;
			p++;
		}
	}

	c->length = -1;
	c->precision = c->scale = -1;
	if (word_is(w, i8))
		c->type = HD_T_INT8;
	else if (word_is(w, i2))
		c->type = HD_T_INT2;
	else if (strcmp(w, "INT4") == 0)
		c->type = HD_T_INT4;
	else if (word_is(w, num)) {
		c->type = HD_T_NUMERIC;
		if (nargs >= 1 && args[0] <= INT16_MAX) {
			c->precision = (int16_t)args[0];
			c->scale = (int16_t)(nargs == 2 && args[1] <= INT16_MAX ? args[1] : 0);
		}
	} else if (word_is(w, f4))
		c->type = HD_T_FLOAT4;
	else if (word_is(w, f8))
		c->type = HD_T_FLOAT8;
	else if (word_is(w, bo))
		c->type = HD_T_BOOL;
	else if (word_is(w, ch))
		c->type = HD_T_CHAR;
	else if (word_is(w, vc))
		c->type = HD_T_VARCHAR;
	else if (word_is(w, tx))
		c->type = HD_T_TEXT;
	else if (strcmp(w, "DATE") == 0)
		c->type = HD_T_DATE;
	else if (word_is(w, ts))
		c->type = HD_T_TIMESTAMP;
	else if (word_is(w, tz))
		c->type = HD_T_TIMESTAMPTZ;
	else if (word_is(w, tm))
		c->type = HD_T_TIME;
	else if (word_is(w, ttz))
		c->type = HD_T_TIMETZ;
	else if (word_is(w, js))
		c->type = HD_T_JSON;
	else if (word_is(w, by))
		c->type = HD_T_BYTEA;
	/* Anything else by SQLite's affinity rules (datatype3.html §3.1), where one fits. */
	else if (strstr(w, "INT"))
		c->type = HD_T_INT8;
	else if (strstr(w, "CHAR") || strstr(w, "CLOB") || strstr(w, "TEXT"))
		c->type = HD_T_TEXT;
	else if (strstr(w, "BLOB"))
		c->type = HD_T_BYTEA;
	else if (strstr(w, "REAL") || strstr(w, "FLOA") || strstr(w, "DOUB"))
		c->type = HD_T_FLOAT8;
	else
		c->type = HD_T_UNSUPPORTED;
	if ((c->type == HD_T_CHAR || c->type == HD_T_VARCHAR) && nargs >= 1)
		c->length = args[0];
}

static hd_code
sq_describe(hd_sink *base, const char *schema, const char *table, hd_table **out, hd_err *err)
{
	sq_sink *s = (sq_sink *)base;
	sqlite3_stmt *st = NULL;
	hd_table *t = NULL;
	hd_buf q;
	int rc, npk = 0, ipk = -1, cap = 0;
	bool without_rowid = false;
	hd_code r = HD_OK;

	*out = NULL;
	hd_buf_init(&q, 0);
	/* Which database holds it: the given one, or the first in SQLite's own search order (temp, main, attached). */
	rc = sqlite3_prepare_v2(s->db,
	                        schema ? "SELECT schema, type, wr FROM pragma_table_list(?1) WHERE schema = ?2"
	                               : "SELECT t.schema, t.type, t.wr FROM pragma_table_list(?1) t"
	                                 " JOIN pragma_database_list d ON d.name = t.schema"
	                                 " ORDER BY CASE d.name WHEN 'temp' THEN -1 ELSE d.seq END",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		r = sq_error(s->db, rc, "could not look up the table", err);
		goto out;
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	if (schema)
		sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = hd_err_set(err, HD_ERR_TABLE, "relation \"%s%s%s\" does not exist", schema ? schema : "",
		               schema ? "." : "", table);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = sq_error(s->db, rc, "could not look up the table", err);
		goto out;
	}
	if (strcmp((const char *)sqlite3_column_text(st, 1), "table") != 0) {
		r = hd_err_set(err, HD_ERR_TABLE, "\"%s\" is not a table", table);
		goto out;
	}
	if (!(t = hd_calloc(1, sizeof *t)) || !(t->schema = hd_strdup((const char *)sqlite3_column_text(st, 0))) ||
	    !(t->name = hd_strdup(table))) {
		r = HD_ERR_NOMEM;
		goto out;
	}
	without_rowid = sqlite3_column_int(st, 2) != 0;
	sqlite3_finalize(st);
	st = NULL;
	if (quote_ident(&q, t->schema) || hd_buf_append_str(&q, ".") || quote_ident(&q, t->name) || hd_buf_cstr(&q)) {
		r = HD_ERR_NOMEM;
		goto out;
	}
	t->qualified = q.data;
	q.data = NULL;

	rc = sqlite3_prepare_v2(s->db,
	                        "SELECT name, type, \"notnull\", dflt_value IS NOT NULL, pk, hidden"
	                        " FROM pragma_table_xinfo(?1, ?2) ORDER BY cid",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK) {
		r = sq_error(s->db, rc, "could not read the table's columns", err);
		goto out;
	}
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->schema, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		hd_column *c;
		const char *decl = (const char *)sqlite3_column_text(st, 1);

		if (sqlite3_column_int(st, 4) > 0)
			npk++;
		if (sqlite3_column_int(st, 5) != 0) /* generated or hidden: takes no input */
			continue;
		if (t->ncols == cap) {
			hd_column *nc = hd_realloc(t->cols, (size_t)(cap ? 2 * cap : 16) * sizeof *nc);
			if (!nc) {
				r = HD_ERR_NOMEM;
				goto out;
			}
			t->cols = nc;
			cap = cap ? 2 * cap : 16;
		}
		c = &t->cols[t->ncols++];
		memset(c, 0, sizeof *c);
		if (!(c->name = hd_strdup((const char *)sqlite3_column_text(st, 0))) ||
		    !(c->type_name = hd_strdup(decl && *decl ? decl : "text"))) {
			r = HD_ERR_NOMEM;
			goto out;
		}
		map_decl(decl ? decl : "", c);
		c->not_null = sqlite3_column_int(st, 2) != 0;
		c->has_default = sqlite3_column_int(st, 3) != 0;
		if (sqlite3_column_int(st, 4) == 1 && decl && sqlite3_stricmp(decl, "INTEGER") == 0)
			ipk = t->ncols - 1;
	}
	if (rc != SQLITE_DONE) {
		r = sq_error(s->db, rc, "could not read the table's columns", err);
		goto out;
	}
	/* INTEGER PRIMARY KEY aliases the rowid: NULL gets the next id, a value is kept — GENERATED BY DEFAULT. */
	if (npk == 1 && ipk >= 0 && !without_rowid) {
		t->cols[ipk].identity = 'd';
		t->cols[ipk].has_default = true;
	}
	*out = t;
	t = NULL;
out:
	if (r == HD_ERR_NOMEM)
		hd_err_set(err, r, "out of memory");
	sqlite3_finalize(st);
	hd_buf_free(&q);
	hd_table_free(t);
	return r;
}

/* ---- value text ------------------------------------------------------------------------------------------------ */

static int
fmt_date(char *out, size_t size, int32_t days)
{
	int y, m, d;

	if (days == INT32_MIN)
		return snprintf(out, size, "-infinity");
	if (days == INT32_MAX)
		return snprintf(out, size, "infinity");
	hd_sink_date_ymd(days, &y, &m, &d);
	if (y <= 0)
		return snprintf(out, size, "%04d-%02d-%02d BC", 1 - y, m, d);
	return snprintf(out, size, "%04d-%02d-%02d", y, m, d);
}

/* HH:MM:SS[.ffffff] with trailing zeros of the fraction dropped, as PostgreSQL prints it. */
static int
fmt_clock(char *out, size_t size, int64_t us)
{
	int64_t sec = us / 1000000, frac = us % 1000000;
	int n = snprintf(out, size, "%02d:%02d:%02d", (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
	if (frac && n > 0 && (size_t)n < size) {
		int digits = 6;
		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		n += snprintf(out + n, size - (size_t)n, ".%0*lld", digits, (long long)frac);
	}
	return n;
}

static int
fmt_timestamp(char *out, size_t size, int64_t us, bool utc)
{
	int64_t day = 86400000000LL, days, rem;
	int n;

	if (us == INT64_MIN)
		return snprintf(out, size, "-infinity");
	if (us == INT64_MAX)
		return snprintf(out, size, "infinity");
	days = us / day;
	rem = us % day;
	if (rem < 0) {
		rem += day;
		days--;
	}
	{
		int y, m, d;
		hd_sink_date_ymd((int32_t)days, &y, &m, &d);
		n = snprintf(out, size, "%04d-%02d-%02d ", y <= 0 ? 1 - y : y, m, d);
		n += fmt_clock(out + n, size - (size_t)n, rem);
		if (utc)
			n += snprintf(out + n, size - (size_t)n, "+00:00");
		if (y <= 0)
			n += snprintf(out + n, size - (size_t)n, " BC");
	}
	return n;
}

/* Offset from seconds WEST of UTC to "+HH:MM[:SS]" east. */
static int
fmt_zone(char *out, size_t size, int32_t west)
{
	int32_t east = -west;
	char sign = east < 0 ? '-' : '+';
	int32_t a = east < 0 ? -east : east;

	if (a % 60)
		return snprintf(out, size, "%c%02d:%02d:%02d", sign, (int)(a / 3600), (int)(a / 60 % 60), (int)(a % 60));
	return snprintf(out, size, "%c%02d:%02d", sign, (int)(a / 3600), (int)(a / 60 % 60));
}

/* Exact decimal text of n into b (replacing its contents). Digits past dscale are dropped. */
static hd_code
fmt_numeric(hd_buf *b, const hd_numeric *n)
{
	int32_t w = n->weight10, dscale = n->dscale < 0 ? 0 : n->dscale;
	size_t need = (size_t)(w > 0 ? w : 1) + (size_t)dscale + 3;
	hd_code r;
	bool any = false;

	hd_buf_reset(b);
	if ((r = hd_buf_reserve(b, need)) != HD_OK)
		return r;
	for (int32_t i = 0; i < n->ndigits && i < w + dscale; i++)
		any = any || n->digits[i] != '0';
	if (n->neg && any)
		b->data[b->len++] = '-';
	if (w <= 0)
		b->data[b->len++] = '0';
	for (int32_t i = 0; i < w; i++)
		b->data[b->len++] = i < n->ndigits ? n->digits[i] : '0';
	if (dscale > 0) {
		b->data[b->len++] = '.';
		for (int32_t k = 0; k < dscale; k++) {
			int64_t i = (int64_t)w + k; /* digit index of 10^-(k+1) */
			b->data[b->len++] = i >= 0 && i < n->ndigits ? n->digits[i] : '0';
		}
	}
	b->data[b->len] = '\0';
	return HD_OK;
}

/* Decimal integer text → int64, false on overflow. */
static bool
text_int64(const char *p, int64_t *out)
{
	bool neg = *p == '-';
	uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;

	for (p += neg; *p; p++) {
		if (v > (lim - (uint64_t)(*p - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

static bool
fits(hd_type t, hd_vkind k)
{
	switch (t) {
	case HD_T_INT2: case HD_T_INT4: case HD_T_INT8: return k == HD_V_INT;
	case HD_T_NUMERIC: return k == HD_V_NUMERIC;
	case HD_T_FLOAT4: return k == HD_V_FLOAT4;
	case HD_T_FLOAT8: return k == HD_V_FLOAT8;
	case HD_T_BOOL: return k == HD_V_BOOL;
	case HD_T_CHAR: case HD_T_VARCHAR: case HD_T_TEXT: case HD_T_JSON: case HD_T_JSONB: return k == HD_V_TEXT;
	case HD_T_BYTEA: return k == HD_V_BYTES || k == HD_V_TEXT;
	case HD_T_DATE: return k == HD_V_DATE;
	case HD_T_TIMESTAMP: case HD_T_TIMESTAMPTZ: return k == HD_V_TIMESTAMP;
	case HD_T_TIME: return k == HD_V_TIME;
	case HD_T_TIMETZ: return k == HD_V_TIMETZ;
	default: return false;
	}
}

static hd_code
bind_value(sq_sink *s, int i, hd_type t, const hd_value *v, hd_err *err)
{
	char tmp[96];
	int rc, n;
	hd_code r;

	if (v->kind == HD_V_NULL) {
		rc = sqlite3_bind_null(s->ins, i);
		goto done;
	}
	if (!fits(t, v->kind))
		return hd_err_set(err, HD_ERR_INTERNAL, "value of kind %d does not fit column %d's type", (int)v->kind, i);
	switch (v->kind) {
	case HD_V_INT:
		rc = sqlite3_bind_int64(s->ins, i, v->u.i);
		break;
	case HD_V_FLOAT4:
		rc = sqlite3_bind_double(s->ins, i, (double)v->u.f4);
		break;
	case HD_V_FLOAT8:
		rc = sqlite3_bind_double(s->ins, i, v->u.f8);
		break;
	case HD_V_BOOL:
		rc = sqlite3_bind_int(s->ins, i, v->u.b ? 1 : 0);
		break;
	case HD_V_NUMERIC: {
		int64_t iv;
		if ((r = fmt_numeric(&s->scratch, &v->u.num)) != HD_OK)
			return hd_err_set(err, r, "numeric value too long");
		if (v->u.num.dscale <= 0 && s->scratch.len <= 20 && text_int64(s->scratch.data, &iv))
			rc = sqlite3_bind_int64(s->ins, i, iv);
		else
			rc = sqlite3_bind_text(s->ins, i, s->scratch.data, (int)s->scratch.len, SQLITE_TRANSIENT);
		break;
	}
	case HD_V_TEXT:
	case HD_V_BYTES:
		if (v->u.s.n > INT32_MAX)
			return hd_err_set(err, HD_ERR_LIMIT, "value too large for SQLite");
		if (t == HD_T_BYTEA)
			rc = sqlite3_bind_blob(s->ins, i, v->u.s.n ? v->u.s.p : "", (int)v->u.s.n, SQLITE_STATIC);
		else
			rc = sqlite3_bind_text(s->ins, i, v->u.s.n ? v->u.s.p : "", (int)v->u.s.n, SQLITE_STATIC);
		break;
	case HD_V_DATE:
		n = fmt_date(tmp, sizeof tmp, v->u.date);
		rc = sqlite3_bind_text(s->ins, i, tmp, n, SQLITE_TRANSIENT);
		break;
	case HD_V_TIMESTAMP:
		n = fmt_timestamp(tmp, sizeof tmp, v->u.ts, t == HD_T_TIMESTAMPTZ);
		rc = sqlite3_bind_text(s->ins, i, tmp, n, SQLITE_TRANSIENT);
		break;
	case HD_V_TIME:
		n = fmt_clock(tmp, sizeof tmp, v->u.ts);
		rc = sqlite3_bind_text(s->ins, i, tmp, n, SQLITE_TRANSIENT);
		break;
	case HD_V_TIMETZ:
		n = fmt_clock(tmp, sizeof tmp, v->u.timetz.us);
		n += fmt_zone(tmp + n, sizeof tmp - (size_t)n, v->u.timetz.zone_west_sec);
		rc = sqlite3_bind_text(s->ins, i, tmp, n, SQLITE_TRANSIENT);
		break;
	default:
		return hd_err_set(err, HD_ERR_INTERNAL, "unknown value kind %d", (int)v->kind);
	}
done:
	return rc == SQLITE_OK ? HD_OK : sq_error(s->db, rc, "could not bind a value", err);
}

/* ---- system tables and load ------------------------------------------------------------------------------------ */

static void
utc_now(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;

	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out + n, size - n, ".%06d", (int)(ts.tv_nsec / 1000 % 1000000));
}

/* Create the system tables if needed and, when info is given, take a query id — in a transaction of its own. */
static hd_code
begin_system(sq_sink *s, hd_load_info *info, hd_err *err)
{
	sqlite3_stmt *st = NULL;
	hd_code r;
	int rc;

	if (s->sys_ready && !info)
		return HD_OK;
	if ((r = sq_run(s->db, "BEGIN IMMEDIATE", "could not start a transaction", err)))
		return r;
	if (!s->sys_ready && (r = sq_run(s->db, system_ddl, "could not create hdcopy's system tables", err)))
		goto fail;
	if (info) {
		memset(info, 0, sizeof *info);
		utc_now(info->starttime, sizeof info->starttime);
		rc = sqlite3_prepare_v2(s->db, "INSERT INTO hdcopy_load_queries (starttime) VALUES (?1)", -1, &st, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_text(st, 1, info->starttime, -1, SQLITE_STATIC);
		if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_finalize(st);
		if (rc != SQLITE_OK) {
			r = sq_error(s->db, rc, "could not start the load", err);
			goto fail;
		}
		info->query = sqlite3_last_insert_rowid(s->db);
	}
	if ((r = sq_run(s->db, "COMMIT", "could not commit", err)))
		goto fail;
	s->sys_ready = true;
	return HD_OK;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

static hd_code
sq_load_begin(hd_sink *base, const hd_table *t, const int *cols, int ncols, hd_load_info *info, hd_err *err)
{
	sq_sink *s = (sq_sink *)base;
	hd_buf sql;
	hd_code r;
	int rc;

	if (s->in_txn || s->ins)
		return hd_err_set(err, HD_ERR_INTERNAL, "load_begin while a load is in progress");
	if ((r = hd_sink_column_types(t, cols, ncols, &s->types, err)) != HD_OK)
		return r;
	s->ntypes = ncols;
	if ((r = begin_system(s, info, err)) != HD_OK)
		return r;

	hd_buf_init(&sql, HD_MAX_STATEMENT);
	r = hd_buf_append_str(&sql, "INSERT INTO ");
	if (!r)
		r = hd_buf_append_str(&sql, t->qualified);
	for (int i = 0; i < ncols && !r; i++)
		if (!(r = hd_buf_append_str(&sql, i ? ", " : " (")))
			r = quote_ident(&sql, t->cols[cols[i]].name);
	if (!r)
		r = hd_buf_append_str(&sql, ") VALUES (");
	for (int i = 0; i < ncols && !r; i++)
		r = hd_buf_append_str(&sql, i ? ", ?" : "?");
	if (!r)
		r = hd_buf_append_str(&sql, ")");
	if (!r)
		r = hd_buf_cstr(&sql);
	if (r) {
		hd_buf_free(&sql);
		return hd_err_set(err, r, "could not build the INSERT statement: %s", hd_strerror(r));
	}
	if ((r = sq_run(s->db, "BEGIN IMMEDIATE", "could not start the load transaction", err))) {
		hd_buf_free(&sql);
		return r;
	}
	s->in_txn = true;
	rc = sqlite3_prepare_v3(s->db, sql.data, (int)sql.len, SQLITE_PREPARE_PERSISTENT, &s->ins, NULL);
	hd_buf_free(&sql);
	if (rc != SQLITE_OK) {
		r = sq_error(s->db, rc, "could not prepare the load", err);
		sq_abort(base);
		return r;
	}
	return HD_OK;
}

static hd_code
sq_load_row(hd_sink *base, const hd_value *vals, hd_err *err)
{
	sq_sink *s = (sq_sink *)base;
	hd_code r = HD_OK;
	int rc;

	if (!s->in_txn || !s->ins)
		return hd_err_set(err, HD_ERR_INTERNAL, "load_row outside a load");
	for (int i = 0; i < s->ntypes; i++)
		if ((r = bind_value(s, i + 1, s->types[i], &vals[i], err)) != HD_OK)
			goto out;
	rc = sqlite3_step(s->ins);
	if (rc != SQLITE_DONE)
		r = sq_error(s->db, rc, "the target rejected a row", err);
out:
	sqlite3_reset(s->ins);
	return r;
}

static hd_code
sq_load_end(hd_sink *base, hd_err *err)
{
	sq_sink *s = (sq_sink *)base;

	if (!s->in_txn || !s->ins)
		return hd_err_set(err, HD_ERR_INTERNAL, "load_end outside a load");
	sqlite3_finalize(s->ins);
	s->ins = NULL;
	return HD_OK;
}

static hd_code
sq_load_commit(hd_sink *base, const hd_load_info *info, const hd_table *t, const hd_load_commit *files, int nfiles,
               hd_err *err)
{
	sq_sink *s = (sq_sink *)base;
	char name[NAME_MAX_B + 1], fname[FILENAME_MAX_B + 1], fmt[FORMAT_MAX_B + 1];
	sqlite3_stmt *st = NULL;
	hd_code r = HD_OK;
	int rc = SQLITE_OK;

	if (!s->in_txn || s->ins) {
		sq_abort(base);
		return hd_err_set(err, HD_ERR_INTERNAL, "load_commit without a finished load");
	}
	if (nfiles > 0) {
		hd_sink_utf8_clean(name, NAME_MAX_B, t->qualified, strlen(t->qualified));
		rc = sqlite3_prepare_v2(s->db, commits_insert, -1, &st, NULL);
		for (int i = 0; i < nfiles && rc == SQLITE_OK; i++) {
			const hd_load_commit *f = &files[i];
			const char *fn = f->filename ? f->filename : "", *ff = f->file_format ? f->file_format : "Text";

			hd_sink_utf8_clean(fname, FILENAME_MAX_B, fn, strlen(fn));
			hd_sink_utf8_clean(fmt, FORMAT_MAX_B, ff, strlen(ff));
			sqlite3_bind_int64(st, 1, info->userid);
			sqlite3_bind_int64(st, 2, info->query);
			sqlite3_bind_int(st, 3, f->slice);
			sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, fname, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 6, f->lines_scanned);
			sqlite3_bind_int64(st, 7, f->errors);
			sqlite3_bind_text(st, 8, fmt, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 9, f->is_partial);
			sqlite3_bind_int64(st, 10, f->start_offset);
			if ((rc = sqlite3_step(st)) == SQLITE_DONE)
				rc = SQLITE_OK;
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_OK) {
			r = sq_error(s->db, rc, "could not record the load", err);
			sq_abort(base);
			return r;
		}
	}
	if ((r = sq_run(s->db, "COMMIT", "could not commit the load", err)) != HD_OK) {
		sq_abort(base);
		return r;
	}
	s->in_txn = false;
	return HD_OK;
}

static void
sq_abort(hd_sink *base)
{
	sq_sink *s = (sq_sink *)base;

	sqlite3_finalize(s->ins);
	s->ins = NULL;
	if (s->in_txn && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_txn = false;
}

/* ---- stl_load_errors ------------------------------------------------------------------------------------------- */

static char *
clean_dup(const char *p, size_t n, size_t max, size_t *total)
{
	char tmp[FILENAME_MAX_B + HD_RAW_LINE_MAX + 1];
	size_t len = hd_sink_utf8_clean(tmp, max, p ? p : "", p ? n : 0);
	char *d = hd_malloc(len + 1);

	if (d)
		memcpy(d, tmp, len + 1);
	*total += len + 1;
	return d;
}

static hd_code
sq_record_errors(hd_sink *base, const hd_load_info *info, const hd_table *t, const hd_load_error *rows, int n,
                 hd_err *err)
{
	sq_sink *s = (sq_sink *)base;
	(void)t; /* SQLite tables have no id: tbl stays NULL */

	for (int i = 0; i < n; i++) {
		const hd_load_error *e = &rows[i];
		kept_error *k;
		size_t bytes = sizeof *k;

		if (s->nkept >= KEEP_ROWS || s->kept_bytes >= KEEP_BYTES) {
			s->dropped++;
			continue;
		}
		if (s->nkept == s->akept) {
			int na = s->akept ? 2 * s->akept : 64;
			kept_error *nk = hd_realloc(s->kept, (size_t)na * sizeof *nk);
			if (!nk)
				return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
			s->kept = nk;
			s->akept = na;
		}
		k = &s->kept[s->nkept];
		memset(k, 0, sizeof *k);
		if (info)
			k->info = *info;
		k->slice = e->slice;
		k->err_code = e->err_code;
		k->is_partial = e->is_partial;
		k->col_length = e->col_length;
		k->position = e->position;
		k->line_number = e->line_number;
		k->start_offset = e->start_offset;
		k->filename = clean_dup(e->filename, e->filename ? strlen(e->filename) : 0, FILENAME_MAX_B, &bytes);
		k->colname = clean_dup(e->colname, e->colname ? strlen(e->colname) : 0, COLNAME_MAX_B, &bytes);
		k->type = clean_dup(e->type, e->type ? strlen(e->type) : 0, TYPE_MAX_B, &bytes);
		k->raw_line = clean_dup(e->raw_line, e->raw_line_len, HD_RAW_LINE_MAX, &bytes);
		k->raw_field = clean_dup(e->raw_field, e->raw_field_len, HD_RAW_FIELD_MAX, &bytes);
		k->reason = clean_dup(e->err_reason, e->err_reason ? strlen(e->err_reason) : 0, HD_ERR_REASON_MAX, &bytes);
		s->nkept++; /* counted before the check so free_kept releases what was allocated */
		if (!k->filename || !k->colname || !k->type || !k->raw_line || !k->raw_field || !k->reason)
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		s->kept_bytes += bytes;
	}
	if (!s->in_txn)
		return sq_flush_errors(base, err);
	return HD_OK;
}

static hd_code
sq_flush_errors(hd_sink *base, hd_err *err)
{
	sq_sink *s = (sq_sink *)base;
	sqlite3_stmt *st = NULL;
	char len[16];
	hd_code r;
	int rc = SQLITE_OK;

	if (s->in_txn)
		return hd_err_set(err, HD_ERR_INTERNAL, "flush_errors while the load transaction is open");
	if (!s->nkept)
		return HD_OK;
	if ((r = begin_system(s, NULL, err)) != HD_OK)
		return r;
	if ((r = sq_run(s->db, "BEGIN IMMEDIATE", "could not record load errors", err)) != HD_OK)
		return r;
	rc = sqlite3_prepare_v2(s->db, errors_insert, -1, &st, NULL);
	for (int i = 0; i < s->nkept && rc == SQLITE_OK; i++) {
		const kept_error *k = &s->kept[i];

		sqlite3_bind_int64(st, 1, k->info.userid);
		sqlite3_bind_int(st, 2, k->slice);
		sqlite3_bind_null(st, 3);
		if (k->info.starttime[0])
			sqlite3_bind_text(st, 4, k->info.starttime, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 4);
		sqlite3_bind_int64(st, 5, k->info.session);
		sqlite3_bind_int64(st, 6, k->info.query);
		sqlite3_bind_text(st, 7, k->filename, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, k->line_number);
		sqlite3_bind_text(st, 9, k->colname, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, k->type, -1, SQLITE_STATIC);
		len[0] = '\0';
		if (k->col_length > 0)
			snprintf(len, sizeof len, "%d", (int)k->col_length);
		sqlite3_bind_text(st, 11, len, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 12, k->position);
		sqlite3_bind_text(st, 13, k->raw_line, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 14, k->raw_field, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 15, k->err_code);
		sqlite3_bind_text(st, 16, k->reason, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 17, k->is_partial);
		sqlite3_bind_int64(st, 18, k->start_offset);
		if ((rc = sqlite3_step(st)) == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = sq_error(s->db, rc, "could not record load errors", err);
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return r;
	}
	free_kept(s);
	return HD_OK;
}

static hd_code
sq_analyze(hd_sink *base, const hd_table *t, hd_err *err)
{
	sq_sink *s = (sq_sink *)base;
	hd_buf sql;
	hd_code r;

	hd_buf_init(&sql, HD_MAX_STATEMENT);
	if (hd_buf_append_str(&sql, "ANALYZE ") || hd_buf_append_str(&sql, t->qualified) || hd_buf_cstr(&sql)) {
		hd_buf_free(&sql);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	r = sq_run(s->db, sql.data, "ANALYZE failed", err);
	hd_buf_free(&sql);
	return r;
}

const hd_sink_ops hd_sink_sqlite = {
	.name = "sqlite",
	.connect = sq_connect,
	.close = sq_close,
	.exec = sq_exec,
	.describe = sq_describe,
	.load_begin = sq_load_begin,
	.load_row = sq_load_row,
	.load_end = sq_load_end,
	.load_commit = sq_load_commit,
	.load_abort = sq_abort,
	.record_errors = sq_record_errors,
	.flush_errors = sq_flush_errors,
	.analyze = sq_analyze,
	.max_writers = 1,
};
