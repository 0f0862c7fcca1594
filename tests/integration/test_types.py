"""Client-side conversion of every foundation type, checked against what PostgreSQL stores; every check the server
would make is made by hdcopy first (the server never rejects a row: errors carry Redshift's codes)."""
import pytest

from conftest import run_hdcopy, write


def load_col(db, tmp_path, coltype, values, options="MAXERROR 1000"):
    db.sql(f"CREATE TABLE t (n int, v {coltype})")
    data = "".join(f"{i}|{v}\n" for i, v in enumerate(values))
    f = write(tmp_path / "x.txt", data)
    r = run_hdcopy(f"COPY t FROM '{f}' {options}", db=db)
    assert r.returncode == 0, r.stderr
    loaded = {int(n): v for n, v in db.sql("SELECT n, v::text FROM t")}
    errors = {int(line) - 1: int(code) for line, code in db.load_errors("line_number, err_code")}
    return [loaded.get(i, errors.get(i, "missing")) for i in range(len(values))]


def test_smallint(db, tmp_path):
    assert load_col(db, tmp_path, "smallint", ["32767", "-32768", "32768", "-32769", "12", "1.5", "x", "+7"]) == \
        ["32767", "-32768", 1222, 1222, "12", 1207, 1207, "7"]


def test_integer(db, tmp_path):
    assert load_col(db, tmp_path, "integer", ["2147483647", "-2147483648", "2147483648", "007", ""]) == \
        ["2147483647", "-2147483648", 1222, "7", None]


def test_bigint(db, tmp_path):
    assert load_col(db, tmp_path, "bigint", ["9223372036854775807", "-9223372036854775808",
                                             "9223372036854775808", "99999999999999999999"]) == \
        ["9223372036854775807", "-9223372036854775808", 1222, 1222]


def test_numeric(db, tmp_path):
    assert load_col(db, tmp_path, "numeric(7,2)", ["12345.67", "-0.5", "123456.7", "1e2", ".25", "abc",
                                                   "99999.999"]) == \
        ["12345.67", "-0.50", 1204, "100.00", "0.25", 1207, "99999.99"]


def test_unconstrained_numeric_keeps_scale(db, tmp_path):
    assert load_col(db, tmp_path, "numeric", ["1.2300", "-123456789012345678901234567890.5"]) == \
        ["1.2300", "-123456789012345678901234567890.5"]


def test_real_and_double(db, tmp_path):
    assert load_col(db, tmp_path, "double precision", ["1.5", "-2e-3", "NaN", "inf", "1e400", "1.2.3"]) == \
        ["1.5", "-0.002", "NaN", "Infinity", 1204, 1208]
    db.sql("DROP TABLE t")
    assert load_col(db, tmp_path, "real", ["1.25", "3.4e38", "1e39"]) == ["1.25", "3.4e+38", 1204]


def test_boolean(db, tmp_path):
    assert load_col(db, tmp_path, "boolean", ["t", "TRUE", "y", "yes", "1", "f", "False", "n", "no", "0", "maybe"]) == \
        ["true"] * 5 + ["false"] * 5 + [1210]


def test_char_is_single_byte_and_padded(db, tmp_path):
    # v::text of a bpchar drops the padding; octet_length of the stored value shows it is padded to 3.
    assert load_col(db, tmp_path, "char(3)", ["ab", "abc", "abcd", "é", "ab   "]) == ["ab", "abc", 1204, 1220, "ab"]
    assert db.sql("SELECT octet_length(v::varchar) FROM t WHERE n = 0") == [["2"]]


def test_varchar_and_text(db, tmp_path):
    assert load_col(db, tmp_path, "varchar(4)", ["abcd", "abcde", "üab", "ü€"]) == ["abcd", 1204, "üab", 1204]
    db.sql("DROP TABLE t")
    long = "x" * 70000
    assert load_col(db, tmp_path, "text", [long]) == [long]


def test_date(db, tmp_path):
    # The default DATEFORMAT needs 10 characters (Redshift: "Invalid date format - length must be 10 or more").
    assert load_col(db, tmp_path, "date", ["2024-02-29", "2023-02-29", "1999-12-31", "0001-01-01", "2024-1-5",
                                           "x"]) == \
        ["2024-02-29", 1205, "1999-12-31", "0001-01-01", 1205, 1205]


def test_timestamp(db, tmp_path):
    assert load_col(db, tmp_path, "timestamp", ["2024-03-15 13:45:07", "2024-03-15 13:45:07.123456",
                                                "2024-03-15 25:00:00", "2024-03-15"]) == \
        ["2024-03-15 13:45:07", "2024-03-15 13:45:07.123456", 1206, "2024-03-15 00:00:00"]


def test_timestamptz_is_utc_without_offset(db, tmp_path):
    db.sql("CREATE TABLE t (n int, v timestamptz)")
    f = write(tmp_path / "x.txt", "1|2024-03-15 13:45:07\n2|2024-03-15 13:45:07+02\n")
    r = run_hdcopy(f"COPY t FROM '{f}' TIMEFORMAT 'auto'", db=db)
    assert r.returncode == 0, r.stderr
    assert db.sql("SELECT n, (v AT TIME ZONE 'UTC')::text FROM t ORDER BY n") == \
        [["1", "2024-03-15 13:45:07"], ["2", "2024-03-15 11:45:07"]]


def test_time_and_timetz(db, tmp_path):
    assert load_col(db, tmp_path, "time", ["13:45:07", "23:59:59.5", "24:00:01"]) == \
        ["13:45:07", "23:59:59.5", 1206]
    db.sql("DROP TABLE t")
    assert load_col(db, tmp_path, "timetz", ["13:45:07+02"]) == ["13:45:07+02"]


def test_every_check_is_client_side(db, tmp_path):
    """A mix of bad values across types: the server must never see them; every one is a Redshift error row."""
    db.sql("CREATE TABLE t (a smallint, b numeric(3,1), c varchar(2), d date, e boolean)")
    bad = ["99999|1|a|2024-01-01|t", "1|100|a|2024-01-01|t", "1|1|abc|2024-01-01|t", "1|1|a|2024-02-30|t",
           "1|1|a|2024-01-01|x", "1|1|a|2024-01-01|t"]
    f = write(tmp_path / "x.txt", "\n".join(bad) + "\n")
    r = run_hdcopy(f"COPY t FROM '{f}' MAXERROR 5", db=db)
    assert r.returncode == 0, r.stderr
    assert db.count("t") == 1
    assert [c for (c,) in db.load_errors("err_code")] == ["1222", "1204", "1204", "1205", "1210"]


def test_acceptanydate_loads_bad_dates_as_null(db, tmp_path):
    db.sql("CREATE TABLE t (n int, d date, ts timestamp)")
    f = write(tmp_path / "x.txt", "1|2024-02-30|garbage\n2|2024-01-02|2024-01-02 03:04:05\n")
    r = run_hdcopy(f"COPY t FROM '{f}' ACCEPTANYDATE", db=db)
    assert r.returncode == 0, r.stderr
    assert db.rows("t") == [["1", None, None], ["2", "2024-01-02", "2024-01-02 03:04:05"]]
    db.sql("TRUNCATE t")
    r = run_hdcopy(f"COPY t FROM '{f}'", db=db)  # without it: 1205
    assert r.returncode == 1
    assert db.load_errors("err_code") == [["1205"]]


def test_varbyte_into_bytea_is_hex(db, tmp_path):
    assert load_col(db, tmp_path, "bytea", ["48656c6c6f", "00ff", "", "abc", "zz"]) == \
        ["\\x48656c6c6f", "\\x00ff", None, 1207, 1207]


def test_json_and_jsonb_columns_take_json_text(db, tmp_path):
    db.sql("CREATE TABLE t (n int, j jsonb, k json)")
    f = write(tmp_path / "x.txt", '1|{"a": [1, 2]}|[true, null]\n2|{"a": |1\n3|"s"|3.5\n')
    r = run_hdcopy(f"COPY t FROM '{f}' MAXERROR 1", db=db)
    assert r.returncode == 0, r.stderr
    assert db.sql("SELECT n, j::text, k::text FROM t ORDER BY n") == \
        [["1", '{"a": [1, 2]}', "[true, null]"], ["3", '"s"', "3.5"]]
    assert db.load_errors("line_number, err_code") == [["2", "1224"]]


def test_statupdate_on_analyzes_the_table(db, tmp_path):
    db.sql("CREATE TABLE t (n int, v text)")
    f = write(tmp_path / "x.txt", "1|a\n2|b\n")
    r = run_hdcopy(f"COPY t FROM '{f}' STATUPDATE ON COMPROWS 2000", db=db)
    assert r.returncode == 0, r.stderr
    assert "COMPROWS has no meaning" in r.stderr
    assert db.sql("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 't'") == [["t"]]
    db.sql("CREATE TABLE u (n int, v text)")
    r = run_hdcopy(f"COPY u FROM '{f}'", db=db)
    assert db.sql("SELECT last_analyze IS NULL FROM pg_stat_user_tables WHERE relname = 'u'") == [["t"]]
