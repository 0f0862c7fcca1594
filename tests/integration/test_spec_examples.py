"""The documented examples of ../shared/COPY-SPEC.md, each reproducing its stated result."""
from conftest import run_hdcopy, write


def test_load_data_from_a_file_with_default_values(db, tmp_path):
    # COPY-SPEC "Data format" / Redshift's "Load data from a file with default values": the record ends in the
    # delimiter, the column list names four columns, the fifth gets its DEFAULT.
    db.sql("CREATE TABLE venue_new (venueid smallint NOT NULL, venuename varchar(100) NOT NULL, "
           "venuecity varchar(30), venuestate char(2), venueseats integer NOT NULL DEFAULT 1000)")
    f = write(tmp_path / "venue_noseats.txt", "1|Toyota Park|Bridgeview|IL|\n2|Columbus Crew Stadium|Columbus|OH|\n")
    r = run_hdcopy(f"COPY venue_new (venueid, venuename, venuecity, venuestate) FROM '{f}' DELIMITER '|'", db=db)
    assert r.returncode == 0, r.stderr
    assert db.rows("venue_new") == [["1", "Toyota Park", "Bridgeview", "IL", "1000"],
                                    ["2", "Columbus Crew Stadium", "Columbus", "OH", "1000"]]


def test_one_pipe_into_two_columns_is_two_fields(db, tmp_path):
    # COPY-SPEC: "1|" into two columns is still two fields: 1 and an empty one.
    db.sql("CREATE TABLE t (a int, b int)")
    f = write(tmp_path / "x.txt", "1|\n")
    r = run_hdcopy(f"COPY t FROM '{f}'", db=db)
    assert r.returncode == 0, r.stderr
    assert db.rows("t") == [["1", None]]


def test_jsonpaths_example(db, tmp_path):
    # COPY-SPEC "JSON": {"jsonpaths": ["$['venuename']", "$.venuecity", "$.location[0]"]}; a path that matches
    # nothing loads NULL.
    db.sql("CREATE TABLE venue (venuename varchar(100), venuecity varchar(30), lat double precision)")
    paths = write(tmp_path / "venue_jsonpaths.json",
                  '{"jsonpaths": ["$[\'venuename\']", "$.venuecity", "$.location[0]"]}')
    data = write(tmp_path / "venue.json",
                 '{"venuename": "Toyota Park", "venuecity": "Bridgeview", "location": [41.86, -87.80]}\n'
                 '{"venuename": "Crew Stadium", "venuecity": "Columbus"}\n')
    r = run_hdcopy(f"COPY venue FROM '{data}' JSON '{paths}'", db=db)
    assert r.returncode == 0, r.stderr
    assert db.rows("venue") == [["Crew Stadium", "Columbus", None], ["Toyota Park", "Bridgeview", "41.86"]]


def test_malformed_jsonpath_fails_the_whole_copy(db, tmp_path):
    db.sql("CREATE TABLE venue (venuename varchar(100), venuecity varchar(30))")
    paths = write(tmp_path / "bad.json", '{"jsonpaths": ["$[\'venuename\'", "$.venuecity"]}')
    data = write(tmp_path / "venue.json", '{"venuename": "x", "venuecity": "y"}\n')
    r = run_hdcopy(f"COPY venue FROM '{data}' JSON '{paths}'", db=db)
    assert r.returncode == 2
    assert "venuename" in r.stderr
    assert db.count("venue") == 0


def test_auto_loads_missing_keys_as_null_and_ignores_extra_keys(db, tmp_path):
    db.sql("CREATE TABLE t (id int, name text, note text)")
    data = write(tmp_path / "t.json", '{"id": 1, "name": "a", "extra": 5}{"id": 2, "note": "n"}')
    r = run_hdcopy(f"COPY t FROM '{data}' FORMAT AS JSON 'auto'", db=db)
    assert r.returncode == 0, r.stderr
    assert db.rows("t") == [["1", "a", None], ["2", None, "n"]]


def test_maxerror_example_messages(db, tmp_path):
    # COPY-SPEC "Outcome": the success message, and the extra line when rows were skipped.
    db.sql("CREATE TABLE sales (id int, qty int)")
    f = write(tmp_path / "s.txt", "1|1\n2|x\n3|3\n4|4\n")
    r = run_hdcopy(f"COPY sales FROM '{f}' MAXERROR 1", db=db)
    assert r.returncode == 0, r.stderr
    assert "INFO:  Load into table 'sales' completed, 3 record(s) loaded successfully." in r.stderr
    assert ("INFO:  Load into table 'sales' completed, 1 record(s) could not be loaded.  "
            "Check 'stl_load_errors' system table for details.") in r.stderr
