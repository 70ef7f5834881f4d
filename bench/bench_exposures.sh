#!/usr/bin/env bash
# bench_exposures.sh - a lot's exposures at BENCH_PATIENTS generated patients (default
# 1,000,000, about five doses each) beside raw SQLite or libpq running the same statement
# (bench_exposures, in one run).
#
#   bench/bench_exposures.sh [BUILD_DIR]
#
# SQLite: generates into BENCH_DIR/recall-N.db once (a later run reuses it).  With DB (a
# postgresql:// URI of an empty database; bench/bench_writes_pg.sh with
# BENCH_SCRIPT=bench_exposures.sh makes one) it generates into that database first; there
# `mesodesk demo` runs before `mesodesk gen`, so the generator takes its row-by-row path
# (its fresh-load path stages search keys in statements of more parameters than store_pg
# binds), then ANALYZE.  BENCH_QUERIES (500) exposures are timed.  Exit 0 when measured, 1 on a failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-${BUILD:-$root/build}}
build=$(cd "$build" && pwd)
patients=${BENCH_PATIENTS:-1000000}
dir=${BENCH_DIR:-$root/var/bench}
gen() {
  /usr/bin/time -f "gen: %e s wall, %U s user, %S s sys" "$build/mesodesk" gen --clinics 1 \
    --patients "$patients" --seed 1 --db "$1" --validate-every 0 >/dev/null
}
if [ -n "${DB:-}" ]; then
  db=$DB
  MESODESK_ADMIN_PASSWORD=bench-exposures-1 "$build/mesodesk" demo --db "$db" >/dev/null
  echo "generating $patients patients into the PostgreSQL database"
  gen "$db"
  # Statistics for the planner: right after a bulk load autovacuum has not analysed the
  # tables yet, and with empty statistics PostgreSQL joins the patients by clinic only
  # (274 ms instead of 9 ms for one lot at 3,000 patients, docs/BENCHMARKS.md).
  "${MESODESK_PG_BIN:-/usr/lib/postgresql/15/bin}/psql" "$db" -qc ANALYZE
else
  mkdir -p "$dir"
  db=$dir/recall-$patients.db
  if [ ! -f "$db" ]; then
    echo "generating $patients patients into $db (once)"
    gen "$db"
  fi
fi
echo "load average: $(cat /proc/loadavg)"
"$build/bench_exposures" "$db" "${BENCH_QUERIES:-500}"
