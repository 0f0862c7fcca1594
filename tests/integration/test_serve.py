"""`hdcopy serve` (issue 10): a PostgreSQL-protocol front door, tested with real clients (psql, psycopg) against a
real PostgreSQL server whose TCP clients must authenticate with SCRAM-SHA-256 (md5 for one user).

The server is a private one (conftest.start_server) with pg_hba.conf rewritten: TCP from 127.0.0.1 needs a password
(scram-sha-256; md5 for md5user), the unix socket stays trust for the harness and for serve's loader identity (the
superuser). `hdcopy serve` listens on a free port and relays to the server's TCP port, so every client session below
authenticates to PostgreSQL itself, through serve.
"""
import hashlib
import os
import re
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

from conftest import HDCOPY, Database, run_hdcopy, start_server, stop_server, write

PASSWORDS = {"alice": "alice-secret", "mallory": "mallory-secret", "md5user": "md5-secret"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    def __init__(self, pg, extra=(), upstream=None):
        self.pg = pg
        self.port = free_port()
        self.log = open(os.path.join(pg.dir, f"serve-{self.port}.log"), "w+")
        self.proc = subprocess.Popen(
            [HDCOPY, "serve", "--listen", f"127.0.0.1:{self.port}", "--upstream",
             upstream or f"postgresql://127.0.0.1:{pg.port}/",
             "--loader", f"host={pg.host} port={pg.port} user={pg.user}",
             "-j", "2", "-v", *extra],
            stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 10
        while time.time() < deadline:
            if "listening on" in self.text():
                return
            assert self.proc.poll() is None, self.text()
            time.sleep(0.05)
        raise AssertionError("serve did not start: " + self.text())

    def text(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def psql(self, db, user, *args, password=None, input=None, check=False, timeout=60):
        env = dict(os.environ, PGPASSWORD=password if password is not None else PASSWORDS.get(user, ""))
        env.pop("PGHOST", None)
        return subprocess.run(["psql", "-X", "-h", "127.0.0.1", "-p", str(self.port), "-U", user, "-d", db, *args],
                              input=input, capture_output=True, text=True, env=env, check=check, timeout=timeout)

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="module")
def scram_pg():
    server = start_server()
    su = ["psql", "-X", "-q", "-h", server.host, "-p", str(server.port), "-U", server.user, "-d", "postgres"]
    sql = ["SET password_encryption = 'scram-sha-256'"]
    for user in ("alice", "mallory"):
        sql.append(f"CREATE ROLE {user} LOGIN PASSWORD '{PASSWORDS[user]}'")
    # A Redshift COPY from a file on serve's host is PostgreSQL's COPY FROM 'file' rule: alice may, mallory may not.
    sql.append("GRANT pg_read_server_files TO alice")
    sql += ["SET password_encryption = 'md5'", f"CREATE ROLE md5user LOGIN PASSWORD '{PASSWORDS['md5user']}'"]
    subprocess.run(su + ["-c", "; ".join(sql)], check=True, capture_output=True)
    hba = os.path.join(server.dir, "data", "pg_hba.conf")
    with open(hba) as f:
        old = f.read()
    with open(hba, "w") as f:
        f.write("local all all trust\n"
                "host all md5user 127.0.0.1/32 md5\n"
                "host all all 127.0.0.1/32 scram-sha-256\n" + old)
    subprocess.run(su + ["-c", "SELECT pg_reload_conf()"], check=True, capture_output=True)
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def serve(scram_pg):
    s = Serve(scram_pg)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def tserve(scram_pg):
    """serve relaying over the server's unix socket, which trusts the superuser: for protocol-level clients."""
    s = Serve(scram_pg, upstream=f"host={scram_pg.host} port={scram_pg.port}")
    yield s
    s.stop()


_n = iter(range(1, 10**6))


@pytest.fixture
def sdb(scram_pg):
    """A fresh database on the SCRAM server; alice may create tables in it and md5user may connect."""
    name = f"s{os.getpid()}_{next(_n)}"
    scram_pg.psql("postgres", f"CREATE DATABASE {name}")
    db = Database(scram_pg, name)
    db.sql("GRANT ALL ON SCHEMA public TO alice, mallory")
    # Site setup (docs/serve.md): hdcopy's schema is created once per database by a user allowed to, here the
    # superuser's first load; after that any user may load (and sees only their own stl_load_errors rows).
    db.sql("CREATE TABLE hdcopy_setup (x int)")
    r = run_hdcopy(f"COPY hdcopy_setup FROM '{__file__}' NOLOAD MAXERROR 100000", db=db)
    assert r.returncode == 0, r.stderr
    db.sql("DROP TABLE hdcopy_setup")
    yield db
    scram_pg.psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", check=False)


def no_prepared(db):
    return db.sql("SELECT count(*) FROM pg_prepared_xacts")[0][0] == "0"


def test_psql_script_through_serve_matches_cli(serve, sdb, scram_pg, tmp_path):
    """DDL, selects, PostgreSQL's own COPY FROM STDIN, and Redshift COPYs from local files in one psql script, as a
    SCRAM-authenticated user: every statement answers as psql expects, and the Redshift-loaded tables hold exactly
    what the CLI loads from the same statements."""
    venue = write(tmp_path / "venue.txt", "1|Toyota Park|Bridgeview|IL\n2|Columbus Crew Stadium|Columbus|OH\n"
                                          "3|RFK Stadium|Washington|DC\nx|Bad Row|Nowhere|ZZ\n")
    csvf = write(tmp_path / "c.csv", 'id,name\n1,"a, b"\n2,"say ""hi"""\n3,\n')
    ddl = ("CREATE TABLE venue (venueid int, venuename varchar(100), venuecity varchar(30), venuestate char(2));\n"
           "CREATE TABLE c (id int, name text);\n")
    copies = (f"COPY venue FROM '{venue}' MAXERROR 1;\n"
              f"COPY c FROM '{csvf}' CSV IGNOREHEADER 1 EMPTYASNULL;\n")
    script = write(tmp_path / "s.sql", ddl + "CREATE TABLE notes (id int, note text);\n"
                   "COPY notes FROM STDIN;\n1\tfirst\n2\tsecond\n\\.\n"
                   + copies + "SELECT count(*) AS venues FROM venue;\nSELECT note FROM notes ORDER BY id;\n")
    out = serve.psql(sdb.name, "alice", "-v", "ON_ERROR_STOP=1", "-f", str(script))
    assert out.returncode == 0, out.stderr
    assert "INFO:  Load into table 'venue' completed, 3 record(s) loaded successfully." in out.stderr
    assert "1 record(s) could not be loaded" in out.stderr
    assert re.findall(r"^(?:COPY \d+|CREATE TABLE)$", out.stdout, re.M) == \
        ["CREATE TABLE", "CREATE TABLE", "CREATE TABLE", "COPY 2", "COPY 3", "COPY 3"]
    assert "first" in out.stdout and "second" in out.stdout

    # The same DDL and COPYs through the CLI into a second database.
    scram_pg.psql("postgres", f"CREATE DATABASE {sdb.name}_cli")
    try:
        cli_db = Database(scram_pg, sdb.name + "_cli")
        r = run_hdcopy("-j", "2", db=cli_db, input=ddl + copies)
        assert r.returncode == 0, r.stderr
        for t in ("venue", "c"):
            assert sdb.rows(t) == cli_db.rows(t)
    finally:
        scram_pg.psql("postgres", f"DROP DATABASE IF EXISTS {sdb.name}_cli WITH (FORCE)", check=False)
    assert sdb.rows("venue")[0] == ["1", "Toyota Park", "Bridgeview", "IL"]
    assert sdb.rows("c") == [["1", "a, b"], ["2", 'say "hi"'], ["3", None]]
    # Rows were inserted as alice, and her rejected row is hers in stl_load_errors.
    assert sdb.sql("SELECT DISTINCT r.rolname FROM hdcopy.stl_load_errors e JOIN pg_roles r ON r.oid = e.userid"
                   " WHERE e.tbl = 'venue'::regclass") == [["alice"]]
    assert no_prepared(sdb)


def test_authentication_is_the_upstreams(serve, sdb):
    """SCRAM and md5 work end to end because serve only relays the exchange; a wrong password is refused by the
    upstream, with its own message; SSLRequest gets 'N' (sslmode=prefer falls back, require fails)."""
    ok = serve.psql(sdb.name, "alice", "-Atc", "SELECT current_user, current_setting('password_encryption')")
    assert ok.returncode == 0 and ok.stdout.strip() == "alice|scram-sha-256", ok.stderr
    md5 = serve.psql(sdb.name, "md5user", "-Atc", "SELECT current_user")
    assert md5.returncode == 0 and md5.stdout.strip() == "md5user", md5.stderr
    bad = serve.psql(sdb.name, "alice", "-Atc", "SELECT 1", password="wrong")
    assert bad.returncode != 0
    assert 'password authentication failed for user "alice"' in bad.stderr
    req = serve.psql(f"dbname={sdb.name} sslmode=require", "alice", "-Atc", "SELECT 1")
    assert req.returncode != 0 and "does not support SSL" in req.stderr


def test_transaction_block_rollback_and_commit(serve, sdb, tmp_path):
    """Inside BEGIN … the load is prepared and its decision is a row in the client's transaction: ROLLBACK leaves
    nothing, COMMIT leaves everything (visible as soon as COMMIT returns), and nothing stays prepared."""
    f = write(tmp_path / "t.txt", "".join(f"{i}|row {i}\n" for i in range(1000)))
    sdb.sql("CREATE TABLE t (id int, s text); GRANT SELECT, INSERT ON t TO alice")
    out = serve.psql(sdb.name, "alice", "-v", "ON_ERROR_STOP=1", "-At", input=(
        f"BEGIN;\nCOPY t FROM '{f}';\nSELECT 'in-txn', count(*) FROM t;\nROLLBACK;\n"
        "SELECT 'after-rollback', count(*) FROM t;\n"
        f"BEGIN;\nCOPY t FROM '{f}';\nCOPY t FROM '{f}';\nCOMMIT;\nSELECT 'after-commit', count(*) FROM t;\n"))
    assert out.returncode == 0, out.stderr
    assert "in-txn|0" in out.stdout            # the load's own transactions are not the client's
    assert "after-rollback|0" in out.stdout
    assert "after-commit|2000" in out.stdout
    assert sdb.count("t") == 2000
    assert no_prepared(sdb)
    assert sdb.sql("SELECT count(*) FROM hdcopy.load_decisions") == [["0"]]
    assert int(sdb.sql("SELECT count(*) FROM hdcopy.stl_load_commits")[0][0]) == 2


def test_transaction_savepoints_and_chain(serve, sdb, tmp_path):
    """The decision is a row of the client's transaction, so savepoints and chaining decide the load exactly as
    they decide that row: ROLLBACK TO a savepoint taken before the COPY drops it; one taken after keeps it (the
    "ROLLBACK" tag of ROLLBACK TO must not be taken for the end of the transaction); COMMIT AND CHAIN commits it."""
    f = write(tmp_path / "t.txt", "1\n2\n3\n")
    sdb.sql("CREATE TABLE t (id int); GRANT SELECT, INSERT ON t TO alice")
    out = serve.psql(sdb.name, "alice", "-At", input=(
        f"BEGIN;\nSAVEPOINT a;\nCOPY t FROM '{f}';\nROLLBACK TO SAVEPOINT a;\nCOMMIT;\n"
        "SELECT 'one', count(*) FROM t;\n"
        f"BEGIN;\nCOPY t FROM '{f}';\nSAVEPOINT b;\nSELECT 1/0;\nROLLBACK TO SAVEPOINT b;\nCOMMIT;\n"
        "SELECT 'two', count(*) FROM t;\n"
        f"BEGIN;\nCOPY t FROM '{f}';\nCOMMIT AND CHAIN;\nSELECT 'three', count(*) FROM t;\nCOMMIT;\n"))
    assert "one|0" in out.stdout, out.stdout + out.stderr
    assert "two|3" in out.stdout
    assert "three|6" in out.stdout
    assert no_prepared(sdb)


def test_failed_copy_in_transaction_aborts_it(serve, sdb, tmp_path):
    """A failed Redshift COPY inside a transaction block leaves it aborted, as any failed statement does
    (client and server agree: status 'E'), and the session goes on after ROLLBACK."""
    sdb.sql("CREATE TABLE t (id int); GRANT SELECT, INSERT ON t TO alice")
    out = serve.psql(sdb.name, "alice", "-At", input=(
        f"BEGIN;\nCOPY t FROM '{tmp_path}/missing.txt';\nSELECT 1;\nROLLBACK;\nSELECT 'alive';\n"))
    assert "ERROR:  load file not found" in out.stderr
    assert "current transaction is aborted" in out.stderr
    assert "alive" in out.stdout
    assert no_prepared(sdb)


def test_user_without_insert_is_refused(serve, sdb, tmp_path):
    """The load runs with the session user's privileges (role=<current_user> on every load connection): a user
    without INSERT gets PostgreSQL's permission error as SQLSTATE 42501, nothing is loaded, and the session
    goes on. A file on serve's host needs what PostgreSQL's COPY FROM 'file' needs (superuser or
    pg_read_server_files): mallory may not read one even into a table she owns; alice, a member, may."""
    f = write(tmp_path / "t.txt", "1\n2\n")
    sdb.sql("CREATE TABLE t (id int); GRANT SELECT ON t TO mallory")
    out = serve.psql(sdb.name, "mallory", "-At", "-v", "VERBOSITY=verbose", input=(
        f"COPY t FROM '{f}';\nSELECT 'still here';\nCREATE TABLE mine (id int);\nCOPY mine FROM '{f}';\n"
        "SELECT count(*) FROM mine;\n"))
    assert re.search(r'ERROR:  42501: permission denied: user "mallory" may not INSERT into "t"', out.stderr), \
        out.stderr
    assert re.search(r'ERROR:  42501: user "mallory" may not read files on the loader\'s host: .*'
                     r'GRANT pg_read_server_files TO mallory', out.stderr), out.stderr
    assert "still here" in out.stdout
    assert sdb.count("t") == 0
    assert sdb.count("mine") == 0
    out = serve.psql(sdb.name, "alice", "-At", input=(
        f"CREATE TABLE hers (id int);\nCOPY hers FROM '{f}';\nSELECT count(*) FROM hers;\n"))
    assert "COPY 2" in out.stdout and out.stdout.strip().endswith("2"), out.stderr
    assert no_prepared(sdb)


def test_postgres_own_copy_forms_are_relayed(serve, sdb, tmp_path):
    """COPY … TO STDOUT and COPY (query) TO STDOUT are PostgreSQL's: relayed. A COPY of PostgreSQL's own syntax
    from a server file reaches PostgreSQL, which applies its own rule (mallory may not read server files); a Redshift
    COPY together with other statements in one Query is refused with a clear message."""
    f = write(tmp_path / "t.txt", "1\n2\n")
    sdb.sql("CREATE TABLE t (id int); INSERT INTO t VALUES (7), (8); GRANT SELECT, INSERT ON t TO alice, mallory")
    out = serve.psql(sdb.name, "alice", "-At", "-c", "COPY t TO STDOUT")
    assert out.returncode == 0 and out.stdout.split() == ["7", "8"], out.stderr
    out = serve.psql(sdb.name, "alice", "-At", "-c", "COPY (SELECT id * 2 FROM t ORDER BY 1) TO STDOUT")
    assert out.stdout.split() == ["14", "16"]
    out = serve.psql(sdb.name, "mallory", "-At", "-c", f"COPY t FROM '{f}' WITH (FORMAT text)")
    assert "pg_read_server_files" in out.stderr and "loader's host" not in out.stderr, out.stderr
    out = serve.psql(sdb.name, "alice", "-At", "-c", f"SELECT 1; COPY t FROM '{f}'")
    assert "must be sent as a query of its own" in out.stderr
    assert sdb.count("t") == 2


def test_malformed_protocol_is_refused_and_serve_lives(serve, sdb):
    """Lengths are never trusted: a startup packet too short or too long, a message length below 4, garbage after
    SSLRequest — each session is closed (with a FATAL where the protocol allows one) and serve keeps serving."""

    def session(payload, read=True):
        with socket.create_connection(("127.0.0.1", serve.port), timeout=5) as s:
            s.sendall(payload)
            data = b""
            try:
                while read:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except socket.timeout:
                pass
            return data

    assert b"08P01" in session(struct.pack("!II", 3, 196608))              # length below the header
    assert b"08P01" in session(struct.pack("!II", 0x7fffffff, 196608))     # far above 10000 bytes
    assert b"08P01" in session(struct.pack("!II", 12, 80877103))           # SSLRequest with a wrong length
    assert session(struct.pack("!II", 8, 80877103) + b"\xff" * 8).startswith(b"N")
    assert b"08P01" in session(struct.pack("!II", 9, 196608) + b"x")       # unterminated parameters
    assert b"user name" in session(struct.pack("!II", 9, 196608) + b"\0")  # no user
    # a real session, then a message whose length is 2
    start = b"user\0alice\0database\0" + sdb.name.encode() + b"\0\0"
    out = session(struct.pack("!II", 8 + len(start), 196608) + start + b"Q\0\0\0\x02")
    assert b"08P01" in out and b"invalid message length" in out
    ok = serve.psql(sdb.name, "alice", "-Atc", "SELECT 'alive'")
    assert ok.stdout.strip() == "alive", ok.stderr


def _msg(t, body):
    """One typed protocol message."""
    return t + struct.pack("!I", len(body) + 4) + body


def _replies(sock, n_ready=1, until=None):
    """(type, body) of the messages read from sock up to the n_ready-th ReadyForQuery (or the first of type until)."""
    buf, out = b"", []
    while True:
        chunk = sock.recv(65536)
        assert chunk, out[-5:]
        buf += chunk
        while len(buf) >= 5:
            ln = struct.unpack("!I", buf[1:5])[0]
            if len(buf) < ln + 1:
                break
            out.append((buf[:1].decode(), buf[5:ln + 1]))
            buf = buf[ln + 1:]
            if out[-1][0] == until or (until is None and [t for t, _ in out].count("Z") >= n_ready):
                assert not buf, "more than asked for"
                return out


def _raw_session(port, user, db, rcvbuf=None):
    """A protocol-level session through serve, over an upstream that trusts it; returned after ReadyForQuery."""
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(30)
    sock.connect(("127.0.0.1", port))
    start = b"user\0" + user.encode() + b"\0database\0" + db.encode() + b"\0\0"
    sock.sendall(struct.pack("!II", 8 + len(start), 196608) + start)
    _replies(sock)
    return sock


def test_pipelined_queries_keep_their_order(tserve, scram_pg, sdb, tmp_path):
    """A Redshift COPY sent right behind a slow query, in the same write, is answered after that query's reply:
    serve waits until nothing is in flight before it intercepts."""
    f = write(tmp_path / "t.txt", "1\n2\n3\n")
    sdb.sql("CREATE TABLE t (id int)")
    with _raw_session(tserve.port, scram_pg.user, sdb.name) as sock:
        sock.sendall(_msg(b"Q", b"SELECT pg_sleep(0.5), 'slow'\0") + _msg(b"Q", f"COPY t FROM '{f}'\0".encode())
                     + _msg(b"Q", b"SELECT count(*) FROM t\0"))
        replies = _replies(sock, 3)
    tags = [body.rstrip(b"\0").decode() for t, body in replies if t == "C"]
    assert tags == ["SELECT 1", "COPY 3", "SELECT 1"], replies
    rows = [body for t, body in replies if t == "D"]
    assert b"slow" in rows[0] and rows[1].endswith(b"3")


def test_large_messages_and_a_slow_reader(tserve, scram_pg, sdb, tmp_path):
    """Messages longer than one read stream through both ways (a COPY FROM STDIN of 200 KB rows; a 12 MB result),
    in one write of many messages; a client that reads nothing for a while (its receive buffer small) makes serve
    keep what its socket does not take and stop reading the upstream, then gets every byte in order. The session
    goes on as usual: a Redshift COPY and a query after it are answered."""
    f = write(tmp_path / "t.txt", "1\n2\n3\n")
    rows = [(k, hashlib.sha256(str(k).encode()).hexdigest() * 3200) for k in range(60)]  # 60 × 204,800 bytes
    sdb.sql("CREATE TABLE big (k int, v text); CREATE TABLE t (id int)")
    with _raw_session(tserve.port, scram_pg.user, sdb.name, rcvbuf=65536) as sock:
        sock.sendall(_msg(b"Q", b"COPY big FROM STDIN\0"))
        assert _replies(sock, until="G")[-1][0] == "G"
        sock.sendall(b"".join(_msg(b"d", f"{k}\t{v}\n".encode()) for k, v in rows) + _msg(b"c", b""))
        assert [b for t, b in _replies(sock) if t == "C"] == [b"COPY 60\0"]

        sock.sendall(_msg(b"Q", b"SELECT k, v FROM big ORDER BY k\0"))
        time.sleep(1.5)  # the result waits in the kernel and in serve
        replies = _replies(sock)
        data = [b for t, b in replies if t == "D"]
        assert [t for t, _ in replies if t != "D"] == ["T", "C", "Z"] and len(data) == 60
        for (k, v), body in zip(rows, data):
            ncol, = struct.unpack("!H", body[:2])
            l1, = struct.unpack("!I", body[2:6])
            l2, = struct.unpack("!I", body[6 + l1:10 + l1])
            assert ncol == 2 and body[6:6 + l1] == str(k).encode() and body[10 + l1:] == v.encode()
            assert l2 == len(v)

        sock.sendall(_msg(b"Q", f"COPY t FROM '{f}'\0".encode()) + _msg(b"Q", b"SELECT count(*) FROM big\0"))
        replies = _replies(sock, 2)
        assert [b for t, b in replies if t == "C"] == [b"COPY 3\0", b"SELECT 1\0"], replies
        assert [b for t, b in replies if t == "D"] == [b"\0\1\0\0\0\x0260"]
    assert sdb.count("t") == 3
    want = hashlib.md5("".join(v for _, v in rows).encode()).hexdigest()
    assert sdb.sql("SELECT md5(string_agg(v, '' ORDER BY k)) FROM big")[0][0] == want
    assert tserve.proc.poll() is None


def test_messages_cut_anywhere_are_relayed(tserve, scram_pg, sdb, tmp_path):
    """Messages reach serve in pieces cut anywhere — inside a header, at a boundary, inside a body, in a Redshift
    COPY that serve intercepts, across an extended-protocol sequence — and every reply is what the whole messages
    would have got."""
    f = write(tmp_path / "t.txt", "1\n2\n3\n")
    sdb.sql("CREATE TABLE t (id int)")
    with _raw_session(tserve.port, scram_pg.user, sdb.name) as sock:
        q1, q2 = _msg(b"Q", b"SELECT 'first'\0"), _msg(b"Q", f"COPY t FROM '{f}'\0".encode())
        ext = (_msg(b"P", b"\0SELECT $1::int * 2\0\0\0") + _msg(b"B", b"\0\0\0\0\0\1\0\0\0\x0221\0\0")
               + _msg(b"E", b"\0\0\0\0\0") + _msg(b"S", b""))
        q3 = _msg(b"Q", b"SELECT count(*) FROM t\0")
        stream = q1 + q2 + ext + q3
        cuts = [3, len(q1), len(q1) + 7, len(q1) + len(q2) - 2, len(q1) + len(q2) + 1, len(q1) + len(q2) + 30,
                len(stream) - len(q3) - 3, len(stream) - 4]
        for a, b in zip([0] + cuts, cuts + [len(stream)]):
            sock.sendall(stream[a:b])
            time.sleep(0.05)
        replies = _replies(sock, 4)
    assert [b for t, b in replies if t == "C"] == [b"SELECT 1\0", b"COPY 3\0", b"SELECT 1\0", b"SELECT 1\0"]
    assert [b[6:] for t, b in replies if t == "D"] == [b"first", b"42", b"3"]
    assert sdb.count("t") == 3


def test_own_statement_waits_for_relayed_replies(tserve, scram_pg, sdb, tmp_path):
    """A Describe of serve's own statement queued behind a slow Query and relayed Bind/Execute (no Sync between):
    once the Query's reply has gone by, serve asks the upstream for the held-back replies (Flush) and answers in
    order — it does not wait forever."""
    f = write(tmp_path / "t.txt", "1\n2\n")
    sdb.sql("CREATE TABLE t (id int)")
    with _raw_session(tserve.port, scram_pg.user, sdb.name) as sock:
        sock.sendall(_msg(b"P", f"cp\0COPY t FROM '{f}'\0\0\0".encode()) + _msg(b"S", b""))
        assert [t for t, _ in _replies(sock)] == ["1", "Z"]
        sock.sendall(_msg(b"Q", b"SELECT pg_sleep(0.3)\0") + _msg(b"P", b"\0SELECT 7\0\0\0")
                     + _msg(b"B", b"\0\0\0\0\0\0\0\0") + _msg(b"E", b"\0\0\0\0\0")
                     + _msg(b"D", b"Scp\0") + _msg(b"S", b""))
        replies = _replies(sock, 2)
    assert [t for t, _ in replies] == ["T", "D", "C", "Z", "1", "2", "D", "C", "t", "n", "Z"], replies
    assert replies[6][1][6:] == b"7"


def test_query_inside_a_failed_extended_segment_is_skipped(tserve, scram_pg, sdb, tmp_path):
    """After an error in an extended-protocol message, PostgreSQL skips every message up to Sync, a simple Query
    too. serve does the same with a Redshift COPY there (it is not run), and keeps its count of what is in flight
    right when a relayed Query is skipped — a later Redshift COPY runs instead of waiting for a ReadyForQuery that
    will never come."""
    f = write(tmp_path / "t.txt", "1\n2\n")
    sdb.sql("CREATE TABLE t (id int)")
    with _raw_session(tserve.port, scram_pg.user, sdb.name) as sock:
        no_portal = _msg(b"E", b"nope\0\0\0\0\0")
        sock.sendall(no_portal + _msg(b"Q", f"COPY t FROM '{f}'\0".encode()) + _msg(b"S", b""))
        replies = _replies(sock)
        assert [t for t, _ in replies] == ["E", "Z"] and b"34000" in replies[0][1], replies
        sock.sendall(no_portal + _msg(b"Q", b"SELECT 1\0") + _msg(b"S", b"")
                     + _msg(b"Q", f"COPY t FROM '{f}'\0".encode()) + _msg(b"Q", b"SELECT count(*) FROM t\0"))
        replies = _replies(sock, 3)
        assert [b for t, b in replies if t == "C"] == [b"COPY 2\0", b"SELECT 1\0"], replies
        assert [b[6:] for t, b in replies if t == "D"] == [b"2"]
    assert sdb.count("t") == 2


def test_random_protocol_streams_leave_serve_standing(tserve, scram_pg, sdb, tmp_path):
    """Property test of serve's framing (the direct relay, the runs, the message paths): 60 sessions each send a
    random mix — Queries (large results too), Redshift COPYs, Parse/Bind/Describe/Execute/Close/Sync of relayed and
    of serve's own statements, Flush, CopyData outside COPY — cut into random pieces, then Terminate; a third end
    instead with something broken (a message cut short, a bad length, garbage) and close their side. Every session
    ends (serve answers or closes; none hangs), serve stays up (under ASan in the test run: no memory error), the
    sessions get their answers, and an ordinary session works afterwards. HDCOPY_CHAOS_SEED replays a run."""
    import random
    f = write(tmp_path / "t.txt", "1\n2\n")
    sdb.sql("CREATE TABLE t (id int)")
    seed = int(os.environ.get("HDCOPY_CHAOS_SEED", time.time_ns() % 1000000))
    rng = random.Random(seed)
    copy = f"COPY t FROM '{f}'".encode()

    def good():
        k = rng.randrange(11)
        name = rng.choice([b"", b"cp", b"s1"])
        if k == 0:
            return _msg(b"Q", rng.choice([b"SELECT 1", b"SELECT pg_sleep(0.01)", copy, b"BEGIN", b"COMMIT",
                                          b"ROLLBACK", b"SELEC", b""]) + b"\0")
        if k == 1:
            return _msg(b"P", name + b"\0" + rng.choice([copy, b"SELECT $1::int", b"SELECT 2"]) + b"\0\0\0")
        if k == 2:  # no parameters (six bytes), or a Bind one byte short
            return _msg(b"B", rng.choice([b"", b"p"]) + b"\0" + name + b"\0" * rng.choice([6, 6, 6, 5]))
        if k in (3, 5):
            return _msg(b"C" if k == 5 else b"D", rng.choice([b"S", b"P"]) + name + b"\0")
        if k == 4:
            return _msg(b"E", rng.choice([b"", b"p"]) + b"\0\0\0\0\0")
        if k in (6, 7):
            return _msg(b"S", b"")
        if k == 8:
            return _msg(b"H", b"")
        if k == 9:
            return _msg(b"d", b"x" * rng.randrange(0, 70000))
        return _msg(b"Q", b"SELECT repeat('y', " + str(rng.randrange(1, 200000)).encode() + b")\0")

    def bad():
        k = rng.randrange(3)
        if k == 0:
            return _msg(b"Q", b"SELECT 1\0")[:rng.randrange(1, 9)]
        if k == 1:
            return rng.choice([b"Q", b"P", b"B"]) + struct.pack("!I", rng.choice([0, 2, 3, 0x7fffffff]))
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))

    readys = 0
    for i in range(60):
        broken = rng.random() < 0.3
        stream = b"".join(good() for _ in range(rng.randrange(1, 16)))
        stream += bad() if broken else _msg(b"X", b"")
        got = b""
        with _raw_session(tserve.port, scram_pg.user, sdb.name) as sock:
            pos = 0
            while pos < len(stream):
                step = rng.choice([1, 3, 5, 17, 200, 70000])
                try:
                    sock.sendall(stream[pos:pos + step])
                except OSError:
                    break  # serve closed the session (a protocol violation): fine
                pos += step
                if rng.random() < 0.2:
                    time.sleep(0.005)
            try:
                if broken:
                    sock.shutdown(socket.SHUT_WR)  # else Terminate: the upstream answers all, then ends
                while (chunk := sock.recv(65536)):
                    got += chunk
            except socket.timeout:
                raise AssertionError(f"session {i} did not end (HDCOPY_CHAOS_SEED={seed})")
            except OSError:
                pass  # serve had already closed the session
        readys += got.count(b"Z\0\0\0\x05")
        assert tserve.proc.poll() is None, f"serve died in session {i} (HDCOPY_CHAOS_SEED={seed}): {tserve.text()[-3000:]}"
    ok = tserve.psql(sdb.name, scram_pg.user, "-Atc", "SELECT 'alive'")
    assert ok.stdout.strip() == "alive", (seed, ok.stderr)
    assert readys >= 60, (seed, readys)  # answers came: the sessions were not all cut short at their start
    assert "AddressSanitizer" not in tserve.text() and "runtime error" not in tserve.text(), seed


def test_fifty_concurrent_sessions(serve, sdb):
    """50 sessions at once through one serve process, each authenticating with SCRAM and running extended-protocol
    queries (psycopg), a temp table and PostgreSQL's COPY FROM STDIN: every answer is the session's own."""
    psycopg = pytest.importorskip("psycopg")
    errors, results = [], {}

    def worker(i):
        try:
            with psycopg.connect(host="127.0.0.1", port=serve.port, user="alice", password=PASSWORDS["alice"],
                                 dbname=sdb.name, connect_timeout=20) as conn:
                cur = conn.cursor()
                cur.execute("CREATE TEMP TABLE mine (k int, v text)")
                with cur.copy("COPY mine FROM STDIN") as cp:
                    for k in range(100):
                        cp.write_row((k, f"s{i}-{k}"))
                total = 0
                for k in range(20):
                    cur.execute("SELECT %s::int + count(*) FROM mine WHERE v LIKE %s", (k, f"s{i}-%"))
                    total += cur.fetchone()[0]
                cur.execute("SELECT pg_backend_pid()")
                results[i] = (total, cur.fetchone()[0])
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(f"{i}: {e!r}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:5]
    assert len(results) == 50
    assert all(total == sum(range(20)) + 20 * 100 for total, _ in results.values())
    assert len({pid for _, pid in results.values()}) == 50  # one upstream backend per session


def test_cancel_request_is_relayed(serve, sdb):
    """A client's cancel (its BackendKeyData is the upstream's, relayed) reaches the upstream backend."""
    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect(host="127.0.0.1", port=serve.port, user="alice", password=PASSWORDS["alice"],
                         dbname=sdb.name) as conn:
        threading.Timer(0.5, conn.cancel).start()
        t0 = time.time()
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(20)")
        assert time.time() - t0 < 10


def test_client_gone_with_pending_load_rolls_back(serve, sdb, tmp_path):
    """A client that disconnects inside BEGIN after a Redshift COPY: once its upstream backend has ended (its
    transaction rolled back, so no decision row), serve rolls the prepared slices back by itself."""
    f = write(tmp_path / "t.txt", "1\n2\n3\n")
    sdb.sql("CREATE TABLE t (id int); GRANT SELECT, INSERT ON t TO alice")
    out = serve.psql(sdb.name, "alice", "-At", input=f"BEGIN;\nCOPY t FROM '{f}';\n")
    assert "COPY 3" in out.stdout, out.stderr
    deadline = time.time() + 20
    while time.time() < deadline and not no_prepared(sdb):
        time.sleep(0.1)
    assert no_prepared(sdb)
    assert sdb.count("t") == 0


def test_kill_serve_during_transaction_then_recover(scram_pg, sdb, tmp_path):
    """kill -9 of serve while a client holds a prepared Redshift COPY in an open transaction: the client's
    transaction dies with the connection, so there is no decision row, and `hdcopy recover` rolls the prepared
    slices back."""
    f = write(tmp_path / "t.txt", "".join(f"{i}\n" for i in range(500)))
    sdb.sql("CREATE TABLE t (id int); GRANT SELECT, INSERT ON t TO alice")
    s = Serve(scram_pg)
    try:
        psql = subprocess.Popen(
            ["psql", "-X", "-At", "-h", "127.0.0.1", "-p", str(s.port), "-U", "alice", "-d", sdb.name],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, PGPASSWORD=PASSWORDS["alice"]))
        psql.stdin.write(f"BEGIN;\nCOPY t FROM '{f}';\nSELECT 'loaded';\n")
        psql.stdin.flush()
        deadline = time.time() + 20
        while time.time() < deadline and no_prepared(sdb):
            time.sleep(0.05)
        time.sleep(0.3)
        assert not no_prepared(sdb)
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait()
        psql.kill()
        psql.wait()
    finally:
        s.stop()
    # The client's backend may take a moment to notice; recovery waits for nothing, so retry briefly.
    deadline = time.time() + 20
    while time.time() < deadline:
        r = run_hdcopy("recover", db=sdb)
        assert r.returncode == 0, r.stderr
        if no_prepared(sdb):
            break
        time.sleep(0.2)
    assert no_prepared(sdb)
    assert sdb.count("t") == 0


def test_upstream_down_is_a_fatal_error(scram_pg):
    """No upstream to relay to: the client gets FATAL 08006 naming the cause, not a silently closed socket."""
    s = Serve(scram_pg, upstream=f"host=127.0.0.1 port={free_port()}")
    try:
        out = s.psql("postgres", "alice", "-Atc", "SELECT 1")
        assert out.returncode != 0
        assert "FATAL:  hdcopy serve could not connect to the upstream server: Connection refused" in out.stderr
        assert s.proc.poll() is None
    finally:
        s.stop()
