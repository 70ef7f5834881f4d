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

/* ---- with stock (the stock part's routes) ---------------------------------------- */

/* A product of the clinic (admin), unique by tag; returns its id. */
static void product(const char *tag, const char *name, const char *ings_json, const char *uk,
                    char id[MD_ID_STR])
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"name\":\"%s %s\",\"presentation\":\"single_dose\",\"volume_ml\":2,"
             "\"base\":\"aqueous\",\"ingredients\":%s,\"regulatory\":{\"UK\":\"%s\"}}",
             name, tag, ings_json, uk);
    json_t *p = api_ok(api.admin, "POST", body, 201, "/api/v1/products");
    snprintf(id, MD_ID_STR, "%s", api_str(p, "id"));
    json_decref(p);
}

static void lot(const char *product_id, const char *number, const char *expiry, char id[MD_ID_STR])
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"product_id\":\"%s\",\"lot_number\":\"%s\",\"expiry\":\"%s\","
             "\"received_on\":\"2026-01-10\",\"quantity\":5}",
             product_id, number, expiry);
    json_t *l = api_ok(api.admin, "POST", body, 201, "/api/v1/lots");
    snprintf(id, MD_ID_STR, "%s", api_str(l, "id"));
    json_decref(l);
}

/* The entry of list whose single product is id (or, with n 2, whose first is), or NULL. */
static json_t *entry_of(json_t *list, const char *id, size_t n)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        json_t *ps = json_object_get(e, "products");
        if (json_array_size(ps) == n && strcmp(api_str(json_array_get(ps, 0), "id"), id) == 0)
            return e;
    }
    return NULL;
}

static int has_reason(json_t *list, const char *reason, const char *rule)
{
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r)
    {
        if (strcmp(api_str(r, "reason"), reason) == 0 && strcmp(api_str(r, "rule"), rule) == 0)
            return 1;
    }
    return 0;
}

static void test_build_with_stock(void **state)
{
    (void)state;
    char tag[16], ha[MD_ID_STR], comp[MD_ID_STR], rec[MD_ID_STR], old[MD_ID_STR], lido[MD_ID_STR],
        l[MD_ID_STR], pid[MD_ID_STR], num[40];
    api_unique(tag);
    product(tag, "Hydra", "[{\"ingredient\":\"hyaluronic_acid\",\"concentration\":\"1%\"}]",
            "ce_marked", ha);
    product(tag, "Hydra Compounded", "[{\"ingredient\":\"hyaluronic_acid\"}]", "compounded", comp);
    product(tag, "Hydra Recalled", "[{\"ingredient\":\"hyaluronic_acid\"}]", "ce_marked", rec);
    product(tag, "Hydra Old", "[{\"ingredient\":\"hyaluronic_acid\"}]", "ce_marked", old);
    product(tag, "Hydra Lido",
            "[{\"ingredient\":\"hyaluronic_acid\"},{\"ingredient\":\"lidocaine\"}]", "ce_marked",
            lido);
    snprintf(num, sizeof num, "%s-HA", tag);
    lot(ha, num, "2099-01-31", l);
    snprintf(num, sizeof num, "%s-CO", tag);
    lot(comp, num, "2099-01-31", l);
    snprintf(num, sizeof num, "%s-RE", tag);
    lot(rec, num, "2099-01-31", l);
    json_decref(api_ok(api.admin, "POST", "{\"reason\":\"sterility\",\"date\":\"2026-03-01\"}", 200,
                       "/api/v1/lots/%s/recall", l));
    snprintf(num, sizeof num, "%s-OL", tag);
    lot(old, num, "2026-02-01", l);
    snprintf(num, sizeof num, "%s-HL", tag);
    lot(lido, num, "2099-01-31", l);
    patient_asked(pid);
    json_decref(api_ok(api.practitioner, "POST", "{\"substance\":\"amide_anaesthetics\"}", 201,
                       "/api/v1/patients/%s/allergies", pid));
    json_t *b = api_ok(api.practitioner, "POST",
                       "{\"concerns\":[\"dryness\"],\"areas\":[\"cheeks\"],\"date\":\"" DATE "\"}",
                       200, "/api/v1/patients/%s/formulations/build", pid);
    json_t *cands = json_object_get(b, "candidates"), *excl = json_object_get(b, "excluded");
    json_t *c = entry_of(cands, ha, 1);
    assert_non_null(c);
    json_t *why = json_array_get(json_object_get(c, "rationale"), 0);
    assert_string_equal(api_str(why, "concern"), "dryness");
    assert_string_equal(api_str(why, "ingredient"), "hyaluronic_acid");
    assert_true(json_array_size(json_object_get(why, "sources")) > 0);
    assert_true(has_reason(json_object_get(entry_of(excl, comp, 1), "reasons"), "regulatory",
                           "compounded"));
    assert_true(has_reason(json_object_get(entry_of(excl, lido, 1), "reasons"), "allergy",
                           "allergy_to_planned_ingredient"));
    /* the recalled and the expired lot are not in stock: neither candidate nor excluded */
    assert_null(entry_of(cands, rec, 1));
    assert_null(entry_of(excl, rec, 1));
    assert_null(entry_of(cands, old, 1));
    assert_null(entry_of(excl, old, 1));
    json_decref(b);
}

static void test_mixtures(void **state)
{
    (void)state;
    char tag[16], ha[MD_ID_STR], pc[MD_ID_STR], lido[MD_ID_STR], l[MD_ID_STR], pid[MD_ID_STR],
        num[40], body[1024];
    api_unique(tag);
    product(tag, "HA", "[{\"ingredient\":\"hyaluronic_acid\"}]", "ce_marked", ha);
    product(tag, "PC", "[{\"ingredient\":\"phosphatidylcholine\"}]", "ce_marked", pc);
    product(tag, "Lido", "[{\"ingredient\":\"lidocaine\"}]", "approved_drug_off_label", lido);
    snprintf(num, sizeof num, "%s-1", tag);
    lot(ha, num, "2099-01-31", l);
    snprintf(num, sizeof num, "%s-2", tag);
    lot(pc, num, "2099-01-31", l);
    snprintf(num, sizeof num, "%s-3", tag);
    lot(lido, num, "2099-01-31", l);
    patient_asked(pid);

    /* PC with lidocaine in one syringe: 409 with the reason; nothing stored */
    snprintf(body, sizeof body,
             "{\"name\":\"Lipo\",\"mixture\":{\"components\":[{\"product_id\":\"%s\","
             "\"volume_ml\":\"2\"},{\"product_id\":\"%s\",\"volume_ml\":0.5}],"
             "\"areas\":[\"abdomen\"],\"concerns\":[\"localized_fat\"]},\"planned_date\":\"" DATE
             "\"}",
             pc, lido);
    json_t *e =
        api_ok(api.practitioner, "POST", body, 409, "/api/v1/patients/%s/formulations", pid);
    json_t *err = json_object_get(e, "error");
    assert_string_equal(api_str(err, "code"), "mixture_blocked");
    assert_string_equal(api_str(err, "field"), "mixture");
    assert_true(has_reason(json_object_get(err, "reasons"), "incompatibility",
                           "phosphatidylcholine_lidocaine"));
    json_decref(e);
    json_t *list =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/formulations", pid);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 0);
    json_decref(list);

    /* HA with lidocaine: saved with the off-label caution */
    snprintf(body, sizeof body,
             "{\"name\":\"Glow\",\"mixture\":{\"components\":[{\"product_id\":\"%s\","
             "\"volume_ml\":\"1.5\"},{\"product_id\":\"%s\",\"volume_ml\":0.2}],"
             "\"areas\":[\"cheeks\"],\"concerns\":[\"dryness\"]},\"planned_date\":\"" DATE "\"}",
             ha, lido);
    json_t *f =
        api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/formulations", pid);
    char fid[MD_ID_STR];
    snprintf(fid, sizeof fid, "%s", api_str(f, "id"));
    json_t *checks = json_object_get(f, "checks");
    assert_true(
        has_reason(json_object_get(checks, "cautions"), "regulatory", "approved_drug_off_label"));
    json_t *c1 = json_array_get(json_object_get(json_object_get(f, "mixture"), "components"), 1);
    assert_int_equal(api_int(c1, "volume_ul"), 200);
    json_decref(f);

    /* a new version needs a reason; a change to PC + lidocaine is refused */
    snprintf(body, sizeof body,
             "{\"mixture\":{\"components\":[{\"product_id\":\"%s\",\"volume_ml\":1},"
             "{\"product_id\":\"%s\",\"volume_ml\":1}],\"areas\":[\"cheeks\"]},"
             "\"reason\":\"try lipolysis\"}",
             pc, lido);
    e = api_ok(api.practitioner, "PUT", body, 409, "/api/v1/patients/%s/formulations/%s", pid, fid);
    json_decref(e);
    f = api_ok(api.practitioner, "PATCH", "{\"notes\":\"less lidocaine\",\"reason\":\"review\"}",
               200, "/api/v1/patients/%s/formulations/%s", pid, fid);
    assert_int_equal(api_int(f, "version"), 2);
    json_decref(f);
    json_t *h = api_ok(api.practitioner, "GET", NULL, 200,
                       "/api/v1/patients/%s/formulations/%s/history", pid, fid);
    assert_int_equal(json_array_size(json_object_get(h, "versions")), 2);
    json_decref(h);
    api_err(api.practitioner, "PATCH", "{\"notes\":\"x\"}", 400, "invalid", "reason",
            "/api/v1/patients/%s/formulations/%s", pid, fid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concerns),         cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_build_audited),    cmocka_unit_test(test_mixture_errors),
        cmocka_unit_test(test_build_with_stock), cmocka_unit_test(test_mixtures),
    };
    return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
