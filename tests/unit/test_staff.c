/*
 * test_staff.c - managing staff accounts in the core (staff.c): the clinic
 * always keeps an active admin, deactivation and password resets end the
 * account's sessions in the same change, and nothing is written when nothing
 * differs.  The context acts as the clinic's admin but is no staff row itself,
 * like the command line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "mesodesk/auth.h"
#include "mesodesk/staff.h"
#include "unit_db.h"

static void account(unit_db *u, const char *email, const char *role, char id[MD_ID_STR])
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s}", "email", email, "display_name", email, "role", role),
           *out = NULL;
    assert_int_equal(md_staff_create(&u->ctx, in, "a-long-password", &out, &err), MD_OK);
    md_strlcpy(id, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(out);
    json_decref(in);
}

static md_code change(unit_db *u, const char *id, const char *json, md_err *err)
{
    json_t *in = json_loads(json, 0, NULL), *out = NULL;
    md_code rc = md_staff_update(&u->ctx, id, in, &out, err);
    json_decref(out);
    json_decref(in);
    return rc;
}

static void session_of(unit_db *u, const char *email, const char *password,
                       char token[MD_TOKEN_STR])
{
    md_err err;
    md_login_result lr;
    md_ctx c = u->ctx;
    memset(&c.who, 0, sizeof c.who);
    assert_int_equal(md_login_throttle_reset(u->db, &err), MD_OK);
    assert_int_equal(md_login(&c, email, password, &lr, &err), MD_OK);
    md_strlcpy(token, lr.token, MD_TOKEN_STR);
}

static void the_clinic_keeps_an_active_admin(void **state)
{
    unit_db *u = *state;
    md_err err;
    char a1[MD_ID_STR], a2[MD_ID_STR];
    account(u, "one@unit.clinic", "admin", a1);
    account(u, "two@unit.clinic", "admin", a2);
    assert_int_equal(change(u, a1, "{\"active\":false}", &err), MD_OK);
    /* The last one can be neither deactivated nor demoted. */
    assert_int_equal(change(u, a2, "{\"active\":false}", &err), MD_ECONFLICT);
    assert_string_equal(err.field, "active");
    assert_int_equal(change(u, a2, "{\"role\":\"auditor\"}", &err), MD_ECONFLICT);
    assert_string_equal(err.field, "role");
    /* Once the other is back, it can. */
    assert_int_equal(change(u, a1, "{\"active\":true}", &err), MD_OK);
    assert_int_equal(change(u, a2, "{\"role\":\"auditor\"}", &err), MD_OK);
}

static void deactivation_and_resets_end_sessions(void **state)
{
    unit_db *u = *state;
    md_err err;
    md_principal who;
    char id[MD_ID_STR], t1[MD_TOKEN_STR], t2[MD_TOKEN_STR], generated[21];
    account(u, "desk@unit.clinic", "reception", id);
    session_of(u, "desk@unit.clinic", "a-long-password", t1);
    assert_int_equal(md_session_check(u->db, t1, &who, NULL, &err), MD_OK);
    assert_int_equal(change(u, id, "{\"active\":false,\"reason\":\"left\"}", &err), MD_OK);
    assert_int_equal(md_session_check(u->db, t1, &who, NULL, &err), MD_EUNAUTH);
    assert_int_equal(change(u, id, "{\"active\":true}", &err), MD_OK);
    assert_int_equal(md_session_check(u->db, t1, &who, NULL, &err), MD_EUNAUTH);

    session_of(u, "desk@unit.clinic", "a-long-password", t2);
    assert_int_equal(md_staff_set_password(&u->ctx, id, NULL, generated, &err), MD_OK);
    assert_int_equal(strlen(generated), 20);
    assert_int_equal(md_session_check(u->db, t2, &who, NULL, &err), MD_EUNAUTH);
    session_of(u, "desk@unit.clinic", generated, t2);
    assert_int_equal(md_staff_set_password(&u->ctx, id, "short", generated, &err), MD_EINVAL);
    assert_string_equal(err.field, "password");
    /* Reception manages no one. */
    u->ctx.who.role = MD_ROLE_RECEPTION;
    assert_int_equal(change(u, id, "{\"display_name\":\"X\"}", &err), MD_EFORBIDDEN);
    assert_int_equal(md_staff_set_password(&u->ctx, id, NULL, generated, &err), MD_EFORBIDDEN);
    u->ctx.who.role = MD_ROLE_ADMIN;
}

static void an_unchanged_account_is_not_written(void **state)
{
    unit_db *u = *state;
    md_err err;
    char id[MD_ID_STR];
    int64_t before = 0, after = 0;
    account(u, "same@unit.clinic", "auditor", id);
    md_val v[] = {md_text(u->ctx.who.clinic_id)};
    const char *count = "SELECT count(*) FROM audit_log WHERE clinic_id = $1";
    assert_int_equal(md_store_scalar_int(u->db, count, v, 1, &before, &err), MD_OK);
    assert_int_equal(
        change(u, id, "{\"role\":\"auditor\",\"display_name\":\"same@unit.clinic\"}", &err), MD_OK);
    assert_int_equal(md_store_scalar_int(u->db, count, v, 1, &after, &err), MD_OK);
    assert_int_equal(after, before);
    assert_int_equal(change(u, id, "{\"qualifications\":[\"Audit\"]}", &err), MD_OK);
    assert_int_equal(md_store_scalar_int(u->db, count, v, 1, &after, &err), MD_OK);
    assert_int_equal(after, before + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_clinic_keeps_an_active_admin, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(deactivation_and_resets_end_sessions, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(an_unchanged_account_is_not_written, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests_name("unit.staff", tests, NULL, NULL);
}
