/*
 * bench_formulation - the formulation builder (formulation.h): time per build of one
 * patient's candidates, two ways:
 *   engine   md_fm_evaluate alone: the patient's facts and the stock read once, then
 *            ranked and checked (screening of every candidate and pair) per iteration;
 *   build    md_formulation_build as the API runs it: the patient's facts (one snapshot),
 *            the clinic's rule set, the usable stock, the engine, the JSON and the durable
 *            audit entry of the read.
 * and, apart, the two reads the build makes before the engine runs (facts: the patient's
 * facts and the clinic's rule set; stock: md_stock_available), and prints the median and
 * p99 in ms, and the process's CPU time per run (all threads).  What the build takes beyond
 * the three is its JSON and its audit entry.
 *
 *   bench_formulation [--products N] [--iterations N]      a fresh SQLite database with N
 *        products (default 120, each with two lots, one of them expired) and one patient
 *   bench_formulation --db PATH [--patient ID] [--iterations N]   an existing database
 *        (e.g. `mesodesk gen` with products and lots): its first clinic, and the patient
 *        given or the clinic's first
 * The fresh database is made in $TMPDIR (default /tmp; /dev/shm takes the disk's flush out
 * of the audited build).  The kb is $MESODESK_KB or the source tree's.  Exit 1 on any error.
 */
#include "mesodesk/audit.h"
#include "mesodesk/clinic.h"
#include "mesodesk/formulation.h"
#include "mesodesk/kb.h"
#include "mesodesk/record.h"
#include "mesodesk/screening.h"
#include "mesodesk/stock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_time.h"

static double cpu_start;

static void die(const char *what, const md_err *e)
{
    fprintf(stderr, "bench_formulation: %s: %s %s\n", what, e->field, e->message);
    exit(1);
}

static int first_text(void *ctx, const md_row *r)
{
    snprintf(ctx, MD_ID_STR, "%s", md_row_text(r, 0));
    return 1;
}

/* A catalogue of n products over the kb's ingredients: one to three ingredients each, most
 * CE-marked in the UK, some off label, compounded or without a UK status; bases mostly
 * aqueous, a few oil; each with a lot in date and an expired one. */
static void make_catalogue(md_ctx *ctx, const md_kb *kb, long n)
{
    static const char *const regs[] = {
        "ce_marked", "ce_marked", "ce_marked", "fda_cleared", "approved_drug_off_label",
        "compounded"};
    size_t n_ing = md_kb_vocab_count(kb, MD_VOCAB_INGREDIENT);
    md_err err;
    for (long i = 0; i < n; i++) {
        char name[64], lot[32];
        json_t *ing = json_array();
        for (long k = 0; k <= i % 3; k++)
            json_array_append_new(ing, json_pack("{s:s,s:s}", "ingredient",
                                                 md_kb_vocab_code(kb, MD_VOCAB_INGREDIENT,
                                                                  (size_t)(i * 7 + k * 5) % n_ing),
                                                 "concentration", "1%"));
        /* two products listing one ingredient twice would be refused: dedupe by skipping */
        snprintf(name, sizeof name, "Product %04ld", i);
        json_t *in = json_pack("{s:s,s:s,s:f,s:s,s:o,s:{s:s}}", "name", name, "presentation",
                               "single_dose", "volume_ml", 2.0, "base",
                               i % 17 == 0 ? "oil" : "aqueous", "ingredients", ing, "regulatory",
                               i % 11 == 0 ? "US" : "UK", regs[i % 6]),
               *p = NULL;
        if (md_record_create(ctx, &md_kind_product, NULL, in, &p, &err) != MD_OK) {
            json_decref(in);
            continue; /* a generated duplicate ingredient: skip that product */
        }
        const char *pid = json_string_value(json_object_get(p, "id"));
        for (int l = 0; l < 2; l++) {
            snprintf(lot, sizeof lot, "L%04ld-%d", i, l);
            json_t *li = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "product_id", pid, "lot_number",
                                   lot, "expiry", l ? "2026-02-28" : "2099-12-31", "received_on",
                                   "2026-01-10", "supplier", "Supplier", "quantity", 10),
                   *lo = NULL;
            if (md_lot_create(ctx, li, &lo, &err) != MD_OK) die("lot", &err);
            json_decref(li);
            json_decref(lo);
        }
        json_decref(in);
        json_decref(p);
    }
}

static void make_patient(md_ctx *ctx, char pid[MD_ID_STR])
{
    md_err err;
    json_t *out = NULL;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:i}", "given_name", "Bea", "family_name", "Bench",
                           "birth_date", "1984-02-02", "sex", "female", "fitzpatrick", 4);
    if (md_record_create(ctx, &md_kind_patient, NULL, in, &out, &err) != MD_OK)
        die("patient", &err);
    snprintf(pid, MD_ID_STR, "%s", json_string_value(json_object_get(out, "id")));
    json_decref(in);
    json_decref(out);
    struct {
        const md_record_kind *k;
        const char *json;
    } facts[] = {
        {&md_kind_status,
         "{\"pregnant\":\"no\",\"breastfeeding\":\"no\",\"recorded_on\":\"2026-11-01\"}"},
        {&md_kind_allergy, "{\"substance\":\"amide_anaesthetics\"}"},
        {&md_kind_allergy, "{\"substance\":\"penicillin\"}"},
        {&md_kind_condition, "{\"code\":\"eczema\",\"active\":true,\"site\":\"hands\"}"},
        {&md_kind_medication, "{\"code\":\"ibuprofen\",\"last_dose\":\"2026-10-01\"}"},
    };
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        json_t *f = json_loads(facts[i].json, 0, NULL);
        if (md_record_create(ctx, facts[i].k, pid, f, &out, &err) != MD_OK) die("fact", &err);
        json_decref(f);
        json_decref(out);
    }
}

int main(int argc, char **argv)
{
    const char *db_path = NULL, *patient = NULL;
    long products = 120, iterations = 500;
    char dir[128] = "", path[192], pid[MD_ID_STR] = "";
    md_store *db = NULL;
    md_auditor *auditor = NULL;
    md_kb *kb = NULL;
    md_err err;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db_path = argv[++i];
        else if (strcmp(argv[i], "--patient") == 0 && i + 1 < argc)
            patient = argv[++i];
        else if (strcmp(argv[i], "--products") == 0 && i + 1 < argc)
            products = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
            iterations = strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_formulation [--db PATH [--patient ID]] [--products N] "
                            "[--iterations N]\n");
            return 2;
        }
    }
    if (iterations < 1) iterations = 1;
    if (md_init() != 0) return 1;
    if (!db_path) {
        const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(dir, sizeof dir, "%.40s/mesodesk-bench-fm-XXXXXX", tmp);
        if (!mkdtemp(dir)) return 1;
        snprintf(path, sizeof path, "%s/db.sqlite", dir);
        db_path = path;
    }
    const char *kbdir = getenv("MESODESK_KB") ? getenv("MESODESK_KB") : MESODESK_SOURCE_DIR "/kb";
    if (md_store_open(db_path, &db, &err) || md_store_migrate(db, &err)) die("database", &err);
    if (md_auditor_start(db_path, &auditor, &err)) die("auditor", &err);
    if (md_kb_load(kbdir, &kb, &err)) die("kb", &err);
    md_arena *arena = md_arena_new(64 * 1024, 0);
    md_ctx ctx = {.db = db, .arena = arena, .kb = kb, .auditor = auditor};
    ctx.who.role = MD_ROLE_ADMIN;
    snprintf(ctx.who.staff_id, sizeof ctx.who.staff_id, "0123456789abcdef0123456789abcdef");
    snprintf(ctx.request_id, sizeof ctx.request_id, "fedcba9876543210fedcba9876543210");
    if (dir[0]) {
        if (md_clinic_create(db, "Bench Clinic", "Europe/London", "UK", ctx.who.clinic_id, &err))
            die("clinic", &err);
        make_catalogue(&ctx, kb, products);
        make_patient(&ctx, pid);
    } else {
        if (md_store_exec(db, "SELECT clinic_id FROM clinics ORDER BY clinic_id", NULL, 0,
                          first_text, ctx.who.clinic_id, &err))
            die("clinic", &err);
        md_val v[] = {md_text(ctx.who.clinic_id)};
        if (patient)
            snprintf(pid, sizeof pid, "%s", patient);
        else if (md_store_exec(db,
                               "SELECT id FROM patients WHERE clinic_id = $1 AND current = 1 "
                               "ORDER BY id",
                               v, 1, first_text, pid, &err))
            die("patient", &err);
    }
    md_arena_reset(arena);
    json_t *in = json_pack("{s:[s,s,s],s:[s,s],s:s}", "concerns", "dryness", "fine_lines",
                           "dullness", "areas", "cheeks", "forehead", "date", "2026-12-01");
    json_t *out = NULL;
    if (md_formulation_build(&ctx, pid, in, &out, &err) != MD_OK) die("build", &err);
    printf("one build: %zu candidates, %zu excluded, %lld products not relevant\n",
           json_array_size(json_object_get(out, "candidates")),
           json_array_size(json_object_get(out, "excluded")),
           (long long)json_integer_value(json_object_get(out, "not_relevant")));
    json_decref(out);

    double *t = calloc((size_t)iterations, sizeof *t);
    if (!t) return 1;
    /* engine alone */
    {
        md_fm_request q = {0};
        md_screen_input input;
        md_ruleset *owned = NULL;
        json_t *all = NULL;
        md_day day;
        md_date_parse("2026-12-01", &day);
        static const char *const concerns[] = {"dryness", "fine_lines", "dullness"};
        static const char *const areas[] = {"cheeks", "forehead"};
        md_arena *ea = md_arena_new(64 * 1024, 0);
        ctx.arena = ea;
        md_screen_input_init(&input);
        input.date = day;
        if (md_clinic_ruleset(&ctx, &q.rs, &owned, NULL, &err) ||
            md_screening_gather(&ctx, pid, q.rs, &input, &err) ||
            md_stock_available(&ctx, day, &all, &err))
            die("engine input", &err);
        q.patient = &input;
        q.jurisdiction = input.jurisdiction;
        q.concerns = concerns;
        q.n_concerns = 3;
        q.areas = areas;
        q.n_areas = 2;
        q.available = json_object_get(all, "items");
        md_arena *ra = md_arena_new(64 * 1024, 0);
        cpu_start = bench_cpu_ms();
        for (long i = 0; i < iterations; i++) {
            md_arena_reset(ra);
            double t0 = bench_now_ms();
            if (md_fm_evaluate(&q, ra, &out, &err) != MD_OK) die("engine", &err);
            json_decref(out);
            t[i] = bench_now_ms() - t0;
        }
        bench_report("engine", t, iterations, &cpu_start);
        md_arena_free(ra);
        json_decref(all);
        md_ruleset_free(owned);
        ctx.arena = arena;
        md_arena_free(ea);
    }
    /* the patient's facts and the clinic's rule set, as the build reads them */
    cpu_start = bench_cpu_ms();
    for (long i = 0; i < iterations; i++) {
        md_screen_input input;
        const md_ruleset *rs;
        md_ruleset *owned = NULL;
        md_arena_reset(arena);
        md_screen_input_init(&input);
        double t0 = bench_now_ms();
        if (md_clinic_ruleset(&ctx, &rs, &owned, NULL, &err) ||
            md_screening_gather(&ctx, pid, rs, &input, &err))
            die("facts", &err);
        t[i] = bench_now_ms() - t0;
        md_ruleset_free(owned);
    }
    bench_report("facts", t, iterations, &cpu_start);
    /* the usable stock alone (stock.h), as the build reads it */
    cpu_start = bench_cpu_ms();
    for (long i = 0; i < iterations; i++) {
        md_day day;
        md_date_parse("2026-12-01", &day);
        md_arena_reset(arena);
        double t0 = bench_now_ms();
        if (md_stock_available(&ctx, day, &out, &err) != MD_OK) die("stock", &err);
        json_decref(out);
        t[i] = bench_now_ms() - t0;
    }
    bench_report("stock", t, iterations, &cpu_start);
    /* the whole build, audited */
    cpu_start = bench_cpu_ms();
    for (long i = 0; i < iterations; i++) {
        md_arena_reset(arena);
        double t0 = bench_now_ms();
        if (md_formulation_build(&ctx, pid, in, &out, &err) != MD_OK) die("build", &err);
        json_decref(out);
        t[i] = bench_now_ms() - t0;
    }
    bench_report("build", t, iterations, &cpu_start);
    free(t);
    json_decref(in);
    md_auditor_stop(auditor);
    md_store_close(db);
    md_arena_free(arena);
    md_kb_free(kb);
    if (dir[0]) {
        char cmd[sizeof dir + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
    return 0;
}
