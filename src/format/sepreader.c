/*
 * sepreader.c — open and close of the character-separated readers (delimited.c, csv.c), their fields array and their
 * scratch buffer for rewritten fields.
 * See sepreader.h.
 */
#include "format/sepreader.h"

#include <stdlib.h>

#include "common/limits.h"
#include "common/sys.h"

#define SEP_FIELDS_INIT 64

bool
hd_sep_grow_fields(hd_sepreader *r)
{
	int ncap = r->fcap * 2;
	hd_field *nf;
	if (ncap > HD_MAX_FIELDS + 1)
		ncap = HD_MAX_FIELDS + 1;
	nf = hd_realloc(r->fields, (size_t)ncap * sizeof *nf);
	if (!nf)
		return false;
	r->fields = nf;
	r->fcap = ncap;
	return true;
}

char *
hd_sep_scratch(hd_sepreader *r, const hd_sepstate *ps, const char *e, int *rc)
{
	if (!r->scratch && !(r->scratch = hd_malloc(HD_MAX_RECORD))) {
		*rc = SEP_NOMEM;
		return NULL;
	}
	if ((size_t)(e - ps->base) > HD_MAX_RECORD) {
		*rc = SEP_LONG;
		return NULL;
	}
	return r->scratch + r->slen;
}

hd_code
hd_sep_open(const hd_format_opts *o, hd_stream *in, unsigned char a, unsigned char b, unsigned char c,
            hd_reader **out, hd_err *err)
{
	hd_sepreader *r;
	hd_code rc;

	*out = NULL;
	r = hd_calloc(1, sizeof *r);
	if (!r)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	r->o = *o;
	r->fcap = SEP_FIELDS_INIT;
	r->fields = hd_malloc((size_t)r->fcap * sizeof *r->fields);
	if (!r->fields) {
		free(r);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	if ((rc = hd_rdbuf_init(&r->rb, in, err)) != HD_OK) {
		free(r->fields);
		free(r);
		return rc;
	}
	hd_rdbuf_place(&r->rb, o->first_offset, o->first_line);
	hd_scanset_init(&r->set, a, b, c);
	r->fn = hd_classify_get();
	*out = (hd_reader *)(void *)r;
	return HD_OK;
}

void
hd_sep_close(hd_reader *rd)
{
	hd_sepreader *r = (hd_sepreader *)(void *)rd;
	if (!r)
		return;
	hd_rdbuf_free(&r->rb);
	free(r->fields);
	free(r->scratch);
	free(r);
}
