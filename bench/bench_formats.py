#!/usr/bin/env python3
"""Parse + convert throughput per core (NOLOAD, one slice): the same lineitem-shaped rows as delimited text, CSV
(every field quoted, and none), fixed-width and JSON, and the delimited file under each codec. MB/s are of the
format's own (uncompressed) bytes; for codecs also of the compressed file. Medians of --runs.

usage: bench/bench_formats.py [--rows 1000000] [--runs 3]
Needs build/hdcopy and the gzip, bzip2, zstd and lzop commands (scripts/deps.sh installs them).
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import lineitem  # noqa: E402

COLS = ["l_orderkey", "l_partkey", "l_suppkey", "l_linenumber", "l_quantity", "l_extendedprice", "l_discount",
        "l_tax", "l_returnflag", "l_linestatus", "l_shipdate", "l_commitdate", "l_receiptdate", "l_shipinstruct",
        "l_shipmode", "l_comment"]
WIDTHS = [10, 8, 6, 2, 6, 10, 5, 5, 1, 1, 10, 10, 10, 25, 10, 44]


def write_formats(src: Path, d: Path):
    rows = [line.rstrip("\n").split("|") for line in open(src)]
    out = {}
    out["delimited"] = src
    p = d / "li.csv"
    with open(p, "w", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerows(rows)
    out["csv (all quoted)"] = p
    p = d / "li_plain.csv"
    with open(p, "w", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_MINIMAL).writerows(rows)
    out["csv (unquoted)"] = p
    p = d / "li.fw"
    with open(p, "w") as f:
        for r in rows:
            f.write("".join(v.ljust(w) for v, w in zip(r, WIDTHS)) + "\n")
    out["fixed-width"] = p
    p = d / "li.json"
    with open(p, "w") as f:
        for r in rows:
            f.write(json.dumps(dict(zip(COLS, r)), separators=(",", ":")) + "\n")
    out["json (auto)"] = p
    return out


def options(fmt):
    return {"delimited": "", "csv (all quoted)": "CSV", "csv (unquoted)": "CSV",
            "fixed-width": "FIXEDWIDTH '" + ",".join(f"{c}:{w}" for c, w in zip(COLS, WIDTHS)) + "' TRIMBLANKS",
            "json (auto)": "JSON 'auto'"}[fmt]


def timed(cmd):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--hdcopy", default=str(ROOT / "build" / "hdcopy"))
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hdcopy-fmt-"))
    src = work / "li.tbl"
    subprocess.run([sys.executable, str(ROOT / "bench" / "lineitem.py"), str(args.rows), str(src)], check=True)
    files = write_formats(src, work)
    db = work / "bench.db"
    subprocess.run([args.hdcopy, "-q", "--db", f"sqlite:{db}", lineitem.DDL], check=True, capture_output=True)

    def run(path, opts):
        cmd = [args.hdcopy, "-q", "--slices", "1", "--db", f"sqlite:{db}",
               f"COPY lineitem FROM '{path}' {opts} NOLOAD"]
        return statistics.median(timed(cmd) for _ in range(args.runs))

    print(f"{args.rows} lineitem-shaped rows, NOLOAD, 1 slice (parse + convert + check), median of {args.runs}")
    print()
    print("| input | size (MB) | seconds | MB/s per core |")
    print("|---|---|---|---|")
    for name, path in files.items():
        size = path.stat().st_size / 1e6
        t = run(path, options(name))
        print(f"| {name} | {size:.0f} | {t:.2f} | {size / t:.0f} |")
    print()
    print("| codec (delimited) | compressed (MB) | seconds | MB/s of text | MB/s of compressed |")
    print("|---|---|---|---|---|")
    size = src.stat().st_size / 1e6
    for codec, tool, ext in [("GZIP", ["gzip", "-6", "-k", "-f"], ".gz"), ("BZIP2", ["bzip2", "-k", "-f"], ".bz2"),
                             ("ZSTD", ["zstd", "-q", "-f", "-3"], ".zst"), ("LZOP", ["lzop", "-f"], ".lzo")]:
        subprocess.run(tool + [str(src)], check=True)
        comp = Path(str(src) + ext)
        t = run(comp, codec)
        csize = comp.stat().st_size / 1e6
        print(f"| {codec} | {csize:.0f} | {t:.2f} | {size / t:.0f} | {csize / t:.0f} |")
    subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    main()
