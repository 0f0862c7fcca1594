/*
 * fixedwidth.c — FIXEDWIDTH 'label1:width1,label2:width2,…' (hd_format_fixedwidth).
 *
 * In: bytes from an hd_rdbuf (reader.c). Out: one record per call, its fields as {p, n} slices straight into the
 * input buffer (no copies, no scratch), valid until the next call. Buffers: the rdbuf (HD_MAX_RECORD +
 * HD_READ_CHUNK) and one fields array of nfw_cols entries allocated at open. Nothing is allocated per record.
 *
 * Rules (Redshift Database Developer Guide pages named in brackets):
 *  - a record is one line: it ends at LF; a CR right before the LF is dropped; a last line without LF counts
 *    [copy-parameters-data-format: records end at newline; COPY-SPEC];
 *  - fields come out in the order of the spec, one per label; labels are ignored ("the identifier has no relation
 *    to the table itself", so the spec lists columns in table order) [t_loading_fixed_width_data]; load/ maps them
 *    to the column list or the table's columns like any other format;
 *  - widths count CHARACTERS, not bytes [copy-parameters-data-conversion, ENCODING: "the field widths are based on
 *    the number of characters, not the number of bytes"]. A character is one UTF-8 sequence: a lead byte C0..F7
 *    followed by the right number of continuation bytes (80..BF). Any other byte — a stray continuation byte, a
 *    lead byte without its continuations, F8..FF — counts as one character by itself, so an invalid byte never
 *    swallows its neighbours; convert/ then reports it (1220) or replaces it (ACCEPTINVCHARS) in the field that
 *    holds it [multi-byte-character-load-errors];
 *  - padding is data: a field is returned with its leading/trailing blanks (TRIMBLANKS, BLANKSASNULL and NULL AS act
 *    on these bytes later, in convert/) [t_loading_fixed_width_data: character data carries leading or trailing
 *    spaces as placeholders, integers leading zeros]. So NULL AS matches a field whose bytes, padding included, are
 *    the null string (no page says Redshift strips padding first; a 2-character field holding \N is NULL);
 *  - the input is UTF-8: "Fixed-width data files must use UTF-8 encoding" [copy-parameters-data-conversion,
 *    ENCODING]; copy/ refuses FIXEDWIDTH with ENCODING UTF16*;
 *  - a record shorter than the sum of the widths: the fields end where the record ends. The field the record ends
 *    in comes out short; the fields after it are absent (nfields < nfw_cols), which load/ rejects as missing columns
 *    or, with FILLRECORD, loads as NULL / empty [copy-parameters-data-conversion, FILLRECORD]. Redshift's own sample
 *    relies on this [r_COPY_command_examples "Load VENUE from a fixed-width data file", t_loading_fixed_width_data]:
 *    with 'venueid:3,venuename:25,venuecity:12,venuestate:2,venueseats:6' its lines end after 1 to 5 characters of
 *    the 6-character venueseats field, and load (0, 68756). The first field is always present (an empty line is one
 *    empty field, as in delimited text);
 *  - a record longer than the sum of the widths is rejected: 1202 "Extra column(s) found" (r_Load_Error_Reference)
 *    — bytes past the last field are never dropped silently;
 *  - IGNOREHEADER n skips n lines of each input (not in a byte range that starts mid-file); IGNOREBLANKLINES drops
 *    empty lines (LF or CR LF) [copy-parameters-data-conversion]; line numbers count every physical line.
 *
 * Hot path: the LF is found with the shared 64-byte classifier (hd_scan; its state is kept from one record to the
 * next, so a window is classified once however short the records); the record's bytes are then searched 32 at a
 * time for a high bit. Fields wholly before the first byte >= 0x80 — all of them in an ASCII record — are cut at
 * byte offsets; characters are walked only from the field holding that byte (still skipping ASCII 8 bytes at a
 * time).
 */
#include "format/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "format/format_int.h"
#include "common/sys.h"

#define FW_HIGH 0x8080808080808080ull

typedef struct fw_reader {
	hd_rdbuf rb;
	hd_format_opts o;
	int ncol;
	uint32_t *width;     /* ncol widths, in characters */
	uint64_t total;      /* sum of the widths */
	hd_field *fields;    /* ncol entries */
	hd_scanset set;      /* LF only */
	hd_classify_fn fn;
	hd_scan sc;
	bool sc_ok;          /* sc is set up over the current buffer */
	size_t sc_from;      /* with !sc_ok: bytes after rb.start already known to hold no LF */
	bool header_done;
	hd_code failed;      /* sticky fatal error */
} fw_reader;

static inline uint64_t
load64(const char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

/* Offset of the first byte >= 0x80 in [p, p + n), or n. 32 bytes per step, 8 at a time. */
static inline size_t
first_high(const char *p, size_t n)
{
	size_t i = 0;

	for (; i + 32 <= n; i += 32)
		if ((load64(p + i) | load64(p + i + 8) | load64(p + i + 16) | load64(p + i + 24)) & FW_HIGH)
			break;
	for (; i + 8 <= n; i += 8)
		if (load64(p + i) & FW_HIGH)
			break;
	for (; i < n; i++)
		if ((unsigned char)p[i] & 0x80)
			break;
	return i;
}

/* Bytes of the character at q (q < e): a complete UTF-8 sequence, or 1 for any byte that does not start one. */
static inline size_t
char_len(const unsigned char *q, const unsigned char *e)
{
	size_t need, i;
	unsigned char b = *q;

	if (b < 0xC0)
		return 1; /* ASCII, or a stray continuation byte */
	need = b < 0xE0 ? 2 : b < 0xF0 ? 3 : b < 0xF8 ? 4 : 1;
	if ((size_t)(e - q) < need)
		return 1;
	for (i = 1; i < need; i++)
		if ((q[i] & 0xC0) != 0x80)
			return 1;
	return need;
}

/* Advance over up to w characters from q; returns the new position (<= e). */
static const char *
skip_chars(const char *q, const char *e, uint64_t w)
{
	while (w > 0 && q < e) {
		if (w >= 8 && e - q >= 8 && (load64(q) & FW_HIGH) == 0) {
			q += 8;
			w -= 8;
			continue;
		}
		q += char_len((const unsigned char *)q, (const unsigned char *)e);
		w--;
	}
	return q;
}

/* Cut [p, p + n) into fields. Returns false when the record holds more than the widths. The fields before the first
 * byte >= 0x80 are cut at byte offsets (all of them in an ASCII record); characters are walked from the field that
 * holds that byte on. */
static bool
split(fw_reader *r, const char *p, size_t n, int *nf)
{
	hd_field *f = r->fields;
	const size_t hp = first_high(p, n);
	size_t pos = 0;
	int i;

	for (i = 0; i < r->ncol && pos + r->width[i] <= hp; i++) {
		f[i].p = p + pos;
		f[i].n = r->width[i];
		f[i].quoted = f[i].null = false;
		pos += r->width[i];
	}
	if (hp == n) {
		/* ASCII to the end: the rest is short or absent */
		for (; i < r->ncol && (i == 0 || pos < n); i++) {
			f[i].p = p + pos;
			f[i].n = (uint32_t)(n - pos);
			f[i].quoted = f[i].null = false;
			pos = n;
		}
		*nf = i;
		return n <= r->total;
	}
	{
		const char *q = p + pos, *e = p + n, *s;
		for (; i < r->ncol && (i == 0 || q < e); i++) {
			s = q;
			q = skip_chars(q, e, r->width[i]);
			f[i].p = s;
			f[i].n = (uint32_t)(q - s);
			f[i].quoted = f[i].null = false;
		}
		*nf = i;
		return q >= e;
	}
}

static int
fatal(fw_reader *r, hd_code code)
{
	r->failed = code;
	return HD_REC_ERROR;
}

/* The next LF at or after buf + start, or end when the buffered input holds none. */
static const char *
find_lf(fw_reader *r)
{
	const char *start = r->rb.buf + r->rb.start, *end = r->rb.buf + r->rb.end;

	if (!r->sc_ok) {
		hd_scan_init(&r->sc, start + r->sc_from, end, &r->set, r->fn);
		r->sc_ok = true;
		r->sc_from = 0;
	}
	return hd_scan_next(&r->sc);
}

static int
fw_next(hd_reader *rd, hd_record *rec, hd_recfail *fail, hd_err *err)
{
	fw_reader *r = (fw_reader *)(void *)rd;
	hd_code c;

	if (r->failed) {
		hd_err_set(err, r->failed, "%s: reading stopped after an earlier error", r->rb.in->name);
		return HD_REC_ERROR;
	}
	if (!r->header_done) {
		if (!r->o.mid_file && r->o.ignoreheader > 0) {
			if ((c = hd_rdbuf_skip_lines(&r->rb, r->o.ignoreheader, err)) != HD_OK)
				return fatal(r, c);
			r->sc_ok = false;
			r->sc_from = 0;
		}
		r->header_done = true;
	}
	for (;;) {
		const char *base = r->rb.buf + r->rb.start, *end = r->rb.buf + r->rb.end;
		const char *nl = find_lf(r), *rec_end, *next;
		uint64_t lines;
		int nf;

		if (nl == end) {
			if (!r->rb.eof) {
				if (r->rb.end - r->rb.start > (size_t)HD_MAX_RECORD + 1)
					return fatal(r, hd_rdbuf_too_long(&r->rb, r->rb.line, err));
				r->sc_from = r->rb.end - r->rb.start;
				r->sc_ok = false;
				if ((c = hd_rdbuf_fill(&r->rb, err)) != HD_OK)
					return fatal(r, c);
				continue;
			}
			if (base == end)
				return HD_REC_EOF;
			rec_end = next = end;
			lines = 0;
		} else {
			rec_end = (nl > base && nl[-1] == '\r') ? nl - 1 : nl;
			next = nl + 1;
			lines = 1;
		}
		if ((size_t)(rec_end - base) > HD_MAX_RECORD)
			return fatal(r, hd_rdbuf_too_long(&r->rb, r->rb.line, err));
		rec->raw = base;
		rec->raw_len = (size_t)(rec_end - base);
		rec->line = r->rb.line;
		rec->offset = hd_rdbuf_offset(&r->rb);
		rec->fields = r->fields;
		hd_rdbuf_consume(&r->rb, (size_t)(next - base), lines);
		if (rec->raw_len == 0 && r->o.ignoreblanklines)
			continue;
		if (!split(r, base, rec->raw_len, &nf)) {
			rec->nfields = 0;
			if (fail) {
				fail->code = 1202;
				snprintf(fail->reason, sizeof fail->reason,
				    "Extra column(s) found: record longer than the %llu characters of FIXEDWIDTH",
				    (unsigned long long)r->total);
			}
			return HD_REC_BAD;
		}
		rec->nfields = nf;
		return HD_REC_OK;
	}
}

static void
fw_close(hd_reader *rd)
{
	fw_reader *r = (fw_reader *)(void *)rd;
	if (!r)
		return;
	hd_rdbuf_free(&r->rb);
	free(r->fields);
	free(r->width);
	free(r);
}

/* The widths must be usable: 1..HD_MAX_FIELDS columns, each at least one character wide. */
static hd_code
check_spec(const hd_format_opts *o, hd_err *err)
{
	if (!o->fw_cols || o->nfw_cols < 1)
		return hd_err_set(err, HD_ERR_SYNTAX, "FIXEDWIDTH needs at least one label:width pair");
	if (o->nfw_cols > HD_MAX_FIELDS)
		return hd_err_set(err, HD_ERR_SYNTAX, "FIXEDWIDTH has %d columns; at most %d are allowed", o->nfw_cols,
		    HD_MAX_FIELDS);
	for (int i = 0; i < o->nfw_cols; i++)
		if (o->fw_cols[i].width < 1 || (unsigned)o->fw_cols[i].width > HD_MAX_RECORD)
			return hd_err_set(err, HD_ERR_SYNTAX, "FIXEDWIDTH column %d (\"%s\") has invalid width %d", i + 1,
			    o->fw_cols[i].label ? o->fw_cols[i].label : "", o->fw_cols[i].width);
	return HD_OK;
}

static hd_code
fw_open(const hd_format_opts *o, hd_stream *in, hd_reader **out, hd_err *err)
{
	fw_reader *r;
	hd_code c;

	*out = NULL;
	if ((c = check_spec(o, err)) != HD_OK)
		return c;
	r = hd_calloc(1, sizeof *r);
	if (!r)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	r->o = *o;
	r->ncol = o->nfw_cols;
	r->width = hd_malloc((size_t)r->ncol * sizeof *r->width);
	r->fields = hd_calloc((size_t)r->ncol, sizeof *r->fields);
	if (!r->width || !r->fields) {
		free(r->width);
		free(r->fields);
		free(r);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	for (int i = 0; i < r->ncol; i++) {
		r->width[i] = (uint32_t)o->fw_cols[i].width;
		r->total += r->width[i];
	}
	if ((c = hd_rdbuf_init(&r->rb, in, err)) != HD_OK) {
		free(r->width);
		free(r->fields);
		free(r);
		return c;
	}
	hd_rdbuf_place(&r->rb, o->first_offset, o->first_line); /* byte-range units: offsets and lines in the file */
	hd_scanset_init(&r->set, '\n', '\n', '\n');
	r->fn = hd_classify_get();
	*out = (hd_reader *)(void *)r;
	return HD_OK;
}

/*
 * Boundaries: a record starts at the input's first byte after the IGNOREHEADER lines and after every LF past them
 * (blank lines are records too: a range reader drops them exactly as the whole-file reader does). One pass over the
 * input in HD_READ_CHUNK pieces through one buffer allocated here; LFs are found with memchr.
 */
static hd_code
fw_boundaries(const hd_format_opts *o, hd_stream *in, const uint64_t *want, int n, uint64_t *off, uint64_t *line,
              hd_err *err)
{
	char *buf;
	uint64_t pos = 0, lfs = 0;
	long header = o->ignoreheader > 0 ? o->ignoreheader : 0;
	bool first_known = header == 0;
	int i = 0;
	hd_code c = HD_OK;

	buf = hd_malloc(HD_READ_CHUNK);
	if (!buf)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	if (first_known)
		while (i < n && want[i] == 0) {
			off[i] = 0;
			line[i] = 1;
			i++;
		}
	while (i < n) {
		ssize_t got = hd_stream_read(in, buf, HD_READ_CHUNK, err);
		const char *p, *e, *nl;
		if (got < 0) {
			c = err && err->code ? err->code : HD_ERR_IO;
			goto out;
		}
		if (got == 0) {
			/* No record starts at or after the rest: the input size (line: the one after the last LF). */
			for (; i < n; i++) {
				off[i] = pos;
				line[i] = lfs + 1;
			}
			break;
		}
		p = buf;
		e = buf + got;
		while (p < e && (nl = memchr(p, '\n', (size_t)(e - p))) != NULL) {
			uint64_t b = pos + (uint64_t)(nl - buf) + 1; /* a record may start here */
			lfs++;
			p = nl + 1;
			if (!first_known) {
				if ((long)lfs < header)
					continue;
				first_known = true; /* b is the first record's start */
			}
			while (i < n && want[i] <= b) {
				off[i] = b;
				line[i] = lfs + 1;
				i++;
			}
			if (i == n)
				break; /* every boundary found: no need to read on */
		}
		pos += (uint64_t)got;
	}
out:
	free(buf);
	return c;
}

const hd_format_ops hd_format_fixedwidth = {
	.name = "fixedwidth",
	.open = fw_open,
	.next = fw_next,
	.close = fw_close,
	.boundaries = fw_boundaries,
};
