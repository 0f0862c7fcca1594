/*
 * gzip.c — GZIP: RFC 1952 members, decoded with ISA-L's igzip (isal_inflate, streaming).
 *
 * Why ISA-L and not zlib: on a TPC-H lineitem text file gzip -6'd, isal_inflate decodes about 3x faster than zlib's
 * inflate (figures and method in docs/codecs.md). ISA-L parses the gzip header itself (crc_flag = ISAL_GZIP) and,
 * at the end of a member, checks the trailer: CRC32 of the output and ISIZE (output length mod 2^32) together.
 *
 * In:  compressed bytes through the common input buffer (HD_CODEC_INBUF).
 * Out: decoded straight into the caller's buffer; ISA-L keeps its 32 KiB history (and any output that did not fit)
 *      in its own state (struct inflate_state, ~50 KiB, allocated once with the stream).
 * Members: after one ends (ISAL_BLOCK_FINISH) the bytes left in next_in start the next member: isal_inflate_reset()
 *      and go on. ISA-L hands back any whole bytes it had buffered past the trailer, so none are lost.
 * Ends: end of input between members; zero padding after the last member (see hd_codec_trailer). A member cut short
 *      is "truncated"; a first member without the 1f 8b magic is "not in gzip format".
 */
#include "codec/codec_int.h"

#include <stdlib.h>

#include <isa-l/igzip_lib.h>
#include "common/sys.h"

typedef struct gz_stream {
	hd_codec_common c;
	bool in_member;
	bool in_header;  /* the member's header is being read (isal_read_gzip_header) */
	struct isal_gzip_header hdr; /* kept across calls: a header may arrive in pieces (intel/isa-l#224) */
	uint64_t members; /* members completed */
	struct inflate_state st;
} gz_stream;

static const char *
isal_error(int r)
{
	switch (r) {
	case ISAL_INVALID_BLOCK: return "invalid deflate block";
	case ISAL_INVALID_SYMBOL: return "invalid deflate code";
	case ISAL_INVALID_LOOKBACK: return "invalid back-reference distance";
	case ISAL_INVALID_WRAPPER: return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD: return "unsupported gzip compression method (not deflate)";
	case ISAL_INCORRECT_CHECKSUM: return "CRC32 or length check failed";
	case ISAL_NEED_DICT: return "preset dictionary required";
	}
	return "decoder error";
}

/* Begin a member if the next bytes are one; otherwise end the stream or fail. 1 = member begun, 0 = done, -1. */
static int
gz_next_member(gz_stream *g, hd_err *err)
{
	hd_codec_common *c = &g->c;
	const unsigned char *p;
	ssize_t a = hd_codec_need(c, 2, err);

	if (a < 0)
		return -1;
	if (a == 0) {
		c->done = true; /* empty input, or end after the last member */
		return 0;
	}
	p = c->in.buf + c->in.pos;
	/* A lone 1f at the very end is begun as a member so that it reports as truncated. */
	if (p[0] == 0x1f && (a < 2 || p[1] == 0x8b)) {
		isal_inflate_reset(&g->st);
		g->st.crc_flag = ISAL_GZIP_NO_HDR_VER; /* header read by isal_read_gzip_header; trailer checked */
		isal_gzip_header_init(&g->hdr);
		g->in_header = true;
		g->in_member = true;
		return 1;
	}
	if (g->members == 0)
		return (int)hd_codec_fail(c, err, "not in gzip format");
	return (int)hd_codec_trailer(c, err);
}

static ssize_t
gz_read(hd_stream *s, void *buf, size_t n, hd_err *err)
{
	gz_stream *g = (gz_stream *)s;
	hd_codec_common *c = &g->c;
	unsigned char *out = buf;
	size_t done = 0;
	int k = hd_codec_check(c, err);

	if (k <= 0)
		return k;
	while (done < n) {
		size_t want = n - done, produced, consumed;
		uint8_t *in0;
		int r;

		if (!g->in_member && gz_next_member(g, err) <= 0)
			break;
		if (hd_codec_avail(c) == 0 && hd_codec_need(c, 1, err) < 0)
			break;
		if (want > (1u << 30))
			want = 1u << 30; /* ISA-L counts in uint32_t */
		in0 = c->in.buf + c->in.pos;
		g->st.next_in = in0;
		g->st.avail_in = (uint32_t)hd_codec_avail(c);
		if (g->in_header) {
			r = isal_read_gzip_header(&g->st, &g->hdr);
			c->in.pos += (size_t)(g->st.next_in - in0);
			if (r == ISAL_DECOMP_OK) {
				g->in_header = false;
				continue;
			}
			if (r == ISAL_END_INPUT) {
				if (c->in.eof) {
					hd_codec_fail(c, err, "truncated gzip stream (unexpected end of file after %llu bytes)",
						      (unsigned long long)(c->in.base + c->in.len));
					break;
				}
				if (hd_codec_need(c, hd_codec_avail(c) + 1, err) < 0)
					break;
				continue;
			}
			hd_codec_fail(c, err, "corrupt gzip data: %s (member %llu, near compressed byte %llu)",
				      isal_error(r), (unsigned long long)g->members + 1, (unsigned long long)hd_codec_offset(c));
			break;
		}
		g->st.next_out = out + done;
		g->st.avail_out = (uint32_t)want;
		r = isal_inflate(&g->st);
		consumed = (size_t)(g->st.next_in - in0);
		produced = want - g->st.avail_out;
		c->in.pos += consumed;
		if (r < 0) {
			/* Not a byte of the failing call is released: ISA-L's fast decoder copies a back-reference that
			 * reaches before the member's start (ISAL_INVALID_LOOKBACK) from its own state (bytes of
			 * inflate_state, pointers included) and may only report it later in the same call; the bytes
			 * out depended on the read sizes (fuzz_codec: tests/fuzz/regress/codec-gzip-lookback-*). */
			hd_codec_fail(c, err, "corrupt gzip data: %s (member %llu, near compressed byte %llu)",
				      isal_error(r), (unsigned long long)g->members + 1,
				      (unsigned long long)hd_codec_offset(c));
			break;
		}
		done += produced;
		if (g->st.block_state == ISAL_BLOCK_FINISH) {
			g->in_member = false;
			g->members++;
			continue;
		}
		if (produced == 0 && consumed == 0) {
			/* Stalled: ISA-L wants more input than there is. */
			size_t a = hd_codec_avail(c);
			if (c->in.eof) {
				hd_codec_fail(c, err, "truncated gzip stream (unexpected end of file after %llu bytes)",
					      (unsigned long long)(c->in.base + c->in.len));
				break;
			}
			if (a >= HD_CODEC_INBUF) {
				hd_codec_fail_code(c, err, HD_ERR_INTERNAL, "gzip decoder made no progress");
				break;
			}
			if (hd_codec_need(c, a + 1, err) < 0)
				break;
		}
	}
	if (done > 0)
		return (ssize_t)done; /* an error met on the way is reported by the next call */
	return c->failed ? -1 : 0;
}

static void
gz_close(hd_stream *s)
{
	gz_stream *g = (gz_stream *)s;

	hd_codec_common_fini(&g->c);
	free(g);
}

static const hd_stream_ops gz_stream_ops = { "gzip", gz_read, gz_close };

static hd_code
gz_open(hd_stream *in, hd_stream **out, hd_err *err)
{
	gz_stream *g = hd_calloc(1, sizeof *g);
	hd_code r;

	if (!g)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	if ((r = hd_codec_common_init(&g->c, &gz_stream_ops, "gzip", in, err)) != HD_OK) {
		free(g);
		return r;
	}
	isal_inflate_init(&g->st);
	*out = &g->c.base;
	return HD_OK;
}

const hd_codec_ops hd_codec_gzip = { "gzip", gz_open };
