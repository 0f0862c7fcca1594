"""Load control (issue 10): cancelling a running load through `hdcopy serve` (a client's CancelRequest reaches the
load's job: every slice stops, nothing stays loaded or prepared, the client gets 57014) and from the CLI (SIGINT);
the progress view hdcopy.stv_load_progress seen from other sessions while a load runs; recovery that waits for a
client transaction which may still commit a load's decision (the crash window of docs/serve.md); and IAM_ROLE
through serve, checked for the session's user.

Loads are made slow, not big: a row trigger on the target table sleeps about a millisecond per row, so a few
thousand rows take seconds on any machine, the slices' COPY streams are really blocked on the server (what PQcancel
must interrupt), and pg_stat_progress_copy counts rows as they go.
"""
import os
import signal
import subprocess
import threading
import time

import pytest

from conftest import HDCOPY, run_hdcopy, write
from test_serve import PASSWORDS, Serve, no_prepared, scram_pg, sdb  # noqa: F401 (fixtures)

psycopg = pytest.importorskip("psycopg")

SLOW = ("CREATE TABLE t (id int, s text);"
        "CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS"
        " $$BEGIN PERFORM pg_sleep(0.001); RETURN NEW; END$$;"
        "CREATE TRIGGER slow BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION slow_row();"
        "GRANT SELECT, INSERT ON t TO alice, mallory")


@pytest.fixture(scope="module")
def serve(scram_pg):
    s = Serve(scram_pg)  # -j 2
    yield s
    s.stop()


def two_files(tmp_path, rows, name="in"):
    """Two files, so a 2-slice load has one unit per slice. Rows of ~110 bytes: the sink sends every 256 KiB, so the
    server sees rows while the load runs (not only at its end)."""
    d = tmp_path / name
    d.mkdir()
    pad = "x" * 100
    for k in range(2):
        write(d / f"part{k}.txt", "".join(f"{k * rows + i}|{pad}\n" for i in range(rows)))
    return d


def connect(serve, db, user="alice"):
    return psycopg.connect(host="127.0.0.1", port=serve.port, user=user, password=PASSWORDS[user], dbname=db,
                           autocommit=True)


def progress(db):
    return db.sql("SELECT query, table_name, slices, rows, bytes, state, username FROM hdcopy.stv_load_progress")


def wait_for(pred, timeout=30, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out")


def run_in_thread(fn):
    box = {}

    def target():
        try:
            box["value"] = fn()
        except Exception as e:  # noqa: BLE001 — handed to the test
            box["error"] = e
    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t, box


def test_cancel_running_load_through_serve(serve, sdb, tmp_path):
    """psycopg's cancel() during an intercepted 2-slice COPY: QueryCanceled (57014) within seconds, the table empty,
    nothing prepared, no progress row left, and the session goes on. Before the cancel, the load is visible in
    hdcopy.stv_load_progress — to the superuser and to alice herself, with rows counting up."""
    d = two_files(tmp_path, 20000)  # ~20 s per slice if not cancelled
    sdb.sql(SLOW)
    conn = connect(serve, sdb.name)
    t, box = run_in_thread(lambda: conn.execute(f"COPY t FROM '{d}/part'"))
    first = wait_for(lambda: [r for r in progress(sdb) if int(r[3]) > 0])
    assert first[0][1] == '"public"."t"' and first[0][2] == "2" and first[0][6] == "alice", first
    later = wait_for(lambda: [r for r in progress(sdb) if int(r[3]) > int(first[0][3])])
    assert later[0][5] == "loading" and int(later[0][4]) > 0, later
    with connect(serve, sdb.name) as other:  # alice sees her own load's counters through the view
        mine = other.execute("SELECT rows, slices_copying FROM hdcopy.stv_load_progress").fetchall()
        assert len(mine) == 1 and mine[0][0] > 0 and mine[0][1] == 2, mine
    t0 = time.time()
    conn.cancel()
    t.join(15)
    assert not t.is_alive(), "the load did not stop: " + serve.text()[-3000:]
    assert time.time() - t0 < 10
    e = box.get("error")
    assert isinstance(e, psycopg.errors.QueryCanceled), box
    assert "canceling statement due to user request" in str(e)
    assert conn.execute("SELECT 41 + 1").fetchone() == (42,)
    conn.close()
    assert sdb.count("t") == 0
    assert no_prepared(sdb)
    assert progress(sdb) == []
    assert sdb.sql("SELECT count(*) FROM hdcopy.load_sessions") == [["0"]]
    assert "cancel request: stopping its COPY" in serve.text()


def test_cancel_in_transaction_block_aborts_it(serve, sdb, tmp_path):
    """Inside BEGIN the cancelled COPY aborts the client's transaction, as PostgreSQL does: the next statement gets
    25P02 until ROLLBACK; nothing is loaded or left prepared."""
    d = two_files(tmp_path, 20000)
    sdb.sql(SLOW)
    conn = connect(serve, sdb.name)
    conn.autocommit = False
    conn.execute("SELECT 1")  # BEGIN
    t, box = run_in_thread(lambda: conn.execute(f"COPY t FROM '{d}/part'"))
    wait_for(lambda: [r for r in progress(sdb) if int(r[3]) > 0])
    conn.cancel()
    t.join(15)
    assert isinstance(box.get("error"), psycopg.errors.QueryCanceled), box
    with pytest.raises(psycopg.errors.InFailedSqlTransaction):
        conn.execute("SELECT 1")
    conn.rollback()
    assert conn.execute("SELECT 2").fetchone() == (2,)
    conn.close()
    assert sdb.count("t") == 0
    assert no_prepared(sdb)


def test_cancel_before_the_load_starts_its_slices(serve, sdb, tmp_path):
    """A cancel that reaches serve while the job is still opening its connections is not lost."""
    d = two_files(tmp_path, 20000)
    sdb.sql(SLOW)
    conn = connect(serve, sdb.name)
    t, box = run_in_thread(lambda: conn.execute(f"COPY t FROM '{d}/part'"))
    wait_for(lambda: "COPY as alice" in serve.text().split("cancel request")[-1], step=0.005)
    conn.cancel()
    t.join(15)
    assert isinstance(box.get("error"), psycopg.errors.QueryCanceled), box
    conn.close()
    assert sdb.count("t") == 0 and no_prepared(sdb)


def test_cli_progress_view_then_sigint_cancels(scram_pg, sdb, tmp_path):
    """A CLI load is in the view too, rows increasing, and gone when it ends; SIGINT cancels a CLI load the same
    way (exit 1, "canceling statement", nothing loaded or prepared)."""
    d = two_files(tmp_path, 2500)
    sdb.sql(SLOW)
    proc = subprocess.Popen([HDCOPY, "--db", sdb.conninfo, "-j", "2", f"COPY t FROM '{d}/part'"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    while proc.poll() is None:
        rows = progress(sdb)
        if rows and int(rows[0][3]) > 0:  # registered before its first row: 0 rows for a moment
            seen.append(int(rows[0][3]))
        time.sleep(0.2)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] > seen[0], seen
    assert progress(sdb) == []
    assert sdb.count("t") == 5000

    sdb.sql("TRUNCATE t")
    big = two_files(tmp_path, 20000, "big")
    proc = subprocess.Popen([HDCOPY, "--db", sdb.conninfo, "-j", "2", f"COPY t FROM '{big}/part'"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: [r for r in progress(sdb) if int(r[3]) > 0])
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 1, err
    assert "canceling statement due to user request" in err
    assert sdb.count("t") == 0 and no_prepared(sdb) and progress(sdb) == []


def test_recovery_waits_for_a_transaction_that_may_commit_the_decision(scram_pg, sdb, tmp_path):
    """The crash window of docs/serve.md: serve dies while the client's transaction that holds a load's decision
    row is still open (its COMMIT in flight). The loads' locks are gone with serve, so recovery may look at the load
    — but the decision statement holds the decision lock until that transaction ends, so recovery defers, and
    settles by the row once it has ended: committed here, as the transaction committed."""
    f = write(tmp_path / "t.txt", "".join(f"{i}|r\n" for i in range(100)))
    sdb.sql("CREATE TABLE t (id int, s text); GRANT SELECT, INSERT ON t TO alice")
    s = Serve(scram_pg)
    try:
        conn = connect(s, sdb.name)
        conn.autocommit = False
        conn.execute(f"COPY t FROM '{f}'")  # prepared; its decision row is in this open transaction
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait()
    finally:
        s.stop()
    conn.close()
    # The loader sessions are gone with serve, and their load locks with them.
    wait_for(lambda: sdb.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                             " AND classid = 1751409520") == [["0"]])
    gids = [r[0] for r in sdb.sql("SELECT gid FROM pg_prepared_xacts")]
    query = int(gids[0].split(":")[1])
    # Serve's death ended that client transaction (no decision). Play the client whose COMMIT is still in flight:
    # the same decision statement serve sends, in a transaction left open.
    su = psycopg.connect(sdb.conninfo)
    decision = (f"WITH l AS (SELECT pg_catalog.pg_advisory_xact_lock(1751409521, {query % 2147483647})) "
                f"INSERT INTO hdcopy.load_decisions (query, nslices) SELECT {query}, {len(gids)} FROM l")
    su.execute(decision)
    r = run_hdcopy("recover", db=sdb)
    assert r.returncode == 0 and "0 prepared slice(s) committed, 0 rolled back" in r.stderr, r.stderr
    assert len(sdb.sql("SELECT gid FROM pg_prepared_xacts")) == len(gids)
    su.commit()
    su.close()
    r = run_hdcopy("recover", db=sdb)
    assert r.returncode == 0 and f"{len(gids)} prepared slice(s) committed" in r.stderr, r.stderr
    assert sdb.count("t") == 100 and no_prepared(sdb)


def test_iam_role_through_serve_is_checked_for_the_session_user(serve, sdb, tmp_path):
    """IAM_ROLE in a COPY through serve is checked for the session's user: mallory (no pg_read_server_files) is
    refused without GRANT ASSUMEROLE, with the grant to run; after the GRANT the same COPY loads, through the
    role's policy."""
    data = tmp_path / "data"
    data.mkdir()
    f = write(data / "t.txt", "1|a\n2|b\n")
    sdb.sql("CREATE TABLE t (id int, s text); GRANT SELECT, INSERT ON t TO mallory")
    home = {"HDCOPY_HOME": str(tmp_path / "home")}
    r = run_hdcopy("role", "create", "etl", "--path", f"{data}/**", db=sdb, env=home)
    assert r.returncode == 0, r.stderr
    copy = f"COPY t FROM '{f}' IAM_ROLE 'arn:aws:iam::123456789012:role/etl'"
    out = serve.psql(sdb.name, "mallory", "-At", "-v", "VERBOSITY=verbose", "-c", copy)
    assert out.returncode != 0 and "42501" in out.stderr and "ASSUMEROLE" in out.stderr, out.stderr
    assert sdb.count("t") == 0
    r = run_hdcopy("GRANT ASSUMEROLE ON 'etl' TO mallory FOR COPY", db=sdb, env=home)
    assert r.returncode == 0, r.stderr
    out = serve.psql(sdb.name, "mallory", "-At", "-c", copy)
    assert out.returncode == 0 and "COPY 2" in out.stdout, out.stderr
    assert sdb.count("t") == 2
    # Another path than the role's is outside its policy, whoever asks.
    g = write(tmp_path / "elsewhere.txt", "3|c\n")
    out = serve.psql(sdb.name, "mallory", "-At", "-c",
                     f"COPY t FROM '{g}' IAM_ROLE 'arn:aws:iam::123456789012:role/etl'")
    assert out.returncode != 0 and "42501" not in out.stdout and sdb.count("t") == 2, out.stderr
    assert no_prepared(sdb)
