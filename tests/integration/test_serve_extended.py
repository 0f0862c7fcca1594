"""`hdcopy serve` and the extended query protocol (issue 10): psycopg's prepared (`prepare=True`: a named
statement) and binary (`binary=True`: the unnamed statement) executions send Parse/Bind/Describe/Execute/Sync, and
a Redshift COPY among them is run by hdcopy, for the session's user, exactly as a simple-query one; GRANT/REVOKE
ASSUMEROLE are hdcopy's too, in both protocols. Real PostgreSQL with SCRAM users, as in test_serve.py.
"""
import pytest

from conftest import run_hdcopy, write
from test_serve import PASSWORDS, no_prepared, scram_pg, sdb, serve  # noqa: F401 (fixtures)

psycopg = pytest.importorskip("psycopg")


def connect(serve, db, user="alice", **kw):  # noqa: F811
    return psycopg.connect(host="127.0.0.1", port=serve.port, user=user, password=PASSWORDS[user], dbname=db, **kw)


def test_copy_via_parse_loads_rows_and_returns_rowcount(serve, sdb, tmp_path):  # noqa: F811
    f = write(tmp_path / "t.txt", "1|one\n2|two\n3|three\n")
    sdb.sql("CREATE TABLE t (id int, s text); GRANT SELECT, INSERT ON t TO alice")
    notices = []
    with connect(serve, sdb.name, autocommit=True) as conn:
        conn.add_notice_handler(lambda d: notices.append(d.message_primary))
        cur = conn.cursor()
        # a named statement: Parse once, then Bind/Describe/Execute each time
        for _ in range(3):
            cur.execute(f"COPY t FROM '{f}' DELIMITER '|'", prepare=True)
            assert cur.rowcount == 3
        # the unnamed statement (binary results force the extended protocol)
        cur.execute(f"COPY t FROM '{f}' MAXERROR 0", binary=True)
        assert cur.rowcount == 3
        # the session goes on with relayed extended statements
        cur.execute("SELECT count(*), %s::text FROM t", ("x",))
        assert cur.fetchone() == (12, "x")
    assert sdb.count("t") == 12
    assert "Load into table 't' completed, 3 record(s) loaded successfully." in notices
    assert sdb.sql("SELECT DISTINCT r.rolname FROM hdcopy.stl_load_commits c JOIN pg_roles r ON r.oid = c.userid") \
        == [["alice"]]
    assert no_prepared(sdb)
    assert "COPY as alice" in serve.text()


def test_failing_copy_raises_redshift_sqlstate_and_session_stays_usable(serve, sdb, tmp_path):  # noqa: F811
    f = write(tmp_path / "bad.txt", "1|one\nx|two\n")
    sdb.sql("CREATE TABLE t (id int, s text); GRANT SELECT, INSERT ON t TO alice")
    with connect(serve, sdb.name, autocommit=True) as conn:
        cur = conn.cursor()
        with pytest.raises(psycopg.errors.UndefinedFile) as ei:         # 58P01: no file matches
            cur.execute(f"COPY t FROM '{tmp_path}/nothing-*'", prepare=True)
        assert "nothing-" in str(ei.value)
        with pytest.raises(psycopg.errors.InternalError_) as ei:        # XX000: over MAXERROR, as Redshift
            cur.execute(f"COPY t FROM '{f}'", binary=True)
        assert "Check 'stl_load_errors'" in str(ei.value)
        with pytest.raises(psycopg.errors.SyntaxError) as ei:           # 42601 at Parse: a Redshift COPY's mistake
            cur.execute(f"COPY t FROM '{f}' MAXERROR 'x' GZIP", prepare=True)
        cur.execute("SELECT %s::int + 1", (41,))
        assert cur.fetchone() == (42,)
        cur.execute(f"COPY t FROM '{f}' MAXERROR 1", prepare=True)
        assert cur.rowcount == 1
    assert sdb.count("t") == 1
    assert no_prepared(sdb)


def test_inside_a_transaction_rollback_and_commit(serve, sdb, tmp_path):  # noqa: F811
    f = write(tmp_path / "t.txt", "".join(f"{i}|r{i}\n" for i in range(100)))
    sdb.sql("CREATE TABLE t (id int, s text); GRANT SELECT, INSERT ON t TO alice")
    with connect(serve, sdb.name) as conn:      # psycopg: BEGIN before the first statement
        cur = conn.cursor()
        cur.execute(f"COPY t FROM '{f}'", prepare=True)
        assert cur.rowcount == 100
        conn.rollback()
        assert sdb.count("t") == 0
        cur.execute(f"COPY t FROM '{f}'", prepare=True)
        cur.execute(f"COPY t FROM '{f}'", binary=True)
        cur.execute("SELECT %s::int", (7,))
        assert cur.fetchone() == (7,)
        conn.commit()
        assert sdb.count("t") == 200
        # a failed COPY aborts the client's transaction; rollback and go on
        with pytest.raises(psycopg.errors.UndefinedFile):
            cur.execute(f"COPY t FROM '{tmp_path}/none-*'", prepare=True)
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            cur.execute("SELECT %s::int", (1,))
        conn.rollback()
        cur.execute("SELECT count(*) FROM t WHERE id < %s", (1000,))
        assert cur.fetchone() == (200,)
        conn.commit()
    assert no_prepared(sdb)
    assert sdb.sql("SELECT count(*) FROM hdcopy.load_decisions") == [["0"]]


def test_pipeline_keeps_reply_order(serve, sdb, tmp_path):  # noqa: F811
    """psycopg's pipeline mode sends relayed and intercepted statements in one Sync segment: serve answers its own
    messages only after the upstream has answered those before them, so every result lands on its cursor."""
    f = write(tmp_path / "t.txt", "1|a\n2|b\n")
    sdb.sql("CREATE TABLE t (id int, s text); GRANT SELECT, INSERT ON t TO alice")
    with connect(serve, sdb.name, autocommit=True) as conn:
        with conn.pipeline():
            c1 = conn.execute("SELECT %s::int, pg_sleep(0.2)::text", (1,))
            c2 = conn.execute(f"COPY t FROM '{f}'", binary=True)
            c3 = conn.execute("SELECT count(*) + %s FROM t", (100,))
            c4 = conn.execute(f"COPY t FROM '{f}'", prepare=True)
            c5 = conn.execute("SELECT %s::text", ("last",))
        assert c1.fetchone()[0] == 1
        assert c2.rowcount == 2
        assert c3.fetchone() == (102,)
        assert c4.rowcount == 2
        assert c5.fetchone() == ("last",)
    assert sdb.count("t") == 4


def test_grant_revoke_assumerole_through_serve(serve, sdb, scram_pg, tmp_path):  # noqa: F811
    """GRANT / REVOKE ASSUMEROLE through serve run as the session's user (alice owns the role), in the simple and
    the extended protocol, and decide whether mallory's COPY … IAM_ROLE through serve is allowed."""
    data = tmp_path / "data"
    data.mkdir()
    write(data / "p1.txt", "1|a\n2|b\n")
    sdb.sql("CREATE TABLE t (id int, s text); GRANT SELECT, INSERT ON t TO alice, mallory;"
            "GRANT CREATE ON SCHEMA hdcopy TO alice")
    home = tmp_path / "home"
    r = run_hdcopy("role", "create", "etl", "--path", f"{data}/**",
                   db=f"host={scram_pg.host} port={scram_pg.port} user=alice dbname={sdb.name}",
                   env={"HDCOPY_HOME": str(home)})
    assert r.returncode == 0, r.stderr
    copy = f"COPY t FROM '{data}/p1.txt' IAM_ROLE 'arn:aws:iam::123456789012:role/etl'"

    def mallory_copy():
        return serve.psql(sdb.name, "mallory", "-c", copy)

    out = mallory_copy()
    assert out.returncode != 0 and "may not assume role 'etl'" in out.stderr, out.stderr
    # simple protocol (psql): GRANT
    out = serve.psql(sdb.name, "alice", "-c", "GRANT ASSUMEROLE ON 'etl' TO mallory FOR COPY")
    assert out.returncode == 0 and out.stdout.strip() == "GRANT", out.stderr
    out = mallory_copy()
    assert out.returncode == 0 and "COPY 2" in out.stdout, out.stderr
    # extended protocol (psycopg, prepared): REVOKE, then GRANT again
    with connect(serve, sdb.name, autocommit=True) as conn:
        cur = conn.execute("REVOKE ASSUMEROLE ON 'etl' FROM mallory FOR COPY", prepare=True)
        assert cur.statusmessage == "REVOKE"
    out = mallory_copy()
    assert out.returncode != 0 and "may not assume role 'etl'" in out.stderr
    with connect(serve, sdb.name, autocommit=True) as conn:
        cur = conn.execute("GRANT ASSUMEROLE ON 'etl' TO mallory FOR COPY", binary=True)
        assert cur.statusmessage == "GRANT"
    with connect(serve, sdb.name, user="mallory", autocommit=True) as conn:
        cur = conn.execute(copy, prepare=True)
        assert cur.rowcount == 2
        # mallory does not own the role: her GRANT is refused with the owner rule, as the CLI's
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as ei:
            conn.execute("GRANT ASSUMEROLE ON 'etl' TO alice FOR COPY", prepare=True)
        assert "only its owner or a superuser" in str(ei.value)
    assert sdb.count("t") == 4
    # inside a transaction block a GRANT is refused (the catalog is written outside the client's transaction)
    out = serve.psql(sdb.name, "alice", "-c", "BEGIN", "-c", "GRANT ASSUMEROLE ON 'etl' TO mallory FOR ALL",
                     "-c", "ROLLBACK")
    assert "cannot run inside a transaction block" in out.stderr, out.stderr
    assert sdb.sql("SELECT grantee, cmd_type FROM hdcopy.pg_get_grantee_by_iam_role('etl')") == [["mallory", "COPY"]]
    # a GRANT among other statements in one Query is refused, as a COPY is
    out = serve.psql(sdb.name, "alice", "-c", "SELECT 1; GRANT ASSUMEROLE ON 'etl' TO mallory FOR COPY")
    assert out.returncode != 0 and "query of its own" in out.stderr


def test_relayed_extended_statements_and_names(serve, sdb, tmp_path):  # noqa: F811
    """Statements that are not Redshift COPYs still go to PostgreSQL byte for byte (PostgreSQL's COPY FROM STDIN
    through the extended protocol included), and serve's own statement names behave as PostgreSQL's."""
    sdb.sql("CREATE TABLE n (id int, s text); GRANT SELECT, INSERT ON n TO alice")
    with connect(serve, sdb.name, autocommit=True) as conn:
        cur = conn.cursor()
        with cur.copy("COPY n FROM STDIN") as cp:
            cp.write_row((1, "a"))
            cp.write_row((2, "b"))
        cur.execute("SELECT s FROM n WHERE id = %s", (2,), prepare=True)
        assert cur.fetchone() == ("b",)
        cur.execute("INSERT INTO n VALUES (%s, %s)", (3, "c"))
        cur.execute("SELECT count(*) FROM n", binary=True)
        assert cur.fetchone() == (3,)
    # raw libpq-level: a named statement of serve's own, described, closed, re-prepared
    with connect(serve, sdb.name, autocommit=True) as conn:
        pg = conn.pgconn
        f = write(tmp_path / "n.txt", "9|z\n")
        r = pg.prepare(b"s1", f"COPY n FROM '{f}'".encode())
        assert r.status == psycopg.pq.ExecStatus.COMMAND_OK, r.error_message
        r = pg.prepare(b"s1", f"COPY n FROM '{f}'".encode())
        assert r.status == psycopg.pq.ExecStatus.FATAL_ERROR
        assert r.error_field(psycopg.pq.DiagnosticField.SQLSTATE) == b"42P05"
        d = pg.describe_prepared(b"s1")
        assert d.status == psycopg.pq.ExecStatus.COMMAND_OK and d.nparams == 0 and d.nfields == 0
        r = pg.exec_prepared(b"s1", [b"1"])
        assert r.status == psycopg.pq.ExecStatus.FATAL_ERROR and b"requires 0" in r.error_message
        r = pg.exec_prepared(b"s1", None)
        assert r.status == psycopg.pq.ExecStatus.COMMAND_OK and r.command_status == b"COPY 1", r.error_message
        assert pg.close_prepared(b"s1").status == psycopg.pq.ExecStatus.COMMAND_OK
        r = pg.exec_prepared(b"s1", None)  # gone: the upstream says so
        assert r.status == psycopg.pq.ExecStatus.FATAL_ERROR
        assert r.error_field(psycopg.pq.DiagnosticField.SQLSTATE) == b"26000"
    assert sdb.count("n") == 4
