/*
 * test_patch_test.c - patch tests in the core: the outcome of a test from its readings and
 * the kb (kb/patch_tests.json), the reading windows, the validity arithmetic, a positive
 * reading and its allergies as one transaction, and what screening gathers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "mesodesk/patch_test.h"
#include "mesodesk/record.h"
#include "mesodesk/stock.h"
#include "unit_db.h"

#define H 3600

static md_kb *kb;

static int kb_setup(void **state)
{
    (void)state;
    md_err err;
    const char *dir = getenv("MESODESK_KB") ? getenv("MESODESK_KB") : MESODESK_SOURCE_DIR "/kb";
    return md_kb_load(dir, &kb, &err) == MD_OK ? 0 : -1;
}

static int kb_teardown(void **state)
{
    (void)state;
    md_kb_free(kb);
    return 0;
}

static md_patch_outcome outcome(const md_patch_reading_in *r, size_t n, int64_t now)
{
    md_patch_outcome o;
    md_patch_outcome_of(md_kb_patch_tests(kb), 0, r, n, 6, now, &o);
    return o;
}

/* Positive wins; an inconclusive grade is neither; a negative needs the final window. */
static void outcome_from_readings(void **state)
{
    (void)state;
    const md_patch_reading_in neg2 = {"day_2", "negative"}, neg34 = {"day_3_4", "negative"},
                              pos34 = {"day_3_4", "+"}, dbt2 = {"day_2", "doubtful"},
                              ir34 = {"day_3_4", "irritant"};
    md_patch_outcome o;
    o = outcome((md_patch_reading_in[]){neg2, neg34}, 2, 80 * H);
    assert_string_equal(o.result, "negative");
    assert_true(o.negative);
    o = outcome((md_patch_reading_in[]){neg2, pos34}, 2, 80 * H);
    assert_string_equal(o.result, "positive"); /* a late reaction */
    assert_false(o.negative);
    o = outcome((md_patch_reading_in[]){dbt2, neg34}, 2, 80 * H);
    assert_string_equal(o.result, "doubtful");
    o = outcome((md_patch_reading_in[]){neg2, ir34}, 2, 80 * H);
    assert_string_equal(o.result, "irritant");
    o = outcome((md_patch_reading_in[]){dbt2, pos34}, 2, 80 * H);
    assert_string_equal(o.result, "positive");
    /* Day 2 alone: pending while day 3-4 is open, not read once it closed. */
    o = outcome(&neg2, 1, 90 * H);
    assert_string_equal(o.result, "pending");
    o = outcome(&neg2, 1, 101 * H);
    assert_string_equal(o.result, "not_read");
    o = outcome(NULL, 0, 10 * H);
    assert_string_equal(o.result, "pending");
}

static void windows_from_the_kb(void **state)
{
    (void)state;
    const md_patch_kb *pk = md_kb_patch_tests(kb);
    assert_non_null(pk);
    assert_null(md_patch_window_at(pk, 43.9));
    assert_string_equal(md_patch_window_at(pk, 44)->code, "day_2");
    assert_string_equal(md_patch_window_at(pk, 56)->code, "day_2");
    assert_null(md_patch_window_at(pk, 60));
    assert_string_equal(md_patch_window_at(pk, 68)->code, "day_3_4");
    assert_string_equal(md_patch_window_at(pk, 100)->code, "day_3_4");
    assert_null(md_patch_window_at(pk, 100.01));
    assert_int_equal(pk->validity_months, 6);
    assert_int_equal(md_patch_grade_find(pk, "++")->counts_as, MD_PATCH_POSITIVE);
    assert_int_equal(md_patch_grade_find(pk, "doubtful")->counts_as, MD_PATCH_INCONCLUSIVE);
    assert_int_equal(md_patch_grade_find(pk, "irritant")->counts_as, MD_PATCH_INCONCLUSIVE);
    assert_int_equal(md_patch_grade_find(pk, "negative")->counts_as, MD_PATCH_NEGATIVE);
    assert_null(md_patch_grade_find(pk, "++++"));
}

static void months_are_calendar_months(void **state)
{
    (void)state;
    char d[MD_DATE_STR];
    md_date_format(md_day_add_months(md_date_from_ymd(2026, 8, 31), 6), d);
    assert_string_equal(d, "2027-02-28");
    md_date_format(md_day_add_months(md_date_from_ymd(2027, 8, 31), 6), d);
    assert_string_equal(d, "2028-02-29");
    md_date_format(md_day_add_months(md_date_from_ymd(2026, 11, 21), 6), d);
    assert_string_equal(d, "2027-05-21");
    md_date_format(md_day_add_months(md_date_from_ymd(2026, 12, 1), 1), d);
    assert_string_equal(d, "2027-01-01");
}

/* ---- with a database ---- */

static void new_patient(unit_db *u, char pid[MD_ID_STR])
{
    md_err err;
    json_t *out = NULL, *p = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "Unit", "family_name",
                                       "Patch", "birth_date", "1980-02-02", "sex", "male");
    assert_int_equal(md_record_create(&u->ctx, &md_kind_patient, NULL, p, &out, &err), MD_OK);
    md_strlcpy(pid, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(out);
    json_decref(p);
}

static void apply_ago(unit_db *u, const char *pid, double hours, char tid[MD_ID_STR])
{
    md_err err;
    char at[MD_TIME_STR];
    md_time_format(md_now() - (int64_t)(hours * H), at);
    json_t *out = NULL, *in = json_pack("{s:[s,s],s:s,s:s}", "ingredients", "lidocaine",
                                        "hyaluronic acid", "site", "arms", "applied_at", at);
    assert_int_equal(md_patch_test_apply(&u->ctx, pid, in, &out, &err), MD_OK);
    md_strlcpy(tid, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    /* Synonyms are stored as kb codes, each once. */
    json_t *ing = json_object_get(out, "ingredients");
    assert_int_equal(json_array_size(ing), 2);
    assert_string_equal(json_string_value(json_array_get(ing, 0)), "lidocaine");
    assert_string_equal(json_string_value(json_array_get(ing, 1)), "hyaluronic_acid");
    json_decref(out);
    json_decref(in);
}

static int64_t count_of(unit_db *u, const char *table, const char *pid)
{
    char sql[200];
    int64_t n = -1;
    md_err err;
    md_val v[] = {md_text(u->ctx.who.clinic_id), md_text(pid)};
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM %s WHERE clinic_id = $1 AND patient_id = $2 AND current = 1",
             table);
    assert_int_equal(md_store_scalar_int(u->db, sql, v, 2, &n, &err), MD_OK);
    return n;
}

/* A positive reading and its allergies commit together or not at all. */
static void a_positive_reading_that_fails_half_way_records_nothing(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR], tid[MD_ID_STR];
    json_t *out = NULL, *in = json_pack("{s:s}", "grade", "++");
    new_patient(u, pid);
    apply_ago(u, pid, 50, tid);
    assert_int_equal(md_store_exec(u->db,
                                   "CREATE TRIGGER no_allergies BEFORE INSERT ON allergies BEGIN "
                                   "SELECT RAISE(ABORT, 'disk trouble'); END",
                                   NULL, 0, NULL, NULL, &err),
                     MD_OK);
    assert_int_not_equal(md_patch_test_read(&u->ctx, pid, tid, in, &out, &err), MD_OK);
    assert_null(out);
    assert_int_equal(md_store_in_tx(u->db), 0);
    assert_int_equal(count_of(u, "patch_test_readings", pid), 0);
    assert_int_equal(count_of(u, "allergies", pid), 0);
    md_store_exec(u->db, "DROP TRIGGER no_allergies", NULL, 0, NULL, NULL, &err);
    assert_int_equal(md_patch_test_read(&u->ctx, pid, tid, in, &out, &err), MD_OK);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(out, "outcome"), "result")), "positive");
    assert_int_equal(count_of(u, "patch_test_readings", pid), 1);
    assert_int_equal(count_of(u, "allergies", pid), 2);
    int64_t checked = 0;
    assert_int_equal(md_audit_verify(u->db, u->ctx.who.clinic_id, &checked, &err), MD_OK);
    json_decref(out);
    json_decref(in);
}

/* Screening gathers every test not entered in error, with its outcome and validity. */
static void screening_gathers_the_tests(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR], t1[MD_ID_STR], t2[MD_ID_STR];
    json_t *out = NULL, *neg = json_pack("{s:s}", "grade", "negative");
    new_patient(u, pid);
    apply_ago(u, pid, 80, t1);
    apply_ago(u, pid, 50, t2);
    assert_int_equal(md_patch_test_read(&u->ctx, pid, t1, neg, &out, &err), MD_OK);
    json_decref(out);
    md_screen_input in;
    md_screen_input_init(&in);
    assert_int_equal(md_patch_tests_for_screening(&u->ctx, pid, &in, &err), MD_OK);
    assert_int_equal(in.n_patch_tests, 2);
    assert_string_equal(in.patch_tests[0].id, t1);
    assert_string_equal(in.patch_tests[0].result, "negative");
    assert_int_equal(in.patch_tests[0].n_ingredients, 2);
    assert_string_equal(in.patch_tests[0].ingredients[1], "hyaluronic_acid");
    md_day applied = (md_day)((md_now() - 80 * H) / 86400);
    assert_int_equal(in.patch_tests[0].valid_until, md_day_add_months(applied, 6));
    assert_string_equal(in.patch_tests[1].result, "pending");
    /* Entered in error: left out. */
    json_t *eie = json_pack("{s:s}", "reason", "wrong arm");
    assert_int_equal(md_patch_test_entered_in_error(&u->ctx, pid, t2, eie, &out, &err), MD_OK);
    json_decref(out);
    md_screen_input_init(&in);
    assert_int_equal(md_patch_tests_for_screening(&u->ctx, pid, &in, &err), MD_OK);
    assert_int_equal(in.n_patch_tests, 1);
    json_decref(eie);
    json_decref(neg);
}

/* ---- a product lot: its administration in the same transaction ---- */

static void new_lot(unit_db *u, const char *number, const char *expiry, char lot[MD_ID_STR])
{
    md_err err;
    json_t *p = NULL, *l = NULL,
           *pin = json_pack("{s:s,s:s,s:f,s:s,s:[{s:s,s:s},{s:s,s:s}],s:{s:s}}", "name",
                            "Meso HA+C", "presentation", "single_dose", "volume_ml", 2.0, "base",
                            "aqueous", "ingredients", "ingredient", "hyaluronic_acid",
                            "concentration", "1.5%", "ingredient", "vitamin_c", "concentration",
                            "20 mg/ml", "regulatory", "EU", "ce_marked");
    assert_int_equal(md_record_create(&u->ctx, &md_kind_product, NULL, pin, &p, &err), MD_OK);
    json_t *lin = json_pack("{s:s,s:s,s:s,s:s,s:i}", "product_id",
                            json_string_value(json_object_get(p, "id")), "lot_number", number,
                            "expiry", expiry, "received_on", "2026-01-10", "quantity", 3);
    md_code rc = md_lot_create(&u->ctx, lin, &l, &err);
    if (rc) fprintf(stderr, "lot: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    md_strlcpy(lot, json_string_value(json_object_get(l, "id")), MD_ID_STR);
    json_decref(pin);
    json_decref(lin);
    json_decref(p);
    json_decref(l);
}

static md_code apply_lot(unit_db *u, const char *pid, const char *lot, double ml, json_t **out,
                         md_err *err)
{
    json_t *in = json_pack("{s:s,s:f,s:s}", "lot_id", lot, "volume_ml", ml, "site", "arms");
    md_code rc = md_patch_test_apply(&u->ctx, pid, in, out, err);
    json_decref(in);
    return rc;
}

static void a_lot_test_records_its_administration(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR], lot[MD_ID_STR];
    int64_t before = 0, after = 0;
    json_t *t = NULL;
    new_patient(u, pid);
    new_lot(u, "PT-1", "2030-01-01", lot);
    assert_int_equal(md_lot_on_hand(&u->ctx, lot, &before, &err), MD_OK);
    assert_int_equal(apply_lot(u, pid, lot, 0.05, &t, &err), MD_OK);
    /* The product's ingredients are the ones tested; the dose and its stock are recorded. */
    json_t *ing = json_object_get(t, "ingredients");
    assert_int_equal(json_array_size(ing), 2);
    assert_string_equal(json_string_value(json_array_get(ing, 1)), "vitamin_c");
    assert_string_equal(json_string_value(json_object_get(t, "lot_id")), lot);
    const char *aid = json_string_value(json_object_get(t, "administration_id"));
    assert_true(md_id_valid(aid));
    assert_int_equal(count_of(u, "administrations", pid), 1);
    assert_int_equal(md_lot_on_hand(&u->ctx, lot, &after, &err), MD_OK);
    assert_int_equal(after, before - 1);
    json_t *a = NULL;
    assert_int_equal(md_record_get(&u->ctx, &md_kind_administration, pid, aid, &a, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(a, "context")), "patch_test");
    assert_string_equal(json_string_value(json_object_get(a, "route")), "epicutaneous");
    json_decref(a);
    json_decref(t);
    /* A dose larger than the container: refused naming volume_ml, nothing stored. */
    t = NULL;
    assert_int_equal(apply_lot(u, pid, lot, 5.0, &t, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "volume_ml");
    assert_int_equal(count_of(u, "patch_tests", pid), 1);
    assert_int_equal(count_of(u, "administrations", pid), 1);
    /* A zero or negative volume: refused naming volume_ml. */
    assert_int_equal(apply_lot(u, pid, lot, 0.0, &t, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "volume_ml");
    assert_int_equal(apply_lot(u, pid, lot, -0.1, &t, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "volume_ml");
    assert_int_equal(count_of(u, "patch_tests", pid), 1);
    /* No volume with a lot: refused. */
    json_t *in = json_pack("{s:s,s:s}", "lot_id", lot, "site", "arms");
    assert_int_equal(md_patch_test_apply(&u->ctx, pid, in, &t, &err), MD_EINVAL);
    assert_string_equal(err.field, "volume_ml");
    json_decref(in);
}

/* A recalled or expired lot refuses the whole application: no test, no dose, no movement. */
static void a_recalled_or_expired_lot_stores_nothing(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR], lot[MD_ID_STR], old[MD_ID_STR];
    int64_t on_hand = 0;
    json_t *t = NULL, *r = NULL;
    new_patient(u, pid);
    new_lot(u, "PT-1", "2030-01-01", lot);
    json_t *in =
        json_pack("{s:s,s:s}", "reason", "supplier notice: sterility", "date", "2026-03-01");
    assert_int_equal(md_lot_recall(&u->ctx, lot, in, &r, &err), MD_OK);
    json_decref(r);
    json_decref(in);
    assert_int_equal(apply_lot(u, pid, lot, 0.05, &t, &err), MD_ECONFLICT);
    assert_null(t);
    assert_non_null(strstr(err.message, "sterility"));
    assert_int_equal(count_of(u, "patch_tests", pid), 0);
    assert_int_equal(count_of(u, "administrations", pid), 0);
    assert_int_equal(md_store_in_tx(u->db), 0);

    new_lot(u, "PT-2", "2026-01-31", old);
    assert_int_equal(md_lot_on_hand(&u->ctx, old, &on_hand, &err), MD_OK);
    assert_int_equal(apply_lot(u, pid, old, 0.05, &t, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "lot_id");
    assert_int_equal(count_of(u, "patch_tests", pid), 0);
    assert_int_equal(count_of(u, "administrations", pid), 0);
    int64_t still = 0;
    assert_int_equal(md_lot_on_hand(&u->ctx, old, &still, &err), MD_OK);
    assert_int_equal(still, on_hand);
}

/* A merge moves the duplicate's tests and readings to the survivor: its next screening reads
 * them, outcome and all, and the survivor's list shows them. */
static void a_merge_moves_tests_and_readings(void **state)
{
    unit_db *u = *state;
    md_err err;
    char keep[MD_ID_STR], dup[MD_ID_STR], tid[MD_ID_STR];
    json_t *out = NULL, *neg = json_pack("{s:s}", "grade", "negative");
    new_patient(u, keep);
    new_patient(u, dup);
    apply_ago(u, dup, 80, tid);
    assert_int_equal(md_patch_test_read(&u->ctx, dup, tid, neg, &out, &err), MD_OK);
    json_decref(out);
    md_code rc = md_patient_merge(&u->ctx, keep, dup, "same person", &out, &err);
    if (rc) fprintf(stderr, "merge: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    json_decref(out);
    md_screen_input in;
    md_screen_input_init(&in);
    assert_int_equal(md_patch_tests_for_screening(&u->ctx, keep, &in, &err), MD_OK);
    assert_int_equal(in.n_patch_tests, 1);
    assert_string_equal(in.patch_tests[0].id, tid);
    assert_string_equal(in.patch_tests[0].result, "negative");
    assert_int_equal(md_patch_test_get(&u->ctx, keep, tid, &out, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "readings")), 1);
    json_decref(out);
    json_decref(neg);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(outcome_from_readings),
        cmocka_unit_test(windows_from_the_kb),
        cmocka_unit_test(months_are_calendar_months),
    };
    const struct CMUnitTest db[] = {
        cmocka_unit_test_setup_teardown(a_positive_reading_that_fails_half_way_records_nothing,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(screening_gathers_the_tests, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_lot_test_records_its_administration, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_recalled_or_expired_lot_stores_nothing, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_merge_moves_tests_and_readings, unit_db_setup,
                                        unit_db_teardown),
    };
    int failed = cmocka_run_group_tests_name("unit.patch_test.kb", pure, kb_setup, kb_teardown);
    return failed + cmocka_run_group_tests_name("unit.patch_test.db", db, NULL, NULL);
}
