#!/usr/bin/env bash
# What `make run` will do, checked without doing it (make -n): the server gets the
# address and database that MESODESK_LISTEN / MESODESK_DB name, as the README says, and
# the CLI's help promises nothing that is not built.  Prints "N passed, N failed".
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${MESODESK_BIN:-$ROOT/build/mesodesk}"
pass=0 fail=0
check() { # name, condition result
  if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
serve_line() { (cd "$ROOT" && env "$@" make -n -s run 2>/dev/null | grep -- ' serve ' | tail -1); }

line=$(serve_line MESODESK_LISTEN=127.0.0.1:9311)
[[ "$line" == *"--listen 127.0.0.1:9311"* ]]; check "make run honours MESODESK_LISTEN ($line)" $?
line=$(serve_line MESODESK_DB=/tmp/mesodesk-elsewhere.db)
[[ "$line" == *"--db /tmp/mesodesk-elsewhere.db"* ]]; check "make run honours MESODESK_DB" $?
line=$(serve_line -u MESODESK_LISTEN -u MESODESK_DB)
[[ "$line" == *"--db var/mesodesk.db --listen 127.0.0.1:8080"* ]]; check "make run defaults" $?
line=$(cd "$ROOT" && make -n -s run LISTEN=127.0.0.1:9312 MESODESK_LISTEN=127.0.0.1:9313 2>/dev/null | grep -- ' serve ')
[[ "$line" == *"--listen 127.0.0.1:9312"* ]]; check "make run LISTEN= still wins" $?
msg=$(cd "$ROOT" && MESODESK_ADMIN_PASSWORD=x make -n run 2>/dev/null | grep -c 'password printed above')
[ "$msg" -ge 1 ] && (cd "$ROOT" && make -n run 2>/dev/null | grep -q 'MESODESK_ADMIN_PASSWORD'); check "make run names where the password is" $?

help=$("$BIN" --help 2>&1; "$BIN" serve --help 2>&1)
! grep -qi 'fhir' <<<"$help"; check "help does not promise a FHIR API that is not built" $?

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
