"""CSV conformance: the csv-spectrum suite (npm package `csv-spectrum`: CSV files + the records they should give)
read through hdcopy's CSV reader (src/format/csv.c) by the C driver tests/format/dump_records.c.

The package is installed with npm into a cache directory (HDCOPY_TEST_CACHE, default ~/.cache/hdcopy-tests) when it
is not there yet; CI reaches the npm registry. The driver is built with gcc from src/common and src/format.

csv-spectrum's expectation JSON takes the first line of each CSV as the keys of every following record; we compare
values: the header record's fields must be the keys in order, and each later record's fields the values in order.

Run: python3 -m pytest -q tests/format/csv_spectrum.py
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("HDCOPY_TEST_CACHE", Path.home() / ".cache" / "hdcopy-tests"))
SPECTRUM_VERSION = os.environ.get("CSV_SPECTRUM_VERSION", "")  # empty: the registry's latest

# Cases where Redshift's CSV semantics deliberately differ from csv-spectrum's expectation, with the reason.
DIFFERENT = {
    "location_coordinates": (
        "quotes inside unquoted fields (37°36'37.8\"N): csv-spectrum loads them as data; hdcopy follows Redshift, "
        "which rejects the row with 'Invalid quote formatting for CSV' (stl_load_errors code 1214) — a quote is "
        "only valid at a field's start, doubled inside a quoted field, or closing it (copy-parameters-data-format, "
        "CSV; csv.c's design note: record ends follow quote parity so files can be split exactly). The expected "
        "JSON is also not the input's (phone 1234567890 vs 2095257564 in the CSV, and an object, not an array)."
    ),
}


def _spectrum_dir() -> Path:
    base = CACHE / "csv-spectrum"
    pkg = base / "node_modules" / "csv-spectrum"
    if not (pkg / "csvs").is_dir():
        npm = shutil.which("npm")
        if not npm:
            pytest.skip("npm is not installed")
        base.mkdir(parents=True, exist_ok=True)
        spec = "csv-spectrum" + (f"@{SPECTRUM_VERSION}" if SPECTRUM_VERSION else "")
        r = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(base), spec],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"npm install {spec} failed:\n{r.stdout}\n{r.stderr}"
    assert (pkg / "csvs").is_dir() and (pkg / "json").is_dir(), f"unexpected layout of {pkg}"
    return pkg


@pytest.fixture(scope="session")
def spectrum() -> Path:
    return _spectrum_dir()


@pytest.fixture(scope="session")
def dump_records(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("driver") / "dump_records"
    sources = sorted(str(p) for p in (ROOT / "src" / "common").glob("*.c"))
    sources += sorted(str(p) for p in (ROOT / "src" / "format").glob("*.c"))
    cmd = ["gcc", "-std=c17", "-O1", "-g", "-fsanitize=address,undefined", "-Wall", "-Wextra", "-Werror",
           "-Wshadow", "-Wvla", "-D_GNU_SOURCE", "-I", str(ROOT / "src"), "-I", str(ROOT / "include"),
           *sources, str(ROOT / "tests" / "format" / "dump_records.c"), "-o", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"building dump_records failed:\n{r.stderr}"
    return out


def read_records(driver: Path, path: Path, *opts):
    r = subprocess.run([str(driver), "csv", str(path), *opts], capture_output=True, text=True)
    assert r.returncode == 0, f"{path}: {r.stdout}\n{r.stderr}"
    return [json.loads(line) for line in r.stdout.splitlines()]


def expected(spectrum: Path, name: str):
    data = json.loads((spectrum / "json" / f"{name}.json").read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


def case_names():
    try:
        pkg = _spectrum_dir()
    except BaseException:  # skip or failure: reported by the tests themselves
        return ["<csv-spectrum unavailable>"]
    return sorted(p.stem for p in (pkg / "csvs").glob("*.csv"))


@pytest.mark.parametrize("name", case_names())
def test_spectrum_case(name, spectrum, dump_records):
    csv_path = spectrum / "csvs" / f"{name}.csv"
    assert csv_path.exists(), f"no such csv-spectrum case: {name}"
    recs = read_records(dump_records, csv_path)
    if name in DIFFERENT:
        # Named deliberate difference: the data rows are rejected as Redshift would, with its error text.
        assert any("error" in r for r in recs), DIFFERENT[name]
        bad = [r for r in recs if "error" in r]
        assert all(r["error"] == 1214 and r["reason"] == "Invalid quote formatting for CSV" for r in bad), bad
        return
    want = expected(spectrum, name)
    assert all("fields" in r for r in recs), recs
    header, rows = recs[0], recs[1:]
    keys = list(want[0].keys()) if want else header["fields"]
    assert header["fields"] == keys
    assert [r["fields"] for r in rows] == [[row[k] for k in keys] for row in want]


def test_every_difference_is_a_real_case(spectrum):
    names = {p.stem for p in (spectrum / "csvs").glob("*.csv")}
    assert set(DIFFERENT) <= names
    assert len(names) >= 10  # the suite as published has 12 cases


def test_ignoreheader_matches_spectrum_header_rule(spectrum, dump_records):
    # csv-spectrum's first line is a header: IGNOREHEADER 1 drops exactly it (line numbers keep counting it).
    recs = read_records(dump_records, spectrum / "csvs" / "newlines.csv", "--ignoreheader", "1")
    assert [r["line"] for r in recs] == [2, 3, 5]
    assert recs[1]["fields"][0] == "Once upon \na time" and recs[1]["quoted"][0] is True


def test_null_and_empty(tmp_path, dump_records):
    # The CSV null string is Redshift's default '\N' (copy-parameters-data-conversion, NULL AS): an unquoted \N
    # is NULL, a quoted "\N" is data; empty fields stay "" here (convert/ decides per type and EMPTYASNULL).
    p = tmp_path / "n.csv"
    p.write_bytes(b'\\N,"\\N",,""\n')
    (rec,) = read_records(dump_records, p)
    assert rec["fields"] == [None, "\\N", "", ""]
    assert rec["quoted"] == [False, True, False, True]
    (rec,) = read_records(dump_records, p, "--null-as", "")
    assert rec["fields"] == ["\\N", "\\N", None, ""]
