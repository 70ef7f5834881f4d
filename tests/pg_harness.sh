#!/usr/bin/env bash
# pg_harness.sh COMMAND [ARGS...] - run COMMAND beside a throwaway PostgreSQL 15.
#
# Makes a cluster in a temporary directory (initdb, as the unprivileged postgres
# user when run as root: initdb refuses root), starts it with pg_ctl on a free
# loopback port, exports MESODESK_TEST_PG=postgresql://postgres@127.0.0.1:PORT
# (the maintenance database's server; tests create their own databases in it,
# see tests/pg_harness.h) and runs COMMAND.  The cluster is stopped and its
# directory removed afterwards, also when COMMAND fails or the script is
# interrupted or killed (a detached watchdog cleans up after a SIGKILL).  Exits with COMMAND's status.  Durability is off (fsync): the
# cluster only lives for one test.
set -euo pipefail

bindir=${MESODESK_PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$bindir/initdb" ]; then
  echo "pg_harness: no PostgreSQL 15 in $bindir (scripts/install-deps installs postgresql-15)" >&2
  exit 1
fi

dir=$(mktemp -d /tmp/mesodesk-pg-XXXXXX)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$dir"
  as_pg=(runuser -u postgres --)
fi
started=0
stop() {
  if [ "$started" -eq 1 ]; then
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM HUP
# A watchdog outside our process group: should this script be killed outright (SIGKILL
# from a test timeout), it stops the cluster and removes the directory once we are gone.
setsid -f bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done
  [ -f "$3/data/postmaster.pid" ] && $4 "$2/pg_ctl" -D "$3/data" -m immediate -w stop
  rm -rf "$3"' watchdog "$$" "$bindir" "$dir" "${as_pg[*]}" >/dev/null 2>&1 </dev/null

"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 \
  --locale=C >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }

# A free port: try random ones; the server refuses a port in use, then the next is tried.
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
  if "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null 2>&1; then
    started=1
    break
  fi
done
if [ "$started" -ne 1 ]; then
  echo "pg_harness: PostgreSQL did not start" >&2
  cat "$dir/server.log" >&2 || true
  exit 1
fi

export MESODESK_TEST_PG="postgresql://postgres@127.0.0.1:$port"
export MESODESK_TEST_PG_DATA="$dir/data" # for tests that stop and restart the server (pg_ctl)
status=0
"$@" || status=$?
exit "$status"
