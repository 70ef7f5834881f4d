/*
 * Bookings over HTTP (docs/BOOKINGS.md): rooms and hours by an admin, availability, booking
 * by reception with every check a 4xx naming its field, conflicts 409 naming the
 * practitioner or the room (and one winner among concurrent requests for one slot), the
 * moves with who and when, another clinic seeing nothing, and the iCalendar of a day parsed
 * by a third-party parser (Debian's python3-icalendar) across the March clock change.
 */
#include "support.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fix {
    char room[MD_ID_STR], room2[MD_ID_STR], pat[MD_ID_STR], pat2[MD_ID_STR];
    md_day wed;    /* a Wednesday 8 to 14 days ahead */
    md_day change; /* the next March change of Europe/London, more than a month ahead */
} fix;

static fix fx;

static int weekday(md_day d)
{
    return (int)(((d % 7) + 7 + 3) % 7);
}

static const char *at(md_day day, const char *hhmm)
{
    static char buf[8][24];
    static int n;
    char date[MD_DATE_STR];
    md_date_format(day, date);
    char *b = buf[n++ % 8];
    snprintf(b, 24, "%sT%s", date, hhmm);
    return b;
}

static void setup_schedule(void)
{
    static int done;
    if (done) return;
    done = 1;
    json_t *r = api_ok(api.admin, "POST", "{\"name\":\"Room A\"}", 201, "/api/v1/rooms");
    md_strlcpy(fx.room, api_str(r, "id"), sizeof fx.room);
    json_decref(r);
    r = api_ok(api.admin, "POST", "{\"name\":\"Room B\"}", 201, "/api/v1/rooms");
    md_strlcpy(fx.room2, api_str(r, "id"), sizeof fx.room2);
    json_decref(r);
    const char *hours = "{\"weekly\":{\"mon\":[{\"from\":\"08:00\",\"to\":\"18:00\"}],"
                        "\"tue\":[{\"from\":\"08:00\",\"to\":\"18:00\"}],"
                        "\"wed\":[{\"from\":\"08:00\",\"to\":\"12:00\"},"
                        "{\"from\":\"13:00\",\"to\":\"18:00\"}],"
                        "\"thu\":[{\"from\":\"08:00\",\"to\":\"18:00\"}],"
                        "\"fri\":[{\"from\":\"08:00\",\"to\":\"18:00\"}],"
                        "\"sun\":[{\"from\":\"00:00\",\"to\":\"24:00\"}]}}";
    r = api_ok(api.admin, "PUT", hours, 200, "/api/v1/schedule/hours");
    json_decref(r);
    /* The practitioner's licence covers injectables; the admin's expired. */
    json_decref(api_ok(api.admin, "POST",
                       "{\"type\":\"licence\",\"number\":\"NMC-1\",\"issuing_body\":\"NMC\","
                       "\"issued_on\":\"2020-01-01\",\"expires_on\":\"2099-12-31\","
                       "\"scopes\":[\"injectables\"]}",
                       201, "/api/v1/staff/%s/credentials", api.practitioner_id));
    json_decref(api_ok(api.admin, "POST",
                       "{\"type\":\"licence\",\"number\":\"GMC-9\",\"issuing_body\":\"GMC\","
                       "\"issued_on\":\"2020-01-01\",\"expires_on\":\"2026-01-31\","
                       "\"scopes\":[\"injectables\"]}",
                       201, "/api/v1/staff/%s/credentials", api.admin_id));
    json_t *p = api_patient_new(api.reception, "Bea", "Booker", "1980-04-05");
    md_strlcpy(fx.pat, api_str(p, "id"), sizeof fx.pat);
    json_decref(p);
    p = api_patient_new(api.reception, "Cal", "Booker", "1981-04-05");
    md_strlcpy(fx.pat2, api_str(p, "id"), sizeof fx.pat2);
    json_decref(p);
    md_day today = md_today_utc();
    fx.wed = today + 8;
    while (weekday(fx.wed) != 2)
        fx.wed++;
    int y, m, d;
    md_date_to_ymd(today + 40, &y, &m, &d);
    if (m > 3) y++;
    fx.change = md_date_from_ymd(y, 3, 31);
    while (weekday(fx.change) != 6)
        fx.change--;
}

static char *booking(const char *pract, const char *room, const char *patient, const char *kind,
                     const char *start_local, int minutes)
{
    static char buf[4][512];
    static int n;
    char *b = buf[n++ % 4];
    snprintf(b, 512,
             "{\"patient_id\":\"%s\",\"practitioner_id\":\"%s\",\"room_id\":\"%s\",\"kind\":"
             "\"%s\",\"start_local\":\"%s\",\"duration_minutes\":%d}",
             patient, pract, room, kind, start_local, minutes);
    return b;
}

static void reception_books_and_everyone_reads_it_in_utc_and_local_time(void **state)
{
    (void)state;
    setup_schedule();
    json_t *a = api_ok(
        api.reception, "POST",
        booking(api.practitioner_id, fx.room, fx.pat, "consultation", at(fx.wed, "09:00"), 30), 201,
        "/api/v1/appointments");
    assert_string_equal(api_str(a, "status"), "booked");
    assert_string_equal(api_str(a, "time_zone"), "Europe/London");
    assert_string_equal(api_str(a, "recorded_by"), api.reception_id);
    assert_non_null(strstr(api_str(a, "start_local"), "T09:00:00+0"));
    assert_non_null(strstr(api_str(a, "start"), "Z"));
    json_t *g = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/appointments/%s", api_str(a, "id"));
    assert_string_equal(api_str(g, "start"), api_str(a, "start"));
    json_decref(g);
    char date[MD_DATE_STR];
    md_date_format(fx.wed, date);
    json_t *day = api_ok(api.reception, "GET", NULL, 200, "/api/v1/appointments?date=%s", date);
    assert_int_equal(api_count_items(day, "id", api_str(a, "id")), 1);
    json_decref(day);
    day = api_ok(api.reception, "GET", NULL, 200, "/api/v1/appointments?date=%s&practitioner_id=%s",
                 date, api.admin_id);
    assert_int_equal(api_count_items(day, "id", api_str(a, "id")), 0);
    json_decref(day);
    /* Another clinic sees none of it. */
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id", "/api/v1/appointments/%s",
            api_str(a, "id"));
    json_decref(a);
}

static void bad_bookings_are_4xx_naming_the_field(void **state)
{
    (void)state;
    setup_schedule();
    /* An absence next week. */
    char body[512];
    snprintf(body, sizeof body,
             "{\"exceptions\":[{\"kind\":\"absent\",\"from\":\"%s\",\"to\":\"%s\","
             "\"reason\":\"leave\"}]}",
             at(fx.wed + 7, "00:00"), at(fx.wed + 8, "00:00"));
    json_decref(api_ok(api.reception, "PUT", body, 200, "/api/v1/staff/%s/availability",
                       api.practitioner_id));
    char wed[MD_DATE_STR], next[MD_DATE_STR], change[MD_DATE_STR];
    md_date_format(fx.wed, wed);
    md_date_format(fx.wed + 7, next);
    md_date_format(fx.change, change);
    const api_var vars[] = {
        {"p", api.practitioner_id}, {"r", fx.room}, {"t", fx.pat}, {"wed", wed}, {"next", next},
        {"change", change}};
#define B "\"patient_id\":\"{t}\",\"practitioner_id\":\"{p}\",\"room_id\":\"{r}\","
    const api_case cases[] = {
        {"end before start", api.reception, "POST", "/api/v1/appointments",
         "{" B "\"kind\":\"review\",\"start_local\":\"{wed}T10:00\",\"end_local\":\"{wed}T09:30\"}",
         422, "unprocessable", "end_local", "not after"},
        {"in the past", api.reception, "POST", "/api/v1/appointments",
         "{" B "\"kind\":\"review\",\"start\":\"2021-03-01T10:00:00Z\"}", 422, "unprocessable",
         "start", "past"},
        {"outside the clinic's hours (lunch)", api.reception, "POST", "/api/v1/appointments",
         "{" B "\"kind\":\"review\",\"start_local\":\"{wed}T12:15\"}", 422, "unprocessable",
         "start", "08:00-12:00, 13:00-18:00"},
        {"running past closing", api.reception, "POST", "/api/v1/appointments",
         "{" B "\"kind\":\"review\",\"start_local\":\"{wed}T11:50\"}", 422, "unprocessable", "end",
         "08:00-12:00"},
        {"the practitioner is absent", api.reception, "POST", "/api/v1/appointments",
         "{" B "\"kind\":\"review\",\"start_local\":\"{next}T10:00\"}", 422, "unprocessable",
         "practitioner_id", "leave"},
        {"the skipped hour", api.reception, "POST", "/api/v1/appointments",
         "{" B "\"kind\":\"review\",\"start_local\":\"{change}T01:30\"}", 422, "unprocessable",
         "start_local", "does not exist"},
        {"unknown room", api.reception, "POST", "/api/v1/appointments",
         "{\"patient_id\":\"{t}\",\"practitioner_id\":\"{p}\",\"room_id\":"
         "\"0123456789abcdef0123456789abcdef\",\"kind\":\"review\",\"start_local\":"
         "\"{wed}T10:00\"}",
         404, "not_found", "room_id", NULL},
        {"unknown patient", api.reception, "POST", "/api/v1/appointments",
         "{\"patient_id\":\"0123456789abcdef0123456789abcdef\",\"practitioner_id\":\"{p}\","
         "\"room_id\":\"{r}\",\"kind\":\"review\",\"start_local\":\"{wed}T10:00\"}",
         404, "not_found", "patient_id", NULL},
        {"unknown practitioner", api.reception, "POST", "/api/v1/appointments",
         "{\"patient_id\":\"{t}\",\"practitioner_id\":\"0123456789abcdef0123456789abcdef\","
         "\"room_id\":\"{r}\",\"kind\":\"review\",\"start_local\":\"{wed}T10:00\"}",
         404, "not_found", "practitioner_id", NULL},
        {"unknown kind", api.reception, "POST", "/api/v1/appointments",
         "{" B "\"kind\":\"facial\",\"start_local\":\"{wed}T10:00\"}", 422, "unprocessable", "kind",
         NULL},
        {"start and start_local", api.reception, "POST", "/api/v1/appointments",
         "{" B "\"kind\":\"review\",\"start_local\":\"{wed}T10:00\",\"start\":"
         "\"2030-01-01T10:00:00Z\"}",
         400, "invalid", "start_local", NULL},
        {"a day that is no date", api.reception, "GET", "/api/v1/appointments?date=2027-02-30",
         NULL, 422, "unprocessable", "date", NULL},
        {"a list without its day", api.reception, "GET", "/api/v1/appointments", NULL, 400,
         "invalid", "date", NULL},
        {"reception sets no hours", api.reception, "PUT", "/api/v1/schedule/hours",
         "{\"weekly\":{}}", 403, "forbidden", NULL, NULL},
        {"reception adds no room", api.reception, "POST", "/api/v1/rooms", "{\"name\":\"X\"}", 403,
         "forbidden", NULL, NULL},
        {"hours with a bad interval", api.admin, "PUT", "/api/v1/schedule/hours",
         "{\"weekly\":{\"mon\":[{\"from\":\"18:00\",\"to\":\"08:00\"}]}}", 422, "unprocessable",
         "weekly", NULL},
        {"the auditor books nothing", api.auditor, "POST", "/api/v1/appointments",
         "{" B "\"kind\":\"review\",\"start_local\":\"{wed}T10:00\"}", 403, "forbidden", NULL,
         NULL},
        {"an appointment that is not", api.reception, "POST",
         "/api/v1/appointments/0123456789abcdef0123456789abcdef/cancel", "{\"reason\":\"x\"}", 404,
         "not_found", "id", NULL},
    };
#undef B
    api_run_cases(cases, sizeof cases / sizeof cases[0], vars, sizeof vars / sizeof vars[0]);
}

static void double_bookings_are_refused(void **state)
{
    (void)state;
    setup_schedule();
    json_t *a =
        api_ok(api.reception, "POST",
               booking(api.practitioner_id, fx.room, fx.pat, "review", at(fx.wed, "14:00"), 60),
               201, "/api/v1/appointments");
    const char *msg =
        api_err(api.reception, "POST",
                booking(api.practitioner_id, fx.room2, fx.pat2, "review", at(fx.wed, "14:30"), 30),
                409, "conflict", "practitioner_id", "/api/v1/appointments");
    assert_non_null(strstr(msg, api_str(a, "id")));
    msg = api_err(api.reception, "POST",
                  booking(api.admin_id, fx.room, fx.pat2, "review", at(fx.wed, "13:30"), 60), 409,
                  "conflict", "room_id", "/api/v1/appointments");
    assert_non_null(strstr(msg, api_str(a, "id")));
    json_decref(a);
}

static void an_expired_licence_cannot_be_booked_for_a_treatment(void **state)
{
    (void)state;
    setup_schedule();
    const char *msg =
        api_err(api.reception, "POST",
                booking(api.admin_id, fx.room2, fx.pat, "treatment", at(fx.wed + 2, "09:00"), 45),
                409, "conflict", "practitioner_id", "/api/v1/appointments");
    assert_non_null(strstr(msg, "expired"));
    /* A consultation needs no licence; a treatment by the licensed practitioner books. */
    json_decref(
        api_ok(api.reception, "POST",
               booking(api.admin_id, fx.room2, fx.pat, "consultation", at(fx.wed + 2, "09:00"), 30),
               201, "/api/v1/appointments"));
    json_decref(api_ok(
        api.reception, "POST",
        booking(api.practitioner_id, fx.room, fx.pat, "treatment", at(fx.wed + 2, "09:00"), 45),
        201, "/api/v1/appointments"));
}

static void concurrent_requests_for_one_slot_one_wins(void **state)
{
    (void)state;
    setup_schedule();
    enum { N = 12 };
    api_racer r[N];
    pthread_t th[N];
    char bodies[N][512];
    for (int i = 0; i < N; i++) {
        /* All in one room, half of them with the practitioner and half with the admin:
         * the losers conflict on the practitioner or on the room. */
        snprintf(bodies[i], sizeof bodies[i], "%s",
                 booking(i % 2 ? api.admin_id : api.practitioner_id, fx.room, fx.pat2, "review",
                         at(fx.wed, "16:00"), 30));
        r[i] = (api_racer){.method = "POST",
                           .path = "/api/v1/appointments",
                           .token = api.reception,
                           .body = bodies[i]};
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_create(&th[i], NULL, api_race, &r[i]), 0);
    int won = 0, lost = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (r[i].status == 201) won++;
        if (r[i].status == 409 &&
            (!strcmp(r[i].field, "practitioner_id") || !strcmp(r[i].field, "room_id")))
            lost++;
    }
    assert_int_equal(won, 1);
    assert_int_equal(lost, N - 1);
}

static void moves_are_versions_with_who_and_when(void **state)
{
    (void)state;
    setup_schedule();
    json_t *a =
        api_ok(api.reception, "POST",
               booking(api.practitioner_id, fx.room, fx.pat, "review", at(fx.wed + 1, "09:00"), 20),
               201, "/api/v1/appointments");
    const char *id = api_str(a, "id");
    api_err(api.reception, "POST", "{}", 400, "invalid", "reason", "/api/v1/appointments/%s/cancel",
            id);
    api_err(api.reception, "POST", NULL, 409, "conflict", "status",
            "/api/v1/appointments/%s/complete", id);
    char body[160];
    snprintf(body, sizeof body, "{\"start_local\":\"%s\",\"reason\":\"asked\"}",
             at(fx.wed + 1, "10:00"));
    json_t *m = api_ok(api.reception, "POST", body, 200, "/api/v1/appointments/%s/reschedule", id);
    assert_non_null(strstr(api_str(m, "end_local"), "T10:20:00"));
    json_decref(m);
    json_decref(api_ok(api.reception, "POST", NULL, 200, "/api/v1/appointments/%s/arrive", id));
    json_decref(
        api_ok(api.practitioner, "POST", NULL, 200, "/api/v1/appointments/%s/complete", id));
    json_t *h = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/appointments/%s/history", id);
    json_t *v = json_object_get(h, "versions");
    assert_int_equal(json_array_size(v), 4);
    assert_string_equal(api_str(json_array_get(v, 1), "reason"), "asked");
    assert_string_equal(api_str(json_array_get(v, 1), "recorded_by"), api.reception_id);
    assert_string_equal(api_str(json_array_get(v, 3), "status"), "completed");
    assert_string_equal(api_str(json_array_get(v, 3), "recorded_by"), api.practitioner_id);
    json_decref(h);
    json_decref(a);
    /* A no-show, and a cancel with its reason. */
    a = api_ok(api.reception, "POST",
               booking(api.practitioner_id, fx.room, fx.pat, "review", at(fx.wed + 1, "11:00"), 20),
               201, "/api/v1/appointments");
    m = api_ok(api.reception, "POST", NULL, 200, "/api/v1/appointments/%s/no-show",
               api_str(a, "id"));
    assert_string_equal(api_str(m, "status"), "no_show");
    json_decref(m);
    json_decref(a);
}

/* Run python3-icalendar on text: one line per VEVENT "UID SEQUENCE STATUS LOCAL-START". */
static void parse_ics(const char *text, char *out, size_t outsz)
{
    char path[320], log[320];
    snprintf(path, sizeof path, "%s/day.ics", api.srv.dir);
    snprintf(log, sizeof log, "%s/python.log", api.srv.dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    const char *script = "import sys, icalendar, zoneinfo\n"
                         "cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n"
                         "assert cal.get('version') == '2.0'\n"
                         "z = zoneinfo.ZoneInfo(str(cal.get('x-wr-timezone')))\n"
                         "for e in cal.walk('VEVENT'):\n"
                         "    d = e.get('dtstart').dt\n"
                         "    s = d.astimezone(z).strftime('%Y-%m-%dT%H:%M%z') if hasattr(d, "
                         "'hour') else d.isoformat()\n"
                         "    print(e.get('uid'), int(e.get('sequence')), e.get('status'), s)\n";
    char *const argv[] = {"/usr/bin/python3", "-c", (char *)script, path, NULL};
    int st = api_run_cmd(argv, NULL, out, outsz, log);
    if (st != 0) {
        fprintf(stderr, "python3-icalendar failed on:\n%s\n", text);
        fail();
    }
}

/* GET path (an .ics) as reception: 200, its events as parse_ics prints them. */
static void ics_events(const char *path, char *out, size_t outsz)
{
    api_req q = {.method = "GET", .path = path, .token = api.reception};
    api_res res;
    api_send(NULL, &q, &res);
    assert_int_equal(res.status, 200);
    parse_ics(res.text, out, outsz);
    api_res_free(&res);
}

static void the_day_calendar_parses_across_the_clock_change(void **state)
{
    (void)state;
    setup_schedule();
    /* Sundays at 10:00: the one before the change (GMT), the change day and the one after
     * (BST). */
    md_day days[3] = {fx.change - 7, fx.change, fx.change + 7};
    char ids[3][MD_ID_STR];
    for (int i = 0; i < 3; i++) {
        json_t *a = api_ok(
            api.reception, "POST",
            booking(api.practitioner_id, fx.room, fx.pat, "treatment", at(days[i], "10:00"), 45),
            201, "/api/v1/appointments");
        md_strlcpy(ids[i], api_str(a, "id"), sizeof ids[i]);
        assert_non_null(strstr(api_str(a, "start"), i == 0 ? "T10:00:00Z" : "T09:00:00Z"));
        json_decref(a);
    }
    json_decref(api_ok(api.reception, "POST", "{\"reason\":\"ill\"}", 200,
                       "/api/v1/appointments/%s/cancel", ids[2]));
    for (int i = 0; i < 3; i++) {
        char date[MD_DATE_STR], out[4096], want[200];
        md_date_format(days[i], date);
        char path[200];
        snprintf(path, sizeof path, "/api/v1/staff/%s/day.ics?date=%s", api.practitioner_id, date);
        ics_events(path, out, sizeof out);
        snprintf(want, sizeof want, "%s@mesodesk %d %s %sT10:00%s", ids[i], i == 2 ? 1 : 0,
                 i == 2 ? "CANCELLED" : "CONFIRMED", date, i == 0 ? "+0000" : "+0100");
        if (!strstr(out, want)) fprintf(stderr, "want %s in:\n%s\n", want, out);
        assert_non_null(strstr(out, want));
        /* One event: each appointment on its own local day. */
        assert_null(strchr(strchr(out, '\n') + 1, '@'));
    }
    api_err(api.reception, "GET", NULL, 400, "invalid", "date", "/api/v1/staff/%s/day.ics",
            api.practitioner_id);
}

static json_t *course_session(json_t *course, int seq)
{
    return json_array_get(json_object_get(json_object_get(course, "plan"), "sessions"),
                          (size_t)seq - 1);
}

static md_day day_of(const char *s)
{
    md_day d = 0;
    assert_int_equal(md_date_parse(s, &d), 0);
    return d;
}

static char *course_booking(const char *pract, const char *patient, const char *course, int seq,
                            const char *start_local, const char *override)
{
    static char buf[2][768];
    static int n;
    char *b = buf[n++ % 2];
    snprintf(b, 768,
             "{\"patient_id\":\"%s\",\"practitioner_id\":\"%s\",\"room_id\":\"%s\","
             "\"kind\":\"treatment\",\"start_local\":\"%s\",\"course_id\":\"%s\","
             "\"course_session\":%d%s%s%s}",
             patient, pract, fx.room2, start_local, course, seq,
             override ? ",\"window_override_reason\":\"" : "", override ? override : "",
             override ? "\"" : "");
    return b;
}

static void a_course_is_booked_inside_its_windows_or_overridden_by_a_practitioner(void **state)
{
    (void)state;
    setup_schedule();
    char pid[MD_ID_STR], fid[MD_ID_STR], body[512], start[MD_DATE_STR];
    api_patient_with_formulation("Dee", pid, fid);
    md_date_format(fx.wed + 19, start); /* a Monday */
    snprintf(body, sizeof body,
             "{\"protocol\":\"facial_rejuvenation\",\"formulation_id\":\"%s\",\"start\":"
             "\"%s\"}",
             fid, start);
    json_t *c = api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/courses", pid);
    const char *cid = api_str(c, "id");
    md_day t1 = day_of(api_str(course_session(c, 1), "target"));
    md_day e2 = day_of(api_str(course_session(c, 2), "earliest"));
    while (weekday(t1) > 4)
        t1++; /* the fixture's clinic opens on weekdays (and Sundays) */
    /* Session 1 inside its window, by reception: the course's session length. */
    json_t *a1 = api_ok(api.reception, "POST",
                        course_booking(api.practitioner_id, pid, cid, 1, at(t1, "09:00"), NULL),
                        201, "/api/v1/appointments");
    assert_int_equal(api_int(a1, "course_session"), 1);
    assert_true(json_is_null(json_object_get(a1, "window_override")));
    /* Session 2 before its window: refused with the window; reception cannot override. */
    md_day early = e2 - 2;
    while (weekday(early) > 4)
        early--;
    const char *msg =
        api_err(api.reception, "POST",
                course_booking(api.practitioner_id, pid, cid, 2, at(early, "09:00"), NULL), 409,
                "conflict", "start", "/api/v1/appointments");
    assert_non_null(strstr(msg, api_str(course_session(c, 2), "earliest")));
    assert_non_null(strstr(msg, "before"));
    api_err(api.reception, "POST",
            course_booking(api.practitioner_id, pid, cid, 2, at(early, "09:00"), "patient travels"),
            403, "forbidden", "window_override_reason", "/api/v1/appointments");
    /* An override needs a written reason: an empty or blank one is no reason. */
    api_err(api.practitioner, "POST",
            course_booking(api.practitioner_id, pid, cid, 2, at(early, "09:00"), ""), 422,
            "unprocessable", "window_override_reason", "/api/v1/appointments");
    api_err(api.practitioner, "POST",
            course_booking(api.practitioner_id, pid, cid, 2, at(early, "09:00"), "   "), 422,
            "unprocessable", "window_override_reason", "/api/v1/appointments");
    json_t *a2 = api_ok(
        api.practitioner, "POST",
        course_booking(api.practitioner_id, pid, cid, 2, at(early, "09:00"), "patient travels"),
        201, "/api/v1/appointments");
    json_t *ov = json_object_get(a2, "window_override");
    assert_string_equal(api_str(ov, "reason"), "patient travels");
    assert_string_equal(api_str(ov, "by"), api.practitioner_id);
    /* One live appointment per session. */
    msg = api_err(api.practitioner, "POST",
                  course_booking(api.practitioner_id, pid, cid, 2, at(early, "14:00"), "again"),
                  409, "conflict", "course_session", "/api/v1/appointments");
    assert_non_null(strstr(msg, api_str(a2, "id")));
    /* The override is in the audit trail. */
    json_t *audit =
        api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?object_id=%s", api_str(a2, "id"));
    char *dumped = json_dumps(audit, 0);
    assert_non_null(dumped);
    assert_non_null(strstr(dumped, "window_override"));
    free(dumped);
    json_decref(audit);
    /* Unknown course, a session that is none, another patient's course. */
    api_err(api.reception, "POST",
            course_booking(api.practitioner_id, pid, "0123456789abcdef0123456789abcdef", 1,
                           at(t1, "11:00"), NULL),
            404, "not_found", "course_id", "/api/v1/appointments");
    api_err(api.reception, "POST",
            course_booking(api.practitioner_id, pid, cid, 99, at(t1, "11:00"), NULL), 422,
            "unprocessable", "course_session", "/api/v1/appointments");
    api_err(api.reception, "POST",
            course_booking(api.practitioner_id, fx.pat, cid, 3, at(t1, "11:00"), NULL), 422,
            "unprocessable", "course_id", "/api/v1/appointments");
    /* The course's calendar: both appointments, and the windows of sessions not booked. */
    char path[200], out[8192];
    snprintf(path, sizeof path, "/api/v1/courses/%s/calendar.ics", cid);
    ics_events(path, out, sizeof out);
    char want[120];
    snprintf(want, sizeof want, "%s@mesodesk 0 CONFIRMED", api_str(a1, "id"));
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "%s-3@mesodesk 0 TENTATIVE", cid);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "%s-1@mesodesk", cid);
    assert_null(strstr(out, want)); /* booked: no window event */
    /* Completing session 1 marks it done in the course, in the same transaction. */
    json_decref(api_ok(api.reception, "POST", NULL, 200, "/api/v1/appointments/%s/arrive",
                       api_str(a1, "id")));
    json_decref(api_ok(api.practitioner, "POST", NULL, 200, "/api/v1/appointments/%s/complete",
                       api_str(a1, "id")));
    json_t *c2 = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/courses/%s", cid);
    assert_string_equal(api_str(course_session(c2, 1), "appointment_id"), api_str(a1, "id"));
    assert_string_equal(api_str(c2, "state"), "active");
    json_decref(c2);
    /* A done session takes no second booking. */
    api_err(api.reception, "POST",
            course_booking(api.practitioner_id, pid, cid, 1, at(t1, "13:00"), NULL), 409,
            "conflict", "course_session", "/api/v1/appointments");
    json_decref(a1);
    json_decref(a2);
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reception_books_and_everyone_reads_it_in_utc_and_local_time),
        cmocka_unit_test(bad_bookings_are_4xx_naming_the_field),
        cmocka_unit_test(double_bookings_are_refused),
        cmocka_unit_test(an_expired_licence_cannot_be_booked_for_a_treatment),
        cmocka_unit_test(concurrent_requests_for_one_slot_one_wins),
        cmocka_unit_test(moves_are_versions_with_who_and_when),
        cmocka_unit_test(the_day_calendar_parses_across_the_clock_change),
        cmocka_unit_test(a_course_is_booked_inside_its_windows_or_overridden_by_a_practitioner),
    };
    return cmocka_run_group_tests_name("api.bookings", tests, api_setup, api_teardown);
}
