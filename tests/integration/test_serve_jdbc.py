"""`hdcopy serve` with the PostgreSQL JDBC driver (pgjdbc 42.7, SCRAM-SHA-256): tests/jdbc/ServeScript.java runs
the mixed script of test_serve_clients.Scenario — DDL, a PreparedStatement, PostgreSQL's COPY FROM STDIN through
org.postgresql.copy.CopyManager, Redshift COPYs from a local file, a CSV file and hdfs://, two failing Redshift COPYs
(SQLSTATE, message, and the connection keeps working), a Redshift COPY in a JDBC transaction (setAutoCommit(false),
rollback, then commit) — and the tables must equal a CLI load of the same statements.

pgjdbc sends Statement.execute() with the extended protocol (Parse/Bind/Execute) unless the URL says
preferQueryMode=simple. Both runs are here: simple mode, and extended mode (pgjdbc's default: serve intercepts a
Redshift COPY arriving in a Parse message, docs/serve.md "The extended protocol").

The driver comes from Maven Central through tests/jdbc/pom.xml (`mvn dependency:copy-dependencies`, cached in ~/.m2,
copied to tests/jdbc/target/lib), ServeScript.java is compiled with javac: the scheme of tests/integration/hdfs.py,
same JDK 17 and Maven (scripts/deps.sh).
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hdfs import _java17, _missing, hdfs  # noqa: F401  (the session fixture)
from test_serve import PASSWORDS, scram_pg, sdb, serve  # noqa: F401  (fixtures)
from test_serve_clients import Scenario, scenario  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
JDBC = ROOT / "tests" / "jdbc"
LIB = JDBC / "target" / "lib"
CLASSES = JDBC / "target" / "classes"


@pytest.fixture(scope="session")
def jdbc_java():
    """Resolve pgjdbc (once; Maven caches it in ~/.m2) and compile ServeScript. Returns the java binary."""
    jdk = _java17()
    if not jdk:
        _missing("a JDK 17 (java and javac)")
    java, javac = jdk
    if not any(LIB.glob("postgresql-*.jar")):
        mvn = shutil.which("mvn")
        if not mvn:
            _missing("Maven (mvn)")
        env = dict(os.environ, JAVA_HOME=str(Path(java).parent.parent))
        out = subprocess.run([mvn, "-B", "-q", "-f", str(JDBC / "pom.xml"), "dependency:copy-dependencies",
                              f"-DoutputDirectory={LIB}", "-DincludeScope=runtime"],
                             capture_output=True, text=True, env=env, timeout=600)
        if out.returncode != 0:
            pytest.fail(f"mvn could not resolve the PostgreSQL JDBC driver:\n{out.stdout[-3000:]}\n"
                        f"{out.stderr[-3000:]}", pytrace=False)
    src = JDBC / "ServeScript.java"
    cls = CLASSES / "ServeScript.class"
    if not cls.exists() or cls.stat().st_mtime < src.stat().st_mtime:
        CLASSES.mkdir(parents=True, exist_ok=True)
        out = subprocess.run([javac, "-d", str(CLASSES), "-cp", f"{LIB}/*", str(src)], capture_output=True,
                             text=True)
        if out.returncode != 0:
            pytest.fail(f"javac ServeScript.java failed:\n{out.stderr}", pytrace=False)
    return java


def unescape(field):
    if field == "\\N":
        return None
    out, i = [], 0
    while i < len(field):
        c = field[i]
        if c == "\\" and i + 1 < len(field):
            out.append({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}.get(field[i + 1], field[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def run_script(java, port, db, script, tmp_path, mode):
    """Run ServeScript; returns (steps, stdout) with steps = [{kind, sql, records: [(type, fields…)]}]."""
    path = tmp_path / f"script-{mode}.txt"
    path.write_text(script)
    url = f"jdbc:postgresql://127.0.0.1:{port}/{db}?sslmode=disable&preferQueryMode={mode}"
    out = subprocess.run([java, "-cp", f"{LIB}/*:{CLASSES}", "ServeScript", url, "alice", PASSWORDS["alice"],
                          str(path)], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    steps = []
    for line in out.stdout.splitlines():
        typ, *fields = line.split("\t")
        fields = [unescape(f) for f in fields]
        if typ == "step":
            steps.append({"kind": fields[1], "sql": fields[2], "records": []})
        elif steps and typ != "done":
            steps[-1]["records"].append((typ, *fields))
    assert out.stdout.splitlines()[-1] == "done", out.stdout
    return steps, out.stdout


def script_for(s):
    stdin = "".join(f"{i}\t{n.replace(chr(9), chr(92) + 't')}\n" for i, n in s.stdin_rows)
    lines = [f"exec {d}" for d in s.ddl]
    lines += ["exec CREATE TABLE tx (id int, name varchar(40))",
              "prepared SELECT current_user, ?::text|start",
              "copyin COPY notes FROM STDIN", stdin + "\\."]
    lines += [f"exec {c}" for c in s.copies]
    for sql, _, _ in s.failing:
        lines += [f"exec {sql}", "prepared SELECT ?::text|alive"]
    tx = s.copies[2].replace("COPY h ", "COPY tx ")
    lines += ["autocommit off", f"exec {tx}", "rollback", "exec SELECT count(*) FROM tx", "commit",
              f"exec {tx}", "commit", "autocommit on", "exec SELECT count(*) FROM tx",
              "exec SELECT count(*) FROM h"]
    return "\n".join(lines) + "\n"


def check_run(steps, s):
    by = {}
    for st in steps:
        by.setdefault(st["sql"], []).append(st["records"])
    assert by["SELECT current_user, ?::text|start"] == [[("row", "alice", "start")]]
    assert by["COPY notes FROM STDIN"] == [[("copied", str(len(s.stdin_rows)))]]
    problems = []
    for sql, n in zip(s.copies, s.copy_counts):
        rec = by[sql][0]
        if ("update", str(n)) not in rec:
            problems.append(f"{sql}: {rec}")
    assert not problems, "Redshift COPY through JDBC:\n" + "\n".join(problems)
    # INFO lines arrive as SQLWarnings
    h = by[s.copies[2]][0]
    assert ("warning", "Load into table 'h' completed, 1500 record(s) loaded successfully.") in h, h
    assert any(r[0] == "warning" and "1 record(s) could not be loaded" in r[1] for r in by[s.copies[0]][0])
    for sql, state, msg in s.failing:
        rec = by[sql][0]
        assert len(rec) == 1 and rec[0][0] == "error" and rec[0][1] == state and msg in rec[0][2], (sql, rec)
    assert by["SELECT ?::text|alive"] == [[("row", "alive")]] * len(s.failing)
    # transaction: rolled back, then committed
    assert by["SELECT count(*) FROM tx"] == [[("row", "0")], [("row", "1500")]]
    assert by["SELECT count(*) FROM h"] == [[("row", "1500")]]


def test_jdbc_simple_query_mode(jdbc_java, serve, scenario, scram_pg, tmp_path):  # noqa: F811
    """preferQueryMode=simple: every Statement.execute is a simple Query, so serve intercepts the Redshift COPYs."""
    steps, _ = run_script(jdbc_java, serve.port, scenario.db.name, script_for(scenario), tmp_path, "simple")
    check_run(steps, scenario)
    scenario.check_tables(scram_pg)


def test_jdbc_extended_query_mode(jdbc_java, serve, scenario, scram_pg, tmp_path):  # noqa: F811
    """pgjdbc's default (preferQueryMode=extended): a Redshift COPY arrives as Parse/Bind/Describe/Execute/Sync."""
    steps, _ = run_script(jdbc_java, serve.port, scenario.db.name, script_for(scenario), tmp_path, "extended")
    check_run(steps, scenario)
    scenario.check_tables(scram_pg)
