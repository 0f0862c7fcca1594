"""FIXEDWIDTH against a real PostgreSQL: Redshift's VENUE example reproduced, then each rule of src/format/fixedwidth.c
(widths in characters, padding kept, short and long records, line ends, header and blank lines, labels ignored),
checking the loaded values."""
from conftest import run_hdcopy, write

# Redshift's VENUE table (r_COPY_command_examples, "Load VENUE from a fixed-width data file"), in PostgreSQL types.
VENUE_DDL = ("CREATE TABLE venue (venueid smallint NOT NULL, venuename varchar(100), venuecity varchar(30), "
             "venuestate char(2), venueseats integer)")
VENUE_SPEC = "venueid:3,venuename:25,venuecity:12,venuestate:2,venueseats:6"
# The example's data: "spaces act as placeholders so that all of the columns are the same width as noted in the
# specification"; the lines end inside the 6-character venueseats field, as on the page.
VENUE_DATA = (
    "1  Toyota Park              Bridgeview  IL0\n"
    "2  Columbus Crew Stadium    Columbus    OH0\n"
    "3  RFK Stadium              Washington  DC0\n"
    "4  CommunityAmerica BallparkKansas City KS0\n"
    "5  Gillette Stadium         Foxborough  MA68756\n")
VENUE_ROWS = [
    ["1", "Toyota Park", "Bridgeview", "IL", "0"],
    ["2", "Columbus Crew Stadium", "Columbus", "OH", "0"],
    ["3", "RFK Stadium", "Washington", "DC", "0"],
    ["4", "CommunityAmerica Ballpark", "Kansas City", "KS", "0"],
    ["5", "Gillette Stadium", "Foxborough", "MA", "68756"],
]


def load(db, tmp_path, ddl, data, options, table="t", expect=0, name="data.txt", cols=""):
    if ddl:
        db.sql(ddl)
    f = write(tmp_path / name, data)
    r = run_hdcopy(f"COPY {table}{cols} FROM '{f}' {options}", db=db)
    assert r.returncode == expect, r.stdout + r.stderr
    return r


def test_venue_example(db, tmp_path):
    r = load(db, tmp_path, VENUE_DDL, VENUE_DATA, f"FIXEDWIDTH '{VENUE_SPEC}'", table="venue", name="venue_fw.txt")
    assert "5 record(s) loaded successfully" in r.stdout + r.stderr
    # The values of the example; varchar keeps the placeholder spaces (TRIMBLANKS is not given): 25 and 12 chars.
    assert db.sql("SELECT venueid, rtrim(venuename), rtrim(venuecity), venuestate, venueseats FROM venue "
                  "ORDER BY 1") == VENUE_ROWS
    assert db.sql("SELECT DISTINCT length(venuename), length(venuecity) FROM venue") == [["25", "12"]]


def test_venue_example_trimblanks_and_numeric_labels(db, tmp_path):
    # The same spec with numeric identifiers (t_loading_fixed_width_data: '0:3,1:25,2:12,3:2,4:6'); TRIMBLANKS strips
    # the trailing placeholders of varchar values.
    load(db, tmp_path, VENUE_DDL, VENUE_DATA, "FIXEDWIDTH '0:3,1:25,2:12,3:2,4:6' TRIMBLANKS", table="venue")
    assert db.rows("venue") == VENUE_ROWS


def test_labels_do_not_name_columns(db, tmp_path):
    # Fields load in spec order into the column list, whatever the labels say.
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(10), c int)", "xy123\nzw 45\n",
         "FIXEDWIDTH 'a:2,c:3'", cols=" (b, c)")
    assert db.sql("SELECT a, b, c FROM t ORDER BY c") == [[None, "zw", "45"], [None, "xy", "123"]]


def test_widths_are_characters(db, tmp_path):
    # copy-parameters-data-conversion, ENCODING: widths count characters, not bytes (2-, 3- and 4-byte UTF-8).
    data = "é日本x😀\nabc日😀\n"
    load(db, tmp_path, "CREATE TABLE t (a varchar(20), b varchar(20), c varchar(20))", data,
         "FIXEDWIDTH 'a:2,b:2,c:1'")
    assert db.sql("SELECT a, b, c, octet_length(a) FROM t ORDER BY 4") == \
        [["ab", "c日", "😀", "2"], ["é日", "本x", "😀", "5"]]


def test_short_record_is_missing_columns_unless_fillrecord(db, tmp_path):
    # A line ending inside a field gives that field short; the fields after it are missing: rejected, or with
    # FILLRECORD loaded as NULL (copy-parameters-data-conversion, FILLRECORD).
    data = "1abc7\n2ab\n3\n"
    db.sql("CREATE TABLE t (a int, b varchar(3), c int)")
    load(db, tmp_path, None, data, "FIXEDWIDTH 'a:1,b:3,c:1' MAXERROR 5")
    assert db.rows("t") == [["1", "abc", "7"]]
    errs = db.load_errors("line_number, err_code")
    assert errs == [["2", "1203"], ["3", "1203"]]
    db.sql("TRUNCATE t")
    load(db, tmp_path, None, data, "FIXEDWIDTH 'a:1,b:3,c:1' FILLRECORD")
    assert db.rows("t") == [["1", "abc", "7"], ["2", "ab", None], ["3", "", None]]


def test_long_record_is_rejected(db, tmp_path):
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(3))", "1abc\n2abcd\n3x\n", "FIXEDWIDTH 'a:1,b:3' MAXERROR 1")
    assert db.rows("t") == [["1", "abc"], ["3", "x"]]
    errs = db.load_errors("line_number, err_code, trim(raw_line)")
    assert errs == [["2", "1202", "2abcd"]]
    # without MAXERROR the COPY fails and loads nothing
    db.sql("TRUNCATE t")
    r = load(db, tmp_path, None, "1abc\n2abcd\n", "FIXEDWIDTH 'a:1,b:3'", expect=1)
    assert "stl_load_errors" in r.stderr
    assert db.count("t") == 0


def test_crlf_header_and_blank_lines(db, tmp_path):
    data = "id name\r\n-- ----\r\n1 ab\r\n\r\n2 cd\r\n\n3 e"
    load(db, tmp_path, "CREATE TABLE t (a int, b varchar(3))", data,
         "FIXEDWIDTH 'a:2,b:2' IGNOREHEADER 2 IGNOREBLANKLINES")
    assert db.rows("t") == [["1", "ab"], ["2", "cd"], ["3", "e"]]


def test_null_as_and_padding(db, tmp_path):
    # NULL AS compares the field's bytes as read; the default null string \N fills a 2-character field exactly.
    load(db, tmp_path, "CREATE TABLE t (a varchar(5), b varchar(5))", "\\Nxx\nab\\N\nNAyy\n", "FIXEDWIDTH 'a:2,b:2'")
    assert db.sql("SELECT a, b FROM t ORDER BY a NULLS FIRST, b") == [[None, "xx"], ["NA", "yy"], ["ab", None]]
    db.sql("TRUNCATE t")
    load(db, tmp_path, None, "NAxx\nab  \n", "FIXEDWIDTH 'a:2,b:2' NULL AS 'NA' BLANKSASNULL")
    assert db.sql("SELECT a, b FROM t ORDER BY a NULLS FIRST") == [[None, "xx"], ["ab", None]]


def test_gzip_fixedwidth(db, tmp_path):
    import gzip
    db.sql(VENUE_DDL)
    f = write(tmp_path / "venue_fw.txt.gz", gzip.compress(VENUE_DATA.encode()))
    r = run_hdcopy(f"COPY venue FROM '{f}' FIXEDWIDTH '{VENUE_SPEC}' GZIP TRIMBLANKS", db=db)
    assert r.returncode == 0, r.stderr
    assert db.rows("venue") == VENUE_ROWS


def test_split_file_loads_every_record_once(db, tmp_path):
    # A file big enough for load/ to split into byte ranges (HD_SPLIT_MIN is 8 MiB), read by 4 slices: the ranges come
    # from fixedwidth's boundaries(); every record loads exactly once, header skipped once, line numbers right.
    n = 1_200_000
    lines = ["id     name      ", "----   ----      "]
    for i in range(n):
        name = ("é" if i % 3 == 0 else "e") + f"{i % 1000:03d}日本"  # 6 characters, 6 to 10 bytes
        lines.append(f"{i:07d}{name:<6}{i % 7:04d}" + ("\r" if i % 5 == 0 else ""))
    data = "\n".join(lines) + "\n"
    assert len(data.encode()) > 3 * (8 << 20)
    db.sql("CREATE TABLE t (id int, name varchar(20), k int)")
    f = write(tmp_path / "big.txt", data)
    r = run_hdcopy("-j", "4", f"COPY t FROM '{f}' FIXEDWIDTH 'id:7,name:6,k:4' IGNOREHEADER 2", db=db)
    assert r.returncode == 0, r.stderr
    assert db.sql("SELECT count(*), count(DISTINCT id), min(id), max(id), sum(k) FROM t") == \
        [[str(n), str(n), "0", str(n - 1), str(sum(i % 7 for i in range(n)))]]
    assert db.sql("SELECT name FROM t WHERE id IN (0, 1, 1199999) ORDER BY id") == \
        [["é000日本"], ["e001日本"], ["e999日本"]]
    # one bad record deep inside the file: its line number is the physical line (header lines counted)
    lines[2 + 900_000] = "xxxxxxxxxxxxxxxxx"
    db.sql("TRUNCATE t")
    f = write(tmp_path / "big2.txt", "\n".join(lines) + "\n")
    r = run_hdcopy("-j", "4", f"COPY t FROM '{f}' FIXEDWIDTH 'id:7,name:6,k:4' IGNOREHEADER 2 MAXERROR 1", db=db)
    assert r.returncode == 0, r.stderr
    assert db.count("t") == n - 1
    assert db.load_errors("line_number, err_code") == [[str(900_003), "1207"]]


def test_width_count_must_match_the_columns(db, tmp_path):
    # Caught before any byte is read, instead of rejecting every record (1202/1203).
    db.sql("CREATE TABLE t (a int, b text, c text)")
    f = write(tmp_path / "x.txt", "1 ab\n")
    r = run_hdcopy(f"COPY t FROM '{f}' FIXEDWIDTH 'a:2,b:2'", db=db)
    assert r.returncode == 2
    assert "FIXEDWIDTH gives 2 field widths but the load has 3 columns" in r.stderr
    r = run_hdcopy(f"COPY t (a, b) FROM '{f}' FIXEDWIDTH 'a:2,b:2'", db=db)
    assert r.returncode == 0, r.stderr
    assert db.rows("t") == [["1", "ab", None]]
