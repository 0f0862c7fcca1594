#!/usr/bin/env bash
# Install what hdcopy needs to build and to run its tests, on a fresh Debian machine (as root) or with sudo.
# Idempotent and quick when everything is already there.
set -euo pipefail

pkgs=(build-essential cmake ninja-build pkg-config
      libpq-dev libsqlite3-dev libcmocka-dev zlib1g-dev libzstd-dev libbz2-dev liblzo2-dev libisal-dev
      postgresql postgresql-client sqlite3 valgrind python3 python3-pip nodejs gzip bzip2 zstd lzop
      libssh-dev openssh-server openssh-client nftables iproute2  # SSH sources + their netns/sshd tests
      libcurl4-openssl-dev openjdk-17-jdk-headless maven  # hdfs:// over WebHDFS; the tests' MiniDFSCluster
      libevent-dev libssl-dev  # hdcopy serve's event loop and its TLS to clients (docs/serve.md)
      libkrb5-dev krb5-kdc krb5-admin-server krb5-user  # a role's Kerberos login; the tests' real MIT KDC
      clang libclang-rt-14-dev)  # tests/fuzz: libFuzzer + ASan/UBSan runtimes of Debian 12's clang 14
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	echo "deps: installing ${missing[*]}" >&2
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian postgresql package starts a cluster of its own; our tests start private servers and need none.
if [ "${1:-}" = "--tests" ]; then
	python3 -c 'import pytest' 2>/dev/null || python3 -m pip install -q pytest
	# tests/integration/test_serve.py: a real driver (extended protocol, SCRAM, cancel) through hdcopy serve
	python3 -c 'import psycopg' 2>/dev/null || python3 -m pip install -q 'psycopg[binary]'
	# tests/integration/test_kerberos.py: the SPNEGO side of the test NameNode (built against libkrb5-dev)
	python3 -c 'import gssapi' 2>/dev/null || python3 -m pip install -q gssapi
	# tests/integration/test_differential.py: DuckDB's read_csv as an independent CSV reader
	python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install -q 'duckdb>=1.2'
	# tests/integration/test_serve_jdbc.py: pgjdbc from Maven Central (tests/jdbc/pom.xml, cached in ~/.m2), built
	# with the JDK 17 and Maven above; nothing more. (bench/bench_serve.py installs pgbouncer itself.)
fi
