/*
 * format.h — split a byte stream into records and fields.
 *
 * One ops table per format (delimited, csv, fixedwidth, json) behind hd_format_for(). A reader owns one input
 * buffer of at most HD_MAX_RECORD + HD_READ_CHUNK bytes and a per-record scratch buffer (for fields that must be
 * rewritten: escapes, doubled quotes); both are reused for every record, so memory does not grow with input.
 *
 * hd_reader_next() returns
 *    HD_REC_OK    a record: rec->fields[0..nfields) are slices into the reader's buffers, valid until the next call;
 *                 rec->raw is the record's bytes as read (without its line end), also valid until the next call;
 *    HD_REC_BAD   a malformed record (fail has a Redshift code and reason; rec->raw/line/offset say which): the
 *                 reader has skipped it and can go on;
 *    HD_REC_EOF   end of input;
 *    HD_REC_ERROR a fatal error (I/O, a record over HD_MAX_RECORD): err is set; the reader cannot go on.
 *
 * Header lines (IGNOREHEADER) and blank lines (IGNOREBLANKLINES) are consumed by the reader, never returned.
 *
 * The reader borrows its stream: the caller closes the stream after close(reader).
 *
 * Escapes and the null string (ESCAPE): a field holding escapes is returned with the escape bytes removed, EXCEPT
 * when an unquoted field's bytes as read are exactly the null string (hd_format_opts.null_as, default the two
 * bytes \N): then it is returned as read, so the later NULL AS comparison on the field's bytes sees the null
 * string. With the default null string this gives Redshift's rule that \N and \\N both load NULL
 * (copy-parameters-data-conversion, ESCAPE): \\N un-escapes to \N. Inside quotes (REMOVEQUOTES) escapes are
 * always removed: a quoted field is never NULL.
 */
#ifndef HD_FORMAT_FORMAT_H
#define HD_FORMAT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/stream.h"
#include "copy/copy.h"

typedef struct hd_field {
	const char *p;
	uint32_t n;
	bool quoted; /* the field was enclosed in quotes (CSV, REMOVEQUOTES): NULL AS and empty-field rules differ */
} hd_field;

typedef struct hd_record {
	hd_field *fields;
	int nfields;
	const char *raw;   /* the record's bytes without the line end */
	size_t raw_len;
	uint64_t line;     /* 1-based line number of the record's first byte in its input */
	uint64_t offset;   /* byte offset of the record's first byte in its (decompressed) input */
} hd_record;

typedef struct hd_recfail {
	int code;          /* Redshift load-error code, e.g. 1214 */
	char reason[128];
} hd_recfail;

enum { HD_REC_OK = 0, HD_REC_BAD = 1, HD_REC_EOF = 2, HD_REC_ERROR = -1 };

/* What a reader needs from the statement: taken from hd_copy_spec once per COPY. */
typedef struct hd_format_opts {
	hd_format_kind kind;
	char delimiter;
	char quote;
	bool escape;
	bool removequotes;
	bool ignoreblanklines;
	long ignoreheader;
	const hd_fw_col *fw_cols;   /* FIXEDWIDTH */
	int nfw_cols;
	int ncolumns;               /* columns the record should have (for formats that need it) */
	/* Added for ESCAPE's null-string rule (see above). The NULL AS string, not NUL-terminated, may hold a NUL;
	 * "\\N" by default, "" for CSV; NULL = the default. Points into the spec or at a literal: must outlive the reader. */
	const char *null_as;
	size_t null_as_len;
} hd_format_opts;

typedef struct hd_reader hd_reader;

typedef struct hd_format_ops {
	const char *name;
	hd_code (*open)(const hd_format_opts *o, hd_stream *in, hd_reader **out, hd_err *err);
	int (*next)(hd_reader *r, hd_record *rec, hd_recfail *fail, hd_err *err);
	void (*close)(hd_reader *r);
} hd_format_ops;

/* The ops for a format kind, or NULL when the format is not implemented (the caller says "not supported"). */
const hd_format_ops *hd_format_for(hd_format_kind kind);

/* Fill opts from a statement. */
void hd_format_opts_from_spec(const hd_copy_spec *spec, int ncolumns, hd_format_opts *o);

extern const hd_format_ops hd_format_delimited;

#endif
