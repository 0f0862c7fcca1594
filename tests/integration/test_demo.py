"""The README's first command: the example data set in all four formats and a gzip file, loaded by examples/load.sql
into the embedded default target (sqlite:hdcopy.db in the current directory)."""
import shutil
import subprocess

from conftest import HDCOPY, ROOT


def test_demo_script_loads_into_the_embedded_default(tmp_path):
    work = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", work, ignore=shutil.ignore_patterns("hdcopy.db"))
    r = subprocess.run([HDCOPY, "-f", "load.sql"], cwd=work, capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    assert "using the embedded default sqlite:hdcopy.db" in r.stderr
    infos = [l for l in r.stderr.splitlines() if l.startswith("INFO:")]
    assert infos == [
        "INFO:  Load into table 'venue' completed, 4 record(s) loaded successfully.",
        "INFO:  Load into table 'venue' completed, 3 record(s) loaded successfully.",
        "INFO:  Load into table 'venue' completed, 2 record(s) loaded successfully.",
        "INFO:  Load into table 'venue' completed, 3 record(s) loaded successfully.",
        "INFO:  Load into table 'sales' completed, 200 record(s) loaded successfully.",
    ]
    assert (work / "hdcopy.db").exists()
    assert "(12 rows)" in r.stdout
    assert " 9       | Bayfront \"Blue\" Stage | Tampa      | FL " in r.stdout
    assert " 7       | Civic Hall, East Wing | Columbus   | OH " in r.stdout
