/*
 * bench_search - patient search by name prefix and by birth date on a generated database,
 * beside its floor: raw SQLite running the very statements the search runs.
 *
 * Prepare the database once (the generator is deterministic, so the bench regenerates the
 * patients it searches for with md_gen_patient and knows each answer holds them):
 *   mesodesk gen --db /tmp/bench-1m.db --clinics 1 --patients 1000000 --seed 42
 *   bench_search /tmp/bench-1m.db 42 1000000 [QUERIES]
 *
 * For each of three kinds of query it times QUERIES searches (default 2000) of:
 *   mesodesk  md_patient_search(): the list and count statements, the JSON records, the merge
 *             decoration and the durable audit entries of every patient listed (one group
 *             commit per search, as the API pays);
 *   sql       the same list and count statements through md_store_exec, without JSON or audit;
 *   floor     the same statements through raw sqlite3 (prepared once, stepped, not copied).
 * and prints the median and p99 in ms with the ratio of each to the floor.  Queries:
 *   name      "<family> <first 3 letters of given>" of a generated patient (a receptionist
 *             typing), limit 20;
 *   prefix    the first 3 letters of a family name alone (thousands of matches), limit 20;
 *   birth     a generated patient's birth date, limit 20.
 */
#include "mesodesk/audit.h"
#include "mesodesk/clinic.h"
#include "mesodesk/gen.h"
#include "mesodesk/kb.h"
#include "mesodesk/record.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIMIT 20

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

typedef struct timing {
    double *ms;
    int n;
} timing;

static double pct(timing *t, double p)
{
    qsort(t->ms, (size_t)t->n, sizeof *t->ms, cmp_double);
    int i = (int)(p * (t->n - 1));
    return t->ms[i];
}

/* "$12" -> "?12" for raw sqlite3. */
static void native_sql(const char *in, char *out, size_t size)
{
    md_strlcpy(out, in, size);
    for (char *p = out; *p; p++)
        if (*p == '$' && p[1] >= '1' && p[1] <= '9') *p = '?';
}

static int bind_all(sqlite3_stmt *st, const md_val *v, int n)
{
    for (int i = 0; i < n; i++) {
        int rc = v[i].type == MD_VAL_INT ? sqlite3_bind_int64(st, i + 1, v[i].i)
                 : v[i].type == MD_VAL_TEXT
                     ? sqlite3_bind_text(st, i + 1, v[i].text, -1, SQLITE_STATIC)
                     : sqlite3_bind_null(st, i + 1);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

/* Prepared statements of the floor, by SQL text (prepared once, as the store caches them). */
static struct {
    char sql[2048];
    sqlite3_stmt *st;
} prepared[32];

static sqlite3_stmt *prepare_once(sqlite3 *db, const char *sql)
{
    size_t i = 0;
    for (; i < sizeof prepared / sizeof prepared[0] && prepared[i].st; i++)
        if (strcmp(prepared[i].sql, sql) == 0) return prepared[i].st;
    if (i == sizeof prepared / sizeof prepared[0]) return NULL;
    char native[2048];
    native_sql(sql, native, sizeof native);
    if (sqlite3_prepare_v3(db, native, -1, SQLITE_PREPARE_PERSISTENT, &prepared[i].st, NULL) !=
        SQLITE_OK)
        return NULL;
    md_strlcpy(prepared[i].sql, sql, sizeof prepared[i].sql);
    return prepared[i].st;
}

/* Run one statement to the end; rows counted (-1 when it cannot run). */
static long step_all(sqlite3 *db, const char *sql, const md_val *v, int n)
{
    sqlite3_stmt *st = prepare_once(db, sql);
    long rows = 0;
    if (!st) return -1;
    if (bind_all(st, v, n) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW)
            rows++;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rows;
}

static int ignore_row(void *ctx, const md_row *r)
{
    (void)ctx;
    (void)r;
    return 0;
}

enum { Q_NAME, Q_PREFIX, Q_BIRTH, Q_COUNT };
static const char *const qnames[] = {"name", "prefix", "birth"};

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_search DB SEED PATIENTS [QUERIES]\n");
        return 2;
    }
    long seed = 0, patients = 0, queries = 2000;
    if (md_parse_long(argv[2], 0, 1L << 62, &seed) ||
        md_parse_long(argv[3], 1, 1L << 40, &patients) ||
        (argc > 4 && md_parse_long(argv[4], 1, 1000000, &queries))) {
        fprintf(stderr, "bench_search: SEED, PATIENTS and QUERIES are numbers\n");
        return 2;
    }
    md_err err;
    md_store *db = NULL;
    md_auditor *auditor = NULL;
    md_kb *kb = NULL;
    sqlite3 *raw = NULL;
    char dir[1024], cname[128];
    if (md_init() || md_store_open(argv[1], &db, &err) ||
        md_auditor_start(argv[1], &auditor, &err) ||
        md_kb_locate(NULL, MESODESK_SOURCE_DIR "/kb", dir, sizeof dir, &err) ||
        md_kb_load(dir, &kb, &err)) {
        fprintf(stderr, "bench_search: %s\n", err.message);
        return 1;
    }
    if (sqlite3_open_v2(argv[1], &raw, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_search: cannot open %s\n", argv[1]);
        return 1;
    }
    md_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.db = db;
    ctx.arena = md_arena_new(64 * 1024, 0);
    ctx.kb = kb;
    ctx.auditor = auditor;
    ctx.who.role = MD_ROLE_RECEPTION;
    md_strlcpy(ctx.who.staff_id, "0123456789abcdef0123456789abcdef", sizeof ctx.who.staff_id);
    md_id_new(ctx.request_id);
    md_gen_clinic_name((uint64_t)seed, 0, cname, sizeof cname);
    if (md_clinic_find(db, cname, ctx.who.clinic_id, &err)) {
        fprintf(stderr, "bench_search: no \"%s\" in %s: run mesodesk gen first\n", cname, argv[1]);
        return 1;
    }
    /* The newest intake, to show which generation this is. */
    char newest[MD_DATE_STR + 16] = "";
    md_val cv[] = {md_text(ctx.who.clinic_id)};
    md_store_scalar_text(db, "SELECT max(recorded_at) FROM patients WHERE clinic_id = $1", cv, 1,
                         newest, sizeof newest, &err);
    md_day as_of = md_today_utc();
    newest[10] = '\0';
    timing t[Q_COUNT][3];
    for (int q = 0; q < Q_COUNT; q++)
        for (int m = 0; m < 3; m++)
            t[q][m] = (timing){calloc((size_t)queries, sizeof(double)), 0};
    long missing = 0;
    for (long i = 0; i < queries; i++) {
        md_gen_patient p;
        long idx = (long)(((uint64_t)i * 2654435761u) % (uint64_t)patients);
        if (md_gen_patient_make(kb, (uint64_t)seed, 0, idx, as_of, &p, &err) != MD_OK) return 1;
        /* Names and ids do not depend on the as-of day; the birth date does, so it is read
         * back (the bench may run on a later day than the generator). */
        md_val pv[] = {md_text(ctx.who.clinic_id), md_text(p.id)};
        char birth[MD_DATE_STR + 8] = "";
        if (md_store_scalar_text(db,
                                 "SELECT birth_date FROM patients WHERE clinic_id = $1 AND id = $2 "
                                 "AND current = 1",
                                 pv, 2, birth, sizeof birth, &err) != MD_OK) {
            missing++;
            continue;
        }
        char text[Q_COUNT][200];
        char given3[16];
        md_strlcpy(given3, p.given, 4);
        snprintf(text[Q_NAME], sizeof text[Q_NAME], "%s %s", p.family, given3);
        md_strlcpy(text[Q_PREFIX], p.family, 4);
        text[Q_BIRTH][0] = '\0';
        for (int q = 0; q < Q_COUNT; q++) {
            md_patient_query pq = {q == Q_BIRTH ? NULL : text[q], q == Q_BIRTH ? birth : NULL,
                                   LIMIT, 0};
            md_search_sql s;
            json_t *out = NULL;
            double a = now_ms();
            if (md_patient_search(&ctx, &pq, &out, &err) != MD_OK) {
                fprintf(stderr, "search %s: %s\n", text[q], err.message);
                return 1;
            }
            double b = now_ms();
            json_decref(out);
            md_arena_reset(ctx.arena);
            if (md_patient_search_sql(&ctx, &pq, &s, &err) != MD_OK) return 1;
            double c = now_ms();
            int64_t total = 0;
            md_store_exec(db, s.list, s.params, s.nparams, ignore_row, NULL, &err);
            md_store_scalar_int(db, s.count, s.params, s.ncount, &total, &err);
            double d = now_ms();
            step_all(raw, s.list, s.params, s.nparams);
            step_all(raw, s.count, s.params, s.ncount);
            double e = now_ms();
            t[q][0].ms[t[q][0].n++] = b - a;
            t[q][1].ms[t[q][1].n++] = d - c;
            t[q][2].ms[t[q][2].n++] = e - d;
        }
    }
    printf("%ld queries of each kind on %ld patients (%s, generated up to %s)%s\n", queries,
           patients, argv[1], newest, missing ? " (some probes missing)" : "");
    printf("%-7s %-9s %10s %10s %10s\n", "query", "path", "median ms", "p99 ms", "x floor");
    for (int q = 0; q < Q_COUNT; q++) {
        double floor_med = pct(&t[q][2], 0.5);
        static const char *const paths[] = {"mesodesk", "sql", "floor"};
        for (int m = 0; m < 3; m++) {
            double med = pct(&t[q][m], 0.5), p99 = pct(&t[q][m], 0.99);
            printf("%-7s %-9s %10.3f %10.3f %10.2f\n", qnames[q], paths[m], med, p99,
                   floor_med > 0 ? med / floor_med : 0.0);
        }
    }
    uint64_t entries = 0, batches = 0;
    md_auditor_stats(auditor, &entries, &batches);
    printf("audit: %llu entries in %llu transactions\n", (unsigned long long)entries,
           (unsigned long long)batches);
    for (size_t i = 0; i < sizeof prepared / sizeof prepared[0]; i++)
        sqlite3_finalize(prepared[i].st);
    sqlite3_close(raw);
    md_auditor_stop(auditor);
    md_store_close(db);
    md_kb_free(kb);
    md_arena_free(ctx.arena);
    return 0;
}
