/*
 * api.c — the public API of include/hdcopy.h: a session is one target connection plus the run's options;
 * hd_session_exec() runs a Redshift COPY itself and passes every other statement through to the target.
 */
#include "hdcopy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access/access.h"
#include "common/err.h"
#include "copy/copy.h"
#include "load/load.h"
#include "sink/sink.h"
#include "common/sys.h"

struct hd_session {
	char *target;
	const hd_sink_ops *sops;
	hd_sink *sink;
	hd_options opt;
	int64_t pending_query;   /* issue 10: a prepare-only load awaiting hd_session_settle(), 0 = none */
	int pending_slices;
	hd_load_ctl ctl;         /* issue 10: hd_session_cancel() from another thread (load/load.h) */
};

const char *
hd_version(void)
{
	return HD_VERSION;
}

hd_code
hd_session_recover(hd_session *s, int *committed, int *rolled_back, hd_err *err)
{
	*committed = *rolled_back = 0;
	if (!s->sops->recover)
		return HD_OK; /* a target without prepared transactions has nothing to settle */
	return s->sops->recover(s->sink, committed, rolled_back, err);
}

void
hd_result_clear(hd_result *r)
{
	for (int i = 0; i < r->nfiles; i++)
		free(r->files[i].name);
	free(r->files);
	for (int i = 0; i < r->nwarnings; i++) /* SSH sources: skipped units */
		free(r->warnings[i]);
	free(r->warnings);
	memset(r, 0, sizeof *r);
}

hd_code
hd_session_open(const char *target, const hd_options *opt, hd_session **out, hd_err *err)
{
	hd_session *s;
	hd_code r;

	*out = NULL;
	s = hd_calloc(1, sizeof *s);
	if (!s)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	if (opt)
		s->opt = *opt;
	if (s->opt.slices <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		s->opt.slices = n > 0 ? (int)n : 1;
	}
	pthread_mutex_init(&s->ctl.mu, NULL);
	s->target = hd_strdup(target);
	if (!s->target) {
		pthread_mutex_destroy(&s->ctl.mu);
		free(s);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	s->sops = hd_sink_for(target, err);
	if (!s->sops) {
		r = err->code ? err->code : HD_ERR_USAGE;
		goto fail;
	}
	if ((r = s->sops->connect(target, &s->sink, err)) != HD_OK)
		goto fail;
	*out = s;
	return HD_OK;
fail:
	pthread_mutex_destroy(&s->ctl.mu);
	free(s->target);
	free(s);
	return r;
}

void
hd_session_close(hd_session *s)
{
	if (!s)
		return;
	if (s->sink)
		s->sops->close(s->sink);
	/* The target string may hold a password: wipe it before freeing. */
	explicit_bzero(s->target, strlen(s->target));
	free(s->target);
	pthread_mutex_destroy(&s->ctl.mu);
	free(s);
}

void
hd_session_cancel(hd_session *s)
{
	if (s)
		hd_load_ctl_cancel(&s->ctl);
}

/* A statement has ended: a cancel that came during it is used up (PostgreSQL's rule: a cancel applies to the
 * statement running when it arrives; here also to the next one when none runs, so a cancel that races with the
 * start of a statement is not lost). */
static hd_code
statement_end(hd_session *s, hd_code r)
{
	atomic_store(&s->ctl.canceled, 0);
	return r;
}

static hd_code session_exec(hd_session *s, const char *sql, size_t len, hd_result *res, hd_err *err);

hd_code
hd_session_exec(hd_session *s, const char *sql, size_t len, hd_result *res, hd_err *err)
{
	return statement_end(s, session_exec(s, sql, len, res, err));
}

static hd_code
session_exec(hd_session *s, const char *sql, size_t len, hd_result *res, hd_err *err)
{
	hd_stmt st = { sql, len, 0, 1 };
	hd_copy_spec *spec = NULL;
	hd_access_role *role = NULL; /* issue 9 */
	hd_code r;

	memset(res, 0, sizeof *res);
	hd_err_clear(err);

	if (hd_stmt_is_copy(&st)) {
		hd_load_env env = {
			.target = s->target, .sops = s->sops, .sink = s->sink, .slices = s->opt.slices, .progress = s->opt.progress,
			.message = s->opt.message, .ctx = s->opt.ctx, .prepare_only = s->opt.prepare_only, .ctl = &s->ctl,
		};
		if (s->pending_query)
			return hd_err_set(err, HD_ERR_USAGE, "this session holds a prepared load that is not settled yet");
		if ((r = hd_copy_parse(sql, len, &spec, err)) != HD_OK)
			return r;
		/* Issue 9: INSERT privilege, role, ASSUMEROLE and the role's policy — before any source is touched. */
		if ((r = hd_access_authorize(s->sops, s->sink, spec, s->opt.client_session, &role, err)) != HD_OK) {
			hd_copy_spec_free(spec);
			return r;
		}
		spec->role = role;
		r = hd_load_copy(&env, spec, res, err);
		hd_access_role_free(role); /* issue 9 */
		if (r == HD_OK && s->opt.prepare_only && !spec->noload) {
			s->pending_query = res->query_id;
			s->pending_slices = res->slices;
		}
		hd_copy_spec_free(spec);
		return r;
	}

	/* Issue 9: GRANT / REVOKE ASSUMEROLE are hdcopy's own (the target's parser would reject them). */
	if (hd_stmt_is_assumerole(&st)) {
		hd_grant *g = NULL;
		if ((r = hd_grant_parse(sql, len, &g, err)) != HD_OK)
			return r;
		r = hd_access_grant_exec(s->sops, s->sink, g, err);
		if (r == HD_OK)
			snprintf(res->tag, sizeof res->tag, "%s", g->revoke ? "REVOKE" : "GRANT");
		hd_grant_free(g);
		return r;
	}

	/* Anything else goes to the target as written. */
	{
		char *text = hd_strndup(sql, len);
		const char *tag = NULL;
		if (!text)
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		/* Issue 10: a cancel interrupts the statement on the server (PostgreSQL answers 57014). */
		hd_load_ctl_arm(&s->ctl, NULL, s->sops, &s->sink, 1);
		if (hd_load_ctl_canceled(&s->ctl))
			r = hd_err_set(err, HD_ERR_CANCELED, "canceling statement due to user request");
		else
			r = s->sops->exec(s->sink, text, (hd_result_cb)s->opt.rows, s->opt.ctx, &tag, err);
		hd_load_ctl_disarm(&s->ctl);
		if (r != HD_OK && hd_load_ctl_canceled(&s->ctl))
			err->code = r = HD_ERR_CANCELED;
		free(text);
		if (r == HD_OK && tag)
			snprintf(res->tag, sizeof res->tag, "%s", tag);
		return r;
	}
}

/* ---- issue 10: prepare-only loads, settled by the caller's decision ------------------------------------------ */

bool
hd_session_pending(const hd_session *s)
{
	return s && s->pending_query != 0;
}

hd_code
hd_session_decision_sql(const hd_session *s, char *buf, size_t n, hd_err *err)
{
	int w;
	if (!s->pending_query)
		return hd_err_set(err, HD_ERR_USAGE, "no prepared load is pending");
	/* Integers only: nothing to quote. The table and its grants are created by the load (sink/pg.c system_ddl).
	 * Issue 10: the statement also takes the load's decision lock for the rest of the caller's transaction, so a
	 * recovery that runs while that transaction may still commit the row waits for it instead of rolling the load
	 * back (sink/pg.c pg_recover; docs/serve.md). One statement, tag "INSERT 0 1". */
	w = snprintf(buf, n,
	             "WITH l AS (SELECT pg_catalog.pg_advisory_xact_lock(%d, %lld)) "
	             "INSERT INTO hdcopy.load_decisions (query, nslices) SELECT %lld, %d FROM l",
	             HD_SINK_DECIDE_LOCK, (long long)(s->pending_query % 2147483647), (long long)s->pending_query,
	             s->pending_slices);
	if (w < 0 || (size_t)w >= n)
		return hd_err_set(err, HD_ERR_LIMIT, "buffer too small for the decision statement");
	return HD_OK;
}

static int
count_rows(void *ctx, int ncols, const char *const *names, const char *const *values)
{
	(void)ncols;
	(void)names;
	if (values)
		(*(int *)ctx)++;
	return 0;
}

hd_code
hd_session_settle(hd_session *s, bool *committed, hd_err *err)
{
	char sql[128], gid[64];
	const char *tag = NULL;
	int found = 0;
	bool commit_it;
	hd_code r;

	if (committed)
		*committed = false;
	if (!s->pending_query)
		return HD_OK;
	if (!s->sops->finish_prepared || !s->sops->forget)
		return hd_err_set(err, HD_ERR_INTERNAL, "the target has no prepared transactions");
	/* The recovery rule, read on the session that holds the load's lock: no recovery can race with us. */
	snprintf(sql, sizeof sql, "SELECT 1 FROM hdcopy.load_decisions WHERE query = %lld", (long long)s->pending_query);
	if ((r = s->sops->exec(s->sink, sql, count_rows, &found, &tag, err)) != HD_OK)
		return hd_err_prefix(err, "could not read the commit decision of load %lld (recovery will settle it)",
		                     (long long)s->pending_query);
	commit_it = found > 0;
	for (int i = 0; i < s->pending_slices; i++) {
		hd_sink_gid(gid, sizeof gid, s->pending_query, i);
		if ((r = s->sops->finish_prepared(s->sink, gid, commit_it, err)) != HD_OK)
			return hd_err_prefix(err, "load %lld (hdcopy recover will %s the rest)", (long long)s->pending_query,
			                     commit_it ? "commit" : "roll back");
	}
	if (committed)
		*committed = commit_it;
	/* Drop the decision row and release the lock. */
	r = s->sops->forget(s->sink, s->pending_query, err);
	s->pending_query = 0;
	s->pending_slices = 0;
	return r;
}

/* ---- roles (issue 9) ------------------------------------------------------------------------------------------- */

hd_code
hd_session_role_create(hd_session *s, const hd_role_def *d, hd_err *err)
{
	hd_err_clear(err);
	return hd_access_role_create(s->sops, s->sink, d, err);
}

hd_code
hd_session_role_drop(hd_session *s, const char *name, hd_err *err)
{
	hd_err_clear(err);
	return hd_access_role_drop(s->sops, s->sink, name, err);
}

hd_code
hd_session_role_list(hd_session *s, const char *name, hd_err *err)
{
	hd_err_clear(err);
	return hd_access_role_list(s->sops, s->sink, name, s->opt.rows, s->opt.ctx, err);
}
