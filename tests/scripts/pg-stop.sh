#!/usr/bin/env bash
# pg-stop.sh DIR — stop the PostgreSQL started by pg-start.sh DIR (immediate mode; idempotent: a server that is not
# running, or a DIR that does not exist, is not an error). The data directory is kept; remove DIR to discard it.
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: pg-stop.sh DIR" >&2; exit 2; }
[ -d "$1/data" ] || exit 0
DIR=$(cd "$1" && pwd -P)
DATA="$DIR/data"
BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -n "$BIN" ] || { echo "pg-stop: no PostgreSQL binaries" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
	as_owner() { (cd "$DIR" && runuser -u "$(stat -c %U "$DATA")" -- "$@"); }
else
	as_owner() { (cd "$DIR" && "$@"); }
fi

# Live postmaster (a zombie left by kill -9 in a container without a reaping init does not count).
pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true)
st=
case "$pid" in ''|*[!0-9]*) ;; *) st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true);; esac
if [ -n "$st" ] && [ "$st" != Z ]; then
	as_owner "$BIN/pg_ctl" -D "$DATA" -m immediate -w -t 60 stop >/dev/null || {
		echo "pg-stop: pg_ctl stop failed" >&2
		exit 1
	}
fi
# An immediate stop (or a killed server) leaves these behind; pg-start.sh also copes, but leave DIR clean.
rm -f "$DATA/postmaster.pid" "$DIR"/.s.PGSQL.*.lock
exit 0
