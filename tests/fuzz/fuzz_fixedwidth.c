/*
 * fuzz_fixedwidth.c — the FIXEDWIDTH reader (format/fixedwidth.c: widths in UTF-8 characters) and its boundaries
 * op.
 *
 * Input: byte 0 picks a width spec ('a:3,b:5,c:2', four 1-wide columns, one 8-wide, 'a:2,b:1,c:4,d:1') and
 * IGNOREBLANKLINES / IGNOREHEADER 1, bytes 1-2 pick two split points, the rest is the file.
 * Invariants (fuzz_format.h): no field outside its record's bytes, raw == the input at offset, identical records
 * for 1-byte / random / whole reads, identical records for the ranges boundaries() cuts.
 */
#include "fuzz_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hd_fw_col spec0[] = { { "a", 3 }, { "b", 5 }, { "c", 2 } };
static hd_fw_col spec1[] = { { "a", 1 }, { "b", 1 }, { "c", 1 }, { "d", 1 } };
static hd_fw_col spec2[] = { { "a", 8 } };
static hd_fw_col spec3[] = { { "a", 2 }, { "b", 1 }, { "c", 4 }, { "d", 1 } };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct { hd_fw_col *c; int n; } specs[4] = { { spec0, 3 }, { spec1, 4 }, { spec2, 1 }, { spec3, 4 } };
	hd_format_opts o;
	uint8_t v;

	if (size < 3)
		return 0;
	v = data[0];
	memset(&o, 0, sizeof o);
	o.kind = HD_FMT_FIXEDWIDTH;
	o.delimiter = '|';
	o.quote = '"';
	o.fw_cols = specs[v & 3].c;
	o.nfw_cols = specs[v & 3].n;
	o.ncolumns = o.nfw_cols;
	o.ignoreblanklines = (v >> 2) & 1;
	o.ignoreheader = (v >> 3) & 1;
	o.null_as = "\\N";
	o.null_as_len = 2;
	fz_format_check(&hd_format_fixedwidth, &o, data + 3, size - 3, data[1], data[2], true);
	return 0;
}
