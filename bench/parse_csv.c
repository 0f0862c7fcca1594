/*
 * parse_csv.c — throughput of the CSV reader (format/csv.c) and of the split-boundary scans, on the same
 * TPC-H-lineitem-like rows as bench/parse_delimited.c (16 columns), held in memory, written as CSV twice:
 * with no field quoted, and with every field quoted ("...","...",...). Also a variant with a doubled quote in
 * every comment (the scratch-copy path), and the boundaries op (quote-parity scan) of CSV and delimited text.
 *
 * Build (links only common/ and format/; every .c file of both, as registry.c names every format):
 *   gcc -std=c17 -O2 -D_GNU_SOURCE -Isrc -Iinclude src/common/[a-z]*.c src/format/[a-z]*.c bench/parse_csv.c \
 *       -o /tmp/bench_csv
 * Run: /tmp/bench_csv [MiB of input, default 512] [repetitions, default 3]; HD_NO_SIMD=1 for the scalar classifier.
 * Prints the best of the repetitions in MB/s (10^6 bytes per second) of input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* One lineitem row: 16 '|'-separated columns and the .tbl trailing '|'. */
static size_t
gen_row(char *p, unsigned long long i)
{
	static const char *const flags[] = { "A", "N", "R" };
	static const char *const modes[] = { "AIR", "MAIL", "SHIP", "TRUCK", "RAIL", "REG AIR", "FOB" };
	static const char *const instr[] = { "DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN" };
	static const char *const words[] = { "carefully", "regular", "ideas", "final", "deposits", "furiously",
		"quickly", "pending", "accounts", "blithely", "express", "packages" };
	char comment[64];
	size_t cl = 0;
	int nw = 2 + (int)(rnd() % 4);
	for (int w = 0; w < nw; w++) {
		const char *s = words[rnd() % 12];
		size_t l = strlen(s);
		if (cl + l + 1 >= sizeof comment)
			break;
		if (w)
			comment[cl++] = ' ';
		memcpy(comment + cl, s, l);
		cl += l;
	}
	comment[cl] = '\0';
	return (size_t)snprintf(p, 400, "%llu|%llu|%llu|%d|%d|%llu.%02llu|0.%02llu|0.0%llu|%s|%s|199%llu-%02llu-%02llu|"
	    "199%llu-%02llu-%02llu|199%llu-%02llu-%02llu|%s|%s|%s|\n",
	    i / 4 + 1, rnd() % 200000 + 1, rnd() % 10000 + 1, (int)(i % 7) + 1, (int)(rnd() % 50) + 1,
	    rnd() % 100000, rnd() % 100, rnd() % 11, rnd() % 9, flags[rnd() % 3], flags[rnd() % 2],
	    rnd() % 8 + 2, rnd() % 12 + 1, rnd() % 28 + 1, rnd() % 8 + 2, rnd() % 12 + 1, rnd() % 28 + 1,
	    rnd() % 8 + 2, rnd() % 12 + 1, rnd() % 28 + 1, instr[rnd() % 4], modes[rnd() % 7], comment);
}

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Rewrite '|'-rows (with the trailing '|') as CSV: quote = 0 none, 1 every field, 2 every field and a doubled
 * quote inside the last one. */
static size_t
to_csv(const char *in, size_t n, char *out, int quote)
{
	size_t o = 0;
	const char *p = in, *e = in + n;
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *f = p;
		int col = 0;
		while (f < nl) {
			const char *bar = memchr(f, '|', (size_t)(nl - f));
			if (col)
				out[o++] = ',';
			if (quote)
				out[o++] = '"';
			memcpy(out + o, f, (size_t)(bar - f));
			o += (size_t)(bar - f);
			if (quote == 2 && bar + 1 == nl) {
				memcpy(out + o, " \"\"x\"\"", 7);
				o += 7;
			}
			if (quote)
				out[o++] = '"';
			f = bar + 1;
			col++;
		}
		out[o++] = '\n';
		p = nl + 1;
	}
	return o;
}

static double
read_all(const hd_format_ops *ops, const hd_format_opts *o, const char *data, size_t len, int reps,
         unsigned long long *nrec_out)
{
	double best = 0;
	for (int r = 0; r < reps; r++) {
		hd_stream *in = hd_stream_mem(data, len, "bench");
		hd_reader *rd;
		hd_record rec;
		hd_recfail fail;
		hd_err err;
		unsigned long long nrec = 0, sum = 0;
		double t0, t;
		int rc;
		if (!in || ops->open(o, in, &rd, &err) != HD_OK)
			exit(1);
		t0 = now();
		while ((rc = ops->next(rd, &rec, &fail, &err)) == HD_REC_OK) {
			nrec++;
			sum += rec.fields[rec.nfields - 1].n; /* touch the result */
		}
		t = now() - t0;
		if (rc != HD_REC_EOF) {
			fprintf(stderr, "error %d: %s\n", rc, rc == HD_REC_BAD ? fail.reason : err.msg);
			exit(1);
		}
		ops->close(rd);
		hd_stream_close(in);
		if (len / t / 1e6 > best)
			best = len / t / 1e6;
		*nrec_out = nrec + (sum == 0);
	}
	return best;
}

static double
bounds(const hd_format_ops *ops, const hd_format_opts *o, const char *data, size_t len, int reps)
{
	double best = 0;
	for (int r = 0; r < reps; r++) {
		uint64_t want = len - 1, off, line; /* the last record: the whole input is scanned */
		hd_stream *in = hd_stream_mem(data, len, "bench");
		hd_err err;
		double t0 = now(), t;
		if (!in || ops->boundaries(o, in, &want, 1, &off, &line, &err) != HD_OK)
			exit(1);
		t = now() - t0;
		hd_stream_close(in);
		if (len / t / 1e6 > best)
			best = len / t / 1e6;
	}
	return best;
}

int
main(int argc, char **argv)
{
	size_t want = (size_t)(argc > 1 ? strtoul(argv[1], NULL, 10) : 512) << 20;
	int reps = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
	char *rows = malloc(want + 512), *csv = malloc(want * 2 + 4096);
	size_t len = 0, clen;
	unsigned long long i = 0, nrec = 0;
	static const char *const names[] = { "none quoted", "all quoted", "all quoted + doubled" };
	hd_format_opts o;

	if (!rows || !csv || reps < 1)
		return 1;
	while (len < want)
		len += gen_row(rows + len, i++);
	memset(&o, 0, sizeof o);
	o.delimiter = ',';
	o.quote = '"';
	o.null_as = "\\N";
	o.null_as_len = 2;
	o.kind = HD_FMT_CSV;
	for (int q = 0; q < 3; q++) {
		double mbs;
		clen = to_csv(rows, len, csv, q);
		mbs = read_all(&hd_format_csv, &o, csv, clen, reps, &nrec);
		printf("%-6s csv %-21s: %zu bytes, %llu records: best %.0f MB/s of input (%.0f MB/s of the %zu-byte "
		       "unquoted rows)\n", hd_classify_name(), names[q], clen, nrec, mbs, mbs * (double)len / (double)clen,
		    len);
		if (q == 1)
			printf("%-6s csv boundaries (quote parity, %s): best %.0f MB/s\n", hd_classify_name(), names[q],
			    bounds(&hd_format_csv, &o, csv, clen, reps));
	}
	o.kind = HD_FMT_DELIMITED;
	o.delimiter = '|';
	printf("%-6s delimited same rows        : best %.0f MB/s\n", hd_classify_name(),
	    read_all(&hd_format_delimited, &o, rows, len, reps, &nrec));
	printf("%-6s delimited boundaries       : best %.0f MB/s\n", hd_classify_name(),
	    bounds(&hd_format_delimited, &o, rows, len, reps));
	o.escape = true;
	printf("%-6s delimited boundaries ESCAPE: best %.0f MB/s\n", hd_classify_name(),
	    bounds(&hd_format_delimited, &o, rows, len, reps));
	free(rows);
	free(csv);
	return 0;
}
