/*
 * source.h — turn a COPY's FROM into units of work, and open a byte stream for one unit.
 *
 * One ops table per source kind (file.c now; ssh, hdfs, emr later) behind hd_source_for(). list() expands the
 * FROM (globs, Redshift's prefix rule) into units in name order; a FROM that matches nothing is HD_ERR_NOTFOUND
 * ("load file not found", Redshift 1212). open() returns a stream of the unit's raw (still compressed) bytes.
 */
#ifndef HD_SOURCE_SOURCE_H
#define HD_SOURCE_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/stream.h"
#include "copy/copy.h"

typedef struct hd_unit {
	char *name;        /* what the unit is called in messages and system tables (a path, host: command, URL) */
	uint64_t size;     /* bytes, 0 when unknown */
	uint64_t offset;   /* first byte to read (byte-range splits; 0 = start) */
	uint64_t length;   /* bytes to read; 0 = to the end */
	uint64_t first_line; /* line number of the unit's first byte (byte-range splits; 0 = 1) */
	int file;          /* index of the file this unit reads (several units of one file share it) */
	/* Added for SSH sources (issue 6): */
	bool optional;     /* a unit that cannot be opened is skipped with a warning instead of failing the COPY */
	void *priv;        /* source-private data for open() (ssh.c: its manifest entry); freed with the unit's name,
	                    * shared (not copied) by the work units cut from it */
	bool whole;        /* issue 7: never cut into byte ranges (emr:// over SSH: a command's output has no offsets) */
} hd_unit;

typedef struct hd_units {
	hd_unit *v;
	int n;
} hd_units;

void hd_units_free(hd_units *u);

typedef struct hd_source_ops {
	const char *name;
	hd_code (*list)(const hd_copy_spec *spec, hd_units *out, hd_err *err);
	hd_code (*open)(const hd_copy_spec *spec, const hd_unit *unit, hd_stream **out, hd_err *err);
} hd_source_ops;

/* The ops for the spec's source kind; NULL with HD_ERR_UNSUPPORTED when not implemented yet. */
const hd_source_ops *hd_source_for(const hd_copy_spec *spec, hd_err *err);

extern const hd_source_ops hd_source_file;
extern const hd_source_ops hd_source_ssh; /* ssh.c: COPY … FROM 'manifest' SSH (issue 6) */
extern const hd_source_ops hd_source_hdfs; /* hdfs://namenode[:http-port]/path over WebHDFS (source/hdfs.c) */
extern const hd_source_ops hd_source_emr;  /* emr://cluster-id/path: a catalogued cluster (source/emr.c) */

/* Added for issue 7 (source/small.c): read one small file whole from a location as a COPY names its data — a local
 * path, file:///path, hdfs://nn[:port]/path, hdfs:///path or emr://ID/path — through the source that reads such
 * data (same HDFS auth, cluster catalog, errors). stmt (may be NULL) lends its authorization (the credential profile
 * of an emr:// cluster read over SSH). The location must name exactly one file (no wildcard; the prefix rule does not
 * apply): else HD_ERR_NOTFOUND "<what> '<location>' not found". More than cap bytes is HD_ERR_LIMIT. *out (initialised
 * here; the caller frees it with hd_buf_free) holds the bytes, NUL-terminated. */
hd_code hd_source_read_small(const char *location, const hd_copy_spec *stmt, size_t cap, const char *what, hd_buf *out,
                             hd_err *err);

/* Glob matching of one string against a pattern with * ? [...] ([!...] and [^...] negate; \ escapes). '*' and '?' do
 * not match '/' when path is true. */
bool hd_glob_match(const char *pat, const char *s, bool path);
/* True when the string holds an unescaped glob character. */
bool hd_glob_has_magic(const char *pat);
/* Hadoop's alternations (added for hdfs.c): does pat hold a balanced {…} group? hd_glob_braces() expands every group
 * (nested, comma-separated at its top level; \ escapes; an unbalanced '{' is literal) into *out, left to right, e.g.
 * "/d/{a,b{1,2}}/x" → "/d/a/x" "/d/b1/x" "/d/b2/x". Returns the count (1 when there is no group), or -1 past max
 * patterns or out of memory. The caller frees each string and the array. */
bool hd_glob_has_braces(const char *pat);
int hd_glob_braces(const char *pat, char ***out, int max);

#endif
