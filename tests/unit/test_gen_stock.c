/* Unit tests: the generator's stock (gen_stock.c).  About five sessions and ten doses per
 * patient, each session with the clinic's needle lot of its day; every
 * ledger adds up (no lot below zero, no vial overdrawn); each dose is of its lot's product,
 * a multi-dose dose from a vial of its lot, open at that time; the same seed gives the same
 * rows on two databases; and a generated lot's exposures list exactly its patients. */
#include "unit_db.h"

#include "mesodesk/chart.h"
#include "mesodesk/gen.h"
#include "mesodesk/recall.h"
#include "mesodesk/record.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define PATIENTS 600

static void generate(unit_db *u, uint64_t seed, md_gen_result *res)
{
    md_err err;
    md_gen_options o = {1,    PATIENTS, seed, md_date_from_ymd(2026, 6, 1), 250, 50, NULL,
                        NULL, NULL,     0};
    if (pg_harness_active()) {
        /* A database with a patient: the generator's row-by-row path (its fresh-load path
         * stages search keys in statements of more parameters than store_pg takes). */
        json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "Ivy", "family_name", "Hale",
                               "birth_date", "1990-04-04", "sex", "female"),
               *p = NULL;
        assert_int_equal(md_record_create(&u->ctx, &md_kind_patient, NULL, in, &p, &err), MD_OK);
        json_decref(in);
        json_decref(p);
    }
    u->ctx.who.role = MD_ROLE_SYSTEM;
    u->ctx.who.staff_id[0] = '\0';
    if (md_gen_run(&u->ctx, &o, res, &err) != MD_OK) fail_msg("gen: %s %s", err.field, err.message);
    md_strlcpy(u->ctx.who.clinic_id, res->clinic_ids[0], sizeof u->ctx.who.clinic_id);
}

static int64_t scalar(unit_db *u, const char *sql)
{
    int64_t n = -1;
    md_err err;
    md_val v[] = {md_text(u->ctx.who.clinic_id)};
    if (md_store_scalar_int(u->db, sql, v, 1, &n, &err) != MD_OK)
        fail_msg("%s: %s", sql, err.message);
    return n;
}

static void stock_is_realistic_and_consistent(void **state)
{
    (void)state;
    unit_db u;
    md_gen_result *res = malloc(sizeof *res);
    unit_db_open(&u, 1);
    generate(&u, 7, res);
    int64_t doses = scalar(&u, "SELECT count(*) FROM administrations WHERE clinic_id = $1");
    assert_in_range(doses, PATIENTS * 8, PATIENTS * 12);
    assert_in_range(scalar(&u, "SELECT count(*) FROM (SELECT DISTINCT context_id FROM "
                               "administrations WHERE clinic_id = $1) AS sessions"),
                    PATIENTS * 4, PATIENTS * 6);
    /* One needle, and a needle lot for every lot period, in date on every session day. */
    assert_int_equal(scalar(&u, "SELECT count(*) FROM consumables WHERE clinic_id = $1 AND "
                                "kind = 'needle'"),
                     1);
    assert_true(scalar(&u, "SELECT count(*) FROM lots l JOIN consumables c ON c.clinic_id = "
                           "l.clinic_id AND c.id = l.product_id WHERE l.clinic_id = $1") > 0);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM (SELECT DISTINCT patient_id FROM "
                                "administrations WHERE clinic_id = $1) AS dosed"),
                     PATIENTS);
    /* No lot below zero, no vial overdrawn. */
    assert_true(scalar(&u,
                       "SELECT coalesce(min(s), 0) FROM (SELECT sum(quantity) AS s FROM "
                       "stock_movements WHERE clinic_id = $1 GROUP BY lot_id) AS on_hand") >= 0);
    assert_true(
        scalar(&u, "SELECT coalesce(min(v.volume_ml - coalesce((SELECT sum(d.volume_ul) "
                   "FROM vial_draws d WHERE d.clinic_id = v.clinic_id AND d.vial_id = "
                   "v.id), 0)), 0) FROM vials v WHERE v.clinic_id = $1 AND v.current = 1") >= 0);
    /* Every lot and vial has its running balance, equal to its ledger's sum (stock.c reads
     * the balance). */
    assert_int_equal(scalar(&u, "SELECT count(*) FROM lots l WHERE l.clinic_id = $1 AND "
                                "l.current = 1 AND NOT EXISTS (SELECT 1 FROM lot_balances b "
                                "WHERE b.clinic_id = l.clinic_id AND b.lot_id = l.id AND "
                                "b.on_hand = (SELECT sum(m.quantity) FROM stock_movements m WHERE "
                                "m.clinic_id = l.clinic_id AND m.lot_id = l.id))"),
                     0);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM vials v WHERE v.clinic_id = $1 AND "
                                "v.current = 1 AND EXISTS (SELECT 1 FROM vial_draws d WHERE "
                                "d.clinic_id = v.clinic_id AND d.vial_id = v.id) AND NOT EXISTS "
                                "(SELECT 1 FROM vial_drawn w WHERE w.clinic_id = v.clinic_id AND "
                                "w.vial_id = v.id AND w.drawn_ul = (SELECT sum(d.volume_ul) FROM "
                                "vial_draws d WHERE d.clinic_id = v.clinic_id AND d.vial_id = "
                                "v.id))"),
                     0);
    /* A dose is of its lot's product; single-dose doses took a container, multi-dose ones
     * drew from a vial of their own lot, open at the time. */
    assert_int_equal(scalar(&u, "SELECT count(*) FROM administrations a JOIN lots l ON "
                                "l.clinic_id = a.clinic_id AND l.id = a.lot_id WHERE a.clinic_id "
                                "= $1 AND l.product_id <> a.product_id"),
                     0);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM administrations a JOIN vials v ON "
                                "v.clinic_id = a.clinic_id AND v.id = a.vial_id AND v.version = 1 "
                                "WHERE a.clinic_id = $1 AND (v.lot_id <> a.lot_id OR a.given_at < "
                                "v.opened_at OR a.given_at >= v.beyond_use_at)"),
                     0);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM administrations a WHERE a.clinic_id = $1 "
                                "AND a.vial_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                                "vial_draws d WHERE d.clinic_id = a.clinic_id AND "
                                "d.administration_id = a.id)"),
                     0);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM administrations a WHERE a.clinic_id = $1 "
                                "AND a.vial_id IS NULL AND NOT EXISTS (SELECT 1 FROM "
                                "stock_movements m WHERE m.clinic_id = a.clinic_id AND "
                                "m.administration_id = a.id AND m.quantity = -1)"),
                     0);
    assert_true(scalar(&u, "SELECT count(*) FROM administrations WHERE clinic_id = $1 AND "
                           "vial_id IS NOT NULL") > 0);
    /* A generated lot's exposures are exactly its patients. */
    char lot[MD_ID_STR];
    md_err err;
    md_val v[] = {md_text(u.ctx.who.clinic_id)};
    assert_int_equal(md_store_scalar_text(u.db,
                                          "SELECT min(lot_id) FROM administrations WHERE "
                                          "clinic_id = $1 AND vial_id IS NULL",
                                          v, 1, lot, sizeof lot, &err),
                     MD_OK);
    md_val lv[] = {md_text(u.ctx.who.clinic_id), md_text(lot)};
    int64_t want = 0, want_doses = 0;
    assert_int_equal(md_store_scalar_int(u.db,
                                         "SELECT count(DISTINCT patient_id) FROM administrations "
                                         "WHERE clinic_id = $1 AND lot_id = $2",
                                         lv, 2, &want, &err),
                     MD_OK);
    assert_int_equal(md_store_scalar_int(u.db,
                                         "SELECT count(*) FROM administrations WHERE clinic_id = "
                                         "$1 AND lot_id = $2",
                                         lv, 2, &want_doses, &err),
                     MD_OK);
    json_t *ex = NULL;
    assert_int_equal(md_recall_exposures_lot(&u.ctx, lot, &ex, &err), MD_OK);
    assert_int_equal(json_integer_value(json_object_get(ex, "patients")), want);
    assert_int_equal(json_integer_value(json_object_get(ex, "administrations")), want_doses);
    assert_true(want > 0);
    json_decref(ex);
    free(res);
    unit_db_close(&u);
}

typedef struct ids {
    char sum[64];
    long n;
} ids;

static int add_id(void *va, const md_row *r)
{
    ids *a = va;
    const char *s = md_row_text(r, 0);
    for (size_t i = 0; s[i] && i < 32; i++)
        a->sum[i] = (char)(a->sum[i] * 31 + s[i]); /* order matters */
    a->n++;
    return 0;
}

static void fold(unit_db *u, const char *sql, ids *out)
{
    md_err err;
    md_val v[] = {md_text(u->ctx.who.clinic_id)};
    memset(out, 0, sizeof *out);
    assert_int_equal(md_store_exec(u->db, sql, v, 1, add_id, out, &err), MD_OK);
}

static void the_same_seed_gives_the_same_stock(void **state)
{
    (void)state;
    static const char *const sql[] = {
        "SELECT id FROM lots WHERE clinic_id = $1 ORDER BY id",
        "SELECT id FROM vials WHERE clinic_id = $1 ORDER BY id, version",
        "SELECT lot_id FROM administrations WHERE clinic_id = $1 ORDER BY id",
        "SELECT coalesce(vial_id, given_at) FROM administrations WHERE clinic_id = $1 ORDER BY id",
        "SELECT id FROM stock_movements WHERE clinic_id = $1 ORDER BY id",
        "SELECT id || ' ' || day || ' ' || course_session FROM treatment_sessions WHERE "
        "clinic_id = $1 ORDER BY id",
    };
    unit_db a, b;
    md_gen_result *ra = malloc(sizeof *ra), *rb = malloc(sizeof *rb);
    unit_db_open(&a, 1);
    unit_db_open(&b, 1);
    generate(&a, 3, ra);
    generate(&b, 3, rb);
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        ids x, y;
        fold(&a, sql[i], &x);
        fold(&b, sql[i], &y);
        assert_true(x.n > 0);
        assert_int_equal(x.n, y.n);
        assert_memory_equal(x.sum, y.sum, sizeof x.sum);
    }
    free(ra);
    free(rb);
    unit_db_close(&a);
    unit_db_close(&b);
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Every generated session is charted: one treatment session per session of doses, whose
 * entries are exactly its administrations (lot, vial, the zone's area), points inside
 * their zones, read back through md_chart_get; a session signed off names the clinic's
 * medical director. */
static void every_session_is_charted_with_its_doses(void **state)
{
    (void)state;
    unit_db u;
    md_err err;
    md_gen_result *res = malloc(sizeof *res);
    unit_db_open(&u, 1);
    generate(&u, 5, res);
    int64_t sessions = scalar(&u, "SELECT count(*) FROM treatment_sessions WHERE clinic_id = $1");
    assert_int_equal(sessions, scalar(&u, "SELECT count(*) FROM (SELECT DISTINCT context_id "
                                          "FROM administrations WHERE clinic_id = $1) AS s"));
    assert_int_equal(scalar(&u, "SELECT count(*) FROM treatment_sessions t WHERE t.clinic_id = $1 "
                                "AND NOT EXISTS (SELECT 1 FROM administrations a WHERE "
                                "a.clinic_id = t.clinic_id AND a.context_id = t.id AND "
                                "a.patient_id = t.patient_id)"),
                     0);
    assert_true(scalar(&u, "SELECT count(*) FROM treatment_sessions WHERE clinic_id = $1 AND "
                           "state = 'signed_off'") > 0);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM treatment_sessions WHERE clinic_id = $1 AND "
                                "state NOT IN ('signed_off', 'completed')"),
                     0);
    char director[MD_ID_STR], sid[3][MD_ID_STR];
    md_val cv[] = {md_text(u.ctx.who.clinic_id)};
    assert_int_equal(md_store_scalar_text(u.db,
                                          "SELECT id FROM staff WHERE clinic_id = $1 AND role = "
                                          "'medical_director'",
                                          cv, 1, director, sizeof director, &err),
                     MD_OK);
    assert_int_equal(md_store_scalar_text(u.db,
                                          "SELECT min(id) FROM treatment_sessions WHERE "
                                          "clinic_id = $1 AND state = 'signed_off'",
                                          cv, 1, sid[0], MD_ID_STR, &err),
                     MD_OK);
    assert_int_equal(md_store_scalar_text(u.db,
                                          "SELECT max(id) FROM treatment_sessions WHERE "
                                          "clinic_id = $1",
                                          cv, 1, sid[1], MD_ID_STR, &err),
                     MD_OK);
    assert_int_equal(md_store_scalar_text(u.db,
                                          "SELECT max(context_id) FROM administrations WHERE "
                                          "clinic_id = $1 AND vial_id IS NOT NULL",
                                          cv, 1, sid[2], MD_ID_STR, &err),
                     MD_OK);
    for (int k = 0; k < 3; k++) {
        json_t *sj = NULL;
        assert_int_equal(md_chart_get(&u.ctx, sid[k], &sj, &err), MD_OK);
        json_t *entries = json_object_get(json_object_get(sj, "chart"), "entries");
        md_val v[] = {md_text(u.ctx.who.clinic_id), md_text(sid[k])};
        int64_t doses = 0;
        assert_int_equal(md_store_scalar_int(u.db,
                                             "SELECT count(*) FROM administrations WHERE "
                                             "clinic_id = $1 AND context_id = $2",
                                             v, 2, &doses, &err),
                         MD_OK);
        assert_true(doses >= 1);
        assert_int_equal(json_array_size(entries), doses);
        size_t i;
        json_t *e;
        json_array_foreach(entries, i, e)
        {
            char lot[MD_ID_STR], area[64], vial[MD_ID_STR];
            md_val a[] = {md_text(u.ctx.who.clinic_id), md_text(str(e, "administration_id")),
                          md_text(sid[k])};
            assert_int_equal(md_store_scalar_text(u.db,
                                                  "SELECT lot_id FROM administrations WHERE "
                                                  "clinic_id = $1 AND id = $2 AND context_id = $3",
                                                  a, 3, lot, sizeof lot, &err),
                             MD_OK);
            assert_string_equal(lot, str(e, "lot_id"));
            assert_int_equal(md_store_scalar_text(u.db,
                                                  "SELECT coalesce(vial_id, '') FROM "
                                                  "administrations WHERE clinic_id = $1 AND id = "
                                                  "$2 AND context_id = $3",
                                                  a, 3, vial, sizeof vial, &err),
                             MD_OK);
            assert_string_equal(vial, str(e, "vial_id") ? str(e, "vial_id") : "");
            assert_int_equal(md_store_scalar_text(u.db,
                                                  "SELECT area FROM administrations WHERE "
                                                  "clinic_id = $1 AND id = $2 AND context_id = $3",
                                                  a, 3, area, sizeof area, &err),
                             MD_OK);
            const char *why = NULL;
            const char *zone_area =
                md_body_map_zone_area(md_kb_map_find(u.ctx.kb, str(e, "map")), str(e, "zone"),
                                      json_number_value(json_object_get(e, "x")),
                                      json_number_value(json_object_get(e, "y")), &why);
            assert_non_null(zone_area);
            assert_string_equal(zone_area, area);
        }
        if (k == 0) assert_string_equal(str(sj, "signed_off_by"), director);
        json_decref(sj);
    }
    free(res);
    unit_db_close(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stock_is_realistic_and_consistent),
        cmocka_unit_test(the_same_seed_gives_the_same_stock),
        cmocka_unit_test(every_session_is_charted_with_its_doses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
