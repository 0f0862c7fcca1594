#!/usr/bin/env bash
# pg-start.sh DIR [PORT] — start a throwaway PostgreSQL for tests (idempotent).
#
# Data in DIR/data, unix socket in DIR, TCP on 127.0.0.1:PORT (default: a free port, remembered in DIR/port so a
# second run reuses it), log in DIR/postgres.log. PostgreSQL refuses to run as root, so under root (CI) the server
# runs as the `postgres` OS user; the invoking user gets a superuser role of its own name so that plain
# `psql -h DIR -p PORT hdcopy_test` works. fsync stays ON: the tests kill loads to check atomicity.
# PG_BIN=DIR picks the server's binaries (default: the newest /usr/lib/postgresql/*/bin; bench/ uses it for other
# versions). max_prepared_transactions=20 for the two-phase multi-slice commit ($PG_MAX_PREPARED overrides it: 0 tests the fallback).
#
# Prints, on stdout only, shell-evaluable lines:  HOST=… PORT=… USER=… DBNAME=hdcopy_test CONNINFO=…
# Usage in a test:  eval "$(tests/scripts/pg-start.sh "$dir")"
set -euo pipefail

die() { echo "pg-start: $*" >&2; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: pg-start.sh DIR [PORT]"
mkdir -p "$1"
DIR=$(cd "$1" && pwd -P)
case "$DIR" in *[[:space:]]*) die "DIR must not contain white space: $DIR";; esac
DATA="$DIR/data"
LOG="$DIR/postgres.log"
DBNAME=hdcopy_test

BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -n "$BIN" ] && [ -x "$BIN/initdb" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"

ME=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
	RUNAS=postgres
	id "$RUNAS" >/dev/null 2>&1 || die "running as root needs the 'postgres' OS user"
	as_owner() { (cd "$DIR" && runuser -u "$RUNAS" -- "$@"); }
else
	RUNAS=$ME
	as_owner() { (cd "$DIR" && "$@"); }
fi

# Every directory above DIR must be traversable by the server's user.
if [ "$RUNAS" != "$ME" ]; then
	chown "$RUNAS" "$DIR"
	chmod 0755 "$DIR"
	as_owner test -x "$DIR" || die "the $RUNAS user cannot reach $DIR (check the permissions of its parents)"
fi

# Client programs: the server's own, else the system's (a PG_BIN tree may hold only the server).
tool() { if [ -x "$BIN/$1" ]; then echo "$BIN/$1"; else command -v "$1" || ls /usr/lib/postgresql/*/bin/"$1" | tail -n 1; fi; }
ISREADY=$(tool pg_isready)
PSQL=$(tool psql)

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Running = the pid in postmaster.pid is a live process (not a zombie: a container's init may not reap a killed
# postmaster, and then pg_ctl status would still say "running").
running() {
	local pid st
	pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null) || return 1
	case "$pid" in ''|*[!0-9]*) return 1;; esac
	st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# Port: the argument, else the one used last time, else a free one. A chosen port lies below the kernel's ephemeral
# range: a port in it can be taken at any moment by the local end of some outgoing connection (the suite makes
# thousands), and then the postmaster cannot bind it.
pick_port() {
	local lo hi p
	lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	case "$lo" in ''|*[!0-9]*) lo=32768;; esac
	if [ "$lo" -gt 11000 ]; then hi=$((lo - 1)); else hi=60999; fi
	for _ in $(seq 1 200); do
		p=$((10000 + (RANDOM * 32768 + RANDOM) % (hi - 10000 + 1)))
		if port_free "$p" && [ ! -e "$DIR/.s.PGSQL.$p" ]; then echo "$p"; return 0; fi
	done
	return 1
}
CHOSEN=0
if [ $# -eq 2 ]; then
	PORT=$2
elif [ -s "$DIR/port" ]; then
	PORT=$(cat "$DIR/port")
	CHOSEN=1
else
	PORT=$(pick_port) || die "no free port found"
	CHOSEN=1
fi
case "$PORT" in ''|*[!0-9]*) die "bad port: $PORT";; esac

# Initialise once; a half-made data directory (no PG_VERSION) is redone.
if [ ! -s "$DATA/PG_VERSION" ]; then
	rm -rf "$DATA"
	as_owner "$BIN/initdb" -D "$DATA" --auth=trust -E UTF8 --locale=C -U postgres >"$DIR/initdb.log" 2>&1 \
		|| { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
fi

# Settings go to an included file that is rewritten each time (port may change).
write_conf() {
	as_owner tee "$DATA/hdcopy.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
unix_socket_permissions = 0777
max_prepared_transactions = ${PG_MAX_PREPARED:-20}
max_connections = 200
fsync = on
logging_collector = off
CONF
}
write_conf
grep -q "^include_if_exists = 'hdcopy.conf'" "$DATA/postgresql.conf" \
	|| echo "include_if_exists = 'hdcopy.conf'" | as_owner tee -a "$DATA/postgresql.conf" >/dev/null

if running; then
	# Already up: it must be on the port we are about to print.
	cur=$(sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true)
	if [ "$cur" != "$PORT" ]; then
		as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w restart -l "$LOG" >/dev/null
	fi
else
	# Stale pid/lock files from a killed server would make the postmaster refuse to start.
	rm -f "$DATA/postmaster.pid" "$DIR"/.s.PGSQL.*.lock "$DIR"/.s.PGSQL.[0-9]*
	for try in 1 2 3 4 5; do
		if port_free "$PORT" && as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null; then
			break
		fi
		# A port we chose was taken between the check and the bind (or is now): choose another.
		if [ "$CHOSEN" = 1 ] && [ "$try" -lt 5 ] && { ! port_free "$PORT" || tail -n 20 "$LOG" | grep -q "could not bind\|could not create any TCP"; }; then
			rm -f "$DATA/postmaster.pid"
			PORT=$(pick_port) || die "no free port found"
			write_conf
			continue
		fi
		port_free "$PORT" || die "port $PORT is in use"
		tail -n 20 "$LOG" >&2
		die "server did not start"
	done
fi
echo "$PORT" >"$DIR/port"

for _ in $(seq 1 100); do
	"$ISREADY" -q -h "$DIR" -p "$PORT" && break
	sleep 0.1
done
"$ISREADY" -q -h "$DIR" -p "$PORT" || die "server not ready"

psql_su() { as_owner "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres -d postgres "$@"; }
if [ "$ME" != postgres ] && [ "$(psql_su -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ME'")" != 1 ]; then
	psql_su -c "CREATE ROLE \"$ME\" SUPERUSER LOGIN" >/dev/null
fi
if [ "$(psql_su -tAc "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")" != 1 ]; then
	psql_su -c "CREATE DATABASE $DBNAME" >/dev/null
fi

printf 'HOST=%q\nPORT=%q\nUSER=%q\nDBNAME=%q\n' "$DIR" "$PORT" "$ME" "$DBNAME"
printf 'CONNINFO=%q\n' "host=$DIR port=$PORT dbname=$DBNAME"
