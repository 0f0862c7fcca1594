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
	bool null;   /* the field is NULL whatever its bytes (a JSON null, a JSON key or jsonpath with no match) */
	bool jstring;/* JSON only: the field is a JSON string, already unescaped (a json/jsonb column needs it re-quoted) */
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
	 * "\\N" by default (CSV too: registry.c); NULL = "\\N". Points into the spec or at a literal: must outlive the reader. */
	const char *null_as;
	size_t null_as_len;
	/* Byte-range units (load/plan splits big uncompressed files): the reader of a range that does not start the
	 * file skips no header and numbers its lines from first_line. */
	uint64_t first_line;        /* line number of the input's first byte; 0 means 1 */
	bool mid_file;              /* the input starts inside a file: IGNOREHEADER does not apply */
	uint64_t first_offset;      /* added: file offset of the input's first byte (hd_record.offset counts from it) */
	/* JSON 'auto': the names of the columns the fields must come out as, in order (ncolumns of them). */
	const char *const *colnames;
	bool json_ignorecase;
	const char *jsonpaths;      /* the jsonpaths file's text (read by load/ from the spec's location), NUL-terminated */
	size_t jsonpaths_len;
} hd_format_opts;

typedef struct hd_reader hd_reader;

typedef struct hd_format_ops {
	const char *name;
	hd_code (*open)(const hd_format_opts *o, hd_stream *in, hd_reader **out, hd_err *err);
	int (*next)(hd_reader *r, hd_record *rec, hd_recfail *fail, hd_err *err);
	void (*close)(hd_reader *r);
	/*
	 * Record boundaries for byte-range splits, or NULL when the format cannot be split (each file is one unit).
	 * in is the whole uncompressed input from its first byte. For each want[i] (ascending), set off[i] to the offset
	 * of the first record that starts at or after want[i] (the input size when none does) and line[i] to that
	 * record's line number, exactly as a reader of the whole input would see it: quotes, escaped newlines and
	 * IGNOREHEADER are honoured. A range [off[i], off[i+1]) read on its own (mid_file, first_line = line[i]) yields
	 * exactly the records the whole-file reader yields for those bytes.
	 */
	hd_code (*boundaries)(const hd_format_opts *o, hd_stream *in, const uint64_t *want, int n, uint64_t *off,
	                      uint64_t *line, hd_err *err);
} hd_format_ops;

/* The ops for a format kind, or NULL when the format is not implemented (the caller says "not supported"). */
const hd_format_ops *hd_format_for(hd_format_kind kind);

/* Fill opts from a statement. */
void hd_format_opts_from_spec(const hd_copy_spec *spec, int ncolumns, hd_format_opts *o);

extern const hd_format_ops hd_format_delimited;
extern const hd_format_ops hd_format_csv;
extern const hd_format_ops hd_format_fixedwidth;
extern const hd_format_ops hd_format_json;

#endif
