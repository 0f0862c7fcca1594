"""CSV end to end against a real PostgreSQL (src/format/csv.c + convert/ + sink/): values are checked, not counts.

Pages: copy-parameters-data-format (CSV, QUOTE), copy-parameters-data-conversion (NULL AS, EMPTYASNULL,
IGNOREHEADER), r_COPY_command_examples ("Load from CSV"), r_Load_Error_Reference (1214)."""
from conftest import run_hdcopy, write


def load(db, tmp_path, ddl, data, options="CSV", table="t", expect=0, name="data.csv"):
    if ddl:
        db.sql(ddl)
    f = write(tmp_path / name, data)
    r = run_hdcopy(f"COPY {table} FROM '{f}' {options}", db=db)
    assert r.returncode == expect, r.stdout + r.stderr
    return r


def test_csv_quotes_header_crlf(db, tmp_path):
    # "Load from CSV": delimiters, newlines (CR LF too) and doubled quotes inside quotes; IGNOREHEADER 1.
    data = ('id,name,note\r\n'
            '1,"Anytown, WW","A ""quoted"" word"\r\n'
            '2,"two\r\nlines",plain\r\n'
            '3,x,"ends with ,"')
    load(db, tmp_path, "CREATE TABLE t (id int, name varchar(20), note text)", data, "CSV IGNOREHEADER 1")
    assert db.sql("SELECT id, replace(replace(name, chr(13), '<CR>'), chr(10), '<LF>'), note FROM t ORDER BY id") == [
        ["1", "Anytown, WW", 'A "quoted" word'],
        ["2", "two<CR><LF>lines", "plain"],
        ["3", "x", "ends with ,"],
    ]


def test_csv_null_default_and_empty_fields(db, tmp_path):
    # copy-parameters-data-conversion: the default null_string is '\N' (CSV too); an empty field loads '' into
    # VARCHAR and NULL into INT ("Empty fields for other data types, such as INT, are always loaded with NULL");
    # a quoted field is data, so "\N" is the two characters.
    data = '1,,\n2,"",""\n3,\\N,\\N\n4,"\\N",5\n'
    load(db, tmp_path, "CREATE TABLE t (id int, s varchar(5), n int)", data, "CSV")
    assert db.rows("t") == [["1", "", None], ["2", "", None], ["3", None, None], ["4", "\\N", "5"]]


def test_csv_emptyasnull(db, tmp_path):
    # EMPTYASNULL: empty CHAR/VARCHAR fields load NULL, quoted "" too (it is an empty field).
    load(db, tmp_path, "CREATE TABLE t (id int, s varchar(5))", '1,\n2,""\n3,x\n', "CSV EMPTYASNULL")
    assert db.rows("t") == [["1", None], ["2", None], ["3", "x"]]


def test_csv_null_as_empty_string(db, tmp_path):
    # NULL AS '': an unquoted empty field is NULL; a quoted "" is not (quotes make data).
    load(db, tmp_path, "CREATE TABLE t (id int, s varchar(5))", '1,\n2,""\n', "CSV NULL AS ''")
    assert db.rows("t") == [["1", None], ["2", ""]]


def test_csv_quote_as_and_delimiter(db, tmp_path):
    # QUOTE AS '%': double quotes are plain data; DELIMITER changes the separator.
    load(db, tmp_path, "CREATE TABLE t (id int, s text)", '1|%a|b%\n2|"x"\n3|%50%%%\n',
         "CSV QUOTE AS '%' DELIMITER '|'")
    assert db.rows("t") == [["1", "a|b"], ["2", '"x"'], ["3", "50%"]]


def test_format_as_csv_and_blanks_around_quotes(db, tmp_path):
    # "white space between the delimiters and the quote characters is ignored"; unquoted blanks are data.
    load(db, tmp_path, "CREATE TABLE t (id int, s text, u text)", '1, "a b" , c \n', "FORMAT AS CSV")
    assert db.rows("t") == [["1", "a b", " c "]]


def test_csv_bad_quotes_are_load_errors(db, tmp_path):
    # Text after a closing quote and an unterminated quote: 1214 rows in stl_load_errors, the rest loads.
    data = '1,ok\n2,"bad"x\n3,"fine"\n4,"open\n'
    r = load(db, tmp_path, "CREATE TABLE t (id int, s text)", data, "CSV MAXERROR 5")
    assert db.rows("t") == [["1", "ok"], ["3", "fine"]]
    errs = db.load_errors("line_number, err_code, trim(err_reason)")
    assert errs == [["2", "1214", "Invalid quote formatting for CSV"],
                    ["4", "1214", "Unterminated quoted field at end of input"]]
    assert "2 record(s) loaded successfully" in r.stdout + r.stderr


def test_csv_bad_quotes_fail_without_maxerror(db, tmp_path):
    # a quote inside an unquoted field is not data (csv.c): the COPY fails like Redshift's, nothing is loaded
    db.sql("CREATE TABLE t (id int, s text)")
    f = write(tmp_path / "bad.csv", '1,ab"c"\n2,x\n')
    r = run_hdcopy(f"COPY t FROM '{f}' CSV", db=db)
    assert r.returncode != 0
    assert "stl_load_errors" in r.stderr + r.stdout
    assert db.count("t") == 0


def test_csv_ignoreblanklines_and_line_numbers(db, tmp_path):
    # Blank lines are dropped with IGNOREBLANKLINES; line numbers count physical lines (quoted newlines too).
    data = 'h\n"a\nb",1\n\n"c",x\n'
    load(db, tmp_path, "CREATE TABLE t (s text, n int)", data, "CSV IGNOREHEADER 1 IGNOREBLANKLINES MAXERROR 3")
    assert db.sql("SELECT replace(s, chr(10), '<LF>'), n FROM t") == [["a<LF>b", "1"]]
    assert db.load_errors("line_number, err_code") == [["5", "1207"]]
