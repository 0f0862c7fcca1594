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

#include "hdcopy.h"

#include "copy/copy.h"
#include "sink/sink.h"

typedef struct hd_load_env {
	const char *target;        /* the target string (to open more connections) */
	const hd_sink_ops *sops;
	hd_sink *sink;             /* the session's connection */
	int slices;
	bool progress;             /* draw a progress line on stderr (a terminal) */
	hd_message_fn message;
	void *ctx;
	bool prepare_only;         /* issue 10: end with every slice prepared; the caller decides (hdcopy.h) */
} hd_load_env;

hd_code hd_load_copy(const hd_load_env *env, const hd_copy_spec *spec, hd_result *res, hd_err *err);

#endif
