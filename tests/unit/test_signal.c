/*
 * test_signal.c - the signal report (signal.c): the infection cluster rule on a lot, a vial
 * and a practitioner's day, inside and outside the kb onset window, of another category, of
 * a complication entered in error; rates and disproportionality counted from the tables;
 * what never counts (sessions not completed, administrations entered in error); the
 * permission; the CSV.
 *
 * The rows are written as chart.c, stock.c and complication.c write them (current versions,
 * complication_suspects one row per suspect), straight into the tables, so that each case
 * is exactly the situation it names.  kb/complications.json: infection_bacterial (category
 * infection, onset 1..84 days), infection_mycobacterial (infection, 7..203),
 * nodule_granuloma (nodule, 7..84).
 */
#include "unit_db.h"

#include "mesodesk/pv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

static unit_db *U;

static void exec(const char *sql, md_val *v, int n)
{
    md_err err;
    md_code rc = md_store_exec(U->db, sql, v, n, NULL, NULL, &err);
    if (rc != MD_OK) fprintf(stderr, "%s\n%s\n", sql, err.message);
    assert_int_equal(rc, MD_OK);
}

#define VERSIONED "clinic_id, id, version, current, recorded_by, recorded_at, reason"
#define V1 "$1, $2, 1, 1, 'unit', '2026-01-01T00:00:00Z', 'seeded'"

/* A product holding ingredient, with lot lot_id (number lot_number). */
static void product_lot(const char *product, const char *ingredient, const char *lot,
                        const char *number)
{
    char ings[128];
    snprintf(ings, sizeof ings, "[{\"ingredient\":\"%s\",\"concentration\":\"1%%\"}]", ingredient);
    md_val p[] = {md_text(U->ctx.who.clinic_id), md_text(product), md_text(ings)};
    exec("INSERT INTO products (" VERSIONED ", name, presentation, volume_ml, base, "
         "ingredients, regulatory, status) VALUES (" V1 ", 'Product', 'single_dose', 2000, "
         "'aqueous', $3, '{}', 'active')",
         p, 3);
    md_val l[] = {md_text(U->ctx.who.clinic_id), md_text(lot), md_text(product), md_text(number)};
    exec("INSERT INTO lots (" VERSIONED ", product_id, lot_number, expiry, received_on, "
         "quantity, unit, status) VALUES (" V1 ", $3, $4, '2099-12-31', '2026-01-01', 100, "
         "'ampoule', 'active')",
         l, 4);
}

static void vial(const char *id, const char *lot)
{
    md_val v[] = {md_text(U->ctx.who.clinic_id), md_text(id), md_text(lot)};
    exec("INSERT INTO vials (" VERSIONED ", lot_id, opened_at, volume_ml, beyond_use_at, "
         "beyond_use_rule, status) VALUES (" V1 ", $3, '2026-03-01T09:00:00Z', 10000, "
         "'2026-03-29T09:00:00Z', 'kb', 'open')",
         v, 3);
}

/* A session of patient by practitioner on day, in state, with one dose of product/lot/vial
 * (vial may be NULL) whose status is admin_status. */
static void session(const char *id, const char *patient, const char *practitioner, const char *day,
                    const char *state, const char *product, const char *lot, const char *vial_id,
                    const char *admin_status)
{
    md_val s[] = {md_text(U->ctx.who.clinic_id), md_text(id),  md_text(patient),
                  md_text(practitioner),         md_text(day), md_text(state)};
    exec("INSERT INTO treatment_sessions (" VERSIONED ", patient_id, course_id, course_session, "
         "practitioner_id, day, state, events) VALUES (" V1 ", $3, 'course', 1, $4, $5, $6, '[]')",
         s, 6);
    char aid[64], at[32];
    snprintf(aid, sizeof aid, "a-%s", id);
    snprintf(at, sizeof at, "%sT10:00:00Z", day);
    md_val a[] = {md_text(U->ctx.who.clinic_id),
                  md_text(aid),
                  md_text(patient),
                  md_text(product),
                  md_text(lot),
                  md_text(vial_id),
                  md_text(id),
                  md_text(at),
                  md_text(practitioner),
                  md_text(admin_status)};
    exec("INSERT INTO administrations (" VERSIONED ", patient_id, product_id, lot_id, vial_id, "
         "volume_ml, route, context, context_id, given_at, given_by, status) VALUES (" V1
         ", $3, $4, $5, $6, 200, 'intradermal', 'session', $7, $8, $9, $10)",
         a, 10);
}

/* A complication of patient (code, onset, status) naming its suspects: kinds[i] refs[i]. */
static void complication(const char *id, const char *patient, const char *code, const char *onset,
                         const char *status, const char *const *kinds, const char *const *refs)
{
    md_val c[] = {md_text(U->ctx.who.clinic_id),
                  md_text(id),
                  md_text(patient),
                  md_text(code),
                  md_text(onset),
                  md_text(status)};
    exec("INSERT INTO complications (" VERSIONED ", patient_id, code, onset_on, source, status) "
         "VALUES (" V1 ", $3, $4, $5, 'staff', $6)",
         c, 6);
    int current = strcmp(status, "entered_in_error") != 0;
    for (size_t i = 0; kinds[i]; i++) {
        md_val s[] = {md_text(U->ctx.who.clinic_id),
                      md_text(id),
                      md_text(patient),
                      md_text(kinds[i]),
                      md_text(refs[i]),
                      md_text(onset),
                      md_text(code),
                      md_int(current)};
        exec("INSERT INTO complication_suspects (clinic_id, complication_id, version, "
             "patient_id, kind, ref_id, onset_on, code, current) VALUES ($1, $2, 1, $3, $4, $5, "
             "$6, $7, $8)",
             s, 8);
    }
}

static const char *const LOT_SESSION[] = {"lot", "session", NULL};

static json_t *report(json_t *in)
{
    json_t *out = NULL;
    md_err err;
    md_code rc = md_pv_signals(&U->ctx, in, &out, &err);
    if (rc != MD_OK) fprintf(stderr, "signals: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    json_decref(in);
    return out;
}

/* The cluster of shared/id in rep, or NULL. */
static json_t *cluster(json_t *rep, const char *shared, const char *id)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(rep, "clusters"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "shared")), shared) == 0 &&
            strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
            return c;
    }
    return NULL;
}

static json_t *line(json_t *rep, const char *section, const char *dimension, const char *id,
                    const char *code)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(rep, section), i, l)
    {
        if (strcmp(json_string_value(json_object_get(l, "dimension")), dimension) == 0 &&
            strcmp(json_string_value(json_object_get(l, "id")), id) == 0 &&
            (!code || strcmp(json_string_value(json_object_get(l, "code")), code) == 0))
            return l;
    }
    return NULL;
}

static int setup(void **state)
{
    int rc = unit_db_setup(state);
    U = *state;
    product_lot("prod-a", "hyaluronic_acid", "lot-a", "LA-1");
    product_lot("prod-b", "procaine", "lot-b", "LB-1");
    return rc;
}

/* Two infections on one lot, each inside its window after its session: a cluster.  A third
 * patient's infection on the lot 100 days after the session (outside 1..84) is not in it;
 * nor is a nodule (another category) on the lot. */
static void two_infections_on_one_lot_within_the_window_are_a_cluster(void **state)
{
    (void)state;
    session("s1", "p1", "dr-1", "2026-03-02", "completed", "prod-a", "lot-a", NULL, "given");
    session("s2", "p2", "dr-2", "2026-03-05", "signed_off", "prod-a", "lot-a", NULL, "given");
    session("s3", "p3", "dr-3", "2026-03-06", "completed", "prod-a", "lot-a", NULL, "given");
    session("s4", "p4", "dr-4", "2026-03-07", "completed", "prod-a", "lot-a", NULL, "given");
    complication("c1", "p1", "infection_bacterial", "2026-03-20", "open", LOT_SESSION,
                 (const char *const[]){"lot-a", "s1"});
    complication("c2", "p2", "infection_mycobacterial", "2026-04-10", "open", LOT_SESSION,
                 (const char *const[]){"lot-a", "s2"});
    complication("c3", "p3", "infection_bacterial", "2026-06-14", "open", LOT_SESSION,
                 (const char *const[]){"lot-a", "s3"}); /* day 100 */
    complication("c4", "p4", "nodule_granuloma", "2026-03-30", "open", LOT_SESSION,
                 (const char *const[]){"lot-a", "s4"});
    json_t *rep = report(NULL);
    json_t *c = cluster(rep, "lot", "lot-a");
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "rule")), "infection_cluster");
    json_t *ids = json_object_get(c, "complications");
    assert_int_equal(json_array_size(ids), 2);
    assert_int_equal(json_integer_value(json_object_get(c, "patients")), 2);
    char got[80];
    snprintf(got, sizeof got, "%s %s", json_string_value(json_array_get(ids, 0)),
             json_string_value(json_array_get(ids, 1)));
    assert_true(strcmp(got, "c1 c2") == 0 || strcmp(got, "c2 c1") == 0);
    /* The window: from s1's day + 1 (bacterial min) to s2's day + 203 (mycobacterial max). */
    assert_string_equal(json_string_value(json_object_get(json_object_get(c, "window"), "from")),
                        "2026-03-03");
    assert_string_equal(json_string_value(json_object_get(json_object_get(c, "window"), "to")),
                        "2026-09-24");
    assert_true(json_array_size(json_object_get(c, "rule_source")) > 0);
    /* Different practitioners and days: no practitioner-day cluster. */
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(rep, "clusters"), i, e) assert_string_not_equal(
        json_string_value(json_object_get(e, "shared")), "practitioner_day");
    json_decref(rep);
}

/* One infection inside the window and one outside, or an infection and a nodule: no
 * cluster. */
static void outside_the_window_or_another_category_is_no_cluster(void **state)
{
    (void)state;
    session("s1", "p1", "dr-1", "2026-03-02", "completed", "prod-a", "lot-a", NULL, "given");
    session("s2", "p2", "dr-2", "2026-03-05", "completed", "prod-a", "lot-a", NULL, "given");
    session("s3", "p3", "dr-3", "2026-03-06", "completed", "prod-b", "lot-b", NULL, "given");
    session("s4", "p4", "dr-4", "2026-03-07", "completed", "prod-b", "lot-b", NULL, "given");
    complication("c1", "p1", "infection_bacterial", "2026-03-20", "open", LOT_SESSION,
                 (const char *const[]){"lot-a", "s1"});
    /* The same day as the session: before bacterial's 1 day minimum. */
    complication("c2", "p2", "infection_bacterial", "2026-03-05", "open", LOT_SESSION,
                 (const char *const[]){"lot-a", "s2"});
    complication("c3", "p3", "infection_bacterial", "2026-03-20", "open", LOT_SESSION,
                 (const char *const[]){"lot-b", "s3"});
    complication("c4", "p4", "nodule_granuloma", "2026-03-20", "open", LOT_SESSION,
                 (const char *const[]){"lot-b", "s4"});
    json_t *rep = report(NULL);
    assert_int_equal(json_array_size(json_object_get(rep, "clusters")), 0);
    json_decref(rep);
}

/* Two infections through one vial; a third infection entered in error does not make a
 * cluster of a lone one, nor does an administration entered in error. */
static void a_vial_cluster_and_what_never_counts(void **state)
{
    (void)state;
    vial("v1", "lot-b");
    vial("v2", "lot-b");
    static const char *const vial_session[] = {"vial", "session", NULL};
    session("s1", "p1", "dr-1", "2026-03-02", "completed", "prod-b", "lot-b", "v1", "given");
    session("s2", "p2", "dr-2", "2026-03-04", "completed", "prod-b", "lot-b", "v1", "given");
    complication("c1", "p1", "infection_mycobacterial", "2026-04-01", "open", vial_session,
                 (const char *const[]){"v1", "s1"});
    complication("c2", "p2", "infection_mycobacterial", "2026-04-20", "closed", vial_session,
                 (const char *const[]){"v1", "s2"});
    /* v2: one real infection, one entered in error, one whose dose was entered in error. */
    session("s3", "p3", "dr-3", "2026-03-02", "completed", "prod-b", "lot-b", "v2", "given");
    session("s4", "p4", "dr-4", "2026-03-03", "completed", "prod-b", "lot-b", "v2", "given");
    session("s5", "p5", "dr-5", "2026-03-03", "completed", "prod-b", "lot-b", "v2",
            "entered_in_error");
    complication("c3", "p3", "infection_mycobacterial", "2026-04-01", "open", vial_session,
                 (const char *const[]){"v2", "s3"});
    complication("c4", "p4", "infection_mycobacterial", "2026-04-01", "entered_in_error",
                 vial_session, (const char *const[]){"v2", "s4"});
    complication("c5", "p5", "infection_mycobacterial", "2026-04-01", "open", vial_session,
                 (const char *const[]){"v2", "s5"});
    json_t *rep = report(NULL);
    json_t *c = cluster(rep, "vial", "v1");
    assert_non_null(c);
    assert_int_equal(json_array_size(json_object_get(c, "complications")), 2);
    assert_null(cluster(rep, "vial", "v2"));
    /* The entered-in-error complication is not counted anywhere: 4 of the 5. */
    assert_int_equal(json_integer_value(json_object_get(rep, "complications")), 4);
    /* v2's sessions: s3 and s4 (s5's dose was entered in error). */
    json_t *l = line(rep, "rates", "vial", "v2", NULL);
    assert_non_null(l);
    assert_int_equal(json_integer_value(json_object_get(l, "sessions")), 2);
    assert_int_equal(json_integer_value(json_object_get(l, "events")), 2); /* c3, c5 */
    json_decref(rep);
}

/* Two infections after sessions of one practitioner on one day (different lots): a
 * practitioner-day cluster; the same practitioner's session on another day is not in it. */
static void one_practitioners_day_is_a_cluster(void **state)
{
    (void)state;
    static const char *const by_session[] = {"session", NULL};
    session("s1", "p1", "dr-1", "2026-03-02", "completed", "prod-a", "lot-a", NULL, "given");
    session("s2", "p2", "dr-1", "2026-03-02", "completed", "prod-b", "lot-b", NULL, "given");
    session("s3", "p3", "dr-1", "2026-03-09", "completed", "prod-b", "lot-b", NULL, "given");
    complication("c1", "p1", "infection_bacterial", "2026-03-12", "open", by_session,
                 (const char *const[]){"s1"});
    complication("c2", "p2", "infection_bacterial", "2026-03-16", "open", by_session,
                 (const char *const[]){"s2"});
    complication("c3", "p3", "infection_bacterial", "2026-03-16", "open", by_session,
                 (const char *const[]){"s3"});
    json_t *rep = report(NULL);
    json_t *c = cluster(rep, "practitioner_day", "dr-1/2026-03-02");
    assert_non_null(c);
    assert_int_equal(json_array_size(json_object_get(c, "complications")), 2);
    assert_null(cluster(rep, "practitioner_day", "dr-1/2026-03-09"));
    assert_int_equal(json_array_size(json_object_get(rep, "clusters")), 1);
    /* The practitioner's rate: 3 events over 3 sessions. */
    json_t *l = line(rep, "rates", "practitioner", "dr-1", NULL);
    assert_non_null(l);
    assert_int_equal(json_integer_value(json_object_get(l, "sessions")), 3);
    assert_int_equal(json_integer_value(json_object_get(l, "events")), 3);
    json_decref(rep);
}

/*
 * Rates and disproportionality from the tables.  lot-a: 4 completed sessions (a fifth is
 * in progress and does not count), 3 nodules; lot-b: 6 sessions, 1 nodule and 2 bruises.
 * N = 6 complications.  For (lot-a, nodule_granuloma): a = 3, b = 0, c = 1, d = 2.
 */
static void rates_and_disproportionality_are_counted_from_the_tables(void **state)
{
    (void)state;
    char sid[16], pid[16], cid[16];
    for (int i = 0; i < 10; i++) {
        snprintf(sid, sizeof sid, "s%d", i);
        snprintf(pid, sizeof pid, "p%d", i);
        session(sid, pid, "dr-1", "2026-03-02", "completed", i < 4 ? "prod-a" : "prod-b",
                i < 4 ? "lot-a" : "lot-b", NULL, "given");
    }
    session("s10", "p10", "dr-1", "2026-03-02", "in_progress", "prod-a", "lot-a", NULL, "given");
    static const char *const by_lot[] = {"lot", NULL};
    const char *codes[6] = {"nodule_granuloma", "nodule_granuloma", "nodule_granuloma",
                            "nodule_granuloma", "bruising",         "bruising"};
    const char *lots[6] = {"lot-a", "lot-a", "lot-a", "lot-b", "lot-b", "lot-b"};
    for (int i = 0; i < 6; i++) {
        snprintf(cid, sizeof cid, "c%d", i);
        snprintf(pid, sizeof pid, "p%d", i < 3 ? i : i + 1);
        complication(cid, pid, codes[i], "2026-03-20", "open", by_lot,
                     (const char *const[]){lots[i]});
    }
    json_t *rep = report(NULL);
    assert_int_equal(json_integer_value(json_object_get(rep, "sessions")), 10);
    assert_int_equal(json_integer_value(json_object_get(rep, "complications")), 6);
    json_t *l = line(rep, "rates", "lot", "lot-a", NULL);
    assert_int_equal(json_integer_value(json_object_get(l, "sessions")), 4);
    assert_int_equal(json_integer_value(json_object_get(l, "events")), 3);
    md_interval r = md_pv_rate_per_1000(3, 4);
    assert_true(fabs(json_real_value(json_object_get(l, "rate_per_1000")) - 750) < 1e-9);
    assert_true(fabs(json_real_value(json_object_get(l, "hi")) - r.hi) < 1e-9);
    /* The product through its lot, the ingredient through its product. */
    l = line(rep, "rates", "product", "prod-b", NULL);
    assert_int_equal(json_integer_value(json_object_get(l, "sessions")), 6);
    assert_int_equal(json_integer_value(json_object_get(l, "events")), 3);
    l = line(rep, "rates", "ingredient", "hyaluronic_acid", NULL);
    assert_non_null(l);
    assert_int_equal(json_integer_value(json_object_get(l, "sessions")), 4);
    assert_int_equal(json_integer_value(json_object_get(l, "events")), 3);

    l = line(rep, "disproportionality", "lot", "lot-a", "nodule_granuloma");
    assert_non_null(l);
    assert_int_equal(json_integer_value(json_object_get(l, "a")), 3);
    assert_int_equal(json_integer_value(json_object_get(l, "b")), 0);
    assert_int_equal(json_integer_value(json_object_get(l, "c")), 1);
    assert_int_equal(json_integer_value(json_object_get(l, "d")), 2);
    md_pv_2x2 t = md_pv_disproportionality(3, 0, 1, 2);
    /* PRR = (3/3) / (1/3) = 3; b = 0 leaves the ROR undefined (null). */
    assert_true(fabs(json_real_value(json_object_get(json_object_get(l, "prr"), "value")) - 3) <
                1e-12);
    assert_true(json_is_null(json_object_get(json_object_get(l, "ror"), "value")));
    assert_int_equal(json_is_true(json_object_get(l, "signal")), t.signal_prr || t.signal_ror);
    /* min_cases 4: a = 3 is no signal whatever the ratios. */
    json_decref(rep);
    rep = report(json_pack("{s:i}", "min_cases", 4));
    l = line(rep, "disproportionality", "lot", "lot-a", "nodule_granuloma");
    assert_false(json_is_true(json_object_get(l, "signal")));
    /* A period before every session and onset: nothing. */
    json_decref(rep);
    rep = report(json_pack("{s:s,s:s}", "from", "2025-01-01", "to", "2025-12-31"));
    assert_int_equal(json_integer_value(json_object_get(rep, "sessions")), 0);
    assert_int_equal(json_integer_value(json_object_get(rep, "complications")), 0);
    json_decref(rep);
}

/* Reception has no pv_read; bad input names the member. */
static void reception_is_refused_and_bad_input_names_the_field(void **state)
{
    (void)state;
    json_t *out = NULL;
    md_err err;
    U->ctx.who.role = MD_ROLE_RECEPTION;
    assert_int_equal(md_pv_signals(&U->ctx, NULL, &out, &err), MD_EFORBIDDEN);
    U->ctx.who.role = MD_ROLE_ADMIN;
    json_t *in = json_pack("{s:s}", "from", "2026-02-30");
    assert_int_equal(md_pv_signals(&U->ctx, in, &out, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "from");
    json_decref(in);
    in = json_pack("{s:s,s:s}", "from", "2026-03-01", "to", "2026-02-01");
    assert_int_equal(md_pv_signals(&U->ctx, in, &out, &err), MD_EINVAL);
    assert_string_equal(err.field, "to");
    json_decref(in);
    in = json_pack("{s:i}", "colour", 1);
    assert_int_equal(md_pv_signals(&U->ctx, in, &out, &err), MD_EINVAL);
    assert_string_equal(err.field, "colour");
    json_decref(in);
    assert_null(out);
}

/* The CSV: a header, then one row per line with its section first. */
static void the_csv_has_a_row_per_line(void **state)
{
    (void)state;
    session("s1", "p1", "dr-1", "2026-03-02", "completed", "prod-a", "lot-a", NULL, "given");
    session("s2", "p2", "dr-2", "2026-03-05", "completed", "prod-a", "lot-a", NULL, "given");
    complication("c1", "p1", "infection_bacterial", "2026-03-20", "open", LOT_SESSION,
                 (const char *const[]){"lot-a", "s1"});
    complication("c2", "p2", "infection_bacterial", "2026-03-25", "open", LOT_SESSION,
                 (const char *const[]){"lot-a", "s2"});
    char *csv = NULL;
    size_t len = 0;
    md_err err;
    assert_int_equal(md_pv_signals_csv(&U->ctx, NULL, &csv, &len, &err), MD_OK);
    assert_int_equal(strlen(csv), len);
    assert_true(strncmp(csv, "section,dimension,id,label,code,sessions,events,", 48) == 0);
    assert_non_null(strstr(csv, "\r\nrates,lot,lot-a,LA-1 (Product),,2,2,1000,"));
    assert_non_null(strstr(csv, "\r\ndisproportionality,lot,lot-a,"));
    const char *cl = strstr(csv, "\r\nclusters,lot,lot-a,");
    assert_non_null(cl);
    assert_true(strstr(cl, "c1 c2") || strstr(cl, "c2 c1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(two_infections_on_one_lot_within_the_window_are_a_cluster,
                                        setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(outside_the_window_or_another_category_is_no_cluster, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_vial_cluster_and_what_never_counts, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(one_practitioners_day_is_a_cluster, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(rates_and_disproportionality_are_counted_from_the_tables,
                                        setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(reception_is_refused_and_bad_input_names_the_field, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(the_csv_has_a_row_per_line, setup, unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
