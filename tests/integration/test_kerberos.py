"""A role's Kerberos identity (issue 9): `hdcopy role create NAME --keytab FILE --principal P` and a COPY from a
Kerberized WebHDFS NameNode, against a real MIT KDC (Debian's krb5kdc, started here on a free port) and a NameNode
that accepts only SPNEGO tickets of that realm (krb.py).

Proves: every NameNode request of the load carries a ticket of exactly the role's principal (the keytab also holds
another principal, first, which GSS-API's own keytab lookup would have picked); a principal whose key is not in
the keytab, or a KDC that is down, fails with a clear error before any request reaches the NameNode; the keytab's
bytes never appear in any output.
"""
import shutil

import pytest

from conftest import run_hdcopy, write

pytestmark = pytest.mark.skipif(not shutil.which("krb5kdc") or not shutil.which("kadmin.local"),
                                reason="MIT krb5kdc not installed (scripts/deps.sh --tests installs it)")


@pytest.fixture(scope="module")
def realm(tmp_path_factory):
    pytest.importorskip("gssapi")
    from krb import Realm  # noqa: PLC0415
    r = Realm(tmp_path_factory.mktemp("krb"))
    yield r
    r.stop()


@pytest.fixture(scope="module")
def namenode(realm):
    from krb import SpnegoNameNode  # noqa: PLC0415
    nn = SpnegoNameNode(realm, {"/data/sales/p1.txt": b"1|a\n2|b\n", "/data/sales/p2.txt": b"3|c\n",
                                "/private/x.txt": b"9|z\n"})
    yield nn
    nn.stop()


@pytest.fixture
def keytab(realm, tmp_path):
    """A keytab holding two principals, the role's second: GSS-API's own keytab lookup would pick the first."""
    kt = tmp_path / "loader.keytab"
    realm.principal(f"decoy{tmp_path.name[-6:]}", kt)
    etl = realm.principal(f"etl{tmp_path.name[-6:]}", kt)
    return kt, etl


def hd(realm, tmp_path, db, *args):
    return run_hdcopy(*args, db=db, env=realm.env(HDCOPY_HOME=str(tmp_path / "home")))


def test_copy_runs_as_the_roles_principal(realm, namenode, keytab, db, tmp_path):
    kt, etl = keytab
    db.sql("CREATE TABLE t (id integer, v varchar(10))")
    out = hd(realm, tmp_path, db, "role", "create", "etl", "--cluster", f"hdfs://localhost:{namenode.port}",
             "--path", "/data/sales/**", "--keytab", str(kt), "--principal", etl)
    assert out.returncode == 0, out.stderr
    namenode.requests.clear()
    out = hd(realm, tmp_path, db, "--json",
             f"COPY t FROM 'hdfs://localhost:{namenode.port}/data/sales/p' IAM_ROLE 'arn:aws:iam::1:role/etl' "
             "DELIMITER '|'")
    assert out.returncode == 0, out.stderr
    assert db.sql("SELECT id, v FROM t ORDER BY id") == [["1", "a"], ["2", "b"], ["3", "c"]]
    # Every request that reached the NameNode's application carried the role's principal (a 401 challenge first
    # is SPNEGO's normal opening); none was anonymous after a challenge, none sent user.name.
    authed = [r for r in namenode.requests if r[0] is not None]
    assert authed, namenode.requests
    assert {r[0] for r in authed} == {etl}, namenode.requests
    assert {r[1] for r in authed} >= {"OPEN"}
    assert not any("user.name" in r[3] for r in namenode.requests)
    secret = kt.read_bytes()
    for text in (out.stdout, out.stderr):
        assert secret[-32:].hex() not in text and "decoy" not in text


def test_principal_not_in_keytab_fails_before_any_request(realm, namenode, keytab, db, tmp_path):
    kt, _ = keytab
    db.sql("CREATE TABLE t (id integer, v varchar(10))")
    out = hd(realm, tmp_path, db, "role", "create", "ghost", "--cluster", f"hdfs://localhost:{namenode.port}",
             "--path", "/data/**", "--keytab", str(kt), "--principal", "nobody@HDCOPY.TEST")
    assert out.returncode == 0, out.stderr
    namenode.requests.clear()
    out = hd(realm, tmp_path, db,
             f"COPY t FROM 'hdfs://localhost:{namenode.port}/data/sales/p1.txt' IAM_ROLE 'ghost' DELIMITER '|'")
    assert out.returncode == 1, out.stderr
    assert "Kerberos login as 'nobody@HDCOPY.TEST' failed" in out.stderr, out.stderr
    assert namenode.requests == []
    assert db.count("t") == 0


def test_kdc_down_is_a_clear_error(realm, namenode, keytab, db, tmp_path):
    kt, etl = keytab
    db.sql("CREATE TABLE t (id integer, v varchar(10))")
    out = hd(realm, tmp_path, db, "role", "create", "etl", "--cluster", f"hdfs://localhost:{namenode.port}",
             "--path", "/data/**", "--keytab", str(kt), "--principal", etl)
    assert out.returncode == 0, out.stderr
    dead = tmp_path / "dead-krb5.conf"
    write(dead, realm.conf.read_text().replace(f"127.0.0.1:{realm.port}", "127.0.0.1:9"))
    namenode.requests.clear()
    out = run_hdcopy(f"COPY t FROM 'hdfs://localhost:{namenode.port}/data/sales/p1.txt' IAM_ROLE 'etl' "
                     "DELIMITER '|'", db=db,
                     env=realm.env(HDCOPY_HOME=str(tmp_path / "home"), KRB5_CONFIG=str(dead)))
    assert out.returncode == 1, out.stderr
    assert f"Kerberos login as '{etl}' failed" in out.stderr, out.stderr
    assert namenode.requests == []
    assert db.count("t") == 0
