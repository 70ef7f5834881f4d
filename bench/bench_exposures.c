/*
 * bench_exposures - a lot's exposures (md_recall_exposures_lot) on a generated database,
 * beside its floor: the very statement it runs, through the backend's own client.
 *
 *   mesodesk gen --db DB --clinics 1 --patients 1000000 --seed 1
 *   bench_exposures DB [QUERIES]          (DB: a SQLite path or a postgresql:// URI)
 *
 * Takes up to 500 lots that have doses (every k-th by id, so they spread over the years),
 * then, rotating over them, times QUERIES (default 500) of each:
 *   mesodesk  md_recall_exposures_lot(): the lot, the statement, the JSON of every patient
 *             and dose, and the durable audit entries (one for the lot, one per patient, in
 *             one group commit), as the API pays;
 *   sql       the same statement through md_store_exec, rows read, no JSON or audit;
 *   audit1    one durable audit entry alone (md_audit): what any audited read waits for;
 *   floor     the same statement through raw sqlite3 (prepared once, stepped, columns read)
 *             or libpq (PQprepare once, PQexecPrepared), without Mesodesk.
 * Prints the median and p99 in ms, the patients and doses per answer on average, and the
 * ratio of each median to the floor's, and whether the median met the 50 ms target.
 * Exit 0 when measured, 1 on a failure, 2 on bad usage.
 */
#include "mesodesk/audit.h"
#include "mesodesk/clinic.h"
#include "mesodesk/kb.h"
#include "mesodesk/recall.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LOTS 500

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *ms, int n, double p)
{
    qsort(ms, (size_t)n, sizeof *ms, cmp_double);
    return ms[(int)(p * (n - 1))];
}

typedef struct lots {
    char id[MAX_LOTS][MD_ID_STR];
    int n, every, seen;
} lots;

static int lot_row(void *vl, const md_row *r)
{
    lots *l = vl;
    if (l->seen++ % l->every == 0 && l->n < MAX_LOTS)
        md_strlcpy(l->id[l->n++], md_row_text(r, 0), MD_ID_STR);
    return 0;
}

static int count_row(void *vn, const md_row *r)
{
    (void)r;
    (*(long *)vn)++;
    return 0;
}

static volatile size_t sink; /* what the floor read, so that it is read */

/* The floor: the statement through the backend's client, every column of every row read. */
typedef struct floor_q {
    sqlite3 *lite;
    sqlite3_stmt *st;
    PGconn *pg;
} floor_q;

static int floor_open(floor_q *f, const char *uri, const char *sql)
{
    memset(f, 0, sizeof *f);
    if (strncmp(uri, "postgres", 8) == 0) {
        f->pg = PQconnectdb(uri);
        if (PQstatus(f->pg) != CONNECTION_OK) return -1;
        PGresult *r = PQprepare(f->pg, "exposures", sql, 2, NULL);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        return ok ? 0 : -1;
    }
    char native[4096];
    md_strlcpy(native, sql, sizeof native);
    for (char *p = native; *p; p++)
        if (*p == '$' && p[1] >= '1' && p[1] <= '9') *p = '?';
    if (sqlite3_open_v2(uri, &f->lite, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) return -1;
    return sqlite3_prepare_v2(f->lite, native, -1, &f->st, NULL) == SQLITE_OK ? 0 : -1;
}

static long floor_run(floor_q *f, const char *clinic, const char *lot)
{
    long rows = 0;
    size_t bytes = 0;
    if (f->pg) {
        const char *v[] = {clinic, lot};
        PGresult *r = PQexecPrepared(f->pg, "exposures", 2, v, NULL, NULL, 0);
        rows = PQntuples(r);
        for (long i = 0; i < rows; i++)
            for (int c = 0; c < PQnfields(r); c++)
                bytes += strlen(PQgetvalue(r, (int)i, c));
        PQclear(r);
        sink += bytes;
        return rows;
    }
    sqlite3_reset(f->st);
    sqlite3_bind_text(f->st, 1, clinic, -1, SQLITE_STATIC);
    sqlite3_bind_text(f->st, 2, lot, -1, SQLITE_STATIC);
    while (sqlite3_step(f->st) == SQLITE_ROW) {
        rows++;
        for (int c = 0; c < sqlite3_column_count(f->st); c++) {
            const unsigned char *t = sqlite3_column_text(f->st, c);
            bytes += t ? strlen((const char *)t) : 0;
        }
    }
    sink += bytes;
    return rows;
}

static void floor_close(floor_q *f)
{
    sqlite3_finalize(f->st);
    sqlite3_close(f->lite);
    if (f->pg) PQfinish(f->pg);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_exposures DB [QUERIES]\n");
        return 2;
    }
    long q = 500;
    if (argc > 2 && md_parse_long(argv[2], 1, 1000000, &q) != 0) {
        fprintf(stderr, "bench_exposures: QUERIES must be 1 to 1000000\n");
        return 2;
    }
    int queries = (int)q;
    md_err err;
    md_store *db = NULL;
    md_auditor *auditor = NULL;
    md_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    if (md_init() || md_store_open(argv[1], &db, &err) || md_store_migrate(db, &err) ||
        md_auditor_start(argv[1], &auditor, &err)) {
        fprintf(stderr, "bench_exposures: %s\n", err.message);
        return 1;
    }
    ctx.db = db;
    ctx.arena = md_arena_new(64 * 1024, 0);
    ctx.auditor = auditor;
    ctx.who.role = MD_ROLE_PRACTITIONER;
    md_strlcpy(ctx.who.staff_id, "0123456789abcdef0123456789abcdef", sizeof ctx.who.staff_id);
    md_id_new(ctx.request_id);
    if (md_store_scalar_text(db, "SELECT min(clinic_id) FROM administrations", NULL, 0,
                             ctx.who.clinic_id, sizeof ctx.who.clinic_id, &err) ||
        !ctx.who.clinic_id[0]) {
        fprintf(stderr, "bench_exposures: no administrations (mesodesk gen first)\n");
        return 1;
    }
    int64_t nlots = 0, ndoses = 0, npat = 0;
    md_val cv[] = {md_text(ctx.who.clinic_id)};
    md_store_scalar_int(db, "SELECT count(*) FROM lots WHERE clinic_id = $1", cv, 1, &nlots, &err);
    md_store_scalar_int(db, "SELECT count(*) FROM administrations WHERE clinic_id = $1", cv, 1,
                        &ndoses, &err);
    md_store_scalar_int(db, "SELECT count(*) FROM patients WHERE clinic_id = $1", cv, 1, &npat,
                        &err);
    static lots l;
    l.every = nlots > MAX_LOTS ? (int)(nlots / MAX_LOTS) : 1;
    if (md_store_exec(db,
                      "SELECT id FROM lots WHERE clinic_id = $1 AND current = 1 AND EXISTS "
                      "(SELECT 1 FROM administrations a WHERE a.clinic_id = lots.clinic_id AND "
                      "a.lot_id = lots.id) ORDER BY id",
                      cv, 1, lot_row, &l, &err) != MD_OK ||
        l.n == 0) {
        fprintf(stderr, "bench_exposures: no lot with doses\n");
        return 1;
    }
    printf("%s: %lld patients, %lld administrations, %lld lots (%d timed), %d queries each\n",
           md_store_backend(db), (long long)npat, (long long)ndoses, (long long)nlots, l.n,
           queries);
    floor_q fq;
    if (floor_open(&fq, argv[1], md_recall_exposures_sql(0)) != 0) {
        fprintf(stderr, "bench_exposures: the floor's statement did not prepare\n");
        return 1;
    }
    double *ms[4];
    for (int k = 0; k < 4; k++)
        ms[k] = calloc((size_t)queries, sizeof(double));
    long patients = 0, doses = 0;
    for (int i = 0; i < queries; i++) {
        const char *lot = l.id[i % l.n];
        double t0 = now_ms();
        json_t *ex = NULL;
        if (md_recall_exposures_lot(&ctx, lot, &ex, &err) != MD_OK) {
            fprintf(stderr, "bench_exposures: %s %s\n", err.field, err.message);
            return 1;
        }
        double t1 = now_ms();
        patients += (long)json_integer_value(json_object_get(ex, "patients"));
        doses += (long)json_integer_value(json_object_get(ex, "administrations"));
        json_decref(ex);
        md_arena_reset(ctx.arena);
        long rows = 0;
        md_val v[] = {md_text(ctx.who.clinic_id), md_text(lot)};
        double t2 = now_ms();
        md_store_exec(db, md_recall_exposures_sql(0), v, 2, count_row, &rows, &err);
        double t3 = now_ms();
        floor_run(&fq, ctx.who.clinic_id, lot);
        double t4 = now_ms();
        md_audit_entry a = {"read", "lot", lot, NULL, "bench: one entry"};
        double t5 = now_ms();
        md_audit(&ctx, &a, &err);
        double t6 = now_ms();
        ms[3][i] = t6 - t5;
        ms[0][i] = t1 - t0;
        ms[1][i] = t3 - t2;
        ms[2][i] = t4 - t3;
    }
    static const char *const names[] = {"mesodesk", "sql", "floor", "audit1"};
    double med[4], p99[4];
    for (int k = 0; k < 4; k++) {
        med[k] = pct(ms[k], queries, 0.5);
        p99[k] = pct(ms[k], queries, 0.99);
    }
    printf("per answer: %.1f patients, %.1f administrations on average\n",
           (double)patients / queries, (double)doses / queries);
    for (int k = 0; k < 4; k++)
        printf("  %-9s median %7.3f ms  p99 %7.3f ms  median x%.1f of the floor\n", names[k],
               med[k], p99[k], med[2] > 0 ? med[k] / med[2] : 0.0);
    floor_close(&fq);
    for (int k = 0; k < 4; k++)
        free(ms[k]);
    md_auditor_stop(auditor);
    md_arena_free(ctx.arena);
    md_store_close(db);
    printf("target: median < 50 ms: %s\n", med[0] < 50.0 ? "met" : "NOT met");
    return 0;
}
