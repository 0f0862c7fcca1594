/*
 * copy.c — one COPY from start to end: plan, begin the load transaction, run the slice(s), then commit all or
 * nothing, record rejected rows, and report in Redshift's words.
 *
 * Atomicity (one slice, one connection): every row and the stl_load_commits rows are written inside one target
 * transaction that commits only after the last unit was read without passing MAXERROR. If the process dies at any
 * moment before COMMIT, the server rolls the transaction back; after COMMIT everything is there. Rejected rows are
 * written through the sink's own error channel (for PostgreSQL a second connection in autocommit), so they survive
 * a failed load.
 */
#include "load/load_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
say(const hd_load_env *env, hd_level level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(const hd_load_env *env, hd_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!env->message)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	env->message(env->ctx, level, line);
}

/* The files' results move into the result; the plan's unit names are copied. */
static hd_code
fill_files(const hd_plan *p, hd_file_result *files, hd_result *res, hd_err *err)
{
	res->files = calloc((size_t)p->units.n + 1, sizeof *res->files);
	if (!res->files)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	for (int i = 0; i < p->units.n; i++) {
		res->files[i] = files[i];
		res->files[i].name = strdup(p->units.v[i].name);
		if (!res->files[i].name)
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		res->nfiles = i + 1;
	}
	return HD_OK;
}

static void
statement_options_notice(const hd_load_env *env, const hd_copy_spec *spec)
{
	if (spec->comprows >= 0)
		say(env, HD_LOG_NOTICE, "COMPROWS has no meaning for this target and is ignored");
	if (spec->compupdate >= 0)
		say(env, HD_LOG_NOTICE, "COMPUPDATE has no meaning for this target and is ignored");
}

hd_code
hd_load_copy(const hd_load_env *env, const hd_copy_spec *spec, hd_result *res, hd_err *err)
{
	hd_plan plan;
	hd_shared shared;
	hd_slice sl;
	hd_errbatch *eb = NULL;
	hd_file_result *files = NULL;
	hd_load_info info;
	hd_code r, r2;
	bool begun = false;
	double t0 = now_seconds();
	hd_err err2;

	memset(&sl, 0, sizeof sl);
	memset(&info, 0, sizeof info);
	res->is_copy = true;
	res->noload = spec->noload;
	res->slices = 1;
	res->commit_method = "single transaction";
	snprintf(res->table, sizeof res->table, "%s", spec->table);

	if ((r = hd_plan_build(env, spec, &plan, err)) != HD_OK)
		goto out;
	statement_options_notice(env, spec);

	eb = calloc(1, sizeof *eb);
	files = calloc((size_t)plan.units.n + 1, sizeof *files);
	sl.vals = calloc((size_t)plan.ncols, sizeof *sl.vals);
	if (!eb || !files || !sl.vals) {
		r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		goto out;
	}

	/* NOLOAD checks every row and writes nothing but rejected rows: no load transaction is opened. */
	if (!spec->noload) {
		if ((r = env->sops->load_begin(env->sink, plan.table, plan.colidx, plan.ncols, &info, err)) != HD_OK)
			goto out;
		begun = true;
	} else if ((r = env->sops->load_begin(env->sink, plan.table, plan.colidx, plan.ncols, &info, err)) == HD_OK) {
		/* NOLOAD still needs a query id for its error rows; begin and abort at once. */
		env->sops->load_abort(env->sink);
	} else {
		goto out;
	}
	res->query_id = info.query;

	atomic_init(&shared.errors, 0);
	atomic_init(&shared.stop, 0);
	atomic_init(&shared.next_unit, 0);
	sl.id = 0;
	sl.plan = &plan;
	sl.shared = &shared;
	sl.sink = spec->noload ? NULL : env->sink;
	sl.sops = env->sops;
	sl.errsink = env->sink;
	sl.info = &info;
	sl.eb = eb;
	sl.files = files;
	/* Converted values may point into scratch, so it is sized once and never grows (convert.h). */
	hd_buf_init(&sl.scratch, HD_CONV_SCRATCH_MIN(HD_MAX_RECORD, HD_MAX_FIELDS));
	if ((r = hd_buf_reserve(&sl.scratch, HD_CONV_SCRATCH_MIN(HD_MAX_RECORD, HD_MAX_FIELDS))) != HD_OK) {
		hd_err_set(err, r, "out of memory");
		goto out;
	}

	r = hd_slice_run(&sl, err);

	/* Rejected rows go out whatever happens next. */
	hd_err_clear(&err2);
	r2 = hd_errbatch_flush(eb, env->sops, env->sink, &info, plan.table, sl.id, &err2);

	res->rows_rejected = (int64_t)atomic_load(&shared.errors);
	res->bytes = sl.bytes;
	if (fill_files(&plan, files, res, r ? &err2 : err) != HD_OK && !r)
		r = err->code;

	if (r == HD_OK && r2 != HD_OK) {
		*err = err2;
		r = r2;
	}
	if (r == HD_OK && begun) {
		hd_load_commit *lc = calloc((size_t)plan.units.n + 1, sizeof *lc);
		if (!lc) {
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		} else {
			for (int i = 0; i < plan.units.n; i++)
				lc[i] = (hd_load_commit){ .slice = 0, .filename = plan.units.v[i].name,
				                          .lines_scanned = files[i].lines, .errors = files[i].errors };
			r = env->sops->load_end(env->sink, err);
			if (r == HD_OK)
				r = env->sops->load_commit(env->sink, &info, plan.table, lc, plan.units.n, err);
			free(lc);
		}
		begun = false;
	}
	if (begun) {
		env->sops->load_abort(env->sink);
		begun = false;
	}
	hd_err_clear(&err2);
	if (env->sops->flush_errors(env->sink, &err2) != HD_OK)
		say(env, HD_LOG_WARNING, "rejected rows could not be recorded: %s", err2.msg);

	if (r == HD_ERR_LOAD) {
		snprintf(res->first_error, sizeof res->first_error, "%s", eb->first);
		hd_err_set(err, HD_ERR_LOAD,
		           "Load into table '%s' failed.  Check 'stl_load_errors' system table for details. First error: %s",
		           spec->table, eb->first);
		goto out;
	}
	if (r)
		goto out;

	res->rows_loaded = spec->noload ? 0 : sl.rows;
	res->rows_replaced = sl.replaced;
	snprintf(res->tag, sizeof res->tag, "COPY %lld", (long long)res->rows_loaded);

	if (spec->statupdate == 1 && !spec->noload) {
		if (env->sops->analyze(env->sink, plan.table, &err2) != HD_OK)
			say(env, HD_LOG_WARNING, "STATUPDATE: %s", err2.msg);
	}

	say(env, HD_LOG_INFO, "Load into table '%s' completed, %lld record(s) loaded successfully.", spec->table,
	    (long long)res->rows_loaded);
	if (res->rows_rejected > 0)
		say(env, HD_LOG_INFO,
		    "Load into table '%s' completed, %lld record(s) could not be loaded.  Check 'stl_load_errors' system "
		    "table for details.",
		    spec->table, (long long)res->rows_rejected);
	if (res->rows_replaced > 0)
		say(env, HD_LOG_INFO,
		    "Load into table '%s' completed, %lld record(s) were loaded with replacements made for ACCEPTINVCHARS.",
		    spec->table, (long long)res->rows_replaced);
	if (spec->noload)
		say(env, HD_LOG_INFO, "NOLOAD: %lld record(s) checked, nothing loaded.", (long long)sl.rows);

out:
	if (begun)
		env->sops->load_abort(env->sink);
	res->elapsed = now_seconds() - t0;
	hd_buf_free(&sl.scratch);
	free(sl.vals);
	free(files);
	free(eb);
	if (plan.spec)
		hd_plan_free(&plan);
	return r;
}
