/*
 * API tests for the formulation builder and custom mixtures (issue 8 item 4):
 * POST /api/v1/patients/{id}/formulations/build, the mixtures under
 * /api/v1/patients/{id}/formulations, GET /api/v1/kb/concerns.  Bad input names its field;
 * the builder is audited as a read of the patient.
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

#define DATE "2026-11-21"

/* A patient whose pregnancy status and allergies were asked (no, no, none known). */
static void patient_asked(char id[MD_ID_STR])
{
    json_t *p = api_patient_new(api.practitioner, "Fiona", NULL, "1985-03-03");
    snprintf(id, MD_ID_STR, "%s", api_str(p, "id"));
    json_decref(p);
    json_decref(api_ok(api.practitioner, "POST",
                       "{\"pregnant\":\"no\",\"breastfeeding\":\"no\",\"recorded_on\":\"" DATE
                       "\"}",
                       201, "/api/v1/patients/%s/status", id));
    json_decref(api_ok(api.practitioner, "POST", "{\"asked_on\":\"" DATE "\"}", 201,
                       "/api/v1/patients/%s/allergy_statements", id));
}

static void test_concerns(void **state)
{
    (void)state;
    json_t *c = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/kb/concerns");
    json_t *list = json_object_get(c, "concerns");
    assert_int_equal(json_array_size(list), 12);
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        assert_true(json_array_size(json_object_get(e, "sources")) > 0);
        assert_true(json_array_size(json_object_get(e, "ingredients")) > 0);
    }
    json_decref(c);
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/kb/concerns");
}

static void test_build_errors(void **state)
{
    (void)state;
    char pid[MD_ID_STR], path[160];
    patient_asked(pid);
    snprintf(path, sizeof path, "/api/v1/patients/%s/formulations/build", pid);
    const api_var vars[] = {{"pid", pid}};
    const api_case cases[] = {
        {"unknown concern", api.practitioner, "POST", "/api/v1/patients/{pid}/formulations/build",
         "{\"concerns\":[\"dryness\",\"dry_skin\"],\"areas\":[\"cheeks\"]}", 422, "unprocessable",
         "concerns[1]", "unknown concern 'dry_skin'"},
        {"concern outside the areas", api.practitioner, "POST",
         "/api/v1/patients/{pid}/formulations/build",
         "{\"concerns\":[\"hair_loss\"],\"areas\":[\"cheeks\"]}", 422, "unprocessable",
         "concerns[0]", "scalp"},
        {"unknown area", api.practitioner, "POST", "/api/v1/patients/{pid}/formulations/build",
         "{\"concerns\":[\"dryness\"],\"areas\":[\"elbow\"]}", 422, "unprocessable", "areas[0]",
         NULL},
        {"no concerns", api.practitioner, "POST", "/api/v1/patients/{pid}/formulations/build",
         "{\"concerns\":[],\"areas\":[\"cheeks\"]}", 400, "invalid", "concerns", NULL},
        {"concerns not a list", api.practitioner, "POST",
         "/api/v1/patients/{pid}/formulations/build", "{\"concerns\":\"dryness\",\"areas\":[]}",
         400, "invalid", "concerns", NULL},
        {"a concern not a string", api.practitioner, "POST",
         "/api/v1/patients/{pid}/formulations/build", "{\"concerns\":[3],\"areas\":[\"cheeks\"]}",
         400, "invalid", "concerns[0]", NULL},
        {"bad date", api.practitioner, "POST", "/api/v1/patients/{pid}/formulations/build",
         "{\"concerns\":[\"dryness\"],\"areas\":[\"cheeks\"],\"date\":\"2026-02-30\"}", 422,
         "unprocessable", "date", NULL},
        {"unknown key", api.practitioner, "POST", "/api/v1/patients/{pid}/formulations/build",
         "{\"concerns\":[\"dryness\"],\"areas\":[\"cheeks\"],\"budget\":3}", 400, "invalid",
         "budget", NULL},
        {"front desk may not", api.reception, "POST", "/api/v1/patients/{pid}/formulations/build",
         "{\"concerns\":[\"dryness\"],\"areas\":[\"cheeks\"]}", 403, "forbidden", NULL, NULL},
        {"no such patient", api.practitioner, "POST",
         "/api/v1/patients/00000000000000000000000000000000/formulations/build",
         "{\"concerns\":[\"dryness\"],\"areas\":[\"cheeks\"]}", 404, "not_found", "patient_id",
         NULL},
        {"another clinic's patient", api.other_admin, "POST",
         "/api/v1/patients/{pid}/formulations/build",
         "{\"concerns\":[\"dryness\"],\"areas\":[\"cheeks\"]}", 404, "not_found", "patient_id",
         NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], vars, 1);
    (void)path;
}

/* The builder answers for the patient and is audited as a read of the patient. */
static void test_build_audited(void **state)
{
    (void)state;
    char pid[MD_ID_STR], rid[MD_ID_STR];
    patient_asked(pid);
    json_t *b = api_ok_rid(api.practitioner, "POST",
                           "{\"concerns\":[\"dryness\",\"wrinkles\"],\"areas\":[\"cheeks\"],"
                           "\"date\":\"" DATE "\"}",
                           200, rid, "/api/v1/patients/%s/formulations/build", pid);
    assert_string_equal(api_str(b, "patient_id"), pid);
    assert_string_equal(api_str(b, "date"), DATE);
    assert_string_equal(api_str(b, "jurisdiction"), "UK");
    assert_non_null(json_object_get(b, "candidates"));
    assert_non_null(json_object_get(b, "excluded"));
    json_decref(b);
    json_t *audit = api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?patient_id=%s", pid);
    size_t i;
    json_t *e;
    int found = 0;
    json_array_foreach(json_object_get(audit, "items"), i, e)
    {
        if (strcmp(api_str(e, "object_type"), "formulation_build") == 0 &&
            strcmp(api_str(e, "action"), "read") == 0 && strcmp(api_str(e, "request_id"), rid) == 0)
            found = 1;
    }
    json_decref(audit);
    assert_true(found);
}

static void test_mixture_errors(void **state)
{
    (void)state;
    char pid[MD_ID_STR];
    patient_asked(pid);
    const api_var vars[] = {{"pid", pid}};
    const api_case cases[] = {
        {"unknown product", api.practitioner, "POST", "/api/v1/patients/{pid}/formulations",
         "{\"mixture\":{\"components\":[{\"product_id\":\"00000000000000000000000000000001\","
         "\"volume_ml\":\"1.0\"}],\"areas\":[\"cheeks\"]}}",
         422, "unprocessable", "mixture.components[0].product_id", "no such product"},
        {"zero volume", api.practitioner, "POST", "/api/v1/patients/{pid}/formulations",
         "{\"mixture\":{\"components\":[{\"product_id\":\"00000000000000000000000000000001\","
         "\"volume_ml\":0}],\"areas\":[\"cheeks\"]}}",
         422, "unprocessable", "mixture.components[0].volume_ml", NULL},
        {"negative volume", api.practitioner, "POST", "/api/v1/patients/{pid}/formulations",
         "{\"mixture\":{\"components\":[{\"product_id\":\"00000000000000000000000000000001\","
         "\"volume_ml\":\"-1\"}],\"areas\":[\"cheeks\"]}}",
         422, "unprocessable", "mixture.components[0].volume_ml", NULL},
        {"four decimals", api.practitioner, "POST", "/api/v1/patients/{pid}/formulations",
         "{\"mixture\":{\"components\":[{\"product_id\":\"00000000000000000000000000000001\","
         "\"volume_ml\":\"0.0005\"}],\"areas\":[\"cheeks\"]}}",
         422, "unprocessable", "mixture.components[0].volume_ml", NULL},
        {"no components", api.practitioner, "POST", "/api/v1/patients/{pid}/formulations",
         "{\"mixture\":{\"components\":[],\"areas\":[\"cheeks\"]}}", 400, "invalid",
         "mixture.components", NULL},
        {"no areas", api.practitioner, "POST", "/api/v1/patients/{pid}/formulations",
         "{\"mixture\":{\"components\":[{\"product_id\":\"00000000000000000000000000000001\","
         "\"volume_ml\":1}]}}",
         400, "invalid", "mixture.areas", NULL},
        {"unknown concern", api.practitioner, "POST", "/api/v1/patients/{pid}/formulations",
         "{\"mixture\":{\"components\":[{\"product_id\":\"00000000000000000000000000000001\","
         "\"volume_ml\":1}],\"areas\":[\"cheeks\"],\"concerns\":[\"dryness\",\"glow\"]}}",
         422, "unprocessable", "mixture.concerns[1]", "unknown concern"},
        {"the same product twice", api.practitioner, "POST", "/api/v1/patients/{pid}/formulations",
         "{\"mixture\":{\"components\":[{\"product_id\":\"00000000000000000000000000000001\","
         "\"volume_ml\":1},{\"product_id\":\"00000000000000000000000000000001\","
         "\"volume_ml\":1}],\"areas\":[\"cheeks\"]}}",
         422, "unprocessable", "mixture.components[1].product_id", "twice"},
        {"checks are the server's", api.practitioner, "POST", "/api/v1/patients/{pid}/formulations",
         "{\"mixture\":{\"components\":[{\"product_id\":\"00000000000000000000000000000001\","
         "\"volume_ml\":1}],\"areas\":[\"cheeks\"]},\"checks\":{}}",
         400, "invalid", "checks", NULL},
        {"front desk may not", api.reception, "POST", "/api/v1/patients/{pid}/formulations",
         "{\"mixture\":{\"components\":[{\"product_id\":\"00000000000000000000000000000001\","
         "\"volume_ml\":1}],\"areas\":[\"cheeks\"]}}",
         403, "forbidden", NULL, NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], vars, 1);
    json_t *list =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/formulations", pid);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 0); /* nothing stored */
    json_decref(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concerns),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_build_audited),
        cmocka_unit_test(test_mixture_errors),
    };
    return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
