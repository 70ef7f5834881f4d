#!/usr/bin/env bash
# pg_away.sh - a PostgreSQL that goes away while the server runs (run under
# tests/pg_harness.sh, with MESODESK_BIN).  A signed-in read answers 200; with the
# database stopped, 503 and the server stays up; once it is back, 200 again, on the
# same server.  The URI's password appears in no log line and no response.
set -euo pipefail
bin=${MESODESK_BIN:?MESODESK_BIN is not set}
pgbin=${MESODESK_PG_BIN:-/usr/lib/postgresql/15/bin}
data=${MESODESK_TEST_PG_DATA:?run under tests/pg_harness.sh}
cluster=$(dirname "$data")
port=${MESODESK_TEST_PG##*:}
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)
work=$(mktemp -d /tmp/mesodesk-away-XXXXXX)
spid=
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "pg_away: $*" >&2; tail -20 "$work/serve.log" >&2 || true; exit 1; }

"$pgbin/psql" "$MESODESK_TEST_PG/postgres" -qc "CREATE DATABASE away"
secret=pw-$RANDOM$RANDOM
db="postgresql://postgres:$secret@127.0.0.1:$port/away" # trust auth: any password passes
export MESODESK_AUDIT_KEY=$work/audit.key MESODESK_AUDIT_LOG=$work/audit.log
export MESODESK_ADMIN_PASSWORD=away-admin-password MESODESK_DEMO_PASSWORD=away-demo-password
"$bin" demo --db "$db" >"$work/demo.log" 2>&1 || fail "demo failed: $(cat "$work/demo.log")"
"$bin" serve --db "$db" --listen 127.0.0.1:0 --port-file "$work/port" >"$work/serve.log" 2>&1 &
spid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || fail "the server did not start"
url=http://127.0.0.1:$(head -1 "$work/port")
login=$(curl -s -X POST "$url/api/v1/login" -H 'Content-Type: application/json' \
  -d '{"email":"admin@demo.clinic","password":"away-admin-password"}')
token=$(printf '%s' "$login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || fail "no token: $login"
read_status() {
  curl -s -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $token" "$url/api/v1/patients"
  cat "$work/body" >>"$work/bodies"
}

[ "$(read_status)" = 200 ] || fail "a read before the outage is not 200"
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
for i in 1 2 3; do
  st=$(read_status)
  [ "$st" = 503 ] || fail "read $i during the outage: $st, not 503"
done
kill -0 "$spid" || fail "the server died with the database"
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$data" -l "$cluster/restart.log" -w \
  -o "-p $port -k $cluster -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
ok=0
for _ in $(seq 20); do
  [ "$(read_status)" = 200 ] && { ok=1; break; }
  sleep 0.2
done
[ "$ok" = 1 ] || fail "no recovery once the database is back"
if grep -q "$secret" "$work/serve.log" "$work/bodies" "$work/demo.log"; then
  fail "the password of the URI was shown"
fi
echo "pg_away: 200, 503 while the database is down, 200 once it is back"
