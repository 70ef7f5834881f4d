/* Unit tests: migrations, the tenancy invariant, versioned records, search, auth, audit,
 * and the store interface itself.  Run on SQLite, and on PostgreSQL under
 * tests/pg_harness.sh (ctest's unit.test_store.pg). */
#include "unit_db.h"

#include "store/store_int.h"

#include "mesodesk/auth.h"
#include "mesodesk/record.h"

#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static void migrations_are_recorded_and_idempotent(void **state)
{
    unit_db *u = *state;
    md_err err;
    /* Every known migration is applied; their numbers may have gaps (reserved ones). */
    assert_true(md_store_schema_version(u->db) >= md_store_migrations_known());
    assert_int_equal(md_store_migrate(u->db, &err), MD_OK);
    int64_t n = 0;
    assert_int_equal(
        md_store_scalar_int(u->db, "SELECT max(version) FROM schema_migrations", NULL, 0, &n, &err),
        MD_OK);
    assert_int_equal(n, md_store_migrations_known());
}

/* Every table but the store's own bookkeeping carries clinic_id. */
static void every_table_has_clinic_id(void **state)
{
    unit_db *u = *state;
    md_err err;
    int pg = strcmp(md_store_backend(u->db), "postgres") == 0;
    json_t *tables = json_array();
    assert_int_equal(md_store_exec(u->db,
                                   pg ? "SELECT table_name FROM information_schema.tables WHERE "
                                        "table_schema = 'public' AND table_name <> "
                                        "'schema_migrations'"
                                      : "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                        "name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'",
                                   NULL, 0, unit_collect_text, tables, &err),
                     MD_OK);
    assert_true(json_array_size(tables) >= 10);
    size_t i;
    json_t *t;
    json_array_foreach(tables, i, t)
    {
        int64_t n = 0;
        md_val v[] = {md_text(json_string_value(t))};
        assert_int_equal(md_store_scalar_int(u->db,
                                             pg ? "SELECT count(*) FROM information_schema.columns "
                                                  "WHERE table_schema = 'public' AND "
                                                  "table_name = $1 AND column_name = 'clinic_id'"
                                                : "SELECT count(*) FROM pragma_table_info($1) "
                                                  "WHERE name = 'clinic_id'",
                                             v, 1, &n, &err),
                         MD_OK);
        if (n != 1) fail_msg("table %s has no clinic_id", json_string_value(t));
    }
    json_decref(tables);
}

static json_t *new_patient(unit_db *u, const char *given, const char *family, const char *birth)
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:i}", "given_name", given, "family_name", family,
                           "birth_date", birth, "sex", "female", "fitzpatrick", 3);
    json_t *out = NULL;
    md_code rc = md_record_create(&u->ctx, &md_kind_patient, NULL, in, &out, &err);
    if (rc != MD_OK) fail_msg("create patient: %s %s", err.field, err.message);
    json_decref(in);
    return out;
}

static void patient_versions_keep_history(void **state)
{
    unit_db *u = *state;
    md_err err;
    json_t *p = new_patient(u, "Ann", "Lee", "1990-01-02");
    const char *id = json_string_value(json_object_get(p, "id"));
    assert_true(md_id_valid(id));
    assert_int_equal(json_integer_value(json_object_get(p, "version")), 1);

    json_t *up =
        json_pack("{s:s,s:s,s:i}", "family_name", "Lee-Hart", "reason", "married", "version", 1);
    json_t *p2 = NULL;
    assert_int_equal(md_record_update(&u->ctx, &md_kind_patient, NULL, id, up, &p2, &err), MD_OK);
    assert_int_equal(json_integer_value(json_object_get(p2, "version")), 2);
    assert_string_equal(json_string_value(json_object_get(p2, "family_name")), "Lee-Hart");
    assert_string_equal(json_string_value(json_object_get(p2, "given_name")), "Ann");
    assert_string_equal(json_string_value(json_object_get(p2, "reason")), "married");

    /* A stale version is refused. */
    json_t *p3 = NULL;
    assert_int_equal(md_record_update(&u->ctx, &md_kind_patient, NULL, id, up, &p3, &err),
                     MD_ECONFLICT);
    assert_string_equal(err.field, "version");

    json_t *h = NULL;
    assert_int_equal(md_record_history(&u->ctx, &md_kind_patient, NULL, id, &h, &err), MD_OK);
    json_t *versions = json_object_get(h, "versions");
    assert_int_equal(json_array_size(versions), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(versions, 0), "family_name")), "Lee");
    json_decref(h);
    json_decref(up);
    json_decref(p2);
    json_decref(p);
}

static void invalid_patients_are_refused_with_the_field(void **state)
{
    unit_db *u = *state;
    md_err err;
    static const struct {
        const char *json;
        md_code code;
        const char *field;
    } cases[] = {
        {"{\"family_name\":\"X\",\"birth_date\":\"1990-01-01\",\"sex\":\"female\"}", MD_EINVAL,
         "given_name"},
        {"{\"given_name\":\"A\",\"family_name\":\"X\",\"birth_date\":\"2026-02-30\",\"sex\":"
         "\"female\"}",
         MD_EUNPROCESSABLE, "birth_date"},
        {"{\"given_name\":\"A\",\"family_name\":\"X\",\"birth_date\":\"1990-01-01\",\"sex\":"
         "\"female\",\"fitzpatrick\":9}",
         MD_EUNPROCESSABLE, "fitzpatrick"},
        {"{\"given_name\":\"A\",\"family_name\":\"X\",\"birth_date\":\"1990-01-01\",\"sex\":"
         "\"female\",\"fitzpatrick\":\"3\"}",
         MD_EINVAL, "fitzpatrick"},
        {"{\"given_name\":\"A\",\"family_name\":\"X\",\"birth_date\":\"1990-01-01\",\"sex\":"
         "\"f\"}",
         MD_EUNPROCESSABLE, "sex"},
        {"{\"given_name\":\"A\",\"family_name\":\"X\",\"birth_date\":\"2999-01-01\",\"sex\":"
         "\"female\"}",
         MD_EUNPROCESSABLE, "birth_date"},
        {"{\"given_name\":\"A\",\"family_name\":\"X\",\"birth_date\":\"1990-01-01\",\"sex\":"
         "\"female\",\"colour\":\"red\"}",
         MD_EINVAL, "colour"},
        {"{\"given_name\":\"A\",\"family_name\":\"X\",\"birth_date\":\"1990-01-01\",\"sex\":"
         "\"female\",\"email\":\"nope\"}",
         MD_EUNPROCESSABLE, "email"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *in = json_loads(cases[i].json, 0, NULL), *out = NULL;
        assert_non_null(in);
        md_err_clear(&err);
        md_code rc = md_record_create(&u->ctx, &md_kind_patient, NULL, in, &out, &err);
        if (rc != cases[i].code || strcmp(err.field, cases[i].field) != 0)
            fail_msg("case %zu: got %s field '%s' (%s)", i, md_code_name(rc), err.field,
                     err.message);
        json_decref(in);
    }
}

static void facts_use_kb_codes_and_hide_entered_in_error(void **state)
{
    unit_db *u = *state;
    md_err err;
    json_t *p = new_patient(u, "Bea", "Stone", "1985-05-05");
    const char *pid = json_string_value(json_object_get(p, "id"));
    json_t *in = json_pack("{s:s,s:s}", "code", "ibuprofen", "last_dose", "2026-01-10"), *m = NULL;
    assert_int_equal(md_record_create(&u->ctx, &md_kind_medication, pid, in, &m, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(m, "code")), "nsaid");
    json_decref(in);

    in = json_pack("{s:s}", "code", "ibuprofn");
    json_t *bad = NULL;
    assert_int_equal(md_record_create(&u->ctx, &md_kind_medication, pid, in, &bad, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "code");
    assert_non_null(strstr(err.message, "did you mean"));
    json_decref(in);

    /* Updates of facts need a reason. */
    const char *mid = json_string_value(json_object_get(m, "id"));
    in = json_pack("{s:s}", "status", "entered_in_error");
    json_t *m2 = NULL;
    assert_int_equal(md_record_update(&u->ctx, &md_kind_medication, pid, mid, in, &m2, &err),
                     MD_EINVAL);
    assert_string_equal(err.field, "reason");
    json_object_set_new(in, "reason", json_string("wrong patient"));
    assert_int_equal(md_record_update(&u->ctx, &md_kind_medication, pid, mid, in, &m2, &err),
                     MD_OK);
    json_t *list = NULL;
    assert_int_equal(md_record_list(&u->ctx, &md_kind_medication, pid, 0, &list, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 0);
    json_decref(list);
    assert_int_equal(md_record_list(&u->ctx, &md_kind_medication, pid, 1, &list, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
    json_decref(list);
    json_decref(in);
    json_decref(m);
    json_decref(m2);
    json_decref(p);
}

static void clinics_are_isolated(void **state)
{
    unit_db *u = *state;
    md_err err;
    json_t *p = new_patient(u, "Cara", "Vale", "1980-03-03");
    const char *pid = json_string_value(json_object_get(p, "id"));
    md_ctx other = u->ctx;
    assert_int_equal(
        md_clinic_create(u->db, "Other", "Europe/Paris", "EU", other.who.clinic_id, &err), MD_OK);
    json_t *out = NULL;
    assert_int_equal(md_record_get(&other, &md_kind_patient, NULL, pid, &out, &err), MD_ENOTFOUND);
    assert_int_equal(md_record_list(&other, &md_kind_allergy, pid, 0, &out, &err), MD_ENOTFOUND);
    md_patient_query q = {"Vale", NULL, 50, 0};
    assert_int_equal(md_patient_search(&other, &q, &out, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 0);
    json_decref(out);
    json_decref(p);
}

static void search_by_prefix_and_pages(void **state)
{
    unit_db *u = *state;
    md_err err;
    static const char *const families[] = {"Abbott", "Abel", "abernathy", "Baker", "Able"};
    for (size_t i = 0; i < 5; i++)
        json_decref(new_patient(u, "Zed", families[i], "1970-07-07"));
    md_patient_query q = {"ab", NULL, 2, 0};
    json_t *page1 = NULL, *page2 = NULL;
    assert_int_equal(md_patient_search(&u->ctx, &q, &page1, &err), MD_OK);
    assert_int_equal(json_integer_value(json_object_get(page1, "total")), 4);
    q.offset = 2;
    assert_int_equal(md_patient_search(&u->ctx, &q, &page2, &err), MD_OK);
    json_t *a = json_object_get(page1, "items"), *b = json_object_get(page2, "items");
    assert_int_equal(json_array_size(a), 2);
    assert_int_equal(json_array_size(b), 2);
    for (size_t i = 0; i < 2; i++)
        for (size_t j = 0; j < 2; j++)
            assert_false(json_equal(json_object_get(json_array_get(a, i), "id"),
                                    json_object_get(json_array_get(b, j), "id")));
    /* Case-insensitive order: Abbott, Abel, abernathy, Able. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "family_name")),
                        "Abbott");
    assert_string_equal(json_string_value(json_object_get(json_array_get(b, 0), "family_name")),
                        "abernathy");
    json_decref(page1);
    json_decref(page2);
}

static void roles_limit_what_each_may_do(void **state)
{
    unit_db *u = *state;
    md_err err;
    json_t *p = new_patient(u, "Dee", "Rowe", "1975-09-09");
    const char *pid = json_string_value(json_object_get(p, "id"));
    md_ctx reception = u->ctx, auditor = u->ctx;
    reception.who.role = MD_ROLE_RECEPTION;
    auditor.who.role = MD_ROLE_AUDITOR;
    json_t *out = NULL;
    assert_int_equal(md_record_get(&reception, &md_kind_patient, NULL, pid, &out, &err), MD_OK);
    json_decref(out);
    assert_int_equal(md_record_list(&reception, &md_kind_allergy, pid, 0, &out, &err),
                     MD_EFORBIDDEN);
    json_t *in = json_pack("{s:s}", "substance", "latex");
    assert_int_equal(md_record_create(&auditor, &md_kind_allergy, pid, in, &out, &err),
                     MD_EFORBIDDEN);
    assert_int_equal(md_record_list(&auditor, &md_kind_allergy, pid, 0, &out, &err), MD_OK);
    json_decref(out);
    json_decref(in);
    json_decref(p);
}

static void passwords_and_sessions(void **state)
{
    unit_db *u = *state;
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s}", "email", "Rae@Unit.Clinic", "display_name", "Rae",
                           "role", "reception"),
           *staff = NULL;
    assert_int_equal(md_staff_create(&u->ctx, in, "short", &staff, &err), MD_EINVAL);
    assert_string_equal(err.field, "password");
    assert_int_equal(md_staff_create(&u->ctx, in, "a-long-password", &staff, &err), MD_OK);
    json_decref(staff);
    assert_int_equal(md_staff_create(&u->ctx, in, "a-long-password", &staff, &err), MD_ECONFLICT);
    json_decref(in);
    in = json_pack("{s:s,s:s,s:s}", "email", "doc@unit.clinic", "display_name", "Doc", "role",
                   "practitioner");
    assert_int_equal(md_staff_create(&u->ctx, in, "a-long-password", &staff, &err), MD_EINVAL);
    assert_string_equal(err.field, "licence_number");
    json_decref(in);

    assert_int_equal(md_login_throttle_reset(u->db, &err), MD_OK);
    md_login_result lr;
    md_ctx c = u->ctx;
    memset(&c.who, 0, sizeof c.who);
    assert_int_equal(md_login(&c, "rae@unit.clinic", "wrong-password", &lr, &err), MD_EUNAUTH);
    assert_string_equal(c.who.staff_id, ""); /* not signed in */
    assert_int_equal(md_login(&c, "nobody@unit.clinic", "a-long-password", &lr, &err), MD_EUNAUTH);
    assert_int_equal(md_login(&c, "RAE@unit.clinic", "a-long-password", &lr, &err), MD_OK);
    md_principal who = c.who;
    assert_int_equal(who.role, MD_ROLE_RECEPTION);
    assert_string_equal(who.clinic_id, u->ctx.who.clinic_id);
    assert_true(lr.expires_at > md_now() + MD_SESSION_IDLE - 5);
    md_principal again;
    assert_int_equal(md_session_check(u->db, lr.token, &again, NULL, &err), MD_OK);
    assert_string_equal(again.staff_id, who.staff_id);
    /* The token itself is not stored. */
    int64_t n = 1;
    md_val v[] = {md_text(lr.token)};
    md_store_scalar_int(u->db, "SELECT count(*) FROM sessions WHERE token_hash = $1", v, 1, &n,
                        &err);
    assert_int_equal(n, 0);
    /* The failed and the good sign-in are both in the audit trail, against the account. */
    md_val av[] = {md_text(u->ctx.who.clinic_id), md_text(who.staff_id)};
    md_store_scalar_int(u->db,
                        "SELECT count(*) FROM audit_log WHERE clinic_id = $1 AND object_id = $2 "
                        "AND action IN ('login_failed', 'login')",
                        av, 2, &n, &err);
    assert_int_equal(n, 2);
    /* Idle for longer than 12 h: expired. */
    md_val old[] = {md_int(md_now() - MD_SESSION_IDLE - 1)};
    assert_int_equal(
        md_store_exec(u->db, "UPDATE sessions SET last_seen = $1", old, 1, NULL, NULL, &err),
        MD_OK);
    assert_int_equal(md_session_check(u->db, lr.token, &again, NULL, &err), MD_EUNAUTH);
    /* Logout ends a session. */
    assert_int_equal(md_login(&c, "rae@unit.clinic", "a-long-password", &lr, &err), MD_OK);
    assert_int_equal(md_logout(&c, lr.token, &err), MD_OK);
    assert_int_equal(md_session_check(u->db, lr.token, &again, NULL, &err), MD_EUNAUTH);
    assert_int_equal(md_session_check(u->db, "garbage", &again, NULL, &err), MD_EUNAUTH);
}

static void failed_sign_ins_lock_an_email_with_growing_waits(void **state)
{
    unit_db *u = *state;
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s}", "email", "sam@unit.clinic", "display_name", "Sam",
                           "role", "reception"),
           *staff = NULL;
    assert_int_equal(md_staff_create(&u->ctx, in, "a-long-password", &staff, &err), MD_OK);
    json_decref(staff);
    json_decref(in);
    assert_int_equal(md_login_throttle_reset(u->db, &err), MD_OK);
    md_login_result lr;
    md_ctx c = u->ctx;
    /* Four failures are free; the fifth locks the email. */
    for (int i = 0; i < 5; i++)
        assert_int_equal(md_login(&c, "sam@unit.clinic", "guess", &lr, &err), MD_EUNAUTH);
    /* Locked: even the right password is refused, with the wait. */
    assert_int_equal(md_login(&c, "Sam@Unit.Clinic", "a-long-password", &lr, &err), MD_ELIMIT);
    assert_string_equal(err.field, "email");
    assert_true(lr.retry_after > 25 && lr.retry_after <= 30);
    /* An unknown email is treated the same, so the answers do not reveal accounts. */
    for (int i = 0; i < 5; i++)
        assert_int_equal(md_login(&c, "ghost@unit.clinic", "guess", &lr, &err), MD_EUNAUTH);
    assert_int_equal(md_login(&c, "ghost@unit.clinic", "guess", &lr, &err), MD_ELIMIT);
    /* Another email is not affected. */
    assert_int_equal(md_login(&c, "other@unit.clinic", "guess", &lr, &err), MD_EUNAUTH);
    /* The lock's growth, with a driven clock, and concurrency: tests/unit/test_auth.c. */
    assert_int_equal(md_login_throttle_reset(u->db, &err), MD_OK);
}

static void transactions_nest_as_savepoints(void **state)
{
    unit_db *u = *state;
    md_err err;
    int64_t n = 0;
    assert_int_equal(md_store_exec(u->db, "CREATE TABLE t (clinic_id TEXT, x INTEGER)", NULL, 0,
                                   NULL, NULL, &err),
                     MD_OK);
    assert_int_equal(md_store_begin(u->db, &err), MD_OK);
    md_store_exec(u->db, "INSERT INTO t VALUES ('c', 1)", NULL, 0, NULL, NULL, &err);
    assert_int_equal(md_store_begin(u->db, &err), MD_OK);
    md_store_exec(u->db, "INSERT INTO t VALUES ('c', 2)", NULL, 0, NULL, NULL, &err);
    assert_int_equal(md_store_begin(u->db, &err), MD_OK);
    md_store_exec(u->db, "INSERT INTO t VALUES ('c', 3)", NULL, 0, NULL, NULL, &err);
    assert_int_equal(md_store_commit(u->db, &err), MD_OK); /* 3 kept, for now */
    md_store_rollback(u->db);                              /* undoes 2 and 3 */
    assert_int_equal(md_store_in_tx(u->db), 1);
    assert_int_equal(md_store_finish(u->db, MD_OK, &err), MD_OK);
    assert_int_equal(md_store_in_tx(u->db), 0);
    md_store_scalar_int(u->db, "SELECT sum(x) FROM t", NULL, 0, &n, &err);
    assert_int_equal(n, 1);
    /* finish with an error rolls back and passes the error on. */
    assert_int_equal(md_store_begin(u->db, &err), MD_OK);
    md_store_exec(u->db, "INSERT INTO t VALUES ('c', 10)", NULL, 0, NULL, NULL, &err);
    assert_int_equal(md_store_finish(u->db, MD_ECONFLICT, &err), MD_ECONFLICT);
    md_store_scalar_int(u->db, "SELECT sum(x) FROM t", NULL, 0, &n, &err);
    assert_int_equal(n, 1);
    assert_int_equal(md_store_commit(u->db, &err), MD_EINTERNAL);
}

static void a_write_and_its_audit_entry_commit_together(void **state)
{
    unit_db *u = *state;
    md_err err;
    json_t *p = NULL, *out = NULL;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "Ann", "family_name", "Atom",
                           "birth_date", "1990-01-01", "sex", "female");
    assert_int_equal(md_record_create(&u->ctx, &md_kind_patient, NULL, in, &p, &err), MD_OK);
    json_decref(in);
    const char *pid = json_string_value(json_object_get(p, "id"));
    /* The entry for the create is in the same table state as the patient. */
    int64_t n = 0;
    md_val v[] = {md_text(u->ctx.who.clinic_id), md_text(pid)};
    md_store_scalar_int(u->db,
                        "SELECT count(*) FROM audit_log WHERE clinic_id = $1 AND object_id = $2 "
                        "AND action = 'create'",
                        v, 2, &n, &err);
    assert_int_equal(n, 1);

    /* When the audit entry cannot be written, the change is not made either. */
    static const char *const pg_refusal[] = {
        "CREATE FUNCTION no_audit() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$",
        "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log FOR EACH ROW WHEN "
        "(NEW.action = 'create') EXECUTE FUNCTION no_audit()",
        NULL};
    static const char *const sqlite_refusal[] = {
        "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log WHEN NEW.action = 'create' BEGIN "
        "SELECT RAISE(ABORT, 'audit refused'); END",
        NULL};
    int pg = strcmp(md_store_backend(u->db), "postgres") == 0;
    for (const char *const *sql = pg ? pg_refusal : sqlite_refusal; *sql; sql++)
        assert_int_equal(md_store_exec(u->db, *sql, NULL, 0, NULL, NULL, &err), MD_OK);
    in = json_pack("{s:s,s:s}", "substance", "lidocaine", "reaction", "rash");
    assert_int_not_equal(md_record_create(&u->ctx, &md_kind_allergy, pid, in, &out, &err), MD_OK);
    json_decref(in);
    md_val pv[] = {md_text(u->ctx.who.clinic_id), md_text(pid)};
    md_store_scalar_int(u->db,
                        "SELECT count(*) FROM allergies WHERE clinic_id = $1 AND "
                        "patient_id = $2",
                        pv, 2, &n, &err);
    assert_int_equal(n, 0);
    assert_int_equal(md_store_in_tx(u->db), 0);
    md_store_exec(u->db, pg ? "DROP TRIGGER no_audit ON audit_log" : "DROP TRIGGER no_audit", NULL,
                  0, NULL, NULL, &err);
    json_decref(p);
}

static void appenders_on_two_connections_extend_one_chain(void **state)
{
    /* A CLI process beside a running server: two connections, each with its own writer. */
    unit_db *u = *state;
    md_err err;
    md_store *db2 = NULL;
    md_auditor *aud2 = NULL;
    assert_int_equal(md_store_open(u->path, &db2, &err), MD_OK);
    assert_int_equal(md_auditor_start(u->path, &aud2, &err), MD_OK);
    md_ctx c2 = u->ctx;
    c2.db = db2;
    c2.auditor = aud2;
    for (int i = 0; i < 20; i++) {
        md_ctx *c = i % 2 ? &c2 : &u->ctx;
        md_audit_entry e = {"read", "patient", "abc", "abc", NULL};
        assert_int_equal(md_audit(c, &e, &err), MD_OK); /* through a writer thread */
        assert_int_equal(md_store_begin(c->db, &err), MD_OK);
        md_audit_entry w = {"update", "patient", "abc", "abc", NULL};
        assert_int_equal(md_audit(c, &w, &err), MD_OK); /* inside a write */
        assert_int_equal(md_store_commit(c->db, &err), MD_OK);
    }
    int64_t checked = 0;
    assert_int_equal(md_audit_verify(u->db, u->ctx.who.clinic_id, &checked, &err), MD_OK);
    assert_int_equal(checked, 40);
    /* A write rolled back leaves no entry and no gap. */
    assert_int_equal(md_store_begin(db2, &err), MD_OK);
    md_audit_entry w = {"update", "patient", "abc", "abc", NULL};
    assert_int_equal(md_audit(&c2, &w, &err), MD_OK);
    md_store_rollback(db2);
    md_audit_entry e = {"read", "patient", "abc", "abc", NULL};
    assert_int_equal(md_audit(&u->ctx, &e, &err), MD_OK);
    assert_int_equal(md_audit_verify(u->db, u->ctx.who.clinic_id, &checked, &err), MD_OK);
    assert_int_equal(checked, 41);
    md_auditor_stop(aud2);
    md_store_close(db2);
}

typedef struct audit_thread {
    unit_db *u;
    int n;
    md_code rc;
} audit_thread;

static void *audit_worker(void *arg)
{
    audit_thread *t = arg;
    md_ctx ctx = t->u->ctx;
    md_err err;
    for (int i = 0; i < t->n && t->rc == MD_OK; i++) {
        md_audit_entry e = {"read", "patient", "abc", "abc", NULL};
        t->rc = md_audit(&ctx, &e, &err);
    }
    return NULL;
}

static void audit_group_commits_and_chains(void **state)
{
    unit_db *u = *state;
    md_err err;
    uint64_t e0, b0, e1, b1;
    md_auditor_stats(u->auditor, &e0, &b0);
    enum { THREADS = 8, EACH = 50 };
    pthread_t th[THREADS];
    audit_thread args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (audit_thread){u, EACH, MD_OK};
        pthread_create(&th[i], NULL, audit_worker, &args[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].rc, MD_OK);
    }
    md_auditor_stats(u->auditor, &e1, &b1);
    assert_int_equal(e1 - e0, THREADS * EACH);
    /* Concurrent entries share transactions. */
    assert_true(b1 - b0 < THREADS * EACH);
    int64_t checked = 0;
    assert_int_equal(md_audit_verify(u->db, u->ctx.who.clinic_id, &checked, &err), MD_OK);
    assert_true(checked >= THREADS * EACH);
    /* Tampering with any entry breaks the chain. */
    md_val v[] = {md_text(u->ctx.who.clinic_id)};
    assert_int_equal(md_store_exec(u->db,
                                   "UPDATE audit_log SET action = 'nothing' WHERE clinic_id = $1 "
                                   "AND seq = 10",
                                   v, 1, NULL, NULL, &err),
                     MD_OK);
    assert_int_equal(md_audit_verify(u->db, u->ctx.who.clinic_id, &checked, &err), MD_ECONFLICT);
    assert_non_null(strstr(err.message, "10"));
}

/* A backend table of another interface version is refused at open. */
static md_code never_open(const char *uri, md_store **out, md_err *err)
{
    (void)uri;
    (void)out;
    return md_err_set(err, MD_EIO, NULL, "must not be called");
}

static void a_backend_of_another_version_is_refused(void **state)
{
    (void)state;
    md_err err;
    md_store *s = NULL;
    md_store_ops old = md_store_sqlite_ops;
    old.version = MD_STORE_OPS_VERSION - 1;
    old.open = never_open;
    assert_int_equal(md__store_open_with(&old, "/nonexistent/x.sqlite", &s, &err), MD_EINTERNAL);
    assert_non_null(strstr(err.message, "interface version"));
    assert_null(s);
    assert_int_equal(md_store_open("", &s, &err), MD_EINVAL);
}

/* Statements whose texts fall in one slot of the old direct-mapped cache (FNV-1a of the
 * text modulo 256: "SELECT 1" and "SELECT 144") both stay prepared when run in turn: the
 * cache keeps a few per hash set, least recently used out first.  Before, each evicted the
 * other, so a request alternating them (a savepoint and the audit head's UPDATE did) paid
 * a parse and a plan per statement. */
static void statements_that_share_a_hash_slot_stay_prepared(void **state)
{
    unit_db *u = *state;
    md_err err;
    md_store *db = NULL;
    assert_int_equal(md_store_open(u->path, &db, &err), MD_OK);
    uint64_t before = md_store_prepares(db);
    for (int i = 0; i < 10; i++) {
        int64_t n = 0;
        assert_int_equal(md_store_scalar_int(db, "SELECT 1", NULL, 0, &n, &err), MD_OK);
        assert_int_equal(n, 1);
        assert_int_equal(md_store_scalar_int(db, "SELECT 144", NULL, 0, &n, &err), MD_OK);
        assert_int_equal(n, 144);
    }
    assert_int_equal(md_store_prepares(db) - before, 2);
    md_store_close(db);
}

static void statements_report_the_rows_they_changed(void **state)
{
    unit_db *u = *state;
    md_err err;
    assert_int_equal(md_store_exec(u->db, "CREATE TABLE t (clinic_id TEXT, x BIGINT)", NULL, 0,
                                   NULL, NULL, &err),
                     MD_OK);
    for (int i = 1; i <= 3; i++) {
        md_val v[] = {md_int(i)};
        assert_int_equal(
            md_store_exec(u->db, "INSERT INTO t VALUES ('c', $1)", v, 1, NULL, NULL, &err), MD_OK);
        assert_int_equal(md_store_changes(u->db), 1);
    }
    md_val two[] = {md_int(2)};
    assert_int_equal(
        md_store_exec(u->db, "UPDATE t SET x = x + 10 WHERE x >= $1", two, 1, NULL, NULL, &err),
        MD_OK);
    assert_int_equal(md_store_changes(u->db), 2);
    assert_int_equal(md_store_exec(u->db, "DELETE FROM t WHERE x > 100", NULL, 0, NULL, NULL, &err),
                     MD_OK);
    assert_int_equal(md_store_changes(u->db), 0);
    json_t *rows = json_array();
    assert_int_equal(
        md_store_exec(u->db, "SELECT clinic_id FROM t", NULL, 0, unit_collect_text, rows, &err),
        MD_OK);
    assert_int_equal(json_array_size(rows), 3);
    assert_int_equal(md_store_changes(u->db), 0); /* a query changes nothing */
    json_decref(rows);
}

static int64_t count_clinics(md_store *db)
{
    int64_t n = -1;
    md_err err;
    assert_int_equal(md_store_scalar_int(db, "SELECT count(*) FROM clinics", NULL, 0, &n, &err),
                     MD_OK);
    return n;
}

/* A read snapshot sees one state while another connection writes. */
static void a_snapshot_sees_one_state(void **state)
{
    unit_db *u = *state;
    md_err err;
    md_store *other = NULL;
    char id[MD_ID_STR];
    assert_int_equal(md_store_open(u->path, &other, &err), MD_OK);
    int64_t before = count_clinics(u->db);
    assert_int_equal(md_store_snapshot_begin(u->db, &err), MD_OK);
    assert_int_equal(md_store_snapshot_begin(u->db, &err), MD_OK); /* nests */
    assert_int_equal(count_clinics(u->db), before);
    assert_int_equal(md_clinic_create(other, "Other Clinic", "Europe/Paris", "EU", id, &err),
                     MD_OK);
    assert_int_equal(count_clinics(other), before + 1);
    assert_int_equal(count_clinics(u->db), before); /* still the snapshot's state */
    /* No write transaction inside a snapshot. */
    assert_int_equal(md_store_begin(u->db, &err), MD_EINTERNAL);
    md_store_snapshot_end(u->db);
    assert_int_equal(count_clinics(u->db), before); /* the outer level still holds */
    md_store_snapshot_end(u->db);
    assert_int_equal(count_clinics(u->db), before + 1);
    /* Inside a write transaction a snapshot is the transaction itself. */
    assert_int_equal(md_store_begin(u->db, &err), MD_OK);
    assert_int_equal(md_store_snapshot_begin(u->db, &err), MD_OK);
    md_store_snapshot_end(u->db);
    assert_int_equal(md_store_in_tx(u->db), 1);
    assert_int_equal(md_store_commit(u->db, &err), MD_OK);
    md_store_close(other);
}

typedef struct locker {
    const char *uri;
    atomic_int trying;    /* set by the thread just before it asks for the lock */
    atomic_int releasing; /* set by the holder just before its transaction ends */
    int got_early;        /* the lock was granted while the holder had not yet let go */
    md_code rc;
} locker;

static void *lock_in_thread(void *arg)
{
    locker *l = arg;
    md_store *db = NULL;
    md_err err;
    l->rc = md_store_open(l->uri, &db, &err);
    atomic_store(&l->trying, 1); /* SQLite waits in BEGIN (one writer), PostgreSQL in the lock */
    if (l->rc == MD_OK) l->rc = md_store_begin(db, &err);
    if (l->rc == MD_OK) l->rc = md_store_lock(db, 42, &err);
    l->got_early = !atomic_load(&l->releasing);
    if (l->rc == MD_OK) l->rc = md_store_commit(db, &err);
    md_store_close(db);
    return NULL;
}

/* An advisory lock: only inside a transaction, and held until it ends.  No clock: the
 * holder raises "releasing" just before it commits, so a lock granted to the other
 * connection before that was granted while held.  The pause only gives the other thread
 * time to be waiting; on a slow machine the check is weaker, never wrong. */
static void an_advisory_lock_holds_until_the_transaction_ends(void **state)
{
    unit_db *u = *state;
    md_err err;
    assert_int_equal(md_store_lock(u->db, 42, &err), MD_EINTERNAL);
    assert_int_equal(md_store_begin(u->db, &err), MD_OK);
    assert_int_equal(md_store_lock(u->db, 42, &err), MD_OK);
    locker l = {.uri = u->path, .rc = MD_EIO};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, lock_in_thread, &l), 0);
    while (!atomic_load(&l.trying))
        usleep(1000);
    usleep(200 * 1000);
    atomic_store(&l.releasing, 1);
    assert_int_equal(md_store_commit(u->db, &err), MD_OK);
    pthread_join(t, NULL);
    assert_int_equal(l.rc, MD_OK);
    assert_false(l.got_early); /* it waited for the first transaction */
    unsigned caps = md_store_supports(u->db);
    if (strcmp(md_store_backend(u->db), "postgres") == 0)
        assert_true(caps & MD_STORE_SUPPORTS_NETWORK && caps & MD_STORE_SUPPORTS_KEYED_LOCKS);
    else
        assert_false(caps & (MD_STORE_SUPPORTS_NETWORK | MD_STORE_SUPPORTS_KEYED_LOCKS));
}

/* Constraint violations give the same codes on every backend. */
static void constraint_violations_map_alike(void **state)
{
    unit_db *u = *state;
    md_err err;
    char id[MD_ID_STR];
    md_store_exec(u->db,
                  "CREATE TABLE k (clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), "
                  "x BIGINT NOT NULL, PRIMARY KEY (clinic_id, x))",
                  NULL, 0, NULL, NULL, &err);
    assert_int_equal(md_clinic_create(u->db, "K Clinic", "Europe/London", "UK", id, &err), MD_OK);
    md_val ok[] = {md_text(id), md_int(1)};
    const char *ins = "INSERT INTO k (clinic_id, x) VALUES ($1, $2)";
    assert_int_equal(md_store_exec(u->db, ins, ok, 2, NULL, NULL, &err), MD_OK);
    assert_int_equal(md_store_exec(u->db, ins, ok, 2, NULL, NULL, &err), MD_ECONFLICT);
    md_val nul[] = {md_text(id), md_null()};
    assert_int_equal(md_store_exec(u->db, ins, nul, 2, NULL, NULL, &err), MD_EINVAL);
    md_val fk[] = {md_text("no-such-clinic"), md_int(2)};
    assert_int_equal(md_store_exec(u->db, ins, fk, 2, NULL, NULL, &err), MD_EINVAL);
    /* Inside a transaction, a failed statement is undone by rolling back its savepoint. */
    assert_int_equal(md_store_begin(u->db, &err), MD_OK);
    assert_int_equal(md_store_begin(u->db, &err), MD_OK);
    assert_int_equal(md_store_exec(u->db, ins, ok, 2, NULL, NULL, &err), MD_ECONFLICT);
    md_store_rollback(u->db);
    md_val three[] = {md_text(id), md_int(3)};
    assert_int_equal(md_store_exec(u->db, ins, three, 2, NULL, NULL, &err), MD_OK);
    assert_int_equal(md_store_commit(u->db, &err), MD_OK);
    int64_t n = 0;
    assert_int_equal(md_store_scalar_int(u->db, "SELECT count(*) FROM k", NULL, 0, &n, &err),
                     MD_OK);
    assert_int_equal(n, 2);
    /* A parameter with no context needs a cast (store.h); with one it prepares everywhere. */
    assert_int_equal(
        md_store_prepare(u->db, "SELECT count(*) FROM k WHERE CAST($1 AS TEXT) IS NULL", &err),
        MD_OK);
    assert_int_equal(md_store_prepare(u->db, "SELECT nonsense FROM k", &err), MD_EIO);
}

/* A list of a kind without a parent binds no parent: the statement must prepare on
 * every backend (an untyped "$2 IS NULL" does not on PostgreSQL). */
static void a_list_without_a_parent_prepares(void **state)
{
    unit_db *u = *state;
    md_err err;
    json_t *out = NULL;
    assert_int_equal(md_record_list(&u->ctx, &md_kind_clinic_rule, NULL, 0, &out, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 0);
    json_decref(out);
}

typedef struct migrator {
    const char *uri;
    md_code rc;
    char message[MD_ERR_MESSAGE_MAX];
} migrator;

static void *migrate_in_thread(void *arg)
{
    migrator *m = arg;
    md_store *db = NULL;
    md_err err;
    md_err_clear(&err);
    m->rc = md_store_open(m->uri, &db, &err);
    if (m->rc == MD_OK) m->rc = md_store_migrate(db, &err);
    md_strlcpy(m->message, err.message, sizeof m->message);
    md_store_close(db);
    return NULL;
}

/* Two processes starting on one new database: each migration is applied once. */
static void concurrent_migrations_apply_once(void **state)
{
    unit_db *u = *state;
    char uri[300];
    if (pg_harness_active())
        assert_int_equal(pg_harness_create(uri, sizeof uri), 0);
    else
        snprintf(uri, sizeof uri, "%s/fresh.sqlite", u->dir);
    migrator m[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        m[i].uri = uri;
        assert_int_equal(pthread_create(&t[i], NULL, migrate_in_thread, &m[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        if (m[i].rc != MD_OK) fail_msg("migration %d: %s", i, m[i].message);
    }
    md_store *db = NULL;
    md_err err;
    assert_int_equal(md_store_open(uri, &db, &err), MD_OK);
    assert_int_equal(md_store_schema_version(db), md_store_migrations_known());
    md_store_close(db);
    if (pg_harness_active()) pg_harness_drop(uri);
}

/* A PostgreSQL that is not there: a clear error naming the URI, never its password. */
static void an_unreachable_postgres_is_named_without_its_password(void **state)
{
    (void)state;
    md_err err;
    md_store *s = NULL;
    assert_int_equal(
        md_store_open("postgres://bob:s3cret@127.0.0.1:1/x?password=zz&sslmode=disable", &s, &err),
        MD_EUNAVAILABLE);
    assert_null(s);
    assert_non_null(strstr(err.message, "postgres://bob@127.0.0.1:1/x?sslmode=disable"));
    assert_null(strstr(err.message, "s3cret"));
    assert_null(strstr(err.message, "zz"));
    assert_null(strchr(err.message, '\n'));
}

/* Statements tests run on purpose against SQLite's own catalogue or to inject faults
 * (sqlite_master, pragma, EXPLAIN QUERY PLAN, triggers), and the scratch tables of this
 * file: not the core's, not replayed.  Nor are the migrations' statements (written for
 * the schema of their time, e.g. patient_status_v3): every test on PostgreSQL runs them. */
static int test_only_sql(const char *sql)
{
    static const char *const marks[] = {"sqlite_master",
                                        "pragma_",
                                        "PRAGMA ",
                                        "EXPLAIN QUERY PLAN",
                                        "TRIGGER",
                                        "RAISE(",
                                        "CREATE TABLE t (",
                                        "INSERT INTO t",
                                        "UPDATE t SET",
                                        "DELETE FROM t",
                                        "FROM t",
                                        "TABLE k (",
                                        "INTO k ",
                                        "FROM k",
                                        "information_schema",
                                        "nonsense",
                                        "patient_status_v3"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (strstr(sql, marks[i])) return 1;
    return 0;
}

/* Every statement the core ran in the unit tests on SQLite (MESODESK_TEST_SQL_REPLAY, a
 * file written through MESODESK_TEST_SQL_LOG, see tests/pg_statements.sh) prepares on
 * this backend too. */
static void every_statement_the_core_ran_prepares_here(void **state)
{
    unit_db *u = *state;
    const char *path = getenv("MESODESK_TEST_SQL_REPLAY");
    if (!path || !*path) skip();
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot read %s", path);
    char line[8192];
    int checked = 0, failed = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        /* A plan check wraps a statement of the core: prepare that one. */
        static const char plan[] = "EXPLAIN QUERY PLAN ";
        const char *sql = strncmp(line, plan, sizeof plan - 1) == 0 ? line + sizeof plan - 1 : line;
        if (!*sql || test_only_sql(sql)) continue;
        md_err err;
        if (md_store_prepare(u->db, sql, &err) != MD_OK) {
            fprintf(stderr, "does not prepare on %s: %s\n  %s\n", md_store_backend(u->db),
                    err.message, sql);
            failed++;
        }
        checked++;
    }
    fclose(f);
    fprintf(stderr, "%d statements prepared on %s\n", checked, md_store_backend(u->db));
    assert_true(checked > 100);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(migrations_are_recorded_and_idempotent, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(every_table_has_clinic_id, unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(patient_versions_keep_history, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(invalid_patients_are_refused_with_the_field, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(facts_use_kb_codes_and_hide_entered_in_error, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(clinics_are_isolated, unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(search_by_prefix_and_pages, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(roles_limit_what_each_may_do, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(passwords_and_sessions, unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(failed_sign_ins_lock_an_email_with_growing_waits,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(transactions_nest_as_savepoints, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_write_and_its_audit_entry_commit_together, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(appenders_on_two_connections_extend_one_chain,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(audit_group_commits_and_chains, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test(a_backend_of_another_version_is_refused),
        cmocka_unit_test(an_unreachable_postgres_is_named_without_its_password),
        cmocka_unit_test_setup_teardown(statements_that_share_a_hash_slot_stay_prepared,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(statements_report_the_rows_they_changed, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_snapshot_sees_one_state, unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(an_advisory_lock_holds_until_the_transaction_ends,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(constraint_violations_map_alike, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_list_without_a_parent_prepares, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(concurrent_migrations_apply_once, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(every_statement_the_core_ran_prepares_here, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
