/*
 * fuzz_format.h — the reader harness shared by fuzz_delimited.c, fuzz_csv.c, fuzz_fixedwidth.c, fuzz_json.c and
 * fuzz_jsonpaths.c (header-only).
 *
 * fz_format_check() runs one format over one input and checks, with explicit aborts:
 *   1. memory: the input sits in an exactly-sized heap block; every field's bytes are read (ASan);
 *   2. rec.raw is the input's bytes at rec.offset (counted from first_offset), and lies inside the input;
 *   3. every field lies inside rec.raw, or (a rewritten field: escapes, doubled quotes, JSON unescaping) is no longer
 *      than rec.raw and — for the text formats — is a subsequence of it (rewriting only drops bytes);
 *   4. chunking: the dump of every record (line, offset, fields with their flags, raw bytes, bad-record codes, fatal
 *      errors) is identical for one read of everything, 1-byte reads (scalar classifier) and random 1..97-byte
 *      reads (the best SIMD classifier): the readers must not depend on where a read() ended;
 *   5. splits (formats with a boundaries op): for two split points chosen by the input's bytes s1, s2,
 *      boundaries() answers ascending offsets inside the input at or after what was asked, and reading [0, off0),
 *      [off0, off1), [off1, end) each on its own (mid_file, first_line, first_offset) gives exactly the
 *      whole-input dump.
 */
#ifndef HD_TESTS_FUZZ_FORMAT_H
#define HD_TESTS_FUZZ_FORMAT_H

#include "fuzz_common.h"

#include "common/limits.h"
#include "format/format.h"
#include "format/format_int.h"

__attribute__((unused)) static void
fz_dump_bytes(fz_out *d, const char *p, size_t n)
{
	fz_printf(d, "%zu:", n);
	fz_put(d, p, n);
}

/* Read everything; append the dump to d. data/len: the bytes the stream gives (for the raw check). */
__attribute__((unused)) static void
fz_read_all(const hd_format_ops *ops, const hd_format_opts *o, hd_stream *in, const char *data, size_t len,
            bool text_format, fz_out *d)
{
	hd_reader *rd = NULL;
	hd_record rec;
	hd_recfail fail;
	hd_err err;
	int rc;
	long guard = 0;

	if (ops->open(o, in, &rd, &err) != HD_OK) {
		fz_printf(d, "OPENERR:%s\n", err.msg);
		hd_stream_close(in);
		return;
	}
	for (;;) {
		memset(&rec, 0, sizeof rec);
		rc = ops->next(rd, &rec, &fail, &err);
		FUZZ_CHECK(++guard <= (long)len + 2); /* every record consumes input; at most one EOF call */
		if (rc == HD_REC_EOF)
			break;
		if (rc == HD_REC_ERROR) {
			fz_printf(d, "ERR:%s\n", err.msg);
			break;
		}
		FUZZ_CHECK(rc == HD_REC_OK || rc == HD_REC_BAD);
		FUZZ_CHECK(rec.offset >= o->first_offset);
		FUZZ_CHECK(rec.offset - o->first_offset <= len && rec.raw_len <= len - (rec.offset - o->first_offset));
		FUZZ_CHECK(rec.raw_len == 0 || memcmp(rec.raw, data + (rec.offset - o->first_offset), rec.raw_len) == 0);
		FUZZ_CHECK(rec.line >= (o->first_line ? o->first_line : 1));
		fz_printf(d, "%llu@%llu:", (unsigned long long)rec.line, (unsigned long long)rec.offset);
		if (rc == HD_REC_BAD) {
			FUZZ_CHECK(memchr(fail.reason, '\0', sizeof fail.reason) != NULL);
			fz_printf(d, "BAD%d:%s:", fail.code, fail.reason);
			fz_dump_bytes(d, rec.raw, rec.raw_len);
			fz_put(d, "\n", 1);
			continue;
		}
		FUZZ_CHECK(rec.nfields >= 0 && rec.nfields <= HD_MAX_FIELDS);
		for (int i = 0; i < rec.nfields; i++) {
			const hd_field *f = &rec.fields[i];
			if (f->n) {
				FUZZ_CHECK(f->p != NULL);
				(void)fz_touch(f->p, f->n);
				if (!fz_within(f->p, f->n, rec.raw, rec.raw_len)) {
					FUZZ_CHECK(f->n <= rec.raw_len);
					if (text_format)
						FUZZ_CHECK(fz_subseq(f->p, f->n, rec.raw, rec.raw_len));
				}
			}
			fz_printf(d, "%s%s%s", f->quoted ? "q" : "", f->null ? "n" : "", f->jstring ? "j" : "");
			fz_dump_bytes(d, f->p ? f->p : "", f->n);
		}
		fz_put(d, " raw=", 5);
		fz_dump_bytes(d, rec.raw, rec.raw_len);
		fz_put(d, "\n", 1);
	}
	ops->close(rd);
	hd_stream_close(in);
}

/* One reading of data[0, len) (copied into an exact block) through a stream of the given mode. */
__attribute__((unused)) static void
fz_read_mode(const hd_format_ops *ops, const hd_format_opts *o, const char *data, size_t len, int mode,
             uint64_t seed, bool text_format, fz_out *d)
{
	char *copy = fz_dup((const uint8_t *)data, len, false);
	hd_stream *in = mode == FZ_WHOLE ? hd_stream_mem(copy, len, "fuzz-input") : fz_chunks_new(copy, len, mode, seed);
	FUZZ_CHECK(in != NULL);
	fz_read_all(ops, o, in, copy, len, text_format, d);
	free(copy);
}

__attribute__((unused)) static void
fz_format_check(const hd_format_ops *ops, const hd_format_opts *o, const uint8_t *data, size_t len, uint8_t s1,
                uint8_t s2, bool text_format)
{
	fz_out whole = { 0 }, one = { 0 }, rnd = { 0 };
	const char *in = (const char *)data;
	const uint64_t seed = 0x9E3779B97F4A7C15ull ^ ((uint64_t)s1 << 8 | s2) ^ len;

	hd_classify_force(NULL);
	fz_read_mode(ops, o, in, len, FZ_WHOLE, seed, text_format, &whole);
	hd_classify_force("scalar");
	fz_read_mode(ops, o, in, len, FZ_ONE, seed, text_format, &one);
	hd_classify_force(NULL);
	fz_read_mode(ops, o, in, len, FZ_RANDOM, seed, text_format, &rnd);
	if (!fz_same(&whole, &one) || !fz_same(&whole, &rnd)) {
		fprintf(stderr, "--- one read\n%s\n--- 1-byte reads\n%s\n--- random reads\n%s\n", whole.s, one.s, rnd.s);
		FUZZ_CHECK(!"chunked reads give different records");
	}

	if (ops->boundaries) {
		uint64_t want[2], off[2], line[2];
		hd_err err;
		hd_stream *s;
		char *copy = fz_dup(data, len, false);
		fz_out cat = { 0 };
		want[0] = (uint64_t)len * s1 / 255;
		want[1] = want[0] + (uint64_t)(len - want[0]) * s2 / 255;
		s = hd_stream_mem(copy, len, "fuzz-input");
		if (ops->boundaries(o, s, want, 2, off, line, &err) == HD_OK) {
			FUZZ_CHECK(off[0] <= off[1] && off[1] <= len);
			FUZZ_CHECK(off[0] >= want[0] || off[0] == len);
			FUZZ_CHECK(off[1] >= want[1] || off[1] == len);
			for (int i = 0; i <= 2; i++) {
				uint64_t a = i == 0 ? 0 : off[i - 1], b = i == 2 ? len : off[i];
				hd_format_opts ro = *o;
				if (i > 0) {
					ro.mid_file = true;
					ro.first_line = line[i - 1];
					ro.first_offset = a;
				}
				fz_read_mode(ops, &ro, in + a, (size_t)(b - a), FZ_WHOLE, seed, text_format, &cat);
			}
			if (!fz_same(&cat, &whole)) {
				fprintf(stderr, "split at %llu %llu -> %llu/L%llu %llu/L%llu\n--- whole\n%s\n--- split\n%s\n",
				    (unsigned long long)want[0], (unsigned long long)want[1], (unsigned long long)off[0],
				    (unsigned long long)line[0], (unsigned long long)off[1], (unsigned long long)line[1],
				    whole.s, cat.s);
				FUZZ_CHECK(!"split ranges give different records");
			}
		} else {
			/* boundaries fails only where the whole reading fails too */
			FUZZ_CHECK(strstr(whole.s, "ERR:") != NULL);
		}
		hd_stream_close(s);
		free(copy);
		free(cat.s);
	}
	free(whole.s);
	free(one.s);
	free(rnd.s);
}

#endif
