/*
 * dump_records.c — test driver: read one file through a format's reader (the format API of src/format/format.h)
 * and print what it returned, one JSON object per line:
 *
 *    {"line":N,"offset":N,"fields":["a",null,""],"quoted":[false,false,true]}   a record
 *    {"line":N,"offset":N,"error":1214,"reason":"…"}                           a rejected record
 *    {"fatal":"…"}                                                               a fatal error (exit status 2)
 *
 * NULL-aware: a field is null when the reader marks it so (JSON formats) or when it is unquoted and its bytes equal
 * the null string — convert/'s first rule (src/convert/convert.c), with the statement's default null string from
 * hd_format_opts_from_spec() unless --null-as is given. Whether an EMPTY field becomes NULL depends on the column type
 * and EMPTYASNULL (convert/), so empty fields print as "".
 *
 * Usage: dump_records csv|delimited FILE [--delimiter C] [--quote C] [--ignoreheader N] [--ignoreblanklines]
 *                                        [--escape] [--removequotes] [--null-as S]
 * C may be one byte or \t. Built by tests/format/csv_spectrum.py from src/common and src/format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy/copy.h"
#include "format/format.h"

static void
json_str(const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\') {
			putchar('\\');
			putchar(c);
		} else if (c == '\n') {
			fputs("\\n", stdout);
		} else if (c == '\r') {
			fputs("\\r", stdout);
		} else if (c == '\t') {
			fputs("\\t", stdout);
		} else if (c < 0x20) {
			fputs("\\u00", stdout);
			putchar(hex[c >> 4]);
			putchar(hex[c & 15]);
		} else {
			putchar(c);
		}
	}
	putchar('"');
}

static int
usage(void)
{
	fputs("usage: dump_records csv|delimited FILE [--delimiter C] [--quote C] [--ignoreheader N] "
	      "[--ignoreblanklines] [--escape] [--removequotes] [--null-as S]\n",
	    stderr);
	return 64;
}

/* One byte, or the two characters \t. */
static bool
one_char(const char *s, char *out)
{
	if (strcmp(s, "\\t") == 0) {
		*out = '\t';
		return true;
	}
	if (strlen(s) != 1)
		return false;
	*out = s[0];
	return true;
}

static bool
parse_count(const char *s, long *out)
{
	long v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

int
main(int argc, char **argv)
{
	hd_copy_spec spec;
	hd_format_opts o;
	const hd_format_ops *ops;
	hd_stream *in = NULL;
	hd_reader *rd = NULL;
	hd_record rec;
	hd_recfail fail;
	hd_err err;
	FILE *f;
	char *data;
	size_t len = 0, cap = 1 << 16, got;
	int rc, status = 0;

	if (argc < 3)
		return usage();
	memset(&spec, 0, sizeof spec);
	if (strcmp(argv[1], "csv") == 0)
		spec.format = HD_FMT_CSV;
	else if (strcmp(argv[1], "delimited") == 0)
		spec.format = HD_FMT_DELIMITED;
	else
		return usage();
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i];
		char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--ignoreblanklines") == 0) {
			spec.ignoreblanklines = true;
		} else if (strcmp(a, "--escape") == 0) {
			spec.escape = true;
		} else if (strcmp(a, "--removequotes") == 0) {
			spec.removequotes = true;
		} else if (v && strcmp(a, "--delimiter") == 0) {
			if (!one_char(v, &spec.delimiter))
				return usage();
			spec.delimiter_set = true;
			i++;
		} else if (v && strcmp(a, "--quote") == 0) {
			if (!one_char(v, &spec.quote))
				return usage();
			spec.quote_set = true;
			i++;
		} else if (v && strcmp(a, "--ignoreheader") == 0) {
			if (!parse_count(v, &spec.ignoreheader))
				return usage();
			i++;
		} else if (v && strcmp(a, "--null-as") == 0) {
			spec.null_as = v;
			spec.null_as_len = strlen(v);
			i++;
		} else {
			return usage();
		}
	}
	hd_format_opts_from_spec(&spec, 0, &o);
	ops = hd_format_for(spec.format);
	if (!ops) {
		fputs("{\"fatal\":\"format not implemented\"}\n", stdout);
		return 2;
	}

	/* the whole file in memory: test inputs are small */
	f = fopen(argv[2], "rb");
	if (!f) {
		perror(argv[2]);
		return 66;
	}
	data = malloc(cap);
	while (data && (got = fread(data + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			char *nd = realloc(data, cap * 2);
			if (!nd) {
				free(data);
				data = NULL;
				break;
			}
			data = nd;
			cap *= 2;
		}
	}
	fclose(f);
	if (!data) {
		fputs("out of memory\n", stderr);
		return 70;
	}
	in = hd_stream_mem(data, len, argv[2]);
	if (!in || ops->open(&o, in, &rd, &err) != HD_OK) {
		fputs("{\"fatal\":", stdout);
		json_str(in ? err.msg : "out of memory", strlen(in ? err.msg : "out of memory"));
		fputs("}\n", stdout);
		hd_stream_close(in);
		free(data);
		return 2;
	}
	for (;;) {
		rc = ops->next(rd, &rec, &fail, &err);
		if (rc == HD_REC_EOF)
			break;
		if (rc == HD_REC_ERROR) {
			fputs("{\"fatal\":", stdout);
			json_str(err.msg, strlen(err.msg));
			fputs("}\n", stdout);
			status = 2;
			break;
		}
		printf("{\"line\":%llu,\"offset\":%llu,", (unsigned long long)rec.line, (unsigned long long)rec.offset);
		if (rc == HD_REC_BAD) {
			printf("\"error\":%d,\"reason\":", fail.code);
			json_str(fail.reason, strlen(fail.reason));
			fputs("}\n", stdout);
			continue;
		}
		fputs("\"fields\":[", stdout);
		for (int i = 0; i < rec.nfields; i++) {
			const hd_field *fd = &rec.fields[i];
			if (i)
				putchar(',');
			if (fd->null || (!fd->quoted && fd->n == o.null_as_len && memcmp(fd->p, o.null_as, fd->n) == 0))
				fputs("null", stdout);
			else
				json_str(fd->p, fd->n);
		}
		fputs("],\"quoted\":[", stdout);
		for (int i = 0; i < rec.nfields; i++)
			fputs(i ? (rec.fields[i].quoted ? ",true" : ",false") : (rec.fields[i].quoted ? "true" : "false"),
			    stdout);
		fputs("]}\n", stdout);
	}
	ops->close(rd);
	hd_stream_close(in);
	free(data);
	return status;
}
