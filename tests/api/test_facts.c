/*
 * test_facts.c - clinical facts under a patient (allergies, conditions,
 * medications, pregnancy/breastfeeding status): versions with reasons,
 * entered_in_error, codes checked against the knowledge base, roles.
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

/* A fresh patient for one test; its id in id. */
static void new_patient(char id[MD_ID_STR])
{
    json_t *p = api_patient_new(api.reception, "Facts", NULL, "1988-08-08");
    md_strlcpy(id, api_str(p, "id"), MD_ID_STR);
    json_decref(p);
}

static void allergy_lifecycle(void **state)
{
    (void)state;
    char pid[MD_ID_STR];
    new_patient(pid);
    json_t *a1 =
        api_ok(api.practitioner, "POST", "{\"substance\":\"latex\",\"reaction\":\"hives\"}", 201,
               "/api/v1/patients/%s/allergies", pid);
    const char *fid = api_str(a1, "id");
    assert_true(md_id_valid(fid));
    assert_int_equal(api_int(a1, "version"), 1);
    assert_string_equal(api_str(a1, "patient_id"), pid);
    assert_string_equal(api_str(a1, "substance"), "latex");
    assert_string_equal(api_str(a1, "status"), "active"); /* the default */
    assert_string_equal(api_str(a1, "recorded_by"), api.practitioner_id);

    /* Listed, and readable one by one. */
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/allergies", pid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
    assert_true(json_equal(json_array_get(json_object_get(l, "items"), 0), a1));
    json_decref(l);
    json_t *one =
        api_ok(api.auditor, "GET", NULL, 200, "/api/v1/patients/%s/allergies/%s", pid, fid);
    assert_true(json_equal(one, a1));
    json_decref(one);

    /* A change needs a reason and makes version 2. */
    api_err(api.practitioner, "PUT", "{\"reaction\":\"anaphylaxis\"}", 400, "invalid", "reason",
            "/api/v1/patients/%s/allergies/%s", pid, fid);
    json_t *a2 = api_ok(api.admin, "PUT",
                        "{\"reaction\":\"anaphylaxis\",\"reason\":\"patient recalled a severe "
                        "reaction\",\"version\":1}",
                        200, "/api/v1/patients/%s/allergies/%s", pid, fid);
    assert_int_equal(api_int(a2, "version"), 2);
    assert_string_equal(api_str(a2, "reaction"), "anaphylaxis");
    assert_string_equal(api_str(a2, "substance"), "latex");
    assert_string_equal(api_str(a2, "reason"), "patient recalled a severe reaction");
    assert_string_equal(api_str(a2, "recorded_by"), api.admin_id);

    /* A stale version is a conflict. */
    api_err(api.practitioner, "PUT", "{\"reaction\":\"rash\",\"reason\":\"x\",\"version\":1}", 409,
            "conflict", "version", "/api/v1/patients/%s/allergies/%s", pid, fid);

    /* History: both versions, who, when and why. */
    json_t *h = api_ok(api.practitioner, "GET", NULL, 200,
                       "/api/v1/patients/%s/allergies/%s/history", pid, fid);
    json_t *versions = json_object_get(h, "versions");
    assert_int_equal(json_array_size(versions), 2);
    assert_true(json_equal(json_array_get(versions, 0), a1));
    assert_true(json_equal(json_array_get(versions, 1), a2));
    int64_t t;
    for (size_t i = 0; i < 2; i++) {
        json_t *v = json_array_get(versions, i);
        assert_int_equal(api_int(v, "version"), (json_int_t)i + 1);
        assert_true(md_id_valid(api_str(v, "recorded_by")));
        assert_int_equal(md_time_parse(api_str(v, "recorded_at"), &t), 0);
        assert_true(*api_str(v, "reason"));
    }
    json_decref(h);
    json_decref(a2);
    json_decref(a1);
}

static void entered_in_error_is_hidden_but_kept(void **state)
{
    (void)state;
    char pid[MD_ID_STR];
    new_patient(pid);
    json_t *keep = api_ok(api.practitioner, "POST", "{\"code\":\"eczema\",\"site\":\"hands\"}", 201,
                          "/api/v1/patients/%s/conditions", pid);
    json_t *wrong = api_ok(api.practitioner, "POST", "{\"code\":\"psoriasis\"}", 201,
                           "/api/v1/patients/%s/conditions", pid);
    assert_true(json_is_true(json_object_get(wrong, "active"))); /* the default */
    assert_string_equal(api_str(wrong, "status"), "confirmed");
    const char *fid = api_str(wrong, "id");
    json_t *gone = api_ok(api.practitioner, "PUT",
                          "{\"status\":\"entered_in_error\",\"reason\":\"wrong patient\"}", 200,
                          "/api/v1/patients/%s/conditions/%s", pid, fid);
    assert_int_equal(api_int(gone, "version"), 2);

    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/conditions", pid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
    assert_int_equal(api_count_items(l, "id", api_str(keep, "id")), 1);
    assert_int_equal(api_count_items(l, "id", fid), 0);
    json_decref(l);

    l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/conditions?include=all",
               pid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 2);
    assert_int_equal(api_count_items(l, "status", "entered_in_error"), 1);
    json_decref(l);

    json_t *h = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/patients/%s/conditions/%s/history",
                       pid, fid);
    json_t *versions = json_object_get(h, "versions");
    assert_int_equal(json_array_size(versions), 2);
    assert_string_equal(api_str(json_array_get(versions, 0), "status"), "confirmed");
    assert_string_equal(api_str(json_array_get(versions, 1), "status"), "entered_in_error");
    assert_string_equal(api_str(json_array_get(versions, 1), "reason"), "wrong patient");
    json_decref(h);
    json_decref(gone);
    json_decref(wrong);
    json_decref(keep);
}

static void synonyms_map_to_canonical_codes(void **state)
{
    (void)state;
    char pid[MD_ID_STR];
    new_patient(pid);
    static const struct {
        const char *collection, *field, *given, *stored;
    } cases[] = {
        {"medications", "code", "ibuprofen", "nsaid"},
        {"medications", "code", "warfarin", "anticoagulant"},
        {"medications", "code", "aspirin", "aspirin"},
        {"conditions", "code", "cardiac_disease", "cardiac_disease"},
        {"allergies", "substance", "lidocaine", "lidocaine"},
        {"allergies", "substance", "latex", "latex"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"%s\":\"%s\"}", cases[i].field, cases[i].given);
        json_t *f = api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/%s", pid,
                           cases[i].collection);
        if (strcmp(api_str(f, cases[i].field), cases[i].stored) != 0)
            fail_msg("%s %s stored as '%s', expected '%s'", cases[i].collection, cases[i].given,
                     api_str(f, cases[i].field), cases[i].stored);
        json_decref(f);
    }
    json_t *l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients/%s/medications", pid);
    assert_int_equal(api_count_items(l, "code", "nsaid"), 1);
    assert_int_equal(api_count_items(l, "code", "anticoagulant"), 1);
    assert_int_equal(api_count_items(l, "code", "warfarin"), 0);
    json_decref(l);
}

static void unknown_codes_are_refused(void **state)
{
    (void)state;
    char pid[MD_ID_STR];
    new_patient(pid);
    api_var vars[] = {{"p", pid}};
    static const api_case cases[] = {
        {"misspelt medication", api.practitioner, "POST", "/api/v1/patients/{p}/medications",
         "{\"code\":\"warfarn\"}", 422, "unprocessable", "code", "did you mean"},
        {"misspelt condition", api.practitioner, "POST", "/api/v1/patients/{p}/conditions",
         "{\"code\":\"psoriasys\"}", 422, "unprocessable", "code", "did you mean"},
        {"misspelt substance", api.practitioner, "POST", "/api/v1/patients/{p}/allergies",
         "{\"substance\":\"lidocane\"}", 422, "unprocessable", "substance", "did you mean"},
        {"unknown site", api.practitioner, "POST", "/api/v1/patients/{p}/conditions",
         "{\"code\":\"eczema\",\"site\":\"elbw\"}", 422, "unprocessable", "site", NULL},
        {"empty code", api.practitioner, "POST", "/api/v1/patients/{p}/medications",
         "{\"code\":\"\"}", 400, "invalid", "code", NULL},
        {"code not a string", api.practitioner, "POST", "/api/v1/patients/{p}/medications",
         "{\"code\":42}", 400, "invalid", "code", NULL},
        {"missing code", api.practitioner, "POST", "/api/v1/patients/{p}/conditions",
         "{\"active\":true}", 400, "invalid", "code", NULL},
        {"active not a boolean", api.practitioner, "POST", "/api/v1/patients/{p}/conditions",
         "{\"code\":\"acne\",\"active\":\"yes\"}", 400, "invalid", "active", NULL},
        {"unknown status", api.practitioner, "POST", "/api/v1/patients/{p}/allergies",
         "{\"substance\":\"latex\",\"status\":\"maybe\"}", 422, "unprocessable", "status", NULL},
        {"last dose in the future", api.practitioner, "POST", "/api/v1/patients/{p}/medications",
         "{\"code\":\"aspirin\",\"last_dose\":\"2999-01-01\"}", 422, "unprocessable", "last_dose",
         NULL},
        {"impossible last dose", api.practitioner, "POST", "/api/v1/patients/{p}/medications",
         "{\"code\":\"aspirin\",\"last_dose\":\"2025-02-29\"}", 422, "unprocessable", "last_dose",
         NULL},
        {"unknown field", api.practitioner, "POST", "/api/v1/patients/{p}/medications",
         "{\"code\":\"aspirin\",\"dose_mg\":75}", 400, "invalid", "dose_mg", "dose_mg"},
        {"unknown fact", api.practitioner, "GET",
         "/api/v1/patients/{p}/allergies/00000000000000000000000000000000", NULL, 404, "not_found",
         "id", NULL},
        {"change of an unknown fact", api.practitioner, "PUT",
         "/api/v1/patients/{p}/allergies/00000000000000000000000000000000",
         "{\"status\":\"inactive\",\"reason\":\"x\"}", 404, "not_found", "id", NULL},
        {"facts of an unknown patient", api.practitioner, "POST",
         "/api/v1/patients/00000000000000000000000000000000/allergies", "{\"substance\":\"latex\"}",
         404, "not_found", "patient_id", NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], vars, 1);
    /* None of it was stored. */
    static const char *const collections[] = {"allergies", "conditions", "medications"};
    for (size_t i = 0; i < 3; i++) {
        json_t *l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients/%s/%s?include=all", pid,
                           collections[i]);
        assert_int_equal(json_array_size(json_object_get(l, "items")), 0);
        json_decref(l);
    }
}

static void status_is_one_record_per_patient(void **state)
{
    (void)state;
    char pid[MD_ID_STR], today[MD_DATE_STR], body[160];
    new_patient(pid);
    md_date_format(md_today_utc(), today);
    snprintf(body, sizeof body,
             "{\"pregnant\":\"yes\",\"breastfeeding\":\"no\",\"recorded_on\":\"%s\"}", today);
    json_t *s1 = api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/status", pid);
    assert_int_equal(api_int(s1, "version"), 1);
    assert_string_equal(api_str(s1, "pregnant"), "yes");
    snprintf(body, sizeof body,
             "{\"pregnant\":\"not_sure\",\"breastfeeding\":\"yes\",\"recorded_on\":\"%s\"}", today);
    json_t *s2 = api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/status", pid);
    assert_string_equal(api_str(s2, "id"), api_str(s1, "id"));
    assert_int_equal(api_int(s2, "version"), 2);

    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/status", pid);
    json_t *items = json_object_get(l, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(api_int(json_array_get(items, 0), "version"), 2);
    assert_string_equal(api_str(json_array_get(items, 0), "pregnant"), "not_sure");
    assert_string_equal(api_str(json_array_get(items, 0), "breastfeeding"), "yes");
    json_decref(l);

    json_t *h = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/status/%s/history",
                       pid, api_str(s1, "id"));
    assert_int_equal(json_array_size(json_object_get(h, "versions")), 2);
    json_decref(h);

    json_decref(s2);
    json_decref(s1);
}

/* A POST to /status records a new observation: every field is required, also when an
 * earlier status exists (it is not a partial update of the old one). */
static void status_post_needs_every_field(void **state)
{
    (void)state;
    char pid[MD_ID_STR];
    new_patient(pid);
    api_var vars[] = {{"p", pid}};
    static const api_case first[] = {
        {"first status without recorded_on", api.practitioner, "POST",
         "/api/v1/patients/{p}/status", "{\"pregnant\":\"yes\",\"breastfeeding\":\"no\"}", 400,
         "invalid", "recorded_on", NULL},
        {"pregnant a boolean, not an answer", api.practitioner, "POST",
         "/api/v1/patients/{p}/status",
         "{\"pregnant\":false,\"breastfeeding\":\"no\",\"recorded_on\":\"2020-01-01\"}", 400,
         "invalid", "pregnant", NULL},
        {"pregnant not one of the answers", api.practitioner, "POST", "/api/v1/patients/{p}/status",
         "{\"pregnant\":\"maybe\",\"breastfeeding\":\"no\",\"recorded_on\":\"2020-01-01\"}", 422,
         "unprocessable", "pregnant", NULL},
    };
    api_run_cases(first, sizeof first / sizeof first[0], vars, 1);
    json_decref(
        api_ok(api.practitioner, "POST",
               "{\"pregnant\":\"no\",\"breastfeeding\":\"no\",\"recorded_on\":\"2020-01-01\"}", 201,
               "/api/v1/patients/%s/status", pid));
    static const api_case again[] = {
        {"second status without recorded_on", api.practitioner, "POST",
         "/api/v1/patients/{p}/status", "{\"pregnant\":\"yes\",\"breastfeeding\":\"no\"}", 400,
         "invalid", "recorded_on", NULL},
        {"second status without breastfeeding", api.practitioner, "POST",
         "/api/v1/patients/{p}/status", "{\"pregnant\":\"yes\",\"recorded_on\":\"2020-01-01\"}",
         400, "invalid", "breastfeeding", NULL},
    };
    api_run_cases(again, sizeof again / sizeof again[0], vars, 1);
    /* Only the one complete observation was stored. */
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/status", pid);
    assert_int_equal(api_int(json_array_get(json_object_get(l, "items"), 0), "version"), 1);
    json_decref(l);
}

static void demo_facts_are_there(void **state)
{
    (void)state;
    char pid[MD_ID_STR];
    /* Emily Nakamura takes warfarin in the demo data: stored as anticoagulant. */
    api_demo_patient("Nakamura", pid);
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/medications", pid);
    assert_int_equal(api_count_items(l, "code", "anticoagulant"), 1);
    assert_int_equal(api_count_items(l, "name", "warfarin"), 1);
    json_decref(l);
    l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/allergy_statements", pid);
    assert_int_equal(api_count_items(l, "statement", "no_known_allergies"), 1);
    json_decref(l);
    /* Hannah Shah is pregnant. */
    api_demo_patient("Shah", pid);
    l = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/patients/%s/status", pid);
    assert_string_equal(api_str(json_array_get(json_object_get(l, "items"), 0), "pregnant"), "yes");
    json_decref(l);
}

/* The drug or product name as recorded stays beside its class code: in the record, its
 * history and the screening fact. */
static void medication_names_are_kept(void **state)
{
    (void)state;
    char pid[MD_ID_STR];
    new_patient(pid);
    json_t *m =
        api_ok(api.practitioner, "POST", "{\"code\":\"ibuprofen\",\"last_dose\":\"2026-11-18\"}",
               201, "/api/v1/patients/%s/medications", pid);
    assert_string_equal(api_str(m, "code"), "nsaid");
    assert_string_equal(api_str(m, "name"), "ibuprofen");
    json_t *n = api_ok(api.practitioner, "POST", "{\"code\":\"nsaid\",\"name\":\"Nurofen 200 mg\"}",
                       201, "/api/v1/patients/%s/medications", pid);
    assert_string_equal(api_str(n, "name"), "Nurofen 200 mg");
    /* A name the kb knows as another class is refused, naming the field. */
    api_err(api.practitioner, "POST", "{\"code\":\"anticoagulant\",\"name\":\"ibuprofen\"}", 422,
            "unprocessable", "name", "/api/v1/patients/%s/medications", pid);
    json_decref(api_ok(api.practitioner, "PUT", "{\"status\":\"stopped\",\"reason\":\"stopped\"}",
                       200, "/api/v1/patients/%s/medications/%s", pid, api_str(m, "id")));
    json_t *h = api_ok(api.practitioner, "GET", NULL, 200,
                       "/api/v1/patients/%s/medications/%s/history", pid, api_str(m, "id"));
    json_t *versions = json_object_get(h, "versions");
    assert_int_equal(json_array_size(versions), 2);
    for (size_t i = 0; i < 2; i++)
        assert_string_equal(api_str(json_array_get(versions, i), "name"), "ibuprofen");
    char body[256];
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"date\":\"2026-11-21\",\"plan\":{\"areas\":[\"neck\"],"
             "\"ingredients\":[\"hyaluronic_acid\"]}}",
             pid);
    json_t *s = api_ok(api.practitioner, "POST", body, 201, "/api/v1/screenings");
    /* Both are NSAIDs (recorded in the same second: either order); each keeps its name. */
    size_t i, named = 0;
    json_t *f;
    json_array_foreach(json_object_get(json_object_get(s, "result"), "findings"), i, f)
    {
        const char *name = api_str(json_object_get(f, "fact"), "name");
        assert_string_equal(api_str(json_object_get(f, "fact"), "code"), "nsaid");
        if (strcmp(name, "ibuprofen") == 0 && strstr(api_str(f, "message"), "(ibuprofen)"))
            named |= 1;
        if (strcmp(name, "Nurofen 200 mg") == 0 &&
            strstr(api_str(f, "message"), "(Nurofen 200 mg)"))
            named |= 2;
    }
    assert_int_equal(named, 3);
    json_decref(s);
    json_decref(h);
    json_decref(n);
    json_decref(m);
}

static void who_may_touch_facts(void **state)
{
    (void)state;
    char pid[MD_ID_STR];
    new_patient(pid);
    json_t *a = api_ok(api.admin, "POST", "{\"substance\":\"penicillin\"}", 201,
                       "/api/v1/patients/%s/allergies", pid);
    api_var vars[] = {{"p", pid}, {"a", api_str(a, "id")}};
    static const api_case cases[] = {
        {"reception lists", api.reception, "GET", "/api/v1/patients/{p}/allergies", NULL, 403,
         "forbidden", NULL, NULL},
        {"reception reads one", api.reception, "GET", "/api/v1/patients/{p}/allergies/{a}", NULL,
         403, "forbidden", NULL, NULL},
        {"reception reads history", api.reception, "GET",
         "/api/v1/patients/{p}/allergies/{a}/history", NULL, 403, "forbidden", NULL, NULL},
        {"reception adds", api.reception, "POST", "/api/v1/patients/{p}/allergies",
         "{\"substance\":\"latex\"}", 403, "forbidden", NULL, NULL},
        {"auditor adds", api.auditor, "POST", "/api/v1/patients/{p}/medications",
         "{\"code\":\"aspirin\"}", 403, "forbidden", NULL, NULL},
        {"auditor changes", api.auditor, "PUT", "/api/v1/patients/{p}/allergies/{a}",
         "{\"status\":\"inactive\",\"reason\":\"x\"}", 403, "forbidden", NULL, NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], vars, 2);
    /* The auditor reads. */
    json_t *l = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/patients/%s/allergies", pid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
    json_decref(l);
    json_decref(a);
}

/* POST .../{id}/entered-in-error: a new version with the status, reason required; the
 * route exists for every kind of the registry served under a patient. */
static void entered_in_error_route(void **state)
{
    (void)state;
    char pid[MD_ID_STR];
    new_patient(pid);
    json_t *c = api_ok(api.practitioner, "POST", "{\"code\":\"acne\",\"site\":\"cheeks\"}", 201,
                       "/api/v1/patients/%s/conditions", pid);
    const char *fid = api_str(c, "id");
    api_err(api.practitioner, "POST", "{}", 400, "invalid", "reason",
            "/api/v1/patients/%s/conditions/%s/entered-in-error", pid, fid);
    api_err(api.practitioner, "POST", "{\"reason\":\"x\",\"status\":\"confirmed\"}", 400, "invalid",
            "status", "/api/v1/patients/%s/conditions/%s/entered-in-error", pid, fid);
    api_err(api.practitioner, "POST", "{\"reason\":\"x\",\"version\":7}", 409, "conflict",
            "version", "/api/v1/patients/%s/conditions/%s/entered-in-error", pid, fid);
    api_err(api.reception, "POST", "{\"reason\":\"x\"}", 403, "forbidden", NULL,
            "/api/v1/patients/%s/conditions/%s/entered-in-error", pid, fid);
    json_t *e = api_ok(api.practitioner, "POST", "{\"reason\":\"wrong patient\",\"version\":1}",
                       200, "/api/v1/patients/%s/conditions/%s/entered-in-error", pid, fid);
    assert_int_equal(api_int(e, "version"), 2);
    assert_string_equal(api_str(e, "status"), "entered_in_error");
    assert_string_equal(api_str(e, "reason"), "wrong patient");
    assert_string_equal(api_str(e, "code"), "acne");
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/conditions", pid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 0);
    json_decref(l);
    json_decref(e);
    json_decref(c);
}

/* GET /kinds (and /kb's "kinds"): the registry the web app builds its forms from. */
static void kinds_are_served(void **state)
{
    (void)state;
    json_t *k = api_ok(api.reception, "GET", NULL, 200, "/api/v1/kinds");
    json_t *kinds = json_object_get(k, "kinds"), *one;
    size_t i, seen = 0;
    json_array_foreach(kinds, i, one)
    {
        if (strcmp(api_str(one, "name"), "medication") != 0) continue;
        seen++;
        assert_string_equal(api_str(one, "collection"), "medications");
        assert_string_equal(api_str(one, "parent"), "patient");
        json_t *code = json_array_get(json_object_get(one, "fields"), 0);
        assert_string_equal(api_str(code, "name"), "code");
        assert_string_equal(api_str(code, "vocabulary"), "medication");
        assert_string_equal(api_str(code, "keeps_typed_in"), "name");
        json_t *status = json_array_get(json_object_get(one, "fields"), 4);
        assert_string_equal(api_str(status, "default"), "active");
        assert_int_equal(json_array_size(json_object_get(status, "enum")), 3);
    }
    assert_int_equal(seen, 1);
    json_t *kb = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/kb");
    assert_true(json_equal(json_object_get(kb, "kinds"), kinds));
    json_decref(kb);
    json_decref(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allergy_lifecycle),
        cmocka_unit_test(entered_in_error_is_hidden_but_kept),
        cmocka_unit_test(synonyms_map_to_canonical_codes),
        cmocka_unit_test(unknown_codes_are_refused),
        cmocka_unit_test(status_is_one_record_per_patient),
        cmocka_unit_test(status_post_needs_every_field),
        cmocka_unit_test(demo_facts_are_there),
        cmocka_unit_test(medication_names_are_kept),
        cmocka_unit_test(who_may_touch_facts),
        cmocka_unit_test(entered_in_error_route),
        cmocka_unit_test(kinds_are_served),
    };
    return cmocka_run_group_tests_name("api.facts", tests, api_setup, api_teardown);
}
