/*
 * serve_int.h — private to serve/: the classifier (classify.c) and the load jobs (job.c) that serve.c drives.
 */
#ifndef HD_SERVE_SERVE_INT_H
#define HD_SERVE_SERVE_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

#include "hdcopy.h"
#include "serve/proto.h"
#include "serve/serve.h"

/* serve/ sees only the public API, so it has its own two error helpers (common/err.h is the library's). */
static inline void
hd_err_clear_pub(hd_err *e)
{
	e->code = HD_OK;
	e->msg[0] = 0;
}

static inline hd_code hd_err_set_pub(hd_err *e, hd_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline hd_code
hd_err_set_pub(hd_err *e, hd_code code, const char *fmt, ...)
{
	va_list ap;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}

/* classify.c */
typedef enum hd_sv_verdict {
	HD_SV_RELAY = 0,   /* not ours: pass the Query to the upstream unchanged */
	HD_SV_INTERCEPT,   /* one Redshift COPY: *stmt, *stmt_len, run it */
	HD_SV_ERROR        /* a Redshift COPY we refuse: answer with *why (parse error, or several statements) */
} hd_sv_verdict;
hd_sv_verdict hd_serve_classify(const char *sql, size_t len, const char **stmt, size_t *stmt_len, hd_err *why);
/* The statement is a GRANT or REVOKE ASSUMEROLE (run by hdcopy, outside any transaction block). */
bool hd_serve_is_assumerole(const char *sql, size_t len);

/* tls.c: TLS towards clients (OpenSSL through libevent's bufferevent_openssl). Opaque to serve.c. */
struct bufferevent;
struct event_base;
typedef struct hd_tls hd_tls;
/* Load the certificate chain and key (the key file must not be group/world accessible); TLS 1.2 minimum. */
hd_code hd_tls_new(const char *cert_file, const char *key_file, hd_tls **out, hd_err *err);
void hd_tls_free(hd_tls *t);
/* A server-side TLS bufferevent filtering `under` (which it then owns: freed with it); NULL on failure (out of
 * memory), after which under must not be used again (libevent may have freed it). */
struct bufferevent *hd_tls_wrap(hd_tls *t, struct event_base *base, struct bufferevent *under);
/* The last TLS error of b, for a log line ("" when none). */
void hd_tls_error(struct bufferevent *b, char *buf, size_t n);

/* job.c: blocking work (a COPY through the public API, settling prepared loads) on a thread of its own. */
typedef enum hd_job_kind {
	HD_JOB_LOAD = 0,     /* run sql on a new session; prepare_only inside a transaction block */
	HD_JOB_SETTLE,       /* settle every pending session by its decision row, then close them */
	HD_JOB_SETTLE_AFTER  /* wait until the upstream backend `backend_pid` is gone, then HD_JOB_SETTLE */
} hd_job_kind;

#define HD_SERVE_MAX_PENDING 16 /* Redshift COPYs in one client transaction */

typedef struct hd_job {
	hd_job_kind kind;
	/* in */
	char *target;              /* the load's conninfo (loader identity, client's database, role): wiped, freed */
	char *sql;
	size_t len;
	bool prepare_only;
	int slices;
	uint32_t backend_pid;
	hd_session *sessions[HD_SERVE_MAX_PENDING]; /* SETTLE: the pending loads (closed by the job) */
	int nsessions;
	/* out */
	hd_code rc;
	hd_err err;
	hd_result res;
	hd_session *session;       /* LOAD with prepare_only: the pending load's session (the caller owns it) */
	char decision_sql[256];     /* issue 10: the decision INSERT also takes the decision lock */
	int committed, rolled_back;
	pthread_mutex_t mu;        /* guards notices (the library may report from slice threads), live, cancel */
	hd_pgp_buf notices;        /* NoticeResponse messages to send before the reply */
	hd_session *live;          /* LOAD: the session while its COPY runs (issue 10: cancel) */
	bool cancel;               /* LOAD: the client asked to cancel (a CancelRequest with its key) */
	/* completion: called on the job's thread when done */
	void (*done)(struct hd_job *job, void *arg);
	void *arg;
} hd_job;

hd_job *hd_job_new(hd_job_kind kind);
hd_code hd_job_start(hd_job *job);  /* detached thread */
void hd_job_free(hd_job *job);      /* closes any session still held */
/* Issue 10: a CancelRequest for the session whose LOAD job runs: stop the COPY (hd_session_cancel), now or as soon
 * as its session is open. Loop thread, while the job is out (c->job); returns at once. */
void hd_job_cancel(hd_job *job);

#endif
