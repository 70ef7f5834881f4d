/*
 * test_chart.c - treatment sessions (chart.h): the body maps and their geometry, the state
 * machine, and the checks of the injection record.
 */
#include <math.h>

#include "test_kb_support.h"
#include "unit_db.h"

#include "mesodesk/chart.h"
#include "mesodesk/course.h"

static md_kb *kb;

static int setup(void **state)
{
    (void)state;
    kb = kbt_load();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    md_kb_free(kb);
    return 0;
}

/* ---- maps ---------------------------------------------------------------------------- */

static void every_map_of_the_contract_is_in_the_kb(void **state)
{
    (void)state;
    static const char *const ids[] = {"face_front", "face_left",  "face_right", "neck",
                                      "scalp",      "body_front", "body_back"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const md_body_map *m = md_kb_map_find(kb, ids[i]);
        assert_non_null(m);
        assert_string_equal(md_body_map_id(m), ids[i]);
    }
    assert_null(md_kb_map_find(kb, "face_back"));
    assert_null(md_kb_map_find(kb, NULL));
    const md_depth_limit *lim = md_kb_facial_depth_limit(kb);
    assert_non_null(lim);
    assert_true(fabs(lim->max_mm - 4.0) < 1e-9);
    assert_true(lim->n_sources >= 1);
    assert_string_equal(lim->sources[0], "Konda & Thappa 2013");
}

static void a_point_is_in_its_zone_or_says_why_not(void **state)
{
    (void)state;
    const md_body_map *face = md_kb_map_find(kb, "face_front");
    const char *why = NULL;
    /* the patient's right cheek is on the viewer's left of the front view */
    assert_string_equal(md_body_map_zone_area(face, "cheek_right", 120, 290, &why), "cheeks");
    assert_null(why);
    assert_string_equal(md_body_map_zone_area(face, "cheek_left", 280, 290, &why), "cheeks");
    assert_null(md_body_map_zone_area(face, "cheek_left", 120, 290, &why));
    assert_string_equal(why, "outside the zone");
    assert_null(md_body_map_zone_area(face, "cheek_left", 401, 290, &why));
    assert_string_equal(why, "outside the map");
    assert_null(md_body_map_zone_area(face, "cheek_left", -1, 290, &why));
    assert_string_equal(why, "outside the map");
    assert_null(md_body_map_zone_area(face, "cheek_left", NAN, 290, &why));
    assert_string_equal(why, "outside the map");
    assert_null(md_body_map_zone_area(face, "nose", 200, 250, &why));
    assert_string_equal(why, "unknown zone");
    assert_null(md_body_map_zone_area(NULL, "forehead", 200, 100, &why));
    assert_string_equal(why, "unknown map");
    /* a zone's edge counts as inside: the forehead is [100,40] [300,40] [330,150] [70,150] */
    assert_string_equal(md_body_map_zone_area(face, "forehead", 200, 40, &why), "forehead");
    assert_string_equal(md_body_map_zone_area(face, "forehead", 100, 40, &why), "forehead");
    assert_null(md_body_map_zone_area(face, "forehead", 200, 39.5, &why));
    /* body zones belong to body areas */
    const md_body_map *back = md_kb_map_find(kb, "body_back");
    assert_string_equal(md_body_map_zone_area(back, "buttock_left", 150, 470, &why), "buttocks");
}

static void polygon_containment_even_odd(void **state)
{
    (void)state;
    /* a U shape: the notch between its arms is outside */
    static const double u[] = {0, 0, 30, 0, 30, 30, 20, 30, 20, 10, 10, 10, 10, 30, 0, 30};
    assert_true(md_polygon_contains(u, 8, 5, 20));
    assert_true(md_polygon_contains(u, 8, 25, 20));
    assert_false(md_polygon_contains(u, 8, 15, 20));
    assert_true(md_polygon_contains(u, 8, 15, 5));
    assert_true(md_polygon_contains(u, 8, 15, 10)); /* on the notch's edge */
    assert_false(md_polygon_contains(u, 8, 31, 5));
    assert_false(md_polygon_contains(u, 8, INFINITY, 5));
}

static void the_facial_limit_follows_the_vocabulary(void **state)
{
    (void)state;
    const md_body_map *face = md_kb_map_find(kb, "face_front");
    const md_body_map *neck = md_kb_map_find(kb, "neck");
    const md_body_map *body = md_kb_map_find(kb, "body_front");
    assert_true(md_body_map_zone_facial(face, "forehead"));
    assert_true(md_body_map_zone_facial(face, "jawline_left"));
    assert_true(md_body_map_zone_facial(neck, "submental")); /* part of the face */
    assert_false(md_body_map_zone_facial(neck, "neck_front"));
    assert_false(md_body_map_zone_facial(body, "abdomen_upper"));
    assert_false(md_body_map_zone_facial(face, "nose"));
    assert_true(md_kb_area_within(kb, "abdomen", "body"));
    assert_true(md_kb_area_within(kb, "body", "body"));
    assert_false(md_kb_area_within(kb, "body", "abdomen"));
    assert_false(md_kb_area_within(kb, "neck", "face"));
    assert_false(md_kb_area_within(kb, "nowhere", "face"));
}

static void maps_json_has_every_zone_with_its_polygon(void **state)
{
    (void)state;
    json_t *j = md_kb_maps_json(kb);
    assert_non_null(j);
    json_t *maps = json_object_get(j, "maps");
    assert_int_equal(json_array_size(maps), 7);
    json_t *face = json_array_get(maps, 0);
    assert_string_equal(json_string_value(json_object_get(face, "id")), "face_front");
    assert_int_equal(json_integer_value(json_object_get(face, "width")), 400);
    json_t *z = json_array_get(json_object_get(face, "zones"), 0);
    assert_string_equal(json_string_value(json_object_get(z, "area")), "forehead");
    assert_true(json_is_true(json_object_get(z, "facial")));
    assert_true(json_array_size(json_object_get(z, "polygon")) >= 3);
    assert_true(json_array_size(json_object_get(z, "sources")) >= 1);
    json_t *lim = json_object_get(j, "facial_depth_max_mm");
    assert_true(fabs(json_number_value(json_object_get(lim, "value")) - 4.0) < 1e-9);
    json_decref(j);
    j = md_kb_techniques_json(kb);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 6);
    json_decref(j);
    assert_true(md_kb_technique_known(kb, "nappage"));
    assert_false(md_kb_technique_known(kb, "acupuncture"));
}

/* ---- the state machine ------------------------------------------------------------------ */

static void the_steps_follow_the_state_machine(void **state)
{
    (void)state;
    assert_true(md_chart_step_allowed("checkin", NULL, "checked_in"));
    assert_false(md_chart_step_allowed("checkin", NULL, "in_progress"));
    assert_false(md_chart_step_allowed("checkin", "checked_in", "checked_in"));
    assert_true(md_chart_step_allowed("precheck", "checked_in", "prechecked"));
    assert_true(md_chart_step_allowed("precheck", "prechecked", "prechecked"));
    assert_false(md_chart_step_allowed("precheck", "in_progress", "prechecked"));
    assert_true(md_chart_step_allowed("start", "prechecked", "in_progress"));
    assert_false(md_chart_step_allowed("start", "checked_in", "in_progress"));
    assert_true(md_chart_step_allowed("chart", "in_progress", "in_progress"));
    assert_false(md_chart_step_allowed("chart", "completed", "completed"));
    assert_true(md_chart_step_allowed("amend", "in_progress", "in_progress"));
    assert_true(md_chart_step_allowed("amend", "completed", "completed"));
    assert_false(md_chart_step_allowed("amend", "signed_off", "signed_off"));
    assert_false(md_chart_step_allowed("amend", "completed", "in_progress"));
    assert_true(md_chart_step_allowed("complete", "in_progress", "completed"));
    assert_false(md_chart_step_allowed("complete", "prechecked", "completed"));
    assert_true(md_chart_step_allowed("signoff", "completed", "signed_off"));
    assert_false(md_chart_step_allowed("signoff", "in_progress", "signed_off"));
    assert_true(md_chart_step_allowed("addendum", "signed_off", "signed_off"));
    assert_true(md_chart_step_allowed("addendum", "completed", "completed"));
    assert_false(md_chart_step_allowed("addendum", "in_progress", "in_progress"));
    assert_true(md_chart_step_allowed("cancel", "checked_in", "cancelled"));
    assert_true(md_chart_step_allowed("cancel", "prechecked", "cancelled"));
    assert_false(md_chart_step_allowed("cancel", "in_progress", "cancelled"));
    assert_false(md_chart_step_allowed("cancel", "cancelled", "cancelled"));
    assert_false(md_chart_step_allowed("teleport", "checked_in", "signed_off"));
}

static json_t *j(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    if (!v) fprintf(stderr, "bad JSON %s: %s\n", e.text, text);
    assert_non_null(v);
    return v;
}

#define EV(state, step)                                                                            \
    "{\"state\":\"" state "\",\"step\":\"" step "\",\"at\":\"2026-12-01T10:00:00Z\",\"by\":\"a\"}"
#define FIXED                                                                                      \
    "\"course_id\":\"c\",\"course_session\":1,\"practitioner_id\":\"p\",\"day\":\"2026-12-01\","

static void step_check_expect(const char *prev, const char *next, md_code want, const char *field)
{
    json_t *a = prev ? j(prev) : NULL, *b = j(next);
    md_err e;
    md_err_clear(&e);
    md_code rc = md_chart_step_check(a, b, &e);
    if (rc != want || (field && strcmp(e.field, field) != 0)) {
        fprintf(stderr, "step check: rc %s field '%s' message '%s'\n", md_code_name(rc), e.field,
                e.message);
        fail();
    }
    json_decref(a);
    json_decref(b);
}

static void a_version_changes_only_what_its_step_may(void **state)
{
    (void)state;
    const char *v1 =
        "{" FIXED "\"state\":\"checked_in\",\"events\":[" EV("checked_in", "checkin") "]}";
    step_check_expect(NULL, v1, MD_OK, NULL);
    /* a create that skips ahead, or comes with a chart */
    step_check_expect(
        NULL, "{" FIXED "\"state\":\"in_progress\",\"events\":[" EV("in_progress", "checkin") "]}",
        MD_EUNPROCESSABLE, "state");
    step_check_expect(NULL,
                      "{" FIXED "\"state\":\"checked_in\",\"chart\":{},\"events\":[" EV(
                          "checked_in", "checkin") "]}",
                      MD_EUNPROCESSABLE, "chart");
    const char *v2 =
        "{" FIXED "\"state\":\"prechecked\",\"materials\":{\"lots\":[]},\"events\":[" EV(
            "checked_in", "checkin") "," EV("prechecked", "precheck") "]}";
    step_check_expect(v1, v2, MD_OK, NULL);
    /* no event appended, an event rewritten, a wrong step */
    step_check_expect(
        v1, "{" FIXED "\"state\":\"prechecked\",\"events\":[" EV("checked_in", "checkin") "]}",
        MD_EUNPROCESSABLE, "events");
    step_check_expect(v1,
                      "{" FIXED "\"state\":\"prechecked\",\"events\":[" EV(
                          "checked_in", "cancel") "," EV("prechecked", "precheck") "]}",
                      MD_EUNPROCESSABLE, "events");
    step_check_expect(v1,
                      "{" FIXED "\"state\":\"in_progress\",\"events\":[" EV(
                          "checked_in", "checkin") "," EV("in_progress", "start") "]}",
                      MD_EUNPROCESSABLE, "state");
    /* a precheck that charts, or moves the session to another course */
    step_check_expect(
        v1,
        "{" FIXED "\"state\":\"prechecked\",\"chart\":{\"technique\":\"nappage\"},\"events\":[" EV(
            "checked_in", "checkin") "," EV("prechecked", "precheck") "]}",
        MD_EUNPROCESSABLE, "chart");
    step_check_expect(v1,
                      "{\"course_id\":\"other\",\"course_session\":1,\"practitioner_id\":\"p\","
                      "\"day\":\"2026-12-01\","
                      "\"state\":\"prechecked\",\"events\":[" EV("checked_in", "checkin") "," EV(
                          "prechecked", "precheck") "]}",
                      MD_EUNPROCESSABLE, "course_id");
    /* after sign-off only an addendum, appended */
    const char *s1 = "{" FIXED "\"state\":\"signed_off\",\"chart\":{\"notes\":\"a\"},\"addenda\":[{"
                               "\"text\":\"one\"}],\"events\":[" EV("signed_off", "signoff") "]}";
    step_check_expect(s1,
                      "{" FIXED "\"state\":\"signed_off\",\"chart\":{\"notes\":\"a\"},\"addenda\":["
                                "{\"text\":\"one\"},{\"text\":\"two\"}],\"events\":[" EV(
                                    "signed_off", "signoff") "," EV("signed_off", "addendum") "]}",
                      MD_OK, NULL);
    step_check_expect(s1,
                      "{" FIXED "\"state\":\"signed_off\",\"chart\":{\"notes\":\"b\"},\"addenda\":["
                                "{\"text\":\"one\"},{\"text\":\"two\"}],\"events\":[" EV(
                                    "signed_off", "signoff") "," EV("signed_off", "addendum") "]}",
                      MD_EUNPROCESSABLE, "chart");
    step_check_expect(s1,
                      "{" FIXED "\"state\":\"signed_off\",\"chart\":{\"notes\":\"a\"},\"addenda\":["
                                "{\"text\":\"uno\"},{\"text\":\"two\"}],\"events\":[" EV(
                                    "signed_off", "signoff") "," EV("signed_off", "addendum") "]}",
                      MD_EUNPROCESSABLE, "addenda");
    step_check_expect(s1,
                      "{" FIXED "\"state\":\"signed_off\",\"chart\":{\"notes\":\"c\"},\"addenda\":["
                                "{\"text\":\"one\"}],\"events\":[" EV(
                                    "signed_off", "signoff") "," EV("signed_off", "amend") "]}",
                      MD_EUNPROCESSABLE, "state");
    /* before sign-off, a correction of the chart is an amendment; a second first chart is not */
    const char *p1 =
        "{" FIXED "\"state\":\"in_progress\",\"chart\":{\"notes\":\"a\"},\"events\":[" EV(
            "in_progress", "chart") "]}";
    step_check_expect(p1,
                      "{" FIXED
                      "\"state\":\"in_progress\",\"chart\":{\"notes\":\"b\"},\"events\":[" EV(
                          "in_progress", "chart") "," EV("in_progress", "amend") "]}",
                      MD_OK, NULL);
    step_check_expect(p1,
                      "{" FIXED
                      "\"state\":\"in_progress\",\"chart\":{\"notes\":\"b\"},\"events\":[" EV(
                          "in_progress", "chart") "," EV("in_progress", "chart") "]}",
                      MD_EUNPROCESSABLE, "chart");
}

/* ---- the checks of the injection record ------------------------------------------------ */

static json_t *entry(const char *map, const char *zone, double x, double y, int points,
                     const char *volume, double depth, double angle, int gauge, int length)
{
    char buf[512];
    snprintf(buf, sizeof buf,
             "{\"map\":\"%s\",\"zone\":\"%s\",\"x\":%g,\"y\":%g,\"points\":%d,\"volume_ml\":%s,"
             "\"depth_mm\":%g,\"angle_deg\":%g,\"needle_gauge\":%d,\"needle_length_mm\":%d,"
             "\"lot_id\":\"0123456789abcdef0123456789abcdef\"}",
             map, zone, x, y, points, volume, depth, angle, gauge, length);
    return j(buf);
}

/* Check e against protocol p: the code, the field at fault (NULL: none) and the warning codes
 * raised, joined by ','. */
static void entry_expect(const char *protocol, json_t *e, md_code want, const char *field,
                         const char *warnings)
{
    json_t *p = md_protocol_kb_json(md_kb_protocol_find(kb, protocol)), *w = json_array(), *it;
    md_err err;
    md_err_clear(&err);
    char codes[256] = "";
    md_code rc = md_chart_entry_check(kb, p, e, "entries[0]", w, &err);
    size_t i;
    json_array_foreach(w, i, it)
    {
        size_t n = strlen(codes);
        snprintf(codes + n, sizeof codes - n, "%s%s", n ? "," : "",
                 json_string_value(json_object_get(it, "code")));
        assert_true(json_array_size(json_object_get(it, "sources")) >= 1);
    }
    if (rc != want || (field && strcmp(err.field, field) != 0) || strcmp(codes, warnings) != 0) {
        fprintf(stderr, "entry check: rc %s field '%s' message '%s' warnings '%s'\n",
                md_code_name(rc), err.field, err.message, codes);
        fail();
    }
    json_decref(p);
    json_decref(w);
    json_decref(e);
}

static void an_entry_is_refused_or_warned_as_the_kb_says(void **state)
{
    (void)state;
    const char *F = "facial_rejuvenation";
    /* inside the cheek, inside the protocol's cheek range (1-2 mm, 30-45 deg, 27G 4 mm) */
    entry_expect(F, entry("face_front", "cheek_right", 120, 290, 5, "0.5", 1.5, 35, 27, 4), MD_OK,
                 NULL, "");
    /* each refusal names its member */
    entry_expect(F, entry("face_front", "cheek_right", 120, 290, 5, "0.5", 4.5, 35, 27, 4),
                 MD_EUNPROCESSABLE, "entries[0].depth_mm", "");
    entry_expect(F, entry("face_front", "cheek_right", 120, 290, 5, "0.5", -0.5, 35, 27, 4),
                 MD_EUNPROCESSABLE, "entries[0].depth_mm", "");
    entry_expect(F, entry("face_front", "cheek_right", 120, 290, 0, "0.2", 1.5, 35, 27, 4),
                 MD_EUNPROCESSABLE, "entries[0].points", "");
    entry_expect(F, entry("face_front", "nose", 200, 250, 5, "0.5", 1.5, 35, 27, 4),
                 MD_EUNPROCESSABLE, "entries[0].zone", "");
    entry_expect(F, entry("face_back", "cheek_right", 120, 290, 5, "0.5", 1.5, 35, 27, 4),
                 MD_EUNPROCESSABLE, "entries[0].map", "");
    entry_expect(F, entry("face_front", "cheek_right", 500, 10, 5, "0.5", 1.5, 35, 27, 4),
                 MD_EUNPROCESSABLE, "entries[0].x", "");
    entry_expect(F, entry("face_front", "cheek_right", 300, 290, 5, "0.5", 1.5, 35, 27, 4),
                 MD_EUNPROCESSABLE, "entries[0].x", "");
    entry_expect(F, entry("face_front", "cheek_right", 120, 290, 5, "0.5", 1.5, 95, 27, 4),
                 MD_EUNPROCESSABLE, "entries[0].angle_deg", "");
    entry_expect(F, entry("face_front", "cheek_right", 120, 290, 5, "0.5", 1.5, 35, 19, 4),
                 MD_EUNPROCESSABLE, "entries[0].needle_gauge", "");
    entry_expect(F, entry("face_front", "cheek_right", 120, 290, 5, "0.5", 1.5, 35, 27, 4), MD_OK,
                 NULL, "");
    json_t *e = entry("face_front", "cheek_right", 120, 290, 5, "0.5", 1.5, 35, 27, 4);
    json_object_del(e, "lot_id");
    entry_expect(F, e, MD_EINVAL, "entries[0].lot_id", "");
    e = entry("face_front", "cheek_right", 120, 290, 5, "0.5", 1.5, 35, 27, 4);
    json_object_set_new(e, "colour", json_string("red"));
    entry_expect(F, e, MD_EINVAL, "entries[0].colour", "");
    /* outside the protocol's ranges: warnings, each with its sources */
    entry_expect(F, entry("face_front", "cheek_right", 120, 290, 5, "0.5", 3, 35, 27, 4), MD_OK,
                 NULL, "depth_out_of_range");
    entry_expect(F, entry("face_front", "forehead", 200, 100, 5, "0.5", 1.5, 60, 30, 4), MD_OK,
                 NULL, "angle_out_of_range,needle_not_in_protocol");
    entry_expect(F, entry("body_front", "abdomen_upper", 200, 300, 5, "0.5", 1.5, 35, 27, 4), MD_OK,
                 NULL, "area_not_in_protocol");
    /* the body protocol's "body" range covers the abdomen (vocabulary part_of); the facial
     * limit does not apply there, the protocol's range does */
    const char *B = "body_fat_cellulite";
    entry_expect(B, entry("body_front", "abdomen_upper", 200, 300, 5, "0.5", 1.5, 35, 27, 4), MD_OK,
                 NULL, "");
    entry_expect(B, entry("body_front", "abdomen_upper", 200, 300, 5, "0.5", 5, 35, 27, 4), MD_OK,
                 NULL, "depth_out_of_range");
    /* a facial zone on the neck map keeps the facial limit */
    entry_expect(B, entry("neck", "submental", 200, 40, 5, "0.5", 4.5, 35, 27, 4),
                 MD_EUNPROCESSABLE, "entries[0].depth_mm", "");
}

static void a_technique_is_the_kb_s_and_the_protocol_s(void **state)
{
    (void)state;
    json_t *face = md_protocol_kb_json(md_kb_protocol_find(kb, "facial_rejuvenation"));
    json_t *scalp = md_protocol_kb_json(md_kb_protocol_find(kb, "scalp_hair_loss"));
    md_err e;
    assert_int_equal(md_chart_technique_check(kb, face, "linear_retrograde", "technique", &e),
                     MD_OK);
    assert_int_equal(md_chart_technique_check(kb, scalp, "linear_retrograde", "technique", &e),
                     MD_EUNPROCESSABLE);
    assert_string_equal(e.field, "technique");
    assert_non_null(strstr(e.message, "does not allow"));
    assert_int_equal(md_chart_technique_check(kb, face, "acupuncture", "technique", &e),
                     MD_EUNPROCESSABLE);
    assert_non_null(strstr(e.message, "unknown technique"));
    json_decref(face);
    json_decref(scalp);
}

/* ---- no direct write skips the state machine ---------------------------------------- */

static md_code direct(unit_db *u, const char *pid, const char *id, const char *fmt, json_t **out,
                      md_err *e)
{
    json_t *in = j(fmt);
    md_code rc = id ? md_record_update(&u->ctx, &md_kind_treatment_session, pid, id, in, out, e)
                    : md_record_create(&u->ctx, &md_kind_treatment_session, pid, in, out, e);
    json_decref(in);
    return rc;
}

#define ACTOR "0123456789abcdef0123456789abcdef"
#define EVA(state, step)                                                                           \
    "{\"state\":\"" state "\",\"step\":\"" step                                                    \
    "\",\"at\":\"2026-12-01T10:00:00Z\",\"by\":\"" ACTOR "\"}"
#define BASE                                                                                       \
    "\"course_id\":\"00000000000000000000000000000001\",\"course_session\":1,\"practitioner_id\":" \
    "\"" ACTOR "\",\"day\":\"2026-12-01\","

static void a_direct_record_write_cannot_skip_a_step(void **state)
{
    (void)state;
    unit_db u;
    unit_db_open(&u, 1);
    json_t *p = j("{\"given_name\":\"Ada\",\"family_name\":\"Direct\",\"birth_date\":\"1980-01-"
                  "01\",\"sex\":\"female\"}"),
           *out = NULL;
    md_err e;
    if (md_record_create(&u.ctx, &md_kind_patient, NULL, p, &out, &e) != MD_OK)
        fail_msg("patient: %s %s", e.field, e.message);
    char pid[MD_ID_STR], id[MD_ID_STR];
    md_strlcpy(pid, json_string_value(json_object_get(out, "id")), sizeof pid);
    json_decref(out);
    json_decref(p);
    /* A create straight into in_progress, or with a chart. */
    assert_int_equal(
        direct(&u, pid, NULL,
               "{" BASE "\"state\":\"in_progress\",\"events\":[" EVA("in_progress", "checkin") "]}",
               &out, &e),
        MD_EUNPROCESSABLE);
    assert_string_equal(e.field, "state");
    assert_int_equal(
        direct(&u, pid, NULL,
               "{" BASE "\"state\":\"checked_in\",\"warnings\":[{\"code\":\"x\"}],\"events\":[" EVA(
                   "checked_in", "checkin") "]}",
               &out, &e),
        MD_EUNPROCESSABLE);
    assert_string_equal(e.field, "warnings");
    /* A proper check-in, then a precheck whose gates do not pass: refused, nothing stored. */
    assert_int_equal(
        direct(&u, pid, NULL,
               "{" BASE "\"state\":\"checked_in\",\"events\":[" EVA("checked_in", "checkin") "]}",
               &out, &e),
        MD_OK);
    md_strlcpy(id, json_string_value(json_object_get(out, "id")), sizeof id);
    json_decref(out);
    assert_int_not_equal(direct(&u, pid, id,
                                "{\"state\":\"prechecked\",\"reason\":\"r\",\"events\":[" EVA(
                                    "checked_in", "checkin") "," EVA("prechecked", "precheck") "]}",
                                &out, &e),
                         MD_OK);
    assert_int_equal(direct(&u, pid, id,
                            "{\"state\":\"in_progress\",\"reason\":\"r\",\"events\":[" EVA(
                                "checked_in", "checkin") "," EVA("in_progress", "start") "]}",
                            &out, &e),
                     MD_EUNPROCESSABLE);
    assert_string_equal(e.field, "state");
    /* An update that appends no event. */
    assert_int_equal(direct(&u, pid, id, "{\"state\":\"cancelled\",\"reason\":\"r\"}", &out, &e),
                     MD_EUNPROCESSABLE);
    assert_string_equal(e.field, "events");
    json_t *cur = NULL;
    assert_int_equal(md_record_get(&u.ctx, &md_kind_treatment_session, pid, id, &cur, &e), MD_OK);
    assert_int_equal(json_integer_value(json_object_get(cur, "version")), 1);
    assert_string_equal(json_string_value(json_object_get(cur, "state")), "checked_in");
    json_decref(cur);
    /* A cancel is a step; after it, nothing more. */
    assert_int_equal(direct(&u, pid, id,
                            "{\"state\":\"cancelled\",\"reason\":\"r\",\"events\":[" EVA(
                                "checked_in", "checkin") "," EVA("cancelled", "cancel") "]}",
                            &out, &e),
                     MD_OK);
    json_decref(out);
    assert_int_equal(direct(&u, pid, id,
                            "{\"state\":\"cancelled\",\"reason\":\"r\",\"addenda\":[{\"text\":"
                            "\"t\"}],\"events\":[" EVA("checked_in", "checkin") "," EVA(
                                "cancelled", "cancel") "," EVA("cancelled", "addendum") "]}",
                            &out, &e),
                     MD_EUNPROCESSABLE);
    unit_db_close(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_map_of_the_contract_is_in_the_kb),
        cmocka_unit_test(a_point_is_in_its_zone_or_says_why_not),
        cmocka_unit_test(polygon_containment_even_odd),
        cmocka_unit_test(the_facial_limit_follows_the_vocabulary),
        cmocka_unit_test(maps_json_has_every_zone_with_its_polygon),
        cmocka_unit_test(the_steps_follow_the_state_machine),
        cmocka_unit_test(a_version_changes_only_what_its_step_may),
        cmocka_unit_test(an_entry_is_refused_or_warned_as_the_kb_says),
        cmocka_unit_test(a_technique_is_the_kb_s_and_the_protocol_s),
        cmocka_unit_test(a_direct_record_write_cannot_skip_a_step),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
