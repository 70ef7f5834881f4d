/*
 * test_chart.c - treatment sessions through the API (chart.h, docs/CHARTING.md): the
 * charting kb (maps, techniques), check-in, the full flow on an appointment, the
 * injection record and its checks, amendments, addenda after sign-off, and every bad input
 * of issue 10 item 8 for the chart (a 4xx naming the field, nothing stored, no stock moved).
 */
#include "support.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* ---- fixtures ------------------------------------------------------------------------ */

typedef struct fix {
    char room[MD_ID_STR];
} fix;
static fix fx;

/* A room, open hours every day, the practitioner's licence for injectables (once). */
static void setup_clinic(void)
{
    static int done;
    if (done) return;
    done = 1;
    json_t *r = api_ok(api.admin, "POST", "{\"name\":\"Chart room\"}", 201, "/api/v1/rooms");
    md_strlcpy(fx.room, api_str(r, "id"), sizeof fx.room);
    json_decref(r);
    static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    char hours[512] = "{\"weekly\":{";
    for (int i = 0; i < 7; i++) {
        size_t n = strlen(hours);
        snprintf(hours + n, sizeof hours - n, "%s\"%s\":[{\"from\":\"00:00\",\"to\":\"24:00\"}]",
                 i ? "," : "", days[i]);
    }
    size_t n = strlen(hours);
    snprintf(hours + n, sizeof hours - n, "}}");
    json_decref(api_ok(api.admin, "PUT", hours, 200, "/api/v1/schedule/hours"));
    json_decref(api_ok(api.admin, "POST",
                       "{\"type\":\"licence\",\"number\":\"NMC-7\",\"issuing_body\":\"NMC\","
                       "\"issued_on\":\"2020-01-01\",\"expires_on\":\"2099-12-31\","
                       "\"scopes\":[\"injectables\"]}",
                       201, "/api/v1/staff/%s/credentials", api.practitioner_id));
}

typedef struct course_fix {
    char pid[MD_ID_STR], fid[MD_ID_STR], cid[MD_ID_STR], appt[MD_ID_STR];
} course_fix;

/* A patient with a formulation, a facial course starting in a week, session 1 booked. */
static void course_with_appointment(const char *given, course_fix *c)
{
    static int slot; /* each fixture's appointment an hour after the one before */
    char body[768], start[MD_DATE_STR];
    setup_clinic();
    api_patient_with_formulation(given, c->pid, c->fid);
    md_date_format(md_today_utc() + 7, start);
    snprintf(body, sizeof body,
             "{\"protocol\":\"facial_rejuvenation\",\"formulation_id\":\"%s\",\"start\":\"%s\"}",
             c->fid, start);
    json_t *course = api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/courses", c->pid);
    md_strlcpy(c->cid, api_str(course, "id"), sizeof c->cid);
    json_decref(course);
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"practitioner_id\":\"%s\",\"room_id\":\"%s\","
             "\"kind\":\"treatment\",\"start_local\":\"%sT%02d:00\",\"course_id\":\"%s\","
             "\"course_session\":1}",
             c->pid, api.practitioner_id, fx.room, start, slot++ % 24, c->cid);
    json_t *a = api_ok(api.reception, "POST", body, 201, "/api/v1/appointments");
    md_strlcpy(c->appt, api_str(a, "id"), sizeof c->appt);
    json_decref(a);
}

static json_t *checkin_appt(const course_fix *c)
{
    char body[128];
    snprintf(body, sizeof body, "{\"appointment_id\":\"%s\"}", c->appt);
    return api_ok(api.practitioner, "POST", body, 201, "/api/v1/sessions");
}

/* ---- the charting kb ----------------------------------------------------------------- */

static void maps_and_techniques_for_any_staff(void **state)
{
    (void)state;
    json_t *m = api_ok(api.reception, "GET", NULL, 200, "/api/v1/charting/maps");
    json_t *maps = json_object_get(m, "maps");
    assert_int_equal(json_array_size(maps), 7);
    static const char *const ids[] = {"face_front", "face_left",  "face_right", "neck",
                                      "scalp",      "body_front", "body_back"};
    for (size_t i = 0; i < 7; i++) {
        json_t *map = json_array_get(maps, i);
        assert_string_equal(api_str(map, "id"), ids[i]);
        assert_true(api_int(map, "width") > 0 && api_int(map, "height") > 0);
        json_t *zones = json_object_get(map, "zones");
        assert_true(json_array_size(zones) >= 3);
        json_t *z = json_array_get(zones, 0);
        assert_non_null(api_str(z, "area"));
        assert_true(json_array_size(json_object_get(z, "polygon")) >= 3);
        assert_true(json_array_size(json_object_get(z, "sources")) >= 1);
    }
    json_t *lim = json_object_get(m, "facial_depth_max_mm");
    assert_true(json_number_value(json_object_get(lim, "value")) == 4.0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(lim, "sources"), 0)),
                        "Konda & Thappa 2013");
    json_decref(m);
    json_t *t = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/charting/techniques");
    assert_int_equal(json_array_size(json_object_get(t, "items")), 6);
    assert_string_equal(api_str(json_array_get(json_object_get(t, "items"), 0), "code"),
                        "point_by_point");
    json_decref(t);
    api_err(NULL, "GET", NULL, 401, "unauthorized", NULL, "/api/v1/charting/maps");
}

/* ---- check-in, reads, cancel ----------------------------------------------------------- */

static const json_t *last_event(const json_t *s)
{
    const json_t *ev = json_object_get(s, "events");
    return json_array_get(ev, json_array_size(ev) - 1);
}

static void checkin_from_an_appointment_moves_it_to_arrived(void **state)
{
    (void)state;
    course_fix c;
    course_with_appointment("Ines", &c);
    json_t *s = checkin_appt(&c);
    const char *id = api_str(s, "id");
    assert_string_equal(api_str(s, "state"), "checked_in");
    assert_string_equal(api_str(s, "patient_id"), c.pid);
    assert_string_equal(api_str(s, "course_id"), c.cid);
    assert_int_equal(api_int(s, "course_session"), 1);
    assert_string_equal(api_str(s, "appointment_id"), c.appt);
    assert_string_equal(api_str(s, "practitioner_id"), api.practitioner_id);
    assert_string_equal(api_str(last_event(s), "step"), "checkin");
    assert_string_equal(api_str(last_event(s), "by"), api.practitioner_id);
    assert_true(json_is_null(json_object_get(s, "chart")));
    json_t *a = api_ok(api.reception, "GET", NULL, 200, "/api/v1/appointments/%s", c.appt);
    assert_string_equal(api_str(a, "status"), "arrived");
    json_decref(a);
    /* One open session per course session, whoever asks again. */
    char body[128];
    snprintf(body, sizeof body, "{\"appointment_id\":\"%s\"}", c.appt);
    api_err(api.practitioner, "POST", body, 409, "conflict", "course_session", "/api/v1/sessions");
    /* Reads: clinical, audited; reception and another clinic see nothing. */
    json_t *g = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/sessions/%s", id);
    assert_string_equal(api_str(g, "id"), id);
    assert_true(json_is_null(json_object_get(g, "signed_off_by")));
    assert_string_equal(api_str(json_object_get(g, "local"), "time_zone"), "Europe/London");
    json_decref(g);
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/sessions/%s", id);
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id", "/api/v1/sessions/%s", id);
    json_t *audit = api_ok(api.admin, "GET", NULL, 200,
                           "/api/v1/audit?object_type=treatment_session&patient_id=%s", c.pid);
    int created = 0, read = 0;
    const json_t *it;
    size_t i;
    json_array_foreach(json_object_get(audit, "items"), i, it)
    {
        created += !strcmp(api_str(it, "object_id"), id) && !strcmp(api_str(it, "action"), "create");
        read += !strcmp(api_str(it, "object_id"), id) && !strcmp(api_str(it, "action"), "read");
    }
    assert_int_equal(created, 1);
    assert_true(read >= 1);
    json_decref(audit);
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/sessions", c.pid);
    assert_int_equal(api_count_items(l, "id", id), 1);
    json_decref(l);
    /* Steps out of order are refused naming the state, nothing written. */
    api_err(api.practitioner, "POST", "{}", 409, "conflict", "state", "/api/v1/sessions/%s/start", id);
    api_err(api.practitioner, "POST", "{}", 409, "conflict", "state", "/api/v1/sessions/%s/complete",
            id);
    api_err(api.practitioner, "POST", "{\"text\":\"x\"}", 409, "conflict", "state",
            "/api/v1/sessions/%s/addenda", id);
    api_err(api.practitioner, "PUT", "{\"technique\":\"nappage\"}", 409, "conflict", "state",
            "/api/v1/sessions/%s/chart", id);
    api_err(api.practitioner, "POST", "{}", 403, "forbidden", NULL, "/api/v1/sessions/%s/signoff", id);
    /* Cancel: a reason, a new version; final. */
    api_err(api.practitioner, "POST", "{}", 400, "invalid", "reason", "/api/v1/sessions/%s/cancel", id);
    json_t *x = api_ok(api.practitioner, "POST", "{\"reason\":\"patient felt unwell\"}", 200,
                       "/api/v1/sessions/%s/cancel", id);
    assert_string_equal(api_str(x, "state"), "cancelled");
    assert_int_equal(api_int(x, "version"), 2);
    assert_string_equal(api_str(x, "reason"), "patient felt unwell");
    assert_string_equal(api_str(last_event(x), "step"), "cancel");
    json_decref(x);
    api_err(api.practitioner, "POST", "{\"reason\":\"again\"}", 409, "conflict", "state",
            "/api/v1/sessions/%s/cancel", id);
    json_t *h = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/sessions/%s/history", id);
    json_t *v = json_object_get(h, "versions");
    assert_int_equal(json_array_size(v), 2);
    assert_string_equal(api_str(json_array_get(v, 0), "state"), "checked_in");
    assert_string_equal(api_str(json_array_get(v, 1), "state"), "cancelled");
    json_decref(h);
    /* The cancelled session no longer holds the course session. */
    json_t *again = checkin_appt(&c);
    assert_string_not_equal(api_str(again, "id"), id);
    json_decref(again);
    json_decref(s);
}

static void bad_checkins_name_their_field(void **state)
{
    (void)state;
    course_fix c, d;
    char body[512];
    course_with_appointment("Jon", &c);
    course_with_appointment("Kai", &d);
    const char *P = "/api/v1/sessions";
    api_err(api.practitioner, "POST", "{\"colour\":1}", 400, "invalid", "colour", "%s", P);
    snprintf(body, sizeof body, "{\"patient_id\":\"%s\",\"course_session\":1}", c.pid);
    api_err(api.practitioner, "POST", body, 400, "invalid", "course_id", "%s", P);
    snprintf(body, sizeof body, "{\"patient_id\":\"%s\",\"course_id\":\"%s\",\"course_session\":0}",
             c.pid, c.cid);
    api_err(api.practitioner, "POST", body, 422, "unprocessable", "course_session", "%s", P);
    snprintf(body, sizeof body, "{\"patient_id\":\"%s\",\"course_id\":\"%s\",\"course_session\":99}",
             c.pid, c.cid);
    api_err(api.practitioner, "POST", body, 422, "unprocessable", "course_session", "%s", P);
    snprintf(body, sizeof body, "{\"patient_id\":\"%s\",\"course_id\":\"%s\",\"course_session\":1}",
             d.pid, c.cid);
    api_err(api.practitioner, "POST", body, 422, "unprocessable", "course_id", "%s", P);
    snprintf(body, sizeof body, "{\"appointment_id\":\"%s\",\"patient_id\":\"%s\"}", c.appt, c.pid);
    api_err(api.practitioner, "POST", body, 400, "invalid", "patient_id", "%s", P);
    api_err(api.practitioner, "POST", "{\"appointment_id\":\"00000000000000000000000000000000\"}",
            404, "not_found", "appointment_id", "%s", P);
    snprintf(body, sizeof body, "{\"appointment_id\":\"%s\"}", c.appt);
    api_err(api.reception, "POST", body, 403, "forbidden", NULL, "%s", P);
    api_err(api.other_admin, "POST", body, 404, "not_found", "appointment_id", "%s", P);
    /* Nothing was stored by any of them. */
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/sessions", c.pid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 0);
    json_decref(l);
}

typedef struct racer {
    const char *body;
    long status;
    char field[64];
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    api_req q = {.method = "POST", .path = "/api/v1/sessions", .token = api.practitioner, .body = r->body};
    api_res res;
    api_send(NULL, &q, &res);
    r->status = res.status;
    json_t *f = json_object_get(json_object_get(res.json, "error"), "field");
    md_strlcpy(r->field, json_is_string(f) ? json_string_value(f) : "", sizeof r->field);
    api_res_free(&res);
    return NULL;
}

static void a_concurrent_double_checkin_checks_in_once(void **state)
{
    (void)state;
    enum { N = 8 };
    course_fix c;
    char body[512];
    racer r[N];
    pthread_t th[N];
    course_with_appointment("Lea", &c);
    /* A walk-in for session 2 of the course, sent eight times at once. */
    snprintf(body, sizeof body, "{\"patient_id\":\"%s\",\"course_id\":\"%s\",\"course_session\":2}",
             c.pid, c.cid);
    for (int i = 0; i < N; i++) {
        r[i] = (racer){.body = body};
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    int won = 0, lost = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        won += r[i].status == 201;
        lost += r[i].status == 409 && strcmp(r[i].field, "course_session") == 0;
    }
    assert_int_equal(won, 1);
    assert_int_equal(lost, N - 1);
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/sessions", c.pid);
    json_t *items = json_object_get(l, "items");
    assert_int_equal(json_array_size(items), 1);
    /* A walk-in's practitioner is the caller by default. */
    assert_string_equal(api_str(json_array_get(items, 0), "practitioner_id"), api.practitioner_id);
    assert_true(json_is_null(json_object_get(json_array_get(items, 0), "appointment_id")));
    json_decref(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(maps_and_techniques_for_any_staff),
        cmocka_unit_test(checkin_from_an_appointment_moves_it_to_arrived),
        cmocka_unit_test(bad_checkins_name_their_field),
        cmocka_unit_test(a_concurrent_double_checkin_checks_in_once),
    };
    return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
