"""ENCODING UTF16 / UTF16LE / UTF16BE against a real PostgreSQL (codec/utf16.c between the codec and the format).
Rules (copy-parameters-data-conversion, ENCODING): UTF16 data must start with a byte-order mark; UTF16LE and UTF16BE
name the byte order, a BOM in that order is skipped; invalid UTF-16 is Redshift's 1221 and fails the COPY."""
import gzip

import pytest

from conftest import run_hdcopy, write

TEXT = "1|héllo|日本語\n2|emoji 😀 𝄞|plain\n3|\ufeffzwnbsp|x\n"
ROWS = [["1", "héllo", "日本語"], ["2", "emoji 😀 𝄞", "plain"], ["3", "\ufeffzwnbsp", "x"]]
DDL = "CREATE TABLE t (a int, b varchar(40), c varchar(40))"


def copy(db, tmp_path, data: bytes, options, name="data.txt", expect=0):
    f = write(tmp_path / name, data)
    r = run_hdcopy(f"COPY t FROM '{f}' {options}", db=db)
    assert r.returncode == expect, r.stdout + r.stderr
    return r


@pytest.mark.parametrize("enc,data", [
    ("UTF16LE", TEXT.encode("utf-16-le")),
    ("UTF16LE", b"\xff\xfe" + TEXT.encode("utf-16-le")),     # a BOM in the declared order is skipped
    ("UTF16BE", TEXT.encode("utf-16-be")),
    ("UTF16BE", b"\xfe\xff" + TEXT.encode("utf-16-be")),
    ("UTF16", b"\xfe\xff" + TEXT.encode("utf-16-be")),       # UTF16: the BOM decides
    ("UTF16", b"\xff\xfe" + TEXT.encode("utf-16-le")),
])
def test_utf16_variants_load_the_same_values(db, tmp_path, enc, data):
    db.sql(DDL)
    copy(db, tmp_path, data, f"ENCODING {enc}")
    assert db.rows("t") == ROWS


def test_encoding_as_and_gzip(db, tmp_path):
    # the transcoder sits after the codec: a gzip'd UTF-16 file
    db.sql(DDL)
    copy(db, tmp_path, gzip.compress(TEXT.encode("utf-16-le")), "ENCODING AS utf16le GZIP", name="d.gz")
    assert db.rows("t") == ROWS


def test_utf16_header_blank_lines_and_crlf(db, tmp_path):
    db.sql(DDL)
    text = "a|b|c\r\n1|x|y\r\n\r\n2|z|w\r\n"
    copy(db, tmp_path, text.encode("utf-16-be"), "ENCODING UTF16BE IGNOREHEADER 1 IGNOREBLANKLINES")
    assert db.rows("t") == [["1", "x", "y"], ["2", "z", "w"]]


def test_fixedwidth_needs_utf8(db, tmp_path):
    # copy-parameters-data-conversion, ENCODING: "Fixed-width data files must use UTF-8 encoding" (refused by copy/
    # before any I/O).
    db.sql("CREATE TABLE t (a varchar(10), b varchar(10))")
    r = copy(db, tmp_path, "é😀日本\n".encode("utf-16-le"), "ENCODING UTF16LE FIXEDWIDTH 'a:2,b:2'", expect=2)
    assert "FIXEDWIDTH requires ENCODING UTF8" in r.stderr


@pytest.mark.parametrize("enc,data,what", [
    ("UTF16", TEXT.encode("utf-16-be"), "no byte-order mark"),
    ("UTF16LE", b"\xfe\xff" + TEXT.encode("utf-16-be"), "says the input is big-endian"),
    ("UTF16BE", b"\xff\xfe" + TEXT.encode("utf-16-le"), "says the input is little-endian"),
    ("UTF16LE", "1|a|b\n".encode("utf-16-le") + b"\x00\xdc" + "|x|y\n".encode("utf-16-le"),
     "at byte 12 (Redshift error 1221"),
    ("UTF16LE", "1|a|b\n".encode("utf-16-le") + b"\x3d\xd8" + "x|y\n".encode("utf-16-le"),
     "high surrogate not followed by a low surrogate"),
    ("UTF16BE", "1|a|b\n".encode("utf-16-be") + b"\x00", "odd number of bytes"),
])
def test_invalid_utf16_fails_the_copy(db, tmp_path, enc, data, what):
    db.sql(DDL)
    r = copy(db, tmp_path, data, f"ENCODING {enc} MAXERROR 100", name="bad.txt", expect=1)
    assert what in r.stderr, r.stderr
    assert "1221" in r.stderr and "bad.txt" in r.stderr
    assert db.count("t") == 0  # atomic: nothing of the file, even the rows before the bad bytes
