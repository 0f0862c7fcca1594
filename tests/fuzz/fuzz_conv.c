/*
 * fuzz_conv.c — convert/: hd_conv_field for every hd_type (integers, numeric(p,s), float, boolean, char/varchar/
 * text with ACCEPTINVCHARS / TRIMBLANKS / TRUNCATECOLUMNS, json, VARBYTE, date, timestamp(tz), time(tz)) under a
 * few hd_conv_opts, with the DATEFORMAT/TIMEFORMAT forms 'auto', 'epochsecs', 'epochmillisecs', the defaults and
 * a set of format strings (fuzz_dtfmt.c fuzzes the format string itself).
 *
 * Input: byte 0 picks the type, byte 1 the flags (BLANKSASNULL, EMPTYASNULL, TRIMBLANKS, TRUNCATECOLUMNS,
 * ACCEPTINVCHARS, ACCEPTANYDATE, ROUNDEC, quoted field), byte 2 the length / precision / scale / NOT NULL, byte 3
 * the DATEFORMAT and TIMEFORMAT; the rest is the field.
 * Invariants: fuzz_conv_common.h (no read past the field, scratch never grows or overflows, value kinds and
 * ranges, pointers into field or scratch, valid UTF-8 text, same result twice).
 */
#include "fuzz_conv_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const datefmts[] = { NULL, "auto", "YYYY-MM-DD", "MM/DD/YYYY", "DD.MM.YY", "YYYYMMDD",
	"MON DD YYYY", "DD MONTH YYYY", "DD-MON-YY", "YY/MM/DD" };
static const char *const timefmts[] = { NULL, "auto", "epochsecs", "epochmillisecs", "YYYY-MM-DD HH:MI:SS",
	"YYYY-MM-DD HH24:MI:SS.SSSSSS", "MM/DD/YYYY HH12:MI:SS AM", "YYYYMMDDHHMISS", "DD MON YYYY HH:MI",
	"HH:MI:SS", "HH12:MI AM" };
#define NDATE (sizeof datefmts / sizeof datefmts[0])
#define NTIME (sizeof timefmts / sizeof timefmts[0])

static hd_dtfmt *dfs[NDATE], *tfs[NTIME];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int16_t precs[4][2] = { { -1, -1 }, { 10, 2 }, { 38, 0 }, { 5, 5 } };
	static const int32_t lens[4] = { -1, 0, 4, 12 };
	hd_column col;
	hd_conv_opts o;
	uint8_t fl, ln;

	if (!dfs[0]) {
		hd_err err;
		for (size_t i = 0; i < NDATE; i++)
			FUZZ_CHECK(hd_dtfmt_compile(datefmts[i], false, &dfs[i], &err) == HD_OK);
		for (size_t i = 0; i < NTIME; i++)
			FUZZ_CHECK(hd_dtfmt_compile(timefmts[i], true, &tfs[i], &err) == HD_OK);
	}
	if (size < 4)
		return 0;
	fl = data[1];
	ln = data[2];
	memset(&col, 0, sizeof col);
	col.name = "c";
	col.type = (hd_type)(data[0] % (HD_T_UNSUPPORTED + 1));
	col.type_name = (char *)hd_type_name(col.type);
	col.length = lens[ln & 3];
	col.precision = precs[(ln >> 2) & 3][0];
	col.scale = precs[(ln >> 2) & 3][1];
	col.not_null = (ln >> 4) & 1;
	memset(&o, 0, sizeof o);
	o.null_as = (ln >> 5) & 1 ? "" : "\\N";
	o.null_as_len = (ln >> 5) & 1 ? 0 : 2;
	o.null_as_set = (ln >> 5) & 1;
	o.blanksasnull = fl & 1;
	o.emptyasnull = (fl >> 1) & 1;
	o.trimblanks = (fl >> 2) & 1;
	o.truncatecolumns = (fl >> 3) & 1;
	o.acceptinvchars = (fl >> 4) & 1;
	o.acceptinvchars_char = (ln >> 6) & 1 ? '^' : '?';
	o.acceptanydate = (fl >> 5) & 1;
	o.roundec = (fl >> 6) & 1;
	o.datefmt = dfs[data[3] % NDATE];
	o.timefmt = tfs[(data[3] / NDATE) % NTIME];
	fz_conv_check(&col, &o, data + 4, size - 4, (fl >> 7) & 1);
	return 0;
}
