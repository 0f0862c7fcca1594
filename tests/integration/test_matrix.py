"""Format × codec × option: the same rows written as delimited text, CSV, fixed-width and JSON, compressed with each
codec, loaded into PostgreSQL — and into the embedded SQLite target — with the conversion options each format allows,
and every loaded value compared with what the option must produce."""
import bz2
import gzip
import json
import subprocess
from datetime import date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pytest

from conftest import run_hdcopy, write

FORMATS = ["delimited", "csv", "fixedwidth", "json"]
CODECS = ["none", "gzip", "bzip2", "zstd", "lzop"]
COLS = ["id", "name", "price", "d", "ts", "flag", "note"]
WIDTHS = [4, 12, 10, 10, 19, 5, 24]
DDL = ("CREATE TABLE t (id int, name varchar(8), price numeric(8,2), d date, ts timestamp, flag boolean, "
       "note text)")

BASE = [
    (1, "alpha", "12.50", date(2024, 1, 31), datetime(2024, 1, 31, 23, 59, 58), True, "first row"),
    (2, "bé", "0.05", date(1999, 12, 31), datetime(2000, 2, 29, 0, 0, 1), False, "naïve café ünïcode"),
    (3, "gamma", "-7.00", date(2024, 2, 29), datetime(1970, 1, 1, 0, 0, 0), True, None),
    (4, "", "100000.25", date(2000, 1, 1), datetime(2038, 1, 19, 3, 14, 7), False, "empty name"),
]


def render_value(v, opts, col):
    if v is None:
        return None
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, datetime):
        return v.strftime("%m/%d/%Y %H:%M:%S") if "dates" in opts else v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, date):
        return v.strftime("%m/%d/%Y") if "dates" in opts else v.isoformat()
    return str(v)


def rows_for(opts):
    rows = [list(r) for r in BASE]
    if "truncate" in opts:
        rows[0][1] = "alphabetical-order"
    if "roundec" in opts:
        rows[0][2] = "12.505"
        rows[1][2] = "0.049"
    return rows


def expected(opts, fmt):
    out = []
    for r in rows_for(opts):
        id_, name, price, d, ts, flag, note = r
        if "truncate" in opts:
            name = name.encode()[:8].decode(errors="ignore")
        dec = Decimal(price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP if "roundec" in opts else ROUND_DOWN)
        if fmt == "fixedwidth" and "truncate" in opts:
            name = name[:WIDTHS[1]].encode()[:8].decode(errors="ignore")
        # A fixed-width field is never empty: its blanks are data (BLANKSASNULL is the option for those).
        if name == "" and "emptyasnull" in opts and fmt != "fixedwidth":
            name = None
        if fmt == "fixedwidth" and note is None:
            note = ""  # fixed-width has no NULL marker here: an all-blank field with TRIMBLANKS is ''
        out.append([str(id_), name, str(dec), d.isoformat(), ts.strftime("%Y-%m-%d %H:%M:%S"),
                    "t" if flag else "f", note])
    return out


def render(fmt, opts):
    rows = rows_for(opts)
    text = [[render_value(v, opts, c) for v, c in zip(r, COLS)] for r in rows]
    lines = []
    if fmt == "delimited":
        if "header" in opts:
            lines.append("|".join(COLS))
        lines += ["|".join("\\N" if v is None else v for v in r) for r in text]
    elif fmt == "csv":
        if "header" in opts:
            lines.append(",".join(COLS))
        # Redshift's default null string is \N for CSV too (copy-parameters-data-conversion, NULL AS)
        lines += [",".join("\\N" if v is None else '"' + v.replace('"', '""') + '"' for v in r) for r in text]
    elif fmt == "fixedwidth":
        if "header" in opts:
            lines.append("".join(c.ljust(w)[:w] for c, w in zip(COLS, WIDTHS)))
        for r in text:
            lines.append("".join((v or "")[:w] + " " * (w - len((v or "")[:w])) for v, w in zip(r, WIDTHS)))
    else:
        if "header" in opts:
            lines.append('{"comment": "a header line, skipped"}')
        for r, raw in zip(text, rows):
            obj = {}
            for c, v, rv in zip(COLS, r, raw):
                obj[c] = None if v is None else (rv if isinstance(rv, (bool, int)) else v)
            lines.append(json.dumps(obj, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def compress(data: bytes, codec: str, path):
    if codec == "none":
        path.write_bytes(data)
    elif codec == "gzip":
        path.write_bytes(gzip.compress(data))
    elif codec == "bzip2":
        path.write_bytes(bz2.compress(data))
    else:
        raw = path.with_suffix(".raw")
        raw.write_bytes(data)
        tool = ["zstd", "-q", "-f", "-o", str(path), str(raw)] if codec == "zstd" else \
            ["lzop", "-q", "-f", "-o", str(path), str(raw)]
        subprocess.run(tool, check=True)
    return path


def statement(fmt, codec, opts, path):
    parts = [f"COPY t FROM '{path}'"]
    if fmt == "csv":
        parts.append("CSV")
    elif fmt == "fixedwidth":
        parts.append("FIXEDWIDTH '" + ",".join(f"{c}:{w}" for c, w in zip(COLS, WIDTHS)) + "' TRIMBLANKS")
    elif fmt == "json":
        parts.append("JSON 'auto'")
    if codec != "none":
        parts.append(codec.upper())
    if "header" in opts:
        parts.append("IGNOREHEADER 1")
    if "dates" in opts:
        parts.append("DATEFORMAT 'MM/DD/YYYY' TIMEFORMAT 'MM/DD/YYYY HH24:MI:SS'")
    if "emptyasnull" in opts:
        parts.append("EMPTYASNULL")
    if "truncate" in opts:
        parts.append("TRUNCATECOLUMNS")
    if "roundec" in opts:
        parts.append("ROUNDEC")
    return " ".join(parts)


@pytest.fixture
def db(tdb):
    """Each case runs against PostgreSQL and against SQLite."""
    return tdb


def as_postgres_prints(row):
    """SQLite keeps numeric(8,2) under NUMERIC affinity (12.50 reads back as 12.5) and booleans as 1/0: print them
    the way PostgreSQL does, so one expectation serves both targets."""
    id_, name, price, d, ts, flag, note = row
    return [id_, name, str(Decimal(price).quantize(Decimal("0.01"))), d, ts, {"1": "t", "0": "f"}[flag], note]


def run_case(db, tmp_path, fmt, codec, opts):
    db.sql(DDL)
    path = compress(render(fmt, opts), codec, tmp_path / f"data.{fmt}.{codec}")
    r = run_hdcopy(statement(fmt, codec, opts, path), db=db)
    assert r.returncode == 0, r.stderr
    got = db.sql("SELECT id, name, price, d, ts, flag, note FROM t ORDER BY id")
    if db.kind == "sqlite":
        got = [as_postgres_prints(row) for row in got]
    assert got == expected(opts, fmt)


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_format_by_codec(db, tmp_path, fmt, codec):
    run_case(db, tmp_path, fmt, codec, set())


OPTION_SETS = [("header",), ("dates",), ("emptyasnull",), ("truncate",), ("roundec",),
               ("header", "dates", "truncate", "roundec")]


@pytest.mark.parametrize("codec", ["none", "gzip"])
@pytest.mark.parametrize("opts", OPTION_SETS, ids=["+".join(o) for o in OPTION_SETS])
@pytest.mark.parametrize("fmt", FORMATS)
def test_format_by_option(db, tmp_path, fmt, opts, codec):
    run_case(db, tmp_path, fmt, codec, set(opts))
