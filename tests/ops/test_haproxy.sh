#!/usr/bin/env bash
# test_haproxy.sh - a chain's set-up on loopback (run under tests/pg_harness.sh, with
# MESODESK_BIN): one PostgreSQL, two Mesodesk processes on it, HAProxy in front.
#
#   clients (curl) --> HAProxy :H --roundrobin--> mesodesk A :PA --\
#                                              \-> mesodesk B :PB ---> PostgreSQL
#
# CLIENTS clients create patients through HAProxy for LOAD_SECONDS; KILL_AT seconds in,
# A is killed with SIGKILL (no drain, no clean shutdown), and restarted on its port
# RESTART_AT seconds in.  Then:
#   - every acknowledged write (201 with an id) is in the database, with its audit entry;
#   - `mesodesk audit verify` finds every clinic's chain intact;
#   - the sign-in throttle holds across both processes: 5 failed sign-ins for one email,
#     spread over A and B, and the next is 429 on either (and through HAProxy).
# Prints the figures (creates acknowledged and per second, answered otherwise, stored
# without an answer, stored twice by a resend) and exits 0 when all hold.  KEEP=1 keeps
# the working directory.
set -euo pipefail
bin=${MESODESK_BIN:?MESODESK_BIN is not set}
pgbin=${MESODESK_PG_BIN:-/usr/lib/postgresql/15/bin}
: "${MESODESK_TEST_PG:?run under tests/pg_harness.sh}"
haproxy=${HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)}
[ -x "$haproxy" ] || { echo "test_haproxy: no haproxy (scripts/install-deps installs it)" >&2; exit 1; }
CLIENTS=${CLIENTS:-4}
LOAD_SECONDS=${LOAD_SECONDS:-8}
KILL_AT=${KILL_AT:-3}
RESTART_AT=${RESTART_AT:-5}

work=$(mktemp -d /tmp/mesodesk-ha-XXXXXX)
pids=() # every process this script starts, stopped by pid at the end
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ "${keep:-0}" = 1 ] || [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "test_haproxy: $*" >&2
  for f in "$work"/*.log; do echo "---- $f" >&2; tail -15 "$f" >&2; done
  keep=1
  echo "files kept in $work" >&2
  exit 1
}
now_ms() { date +%s%3N; }
sql() { "$pgbin/psql" "$db" -qAtc "$1"; }

name=mdha_$$
"$pgbin/psql" "$MESODESK_TEST_PG/postgres" -qc "CREATE DATABASE $name"
db=$MESODESK_TEST_PG/$name
export MESODESK_AUDIT_KEY=$work/audit.key MESODESK_AUDIT_LOG=$work/audit-checkpoints.log
export MESODESK_ADMIN_PASSWORD=ha-admin-password MESODESK_DEMO_PASSWORD=ha-demo-password
"$bin" demo --db "$db" >"$work/demo.log" 2>&1 || fail "demo failed"

# serve NAME LISTEN: a Mesodesk process that believes HAProxy's X-Forwarded-For.
serve() {
  rm -f "$work/port-$1"
  "$bin" serve --db "$db" --listen "$2" --port-file "$work/port-$1" \
    --trusted-proxy 127.0.0.1 >>"$work/serve-$1.log" 2>&1 &
  pids+=($!)
  eval "pid_$1=$!"
  for _ in $(seq 200); do [ -s "$work/port-$1" ] && break; sleep 0.05; done
  [ -s "$work/port-$1" ] || fail "mesodesk $1 did not start"
  eval "port_$1=$(head -1 "$work/port-$1")"
}
serve a 127.0.0.1:0
serve b 127.0.0.1:0

# HAProxy on a free port: a refused bind makes it exit at once, then the next is tried.
for _ in 1 2 3 4 5 6 7 8 9 10; do
  port_h=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
  cat >"$work/haproxy.cfg" <<EOF
global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch 1
frontend mesodesk
    bind 127.0.0.1:$port_h
    option forwardfor
    default_backend mesodesk
backend mesodesk
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 200ms fall 2 rise 2
    server a 127.0.0.1:$port_a check
    server b 127.0.0.1:$port_b check
EOF
  "$haproxy" -f "$work/haproxy.cfg" -db >>"$work/haproxy.log" 2>&1 &
  hpid=$!
  sleep 0.3
  if kill -0 "$hpid" 2>/dev/null && curl -sf -o /dev/null "http://127.0.0.1:$port_h/healthz"; then
    pids+=("$hpid")
    break
  fi
  kill "$hpid" 2>/dev/null || true
  wait "$hpid" 2>/dev/null || true
  hpid=
done
[ -n "${hpid:-}" ] || fail "haproxy did not start"
ha=http://127.0.0.1:$port_h

login=$(curl -s -X POST "$ha/api/v1/login" -H 'Content-Type: application/json' \
  -d '{"email":"reception@demo.clinic","password":"ha-demo-password"}')
token=$(printf '%s' "$login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || fail "no token: $login"

# client N: one curl process creating patients one after another on a kept-alive
# connection (a config of MAX_REQUESTS requests), until it is stopped; each answer's status
# goes to answers-N ("STATUS N-I"), its body to r/N-I.
MAX_REQUESTS=${MAX_REQUESTS:-3000} # more than a client gets through in LOAD_SECONDS
mkdir -p "$work/r"
client_config() {
  local n=$1 i
  for i in $(seq "$MAX_REQUESTS"); do
    printf 'url = "%s/api/v1/patients"\nheader = "Authorization: Bearer %s"\n' "$ha" "$token"
    printf 'header = "Content-Type: application/json"\nmax-time = 20\n'
    printf 'data = "{\\"given_name\\":\\"Load\\",\\"family_name\\":\\"Client%s Number%s\\",' "$n" "$i"
    printf '\\"birth_date\\":\\"1980-01-01\\",\\"sex\\":\\"female\\",\\"confirm_not_duplicate\\":true}"\n'
    printf 'output = "%s/r/%s-%s"\nwrite-out = "%%{stderr}%%{http_code} %s-%s\\n"\nnext\n' "$work" "$n" "$i" "$n" "$i"
  done >"$work/client-$n.cfg"
}
for n in $(seq "$CLIENTS"); do client_config "$n"; done

start=$(now_ms)
cpids=()
for n in $(seq "$CLIENTS"); do
  curl -s -K "$work/client-$n.cfg" 2>"$work/answers-$n" &
  cpids+=($!)
done
pids+=("${cpids[@]}")
sleep "$KILL_AT"
kill -KILL "$pid_a"
wait "$pid_a" 2>/dev/null || true
killed_at=$(($(now_ms) - start))
sleep $((RESTART_AT - KILL_AT))
serve a "127.0.0.1:$port_a"
sleep $((LOAD_SECONDS - RESTART_AT))
for p in "${cpids[@]}"; do kill "$p" 2>/dev/null || true; done
for p in "${cpids[@]}"; do wait "$p" 2>/dev/null || true; done
elapsed=$(($(now_ms) - start))

# Only complete lines count: the request in flight when a client was stopped has none.
for n in $(seq "$CLIENTS"); do
  grep -E '^[0-9]{3} [0-9]+-[0-9]+$' "$work/answers-$n" || true
done >"$work/answers"
awk '$1 == 201 { print $2 }' "$work/answers" | while read -r r; do
  grep -o '"id":"[0-9a-f]\{32\}"' "$work/r/$r" | head -1 | cut -d'"' -f4
done >"$work/acked-all"
awk '$1 != 201 { print $1 }' "$work/answers" >"$work/refused-all"
sort "$work/acked-all" >"$work/acked"
acked=$(grep -c . "$work/acked" || true)
[ "$acked" = "$(awk '$1 == 201' "$work/answers" | grep -c . || true)" ] || fail "a 201 without an id"
refused=$(grep -c . "$work/refused-all" || true)
codes=$(sort "$work/refused-all" | uniq -c | awk '{ printf "%s x%s ", $2, $1 }')
[ "$acked" -gt 0 ] || fail "no create was acknowledged"
[ "$(uniq -d "$work/acked" | grep -c . || true)" = 0 ] || fail "an id was acknowledged twice"
# Both processes served, and B carried the load while A was down.
grep -q 'path=/api/v1/patients status=201' "$work/serve-a.log" || fail "A served no create"
grep -q 'path=/api/v1/patients status=201' "$work/serve-b.log" || fail "B served no create"

# Every acknowledged id is a patient, with its create in the audit trail.
ids=$(sed "s/.*/'&'/" "$work/acked" | paste -sd,)
found=$(sql "SELECT count(DISTINCT id) FROM patients WHERE id IN ($ids)")
[ "$found" = "$acked" ] || fail "$acked creates acknowledged, $found in the database"
audited=$(sql "SELECT count(DISTINCT object_id) FROM audit_log WHERE action = 'create' AND object_id IN ($ids)")
[ "$audited" = "$acked" ] || fail "$acked creates acknowledged, $audited audited"

# Creates that were stored but never answered (in flight on A when it was killed, or on a
# client when it was stopped): allowed, and counted for the report.
stored=$(sql "SELECT count(DISTINCT id) FROM patients WHERE given_name = 'Load'")
unanswered=$((stored - acked))
# A create sent twice (a proxy resending a POST) would be two patients with one name.
resent=$(sql "SELECT count(*) FROM (SELECT family_name FROM patients WHERE given_name = 'Load' GROUP BY family_name HAVING count(DISTINCT id) > 1) AS d")

"$bin" audit verify --db "$db" >"$work/verify.log" 2>&1 || fail "audit verify: $(cat "$work/verify.log")"

# The throttle, across both processes: five failures spread over A and B ...
sign_in() { # URL EMAIL PASSWORD -> status
  curl -s -o /dev/null -w '%{http_code}' -X POST "$1/api/v1/login" \
    -H 'Content-Type: application/json' -d "{\"email\":\"$2\",\"password\":\"$3\"}"
}
a=http://127.0.0.1:$port_a
b=http://127.0.0.1:$port_b
for i in 1 2 3 4 5; do
  if [ $((i % 2)) = 1 ]; then u=$a; else u=$b; fi
  st=$(sign_in "$u" practitioner@demo.clinic wrong-password-$i)
  [ "$st" = 401 ] || fail "failed sign-in $i: $st, not 401"
done
# ... and the next is refused by either, even with the right password, and through HAProxy.
for u in "$a" "$b" "$ha"; do
  st=$(sign_in "$u" practitioner@demo.clinic ha-demo-password)
  [ "$st" = 429 ] || fail "sign-in after five failures via $u: $st, not 429"
done

rate=$((acked * 1000 / elapsed))
echo "test_haproxy: $CLIENTS clients, ${elapsed} ms: $acked creates acknowledged ($rate/s), all present and audited;" \
  "$refused answered otherwise [${codes% }], $unanswered stored without an answer, $resent sent twice;" \
  "A killed at ${killed_at} ms and restarted;" \
  "audit chains verify; the throttle held across both processes"
