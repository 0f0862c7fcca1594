"""Roles and ASSUMEROLE grants (issue 9): Redshift's set-up steps 1-2 as hdcopy commands and statements.

Real PostgreSQL with several database users and a group role. "Nothing was read" is proven with a NameNode that
counts requests (a tiny HTTP server registered as an emr:// cluster): a refused COPY makes no request at all, and
the same COPY after the GRANT does reach it. Secrets are planted and grepped for in every output.
"""
import http.server
import json
import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import HDCOPY, run_hdcopy, write

SECRET = "tok3n-PLANTED-s3cr3t-7f1b"


class Counting(http.server.BaseHTTPRequestHandler):
    """A NameNode that counts every request and answers none of them usefully."""
    hits = []

    def do_GET(self):  # noqa: N802
        Counting.hits.append(self.path)
        body = b'{"RemoteException":{"exception":"FileNotFoundException","message":"File does not exist"}}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture(scope="module")
def namenode():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv.server_address[1]
    srv.shutdown()


class Env:
    def __init__(self, db, home, port):
        self.db = db
        self.home = home
        self.port = port
        p = db.name  # database-unique prefix: roles are cluster-wide, databases per test
        self.alice, self.bob, self.carol, self.group = f"{p}_alice", f"{p}_bob", f"{p}_carol", f"{p}_loaders"

    def conn(self, user=None):
        s = self.db.server
        return f"host={s.host} port={s.port} user={user or s.user} dbname={self.db.name}"

    def run(self, *args, user=None, env=None):
        e = {"HDCOPY_HOME": str(self.home), "HADOOP_USER_NAME": "envuser"}
        e.update(env or {})
        return run_hdcopy(*args, db=self.conn(user), env=e)


@pytest.fixture
def env(db, tmp_path, namenode):
    home = tmp_path / "home"
    e = Env(db, home, namenode)
    db.sql(f"CREATE ROLE {e.group}; CREATE USER {e.alice}; CREATE USER {e.bob} IN ROLE {e.group};"
           f"CREATE USER {e.carol}; CREATE TABLE t (id integer, v varchar(20));"
           f"GRANT INSERT ON t TO {e.alice}, {e.bob}; GRANT SELECT ON t TO {e.alice}, {e.bob}")
    out = run_hdcopy("cluster", "add", "j-count", "--namenode", f"127.0.0.1:{namenode}", "--webhdfs",
                     "--hosts", "h1", env={"HDCOPY_HOME": str(home)})
    assert out.returncode == 0, out.stderr
    (tmp_path / "data" / "sales").mkdir(parents=True)
    write(tmp_path / "data" / "sales" / "p1.txt", "1|a\n2|b\n")
    write(tmp_path / "data" / "other.txt", "9|z\n")
    e.data = tmp_path / "data"
    yield e
    db.sql(f"DROP OWNED BY {e.alice}, {e.bob}, {e.carol}, {e.group} CASCADE")
    db.server.psql("postgres", f"DROP ROLE IF EXISTS {e.alice}, {e.bob}, {e.carol}, {e.group}", check=False)


def emr_copy(role="etl", path="/data/sales/part*"):
    return f"COPY t FROM 'emr://j-count{path}' IAM_ROLE 'arn:aws:iam::123456789012:role/{role}'"


def create_etl(env, *extra):
    out = env.run("role", "create", "etl", "--cluster", "j-count", "--path", "/data/sales/**",
                  "--path", f"{env.data}/sales/**", *extra)
    assert out.returncode == 0, out.stderr
    return out


def test_ungranted_user_refused_before_any_request_then_grant_group_revoke(env):
    create_etl(env)
    Counting.hits.clear()
    # alice: not granted → exit 3, no request reached the NameNode, and the message says what to grant.
    out = env.run(emr_copy(), user=env.alice)
    assert out.returncode == 3, out.stderr
    assert f'user "{env.alice}" may not assume role \'etl\' for COPY' in out.stderr
    assert f"GRANT ASSUMEROLE ON 'etl' TO {env.alice} FOR COPY" in out.stderr
    assert Counting.hits == []
    # GRANT (Redshift's syntax, by the role's creator) → the COPY gets past the gate and asks the NameNode.
    out = env.run(f"GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/etl' TO {env.alice} FOR COPY")
    assert out.returncode == 0, out.stderr
    out = env.run(emr_copy(), user=env.alice)
    assert Counting.hits, out.stderr
    assert "may not" not in out.stderr and out.returncode == 1  # the fake NameNode has no such file
    # Requests ran as the role's identity: without --hdfs-user the environment's user (HADOOP_USER_NAME).
    assert all("user.name=envuser" in h for h in Counting.hits)
    # bob through the group role.
    Counting.hits.clear()
    out = env.run(emr_copy(), user=env.bob)
    assert out.returncode == 3 and Counting.hits == []
    out = env.run(f"GRANT ASSUMEROLE ON 'etl' TO ROLE {env.group} FOR COPY")
    assert out.returncode == 0, out.stderr
    out = env.run(emr_copy(), user=env.bob)
    assert out.returncode == 1 and Counting.hits, out.stderr
    # REVOKE from the group → refused again, nothing requested.
    out = env.run(f"REVOKE ASSUMEROLE ON 'etl' FROM ROLE {env.group} FOR COPY")
    assert out.returncode == 0, out.stderr
    Counting.hits.clear()
    out = env.run(emr_copy(), user=env.bob)
    assert out.returncode == 3 and Counting.hits == [], out.stderr
    # alice keeps her own grant.
    assert env.run(emr_copy(), user=env.alice).returncode == 1


def test_public_all_and_sql_functions(env):
    create_etl(env)
    create_etl_out = env.run("role", "create", "other", "--path", "/x/**")
    assert create_etl_out.returncode == 0
    assert env.run("GRANT ASSUMEROLE ON 'etl' TO PUBLIC FOR ALL").returncode == 0
    assert env.run(f"GRANT ASSUMEROLE ON 'etl', 'other' TO {env.alice}, ROLE {env.group} FOR COPY").returncode == 0
    rows = env.db.sql("SELECT grantee, grantee_type, cmd_type FROM hdcopy.pg_get_grantee_by_iam_role("
                      "'arn:aws:iam::123456789012:role/etl') ORDER BY 2, 1")
    assert rows == [[env.group, "g", "COPY"], ["public", "p", "ALL"], [env.alice, "u", "COPY"]]
    assert env.db.sql(f"SELECT hdcopy.has_assumerole_privilege('{env.carol}', 'etl', 'copy'),"
                      f" hdcopy.has_assumerole_privilege('{env.carol}', 'other', 'copy'),"
                      f" hdcopy.has_assumerole_privilege('{env.bob}', 'other', 'copy')") == [["t", "f", "t"]]
    # the one-argument-user form answers for the current user
    out = env.run("SELECT hdcopy.has_assumerole_privilege('other', 'copy')", user=env.carol)
    assert out.returncode == 0 and " f" in out.stdout
    # ON ALL: only a superuser or the schema's owner; covers roles created later too
    out = env.run(f"GRANT ASSUMEROLE ON ALL TO {env.carol} FOR COPY", user=env.alice)
    assert out.returncode == 3 and "ON ALL" in out.stderr
    assert env.run(f"GRANT ASSUMEROLE ON ALL TO {env.carol} FOR COPY").returncode == 0
    assert env.run("role", "create", "later", "--path", "/y/**").returncode == 0
    assert env.db.sql(f"SELECT hdcopy.has_assumerole_privilege('{env.carol}', 'later', 'copy')") == [["t"]]
    assert env.run(f"REVOKE ASSUMEROLE ON ALL FROM {env.carol} FOR ALL").returncode == 0
    assert env.db.sql(f"SELECT hdcopy.has_assumerole_privilege('{env.carol}', 'later', 'copy')") == [["f"]]


def test_who_may_change_roles_and_grants(env):
    create_etl(env)
    # a user who does not own the role cannot grant it, and cannot write the catalog directly
    out = env.run(f"GRANT ASSUMEROLE ON 'etl' TO {env.alice} FOR COPY", user=env.alice)
    assert out.returncode == 3 and "only its owner or a superuser" in out.stderr
    out = env.run(f"INSERT INTO hdcopy.iam_role_grants VALUES ('etl', '{env.alice}', 'u', 'copy', 'x')",
                  user=env.alice)
    assert out.returncode == 3 and "permission denied" in out.stderr
    out = env.run("role", "create", "mine", "--path", "/tmp/**", user=env.alice)
    assert out.returncode == 3 and "GRANT CREATE ON SCHEMA hdcopy" in out.stderr
    # with CREATE on the schema alice may create roles, and grants and drops her own — but not etl
    env.db.sql(f"GRANT CREATE ON SCHEMA hdcopy TO {env.alice}")
    assert env.run("role", "create", "mine", "--path", "/tmp/**", user=env.alice).returncode == 0
    assert env.run(f"GRANT ASSUMEROLE ON 'mine' TO {env.bob} FOR COPY", user=env.alice).returncode == 0
    assert env.run("role", "drop", "etl", user=env.alice).returncode == 3
    # the creator may use her role without a grant; carol may not
    assert env.db.sql(f"SELECT hdcopy.has_assumerole_privilege('{env.alice}', 'mine', 'copy'),"
                      f" hdcopy.has_assumerole_privilege('{env.carol}', 'mine', 'copy')") == [["t", "f"]]
    assert env.run("role", "drop", "mine", user=env.alice).returncode == 0
    assert env.db.sql("SELECT count(*) FROM hdcopy.iam_role_grants WHERE role = 'mine'") == [["0"]]
    # unknown role in a GRANT
    out = env.run(f"GRANT ASSUMEROLE ON 'nosuch' TO {env.alice} FOR COPY")
    assert out.returncode != 0 and "role 'nosuch' does not exist" in out.stderr


def test_policy_paths_clusters_and_local_files(env):
    create_etl(env)
    assert env.run(f"GRANT ASSUMEROLE ON 'etl' TO {env.alice} FOR COPY").returncode == 0
    Counting.hits.clear()
    # a cluster outside the role
    env.run("cluster", "add", "j-other", "--namenode", f"127.0.0.1:{env.port}", "--webhdfs", "--hosts", "h1")
    Counting.hits.clear()
    out = env.run("COPY t FROM 'emr://j-other/data/sales/x' IAM_ROLE 'etl'", user=env.alice)
    assert out.returncode == 3 and "cluster 'j-other' is not among the role's clusters (j-count)" in out.stderr
    # a path outside the role on its cluster
    out = env.run("COPY t FROM 'emr://j-count/etc/secrets' IAM_ROLE 'etl'", user=env.alice)
    assert out.returncode == 3 and "path '/etc/secrets' matches none of the role's path globs" in out.stderr
    out = env.run("COPY t FROM 'emr://j-count/data/sales/../../etc/x' IAM_ROLE 'etl'", user=env.alice)
    assert out.returncode == 3 and "'..'" in out.stderr
    assert Counting.hits == []
    # local files: the role's path globs apply too
    out = env.run(f"COPY t FROM '{env.data}/other.txt' IAM_ROLE 'etl'", user=env.alice)
    assert out.returncode == 3 and "matches none of the role's path globs" in out.stderr
    # a prefix that expands beyond the globs is refused after listing, before any file is opened
    out = env.run(f"COPY t FROM '{env.data}/' IAM_ROLE 'etl'", user=env.alice)
    assert out.returncode == 3, out.stderr
    # a symbolic link inside the globs pointing outside them
    os.symlink(env.data / "other.txt", env.data / "sales" / "link.txt")
    out = env.run(f"COPY t FROM '{env.data}/sales/link.txt' IAM_ROLE 'etl'", user=env.alice)
    assert out.returncode == 3 and "resolves to" in out.stderr
    os.unlink(env.data / "sales" / "link.txt")
    assert env.db.count("t") == 0
    out = env.run(f"COPY t FROM '{env.data}/sales/' IAM_ROLE 'etl'", user=env.alice)
    assert out.returncode == 0, out.stderr
    assert env.db.count("t") == 2
    # a local load without an authorization clause needs no role (the demo stays one command)
    out = env.run(f"COPY t FROM '{env.data}/other.txt'", user=env.alice)
    assert out.returncode == 0, out.stderr


def test_default_role_and_remote_without_clause(env):
    create_etl(env)
    # roles exist, none is the default: a remote COPY without an authorization clause is refused
    out = env.run("COPY t FROM 'emr://j-count/data/sales/x'")
    assert out.returncode == 3 and "needs a role" in out.stderr
    out = env.run("COPY t FROM 'emr://j-count/data/sales/x' IAM_ROLE default")
    assert out.returncode == 3 and "needs a role" in out.stderr
    assert env.run("role", "create", "etl", "--replace", "--default", "--cluster", "j-count", "--path",
                   "/data/**", "--hdfs-user", "roleuser").returncode == 0
    Counting.hits.clear()
    out = env.run("COPY t FROM 'emr://j-count/data/sales/x' IAM_ROLE default")
    assert out.returncode == 1 and Counting.hits, out.stderr
    assert all("user.name=roleuser" in h for h in Counting.hits)  # the role's HDFS user, not the environment's
    Counting.hits.clear()
    out = env.run("COPY t FROM 'emr://j-count/data/sales/x'")
    assert out.returncode == 1 and Counting.hits
    # unknown role
    out = env.run("COPY t FROM 'emr://j-count/data/x' IAM_ROLE 'arn:aws:iam::1:role/nosuch'")
    assert out.returncode == 3 and "role 'nosuch' does not exist" in out.stderr


def test_no_insert_privilege_refused_before_io(env):
    create_etl(env)
    assert env.run("GRANT ASSUMEROLE ON 'etl' TO PUBLIC FOR COPY").returncode == 0
    Counting.hits.clear()
    out = env.run(emr_copy(), user=env.carol)
    assert out.returncode == 3, out.stderr
    assert f'user "{env.carol}" may not INSERT into "t"' in out.stderr
    assert f"GRANT INSERT ON \"t\" TO {env.carol}" in out.stderr
    assert Counting.hits == []
    # column-level: INSERT on the listed columns is enough
    env.db.sql(f"GRANT INSERT (id) ON t TO {env.carol}")
    out = env.run(f"COPY t (v) FROM '{env.data}/sales/p1.txt' IAM_ROLE 'etl'", user=env.carol)
    assert out.returncode == 3 and 'column "v"' in out.stderr
    write(env.data / "sales" / "ids.txt", "5\n6\n")
    out = env.run(f"COPY t (id) FROM '{env.data}/sales/ids.txt' IAM_ROLE 'etl'", user=env.carol)
    assert out.returncode == 0, out.stderr


def test_ssh_hosts_policy_refused_before_connecting(env):
    create_etl(env, "--host", "10.231.7.*")
    assert run_hdcopy("key", env={"HDCOPY_HOME": str(env.home)}).returncode == 0
    m = write(env.data / "sales" / "m.json", json.dumps({"entries": [
        {"endpoint": "10.231.7.11", "command": "cat /x", "mandatory": True},
        {"endpoint": "192.0.2.1:22", "command": "cat /etc/shadow", "mandatory": True}]}))
    out = env.run(f"COPY t FROM '{m}' IAM_ROLE 'etl' SSH")
    assert out.returncode == 3, out.stderr
    assert "SSH manifest entry 2 (192.0.2.1:22)" in out.stderr and "host '192.0.2.1'" in out.stderr
    # the manifest's own path is under the path policy too
    m2 = write(env.data / "m.json", "{}")
    out = env.run(f"COPY t FROM '{m2}' IAM_ROLE 'etl' SSH")
    assert out.returncode == 3 and "path" in out.stderr


def test_secrets_never_leave_hdcopy_home(env, tmp_path):
    tok = write(tmp_path / "planted.token", SECRET + "\n")
    out = create_etl(env, "--token-file", str(tok), "--hdfs-user", "ignored-with-token")
    outputs = [out.stdout + out.stderr]
    stored = env.home / "secrets" / "etl.token"
    assert stored.read_text().strip() == SECRET
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE((env.home / "secrets").stat().st_mode) == 0o700
    assert env.run(f"GRANT ASSUMEROLE ON 'etl' TO {env.alice} FOR COPY").returncode == 0
    Counting.hits.clear()
    for args in ([emr_copy()], ["--json", emr_copy()], ["--json", emr_copy(path="/data/sales/")],
                 ["role", "list"], ["--json", "role", "show", "etl"]):
        o = env.run(*args, user=env.alice if args[-1].startswith("COPY") else None)
        outputs.append(o.stdout + o.stderr)
        assert SECRET not in " ".join(args)  # never on a command line either
    # the token did go to the NameNode (its one recipient), as delegation=, instead of user.name
    assert Counting.hits and all(f"delegation={SECRET}" in h and "user.name" not in h for h in Counting.hits)
    for o in outputs:
        assert SECRET not in o
    dump = env.db.sql("SELECT row_to_json(r)::text FROM hdcopy.iam_roles r UNION ALL "
                      "SELECT row_to_json(g)::text FROM hdcopy.iam_role_grants g UNION ALL "
                      "SELECT row_to_json(e)::text FROM hdcopy.stl_load_errors e")
    assert dump and SECRET not in repr(dump)
    assert "token" in repr(dump)  # the row says which kind of auth, not the token
    log = Path(env.db.server.dir) / "postgres.log"
    if log.exists():
        assert SECRET not in log.read_text(errors="replace")
    # drop removes the secret too
    assert env.run("role", "drop", "etl").returncode == 0
    assert not stored.exists()


def test_sqlite_target_has_no_role_catalog(tmp_path):
    db = "sqlite:" + str(tmp_path / "t.db")
    out = run_hdcopy("CREATE TABLE t (id integer)", db=db)
    assert out.returncode == 0
    out = run_hdcopy("GRANT ASSUMEROLE ON 'etl' TO alice FOR COPY", db=db)
    assert out.returncode == 2 and "PostgreSQL target" in out.stderr
    out = run_hdcopy("role", "list", db=db)
    assert out.returncode == 2 and "PostgreSQL target" in out.stderr
    f = write(tmp_path / "x.txt", "1\n")
    assert run_hdcopy(f"COPY t FROM '{f}'", db=db).returncode == 0


def test_role_command_line(env):
    out = run_hdcopy("role", "--help")
    assert out.returncode == 0 and "--token-file" in out.stdout
    out = env.run("role", "create", "bad/name", "--path", "/x")
    assert out.returncode == 2
    out = env.run("role", "create", "r", "--path", "relative/x")
    assert out.returncode == 2 and "starts with '/'" in out.stderr
    out = env.run("role", "create", "r", "--keytab", "/nonexistent")
    assert out.returncode == 2 and "--principal" in out.stderr
    create_etl(env)
    out = env.run("role", "create", "etl", "--path", "/x/**")
    assert out.returncode != 0 and "already exists" in out.stderr
    out = env.run("--json", "role", "show", "etl")
    assert out.returncode == 0, out.stderr
    roles = json.loads(out.stdout)["roles"]
    assert roles[0]["role"] == "etl" and roles[0]["clusters"] == "j-count"
    out = env.run("role", "show", "nosuch")
    assert out.returncode == 2
    out = run_hdcopy("GRANT ASSUMEROLE ON 'etl' TO alice FOR UNLOAD", db=env.conn())
    assert out.returncode == 2 and "only COPY" in out.stderr


def test_jsonpaths_file_is_inside_the_roles_policy(env):
    """A jsonpaths file is read with the role's identity, so the role's path globs cover it as they cover data:
    one outside them is refused before any request (exit 3), one inside loads."""
    create_etl(env)
    write(env.data / "sales" / "rows.json", '{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n')
    write(env.data / "sales" / "paths.json", '{"jsonpaths": ["$.a", "$.b"]}')
    write(env.data / "elsewhere.json", '{"jsonpaths": ["$.a", "$.b"]}')
    src = env.data / "sales" / "rows.json"
    role = "IAM_ROLE 'arn:aws:iam::123456789012:role/etl'"
    out = env.run(f"COPY t FROM '{src}' {role} JSON '{env.data / 'elsewhere.json'}'")
    assert out.returncode == 3, out.stderr
    assert "role 'etl' may not read" in out.stderr and "jsonpaths file" in out.stderr, out.stderr
    Counting.hits.clear()
    out = env.run(f"COPY t FROM '{src}' {role} JSON 'emr://j-count/elsewhere/paths.json'")
    assert out.returncode == 3 and "jsonpaths file" in out.stderr, out.stderr
    assert Counting.hits == []
    assert env.db.count("t") == 0
    out = env.run(f"COPY t FROM '{src}' {role} JSON '{env.data / 'sales' / 'paths.json'}'")
    assert out.returncode == 0, out.stderr
    assert env.db.sql("SELECT id, v FROM t ORDER BY id") == [["1", "x"], ["2", "y"]]
