/*
 * split.c — units of work for the slices: whole files, and byte ranges of big uncompressed files.
 *
 * A file is split when it is larger than 1.5 chunks, chunk = max(HD_SPLIT_MIN, total bytes / (4 × slices)), so each
 * slice gets several units and the dynamic queue can even out the tail. Range boundaries come from the format's
 * boundaries() op, which reads the file once from its start and knows quotes, escaped newlines and header lines:
 * every range starts exactly on a record, so each record is read once (tests/unit/test_split.c proves it for every
 * split point). Compressed files, formats without boundaries() and files of unknown size stay whole.
 *
 * The work list is sorted by size, largest first (longest-processing-time first): slices take units from the front
 * of a shared queue, which balances them to within about one unit.
 */
#include "load/load_int.h"

#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "common/sys.h"

#define HD_SPLIT_MIN (8ull << 20)
#define HD_SPLIT_MAX_RANGES 4096

static uint64_t
unit_size(const hd_unit *u)
{
	return u->length ? u->length : u->size;
}

static int
by_size_desc(const void *a, const void *b)
{
	uint64_t x = unit_size(a), y = unit_size(b);
	if (x != y)
		return x > y ? -1 : 1;
	/* Same size: file order, then offset, so the plan is deterministic. */
	const hd_unit *ua = a, *ub = b;
	if (ua->file != ub->file)
		return ua->file < ub->file ? -1 : 1;
	return ua->offset < ub->offset ? -1 : ua->offset > ub->offset;
}

/* Append the ranges of file fi to work. */
static hd_code
split_file(hd_plan *p, int fi, uint64_t chunk, hd_units *work, int *cap, hd_err *err)
{
	const hd_unit *f = &p->files.v[fi];
	int m = (int)((f->size + chunk - 1) / chunk);
	uint64_t *want = NULL, *off = NULL, *line = NULL;
	hd_stream *in = NULL;
	hd_code r;

	if (m > HD_SPLIT_MAX_RANGES)
		m = HD_SPLIT_MAX_RANGES;
	want = hd_calloc((size_t)m, sizeof *want);
	off = hd_calloc((size_t)m, sizeof *off);
	line = hd_calloc((size_t)m, sizeof *line);
	if (!want || !off || !line) {
		r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (int i = 1; i < m; i++)
		want[i - 1] = f->size / (uint64_t)m * (uint64_t)i;
	if ((r = p->source->open(p->spec, f, &in, err)) != HD_OK)
		goto out;
	if ((r = hd_codec_transcode(p->spec->encoding, in, &in, err)) != HD_OK) {
		in = NULL;
		goto out;
	}
	if ((r = p->format->boundaries(&p->fmt, in, want, m - 1, off, line, err)) != HD_OK) {
		hd_err_prefix(err, "%s", f->name);
		goto out;
	}
	if (*cap < work->n + m) {
		int nc = (work->n + m) * 2;
		hd_unit *nv = hd_realloc(work->v, (size_t)nc * sizeof *nv);
		if (!nv) {
			r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
			goto out;
		}
		work->v = nv;
		*cap = nc;
	}
	{
		uint64_t start = 0, start_line = 1;
		for (int i = 0; i < m; i++) {
			uint64_t end = i < m - 1 ? off[i] : f->size;
			if (end > start || (i == m - 1 && start == 0)) {
				hd_unit *u = &work->v[work->n++];
				*u = *f;
				u->file = fi;
				u->offset = start;
				u->length = end - start;
				u->first_line = start_line;
				if (i == m - 1 && start == 0)
					u->length = 0; /* nothing was cut off: read it whole */
			}
			if (i < m - 1 && off[i] > start) {
				start = off[i];
				start_line = line[i];
			}
		}
	}
out:
	hd_stream_close(in);
	free(want);
	free(off);
	free(line);
	return r;
}

hd_code
hd_plan_split(hd_plan *p, int slices, hd_err *err)
{
	hd_units work = { 0 };
	uint64_t total = 0, chunk;
	bool can_split;
	int cap = p->files.n + 1;
	hd_code r = HD_OK;

	for (int i = 0; i < p->files.n; i++)
		total += p->files.v[i].size;
	chunk = total / (4u * (uint64_t)(slices > 0 ? slices : 1));
	if (chunk < HD_SPLIT_MIN)
		chunk = HD_SPLIT_MIN;
	/* Byte offsets mean something only in the bytes the format reads: not for compressed or UTF-16 input. */
	can_split = slices > 1 && p->format->boundaries && p->spec->compression == HD_COMP_NONE &&
	            p->spec->encoding == HD_ENC_UTF8;

	if (!(work.v = hd_calloc((size_t)cap, sizeof *work.v)))
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	for (int i = 0; i < p->files.n && r == HD_OK; i++) {
		const hd_unit *f = &p->files.v[i];
		if (can_split && !f->whole && f->size > chunk + chunk / 2) { /* whole: emr:// over SSH (issue 7) */
			r = split_file(p, i, chunk, &work, &cap, err);
			continue;
		}
		if (work.n == cap) {
			hd_unit *nv = hd_realloc(work.v, (size_t)cap * 2 * sizeof *nv);
			if (!nv) {
				r = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
				break;
			}
			work.v = nv;
			cap *= 2;
		}
		work.v[work.n] = *f;
		work.v[work.n].file = i;
		work.n++;
	}
	if (r) {
		free(work.v);
		return r;
	}
	qsort(work.v, (size_t)work.n, sizeof *work.v, by_size_desc);
	free(p->work.v);
	p->work = work;
	return HD_OK;
}
