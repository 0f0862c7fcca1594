"""JSON against a real PostgreSQL: Redshift's documented JSON examples (r_COPY_command_examples, "Copy from JSON
examples") with their stated results, plus the rules of copy-usage_notes-copy-from-json. Values are checked, not
only counts."""
import json

import pytest

from conftest import run_hdcopy, write

CATEGORY_DDL = "CREATE TABLE category (catid smallint, catgroup varchar(10), catname varchar(10), catdesc varchar(50))"
CATEGORY_ROWS = [
    ["1", "Sports", "MLB", "Major League Baseball"],
    ["2", "Sports", "NHL", "National Hockey League"],
    ["3", "Sports", "NFL", "National Football League"],
    ["4", "Sports", "NBA", "National Basketball Association"],
    ["5", "Concerts", "Classical", "All symphony, concerto, and choir concerts"],
]


def copy(db, stmt, expect=0):
    r = run_hdcopy(stmt, db=db)
    assert r.returncode == expect, r.stderr
    return r


# examples, "Load from JSON data using the 'auto' option": category_object_auto.json
CATEGORY_OBJECT_AUTO = """{
    "catdesc": "Major League Baseball",
    "catid": 1,
    "catgroup": "Sports",
    "catname": "MLB"
}
{
    "catgroup": "Sports",
    "catid": 2,
    "catname": "NHL",
    "catdesc": "National Hockey League"
}{
    "catid": 3,
    "catname": "NFL",
    "catgroup": "Sports",
    "catdesc": "National Football League"
}
{
    "bogus": "Bogus Sports LLC",
    "catid": 4,
    "catgroup": "Sports",
    "catname": "NBA",
    "catdesc": "National Basketball Association"
}
{
    "catid": 5,
    "catgroup": "Concerts",
    "catname": "Classical",
    "catdesc": "All symphony, concerto, and choir concerts"
}
"""


def test_auto_category_example(db, tmp_path):
    db.sql(CATEGORY_DDL)
    f = write(tmp_path / "category_object_auto.json", CATEGORY_OBJECT_AUTO)
    r = copy(db, f"COPY category FROM '{f}' JSON 'auto'")
    assert "5 record(s) loaded successfully" in r.stderr
    assert db.rows("category") == CATEGORY_ROWS


def test_auto_ignorecase_example(db, tmp_path):
    # examples, "Load from JSON data using the 'auto ignorecase' option": mixed-case names
    db.sql(CATEGORY_DDL)
    data = CATEGORY_OBJECT_AUTO.replace('"catdesc"', '"CatDesc"').replace('"catid"', '"CatID"') \
        .replace('"catgroup"', '"CatGroup"').replace('"catname"', '"CatName"')
    f = write(tmp_path / "category_object_auto-ignorecase.json", data)
    copy(db, f"COPY category FROM '{f}' FORMAT AS JSON 'auto ignorecase'")
    assert db.rows("category") == CATEGORY_ROWS
    # without ignorecase the names don't match: every column loads NULL
    db.sql("TRUNCATE category")
    copy(db, f"COPY category FROM '{f}' JSON 'auto'")
    assert db.sql("SELECT count(*), count(catid), count(catname) FROM category") == [["5", "0", "0"]]


def test_jsonpaths_category_example(db, tmp_path):
    # examples, "Load from JSON data using a JSONPaths file": category_object_paths.json + category_jsonpath.json
    db.sql(CATEGORY_DDL)
    objs = [{"id": int(r[0]), "name": r[2], "group": r[1], "description": r[3]} for r in CATEGORY_ROWS]
    f = write(tmp_path / "category_object_paths.json", "\n".join(json.dumps(o, indent=4) for o in objs) + "\n")
    paths = write(tmp_path / "category_jsonpath.json",
                  '{\n    "jsonpaths": [\n        "$[\'id\']",\n        "$[\'group\']",\n        "$[\'name\']",\n'
                  '        "$[\'description\']"\n    ]\n}\n')
    copy(db, f"COPY category FROM '{f}' JSON '{paths}'")
    assert db.rows("category") == CATEGORY_ROWS


def test_jsonpaths_array_example(db, tmp_path):
    # examples, "Load from JSON arrays using a JSONPaths file": category_array_data.json + category_array_jsonpath.json
    db.sql(CATEGORY_DDL)
    f = write(tmp_path / "category_array_data.json",
              "".join(json.dumps([int(r[0]), r[1], r[2], r[3]]) + "\n" for r in CATEGORY_ROWS))
    paths = write(tmp_path / "category_array_jsonpath.json", '{"jsonpaths": ["$[0]", "$[1]", "$[2]", "$[3]"]}')
    copy(db, f"COPY category FROM '{f}' JSON '{paths}'")
    assert db.rows("category") == CATEGORY_ROWS


def test_jsonpaths_nested_and_missing(db, tmp_path):
    # usage: dot and bracket notation, array indexes; an expression that matches nothing loads NULL
    db.sql("CREATE TABLE venue (name varchar(30), city text, lat float8, first_tag text, zip int)")
    f = write(tmp_path / "venue.json",
              '{"venue": {"name": "Toyota Park", "loc": {"city": "Bridgeview", "coords": [41.76, -87.8]}},'
              ' "tags": ["soccer", "mls"]}\n'
              '{"venue": {"name": "Crew Stadium"}, "tags": []}\n')
    paths = write(tmp_path / "paths.json", json.dumps({"jsonpaths": [
        "$.venue.name", "$['venue']['loc']['city']", "$.venue.loc.coords[0]", "$.tags[0]", "$.venue.zip"]}))
    copy(db, f"COPY venue FROM '{f}' JSON '{paths}'")
    assert db.rows("venue") == [["Crew Stadium", None, None, None, None],
                                ["Toyota Park", "Bridgeview", "41.76", "soccer", None]]


def test_nested_values_into_text_json_jsonb(db, tmp_path):
    # usage: "If the value ... is an object or an array, the entire object or array is loaded as a string,
    # including the braces or brackets"; a SUPER-like json/jsonb column gets it as JSON
    db.sql("CREATE TABLE t (id int, doc text, j json, jb jsonb, flag boolean, note varchar(20))")
    f = write(tmp_path / "t.json",
              '{"id": 1, "doc": {"a": [1, 2]}, "j": {"b": null}, "jb": [true, {"c": "d"}], "flag": true,'
              ' "note": "tab\\there"}\n'
              '{"id": 2, "doc": [], "j": 17, "jb": 3.5, "flag": false, "note": ""}\n'
              '{"id": 3, "flag": null, "note": null}\n')
    copy(db, f"COPY t FROM '{f}' JSON 'auto'")
    assert db.sql("SELECT id, doc, j::text, jb::text, flag, replace(note, chr(9), '<TAB>') FROM t ORDER BY id") == [
        ["1", '{"a": [1, 2]}', '{"b": null}', '[true, {"c": "d"}]', "t", "tab<TAB>here"],
        ["2", "[]", "17", "3.5", "f", ""],
        ["3", None, None, None, None, None],
    ]


def test_json_string_into_json_column(db, tmp_path):
    # A JSON string loads into a SUPER-like json/jsonb column as a JSON string, re-quoted and escaped.
    db.sql("CREATE TABLE t (j jsonb, k json, v varchar(20))")
    f = write(tmp_path / "t.json", '{"j": "str", "k": "a\\"b\\n", "v": "plain"}\n')
    copy(db, f"COPY t FROM '{f}' JSON 'auto'")
    assert db.sql("SELECT j::text, k::text, v FROM t") == [['"str"', '"a\\"b\\n"', "plain"]]


def test_escapes_and_unicode(db, tmp_path):
    # usage, "Escape characters in JSON"
    db.sql("CREATE TABLE t (id int, s text)")
    f = write(tmp_path / "t.json",
              '{"id": 1, "s": "back\\\\slash \\"quoted\\" line\\nbreak"}\n'
              '{"id": 2, "s": "\\u00e9t\\u00e9 \\ud83d\\ude00 caf\u00e9"}\n')
    copy(db, f"COPY t FROM '{f}' JSON 'auto'")
    assert db.sql("SELECT id, replace(s, chr(10), '<LF>') FROM t ORDER BY id") == [
        ["1", 'back\\slash "quoted" line<LF>break'], ["2", "\u00e9t\u00e9 \U0001F600 caf\u00e9"]]


def test_missing_key_not_null_column_is_1213(db, tmp_path):
    db.sql("CREATE TABLE t (id int NOT NULL, name text)")
    f = write(tmp_path / "t.json", '{"id": 1, "name": "a"}\n{"name": "b"}\n')
    copy(db, f"COPY t FROM '{f}' JSON 'auto' MAXERROR 1")
    assert db.rows("t") == [["1", "a"]]
    assert db.load_errors("line_number, trim(colname), err_code") == [["2", "id", "1213"]]


def test_malformed_record_is_an_error_row(db, tmp_path):
    db.sql("CREATE TABLE t (id int, name text)")
    bad = '{"id": 2, "name": }'
    f = write(tmp_path / "t.json", '{"id": 1, "name": "a"}\n' + bad + '\n{"id": 3, "name": "c"}\n')
    r = copy(db, f"COPY t FROM '{f}' JSON 'auto'", expect=1)
    assert "stl_load_errors" in r.stderr
    assert db.count("t") == 0
    copy(db, f"COPY t FROM '{f}' JSON 'auto' MAXERROR 5")
    assert db.rows("t") == [["1", "a"], ["3", "c"]]
    rows = db.sql("SELECT line_number, err_code, trim(raw_line), trim(err_reason) FROM hdcopy.stl_load_errors "
                  "WHERE err_code <> 0 ORDER BY query DESC LIMIT 1")
    assert rows[0][0:3] == ["2", "1216", bad]
    assert "Invalid JSON" in rows[0][3]


def test_type_error_names_the_column(db, tmp_path):
    db.sql("CREATE TABLE t (id int, qty smallint)")
    f = write(tmp_path / "t.json", '{"id": 1, "qty": 5}\n{"id": 2, "qty": "lots"}\n')
    copy(db, f"COPY t FROM '{f}' JSON 'auto' MAXERROR 1")
    assert db.rows("t") == [["1", "5"]]
    assert db.load_errors("line_number, trim(colname), err_code") == [["2", "qty", "1207"]]


def test_jsonpaths_count_mismatch_fails_the_copy(db, tmp_path):
    db.sql("CREATE TABLE t (a int, b int, c int)")
    f = write(tmp_path / "t.json", '{"a": 1}\n')
    paths = write(tmp_path / "p.json", '{"jsonpaths": ["$.a", "$.b"]}')
    r = copy(db, f"COPY t FROM '{f}' JSON '{paths}'", expect=r_status_syntax())
    assert "Number of jsonpaths and the number of columns should match" in r.stderr
    assert db.count("t") == 0


def test_malformed_jsonpath_fails_the_copy(db, tmp_path):
    db.sql("CREATE TABLE t (a int)")
    f = write(tmp_path / "t.json", '{"a": 1}\n')
    paths = write(tmp_path / "p.json", '{"jsonpaths": ["$.a[*]"]}')
    r = copy(db, f"COPY t FROM '{f}' JSON '{paths}'", expect=r_status_syntax())
    assert "wildcards are not supported" in r.stderr and "$.a[*]" in r.stderr


def r_status_syntax():
    # an invalid statement or option: the CLI's exit status 2 (common/err.h, hd_exit_status)
    return 2


def test_empty_string_and_null_as(db, tmp_path):
    # A JSON string is quoted data (json.c): "" follows convert/'s empty-field rule ('' for varchar/text, NULL for
    # other types, copy-parameters-data-conversion), and NULL AS never matches a string: only JSON null is NULL.
    db.sql("CREATE TABLE t (id int, n int, s varchar(5), z text)")
    f = write(tmp_path / "t.json", '{"id": 1, "n": "", "s": "", "z": "\\\\N"}\n{"id": 2, "n": null, "s": null}\n')
    copy(db, f"COPY t FROM '{f}' JSON 'auto'")
    assert db.rows("t") == [["1", None, "", "\\N"], ["2", None, None, None]]
