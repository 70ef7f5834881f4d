/*
 * test_admin.c - the clinic's administration through the API: clinic settings
 * (time zone, jurisdiction, date format), staff changes (role, licence,
 * deactivation that ends sessions at once, password resets), the audit trail's
 * filters and paging, reception sending the questionnaire link, and the public
 * address that the link carries (--public-url / MESODESK_PUBLIC_URL, and the
 * listen address with a warning when none is set).
 *
 * The group's server runs with MESODESK_PUBLIC_URL set (main); a second server
 * on the same database, without it, checks the default.
 */
#include "support.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PUBLIC_URL "https://clinic.example/mesodesk"

static const char *bin(void)
{
    const char *b = getenv("MESODESK_BIN");
    return b && *b ? b : "build/mesodesk";
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A new staff account as admin; returns it (new reference), with "password" when the
 * server generated one.  body_extra: more JSON members, or "". */
static json_t *staff_new(const char *role, const char *body_extra, char email[64])
{
    char tag[16], body[768];
    api_unique(tag);
    snprintf(email, 64, "%s@demo.clinic", tag);
    snprintf(body, sizeof body,
             "{\"email\":\"%s\",\"display_name\":\"Staff %s\",\"role\":\"%s\"%s}", email, tag, role,
             body_extra);
    return api_ok(api.admin, "POST", body, 201, "/api/v1/staff");
}

/* The newest audit entries (as admin) that match the query string qs. */
static json_t *audit(const char *qs)
{
    return api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?%s", qs);
}

/* --- clinic settings --- */

static void clinic_settings_round_trip(void **state)
{
    (void)state;
    json_t *c = api_ok(api.admin, "GET", NULL, 200, "/api/v1/clinic");
    assert_string_equal(api_str(c, "date_format"), "d_mon_yyyy");
    char tz[64], jur[16], name[128];
    md_strlcpy(tz, api_str(c, "time_zone"), sizeof tz);
    md_strlcpy(jur, api_str(c, "jurisdiction"), sizeof jur);
    md_strlcpy(name, api_str(c, "name"), sizeof name);
    json_decref(c);

    char rid[MD_ID_STR];
    c = api_ok_rid(api.admin, "PATCH",
                   "{\"date_format\":\"dd/mm/yyyy\",\"time_zone\":\"America/New_York\","
                   "\"jurisdiction\":\"GB\",\"reason\":\"moved\"}",
                   200, rid, "/api/v1/clinic");
    assert_string_equal(api_str(c, "date_format"), "dd/mm/yyyy");
    assert_string_equal(api_str(c, "time_zone"), "America/New_York");
    assert_string_equal(api_str(c, "jurisdiction"), "UK"); /* the kb's synonym, canonical */
    assert_string_equal(api_str(c, "name"), name);         /* untouched */
    json_decref(c);
    /* Every signed-in user's /me carries the clinic's settings. */
    json_t *me = api_ok(api.reception, "GET", NULL, 200, "/api/v1/me");
    assert_string_equal(api_str(json_object_get(me, "clinic"), "date_format"), "dd/mm/yyyy");
    assert_string_equal(api_str(json_object_get(me, "clinic"), "time_zone"), "America/New_York");
    json_decref(me);
    /* Audited with what changed. */
    json_t *a = audit("object_type=clinic&action=update&limit=5");
    json_t *e = json_array_get(json_object_get(a, "items"), 0);
    assert_non_null(e);
    assert_string_equal(api_str(e, "request_id"), rid);
    assert_string_equal(api_str(e, "actor_id"), api.admin_id);
    assert_non_null(strstr(api_str(e, "detail"), "date_format"));
    assert_non_null(strstr(api_str(e, "detail"), "time_zone"));
    json_decref(a);

    /* PUT works alike; set everything back. */
    char body[512];
    snprintf(body, sizeof body,
             "{\"date_format\":\"d_mon_yyyy\",\"time_zone\":\"%s\",\"jurisdiction\":\"%s\","
             "\"name\":\"%s\"}",
             tz, jur, name);
    c = api_ok(api.admin, "PUT", body, 200, "/api/v1/clinic");
    assert_string_equal(api_str(c, "time_zone"), tz);
    assert_string_equal(api_str(c, "date_format"), "d_mon_yyyy");
    json_decref(c);
    /* Another clinic is not touched. */
    c = api_ok(api.other_admin, "GET", NULL, 200, "/api/v1/clinic");
    assert_string_equal(api_str(c, "date_format"), "d_mon_yyyy");
    json_decref(c);
}

static void clinic_settings_errors(void **state)
{
    (void)state;
    static const api_case cases[] = {
        {"unknown time zone", api.admin, "PATCH", "/api/v1/clinic",
         "{\"time_zone\":\"Mars/Olympus\"}", 422, "unprocessable", "time_zone", "IANA"},
        {"time zone with a path", api.admin, "PATCH", "/api/v1/clinic",
         "{\"time_zone\":\"../../etc/passwd\"}", 422, "unprocessable", "time_zone", NULL},
        {"unknown jurisdiction", api.admin, "PATCH", "/api/v1/clinic",
         "{\"jurisdiction\":\"Atlantis\"}", 422, "unprocessable", "jurisdiction", NULL},
        {"unknown date format", api.admin, "PATCH", "/api/v1/clinic",
         "{\"date_format\":\"yy.mm.dd\"}", 422, "unprocessable", "date_format", NULL},
        {"date format not a string", api.admin, "PATCH", "/api/v1/clinic", "{\"date_format\":3}",
         400, "invalid", "date_format", NULL},
        {"empty name", api.admin, "PATCH", "/api/v1/clinic", "{\"name\":\"  \"}", 400, "invalid",
         "name", NULL},
        {"unknown field", api.admin, "PATCH", "/api/v1/clinic", "{\"colour\":\"red\"}", 400,
         "invalid", "colour", NULL},
        {"an array", api.admin, "PUT", "/api/v1/clinic", "[]", 400, "invalid", "body", NULL},
        {"not JSON", api.admin, "PUT", "/api/v1/clinic", "name=x", 400, "invalid_json", "body",
         NULL},
        {"practitioner", api.practitioner, "PATCH", "/api/v1/clinic",
         "{\"date_format\":\"yyyy-mm-dd\"}", 403, "forbidden", NULL, NULL},
        {"reception", api.reception, "PATCH", "/api/v1/clinic", "{\"date_format\":\"yyyy-mm-dd\"}",
         403, "forbidden", NULL, NULL},
        {"auditor", api.auditor, "PUT", "/api/v1/clinic", "{\"date_format\":\"yyyy-mm-dd\"}", 403,
         "forbidden", NULL, NULL},
        {"no token", NULL, "PATCH", "/api/v1/clinic", "{}", 401, "unauthorized", NULL, NULL},
        /* The role is refused before the body is looked at. */
        {"reception, not JSON", api.reception, "PUT", "/api/v1/clinic", "name=x", 403, "forbidden",
         NULL, NULL},
        {"auditor, unknown field", api.auditor, "PATCH", "/api/v1/clinic", "{\"colour\":1}", 403,
         "forbidden", NULL, NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], NULL, 0);
    json_t *c = api_ok(api.admin, "GET", NULL, 200, "/api/v1/clinic");
    assert_string_equal(api_str(c, "date_format"), "d_mon_yyyy");
    json_decref(c);
}

/* --- staff --- */

static void staff_add_with_a_generated_password(void **state)
{
    (void)state;
    char email[64], token[MD_TOKEN_STR];
    json_t *s = staff_new("reception", "", email);
    const char *password = api_str(s, "password");
    assert_int_equal(strlen(password), 20);
    api_login(email, password, token, NULL);
    /* Shown once: never in a read. */
    json_t *again = api_ok(api.admin, "GET", NULL, 200, "/api/v1/staff/%s", api_str(s, "id"));
    assert_null(json_object_get(again, "password"));
    assert_null(json_object_get(again, "password_hash"));
    json_decref(again);
    /* A password given is used and not echoed. */
    json_t *t = staff_new("auditor", ",\"password\":\"chosen-password-1\"", email);
    assert_null(json_object_get(t, "password"));
    api_login(email, "chosen-password-1", token, NULL);
    json_decref(t);
    json_decref(s);
}

static void staff_role_and_licence_changes(void **state)
{
    (void)state;
    char email[64];
    json_t *s = staff_new("reception", ",\"qualifications\":[\"Front desk\"]", email);
    const char *id = api_str(s, "id");
    api_err(api.admin, "PATCH", "{\"role\":\"practitioner\"}", 400, "invalid", "licence_number",
            "/api/v1/staff/%s", id);
    api_err(api.admin, "PATCH", "{\"role\":\"practitioner\",\"licence_number\":\"NMC 42\"}", 400,
            "invalid", "licence_expiry", "/api/v1/staff/%s", id);
    char rid[MD_ID_STR];
    json_t *u = api_ok_rid(api.admin, "PATCH",
                           "{\"role\":\"practitioner\",\"licence_number\":\"NMC 42\","
                           "\"licence_expiry\":\"2028-03-31\",\"qualifications\":[\"RN\","
                           "\"Aesthetics L7\"],\"display_name\":\"Nurse Kay\"}",
                           200, rid, "/api/v1/staff/%s", id);
    assert_string_equal(api_str(u, "role"), "practitioner");
    assert_string_equal(api_str(u, "licence_number"), "NMC 42");
    assert_string_equal(api_str(u, "licence_expiry"), "2028-03-31");
    assert_string_equal(api_str(u, "display_name"), "Nurse Kay");
    assert_int_equal(json_array_size(json_object_get(u, "qualifications")), 2);
    json_decref(u);
    /* Renewing the licence alone. */
    u = api_ok(api.admin, "PATCH", "{\"licence_expiry\":\"2031-03-31\"}", 200, "/api/v1/staff/%s",
               id);
    assert_string_equal(api_str(u, "licence_expiry"), "2031-03-31");
    assert_string_equal(api_str(u, "licence_number"), "NMC 42");
    json_decref(u);
    /* A practitioner cannot lose the licence; another role can. */
    api_err(api.admin, "PATCH", "{\"licence_number\":null}", 400, "invalid", "licence_number",
            "/api/v1/staff/%s", id);
    u = api_ok(api.admin, "PATCH",
               "{\"role\":\"auditor\",\"licence_number\":null,\"licence_expiry\":null}", 200,
               "/api/v1/staff/%s", id);
    assert_true(json_is_null(json_object_get(u, "licence_number")));
    json_decref(u);
    /* Audited, with the fields changed and who did it. */
    char qs[128];
    snprintf(qs, sizeof qs, "object_type=staff&action=update&limit=20");
    json_t *a = audit(qs);
    int found = 0;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(a, "items"), i, e)
    {
        if (strcmp(api_str(e, "request_id"), rid) != 0) continue;
        found = 1;
        assert_string_equal(api_str(e, "object_id"), id);
        assert_string_equal(api_str(e, "actor_id"), api.admin_id);
        assert_non_null(strstr(api_str(e, "detail"), "role"));
        assert_non_null(strstr(api_str(e, "detail"), "licence"));
    }
    assert_true(found);
    json_decref(a);
    json_decref(s);
}

static void deactivation_ends_sessions_at_once(void **state)
{
    (void)state;
    char email[64], token[MD_TOKEN_STR], again[MD_TOKEN_STR];
    json_t *s = staff_new("reception", ",\"password\":\"leaver-password-1\"", email);
    const char *id = api_str(s, "id");
    api_login(email, "leaver-password-1", token, NULL);
    json_decref(api_ok(token, "GET", NULL, 200, "/api/v1/me"));
    json_t *u = api_ok(api.admin, "PATCH", "{\"active\":false,\"reason\":\"left the clinic\"}", 200,
                       "/api/v1/staff/%s", id);
    assert_false(json_is_true(json_object_get(u, "active")));
    json_decref(u);
    /* The very next request with the session is refused, and so is signing in. */
    api_err(token, "GET", NULL, 401, "unauthorized", NULL, "/api/v1/me");
    api_err(token, "GET", NULL, 401, "unauthorized", NULL, "/api/v1/patients");
    char body[256];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"leaver-password-1\"}", email);
    api_err(NULL, "POST", body, 401, "unauthorized", "password", "/api/v1/login");
    /* Reactivated: the old session stays ended; signing in again works. */
    u = api_ok(api.admin, "PATCH", "{\"active\":true}", 200, "/api/v1/staff/%s", id);
    assert_true(json_is_true(json_object_get(u, "active")));
    json_decref(u);
    api_err(token, "GET", NULL, 401, "unauthorized", NULL, "/api/v1/me");
    api_login(email, "leaver-password-1", again, NULL);
    json_decref(api_ok(again, "GET", NULL, 200, "/api/v1/me"));
    json_decref(s);
}

static void staff_update_errors_and_roles(void **state)
{
    (void)state;
    char email[64];
    json_t *s = staff_new("reception", "", email);
    api_var vars[] = {
        {"id", api_str(s, "id")}, {"me", api.admin_id}, {"other", api.other_admin_id}};
    static const api_case cases[] = {
        {"practitioner", api.practitioner, "PATCH", "/api/v1/staff/{id}", "{\"active\":false}", 403,
         "forbidden", NULL, NULL},
        {"reception", api.reception, "PATCH", "/api/v1/staff/{id}", "{\"role\":\"admin\"}", 403,
         "forbidden", NULL, NULL},
        {"auditor", api.auditor, "PATCH", "/api/v1/staff/{id}", "{}", 403, "forbidden", NULL, NULL},
        {"reception resets a password", api.reception, "POST", "/api/v1/staff/{id}/password", "{}",
         403, "forbidden", NULL, NULL},
        {"no token", NULL, "PATCH", "/api/v1/staff/{id}", "{}", 401, "unauthorized", NULL, NULL},
        {"unknown id", api.admin, "PATCH", "/api/v1/staff/00000000000000000000000000000000",
         "{\"active\":false}", 404, "not_found", "id", NULL},
        {"another clinic's staff", api.admin, "PATCH", "/api/v1/staff/{other}",
         "{\"active\":false}", 404, "not_found", "id", NULL},
        {"another clinic's password", api.admin, "POST", "/api/v1/staff/{other}/password", "{}",
         404, "not_found", "id", NULL},
        {"deactivate oneself", api.admin, "PATCH", "/api/v1/staff/{me}", "{\"active\":false}", 409,
         "conflict", "active", NULL},
        {"demote oneself", api.admin, "PATCH", "/api/v1/staff/{me}", "{\"role\":\"auditor\"}", 409,
         "conflict", "role", NULL},
        {"reset one's own password", api.admin, "POST", "/api/v1/staff/{me}/password", "{}", 409,
         "conflict", "id", NULL},
        {"unknown role", api.admin, "PATCH", "/api/v1/staff/{id}", "{\"role\":\"owner\"}", 422,
         "unprocessable", "role", NULL},
        {"active not a boolean", api.admin, "PATCH", "/api/v1/staff/{id}", "{\"active\":\"no\"}",
         400, "invalid", "active", NULL},
        {"bad expiry", api.admin, "PATCH", "/api/v1/staff/{id}",
         "{\"licence_expiry\":\"2027-02-30\"}", 422, "unprocessable", "licence_expiry", NULL},
        {"empty name", api.admin, "PATCH", "/api/v1/staff/{id}", "{\"display_name\":\"\"}", 400,
         "invalid", "display_name", NULL},
        {"qualifications not a list", api.admin, "PATCH", "/api/v1/staff/{id}",
         "{\"qualifications\":\"RN\"}", 400, "invalid", "qualifications", NULL},
        {"email is not changed here", api.admin, "PATCH", "/api/v1/staff/{id}",
         "{\"email\":\"x@demo.clinic\"}", 400, "invalid", "email", NULL},
        {"an array", api.admin, "PATCH", "/api/v1/staff/{id}", "[]", 400, "invalid", "body", NULL},
        {"short password", api.admin, "POST", "/api/v1/staff/{id}/password",
         "{\"password\":\"short\"}", 400, "invalid", "password", NULL},
        {"unknown password field", api.admin, "POST", "/api/v1/staff/{id}/password",
         "{\"pw\":\"long-enough-123\"}", 400, "invalid", "pw", NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], vars, sizeof vars / sizeof vars[0]);
    /* None of that changed the account. */
    json_t *now = api_ok(api.admin, "GET", NULL, 200, "/api/v1/staff/%s", api_str(s, "id"));
    assert_string_equal(api_str(now, "role"), "reception");
    assert_true(json_is_true(json_object_get(now, "active")));
    json_decref(now);
    json_decref(s);
}

static void password_reset(void **state)
{
    (void)state;
    char email[64], token[MD_TOKEN_STR], fresh[MD_TOKEN_STR];
    json_t *s = staff_new("auditor", ",\"password\":\"forgotten-pass-1\"", email);
    const char *id = api_str(s, "id");
    api_login(email, "forgotten-pass-1", token, NULL);
    json_t *r = api_ok(api.admin, "POST", "{}", 200, "/api/v1/staff/%s/password", id);
    const char *generated = api_str(r, "password");
    assert_int_equal(strlen(generated), 20);
    /* The old session and the old password stop working; the new one works. */
    api_err(token, "GET", NULL, 401, "unauthorized", NULL, "/api/v1/me");
    char body[256];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"forgotten-pass-1\"}", email);
    api_err(NULL, "POST", body, 401, "unauthorized", "password", "/api/v1/login");
    api_login(email, generated, fresh, NULL);
    json_decref(r);
    /* Or set by the admin. */
    r = api_ok(api.admin, "POST", "{\"password\":\"set-by-admin-01\"}", 200,
               "/api/v1/staff/%s/password", id);
    assert_null(json_object_get(r, "password"));
    json_decref(r);
    api_err(fresh, "GET", NULL, 401, "unauthorized", NULL, "/api/v1/me");
    api_login(email, "set-by-admin-01", fresh, NULL);
    /* Audited without the password. */
    json_t *a = audit("object_type=staff&action=update&limit=5");
    json_t *e = json_array_get(json_object_get(a, "items"), 0);
    assert_string_equal(api_str(e, "object_id"), id);
    assert_string_equal(api_str(e, "detail"), "password set");
    char *text = json_dumps(a, 0);
    assert_null(strstr(text, "set-by-admin-01"));
    free(text);
    json_decref(a);
    json_decref(s);
}

/* --- the audit trail --- */

static void every_item_has(const json_t *list, const char *key, const char *value)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(list, "items"), i, e)
    {
        if (strcmp(api_str(e, key), value) != 0)
            fail_msg("entry %lld has %s '%s', not '%s'", (long long)api_int(e, "seq"), key,
                     api_str(e, key), value);
    }
}

static void audit_filters_and_paging(void **state)
{
    (void)state;
    json_t *p = api_patient_new(api.reception, "Filter", NULL, "1980-02-02");
    const char *pid = api_str(p, "id");
    json_decref(api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s", pid));
    json_decref(api_ok(api.auditor, "GET", NULL, 200, "/api/v1/patients/%s", pid));
    json_decref(api_ok(api.auditor, "GET", NULL, 200, "/api/v1/patients/%s/history", pid));

    char qs[256];
    snprintf(qs, sizeof qs, "patient_id=%s", pid);
    json_t *a = audit(qs);
    assert_true(json_array_size(json_object_get(a, "items")) >= 4);
    every_item_has(a, "patient_id", pid);
    json_decref(a);

    snprintf(qs, sizeof qs, "patient_id=%s&actor_id=%s", pid, api.auditor_id);
    a = audit(qs);
    assert_int_equal(json_array_size(json_object_get(a, "items")), 2);
    every_item_has(a, "actor_id", api.auditor_id);
    every_item_has(a, "actor_role", "auditor");
    json_decref(a);

    snprintf(qs, sizeof qs, "patient_id=%s&action=create&object_type=patient", pid);
    a = audit(qs);
    assert_int_equal(json_array_size(json_object_get(a, "items")), 1);
    every_item_has(a, "actor_id", api.reception_id);
    json_decref(a);

    a = audit("action=login&limit=50");
    assert_true(json_array_size(json_object_get(a, "items")) >= 5);
    every_item_has(a, "action", "login");
    json_decref(a);

    /* Dates: today (UTC) has them, yesterday has none of this patient's; an instant works. */
    char today[MD_DATE_STR], yesterday[MD_DATE_STR], tomorrow[MD_DATE_STR];
    md_date_format(md_today_utc(), today);
    md_date_format(md_today_utc() - 1, yesterday);
    md_date_format(md_today_utc() + 1, tomorrow);
    snprintf(qs, sizeof qs, "patient_id=%s&from=%s&to=%s", pid, today, today);
    a = audit(qs);
    assert_true(json_array_size(json_object_get(a, "items")) >= 4);
    json_decref(a);
    snprintf(qs, sizeof qs, "patient_id=%s&to=%s", pid, yesterday);
    a = audit(qs);
    assert_int_equal(json_array_size(json_object_get(a, "items")), 0);
    json_decref(a);
    snprintf(qs, sizeof qs, "patient_id=%s&from=%sT00:00:00Z", pid, tomorrow);
    a = audit(qs);
    assert_int_equal(json_array_size(json_object_get(a, "items")), 0);
    json_decref(a);

    /* Paging: newest first, no overlap, has_more on all but the last page. */
    snprintf(qs, sizeof qs, "patient_id=%s&limit=2", pid);
    json_t *p1 = audit(qs);
    snprintf(qs, sizeof qs, "patient_id=%s&limit=2&offset=2", pid);
    json_t *p2 = audit(qs);
    snprintf(qs, sizeof qs, "patient_id=%s&limit=2&offset=1000", pid);
    json_t *p3 = audit(qs);
    assert_true(json_is_true(json_object_get(p1, "has_more")));
    assert_int_equal(json_array_size(json_object_get(p1, "items")), 2);
    assert_int_equal(json_array_size(json_object_get(p3, "items")), 0);
    assert_false(json_is_true(json_object_get(p3, "has_more")));
    json_int_t s0 = api_int(json_array_get(json_object_get(p1, "items"), 0), "seq");
    json_int_t s1 = api_int(json_array_get(json_object_get(p1, "items"), 1), "seq");
    json_int_t s2 = api_int(json_array_get(json_object_get(p2, "items"), 0), "seq");
    assert_true(s0 > s1 && s1 > s2);
    json_decref(p1);
    json_decref(p2);
    json_decref(p3);

    /* The auditor reads it too; another clinic sees none of it. */
    snprintf(qs, sizeof qs, "/api/v1/audit?patient_id=%s", pid);
    a = api_ok(api.auditor, "GET", NULL, 200, "%s", qs);
    assert_true(json_array_size(json_object_get(a, "items")) >= 4);
    json_decref(a);
    a = api_ok(api.other_admin, "GET", NULL, 200, "%s", qs);
    assert_int_equal(json_array_size(json_object_get(a, "items")), 0);
    json_decref(a);
    json_decref(p);
}

static void audit_filter_errors(void **state)
{
    (void)state;
    static const api_case cases[] = {
        {"bad patient id", api.admin, "GET", "/api/v1/audit?patient_id=nope", NULL, 400, "invalid",
         "patient_id", NULL},
        {"bad actor", api.admin, "GET", "/api/v1/audit?actor_id=x%27%20OR%201", NULL, 400,
         "invalid", "actor_id", NULL},
        {"bad action", api.admin, "GET", "/api/v1/audit?action=DROP%20TABLE", NULL, 400, "invalid",
         "action", NULL},
        {"bad object type", api.admin, "GET", "/api/v1/audit?object_type=", NULL, 400, "invalid",
         "object_type", NULL},
        {"bad from", api.admin, "GET", "/api/v1/audit?from=yesterday", NULL, 400, "invalid", "from",
         NULL},
        {"impossible to", api.admin, "GET", "/api/v1/audit?to=2026-02-30", NULL, 400, "invalid",
         "to", NULL},
        {"limit too big", api.admin, "GET", "/api/v1/audit?limit=5000", NULL, 400, "invalid",
         "limit", NULL},
        {"reception", api.reception, "GET", "/api/v1/audit", NULL, 403, "forbidden", NULL, NULL},
        {"practitioner", api.practitioner, "GET", "/api/v1/audit?action=read", NULL, 403,
         "forbidden", NULL, NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], NULL, 0);
    /* Actors other than staff can be named. */
    json_decref(api_ok(api.auditor, "GET", NULL, 200, "/api/v1/audit?actor_id=patient"));
    json_decref(api_ok(api.auditor, "GET", NULL, 200, "/api/v1/audit?actor_id=system"));
}

/* --- the questionnaire link --- */

static void reception_sends_the_questionnaire_link(void **state)
{
    (void)state;
    json_t *p = api_patient_new(api.reception, "Linked", NULL, "1990-03-03");
    const char *pid = api_str(p, "id");
    json_t *link = api_ok(api.reception, "POST", "{\"valid_hours\":24}", 201,
                          "/api/v1/patients/%s/questionnaires", pid);
    const char *token = api_str(link, "token");
    char want[256];
    snprintf(want, sizeof want, "%s/q/%s", PUBLIC_URL, token);
    assert_string_equal(api_str(link, "url"), want);
    assert_string_equal(api_str(link, "path") + 3, token);
    /* The patient can open it; reception cannot read or confirm the answers. */
    json_decref(api_ok(NULL, "GET", NULL, 200, "/api/v1/questionnaire/%s", token));
    json_decref(api_ok(NULL, "POST", "{\"pregnant\":false,\"breastfeeding\":false}", 200,
                       "/api/v1/questionnaire/%s", token));
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL,
            "/api/v1/patients/%s/questionnaires", pid);
    json_t *list =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/questionnaires", pid);
    const char *qid = api_str(json_array_get(json_object_get(list, "items"), 0), "id");
    api_err(api.reception, "POST", NULL, 403, "forbidden", NULL,
            "/api/v1/questionnaires/%s/confirm", qid);
    /* The auditor sends nothing; another clinic cannot reach the patient. */
    api_err(api.auditor, "POST", "{}", 403, "forbidden", NULL, "/api/v1/patients/%s/questionnaires",
            pid);
    api_err(api.other_admin, "POST", "{}", 404, "not_found", "patient_id",
            "/api/v1/patients/%s/questionnaires", pid);
    /* Audited as reception's. */
    char qs[128];
    snprintf(qs, sizeof qs, "patient_id=%s&object_type=questionnaire&action=create", pid);
    json_t *a = audit(qs);
    every_item_has(a, "actor_id", api.reception_id);
    assert_int_equal(json_array_size(json_object_get(a, "items")), 1);
    json_decref(a);
    json_decref(list);
    json_decref(link);
    json_decref(p);
}

/* A second server on the group's database: extra is its extra argument (or NULL), with
 * MESODESK_PUBLIC_URL unset.  Returns its pid; *port its port, 0 when it exited (then
 * *status is its exit status). */
static pid_t second_server(const char *extra, const char *log, long *port, int *status)
{
    char db[320], port_file[320];
    api_server_db(&api.srv, db, sizeof db);
    snprintf(port_file, sizeof port_file, "%s/port2", api.srv.dir);
    unlink(port_file);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        unsetenv("MESODESK_PUBLIC_URL");
        execl(bin(), bin(), "serve", "--db", db, "--listen", "127.0.0.1:0", "--port-file",
              port_file, extra, (char *)NULL);
        _exit(127);
    }
    *port = 0;
    for (int i = 0; i < (api.slow ? 15000 : 1000); i++) {
        int ws;
        if (waitpid(pid, &ws, WNOHANG) == pid) {
            *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128;
            return pid;
        }
        FILE *f = fopen(port_file, "r");
        if (f) {
            char buf[32] = "";
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = '\0';
            if (n && buf[n - 1] == '\n') {
                buf[n - 1] = '\0';
                if (md_parse_long(buf, 1, 65535, port) == 0) return pid;
            }
        }
        sleep_ms(20);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fail_msg("the second server did not start");
    return pid;
}

static int file_has(const char *path, const char *needle)
{
    char buf[16384];
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

static void the_public_url_defaults_to_the_listen_address(void **state)
{
    (void)state;
    char log[320], saved[64], want[128];
    long port = 0;
    int status = -1;
    snprintf(log, sizeof log, "%s/server2.log", api.srv.dir);
    pid_t pid = second_server(NULL, log, &port, &status);
    assert_true(port > 0);
    md_strlcpy(saved, api.srv.url, sizeof saved);
    snprintf(api.srv.url, sizeof api.srv.url, "http://127.0.0.1:%ld", port);
    json_t *p = api_patient_new(api.reception, "Default", NULL, "1990-04-04");
    json_t *link = api_ok(api.reception, "POST", "{}", 201, "/api/v1/patients/%s/questionnaires",
                          api_str(p, "id"));
    md_strlcpy(api.srv.url, saved, sizeof api.srv.url);
    kill(pid, SIGTERM);
    int ws = 0;
    waitpid(pid, &ws, 0);
    snprintf(want, sizeof want, "http://127.0.0.1:%ld/q/%s", port, api_str(link, "token"));
    assert_string_equal(api_str(link, "url"), want);
    /* Loopback: the operator is told that patients cannot open it. */
    assert_true(file_has(log, "serve.public_url"));
    assert_true(file_has(log, "MESODESK_PUBLIC_URL"));
    assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    json_decref(link);
    json_decref(p);

    /* A malformed --public-url refuses to start, naming it. */
    pid = second_server("--public-url=ftp://clinic.example", log, &port, &status);
    assert_int_equal(port, 0);
    assert_int_equal(status, 2);
    assert_true(file_has(log, "ftp://clinic.example"));
}

int main(void)
{
    /* Inherited by the group's server (support_server.c forks it from this process). */
    setenv("MESODESK_PUBLIC_URL", PUBLIC_URL "/", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clinic_settings_round_trip),
        cmocka_unit_test(clinic_settings_errors),
        cmocka_unit_test(staff_add_with_a_generated_password),
        cmocka_unit_test(staff_role_and_licence_changes),
        cmocka_unit_test(deactivation_ends_sessions_at_once),
        cmocka_unit_test(staff_update_errors_and_roles),
        cmocka_unit_test(password_reset),
        cmocka_unit_test(audit_filters_and_paging),
        cmocka_unit_test(audit_filter_errors),
        cmocka_unit_test(reception_sends_the_questionnaire_link),
        cmocka_unit_test(the_public_url_defaults_to_the_listen_address),
    };
    return cmocka_run_group_tests_name("api.admin", tests, api_setup, api_teardown);
}
