/*
 * test_day.c - what the clinic's day says is missing before a treatment (day.c): each item
 * with a case that fires it and one that does not (no screening, facts changed after it,
 * older than the kb's limit, blocking, incomplete, patch test needed, clearance due, the
 * practitioner's licence), reception seeing no clinical detail, and appointments that are
 * no longer to happen carrying no checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cairo.h>
#include <cmocka.h>
#include <sodium.h>

#include "mesodesk/booking.h"
#include "mesodesk/consent.h"
#include "mesodesk/credential.h"
#include "mesodesk/day.h"
#include "mesodesk/record.h"
#include "mesodesk/screening.h"
#include "mesodesk/staff.h"
#include "unit_db.h"
#include "unit_signature.h"

static md_day D; /* the day: 2026-06-15 */

static int setup(void **state)
{
    md_date_parse("2026-06-15", &D);
    return unit_db_setup(state);
}

static void patient(unit_db *u, const char *sex, const char *birth, char id[MD_ID_STR])
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "Ivy", "family_name", "Hale",
                           "birth_date", birth, "sex", sex),
           *out = NULL;
    assert_int_equal(md_record_create(&u->ctx, &md_kind_patient, NULL, in, &out, &err), MD_OK);
    md_strlcpy(id, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

static void fact(unit_db *u, const md_record_kind *k, const char *pid, const char *json)
{
    md_err err;
    json_t *in = json_loads(json, 0, NULL), *out = NULL;
    md_code rc = md_record_create(&u->ctx, k, pid, in, &out, &err);
    if (rc != MD_OK) fprintf(stderr, "%s: %s %s\n", k->name, err.field, err.message);
    assert_int_equal(rc, MD_OK);
    json_decref(in);
    json_decref(out);
}

/* A man of 60 with "no known allergies": nothing a rule needs is unknown. */
static void plain_patient(unit_db *u, char id[MD_ID_STR])
{
    patient(u, "male", "1966-01-01", id);
    fact(u, &md_kind_allergy_statement, id,
         "{\"statement\":\"no_known_allergies\",\"asked_on\":\"2026-06-01\"}");
}

static void screen(unit_db *u, const char *pid, md_day day)
{
    md_err err;
    char d[MD_DATE_STR];
    md_date_format(day, d);
    json_t *in = json_pack("{s:s,s:s,s:{s:[s],s:[s]}}", "patient_id", pid, "date", d, "plan",
                           "areas", "face", "ingredients", "hyaluronic_acid"),
           *out = NULL;
    md_code rc = md_screening_create(&u->ctx, in, &out, &err);
    if (rc != MD_OK) fprintf(stderr, "screen: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    json_decref(in);
    json_decref(out);
}

/* The missing items of one booked appointment of pid (with prac and scope when given). */
static json_t *missing_of(unit_db *u, const char *pid, const char *prac, const char *scope,
                          const char *status, md_day day)
{
    md_err err;
    json_t *appts = json_pack("[{s:s,s:s,s:s,s:s}]", "id", "a1", "patient_id", pid, "status",
                              status, "start", "2026-06-15T09:00:00Z");
    json_t *a = json_array_get(appts, 0);
    if (prac) json_object_set_new(a, "practitioner_id", json_string(prac));
    if (scope) json_object_set_new(a, "required_scope", json_string(scope));
    md_code rc = md_day_missing(&u->ctx, day, appts, &err);
    if (rc != MD_OK) fprintf(stderr, "day: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    json_t *out = json_incref(a);
    json_decref(appts);
    return out;
}

static int has(json_t *a, const char *code)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(a, "missing"), i,
                       it) if (strcmp(json_string_value(json_object_get(it, "code")), code) ==
                               0) return 1;
    return 0;
}

static void expect(unit_db *u, const char *pid, md_day day, const char *code, int want)
{
    json_t *a = missing_of(u, pid, NULL, NULL, "booked", day);
    if (has(a, code) != want) {
        char *s = json_dumps(json_object_get(a, "missing"), 0);
        fail_msg("%s %s expected: %s", code, want ? "" : "not", s);
    }
    json_decref(a);
}

static void no_screening_is_missing_until_one_is_made(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR];
    plain_patient(u, p);
    json_t *a = missing_of(u, p, NULL, NULL, "booked", D);
    assert_true(has(a, "screening_missing"));
    assert_false(json_is_true(json_object_get(a, "ready")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(a, "patient"), "family_name")), "Hale");
    json_decref(a);
    screen(u, p, D);
    a = missing_of(u, p, NULL, NULL, "booked", D);
    assert_int_equal(json_array_size(json_object_get(a, "missing")), 0);
    assert_true(json_is_true(json_object_get(a, "ready")));
    json_decref(a);
}

static void a_fact_recorded_after_the_screening_outdates_it(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR];
    plain_patient(u, p);
    screen(u, p, D);
    expect(u, p, D, "screening_outdated", 0);
    sleep(1); /* recorded_at has whole seconds */
    fact(u, &md_kind_condition, p, "{\"code\":\"acne\",\"active\":false}");
    expect(u, p, D, "screening_outdated", 1);
    screen(u, p, D);
    expect(u, p, D, "screening_outdated", 0);
}

static void a_screening_older_than_the_kbs_limit_is_stale(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR];
    md_day_kb dk;
    md_kb_day(u->kb, &dk);
    assert_int_equal(dk.screening_valid_days, 30);
    plain_patient(u, p);
    screen(u, p, D);
    expect(u, p, D + 30, "screening_stale", 0);
    expect(u, p, D + 31, "screening_stale", 1);
}

static void a_blocking_or_incomplete_screening_is_missing(void **state)
{
    unit_db *u = *state;
    char preg[MD_ID_STR], unknown[MD_ID_STR], p[MD_ID_STR];
    patient(u, "female", "1990-01-01", preg);
    fact(u, &md_kind_allergy_statement, preg,
         "{\"statement\":\"no_known_allergies\",\"asked_on\":\"2026-06-01\"}");
    fact(u, &md_kind_status, preg,
         "{\"pregnant\":\"yes\",\"breastfeeding\":\"no\",\"recorded_on\":\"2026-06-01\"}");
    screen(u, preg, D);
    expect(u, preg, D, "screening_blocking", 1);
    /* the allergy list never recorded: unknown is not no */
    patient(u, "male", "1966-01-01", unknown);
    screen(u, unknown, D);
    expect(u, unknown, D, "screening_incomplete", 1);
    expect(u, unknown, D, "screening_blocking", 0);
    plain_patient(u, p);
    screen(u, p, D);
    expect(u, p, D, "screening_incomplete", 0);
    expect(u, p, D, "screening_blocking", 0);
}

static void a_patch_test_or_a_clearance_is_due(void **state)
{
    unit_db *u = *state;
    char pt[MD_ID_STR], cl[MD_ID_STR];
    patient(u, "male", "1966-01-01", pt);
    fact(u, &md_kind_allergy, pt, "{\"substance\":\"latex\"}");
    screen(u, pt, D);
    expect(u, pt, D, "patch_test_needed", 1);
    expect(u, pt, D, "clearance_due", 0);
    plain_patient(u, cl);
    fact(u, &md_kind_medication, cl, "{\"code\":\"anticoagulant\",\"name\":\"warfarin\"}");
    screen(u, cl, D);
    expect(u, cl, D, "clearance_due", 1);
    expect(u, cl, D, "patch_test_needed", 0);
    fact(u, &md_kind_clearance, cl,
         "{\"rule\":\"anticoagulant_clearance\",\"clearance_reason\":\"letter from the "
         "prescriber\",\"physician\":\"Dr Osei\",\"valid_until\":\"2099-01-01\"}");
    screen(u, cl, D);
    expect(u, cl, D, "clearance_due", 0);
}

static void the_practitioners_licence_is_checked(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR], prac[MD_ID_STR], date[MD_DATE_STR];
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s}", "email", "p@x.org", "display_name", "Dr P",
                           "role", "practitioner", "licence_number", "L", "licence_expiry",
                           "2099-01-01"),
           *out = NULL;
    assert_int_equal(md_staff_create(&u->ctx, in, "a-long-password", &out, &err), MD_OK);
    md_strlcpy(prac, json_string_value(json_object_get(out, "id")), sizeof prac);
    json_decref(in);
    json_decref(out);
    plain_patient(u, p);
    screen(u, p, D);
    json_t *a = missing_of(u, p, prac, "injectables", "booked", D);
    assert_true(has(a, "licence"));
    json_decref(a);
    md_date_format(D - 1, date);
    in = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "type", "licence", "issuing_body", "GMC", "issued_on",
                   "2020-01-01", "expires_on", date, "scopes", "injectables");
    assert_int_equal(md_credential_create(&u->ctx, prac, in, &out, &err), MD_OK);
    json_decref(in);
    json_decref(out);
    a = missing_of(u, p, prac, "injectables", "booked", D); /* expired yesterday */
    assert_true(has(a, "licence"));
    json_decref(a);
    a = missing_of(u, p, prac, "injectables", "booked", D - 1); /* expires that day */
    assert_false(has(a, "licence"));
    assert_true(json_is_true(json_object_get(a, "ready")));
    json_decref(a);
}

static void reception_sees_codes_but_no_clinical_detail(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR];
    patient(u, "male", "1966-01-01", p);
    fact(u, &md_kind_allergy, p, "{\"substance\":\"latex\"}");
    fact(u, &md_kind_medication, p, "{\"code\":\"anticoagulant\",\"name\":\"warfarin\"}");
    screen(u, p, D);
    json_t *a = missing_of(u, p, NULL, NULL, "booked", D);
    char *clinical = json_dumps(a, 0);
    assert_non_null(strstr(clinical, "anticoagulant_clearance"));
    free(clinical);
    json_decref(a);
    u->ctx.who.role = MD_ROLE_RECEPTION;
    a = missing_of(u, p, NULL, NULL, "booked", D);
    assert_true(has(a, "patch_test_needed"));
    assert_true(has(a, "clearance_due"));
    char *shown = json_dumps(a, 0);
    static const char *const never[] = {"detail",     "anticoagulant", "warfarin", "latex",
                                        "hyaluronic", "rule",          "finding",  NULL};
    for (int i = 0; never[i]; i++)
        if (strstr(shown, never[i])) fail_msg("reception sees '%s': %s", never[i], shown);
    free(shown);
    json_decref(a);
}

static void appointments_not_to_happen_carry_no_checks(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR];
    plain_patient(u, p);
    json_t *a = missing_of(u, p, NULL, NULL, "cancelled", D);
    assert_int_equal(json_array_size(json_object_get(a, "missing")), 0);
    assert_false(json_is_true(json_object_get(a, "ready")));
    json_decref(a);
    a = missing_of(u, p, NULL, NULL, "arrived", D);
    assert_true(has(a, "screening_missing"));
    json_decref(a);
}

/* ---- the day over real appointments ---- */

static void staff_member(unit_db *u, const char *email, char id[MD_ID_STR])
{
    md_err err;
    json_t *in =
               json_pack("{s:s,s:s,s:s,s:s,s:s}", "email", email, "display_name", "Dr Osei", "role",
                         "practitioner", "licence_number", "L", "licence_expiry", "2099-01-01"),
           *out = NULL;
    assert_int_equal(md_staff_create(&u->ctx, in, "a-long-password", &out, &err), MD_OK);
    md_strlcpy(id, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

static void room(unit_db *u, char id[MD_ID_STR])
{
    md_err err;
    json_t *in = json_pack("{s:s}", "name", "Room 1"), *out = NULL;
    assert_int_equal(md_record_create(&u->ctx, &md_kind_room, NULL, in, &out, &err), MD_OK);
    md_strlcpy(id, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

/* An appointment row as booking writes it, at local midnight of day + hours (UTC here:
 * the test's clinic is in Europe/London, and these days are in winter). */
static void appointment_row(unit_db *u, const char *pid, const char *prac, const char *rm,
                            md_day day, int hour, const char *status)
{
    md_err err;
    char id[MD_ID_STR], start[MD_TIME_STR], end[MD_TIME_STR];
    static int n;
    snprintf(id, sizeof id, "%032x", ++n);
    md_time_format((int64_t)day * 86400 + hour * 3600, start);
    md_time_format((int64_t)day * 86400 + hour * 3600 + 1800, end);
    md_val v[] = {md_text(u->ctx.who.clinic_id),
                  md_text(id),
                  md_text(pid),
                  md_text(prac),
                  md_text(rm),
                  md_text(start),
                  md_text(end),
                  md_text(status)};
    assert_int_equal(md_store_exec(u->db,
                                   "INSERT INTO appointments (clinic_id, id, version, current, "
                                   "recorded_by, recorded_at, reason, patient_id, "
                                   "practitioner_id, room_id, kind, start_at, end_at, status) "
                                   "VALUES ($1, $2, 1, 1, 'test', '2026-01-01T00:00:00Z', 'test', "
                                   "$3, $4, $5, 'treatment', $6, $7, $8)",
                                   v, 8, NULL, NULL, &err),
                     MD_OK);
}

static int has_id(json_t *list, const char *key, const char *id)
{
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it) if (strcmp(json_string_value(json_object_get(it, key)), id) ==
                                        0) return 1;
    return 0;
}

static void the_day_groups_its_appointments_and_audits_its_patients(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR], q[MD_ID_STR], prac[MD_ID_STR], rm[MD_ID_STR], date[MD_DATE_STR];
    md_err err;
    md_day day;
    md_date_parse("2026-01-20", &day); /* winter: London is UTC */
    staff_member(u, "osei@x.org", prac);
    room(u, rm);
    plain_patient(u, p);
    plain_patient(u, q);
    appointment_row(u, p, prac, rm, day, 9, "booked");
    appointment_row(u, q, prac, rm, day, 10, "cancelled");
    appointment_row(u, q, prac, rm, day + 1, 10, "booked"); /* another day */
    md_day_query dq = {.day = day, .has_day = 1};
    json_t *out = NULL;
    assert_int_equal(md_day_get(&u->ctx, &dq, &out, &err), MD_OK);
    md_date_format(day, date);
    assert_string_equal(json_string_value(json_object_get(out, "date")), date);
    assert_string_equal(json_string_value(json_object_get(out, "time_zone")), "Europe/London");
    json_t *appts = json_object_get(out, "appointments");
    assert_int_equal(json_array_size(appts), 2);
    json_t *a = json_array_get(appts, 0);
    assert_string_equal(json_string_value(json_object_get(a, "practitioner_name")), "Dr Osei");
    assert_true(has(a, "screening_missing"));
    assert_true(has(a, "consent_treatment"));
    assert_non_null(json_object_get(a, "start_local"));
    json_t *cancelled = json_array_get(appts, 1);
    assert_int_equal(json_array_size(json_object_get(cancelled, "missing")), 0);
    json_t *pr = json_array_get(json_object_get(out, "practitioners"), 0);
    assert_string_equal(json_string_value(json_object_get(pr, "id")), prac);
    assert_int_equal(json_array_size(json_object_get(pr, "appointments")), 2);
    assert_int_equal(json_array_size(json_object_get(out, "rooms")), 1);
    json_decref(out);
    /* one read entry per patient shown */
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE clinic_id = $1 AND action = 'read' AND "
             "object_type = 'patient' AND patient_id = $2 AND detail = 'the clinic''s day %s'",
             date);
    int64_t n = -1;
    md_val v[] = {md_text(u->ctx.who.clinic_id), md_text(p)};
    assert_int_equal(md_store_scalar_int(u->db, sql, v, 2, &n, &err), MD_OK);
    assert_int_equal(n, 1);
    /* a room or a practitioner only */
    dq.room_id = "0123456789abcdef0123456789abcdef";
    assert_int_equal(md_day_get(&u->ctx, &dq, &out, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "appointments")), 0);
    json_decref(out);
    dq.room_id = rm;
    dq.practitioner_id = prac;
    assert_int_equal(md_day_get(&u->ctx, &dq, &out, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "appointments")), 2);
    json_decref(out);
}

static void no_shows_without_a_later_booking_are_followed_up(void **state)
{
    unit_db *u = *state;
    char a[MD_ID_STR], b[MD_ID_STR], c[MD_ID_STR], d[MD_ID_STR], prac[MD_ID_STR], rm[MD_ID_STR];
    md_err err;
    md_day day;
    md_date_parse("2026-01-20", &day);
    staff_member(u, "osei@x.org", prac);
    room(u, rm);
    plain_patient(u, a);
    plain_patient(u, b);
    plain_patient(u, c);
    plain_patient(u, d);
    appointment_row(u, a, prac, rm, day - 3, 9, "no_show");  /* listed */
    appointment_row(u, b, prac, rm, day - 15, 9, "no_show"); /* too long ago */
    appointment_row(u, c, prac, rm, day - 5, 9, "no_show");  /* booked again */
    appointment_row(u, c, prac, rm, day + 4, 9, "booked");
    appointment_row(u, d, prac, rm, day - 2, 9, "completed"); /* came */
    md_day_query dq = {.day = day, .has_day = 1};
    json_t *out = NULL;
    assert_int_equal(md_day_get(&u->ctx, &dq, &out, &err), MD_OK);
    json_t *ns = json_object_get(out, "no_shows");
    assert_true(has_id(ns, "patient_id", a));
    assert_false(has_id(ns, "patient_id", b));
    assert_false(has_id(ns, "patient_id", c));
    assert_false(has_id(ns, "patient_id", d));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_array_get(ns, 0), "patient"), "id")),
        a);
    json_decref(out);
    u->ctx.who.role = MD_ROLE_AUDITOR; /* schedule_read: yes */
    assert_int_equal(md_day_get(&u->ctx, &dq, &out, &err), MD_OK);
    json_decref(out);
    u->ctx.who.role = MD_ROLE_NONE;
    assert_int_equal(md_day_get(&u->ctx, &dq, &out, &err), MD_EFORBIDDEN);
}

static void photo_consent_signed_on_the_tablet_is_no_longer_missing(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR], prac[MD_ID_STR], rm[MD_ID_STR];
    md_err err;
    md_day day;
    md_date_parse("2026-01-20", &day);
    staff_member(u, "osei@x.org", prac);
    room(u, rm);
    plain_patient(u, p);
    appointment_row(u, p, prac, rm, day, 9, "booked");
    md_day_query dq = {.day = day, .has_day = 1};
    json_t *out = NULL;
    assert_int_equal(md_day_get(&u->ctx, &dq, &out, &err), MD_OK);
    assert_true(has(json_array_get(json_object_get(out, "appointments"), 0), "consent_photo"));
    json_decref(out);
    json_t *in = json_pack("{s:s,s:s}", "purpose", "photo", "channel", "tablet"), *c = NULL;
    assert_int_equal(md_consent_start(&u->ctx, p, in, "Tablet/1.0", &c, &err), MD_OK);
    json_decref(in);
    char *sig = signature_b64();
    in = json_pack("{s:s,s:s,s:b}", "typed_name", "Ivy Hale", "signature", sig, "agree", 1);
    json_t *signed_ = NULL, *opened = NULL;
    const char *cid = json_string_value(json_object_get(c, "id"));
    assert_int_equal(md_consent_open_tablet(&u->ctx, cid, "Tablet/1.0", &opened, &err), MD_OK);
    md_code rc = md_consent_sign_tablet(&u->ctx, cid, in, "Tablet/1.0", &signed_, &err);
    if (rc != MD_OK) fail_msg("sign: %s %s", err.field, err.message);
    free(sig);
    json_decref(in);
    json_decref(c);
    json_decref(opened);
    json_decref(signed_);
    assert_int_equal(md_day_get(&u->ctx, &dq, &out, &err), MD_OK);
    json_t *a = json_array_get(json_object_get(out, "appointments"), 0);
    assert_false(has(a, "consent_photo"));
    assert_true(has(a, "consent_treatment")); /* photo consent is not treatment consent */
    json_decref(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(no_screening_is_missing_until_one_is_made, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_fact_recorded_after_the_screening_outdates_it, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_screening_older_than_the_kbs_limit_is_stale, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_blocking_or_incomplete_screening_is_missing, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_patch_test_or_a_clearance_is_due, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(the_practitioners_licence_is_checked, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(reception_sees_codes_but_no_clinical_detail, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(appointments_not_to_happen_carry_no_checks, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(the_day_groups_its_appointments_and_audits_its_patients,
                                        setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(no_shows_without_a_later_booking_are_followed_up, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(photo_consent_signed_on_the_tablet_is_no_longer_missing,
                                        setup, unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
