#!/usr/bin/env bash
# bench_dose.sh - recording a dose durably through the API, as wrk drives it, beside nginx
# answering the same POSTs with a fixed body of the same size, in one run.
#
# Starts the real server (build/mesodesk serve) on a fresh database (the demo clinic: its
# admin and 20 patients), creates through the API a single-dose product and a lot of
# 1,000,000 ampoules, then runs
#   wrk -t2 -c$CONNS -d$SECONDS -s dose.lua
# where every request is POST /api/v1/patients/{id}/administrations (rotating over the 20
# patients): one administration record, one "used" stock movement and their audit entry,
# committed (group commit) before the 201.  Then nginx (as this user, its own prefix in a
# temporary directory) answers the same requests with `return 201` and a body of the same
# size.  Prints req/s, p99 and server CPU per request of each, the ratios, the load average,
# and the doses stored (which must equal the 201s).
#
# Environment: BUILD (build), DB (a postgresql:// URI of an empty database instead of the
# temporary SQLite file; bench/bench_writes_pg.sh with BENCH_SCRIPT=bench_dose.sh makes
# one), CONNS (32), SECONDS (10), THREADS (server worker threads), PERF=1 to record the
# server's profile (perf record -g) during its load into $PERF_OUT (perf-dose.data).
# Needs wrk, nginx, curl, jq (scripts/install-deps bench).  Exit 1 when a dose is not 201.
set -euo pipefail
BUILD=${BUILD:-build}
CONNS=${CONNS:-32}
SECONDS_=${SECONDS:-10}
# bash counts SECONDS up from 0 when the environment does not set it: 0 means "not given".
[ "$SECONDS_" -ge 1 ] || SECONDS_=10
BIN=$(cd "$BUILD" && pwd)/mesodesk
for t in wrk nginx curl jq python3; do
  command -v $t >/dev/null || { echo "bench_dose: $t is not installed" >&2; exit 1; }
done
dir=$(mktemp -d)
pid=
nginx_started=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "$nginx_started" ] && nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -s stop 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

db=${DB:-$dir/db}
. "$(dirname "$0")/lib.sh"
bench_serve_demo bench-dose-password-1
auth="Authorization: Bearer $token"
product=$(curl -sf -H "$auth" "$base/api/v1/products" -d '{"name":"Bench ampoule",
  "presentation":"single_dose","volume_ml":2,"base":"aqueous","regulatory":{"EU":"ce_marked"},
  "ingredients":[{"ingredient":"hyaluronic_acid","concentration":"1%"}]}' | jq -r .id)
lot=$(curl -sf -H "$auth" "$base/api/v1/lots" -d "{\"product_id\":\"$product\",
  \"lot_number\":\"BENCH-1\",\"expiry\":\"2099-12-31\",\"received_on\":\"2026-01-01\",
  \"quantity\":1000000,\"unit\":\"ampoule\"}" | jq -r .id)
ids=$(curl -sf -H "$auth" "$base/api/v1/patients?limit=20" | jq -r '[.items[].id] | map("\"" + . + "\"") | join(",")')
body="{\"lot_id\":\"$lot\",\"volume_ml\":0.5,\"route\":\"intradermal\",\"context\":\"session\"}"
sample=$(curl -sf -H "$auth" "$base/api/v1/patients/$(echo "$ids" | cut -d'"' -f2)/administrations" -d "$body")
[ -n "$sample" ] || { echo "bench_dose: the sample dose failed" >&2; tail -5 "$dir/server.log" >&2; exit 1; }

cat >"$dir/dose.lua" <<LUA
local ids = {$ids}
local n = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$body'
function request()
  n = n + 1
  return wrk.format(nil, "/api/v1/patients/" .. ids[(n % #ids) + 1] .. "/administrations")
end
LUA


if [ "${PERF:-0}" = 1 ]; then
  perf record -g -o "${PERF_OUT:-perf-dose.data}" -p "$pid" -- sleep "$SECONDS_" >/dev/null 2>&1 &
  perfpid=$!
fi
t0=$(bench_ticks "$pid")
read -r m_rps m_p99 m_req m_bad < <(bench_wrk "$base" "$dir/dose.lua")
m_cpu=$(($(bench_ticks "$pid") - t0))
[ -n "${perfpid:-}" ] && wait "$perfpid"
doses=$(curl -sf -H "$auth" "$base/api/v1/lots/$lot/movements" | jq '[.items[] | select(.kind == "used")] | length')
kill "$pid" && wait "$pid" || true
pid=
grep -o "commit.stopped.*" "$dir/server.log" || true

# ---- nginx, the floor: the same POSTs answered 201 with a body of the same size ----
fixed=$(printf '%s' "$sample" | sed "s/'/ /g")
bench_nginx_start "$dir/nginx" 2 "location / { return 201 '$fixed'; }"
sleep 0.3
workers=$(pgrep -P "$(cat "$dir/nginx/nginx.pid")" | tr '\n' ' ')
t0=$(bench_ticks $workers)
read -r n_rps n_p99 n_req n_bad < <(bench_wrk "http://127.0.0.1:$nport" "$dir/dose.lua")
n_cpu=$(($(bench_ticks $workers) - t0))

python3 - "$m_rps" "$m_p99" "$m_req" "$m_bad" "$m_cpu" "$n_rps" "$n_p99" "$n_req" "$n_bad" \
  "$n_cpu" "$(getconf CLK_TCK)" "$doses" "$(cat /proc/loadavg)" "${DB:+postgresql}" <<'PY'
import sys
a = sys.argv[1:]
m_rps, m_p99, m_req, m_bad, m_cpu, n_rps, n_p99, n_req, n_bad, n_cpu, hz, doses = map(float, a[:12])
m_us, n_us = m_cpu / hz * 1e6 / max(m_req, 1), n_cpu / hz * 1e6 / max(n_req, 1)
print(f"backend: {a[13] or 'sqlite'}")
print(f"{'':26}{'req/s':>10}{'p99 ms':>10}{'CPU us/req':>12}{'non-2xx':>9}")
print(f"{'mesodesk dose (durable)':26}{m_rps:10.0f}{m_p99/1000:10.2f}{m_us:12.1f}{m_bad:9.0f}")
print(f"{'nginx return 201':26}{n_rps:10.0f}{n_p99/1000:10.2f}{n_us:12.1f}{n_bad:9.0f}")
print(f"ratio mesodesk/nginx: req/s {m_rps/n_rps:.3f}, p99 {m_p99/max(n_p99,1):.1f}x, CPU per request {m_us/max(n_us,0.01):.1f}x")
print(f"doses stored (used movements): {doses:.0f} of {m_req - m_bad + 1:.0f} answered 201 (+1 sample)")
print(f"load average: {a[12]}")
print(f"target >= 5000 doses/s: {'met' if m_rps >= 5000 and m_bad == 0 else 'NOT met'}")
PY
[ "$m_bad" = 0 ] || { echo "bench_dose: some doses were not 201" >&2; exit 1; }
