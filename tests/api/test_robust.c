/*
 * test_robust.c - a campaign of generated malformed requests against the real server:
 * every route of the OpenAPI document with path parameters that are not ids (bytes
 * that are not UTF-8, encoded slashes and line breaks, overlong segments), with and
 * without a token; every write route with bodies of the wrong shape (truncated JSON,
 * arrays, scalars, wrong types, deep nesting, text that is not UTF-8); and requests
 * that are odd at the protocol level (methods, request targets, headers, framing).
 *
 * Each answer must be under 500; an answer of the API must be JSON, an error one must
 * be {"error":{"code","message","field"}}, and an input error (invalid, invalid_json,
 * unprocessable, payload_too_large) must name its field.  The server is alive after.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQ_MAX 65536
#define MIN_REQUESTS 1000
#define SHOW_MAX 20

typedef struct campaign {
    size_t sent, bad;
} campaign;

/* The path parameters tried in place of every {param}. */
static const char *const params[] = {
    NULL, /* a real patient id (filled in) */
    "00000000000000000000000000000000",
    "%ff",
    "%c3%28",
    "%ed%a0%80",
    "xyz",
    "%00",
    "..%2f..%2fstaff",
    "%0d%0aSet-Cookie:%20x=1",
    "%e2%80%ae%f0%9f%98",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};
#define NPARAMS (sizeof params / sizeof params[0])

/* Query strings added to every GET. */
static const char *const queries[] = {"", "?limit=abc", "?limit=-1&offset=%ff",
                                      "?name=%ff%fe&birth_date=31/02", "?patient_id=%00"};
#define NQUERIES (sizeof queries / sizeof queries[0])

/* Bodies of the wrong shape for every write route. */
static const char *const bodies[] = {
    "",
    "{",
    "{\"a\":",
    "[]",
    "[1,2,3]",
    "null",
    "true",
    "\"text\"",
    "42",
    "{}",
    "{\"\":1}",
    "{\"a\":1,\"a\":2}",
    "{\"given_name\":\"\xff\xfe\"}",
    "{\"given_name\":\"\\ud800\"}",
    "{\"given_name\":1e999}",
    "{\"code\":[],\"status\":{},\"version\":\"1\",\"reason\":7}",
    "{\"plan\":{\"areas\":\"cheeks\",\"ingredients\":[1]},\"patient_id\":[]}",
    "{\"email\":{},\"password\":[]}",
    "{\"answers\":null,\"given_name\":\"\\u0000\"}",
    "\xef\xbb\xbf{}",
    NULL, /* deep nesting (filled in) */
};
#define NBODIES (sizeof bodies / sizeof bodies[0])

/* Requests odd at the protocol level.  libmicrohttpd answers some of them itself (not
 * JSON) or closes the connection; none may get a 5xx or stop the server. */
static const char *const protocol[] = {
    "get /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
    "GE\x01T /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
    "\xff\xfe /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET  /healthz  HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /healthz\r\n\r\n",
    "GET\r\n\r\n",
    "\r\n\r\n",
    "GET http://t/healthz HTTP/1.1\r\nHost: t\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /healthz#x HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /healthz?%zz=%ff HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET //api//v1//patients HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /api/v1/patients/../staff HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /api/v1/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /..%2f..%2fetc%2fpasswd HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /healthz HTTP/1.1\r\n\r\n",
    "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "GET /healthz HTTP/1.1\r\nHost: t\r\nNoColon\r\n\r\n",
    "GET /healthz HTTP/1.1\r\nHost: t\r\n: empty name\r\n\r\n",
    "GET /healthz HTTP/1.1\r\nHost: t\r\nX: a\r\n folded\r\n\r\n",
    "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Bytes: \xff\xfe\x01\r\n\r\n",
    "GET /healthz HTTP/1.1\nHost: t\n\n",
    "GET /api/v1/patients HTTP/1.1\r\nHost: t\r\nAuthorization: Basic YTpi\r\n\r\n",
    "GET /api/v1/patients HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer\r\n\r\n",
    "GET /api/v1/patients HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer    \r\n\r\n",
    "GET /api/v1/patients HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \xff\xff\r\n\r\n",
    "GET /api/v1/patients HTTP/1.1\r\nHost: t\r\nAuthorization: bearer a b c\r\n"
    "Authorization: Bearer x\r\n\r\n",
    "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n{}",
    "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n{}",
    "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n{}",
    "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nContent-Length: 2, 3\r\n\r\n{}",
    "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x",
    "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
    "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n{}",
    "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
    "chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
    "ffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
    "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
    "chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
    "Content-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
    "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\n{}",
    "POST /api/v1/login HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}",
    "POST /api/v1/patients HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n"
    "Content-Length: 2\r\n\r\n{}",
    NULL, /* a huge header (filled in) */
    NULL, /* many headers (filled in) */
    NULL, /* a huge URL (filled in) */
    NULL, /* a huge method (filled in) */
};
#define NPROTOCOL (sizeof protocol / sizeof protocol[0])

static int is_input_error(const char *code)
{
    static const char *const named[] = {"invalid", "invalid_json", "unprocessable",
                                        "payload_too_large"};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strcmp(code, named[i]) == 0) return 1;
    return 0;
}

/* Judge one answer; returns NULL when it is acceptable, else why not. */
static const char *judge(const api_raw_res *r, int api_answer, int protocol_level)
{
    if (r->status == 0) return protocol_level ? NULL : "no answer";
    if (r->status >= 500) return "5xx";
    if (!r->json) return api_answer && !protocol_level ? "not JSON" : NULL;
    if (r->status < 400) return NULL;
    json_t *e = json_object_get(r->json, "error");
    json_t *field = json_object_get(e, "field");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (!code || !msg || !*msg || !field) return "not {\"error\":{\"code\",\"message\",\"field\"}}";
    if (is_input_error(code) && !json_is_string(field)) return "an input error names no field";
    return NULL;
}

static void send_one(campaign *c, const char *req, size_t len, int api_answer, int protocol_level)
{
    api_raw_res r;
    /* A protocol-level request may be incomplete on purpose: no answer comes. */
    api_raw(NULL, req, len, &r, protocol_level ? 500 : 10000);
    c->sent++;
    const char *why = judge(&r, api_answer, protocol_level);
    if (why) {
        if (c->bad < SHOW_MAX)
            print_error("%s: %.*s\n  -> %.300s\n", why, (int)(len > 300 ? 300 : len), req, r.text);
        c->bad++;
    }
    api_raw_free(&r);
}

static void send_http(campaign *c, const char *method, const char *path, const char *token,
                      const char *body)
{
    static char req[REQ_MAX];
    char auth[MD_TOKEN_STR + 40] = "";
    if (token) snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", token);
    int n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%sContent-Type: "
                     "application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     method, path, auth, body ? strlen(body) : (size_t)0, body ? body : "");
    assert_true(n > 0 && (size_t)n < sizeof req);
    send_one(c, req, (size_t)n, strncmp(path, "/api/", 5) == 0 || strcmp(path, "/healthz") == 0, 0);
}

/* pattern with each {name} replaced by value. */
static void fill_params(const char *pattern, const char *value, char *out, size_t outsz)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + 1 < outsz;) {
        if (*p == '{') {
            const char *end = strchr(p, '}');
            if (end) {
                o += (size_t)snprintf(out + o, outsz - o, "%s", value);
                if (o >= outsz) o = outsz - 1;
                p = end + 1;
                continue;
            }
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
}

static int is_write(const char *method)
{
    return strcmp(method, "post") == 0 || strcmp(method, "put") == 0 ||
           strcmp(method, "patch") == 0;
}

static void upper(const char *in, char *out, size_t outsz)
{
    size_t i = 0;
    for (; in[i] && i + 1 < outsz; i++)
        out[i] = (char)(in[i] >= 'a' && in[i] <= 'z' ? in[i] - 32 : in[i]);
    out[i] = '\0';
}

static void malformed_requests_get_no_5xx(void **state)
{
    (void)state;
    campaign c = {0, 0};
    char hart[MD_ID_STR], deep[4200], path[2048], method[16];
    const char *param_values[NPARAMS], *body_values[NBODIES], *protocol_values[NPROTOCOL];
    api_demo_patient("Hart", hart);
    memcpy(param_values, params, sizeof params);
    memcpy(body_values, bodies, sizeof bodies);
    memcpy(protocol_values, protocol, sizeof protocol);
    param_values[0] = hart;
    memset(deep, '[', 4000);
    deep[4000] = '\0';
    body_values[NBODIES - 1] = deep;

    /* Every route of the API description. */
    json_t *doc = api_ok(api.admin, "GET", NULL, 200, "/api/openapi.json");
    json_t *paths = json_object_get(doc, "paths"), *ops;
    const char *pattern, *m;
    assert_true(json_object_size(paths) > 20);
    json_object_foreach(paths, pattern, ops)
    {
        json_t *op;
        int has_param = strchr(pattern, '{') != NULL;
        json_object_foreach(ops, m, op)
        {
            if (!json_is_object(op)) continue;
            upper(m, method, sizeof method);
            int logout = strstr(pattern, "/logout") != NULL;
            for (size_t p = 0; p < (has_param ? NPARAMS : 1); p++) {
                fill_params(pattern, param_values[p], path, sizeof path);
                const char *tokens[] = {NULL, logout ? API_BAD_TOKEN : api.admin};
                for (size_t t = 0; t < 2; t++) {
                    if (!strcmp(m, "get")) {
                        char q[2200];
                        snprintf(q, sizeof q, "%s%s", path, queries[(p + t) % NQUERIES]);
                        send_http(&c, method, q, tokens[t], NULL);
                    } else {
                        send_http(&c, method, path, tokens[t], body_values[(p * 3 + t) % NBODIES]);
                    }
                }
            }
            /* Every body of the wrong shape, with a real id and a token that may write. */
            if (is_write(m) && !logout) {
                fill_params(pattern, hart, path, sizeof path);
                for (size_t b = 0; b < NBODIES; b++)
                    send_http(&c, method, path, api.admin, body_values[b]);
            }
            /* The method on a path where it is not allowed, and an unknown method. */
            send_http(&c, "BREW", path, api.admin, NULL);
        }
    }
    json_decref(doc);
    /* Paths of no route, API and static, with the same segments. */
    for (size_t p = 0; p < NPARAMS; p++) {
        snprintf(path, sizeof path, "/api/%s", param_values[p]);
        send_http(&c, "GET", path, NULL, NULL);
        send_http(&c, "DELETE", path, api.admin, NULL);
        snprintf(path, sizeof path, "/%s.js", param_values[p]);
        send_http(&c, "GET", path, NULL, NULL);
        snprintf(path, sizeof path, "/q/%s", param_values[p]);
        send_http(&c, "GET", path, NULL, NULL);
    }

    /* The protocol-level oddities. */
    static char huge_header[20000], many[40000], huge_url[12000], huge_method[3000];
    snprintf(huge_header, sizeof huge_header,
             "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: %0*d\r\n\r\n", 16000, 0);
    size_t o = (size_t)snprintf(many, sizeof many, "GET /healthz HTTP/1.1\r\nHost: t\r\n");
    for (int i = 0; i < 1000 && o + 40 < sizeof many; i++)
        o += (size_t)snprintf(many + o, sizeof many - o, "X-H%d: %d\r\n", i, i);
    snprintf(many + o, sizeof many - o, "\r\n");
    o = (size_t)snprintf(huge_url, sizeof huge_url, "GET /api/v1/patients/");
    memset(huge_url + o, 'a', 10000);
    snprintf(huge_url + o + 10000, sizeof huge_url - o - 10000, " HTTP/1.1\r\nHost: t\r\n\r\n");
    memset(huge_method, 'M', 2000);
    snprintf(huge_method + 2000, sizeof huge_method - 2000,
             " /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    protocol_values[NPROTOCOL - 4] = huge_header;
    protocol_values[NPROTOCOL - 3] = many;
    protocol_values[NPROTOCOL - 2] = huge_url;
    protocol_values[NPROTOCOL - 1] = huge_method;
    for (size_t i = 0; i < NPROTOCOL; i++)
        send_one(&c, protocol_values[i], strlen(protocol_values[i]), 1, 1);

    print_message("%zu malformed requests, %zu unacceptable answers\n", c.sent, c.bad);
    if (c.sent < MIN_REQUESTS) fail_msg("only %zu requests were generated", c.sent);
    if (c.bad) fail_msg("%zu of %zu answers were unacceptable", c.bad, c.sent);
}

static void the_server_is_alive_afterwards(void **state)
{
    (void)state;
    api_assert_alive();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malformed_requests_get_no_5xx),
        cmocka_unit_test(the_server_is_alive_afterwards),
    };
    return cmocka_run_group_tests_name("api.robust", tests, api_setup, api_teardown);
}
