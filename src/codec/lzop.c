/*
 * lzop.c — LZOP: the lzop container (parsed here) around LZO1X blocks (liblzo2's lzo1x_decompress_safe).
 *
 * Container (all integers big-endian):
 *   file   = magic "\x89LZO\0\r\n\x1a\n", header, block*, u32 0
 *   header = u16 version, u16 lib_version, [u16 version_needed if version >= 0x0940], u8 method,
 *            [u8 level if version >= 0x0940], u32 flags, [u32 filter if F_H_FILTER], u32 mode, u32 mtime,
 *            [u32 mtime_high if version >= 0x0940], u8 name_len, name, u32 checksum of all the header bytes after the
 *            magic (adler32, or crc32 if F_H_CRC32), [u32 extra_len, extra, u32 checksum of both, if F_H_EXTRA_FIELD]
 *   block  = u32 usize (0 ends the file), u32 csize, [u32 adler32 of data if F_ADLER32_D], [u32 crc32 ... F_CRC32_D],
 *            and only if csize < usize: [u32 adler32 of compressed if F_ADLER32_C], [u32 crc32 ... F_CRC32_C];
 *            then csize bytes: LZO1X data, or the plain bytes when csize == usize.
 * Methods 1 (LZO1X-1), 2 (LZO1X-1(15)) and 3 (LZO1X-999) all decode with lzo1x_decompress_safe, which never
 * writes past the buffer it is given. Filters, multipart files and other methods are refused.
 *
 * Buffers: the common input buffer (HD_CODEC_INBUF); cbuf, a compressed block that straddles input buffers; ubuf, a
 * decoded block the caller had no room for. Both grow to the largest block seen, capped at HD_CODEC_LZOP_MAX_BLOCK
 * (lzop's own limit; lzop writes 256 KiB blocks), so memory is bounded by the cap, not by the input.
 * Invariant: a block's bytes reach the caller only after its checksums matched.
 *
 * Several lzop files back to back (`cat a.lzo b.lzo`) decode as one stream, like gzip members; zero padding after
 * the last is accepted.
 */
#include "codec/codec_int.h"

#include <stdlib.h>
#include <string.h>

#include <lzo/lzo1x.h>
#include "common/sys.h"

#define F_ADLER32_D     0x00000001u
#define F_ADLER32_C     0x00000002u
#define F_H_EXTRA_FIELD 0x00000040u
#define F_CRC32_D       0x00000100u
#define F_CRC32_C       0x00000200u
#define F_MULTIPART     0x00000400u
#define F_H_FILTER      0x00000800u
#define F_H_CRC32       0x00001000u
#define F_MASK          0x00003fffu
#define F_OS_MASK       0xff000000u
#define F_CS_MASK       0x00f00000u
#define F_RESERVED      (~(F_MASK | F_OS_MASK | F_CS_MASK))

#define LZOP_VERSION_READ 0x1040u /* the newest format version we read: lzop 1.04's */
#define HEADER_MAX        512u    /* magic + fixed fields + 255-byte name + checksum is 301 */

static const unsigned char lzop_magic[9] = { 0x89, 'L', 'Z', 'O', 0x00, '\r', '\n', 0x1a, '\n' };

enum lz_state { LZ_FILE, LZ_BLOCK };

typedef struct lz_stream {
	hd_codec_common c;
	enum lz_state state;
	uint32_t flags;
	uint64_t files, blocks; /* files completed; blocks in the current file */
	unsigned char *cbuf, *ubuf;
	size_t cbuf_cap, ubuf_cap;
	size_t upos, ulen; /* ubuf[upos, ulen) still owed to the caller */
} lz_stream;

/* A bounds-checked big-endian reader over bytes already in memory. */
typedef struct cursor {
	const unsigned char *p;
	size_t len, pos;
	bool short_;
} cursor;

static uint32_t
get(cursor *k, size_t n)
{
	uint32_t v = 0;

	if (k->len - k->pos < n) {
		k->short_ = true;
		k->pos = k->len;
		return 0;
	}
	while (n--)
		v = (v << 8) | k->p[k->pos++];
	return v;
}

static uint32_t
checksum(bool crc, const unsigned char *p, size_t n)
{
	return crc ? (uint32_t)lzo_crc32(0, p, n) : (uint32_t)lzo_adler32(1, p, n);
}

static ssize_t
truncated(lz_stream *z, hd_err *err)
{
	hd_codec_common *c = &z->c;

	return hd_codec_fail(c, err, "truncated lzop stream (unexpected end of file after %llu bytes)",
			     (unsigned long long)(c->in.base + c->in.len));
}

static ssize_t
grow(lz_stream *z, unsigned char **b, size_t *cap, size_t want, hd_err *err)
{
	unsigned char *nb;

	if (*cap >= want)
		return 0;
	nb = hd_realloc(*b, want);
	if (!nb)
		return hd_codec_fail_code(&z->c, err, HD_ERR_NOMEM, "out of memory for a %zu-byte lzop block", want);
	*b = nb;
	*cap = want;
	return 0;
}

/* Skip the (never written by lzop, but legal) extra field, checking its checksum, which covers its length too. */
static ssize_t
skip_extra(lz_stream *z, bool crc, hd_err *err)
{
	hd_codec_common *c = &z->c;
	unsigned char lenb[4];
	uint32_t left, sum, want;
	ssize_t a;
	cursor k;

	if ((a = hd_codec_need(c, 4, err)) < 0)
		return -1;
	if (a < 4)
		return truncated(z, err);
	memcpy(lenb, c->in.buf + c->in.pos, 4);
	c->in.pos += 4;
	k = (cursor){ lenb, 4, 0, false };
	left = get(&k, 4);
	sum = crc ? (uint32_t)lzo_crc32(0, lenb, 4) : (uint32_t)lzo_adler32(1, lenb, 4);
	while (left > 0) {
		size_t take;
		if ((a = hd_codec_need(c, 1, err)) < 0)
			return -1;
		if (a == 0)
			return truncated(z, err);
		take = (size_t)a < left ? (size_t)a : left;
		sum = crc ? (uint32_t)lzo_crc32(sum, c->in.buf + c->in.pos, take)
			  : (uint32_t)lzo_adler32(sum, c->in.buf + c->in.pos, take);
		c->in.pos += take;
		left -= (uint32_t)take;
	}
	if ((a = hd_codec_need(c, 4, err)) < 0)
		return -1;
	if (a < 4)
		return truncated(z, err);
	k = (cursor){ c->in.buf + c->in.pos, 4, 0, false };
	want = get(&k, 4);
	c->in.pos += 4;
	if (want != sum)
		return hd_codec_fail(c, err, "lzop header extra field checksum mismatch (file %llu)",
				     (unsigned long long)z->files + 1);
	return 0;
}

/* Read one file header. 1 = a file begins, 0 = done, -1 = error. */
static int
read_header(lz_stream *z, hd_err *err)
{
	hd_codec_common *c = &z->c;
	unsigned long long file = (unsigned long long)z->files + 1;
	uint32_t version, needed = 0, method, flags, sum;
	size_t name_len;
	ssize_t a = hd_codec_need(c, HEADER_MAX, err);
	cursor k;

	if (a < 0)
		return -1;
	if (a == 0) {
		c->done = true;
		return 0;
	}
	k = (cursor){ c->in.buf + c->in.pos, (size_t)a, 0, false };
	if (memcmp(k.p, lzop_magic, (size_t)a < 9 ? (size_t)a : 9) != 0) {
		if (z->files == 0)
			return (int)hd_codec_fail(c, err, "not in lzop format");
		return (int)hd_codec_trailer(c, err);
	}
	if (a < 9)
		return (int)truncated(z, err);
	k.pos = 9;
	version = get(&k, 2);
	(void)get(&k, 2); /* lib_version */
	if (version >= 0x0940)
		needed = get(&k, 2);
	method = get(&k, 1);
	if (version >= 0x0940)
		(void)get(&k, 1); /* level */
	flags = get(&k, 4);
	if (flags & F_H_FILTER)
		(void)get(&k, 4);
	(void)get(&k, 4); /* mode */
	(void)get(&k, 4); /* mtime */
	if (version >= 0x0940)
		(void)get(&k, 4); /* mtime_high */
	name_len = get(&k, 1);
	if (!k.short_ && k.len - k.pos >= name_len)
		k.pos += name_len;
	else
		k.short_ = true;
	sum = checksum(flags & F_H_CRC32, k.p + 9, k.pos - 9);
	if (get(&k, 4) != sum && !k.short_)
		return (int)hd_codec_fail(c, err, "lzop header checksum mismatch (file %llu)", file);
	if (k.short_)
		return (int)truncated(z, err); /* the header never exceeds HEADER_MAX, so only the end cuts it */
	if (version < 0x0900)
		return (int)hd_codec_fail(c, err, "unsupported lzop format version %#x (file %llu)", version, file);
	if (needed > LZOP_VERSION_READ)
		return (int)hd_codec_fail(c, err, "lzop file %llu needs lzop version %x.%02x or later to extract", file,
					  needed >> 12, (needed >> 4) & 0xff);
	if (method < 1 || method > 3)
		return (int)hd_codec_fail_code(c, err, HD_ERR_UNSUPPORTED,
					       "unsupported lzop compression method %u (file %llu; only LZO1X is supported)",
					       method, file);
	if (flags & F_RESERVED)
		return (int)hd_codec_fail(c, err, "invalid lzop header flags %#x (file %llu)", flags, file);
	if (flags & F_H_FILTER)
		return (int)hd_codec_fail_code(c, err, HD_ERR_UNSUPPORTED, "lzop filters are not supported (file %llu)",
					       file);
	if (flags & F_MULTIPART)
		return (int)hd_codec_fail_code(c, err, HD_ERR_UNSUPPORTED,
					       "multipart lzop files are not supported (file %llu)", file);
	c->in.pos += k.pos;
	if ((flags & F_H_EXTRA_FIELD) && skip_extra(z, flags & F_H_CRC32, err) < 0)
		return -1;
	z->flags = flags;
	z->blocks = 0;
	z->state = LZ_BLOCK;
	return 1;
}

/*
 * Decode the next block into dst (the caller's buffer when it has room for the whole block) or ubuf.
 * Returns the bytes written to dst, 0 when the block ended the file or was decoded into ubuf, -1 on error.
 */
static ssize_t
read_block(lz_stream *z, unsigned char *dst, size_t room, hd_err *err)
{
	hd_codec_common *c = &z->c;
	const uint32_t fl = z->flags;
	unsigned long long blk = (unsigned long long)z->blocks + 1, file = (unsigned long long)z->files + 1;
	uint32_t usize, csize, d_adler = 0, d_crc = 0, c_adler = 0, c_crc = 0;
	const unsigned char *src;
	unsigned char *out;
	ssize_t a = hd_codec_need(c, 4 + 4 + 16, err);
	cursor k;

	if (a < 0)
		return -1;
	k = (cursor){ c->in.buf + c->in.pos, (size_t)a, 0, false };
	usize = get(&k, 4);
	if (k.short_)
		return truncated(z, err);
	if (usize == 0) {
		c->in.pos += 4;
		z->files++;
		z->state = LZ_FILE;
		return 0;
	}
	if (usize == 0xffffffffu)
		return hd_codec_fail_code(c, err, HD_ERR_UNSUPPORTED, "multipart lzop files are not supported");
	if (usize > HD_CODEC_LZOP_MAX_BLOCK)
		return hd_codec_fail_code(c, err, HD_ERR_LIMIT,
					  "lzop block %llu of file %llu is %u bytes, more than lzop's %u MiB limit "
					  "(corrupt data?)",
					  blk, file, usize, HD_CODEC_LZOP_MAX_BLOCK >> 20);
	csize = get(&k, 4);
	if (fl & F_ADLER32_D)
		d_adler = get(&k, 4);
	if (fl & F_CRC32_D)
		d_crc = get(&k, 4);
	if (csize < usize) {
		if (fl & F_ADLER32_C)
			c_adler = get(&k, 4);
		if (fl & F_CRC32_C)
			c_crc = get(&k, 4);
	}
	if (k.short_)
		return truncated(z, err);
	if (csize == 0 || csize > usize)
		return hd_codec_fail(c, err,
				     "corrupt lzop block %llu of file %llu (compressed size %u, uncompressed size %u)",
				     blk, file, csize, usize);
	c->in.pos += k.pos;

	/* The compressed bytes: in place if the input buffer holds them all, else gathered into cbuf. */
	if (hd_codec_need(c, csize <= HD_CODEC_INBUF ? csize : 1, err) < 0)
		return -1;
	if (hd_codec_avail(c) >= csize) {
		src = c->in.buf + c->in.pos;
		c->in.pos += csize;
	} else {
		size_t got = 0;
		if (grow(z, &z->cbuf, &z->cbuf_cap, csize, err) < 0)
			return -1;
		while (got < csize) {
			size_t take;
			if ((a = hd_codec_need(c, 1, err)) < 0)
				return -1;
			if (a == 0)
				return truncated(z, err);
			take = (size_t)a < csize - got ? (size_t)a : csize - got;
			memcpy(z->cbuf + got, c->in.buf + c->in.pos, take);
			c->in.pos += take;
			got += take;
		}
		src = z->cbuf;
	}

	if (csize < usize) {
		if (((fl & F_ADLER32_C) && (uint32_t)lzo_adler32(1, src, csize) != c_adler) ||
		    ((fl & F_CRC32_C) && (uint32_t)lzo_crc32(0, src, csize) != c_crc))
			return hd_codec_fail(c, err, "lzop checksum mismatch in compressed block %llu of file %llu", blk,
					     file);
	}
	if (room >= usize) {
		out = dst;
	} else {
		if (grow(z, &z->ubuf, &z->ubuf_cap, usize, err) < 0)
			return -1;
		out = z->ubuf;
	}
	if (csize < usize) {
		lzo_uint got = usize;
		int r = lzo1x_decompress_safe(src, csize, out, &got, NULL);
		if (r != LZO_E_OK || got != usize)
			return hd_codec_fail(c, err, "corrupt lzop data in block %llu of file %llu (lzo error %d)", blk, file,
					     r);
	} else {
		memcpy(out, src, usize);
	}
	if (((fl & F_ADLER32_D) && (uint32_t)lzo_adler32(1, out, usize) != d_adler) ||
	    ((fl & F_CRC32_D) && (uint32_t)lzo_crc32(0, out, usize) != d_crc))
		return hd_codec_fail(c, err, "lzop checksum mismatch in block %llu of file %llu", blk, file);
	z->blocks++;
	if (out == dst)
		return (ssize_t)usize;
	z->upos = 0;
	z->ulen = usize;
	return 0;
}

static ssize_t
lz_read(hd_stream *s, void *buf, size_t n, hd_err *err)
{
	lz_stream *z = (lz_stream *)s;
	hd_codec_common *c = &z->c;
	unsigned char *out = buf;
	size_t done = 0;
	int k = hd_codec_check(c, err);

	if (k <= 0)
		return k;
	while (done < n) {
		ssize_t r;
		if (z->upos < z->ulen) {
			size_t take = z->ulen - z->upos < n - done ? z->ulen - z->upos : n - done;
			memcpy(out + done, z->ubuf + z->upos, take);
			z->upos += take;
			done += take;
			continue;
		}
		if (z->state == LZ_FILE) {
			if (read_header(z, err) <= 0)
				break;
			continue;
		}
		r = read_block(z, out + done, n - done, err);
		if (r < 0)
			break;
		done += (size_t)r;
	}
	if (done > 0)
		return (ssize_t)done;
	return c->failed ? -1 : 0;
}

static void
lz_close(hd_stream *s)
{
	lz_stream *z = (lz_stream *)s;

	free(z->cbuf);
	free(z->ubuf);
	hd_codec_common_fini(&z->c);
	free(z);
}

static const hd_stream_ops lz_stream_ops = { "lzop", lz_read, lz_close };

static hd_code
lz_open(hd_stream *in, hd_stream **out, hd_err *err)
{
	lz_stream *z;
	hd_code r;

	if (lzo_init() != LZO_E_OK)
		return hd_err_set(err, HD_ERR_INTERNAL, "liblzo2 failed to initialise");
	z = hd_calloc(1, sizeof *z);
	if (!z)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	if ((r = hd_codec_common_init(&z->c, &lz_stream_ops, "lzop", in, err)) != HD_OK) {
		free(z);
		return r;
	}
	z->state = LZ_FILE;
	*out = &z->c.base;
	return HD_OK;
}

const hd_codec_ops hd_codec_lzop = { "lzop", lz_open };
