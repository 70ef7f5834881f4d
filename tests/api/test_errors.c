/*
 * test_errors.c - bad input of every kind gets the right status and
 * {"error":{"code","message","field"}}, and the server stays up.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATIENT_OK                                                                                 \
    "\"given_name\":\"Ada\",\"family_name\":\"Byron\",\"birth_date\":\"1985-12-10\","              \
    "\"sex\":\"female\""

static void invalid_json_names_the_position(void **state)
{
    (void)state;
    const char *msg = api_err(api.admin, "POST", "{\"given_name\": \"Ada\",, }", 400,
                              "invalid_json", "body", "/api/v1/patients");
    /* The position of the error: line, column and byte offset. */
    assert_non_null(strstr(msg, "line 1"));
    assert_non_null(strstr(msg, "column"));
    msg = api_err(api.admin, "POST", "{\n\"given_name\": \"Ada\"\n", 400, "invalid_json", "body",
                  "/api/v1/patients");
    assert_non_null(strstr(msg, "line"));
}

static void body_errors(void **state)
{
    (void)state;
    static const api_case cases[] = {
        {"empty body", api.admin, "POST", "/api/v1/patients", "", 400, "invalid_json", "body",
         NULL},
        {"truncated", api.admin, "POST", "/api/v1/patients", "{\"given_name\":", 400,
         "invalid_json", "body", NULL},
        {"duplicate key", api.admin, "POST", "/api/v1/patients",
         "{" PATIENT_OK ",\"sex\":\"male\"}", 400, "invalid_json", "body", NULL},
        {"array instead of object", api.admin, "POST", "/api/v1/patients", "[1,2]", 400, "invalid",
         "body", NULL},
        /* A bare scalar is not accepted as a JSON document. */
        {"string instead of object", api.admin, "POST", "/api/v1/patients", "\"Ada\"", 400,
         "invalid_json", "body", NULL},
        {"missing given_name", api.admin, "POST", "/api/v1/patients",
         "{\"family_name\":\"Byron\",\"birth_date\":\"1985-12-10\",\"sex\":\"female\"}", 400,
         "invalid", "given_name", "given_name"},
        {"missing birth_date", api.admin, "POST", "/api/v1/patients",
         "{\"given_name\":\"Ada\",\"family_name\":\"Byron\",\"sex\":\"female\"}", 400, "invalid",
         "birth_date", NULL},
        {"missing sex", api.admin, "POST", "/api/v1/patients",
         "{\"given_name\":\"Ada\",\"family_name\":\"Byron\",\"birth_date\":\"1985-12-10\"}", 400,
         "invalid", "sex", NULL},
        {"given_name a number", api.admin, "POST", "/api/v1/patients",
         "{\"given_name\":7,\"family_name\":\"Byron\",\"birth_date\":\"1985-12-10\","
         "\"sex\":\"female\"}",
         400, "invalid", "given_name", NULL},
        {"fitzpatrick a string", api.admin, "POST", "/api/v1/patients",
         "{" PATIENT_OK ",\"fitzpatrick\":\"3\"}", 400, "invalid", "fitzpatrick", NULL},
        {"fitzpatrick a fraction", api.admin, "POST", "/api/v1/patients",
         "{" PATIENT_OK ",\"fitzpatrick\":3.5}", 400, "invalid", "fitzpatrick", NULL},
        {"fitzpatrick 9", api.admin, "POST", "/api/v1/patients",
         "{" PATIENT_OK ",\"fitzpatrick\":9}", 422, "unprocessable", "fitzpatrick", NULL},
        {"fitzpatrick 0", api.admin, "POST", "/api/v1/patients",
         "{" PATIENT_OK ",\"fitzpatrick\":0}", 422, "unprocessable", "fitzpatrick", NULL},
        {"birth_date 2026-02-30", api.admin, "POST", "/api/v1/patients",
         "{\"given_name\":\"Ada\",\"family_name\":\"Byron\",\"birth_date\":\"2026-02-30\","
         "\"sex\":\"female\"}",
         422, "unprocessable", "birth_date", "2026-02-30"},
        {"birth_date not ISO", api.admin, "POST", "/api/v1/patients",
         "{\"given_name\":\"Ada\",\"family_name\":\"Byron\",\"birth_date\":\"10/12/1985\","
         "\"sex\":\"female\"}",
         400, "invalid", "birth_date", NULL},
        {"birth_date in the future", api.admin, "POST", "/api/v1/patients",
         "{\"given_name\":\"Ada\",\"family_name\":\"Byron\",\"birth_date\":\"2999-01-01\","
         "\"sex\":\"female\"}",
         422, "unprocessable", "birth_date", NULL},
        {"sex not in the list", api.admin, "POST", "/api/v1/patients",
         "{\"given_name\":\"Ada\",\"family_name\":\"Byron\",\"birth_date\":\"1985-12-10\","
         "\"sex\":\"f\"}",
         422, "unprocessable", "sex", NULL},
        {"not an email", api.admin, "POST", "/api/v1/patients",
         "{" PATIENT_OK ",\"email\":\"ada.example.org\"}", 422, "unprocessable", "email", NULL},
        {"letters in the phone", api.admin, "POST", "/api/v1/patients",
         "{" PATIENT_OK ",\"phone\":\"call me\"}", 422, "unprocessable", "phone", NULL},
        {"control character", api.admin, "POST", "/api/v1/patients",
         "{\"given_name\":\"A\\u0007da\",\"family_name\":\"Byron\",\"birth_date\":\"1985-12-10\","
         "\"sex\":\"female\"}",
         400, "invalid", "given_name", NULL},
        {"unknown field", api.admin, "POST", "/api/v1/patients",
         "{" PATIENT_OK ",\"nickname\":\"Ada\"}", 400, "invalid", "nickname", "nickname"},
        {"version on create", api.admin, "POST", "/api/v1/patients",
         "{" PATIENT_OK ",\"version\":1}", 400, "invalid", "version", NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], NULL, 0);
    /* Nothing above was stored. */
    json_t *l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients?name=Byron");
    assert_int_equal(api_int(l, "total"), 0);
    json_decref(l);
}

static void routing_errors(void **state)
{
    (void)state;
    static const api_case cases[] = {
        {"unknown API route", api.admin, "GET", "/api/v1/nothing", NULL, 404, "not_found", NULL,
         NULL},
        {"unknown API version", api.admin, "GET", "/api/v2/patients", NULL, 404, "not_found", NULL,
         NULL},
        {"unknown collection under a patient", api.admin, "GET",
         "/api/v1/patients/00000000000000000000000000000000/tattoos", NULL, 404, "not_found", NULL,
         NULL},
        {"unknown route, no token", NULL, "GET", "/api/v1/nothing", NULL, 404, "not_found", NULL,
         NULL},
        {"POST to an unknown route", api.admin, "POST", "/nothing", "{}", 404, "not_found", NULL,
         NULL},
        {"DELETE the patients", api.admin, "DELETE", "/api/v1/patients", NULL, 405,
         "method_not_allowed", NULL, NULL},
        {"DELETE a patient", api.admin, "DELETE",
         "/api/v1/patients/00000000000000000000000000000000", NULL, 405, "method_not_allowed", NULL,
         NULL},
        {"PUT the patients", api.admin, "PUT", "/api/v1/patients", "{}", 405, "method_not_allowed",
         NULL, NULL},
        {"POST healthz", NULL, "POST", "/healthz", "{}", 405, "method_not_allowed", NULL, NULL},
        {"DELETE the patients, no token", NULL, "DELETE", "/api/v1/patients", NULL, 405,
         "method_not_allowed", NULL, NULL},
        {"DELETE the audit", api.admin, "DELETE", "/api/v1/audit", NULL, 405, "method_not_allowed",
         NULL, NULL},
        {"unknown patient", api.admin, "GET", "/api/v1/patients/00000000000000000000000000000000",
         NULL, 404, "not_found", "id", NULL},
        {"malformed patient id", api.admin, "GET", "/api/v1/patients/xyz", NULL, 404, "not_found",
         "id", NULL},
        {"facts of an unknown patient", api.admin, "GET",
         "/api/v1/patients/00000000000000000000000000000000/allergies", NULL, 404, "not_found",
         "patient_id", NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], NULL, 0);
}

/* A body of n bytes: a JSON object whose one string fills it. */
static char *big_body(size_t n)
{
    static const char head[] = "{\"given_name\":\"", tail[] = "\"}";
    char *b = malloc(n + 1);
    assert_non_null(b);
    memcpy(b, head, sizeof head - 1);
    memset(b + sizeof head - 1, 'a', n - (sizeof head - 1) - (sizeof tail - 1));
    memcpy(b + n - (sizeof tail - 1), tail, sizeof tail);
    assert_int_equal(strlen(b), n);
    return b;
}

static void check_big(const char *what, size_t n, int chunked, long status, const char *code,
                      const char *field)
{
    char *body = big_body(n);
    api_req q = {"POST", "/api/v1/patients", api.admin, body, n, chunked, NULL};
    api_res r;
    int rc = api_send(NULL, &q, &r);
    const char *why = rc != CURLE_OK ? curl_easy_strerror((CURLcode)rc)
                                     : api_error_mismatch(&r, status, code, field);
    if (why)
        print_error("%s (%zu bytes%s): %s; got %.300s\n", what, n, chunked ? ", chunked" : "", why,
                    r.text);
    api_res_free(&r);
    free(body);
    if (why) fail();
}

static void body_over_one_mebibyte(void **state)
{
    (void)state;
    /* At the cap the body is read and judged (the name is too long). */
    check_big("at the cap", API_MAX_BODY, 0, 400, "invalid", "given_name");
    check_big("at the cap", API_MAX_BODY, 1, 400, "invalid", "given_name");
    /* One byte over: refused without looking at it. */
    check_big("over the cap", API_MAX_BODY + 1, 0, 413, "payload_too_large", "body");
    check_big("over the cap", API_MAX_BODY + 1, 1, 413, "payload_too_large", "body");
    check_big("far over the cap", 8 * API_MAX_BODY, 0, 413, "payload_too_large", "body");
    check_big("far over the cap", 4 * API_MAX_BODY, 1, 413, "payload_too_large", "body");
    /* A Content-Length that announces too much is refused at once. */
    const char *hdr[] = {"Content-Length: 9999999999", NULL};
    api_req q = {"POST", "/api/v1/patients", api.admin, NULL, 0, 0, hdr};
    api_res r;
    int rc = api_send(NULL, &q, &r);
    const char *why = rc != CURLE_OK ? curl_easy_strerror((CURLcode)rc)
                                     : api_error_mismatch(&r, 413, "payload_too_large", "body");
    if (why) fail_msg("announced 9999999999 bytes: %s; got %.300s", why, r.text);
    api_res_free(&r);
}

static void authentication_errors(void **state)
{
    (void)state;
    static const api_case cases[] = {
        {"no token", NULL, "GET", "/api/v1/patients", NULL, 401, "unauthorized", NULL, NULL},
        {"no token, POST", NULL, "POST", "/api/v1/patients", "{" PATIENT_OK "}", 401,
         "unauthorized", NULL, NULL},
        {"bad token", API_BAD_TOKEN, "GET", "/api/v1/patients", NULL, 401, "unauthorized", NULL,
         NULL},
        {"overlong token",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "GET", "/api/v1/patients", NULL, 401, "unauthorized", NULL, NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], NULL, 0);
}

static void role_errors(void **state)
{
    (void)state;
    char hart[MD_ID_STR];
    api_demo_patient("Hart", hart);
    api_var vars[] = {{"p", hart}};
    static const api_case cases[] = {
        {"reception reads allergies", api.reception, "GET", "/api/v1/patients/{p}/allergies", NULL,
         403, "forbidden", NULL, NULL},
        {"reception reads medications", api.reception, "GET", "/api/v1/patients/{p}/medications",
         NULL, 403, "forbidden", NULL, NULL},
        {"reception reads status", api.reception, "GET", "/api/v1/patients/{p}/status", NULL, 403,
         "forbidden", NULL, NULL},
        {"reception writes a condition", api.reception, "POST", "/api/v1/patients/{p}/conditions",
         "{\"code\":\"acne\"}", 403, "forbidden", NULL, NULL},
        {"auditor creates a patient", api.auditor, "POST", "/api/v1/patients", "{" PATIENT_OK "}",
         403, "forbidden", NULL, NULL},
        {"auditor writes an allergy", api.auditor, "POST", "/api/v1/patients/{p}/allergies",
         "{\"substance\":\"latex\"}", 403, "forbidden", NULL, NULL},
        {"reception creates staff", api.reception, "POST", "/api/v1/staff",
         "{\"email\":\"x@demo.clinic\",\"display_name\":\"X\",\"role\":\"admin\","
         "\"password\":\"a-new-password-1\"}",
         403, "forbidden", NULL, NULL},
        {"reception reads the audit", api.reception, "GET", "/api/v1/audit", NULL, 403, "forbidden",
         NULL, NULL},
        {"practitioner reads the audit", api.practitioner, "GET", "/api/v1/audit", NULL, 403,
         "forbidden", NULL, NULL},
        {"reception verifies the audit", api.reception, "GET", "/api/v1/audit/verify", NULL, 403,
         "forbidden", NULL, NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], vars, 1);
}

static void other_clinic_records_are_not_found(void **state)
{
    (void)state;
    char olivia[MD_ID_STR], allergy[MD_ID_STR];
    api_demo_patient("Bennett", olivia); /* the demo patient with a lidocaine allergy */
    json_t *l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients/%s/allergies", olivia);
    md_strlcpy(allergy, api_str(json_array_get(json_object_get(l, "items"), 0), "id"),
               sizeof allergy);
    json_decref(l);
    assert_true(md_id_valid(allergy));
    api_var vars[] = {{"p", olivia}, {"a", allergy}};
    static const api_case cases[] = {
        {"patient", api.other_admin, "GET", "/api/v1/patients/{p}", NULL, 404, "not_found", "id",
         NULL},
        {"patient history", api.other_admin, "GET", "/api/v1/patients/{p}/history", NULL, 404,
         "not_found", "id", NULL},
        {"update", api.other_admin, "PUT", "/api/v1/patients/{p}", "{\"given_name\":\"X\"}", 404,
         "not_found", "id", NULL},
        {"allergies", api.other_admin, "GET", "/api/v1/patients/{p}/allergies", NULL, 404,
         "not_found", "patient_id", NULL},
        {"conditions", api.other_admin, "GET", "/api/v1/patients/{p}/conditions", NULL, 404,
         "not_found", "patient_id", NULL},
        {"medications", api.other_admin, "GET", "/api/v1/patients/{p}/medications", NULL, 404,
         "not_found", "patient_id", NULL},
        {"status", api.other_admin, "GET", "/api/v1/patients/{p}/status", NULL, 404, "not_found",
         "patient_id", NULL},
        {"one allergy", api.other_admin, "GET", "/api/v1/patients/{p}/allergies/{a}", NULL, 404,
         "not_found", "id", NULL},
        {"allergy history", api.other_admin, "GET", "/api/v1/patients/{p}/allergies/{a}/history",
         NULL, 404, "not_found", "patient_id", NULL},
        {"add an allergy", api.other_admin, "POST", "/api/v1/patients/{p}/allergies",
         "{\"substance\":\"latex\"}", 404, "not_found", "patient_id", NULL},
        {"change an allergy", api.other_admin, "PUT", "/api/v1/patients/{p}/allergies/{a}",
         "{\"status\":\"inactive\",\"reason\":\"x\"}", 404, "not_found", "patient_id", NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], vars, 2);
    /* The record is unchanged. */
    json_t *p = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients/%s", olivia);
    assert_string_equal(api_str(p, "given_name"), "Olivia");
    json_decref(p);
}

static void server_is_still_up(void **state)
{
    (void)state;
    json_t *h = api_ok(NULL, "GET", NULL, 200, "/healthz");
    assert_string_equal(api_str(h, "status"), "ok");
    json_decref(h);
    json_t *p = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients?limit=1");
    json_decref(p);
}

/* --- all field errors at once (issue 6, item 19) --- */

/* The field names listed in error.errors, in order, joined by ","; asserts each entry has a
 * code and a message, and that the first entry is the error's own field, code and message. */
static const char *error_fields(const json_t *body)
{
    static char out[512];
    const json_t *e = json_object_get(body, "error");
    const json_t *list = json_object_get(e, "errors");
    out[0] = '\0';
    assert_true(json_is_array(list));
    assert_true(json_array_size(list) > 0);
    const json_t *first = json_array_get(list, 0);
    assert_string_equal(api_str(first, "field"), api_str(e, "field"));
    assert_string_equal(api_str(first, "code"), api_str(e, "code"));
    assert_string_equal(api_str(first, "message"), api_str(e, "message"));
    size_t off = 0, i;
    const json_t *x;
    json_array_foreach(list, i, x)
    {
        assert_true(api_str(x, "code")[0] && api_str(x, "message")[0]);
        off += (size_t)snprintf(out + off, sizeof out - off, "%s%s", i ? "," : "",
                                api_str(x, "field"));
    }
    return out;
}

static void all_field_errors_at_once(void **state)
{
    (void)state;
    /* Five wrong fields: a missing name (400) comes first, so the answer is 400. */
    json_t *r = api_ok(api.admin, "POST",
                       "{\"family_name\":\"Byron\",\"birth_date\":\"2999-01-01\",\"sex\":\"f\","
                       "\"email\":\"ada.example.org\",\"phone\":\"call me\"}",
                       400, "/api/v1/patients");
    assert_string_equal(api_str(json_object_get(r, "error"), "field"), "given_name");
    assert_string_equal(error_fields(r), "given_name,sex,birth_date,email,phone");
    json_decref(r);

    /* Only 422s: the answer is 422, the first still in code/field/message. */
    r = api_ok(api.admin, "POST",
               "{" PATIENT_OK ",\"fitzpatrick\":9,\"email\":\"nope\",\"phone\":\"x\"}", 422,
               "/api/v1/patients");
    assert_string_equal(error_fields(r), "fitzpatrick,email,phone");
    json_decref(r);

    /* One wrong field: the list has that one entry. */
    r = api_ok(api.admin, "POST", "{" PATIENT_OK ",\"phone\":\"call me\"}", 422,
               "/api/v1/patients");
    assert_string_equal(error_fields(r), "phone");
    json_decref(r);

    /* An update: a bad value and the missing reason, both named. */
    json_t *p = api_patient_new(api.admin, "Ada", NULL, "1985-12-10");
    const char *id = api_str(p, "id");
    r = api_ok(api.admin, "PUT", "{\"sex\":\"f\",\"email\":\"nope\"}", 422, "/api/v1/patients/%s",
               id);
    assert_string_equal(error_fields(r), "sex,email,reason");
    json_decref(r);

    /* A clinical fact: an unknown code and a future last dose. */
    r = api_ok(api.admin, "POST", "{\"code\":\"ibuprofenn\",\"last_dose\":\"2999-01-01\"}", 422,
               "/api/v1/patients/%s/medications", id);
    assert_string_equal(error_fields(r), "code,last_dose");
    assert_non_null(strstr(api_str(json_object_get(r, "error"), "message"), "did you mean"));
    json_decref(r);

    /* A request that fails before its fields (an unknown field) has no list. */
    r = api_ok(api.admin, "POST", "{" PATIENT_OK ",\"nickname\":\"Ada\"}", 400, "/api/v1/patients");
    assert_null(json_object_get(json_object_get(r, "error"), "errors"));
    json_decref(r);
    json_decref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(invalid_json_names_the_position),
        cmocka_unit_test(body_errors),
        cmocka_unit_test(routing_errors),
        cmocka_unit_test(body_over_one_mebibyte),
        cmocka_unit_test(authentication_errors),
        cmocka_unit_test(role_errors),
        cmocka_unit_test(other_clinic_records_are_not_found),
        cmocka_unit_test(all_field_errors_at_once),
        cmocka_unit_test(server_is_still_up),
    };
    return cmocka_run_group_tests_name("api.errors", tests, api_setup, api_teardown);
}
