"""`hdcopy cluster check ID` (issue 9 step 4): the pre-flight doctor against real sshd hosts with seeded faults.

Hosts are Debian sshds on 127.0.0.1 ports of their own (sshhosts.LoopbackHost, root namespace), each with a `hdfs`
stub on its PATH (SetEnv) except the one seeded without it. The NameNode is a small fake WebHDFS that answers "/" and
/data, and refuses /locked with Hadoop's AccessControlException. Faults: stopped sshd, key missing from
authorized_keys, an nftables rule dropping the loader's packets to one host's port (a table of the test's own, on
that port only, removed afterwards), unknown host key, missing hdfs binary, unreadable path.
"""
import http.server
import json
import os
import shutil
import subprocess
import threading

import pytest

from conftest import run_hdcopy
from sshhosts import SSHD, LoopbackHost

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="loopback sshd hosts need root"),
    pytest.mark.skipif(not os.path.exists(SSHD) or not shutil.which("nft"), reason="needs openssh-server and nft"),
]

ID = "j-CHECK"
FW_TABLE = f"hdcopy_test_check_{os.getpid()}"  # per run: concurrent runs must not delete each other's table


class FakeNN(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        path = self.path.split("?")[0][len("/webhdfs/v1"):] or "/"
        if path.startswith("/locked"):
            code, body = 403, {"RemoteException": {"exception": "AccessControlException", "javaClassName":
                                                   "org.apache.hadoop.security.AccessControlException",
                                                   "message": "Permission denied: user=etl, access=READ_EXECUTE"}}
        elif path.startswith("/missing"):
            code, body = 404, {"RemoteException": {"exception": "FileNotFoundException",
                                                   "message": f"File {path} does not exist."}}
        elif "GETFILESTATUS" in self.path:
            code, body = 200, {"FileStatus": {"type": "DIRECTORY", "length": 0, "pathSuffix": ""}}
        else:
            code, body = 200, {"FileStatuses": {"FileStatus": []}}
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    base = tmp_path_factory.mktemp("check")
    os.chmod(base, 0o755)
    bindir = base / "bin"
    bindir.mkdir()
    (bindir / "hdfs").write_text("#!/bin/sh\necho 'Hadoop 3.3.6 (stub)'\n")
    (bindir / "hdfs").chmod(0o755)
    nn = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeNN)
    threading.Thread(target=nn.serve_forever, daemon=True).start()
    with_hdfs = f"SetEnv PATH={bindir}:/usr/bin:/bin"
    (base / "empty").mkdir()  # not /usr/bin: Debian's hdfs-cli (a Go `hdfs`) may be installed there
    hosts = {n: LoopbackHost(base / "hosts", n, with_hdfs if n != "nohdfs" else f"SetEnv PATH={base}/empty")
             for n in ("good", "stopped", "nokey", "fw", "unknown", "nohdfs")}
    home = base / "home"
    try:
        for h in hosts.values():
            h.start_sshd()
        env = {"HDCOPY_HOME": str(home)}
        assert run_hdcopy("key", env=env).returncode == 0
        (home / "nodes").write_text("127.0.0.1\n")
        line = run_hdcopy("key", "authorized-line", env=env).stdout
        for n, h in hosts.items():
            h.set_authorized(line if n != "nokey" else "")
        (home / "known_hosts").write_text("".join(h.known_hosts_line() + "\n" for n, h in hosts.items()
                                                  if n != "unknown"))
        r = run_hdcopy("cluster", "add", ID, "--namenode", f"127.0.0.1:{nn.server_address[1]}", "--ssh-user",
                       "root", "--hosts", ",".join(h.endpoint for h in hosts.values()), env=env)
        assert r.returncode == 0, r.stderr
        r = run_hdcopy("cluster", "add", "j-GOOD", "--namenode", f"127.0.0.1:{nn.server_address[1]}",
                       "--ssh-user", "root", "--hosts", hosts["good"].endpoint, env=env)
        assert r.returncode == 0, r.stderr
        hosts["stopped"].close()
        subprocess.run(["nft", "-f", "-"], check=True, text=True, input=(
            f"table inet {FW_TABLE} {{\n  chain input {{\n    type filter hook input priority 0; policy accept;\n"
            f"    tcp dport {hosts['fw'].port} ip saddr 127.0.0.1 drop\n  }}\n}}\n"))
        yield {"hosts": hosts, "env": env, "home": home, "line": line.strip()}
    finally:
        subprocess.run(["nft", "delete", "table", "inet", FW_TABLE], capture_output=True)
        for h in hosts.values():
            h.close()
        nn.shutdown()


def check(lab, *args):
    r = run_hdcopy("cluster", "check", *args, env=lab["env"], timeout=120)
    return r


def test_every_seeded_fault_is_found_with_its_fix(lab):
    r = check(lab, ID, "--json", "--timeout", "2", "--path", "/data/**", "--path", "/locked/x*")
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert out["ok"] is False
    rows = {h["port"]: h for h in out["hosts"]}
    H = lab["hosts"]
    good = rows[H["good"].port]
    assert [good[c]["status"] for c in ("tcp", "hostkey", "auth", "hdfs", "namenode")] == ["ok"] * 5
    # stopped sshd: refused, start sshd
    st = rows[H["stopped"].port]
    assert st["tcp"]["status"] == "fail" and "start sshd" in st["tcp"]["detail"]
    assert st["hostkey"]["status"] == "not run"
    # the firewall drops the loader: timeout, and the exact nft rule admitting the loader's address
    fw = rows[H["fw"].port]
    assert fw["tcp"]["status"] == "fail"
    assert f"nft insert rule inet filter input tcp dport {H['fw'].port} ip saddr {{ 127.0.0.1 }} accept" in \
        fw["tcp"]["detail"]
    # unknown host key: the exact known_hosts line to accept
    un = rows[H["unknown"].port]
    assert un["tcp"]["status"] == "ok" and un["hostkey"]["status"] == "fail"
    assert H["unknown"].known_hosts_line() in un["hostkey"]["detail"] and "SHA256:" in un["hostkey"]["detail"]
    # key missing: the exact authorized_keys line for the user
    nk = rows[H["nokey"].port]
    assert nk["hostkey"]["status"] == "ok" and nk["auth"]["status"] == "fail"
    assert lab["line"] in nk["auth"]["detail"] and "~root/.ssh/authorized_keys" in nk["auth"]["detail"]
    # missing hdfs binary
    nh = rows[H["nohdfs"].port]
    assert nh["auth"]["status"] == "ok" and nh["hdfs"]["status"] == "fail"
    assert "exit status 127" in nh["hdfs"]["detail"] and "command not found" in nh["hdfs"]["detail"]
    # unreadable path (same cell on every row: asked once, from the loader)
    assert good["paths"]["status"] == "fail" and "/locked" in good["paths"]["detail"]
    assert "Permission denied" in good["paths"]["detail"] or "permission denied" in good["paths"]["detail"]
    # plain text: one block per host, FAIL cells
    r = check(lab, ID, "--timeout", "2")
    assert r.returncode == 1 and "FAIL" in r.stdout and "some checks FAILED" in r.stdout


def test_a_passing_cluster_exits_0(lab):
    r = check(lab, "j-GOOD", "--path", "/data/**")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "every host passes" in r.stdout
    r = check(lab, "j-GOOD", "--path", "/missing/x")
    assert r.returncode == 1 and "/missing/x: no such file or directory" in r.stdout
    r = check(lab, "j-NOPE")
    assert r.returncode == 2


def test_role_supplies_user_and_paths(lab, db):
    env = dict(lab["env"])
    r = run_hdcopy("role", "create", "chk", "--cluster", "j-GOOD", "--ssh-user", "root", "--hdfs-user", "etl",
                   "--path", "/data/**", "--path", "/locked/*", db=db, env=env)
    assert r.returncode == 0, r.stderr
    r = run_hdcopy("cluster", "check", "j-GOOD", "--role", "chk", "--db", db.conninfo, "--json", env=env, timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    row = json.loads(r.stdout)["hosts"][0]
    assert row["user"] == "root" and row["auth"]["status"] == "ok"
    assert row["namenode"]["status"] == "ok" and "(as etl)" in row["namenode"]["detail"]
    assert row["paths"]["status"] == "fail" and "/locked" in row["paths"]["detail"]


def test_authorize_turns_a_failing_check_into_a_passing_one_and_deauthorize_reverses_it(lab, db, tmp_path):
    """Step 5: with the operator's own key, authorize installs the loader's line and hdcopy's nft rule; a COPY then
    loads; deauthorize removes exactly those."""
    env = dict(lab["env"])
    admin = tmp_path / "admin_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "operator", "-f", str(admin)], check=True)
    admin_line = f"{admin.with_suffix('.pub').read_text().strip()}\n"
    host = LoopbackHost(tmp_path / "hosts", "auth", f"SetEnv PATH={tmp_path}/bin:/usr/bin:/bin")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "hdfs").write_text("#!/bin/sh\necho stub\n")
    (tmp_path / "bin" / "hdfs").chmod(0o755)
    akf = host.dir / "authorized_keys"
    try:
        host.start_sshd()
        host.set_authorized(admin_line)
        r = run_hdcopy("cluster", "add", "j-AUTH", "--namenode", json.loads(check(lab, "j-GOOD", "--json").stdout)
                       ["hosts"][0]["namenode"]["detail"].split()[2], "--ssh-user", "root", "--hosts",
                       host.endpoint, "--replace", env=env)
        assert r.returncode == 0, r.stderr
        before = json.loads(check(lab, "j-AUTH", "--json").stdout)["hosts"][0]
        assert before["hostkey"]["status"] == "fail"  # unknown host key: the check fails
        base = ["cluster", "authorize", "j-AUTH", "--admin-user", "root", "--admin-key", str(admin),
                "--authorized-keys-file", str(akf)]
        # --dry-run prints the commands and changes nothing
        r = run_hdcopy(*base, "--dry-run", env=env)
        assert r.returncode == 0, r.stderr
        assert "nft add rule inet hdcopy input tcp dport" in r.stdout and lab["line"] in r.stdout
        assert "flush" not in r.stdout
        assert akf.read_text() == admin_line
        # an unknown host key is not trusted without the explicit flag
        r = run_hdcopy(*base, env=env)
        assert r.returncode == 1 and "--trust-on-first-use" in r.stdout
        assert akf.read_text() == admin_line
        r = run_hdcopy(*base, "--trust-on-first-use", env=env)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "recorded host key" in r.stdout
        r = run_hdcopy(*base, env=env)  # idempotent: known host now, line not duplicated
        assert r.returncode == 0, r.stdout + r.stderr
        assert akf.read_text().count(lab["line"]) == 1 and akf.read_text().startswith(admin_line)
        rules = subprocess.run(["nft", "list", "chain", "inet", "hdcopy", "input"], capture_output=True, text=True)
        assert rules.stdout.count(f"hdcopy-ssh-{host.port}") == 1 and "127.0.0.1" in rules.stdout
        after = check(lab, "j-AUTH", "--path", "/data/**")
        assert after.returncode == 0, after.stdout
        # a COPY now loads from the host
        db.sql("CREATE TABLE t (id integer, v varchar(10))")
        m = tmp_path / "m.json"
        m.write_text(json.dumps({"entries": [{"endpoint": host.endpoint, "command": "printf '1|a\\n2|b\\n'",
                                              "mandatory": True, "username": "root"}]}))
        r = run_hdcopy(f"COPY t FROM '{m}' SSH", db=db, env=env)
        assert r.returncode == 0, r.stderr
        assert db.count("t") == 2
        # deauthorize removes exactly what authorize added
        r = run_hdcopy("cluster", "deauthorize", "j-AUTH", "--admin-user", "root", "--admin-key", str(admin),
                       "--authorized-keys-file", str(akf), env=env)
        assert r.returncode == 0, r.stdout + r.stderr
        assert akf.read_text() == admin_line
        rules = subprocess.run(["nft", "list", "chain", "inet", "hdcopy", "input"], capture_output=True, text=True)
        assert f"hdcopy-ssh-{host.port}" not in rules.stdout
        again = json.loads(check(lab, "j-AUTH", "--json").stdout)["hosts"][0]
        assert again["auth"]["status"] == "fail"
    finally:
        # deauthorize again (idempotent): removes only this host's rule, and the table only once it is empty
        run_hdcopy("cluster", "deauthorize", "j-AUTH", "--admin-user", "root", "--admin-key", str(admin),
                   "--authorized-keys-file", str(akf), env=env)
        host.close()
