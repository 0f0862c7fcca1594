/*
 * registry.c — pick a sink from the target string; helpers both sinks share.
 *
 *     "sqlite:PATH"                                  → hd_sink_sqlite
 *     "postgresql://…", "postgres://…", "k=v k=v…"   → hd_sink_pg (libpq parses it)
 * The target string is never copied into a message: it may hold a password.
 */
#include "sink/sink.h"
#include "common/limits.h"
#include "sink/pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/sys.h"

const hd_sink_ops *
hd_sink_for(const char *target, hd_err *err)
{
	if (!target || !*target) {
		hd_err_set(err, HD_ERR_USAGE, "no target database given");
		return NULL;
	}
	if (strncmp(target, "sqlite:", 7) == 0) {
		if (!target[7]) {
			hd_err_set(err, HD_ERR_USAGE, "sqlite target needs a path: sqlite:PATH");
			return NULL;
		}
		return &hd_sink_sqlite;
	}
	if (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0 ||
	    strchr(target, '='))
		return &hd_sink_pg;
	hd_err_set(err, HD_ERR_USAGE,
	           "unrecognized target: use a PostgreSQL URI (postgresql://…), a libpq connection string "
	           "(host=… dbname=…), or sqlite:PATH");
	return NULL;
}

void
hd_table_free(hd_table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].type_name);
	}
	free(t->cols);
	free(t->schema);
	free(t->name);
	free(t->qualified);
	free(t);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if the bytes there are not one (overlong forms, surrogates
 * and code points above U+10FFFF are invalid, as PostgreSQL judges them). */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && p[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && p[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && p[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xf4 && p[1] >= 0x90)
			return 0; /* > U+10FFFF */
		return 4;
	}
	return 0;
}

size_t
hd_sink_utf8_clean(char *dst, size_t max, const char *src, size_t n)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t i = 0, o = 0;

	while (i < n) {
		size_t k = utf8_seq(p + i, n - i);
		if (k == 0 || p[i] == 0) {
			if (o + 1 > max)
				break;
			dst[o++] = '?';
			i++;
			continue;
		}
		if (o + k > max)
			break;
		memcpy(dst + o, p + i, k);
		o += k;
		i += k;
	}
	dst[o] = '\0';
	return o;
}

void
hd_sink_date_ymd(int32_t days, int *y, int *m, int *d)
{
	/* Howard Hinnant's civil_from_days, shifted from 1970-01-01 to 2000-01-01 (10957 days later). */
	int64_t z = (int64_t)days + 10957 + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t dd = doy - (153 * mp + 2) / 5 + 1;
	int64_t mm = mp < 10 ? mp + 3 : mp - 9;
	int64_t yy = yoe + era * 400 + (mm <= 2);

	*y = (int)yy;
	*m = (int)mm;
	*d = (int)dd;
}

void
hd_sink_gid(char *buf, size_t n, int64_t query, int slice)
{
	snprintf(buf, n, "hdcopy:%lld:%d", (long long)query, slice);
}

hd_code
hd_sink_column_types(const hd_table *t, const int *cols, int ncols, hd_type **types, hd_err *err)
{
	hd_type *v;

	if (ncols <= 0 || ncols > HD_MAX_FIELDS)
		return hd_err_set(err, HD_ERR_INTERNAL, "load_begin with %d columns", ncols);
	free(*types);
	*types = NULL;
	if (!(v = hd_calloc((size_t)ncols, sizeof *v)))
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	for (int i = 0; i < ncols; i++) {
		if (cols[i] < 0 || cols[i] >= t->ncols) {
			free(v);
			return hd_err_set(err, HD_ERR_INTERNAL, "load_begin: column index %d out of range", cols[i]);
		}
		v[i] = t->cols[cols[i]].type;
		if (v[i] == HD_T_UNSUPPORTED) {
			free(v);
			return hd_err_set(err, HD_ERR_TABLE, "column \"%s\" has type %s, which hdcopy cannot load",
			                  t->cols[cols[i]].name, t->cols[cols[i]].type_name);
		}
	}
	*types = v;
	return HD_OK;
}
