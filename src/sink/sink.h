/*
 * sink.h — a load target: one connection to a database that can describe a table, take converted rows inside one
 * transaction, commit or roll back, and keep hdcopy's system tables (stl_load_errors, stl_load_commits).
 *
 * One ops table per target (pg.c over libpq, sqlite.c over libsqlite3), chosen by hd_sink_for() from the target
 * string ("postgresql://…", "postgres://…", a libpq keyword string, or "sqlite:PATH").
 *
 * Load protocol, per connection:
 *     load_begin(table, column map)      opens the transaction and the row stream (PostgreSQL: BEGIN; COPY … BINARY)
 *     load_row(values) × N               encodes into a buffer of HD_SINK_BUF bytes, written when full
 *     load_end()                         ends the row stream; the rows are not yet visible
 *     load_commit(commit rows) | load_abort()
 * Rejected rows are reported with record_errors(), which writes them in a transaction of their own so they survive a
 * failed load (a sink that cannot, such as SQLite while its single writer is busy, keeps them — to a bound — and
 * writes them after the load transaction ends).
 */
#ifndef HD_SINK_SINK_H
#define HD_SINK_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "convert/convert.h"

typedef struct hd_table {
	char *schema;      /* resolved schema (PostgreSQL) or "main" (SQLite) */
	char *name;
	char *qualified;   /* quoted, ready for SQL: "schema"."name" */
	uint32_t oid;      /* PostgreSQL relation OID (stl_load_errors.tbl); SQLite: 0 */
	hd_column *cols;
	int ncols;
} hd_table;

void hd_table_free(hd_table *t);

/* One rejected record (stl_load_errors). Strings are borrowed for the call; the sink truncates them to the table's
 * widths (raw_line, raw_field_value: 1024 bytes; err_reason: 100) on a UTF-8 character boundary. */
typedef struct hd_load_error {
	int slice;
	const char *filename;
	int64_t line_number;
	const char *colname;    /* "" when the error is not about one column */
	const char *type;       /* the column's type name, "" when none */
	int32_t col_length;     /* char/varchar length, numeric precision, or 0 */
	int32_t position;       /* byte position of the field in the line (0-based), -1 unknown */
	const char *raw_line;   size_t raw_line_len;
	const char *raw_field;  size_t raw_field_len;
	int err_code;
	const char *err_reason;
	/* Added (zero-initialise to ignore): the record came from a split part of a file, and the byte offset where
	 * that part starts (Redshift's is_partial, start_offset). */
	int is_partial;
	int64_t start_offset;
} hd_load_error;

/* One file of a committed load (stl_load_commits). */
typedef struct hd_load_commit {
	int slice;
	const char *filename;
	int64_t lines_scanned;
	int64_t errors;
	/* Added (zero-initialise to ignore): "Text" when NULL, or "JSON", …; split-file part as in hd_load_error. */
	const char *file_format;
	int is_partial;
	int64_t start_offset;
} hd_load_commit;

/* Facts about the load, for the system tables. Filled by load_begin. */
typedef struct hd_load_info {
	int64_t query;     /* a load id from the target (a sequence), unique per COPY */
	int64_t session;   /* backend pid or 0 */
	int64_t userid;    /* the database user's id or 0 */
	char starttime[40];/* ISO timestamp of the load's start, UTC */
} hd_load_info;

/* A pass-through statement's result: called once with the header (values == NULL), then once per row
 * (values[i] == NULL for SQL NULL). A statement without rows calls nothing. Return non-zero to stop. */
typedef int (*hd_result_cb)(void *ctx, int ncols, const char *const *names, const char *const *values);

typedef struct hd_sink hd_sink;

typedef struct hd_sink_ops {
	const char *name;  /* "postgresql", "sqlite" */
	hd_code (*connect)(const char *target, hd_sink **out, hd_err *err);
	void (*close)(hd_sink *s);

	/* Run one statement as the target would; rows go to cb (may be NULL); *tag (may be NULL) gets the command tag
	 * (e.g. "CREATE TABLE", "SELECT 3"), valid until the next call. */
	hd_code (*exec)(hd_sink *s, const char *sql, hd_result_cb cb, void *ctx, const char **tag, hd_err *err);

	/* Read a table's definition; schema may be NULL (search path / main). HD_ERR_TABLE when it does not exist. */
	hd_code (*describe)(hd_sink *s, const char *schema, const char *table, hd_table **out, hd_err *err);

	/* Start loading into t: cols[0..ncols) are indexes into t->cols, in the order load_row's values come. */
	hd_code (*load_begin)(hd_sink *s, const hd_table *t, const int *cols, int ncols, hd_load_info *info,
	                      hd_err *err);
	hd_code (*load_row)(hd_sink *s, const hd_value *vals, hd_err *err);
	hd_code (*load_end)(hd_sink *s, hd_err *err);
	/* Record the files in stl_load_commits and commit, atomically. */
	hd_code (*load_commit)(hd_sink *s, const hd_load_info *info, const hd_table *t, const hd_load_commit *files,
	                       int nfiles, hd_err *err);
	void (*load_abort)(hd_sink *s);

	hd_code (*record_errors)(hd_sink *s, const hd_load_info *info, const hd_table *t, const hd_load_error *rows,
	                         int n, hd_err *err);
	/* Write what record_errors kept back (SQLite); a no-op where errors are written at once. */
	hd_code (*flush_errors)(hd_sink *s, hd_err *err);

	/* STATUPDATE ON */
	hd_code (*analyze)(hd_sink *s, const hd_table *t, hd_err *err);

	/* Added: how many connections may load at once (0 = no limit). SQLite has one writer: a second connection's
	 * load_begin waits for the first to finish, so loading it from several slices only serialises them. */
	int max_writers;

	/*
	 * Two-phase commit across several connections (NULL where the target has none, e.g. SQLite). See
	 * docs/internals/commit.md for the protocol:
	 *   every slice: load_end, then load_prepare (slice 0 also writes the stl_load_commits rows) → PREPARE gid
	 *   coordinator: decide(query)        — the durable commit decision, in a transaction of its own
	 *                finish_prepared(gid, commit) for every slice
	 *                forget(query)        — drop the decision, release the load's lock
	 * load_begin with info->query == 0 allocates the query id and takes a session lock on it that marks the load
	 * as alive; recover() settles the prepared transactions of loads whose owner is gone: committed when their
	 * decision exists, rolled back otherwise.
	 */
	bool (*can_prepare)(hd_sink *s);
	hd_code (*load_prepare)(hd_sink *s, const hd_load_info *info, const hd_table *t, const hd_load_commit *files,
	                        int nfiles, const char *gid, hd_err *err);
	hd_code (*decide)(hd_sink *s, int64_t query, int nslices, hd_err *err);
	hd_code (*finish_prepared)(hd_sink *s, const char *gid, bool commit, hd_err *err);
	hd_code (*forget)(hd_sink *s, int64_t query, hd_err *err);
	hd_code (*recover)(hd_sink *s, int *committed, int *rolled_back, hd_err *err);

	/* Added for roles (issue 9; NULL where the target keeps no role catalog, i.e. SQLite): run one statement with
	 * text parameters against hdcopy's own objects, creating them first when missing; rows to cb as in exec. */
	hd_code (*sys_query)(hd_sink *s, const char *sql, int nparams, const char *const *params, hd_result_cb cb,
	                     void *ctx, hd_err *err);

	/* Added for cancel (issue 10; NULL where the target cannot be interrupted): ask the server to stop the statement
	 * running on s's connection now (PostgreSQL: PQcancel). Thread-safe: called from another thread while s's owner
	 * is blocked in a call on s; s must stay open until it returns. Not async-signal-safe. */
	void (*interrupt)(hd_sink *s);

	/* Added for progress (issue 10; NULL where the target has no progress view): record a running load — its
	 * connections sinks[0..n) (their server sessions), table and source summary — where other sessions can see it
	 * (PostgreSQL: hdcopy.load_sessions, read by the view hdcopy.stv_load_progress); progress_end removes it. Best
	 * effort: a failure only means the load is not shown. Called on s (the session's sink) while no slice runs. */
	void (*progress_begin)(hd_sink *s, const hd_load_info *info, const hd_table *t, const char *source,
	                       hd_sink *const *sinks, int n);
	void (*progress_end)(hd_sink *s, int64_t query);
	/* The COPY stream of connection `slice` (the sink ld) has ended with `rows` rows: the server no longer counts
	 * it, so the record keeps its final figures. On s, while no slice runs. */
	void (*progress_slice_done)(hd_sink *s, int64_t query, int slice, hd_sink *ld, int64_t rows);
} hd_sink_ops;

/* The loaded columns' types, in load order, for a sink's encoder: replaces *types (freed first). Checks the column
 * indexes and refuses types hdcopy cannot load. */
hd_code hd_sink_column_types(const hd_table *t, const int *cols, int ncols, hd_type **types, hd_err *err);

/* The global id of slice's prepared transaction in load query: "hdcopy:<query>:<slice>". */
void hd_sink_gid(char *buf, size_t n, int64_t query, int slice);

/* PostgreSQL advisory lock key (first half) of a load's decision lock, (HD_SINK_DECIDE_LOCK, query mod 2^31 - 1):
 * taken at transaction level by the statement that writes a caller's commit decision (hd_session_decision_sql), so
 * recovery can tell that a transaction which may still commit that decision is in progress (docs/serve.md). */
#define HD_SINK_DECIDE_LOCK 1751409521

struct hd_sink {
	const hd_sink_ops *ops;
};

/* Choose the target type from a target string; NULL when none fits (HD_ERR_USAGE in err). */
const hd_sink_ops *hd_sink_for(const char *target, hd_err *err);

extern const hd_sink_ops hd_sink_pg;
extern const hd_sink_ops hd_sink_sqlite;

#endif
