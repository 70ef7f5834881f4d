#!/usr/bin/env bash
# pg_statements.sh BUILD_DIR - every statement the core runs in the unit tests prepares on
# PostgreSQL.  Runs the unit groups that use tests/unit_db.h on SQLite with
# MESODESK_TEST_SQL_LOG (collecting every statement text, one a line), then, beside a
# throwaway PostgreSQL (tests/pg_harness.sh), test_store's replay test prepares each
# distinct statement there.  Fails when any group fails or any statement does not prepare.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp /tmp/mesodesk-sql-XXXXXX)
trap 'rm -f "$log" "$log.sorted"' EXIT
for t in test_store test_audit test_audit_query test_questionnaire test_search test_staff; do
  env -u MESODESK_TEST_PG MESODESK_TEST_SQL_LOG="$log" "$build/$t" >/dev/null 2>&1 ||
    { echo "pg_statements: $t failed on SQLite" >&2; exit 1; }
done
sort -u "$log" >"$log.sorted"
echo "pg_statements: $(wc -l <"$log.sorted") distinct statements collected"
MESODESK_TEST_SQL_REPLAY="$log.sorted" "$here/pg_harness.sh" "$build/test_store"
