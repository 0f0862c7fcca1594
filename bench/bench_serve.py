#!/usr/bin/env python3
"""The front door's cost: `hdcopy serve` against a direct connection and against pgbouncer, and a Redshift COPY
through serve against the CLI.

1. pgbench -S (select-only, the built-in TPC-B-like tables) with -M prepared (extended protocol) and -M simple,
   `--clients` clients on `--jobs` threads for `--time` seconds, to the same PostgreSQL three ways, all over TCP on
   127.0.0.1: directly; through `hdcopy serve`; through pgbouncer (Debian's package, session pool mode — the mode
   that keeps every session's semantics, as serve does). tps is pgbench's "without initial connection time".
   Targets are interleaved within each round (direct, serve, pgbouncer; the order rotates from round to round, so
   no target always runs first); median of `--runs`. Also reported: the proxy process's own CPU (user + system,
   /proc/PID/stat) per transaction, which a busy machine disturbs much less than tps.
2. A Redshift COPY of `--copy-rows` lineitem-shaped rows (bench/lineitem.py, the data of bench/bench_load.py)
   through serve (`psql -c "COPY …"` to serve's port) and with the CLI (`hdcopy --db … "COPY …"`); both load with
   the same slices over the same unix-socket conninfo (serve's --loader = the CLI's --db). TRUNCATE + CHECKPOINT
   before each load (not timed); row count checked after each; the two alternate which goes first; median of
   `--runs`.

usage:
  bench/bench_serve.py                      # everything: ~7 min on 2 cores (3 × 2 modes × 3 targets × 15 s + COPYs)
  bench/bench_serve.py --quick              # smoke test, ~1 min: 1 run, -T 5, 200,000 rows
  bench/bench_serve.py --runs 5 --time 30 --clients 16 --jobs 4 --scale 20 --copy-rows 5000000
  bench/bench_serve.py --skip-copy / --skip-pgbench

Needs a built hdcopy (default build/hdcopy; built with scripts/build.sh when missing), PostgreSQL's server binaries
and pgbench (scripts/deps.sh), and pgbouncer (installed with apt-get when run as root; else that target is skipped
with a note). Starts a private PostgreSQL with tests/scripts/pg-start.sh (trust on 127.0.0.1, as the other
benchmarks), serve and pgbouncer on free ports, all in a temp directory removed at the end. Under root, pgbouncer
runs as the `postgres` OS user (it refuses root). Prints a Markdown report and writes it, with a .json of every run,
to bench/out/serve-<time>.{md,json}. Exit status 1 if a target failed or a load gave a wrong row count.
"""
import argparse
import datetime
import json
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import lineitem  # noqa: E402


START_CMDS = {}  # how serve and pgbouncer were started, for the report


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


def ensure_pgbouncer(notes):
    exe = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.access("/usr/sbin/pgbouncer", os.X_OK) else None)
    if exe:
        return exe
    if os.geteuid() == 0:
        log("installing pgbouncer (Debian) ...")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        r = subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "pgbouncer"],
                           capture_output=True, text=True, env=env)
        if r.returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "pgbouncer"],
                           capture_output=True, text=True, env=env)
        # The package's own service (if an init system started it) is not ours and is left alone.
        exe = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.access("/usr/sbin/pgbouncer", os.X_OK)
                                            else None)
    if not exe:
        notes.append("pgbouncer: not installed (run as root, or `apt-get install pgbouncer`); that target skipped")
    return exe


class Procs:
    """Processes this script started; stopped (by pid) at the end."""

    def __init__(self):
        self.procs = []
        self.pids = []  # started by a wrapper (runuser): stopped by pid too

    def add(self, p):
        self.procs.append(p)
        return p

    def add_pid(self, pid):
        self.pids.append(pid)

    def stop(self):
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def start_serve(procs, hdcopy, work, pg, slices):
    port = free_port()
    logf = open(work / "serve.log", "w")
    p = procs.add(subprocess.Popen(
        [hdcopy, "serve", "--listen", f"127.0.0.1:{port}", "--upstream", f"postgresql://127.0.0.1:{pg['PORT']}/",
         "--loader", f"host={pg['HOST']} port={pg['PORT']} user={pg['USER']}", "-j", str(slices)],
        stdout=subprocess.DEVNULL, stderr=logf))
    wait_port(port, p, "hdcopy serve")
    START_CMDS["hdcopy serve"] = shlex.join(p.args)
    return port, p.pid


def start_pgbouncer(procs, exe, work, pg):
    port = free_port()
    d = work / "pgbouncer"
    d.mkdir()
    (d / "userlist.txt").write_text(f'"{pg["USER"]}" ""\n')
    (d / "pgbouncer.ini").write_text(f"""[databases]
* = host=127.0.0.1 port={pg['PORT']}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {d}/userlist.txt
pool_mode = session
max_client_conn = 500
default_pool_size = 100
logfile = {d}/pgbouncer.log
pidfile = {d}/pgbouncer.pid
ignore_startup_parameters = extra_float_digits
""")
    cmd = [exe, str(d / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        subprocess.run(["chown", "-R", "postgres", str(d)], check=True)
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    p = procs.add(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(work / "pgbouncer.stderr", "w")))
    wait_port(port, p, "pgbouncer")
    START_CMDS["pgbouncer"] = shlex.join(cmd) + "  # " + "; ".join(
        ln for ln in (d / "pgbouncer.ini").read_text().splitlines() if "=" in ln)
    pid = int((d / "pgbouncer.pid").read_text().split()[0])  # under runuser, the Popen pid is runuser's
    procs.add_pid(pid)
    return port, pid


def cpu_seconds(pid):
    """utime + stime of a process, all its threads, in seconds (/proc/PID/stat)."""
    if not pid:
        return None
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def pgbench(port, pg, mode, a):
    cmd = ["pgbench", "-n", "-S", "-M", mode, "-c", str(a.clients), "-j", str(a.jobs), "-T", str(a.time),
           "-h", "127.0.0.1", "-p", str(port), "-U", pg["USER"], "bench"]
    r = sh(cmd, check=False, env=dict(os.environ, PGSSLMODE="disable"))
    m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", r.stdout)
    if r.returncode != 0 or not m:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    lat = re.search(r"latency average = ([0-9.]+) ms", r.stdout)
    n = re.search(r"number of transactions actually processed: (\d+)", r.stdout)
    return float(m.group(1)), float(lat.group(1)) if lat else None, int(n.group(1)) if n else 0, shlex.join(cmd)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hdcopy", default=str(ROOT / "build" / "hdcopy"))
    ap.add_argument("--runs", type=int, default=None, help="rounds (default 3)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--time", type=int, default=None, help="seconds per pgbench run (default 15)")
    ap.add_argument("--scale", type=int, default=10, help="pgbench -i scale")
    ap.add_argument("--copy-rows", type=int, default=None, help="rows of the COPY (default 2,000,000)")
    ap.add_argument("--slices", type=int, default=os.cpu_count() or 2, help="slices for both COPY paths")
    ap.add_argument("--skip-copy", action="store_true")
    ap.add_argument("--skip-pgbench", action="store_true")
    ap.add_argument("--quick", action="store_true", help="defaults of 1 run, -T 5, 200,000 rows")
    a = ap.parse_args()
    for name, full, quick in (("runs", 3, 1), ("time", 15, 5), ("copy_rows", 2_000_000, 200_000)):
        if getattr(a, name) is None:
            setattr(a, name, quick if a.quick else full)

    hdcopy = a.hdcopy
    if not os.access(hdcopy, os.X_OK):
        if hdcopy != str(ROOT / "build" / "hdcopy"):
            sys.exit(f"no hdcopy binary at {hdcopy}")
        log("building hdcopy (scripts/build.sh build) ...")
        subprocess.run([str(ROOT / "scripts/build.sh"), "build"], check=True)
    if not shutil.which("pgbench"):
        sys.exit("pgbench not found (Debian: postgresql-client; scripts/deps.sh installs it)")
    notes = []
    bouncer = ensure_pgbouncer(notes) if not a.skip_pgbench else None

    work = Path(tempfile.mkdtemp(prefix="hdcopy-bench-serve-", dir="/tmp"))
    os.chmod(work, 0o755)
    procs = Procs()
    results = {"started": datetime.datetime.now().isoformat(timespec="seconds"), "args": vars(a), "notes": notes,
               "pgbench": {}, "copy": {}}
    failed = False
    pgdir = work / "pg"
    try:
        out = sh([str(ROOT / "tests/scripts/pg-start.sh"), str(pgdir)]).stdout
        pg = dict(line.split("=", 1) for line in out.split() if "=" in line)
        pg["USER"] = pg.get("USER", "postgres")
        results["server"] = sh(["psql", "-X", "-At", "-h", pg["HOST"], "-p", pg["PORT"], "-U", pg["USER"],
                                "-d", "postgres", "-c", "SELECT version()"]).stdout.strip()

        def psql(sql, db="bench", port=None):
            host = "127.0.0.1" if port else pg["HOST"]
            return sh(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", str(port or pg["PORT"]),
                       "-U", pg["USER"], "-d", db, "-c", sql])

        psql("CREATE DATABASE bench", db="postgres")
        serve_port, serve_pid = start_serve(procs, hdcopy, work, pg, a.slices)
        targets = [("direct", int(pg["PORT"]), None), ("hdcopy serve", serve_port, serve_pid)]
        if bouncer:
            try:
                targets.append(("pgbouncer", *start_pgbouncer(procs, bouncer, work, pg)))
            except Exception as e:  # noqa: BLE001
                notes.append(f"pgbouncer did not start ({e}); that target skipped")
        results["hdcopy_version"] = sh([hdcopy, "--version"], check=False).stdout.strip()

        if not a.skip_pgbench:
            log(f"pgbench -i -s {a.scale} ...")
            sh(["pgbench", "-i", "-q", "-s", str(a.scale), "-h", pg["HOST"], "-p", pg["PORT"], "-U", pg["USER"],
                "bench"])
            psql("VACUUM ANALYZE")
            for mode in ("prepared", "simple"):
                res = results["pgbench"][mode] = {name: [] for name, _, _ in targets}
                for r in range(a.runs):
                    for name, port, pid in targets[r % len(targets):] + targets[:r % len(targets)]:
                        cpu0 = cpu_seconds(pid)
                        try:
                            tps, lat, n, cmd = pgbench(port, pg, mode, a)
                        except RuntimeError as e:
                            log(str(e))
                            failed = True
                            continue
                        cpu1 = cpu_seconds(pid)
                        # the proxy's own CPU per transaction: a figure much less sensitive to a busy machine
                        us = (cpu1 - cpu0) * 1e6 / n if cpu0 is not None and cpu1 is not None and n else None
                        res[name].append({"tps": tps, "latency_ms": lat, "transactions": n, "proxy_cpu_us": us,
                                          "cmd": cmd})
                        log(f"pgbench -M {mode} run {r + 1} {name}: {tps:.0f} tps")

        if not a.skip_copy:
            data = work / "lineitem.tbl"
            log(f"generating {a.copy_rows} rows ...")
            subprocess.run([sys.executable, str(ROOT / "bench" / "lineitem.py"), str(a.copy_rows), str(data)],
                           check=True)
            os.chmod(data, 0o644)
            results["copy"]["bytes"] = data.stat().st_size
            data.read_bytes()  # into the page cache once, for both
            psql(lineitem.DDL)
            stmt = f"COPY lineitem FROM '{data}'"
            cli = [hdcopy, "--db", f"host={pg['HOST']} port={pg['PORT']} user={pg['USER']} dbname=bench", "-q",
                   "--slices", str(a.slices), stmt]
            door = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(serve_port),
                    "-U", pg["USER"], "-d", "bench", "-c", stmt]
            results["copy"]["commands"] = {"hdcopy serve (psql)": shlex.join(door), "CLI": shlex.join(cli)}
            res = results["copy"]["seconds"] = {"hdcopy serve (psql)": [], "CLI": []}
            for r in range(a.runs):
                pair = (("hdcopy serve (psql)", door), ("CLI", cli))
                for name, cmd in (pair if r % 2 == 0 else pair[::-1]):
                    psql("TRUNCATE lineitem")
                    psql("CHECKPOINT")
                    t0 = time.perf_counter()
                    p = subprocess.run(cmd, capture_output=True, text=True)
                    dt = time.perf_counter() - t0
                    n = int(psql("SELECT count(*) FROM lineitem").stdout)
                    if p.returncode != 0 or n != a.copy_rows:
                        log(f"{name} failed (status {p.returncode}, {n} rows): {p.stderr[-2000:]}")
                        failed = True
                        continue
                    res[name].append(dt)
                    log(f"COPY run {r + 1} {name}: {dt:.2f} s")
    finally:
        procs.stop()
        subprocess.run([str(ROOT / "tests/scripts/pg-stop.sh"), str(pgdir)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)

    report = render(results, a)
    print(report)
    outdir = ROOT / "bench" / "out"
    outdir.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    (outdir / f"serve-{stamp}.md").write_text(report)
    (outdir / f"serve-{stamp}.json").write_text(json.dumps(results, indent=1))
    log(f"written bench/out/serve-{stamp}.md and .json")
    sys.exit(1 if failed else 0)


def render(res, a):
    lines = [f"hdcopy serve benchmark, {res['started']}; {os.cpu_count()} cores; {res.get('server', '')}; "
             f"{res.get('hdcopy_version', '')}", ""]
    if res["pgbench"]:
        lines += [f"pgbench -S (select-only), scale {a.scale}, -c {a.clients} -j {a.jobs} -T {a.time}, over TCP "
                  f"127.0.0.1; tps without initial connection time; median of {a.runs} (range); ratio = tps ÷ direct tps"
                  "; proxy CPU = the proxy process's user+system CPU per transaction (µs)",
                  "", "| protocol | target | median tps | range | ratio to direct | ratio to pgbouncer | avg latency ms "
                  "| proxy CPU µs/txn |",
                  "|---|---|---:|---|---:|---:|---:|---:|"]
        for mode, per in res["pgbench"].items():
            med = {n: statistics.median(r["tps"] for r in runs) for n, runs in per.items() if runs}
            for name, runs in per.items():
                if not runs:
                    lines.append(f"| -M {mode} | {name} | failed | | | | | |")
                    continue
                tps = [r["tps"] for r in runs]
                lat = statistics.median(r["latency_ms"] for r in runs if r["latency_ms"] is not None)
                rd = med[name] / med["direct"] if "direct" in med else float("nan")
                rb = f"{med[name] / med['pgbouncer']:.2f}" if "pgbouncer" in med else "—"
                cpu = [r["proxy_cpu_us"] for r in runs if r["proxy_cpu_us"] is not None]
                cpu = f"{statistics.median(cpu):.1f}" if cpu else "—"
                lines.append(f"| -M {mode} | {name} | {med[name]:.0f} | {min(tps):.0f}–{max(tps):.0f} | {rd:.2f} | "
                             f"{rb} | {lat:.3f} | {cpu} |")
        lines.append("")
    if res["copy"].get("seconds"):
        mb = res["copy"]["bytes"] / 1e6
        lines += [f"Redshift COPY of {a.copy_rows} lineitem-shaped rows ({mb:.0f} MB, '|'-delimited), "
                  f"{a.slices} slices, median of {a.runs} (range); ratio = time ÷ CLI time", "",
                  "| path | median s | range | MB/s | ratio to CLI |", "|---|---:|---|---:|---:|"]
        secs = res["copy"]["seconds"]
        cli = statistics.median(secs["CLI"]) if secs["CLI"] else None
        for name, runs in secs.items():
            if not runs:
                lines.append(f"| {name} | failed | | | |")
                continue
            m = statistics.median(runs)
            ratio = f"{m / cli:.2f}" if cli else "—"
            lines.append(f"| {name} | {m:.2f} | {min(runs):.2f}–{max(runs):.2f} | {mb / m:.0f} | {ratio} |")
        lines.append("")
        for name, cmd in res["copy"]["commands"].items():
            lines.append(f"- {name}: `{cmd}`")
        lines.append("")
    for name, cmd in START_CMDS.items():
        lines.append(f"- {name}: `{cmd}`")
    for n in res["notes"]:
        lines.append(f"- note: {n}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
