"""All or nothing, proven by killing loads: hdcopy is SIGKILLed at random moments of single- and multi-slice loads
(during parsing, during the two-phase commit), recovery runs, and the table must hold none or all of the load's
rows — never a part — with no prepared transaction left behind. Also: a slice's PostgreSQL backend killed mid-load
fails the COPY cleanly with nothing committed.

HDCOPY_CRASH_TRIALS sets the number of random kills per case (default 10 per case, 20+ in all; tests/crash.sh runs
200)."""
import os
import random
import signal
import subprocess
import time

import pytest

from conftest import HDCOPY, run_hdcopy

ROWS = 600_000
TRIALS = int(os.environ.get("HDCOPY_CRASH_TRIALS", "10"))
DDL = "CREATE TABLE t (id bigint, name varchar(40), amount numeric(10,2), d date, note text)"


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("big")
    path = d / "big.txt"
    with open(path, "w") as f:
        line = "{0}|customer name {0}|{1}.25|2024-01-{2:02d}|some comment text for the row\n"
        f.writelines(line.format(i, i % 1000, i % 28 + 1) for i in range(ROWS))
    return path


def copy_cmd(db, path, slices):
    return [HDCOPY, "--db", db.conninfo, "--slices", str(slices), f"COPY t FROM '{path}'"]


def wait_backends_gone(db):
    deadline = time.time() + 30
    while time.time() < deadline:
        if db.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hdcopy'") == [["0"]]:
            return
        time.sleep(0.05)
    raise AssertionError("hdcopy's backends did not go away")


def check_all_or_none(db, label):
    n = db.count("t")
    assert n in (0, ROWS), f"{label}: {n} rows visible, expected 0 or {ROWS}"
    if n == ROWS:
        assert db.sql("SELECT count(DISTINCT id) FROM t") == [[str(ROWS)]], f"{label}: duplicate rows"
    assert db.sql("SELECT count(*) FROM pg_prepared_xacts WHERE gid LIKE 'hdcopy:%'") == [["0"]], \
        f"{label}: prepared transactions left after recovery"
    committed = db.sql("SELECT count(*) FROM hdcopy.stl_load_commits")[0][0] != "0"
    assert committed == (n == ROWS), f"{label}: stl_load_commits disagrees with the table"
    return n


def timed_full_load(db, path, slices):
    t0 = time.time()
    r = subprocess.run(copy_cmd(db, path, slices), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return time.time() - t0


@pytest.mark.parametrize("slices", [1, 2, 4])
def test_kill_9_at_random_moments_then_recover(db, big_file, slices):
    db.sql(DDL)
    full = timed_full_load(db, big_file, slices)
    rng = random.Random(20261124 + slices)
    outcomes = []
    for trial in range(TRIALS):
        db.sql("TRUNCATE t, hdcopy.stl_load_commits")
        proc = subprocess.Popen(copy_cmd(db, big_file, slices), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, full * 1.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        wait_backends_gone(db)
        r = run_hdcopy("recover", db=db)
        assert r.returncode == 0, r.stderr
        outcomes.append(check_all_or_none(db, f"slices={slices} trial={trial}"))
    # The kills must have landed both before and after commits, or the test proved little.
    assert 0 in outcomes, "no trial was killed before its commit"


def test_multi_slice_uses_two_phase_commit(db, big_file):
    import json
    db.sql(DDL)
    r = run_hdcopy("--json", "--slices", "2", f"COPY t FROM '{big_file}'", db=db)
    assert r.returncode == 0, r.stderr
    copy = json.loads(r.stdout)["statements"][0]["copy"]
    assert copy["commit_method"] == "two-phase commit" and copy["slices"] == 2
    assert db.count("t") == ROWS
    # Nothing of the protocol is left behind.
    assert db.sql("SELECT count(*) FROM hdcopy.load_decisions") == [["0"]]


def test_recovery_commits_a_decided_load_and_rolls_back_an_undecided_one(db, big_file):
    """Simulate a crash between PREPARE and COMMIT PREPARED by preparing slices by hand, then recover."""
    db.sql(DDL)
    db.sql("SELECT 1")  # ensure the database exists
    r = run_hdcopy("--slices", "1", f"COPY t FROM '{big_file}' NOLOAD", db=db)  # creates hdcopy's tables
    assert r.returncode == 0, r.stderr
    q = 900001
    for s in range(2):
        db.sql(f"BEGIN; INSERT INTO t (id) VALUES ({q * 10 + s}); PREPARE TRANSACTION 'hdcopy:{q}:{s}'")
    db.sql(f"INSERT INTO hdcopy.load_decisions (query, nslices) VALUES ({q}, 2)")
    q2 = 900002
    db.sql(f"BEGIN; INSERT INTO t (id) VALUES ({q2}); PREPARE TRANSACTION 'hdcopy:{q2}:0'")
    assert db.count("t") == 0  # prepared rows are invisible
    r = run_hdcopy("--json", "recover", db=db)
    assert r.returncode == 0, r.stderr
    assert '"committed":2' in r.stdout and '"rolled_back":1' in r.stdout
    assert db.sql("SELECT id FROM t ORDER BY id") == [[str(q * 10)], [str(q * 10 + 1)]]
    assert db.sql("SELECT count(*) FROM pg_prepared_xacts") == [["0"]]
    assert db.sql("SELECT count(*) FROM hdcopy.load_decisions") == [["0"]]


def test_killing_a_slice_backend_fails_the_copy_cleanly(db, big_file):
    db.sql(DDL)
    proc = subprocess.Popen(copy_cmd(db, big_file, 2), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    killed = False
    while time.time() < deadline and proc.poll() is None:
        rows = db.sql("SELECT pid FROM pg_stat_activity WHERE application_name = 'hdcopy' "
                      "AND query LIKE 'COPY %' ORDER BY pid DESC LIMIT 1")
        if rows:
            db.sql(f"SELECT pg_terminate_backend({rows[0][0]})")
            killed = True
            break
        time.sleep(0.01)
    assert killed, "no COPY backend was seen"
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "ERROR" in stderr and len([l for l in stderr.splitlines() if "ERROR" in l]) == 1
    wait_backends_gone(db)
    assert db.count("t") == 0
    assert db.sql("SELECT count(*) FROM pg_prepared_xacts") == [["0"]]


def test_completed_load_has_every_row(db, big_file):
    db.sql(DDL)
    r = subprocess.run(copy_cmd(db, big_file, 2), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert db.sql("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM t") == \
        [[str(ROWS), str(ROWS), "0", str(ROWS - 1)]]


def test_sqlite_kill_9_leaves_all_or_nothing(tmp_path, big_file):
    """The embedded target: SIGKILL at random moments of a 2-slice load (slices hand rows to the one writer)."""
    from conftest import SqliteDatabase
    db = SqliteDatabase(tmp_path / "t.db")
    db.sql(DDL)
    t0 = time.time()
    r = subprocess.run([HDCOPY, "--db", db.conninfo, "--slices", "2", f"COPY t FROM '{big_file}'"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    full = time.time() - t0
    rng = random.Random(7)
    outcomes = []
    for trial in range(TRIALS):
        db.sql("DELETE FROM t; DELETE FROM stl_load_commits")
        proc = subprocess.Popen([HDCOPY, "--db", db.conninfo, "--slices", "2", f"COPY t FROM '{big_file}'"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, full * 1.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        n = db.count("t")  # opening the file rolls back a hot journal left by the killed writer
        assert n in (0, ROWS), f"trial {trial}: {n} rows"
        committed = db.sql("SELECT count(*) FROM stl_load_commits")[0][0] != "0"
        assert committed == (n == ROWS)
        outcomes.append(n)
    assert 0 in outcomes
