/* The questionnaire link's states: pending -> submitted -> confirmed, and pending -> expired. */
#include "unit_db.h"

#include "mesodesk/questionnaire.h"
#include "mesodesk/record.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static char *new_link(unit_db *u, char pid[MD_ID_STR], char qid[MD_ID_STR])
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "Ivy", "family_name", "Hale",
                           "birth_date", "1990-04-04", "sex", "female"),
           *p = NULL, *q = NULL;
    assert_int_equal(md_record_create(&u->ctx, &md_kind_patient, NULL, in, &p, &err), MD_OK);
    md_strlcpy(pid, json_string_value(json_object_get(p, "id")), MD_ID_STR);
    json_t *opts = json_pack("{s:i}", "valid_hours", 1);
    assert_int_equal(md_questionnaire_create(&u->ctx, pid, opts, &q, &err), MD_OK);
    md_strlcpy(qid, json_string_value(json_object_get(q, "id")), MD_ID_STR);
    char *token = strdup(json_string_value(json_object_get(q, "token")));
    json_decref(in);
    json_decref(opts);
    json_decref(p);
    json_decref(q);
    return token;
}

static const char *status_of(unit_db *u, const char *pid)
{
    static char status[32];
    md_err err;
    json_t *list = NULL;
    assert_int_equal(md_questionnaire_list(&u->ctx, pid, &list, &err), MD_OK);
    md_strlcpy(status,
               json_string_value(
                   json_object_get(json_array_get(json_object_get(list, "items"), 0), "status")),
               sizeof status);
    json_decref(list);
    return status;
}

static void an_expired_link_is_refused(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR], qid[MD_ID_STR];
    char *token = new_link(u, pid, qid);
    assert_string_equal(status_of(u, pid), "pending");
    md_val v[] = {md_int(md_now() - 1), md_text(qid)};
    assert_int_equal(md_store_exec(u->db, "UPDATE questionnaires SET expires_at = $1 WHERE id = $2",
                                   v, 2, NULL, NULL, &err),
                     MD_OK);
    assert_string_equal(status_of(u, pid), "expired");
    md_ctx patient = u->ctx;
    json_t *form = NULL, *answers = json_pack("{s:b}", "pregnant", 0);
    assert_int_equal(md_questionnaire_open(&patient, token, &form, &err), MD_ENOTFOUND);
    assert_int_equal(md_questionnaire_submit(&patient, token, answers, &err), MD_ENOTFOUND);
    json_decref(answers);
    free(token);
}

static void submitted_once_then_confirmed(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR], qid[MD_ID_STR];
    char *token = new_link(u, pid, qid);
    md_ctx patient = u->ctx;
    json_t *answers = json_pack("{s:b,s:b,s:[{s:s,s:b,s:s}]}", "pregnant", 0, "breastfeeding", 0,
                                "conditions", "code", "eczema", "active", 1, "site", "neck");
    assert_int_equal(md_questionnaire_submit(&patient, token, answers, &err), MD_OK);
    /* The patient side acted as "patient", not as the staff member. */
    assert_string_equal(patient.who.staff_id, "patient");
    assert_string_equal(status_of(u, pid), "submitted");
    assert_int_equal(md_questionnaire_submit(&patient, token, answers, &err), MD_ENOTFOUND);
    json_t *done = NULL;
    assert_int_equal(md_questionnaire_confirm(&u->ctx, qid, &done, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(done, "created")), 2);
    assert_string_equal(status_of(u, pid), "confirmed");
    json_t *again = NULL;
    assert_int_equal(md_questionnaire_confirm(&u->ctx, qid, &again, &err), MD_ECONFLICT);
    json_t *conds = NULL;
    assert_int_equal(md_record_list(&u->ctx, &md_kind_condition, pid, 0, &conds, &err), MD_OK);
    json_t *c = json_array_get(json_object_get(conds, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "code")), "eczema");
    assert_non_null(strstr(json_string_value(json_object_get(c, "reason")), "questionnaire"));
    json_decref(conds);
    json_decref(done);
    json_decref(answers);
    free(token);
}

static int64_t count_of(unit_db *u, const char *table, const char *pid)
{
    char sql[160];
    int64_t n = -1;
    md_err err;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE clinic_id = $1 AND patient_id = $2",
             table);
    md_val v[] = {md_text(u->ctx.who.clinic_id), md_text(pid)};
    assert_int_equal(md_store_scalar_int(u->db, sql, v, 2, &n, &err), MD_OK);
    return n;
}

static void a_confirmation_that_fails_half_way_records_nothing(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR], qid[MD_ID_STR];
    char *token = new_link(u, pid, qid);
    md_ctx patient = u->ctx;
    json_t *answers = json_pack("{s:b,s:b,s:[{s:s}],s:[{s:s,s:s}]}", "pregnant", 0,
                                "breastfeeding", 0, "allergies",
                                "substance", "lidocaine", "medications", "code", "aspirin",
                                "last_dose", "2026-11-01");
    assert_int_equal(md_questionnaire_submit(&patient, token, answers, &err), MD_OK);
    /* The medication (imported after the allergy) cannot be stored. */
    assert_int_equal(md_store_exec(u->db,
                                   "CREATE TRIGGER no_meds BEFORE INSERT ON medications BEGIN "
                                   "SELECT RAISE(ABORT, 'disk trouble'); END",
                                   NULL, 0, NULL, NULL, &err),
                     MD_OK);
    json_t *done = NULL;
    assert_int_not_equal(md_questionnaire_confirm(&u->ctx, qid, &done, &err), MD_OK);
    assert_null(done);
    assert_int_equal(md_store_in_tx(u->db), 0);
    /* Nothing of it was kept: no allergy, still awaiting confirmation. */
    assert_int_equal(count_of(u, "allergies", pid), 0);
    assert_int_equal(count_of(u, "medications", pid), 0);
    assert_string_equal(status_of(u, pid), "submitted");
    /* Once the trouble is gone, the confirmation goes through whole. */
    md_store_exec(u->db, "DROP TRIGGER no_meds", NULL, 0, NULL, NULL, &err);
    assert_int_equal(md_questionnaire_confirm(&u->ctx, qid, &done, &err), MD_OK);
    assert_int_equal(count_of(u, "allergies", pid), 1);
    assert_int_equal(count_of(u, "medications", pid), 1);
    assert_string_equal(status_of(u, pid), "confirmed");
    int64_t checked = 0;
    assert_int_equal(md_audit_verify(u->db, u->ctx.who.clinic_id, &checked, &err), MD_OK);
    json_decref(done);
    json_decref(answers);
    free(token);
}

/* Three-way answers and "no known allergies" become facts of their own; "not sure" stays "not
 * sure", an answer alone or a contradiction is refused with the field. */
static void answers_not_sure_and_no_known_allergies(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR], qid[MD_ID_STR];
    char *token = new_link(u, pid, qid);
    md_ctx patient = u->ctx;
    json_t *one = json_pack("{s:s}", "pregnant", "no");
    assert_int_equal(md_questionnaire_submit(&patient, token, one, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "breastfeeding");
    json_t *bad = json_pack("{s:s,s:s}", "pregnant", "maybe", "breastfeeding", "no");
    assert_int_equal(md_questionnaire_submit(&patient, token, bad, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "pregnant");
    json_t *both = json_pack("{s:s,s:s,s:b,s:[{s:s}]}", "pregnant", "no", "breastfeeding", "no",
                             "no_known_allergies", 1, "allergies", "substance", "latex");
    assert_int_equal(md_questionnaire_submit(&patient, token, both, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "no_known_allergies");
    json_t *answers = json_pack("{s:s,s:b,s:b}", "pregnant", "not_sure", "breastfeeding", 0,
                                "no_known_allergies", 1);
    assert_int_equal(md_questionnaire_submit(&patient, token, answers, &err), MD_OK);
    json_t *done = NULL, *list = NULL;
    assert_int_equal(md_questionnaire_confirm(&u->ctx, qid, &done, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(done, "created")), 2);
    assert_int_equal(md_record_list(&u->ctx, &md_kind_status, pid, 0, &list, &err), MD_OK);
    json_t *st = json_array_get(json_object_get(list, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(st, "pregnant")), "not_sure");
    assert_string_equal(json_string_value(json_object_get(st, "breastfeeding")), "no");
    json_decref(list);
    assert_int_equal(md_record_list(&u->ctx, &md_kind_allergy_statement, pid, 0, &list, &err), MD_OK);
    json_t *nka = json_array_get(json_object_get(list, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(nka, "statement")), "no_known_allergies");
    assert_non_null(json_string_value(json_object_get(nka, "asked_on")));
    assert_non_null(strstr(json_string_value(json_object_get(nka, "reason")), "questionnaire"));
    json_decref(list);
    json_decref(done);
    json_decref(one);
    json_decref(bad);
    json_decref(both);
    json_decref(answers);
    free(token);
}

/* Status rows stored as booleans before migration 3 read as "yes" / "no" after it. */
static void legacy_boolean_status_rows_become_answers(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR], qid[MD_ID_STR];
    free(new_link(u, pid, qid));
    /* Take the schema back to version 2, as an older release left it. */
    static const char *const rewind[] = {
        "DROP TABLE patient_status",
        "CREATE TABLE patient_status (clinic_id TEXT NOT NULL, id TEXT NOT NULL, version BIGINT "
        "NOT NULL, current INTEGER NOT NULL, recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL, "
        "reason TEXT NOT NULL, patient_id TEXT NOT NULL, pregnant INTEGER NOT NULL, breastfeeding "
        "INTEGER NOT NULL, recorded_on TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY "
        "(clinic_id, id, version))",
        "DROP TABLE allergy_statements",
        "ALTER TABLE medications DROP COLUMN name",
        "DELETE FROM schema_migrations WHERE version = 3",
    };
    for (size_t i = 0; i < sizeof rewind / sizeof rewind[0]; i++)
        assert_int_equal(md_store_exec(u->db, rewind[i], NULL, 0, NULL, NULL, &err), MD_OK);
    md_val v[] = {md_text(u->ctx.who.clinic_id), md_text(pid)};
    assert_int_equal(
        md_store_exec(u->db,
                      "INSERT INTO patient_status VALUES ($1, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 1, "
                      "0, 'system', '2026-01-01T00:00:00Z', 'recorded', $2, 0, 1, '2026-01-01', "
                      "'confirmed'), ($1, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 2, 1, 'system', "
                      "'2026-02-01T00:00:00Z', 'weaned', $2, 1, 0, '2026-02-01', 'confirmed')",
                      v, 2, NULL, NULL, &err),
        MD_OK);
    assert_int_equal(md_store_migrate(u->db, &err), MD_OK);
    assert_int_equal(md_store_schema_version(u->db), md_store_migrations_known());
    json_t *h = NULL;
    assert_int_equal(md_record_history(&u->ctx, &md_kind_status, pid,
                                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &h, &err),
                     MD_OK);
    json_t *versions = json_object_get(h, "versions");
    assert_int_equal(json_array_size(versions), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(versions, 0), "pregnant")), "no");
    assert_string_equal(json_string_value(json_object_get(json_array_get(versions, 0), "breastfeeding")), "yes");
    assert_string_equal(json_string_value(json_object_get(json_array_get(versions, 1), "pregnant")), "yes");
    assert_string_equal(json_string_value(json_object_get(json_array_get(versions, 1), "breastfeeding")), "no");
    json_decref(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(an_expired_link_is_refused, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(submitted_once_then_confirmed, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_confirmation_that_fails_half_way_records_nothing,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(answers_not_sure_and_no_known_allergies, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(legacy_boolean_status_rows_become_answers, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
