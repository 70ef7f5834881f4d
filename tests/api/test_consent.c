/*
 * test_consent.c - consent through the API: texts, the one-time link (opens, signs once, its
 * token in no log line), the tablet, withdrawal, what reception sees, the PDF (pdftotext,
 * qpdf --check), and every bad input of the consent part of issue 9 item 8 (a signature
 * that is not an image or is over the limit, an expired link).
 */
#include "support.h"

#include <cairo.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct membuf {
    unsigned char *p;
    size_t n, cap;
} membuf;

static cairo_status_t mem_write(void *closure, const unsigned char *data, unsigned int len)
{
    membuf *b = closure;
    if (b->n + len > b->cap) {
        b->cap = (b->n + len) * 2;
        if (!(b->p = realloc(b->p, b->cap))) return CAIRO_STATUS_WRITE_ERROR;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    return CAIRO_STATUS_SUCCESS;
}

static char *b64(const unsigned char *p, size_t n)
{
    size_t m = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(m);
    assert_non_null(out);
    sodium_bin2base64(out, m, p, n, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

/* A drawn-looking signature: a PNG of w x h, base64 (caller frees). */
static char *png_b64(int w, int h)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_t *cr = cairo_create(s);
    cairo_set_line_width(cr, 3);
    cairo_move_to(cr, 5, h / 2.0);
    cairo_curve_to(cr, w / 3.0, 0, w / 2.0, h, w - 5.0, h / 3.0);
    cairo_stroke(cr);
    cairo_destroy(cr);
    membuf b = {0};
    assert_int_equal(cairo_surface_write_to_png_stream(s, mem_write, &b), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
    char *out = b64(b.p, b.n);
    free(b.p);
    return out;
}

static char *sign_body(const char *name, const char *sig, int agree)
{
    size_t n = strlen(sig) + strlen(name) + 96;
    char *body = malloc(n);
    assert_non_null(body);
    snprintf(body, n, "{\"typed_name\":\"%s\",\"signature\":\"%s\",\"agree\":%s}", name, sig,
             agree ? "true" : "false");
    return body;
}

/* A request with a User-Agent; returns the response (caller frees). */
static void send_ua(const char *token, const char *method, const char *path, const char *body,
                    const char *ua, api_res *res)
{
    char h[128];
    snprintf(h, sizeof h, "User-Agent: %s", ua);
    const char *headers[] = {h, NULL};
    api_req q = {.method = method, .path = path, .token = token, .body = body, .headers = headers};
    assert_int_equal(api_send(NULL, &q, res), 0);
}

static json_t *start(const char *token, const char *pid, const char *body)
{
    return api_ok(token, "POST", body, 201, "/api/v1/patients/%s/consents", pid);
}

static const char *status_of(const char *pid, const char *purpose, char out[16])
{
    json_t *st = api_ok(api.reception, "GET", NULL, 200, "/api/v1/patients/%s/consent_status", pid);
    snprintf(out, 16, "%s", api_str(json_object_get(st, purpose), "status"));
    json_decref(st);
    return out;
}

static char *server_log(void)
{
    char p[512];
    snprintf(p, sizeof p, "%s/server.log", api.srv.dir);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 16 << 20);
    size_t n = fread(buf, 1, (16 << 20) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void texts_are_served(void **state)
{
    (void)state;
    json_t *t = api_ok(api.reception, "GET", NULL, 200, "/api/v1/consent_texts");
    json_t *items = json_object_get(t, "items");
    assert_true(api_count_items(t, "language", "es") >= 5);
    assert_true(api_count_items(t, "purpose", "photo") >= 2);
    assert_true(api_count_items(t, "purpose", "marketing") >= 2);
    assert_true(api_count_items(t, "protocol", "scalp_hair_loss") >= 2);
    assert_int_equal(strlen(api_str(json_array_get(items, 0), "sha256")), 64);
    json_decref(t);
}

/* The patient's phone: open, sign once, the token in no log line. */
static void the_link_signs_once(void **state)
{
    (void)state;
    json_t *p = api_patient_new(api.reception, "Ines", NULL, "1988-03-09");
    const char *pid = api_str(p, "id");
    char st[16];
    assert_string_equal(status_of(pid, "marketing", st), "missing");
    json_t *c = start(api.reception, pid,
                      "{\"purpose\":\"marketing\",\"channel\":\"link\",\"language\":\"es\"}");
    char token[MD_TOKEN_STR], path[128], cid[MD_ID_STR];
    snprintf(token, sizeof token, "%s", api_str(c, "token"));
    snprintf(cid, sizeof cid, "%s", api_str(c, "id"));
    assert_true(strlen(token) >= 43);
    assert_non_null(strstr(api_str(c, "url"), "/c/"));
    assert_string_equal(api_str(c, "state"), "sent");
    json_decref(c);
    assert_string_equal(status_of(pid, "marketing", st), "sent");
    snprintf(path, sizeof path, "/api/v1/consent/%s", token);

    api_res r;
    send_ua(NULL, "GET", path, NULL, "PhoneTest/1.0 (390x844)", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(api_str(r.json, "given_name"), "Ines");
    assert_null(json_object_get(r.json, "family_name"));
    assert_null(json_object_get(r.json, "birth_date"));
    assert_string_equal(api_str(json_object_get(r.json, "text"), "language"), "es");
    assert_string_equal(api_str(r.json, "state"), "opened");
    api_res_free(&r);
    assert_string_equal(status_of(pid, "marketing", st), "opened");

    char *sig = png_b64(360, 140);
    char *body = sign_body("Ines Ruiz", sig, 1);
    send_ua(NULL, "POST", path, body, "PhoneTest/1.0 (390x844)", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(api_str(r.json, "state"), "signed");
    api_res_free(&r);
    assert_string_equal(status_of(pid, "marketing", st), "signed");
    assert_string_equal(status_of(pid, "photo", st), "missing"); /* kept apart */
    /* Works once. */
    api_err(NULL, "POST", body, 409, "conflict", "token", "%s", path);
    /* The record keeps the phone's address and user agent. */
    json_t *rec = api_ok(api.reception, "GET", NULL, 200, "/api/v1/consents/%s", cid);
    json_t *ev = json_object_get(json_object_get(rec, "events"), "signed");
    assert_string_equal(api_str(ev, "user_agent"), "PhoneTest/1.0 (390x844)");
    assert_string_equal(api_str(ev, "address"), "127.0.0.1");
    assert_string_equal(api_str(rec, "typed_name"), "Ines Ruiz");
    assert_string_equal(api_str(rec, "language"), "es");
    json_decref(rec);
    /* Reception's list shows no token. */
    json_t *list = api_ok(api.reception, "GET", NULL, 200, "/api/v1/patients/%s/consents", pid);
    char *dumped = json_dumps(list, 0);
    assert_non_null(dumped);
    assert_null(strstr(dumped, token));
    free(dumped);
    json_decref(list);
    /* Neither the API route nor the web page put the token in a log line. */
    api_res page;
    api_req q = {.method = "GET", .path = "/c/nothing-to-see"};
    snprintf(path, sizeof path, "/c/%s", token);
    q.path = path;
    api_send(NULL, &q, &page);
    api_res_free(&page);
    /* Nor a questionnaire's link (the same kind of secret). */
    json_t *qn =
        api_ok(api.reception, "POST", NULL, 201, "/api/v1/patients/%s/questionnaires", pid);
    char qtoken[MD_TOKEN_STR];
    snprintf(qtoken, sizeof qtoken, "%s", api_str(qn, "token"));
    json_decref(qn);
    json_decref(api_ok(NULL, "GET", NULL, 200, "/api/v1/questionnaire/%s", qtoken));
    snprintf(path, sizeof path, "/q/%s", qtoken);
    q.path = path;
    api_send(NULL, &q, &page);
    api_res_free(&page);
    api_sleep_ms(300);
    char *log = server_log();
    assert_non_null(strstr(log, "/api/v1/consent/{token}"));
    assert_null(strstr(log, token));
    assert_non_null(strstr(log, "/api/v1/questionnaire/{token}"));
    assert_null(strstr(log, qtoken));
    free(log);
    free(body);
    free(sig);
    json_decref(p);
}

/* The clinic's tablet, then withdrawal: from then the status blocks. */
static void tablet_and_withdrawal(void **state)
{
    (void)state;
    json_t *p = api_patient_new(api.reception, "Tomas", NULL, "1979-11-30");
    const char *pid = api_str(p, "id");
    char st[16], path[128];
    json_t *c = start(api.practitioner, pid, "{\"purpose\":\"photo\",\"channel\":\"tablet\"}");
    const char *cid = api_str(c, "id");
    assert_null(json_object_get(c, "token"));
    api_res r;
    snprintf(path, sizeof path, "/api/v1/consents/%s/open", cid);
    send_ua(api.practitioner, "POST", path, NULL, "ClinicTablet/3.1", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(api_str(r.json, "given_name"), "Tomas");
    api_res_free(&r);
    char *sig = png_b64(500, 200), *body = sign_body("Tomas Vidal", sig, 1);
    snprintf(path, sizeof path, "/api/v1/consents/%s/sign", cid);
    send_ua(api.practitioner, "POST", path, body, "ClinicTablet/3.1", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(
        api_str(json_object_get(json_object_get(r.json, "events"), "opened"), "user_agent"),
        "ClinicTablet/3.1");
    api_res_free(&r);
    assert_string_equal(status_of(pid, "photo", st), "signed");
    api_err(api.practitioner, "POST", body, 409, "conflict", "id", "%s", path);
    /* A link consent cannot be signed on the tablet. */
    json_t *l = start(api.reception, pid, "{\"purpose\":\"marketing\",\"channel\":\"link\"}");
    api_err(api.reception, "POST", body, 409, "conflict", "channel", "/api/v1/consents/%s/sign",
            api_str(l, "id"));
    json_decref(l);
    /* Withdrawal needs a reason; reception may record it. */
    api_err(api.reception, "POST", "{}", 400, "invalid", "reason", "/api/v1/consents/%s/withdraw",
            cid);
    json_t *w = api_ok(api.reception, "POST", "{\"reason\":\"patient phoned to withdraw\"}", 200,
                       "/api/v1/consents/%s/withdraw", cid);
    assert_string_equal(api_str(w, "state"), "withdrawn");
    json_decref(w);
    assert_string_equal(status_of(pid, "photo", st), "withdrawn");
    api_err(api.reception, "POST", "{\"reason\":\"again\"}", 409, "conflict", "state",
            "/api/v1/consents/%s/withdraw", cid);
    json_t *h = api_ok(api.reception, "GET", NULL, 200, "/api/v1/consents/%s/history", cid);
    assert_int_equal(json_array_size(json_object_get(h, "items")), 4);
    json_decref(h);
    free(body);
    free(sig);
    json_decref(c);
    json_decref(p);
}

/* The printable copy: text version, typed name and times, a PDF qpdf accepts. */
static void the_pdf(void **state)
{
    (void)state;
    json_t *p = api_patient_new(api.reception, "Amaia", NULL, "1992-07-14");
    const char *pid = api_str(p, "id");
    json_t *c = start(api.admin, pid, "{\"purpose\":\"photo\",\"channel\":\"tablet\"}");
    const char *cid = api_str(c, "id");
    char *sig = png_b64(400, 150), *body = sign_body("Amaia Etxeberria", sig, 1);
    json_t *s = api_ok(api.admin, "POST", body, 200, "/api/v1/consents/%s/sign", cid);
    char signed_at[32];
    snprintf(signed_at, sizeof signed_at, "%s",
             api_str(json_object_get(json_object_get(s, "events"), "signed"), "at"));
    json_decref(s);
    json_decref(api_ok(api.admin, "POST", "{\"reason\":\"changed her mind\"}", 200,
                       "/api/v1/consents/%s/withdraw", cid));
    /* Reception prints it. */
    char path[128];
    snprintf(path, sizeof path, "/api/v1/consents/%s/pdf", cid);
    api_req q = {.method = "GET", .path = path, .token = api.reception};
    api_res r;
    assert_int_equal(api_send(NULL, &q, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.len > 1000);
    assert_int_equal(memcmp(r.text, "%PDF-", 5), 0);
    char file[300], cmd[700];
    snprintf(file, sizeof file, "%s/consent.pdf", api.srv.dir);
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(r.text, 1, r.len, f), r.len);
    fclose(f);
    api_res_free(&r);
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' > /dev/null 2>&1", file);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' -", file);
    FILE *pt = popen(cmd, "r");
    assert_non_null(pt);
    char *text = calloc(1, 1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, pt);
    text[n] = 0;
    assert_int_equal(pclose(pt), 0);
    const char *needles[] = {"Amaia Etxeberria",
                             "version 1",
                             signed_at,
                             "withdrawn",
                             "changed her mind",
                             "Consent to clinical photographs",
                             "address: 127.0.0.1",
                             "UTC",
                             NULL};
    for (const char *const *w = needles; *w; w++)
        if (!strstr(text, *w)) {
            fprintf(stderr, "%s\n", text);
            fail_msg("the PDF text lacks \"%s\"", *w);
        }
    free(text);
    /* Another clinic cannot print it. */
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id", "%s", path);
    free(body);
    free(sig);
    json_decref(c);
    json_decref(p);
}

/* Issue 9 item 8, the consent part, and the other refusals: 4xx naming the field. */
static void bad_input_names_the_field(void **state)
{
    (void)state;
    json_t *p = api_patient_new(api.reception, "Noa", NULL, "1985-01-20");
    const char *pid = api_str(p, "id");
    json_t *tab = start(api.admin, pid, "{\"purpose\":\"photo\",\"channel\":\"tablet\"}");
    json_t *lnk = start(api.admin, pid, "{\"purpose\":\"marketing\",\"channel\":\"link\"}");
    json_t *old =
        start(api.admin, pid, "{\"purpose\":\"photo\",\"channel\":\"link\",\"valid_hours\":1}");
    char sql[300];
    snprintf(sql, sizeof sql,
             "UPDATE consents SET expires_at = '2020-01-01T00:00:00Z' WHERE id = '%s'",
             api_str(old, "id"));
    api_db_exec(sql);

    char *good = png_b64(300, 100);
    char *text = b64((const unsigned char *)"just some text, not a picture", 29);
    size_t big_n = 300 * 1024;
    unsigned char *big = calloc(1, big_n);
    unsigned char raw[8192];
    size_t raw_n = 0;
    assert_int_equal(sodium_base642bin(raw, sizeof raw, good, strlen(good), NULL, &raw_n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    memcpy(big, raw, raw_n);
    char *big64 = b64(big, big_n);
    char *not_image = sign_body("Noa Sanz", text, 1), *too_big = sign_body("Noa Sanz", big64, 1);
    char *fine = sign_body("Noa Sanz", good, 1), *disagree = sign_body("Noa Sanz", good, 0);
    char *no_name = malloc(strlen(good) + 64);
    snprintf(no_name, strlen(good) + 64, "{\"signature\":\"%s\",\"agree\":true}", good);
    char *long_name = malloc(strlen(good) + 400);
    snprintf(long_name, strlen(good) + 400,
             "{\"typed_name\":\"%0250d\",\"signature\":\"%s\","
             "\"agree\":true}",
             7, good);

    api_var vars[] = {{"pid", pid},
                      {"tab", api_str(tab, "id")},
                      {"lnk", api_str(lnk, "token")},
                      {"old", api_str(old, "token")}};
    const char *tab_id = api_str(tab, "id"), *lnk_tok = api_str(lnk, "token"),
               *old_tok = api_str(old, "token");
    /* The cases whose bodies carry an image (too long for a declarative case). */
    api_err(api.admin, "POST", not_image, 422, "unprocessable", "signature",
            "/api/v1/consents/%s/sign", tab_id);
    api_err(NULL, "POST", not_image, 422, "unprocessable", "signature", "/api/v1/consent/%s",
            lnk_tok);
    api_err(NULL, "POST", too_big, 413, "payload_too_large", "signature", "/api/v1/consent/%s",
            lnk_tok);
    assert_non_null(strstr(
        api_err(NULL, "POST", fine, 422, "unprocessable", "token", "/api/v1/consent/%s", old_tok),
        "expired"));
    api_err(NULL, "POST", fine, 404, "not_found", "token", "/api/v1/consent/notatoken");
    api_err(NULL, "POST", disagree, 422, "unprocessable", "agree", "/api/v1/consent/%s", lnk_tok);
    api_err(NULL, "POST", no_name, 400, "invalid", "typed_name", "/api/v1/consent/%s", lnk_tok);
    api_err(NULL, "POST", long_name, 400, "invalid", "typed_name", "/api/v1/consent/%s", lnk_tok);
    api_err(api.auditor, "POST", fine, 403, "forbidden", NULL, "/api/v1/consents/%s/sign", tab_id);
    const api_case cases[] = {
        {"opened through an expired link", NULL, "GET", "/api/v1/consent/{old}", NULL, 422,
         "unprocessable", "token", "expired"},
        {"signature not text", NULL, "POST", "/api/v1/consent/{lnk}",
         "{\"typed_name\":\"Noa\",\"signature\":7,\"agree\":true}", 400, "invalid", "signature",
         NULL},
        {"not JSON", NULL, "POST", "/api/v1/consent/{lnk}", "{\"typed_name\":", 400, "invalid_json",
         "body", NULL},
        {"unknown purpose", api.admin, "POST", "/api/v1/patients/{pid}/consents",
         "{\"purpose\":\"newsletter\",\"channel\":\"link\"}", 422, "unprocessable", "purpose",
         NULL},
        {"unknown channel", api.admin, "POST", "/api/v1/patients/{pid}/consents",
         "{\"purpose\":\"photo\",\"channel\":\"fax\"}", 422, "unprocessable", "channel", NULL},
        {"treatment without its course", api.admin, "POST", "/api/v1/patients/{pid}/consents",
         "{\"purpose\":\"treatment\",\"channel\":\"tablet\"}", 400, "invalid", "course_id", NULL},
        {"a course on a photo consent", api.admin, "POST", "/api/v1/patients/{pid}/consents",
         "{\"purpose\":\"photo\",\"channel\":\"tablet\",\"course_id\":"
         "\"0123456789abcdef0123456789abcdef\"}",
         422, "unprocessable", "course_id", NULL},
        {"link lifetime out of range", api.admin, "POST", "/api/v1/patients/{pid}/consents",
         "{\"purpose\":\"photo\",\"channel\":\"link\",\"valid_hours\":721}", 422, "unprocessable",
         "valid_hours", NULL},
        {"unknown member", api.admin, "POST", "/api/v1/patients/{pid}/consents",
         "{\"purpose\":\"photo\",\"channel\":\"link\",\"colour\":1}", 400, "invalid", "colour",
         NULL},
        {"no such patient", api.admin, "POST",
         "/api/v1/patients/0123456789abcdef0123456789abcdef/consents",
         "{\"purpose\":\"photo\",\"channel\":\"link\"}", 404, "not_found", "patient_id", NULL},
        {"an auditor may not start one", api.auditor, "POST", "/api/v1/patients/{pid}/consents",
         "{\"purpose\":\"photo\",\"channel\":\"link\"}", 403, "forbidden", NULL, NULL},
        {"another clinic", api.other_admin, "GET", "/api/v1/consents/{tab}", NULL, 404, "not_found",
         "id", NULL},
        {"no such consent", api.admin, "GET", "/api/v1/consents/0123456789abcdef0123456789abcdef",
         NULL, 404, "not_found", "id", NULL},
        {"cancel needs a reason", api.admin, "POST", "/api/v1/consents/{tab}/cancel", "{}", 400,
         "invalid", "reason", NULL},
        {"withdraw before signing", api.admin, "POST", "/api/v1/consents/{tab}/withdraw",
         "{\"reason\":\"x\"}", 409, "conflict", "state", NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], vars, sizeof vars / sizeof vars[0]);
    /* Nothing partial: the refused signatures left both unsigned. */
    char st[16];
    json_t *t = api_ok(api.admin, "GET", NULL, 200, "/api/v1/consents/%s", tab_id);
    assert_string_equal(api_str(t, "state"), "sent");
    assert_true(json_is_null(json_object_get(t, "signature_sha256")));
    json_decref(t);
    assert_string_equal(status_of(pid, "marketing", st), "sent");
    free(good);
    free(text);
    free(big);
    free(big64);
    free(not_image);
    free(too_big);
    free(fine);
    free(disagree);
    free(no_name);
    free(long_name);
    json_decref(tab);
    json_decref(lnk);
    json_decref(old);
    json_decref(p);
}

/* A patient with a current formulation and a facial course (the recipe of test_courses.c). */
static void patient_with_course(const char *given, char pid[MD_ID_STR], char cid[MD_ID_STR])
{
    char fid[MD_ID_STR], body[512];
    api_patient_with_formulation(given, pid, fid);
    snprintf(body, sizeof body,
             "{\"protocol\":\"facial_rejuvenation\",\"formulation_id\":\"%s\",\"start\":"
             "\"2027-01-04\"}",
             fid);
    json_t *c = api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/courses", pid);
    snprintf(cid, MD_ID_STR, "%s", api_str(c, "id"));
    json_decref(c);
}

/* A treatment consent names a course of this patient; its protocol chooses the text; it
 * covers that course only; withdrawn, it blocks that course. */
static void treatment_consent_covers_one_course(void **state)
{
    (void)state;
    char pid[MD_ID_STR], cid[MD_ID_STR], opid[MD_ID_STR], ocid[MD_ID_STR], body[512];
    patient_with_course("Carmen", pid, cid);
    patient_with_course("Otto", opid, ocid);
    snprintf(body, sizeof body,
             "{\"purpose\":\"treatment\",\"channel\":\"link\",\"course_id\":\"%s\","
             "\"language\":\"es\"}",
             ocid);
    api_err(api.practitioner, "POST", body, 422, "unprocessable", "course_id",
            "/api/v1/patients/%s/consents", pid);
    api_err(api.practitioner, "POST",
            "{\"purpose\":\"treatment\",\"channel\":\"link\",\"course_id\":"
            "\"0123456789abcdef0123456789abcdef\"}",
            404, "not_found", "course_id", "/api/v1/patients/%s/consents", pid);
    snprintf(body, sizeof body,
             "{\"purpose\":\"treatment\",\"channel\":\"link\",\"course_id\":\"%s\","
             "\"language\":\"es\"}",
             cid);
    json_t *c = start(api.practitioner, pid, body);
    assert_string_equal(api_str(c, "text_id"), "treatment_facial_rejuvenation");
    assert_string_equal(api_str(c, "course_id"), cid);
    assert_string_equal(api_str(c, "language"), "es");
    char path[128], *sig = png_b64(300, 120), *sb = sign_body("Carmen Gil", sig, 1);
    snprintf(path, sizeof path, "/api/v1/consent/%s", api_str(c, "token"));
    json_t *v = api_ok(NULL, "GET", NULL, 200, "%s", path);
    assert_non_null(strstr(api_str(json_object_get(v, "text"), "title"), "mesoterapia facial"));
    json_decref(v);
    json_decref(api_ok(NULL, "POST", sb, 200, "%s", path));
    json_t *st = api_ok(api.reception, "GET", NULL, 200,
                        "/api/v1/patients/%s/consent_status?course_id=%s", pid, cid);
    assert_string_equal(api_str(json_object_get(st, "treatment"), "status"), "signed");
    assert_string_equal(api_str(json_object_get(st, "treatment"), "course_id"), cid);
    json_decref(st);
    /* It covers that course, not another. */
    st = api_ok(api.reception, "GET", NULL, 200,
                "/api/v1/patients/%s/consent_status?course_id=0123456789abcdef0123456789abcdef",
                pid);
    assert_string_equal(api_str(json_object_get(st, "treatment"), "status"), "missing");
    json_decref(st);
    json_decref(api_ok(api.practitioner, "POST", "{\"reason\":\"no more sessions\"}", 200,
                       "/api/v1/consents/%s/withdraw", api_str(c, "id")));
    st = api_ok(api.reception, "GET", NULL, 200, "/api/v1/patients/%s/consent_status?course_id=%s",
                pid, cid);
    assert_string_equal(api_str(json_object_get(st, "treatment"), "status"), "withdrawn");
    json_decref(st);
    free(sb);
    free(sig);
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(texts_are_served),
        cmocka_unit_test(the_link_signs_once),
        cmocka_unit_test(tablet_and_withdrawal),
        cmocka_unit_test(the_pdf),
        cmocka_unit_test(bad_input_names_the_field),
        cmocka_unit_test(treatment_consent_covers_one_course),
    };
    return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
