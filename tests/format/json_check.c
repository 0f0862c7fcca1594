/*
 * json_check.c — conformance driver for format/json.c: read one file as a JSON record stream and say whether every
 * record parsed.
 *
 * Usage: json_check FILE [--auto]
 * The file is read with the JSONPaths {"jsonpaths": ["$"]} (one column: the whole record), so any top-level value
 * is a record. Prints one line: "OK <records>" when every record parsed, "BAD <code> <reason>" at the first rejected
 * record, "ERR <message>" on a fatal error. Exit status 0 in all three cases; 2 on a usage or open error.
 * Used by tests/format/json_test_suite.py with JSONTestSuite's test_parsing files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/format.h"

int
main(int argc, char **argv)
{
	static const char paths[] = "{\"jsonpaths\": [\"$\"]}";
	static const char *const names[] = { "v" };
	hd_format_opts o;
	hd_reader *rd = NULL;
	hd_record rec;
	hd_recfail fail;
	hd_err err;
	FILE *f;
	char *data;
	long len;
	long n = 0;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: json_check FILE [--auto]\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		perror(argv[1]);
		return 2;
	}
	data = malloc((size_t)len + 1);
	if (!data || fread(data, 1, (size_t)len, f) != (size_t)len) {
		perror(argv[1]);
		return 2;
	}
	fclose(f);
	memset(&o, 0, sizeof o);
	o.kind = HD_FMT_JSON;
	o.ncolumns = 1;
	o.colnames = names;
	if (argc < 3 || strcmp(argv[2], "--auto") != 0) {
		o.jsonpaths = paths;
		o.jsonpaths_len = sizeof paths - 1;
	}
	hd_stream *in = hd_stream_mem(data, (size_t)len, argv[1]);
	if (!in || hd_format_json.open(&o, in, &rd, &err) != HD_OK) {
		fprintf(stderr, "open: %s\n", in ? err.msg : "out of memory");
		return 2;
	}
	for (;;) {
		rc = hd_format_json.next(rd, &rec, &fail, &err);
		if (rc == HD_REC_EOF) {
			printf("OK %ld\n", n);
			break;
		}
		if (rc == HD_REC_ERROR) {
			printf("ERR %s\n", err.msg);
			break;
		}
		if (rc == HD_REC_BAD) {
			printf("BAD %d %s\n", fail.code, fail.reason);
			break;
		}
		n++;
	}
	hd_format_json.close(rd);
	hd_stream_close(in);
	free(data);
	return 0;
}
