"""Integration-test harness: a real PostgreSQL server started for the session, a fresh database per test,
and helpers to run the hdcopy binary and read tables back.

The server is Debian's PostgreSQL, started by tests/scripts/pg-start.sh in a private directory with its socket
there and TCP on 127.0.0.1 only. Nothing here mocks anything: hdcopy talks to the real server over libpq.
"""
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "tests" / "scripts"
HDCOPY = os.environ.get("HDCOPY_BIN", str(ROOT / "build" / "hdcopy"))


def _valgrind_wrapper(binary: str) -> str:
    """HDCOPY_VALGRIND=1 (scripts/valgrind.sh): run every hdcopy under valgrind memcheck. HDCOPY becomes a script
    that execs valgrind (same pid, so tests that signal or kill hdcopy still reach it) with the report in
    $HDCOPY_VALGRIND_LOGS/vg.<pid>.log instead of stderr (tests compare stderr); -q leaves a clean run's log empty.
    A memory error or a definite/indirect leak makes hdcopy exit 97. Use a build without sanitizers."""
    logs = Path(os.environ.get("HDCOPY_VALGRIND_LOGS") or tempfile.mkdtemp(prefix="hdcopy-vg-", dir="/tmp"))
    logs.mkdir(parents=True, exist_ok=True)
    wrapper = logs / "hdcopy"
    args = ["valgrind", "-q", "--tool=memcheck", "--error-exitcode=97", "--leak-check=full",
            "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
            "--track-origins=yes", "--num-callers=30", f"--suppressions={ROOT / 'tests' / 'valgrind.supp'}",
            f"--log-file={logs}/vg.%p.log", binary]
    wrapper.write_text("#!/bin/sh\nexec " + " ".join(f"'{a}'" for a in args) + ' "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


if os.environ.get("HDCOPY_VALGRIND") == "1":
    HDCOPY = _valgrind_wrapper(HDCOPY)
_db_counter = itertools.count(1)
NULL_MARK = "\x02NULL\x02"  # psql prints NULL as this, so tests can tell NULL from ''


class Server:
    def __init__(self, info: dict, directory: str):
        self.host = info["HOST"]
        self.port = info["PORT"]
        self.user = info.get("USER", "postgres")
        self.dir = directory

    def conninfo(self, dbname: str) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def psql(self, dbname: str, sql: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", "\x1f", "-P", "null=" + NULL_MARK, "-h", self.host, "-p",
             str(self.port), "-U", self.user, "-d", dbname, "-c", sql],
            capture_output=True, text=True, check=check)


def start_server(**env):
    directory = tempfile.mkdtemp(prefix="hdcopy-pg-", dir="/tmp")
    os.chmod(directory, 0o755)
    out = subprocess.run([str(SCRIPTS / "pg-start.sh"), directory], capture_output=True, text=True,
                         env={**os.environ, **env})
    if out.returncode != 0:
        raise RuntimeError(f"could not start PostgreSQL:\n{out.stdout}\n{out.stderr}")
    info = {}
    for line in out.stdout.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            info[k.strip()] = v.strip().strip("'\"")
    return Server(info, directory)


def stop_server(server):
    subprocess.run([str(SCRIPTS / "pg-stop.sh"), server.dir], capture_output=True)
    shutil.rmtree(server.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    server = start_server()
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def pg_server_no2pc():
    """A second server with max_prepared_transactions = 0: multi-slice loads must fall back to one writer."""
    server = start_server(PG_MAX_PREPARED="0")
    yield server
    stop_server(server)


class Database:
    """A fresh database on the test server, with helpers."""
    kind = "pg"
    errors_table = "hdcopy.stl_load_errors"
    commits_table = "hdcopy.stl_load_commits"

    def __init__(self, server: Server, name: str):
        self.server = server
        self.name = name
        self.conninfo = server.conninfo(name)

    def sql(self, sql: str):
        """Run SQL with psql; return the rows as lists of strings (None for NULL)."""
        out = self.server.psql(self.name, sql)
        return parse_rows(out.stdout)

    def sql_fails(self, sql: str) -> str:
        out = self.server.psql(self.name, sql, check=False)
        assert out.returncode != 0, f"expected failure: {sql}"
        return out.stderr

    def rows(self, table: str, order: str = "1"):
        return self.sql(f"SELECT * FROM {table} ORDER BY {order}")

    def count(self, table: str) -> int:
        return int(self.sql(f"SELECT count(*) FROM {table}")[0][0])

    def load_errors(self, cols="line_number, trim(colname), err_code, trim(err_reason)"):
        return self.sql(f"SELECT {cols} FROM {self.errors_table} ORDER BY query, line_number")


class SqliteDatabase(Database):
    """The embedded target: an SQLite file, read back with Python's sqlite3 module. Values come back as the
    strings psql would print for the same stored values where the two agree (integers, text, dates)."""
    kind = "sqlite"
    errors_table = "stl_load_errors"
    commits_table = "stl_load_commits"

    def __init__(self, path):
        self.path = str(path)
        self.name = self.path
        self.conninfo = "sqlite:" + self.path

    def sql(self, sql: str):
        import sqlite3
        sql = sql.replace("chr(10)", "char(10)")
        con = sqlite3.connect(self.path)
        try:
            cur = con.cursor()
            rows = []
            for stmt in [x for x in sql.split(";") if x.strip()]:
                cur.execute(stmt)
                rows = cur.fetchall() if cur.description else rows
            con.commit()
        finally:
            con.close()
        return [[None if v is None else str(v) for v in row] for row in rows]

    def sql_fails(self, sql: str) -> str:
        raise NotImplementedError


def parse_rows(text: str):
    rows = []
    for line in text.splitlines():
        rows.append([None if v == NULL_MARK else v for v in line.split("\x1f")])
    return rows


@pytest.fixture
def db(pg_server):
    name = f"t{os.getpid()}_{next(_db_counter)}"
    pg_server.psql("postgres", f"CREATE DATABASE {name}")
    database = Database(pg_server, name)
    yield database
    pg_server.psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", check=False)


@pytest.fixture(params=["pg", "sqlite"])
def tdb(request, tmp_path_factory):
    """The same test against both targets: a fresh PostgreSQL database, or a fresh SQLite file."""
    if request.param == "pg":
        return request.getfixturevalue("db")
    if request.node.get_closest_marker("pg_only"):
        pytest.skip("PostgreSQL only: " + request.node.get_closest_marker("pg_only").args[0])
    return SqliteDatabase(tmp_path_factory.mktemp("sqlite") / "t.db")


def run_hdcopy(*args, db=None, input=None, env=None, timeout=300):
    """Run the hdcopy binary; returns CompletedProcess with text stdout/stderr."""
    cmd = [HDCOPY]
    if db is not None:
        cmd += ["--db", db.conninfo if isinstance(db, Database) else db]
    cmd += list(args)
    full_env = dict(os.environ)
    full_env.pop("HDCOPY_DB", None)
    if env:
        full_env.update(env)
    return subprocess.run(cmd, input=input, capture_output=True, text=True, env=full_env, timeout=timeout)


@pytest.fixture
def hdcopy():
    return run_hdcopy


def write(path: Path, data, mode="w"):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        with open(path, mode, newline="") as f:
            f.write(data)
    return path
