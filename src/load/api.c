/*
 * api.c — the public API of include/hdcopy.h: a session is one target connection plus the run's options;
 * hd_session_exec() runs a Redshift COPY itself and passes every other statement through to the target.
 */
#include "hdcopy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "copy/copy.h"
#include "load/load.h"
#include "sink/sink.h"

struct hd_session {
	char *target;
	const hd_sink_ops *sops;
	hd_sink *sink;
	hd_options opt;
};

const char *
hd_version(void)
{
	return HD_VERSION;
}

int
hd_script_next_statement(const char *script, size_t len, size_t *pos, hd_statement *out, hd_err *err)
{
	hd_stmt st;
	int r = hd_script_next(script, len, pos, &st, err);
	if (r == 1)
		*out = (hd_statement){ st.text, st.len, st.offset, st.line };
	return r;
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
	s = calloc(1, sizeof *s);
	if (!s)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	if (opt)
		s->opt = *opt;
	if (s->opt.slices <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		s->opt.slices = n > 0 ? (int)n : 1;
	}
	s->target = strdup(target);
	if (!s->target) {
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
	free(s);
}

hd_code
hd_session_exec(hd_session *s, const char *sql, size_t len, hd_result *res, hd_err *err)
{
	hd_stmt st = { sql, len, 0, 1 };
	hd_copy_spec *spec = NULL;
	hd_code r;

	memset(res, 0, sizeof *res);
	hd_err_clear(err);

	if (hd_stmt_is_copy(&st)) {
		hd_load_env env = {
			.target = s->target, .sops = s->sops, .sink = s->sink, .slices = s->opt.slices, .progress = s->opt.progress,
			.message = s->opt.message, .ctx = s->opt.ctx,
		};
		if ((r = hd_copy_parse(sql, len, &spec, err)) != HD_OK)
			return r;
		r = hd_load_copy(&env, spec, res, err);
		hd_copy_spec_free(spec);
		return r;
	}

	/* Anything else goes to the target as written. */
	{
		char *text = strndup(sql, len);
		const char *tag = NULL;
		if (!text)
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		r = s->sops->exec(s->sink, text, (hd_result_cb)s->opt.rows, s->opt.ctx, &tag, err);
		free(text);
		if (r == HD_OK && tag)
			snprintf(res->tag, sizeof res->tag, "%s", tag);
		return r;
	}
}
