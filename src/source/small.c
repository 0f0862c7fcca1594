/*
 * small.c — hd_source_read_small() (source.h): one small file read whole (a jsonpaths file, an SSH manifest) from a
 * local path, file://, hdfs:// or emr:// location, through the same source ops that read a COPY's data, so a file on
 * HDFS is found, authenticated and refused exactly as data would be (issue 7).
 */
#include "source/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "access/access.h"
#include "common/sys.h"

#define CHUNK 65536

/* The path part of a unit's name: the name itself for local files, what follows scheme://authority otherwise. */
static const char *
unit_path(const hd_copy_spec *loc, const char *name)
{
	const char *p = loc->src_kind == HD_SRC_LOCAL ? NULL : strstr(name, "://");
	return p ? strchr(p + 3, '/') : name;
}

/* Fill loc from the location: the fields the sources look at (src_kind, src_path, src_authority, source). *auth is
 * set to a malloc'd authority when there is one. */
static hd_code
locate(const char *location, const hd_copy_spec *stmt, hd_copy_spec *loc, char **auth, const char *what, hd_err *err)
{
	const char *sep = strstr(location, "://");

	memset(loc, 0, sizeof *loc);
	*auth = NULL;
	loc->source = (char *)location;
	if (stmt) { /* the statement's authorization selects the credential profile (emr:// over SSH) */
		loc->role_name = stmt->role_name;
		loc->access_key_id = stmt->access_key_id;
		loc->iam_role = stmt->iam_role;
		loc->iam_role_default = stmt->iam_role_default;
		loc->auth = stmt->auth;
		loc->role = stmt->role; /* issue 9: the authorized role's identity reads these files too */
	}
	if (!sep) {
		loc->src_kind = HD_SRC_LOCAL;
		loc->src_path = (char *)location;
		return HD_OK;
	}
	if (sep - location == 4 && strncmp(location, "file", 4) == 0) {
		loc->src_kind = HD_SRC_LOCAL;
		loc->src_path = (char *)location + 7;
		return HD_OK;
	}
	if (sep - location == 4 && strncmp(location, "hdfs", 4) == 0)
		loc->src_kind = HD_SRC_HDFS;
	else if (sep - location == 3 && strncmp(location, "emr", 3) == 0)
		loc->src_kind = HD_SRC_EMR;
	else
		return hd_err_set(err, HD_ERR_UNSUPPORTED,
		                  "%s '%s': only local paths, file://, hdfs:// and emr:// locations are supported", what,
		                  location);
	{
		const char *a = sep + 3, *slash = strchr(a, '/');
		if (!slash || !slash[1] || (loc->src_kind == HD_SRC_EMR && slash == a))
			return hd_err_set(err, HD_ERR_SYNTAX, "%s '%s': expected %s", what, location,
			                  loc->src_kind == HD_SRC_EMR ? "emr://cluster-id/path" : "hdfs://namenode[:port]/path");
		if (!(*auth = hd_strndup(a, (size_t)(slash - a))))
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		loc->src_authority = *auth;
		loc->src_path = (char *)slash;
	}
	return HD_OK;
}

hd_code
hd_source_read_small(const char *location, const hd_copy_spec *stmt, size_t cap, const char *what, hd_buf *out,
                     hd_err *err)
{
	hd_copy_spec loc;
	const hd_source_ops *src;
	hd_units units = { 0 };
	hd_stream *in = NULL;
	char *auth = NULL;
	const hd_unit *u = NULL;
	hd_code r;

	hd_buf_init(out, 0);
	if ((r = locate(location, stmt, &loc, &auth, what, err)) != HD_OK)
		return r;
	if (loc.role) { /* issue 9: the role's policy covers these files as it covers data: checked before any I/O */
		char quoted[1200];
		snprintf(quoted, sizeof quoted, "%s '%s'", what, location);
		if ((r = hd_access_policy_source(loc.role, (int)loc.src_kind, loc.src_authority, loc.src_path, quoted,
		                                 err)) != HD_OK)
			goto out;
	}
	if (!(src = hd_source_for(&loc, err))) {
		r = err->code ? err->code : HD_ERR_UNSUPPORTED;
		goto out;
	}
	if ((r = src->list(&loc, &units, err)) != HD_OK) {
		hd_err_prefix(err, "%s", what);
		goto out;
	}
	/* exactly the named file: a wildcard or the prefix rule may have listed others */
	for (int i = 0; i < units.n && !u; i++) {
		const char *p = unit_path(&loc, units.v[i].name);
		if (p && strcmp(p, loc.src_path) == 0)
			u = &units.v[i];
	}
	if (!u) {
		r = hd_err_set(err, HD_ERR_NOTFOUND, "%s '%s' not found", what, location);
		goto out;
	}
	if (loc.role && (r = hd_access_policy_unit(loc.role, (int)loc.src_kind, u->name, err)) != HD_OK)
		goto out;
	r = src->open(&loc, u, &in, err);
	while (r == HD_OK) {
		ssize_t got;
		if ((r = hd_buf_reserve(out, CHUNK)) != HD_OK) {
			hd_err_set(err, r, "out of memory");
			break;
		}
		got = hd_stream_read(in, out->data + out->len, CHUNK, err);
		if (got < 0) {
			r = err->code ? err->code : HD_ERR_IO;
			hd_err_prefix(err, "%s '%s'", what, location);
		} else if (got == 0) {
			break;
		} else if ((out->len += (size_t)got) > cap) {
			r = hd_err_set(err, HD_ERR_LIMIT, "%s '%s' is larger than %zu bytes", what, location, cap);
		}
	}
	if (in)
		hd_stream_close(in);
	if (r == HD_OK && (r = hd_buf_cstr(out)) != HD_OK)
		hd_err_set(err, r, "out of memory");
out:
	hd_units_free(&units);
	free(auth);
	if (r != HD_OK)
		hd_buf_free(out);
	return r;
}
