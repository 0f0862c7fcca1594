/*
 * parse_delimited.c — throughput of the delimited reader on a TPC-H-lineitem-like file held in memory.
 *
 * Build (links only common/ and format/):
 *   gcc -std=c17 -O2 -D_GNU_SOURCE -Isrc src/common/{buf,err,stream}.c \
 *       src/format/{reader,delimited,registry}.c bench/parse_delimited.c -o /tmp/bench_dl
 * Run: /tmp/bench_dl [MiB of input, default 512] [repetitions, default 3]; HD_NO_SIMD=1 for the scalar classifier.
 * Prints the best of the repetitions in MB/s (10^6 bytes per second) of input, plus records and fields seen.
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

int
main(int argc, char **argv)
{
	size_t want = (size_t)(argc > 1 ? strtoul(argv[1], NULL, 10) : 512) << 20;
	int reps = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
	char *data = malloc(want + 512);
	size_t len = 0;
	unsigned long long i = 0;
	hd_format_opts o;
	double best = 0;

	if (!data || reps < 1)
		return 1;
	while (len < want)
		len += gen_row(data + len, i++);
	memset(&o, 0, sizeof o);
	o.kind = HD_FMT_DELIMITED;
	o.delimiter = '|';
	o.null_as = "\\N";
	o.null_as_len = 2;
	for (int esc = 0; esc < 2; esc++) {
		o.escape = esc;
		best = 0;
		for (int r = 0; r < reps; r++) {
			hd_stream *in = hd_stream_mem(data, len, "bench");
			hd_reader *rd;
			hd_record rec;
			hd_recfail fail;
			hd_err err;
			unsigned long long nrec = 0, nfield = 0, sum = 0;
			double t0, t;
			int rc;
			if (!in || hd_format_delimited.open(&o, in, &rd, &err) != HD_OK)
				return 1;
			t0 = now();
			while ((rc = hd_format_delimited.next(rd, &rec, &fail, &err)) == HD_REC_OK) {
				nrec++;
				nfield += (unsigned)rec.nfields;
				sum += rec.fields[0].n; /* touch the result */
			}
			t = now() - t0;
			if (rc != HD_REC_EOF) {
				fprintf(stderr, "error: %s\n", err.msg);
				return 1;
			}
			hd_format_delimited.close(rd);
			hd_stream_close(in);
			if (len / t / 1e6 > best)
				best = len / t / 1e6;
			if (r == reps - 1)
				printf("%-6s escape=%d: %zu bytes, %llu records, %llu fields (%llu): best %.0f MB/s\n",
				    hd_classify_name(), esc, len, nrec, nfield, sum, best);
		}
	}
	free(data);
	return 0;
}
