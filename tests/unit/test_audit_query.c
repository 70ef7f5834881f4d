/*
 * test_audit_query.c - the audit trail's filters: every combination of filters
 * is served by an index (no scan of the table), and the filters select what they
 * say.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "mesodesk/audit_query.h"
#include "unit_db.h"

static int name_row(void *ctx, const md_row *r)
{
    json_array_append_new(ctx, json_string(md_row_text(r, 0)));
    return 0;
}

static int plan_row(void *ctx, const md_row *r)
{
    json_array_append_new(ctx, json_string(md_row_text(r, 3)));
    return 0;
}

/* EXPLAIN QUERY PLAN of the statement for every one of the 64 combinations of filters. */
static void every_filter_combination_uses_an_index(void **state)
{
    unit_db *u = *state;
    md_err err;
    for (unsigned mask = 0; mask < 64; mask++) {
        md_audit_filter f = {
            mask & 1 ? "0123456789abcdef0123456789abcdef" : NULL,
            mask & 2 ? "fedcba9876543210fedcba9876543210" : NULL,
            mask & 4 ? "read" : NULL,
            mask & 8 ? "patient" : NULL,
            mask & 16 ? "2026-11-01" : NULL,
            mask & 32 ? "2026-11-30T12:00:00Z" : NULL,
        };
        char sql[1024], explain[1100];
        md_audit_query_sql(&f, sql, sizeof sql);
        snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
        md_val v[9];
        int n = 0;
        v[n++] = md_text(u->ctx.who.clinic_id);
        const char *vals[] = {f.patient_id, f.actor_id, f.action, f.object_type, f.from, f.to};
        for (int i = 0; i < 6; i++)
            if (vals[i]) v[n++] = md_text(vals[i]);
        v[n++] = md_int(10);
        v[n++] = md_int(0);
        json_t *plan = json_array();
        assert_int_equal(md_store_exec(u->db, explain, v, n, plan_row, plan, &err), MD_OK);
        size_t i;
        json_t *d;
        json_array_foreach(plan, i, d)
        {
            const char *t = json_string_value(d);
            if (strstr(t, "audit_log") && strncmp(t, "SEARCH", 6) != 0)
                fail_msg("filters %u: '%s' in the plan of %s", mask, t, sql);
            /* With a filter, the index must narrow more than the clinic (which alone would
             * read the clinic's whole trail). */
            if (mask && strstr(t, "audit_log") && !strstr(t, "clinic_id=? AND "))
                fail_msg("filters %u: '%s' reads the whole clinic for %s", mask, t, sql);
        }
        json_decref(plan);
    }
}

static void filters_select_what_they_say(void **state)
{
    unit_db *u = *state;
    md_err err;
    const char *p1 = "11111111111111111111111111111111", *p2 = "22222222222222222222222222222222";
    md_audit_entry e[] = {{"read", "patient", p1, p1, NULL},
                          {"update", "patient", p1, p1, NULL},
                          {"read", "allergy", "x", p2, NULL},
                          {"update", "staff", "s", NULL, "role"}};
    assert_int_equal(md_audit_many(&u->ctx, e, 4, &err), MD_OK);
    const struct {
        md_audit_filter f;
        size_t want;
    } cases[] = {
        {{NULL, NULL, NULL, NULL, NULL, NULL}, 4},
        {{p1, NULL, NULL, NULL, NULL, NULL}, 2},
        {{p1, NULL, "update", NULL, NULL, NULL}, 1},
        {{NULL, NULL, "read", NULL, NULL, NULL}, 2},
        {{NULL, NULL, NULL, "staff", NULL, NULL}, 1},
        {{NULL, u->ctx.who.staff_id, NULL, NULL, NULL, NULL}, 4},
        {{NULL, "system", NULL, NULL, NULL, NULL}, 0},
        {{NULL, NULL, NULL, NULL, "2999-01-01", NULL}, 0},
        {{NULL, NULL, NULL, NULL, NULL, "2000-01-01"}, 0},
        {{NULL, NULL, NULL, NULL, "2000-01-01", "2999-12-31"}, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *out = NULL;
        assert_int_equal(md_audit_query(&u->ctx, &cases[i].f, 100, 0, &out, &err), MD_OK);
        if (json_array_size(json_object_get(out, "items")) != cases[i].want)
            fail_msg("case %zu: %zu entries, expected %zu", i,
                     json_array_size(json_object_get(out, "items")), cases[i].want);
        json_decref(out);
    }
    /* Paging */
    md_audit_filter all = {0};
    json_t *out = NULL;
    assert_int_equal(md_audit_query(&u->ctx, &all, 3, 0, &out, &err), MD_OK);
    assert_true(json_is_true(json_object_get(out, "has_more")));
    json_decref(out);
    assert_int_equal(md_audit_query(&u->ctx, &all, 3, 3, &out, &err), MD_OK);
    assert_false(json_is_true(json_object_get(out, "has_more")));
    assert_int_equal(json_array_size(json_object_get(out, "items")), 1);
    json_decref(out);
    /* A reception role may not read it. */
    u->ctx.who.role = MD_ROLE_RECEPTION;
    assert_int_equal(md_audit_query(&u->ctx, &all, 3, 0, &out, &err), MD_EFORBIDDEN);
    u->ctx.who.role = MD_ROLE_ADMIN;
}

/* Each index of audit_log is written with every entry: the table keeps only those the
 * filters above need (a prefix of another index serves nothing the longer one does not). */
static void the_trail_keeps_no_index_no_query_needs(void **state)
{
    unit_db *u = *state;
    md_err err;
    if (strcmp(md_store_backend(u->db), "sqlite") != 0) skip();
    json_t *names = json_array();
    assert_int_equal(md_store_exec(u->db,
                                   "SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                   "tbl_name = 'audit_log' AND sql IS NOT NULL ORDER BY name",
                                   NULL, 0, name_row, names, &err),
                     MD_OK);
    const char *want[] = {"audit_action", "audit_actor", "audit_at", "audit_object_type",
                          "audit_patient_seq"};
    size_t n = sizeof want / sizeof want[0];
    if (json_array_size(names) != n) fail_msg("%zu indexes on audit_log", json_array_size(names));
    for (size_t i = 0; i < n; i++)
        assert_string_equal(json_string_value(json_array_get(names, i)), want[i]);
    json_decref(names);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_filter_combination_uses_an_index, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(filters_select_what_they_say, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(the_trail_keeps_no_index_no_query_needs, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests_name("unit.audit_query", tests, NULL, NULL);
}
