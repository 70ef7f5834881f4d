/*
 * test_precheck.c - the session gates (md_chart_gates, precheck.c) and the clinic's chart
 * policy (chart_policy.c), against a real store.
 *
 * Sessions are built as JSON objects (the record shape chart.h documents), so the gates are
 * tested without the session kind; every gate has a case where it fails, each for its own
 * reason (unknown included), and one where it passes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cairo.h>
#include <cmocka.h>
#include <sodium.h>

#include "mesodesk/chart.h"
#include "mesodesk/consent.h"
#include "mesodesk/course.h"
#include "mesodesk/credential.h"
#include "mesodesk/formulation.h"
#include "mesodesk/patch_test.h"
#include "mesodesk/precheck.h"
#include "mesodesk/screening.h"
#include "mesodesk/staff.h"
#include "mesodesk/stock.h"
#include "unit_db.h"
#include "unit_signature.h"

static md_day D; /* today: the session day */

/* ---- fixtures ---- */

static json_t *create(unit_db *u, const md_record_kind *k, const char *parent, const char *fmt, ...)
{
    md_err err;
    va_list ap;
    va_start(ap, fmt);
    json_error_t je;
    json_t *in = json_vpack_ex(&je, 0, fmt, ap), *out = NULL;
    va_end(ap);
    assert_non_null(in);
    md_code rc = md_record_create(&u->ctx, k, parent, in, &out, &err);
    if (rc != MD_OK) fail_msg("%s: %s %s", k->name, err.field, err.message);
    json_decref(in);
    return out;
}

static const char *str_of(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static void id_of(json_t *rec, char id[MD_ID_STR])
{
    md_strlcpy(id, json_string_value(json_object_get(rec, "id")), MD_ID_STR);
    json_decref(rec);
}

static void day_text(md_day d, char out[MD_DATE_STR])
{
    md_date_format(d, out);
}

static void staff(unit_db *u, const char *email, const char *role, char id[MD_ID_STR])
{
    md_err err;
    json_t *in =
               json_pack("{s:s,s:s,s:s}", "email", email, "display_name", "Dr Osei", "role", role),
           *out = NULL;
    if (md_role_name_treats(role)) { /* the account's own licence fields (staff.h) */
        json_object_set_new(in, "licence_number", json_string("L-1"));
        json_object_set_new(in, "licence_expiry", json_string("2099-01-01"));
    }
    md_code rc = md_staff_create(&u->ctx, in, "a-long-password", &out, &err);
    if (rc != MD_OK) fail_msg("staff: %s %s", err.field, err.message);
    id_of(out, id);
    json_decref(in);
}

static void licence(unit_db *u, const char *staff_id, const char *number, md_day expires)
{
    md_err err;
    char e[MD_DATE_STR];
    day_text(expires, e);
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s,s:[s]}", "type", "licence", "number", number,
                           "issuing_body", "GMC", "issued_on", "2020-01-01", "expires_on", e,
                           "scopes", "injectables"),
           *out = NULL;
    md_code rc = md_credential_create(&u->ctx, staff_id, in, &out, &err);
    if (rc != MD_OK) fail_msg("licence: %s %s", err.field, err.message);
    json_decref(in);
    json_decref(out);
}

static void product(unit_db *u, const char *name, const char *ingredient, const char *presentation,
                    char id[MD_ID_STR])
{
    id_of(create(u, &md_kind_product, NULL, "{s:s,s:s,s:f,s:s,s:[{s:s,s:s}],s:{s:s}}", "name", name,
                 "presentation", presentation, "volume_ml", 2.0, "base", "aqueous", "ingredients",
                 "ingredient", ingredient, "concentration", "1%", "regulatory", "UK", "ce_marked"),
          id);
}

static void lot(unit_db *u, const char *item, const char *number, md_day expiry, char id[MD_ID_STR])
{
    md_err err;
    char e[MD_DATE_STR];
    day_text(expiry, e);
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:i}", "product_id", item, "lot_number", number,
                           "expiry", e, "received_on", "2026-01-10", "quantity", 5),
           *out = NULL;
    md_code rc = md_lot_create(&u->ctx, in, &out, &err);
    if (rc != MD_OK) fail_msg("lot: %s %s", err.field, err.message);
    id_of(out, id);
    json_decref(in);
}

static void recall(unit_db *u, const char *lot_id)
{
    md_err err;
    char d[MD_DATE_STR];
    day_text(D, d);
    json_t *in = json_pack("{s:s,s:s}", "reason", "contaminated", "date", d), *out = NULL;
    md_code rc = md_lot_recall(&u->ctx, lot_id, in, &out, &err);
    if (rc != MD_OK) fail_msg("recall: %s %s", err.field, err.message);
    json_decref(in);
    json_decref(out);
}

static void vial(unit_db *u, const char *lot_id, int64_t opened, char id[MD_ID_STR])
{
    md_err err;
    char at[MD_TIME_STR];
    md_time_format(opened, at);
    json_t *in = json_pack("{s:s}", "opened_at", at), *out = NULL;
    md_code rc = md_vial_open(&u->ctx, lot_id, in, &out, &err);
    if (rc != MD_OK) fail_msg("vial: %s %s", err.field, err.message);
    id_of(out, id);
    json_decref(in);
}

static void fact(unit_db *u, const md_record_kind *k, const char *pid, const char *json)
{
    md_err err;
    json_t *in = json_loads(json, 0, NULL), *out = NULL;
    md_code rc = md_record_create(&u->ctx, k, pid, in, &out, &err);
    if (rc != MD_OK) fail_msg("%s: %s %s", k->name, err.field, err.message);
    json_decref(in);
    json_decref(out);
}

static void screen(unit_db *u, const char *pid, md_day day, const char *area)
{
    md_err err;
    char d[MD_DATE_STR];
    day_text(day, d);
    json_t *in = json_pack("{s:s,s:s,s:{s:[s],s:[s]}}", "patient_id", pid, "date", d, "plan",
                           "areas", area, "ingredients", "hyaluronic_acid"),
           *out = NULL;
    md_code rc = md_screening_create(&u->ctx, in, &out, &err);
    if (rc != MD_OK) fail_msg("screen: %s %s", err.field, err.message);
    json_decref(in);
    json_decref(out);
}

/* A treatment consent for the course: 0 sent, 1 opened, 2 signed.  Its id into cid. */
static void consent(unit_db *u, const char *pid, const char *course, int upto, char cid[MD_ID_STR])
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s}", "purpose", "treatment", "course_id", course, "channel",
                           "tablet"),
           *c = NULL, *o = NULL;
    md_code rc = md_consent_start(&u->ctx, pid, in, "Tablet/1.0", &c, &err);
    if (rc != MD_OK) fail_msg("consent: %s %s", err.field, err.message);
    json_decref(in);
    id_of(c, cid);
    if (upto >= 1) {
        assert_int_equal(md_consent_open_tablet(&u->ctx, cid, "Tablet/1.0", &o, &err), MD_OK);
        json_decref(o);
    }
    if (upto >= 2) {
        char *sig = signature_b64();
        in = json_pack("{s:s,s:s,s:b}", "typed_name", "Ivy Hale", "signature", sig, "agree", 1);
        rc = md_consent_sign_tablet(&u->ctx, cid, in, "Tablet/1.0", &o, &err);
        if (rc != MD_OK) fail_msg("sign: %s %s", err.field, err.message);
        free(sig);
        json_decref(in);
        json_decref(o);
    }
}

static void set_policy(unit_db *u, const char *json)
{
    md_err err;
    json_t *in = json_loads(json, 0, NULL), *out = NULL;
    md_code rc = md_chart_policy_set(&u->ctx, in, &out, &err);
    if (rc != MD_OK) fail_msg("policy: %s %s", err.field, err.message);
    json_decref(in);
    json_decref(out);
}

/* Everything a session needs, recorded: a man of 60 with no known allergies, screened today
 * for the face, a course of facial rejuvenation with a hyaluronic acid mixture for the
 * cheeks, a signed treatment consent, a licensed practitioner, a lot in date, a needle lot,
 * and a policy that asks for no before photos (the photo module is a placeholder here). */
typedef struct world {
    unit_db *u;
    char pid[MD_ID_STR], prac[MD_ID_STR], product[MD_ID_STR], lot[MD_ID_STR];
    char fid[MD_ID_STR], course[MD_ID_STR], needle[MD_ID_STR], needle_lot[MD_ID_STR];
    char consent[MD_ID_STR];
} world;

static void patient_only(world *w, const char *sex, const char *birth)
{
    id_of(create(w->u, &md_kind_patient, NULL, "{s:s,s:s,s:s,s:s}", "given_name", "Ivy",
                 "family_name", "Hale", "birth_date", birth, "sex", sex),
          w->pid);
}

static void course_of(world *w)
{
    md_err err;
    char d[MD_DATE_STR];
    day_text(D, d);
    product(w->u, "Hydra", "hyaluronic_acid", "single_dose", w->product);
    json_t *in = json_pack("{s:{s:[{s:s,s:i}],s:[s]}}", "mixture", "components", "product_id",
                           w->product, "volume_ml", 1, "areas", "cheeks"),
           *out = NULL, *details = NULL;
    md_code rc = md_formulation_create(&w->u->ctx, w->pid, in, &out, &details, &err);
    if (rc != MD_OK) fail_msg("formulation: %s %s", err.field, err.message);
    json_decref(in);
    json_decref(details);
    id_of(out, w->fid);
    in = json_pack("{s:s,s:s,s:s}", "protocol", "facial_rejuvenation", "formulation_id", w->fid,
                   "start", d);
    rc = md_course_create(&w->u->ctx, w->pid, in, &out, &err);
    if (rc != MD_OK) fail_msg("course: %s %s", err.field, err.message);
    json_decref(in);
    id_of(out, w->course);
}

/* A man of 60 with "no known allergies" recorded: nothing a rule needs is unknown. */
static void plain_patient(world *w)
{
    patient_only(w, "male", "1966-01-01");
    fact(w->u, &md_kind_allergy_statement, w->pid,
         "{\"statement\":\"no_known_allergies\",\"asked_on\":\"2026-06-01\"}");
}

static void world_new(unit_db *u, world *w)
{
    memset(w, 0, sizeof *w);
    w->u = u;
    plain_patient(w);
    course_of(w);
    consent(u, w->pid, w->course, 2, w->consent);
    staff(u, "osei@x.org", "practitioner", w->prac);
    licence(u, w->prac, "GMC-123", D + 365);
    lot(u, w->product, "HA-1", D + 200, w->lot);
    id_of(create(u, &md_kind_consumable, NULL, "{s:s,s:s,s:i,s:i}", "kind", "needle", "name",
                 "30G 4 mm", "gauge", 30, "length_mm", 4),
          w->needle);
    lot(u, w->needle, "N-1", D + 300, w->needle_lot);
    set_policy(u, "{\"before_views\":[]}");
    screen(u, w->pid, D, "face");
}

static json_t *session_of(const world *w)
{
    char d[MD_DATE_STR], id[MD_ID_STR];
    day_text(D, d);
    md_id_new(id);
    return json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:s,s:{s:[{s:s}],s:s}}", "id", id, "patient_id",
                     w->pid, "course_id", w->course, "course_session", 1, "practitioner_id",
                     w->prac, "day", d, "state", "checked_in", "materials", "lots", "lot_id",
                     w->lot, "needle_lot_id", w->needle_lot);
}

static json_t *gates_at(unit_db *u, json_t *s, md_day day)
{
    md_err err;
    json_t *report = NULL;
    md_code rc = md_chart_gates(&u->ctx, s, day, md_now(), &report, &err);
    if (rc != MD_OK) fail_msg("gates: %s %s %s", md_code_name(rc), err.field, err.message);
    assert_int_equal(json_array_size(json_object_get(report, "checks")), MD_PRECHECK_GATES);
    return report;
}

static json_t *gates(unit_db *u, json_t *s)
{
    return gates_at(u, s, D);
}

static json_t *check_of(json_t *report, const char *gate)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(report, "checks"), i,
                       c) if (strcmp(json_string_value(json_object_get(c, "gate")), gate) ==
                              0) return c;
    fail_msg("no check %s", gate);
    return NULL;
}

static int has_reason(json_t *c, const char *reason)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(c, "reasons"), i,
                       r) if (strcmp(json_string_value(r), reason) == 0) return 1;
    return 0;
}

/* The gate's check has status and reason (a passing check: satisfy null); text, when given,
 * is in its message or satisfy. */
static void expect(json_t *report, const char *gate, const char *status, const char *reason,
                   const char *text)
{
    json_t *c = check_of(report, gate);
    const char *st = json_string_value(json_object_get(c, "status"));
    const char *m = json_string_value(json_object_get(c, "message"));
    const char *s = json_string_value(json_object_get(c, "satisfy"));
    char *dump = json_dumps(c, 0);
    if (strcmp(st, status) != 0 || (reason && !has_reason(c, reason)) ||
        (text && !strstr(m, text) && !(s && strstr(s, text))))
        fail_msg("%s: expected %s %s '%s', got %s", gate, status, reason ? reason : "",
                 text ? text : "", dump);
    free(dump);
    if (strcmp(status, "pass") == 0)
        assert_true(json_is_null(json_object_get(c, "satisfy")));
    else
        assert_non_null(s);
    assert_non_null(json_string_value(json_object_get(c, "rule")));
    assert_true(json_array_size(json_object_get(c, "sources")) > 0);
}

static int setup(void **state)
{
    D = md_today_utc();
    return unit_db_setup(state);
}

/* ---- every gate ---- */

static void every_gate_passes_when_everything_is_recorded(void **state)
{
    world w;
    world_new(*state, &w);
    json_t *s = session_of(&w), *r = gates(*state, s);
    static const char *const all[] = {"screening",    "consent",   "patch_tests",
                                      "practitioner", "materials", "photos_before"};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        expect(r, all[i], "pass", NULL, NULL);
    expect(r, "patch_tests", "pass", "not_needed", NULL);
    expect(r, "photos_before", "pass", "not_required", NULL);
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    json_decref(s);
}

static void every_gate_is_evaluated_and_unknown_blocks(void **state)
{
    unit_db *u = *state;
    world w = {.u = u};
    plain_patient(&w);
    course_of(&w);
    json_t *s = session_of(&w);
    json_object_del(s, "practitioner_id");
    json_object_set_new(s, "materials", json_object());
    json_t *r = gates(u, s);
    assert_true(json_is_false(json_object_get(r, "ok")));
    expect(r, "screening", "unknown", "none", "screen the patient today");
    expect(r, "consent", "fail", "missing", "start the treatment consent");
    expect(r, "patch_tests", "unknown", "unknown", NULL);
    expect(r, "practitioner", "unknown", "none", NULL);
    expect(r, "materials", "unknown", "no_lots", NULL);
    assert_true(has_reason(check_of(r, "materials"), "needle_missing"));
    /* The default policy asks for front, left and right; the photos are not readable yet. */
    assert_string_not_equal(
        json_string_value(json_object_get(check_of(r, "photos_before"), "status")), "pass");
    json_decref(r);
    json_decref(s);
}

/* ---- screening ---- */

static void a_fact_recorded_after_the_screening_makes_it_stale(void **state)
{
    unit_db *u = *state;
    world w;
    world_new(u, &w);
    json_t *s = session_of(&w), *r;
    /* Recorded just after the screening, within its second or not: the audit orders them. */
    fact(u, &md_kind_condition, w.pid, "{\"code\":\"acne\",\"active\":false}");
    r = gates(u, s);
    expect(r, "screening", "fail", "stale", "screen the patient again");
    json_decref(r);
    /* A screening just after the fact is not stale. */
    screen(u, w.pid, D, "face");
    r = gates(u, s);
    expect(r, "screening", "pass", "pass", NULL);
    json_decref(r);
    /* Seconds later too. */
    sleep(1);
    fact(u, &md_kind_medication, w.pid, "{\"code\":\"fish_oil\",\"last_dose\":\"2026-01-01\"}");
    r = gates(u, s);
    expect(r, "screening", "fail", "stale", "medications");
    json_decref(r);
    json_decref(s);
}

static void a_screening_of_another_day_is_no_screening(void **state)
{
    unit_db *u = *state;
    world w;
    world_new(u, &w);
    json_t *s = session_of(&w), *r = gates_at(u, s, D + 1);
    expect(r, "screening", "unknown", "none", NULL);
    json_decref(r);
    json_decref(s);
}

static void a_contraindicated_or_deferred_screening_fails(void **state)
{
    unit_db *u = *state;
    world w;
    world_new(u, &w);
    char d[MD_DATE_STR], json[200];
    day_text(D - 1, d);
    snprintf(json, sizeof json, "{\"code\":\"nsaid\",\"name\":\"ibuprofen\",\"last_dose\":\"%s\"}",
             d);
    fact(u, &md_kind_medication, w.pid, json);
    screen(u, w.pid, D, "face");
    json_t *s = session_of(&w), *r = gates(u, s);
    expect(r, "screening", "fail", "deferred", "treat no sooner than");
    json_decref(r);
    fact(u, &md_kind_allergy, w.pid, "{\"substance\":\"hyaluronic_acid\"}");
    screen(u, w.pid, D, "face");
    r = gates(u, s);
    expect(r, "screening", "fail", "contraindicated", "do not treat with this plan");

    assert_true(has_reason(check_of(r, "screening"), "deferred")); /* both are said */
    json_decref(r);
    json_decref(s);
}

static void an_uncleared_finding_fails_until_cleared(void **state)
{
    unit_db *u = *state;
    world w;
    world_new(u, &w);
    fact(u, &md_kind_medication, w.pid, "{\"code\":\"anticoagulant\",\"name\":\"warfarin\"}");
    screen(u, w.pid, D, "face");
    json_t *s = session_of(&w), *r = gates(u, s);
    expect(r, "screening", "fail", "clearance", "clear the finding anticoagulant_clearance");
    json_decref(r);
    fact(u, &md_kind_clearance, w.pid,
         "{\"rule\":\"anticoagulant_clearance\",\"clearance_reason\":\"INR stable\","
         "\"physician\":\"Dr Byron\",\"valid_until\":\"2099-01-01\"}");
    screen(u, w.pid, D, "face");
    r = gates(u, s);
    expect(r, "screening", "pass", "pass", NULL);
    json_decref(r);
    json_decref(s);
}

static void an_incomplete_screening_is_unknown(void **state)
{
    unit_db *u = *state;
    world w = {.u = u};
    patient_only(&w, "female", "1994-03-03");
    fact(u, &md_kind_allergy_statement, w.pid,
         "{\"statement\":\"no_known_allergies\",\"asked_on\":\"2026-06-01\"}");
    fact(u, &md_kind_status, w.pid,
         "{\"pregnant\":\"no\",\"breastfeeding\":\"no\",\"recorded_on\":\"2026-06-01\"}");
    course_of(&w);
    fact(u, &md_kind_status, w.pid, /* a new answer: one current per patient */
         "{\"pregnant\":\"not_sure\",\"breastfeeding\":\"no\",\"recorded_on\":\"2026-06-02\"}");
    screen(u, w.pid, D, "face");
    json_t *s = session_of(&w), *r = gates(u, s);
    expect(r, "screening", "unknown", "incomplete", "patient.pregnant");
    json_decref(r);
    fact(u, &md_kind_status, w.pid,
         "{\"pregnant\":\"no\",\"breastfeeding\":\"no\",\"recorded_on\":\"2026-06-03\"}");
    screen(u, w.pid, D, "face");
    r = gates(u, s);
    expect(r, "screening", "pass", NULL, NULL);
    json_decref(r);
    json_decref(s);
}

static void the_screening_must_cover_the_courses_plan(void **state)
{
    unit_db *u = *state;
    world w;
    world_new(u, &w);
    screen(u, w.pid, D, "forehead"); /* the course treats the cheeks */
    json_t *s = session_of(&w), *r = gates(u, s);
    expect(r, "screening", "fail", "plan", "area cheeks");
    json_decref(r);
    screen(u, w.pid, D, "cheeks");
    r = gates(u, s);
    expect(r, "screening", "pass", NULL, NULL);
    json_decref(r);
    json_decref(s);
}

/* ---- consent ---- */

static void consent_passes_only_when_signed(void **state)
{
    unit_db *u = *state;
    world w = {.u = u};
    char cid[MD_ID_STR], d[MD_DATE_STR];
    md_err err;
    plain_patient(&w);
    course_of(&w);
    json_t *s = session_of(&w), *r = gates(u, s);
    expect(r, "consent", "fail", "missing", NULL);
    json_decref(r);
    consent(u, w.pid, w.course, 0, cid);
    day_text(md_today_utc(), d);
    r = gates(u, s);
    expect(r, "consent", "fail", "sent", "not opened");
    expect(r, "consent", "fail", "sent", d);
    json_decref(r);
    json_t *o = NULL;
    assert_int_equal(md_consent_open_tablet(&u->ctx, cid, "Tablet/1.0", &o, &err), MD_OK);
    json_decref(o);
    r = gates(u, s);
    expect(r, "consent", "fail", "opened", "ask the patient to sign");
    json_decref(r);
    json_t *in = json_pack("{s:s}", "reason", "a new text to sign");
    assert_int_equal(md_consent_cancel(&u->ctx, cid, in, "Tablet/1.0", &o, &err), MD_OK);
    json_decref(in);
    json_decref(o);
    consent(u, w.pid, w.course, 2, cid);
    r = gates(u, s);
    expect(r, "consent", "pass", "pass", NULL);
    json_decref(r);
    in = json_pack("{s:s}", "reason", "changed her mind");
    assert_int_equal(md_consent_withdraw(&u->ctx, cid, in, "Tablet/1.0", &o, &err), MD_OK);
    json_decref(in);
    json_decref(o);
    r = gates(u, s);
    expect(r, "consent", "fail", "withdrawn", "must consent again");
    json_decref(r);
    json_decref(s);
}

/* ---- patch tests ---- */

static void a_patch_test_is_needed_where_screening_asks(void **state)
{
    unit_db *u = *state;
    world w;
    md_err err;
    world_new(u, &w);
    fact(u, &md_kind_allergy, w.pid, "{\"substance\":\"latex\"}");
    screen(u, w.pid, D, "face");
    json_t *s = session_of(&w), *r = gates(u, s);
    expect(r, "patch_tests", "fail", "missing", "hyaluronic_acid");
    json_decref(r);
    char applied[MD_TIME_STR], read[MD_TIME_STR];
    int64_t now = md_now();
    md_time_format(now - 80 * 3600, applied);
    md_time_format(now - 8 * 3600, read);
    json_t *in = json_pack("{s:[s],s:s,s:s}", "ingredients", "hyaluronic_acid", "site", "arms",
                           "applied_at", applied),
           *t = NULL, *o = NULL;
    md_code rc = md_patch_test_apply(&u->ctx, w.pid, in, &t, &err);
    if (rc != MD_OK) fail_msg("apply: %s %s", err.field, err.message);
    json_decref(in);
    in = json_pack("{s:s,s:s}", "grade", "negative", "read_at", read);
    rc = md_patch_test_read(&u->ctx, w.pid, json_string_value(json_object_get(t, "id")), in, &o,
                            &err);
    if (rc != MD_OK) fail_msg("read: %s %s", err.field, err.message);
    json_decref(in);
    json_decref(o);
    json_decref(t);
    r = gates(u, s);
    expect(r, "patch_tests", "pass", "pass", NULL);
    expect(r, "screening", "fail", "stale", "patch"); /* the test came after the screening */
    json_decref(r);
    json_decref(s);
}

/* ---- practitioner ---- */

static void the_practitioner_needs_a_licence_valid_on_the_day(void **state)
{
    unit_db *u = *state;
    world w;
    char other[MD_ID_STR], desk[MD_ID_STR], fake[MD_ID_STR];
    world_new(u, &w);
    json_t *s = session_of(&w), *r;
    staff(u, "late@x.org", "practitioner", other);
    licence(u, other, "GMC-999", D - 1);
    json_object_set_new(s, "practitioner_id", json_string(other));
    r = gates(u, s);
    expect(r, "practitioner", "fail", "expired", "renew the licence");
    expect(r, "practitioner", "fail", "expired", "GMC-999");
    json_decref(r);
    staff(u, "desk@x.org", "reception", desk);
    json_object_set_new(s, "practitioner_id", json_string(desk));
    r = gates(u, s);
    expect(r, "practitioner", "fail", "role", NULL);
    json_decref(r);
    md_id_new(fake);
    json_object_set_new(s, "practitioner_id", json_string(fake));
    r = gates(u, s);
    expect(r, "practitioner", "fail", "not_found", NULL);
    json_decref(r);
    staff(u, "new@x.org", "practitioner", other);
    json_object_set_new(s, "practitioner_id", json_string(other));
    r = gates(u, s);
    expect(r, "practitioner", "fail", "no_licence", "scope injectables");
    json_decref(r);
    json_object_set_new(s, "practitioner_id", json_string(w.prac));
    r = gates(u, s);
    expect(r, "practitioner", "pass", "pass", NULL);
    json_decref(r);
    json_decref(s);
}

/* ---- materials ---- */

static void set_lots(json_t *s, const char *lot_id, const char *vial_id)
{
    json_t *m = json_object_get(s, "materials");
    json_t *item = json_pack("{s:s}", "lot_id", lot_id);
    if (vial_id) json_object_set_new(item, "vial_id", json_string(vial_id));
    json_object_set_new(m, "lots", json_pack("[o]", item));
}

static void lots_must_be_usable_on_the_day(void **state)
{
    unit_db *u = *state;
    world w;
    char old[MD_ID_STR], bad[MD_ID_STR], fake[MD_ID_STR];
    world_new(u, &w);
    json_t *s = session_of(&w), *r;
    lot(u, w.product, "HA-OLD", md_today_utc() - 5, old);
    set_lots(s, old, NULL);
    r = gates(u, s);
    expect(r, "materials", "fail", "lot_unusable", "expired");
    json_decref(r);
    set_lots(s, w.lot, NULL); /* in date today, not on a day past its expiry */
    r = gates_at(u, s, D + 201);
    expect(r, "materials", "fail", "lot_expires", "HA-1");
    json_decref(r);
    lot(u, w.product, "HA-BAD", D + 100, bad);
    recall(u, bad);
    set_lots(s, bad, NULL);
    r = gates(u, s);
    expect(r, "materials", "fail", "lot_unusable", "recalled");
    json_decref(r);
    md_id_new(fake);
    set_lots(s, fake, NULL);
    r = gates(u, s);
    expect(r, "materials", "fail", "lot_unknown", "not a lot of this clinic");
    json_decref(r);
    set_lots(s, w.lot, NULL);
    r = gates(u, s);
    expect(r, "materials", "pass", "pass", NULL);
    json_decref(r);
    json_decref(s);
}

static void vials_must_be_of_the_lot_and_within_their_beyond_use_time(void **state)
{
    unit_db *u = *state;
    world w;
    char multi[MD_ID_STR], mlot[MD_ID_STR], mlot2[MD_ID_STR], v_old[MD_ID_STR], v_ok[MD_ID_STR],
        v_other[MD_ID_STR];
    world_new(u, &w);
    product(u, "Vita", "hyaluronic_acid", "multi_dose", multi);
    lot(u, multi, "MV-1", D + 100, mlot);
    lot(u, multi, "MV-2", D + 100, mlot2);
    vial(u, mlot, md_now() - 40 * 86400, v_old);
    vial(u, mlot, md_now() - 3600, v_ok);
    vial(u, mlot2, md_now() - 3600, v_other);
    json_t *s = session_of(&w), *r;
    set_lots(s, mlot, NULL);
    r = gates(u, s);
    expect(r, "materials", "fail", "vial_needed", "MV-1");
    json_decref(r);
    set_lots(s, mlot, v_other);
    r = gates(u, s);
    expect(r, "materials", "fail", "vial_unknown", NULL);
    json_decref(r);
    set_lots(s, mlot, v_old);
    r = gates(u, s);
    expect(r, "materials", "fail", "vial_unusable", "open a new vial");
    json_decref(r);
    set_lots(s, w.lot, v_ok);
    r = gates(u, s);
    expect(r, "materials", "fail", "vial_single", NULL);
    json_decref(r);
    set_lots(s, mlot, v_ok);
    r = gates(u, s);
    expect(r, "materials", "pass", "pass", NULL);
    json_decref(r);
    json_decref(s);
}

static void the_needle_lot_is_a_needles_lot(void **state)
{
    unit_db *u = *state;
    world w;
    char cannula[MD_ID_STR], clot[MD_ID_STR], nbad[MD_ID_STR];
    world_new(u, &w);
    json_t *s = session_of(&w), *r, *m = json_object_get(s, "materials");
    json_object_del(m, "needle_lot_id");
    r = gates(u, s);
    expect(r, "materials", "unknown", "needle_missing", "record the needle lot");
    json_decref(r);
    json_object_set_new(m, "needle_lot_id", json_string(w.lot)); /* a product's lot */
    r = gates(u, s);
    expect(r, "materials", "fail", "needle_unknown", NULL);
    json_decref(r);
    id_of(create(u, &md_kind_consumable, NULL, "{s:s,s:s,s:i,s:i}", "kind", "cannula", "name",
                 "25G cannula", "gauge", 25, "length_mm", 38),
          cannula);
    lot(u, cannula, "C-1", D + 100, clot);
    json_object_set_new(m, "needle_lot_id", json_string(clot));
    r = gates(u, s);
    expect(r, "materials", "fail", "needle_unknown", NULL);
    json_decref(r);
    lot(u, w.needle, "N-BAD", D + 100, nbad);
    recall(u, nbad);
    json_object_set_new(m, "needle_lot_id", json_string(nbad));
    r = gates(u, s);
    expect(r, "materials", "fail", "needle_unusable", "recalled");
    json_decref(r);
    json_object_set_new(m, "needle_lot_id", json_string(w.needle_lot));
    r = gates(u, s);
    expect(r, "materials", "pass", "pass", NULL);
    json_decref(r);
    json_decref(s);
}

static void no_dose_is_drawn_from_a_needle_lot(void **state)
{
    unit_db *u = *state;
    world w;
    md_err err;
    world_new(u, &w);
    md_dose d = {.patient_id = w.pid,
                 .lot_id = w.needle_lot,
                 .volume_ul = 100,
                 .route = "intradermal",
                 .context = "session"};
    json_t *out = NULL;
    assert_int_equal(md_administration_record(&u->ctx, &d, &out, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "lot_id");
    assert_int_equal(md_lot_get(&u->ctx, w.needle_lot, &out, &err), MD_OK);
    assert_true(json_is_true(json_object_get(out, "usable")));
    json_decref(out);
}

/* ---- photos ---- */

static void before_photos_follow_the_policy(void **state)
{
    unit_db *u = *state;
    world w;
    world_new(u, &w);
    json_t *s = session_of(&w), *r = gates(u, s);
    expect(r, "photos_before", "pass", "not_required", NULL);
    json_decref(r);
    set_policy(u, "{\"before_views\":[\"front\",\"left\"],\"reason\":\"photos again\"}");
    r = gates(u, s);
    json_t *c = check_of(r, "photos_before");
    assert_string_not_equal(json_string_value(json_object_get(c, "status")), "pass");
    assert_non_null(strstr(json_string_value(json_object_get(c, "satisfy")), "front and left"));
    json_decref(r);
    json_decref(s);
}

/* ---- the chart policy ---- */

static void the_policy_has_defaults_until_set(void **state)
{
    unit_db *u = *state;
    md_chart_policy p;
    md_err err;
    json_t *out = NULL;
    assert_int_equal(md_chart_policy_get(&u->ctx, &p, &err), MD_OK);
    assert_int_equal(p.n_before, 3);
    assert_string_equal(p.before_views[1], "left");
    assert_int_equal(p.n_after, 0);
    assert_int_equal(p.completion_hours, 72);
    assert_int_equal(p.review_share_percent, 10);
    assert_int_equal(md_chart_policy_read(&u->ctx, &out, &err), MD_OK);
    assert_true(json_is_true(json_object_get(out, "defaults")));
    json_decref(out);
    set_policy(u, "{\"completion_hours\":48,\"after_views\":[\"front\",\"cheek_left\"]}");
    assert_int_equal(md_chart_policy_get(&u->ctx, &p, &err), MD_OK);
    assert_int_equal(p.completion_hours, 48);
    assert_int_equal(p.n_before, 3); /* kept from the defaults */
    assert_int_equal(p.n_after, 2);  /* a body-map zone is a view too */
    assert_string_equal(p.after_views[1], "cheek_left");
    json_t *in = json_pack("{s:i}", "review_share_percent", 25);
    assert_int_equal(md_chart_policy_set(&u->ctx, in, &out, &err), MD_EINVAL); /* no reason */
    assert_string_equal(err.field, "reason");
    json_object_set_new(in, "reason", json_string("more reviews"));
    assert_int_equal(md_chart_policy_set(&u->ctx, in, &out, &err), MD_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 2);
    assert_true(json_is_false(json_object_get(out, "defaults")));
    json_decref(out);
    json_decref(in);
    assert_int_equal(md_chart_policy_history(&u->ctx, &out, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "versions")), 2);
    json_decref(out);
}

static void bad_policies_are_refused_naming_the_field(void **state)
{
    unit_db *u = *state;
    md_err err;
    static const struct {
        const char *body, *field;
        md_code code;
    } cases[] = {
        {"{\"completion_hours\":0}", "completion_hours", MD_EUNPROCESSABLE},
        {"{\"completion_hours\":721}", "completion_hours", MD_EUNPROCESSABLE},
        {"{\"review_share_percent\":101}", "review_share_percent", MD_EUNPROCESSABLE},
        {"{\"before_views\":[\"front\",\"top\"]}", "before_views[1]", MD_EUNPROCESSABLE},
        {"{\"after_views\":[\"left\",\"left\"]}", "after_views[1]", MD_EUNPROCESSABLE},
        {"{\"before_views\":\"front\"}", "before_views", MD_EINVAL},
        {"{\"colour\":\"red\"}", "colour", MD_EINVAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *in = json_loads(cases[i].body, 0, NULL), *out = NULL;
        md_code rc = md_chart_policy_set(&u->ctx, in, &out, &err);
        if (rc != cases[i].code || strcmp(err.field, cases[i].field) != 0)
            fail_msg("%s: %s %s %s", cases[i].body, md_code_name(rc), err.field, err.message);
        json_decref(in);
    }
    md_chart_policy p;
    assert_int_equal(md_chart_policy_get(&u->ctx, &p, &err), MD_OK);
    assert_int_equal(p.completion_hours, 72); /* nothing stored */
    u->ctx.who.role = MD_ROLE_PRACTITIONER;
    json_t *in = json_pack("{s:i}", "completion_hours", 24), *out = NULL;
    assert_int_equal(md_chart_policy_set(&u->ctx, in, &out, &err), MD_EFORBIDDEN);
    assert_int_equal(md_chart_policy_read(&u->ctx, &out, &err), MD_OK); /* reading is allowed */
    json_decref(out);
    json_decref(in);
    u->ctx.who.role = MD_ROLE_ADMIN;
}

/* ---- no interface skips a gate: a direct write of the kind ---- */

/* A new version of the session entering state by step, with materials, written straight
 * through the record engine (as an import or any caller of md_record_update would). */
static md_code direct_step(unit_db *u, json_t *cur, const char *step, const char *state,
                           json_t *materials, md_err *err)
{
    char now[MD_TIME_STR];
    md_time_format(md_now(), now);
    json_t *events = json_deep_copy(json_object_get(cur, "events"));
    json_array_append_new(events, json_pack("{s:s,s:s,s:s,s:s}", "state", state, "step", step, "at",
                                            now, "by", u->ctx.who.staff_id));
    json_t *in = json_pack("{s:s,s:o,s:s}", "state", state, "events", events, "reason", step),
           *out = NULL;
    if (materials) json_object_set(in, "materials", materials);
    md_code rc = md_record_update(&u->ctx, &md_kind_treatment_session, str_of(cur, "patient_id"),
                                  str_of(cur, "id"), in, &out, err);
    json_decref(in);
    json_decref(out);
    return rc;
}

static void a_direct_write_of_the_kind_runs_the_gates(void **state)
{
    unit_db *u = *state;
    world w;
    md_err err;
    world_new(u, &w);
    json_t *in = json_pack("{s:s,s:s,s:i,s:s}", "patient_id", w.pid, "course_id", w.course,
                           "course_session", 1, "practitioner_id", w.prac),
           *s = NULL, *cur = NULL;
    md_code rc = md_chart_checkin(&u->ctx, in, &s, &err);
    if (rc != MD_OK) fail_msg("checkin: %s %s", err.field, err.message);
    json_decref(in);
    const char *pid = str_of(s, "patient_id"), *id = str_of(s, "id");
    json_t *good =
        json_pack("{s:[{s:s}],s:s}", "lots", "lot_id", w.lot, "needle_lot_id", w.needle_lot);
    json_t *bad = json_pack("{s:[{s:s}]}", "lots", "lot_id", w.lot); /* no needle lot */
    /* Straight to prechecked or in_progress with a gate not passing: refused, nothing stored. */
    assert_int_equal(direct_step(u, s, "precheck", "prechecked", bad, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "prechecks");
    assert_non_null(strstr(err.message, "materials"));
    assert_int_equal(direct_step(u, s, "start", "in_progress", good, &err), MD_EUNPROCESSABLE);
    assert_int_equal(md_record_get(&u->ctx, &md_kind_treatment_session, pid, id, &cur, &err),
                     MD_OK);
    assert_string_equal(str_of(cur, "state"), "checked_in");
    assert_int_equal(json_integer_value(json_object_get(cur, "version")), 1);
    json_decref(cur);
    /* A fact recorded after the screening: the gate fails again, whoever writes. */
    fact(u, &md_kind_condition, w.pid, "{\"code\":\"acne\",\"active\":false}");
    assert_int_equal(direct_step(u, s, "precheck", "prechecked", good, &err), MD_EUNPROCESSABLE);
    assert_non_null(strstr(err.message, "screening"));
    /* Every gate satisfied: the same write goes through. */
    screen(u, w.pid, D, "face");
    rc = direct_step(u, s, "precheck", "prechecked", good, &err);
    if (rc != MD_OK) fail_msg("precheck: %s %s", err.field, err.message);
    assert_int_equal(md_record_get(&u->ctx, &md_kind_treatment_session, pid, id, &cur, &err),
                     MD_OK);
    assert_string_equal(str_of(cur, "state"), "prechecked");
    /* And the start runs them once more: a consent withdrawn meanwhile stops it. */
    json_t *o = NULL, *why = json_pack("{s:s}", "reason", "changed her mind");
    assert_int_equal(md_consent_withdraw(&u->ctx, w.consent, why, "Tablet/1.0", &o, &err), MD_OK);
    json_decref(o);
    json_decref(why);
    assert_int_equal(direct_step(u, cur, "start", "in_progress", NULL, &err), MD_EUNPROCESSABLE);
    assert_non_null(strstr(err.message, "consent"));
    json_decref(cur);
    json_decref(good);
    json_decref(bad);
    json_decref(s);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, unit_db_teardown)
    const struct CMUnitTest tests[] = {
        T(every_gate_passes_when_everything_is_recorded),
        T(every_gate_is_evaluated_and_unknown_blocks),
        T(a_fact_recorded_after_the_screening_makes_it_stale),
        T(a_screening_of_another_day_is_no_screening),
        T(a_contraindicated_or_deferred_screening_fails),
        T(an_uncleared_finding_fails_until_cleared),
        T(an_incomplete_screening_is_unknown),
        T(the_screening_must_cover_the_courses_plan),
        T(consent_passes_only_when_signed),
        T(a_patch_test_is_needed_where_screening_asks),
        T(the_practitioner_needs_a_licence_valid_on_the_day),
        T(lots_must_be_usable_on_the_day),
        T(vials_must_be_of_the_lot_and_within_their_beyond_use_time),
        T(the_needle_lot_is_a_needles_lot),
        T(no_dose_is_drawn_from_a_needle_lot),
        T(before_photos_follow_the_policy),
        T(the_policy_has_defaults_until_set),
        T(bad_policies_are_refused_naming_the_field),
        T(a_direct_write_of_the_kind_runs_the_gates),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
