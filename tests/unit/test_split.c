/*
 * test_split.c — byte-range split boundaries (the boundaries op of format/delimited.c and format/csv.c) and the
 * readers' mid_file / first_line / first_offset options.
 *
 * The property, checked exactly: for an input and a set of wanted split points, boundaries() gives offsets
 * off[0..n) and lines line[0..n); reading [0, off[0]) as a whole file and each [off[i], off[i+1]) (and the last
 * [off[n-1], size)) as its own input with mid_file, first_line = line[i], first_offset = off[i], the concatenation of
 * every reader's dump — records with their fields, quoted flags, line numbers, offsets and raw bytes, bad records
 * with code, line, offset and raw bytes — equals the dump of one reader over the whole input. And each off[i] is the
 * FIRST record start at or after want[i] (the record starts being those of a whole-file reading without
 * IGNOREBLANKLINES, after the header), or the input size.
 * Every input is tried with a single split at every byte offset, and with random multi-splits (duplicates, splits at
 * 0 and at the end included), through every classifier this CPU has.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/limits.h"
#include "fmt_harness.h"

/* Record starts of a whole-file reading (IGNOREBLANKLINES off, so blank lines count as records). */
static size_t
record_starts(const hd_format_ops *ops, const hd_format_opts *o0, const char *data, size_t len, uint64_t *starts,
              size_t cap)
{
	hd_format_opts o = *o0;
	hd_stream *in = hd_stream_mem(data, len, "t");
	hd_reader *rd;
	hd_record rec;
	hd_recfail fail;
	hd_err err;
	size_t n = 0;
	int rc;

	o.ignoreblanklines = false;
	assert_int_equal(ops->open(&o, in, &rd, &err), HD_OK);
	while ((rc = ops->next(rd, &rec, &fail, &err)) == HD_REC_OK || rc == HD_REC_BAD) {
		if (n < cap)
			starts[n] = rec.offset;
		n++;
	}
	assert_int_equal(rc, HD_REC_EOF);
	ops->close(rd);
	hd_stream_close(in);
	return n;
}

/* The first record start at or after k, or len. */
static uint64_t
first_start(const uint64_t *starts, size_t nstarts, uint64_t k, size_t len)
{
	for (size_t i = 0; i < nstarts; i++)
		if (starts[i] >= k)
			return starts[i];
	return len;
}

/* Split at want[0..n) and compare with the whole-file dump; with starts, check each boundary is the first record
 * start at or after its want. */
static void
check_split(const hd_format_ops *ops, const hd_format_opts *o, const char *data, size_t len, const char *whole,
            const uint64_t *want, int n, const uint64_t *starts, size_t nstarts)
{
	uint64_t off[8], line[8];
	hd_stream *in = hd_stream_mem(data, len, "t");
	dump cat = { 0 };
	hd_err err;

	assert_true(n <= 8);
	assert_int_equal(ops->boundaries(o, in, want, n, off, line, &err), HD_OK);
	hd_stream_close(in);
	for (int i = 0; starts && i < n; i++)
		if (off[i] != first_start(starts, nstarts, want[i], len))
			fail_msg("want %llu: boundary %llu, the first record start is %llu", (unsigned long long)want[i],
			    (unsigned long long)off[i], (unsigned long long)first_start(starts, nstarts, want[i], len));
	dput(&cat, "", 0);
	for (int i = 0; i <= n; i++) {
		uint64_t a = i == 0 ? 0 : off[i - 1], b = i == n ? len : off[i];
		hd_format_opts ro = *o;
		char *got;
		assert_true(a <= b);
		if (i > 0) {
			assert_true(off[i - 1] >= want[i - 1] || off[i - 1] == len);
			ro.mid_file = true;
			ro.first_line = line[i - 1];
			ro.first_offset = a;
		}
		got = fh_run(ops, &ro, data + a, (size_t)(b - a), 0, FH_RAW);
		dput(&cat, got, strlen(got));
		free(got);
	}
	if (strcmp(cat.s, whole) != 0) {
		char wants[200] = "", offs[200] = "";
		for (int i = 0; i < n; i++) {
			size_t l1 = strlen(wants), l2 = strlen(offs);
			snprintf(wants + l1, sizeof wants - l1, "%llu ", (unsigned long long)want[i]);
			snprintf(offs + l2, sizeof offs - l2, "%llu/L%llu ", (unsigned long long)off[i],
			    (unsigned long long)line[i]);
		}
		fail_msg("split at %s-> %s differs:\n--- whole\n%.3000s\n--- split\n%.3000s", wants, offs, whole, cat.s);
	}
	free(cat.s);
}

/* Every single split point, exactness of each boundary, and random multi-splits. */
static void
check_input(const hd_format_ops *ops, const hd_format_opts *o, const char *data, size_t len, int nrandom)
{
	uint64_t *starts = malloc((len + 2) * sizeof *starts);
	uint64_t rng = 0x1234567 + len;
	size_t nstarts;
	char *whole;

	assert_non_null(starts);
	whole = fh_run(ops, o, data, len, 0, FH_RAW);
	nstarts = record_starts(ops, o, data, len, starts, len + 2);
	assert_true(nstarts <= len + 1);
	for (uint64_t k = 0; k <= len + 1; k++) {
		uint64_t off, line, expect = first_start(starts, nstarts, k, len);
		hd_stream *in = hd_stream_mem(data, len, "t");
		hd_err err;
		assert_int_equal(ops->boundaries(o, in, &k, 1, &off, &line, &err), HD_OK);
		hd_stream_close(in);
		if (off != expect)
			fail_msg("want %llu: boundary %llu, the first record start is %llu", (unsigned long long)k,
			    (unsigned long long)off, (unsigned long long)expect);
		if (k <= len)
			check_split(ops, o, data, len, whole, &k, 1, NULL, 0);
	}
	for (int it = 0; it < nrandom; it++) {
		uint64_t want[8];
		int n = 1 + (int)(rnd(&rng) % 8);
		for (int i = 0; i < n; i++)
			want[i] = rnd(&rng) % (len + 1);
		if (it % 7 == 0)
			want[0] = 0;
		if (it % 11 == 0)
			want[n - 1] = len;
		/* ascending */
		for (int i = 1; i < n; i++)
			for (int j = i; j > 0 && want[j - 1] > want[j]; j--) {
				uint64_t t = want[j];
				want[j] = want[j - 1];
				want[j - 1] = t;
			}
		check_split(ops, o, data, len, whole, want, n, starts, nstarts);
	}
	free(whole);
	free(starts);
}

/* Every classifier. */
static void
check_all(const hd_format_ops *ops, const hd_format_opts *o, const char *data, size_t len)
{
	for (size_t c = 0; c < sizeof classifier_names / sizeof classifier_names[0]; c++) {
		if (!hd_classify_force(classifier_names[c]))
			continue;
		check_input(ops, o, data, len, c == 0 ? 200 : 40);
	}
	hd_classify_force(NULL);
}

#define CHECK_ALL(ops, o, s) check_all((ops), &(o), (s), sizeof(s) - 1)

static hd_format_opts
csv_opts(void)
{
	hd_format_opts o;
	memset(&o, 0, sizeof o);
	o.kind = HD_FMT_CSV;
	o.delimiter = ',';
	o.quote = '"';
	o.null_as = "\\N";
	o.null_as_len = 2;
	return o;
}

static hd_format_opts
dl_opts(void)
{
	hd_format_opts o = csv_opts();
	o.kind = HD_FMT_DELIMITED;
	o.delimiter = '|';
	return o;
}

static const char csv_tricky[] =
	"id,name\r\n"
	"1,\"a\nb\"\n"
	"2,\"x\"\"y\"\r\n"
	"3,\"\"\"\"\n"
	"\n"
	"4,\"multi\r\nline,\r\n\"\"\n\"\n"
	"\r\n"
	" \"5\" ,\"\",\n"
	"6,\"ab\"c\n"
	"7,ab\"c\nd\"e\n"
	"8,last";

static void
test_csv_tricky(void **state)
{
	hd_format_opts o = csv_opts();
	(void)state;
	for (int h = 0; h <= 3; h++) {
		for (int bl = 0; bl <= 1; bl++) {
			o.ignoreheader = h;
			o.ignoreblanklines = bl;
			CHECK_ALL(&hd_format_csv, o, csv_tricky);
		}
	}
}

static void
test_csv_edges(void **state)
{
	hd_format_opts o = csv_opts();
	(void)state;
	CHECK_ALL(&hd_format_csv, o, "");
	CHECK_ALL(&hd_format_csv, o, "\n\n\n");
	CHECK_ALL(&hd_format_csv, o, "a\nb,\"c\nd\n");       /* unterminated at EOF */
	CHECK_ALL(&hd_format_csv, o, "\"\n\"\n\"\n\"\"\n"); /* quote-only lines */
	CHECK_ALL(&hd_format_csv, o, "x,\"\r\n\"\r\n");
	o.ignoreheader = 1;
	CHECK_ALL(&hd_format_csv, o, "\"h\n1\",x\na,b\n\"c\nd\"\n"); /* a quoted newline in the header */
	CHECK_ALL(&hd_format_csv, o, "only header");
	CHECK_ALL(&hd_format_csv, o, "header\n");
	o.ignoreheader = 0;
	o.quote = '%';
	CHECK_ALL(&hd_format_csv, o, "%a\nb%,\"\n%%%%\n\"x\n");
}

static const char dl_tricky[] =
	"h1|h2\n"
	"a\\\nb|c\n"           /* escaped LF: the record goes on */
	"d\\\\\n"              /* an even run: the LF ends the record */
	"e\\\\\\\nf|g\n"       /* an odd run of 3 */
	"\\\r\n"               /* backslash CR LF: the CR is escaped, the LF ends */
	"\n"
	"\r\n"
	"\"q|\\\nr\"|s\n"      /* REMOVEQUOTES: escaped LF inside quotes */
	"\"open|x\n"           /* REMOVEQUOTES: an open quote ends at the line end */
	"\\\\\\\\\\\n"         /* a run of 5 */
	"z|\\";               /* last record: no LF, a final backslash */

static void
test_delimited_tricky(void **state)
{
	hd_format_opts o = dl_opts();
	(void)state;
	for (int f = 0; f < 16; f++) {
		o.escape = f & 1;
		o.removequotes = (f & 2) != 0;
		o.ignoreblanklines = (f & 4) != 0;
		o.ignoreheader = (f & 8) ? 2 : 0;
		CHECK_ALL(&hd_format_delimited, o, dl_tricky);
	}
}

static void
test_delimited_edges(void **state)
{
	hd_format_opts o = dl_opts();
	(void)state;
	o.escape = true;
	CHECK_ALL(&hd_format_delimited, o, "");
	CHECK_ALL(&hd_format_delimited, o, "\\\n\\\n\\\n");
	CHECK_ALL(&hd_format_delimited, o, "\\\\\n\\\\\n");
	CHECK_ALL(&hd_format_delimited, o, "a|b");
	o.ignoreheader = 5;
	CHECK_ALL(&hd_format_delimited, o, "1\n2\n3\n");
	o.ignoreheader = 1;
	CHECK_ALL(&hd_format_delimited, o, "head\\\ner\na\\\nb\nc\n"); /* the header counts physical lines */
}

/* Inputs over several HD_READ_CHUNKs: the scan state (quote parity, a backslash run) crosses buffer refills. */
static void
test_big_inputs(void **state)
{
	const size_t len = 2 * HD_READ_CHUNK + 5000;
	char *data = malloc(len);
	hd_format_opts o;
	uint64_t rng = 77;
	(void)state;
	assert_non_null(data);

	/* delimited + ESCAPE: backslash runs of every length straddling the refill points */
	for (size_t i = 0; i < len; i++) {
		uint64_t r = rnd(&rng) % 100;
		data[i] = r < 8 ? '\n' : r < 30 ? '\\' : r < 35 ? '|' : 'x';
	}
	for (size_t k = HD_READ_CHUNK; k < len; k += HD_READ_CHUNK) {
		memset(data + k - 7, '\\', 12);
		data[k + 5] = '\n';
	}
	o = dl_opts();
	o.escape = true;
	o.ignoreheader = 3;
	{
		char *whole = fh_run(&hd_format_delimited, &o, data, len, 0, FH_RAW);
		uint64_t *starts = malloc(len * sizeof *starts);
		size_t ns = record_starts(&hd_format_delimited, &o, data, len, starts, len);
		for (int it = 0; it < 12; it++) {
			uint64_t want[3];
			for (int i = 0; i < 3; i++)
				want[i] = (uint64_t)(i + 1) * len / 4 + rnd(&rng) % 4096 - 2048;
			if (it < 4) /* right at the refill points */
				for (int i = 0; i < 2; i++)
					want[i] = (uint64_t)(i + 1) * HD_READ_CHUNK - 8 + (uint64_t)it * 3;
			if (want[1] > want[2])
				want[2] = want[1];
			check_split(&hd_format_delimited, &o, data, len, whole, want, 3, starts, ns);
		}
		free(starts);
		free(whole);
	}

	/* CSV: long quoted fields with newlines and doubled quotes across refills */
	for (size_t i = 0; i < len; i++) {
		uint64_t r = rnd(&rng) % 1000;
		data[i] = r < 20 ? '\n' : r < 27 ? '"' : r < 60 ? ',' : 'y';
	}
	o = csv_opts();
	o.ignoreheader = 1;
	{
		char *whole = fh_run(&hd_format_csv, &o, data, len, 0, FH_RAW);
		uint64_t *starts = malloc(len * sizeof *starts);
		size_t ns = record_starts(&hd_format_csv, &o, data, len, starts, len);
		for (int it = 0; it < 12; it++) {
			uint64_t want[3];
			for (int i = 0; i < 3; i++)
				want[i] = (uint64_t)(i + 1) * len / 4 + rnd(&rng) % 100000 - 50000;
			check_split(&hd_format_csv, &o, data, len, whole, want, 3, starts, ns);
		}
		free(starts);
		free(whole);
	}
	free(data);
}

/* The boundaries of an input read through small reads equal those of one read. */
static void
test_boundaries_small_reads(void **state)
{
	hd_format_opts o = csv_opts();
	uint64_t want[3] = { 5, 30, 60 }, off1[3], line1[3], off2[3], line2[3];
	hd_stream *in;
	hd_err err;
	(void)state;
	in = hd_stream_mem(csv_tricky, sizeof csv_tricky - 1, "t");
	assert_int_equal(hd_format_csv.boundaries(&o, in, want, 3, off1, line1, &err), HD_OK);
	hd_stream_close(in);
	in = chunk_stream_new(csv_tricky, sizeof csv_tricky - 1, 1);
	assert_int_equal(hd_format_csv.boundaries(&o, in, want, 3, off2, line2, &err), HD_OK);
	hd_stream_close(in);
	assert_memory_equal(off1, off2, sizeof off1);
	assert_memory_equal(line1, line2, sizeof line1);
	/* hand-checked: "1,"a\nb"" starts at 9 (line 2), "2,..." at 17 (line 4), the blank line at 34 (line 6) */
	assert_int_equal(off1[0], 9);
	assert_int_equal(line1[0], 2);
	assert_int_equal(off1[1], 34);
	assert_int_equal(line1[1], 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_tricky),
		cmocka_unit_test(test_csv_edges),
		cmocka_unit_test(test_delimited_tricky),
		cmocka_unit_test(test_delimited_edges),
		cmocka_unit_test(test_big_inputs),
		cmocka_unit_test(test_boundaries_small_reads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
