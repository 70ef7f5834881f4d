/*
 * test_prechecks.c - the precheck gates and the clinic's chart policy through the real
 * server (docs/PRECHECKS.md): the policy routes (defaults, versions, refusals naming the
 * field, roles, audit), the kb's gates, and that no interface skips a gate.
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

/* ---- the chart policy ---- */

static void the_policy_is_the_kbs_defaults_until_an_admin_sets_it(void **state)
{
    (void)state;
    json_t *p = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/clinic/chart-policy");
    assert_true(json_is_true(json_object_get(p, "defaults")));
    assert_int_equal(json_array_size(json_object_get(p, "before_views")), 3);
    assert_int_equal(api_int(p, "completion_hours"), 72);
    assert_int_equal(api_int(p, "review_share_percent"), 10);
    json_decref(p);
    json_t *h = api_ok(api.admin, "GET", NULL, 200, "/api/v1/clinic/chart-policy/history");
    assert_int_equal(json_array_size(json_object_get(h, "versions")), 0);
    json_decref(h);

    p = api_ok(api.admin, "PUT", "{\"completion_hours\":48,\"after_views\":[\"front\"]}", 200,
               "/api/v1/clinic/chart-policy");
    assert_true(json_is_false(json_object_get(p, "defaults")));
    assert_int_equal(api_int(p, "version"), 1);
    assert_int_equal(api_int(p, "completion_hours"), 48);
    assert_int_equal(json_array_size(json_object_get(p, "before_views")), 3); /* kept */
    assert_string_equal(api_str(p, "recorded_by"), api.admin_id);
    json_decref(p);
    api_err(api.admin, "PUT", "{\"review_share_percent\":20}", 400, "invalid", "reason",
            "/api/v1/clinic/chart-policy");
    api_err(api.admin, "PUT", "{\"review_share_percent\":20,\"reason\":\"r\",\"version\":7}", 409,
            "conflict", "version", "/api/v1/clinic/chart-policy");
    p = api_ok(api.admin, "PUT",
               "{\"review_share_percent\":20,\"before_views\":[\"front\",\"cheek_left\"],"
               "\"reason\":\"clinic meeting\",\"version\":1}",
               200, "/api/v1/clinic/chart-policy");
    assert_int_equal(api_int(p, "version"), 2);
    assert_string_equal(api_str(p, "reason"), "clinic meeting");
    json_decref(p);
    h = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/clinic/chart-policy/history");
    assert_int_equal(json_array_size(json_object_get(h, "versions")), 2);
    assert_int_equal(api_int(json_array_get(json_object_get(h, "versions"), 0), "completion_hours"),
                     48);
    json_decref(h);
    /* Every read and write is in the trail. */
    json_t *a =
        api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?object_type=chart_policy&action=update");
    assert_true(json_array_size(json_object_get(a, "items")) >= 1);
    json_decref(a);
    a = api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?object_type=chart_policy&action=read");
    assert_true(json_array_size(json_object_get(a, "items")) >= 3);
    json_decref(a);
    /* Another clinic still has the defaults. */
    p = api_ok(api.other_admin, "GET", NULL, 200, "/api/v1/clinic/chart-policy");
    assert_true(json_is_true(json_object_get(p, "defaults")));
    json_decref(p);
}

static void bad_policies_are_refused_naming_the_field(void **state)
{
    (void)state;
    static const api_case cases[] = {
        {"hours 0", NULL, "PUT", "/api/v1/clinic/chart-policy", "{\"completion_hours\":0}", 422,
         "unprocessable", "completion_hours", NULL},
        {"hours 721", NULL, "PUT", "/api/v1/clinic/chart-policy", "{\"completion_hours\":721}", 422,
         "unprocessable", "completion_hours", NULL},
        {"share 101", NULL, "PUT", "/api/v1/clinic/chart-policy", "{\"review_share_percent\":101}",
         422, "unprocessable", "review_share_percent", NULL},
        {"an unknown view", NULL, "PUT", "/api/v1/clinic/chart-policy",
         "{\"before_views\":[\"front\",\"top\"]}", 422, "unprocessable", "before_views[1]",
         "unknown view"},
        {"a view twice", NULL, "PUT", "/api/v1/clinic/chart-policy",
         "{\"after_views\":[\"left\",\"left\"]}", 422, "unprocessable", "after_views[1]", "twice"},
        {"views not a list", NULL, "PUT", "/api/v1/clinic/chart-policy",
         "{\"before_views\":\"front\"}", 400, "invalid", "before_views", NULL},
        {"an unknown member", NULL, "PUT", "/api/v1/clinic/chart-policy", "{\"colour\":\"red\"}",
         400, "invalid", "colour", NULL},
    };
    api_case c[sizeof cases / sizeof cases[0]];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        c[i] = cases[i];
        c[i].token = api.other_admin; /* a clinic with no policy yet: nothing may be stored */
    }
    api_run_cases(c, sizeof c / sizeof c[0], NULL, 0);
    json_t *p = api_ok(api.other_admin, "GET", NULL, 200, "/api/v1/clinic/chart-policy");
    assert_true(json_is_true(json_object_get(p, "defaults")));
    json_decref(p);
    api_err(api.practitioner, "PUT", "{\"completion_hours\":24}", 403, "forbidden", NULL,
            "/api/v1/clinic/chart-policy");
    api_err(api.reception, "PUT", "{\"completion_hours\":24}", 403, "forbidden", NULL,
            "/api/v1/clinic/chart-policy");
    api_err(API_BAD_TOKEN, "GET", NULL, 401, "unauthorized", NULL, "/api/v1/clinic/chart-policy");
}

static void the_kb_states_the_gates(void **state)
{
    (void)state;
    json_t *k = api_ok(api.reception, "GET", NULL, 200, "/api/v1/charting/prechecks");
    json_t *gates = json_object_get(k, "gates");
    static const char *const order[] = {"screening",    "consent",   "patch_tests",
                                        "practitioner", "materials", "photos_before"};
    assert_int_equal(json_array_size(gates), 6);
    for (size_t i = 0; i < 6; i++) {
        json_t *g = json_array_get(gates, i);
        assert_string_equal(api_str(g, "gate"), order[i]);
        assert_true(strlen(api_str(g, "rule")) > 0);
        assert_true(json_array_size(json_object_get(g, "sources")) > 0);
    }
    assert_string_equal(json_string_value(json_array_get(json_object_get(k, "needle_kinds"), 0)),
                        "needle");
    json_decref(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_policy_is_the_kbs_defaults_until_an_admin_sets_it),
        cmocka_unit_test(bad_policies_are_refused_naming_the_field),
        cmocka_unit_test(the_kb_states_the_gates),
    };
    return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
