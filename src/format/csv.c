/*
 * csv.c — Redshift's CSV format (COPY ... CSV [QUOTE [AS] 'q'], FORMAT AS CSV): hd_format_csv.
 *
 * In: bytes from an hd_rdbuf (reader.c). Out: one record per call, fields as {p, n} slices.
 * Buffers: the rdbuf (HD_MAX_RECORD + HD_READ_CHUNK), a fields array grown by doubling up to HD_MAX_FIELDS + 1
 * entries (never shrinks), and a scratch buffer of HD_MAX_RECORD bytes allocated on the first doubled quote.
 * A field without doubled quotes points straight into the input buffer (quotes excluded); a field with doubled
 * quotes is copied, each pair collapsed to one quote, into scratch. Both stay valid until the next call; rec->raw
 * likewise points into the input buffer.
 *
 * Record extent (the invariant the parallel split relies on): a record ends at the first LF at which it holds an
 * even number of quote bytes — wherever those quotes are —, or at the end of input. This is PostgreSQL's rule for
 * finding CSV lines, and it makes a record boundary a property of quote parity alone, which csv_boundaries() computes
 * with a fast scan. A CR right before that LF belongs to the line end.
 *
 * Fields (Redshift page copy-parameters-data-format, CSV and QUOTE; RFC 4180):
 *  - fields split on the one-byte delimiter (',' by default) outside quotes;
 *  - a field whose first byte, after optional white space (space, tab; not the delimiter itself), is the quote is a
 *    quoted field: it runs to the matching quote, and may hold delimiters, LF, CR LF and doubled quotes ("" -> ").
 *    White space between the closing quote and the delimiter/line end is ignored too ("When a field is enclosed in
 *    quotes, white space between the delimiters and the quote characters is ignored. If the delimiter is a white
 *    space character, such as a tab, the delimiter is not treated as white space"). field.quoted is set;
 *  - an unquoted field is its bytes as they are, leading and trailing spaces included;
 *  - malformed quoting makes the record bad, code 1214 with Redshift's reason "Invalid quote formatting for CSV"
 *    (the message stl_load_errors shows for such rows): text after a closing quote ("ab"c,), or a quote inside an
 *    unquoted field (ab"c). A stray quote is not data: as in PostgreSQL it opens a quoted section for the record's
 *    extent, so the bad record runs to the first LF at even quote parity. Loading such a byte as data would put
 *    record ends out of step with quote parity, so a file could not be split exactly;
 *  - a quote still open at the end of input: the rest of the input is one bad record (1214, "Unterminated quoted
 *    field at end of input"), then EOF. Over HD_MAX_RECORD it is the fatal "record too long";
 *  - IGNOREHEADER n skips n physical lines, as for delimited text (COPY-SPEC "skip the first n lines"): a quoted
 *    newline in a header counts as a line. IGNOREBLANKLINES drops empty lines (LF or CR LF); without it an empty
 *    line is a record of one empty unquoted field;
 *  - line numbers count every physical line, quoted newlines included (a record's line is that of its first byte);
 *  - byte-range units: mid_file skips no header; first_line/first_offset place the input in its file.
 * The null string and empty fields are convert/'s business (registry.c sets the CSV default, '\N'): a quoted field
 * is never NULL.
 *
 * Hot loop: hd_scan classifies delimiter/quote/LF 64 bytes at a time; inside a quoted field the same scanner jumps
 * from quote to quote (delimiters and LFs in between are popped, not parsed). csv_boundaries() does not parse at
 * all: it turns each 64-byte window's quote and LF masks into record ends with a prefix XOR. When the buffer ends inside a record,
 * the reader refills (which may move the bytes) and parses the record again from its start.
 */
#include "format/format.h"

#include <string.h>

#include "common/limits.h"
#include "format/sepreader.h"

static const char BAD_QUOTES[] = "Invalid quote formatting for CSV";
static const char BAD_EOF[] = "Unterminated quoted field at end of input";

static inline bool
is_blank(char c, char delim)
{
	return (c == ' ' || c == '\t') && c != delim;
}

/* Copy [p, e) into scratch, each doubled quote collapsed to one. Out of line: doubled quotes are the rare path. */
static __attribute__((noinline)) int
undouble(hd_sepreader *r, const hd_sepstate *ps, const char *p, const char *e, hd_field *f)
{
	const char q = r->o.quote;
	char *out, *o;
	int rc;

	if (!(out = o = hd_sep_scratch(r, ps, e, &rc)))
		return rc;
	while (p < e) {
		const char *qq = memchr(p, q, (size_t)(e - p));
		if (!qq) {
			memcpy(o, p, (size_t)(e - p));
			o += e - p;
			break;
		}
		/* qq[1] is the second quote of the pair (the parser only lets pairs through) */
		memcpy(o, p, (size_t)(qq + 1 - p));
		o += qq + 1 - p;
		p = qq + 2;
	}
	return hd_sep_rewritten(r, f, out, o);
}

static inline int
push(hd_sepreader *r, hd_sepstate *ps, const char *p, const char *e, bool quoted, bool doubled)
{
	hd_field *f;
	int rc = SEP_NOMEM; /* set by hd_sep_slot() when it fails; initialised for the compiler's sake */

	if (!(f = hd_sep_slot(r, ps, &rc)))
		return rc;
	/* every other member (null, and whatever other formats add) zeroed */
	*f = (hd_field){ .p = p, .n = (uint32_t)(e - p), .quoted = quoted };
	if (doubled)
		return undouble(r, ps, p, e, f);
	return SEP_REC;
}

/* The rest of a malformed record: on to the first LF at even quote parity (odd = a quote is open at from). */
static __attribute__((noinline)) int
skip_bad(hd_sepreader *r, hd_sepstate *ps, hd_scan *sc, bool open, const char *why)
{
	const char *const end = r->rb.buf + r->rb.end;
	const char q = r->o.quote;
	const char *s;

	ps->why = why;
	for (;;) {
		s = hd_scan_next(sc);
		if (s == end) {
			if (!r->rb.eof)
				return SEP_MORE;
			ps->rec_end = ps->next = end;
			if (open)
				ps->why = BAD_EOF;
			return SEP_BAD;
		}
		if (*s == q) {
			open = !open;
		} else if (*s == '\n') {
			ps->lines++;
			if (!open) {
				ps->rec_end = (s > ps->base && s[-1] == '\r') ? s - 1 : s;
				ps->next = s + 1;
				return SEP_BAD;
			}
		}
	}
}

/* Parse the record at rb.start. Pure with respect to the rdbuf: the caller consumes. */
static int
parse(hd_sepreader *r, hd_sepstate *ps)
{
	const char *const base = r->rb.buf + r->rb.start, *const end = r->rb.buf + r->rb.end;
	const bool eof = r->rb.eof;
	const char delim = r->o.delimiter, q = r->o.quote;
	const char *fstart = base, *s, *a, *fe;
	hd_scan sc;
	int rc;

	ps->base = base;
	ps->nf = 0;
	ps->lines = 0;
	ps->toomany = false;
	ps->why = NULL;
	r->slen = 0;
	if (base == end)
		return eof ? SEP_EOF : SEP_MORE;
	hd_scan_init(&sc, base, end, &r->set, r->fn);
	for (;;) {
		/* at a field's start: a quote, maybe after blanks, opens a quoted field */
		a = fstart;
		while (a < end && is_blank(*a, delim))
			a++;
		if (a == end && !eof)
			return SEP_MORE;
		if (a < end && *a == q) {
			const char *const content = a + 1;
			bool doubled = false;

			hd_scan_skip(&sc, content);
			for (;;) {
				s = hd_scan_next(&sc);
				if (s == end) {
					if (!eof)
						return SEP_MORE;
					ps->rec_end = ps->next = end;
					ps->why = BAD_EOF;
					return SEP_BAD;
				}
				if (*s == '\n') {
					ps->lines++;
					continue;
				}
				if (*s != q)
					continue; /* a delimiter inside the quotes */
				if (s + 1 == end && !eof)
					return SEP_MORE;
				if (s + 1 < end && s[1] == q) {
					doubled = true;
					hd_scan_skip(&sc, s + 2);
					continue;
				}
				break; /* the closing quote */
			}
			fe = s;
			a = s + 1;
			while (a < end && is_blank(*a, delim))
				a++;
			if (a == end) {
				if (!eof)
					return SEP_MORE;
				if ((rc = push(r, ps, content, fe, true, doubled)) != SEP_REC)
					return rc;
				ps->rec_end = ps->next = end;
				return SEP_REC;
			}
			if (*a == delim) {
				if ((rc = push(r, ps, content, fe, true, doubled)) != SEP_REC)
					return rc;
				fstart = a + 1;
				hd_scan_skip(&sc, fstart);
				continue;
			}
			if (*a == '\n' || (*a == '\r' && a + 1 < end && a[1] == '\n')) {
				if ((rc = push(r, ps, content, fe, true, doubled)) != SEP_REC)
					return rc;
				ps->rec_end = a;
				ps->next = a + (*a == '\r' ? 2 : 1);
				ps->lines++;
				return SEP_REC;
			}
			if (*a == '\r' && a + 1 == end && !eof)
				return SEP_MORE;
			/* text after the closing quote */
			hd_scan_skip(&sc, a);
			return skip_bad(r, ps, &sc, false, BAD_QUOTES);
		}

		/* an unquoted field */
		s = hd_scan_next(&sc);
		if (s == end) {
			if (!eof)
				return SEP_MORE;
			if ((rc = push(r, ps, fstart, end, false, false)) != SEP_REC)
				return rc;
			ps->rec_end = ps->next = end;
			return SEP_REC;
		}
		if (*s == delim) {
			if ((rc = push(r, ps, fstart, s, false, false)) != SEP_REC)
				return rc;
			fstart = s + 1;
			continue;
		}
		if (*s == '\n') {
			fe = (s > fstart && s[-1] == '\r') ? s - 1 : s;
			if ((rc = push(r, ps, fstart, fe, false, false)) != SEP_REC)
				return rc;
			ps->rec_end = fe;
			ps->next = s + 1;
			ps->lines++;
			return SEP_REC;
		}
		/* a quote inside an unquoted field: it opens a quoted section for the record's extent */
		return skip_bad(r, ps, &sc, true, BAD_QUOTES);
	}
}

static int
csv_next(hd_reader *rd, hd_record *rec, hd_recfail *fail, hd_err *err)
{
	return hd_sep_next((hd_sepreader *)(void *)rd, parse, rec, fail, err);
}

static hd_code
check_opts(const hd_format_opts *o, hd_err *err)
{
	const char d = o->delimiter, q = o->quote;
	if (d == '\n' || d == '\r')
		return hd_err_set(err, HD_ERR_SYNTAX, "invalid delimiter 0x%02x for CSV", (unsigned)(unsigned char)d);
	if (q == '\n' || q == '\r' || q == '\0')
		return hd_err_set(err, HD_ERR_SYNTAX, "invalid QUOTE character 0x%02x for CSV", (unsigned)(unsigned char)q);
	if (q == d)
		return hd_err_set(err, HD_ERR_SYNTAX, "the CSV QUOTE character and the DELIMITER must differ");
	return HD_OK;
}

static hd_code
csv_open(const hd_format_opts *o, hd_stream *in, hd_reader **out, hd_err *err)
{
	hd_code c;

	*out = NULL;
	if ((c = check_opts(o, err)) != HD_OK)
		return c;
	return hd_sep_open(o, in, (unsigned char)o->delimiter, (unsigned char)o->quote, '\n', out, err);
}

/*
 * Byte-range boundaries: after the header lines, a record starts after every LF at even quote parity (see the
 * record-extent invariant at the top). One pass, 64 bytes at a time: the classifier gives the window's quote mask
 * and LF mask; the prefix XOR of the quote mask (bit i = parity of the quotes at or before i), flipped when a quote
 * is open from earlier windows, is the in-quotes mask, and the LFs outside it are record ends. Only a window that can
 * answer a pending want is looked at bit by bit.
 */
static inline uint64_t
prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}

static hd_code
csv_boundaries(const hd_format_opts *o, hd_stream *in, const uint64_t *want, int n, uint64_t *off, uint64_t *line,
               hd_err *err)
{
	const hd_classify_fn fn = hd_classify_get();
	hd_scanset setq, setnl;
	hd_rdbuf rb;
	hd_bounds b;
	hd_code r;
	uint64_t open = 0; /* all ones while a quote is open */

	if ((r = check_opts(o, err)) != HD_OK)
		return r;
	if ((r = hd_bounds_open(&b, &rb, in, o->ignoreheader, want, n, off, line, err)) != HD_OK)
		return r;
	hd_scanset_init(&setq, (unsigned char)o->quote, (unsigned char)o->quote, (unsigned char)o->quote);
	hd_scanset_init(&setnl, '\n', '\n', '\n');
	while (!hd_bounds_full(&b)) {
		const char *const e = rb.buf + rb.end;
		uint64_t lines = 0;

		/* [blk, blk + 64) may run past e into the zeroed pad: those bits are masked off */
		for (const char *blk = rb.buf + rb.start; blk < e; blk += 64) {
			const size_t left = (size_t)(e - blk);
			const uint64_t valid = left >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << left) - 1;
			const uint64_t q = fn(blk, &setq) & valid, nl = fn(blk, &setnl) & valid;
			const uint64_t inq = prefix_xor(q) ^ open;
			uint64_t ends = nl & ~inq;
			const uint64_t blk_off = rb.base + (uint64_t)(blk - rb.buf);

			/* a want is answered here only if this window holds a record end at or after it */
			if (ends && blk_off + 64 >= b.want[b.i]) {
				while (ends) {
					const int bit = __builtin_ctzll(ends);
					const uint64_t below = bit == 63 ? ~(uint64_t)0 : ((uint64_t)2 << bit) - 1;
					hd_bounds_at(&b, blk_off + (uint64_t)bit + 1,
					    rb.line + lines + (uint64_t)__builtin_popcountll(nl & below));
					if (hd_bounds_full(&b))
						break;
					ends &= ends - 1;
				}
				if (hd_bounds_full(&b))
					break;
			}
			lines += (uint64_t)__builtin_popcountll(nl);
			open = (inq >> 63) ? ~(uint64_t)0 : 0;
		}
		if (hd_bounds_full(&b))
			break;
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

const hd_format_ops hd_format_csv = {
	.name = "csv",
	.open = csv_open,
	.next = csv_next,
	.close = hd_sep_close,
	.boundaries = csv_boundaries,
};
