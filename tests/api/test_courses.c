/*
 * API tests for protocols and courses (issue 9 items 1, 3 and their bad input of item 8):
 * GET /api/v1/protocols[/{code}], PUT /api/v1/protocols/{code}/setting (+ history),
 * /api/v1/patients/{id}/courses, /api/v1/courses/{id}[/history|/abandon|/replan|/timeline].
 * Bad input names its field; reception reads the timeline but no clinical detail.
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

static json_t *plan(const char *pid, const char *fid, const char *start)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"protocol\":\"facial_rejuvenation\",\"formulation_id\":\"%s\",\"start\":\"%s\"}",
             fid, start);
    return api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/courses", pid);
}

static json_t *sessions(json_t *course)
{
    return json_object_get(json_object_get(course, "plan"), "sessions");
}

static void test_protocols(void **state)
{
    (void)state;
    json_t *l = api_ok(api.reception, "GET", NULL, 200, "/api/v1/protocols");
    json_t *items = json_object_get(l, "items");
    assert_int_equal(json_array_size(items), 3);
    assert_int_equal(api_count_items(l, "code", "scalp_hair_loss"), 1);
    assert_int_equal(api_count_items(l, "code", "body_fat_cellulite"), 1);
    json_decref(l);
    json_t *p = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/protocols/facial_rejuvenation");
    json_t *sp = json_object_get(p, "spacing_days");
    assert_int_equal(api_int(sp, "min"), 7);
    assert_int_equal(api_int(sp, "max"), 28);
    assert_int_equal(json_array_size(json_object_get(sp, "sources")), 3);
    assert_int_equal(api_int(json_object_get(sp, "default"), "value"), 14);
    assert_true(json_is_false(json_object_get(sp, "chosen_by_clinic")));
    assert_string_equal(api_str(json_object_get(p, "required_scope"), "code"), "injectables");
    assert_true(json_array_size(json_object_get(p, "areas")) >= 1);
    json_decref(p);
    const api_case cases[] = {
        {"unknown protocol", api.practitioner, "GET", "/api/v1/protocols/tattoo_removal", NULL, 404,
         "not_found", "protocol", "unknown protocol"},
        {"no token", NULL, "GET", "/api/v1/protocols", NULL, 401, "unauthorized", NULL, NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], NULL, 0);
}

static void test_protocol_setting(void **state)
{
    (void)state;
    const api_case cases[] = {
        {"outside the cited range", api.admin, "PUT",
         "/api/v1/protocols/facial_rejuvenation/setting", "{\"spacing_days\":29}", 422,
         "unprocessable", "spacing_days", "7 to 28 (S0, S2, S4)"},
        {"session count outside", api.admin, "PUT", "/api/v1/protocols/facial_rejuvenation/setting",
         "{\"session_count\":9}", 422, "unprocessable", "session_count", "3 to 6"},
        {"unknown key", api.admin, "PUT", "/api/v1/protocols/facial_rejuvenation/setting",
         "{\"colour\":1}", 400, "invalid", "colour", NULL},
        {"unknown protocol", api.admin, "PUT", "/api/v1/protocols/nope/setting",
         "{\"spacing_days\":14}", 404, "not_found", "protocol", NULL},
        {"not an admin", api.practitioner, "PUT", "/api/v1/protocols/facial_rejuvenation/setting",
         "{\"spacing_days\":21}", 403, "forbidden", NULL, NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], NULL, 0);
    json_t *p = api_ok(api.admin, "PUT", "{\"session_minutes\":30,\"reason\":\"our rooms\"}", 200,
                       "/api/v1/protocols/scalp_hair_loss/setting");
    json_t *m = json_object_get(p, "session_minutes");
    assert_int_equal(api_int(m, "value"), 30);
    assert_true(json_is_true(json_object_get(m, "chosen_by_clinic")));
    assert_string_equal(api_str(json_object_get(p, "setting"), "recorded_by"), api.admin_id);
    json_decref(p);
    json_decref(api_ok(api.admin, "PUT", "{\"session_minutes\":null,\"reason\":\"default\"}", 200,
                       "/api/v1/protocols/scalp_hair_loss/setting"));
    json_t *h =
        api_ok(api.admin, "GET", NULL, 200, "/api/v1/protocols/scalp_hair_loss/setting/history");
    json_t *v = json_object_get(h, "versions");
    assert_int_equal(json_array_size(v), 2);
    assert_string_equal(api_str(json_array_get(v, 1), "reason"), "default");
    json_decref(h);
}

static void test_course_create_and_bad_input(void **state)
{
    (void)state;
    char pid[MD_ID_STR], fid[MD_ID_STR], opid[MD_ID_STR], ofid[MD_ID_STR];
    api_patient_with_formulation("Cora", pid, fid);
    api_patient_with_formulation("Cora", opid, ofid);
    json_t *c = plan(pid, fid, "2027-01-31");
    assert_string_equal(api_str(c, "state"), "planned");
    assert_int_equal(json_array_size(sessions(c)), 5);
    assert_string_equal(api_str(json_array_get(sessions(c), 1), "target"), "2027-02-14");
    assert_string_equal(api_str(json_array_get(sessions(c), 4), "kind"), "maintenance");
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/courses", pid);
    assert_int_equal(api_count_items(l, "id", api_str(c, "id")), 1);
    json_decref(l);
    json_t *g = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/courses/%s", api_str(c, "id"));
    assert_string_equal(api_str(g, "formulation_id"), fid);
    json_decref(g);
    json_decref(c);
    const api_var vars[] = {{"pid", pid}, {"fid", fid}, {"ofid", ofid}};
    const api_case cases[] = {
        {"unknown protocol", api.practitioner, "POST", "/api/v1/patients/{pid}/courses",
         "{\"protocol\":\"tattoo_removal\",\"formulation_id\":\"{fid}\",\"start\":\"2027-01-04\"}",
         422, "unprocessable", "protocol", "unknown protocol"},
        {"spacing outside the cited range", api.practitioner, "POST",
         "/api/v1/patients/{pid}/courses",
         "{\"protocol\":\"facial_rejuvenation\",\"formulation_id\":\"{fid}\",\"start\":"
         "\"2027-01-04\",\"spacing_days\":35}",
         422, "unprocessable", "spacing_days", "7 to 28 (S0, S2, S4)"},
        {"session count outside", api.practitioner, "POST", "/api/v1/patients/{pid}/courses",
         "{\"protocol\":\"facial_rejuvenation\",\"formulation_id\":\"{fid}\",\"start\":"
         "\"2027-01-04\",\"session_count\":1}",
         422, "unprocessable", "session_count", "3 to 6"},
        {"formulation of another patient", api.practitioner, "POST",
         "/api/v1/patients/{pid}/courses",
         "{\"protocol\":\"facial_rejuvenation\",\"formulation_id\":\"{ofid}\",\"start\":"
         "\"2027-01-04\"}",
         422, "unprocessable", "formulation_id", "of this patient"},
        {"impossible start", api.practitioner, "POST", "/api/v1/patients/{pid}/courses",
         "{\"protocol\":\"facial_rejuvenation\",\"formulation_id\":\"{fid}\",\"start\":"
         "\"2027-02-30\"}",
         422, "unprocessable", "start", NULL},
        {"no protocol", api.practitioner, "POST", "/api/v1/patients/{pid}/courses",
         "{\"formulation_id\":\"{fid}\",\"start\":\"2027-01-04\"}", 400, "invalid", "protocol",
         NULL},
        {"a plan from the client", api.practitioner, "POST", "/api/v1/patients/{pid}/courses",
         "{\"protocol\":\"facial_rejuvenation\",\"formulation_id\":\"{fid}\",\"start\":"
         "\"2027-01-04\",\"plan\":{}}",
         400, "invalid", "plan", NULL},
        {"reception may not plan", api.reception, "POST", "/api/v1/patients/{pid}/courses",
         "{\"protocol\":\"facial_rejuvenation\",\"formulation_id\":\"{fid}\",\"start\":"
         "\"2027-01-04\"}",
         403, "forbidden", NULL, NULL},
        {"no such patient", api.practitioner, "POST",
         "/api/v1/patients/00112233445566778899aabbccddeeff/courses",
         "{\"protocol\":\"facial_rejuvenation\",\"formulation_id\":\"{fid}\",\"start\":"
         "\"2027-01-04\"}",
         404, "not_found", "patient_id", NULL},
        {"no such course", api.practitioner, "GET",
         "/api/v1/courses/00112233445566778899aabbccddeeff", NULL, 404, "not_found", "course_id",
         NULL},
        {"another clinic's course list", api.other_admin, "GET", "/api/v1/patients/{pid}/courses",
         NULL, 404, "not_found", "patient_id", NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], vars, sizeof vars / sizeof vars[0]);
    /* none of the refused ones was stored */
    l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/courses", pid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
    json_decref(l);
}

static void test_missed_replan_abandon_history(void **state)
{
    (void)state;
    char pid[MD_ID_STR], fid[MD_ID_STR], start[MD_DATE_STR], id[MD_ID_STR];
    api_patient_with_formulation("Cora", pid, fid);
    md_date_format(md_today_utc() - 60, start);
    json_t *c = plan(pid, fid, start);
    snprintf(id, sizeof id, "%s", api_str(c, "id"));
    assert_true(json_is_true(json_object_get(json_array_get(sessions(c), 0), "missed")));
    json_decref(c);
    c = api_ok(api.practitioner, "POST", NULL, 200, "/api/v1/courses/%s/replan", id);
    assert_non_null(strstr(api_str(c, "reason"), "window of session 1 missed"));
    assert_true(json_is_false(json_object_get(json_array_get(sessions(c), 0), "missed")));
    json_decref(c);
    const api_var vars[] = {{"id", id}};
    const api_case first[] = {
        {"nothing missed", api.practitioner, "POST", "/api/v1/courses/{id}/replan", NULL, 409,
         "conflict", "plan", "no window"},
        {"abandon without a reason", api.practitioner, "POST", "/api/v1/courses/{id}/abandon", "{}",
         400, "invalid", "reason", NULL},
        {"reception may not abandon", api.reception, "POST", "/api/v1/courses/{id}/abandon",
         "{\"reason\":\"x\"}", 403, "forbidden", NULL, NULL},
        {"abandon a stale version", api.practitioner, "POST", "/api/v1/courses/{id}/abandon",
         "{\"reason\":\"x\",\"version\":1}", 409, "conflict", "version", NULL},
    };
    api_run_cases(first, sizeof first / sizeof first[0], vars, 1);
    c = api_ok(api.practitioner, "POST", "{\"reason\":\"patient moved away\"}", 200,
               "/api/v1/courses/%s/abandon", id);
    assert_string_equal(api_str(c, "state"), "abandoned");
    json_decref(c);
    const api_case after[] = {
        {"abandoned twice", api.practitioner, "POST", "/api/v1/courses/{id}/abandon",
         "{\"reason\":\"again\"}", 409, "conflict", "state", "abandoned"},
        {"replan abandoned", api.practitioner, "POST", "/api/v1/courses/{id}/replan", NULL, 409,
         "conflict", "state", NULL},
    };
    api_run_cases(after, sizeof after / sizeof after[0], vars, 1);
    json_t *h = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/courses/%s/history", id);
    json_t *v = json_object_get(h, "versions");
    assert_int_equal(json_array_size(v), 3);
    assert_string_equal(api_str(json_array_get(v, 2), "recorded_by"), api.practitioner_id);
    assert_non_null(strstr(api_str(json_array_get(v, 2), "reason"), "patient moved away"));
    json_decref(h);
}

static void test_reception_view(void **state)
{
    (void)state;
    char pid[MD_ID_STR], fid[MD_ID_STR];
    api_patient_with_formulation("Cora", pid, fid);
    json_t *c = plan(pid, fid, "2027-03-22");
    const char *id = api_str(c, "id");
    json_t *t = api_ok(api.reception, "GET", NULL, 200, "/api/v1/courses/%s/timeline", id);
    assert_null(json_object_get(t, "formulation_id"));
    assert_null(json_object_get(t, "plan"));
    assert_string_equal(api_str(t, "protocol"), "facial_rejuvenation");
    assert_string_equal(api_str(t, "time_zone"), "Europe/London");
    json_t *w = json_array_get(json_object_get(t, "windows"), 1);
    /* across the change to summer time on 2026-03-29 the window is in civil days */
    assert_string_equal(api_str(w, "earliest"), "2027-03-29");
    assert_string_equal(api_str(w, "target"), "2027-04-05");
    assert_true(json_is_array(json_object_get(t, "bookings")));
    json_decref(t);
    const api_var vars[] = {{"id", id}, {"pid", pid}};
    const api_case cases[] = {
        {"reception reads no course", api.reception, "GET", "/api/v1/courses/{id}", NULL, 403,
         "forbidden", NULL, NULL},
        {"reception lists no courses", api.reception, "GET", "/api/v1/patients/{pid}/courses", NULL,
         403, "forbidden", NULL, NULL},
        {"reception reads no history", api.reception, "GET", "/api/v1/courses/{id}/history", NULL,
         403, "forbidden", NULL, NULL},
        {"another clinic's timeline", api.other_admin, "GET", "/api/v1/courses/{id}/timeline", NULL,
         404, "not_found", "course_id", NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], vars, 2);
    json_decref(c);
}

/* Booked and completed through the booking routes: the session is done on the appointment's
 * day, the course becomes active, and the timeline shows the booking and the session. */
static void test_a_booked_session_done(void **state)
{
    (void)state;
    char pid[MD_ID_STR], fid[MD_ID_STR], start[MD_DATE_STR], body[512], id[MD_ID_STR];
    api_patient_with_formulation("Cora", pid, fid);
    md_date_format(md_today_utc() + 10, start);
    json_t *c = plan(pid, fid, start);
    snprintf(id, sizeof id, "%s", api_str(c, "id"));
    json_decref(c);
    json_t *room = api_ok(api.admin, "POST", "{\"name\":\"Course room\"}", 201, "/api/v1/rooms");
    json_decref(api_ok(api.admin, "POST",
                       "{\"type\":\"licence\",\"number\":\"NMC-7\",\"issuing_body\":\"NMC\","
                       "\"issued_on\":\"2020-01-01\",\"expires_on\":\"2099-12-31\","
                       "\"scopes\":[\"injectables\"]}",
                       201, "/api/v1/staff/%s/credentials", api.practitioner_id));
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"practitioner_id\":\"%s\",\"room_id\":\"%s\","
             "\"kind\":\"treatment\",\"start_local\":\"%sT10:00\",\"course_id\":\"%s\","
             "\"course_session\":1}",
             pid, api.practitioner_id, api_str(room, "id"), start, id);
    json_t *a = api_ok(api.reception, "POST", body, 201, "/api/v1/appointments");
    json_t *t = api_ok(api.reception, "GET", NULL, 200, "/api/v1/courses/%s/timeline", id);
    assert_int_equal(json_array_size(json_object_get(t, "bookings")), 1);
    assert_int_equal(json_array_size(json_object_get(t, "sessions_done")), 0);
    json_decref(t);
    json_decref(api_ok(api.reception, "POST", NULL, 200, "/api/v1/appointments/%s/arrive",
                       api_str(a, "id")));
    json_decref(api_ok(api.practitioner, "POST", NULL, 200, "/api/v1/appointments/%s/complete",
                       api_str(a, "id")));
    c = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/courses/%s", id);
    assert_string_equal(api_str(c, "state"), "active");
    assert_string_equal(api_str(json_array_get(sessions(c), 0), "done_on"), start);
    assert_string_equal(api_str(json_array_get(sessions(c), 0), "appointment_id"),
                        api_str(a, "id"));
    assert_non_null(strstr(api_str(c, "reason"), "session 1 done on"));
    json_decref(c);
    t = api_ok(api.reception, "GET", NULL, 200, "/api/v1/courses/%s/timeline", id);
    json_t *d = json_array_get(json_object_get(t, "sessions_done"), 0);
    assert_int_equal(api_int(d, "seq"), 1);
    assert_string_equal(api_str(d, "appointment_id"), api_str(a, "id"));
    json_decref(t);
    json_decref(a);
    json_decref(room);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protocols),
        cmocka_unit_test(test_protocol_setting),
        cmocka_unit_test(test_course_create_and_bad_input),
        cmocka_unit_test(test_missed_replan_abandon_history),
        cmocka_unit_test(test_reception_view),
        cmocka_unit_test(test_a_booked_session_done),
    };
    return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
