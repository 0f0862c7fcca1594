/*
 * codec_bench.c — decompression throughput: hdcopy's codec streams, and the candidate gzip decoders side by side.
 *
 * The compressed file is read into memory first, so the figures are decoder speed, not disk speed. Each mode decodes
 * the whole input N times (best run reported) into a 1 MiB output buffer, the size the format stage asks for, and
 * prints MB/s of *decompressed* output (MB = 10^6 bytes) and of compressed input.
 *
 * Modes:
 *   hd-gzip, hd-bzip2, hd-lzop, hd-zstd   hd_codec_wrap() over an in-memory stream (what a slice really runs)
 *   zlib        zlib inflate(), windowBits 15+16, 1 MiB in / 1 MiB out, streaming, multi-member
 *   isal        ISA-L isal_inflate(), ISAL_GZIP, 1 MiB in / 1 MiB out, streaming, multi-member
 *   libdeflate  libdeflate_gzip_decompress_ex() on the whole buffer into one whole output buffer (no streaming API:
 *               a ceiling, not a candidate); needs the decompressed size (pass it with -s, or it reads ISIZE)
 *
 * Build (not part of the CMake build; it links every candidate):
 *   gcc -std=c17 -O2 -D_GNU_SOURCE -Isrc src/common/err.c src/common/stream.c src/codec/{codec,gzip,bzip2,lzop,zstd}.c \
 *       bench/codec_bench.c \
 *       -lz -lbz2 -llzo2 -lzstd -lisal -ldeflate -o /tmp/codec_bench
 * Run:
 *   /tmp/codec_bench MODE FILE [RUNS]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <zlib.h>

#include "codec/codec.h"

#define CHUNK (1u << 20)

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	p = malloc((size_t)n + 1);
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	*len = (size_t)n;
out:
	fclose(f);
	return p;
}

/* Each returns the decompressed size, or -1. */
static long long
run_hd(hd_compression c, const unsigned char *in, size_t len, unsigned char *out)
{
	hd_err err = { 0 };
	hd_stream *s = hd_stream_mem(in, len, "bench"), *d = NULL;
	long long total = 0;
	ssize_t n;

	if (!s || hd_codec_wrap(c, s, &d, &err) != HD_OK) {
		fprintf(stderr, "wrap: %s\n", err.msg);
		return -1;
	}
	while ((n = hd_stream_read(d, out, CHUNK, &err)) > 0)
		total += n;
	hd_stream_close(d);
	if (n < 0) {
		fprintf(stderr, "read: %s\n", err.msg);
		return -1;
	}
	return total;
}

static long long
run_zlib(const unsigned char *in, size_t len, unsigned char *out)
{
	z_stream z;
	long long total = 0;
	size_t pos = 0;
	int r = Z_OK;

	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	for (;;) {
		if (z.avail_in == 0 && pos < len) {
			size_t k = len - pos < CHUNK ? len - pos : CHUNK;
			z.next_in = (unsigned char *)in + pos;
			z.avail_in = (uInt)k;
			pos += k;
		}
		z.next_out = out;
		z.avail_out = CHUNK;
		r = inflate(&z, Z_NO_FLUSH);
		total += CHUNK - z.avail_out;
		if (r == Z_STREAM_END) {
			if (z.avail_in == 0 && pos == len)
				break;
			inflateReset(&z);
			continue;
		}
		if (r != Z_OK && r != Z_BUF_ERROR)
			break;
		if (r == Z_BUF_ERROR && pos == len)
			break;
	}
	inflateEnd(&z);
	return r == Z_STREAM_END ? total : -1;
}

static long long
run_isal(const unsigned char *in, size_t len, unsigned char *out)
{
	static struct inflate_state st; /* ~40 KiB: keep it off the stack */
	long long total = 0;
	size_t pos = 0;
	int r;

	isal_inflate_init(&st);
	st.crc_flag = ISAL_GZIP;
	for (;;) {
		if (st.avail_in == 0 && pos < len) {
			size_t k = len - pos < CHUNK ? len - pos : CHUNK;
			st.next_in = (uint8_t *)in + pos;
			st.avail_in = (uint32_t)k;
			pos += k;
		}
		st.next_out = out;
		st.avail_out = CHUNK;
		r = isal_inflate(&st);
		total += CHUNK - st.avail_out;
		if (r != ISAL_DECOMP_OK)
			return -1;
		if (st.block_state == ISAL_BLOCK_FINISH) {
			if (st.avail_in == 0 && pos == len)
				break;
			isal_inflate_reset(&st);
			st.crc_flag = ISAL_GZIP;
			continue;
		}
		if (st.avail_in == 0 && pos == len && st.avail_out != 0)
			return -1; /* truncated */
	}
	return total;
}

static long long
run_libdeflate(const unsigned char *in, size_t len, unsigned char *out, size_t outcap)
{
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	long long total = 0;
	size_t pos = 0;

	if (!d)
		return -1;
	while (pos < len) {
		size_t used = 0, got = 0;
		if (libdeflate_gzip_decompress_ex(d, in + pos, len - pos, out + total, outcap - (size_t)total, &used,
						  &got) != LIBDEFLATE_SUCCESS) {
			total = -1;
			break;
		}
		pos += used;
		total += (long long)got;
	}
	libdeflate_free_decompressor(d);
	return total;
}

int
main(int argc, char **argv)
{
	const char *mode, *path;
	unsigned char *in, *out;
	size_t len = 0, outcap = CHUNK;
	int runs, i;
	double best = 1e30;
	long long total = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s hd-gzip|hd-bzip2|hd-lzop|hd-zstd|zlib|isal|libdeflate FILE [RUNS]\n", argv[0]);
		return 2;
	}
	mode = argv[1];
	path = argv[2];
	runs = argc > 3 ? atoi(argv[3]) : 3;
	if (!(in = slurp(path, &len))) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	if (strcmp(mode, "libdeflate") == 0) {
		/* Sum the members' ISIZE fields is not possible without parsing; decode once with zlib to size it. */
		unsigned char *tmp = malloc(CHUNK);
		long long n = tmp ? run_zlib(in, len, tmp) : -1;
		free(tmp);
		if (n < 0)
			return 1;
		outcap = (size_t)n;
	}
	if (!(out = malloc(outcap)))
		return 1;
	for (i = 0; i < runs; i++) {
		double t0 = now(), dt;
		if (strcmp(mode, "hd-gzip") == 0)
			total = run_hd(HD_COMP_GZIP, in, len, out);
		else if (strcmp(mode, "hd-bzip2") == 0)
			total = run_hd(HD_COMP_BZIP2, in, len, out);
		else if (strcmp(mode, "hd-lzop") == 0)
			total = run_hd(HD_COMP_LZOP, in, len, out);
		else if (strcmp(mode, "hd-zstd") == 0)
			total = run_hd(HD_COMP_ZSTD, in, len, out);
		else if (strcmp(mode, "zlib") == 0)
			total = run_zlib(in, len, out);
		else if (strcmp(mode, "isal") == 0)
			total = run_isal(in, len, out);
		else if (strcmp(mode, "libdeflate") == 0)
			total = run_libdeflate(in, len, out, outcap);
		else {
			fprintf(stderr, "unknown mode %s\n", mode);
			return 2;
		}
		dt = now() - t0;
		if (total < 0) {
			fprintf(stderr, "%s: decode failed\n", mode);
			return 1;
		}
		if (dt < best)
			best = dt;
	}
	printf("%-10s %s: %zu -> %lld bytes, best of %d: %.3f s, %.0f MB/s out, %.0f MB/s in\n", mode, path, len, total,
	       runs, best, (double)total / best / 1e6, (double)len / best / 1e6);
	free(in);
	free(out);
	return 0;
}
