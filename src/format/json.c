/*
 * json.c — Redshift's JSON format (hd_format_json): a stream of JSON values, one record each.
 *
 * In: bytes from an hd_rdbuf (reader.c). Out: one record per call with exactly ncolumns fields, in column order.
 * Buffers (all allocated at open, none per record or field): the rdbuf (HD_MAX_RECORD + HD_READ_CHUNK), the fields
 * array, a trie of the wanted paths with a hash of its edges, a parse stack of HD_MAX_JSON_DEPTH frames inside the
 * reader, and a scratch buffer of HD_MAX_RECORD bytes allocated on the first string that has escapes. A field points
 * into the input buffer (numbers, literals, strings without escapes, the text of objects and arrays) or into scratch
 * (decoded strings); both stay valid until the next call.
 *
 * Rules (Redshift pages; "usage" = docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-json.html,
 * "format" = copy-parameters-data-format.html, "examples" = r_COPY_command_examples.html):
 *  - Input: "a set of objects or arrays"; each record is "a stand-alone, root-level structure", separated by white
 *    space or by nothing (usage: the two-object and two-array examples). rec->line is the line of its first byte.
 *    A UTF-8 byte order mark at the start of a file is skipped (hdcopy's choice; Redshift is silent).
 *  - 'auto' (usage, format): the names of the first-level members are matched to the column names, case-sensitively;
 *    'auto ignorecase' ignores the case (ASCII letters: column names are identifiers). Members with no column are
 *    ignored; a column with no member loads NULL (field.null; load/ applies DEFAULT). A record that is not an object
 *    is a bad record: arrays need a JSONPaths file (usage: "you must use a JSONPaths file" for arrays).
 *  - JSONPaths (usage; compiled by jsonpath.c): one expression per column, in order. "If the number of elements in
 *    the jsonpaths array doesn't match the number of columns, COPY fails" with Redshift's message "Number of
 *    jsonpaths and the number of columns should match. JSONPath size: N, Number of columns in table or column list:
 *    M". An expression that matches nothing loads NULL. Any top-level value may then be a record (e.g. $[0] on an
 *    array, or $ on anything).
 *  - Duplicate names: Redshift does not document them; the last one wins, as in PostgreSQL's jsonb (the target).
 *  - Values (usage, "If the value in the name-value pair referenced by a JSONPath expression is an object or an
 *    array, the entire object or array is loaded as a string, including the braces or brackets"): a string loads its
 *    decoded UTF-8 (usage, "Escape characters in JSON": \n is a newline, \t a tab, \\ a backslash; \uXXXX with
 *    surrogate pairs) and is marked quoted, so NULL AS never turns a JSON string into NULL (only JSON null is NULL)
 *    and an empty string "" follows convert/'s empty-field rule: '' for char/varchar/text (NULL with EMPTYASNULL),
 *    NULL for other types; a number loads its text as written (usage, "Loss of numeric precision": Redshift goes
 *    through binary floating point; hdcopy keeps every digit and lets the column type decide); true/false load
 *    "true"/"false"; null loads NULL; an object or array loads its JSON text as it appears in the input.
 *  - Limits (usage, "the maximum size of a single JSON object or array, including braces or brackets, is 4 MB ... the
 *    COPY command fails"): a record over HD_MAX_RECORD is a fatal error naming its line. Nesting deeper than
 *    HD_MAX_JSON_DEPTH is a bad record.
 *  - Bad records (codes from r_Load_Error_Reference): malformed JSON is 1216 (invalid input line) with a reason
 *    naming the problem and its byte position in the record; \u not followed by four hex digits is 1219 (invalid hex
 *    digit in a UTF-8 escape); an unpaired surrogate in a loaded string is 1220 (invalid or unsupported UTF-8 code
 *    point). Raw bytes inside strings are passed through: convert/ checks UTF-8 (1220, or ACCEPTINVCHARS).
 *    After a syntax error the reader resynchronises at the next line, after the bad record's first line, that starts
 *    with '{' (or '[' with JSONPaths) in its first column: one record per line and pretty-printed files both put a
 *    record's first byte there, nested values are indented. A bad record that was fully parsed (not an object in
 *    'auto', a lone surrogate) is skipped exactly.
 *
 * Hot loop: one pass over the record with an explicit stack (no recursion); the string scanner finds '"', '\' and
 * control bytes 16 at a time with SSE2 (the scalar table walk is the reference, used when HD_NO_SIMD=1 or the
 * shared classifier is forced to "scalar"). The zero byte the rdbuf keeps at end is the sentinel that stops every
 * scan at the end of the input. When the buffer ends inside a record, the reader refills and parses it again.
 */
#include "format/format.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "format/format_int.h"
#include "format/jsonpath.h"

#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE2__))
#include <emmintrin.h>
#include "common/sys.h"
#define JS_SSE2 1
#endif

#define JS_STR2(x) #x
#define JS_STR(x) JS_STR2(x)

enum { P_REC, P_BAD, P_MORE, P_LONG, P_NOMEM };

enum { RS_OFF, RS_LINE, RS_START };   /* resynchronising: skip the rest of a line / look at a line's first byte */

#define JS_PRED 64

typedef struct jnode {
	int32_t col;       /* first column whose path ends here (next ones through next_col), -1 for none */
	int32_t nchild;
} jnode;

typedef struct jedge {
	uint32_t parent, child; /* child 0 = empty slot (the root is nobody's child) */
	uint32_t index, keylen;
	const char *key;
	bool is_index;
} jedge;

typedef struct jframe {
	const char *start; /* the container's first byte */
	int32_t node;      /* its trie node, -1 when no path goes through it */
	uint32_t idx;      /* arrays: the element being parsed */
	bool obj;
} jframe;

typedef struct js_reader {
	hd_rdbuf rb;
	hd_format_opts o;
	int ncol;
	hd_field *fields;
	int32_t *next_col;
	jnode *nodes;
	int nnodes;
	jedge *edges;
	uint32_t emask;
	char *names;       /* 'auto': owned copy of the column names */
	bool fold;         /* 'auto ignorecase' */
	bool want_object;  /* 'auto': a record must be an object */
	bool simd;
	bool started;
	int resync;
	char *scratch;     /* HD_MAX_RECORD bytes, or NULL until the first escape */
	size_t slen;
	hd_code failed;
	hd_jpaths jp;      /* the compiled JSONPaths (the trie's keys point into it) */
	uint32_t pred[JS_PRED]; /* edge slot matched by the k-th member of the last record's top-level object: records
	                         * usually repeat their member order, so one compare replaces hashing the name */
	bool have_jp;
	jframe stack[HD_MAX_JSON_DEPTH];
} js_reader;

typedef struct pres {
	const char *end;   /* first byte after the record */
	uint64_t lines;    /* LFs inside it */
	const char *errp;  /* P_BAD: where */
	int code;          /* P_BAD, or P_REC with a bad value: the load-error code */
	char why[128];
} pres;

/* ---- byte classes ---------------------------------------------------------------------------------------------- */

enum { C_WS = 1, C_WORD = 2, C_STR = 4, C_DIGIT = 8, C_ESC = 16 };

static unsigned char cls[256];
static pthread_once_t cls_once = PTHREAD_ONCE_INIT;

static void
init_classes(void)
{
	for (int c = 0; c < 256; c++) {
		unsigned char f = 0;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			f |= C_WS;
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' ||
		    c == '+' || c == '-' || c >= 0x80)
			f |= C_WORD; /* may not follow a number or literal */
		if (c == '"' || c == '\\' || c < 0x20)
			f |= C_STR;
		if (c >= '0' && c <= '9')
			f |= C_DIGIT;
		if (strchr("\"\\/bfnrt", c) && c != 0)
			f |= C_ESC;
		cls[c] = f;
	}
}

#define IS(c, k) (cls[(unsigned char)(c)] & (k))

/* The first byte at or after s that is '"', '\' or below 0x20. The rdbuf's zero at end stops it. */
static inline const char *
str_special(bool simd, const char *s)
{
#ifdef JS_SSE2
	if (simd) {
		const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), c1f = _mm_set1_epi8(0x1F);
		for (;;) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
			__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
			    _mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v));
			unsigned mask = (unsigned)_mm_movemask_epi8(m);
			if (mask)
				return s + __builtin_ctz(mask);
			s += 16;
		}
	}
#else
	(void)simd;
#endif
	while (!IS(*s, C_STR))
		s++;
	return s;
}

/* ---- the path trie --------------------------------------------------------------------------------------------- */

static inline uint32_t
mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85EBCA6Bu;
	h ^= h >> 13;
	return h;
}

static inline uint32_t
hash_key(const char *k, size_t n, bool fold, uint32_t parent)
{
	uint32_t h = 2166136261u ^ (parent * 0x9E3779B1u);
	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)k[i];
		if (fold && c - 'A' < 26u)
			c |= 0x20;
		h = (h ^ c) * 16777619u;
	}
	return mix(h);
}

static inline uint32_t
hash_index(uint32_t parent, uint32_t idx)
{
	return mix((parent * 0x9E3779B1u) ^ (idx * 0xC2B2AE35u) ^ 0x27D4EB2Fu);
}

static inline bool
key_eq(const char *a, const char *b, size_t n, bool fold)
{
	if (!fold) {
		/* names are short: 8 bytes at a time beats a call to memcmp */
		uint64_t x, y;
		while (n >= 8) {
			memcpy(&x, a, 8);
			memcpy(&y, b, 8);
			if (x != y)
				return false;
			a += 8;
			b += 8;
			n -= 8;
		}
		while (n--)
			if (*a++ != *b++)
				return false;
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x - 'A' < 26u)
			x |= 0x20;
		if (y - 'A' < 26u)
			y |= 0x20;
		if (x != y)
			return false;
	}
	return true;
}

/* The child of parent named k[0..n), or -1; *slot = its edge's slot. */
static int32_t
child_key_slot(const js_reader *r, int32_t parent, const char *k, size_t n, uint32_t *slot)
{
	uint32_t i = hash_key(k, n, r->fold, (uint32_t)parent) & r->emask;
	for (const jedge *e; (e = &r->edges[i])->child; i = (i + 1) & r->emask)
		if (!e->is_index && e->parent == (uint32_t)parent && e->keylen == n && key_eq(e->key, k, n, r->fold)) {
			*slot = i;
			return (int32_t)e->child;
		}
	return -1;
}

static int32_t
child_key(const js_reader *r, int32_t parent, const char *k, size_t n)
{
	uint32_t slot;
	return child_key_slot(r, parent, k, n, &slot);
}

/* The k-th member of a top-level object: try the slot the k-th member matched last time first. */
static inline int32_t
root_member(js_reader *r, uint32_t k, const char *name, size_t n)
{
	uint32_t slot;
	int32_t c;
	if (k < JS_PRED) {
		const jedge *e = &r->edges[r->pred[k]];
		if (e->child && !e->is_index && e->parent == 0 && e->keylen == n && key_eq(e->key, name, n, r->fold))
			return (int32_t)e->child;
	}
	c = child_key_slot(r, 0, name, n, &slot);
	if (c >= 0 && k < JS_PRED)
		r->pred[k] = slot;
	return c;
}

static inline int32_t
child_index(const js_reader *r, int32_t parent, uint32_t idx)
{
	uint32_t i;
	if (parent < 0 || r->nodes[parent].nchild == 0)
		return -1;
	i = hash_index((uint32_t)parent, idx) & r->emask;
	for (const jedge *e; (e = &r->edges[i])->child; i = (i + 1) & r->emask)
		if (e->is_index && e->parent == (uint32_t)parent && e->index == idx)
			return (int32_t)e->child;
	return -1;
}

/* Add one column's path; nodes and edges have room for every step. */
static void
add_path(js_reader *r, const hd_jp_step *steps, int n, int col)
{
	int32_t cur = 0, c;

	for (int i = 0; i < n; i++) {
		const hd_jp_step *s = &steps[i];
		c = s->is_index ? child_index(r, cur, s->index) : child_key(r, cur, s->key, s->keylen);
		if (c < 0) {
			uint32_t h = s->is_index ? hash_index((uint32_t)cur, s->index)
			                         : hash_key(s->key, s->keylen, r->fold, (uint32_t)cur);
			uint32_t k = h & r->emask;
			c = r->nnodes++;
			r->nodes[c].col = -1;
			r->nodes[c].nchild = 0;
			while (r->edges[k].child)
				k = (k + 1) & r->emask;
			r->edges[k] = (jedge){ (uint32_t)cur, (uint32_t)c, s->index, s->keylen, s->key, s->is_index };
			r->nodes[cur].nchild++;
		}
		cur = c;
	}
	/* columns sharing a path are chained in column order */
	r->next_col[col] = -1;
	if (r->nodes[cur].col < 0) {
		r->nodes[cur].col = col;
	} else {
		int32_t t = r->nodes[cur].col;
		while (r->next_col[t] >= 0)
			t = r->next_col[t];
		r->next_col[t] = col;
	}
}

/* ---- parsing --------------------------------------------------------------------------------------------------- */

static int
fail_at(pres *ps, const char *base, const char *q, const char *end, int code, const char *what)
{
	ps->errp = q > end ? end : q;
	ps->code = code;
	if (q >= end)
		snprintf(ps->why, sizeof ps->why, "Invalid JSON: unexpected end of input at Pos %zu", (size_t)(end - base));
	else if ((unsigned char)*q >= 0x20 && (unsigned char)*q < 0x7f && !what)
		snprintf(ps->why, sizeof ps->why, "Invalid JSON: unexpected character '%c' at Pos %zu", *q,
		    (size_t)(q - base));
	else if (!what)
		snprintf(ps->why, sizeof ps->why, "Invalid JSON: unexpected byte 0x%02x at Pos %zu", (unsigned char)*q,
		    (size_t)(q - base));
	else
		snprintf(ps->why, sizeof ps->why, "Invalid JSON: %s at Pos %zu", what, (size_t)(q - base));
	return P_BAD;
}

/* A syntax error at q (what == NULL: "unexpected character"); at the end of the buffer, ask for more input first. */
#define FAILC(code, q, what)                                         \
	do {                                                             \
		if ((q) >= end && !eof)                                      \
			return P_MORE;                                           \
		return fail_at(ps, base, (q), end, (code), (what));          \
	} while (0)
#define FAIL(q, what) FAILC(1216, q, what)

#define SKIPWS()                          \
	do {                                  \
		while (IS(*p, C_WS)) {            \
			lines += *p == '\n';          \
			p++;                          \
		}                                 \
	} while (0)

static void
emit(js_reader *r, int32_t node, const char *p, size_t n, bool quoted, bool null)
{
	for (int32_t c = r->nodes[node].col; c >= 0; c = r->next_col[c]) {
		hd_field *f = &r->fields[c];
		f->p = p;
		f->n = (uint32_t)n;
		f->quoted = quoted;
		f->null = null;
		f->jstring = quoted;
	}
}

static bool
need_scratch(js_reader *r)
{
	if (!r->scratch)
		r->scratch = hd_malloc(HD_MAX_RECORD);
	return r->scratch != NULL;
}

/* Decode a string body [s, q) with escapes into scratch; returns P_REC, or P_REC with ps->code set for a lone
 * surrogate (the record is still parsed to its end), or P_LONG / P_NOMEM. */
static __attribute__((noinline)) int
decode(js_reader *r, pres *ps, const char *base, const char *s, const char *q, const char **out, size_t *outn)
{
	size_t n, at;
	int u;

	if (!need_scratch(r))
		return P_NOMEM;
	if (r->slen + (size_t)(q - s) > HD_MAX_RECORD)
		return P_LONG; /* decoded strings never outgrow the record: this one is over the limit */
	u = hd_json_unescape_(s, q, r->scratch + r->slen, &n, &at);
	if (u != HD_JU_OK) {
		if (!ps->code) {
			ps->code = u == HD_JU_SURROGATE ? 1220 : 1219;
			if (u == HD_JU_SURROGATE)
				snprintf(ps->why, sizeof ps->why, "String contains invalid or unsupported UTF-8 codepoints: "
				    "unpaired surrogate escape at Pos %zu", (size_t)(s + at - base));
			else
				snprintf(ps->why, sizeof ps->why, "Invalid JSON: bad escape at Pos %zu", (size_t)(s + at - base));
		}
		*out = "";
		*outn = 0;
		return P_REC;
	}
	*out = r->scratch + r->slen;
	*outn = n;
	return P_REC;
}

/* Parse the record at rb.start (not white space). Pure with respect to the rdbuf: the caller consumes. */
static int
parse(js_reader *r, pres *ps)
{
	const char *const base = r->rb.buf + r->rb.start, *const end = r->rb.buf + r->rb.end;
	const bool eof = r->rb.eof, simd = r->simd;
	const char *p = base, *s, *q;
	jframe *const st = r->stack;
	uint64_t lines = 0;
	int32_t cur = 0;
	int d = 0, rc;
	bool esc, not_object = false;

	r->slen = 0;
	ps->code = 0;
	for (int c = 0; c < r->ncol; c++)
		r->fields[c] = (hd_field){ .p = "", .n = 0, .quoted = false, .null = true };
	if (r->want_object && *p != '{') {
		not_object = true;
		cur = -1;
	}

value:
	switch (*p) {
	case '{':
	case '[':
		if (d == HD_MAX_JSON_DEPTH)
			FAIL(p, "nesting deeper than " JS_STR(HD_MAX_JSON_DEPTH) " levels");
		st[d].start = p;
		st[d].node = cur;
		st[d].idx = 0;
		st[d].obj = *p == '{';
		d++;
		p++;
		SKIPWS();
		if (st[d - 1].obj)
			goto key_or_close;
		if (*p == ']')
			goto close;
		cur = child_index(r, cur, 0);
		goto value;
	case '"':
		s = p + 1;
		esc = false;
		for (;;) {
			q = str_special(simd, s);
			if (*q == '"')
				break;
			if (*q == '\\') {
				esc = true;
				if (q[1] == 'u') {
					for (int i = 2; i < 6; i++)
						if (!((q[i] >= '0' && q[i] <= '9') || ((q[i] | 0x20) >= 'a' && (q[i] | 0x20) <= 'f')))
							FAILC(1219, q + i, "\\u not followed by four hex digits");
					s = q + 6;
				} else if (IS(q[1], C_ESC)) {
					s = q + 2;
				} else {
					FAIL(q + 1, "invalid escape");
				}
				continue;
			}
			FAIL(q, "unescaped control character in a string");
		}
		if (cur >= 0 && r->nodes[cur].col >= 0) {
			const char *v = s = p + 1;
			size_t vn = (size_t)(q - s);
			if (esc) {
				if ((rc = decode(r, ps, base, s, q, &v, &vn)) != P_REC)
					return rc;
				r->slen += vn;
			}
			emit(r, cur, v, vn, true, false);
		}
		p = q + 1;
		goto after;
	case 't':
	case 'f':
	case 'n': {
		const char *lit = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
		const size_t ln = *p == 'f' ? 5 : 4;
		if ((size_t)(end - p) <= ln && !eof)
			return P_MORE; /* the literal and the byte after it */
		if (memcmp(p, lit, ln) != 0 || IS(p[ln], C_WORD))
			FAIL(p, NULL);
		if (cur >= 0 && r->nodes[cur].col >= 0)
			emit(r, cur, *p == 'n' ? "" : p, *p == 'n' ? 0 : ln, false, *p == 'n');
		p += ln;
		goto after;
	}
	case '-':
	case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
		q = p + (*p == '-');
		if (*q == '0')
			q++;
		else if (IS(*q, C_DIGIT))
			while (IS(*q, C_DIGIT))
				q++;
		else
			FAIL(q, "invalid number");
		if (*q == '.') {
			q++;
			if (!IS(*q, C_DIGIT))
				FAIL(q, "invalid number");
			while (IS(*q, C_DIGIT))
				q++;
		}
		if ((*q | 0x20) == 'e') {
			q++;
			if (*q == '+' || *q == '-')
				q++;
			if (!IS(*q, C_DIGIT))
				FAIL(q, "invalid number");
			while (IS(*q, C_DIGIT))
				q++;
		}
		if (q >= end && !eof)
			return P_MORE; /* the number may go on */
		if (IS(*q, C_WORD))
			FAIL(q, "invalid number");
		if (cur >= 0 && r->nodes[cur].col >= 0)
			emit(r, cur, p, (size_t)(q - p), false, false);
		p = q;
		goto after;
	default:
		FAIL(p, NULL);
	}

after:
	if (d == 0)
		goto done;
	SKIPWS();
	if (st[d - 1].obj) {
		if (*p == ',') {
			p++;
			SKIPWS();
			goto key;
		}
		if (*p == '}')
			goto close;
		FAIL(p, "expected ',' or '}'");
	}
	if (*p == ',') {
		p++;
		SKIPWS();
		cur = child_index(r, st[d - 1].node, ++st[d - 1].idx);
		goto value;
	}
	if (*p == ']')
		goto close;
	FAIL(p, "expected ',' or ']'");

close:
	d--;
	p++;
	if (st[d].node >= 0 && r->nodes[st[d].node].col >= 0)
		emit(r, st[d].node, st[d].start, (size_t)(p - st[d].start), false, false);
	goto after;

key_or_close:
	if (*p == '}')
		goto close;
key:
	if (*p != '"')
		FAIL(p, "expected a name in double quotes");
	s = p + 1;
	esc = false;
	for (;;) {
		q = str_special(simd, s);
		if (*q == '"')
			break;
		if (*q == '\\') {
			esc = true;
			if (q[1] == 'u') {
				for (int i = 2; i < 6; i++)
					if (!((q[i] >= '0' && q[i] <= '9') || ((q[i] | 0x20) >= 'a' && (q[i] | 0x20) <= 'f')))
						FAILC(1219, q + i, "\\u not followed by four hex digits");
				s = q + 6;
			} else if (IS(q[1], C_ESC)) {
				s = q + 2;
			} else {
				FAIL(q + 1, "invalid escape");
			}
			continue;
		}
		FAIL(q, "unescaped control character in a name");
	}
	s = p + 1;
	cur = -1;
	if (st[d - 1].node >= 0 && r->nodes[st[d - 1].node].nchild > 0) {
		if (!esc) {
			cur = st[d - 1].node == 0 ? root_member(r, st[d - 1].idx++, s, (size_t)(q - s))
			                          : child_key(r, st[d - 1].node, s, (size_t)(q - s));
		} else {
			/* decode into scratch without keeping it; a bad escape in a name matches nothing */
			size_t kn, at;
			if (!need_scratch(r))
				return P_NOMEM;
			if (r->slen + (size_t)(q - s) > HD_MAX_RECORD)
				return P_LONG;
			if (hd_json_unescape_(s, q, r->scratch + r->slen, &kn, &at) == HD_JU_OK)
				cur = child_key(r, st[d - 1].node, r->scratch + r->slen, kn);
		}
	}
	p = q + 1;
	SKIPWS();
	if (*p != ':')
		FAIL(p, "expected ':' after a name");
	p++;
	SKIPWS();
	goto value;

done:
	ps->end = p;
	ps->lines = lines;
	if (not_object && !ps->code) {
		ps->code = 1216;
		snprintf(ps->why, sizeof ps->why, "Invalid JSONPath format: Member is not an object ('auto' loads objects; "
		                                  "use a JSONPaths file for arrays)");
	}
	return P_REC;
}

/* ---- the reader ------------------------------------------------------------------------------------------------ */

static int
fatal(js_reader *r, hd_code code)
{
	r->failed = code;
	return HD_REC_ERROR;
}

static void
set_fail(hd_recfail *fail, int code, const char *reason)
{
	size_t n = strlen(reason);
	if (!fail)
		return;
	if (n >= sizeof fail->reason)
		n = sizeof fail->reason - 1;
	fail->code = code;
	memcpy(fail->reason, reason, n);
	fail->reason[n] = '\0';
}

/* Skip lines until one starts with a record's first byte (after a syntax error). */
static hd_code
resync(js_reader *r, hd_err *err)
{
	hd_rdbuf *rb = &r->rb;
	hd_code c;

	while (r->resync != RS_OFF) {
		const char *p = rb->buf + rb->start;
		size_t avail = rb->end - rb->start;
		if (avail == 0) {
			if (rb->eof) {
				r->resync = RS_OFF;
				break;
			}
			if ((c = hd_rdbuf_fill(rb, err)) != HD_OK)
				return c;
			continue;
		}
		if (r->resync == RS_START) {
			if (*p == '{' || (*p == '[' && !r->want_object)) {
				r->resync = RS_OFF;
				break;
			}
			r->resync = RS_LINE;
		}
		const char *nl = memchr(p, '\n', avail);
		if (nl) {
			hd_rdbuf_consume(rb, (size_t)(nl + 1 - p), 1);
			r->resync = RS_START;
		} else {
			hd_rdbuf_consume(rb, avail, 0);
		}
	}
	return HD_OK;
}

static int
js_next(hd_reader *rd, hd_record *rec, hd_recfail *fail, hd_err *err)
{
	js_reader *r = (js_reader *)(void *)rd;
	hd_rdbuf *rb = &r->rb;
	pres ps;
	hd_code c;
	int rc;

	if (r->failed) {
		hd_err_set(err, r->failed, "%s: reading stopped after an earlier error", rb->in->name);
		return HD_REC_ERROR;
	}
	if (!r->started) {
		while (rb->end - rb->start < 3 && !rb->eof)
			if ((c = hd_rdbuf_fill(rb, err)) != HD_OK)
				return fatal(r, c);
		if (!r->o.mid_file && rb->end - rb->start >= 3 && memcmp(rb->buf + rb->start, "\xEF\xBB\xBF", 3) == 0)
			hd_rdbuf_consume(rb, 3, 0);
		/* IGNOREHEADER counts lines with JSON too (copy-parameters-data-conversion; JSON does not exclude it) */
		if (!r->o.mid_file && r->o.ignoreheader > 0 &&
		    (c = hd_rdbuf_skip_lines(rb, r->o.ignoreheader, err)) != HD_OK)
			return fatal(r, c);
		r->started = true;
	}
	for (;;) {
		if (r->resync && (c = resync(r, err)) != HD_OK)
			return fatal(r, c);
		/* white space between records */
		for (;;) {
			const char *p = rb->buf + rb->start, *q = p;
			uint64_t lines = 0;
			while (IS(*q, C_WS)) {
				lines += *q == '\n';
				q++;
			}
			hd_rdbuf_consume(rb, (size_t)(q - p), lines);
			if (rb->start < rb->end)
				break;
			if (rb->eof)
				return HD_REC_EOF;
			if ((c = hd_rdbuf_fill(rb, err)) != HD_OK)
				return fatal(r, c);
		}
		rc = parse(r, &ps);
		if (rc == P_MORE) {
			if (rb->end - rb->start > (size_t)HD_MAX_RECORD)
				return fatal(r, hd_rdbuf_too_long(rb, rb->line, err));
			if ((c = hd_rdbuf_fill(rb, err)) != HD_OK)
				return fatal(r, c);
			continue;
		}
		if (rc == P_LONG)
			return fatal(r, hd_rdbuf_too_long(rb, rb->line, err));
		if (rc == P_NOMEM)
			return fatal(r, hd_err_set(err, HD_ERR_NOMEM, "%s: out of memory at line %llu", rb->in->name,
			    (unsigned long long)rb->line));
		rec->raw = rb->buf + rb->start;
		rec->line = rb->line;
		rec->offset = hd_rdbuf_offset(rb);
		rec->fields = r->fields;
		rec->nfields = r->ncol;
		if (rc == P_BAD) {
			/* raw: up to the end of the line where the error is; the next call resynchronises */
			const char *e = rb->buf + rb->end, *nl = memchr(ps.errp, '\n', (size_t)(e - ps.errp));
			rec->raw_len = (size_t)((nl ? nl : e) - rec->raw);
			rec->nfields = 0;
			r->resync = RS_LINE;
			set_fail(fail, ps.code, ps.why);
			return HD_REC_BAD;
		}
		rec->raw_len = (size_t)(ps.end - rec->raw);
		if (rec->raw_len > HD_MAX_RECORD)
			return fatal(r, hd_rdbuf_too_long(rb, rb->line, err));
		hd_rdbuf_consume(rb, rec->raw_len, ps.lines);
		if (ps.code) {
			rec->nfields = 0;
			set_fail(fail, ps.code, ps.why);
			return HD_REC_BAD;
		}
		return HD_REC_OK;
	}
}

static void
js_close(hd_reader *rd)
{
	js_reader *r = (js_reader *)(void *)rd;
	if (!r)
		return;
	hd_rdbuf_free(&r->rb);
	free(r->fields);
	free(r->next_col);
	free(r->nodes);
	free(r->edges);
	free(r->names);
	free(r->scratch);
	if (r->have_jp)
		hd_jpaths_free(&r->jp);
	free(r);
}

/* Build the trie: from the compiled paths, or from the column names ('auto': one step each). */
static hd_code
build(js_reader *r, const hd_jpaths *jp, hd_err *err)
{
	const bool autom = !jp || jp->use_auto;
	size_t nsteps = 0, cap = 16, namelen = 0;
	hd_jp_step *auto_steps = NULL;
	hd_code rc = HD_OK;

	if (autom) {
		if (!r->o.colnames)
			return hd_err_set(err, HD_ERR_INTERNAL, "json 'auto' needs the column names");
		for (int i = 0; i < r->ncol; i++) {
			if (!r->o.colnames[i])
				return hd_err_set(err, HD_ERR_INTERNAL, "json 'auto': column %d has no name", i + 1);
			namelen += strlen(r->o.colnames[i]) + 1;
		}
		nsteps = (size_t)r->ncol;
	} else {
		nsteps = (size_t)jp->first[jp->n];
	}
	while (cap < 2 * (nsteps + 1))
		cap *= 2;
	r->nodes = hd_malloc((nsteps + 1) * sizeof *r->nodes);
	r->edges = hd_calloc(cap, sizeof *r->edges);
	r->next_col = hd_malloc((size_t)r->ncol * sizeof *r->next_col);
	if (autom) {
		r->names = hd_malloc(namelen);
		auto_steps = hd_calloc((size_t)r->ncol, sizeof *auto_steps);
	}
	if (!r->nodes || !r->edges || !r->next_col || (autom && (!r->names || !auto_steps))) {
		rc = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		goto out;
	}
	r->emask = (uint32_t)cap - 1;
	r->nnodes = 1;
	r->nodes[0].col = -1;
	r->nodes[0].nchild = 0;
	if (autom) {
		char *np = r->names;
		r->fold = r->o.json_ignorecase;
		r->want_object = true;
		for (int i = 0; i < r->ncol; i++) {
			size_t n = strlen(r->o.colnames[i]);
			memcpy(np, r->o.colnames[i], n + 1);
			auto_steps[i].key = np;
			auto_steps[i].keylen = (uint32_t)n;
			np += n + 1;
			add_path(r, &auto_steps[i], 1, i);
		}
	} else {
		for (int i = 0; i < r->ncol; i++)
			add_path(r, jp->steps ? &jp->steps[jp->first[i]] : NULL, jp->first[i + 1] - jp->first[i], i); /* '$' */
	}
out:
	free(auto_steps);
	return rc;
}

static hd_code
js_open(const hd_format_opts *o, hd_stream *in, hd_reader **out, hd_err *err)
{
	js_reader *r;
	hd_code c;

	*out = NULL;
	if (o->ncolumns < 1 || o->ncolumns > HD_MAX_FIELDS)
		return hd_err_set(err, HD_ERR_INTERNAL, "json: %d columns", o->ncolumns);
	pthread_once(&cls_once, init_classes);
	r = hd_calloc(1, sizeof *r);
	if (!r)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	r->o = *o;
	r->o.jsonpaths = NULL;
	r->ncol = o->ncolumns;
	if (o->jsonpaths) {
		if ((c = hd_jpaths_parse(o->jsonpaths, o->jsonpaths_len, &r->jp, err)) != HD_OK)
			goto fail;
		r->have_jp = true;
		if (!r->jp.use_auto && r->jp.n != o->ncolumns) {
			/* Redshift's wording for a count mismatch */
			c = hd_err_set(err, HD_ERR_SYNTAX, "Number of jsonpaths and the number of columns should match. "
			    "JSONPath size: %d, Number of columns in table or column list: %d", r->jp.n, o->ncolumns);
			goto fail;
		}
	}
	/* build() copies the column names: the caller's array need not outlive open */
	if ((c = build(r, r->have_jp ? &r->jp : NULL, err)) != HD_OK)
		goto fail;
	r->o.colnames = NULL;
	r->fields = hd_calloc((size_t)r->ncol, sizeof *r->fields);
	if (!r->fields) {
		c = hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((c = hd_rdbuf_init(&r->rb, in, err)) != HD_OK)
		goto fail;
	r->simd = strcmp(hd_classify_name(), "scalar") != 0;
	*out = (hd_reader *)(void *)r;
	return HD_OK;
fail:
	js_close((hd_reader *)(void *)r);
	return c;
}

const hd_format_ops hd_format_json = {
	.name = "json",
	.open = js_open,
	.next = js_next,
	.close = js_close,
	.boundaries = NULL, /* a JSON file is one unit: a record's start can't be found from an arbitrary offset */
};
