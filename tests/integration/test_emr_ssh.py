"""emr://ID/path read Redshift's way — `hdfs dfs -cat 'PATH'` on the cluster's hosts over SSH — and SSH manifests on
hdfs:// / emr:// (issue 7), against a real HDFS and real sshd hosts.

Set-up (the simplest that is still a real sshd and a real HDFS): the MiniDFSCluster of hdfs.py binds 127.0.0.1 in
the root network namespace, so a host in a separate namespace (sshhosts.Lab) could not reach it. The two cluster
"hosts" are therefore Debian's sshd in the ROOT namespace on 127.0.0.1 with free ports (sshhosts.LoopbackHost),
each with its own host key, and `SetEnv PATH=<dir>:/usr/bin:/bin HADOOP_USER_NAME=etl` in its sshd_config. <dir>
holds a two-line `hdfs` script running Hadoop's own FsShell (the minicluster's jars, JDK 17) against the test HDFS,
so `hdfs dfs -cat PATH` on those hosts reads HDFS with Hadoop's client, as on an EMR node. hdcopy lists the files
over the NameNode's WebHDFS, verifies each host against $HDCOPY_HOME/known_hosts and logs in with its own key.
Needs root (sshd on a port of its own, root login) and the HDFS prerequisites of hdfs.py.
"""
import json
import os
import re
import subprocess

import pytest

from conftest import run_hdcopy
from hdfs import LIB, hdfs  # noqa: F401  (the session fixture)
from sshhosts import SSHD, LoopbackHost

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="loopback sshd hosts need root (root login, sshd privilege separation)"),
    pytest.mark.skipif(not os.path.exists(SSHD), reason="needs Debian's openssh-server (scripts/deps.sh)"),
]

ID = "j-EMRSSH"
ETL = {"HADOOP_USER_NAME": "etl"}
QUOTED = ["it's a [x] {y}.txt", "b c's.txt", "p $(echo no) `echo no`.txt"]


def rows_text(lo, hi):
    return "".join(f"{i}|name {i}\n" for i in range(lo, hi))


def accepted(host):
    return host.log().count("Accepted publickey for root")


@pytest.fixture(scope="module")
def emr(hdfs, tmp_path_factory):  # noqa: F811
    base = tmp_path_factory.mktemp("emrssh")
    os.chmod(base, 0o755)
    java = hdfs.proc.args[0]
    # Hadoop's FsShell as `hdfs` on the hosts' PATH (quiet: log4j to a file, so stderr carries only real errors).
    conf, bindir = base / "hadoop-conf", base / "bin"
    conf.mkdir()
    bindir.mkdir()
    (conf / "core-site.xml").write_text(
        "<configuration><property><name>fs.defaultFS</name>"
        f"<value>hdfs://127.0.0.1:{hdfs.rpc_port}</value></property></configuration>\n")
    (conf / "log4j.properties").write_text(
        f"log4j.rootLogger=ERROR, f\nlog4j.appender.f=org.apache.log4j.FileAppender\n"
        f"log4j.appender.f.File={base}/fsshell.log\nlog4j.appender.f.layout=org.apache.log4j.PatternLayout\n")
    wrapper = bindir / "hdfs"
    wrapper.write_text("#!/bin/sh\n[ \"$1\" = dfs ] && shift\n"
                       f"exec {java} -Xmx256m -Dlog4j.configuration=file:{conf}/log4j.properties "
                       f"-cp '{conf}:{LIB}/*' org.apache.hadoop.fs.FsShell \"$@\"\n")
    wrapper.chmod(0o755)
    extra = f"SetEnv PATH={bindir}:/usr/bin:/bin HADOOP_USER_NAME=etl"
    hosts = [LoopbackHost(base / "hosts", n, extra) for n in ("e1", "e2")]
    home = base / "home"
    try:
        for h in hosts:
            h.start_sshd()
        env = {"HDCOPY_HOME": str(home)}
        r = run_hdcopy("key", env=env)
        assert r.returncode == 0, r.stderr
        pub = run_hdcopy("key", "show", env=env).stdout.strip()
        for h in hosts:
            h.set_authorized(f'from="127.0.0.1",no-pty,no-agent-forwarding,no-port-forwarding {pub}\n')
        (home / "known_hosts").write_text("".join(h.known_hosts_line() + "\n" for h in hosts))
        prof = home / "profiles"
        prof.mkdir(mode=0o700)
        (prof / "default").write_text("connect_timeout = 5\nread_timeout = 30\n")
        os.chmod(prof / "default", 0o600)
        r = run_hdcopy("cluster", "add", ID, "--namenode", hdfs.namenode, "--hosts",
                       ",".join(h.endpoint for h in hosts), "--ssh-user", "root", env=env)
        assert r.returncode == 0 and "read over SSH" in r.stdout, r.stdout + r.stderr
        r = run_hdcopy("cluster", "add", "j-WEB", "--namenode", hdfs.namenode, "--webhdfs", env=env)
        assert r.returncode == 0, r.stderr

        # HDFS data: part files, names needing quoting (written with Hadoop's shell: the name is glob-escaped
        # for -put), a file big enough to be split were it read over WebHDFS, a file only its owner may read.
        hdfs.mkdir("/emr", "etl:etl", "755")
        for k in range(4):
            hdfs.put(f"/emr/out/part-{k:05d}", rows_text(k * 100, k * 100 + 100), owner="etl:etl")
        hdfs.put("/emr/out/_SUCCESS", "", owner="etl:etl")
        hdfs.mkdir("/emr/q", "etl:etl", "755")
        for k, name in enumerate(QUOTED):
            local = base / f"q{k}"
            local.write_text(rows_text(1000 + k * 10, 1010 + k * 10))
            esc = re.sub(r"([*?\[\]{}\\])", r"\\\1", f"/emr/q/{name}")
            out = subprocess.run([str(wrapper), "dfs", "-put", str(local), esc], capture_output=True, text=True,
                                 env={**os.environ, **ETL})
            assert out.returncode == 0, out.stderr
        big = base / "big.txt"
        with open(big, "w") as f:
            for i in range(420_000):
                f.write(f"{i}|row {i} {'z' * 20}\n")
        hdfs.put_file(str(big), "/emr/big/f.txt", owner="etl:etl")
        hdfs.mkdir("/emr/locked", "etl:etl", "755")
        hdfs.put("/emr/locked/a.txt", "1|a\n", owner="root:root", mode="600")

        class E:
            pass
        e = E()
        e.hdfs, e.hosts, e.home, e.base, e.env = hdfs, hosts, home, base, {**ETL, "HDCOPY_HOME": str(home)}
        e.big_rows, e.big_size = 420_000, big.stat().st_size
        yield e
    finally:
        for h in hosts:
            h.close()


def load(db, e, source, *opts, slices=2, table="t"):
    r = run_hdcopy("--json", "--slices", str(slices), f"COPY {table} FROM '{source}' {' '.join(opts)}", db=db,
                   env=e.env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["statements"][0]["copy"]


def test_emr_over_ssh_loads_the_same_rows_as_hdfs_round_robin(db, emr):
    db.sql("CREATE TABLE t (id int, name text); CREATE TABLE u (id int, name text)")
    before = [accepted(h) for h in emr.hosts]
    c1 = load(db, emr, emr.hdfs.url("/emr/out/part-*"), table="t")
    c2 = load(db, emr, f"emr://{ID}/emr/out/part-*", table="u")
    assert c1["rows_loaded"] == c2["rows_loaded"] == 400
    assert db.sql("SELECT * FROM t EXCEPT SELECT * FROM u") == [] == db.sql("SELECT * FROM u EXCEPT SELECT * FROM t")
    assert sorted(f["name"] for f in c2["files"]) == [f"emr://{ID}/emr/out/part-{k:05d}" for k in range(4)]
    # one SSH session per file, spread over the two hosts round-robin (files 0,2 → e1; 1,3 → e2)
    assert [accepted(h) - b for h, b in zip(emr.hosts, before)] == [2, 2]
    # the prefix rule and hidden-file skipping are the WebHDFS listing's
    db.sql("TRUNCATE u")
    assert load(db, emr, f"emr://{ID}/emr/out/", table="u")["rows_loaded"] == 400


def test_paths_are_shell_quoted_and_glob_escaped(db, emr):
    """Names with a quote, spaces, glob characters and $(…)/`…`: read over SSH they load exactly the rows the same
    files give over WebHDFS — the command ran on the literal path, nothing was expanded by the shell or the glob."""
    db.sql("CREATE TABLE t (id int, name text); CREATE TABLE u (id int, name text)")
    c1 = load(db, emr, emr.hdfs.url("/emr/q/"), table="t")
    c2 = load(db, emr, f"emr://{ID}/emr/q/", table="u")
    assert c1["rows_loaded"] == c2["rows_loaded"] == 30
    assert sorted(int(r[0]) for r in db.sql("SELECT id FROM u")) == list(range(1000, 1030))
    assert db.sql("SELECT * FROM t EXCEPT SELECT * FROM u") == []
    assert sorted(f["name"] for f in c2["files"]) == sorted(f"emr://{ID}/emr/q/{n}" for n in QUOTED)


def test_big_file_is_one_unit_over_ssh(db, emr):
    """A file that WebHDFS reads in byte ranges is one `hdfs dfs -cat` over SSH: one session, every row once."""
    db.sql("CREATE TABLE t (id int, name text)")
    before = sum(accepted(h) for h in emr.hosts)
    c = load(db, emr, f"emr://{ID}/emr/big/f.txt", slices=2)
    assert c["rows_loaded"] == emr.big_rows and c["files"][0]["bytes"] == emr.big_size
    assert sum(accepted(h) for h in emr.hosts) - before == 1
    assert db.sql("SELECT count(DISTINCT id), min(id), max(id) FROM t") == [[str(emr.big_rows), "0",
                                                                              str(emr.big_rows - 1)]]


def test_failures_name_the_host_and_load_nothing(db, emr):
    db.sql("CREATE TABLE t (id int, name text)")
    # the host's `hdfs dfs -cat` is refused by HDFS (it runs as etl there): exit status and stderr in the message
    r = run_hdcopy(f"COPY t FROM 'emr://{ID}/emr/locked/'", db=db, env=emr.env)
    assert r.returncode == 1, r.stderr
    assert f"emr://{ID}/emr/locked/a.txt: emr://{ID} host root@127.0.0.1 port {emr.hosts[0].port} (hdfs dfs -cat): " \
        "command failed with exit status 1; stderr: cat: Permission denied: user=etl" in r.stderr
    assert "Permission denied" in r.stderr and r.stderr.count("\n") == 1
    # an unknown host key refuses the connection
    kh = emr.home / "known_hosts"
    saved = kh.read_text()
    kh.write_text(emr.hosts[1].known_hosts_line() + "\n")
    try:
        r = run_hdcopy(f"COPY t FROM 'emr://{ID}/emr/out/part-*'", db=db, env=emr.env)
        assert r.returncode == 1 and "UNKNOWN HOST" in r.stderr, r.stderr
    finally:
        kh.write_text(saved)
    assert db.count("t") == 0


def test_ssh_manifest_on_hdfs_and_emr(db, emr):
    """COPY … SSH with the manifest on hdfs://, on emr:// in webhdfs mode, and on emr:// read over SSH."""
    data = emr.base / "data"
    data.mkdir(exist_ok=True)
    (data / "m1.txt").write_text(rows_text(0, 5))
    (data / "m2.txt").write_text(rows_text(5, 12))
    m = {"entries": [{"endpoint": emr.hosts[0].endpoint, "command": f"cat {data}/m1.txt", "mandatory": True},
                     {"endpoint": emr.hosts[1].endpoint, "command": f"cat {data}/m2.txt", "mandatory": True}]}
    emr.hdfs.put("/emr/manifests/m.json", json.dumps(m), owner="etl:etl")
    db.sql("CREATE TABLE t (id int, name text)")
    for where in (emr.hdfs.url("/emr/manifests/m.json"), "emr://j-WEB/emr/manifests/m.json",
                  f"emr://{ID}/emr/manifests/m.json"):
        c = load(db, emr, where, "SSH")
        assert c["rows_loaded"] == 12, where
        assert sorted(int(x[0]) for x in db.sql("SELECT id FROM t")) == list(range(12))
        db.sql("TRUNCATE t")
    # not there; a prefix of it is not it; a broken manifest names its URL
    r = run_hdcopy(f"COPY t FROM '{emr.hdfs.url('/emr/manifests/nope.json')}' SSH", db=db, env=emr.env)
    assert r.returncode == 1 and "SSH manifest: load file not found" in r.stderr, r.stderr
    r = run_hdcopy(f"COPY t FROM '{emr.hdfs.url('/emr/manifests/m')}' SSH", db=db, env=emr.env)
    assert r.returncode == 1 and f"SSH manifest '{emr.hdfs.url('/emr/manifests/m')}' not found" in r.stderr
    emr.hdfs.put("/emr/manifests/bad.json", '{"entries": [{"endpoint": "h"}]}', owner="etl:etl")
    r = run_hdcopy(f"COPY t FROM '{emr.hdfs.url('/emr/manifests/bad.json')}' SSH", db=db, env=emr.env)
    assert r.returncode == 2 and emr.hdfs.url("/emr/manifests/bad.json") + ": manifest entry 1" in r.stderr
    assert db.count("t") == 0


def test_jsonpaths_over_ssh_cluster(db, emr):
    """A jsonpaths file on an emr:// cluster read over SSH, for JSON data on the same cluster."""
    emr.hdfs.put("/emr/json/r.json", "".join(f'{{"a": {{"id": {i}}}, "n": "v{i}"}}\n' for i in range(7)),
                 owner="etl:etl")
    emr.hdfs.put("/emr/json/paths.json", '{"jsonpaths": ["$.a.id", "$.n"]}', owner="etl:etl")
    db.sql("CREATE TABLE t (id int, name text)")
    c = load(db, emr, f"emr://{ID}/emr/json/r.json", f"JSON 'emr://{ID}/emr/json/paths.json'")
    assert c["rows_loaded"] == 7 and db.sql("SELECT name FROM t WHERE id = 6") == [["v6"]]

