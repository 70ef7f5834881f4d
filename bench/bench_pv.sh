#!/usr/bin/env bash
# bench_pv.sh - the signal report and the escalation worklist at the issue's size
# (5,000,000 sessions, about 100,000 complications), beside the floor of their statements.
#
#   1. `mesodesk gen` makes one clinic of PATIENTS patients (default 20000: about 100,000
#      charted sessions, 200,000 doses, 2,000 complications with their suspects, follow-ups
#      and escalations, 200,000 check-ins) into DB (default a SQLite file in WORK);
#   2. `bench_pv scale DB COPIES` copies the sessions, doses, lots, vials, complications and
#      suspects COPIES - 1 times with new ids (bench/bench_pv.c says exactly how), so that
#      PATIENTS x 5 x COPIES sessions are there (default 50 copies: 5,000,000);
#   3. `bench_pv run DB RUNS` times md_pv_signals and md_escalation_worklist RUNS times
#      (default 5) beside the raw statements, and prints their EXPLAIN QUERY PLAN (SQLite).
# Each step prints its wall and CPU time.  KEEP=1 keeps the database (WORK, default
# /tmp/bench-pv; about 1 GB per million sessions); a DB that already has sessions skips
# steps 1 and 2 (SKIP_GEN=1 forces that).  DB=postgresql://... (an empty database) runs it on
# PostgreSQL.  Environment: BUILD (build), PATIENTS, COPIES, RUNS, WORK, DB.
set -euo pipefail
BUILD=${BUILD:-build}
PATIENTS=${PATIENTS:-20000}
COPIES=${COPIES:-50}
RUNS=${RUNS:-5}
WORK=${WORK:-/tmp/bench-pv}
BIN=$(cd "$BUILD" && pwd)
mkdir -p "$WORK"
db=${DB:-$WORK/pv.db}
if [ -z "${KEEP:-}" ] && [ -z "${DB:-}" ]; then trap 'rm -f "$db" "$db-wal" "$db-shm"' EXIT; fi
echo "bench_pv: $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), db $db"
if [ -z "${SKIP_GEN:-}" ]; then
  MESODESK_GEN_PASSWORD=bench-pv-password-1 /usr/bin/time -f "gen: %e s wall, %U + %S s CPU" \
    "$BIN/mesodesk" gen --clinics 1 --patients "$PATIENTS" --seed 1 --db "$db" \
    --validate-every 0 >/dev/null
  /usr/bin/time -f "scale: %e s wall, %U + %S s CPU" "$BIN/bench_pv" scale "$db" "$COPIES" \
    2>&1 | tail -3
fi
[ -z "${DB:-}" ] && echo "database: $(du -sh "$db" | cut -f1)"
"$BIN/bench_pv" run "$db" "$RUNS"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
