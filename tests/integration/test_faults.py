"""Faults (issue 11): what a load does when the system misbehaves under it. Each case ends in one clear error, a
non-zero exit, nothing committed to the target (PostgreSQL and SQLite), no prepared transaction left behind, no
sanitizer report, and never a hang.

Two ways in:
- $HDCOPY_FAULTS (src/common/sys.h) — needs a binary built with -DHD_FAULTS=ON (scripts/test.sh's ASan build):
  short reads, EINTR, EIO on reads of the data files, ENOSPC under the SQLite target, and an allocation failing at
  the Nth call for every N of a small load. Skipped with a binary built without it.
- Real components from outside, for what third-party libraries do on their own sockets: a TCP proxy between hdcopy
  and PostgreSQL that resets the connection (SO_LINGER 0) after K bytes of the COPY stream; a fake WebHDFS
  NameNode + DataNode that sends part of a body and then stalls, or never answers.
"""
import json
import os
import re
import socket
import sqlite3
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import run_hdcopy, write, Database

DDL = "CREATE TABLE t (id int, name varchar(40), d date)"
SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer")


def rows(n, start=1):
    return "".join(f"{i}|name {i}|2024-01-{1 + i % 28:02d}\n" for i in range(start, start + n))


@pytest.fixture(scope="module")
def faults_built():
    r = run_hdcopy("--version", env={"HDCOPY_FAULTS": "count"})
    if "hdcopy: faults:" not in r.stderr:
        pytest.skip("this hdcopy was built without -DHD_FAULTS=ON")


def counts(stderr):
    m = re.search(r"hdcopy: faults: calls: open (\d+), read (\d+), write (\d+), alloc (\d+); faults injected (\d+)",
                  stderr)
    assert m, stderr
    return dict(zip(["open", "read", "write", "alloc", "injected"], map(int, m.groups())))


def clean_failure(r):
    """A non-zero exit with one hdcopy error line and no sanitizer report."""
    assert r.returncode != 0, r.stderr
    assert not SANITIZER.search(r.stderr), r.stderr
    errs = [l for l in r.stderr.splitlines() if l.startswith("hdcopy:") and not l.startswith("hdcopy: faults:")]
    assert errs, r.stderr
    return errs[-1]


def no_prepared(db):
    if db.kind == "pg":
        assert db.sql("SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database()") == [["0"]]


@pytest.fixture
def db(tdb):
    return tdb


# ---- $HDCOPY_FAULTS -----------------------------------------------------------------------------------------------

def test_short_reads_and_eintr_load_the_same_rows(db, tmp_path, faults_built):
    db.sql(DDL)
    data = rows(3000)
    f = write(tmp_path / "d.txt", data)
    r = run_hdcopy(f"COPY t FROM '{f}'", "-j", "2", db=db, env={"HDCOPY_FAULTS": "read:short,read:eintr"})
    assert r.returncode == 0, r.stderr
    c = counts(r.stderr)
    assert c["read"] > 20 and c["injected"] > 20  # really short: 1..8191 bytes a read, every other one interrupted
    assert db.count("t") == 3000
    assert db.sql("SELECT sum(id), count(DISTINCT name) FROM t") == [[str(3000 * 3001 // 2), "3000"]]


def test_eio_after_every_row_was_sent_commits_nothing(db, tmp_path, faults_built):
    db.sql(DDL)
    db.sql("INSERT INTO t VALUES (0, 'before', '2024-01-01')")
    f = write(tmp_path / "d.txt", rows(50))
    # read 1 returns the whole file, read 2 (the one that would say "end of file") fails
    r = run_hdcopy(f"COPY t FROM '{f}'", "-j", "1", db=db, env={"HDCOPY_FAULTS": "read:eio@2"})
    line = clean_failure(r)
    assert r.returncode == 1
    assert f"cannot read '{f}': Input/output error" in line
    assert line.count(str(f)) == 1, line  # the file is named once, not once per layer
    assert db.rows("t") == [["0", "before", "2024-01-01"]]
    no_prepared(db)


def test_eio_on_a_gzip_file_names_it(db, tmp_path, faults_built):
    import gzip
    db.sql(DDL)
    f = tmp_path / "d.txt.gz"
    f.write_bytes(gzip.compress(rows(2000).encode()))
    r = run_hdcopy(f"COPY t FROM '{f}' GZIP", db=db, env={"HDCOPY_FAULTS": "read:short,read:eio@2"})
    line = clean_failure(r)
    assert str(f) in line and "Input/output error" in line
    assert db.count("t") == 0
    no_prepared(db)


def test_open_failure_names_the_file(db, tmp_path, faults_built):
    db.sql(DDL)
    f = write(tmp_path / "d.txt", rows(5))
    r = run_hdcopy(f"COPY t FROM '{f}'", db=db, env={"HDCOPY_FAULTS": "open:emfile"})
    line = clean_failure(r)
    assert f"cannot open '{f}': Too many open files" in line
    assert db.count("t") == 0


@pytest.mark.parametrize("first", [1, 4, 12, 30])
def test_disk_full_under_sqlite_commits_nothing(tmp_path, first, faults_built):
    target = tmp_path / "t.db"
    con = sqlite3.connect(target)
    con.execute("CREATE TABLE t (id integer, name text, d text)")
    con.execute("INSERT INTO t VALUES (0, 'before', '2024-01-01')")
    con.commit()
    con.close()
    f = write(tmp_path / "d.txt", rows(20000))  # ~600 KB: many SQLite pages and journal writes
    r = run_hdcopy(f"COPY t FROM '{f}'", "-j", "1", db=f"sqlite:{target}",
                   env={"HDCOPY_FAULTS": f"write:enospc@{first}+"})
    line = clean_failure(r)
    assert "disk is full" in line or "No space left on device" in line, line
    con = sqlite3.connect(target)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("SELECT id, name FROM t").fetchall() == [(0, "before")]
    finally:
        con.close()


def alloc_sweep(db, tmp_path, slices):
    db.sql(DDL)
    f = write(tmp_path / "d.txt", rows(40))
    stmt = f"COPY t FROM '{f}'"
    r = run_hdcopy(stmt, "-j", str(slices), db=db, env={"HDCOPY_FAULTS": "count"})
    assert r.returncode == 0, r.stderr
    total = counts(r.stderr)["alloc"]
    assert total > 10
    db.sql("DELETE FROM t")
    ns = list(range(1, total + 2))
    if len(ns) > 160:  # sample: the first 100 (set-up paths) and every k-th after
        k = (len(ns) - 100) // 60 + 1
        ns = ns[:100] + ns[100::k] + [total + 1]
    loaded = failed = 0
    for n in ns:
        r = run_hdcopy(stmt, "-j", str(slices), db=db, env={"HDCOPY_FAULTS": f"alloc:{n}"}, timeout=120)
        assert not SANITIZER.search(r.stderr), f"alloc:{n}\n{r.stderr}"
        have = db.count("t")
        if r.returncode == 0:
            assert have == 40, f"alloc:{n} loaded {have} rows\n{r.stderr}"
            db.sql("DELETE FROM t")
            loaded += 1
        else:
            line = clean_failure(r)
            assert "out of memory" in line or "memory" in line.lower(), f"alloc:{n}: {line}"
            assert have == 0, f"alloc:{n} failed but left {have} rows\n{r.stderr}"
            failed += 1
        no_prepared(db)
    assert failed > 0 and loaded >= 1  # N past the last allocation loads everything


def test_allocation_failure_at_every_call_sqlite(tmp_path, faults_built):
    from conftest import SqliteDatabase
    alloc_sweep(SqliteDatabase(tmp_path / "t.db"), tmp_path, 1)


def test_allocation_failure_at_every_call_pg(pg_server, tmp_path, faults_built):
    name = f"tf{os.getpid()}_alloc"
    pg_server.psql("postgres", f"DROP DATABASE IF EXISTS {name}")
    pg_server.psql("postgres", f"CREATE DATABASE {name}")
    try:
        alloc_sweep(Database(pg_server, name), tmp_path, 2)
    finally:
        pg_server.psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", check=False)


def test_bad_fault_spec_is_a_usage_error(faults_built):
    r = run_hdcopy("--version", env={"HDCOPY_FAULTS": "read:bogus"})
    assert r.returncode == 2 and "HDCOPY_FAULTS" in r.stderr


# ---- a connection reset in the middle of the COPY stream ----------------------------------------------------------

class ResetProxy:
    """127.0.0.1:port → PostgreSQL's TCP port. A connection that has carried more than `after` bytes from hdcopy
    to the server is reset (SO_LINGER 0, then close: the peer sees ECONNRESET), both ways."""

    def __init__(self, port, after):
        self.upstream = ("127.0.0.1", int(port))
        self.after = after
        self.resets = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            s = socket.create_connection(self.upstream)
            threading.Thread(target=self.pump, args=(c, s, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(s, c, False), daemon=True).start()

    def reset(self, *socks):
        for x in socks:
            try:
                x.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                x.close()
            except OSError:
                pass

    def pump(self, src, dst, count):
        sent = 0
        try:
            while True:
                b = src.recv(65536)
                if not b:
                    dst.shutdown(socket.SHUT_WR)
                    return
                sent += len(b)
                if count and sent > self.after:
                    self.resets += 1
                    self.reset(src, dst)
                    return
                dst.sendall(b)
        except OSError:
            self.reset(src, dst)

    def close(self):
        self.stop = True
        self.sock.close()


@pytest.mark.parametrize("slices", [1, 2])
def test_connection_reset_mid_copy_commits_nothing(pg_server, tmp_path, slices):
    name = f"tf{os.getpid()}_reset{slices}"
    pg_server.psql("postgres", f"DROP DATABASE IF EXISTS {name}")
    pg_server.psql("postgres", f"CREATE DATABASE {name}")
    db = Database(pg_server, name)
    proxy = ResetProxy(pg_server.port, after=300_000)
    try:
        db.sql(DDL)
        f = write(tmp_path / "d.txt", rows(60000))  # ~2 MB of COPY data: the reset lands mid-stream
        target = f"host=127.0.0.1 port={proxy.port} user={pg_server.user} dbname={name}"
        t0 = time.monotonic()
        r = run_hdcopy(f"COPY t FROM '{f}'", "-j", str(slices), db=target, timeout=120)
        assert time.monotonic() - t0 < 60
        line = clean_failure(r)
        assert proxy.resets >= 1
        assert re.search(r"connection|reset|closed|terminated", line, re.I), line
        assert db.count("t") == 0
        # once hdcopy is gone nothing of the load is left in the server: no prepared transaction, no row
        for _ in range(50):
            if db.sql("SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database()") == [["0"]]:
                break
            time.sleep(0.1)
        no_prepared(db)
        # and the next load through a healthy path works
        r = run_hdcopy(f"COPY t FROM '{f}'", "-j", str(slices), db=db)
        assert r.returncode == 0, r.stderr
        assert db.count("t") == 60000
    finally:
        proxy.close()
        pg_server.psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", check=False)


# ---- a stalled WebHDFS source -------------------------------------------------------------------------------------

class FakeHdfs:
    """A NameNode and DataNode in one HTTP server: /data/x.txt lists as one FILE of `size` bytes; OPEN redirects to
    /dn/x.txt on the same server, which sends the headers and `send` bytes of the body and then stalls.
    mode 'nn-stall': the NameNode accepts LISTSTATUS and never answers."""

    def __init__(self, size=100_000, send=5_000, mode="dn-stall"):
        fake = self
        self.opens = 0
        self.release = threading.Event()

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def send_json(self, obj, code=200):
                b = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(b)))
                self.end_headers()
                self.wfile.write(b)

            def do_GET(self):
                if self.path.startswith("/webhdfs/v1/"):
                    op = re.search(r"op=([A-Z_]+)", self.path).group(1)
                    if mode == "nn-stall":
                        fake.release.wait(60)
                        return
                    if op.startswith("LISTSTATUS"):
                        st = [{"pathSuffix": "x.txt", "type": "FILE", "length": size}]
                        if op == "LISTSTATUS_BATCH":
                            return self.send_json({"DirectoryListing": {"partialListing": {"FileStatuses": {
                                "FileStatus": st}}, "remainingEntries": 0}})
                        return self.send_json({"FileStatuses": {"FileStatus": st}})
                    if op == "GETFILESTATUS":
                        return self.send_json({"FileStatus": {"pathSuffix": "", "type": "FILE", "length": size}})
                    if op == "OPEN":
                        fake.opens += 1
                        return self.send_json({"Location": f"http://127.0.0.1:{fake.port}/dn/x.txt"})
                    return self.send_json({"RemoteException": {"exception": "UnsupportedOperationException",
                                                               "message": op}}, 400)
                if self.path.startswith("/dn/"):
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(size))
                    self.end_headers()
                    line = b"1|stalled|2024-01-01\n"
                    self.wfile.write((line * (send // len(line) + 1))[:send])
                    self.wfile.flush()
                    fake.release.wait(60)  # then nothing: a hung DataNode
                    return
                self.send_json({}, 404)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def test_stalled_datanode_fails_with_a_timeout(db, tmp_path):
    db.sql(DDL)
    fake = FakeHdfs()
    try:
        t0 = time.monotonic()
        r = run_hdcopy(f"COPY t FROM 'hdfs://127.0.0.1:{fake.port}/data/x.txt'", db=db, timeout=90,
                       env={"HDCOPY_HDFS_READ_TIMEOUT": "2", "HADOOP_USER_NAME": "etl"})
        took = time.monotonic() - t0
    finally:
        fake.close()
    line = clean_failure(r)
    assert r.returncode == 1
    assert "timed out" in line and "HDCOPY_HDFS_READ_TIMEOUT" in line and "sent nothing for 2 seconds" in line, line
    assert fake.opens == 5  # the first DataNode, then HD_WEBHDFS_REOPENS (4) tries elsewhere
    assert took < 5 * 2 + 15, took  # 5 stalls of 2 s, the back-off between them, start-up: never a hang
    assert db.count("t") == 0
    no_prepared(db)


def test_stalled_namenode_fails_with_a_timeout(db, tmp_path):
    db.sql(DDL)
    fake = FakeHdfs(mode="nn-stall")
    try:
        t0 = time.monotonic()
        r = run_hdcopy(f"COPY t FROM 'hdfs://127.0.0.1:{fake.port}/data/x.txt'", db=db, timeout=90,
                       env={"HDCOPY_HDFS_READ_TIMEOUT": "2", "HADOOP_USER_NAME": "etl"})
        took = time.monotonic() - t0
    finally:
        fake.close()
    line = clean_failure(r)
    assert "did not answer within 2 seconds (HDCOPY_HDFS_READ_TIMEOUT)" in line, line
    assert took < 15, took
    assert db.count("t") == 0


def test_bad_read_timeout_is_a_usage_error(db):
    db.sql(DDL)
    r = run_hdcopy("COPY t FROM 'hdfs://127.0.0.1:1/data/x.txt'", db=db, env={"HDCOPY_HDFS_READ_TIMEOUT": "0"})
    assert r.returncode == 2 and "HDCOPY_HDFS_READ_TIMEOUT wants seconds" in r.stderr, r.stderr
