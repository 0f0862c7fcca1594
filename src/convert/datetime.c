/*
 * datetime.c — date, timestamp, timestamptz, time, timetz from text; DATEFORMAT/TIMEFORMAT compile and match.
 *
 * Pages: r_DATEFORMAT_and_TIMEFORMAT_strings (elements), automatic-recognition ('auto'), copy-parameters-data-
 * conversion (DATEFORMAT, TIMEFORMAT, ACCEPTANYDATE), r_Datetime_types. Where Redshift is silent: PostgreSQL's
 * datetime input (src/backend/utils/adt/datetime.c) — calendar validation, 2-digit years, date2j/j2date.
 *
 * A format compiles once per COPY into a list of elements:
 *   YYYY, YY (00-69 → 20xx, 70-99 → 19xx), MM, MON/MONTH (abbreviated or full name), DD, HH/HH24 (in COPY, HH is
 *   HH24), HH12, MI, SS (always takes an optional fraction: "SS.SSSSSS" in a format is the same element; Redshift
 *   supports fractional seconds to the microsecond; digits past 6 round), AM/PM (also A.M./P.M.), separators
 *   matched literally, white space matching a run of white space (or an ISO 'T').
 *   TZ, TZH, TZM and OF are refused: "You can't include a time zone specifier (TZ, tz, or OF) in the
 *   timeformat_string" — timestamptz/timetz instead accept an optional offset after any format ("the default
 *   TIMESTAMPTZ format is YYYY-MM-DD HH:MI:SSOF").
 *   A numeric element next to another numeric element (YYYYMMDD) has its fixed width; otherwise it takes 1..2
 *   digits (YYYY 1..7, DDD 3) so 'MM/DD/YYYY' accepts 1/5/2020.
 * 'auto' tries, in order, the forms of automatic-recognition (ISO 8601 with T and Z, Julian J2451187, BC, YYYYMMDD
 *   HHMISS, YYMMDD HHMISS, YYYY.DDD, fractional seconds, DD Mon HH:MI:SS YYYY TZ, MM/DD/YYYY … TZ, offsets ±hh[:mm],
 *   MM.DD.YYYY / DD.MM.YYYY) and the common DATEFORMAT-style dates; a time part on a DATE is dropped, a missing time
 *   on a TIMESTAMP is 00:00:00 (both from automatic-recognition). Zone names: a small table (UTC, GMT, Z, US zones).
 * 'epochsecs' / 'epochmillisecs' (TIMEFORMAT only): seconds or milliseconds since 1970-01-01 00:00:00 UTC, optional
 *   sign and fraction.
 * Default formats get a fixed-position fast path; a shorter value with the default DATEFORMAT is Redshift's
 * "Invalid date format - length must be 10 or more".
 * Errors: DATE 1205, TIMESTAMP/TIMESTAMPTZ/TIME/TIMETZ 1206; with ACCEPTANYDATE a DATE/TIMESTAMP(TZ) that fails
 * loads NULL. Ranges: DATE 4713 BC .. 5874897 AD, TIMESTAMP 4713 BC .. 294276 AD (PostgreSQL).
 * Values: days since 2000-01-01; microseconds since 2000-01-01 00:00:00 (UTC for timestamptz); timetz zone west.
 */
#include "convert/convert_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "common/sys.h"

#define USECS_PER_DAY  INT64_C(86400000000)
#define USECS_PER_SEC  INT64_C(1000000)
#define POSTGRES_EPOCH_JDATE 2451545
#define UNIX_EPOCH_US  INT64_C(946684800000000) /* 1970 → 2000 */
#define DATE_MIN_DAYS  (-POSTGRES_EPOCH_JDATE)  /* JD 0 = 4714-11-24 BC */
#define DATE_MAX_YEAR  5874897
#define TS_MAX_YEAR    294276
#define TS_MIN_US      INT64_C(-211813488000000000) /* 4714-11-24 00:00:00 BC */
#define TS_END_US      INT64_C(9223371331200000000) /* 294277-01-01 00:00:00 */

enum el_kind {
	E_LIT = 1, E_SPACE, E_YYYY, E_YY, E_MM, E_MON, E_DD, E_DDD, E_HH24, E_HH12, E_MI, E_SS, E_AMPM, E_J
};

typedef struct el {
	unsigned char kind;
	char lit;
	unsigned char minw, maxw;
} el;

#define MAX_EL   40
#define MAX_PATS 32

typedef struct pat {
	el e[MAX_EL];
	int nel;
} pat;

enum { M_PATTERN = 0, M_AUTO, M_EPOCHSECS, M_EPOCHMILLIS };

struct hd_dtfmt {
	int mode;
	bool is_time;
	bool is_default;
	char text[64];     /* for reasons, e.g. "YYYY-MM-DD HH24:MI:SS" */
	pat fmt;           /* M_PATTERN */
	pat *pats;         /* M_AUTO: date candidates */
	int npats;
};

/* Parsed fields before validation. */
typedef struct dtf {
	int year, mon, day, doy;
	bool have_year, yy2, bc, have_doy, have_jd, have_date;
	int64_t jd;
	int hour, min, sec;
	int64_t usec;
	int ampm; /* 0 none, 1 AM, 2 PM */
	bool have_time;
	bool have_tz;
	int tz_east; /* seconds east of UTC */
} dtf;

/* ---- calendar (PostgreSQL date2j / j2date) ---- */

static int64_t
date2j(int64_t y, int m, int d)
{
	int64_t julian, century;
	if (m > 2) {
		m += 1;
		y += 4800;
	} else {
		m += 13;
		y += 4799;
	}
	century = y / 100;
	julian = y * 365 - 32167;
	julian += y / 4 - century + century / 4;
	julian += 7834 * m / 256 + d;
	return julian;
}

static void
j2date(int64_t jd, int *year, int *month, int *day)
{
	uint64_t julian = (uint64_t)jd, quad, extra;
	int64_t y;

	julian += 32044;
	quad = julian / 146097;
	extra = (julian - quad * 146097) * 4 + 3;
	julian += 60 + quad * 3 + extra / 146097;
	quad = julian / 1461;
	julian -= quad * 1461;
	y = (int64_t)(julian * 4 / 1461);
	julian = ((y != 0) ? ((julian + 305) % 365) : ((julian + 306) % 366)) + 123;
	y += (int64_t)quad * 4;
	*year = (int)(y - 4800);
	quad = julian * 2141 / 65536;
	*day = (int)(julian - 7834 * quad / 256);
	*month = (int)((quad + 10) % 12 + 1);
}

int32_t
hd_date_from_ymd(int y, int m, int d)
{
	return (int32_t)(date2j(y, m, d) - POSTGRES_EPOCH_JDATE);
}

void
hd_date_to_ymd(int32_t days, int *y, int *m, int *d)
{
	j2date((int64_t)days + POSTGRES_EPOCH_JDATE, y, m, d);
}

static bool
is_leap(int y) /* astronomical year */
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* ---- compile ---- */

static bool
numeric_kind(int k)
{
	return k == E_YYYY || k == E_YY || k == E_MM || k == E_DD || k == E_DDD || k == E_HH24 || k == E_HH12 ||
	       k == E_MI || k == E_SS;
}

static int
fixed_width(int k)
{
	return k == E_YYYY ? 4 : k == E_DDD ? 3 : 2;
}

static int
flex_max(int k)
{
	return k == E_YYYY ? 7 : k == E_DDD ? 3 : 2;
}

static bool
pfx(const char *s, const char *w)
{
	return strncasecmp(s, w, strlen(w)) == 0;
}

/* internal: allow J and DDD and require 4+ digit YYYY (auto patterns) */
static hd_code
compile_pat(const char *fmt, bool internal, pat *out, hd_err *err)
{
	const char *s = fmt;
	int i;

	out->nel = 0;
	while (*s) {
		el e = {0, 0, 0, 0};
		size_t adv = 0;
		if (out->nel >= MAX_EL)
			return hd_err_set(err, HD_ERR_SYNTAX, "date/time format too long: '%s'", fmt);
		if (pfx(s, "YYYY")) { e.kind = E_YYYY; adv = 4; }
		else if (pfx(s, "YY")) { e.kind = E_YY; adv = 2; }
		else if (pfx(s, "MONTH")) { e.kind = E_MON; adv = 5; }
		else if (pfx(s, "MON")) { e.kind = E_MON; adv = 3; }
		else if (pfx(s, "MM")) { e.kind = E_MM; adv = 2; }
		else if (pfx(s, "MI")) { e.kind = E_MI; adv = 2; }
		else if (internal && pfx(s, "DDD")) { e.kind = E_DDD; adv = 3; }
		else if (pfx(s, "DD")) { e.kind = E_DD; adv = 2; }
		else if (pfx(s, "HH24")) { e.kind = E_HH24; adv = 4; }
		else if (pfx(s, "HH12")) { e.kind = E_HH12; adv = 4; }
		else if (pfx(s, "HH")) { e.kind = E_HH24; adv = 2; }
		else if (pfx(s, "SS")) {
			e.kind = E_SS;
			adv = 2;
			if (s[2] == '.' && (s[3] == 'S' || s[3] == 's')) {
				adv = 3;
				while (s[adv] == 'S' || s[adv] == 's')
					adv++;
			}
		}
		else if (pfx(s, "A.M.") || pfx(s, "P.M.")) { e.kind = E_AMPM; adv = 4; }
		else if (pfx(s, "AM") || pfx(s, "PM")) { e.kind = E_AMPM; adv = 2; }
		else if (internal && (*s == 'J')) { e.kind = E_J; adv = 1; }
		else if (pfx(s, "TZ") || pfx(s, "OF"))
			return hd_err_set(err, HD_ERR_SYNTAX,
			                  "time zone specifier (TZ, OF) is not allowed in a date/time format: '%s'", fmt);
		else if (*s == ' ' || *s == '\t') {
			e.kind = E_SPACE;
			adv = 1;
			while (s[adv] == ' ' || s[adv] == '\t')
				adv++;
		} else if (*s == 'T' || *s == 't') {
			e.kind = E_SPACE; /* ISO separator: matches T or white space */
			adv = 1;
		} else if ((unsigned char)*s < 0x80 && !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		                                         (*s >= '0' && *s <= '9'))) {
			e.kind = E_LIT;
			e.lit = *s;
			adv = 1;
		} else {
			return hd_err_set(err, HD_ERR_SYNTAX, "invalid date/time format element at '%.10s' in '%s'", s,
			                  fmt);
		}
		out->e[out->nel++] = e;
		s += adv;
	}
	for (i = 0; i < out->nel; i++) {
		el *e = &out->e[i];
		if (!numeric_kind(e->kind))
			continue;
		if ((i > 0 && numeric_kind(out->e[i - 1].kind)) ||
		    (i + 1 < out->nel && numeric_kind(out->e[i + 1].kind))) {
			e->minw = e->maxw = (unsigned char)fixed_width(e->kind);
		} else {
			e->minw = 1;
			e->maxw = (unsigned char)flex_max(e->kind);
		}
		if (internal && e->kind == E_YYYY && e->minw < 4)
			e->minw = 4;
		if (e->kind == E_DDD)
			e->minw = 3;
	}
	return HD_OK;
}

/* Date candidates for 'auto', tried in order; each may be followed by a time, a zone and BC (see rest()). */
static const char *const auto_dates[] = {
	"YYYY-MM-DD", "YYYY/MM/DD", "YYYY.MM.DD", "YYYY.DDD", "YYYYMMDD", "YYMMDD",
	"MM/DD/YYYY", "MM-DD-YYYY", "MM.DD.YYYY", "DD/MM/YYYY", "DD-MM-YYYY", "DD.MM.YYYY",
	"MON DD YYYY", "MON DD, YYYY", "MON-DD-YYYY", "MON/DD/YYYY", "DD MON YYYY", "DD-MON-YYYY", "YYYY-MON-DD",
	"MON-DD-YY", "DD-MON-YY", "MON DD, YY", "MON DD YY", "MM/DD/YY", "MM-DD-YY", "MM.DD.YY",
	"J",
};

hd_code
hd_dtfmt_compile(const char *fmt, bool is_time, hd_dtfmt **out, hd_err *err)
{
	static const char *const defaults[2] = {"YYYY-MM-DD", "YYYY-MM-DD HH:MI:SS"};
	hd_dtfmt *f;
	hd_code r;
	size_t k;

	*out = NULL;
	f = hd_calloc(1, sizeof *f);
	if (!f)
		return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
	f->is_time = is_time;
	if (!fmt)
		fmt = defaults[is_time];
	if (strlen(fmt) >= sizeof f->text) {
		free(f);
		return hd_err_set(err, HD_ERR_SYNTAX, "date/time format too long");
	}
	memcpy(f->text, fmt, strlen(fmt) + 1);
	if (strcasecmp(fmt, "auto") == 0) {
		f->mode = M_AUTO;
		f->npats = (int)(sizeof auto_dates / sizeof auto_dates[0]);
		f->pats = hd_calloc((size_t)f->npats, sizeof *f->pats);
		if (!f->pats) {
			free(f);
			return hd_err_set(err, HD_ERR_NOMEM, "out of memory");
		}
		for (k = 0; k < (size_t)f->npats; k++) {
			if ((r = compile_pat(auto_dates[k], true, &f->pats[k], err)) != HD_OK) {
				hd_dtfmt_free(f);
				return r;
			}
		}
	} else if (strcasecmp(fmt, "epochsecs") == 0 || strcasecmp(fmt, "epochmillisecs") == 0) {
		if (!is_time) {
			free(f);
			return hd_err_set(err, HD_ERR_SYNTAX, "'%s' is only valid for TIMEFORMAT", fmt);
		}
		f->mode = strcasecmp(fmt, "epochsecs") == 0 ? M_EPOCHSECS : M_EPOCHMILLIS;
	} else {
		f->mode = M_PATTERN;
		if ((r = compile_pat(fmt, false, &f->fmt, err)) != HD_OK) {
			free(f);
			return r;
		}
		if (f->fmt.nel == 0) {
			free(f);
			return hd_err_set(err, HD_ERR_SYNTAX, "empty date/time format");
		}
		f->is_default = strcasecmp(fmt, defaults[is_time]) == 0;
	}
	*out = f;
	return HD_OK;
}

void
hd_dtfmt_free(hd_dtfmt *f)
{
	if (!f)
		return;
	free(f->pats);
	free(f);
}

/* ---- matching ---- */

static bool
rd_num(const char *p, size_t n, size_t *i, int minw, int maxw, int64_t *v)
{
	size_t j = *i;
	int w = 0;
	int64_t acc = 0;
	while (j < n && w < maxw && (unsigned)((unsigned char)p[j] - '0') <= 9) {
		acc = acc * 10 + (p[j] - '0');
		j++;
		w++;
	}
	if (w < minw)
		return false;
	*v = acc;
	*i = j;
	return true;
}

/*
 * fraction after a '.', any number of digits. Up to 6 digits it is exact; longer ones round to the microsecond the
 * way PostgreSQL's ParseFractionalSecond() does, rint(strtod("0.ddd…") * 1e6), so .0000005 is 0 µs and .0000015 is
 * 2 µs (half to even on the binary double; test_differential.py compares with the server). Digits past the 40th
 * are not copied: they could only matter within 1e-40 of a rounding boundary.
 */
#define FRAC_DIGITS_MAX 40
static void
rd_frac(const char *p, size_t n, size_t *i, int64_t *us)
{
	size_t j = *i;
	int w = 0;
	int64_t acc = 0;
	char buf[FRAC_DIGITS_MAX + 3] = "0.";
	while (j < n && (unsigned)((unsigned char)p[j] - '0') <= 9) {
		if (w < 6)
			acc = acc * 10 + (p[j] - '0');
		if (w < FRAC_DIGITS_MAX)
			buf[2 + w] = p[j];
		w++;
		j++;
	}
	if (w > 6) {
		buf[2 + (w < FRAC_DIGITS_MAX ? w : FRAC_DIGITS_MAX)] = '\0';
		acc = (int64_t)rint(strtod(buf, NULL) * 1000000.0);
	} else {
		for (; w < 6; w++)
			acc *= 10;
	}
	*us = acc;
	*i = j;
}

static const char *const month_full[12] = {"january", "february", "march", "april", "may", "june", "july",
                                           "august", "september", "october", "november", "december"};

static bool
rd_month(const char *p, size_t n, size_t *i, int *mon)
{
	int m;
	for (m = 0; m < 12; m++) {
		size_t l = strlen(month_full[m]);
		if (n - *i >= l && strncasecmp(p + *i, month_full[m], l) == 0) {
			*i += l;
			*mon = m + 1;
			return true;
		}
	}
	for (m = 0; m < 12; m++) {
		if (n - *i >= 4 && m == 8 && strncasecmp(p + *i, "sept", 4) == 0) {
			*i += 4;
			*mon = 9;
			return true;
		}
		if (n - *i >= 3 && strncasecmp(p + *i, month_full[m], 3) == 0) {
			*i += 3;
			*mon = m + 1;
			return true;
		}
	}
	return false;
}

static bool
rd_ampm(const char *p, size_t n, size_t *i, int *ampm)
{
	size_t r = n - *i;
	char c;
	if (r < 2)
		return false;
	c = (char)(p[*i] | 0x20);
	if (c != 'a' && c != 'p')
		return false;
	if (r >= 4 && p[*i + 1] == '.' && (p[*i + 2] | 0x20) == 'm' && p[*i + 3] == '.') {
		*i += 4;
	} else if ((p[*i + 1] | 0x20) == 'm') {
		*i += 2;
	} else {
		return false;
	}
	*ampm = c == 'a' ? 1 : 2;
	return true;
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* Match pattern pt at p[*i..n). Stops after the last element (the rest is the caller's). If partial_ok and the input
 * ends, or has no digit next, where a E_SPACE element introduces only time elements, that is a match without time. */
static bool
match_pat(const pat *pt, const char *p, size_t n, size_t *i, dtf *f, bool partial_ok)
{
	int k;
	int64_t v;
	size_t j = *i;

	for (k = 0; k < pt->nel; k++) {
		const el *e = &pt->e[k];
		switch (e->kind) {
		case E_LIT:
			if (j >= n || p[j] != e->lit)
				return false;
			j++;
			break;
		case E_SPACE:
			/* A date without its time: the input ends here (white space aside), or white space and then no
			 * digit — a zone or BC/AD, left to rest() ('2020-01-01 BC', '2020-01-01 UTC': midnight, as
			 * PostgreSQL's timestamp_in reads them). A zone right after the date ('2020-01-01-08') is not. */
			if (partial_ok && f->have_date && !f->have_time) {
				size_t t = j;
				int kk;
				while (t < n && is_ws(p[t]))
					t++;
				if (t >= n || (t > j && (unsigned)((unsigned char)p[t] - '0') > 9)) {
					for (kk = k + 1; kk < pt->nel; kk++) {
						int kind = pt->e[kk].kind;
						if (kind != E_HH24 && kind != E_HH12 && kind != E_MI && kind != E_SS &&
						    kind != E_AMPM && kind != E_LIT && kind != E_SPACE)
							return false;
					}
					*i = j;
					return true;
				}
			}
			if (j >= n)
				return false;
			if (p[j] == 'T' || p[j] == 't') {
				j++;
				break;
			}
			if (!is_ws(p[j]))
				return false;
			while (j < n && is_ws(p[j]))
				j++;
			break;
		case E_YYYY:
		case E_YY:
			if (!rd_num(p, n, &j, e->minw, e->maxw, &v))
				return false;
			f->year = (int)v;
			f->have_year = true;
			f->yy2 = e->kind == E_YY;
			f->have_date = true;
			break;
		case E_MM:
			if (!rd_num(p, n, &j, e->minw, e->maxw, &v))
				return false;
			f->mon = (int)v;
			break;
		case E_MON:
			if (!rd_month(p, n, &j, &f->mon))
				return false;
			break;
		case E_DD:
			if (!rd_num(p, n, &j, e->minw, e->maxw, &v))
				return false;
			f->day = (int)v;
			break;
		case E_DDD:
			if (!rd_num(p, n, &j, e->minw, e->maxw, &v))
				return false;
			f->doy = (int)v;
			f->have_doy = true;
			break;
		case E_HH24:
		case E_HH12:
			if (!rd_num(p, n, &j, e->minw, e->maxw, &v))
				return false;
			f->hour = (int)v;
			f->have_time = true;
			break;
		case E_MI:
			if (!rd_num(p, n, &j, e->minw, e->maxw, &v))
				return false;
			f->min = (int)v;
			break;
		case E_SS:
			if (!rd_num(p, n, &j, e->minw, e->maxw, &v))
				return false;
			f->sec = (int)v;
			if (j < n && p[j] == '.' && !(k + 1 < pt->nel && pt->e[k + 1].kind == E_LIT &&
			                              pt->e[k + 1].lit == '.')) {
				j++;
				rd_frac(p, n, &j, &f->usec);
			}
			break;
		case E_AMPM:
			if (!rd_ampm(p, n, &j, &f->ampm))
				return false;
			break;
		case E_J:
			if (j >= n || (p[j] != 'J' && p[j] != 'j'))
				return false;
			j++;
			if (!rd_num(p, n, &j, 1, 9, &v))
				return false;
			f->jd = v;
			f->have_jd = true;
			f->have_date = true;
			break;
		default:
			return false;
		}
	}
	*i = j;
	return true;
}

/* time of day: H[H]:MI[:SS[.f]] or HHMISS, then optional [space] AM/PM */
static bool
rd_time(const char *p, size_t n, size_t *i, dtf *f)
{
	size_t j = *i, s;
	int64_t h, m = 0, sec = 0, us = 0;

	s = j;
	if (!rd_num(p, n, &j, 1, 2, &h))
		return false;
	if (j < n && p[j] == ':') {
		j++;
		if (!rd_num(p, n, &j, 2, 2, &m))
			return false;
		if (j < n && p[j] == ':') {
			j++;
			if (!rd_num(p, n, &j, 2, 2, &sec))
				return false;
			if (j < n && p[j] == '.') {
				j++;
				rd_frac(p, n, &j, &us);
			}
		}
	} else {
		/* HHMISS */
		j = s;
		if (!rd_num(p, n, &j, 6, 6, &h))
			return false;
		if (j < n && (unsigned)((unsigned char)p[j] - '0') <= 9)
			return false;
		sec = h % 100;
		m = (h / 100) % 100;
		h /= 10000;
		if (j < n && p[j] == '.') {
			j++;
			rd_frac(p, n, &j, &us);
		}
	}
	f->hour = (int)h;
	f->min = (int)m;
	f->sec = (int)sec;
	f->usec = us;
	f->have_time = true;
	s = j;
	while (j < n && is_ws(p[j]))
		j++;
	if (!rd_ampm(p, n, &j, &f->ampm))
		j = s;
	*i = j;
	return true;
}

static const struct { const char *name; int east; } zones[] = {
	{"UTC", 0}, {"GMT", 0}, {"UT", 0}, {"Z", 0}, {"ZULU", 0},
	{"EST", -5 * 3600}, {"EDT", -4 * 3600}, {"CST", -6 * 3600}, {"CDT", -5 * 3600},
	{"MST", -7 * 3600}, {"MDT", -6 * 3600}, {"PST", -8 * 3600}, {"PDT", -7 * 3600},
	{"AKST", -9 * 3600}, {"AKDT", -8 * 3600}, {"HST", -10 * 3600},
	{"CET", 1 * 3600}, {"CEST", 2 * 3600}, {"EET", 2 * 3600}, {"EEST", 3 * 3600}, {"WET", 0},
	{"BST", 1 * 3600}, {"IST", 2 * 3600} /* Israel, as PostgreSQL's Default abbreviations */, {"JST", 9 * 3600},
};

/* optional zone: [ws] (±H | ±HH | ±HH:MM | ±HHMM | name) */
static bool
rd_zone(const char *p, size_t n, size_t *i, dtf *f)
{
	size_t j = *i, z;
	int64_t h, m = 0;

	while (j < n && is_ws(p[j]))
		j++;
	if (j < n && (p[j] == '+' || p[j] == '-')) {
		int sign = p[j] == '-' ? -1 : 1;
		size_t s;
		j++;
		s = j;
		if (!rd_num(p, n, &j, 1, 4, &h))
			return false;
		if (j - s == 4) {
			m = h % 100;
			h /= 100;
		} else if (j - s == 3) {
			return false;
		} else if (j < n && p[j] == ':') {
			j++;
			if (!rd_num(p, n, &j, 2, 2, &m))
				return false;
		}
		if (h > 15 || m > 59)
			return false;
		f->tz_east = sign * (int)(h * 3600 + m * 60);
		f->have_tz = true;
		*i = j;
		return true;
	}
	for (z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		size_t l = strlen(zones[z].name);
		if (n - j >= l && strncasecmp(p + j, zones[z].name, l) == 0 &&
		    (j + l == n || !((p[j + l] | 0x20) >= 'a' && (p[j + l] | 0x20) <= 'z'))) {
			f->tz_east = zones[z].east;
			f->have_tz = true;
			*i = j + l;
			return true;
		}
	}
	return false;
}

static bool
rd_era(const char *p, size_t n, size_t *i, dtf *f)
{
	size_t j = *i;
	while (j < n && is_ws(p[j]))
		j++;
	if (n - j >= 2 && (strncasecmp(p + j, "BC", 2) == 0 || strncasecmp(p + j, "AD", 2) == 0)) {
		f->bc = (p[j] | 0x20) == 'b';
		*i = j + 2;
		return true;
	}
	return false;
}

/* After a date: [sep time] [zone] [BC|AD] [ws] end. want_time: a time is allowed. */
static bool
rest(const char *p, size_t n, size_t i, dtf *f, bool allow_time)
{
	size_t j = i;

	if (allow_time && !f->have_time && j < n && (is_ws(p[j]) || p[j] == 'T' || p[j] == 't')) {
		size_t s = j;
		dtf save = *f;
		if (p[j] == 'T' || p[j] == 't')
			j++;
		else
			while (j < n && is_ws(p[j]))
				j++;
		if (!rd_time(p, n, &j, f)) {
			*f = save;
			j = s;
		}
	}
	rd_zone(p, n, &j, f);
	rd_era(p, n, &j, f);
	while (j < n && is_ws(p[j]))
		j++;
	return j == n;
}

/* ---- validation: fields → days / time of day ---- */

static bool
finish_date(dtf *f, int64_t *days, bool ts)
{
	int64_t y;

	if (f->have_jd) {
		*days = f->jd - POSTGRES_EPOCH_JDATE;
		goto range;
	}
	if (!f->have_year)
		return false;
	y = f->year;
	if (f->bc) {
		if (y <= 0)
			return false;
		y = 1 - y;
	} else if (f->yy2) {
		y += y < 70 ? 2000 : 1900;
	} else if (y == 0) {
		return false; /* there is no year 0 */
	}
	if (y > (ts ? TS_MAX_YEAR : DATE_MAX_YEAR) || y < -4713)
		return false;
	if (f->have_doy) {
		if (f->doy < 1 || f->doy > (is_leap((int)y) ? 366 : 365))
			return false;
		*days = date2j(y, 1, 1) - POSTGRES_EPOCH_JDATE + f->doy - 1;
	} else {
		if (f->mon < 1 || f->mon > 12 || f->day < 1 || f->day > mdays((int)y, f->mon))
			return false;
		*days = date2j(y, f->mon, f->day) - POSTGRES_EPOCH_JDATE;
	}
range:
	if (*days < DATE_MIN_DAYS || *days > date2j(ts ? TS_MAX_YEAR : DATE_MAX_YEAR, 12, 31) - POSTGRES_EPOCH_JDATE)
		return false;
	return true;
}

static bool
finish_time(dtf *f, int64_t *us)
{
	int h = f->hour;

	if (!f->have_time) {
		*us = 0;
		return true;
	}
	if (f->ampm) {
		if (h < 1 || h > 12)
			return false;
		if (f->ampm == 1 && h == 12)
			h = 0;
		else if (f->ampm == 2 && h != 12)
			h += 12;
	}
	if (h < 0 || h > 24 || f->min < 0 || f->min > 59 || f->sec < 0 || f->sec > 60 || f->usec < 0 ||
	    f->usec > USECS_PER_SEC)
		return false;
	*us = ((int64_t)h * 3600 + f->min * 60 + f->sec) * USECS_PER_SEC + f->usec;
	if (*us > USECS_PER_DAY || (h == 24 && *us != USECS_PER_DAY))
		return false;
	return true;
}

/* ---- entry points ---- */

static bool
parse_auto(const hd_dtfmt *fm, const char *p, size_t n, bool allow_time, dtf *out)
{
	int k;
	size_t i;
	dtf f;
	int64_t days;

	/* "DD Mon HH:MI:SS YYYY TZ" (automatic-recognition) */
	{
		int64_t v;
		memset(&f, 0, sizeof f);
		i = 0;
		if (rd_num(p, n, &i, 1, 2, &v) && i < n && is_ws(p[i])) {
			f.day = (int)v;
			while (i < n && is_ws(p[i]))
				i++;
			if (rd_month(p, n, &i, &f.mon) && i < n && is_ws(p[i])) {
				while (i < n && is_ws(p[i]))
					i++;
				if (rd_time(p, n, &i, &f) && i < n && is_ws(p[i])) {
					while (i < n && is_ws(p[i]))
						i++;
					if (rd_num(p, n, &i, 4, 7, &v)) {
						f.year = (int)v;
						f.have_year = f.have_date = true;
						if (rest(p, n, i, &f, false) && finish_date(&f, &days, false)) {
							*out = f;
							return true;
						}
					}
				}
			}
		}
	}
	for (k = 0; k < fm->npats; k++) {
		memset(&f, 0, sizeof f);
		i = 0;
		if (!match_pat(&fm->pats[k], p, n, &i, &f, false))
			continue;
		f.have_date = true;
		if (!rest(p, n, i, &f, allow_time))
			continue;
		if (!finish_date(&f, &days, false))
			continue;
		*out = f;
		return true;
	}
	return false;
}

static bool
parse_pattern(const hd_dtfmt *fm, const char *p, size_t n, bool allow_time, dtf *f)
{
	size_t i = 0;
	memset(f, 0, sizeof *f);
	if (!match_pat(&fm->fmt, p, n, &i, f, true))
		return false;
	return rest(p, n, i, f, allow_time);
}

/* epoch: [sign] digits [. digits], scaled by unit (1e6 for secs, 1e3 for millis) → µs since 2000 */
static bool
parse_epoch(const char *p, size_t n, bool millis, int64_t *ts)
{
	size_t i = 0, s;
	bool neg = false;
	int64_t v = 0, frac = 0, unit = millis ? 1000 : USECS_PER_SEC, lim;

	while (i < n && is_ws(p[i]))
		i++;
	while (n > i && is_ws(p[n - 1]))
		n--;
	if (i < n && (p[i] == '+' || p[i] == '-')) {
		neg = p[i] == '-';
		i++;
	}
	s = i;
	lim = INT64_MAX / unit / 2;
	while (i < n && (unsigned)((unsigned char)p[i] - '0') <= 9) {
		v = v * 10 + (p[i] - '0');
		if (v > lim)
			return false;
		i++;
	}
	if (i == s)
		return false;
	if (i < n && p[i] == '.') {
		int64_t us;
		i++;
		if (i == n || (unsigned)((unsigned char)p[i] - '0') > 9)
			return false;
		rd_frac(p, n, &i, &us); /* fraction of one unit, in millionths */
		frac = millis ? (us + 500) / 1000 : us;
	}
	if (i != n)
		return false;
	v = v * unit + frac;
	if (neg)
		v = -v;
	v -= UNIX_EPOCH_US;
	if (v < TS_MIN_US || v >= TS_END_US)
		return false;
	*ts = v;
	return true;
}

static int
fail_dt(const hd_column *col, const hd_conv_opts *o, const hd_dtfmt *fm, const char *p, size_t n, hd_value *out,
        hd_convfail *fail, bool calendar)
{
	char q[48];
	if (o->acceptanydate && (col->type == HD_T_DATE || col->type == HD_T_TIMESTAMP ||
	                         col->type == HD_T_TIMESTAMPTZ)) {
		out->kind = HD_V_NULL;
		return HD_CONV_OK;
	}
	hd_conv_quote_(q, sizeof q, p, n);
	if (col->type == HD_T_DATE) {
		if (fm->is_default && n < 10)
			return hd_conv_fail_(fail, 1205, "Invalid date format - length must be 10 or more");
		if (calendar)
			return hd_conv_fail_(fail, 1205, "Invalid date value, Value '%s'", q);
		return hd_conv_fail_(fail, 1205, "Date value did not match format specified [%s], Value '%s'",
		                     fm->text, q);
	}
	if (calendar)
		return hd_conv_fail_(fail, 1206, "Invalid timestamp value, Value '%s'", q);
	return hd_conv_fail_(fail, 1206, "Invalid timestamp format or value [%s], Value '%s'", fm->text, q);
}

static inline int
d2(const char *p)
{
	unsigned a = (unsigned char)p[0] - '0', b = (unsigned char)p[1] - '0';
	return a <= 9 && b <= 9 ? (int)(a * 10 + b) : -1;
}

/* YYYY-MM-DD at p[0..10) → fields, or false */
static bool
fast_ymd(const char *p, dtf *f)
{
	int y1 = d2(p), y2 = d2(p + 2), m = d2(p + 5), d = d2(p + 8);
	if (y1 < 0 || y2 < 0 || m < 0 || d < 0 || p[4] != '-' || p[7] != '-')
		return false;
	memset(f, 0, sizeof *f);
	f->year = y1 * 100 + y2;
	f->mon = m;
	f->day = d;
	f->have_year = f->have_date = true;
	return true;
}

int
hd_conv_datetime_(const hd_column *col, const hd_conv_opts *o, const char *p, size_t n, hd_value *out,
                  hd_convfail *fail)
{
	const bool is_date = col->type == HD_T_DATE;
	const bool is_tod = col->type == HD_T_TIME || col->type == HD_T_TIMETZ;
	const bool with_tz = col->type == HD_T_TIMESTAMPTZ || col->type == HD_T_TIMETZ;
	const hd_dtfmt *fm = is_date ? o->datefmt : o->timefmt;
	dtf f;
	int64_t days = 0, tod = 0, ts;
	bool ok = false;

	if (!fm)
		return hd_conv_fail_(fail, 1200, "Internal error: no DATEFORMAT/TIMEFORMAT set up");

	if (fm->mode == M_EPOCHSECS || fm->mode == M_EPOCHMILLIS) {
		if (!parse_epoch(p, n, fm->mode == M_EPOCHMILLIS, &ts))
			return fail_dt(col, o, fm, p, n, out, fail, false);
		if (is_tod) {
			int64_t t = ts % USECS_PER_DAY;
			if (t < 0)
				t += USECS_PER_DAY;
			out->kind = col->type == HD_T_TIME ? HD_V_TIME : HD_V_TIMETZ;
			if (col->type == HD_T_TIME) {
				out->u.ts = t;
			} else {
				out->u.timetz.us = t;
				out->u.timetz.zone_west_sec = 0;
			}
			return HD_CONV_OK;
		}
		out->kind = HD_V_TIMESTAMP;
		out->u.ts = ts;
		return HD_CONV_OK;
	}

	memset(&f, 0, sizeof f);
	if (is_tod) {
		/* TIME/TIMETZ: a time of day with optional zone; or whatever the TIMEFORMAT/'auto' accepts, its time
		 * part taken */
		size_t i = 0;
		while (i < n && is_ws(p[i]))
			i++;
		if (rd_time(p, n, &i, &f) && (rd_zone(p, n, &i, &f), true)) {
			while (i < n && is_ws(p[i]))
				i++;
			ok = i == n;
		}
		if (!ok && fm->mode == M_PATTERN)
			ok = parse_pattern(fm, p, n, true, &f) && f.have_time;
		if (!ok && fm->mode == M_AUTO)
			ok = parse_auto(fm, p, n, true, &f);
		if (!ok)
			return fail_dt(col, o, fm, p, n, out, fail, false);
		if (!finish_time(&f, &tod))
			return fail_dt(col, o, fm, p, n, out, fail, true);
		if (col->type == HD_T_TIME) {
			out->kind = HD_V_TIME;
			out->u.ts = tod;
		} else {
			out->kind = HD_V_TIMETZ;
			out->u.timetz.us = tod;
			out->u.timetz.zone_west_sec = f.have_tz ? -f.tz_east : 0;
		}
		return HD_CONV_OK;
	}

	if (fm->mode == M_PATTERN && fm->is_default) {
		/* fast path: the default formats at fixed positions */
		if (is_date && n < 10)
			return fail_dt(col, o, fm, p, n, out, fail, false);
		if (n >= 10 && fast_ymd(p, &f)) {
			if (n == 10) {
				ok = true;
			} else if (!is_date && n == 19 && p[10] == ' ' && p[13] == ':' && p[16] == ':' &&
			           (f.hour = d2(p + 11)) >= 0 && (f.min = d2(p + 14)) >= 0 && (f.sec = d2(p + 17)) >= 0) {
				f.have_time = true;
				ok = true;
			}
		}
	}
	if (!ok) {
		if (fm->mode == M_AUTO)
			ok = parse_auto(fm, p, n, true, &f);
		else
			ok = parse_pattern(fm, p, n, true, &f);
		if (!ok)
			return fail_dt(col, o, fm, p, n, out, fail, false);
	}
	if (!finish_date(&f, &days, !is_date) || !finish_time(&f, &tod))
		return fail_dt(col, o, fm, p, n, out, fail, true);
	if (is_date) {
		out->kind = HD_V_DATE;
		out->u.date = (int32_t)days;
		return HD_CONV_OK;
	}
	ts = days * USECS_PER_DAY + tod;
	if (with_tz && f.have_tz)
		ts -= (int64_t)f.tz_east * USECS_PER_SEC;
	if (ts < TS_MIN_US || ts >= TS_END_US)
		return fail_dt(col, o, fm, p, n, out, fail, true);
	out->kind = HD_V_TIMESTAMP;
	out->u.ts = ts;
	return HD_CONV_OK;
}
