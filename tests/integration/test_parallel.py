"""Parallel slices: every row once across byte-range splits, MAXERROR across slices, the commit methods (two-phase,
one writer when the server has no prepared transactions, SQLite's single writer), --json and the progress line."""
import json
import os
import pty
import select
import subprocess

import pytest

from conftest import HDCOPY, Database, SqliteDatabase, run_hdcopy, write


def big_escaped_file(path, rows):
    """~20+ MB, with escaped delimiters and escaped newlines, so byte-range splits must respect ESCAPE."""
    with open(path, "w") as f:
        for i in range(rows):
            if i % 7 == 0:
                f.write(f"{i}|multi\\\nline \\| field {i}|{'x' * 40}\n")
            else:
                f.write(f"{i}|plain field {i}|{'y' * 40}\n")
    return path


def load_json(db, *args):
    r = run_hdcopy("--json", *args, db=db)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["statements"][0]["copy"]


@pytest.fixture(scope="module")
def escaped(tmp_path_factory):
    return big_escaped_file(tmp_path_factory.mktemp("esc") / "big.txt", 400_000)


def test_split_file_loads_every_row_once(db, escaped):
    db.sql("CREATE TABLE t (id int, s text, pad text)")
    copy = load_json(db, "--slices", "2", f"COPY t FROM '{escaped}' ESCAPE")
    assert copy["slices"] == 2 and copy["commit_method"] == "two-phase commit"
    assert copy["rows_loaded"] == 400_000
    assert db.sql("SELECT count(*), count(DISTINCT id), sum(id::bigint) FROM t") == \
        [["400000", "400000", str(sum(range(400_000)))]]
    # escaped newlines and delimiters stayed data in every range
    assert db.sql("SELECT count(*) FROM t WHERE s LIKE 'multi' || chr(10) || 'line | field %'") == \
        [[str(len(range(0, 400_000, 7)))]]
    # one file in the per-file summary, however many ranges it was read in
    assert len(copy["files"]) == 1 and copy["files"][0]["rows"] == 400_000


def test_line_numbers_in_errors_are_right_in_every_range(db, tmp_path):
    """A bad row deep in the second half of a split file is reported with its true line number."""
    db.sql("CREATE TABLE t (id int, s text, pad text)")
    path = tmp_path / "f.txt"
    with open(path, "w") as f:
        for i in range(400_000):
            f.write(f"{'oops' if i == 350_000 else i}|field {i}|{'z' * 40}\n")
    r = run_hdcopy("--slices", "2", f"COPY t FROM '{path}' MAXERROR 1", db=db)
    assert r.returncode == 0, r.stderr
    assert db.load_errors("line_number, err_code") == [["350001", "1207"]]
    assert db.count("t") == 399_999


def test_maxerror_counts_across_slices(db, tmp_path):
    db.sql("CREATE TABLE t (id int, s text)")
    for k in range(4):
        write(tmp_path / "d" / f"part-{k}", "".join(f"{k * 100 + i}|ok\n" for i in range(50)) + "x|bad\ny|bad\n")
    r = run_hdcopy("--slices", "2", f"COPY t FROM '{tmp_path}/d/' MAXERROR 7", db=db)
    assert r.returncode == 1  # 8 rejected rows in all, over 7
    assert db.count("t") == 0
    copy = load_json(db, "--slices", "2", f"COPY t FROM '{tmp_path}/d/' MAXERROR 8")
    assert copy["rows_loaded"] == 200 and copy["rows_rejected"] == 8
    assert sorted(f["errors"] for f in copy["files"]) == [2, 2, 2, 2]


def test_fallback_to_one_writer_without_prepared_transactions(pg_server_no2pc, escaped):
    name = "fallback"
    pg_server_no2pc.psql("postgres", f"CREATE DATABASE {name}", check=False)
    db = Database(pg_server_no2pc, name)
    db.sql("DROP TABLE IF EXISTS t; CREATE TABLE t (id int, s text, pad text)")
    copy = load_json(db, "--slices", "2", f"COPY t FROM '{escaped}' ESCAPE")
    assert copy["slices"] == 2 and copy["commit_method"] == "single transaction, one writer"
    assert db.sql("SELECT count(*), count(DISTINCT id) FROM t") == [["400000", "400000"]]


def test_sqlite_slices_hand_rows_to_one_writer(tmp_path, escaped):
    db = SqliteDatabase(tmp_path / "t.db")
    db.sql("CREATE TABLE t (id int, s text, pad text)")
    copy = load_json(db, "--slices", "2", f"COPY t FROM '{escaped}' ESCAPE")
    assert copy["slices"] == 2 and copy["commit_method"] == "single transaction, one writer"
    assert db.sql("SELECT count(*), count(DISTINCT id) FROM t") == [["400000", "400000"]]


def test_progress_on_a_terminal_and_silent_otherwise(db, escaped):
    db.sql("CREATE TABLE t (id int, s text, pad text)")
    master, slave = pty.openpty()
    proc = subprocess.Popen([HDCOPY, "--db", db.conninfo, "--slices", "1", f"COPY t FROM '{escaped}' ESCAPE"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    proc.wait()
    os.close(master)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text
    assert "MB/s" in text and "rows" in text and "errors" in text
    assert "INFO:  Load into table 't' completed, 400000 record(s)" in text
    # not a terminal: no progress line at all
    db.sql("TRUNCATE t")
    r = run_hdcopy("--slices", "1", f"COPY t FROM '{escaped}' ESCAPE", db=db)
    assert r.returncode == 0 and "MB/s" not in r.stderr




@pytest.fixture(params=["pg", "pg_no2pc", "sqlite"])
def ptarget(request, tmp_path_factory):
    """Each way slices write: PostgreSQL two-phase commit, PostgreSQL's one writer (no prepared transactions) and
    SQLite's one writer."""
    if request.param == "pg":
        db = request.getfixturevalue("db")
        db.method = "two-phase commit"
        yield db
        return
    if request.param == "sqlite":
        db = SqliteDatabase(tmp_path_factory.mktemp("sqlite") / "t.db")
        db.method = "single transaction, one writer"
        yield db
        return
    server = request.getfixturevalue("pg_server_no2pc")
    name = f"w{os.getpid()}_{request.node.name[-12:].strip('[]-').replace('-', '_')}"
    server.psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", check=False)
    server.psql("postgres", f"CREATE DATABASE {name}")
    db = Database(server, name)
    db.method = "single transaction, one writer"
    yield db
    server.psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", check=False)


@pytest.mark.parametrize("codec", ["gzip", "zstd"])
def test_compressed_parts_across_slices_with_rejects(ptarget, tmp_path, codec):
    """Every thread at once: 4 slices, each file decompressed on a prefetch thread of its own, rejected rows flushed
    by several slices through the shared error channel while rows are written (more than a batch of 64 per slice),
    rows through per-slice transactions (two-phase commit) or the one writer's queue; then a MAXERROR passed in the
    middle, which must stop every slice and load nothing. scripts/tsan.sh runs this under ThreadSanitizer."""
    import gzip
    db = ptarget
    db.sql("DROP TABLE IF EXISTS t; CREATE TABLE t (id int, s text)")
    d = tmp_path / "d"
    d.mkdir()
    for k in range(6):
        raw = "".join(f"{k * 10_000 + i}|row {i}\n" if i % 97 else f"bad{i}|x\n" for i in range(1, 10_001))
        path = d / f"part-{k}.{'gz' if codec == 'gzip' else 'zst'}"
        if codec == "gzip":
            path.write_bytes(gzip.compress(raw.encode()))
        else:
            (tmp_path / "raw").write_text(raw)
            subprocess.run(["zstd", "-q", "-f", "-o", str(path), str(tmp_path / "raw")], check=True)
    bad = 6 * len(range(97, 10_001, 97))
    copy = load_json(db, "--slices", "4", f"COPY t FROM '{d}/' {codec.upper()} MAXERROR {bad}")
    assert copy["slices"] == 4 and copy["rows_loaded"] == 60_000 - bad and copy["rows_rejected"] == bad
    assert copy["commit_method"] == db.method
    assert db.sql("SELECT count(*), count(DISTINCT id) FROM t") == [[str(60_000 - bad)] * 2]
    assert int(db.sql(f"SELECT count(*) FROM {db.errors_table}")[0][0]) == bad
    db.sql("DELETE FROM t")
    r = run_hdcopy("--slices", "4", f"COPY t FROM '{d}/' {codec.upper()} MAXERROR {bad // 2}", db=db)
    assert r.returncode == 1 and "Load into table 't' failed" in r.stderr, r.stderr
    assert db.count("t") == 0
