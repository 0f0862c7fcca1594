/*
 * sepreader.h — private to format/: what the two line-oriented, character-separated readers (delimited.c, csv.c)
 * share: their state, open and close (sepreader.c), and next(), the driver around each one's parse().
 *
 * A reader's parse() cuts one record out of [rb.start, rb.end) and says how it went in an hd_sepstate:
 *     SEP_REC    a record: base .. rec_end are its raw bytes, next is where the following one starts, lines the LFs
 *                consumed (quoted or escaped ones + the terminator), fields[0 .. nf) its fields, toomany when it
 *                had more than HD_MAX_FIELDS
 *     SEP_BAD    a malformed record (1214, reason in why), extent as for SEP_REC
 *     SEP_MORE   the buffer ends inside the record: hd_sep_next() refills (bytes may move) and parse() starts over
 *     SEP_EOF    no more input
 *     SEP_LONG   the record is longer than HD_MAX_RECORD (fatal)
 *     SEP_NOMEM  out of memory (fatal)
 * hd_sep_next() is static inline so each reader's call to its own parse() is direct (and inlined): it runs once per
 * record on the load's hot path.
 */
#ifndef HD_FORMAT_SEPREADER_H
#define HD_FORMAT_SEPREADER_H

#include <string.h>

#include "format/format.h"
#include "format/format_int.h"

typedef struct hd_sepreader {
	hd_rdbuf rb;
	hd_format_opts o;
	hd_scanset set;
	hd_classify_fn fn;
	hd_field *fields;
	int fcap;
	char *scratch;     /* HD_MAX_RECORD bytes, or NULL until a field first needs rewriting (escapes, "") */
	size_t slen;       /* bytes of scratch used by the current record */
	bool header_done;
	hd_code failed;    /* sticky fatal error */
} hd_sepreader;

enum { SEP_REC, SEP_BAD, SEP_MORE, SEP_EOF, SEP_LONG, SEP_NOMEM };

typedef struct hd_sepstate {
	const char *base;     /* the record's first byte */
	const char *rec_end;  /* end of its raw bytes (line end excluded) */
	const char *next;     /* first byte after its line end */
	uint64_t lines;       /* LFs consumed: quoted or escaped ones + the terminator */
	const char *why;      /* reason of a bad record */
	int nf;
	bool toomany;
} hd_sepstate;

/* A reader on in with options o whose scanner looks for bytes a, b, c (repeat one to look for fewer). o has been
 * checked by the caller. */
hd_code hd_sep_open(const hd_format_opts *o, hd_stream *in, unsigned char a, unsigned char b, unsigned char c,
                    hd_reader **out, hd_err *err);
void hd_sep_close(hd_reader *rd);
/* Double the fields array, up to HD_MAX_FIELDS + 1 entries; false when out of memory. */
bool hd_sep_grow_fields(hd_sepreader *r);

/*
 * Where a field that must be rewritten (escapes dropped, doubled quotes collapsed) goes: the scratch buffer past the
 * record's earlier rewritten fields, allocated on first use. Rewriting only drops bytes, so a record's rewritten
 * fields never outnumber its raw bytes up to e, the end of this one: HD_MAX_RECORD bytes hold them all. NULL with
 * *rc = SEP_NOMEM or SEP_LONG. hd_sep_rewritten() then points f at [out, o) and takes those bytes.
 */
char *hd_sep_scratch(hd_sepreader *r, const hd_sepstate *ps, const char *e, int *rc);

static inline int
hd_sep_rewritten(hd_sepreader *r, hd_field *f, char *out, const char *o)
{
	f->p = out;
	f->n = (uint32_t)(o - out);
	r->slen += (size_t)(o - out);
	return SEP_REC;
}

/* The next field slot of the record being parsed; NULL with *rc = SEP_REC when the record already has
 * HD_MAX_FIELDS + 1 fields (it is counted, marked toomany and rejected whole), or SEP_NOMEM. */
static inline hd_field *
hd_sep_slot(hd_sepreader *r, hd_sepstate *ps, int *rc)
{
	if (ps->nf == r->fcap) {
		if (r->fcap >= HD_MAX_FIELDS + 1) {
			ps->nf++;
			ps->toomany = true;
			*rc = SEP_REC;
			return NULL;
		}
		if (!hd_sep_grow_fields(r)) {
			*rc = SEP_NOMEM;
			return NULL;
		}
	}
	return &r->fields[ps->nf++];
}

static inline int
hd_sep_fatal(hd_sepreader *r, hd_code code)
{
	r->failed = code;
	return HD_REC_ERROR;
}

static inline void
hd_sep_fail(hd_recfail *fail, int code, const char *reason)
{
	if (!fail)
		return;
	fail->code = code;
	memcpy(fail->reason, reason, strlen(reason) + 1);
}

/* A format's next(): skip IGNOREHEADER lines once, then parse a record, refilling the buffer as parse() asks. */
static inline int
hd_sep_next(hd_sepreader *r, int (*parse)(hd_sepreader *, hd_sepstate *), hd_record *rec, hd_recfail *fail,
            hd_err *err)
{
	hd_sepstate ps;
	hd_code c;
	int rc;

	if (r->failed) {
		hd_err_set(err, r->failed, "%s: reading stopped after an earlier error", r->rb.in->name);
		return HD_REC_ERROR;
	}
	if (!r->header_done) {
		if (!r->o.mid_file && r->o.ignoreheader > 0 &&
		    (c = hd_rdbuf_skip_lines(&r->rb, r->o.ignoreheader, err)) != HD_OK)
			return hd_sep_fatal(r, c);
		r->header_done = true;
	}
	for (;;) {
		rc = parse(r, &ps);
		switch (rc) {
		case SEP_EOF:
			return HD_REC_EOF;
		case SEP_MORE:
			if (r->rb.end - r->rb.start > (size_t)HD_MAX_RECORD + 1)
				return hd_sep_fatal(r, hd_rdbuf_too_long(&r->rb, r->rb.line, err));
			if ((c = hd_rdbuf_fill(&r->rb, err)) != HD_OK)
				return hd_sep_fatal(r, c);
			continue;
		case SEP_LONG:
			return hd_sep_fatal(r, hd_rdbuf_too_long(&r->rb, r->rb.line, err));
		case SEP_NOMEM:
			return hd_sep_fatal(r, hd_err_set(err, HD_ERR_NOMEM, "%s: out of memory at line %llu",
			                                  r->rb.in->name, (unsigned long long)r->rb.line));
		default:
			break;
		}
		if ((size_t)(ps.rec_end - ps.base) > HD_MAX_RECORD)
			return hd_sep_fatal(r, hd_rdbuf_too_long(&r->rb, r->rb.line, err));
		rec->raw = ps.base;
		rec->raw_len = (size_t)(ps.rec_end - ps.base);
		rec->line = r->rb.line;
		rec->offset = hd_rdbuf_offset(&r->rb);
		rec->fields = r->fields;
		rec->nfields = ps.nf;
		hd_rdbuf_consume(&r->rb, (size_t)(ps.next - ps.base), ps.lines);
		if (rc == SEP_BAD) {
			rec->nfields = 0;
			hd_sep_fail(fail, 1214, ps.why);
			return HD_REC_BAD;
		}
		if (ps.toomany) {
			rec->nfields = 0;
			hd_sep_fail(fail, 1202, "Extra column(s) found");
			return HD_REC_BAD;
		}
		if (rec->raw_len == 0 && r->o.ignoreblanklines)
			continue;
		return HD_REC_OK;
	}
}

#endif
