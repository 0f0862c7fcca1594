/*
 * parse_fixedwidth.c — throughput of the FIXEDWIDTH reader, and of the UTF-16 -> UTF-8 stream, on inputs held in
 * memory.
 *
 * Build (links only common/, format/ and codec/utf16.c):
 *   gcc -std=c17 -O2 -D_GNU_SOURCE -Isrc -Iinclude src/common/{buf,err,stream}.c src/format/reader.c \
 *       src/format/fixedwidth.c src/codec/utf16.c bench/parse_fixedwidth.c -o /tmp/bench_fw
 * Run: /tmp/bench_fw [MiB of input, default 256] [repetitions, default 3]; HD_NO_SIMD=1 for the scalar paths.
 * Prints the best of the repetitions in MB/s (10^6 bytes per second) of input:
 *   fixedwidth ascii   a lineitem-like layout (16 columns, 144 characters per record), all ASCII: the byte-offset path
 *   fixedwidth mixed   the same layout where the comment column holds 2- and 3-byte characters in every record
 *                      (the character-walking path for every record)
 *   utf16le -> utf8    the ASCII file above as UTF-16LE (input bytes = 2x), and the mixed one
 *
 * Figures (2-core AMD EPYC VM, 256 MiB, best of 5, load average ~2.6 from other work; 2026-11-24):
 *                          SIMD (avx2 classifier, sse2 utf16)   HD_NO_SIMD=1
 *   fixedwidth ascii          5861 MB/s                         2437 MB/s
 *   fixedwidth mixed          1485 MB/s                         1096 MB/s
 *   utf16le->utf8 ascii      17397 MB/s of UTF-16 input         5996 MB/s
 *   utf16le->utf8 mixed       2982 MB/s of UTF-16 input         1932 MB/s
 * Runs under heavier load gave 2.7-4.9 GB/s (ascii) and 0.5-1.0 GB/s (mixed) for fixedwidth.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/codec.h"
#include "format/format.h"
#include "format/format_int.h"

static unsigned long long rng = 88172645463325252ull;

static unsigned long long
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* lineitem-like: orderkey 10, partkey 8, suppkey 7, linenumber 2, quantity 5, price 12, discount 4, tax 4,
 * returnflag 1, linestatus 1, 3 dates of 10, shipinstruct 17, shipmode 7, comment 43 = 144 characters */
static const int widths[] = { 10, 8, 7, 2, 5, 12, 4, 4, 1, 1, 10, 10, 10, 17, 7, 43 };
#define NCOL (int)(sizeof widths / sizeof widths[0])

static size_t
pad(char *p, const char *s, int w)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	memset(p + n, ' ', (size_t)w - n);
	return (size_t)w;
}

/* One record; with mixed, the comment's words are in French/Japanese: its 43 characters are 60..100 bytes. */
static size_t
gen_row(char *p, unsigned long long i, int mixed)
{
	static const char *const ascii_words[] = { "carefully", "regular", "ideas", "final", "deposits", "quickly" };
	static const char *const mixed_words[] = { "d\xc3\xa9p\xc3\xb4ts", "r\xc3\xa9gulier", "\xe6\x97\xa5\xe6\x9c\xac",
		"id\xc3\xa9""es", "\xe6\xb3\xa8\xe6\x96\x87", "vite" };
	char tmp[64];
	size_t o = 0;
	int chars = 0;

	snprintf(tmp, sizeof tmp, "%llu", i + 1);
	o += pad(p + o, tmp, 10);
	snprintf(tmp, sizeof tmp, "%llu", rnd() % 200000);
	o += pad(p + o, tmp, 8);
	snprintf(tmp, sizeof tmp, "%llu", rnd() % 10000);
	o += pad(p + o, tmp, 7);
	snprintf(tmp, sizeof tmp, "%llu", 1 + rnd() % 7);
	o += pad(p + o, tmp, 2);
	snprintf(tmp, sizeof tmp, "%llu", 1 + rnd() % 50);
	o += pad(p + o, tmp, 5);
	snprintf(tmp, sizeof tmp, "%llu.%02llu", rnd() % 100000, rnd() % 100);
	o += pad(p + o, tmp, 12);
	o += pad(p + o, "0.04", 4);
	o += pad(p + o, "0.02", 4);
	o += pad(p + o, "N", 1);
	o += pad(p + o, "O", 1);
	o += pad(p + o, "1996-03-13", 10);
	o += pad(p + o, "1996-02-12", 10);
	o += pad(p + o, "1996-03-22", 10);
	o += pad(p + o, "DELIVER IN PERSON", 17);
	o += pad(p + o, "TRUCK", 7);
	/* comment: 43 characters */
	for (;;) {
		const char *w = (mixed ? mixed_words : ascii_words)[rnd() % 6];
		size_t n = strlen(w);
		int c = 0;
		for (size_t k = 0; k < n; k++)
			c += ((unsigned char)w[k] & 0xC0) != 0x80;
		if (chars + c + 1 > 43)
			break;
		memcpy(p + o, w, n);
		o += n;
		p[o++] = ' ';
		chars += c + 1;
	}
	while (chars < 43) {
		p[o++] = ' ';
		chars++;
	}
	p[o++] = '\n';
	return o;
}

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
bench_fw(const char *data, size_t len, int reps, unsigned long long *recs)
{
	hd_fw_col cols[NCOL];
	hd_format_opts o;
	double best = 1e30;

	memset(&o, 0, sizeof o);
	for (int i = 0; i < NCOL; i++) {
		cols[i].label = (char *)"c";
		cols[i].width = widths[i];
	}
	o.kind = HD_FMT_FIXEDWIDTH;
	o.fw_cols = cols;
	o.nfw_cols = NCOL;
	o.ncolumns = NCOL;
	for (int r = 0; r < reps; r++) {
		hd_stream *in = hd_stream_mem(data, len, "bench");
		hd_reader *rd;
		hd_record rec;
		hd_recfail fail;
		hd_err err;
		unsigned long long n = 0, bytes = 0;
		double t0 = now(), t;
		int rc;
		if (hd_format_fixedwidth.open(&o, in, &rd, &err) != HD_OK) {
			fprintf(stderr, "open: %s\n", err.msg);
			exit(1);
		}
		while ((rc = hd_format_fixedwidth.next(rd, &rec, &fail, &err)) == HD_REC_OK) {
			n++;
			bytes += rec.fields[NCOL - 1].n; /* touch the result */
		}
		if (rc != HD_REC_EOF) {
			fprintf(stderr, "unexpected %d at record %llu\n", rc, n + 1);
			exit(1);
		}
		t = now() - t0;
		if (t < best)
			best = t;
		*recs = n + (bytes == 0);
		hd_format_fixedwidth.close(rd);
		hd_stream_close(in);
	}
	return len / best / 1e6;
}

static double
bench_u16(const unsigned char *data, size_t len, int reps, size_t want_out)
{
	unsigned char *buf = malloc(HD_READ_CHUNK);
	double best = 1e30;

	for (int r = 0; r < reps; r++) {
		hd_stream *in = hd_stream_mem(data, len, "bench"), *s;
		hd_err err;
		size_t total = 0;
		ssize_t n;
		double t0 = now(), t;
		if (hd_codec_transcode(HD_ENC_UTF16LE, in, &s, &err) != HD_OK)
			exit(1);
		while ((n = hd_stream_read(s, buf, HD_READ_CHUNK, &err)) > 0)
			total += (size_t)n;
		if (n < 0 || total != want_out) {
			fprintf(stderr, "utf16: %s (%zu of %zu bytes)\n", n < 0 ? err.msg : "short", total, want_out);
			exit(1);
		}
		t = now() - t0;
		if (t < best)
			best = t;
		hd_stream_close(s);
	}
	free(buf);
	return len / best / 1e6;
}

/* UTF-8 -> UTF-16LE (the bench's own plain encoder). */
static unsigned char *
to_utf16le(const char *s, size_t n, size_t *out_len)
{
	unsigned char *o = malloc(n * 2 + 4), *p = o;
	const unsigned char *u = (const unsigned char *)s, *e = u + n;
	while (u < e) {
		unsigned c;
		if (*u < 0x80)
			c = *u++;
		else if (*u < 0xE0) {
			c = (unsigned)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
			u += 2;
		} else {
			c = (unsigned)(u[0] & 0x0F) << 12 | (unsigned)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
			u += 3;
		}
		*p++ = (unsigned char)c;
		*p++ = (unsigned char)(c >> 8);
	}
	*out_len = (size_t)(p - o);
	return o;
}

int
main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
	int reps = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
	size_t cap = mib << 20;

	for (int mixed = 0; mixed < 2; mixed++) {
		char *data = malloc(cap + 512);
		size_t len = 0, u16len;
		unsigned long long i = 0, recs = 0;
		unsigned char *u16;
		double mbs;
		rng = 88172645463325252ull;
		while (len + 512 < cap)
			len += gen_row(data + len, i++, mixed);
		mbs = bench_fw(data, len, reps, &recs);
		printf("fixedwidth %-5s  %8.1f MB/s  (%zu bytes, %llu records, classifier %s)\n", mixed ? "mixed" : "ascii",
		    mbs, len, recs, hd_classify_name());
		u16 = to_utf16le(data, len, &u16len);
		mbs = bench_u16(u16, u16len, reps, len);
		printf("utf16le->utf8 %-5s %7.1f MB/s of UTF-16 input (%zu bytes -> %zu)\n", mixed ? "mixed" : "ascii", mbs,
		    u16len, len);
		free(u16);
		free(data);
	}
	return 0;
}
