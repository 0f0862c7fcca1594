"""A lab of real OpenSSH hosts for the SSH-source tests: network namespaces, veths, sshd, nftables.

Topology (all private to this process; nothing is sent to any address outside it):

    netns <p>hub   bridge br0 ── veth ── netns <p>ldr   10.231.7.2    fd00:231::2     (the loader: hdcopy runs here)
                              ── veth ── netns <p>h1    10.231.7.11   fd00:231::11    (sshd)
                              ── veth ── netns <p>h2    10.231.7.12   …

Each host runs Debian's /usr/sbin/sshd (-D -e) with its own host key, authorized_keys file and log in a private
directory. The loader reaches PostgreSQL over its unix socket, which network namespaces do not affect.
Lab.close() removes everything it made — sshd processes and anything else running in its namespaces, nft tables,
veths (with their namespaces) — and is safe to call after a partial set-up.
"""
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

SUBNET4 = "10.231.7"
SUBNET6 = "fd00:231:"
LOADER_IP = f"{SUBNET4}.2"
LOADER_IP6 = f"{SUBNET6}:2"
SSHD = "/usr/sbin/sshd"


def run(*cmd, check=True, input=None):
    out = subprocess.run(list(cmd), capture_output=True, text=True, input=input)
    if check and out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}): {out.stderr.strip()}")
    return out


def missing_tools():
    return [t for t in ("ip", "nft", "ssh-keygen", SSHD) if not shutil.which(t)]


class Host:
    def __init__(self, lab, name, octet):
        self.lab = lab
        self.name = name
        self.ns = f"{lab.prefix}{name}"
        self.ip = f"{SUBNET4}.{octet}"
        self.ip6 = f"{SUBNET6}:{octet}"
        self.dir = lab.dir / name
        self.proc = None

    @property
    def host_key_pub(self) -> str:
        return (self.dir / "ssh_host_ed25519_key.pub").read_text().strip()

    def set_authorized(self, text: str):
        (self.dir / "authorized_keys").write_text(text)

    def start_sshd(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        key = self.dir / "ssh_host_ed25519_key"
        if not key.exists():
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"host-{self.name}", "-f", str(key))
        if not (self.dir / "authorized_keys").exists():
            self.set_authorized("")
        cfg = self.dir / "sshd_config"
        cfg.write_text(
            f"Port 22\nListenAddress {self.ip}\nListenAddress [{self.ip6}]\nHostKey {key}\n"
            f"PidFile {self.dir}/sshd.pid\nAuthorizedKeysFile {self.dir}/authorized_keys\nStrictModes no\n"
            "UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
            "PermitRootLogin prohibit-password\nLogLevel VERBOSE\nMaxStartups 100\nMaxSessions 100\n"
            "UseDNS no\nPrintMotd no\n")
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # Debian sshd's privilege-separation directory
        log = open(self.dir / "sshd.log", "w")
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.ns, SSHD, "-D", "-e", "-f", str(cfg)],
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.time() + 10
        while time.time() < deadline:
            if "Server listening on" in (self.dir / "sshd.log").read_text() and \
                    self.lab.listening(self, 22):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"sshd on {self.name} did not start:\n{(self.dir / 'sshd.log').read_text()}")

    def log(self) -> str:
        return (self.dir / "sshd.log").read_text()

    def session_pids(self):
        """Every process of this host's open connections: the listener's descendants (the privilege-separation
        monitor, the session process holding the socket, the user's shell and its children)."""
        if not self.proc:
            return []
        rows = [l.split() for l in run("ps", "-o", "pid=,ppid=", "-e", check=False).stdout.splitlines()]
        found, todo = [], [self.proc.pid]  # `ip netns exec` execs sshd: the listener has Popen's pid
        while todo:
            parent = todo.pop()
            for r in rows:
                if int(r[1]) == parent:
                    found.append(int(r[0]))
                    todo.append(int(r[0]))
        return found

    def nft(self, ruleset: str):
        run("ip", "netns", "exec", self.ns, "nft", "-f", "-", input=ruleset)

    def nft_admit_only(self, addr: str):
        """Like a security group: ssh (tcp/22) only from addr; everything else to port 22 is dropped."""
        self.nft_clear()
        self.nft(f"""table inet hdcopy_test {{
  chain input {{
    type filter hook input priority 0; policy accept;
    tcp dport 22 ip saddr {addr} accept
    tcp dport 22 drop
  }}
}}
""")

    def nft_clear(self):
        run("ip", "netns", "exec", self.ns, "nft", "delete", "table", "inet", "hdcopy_test", check=False)


class Lab:
    def __init__(self, directory: Path):
        self.prefix = f"hdc{os.getpid() % 100000}"
        self.dir = Path(directory)
        self.hub = f"{self.prefix}hub"
        self.loader_ns = f"{self.prefix}ldr"
        self.namespaces = []
        self.hosts = {}
        self.nveth = 0

    # --- network -----------------------------------------------------------------------------------------------
    def _ns(self, name):
        run("ip", "netns", "del", name, check=False)  # a leftover of a crashed run with the same pid
        run("ip", "netns", "add", name)
        self.namespaces.append(name)
        run("ip", "-n", name, "link", "set", "lo", "up")

    def _attach(self, ns, ip4, ip6):
        self.nveth += 1
        port = f"p{self.nveth}"
        run("ip", "-n", self.hub, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
        run("ip", "-n", self.hub, "link", "set", port, "master", "br0", "up")
        run("ip", "-n", ns, "addr", "add", f"{ip4}/24", "dev", "eth0")
        run("ip", "-n", ns, "addr", "add", f"{ip6}/64", "dev", "eth0", "nodad")
        run("ip", "-n", ns, "link", "set", "eth0", "up")

    def setup(self, host_names):
        self.dir.mkdir(parents=True, exist_ok=True)
        self._ns(self.hub)
        run("ip", "-n", self.hub, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", self.hub, "link", "set", "br0", "up")
        self._ns(self.loader_ns)
        self._attach(self.loader_ns, LOADER_IP, LOADER_IP6)
        for i, name in enumerate(host_names):
            h = Host(self, name, 11 + i)
            self._ns(h.ns)
            self._attach(h.ns, h.ip, h.ip6)
            self.hosts[name] = h
        for h in self.hosts.values():
            h.start_sshd()
        return self

    def listening(self, host, port):
        out = run("ip", "netns", "exec", host.ns, "ss", "-Hltn", check=False).stdout
        return f"{host.ip}:{port}" in out

    def loader_cmd(self, *cmd):
        return ["ip", "netns", "exec", self.loader_ns, *cmd]

    # --- teardown ----------------------------------------------------------------------------------------------
    def close(self):
        for h in self.hosts.values():
            if h.proc and h.proc.poll() is None:
                h.proc.terminate()
                try:
                    h.proc.wait(5)
                except subprocess.TimeoutExpired:
                    h.proc.kill()
                    h.proc.wait()
            h.nft_clear() if h.ns in self.namespaces else None
        # Anything still running in our namespaces (sessions of killed connections, their shells) was started by
        # this lab: end it by pid.
        for ns in self.namespaces:
            for pid in run("ip", "netns", "pids", ns, check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
        for ns in reversed(self.namespaces):  # deleting a namespace deletes its veth ends, the bridge, nft tables
            run("ip", "netns", "del", ns, check=False)
        self.namespaces = []


# ---- added for issue 7 (emr:// over SSH): an sshd in the root network namespace --------------------------------------

def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackHost(Host):
    """A real sshd (Debian's, same config as Host) in the ROOT network namespace on 127.0.0.1:<free port>, for hosts
    that must reach services bound to 127.0.0.1 there (the test HDFS's NameNode and DataNodes). extra_config is
    appended to its sshd_config (e.g. "SetEnv PATH=…"). No lab, no namespace: close() stops it."""

    def __init__(self, directory: Path, name: str, extra_config: str = ""):  # pylint: disable=super-init-not-called
        self.lab = None
        self.name = name
        self.ns = None
        self.ip = "127.0.0.1"
        self.ip6 = None
        self.dir = Path(directory) / name
        self.proc = None
        self.port = free_port()
        self.extra_config = extra_config

    def start_sshd(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        key = self.dir / "ssh_host_ed25519_key"
        if not key.exists():
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"host-{self.name}", "-f", str(key))
        if not (self.dir / "authorized_keys").exists():
            self.set_authorized("")
        cfg = self.dir / "sshd_config"
        cfg.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {key}\n"
            f"PidFile {self.dir}/sshd.pid\nAuthorizedKeysFile {self.dir}/authorized_keys\nStrictModes no\n"
            "UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
            "PermitRootLogin prohibit-password\nLogLevel VERBOSE\nMaxStartups 100\nMaxSessions 100\n"
            f"UseDNS no\nPrintMotd no\n{self.extra_config}\n")
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        log = open(self.dir / "sshd.log", "w")
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(cfg)], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.time() + 10
        while time.time() < deadline:
            if "Server listening on" in (self.dir / "sshd.log").read_text():
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"sshd {self.name} did not start:\n{(self.dir / 'sshd.log').read_text()}")

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def known_hosts_line(self) -> str:
        return f"[127.0.0.1]:{self.port} {' '.join(self.host_key_pub.split()[:2])}"

    def close(self):
        sessions = self.session_pids() if self.proc and self.proc.poll() is None else []  # before the listener goes
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in sessions:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
