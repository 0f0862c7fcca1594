"""`hdcopy serve` with TLS towards clients (issue 10): --tls-cert/--tls-key make serve answer SSLRequest 'S' and
speak TLS (1.2 or later) with psql and psycopg; without them serve answers 'N', so sslmode=require fails on the
client with libpq's own message and sslmode=prefer falls back to plain text. A key file readable by others is
refused at start. The certificate is a self-signed one made here with `openssl req`.
"""
import os
import subprocess

import pytest

from conftest import HDCOPY, write
from test_serve import PASSWORDS, Serve, no_prepared, scram_pg, sdb, serve  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    key, crt = d / "server.key", d / "server.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=localhost", "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    os.chmod(key, 0o600)
    return crt, key


@pytest.fixture(scope="module")
def tls_serve(scram_pg, cert):  # noqa: F811
    s = Serve(scram_pg, extra=["--tls-cert", str(cert[0]), "--tls-key", str(cert[1])])
    yield s
    s.stop()


def test_sslmode_require_runs_an_intercepted_copy(tls_serve, sdb, tmp_path):  # noqa: F811
    """psql with sslmode=require gets TLS from serve (\\conninfo says so), authenticates with SCRAM through it, and
    a Redshift COPY sent over TLS is intercepted and loads."""
    f = write(tmp_path / "t.txt", "1|one\n2|two\n3|three\n")
    sdb.sql("CREATE TABLE t (id int, s text); GRANT SELECT, INSERT ON t TO alice")
    out = tls_serve.psql(f"dbname={sdb.name} sslmode=require", "alice", "-v", "ON_ERROR_STOP=1",
                         input=f"\\conninfo\nCOPY t FROM '{f}';\nSELECT count(*) FROM t;\n")
    assert out.returncode == 0, out.stderr + tls_serve.text()
    assert "SSL connection (protocol: TLSv1." in out.stdout
    assert "COPY 3" in out.stdout
    assert "3 record(s) loaded successfully" in out.stderr
    assert sdb.count("t") == 3
    # TLS 1.2 exactly works too (the minimum); psycopg over TLS as well.
    out = tls_serve.psql(f"dbname={sdb.name} sslmode=require ssl_max_protocol_version=TLSv1.2", "alice",
                         "-c", "\\conninfo")
    assert out.returncode == 0 and "TLSv1.2" in out.stdout, out.stderr
    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect(host="127.0.0.1", port=tls_serve.port, user="alice", password=PASSWORDS["alice"],
                         dbname=sdb.name, sslmode="require", autocommit=True) as conn:
        assert conn.pgconn.ssl_in_use
        cur = conn.execute(f"COPY t FROM '{f}'", prepare=True)
        assert cur.rowcount == 3
    assert sdb.count("t") == 6
    assert no_prepared(sdb)


def test_tls_refused_version_and_wrong_password(tls_serve, sdb):  # noqa: F811
    """TLS 1.1 is refused by serve's minimum; authentication is still the upstream's over TLS."""
    out = tls_serve.psql(f"dbname={sdb.name} sslmode=require ssl_min_protocol_version=TLSv1 "
                         "ssl_max_protocol_version=TLSv1.1", "alice", "-c", "SELECT 1")
    assert out.returncode != 0
    bad = tls_serve.psql(f"dbname={sdb.name} sslmode=require", "alice", "-c", "SELECT 1", password="wrong")
    assert bad.returncode != 0 and 'password authentication failed for user "alice"' in bad.stderr
    # serve lives on
    ok = tls_serve.psql(f"dbname={sdb.name} sslmode=require", "alice", "-Atc", "SELECT 41 + 1")
    assert ok.returncode == 0 and ok.stdout.strip() == "42", ok.stderr


def test_without_certificate_require_fails_and_prefer_falls_back(serve, sdb):  # noqa: F811
    req = serve.psql(f"dbname={sdb.name} sslmode=require", "alice", "-Atc", "SELECT 1")
    assert req.returncode != 0 and "server does not support SSL, but SSL was required" in req.stderr
    pref = serve.psql(f"dbname={sdb.name} sslmode=prefer", "alice", "-c", "\\conninfo")
    assert pref.returncode == 0, pref.stderr
    assert "SSL connection" not in pref.stdout and "You are connected" in pref.stdout


def test_key_readable_by_others_is_refused(scram_pg, cert, tmp_path):  # noqa: F811
    crt, key = cert
    loose = tmp_path / "loose.key"
    loose.write_bytes(key.read_bytes())
    os.chmod(loose, 0o644)
    r = subprocess.run([HDCOPY, "serve", "--listen", "127.0.0.1:0", "--upstream",
                        f"postgresql://127.0.0.1:{scram_pg.port}/", "--tls-cert", str(crt), "--tls-key", str(loose)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "accessible to group or others" in r.stderr and "chmod 600" in r.stderr
    assert "PRIVATE KEY" not in r.stderr
    # a certificate without its key, and a key that does not match, are refused too
    r = subprocess.run([HDCOPY, "serve", "--upstream", "postgresql://127.0.0.1:1/", "--tls-cert", str(crt)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "go together" in r.stderr
    other = tmp_path / "other.key"
    subprocess.run(["openssl", "genrsa", "-out", str(other), "2048"], check=True, capture_output=True)
    os.chmod(other, 0o600)
    r = subprocess.run([HDCOPY, "serve", "--listen", "127.0.0.1:0", "--upstream",
                        f"postgresql://127.0.0.1:{scram_pg.port}/", "--tls-cert", str(crt), "--tls-key", str(other)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "does not match the certificate" in r.stderr, r.stderr
