"""A private MIT Kerberos realm for the tests (issue 9, a role's Kerberos identity): Debian's krb5kdc on a free
loopback port with its own database, configuration and keytabs in a temporary directory, and a WebHDFS NameNode
that accepts only SPNEGO (HTTP Negotiate) tickets of that realm, checked with GSS-API (python-gssapi) against the
HTTP/localhost service key.

Nothing touches /etc/krb5.conf: every process that should see the realm gets KRB5_CONFIG (Realm.env()).
"""
import base64
import http.server
import json
import os
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

REALM = "HDCOPY.TEST"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Realm:
    def __init__(self, root: Path):
        self.dir = root
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.conf = self.dir / "krb5.conf"
        self.kdc_conf = self.dir / "kdc.conf"
        self.conf.write_text(
            "[libdefaults]\n"
            f" default_realm = {REALM}\n dns_lookup_kdc = false\n dns_lookup_realm = false\n rdns = false\n"
            " dns_canonicalize_hostname = false\n udp_preference_limit = 1\n ignore_acceptor_hostname = true\n"
            f"[realms]\n {REALM} = {{\n  kdc = 127.0.0.1:{self.port}\n }}\n"
            f"[domain_realm]\n localhost = {REALM}\n")
        self.kdc_conf.write_text(
            f"[kdcdefaults]\n kdc_ports = {self.port}\n kdc_tcp_ports = {self.port}\n"
            f"[realms]\n {REALM} = {{\n  database_name = {self.dir}/principal\n"
            f"  key_stash_file = {self.dir}/stash\n  acl_file = {self.dir}/kadm5.acl\n"
            "  supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal\n }\n"
            f"[logging]\n kdc = FILE:{self.dir}/kdc.log\n")
        (self.dir / "kadm5.acl").write_text("")
        self.run("kdb5_util", "-P", "master-pw-not-secret", "-r", REALM, "create", "-s")
        self.proc = subprocess.Popen(["krb5kdc", "-n", "-r", REALM], env=self.env(),
                                     stdout=subprocess.DEVNULL, stderr=open(self.dir / "krb5kdc.err", "w"))
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                assert self.proc.poll() is None, (self.dir / "krb5kdc.err").read_text()
                time.sleep(0.05)
        raise RuntimeError("krb5kdc did not start")

    def env(self, **extra):
        e = dict(os.environ, KRB5_CONFIG=str(self.conf), KRB5_KDC_PROFILE=str(self.kdc_conf))
        e.pop("KRB5CCNAME", None)
        e.pop("KRB5_CLIENT_KTNAME", None)
        e.update(extra)
        return e

    def run(self, *cmd):
        return subprocess.run(cmd, env=self.env(), check=True, capture_output=True, text=True)

    def principal(self, name: str, keytab: Path):
        """Create name@REALM with a random key and append its key to keytab (created 0600)."""
        self.run("kadmin.local", "-r", REALM, "-q", f"addprinc -randkey {name}")
        self.run("kadmin.local", "-r", REALM, "-q", f"ktadd -k {keytab} {name}")
        os.chmod(keytab, 0o600)
        return f"{name}@{REALM}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class SpnegoNameNode:
    """WebHDFS for a few files, answering only requests that carry a valid SPNEGO ticket for HTTP/localhost (401
    with `WWW-Authenticate: Negotiate` otherwise, as a Kerberized NameNode does). Every authenticated request is
    recorded with its client principal; a DataNode path (the OPEN Location) serves the bytes."""

    def __init__(self, realm: Realm, files: dict):
        import gssapi  # noqa: PLC0415 — only the Kerberos tests need it
        self.gssapi = gssapi
        self.realm = realm
        self.files = files  # path -> bytes
        self.keytab = realm.dir / "http.keytab"
        realm.principal("HTTP/localhost", self.keytab)
        os.environ["KRB5_CONFIG"] = str(realm.conf)  # this process's GSS-API (the acceptor) reads the realm
        self.creds = gssapi.Credentials(usage="accept", store={"keytab": str(self.keytab)})
        self.requests = []  # (client principal or None, op, path, query)
        nn = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def send_json(self, code, obj, extra=()):
                body = json.dumps(obj).encode()
                self.send_response(code)
                for k, v in extra:
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                url = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                if url.path.startswith("/dn/"):  # the DataNode: the OPEN Location (a token in real clusters)
                    data = nn.files[url.path[3:]]
                    off, length = int(q.get("offset", 0)), int(q.get("length", len(data)))
                    body = data[off:off + length]
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                who, answer = nn.authenticate(self.headers.get("Authorization", ""))
                if who is None:
                    nn.requests.append((None, q.get("op"), url.path, url.query))
                    self.send_json(401, {"RemoteException": {"exception": "AuthenticationException",
                                                             "message": "Authentication required"}},
                                   [("WWW-Authenticate", "Negotiate")])
                    return
                nn.requests.append((who, q.get("op"), url.path, url.query))
                extra = [("WWW-Authenticate", f"Negotiate {answer}")] if answer else []
                path = url.path[len("/webhdfs/v1"):]
                op = q.get("op", "")
                if op in ("LISTSTATUS", "LISTSTATUS_BATCH", "GETFILESTATUS"):
                    st = nn.listing(path)
                    if st is None:
                        self.send_json(404, {"RemoteException": {"exception": "FileNotFoundException",
                                                                 "message": f"File does not exist: {path}"}}, extra)
                    elif op == "GETFILESTATUS":
                        self.send_json(200, {"FileStatus": st[0] if len(st) == 1 and st[0]["pathSuffix"] == ""
                                             else nn.dirstatus()}, extra)
                    elif op == "LISTSTATUS":
                        self.send_json(200, {"FileStatuses": {"FileStatus": st}}, extra)
                    else:
                        self.send_json(200, {"DirectoryListing": {
                            "partialListing": {"FileStatuses": {"FileStatus": st}}, "remainingEntries": 0}}, extra)
                elif op == "OPEN" and path in nn.files:
                    host, port = self.server.server_address[:2]
                    loc = (f"http://localhost:{port}/dn{path}?offset={q.get('offset', 0)}"
                           f"&length={q.get('length', len(nn.files[path]))}")
                    self.send_json(200, {"Location": loc}, extra)
                else:
                    self.send_json(404, {"RemoteException": {"exception": "FileNotFoundException",
                                                             "message": f"File does not exist: {path}"}}, extra)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def authenticate(self, header):
        """(client principal, base64 answer token) for a valid `Negotiate <token>`, else (None, None)."""
        if not header.startswith("Negotiate "):
            return None, None
        try:
            ctx = self.gssapi.SecurityContext(creds=self.creds, usage="accept")
            out = ctx.step(base64.b64decode(header[len("Negotiate "):]))
            if not ctx.complete:
                return None, None
            return str(ctx.initiator_name), base64.b64encode(out).decode() if out else None
        except self.gssapi.exceptions.GSSError:
            return None, None

    @staticmethod
    def status(suffix, length, kind="FILE"):
        return {"pathSuffix": suffix, "type": kind, "length": length, "owner": "hdfs", "group": "hdfs",
                "permission": "644" if kind == "FILE" else "755", "accessTime": 0,
                "modificationTime": 1700000000000, "blockSize": 134217728, "replication": 1,
                "childrenNum": 0, "fileId": 16386, "storagePolicy": 0}

    def dirstatus(self):
        return self.status("", 0, "DIRECTORY")

    def listing(self, path):
        if path in self.files:
            return [self.status("", len(self.files[path]))]
        prefix = path.rstrip("/") + "/"
        kids = sorted(p for p in self.files if p.startswith(prefix) and "/" not in p[len(prefix):])
        return [self.status(p[len(prefix):], len(self.files[p])) for p in kids] if kids else None

    def stop(self):
        self.server.shutdown()
