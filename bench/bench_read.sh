#!/usr/bin/env bash
# bench_read.sh - the authenticated, audited patient read beside its floor, in one run.
#
#   bench/bench_read.sh [BUILD_DIR]
#
# 1. Generates BENCH_PATIENTS patients (default 1,000,000) with `mesodesk gen` into
#    BENCH_DIR/read-N.db, once: a later run reuses the file (remove it to regenerate).
# 2. Starts `mesodesk serve` on a free loopback port (BENCH_THREADS: its --threads, unset
#    = the server's default), signs in as the generated practitioner and runs
#    `wrk -t2 -c32 -d10s` on GET /api/v1/patients/{id}, rotating over BENCH_IDS ids
#    (read-patient.lua).  Every answer is an audited read (a durable audit entry).
# 3. Starts nginx as this user on another loopback port, with its own prefix and config in
#    a temporary directory, serving a static JSON file of the same size as the read's
#    body, and runs the same wrk on it.
# 4. Prints req/s, p99 and server CPU per request of each, with Mesodesk's ratios to nginx,
#    then runs bench_search on the same database.
# BENCH_PERF=FILE records the server's profile (perf record -g, or BENCH_PERF_FLAGS) during
# its wrk run.  BENCH_STAT=1 counts, with perf stat, the server's context switches and its
# pread, pwrite, fdatasync, futex and sendmsg calls during the run and prints each per
# request: counts that other processes on the machine do not change, unlike CPU time.
# Needs wrk and nginx (scripts/install-deps bench).  Exit status: 0 measured, 1 failure.
# BENCH_DURATION (10s), BENCH_CONNECTIONS (32) and BENCH_WRK_THREADS (2) change wrk's settings.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build}
mesodesk=$build/mesodesk
patients=${BENCH_PATIENTS:-1000000}
dir=${BENCH_DIR:-$root/var/bench}
ids_n=${BENCH_IDS:-10000}
duration=${BENCH_DURATION:-10s}
conns=${BENCH_CONNECTIONS:-32}
wthreads=${BENCH_WRK_THREADS:-2}
password=${BENCH_PASSWORD:-bench-read-password-1}
seed=1

for tool in wrk nginx curl sqlite3 python3; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "bench_read: $tool is missing (scripts/install-deps bench)" >&2
    exit 1
  }
done
[ -x "$mesodesk" ] || { echo "bench_read: no $mesodesk (make build)" >&2; exit 1; }

mkdir -p "$dir"
db=$dir/read-$patients.db
if [ ! -f "$db" ]; then
  echo "generating $patients patients into $db (once)"
  rm -f "$db" "$db-wal" "$db-shm"
  MESODESK_GEN_PASSWORD=$password /usr/bin/time -f "gen: %e s wall, %U s user, %S s sys" \
    "$mesodesk" gen --clinics 1 --patients "$patients" --seed $seed --db "$db" >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mesodesk-bench.XXXXXX")
server_pid=
nginx_started=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$nginx_started" ] && nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -s stop 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

. "$here/lib.sh"

wait_http() { # url
  for _ in $(seq 1 200); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "bench_read: nothing answers at $1" >&2
  return 1
}

# ---- Mesodesk ----
port=$(bench_free_port)
threads_flag=()
[ -n "${BENCH_THREADS:-}" ] && threads_flag=(--threads "$BENCH_THREADS")
"$mesodesk" serve --db "$db" --listen "127.0.0.1:$port" --kb "$root/kb" \
  --audit-log "$tmp/audit.log" --audit-key "$dir/audit.key" "${threads_flag[@]}" \
  >"$tmp/server.log" 2>&1 &
server_pid=$!
base=http://127.0.0.1:$port
wait_http "$base/healthz"

email="practitioner1@clinic1.seed$seed.example"
token=$(curl -fs "$base/api/v1/login" -d "{\"email\":\"$email\",\"password\":\"$password\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

sqlite3 "$db" "SELECT id FROM patients WHERE current = 1 ORDER BY random() LIMIT $ids_n" \
  >"$tmp/ids"
first=$(head -1 "$tmp/ids")
curl -fs -H "Authorization: Bearer $token" "$base/api/v1/patients/$first" >"$tmp/body.json"
size=$(stat -c %s "$tmp/body.json")

{
  echo "local ids = {"
  sed 's/.*/"&",/' "$tmp/ids"
  echo "}"
  echo "local token = \"$token\""
  cat "$here/read-patient.lua"
} >"$tmp/read.lua"

cpu_ticks() { # pids... -> user+system clock ticks of those processes
  local t=0 p
  for p in "$@"; do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}

run_wrk() { # url script -> "requests/s p99_us non2xx errors"
  wrk -t"$wthreads" -c"$conns" -d"$duration" -s "$2" "$1" | grep '^RESULT' | cut -d' ' -f2-
}

echo "wrk -t$wthreads -c$conns -d$duration, $patients patients, body $size bytes, $(nproc) cores"
perf_pid=
if [ -n "${BENCH_PERF:-}" ]; then # a profile of the server under the load, into $BENCH_PERF
  perf record ${BENCH_PERF_FLAGS:--g} -o "$BENCH_PERF" -p "$server_pid" >/dev/null 2>&1 &
  perf_pid=$!
fi
stat_pid=
stat_events=context-switches,syscalls:sys_enter_pread64,syscalls:sys_enter_pwrite64
stat_events=$stat_events,syscalls:sys_enter_fdatasync,syscalls:sys_enter_futex
stat_events=$stat_events,syscalls:sys_enter_sendmsg
if [ -n "${BENCH_STAT:-}" ]; then
  perf stat -x, -e "$stat_events" -o "$tmp/stat.csv" -p "$server_pid" >/dev/null 2>&1 &
  stat_pid=$!
fi
t0=$(cpu_ticks "$server_pid")
read -r m_rps m_p99 m_bad m_err m_req < <(run_wrk "$base" "$tmp/read.lua")
m_cpu=$(($(cpu_ticks "$server_pid") - t0))
if [ -n "$perf_pid" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
if [ -n "$stat_pid" ]; then
  kill -INT "$stat_pid"
  wait "$stat_pid" || true
  awk -F, -v n="$m_req" '$3 != "" && $1 ~ /^[0-9]/ {
    sub(/^syscalls:sys_enter_/, "", $3); printf "per request: %-18s %8.2f\n", $3, $1 / n }' \
    "$tmp/stat.csv"
fi
audited=$(sqlite3 "$db" "SELECT count(*) FROM audit_log WHERE action = 'read'")
kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
server_pid=

# ---- nginx, the floor ----
mkdir -p "$tmp/nginx/www"
cp "$tmp/body.json" "$tmp/nginx/www/patient.json"
bench_nginx_start "$tmp/nginx" auto "root $tmp/nginx/www;"
wait_http "http://127.0.0.1:$nport/patient.json"
printf 'local ids = {}\nlocal token = nil\n' >"$tmp/static.lua"
cat "$here/read-patient.lua" >>"$tmp/static.lua"
workers=$(pgrep -P "$(cat "$tmp/nginx/nginx.pid")" | tr '\n' ' ')
t0=$(cpu_ticks $workers)
read -r n_rps n_p99 n_bad n_err n_req < <(run_wrk "http://127.0.0.1:$nport" "$tmp/static.lua")
n_cpu=$(($(cpu_ticks $workers) - t0))

python3 - "$m_rps" "$m_p99" "$m_bad" "$m_err" "$n_rps" "$n_p99" "$n_bad" "$n_err" "$audited" \
  "$m_req" "$m_cpu" "$n_req" "$n_cpu" "$(getconf CLK_TCK)" "$(cat /proc/loadavg)" <<'EOF'
import sys
(m_rps, m_p99, m_bad, m_err, n_rps, n_p99, n_bad, n_err, audited,
 m_req, m_cpu, n_req, n_cpu, hz) = map(float, sys.argv[1:15])
m_us, n_us = m_cpu / hz * 1e6 / max(m_req, 1), n_cpu / hz * 1e6 / max(n_req, 1)
print(f"{'':24}{'req/s':>10}{'p99 ms':>10}{'CPU us/req':>12}{'non-2xx':>9}{'errors':>8}")
print(f"{'mesodesk patient read':24}{m_rps:10.0f}{m_p99/1000:10.2f}{m_us:12.1f}{m_bad:9.0f}{m_err:8.0f}")
print(f"{'nginx static file':24}{n_rps:10.0f}{n_p99/1000:10.2f}{n_us:12.1f}{n_bad:9.0f}{n_err:8.0f}")
print(f"ratio mesodesk/nginx: req/s {m_rps/n_rps:.2f}, p99 {m_p99/n_p99:.1f}x, CPU per request {m_us/max(n_us,0.01):.1f}x")
print(f"load average before the summary: {sys.argv[15]}")
print(f"audit 'read' entries in the database: {audited:.0f}")
print(f"target: >= 25000 req/s, p99 < 10 ms: "
      f"{'met' if m_rps >= 25000 and m_p99 < 10000 and m_bad == 0 else 'NOT met'}")
EOF

# Patient search on the same database (bench_search: name, prefix and birth date, beside
# raw SQLite running the same statements).
if [ -x "$build/bench_search" ]; then
  echo "== bench_search $db $seed $patients ${BENCH_SEARCHES:-500}"
  "$build/bench_search" "$db" $seed "$patients" "${BENCH_SEARCHES:-500}"
fi
