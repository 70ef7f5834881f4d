/*
 * API tests for screening (issue 3): every screening behaviour through stored facts and
 * POST /api/v1/screenings, the stored immutable result, clearances, clinic rules and the
 * patient questionnaire link.
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

#define DATE "2026-11-21"

typedef struct fact {
    const char *collection; /* allergies, conditions, medications, status; NULL ends */
    const char *json;
} fact;

typedef struct screen_case {
    const char *what;
    const char *birth_date;
    int fitzpatrick;
    fact facts[4];
    const char *areas, *ingredients; /* JSON arrays */
    const char *decision;
    const char *rule;          /* a finding (or caution) that must be present; NULL: none */
    const char *rule_absent;   /* a rule that must not be present; NULL: none */
    const char *earliest_date; /* NULL: absent */
} screen_case;

static const screen_case cases[] = {
    {"no facts: eligible", "1990-01-01", 2, {{NULL, NULL}}, "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]", "eligible", NULL, "pregnancy", NULL},
    {"pregnant", "1990-01-01", 2,
     {{"status", "{\"pregnant\":true,\"breastfeeding\":false,\"recorded_on\":\"" DATE "\"}"}},
     "[\"cheeks\"]", "[\"hyaluronic_acid\"]", "contraindicated", "pregnancy", NULL, NULL},
    {"not pregnant", "1990-01-01", 2,
     {{"status", "{\"pregnant\":false,\"breastfeeding\":false,\"recorded_on\":\"" DATE "\"}"}},
     "[\"cheeks\"]", "[\"hyaluronic_acid\"]", "eligible", NULL, "pregnancy", NULL},
    {"breastfeeding", "1990-01-01", 2,
     {{"status", "{\"pregnant\":false,\"breastfeeding\":true,\"recorded_on\":\"" DATE "\"}"}},
     "[\"cheeks\"]", "[\"hyaluronic_acid\"]", "contraindicated", "breastfeeding", NULL, NULL},
    {"17 the day before the 18th birthday", "2008-11-22", 2, {{NULL, NULL}}, "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]", "contraindicated", "under_age_of_majority", NULL, NULL},
    {"18 on the birthday", "2008-11-21", 2, {{NULL, NULL}}, "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]", "eligible", NULL, "under_age_of_majority", NULL},
    {"allergy through an allergen class", "1990-01-01", 2,
     {{"allergies", "{\"substance\":\"amide_anaesthetics\"}"}}, "[\"cheeks\"]",
     "[\"hyaluronic_acid\",\"lidocaine\"]", "contraindicated", "allergy_to_planned_ingredient",
     NULL, NULL},
    {"allergy to an unplanned ingredient: patch test caution only", "1990-01-01", 2,
     {{"allergies", "{\"substance\":\"latex\"}"}}, "[\"cheeks\"]", "[\"hyaluronic_acid\"]",
     "eligible", "patch_test_required", "allergy_to_planned_ingredient", NULL},
    {"active acne at a planned area", "1990-01-01", 2,
     {{"conditions", "{\"code\":\"acne\",\"active\":true,\"site\":\"cheeks\"}"}}, "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]", "deferred", "active_skin_condition_at_site", NULL, NULL},
    {"active eczema with no site", "1990-01-01", 2,
     {{"conditions", "{\"code\":\"eczema\",\"active\":true}"}}, "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]", "deferred", "active_skin_condition_at_site", NULL, NULL},
    {"active psoriasis at an unplanned area", "1990-01-01", 2,
     {{"conditions", "{\"code\":\"psoriasis\",\"active\":true,\"site\":\"scalp\"}"}},
     "[\"cheeks\"]", "[\"hyaluronic_acid\"]", "eligible", NULL,
     "active_skin_condition_at_site", NULL},
    {"healed skin infection at the site", "1990-01-01", 2,
     {{"conditions", "{\"code\":\"skin_infection\",\"active\":false,\"site\":\"cheeks\"}"}},
     "[\"cheeks\"]", "[\"hyaluronic_acid\"]", "eligible", NULL, "active_skin_condition_at_site",
     NULL},
    {"ibuprofen 6 days ago", "1990-01-01", 2,
     {{"medications", "{\"code\":\"ibuprofen\",\"last_dose\":\"2026-11-15\"}"}}, "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]", "deferred", "nsaid_washout", NULL, "2026-11-22"},
    {"aspirin exactly 7 days ago", "1990-01-01", 2,
     {{"medications", "{\"code\":\"aspirin\",\"last_dose\":\"2026-11-14\"}"}}, "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]", "eligible", NULL, "nsaid_washout", NULL},
    {"fish oil 13 days ago", "1990-01-01", 2,
     {{"medications", "{\"code\":\"fish_oil\",\"last_dose\":\"2026-11-08\"}"}}, "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]", "deferred", "supplement_washout", NULL, "2026-11-22"},
    {"ginkgo exactly 14 days ago", "1990-01-01", 2,
     {{"medications", "{\"code\":\"ginkgo\",\"last_dose\":\"2026-11-07\"}"}}, "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]", "eligible", NULL, "supplement_washout", NULL},
    {"latest washout end wins", "1990-01-01", 2,
     {{"medications", "{\"code\":\"nsaid\",\"last_dose\":\"2026-11-20\"}"},
      {"medications", "{\"code\":\"st_johns_wort\",\"last_dose\":\"2026-11-19\"}"}},
     "[\"cheeks\"]", "[\"hyaluronic_acid\"]", "deferred", "supplement_washout", NULL,
     "2026-12-03"},
    {"warfarin", "1990-01-01", 2, {{"medications", "{\"code\":\"warfarin\"}"}}, "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]", "clearance_required", "anticoagulant_clearance", NULL, NULL},
    {"diabetes", "1990-01-01", 2, {{"conditions", "{\"code\":\"diabetes\",\"active\":true}"}},
     "[\"cheeks\"]", "[\"hyaluronic_acid\"]", "clearance_required", "diabetes_cardiac_clearance",
     NULL, NULL},
    {"keloid history", "1990-01-01", 2, {{"conditions", "{\"code\":\"keloid\",\"active\":false}"}},
     "[\"cheeks\"]", "[\"hyaluronic_acid\"]", "clearance_required", "keloid_clearance", NULL,
     NULL},
    {"Fitzpatrick 5: caution", "1990-01-01", 5, {{NULL, NULL}}, "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]", "eligible", "pigmentation_risk", NULL, NULL},
    {"Fitzpatrick 3: no caution", "1990-01-01", 3, {{NULL, NULL}}, "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]", "eligible", NULL, "pigmentation_risk", NULL},
};

static json_t *screen(const char *token, const char *pid, const char *date, const char *areas,
                      const char *ingredients, long want)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"date\":\"%s\",\"plan\":{\"areas\":%s,\"ingredients\":%s}}",
             pid, date, areas, ingredients);
    return api_ok(token, "POST", body, want, "/api/v1/screenings");
}

static json_t *patient_with(const char *birth, int fitzpatrick)
{
    char tag[16], body[256];
    api_unique(tag);
    snprintf(body, sizeof body,
             "{\"given_name\":\"Screen\",\"family_name\":\"%s\",\"birth_date\":\"%s\",\"sex\":"
             "\"female\",\"fitzpatrick\":%d}",
             tag, birth, fitzpatrick);
    return api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients");
}

static void every_behaviour_through_the_api(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const screen_case *k = &cases[c];
        json_t *p = patient_with(k->birth_date, k->fitzpatrick);
        const char *pid = api_str(p, "id");
        for (const fact *f = k->facts; f->collection; f++)
            json_decref(api_ok(api.practitioner, "POST", f->json, 201, "/api/v1/patients/%s/%s",
                               pid, f->collection));
        json_t *s = screen(api.practitioner, pid, DATE, k->areas, k->ingredients, 201);
        json_t *result = json_object_get(s, "result");
        const char *problem = NULL;
        if (strcmp(api_str(s, "decision"), k->decision) != 0)
            problem = "decision";
        else if (k->rule && !api_find_rule(result, k->rule))
            problem = "expected rule missing";
        else if (k->rule_absent && api_find_rule(result, k->rule_absent))
            problem = "rule fired that should not";
        else if (k->earliest_date && strcmp(api_str(result, "earliest_date"), k->earliest_date))
            problem = "earliest_date";
        else if (!k->earliest_date && json_object_get(result, "earliest_date"))
            problem = "unexpected earliest_date";
        else if (k->rule && json_array_size(json_object_get(api_find_rule(result, k->rule),
                                                            "sources")) == 0)
            problem = "finding without sources";
        if (problem) {
            char *t = json_dumps(result, JSON_COMPACT);
            fprintf(stderr, "case \"%s\": %s; got %s\n", k->what, problem, t);
            free(t);
            failures++;
        }
        json_decref(s);
        json_decref(p);
    }
    assert_int_equal(failures, 0);
}

static void screenings_are_stored_with_the_kb_version(void **state)
{
    (void)state;
    json_t *p = patient_with("1985-06-06", 2);
    const char *pid = api_str(p, "id");
    json_t *s1 = screen(api.practitioner, pid, DATE, "[\"neck\"]", "[\"hyaluronic_acid\"]", 201);
    json_t *s2 = screen(api.practitioner, pid, DATE, "[\"neck\"]", "[\"hyaluronic_acid\"]", 201);
    /* Deterministic: the same facts, plan and date give the same result. */
    assert_true(json_equal(json_object_get(s1, "result"), json_object_get(s2, "result")));
    json_t *kb = json_object_get(json_object_get(s1, "result"), "kb");
    assert_true(strlen(api_str(kb, "version")) > 0);
    assert_int_equal(strlen(api_str(kb, "hash")), 64);
    json_t *got = api_ok(api.admin, "GET", NULL, 200, "/api/v1/screenings/%s", api_str(s1, "id"));
    assert_true(json_equal(got, s1));
    json_t *list = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/patients/%s/screenings", pid);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 2);
    /* Newest first, even within one second. */
    assert_string_equal(api_str(json_array_get(json_object_get(list, "items"), 0), "id"),
                        api_str(s2, "id"));
    /* Screening is clinical: the front desk may not, nor another clinic. */
    char body[256];
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"date\":\"%s\",\"plan\":{\"areas\":[],\"ingredients\":[]}}",
             pid, DATE);
    api_err(api.reception, "POST", body, 403, "forbidden", NULL, "/api/v1/screenings");
    api_err(api.auditor, "POST", body, 403, "forbidden", NULL, "/api/v1/screenings");
    api_err(api.other_admin, "POST", body, 404, "not_found", "patient_id", "/api/v1/screenings");
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id", "/api/v1/screenings/%s",
            api_str(s1, "id"));
    /* And it is audited. */
    json_t *audit = api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?patient_id=%s", pid);
    assert_true(api_count_items(audit, "object_type", "screening") >= 3);
    json_decref(audit);
    json_decref(list);
    json_decref(got);
    json_decref(s1);
    json_decref(s2);
    json_decref(p);
}

static void bad_screening_input_names_the_field(void **state)
{
    (void)state;
    json_t *p = patient_with("1985-06-06", 2);
    api_var vars[] = {{"pid", api_str(p, "id")}};
    const api_case bad[] = {
        {"impossible date", api.practitioner, "POST", "/api/v1/screenings",
         "{\"patient_id\":\"{pid}\",\"date\":\"2026-02-30\",\"plan\":{\"areas\":[],"
         "\"ingredients\":[]}}",
         422, "unprocessable", "date", NULL},
        {"unknown ingredient", api.practitioner, "POST", "/api/v1/screenings",
         "{\"patient_id\":\"{pid}\",\"date\":\"" DATE "\",\"plan\":{\"areas\":[\"cheeks\"],"
         "\"ingredients\":[\"lidocane\"]}}",
         422, "unprocessable", "plan.ingredients[0]", "lidocaine"},
        {"unknown area", api.practitioner, "POST", "/api/v1/screenings",
         "{\"patient_id\":\"{pid}\",\"date\":\"" DATE "\",\"plan\":{\"areas\":[\"elbow\"],"
         "\"ingredients\":[]}}",
         422, "unprocessable", "plan.areas[0]", NULL},
        {"plan missing", api.practitioner, "POST", "/api/v1/screenings",
         "{\"patient_id\":\"{pid}\",\"date\":\"" DATE "\"}", 400, "invalid", "plan", NULL},
        {"unknown key in plan", api.practitioner, "POST", "/api/v1/screenings",
         "{\"patient_id\":\"{pid}\",\"date\":\"" DATE "\",\"plan\":{\"areas\":[],"
         "\"ingredients\":[],\"dose\":1}}",
         400, "invalid", "plan.dose", NULL},
    };
    api_run_cases(bad, sizeof bad / sizeof bad[0], vars, 1);
    json_decref(p);
}

static void a_clearance_clears_its_finding(void **state)
{
    (void)state;
    json_t *p = patient_with("1970-02-02", 2);
    const char *pid = api_str(p, "id");
    json_decref(api_ok(api.practitioner, "POST", "{\"code\":\"clopidogrel\"}", 201,
                       "/api/v1/patients/%s/medications", pid));
    json_t *s = screen(api.practitioner, pid, DATE, "[\"cheeks\"]", "[\"hyaluronic_acid\"]", 201);
    assert_string_equal(api_str(s, "decision"), "clearance_required");
    const json_t *f = api_find_rule(json_object_get(s, "result"), "anticoagulant_clearance");
    assert_non_null(f);
    /* The message refers to the prescriber and never says to stop the drug. */
    assert_non_null(strstr(api_str(f, "message"), "prescrib"));
    json_decref(s);

    api_var vars[] = {{"pid", pid}};
    const api_case bad[] = {
        {"reception may not clear", api.reception, "POST", "/api/v1/patients/{pid}/clearances",
         "{\"rule\":\"anticoagulant_clearance\",\"clearance_reason\":\"ok\",\"physician\":\"Dr "
         "A\",\"valid_until\":\"2027-01-01\"}",
         403, "forbidden", NULL, NULL},
        {"only clearance_required rules", api.practitioner, "POST",
         "/api/v1/patients/{pid}/clearances",
         "{\"rule\":\"pregnancy\",\"clearance_reason\":\"ok\",\"physician\":\"Dr A\","
         "\"valid_until\":\"2027-01-01\"}",
         422, "unprocessable", "rule", NULL},
        {"unknown rule", api.practitioner, "POST", "/api/v1/patients/{pid}/clearances",
         "{\"rule\":\"nope\",\"clearance_reason\":\"ok\",\"physician\":\"Dr A\","
         "\"valid_until\":\"2027-01-01\"}",
         422, "unprocessable", "rule", NULL},
        {"expired already", api.practitioner, "POST", "/api/v1/patients/{pid}/clearances",
         "{\"rule\":\"anticoagulant_clearance\",\"clearance_reason\":\"ok\",\"physician\":\"Dr "
         "A\",\"valid_until\":\"2020-01-01\"}",
         422, "unprocessable", "valid_until", NULL},
        {"physician missing", api.practitioner, "POST", "/api/v1/patients/{pid}/clearances",
         "{\"rule\":\"anticoagulant_clearance\",\"clearance_reason\":\"ok\",\"valid_until\":"
         "\"2027-01-01\"}",
         400, "invalid", "physician", NULL},
    };
    api_run_cases(bad, sizeof bad / sizeof bad[0], vars, 1);

    json_t *c = api_ok(api.practitioner, "POST",
                       "{\"rule\":\"anticoagulant_clearance\",\"clearance_reason\":\"INR stable, "
                       "prescriber agrees\",\"physician\":\"Dr Ada Byron\",\"valid_until\":"
                       "\"2099-12-31\"}",
                       201, "/api/v1/patients/%s/clearances", pid);
    s = screen(api.practitioner, pid, DATE, "[\"cheeks\"]", "[\"hyaluronic_acid\"]", 201);
    assert_string_equal(api_str(s, "decision"), "eligible");
    f = api_find_rule(json_object_get(s, "result"), "anticoagulant_clearance");
    assert_non_null(f);
    assert_non_null(json_object_get(f, "cleared"));
    assert_string_equal(api_str(json_object_get(f, "cleared"), "physician"), "Dr Ada Byron");
    json_decref(s);
    /* A screening after the clearance's end date is blocked again. */
    json_decref(api_ok(api.practitioner, "PUT",
                       "{\"valid_until\":\"2026-12-31\",\"reason\":\"shorter\"}", 200,
                       "/api/v1/patients/%s/clearances/%s", pid, api_str(c, "id")));
    s = screen(api.practitioner, pid, "2027-01-05", "[\"cheeks\"]", "[\"hyaluronic_acid\"]", 201);
    assert_string_equal(api_str(s, "decision"), "clearance_required");
    json_decref(s);
    /* Revoked: blocks again. */
    json_decref(api_ok(api.practitioner, "PUT", "{\"status\":\"revoked\",\"reason\":\"INR up\"}",
                       200, "/api/v1/patients/%s/clearances/%s", pid, api_str(c, "id")));
    s = screen(api.practitioner, pid, DATE, "[\"cheeks\"]", "[\"hyaluronic_acid\"]", 201);
    assert_string_equal(api_str(s, "decision"), "clearance_required");
    json_decref(s);
    json_decref(c);
    json_decref(p);
}

static void clinic_rules_only_make_screening_stricter(void **state)
{
    (void)state;
    api_err(api.practitioner, "POST",
            "{\"rule\":{\"id\":\"clinic.pigment\",\"raises\":\"pigmentation_risk\",\"class\":"
            "\"clearance_required\",\"sources\":[\"clinic:policy-1\"]}}",
            403, "forbidden", NULL, "/api/v1/clinic/rules");
    const char *msg = api_err(api.admin, "POST",
                              "{\"rule\":{\"id\":\"clinic.weaker\",\"raises\":\"pregnancy\","
                              "\"class\":\"caution\",\"sources\":[\"clinic:policy-1\"]}}",
                              400, "invalid", "rule.class", "/api/v1/clinic/rules");
    (void)msg;
    json_t *rule = api_ok(api.admin, "POST",
                          "{\"rule\":{\"id\":\"clinic.pigment\",\"raises\":\"pigmentation_risk\","
                          "\"class\":\"clearance_required\",\"sources\":[\"clinic:policy-1\"]},"
                          "\"reason\":\"medical director, dark skin types\"}",
                          201, "/api/v1/clinic/rules");
    json_t *p = patient_with("1988-08-08", 5);
    json_t *s = screen(api.practitioner, api_str(p, "id"), DATE, "[\"cheeks\"]",
                       "[\"vitamin_c\"]", 201);
    assert_string_equal(api_str(s, "decision"), "clearance_required");
    json_decref(s);
    /* The other clinic is not affected. */
    json_t *kb = api_ok(api.other_admin, "GET", NULL, 200, "/api/v1/kb");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(kb, "rules"), i, r)
    {
        if (strcmp(api_str(r, "id"), "pigmentation_risk") == 0)
            assert_string_equal(api_str(r, "class"), "caution");
    }
    json_decref(kb);
    /* Retiring the rule restores the shipped behaviour, as a new version. */
    json_decref(api_ok(api.admin, "PUT", "{\"status\":\"retired\",\"reason\":\"policy ended\"}",
                       200, "/api/v1/clinic/rules/%s", api_str(rule, "id")));
    s = screen(api.practitioner, api_str(p, "id"), DATE, "[\"cheeks\"]", "[\"vitamin_c\"]", 201);
    assert_string_equal(api_str(s, "decision"), "eligible");
    json_t *h = api_ok(api.admin, "GET", NULL, 200, "/api/v1/clinic/rules/%s/history",
                       api_str(rule, "id"));
    assert_int_equal(json_array_size(json_object_get(h, "versions")), 2);
    json_decref(h);
    json_decref(s);

    /* A cleared keloid history, then the clinic makes keloid a contraindication: the stored
     * clearance no longer applies, and screening still works. */
    const char *pid = api_str(p, "id");
    json_decref(api_ok(api.practitioner, "POST", "{\"code\":\"keloid\",\"active\":false}", 201,
                       "/api/v1/patients/%s/conditions", pid));
    json_decref(api_ok(api.practitioner, "POST",
                       "{\"rule\":\"keloid_clearance\",\"clearance_reason\":\"small, old\","
                       "\"physician\":\"Dr B\",\"valid_until\":\"2099-01-01\"}",
                       201, "/api/v1/patients/%s/clearances", pid));
    s = screen(api.practitioner, pid, DATE, "[\"cheeks\"]", "[\"hyaluronic_acid\"]", 201);
    assert_string_equal(api_str(s, "decision"), "eligible");
    json_decref(s);
    json_t *strict = api_ok(api.admin, "POST",
                            "{\"rule\":{\"id\":\"clinic.keloid\",\"raises\":\"keloid_clearance\","
                            "\"class\":\"contraindicated\",\"sources\":[\"clinic:policy-2\"]}}",
                            201, "/api/v1/clinic/rules");
    s = screen(api.practitioner, pid, DATE, "[\"cheeks\"]", "[\"hyaluronic_acid\"]", 201);
    assert_string_equal(api_str(s, "decision"), "contraindicated");
    json_decref(s);
    json_decref(api_ok(api.admin, "PUT", "{\"status\":\"retired\",\"reason\":\"test done\"}",
                       200, "/api/v1/clinic/rules/%s", api_str(strict, "id")));
    json_decref(strict);
    json_decref(p);
    json_decref(rule);
}

static void the_questionnaire_link_feeds_the_intake(void **state)
{
    (void)state;
    json_t *p = patient_with("1991-09-09", 3);
    const char *pid = api_str(p, "id");
    api_err(api.auditor, "POST", "{}", 403, "forbidden", NULL,
            "/api/v1/patients/%s/questionnaires", pid);
    json_t *link = api_ok(api.practitioner, "POST", "{\"valid_hours\":48}", 201,
                          "/api/v1/patients/%s/questionnaires", pid);
    const char *token = api_str(link, "token");
    assert_true(strlen(token) >= 40);
    /* The patient opens it without logging in. */
    json_t *form = api_ok(NULL, "GET", NULL, 200, "/api/v1/questionnaire/%s", token);
    assert_string_equal(api_str(form, "given_name"), "Screen");
    assert_true(json_array_size(json_object_get(json_object_get(form, "vocabulary"),
                                                "medications")) > 5);
    json_decref(form);
    api_err(NULL, "POST", "{\"medications\":[{\"code\":\"ibuprofn\"}]}", 422, "unprocessable",
            "medications[0].code", "/api/v1/questionnaire/%s", token);
    json_decref(api_ok(NULL, "POST",
                       "{\"pregnant\":false,\"breastfeeding\":false,\"medications\":[{\"code\":"
                       "\"ibuprofen\",\"last_dose\":\"2026-11-18\"}],\"allergies\":[{"
                       "\"substance\":\"latex\"}],\"notes\":\"none\"}",
                       200, "/api/v1/questionnaire/%s", token));
    /* One use only. */
    api_err(NULL, "POST", "{}", 404, "not_found", NULL, "/api/v1/questionnaire/%s", token);
    api_err(NULL, "GET", NULL, 404, "not_found", NULL, "/api/v1/questionnaire/%s", token);
    api_err(NULL, "GET", NULL, 404, "not_found", NULL, "/api/v1/questionnaire/%s", "nonsense");
    /* Nothing is a clinical fact until the practitioner confirms. */
    json_t *meds = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/medications", pid);
    assert_int_equal(json_array_size(json_object_get(meds, "items")), 0);
    json_decref(meds);
    json_t *list = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/questionnaires",
                          pid);
    json_t *q = json_array_get(json_object_get(list, "items"), 0);
    assert_string_equal(api_str(q, "status"), "submitted");
    json_t *done = api_ok(api.practitioner, "POST", NULL, 200, "/api/v1/questionnaires/%s/confirm",
                          api_str(q, "id"));
    assert_int_equal(json_array_size(json_object_get(done, "created")), 3);
    assert_string_equal(api_str(json_object_get(done, "questionnaire"), "confirmed_by"),
                        api.practitioner_id);
    assert_int_equal(strlen(api_str(json_object_get(done, "questionnaire"), "confirmed_at")), 20);
    api_err(api.practitioner, "POST", NULL, 409, "conflict", "status",
            "/api/v1/questionnaires/%s/confirm", api_str(q, "id"));
    json_t *s = screen(api.practitioner, pid, DATE, "[\"cheeks\"]", "[\"hyaluronic_acid\"]", 201);
    assert_string_equal(api_str(s, "decision"), "deferred");
    assert_string_equal(api_str(json_object_get(s, "result"), "earliest_date"), "2026-11-25");
    json_decref(s);
    json_decref(done);
    json_decref(list);
    json_decref(link);
    json_decref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_behaviour_through_the_api),
        cmocka_unit_test(screenings_are_stored_with_the_kb_version),
        cmocka_unit_test(bad_screening_input_names_the_field),
        cmocka_unit_test(a_clearance_clears_its_finding),
        cmocka_unit_test(clinic_rules_only_make_screening_stricter),
        cmocka_unit_test(the_questionnaire_link_feeds_the_intake),
    };
    return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
