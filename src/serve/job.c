/*
 * job.c — the blocking work of `hdcopy serve`, one detached thread per job, so the event loop never waits on a
 * database: running an intercepted COPY through the public API (hd_session_open/exec), and settling prepared loads
 * (hd_session_settle) when the client's transaction has ended.
 *
 * A job owns its inputs and outputs; the loop thread hands it over with hd_job_start() and gets it back in the
 * done() callback (which serve.c turns into an event on the loop). Between the two the loop touches it only
 * through hd_job_cancel() (issue 10: a client's CancelRequest), under mu; notices are appended under mu too because
 * the library may report from slice threads.
 */
#include "serve/serve_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/sys.h"

hd_job *
hd_job_new(hd_job_kind kind)
{
	hd_job *j = hd_calloc(1, sizeof *j);
	if (!j)
		return NULL;
	j->kind = kind;
	j->notices.max = 1u << 20; /* a COPY says a few lines; a pathological one is cut here */
	pthread_mutex_init(&j->mu, NULL);
	return j;
}

void
hd_job_free(hd_job *j)
{
	if (!j)
		return;
	if (j->target) {
		explicit_bzero(j->target, strlen(j->target)); /* may hold the loader's password */
		free(j->target);
	}
	free(j->sql);
	hd_session_close(j->session); /* still here only when nobody took it: recovery decides */
	for (int i = 0; i < j->nsessions; i++)
		hd_session_close(j->sessions[i]);
	hd_result_clear(&j->res);
	hd_pgp_buf_free(&j->notices);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

static void
on_message(void *ctx, hd_level level, const char *text)
{
	hd_job *j = ctx;
	const char *sev = level == HD_LOG_INFO ? "INFO" : level == HD_LOG_NOTICE ? "NOTICE" : "WARNING";
	pthread_mutex_lock(&j->mu);
	(void)hd_pgp_put_notice(&j->notices, 'N', sev, level == HD_LOG_WARNING ? "01000" : "00000", text, NULL);
	pthread_mutex_unlock(&j->mu);
}

static void
run_load(hd_job *j)
{
	hd_options opt = { .slices = j->slices, .message = on_message, .ctx = j, .prepare_only = j->prepare_only,
	                    .client_session = true };
	hd_session *s = NULL;

	if ((j->rc = hd_session_open(j->target, &opt, &s, &j->err)) != HD_OK)
		return;
	pthread_mutex_lock(&j->mu);
	j->live = s;
	if (j->cancel) /* asked for before the session existed: hd_session_exec starts canceled */
		hd_session_cancel(s);
	pthread_mutex_unlock(&j->mu);
	j->rc = hd_session_exec(s, j->sql, j->len, &j->res, &j->err);
	pthread_mutex_lock(&j->mu);
	j->live = NULL;
	pthread_mutex_unlock(&j->mu);
	if (j->rc == HD_OK && hd_session_pending(s)) {
		if ((j->rc = hd_session_decision_sql(s, j->decision_sql, sizeof j->decision_sql, &j->err)) == HD_OK) {
			j->session = s; /* the caller records the decision in the client's transaction */
			return;
		}
	}
	hd_session_close(s);
}

void
hd_job_cancel(hd_job *j)
{
	/* hd_session_cancel() blocks only for the few PQcancel round trips to the server. */
	pthread_mutex_lock(&j->mu);
	j->cancel = true;
	if (j->live)
		hd_session_cancel(j->live);
	pthread_mutex_unlock(&j->mu);
}

static void
run_settle(hd_job *j)
{
	for (int i = 0; i < j->nsessions; i++) {
		bool committed = false;
		hd_err e;
		if (hd_session_settle(j->sessions[i], &committed, &e) != HD_OK) {
			if (j->rc == HD_OK) {
				j->rc = e.code;
				j->err = e;
			}
		} else {
			(*(committed ? &j->committed : &j->rolled_back))++;
		}
		hd_session_close(j->sessions[i]);
		j->sessions[i] = NULL;
	}
	j->nsessions = 0;
}

/* The client is gone with loads pending: settle only once its upstream backend has ended, because until then its
 * transaction may still commit (a COMMIT in flight). Bounded: after HD_SETTLE_WAIT_S the sessions are closed
 * unsettled and recovery decides later, by the same row. */
#define HD_SETTLE_WAIT_S 60

static void
run_settle_after(hd_job *j)
{
	char sql[96];
	hd_result res;
	hd_err e;

	snprintf(sql, sizeof sql, "SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = %u", j->backend_pid);
	for (int i = 0; j->backend_pid && j->nsessions > 0 && i < HD_SETTLE_WAIT_S * 10; i++) {
		memset(&res, 0, sizeof res);
		if (hd_session_exec(j->sessions[0], sql, strlen(sql), &res, &e) != HD_OK) {
			hd_result_clear(&res);
			break;
		}
		if (strcmp(res.tag, "SELECT 0") == 0) {
			hd_result_clear(&res);
			run_settle(j);
			return;
		}
		hd_result_clear(&res);
		usleep(100000);
	}
	/* Unknown: leave it to recovery. hd_job_free closes the sessions, which releases their locks. */
	j->rc = HD_ERR_TARGET;
	snprintf(j->err.msg, sizeof j->err.msg, "could not settle %d prepared load(s): hdcopy recover will", j->nsessions);
}

static void *
job_main(void *arg)
{
	hd_job *j = arg;
	switch (j->kind) {
	case HD_JOB_LOAD: run_load(j); break;
	case HD_JOB_SETTLE: run_settle(j); break;
	case HD_JOB_SETTLE_AFTER: run_settle_after(j); break;
	}
	j->done(j, j->arg);
	return NULL;
}

hd_code
hd_job_start(hd_job *j)
{
	pthread_t th;
	pthread_attr_t at;
	int rc;

	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&th, &at, job_main, j);
	pthread_attr_destroy(&at);
	return rc == 0 ? HD_OK : HD_ERR_NOMEM;
}
