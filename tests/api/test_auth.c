/*
 * test_auth.c - health, sessions (login, logout, bearer tokens), the
 * permissions of each role, staff accounts, and sign-in under concurrency
 * (the throttle's count, the cap on password hashing).
 */
#include "support.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int has_string(const json_t *array, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(array, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) return 1;
    }
    return 0;
}

static void healthz_needs_no_token(void **state)
{
    (void)state;
    json_t *h = api_ok(NULL, "GET", NULL, 200, "/healthz");
    assert_string_equal(api_str(h, "status"), "ok");
    assert_true(*api_str(h, "version"));
    assert_true(*api_str(h, "kb"));
    json_decref(h);
}

static void openapi_document_needs_a_token(void **state)
{
    (void)state;
    api_err(NULL, "GET", NULL, 401, "unauthorized", NULL, "/api/openapi.json");
    json_t *d = api_ok(api.reception, "GET", NULL, 200, "/api/openapi.json");
    assert_string_equal(api_str(d, "openapi"), "3.0.3");
    assert_non_null(json_object_get(json_object_get(d, "paths"), "/api/v1/login"));
    json_decref(d);
}

static void login_returns_token_and_expiry(void **state)
{
    (void)state;
    json_t *s =
        api_ok(NULL, "POST",
               "{\"email\":\"practitioner@demo.clinic\",\"password\":\"" API_DEMO_PASSWORD "\"}",
               200, "/api/v1/login");
    int64_t expires;
    assert_true(strlen(api_str(s, "token")) >= 32);
    assert_int_equal(md_time_parse(api_str(s, "expires_at"), &expires), 0);
    assert_true(expires > md_now());
    assert_string_equal(api_str(s, "role"), "practitioner");
    assert_string_equal(api_str(s, "staff_id"), api.practitioner_id);
    /* A second session is independent of the group's one. */
    assert_string_not_equal(api_str(s, "token"), api.practitioner);
    json_decref(s);
}

static void login_is_case_insensitive_on_email(void **state)
{
    (void)state;
    char token[MD_TOKEN_STR], id[MD_ID_STR];
    api_login("Reception@Demo.Clinic", API_DEMO_PASSWORD, token, id);
    assert_string_equal(id, api.reception_id);
}

static void login_errors(void **state)
{
    (void)state;
    /* A wrong password and an unknown email answer alike: no account enumeration. */
    static const api_case cases[] = {
        {"wrong password", NULL, "POST", "/api/v1/login",
         "{\"email\":\"admin@demo.clinic\",\"password\":\"wrong-password-1\"}", 401, "unauthorized",
         "password", NULL},
        {"unknown email", NULL, "POST", "/api/v1/login",
         "{\"email\":\"nobody@demo.clinic\",\"password\":\"wrong-password-1\"}", 401,
         "unauthorized", "password", NULL},
        {"missing email", NULL, "POST", "/api/v1/login", "{\"password\":\"whatever-123\"}", 400,
         "invalid", "email", "email"},
        {"missing password", NULL, "POST", "/api/v1/login", "{\"email\":\"admin@demo.clinic\"}",
         400, "invalid", "password", "password"},
        {"password not a string", NULL, "POST", "/api/v1/login",
         "{\"email\":\"admin@demo.clinic\",\"password\":12345678901}", 400, "invalid", "password",
         NULL},
        {"unknown field", NULL, "POST", "/api/v1/login",
         "{\"email\":\"admin@demo.clinic\",\"password\":\"x\",\"remember\":true}", 400, "invalid",
         "remember", "remember"},
        {"not JSON", NULL, "POST", "/api/v1/login", "email=admin", 400, "invalid_json", "body",
         NULL},
        {"GET is not allowed", NULL, "GET", "/api/v1/login", NULL, 405, "method_not_allowed", NULL,
         NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], NULL, 0);
}

static void logout_ends_the_session(void **state)
{
    (void)state;
    char token[MD_TOKEN_STR];
    api_login("auditor@demo.clinic", API_DEMO_PASSWORD, token, NULL);
    json_decref(api_ok(token, "GET", NULL, 200, "/api/v1/me"));
    json_t *out = api_ok(token, "POST", NULL, 200, "/api/v1/logout");
    assert_true(json_is_true(json_object_get(out, "ok")));
    json_decref(out);
    api_err(token, "GET", NULL, 401, "unauthorized", NULL, "/api/v1/me");
    api_err(token, "GET", NULL, 401, "unauthorized", NULL, "/api/v1/patients");
    api_err(token, "POST", NULL, 401, "unauthorized", NULL, "/api/v1/logout");
    /* The group's session of the same account is untouched. */
    json_decref(api_ok(api.auditor, "GET", NULL, 200, "/api/v1/me"));
}

static void token_errors(void **state)
{
    (void)state;
    static const api_case cases[] = {
        {"no token", NULL, "GET", "/api/v1/patients", NULL, 401, "unauthorized", NULL, NULL},
        {"unknown token", API_BAD_TOKEN, "GET", "/api/v1/patients", NULL, 401, "unauthorized", NULL,
         NULL},
        {"no token on me", NULL, "GET", "/api/v1/me", NULL, 401, "unauthorized", NULL, NULL},
        {"no token on logout", NULL, "POST", "/api/v1/logout", NULL, 401, "unauthorized", NULL,
         NULL},
        {"no token on audit", NULL, "GET", "/api/v1/audit", NULL, 401, "unauthorized", NULL, NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], NULL, 0);

    /* A token that is not sent as a Bearer credential does not count. */
    const char *basic[] = {"Authorization: Basic YWRtaW46YWRtaW4=", NULL};
    api_req q = {"GET", "/api/v1/me", NULL, NULL, 0, 0, basic};
    api_res r;
    assert_int_equal(api_send(NULL, &q, &r), CURLE_OK);
    const char *why = api_error_mismatch(&r, 401, "unauthorized", NULL);
    if (why) fail_msg("Basic credentials: %s: %s", why, r.text);
    api_res_free(&r);
}

static void check_permissions(const char *token, const char *role, const char *const *want)
{
    static const char *const all[] = {"demographics_read", "demographics_write", "clinical_read",
                                      "clinical_write",    "staff_read",         "staff_write",
                                      "audit_read",        "clearance_write",    "kb_write",
                                      "stock_read",        "stock_write",        "schedule_read",
                                      "schedule_write",    "consent_write",      NULL};
    json_t *me = api_ok(token, "GET", NULL, 200, "/api/v1/me");
    json_t *perms = json_object_get(me, "permissions");
    assert_string_equal(api_str(json_object_get(me, "staff"), "role"), role);
    assert_string_equal(api_str(json_object_get(me, "clinic"), "name"),
                        strcmp(role, "other") == 0 ? "Other Clinic" : "Demo Clinic");
    for (int i = 0; all[i]; i++) {
        int expected = 0;
        for (int w = 0; want[w]; w++)
            if (strcmp(want[w], all[i]) == 0) expected = 1;
        if (has_string(perms, all[i]) != expected)
            fail_msg("role %s: permission %s should be %s", role, all[i],
                     expected ? "granted" : "absent");
    }
    json_decref(me);
}

static void each_role_has_its_permissions(void **state)
{
    (void)state;
    static const char *const admin[] = {"demographics_read", "demographics_write", "clinical_read",
                                        "clinical_write",    "staff_read",         "staff_write",
                                        "audit_read",        "clearance_write",    "kb_write",
                                        "stock_read",        "stock_write",        "schedule_read",
                                        "schedule_write",    "consent_write",      NULL};
    static const char *const practitioner[] = {
        "demographics_read", "demographics_write", "clinical_read", "clinical_write",
        "staff_read",        "clearance_write",    "stock_read",    "stock_write",
        "schedule_read",     "schedule_write",     "consent_write", NULL};
    static const char *const reception[] = {
        "demographics_read", "demographics_write", "staff_read",    "stock_read",
        "schedule_read",     "schedule_write",     "consent_write", NULL};
    static const char *const auditor[] = {
        "demographics_read", "clinical_read", "staff_read", "audit_read",
        "stock_read",        "schedule_read", NULL};
    check_permissions(api.admin, "admin", admin);
    check_permissions(api.practitioner, "practitioner", practitioner);
    check_permissions(api.reception, "reception", reception);
    check_permissions(api.auditor, "auditor", auditor);
}

static void staff_list_shows_own_clinic_only(void **state)
{
    (void)state;
    static const char *const demo[] = {"admin@demo.clinic", "practitioner@demo.clinic",
                                       "reception@demo.clinic", "auditor@demo.clinic"};
    /* Every role may list staff (reception included). */
    const char *tokens[] = {api.admin, api.practitioner, api.reception, api.auditor};
    for (size_t t = 0; t < 4; t++) {
        json_t *list = api_ok(tokens[t], "GET", NULL, 200, "/api/v1/staff");
        for (size_t i = 0; i < 4; i++)
            assert_true(api_count_items(list, "email", demo[i]));
        assert_false(api_count_items(list, "email", "admin@other.clinic"));
        json_t *first = json_array_get(json_object_get(list, "items"), 0);
        assert_null(json_object_get(first, "password_hash"));
        assert_null(json_object_get(first, "password"));
        json_decref(list);
    }
    json_t *other = api_ok(api.other_admin, "GET", NULL, 200, "/api/v1/staff");
    assert_int_equal(json_array_size(json_object_get(other, "items")), 1);
    assert_true(api_count_items(other, "email", "admin@other.clinic"));
    json_decref(other);
    /* One staff member by id; another clinic's member is not found. */
    json_t *me = api_ok(api.reception, "GET", NULL, 200, "/api/v1/staff/%s", api.practitioner_id);
    assert_string_equal(api_str(me, "email"), "practitioner@demo.clinic");
    assert_string_equal(api_str(me, "licence_number"), "NMC 12A3456E");
    json_decref(me);
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id", "/api/v1/staff/%s",
            api.practitioner_id);
}

static void practitioner_body(char *out, size_t outsz, const char *email)
{
    snprintf(out, outsz,
             "{\"email\":\"%s\",\"display_name\":\"Nurse %s\",\"role\":\"practitioner\","
             "\"licence_number\":\"NMC 99Z9999Z\",\"licence_expiry\":\"2029-01-31\","
             "\"qualifications\":[\"RN (Adult)\",\"Level 7 Aesthetic Medicine\"],"
             "\"password\":\"a-new-password-1\"}",
             email, email);
}

static void staff_create_practitioner(void **state)
{
    (void)state;
    char tag[16], body[1024], email[64];
    api_unique(tag);
    snprintf(email, sizeof email, "%s@demo.clinic", tag);
    practitioner_body(body, sizeof body, email);
    json_t *s = api_ok(api.admin, "POST", body, 201, "/api/v1/staff");
    assert_true(md_id_valid(api_str(s, "id")));
    assert_string_equal(api_str(s, "email"), email);
    assert_string_equal(api_str(s, "role"), "practitioner");
    assert_string_equal(api_str(s, "licence_number"), "NMC 99Z9999Z");
    assert_string_equal(api_str(s, "licence_expiry"), "2029-01-31");
    assert_int_equal(json_array_size(json_object_get(s, "qualifications")), 2);
    assert_true(json_is_true(json_object_get(s, "active")));
    assert_null(json_object_get(s, "password"));
    assert_null(json_object_get(s, "password_hash"));

    /* The new account can log in with its password and works as a practitioner. */
    char token[MD_TOKEN_STR], id[MD_ID_STR];
    api_login(email, "a-new-password-1", token, id);
    assert_string_equal(id, api_str(s, "id"));
    json_decref(api_ok(token, "GET", NULL, 200, "/api/v1/patients?limit=1"));

    /* The same email again, even in capitals, is a conflict. */
    for (char *p = email; *p; p++)
        if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
    practitioner_body(body, sizeof body, email);
    api_err(api.admin, "POST", body, 409, "conflict", "email", "/api/v1/staff");
    json_decref(s);
}

static void staff_create_errors(void **state)
{
    (void)state;
    static const api_case cases[] = {
        {"practitioner without licence", api.admin, "POST", "/api/v1/staff",
         "{\"email\":\"nolicence@demo.clinic\",\"display_name\":\"No Licence\","
         "\"role\":\"practitioner\",\"password\":\"a-new-password-1\"}",
         400, "invalid", "licence_number", NULL},
        {"practitioner without licence expiry", api.admin, "POST", "/api/v1/staff",
         "{\"email\":\"noexpiry@demo.clinic\",\"display_name\":\"No Expiry\","
         "\"role\":\"practitioner\",\"licence_number\":\"NMC "
         "1\",\"password\":\"a-new-password-1\"}",
         400, "invalid", "licence_expiry", NULL},
        {"duplicate email", api.admin, "POST", "/api/v1/staff",
         "{\"email\":\"reception@demo.clinic\",\"display_name\":\"Again\",\"role\":\"reception\","
         "\"password\":\"a-new-password-1\"}",
         409, "conflict", "email", NULL},
        {"unknown role", api.admin, "POST", "/api/v1/staff",
         "{\"email\":\"boss@demo.clinic\",\"display_name\":\"Boss\",\"role\":\"owner\","
         "\"password\":\"a-new-password-1\"}",
         422, "unprocessable", "role", NULL},
        {"short password", api.admin, "POST", "/api/v1/staff",
         "{\"email\":\"short@demo.clinic\",\"display_name\":\"Short\",\"role\":\"reception\","
         "\"password\":\"short\"}",
         400, "invalid", "password", NULL},
        {"not an email", api.admin, "POST", "/api/v1/staff",
         "{\"email\":\"not-an-email\",\"display_name\":\"X\",\"role\":\"reception\","
         "\"password\":\"a-new-password-1\"}",
         422, "unprocessable", "email", NULL},
        {"qualifications not an array", api.admin, "POST", "/api/v1/staff",
         "{\"email\":\"q@demo.clinic\",\"display_name\":\"Q\",\"role\":\"reception\","
         "\"qualifications\":\"RN\",\"password\":\"a-new-password-1\"}",
         400, "invalid", "qualifications", NULL},
        {"unknown field", api.admin, "POST", "/api/v1/staff",
         "{\"email\":\"u@demo.clinic\",\"display_name\":\"U\",\"role\":\"reception\","
         "\"salary\":1,\"password\":\"a-new-password-1\"}",
         400, "invalid", "salary", "salary"},
        {"unknown staff id", api.admin, "GET", "/api/v1/staff/00000000000000000000000000000000",
         NULL, 404, "not_found", "id", NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], NULL, 0);
}

static void staff_create_needs_staff_write(void **state)
{
    (void)state;
    static const char valid[] = "{\"email\":\"newdesk@demo.clinic\",\"display_name\":\"New Desk\","
                                "\"role\":\"reception\",\"password\":\"a-new-password-1\"}";
    static const api_case cases[] = {
        {"reception creates staff", api.reception, "POST", "/api/v1/staff", valid, 403, "forbidden",
         NULL, NULL},
        {"practitioner creates staff", api.practitioner, "POST", "/api/v1/staff", valid, 403,
         "forbidden", NULL, NULL},
        {"auditor creates staff", api.auditor, "POST", "/api/v1/staff", valid, 403, "forbidden",
         NULL, NULL},
        /* The role is refused before the body is looked at. */
        {"reception creates staff, empty object", api.reception, "POST", "/api/v1/staff", "{}", 403,
         "forbidden", NULL, NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], NULL, 0);
    /* None of the refused attempts created the account. */
    json_t *list = api_ok(api.admin, "GET", NULL, 200, "/api/v1/staff");
    assert_false(api_count_items(list, "email", "newdesk@demo.clinic"));
    json_decref(list);
}

static void repeated_failed_logins_are_throttled(void **state)
{
    (void)state;
    /* An account of its own, so the group's sessions are not disturbed. */
    char body[512];
    json_t *st = api_ok(api.admin, "POST",
                        "{\"email\":\"locked@demo.clinic\",\"display_name\":\"Lock Test\","
                        "\"role\":\"reception\",\"password\":\"right-password-1\"}",
                        201, "/api/v1/staff");
    json_decref(st);
    snprintf(body, sizeof body,
             "{\"email\":\"locked@demo.clinic\",\"password\":\"wrong-password-1\"}");
    for (int i = 0; i < 5; i++)
        api_err(NULL, "POST", body, 401, "unauthorized", "password", "/api/v1/login");
    /* Now even the right password waits; the answer says how long. */
    api_req q = {"POST", "/api/v1/login",
                 NULL,   "{\"email\":\"locked@demo.clinic\",\"password\":\"right-password-1\"}",
                 0,      0,
                 NULL};
    api_res r;
    assert_int_equal(api_send(NULL, &q, &r), CURLE_OK);
    const char *bad = api_error_mismatch(&r, 429, "rate_limited", "email");
    if (bad) fail_msg("%s", bad);
    long wait = strtol(r.retry_after, NULL, 10);
    assert_true(wait > 0 && wait <= 30);
    api_res_free(&r);
    /* Other accounts sign in as usual. */
    char token[MD_TOKEN_STR], id[MD_ID_STR];
    api_login("reception@demo.clinic", API_DEMO_PASSWORD, token, id);
    /* The failures are in the clinic's audit trail. */
    json_t *a = api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?limit=200");
    size_t i, failed = 0;
    json_t *e;
    json_array_foreach(json_object_get(a, "items"), i, e)
    {
        if (strcmp(api_str(e, "action"), "login_failed") == 0) failed++;
    }
    assert_true(failed >= 5);
    json_decref(a);
}

/* --- sign-in bursts: many threads, one request each, released at once --- */

#define BURST_MAX 40

typedef struct burst {
    int n;
    char body[BURST_MAX][200];
    api_req req[BURST_MAX];
    api_res res[BURST_MAX];
    pthread_t th[BURST_MAX];
    int index[BURST_MAX];
    pthread_barrier_t go;
    atomic_int done;
} burst;

static burst the_burst;

static void *burst_thread(void *p)
{
    int i = *(int *)p;
    burst *b = &the_burst;
    pthread_barrier_wait(&b->go);
    api_send(NULL, &b->req[i], &b->res[i]);
    atomic_fetch_add(&b->done, 1);
    return NULL;
}

/* Fill the_burst with n sign-ins: email_fmt takes the index (%d), the password is the same. */
static burst *burst_prepare(int n, const char *email_fmt, const char *password)
{
    burst *b = &the_burst;
    memset(b, 0, sizeof *b);
    b->n = n;
    for (int i = 0; i < n; i++) {
        char email[96];
        snprintf(email, sizeof email, email_fmt, i);
        snprintf(b->body[i], sizeof b->body[i], "{\"email\":\"%s\",\"password\":\"%s\"}", email,
                 password);
        b->req[i] = (api_req){"POST", "/api/v1/login", NULL, b->body[i], 0, 0, NULL};
        b->index[i] = i;
    }
    return b;
}

/* Start every thread and release them together; returns once all are sending. */
static void burst_start(burst *b)
{
    assert_int_equal(pthread_barrier_init(&b->go, NULL, (unsigned)b->n + 1), 0);
    for (int i = 0; i < b->n; i++)
        assert_int_equal(pthread_create(&b->th[i], NULL, burst_thread, &b->index[i]), 0);
    pthread_barrier_wait(&b->go);
}

static void burst_join(burst *b)
{
    for (int i = 0; i < b->n; i++)
        pthread_join(b->th[i], NULL);
    pthread_barrier_destroy(&b->go);
}

static void burst_free(burst *b)
{
    for (int i = 0; i < b->n; i++)
        api_res_free(&b->res[i]);
}

/* Count the 401s (a checked password) and the 429s with a Retry-After, those of the throttle
 * (field "email") and those of the busy hash gate (field null); fail on anything else. */
typedef struct burst_tally {
    int checked, throttled, busy;
} burst_tally;

static burst_tally burst_count(const burst *b)
{
    burst_tally t = {0, 0, 0};
    for (int i = 0; i < b->n; i++) {
        const api_res *r = &b->res[i];
        if (!api_error_mismatch(r, 401, "unauthorized", "password")) {
            t.checked++;
            continue;
        }
        int throttled = !api_error_mismatch(r, 429, "rate_limited", "email");
        if (!throttled && api_error_mismatch(r, 429, "rate_limited", NULL))
            fail_msg("sign-in %d: status %ld (curl %d): %s", i, r->status, r->curl_code, r->text);
        if (strtol(r->retry_after, NULL, 10) <= 0)
            fail_msg("sign-in %d: 429 without a Retry-After: %s", i, r->text);
        if (throttled)
            t.throttled++;
        else
            t.busy++;
    }
    return t;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long login_status(const char *email, const char *password, long *retry_after)
{
    char body[256];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    api_req q = {"POST", "/api/v1/login", NULL, body, 0, 0, NULL};
    api_res r;
    assert_int_equal(api_send(NULL, &q, &r), CURLE_OK);
    long st = r.status;
    if (retry_after) *retry_after = strtol(r.retry_after, NULL, 10);
    api_res_free(&r);
    return st;
}

/* Thirty wrong passwords for one email, all at once: exactly five are checked (the throttle's
 * allowance), the others are refused with 429 and Retry-After without a check. */
static void concurrent_wrong_passwords_get_five_checks(void **state)
{
    (void)state;
    static const char email[] = "burst@demo.clinic";
    json_t *st = api_ok(api.admin, "POST",
                        "{\"email\":\"burst@demo.clinic\",\"display_name\":\"Burst Test\","
                        "\"role\":\"reception\",\"password\":\"right-password-2\"}",
                        201, "/api/v1/staff");
    char staff_id[MD_ID_STR];
    md_strlcpy(staff_id, api_str(st, "id"), sizeof staff_id);
    json_decref(st);

    /* Under valgrind the server is slow enough that 30 at once outlast its idle timeout. */
    burst *b = burst_prepare(api.slow ? 10 : 30, "burst@demo.clinic", "wrong-password-2");
    burst_start(b);
    burst_join(b);
    burst_tally n = burst_count(b);
    burst_free(b);
    /* Five reserved a check, the other 25 were refused by the throttle without one.  Under
     * valgrind a reserved check may outwait the hash gate (429, not counted), and give its
     * place to a later arrival: never more than five checks, though. */
    assert_true(n.checked <= 5);
    if (!api.slow) {
        assert_int_equal(n.checked, 5);
        assert_int_equal(n.throttled, 25);
    }
    /* Each check is a login_failed entry against the account: five, not more. */
    json_t *a = api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?limit=1000");
    size_t i, failed = 0;
    json_t *e;
    json_array_foreach(json_object_get(a, "items"), i, e)
    {
        if (strcmp(api_str(e, "action"), "login_failed") == 0 &&
            strcmp(api_str(e, "object_id"), staff_id) == 0)
            failed++;
    }
    json_decref(a);
    assert_int_equal(failed, (size_t)n.checked);
    if (n.checked < 5) return; /* not locked: the rest needs the five failures */

    /* Locked: the right password waits too.  Once the lock lapses it works. */
    long wait = 0;
    assert_int_equal(login_status(email, "right-password-2", &wait), 429);
    assert_true(wait > 0 && wait <= 30);
    sleep((unsigned)wait + 1);
    assert_int_equal(login_status(email, "right-password-2", NULL), 200);
    /* The success cleared the count: four failures are free again, and the right password
     * still signs in (without the reset, the first failure would lock for 60 s). */
    for (int k = 0; k < 4; k++)
        assert_int_equal(login_status(email, "wrong-password-2", NULL), 401);
    assert_int_equal(login_status(email, "right-password-2", NULL), 200);
}

/* --- readers: a few clients reading GET /api/v1/me while a burst runs --- */

#define READERS 4

typedef struct readers {
    pthread_t th[READERS];
    pthread_mutex_t mu;
    double last;    /* ms, when the latest read was answered (or the burst started) */
    double silence; /* the longest time between two answers */
    int n, failed;
    long failed_status;
    const burst *b;
} readers;

static readers the_readers;

static void *reader_thread(void *p)
{
    (void)p;
    readers *rd = &the_readers;
    while (atomic_load(&rd->b->done) < rd->b->n) {
        api_req q = {"GET", "/api/v1/me", api.reception, NULL, 0, 0, NULL};
        api_res r;
        api_send(NULL, &q, &r); /* a new connection each time, as another client's would be */
        pthread_mutex_lock(&rd->mu);
        double t = now_ms();
        if (t - rd->last > rd->silence) rd->silence = t - rd->last;
        rd->last = t;
        rd->n++;
        if (r.status != 200 && !rd->failed++) rd->failed_status = r.status;
        pthread_mutex_unlock(&rd->mu);
        api_res_free(&r);
    }
    return NULL;
}

/* Thirty sign-ins at once, for thirty emails: password hashing is capped, so the server's
 * resident memory stays bounded (each argon2id hash holds 64 MiB; uncapped, the 16 request
 * threads would hold about 1 GiB), and other clients keep being answered.
 * The bound, 300 MiB: the default budget of two hashes (128 MiB) plus the server's own
 * resident size (about 14 MiB idle) and generous slack; uncapped it was 0.7 to 1 GiB.
 * Four clients read GET /me in a loop meanwhile, each on a new connection: every read must be
 * answered 200.  How long they waited is printed, not asserted: latency is measured by
 * benchmarks, never by a timed test (on this shared machine the longest gap was 0.13 s capped,
 * 1.3 to 1.6 s uncapped, and up to 1 s capped under a loaded CI).  The memory bound is what
 * proves the cap. */
#define BURST_RSS_BOUND_KIB (300L * 1024)

/* Whether the server runs under AddressSanitizer (make sanitize): its allocator keeps
 * freed memory in quarantine, so resident memory is the runtime's, as under valgrind. */
static int server_is_sanitized(void)
{
    char path[64], line[512];
    int found = 0;
    snprintf(path, sizeof path, "/proc/%ld/maps", (long)api.srv.pid);
    FILE *f = fopen(path, "r");
    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, "libasan") != NULL;
    if (f) fclose(f);
    return found;
}

static void a_burst_of_sign_ins_keeps_memory_bounded_and_reads_answered(void **state)
{
    (void)state;
    char tag[16], fmt[64];
    api_unique(tag);
    snprintf(fmt, sizeof fmt, "%s-%%d@demo.clinic", tag);
    long before = api_server_status_kib(&api.srv, "VmRSS");
    int reset = api_server_reset_peak(&api.srv) == 0;
    burst *b = burst_prepare(30, fmt, "wrong-password-3");
    readers *rd = &the_readers;
    memset(rd, 0, sizeof *rd);
    pthread_mutex_init(&rd->mu, NULL);
    rd->b = b;
    long sampled = before;
    rd->last = now_ms();
    burst_start(b);
    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&rd->th[i], NULL, reader_thread, NULL), 0);
    while (atomic_load(&b->done) < b->n) {
        long rss = api_server_status_kib(&api.srv, "VmRSS");
        if (rss > sampled) sampled = rss;
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
    burst_join(b);
    for (int i = 0; i < READERS; i++)
        pthread_join(rd->th[i], NULL);
    pthread_mutex_destroy(&rd->mu);
    long peak = reset ? api_server_status_kib(&api.srv, "VmHWM") : sampled;
    double silence = rd->silence;
    burst_tally n = burst_count(b);
    burst_free(b);
    fprintf(stderr,
            "burst of 30 sign-ins: RSS before %ld KiB, peak %ld KiB (%s), %d checked, %d "
            "refused busy; %d reads of /me by %d clients, longest silence %.0f ms\n",
            before, peak, reset ? "VmHWM" : "sampled VmRSS", n.checked, n.busy, rd->n, READERS,
            silence);
    if (rd->failed) fail_msg("%d reads of /me failed (status %ld)", rd->failed, rd->failed_status);
    assert_int_equal(n.throttled, 0); /* thirty emails: none over its allowance */
    assert_true(n.checked >= 2);
    assert_true(rd->n >= 1);
    if (api.slow || server_is_sanitized()) return; /* memory and time are the wrapper's */
    assert_true(peak > 0);
    if (peak >= BURST_RSS_BOUND_KIB)
        fail_msg("peak resident memory %ld KiB during the burst (bound %ld KiB)", peak,
                 BURST_RSS_BOUND_KIB);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(healthz_needs_no_token),
        cmocka_unit_test(openapi_document_needs_a_token),
        cmocka_unit_test(login_returns_token_and_expiry),
        cmocka_unit_test(login_is_case_insensitive_on_email),
        cmocka_unit_test(login_errors),
        cmocka_unit_test(logout_ends_the_session),
        cmocka_unit_test(token_errors),
        cmocka_unit_test(each_role_has_its_permissions),
        cmocka_unit_test(staff_list_shows_own_clinic_only),
        cmocka_unit_test(staff_create_practitioner),
        cmocka_unit_test(staff_create_errors),
        cmocka_unit_test(staff_create_needs_staff_write),
        cmocka_unit_test(repeated_failed_logins_are_throttled),
        cmocka_unit_test(concurrent_wrong_passwords_get_five_checks),
        cmocka_unit_test(a_burst_of_sign_ins_keeps_memory_bounded_and_reads_answered),
    };
    return cmocka_run_group_tests_name("api.auth", tests, api_setup, api_teardown);
}
