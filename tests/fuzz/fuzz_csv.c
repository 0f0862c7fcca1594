/*
 * fuzz_csv.c — the CSV reader (format/csv.c, format/reader.c) and its boundaries op (quote parity).
 *
 * Input: byte 0 picks the options (delimiter ',', '|' or '\t'; QUOTE '"', '\'' or '%'; IGNOREBLANKLINES;
 * IGNOREHEADER 0..1; NULL AS '\N' or ''), bytes 1-2 pick two split points, the rest is the file.
 * Invariants (fuzz_format.h): no field outside its record's bytes (un-doubled quoted fields are subsequences of
 * the raw record), raw == the input at offset, identical records for 1-byte / random / whole reads, identical
 * records for the ranges boundaries() cuts.
 */
#include "fuzz_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[4] = { ',', '|', '\t', ',' };
	static const char quotes[4] = { '"', '\'', '%', '"' };
	hd_format_opts o;
	uint8_t v;

	if (size < 3)
		return 0;
	v = data[0];
	memset(&o, 0, sizeof o);
	o.kind = HD_FMT_CSV;
	o.delimiter = delims[v & 3];
	o.quote = quotes[(v >> 2) & 3];
	o.ignoreblanklines = (v >> 4) & 1;
	o.ignoreheader = (v >> 5) & 1;
	o.ncolumns = 3;
	o.null_as = (v >> 6) & 1 ? "" : "\\N";
	o.null_as_len = (v >> 6) & 1 ? 0 : 2;
	fz_format_check(&hd_format_csv, &o, data + 3, size - 3, data[1], data[2], true);
	return 0;
}
