"""COPY … SSH against real OpenSSH servers (issue 6), and Redshift's set-up steps 3-5.

Every host is Debian's sshd in a network namespace of its own with its own address; hdcopy runs in another namespace
with its own address (sshhosts.py draws the lab). Needs root (CI runs as root): namespaces, veths and nftables.
"""
import gzip
import json
import os
import re
import shlex
import stat
import subprocess
import threading
import time

import pytest

from conftest import HDCOPY
from sshhosts import LOADER_IP, Lab, missing_tools

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="SSH lab needs root: network namespaces, veths and nftables"),
    pytest.mark.skipif(bool(missing_tools()), reason=f"SSH lab needs {', '.join(missing_tools())} "
                                                     "(scripts/deps.sh installs them)"),
]

HOSTS = ["h1", "h2", "h3", "nokey", "fw"]
TABLE = "CREATE TABLE t (id integer, host varchar(16), payload varchar(64))"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    base = tmp_path_factory.mktemp("sshlab")
    os.chmod(base, 0o755)
    lab = Lab(base / "hosts")
    lab.home = base / "home"  # the loader's HDCOPY_HOME
    lab.data = base / "data"
    lab.data.mkdir()
    try:
        lab.setup(HOSTS)
        # Step 3: the loader's key pair, made on first use, from inside the loader's namespace.
        out = loader(lab, "key")
        assert out.returncode == 0, out.stderr
        # Step 4: the authorized_keys line, restricted to the loader's address, on every host but "nokey".
        line = loader(lab, "key", "authorized-line")
        assert line.returncode == 0, line.stderr
        for name in HOSTS:
            lab.hosts[name].set_authorized(line.stdout if name != "nokey" else "")
        # Short timeouts for the failure tests; the default profile is used when the statement names none.
        prof = lab.home / "profiles"
        prof.mkdir(mode=0o700)
        (prof / "default").write_text("# test profile\nconnect_timeout = 3\nread_timeout = 5\n")
        os.chmod(prof / "default", 0o600)
        yield lab
    finally:
        lab.close()


def loader(lab, *args, db=None, timeout=120, env=None):
    """Run hdcopy in the loader's namespace."""
    cmd = [HDCOPY]
    if db is not None:
        cmd += ["--db", db.conninfo]
    cmd += list(args)
    full = dict(os.environ, HDCOPY_HOME=str(lab.home))
    full.pop("HDCOPY_DB", None)
    if env:
        full.update(env)
    return subprocess.run(lab.loader_cmd(*cmd), capture_output=True, text=True, env=full, timeout=timeout)


def write_part(lab, name, host, ids):
    p = lab.data / name
    p.write_text("".join(f"{i}|{host}|row {i} of {host}\n" for i in ids))
    return p


def manifest(lab, entries, name="m.json"):
    p = lab.data / name
    p.write_text(json.dumps({"entries": entries}, indent=1))
    return p


def entry(host, command, mandatory=True, **kw):
    e = {"endpoint": host.ip if not kw.get("endpoint") else kw.pop("endpoint"), "command": command,
         "mandatory": mandatory}
    e.update(kw)
    return e


def copy(lab, db, mpath, extra="", args=(), timeout=120):
    return loader(lab, "--json", *args, f"COPY t FROM '{mpath}' SSH {extra}", db=db, timeout=timeout)


def known_hosts(lab, lines):
    (lab.home / "known_hosts").write_text("".join(l + "\n" for l in lines))


# ---- steps 3 and 4: the key pair, the addresses, the authorized_keys line ------------------------------------------

def test_key_pair_addresses_and_authorized_line(lab):
    home = lab.home
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(home / "id_ed25519").st_mode) == 0o600
    show = loader(lab, "key", "show")
    assert show.returncode == 0 and re.fullmatch(r"ssh-ed25519 [A-Za-z0-9+/=]+ hdcopy@\S+\n", show.stdout)
    assert "PRIVATE" not in show.stdout
    nodes = loader(lab, "nodes")
    assert nodes.stdout.split() == [LOADER_IP, "fd00:231::2"]
    line = loader(lab, "key", "authorized-line").stdout.strip()
    assert line == (f'from="{LOADER_IP},fd00:231::2",no-pty,no-agent-forwarding,no-port-forwarding,'
                    f'no-X11-forwarding {show.stdout.strip()}')
    js = json.loads(loader(lab, "--json", "key").stdout)
    assert js["public_key"] == show.stdout.strip() and js["addresses"][0] == LOADER_IP and not js["created"]
    # A multi-host loader lists its addresses in $HDCOPY_HOME/nodes.
    (home / "nodes").write_text("# the loader fleet\n10.231.7.2\n10.231.8.0/24\n")
    try:
        assert loader(lab, "nodes").stdout.split() == ["10.231.7.2", "10.231.8.0/24"]
        assert loader(lab, "key", "authorized-line").stdout.startswith('from="10.231.7.2,10.231.8.0/24",')
    finally:
        (home / "nodes").unlink()


def test_private_key_readable_by_others_is_refused(lab, db, tmp_path):
    # A copy of the state directory whose key group and others can read: key show and COPY both refuse it.
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    for f in ("id_ed25519", "id_ed25519.pub"):
        (home / f).write_bytes((lab.home / f).read_bytes())
    os.chmod(home / "id_ed25519", 0o644)
    out = loader(lab, "key", "show", env={"HDCOPY_HOME": str(home)})
    assert out.returncode != 0 and "mode 0644" in out.stderr and "refuses" in out.stderr
    db.sql(TABLE)
    p = write_part(lab, "pk.txt", "h1", range(3))
    m = manifest(lab, [entry(lab.hosts["h1"], f"cat {p}", publickey=lab.hosts["h1"].host_key_pub)], "pk.json")
    out = loader(lab, f"COPY t FROM '{m}' SSH", db=db, env={"HDCOPY_HOME": str(home)})
    assert out.returncode == 1 and "mode 0644" in out.stderr
    assert "BEGIN OPENSSH" not in out.stderr + out.stdout


def test_fresh_home_creates_key_with_modes(lab, tmp_path):
    home = tmp_path / "fresh"
    out = loader(lab, "key", "show", env={"HDCOPY_HOME": str(home)})
    assert out.returncode == 0, out.stderr
    assert "created" in out.stderr
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(home / "id_ed25519").st_mode) == 0o600
    again = loader(lab, "key", "show", env={"HDCOPY_HOME": str(home)})
    assert again.stdout == out.stdout and "created" not in again.stderr


# ---- step 6: COPY … SSH --------------------------------------------------------------------------------------------

def test_several_hosts_load_in_parallel_exactly_once(lab, db):
    db.sql(TABLE)
    entries = []
    forms = {"h1": lambda h: h.ip, "h2": lambda h: f"{h.ip}:22", "h3": lambda h: f"[{h.ip6}]:22"}
    for k, name in enumerate(["h1", "h2", "h3"]):
        h = lab.hosts[name]
        p = write_part(lab, f"part-{name}.txt", name, range(k * 1000, k * 1000 + 1000))
        # Each command takes 2 s before its data: in parallel the load takes about 2 s, one after another 6 s.
        entries.append(entry(h, f"sleep 2; cat {shlex.quote(str(p))}", endpoint=forms[name](h),
                             publickey=h.host_key_pub, username="root"))
    m = manifest(lab, entries, "par.json")
    out = copy(lab, db, m, args=("-j", "3"))
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)["statements"][0]["copy"]
    assert res["rows_loaded"] == 3000 and res["slices"] == 3
    assert res["elapsed"] < 5.0, f"3 hosts x 2 s took {res['elapsed']} s: not read in parallel"
    assert [f["name"] for f in res["files"]] == [f"{e['endpoint']}: {e['command']}" for e in entries]
    assert all(f["rows"] == 1000 for f in res["files"])
    assert res["warnings"] == []
    assert db.sql("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM t") == [["3000", "3000", "0", "2999"]]
    assert db.sql("SELECT host, count(*) FROM t GROUP BY host ORDER BY 1") == [["h1", "1000"], ["h2", "1000"],
                                                                              ["h3", "1000"]]
    # Each host saw the loader's address, and authenticated it by key.
    for name in ["h1", "h2"]:
        assert f"Accepted publickey for root from {LOADER_IP}" in lab.hosts[name].log()


def test_format_and_conversion_options_apply(lab, db):
    db.sql("CREATE TABLE t (id integer, d date, s varchar(8))")
    p = lab.data / "opts.csv"
    p.write_text('id,d,s\n1,03/04/2024,"a,b"\n2,,\n')
    h = lab.hosts["h1"]
    m = manifest(lab, [entry(h, f"cat {p}", publickey=h.host_key_pub)], "opts.json")
    out = loader(lab, f"COPY t FROM '{m}' SSH CSV IGNOREHEADER 1 DATEFORMAT 'MM/DD/YYYY' EMPTYASNULL", db=db)
    assert out.returncode == 0, out.stderr
    assert db.rows("t") == [["1", "2024-03-04", "a,b"], ["2", None, None]]


def test_host_without_the_loader_key_fails_mandatory_copy(lab, db):
    db.sql(TABLE)
    good, bad = lab.hosts["h1"], lab.hosts["nokey"]
    p = write_part(lab, "nk.txt", "h1", range(10))
    m = manifest(lab, [entry(good, f"cat {p}", publickey=good.host_key_pub),
                       entry(bad, f"cat {p}", publickey=bad.host_key_pub)], "nokey.json")
    out = copy(lab, db, m, args=("-j", "2"))
    assert out.returncode == 1, out.stderr
    assert "refused the loader's key" in out.stderr and "entry 2" in out.stderr
    assert db.count("t") == 0  # nothing loaded, not even the good host's rows


def test_firewall_admitting_only_another_address_refuses_the_loader(lab, db):
    db.sql(TABLE)
    fw = lab.hosts["fw"]
    p = write_part(lab, "fw.txt", "fw", range(5))
    m = manifest(lab, [entry(fw, f"cat {p}", publickey=fw.host_key_pub)], "fw.json")
    try:
        fw.nft_admit_only("10.231.7.99")  # an address that is not the loader's
        t0 = time.time()
        out = copy(lab, db, m)
        assert out.returncode == 1, out.stderr
        assert "cannot connect" in out.stderr and "entry 1" in out.stderr
        assert time.time() - t0 < 30  # the profile's connect_timeout (3 s) bounds it
        assert db.count("t") == 0
        fw.nft_admit_only(LOADER_IP)  # the rule `hdcopy nodes` asks for
        out = copy(lab, db, m)
        assert out.returncode == 0, out.stderr
        assert db.count("t") == 5
    finally:
        fw.nft_clear()


def test_wrong_publickey_in_manifest_is_refused(lab, db):
    db.sql(TABLE)
    h1, h2 = lab.hosts["h1"], lab.hosts["h2"]
    p = write_part(lab, "wk.txt", "h1", range(5))
    m = manifest(lab, [entry(h1, f"cat {p}", publickey=h2.host_key_pub)], "wrongkey.json")
    out = copy(lab, db, m)
    assert out.returncode == 1
    assert "HOST KEY MISMATCH" in out.stderr and "entry 1" in out.stderr
    assert db.count("t") == 0


def test_known_hosts_unknown_changed_and_known(lab, db):
    db.sql(TABLE)
    h1, h2 = lab.hosts["h1"], lab.hosts["h2"]
    p = write_part(lab, "kh.txt", "h1", range(4))
    m = manifest(lab, [entry(h1, f"cat {p}")], "kh.json")  # no publickey: known_hosts decides
    try:
        known_hosts(lab, [])
        out = copy(lab, db, m)
        assert out.returncode == 1 and "UNKNOWN HOST" in out.stderr and "known_hosts" in out.stderr
        known_hosts(lab, [f"{h1.ip} {h2.host_key_pub}"])  # a different key recorded for h1
        out = copy(lab, db, m)
        assert out.returncode == 1 and "HOST KEY CHANGED" in out.stderr
        assert db.count("t") == 0
        known_hosts(lab, [f"{h1.ip} {h1.host_key_pub}"])
        out = copy(lab, db, m)
        assert out.returncode == 0, out.stderr
        assert db.count("t") == 4
    finally:
        (lab.home / "known_hosts").unlink(missing_ok=True)


def test_non_mandatory_unreachable_host_is_skipped_and_reported(lab, db):
    db.sql(TABLE)
    h1, h2 = lab.hosts["h1"], lab.hosts["h2"]
    p = write_part(lab, "nm.txt", "h1", range(7))
    m = manifest(lab, [entry(h1, f"cat {p}", publickey=h1.host_key_pub),
                       entry(h2, f"cat {p}", mandatory=False, endpoint=f"{h2.ip}:2222")], "nm.json")  # nothing on 2222
    out = copy(lab, db, m)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)["statements"][0]["copy"]
    assert res["rows_loaded"] == 7
    assert len(res["warnings"]) == 1 and f"{h2.ip}:2222" in res["warnings"][0]
    assert "cannot connect" in res["warnings"][0]
    assert "WARNING:" in out.stderr and "skipped" in out.stderr
    assert db.count("t") == 7
    # Only what was loaded is recorded as committed.
    assert db.sql(f"SELECT trim(filename) FROM {db.commits_table}") == [[f"{h1.ip}: cat {p}"]]
    # The same entry, mandatory: the whole COPY fails and loads nothing.
    db.sql("TRUNCATE t")
    m = manifest(lab, [entry(h1, f"cat {p}", publickey=h1.host_key_pub),
                       entry(h2, f"cat {p}", endpoint=f"{h2.ip}:2222")], "nm2.json")
    out = copy(lab, db, m)
    assert out.returncode == 1 and "cannot connect" in out.stderr
    assert db.count("t") == 0


def test_gzip_stream_from_cat(lab, db):
    db.sql(TABLE)
    h = lab.hosts["h2"]
    gz = lab.data / "part.gz"
    gz.write_bytes(gzip.compress("".join(f"{i}|h2|gz {i}\n" for i in range(20000)).encode()))
    m = manifest(lab, [entry(h, f"cat {gz}", publickey=h.host_key_pub)], "gz.json")
    out = copy(lab, db, m, "GZIP")
    assert out.returncode == 0, out.stderr
    assert db.sql("SELECT count(*), sum(id) FROM t") == [["20000", str(sum(range(20000)))]]


def test_command_exit_status_and_stderr_fail_the_unit(lab, db):
    db.sql(TABLE)
    h = lab.hosts["h3"]
    m = manifest(lab, [entry(h, "echo '1|h3|x'; echo 'no such partition' >&2; exit 3", publickey=h.host_key_pub)],
                 "exit.json")
    out = copy(lab, db, m)
    assert out.returncode == 1
    assert "exit status 3" in out.stderr and "no such partition" in out.stderr
    m = manifest(lab, [entry(h, "echo '1|h3|x'; echo 'warning: disk slow' >&2", publickey=h.host_key_pub)],
                 "stderr.json")
    out = copy(lab, db, m)
    assert out.returncode == 1 and "standard error" in out.stderr and "disk slow" in out.stderr
    assert db.count("t") == 0


def test_killed_connection_mid_stream_fails_cleanly(lab, db):
    db.sql(TABLE)
    h = lab.hosts["h1"]
    cmd = "i=0; while [ $i -lt 100000 ]; do echo \"$i|h1|slow\"; i=$((i+1)); sleep 0.01; done"
    m = manifest(lab, [entry(h, cmd, publickey=h.host_key_pub)], "kill.json")
    killed = []

    def killer():
        deadline = time.time() + 20
        while time.time() < deadline and not killed:
            if h.session_pids():
                time.sleep(1.0)  # let some rows stream first
                pids = h.session_pids()
                for pid in pids:
                    try:
                        os.kill(pid, 9)
                    except ProcessLookupError:
                        pass
                killed.extend(pids)
            time.sleep(0.1)

    t = threading.Thread(target=killer)
    t.start()
    t0 = time.time()
    out = copy(lab, db, m, timeout=60)
    t.join()
    assert killed, "the connection was never seen on the host"
    assert out.returncode == 1, out.stderr
    assert "connection" in out.stderr or "exit status" in out.stderr
    assert time.time() - t0 < 30
    assert db.count("t") == 0


def test_named_profile_from_iam_role(lab, db):
    db.sql(TABLE)
    h = lab.hosts["h1"]
    p = write_part(lab, "role.txt", "h1", range(3))
    m = manifest(lab, [entry(h, f"cat {p}", publickey=h.host_key_pub)], "role.json")
    # A named role must exist, even while the catalog is empty (secure default): refused before any connection.
    out = loader(lab, f"COPY t FROM '{m}' IAM_ROLE 'arn:aws:iam::123456789012:role/loaders' SSH", db=db)
    assert out.returncode == 3 and "role 'loaders' does not exist" in out.stderr, out.stderr
    # Access keys name the role (and profile) by the key id; the secret is never echoed.
    out = loader(lab, f"COPY t FROM '{m}' ACCESS_KEY_ID 'AKIAEXAMPLE' SECRET_ACCESS_KEY 'wJalrSECRET' SSH", db=db)
    assert out.returncode == 3 and "role 'AKIAEXAMPLE' does not exist" in out.stderr, out.stderr
    assert "wJalrSECRET" not in out.stderr + out.stdout
    # The role exists (its policy: the manifest's directory and the host) but its profile does not yet: defaults.
    out = loader(lab, "role", "create", "loaders", "--path", f"{lab.data}/**", "--host", h.ip, db=db)
    assert out.returncode == 0, out.stderr
    prof = lab.home / "profiles" / "loaders"
    prof.write_text(f"key = id_ed25519\nuser = root\nconnect_timeout = 5\n")
    os.chmod(prof, 0o600)
    try:
        out = loader(lab, f"COPY t FROM '{m}' IAM_ROLE 'arn:aws:iam::123456789012:role/loaders' SSH", db=db)
        assert out.returncode == 0, out.stderr
        assert db.count("t") == 3
        # A profile naming a user the host does not know: refused, and the user name is in the error, not a key.
        prof.write_text("user = nobodyhere\n")
        out = loader(lab, f"COPY t FROM '{m}' IAM_ROLE 'arn:aws:iam::123456789012:role/loaders' SSH", db=db)
        assert out.returncode == 1 and "nobodyhere" in out.stderr
    finally:
        prof.unlink()


def test_invalid_manifest_names_entry_and_field(lab, db):
    db.sql(TABLE)
    bad = lab.data / "bad.json"
    bad.write_text('{"entries": [{"endpoint": "10.231.7.11", "command": "cat x"}, {"command": "cat y"}]}')
    out = loader(lab, f"COPY t FROM '{bad}' SSH", db=db)
    assert out.returncode == 2 and 'manifest entry 2: "endpoint" is required' in out.stderr
    bad.write_text('{"entries": [{"endpoint": "h", "command": "c", "mandatroy": true}]}')
    out = loader(lab, f"COPY t FROM '{bad}' SSH", db=db)
    assert out.returncode == 2 and 'unknown field "mandatroy"' in out.stderr
    bad.write_text('{"entries": [\n  {"endpoint": "h" "command": "c"}]}')
    out = loader(lab, f"COPY t FROM '{bad}' SSH", db=db)
    assert out.returncode == 2 and "line 2, column" in out.stderr
