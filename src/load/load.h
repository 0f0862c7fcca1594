/*
 * load.h — run one COPY: plan it, stream every unit through codec → format → convert → sink, count and record
 * rejected rows, and commit all or nothing.
 *
 * The caller (the session, api.c) owns the main sink connection and hands a parsed spec in. Everything the statement
 * refers to is checked before any byte is read: the table and columns exist, the format, codec and source are
 * implemented, and the sources match at least one file.
 */
#ifndef HD_LOAD_LOAD_H
#define HD_LOAD_LOAD_H

#include <pthread.h>
#include <stdatomic.h>

#include "hdcopy.h"

#include "copy/copy.h"
#include "sink/sink.h"

/*
 * Cancel (issue 10): the session's control block, shared between the thread that runs a statement and the thread
 * that calls hd_session_cancel(). Under mu: while a load runs it is "armed" — stop points at the slices' shared stop
 * flag and sinks[0..nsinks) are the connections to interrupt; the load disarms it before it closes them and before
 * its point of no return (the commit), after which a cancel no longer applies (as a cancel that reaches PostgreSQL
 * during COMMIT). canceled is sticky: a cancel that comes before the load arms stops it at once.
 */
typedef struct hd_load_ctl {
	pthread_mutex_t mu;
	atomic_int canceled;       /* hd_session_cancel() was called; cleared when a statement ends */
	bool armed;                /* a load runs: stop and sinks are valid */
	atomic_int *stop;          /* the running load's shared stop flag */
	const hd_sink_ops *sops;
	hd_sink *const *sinks;
	int nsinks;
} hd_load_ctl;

/* Called with the statement running: arm (load) / disarm; hd_load_ctl_cancel from any thread. */
void hd_load_ctl_arm(hd_load_ctl *c, atomic_int *stop, const hd_sink_ops *sops, hd_sink *const *sinks, int n);
void hd_load_ctl_disarm(hd_load_ctl *c);
void hd_load_ctl_cancel(hd_load_ctl *c);
static inline bool
hd_load_ctl_canceled(hd_load_ctl *c)
{
	return c && atomic_load(&c->canceled);
}

typedef struct hd_load_env {
	const char *target;        /* the target string (to open more connections) */
	const hd_sink_ops *sops;
	hd_sink *sink;             /* the session's connection */
	int slices;
	bool progress;             /* draw a progress line on stderr (a terminal) */
	hd_message_fn message;
	void *ctx;
	bool prepare_only;         /* issue 10: end with every slice prepared; the caller decides (hdcopy.h) */
	hd_load_ctl *ctl;          /* issue 10: cancel; may be NULL */
} hd_load_env;

hd_code hd_load_copy(const hd_load_env *env, const hd_copy_spec *spec, hd_result *res, hd_err *err);

#endif
