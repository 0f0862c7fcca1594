/*
 * fuzz_delimited.c — the delimited-text reader (format/delimited.c, format/reader.c) and its boundaries op.
 *
 * Input: byte 0 picks the options (ESCAPE, REMOVEQUOTES, IGNOREBLANKLINES, IGNOREHEADER 1, the delimiter '|', '\t'
 * or ',', NULL AS '\N' or ''), bytes 1-2 pick two split points, the rest is the file.
 * Invariants (fuzz_format.h): no field outside its record's bytes (rewritten fields are subsequences of the raw
 * record), raw == the input at offset, identical records for 1-byte / random / whole reads, identical records for
 * the ranges boundaries() cuts.
 */
#include "fuzz_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[4] = { '|', '\t', ',', '|' };
	hd_format_opts o;
	uint8_t v;

	if (size < 3)
		return 0;
	v = data[0];
	memset(&o, 0, sizeof o);
	o.kind = HD_FMT_DELIMITED;
	o.delimiter = delims[(v >> 4) & 3];
	o.quote = '"';
	o.escape = v & 1;
	o.removequotes = (v >> 1) & 1;
	o.ignoreblanklines = (v >> 2) & 1;
	o.ignoreheader = (v >> 3) & 1;
	o.ncolumns = 3;
	o.null_as = (v >> 6) & 1 ? "" : "\\N";
	o.null_as_len = (v >> 6) & 1 ? 0 : 2;
	fz_format_check(&hd_format_delimited, &o, data + 3, size - 3, data[1], data[2], true);
	return 0;
}
