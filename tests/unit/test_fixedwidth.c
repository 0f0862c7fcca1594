/*
 * test_fixedwidth.c — the FIXEDWIDTH reader (format/fixedwidth.c over format/reader.c).
 *
 * Each case is input bytes + widths -> a dump of what the reader returned, one line per call:
 *    "<line>@<offset>:[f1][f2]…"  a record (control bytes shown escaped, bytes >= 0x80 as is)
 *    "<line>:BAD<code>"           a rejected record
 *    "ERR:<message>"              a fatal error (the dump stops)
 * Every case also runs through a stream returning 1 byte per read and one returning random-sized chunks, and with
 * every classifier this CPU has (scalar, sse2, avx2): all dumps must be identical. Byte-range splits are checked by
 * reading the ranges that boundaries() gives, for every split offset (and pair of offsets) of small inputs, and
 * comparing with the whole-file dump.
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
#include "format/format.h"
#include "format/format_int.h"

#include "fmt_harness.h"


/* Read everything from in; offsets in the dump are shifted by base (a range's start in the whole input). */
static char *
run_stream(const hd_format_opts *o, hd_stream *in, const char *data, size_t len, uint64_t base)
{
	hd_reader *rd = NULL;
	hd_record rec;
	hd_recfail fail;
	hd_err err;
	dump d = { 0 };
	int rc;

	assert_non_null(in);
	dput(&d, "", 0);
	assert_int_equal(hd_format_fixedwidth.open(o, in, &rd, &err), HD_OK);
	for (;;) {
		memset(&rec, 0, sizeof rec);
		rc = hd_format_fixedwidth.next(rd, &rec, &fail, &err);
		if (rc == HD_REC_EOF)
			break;
		if (rc == HD_REC_ERROR) {
			dprintf_(&d, "ERR:%s\n", err.msg);
			break;
		}
		if (rc == HD_REC_BAD) {
			dprintf_(&d, "%llu:BAD%d\n", (unsigned long long)rec.line, fail.code);
			assert_true(fail.reason[0] != '\0');
			continue;
		}
		assert_int_equal(rc, HD_REC_OK);
		assert_true(rec.nfields >= 1 && rec.nfields <= o->nfw_cols);
		/* raw is the input at offset, without the line end */
		assert_true(rec.offset + rec.raw_len <= len);
		assert_memory_equal(rec.raw, data + rec.offset, rec.raw_len);
		dprintf_(&d, "%llu@%llu:", (unsigned long long)rec.line, (unsigned long long)(rec.offset + base));
		for (int i = 0; i < rec.nfields; i++) {
			/* fields are consecutive slices of raw */
			assert_true(rec.fields[i].p == (i ? rec.fields[i - 1].p + rec.fields[i - 1].n : rec.raw));
			assert_false(rec.fields[i].quoted);
			assert_false(rec.fields[i].null);
			dfield(&d, &rec.fields[i]);
		}
		dput(&d, "\n", 1);
	}
	hd_format_fixedwidth.close(rd);
	hd_stream_close(in);
	return d.s;
}

static char *
run(const hd_format_opts *o, const char *data, size_t len, int mode)
{
	hd_stream *in = mode ? chunk_stream_new(data, len, mode) : hd_stream_mem(data, len, "test-input");
	return run_stream(o, in, data, len, 0);
}


/* Run through every stream mode and classifier; all must agree; return the dump. */
static char *
run_all(const hd_format_opts *o, const char *data, size_t len, bool small_reads)
{
	char *ref;

	hd_classify_force("scalar");
	ref = run(o, data, len, 0);
	for (size_t c = 0; c < sizeof classifier_names / sizeof classifier_names[0]; c++) {
		if (!hd_classify_force(classifier_names[c]))
			continue;
		for (int mode = 0; mode <= 3; mode++) {
			char *got;
			if (mode == 1 && !small_reads)
				continue;
			got = run(o, data, len, mode);
			if (strcmp(got, ref) != 0)
				fail_msg("classifier %s, stream mode %d differs:\n--- want\n%.2000s\n--- got\n%.2000s",
				    classifier_names[c], mode, ref, got);
			free(got);
		}
	}
	hd_classify_force(NULL);
	return ref;
}

/* Options with widths; labels are arbitrary (they have no relation to the table). */
static hd_fw_col cols_buf[16];

static hd_format_opts
opts(int n, ...)
{
	hd_format_opts o;
	va_list ap;
	memset(&o, 0, sizeof o);
	o.kind = HD_FMT_FIXEDWIDTH;
	o.null_as = "\\N";
	o.null_as_len = 2;
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		cols_buf[i].label = (char *)"x";
		cols_buf[i].width = va_arg(ap, int);
	}
	va_end(ap);
	o.fw_cols = cols_buf;
	o.nfw_cols = n;
	o.ncolumns = n;
	return o;
}

#define CHECK(o, input, want)                                                  \
	do {                                                                   \
		char *got_ = run_all(&(o), (input), sizeof(input) - 1, true); \
		assert_string_equal(got_, (want));                             \
		free(got_);                                                    \
	} while (0)

/* --- cases -------------------------------------------------------------------------------------------------------- */

/* Redshift's sample (r_COPY_command_examples "Load VENUE from a fixed-width data file", t_loading_fixed_width_data):
 * the spec 'venueid:3,venuename:25,venuecity:12,venuestate:2,venueseats:6' and its five lines, laid out as the spec
 * says ("spaces act as placeholders so that all of the columns are the same width"), whose last field is shorter
 * than 6 characters: padding is kept, the short last field comes out as it is. */
static const char venue[] =
	"1  Toyota Park              Bridgeview  IL0\n"
	"2  Columbus Crew Stadium    Columbus    OH0\n"
	"3  RFK Stadium              Washington  DC0\n"
	"4  CommunityAmerica BallparkKansas City KS0\n"
	"5  Gillette Stadium         Foxborough  MA68756\n";

static void
test_venue(void **state)
{
	hd_format_opts o = opts(5, 3, 25, 12, 2, 6);
	(void)state;
	CHECK(o, venue,
	    "1@0:[1  ][Toyota Park              ][Bridgeview  ][IL][0]\n"
	    "2@44:[2  ][Columbus Crew Stadium    ][Columbus    ][OH][0]\n"
	    "3@88:[3  ][RFK Stadium              ][Washington  ][DC][0]\n"
	    "4@132:[4  ][CommunityAmerica Ballpark][Kansas City ][KS][0]\n"
	    "5@176:[5  ][Gillette Stadium         ][Foxborough  ][MA][68756]\n");
}

static void
test_exact_and_short(void **state)
{
	hd_format_opts o = opts(3, 2, 3, 1);
	(void)state;
	/* exact; short inside the last field is impossible (width 1); ends inside the 2nd; ends at a boundary;
	 * ends inside the 1st; empty line = one empty field; no LF at the end */
	CHECK(o, "abcdef\nabcd\nabcde\nab\na\n\nxyzuvw",
	    "1@0:[ab][cde][f]\n"
	    "2@7:[ab][cd]\n"
	    "3@12:[ab][cde]\n"
	    "4@18:[ab]\n"
	    "5@21:[a]\n"
	    "6@23:[]\n"
	    "7@24:[xy][zuv][w]\n");
}

static void
test_long_record(void **state)
{
	hd_format_opts o = opts(2, 2, 2);
	(void)state;
	/* longer than 4 characters: 1202, and the reader goes on; trailing blanks count too */
	CHECK(o, "abcd\nabcde\nab  \nab   \n\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9x\nok\n",
	    "1@0:[ab][cd]\n"
	    "2:BAD1202\n"
	    "3@11:[ab][  ]\n"
	    "4:BAD1202\n"
	    "5@22:[\xc3\xa9\xc3\xa9][\xc3\xa9\xc3\xa9]\n"
	    "6:BAD1202\n"
	    "7@41:[ok]\n");
}

static void
test_multibyte_widths(void **state)
{
	hd_format_opts o = opts(3, 2, 3, 1);
	(void)state;
	/* 2-, 3- and 4-byte characters each count as one */
	CHECK(o,
	    "\xc3\xa9" "a" "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" "\xf0\x9f\x98\x80" "\n"
	    "ab" "c\xf0\x9f\x98\x80" "d" "e\n"
	    "\xc3\xa9\xc3\xa9" "\xc3\xa9" "\n",
	    "1@0:[\xc3\xa9" "a][\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e][\xf0\x9f\x98\x80]\n"
	    "2@17:[ab][c\xf0\x9f\x98\x80" "d][e]\n"
	    "3@27:[\xc3\xa9\xc3\xa9][\xc3\xa9]\n");
}

static void
test_invalid_utf8_counts_bytes(void **state)
{
	hd_format_opts o = opts(2, 2, 3);
	(void)state;
	/* a stray continuation byte, a lead byte without its continuation, F8..FF, a truncated 3-byte sequence at the
	 * record end: each byte that does not start a complete sequence is one character */
	CHECK(o,
	    "\x80\x81" "abc\n"
	    "\xc3" "A" "\xff\xfe\xc3\xa9\n"
	    "a" "b" "c" "\xe6\x97\n"
	    "\xf8\xf9\xfa\xfb\xfc\n",
	    "1@0:[\x80\x81][abc]\n"
	    "2@6:[\xc3" "A][\xff\xfe\xc3\xa9]\n"
	    "3@13:[ab][c\xe6\x97]\n"
	    "4@19:[\xf8\xf9][\xfa\xfb\xfc]\n");
}

static void
test_line_ends(void **state)
{
	hd_format_opts o = opts(2, 2, 2);
	(void)state;
	/* CR LF ends a record; a lone CR is data; a CR at the very end without LF is data (and here one too many) */
	CHECK(o, "abcd\r\nab\rd\n\r\nab\r\n\r\r\nabcd\r",
	    "1@0:[ab][cd]\n"
	    "2@6:[ab][\\rd]\n"
	    "3@11:[]\n"
	    "4@13:[ab]\n"
	    "5@17:[\\r]\n"
	    "6:BAD1202\n");
}

static void
test_header_and_blank_lines(void **state)
{
	hd_format_opts o = opts(2, 1, 2);
	(void)state;
	o.ignoreheader = 2;
	CHECK(o, "id name\n-- ----\n\nabc\n\r\nxyz\n\n", "3@16:[]\n4@17:[a][bc]\n5@21:[]\n6@23:[x][yz]\n7@27:[]\n");
	o.ignoreblanklines = true;
	CHECK(o, "id name\n-- ----\n\nabc\n\r\nxyz\n\n", "4@17:[a][bc]\n6@23:[x][yz]\n");
	/* a header longer than the input; a last header line without LF */
	o.ignoreheader = 5;
	CHECK(o, "h1\nh2\nh3\n", "");
	o.ignoreheader = 1;
	CHECK(o, "only header", "");
	/* a header of any length (over the buffer size) */
	{
		size_t n = HD_MAX_RECORD + HD_READ_CHUNK + 100;
		char *big = malloc(n + 5);
		char *got;
		assert_non_null(big);
		memset(big, 'h', n);
		memcpy(big + n, "\nabc", 4);
		got = run_all(&o, big, n + 4, false);
		assert_string_equal(got, "2@5242981:[a][bc]\n");
		free(got);
		free(big);
	}
}

static void
test_mid_file(void **state)
{
	hd_format_opts o = opts(2, 1, 2);
	(void)state;
	o.ignoreheader = 1;
	o.mid_file = true;
	o.first_line = 41;
	/* a range inside a file: no header skipped, lines numbered from first_line */
	CHECK(o, "abc\nxyz\n", "41@0:[a][bc]\n42@4:[x][yz]\n");
}

static void
test_padding_and_null_kept(void **state)
{
	hd_format_opts o = opts(3, 3, 4, 2);
	(void)state;
	/* the format never trims and never decides NULL: "\N " and blanks come out as read */
	CHECK(o, "\\N   \\N  \n 1 \\N  \\N\n", "1@0:[\\N ][  \\N][  ]\n2@10:[ 1 ][\\N  ][\\N]\n");
	/* NUL bytes are data */
	CHECK(o, "a\0c" "\0\0\0\0" "xy\n", "1@0:[a\\x00c][\\x00\\x00\\x00\\x00][xy]\n");
}

static void
test_record_too_long(void **state)
{
	hd_format_opts o = opts(1, 5);
	size_t n = HD_MAX_RECORD + 10;
	char *big = malloc(n + 8), *got;
	(void)state;
	if (!big)
		abort();
	memcpy(big, "abcde\n", 6);
	memset(big + 6, 'x', n - 6);
	got = run_all(&o, big, n, false);
	assert_non_null(strstr(got, "1@0:[abcde]\nERR:test-input: line 2: record longer than the maximum"));
	free(got);
	/* a record of exactly HD_MAX_RECORD bytes + CR LF is allowed (and too long for the widths: 1202) */
	memset(big, 'y', HD_MAX_RECORD);
	memcpy(big + HD_MAX_RECORD, "\r\nabcde", 7);
	got = run_all(&o, big, HD_MAX_RECORD + 7, false);
	assert_string_equal(got, "1:BAD1202\n2@4194306:[abcde]\n");
	free(got);
	free(big);
}

static void
test_open_errors(void **state)
{
	hd_format_opts o = opts(2, 3, 0);
	hd_stream *in = hd_stream_mem("abc", 3, "x");
	hd_reader *rd = (hd_reader *)(void *)&o;
	hd_err err;
	(void)state;
	assert_int_equal(hd_format_fixedwidth.open(&o, in, &rd, &err), HD_ERR_SYNTAX);
	assert_null(rd);
	assert_non_null(strstr(err.msg, "invalid width 0"));
	o = opts(0);
	assert_int_equal(hd_format_fixedwidth.open(&o, in, &rd, &err), HD_ERR_SYNTAX);
	o = opts(1, -4);
	assert_int_equal(hd_format_fixedwidth.open(&o, in, &rd, &err), HD_ERR_SYNTAX);
	hd_stream_close(in);
}

static void
test_io_error(void **state)
{
	hd_format_opts o = opts(1, 3);
	chunk_stream *c = calloc(1, sizeof *c);
	hd_reader *rd;
	hd_record rec;
	hd_recfail fail;
	hd_err err;
	uint64_t want = 1, off, line;
	(void)state;
	c->base.ops = &fail_ops;
	c->base.name = "failing-input";
	assert_int_equal(hd_format_fixedwidth.open(&o, &c->base, &rd, &err), HD_OK);
	assert_int_equal(hd_format_fixedwidth.next(rd, &rec, &fail, &err), HD_REC_ERROR);
	assert_int_equal(err.code, HD_ERR_IO);
	assert_int_equal(hd_format_fixedwidth.next(rd, &rec, &fail, &err), HD_REC_ERROR);
	hd_format_fixedwidth.close(rd);
	assert_int_equal(hd_format_fixedwidth.boundaries(&o, &c->base, &want, 1, &off, &line, &err), HD_ERR_IO);
	hd_stream_close(&c->base);
}

/* A generated input with multibyte text, CR LF, blank, short and long lines, several MB (several refills and one
 * compaction), through every stream and classifier. */
static void
test_chunked_equivalence(void **state)
{
	static const char *const pieces[] = { "abc", "\n", "\r\n", "\r", "\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80",
		"\x80", "\xc3", "1234567890", " ", "", "\n\n", "x" };
	hd_format_opts o = opts(4, 3, 1, 5, 2);
	uint64_t rng = 12345;
	dump in = { 0 };
	(void)state;
	while (in.len < HD_MAX_RECORD + HD_READ_CHUNK + (1u << 20)) {
		const char *p = pieces[rnd(&rng) % (sizeof pieces / sizeof pieces[0])];
		dput(&in, p, strlen(p));
	}
	for (int flags = 0; flags < 4; flags++) {
		char *got;
		o.ignoreblanklines = flags & 1;
		o.ignoreheader = flags & 2 ? 3 : 0;
		got = run_all(&o, in.s, in.len, false);
		assert_true(strlen(got) > 1000);
		assert_non_null(strstr(got, "BAD1202"));
		free(got);
	}
	/* 1-byte reads on a smaller prefix */
	in.len = 20000;
	for (int flags = 0; flags < 4; flags++) {
		o.ignoreblanklines = flags & 1;
		o.ignoreheader = flags & 2 ? 3 : 0;
		free(run_all(&o, in.s, in.len, true));
	}
	free(in.s);
}

/* --- boundaries --------------------------------------------------------------------------------------------------- */

static void
bounds(const hd_format_opts *o, const char *data, size_t len, const uint64_t *want, int n, uint64_t *off,
       uint64_t *line, int mode)
{
	hd_stream *in = mode ? chunk_stream_new(data, len, mode) : hd_stream_mem(data, len, "test-input");
	hd_err err;
	assert_int_equal(hd_format_fixedwidth.boundaries(o, in, want, n, off, line, &err), HD_OK);
	hd_stream_close(in);
}

/* Read [from, to) as a unit would: the first range as the file's start, the others mid-file from first_line. */
static char *
run_range(const hd_format_opts *o, const char *data, uint64_t from, uint64_t to, uint64_t first_line)
{
	hd_format_opts ro = *o;
	if (from > 0) {
		ro.mid_file = true;
		ro.first_line = first_line;
	}
	return run_stream(&ro, hd_stream_mem(data + from, (size_t)(to - from), "range"), data + from,
	    (size_t)(to - from), from);
}

/* Every split offset and every pair of split offsets: the ranges' records, in order, are the whole file's. */
static void
check_splits(const hd_format_opts *o, const char *data, size_t len)
{
	char *whole = run(o, data, len, 0);
	uint64_t off[3], line[3];

	for (uint64_t a = 0; a <= len; a++) {
		for (uint64_t b = a; b <= len + 1; b++) {
			uint64_t want[2] = { a, b };
			dump d = { 0 };
			char *r0, *r1, *r2;
			bounds(o, data, len, want, 2, off, line, (int)(a + b) % 4);
			assert_true(off[0] >= a && off[0] <= len && off[1] >= off[0] && off[1] <= len);
			assert_true(b > len ? off[1] == len : off[1] >= b);
			r0 = run_range(o, data, 0, off[0], 1);
			r1 = run_range(o, data, off[0], off[1], line[0]);
			r2 = run_range(o, data, off[1], len, line[1]);
			dput(&d, r0, strlen(r0));
			dput(&d, r1, strlen(r1));
			dput(&d, r2, strlen(r2));
			if (strcmp(d.s, whole) != 0)
				fail_msg("split at %llu,%llu (bounds %llu/%llu, %llu/%llu) differs:\n--- want\n%s--- got\n%s",
				    (unsigned long long)a, (unsigned long long)b, (unsigned long long)off[0],
				    (unsigned long long)line[0], (unsigned long long)off[1], (unsigned long long)line[1],
				    whole, d.s);
			free(r0);
			free(r1);
			free(r2);
			free(d.s);
		}
	}
	free(whole);
}

static void
test_boundaries(void **state)
{
	static const char tricky[] = "hdr\xc3\xa9\r\n\nab\xc3\xa9" "cd\r\n\r\nabcdefgh\nx\n\n\xe6\x97\xa5" "bcde";
	hd_format_opts o = opts(3, 2, 1, 3);
	uint64_t want[4] = { 0, 3, 9, 1000 }, off[4], line[4];
	(void)state;

	bounds(&o, tricky, sizeof tricky - 1, want, 4, off, line, 0);
	assert_int_equal(off[0], 0);
	assert_int_equal(line[0], 1);
	assert_int_equal(off[1], 7); /* after "hdré\r\n" */
	assert_int_equal(line[1], 2);
	assert_int_equal(off[2], 16);
	assert_int_equal(line[2], 4);
	assert_int_equal(off[3], sizeof tricky - 1);
	assert_int_equal(line[3], 8);

	for (int flags = 0; flags < 4; flags++) {
		o.ignoreblanklines = flags & 1;
		o.ignoreheader = flags & 2 ? 2 : 0;
		check_splits(&o, tricky, sizeof tricky - 1);
	}
	/* IGNOREHEADER: no boundary inside the header */
	o.ignoreheader = 2;
	bounds(&o, tricky, sizeof tricky - 1, want, 4, off, line, 1);
	assert_int_equal(off[0], 8);
	assert_int_equal(line[0], 3);
	assert_int_equal(off[1], 8);
	assert_int_equal(off[2], 16);
	/* a header longer than the input: every boundary is the end */
	o.ignoreheader = 50;
	bounds(&o, tricky, sizeof tricky - 1, want, 4, off, line, 2);
	assert_int_equal(off[0], sizeof tricky - 1);
	/* ending with LF, and the empty input */
	o.ignoreheader = 0;
	check_splits(&o, "ab\ncd\n", 6);
	check_splits(&o, "", 0);
	o.ignoreheader = 1;
	check_splits(&o, "ab\ncd\n", 6);
	check_splits(&o, "ab", 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_venue),
		cmocka_unit_test(test_exact_and_short),
		cmocka_unit_test(test_long_record),
		cmocka_unit_test(test_multibyte_widths),
		cmocka_unit_test(test_invalid_utf8_counts_bytes),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_header_and_blank_lines),
		cmocka_unit_test(test_mid_file),
		cmocka_unit_test(test_padding_and_null_kept),
		cmocka_unit_test(test_record_too_long),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_io_error),
		cmocka_unit_test(test_chunked_equivalence),
		cmocka_unit_test(test_boundaries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
