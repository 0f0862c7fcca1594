"""hdfs:// and emr:// sources against a real HDFS (Hadoop 3.4.2 MiniDFSCluster, 3 DataNodes, WebHDFS, permissions on:
tests/integration/hdfs.py) and a real PostgreSQL. The DataNode-failure test stops a DataNode, so it runs last."""
import bz2
import gzip
import json
import os
import re
import stat
import subprocess
import time

import pytest

from conftest import HDCOPY, run_hdcopy
from hdfs import hdfs  # noqa: F401  (the session fixture)

ETL = {"HADOOP_USER_NAME": "etl"}


def rows_text(lo, hi, fmt="{i}|name {i}\n"):
    return "".join(fmt.format(i=i) for i in range(lo, hi))


@pytest.fixture(scope="module")
def data(hdfs):
    """/data owned by etl: part files, Hadoop's markers, a nested layout; /secret readable by its owner only."""
    hdfs.mkdir("/data", "etl:etl", "755")
    for k in range(4):
        hdfs.put(f"/data/out/part-{k:05d}", rows_text(k * 100, k * 100 + 100), owner="etl:etl")
    hdfs.put("/data/out/_SUCCESS", "", owner="etl:etl")
    hdfs.put("/data/out/.part-00000.crc", "\x00\x01garbage", owner="etl:etl")
    hdfs.put("/data/out/_logs/history", "not|data|at all\n", owner="etl:etl")
    hdfs.put("/data/outx/part-00000", rows_text(1000, 1010), owner="etl:etl")
    for d in ("a", "b"):
        hdfs.put(f"/data/days/2024-01-0{1 if d == 'a' else 2}/{d}.txt", rows_text(2000 + ord(d), 2001 + ord(d)),
                 owner="etl:etl")
    hdfs.mkdir("/secret", "root:root", "700")
    hdfs.put("/secret/x.txt", "1|a\n", owner="root:root", mode="600")
    return hdfs


def load(db, source, *opts, slices=None, env=ETL, table="t"):
    args = ["--json"] + (["--slices", str(slices)] if slices else [])
    r = run_hdcopy(*args, f"COPY {table} FROM '{source}' {' '.join(opts)}", db=db, env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["statements"][0]["copy"]


def ids(db, table="t"):
    return [int(r[0]) for r in db.sql(f"SELECT id FROM {table} ORDER BY id")]


def test_minicluster_started_quickly(hdfs):
    assert hdfs.start_seconds < 20, hdfs.start_seconds


def test_glob_loads_part_files_exactly(db, data):
    db.sql("CREATE TABLE t (id int, name text)")
    copy = load(db, data.url("/data/out/part-*"))
    assert copy["rows_loaded"] == 400
    assert ids(db) == list(range(400))
    # one file each, in name order, named by URL; markers, .crc and _logs/ skipped
    assert [f["name"] for f in copy["files"]] == [data.url(f"/data/out/part-{k:05d}") for k in range(4)]


def test_prefix_rule_and_hidden_files(db, data):
    db.sql("CREATE TABLE t (id int, name text)")
    # '/data/out' is a prefix: /data/out/* and /data/outx/* (Redshift's rule), hidden names skipped
    copy = load(db, data.url("/data/out"))
    assert copy["rows_loaded"] == 410
    names = sorted(f["name"] for f in copy["files"])
    assert names == sorted([data.url(f"/data/out/part-{k:05d}") for k in range(4)] +
                           [data.url("/data/outx/part-00000")])
    db.sql("TRUNCATE t")
    # a directory named with its slash: everything under it, still no hidden files
    assert load(db, data.url("/data/out/"))["rows_loaded"] == 400
    db.sql("TRUNCATE t")
    # a prefix reaching into a file name
    assert load(db, data.url("/data/out/part-0000"))["rows_loaded"] == 400


def test_hadoop_glob_syntax(db, data):
    db.sql("CREATE TABLE t (id int, name text)")
    assert load(db, data.url("/data/out/part-0000{1,3}"))["rows_loaded"] == 200
    assert ids(db) == list(range(100, 200)) + list(range(300, 400))
    db.sql("TRUNCATE t")
    assert load(db, data.url("/data/out/part-0000[^0-1]"))["rows_loaded"] == 200
    db.sql("TRUNCATE t")
    assert load(db, data.url("/data/out/part-0000?"))["rows_loaded"] == 400
    db.sql("TRUNCATE t")
    # wildcards in directory components; braces spanning components, overlapping alternatives de-duplicated
    assert load(db, data.url("/data/days/*/*.txt"))["rows_loaded"] == 2
    db.sql("TRUNCATE t")
    assert load(db, data.url("/data/{days/2024-01-01,days/*}/a.txt"))["rows_loaded"] == 1
    db.sql("TRUNCATE t")
    # hidden names load only when the pattern spells their first character
    r = run_hdcopy(f"COPY t FROM '{data.url('/data/out/*SUCCESS')}'", db=db, env=ETL)
    assert r.returncode == 1 and "load file not found" in r.stderr


def test_missing_path_is_load_file_not_found(db, data):
    db.sql("CREATE TABLE t (id int, name text)")
    for path in ("/data/nothing-here", "/nope/dir/part-*", "/data/out/part-9*"):
        r = run_hdcopy(f"COPY t FROM '{data.url(path)}'", db=db, env=ETL)
        assert r.returncode == 1, r.stderr
        assert f"load file not found: no file matches '{data.url(path)}'" in r.stderr
    assert db.count("t") == 0


def test_permission_denied_names_user_and_loads_nothing(db, data):
    db.sql("CREATE TABLE t (id int, name text)")
    for path in ("/secret/x.txt", "/secret/*", "/secret/"):
        r = run_hdcopy(f"COPY t FROM '{data.url(path)}'", db=db, env=ETL)
        assert r.returncode == 1, r.stderr
        assert "permission denied for user 'etl' (AccessControlException: Permission denied: user=etl" in r.stderr
        assert r.stderr.count("\n") == 1  # one line
    # a readable directory next to an unreadable file: the file's OPEN is refused, and nothing loads
    data.put("/data/locked/a.txt", "1|a\n", owner="etl:etl")
    data.put("/data/locked/b.txt", "2|b\n", owner="root:root", mode="600")
    r = run_hdcopy(f"COPY t FROM '{data.url('/data/locked/')}'", db=db, env=ETL)
    assert r.returncode == 1 and "permission denied for user 'etl'" in r.stderr and "b.txt" in r.stderr
    assert db.count("t") == 0
    # the superuser may read it
    assert load(db, data.url("/secret/x.txt"), env={"HADOOP_USER_NAME": data.superuser})["rows_loaded"] == 1


def test_user_defaults_to_os_user(db, data, monkeypatch):
    """Without HADOOP_USER_NAME requests run as the OS user (the cluster's superuser here)."""
    monkeypatch.delenv("HADOOP_USER_NAME", raising=False)
    db.sql("CREATE TABLE t (id int, name text)")
    env = {k: v for k, v in os.environ.items() if k != "HADOOP_USER_NAME"}
    r = subprocess.run([HDCOPY, "--db", db.conninfo, f"COPY t FROM '{data.url('/secret/x.txt')}'"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0 and db.count("t") == 1, r.stderr


def test_delegation_token_is_never_printed(db, data, tmp_path):
    db.sql("CREATE TABLE t (id int, name text)")
    tok = tmp_path / "token"
    tok.write_text("SeCrEtToKeN0123456789abcdef\n")
    r = run_hdcopy(f"COPY t FROM '{data.url('/data/out/part-*')}'", db=db,
                   env={"HDCOPY_HDFS_TOKEN_FILE": str(tok)})
    # an insecure cluster refuses or ignores the token; either way it must not appear anywhere
    assert "SeCrEtToKeN" not in r.stderr and "SeCrEtToKeN" not in r.stdout
    bad = tmp_path / "bad"
    bad.write_text("not a token; SeCrEt&x=1")
    r = run_hdcopy(f"COPY t FROM '{data.url('/data/out/part-*')}'", db=db, env={"HDCOPY_HDFS_TOKEN_FILE": str(bad)})
    assert r.returncode == 1 and "does not hold a URL-safe token" in r.stderr and "SeCrEt" not in r.stderr


def test_formats_and_codecs(db, data):
    hd = data
    db.sql("CREATE TABLE t (id int, name text)")
    csv = "".join(f'{i},"name, {i}"\n' for i in range(50))
    hd.put("/fmt/csv/part-0", csv, owner="etl:etl")
    assert load(db, hd.url("/fmt/csv/part-*"), "CSV")["rows_loaded"] == 50
    assert db.sql("SELECT name FROM t WHERE id = 7") == [["name, 7"]]
    db.sql("TRUNCATE t")
    js = "".join(json.dumps({"id": i, "name": f"j{i}"}) + "\n" for i in range(30))
    hd.put("/fmt/json/part-0", js, owner="etl:etl")
    assert load(db, hd.url("/fmt/json/"), "JSON 'auto'")["rows_loaded"] == 30
    db.sql("TRUNCATE t")
    fw = "".join(f"{i:<6}{'fw' + str(i):<10}\n" for i in range(20))
    hd.put("/fmt/fw/part-0", fw, owner="etl:etl")
    assert load(db, hd.url("/fmt/fw/part-0"), "FIXEDWIDTH 'id:6,name:10'")["rows_loaded"] == 20
    db.sql("TRUNCATE t")
    hd.put("/fmt/gz/part-0.gz", gzip.compress(rows_text(0, 500).encode()), owner="etl:etl")
    hd.put("/fmt/gz/part-1.gz", gzip.compress(rows_text(500, 1000).encode()), owner="etl:etl")
    assert load(db, hd.url("/fmt/gz/part-*.gz"), "GZIP", slices=2)["rows_loaded"] == 1000
    assert ids(db) == list(range(1000))
    db.sql("TRUNCATE t")
    zst = subprocess.run(["zstd", "-q", "-c"], input=rows_text(0, 300).encode(), capture_output=True,
                         check=True).stdout
    hd.put("/fmt/zst/part-0.zst", zst, owner="etl:etl", blocksize=512)  # many tiny blocks
    assert load(db, hd.url("/fmt/zst/"), "ZSTD")["rows_loaded"] == 300
    assert ids(db) == list(range(300))
    db.sql("TRUNCATE t")
    hd.put("/fmt/bz2/part-0.bz2", bz2.compress(rows_text(0, 400).encode()), owner="etl:etl")
    assert load(db, hd.url("/fmt/bz2/part-*"), "BZIP2")["rows_loaded"] == 400
    assert ids(db) == list(range(400))
    db.sql("TRUNCATE t")
    lzo = subprocess.run(["lzop", "-q", "-c"], input=rows_text(0, 250).encode(), capture_output=True,
                         check=True).stdout
    hd.put("/fmt/lzo/part-0.lzo", lzo, owner="etl:etl")
    assert load(db, hd.url("/fmt/lzo/part-0.lzo"), "LZOP")["rows_loaded"] == 250
    assert ids(db) == list(range(250))


@pytest.fixture(scope="module")
def big(data, tmp_path_factory):
    """~24 MB, 1 MiB blocks: larger than 1.5 × split.c's 8 MiB chunk, so 2 slices cut it into byte ranges."""
    path = tmp_path_factory.mktemp("big") / "big.txt"
    n = 400_000
    with open(path, "w") as f:
        for i in range(n):
            f.write(f"{i}|row {i} {'x' * 40}\n")
    data.put_file(str(path), "/big/lineitem.tbl", owner="etl:etl")
    return n, os.path.getsize(path)


def test_big_file_splits_across_slices_every_row_once(db, data, big):
    n, size = big
    assert size > 12 * 2**20
    db.sql("CREATE TABLE t (id int, name text)")
    t0 = time.monotonic()
    copy = load(db, data.url("/big/lineitem.tbl"), slices=2)
    elapsed = time.monotonic() - t0
    assert copy["slices"] == 2 and copy["rows_loaded"] == n
    assert db.sql("SELECT count(*), count(DISTINCT id), sum(id::bigint) FROM t") == \
        [[str(n), str(n), str(sum(range(n)))]]
    assert len(copy["files"]) == 1 and copy["files"][0]["rows"] == n and copy["files"][0]["bytes"] == size
    print(f"big file: {size} bytes in {elapsed:.2f} s over 2 slices")


def test_line_numbers_in_errors_are_file_lines_in_every_range(db, data, big):
    data.put("/big/bad.tbl", "".join(f"{'oops' if i == 350_000 else i}|r{i} {'z' * 40}\n" for i in range(400_000)),
             owner="etl:etl")
    db.sql("CREATE TABLE t (id int, name text)")
    r = run_hdcopy("--slices", "2", f"COPY t FROM '{data.url('/big/bad.tbl')}' MAXERROR 1", db=db, env=ETL)
    assert r.returncode == 0, r.stderr
    assert db.load_errors("line_number, err_code, trim(filename)") == \
        [["350001", "1207", data.url("/big/bad.tbl")]]


def test_hdfs_default_fs_from_hadoop_conf_dir(db, data, tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "core-site.xml").write_text(
        '<?xml version="1.0"?>\n<configuration>\n  <property>\n    <name>fs.defaultFS</name>\n'
        f"    <value>hdfs://127.0.0.1:{data.rpc_port}</value>\n  </property>\n</configuration>\n")
    (conf / "hdfs-site.xml").write_text(
        "<configuration><property><name>dfs.namenode.http-address</name>"
        f"<value>127.0.0.1:{data.http_port}</value></property></configuration>")
    db.sql("CREATE TABLE t (id int, name text)")
    copy = load(db, "hdfs:///data/out/part-*", env={**ETL, "HADOOP_CONF_DIR": str(conf)})
    assert copy["rows_loaded"] == 400
    assert copy["files"][0]["name"] == data.url("/data/out/part-00000")
    # no configuration: a clear command-line error
    r = run_hdcopy("COPY t FROM 'hdfs:///data/x'", db=db, env={**ETL, "HADOOP_CONF_DIR": str(tmp_path / "none")})
    assert r.returncode == 2 and "fs.defaultFS" in r.stderr


def test_rpc_port_gives_a_hint(db, data):
    db.sql("CREATE TABLE t (id int, name text)")
    r = run_hdcopy("COPY t FROM 'hdfs://127.0.0.1:8020/data/x'", db=db, env=ETL)
    assert r.returncode == 1
    assert "cannot reach the NameNode's WebHDFS at 127.0.0.1:8020" in r.stderr and "RPC port" in r.stderr


def cluster(*args, home):
    return subprocess.run([HDCOPY, "cluster", *args], capture_output=True, text=True,
                          env={**os.environ, **ETL, "HDCOPY_HOME": str(home)})


def test_cluster_catalog_and_jmx_discovery(data, tmp_path):
    home = tmp_path / "home"
    r = cluster("add", "j-1ABC", "--namenode", data.namenode, home=home)
    assert r.returncode == 0, r.stderr
    # discovered from JMX LiveNodes: every DataNode of a minicluster is 127.0.0.1
    assert "1 host(s)" in r.stdout and "127.0.0.1" in r.stdout
    assert stat.S_IMODE(os.stat(home / "clusters").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(home / "clusters" / "j-1ABC").st_mode) == 0o600
    r = cluster("add", "web", "--namenode", data.namenode, "--webhdfs", "--hosts", "h1,h2", "--ssh-user", "hadoop",
                home=home)
    assert r.returncode == 0, r.stderr
    assert cluster("list", home=home).stdout.split() == ["j-1ABC", "web"]
    show = cluster("show", "web", home=home).stdout
    assert f"namenode = {data.namenode}" in show and "hosts = h1,h2" in show and "ssh_user = hadoop" in show
    assert "webhdfs = true" in show
    show = cluster("show", "j-1ABC", home=home).stdout
    assert "hosts = 127.0.0.1" in show and "read = ssh" in show
    # refusals
    assert cluster("add", "web", "--namenode", "127.0.0.1:1", home=home).returncode == 2  # exists
    assert cluster("add", "../x", "--namenode", "127.0.0.1:1", home=home).returncode == 2
    assert cluster("add", "nn", home=home).returncode == 2
    r = cluster("add", "dead", "--namenode", "127.0.0.1:1", home=home)
    assert r.returncode == 1 and "cannot discover its hosts" in r.stderr
    assert cluster("show", "nope", home=home).returncode == 2
    assert cluster("remove", "web", home=home).returncode == 0
    assert cluster("list", home=home).stdout.split() == ["j-1ABC"]
    assert cluster("remove", "web", home=home).returncode == 2


def test_emr_source_in_webhdfs_mode_loads_like_hdfs(db, data, tmp_path):
    home = tmp_path / "home"
    assert cluster("add", "j-2XYZ", "--namenode", data.namenode, "--webhdfs", home=home).returncode == 0
    db.sql("CREATE TABLE t (id int, name text); CREATE TABLE u (id int, name text)")
    env = {**ETL, "HDCOPY_HOME": str(home)}
    c1 = load(db, data.url("/data/out/part-*"), env=env, table="t")
    c2 = load(db, "emr://j-2XYZ/data/out/part-*", env=env, table="u")
    assert c1["rows_loaded"] == c2["rows_loaded"] == 400
    assert db.sql("SELECT * FROM t EXCEPT SELECT * FROM u") == [] and ids(db, "u") == list(range(400))
    assert c2["files"][0]["name"] == "emr://j-2XYZ/data/out/part-00000"
    # a cluster with SSH hosts and no --webhdfs is read over SSH (test_emr_ssh.py); without the loader's key that
    # is said clearly, after listing over WebHDFS
    assert cluster("add", "j-ssh", "--namenode", data.namenode, "--hosts", "h1", home=home).returncode == 0
    r = run_hdcopy("COPY u FROM 'emr://j-ssh/data/out/part-*'", db=db, env=env)
    assert r.returncode == 1 and "the loader has no SSH key" in r.stderr and "hdcopy key" in r.stderr
    r = run_hdcopy("COPY u FROM 'emr://j-none/data/x'", db=db, env=env)
    assert r.returncode == 2 and "no cluster 'j-none'" in r.stderr


def test_jsonpaths_file_on_hdfs_and_emr(db, data, tmp_path):
    """JSON 'hdfs://…/paths.json' and 'emr://ID/…' (webhdfs mode): the jsonpaths file is read through the hdfs source
    (issue 7), for data on HDFS or local; a missing one, or a prefix of one, is not found."""
    home = tmp_path / "home"
    assert cluster("add", "j-JP", "--namenode", data.namenode, "--webhdfs", home=home).returncode == 0
    env = {**ETL, "HDCOPY_HOME": str(home)}
    data.put("/data/json/r.json", "".join(f'{{"a": {{"id": {i}}}, "n": "v{i}"}}\n' for i in range(5)),
             owner="etl:etl")
    data.put("/data/json/paths.json", '{"jsonpaths": ["$.a.id", "$.n"]}', owner="etl:etl")
    local = tmp_path / "r.json"
    local.write_text('{"a": {"id": 9}, "n": "local"}\n')
    db.sql("CREATE TABLE t (id int, name text)")
    assert load(db, data.url("/data/json/r.json"), f"JSON '{data.url('/data/json/paths.json')}'",
                env=env)["rows_loaded"] == 5
    assert load(db, str(local), "JSON 'emr://j-JP/data/json/paths.json'", env=env)["rows_loaded"] == 1
    assert db.sql("SELECT id, name FROM t WHERE id IN (4, 9) ORDER BY id") == [["4", "v4"], ["9", "local"]]
    r = run_hdcopy(f"COPY t FROM '{local}' JSON '{data.url('/data/json/nope.json')}'", db=db, env=env)
    assert r.returncode == 1 and "jsonpaths file: load file not found" in r.stderr, r.stderr
    r = run_hdcopy(f"COPY t FROM '{local}' JSON '{data.url('/data/json/paths')}'", db=db, env=env)
    assert r.returncode == 1 and f"jsonpaths file '{data.url('/data/json/paths')}' not found" in r.stderr, r.stderr
    assert db.count("t") == 6


def _dn_connections(http_ports):
    """HTTP ports of DataNodes that hdcopy has an established connection to."""
    out = subprocess.run(["ss", "-Htnp", "state", "established"], capture_output=True, text=True).stdout
    found = set()
    for line in out.splitlines():
        if "hdcopy" not in line:
            continue
        m = re.search(r"\s127\.0\.0\.1:(\d+)\s+users:", line)
        if m and int(m.group(1)) in http_ports:
            found.add(int(m.group(1)))
    return found


def test_zz_datanode_dies_mid_stream_load_completes_from_replicas(db, data, tmp_path):
    """Last in the file: it stops one of the three DataNodes. One slice streams a 40 MB file (3 replicas of every
    block); the DataNode serving it is stopped mid-stream; the stream re-OPENs at the next byte with
    excludedatanodes and the load completes with every row exactly once."""
    n = 800_000
    path = tmp_path / "f.txt"
    with open(path, "w") as f:
        for i in range(n):
            f.write(f"{i}|row {i} {'y' * 32}\n")
    data.put_file(str(path), "/fail/f.txt", owner="etl:etl")
    size = os.path.getsize(path)
    http_ports = {h for h, _ in data.datanodes()}
    db.sql("CREATE TABLE t (id int, name text)")
    proc = subprocess.Popen([HDCOPY, "--json", "--slices", "1", "--db", db.conninfo,
                             f"COPY t FROM '{data.url('/fail/f.txt')}'"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **ETL, "HDCOPY_HDFS_MAX_RATE": str(12 << 20)})  # ≈ 3 s
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline and proc.poll() is None:
        conns = _dn_connections(http_ports)
        if conns:
            victim = conns.pop()
            break
        time.sleep(0.01)
    assert victim is not None, "never saw hdcopy read from a DataNode"
    time.sleep(0.3)  # well into the stream
    stopped = data.cmd("stop-datanode-http", victim)
    # the stream goes on from another DataNode (a re-OPEN with excludedatanodes)
    others = set()
    while proc.poll() is None and not others:
        others = _dn_connections(http_ports - {victim})
        time.sleep(0.01)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    copy = json.loads(out)["statements"][0]["copy"]
    assert copy["rows_loaded"] == n and copy["files"][0]["bytes"] == size
    assert db.sql("SELECT count(*), count(DISTINCT id), sum(id::bigint) FROM t") == \
        [[str(n), str(n), str(sum(range(n)))]]
    assert str(victim) in stopped
    assert others, "the load ended without reading from another DataNode: the stop came too late"
