/*
 * fuzz_dtfmt.c — DATEFORMAT / TIMEFORMAT strings: hd_dtfmt_compile on a fuzzed format string (as DATEFORMAT and
 * as TIMEFORMAT), then the date/time conversions of convert/datetime.c with it.
 *
 * Input: byte 0 picks the type (date, timestamp, timestamptz, time, timetz), byte 1 the flags (ACCEPTANYDATE,
 * quoted, NOT NULL), then the format string up to the first NUL byte, then the field.
 * Invariants: compiling reads only the NUL-terminated, exactly-sized format block and either succeeds or fails with
 * a message; compiling twice gives the same outcome; every conversion invariant of fuzz_conv_common.h (ranges of
 * dates / timestamps / times / zones, no read past the field, same value twice).
 */
#include "fuzz_conv_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const hd_type types[5] = { HD_T_DATE, HD_T_TIMESTAMP, HD_T_TIMESTAMPTZ, HD_T_TIME, HD_T_TIMETZ };
	const uint8_t *rest, *nul;
	hd_dtfmt *df = NULL, *tf = NULL, *again = NULL, *defd = NULL, *deft = NULL;
	hd_column col;
	hd_conv_opts o;
	hd_err err;
	size_t rlen, flen;
	char *fmt;
	hd_code rd, rt;

	if (size < 2)
		return 0;
	rest = data + 2;
	rlen = size - 2;
	nul = memchr(rest, '\0', rlen);
	flen = nul ? (size_t)(nul - rest) : rlen;
	fmt = fz_dup(rest, flen, true);
	rd = hd_dtfmt_compile(fmt, false, &df, &err);
	if (rd != HD_OK)
		FUZZ_CHECK(err.msg[0] != '\0' && df == NULL);
	rt = hd_dtfmt_compile(fmt, true, &tf, &err);
	if (rt != HD_OK)
		FUZZ_CHECK(err.msg[0] != '\0' && tf == NULL);
	FUZZ_CHECK(hd_dtfmt_compile(fmt, false, &again, &err) == rd);
	hd_dtfmt_free(again);
	FUZZ_CHECK(hd_dtfmt_compile(NULL, false, &defd, &err) == HD_OK);
	FUZZ_CHECK(hd_dtfmt_compile(NULL, true, &deft, &err) == HD_OK);

	memset(&col, 0, sizeof col);
	col.name = "c";
	col.type = types[data[0] % 5];
	col.type_name = (char *)hd_type_name(col.type);
	col.length = -1;
	col.precision = col.scale = -1;
	col.not_null = (data[1] >> 2) & 1;
	memset(&o, 0, sizeof o);
	o.null_as = "\\N";
	o.null_as_len = 2;
	o.acceptanydate = data[1] & 1;
	o.datefmt = df ? df : defd;
	o.timefmt = tf ? tf : deft;
	if (nul)
		fz_conv_check(&col, &o, nul + 1, rlen - flen - 1, (data[1] >> 1) & 1);
	hd_dtfmt_free(df);
	hd_dtfmt_free(tf);
	hd_dtfmt_free(defd);
	hd_dtfmt_free(deft);
	free(fmt);
	return 0;
}
