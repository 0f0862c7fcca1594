/*
 * parse_json.c — throughput of the JSON reader ('auto', and a JSONPaths file) on TPC-H-lineitem-like objects held
 * in memory, one object per line, 16 members each (names as in TPC-H, numbers as numbers, the rest as strings).
 *
 * Build (links only common/ and format/):
 *   gcc -std=c17 -O2 -D_GNU_SOURCE -Isrc -Iinclude src/common/{buf,err,stream}.c src/format/reader.c src/format/json.c \
 *       src/format/jsonpath.c bench/parse_json.c -lpthread -o /tmp/bench_json
 * Run: /tmp/bench_json [MiB of input, default 256] [repetitions, default 3]; HD_NO_SIMD=1 for the scalar string
 * scanner. Prints the best of the repetitions in MB/s (10^6 bytes per second) of input, plus records seen.
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

static const char *const cols[] = { "l_orderkey", "l_partkey", "l_suppkey", "l_linenumber", "l_quantity",
	"l_extendedprice", "l_discount", "l_tax", "l_returnflag", "l_linestatus", "l_shipdate", "l_commitdate",
	"l_receiptdate", "l_shipinstruct", "l_shipmode", "l_comment" };

/* One lineitem row as a JSON object; members in a shuffled-but-fixed order unlike the columns'. */
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
	return (size_t)snprintf(p, 700,
	    "{\"l_orderkey\":%llu,\"l_partkey\":%llu,\"l_suppkey\":%llu,\"l_linenumber\":%d,\"l_quantity\":%d,"
	    "\"l_extendedprice\":%llu.%02llu,\"l_discount\":0.%02llu,\"l_tax\":0.0%llu,\"l_returnflag\":\"%s\","
	    "\"l_linestatus\":\"%s\",\"l_shipdate\":\"199%llu-%02llu-%02llu\",\"l_commitdate\":\"199%llu-%02llu-%02llu\","
	    "\"l_receiptdate\":\"199%llu-%02llu-%02llu\",\"l_shipinstruct\":\"%s\",\"l_shipmode\":\"%s\","
	    "\"l_comment\":\"%s\"}\n",
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
	static const char paths[] = "{\"jsonpaths\":[\"$.l_orderkey\",\"$.l_partkey\",\"$.l_suppkey\",\"$.l_linenumber\","
	    "\"$.l_quantity\",\"$.l_extendedprice\",\"$.l_discount\",\"$.l_tax\",\"$.l_returnflag\",\"$.l_linestatus\","
	    "\"$.l_shipdate\",\"$.l_commitdate\",\"$.l_receiptdate\",\"$.l_shipinstruct\",\"$.l_shipmode\","
	    "\"$.l_comment\"]}";
	size_t want = (size_t)(argc > 1 ? strtoul(argv[1], NULL, 10) : 256) << 20;
	int reps = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
	char *data = malloc(want + 1024);
	size_t len = 0;
	unsigned long long i = 0;
	hd_format_opts o;

	if (!data || reps < 1)
		return 1;
	while (len < want)
		len += gen_row(data + len, i++);
	memset(&o, 0, sizeof o);
	o.kind = HD_FMT_JSON;
	o.ncolumns = 16;
	o.colnames = cols;
	for (int mode = 0; mode < 2; mode++) {
		double best = 0;
		if (mode == 1) {
			o.jsonpaths = paths;
			o.jsonpaths_len = sizeof paths - 1;
		}
		for (int r = 0; r < reps; r++) {
			hd_stream *in = hd_stream_mem(data, len, "bench");
			hd_reader *rd;
			hd_record rec;
			hd_recfail fail;
			hd_err err;
			unsigned long long nrec = 0, sum = 0;
			double t0, t;
			int rc;
			if (!in || hd_format_json.open(&o, in, &rd, &err) != HD_OK) {
				fprintf(stderr, "open: %s\n", err.msg);
				return 1;
			}
			t0 = now();
			while ((rc = hd_format_json.next(rd, &rec, &fail, &err)) == HD_REC_OK) {
				nrec++;
				sum += rec.fields[15].n; /* touch the result */
			}
			t = now() - t0;
			if (rc != HD_REC_EOF) {
				fprintf(stderr, "error: %s\n", rc == HD_REC_BAD ? fail.reason : err.msg);
				return 1;
			}
			hd_format_json.close(rd);
			hd_stream_close(in);
			if (len / t / 1e6 > best)
				best = len / t / 1e6;
			if (r == reps - 1)
				printf("%-6s %-9s: %zu bytes, %llu records (%llu): best %.0f MB/s, %.2f M records/s\n",
				    hd_classify_name(), mode ? "jsonpaths" : "auto", len, nrec, sum, best, nrec / t / 1e6);
		}
	}
	free(data);
	return 0;
}
