/*
 * pg.c — the PostgreSQL target over libpq.
 *
 * One hd_sink = one server session (plus, lazily, a second one for stl_load_errors). A load is
 *     BEGIN; SELECT nextval(query id), pid, user oid, now(); COPY t (cols) FROM STDIN (FORMAT binary)
 *     rows → encoded by pg_encode.c into `out` (≤ HD_SINK_BUF + one row), sent with PQputCopyData when it passes
 *            HD_SINK_BUF: one write per ~256 KiB, nothing per row but the encoding
 *     end of data → COPY's result; then INSERT stl_load_commits rows (batched, parameters) and COMMIT, or ROLLBACK.
 * Blocking libpq: a slow server simply slows the slice down, and memory stays bounded.
 *
 * Rejected records go to hdcopy.stl_load_errors on the second connection in autocommit, so they survive the load
 * transaction's rollback (that is when they matter most). Their text is made valid UTF-8 without NULs ('?' for
 * each bad byte: raw lines are often rejected precisely for being invalid UTF-8) and cut on a character boundary.
 *
 * System objects (schema hdcopy): created on first use under pg_advisory_xact_lock so concurrent loaders don't
 * race; a user without CREATE privilege gets a message saying what a database owner must do. The DDL is
 * system_ddl below — the one place it lives. Column choices, following Redshift's STL_LOAD_ERRORS and
 * STL_LOAD_COMMITS with deliberate differences:
 *   - varchar where Redshift has char(n): blank padding makes raw_line, colname, err_reason awkward to compare;
 *   - userid and tbl are oid (Redshift: integer) so they join to pg_roles.oid / pg_class.oid and never overflow;
 *   - query is bigint (a sequence), filename varchar(1024) (Redshift: char(256); HDFS paths are long),
 *     type varchar(128) (Redshift: char(10) cannot hold "character varying(10)");
 *   - stl_load_commits also has tbl; name holds the table's qualified name (Redshift: "system-defined").
 *   Row-level security mirrors Redshift's visibility: a user sees (and adds) only rows with their own userid;
 *   superusers and the tables' owner see all.
 *
 * describe offers the columns a COPY can fill: GENERATED … STORED columns are left out; domains are followed to
 * their base type (with the domain's typmod and NOT NULL). What convert cannot know — a domain's or the table's
 * CHECK constraints, unique keys, triggers — the server checks; a violation fails the COPY at load_end with the
 * server's message (HD_ERR_TARGET), and the whole load rolls back.
 *
 * Identifiers are always quoted with PQescapeIdentifier; values travel as parameters or COPY data, never as SQL.
 * The target string may hold a password: it is kept only to open the second connection, never put in a message,
 * and wiped on close.
 */
#include "sink/sink.h"
#include "sink/pg_int.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/sys.h"

typedef enum pg_state {
	ST_IDLE = 0, /* no transaction of ours */
	ST_TXN,      /* BEGIN done, COPY finished (or failed): commit or abort next */
	ST_COPY      /* COPY FROM STDIN in progress */
} pg_state;

typedef struct pg_sink {
	hd_sink base;
	PGconn *conn;
	PGconn *econn;    /* stl_load_errors, autocommit; opened on first use */
	char *target;     /* for econn; may hold a password */
	bool quiet;       /* drop notices: set except while exec() runs a user's statement */
	bool sys_ready;   /* hdcopy's system objects are known to exist */
	pg_state state;
	char tag[64];     /* last command tag (libpq's is at most 64 bytes) */
	hd_buf out;       /* COPY data not yet sent */
	hd_type *types;   /* per loaded column */
	int ntypes;
	int64_t locked;   /* the query id whose load lock this session holds, 0 = none */
	PGcancel *cancel; /* issue 10: for interrupt() from another thread; made once at connect */
	int64_t sent;     /* issue 10: COPY bytes sent in the current load (progress) */
	bool progress_ready, progress_off; /* issue 10: hdcopy.load_sessions and its view exist / cannot be made */
} pg_sink;

/* All of hdcopy's objects in the target database. Run inside one transaction holding SYS_LOCK. */
static const char system_ddl[] =
	"CREATE SCHEMA IF NOT EXISTS hdcopy;\n"
	"CREATE SEQUENCE IF NOT EXISTS hdcopy.load_query_seq;\n"
	"CREATE TABLE IF NOT EXISTS hdcopy.stl_load_errors (\n"
	"  userid oid, slice integer, tbl oid, starttime timestamp, session integer, query bigint,\n"
	"  filename varchar(1024), line_number bigint, colname varchar(127), type varchar(128),\n"
	"  col_length varchar(10), position integer, raw_line varchar(1024), raw_field_value varchar(1024),\n"
	"  err_code integer, err_reason varchar(100), is_partial integer, start_offset bigint);\n"
	"CREATE TABLE IF NOT EXISTS hdcopy.stl_load_commits (\n"
	"  userid oid, query bigint, slice integer, tbl oid, name varchar(256), filename varchar(1024),\n"
	"  byte_offset bigint, lines_scanned bigint, errors bigint, curtime timestamp, status integer,\n"
	"  file_format varchar(16), is_partial integer, start_offset bigint);\n"
	"CREATE TABLE IF NOT EXISTS hdcopy.load_decisions (\n"
	"  query bigint PRIMARY KEY, nslices integer NOT NULL, decided timestamptz NOT NULL DEFAULT now());\n"
	"GRANT SELECT, INSERT, DELETE ON hdcopy.load_decisions TO PUBLIC;\n"
	"GRANT USAGE ON SCHEMA hdcopy TO PUBLIC;\n"
	"GRANT USAGE ON SEQUENCE hdcopy.load_query_seq TO PUBLIC;\n"
	"GRANT SELECT, INSERT ON hdcopy.stl_load_errors, hdcopy.stl_load_commits TO PUBLIC;\n"
	"ALTER TABLE hdcopy.stl_load_errors ENABLE ROW LEVEL SECURITY;\n"
	"ALTER TABLE hdcopy.stl_load_commits ENABLE ROW LEVEL SECURITY;\n"
	"DO $$BEGIN\n"
	"  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = 'hdcopy'\n"
	"                 AND tablename = 'stl_load_errors' AND policyname = 'own_rows') THEN\n"
	"    CREATE POLICY own_rows ON hdcopy.stl_load_errors\n"
	"      USING (userid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user));\n"
	"  END IF;\n"
	"  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = 'hdcopy'\n"
	"                 AND tablename = 'stl_load_commits' AND policyname = 'own_rows') THEN\n"
	"    CREATE POLICY own_rows ON hdcopy.stl_load_commits\n"
	"      USING (userid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user));\n"
	"  END IF;\n"
	"END$$;\n"
	/* Issue 9: roles (identity + policy; no secrets — those stay in the loader's $HDCOPY_HOME) and ASSUMEROLE grants.
	 * Everyone may read them (has_assumerole_privilege needs to); only the SECURITY DEFINER functions below write them,
	 * and they check who asks (hdcopy.acting_user(): the role set by SET ROLE or `-c role=` — how `hdcopy serve`
	 * runs a client's statements on the loader's connection — else session_user; current_user cannot be used
	 * inside SECURITY DEFINER, and the role setting is only ever one the session may become): superusers, members
	 * of the schema's owner, users with CREATE on schema hdcopy (role create), and a role's owner (drop, grant,
	 * revoke on that role). docs/setup.md has the model. */
	"CREATE TABLE IF NOT EXISTS hdcopy.iam_roles (\n"
	"  name varchar(64) PRIMARY KEY, owner name NOT NULL, is_default boolean NOT NULL DEFAULT false,\n"
	"  clusters text[] NOT NULL DEFAULT '{}', paths text[] NOT NULL DEFAULT '{}', hosts text[] NOT NULL DEFAULT '{}',\n"
	"  ssh_user text, hdfs_user text, hdfs_auth varchar(16) NOT NULL DEFAULT 'simple', principal text,\n"
	"  created timestamptz NOT NULL DEFAULT now());\n"
	"CREATE UNIQUE INDEX IF NOT EXISTS iam_roles_one_default ON hdcopy.iam_roles (is_default) WHERE is_default;\n"
	"CREATE TABLE IF NOT EXISTS hdcopy.iam_role_grants (\n"
	"  role varchar(64) NOT NULL, grantee name NOT NULL, grantee_type \"char\" NOT NULL, cmd varchar(8) NOT NULL,\n"
	"  grantor name NOT NULL, granted timestamptz NOT NULL DEFAULT now(),\n"
	"  PRIMARY KEY (role, grantee_type, grantee, cmd));\n"
	"REVOKE ALL ON hdcopy.iam_roles, hdcopy.iam_role_grants FROM PUBLIC;\n"
	"GRANT SELECT ON hdcopy.iam_roles, hdcopy.iam_role_grants TO PUBLIC;\n"
	"CREATE OR REPLACE FUNCTION hdcopy.iam_role_name(text) RETURNS text LANGUAGE sql IMMUTABLE AS\n"
	"$f$SELECT CASE WHEN $1 LIKE 'arn:%:role/%' THEN regexp_replace($1, '^.*/', '') ELSE $1 END$f$;\n"
	"CREATE OR REPLACE FUNCTION hdcopy.is_member(name, name) RETURNS boolean LANGUAGE sql STABLE\n"
	"SET search_path = pg_catalog, pg_temp AS\n"
	"$f$SELECT CASE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = $1)\n"
	"                AND EXISTS (SELECT FROM pg_roles WHERE rolname = $2)\n"
	"           THEN pg_has_role($1, $2, 'MEMBER') ELSE false END$f$;\n"
	"CREATE OR REPLACE FUNCTION hdcopy.acting_user() RETURNS name LANGUAGE sql STABLE\n"
	"SET search_path = pg_catalog, pg_temp AS\n"
	"$f$SELECT CASE WHEN current_setting('role') IN ('', 'none') THEN session_user\n"
	"            ELSE current_setting('role')::name END$f$;\n"
	"CREATE OR REPLACE FUNCTION hdcopy.has_assumerole_privilege(name, text, text) RETURNS boolean LANGUAGE sql\n"
	"STABLE SET search_path = pg_catalog, pg_temp AS\n"
	"$f$SELECT EXISTS (SELECT FROM hdcopy.iam_roles x WHERE x.name = hdcopy.iam_role_name($2) AND (\n"
	"     x.owner = $1 OR EXISTS (SELECT FROM pg_roles WHERE rolname = $1 AND rolsuper)\n"
	"  OR EXISTS (SELECT FROM hdcopy.iam_role_grants g WHERE g.role IN (x.name, '*')\n"
	"             AND (g.cmd = 'all' OR g.cmd = lower($3))\n"
	"             AND (g.grantee_type = 'p' OR hdcopy.is_member($1, g.grantee)))))$f$;\n"
	"CREATE OR REPLACE FUNCTION hdcopy.has_assumerole_privilege(text, text) RETURNS boolean LANGUAGE sql STABLE\n"
	"AS $f$SELECT hdcopy.has_assumerole_privilege(current_user, $1, $2)$f$;\n"
	"CREATE OR REPLACE FUNCTION hdcopy.pg_get_grantee_by_iam_role(text)\n"
	"RETURNS TABLE (grantee text, grantee_type text, cmd_type text) LANGUAGE sql STABLE\n"
	"SET search_path = pg_catalog, pg_temp AS\n"
	"$f$SELECT CASE g.grantee_type WHEN 'p' THEN 'public' ELSE g.grantee::text END, g.grantee_type::text,\n"
	"          upper(g.cmd)::text FROM hdcopy.iam_role_grants g\n"
	"   WHERE g.role = hdcopy.iam_role_name($1)\n"
	"      OR (g.role = '*' AND EXISTS (SELECT FROM hdcopy.iam_roles WHERE name = hdcopy.iam_role_name($1)))\n"
	"   ORDER BY 2, 1, 3$f$;\n"
	"CREATE OR REPLACE FUNCTION hdcopy.iam_role_admin(text) RETURNS boolean LANGUAGE sql STABLE\n"
	"SET search_path = pg_catalog, pg_temp AS\n"
	"$f$SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = hdcopy.acting_user() AND rolsuper)\n"
	"  OR EXISTS (SELECT FROM pg_namespace n JOIN pg_roles o ON o.oid = n.nspowner\n"
	"             WHERE n.nspname = 'hdcopy' AND hdcopy.is_member(hdcopy.acting_user(), o.rolname))\n"
	"  OR ($1 IS NOT NULL AND EXISTS (SELECT FROM hdcopy.iam_roles\n"
	"                                  WHERE name = $1 AND owner = hdcopy.acting_user()))$f$;\n"
	"CREATE OR REPLACE FUNCTION hdcopy.iam_role_create(text, boolean, text[], text[], text[], text, text, text,\n"
	"  text, boolean) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n"
	"$f$BEGIN\n"
	"  IF NOT (hdcopy.iam_role_admin(NULL)\n"
	"          OR has_schema_privilege(hdcopy.acting_user(), 'hdcopy', 'CREATE')) THEN\n"
	"    RAISE EXCEPTION 'permission denied to create role ''%'': a superuser can run GRANT CREATE ON SCHEMA hdcopy TO %',\n"
	"      $1, quote_ident(hdcopy.acting_user()) USING ERRCODE = '42501';\n"
	"  END IF;\n"
	"  IF EXISTS (SELECT FROM hdcopy.iam_roles WHERE name = $1) THEN\n"
	"    IF NOT $10 THEN RAISE EXCEPTION 'role ''%'' already exists (hdcopy role show %)', $1, $1\n"
	"      USING ERRCODE = '42710'; END IF;\n"
	"    IF NOT hdcopy.iam_role_admin($1) THEN RAISE EXCEPTION 'permission denied to replace role ''%'': only its owner or a superuser may',\n"
	"      $1 USING ERRCODE = '42501'; END IF;\n"
	"    DELETE FROM hdcopy.iam_roles WHERE name = $1;\n"
	"  END IF;\n"
	"  IF $2 THEN UPDATE hdcopy.iam_roles SET is_default = false WHERE is_default; END IF;\n"
	"  INSERT INTO hdcopy.iam_roles (name, owner, is_default, clusters, paths, hosts, ssh_user, hdfs_user, hdfs_auth,\n"
	"    principal) VALUES ($1, hdcopy.acting_user(), $2, $3, $4, $5, $6, $7, $8, $9);\n"
	"END$f$;\n"
	"CREATE OR REPLACE FUNCTION hdcopy.iam_role_drop(text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER\n"
	"SET search_path = pg_catalog, pg_temp AS\n"
	"$f$BEGIN\n"
	"  IF NOT EXISTS (SELECT FROM hdcopy.iam_roles WHERE name = $1) THEN\n"
	"    RAISE EXCEPTION 'role ''%'' does not exist (hdcopy role list)', $1 USING ERRCODE = '42704'; END IF;\n"
	"  IF NOT hdcopy.iam_role_admin($1) THEN RAISE EXCEPTION 'permission denied to drop role ''%'': only its owner or a superuser may',\n"
	"    $1 USING ERRCODE = '42501'; END IF;\n"
	"  DELETE FROM hdcopy.iam_role_grants WHERE role = $1;\n"
	"  DELETE FROM hdcopy.iam_roles WHERE name = $1;\n"
	"END$f$;\n"
	/* $1 revoke, $2 role names (NULL: ON ALL), $3 grantees ('' for PUBLIC), $4 their types, $5 'copy' | 'all' */
	"CREATE OR REPLACE FUNCTION hdcopy.iam_role_grant(boolean, text[], text[], text[], text) RETURNS void\n"
	"LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n"
	"$f$DECLARE r text; i int;\n"
	"BEGIN\n"
	"  IF $2 IS NULL THEN\n"
	"    IF NOT hdcopy.iam_role_admin(NULL) THEN RAISE EXCEPTION\n"
	"      'permission denied for ASSUMEROLE ON ALL: only a superuser or the owner of schema hdcopy may grant or revoke it'\n"
	"      USING ERRCODE = '42501'; END IF;\n"
	"  ELSE\n"
	"    FOREACH r IN ARRAY $2 LOOP\n"
	"      IF NOT EXISTS (SELECT FROM hdcopy.iam_roles WHERE name = r) THEN\n"
	"        RAISE EXCEPTION 'role ''%'' does not exist (hdcopy role list)', r USING ERRCODE = '42704'; END IF;\n"
	"      IF NOT hdcopy.iam_role_admin(r) THEN RAISE EXCEPTION\n"
	"        'permission denied for role ''%'': only its owner or a superuser may grant or revoke ASSUMEROLE on it', r\n"
	"        USING ERRCODE = '42501'; END IF;\n"
	"    END LOOP;\n"
	"  END IF;\n"
	"  FOR i IN 1 .. coalesce(array_length($3, 1), 0) LOOP\n"
	"    IF $4[i] <> 'p' AND NOT EXISTS (SELECT FROM pg_roles WHERE rolname = $3[i]) THEN\n"
	"      RAISE EXCEPTION 'role \"%\" does not exist', $3[i] USING ERRCODE = '42704'; END IF;\n"
	"    IF $1 THEN\n"
	"      DELETE FROM hdcopy.iam_role_grants g WHERE g.grantee = $3[i] AND g.grantee_type = $4[i]::\"char\"\n"
	"        AND ($2 IS NULL OR g.role = ANY ($2)) AND ($5 = 'all' OR g.cmd IN ('copy', 'all'));\n"
	"    ELSE\n"
	"      INSERT INTO hdcopy.iam_role_grants (role, grantee, grantee_type, cmd, grantor)\n"
	"        SELECT x, $3[i], $4[i]::\"char\", $5, hdcopy.acting_user() FROM unnest(coalesce($2, ARRAY['*'])) x\n"
	"        ON CONFLICT DO NOTHING;\n"
	"    END IF;\n"
	"  END LOOP;\n"
	"END$f$;\n"
	"REVOKE ALL ON FUNCTION hdcopy.iam_role_create(text, boolean, text[], text[], text[], text, text, text, text,\n"
	"  boolean), hdcopy.iam_role_drop(text), hdcopy.iam_role_grant(boolean, text[], text[], text[], text) FROM PUBLIC;\n"
	"GRANT EXECUTE ON FUNCTION hdcopy.iam_role_create(text, boolean, text[], text[], text[], text, text, text, text,\n"
	"  boolean), hdcopy.iam_role_drop(text), hdcopy.iam_role_grant(boolean, text[], text[], text[], text) TO PUBLIC;\n";

/* Issue 10: progress of running loads, for other sessions. hdcopy.load_sessions has one row per connection of a
 * running load (written in autocommit at its start, deleted at its end; rows of dead backends are swept by the next
 * load and never shown); hdcopy.stv_load_progress sums PostgreSQL's own pg_stat_progress_copy (PostgreSQL 14+) per
 * load. The counters come through a SECURITY DEFINER function of the schema's owner, because `hdcopy serve` loads
 * connect as the loader identity and pg_stat_progress_copy shows a backend's counters only to roles with its
 * session user's privileges; the function shows a load only to its user, members of that user, superusers and
 * pg_read_all_stats (Redshift's STV rule: users see their own loads). */
static const char progress_ddl[] =
	"CREATE TABLE IF NOT EXISTS hdcopy.load_sessions (\n"
	"  query bigint NOT NULL, slice integer NOT NULL, pid integer NOT NULL, userid oid, tbl oid,\n"
	"  name varchar(256), source varchar(1024), nslices integer,\n"
	"  starttime timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(), rows_done bigint, bytes_done bigint,\n"
	"  PRIMARY KEY (query, slice));\n"
	"GRANT SELECT, INSERT, DELETE ON hdcopy.load_sessions TO PUBLIC;\n"
	"ALTER TABLE hdcopy.load_sessions ENABLE ROW LEVEL SECURITY;\n"
	"DO $$BEGIN\n"
	"  IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies WHERE schemaname = 'hdcopy'\n"
	"                 AND tablename = 'load_sessions' AND policyname = 'own_rows') THEN\n"
	"    CREATE POLICY own_rows ON hdcopy.load_sessions\n"
	"      USING (userid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user));\n"
	"    CREATE POLICY sweep_dead ON hdcopy.load_sessions FOR DELETE\n"
	"      USING (NOT EXISTS (SELECT FROM pg_catalog.pg_stat_activity a WHERE a.pid = load_sessions.pid));\n"
	"  END IF;\n"
	"END$$;\n"
	"CREATE OR REPLACE FUNCTION hdcopy.load_progress_slices()\n"
	"RETURNS TABLE (query bigint, slice integer, pid integer, userid oid, tbl oid, name text, source text,\n"
	"  nslices integer, starttime timestamptz, copying boolean, waiting boolean, tuples bigint, bytes bigint)\n"
	"LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n"
	"$f$SELECT l.query, l.slice, l.pid, l.userid, l.tbl, l.name::text, l.source::text, l.nslices, l.starttime,\n"
	"          p.pid IS NOT NULL, coalesce(a.wait_event_type = 'Lock', false),\n"
	"          coalesce(p.tuples_processed, l.rows_done), coalesce(p.bytes_processed, l.bytes_done)\n"
	"     FROM hdcopy.load_sessions l\n"
	"     JOIN pg_stat_activity a ON a.pid = l.pid AND (a.backend_start IS NULL OR a.backend_start <= l.starttime)\n"
	"     LEFT JOIN pg_stat_progress_copy p ON p.pid = l.pid\n"
	"    WHERE pg_has_role(session_user, 'pg_read_all_stats', 'USAGE')\n"
	"       OR EXISTS (SELECT FROM pg_roles o WHERE o.oid = l.userid AND pg_has_role(session_user, o.oid, 'USAGE'))$f$;\n"
	"REVOKE ALL ON FUNCTION hdcopy.load_progress_slices() FROM PUBLIC;\n"
	"GRANT EXECUTE ON FUNCTION hdcopy.load_progress_slices() TO PUBLIC;\n"
	"CREATE OR REPLACE VIEW hdcopy.stv_load_progress AS\n"
	"SELECT x.query, x.userid, r.rolname AS username, x.tbl, x.name AS table_name, x.source, x.nslices AS slices,\n"
	"       pg_catalog.count(*) FILTER (WHERE x.copying)::integer AS slices_copying,\n"
	"       coalesce(pg_catalog.sum(x.tuples), 0)::bigint AS rows, coalesce(pg_catalog.sum(x.bytes), 0)::bigint AS bytes,\n"
	"       pg_catalog.min(x.starttime) AS starttime,\n"
	"       pg_catalog.clock_timestamp() - pg_catalog.min(x.starttime) AS elapsed,\n"
	"       CASE WHEN pg_catalog.bool_or(x.waiting) THEN 'waiting for a lock'\n"
	"            WHEN pg_catalog.bool_or(x.copying) THEN 'loading' ELSE 'finishing' END AS state\n"
	"  FROM hdcopy.load_progress_slices() x LEFT JOIN pg_catalog.pg_roles r ON r.oid = x.userid\n"
	" GROUP BY x.query, x.userid, r.rolname, x.tbl, x.name, x.source, x.nslices;\n"
	"GRANT SELECT ON hdcopy.stv_load_progress TO PUBLIC;\n";

/* pg_advisory_xact_lock key pair: 'hdco', 1. */
#define SYS_LOCK "1751409519, 1"
/* Session advisory lock (LOAD_LOCK, query mod 2^31) held by a live load from its start until it is settled. */
#define LOAD_LOCK "1751409520"
/* Issue 10: the decision lock (sink.h HD_SINK_DECIDE_LOCK), held by a transaction that writes a load's decision. */
#define STR_(x) #x
#define STR(x) STR_(x)
#define DECIDE_LOCK STR(HD_SINK_DECIDE_LOCK)

static const char errors_insert[] =
	"INSERT INTO hdcopy.stl_load_errors (userid, slice, tbl, starttime, session, query, filename, line_number,"
	" colname, type, col_length, position, raw_line, raw_field_value, err_code, err_reason, is_partial,"
	" start_offset) VALUES ";
static const char commits_insert[] =
	"INSERT INTO hdcopy.stl_load_commits (userid, query, slice, tbl, name, filename, byte_offset, lines_scanned,"
	" errors, curtime, status, file_format, is_partial, start_offset) VALUES ";

/* Widths of the system tables' text columns, in bytes (≤ their character limits). */
#define FILENAME_MAX_B 1024
#define COLNAME_MAX_B 127
#define TYPE_MAX_B 128
#define NAME_MAX_B 256
#define FORMAT_MAX_B 16

/* ---- errors ---------------------------------------------------------------------------------------------------- */

/* Copy the first line of s into dst. */
static void
first_line(char *dst, size_t size, const char *s)
{
	size_t n = strcspn(s ? s : "", "\n");
	if (n >= size)
		n = size - 1;
	memcpy(dst, s ? s : "", n);
	dst[n] = '\0';
}

static bool
is_privilege_state(const char *st)
{
	return st && (strcmp(st, "42501") == 0 || strncmp(st, "28", 2) == 0);
}

/* A failed statement: the server's message and SQLSTATE (HD_ERR_PRIVILEGE for 42501 and class 28). */
static hd_code
res_error(PGconn *c, const PGresult *res, const char *what, hd_err *err)
{
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	char line[512], dline[256];
	hd_code code = is_privilege_state(st) ? HD_ERR_PRIVILEGE : HD_ERR_TARGET;

	first_line(line, sizeof line, msg ? msg : PQerrorMessage(c));
	if (!line[0])
		snprintf(line, sizeof line, "%s", "unexpected result from the server");
	first_line(dline, sizeof dline, detail);
	return hd_err_set(err, code, "%s%s%s%s%s%s%s%s", what ? what : "", what ? ": " : "", line,
	                  dline[0] ? "; " : "", dline, st ? " (SQLSTATE " : "", st ? st : "", st ? ")" : "");
}

/* Run sql (no parameters; may hold several statements) expecting status want. *out gets the result if asked. */
static hd_code
run(PGconn *c, const char *sql, ExecStatusType want, PGresult **out, const char *what, hd_err *err)
{
	PGresult *res = PQexec(c, sql);
	hd_code r = HD_OK;

	if (!res || PQresultStatus(res) != want)
		r = res_error(c, res, what, err);
	if (out && r == HD_OK)
		*out = res;
	else
		PQclear(res);
	return r;
}

static hd_code
runp(PGconn *c, const char *sql, int n, const char *const *params, PGresult **out, const char *what, hd_err *err)
{
	PGresult *res = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	hd_code r = HD_OK;

	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		r = res_error(c, res, what, err);
	if (out && r == HD_OK)
		*out = res;
	else
		PQclear(res);
	return r;
}

/* Catalog integers (trusted text from the server). */
static int64_t
num(const char *s)
{
	int64_t v = 0;
	bool neg = *s == '-';
	for (s += neg; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	return neg ? -v : v;
}

/* ---- connection ------------------------------------------------------------------------------------------------ */

static void
notice_cb(void *arg, const PGresult *res)
{
	const pg_sink *s = arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);

	if (s->quiet || !sev)
		return;
	if (strcmp(sev, "NOTICE") == 0 || strcmp(sev, "INFO") == 0 || strcmp(sev, "WARNING") == 0)
		fputs(PQresultErrorMessage(res), stderr); /* "NOTICE:  …\n", as psql shows it */
}

/*
 * A local server over a unix socket: let the socket hold more of the COPY stream than the kernel's default (~200 KiB,
 * net.core.wmem_default), so a backend that comes back from a WAL flush or a page extension finds rows waiting instead
 * of waiting for its slice's thread to be scheduled (bench/bench_load.py: ~5 % on 2 cores). The kernel caps the size at
 * net.core.wmem_max; failure is harmless. TCP sockets are left to the kernel's send-buffer autotuning.
 */
static void
widen_unix_socket(PGconn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int fd = PQsocket(c), size = HD_PG_UNIX_SNDBUF;

	if (fd >= 0 && getsockname(fd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_UNIX)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

static hd_code
open_conn(pg_sink *s, const char *target, PGconn **out, hd_err *err)
{
	/* Later keys win: application_name before dbname so the target may override it; client_encoding after. */
	const char *const keys[] = { "application_name", "dbname", "client_encoding", NULL };
	const char *const vals[] = { "hdcopy", target, "UTF8", NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	char line[512];
	hd_code code;

	if (!c)
		return hd_err_set(err, HD_ERR_NOMEM, "could not connect to the target: out of memory");
	if (PQstatus(c) == CONNECTION_OK) {
		PQsetNoticeReceiver(c, notice_cb, s);
		*out = c;
		return HD_OK;
	}
	/* libpq keeps no SQLSTATE for a failed connection: recognise authentication failures by what libpq knows. */
	first_line(line, sizeof line, PQerrorMessage(c));
	code = HD_ERR_TARGET;
	if (PQconnectionNeedsPassword(c) || strstr(line, "authentication failed") || strstr(line, "pg_hba.conf") ||
	    (strstr(line, "role \"") && strstr(line, "does not exist")) || strstr(line, "permission denied"))
		code = HD_ERR_PRIVILEGE;
	PQfinish(c);
	return hd_err_set(err, code, "could not connect to the target: %s", line);
}

static hd_code
pg_connect(const char *target, hd_sink **out, hd_err *err)
{
	pg_sink *s = hd_calloc(1, sizeof *s);
	hd_code r;

	if (!s || !(s->target = hd_strdup(target))) {
		free(s);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	s->base.ops = &hd_sink_pg;
	s->quiet = true;
	hd_buf_init(&s->out, HD_SINK_BUF + HD_PG_ROW_MAX);
	if ((r = open_conn(s, target, &s->conn, err)) != HD_OK) {
		explicit_bzero(s->target, strlen(s->target));
		free(s->target);
		free(s);
		return r;
	}
	widen_unix_socket(s->conn); /* the COPY stream's connection; the errors connection carries little */
	s->cancel = PQgetCancel(s->conn); /* NULL (out of memory) only means interrupt() does nothing */
	*out = &s->base;
	return HD_OK;
}

/* Issue 10: PQcancel is thread-safe and needs nothing of the connection but the PGcancel made at connect. */
static void
pg_interrupt(hd_sink *base)
{
	pg_sink *s = (pg_sink *)base;
	char why[256];

	if (s->cancel)
		(void)PQcancel(s->cancel, why, sizeof why); /* a failed cancel leaves the slices' stop flag to act */
}

static void pg_abort(hd_sink *base);

/* Release the load lock (the load is settled, or it never prepared anything). */
static void
unlock_load(pg_sink *s)
{
	if (s->locked && PQstatus(s->conn) == CONNECTION_OK) {
		char q[24];
		const char *param[1] = { q };
		snprintf(q, sizeof q, "%lld", (long long)(s->locked % 2147483647));
		PQclear(PQexecParams(s->conn, "SELECT pg_catalog.pg_advisory_unlock(" LOAD_LOCK ", $1::integer)", 1, NULL,
		                     param, NULL, NULL, 0));
	}
	s->locked = 0;
}

static void
pg_close(hd_sink *base)
{
	pg_sink *s = (pg_sink *)base;

	if (!s)
		return;
	if (s->state != ST_IDLE)
		pg_abort(base);
	if (s->cancel)
		PQfreeCancel(s->cancel);
	PQfinish(s->conn);
	PQfinish(s->econn);
	hd_buf_free(&s->out);
	free(s->types);
	explicit_bzero(s->target, strlen(s->target));
	free(s->target);
	free(s);
}

/* ---- pass-through statements ----------------------------------------------------------------------------------- */

/* End a COPY that a user's statement started: we have no stream for it. */
static void
drain_copy(PGconn *c, PGresult *res)
{
	PGresult *r;
	char *buf;

	if (PQresultStatus(res) == PGRES_COPY_IN)
		PQputCopyEnd(c, "COPY FROM STDIN is not supported here");
	else if (PQresultStatus(res) == PGRES_COPY_OUT)
		while (PQgetCopyData(c, &buf, 0) > 0)
			PQfreemem(buf);
	while ((r = PQgetResult(c)) != NULL)
		PQclear(r);
}

static hd_code
pg_exec(hd_sink *base, const char *sql, hd_result_cb cb, void *ctx, const char **tag, hd_err *err)
{
	pg_sink *s = (pg_sink *)base;
	PGresult *res;
	const char **names = NULL, **vals = NULL;
	hd_code r = HD_OK;
	int nf, nt;

	s->tag[0] = '\0';
	if (tag)
		*tag = s->tag;
	s->quiet = false;
	res = PQexec(s->conn, sql);
	s->quiet = true;
	switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
	case PGRES_COMMAND_OK:
	case PGRES_EMPTY_QUERY:
		break;
	case PGRES_TUPLES_OK:
		nf = PQnfields(res);
		nt = PQntuples(res);
		if (!cb)
			break;
		names = hd_calloc((size_t)nf + 1, sizeof *names);
		vals = hd_calloc((size_t)nf + 1, sizeof *vals);
		if (!names || !vals) {
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
			goto out;
		}
		for (int j = 0; j < nf; j++)
			names[j] = PQfname(res, j);
		if (cb(ctx, nf, names, NULL))
			break;
		for (int i = 0; i < nt; i++) {
			for (int j = 0; j < nf; j++)
				vals[j] = PQgetisnull(res, i, j) ? NULL : PQgetvalue(res, i, j);
			if (cb(ctx, nf, names, vals))
				break;
		}
		break;
	case PGRES_COPY_IN:
	case PGRES_COPY_OUT:
		drain_copy(s->conn, res);
		r = hd_err_set(err, HD_ERR_UNSUPPORTED, "COPY to or from the client is not supported here");
		goto out;
	default:
		r = res_error(s->conn, res, NULL, err);
		goto out;
	}
	snprintf(s->tag, sizeof s->tag, "%s", PQcmdStatus(res));
out:
	free(names);
	free(vals);
	PQclear(res);
	return r;
}

/* ---- describe -------------------------------------------------------------------------------------------------- */

static const char q_rel[] =
	"SELECT c.oid, n.nspname, c.relname, c.relkind, pg_catalog.has_any_column_privilege(c.oid, 'INSERT')"
	" FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.oid = pg_catalog.to_regclass($1)";

/* Columns with domains followed to their base type (and a domain's typmod / NOT NULL carried down). */
static const char q_cols[] =
	"WITH RECURSIVE b(attnum, typid, typmod, nn, depth) AS ("
	"  SELECT a.attnum, a.atttypid, a.atttypmod, a.attnotnull, 0 FROM pg_catalog.pg_attribute a"
	"   WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped"
	"  UNION ALL"
	"  SELECT b.attnum, t.typbasetype, CASE WHEN t.typtypmod <> -1 THEN t.typtypmod ELSE b.typmod END,"
	"         b.nn OR t.typnotnull, b.depth + 1"
	"   FROM b JOIN pg_catalog.pg_type t ON t.oid = b.typid WHERE t.typtype = 'd' AND b.depth < 32)"
	" SELECT a.attname, f.typid, f.typmod, f.nn, a.atthasdef, a.attidentity, a.attgenerated,"
	"        pg_catalog.format_type(a.atttypid, a.atttypmod)"
	" FROM pg_catalog.pg_attribute a"
	" JOIN (SELECT DISTINCT ON (attnum) attnum, typid, typmod, nn FROM b ORDER BY attnum, depth DESC) f"
	"   ON f.attnum = a.attnum"
	" WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped"
	" ORDER BY a.attnum";

/* "schema"."name" (or "name") with libpq's quoting; NULL on failure. */
static char *
quote_qualified(PGconn *c, const char *schema, const char *name)
{
	char *qs = NULL, *qn = NULL, *res = NULL;
	hd_buf b;

	hd_buf_init(&b, 4 * HD_MAX_IDENT + 16);
	if (schema && !(qs = PQescapeIdentifier(c, schema, strlen(schema))))
		goto out;
	if (!(qn = PQescapeIdentifier(c, name, strlen(name))))
		goto out;
	if ((qs && (hd_buf_append_str(&b, qs) || hd_buf_append_str(&b, "."))) || hd_buf_append_str(&b, qn) ||
	    hd_buf_cstr(&b))
		goto out;
	res = b.data;
	b.data = NULL;
out:
	hd_buf_free(&b);
	PQfreemem(qs);
	PQfreemem(qn);
	return res;
}

static hd_code
pg_describe(hd_sink *base, const char *schema, const char *table, hd_table **out, hd_err *err)
{
	pg_sink *s = (pg_sink *)base;
	PGresult *rel = NULL, *cols = NULL;
	hd_table *t = NULL;
	char *q = NULL;
	const char *p[1];
	hd_code r;
	int n;

	*out = NULL;
	if (!(q = quote_qualified(s->conn, schema, table))) {
		/* issue 11: this was "invalid table name" (exit 2) when an allocation failed */
		r = hd_err_set(err, HD_ERR_NOMEM, "could not quote the table name (out of memory, or not valid in the "
		               "connection's encoding)");
		goto out;
	}
	p[0] = q;
	if ((r = runp(s->conn, q_rel, 1, p, &rel, "could not look up the table", err)) != HD_OK)
		goto out;
	if (PQntuples(rel) != 1) {
		r = hd_err_set(err, HD_ERR_TABLE, "relation \"%s%s%s\" does not exist", schema ? schema : "",
		               schema ? "." : "", table);
		goto out;
	}
	if (strcmp(PQgetvalue(rel, 0, 3), "r") != 0 && strcmp(PQgetvalue(rel, 0, 3), "p") != 0) {
		r = hd_err_set(err, HD_ERR_TABLE, "\"%s\" is not a table", PQgetvalue(rel, 0, 2));
		goto out;
	}
	if (strcmp(PQgetvalue(rel, 0, 4), "t") != 0) {
		r = hd_err_set(err, HD_ERR_PRIVILEGE, "permission denied for table %s", PQgetvalue(rel, 0, 2));
		goto out;
	}
	p[0] = PQgetvalue(rel, 0, 0);
	if ((r = runp(s->conn, q_cols, 1, p, &cols, "could not read the table's columns", err)) != HD_OK)
		goto out;

	n = PQntuples(cols);
	r = HD_ERR_NOMEM;
	if (!(t = hd_calloc(1, sizeof *t)) || !(t->cols = hd_calloc((size_t)n + 1, sizeof *t->cols)))
		goto out;
	t->oid = (uint32_t)num(PQgetvalue(rel, 0, 0));
	if (!(t->schema = hd_strdup(PQgetvalue(rel, 0, 1))) || !(t->name = hd_strdup(PQgetvalue(rel, 0, 2))) ||
	    !(t->qualified = quote_qualified(s->conn, t->schema, t->name)))
		goto out;
	for (int i = 0; i < n; i++) {
		hd_column *c;
		int32_t typmod;

		/* GENERATED ALWAYS AS (expr) STORED columns take no input: they are not offered for loading. */
		if (PQgetvalue(cols, i, 6)[0] != '\0')
			continue;
		c = &t->cols[t->ncols++];
		if (!(c->name = hd_strdup(PQgetvalue(cols, i, 0))) || !(c->type_name = hd_strdup(PQgetvalue(cols, i, 7))))
			goto out;
		c->type_oid = (uint32_t)num(PQgetvalue(cols, i, 1));
		c->type = hd_pg_type_from_oid(c->type_oid);
		typmod = (int32_t)num(PQgetvalue(cols, i, 2));
		c->length = -1;
		c->precision = c->scale = -1;
		if ((c->type == HD_T_CHAR || c->type == HD_T_VARCHAR) && typmod >= 4)
			c->length = typmod - 4; /* characters in PostgreSQL; convert checks bytes, which is stricter */
		if (c->type == HD_T_NUMERIC && typmod >= 4) {
			c->precision = (int16_t)(((typmod - 4) >> 16) & 0xffff);
			c->scale = (int16_t)((((typmod - 4) & 0x7ff) ^ 1024) - 1024); /* PostgreSQL 15: scale may be < 0 */
		}
		c->not_null = PQgetvalue(cols, i, 3)[0] == 't';
		c->identity = PQgetvalue(cols, i, 5)[0];
		c->has_default = PQgetvalue(cols, i, 4)[0] == 't' || c->identity != '\0';
	}
	*out = t;
	t = NULL;
	r = HD_OK;
out:
	if (r == HD_ERR_NOMEM)
		hd_err_set(err, r, "out of memory");
	hd_table_free(t);
	free(q);
	PQclear(rel);
	PQclear(cols);
	return r;
}

/* ---- system objects -------------------------------------------------------------------------------------------- */

static hd_code
ensure_system(pg_sink *s, PGconn *c, hd_err *err)
{
	PGresult *res = NULL;
	hd_buf sql;
	hd_code r;

	if (s->sys_ready)
		return HD_OK;
	if ((r = run(c, "SELECT pg_catalog.to_regclass('hdcopy.stl_load_errors') IS NOT NULL"
	                " AND pg_catalog.to_regclass('hdcopy.stl_load_commits') IS NOT NULL"
	                " AND pg_catalog.to_regclass('hdcopy.load_query_seq') IS NOT NULL"
	                " AND pg_catalog.to_regclass('hdcopy.load_decisions') IS NOT NULL"
	                " AND pg_catalog.to_regclass('hdcopy.iam_role_grants') IS NOT NULL" /* issue 9: roles */
	                " AND pg_catalog.to_regproc('hdcopy.pg_get_grantee_by_iam_role') IS NOT NULL",
	             PGRES_TUPLES_OK, &res, "could not check hdcopy's system tables", err)) != HD_OK)
		return r;
	s->sys_ready = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (s->sys_ready)
		return HD_OK;

	hd_buf_init(&sql, 0);
	if (hd_buf_append_str(&sql, "BEGIN;\nSELECT pg_catalog.pg_advisory_xact_lock(" SYS_LOCK ");\n") ||
	    hd_buf_append_str(&sql, system_ddl) ||
	    /* issue 10: the progress view needs pg_stat_progress_copy (PostgreSQL 14) */
	    (PQserverVersion(c) >= 140000 && hd_buf_append_str(&sql, progress_ddl)) ||
	    hd_buf_append_str(&sql, "COMMIT;\n") || hd_buf_cstr(&sql)) {
		hd_buf_free(&sql);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	r = run(c, sql.data, PGRES_COMMAND_OK, NULL, "could not create hdcopy's system tables", err);
	hd_buf_free(&sql);
	if (r != HD_OK) {
		PQclear(PQexec(c, "ROLLBACK")); /* an error inside the BEGIN block leaves it open */
		if (r == HD_ERR_PRIVILEGE)
			return hd_err_set(err, HD_ERR_PRIVILEGE,
			                  "permission denied to create hdcopy's system tables (schema hdcopy); a database "
			                  "owner must run one hdcopy load first, or run: CREATE SCHEMA hdcopy AUTHORIZATION "
			                  "<the loading user>");
		return r;
	}
	s->sys_ready = true;
	return HD_OK;
}

/* Issue 10: the progress table and view exist on c (made now if not: a schema made by an older hdcopy). Best
 * effort: false when they cannot be (PostgreSQL < 14, or a user without CREATE on schema hdcopy), and then the
 * session does not try again. */
static bool
ensure_progress(pg_sink *s, PGconn *c)
{
	PGresult *res = NULL;
	hd_buf sql;
	hd_err e;

	if (s->progress_ready || s->progress_off)
		return s->progress_ready;
	s->progress_off = true;
	if (PQserverVersion(c) < 140000 || ensure_system(s, c, &e) != HD_OK)
		return false;
	if (run(c, "SELECT pg_catalog.to_regclass('hdcopy.load_sessions') IS NOT NULL"
	           " AND pg_catalog.to_regclass('hdcopy.stv_load_progress') IS NOT NULL",
	        PGRES_TUPLES_OK, &res, NULL, &e) != HD_OK)
		return false;
	s->progress_ready = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (!s->progress_ready) {
		hd_buf_init(&sql, 0);
		if (hd_buf_append_str(&sql, "BEGIN;\nSELECT pg_catalog.pg_advisory_xact_lock(" SYS_LOCK ");\n") ||
		    hd_buf_append_str(&sql, progress_ddl) || hd_buf_append_str(&sql, "COMMIT;\n") || hd_buf_cstr(&sql)) {
			hd_buf_free(&sql);
			return false;
		}
		s->progress_ready = run(c, sql.data, PGRES_COMMAND_OK, NULL, NULL, &e) == HD_OK;
		hd_buf_free(&sql);
		if (!s->progress_ready)
			PQclear(PQexec(c, "ROLLBACK"));
	}
	s->progress_off = !s->progress_ready;
	return s->progress_ready;
}

/* ---- system-table rows ----------------------------------------------------------------------------------------- */

/*
 * Rows go in as multi-row INSERTs with text parameters, BATCH_ROWS rows per statement (18 × 256 parameters, far
 * below the protocol's 65535). Not COPY: PostgreSQL refuses COPY FROM into a table with row-level security for
 * users it applies to.
 */
#define BATCH_ROWS 256
#define SYS_COLS_MAX 18

typedef struct batch {
	const char *head; /* "INSERT INTO … (…) VALUES " */
	int ncols, nrows;
	const char *vals[BATCH_ROWS * SYS_COLS_MAX];
} batch;

static hd_code
batch_send(PGconn *c, batch *b, const char *what, hd_err *err)
{
	hd_buf sql;
	hd_code r;
	int k = 1;

	if (!b->nrows)
		return HD_OK;
	hd_buf_init(&sql, 0);
	r = hd_buf_append_str(&sql, b->head);
	for (int i = 0; i < b->nrows && !r; i++)
		for (int j = 0; j < b->ncols && !r; j++)
			r = hd_buf_printf(&sql, "%s$%d%s", j ? ", " : i ? ", (" : "(", k++, j == b->ncols - 1 ? ")" : "");
	if (!r)
		r = hd_buf_cstr(&sql);
	if (r) {
		hd_buf_free(&sql);
		return hd_err_set(err, r, "%s: out of memory", what);
	}
	r = runp(c, sql.data, b->nrows * b->ncols, b->vals, NULL, what, err);
	hd_buf_free(&sql);
	b->nrows = 0;
	return r;
}

static const char *
num_text(char *dst, size_t size, int64_t v)
{
	snprintf(dst, size, "%lld", (long long)v);
	return dst;
}

/* Send what b holds on c (in COPY IN state) and empty b. */
static hd_code
send_copy(PGconn *c, hd_buf *b, hd_err *err)
{
	if (b->len && PQputCopyData(c, b->data, (int)b->len) != 1) {
		char line[512];
		first_line(line, sizeof line, PQerrorMessage(c));
		return hd_err_set(err, HD_ERR_TARGET, "could not send data to the target: %s", line);
	}
	hd_buf_reset(b);
	return HD_OK;
}

/* End a COPY IN on c; errmsg non-NULL aborts it. Returns the COPY's outcome. */
static hd_code
end_copy(PGconn *c, const char *errmsg, const char *what, hd_err *err)
{
	PGresult *res;
	hd_code r = HD_OK;
	bool seen = false;

	if (PQputCopyEnd(c, errmsg) != 1) {
		char line[512];
		first_line(line, sizeof line, PQerrorMessage(c));
		r = hd_err_set(err, HD_ERR_TARGET, "%s: %s", what, line);
	}
	while ((res = PQgetResult(c)) != NULL) {
		if (!seen && r == HD_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
			r = res_error(c, res, what, err);
		if (PQresultStatus(res) == PGRES_COPY_IN) /* still in COPY: the end message was not sent */
			PQputCopyEnd(c, "aborted");
		seen = true;
		PQclear(res);
	}
	return r;
}

/* ---- load ------------------------------------------------------------------------------------------------------ */

static hd_code
flush_out(pg_sink *s, hd_err *err)
{
	s->sent += (int64_t)s->out.len;
	return send_copy(s->conn, &s->out, err);
}

static hd_code
pg_load_begin(hd_sink *base, const hd_table *t, const int *cols, int ncols, hd_load_info *info, hd_err *err)
{
	pg_sink *s = (pg_sink *)base;
	PGresult *res = NULL;
	hd_buf sql;
	hd_code r;

	if (s->state != ST_IDLE)
		return hd_err_set(err, HD_ERR_INTERNAL, "load_begin while a load is in progress");
	if ((r = hd_sink_column_types(t, cols, ncols, &s->types, err)) != HD_OK)
		return r;
	s->ntypes = ncols;

	if ((r = ensure_system(s, s->conn, err)) != HD_OK)
		return r;

	/* A fresh load gets its query id, and a session lock that says "this load is alive" to recover(); the other
	 * slices of the same load come with the id set. Outside the transaction: the lock must outlive PREPARE. */
	if (info->query == 0) {
		char q[24];
		const char *param[1] = { q };
		if ((r = run(s->conn,
		             "SELECT pg_catalog.nextval('hdcopy.load_query_seq'), pg_catalog.pg_backend_pid(),"
		             " (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user),"
		             " pg_catalog.to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')",
		             PGRES_TUPLES_OK, &res, "could not start the load", err)) != HD_OK)
			return r;
		memset(info, 0, sizeof *info);
		info->query = num(PQgetvalue(res, 0, 0));
		info->session = num(PQgetvalue(res, 0, 1));
		info->userid = num(PQgetvalue(res, 0, 2));
		snprintf(info->starttime, sizeof info->starttime, "%s", PQgetvalue(res, 0, 3));
		PQclear(res);
		res = NULL;
		snprintf(q, sizeof q, "%lld", (long long)(info->query % 2147483647));
		if ((r = runp(s->conn, "SELECT pg_catalog.pg_advisory_lock(" LOAD_LOCK ", $1::integer)", 1, param, NULL,
		              "could not lock the load", err)) != HD_OK)
			return r;
		s->locked = info->query;
	}
	if ((r = run(s->conn, "BEGIN", PGRES_COMMAND_OK, NULL, "could not start the load transaction", err)) != HD_OK)
		return r;
	s->state = ST_TXN;

	hd_buf_init(&sql, HD_MAX_STATEMENT);
	r = hd_buf_append_str(&sql, "COPY ");
	if (!r)
		r = hd_buf_append_str(&sql, t->qualified);
	for (int i = 0; i < ncols && !r; i++) {
		const char *name = t->cols[cols[i]].name;
		char *q = PQescapeIdentifier(s->conn, name, strlen(name));
		if (!q) {
			r = HD_ERR_NOMEM;
			break;
		}
		r = hd_buf_append_str(&sql, i ? ", " : " (");
		if (!r)
			r = hd_buf_append_str(&sql, q);
		PQfreemem(q);
	}
	if (!r)
		r = hd_buf_append_str(&sql, ") FROM STDIN (FORMAT binary)");
	if (!r)
		r = hd_buf_cstr(&sql);
	if (r) {
		hd_buf_free(&sql);
		hd_err_set(err, r, "could not build the COPY statement: %s", hd_strerror(r));
		goto fail;
	}
	r = run(s->conn, sql.data, PGRES_COPY_IN, NULL, "could not start COPY", err);
	hd_buf_free(&sql);
	if (r)
		goto fail;
	s->state = ST_COPY;

	hd_buf_reset(&s->out);
	s->sent = 0;
	if ((r = hd_buf_append(&s->out, hd_pg_copy_header, HD_PG_COPY_HEADER_LEN)) != HD_OK) {
		hd_err_set(err, r, "out of memory");
		goto fail;
	}
	return HD_OK;
fail:
	PQclear(res);
	pg_abort(base);
	return r;
}

static hd_code
pg_load_row(hd_sink *base, const hd_value *vals, hd_err *err)
{
	pg_sink *s = (pg_sink *)base;
	hd_code r;

	if (s->state != ST_COPY)
		return hd_err_set(err, HD_ERR_INTERNAL, "load_row outside a load");
	if ((r = hd_pg_encode_row(&s->out, s->types, s->ntypes, vals, err)) != HD_OK)
		return r;
	if (s->out.len >= HD_SINK_BUF)
		return flush_out(s, err);
	return HD_OK;
}

static hd_code
pg_load_end(hd_sink *base, hd_err *err)
{
	pg_sink *s = (pg_sink *)base;
	hd_code r;

	if (s->state != ST_COPY)
		return hd_err_set(err, HD_ERR_INTERNAL, "load_end outside a load");
	if ((r = hd_buf_reserve(&s->out, 2)) != HD_OK) {
		if ((r = flush_out(s, err)) != HD_OK)
			return r;
		if ((r = hd_buf_reserve(&s->out, 2)) != HD_OK)
			return hd_err_set(err, r, "out of memory");
	}
	hd_buf_put_be16(&s->out, 0xffff); /* trailer: field count -1 */
	if ((r = flush_out(s, err)) != HD_OK) {
		end_copy(s->conn, "hdcopy: sending failed", "COPY", NULL);
		s->state = ST_TXN;
		return r;
	}
	r = end_copy(s->conn, NULL, "the target rejected the loaded rows", err);
	s->state = ST_TXN;
	return r;
}

/* Finish a transaction: COMMIT's tag is "ROLLBACK" when the transaction had already failed. */
static hd_code
commit(PGconn *c, hd_err *err)
{
	PGresult *res = PQexec(c, "COMMIT");
	hd_code r = HD_OK;

	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
		r = res_error(c, res, "could not commit the load", err);
	else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
		r = hd_err_set(err, HD_ERR_TARGET, "could not commit the load: the transaction was rolled back");
	PQclear(res);
	return r;
}

/* One stl_load_commits row's text. */
typedef struct commit_text {
	char fname[FILENAME_MAX_B + 1], fmt[FORMAT_MAX_B + 1], num[7][24];
} commit_text;

/* Insert the stl_load_commits rows inside the load transaction. */
static hd_code
write_commit_rows(pg_sink *s, const hd_load_info *info, const hd_table *t, const hd_load_commit *files, int nfiles,
                  hd_err *err);

static hd_code
pg_load_commit(hd_sink *base, const hd_load_info *info, const hd_table *t, const hd_load_commit *files, int nfiles,
               hd_err *err)
{
	pg_sink *s = (pg_sink *)base;
	hd_code r;

	if (s->state != ST_TXN) {
		pg_abort(base);
		return hd_err_set(err, HD_ERR_INTERNAL, "load_commit without a finished load");
	}
	if ((r = write_commit_rows(s, info, t, files, nfiles, err)) == HD_OK)
		r = commit(s->conn, err);
	if (r) {
		pg_abort(base);
		return r;
	}
	s->state = ST_IDLE;
	unlock_load(s);
	return HD_OK;
}

static hd_code
pg_load_prepare(hd_sink *base, const hd_load_info *info, const hd_table *t, const hd_load_commit *files, int nfiles,
                const char *gid, hd_err *err)
{
	pg_sink *s = (pg_sink *)base;
	PGresult *res;
	hd_buf sql;
	char *lit;
	hd_code r;

	if (s->state != ST_TXN) {
		pg_abort(base);
		return hd_err_set(err, HD_ERR_INTERNAL, "load_prepare without a finished load");
	}
	if ((r = write_commit_rows(s, info, t, files, nfiles, err)) != HD_OK) {
		pg_abort(base);
		return r;
	}
	/* PREPARE TRANSACTION takes a literal, not a parameter. */
	lit = PQescapeLiteral(s->conn, gid, strlen(gid));
	hd_buf_init(&sql, 0);
	if (!lit || hd_buf_append_str(&sql, "PREPARE TRANSACTION ") || hd_buf_append_str(&sql, lit) || hd_buf_cstr(&sql)) {
		PQfreemem(lit);
		hd_buf_free(&sql);
		pg_abort(base);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	PQfreemem(lit);
	res = PQexec(s->conn, sql.data);
	hd_buf_free(&sql);
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
		r = res_error(s->conn, res, "could not prepare the load", err);
	else if (strcmp(PQcmdStatus(res), "PREPARE TRANSACTION") != 0)
		r = hd_err_set(err, HD_ERR_TARGET, "could not prepare the load: the transaction was rolled back");
	PQclear(res);
	if (r) {
		pg_abort(base);
		return r;
	}
	s->state = ST_IDLE; /* the transaction now belongs to the server, not to this session */
	return HD_OK;
}

static bool
pg_can_prepare(hd_sink *base)
{
	pg_sink *s = (pg_sink *)base;
	PGresult *res = PQexec(s->conn, "SELECT pg_catalog.current_setting('max_prepared_transactions')::integer");
	bool ok = res && PQresultStatus(res) == PGRES_TUPLES_OK && num(PQgetvalue(res, 0, 0)) > 0;
	PQclear(res);
	return ok;
}

static hd_code
pg_decide(hd_sink *base, int64_t query, int nslices, hd_err *err)
{
	pg_sink *s = (pg_sink *)base;
	char q[24], n[16];
	const char *param[2] = { q, n };

	snprintf(q, sizeof q, "%lld", (long long)query);
	snprintf(n, sizeof n, "%d", nslices);
	return runp(s->conn, "INSERT INTO hdcopy.load_decisions (query, nslices) VALUES ($1, $2)", 2, param, NULL,
	            "could not record the commit decision", err);
}

static hd_code
finish_gid(PGconn *c, const char *gid, bool commit_it, hd_err *err)
{
	char *lit = PQescapeLiteral(c, gid, strlen(gid));
	hd_buf sql;
	hd_code r;

	hd_buf_init(&sql, 0);
	if (!lit || hd_buf_append_str(&sql, commit_it ? "COMMIT PREPARED " : "ROLLBACK PREPARED ") ||
	    hd_buf_append_str(&sql, lit) || hd_buf_cstr(&sql)) {
		PQfreemem(lit);
		hd_buf_free(&sql);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	PQfreemem(lit);
	r = run(c, sql.data, PGRES_COMMAND_OK, NULL,
	        commit_it ? "could not commit a prepared slice" : "could not roll back a prepared slice", err);
	hd_buf_free(&sql);
	return r;
}

static hd_code
pg_finish_prepared(hd_sink *base, const char *gid, bool commit_it, hd_err *err)
{
	return finish_gid(((pg_sink *)base)->conn, gid, commit_it, err);
}

static hd_code
pg_forget(hd_sink *base, int64_t query, hd_err *err)
{
	pg_sink *s = (pg_sink *)base;
	char q[24];
	const char *param[1] = { q };
	hd_code r;

	snprintf(q, sizeof q, "%lld", (long long)query);
	r = runp(s->conn, "DELETE FROM hdcopy.load_decisions WHERE query = $1", 1, param, NULL,
	         "could not clear the commit decision", err);
	unlock_load(s);
	return r;
}

/*
 * Settle what crashed loads left: for every query with prepared transactions "hdcopy:<query>:<slice>" in this
 * database whose load lock is free (its owner is gone), commit them all if the decision row exists, else roll them
 * all back; then drop the decision.
 */
static hd_code
pg_recover(hd_sink *base, int *committed, int *rolled_back, hd_err *err)
{
	pg_sink *s = (pg_sink *)base;
	PGresult *res = NULL;
	hd_code r;
	int n;

	*committed = *rolled_back = 0;
	if (s->state != ST_IDLE)
		return hd_err_set(err, HD_ERR_INTERNAL, "recover during a load");
	if ((r = run(s->conn,
	             "SELECT gid, pg_catalog.split_part(gid, ':', 2)::bigint AS query"
	             " FROM pg_catalog.pg_prepared_xacts"
	             " WHERE database = pg_catalog.current_database() AND gid ~ '^hdcopy:[0-9]+:[0-9]+$'"
	             " ORDER BY 2, 1",
	             PGRES_TUPLES_OK, &res, "could not list prepared transactions", err)) != HD_OK)
		return r;
	n = PQntuples(res);
	for (int i = 0; i < n && r == HD_OK;) {
		int64_t query = num(PQgetvalue(res, i, 1));
		char q[24], qm[24];
		const char *param[1] = { q }, *pm[1] = { qm };
		PGresult *x = NULL;
		bool free_lock, decided;
		int j;

		for (j = i; j < n && num(PQgetvalue(res, j, 1)) == query; j++)
			;
		snprintf(q, sizeof q, "%lld", (long long)query);
		snprintf(qm, sizeof qm, "%lld", (long long)(query % 2147483647));
		if ((r = runp(s->conn, "SELECT pg_catalog.pg_try_advisory_lock(" LOAD_LOCK ", $1::integer)", 1, pm, &x,
		              "could not check a load's lock", err)) != HD_OK)
			break;
		free_lock = PQgetvalue(x, 0, 0)[0] == 't';
		PQclear(x);
		if (!free_lock) { /* its owner is alive and will settle it */
			i = j;
			continue;
		}
		/* Issue 10: a decision written inside a client's transaction (`hdcopy serve`, hd_session_decision_sql) holds
		 * the decision lock until that transaction ends. Held → the transaction may still commit the row (a COMMIT
		 * in flight when serve died): decide nothing now; the next recovery will. Kept until this load is settled,
		 * so no such transaction can start deciding it meanwhile. */
		if ((r = runp(s->conn, "SELECT pg_catalog.pg_try_advisory_lock(" DECIDE_LOCK ", $1::integer)", 1, pm, &x,
		              "could not check a load's decision lock", err)) != HD_OK) {
			PQclear(PQexecParams(s->conn, "SELECT pg_catalog.pg_advisory_unlock(" LOAD_LOCK ", $1::integer)", 1,
			                     NULL, pm, NULL, NULL, 0));
			break;
		}
		free_lock = PQgetvalue(x, 0, 0)[0] == 't';
		PQclear(x);
		if (!free_lock) {
			PQclear(PQexecParams(s->conn, "SELECT pg_catalog.pg_advisory_unlock(" LOAD_LOCK ", $1::integer)", 1,
			                     NULL, pm, NULL, NULL, 0));
			i = j;
			continue;
		}
		if ((r = ensure_system(s, s->conn, err)) != HD_OK ||
		    (r = runp(s->conn, "SELECT 1 FROM hdcopy.load_decisions WHERE query = $1", 1, param, &x,
		              "could not read a commit decision", err)) != HD_OK) {
			PQclear(PQexecParams(s->conn, "SELECT pg_catalog.pg_advisory_unlock(" LOAD_LOCK ", $1::integer),"
			                              " pg_catalog.pg_advisory_unlock(" DECIDE_LOCK ", $1::integer)",
			                     1, NULL, pm, NULL, NULL, 0));
			break;
		}
		decided = PQntuples(x) > 0;
		PQclear(x);
		for (int k = i; k < j && r == HD_OK; k++) {
			r = finish_gid(s->conn, PQgetvalue(res, k, 0), decided, err);
			if (r == HD_OK)
				(*(decided ? committed : rolled_back))++;
		}
		if (r == HD_OK && decided)
			r = runp(s->conn, "DELETE FROM hdcopy.load_decisions WHERE query = $1", 1, param, NULL,
			         "could not clear a commit decision", err);
		PQclear(PQexecParams(s->conn, "SELECT pg_catalog.pg_advisory_unlock(" LOAD_LOCK ", $1::integer),"
		                              " pg_catalog.pg_advisory_unlock(" DECIDE_LOCK ", $1::integer)",
		                     1, NULL, pm, NULL, NULL, 0));
		i = j;
	}
	PQclear(res);
	return r;
}

static hd_code
write_commit_rows(pg_sink *s, const hd_load_info *info, const hd_table *t, const hd_load_commit *files, int nfiles,
                  hd_err *err)
{
	static const char *const what = "could not record the load";
	char name[NAME_MAX_B + 1], curtime[40];
	commit_text *txt = NULL;
	batch *b = NULL;
	hd_code r = HD_OK;

	if (nfiles > 0) {
		PGresult *now = NULL;
		if (!(b = hd_malloc(sizeof *b)) || !(txt = hd_calloc(BATCH_ROWS, sizeof *txt))) {
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
			goto out;
		}
		b->head = commits_insert;
		b->ncols = 14;
		b->nrows = 0;
		/* curtime in UTC like Redshift's, whatever the session's time zone. */
		if ((r = run(s->conn, "SELECT pg_catalog.to_char(pg_catalog.clock_timestamp() AT TIME ZONE 'UTC',"
		                      " 'YYYY-MM-DD HH24:MI:SS.US')",
		             PGRES_TUPLES_OK, &now, what, err)) != HD_OK)
			goto out;
		snprintf(curtime, sizeof curtime, "%s", PQgetvalue(now, 0, 0));
		PQclear(now);
		hd_sink_utf8_clean(name, NAME_MAX_B, t->qualified, strlen(t->qualified));
		for (int i = 0; i < nfiles && !r; i++) {
			const hd_load_commit *f = &files[i];
			const char *fn = f->filename ? f->filename : "", *ff = f->file_format ? f->file_format : "Text";
			commit_text *x = &txt[b->nrows];
			const char **v = &b->vals[b->nrows * b->ncols];

			hd_sink_utf8_clean(x->fname, FILENAME_MAX_B, fn, strlen(fn));
			hd_sink_utf8_clean(x->fmt, FORMAT_MAX_B, ff, strlen(ff));
			v[0] = num_text(x->num[0], sizeof x->num[0], info->userid);
			v[1] = num_text(x->num[1], sizeof x->num[1], info->query);
			v[2] = num_text(x->num[2], sizeof x->num[2], f->slice);
			v[3] = t->oid ? num_text(x->num[3], sizeof x->num[3], t->oid) : NULL;
			v[4] = name;
			v[5] = x->fname;
			v[6] = "0";
			v[7] = num_text(x->num[4], sizeof x->num[4], f->lines_scanned);
			v[8] = num_text(x->num[5], sizeof x->num[5], f->errors);
			v[9] = curtime;
			v[10] = "1";
			v[11] = x->fmt;
			v[12] = f->is_partial ? "1" : "0";
			v[13] = num_text(x->num[6], sizeof x->num[6], f->start_offset);
			if (++b->nrows == BATCH_ROWS)
				r = batch_send(s->conn, b, what, err);
		}
		if (!r)
			r = batch_send(s->conn, b, what, err);
	}
out:
	free(b);
	free(txt);
	return r;
}

static void
pg_abort(hd_sink *base)
{
	pg_sink *s = (pg_sink *)base;

	if (s->state == ST_COPY)
		end_copy(s->conn, "hdcopy: load aborted", "abort", NULL);
	if (s->state != ST_IDLE && PQstatus(s->conn) == CONNECTION_OK)
		PQclear(PQexec(s->conn, "ROLLBACK"));
	hd_buf_reset(&s->out);
	s->state = ST_IDLE;
	unlock_load(s);
}

/* ---- stl_load_errors ------------------------------------------------------------------------------------------- */

/* One stl_load_errors row's text, each string cleaned and cut to its column's width. */
typedef struct error_text {
	char fname[FILENAME_MAX_B + 1], col[COLNAME_MAX_B + 1], type[TYPE_MAX_B + 1], line[HD_RAW_LINE_MAX + 1],
		field[HD_RAW_FIELD_MAX + 1], reason[HD_ERR_REASON_MAX + 1], len[16], num[10][24];
} error_text;

static hd_code
pg_record_errors(hd_sink *base, const hd_load_info *info, const hd_table *t, const hd_load_error *rows, int n,
                 hd_err *err)
{
	pg_sink *s = (pg_sink *)base;
	static const char *const what = "could not record load errors";
	hd_load_info none = { 0 };
	error_text *txt = NULL;
	batch *b = NULL;
	hd_code r;

	if (n <= 0)
		return HD_OK;
	if (!info)
		info = &none;
	if (!s->econn && (r = open_conn(s, s->target, &s->econn, err)) != HD_OK)
		return hd_err_prefix(err, "%s", what);
	if ((r = ensure_system(s, s->econn, err)) != HD_OK)
		goto out;
	if (!(b = hd_malloc(sizeof *b)) || !(txt = hd_calloc(BATCH_ROWS, sizeof *txt))) {
		r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		goto out;
	}
	b->head = errors_insert;
	b->ncols = 18;
	b->nrows = 0;
	for (int i = 0; i < n && !r; i++) {
		const hd_load_error *e = &rows[i];
		const char *fn = e->filename ? e->filename : "", *cn = e->colname ? e->colname : "",
		           *ty = e->type ? e->type : "", *why = e->err_reason ? e->err_reason : "";
		error_text *x = &txt[b->nrows];
		const char **v = &b->vals[b->nrows * b->ncols];

		hd_sink_utf8_clean(x->fname, FILENAME_MAX_B, fn, strlen(fn));
		hd_sink_utf8_clean(x->col, COLNAME_MAX_B, cn, strlen(cn));
		hd_sink_utf8_clean(x->type, TYPE_MAX_B, ty, strlen(ty));
		hd_sink_utf8_clean(x->line, HD_RAW_LINE_MAX, e->raw_line ? e->raw_line : "",
		                   e->raw_line ? e->raw_line_len : 0);
		hd_sink_utf8_clean(x->field, HD_RAW_FIELD_MAX, e->raw_field ? e->raw_field : "",
		                   e->raw_field ? e->raw_field_len : 0);
		hd_sink_utf8_clean(x->reason, HD_ERR_REASON_MAX, why, strlen(why));
		x->len[0] = '\0';
		if (e->col_length > 0)
			snprintf(x->len, sizeof x->len, "%d", (int)e->col_length);
		v[0] = num_text(x->num[0], sizeof x->num[0], info->userid);
		v[1] = num_text(x->num[1], sizeof x->num[1], e->slice);
		v[2] = t && t->oid ? num_text(x->num[2], sizeof x->num[2], t->oid) : NULL;
		v[3] = info->starttime[0] ? info->starttime : NULL;
		v[4] = num_text(x->num[3], sizeof x->num[3], info->session);
		v[5] = num_text(x->num[4], sizeof x->num[4], info->query);
		v[6] = x->fname;
		v[7] = num_text(x->num[5], sizeof x->num[5], e->line_number);
		v[8] = x->col;
		v[9] = x->type;
		v[10] = x->len;
		v[11] = num_text(x->num[6], sizeof x->num[6], e->position);
		v[12] = x->line;
		v[13] = x->field;
		v[14] = num_text(x->num[7], sizeof x->num[7], e->err_code);
		v[15] = x->reason;
		v[16] = num_text(x->num[8], sizeof x->num[8], e->is_partial);
		v[17] = num_text(x->num[9], sizeof x->num[9], e->start_offset);
		if (++b->nrows == BATCH_ROWS)
			r = batch_send(s->econn, b, what, err);
	}
	if (!r)
		r = batch_send(s->econn, b, what, err);
out:
	free(b);
	free(txt);
	/* A broken error connection is reopened on the next call. */
	if (r && PQstatus(s->econn) != CONNECTION_OK) {
		PQfinish(s->econn);
		s->econn = NULL;
	}
	return r;
}

static hd_code
pg_flush_errors(hd_sink *base, hd_err *err)
{
	(void)base;
	(void)err;
	return HD_OK;
}

static hd_code
pg_analyze(hd_sink *base, const hd_table *t, hd_err *err)
{
	pg_sink *s = (pg_sink *)base;
	hd_buf sql;
	hd_code r;

	hd_buf_init(&sql, HD_MAX_STATEMENT);
	if (hd_buf_append_str(&sql, "ANALYZE ") || hd_buf_append_str(&sql, t->qualified) || hd_buf_cstr(&sql)) {
		hd_buf_free(&sql);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	r = run(s->conn, sql.data, PGRES_COMMAND_OK, NULL, "ANALYZE failed", err);
	hd_buf_free(&sql);
	return r;
}

/* Issue 9: one parametrised statement about hdcopy's own objects (roles, grants, privilege checks), after making sure
 * they exist. Rows go to cb as in exec (header first). */
static hd_code
pg_sys_query(hd_sink *base, const char *sql, int n, const char *const *params, hd_result_cb cb, void *ctx, hd_err *err)
{
	pg_sink *s = (pg_sink *)base;
	PGresult *res = NULL;
	hd_code r;

	if ((r = ensure_system(s, s->conn, err)) != HD_OK)
		return r;
	if ((r = runp(s->conn, sql, n, params, &res, NULL, err)) != HD_OK)
		return r;
	if (cb && PQresultStatus(res) == PGRES_TUPLES_OK) {
		int nf = PQnfields(res), nt = PQntuples(res);
		const char *names[64], *vals[64];
		if (nf > 64)
			nf = 64;
		for (int j = 0; j < nf; j++)
			names[j] = PQfname(res, j);
		if (cb(ctx, nf, names, NULL) == 0)
			for (int i = 0; i < nt; i++) {
				for (int j = 0; j < nf; j++)
					vals[j] = PQgetisnull(res, i, j) ? NULL : PQgetvalue(res, i, j);
				if (cb(ctx, nf, names, vals) != 0)
					break;
			}
	}
	PQclear(res);
	return HD_OK;
}

/* ---- progress (issue 10) --------------------------------------------------------------------------------------- */

/* Register a running load in hdcopy.load_sessions, one row per connection, on the autocommitted error connection
 * (so other sessions see it at once), sweeping rows whose backend is gone (a killed loader) on the way. */
static void
pg_progress_begin(hd_sink *base, const hd_load_info *info, const hd_table *t, const char *source,
                  hd_sink *const *sinks, int n)
{
	pg_sink *s = (pg_sink *)base;
	char q[24], user[24], tbl[24], ns[16], name[NAME_MAX_B + 1], src[FILENAME_MAX_B + 1];
	const char *param[7] = { q, NULL, user, tbl, name, src, ns };
	hd_buf pids;
	hd_err e;

	if (!s->econn && open_conn(s, s->target, &s->econn, &e) != HD_OK)
		return;
	if (!ensure_progress(s, s->econn))
		return;
	hd_buf_init(&pids, 0);
	if (hd_buf_append_str(&pids, "{"))
		goto out;
	for (int i = 0; i < n; i++)
		if (hd_buf_printf(&pids, "%s%d", i ? "," : "", sinks[i] ? PQbackendPID(((pg_sink *)sinks[i])->conn) : 0))
			goto out;
	if (hd_buf_append_str(&pids, "}") || hd_buf_cstr(&pids))
		goto out;
	snprintf(q, sizeof q, "%lld", (long long)info->query);
	snprintf(user, sizeof user, "%lld", (long long)info->userid);
	snprintf(tbl, sizeof tbl, "%lu", (unsigned long)(t ? t->oid : 0));
	snprintf(ns, sizeof ns, "%d", n);
	hd_sink_utf8_clean(name, NAME_MAX_B, t ? t->qualified : "", t ? strlen(t->qualified) : 0);
	hd_sink_utf8_clean(src, FILENAME_MAX_B, source ? source : "", source ? strlen(source) : 0);
	param[1] = pids.data;
	(void)runp(s->econn,
	           "WITH gone AS (DELETE FROM hdcopy.load_sessions l WHERE NOT EXISTS"
	           " (SELECT FROM pg_catalog.pg_stat_activity a WHERE a.pid = l.pid))"
	           " INSERT INTO hdcopy.load_sessions (query, slice, pid, userid, tbl, name, source, nslices)"
	           " SELECT $1, i - 1, ($2::integer[])[i], $3, $4, $5, $6, $7"
	           " FROM pg_catalog.generate_subscripts($2::integer[], 1) i",
	           7, param, NULL, NULL, &e);
out:
	hd_buf_free(&pids);
}

static void
pg_progress_slice_done(hd_sink *base, int64_t query, int slice, hd_sink *ld, int64_t rows)
{
	pg_sink *s = (pg_sink *)base;
	char q[24], sl[16], n[24], b[24];
	const char *param[4] = { q, sl, n, b };
	hd_err e;

	if (!s->econn || !s->progress_ready)
		return;
	snprintf(q, sizeof q, "%lld", (long long)query);
	snprintf(sl, sizeof sl, "%d", slice);
	snprintf(n, sizeof n, "%lld", (long long)rows);
	snprintf(b, sizeof b, "%lld", (long long)((pg_sink *)ld)->sent);
	(void)runp(s->econn, "UPDATE hdcopy.load_sessions SET rows_done = $3, bytes_done = $4 WHERE query = $1"
	                     " AND slice = $2", 4, param, NULL, NULL, &e);
}

static void
pg_progress_end(hd_sink *base, int64_t query)
{
	pg_sink *s = (pg_sink *)base;
	char q[24];
	const char *param[1] = { q };
	hd_err e;

	if (!s->econn || !s->progress_ready)
		return;
	snprintf(q, sizeof q, "%lld", (long long)query);
	(void)runp(s->econn, "DELETE FROM hdcopy.load_sessions WHERE query = $1", 1, param, NULL, NULL, &e);
}

const hd_sink_ops hd_sink_pg = {
	.name = "postgresql",
	.connect = pg_connect,
	.close = pg_close,
	.exec = pg_exec,
	.describe = pg_describe,
	.load_begin = pg_load_begin,
	.load_row = pg_load_row,
	.load_end = pg_load_end,
	.load_commit = pg_load_commit,
	.load_abort = pg_abort,
	.record_errors = pg_record_errors,
	.flush_errors = pg_flush_errors,
	.analyze = pg_analyze,
	.max_writers = 0,
	.can_prepare = pg_can_prepare,
	.load_prepare = pg_load_prepare,
	.decide = pg_decide,
	.finish_prepared = pg_finish_prepared,
	.forget = pg_forget,
	.recover = pg_recover,
	.sys_query = pg_sys_query,
	.interrupt = pg_interrupt,
	.progress_begin = pg_progress_begin,
	.progress_end = pg_progress_end,
	.progress_slice_done = pg_progress_slice_done,
};
