/* Appointments (booking.c) with the clinic's hours, rooms and availability (availability.c):
 * stored in UTC and shown in the clinic's zone across a clock change, every check of a
 * booking naming its field, conflicts by an index range inside the write (one of two
 * concurrent bookings wins), the state machine with who and when. */
#include "unit_db.h"

#include "mesodesk/booking.h"
#include "mesodesk/record.h"
#include "mesodesk/staff.h"
#include "mesodesk/tz.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

typedef struct fixture {
    unit_db *u;
    char pract[MD_ID_STR], pract2[MD_ID_STR], reception[MD_ID_STR];
    char room[MD_ID_STR], room2[MD_ID_STR];
    char pat[MD_ID_STR], pat2[MD_ID_STR];
    md_day wed;    /* a Wednesday 8 to 14 days ahead */
    md_day change; /* the next March change in Europe/London more than a month ahead */
} fixture;

static const char *id_of(json_t *o)
{
    return json_string_value(json_object_get(o, "id"));
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int weekday(md_day d)
{
    return (int)(((d % 7) + 7 + 3) % 7); /* 0 Monday */
}

static void staff(fixture *f, const char *email, const char *role, char *id)
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s}", "email", email, "display_name", email, "role",
                           role, "licence_number", "GMC-1", "licence_expiry", "2099-01-01"),
           *out = NULL;
    assert_int_equal(md_staff_create(&f->u->ctx, in, "a long enough password 1", &out, &err),
                     MD_OK);
    md_strlcpy(id, id_of(out), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

static void record(fixture *f, const md_record_kind *k, json_t *in, char *id)
{
    md_err err;
    json_t *out = NULL;
    md_code rc = md_record_create(&f->u->ctx, k, NULL, in, &out, &err);
    if (rc != MD_OK) fprintf(stderr, "%s: %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    if (id) md_strlcpy(id, id_of(out), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

static void hours(fixture *f, json_t *weekly, json_t *closures)
{
    md_err err;
    json_t *in = json_pack("{s:o}", "weekly", weekly), *out = NULL;
    if (closures) json_object_set_new(in, "closures", closures);
    md_code rc = md_hours_put(&f->u->ctx, in, &out, &err);
    if (rc != MD_OK) fprintf(stderr, "%s: %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    json_decref(in);
    json_decref(out);
}

static json_t *every_day(const char *from, const char *to)
{
    json_t *w = json_object();
    const char *days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (int i = 0; i < 7; i++)
        json_object_set_new(w, days[i], json_pack("[{s:s,s:s}]", "from", from, "to", to));
    return w;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    unit_db_setup((void **)&f->u);
    staff(f, "dr.a@example.org", "practitioner", f->pract);
    staff(f, "dr.b@example.org", "practitioner", f->pract2);
    staff(f, "desk@example.org", "reception", f->reception);
    record(f, &md_kind_room, json_pack("{s:s}", "name", "Room 1"), f->room);
    record(f, &md_kind_room, json_pack("{s:s}", "name", "Room 2"), f->room2);
    const char *names[2] = {"Ada", "Bea"};
    char *ids[2] = {f->pat, f->pat2};
    for (int i = 0; i < 2; i++)
        record(f, &md_kind_patient,
               json_pack("{s:s,s:s,s:s,s:s}", "given_name", names[i], "family_name", "Lovelace",
                         "birth_date", "1985-02-03", "sex", "female"),
               ids[i]);
    hours(f, every_day("08:00", "18:00"), NULL);
    md_day today = md_today_utc();
    f->wed = today + 8;
    while (weekday(f->wed) != 2)
        f->wed++;
    int y, m, d;
    md_date_to_ymd(today + 40, &y, &m, &d);
    if (m > 3) y++;
    f->change = md_date_from_ymd(y, 3, 31);
    while (weekday(f->change) != 6)
        f->change--;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unit_db_teardown((void **)&f->u);
    free(f);
    return 0;
}

/* "YYYY-MM-DDTHH:MM" of day + hh:mm. */
static const char *at(md_day day, const char *hhmm)
{
    static char buf[4][24];
    static int n;
    char date[MD_DATE_STR];
    md_date_format(day, date);
    char *b = buf[n++ % 4];
    snprintf(b, 24, "%sT%s", date, hhmm);
    return b;
}

static md_code book(fixture *f, const char *pract, const char *room, const char *patient,
                    const char *start_local, int minutes, json_t **out, md_err *err)
{
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s}", "patient_id", patient, "practitioner_id", pract,
                           "room_id", room, "kind", "consultation", "start_local", start_local);
    if (minutes) json_object_set_new(in, "duration_minutes", json_integer(minutes));
    *out = NULL;
    memset(err, 0, sizeof *err);
    md_code rc = md_appointment_create(&f->u->ctx, in, out, err);
    json_decref(in);
    return rc;
}

static int64_t count_appointments(fixture *f)
{
    int64_t n = -1;
    md_err err;
    assert_int_equal(
        md_store_scalar_int(f->u->db, "SELECT count(*) FROM appointments", NULL, 0, &n, &err),
        MD_OK);
    return n;
}

static void a_booking_is_stored_in_utc_and_shown_in_the_clinics_time(void **state)
{
    fixture *f = *state;
    json_t *a = NULL;
    md_err err;
    /* 1 July: British Summer Time. */
    int y, m, d;
    md_date_to_ymd(f->change, &y, &m, &d);
    md_day july = md_date_from_ymd(y, 7, 1);
    assert_int_equal(book(f, f->pract, f->room, f->pat, at(july, "10:00"), 0, &a, &err), MD_OK);
    char want[32];
    snprintf(want, sizeof want, "%04d-07-01T09:00:00Z", y);
    assert_string_equal(str(a, "start"), want);
    snprintf(want, sizeof want, "%04d-07-01T09:30:00Z", y); /* a consultation: 30 minutes */
    assert_string_equal(str(a, "end"), want);
    snprintf(want, sizeof want, "%04d-07-01T10:00:00+01:00", y);
    assert_string_equal(str(a, "start_local"), want);
    assert_string_equal(str(a, "time_zone"), "Europe/London");
    assert_string_equal(str(a, "status"), "booked");
    assert_true(json_is_null(json_object_get(a, "window_override")));
    assert_null(json_object_get(a, "start_at"));
    json_t *again = NULL;
    assert_int_equal(md_appointment_get(&f->u->ctx, id_of(a), &again, &err), MD_OK);
    assert_string_equal(str(again, "start_local"), str(a, "start_local"));
    assert_string_equal(str(again, "recorded_by"), f->u->ctx.who.staff_id);
    json_decref(again);
    /* A UTC start gives the same appointment. */
    json_decref(a);
}

typedef struct bad_case {
    const char *body; /* JSON with @P@ (practitioner), @R@ (room), @T@ (patient), @D@ (day) */
    md_code code;
    const char *field;
    const char *words; /* in the message, or NULL */
} bad_case;

static json_t *fill(fixture *f, const char *tmpl, md_day day)
{
    char buf[1024], date[MD_DATE_STR];
    size_t o = 0;
    md_date_format(day, date);
    for (const char *p = tmpl; *p && o < sizeof buf - 40; p++) {
        if (p[0] == '@' && p[2] == '@') {
            const char *v = p[1] == 'P'   ? f->pract
                            : p[1] == 'R' ? f->room
                            : p[1] == 'T' ? f->pat
                                          : date;
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s", v);
            p += 2;
        } else {
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
    json_error_t je;
    json_t *j = json_loads(buf, 0, &je);
    if (!j) fprintf(stderr, "bad test JSON %s: %s\n", buf, je.text);
    assert_non_null(j);
    return j;
}

#define BASE "\"patient_id\":\"@T@\",\"practitioner_id\":\"@P@\",\"room_id\":\"@R@\","

static void bad_bookings_name_their_field_and_store_nothing(void **state)
{
    fixture *f = *state;
    const bad_case cases[] = {
        {"{" BASE "\"kind\":\"review\",\"start_local\":\"@D@T10:00\",\"end_local\":\"@D@T09:00\"}",
         MD_EUNPROCESSABLE, "end_local", "not after"},
        {"{" BASE "\"kind\":\"review\",\"start\":\"2020-01-01T10:00:00Z\"}", MD_EUNPROCESSABLE,
         "start", "past"},
        {"{" BASE "\"kind\":\"review\",\"start_local\":\"@D@T07:00\"}", MD_EUNPROCESSABLE, "start",
         "08:00-18:00"},
        {"{" BASE "\"kind\":\"review\",\"start_local\":\"@D@T17:50\"}", MD_EUNPROCESSABLE, "end",
         "08:00-18:00"},
        {"{" BASE "\"kind\":\"review\",\"start_local\":\"@D@T10:00\",\"duration_minutes\":481}",
         MD_EUNPROCESSABLE, "duration_minutes", NULL},
        {"{" BASE "\"kind\":\"massage\",\"start_local\":\"@D@T10:00\"}", MD_EUNPROCESSABLE, "kind",
         NULL},
        {"{" BASE "\"kind\":\"review\",\"start_local\":\"@D@ 10:00\"}", MD_EINVAL, "start_local",
         NULL},
        {"{" BASE "\"kind\":\"review\"}", MD_EINVAL, "start", NULL},
        {"{" BASE "\"kind\":\"review\",\"start_local\":\"@D@T10:00\",\"colour\":\"red\"}",
         MD_EINVAL, "colour", NULL},
        {"{\"patient_id\":\"@T@\",\"practitioner_id\":\"@P@\",\"room_id\":"
         "\"00000000000000000000000000000000\",\"kind\":\"review\",\"start_local\":\"@D@T10:00\"}",
         MD_ENOTFOUND, "room_id", NULL},
        {"{\"patient_id\":\"00000000000000000000000000000000\",\"practitioner_id\":\"@P@\","
         "\"room_id\":\"@R@\",\"kind\":\"review\",\"start_local\":\"@D@T10:00\"}",
         MD_ENOTFOUND, "patient_id", NULL},
        {"{\"patient_id\":\"@T@\",\"practitioner_id\":\"00000000000000000000000000000000\","
         "\"room_id\":\"@R@\",\"kind\":\"review\",\"start_local\":\"@D@T10:00\"}",
         MD_ENOTFOUND, "practitioner_id", NULL},
        {"{" BASE "\"kind\":\"review\",\"start_local\":\"@D@T10:00\",\"course_id\":\"x\"}",
         MD_EINVAL, "course_session", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *in = fill(f, cases[i].body, f->wed), *out = NULL;
        md_err err;
        memset(&err, 0, sizeof err);
        md_code rc = md_appointment_create(&f->u->ctx, in, &out, &err);
        if (rc != cases[i].code || strcmp(err.field, cases[i].field) != 0)
            fprintf(stderr, "case %zu: %d %s %s\n", i, rc, err.field, err.message);
        assert_int_equal(rc, cases[i].code);
        assert_string_equal(err.field, cases[i].field);
        if (cases[i].words) assert_non_null(strstr(err.message, cases[i].words));
        assert_null(out);
        json_decref(in);
    }
    /* The hour skipped when the clocks go forward. */
    json_t *in = fill(f, "{" BASE "\"kind\":\"review\",\"start_local\":\"@D@T01:30\"}", f->change);
    json_t *out = NULL;
    md_err err;
    hours(f, every_day("00:00", "24:00"), NULL);
    assert_int_equal(md_appointment_create(&f->u->ctx, in, &out, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "start_local");
    assert_non_null(strstr(err.message, "does not exist"));
    json_decref(in);
    /* A closure, with its reason. */
    char date[MD_DATE_STR];
    md_date_format(f->wed, date);
    hours(f, every_day("08:00", "18:00"),
          json_pack("[{s:s,s:s}]", "date", date, "reason", "audit"));
    in = fill(f, "{" BASE "\"kind\":\"review\",\"start_local\":\"@D@T10:00\"}", f->wed);
    assert_int_equal(md_appointment_create(&f->u->ctx, in, &out, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "start");
    assert_non_null(strstr(err.message, "closed"));
    json_decref(in);
    assert_int_equal(count_appointments(f), 0);
}

static void the_practitioners_availability_and_absences(void **state)
{
    fixture *f = *state;
    md_err err;
    json_t *a = NULL, *out = NULL;
    /* Before anything is recorded, the clinic's hours are the limit. */
    assert_int_equal(book(f, f->pract, f->room, f->pat, at(f->wed, "16:00"), 0, &a, &err), MD_OK);
    json_decref(a);
    json_t *in =
        json_pack("{s:{s:[{s:s,s:s}]},s:[{s:s,s:s,s:s,s:s},{s:s,s:s,s:s}]}", "weekly", "wed",
                  "from", "09:00", "to", "13:00", "exceptions", "kind", "absent", "from",
                  at(f->wed + 7, "00:00"), "to", at(f->wed + 8, "00:00"), "reason", "training",
                  "kind", "extra", "from", at(f->wed, "14:00"), "to", at(f->wed, "15:00"));
    assert_int_equal(md_availability_put(&f->u->ctx, f->pract, in, &out, &err), MD_OK);
    json_decref(in);
    json_decref(out);
    /* Inside the pattern; inside an extra; outside both; on a day of absence. */
    assert_int_equal(book(f, f->pract, f->room, f->pat, at(f->wed, "09:00"), 0, &a, &err), MD_OK);
    json_decref(a);
    assert_int_equal(book(f, f->pract, f->room, f->pat, at(f->wed, "14:00"), 60, &a, &err), MD_OK);
    json_decref(a);
    assert_int_equal(book(f, f->pract, f->room, f->pat, at(f->wed, "15:00"), 0, &a, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "practitioner_id");
    assert_non_null(strstr(err.message, "09:00-13:00"));
    assert_int_equal(book(f, f->pract, f->room, f->pat, at(f->wed + 7, "10:00"), 0, &a, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "practitioner_id");
    assert_non_null(strstr(err.message, "absent"));
    assert_non_null(strstr(err.message, "training"));
    /* The other practitioner recorded nothing: the clinic's hours. */
    assert_int_equal(book(f, f->pract2, f->room2, f->pat, at(f->wed + 7, "10:00"), 0, &a, &err),
                     MD_OK);
    json_decref(a);
    /* Availability of someone who is not a practitioner; a bad pattern. */
    in = json_pack("{s:{}}", "weekly");
    assert_int_equal(md_availability_put(&f->u->ctx, f->reception, in, &out, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "practitioner_id");
    json_decref(in);
    in = json_pack("{s:{s:[{s:s,s:s}]}}", "weekly", "wed", "from", "13:00", "to", "09:00");
    assert_int_equal(md_availability_put(&f->u->ctx, f->pract, in, &out, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "weekly");
    json_decref(in);
    in = json_pack("{s:{s:[{s:s,s:s}]}}", "weekly", "someday", "from", "09:00", "to", "13:00");
    assert_int_equal(md_availability_put(&f->u->ctx, f->pract, in, &out, &err), MD_EINVAL);
    assert_string_equal(err.field, "weekly");
    json_decref(in);
    /* One current record per practitioner, the change a new version. */
    assert_int_equal(md_availability_get(&f->u->ctx, f->pract, &out, &err), MD_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 1);
    json_decref(out);
}

static void conflicts_are_refused_naming_the_practitioner_or_the_room(void **state)
{
    fixture *f = *state;
    md_err err;
    json_t *a = NULL, *b = NULL;
    assert_int_equal(book(f, f->pract, f->room, f->pat, at(f->wed, "10:00"), 60, &a, &err), MD_OK);
    /* Same practitioner, other room, overlapping. */
    assert_int_equal(book(f, f->pract, f->room2, f->pat2, at(f->wed, "10:30"), 0, &b, &err),
                     MD_ECONFLICT);
    assert_string_equal(err.field, "practitioner_id");
    assert_non_null(strstr(err.message, id_of(a)));
    /* Other practitioner, same room, overlapping from before. */
    assert_int_equal(book(f, f->pract2, f->room, f->pat2, at(f->wed, "09:30"), 45, &b, &err),
                     MD_ECONFLICT);
    assert_string_equal(err.field, "room_id");
    assert_non_null(strstr(err.message, id_of(a)));
    /* Back to back is no conflict. */
    assert_int_equal(book(f, f->pract, f->room, f->pat2, at(f->wed, "11:00"), 0, &b, &err), MD_OK);
    json_decref(b);
    assert_int_equal(book(f, f->pract, f->room, f->pat2, at(f->wed, "09:30"), 30, &b, &err), MD_OK);
    json_decref(b);
    /* A cancelled appointment holds no slot. */
    json_t *why = json_pack("{s:s}", "reason", "patient called"), *c = NULL;
    assert_int_equal(md_appointment_move(&f->u->ctx, id_of(a), "cancel", why, &c, &err), MD_OK);
    json_decref(why);
    json_decref(c);
    assert_int_equal(book(f, f->pract2, f->room, f->pat2, at(f->wed, "10:15"), 30, &b, &err),
                     MD_OK);
    json_decref(b);
    json_decref(a);
}

static int plan_row(void *ctx, const md_row *r)
{
    json_array_append_new(ctx, json_string(md_row_text(r, 3)));
    return 0;
}

static void the_conflict_probe_is_an_index_range(void **state)
{
    fixture *f = *state;
    if (pg_harness_active()) skip();
    for (int room = 0; room < 2; room++) {
        char sql[1024];
        md_err err;
        json_t *plan = json_array();
        snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", md_appointment_conflict_sql(room));
        md_val v[] = {md_text("c"), md_text("p"), md_text("a"),
                      md_text("b"), md_text("c"), md_text("")};
        assert_int_equal(md_store_exec(f->u->db, sql, v, 6, plan_row, plan, &err), MD_OK);
        char *text = json_dumps(plan, 0);
        fprintf(stderr, "conflict probe (%s): %s\n", room ? "room" : "practitioner", text);
        assert_non_null(strstr(text, room ? "USING INDEX appointments_room (clinic_id=? AND "
                                            "room_id=? AND start_at>? AND start_at<?)"
                                          : "USING INDEX appointments_practitioner (clinic_id=? "
                                            "AND practitioner_id=? AND start_at>? AND "
                                            "start_at<?)"));
        assert_null(strstr(text, "SCAN"));
        free(text);
        json_decref(plan);
    }
}

static void moves_follow_the_state_machine_with_who_and_when(void **state)
{
    fixture *f = *state;
    md_err err;
    json_t *a = NULL, *o = NULL, *why = json_object();
    assert_int_equal(book(f, f->pract, f->room, f->pat, at(f->wed, "10:00"), 0, &a, &err), MD_OK);
    const char *id = id_of(a);
    /* Complete before arrival, cancel without a reason: refused. */
    assert_int_equal(md_appointment_move(&f->u->ctx, id, "complete", why, &o, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "status");
    assert_int_equal(md_appointment_move(&f->u->ctx, id, "cancel", why, &o, &err), MD_EINVAL);
    assert_string_equal(err.field, "reason");
    assert_int_equal(md_appointment_move(&f->u->ctx, id, "dance", why, &o, &err), MD_ENOTFOUND);
    /* Reschedule: every check again (hours), then an hour later. */
    json_t *to = json_pack("{s:s}", "start_local", at(f->wed, "20:00"));
    assert_int_equal(md_appointment_move(&f->u->ctx, id, "reschedule", to, &o, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "start");
    json_decref(to);
    to = json_pack("{s:s,s:s}", "start_local", at(f->wed, "11:00"), "reason", "patient asked");
    assert_int_equal(md_appointment_move(&f->u->ctx, id, "reschedule", to, &o, &err), MD_OK);
    json_decref(to);
    assert_int_equal(json_integer_value(json_object_get(o, "version")), 2);
    assert_string_equal(str(o, "reason"), "patient asked");
    assert_non_null(strstr(str(o, "start_local"), "T11:00:00"));
    assert_non_null(strstr(str(o, "end_local"), "T11:30:00")); /* the length kept */
    json_decref(o);
    /* Its old slot is free, the new one taken, by itself no conflict. */
    json_t *b = NULL;
    assert_int_equal(book(f, f->pract, f->room, f->pat2, at(f->wed, "10:00"), 0, &b, &err), MD_OK);
    json_decref(b);
    to = json_pack("{s:s}", "start_local", at(f->wed, "11:10"));
    assert_int_equal(md_appointment_move(&f->u->ctx, id, "reschedule", to, &o, &err), MD_OK);
    json_decref(to);
    json_decref(o);
    assert_int_equal(md_appointment_move(&f->u->ctx, id, "arrive", why, &o, &err), MD_OK);
    assert_string_equal(str(o, "status"), "arrived");
    json_decref(o);
    assert_int_equal(md_appointment_move(&f->u->ctx, id, "no_show", why, &o, &err), MD_ECONFLICT);
    assert_int_equal(md_appointment_move(&f->u->ctx, id, "complete", why, &o, &err), MD_OK);
    assert_string_equal(str(o, "status"), "completed");
    json_decref(o);
    json_t *r = json_pack("{s:s}", "reason", "x");
    assert_int_equal(md_appointment_move(&f->u->ctx, id, "cancel", r, &o, &err), MD_ECONFLICT);
    json_decref(r);
    /* Stale version. */
    assert_int_equal(book(f, f->pract2, f->room2, f->pat2, at(f->wed, "15:00"), 0, &b, &err),
                     MD_OK);
    r = json_pack("{s:i}", "version", 5);
    assert_int_equal(md_appointment_move(&f->u->ctx, id_of(b), "no_show", r, &o, &err),
                     MD_ECONFLICT);
    assert_string_equal(err.field, "version");
    json_decref(r);
    assert_int_equal(md_appointment_move(&f->u->ctx, id_of(b), "no_show", why, &o, &err), MD_OK);
    assert_string_equal(str(o, "status"), "no_show");
    json_decref(o);
    json_decref(b);
    /* Every version with who and why. */
    assert_int_equal(md_appointment_history(&f->u->ctx, id, &o, &err), MD_OK);
    json_t *v = json_object_get(o, "versions");
    assert_int_equal(json_array_size(v), 5);
    const char *reasons[] = {"booked", "patient asked", "rescheduled", "arrived", "completed"};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(str(json_array_get(v, i), "reason"), reasons[i]);
        assert_string_equal(str(json_array_get(v, i), "recorded_by"), f->u->ctx.who.staff_id);
        assert_non_null(str(json_array_get(v, i), "start_local"));
    }
    json_decref(o);
    json_decref(a);
    json_decref(why);
}

/* Weekly sessions at 10:00 local around the clock change on day change (a Sunday): the
 * Thursday before, the change day, two Thursdays after.  before/after: the offsets in force,
 * in hours. */
static void weekly_at_ten_across(fixture *f, md_day change, int before, int after)
{
    md_err err;
    hours(f, every_day("08:00", "18:00"), NULL);
    md_day days[] = {change - 3, change, change + 4, change + 11};
    int64_t utc[4];
    for (int i = 0; i < 4; i++) {
        json_t *a = NULL;
        assert_int_equal(book(f, f->pract, f->room, f->pat, at(days[i], "10:00"), 0, &a, &err),
                         MD_OK);
        assert_int_equal(md_time_parse(str(a, "start"), &utc[i]), 0);
        char want[32], date[MD_DATE_STR];
        md_date_format(days[i], date);
        snprintf(want, sizeof want, "%sT10:00:00+%02d:00", date, i == 0 ? before : after);
        assert_string_equal(str(a, "start_local"), want);
        json_decref(a);
    }
    /* The UTC times differ by the change: 10:00 less the offset in force. */
    assert_int_equal(utc[0] % 86400, (10 - before) * 3600);
    for (int i = 1; i < 4; i++)
        assert_int_equal(utc[i] % 86400, (10 - after) * 3600);
    assert_int_equal(utc[2] - utc[0], 7 * 86400 - (after - before) * 3600);
    /* Each on its own local day, and on no other. */
    for (int i = 0; i < 4; i++) {
        json_t *day = NULL;
        assert_int_equal(md_appointments_of_day(&f->u->ctx, days[i], NULL, &day, &err), MD_OK);
        json_t *items = json_object_get(day, "items");
        assert_int_equal(json_array_size(items), 1);
        int64_t t;
        md_time_parse(str(json_array_get(items, 0), "start"), &t);
        assert_int_equal(t, utc[i]);
        json_decref(day);
        assert_int_equal(md_appointments_of_day(&f->u->ctx, days[i] + 1, NULL, &day, &err), MD_OK);
        assert_int_equal(json_array_size(json_object_get(day, "items")), 0);
        json_decref(day);
    }
    json_t *day = NULL;
    assert_int_equal(md_appointments_of_day(&f->u->ctx, days[1], f->pract2, &day, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(day, "items")), 0);
    json_decref(day);
}

static void weekly_sessions_at_ten_across_the_march_change(void **state)
{
    fixture *f = *state;
    weekly_at_ten_across(f, f->change, 0, 1);
}

static void weekly_sessions_at_ten_across_the_october_change(void **state)
{
    fixture *f = *state;
    /* The next last Sunday of October more than a month ahead. */
    int y, m, d;
    md_date_to_ymd(md_today_utc() + 40, &y, &m, &d);
    if (m > 10) y++;
    md_day oct = md_date_from_ymd(y, 10, 31);
    while (weekday(oct) != 6)
        oct--;
    weekly_at_ten_across(f, oct, 1, 0);
    /* The change day lasts 25 hours: 23:30 local is still that day. */
    json_t *a = NULL, *day = NULL;
    md_err err;
    hours(f, every_day("00:00", "24:00"), NULL);
    assert_int_equal(book(f, f->pract2, f->room2, f->pat2, at(oct, "23:30"), 0, &a, &err), MD_OK);
    assert_int_equal(md_appointments_of_day(&f->u->ctx, oct, f->pract2, &day, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(day, "items")), 1);
    json_decref(day);
    json_decref(a);
}

/* Two connections book the same slot at once: exactly one wins. */
typedef struct racer {
    fixture *f;
    const char *start;
    md_code rc;
    char field[64];
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    md_store *db = NULL;
    md_err err;
    if (md_store_open(r->f->u->path, &db, &err) != MD_OK) return NULL;
    md_arena *arena = md_arena_new(16384, 0);
    md_ctx ctx = r->f->u->ctx;
    ctx.db = db;
    ctx.arena = arena;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s}", "patient_id", r->f->pat, "practitioner_id",
                           r->f->pract, "room_id", r->f->room, "kind", "review", "start_local",
                           r->start),
           *out = NULL;
    memset(&err, 0, sizeof err);
    r->rc = md_appointment_create(&ctx, in, &out, &err);
    md_strlcpy(r->field, err.field, sizeof r->field);
    json_decref(in);
    json_decref(out);
    md_arena_free(arena);
    md_store_close(db);
    return NULL;
}

static void concurrent_bookings_of_one_slot_one_wins(void **state)
{
    fixture *f = *state;
    enum { N = 8 };
    for (int round = 0; round < 3; round++) {
        racer r[N];
        pthread_t th[N];
        char hhmm[8];
        snprintf(hhmm, sizeof hhmm, "%02d:00", 9 + round);
        for (int i = 0; i < N; i++) {
            r[i] = (racer){.f = f, .start = at(f->wed, hhmm), .rc = MD_EINTERNAL};
            assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
        }
        int won = 0, lost = 0;
        for (int i = 0; i < N; i++) {
            pthread_join(th[i], NULL);
            if (r[i].rc == MD_OK) won++;
            if (r[i].rc == MD_ECONFLICT && strcmp(r[i].field, "practitioner_id") == 0) lost++;
        }
        assert_int_equal(won, 1);
        assert_int_equal(lost, N - 1);
    }
    assert_int_equal(count_appointments(f), 3);
}

static void reception_books_but_cannot_override_or_change_rooms(void **state)
{
    fixture *f = *state;
    md_err err;
    md_ctx saved = f->u->ctx;
    f->u->ctx.who.role = MD_ROLE_RECEPTION;
    md_strlcpy(f->u->ctx.who.staff_id, f->reception, sizeof f->u->ctx.who.staff_id);
    json_t *a = NULL;
    assert_int_equal(book(f, f->pract, f->room, f->pat, at(f->wed, "10:00"), 0, &a, &err), MD_OK);
    json_decref(a);
    json_t *in = json_pack("{s:s}", "name", "Room 3"), *out = NULL;
    assert_int_equal(md_record_create(&f->u->ctx, &md_kind_room, NULL, in, &out, &err),
                     MD_EFORBIDDEN);
    json_decref(in);
    in = json_pack("{s:{}}", "weekly");
    assert_int_equal(md_hours_put(&f->u->ctx, in, &out, &err), MD_EFORBIDDEN);
    json_decref(in);
    f->u->ctx.who.role = MD_ROLE_AUDITOR;
    assert_int_equal(book(f, f->pract, f->room, f->pat, at(f->wed, "11:00"), 0, &a, &err),
                     MD_EFORBIDDEN);
    f->u->ctx = saved;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_booking_is_stored_in_utc_and_shown_in_the_clinics_time,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(bad_bookings_name_their_field_and_store_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_practitioners_availability_and_absences, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(conflicts_are_refused_naming_the_practitioner_or_the_room,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(the_conflict_probe_is_an_index_range, setup, teardown),
        cmocka_unit_test_setup_teardown(moves_follow_the_state_machine_with_who_and_when, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(weekly_sessions_at_ten_across_the_march_change, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(weekly_sessions_at_ten_across_the_october_change, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(concurrent_bookings_of_one_slot_one_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(reception_books_but_cannot_override_or_change_rooms, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
