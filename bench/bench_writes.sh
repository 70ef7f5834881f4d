#!/bin/sh
# bench_writes.sh - durable patient creates through the API, as wrk drives them.
#
# Starts the real server (build/mesodesk serve) on a fresh SQLite database in a
# temporary directory, signs in as the demo admin, and runs
#   wrk -t2 -c$CONNS -d$SECONDS -s post.lua
# where every request creates a patient with names of its own (a counter per wrk
# thread), so the duplicate check never answers 409.  Prints requests/s, the latency
# percentiles, the status counts and the size of the WAL at the end of the load; fails
# when any answer is not 201.
#
# Environment: BUILD (default build), DB (a postgresql:// URI of an empty database
# instead of the temporary SQLite file), CONNS (32), SECONDS (10), THREADS (server
# worker threads, default the server's), PERF=1 to run `perf record -g` on the server
# during the load (perf.data left in $PERF_OUT, default ./perf-writes.data); STAT=1 to count
# the server's context switches and pread/pwrite/fdatasync/futex calls per create (perf
# stat: counts that other processes on the machine do not change, unlike CPU time).
# Needs wrk (scripts/install-deps bench), curl and jq.
set -eu
BUILD=${BUILD:-build}
CONNS=${CONNS:-32}
SECONDS_=${SECONDS:-10}
# bash counts SECONDS up from 0 when the environment does not set it: 0 means "not given".
[ "$SECONDS_" -ge 1 ] || SECONDS_=10
BIN=$(cd "$BUILD" && pwd)/mesodesk
for t in wrk curl jq; do
    command -v $t >/dev/null || { echo "bench_writes: $t is not installed" >&2; exit 1; }
done
dir=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

db=${DB:-$dir/db}
. "$(dirname "$0")/lib.sh"
bench_serve_demo bench-writes-password-1
[ -n "${PID_FILE:-}" ] && echo "$pid" >"$PID_FILE"

cat >"$dir/post.lua" <<LUA
local n = 0
local id = 0
local statuses = {}
function setup(thread)
  id = id + 1
  thread:set("tid", id)
end
function init(args)
  statuses = {}
end
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
function request()
  n = n + 1
  local body = string.format(
    '{"given_name":"Bench%dx%d","family_name":"Writer%d","birth_date":"1980-01-01","sex":"unknown"}',
    tid, n, n)
  return wrk.format(nil, "/api/v1/patients", nil, body)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  io.write(string.format("creates/s %.0f p50 %.2f ms p99 %.2f ms max %.2f ms errors %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
LUA

if [ "${PERF:-0}" = 1 ]; then
    perf record ${PERF_FLAGS:--g} -o "${PERF_OUT:-perf-writes.data}" -p "$pid" -- sleep "$SECONDS_" \
        >/dev/null 2>&1 &
    perfpid=$!
fi
if [ "${STAT:-0}" = 1 ]; then
    ev=context-switches,syscalls:sys_enter_pread64,syscalls:sys_enter_pwrite64
    ev=$ev,syscalls:sys_enter_fdatasync,syscalls:sys_enter_futex
    perf stat -x, -e "$ev" -o "$dir/stat.csv" -p "$pid" -- sleep "$SECONDS_" >/dev/null 2>&1 &
    statpid=$!
fi
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
cpu0=$(cpu)
wt=2; [ "$CONNS" -lt 2 ] && wt=1
wrk -t$wt -c"$CONNS" -d"${SECONDS_}s" --latency -s "$dir/post.lua" "$base" >"$dir/wrk.out"
[ -n "${perfpid:-}" ] && wait "$perfpid"
[ -n "${statpid:-}" ] && wait "$statpid"
cpu1=$(cpu)
grep -E "Requests/sec|Latency|99%|Non-2xx|creates/s" "$dir/wrk.out"
reqs=$(awk '/requests in/ {print $1}' "$dir/wrk.out")
awk -v c=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v n="$reqs" \
    'BEGIN { if (n > 0) printf "server CPU per create: %.0f us (%d requests)\n", c / hz * 1e6 / n, n }'
[ -n "${statpid:-}" ] && awk -F, -v n="$reqs" '$3 != "" && $1 ~ /^[0-9]/ && n > 0 {
    sub(/^syscalls:sys_enter_/, "", $3); printf "per create: %-18s %8.2f\n", $3, $1 / n }' "$dir/stat.csv"
[ -z "${DB:-}" ] && [ -f "$db-wal" ] && echo "WAL at the end of the load: $(($(stat -c %s "$db-wal") / 1024)) KiB"
kill "$pid" && wait "$pid" || true
pid=
grep -o "commit.stopped.*" "$dir/server.log" || true
stored=$([ -z "${DB:-}" ] && sqlite3 "$dir/db" "SELECT COUNT(*) FROM patients WHERE given_name LIKE 'Bench%'" 2>/dev/null || echo "?")
echo "patients stored: $stored"
if grep -q "Non-2xx" "$dir/wrk.out"; then
    echo "bench_writes: some creates were not 201" >&2
    tail -5 "$dir/server.log" >&2
    exit 1
fi
