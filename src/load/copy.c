/*
 * copy.c — one COPY from start to end: plan, choose how the slices write, run them, then commit all or nothing,
 * record rejected rows, and report in Redshift's words.
 *
 * How slices write (the summary names it as the commit method):
 *   one slice            — the session's connection, one transaction ("single transaction").
 *   two-phase commit     — PostgreSQL with max_prepared_transactions > 0: one connection and transaction per slice;
 *                          at the end every slice PREPAREs, the decision is recorded durably, then every slice
 *                          is COMMIT PREPARED (docs/internals/commit.md; recovery settles what a crash leaves).
 *   single writer        — SQLite (one writer), or PostgreSQL without prepared transactions: slices parse and
 *                          convert in parallel and hand rows to this thread, which writes them in one transaction.
 * NOLOAD opens no load transaction at all: slices only check.
 *
 * Rejected rows are written through a sink's error channel (PostgreSQL: a second connection in autocommit), so they
 * survive a failed load; MAXERROR counts across slices, and the slice that passes it stops the others.
 *
 * Cancel (issue 10, hd_session_cancel): the same stop flag, set from the cancelling thread through the session's
 * hd_load_ctl, plus an interrupt of every load connection (a slice blocked on the server — a lock, a full socket —
 * returns with the server's "canceling statement" error). The load then fails as HD_ERR_CANCELED and rolls back.
 * The control is disarmed once the slices are joined, before anything is committed or prepared: a cancel after
 * that is too late and ignored, as PostgreSQL ignores one that arrives during COMMIT.
 *
 * Progress (issue 10): while the rows stream, the load is registered with the sink (progress_begin: PostgreSQL's
 * hdcopy.load_sessions, shown by hdcopy.stv_load_progress) and unregistered at the end, whatever the outcome.
 */
#include "load/load_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common/sys.h"

typedef enum run_mode { MODE_ONE, MODE_2PC, MODE_WRITER, MODE_NOLOAD } run_mode;

static const char *const mode_names[] = {
	[MODE_ONE] = "single transaction",
	[MODE_2PC] = "two-phase commit",
	[MODE_WRITER] = "single transaction, one writer",
	[MODE_NOLOAD] = "none (NOLOAD)",
};

typedef struct run {
	const hd_load_env *env;
	const hd_copy_spec *spec;
	hd_plan plan;
	hd_shared shared;
	run_mode mode;
	int n;                 /* slices */
	hd_slice *sl;
	hd_errbatch *eb;       /* one per slice */
	hd_sink **sinks;       /* MODE_2PC: one per slice, [0] = the session's */
	bool *begun;           /* per sink: a load transaction is open */
	bool *prepared;        /* per sink: its transaction is prepared */
	bool settled;          /* abort_loads ran */
	hd_rowq *q;
	pthread_mutex_t errlock;
	hd_load_info info;
	double t0;
	bool registered;       /* shown in the sink's progress view (progress_begin) */
} run;

static double
now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void say(const hd_load_env *env, hd_level level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

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

/* ---- cancel (issue 10) ------------------------------------------------------------------------------------------- */

void
hd_load_ctl_arm(hd_load_ctl *c, atomic_int *stop, const hd_sink_ops *sops, hd_sink *const *sinks, int n)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->armed = true;
	c->stop = stop;
	c->sops = sops;
	c->sinks = sinks;
	c->nsinks = n;
	if (atomic_load(&c->canceled) && stop) /* a cancel that came first stops the load at once */
		atomic_store(stop, 1);
	pthread_mutex_unlock(&c->mu);
}

void
hd_load_ctl_disarm(hd_load_ctl *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu); /* waits for a cancel in progress: its interrupts are done when this returns */
	c->armed = false;
	c->stop = NULL;
	c->sinks = NULL;
	c->nsinks = 0;
	pthread_mutex_unlock(&c->mu);
}

void
hd_load_ctl_cancel(hd_load_ctl *c)
{
	pthread_mutex_lock(&c->mu);
	atomic_store(&c->canceled, 1);
	if (c->armed) {
		if (c->stop)
			atomic_store(c->stop, 1);
		for (int i = 0; i < c->nsinks; i++)
			if (c->sinks[i] && c->sops->interrupt)
				c->sops->interrupt(c->sinks[i]);
	}
	pthread_mutex_unlock(&c->mu);
}

static hd_code
canceled_error(hd_err *err)
{
	/* PostgreSQL's words, so clients (and serve's SQLSTATE 57014) read it as theirs. */
	return hd_err_set(err, HD_ERR_CANCELED, "canceling statement due to user request");
}

/* ---- progress ---------------------------------------------------------------------------------------------------- */

static void
progress(run *R, bool final)
{
	static const char spin[] = "|/-\\";
	static int tick;
	uint64_t total = 0;
	long long bytes = atomic_load(&R->shared.bytes), rows = atomic_load(&R->shared.rows);
	double dt = now_seconds() - R->t0, mbs;

	if (!R->env->progress)
		return;
	for (int i = 0; i < R->plan.files.n; i++)
		total += R->plan.files.v[i].size;
	mbs = dt > 0 ? (double)bytes / 1e6 / dt : 0;
	if (final) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	fprintf(stderr, "\r\033[K%c %.1f MB", spin[tick++ & 3], (double)bytes / 1e6);
	if (total)
		fprintf(stderr, " of %.1f MB", (double)total / 1e6);
	fprintf(stderr, ", %lld rows, %.1f MB/s, %lld errors", rows, mbs,
	        (long long)atomic_load(&R->shared.errors));
	if (total && mbs > 0 && (uint64_t)bytes < total)
		fprintf(stderr, ", ETA %.0fs", ((double)total - (double)bytes) / 1e6 / mbs);
	fflush(stderr);
}

/* ---- slices ------------------------------------------------------------------------------------------------------ */

static void *
slice_main(void *arg)
{
	hd_slice *sl = arg;
	hd_err_clear(&sl->err);
	sl->rc = hd_slice_run(sl, &sl->err);
	return NULL;
}

/* The single writer: replay the slices' rows into the one connection. Runs on this thread. */
static hd_code
write_rows(run *R, hd_err *err)
{
	const hd_sink_ops *sops = R->env->sops;
	hd_value *vals = hd_calloc((size_t)R->plan.ncols + 1, sizeof *vals);
	hd_rowbuf *b;
	hd_code r = HD_OK;
	double last = now_seconds();

	if (!vals)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	while ((b = hd_rowq_pop(R->q)) != NULL) {
		const char *p = b->data.data;
		if (atomic_load_explicit(&R->shared.stop, memory_order_relaxed)) {
			/* a slice failed: the load will roll back, so stop writing and wake the slices */
			hd_rowq_release(R->q, b);
			hd_rowq_abort(R->q);
			break;
		}
		for (int i = 0; i < b->nrows && r == HD_OK; i++) {
			p = hd_rowq_decode(p, vals, R->plan.ncols);
			r = sops->load_row(R->env->sink, vals, err);
		}
		hd_rowq_release(R->q, b);
		if (r) {
			atomic_store(&R->shared.stop, 1);
			hd_rowq_abort(R->q);
			break;
		}
		if (R->env->progress && now_seconds() - last > 0.25) {
			progress(R, false);
			last = now_seconds();
		}
	}
	free(vals);
	return r;
}

/* Wait for the slice threads, showing progress meanwhile. */
static void
join_slices(run *R, pthread_t *th, int started)
{
	if (R->env->progress) {
		for (;;) {
			bool all = true;
			for (int i = 0; i < started; i++)
				if (pthread_tryjoin_np(th[i], NULL) == 0)
					th[i] = 0;
				else if (th[i])
					all = false;
			if (all)
				break;
			progress(R, false);
			usleep(250000);
		}
	} else {
		for (int i = 0; i < started; i++)
			pthread_join(th[i], NULL);
	}
	progress(R, true);
}

/* The first real failure among the slices (a slice stopped by another reports HD_ERR_CANCELED). */
static hd_code
slices_outcome(run *R, hd_err *err)
{
	hd_code r = HD_OK;
	for (int i = 0; i < R->n; i++) {
		hd_slice *sl = &R->sl[i];
		if (sl->rc == HD_OK || sl->rc == HD_ERR_CANCELED)
			continue;
		if (r == HD_OK || (r != HD_ERR_LOAD && sl->rc == HD_ERR_LOAD)) {
			r = sl->rc;
			*err = sl->err;
		}
	}
	if (r == HD_OK)
		for (int i = 0; i < R->n; i++)
			if (R->sl[i].rc == HD_ERR_CANCELED)
				return hd_err_set(err, HD_ERR_CANCELED, "the load was stopped");
	return r;
}

/* ---- setting up -------------------------------------------------------------------------------------------------- */

static run_mode
choose_mode(run *R)
{
	const hd_sink_ops *sops = R->env->sops;
	if (R->spec->noload)
		return MODE_NOLOAD;
	if (R->env->prepare_only) /* issue 10: the caller decides, so even one slice prepares (hd_load_copy checks) */
		return MODE_2PC;
	if (R->n == 1)
		return MODE_ONE;
	if (sops->max_writers == 1 || !sops->can_prepare || !sops->load_prepare)
		return MODE_WRITER;
	return sops->can_prepare(R->env->sink) ? MODE_2PC : MODE_WRITER;
}

/* Open the load transactions the mode needs; slice 0's allocates the query id. */
static hd_code
begin_loads(run *R, hd_err *err)
{
	const hd_sink_ops *sops = R->env->sops;
	const hd_plan *p = &R->plan;
	hd_code r;

	R->sinks = hd_calloc((size_t)R->n, sizeof *R->sinks);
	R->begun = hd_calloc((size_t)R->n, sizeof *R->begun);
	R->prepared = hd_calloc((size_t)R->n, sizeof *R->prepared);
	if (!R->sinks || !R->begun || !R->prepared)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	R->sinks[0] = R->env->sink;

	if ((r = sops->load_begin(R->env->sink, p->table, p->colidx, p->ncols, &R->info, err)) != HD_OK)
		return r;
	R->begun[0] = true;
	if (R->mode == MODE_NOLOAD) {
		/* NOLOAD needs only the query id for its error rows. */
		sops->load_abort(R->env->sink);
		R->begun[0] = false;
		return HD_OK;
	}
	if (R->mode != MODE_2PC)
		return HD_OK;
	for (int i = 1; i < R->n; i++) {
		hd_load_info info = R->info;
		if ((r = sops->connect(R->env->target, &R->sinks[i], err)) != HD_OK)
			return hd_err_prefix(err, "slice %d", i);
		if ((r = sops->load_begin(R->sinks[i], p->table, p->colidx, p->ncols, &info, err)) != HD_OK)
			return hd_err_prefix(err, "slice %d", i);
		R->begun[i] = true;
	}
	return HD_OK;
}

/* Roll back everything still open or prepared. */
static void
abort_loads(run *R)
{
	const hd_sink_ops *sops = R->env->sops;
	char gid[64];
	hd_err e;

	if (!R->sinks || !R->begun || !R->prepared || R->settled) /* issue 11: any of the three may have failed */
		return;
	R->settled = true;
	for (int i = 0; i < R->n; i++) {
		if (R->prepared[i]) {
			hd_sink_gid(gid, sizeof gid, R->info.query, i);
			if (sops->finish_prepared(R->env->sink, gid, false, &e) != HD_OK)
				say(R->env, HD_LOG_WARNING, "%s; hdcopy recover will roll it back", e.msg);
			R->prepared[i] = false;
		} else if (R->begun[i] && R->sinks[i]) {
			sops->load_abort(R->sinks[i]);
		}
		R->begun[i] = false;
	}
	if (R->mode == MODE_2PC && sops->forget)
		sops->forget(R->env->sink, R->info.query, &e);
}

/* ---- finishing --------------------------------------------------------------------------------------------------- */

static hd_load_commit *
commit_rows(run *R, const hd_file_result *files, int *n)
{
	hd_load_commit *lc = hd_calloc((size_t)R->plan.files.n + 1, sizeof *lc);
	bool *skipped = hd_calloc((size_t)R->plan.files.n + 1, sizeof *skipped);
	if (!lc || !skipped) {
		free(lc);
		free(skipped);
		return NULL;
	}
	/* Issue 6: a skipped unit (non-mandatory SSH entry) loaded nothing, so its file gets no stl_load_commits row. */
	for (int i = 0; i < R->plan.work.n; i++)
		if (R->shared.skipped && R->shared.skipped[i])
			skipped[R->plan.work.v[i].file] = true;
	*n = 0;
	for (int i = 0; i < R->plan.files.n; i++)
		if (!skipped[i])
			lc[(*n)++] = (hd_load_commit){ .slice = 0, .filename = R->plan.files.v[i].name,
			                               .lines_scanned = files[i].lines, .errors = files[i].errors };
	free(skipped);
	return lc;
}

static hd_code
commit_one(run *R, const hd_file_result *files, hd_err *err)
{
	const hd_sink_ops *sops = R->env->sops;
	int nlc = 0;
	hd_load_commit *lc = commit_rows(R, files, &nlc);
	hd_code r;

	if (!lc)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	r = sops->load_end(R->env->sink, err);
	if (r == HD_OK && R->registered)
		sops->progress_slice_done(R->env->sink, R->info.query, 0, R->env->sink,
		                          R->mode == MODE_ONE ? R->sl[0].rows : (int64_t)atomic_load(&R->shared.rows));
	hd_load_ctl_disarm(R->env->ctl); /* the point of no return: a later cancel is too late */
	if (hd_load_ctl_canceled(R->env->ctl))
		r = canceled_error(err);
	if (r == HD_OK)
		r = sops->load_commit(R->env->sink, &R->info, R->plan.table, lc, nlc, err);
	else
		sops->load_abort(R->env->sink);
	R->begun[0] = false; /* committed, or rolled back by the sink on failure */
	free(lc);
	return r;
}

/*
 * Two-phase commit: end and prepare every slice (slice 0 with the stl_load_commits rows), record the decision,
 * commit every prepared slice, forget the decision. Before the decision any failure rolls everything back; after it,
 * the load is committed — what this process cannot finish, recovery does.
 */
static hd_code
commit_2pc(run *R, const hd_file_result *files, hd_err *err)
{
	const hd_sink_ops *sops = R->env->sops;
	int nlc = 0;
	hd_load_commit *lc = commit_rows(R, files, &nlc);
	char gid[64];
	hd_code r = HD_OK;

	if (!lc)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	for (int i = 0; i < R->n && r == HD_OK; i++)
		if ((r = sops->load_end(R->sinks[i], err)) == HD_OK && R->registered)
			sops->progress_slice_done(R->env->sink, R->info.query, i, R->sinks[i], R->sl[i].rows);
	hd_load_ctl_disarm(R->env->ctl); /* nothing is prepared yet: a cancel up to here rolls everything back */
	if (hd_load_ctl_canceled(R->env->ctl))
		r = canceled_error(err);
	for (int i = 0; i < R->n && r == HD_OK; i++) {
		hd_sink_gid(gid, sizeof gid, R->info.query, i);
		r = sops->load_prepare(R->sinks[i], &R->info, R->plan.table, i == 0 ? lc : NULL, i == 0 ? nlc : 0,
		                       gid, err);
		R->begun[i] = false;
		R->prepared[i] = r == HD_OK;
	}
	free(lc);
	if (r == HD_OK && R->env->prepare_only) {
		/* Issue 10: prepared, and the decision is the caller's (hd_session_settle); the lock stays held. */
		for (int i = 0; i < R->n; i++)
			R->prepared[i] = false;
		return HD_OK;
	}
	if (r == HD_OK)
		r = sops->decide(R->env->sink, R->info.query, R->n, err);
	if (r) {
		abort_loads(R);
		return r;
	}
	/* Decided: from here on the load is committed. */
	for (int i = 0; i < R->n; i++) {
		hd_err e;
		hd_sink_gid(gid, sizeof gid, R->info.query, i);
		if (sops->finish_prepared(R->env->sink, gid, true, &e) != HD_OK) {
			say(R->env, HD_LOG_WARNING, "%s; hdcopy recover will commit it", e.msg);
			return HD_OK; /* decision recorded, lock kept until this session ends: recovery finishes it */
		}
		R->prepared[i] = false;
	}
	{
		hd_err e;
		if (sops->forget(R->env->sink, R->info.query, &e) != HD_OK)
			say(R->env, HD_LOG_WARNING, "%s", e.msg);
	}
	return HD_OK;
}

/* Per-file results from the per-unit ones (several ranges of one file add up; lines is the last line seen). */
static hd_file_result *
file_results(run *R)
{
	hd_file_result *f = hd_calloc((size_t)R->plan.files.n + 1, sizeof *f);
	if (!f)
		return NULL;
	for (int i = 0; i < R->plan.work.n; i++) {
		const hd_file_result *u = &R->shared.results[i];
		hd_file_result *d = &f[R->plan.work.v[i].file];
		d->rows += u->rows;
		d->errors += u->errors;
		d->bytes += u->bytes;
		if (u->lines > d->lines)
			d->lines = u->lines;
	}
	return f;
}

static hd_code
fill_result(run *R, const hd_file_result *files, hd_result *res, hd_err *err)
{
	res->files = hd_calloc((size_t)R->plan.files.n + 1, sizeof *res->files);
	if (!res->files)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	for (int i = 0; i < R->plan.files.n; i++) {
		res->files[i] = files[i];
		if (R->spec->noload)
			res->files[i].rows = 0;
		res->files[i].name = hd_strdup(R->plan.files.v[i].name);
		if (!res->files[i].name)
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		res->nfiles = i + 1;
	}
	return HD_OK;
}

static void
report(run *R, hd_result *res, int64_t checked)
{
	const hd_load_env *env = R->env;
	const char *t = R->spec->table;

	say(env, HD_LOG_INFO, "Load into table '%s' completed, %lld record(s) loaded successfully.", t,
	    (long long)res->rows_loaded);
	if (res->rows_rejected > 0)
		say(env, HD_LOG_INFO,
		    "Load into table '%s' completed, %lld record(s) could not be loaded.  Check 'stl_load_errors' system "
		    "table for details.",
		    t, (long long)res->rows_rejected);
	if (res->rows_replaced > 0)
		say(env, HD_LOG_INFO,
		    "Load into table '%s' completed, %lld record(s) were loaded with replacements made for ACCEPTINVCHARS.",
		    t, (long long)res->rows_replaced);
	if (R->spec->noload)
		say(env, HD_LOG_INFO, "NOLOAD: %lld record(s) checked, nothing loaded.", (long long)checked);
}

/* Issue 6: copy the reasons of skipped optional units into res->warnings ("skipped unit: reason"), saying each.
 * shared.skipped keeps them until the end (commit_rows reads it). */
static hd_code
take_skipped(run *R, hd_result *res)
{
	for (int i = 0; i < R->plan.work.n; i++) {
		char *why = R->shared.skipped[i], **nv, *w;
		size_t n;
		if (!why)
			continue;
		n = strlen(R->plan.work.v[i].name) + strlen(why) + 16;
		nv = hd_realloc(res->warnings, (size_t)(res->nwarnings + 1) * sizeof *nv);
		if (!nv || !(w = hd_malloc(n))) {
			if (nv)
				res->warnings = nv;
			return HD_ERR_NOMEM;
		}
		res->warnings = nv;
		snprintf(w, n, "skipped %s: %s", R->plan.work.v[i].name, why);
		res->warnings[res->nwarnings++] = w;
		say(R->env, HD_LOG_WARNING, "%s", w);
	}
	return HD_OK;
}

/* A file whose name says it is compressed, in a COPY that names no codec (or another one), is almost always a
 * mistake — often a prefix that also matched compressed neighbours. Say so once, before the errors it would cause. */
static void
hint_compression(run *R)
{
	static const struct { const char *ext; hd_compression c; const char *name; } exts[] = {
		{ ".gz", HD_COMP_GZIP, "GZIP" }, { ".bz2", HD_COMP_BZIP2, "BZIP2" },
		{ ".zst", HD_COMP_ZSTD, "ZSTD" }, { ".lzo", HD_COMP_LZOP, "LZOP" },
	};
	for (int i = 0; i < R->plan.files.n; i++) {
		const char *name = R->plan.files.v[i].name;
		size_t n = strlen(name);
		for (size_t k = 0; k < sizeof exts / sizeof exts[0]; k++) {
			size_t e = strlen(exts[k].ext);
			if (n > e && strcmp(name + n - e, exts[k].ext) == 0 && R->spec->compression != exts[k].c) {
				say(R->env, HD_LOG_NOTICE, "'%s' looks %s-compressed by its name, but the COPY says %s%s", name,
				    exts[k].name, R->spec->compression == HD_COMP_NONE ? "no codec" : "another codec",
				    R->plan.files.n > 1 ? " (did a prefix match it?)" : "");
				return;
			}
		}
	}
}

/* ---- the COPY ---------------------------------------------------------------------------------------------------- */

static int
effective_slices(const hd_load_env *env, const hd_plan *p)
{
	int n = env->slices > 0 ? env->slices : 1;
	if (n > p->work.n)
		n = p->work.n;
	return n > 0 ? n : 1;
}

hd_code
hd_load_copy(const hd_load_env *env, const hd_copy_spec *spec, hd_result *res, hd_err *err)
{
	run R;
	pthread_t *th = NULL;
	hd_file_result *files = NULL;
	int64_t rows = 0, replaced = 0, checked = 0;
	uint64_t bytes = 0;
	int started = 0;
	hd_code r;
	hd_err e2;

	memset(&R, 0, sizeof R);
	R.env = env;
	R.spec = spec;
	R.t0 = now_seconds();
	pthread_mutex_init(&R.errlock, NULL);
	res->is_copy = true;
	res->noload = spec->noload;
	snprintf(res->table, sizeof res->table, "%s", spec->table);

	/* Settle what crashed loads left behind before starting a new one. */
	if (env->sops->recover) {
		int c = 0, rb = 0;
		if (env->sops->recover(env->sink, &c, &rb, &e2) == HD_OK && (c || rb))
			say(env, HD_LOG_NOTICE, "recovered interrupted loads: %d prepared slice(s) committed, %d rolled back",
			    c, rb);
	}

	if ((r = hd_plan_build(env, spec, &R.plan, err)) != HD_OK)
		goto out;
	if ((r = hd_plan_split(&R.plan, env->slices, err)) != HD_OK)
		goto out;
	hint_compression(&R);
	if (spec->comprows >= 0)
		say(env, HD_LOG_NOTICE, "COMPROWS has no meaning for this target and is ignored");
	if (spec->compupdate >= 0)
		say(env, HD_LOG_NOTICE, "COMPUPDATE has no meaning for this target and is ignored");

	if (hd_load_ctl_canceled(env->ctl)) { /* planning may take long (remote listings): check before any load */
		r = canceled_error(err);
		goto out;
	}
	R.n = effective_slices(env, &R.plan);
	R.mode = choose_mode(&R);
	if (R.mode == MODE_2PC && env->prepare_only &&
	    (!env->sops->can_prepare || !env->sops->load_prepare || env->sops->max_writers == 1 ||
	     !env->sops->can_prepare(env->sink))) {
		r = hd_err_set(err, HD_ERR_UNSUPPORTED,
		               "a COPY inside a transaction block needs prepared transactions on the target "
		               "(PostgreSQL with max_prepared_transactions > 0)");
		goto out;
	}
	res->slices = R.n;
	res->commit_method = mode_names[R.mode];

	R.sl = hd_calloc((size_t)R.n, sizeof *R.sl);
	R.eb = hd_calloc((size_t)R.n, sizeof *R.eb);
	R.shared.results = hd_calloc((size_t)R.plan.work.n + 1, sizeof *R.shared.results);
	R.shared.skipped = hd_calloc((size_t)R.plan.work.n + 1, sizeof *R.shared.skipped); /* issue 6: skipped units */
	th = hd_calloc((size_t)R.n, sizeof *th);
	if (!R.sl || !R.eb || !R.shared.results || !R.shared.skipped || !th) {
		r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* The session's connection is interruptible from here (load_begin may wait for the table's lock); after
	 * begin_loads every slice's is. */
	hd_load_ctl_arm(env->ctl, &R.shared.stop, env->sops, &env->sink, 1);
	if ((r = begin_loads(&R, err)) != HD_OK)
		goto out;
	res->query_id = R.info.query;
	if (R.mode == MODE_2PC)
		hd_load_ctl_arm(env->ctl, &R.shared.stop, env->sops, R.sinks, R.n);
	if (R.mode != MODE_NOLOAD && env->sops->progress_begin) {
		char src[512];
		uint64_t total = 0;
		for (int i = 0; i < R.plan.files.n; i++)
			total += R.plan.files.v[i].size;
		snprintf(src, sizeof src, "%s (%d file%s, %llu bytes)", spec->source ? spec->source : "", R.plan.files.n,
		         R.plan.files.n == 1 ? "" : "s", (unsigned long long)total);
		env->sops->progress_begin(env->sink, &R.info, R.plan.table, src,
		                          R.mode == MODE_2PC ? R.sinks : &env->sink, R.mode == MODE_2PC ? R.n : 1);
		R.registered = true;
	}
	if (hd_load_ctl_canceled(env->ctl)) {
		r = canceled_error(err);
		goto out;
	}
	if (R.mode == MODE_WRITER && (r = hd_rowq_new(R.n, &R.q)) != HD_OK) {
		hd_err_set(err, r, "out of memory");
		goto out;
	}

	for (int i = 0; i < R.n; i++) {
		hd_slice *sl = &R.sl[i];
		sl->id = i;
		sl->plan = &R.plan;
		sl->shared = &R.shared;
		sl->sops = env->sops;
		sl->sink = R.mode == MODE_2PC ? R.sinks[i] : R.mode == MODE_ONE ? env->sink : NULL;
		sl->q = R.q;
		/* Rejected rows: each 2PC slice through its own connection; otherwise all through the session's. */
		sl->errsink = R.mode == MODE_2PC ? R.sinks[i] : env->sink;
		sl->errlock = R.mode == MODE_2PC || R.n == 1 ? NULL : &R.errlock;
		sl->info = &R.info;
		sl->eb = &R.eb[i];
		/* Converted values may point into scratch, so it is sized once and never grows (convert.h). */
		hd_buf_init(&sl->scratch, HD_CONV_SCRATCH_MIN(HD_MAX_RECORD, HD_MAX_FIELDS));
		hd_buf_init(&sl->jbuf, 6 * (size_t)HD_MAX_RECORD + 2 * HD_MAX_FIELDS);
		sl->vals = hd_calloc((size_t)R.plan.ncols + 1, sizeof *sl->vals);
		if (!sl->vals || hd_buf_reserve(&sl->scratch, HD_CONV_SCRATCH_MIN(HD_MAX_RECORD, HD_MAX_FIELDS))) {
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
			goto out;
		}
	}

	/* Run: one slice on this thread; several on threads of their own (this thread writes in MODE_WRITER). */
	if (R.n == 1 && !env->progress) {
		R.sl[0].rc = hd_slice_run(&R.sl[0], &R.sl[0].err);
	} else {
		for (int i = 0; i < R.n; i++) {
			if (pthread_create(&th[i], NULL, slice_main, &R.sl[i]) != 0) {
				atomic_store(&R.shared.stop, 1);
				if (R.q)
					hd_rowq_abort(R.q);
				r = hd_err_set(err, HD_ERR_INTERNAL, "could not start slice %d", i);
				break;
			}
			started++;
		}
		if (R.mode == MODE_WRITER && r == HD_OK) {
			r = write_rows(&R, err);
		}
		join_slices(&R, th, started);
		if (r)
			goto finish;
	}
	r = slices_outcome(&R, err);

finish:
	/* A cancel wins over the errors it caused (a slice's COPY failing with "canceling statement"). The control stays
	 * armed until every COPY stream has ended (the server may still be working through buffered rows): commit_one
	 * and commit_2pc disarm it just before the first commit or prepare. */
	if (hd_load_ctl_canceled(env->ctl))
		r = canceled_error(err);
	/* Issue 6: optional units that were skipped become warnings of the result (and WARNING messages). */
	if (take_skipped(&R, res) != HD_OK && r == HD_OK)
		r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	/* Rejected rows go out whatever happens next. */
	for (int i = 0; i < R.n; i++) {
		hd_err_clear(&e2);
		if (hd_slice_flush_errors(&R.sl[i], &e2) != HD_OK && r == HD_OK) {
			r = e2.code;
			*err = e2;
		}
		rows += R.sl[i].rows;
		replaced += R.sl[i].replaced;
		bytes += R.sl[i].bytes;
	}
	checked = rows;
	res->rows_rejected = (int64_t)atomic_load(&R.shared.errors);
	res->bytes = bytes;
	if (!(files = file_results(&R))) {
		if (r == HD_OK)
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	} else if (fill_result(&R, files, res, r ? &e2 : err) != HD_OK && r == HD_OK) {
		r = err->code;
	}

	if (r == HD_OK) {
		if (R.mode == MODE_ONE || R.mode == MODE_WRITER)
			r = commit_one(&R, files, err);
		else if (R.mode == MODE_2PC)
			r = commit_2pc(&R, files, err);
	}
	if (r != HD_OK)
		abort_loads(&R);
	hd_err_clear(&e2);
	if (env->sops->flush_errors(env->sink, &e2) != HD_OK)
		say(env, HD_LOG_WARNING, "rejected rows could not be recorded: %s", e2.msg);

	if (r == HD_ERR_LOAD) {
		const char *first = "";
		for (int i = 0; i < R.n && !first[0]; i++)
			if (R.eb[i].have_first)
				first = R.eb[i].first;
		snprintf(res->first_error, sizeof res->first_error, "%s", first);
		hd_err_set(err, HD_ERR_LOAD,
		           "Load into table '%s' failed.  Check 'stl_load_errors' system table for details. First error: %s",
		           spec->table, first);
		goto out;
	}
	if (r)
		goto out;

	res->rows_loaded = spec->noload ? 0 : rows;
	res->rows_replaced = replaced;
	snprintf(res->tag, sizeof res->tag, "COPY %lld", (long long)res->rows_loaded);
	if (spec->statupdate == 1 && !spec->noload && env->sops->analyze(env->sink, R.plan.table, &e2) != HD_OK)
		say(env, HD_LOG_WARNING, "STATUPDATE: %s", e2.msg);
	report(&R, res, checked);

out:
	hd_load_ctl_disarm(env->ctl);
	if (r != HD_OK)
		abort_loads(&R);
	if (R.registered)
		env->sops->progress_end(env->sink, R.info.query);
	res->elapsed = now_seconds() - R.t0;
	if (R.sl)
		for (int i = 0; i < R.n; i++) {
			hd_buf_free(&R.sl[i].scratch);
			hd_buf_free(&R.sl[i].jbuf);
			free(R.sl[i].vals);
		}
	if (R.sinks)
		for (int i = 1; i < R.n; i++)
			if (R.sinks[i])
				env->sops->close(R.sinks[i]);
	hd_rowq_free(R.q);
	free(R.sinks);
	free(R.begun);
	free(R.prepared);
	free(R.sl);
	free(R.eb);
	free(R.shared.results);
	if (R.shared.skipped)
		for (int i = 0; i < R.plan.work.n; i++)
			free(R.shared.skipped[i]);
	free(R.shared.skipped);
	free(th);
	free(files);
	pthread_mutex_destroy(&R.errlock);
	hd_plan_free(&R.plan);
	return r;
}
