/*
 * test_complications.c - complications over the API (complication.h): the catalogue; a
 * complication recorded from a completed session is linked to its lots, vials,
 * administrations, products and ingredients, with its derived dates and follow-up tasks,
 * and reaches the worklist only when it should; each bad input is a 4xx naming its field
 * with nothing stored; amendments are versions; the proposal lists the sessions in the
 * onset window; permissions and clinics.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char today[MD_DATE_STR];

static void day_plus(int days, char out[MD_DATE_STR])
{
    md_day d;
    md_date_parse(today, &d);
    md_date_format(d + days, out);
}

static int has(const json_t *arr, const char *s)
{
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (strcmp(json_string_value(json_array_get(arr, i)), s) == 0) return 1;
    return 0;
}

/* The worklist entries of one source id. */
static size_t on_worklist(const char *source_id, const char *reason)
{
    json_t *w = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/escalations");
    json_t *items = json_object_get(w, "items");
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        if (strcmp(api_str(it, "source_id"), source_id) == 0 &&
            (!reason || strcmp(api_str(it, "reason"), reason) == 0))
            n++;
    }
    json_decref(w);
    return n;
}

static size_t count_of(const char *pid)
{
    json_t *l =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/complications", pid);
    size_t n = json_array_size(json_object_get(l, "items"));
    json_decref(l);
    return n;
}

static json_t *record_from(const api_session_fix *f, const char *body_fmt, ...)
    __attribute__((format(printf, 2, 3)));
static json_t *record_from(const api_session_fix *f, const char *body_fmt, ...)
{
    char body[2048];
    va_list ap;
    va_start(ap, body_fmt);
    vsnprintf(body, sizeof body, body_fmt, ap);
    va_end(ap);
    return api_ok(api.practitioner, "POST", body, 201, "/api/v1/sessions/%s/complications", f->sid);
}

static void test_catalogue(void **state)
{
    (void)state;
    json_t *k = api_ok(api.reception, "GET", NULL, 200, "/api/v1/kb/complications");
    assert_true(json_array_size(json_object_get(k, "complications")) >= 15);
    assert_int_equal(json_array_size(json_object_get(k, "grades")), 5);
    json_decref(k);
    api_err(NULL, "GET", NULL, 401, "unauthorized", NULL, "/api/v1/kb/complications");
}

/* The "done when": from a completed session, linked to its lots and vials. */
static void test_recorded_from_session(void **state)
{
    (void)state;
    api_session_fix f;
    api_session_completed(&f);
    json_t *c = record_from(&f,
                            "{\"code\":\"bruising\",\"onset_on\":\"%s\",\"grade\":1,"
                            "\"description\":\"Bruise on the left cheek\"}",
                            today);
    json_t *s = json_object_get(c, "suspects");
    assert_true(has(json_object_get(s, "sessions"), f.sid));
    assert_true(has(json_object_get(s, "lots"), f.lot));
    assert_int_equal(json_array_size(json_object_get(s, "administrations")), 1);
    assert_int_equal(json_array_size(json_object_get(s, "products")), 1);
    assert_true(has(json_object_get(s, "ingredients"), "hyaluronic_acid"));
    assert_string_equal(api_str(c, "patient_id"), f.pid);
    assert_string_equal(api_str(c, "status"), "open");
    assert_string_equal(api_str(c, "source"), "staff");
    char due[MD_DATE_STR];
    day_plus(7, due);
    assert_string_equal(api_str(c, "resolution_due"), due);
    day_plus(14, due);
    assert_string_equal(api_str(c, "followup_until"), due);
    /* the kb schedule of bruising: one task on day 7 */
    json_t *tasks = json_object_get(c, "followups");
    assert_int_equal(json_array_size(tasks), 1);
    day_plus(7, due);
    assert_string_equal(api_str(json_array_get(tasks, 0), "due_on"), due);
    assert_string_equal(api_str(json_array_get(tasks, 0), "status"), "open");
    /* grade 1 without red flags: not on the worklist */
    assert_int_equal(json_array_size(json_object_get(c, "escalations")), 0);
    assert_int_equal(on_worklist(api_str(c, "id"), NULL), 0);
    /* read back with its tasks; in the patient's list */
    json_t *g =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/complications/%s", api_str(c, "id"));
    assert_true(has(json_object_get(json_object_get(g, "suspects"), "lots"), f.lot));
    assert_int_equal(json_array_size(json_object_get(g, "followups")), 1);
    assert_int_equal(count_of(f.pid), 1);
    json_decref(g);
    /* the seriousness members not given are not assessed: absent, never false */
    assert_true(json_is_null(json_object_get(c, "seriousness")));
    json_decref(c);
    /* suspects given: kept (the session added), ingredients made canonical */
    c = record_from(&f,
                    "{\"code\":\"local_reaction\",\"onset_on\":\"%s\",\"suspects\":{\"lots\":"
                    "[\"%s\"],\"ingredients\":[\"sodium hyaluronate\"]},\"seriousness\":"
                    "{\"death\":false,\"hospitalisation\":null}}",
                    today, f.lot);
    s = json_object_get(c, "suspects");
    assert_true(has(json_object_get(s, "sessions"), f.sid));
    assert_true(has(json_object_get(s, "ingredients"), "hyaluronic_acid"));
    assert_null(json_object_get(s, "vials"));
    assert_true(
        json_is_null(json_object_get(json_object_get(c, "seriousness"), "hospitalisation")));
    json_decref(c);
}

/* Grade 3 and red flags reach the worklist at once; grade 1 without flags does not. */
static void test_worklist_on_record(void **state)
{
    (void)state;
    api_session_fix f;
    api_session_completed(&f);
    json_t *c = record_from(&f, "{\"code\":\"ulceration\",\"onset_on\":\"%s\",\"grade\":3}", today);
    json_t *e = json_object_get(c, "escalations");
    assert_int_equal(json_array_size(e), 1);
    assert_string_equal(api_str(json_array_get(e, 0), "reason"), "grade_3_plus");
    assert_int_equal(on_worklist(api_str(c, "id"), "grade_3_plus"), 1);
    assert_int_equal(on_worklist(api_str(c, "id"), "red_flag"), 0);
    json_decref(c);
    c = record_from(&f,
                    "{\"code\":\"vascular_occlusion\",\"onset_on\":\"%s\",\"grade\":2,"
                    "\"red_flags\":[\"blanching\"]}",
                    today);
    assert_int_equal(on_worklist(api_str(c, "id"), "red_flag"), 1);
    assert_int_equal(on_worklist(api_str(c, "id"), "grade_3_plus"), 0);
    json_decref(c);
    c = record_from(&f, "{\"code\":\"pain\",\"onset_on\":\"%s\",\"grade\":2}", today);
    assert_int_equal(on_worklist(api_str(c, "id"), NULL), 0);
    json_decref(c);
}

/* Item 9: each bad input a 4xx naming its field, and nothing stored. */
static void test_bad_input(void **state)
{
    (void)state;
    api_session_fix f;
    api_session_completed(&f);
    char yesterday[MD_DATE_STR], tomorrow[MD_DATE_STR], path[128], body[512];
    day_plus(-1, yesterday);
    day_plus(1, tomorrow);
    snprintf(path, sizeof path, "/api/v1/sessions/%s/complications", f.sid);
    struct {
        const char *body_fmt, *code, *field;
        long status;
    } cases[] = {
        {"{\"code\":\"bruising\",\"onset_on\":\"%s\",\"grade\":6}", "unprocessable", "grade", 422},
        {"{\"code\":\"bruising\",\"onset_on\":\"%s\",\"grade\":0}", "unprocessable", "grade", 422},
        {"{\"code\":\"bruising\",\"onset_on\":\"%s\",\"outcome\":\"fatal\"}", "unprocessable",
         "outcome_on", 422},
        {"{\"code\":\"bruising\",\"onset_on\":\"%s\",\"outcome\":\"resolved\"}", "unprocessable",
         "outcome_on", 422},
        {"{\"code\":\"sunburn\",\"onset_on\":\"%s\"}", "unprocessable", "code", 422},
        {"{\"code\":\"bruising\",\"onset_on\":\"%s\",\"red_flags\":[\"itching\"]}", "unprocessable",
         "red_flags[0]", 422},
        {"{\"code\":\"bruising\",\"onset_on\":\"%s\",\"seriousness\":{\"death\":\"no\"}}",
         "invalid", "seriousness.death", 400},
        {"{\"code\":\"bruising\",\"onset_on\":\"%s\",\"seriousness\":{\"bored\":true}}", "invalid",
         "seriousness.bored", 400},
        {"{\"code\":\"bruising\",\"onset_on\":\"%s\",\"suspects\":{\"lots\":[\"0123456789abcdef"
         "0123456789abcdef\"]}}",
         "unprocessable", "suspects.lots[0]", 422},
        {"{\"code\":\"bruising\",\"onset_on\":\"%s\",\"resolution_due\":\"2030-01-01\"}", "invalid",
         "resolution_due", 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(body, sizeof body, cases[i].body_fmt, today);
        api_err(api.practitioner, "POST", body, cases[i].status, cases[i].code, cases[i].field,
                "%s", path);
    }
    /* an onset before the session, and in the future */
    snprintf(body, sizeof body, "{\"code\":\"bruising\",\"onset_on\":\"%s\"}", yesterday);
    api_err(api.practitioner, "POST", body, 422, "unprocessable", "onset_on", "%s", path);
    snprintf(body, sizeof body, "{\"code\":\"bruising\",\"onset_on\":\"%s\"}", tomorrow);
    api_err(api.practitioner, "POST", body, 422, "unprocessable", "onset_on", "%s", path);
    /* a suspect session of another patient, and this session named for another patient */
    api_session_fix g;
    api_session_completed(&g);
    snprintf(body, sizeof body,
             "{\"code\":\"bruising\",\"onset_on\":\"%s\",\"suspects\":{\"sessions\":[\"%s\"]}}",
             today, g.sid);
    api_err(api.practitioner, "POST", body, 422, "unprocessable", "suspects.sessions[0]", "%s",
            path);
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"session_id\":\"%s\",\"code\":\"bruising\",\"onset_on\":"
             "\"%s\"}",
             g.pid, f.sid, today);
    api_err(api.practitioner, "POST", body, 422, "unprocessable", "session_id",
            "/api/v1/complications");
    /* another clinic's session is not found; a receptionist may not record */
    snprintf(body, sizeof body, "{\"code\":\"bruising\",\"onset_on\":\"%s\"}", today);
    api_err(api.other_admin, "POST", body, 404, "not_found", "session_id", "%s", path);
    api_err(api.reception, "POST", body, 403, "forbidden", NULL, "%s", path);
    api_err(api.practitioner, "POST", "{\"code\":\"bruising\",\"onset_on\":\"2026-01-01\"}", 400,
            "invalid", "patient_id", "/api/v1/complications");
    /* nothing was stored */
    assert_int_equal(count_of(f.pid), 0);
    assert_int_equal(count_of(g.pid), 0);
}

/* Amendments are versions with a reason; the derived dates and tasks follow the code. */
static void test_amend_history(void **state)
{
    (void)state;
    api_session_fix f;
    api_session_completed(&f);
    json_t *c = record_from(&f, "{\"code\":\"bruising\",\"onset_on\":\"%s\",\"grade\":1}", today);
    const char *id = api_str(c, "id");
    api_err(api.practitioner, "PUT", "{\"grade\":2}", 400, "invalid", "reason",
            "/api/v1/complications/%s", id);
    api_err(api.practitioner, "PUT", "{\"grade\":2,\"reason\":\"r\",\"version\":7}", 409,
            "conflict", "version", "/api/v1/complications/%s", id);
    api_err(api.practitioner, "PUT", "{\"outcome\":\"fatal\",\"reason\":\"r\"}", 422,
            "unprocessable", "outcome_on", "/api/v1/complications/%s", id);
    json_t *a = api_ok(api.practitioner, "PUT",
                       "{\"code\":\"infection_bacterial\",\"grade\":3,\"version\":1,"
                       "\"reason\":\"swab grew S. aureus\"}",
                       200, "/api/v1/complications/%s", id);
    assert_int_equal(api_int(a, "version"), 2);
    char due[MD_DATE_STR];
    day_plus(28, due);
    assert_string_equal(api_str(a, "resolution_due"), due);
    /* the bruising task cancelled, the infection schedule's four made */
    json_t *tasks = json_object_get(a, "followups");
    size_t open = 0, cancelled = 0;
    for (size_t i = 0; i < json_array_size(tasks); i++) {
        const char *st = api_str(json_array_get(tasks, i), "status");
        open += strcmp(st, "open") == 0;
        cancelled += strcmp(st, "cancelled") == 0;
    }
    assert_int_equal(open, 4);
    assert_int_equal(cancelled, 1);
    assert_int_equal(on_worklist(id, "grade_3_plus"), 1);
    json_t *h = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/complications/%s/history", id);
    json_t *items = json_object_get(h, "versions");
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(api_str(json_array_get(items, 0), "code"), "bruising");
    assert_string_equal(api_str(json_array_get(items, 1), "reason"), "swab grew S. aureus");
    json_decref(h);
    /* a follow-up done; done twice is a conflict; cancelled needs a note */
    const char *tid = NULL;
    for (size_t i = 0; i < json_array_size(tasks); i++)
        if (strcmp(api_str(json_array_get(tasks, i), "status"), "open") == 0)
            tid = api_str(json_array_get(tasks, i), "id");
    api_err(api.practitioner, "POST", "{\"status\":\"cancelled\"}", 400, "invalid", "note",
            "/api/v1/followups/%s", tid);
    json_t *t = api_ok(api.practitioner, "POST", "{\"status\":\"done\",\"note\":\"healing\"}", 200,
                       "/api/v1/followups/%s", tid);
    assert_string_equal(api_str(t, "status"), "done");
    json_decref(t);
    api_err(api.practitioner, "POST", "{\"status\":\"done\"}", 409, "conflict", "status",
            "/api/v1/followups/%s", tid);
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id", "/api/v1/complications/%s", id);
    json_decref(a);
    json_decref(c);
}

/* The proposal: the patient's sessions in the code's onset window, with their doses. */
static void test_proposal(void **state)
{
    (void)state;
    api_session_fix f;
    api_session_completed(&f);
    char later[MD_DATE_STR];
    day_plus(30, later);
    json_t *p = api_ok(api.practitioner, "GET", NULL, 200,
                       "/api/v1/patients/%s/complications/proposal?code=infection_mycobacterial"
                       "&onset_on=%s",
                       f.pid, later);
    json_t *ss = json_object_get(p, "sessions");
    assert_int_equal(json_array_size(ss), 1);
    json_t *s0 = json_array_get(ss, 0);
    assert_string_equal(api_str(s0, "id"), f.sid);
    json_t *a0 = json_array_get(json_object_get(s0, "administrations"), 0);
    assert_string_equal(api_str(a0, "lot_id"), f.lot);
    assert_true(has(json_object_get(a0, "ingredients"), "hyaluronic_acid"));
    json_decref(p);
    /* bruising starts within 2 days: a session 30 days before is outside its window */
    p = api_ok(api.practitioner, "GET", NULL, 200,
               "/api/v1/patients/%s/complications/proposal?code=bruising&onset_on=%s", f.pid,
               later);
    assert_int_equal(json_array_size(json_object_get(p, "sessions")), 0);
    json_decref(p);
    api_err(api.practitioner, "GET", NULL, 422, "unprocessable", "code",
            "/api/v1/patients/%s/complications/proposal?code=sunburn&onset_on=%s", f.pid, later);
    api_err(api.practitioner, "GET", NULL, 400, "invalid", "onset_on",
            "/api/v1/patients/%s/complications/proposal?code=bruising", f.pid);
}

static int setup(void **state)
{
    int rc = api_setup(state);
    if (rc == 0) api_chart_policy_no_photos();
    return rc;
}

int main(void)
{
    md_date_format(md_today_utc(), today);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),          cmocka_unit_test(test_recorded_from_session),
        cmocka_unit_test(test_worklist_on_record), cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_amend_history),      cmocka_unit_test(test_proposal),
    };
    return cmocka_run_group_tests(tests, setup, api_teardown);
}
