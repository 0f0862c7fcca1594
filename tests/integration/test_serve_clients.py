"""`hdcopy serve` with real clients running one mixed script each: DDL, selects, PostgreSQL's own COPY FROM STDIN,
Redshift COPYs from a local file and from hdfs:// (the test HDFS: tests/integration/hdfs.py), and failing Redshift
COPYs (SQLSTATE, message, and the session keeps working) — as a SCRAM-authenticated user. The Redshift-loaded tables
must hold exactly what the CLI loads from the same statements into a second database.

psql and psycopg here; the JDBC driver (pgjdbc) in test_serve_jdbc.py, which shares `Scenario`.
"""
import os
import re

import pytest

from conftest import Database, run_hdcopy, write
from hdfs import hdfs  # noqa: F401  (the session fixture)
from test_serve import PASSWORDS, no_prepared, scram_pg, sdb, serve  # noqa: F401  (fixtures)


class Scenario:
    """The data and statements every client runs: local files, HDFS files, the DDL, the Redshift COPYs, and two
    Redshift COPYs that must fail (a missing file: 58P01; data errors over MAXERROR: XX000)."""

    def __init__(self, db, hdfs, tmp_path):  # noqa: F811
        self.db = db
        self.venue = write(tmp_path / "venue.txt", "1|Toyota Park|Bridgeview|IL\n2|Columbus Crew Stadium|Columbus|OH\n"
                                                   "3|RFK Stadium|Washington|DC\nx|Bad Row|Nowhere|ZZ\n")
        self.csv = write(tmp_path / "c.csv", 'id,name\n1,"a, b"\n2,"say ""hi"""\n3,\n4,"two\nlines"\n')
        os.chmod(tmp_path, 0o755)
        base = f"/serve/{db.name}"
        for k in range(3):
            hdfs.put(f"{base}/out/part-{k:05d}", "".join(f"{i}|hdfs row {i}\n" for i in range(k * 500, k * 500 + 500)))
        hdfs.put(f"{base}/out/_SUCCESS", "")
        hdfs.put(f"{base}/bad/part-00000", "1|ok\nnot-a-number|bad\n2|ok\n")
        # Through serve a remote source needs a role (docs/serve.md "Whose rights", docs/setup.md): one for the
        # test HDFS, the default, that alice may assume. (Local files: alice holds pg_read_server_files, granted by
        # test_serve.scram_pg.)
        r = run_hdcopy("role", "create", "testhdfs", "--cluster", f"hdfs://{hdfs.namenode}", "--path", "/serve/**",
                       "--default", db=db)
        assert r.returncode == 0, r.stderr
        r = run_hdcopy("GRANT ASSUMEROLE ON 'testhdfs' TO alice FOR COPY", db=db)
        assert r.returncode == 0, r.stderr
        self.hdfs_glob = hdfs.url(f"{base}/out/part-*")
        self.hdfs_bad = hdfs.url(f"{base}/bad/")
        self.missing = str(tmp_path / "missing" / "nothing.txt")
        self.ddl = [
            "CREATE TABLE venue (venueid int, venuename varchar(100), venuecity varchar(30), venuestate char(2))",
            "CREATE TABLE c (id int, name text)",
            "CREATE TABLE h (id int, name varchar(40))",
            "CREATE TABLE notes (id int, note text)",
        ]
        self.copies = [
            f"COPY venue FROM '{self.venue}' MAXERROR 1",
            f"COPY c FROM '{self.csv}' CSV IGNOREHEADER 1 EMPTYASNULL",
            f"COPY h FROM '{self.hdfs_glob}'",
        ]
        self.copy_counts = [3, 4, 1500]
        self.failing = [
            (f"COPY venue FROM '{self.missing}'", "58P01", "load file not found"),
            (f"COPY h FROM '{self.hdfs_bad}'", "XX000", "Load into table 'h' failed"),
        ]
        self.stdin_rows = [(1, "first"), (2, "second\twith tab")]

    def check_tables(self, scram_pg):  # noqa: F811
        """The serve-loaded tables equal a CLI load of the same DDL and COPYs into a fresh database; the STDIN rows
        and the rejected rows are there; nothing stays prepared."""
        db = self.db
        assert db.rows("notes") == [[str(i), n] for i, n in self.stdin_rows]
        assert db.count("venue") == 3 and db.count("c") == 4 and db.count("h") == 1500
        c_rows = "SELECT id, replace(name, chr(10), '<NL>') FROM c ORDER BY 1"  # psql's output is line-based
        assert db.sql(c_rows)[3] == ["4", "two<NL>lines"]
        name = db.name + "_cli"
        scram_pg.psql("postgres", f"CREATE DATABASE {name}")
        try:
            cli = Database(scram_pg, name)
            r = run_hdcopy("-j", "2", db=cli, input="".join(s + ";\n" for s in self.ddl + self.copies))
            assert r.returncode == 0, r.stderr
            for t in ("venue", "h"):
                assert db.rows(t) == cli.rows(t), t
            assert db.sql(c_rows) == cli.sql(c_rows)
        finally:
            scram_pg.psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", check=False)
        # the rejected rows are alice's (the load ran as the session's user)
        errs = db.sql("SELECT DISTINCT r.rolname FROM hdcopy.stl_load_errors e JOIN pg_roles r ON r.oid = e.userid"
                      " WHERE e.tbl IN ('venue'::regclass, 'h'::regclass)")
        assert errs == [["alice"]]
        assert no_prepared(db)


@pytest.fixture
def scenario(sdb, hdfs, tmp_path):  # noqa: F811
    return Scenario(sdb, hdfs, tmp_path)


def test_psql_script_with_hdfs_matches_cli(serve, scenario, scram_pg):  # noqa: F811
    """One psql -f script (each statement a simple Query): DDL, SELECTs, COPY FROM STDIN, Redshift COPYs from a
    local file, a CSV file and hdfs://, two failing Redshift COPYs. psql goes on after the errors (no ON_ERROR_STOP),
    which proves the session survives them."""
    s = scenario
    stdin = "".join(f"{i}\t{n.replace(chr(9), chr(92) + 't')}\n" for i, n in s.stdin_rows)
    script = ("".join(d + ";\n" for d in s.ddl)
              + "SELECT current_user, 'start';\n"
              + "COPY notes FROM STDIN;\n" + stdin + "\\.\n"
              + "".join(c + ";\n" for c in s.copies)
              + "".join(f[0] + ";\nSELECT 'alive after " + f[1] + "';\n" for f in s.failing)
              + "SELECT count(*) AS h FROM h;\n")
    path = write(s.venue.parent / "s.sql", script)
    out = serve.psql(s.db.name, "alice", "-At", "-v", "VERBOSITY=verbose", "-f", str(path))
    assert out.returncode == 0, out.stderr
    assert "alice|start" in out.stdout
    assert re.findall(r"^COPY \d+$", out.stdout, re.M) == ["COPY 2"] + [f"COPY {n}" for n in s.copy_counts]
    assert "INFO:  00000: Load into table 'h' completed, 1500 record(s) loaded successfully." in out.stderr
    assert "1 record(s) could not be loaded" in out.stderr
    for sql, state, msg in s.failing:
        assert re.search(rf"ERROR:  {state}: .*{re.escape(msg)}", out.stderr), (state, out.stderr)
        assert f"alive after {state}" in out.stdout
    assert out.stdout.strip().endswith("1500")
    s.check_tables(scram_pg)


def test_psycopg_script_with_hdfs_matches_cli(serve, scenario, scram_pg):  # noqa: F811
    """psycopg 3: parameterised SELECTs (extended protocol), Cursor.copy() for COPY FROM STDIN, Redshift COPYs
    sent with execute() and no parameters (psycopg sends those as a simple Query, so serve intercepts them; the INFO
    lines arrive as notices), failing COPYs raise with serve's SQLSTATE and the connection keeps working; a COPY in a
    transaction block rolls back and commits with it; one sent with prepare=True (extended protocol) loads too."""
    psycopg = pytest.importorskip("psycopg")
    s = scenario
    notices = []
    with psycopg.connect(host="127.0.0.1", port=serve.port, user="alice", password=PASSWORDS["alice"],
                         dbname=s.db.name, autocommit=True) as conn:
        conn.add_notice_handler(lambda d: notices.append((d.severity, d.message_primary)))
        cur = conn.cursor()
        for d in s.ddl:
            cur.execute(d)
        cur.execute("SELECT current_user, %s::text", ("start",))
        assert cur.fetchone() == ("alice", "start")
        with cur.copy("COPY notes FROM STDIN") as cp:
            for row in s.stdin_rows:
                cp.write_row(row)
        assert cur.rowcount == len(s.stdin_rows)
        for sql, n in zip(s.copies, s.copy_counts):
            cur.execute(sql)
            assert cur.statusmessage == f"COPY {n}", sql
            assert cur.rowcount == n
        assert ("INFO", "Load into table 'h' completed, 1500 record(s) loaded successfully.") in notices
        for sql, state, msg in s.failing:
            with pytest.raises(psycopg.Error) as e:
                cur.execute(sql)
            assert e.value.sqlstate == state, (sql, e.value)
            assert msg in str(e.value)
            cur.execute("SELECT %s::text", ("alive",))
            assert cur.fetchone() == ("alive",)
        cur.execute("SELECT count(*) FROM h WHERE id >= %s", (1000,))
        assert cur.fetchone() == (500,)
        # In a transaction block (psycopg's BEGIN/COMMIT/ROLLBACK): the load commits or rolls back with it.
        cur.execute("CREATE TABLE tx (id int, name varchar(40))")

        class Undo(Exception):
            pass

        with pytest.raises(Undo):
            with conn.transaction():
                cur.execute(s.copies[2].replace("COPY h ", "COPY tx "))
                assert cur.statusmessage == "COPY 1500"
                raise Undo
        cur.execute("SELECT count(*) FROM tx")
        assert cur.fetchone() == (0,)
        with conn.transaction():
            cur.execute(s.copies[2].replace("COPY h ", "COPY tx "))
        cur.execute("SELECT count(*) FROM tx")
        assert cur.fetchone() == (1500,)
        # prepare=True: the same COPY through the extended protocol (Parse/Bind/Execute), intercepted as well
        cur.execute("CREATE TABLE px (id int, name varchar(40))")
        cur.execute(s.copies[2].replace("COPY h ", "COPY px "), prepare=True)
        assert cur.statusmessage == "COPY 1500"
        cur.execute("SELECT count(*) FROM px")
        assert cur.fetchone() == (1500,)
    s.check_tables(scram_pg)
