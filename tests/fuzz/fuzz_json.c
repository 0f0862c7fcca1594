/*
 * fuzz_json.c — the JSON 'auto' / 'auto ignorecase' reader (format/json.c): a stream of objects or arrays.
 *
 * Input: byte 0 picks the column names ({a, b, c} or {id, name, "Mixed Case", nested}), ignorecase and
 * IGNOREHEADER 1, bytes 1-2 are unused (kept for the readers' common layout), the rest is the file.
 * Invariants (fuzz_format.h): every field inside its record's bytes or (unescaped JSON strings) no longer than the
 * record, raw == the input at offset, identical records for 1-byte / random / whole reads.
 */
#include "fuzz_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names0[] = { "a", "b", "c" };
	static const char *const names1[] = { "id", "name", "Mixed Case", "nested" };
	hd_format_opts o;
	uint8_t v;

	if (size < 3)
		return 0;
	v = data[0];
	memset(&o, 0, sizeof o);
	o.kind = HD_FMT_JSON;
	o.delimiter = '|';
	o.quote = '"';
	o.colnames = v & 1 ? names1 : names0;
	o.ncolumns = v & 1 ? 4 : 3;
	o.json_ignorecase = (v >> 1) & 1;
	o.ignoreheader = (v >> 2) & 1;
	o.null_as = "\\N";
	o.null_as_len = 2;
	fz_format_check(&hd_format_json, &o, data + 3, size - 3, data[1], data[2], false);
	return 0;
}
