/*
 * load_int.h — private to load/: the plan of one COPY, a slice's working state, and the rejected-row batch.
 */
#ifndef HD_LOAD_LOAD_INT_H
#define HD_LOAD_LOAD_INT_H

#include <stdatomic.h>

#include "common/buf.h"
#include "common/limits.h"
#include "convert/convert.h"
#include "format/format.h"
#include "load/load.h"
#include "load/rowq.h"
#include "source/source.h"

/* Everything decided once per COPY, before any byte is read; read-only while slices run. */
typedef struct hd_plan {
	const hd_copy_spec *spec;
	hd_table *table;
	int ncols;                 /* values per row = fields each record must supply */
	int *colidx;               /* colidx[i]: the table column that input field i loads */
	hd_conv_opts conv;
	hd_dtfmt *datefmt, *timefmt;
	hd_format_opts fmt;
	const hd_format_ops *format;
	const hd_source_ops *source;
	hd_units files;            /* what the FROM matched, in name order: the files of stl_load_commits */
	hd_units work;             /* units of work, largest first: whole files, or byte ranges of big ones (.file) */
	bool json;                 /* JSON input: string fields bound for json/jsonb columns are re-quoted */
	bool trailing_delimiter;   /* a record ending in a delimiter loads as if it were absent (delimited text) */
	int short_code;            /* the error code for a record with too few fields (1214 text, 1203 others) */
	long maxerror;             /* LONG_MAX with IGNOREALLERRORS */
	const char **colnames;     /* JSON 'auto': the input's column names, in order */
	char *jsonpaths;           /* JSON: the jsonpaths file's text */
} hd_plan;

/* Shared by the slices: the only state they have in common. */
typedef struct hd_shared {
	atomic_llong errors;       /* rejected rows, all slices: MAXERROR counts across them */
	atomic_int stop;           /* set by the first slice that fails: the others stop promptly */
	atomic_int next_unit;      /* the next unit of work to take */
	hd_file_result *results;   /* per unit of work; each written only by the slice that took the unit */
	atomic_llong rows;         /* progress: rows accepted so far, all slices */
	atomic_llong bytes;        /* progress: input bytes read so far, all slices */
	char **skipped;            /* per unit of work: why an optional unit (SSH, issue 6) was skipped, else NULL;
	                            * each written only by the slice that took the unit */
} hd_shared;

/* A rejected row, copied out of the reader's buffers (which the next record overwrites). */
typedef struct hd_errrow {
	const char *filename;      /* the unit's name: lives as long as the plan */
	int64_t line;
	int32_t position;
	int32_t col_length;
	int code;
	size_t raw_line_len, raw_field_len;
	char colname[HD_MAX_IDENT + 1];
	char type[32];
	char reason[128];
	char raw_line[HD_RAW_LINE_MAX];
	char raw_field[HD_RAW_FIELD_MAX];
} hd_errrow;

#define HD_ERRBATCH 64

typedef struct hd_errbatch {
	hd_errrow rows[HD_ERRBATCH];
	int n;
	bool have_first;
	char first[512];           /* the load's first rejected row, as one line for the failure message */
} hd_errbatch;

/* One slice: a thread's worth of state. Nothing here is shared. */
typedef struct hd_slice {
	int id;
	const hd_plan *plan;
	hd_shared *shared;
	hd_sink *sink;             /* this slice's target connection (NULL with NOLOAD) */
	const hd_sink_ops *sops;
	hd_sink *errsink;          /* where rejected rows go */
	pthread_mutex_t *errlock;  /* held around errsink calls when slices share it (NULL: not shared) */
	hd_rowq *q;                /* single-writer mode: rows go here instead of to a sink */
	hd_rowbuf *cur;
	const hd_load_info *info;
	hd_buf scratch;            /* per-record conversion scratch, capped */
	hd_format_opts fmt;        /* the plan's format options, adjusted per unit (byte ranges) */
	hd_buf jbuf;               /* JSON strings re-quoted for json/jsonb columns; reset per record */
	hd_value *vals;
	hd_errbatch *eb;
	int64_t rows, replaced;
	uint64_t bytes;
	/* the slice's outcome when it runs on a thread of its own */
	hd_code rc;
	hd_err err;
} hd_slice;

/* errors.c */
hd_code hd_slice_flush_errors(hd_slice *sl, hd_err *err);
void hd_errbatch_add(hd_errbatch *b, const char *filename, const hd_record *rec, int code, const char *reason,
                     const hd_column *col, const hd_field *field);
hd_code hd_errbatch_flush(hd_errbatch *b, const hd_sink_ops *sops, hd_sink *sink, const hd_load_info *info,
                          const hd_table *t, int slice, hd_err *err);

/* plan.c */
hd_code hd_plan_build(const hd_load_env *env, const hd_copy_spec *spec, hd_plan *plan, hd_err *err);
void hd_plan_free(hd_plan *plan);

/* slice.c: run units until none are left or the load must stop; then hand over the last row buffer. */
hd_code hd_slice_run(hd_slice *sl, hd_err *err);

/* split.c: cut big uncompressed files into byte ranges on record boundaries; order the work largest first. */
hd_code hd_plan_split(hd_plan *p, int slices, hd_err *err);

#endif
