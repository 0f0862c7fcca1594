/*
 * delimited.c — Redshift's default format: character-delimited text (hd_format_delimited).
 *
 * In: bytes from an hd_rdbuf (reader.c). Out: one record per call, fields as {p, n} slices.
 * Buffers: the rdbuf (HD_MAX_RECORD + HD_READ_CHUNK), a fields array grown by doubling up to HD_MAX_FIELDS + 1
 * entries (never shrinks), and a scratch buffer of HD_MAX_RECORD bytes allocated on the first escaped field.
 * A field without escapes points straight into the input buffer; a field with escapes is copied, escape bytes
 * removed, into scratch. Both stay valid until the next call.
 *
 * Rules (Redshift pages copy-parameters-data-format and copy-parameters-data-conversion):
 *  - a record ends at an unescaped LF; an unescaped CR right before it is dropped; a last record without LF counts;
 *  - fields split on the one-byte delimiter;
 *  - ESCAPE: '\' makes the next byte data, whatever it is (delimiter, LF — the record goes on —, CR, '\', quote,
 *    any letter: "\t" is 't', as the page says the following character is loaded as is). Each escape covers exactly
 *    one byte, so "\<CR><LF>" keeps the CR as data and the LF ends the record (what UNLOAD ... ESCAPE writes for a CR).
 *    A '\' that is the very last byte of the input escapes nothing and is data. An unquoted field whose bytes are
 *    exactly the null string is returned as read (see format.h), so "\N" stays NULL;
 *  - REMOVEQUOTES: a field that begins with '"' or '\'' (the page's table strips both kinds) runs to the same quote
 *    followed by a delimiter, the line end or the end of input; everything between — delimiters, other quotes — is
 *    data (so ''Black'' loads 'Black', as on the page). Newlines are not data inside quotes: a quote still open at
 *    the line end is the page's "error condition" (1214, the record is skipped). A quote not at a field's start is
 *    data ("Blue'" loads as is). With ESCAPE, an escaped quote never closes;
 *  - IGNOREHEADER n skips n physical lines of each input; IGNOREBLANKLINES drops records that are empty lines (LF or
 *    CR LF); without it an empty line is a record of one empty field;
 *  - line numbers count every physical line (headers and blank lines too), like stl_load_errors.line_number;
 *  - byte-range units (format.h): a reader with mid_file skips no header; first_line/first_offset place the input
 *    in its file. dl_boundaries() finds the record starts for such ranges (see the note above it).
 *
 * Hot loop: hd_scan finds delimiter/LF/backslash 64 bytes at a time; quoted fields and escapes leave the fast path.
 * When the buffer ends inside a record, the reader refills (which may move the bytes) and parses the record again
 * from its start: at most once per HD_READ_CHUNK of input.
 */
#include "format/format.h"

#include <string.h>

#include "common/limits.h"
#include "format/sepreader.h"

static const char UNMATCHED_QUOTE[] = "Delimiter not found: unmatched quote (REMOVEQUOTES)";

/* Copy [p, e) without escape bytes into scratch. Out of line: escapes are the rare path. */
static __attribute__((noinline)) int
unescape(hd_sepreader *r, const hd_sepstate *ps, const char *p, const char *e, hd_field *f)
{
	char *out, *o;
	int rc;

	if (!(out = o = hd_sep_scratch(r, ps, e, &rc)))
		return rc;
	while (p < e) {
		const char *bs = memchr(p, '\\', (size_t)(e - p));
		if (!bs) {
			memcpy(o, p, (size_t)(e - p));
			o += e - p;
			break;
		}
		memcpy(o, p, (size_t)(bs - p));
		o += bs - p;
		if (bs + 1 < e) {
			*o++ = bs[1];
			p = bs + 2;
		} else {
			*o++ = '\\'; /* the last byte of the input: escapes nothing */
			p = bs + 1;
		}
	}
	return hd_sep_rewritten(r, f, out, o);
}

static inline int
push(hd_sepreader *r, hd_sepstate *ps, const char *p, const char *e, bool esc, bool quoted)
{
	hd_field *f;
	int rc = SEP_NOMEM; /* set by hd_sep_slot() when it fails; initialised for the compiler's sake */

	if (!(f = hd_sep_slot(r, ps, &rc)))
		return rc;
	/* every other member (null, and whatever other formats add) zeroed */
	*f = (hd_field){ .p = p, .n = (uint32_t)(e - p), .quoted = quoted };
	/* an unquoted field that is exactly the null string stays as read (format.h); quoted fields are never NULL */
	if (esc && (quoted || !((size_t)(e - p) == r->o.null_as_len && memcmp(p, r->o.null_as, r->o.null_as_len) == 0)))
		return unescape(r, ps, p, e, f);
	return SEP_REC;
}

/* A REMOVEQUOTES field starting at *fstart (a quote). On SEP_REC with *fstart set, the next field starts there;
 * with *fstart == NULL, the record is complete (ps->rec_end/next/lines set). */
static __attribute__((noinline)) int
quoted_field(hd_sepreader *r, hd_sepstate *ps, const char **fstart, const char *end, const char **last_esc_end)
{
	const char q = **fstart, delim = r->o.delimiter;
	const bool eof = r->rb.eof, esc_on = r->o.escape;
	const char *p = *fstart + 1, *n;
	bool esc = false;
	int rc;

	for (;;) {
		if (p >= end) {
			if (!eof)
				return SEP_MORE;
			ps->rec_end = ps->next = end;
			ps->why = UNMATCHED_QUOTE;
			return SEP_BAD; /* unmatched quote at the end of input */
		}
		if (*p == q) {
			n = p + 1;
			if (n == end) {
				if (!eof)
					return SEP_MORE;
				ps->rec_end = ps->next = end;
				break;
			}
			if (*n == delim) {
				ps->next = NULL;
				break;
			}
			if (*n == '\n') {
				ps->rec_end = n;
				ps->next = n + 1;
				ps->lines++;
				break;
			}
			if (*n == '\r') {
				if (n + 1 == end && !eof)
					return SEP_MORE;
				if (n + 1 < end && n[1] == '\n') {
					ps->rec_end = n;
					ps->next = n + 2;
					ps->lines++;
					break;
				}
			}
			p++;
			continue;
		}
		if (*p == '\n') {
			/* the page's "error condition": an opening quote without its closing one on this line */
			ps->rec_end = (p > *fstart && p[-1] == '\r') ? p - 1 : p;
			ps->next = p + 1;
			ps->lines++;
			ps->why = UNMATCHED_QUOTE;
			return SEP_BAD;
		}
		if (esc_on && *p == '\\') {
			if (p + 1 == end) {
				if (!eof)
					return SEP_MORE;
				p++;
				continue;
			}
			if (p[1] == '\n')
				ps->lines++;
			esc = true;
			p += 2;
			*last_esc_end = p;
			continue;
		}
		p++;
	}
	if ((rc = push(r, ps, *fstart + 1, p, esc, true)) != SEP_REC)
		return rc;
	*fstart = ps->next ? NULL : p + 2;
	return SEP_REC;
}

/* Parse the record at rb.start. Pure with respect to the rdbuf: the caller consumes. */
static int
parse(hd_sepreader *r, hd_sepstate *ps)
{
	const char *const base = r->rb.buf + r->rb.start, *const end = r->rb.buf + r->rb.end;
	const bool eof = r->rb.eof, rq = r->o.removequotes;
	const char delim = r->o.delimiter;
	const char *fstart = base, *last_esc_end = NULL, *s, *fe;
	bool fesc = false;
	hd_scan sc;
	int rc;

	ps->base = base;
	ps->nf = 0;
	ps->lines = 0;
	ps->toomany = false;
	r->slen = 0;
	if (base == end)
		return eof ? SEP_EOF : SEP_MORE;
	hd_scan_init(&sc, base, end, &r->set, r->fn);
	for (;;) {
		if (rq && fstart < end && (*fstart == '"' || *fstart == '\'')) {
			rc = quoted_field(r, ps, &fstart, end, &last_esc_end);
			if (rc != SEP_REC)
				return rc;
			if (!fstart)
				return SEP_REC;
			hd_scan_skip(&sc, fstart);
			continue;
		}
		s = hd_scan_next(&sc);
		if (s == end) {
			if (!eof)
				return SEP_MORE;
			if ((rc = push(r, ps, fstart, end, fesc, false)) != SEP_REC)
				return rc;
			ps->rec_end = ps->next = end;
			return SEP_REC;
		}
		if (*s == delim) {
			if ((rc = push(r, ps, fstart, s, fesc, false)) != SEP_REC)
				return rc;
			fstart = s + 1;
			fesc = false;
			continue;
		}
		if (*s == '\n') {
			fe = s;
			if (fe > fstart && fe[-1] == '\r' && last_esc_end != s)
				fe--;
			if ((rc = push(r, ps, fstart, fe, fesc, false)) != SEP_REC)
				return rc;
			ps->rec_end = fe;
			ps->next = s + 1;
			ps->lines++;
			return SEP_REC;
		}
		/* a backslash (only special with ESCAPE) */
		if (s + 1 == end) {
			if (!eof)
				return SEP_MORE;
			continue; /* the last byte of the input: data */
		}
		if (s[1] == '\n')
			ps->lines++;
		fesc = true;
		last_esc_end = s + 2;
		hd_scan_skip(&sc, s + 2);
	}
}

static int
dl_next(hd_reader *rd, hd_record *rec, hd_recfail *fail, hd_err *err)
{
	return hd_sep_next((hd_sepreader *)(void *)rd, parse, rec, fail, err);
}

static hd_code
dl_open(const hd_format_opts *o, hd_stream *in, hd_reader **out, hd_err *err)
{
	hd_format_opts ro = *o;

	*out = NULL;
	if (o->delimiter == '\n' || o->delimiter == '\r' || (o->escape && o->delimiter == '\\'))
		return hd_err_set(err, HD_ERR_SYNTAX, "invalid delimiter 0x%02x for delimited text",
		    (unsigned)(unsigned char)o->delimiter);
	if (!ro.null_as) {
		ro.null_as = "\\N";
		ro.null_as_len = 2;
	}
	/* without ESCAPE the third special byte repeats LF */
	return hd_sep_open(&ro, in, (unsigned char)o->delimiter, '\n', o->escape ? '\\' : '\n', out, err);
}

/*
 * Byte-range boundaries. A record ends at every LF except an escaped one (ESCAPE: an LF preceded by an odd-length
 * run of backslashes — the run starts after a non-backslash byte, and a record always starts right after an LF, so
 * the run's parity alone decides). REMOVEQUOTES never lets a record span lines (an open quote at the line end is a
 * bad record that ends there), so quotes do not matter here. Line numbers count every LF, as the reader does.
 */
static hd_code
dl_boundaries(const hd_format_opts *o, hd_stream *in, const uint64_t *want, int n, uint64_t *off, uint64_t *line,
              hd_err *err)
{
	const bool esc = o->escape;
	uint64_t carry = 0; /* backslashes ending the input before rb.start (ESCAPE) */
	hd_rdbuf rb;
	hd_bounds b;
	hd_code r;

	if ((r = hd_bounds_open(&b, &rb, in, o->ignoreheader, want, n, off, line, err)) != HD_OK)
		return r;
	while (!hd_bounds_full(&b)) {
		const char *const s0 = rb.buf + rb.start, *const e = rb.buf + rb.end;
		const char *p = s0, *nl;
		uint64_t lines = 0;

		while (p < e && (nl = memchr(p, '\n', (size_t)(e - p))) != NULL) {
			lines++;
			p = nl + 1;
			if (esc) {
				const char *k = nl;
				while (k > s0 && k[-1] == '\\')
					k--;
				if (((uint64_t)(nl - k) + (k == s0 ? carry : 0)) & 1)
					continue;
			}
			hd_bounds_at(&b, rb.base + (uint64_t)(p - rb.buf), rb.line + lines);
			if (hd_bounds_full(&b))
				break;
		}
		if (hd_bounds_full(&b))
			break;
		if (esc) {
			const char *k = e;
			while (k > s0 && k[-1] == '\\')
				k--;
			carry = (uint64_t)(e - k) + (k == s0 ? carry : 0);
		}
		hd_rdbuf_consume(&rb, rb.end - rb.start, lines);
		if (rb.eof)
			break;
		if ((r = hd_rdbuf_fill(&rb, err)) != HD_OK) {
			hd_rdbuf_free(&rb);
			return r;
		}
	}
	return hd_bounds_done(&b, &rb);
}

const hd_format_ops hd_format_delimited = {
	.name = "delimited",
	.open = dl_open,
	.next = dl_next,
	.close = hd_sep_close,
	.boundaries = dl_boundaries,
};
