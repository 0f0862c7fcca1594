"""Redshift's error model: rejected rows in stl_load_errors, MAXERROR, IGNOREALLERRORS, NOLOAD, and the
load history in stl_load_commits — against PostgreSQL (schema hdcopy) and the embedded SQLite target."""
import pytest

from conftest import run_hdcopy, write


@pytest.fixture
def db(tdb):
    """Every test here runs against PostgreSQL and against the embedded SQLite target."""
    return tdb

DDL = "CREATE TABLE t (id int, qty smallint, price numeric(8,2), d date, name varchar(5))"
GOOD = "1|10|1.50|2024-01-01|ab\n"
BAD_DIGIT = "2|1x|1.50|2024-01-01|ab\n"
BAD_DATE = "3|10|1.50|2024-13-01|ab\n"
TOO_LONG = "4|10|1.50|2024-01-01|abcdef\n"


def test_one_bad_row_with_default_maxerror_fails_and_loads_nothing(db, tmp_path):
    db.sql(DDL)
    f = write(tmp_path / "x.txt", GOOD + BAD_DIGIT + GOOD)
    r = run_hdcopy(f"COPY t FROM '{f}'", db=db)
    assert r.returncode == 1
    err_lines = [l for l in r.stderr.splitlines() if "ERROR" in l]
    assert len(err_lines) == 1
    line = err_lines[0]
    assert "Load into table 't' failed" in line and "stl_load_errors" in line
    assert str(f) in line and "line 2" in line and '"qty"' in line and "1207" in line
    assert db.count("t") == 0
    rows = db.sql("SELECT filename, line_number, trim(colname), trim(type), position, trim(raw_line), "
                  f"trim(raw_field_value), err_code FROM {db.errors_table}")
    assert rows == [[str(f), "2", "qty", "smallint", "2", BAD_DIGIT.strip(), "1x", "1207"]]


def test_maxerror_skips_and_records_each_rejected_row(db, tmp_path):
    db.sql(DDL)
    f = write(tmp_path / "x.txt", GOOD + BAD_DIGIT + BAD_DATE + TOO_LONG + GOOD.replace("1|", "5|"))
    r = run_hdcopy(f"COPY t FROM '{f}' MAXERROR 3", db=db)
    assert r.returncode == 0, r.stderr
    assert "2 record(s) loaded successfully" in r.stderr
    assert "3 record(s) could not be loaded" in r.stderr
    assert db.sql("SELECT id FROM t ORDER BY id") == [["1"], ["5"]]
    assert db.load_errors("line_number, trim(colname), err_code") == [
        ["2", "qty", "1207"], ["3", "d", "1205"], ["4", "name", "1204"]]


def test_maxerror_exceeded_by_one_fails(db, tmp_path):
    db.sql(DDL)
    f = write(tmp_path / "x.txt", GOOD + BAD_DIGIT + BAD_DATE + TOO_LONG)
    r = run_hdcopy(f"COPY t FROM '{f}' MAXERROR AS 2", db=db)
    assert r.returncode == 1
    assert db.count("t") == 0
    # The rows rejected before the load stopped are recorded, in their own transaction.
    assert [row[0] for row in db.load_errors("err_code")] == ["1207", "1205", "1204"]


def test_ignoreallerrors(db, tmp_path):
    db.sql(DDL)
    f = write(tmp_path / "x.txt", GOOD + BAD_DIGIT * 20 + GOOD)
    r = run_hdcopy(f"COPY t FROM '{f}' IGNOREALLERRORS", db=db)
    assert r.returncode == 0, r.stderr
    assert db.count("t") == 2
    assert db.sql(f"SELECT count(*) FROM {db.errors_table}") == [["20"]]


def test_noload_checks_and_loads_nothing(db, tmp_path):
    db.sql(DDL)
    f = write(tmp_path / "x.txt", GOOD + GOOD)
    r = run_hdcopy(f"COPY t FROM '{f}' NOLOAD", db=db)
    assert r.returncode == 0, r.stderr
    assert db.count("t") == 0
    f2 = write(tmp_path / "y.txt", GOOD + BAD_DATE)
    r = run_hdcopy(f"COPY t FROM '{f2}' NOLOAD", db=db)
    assert r.returncode == 1
    assert db.load_errors("err_code") == [["1205"]]


def test_not_null_without_data_is_1213(db, tmp_path):
    db.sql("CREATE TABLE t (a int NOT NULL, b text)")
    f = write(tmp_path / "x.txt", "|x\n1|y\n")
    r = run_hdcopy(f"COPY t FROM '{f}' MAXERROR 1", db=db)
    assert r.returncode == 0, r.stderr
    assert db.rows("t") == [["1", "y"]]
    assert db.load_errors("line_number, trim(colname), err_code") == [["1", "a", "1213"]]


def test_load_commits_history(db, tmp_path):
    db.sql(DDL)
    write(tmp_path / "d" / "a", "id|qty|price|d|name\n" + GOOD)
    write(tmp_path / "d" / "b", "id|qty|price|d|name\n" + GOOD + BAD_DIGIT)
    r = run_hdcopy(f"COPY t FROM '{tmp_path}/d/' MAXERROR 5 IGNOREHEADER 1", db=db)
    assert r.returncode == 0, r.stderr
    # One row per file: lines scanned (IGNOREHEADER applies to each file) and rows rejected.
    rows = db.sql(f"SELECT filename, lines_scanned, errors FROM {db.commits_table} ORDER BY filename")
    assert rows == [[str(tmp_path / "d" / "a"), "2", "0"], [str(tmp_path / "d" / "b"), "3", "1"]]
    assert db.count("t") == 2


def test_failed_load_writes_no_commit_rows(db, tmp_path):
    db.sql(DDL)
    f = write(tmp_path / "x.txt", BAD_DIGIT)
    r = run_hdcopy(f"COPY t FROM '{f}'", db=db)
    assert r.returncode == 1
    assert db.sql(f"SELECT count(*) FROM {db.commits_table}") == [["0"]]


def test_error_rows_do_not_hold_secrets(db, tmp_path):
    db.sql(DDL)
    f = write(tmp_path / "x.txt", BAD_DIGIT)
    r = run_hdcopy(f"COPY t FROM '{f}' MAXERROR 1", db=db)
    assert r.returncode == 0
    dump = db.sql(f"SELECT * FROM {db.errors_table}")
    assert "password" not in repr(dump)
