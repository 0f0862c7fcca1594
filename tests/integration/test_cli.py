"""The command line: where statements come from, the target, messages, exit statuses, --json."""
import json
import os
import signal
import subprocess

from conftest import HDCOPY, run_hdcopy, write


def make_table(db, ddl="CREATE TABLE venue (id int, name varchar(40), city varchar(30), state char(2))"):
    db.sql(ddl)


VENUE = "1|Toyota Park|Bridgeview|IL\n2|Columbus Crew Stadium|Columbus|OH\n3|RFK Stadium|Washington|DC\n"


def test_copy_from_argument_loads_rows_and_prints_redshift_info(db, tmp_path):
    make_table(db)
    f = write(tmp_path / "venue.txt", VENUE)
    r = run_hdcopy(f"COPY venue FROM '{f}'", db=db)
    assert r.returncode == 0, r.stderr
    assert "INFO:  Load into table 'venue' completed, 3 record(s) loaded successfully." in r.stderr
    assert db.rows("venue") == [["1", "Toyota Park", "Bridgeview", "IL"],
                                ["2", "Columbus Crew Stadium", "Columbus", "OH"],
                                ["3", "RFK Stadium", "Washington", "DC"]]


def test_script_file_runs_ddl_copy_and_select_in_order(db, tmp_path):
    f = write(tmp_path / "venue.txt", VENUE)
    script = write(tmp_path / "load.sql", f"""
        -- a Redshift load script, as is
        CREATE TABLE venue (id int, name varchar(40), city varchar(30), state char(2));
        COPY venue FROM '{f}';
        /* a check */ SELECT count(*) AS n FROM venue;
        """)
    r = run_hdcopy("-f", str(script), db=db)
    assert r.returncode == 0, r.stderr
    assert " n \n---\n 3\n(1 row)" in r.stdout
    assert db.count("venue") == 3


def test_statements_from_standard_input(db, tmp_path):
    make_table(db)
    f = write(tmp_path / "venue.txt", VENUE)
    r = run_hdcopy(db=db, input=f"COPY venue FROM '{f}'")
    assert r.returncode == 0, r.stderr
    assert db.count("venue") == 3


def test_target_from_HDCOPY_DB(db, tmp_path):
    make_table(db)
    f = write(tmp_path / "venue.txt", VENUE)
    r = run_hdcopy(f"COPY venue FROM '{f}'", env={"HDCOPY_DB": db.conninfo})
    assert r.returncode == 0, r.stderr
    assert db.count("venue") == 3


def test_postgresql_uri_target(db, tmp_path):
    make_table(db)
    f = write(tmp_path / "venue.txt", VENUE)
    uri = f"postgresql://{db.server.user}@/{db.name}?host={db.server.host}&port={db.server.port}"
    r = run_hdcopy(f"COPY venue FROM '{f}'", db=uri)
    assert r.returncode == 0, r.stderr
    assert db.count("venue") == 3


def test_libpq_environment_variables(db, tmp_path):
    make_table(db)
    f = write(tmp_path / "venue.txt", VENUE)
    env = {"PGHOST": db.server.host, "PGPORT": str(db.server.port), "PGUSER": db.server.user}
    r = run_hdcopy(f"COPY venue FROM '{f}'", db=f"dbname={db.name}", env=env)
    assert r.returncode == 0, r.stderr
    assert db.count("venue") == 3


def test_invalid_statement_exits_2_and_names_position(db):
    make_table(db)
    r = run_hdcopy("COPY venue FRM '/x'", db=db)
    assert r.returncode == 2
    assert "position" in r.stderr
    assert len([l for l in r.stderr.splitlines() if "ERROR" in l]) == 1


def test_conflicting_options_exit_2(db, tmp_path):
    make_table(db)
    f = write(tmp_path / "v.txt", VENUE)
    r = run_hdcopy(f"COPY venue FROM '{f}' CSV ESCAPE", db=db)
    assert r.returncode == 2
    assert "ESCAPE" in r.stderr and "CSV" in r.stderr


def test_unknown_cluster_and_out_of_scope_sources_exit_2(db):
    make_table(db)
    r = run_hdcopy("COPY venue FROM 'emr://j-1H7OUO3B52HI5/myoutput/part*'", db=db)
    assert r.returncode == 2
    assert "no cluster 'j-1H7OUO3B52HI5'" in r.stderr
    # A named role is checked first, and must exist even while no role was ever created (exit 3, nothing read).
    r = run_hdcopy("COPY venue FROM 'emr://j-1H7OUO3B52HI5/myoutput/part*' IAM_ROLE 'arn:aws:iam::0123456789012:role/MyRedshiftRole'", db=db)
    assert r.returncode == 3
    assert "role 'MyRedshiftRole' does not exist" in r.stderr
    r = run_hdcopy("COPY venue FROM 's3://mybucket/data/venue' IAM_ROLE default", db=db)
    assert r.returncode == 2
    assert "not supported" in r.stderr


def test_missing_table_exits_2(db, tmp_path):
    f = write(tmp_path / "v.txt", VENUE)
    r = run_hdcopy(f"COPY nosuch FROM '{f}'", db=db)
    assert r.returncode == 2
    assert "nosuch" in r.stderr


def test_unreachable_target_exits_3(tmp_path):
    f = write(tmp_path / "v.txt", VENUE)
    r = run_hdcopy(f"COPY venue FROM '{f}'", db="host=127.0.0.1 port=1 dbname=x connect_timeout=2")
    assert r.returncode == 3
    assert "could not connect" in r.stderr


def test_privilege_refused_exits_3_and_loads_nothing(db, tmp_path):
    make_table(db)
    db.sql("DROP ROLE IF EXISTS reader; CREATE ROLE reader LOGIN")
    db.sql("GRANT USAGE ON SCHEMA public TO reader; GRANT SELECT ON venue TO reader")
    f = write(tmp_path / "v.txt", VENUE)
    conninfo = f"host={db.server.host} port={db.server.port} user=reader dbname={db.name}"
    r = run_hdcopy(f"COPY venue FROM '{f}'", db=conninfo)
    assert r.returncode == 3, r.stderr
    assert "permission denied" in r.stderr
    assert db.count("venue") == 0


def test_unknown_target_scheme_exits_2(tmp_path):
    r = run_hdcopy("SELECT 1", db="mysql://localhost/x")
    assert r.returncode == 2


def test_no_statement_on_terminal_is_usage_error():
    r = subprocess.run([HDCOPY, "--db", "sqlite:/tmp/none.db"], stdin=subprocess.DEVNULL, capture_output=True, text=True)
    # Empty standard input: nothing to run is fine (exit 0); a bad option is 2.
    assert r.returncode == 0
    r = run_hdcopy("--no-such-option")
    assert r.returncode == 2


def test_help_and_version_and_man_page():
    r = run_hdcopy("--help")
    assert r.returncode == 0
    for opt in ["--db", "--file", "--slices", "--json", "--quiet", "--help", "--version"]:
        assert opt in r.stdout
    r = run_hdcopy("--version")
    assert r.returncode == 0 and r.stdout.startswith("hdcopy ")
    from conftest import ROOT
    man = (ROOT / "man" / "hdcopy.1").read_text()
    for opt in ["--db", "--file", "--slices", "--json", "--quiet", "MAXERROR", "DELIMITER", "stl_load_errors"]:
        assert opt.replace("-", "\\-") in man or opt in man


def test_json_summary(db, tmp_path):
    make_table(db)
    f1 = write(tmp_path / "d" / "part-0", VENUE)
    f2 = write(tmp_path / "d" / "part-1", "4|Bad|X|ZZ\nx|Bad row|Y|AA\n")
    r = run_hdcopy("--json", f"COPY venue FROM '{tmp_path}/d/part-' MAXERROR 1; SELECT count(*) FROM venue", db=db)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["exit_status"] == 0
    copy = doc["statements"][0]["copy"]
    assert copy["rows_loaded"] == 4 and copy["rows_rejected"] == 1
    assert [f["name"] for f in copy["files"]] == [str(f1), str(f2)]
    assert [f["rows"] for f in copy["files"]] == [3, 1]
    assert [f["errors"] for f in copy["files"]] == [0, 1]
    assert copy["files"][0]["bytes"] == len(VENUE)
    assert doc["statements"][1]["rows"] == [["4"]]


def test_failure_stops_the_script(db, tmp_path):
    make_table(db)
    f = write(tmp_path / "v.txt", "1|a|b|CC\nbad|a|b|CC\n")
    r = run_hdcopy(f"COPY venue FROM '{f}'; CREATE TABLE after_failure (x int)", db=db)
    assert r.returncode == 1
    assert db.sql("SELECT to_regclass('after_failure') IS NULL") == [["t"]]


def test_secret_never_printed(db, tmp_path):
    make_table(db)
    f = write(tmp_path / "v.txt", VENUE)
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    r = run_hdcopy("--json", f"COPY venue FROM 'emr://j-1/x' ACCESS_KEY_ID 'AKIAIOSFODNN7EXAMPLE' SECRET_ACCESS_KEY '{secret}'", db=db)
    assert r.returncode != 0
    assert secret not in r.stdout and secret not in r.stderr
    r = run_hdcopy("--json", f"COPY venue FROM 'emr://j-1/x' CREDENTIALS 'aws_access_key_id=AKIA;aws_secret_access_key={secret}' BOGUS", db=db)
    assert secret not in r.stdout and secret not in r.stderr


def test_script_failure_is_one_line_naming_the_statement(db, tmp_path):
    script = write(tmp_path / "load.sql", "CREATE TABLE t (a int);\n\nCOPY t FROM '/nonexistent/x*';\n")
    r = run_hdcopy("-f", str(script), db=db)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "not found" in lines[0] and f"{script} line 3" in lines[0]


def test_compressed_neighbour_of_a_prefix_gets_a_hint(db, tmp_path):
    import gzip
    make_table(db)
    write(tmp_path / "venue.txt", VENUE)
    (tmp_path / "venue.txt.gz").write_bytes(gzip.compress(VENUE.encode()))
    r = run_hdcopy(f"COPY venue FROM '{tmp_path}/venue.txt'", db=db)
    assert r.returncode == 1
    assert "looks GZIP-compressed by its name" in r.stderr and "prefix" in r.stderr


def test_truncated_gzip_fails_naming_the_file_and_loads_nothing(db, tmp_path):
    import gzip
    make_table(db)
    data = gzip.compress((VENUE * 20000).encode())
    f = tmp_path / "venue.txt.gz"
    f.write_bytes(data[: len(data) // 2])
    r = run_hdcopy(f"COPY venue FROM '{f}' GZIP", db=db)
    assert r.returncode == 1
    assert str(f) in r.stderr and "truncated" in r.stderr
    assert db.count("venue") == 0


def test_every_option_and_command_is_in_the_man_page_and_readme():
    """Every --option and command that --help lists is documented in man/hdcopy.1 and README.md."""
    import re
    from conftest import ROOT
    helptext = run_hdcopy("--help").stdout
    man = (ROOT / "man" / "hdcopy.1").read_text().replace("\\-", "-")
    readme = (ROOT / "README.md").read_text()
    options = set(re.findall(r"(--[a-z][a-z-]+)", helptext))
    assert {"--db", "--file", "--slices", "--json", "--quiet", "--help", "--version"} <= options
    commands = set(re.findall(r"^  ([a-z]+)(?: |$)", helptext.split("Commands:")[1].split("Environment:")[0],
                              re.M))
    assert {"recover", "key", "nodes", "cluster"} <= commands
    for word in sorted(options | commands):
        assert word in man, f"{word} is not in the man page"
        assert word in readme, f"{word} is not in the README"
