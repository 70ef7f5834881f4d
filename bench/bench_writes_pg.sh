#!/usr/bin/env bash
# bench_writes_pg.sh - bench_writes.sh on a durable PostgreSQL 15 of its own: a cluster
# made in a temporary directory (initdb and pg_ctl as the postgres user when run as
# root), fsync and synchronous_commit on (unlike tests/pg_harness.sh), on a free
# loopback port; stopped and removed afterwards.  Same environment as bench_writes.sh.
set -euo pipefail
bindir=${MESODESK_PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$bindir/initdb" ] || { echo "bench_writes_pg: no PostgreSQL 15 in $bindir" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/mesodesk-bench-pg-XXXXXX)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; as_pg=(runuser -u postgres --); fi
started=0
stop() {
  [ "$started" -eq 1 ] && "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
  rm -rf "$dir"
}
trap stop EXIT
"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w start \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" >/dev/null
started=1
"${as_pg[@]}" "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE bench" >/dev/null
echo "PostgreSQL 15, fsync=on, synchronous_commit=on, port $port"
DB="postgresql://postgres@127.0.0.1:$port/bench" "$here/${BENCH_SCRIPT:-bench_writes.sh}"
