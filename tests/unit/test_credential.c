/*
 * test_credential.c - staff credentials (credential.c): md_credential_check on the day asked
 * (valid, expired yesterday, expiring today, not yet issued, lacking the scope, entered in
 * error, suspended, a deactivated account, a receptionist, another clinic's staff), the
 * kb's rules on a record (a licence needs an expiry, known types and scopes), who may read
 * and write, and the expiring worklist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "mesodesk/credential.h"
#include "mesodesk/staff.h"
#include "unit_db.h"

static void account(unit_db *u, const char *email, const char *role, char id[MD_ID_STR])
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s}", "email", email, "display_name", email, "role", role),
           *out = NULL;
    if (strcmp(role, "practitioner") == 0) {
        json_object_set_new(in, "licence_number", json_string("L-1"));
        json_object_set_new(in, "licence_expiry", json_string("2099-01-01"));
    }
    md_code rc = md_staff_create(&u->ctx, in, "a-long-password", &out, &err);
    if (rc != MD_OK) fprintf(stderr, "staff: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    md_strlcpy(id, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(out);
    json_decref(in);
}

static const char *day_str(md_day d, char buf[MD_DATE_STR])
{
    md_date_format(d, buf);
    return buf;
}

/* A licence of staff with the scope, issued and expiring on the days given (expires < 0:
 * no expiry); returns its id in id (may be NULL).  The code of the create. */
static md_code licence(unit_db *u, const char *staff, const char *type, const char *scope,
                       md_day issued, md_day expires, char *id, md_err *err)
{
    char a[MD_DATE_STR], b[MD_DATE_STR];
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "type", type, "number", "GMC-123",
                           "issuing_body", "General Medical Council", "issued_on",
                           day_str(issued, a), "scopes", scope),
           *out = NULL;
    if (expires >= 0) json_object_set_new(in, "expires_on", json_string(day_str(expires, b)));
    md_code rc = md_credential_create(&u->ctx, staff, in, &out, err);
    if (rc == MD_OK && id) md_strlcpy(id, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(out);
    return rc;
}

static md_day D; /* the day checked: 2026-06-15 */

static int setup(void **state)
{
    md_date_parse("2026-06-15", &D);
    return unit_db_setup(state);
}

static void check_is(unit_db *u, const char *staff, md_day day, md_code want, const char *in_msg)
{
    md_err err = {0};
    md_code rc = md_credential_check(&u->ctx, staff, "injectables", day, &err);
    if (rc != want) fprintf(stderr, "check: %d %s\n", rc, err.message);
    assert_int_equal(rc, want);
    if (want != MD_OK) {
        assert_string_equal(err.field, "practitioner_id");
        if (in_msg && !strstr(err.message, in_msg))
            fail_msg("message '%s' lacks '%s'", err.message, in_msg);
    }
}

static void valid_licence_passes_and_expiry_day_is_inclusive(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR];
    md_err err;
    account(u, "p@x.org", "practitioner", p);
    assert_int_equal(licence(u, p, "licence", "injectables", D - 400, D, NULL, &err), MD_OK);
    check_is(u, p, D - 1, MD_OK, NULL);
    check_is(u, p, D, MD_OK, NULL); /* expires today: still valid */
    char msg[64];
    snprintf(msg, sizeof msg, "expired on %s", day_str(D, (char[MD_DATE_STR]){0}));
    check_is(u, p, D + 1, MD_ECONFLICT, msg); /* expired yesterday */
    check_is(u, p, D + 1, MD_ECONFLICT, "GMC-123");
}

static void not_yet_issued_is_refused(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR];
    md_err err;
    account(u, "p@x.org", "practitioner", p);
    assert_int_equal(licence(u, p, "licence", "injectables", D + 1, D + 365, NULL, &err), MD_OK);
    check_is(u, p, D, MD_ECONFLICT, "valid from");
    check_is(u, p, D + 1, MD_OK, NULL);
}

static void lacking_the_scope_or_not_a_licence_is_refused(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR];
    md_err err;
    account(u, "p@x.org", "practitioner", p);
    check_is(u, p, D, MD_ECONFLICT, "no current licence with scope injectables");
    assert_int_equal(licence(u, p, "licence", "topical", D - 10, D + 10, NULL, &err), MD_OK);
    check_is(u, p, D, MD_ECONFLICT, "no current licence with scope injectables");
    /* a qualification with the scope does not authorise: only a licence does (kb) */
    assert_int_equal(licence(u, p, "qualification", "injectables", D - 10, D + 10, NULL, &err),
                     MD_OK);
    check_is(u, p, D, MD_ECONFLICT, "no current licence with scope injectables");
    assert_int_equal(md_credential_check(&u->ctx, p, "topical", D, &err), MD_OK);
}

static void entered_in_error_or_suspended_licence_is_refused(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR], id[MD_ID_STR];
    md_err err;
    json_t *out = NULL;
    account(u, "p@x.org", "practitioner", p);
    assert_int_equal(licence(u, p, "licence", "injectables", D - 10, D + 10, id, &err), MD_OK);
    check_is(u, p, D, MD_OK, NULL);
    json_t *up = json_pack("{s:s,s:s}", "status", "suspended", "reason", "regulator's order");
    assert_int_equal(md_credential_update(&u->ctx, p, id, up, &out, &err), MD_OK);
    json_decref(out);
    json_decref(up);
    check_is(u, p, D, MD_ECONFLICT, "suspended");
    json_t *eie = json_pack("{s:s}", "reason", "typed for the wrong person");
    assert_int_equal(md_credential_entered_in_error(&u->ctx, p, id, eie, &out, &err), MD_OK);
    json_decref(out);
    json_decref(eie);
    check_is(u, p, D, MD_ECONFLICT, "no current licence with scope injectables");
}

static void deactivated_or_reception_staff_is_refused(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR], r[MD_ID_STR];
    md_err err;
    json_t *out = NULL;
    account(u, "p@x.org", "practitioner", p);
    account(u, "r@x.org", "reception", r);
    assert_int_equal(licence(u, p, "licence", "injectables", D - 10, D + 10, NULL, &err), MD_OK);
    assert_int_equal(licence(u, r, "licence", "injectables", D - 10, D + 10, NULL, &err), MD_OK);
    check_is(u, r, D, MD_ECONFLICT, "not a practitioner");
    json_t *off = json_pack("{s:b,s:s}", "active", 0, "reason", "left the clinic");
    assert_int_equal(md_staff_update(&u->ctx, p, off, &out, &err), MD_OK);
    json_decref(out);
    json_decref(off);
    check_is(u, p, D, MD_ECONFLICT, "deactivated");
}

static void another_clinics_staff_is_not_found(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR], other[MD_ID_STR], mine[MD_ID_STR];
    md_err err;
    account(u, "p@x.org", "practitioner", p);
    assert_int_equal(licence(u, p, "licence", "injectables", D - 10, D + 10, NULL, &err), MD_OK);
    md_strlcpy(mine, u->ctx.who.clinic_id, sizeof mine);
    assert_int_equal(md_clinic_create(u->db, "Other", "Europe/Paris", "EU", other, &err), MD_OK);
    md_strlcpy(u->ctx.who.clinic_id, other, sizeof u->ctx.who.clinic_id);
    check_is(u, p, D, MD_ENOTFOUND, NULL);
    check_is(u, "not-an-id", D, MD_ENOTFOUND, NULL);
    /* nor can it record one for them */
    assert_int_equal(licence(u, p, "licence", "injectables", D - 10, D + 10, NULL, &err),
                     MD_ENOTFOUND);
    md_strlcpy(u->ctx.who.clinic_id, mine, sizeof u->ctx.who.clinic_id);
    check_is(u, p, D, MD_OK, NULL);
}

static void the_kb_rules_a_record(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR];
    md_err err;
    int64_t n = -1;
    account(u, "p@x.org", "practitioner", p);
    assert_int_equal(licence(u, p, "licence", "injectables", D - 10, -1, NULL, &err), MD_EINVAL);
    assert_string_equal(err.field, "expires_on");
    /* a qualification needs no expiry (kb) */
    assert_int_equal(licence(u, p, "qualification", "injectables", D - 10, -1, NULL, &err), MD_OK);
    assert_int_equal(licence(u, p, "diploma", "injectables", D - 10, D + 1, NULL, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "type");
    assert_int_equal(licence(u, p, "licence", "lasers", D - 10, D + 1, NULL, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "scopes");
    assert_int_equal(licence(u, p, "licence", "injectables", D - 10, D - 11, NULL, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "expires_on");
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[{s:s}]}", "type", "qualification", "issuing_body",
                           "X", "issued_on", "2020-01-01", "expires_on", "2030-01-01", "evidence",
                           "hash", "00"),
           *out = NULL;
    assert_int_equal(md_credential_create(&u->ctx, p, in, &out, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "evidence");
    json_decref(in);
    md_val v[] = {md_text(u->ctx.who.clinic_id)};
    assert_int_equal(md_store_scalar_int(u->db,
                                         "SELECT count(*) FROM staff_credentials WHERE "
                                         "clinic_id = $1",
                                         v, 1, &n, &err),
                     MD_OK);
    assert_int_equal(n, 1); /* only the qualification was stored */
}

static void staff_read_their_own_and_admins_write(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR], q[MD_ID_STR], id[MD_ID_STR];
    md_err err;
    json_t *out = NULL;
    account(u, "p@x.org", "practitioner", p);
    account(u, "q@x.org", "practitioner", q);
    assert_int_equal(licence(u, p, "licence", "injectables", D - 10, D + 10, id, &err), MD_OK);
    md_ctx admin = u->ctx;
    u->ctx.who.role = MD_ROLE_PRACTITIONER;
    md_strlcpy(u->ctx.who.staff_id, p, sizeof u->ctx.who.staff_id);
    assert_int_equal(md_credential_list(&u->ctx, p, 0, &out, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 1);
    json_decref(out);
    assert_int_equal(md_credential_get(&u->ctx, p, id, &out, &err), MD_OK);
    json_decref(out);
    assert_int_equal(md_credential_list(&u->ctx, q, 0, &out, &err), MD_EFORBIDDEN);
    assert_int_equal(md_credential_get(&u->ctx, q, id, &out, &err), MD_EFORBIDDEN);
    assert_int_equal(licence(u, p, "licence", "injectables", D - 10, D + 10, NULL, &err),
                     MD_EFORBIDDEN);
    u->ctx = admin;
    /* the credential is p's: not found under q */
    assert_int_equal(md_credential_get(&u->ctx, q, id, &out, &err), MD_ENOTFOUND);
    json_t *up = json_pack("{s:s,s:s}", "number", "GMC-124", "reason", "renumbered");
    assert_int_equal(md_credential_update(&u->ctx, q, id, up, &out, &err), MD_ENOTFOUND);
    assert_int_equal(md_credential_update(&u->ctx, p, id, up, &out, &err), MD_OK);
    json_decref(out);
    json_decref(up);
    assert_int_equal(md_credential_history(&u->ctx, p, id, &out, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "versions")), 2);
    json_decref(out);
}

static int listed(json_t *out, const char *id)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(out, "items"), i,
                       it) if (strcmp(json_string_value(json_object_get(it, "id")), id) ==
                               0) return 1;
    return 0;
}

static void the_worklist_lists_licences_expiring_and_expired(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR], q[MD_ID_STR], r[MD_ID_STR], soon[MD_ID_STR], late[MD_ID_STR],
        gone[MD_ID_STR], left[MD_ID_STR], old[MD_ID_STR], renewal[MD_ID_STR], qual[MD_ID_STR];
    md_err err;
    json_t *out = NULL;
    md_day t = md_today_utc();
    account(u, "p@x.org", "practitioner", p);
    account(u, "q@x.org", "practitioner", q);
    account(u, "r@x.org", "practitioner", r);
    assert_int_equal(licence(u, p, "licence", "injectables", t - 300, t + 30, soon, &err), MD_OK);
    assert_int_equal(licence(u, p, "licence", "topical", t - 300, t + 90, late, &err), MD_OK);
    assert_int_equal(licence(u, q, "licence", "injectables", t - 300, t - 2, gone, &err), MD_OK);
    assert_int_equal(licence(u, q, "qualification", "injectables", t - 900, t - 5, qual, &err),
                     MD_OK);
    assert_int_equal(licence(u, r, "licence", "injectables", t - 700, t - 400, old, &err), MD_OK);
    assert_int_equal(licence(u, r, "licence", "injectables", t - 400, t + 300, renewal, &err),
                     MD_OK);
    char s[MD_ID_STR];
    account(u, "s@x.org", "practitioner", s);
    assert_int_equal(licence(u, s, "licence", "injectables", t - 300, t - 1, left, &err), MD_OK);
    json_t *off = json_pack("{s:b,s:s}", "active", 0, "reason", "left");
    assert_int_equal(md_staff_update(&u->ctx, s, off, &out, &err), MD_OK);
    json_decref(out);
    json_decref(off);

    assert_int_equal(md_credential_expiring(&u->ctx, -1, &out, &err), MD_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "within")), 60);
    assert_true(listed(out, soon));  /* in 30 days */
    assert_false(listed(out, late)); /* in 90 days */
    assert_true(listed(out, gone));  /* expired, active practitioner, no renewal */
    assert_false(listed(out, qual)); /* a qualification needs no renewal (kb) */
    assert_false(listed(out, old));  /* expired but renewed */
    assert_false(listed(out, renewal));
    assert_false(listed(out, left)); /* expired, account deactivated */
    json_t *first = json_array_get(json_object_get(out, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "id")), gone);
    assert_true(json_is_true(json_object_get(first, "expired")));
    json_decref(out);
    assert_int_equal(md_credential_expiring(&u->ctx, 100, &out, &err), MD_OK);
    assert_true(listed(out, late));
    json_decref(out);
    assert_int_equal(md_credential_expiring(&u->ctx, 100000, &out, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "within");
    u->ctx.who.role = MD_ROLE_RECEPTION;
    assert_int_equal(md_credential_expiring(&u->ctx, -1, &out, &err), MD_EFORBIDDEN);
}

static void check_all_agrees_with_check(void **state)
{
    unit_db *u = *state;
    char p[MD_ID_STR], q[MD_ID_STR], r[MD_ID_STR];
    md_err err;
    json_t *out = NULL;
    account(u, "p@x.org", "practitioner", p);
    account(u, "q@x.org", "practitioner", q);
    account(u, "r@x.org", "reception", r);
    assert_int_equal(licence(u, p, "licence", "injectables", D - 10, D + 10, NULL, &err), MD_OK);
    assert_int_equal(licence(u, q, "licence", "injectables", D - 10, D - 1, NULL, &err), MD_OK);
    assert_int_equal(md_credential_check_all(&u->ctx, "injectables", D, &out, &err), MD_OK);
    assert_true(json_is_true(json_object_get(json_object_get(out, p), "ok")));
    json_t *vq = json_object_get(out, q), *vr = json_object_get(out, r);
    assert_false(json_is_true(json_object_get(vq, "ok")));
    assert_string_equal(json_string_value(json_object_get(vq, "code")), "expired");
    assert_string_equal(json_string_value(json_object_get(vr, "code")), "role");
    json_decref(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(valid_licence_passes_and_expiry_day_is_inclusive, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(not_yet_issued_is_refused, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(lacking_the_scope_or_not_a_licence_is_refused, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(entered_in_error_or_suspended_licence_is_refused, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(deactivated_or_reception_staff_is_refused, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(another_clinics_staff_is_not_found, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(the_kb_rules_a_record, setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(staff_read_their_own_and_admins_write, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(the_worklist_lists_licences_expiring_and_expired, setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(check_all_agrees_with_check, setup, unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
