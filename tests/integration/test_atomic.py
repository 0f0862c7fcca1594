"""All or nothing: a COPY killed with SIGKILL at any moment leaves none of its rows; one that finishes leaves all."""
import os
import random
import signal
import subprocess
import time

import pytest

from conftest import HDCOPY, write

ROWS = 1_500_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("big")
    path = d / "big.txt"
    with open(path, "w") as f:
        line = "{0}|customer name {0}|{1}.25|2024-01-{2:02d}|some comment text for the row\n"
        f.writelines(line.format(i, i % 1000, i % 28 + 1) for i in range(ROWS))
    return path


def start_load(db, path):
    return subprocess.Popen([HDCOPY, "--db", db.conninfo, f"COPY t FROM '{path}'"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


DDL = "CREATE TABLE t (id bigint, name varchar(40), amount numeric(10,2), d date, note text)"


def wait_for_copy_in_progress(db, proc, timeout=30):
    """Wait until the server shows hdcopy's COPY running, so the kill lands in the middle of the load."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        rows = db.sql("SELECT count(*) FROM pg_stat_progress_copy")
        if rows and int(rows[0][0]) > 0:
            return True
        time.sleep(0.02)
    return False


def test_kill_9_in_the_middle_leaves_nothing(db, big_file):
    db.sql(DDL)
    rng = random.Random(20261124)
    for trial in range(3):
        proc = start_load(db, big_file)
        assert wait_for_copy_in_progress(db, proc), "the load finished or failed before it could be killed"
        time.sleep(rng.uniform(0.0, 0.8))
        still_running = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # The server notices the dead client and rolls back; wait for the backend to go away.
        deadline = time.time() + 30
        while time.time() < deadline:
            if db.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hdcopy'") == [["0"]]:
                break
            time.sleep(0.05)
        n = db.count("t")
        if still_running:
            assert n == 0, f"trial {trial}: {n} rows of a killed load are visible"
        else:
            assert n in (0, ROWS)
        assert db.sql("SELECT count(*) FROM hdcopy.stl_load_commits") == [["0"]] or n == ROWS


def test_completed_load_has_every_row(db, big_file):
    db.sql(DDL)
    r = subprocess.run([HDCOPY, "--db", db.conninfo, f"COPY t FROM '{big_file}'"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert db.sql("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM t") == \
        [[str(ROWS), str(ROWS), "0", str(ROWS - 1)]]
