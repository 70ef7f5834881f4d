/*
 * test_chart.c - treatment sessions through the API (chart.h, docs/CHARTING.md): the
 * charting kb (maps, techniques), check-in, the full flow on an appointment, the
 * injection record and its checks, amendments, addenda after sign-off, and every bad input
 * of issue 10 item 8 for the chart (a 4xx naming the field, nothing stored, no stock moved).
 */
#include "support.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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
    json_t *course =
        api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/courses", c->pid);
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

/* ---- what the gates need ------------------------------------------------------------- */

/* A 4 x 2 grey PNG: a signature is any readable PNG. */
#define SIGNATURE_PNG                                                                              \
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAACCAAAAABawyK/AAAADElEQVR4nGNg+A+FABP2A/1SO5xNAAAAAElFTkSuQmCC"

static void treatment_consent(const course_fix *c)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"purpose\":\"treatment\",\"course_id\":\"%s\",\"channel\":\"tablet\"}", c->cid);
    json_t *k = api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/consents", c->pid);
    const char *kid = api_str(k, "id");
    json_decref(api_ok(api.practitioner, "POST", NULL, 200, "/api/v1/consents/%s/open", kid));
    json_decref(api_ok(api.practitioner, "POST",
                       "{\"typed_name\":\"The Patient\",\"signature\":\"" SIGNATURE_PNG
                       "\",\"agree\":true}",
                       200, "/api/v1/consents/%s/sign", kid));
    json_decref(k);
}

static void screen_today(const course_fix *c)
{
    char body[512], date[MD_DATE_STR];
    md_date_format(md_today_utc(), date);
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"date\":\"%s\",\"plan\":{\"areas\":[\"face\"],"
             "\"ingredients\":[\"hyaluronic_acid\"]}}",
             c->pid, date);
    json_decref(api_ok(api.practitioner, "POST", body, 201, "/api/v1/screenings"));
}

/* The course's product lot (the fixture's), and a needle lot. */
static void materials(const course_fix *c, char lot[MD_ID_STR], char needle_lot[MD_ID_STR])
{
    char body[512], tag[16];
    json_t *f = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/formulations/%s",
                       c->pid, c->fid);
    const char *product =
        api_str(json_array_get(json_object_get(json_object_get(f, "mixture"), "components"), 0),
                "product_id");
    json_t *lots =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/lots?product_id=%s", product);
    md_strlcpy(lot, api_str(json_array_get(json_object_get(lots, "items"), 0), "id"), MD_ID_STR);
    json_decref(lots);
    json_decref(f);
    api_unique(tag);
    snprintf(body, sizeof body,
             "{\"kind\":\"needle\",\"name\":\"27G 4 mm %s\",\"gauge\":27,\"length_mm\":4}", tag);
    json_t *n = api_ok(api.practitioner, "POST", body, 201, "/api/v1/consumables");
    snprintf(body, sizeof body,
             "{\"product_id\":\"%s\",\"lot_number\":\"N-%s\",\"expiry\":\"2099-01-31\","
             "\"received_on\":\"2026-01-10\",\"quantity\":50}",
             api_str(n, "id"), tag);
    json_t *l = api_ok(api.practitioner, "POST", body, 201, "/api/v1/lots");
    md_strlcpy(needle_lot, api_str(l, "id"), MD_ID_STR);
    json_decref(l);
    json_decref(n);
}

static json_int_t on_hand(const char *lot)
{
    json_t *l = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/lots/%s", lot);
    json_int_t n = api_int(l, "on_hand");
    json_decref(l);
    return n;
}

/* No before photos asked for (the photo gate is the photo module's to test). */
static void policy_without_photos(void)
{
    static int done;
    if (done) return;
    done = 1;
    json_decref(api_ok(api.admin, "PUT", "{\"before_views\":[],\"after_views\":[]}", 200,
                       "/api/v1/clinic/chart-policy"));
}

/* A chart body: technique, the given entries (JSON text), notes; extra members or "". */
static char *chart_body(const char *technique, const char *entries, const char *extra)
{
    static char buf[4][4096];
    static int n;
    char *b = buf[n++ % 4];
    snprintf(b, 4096,
             "{\"technique\":\"%s\",\"numbing\":{\"agent\":\"lidocaine 4%% cream\",\"minutes\":20},"
             "\"started_at\":\"2026-12-01T10:00:00Z\",\"ended_at\":\"2026-12-01T10:40:00Z\","
             "\"entries\":[%s],\"notes\":\"tolerated well\"%s}",
             technique, entries, extra);
    return b;
}

/* One entry: zone of face_front at (x, y), points, volume, depth, angle, 27G 4 mm, lot. */
static char *entry_json(const char *zone, int x, int y, int points, const char *volume,
                        const char *depth, int angle, const char *lot)
{
    static char buf[8][512];
    static int n;
    char *b = buf[n++ % 8];
    snprintf(b, 512,
             "{\"map\":\"face_front\",\"zone\":\"%s\",\"x\":%d,\"y\":%d,\"points\":%d,"
             "\"volume_ml\":%s,\"depth_mm\":%s,\"angle_deg\":%d,\"needle_gauge\":27,"
             "\"needle_length_mm\":4,\"lot_id\":\"%s\"}",
             zone, x, y, points, volume, depth, angle, lot);
    return b;
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

static const json_t *last_event(const json_t *s);

/* ---- the full flow on an appointment ------------------------------------------------- */

static void the_full_flow_on_an_appointment(void **state)
{
    (void)state;
    course_fix c;
    char lot[MD_ID_STR], needle[MD_ID_STR], body[4096], dir_tok[MD_TOKEN_STR], dir_id[MD_ID_STR];
    course_with_appointment("Mira", &c);
    policy_without_photos();
    materials(&c, lot, needle);
    json_t *s = checkin_appt(&c);
    const char *id = api_str(s, "id");
    /* Prechecks fail, every check listed with what satisfies it; nothing written. */
    snprintf(body, sizeof body,
             "{\"materials\":{\"lots\":[{\"lot_id\":\"%s\"}],\"needle_lot_id\":\"%s\"}}", lot,
             needle);
    api_res r;
    char path[128];
    snprintf(path, sizeof path, "/api/v1/sessions/%s/precheck", id);
    api_req q = {.method = "POST", .path = path, .token = api.practitioner, .body = body};
    api_send(NULL, &q, &r);
    assert_int_equal(r.status, 409);
    json_t *e = json_object_get(r.json, "error");
    assert_string_equal(api_str(e, "field"), "prechecks");
    json_t *checks = json_object_get(e, "checks");
    assert_int_equal(json_array_size(checks), 6);
    int failing = 0;
    size_t i;
    json_t *it;
    json_array_foreach(checks, i, it) if (strcmp(api_str(it, "status"), "pass") != 0)
    {
        failing++;
        assert_non_null(api_str(it, "satisfy"));
    }
    assert_true(failing >= 2); /* no screening today, no consent */
    api_res_free(&r);
    json_t *g = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s", id);
    assert_int_equal(api_int(g, "version"), 1);
    json_decref(g);
    /* Satisfy them, then precheck and start. */
    treatment_consent(&c);
    screen_today(&c);
    json_t *pc = api_ok(api.practitioner, "POST", body, 200, "/api/v1/sessions/%s/precheck", id);
    assert_string_equal(api_str(pc, "state"), "prechecked");
    assert_non_null(api_str(json_object_get(pc, "prechecks"), "passed_at"));
    json_decref(pc);
    json_t *st = api_ok(api.practitioner, "POST", NULL, 200, "/api/v1/sessions/%s/start", id);
    assert_string_equal(api_str(st, "state"), "in_progress");
    json_decref(st);
    /* Bad input, each a 4xx naming the field, nothing stored and no stock moved. */
    json_int_t before = on_hand(lot);
    char other_lot[MD_ID_STR];
    {
        char tag[16], b2[512];
        api_unique(tag);
        snprintf(b2, sizeof b2,
                 "{\"name\":\"Other HA %s\",\"presentation\":\"single_dose\",\"volume_ml\":2,"
                 "\"base\":\"aqueous\",\"ingredients\":[{\"ingredient\":\"hyaluronic_acid\"}],"
                 "\"regulatory\":{\"UK\":\"ce_marked\"}}",
                 tag);
        json_t *op = api_ok(api.other_admin, "POST", b2, 201, "/api/v1/products");
        snprintf(b2, sizeof b2,
                 "{\"product_id\":\"%s\",\"lot_number\":\"O-%s\",\"expiry\":\"2099-01-31\","
                 "\"received_on\":\"2026-01-10\",\"quantity\":5}",
                 api_str(op, "id"), tag);
        json_t *ol = api_ok(api.other_admin, "POST", b2, 201, "/api/v1/lots");
        md_strlcpy(other_lot, api_str(ol, "id"), sizeof other_lot);
        json_decref(ol);
        json_decref(op);
    }
    const char *good = entry_json("cheek_right", 120, 290, 5, "0.3", "1.5", 35, lot);
    struct {
        char body[4096];
        long status;
        const char *code, *field;
    } cases[10];
    int nc = 0;
#define CASE(b, st, cd, fl)                                                                        \
    do {                                                                                           \
        snprintf(cases[nc].body, sizeof cases[nc].body, "%s", b);                                  \
        cases[nc].status = st, cases[nc].code = cd, cases[nc].field = fl;                          \
        nc++;                                                                                      \
    } while (0)
    /* an end before the start */
    char eb[4096];
    snprintf(eb, sizeof eb,
             "{\"technique\":\"nappage\",\"started_at\":\"2026-12-01T10:00:00Z\",\"ended_at\":"
             "\"2026-12-01T09:00:00Z\",\"entries\":[%s],\"notes\":\"x\"}",
             good);
    CASE(eb, 422, "unprocessable", "ended_at");
    CASE(chart_body("nappage", entry_json("cheek_right", 120, 290, 0, "0.3", "1.5", 35, lot), ""),
         422, "unprocessable", "entries[0].points");
    CASE(chart_body("nappage", entry_json("cheek_right", 120, 290, 5, "0.3", "-1", 35, lot), ""),
         422, "unprocessable", "entries[0].depth_mm");
    CASE(chart_body("nappage", entry_json("nose", 200, 250, 5, "0.3", "1.5", 35, lot), ""), 422,
         "unprocessable", "entries[0].zone");
    CASE(chart_body("acupuncture", good, ""), 422, "unprocessable", "technique");
    CASE(chart_body("nappage", entry_json("cheek_right", 900, 290, 5, "0.3", "1.5", 35, lot), ""),
         422, "unprocessable", "entries[0].x");
    CASE(chart_body("nappage", entry_json("cheek_right", 120, 290, 5, "0.3", "1.5", 35, other_lot),
                    ""),
         422, "unprocessable", "entries[0].lot_id");
    CASE(chart_body("nappage", entry_json("cheek_right", 120, 290, 5, "0.3", "4.5", 35, lot), ""),
         422, "unprocessable", "entries[0].depth_mm");
    char two[1200];
    snprintf(two, sizeof two, "%s,%s",
             entry_json("cheek_right", 120, 290, 5, "0.6", "1.5", 35, lot),
             entry_json("cheek_left", 280, 290, 5, "0.6", "1.5", 35, lot));
    CASE(chart_body("nappage", two, ""), 422, "unprocessable", "entries[1].volume_ml");
#undef CASE
    for (int k = 0; k < nc; k++) {
        api_err(api.practitioner, "PUT", cases[k].body, cases[k].status, cases[k].code,
                cases[k].field, "/api/v1/sessions/%s/chart", id);
        assert_int_equal(on_hand(lot), before);
    }
    g = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s", id);
    assert_int_equal(api_int(g, "version"), 3);
    assert_true(json_is_null(json_object_get(g, "chart")));
    json_decref(g);
    /* A depth outside the protocol's range is a warning to acknowledge. */
    char entries[1200];
    snprintf(entries, sizeof entries, "%s,%s",
             entry_json("cheek_right", 120, 290, 5, "0.3", "2.5", 35, lot),
             entry_json("cheek_left", 280, 290, 4, "0.2", "1.5", 35, lot));
    snprintf(path, sizeof path, "/api/v1/sessions/%s/chart", id);
    q = (api_req){.method = "PUT",
                  .path = path,
                  .token = api.practitioner,
                  .body = chart_body("nappage", entries, "")};
    api_send(NULL, &q, &r);
    assert_int_equal(r.status, 409);
    e = json_object_get(r.json, "error");
    assert_string_equal(api_str(e, "field"), "acknowledge");
    json_t *w = json_array_get(json_object_get(e, "warnings"), 0);
    assert_string_equal(api_str(w, "code"), "depth_out_of_range");
    assert_string_equal(api_str(w, "field"), "entries[0].depth_mm");
    assert_true(json_array_size(json_object_get(w, "sources")) >= 1);
    assert_null(json_object_get(w, "acknowledged_by")); /* nobody acknowledged it yet */
    api_res_free(&r);
    assert_int_equal(on_hand(lot), before);
    json_t *ch = api_ok(api.practitioner, "PUT",
                        chart_body("nappage", entries, ",\"acknowledge\":[\"depth_out_of_range\"]"),
                        200, "/api/v1/sessions/%s/chart", id);
    assert_int_equal(on_hand(lot), before - 2); /* one single-dose container per dose */
    json_t *ws = json_object_get(ch, "warnings");
    assert_int_equal(json_array_size(ws), 1);
    assert_string_equal(api_str(json_array_get(ws, 0), "acknowledged_by"), api.practitioner_id);
    json_t *ents = json_object_get(json_object_get(ch, "chart"), "entries");
    char adm0[MD_ID_STR];
    md_strlcpy(adm0, api_str(json_array_get(ents, 0), "administration_id"), sizeof adm0);
    assert_int_equal(strlen(adm0), 32);
    json_t *a0 = api_ok(api.practitioner, "GET", NULL, 200,
                        "/api/v1/patients/%s/administrations/%s", c.pid, adm0);
    assert_string_equal(api_str(a0, "context"), "session");
    assert_string_equal(api_str(a0, "context_id"), id);
    assert_string_equal(api_str(a0, "area"), "cheeks");
    json_decref(a0);
    json_decref(ch);
    /* A correction before sign-off is an amendment: a reason, the earlier doses entered in
     * error, the new ones recorded, in one write. */
    const char *one = entry_json("cheek_right", 120, 290, 5, "0.4", "1.5", 35, lot);
    api_err(api.practitioner, "PUT", chart_body("nappage", one, ""), 400, "invalid", "reason",
            "/api/v1/sessions/%s/chart", id);
    json_t *am = api_ok(api.practitioner, "PUT",
                        chart_body("nappage", one, ",\"reason\":\"second dose was charted twice\""),
                        200, "/api/v1/sessions/%s/chart", id);
    assert_int_equal(on_hand(lot), before - 1);
    assert_string_equal(api_str(am, "reason"), "second dose was charted twice");
    assert_string_equal(api_str(last_event(am), "step"), "amend");
    json_decref(am);
    a0 = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/administrations/%s", c.pid,
                adm0);
    assert_string_equal(api_str(a0, "status"), "entered_in_error");
    json_decref(a0);
    /* Complete: the aftercare stored, the appointment and the course session done. */
    json_t *done = api_ok(api.practitioner, "POST", NULL, 200, "/api/v1/sessions/%s/complete", id);
    assert_string_equal(api_str(done, "state"), "completed");
    assert_int_equal(strlen(api_str(json_object_get(done, "aftercare"), "sha256")), 64);
    assert_non_null(json_object_get(json_object_get(done, "completion"), "checks"));
    json_decref(done);
    json_t *a = api_ok(api.reception, "GET", NULL, 200, "/api/v1/appointments/%s", c.appt);
    assert_string_equal(api_str(a, "status"), "completed");
    json_decref(a);
    json_t *course = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/courses/%s", c.cid);
    assert_non_null(
        api_str(json_array_get(json_object_get(json_object_get(course, "plan"), "sessions"), 0),
                "done_on"));
    json_decref(course);
    /* Sign-off: the medical director only, not the practitioner. */
    api_err(api.practitioner, "POST", NULL, 403, "forbidden", NULL, "/api/v1/sessions/%s/signoff",
            id);
    api_login("director@demo.clinic", API_DEMO_PASSWORD, dir_tok, dir_id);
    json_t *so =
        api_ok(dir_tok, "POST", "{\"note\":\"reviewed\"}", 200, "/api/v1/sessions/%s/signoff", id);
    assert_string_equal(api_str(so, "state"), "signed_off");
    assert_string_equal(api_str(so, "signed_off_by"), dir_id);
    json_decref(so);
    /* After sign-off only an addendum. */
    api_err(api.practitioner, "PUT", chart_body("nappage", one, ",\"reason\":\"late fix\""), 409,
            "conflict", "state", "/api/v1/sessions/%s/chart", id);
    json_t *ad = api_ok(api.practitioner, "POST",
                        "{\"text\":\"Patient called: mild redness, gone next day.\"}", 201,
                        "/api/v1/sessions/%s/addenda", id);
    assert_string_equal(api_str(ad, "state"), "signed_off");
    assert_int_equal(json_array_size(json_object_get(ad, "addenda")), 1);
    assert_string_equal(api_str(json_array_get(json_object_get(ad, "addenda"), 0), "by"),
                        api.practitioner_id);
    json_decref(ad);
    json_t *h = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/sessions/%s/history", id);
    static const char *const steps[] = {"checkin", "precheck", "start",   "chart",
                                        "amend",   "complete", "signoff", "addendum"};
    json_t *versions = json_object_get(h, "versions");
    assert_int_equal(json_array_size(versions), 8);
    for (size_t k = 0; k < 8; k++)
        assert_string_equal(api_str(last_event(json_array_get(versions, k)), "step"), steps[k]);
    json_decref(h);
    json_decref(s);
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
        created +=
            !strcmp(api_str(it, "object_id"), id) && !strcmp(api_str(it, "action"), "create");
        read += !strcmp(api_str(it, "object_id"), id) && !strcmp(api_str(it, "action"), "read");
    }
    assert_int_equal(created, 1);
    assert_true(read >= 1);
    json_decref(audit);
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/sessions", c.pid);
    assert_int_equal(api_count_items(l, "id", id), 1);
    json_decref(l);
    /* Steps out of order are refused naming the state, nothing written. */
    api_err(api.practitioner, "POST", "{}", 409, "conflict", "state", "/api/v1/sessions/%s/start",
            id);
    api_err(api.practitioner, "POST", "{}", 409, "conflict", "state",
            "/api/v1/sessions/%s/complete", id);
    api_err(api.practitioner, "POST", "{\"text\":\"x\"}", 409, "conflict", "state",
            "/api/v1/sessions/%s/addenda", id);
    api_err(api.practitioner, "PUT", "{\"technique\":\"nappage\"}", 409, "conflict", "state",
            "/api/v1/sessions/%s/chart", id);
    api_err(api.practitioner, "POST", "{}", 403, "forbidden", NULL, "/api/v1/sessions/%s/signoff",
            id);
    /* Cancel: a reason, a new version; final. */
    api_err(api.practitioner, "POST", "{}", 400, "invalid", "reason", "/api/v1/sessions/%s/cancel",
            id);
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
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"course_id\":\"%s\",\"course_session\":99}", c.pid, c.cid);
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

static void a_concurrent_double_checkin_checks_in_once(void **state)
{
    (void)state;
    enum { N = 8 };
    course_fix c;
    char body[512];
    api_racer r[N];
    pthread_t th[N];
    course_with_appointment("Lea", &c);
    /* A walk-in for session 2 of the course, sent eight times at once. */
    snprintf(body, sizeof body, "{\"patient_id\":\"%s\",\"course_id\":\"%s\",\"course_session\":2}",
             c.pid, c.cid);
    for (int i = 0; i < N; i++) {
        r[i] = (api_racer){
            .method = "POST", .path = "/api/v1/sessions", .token = api.practitioner, .body = body};
        assert_int_equal(pthread_create(&th[i], NULL, api_race, &r[i]), 0);
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
        cmocka_unit_test(the_full_flow_on_an_appointment),
    };
    return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
