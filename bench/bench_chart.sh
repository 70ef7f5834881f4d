#!/usr/bin/env bash
# bench_chart.sh - charting a complete six-zone session durably through the API, as wrk
# drives it, beside nginx (the HTTP floor) in the same run.
#
# Starts the real server on a fresh database (SQLite in a temporary directory, or DB, a
# postgresql:// URI of an empty database) with the demo clinic, then makes through the API
# (bench_chart_setup.py, 16 requests at a time) PATIENTS patients (default 1500), each with
# a facial course of 4 sessions whose every session is checked in, prechecked (every gate
# passes: screening today, signed treatment consent, the practitioner's licence, the lot
# and the needle lot; the chart policy asks no before photos) and started.  Then
#   wrk -t2 -c$CONNS -d$SECONDS -s chart.lua
# where every request is PUT /api/v1/sessions/{id}/chart of a session of its own (each wrk
# thread takes every other one): the injection record of six zones on the face maps, each
# entry checked against the maps, the kb's depth limit and the course's protocol and
# formulation, each dose an administration with its stock movement, the session's next
# version and the audit entries, all in one write committed (group commit) before the 200.
# Then nginx answers the same PUTs with a body of the same size.  Prints sessions/s, p99
# and server CPU per request of each, the ratio, the load average, and the administrations
# stored (6 per answered chart).  A run longer than the sessions made (PATIENTS x 4 at the
# rate reached) charts sessions twice: those answers are not 200 and the run fails; raise
# PATIENTS.
#
# Environment: BUILD (build), DB, PATIENTS (1500), CONNS (32), SECONDS (5), THREADS
# (server worker threads), PERF=1 to `perf record` (PERF_FLAGS, default -g) the server
# during the load into PERF_OUT (./perf-chart.data).  Needs wrk, nginx, curl, jq, python3.
# Exit 1 when a chart is not 200.
set -euo pipefail
BUILD=${BUILD:-build}
CONNS=${CONNS:-32}
SECONDS_=${SECONDS:-5}
# bash counts SECONDS up from 0 when the environment does not set it: 0 means "not given".
[ "$SECONDS_" -ge 1 ] || SECONDS_=5
PATIENTS=${PATIENTS:-1500}
BIN=$(cd "$BUILD" && pwd)/mesodesk
here=$(cd "$(dirname "$0")" && pwd)
for t in wrk nginx curl jq python3; do
  command -v $t >/dev/null || { echo "bench_chart: $t is not installed" >&2; exit 1; }
done
dir=$(mktemp -d)
pid=
nginx_started=
cleanup() {
  [ -n "${KEEP_LOG:-}" ] && cp "$dir/server.log" "$KEEP_LOG" 2>/dev/null
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "$nginx_started" ] && nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -s stop 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

db=${DB:-$dir/db}
. "$here/lib.sh"
bench_serve_demo bench-chart-password-1
t0s=$(date +%s)
python3 "$here/bench_chart_setup.py" "$base" "$token" "$PATIENTS" "$dir/setup.json" ||
  { tail -5 "$dir/server.log" >&2; exit 1; }
echo "setup: $(jq '.sessions | length' "$dir/setup.json") sessions in progress in $(($(date +%s) - t0s)) s"
started=$(date -u -d '-2 minutes' +%Y-%m-%dT%H:%M:%SZ)
python3 - "$dir/setup.json" "$token" "$started" "$dir/body.json" >"$dir/chart.lua" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
body = json.dumps({"technique": "point_by_point", "started_at": sys.argv[3],
                   "needle_lot_id": s["needle_lot_id"], "entries": s["entries"],
                   "notes": "Bench chart: six zones."}, separators=(",", ":"))
open(sys.argv[4], "w").write(body)
print("local ids = {" + ",".join('"%s"' % i for i in s["sessions"]) + "}")
print("local body = [[" + body + "]]")
print('''local n = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
wrk.method = "PUT"
wrk.headers["Authorization"] = "Bearer %s"
wrk.headers["Content-Type"] = "application/json"
function request()
  -- each thread its own sessions: tid, tid + 2, ...
  local i = (n * 2 + (tid - 1)) %% #ids + 1
  n = n + 1
  return wrk.format(nil, "/api/v1/sessions/" .. ids[i] .. "/chart", nil, body)
end''' % sys.argv[2])
PY
sample=$(jq -r '.sessions[-1]' "$dir/setup.json")
first=$(curl -sf -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  "$base/api/v1/sessions/$sample/chart" --data-binary @"$dir/body.json") ||
  { echo "bench_chart: the sample chart failed" >&2; tail -5 "$dir/server.log" >&2; exit 1; }

bench_load "$dir/chart.lua" perf-chart.data
stored=$([ -z "${DB:-}" ] && sqlite3 "$db" "SELECT count(*) FROM administrations WHERE status = 'given'" 2>/dev/null || echo "?")

# ---- nginx, the floor: the same PUTs answered 200 with a body of the same size ----
# (a session's answer is longer than nginx's `return` takes: a file, served for the PUT
# through the 405 its static module answers, as error_page's redirect makes it a GET)
mkdir -p "$dir/nginx/html"
printf '%s' "$first" >"$dir/nginx/html/answer.json"
bench_floor "$dir/chart.lua" "root $dir/nginx/html; location / { error_page 405 =200 /answer.json; }"
bench_summary "mesodesk chart (6 zones)" "nginx, same answer" \
  "administrations stored: $stored for $((m_req - m_bad + 1)) charts answered 200 (+1 sample), 6 each" \
  2000 "charted sessions"
[ "$m_bad" = 0 ] || { echo "bench_chart: some charts were not 200" >&2; exit 1; }
