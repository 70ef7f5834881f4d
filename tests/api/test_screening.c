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
    {"unrecorded: nothing asked of a woman of 36 is not eligible",
     "1990-01-01",
     2,
     {{NULL, NULL}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "incomplete",
     NULL,
     "pregnancy",
     NULL},
    {"status and allergies asked, nothing found: eligible",
     "1990-01-01",
     2,
     {{NULL, NULL}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "eligible",
     NULL,
     "pregnancy",
     NULL},
    {"pregnant",
     "1990-01-01",
     2,
     {{"status", "{\"pregnant\":\"yes\",\"breastfeeding\":\"no\",\"recorded_on\":\"" DATE "\"}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "contraindicated",
     "pregnancy",
     NULL,
     NULL},
    {"not pregnant",
     "1990-01-01",
     2,
     {{"status", "{\"pregnant\":\"no\",\"breastfeeding\":\"no\",\"recorded_on\":\"" DATE "\"}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "eligible",
     NULL,
     "pregnancy",
     NULL},
    {"breastfeeding",
     "1990-01-01",
     2,
     {{"status", "{\"pregnant\":\"no\",\"breastfeeding\":\"yes\",\"recorded_on\":\"" DATE "\"}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "contraindicated",
     "breastfeeding",
     NULL,
     NULL},
    {"17 the day before the 18th birthday",
     "2008-11-22",
     2,
     {{NULL, NULL}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "contraindicated",
     "under_age_of_majority",
     NULL,
     NULL},
    {"18 on the birthday",
     "2008-11-21",
     2,
     {{NULL, NULL}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "eligible",
     NULL,
     "under_age_of_majority",
     NULL},
    {"allergy through an allergen class",
     "1990-01-01",
     2,
     {{"allergies", "{\"substance\":\"amide_anaesthetics\"}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\",\"lidocaine\"]",
     "contraindicated",
     "allergy_to_planned_ingredient",
     NULL,
     NULL},
    {"allergy to an unplanned ingredient: patch test caution only",
     "1990-01-01",
     2,
     {{"allergies", "{\"substance\":\"latex\"}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "eligible",
     "patch_test_required",
     "allergy_to_planned_ingredient",
     NULL},
    {"active acne at a planned area",
     "1990-01-01",
     2,
     {{"conditions", "{\"code\":\"acne\",\"active\":true,\"site\":\"cheeks\"}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "deferred",
     "active_skin_condition_at_site",
     NULL,
     NULL},
    {"active eczema with no site",
     "1990-01-01",
     2,
     {{"conditions", "{\"code\":\"eczema\",\"active\":true}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "deferred",
     "active_skin_condition_at_site",
     NULL,
     NULL},
    {"active psoriasis at an unplanned area",
     "1990-01-01",
     2,
     {{"conditions", "{\"code\":\"psoriasis\",\"active\":true,\"site\":\"scalp\"}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "eligible",
     NULL,
     "active_skin_condition_at_site",
     NULL},
    {"healed skin infection at the site",
     "1990-01-01",
     2,
     {{"conditions", "{\"code\":\"skin_infection\",\"active\":false,\"site\":\"cheeks\"}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "eligible",
     NULL,
     "active_skin_condition_at_site",
     NULL},
    {"ibuprofen 6 days ago",
     "1990-01-01",
     2,
     {{"medications", "{\"code\":\"ibuprofen\",\"last_dose\":\"2026-11-15\"}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "deferred",
     "nsaid_washout",
     NULL,
     "2026-11-22"},
    {"aspirin exactly 7 days ago",
     "1990-01-01",
     2,
     {{"medications", "{\"code\":\"aspirin\",\"last_dose\":\"2026-11-14\"}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "eligible",
     NULL,
     "nsaid_washout",
     NULL},
    {"fish oil 13 days ago",
     "1990-01-01",
     2,
     {{"medications", "{\"code\":\"fish_oil\",\"last_dose\":\"2026-11-08\"}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "deferred",
     "supplement_washout",
     NULL,
     "2026-11-22"},
    {"ginkgo exactly 14 days ago",
     "1990-01-01",
     2,
     {{"medications", "{\"code\":\"ginkgo\",\"last_dose\":\"2026-11-07\"}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "eligible",
     NULL,
     "supplement_washout",
     NULL},
    {"latest washout end wins",
     "1990-01-01",
     2,
     {{"medications", "{\"code\":\"nsaid\",\"last_dose\":\"2026-11-20\"}"},
      {"medications", "{\"code\":\"st_johns_wort\",\"last_dose\":\"2026-11-19\"}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "deferred",
     "supplement_washout",
     NULL,
     "2026-12-03"},
    {"warfarin",
     "1990-01-01",
     2,
     {{"medications", "{\"code\":\"warfarin\"}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "clearance_required",
     "anticoagulant_clearance",
     NULL,
     NULL},
    {"diabetes",
     "1990-01-01",
     2,
     {{"conditions", "{\"code\":\"diabetes\",\"active\":true}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "clearance_required",
     "diabetes_cardiac_clearance",
     NULL,
     NULL},
    {"keloid history",
     "1990-01-01",
     2,
     {{"conditions", "{\"code\":\"keloid\",\"active\":false}"}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "clearance_required",
     "keloid_clearance",
     NULL,
     NULL},
    {"Fitzpatrick 5: caution",
     "1990-01-01",
     5,
     {{NULL, NULL}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "eligible",
     "pigmentation_risk",
     NULL,
     NULL},
    {"Fitzpatrick 3: no caution",
     "1990-01-01",
     3,
     {{NULL, NULL}},
     "[\"cheeks\"]",
     "[\"hyaluronic_acid\"]",
     "eligible",
     NULL,
     "pigmentation_risk",
     NULL},
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

/* What a careful intake records for everyone: pregnancy and breastfeeding asked ("no"), and
 * "no known allergies". */
static void record_answers(const char *pid, int status, int allergies)
{
    if (status)
        json_decref(api_ok(api.practitioner, "POST",
                           "{\"pregnant\":\"no\",\"breastfeeding\":\"no\",\"recorded_on\":\"" DATE
                           "\"}",
                           201, "/api/v1/patients/%s/status", pid));
    if (allergies)
        json_decref(api_ok(api.practitioner, "POST", "{\"asked_on\":\"" DATE "\"}", 201,
                           "/api/v1/patients/%s/allergy_statements", pid));
}

/* A patient whose pregnancy status and allergies were asked (no, no, none known). */
static json_t *patient_asked(const char *birth, int fitzpatrick)
{
    json_t *p = patient_with(birth, fitzpatrick);
    record_answers(api_str(p, "id"), 1, 1);
    return p;
}

static void every_behaviour_through_the_api(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const screen_case *k = &cases[c];
        json_t *p = patient_with(k->birth_date, k->fitzpatrick);
        const char *pid = api_str(p, "id");
        int has_status = 0, has_allergy = 0;
        for (const fact *f = k->facts; f->collection; f++) {
            json_decref(api_ok(api.practitioner, "POST", f->json, 201, "/api/v1/patients/%s/%s",
                               pid, f->collection));
            has_status |= strcmp(f->collection, "status") == 0;
            has_allergy |= strcmp(f->collection, "allergies") == 0;
        }
        if (strncmp(k->what, "unrecorded:", 11) != 0)
            record_answers(pid, !has_status, !has_allergy);
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
        else if (k->rule &&
                 json_array_size(json_object_get(api_find_rule(result, k->rule), "sources")) == 0)
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
        {"empty plan", api.practitioner, "POST", "/api/v1/screenings",
         "{\"patient_id\":\"{pid}\",\"date\":\"" DATE "\",\"plan\":{\"areas\":[],"
         "\"ingredients\":[]}}",
         422, "unprocessable", "plan.areas", "at least one area"},
        {"no ingredient planned", api.practitioner, "POST", "/api/v1/screenings",
         "{\"patient_id\":\"{pid}\",\"date\":\"" DATE "\",\"plan\":{\"areas\":[\"neck\"],"
         "\"ingredients\":[]}}",
         422, "unprocessable", "plan.ingredients", "at least one ingredient"},
        {"unknown key in plan", api.practitioner, "POST", "/api/v1/screenings",
         "{\"patient_id\":\"{pid}\",\"date\":\"" DATE "\",\"plan\":{\"areas\":[],"
         "\"ingredients\":[],\"dose\":1}}",
         400, "invalid", "plan.dose", NULL},
    };
    api_run_cases(bad, sizeof bad / sizeof bad[0], vars, 1);
    /* A refused screening is not stored. */
    json_t *list = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/screenings",
                          api_str(p, "id"));
    assert_int_equal(json_array_size(json_object_get(list, "items")), 0);
    json_decref(list);
    json_decref(p);
}

static const char *missing_fact(const json_t *result, size_t i, const char *key)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(result, "missing"), i), key));
}

/* Unknown is not no: what was never recorded keeps a stored patient from eligible, the
 * decision names the missing fact and the question to ask; "not sure" is not "no". */
static void unknown_is_not_no_for_stored_patients(void **state)
{
    (void)state;
    json_t *p = patient_with("1990-03-03", 2); /* a woman of 36, nothing asked yet */
    const char *pid = api_str(p, "id");
    json_t *s = screen(api.practitioner, pid, DATE, "[\"cheeks\"]", "[\"hyaluronic_acid\"]", 201);
    json_t *result = json_object_get(s, "result");
    assert_string_equal(api_str(s, "decision"), "incomplete");
    assert_int_equal(json_array_size(json_object_get(result, "missing")), 3);
    assert_string_equal(missing_fact(result, 0, "rule"), "pregnancy");
    assert_string_equal(missing_fact(result, 0, "field"), "patient.pregnant");
    assert_string_equal(missing_fact(result, 0, "answer"), "not_recorded");
    assert_non_null(strstr(missing_fact(result, 0, "question"), "pregnant"));
    assert_string_equal(missing_fact(result, 1, "fact"), "breastfeeding");
    assert_string_equal(missing_fact(result, 2, "fact"), "allergies");
    json_decref(s);
    /* Asked: not sure about pregnancy, no allergies known. */
    json_t *st =
        api_ok(api.practitioner, "POST",
               "{\"pregnant\":\"not_sure\",\"breastfeeding\":\"no\",\"recorded_on\":\"" DATE "\"}",
               201, "/api/v1/patients/%s/status", pid);
    assert_string_equal(api_str(st, "pregnant"), "not_sure");
    json_t *nka = api_ok(api.practitioner, "POST",
                         "{\"asked_on\":\"" DATE "\",\"note\":\"asked at reception\"}", 201,
                         "/api/v1/patients/%s/allergy_statements", pid);
    assert_string_equal(api_str(nka, "statement"), "no_known_allergies");
    assert_string_equal(api_str(nka, "recorded_by"), api.practitioner_id);
    s = screen(api.practitioner, pid, DATE, "[\"cheeks\"]", "[\"hyaluronic_acid\"]", 201);
    result = json_object_get(s, "result");
    assert_string_equal(api_str(s, "decision"), "incomplete");
    assert_int_equal(json_array_size(json_object_get(result, "missing")), 1);
    assert_string_equal(missing_fact(result, 0, "answer"), "not_sure");
    json_decref(s);
    /* A new version with a clear answer: eligible. */
    char path[160];
    snprintf(path, sizeof path, "/api/v1/patients/%s/status/%s", pid, api_str(st, "id"));
    json_decref(api_ok(api.practitioner, "PUT",
                       "{\"pregnant\":\"no\",\"reason\":\"pregnancy test negative\"}", 200, "%s",
                       path));
    s = screen(api.practitioner, pid, DATE, "[\"cheeks\"]", "[\"hyaluronic_acid\"]", 201);
    assert_string_equal(api_str(s, "decision"), "eligible");
    assert_int_equal(json_array_size(json_object_get(json_object_get(s, "result"), "missing")), 0);
    json_decref(s);
    /* Withdrawing "no known allergies" makes the allergy list unknown again. */
    json_decref(api_ok(api.practitioner, "PUT",
                       "{\"status\":\"entered_in_error\",\"reason\":\"wrong patient\"}", 200,
                       "/api/v1/patients/%s/allergy_statements/%s", pid, api_str(nka, "id")));
    s = screen(api.practitioner, pid, DATE, "[\"cheeks\"]", "[\"hyaluronic_acid\"]", 201);
    assert_string_equal(api_str(s, "decision"), "incomplete");
    assert_string_equal(missing_fact(json_object_get(s, "result"), 0, "fact"), "allergies");
    json_decref(s);
    /* Booleans are not answers any more: the field is named. */
    api_err(api.practitioner, "POST",
            "{\"pregnant\":false,\"breastfeeding\":false,\"recorded_on\":\"" DATE "\"}", 400,
            "invalid", "pregnant", "/api/v1/patients/%s/status", pid);
    json_decref(nka);
    json_decref(st);
    json_decref(p);
}

/* A duplicate rule id is refused; a stored rule set that does not compile (written straight
 * into the database) never stops screening, and the admin is told. */
static void clinic_rules_duplicates_and_broken_sets(void **state)
{
    (void)state;
#define AGE_RULE(id, cls)                                                                          \
    "{\"id\":\"" id "\",\"kind\":\"min_age\",\"class\":\"" cls "\",\"when\":{\"years\":16},"       \
    "\"message\":\"Clinic policy: aged {age}, under {years}.\",\"sources\":[\"clinic:policy-3\"]}"
    const char *body = "{\"rule\":" AGE_RULE("clinic.age16", "deferred") "}";
    json_t *first = api_ok(api.admin, "POST", body, 201, "/api/v1/clinic/rules");
    api_err(api.admin, "POST", body, 409, "conflict", "rule.id", "/api/v1/clinic/rules");
    /* Nor may another rule be renamed onto it. */
    json_t *second =
        api_ok(api.admin, "POST", "{\"rule\":" AGE_RULE("clinic.age16b", "deferred") "}", 201,
               "/api/v1/clinic/rules");
    api_err(api.admin, "PUT",
            "{\"rule\":" AGE_RULE("clinic.age16", "deferred") ",\"reason\":\"rename\"}", 409,
            "conflict", "rule.id", "/api/v1/clinic/rules/%s", api_str(second, "id"));
    /* Updating the rule itself, same id, is fine. */
    json_decref(
        api_ok(api.admin, "PUT",
               "{\"rule\":" AGE_RULE("clinic.age16", "contraindicated") ",\"reason\":\"stricter\"}",
               200, "/api/v1/clinic/rules/%s", api_str(first, "id")));
    json_t *list = api_ok(api.admin, "GET", NULL, 200, "/api/v1/clinic/rules");
    assert_string_equal(api_str(json_object_get(list, "rule_set"), "status"), "ok");
    json_decref(list);
    /* Now break the stored set behind the API's back: the second rule takes the first's id. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE clinic_rules SET rule = replace(rule, 'clinic.age16b', 'clinic.age16') "
             "WHERE id = '%s' AND current = 1",
             api_str(second, "id"));
    api_db_exec(sql);
    json_t *p = patient_asked("1975-05-05", 2);
    json_t *s = screen(api.practitioner, api_str(p, "id"), DATE, "[\"cheeks\"]",
                       "[\"hyaluronic_acid\"]", 201);
    assert_string_equal(api_str(s, "decision"), "incomplete");
    const json_t *f = api_find_rule(json_object_get(s, "result"), "clinic_rules");
    assert_non_null(f);
    assert_string_equal(api_str(f, "class"), "incomplete");
    assert_non_null(strstr(api_str(f, "message"), "shipped rules only"));
    json_decref(s);
    /* GET /kb still answers (shipped rules) and flags the broken set; so does the list. */
    json_t *kb = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/kb");
    json_t *cr = json_object_get(kb, "clinic_rules");
    assert_string_equal(api_str(cr, "status"), "broken");
    /* The two now share an id; the one compiled second is named (same second: either). */
    char named[MD_ID_STR];
    md_strlcpy(named, api_str(cr, "rule_id"), sizeof named);
    assert_true(strcmp(named, api_str(second, "id")) == 0 ||
                strcmp(named, api_str(first, "id")) == 0);
    assert_true(json_array_size(json_object_get(kb, "sources")) > 5);
    json_decref(kb);
    list = api_ok(api.admin, "GET", NULL, 200, "/api/v1/clinic/rules");
    assert_string_equal(api_str(json_object_get(list, "rule_set"), "status"), "broken");
    json_decref(list);
    /* A clearance can still be recorded for the patient. */
    json_decref(api_ok(api.practitioner, "POST", "{\"code\":\"warfarin\"}", 201,
                       "/api/v1/patients/%s/medications", api_str(p, "id")));
    json_decref(api_ok(api.practitioner, "POST",
                       "{\"rule\":\"anticoagulant_clearance\",\"clearance_reason\":\"ok\","
                       "\"physician\":\"Dr C\",\"valid_until\":\"2099-01-01\"}",
                       201, "/api/v1/patients/%s/clearances", api_str(p, "id")));
    /* The admin retires the rule named: the clinic's rules apply again. */
    json_decref(api_ok(api.admin, "PUT", "{\"status\":\"retired\",\"reason\":\"duplicate id\"}",
                       200, "/api/v1/clinic/rules/%s", named));
    kb = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/kb");
    assert_string_equal(api_str(json_object_get(kb, "clinic_rules"), "status"), "ok");
    json_decref(kb);
    const char *other =
        strcmp(named, api_str(first, "id")) == 0 ? api_str(second, "id") : api_str(first, "id");
    json_decref(api_ok(api.admin, "PUT", "{\"status\":\"retired\",\"reason\":\"test done\"}", 200,
                       "/api/v1/clinic/rules/%s", other));
    json_decref(p);
    json_decref(first);
    json_decref(second);
}

static void a_clearance_clears_its_finding(void **state)
{
    (void)state;
    json_t *p = patient_asked("1970-02-02", 2);
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
    json_t *p = patient_asked("1988-08-08", 5);
    json_t *s =
        screen(api.practitioner, api_str(p, "id"), DATE, "[\"cheeks\"]", "[\"vitamin_c\"]", 201);
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
    json_t *h =
        api_ok(api.admin, "GET", NULL, 200, "/api/v1/clinic/rules/%s/history", api_str(rule, "id"));
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
    json_decref(api_ok(api.admin, "PUT", "{\"status\":\"retired\",\"reason\":\"test done\"}", 200,
                       "/api/v1/clinic/rules/%s", api_str(strict, "id")));
    json_decref(strict);
    json_decref(p);
    json_decref(rule);
}

static void the_questionnaire_link_feeds_the_intake(void **state)
{
    (void)state;
    json_t *p = patient_with("1991-09-09", 3);
    const char *pid = api_str(p, "id");
    api_err(api.auditor, "POST", "{}", 403, "forbidden", NULL, "/api/v1/patients/%s/questionnaires",
            pid);
    json_t *link = api_ok(api.practitioner, "POST", "{\"valid_hours\":48}", 201,
                          "/api/v1/patients/%s/questionnaires", pid);
    const char *token = api_str(link, "token");
    assert_true(strlen(token) >= 40);
    /* The patient opens it without logging in. */
    json_t *form = api_ok(NULL, "GET", NULL, 200, "/api/v1/questionnaire/%s", token);
    assert_string_equal(api_str(form, "given_name"), "Screen");
    assert_true(
        json_array_size(json_object_get(json_object_get(form, "vocabulary"), "medications")) > 5);
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
    json_t *meds =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/medications", pid);
    assert_int_equal(json_array_size(json_object_get(meds, "items")), 0);
    json_decref(meds);
    json_t *list =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/questionnaires", pid);
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

/* GET /kb carries the kb's fact questions and whom they are asked of, so the web app says
 * "not recorded" only where a rule needs the answer. */
static void the_kb_says_whom_each_question_is_asked(void **state)
{
    (void)state;
    json_t *kb = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/kb");
    const json_t *facts = json_object_get(kb, "facts");
    int pregnant = 0, allergies = 0;
    for (size_t i = 0; i < json_array_size(facts); i++) {
        const json_t *f = json_array_get(facts, i);
        const json_t *ap = json_object_get(f, "applies_to");
        assert_true(json_array_size(json_object_get(f, "sources")) > 0);
        assert_non_null(strstr(api_str(f, "field"), "patient."));
        if (strcmp(api_str(f, "fact"), "pregnant") == 0) {
            pregnant = 1;
            const json_t *sexes = json_object_get(ap, "sex");
            int female = 0, male = 0;
            for (size_t k = 0; k < json_array_size(sexes); k++) {
                female |= strcmp(json_string_value(json_array_get(sexes, k)), "female") == 0;
                male |= strcmp(json_string_value(json_array_get(sexes, k)), "male") == 0;
            }
            assert_true(female && !male);
            assert_true(json_integer_value(json_object_get(ap, "min_age")) > 0);
            assert_true(json_integer_value(json_object_get(ap, "max_age")) < 120);
        }
        if (strcmp(api_str(f, "fact"), "allergies") == 0) {
            allergies = 1;
            assert_int_equal(json_array_size(json_object_get(ap, "sex")), 4);
        }
    }
    assert_true(pregnant && allergies);
    json_decref(kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_behaviour_through_the_api),
        cmocka_unit_test(screenings_are_stored_with_the_kb_version),
        cmocka_unit_test(bad_screening_input_names_the_field),
        cmocka_unit_test(unknown_is_not_no_for_stored_patients),
        cmocka_unit_test(clinic_rules_duplicates_and_broken_sets),
        cmocka_unit_test(a_clearance_clears_its_finding),
        cmocka_unit_test(clinic_rules_only_make_screening_stricter),
        cmocka_unit_test(the_questionnaire_link_feeds_the_intake),
        cmocka_unit_test(the_kb_says_whom_each_question_is_asked),
    };
    return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
