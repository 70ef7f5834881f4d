/*
 * test_complication.c - the complication catalogue (kb/complications.json): every entry
 * the issue lists is there with its windows, red flags and sources; infections and nodules
 * reach 12 weeks; lookups of codes and red flags (known and unknown); the catalogue as the
 * API shows it, with the CTCAE v5 grade wording.
 */
#include "test_kb_support.h"

#include "mesodesk/complication.h"
#include "unit_db.h"

static md_kb *kb;

static int setup(void **state)
{
    (void)state;
    kb = kbt_load();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    md_kb_free(kb);
    return 0;
}

static void test_catalogue_lists_the_issue_entries(void **state)
{
    (void)state;
    static const char *const codes[] = {"local_reaction",
                                        "bruising",
                                        "pain",
                                        "allergic_reaction",
                                        "anaphylaxis",
                                        "infection_bacterial",
                                        "infection_mycobacterial",
                                        "nodule_granuloma",
                                        "panniculitis",
                                        "ulceration",
                                        "necrosis",
                                        "vascular_occlusion",
                                        "hyperpigmentation",
                                        "scarring",
                                        "lipoatrophy",
                                        NULL};
    for (const char *const *c = codes; *c; c++) {
        const md_kb_complication *e = md_kb_complication_find(kb, *c);
        if (!e) fprintf(stderr, "missing %s\n", *c);
        assert_non_null(e);
        assert_true(e->n_sources >= 1);
        assert_true(e->n_management >= 1);
        assert_true(e->n_followup_schedule >= 1);
        assert_true(e->onset_max_days >= e->onset_min_days);
        assert_true(e->followup_schedule[e->n_followup_schedule - 1] <= e->followup_days);
    }
    assert_null(md_kb_complication_find(kb, "sunburn"));
    assert_null(md_kb_complication_find(kb, NULL));
    size_t n = 0;
    const md_kb_complication *all = md_kb_complications(kb, &n);
    assert_true(n >= 15);
    assert_string_equal(all[0].code, "local_reaction");
}

/* Infections and nodules: onset up to 12 weeks and follow-up open at least 12 weeks; the
 * common local reactions are short. */
static void test_late_windows(void **state)
{
    (void)state;
    size_t n = 0;
    const md_kb_complication *all = md_kb_complications(kb, &n);
    int late = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i].category, "infection") && strcmp(all[i].category, "nodule")) continue;
        late++;
        assert_true(all[i].onset_max_days >= 84);
        assert_true(all[i].followup_days >= 84);
    }
    assert_true(late >= 4);
    const md_kb_complication *b = md_kb_complication_find(kb, "bruising");
    assert_true(b->onset_max_days < 84 && b->resolution_max_days <= 7);
    const md_kb_complication *m = md_kb_complication_find(kb, "infection_mycobacterial");
    assert_int_equal(m->onset_min_days, 7);
    assert_int_equal(m->onset_max_days, 203); /* 1 to 29 weeks */
    assert_null(m->snomed);
    assert_string_equal(md_kb_complication_find(kb, "anaphylaxis")->snomed, "39579001");
}

static void test_red_flags(void **state)
{
    (void)state;
    const md_kb_complication *owner = NULL;
    assert_true(md_kb_red_flag_known(kb, "vision_change", &owner));
    assert_string_equal(owner->code, "vascular_occlusion");
    assert_true(md_kb_red_flag_known(kb, "blanching", NULL));
    /* Not a red flag: unknown, and a complication code is not a flag. */
    owner = md_kb_complication_find(kb, "pain");
    assert_false(md_kb_red_flag_known(kb, "itching", &owner));
    assert_null(owner);
    assert_false(md_kb_red_flag_known(kb, "bruising", NULL));
    const md_kb_complication *v = md_kb_complication_find(kb, "vascular_occlusion");
    assert_true(v->n_red_flags >= 4);
    assert_non_null(strstr(v->red_flags[0].patient, "?"));
    assert_int_equal(md_kb_complication_find(kb, "scarring")->n_red_flags, 0);
}

static void test_catalogue_json(void **state)
{
    (void)state;
    json_t *j = md_kb_complications_json(kb);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "version")), md_kb_version(kb));
    json_t *grades = json_object_get(j, "grades");
    assert_int_equal(json_array_size(grades), 5);
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(grades, 2), "label")),
                           "Ulceration or necrosis"));
    json_t *first = json_array_get(json_object_get(j, "complications"), 0);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(first, "onset"), "max_days")), 2);
    json_t *pain = json_array_get(json_object_get(j, "complications"), 2);
    assert_string_equal(json_string_value(json_object_get(pain, "code")), "pain");
    assert_true(json_is_null(json_object_get(pain, "snomed")));
    json_decref(j);
}

static int plan_row(void *ctx, const md_row *r)
{
    json_array_append_new(ctx, json_string(md_row_text(r, md_row_columns(r) - 1)));
    return 0;
}

/* Every statement of the worklist reads through an index (the partial indexes of the open
 * rows), never a scan of a table: its cost follows the open entries, not the clinic. */
static void test_worklist_statements_use_indexes(void **state)
{
    (void)state;
    unit_db u;
    md_err err;
    if (pg_harness_active()) skip(); /* EXPLAIN QUERY PLAN is SQLite's */
    unit_db_open(&u, 0);
    int n = 0;
    for (int i = 0; md_escalation_worklist_sql(i); i++, n++) {
        char sql[4096];
        snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", md_escalation_worklist_sql(i));
        md_val v[] = {md_text(u.ctx.who.clinic_id), md_text("2026-12-01")};
        json_t *plan = json_array();
        assert_int_equal(md_store_exec(u.db, sql, v, i ? 2 : 1, plan_row, plan, &err), MD_OK);
        size_t k;
        json_t *d;
        json_array_foreach(plan, k, d)
        {
            const char *t = json_string_value(d);
            if (strncmp(t, "SCAN", 4) == 0) fail_msg("statement %d: '%s'", i, t);
        }
        json_t *first = json_array_get(plan, 0);
        const char *want[] = {"escalations_open", "complications_unresolved",
                              "complication_followups_open"};
        if (!strstr(json_string_value(first), want[i]))
            fail_msg("statement %d starts with '%s', not %s", i, json_string_value(first), want[i]);
        json_decref(plan);
    }
    assert_int_equal(n, 3);
    unit_db_close(&u);
}

static void new_patient(unit_db *u, char id[MD_ID_STR])
{
    md_err err;
    json_t *out = NULL, *in = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "Nora", "family_name",
                                        "Quint", "birth_date", "1985-06-01", "sex", "female");
    assert_int_equal(md_record_create(&u->ctx, &md_kind_patient, NULL, in, &out, &err), MD_OK);
    md_strlcpy(id, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

static json_t *record(unit_db *u, const char *pid, const char *fields, md_code want,
                      const char *field)
{
    md_err err;
    char body[1024];
    json_t *out = NULL;
    snprintf(body, sizeof body, "{\"patient_id\":\"%s\",%s}", pid, fields);
    json_t *in = json_loads(body, 0, NULL);
    assert_non_null(in);
    md_code rc = md_complication_record(&u->ctx, in, &out, &err);
    if (rc != want) fail_msg("%s: %s (%s) %s", fields, md_code_name(rc), err.field, err.message);
    if (field) assert_string_equal(err.field, field);
    json_decref(in);
    return out;
}

static size_t escalations(unit_db *u, const char *cid, const char *reason)
{
    md_err err;
    int64_t n = -1;
    md_val v[] = {md_text(u->ctx.who.clinic_id), md_text(cid), md_text(reason)};
    assert_int_equal(md_store_scalar_int(u->db,
                                         "SELECT count(*) FROM escalations WHERE clinic_id = $1 "
                                         "AND source_id = $2 AND cause = $3 AND current = 1",
                                         v, 3, &n, &err),
                     MD_OK);
    return (size_t)n;
}

/* Derived dates from the kb: resolution_due = onset + resolution_max_days, followup_until =
 * onset + followup_days (at least 12 weeks for an infection, not for a bruise); the kb
 * schedule's tasks; the escalation rules each firing and not firing; the suspects' rows. */
static void test_derived_dates_and_rules(void **state)
{
    unit_db *u = *state;
    char pid[MD_ID_STR];
    md_err err;
    new_patient(u, pid);
    json_t *c = record(u, pid, "\"code\":\"infection_mycobacterial\",\"onset_on\":\"2026-03-01\"",
                       MD_OK, NULL);
    assert_string_equal(json_string_value(json_object_get(c, "resolution_due")), "2026-08-28");
    assert_string_equal(json_string_value(json_object_get(c, "followup_until")), "2027-03-01");
    assert_int_equal(json_array_size(json_object_get(c, "followups")), 5);
    assert_int_equal(escalations(u, json_string_value(json_object_get(c, "id")), "grade_3_plus"),
                     0);
    json_decref(c);
    c = record(u, pid, "\"code\":\"bruising\",\"onset_on\":\"2026-03-01\",\"grade\":2", MD_OK,
               NULL);
    assert_string_equal(json_string_value(json_object_get(c, "resolution_due")), "2026-03-08");
    assert_string_equal(json_string_value(json_object_get(c, "followup_until")), "2026-03-15");
    const char *id = json_string_value(json_object_get(c, "id"));
    assert_int_equal(escalations(u, id, "grade_3_plus"), 0); /* grade 2: does not fire */
    assert_int_equal(escalations(u, id, "red_flag"), 0);
    json_decref(c);
    c = record(u, pid, "\"code\":\"necrosis\",\"onset_on\":\"2026-03-01\",\"grade\":3", MD_OK,
               NULL);
    assert_int_equal(escalations(u, json_string_value(json_object_get(c, "id")), "grade_3_plus"),
                     1);
    json_decref(c);
    c = record(u, pid,
               "\"code\":\"vascular_occlusion\",\"onset_on\":\"2026-03-01\",\"red_flags\":"
               "[\"vision_change\"],\"suspects\":{\"ingredients\":[\"hyaluronic_acid\"]}",
               MD_OK, NULL);
    id = json_string_value(json_object_get(c, "id"));
    assert_int_equal(escalations(u, id, "red_flag"), 1);
    assert_int_equal(escalations(u, id, "grade_3_plus"), 0); /* no grade: not assumed */
    int64_t n = 0;
    md_val v[] = {md_text(u->ctx.who.clinic_id), md_text(id)};
    assert_int_equal(
        md_store_scalar_int(u->db,
                            "SELECT count(*) FROM complication_suspects WHERE "
                            "clinic_id = $1 AND complication_id = $2 AND kind = "
                            "'ingredient' AND ref_id = 'hyaluronic_acid' AND current = 1",
                            v, 2, &n, &err),
        MD_OK);
    assert_int_equal(n, 1);
    json_decref(c);
    /* the rules that refuse, each naming its member (and each shown passing above) */
    assert_null(record(u, pid, "\"code\":\"bruising\",\"onset_on\":\"2026-03-01\",\"grade\":6",
                       MD_EUNPROCESSABLE, "grade"));
    assert_null(record(u, pid,
                       "\"code\":\"bruising\",\"onset_on\":\"2026-03-01\",\"outcome\":\"fatal\"",
                       MD_EUNPROCESSABLE, "outcome_on"));
    json_decref(record(u, pid,
                       "\"code\":\"bruising\",\"onset_on\":\"2026-03-01\",\"outcome\":\"fatal\","
                       "\"outcome_on\":\"2026-03-09\"",
                       MD_OK, NULL));
    json_decref(record(u, pid,
                       "\"code\":\"bruising\",\"onset_on\":\"2026-03-01\",\"outcome\":"
                       "\"recovering\"",
                       MD_OK, NULL));
    assert_null(record(u, pid, "\"code\":\"sunburn\",\"onset_on\":\"2026-03-01\"",
                       MD_EUNPROCESSABLE, "code"));
    assert_null(record(u, pid, "\"code\":\"bruising\",\"onset_on\":\"2099-03-01\"",
                       MD_EUNPROCESSABLE, "onset_on"));
    assert_null(record(u, pid,
                       "\"code\":\"bruising\",\"onset_on\":\"2026-03-01\",\"suspects\":{\"vials\":"
                       "[\"0123456789abcdef0123456789abcdef\"]}",
                       MD_EUNPROCESSABLE, "suspects.vials[0]"));
}

/* A patient merge moves the complications, their tasks and escalations to the survivor,
 * and the suspects' rows follow (the kind's after_write). */
static void test_merge_moves_complications(void **state)
{
    unit_db *u = *state;
    char keep[MD_ID_STR], dup[MD_ID_STR];
    md_err err;
    json_t *out = NULL;
    new_patient(u, keep);
    new_patient(u, dup);
    json_t *c = record(u, dup,
                       "\"code\":\"necrosis\",\"onset_on\":\"2026-03-01\",\"grade\":3,"
                       "\"suspects\":{\"ingredients\":[\"hyaluronic_acid\"]}",
                       MD_OK, NULL);
    assert_int_equal(md_patient_merge(&u->ctx, keep, dup, "the same person", &out, &err), MD_OK);
    json_decref(out);
    static const char *const sql[] = {
        "SELECT count(*) FROM complications WHERE clinic_id = $1 AND id = $2 AND current = 1 "
        "AND patient_id = $3",
        "SELECT count(*) FROM complication_suspects WHERE clinic_id = $1 AND complication_id = "
        "$2 AND current = 1 AND patient_id = $3",
        "SELECT count(*) FROM complication_followups WHERE clinic_id = $1 AND complication_id = "
        "$2 AND current = 1 AND patient_id = $3",
        "SELECT count(*) FROM escalations WHERE clinic_id = $1 AND source_id = $2 AND current = "
        "1 AND patient_id = $3",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        int64_t n = 0;
        md_val v[] = {md_text(u->ctx.who.clinic_id),
                      md_text(json_string_value(json_object_get(c, "id"))), md_text(keep)};
        assert_int_equal(md_store_scalar_int(u->db, sql[i], v, 3, &n, &err), MD_OK);
        if (n < 1) fail_msg("not moved: %s", sql[i]);
    }
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue_lists_the_issue_entries),
        cmocka_unit_test(test_late_windows),
        cmocka_unit_test(test_red_flags),
        cmocka_unit_test(test_catalogue_json),
        cmocka_unit_test(test_worklist_statements_use_indexes),
        cmocka_unit_test_setup_teardown(test_derived_dates_and_rules, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(test_merge_moves_complications, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
