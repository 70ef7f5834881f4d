/* Unit tests: the generator's complications, follow-ups, escalations and check-ins
 * (gen_care.c).  Rates of the kb's frequency classes (common local reactions in about 2 %
 * of sessions, grade 1-2; rare ones a few per 10,000), a seeded cluster of infections on
 * one lot, suspects rows that are the session's own doses, the kb's follow-up schedule,
 * escalations for grade 3 and red flags, check-ins on day 2 and 14 of each session, mostly
 * answered; every record read back through its own module (md_complication_get,
 * md_checkin_get, md_escalation_worklist); and the same seed giving the same rows. */
#include "unit_db.h"

#include "mesodesk/checkin.h"
#include "mesodesk/complication.h"
#include "mesodesk/gen.h"
#include "mesodesk/record.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define PATIENTS 1000

static void generate(unit_db *u, uint64_t seed, md_gen_result *res)
{
    md_err err;
    md_gen_options o = {1,    PATIENTS, seed, md_date_from_ymd(2026, 6, 1), 500, 0, NULL,
                        NULL, NULL,     0};
    if (pg_harness_active()) { /* the row-by-row path, as test_gen_stock.c explains */
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

static void text(unit_db *u, const char *sql, char *out, size_t n)
{
    md_err err;
    md_val v[] = {md_text(u->ctx.who.clinic_id)};
    if (md_store_scalar_text(u->db, sql, v, 1, out, n, &err) != MD_OK)
        fail_msg("%s: %s", sql, err.message);
}

/* As a medical director of the clinic (to read and act as staff do). */
static void as_director(unit_db *u)
{
    u->ctx.who.role = MD_ROLE_MEDICAL_DIRECTOR;
    text(u, "SELECT min(id) FROM staff WHERE clinic_id = $1 AND role = 'medical_director'",
         u->ctx.who.staff_id, sizeof u->ctx.who.staff_id);
}

static void complications_at_the_kb_rates_with_a_cluster(void **state)
{
    (void)state;
    unit_db u;
    md_err err;
    md_gen_result *res = malloc(sizeof *res);
    unit_db_open(&u, 1);
    generate(&u, 11, res);
    int64_t sessions = scalar(&u, "SELECT count(*) FROM treatment_sessions WHERE clinic_id = $1");
    int64_t all = scalar(&u, "SELECT count(*) FROM complications WHERE clinic_id = $1");
    int64_t common = scalar(&u, "SELECT count(*) FROM complications WHERE clinic_id = $1 AND "
                                "code IN ('local_reaction', 'bruising', 'pain')");
    /* the common ones: 3 codes x 6,000 per million sessions, less those not known yet */
    assert_in_range(common, sessions * 10 / 1000, sessions * 25 / 1000);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM complications WHERE clinic_id = $1 AND "
                                "code IN ('local_reaction', 'bruising', 'pain') AND grade > 2"),
                     0);
    /* the cluster: one lot named by 3 or more infections, and no infection elsewhere is
     * that frequent at this size (rare: 30 per million sessions each) */
    int64_t top = scalar(&u, "SELECT max(n) FROM (SELECT count(*) AS n FROM "
                             "complication_suspects s WHERE s.clinic_id = $1 AND s.kind = 'lot' "
                             "AND s.code = 'infection_mycobacterial' GROUP BY s.ref_id) AS x");
    assert_true(top >= 3);
    assert_in_range(all - common, top, top + sessions * 2 / 1000 + 5);
    /* every suspect lot, vial and administration is one of the suspect session's doses */
    assert_int_equal(scalar(&u, "SELECT count(*) FROM complication_suspects s WHERE "
                                "s.clinic_id = $1 AND s.kind = 'administration' AND NOT EXISTS "
                                "(SELECT 1 FROM complication_suspects x JOIN administrations a "
                                "ON a.clinic_id = x.clinic_id AND a.context_id = x.ref_id WHERE "
                                "x.clinic_id = s.clinic_id AND x.complication_id = "
                                "s.complication_id AND x.kind = 'session' AND a.id = s.ref_id)"),
                     0);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM complications c WHERE c.clinic_id = $1 AND "
                                "NOT EXISTS (SELECT 1 FROM complication_suspects s WHERE "
                                "s.clinic_id = c.clinic_id AND s.complication_id = c.id AND "
                                "s.kind = 'lot')"),
                     0);
    /* onsets before as_of and not before their session */
    assert_int_equal(scalar(&u, "SELECT count(*) FROM complications WHERE clinic_id = $1 AND "
                                "onset_on >= '2026-06-01'"),
                     0);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM complication_suspects s JOIN "
                                "treatment_sessions t ON t.clinic_id = s.clinic_id AND t.id = "
                                "s.ref_id WHERE s.clinic_id = $1 AND s.kind = 'session' AND "
                                "s.onset_on < t.day"),
                     0);
    /* follow-ups on the kb schedule; escalations for grade 3+ */
    assert_true(scalar(&u, "SELECT count(*) FROM complication_followups WHERE clinic_id = $1") >=
                all);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM complications c WHERE c.clinic_id = $1 AND "
                                "c.grade >= 3 AND NOT EXISTS (SELECT 1 FROM escalations e WHERE "
                                "e.clinic_id = c.clinic_id AND e.source_id = c.id AND e.cause = "
                                "'grade_3_plus')"),
                     0);
    /* read back through the module: the shapes it stores */
    char id[MD_ID_STR];
    as_director(&u);
    text(&u,
         "SELECT max(id) FROM complications WHERE clinic_id = $1 AND code = "
         "'infection_mycobacterial'",
         id, sizeof id);
    json_t *c = NULL;
    assert_int_equal(md_complication_get(&u.ctx, id, &c, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(c, "code")), "infection_mycobacterial");
    assert_true(json_array_size(json_object_get(json_object_get(c, "suspects"), "lots")) >= 1);
    json_decref(c);
    free(res);
    unit_db_close(&u);
}

static void checkins_on_day_2_and_14_mostly_answered(void **state)
{
    (void)state;
    unit_db u;
    md_err err;
    md_gen_result *res = malloc(sizeof *res);
    unit_db_open(&u, 1);
    generate(&u, 12, res);
    int64_t sessions = scalar(&u, "SELECT count(*) FROM treatment_sessions WHERE clinic_id = $1");
    int64_t checkins = scalar(&u, "SELECT count(*) FROM checkins WHERE clinic_id = $1");
    /* a link made after as_of is not made: the last sessions of the run (clamped to as_of) */
    assert_in_range(checkins, 2 * sessions - sessions / 100, 2 * sessions);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM checkins WHERE clinic_id = $1 AND "
                                "day_offset NOT IN (2, 14)"),
                     0);
    int64_t due = scalar(&u, "SELECT count(*) FROM checkins WHERE clinic_id = $1 AND due_on < "
                             "'2026-06-01'");
    int64_t answered = scalar(&u, "SELECT count(*) FROM checkins WHERE clinic_id = $1 AND "
                                  "status = 'answered'");
    assert_in_range(answered, due * 85 / 100, due * 95 / 100);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM checkin_links WHERE clinic_id = $1"),
                     checkins);
    /* a red-flag answer is on the worklist's records */
    int64_t red = scalar(&u, "SELECT count(*) FROM checkins WHERE clinic_id = $1 AND red_flags "
                             "IS NOT NULL AND red_flags <> '[]'");
    assert_true(red >= 1);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM escalations WHERE clinic_id = $1 AND "
                                "cause = 'checkin_red_flag'"),
                     red);
    char id[MD_ID_STR];
    as_director(&u);
    text(&u, "SELECT max(id) FROM checkins WHERE clinic_id = $1 AND status = 'answered'", id,
         sizeof id);
    json_t *ci = NULL, *wl = NULL;
    assert_int_equal(md_checkin_get(&u.ctx, id, &ci, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(ci, "status")), "answered");
    json_decref(ci);
    assert_int_equal(md_escalation_worklist(&u.ctx, &wl, &err), MD_OK);
    assert_true(json_integer_value(json_object_get(wl, "count")) >= 1);
    json_decref(wl);
    free(res);
    unit_db_close(&u);
}

static void the_same_seed_gives_the_same_care(void **state)
{
    (void)state;
    static const char *const sql[] = {
        "SELECT count(*) * 1000003 + sum(length(id) * grade) FROM complications WHERE "
        "clinic_id = $1",
        "SELECT count(*) FROM complication_suspects WHERE clinic_id = $1",
        "SELECT count(*) FROM escalations WHERE clinic_id = $1",
    };
    unit_db a, b;
    md_gen_result *ra = malloc(sizeof *ra), *rb = malloc(sizeof *rb);
    unit_db_open(&a, 1);
    unit_db_open(&b, 1);
    generate(&a, 3, ra);
    generate(&b, 3, rb);
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        assert_int_equal(scalar(&a, sql[i]), scalar(&b, sql[i]));
    char x[MD_ID_STR], y[MD_ID_STR];
    text(&a, "SELECT max(id) FROM complications WHERE clinic_id = $1", x, sizeof x);
    text(&b, "SELECT max(id) FROM complications WHERE clinic_id = $1", y, sizeof y);
    assert_string_equal(x, y);
    free(ra);
    free(rb);
    unit_db_close(&a);
    unit_db_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(complications_at_the_kb_rates_with_a_cluster),
        cmocka_unit_test(checkins_on_day_2_and_14_mostly_answered),
        cmocka_unit_test(the_same_seed_gives_the_same_care),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
