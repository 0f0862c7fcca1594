/*
 * utf16.c — ENCODING UTF16 | UTF16LE | UTF16BE: a stream that turns UTF-16 text into UTF-8 (hd_codec_transcode).
 *
 * Stage: codec stream (plain bytes, UTF-16) -> this stream (UTF-8) -> format. The formats only ever see UTF-8, so
 * delimiters, line ends and FIXEDWIDTH character counts work unchanged.
 *
 * Byte order [copy-parameters-data-conversion, ENCODING]: "If you specify UTF16, then your data must have a byte
 * order mark (BOM). If you know whether your UTF-16 data is little-endian (LE) or big-endian (BE), you can use
 * UTF16LE or UTF16BE, regardless of the presence of a BOM." So:
 *   UTF16    the first two bytes must be a BOM: FE FF = big-endian, FF FE = little-endian; it is not data. No BOM is
 *            an error (an empty input is just empty);
 *   UTF16LE  a leading FF FE (U+FEFF in that order) is a BOM and skipped; a leading FE FF says the data is
 *   UTF16BE  big-endian (resp. the other way round): the file's encoding differs from ENCODING, an error.
 *            A U+FEFF anywhere else is data (ZERO WIDTH NO-BREAK SPACE), as Unicode says.
 * Errors — Redshift's 1221 "file encoding differs from ENCODING" (r_Load_Error_Reference), a read error here
 * (HD_ERR_IO) since no record can be trusted after it — name the stream and the byte offset of the offending code
 * unit in the UTF-16 input: an unpaired surrogate (a low one alone, a high one not followed by a low one, a high one
 * at the end), an odd final byte, a missing or contrary BOM. Errors are sticky; output decoded before an error is
 * returned first and the error comes with the next read (as in the codecs).
 *
 * Buffers: one input block of HD_CODEC_INBUF bytes (the source's own chunk), allocated at open, never grown; the
 * output goes straight into the caller's buffer. Up to 3 bytes of one character that did not fit the caller's
 * buffer wait in pend[] for the next read; a code unit split across source reads (odd byte, or a surrogate pair cut
 * in half) waits at the front of the input block.
 *
 * Hot loop: at the start of each run of ASCII code units (U+0000..U+007F) the run is converted 16 units at a time
 * with SSE2 (two loads, a mask test, one pack; the step that meets the run's end stores its 16 bytes anyway and
 * counts the ASCII ones from the mask, so a short run costs one step); elsewhere, or with HD_NO_SIMD=1 in the
 * environment, 4 at a time with 64-bit words. Other units are decoded one by one. The SSE2 and word paths are
 * checked byte for byte against the per-unit loop by the unit tests, through hd_utf16_force_scalar() — a test hook
 * declared where it is used (tests, bench), not in a header.
 */
#include "codec/codec_int.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE2__))
#include <emmintrin.h>
#include "common/sys.h"
#define U16_SSE2 1
#endif

typedef struct u16_stream {
	hd_stream base;      /* name borrowed from the source */
	hd_stream *src;      /* owned */
	hd_encoding enc;
	bool big;            /* big-endian */
	bool started;        /* the BOM question is settled */
	bool eof;            /* src returned 0 */
	bool failed;
	hd_err saved;
	unsigned char *in;   /* HD_CODEC_INBUF bytes */
	size_t pos, len;     /* unconsumed input: in[pos, len) */
	uint64_t base_off;   /* input offset of in[0] */
	unsigned char pend[4];
	unsigned npend, ipend;
} u16_stream;

/* Converts the ASCII units at the front of [s, s + 2 * n) into d; returns how many (0..n). */
typedef size_t (*u16_ascii_fn)(const unsigned char *s, size_t n, unsigned char *d, bool big);

static inline uint64_t
load64(const unsigned char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

/* 4 units per 64-bit word. The word is read in host order: on a little-endian host, unit i's low byte is byte 2i
 * of the word for LE input and byte 2i + 1 for BE input. */
static size_t
ascii_words(const unsigned char *s, size_t n, unsigned char *d, bool big)
{
	size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t mask = big ? 0x80FF80FF80FF80FFull : 0xFF80FF80FF80FF80ull;
	const int sh = big ? 8 : 0;
	for (; i + 4 <= n; i += 4) {
		uint64_t w = load64(s + 2 * i);
		if (w & mask)
			break;
		w >>= sh;
		d[i] = (unsigned char)w;
		d[i + 1] = (unsigned char)(w >> 16);
		d[i + 2] = (unsigned char)(w >> 32);
		d[i + 3] = (unsigned char)(w >> 48);
	}
#endif
	for (; i < n; i++) {
		unsigned hi = s[2 * i + !big], lo = s[2 * i + big];
		if (hi || lo >= 0x80)
			break;
		d[i] = (unsigned char)lo;
	}
	return i;
}

#ifdef U16_SSE2
/* 16 units per step. A step that meets a non-ASCII unit still stores its 16 packed bytes (the caller's room holds
 * them) and returns the count of the ASCII units before it: the bytes past that are overwritten by what follows. */
static size_t
ascii_sse2(const unsigned char *s, size_t n, unsigned char *d, bool big)
{
	const __m128i hi_bits = _mm_set1_epi16((short)0xFF80), zero = _mm_setzero_si128();
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(s + 2 * i));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + 2 * i + 16));
		uint32_t ok;
		if (big) {
			a = _mm_or_si128(_mm_slli_epi16(a, 8), _mm_srli_epi16(a, 8));
			b = _mm_or_si128(_mm_slli_epi16(b, 8), _mm_srli_epi16(b, 8));
		}
		/* 2 bits per unit, set when the unit is ASCII */
		ok = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(a, hi_bits), zero)) |
		     (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(b, hi_bits), zero)) << 16;
		_mm_storeu_si128((__m128i *)(void *)(d + i), _mm_packus_epi16(a, b));
		if (ok != 0xFFFFFFFFu)
			return i + (size_t)__builtin_ctz(~ok) / 2;
	}
	return i + ascii_words(s + 2 * i, n - i, d + i, big);
}
#endif

static u16_ascii_fn ascii_fn;

static u16_ascii_fn
pick_ascii(void)
{
	u16_ascii_fn f = __atomic_load_n(&ascii_fn, __ATOMIC_ACQUIRE);
	if (!f) {
		const char *env = getenv("HD_NO_SIMD");
		f = ascii_words;
#ifdef U16_SSE2
		if (!(env && env[0] && strcmp(env, "0") != 0))
			f = ascii_sse2;
#else
		(void)env;
#endif
		__atomic_store_n(&ascii_fn, f, __ATOMIC_RELEASE);
	}
	return f;
}

/* Tests and benchmarks: 0 = automatic, 1 = the word loop, 2 = the per-unit loop only. Not for production code. */
static int force_mode;

void hd_utf16_force_scalar(int mode);
void
hd_utf16_force_scalar(int mode)
{
	force_mode = mode;
	__atomic_store_n(&ascii_fn, mode == 1 ? ascii_words : NULL, __ATOMIC_RELEASE);
}

static const char *
enc_name(hd_encoding e)
{
	switch (e) {
	case HD_ENC_UTF16: return "UTF16";
	case HD_ENC_UTF16LE: return "UTF16LE";
	case HD_ENC_UTF16BE: return "UTF16BE";
	case HD_ENC_UTF8: break;
	}
	return "UTF8";
}

/* Fail the stream: "<name>: invalid UTF-16 at byte N (error 1221, file encoding differs from ENCODING X): what". */
static ssize_t
u16_fail(u16_stream *u, hd_err *err, uint64_t at, const char *what)
{
	hd_err_set(&u->saved, HD_ERR_IO,
	    "%s: invalid UTF-16 at byte %llu (Redshift error 1221, file encoding differs from ENCODING %s): %s",
	    u->base.name, (unsigned long long)at, enc_name(u->enc), what);
	u->failed = true;
	if (err)
		*err = u->saved;
	return -1;
}

/* Read more input behind the unconsumed bytes (moving them to the front). 1 = got some, 0 = end, -1 = error. */
static int
u16_fill(u16_stream *u, hd_err *err)
{
	ssize_t n;

	if (u->eof)
		return 0;
	if (u->pos > 0) {
		memmove(u->in, u->in + u->pos, u->len - u->pos);
		u->base_off += u->pos;
		u->len -= u->pos;
		u->pos = 0;
	}
	n = hd_stream_read(u->src, u->in + u->len, HD_CODEC_INBUF - u->len, err);
	if (n < 0) {
		/* the source named itself in its message: keep it */
		u->failed = true;
		if (err)
			u->saved = *err;
		else
			hd_err_set(&u->saved, HD_ERR_IO, "%s: read error", u->base.name);
		return -1;
	}
	if (n == 0) {
		u->eof = true;
		return 0;
	}
	u->len += (size_t)n;
	return 1;
}

/* Settle the byte order from the first two bytes. 1 = settled, 0 = need more input, -1 = error. */
static int
u16_bom(u16_stream *u, hd_err *err)
{
	const unsigned char *p = u->in + u->pos;
	bool be_bom, le_bom;

	if (u->len - u->pos < 2) {
		if (!u->eof)
			return 0;
		if (u->len == u->pos) {
			u->started = true; /* empty input */
			return 1;
		}
		return (int)u16_fail(u, err, u->base_off + u->pos, "odd number of bytes: 1 byte left at the end");
	}
	be_bom = p[0] == 0xFE && p[1] == 0xFF;
	le_bom = p[0] == 0xFF && p[1] == 0xFE;
	switch (u->enc) {
	case HD_ENC_UTF16:
		if (!be_bom && !le_bom)
			return (int)u16_fail(u, err, 0,
			    "no byte-order mark (UTF16 input must begin with FE FF or FF FE; use UTF16LE or UTF16BE "
			    "for input without one)");
		u->big = be_bom;
		break;
	case HD_ENC_UTF16LE:
		if (be_bom)
			return (int)u16_fail(u, err, 0, "the byte-order mark FE FF says the input is big-endian");
		break;
	case HD_ENC_UTF16BE:
		if (le_bom)
			return (int)u16_fail(u, err, 0, "the byte-order mark FF FE says the input is little-endian");
		break;
	case HD_ENC_UTF8:
		break;
	}
	if (be_bom || le_bom)
		u->pos += 2;
	u->started = true;
	return 1;
}

static inline unsigned
unit_at(const unsigned char *p, bool big)
{
	return big ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

/* Encode c as UTF-8 into o (room for 4); returns the bytes written. */
static inline unsigned
put_utf8(unsigned char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (unsigned char)(0xC0 | c >> 6);
		o[1] = (unsigned char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (unsigned char)(0xE0 | c >> 12);
		o[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | c >> 18);
	o[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (c & 0x3F));
	return 4;
}

static ssize_t
u16_read(hd_stream *s, void *buf, size_t n, hd_err *err)
{
	u16_stream *u = (u16_stream *)(void *)s;
	unsigned char *out = buf, *o = out, *const oend = out + n;
	const bool force_units = force_mode == 2;
	u16_ascii_fn ascii = force_units ? NULL : pick_ascii();

	if (u->failed) {
		if (err)
			*err = u->saved;
		return -1;
	}
	/* the rest of a character cut by the last call's buffer end */
	while (u->ipend < u->npend && o < oend)
		*o++ = u->pend[u->ipend++];
	if (u->ipend == u->npend)
		u->ipend = u->npend = 0;

	while (o < oend) {
		size_t avail = u->len - u->pos;
		const unsigned char *p = u->in + u->pos;
		unsigned unit;
		uint32_t c;
		unsigned char tmp[4];
		unsigned k;

		if (!u->started || avail < 2) {
			int f;
			if (avail == 1 && u->eof)
				return o > out ? o - out
				    : u16_fail(u, err, u->base_off + u->pos, "odd number of bytes: 1 byte left at the end");
			if (avail < 2 && u->eof)
				break;
			if (!u->started) {
				int b = u16_bom(u, err);
				if (b < 0)
					goto failed;
				if (b > 0)
					continue;
			}
			if ((f = u16_fill(u, err)) < 0)
				goto failed;
			continue;
		}
		unit = unit_at(p, u->big);
		if (unit < 0x80) {
			/* an ASCII run: as many units as fit, at least this one */
			size_t room = (size_t)(oend - o), units = avail / 2, m = 0;
			if (ascii)
				m = ascii(p, units < room ? units : room, o, u->big);
			if (m == 0) {
				*o = (unsigned char)unit;
				m = 1;
			}
			o += m;
			u->pos += 2 * m;
			continue;
		}
		if (unit >= 0xDC00 && unit <= 0xDFFF) {
			u16_fail(u, err, u->base_off + u->pos, "unpaired low surrogate");
			goto failed;
		}
		if (unit >= 0xD800 && unit <= 0xDBFF) {
			unsigned lo;
			if (avail < 4) {
				if (u->eof) {
					u16_fail(u, err, u->base_off + u->pos,
					    avail == 3 ? "high surrogate followed by an odd final byte"
						       : "high surrogate at the end of the input");
					goto failed;
				}
				if (u16_fill(u, err) < 0)
					goto failed;
				continue;
			}
			lo = unit_at(p + 2, u->big);
			if (lo < 0xDC00 || lo > 0xDFFF) {
				u16_fail(u, err, u->base_off + u->pos, "high surrogate not followed by a low surrogate");
				goto failed;
			}
			c = 0x10000 + ((uint32_t)(unit - 0xD800) << 10) + (lo - 0xDC00);
			u->pos += 4;
		} else {
			c = unit;
			u->pos += 2;
		}
		if (oend - o >= 4) {
			o += put_utf8(o, c);
			continue;
		}
		/* not enough room for the whole character: what fits now, the rest next call */
		k = put_utf8(tmp, c);
		for (unsigned i = 0; i < k; i++) {
			if (o < oend)
				*o++ = tmp[i];
			else
				u->pend[u->npend++] = tmp[i];
		}
	}
	return o - out;

failed:
	if (o > out) {
		/* return what was decoded; the saved error comes with the next call */
		return o - out;
	}
	if (err)
		*err = u->saved;
	return -1;
}

static void
u16_close(hd_stream *s)
{
	u16_stream *u = (u16_stream *)(void *)s;

	hd_stream_close(u->src);
	free(u->in);
	free(u);
}

static const hd_stream_ops u16_ops = { "utf16", u16_read, u16_close };

hd_code
hd_codec_transcode(hd_encoding enc, hd_stream *in, hd_stream **out, hd_err *err)
{
	u16_stream *u;

	if (enc == HD_ENC_UTF8) {
		*out = in;
		return HD_OK;
	}
	*out = NULL;
	if (enc != HD_ENC_UTF16 && enc != HD_ENC_UTF16LE && enc != HD_ENC_UTF16BE) {
		hd_stream_close(in);
		return hd_err_set(err, HD_ERR_UNSUPPORTED, "unknown ENCODING %d", (int)enc);
	}
	u = hd_calloc(1, sizeof *u);
	if (u)
		u->in = hd_malloc(HD_CODEC_INBUF);
	if (!u || !u->in) {
		free(u);
		hd_stream_close(in);
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	}
	u->base.ops = &u16_ops;
	u->base.name = in->name;
	u->src = in;
	u->enc = enc;
	u->big = enc != HD_ENC_UTF16LE; /* UTF16 is settled by its BOM */
	*out = &u->base;
	return HD_OK;
}
