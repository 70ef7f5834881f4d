/*
 * support_http.c - HTTP requests to the server under test (libcurl) and the
 * asserting helpers built on them (see support.h).
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RESPONSE_MAX (16u << 20) /* a response larger than this is a test failure */
#define PATH_MAX_LEN 1024
#define CASE_TEXT_MAX 4096

typedef struct growbuf {
    char *data;
    size_t len, cap;
    int overflow;
} growbuf;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    growbuf *b = ud;
    size_t n = size * nmemb;
    if (b->len + n + 1 > RESPONSE_MAX) {
        b->overflow = 1;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* Copy the value of header `name` (with its colon) from one header line, trimmed. */
static void header_value(const char *line, size_t n, const char *name, char *out, size_t outsz)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) != 0) return;
    const char *v = line + nl;
    size_t len = n - nl;
    while (len && (*v == ' ' || *v == '\t'))
        v++, len--;
    while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
        len--;
    if (len < outsz) {
        memcpy(out, v, len);
        out[len] = '\0';
    }
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    api_res *r = ud;
    size_t n = size * nmemb;
    header_value(ptr, n, "X-Request-Id:", r->request_id, sizeof r->request_id);
    header_value(ptr, n, "Retry-After:", r->retry_after, sizeof r->retry_after);
    return n;
}

typedef struct upload {
    const char *data;
    size_t len, off;
} upload;

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    upload *u = ud;
    size_t room = size * nitems, left = u->len - u->off;
    /* Small pieces, so that a chunked body really arrives in many chunks. */
    size_t n = left < room ? left : room;
    if (n > 16384) n = 16384;
    memcpy(buf, u->data + u->off, n);
    u->off += n;
    return n;
}

int api_send(CURL *h, const api_req *q, api_res *r)
{
    memset(r, 0, sizeof *r);
    CURL *c = h ? h : curl_easy_init();
    struct curl_slist *hdrs = NULL;
    growbuf body = {0};
    char url[PATH_MAX_LEN + 64], auth[MD_TOKEN_STR + 64];
    upload up = {q->body, q->body ? (q->body_len ? q->body_len : strlen(q->body)) : 0, 0};
    if (!c) {
        r->curl_code = CURLE_FAILED_INIT;
        r->text = calloc(1, 1);
        return r->curl_code;
    }
    if (h) curl_easy_reset(c);
    const char *root = strncmp(q->path, "http://", 7) ? api.srv.url : ""; /* or a whole URL */
    snprintf(url, sizeof url, "%s%s", root, q->path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, api.slow ? 600L : 120L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    if (q->token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", q->token);
        hdrs = curl_slist_append(hdrs, auth);
    }
    int typed = 0; /* the caller gave the Content-Type (a photo's image/jpeg) */
    for (const char *const *x = q->headers; x && *x; x++) {
        hdrs = curl_slist_append(hdrs, *x);
        if (strncasecmp(*x, "Content-Type:", 13) == 0) typed = 1;
    }
    if (q->body) {
        if (!typed) hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        if (q->chunked) {
            hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
            curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(c, CURLOPT_READDATA, &up);
        } else {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)up.len);
        }
    }
    if (!q->body && strcmp(q->method, "GET") != 0) {
        /* No body: an empty one, with Content-Length: 0. */
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    }
    if (strcmp(q->method, "POST") != 0) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    r->curl_code = (int)curl_easy_perform(c);
    if (r->curl_code == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hdrs);
    if (!h) curl_easy_cleanup(c);
    r->text = body.data ? body.data : calloc(1, 1);
    r->len = body.len;
    if (body.len) r->json = json_loadb(body.data, body.len, 0, NULL);
    return r->curl_code;
}

void api_res_free(api_res *r)
{
    json_decref(r->json);
    free(r->text);
    memset(r, 0, sizeof *r);
}

/* Send and assert that the transfer itself worked. */
static void send_checked(const api_req *q, api_res *r)
{
    if (api_send(NULL, q, r) != CURLE_OK)
        fail_msg("%s %s: transfer failed: %s", q->method, q->path,
                 curl_easy_strerror((CURLcode)r->curl_code));
}

static json_t *ok_v(const char *token, const char *method, const char *body, long want,
                    char *request_id, const char *fmt, va_list ap)
{
    char path[PATH_MAX_LEN];
    vsnprintf(path, sizeof path, fmt, ap);
    api_req q = {method, path, token, body, 0, 0, NULL};
    api_res r;
    send_checked(&q, &r);
    if (r.status != want) {
        print_error("%s %s -> %ld, expected %ld: %.2000s\n", method, path, r.status, want, r.text);
        api_res_free(&r);
        fail();
    }
    if (!r.json) {
        print_error("%s %s: the body is not JSON: %.2000s\n", method, path, r.text);
        api_res_free(&r);
        fail();
    }
    if (request_id) md_strlcpy(request_id, r.request_id, MD_ID_STR);
    json_t *j = json_incref(r.json);
    api_res_free(&r);
    return j;
}

json_t *api_ok(const char *token, const char *method, const char *body, long want,
               const char *path_fmt, ...)
{
    va_list ap;
    va_start(ap, path_fmt);
    json_t *j = ok_v(token, method, body, want, NULL, path_fmt, ap);
    va_end(ap);
    return j;
}

json_t *api_ok_rid(const char *token, const char *method, const char *body, long want,
                   char request_id[MD_ID_STR], const char *path_fmt, ...)
{
    va_list ap;
    va_start(ap, path_fmt);
    json_t *j = ok_v(token, method, body, want, request_id, path_fmt, ap);
    va_end(ap);
    return j;
}

const char *api_error_mismatch(const api_res *r, long status, const char *code, const char *field)
{
    static char why[CASE_TEXT_MAX];
    json_t *e = json_object_get(r->json, "error");
    json_t *f = json_object_get(e, "field");
    const char *got_code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    why[0] = '\0';
    if (r->status != status)
        snprintf(why, sizeof why, "status %ld, expected %ld", r->status, status);
    else if (!json_is_object(e) || !got_code || !msg || !f)
        snprintf(why, sizeof why, "not {\"error\":{\"code\",\"message\",\"field\"}}");
    else if (strcmp(got_code, code) != 0)
        snprintf(why, sizeof why, "code \"%s\", expected \"%s\"", got_code, code);
    else if (!*msg)
        snprintf(why, sizeof why, "empty message");
    else if (field && !(json_is_string(f) && strcmp(json_string_value(f), field) == 0))
        snprintf(why, sizeof why, "field %s, expected \"%s\"",
                 json_is_string(f) ? json_string_value(f) : "null", field);
    else if (!field && !json_is_null(f))
        snprintf(why, sizeof why, "field \"%s\", expected null", json_string_value(f));
    return why[0] ? why : NULL;
}

const char *api_err(const char *token, const char *method, const char *body, long status,
                    const char *code, const char *field, const char *path_fmt, ...)
{
    static char message[1024];
    char path[PATH_MAX_LEN];
    va_list ap;
    va_start(ap, path_fmt);
    vsnprintf(path, sizeof path, path_fmt, ap);
    va_end(ap);
    api_req q = {method, path, token, body, 0, 0, NULL};
    api_res r;
    send_checked(&q, &r);
    const char *why = api_error_mismatch(&r, status, code, field);
    if (why) {
        print_error("%s %s: %s; body: %.2000s\n", method, path, why, r.text);
        api_res_free(&r);
        fail();
    }
    md_strlcpy(message, api_str(json_object_get(r.json, "error"), "message"), sizeof message);
    api_res_free(&r);
    return message;
}

void api_login(const char *email, const char *password, char token[MD_TOKEN_STR],
               char staff_id[MD_ID_STR])
{
    json_t *in = json_pack("{s:s,s:s}", "email", email, "password", password);
    char *body = json_dumps(in, JSON_COMPACT);
    json_t *out = api_ok(NULL, "POST", body, 200, "/api/v1/login");
    free(body);
    json_decref(in);
    const char *t = api_str(out, "token");
    if (!*t || strlen(t) >= MD_TOKEN_STR) fail_msg("login of %s: no usable token", email);
    if (token) md_strlcpy(token, t, MD_TOKEN_STR);
    if (staff_id) md_strlcpy(staff_id, api_str(out, "staff_id"), MD_ID_STR);
    json_decref(out);
}

/* Replace {name} placeholders of in by their values. */
static void fill(const char *in, const api_var *vars, size_t nvars, char *out, size_t outsz)
{
    size_t o = 0;
    while (*in && o + 1 < outsz) {
        const api_var *v = NULL;
        for (size_t i = 0; *in == '{' && !v && i < nvars; i++) {
            size_t n = strlen(vars[i].name);
            if (strncmp(in + 1, vars[i].name, n) == 0 && in[n + 1] == '}') v = &vars[i];
        }
        if (!v) {
            out[o++] = *in++;
            continue;
        }
        o += (size_t)snprintf(out + o, outsz - o, "%s", v->value);
        if (o >= outsz) o = outsz - 1;
        in += strlen(v->name) + 2;
    }
    out[o] = '\0';
}

void api_run_cases(const api_case *cases, size_t n, const api_var *vars, size_t nvars)
{
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        const api_case *c = &cases[i];
        char path[PATH_MAX_LEN], body[CASE_TEXT_MAX];
        fill(c->path, vars, nvars, path, sizeof path);
        if (c->body) fill(c->body, vars, nvars, body, sizeof body);
        api_req q = {c->method, path, c->token, c->body ? body : NULL, 0, 0, NULL};
        api_res r;
        const char *why = NULL;
        if (api_send(NULL, &q, &r) != CURLE_OK)
            why = curl_easy_strerror((CURLcode)r.curl_code);
        else
            why = api_error_mismatch(&r, c->status, c->code, c->field);
        const char *msg = api_str(json_object_get(r.json, "error"), "message");
        if (!why && c->message_has && !strstr(msg, c->message_has)) why = "message";
        if (why) {
            failures++;
            print_error("case \"%s\": %s %s -> %s; expected %ld %s field %s%s%s; got %.1500s\n",
                        c->what, c->method, path, why, c->status, c->code,
                        c->field ? c->field : "null", c->message_has ? ", message with " : "",
                        c->message_has ? c->message_has : "", r.text);
        }
        api_res_free(&r);
    }
    if (failures) fail_msg("%d of %zu cases failed", failures, n);
}

void api_unique(char out[16])
{
    char id[MD_ID_STR];
    md_id_new(id);
    out[0] = 'q';
    out[1] = 'x';
    for (int i = 0; i < 8; i++) {
        unsigned byte = 0;
        for (int h = 0; h < 2; h++) {
            char c = id[2 * i + h];
            byte = byte * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        out[2 + i] = (char)('a' + byte % 26);
    }
    out[10] = '\0';
}

json_t *api_patient_new(const char *token, const char *given, const char *family,
                        const char *birth_date)
{
    char fam[64];
    if (!family) {
        api_unique(fam);
        fam[0] = 'Q';
        family = fam;
    }
    /* Fixtures share an e-mail and phone: say they are different people on purpose. */
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:b}", "given_name", given, "family_name",
                           family, "birth_date", birth_date ? birth_date : "1990-04-12", "sex",
                           "female", "fitzpatrick", 3, "email", "test.patient@example.org", "phone",
                           "+44 7700 900999", "confirm_not_duplicate", 1);
    char *body = json_dumps(in, JSON_COMPACT);
    json_t *out = api_ok(token, "POST", body, 201, "/api/v1/patients");
    free(body);
    json_decref(in);
    return out;
}

void api_demo_patient(const char *family, char id[MD_ID_STR])
{
    json_t *list = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients?name=%s", family);
    json_t *items = json_object_get(list, "items");
    size_t i;
    json_t *p;
    id[0] = '\0';
    json_array_foreach(items, i, p)
    {
        if (strcmp(api_str(p, "family_name"), family) == 0)
            md_strlcpy(id, api_str(p, "id"), MD_ID_STR);
    }
    json_decref(list);
    if (!id[0]) fail_msg("no Demo Clinic patient with family name %s", family);
}

const char *api_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

json_int_t api_int(const json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

size_t api_count_items(const json_t *list, const char *key, const char *value)
{
    size_t i, n = 0;
    json_t *item;
    json_array_foreach(json_object_get(list, "items"), i, item)
    {
        if (strcmp(api_str(item, key), value) == 0) n++;
    }
    return n;
}

const json_t *api_find_rule(const json_t *result, const char *rule)
{
    static const char *const lists[] = {"findings", "cautions"};
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(result, lists[l]), i, f)
        {
            if (strcmp(api_str(f, "rule"), rule) == 0) return f;
        }
    }
    return NULL;
}

void api_assert_alive(void)
{
    json_t *h = api_ok(NULL, "GET", NULL, 200, "/healthz");
    assert_string_equal(api_str(h, "status"), "ok");
    json_decref(h);
    json_t *p = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients?limit=1");
    json_decref(p);
}

void *api_race(void *arg)
{
    api_racer *r = arg;
    api_req q = {.method = r->method, .path = r->path, .token = r->token, .body = r->body};
    api_res res;
    api_send(NULL, &q, &res);
    r->status = res.status;
    json_t *f = json_object_get(json_object_get(res.json, "error"), "field");
    md_strlcpy(r->field, json_is_string(f) ? json_string_value(f) : "", sizeof r->field);
    api_res_free(&res);
    return NULL;
}

char *api_pdf_text(const char *token, const char *path, const char *name)
{
    char file[512], cmd[1100];
    api_req q = {.method = "GET", .path = path, .token = token};
    api_res r;
    assert_int_equal(api_send(NULL, &q, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(memcmp(r.text, "%PDF-", 5), 0);
    snprintf(file, sizeof file, "%s/%s", api.srv.dir, name);
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(r.text, 1, r.len, f), r.len);
    fclose(f);
    api_res_free(&r);
    snprintf(cmd, sizeof cmd, "pdftotext '%s' -", file);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 17, n = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    for (size_t k; (k = fread(out + n, 1, cap - n - 1, p)) > 0;)
        n += k;
    out[n] = 0;
    assert_int_equal(pclose(p), 0);
    return out;
}
