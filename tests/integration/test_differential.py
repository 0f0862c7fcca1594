"""Differential tests: hdcopy's conversions and CSV reader against independent implementations.

1. Conversions (src/convert/) against PostgreSQL's own input functions. For each type, a few thousand strings
   (seeded random, so every run sees the same ones, plus hand-picked edges) are loaded by hdcopy into a one-column
   table of a real PostgreSQL (one value per row, MAXERROR high so rejects land in stl_load_errors), and the same
   strings are cast with `'…'::type` on the same server, one query per type (hd_try_*() below catches the cast's
   error per value). Rules:
     - both accept: the loaded value equals the cast's (text renderings; floats with extra_float_digits = 3, which
       is the shortest exact round-trip form, so equal text = equal binary value, -0 included);
     - PostgreSQL rejects: the row is a load error in stl_load_errors with the type's Redshift err_code;
     - hdcopy rejects what PostgreSQL accepts: only where a named Redshift rule says so (REDSHIFT RULE comments,
       each checked explicitly, COPY-SPEC.md and the converter's header as the reference). Anything else fails.
2. CSV (src/format/csv.c) against Python's csv module and DuckDB's read_csv, configured with the same dialect:
   seeded files with quotes, doubled quotes, delimiters, LF / CR LF inside fields and as record ends, empty and
   empty quoted fields, unicode, DELIMITER / QUOTE AS / IGNOREHEADER; loaded into text columns (PostgreSQL and the
   SQLite target) and compared row for row.
docs/testing.md "Differential tests" lists the figures and the deliberate differences.
"""
import math
import random
import re
import struct

import pytest

from conftest import run_hdcopy, write

psycopg = pytest.importorskip("psycopg")

SEED = 20261111
MAXERROR = 100000  # Redshift's maximum

# err_code per type family (COPY-SPEC.md "Load errors")
BAD_CODES = {
    "int": {1207, 1222},
    "numeric": {1207, 1209, 1204},
    "float": {1208, 1204},
    "bool": {1210},
    "date": {1205},
    "timestamp": {1206},
}


# --------------------------------------------------------------------------------------------- value generators

def fmt_int(rng, v):
    s = str(abs(v))
    r = rng.random()
    if r < 0.15:
        s = "0" * rng.randint(1, 5) + s                       # leading zeros
    sign = "-" if v < 0 else rng.choice(["", "", "", "+"])
    s = sign + s
    r = rng.random()
    if r < 0.08:
        s = rng.choice([" ", "  ", "\t"]) + s                 # leading white space
    elif r < 0.16:
        s = s + rng.choice([" ", "   ", "\t"])                # trailing white space
    return s


def gen_int(rng, bits, n):
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    out = []
    for b in (lo, hi):                                        # the overflow boundaries, each side
        for d in (-2, -1, 0, 1, 2):
            out.append(str(b + d))
    out += [str(lo).replace("-", "-0000"), "+" + str(hi), " " + str(hi) + " ", str(10 ** 19), str(-(10 ** 19)),
            "9" * 30, "-" + "9" * 30, "18446744073709551616", "-9223372036854775809", "9223372036854775808",
            "0", "-0", "+0", "00000", "+", "-", " ", "  \t ", "1.0", "1.", ".5", "1e3", "12a", "a12", "--1", "+-1",
            "- 1", "1 2", "0x10", "1_000", "\u0661", "\uff11", "1,000", "١", "\v7\f", "7\v"]
    while len(out) < n:
        r = rng.random()
        if r < 0.4:
            v = rng.randint(lo, hi)
        elif r < 0.55:
            v = rng.choice((lo, hi)) + rng.randint(-1000, 1000)  # around (and past) the boundaries
        elif r < 0.7:
            v = rng.choice((-1, 1)) * rng.randint(0, 10 ** rng.randint(0, 21))
        else:
            v = rng.randint(-100000, 100000)
        s = fmt_int(rng, v)
        if rng.random() < 0.08:                               # a random corruption
            i = rng.randrange(len(s) + 1)
            s = s[:i] + rng.choice("+-.e x,") + s[i:]
        out.append(s)
    return out


def gen_numeric(rng, n):
    out = ["0", "-0", "0.000", "-0.001", "0.005", "-0.005", "0.004999", "99999999.99", "99999999.994",
           "99999999.995", "99999999.999", "-99999999.995", "100000000", "1e8", "9.9999999999e7", "1e-2", "1E+2",
           "1.5e3", "1.23456e-3", "  12.5  ", "+.5", ".5", "5.", "-.5e1", "1e", "e1", ".", "+", "-", "1.2.3",
           "1e+", "1e-", "1e1.5", "NaN", "nan", "Infinity", "-Infinity", "inf", "1e 5", "1e +5", "1 e5", "- 1",
           "12,5", "0x1F", "1_0", "9" * 40, "0." + "0" * 40 + "1", "1e-1001", "1e1001", "1e100", "1e-100",
           "123456789012345678901234567890.123456789", "\t7\f", "00012.3400", "+0.0e-0"]
    while len(out) < n:
        r = rng.random()
        ni = rng.choice([0, 1, 1, 2, 3, 5, 8, 9, 10, 12, 20])
        nf = rng.choice([0, 0, 1, 2, 2, 3, 4, 6, 12])
        ip = "".join(rng.choice("0123456789") for _ in range(ni))
        fp = "".join(rng.choice("0123456789") for _ in range(nf))
        if r < 0.3 and nf:
            fp = fp[:-1] + rng.choice("4569")                  # rounding digits
        s = ip + ("." + fp if nf or rng.random() < 0.05 else "")
        if rng.random() < 0.12:
            s += rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randint(0, 12))
        s = rng.choice(["", "", "", "-", "+"]) + s
        if rng.random() < 0.1:
            s = rng.choice([" ", "\t"]) + s + rng.choice(["", " "])
        if rng.random() < 0.05:
            i = rng.randrange(len(s) + 1)
            s = s[:i] + rng.choice("+-.e x") + s[i:]
        if s.strip() == "":
            s = "1"
        out.append(s)
    return out


def gen_float(rng, n, single):
    out = ["0", "-0", "0.0", "-0.0", "1", "-1", "0.1", "1e308", "1.7976931348623157e308", "1.7976931348623158e308",
           "1.8e308", "-1.8e308", "1e309", "4.9e-324", "5e-324", "2.5e-324", "2.4e-324", "1e-320", "1e-400",
           "2.2250738585072014e-308", "3.4028235e38", "3.4028236e38", "3.5e38", "-3.5e38", "1.4e-45", "1e-45",
           "8e-46", "7e-46", "1e-46", "1.17549435e-38", "1e-40", "0.1e-45", "NaN", "nan", "NAN", " nan ", "-NaN",
           "+nan", "Inf", "inf", "-inf", "+INF", "Infinity", "-Infinity", "+infinity", " infinity ", "infinit",
           "infinityy", "nana", "in", "1e", "e5", ".", "-", "+", "1.2.3", "1e+", "--1", "1 e5", "1e 5", "0x1p3",
           "0X10", "nan(123)", "1,5", "1_0", "  3.25  ", "\t-2.5e-3\v", ".5", "5.", "-.5E+2", "00001.5",
           "1" + "0" * 400, "0." + "0" * 330 + "1", "1" * 600, "123456789.123456789", "\u0661"]
    while len(out) < n:
        r = rng.random()
        if r < 0.3:
            v = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]  # any double
            s = repr(v)
        elif r < 0.5:
            v = struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0]  # any float
            s = ("%." + str(rng.randint(1, 12)) + "g") % v
        elif r < 0.75:
            v = rng.uniform(-1, 1) * 10 ** rng.randint(-50, 50)
            s = ("%." + str(rng.randint(0, 20)) + rng.choice("efg")) % v
        else:
            ni, nf = rng.randint(0, 25), rng.randint(0, 25)
            s = "".join(rng.choice("0123456789") for _ in range(ni))
            if nf or not ni:
                s += "." + "".join(rng.choice("0123456789") for _ in range(nf))
            if rng.random() < 0.3:
                s += "e" + rng.choice(["", "-", "+"]) + str(rng.randint(0, 400))
            s = rng.choice(["", "-", "+"]) + s
        if rng.random() < 0.05:
            s = " " + s + " "
        if rng.random() < 0.04:
            i = rng.randrange(len(s) + 1)
            s = s[:i] + rng.choice("+-.e x") + s[i:]
        if s.strip() == "":
            s = "0"
        out.append(s)
    return out


BOOL_WORDS = ["t", "true", "y", "yes", "1", "f", "false", "n", "no", "0"]
BOOL_PG_ONLY = ["on", "off", "of", "tr", "tru", "fa", "fal", "fals", "ye"]


def gen_bool(rng, n):
    out = list(BOOL_WORDS) + list(BOOL_PG_ONLY) + [
        "TRUE", "False", "YES", "No", " t ", "\ttrue\v", "o", "2", "-1", "01", "10", "truee", "yess", "nope", "t r",
        "ttrue", "+1", "1.0", "tRuE", "\u0131"]
    while len(out) < n:
        w = rng.choice(BOOL_WORDS + BOOL_WORDS + BOOL_PG_ONLY + ["x", "2", "nah", "yep", "truth"])
        w = "".join(c.upper() if rng.random() < 0.4 else c for c in w)
        if rng.random() < 0.15:
            w = rng.choice([" ", "\t", "  "]) + w + rng.choice(["", " ", "\t"])
        if rng.random() < 0.05:
            w += rng.choice("aex1")
        out.append(w)
    return out


def rand_date(rng):
    r = rng.random()
    if r < 0.1:
        y = rng.choice([1, 2, 4, 99, 100, 400, 1582, 1600, 1700, 1900, 1999, 2000, 2024, 2100, 4000, 9999])
    elif r < 0.15:
        y = rng.randint(1, 4713)
    else:
        y = rng.randint(1000, 2999)
    m = rng.randint(1, 12) if rng.random() < 0.95 else rng.choice([0, 13])
    d = rng.randint(1, 28) if rng.random() < 0.75 else rng.choice([0, 29, 29, 29, 30, 31, 32])
    return y, m, d


def fmt_date(rng, y, m, d):
    if rng.random() < 0.92:
        s = "%04d-%02d-%02d" % (y, m, d)
    else:
        s = "%d-%d-%d" % (y, m, d)
    if rng.random() < 0.03:
        s += " BC"
    return s


def gen_date(rng, n):
    out = ["2000-02-29", "1900-02-29", "2100-02-29", "2024-02-29", "2023-02-29", "1600-02-29", "2000-02-30",
           "1999-12-31", "2000-01-01", "0001-01-01", "0000-01-01", "0001-01-01 BC", "4713-01-01 BC",
           "4714-11-24 BC", "4714-11-23 BC", "4714-01-01 BC", "9999-12-31", "10000-01-01", "99999-12-31",
           "5874897-12-31", "5874898-01-01", "2020-13-01", "2020-00-10", "2020-04-31", "2020-04-30",
           "2020-01-01 ", "2020-01-01\t", " 2020-01-01", "2020-1-5  ", "2020-01-01 00:00:00", "2020-01-01 12:34:56",
           "2020-01-01T12:34:56", "2020-01-01 24:00:00", "20200101", "2020/01/01", "01/02/2020", "Jan 1 2020",
           "2020-Jan-01", "2020-01-01x", "2020-01-0", "2020-01", "2020", "epoch", "infinity", "-infinity",
           "today", "2020--01-01", "+2020-01-01", "-2020-01-01", "2020-01-01 AD", "2020-01-01 bc", "2020-01-01BC",
           "2020-01-01 +05"]
    while len(out) < n:
        y, m, d = rand_date(rng)
        if rng.random() < 0.05:
            m, d = 2, 29
        s = fmt_date(rng, y, m, d)
        r = rng.random()
        if r < 0.04:
            s += " "
        elif r < 0.06:
            s += " %02d:%02d:%02d" % (rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
        out.append(s)
    return out


ZONES = ["Z", "UTC", "+00", "+05", "-08", "+05:30", "-03:30", "+0530", "-1100", "+14", "-12", "+15", "-15:59",
         "+16", "+5", "+05:3", "+05:60", "GMT", "EST", "PDT", "CET", "JST", " +02", " UTC"]


def fmt_time(rng, frac_ok=True):
    r = rng.random()
    h = rng.randint(0, 23) if r < 0.93 else rng.choice([24, 25, 99])
    mi = rng.randint(0, 59) if rng.random() < 0.95 else rng.choice([60, 99])
    s = rng.randint(0, 59) if rng.random() < 0.95 else rng.choice([60, 61])
    t = "%02d:%02d:%02d" % (h, mi, s)
    if frac_ok and rng.random() < 0.5:
        t += "." + "".join(rng.choice("0123456789") for _ in range(rng.choice([1, 2, 3, 4, 5, 6, 6, 6])))
    return t


def gen_timestamp(rng, n, tz):
    out = ["2000-01-01 00:00:00", "1999-12-31 23:59:59.999999", "1999-12-31 23:59:59.9999995",
           "1999-12-31 23:59:59.9999994", "2000-01-01 00:00:00.0000005", "2000-01-01 00:00:00.0000015",
           "2000-01-01 00:00:00.123456789", "2000-02-29 12:00:00", "1900-02-29 12:00:00", "2020-01-01 24:00:00",
           "2020-01-01 24:00:01", "2020-01-01 23:59:60", "2020-01-01 23:59:60.5", "2020-01-01 23:60:00",
           "2020-01-01 00:00:00 BC", "4713-01-01 00:00:00 BC", "4714-11-24 00:00:00 BC", "4714-11-23 23:59:59 BC",
           "294276-12-31 23:59:59.999999", "294277-01-01 00:00:00", "9999-12-31 23:59:59", "2020-01-01",
           "2020-01-01T10:11:12", "2020-01-01 10:11", "2020-01-01 10", "2020-01-01 1:2:3", "2020-01-01  10:11:12",
           " 2020-01-01 10:11:12", "2020-01-01 10:11:12 ", "2020-01-01 10:11:12.", "2020-01-01 10:11:12.5 PM",
           "2020-01-01 10:11:12 AM", "20200101 101112", "2020-01-01 10:11:12+05", "2020-01-01 10:11:12-08:00",
           "2020-01-01 10:11:12Z", "2020-01-01 10:11:12 UTC", "2020-01-01 10:11:12 IST", "2020-01-01 10:11:12 EST",
           "2020-07-01 10:11:12 UT", "2020-07-01 10:11:12 ZULU", "2020-07-01 10:11:12 AKST", "2020-07-01 10:11:12 AKDT",
           "2020-07-01 10:11:12 HST", "2020-07-01 10:11:12 CEST", "2020-07-01 10:11:12 EET", "2020-07-01 10:11:12 EEST",
           "2020-07-01 10:11:12 WET", "2020-07-01 10:11:12 BST", "2020-07-01 10:11:12 MST", "2020-07-01 10:11:12 MDT",
           "2020-07-01 10:11:12 CST", "2020-07-01 10:11:12 CDT", "2020-07-01 10:11:12 EDT", "2020-07-01 10:11:12 GMT",
           "2020-07-01 10:11:12 utc", "2020-07-01 10:11:12 z", "2020-01-01 BC", "2020-01-01 UTC", "2020-01-01Z",
           "2020-01-01 +05", "2020-01-01T", "2020-01-01 x", "2020-01-01   ", "2020-01-01T 10:11:12",
           "2020-01-01 10:11:12+05:30:15", "2020-01-01 10:11:12+1", "2020-01-01 10:11:12 +0100",
           "2020-06-30 23:59:59.999999-14:00", "294276-12-31 23:59:59+01", "4714-11-24 00:00:00-01 BC",
           "epoch", "infinity", "now", "2020-01-01 allballs", "2020-01-01 10:11:12 America/New_York"]
    while len(out) < n:
        y, m, d = rand_date(rng)
        s = fmt_date(rng, y, m, d)
        bc = s.endswith(" BC")
        if bc:
            s = s[:-3]
        sep = " " if rng.random() < 0.9 else "T"
        if rng.random() < 0.97:
            s += sep + fmt_time(rng)
        if tz and rng.random() < 0.6:
            s += rng.choice(ZONES)
        elif not tz and rng.random() < 0.05:
            s += rng.choice(["+05", "Z", " UTC"])
        if bc:
            s += " BC"
        out.append(s)
    return out


# ------------------------------------------------------------------------------------------------- comparison


class Case:
    """One column type: strings, the PostgreSQL expression that gives the reference value, and the Redshift rules
    where hdcopy deliberately differs. expected(s, pg) → ('ok', text) or ('err', None) for what hdcopy must do, or
    None to follow PostgreSQL."""

    def __init__(self, name, coltype, family, values, expr=None, options="", rules=None):
        self.name, self.coltype, self.family, self.values = name, coltype, family, values
        self.expr = expr or f"x::{coltype}"
        self.options = options
        self.rules = rules or (lambda s, pg: None)


def try_function(case):
    # One PL/pgSQL function per case: the cast per value, an error caught per value (a subtransaction each).
    return f"""
CREATE FUNCTION hd_try_{case.name}(vals text[]) RETURNS TABLE(i int, v text, err text) LANGUAGE plpgsql AS $f$
DECLARE x text;
BEGIN
  FOR k IN 1 .. coalesce(array_length(vals, 1), 0) LOOP
    i := k; x := vals[k];
    BEGIN
      v := ({case.expr})::text; err := NULL;
    EXCEPTION WHEN others THEN
      v := NULL; err := SQLSTATE;
    END;
    RETURN NEXT;
  END LOOP;
END $f$"""


def connect(db):
    con = psycopg.connect(db.conninfo, autocommit=True)
    con.execute("SET extra_float_digits = 3")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET DateStyle = 'ISO, MDY'")
    return con


def run_cases(db, tmp_path, cases):
    con = connect(db)
    script = []
    for c in cases:
        con.execute(f"CREATE TABLE d_{c.name} (id int, v {c.coltype})")
        con.execute(try_function(c))
        for s in c.values:
            assert "|" not in s and "\n" not in s and "\\" not in s and s != "" and "\r" not in s, repr(s)
        f = write(tmp_path / f"{c.name}.txt", "".join(f"{i}|{s}\n" for i, s in enumerate(c.values, 1)))
        script.append(f"COPY d_{c.name} FROM '{f}' MAXERROR {MAXERROR} {c.options};")
    # one hdcopy run, one COPY per type
    r = run_hdcopy("-q", "-j", "1", "\n".join(script), db=db, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    problems, stats = [], {}
    for c in cases:
        ref = con.execute(f"SELECT i, v, err FROM hd_try_{c.name}(%s)", (c.values,)).fetchall()
        # rules that say "what PostgreSQL gives for this other spelling": one more query for those
        alias = {i: c.rules(c.values[i - 1], None if perr else pv) for i, pv, perr in ref}
        alias = {i: w[1] for i, w in alias.items() if w and w[0] == "as"}
        if alias:
            ids = sorted(alias)
            aref = con.execute(f"SELECT i, v FROM hd_try_{c.name}(%s)", ([alias[i] for i in ids],)).fetchall()
            alias = {ids[k - 1]: v for k, v in aref}
        loaded = dict(con.execute(f"SELECT id, v::text FROM d_{c.name}").fetchall())
        errs = dict(con.execute("SELECT line_number, err_code FROM hdcopy.stl_load_errors WHERE tbl = %s::regclass",
                                (f"d_{c.name}",)).fetchall())
        assert len(loaded) + len(errs) == len(c.values), c.name
        st = stats.setdefault(c.name, {"values": len(c.values), "both_ok": 0, "both_err": 0, "rule": 0})
        for i, pv, perr in ref:
            s = c.values[i - 1]
            want = c.rules(s, None if perr else pv)
            if want is not None and want[0] == "as":
                want = ("ok", alias[i]) if alias[i] is not None else ("err", None)
            got_ok, got = (i in loaded), loaded.get(i)
            shown = repr(got) if got_ok else f"error {errs.get(i)}"
            if want is not None:
                st["rule"] += 1
                kind, val = want
                if kind == "ok" and not (got_ok and got == val):
                    problems.append(f"{c.name} {s!r}: Redshift rule wants {val!r}, hdcopy "
                                    f"{shown} (PostgreSQL: {pv or perr})")
                elif kind == "err" and (got_ok or errs.get(i) not in BAD_CODES[c.family]):
                    problems.append(f"{c.name} {s!r}: Redshift rule wants a load error, hdcopy "
                                    f"{shown} (PostgreSQL: {pv or perr})")
                continue
            if perr:
                st["both_err"] += 1
                if got_ok:
                    problems.append(f"{c.name} {s!r}: PostgreSQL rejects ({perr}), hdcopy loaded {got!r}")
                elif errs.get(i) not in BAD_CODES[c.family]:
                    problems.append(f"{c.name} {s!r}: err_code {errs.get(i)}, want one of {BAD_CODES[c.family]}")
            else:
                st["both_ok"] += 1
                if not got_ok:
                    problems.append(f"{c.name} {s!r}: PostgreSQL gives {pv!r}, hdcopy rejects ({errs.get(i)})")
                elif got != pv:
                    problems.append(f"{c.name} {s!r}: PostgreSQL gives {pv!r}, hdcopy loaded {got!r}")
    con.close()
    return problems, stats


def report(problems, stats):
    for name, st in stats.items():
        print(f"{name}: {st}")
    assert not problems, f"{len(problems)} discrepancies:\n" + "\n".join(problems[:400])


# ------------------------------------------------------------------------------------------------- Redshift rules
# Each returns ('ok', value) / ('err', None) when a Redshift rule decides, None to follow PostgreSQL.

def rule_int(s, pg):
    return None  # int2/int4/int8: Redshift and PostgreSQL agree on the whole domain (int.c)


def rule_numeric_common(s, pg):
    # REDSHIFT RULE (numeric.c): DECIMAL has no NaN and no infinities; PostgreSQL 14+ numeric has both.
    if s.strip().lower().lstrip("+-") in ("nan", "infinity", "inf"):
        return ("err", None)
    # REDSHIFT RULE (numeric.c): the exponent's digits follow 'e' and its sign directly. PostgreSQL reads the
    # exponent with strtol(), which skips white space: '1e 5' and '1e +5' are 100000 there.
    if re.search(r"[eE]\s", s.strip()):
        return ("err", None)
    return None


def rule_float(s, pg):
    t = s.strip().lower().lstrip("+-")
    # REDSHIFT RULE (float.c): only decimal text and NaN/Inf/Infinity. PostgreSQL's float4in/float8in hand the
    # text to the C library's strtod(), which also reads hex floats ('0x1p3') and 'nan(chars)'.
    if t.startswith("0x") or re.fullmatch(r"nan\(.*\)", t):
        return ("err", None)
    # REDSHIFT RULE (float.c, test_convert.c): no sign on NaN ('-nan' is 1208); strtod() reads '-NaN' as NaN.
    if t == "nan" and s.strip()[0] in "+-":
        return ("err", None)
    return None


def rule_bool(s, pg):
    # REDSHIFT RULE (bool.c, r_Boolean_type): the literals are t true y yes 1 / f false n no 0, case-insensitive,
    # white space around ignored. PostgreSQL's boolin also takes 'on'/'off' and unique prefixes ('tr', 'fal', 'of').
    t = s.strip(" \t\n\r\v\f").lower()
    if t in BOOL_WORDS:
        return ("ok", "true" if t in ("t", "true", "y", "yes", "1") else "false")
    return ("err", None) if pg is not None else None


ISO_DATE = r"\d{1,7}-\d{1,2}-\d{1,2}"


HD_ZONE_WORDS = {"UTC", "GMT", "UT", "Z", "ZULU", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "AKST",
                 "AKDT", "HST", "CET", "CEST", "EET", "EEST", "WET", "BST", "IST", "JST", "BC", "AD"}


def short_year(s):
    # REDSHIFT RULE (datetime.c, YYYY): the first field of 'YYYY-MM-DD' is the year whatever its width ('4-6-27' is
    # 27 June of year 4). PostgreSQL reads a first field of 1 or 2 digits by DateStyle (MDY: 4 June 2027), so the
    # reference is the server's value for the year written with 4 digits.
    m = re.match(r"(\d{1,2})-", s)
    return ("as", m.group(1).zfill(4) + s[m.end(1):]) if m else None


def rule_date(s, pg):
    # REDSHIFT RULE (datetime.c, default DATEFORMAT 'YYYY-MM-DD'): the value must match the format; a value shorter
    # than 10 bytes is "Invalid date format - length must be 10 or more". PostgreSQL's date_in reads any layout
    # (20200101, 01/02/2020, Jan 1 2020, 'epoch', 'today', 'infinity', ...). The format is matched from the first
    # byte (no leading white space, no sign); after the date, a time, a zone and BC/AD may follow, then white space.
    if len(s) < 10 or not re.match(ISO_DATE + r"(?![\d])", s):
        return ("err", None)
    return short_year(s)


def rule_timestamp(s, pg):
    # REDSHIFT RULE (datetime.c, default TIMEFORMAT 'YYYY-MM-DD HH:MI:SS'): the date, then optionally ' ' or 'T' and
    # H:MI:SS with an optional fraction (all three time fields, or none). Other PostgreSQL layouts ('20200101
    # 101112', '10:11' without seconds, 'epoch', 'now', 'allballs') are errors, and so is an AM/PM the format does
    # not have.
    if not re.match(ISO_DATE + r"(?![\d])", s):
        return ("err", None)
    rest = re.sub("^" + ISO_DATE, "", s)
    if re.match(r"T", rest, re.I) and not re.match(r"T\d{1,2}:\d{1,2}:\d{1,2}", rest, re.I):
        return ("err", None)                                  # 'T' is followed by the time
    if re.match(r"\s+\d", rest) and not re.match(r"\s+\d{1,2}:\d{1,2}:\d{1,2}", rest):
        return ("err", None)                                  # a time has its three fields
    if re.match(r"[^\sT]", rest, re.I):
        return ("err", None)                                  # a zone after the date needs white space first
    if re.search(r"\d\s*(AM|PM|am|pm)\b", rest):
        return ("err", None)
    # REDSHIFT RULE (automatic-recognition: offsets ±hh[:mm]; datetime.c rd_zone): an offset has whole minutes
    # written with two digits; PostgreSQL also reads '+05:3' (5 h 3 min) and seconds ('+05:30:15').
    if re.search(r"[+-]\d{1,2}:\d(?!\d)|[+-]\d{1,2}:\d\d:\d", rest):
        return ("err", None)
    # KNOWN LIMITATION (datetime.c "Zone names: a small table"): full tz database names ('America/New_York') are
    # not known to hdcopy; PostgreSQL reads them (and ignores them for timestamp without time zone).
    # The same for zone abbreviations beyond hdcopy's table, and PostgreSQL's special words ('allballs').
    if "/" in rest or any(w.upper() not in HD_ZONE_WORDS for w in re.findall(r"[A-Za-z]+", rest.lstrip("Tt"))):
        return ("err", None)
    return short_year(s)


# ------------------------------------------------------------------------------------------------- the tests

N = 2500  # random values per type (+ the hand-picked ones)


def conversion_cases():
    rng = random.Random(SEED)
    nums = gen_numeric(rng, N)
    cases = [
        Case("int2", "int2", "int", gen_int(rng, 16, N), rules=rule_int),
        Case("int4", "int4", "int", gen_int(rng, 32, N), rules=rule_int),
        Case("int8", "int8", "int", gen_int(rng, 64, N), rules=rule_int),
        # REDSHIFT RULE (copy-parameters-data-conversion ROUNDEC, numeric.c): without ROUNDEC extra fractional digits
        # are truncated; PostgreSQL's numeric(p,s) input rounds. So the reference truncates first: trunc(x, s).
        Case("num10_2", "numeric(10,2)", "numeric", nums, expr="trunc(x::numeric, 2)::numeric(10,2)",
             rules=rule_numeric_common),
        # With ROUNDEC, rounding half away from zero: PostgreSQL's own numeric(p,s) input.
        Case("num10_2r", "numeric(10,2)", "numeric", nums, options="ROUNDEC", rules=rule_numeric_common),
        Case("num5_0", "numeric(5,0)", "numeric", nums, expr="trunc(x::numeric, 0)::numeric(5,0)",
             rules=rule_numeric_common),
        Case("num38_10r", "numeric(38,10)", "numeric", nums, options="ROUNDEC", rules=rule_numeric_common),
        Case("num", "numeric", "numeric", nums, rules=rule_numeric_common),
        Case("float4", "float4", "float", gen_float(rng, N, True), rules=rule_float),
        Case("float8", "float8", "float", gen_float(rng, N, False), rules=rule_float),
        Case("bool", "bool", "bool", gen_bool(rng, N // 2), rules=rule_bool),
        Case("date", "date", "date", gen_date(rng, N), rules=rule_date),
        Case("ts", "timestamp", "timestamp", gen_timestamp(rng, N, False), rules=rule_timestamp),
        Case("tstz", "timestamptz", "timestamp", gen_timestamp(rng, N, True), rules=rule_timestamp),
    ]
    return cases


def test_conversions_match_postgresql_input_functions(db, tmp_path):
    problems, stats = run_cases(db, tmp_path, conversion_cases())
    report(problems, stats)


# ------------------------------------------------------------------------------------------------- CSV

import csv as pycsv  # noqa: E402
import io  # noqa: E402

NCOLS = 5
PIECES = ["abc", "x", "hello world", "42", "  lead", "trail  ", "a b", "é", "über", "日本語", "🙂", "ß", "-", ".",
          "NULL", "null", "\\", "\\N", "\t"]


def csv_field(rng, d, q):
    """One field's value and how it is written. Returns (value, text)."""
    r = rng.random()
    if r < 0.08:
        value = ""
    else:
        parts = []
        for _ in range(rng.randint(1, 4)):
            x = rng.random()
            if x < 0.55:
                parts.append(rng.choice(PIECES))
            elif x < 0.65:
                parts.append(d)
            elif x < 0.75:
                parts.append(q)
            elif x < 0.82:
                parts.append("\n")
            elif x < 0.87:
                parts.append("\r\n")
            elif x < 0.89:
                parts.append("\r")
            elif x < 0.94:
                parts.append(q + q)
            else:
                parts.append(" ")
        value = "".join(parts)
    must = any(c in value for c in (d, q, "\n", "\r")) or value == "\\N" or value.strip(" \t") != value
    # REDSHIFT RULE (csv.c): white space before an opening quote is skipped ("white space between the delimiters
    # and the quote characters is ignored"); Python's csv and DuckDB keep it, so an unquoted field never starts
    # with blanks that could precede a quote: fields with outer blanks are quoted. Unquoted \N is NULL (NULL AS's
    # default '\N'): it is always quoted here and checked on its own in test_csv_redshift_rules.
    if must or rng.random() < 0.3:
        return value, q + value.replace(q, q + q) + q
    return value, value


DIALECTS = [
    # (name, delimiter, quote, ignoreheader, line end, COPY options)
    ("comma", ",", '"', 0, None, "CSV"),
    ("pipe_pct_hdr1", "|", "%", 1, None, "CSV QUOTE AS '%' DELIMITER '|' IGNOREHEADER 1"),
    ("tab_apos", "\t", "'", 0, None, "CSV QUOTE AS '''' DELIMITER '\\t'"),
    ("semi_crlf_hdr2", ";", '"', 2, "\r\n", "FORMAT AS CSV DELIMITER ';' IGNOREHEADER 2"),
]


def gen_csv(rng, d, q, header, eol, nrows):
    out, rows = [], []
    for h in range(header):
        out.append(d.join(["id"] + [f"c{k}" for k in range(1, NCOLS + 1)]) + (eol or "\n"))
    for i in range(1, nrows + 1):
        vals, texts = [], []
        for _ in range(NCOLS):
            v, t = csv_field(rng, d, q)
            vals.append(v)
            texts.append(t)
        rows.append([str(i)] + vals)
        end = eol or rng.choice(["\n", "\r\n"])
        if i == nrows and rng.random() < 0.5:
            end = ""
        out.append(d.join([str(i)] + texts) + end)
    return "".join(out), rows


def read_python(text, d, q, header):
    rd = pycsv.reader(io.StringIO(text, newline=""), delimiter=d, quotechar=q, doublequote=True, strict=True)
    return [row for k, row in enumerate(rd) if k >= header]


def sql_lit(s):
    return "'" + s.replace("'", "''") + "'"


def read_duckdb(path, d, q, header, eol):
    import duckdb
    cols = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in ["id"] + [f"c{k}" for k in range(1, NCOLS + 1)]) + "}"
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT * FROM read_csv({sql_lit(str(path))}, delim={sql_lit(d)}, quote={sql_lit(q)}, "
            f"escape={sql_lit(q)}, header=false, skip={header}, auto_detect=false, columns={cols}, "
            f"nullstr={sql_lit(chr(92) + 'N')}, allow_quoted_nulls=false, "
            f"new_line={sql_lit(eol.encode('unicode_escape').decode() if eol else chr(92) + 'n')}, strict_mode=false)").fetchall()
    finally:
        con.close()
    return [list(r) for r in rows]


def fetch_rows(tdb, table, ncols):
    sel = f"SELECT * FROM {table} ORDER BY 1"
    if tdb.kind == "pg":
        with psycopg.connect(tdb.conninfo) as con:
            rows = con.execute(sel).fetchall()
    else:
        import sqlite3
        con = sqlite3.connect(tdb.path)
        rows = con.execute(sel).fetchall()
        con.close()
    return [[str(r[0])] + list(r[1:]) for r in rows]


@pytest.fixture(scope="module")
def duckdb_mod():
    return pytest.importorskip("duckdb")


@pytest.mark.parametrize("dialect", DIALECTS, ids=[x[0] for x in DIALECTS])
def test_csv_matches_python_and_duckdb(tdb, tmp_path, dialect, duckdb_mod):
    name, d, q, header, eol, options = dialect
    rng = random.Random(f"{SEED}-{name}")
    text, want = gen_csv(rng, d, q, header, eol, 400)
    path = write(tmp_path / f"{name}.csv", text.encode("utf-8"))
    # the generator's rows are the truth; both readers must agree with it (else the generator is wrong)
    assert read_python(text, d, q, header) == want
    assert read_duckdb(path, d, q, header, eol) == want
    cols = ", ".join(f"c{k} text" for k in range(1, NCOLS + 1))
    tdb.sql(f"CREATE TABLE t (id int, {cols})")
    tdb.sql(f"CREATE TABLE e (id int, {cols})")
    r = run_hdcopy(f"COPY t FROM '{path}' {options}", f"COPY e FROM '{path}' {options} EMPTYASNULL", db=tdb)
    assert r.returncode == 0, r.stdout + r.stderr
    assert fetch_rows(tdb, "t", NCOLS) == want
    # REDSHIFT RULE (copy-parameters-data-conversion, EMPTYASNULL): empty CHAR/VARCHAR fields, "" included, load
    # NULL; the readers give ''.
    assert fetch_rows(tdb, "e", NCOLS) == [[v if v != "" else None for v in row] for row in want]


def test_csv_redshift_rules(tdb, tmp_path, duckdb_mod):
    # Where Redshift's CSV differs from the readers, each rule is checked explicitly against the readers' output.
    data = ('1,\\N,"\\N"\n'            # NULL AS default '\N': unquoted \N is NULL, quoted is data (readers: '\N')
            '2, "a,b" ,c\n'            # blanks around a quoted field are skipped (readers: ' "a' and 'b" ')
            '3,,""\n'                 # empty and empty quoted: '' into text (both readers with nullstr '\N')
            '4,ab"c",x\n')            # a quote inside an unquoted field: 1214 (csv.c), Python keeps it as data
    path = write(tmp_path / "rules.csv", data)
    tdb.sql("CREATE TABLE t (id int, a text, b text)")
    r = run_hdcopy(f"COPY t FROM '{path}' CSV MAXERROR 1", db=tdb)
    assert r.returncode == 0, r.stdout + r.stderr
    py = read_python(data, ",", '"', 0)
    assert py[0] == ["1", "\\N", "\\N"] and py[2] == ["3", "", ""]
    assert py[1] == ["2", ' "a', 'b" ', "c"]                  # Python: 4 fields; hdcopy: 3
    assert py[3] == ["4", 'ab"c"', "x"]
    assert fetch_rows(tdb, "t", 2) == [["1", None, "\\N"], ["2", "a,b", "c"], ["3", "", ""]]
    assert tdb.sql(f"SELECT line_number, err_code FROM {tdb.errors_table}") == [["4", "1214"]]
