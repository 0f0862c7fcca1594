#!/usr/bin/env python3
"""Reading from HDFS: hdcopy against Hadoop's own readers on the same file, same minicluster, same run (issue 7).

Starts the test harness's HDFS (tests/integration/hdfs.py: Hadoop 3.4.2 MiniDFSCluster, 3 DataNodes, JDK 17), writes
a lineitem-shaped file (bench/lineitem.py, --mib MiB, 128 MiB blocks, replication 3) into it, and measures, median of
--runs each:
  - hdcopy's read throughput: a NOLOAD COPY from hdfs:// (WebHDFS) with 1 and 2 slices (NOLOAD reads, parses and
    converts every row but writes nothing), and the same NOLOAD from the local copy of the file for reference;
  - `hdfs dfs -cat` with Hadoop's Java client (FsShell; includes JVM start), the Go client `hdfs cat` (Debian
    hdfs-cli, native RPC + data-transfer protocol; apt-get installed when missing) and curl over WebHDFS, all to
    /dev/null;
  - end-to-end load time into PostgreSQL (private server, tests/scripts/pg-start.sh) from hdfs:// and from the local
    file, hdcopy's default slices.

usage: bench/bench_hdfs.py [--mib 256] [--runs 3] [--hdcopy build/hdcopy]
Needs root for apt-get only when hdfs-cli is missing. Prints a markdown table.
"""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import hdfs as harness  # noqa: E402
import lineitem  # noqa: E402

GO_HDFS = "/usr/bin/hdfs"  # Debian hdfs-cli (not Hadoop's `hdfs`)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def timed(cmd, env=None, expect_bytes=None):
    """Seconds for cmd, stdout discarded (counted when expect_bytes is given)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE if expect_bytes else subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=env)
    n = 0
    if expect_bytes:
        while True:
            b = p.stdout.read(1 << 20)
            if not b:
                break
            n += len(b)
    _, err = p.communicate()
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}… failed ({p.returncode}): {err.decode()[-500:]}")
    if expect_bytes and n != expect_bytes:
        raise RuntimeError(f"{cmd[0]} read {n} bytes, expected {expect_bytes}")
    return dt


def median_of(runs, fn):
    xs = [fn() for _ in range(runs)]
    return statistics.median(xs), xs


def ensure_go_client():
    if os.path.exists(GO_HDFS) and subprocess.run(["dpkg", "-s", "hdfs-cli"], capture_output=True).returncode == 0:
        return True
    print("installing hdfs-cli (apt-get) ...", file=sys.stderr)
    r = subprocess.run(["apt-get", "install", "-y", "-q", "hdfs-cli"], capture_output=True, text=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if r.returncode != 0:
        print(f"hdfs-cli not available: {r.stderr.strip()[-300:]}", file=sys.stderr)
        return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=256)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--hdcopy", default=str(ROOT / "build" / "hdcopy"))
    args = ap.parse_args()
    hdcopy = args.hdcopy

    work = Path(tempfile.mkdtemp(prefix="hdcopy-bench-hdfs-", dir="/tmp"))
    os.chmod(work, 0o755)
    data = work / "lineitem.tbl"
    sample = work / "sample.tbl"
    subprocess.run([sys.executable, str(ROOT / "bench" / "lineitem.py"), "20000", str(sample)], check=True)
    rows = int(args.mib * (1 << 20) / (sample.stat().st_size / 20000))
    print(f"generating {rows} rows (~{args.mib} MiB) ...", file=sys.stderr)
    subprocess.run([sys.executable, str(ROOT / "bench" / "lineitem.py"), str(rows), str(data)], check=True)
    os.chmod(data, 0o644)
    size = data.stat().st_size
    have_go = ensure_go_client()

    java = harness.prepare()
    cluster = harness.MiniHdfs(java)
    pgdir = work / "pg"
    results = {}
    try:
        cluster.mkdir("/bench", "etl:etl", "755")
        t0 = time.perf_counter()
        cluster.put_file(str(data), "/bench/lineitem.tbl", blocksize=128 << 20, owner="etl:etl")
        print(f"put {size / 1e6:.0f} MB into HDFS in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        url = cluster.url("/bench/lineitem.tbl")
        env = {**os.environ, "HADOOP_USER_NAME": "etl"}
        env.pop("HDCOPY_DB", None)

        out = sh([str(ROOT / "tests/scripts/pg-start.sh"), str(pgdir)]).stdout
        info = dict(line.split("=", 1) for line in out.split() if "=" in line)
        host, port, user = info["HOST"], info["PORT"], info.get("USER", "postgres")
        conninfo = f"host={host} port={port} user={user} dbname=hdcopy_test"

        def psql(sql):
            return sh(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", user,
                       "-d", "hdcopy_test", "-c", sql]).stdout

        psql("DROP TABLE IF EXISTS lineitem")
        psql(lineitem.DDL)

        def hd(source, slices=None, noload=False):
            cmd = [hdcopy, "-q", "--db", conninfo] + (["--slices", str(slices)] if slices else [])
            return timed(cmd + [f"COPY lineitem FROM '{source}'" + (" NOLOAD" if noload else "")], env=env)

        # Readers to /dev/null (bytes counted for the clients that print the file).
        conf = work / "hadoop-conf"
        conf.mkdir()
        (conf / "core-site.xml").write_text("<configuration></configuration>\n")
        (conf / "log4j.properties").write_text("log4j.rootLogger=ERROR, f\nlog4j.appender.f=org.apache.log4j."
                                               f"FileAppender\nlog4j.appender.f.File={work}/fsshell.log\n"
                                               "log4j.appender.f.layout=org.apache.log4j.PatternLayout\n")
        fsshell = [java, "-Xmx256m", f"-Dlog4j.configuration=file:{conf}/log4j.properties", "-cp",
                   f"{conf}:{harness.LIB}/*", "org.apache.hadoop.fs.FsShell", "-fs",
                   f"hdfs://127.0.0.1:{cluster.rpc_port}", "-cat", "/bench/lineitem.tbl"]
        curl = ["curl", "-sSfL", "-o", "-",
                f"http://{cluster.namenode}/webhdfs/v1/bench/lineitem.tbl?op=OPEN&user.name=etl"]
        goenv = {**env, "HADOOP_NAMENODE": f"127.0.0.1:{cluster.rpc_port}"}
        gocat = [GO_HDFS, "cat", "/bench/lineitem.tbl"]

        plan = [
            ("hdcopy NOLOAD, hdfs://, 1 slice", lambda: hd(url, 1, True)),
            ("hdcopy NOLOAD, hdfs://, 2 slices", lambda: hd(url, 2, True)),
            ("hdcopy NOLOAD, local file, 1 slice", lambda: hd(str(data), 1, True)),
            ("hdcopy NOLOAD, local file, 2 slices", lambda: hd(str(data), 2, True)),
            ("Hadoop FsShell `hdfs dfs -cat` (Java, incl. JVM start)", lambda: timed(fsshell, env, size)),
            ("curl over WebHDFS (one stream)", lambda: timed(curl, env, size)),
        ]
        if have_go:
            plan.append(("Go `hdfs cat` (hdfs-cli, native protocol)", lambda: timed(gocat, goenv, size)))
        for name, fn in plan:
            fn()  # warm-up: page cache, DataNode caches, JIT of nothing
            m, xs = median_of(args.runs, fn)
            results[name] = (m, xs)
            print(f"{name}: median {m:.2f}s {['%.2f' % x for x in xs]}", file=sys.stderr)

        def load(source):
            def one():
                psql("TRUNCATE lineitem")
                psql("CHECKPOINT")
                dt = hd(source)
                n = int(psql("SELECT count(*) FROM lineitem"))
                assert n == rows, f"loaded {n} rows, expected {rows}"
                return dt
            return one

        for name, src in (("load into PostgreSQL from hdfs:// (default slices)", url),
                          ("load into PostgreSQL from the local file (default slices)", str(data))):
            m, xs = median_of(args.runs, load(src))
            results[name] = (m, xs)
            print(f"{name}: median {m:.2f}s {['%.2f' % x for x in xs]}", file=sys.stderr)
    finally:
        subprocess.run([str(ROOT / "tests/scripts/pg-stop.sh"), str(pgdir)], capture_output=True)
        cluster.close()

    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    print(f"machine: {os.cpu_count()} cores ({cpu}), {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') >> 30}"
          f" GiB, {platform.system()} {platform.release()}; Hadoop 3.4.2 MiniDFSCluster (3 DataNodes, 127.0.0.1)")
    print(f"data: {rows} rows, {size / 1e6:.0f} MB ({size / (1 << 20):.0f} MiB), '|'-delimited lineitem-shaped; "
          f"HDFS blocks 128 MiB, replication 3; median of {args.runs}")
    print()
    print("| reader | median | MB/s | runs |")
    print("|---|---:|---:|---|")
    for name, (m, xs) in results.items():
        print(f"| {name} | {m:.2f} s | {size / 1e6 / m:.0f} | {', '.join('%.2f' % x for x in xs)} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
