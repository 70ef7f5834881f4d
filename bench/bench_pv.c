/*
 * bench_pv - the signal report (md_pv_signals) and the escalation worklist
 * (md_escalation_worklist) on a generated database, beside the floor of their main
 * statements through the backend's own client.
 *
 *   mesodesk gen --db DB --clinics 1 --patients 20000 --seed 1
 *   bench_pv scale DB COPIES     copy the clinic's sessions COPIES - 1 times (below)
 *   bench_pv run DB [RUNS]       time each RUNS times (default 5)
 *
 * scale: the tables the signal report reads (treatment_sessions, administrations, lots,
 * vials, complications, complication_suspects) get COPIES - 1 copies of every generated row
 * (reason "generated"), each copy k with new ids: every id column (the record's own, its
 * patient, course, session, lot, vial, complication, and a suspect's session, administration,
 * lot or vial) drops its first 4 hex digits and ends in k as 4 hex digits (so no copy can
 * meet its original, whatever digits that ends in); products,
 * practitioners, days, states, codes and onsets are the original's.  So every lot of the
 * copy serves as many doses as a generated one, and a copy's complications name its own
 * lots and sessions (the seeded cluster too: COPIES clusters).  The copied sessions keep
 * their columns but carry their JSON members (events, chart ...) as "[]" or null: the report
 * reads none of them, and 5,000,000 full charts would need some 40 GB.  JSON members of the
 * copied complications (suspects) keep the original's ids; the report reads the suspects
 * table.  Follow-ups, escalations and check-ins are not copied (the worklist is measured on
 * what the generator made).  Every statement is one INSERT ... SELECT per table and copy,
 * with the suffix a bound parameter (the same SQL on SQLite and PostgreSQL).
 *
 * run: prints the rows of each table, then for each RUNS times:
 *   signals   md_pv_signals (JSON, the clusters' complications audited durably);
 *   worklist  md_escalation_worklist (JSON, each patient listed audited durably);
 *   floor_*   the report's heaviest statements (as signal.c wrote them when this bench was
 *             made) through raw sqlite3 or libpq, every row read, nothing built;
 * the median and the best in ms, and (SQLite) EXPLAIN QUERY PLAN of the floor statements.
 * Exit 0 when measured, 1 on a failure, 2 on bad usage.
 */
#include "mesodesk/audit.h"
#include "mesodesk/complication.h"
#include "mesodesk/kb.h"
#include "mesodesk/pv.h"
#include "mesodesk/record.h"
#include "mesodesk/sbuf.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS_MAX 100

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* CPU time of the calling thread: what a run costs on a machine others are loading. */
static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- scale ---- */

/* The id columns a copy renames (every table's "id" too). */
static const char *const id_columns[] = {"patient_id", "course_id",       "appointment_id",
                                         "context_id", "lot_id",          "vial_id",
                                         "session_id", "complication_id", NULL};
/* The session kind's JSON members, copied as "[]" (NOT NULL) or null. */
static const char *const session_json[] = {"materials",  "prechecks", "chart",   "warnings",
                                           "completion", "review",    "signoff", "aftercare",
                                           "addenda",    NULL};

static int listed(const char *const *list, const char *s)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0) return 1;
    return 0;
}

static const md_record_kind *kind_named(const char *name)
{
    for (int i = 0; md_kinds[i]; i++)
        if (strcmp(md_kinds[i]->name, name) == 0) return md_kinds[i];
    return NULL;
}

/* One column of the copy's select list. */
static void copy_col(md_sbuf *b, const char *table, const char *col)
{
    if (strcmp(col, "id") == 0 || listed(id_columns, col))
        md_sbuf_appendf(b, "CASE WHEN %s IS NULL THEN NULL ELSE substr(%s, 5) || $1 END", col, col);
    else if (strcmp(table, "treatment_sessions") == 0 && strcmp(col, "events") == 0)
        md_sbuf_append(b, "'[]'");
    else if (strcmp(table, "treatment_sessions") == 0 && listed(session_json, col))
        md_sbuf_append(b, "NULL");
    else if (strcmp(col, "reason") == 0)
        md_sbuf_append(b, "'copied'");
    else
        md_sbuf_append(b, col);
}

/* "INSERT INTO k (cols) SELECT <copy of each col> FROM k WHERE reason = 'generated'". */
static int copy_sql(const md_record_kind *k, char *sql, size_t n)
{
    static const char *const base[] = {"clinic_id",   "id",          "version", "current",
                                       "recorded_by", "recorded_at", "reason",  NULL};
    md_sbuf b, s;
    char sel[8192];
    md_sbuf_init(&b, sql, n);
    md_sbuf_init(&s, sel, sizeof sel);
    md_sbuf_appendf(&b, "INSERT INTO %s (", k->table);
    int first = 1;
    for (int pass = 0; pass < 3; pass++) {
        for (int i = 0;; i++) {
            const char *col = pass == 0   ? base[i]
                              : pass == 1 ? (i == 0 && k->has_parent ? "patient_id" : NULL)
                                          : k->fields[i].name;
            if (!col) break;
            md_sbuf_appendf(&b, "%s%s", first ? "" : ", ", col);
            md_sbuf_append(&s, first ? "" : ", ");
            copy_col(&s, k->table, col);
            first = 0;
        }
    }
    md_sbuf_appendf(&b, ") SELECT %s FROM %s WHERE reason = 'generated'", sel, k->table);
    return md_sbuf_ok(&b) && md_sbuf_ok(&s) ? 0 : -1;
}

static int scale(md_store *db, long copies, md_err *err)
{
    static const char *const kinds[] = {
        "treatment_session", "administration", "lot", "vial", "complication", NULL};
    static const char suspects[] =
        "INSERT INTO complication_suspects (clinic_id, complication_id, version, patient_id, "
        "kind, ref_id, onset_on, code, current) SELECT s.clinic_id, substr(s.complication_id, "
        "5) || $1, s.version, substr(s.patient_id, 5) || $1, s.kind, CASE WHEN s.kind IN "
        "('session', 'administration', 'lot', 'vial') THEN substr(s.ref_id, 5) || $1 ELSE "
        "s.ref_id END, s.onset_on, s.code, s.current FROM complication_suspects s JOIN "
        "complications c ON c.clinic_id = s.clinic_id AND c.id = s.complication_id AND "
        "c.reason = 'generated'";
    char sql[5][16384];
    for (int i = 0; kinds[i]; i++) {
        const md_record_kind *k = kind_named(kinds[i]);
        if (!k || copy_sql(k, sql[i], sizeof sql[i]) != 0) {
            fprintf(stderr, "bench_pv: no kind %s, or its copy does not fit\n", kinds[i]);
            return -1;
        }
    }
    if (md_store_bulk(db, 1, err) != MD_OK) return -1;
    for (long c = 1; c < copies; c++) {
        char suffix[24];
        double t0 = now_ms();
        snprintf(suffix, sizeof suffix, "%04lx", c);
        md_val v[] = {md_text(suffix)};
        md_code rc = md_store_begin(db, err);
        for (int i = 0; rc == MD_OK && kinds[i]; i++)
            rc = md_store_exec(db, sql[i], v, 1, NULL, NULL, err);
        if (rc == MD_OK) rc = md_store_exec(db, suspects, v, 1, NULL, NULL, err);
        if ((rc = md_store_finish(db, rc, err)) != MD_OK) return -1;
        fprintf(stderr, "copy %ld of %ld: %.1f s\n", c, copies - 1, (now_ms() - t0) / 1e3);
    }
    md_store_bulk(db, 0, NULL);
    return 0;
}

/* ---- run ---- */

/* The floor: the report's heaviest statements, as signal.c had them (with $2, $3 null). */
#define F_SESSION_OK "t.current = 1 AND t.state IN ('completed', 'signed_off')"
#define F_USES                                                                                     \
    "FROM administrations a JOIN treatment_sessions t ON t.clinic_id = a.clinic_id AND "           \
    "t.id = a.context_id AND " F_SESSION_OK " WHERE a.clinic_id = $1 AND a.current = 1 AND "       \
    "a.status = 'given' AND a.context = 'session' "

static struct {
    const char *name, *sql;
} floors[] = {
    {"sessions",
     "SELECT count(*) FROM treatment_sessions t WHERE t.clinic_id = $1 AND " F_SESSION_OK},
    {"uses_by_product", "SELECT a.product_id, count(DISTINCT a.context_id) " F_USES
                        "AND a.product_id IS NOT NULL GROUP BY a.product_id ORDER BY "
                        "a.product_id"},
    {"uses_by_lot", "SELECT a.lot_id, count(DISTINCT a.context_id) " F_USES
                    "AND a.lot_id IS NOT NULL GROUP BY a.lot_id ORDER BY a.lot_id"},
    {"by_practitioner",
     "SELECT t.practitioner_id, count(*) FROM treatment_sessions t WHERE "
     "t.clinic_id = $1 AND " F_SESSION_OK " GROUP BY t.practitioner_id ORDER BY t.practitioner_id"},
    {"events_by_lot",
     "SELECT x.ref, c.code, count(DISTINCT c.id) FROM (SELECT s.ref_id AS ref, "
     "s.complication_id AS cid FROM complication_suspects s WHERE s.clinic_id = $1 AND "
     "s.current = 1 AND s.kind = 'lot') x JOIN complications c ON c.clinic_id = $1 AND c.id = "
     "x.cid AND c.current = 1 AND c.status <> 'entered_in_error' GROUP BY x.ref, c.code ORDER "
     "BY x.ref, c.code"},
    {"worklist_open", NULL},
    {"worklist_unresolved", NULL},
    {"worklist_overdue", NULL},
};
#define NFLOORS (sizeof floors / sizeof floors[0])

static volatile size_t sink;

static void native_sql(const char *sql, char *out, size_t n)
{
    md_strlcpy(out, sql, n);
    for (char *p = out; *p; p++)
        if (*p == '$' && p[1] >= '1' && p[1] <= '9') *p = '?';
}

/* One floor statement through the backend's client: rows read, each column's text. */
static long floor_run(sqlite3 *lite, PGconn *pg, const char *sql, const char *clinic,
                      const char *today)
{
    long rows = 0;
    size_t bytes = 0;
    int np = strstr(sql, "$2") ? 2 : 1;
    if (pg) {
        const char *v[] = {clinic, today};
        PGresult *r = PQexecParams(pg, sql, np, NULL, v, NULL, NULL, 0);
        rows = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : -1;
        for (long i = 0; i < rows; i++)
            for (int c = 0; c < PQnfields(r); c++)
                bytes += strlen(PQgetvalue(r, (int)i, c));
        PQclear(r);
    } else {
        char native[4096];
        sqlite3_stmt *st = NULL;
        native_sql(sql, native, sizeof native);
        if (sqlite3_prepare_v2(lite, native, -1, &st, NULL) != SQLITE_OK) return -1;
        sqlite3_bind_text(st, 1, clinic, -1, SQLITE_STATIC);
        if (np == 2) sqlite3_bind_text(st, 2, today, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW) {
            rows++;
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const unsigned char *t = sqlite3_column_text(st, c);
                bytes += t ? strlen((const char *)t) : 0;
            }
        }
        sqlite3_finalize(st);
    }
    sink += bytes;
    return rows;
}

static void explain(sqlite3 *lite, const char *name, const char *sql)
{
    char native[4200], q[4300];
    sqlite3_stmt *st = NULL;
    native_sql(sql, native, sizeof native);
    snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", native);
    if (sqlite3_prepare_v2(lite, q, -1, &st, NULL) != SQLITE_OK) return;
    printf("EXPLAIN QUERY PLAN %s:\n", name);
    while (sqlite3_step(st) == SQLITE_ROW)
        printf("  %s\n", (const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
}

static void report(const char *name, double *ms, double *cpu, int runs, const char *extra)
{
    qsort(ms, (size_t)runs, sizeof *ms, cmp_double);
    qsort(cpu, (size_t)runs, sizeof *cpu, cmp_double);
    printf("  %-22s wall median %9.1f ms best %9.1f ms, CPU median %9.1f ms%s\n", name,
           ms[runs / 2], ms[0], cpu[runs / 2], extra);
}

static int count_of(md_store *db, const char *sql, const char *clinic, int64_t *n)
{
    md_err err;
    md_val v[] = {md_text(clinic)};
    return md_store_scalar_int(db, sql, v, clinic ? 1 : 0, n, &err) == MD_OK ? 0 : -1;
}

static int run(const char *uri, md_store *db, int runs)
{
    md_err err;
    md_auditor *auditor = NULL;
    md_kb *kb = NULL;
    md_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    if (md_kb_load(MESODESK_SOURCE_DIR "/kb", &kb, &err) != MD_OK ||
        md_auditor_start(uri, &auditor, &err) != MD_OK) {
        fprintf(stderr, "bench_pv: %s\n", err.message);
        return 1;
    }
    ctx.db = db;
    ctx.kb = kb;
    ctx.arena = md_arena_new(64 * 1024, 0);
    ctx.auditor = auditor;
    ctx.committer = md_auditor_committer(auditor);
    ctx.who.role = MD_ROLE_MEDICAL_DIRECTOR;
    md_id_new(ctx.request_id);
    if (md_store_scalar_text(db, "SELECT min(clinic_id) FROM treatment_sessions", NULL, 0,
                             ctx.who.clinic_id, sizeof ctx.who.clinic_id, &err) ||
        !ctx.who.clinic_id[0] ||
        md_store_scalar_text(db,
                             "SELECT min(id) FROM staff WHERE clinic_id = $1 AND role = "
                             "'medical_director'",
                             (md_val[]){md_text(ctx.who.clinic_id)}, 1, ctx.who.staff_id,
                             sizeof ctx.who.staff_id, &err)) {
        fprintf(stderr, "bench_pv: no sessions or no medical director (mesodesk gen first)\n");
        return 1;
    }
    static const char *const tables[] = {
        "treatment_sessions", "administrations",        "complications", "complication_suspects",
        "escalations",        "complication_followups", "checkins",      NULL};
    printf("%s, clinic %s:", md_store_backend(db), ctx.who.clinic_id);
    for (int i = 0; tables[i]; i++) {
        char sql[128];
        int64_t n = -1;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE clinic_id = $1", tables[i]);
        count_of(db, sql, ctx.who.clinic_id, &n);
        printf(" %s %lld", tables[i], (long long)n);
    }
    printf("\n");
    sqlite3 *lite = NULL;
    PGconn *pg = NULL;
    if (strncmp(uri, "postgres", 8) == 0) {
        pg = PQconnectdb(uri);
        if (PQstatus(pg) != CONNECTION_OK) return 1;
    } else if (sqlite3_open_v2(uri, &lite, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        return 1;
    }
    char today[MD_DATE_STR];
    md_date_format(md_today_utc(), today);
    for (int i = 0; i < 3; i++)
        floors[NFLOORS - 3 + (size_t)i].sql = md_escalation_worklist_sql(i);
    double ms[3 + NFLOORS][RUNS_MAX], cpu[3 + NFLOORS][RUNS_MAX];
    long lines = 0, items = 0, sessions = 0;
    for (int r = 0; r < runs; r++) {
        json_t *out = NULL;
        double t0 = now_ms(), c0 = cpu_ms();
        if (md_pv_signals(&ctx, NULL, &out, &err) != MD_OK) {
            fprintf(stderr, "bench_pv: signals: %s %s\n", err.field, err.message);
            return 1;
        }
        ms[0][r] = now_ms() - t0;
        cpu[0][r] = cpu_ms() - c0;
        sessions = (long)json_integer_value(json_object_get(out, "sessions"));
        lines = (long)(json_array_size(json_object_get(out, "rates")) +
                       json_array_size(json_object_get(out, "disproportionality")) +
                       json_array_size(json_object_get(out, "clusters")));
        json_decref(out);
        md_arena_reset(ctx.arena);
        t0 = now_ms(), c0 = cpu_ms();
        if (md_escalation_worklist(&ctx, &out, &err) != MD_OK) {
            fprintf(stderr, "bench_pv: worklist: %s %s\n", err.field, err.message);
            return 1;
        }
        ms[1][r] = now_ms() - t0;
        cpu[1][r] = cpu_ms() - c0;
        items = (long)json_array_size(json_object_get(out, "items"));
        json_decref(out);
        md_arena_reset(ctx.arena);
        md_audit_entry a = {"read", "clinic", ctx.who.clinic_id, NULL, "bench_pv: one entry"};
        t0 = now_ms(), c0 = cpu_ms();
        md_audit(&ctx, &a, &err);
        ms[2 + NFLOORS][r] = now_ms() - t0;
        cpu[2 + NFLOORS][r] = cpu_ms() - c0;
        for (size_t f = 0; f < NFLOORS; f++) {
            t0 = now_ms(), c0 = cpu_ms();
            if (floor_run(lite, pg, floors[f].sql, ctx.who.clinic_id, today) < 0) {
                fprintf(stderr, "bench_pv: the floor %s failed\n", floors[f].name);
                return 1;
            }
            ms[2 + f][r] = now_ms() - t0;
            cpu[2 + f][r] = cpu_ms() - c0;
        }
    }
    char extra[96];
    printf("%d runs; the report: %ld sessions, %ld lines; the worklist: %ld entries\n", runs,
           sessions, lines, items);
    snprintf(extra, sizeof extra, "  (target < 2,000 ms: %s)",
             ms[0][0] < 2000 ? "best met" : "NOT met");
    double med_signals = 0, med_worklist = 0;
    double copy0[RUNS_MAX], copy1[RUNS_MAX];
    memcpy(copy0, ms[0], sizeof copy0);
    memcpy(copy1, ms[1], sizeof copy1);
    qsort(copy0, (size_t)runs, sizeof(double), cmp_double);
    qsort(copy1, (size_t)runs, sizeof(double), cmp_double);
    med_signals = copy0[runs / 2];
    med_worklist = copy1[runs / 2];
    snprintf(extra, sizeof extra, "  (target < 2,000 ms: %s)",
             med_signals < 2000 ? "met" : "NOT met");
    report("signals", ms[0], cpu[0], runs, extra);
    snprintf(extra, sizeof extra, "  (target < 20 ms: %s)", med_worklist < 20 ? "met" : "NOT met");
    report("worklist", ms[1], cpu[1], runs, extra);
    double floor_sum = 0, wl_sum = 0;
    for (size_t f = 0; f < NFLOORS; f++) {
        char name[40];
        snprintf(name, sizeof name, "floor %s", floors[f].name);
        report(name, ms[2 + f], cpu[2 + f], runs, "");
        *(f < NFLOORS - 3 ? &floor_sum : &wl_sum) += ms[2 + f][runs / 2];
    }
    printf("  the worklist floors' medians together: %.1f ms; the worklist x%.1f of them\n", wl_sum,
           wl_sum > 0 ? med_worklist / wl_sum : 0.0);
    report("one audit entry", ms[2 + NFLOORS], cpu[2 + NFLOORS], runs,
           "  (a durable read entry: md_audit)");
    printf("  the floors' medians together: %.1f ms; signals x%.2f of them\n", floor_sum,
           floor_sum > 0 ? med_signals / floor_sum : 0.0);
    for (size_t f = 0; lite && f < NFLOORS; f++)
        explain(lite, floors[f].name, floors[f].sql);
    sqlite3_close(lite);
    if (pg) PQfinish(pg);
    md_auditor_stop(auditor);
    md_kb_free(kb);
    md_arena_free(ctx.arena);
    return 0;
}

int main(int argc, char **argv)
{
    long n = 0;
    if (argc < 3 || (strcmp(argv[1], "scale") != 0 && strcmp(argv[1], "run") != 0) ||
        (strcmp(argv[1], "scale") == 0 &&
         (argc < 4 || md_parse_long(argv[3], 1, 10000, &n) != 0)) ||
        (strcmp(argv[1], "run") == 0 && argc > 3 && md_parse_long(argv[3], 1, RUNS_MAX, &n) != 0)) {
        fprintf(stderr, "usage: bench_pv scale DB COPIES (1-10000) | bench_pv run DB [RUNS]\n");
        return 2;
    }
    md_err err;
    md_store *db = NULL;
    if (md_init() || md_store_open(argv[2], &db, &err) || md_store_migrate(db, &err)) {
        fprintf(stderr, "bench_pv: %s\n", err.message);
        return 1;
    }
    int rc = strcmp(argv[1], "scale") == 0 ? (scale(db, n, &err) ? 1 : 0)
                                           : run(argv[2], db, n ? (int)n : 5);
    if (rc && err.message[0]) fprintf(stderr, "bench_pv: %s\n", err.message);
    md_store_close(db);
    return rc;
}
