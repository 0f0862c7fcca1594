"""A real HDFS for the integration tests: Hadoop 3.4.2's MiniDFSCluster (3 DataNodes, WebHDFS, permissions on)
run by tests/hadoop/MiniHdfs.java in a JVM the session starts once.

Jars come from Maven Central through tests/hadoop/pom.xml (`mvn dependency:copy-dependencies`, cached in ~/.m2 as
Maven does, copied to tests/hadoop/target/lib); MiniHdfs.java is compiled with javac. Needs JDK 17 (Hadoop 3.4.2
does not start on JDK 25) and Maven: scripts/deps.sh installs both (Debian openjdk-17-jdk-headless, maven). When
they are missing the fixture fails with a message saying so (HDCOPY_SKIP_HDFS=1 skips instead).

Files are written with Hadoop's own client (the FileSystem API inside the MiniHdfs JVM, driven by its stdin
commands: put, mkdir, chmod, chown, rm, stop-datanode…); everything listens on 127.0.0.1 only. The JVM dies on EOF
of its stdin (this process ending) and after a lifetime watchdog, so a forgotten cluster never lingers.
"""
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HADOOP = ROOT / "tests" / "hadoop"
LIB = HADOOP / "target" / "lib"
CLASSES = HADOOP / "target" / "classes"
LIFETIME = int(os.environ.get("HDCOPY_HDFS_LIFETIME", "900"))


def _java17():
    """(java, javac) of a JDK 17, or None."""
    cands = []
    if os.environ.get("JAVA_HOME"):
        cands.append(Path(os.environ["JAVA_HOME"]))
    cands += [Path("/usr/lib/jvm/java-17-openjdk-amd64"), Path("/usr/lib/jvm/java-17-openjdk-arm64")]
    for home in cands:
        if (home / "bin" / "javac").exists():
            v = subprocess.run([str(home / "bin" / "java"), "-version"], capture_output=True, text=True).stderr
            if '"17.' in v:
                return str(home / "bin" / "java"), str(home / "bin" / "javac")
    java, javac = shutil.which("java"), shutil.which("javac")
    if java and javac and '"17.' in subprocess.run([java, "-version"], capture_output=True, text=True).stderr:
        return java, javac
    return None


def _missing(what):
    msg = f"HDFS tests need {what} (scripts/deps.sh installs openjdk-17-jdk-headless and maven)"
    if os.environ.get("HDCOPY_SKIP_HDFS"):
        pytest.skip(msg)
    pytest.fail(msg, pytrace=False)


def prepare():
    """Resolve the jars (once; Maven caches them in ~/.m2) and compile MiniHdfs. Returns the java binary."""
    jdk = _java17()
    if not jdk:
        _missing("a JDK 17 (java and javac)")
    java, javac = jdk
    if not any(LIB.glob("hadoop-client-minicluster-*.jar")):
        mvn = shutil.which("mvn")
        if not mvn:
            _missing("Maven (mvn)")
        env = dict(os.environ, JAVA_HOME=str(Path(java).parent.parent))
        out = subprocess.run([mvn, "-B", "-q", "-f", str(HADOOP / "pom.xml"), "dependency:copy-dependencies",
                              f"-DoutputDirectory={LIB}", "-DincludeScope=runtime"],
                             capture_output=True, text=True, env=env, timeout=600)
        if out.returncode != 0:
            pytest.fail(f"mvn could not resolve the Hadoop jars:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}",
                        pytrace=False)
    src = HADOOP / "MiniHdfs.java"
    cls = CLASSES / "MiniHdfs.class"
    if not cls.exists() or cls.stat().st_mtime < src.stat().st_mtime:
        CLASSES.mkdir(parents=True, exist_ok=True)
        out = subprocess.run([javac, "-d", str(CLASSES), "-cp", f"{LIB}/*", str(src)], capture_output=True,
                             text=True)
        if out.returncode != 0:
            pytest.fail(f"javac MiniHdfs.java failed:\n{out.stderr}", pytrace=False)
    return java


class MiniHdfs:
    def __init__(self, java):
        self.dir = tempfile.mkdtemp(prefix="hdcopy-hdfs-", dir="/tmp")
        log4j = Path(self.dir) / "log4j.properties"
        log4j.write_text("log4j.rootLogger=WARN, f\nlog4j.appender.f=org.apache.log4j.FileAppender\n"
                         f"log4j.appender.f.File={self.dir}/hadoop.log\n"
                         "log4j.appender.f.layout=org.apache.log4j.PatternLayout\n"
                         "log4j.appender.f.layout.ConversionPattern=%d{HH:mm:ss.SSS} %p %c{1}: %m%n\n")
        self.stderr = open(Path(self.dir) / "stderr.log", "w")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [java, "-Xmx512m", f"-Dlog4j.configuration=file:{log4j}", "-cp", f"{LIB}/*:{CLASSES}", "MiniHdfs",
             str(Path(self.dir) / "data"), str(LIFETIME)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True, bufsize=1)
        line = self._line(120)
        if not line.startswith("READY "):
            self.close()
            raise RuntimeError(f"MiniHdfs did not start: {line!r}; see {self.dir}/stderr.log")
        self.start_seconds = time.monotonic() - t0
        kv = dict(f.split("=", 1) for f in line.split()[1:])
        self.http_port = int(kv["nn_http"])
        self.rpc_port = int(kv["nn_rpc"])
        self.superuser = kv["user"]
        self.namenode = f"127.0.0.1:{self.http_port}"
        self.tmp = Path(self.dir) / "staging"
        self.tmp.mkdir()

    def _line(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("MiniHdfs did not answer")
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                line = self.proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"MiniHdfs exited; see {self.dir}/stderr.log")
                return line.strip()

    def cmd(self, *words, timeout=120):
        self.proc.stdin.write(" ".join(str(w) for w in words) + "\n")
        self.proc.stdin.flush()
        line = self._line(timeout)
        if not line.startswith("OK"):
            raise RuntimeError(f"MiniHdfs {' '.join(map(str, words))}: {line}")
        return line[3:]

    def url(self, path):
        return f"hdfs://{self.namenode}{path}"

    def put(self, path, data, blocksize=1048576, owner="-", mode=None):
        """Write data (bytes or str) to HDFS path with Hadoop's client."""
        if isinstance(data, str):
            data = data.encode()
        fd, local = tempfile.mkstemp(dir=self.tmp)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        try:
            self.put_file(local, path, blocksize, owner, mode)
        finally:
            os.unlink(local)

    def put_file(self, local, path, blocksize=1048576, owner="-", mode=None):
        words = ["put", local, path, blocksize, owner] + ([mode] if mode else [])
        self.cmd(*words)

    def mkdir(self, path, owner="-", mode=None):
        self.cmd(*(["mkdir", path, owner] + ([mode] if mode else [])))

    def datanodes(self):
        """[(http_port, xfer_port)] of the live DataNodes."""
        out = self.cmd("datanodes")
        return [tuple(int(x) for x in d.split("/")) for d in out.split(",") if d]

    def close(self):
        try:
            if self.proc.poll() is None:
                self.proc.stdin.write("exit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def hdfs():
    java = prepare()
    cluster = MiniHdfs(java)
    yield cluster
    cluster.close()
