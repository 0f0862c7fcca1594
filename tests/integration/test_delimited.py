"""Delimited text: every option of the foundation issue, each with a case that would fail without it, against a real
PostgreSQL and against the embedded SQLite target. Values are checked, not only counts."""
import pytest

from conftest import run_hdcopy, write


@pytest.fixture
def db(tdb):
    """Every test here runs against PostgreSQL and against the embedded SQLite target."""
    return tdb


def load(db, tmp_path, ddl, data, options="", table="t", expect=0, name="data.txt"):
    db.sql(ddl)
    f = write(tmp_path / name, data)
    r = run_hdcopy(f"COPY {table} FROM '{f}' {options}", db=db)
    assert r.returncode == expect, r.stderr
    return r


def test_default_pipe_delimiter_and_trailing_delimiter_rule(db, tmp_path):
    # Redshift's "Load data from a file with default values": a record ending in the delimiter loads as if the
    # empty last field were absent (TPC-H .tbl files), COPY-SPEC "Data format".
    load(db, tmp_path, "CREATE TABLE t (id int, name text, city text, st char(2))",
         "1|Toyota Park|Bridgeview|IL|\n2|Crew|Columbus|OH\n")
    assert db.rows("t") == [["1", "Toyota Park", "Bridgeview", "IL"], ["2", "Crew", "Columbus", "OH"]]


def test_trailing_delimiter_on_two_columns_is_two_fields(db, tmp_path):
    # "1|" into two columns is 1 and an empty field (COPY-SPEC).
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(5))", "1|\n")
    assert db.rows("t") == [["1", ""]]


def test_tab_delimiter(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b text)", "1\tx|y\n2\tz\n", "DELIMITER '\\t'")
    assert db.rows("t") == [["1", "x|y"], ["2", "z"]]


def test_octal_delimiter_and_as(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b text)", "1\tx\n", "DELIMITER AS '\\011'")
    assert db.rows("t") == [["1", "x"]]


def test_crlf_line_ends(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(3))", "1|abc\r\n2|de\r\n")
    assert db.rows("t") == [["1", "abc"], ["2", "de"]]


def test_last_line_without_newline(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b text)", "1|a\n2|b")
    assert db.rows("t") == [["1", "a"], ["2", "b"]]


def test_escape(db, tmp_path):
    data = "1|a\\|b\n2|line\\\nbreak\n3|back\\\\slash\n"
    load(db, tmp_path, "CREATE TABLE t (a int, b text)", data, "ESCAPE")
    assert db.sql("SELECT a, replace(b, chr(10), '<LF>') FROM t ORDER BY a") == \
        [["1", "a|b"], ["2", "line<LF>break"], ["3", "back\\slash"]]


def test_without_escape_backslash_is_data(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b text)", "1|a\\b\n")
    assert db.rows("t") == [["1", "a\\b"]]


def test_default_null_string_is_backslash_N(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b text)", "1|\\N\n\\N|x\n")
    assert db.rows("t", "coalesce(b, '~')") == [[None, "x"], ["1", None]]


def test_null_as(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b text)", "1|nil\n2|x\n", "NULL AS 'nil'")
    assert db.rows("t") == [["1", None], ["2", "x"]]


def test_null_as_nul_character(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b text)", "1|\0\n2|x\n", "NULL AS '\\0'")
    assert db.rows("t") == [["1", None], ["2", "x"]]


def test_empty_field_is_empty_string_for_varchar_and_null_for_int(db, tmp_path):
    # copy-parameters-data-conversion: empty fields load as NULL for non-character types.
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(5), c int)", "1||\n")
    assert db.sql("SELECT a, b, CASE WHEN b IS NULL THEN 'null' ELSE 'value' END, c FROM t") == \
        [["1", "", "value", None]]


def test_emptyasnull(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(5))", "1|\n", "EMPTYASNULL")
    assert db.rows("t") == [["1", None]]


def test_blanksasnull(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(5))", "1|   \n2| x \n", "BLANKSASNULL")
    assert db.rows("t") == [["1", None], ["2", " x "]]


def test_removequotes(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b text, c text)", '1|"a|b"|"plain"\n2|x|"y"\n', "REMOVEQUOTES")
    assert db.rows("t") == [["1", "a|b", "plain"], ["2", "x", "y"]]


def test_without_removequotes_quotes_are_data(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b text)", '1|"x"\n')
    assert db.rows("t") == [["1", '"x"']]


def test_ignoreheader_applies_to_each_file(db, tmp_path):
    db.sql("CREATE TABLE t (a int, b text)")
    write(tmp_path / "d" / "p0", "a|b\n1|x\n")
    write(tmp_path / "d" / "p1", "a|b\n2|y\n")
    r = run_hdcopy(f"COPY t FROM '{tmp_path}/d/p' IGNOREHEADER 1", db=db)
    assert r.returncode == 0, r.stderr
    assert db.rows("t") == [["1", "x"], ["2", "y"]]


def test_ignoreblanklines(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b text)", "1|x\n\n2|y\n\n", "IGNOREBLANKLINES")
    assert db.rows("t") == [["1", "x"], ["2", "y"]]


def test_blank_line_without_ignoreblanklines_is_an_error(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b text)", "1|x\n\n2|y\n", "MAXERROR 5")
    assert db.rows("t") == [["1", "x"], ["2", "y"]]
    assert db.load_errors("line_number, err_code") == [["2", "1211"]]


def test_fillrecord(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(5), c int, d char(3))", "1|x\n2\n", "FILLRECORD")
    assert db.sql("SELECT a, b, CASE WHEN b IS NULL THEN 'null' ELSE 'value' END, c, d FROM t ORDER BY a") == \
        [["1", "x", "value", None, None], ["2", "", "value", None, None]]


def test_fillrecord_with_emptyasnull(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(5))", "2\n", "FILLRECORD EMPTYASNULL")
    assert db.rows("t") == [["2", None]]


def test_missing_columns_without_fillrecord_fail(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(5), c int)", "1|x\n", expect=1)
    assert db.count("t") == 0
    assert db.load_errors("line_number, err_code") == [["1", "1214"]]


def test_extra_columns_fail(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(5))", "1|x|y|z\n", expect=1)
    assert db.load_errors("line_number, err_code") == [["1", "1202"]]


def test_trimblanks(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(10))", "1|abc   \n", "TRIMBLANKS")
    assert db.rows("t") == [["1", "abc"]]


def test_without_trimblanks_trailing_blanks_are_kept(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(10))", "1|abc   \n")
    assert db.rows("t") == [["1", "abc   "]]


def test_trailing_blanks_past_the_length_are_cut(db, tmp_path):
    # PostgreSQL's rule for varchar(n), which Redshift shares: excess that is only blanks is dropped, not an error.
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(3))", "1|abc   \n2|abcd \n", "MAXERROR 1")
    assert db.rows("t") == [["1", "abc"]]
    assert db.load_errors("line_number, trim(colname), err_code") == [["2", "b", "1204"]]


def test_truncatecolumns_cuts_bytes_on_character_boundary(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(4))", "1|abcdef\n2|aé€x\n", "TRUNCATECOLUMNS")
    # 'aé€x' is 1+2+3+1 bytes: 4 bytes end inside '€', so the cut falls back to 'aé' (3 bytes).
    assert db.rows("t") == [["1", "abcd"], ["2", "aé"]]


def test_varchar_length_is_in_bytes(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(3))", "1|€\n2|é€\n", "MAXERROR 1")
    assert db.rows("t") == [["1", "€"]]
    assert db.load_errors("line_number, err_code") == [["2", "1204"]]


def test_acceptinvchars(db, tmp_path):
    data = b"1|ab\xffc\n2|ok\n"
    db.sql("CREATE TABLE t (a int, b varchar(10))")
    f = write(tmp_path / "x.txt", data)
    r = run_hdcopy(f"COPY t FROM '{f}' ACCEPTINVCHARS AS '^'", db=db)
    assert r.returncode == 0, r.stderr
    assert db.rows("t") == [["1", "ab^c"], ["2", "ok"]]
    assert "replacements" in r.stderr


def test_invalid_utf8_without_acceptinvchars_is_1220(db, tmp_path):
    db.sql("CREATE TABLE t (a int, b varchar(10))")
    f = write(tmp_path / "x.txt", b"1|ab\xffc\n")
    r = run_hdcopy(f"COPY t FROM '{f}'", db=db)
    assert r.returncode == 1
    assert db.load_errors("line_number, err_code") == [["1", "1220"]]


def test_dateformat_and_timeformat(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (d date, ts timestamp)", "03/15/2024|15.03.2024 13:45:07\n",
         "DATEFORMAT 'MM/DD/YYYY' TIMEFORMAT 'DD.MM.YYYY HH24:MI:SS'")
    assert db.rows("t") == [["2024-03-15", "2024-03-15 13:45:07"]]


def test_dateformat_auto(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (d date)", "2024-03-15\n03/16/2024\n", "DATEFORMAT 'auto'")
    assert db.rows("t") == [["2024-03-15"], ["2024-03-16"]]


def test_timeformat_epochsecs(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (ts timestamp)", "1700000000\n", "TIMEFORMAT 'epochsecs'")
    assert db.rows("t") == [["2023-11-14 22:13:20"]]


def test_default_dateformat_rejects_other_forms(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (d date)", "03/15/2024\n", expect=1)
    assert db.load_errors("line_number, err_code") == [["1", "1205"]]


def test_roundec(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a numeric(6,2))", "1.235\n2.999\n", "ROUNDEC")
    # SQLite's NUMERIC affinity stores 3.00 as the REAL 3.0: compare numbers, which still tell rounding from
    # truncation.
    assert [float(v) for (v,) in db.rows("t")] == [1.24, 3.00]


def test_numeric_truncates_without_roundec(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a numeric(6,2))", "1.235\n2.999\n")
    assert [float(v) for (v,) in db.rows("t")] == [1.23, 2.99]


@pytest.mark.pg_only("GENERATED ALWAYS AS IDENTITY")
def test_explicit_ids(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY, v text)", "10|a\n20|b\n",
         "EXPLICIT_IDS")
    assert db.rows("t") == [["10", "a"], ["20", "b"]]


@pytest.mark.pg_only("GENERATED ALWAYS AS IDENTITY")
def test_identity_generated_without_explicit_ids(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY, v text)", "a\nb\n")
    assert db.rows("t") == [["1", "a"], ["2", "b"]]


@pytest.mark.pg_only("GENERATED ALWAYS AS IDENTITY")
def test_identity_in_column_list_needs_explicit_ids(db, tmp_path):
    r = load(db, tmp_path, "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY, v text)", "10|a\n",
             options="", table="t (id, v)", expect=2)
    assert "EXPLICIT_IDS" in r.stderr


def test_column_list_and_defaults(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b text DEFAULT 'dflt', c int NOT NULL DEFAULT 7, d text)",
         "x|1\n", table="t (d, a)")
    assert db.rows("t") == [["1", "dflt", "7", "x"]]


@pytest.mark.pg_only("schemas")
def test_quoted_identifiers_and_schema(db, tmp_path):
    db.sql('CREATE SCHEMA "Sales"; CREATE TABLE "Sales"."Big Table" ("Id" int, "the name" text)')
    f = write(tmp_path / "x.txt", "1|a\n")
    r = run_hdcopy(f'COPY "Sales"."Big Table" ("the name", "Id") FROM \'{f}\'', db=db)
    # fields in list order: "1" goes to "the name", "a" to "Id" (fails: invalid digit)
    assert r.returncode == 1
    f = write(tmp_path / "y.txt", "a|1\n")
    r = run_hdcopy(f'COPY "Sales"."Big Table" ("the name", "Id") FROM \'{f}\'', db=db)
    assert r.returncode == 0, r.stderr
    assert db.sql('SELECT * FROM "Sales"."Big Table"') == [["1", "a"]]


def test_files_by_glob_in_name_order_and_prefix(db, tmp_path):
    db.sql("CREATE TABLE t (a int, f text)")
    for name in ["part-2", "part-10", "part-1", "other"]:
        write(tmp_path / "out" / name, f"{len(name)}|{name}\n")
    r = run_hdcopy("--json", f"COPY t FROM '{tmp_path}/out/part-*'", db=db)
    assert r.returncode == 0, r.stderr
    import json
    names = [f["name"].rsplit("/", 1)[1] for f in json.loads(r.stdout)["statements"][0]["copy"]["files"]]
    assert names == ["part-1", "part-10", "part-2"]
    db.sql("DELETE FROM t")
    r = run_hdcopy(f"COPY t FROM '{tmp_path}/out/part-1'", db=db)  # prefix: part-1 and part-10
    assert r.returncode == 0
    assert db.rows("t", "f") == [["6", "part-1"], ["7", "part-10"]]
    db.sql("DELETE FROM t")
    r = run_hdcopy(f"COPY t FROM 'file://{tmp_path}/out/'", db=db)  # a directory: every file
    assert r.returncode == 0
    assert db.count("t") == 4


def test_no_file_matches_is_load_file_not_found(db, tmp_path):
    db.sql("CREATE TABLE t (a int)")
    r = run_hdcopy(f"COPY t FROM '{tmp_path}/nothing-*'", db=db)
    assert r.returncode == 1
    assert "not found" in r.stderr and "nothing-*" in r.stderr
