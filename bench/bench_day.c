/*
 * bench_day - the clinic's day (day.h) on a generated database: time per GET /api/v1/day as
 * the server computes it (md_day_get: the appointments, what is missing for each, the lists,
 * the durable audit entries of every patient shown), for an admin and for reception, beside
 * the raw SQLite floor of the same statements in the same run:
 *   floor   through sqlite3 directly, prepared once, every column of every row read: the
 *           day's appointments (an equivalent of booking's select), the three gather
 *           statements of day.c exactly as md_day_gather_sql builds them over the day's
 *           patients, the staff and their credentials, the no-shows of the last days and
 *           their patients' latest appointments.
 *           Not in the floor: the consent status per patient and the course windows
 *           (their modules' statements), nor the audit.
 * It prints the median, p99 and max in ms, the process's CPU per run, the ratio of the
 * day's median to the floor's, and whether the median met the 20 ms target.
 *
 *   bench_day --db PATH [--date YYYY-MM-DD] [--iterations N]
 * PATH is a SQLite database made by `mesodesk gen --schedule`; the first clinic, the day
 * given or its clinic's today.  The kb is $MESODESK_KB or the source tree's.  Exit 1 on an
 * error.
 */
#include "bench_time.h"
#include "mesodesk/audit.h"
#include "mesodesk/clinic.h"
#include "mesodesk/day.h"
#include "mesodesk/kb.h"
#include "mesodesk/tz.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static double cpu_start;

static double report(const char *what, double *t, long n)
{
    return bench_report(what, t, n, &cpu_start);
}

static void die(const char *what, const md_err *e)
{
    fprintf(stderr, "bench_day: %s: %s %s\n", what, e ? e->field : "", e ? e->message : "");
    exit(1);
}

static int first_text(void *ctx, const md_row *r)
{
    snprintf(ctx, MD_ID_STR, "%s", md_row_text(r, 0));
    return 1;
}

static int count_row(void *vn, const md_row *r)
{
    *(long *)vn = (long)md_row_int(r, 0);
    return 1;
}

/* ---- the floor ---- */

static volatile size_t sink;

typedef struct fstmt {
    sqlite3_stmt *st;
    int nparams; /* bound from the list given to run */
} fstmt;

static void prepare(sqlite3 *lite, fstmt *f, const char *sql)
{
    char *native = strdup(sql);
    for (char *p = native; *p; p++)
        if (*p == '$') *p = '?';
    if (sqlite3_prepare_v2(lite, native, -1, &f->st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_day: floor: %s\n", sqlite3_errmsg(lite));
        exit(1);
    }
    f->nparams = sqlite3_bind_parameter_count(f->st);
    free(native);
}

static long run(fstmt *f, const char *const *params)
{
    long rows = 0;
    size_t bytes = 0;
    sqlite3_reset(f->st);
    for (int i = 0; i < f->nparams; i++)
        sqlite3_bind_text(f->st, i + 1, params[i], -1, SQLITE_STATIC);
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

int main(int argc, char **argv)
{
    const char *db_path = NULL, *date = NULL;
    long iterations = 200;
    md_store *db = NULL;
    md_auditor *auditor = NULL;
    md_kb *kb = NULL;
    md_err err;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db_path = argv[++i];
        else if (strcmp(argv[i], "--date") == 0 && i + 1 < argc)
            date = argv[++i];
        else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
            iterations = strtol(argv[++i], NULL, 10);
        else
            db_path = NULL, i = argc;
    }
    if (!db_path) {
        fprintf(stderr, "usage: bench_day --db PATH [--date YYYY-MM-DD] [--iterations N]\n");
        return 2;
    }
    if (iterations < 1) iterations = 1;
    if (md_init() != 0) return 1;
    const char *kbdir = getenv("MESODESK_KB") ? getenv("MESODESK_KB") : MESODESK_SOURCE_DIR "/kb";
    if (md_store_open(db_path, &db, &err) || md_store_migrate(db, &err)) die("database", &err);
    if (md_auditor_start(db_path, &auditor, &err)) die("auditor", &err);
    if (md_kb_load(kbdir, &kb, &err)) die("kb", &err);
    md_arena *arena = md_arena_new(64 * 1024, 0);
    md_ctx ctx = {.db = db, .arena = arena, .kb = kb, .auditor = auditor};
    ctx.who.role = MD_ROLE_ADMIN;
    snprintf(ctx.who.staff_id, sizeof ctx.who.staff_id, "0123456789abcdef0123456789abcdef");
    snprintf(ctx.request_id, sizeof ctx.request_id, "fedcba9876543210fedcba9876543210");
    if (md_store_exec(db, "SELECT clinic_id FROM clinics ORDER BY clinic_id", NULL, 0, first_text,
                      ctx.who.clinic_id, &err))
        die("clinic", &err);
    md_day_query q = {0};
    char zone[MD_ZONE_STR];
    md_day today;
    if (md_clinic_zone(&ctx, zone, &today, &err)) die("zone", &err);
    if (date && md_date_parse(date, &q.day) != 0) die("--date must be YYYY-MM-DD", NULL);
    q.has_day = date != NULL;
    md_day day = q.has_day ? q.day : today;

    long patients = 0, appts = 0, rooms = 0, items = 0;
    md_val cv[] = {md_text(ctx.who.clinic_id)};
    md_store_exec(db, "SELECT count(*) FROM patients WHERE clinic_id = $1", cv, 1, count_row,
                  &patients, &err);
    md_store_exec(db, "SELECT count(*) FROM appointments WHERE clinic_id = $1", cv, 1, count_row,
                  &appts, &err);
    md_store_exec(db, "SELECT count(*) FROM rooms WHERE clinic_id = $1 AND current = 1", cv, 1,
                  count_row, &rooms, &err);
    json_t *out = NULL;
    if (md_day_get(&ctx, &q, &out, &err) != MD_OK) die("day", &err);
    json_t *list = json_object_get(out, "appointments"), *a;
    size_t i;
    json_t *pids = json_array(), *seen = json_object();
    json_array_foreach(list, i, a)
    {
        const char *pid = json_string_value(json_object_get(a, "patient_id"));
        items += (long)json_array_size(json_object_get(a, "missing"));
        if (!json_object_get(seen, pid)) {
            json_object_set_new(seen, pid, json_true());
            json_array_append_new(pids, json_string(pid));
        }
    }
    struct stat st;
    stat(db_path, &st);
    char ds[MD_DATE_STR];
    md_date_format(day, ds);
    printf("database %s: %.1f MiB, %ld patients, %ld appointments in all, %ld rooms\n", db_path,
           (double)st.st_size / 1048576.0, patients, appts, rooms);
    printf("the day %s (%s): %zu appointments, %zu patients, %ld missing items, %zu practitioners, "
           "%zu no-shows to follow up, %zu windows closing, %zu maintenance due\n",
           ds, zone, json_array_size(list), json_array_size(pids), items,
           json_array_size(json_object_get(out, "practitioners")),
           json_array_size(json_object_get(out, "no_shows")),
           json_array_size(json_object_get(out, "windows_closing")),
           json_array_size(json_object_get(out, "maintenance_due")));
    json_decref(out);

    double *t = calloc((size_t)iterations, sizeof *t), med_day = 0, med_floor = 0;
    if (!t) return 1;
    static const md_role roles[] = {MD_ROLE_ADMIN, MD_ROLE_RECEPTION};
    static const char *const names[] = {"day", "reception"};
    for (int role = 0; role < 2; role++) {
        ctx.who.role = roles[role];
        cpu_start = bench_cpu_ms();
        for (long k = 0; k < iterations; k++) {
            md_arena_reset(arena);
            double t0 = bench_now_ms();
            if (md_day_get(&ctx, &q, &out, &err) != MD_OK) die("day", &err);
            json_decref(out);
            t[k] = bench_now_ms() - t0;
        }
        double m = report(names[role], t, iterations);
        if (role == 0) med_day = m;
    }

    /* the floor */
    sqlite3 *lite = NULL;
    if (sqlite3_open_v2(db_path, &lite, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        die("floor open", NULL);
    int64_t lo, hi, back;
    char los[MD_TIME_STR], his[MD_TIME_STR], backs[MD_TIME_STR];
    md_day_kb dk;
    md_kb_day(kb, &dk);
    md_tz_day_start(zone, day, &lo);
    md_tz_day_start(zone, day + 1, &hi);
    md_tz_day_start(zone, day - (md_day)dk.no_show_follow_up_days, &back);
    md_time_format(lo, los);
    md_time_format(hi, his);
    md_time_format(back, backs);
    size_t n = json_array_size(pids), m = md_day_padded(n);
    if (n > MD_DAY_IN_MAX) n = m = MD_DAY_IN_MAX; /* the floor reads the first list */
    const char **ids = calloc(m + 1, sizeof *ids);
    ids[0] = ctx.who.clinic_id;
    for (size_t k = 0; k < m; k++)
        ids[k + 1] = json_string_value(json_array_get(pids, k < n ? k : n - 1));
    fstmt f[8];
    prepare(lite, &f[0],
            "SELECT * FROM appointments WHERE clinic_id = $1 AND current = 1 AND start_at >= $2 "
            "AND start_at < $3 ORDER BY start_at, room_id, id");
    for (int w = 0; w < 3; w++) {
        md_arena_reset(arena);
        prepare(lite, &f[1 + w], md_day_gather_sql(&ctx, w, m));
    }
    prepare(lite, &f[4],
            "SELECT id, role, display_name, active FROM staff WHERE clinic_id = $1 "
            "ORDER BY id");
    prepare(lite, &f[5],
            "SELECT * FROM staff_credentials WHERE clinic_id = $1 AND current = 1 AND status <> "
            "'entered_in_error' ORDER BY issued_on, id");
    prepare(lite, &f[6],
            "SELECT id, patient_id, practitioner_id, start_at, course_id FROM appointments WHERE "
            "clinic_id = $1 AND current = 1 AND start_at >= $2 AND start_at < $3 AND status = "
            "'no_show' ORDER BY start_at, id");
    /* the no-shows' patients, for their latest appointments (as the day pads its lists) */
    const char *noshow[] = {ctx.who.clinic_id, backs, los};
    json_t *nsp = json_array(), *nseen = json_object();
    sqlite3_reset(f[6].st);
    for (int k = 0; k < 3; k++)
        sqlite3_bind_text(f[6].st, k + 1, noshow[k], -1, SQLITE_STATIC);
    while (sqlite3_step(f[6].st) == SQLITE_ROW) {
        const char *pid = (const char *)sqlite3_column_text(f[6].st, 1);
        if (!json_object_get(nseen, pid)) {
            json_object_set_new(nseen, pid, json_true());
            json_array_append_new(nsp, json_string(pid));
        }
    }
    size_t nn = json_array_size(nsp), nm = md_day_padded(nn ? nn : 1);
    if (nn > MD_DAY_IN_MAX) nn = nm = MD_DAY_IN_MAX;
    const char **nids = calloc(nm + 1, sizeof *nids);
    nids[0] = ctx.who.clinic_id;
    for (size_t k = 0; k < nm; k++)
        nids[k + 1] = nn ? json_string_value(json_array_get(nsp, k < nn ? k : nn - 1)) : "";
    md_arena_reset(arena);
    prepare(lite, &f[7], md_day_gather_sql(&ctx, 3, nm));
    const char *range[] = {ctx.who.clinic_id, los, his};
    cpu_start = bench_cpu_ms();
    for (long k = 0; k < iterations; k++) {
        double t0 = bench_now_ms();
        sqlite3_exec(lite, "BEGIN", NULL, NULL, NULL);
        run(&f[0], range);
        for (int w = 1; w <= 3; w++)
            run(&f[w], ids);
        run(&f[4], ids);
        run(&f[5], ids);
        run(&f[6], noshow);
        run(&f[7], nids);
        sqlite3_exec(lite, "COMMIT", NULL, NULL, NULL);
        t[k] = bench_now_ms() - t0;
    }
    med_floor = report("floor", t, iterations);
    printf("ratio day / floor: %.1f; target (median under 20 ms): %s\n", med_day / med_floor,
           med_day < 20.0 ? "met" : "NOT met");
    for (int k = 0; k < 8; k++)
        sqlite3_finalize(f[k].st);
    sqlite3_close(lite);
    free(ids);
    free(nids);
    json_decref(nsp);
    json_decref(nseen);
    free(t);
    json_decref(pids);
    json_decref(seen);
    md_auditor_stop(auditor);
    md_store_close(db);
    md_arena_free(arena);
    md_kb_free(kb);
    return 0;
}
