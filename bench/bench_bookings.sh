#!/usr/bin/env bash
# bench_bookings.sh - a durable booking through the API, with its checks, as wrk drives it,
# beside nginx (the HTTP floor) in the same run.
#
# Starts the real server on a fresh database (SQLite in a temporary directory, or DB, a
# postgresql:// URI of an empty database) with the demo clinic, records its hours (every day
# 00:00-24:00, Europe/London) and two rooms, then runs
#   wrk -t2 -c$CONNS -d$SECONDS -s book.lua
# where every request is POST /api/v1/appointments for one of two practitioner-and-room
# pairs (the demo practitioner, the demo admin), rotating over the 20 demo patients, at a
# 30-minute slot of its own (a counter per wrk thread): each booking reads the clinic's
# zone, converts start_local through the zone, checks the patient, the room, the hours,
# the availability, then inside the write locks the practitioner and the room, runs both
# conflict probes (index ranges), inserts the appointment and its audit entry, committed
# (group commit) before the 201.  Then nginx answers the same POSTs with a body of the same
# size.  Prints req/s, p99 and server CPU per request of each, the ratio, the load average,
# and the appointments stored.
#
# Environment: BUILD (build), DB, CONNS (32), SECONDS (10), THREADS (server worker
# threads), PERF=1 to `perf record -g` (PERF_FLAGS) the server during the load (PERF_OUT, default
# ./perf-bookings.data).  Needs wrk, nginx, curl, jq, python3 (scripts/install-deps bench).
# Exit 1 when a booking is not 201.
set -euo pipefail
BUILD=${BUILD:-build}
CONNS=${CONNS:-32}
SECONDS_=${SECONDS:-10}
# bash counts SECONDS up from 0 when the environment does not set it: 0 means "not given".
[ "$SECONDS_" -ge 1 ] || SECONDS_=10
BIN=$(cd "$BUILD" && pwd)/mesodesk
for t in wrk nginx curl jq python3; do
  command -v $t >/dev/null || { echo "bench_bookings: $t is not installed" >&2; exit 1; }
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
bench_serve_demo bench-bookings-password-1
auth="Authorization: Bearer $token"
day='[{"from":"00:00","to":"24:00"}]'
curl -sf -X PUT -H "$auth" "$base/api/v1/schedule/hours" -d "{\"weekly\":{\"mon\":$day,\
\"tue\":$day,\"wed\":$day,\"thu\":$day,\"fri\":$day,\"sat\":$day,\"sun\":$day}}" >/dev/null
room1=$(curl -sf -H "$auth" "$base/api/v1/rooms" -d '{"name":"Bench room 1"}' | jq -r .id)
room2=$(curl -sf -H "$auth" "$base/api/v1/rooms" -d '{"name":"Bench room 2"}' | jq -r .id)
staff=$(curl -sf -H "$auth" "$base/api/v1/staff")
pract=$(echo "$staff" | jq -r '[.items[] | select(.role == "practitioner")][0].id')
admin=$(echo "$staff" | jq -r '[.items[] | select(.role == "admin")][0].id')
ids=$(curl -sf -H "$auth" "$base/api/v1/patients?limit=20" | jq -r '[.items[].id] | map("\"" + . + "\"") | join(",")')
# Slots from the next Monday 00:00 UTC, 60 days ahead: past no clock change for a while.
base_epoch=$(python3 -c 'import time; t = int(time.time()) + 60 * 86400; print(t - t % 86400)')
first=$(curl -sf -H "$auth" "$base/api/v1/appointments" -d "{\"patient_id\":$(echo "$ids" | cut -d, -f1),\
\"practitioner_id\":\"$pract\",\"room_id\":\"$room1\",\"kind\":\"consultation\",\
\"start\":\"$(date -u -d "@$((base_epoch - 86400))" +%Y-%m-%dT%H:%M:%SZ)\",\"duration_minutes\":30}")
[ -n "$first" ] || { echo "bench_bookings: the sample booking failed" >&2; tail -5 "$dir/server.log" >&2; exit 1; }

cat >"$dir/book.lua" <<LUA
local ids = {$ids}
local pairs_ = {{"$pract", "$room1"}, {"$admin", "$room2"}}
local n = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
function request()
  n = n + 1
  local pair = pairs_[(n % 2) + 1]
  -- A slot of its own: per pair, thread tid takes every other 30-minute slot.
  local slot = math.floor(n / 2) * 2 + (tid - 1)
  local start = os.date("!%Y-%m-%dT%H:%M:%SZ", $base_epoch + slot * 1800)
  local body = string.format('{"patient_id":"%s","practitioner_id":"%s","room_id":"%s",'
    .. '"kind":"consultation","start":"%s","duration_minutes":30}',
    ids[(n % #ids) + 1], pair[1], pair[2], start)
  return wrk.format(nil, "/api/v1/appointments", nil, body)
end
LUA


bench_load "$dir/book.lua" perf-bookings.data
stored=$([ -z "${DB:-}" ] && sqlite3 "$db" "SELECT count(*) FROM appointments" 2>/dev/null || echo "?")

# ---- nginx, the floor: the same POSTs answered 201 with a body of the same size ----
fixed=$(printf '%s' "$first" | sed "s/'/ /g")
bench_floor "$dir/book.lua" "location / { return 201 '$fixed'; }"
bench_summary "mesodesk booking" "nginx return 201" \
  "appointments stored: $stored of $((m_req - m_bad + 1)) answered 201 (+1 sample)" 5000 bookings
[ "$m_bad" = 0 ] || { echo "bench_bookings: some bookings were not 201" >&2; exit 1; }
