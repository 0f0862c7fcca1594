/*
 * fuzz_jsonpaths.c — the JSON reader with a jsonpaths file (format/jsonpath.c compiling the paths, format/json.c
 * applying them).
 *
 * Input: byte 0 picks the column count (1..4), bytes 1-2 are unused, then the jsonpaths text up to the first NUL
 * byte, then the data file. (No NUL: the whole rest is the jsonpaths text and the data is empty.)
 * Invariants: the jsonpaths text is an exactly-sized NUL-terminated block (ASan); an open failure is an error with
 * a message, never a crash; with the paths compiled, every check of fuzz_format.h (fields inside the record or no
 * longer than it, raw == the input at offset, identical records for 1-byte / random / whole reads).
 */
#include "fuzz_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hd_format_opts o;
	const uint8_t *nul, *rest = data + 3;
	size_t plen, rlen = size - 3;
	char *paths;

	if (size < 3)
		return 0;
	nul = memchr(rest, '\0', rlen);
	plen = nul ? (size_t)(nul - rest) : rlen;
	paths = fz_dup(rest, plen, true);
	memset(&o, 0, sizeof o);
	o.kind = HD_FMT_JSON;
	o.delimiter = '|';
	o.quote = '"';
	o.ncolumns = 1 + (data[0] & 3);
	o.jsonpaths = paths;
	o.jsonpaths_len = plen;
	o.null_as = "\\N";
	o.null_as_len = 2;
	if (nul)
		fz_format_check(&hd_format_json, &o, nul + 1, rlen - plen - 1, data[1], data[2], false);
	else
		fz_format_check(&hd_format_json, &o, (const uint8_t *)"", 0, data[1], data[2], false);
	free(paths);
	return 0;
}
