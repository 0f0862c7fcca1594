#!/usr/bin/env python3
"""hdcopy against other PostgreSQL loaders on TPC-H SF1 lineitem and orders: same run, same private server, same
data; medians of several runs, wall time, MB/s, peak RSS and CPU time of the client process, ratios to hdcopy.

usage: bench/peers.py [--runs 3] [--pgloader-runs 1] [--quick] [--tables lineitem,orders] [--no-build]

  --quick        smoke test in a few minutes: lineitem only, 1 run, hdcopy / server COPY / psql \\copy / NOLOAD vs
                 DuckDB read_csv (no pgloader, no DuckDB->PostgreSQL, no compressed files)
  --only A,B     run only the contenders whose names contain one of these words (e.g. --only hdcopy,duckdb)

It installs what it needs (as root: Debian packages via scripts/deps.sh and apt-get; PyPI packages into
bench/.venv), generates the data once into bench/data/sf<SF>/ (kept for reruns), builds hdcopy (scripts/build.sh
build), starts a private PostgreSQL in /tmp (tests/scripts/pg-start.sh) and stops it at the end. Results: printed as
Markdown, and written to bench/out/peers-<time>.md and .json. Details and results: docs/BENCHMARKS.md.
"""
import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
VENV = BENCH / ".venv"
VPY = VENV / "bin" / "python"
DUCK = BENCH / "peers_duck.py"
PYPI = ["duckdb==1.5.5", "duckdb-extension-tpch==1.5.5", "duckdb-extension-postgres-scanner==1.5.5"]
TPCGO = "github.com/timescale/timescaledb-parallel-copy/cmd/timescaledb-parallel-copy@latest"

GNU_TIME = os.access("/usr/bin/time", os.X_OK)
EXPECTED_SF1 = {"lineitem": 6_001_215, "orders": 1_500_000}

DDL = {
    "lineitem": """CREATE TABLE lineitem (
    l_orderkey bigint NOT NULL, l_partkey bigint NOT NULL, l_suppkey bigint NOT NULL, l_linenumber integer NOT NULL,
    l_quantity numeric(15,2) NOT NULL, l_extendedprice numeric(15,2) NOT NULL, l_discount numeric(15,2) NOT NULL,
    l_tax numeric(15,2) NOT NULL, l_returnflag char(1) NOT NULL, l_linestatus char(1) NOT NULL,
    l_shipdate date NOT NULL, l_commitdate date NOT NULL, l_receiptdate date NOT NULL,
    l_shipinstruct char(25) NOT NULL, l_shipmode char(10) NOT NULL, l_comment varchar(44) NOT NULL)""",
    "orders": """CREATE TABLE orders (
    o_orderkey bigint NOT NULL, o_custkey bigint NOT NULL, o_orderstatus char(1) NOT NULL,
    o_totalprice numeric(15,2) NOT NULL, o_orderdate date NOT NULL, o_orderpriority char(15) NOT NULL,
    o_clerk char(15) NOT NULL, o_shippriority integer NOT NULL, o_comment varchar(79) NOT NULL)""",
}
COLS = {
    "lineitem": "l_orderkey l_partkey l_suppkey l_linenumber l_quantity l_extendedprice l_discount l_tax "
                "l_returnflag l_linestatus l_shipdate l_commitdate l_receiptdate l_shipinstruct l_shipmode "
                "l_comment".split(),
    "orders": "o_orderkey o_custkey o_orderstatus o_totalprice o_orderdate o_orderpriority o_clerk "
              "o_shippriority o_comment".split(),
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


def is_root():
    return os.geteuid() == 0


# ---------------------------------------------------------------------------------------------------- setup

def ensure_debian():
    """Build tools, PostgreSQL, psql (scripts/deps.sh), zstd and pigz."""
    need = not shutil.which("cmake") or not shutil.which("ninja") or not shutil.which("psql") \
        or not list(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if need:
        log("installing build tools and PostgreSQL (scripts/deps.sh) ...")
        subprocess.run([str(ROOT / "scripts/deps.sh")], check=True)
    missing = [p for p in ("zstd", "gzip") if not shutil.which(p)]
    if not os.access("/usr/bin/time", os.X_OK):
        missing.append("time")  # GNU time, for the clients' peak RSS (see run_child)
    if missing and is_root():
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=False, capture_output=True)
    global GNU_TIME
    GNU_TIME = os.access("/usr/bin/time", os.X_OK)


def ensure_venv():
    ok = VPY.exists() and subprocess.run(
        [str(VPY), "-c", "import duckdb, duckdb_extension_tpch, duckdb_extension_postgres_scanner"],
        capture_output=True).returncode == 0
    if ok:
        return
    log(f"installing {' '.join(PYPI)} into {VENV} ...")
    if not VPY.exists():
        r = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True)
        if r.returncode != 0 and is_root():  # Debian's python3 needs python3-venv for that
            subprocess.run(["apt-get", "install", "-y", "-qq", "python3-venv"], capture_output=True)
            r = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"cannot create {VENV}: {r.stderr}")
    subprocess.run([str(VPY), "-m", "pip", "install", "-q", *PYPI], check=True)


def ensure_pgloader(notes):
    if shutil.which("pgloader"):
        return True
    if is_root():
        log("installing pgloader (Debian) ...")
        r = subprocess.run(["apt-get", "install", "-y", "-qq", "pgloader"], capture_output=True, text=True)
        if r.returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "pgloader"], capture_output=True, text=True)
    if shutil.which("pgloader"):
        return True
    notes.append("pgloader: not installed (Debian package `pgloader` could not be installed); skipped")
    return False


def find_tpc(notes, datadir):
    """timescaledb-parallel-copy: on PATH or in GOPATH/bin; else one `go install` try, remembered in datadir."""
    gobin = Path(os.environ.get("GOPATH", Path.home() / "go")) / "bin" / "timescaledb-parallel-copy"
    for cand in (shutil.which("timescaledb-parallel-copy"), str(gobin)):
        if cand and os.access(cand, os.X_OK):
            return cand
    marker = datadir / "timescaledb-parallel-copy.install.log"
    if not marker.exists() and shutil.which("go"):
        log(f"trying once: go install {TPCGO} ...")
        try:
            r = subprocess.run(["go", "install", TPCGO], capture_output=True, text=True, timeout=300)
            marker.write_text(f"go install {TPCGO}\nexit {r.returncode}\n{r.stdout}{r.stderr}")
        except subprocess.TimeoutExpired:
            marker.write_text(f"go install {TPCGO}\ntimed out after 300 s\n")
        if os.access(gobin, os.X_OK):
            return str(gobin)
    why = marker.read_text().strip().splitlines()[-1].strip() if marker.exists() else "no Go toolchain"
    notes.append(f"timescaledb-parallel-copy: `go install {TPCGO}` failed ({why[:160]}); skipped "
                 f"(delete {marker.relative_to(ROOT)} to try again)")
    return None


# ---------------------------------------------------------------------------------------------------- data

def gen_data(sf, tables, notes, want_compressed):
    d = BENCH / "data" / f"sf{sf}"
    d.mkdir(parents=True, exist_ok=True)
    os.chmod(d, 0o755)
    meta_path = d / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {"rows": {}}
    todo = [t for t in tables if t not in meta["rows"] or not (d / f"{t}.tbl").exists()
            or not (d / f"{t}.nt.tbl").exists()]
    if todo:
        log(f"generating TPC-H SF{sf} {', '.join(todo)} into {d} ...")
        t0 = time.perf_counter()
        r = subprocess.run([str(VPY), str(DUCK), "gen", str(sf), str(d), *todo], capture_output=True, text=True)
        if r.returncode == 0:
            meta["rows"].update(json.loads(r.stdout))
            meta["generator"] = "DuckDB tpch extension (PyPI duckdb-extension-tpch), CALL dbgen(sf=...)"
        else:
            log(f"DuckDB's tpch extension failed ({r.stderr.strip()[-300:]}); falling back to tpchgen-cli")
            notes.append("data: DuckDB's tpch extension could not be used; generated with PyPI tpchgen-cli")
            subprocess.run([str(VPY), "-m", "pip", "install", "-q", "tpchgen-cli"], check=True)
            tg = VENV / "bin" / "tpchgen-cli"
            subprocess.run([str(tg), "-s", str(sf), "--tables", ",".join(todo), f"--output-dir={d}"], check=True)
            for t in todo:
                with open(d / f"{t}.tbl", "rb") as src, open(d / f"{t}.nt.tbl", "wb") as dst:
                    n = 0
                    for line in src:
                        dst.write(line[:-2] + b"\n" if line.endswith(b"|\n") else line)
                        n += 1
                meta["rows"][t] = n
            meta["generator"] = "tpchgen-cli (PyPI)"
        meta_path.write_text(json.dumps(meta, indent=1))
        log(f"  generated in {time.perf_counter() - t0:.0f} s")
    if want_compressed:
        for t in tables:
            src = d / f"{t}.tbl"
            for ext, cmd in (("gz", ["gzip", "-6", "-c"]), ("zst", ["zstd", "-3", "-q", "-T0", "-c"])):
                (d / ext).mkdir(exist_ok=True)
                os.chmod(d / ext, 0o755)
                dst = d / ext / f"{t}.tbl.{ext}"
                if dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime:
                    continue
                if ext == "gz" and shutil.which("pigz"):
                    cmd = ["pigz", "-6", "-c"]  # same gzip format, made faster
                log(f"compressing {src.name} -> {dst.name} ...")
                with open(str(dst) + ".part", "wb") as out:
                    subprocess.run([*cmd, str(src)], stdout=out, check=True)
                os.replace(str(dst) + ".part", dst)
    for f in d.rglob("*"):
        os.chmod(f, 0o755 if f.is_dir() else 0o644)
    for t in tables:
        if sf == 1 and meta["rows"][t] != EXPECTED_SF1[t]:
            sys.exit(f"generated {t} has {meta['rows'][t]} rows, TPC-H SF1 has {EXPECTED_SF1[t]}")
    return d, meta


def warm(paths):
    """Read every input once so that each contender reads from the page cache."""
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass


# ---------------------------------------------------------------------------------------------------- running

class Failed(Exception):
    pass


def run_child(cmd, timeout, env=None):
    """Run one client process. Returns (wall s, peak RSS MiB, CPU s (user+sys), stdout). Raises Failed.

    The process is started through GNU time (/usr/bin/time), which forks it from a small process: a child forked
    straight from this Python would inherit Python's resident set as the floor of its ru_maxrss (Linux keeps the
    high-water mark across exec), so every client would show >= 30 MiB. Wall time is measured here."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as tf:
        full = ["/usr/bin/time", "-q", "-o", tf.name, "-f", "%M %U %S", *cmd] if GNU_TIME else cmd
        t0 = time.perf_counter()
        p = subprocess.Popen(full, stdout=out, stderr=err, env=env, start_new_session=True)
        timer = threading.Timer(timeout, lambda: os.killpg(p.pid, signal.SIGKILL))
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        so, se = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        if GNU_TIME:
            fields = (tf.read().strip().splitlines() or ["0 0 0"])[-1].split()
            try:
                rss, cpu = int(fields[0]) / 1024.0, float(fields[1]) + float(fields[2])
            except (ValueError, IndexError):
                rss, cpu = float("nan"), float("nan")
        else:
            rss, cpu = ru.ru_maxrss / 1024.0, ru.ru_utime + ru.ru_stime
    if p.returncode != 0:
        raise Failed(f"{Path(cmd[0]).name} exited {p.returncode} after {wall:.1f} s: {(se or so).strip()[-600:]}")
    return wall, rss, cpu, so


class Server:
    def __init__(self, workdir):
        self.dir = workdir / "pg"
        out = sh([str(ROOT / "tests/scripts/pg-start.sh"), str(self.dir)]).stdout
        info = dict(line.split("=", 1) for line in out.split() if "=" in line)
        self.host, self.port, self.user = info["HOST"], info["PORT"], info.get("USER", "postgres")
        self.db = "hdcopy_test"
        self.conninfo = f"host={self.host} port={self.port} user={self.user} dbname={self.db}"
        self.psql_base = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", self.host, "-p", self.port,
                          "-U", self.user, "-d", self.db]

    def sql(self, q):
        return sh(self.psql_base + ["-c", q]).stdout.strip()

    def stop(self):
        subprocess.run([str(ROOT / "tests/scripts/pg-stop.sh"), str(self.dir)], capture_output=True)


def contenders(args, srv, d, meta, hd, tables, nproc, pgloader_ok, tpc, workdir):
    """Every contender as dict(name, table, group, file, cmd, runs, check, client)."""
    cs = []

    def add(name, table, group, file, cmd, check="table", runs=None, client=True, env=None):
        if args.only and not any(w in name for w in args.only):
            return
        raw = d / f"{table}.tbl" if str(file).endswith((".gz", ".zst")) else file  # MB/s of uncompressed data
        cs.append(dict(name=name, table=table, group=group, file=str(file), raw_mb=os.path.getsize(raw) / 1e6,
                       cmd=cmd, check=check,
                       runs=runs or args.runs, client=client, env=env, rows_expected=meta["rows"][table]))

    for t in tables:
        tbl, nt = d / f"{t}.tbl", d / f"{t}.nt.tbl"
        hdb = [hd, "--db", srv.conninfo, "-q", "--json"]
        add("hdcopy", t, "load", tbl, hdb + [f"COPY {t} FROM '{tbl}'"])
        for k in range(1, nproc + 1):
            add(f"hdcopy --slices {k}", t, "load", tbl, hdb + ["--slices", str(k), f"COPY {t} FROM '{tbl}'"])
        if not args.quick:
            add("hdcopy, file without trailing |", t, "load", nt, hdb + [f"COPY {t} FROM '{nt}'"])
            gz, zst = d / "gz" / f"{t}.tbl.gz", d / "zst" / f"{t}.tbl.zst"
            add("hdcopy GZIP", t, "load", gz, hdb + [f"COPY {t} FROM '{gz}' GZIP"])
            add("hdcopy ZSTD", t, "load", zst, hdb + [f"COPY {t} FROM '{zst}' ZSTD"])
        add("PostgreSQL server-side COPY", t, "load", nt,
            srv.psql_base + ["-c", f"COPY {t} FROM '{nt}' (DELIMITER '|')"], client=False)
        add("psql \\copy", t, "load", nt, srv.psql_base + ["-c", f"\\copy {t} FROM '{nt}' (DELIMITER '|')"])
        if not args.quick:
            if pgloader_ok:
                cmdfile = workdir / f"pgloader-{t}.load"
                cmdfile.write_text(
                    f"LOAD CSV\n     FROM '{nt}'\n          ({', '.join(COLS[t])})\n"
                    f"     INTO postgresql://{srv.user}@unix:{srv.host}:{srv.port}/{srv.db}\n"
                    f"          TARGET TABLE {t}\n"
                    f"     WITH fields terminated by '|',\n          fields not enclosed;\n")
                add("pgloader", t, "load", nt, ["pgloader", "--quiet", "--root-dir", str(workdir / "pgloader"),
                                                str(cmdfile)],
                    runs=min(args.runs, args.pgloader_runs))
            if tpc:
                add(f"timescaledb-parallel-copy --workers {nproc}", t, "load", nt,
                    [tpc, "--connection", f"host={srv.host} port={srv.port} user={srv.user} sslmode=disable",
                     "--db-name", srv.db, "--table", t, "--file", str(nt), "--split", "|",
                     "--workers", str(nproc), "--copy-options", "CSV"])
            add("DuckDB read_csv -> INSERT INTO attached PostgreSQL", t, "load", nt,
                [str(VPY), str(DUCK), "topg", srv.conninfo, t, str(nt)])
        # Parse + convert only, nothing loaded, same file for both.
        add("hdcopy NOLOAD", t, "parse", nt, hdb + [f"COPY {t} FROM '{nt}' NOLOAD"], check="json")
        add("DuckDB read_csv -> in-memory DuckDB table", t, "parse", nt, [str(VPY), str(DUCK), "local", t, str(nt)],
            check="stdout")
    return cs


def hd_json(stdout):
    """The COPY object of hdcopy --json output (a list of statements), or None."""
    try:
        doc = json.loads(stdout)
    except ValueError:
        return None
    if isinstance(doc, dict) and isinstance(doc.get("statements"), list):
        doc = doc["statements"]
    for st in doc if isinstance(doc, list) else [doc]:
        if isinstance(st, dict) and isinstance(st.get("copy"), dict):
            return st["copy"]
    return None


def json_rows(stdout):
    """Rows hdcopy --json says a COPY loaded or, with NOLOAD, read and checked (the files' rows)."""
    c = hd_json(stdout)
    if c is None:
        return None
    if c.get("noload"):  # NOLOAD: files[].lines were read, none loaded; every one must have converted
        if c.get("rows_rejected"):
            return -c["rows_rejected"]
        return sum(f.get("lines", 0) - f.get("errors", 0) for f in c.get("files", []))
    return c.get("rows_loaded")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pgloader-runs", type=int, default=1, help="pgloader is ~15x slower: fewer runs (default 1)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--tables", default="lineitem,orders")
    ap.add_argument("--sf", default="1", help="TPC-H scale factor (default 1; smaller only for trying the script)")
    ap.add_argument("--only", default="", help="comma-separated words; run contenders whose name has one")
    ap.add_argument("--no-build", action="store_true", help="use build/hdcopy as it is")
    ap.add_argument("--hdcopy", default=str(ROOT / "build" / "hdcopy"))
    args = ap.parse_args()
    if args.quick:
        args.runs, args.tables = 1, "lineitem"
    args.only = [w for w in args.only.split(",") if w]
    tables = [t for t in args.tables.split(",") if t]
    sf = int(args.sf) if float(args.sf).is_integer() else float(args.sf)
    nproc = os.cpu_count() or 1
    notes = []
    started = time.time()

    ensure_debian()
    ensure_venv()
    d, meta = gen_data(sf, tables, notes, want_compressed=not args.quick)
    pgloader_ok = not args.quick and ensure_pgloader(notes)
    tpc = None if args.quick else find_tpc(notes, BENCH / "data")

    if not args.no_build:
        log("building hdcopy (scripts/build.sh build) ...")
        subprocess.run([str(ROOT / "scripts/build.sh"), "build"], check=True)
    commit = sh(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], check=False).stdout.strip()
    dirty = len(sh(["git", "-C", str(ROOT), "status", "--short"], check=False).stdout.splitlines())

    workdir = Path(tempfile.mkdtemp(prefix="hdcopy-peers-", dir="/tmp"))
    os.chmod(workdir, 0o755)
    srv = Server(workdir)
    results = {}
    errors = []
    try:
        # Fewer mid-load checkpoints (default 1GB of WAL < one lineitem load); same for every contender.
        srv.sql("ALTER SYSTEM SET max_wal_size = '16GB'")
        srv.sql("SELECT pg_reload_conf()")
        machine = {
            "nproc": nproc,
            "memory": sh(["free", "-h"]).stdout.splitlines()[1].split()[1],
            "cpu": next((ln.split(":", 1)[1].strip() for ln in sh(["lscpu"]).stdout.splitlines()
                         if ln.startswith("Model name")), platform.processor()),
            "kernel": platform.release(),
            "postgresql": srv.sql("SELECT version()"),
            "shared_buffers": srv.sql("SHOW shared_buffers"),
            "duckdb": sh([str(VPY), str(DUCK), "version"]).stdout.strip(),
            "pgloader": (sh(["pgloader", "--version"], check=False).stdout.splitlines() or ["-"])[0]
            if pgloader_ok else "-",
            "hdcopy": sh([args.hdcopy, "--version"], check=False).stdout.strip(),
            "commit": commit, "dirty_files": dirty,
        }
        for t in tables:
            srv.sql(f"DROP TABLE IF EXISTS {t}")
            srv.sql(DDL[t])
        cs = contenders(args, srv, d, meta, args.hdcopy, tables, nproc, pgloader_ok, tpc, workdir)
        warm(sorted({c["file"] for c in cs}))
        log(f"hdcopy {commit} ({dirty} files changed in the work tree); {len(cs)} contenders, {args.runs} run(s)")
        for r in range(args.runs):
            for c in cs:
                if r >= c["runs"]:
                    continue
                key = (c["table"], c["name"])
                res = results.setdefault(key, dict(c, wall=[], rss=[], cpu=[], error=None))
                if res["error"]:
                    continue
                t = c["table"]
                srv.sql(f"TRUNCATE {t}")
                srv.sql("CHECKPOINT")
                try:
                    wall, rss, cpu, out = run_child(c["cmd"], timeout=3600 if "pgloader" in c["name"] else 1200,
                                                    env=c["env"])
                    hj = hd_json(out) if c["name"].startswith("hdcopy") else None
                    if hj and "hdcopy_info" not in res:
                        res["hdcopy_info"] = f"{hj.get('slices')} slice(s), {hj.get('commit_method')}"
                    if c["check"] == "table":
                        n = int(srv.sql(f"SELECT count(*) FROM {t}"))
                    elif c["check"] == "json":
                        n = json_rows(out)
                    else:
                        n = int(out.split()[-1])
                    if n != c["rows_expected"]:
                        raise Failed(f"loaded {n} rows, expected {c['rows_expected']}")
                except Failed as e:
                    res["error"] = str(e)
                    errors.append(f"{t} / {c['name']}: {e}")
                    log(f"  ERROR {t} / {c['name']}: {e}")
                    continue
                res["wall"].append(wall)
                res["rss"].append(rss)
                res["cpu"].append(cpu)
                mb = c["raw_mb"]
                log(f"  run {r + 1} {t:8s} {c['name']:52s} {wall:7.2f} s {mb / wall:6.0f} MB/s "
                    f"{rss:7.0f} MiB  cpu {cpu:6.1f} s")
        for t in tables:
            srv.sql(f"TRUNCATE {t}")
    finally:
        srv.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    elapsed = time.time() - started
    md = report(results, tables, machine, meta, notes, errors, args, elapsed)
    print(md)
    outdir = BENCH / "out"
    outdir.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (outdir / f"peers-{stamp}.md").write_text(md)
    (outdir / f"peers-{stamp}.json").write_text(json.dumps(
        {"machine": machine, "notes": notes, "errors": errors, "elapsed_s": elapsed, "args": vars(args),
         "results": [{k: v for k, v in r.items() if k not in ("env",)} for r in results.values()]}, indent=1))
    log(f"written bench/out/peers-{stamp}.md and .json; total {elapsed / 60:.1f} min")
    return 1 if errors else 0


def report(results, tables, m, meta, notes, errors, args, elapsed):
    L = []
    L.append(f"hdcopy `{m['commit']}` ({m['dirty_files']} files changed in the work tree), {m['hdcopy']}; "
             f"{time.strftime('%Y-%m-%d')}; `{' '.join(['bench/peers.py', *sys.argv[1:]])}`")
    L.append("")
    L.append(f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory']} memory, Linux {m['kernel']}; "
             f"{m['postgresql'].split(' on ')[0]} (private server, unix socket, shared_buffers {m['shared_buffers']},"
             f" max_wal_size 16GB, fsync on); DuckDB {m['duckdb']}; {m['pgloader']}. "
             f"Data: {meta.get('generator', '?')}. Whole run: {elapsed / 60:.1f} min.")
    L.append("")
    for t in tables:
        rows = [r for (tt, _), r in results.items() if tt == t]
        ref = {g: next((r for r in rows if r["name"] == n and r["wall"]), None)
               for g, n in (("load", "hdcopy"), ("parse", "hdcopy NOLOAD"))}
        for g, title in (("load", "load into PostgreSQL"), ("parse", "parse + convert only, nothing loaded")):
            grp = [r for r in rows if r["group"] == g]
            if not grp:
                continue
            L.append(f"**{t}** ({meta['rows'][t]:,} rows) — {title}; median of runs; "
                     f"ratio = contender's time ÷ {'hdcopy' if g == 'load' else 'hdcopy NOLOAD'}'s time "
                     f"(> 1: hdcopy is faster); MB/s of uncompressed data; range of runs in brackets")
            L.append("")
            L.append("| contender | runs | input | median s | MB/s | ratio | client peak RSS MiB | client CPU s |")
            L.append("|---|---:|---|---:|---:|---:|---:|---:|")
            for r in grp:
                f = Path(r["file"])
                size = f.stat().st_size / 1e6
                name = r["name"].replace("|", "\\|")
                if r.get("hdcopy_info"):
                    name += f" ({r['hdcopy_info']})"
                if r["error"] and not r["wall"]:
                    L.append(f"| {name} | 0 | {f.name} | error | | | | |")
                    continue
                w = statistics.median(r["wall"])
                base = ref[g]
                ratio = f"{w / statistics.median(base['wall']):.2f}" if base else "-"
                rss = f"{statistics.median(r['rss']):.0f}" if r["client"] else "— (in the server)"
                cpu = f"{statistics.median(r['cpu']):.1f}" if r["client"] else "—"
                spread = f" ({min(r['wall']):.2f}–{max(r['wall']):.2f})" if len(r["wall"]) > 1 else ""
                L.append(f"| {name} | {len(r['wall'])} | {f.name} ({size:.0f} MB) | {w:.2f}{spread} | "
                         f"{r['raw_mb'] / w:.0f} | {ratio} | {rss} | {cpu} |")
            L.append("")
    if notes:
        L.append("Notes: " + "; ".join(notes) + ".")
        L.append("")
    if errors:
        L.append("Errors:")
        L.extend(f"- {e}" for e in errors)
        L.append("")
    return "\n".join(L)


if __name__ == "__main__":
    sys.exit(main())
