/*
 * role.c — roles and ASSUMEROLE grants kept in the target database (issue 9), through the sink's sys_query call
 * (PostgreSQL; the catalog, its functions and who may change what are in sink/pg.c's system_ddl):
 *
 *   hd_access_authorize()   before a COPY reads anything: INSERT privilege on the table (and listed columns), the
 *                           role, ASSUMEROLE on it for COPY, the source inside its policy (policy.c)
 *   hd_access_grant_exec()  GRANT / REVOKE ASSUMEROLE (parsed by copy/grant.c) → hdcopy.iam_role_grant()
 *   hd_access_role_create / _drop / _list   `hdcopy role …`
 *
 * Every value travels as a parameter (text[] parameters are array literals built here with every element quoted);
 * identifiers never reach SQL text. Secrets never reach the database: `role create --keytab/--token-file` copies the
 * file into $HDCOPY_HOME/secrets/<name>.keytab|.token (0600, O_EXCL on a temporary name, then rename) and the
 * database row only says which kind of HDFS authentication the role uses.
 */
#include "access/access.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "copy/copy.h"
#include "sink/sink.h"
#include "common/sys.h"

/* ---- small result collectors ----------------------------------------------------------------------------------- */

#define ROWS_MAX 4096

typedef struct rows {
	int ncols, n;
	char **v; /* n × ncols, NULL = SQL NULL */
	bool oom;
} rows;

static int
collect(void *ctx, int ncols, const char *const *names, const char *const *values)
{
	rows *R = ctx;
	char **nv;
	(void)names;
	if (!values) {
		R->ncols = ncols;
		return 0;
	}
	if (R->n >= ROWS_MAX)
		return 1;
	if (!(nv = hd_realloc(R->v, (size_t)(R->n + 1) * (size_t)ncols * sizeof *nv))) {
		R->oom = true;
		return 1;
	}
	R->v = nv;
	for (int j = 0; j < ncols; j++) {
		nv[R->n * ncols + j] = values[j] ? hd_strdup(values[j]) : NULL;
		if (values[j] && !nv[R->n * ncols + j])
			R->oom = true;
	}
	R->n++;
	return 0;
}

static void
rows_free(rows *R)
{
	for (int i = 0; i < R->n * R->ncols; i++)
		free(R->v[i]);
	free(R->v);
	memset(R, 0, sizeof *R);
}

static const char *
cell(const rows *R, int i, int j)
{
	return i < R->n && j < R->ncols ? R->v[i * R->ncols + j] : NULL;
}

static hd_code
query(const hd_sink_ops *ops, hd_sink *sink, const char *sql, int n, const char *const *params, rows *R, hd_err *err)
{
	hd_code r;
	if (R)
		memset(R, 0, sizeof *R);
	r = ops->sys_query(sink, sql, n, params, R ? collect : NULL, R, err);
	if (r == HD_OK && R && R->oom) {
		rows_free(R);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	return r;
}

/* A PostgreSQL text[] literal of v: {"a","b\"c"} (every element quoted, '"' and '\' escaped). */
static hd_code
array_literal(hd_buf *b, const char *const *v, int n)
{
	hd_code r = hd_buf_append_str(b, "{");
	for (int i = 0; i < n && r == HD_OK; i++) {
		if (i)
			r = hd_buf_append_str(b, ",");
		if (r == HD_OK)
			r = hd_buf_append_str(b, "\"");
		for (const char *q = v[i]; *q && r == HD_OK; q++) {
			if (*q == '"' || *q == '\\')
				r = hd_buf_append(b, "\\", 1);
			if (r == HD_OK)
				r = hd_buf_append(b, q, 1);
		}
		if (r == HD_OK)
			r = hd_buf_append_str(b, "\"");
	}
	if (r == HD_OK)
		r = hd_buf_append_str(b, "}");
	if (r == HD_OK)
		r = hd_buf_cstr(b);
	return r;
}

static hd_code
no_catalog(const hd_sink_ops *ops, hd_err *err)
{
	return hd_err_set(err, HD_ERR_UNSUPPORTED,
	                  "roles and ASSUMEROLE grants live in a PostgreSQL target's hdcopy schema; the %s target has none "
	                  "(docs/setup.md)",
	                  ops->name);
}

/* ---- authorization of one COPY --------------------------------------------------------------------------------- */

static const char *
kind_name(hd_src_kind k)
{
	switch (k) {
	case HD_SRC_LOCAL: return "local files";
	case HD_SRC_EMR: return "emr://";
	case HD_SRC_HDFS: return "hdfs://";
	case HD_SRC_SSH: return "SSH hosts";
	}
	return "?";
}

/* INSERT on the table, or on every column the load fills. A missing table is left to the load's own message. */
static hd_code
check_insert(const hd_sink_ops *ops, hd_sink *sink, const hd_copy_spec *spec, hd_err *err)
{
	static const char sql[] =
		"SELECT current_user, c.oid IS NULL, c.oid IS NULL OR pg_catalog.has_table_privilege(c.oid, 'INSERT'),"
		" (SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0"
		"   AND NOT a.attisdropped AND a.attgenerated = ''"
		"   AND (cardinality($2::text[]) = 0 OR a.attname = ANY ($2::text[]))"
		"   AND NOT pg_catalog.has_column_privilege(c.oid, a.attnum, 'INSERT') ORDER BY a.attnum LIMIT 1),"
		" pg_catalog.quote_ident(current_user)"
		" FROM (SELECT pg_catalog.to_regclass($1) AS oid) c";
	char name[600];
	const char *params[2];
	hd_buf cols;
	rows R;
	hd_code r;

	hd_copy_spec_table_name(spec, name, sizeof name);
	hd_buf_init(&cols, 1u << 20);
	if ((r = array_literal(&cols, (const char *const *)spec->columns, spec->ncolumns)) != HD_OK) {
		hd_buf_free(&cols);
		return hd_err_set(err, r, "out of memory");
	}
	params[0] = name;
	params[1] = cols.data;
	r = query(ops, sink, sql, 2, params, &R, err);
	hd_buf_free(&cols);
	if (r != HD_OK)
		return r;
	if (R.n == 1 && strcmp(cell(&R, 0, 1), "f") == 0 && strcmp(cell(&R, 0, 2), "f") == 0 && cell(&R, 0, 3)) {
		r = hd_err_set(err, HD_ERR_PRIVILEGE,
		               "permission denied: user \"%s\" may not INSERT into %s (column \"%s\"), so the COPY was refused "
		               "before reading anything; the table's owner can run: GRANT INSERT ON %s TO %s",
		               cell(&R, 0, 0), name, cell(&R, 0, 3), name, cell(&R, 0, 4));
	}
	rows_free(&R);
	return r;
}

/* Read the role's policy lists (unnest keeps every element whole, commas and quotes included). */
static hd_code
load_lists(const hd_sink_ops *ops, hd_sink *sink, hd_access_role *role, hd_err *err)
{
	static const char sql[] =
		"SELECT 'c', x FROM hdcopy.iam_roles, unnest(clusters) x WHERE name = $1"
		" UNION ALL SELECT 'p', x FROM hdcopy.iam_roles, unnest(paths) x WHERE name = $1"
		" UNION ALL SELECT 'h', x FROM hdcopy.iam_roles, unnest(hosts) x WHERE name = $1";
	const char *params[1] = { role->name };
	rows R;
	hd_code r;

	if ((r = query(ops, sink, sql, 1, params, &R, err)) != HD_OK)
		return r;
	for (int i = 0; i < R.n; i++) {
		const char *k = cell(&R, i, 0), *v = cell(&R, i, 1);
		char ***vec = k[0] == 'c' ? &role->clusters : k[0] == 'p' ? &role->paths : &role->hosts;
		int *n = k[0] == 'c' ? &role->nclusters : k[0] == 'p' ? &role->npaths : &role->nhosts;
		char **nv;
		if (!v)
			continue;
		if (!(nv = hd_realloc(*vec, (size_t)(*n + 1) * sizeof *nv)) || !(nv[*n] = hd_strdup(v))) {
			if (nv)
				*vec = nv;
			rows_free(&R);
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		}
		*vec = nv;
		(*n)++;
	}
	rows_free(&R);
	return HD_OK;
}

/* The role's local half: profiles/<name> when it exists (key, timeouts), else the defaults; secret file paths. */
static hd_code
load_local(hd_access_role *role, hd_err *err)
{
	char path[PATH_MAX + 80], home[PATH_MAX];
	hd_code r;

	if ((r = hd_access_home(home, sizeof home, err)) != HD_OK)
		return r;
	snprintf(path, sizeof path, "%s/profiles/%s", home, role->name);
	if (access(path, F_OK) == 0)
		r = hd_access_profile_load(role->name, &role->prof, err);
	else
		r = hd_access_profile_parse("", 0, home, role->name, &role->prof, err);
	if (r != HD_OK)
		return r;
	if ((size_t)snprintf(role->keytab, sizeof role->keytab, "%s/secrets/%s.keytab", home, role->name) >=
	        sizeof role->keytab ||
	    (size_t)snprintf(role->token_file, sizeof role->token_file, "%s/secrets/%s.token", home, role->name) >=
	        sizeof role->token_file)
		return hd_err_set(err, HD_ERR_LIMIT, "HDCOPY_HOME is too long");
	return HD_OK;
}

static hd_code
check_policy(const hd_access_role *role, const hd_copy_spec *spec, hd_err *err)
{
	char what[1200];
	snprintf(what, sizeof what, "'%s'", spec->source);
	/* With SSH the FROM is the manifest's location: its path is checked here, its hosts when ssh.c reads it. */
	return hd_access_policy_source(role, spec->ssh ? (int)spec->manifest_kind : (int)spec->src_kind,
	                               spec->src_authority, spec->src_path, what, err);
}

/* Through `hdcopy serve` the statement comes from a database user, not from the OS user who runs hdcopy, so a file
 * on the loader's host is PostgreSQL's rule for a server-side COPY FROM 'file': superuser or pg_read_server_files. */
static hd_code
check_server_files(const hd_sink_ops *ops, hd_sink *sink, const hd_copy_spec *spec, hd_err *err)
{
	static const char sql[] =
		"SELECT r.rolsuper OR pg_catalog.pg_has_role(current_user, 'pg_read_server_files', 'MEMBER'), current_user,"
		" pg_catalog.quote_ident(current_user) FROM pg_catalog.pg_roles r WHERE r.rolname = current_user";
	rows R;
	hd_code r;

	if ((r = query(ops, sink, sql, 0, NULL, &R, err)) != HD_OK)
		return r;
	if (R.n != 1 || strcmp(cell(&R, 0, 0), "t") != 0)
		r = hd_err_set(err, HD_ERR_PRIVILEGE,
		               "user \"%s\" may not read files on the loader's host: COPY from '%s' without a role needs "
		               "superuser or membership in pg_read_server_files, as PostgreSQL's COPY FROM a file does; grant "
		               "it (GRANT pg_read_server_files TO %s) or name a role whose policy covers the path (IAM_ROLE)",
		               R.n == 1 ? cell(&R, 0, 1) : "?", spec->source, R.n == 1 ? cell(&R, 0, 2) : "the user");
	rows_free(&R);
	return r;
}

hd_code
hd_access_authorize(const hd_sink_ops *ops, hd_sink *sink, const hd_copy_spec *spec, bool client_session,
                    hd_access_role **out, hd_err *err)
{
	static const char sql_catalog[] =
		"SELECT (SELECT count(*) FROM hdcopy.iam_roles), (SELECT name FROM hdcopy.iam_roles WHERE is_default)";
	static const char sql_role[] =
		"SELECT owner, ssh_user, hdfs_user, hdfs_auth, principal,"
		" hdcopy.has_assumerole_privilege(current_user, name, 'copy'), current_user,"
		" pg_catalog.quote_ident(current_user) FROM hdcopy.iam_roles WHERE name = $1";
	const bool remote = spec->src_kind != HD_SRC_LOCAL;
	const char *name = NULL;
	const char *params[1];
	hd_access_role *role = NULL;
	char wanted[HD_ACCESS_NAME_MAX + 1];
	rows R;
	hd_code r;

	*out = NULL;
	if (!ops->sys_query)
		return HD_OK; /* SQLite: no catalog; profiles as before (docs/setup.md) */
	if ((r = check_insert(ops, sink, spec, err)) != HD_OK)
		return r;
	if (spec->auth == HD_AUTH_NONE && !remote) /* a local load without an authorization clause needs no role */
		return client_session ? check_server_files(ops, sink, spec, err) : HD_OK; /* (the one-command demo) */

	if ((r = query(ops, sink, sql_catalog, 0, NULL, &R, err)) != HD_OK)
		return r;
	if (strcmp(cell(&R, 0, 0), "0") == 0 && spec->auth == HD_AUTH_NONE && !client_session) {
		/* No role defined yet and none named: the invoking OS user's own identity (environment, default profile) —
		 * credentials they hold anyway. A named role, or a statement from a database session, needs a real role. */
		rows_free(&R);
		return HD_OK;
	}
	if (spec->auth == HD_AUTH_NONE || spec->iam_role_default) {
		if (!cell(&R, 0, 1)) {
			rows_free(&R);
			return hd_err_set(err, HD_ERR_PRIVILEGE,
			                  "COPY from %s needs a role: name one with IAM_ROLE 'NAME' (hdcopy role list), or mark "
			                  "one as the default (hdcopy role create NAME --default …)",
			                  kind_name(spec->ssh ? HD_SRC_SSH : spec->src_kind));
		}
		snprintf(wanted, sizeof wanted, "%s", cell(&R, 0, 1));
	} else {
		snprintf(wanted, sizeof wanted, "%s", hd_access_profile_name(spec->role_name, spec->access_key_id));
		if (strlen(hd_access_profile_name(spec->role_name, spec->access_key_id)) > HD_ACCESS_NAME_MAX)
			wanted[0] = '\0';
	}
	rows_free(&R);
	name = wanted;
	if (!hd_access_valid_name(name))
		return hd_err_set(err, HD_ERR_PRIVILEGE,
		                  "the statement's role is not a valid role name (1-64 of letters, digits and +=,.@_-)");

	params[0] = name;
	if ((r = query(ops, sink, sql_role, 1, params, &R, err)) != HD_OK)
		return r;
	if (R.n == 0) {
		rows_free(&R);
		return hd_err_set(err, HD_ERR_PRIVILEGE, "role '%s' does not exist (hdcopy role list; hdcopy role create %s …)",
		                  name, name);
	}
	if (strcmp(cell(&R, 0, 5), "t") != 0) {
		r = hd_err_set(err, HD_ERR_PRIVILEGE,
		               "user \"%s\" may not assume role '%s' for COPY, so the COPY was refused before reading "
		               "anything; the role's owner or a superuser can run: GRANT ASSUMEROLE ON '%s' TO %s FOR COPY",
		               cell(&R, 0, 6), name, name, cell(&R, 0, 7));
		rows_free(&R);
		return r;
	}
	if (!(role = hd_calloc(1, sizeof *role))) {
		rows_free(&R);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	snprintf(role->name, sizeof role->name, "%s", name);
	if ((r = load_local(role, err)) != HD_OK)
		goto fail;
	if (cell(&R, 0, 1) && cell(&R, 0, 1)[0])
		snprintf(role->prof.user, sizeof role->prof.user, "%s", cell(&R, 0, 1));
	snprintf(role->hdfs_user, sizeof role->hdfs_user, "%s", cell(&R, 0, 2) ? cell(&R, 0, 2) : "");
	snprintf(role->hdfs_auth, sizeof role->hdfs_auth, "%s", cell(&R, 0, 3) ? cell(&R, 0, 3) : "simple");
	snprintf(role->principal, sizeof role->principal, "%s", cell(&R, 0, 4) ? cell(&R, 0, 4) : "");
	rows_free(&R);
	if ((r = load_lists(ops, sink, role, err)) != HD_OK || (r = check_policy(role, spec, err)) != HD_OK)
		goto fail;
	*out = role;
	return HD_OK;
fail:
	rows_free(&R);
	hd_access_role_free(role);
	return r;
}

/* ---- GRANT / REVOKE ASSUMEROLE --------------------------------------------------------------------------------- */

hd_code
hd_access_grant_exec(const hd_sink_ops *ops, hd_sink *sink, const hd_grant *g, hd_err *err)
{
	static const char sql[] = "SELECT hdcopy.iam_role_grant($1::boolean, $2::text[], $3::text[], $4::text[], $5)";
	const char **names = NULL, **types = NULL;
	char (*tbuf)[2] = NULL;
	hd_buf roles, gnames, gtypes;
	const char *params[5];
	hd_code r = HD_OK;

	if (!ops->sys_query)
		return no_catalog(ops, err);
	for (int i = 0; i < g->nroles; i++)
		if (!hd_access_valid_name(g->roles[i]))
			return hd_err_set(err, HD_ERR_SYNTAX, "'%s' is not a valid role name (1-64 of letters, digits and "
			                  "+=,.@_-, not starting with '.')", g->roles[i]);
	hd_buf_init(&roles, 1u << 20);
	hd_buf_init(&gnames, 1u << 20);
	hd_buf_init(&gtypes, 1u << 20);
	names = hd_calloc((size_t)g->ngrantees + 1, sizeof *names);
	types = hd_calloc((size_t)g->ngrantees + 1, sizeof *types);
	tbuf = hd_calloc((size_t)g->ngrantees + 1, sizeof *tbuf);
	if (!names || !types || !tbuf) {
		r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < g->ngrantees; i++) {
		names[i] = g->grantees[i].name ? g->grantees[i].name : "";
		tbuf[i][0] = g->grantees[i].type;
		types[i] = tbuf[i];
	}
	if (array_literal(&roles, (const char *const *)g->roles, g->nroles) ||
	    array_literal(&gnames, names, g->ngrantees) || array_literal(&gtypes, types, g->ngrantees)) {
		r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		goto out;
	}
	params[0] = g->revoke ? "true" : "false";
	params[1] = g->all_roles ? NULL : roles.data;
	params[2] = gnames.data;
	params[3] = gtypes.data;
	params[4] = g->for_all ? "all" : "copy";
	r = query(ops, sink, sql, 5, params, NULL, err);
out:
	free(names);
	free(types);
	free(tbuf);
	hd_buf_free(&roles);
	hd_buf_free(&gnames);
	hd_buf_free(&gtypes);
	return r;
}

/* ---- hdcopy role create | drop | list | show ------------------------------------------------------------------- */

/* Copy a secret file into $HDCOPY_HOME/secrets/<name>.<ext>, 0600, never visible half-written or wider. */
static hd_code
store_secret(const char *src, const char *name, const char *ext, hd_err *err)
{
	char home[PATH_MAX], dir[PATH_MAX + 16], dst[PATH_MAX + 160], tmp[PATH_MAX + 200];
	char buf[8192];
	int in = -1, outfd = -1;
	ssize_t got;
	hd_code r = HD_OK;
	struct stat st;

	if ((r = hd_access_home(home, sizeof home, err)) != HD_OK)
		return r;
	if (mkdir(home, 0700) != 0 && errno != EEXIST)
		return hd_err_set(err, HD_ERR_IO, "cannot create %s: %s", home, strerror(errno));
	snprintf(dir, sizeof dir, "%s/secrets", home);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return hd_err_set(err, HD_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_mode & 077) || st.st_uid != geteuid())
		return hd_err_set(err, HD_ERR_IO, "%s must be a directory of this user with mode 0700", dir);
	snprintf(dst, sizeof dst, "%s/%s.%s", dir, name, ext);
	snprintf(tmp, sizeof tmp, "%s/.%s.%s.%ld", dir, name, ext, (long)getpid());
	if ((in = hd_sys_open(src, O_RDONLY | O_CLOEXEC, 0)) < 0)
		return hd_err_set(err, HD_ERR_IO, "cannot read '%s': %s", src, strerror(errno));
	if ((outfd = hd_sys_open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		r = hd_err_set(err, HD_ERR_IO, "cannot create '%s': %s", tmp, strerror(errno));
		goto out;
	}
	while ((got = hd_sys.read(in, buf, sizeof buf)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 || hd_sys_write_all(outfd, buf, (size_t)got) != 0) {
			r = hd_err_set(err, HD_ERR_IO, "cannot copy '%s' into %s: %s", src, dir, strerror(errno));
			goto out;
		}
	}
	if (fsync(outfd) != 0 || rename(tmp, dst) != 0)
		r = hd_err_set(err, HD_ERR_IO, "cannot store the secret in %s: %s", dst, strerror(errno));
out:
	explicit_bzero(buf, sizeof buf);
	if (in >= 0)
		hd_sys_close(in);
	if (outfd >= 0)
		hd_sys_close(outfd);
	if (r != HD_OK)
		unlink(tmp);
	return r;
}

hd_code
hd_access_role_create(const hd_sink_ops *ops, hd_sink *sink, const hd_role_def *d, hd_err *err)
{
	static const char sql[] = "SELECT hdcopy.iam_role_create($1, $2::boolean, $3::text[], $4::text[], $5::text[], $6,"
	                          " $7, $8, $9, $10::boolean)";
	hd_buf c, p, h;
	const char *params[10];
	const char *auth = d->keytab_file ? "kerberos" : d->token_file ? "token" : "simple";
	hd_code r;

	if (!ops->sys_query)
		return no_catalog(ops, err);
	if (!d->name || !hd_access_valid_name(d->name))
		return hd_err_set(err, HD_ERR_USAGE, "a role name is 1-64 of letters, digits and +=,.@_-, not starting with '.'");
	if (d->keytab_file && d->token_file)
		return hd_err_set(err, HD_ERR_USAGE, "a role authenticates to HDFS with a keytab or a token file, not both");
	if (!!d->keytab_file != !!d->principal)
		return hd_err_set(err, HD_ERR_USAGE, "--keytab and --principal go together");
	for (int i = 0; i < d->nclusters; i++)
		if (!d->clusters[i][0])
			return hd_err_set(err, HD_ERR_USAGE, "an empty --cluster");
	for (int i = 0; i < d->npaths; i++)
		if (d->paths[i][0] != '/')
			return hd_err_set(err, HD_ERR_USAGE, "--path '%s': a path glob starts with '/'", d->paths[i]);
	hd_buf_init(&c, 1u << 20);
	hd_buf_init(&p, 1u << 20);
	hd_buf_init(&h, 1u << 20);
	if (array_literal(&c, d->clusters, d->nclusters) || array_literal(&p, d->paths, d->npaths) ||
	    array_literal(&h, d->hosts, d->nhosts)) {
		r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		goto out;
	}
	params[0] = d->name;
	params[1] = d->is_default ? "true" : "false";
	params[2] = c.data;
	params[3] = p.data;
	params[4] = h.data;
	params[5] = d->ssh_user && *d->ssh_user ? d->ssh_user : NULL;
	params[6] = d->hdfs_user && *d->hdfs_user ? d->hdfs_user : NULL;
	params[7] = auth;
	params[8] = d->principal;
	params[9] = d->replace ? "true" : "false";
	/* Secrets first (local, reversible), then the catalog row: a role never points at a secret that is missing. */
	if (d->keytab_file && (r = store_secret(d->keytab_file, d->name, "keytab", err)) != HD_OK)
		goto out;
	if (d->token_file && (r = store_secret(d->token_file, d->name, "token", err)) != HD_OK)
		goto out;
	r = query(ops, sink, sql, 10, params, NULL, err);
out:
	hd_buf_free(&c);
	hd_buf_free(&p);
	hd_buf_free(&h);
	return r;
}

hd_code
hd_access_role_drop(const hd_sink_ops *ops, hd_sink *sink, const char *name, hd_err *err)
{
	const char *params[1] = { name };
	char home[PATH_MAX], path[PATH_MAX + 160];
	hd_code r;

	if (!ops->sys_query)
		return no_catalog(ops, err);
	if (!hd_access_valid_name(name))
		return hd_err_set(err, HD_ERR_USAGE, "'%s' is not a valid role name", name);
	if ((r = query(ops, sink, "SELECT hdcopy.iam_role_drop($1)", 1, params, NULL, err)) != HD_OK)
		return r;
	if (hd_access_home(home, sizeof home, err) == HD_OK) {
		snprintf(path, sizeof path, "%s/secrets/%s.keytab", home, name);
		unlink(path);
		snprintf(path, sizeof path, "%s/secrets/%s.token", home, name);
		unlink(path);
	}
	return HD_OK;
}

hd_code
hd_access_role_list(const hd_sink_ops *ops, hd_sink *sink, const char *name, hd_rows_fn cb, void *ctx, hd_err *err)
{
	static const char sql[] =
		"SELECT r.name AS role, 'arn:aws:iam::000000000000:role/' || r.name AS arn, r.owner,"
		" r.is_default AS \"default\", array_to_string(r.clusters, ', ') AS clusters,"
		" array_to_string(r.paths, ', ') AS paths, array_to_string(r.hosts, ', ') AS hosts, r.ssh_user, r.hdfs_user,"
		" r.hdfs_auth, r.principal,"
		" (SELECT string_agg(g.grantee || ' (' || g.grantee_type || ', ' || g.cmd_type || ')', ', ')"
		"    FROM hdcopy.pg_get_grantee_by_iam_role(r.name) g) AS grantees"
		" FROM hdcopy.iam_roles r WHERE $1::text IS NULL OR r.name = $1 ORDER BY r.name";
	const char *params[1] = { name };
	rows R;
	hd_code r;

	if (!ops->sys_query)
		return no_catalog(ops, err);
	if ((r = query(ops, sink, sql, 1, params, &R, err)) != HD_OK)
		return r;
	if (name && R.n == 0) {
		rows_free(&R);
		return hd_err_set(err, HD_ERR_USAGE, "role '%s' does not exist (hdcopy role list)", name);
	}
	if (cb) {
		static const char *const names[] = { "role", "arn", "owner", "default", "clusters", "paths", "hosts",
		                                     "ssh_user", "hdfs_user", "hdfs_auth", "principal", "grantees" };
		int nc = R.ncols < 12 ? R.ncols : 12;
		if (cb(ctx, nc, names, NULL) == 0)
			for (int i = 0; i < R.n; i++)
				if (cb(ctx, nc, names, (const char *const *)&R.v[i * R.ncols]) != 0)
					break;
	}
	rows_free(&R);
	return HD_OK;
}
