/*
 * test_patch_tests.c - patch tests over HTTP: application, ICDRG readings inside their
 * windows (kb/patch_tests.json: day 2 = 44-56 h, day 3-4 = 68-100 h after the
 * application), allergies from a positive reading, the clinic's validity of a negative
 * test, and what the next screening makes of them.  Times are given relative to now
 * (an application "50 hours ago" is read now inside day 2).
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

#define PT "/api/v1/patients/%s/patch-tests"

/* A UTC time `hours` before now (negative: after). */
static void hours_ago(double hours, char out[MD_TIME_STR])
{
    md_time_format(md_now() - (int64_t)(hours * 3600), out);
}

/* A fresh patient with one allergy on record (latex, so patch_test_required applies) or,
 * with allergy NULL, "no known allergies". */
static void new_patient(const char *allergy, char id[MD_ID_STR])
{
    char body[256], tag[16];
    api_unique(tag);
    snprintf(body, sizeof body,
             "{\"given_name\":\"Patch\",\"family_name\":\"%s\",\"birth_date\":\"1985-05-05\","
             "\"sex\":\"male\"}",
             tag);
    json_t *p = api_ok(api.reception, "POST", body, 201, "/api/v1/patients");
    md_strlcpy(id, api_str(p, "id"), MD_ID_STR);
    json_decref(p);
    if (allergy) {
        snprintf(body, sizeof body, "{\"substance\":\"%s\"}", allergy);
        json_decref(
            api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/allergies", id));
    } else {
        json_decref(api_ok(api.practitioner, "POST",
                           "{\"statement\":\"no_known_allergies\",\"asked_on\":\"2026-01-05\"}",
                           201, "/api/v1/patients/%s/allergy_statements", id));
    }
}

/* Apply a test of ingredients (a JSON array) `ago` hours ago; its id in tid. */
static json_t *apply(const char *pid, const char *ingredients, double ago, char tid[MD_ID_STR])
{
    char body[512], at[MD_TIME_STR];
    hours_ago(ago, at);
    snprintf(body, sizeof body, "{\"ingredients\":%s,\"site\":\"arms\",\"applied_at\":\"%s\"}",
             ingredients, at);
    json_t *t = api_ok(api.practitioner, "POST", body, 201, PT, pid);
    md_strlcpy(tid, api_str(t, "id"), MD_ID_STR);
    return t;
}

static json_t *read_now(const char *pid, const char *tid, const char *grade, long want)
{
    char body[128];
    snprintf(body, sizeof body, "{\"grade\":\"%s\"}", grade);
    return api_ok(api.practitioner, "POST", body, want, PT "/%s/readings", pid, tid);
}

static const char *outcome(const json_t *t)
{
    return api_str(json_object_get(t, "outcome"), "result");
}

/* The screening result of a plan of ingredients (JSON array) today. */
static json_t *screen(const char *pid, const char *ingredients)
{
    char body[512], today[MD_DATE_STR];
    md_date_format(md_today_utc(), today);
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"date\":\"%s\",\"plan\":{\"areas\":[\"cheeks\"],"
             "\"ingredients\":%s}}",
             pid, today, ingredients);
    json_t *s = api_ok(api.practitioner, "POST", body, 201, "/api/v1/screenings");
    json_t *r = json_incref(json_object_get(s, "result"));
    json_decref(s);
    return r;
}

/* The patch_test_required entry of a result: in cautions (still required) or findings. */
static const json_t *patch_rule(const json_t *result, const char *list)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(result, list), i, f)
    {
        if (strcmp(api_str(f, "rule"), "patch_test_required") == 0) return f;
    }
    return NULL;
}

static void negative_test_covers_the_plan(void **state)
{
    (void)state;
    char pid[MD_ID_STR], tid[MD_ID_STR], t2[MD_ID_STR];
    new_patient("latex", pid);

    /* Before any test: the caution names every planned ingredient. */
    json_t *r = screen(pid, "[\"hyaluronic_acid\",\"vitamin_c\"]");
    const json_t *c = patch_rule(r, "cautions");
    assert_non_null(c);
    assert_int_equal(json_array_size(json_object_get(c, "uncovered")), 2);
    json_decref(r);

    /* Applied 80 h ago: a day 3-4 reading now; negative, valid for the kb's 6 months. */
    json_t *t = apply(pid, "[\"hyaluronic_acid\"]", 80, tid);
    assert_string_equal(outcome(t), "pending");
    assert_string_equal(api_str(t, "status"), "active");
    assert_string_equal(api_str(t, "applied_by"), api.practitioner_id);
    assert_string_equal(json_string_value(json_array_get(json_object_get(t, "ingredients"), 0)),
                        "hyaluronic_acid");
    json_decref(t);
    t = read_now(pid, tid, "negative", 201);
    assert_string_equal(outcome(t), "negative");
    json_t *o = json_object_get(t, "outcome");
    assert_int_equal(api_int(o, "validity_months"), 6);
    json_t *rd = json_array_get(json_object_get(t, "readings"), 0);
    assert_string_equal(api_str(rd, "read_window"), "day_3_4");
    assert_int_equal(api_int(rd, "hours_after"), 80);
    json_decref(t);

    /* Covered: the caution is satisfied, listed with the findings and naming the test. */
    r = screen(pid, "[\"hyaluronic_acid\"]");
    assert_string_equal(api_str(r, "decision"), "eligible");
    assert_null(patch_rule(r, "cautions"));
    c = patch_rule(r, "findings");
    assert_non_null(c);
    json_t *sat =
        json_array_get(json_object_get(json_object_get(c, "satisfied"), "patch_tests"), 0);
    assert_string_equal(api_str(sat, "id"), tid);
    json_decref(r);

    /* Partly covered: the caution stays and names what is missing. */
    r = screen(pid, "[\"hyaluronic_acid\",\"vitamin_c\"]");
    c = patch_rule(r, "cautions");
    assert_non_null(c);
    assert_int_equal(json_array_size(json_object_get(c, "uncovered")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(c, "uncovered"), 0)),
                        "vitamin_c");
    assert_non_null(strstr(api_str(c, "message"), "Vitamin C"));
    json_decref(r);

    /* A day 2 negative alone is not a negative test. */
    json_decref(apply(pid, "[\"vitamin_c\"]", 50, t2));
    t = read_now(pid, t2, "negative", 201);
    assert_string_equal(outcome(t), "pending");
    json_decref(t);
    r = screen(pid, "[\"hyaluronic_acid\",\"vitamin_c\"]");
    assert_non_null(patch_rule(r, "cautions"));
    json_decref(r);

    /* Listed newest first, and readable one by one. */
    json_t *l = api_ok(api.auditor, "GET", NULL, 200, PT, pid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 2);
    assert_string_equal(api_str(json_array_get(json_object_get(l, "items"), 0), "id"), t2);
    json_decref(l);
    t = api_ok(api.practitioner, "GET", NULL, 200, PT "/%s", pid, tid);
    assert_string_equal(outcome(t), "negative");
    json_decref(t);
}

static void readings_keep_to_their_windows(void **state)
{
    (void)state;
    char pid[MD_ID_STR], tid[MD_ID_STR], body[256], at[MD_TIME_STR];
    new_patient("latex", pid);
    json_decref(apply(pid, "[\"lidocaine\"]", 30, tid));
    /* 30 h after: before day 2, refused naming the windows and the time. */
    const char *m = api_err(api.practitioner, "POST", "{\"grade\":\"negative\"}", 422,
                            "unprocessable", "read_at", PT "/%s/readings", pid, tid);
    assert_non_null(strstr(m, "30.0 h after the application"));
    assert_non_null(strstr(m, "day 2, 44-56 h"));
    assert_non_null(strstr(m, "day 3-4, 68-100 h"));

    /* A reading time given explicitly: 48 h after an application 110 h ago. */
    json_decref(apply(pid, "[\"lidocaine\"]", 110, tid));
    hours_ago(110 - 48, at);
    snprintf(body, sizeof body, "{\"grade\":\"negative\",\"read_at\":\"%s\"}", at);
    json_t *t = api_ok(api.practitioner, "POST", body, 201, PT "/%s/readings", pid, tid);
    assert_string_equal(api_str(json_array_get(json_object_get(t, "readings"), 0), "read_window"),
                        "day_2");
    json_decref(t);
    /* One reading per window: a second is refused (a correction is a new version). */
    api_err(api.practitioner, "POST", body, 409, "conflict", "read_at", PT "/%s/readings", pid,
            tid);
    /* Now is 110 h after: past day 3-4 (68-100 h). */
    m = api_err(api.practitioner, "POST", "{\"grade\":\"negative\"}", 422, "unprocessable",
                "read_at", PT "/%s/readings", pid, tid);
    assert_non_null(strstr(m, "110.0 h after the application"));
    t = api_ok(api.practitioner, "GET", NULL, 200, PT "/%s", pid, tid);
    assert_string_equal(outcome(t), "not_read");
    json_decref(t);
    /* In the future is refused as such. */
    hours_ago(-2, at);
    snprintf(body, sizeof body, "{\"grade\":\"+\",\"read_at\":\"%s\"}", at);
    m = api_err(api.practitioner, "POST", body, 422, "unprocessable", "read_at", PT "/%s/readings",
                pid, tid);
    assert_non_null(strstr(m, "future"));
}

static void positive_reading_adds_allergies(void **state)
{
    (void)state;
    char pid[MD_ID_STR], tid[MD_ID_STR], hid[MD_ID_STR];
    new_patient(NULL, pid);
    /* Before: lidocaine may be planned. */
    json_t *r = screen(pid, "[\"lidocaine\",\"hyaluronic_acid\"]");
    assert_string_equal(api_str(r, "decision"), "eligible");
    json_decref(r);

    json_decref(apply(pid, "[\"lidocaine\",\"hyaluronic_acid\"]", 50, tid));
    json_t *t = read_now(pid, tid, "++", 201);
    assert_string_equal(outcome(t), "positive");
    json_decref(t);
    /* Both tested ingredients are allergies now, each naming the test. */
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/allergies", pid);
    assert_int_equal(api_count_items(l, "patch_test_id", tid), 2);
    assert_int_equal(api_count_items(l, "substance", "lidocaine"), 1);
    assert_int_equal(api_count_items(l, "substance", "hyaluronic_acid"), 1);
    json_decref(l);
    /* The next screening shows it. */
    r = screen(pid, "[\"lidocaine\"]");
    assert_string_equal(api_str(r, "decision"), "contraindicated");
    assert_non_null(api_find_rule(r, "allergy_to_planned_ingredient"));
    json_decref(r);

    /* An allergy already on record gets a new version naming the test. */
    json_decref(apply(pid, "[\"hyaluronic_acid\"]", 50, hid));
    json_decref(read_now(pid, hid, "+", 201));
    l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/allergies", pid);
    assert_int_equal(api_count_items(l, "substance", "hyaluronic_acid"), 1);
    assert_int_equal(api_count_items(l, "patch_test_id", hid), 1);
    json_decref(l);
}

static void doubtful_and_irritant_are_not_negative(void **state)
{
    (void)state;
    const char *grades[] = {"doubtful", "irritant"};
    for (int g = 0; g < 2; g++) {
        char pid[MD_ID_STR], tid[MD_ID_STR];
        new_patient("latex", pid);
        json_decref(apply(pid, "[\"hyaluronic_acid\"]", 80, tid));
        json_t *t = read_now(pid, tid, grades[g], 201);
        assert_string_equal(outcome(t), grades[g]);
        json_decref(t);
        json_t *l =
            api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/allergies", pid);
        assert_int_equal(json_array_size(json_object_get(l, "items")), 1); /* latex only */
        json_decref(l);
        json_t *r = screen(pid, "[\"hyaluronic_acid\"]");
        assert_non_null(patch_rule(r, "cautions"));
        json_decref(r);
    }
}

static void clinic_sets_the_validity(void **state)
{
    (void)state;
    char pid[MD_ID_STR], tid[MD_ID_STR], body[256], at[MD_TIME_STR];
    new_patient("latex", pid);
    /* Applied 60 days ago, read at 72 h then: negative. */
    json_decref(apply(pid, "[\"hyaluronic_acid\"]", 60 * 24, tid));
    hours_ago(60 * 24 - 72, at);
    snprintf(body, sizeof body, "{\"grade\":\"negative\",\"read_at\":\"%s\"}", at);
    json_decref(api_ok(api.practitioner, "POST", body, 201, PT "/%s/readings", pid, tid));
    json_t *r = screen(pid, "[\"hyaluronic_acid\"]");
    assert_null(patch_rule(r, "cautions")); /* 6 months: still valid */
    json_decref(r);

    /* One month: expired, the caution is back. */
    json_t *c =
        api_ok(api.admin, "PATCH", "{\"patch_test_validity_months\":1}", 200, "/api/v1/clinic");
    assert_int_equal(api_int(c, "patch_test_validity_months"), 1);
    json_decref(c);
    r = screen(pid, "[\"hyaluronic_acid\"]");
    assert_non_null(patch_rule(r, "cautions"));
    json_decref(r);
    json_t *t = api_ok(api.practitioner, "GET", NULL, 200, PT "/%s", pid, tid);
    assert_int_equal(api_int(json_object_get(t, "outcome"), "validity_months"), 1);
    json_decref(t);
    api_err(api.admin, "PATCH", "{\"patch_test_validity_months\":0}", 422, "unprocessable",
            "patch_test_validity_months", "/api/v1/clinic");
    api_err(api.practitioner, "PATCH", "{\"patch_test_validity_months\":3}", 403, "forbidden", NULL,
            "/api/v1/clinic");
    /* Back to the kb's period. */
    c = api_ok(api.admin, "PATCH", "{\"patch_test_validity_months\":null}", 200, "/api/v1/clinic");
    assert_true(json_is_null(json_object_get(c, "patch_test_validity_months")));
    json_decref(c);
    r = screen(pid, "[\"hyaluronic_acid\"]");
    assert_null(patch_rule(r, "cautions"));
    json_decref(r);
}

static void corrections_and_history(void **state)
{
    (void)state;
    char pid[MD_ID_STR], tid[MD_ID_STR], rid[MD_ID_STR];
    new_patient("latex", pid);
    json_decref(apply(pid, "[\"vitamin_c\"]", 50, tid));
    json_t *t = read_now(pid, tid, "negative", 201);
    md_strlcpy(rid, api_str(json_array_get(json_object_get(t, "readings"), 0), "id"), MD_ID_STR);
    json_decref(t);
    /* A correction needs a reason; a positive correction adds the allergy. */
    api_err(api.practitioner, "PUT", "{\"grade\":\"+\"}", 400, "invalid", "reason",
            PT "/%s/readings/%s", pid, tid, rid);
    t = api_ok(api.practitioner, "PUT", "{\"grade\":\"+\",\"reason\":\"misread\",\"version\":1}",
               200, PT "/%s/readings/%s", pid, tid, rid);
    assert_string_equal(outcome(t), "positive");
    json_decref(t);
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/allergies", pid);
    assert_int_equal(api_count_items(l, "patch_test_id", tid), 1);
    json_decref(l);
    json_t *h = api_ok(api.practitioner, "GET", NULL, 200, PT "/%s/history", pid, tid);
    assert_int_equal(json_array_size(json_object_get(h, "versions")), 1);
    assert_int_equal(json_array_size(json_object_get(h, "readings")), 2);
    json_decref(h);
    /* Entered in error: kept, left out of the list and of screening. */
    api_err(api.practitioner, "POST", "{}", 400, "invalid", "reason", PT "/%s/entered-in-error",
            pid, tid);
    t = api_ok(api.practitioner, "POST", "{\"reason\":\"wrong patient\"}", 200,
               PT "/%s/entered-in-error", pid, tid);
    assert_string_equal(api_str(t, "status"), "entered_in_error");
    json_decref(t);
    l = api_ok(api.practitioner, "GET", NULL, 200, PT, pid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 0);
    json_decref(l);
    api_err(api.practitioner, "POST", "{\"grade\":\"negative\"}", 409, "conflict", "id",
            PT "/%s/readings", pid, tid);
    /* Audited: the application, the readings and the reads. */
    json_t *audit = api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?patient_id=%s", pid);
    assert_true(api_count_items(audit, "object_type", "patch_test") >= 3);
    assert_true(api_count_items(audit, "object_type", "patch_test_reading") >= 2);
    json_decref(audit);
}

static void bad_input_names_the_field(void **state)
{
    (void)state;
    char pid[MD_ID_STR], tid[MD_ID_STR], future[MD_TIME_STR], body[256];
    new_patient("latex", pid);
    json_decref(apply(pid, "[\"vitamin_c\"]", 50, tid));
    hours_ago(-1, future);
    snprintf(body, sizeof body,
             "{\"ingredients\":[\"vitamin_c\"],\"site\":\"arms\",\"applied_at\":\"%s\"}", future);
    api_var vars[] = {{"pid", pid}, {"tid", tid}, {"future_body", body}};
    const api_case cases[] = {
        {"unknown ingredient", api.practitioner, "POST", "/api/v1/patients/{pid}/patch-tests",
         "{\"ingredients\":[\"vitamin_c\",\"lidocane\"],\"site\":\"arms\"}", 422, "unprocessable",
         "ingredients[1]", "lidocaine"},
        {"no ingredients", api.practitioner, "POST", "/api/v1/patients/{pid}/patch-tests",
         "{\"ingredients\":[],\"site\":\"arms\"}", 422, "unprocessable", "ingredients", NULL},
        {"neither lot nor ingredients", api.practitioner, "POST",
         "/api/v1/patients/{pid}/patch-tests", "{\"site\":\"arms\"}", 422, "unprocessable",
         "ingredients", "lot_id"},
        {"both lot and ingredients", api.practitioner, "POST", "/api/v1/patients/{pid}/patch-tests",
         "{\"lot_id\":\"0123456789abcdef0123456789abcdef\",\"ingredients\":[\"vitamin_c\"],"
         "\"site\":\"arms\"}",
         422, "unprocessable", "ingredients", NULL},
        {"unknown site", api.practitioner, "POST", "/api/v1/patients/{pid}/patch-tests",
         "{\"ingredients\":[\"vitamin_c\"],\"site\":\"elbow\"}", 422, "unprocessable", "site",
         NULL},
        {"no site", api.practitioner, "POST", "/api/v1/patients/{pid}/patch-tests",
         "{\"ingredients\":[\"vitamin_c\"]}", 400, "invalid", "site", NULL},
        {"applied in the future", api.practitioner, "POST", "/api/v1/patients/{pid}/patch-tests",
         "{future_body}", 422, "unprocessable", "applied_at", "future"},
        {"not a time", api.practitioner, "POST", "/api/v1/patients/{pid}/patch-tests",
         "{\"ingredients\":[\"vitamin_c\"],\"site\":\"arms\",\"applied_at\":\"yesterday\"}", 422,
         "unprocessable", "applied_at", NULL},
        {"unknown member", api.practitioner, "POST", "/api/v1/patients/{pid}/patch-tests",
         "{\"ingredients\":[\"vitamin_c\"],\"site\":\"arms\",\"colour\":1}", 400, "invalid",
         "colour", NULL},
        {"unknown applier", api.practitioner, "POST", "/api/v1/patients/{pid}/patch-tests",
         "{\"ingredients\":[\"vitamin_c\"],\"site\":\"arms\",\"applied_by\":"
         "\"0123456789abcdef0123456789abcdef\"}",
         422, "unprocessable", "applied_by", NULL},
        {"grade off the scale", api.practitioner, "POST",
         "/api/v1/patients/{pid}/patch-tests/{tid}/readings", "{\"grade\":\"++++\"}", 422,
         "unprocessable", "grade", "+++"},
        {"no grade", api.practitioner, "POST", "/api/v1/patients/{pid}/patch-tests/{tid}/readings",
         "{}", 400, "invalid", "grade", NULL},
        {"no such test", api.practitioner, "POST",
         "/api/v1/patients/{pid}/patch-tests/0123456789abcdef0123456789abcdef/readings",
         "{\"grade\":\"negative\"}", 404, "not_found", "id", NULL},
        {"reception may not apply", api.reception, "POST", "/api/v1/patients/{pid}/patch-tests",
         "{\"ingredients\":[\"vitamin_c\"],\"site\":\"arms\"}", 403, "forbidden", NULL, NULL},
        {"reception may not read them", api.reception, "GET", "/api/v1/patients/{pid}/patch-tests",
         NULL, 403, "forbidden", NULL, NULL},
        {"another clinic", api.other_admin, "GET", "/api/v1/patients/{pid}/patch-tests/{tid}", NULL,
         404, "not_found", "id", NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], vars, sizeof vars / sizeof vars[0]);
    /* Nothing partial: the refused applications left one test only. */
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, PT, pid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
    json_decref(l);
}

static void the_kb_is_served(void **state)
{
    (void)state;
    json_t *k = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patch-tests/kb");
    assert_int_equal(json_array_size(json_object_get(k, "scale")), 6);
    assert_int_equal(json_array_size(json_object_get(k, "windows")), 2);
    assert_int_equal(api_int(json_object_get(k, "negative_validity"), "months"), 6);
    json_decref(k);
}

/* ---- a product lot: the dose and its stock with the application ---- */

static void new_lot(const char *presentation, const char *volume, char lot[MD_ID_STR])
{
    char body[1024], number[16];
    api_unique(number);
    snprintf(body, sizeof body,
             "{\"name\":\"Meso %s %s\",\"presentation\":\"%s\",\"volume_ml\":%s,\"base\":"
             "\"aqueous\",\"ingredients\":[{\"ingredient\":\"hyaluronic_acid\",\"concentration\":"
             "\"1.5%%\"},{\"ingredient\":\"vitamin_c\",\"concentration\":\"20 mg/ml\"}],"
             "\"regulatory\":{\"EU\":\"ce_marked\"}}",
             number, presentation, presentation, volume);
    json_t *p = api_ok(api.practitioner, "POST", body, 201, "/api/v1/products");
    snprintf(body, sizeof body,
             "{\"product_id\":\"%s\",\"lot_number\":\"PT-%s\",\"expiry\":\"2030-01-01\","
             "\"received_on\":\"2026-01-05\",\"quantity\":3,\"unit\":\"ampoule\"}",
             api_str(p, "id"), number);
    json_t *l = api_ok(api.practitioner, "POST", body, 201, "/api/v1/lots");
    md_strlcpy(lot, api_str(l, "id"), MD_ID_STR);
    json_decref(l);
    json_decref(p);
}

static json_int_t on_hand(const char *lot)
{
    json_t *m = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/lots/%s/movements", lot);
    json_int_t n = api_int(m, "on_hand");
    json_decref(m);
    return n;
}

static void a_lot_test_records_the_dose_with_it(void **state)
{
    (void)state;
    char pid[MD_ID_STR], lot[MD_ID_STR], multi[MD_ID_STR], body[256];
    new_patient("latex", pid);
    new_lot("single_dose", "2", lot);
    snprintf(body, sizeof body, "{\"lot_id\":\"%s\",\"volume_ml\":0.05,\"site\":\"arms\"}", lot);
    json_t *t = api_ok(api.practitioner, "POST", body, 201, PT, pid);
    json_t *ing = json_object_get(t, "ingredients");
    assert_int_equal(json_array_size(ing), 2); /* the product's */
    assert_string_equal(api_str(t, "lot_id"), lot);
    const char *aid = api_str(t, "administration_id");
    json_t *a =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/administrations", pid);
    assert_int_equal(api_count_items(a, "id", aid), 1);
    assert_int_equal(api_count_items(a, "context", "patch_test"), 1);
    json_decref(a);
    json_decref(t);
    assert_int_equal(on_hand(lot), 2);

    /* A multi-dose lot: from an open vial; a dose larger than what is left is refused. */
    new_lot("multi_dose", "0.1", multi);
    json_t *v = api_ok(api.practitioner, "POST", NULL, 201, "/api/v1/lots/%s/vials", multi);
    snprintf(body, sizeof body,
             "{\"lot_id\":\"%s\",\"vial_id\":\"%s\",\"volume_ml\":0.25,\"site\":\"arms\"}", multi,
             api_str(v, "id"));
    api_err(api.practitioner, "POST", body, 422, "unprocessable", "volume_ml", PT, pid);
    snprintf(body, sizeof body,
             "{\"lot_id\":\"%s\",\"vial_id\":\"%s\",\"volume_ml\":0.05,\"site\":\"arms\"}", multi,
             api_str(v, "id"));
    json_decref(api_ok(api.practitioner, "POST", body, 201, PT, pid));
    json_t *vv = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/vials/%s", api_str(v, "id"));
    assert_true(json_number_value(json_object_get(vv, "remaining_ml")) == 0.05);
    json_decref(vv);
    json_decref(v);

    /* Recalled: the application is refused with the reason, and nothing is stored. */
    json_decref(api_ok(api.admin, "POST",
                       "{\"reason\":\"supplier notice: sterility\",\"date\":"
                       "\"2026-11-01\"}",
                       200, "/api/v1/lots/%s/recall", lot));
    snprintf(body, sizeof body, "{\"lot_id\":\"%s\",\"volume_ml\":0.05,\"site\":\"arms\"}", lot);
    const char *m = api_err(api.practitioner, "POST", body, 409, "conflict", "lot_id", PT, pid);
    assert_non_null(strstr(m, "sterility"));
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, PT, pid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 2);
    json_decref(l);
    a = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/administrations", pid);
    assert_int_equal(json_array_size(json_object_get(a, "items")), 2);
    json_decref(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(negative_test_covers_the_plan),
        cmocka_unit_test(readings_keep_to_their_windows),
        cmocka_unit_test(positive_reading_adds_allergies),
        cmocka_unit_test(doubtful_and_irritant_are_not_negative),
        cmocka_unit_test(clinic_sets_the_validity),
        cmocka_unit_test(corrections_and_history),
        cmocka_unit_test(bad_input_names_the_field),
        cmocka_unit_test(the_kb_is_served),
        cmocka_unit_test(a_lot_test_records_the_dose_with_it),
    };
    return cmocka_run_group_tests_name("api.patch_tests", tests, api_setup, api_teardown);
}
