/*
 * API tests for photos (issue 10 item 4 and its bad input of item 8): the upload as a raw
 * body with and without photo consent, a withdrawn consent, a PNG sent as JPEG, truncated
 * and not-an-image data, over the limit (413 "data") and a photo over the server's usual
 * 1 MiB body cap; the stored file named by its hash outside the database and without its
 * metadata; the thumbnail's size; reads audited; marketing use; entered in error; the
 * comparison across two sessions of a course; another clinic's session and photo are 404.
 * Every image is made here (tests/photo_fixtures.h).
 */
#include "support.h"

#include "domain/image_int.h"
#include "photo_fixtures.h"

#include "mesodesk/content.h"
#include "mesodesk/photo.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int setup(void **state)
{
    return api_setup_media(state);
}

static int teardown(void **state)
{
    return api_teardown_media(state);
}

/* ---- fixtures ---- */

typedef struct visit {
    char pid[MD_ID_STR], fid[MD_ID_STR], course[MD_ID_STR], session[MD_ID_STR];
} visit;

static void consent(const char *pid, const char *purpose)
{
    char start[128], path[128];
    snprintf(start, sizeof start, "{\"purpose\":\"%s\",\"channel\":\"tablet\"}", purpose);
    json_t *c = api_ok(api.practitioner, "POST", start, 201, "/api/v1/patients/%s/consents", pid);
    buf png = make_png(300, 100, CAIRO_FORMAT_ARGB32);
    size_t n = sodium_base64_encoded_len(png.n, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(n), *body = malloc(n + 128);
    assert_non_null(b64);
    assert_non_null(body);
    sodium_bin2base64(b64, n, png.p, png.n, sodium_base64_VARIANT_ORIGINAL);
    snprintf(body, n + 128, "{\"typed_name\":\"Ana Lima\",\"signature\":\"%s\",\"agree\":true}",
             b64);
    snprintf(path, sizeof path, "/api/v1/consents/%s/sign", api_str(c, "id"));
    json_decref(api_ok(api.practitioner, "POST", body, 200, "%s", path));
    free(b64);
    free(body);
    free(png.p);
    json_decref(c);
}

static void withdraw_consents(const char *pid, const char *purpose)
{
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/consents", pid);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(l, "items"), i, e)
    {
        if (strcmp(api_str(e, "purpose"), purpose) != 0 ||
            strcmp(api_str(e, "state"), "signed") != 0)
            continue;
        json_decref(api_ok(api.practitioner, "POST", "{\"reason\":\"patient asked\"}", 200,
                           "/api/v1/consents/%s/withdraw", api_str(e, "id")));
    }
    json_decref(l);
}

/* A patient with a course and a checked-in session n of it (photo consent: photo). */
static void checkin(visit *v, int n)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"course_id\":\"%s\",\"course_session\":%d,"
             "\"practitioner_id\":\"%s\"}",
             v->pid, v->course, n, api.practitioner_id);
    json_t *s = api_ok(api.practitioner, "POST", body, 201, "/api/v1/sessions");
    snprintf(v->session, MD_ID_STR, "%s", api_str(s, "id"));
    json_decref(s);
}

static void visit_new(visit *v, const char *given, int photo_consent)
{
    char body[512];
    memset(v, 0, sizeof *v);
    api_patient_with_formulation(given, v->pid, v->fid);
    snprintf(body, sizeof body,
             "{\"protocol\":\"facial_rejuvenation\",\"formulation_id\":\"%s\","
             "\"start\":\"2026-12-01\"}",
             v->fid);
    json_t *c = api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/courses", v->pid);
    snprintf(v->course, MD_ID_STR, "%s", api_str(c, "id"));
    json_decref(c);
    checkin(v, 1);
    if (photo_consent) consent(v->pid, "photo");
}

/* POST the bytes as the body with Content-Type type (NULL: none). */
static void upload(const char *token, const char *session, const char *query, const void *data,
                   size_t len, const char *type, api_res *res)
{
    char path[256], ct[64];
    snprintf(path, sizeof path, "/api/v1/sessions/%s/photos?%s", session, query);
    snprintf(ct, sizeof ct, "Content-Type: %s", type ? type : "");
    const char *headers[] = {ct, NULL};
    api_req q = {.method = "POST",
                 .path = path,
                 .token = token,
                 .body = len ? (const char *)data : "",
                 .body_len = len,
                 .headers = type ? headers : NULL};
    assert_int_equal(api_send(NULL, &q, res), 0);
}

static json_t *upload_ok(const char *session, const char *query, const buf *b, const char *type)
{
    api_res r;
    upload(api.practitioner, session, query, b->p, b->n, type, &r);
    if (r.status != 201) fail_msg("upload: %ld %s", r.status, r.text);
    json_t *out = json_incref(r.json);
    api_res_free(&r);
    return out;
}

static void upload_err(const char *token, const char *session, const char *query, const void *data,
                       size_t len, const char *type, long status, const char *code,
                       const char *field)
{
    api_res r;
    upload(token, session, query, data, len, type, &r);
    const char *m = api_error_mismatch(&r, status, code, field);
    if (m) fail_msg("upload %s: %s", query, m);
    api_res_free(&r);
}

static void get_bytes(const char *token, const char *path, api_res *res)
{
    api_req q = {.method = "GET", .path = path, .token = token};
    assert_int_equal(api_send(NULL, &q, res), 0);
}

static void demo_clinic_id(char out[MD_ID_STR])
{
    json_t *me = api_ok(api.admin, "GET", NULL, 200, "/api/v1/me");
    snprintf(out, MD_ID_STR, "%s", api_str(json_object_get(me, "clinic"), "id"));
    json_decref(me);
}

/* ---- tests ---- */

static void a_photo_needs_a_signed_photo_consent(void **state)
{
    (void)state;
    visit v;
    visit_new(&v, "Iris", 0);
    buf j = make_jpeg(640, 480);
    upload_err(api.practitioner, v.session, "phase=before&view=front", j.p, j.n, "image/jpeg", 409,
               "conflict", "consent");
    consent(v.pid, "photo");
    json_t *p = upload_ok(v.session, "phase=before&view=front", &j, "image/jpeg");
    assert_string_equal(api_str(p, "phase"), "before");
    assert_string_equal(api_str(p, "view"), "front");
    assert_string_equal(api_str(p, "session_id"), v.session);
    assert_string_equal(api_str(p, "patient_id"), v.pid);
    assert_string_equal(api_str(p, "media_type"), "image/jpeg");
    assert_string_equal(api_str(p, "status"), "active");
    assert_int_equal(api_int(p, "width"), 640);
    assert_int_equal(api_int(p, "height"), 480);
    json_t *flags = json_object_get(p, "consent");
    assert_true(json_is_true(json_object_get(flags, "clinical")));
    assert_true(json_is_false(json_object_get(flags, "marketing")));
    json_decref(p);
    /* Withdrawn: no new photo. */
    withdraw_consents(v.pid, "photo");
    upload_err(api.practitioner, v.session, "phase=before&view=left", j.p, j.n, "image/jpeg", 409,
               "conflict", "consent");
    /* The marketing consent at the time is kept with the photo.  (A second later: consents
     * sent within one second of each other are ordered by id, md_consent_status.) */
    api_sleep_ms(1100);
    consent(v.pid, "photo");
    consent(v.pid, "marketing");
    p = upload_ok(v.session, "phase=before&view=left", &j, "image/jpeg");
    assert_true(json_is_true(json_object_get(json_object_get(p, "consent"), "marketing")));
    json_decref(p);
    free(j.p);
}

/* The file is named by its hash in the media directory, holds no metadata, and is what the
 * image route serves; the database holds only the hashes. */
static void stored_by_hash_outside_the_database_without_metadata(void **state)
{
    (void)state;
    visit v;
    char clinic[MD_ID_STR], path[700], sha[MD_SHA256_STR];
    visit_new(&v, "Lea", 1);
    demo_clinic_id(clinic);
    buf plain = make_jpeg(800, 600), meta = with_metadata(&plain, 1);
    json_t *p = upload_ok(v.session, "phase=before&view=right", &meta, "image/jpeg");
    const char *h = api_str(p, "sha256");
    snprintf(path, sizeof path, "%s/%s/%.2s/%s", api_media_dir, clinic, h, h);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("no stored file at %s", path);
    buf file = {0};
    unsigned char block[65536];
    size_t n;
    while ((n = fread(block, 1, sizeof block, f)) > 0)
        buf_add(&file, block, n);
    fclose(f);
    md_content_hash(file.p, file.n, sha);
    assert_string_equal(sha, h);
    assert_int_equal(api_int(p, "bytes"), (json_int_t)file.n);
    assert_false(has(&file, "Exif", 4));
    assert_false(has(&file, gps_latitude, sizeof gps_latitude));
    assert_false(has(&file, "CanonTEST", 9));
    assert_false(has(&file, "secret-comment", 14));
    /* The image route serves exactly that file, as a JPEG, never as something to run. */
    api_res r;
    char route[128], value[128];
    snprintf(route, sizeof route, "/api/v1/photos/%s/image", api_str(p, "id"));
    get_bytes(api.practitioner, route, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, file.n);
    assert_memory_equal(r.text, file.p, file.n);
    assert_null(r.json);
    api_res_free(&r);
    api_raw_res raw;
    char req[512];
    snprintf(req, sizeof req,
             "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n",
             route, api.practitioner);
    assert_int_equal(api_raw(NULL, req, strlen(req), &raw, 10000), 0);
    assert_int_equal(raw.status, 200);
    assert_string_equal(api_raw_header(&raw, "Content-Type", value, sizeof value), "image/jpeg");
    assert_string_equal(api_raw_header(&raw, "X-Content-Type-Options", value, sizeof value),
                        "nosniff");
    assert_non_null(strstr(api_raw_header(&raw, "Content-Security-Policy", value, sizeof value),
                           "default-src 'none'"));
    api_raw_free(&raw);
    json_decref(p);
    free(file.p);
    free(plain.p);
    free(meta.p);
}

static void the_thumbnail_is_a_small_jpeg(void **state)
{
    (void)state;
    visit v;
    visit_new(&v, "Mia", 1);
    buf png = make_png(1000, 400, CAIRO_FORMAT_RGB24);
    json_t *p = upload_ok(v.session, "phase=before&view=front", &png, "image/png");
    assert_string_equal(api_str(p, "media_type"), "image/png");
    assert_int_equal(api_int(p, "thumb_width"), MD_PHOTO_THUMB);
    assert_int_equal(api_int(p, "thumb_height"), 128);
    api_res r;
    get_bytes(api.practitioner, api_str(p, "thumbnail_path"), &r);
    assert_int_equal(r.status, 200);
    int w = 0, h = 0;
    jpeg_size((const unsigned char *)r.text, r.len, &w, &h);
    assert_int_equal(w, MD_PHOTO_THUMB);
    assert_int_equal(h, 128);
    api_res_free(&r);
    get_bytes(api.practitioner, api_str(p, "image_path"), &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(md_image_sniff(r.text, r.len), "image/png");
    api_res_free(&r);
    json_decref(p);
    free(png.p);
}

/* Bad input: each refused naming its field, nothing stored. */
static void bad_uploads_name_their_field(void **state)
{
    (void)state;
    visit v;
    visit_new(&v, "Noor", 1);
    buf png = make_png(64, 64, CAIRO_FORMAT_RGB24), jpg = make_jpeg(64, 64);
    const char *T = api.practitioner, *S = v.session, *q = "phase=before&view=front";
    upload_err(T, S, q, png.p, png.n, "image/jpeg", 422, "unprocessable", "data");
    upload_err(T, S, q, jpg.p, jpg.n, "image/png", 422, "unprocessable", "data");
    upload_err(T, S, q, jpg.p, jpg.n / 2, "image/jpeg", 422, "unprocessable", "data");
    upload_err(T, S, q, png.p, png.n - 30, "image/png", 422, "unprocessable", "data");
    upload_err(T, S, q, "hello, not an image", 19, "image/jpeg", 422, "unprocessable", "data");
    upload_err(T, S, q, "", 0, "image/jpeg", 422, "unprocessable", "data");
    upload_err(T, S, q, jpg.p, jpg.n, "text/html", 400, "invalid", "Content-Type");
    upload_err(T, S, "view=front", jpg.p, jpg.n, "image/jpeg", 400, "invalid", "phase");
    upload_err(T, S, "phase=during&view=front", jpg.p, jpg.n, "image/jpeg", 422, "unprocessable",
               "phase");
    upload_err(T, S, "phase=before", jpg.p, jpg.n, "image/jpeg", 400, "invalid", "view");
    upload_err(T, S, "phase=before&view=elbow", jpg.p, jpg.n, "image/jpeg", 422, "unprocessable",
               "view");
    upload_err(T, S, "phase=before&view=front&taken_at=yesterday", jpg.p, jpg.n, "image/jpeg", 422,
               "unprocessable", "taken_at");
    upload_err(T, S, "phase=before&view=front&taken_at=2099-01-01T00:00:00Z", jpg.p, jpg.n,
               "image/jpeg", 422, "unprocessable", "taken_at");
    /* After photos before the session started. */
    upload_err(T, S, "phase=after&view=front", jpg.p, jpg.n, "image/jpeg", 409, "conflict",
               "phase");
    /* Roles: reception does not photograph; the auditor neither. */
    upload_err(api.reception, S, q, jpg.p, jpg.n, "image/jpeg", 403, "forbidden", NULL);
    upload_err(api.auditor, S, q, jpg.p, jpg.n, "image/jpeg", 403, "forbidden", NULL);
    /* Without a token. */
    upload_err(NULL, S, q, jpg.p, jpg.n, "image/jpeg", 401, "unauthorized", NULL);
    /* A zone of a body map is a view; nothing above was stored. */
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s/photos", S);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 0);
    json_decref(l);
    json_t *p = upload_ok(S, "phase=before&view=forehead", &jpg, "application/octet-stream");
    assert_string_equal(api_str(p, "view"), "forehead");
    json_decref(p);
    free(png.p);
    free(jpg.p);
}

/* Over MD_PHOTO_MAX: 413 naming data, from the Content-Length, before the body is read.  A
 * real photo over the server's usual 1 MiB cap is accepted. */
static void over_the_limit_is_413_and_a_large_photo_fits(void **state)
{
    (void)state;
    visit v;
    visit_new(&v, "Zoe", 1);
    size_t n = MD_PHOTO_MAX + 1;
    unsigned char *big = calloc(n, 1);
    assert_non_null(big);
    big[0] = 0xFF, big[1] = 0xD8, big[2] = 0xFF;
    upload_err(api.practitioner, v.session, "phase=before&view=front", big, n, "image/jpeg", 413,
               "payload_too_large", "data");
    free(big);
    /* Noise compresses badly: a JPEG of some 2-3 MB. */
    int w = 1600, h = 1200;
    unsigned char *px = malloc((size_t)w * (size_t)h * 3);
    assert_non_null(px);
    randombytes_buf(px, (size_t)w * (size_t)h * 3);
    tjhandle t = tjInitCompress();
    unsigned char *j = NULL;
    unsigned long jl = 0;
    assert_int_equal(tjCompress2(t, px, w, 0, h, TJPF_RGB, &j, &jl, TJSAMP_444, 98, 0), 0);
    tjDestroy(t);
    free(px);
    assert_true(jl > API_MAX_BODY);
    buf large = {j, jl};
    json_t *p = upload_ok(v.session, "phase=before&view=front", &large, "image/jpeg");
    assert_int_equal(api_int(p, "width"), w);
    json_decref(p);
    tjFree(j);
    /* The usual cap still holds everywhere else. */
    api_assert_alive();
}

static void reads_are_audited_and_scoped_to_the_clinic(void **state)
{
    (void)state;
    visit v;
    visit_new(&v, "Ada", 1);
    buf j = make_jpeg(320, 240);
    json_t *p = upload_ok(v.session, "phase=before&view=front", &j, "image/jpeg");
    const char *id = api_str(p, "id");
    json_t *one = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/photos/%s", id);
    assert_string_equal(api_str(one, "sha256"), api_str(p, "sha256"));
    json_decref(one);
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/photos", v.pid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
    json_decref(l);
    api_res r;
    get_bytes(api.practitioner, api_str(p, "thumbnail_path"), &r);
    assert_int_equal(r.status, 200);
    api_res_free(&r);
    json_t *audit = api_ok(api.auditor, "GET", NULL, 200,
                           "/api/v1/audit?patient_id=%s&object_type=photo&limit=100", v.pid);
    assert_true(api_count_items(audit, "action", "create") >= 1);
    assert_true(api_count_items(audit, "action", "read") >= 3);
    json_decref(audit);
    /* Reception sees no clinical photo. */
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/photos/%s", id);
    /* Another clinic: its session and its photo are not found. */
    upload_err(api.other_admin, v.session, "phase=before&view=front", j.p, j.n, "image/jpeg", 404,
               "not_found", "session_id");
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id", "/api/v1/photos/%s", id);
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id", "/api/v1/photos/%s/image", id);
    api_err(api.practitioner, "GET", NULL, 404, "not_found", "id",
            "/api/v1/photos/00000000000000000000000000000000/image");
    json_decref(p);
    free(j.p);
}

static void marketing_use_needs_marketing_consent(void **state)
{
    (void)state;
    visit v;
    visit_new(&v, "Eva", 1);
    buf j = make_jpeg(320, 240);
    json_t *p = upload_ok(v.session, "phase=before&view=front", &j, "image/jpeg");
    const char *id = api_str(p, "id");
    api_err(api.practitioner, "GET", NULL, 403, "forbidden", "consent",
            "/api/v1/photos/%s/image?use=marketing", id);
    api_err(api.practitioner, "GET", NULL, 400, "invalid", "use",
            "/api/v1/photos/%s/image?use=billboard", id);
    consent(v.pid, "marketing");
    api_res r;
    char path[160];
    snprintf(path, sizeof path, "/api/v1/photos/%s/image?use=marketing", id);
    get_bytes(api.practitioner, path, &r);
    assert_int_equal(r.status, 200);
    api_res_free(&r);
    withdraw_consents(v.pid, "marketing");
    api_err(api.practitioner, "GET", NULL, 403, "forbidden", "consent", "%s", path);
    /* Clinical use stays. */
    get_bytes(api.practitioner, api_str(p, "image_path"), &r);
    assert_int_equal(r.status, 200);
    api_res_free(&r);
    json_decref(p);
    free(j.p);
}

static void entered_in_error_is_a_version_and_keeps_the_bytes(void **state)
{
    (void)state;
    visit v;
    visit_new(&v, "Ines", 1);
    buf j = make_jpeg(320, 240);
    json_t *p = upload_ok(v.session, "phase=before&view=front", &j, "image/jpeg");
    const char *id = api_str(p, "id");
    api_err(api.practitioner, "POST", "{}", 400, "invalid", "reason",
            "/api/v1/photos/%s/entered_in_error", id);
    json_t *e = api_ok(api.practitioner, "POST", "{\"reason\":\"wrong patient\"}", 200,
                       "/api/v1/photos/%s/entered_in_error", id);
    assert_string_equal(api_str(e, "status"), "entered_in_error");
    assert_int_equal(api_int(e, "version"), 2);
    json_decref(e);
    api_err(api.practitioner, "POST", "{\"reason\":\"again\"}", 409, "conflict", "status",
            "/api/v1/photos/%s/entered_in_error", id);
    json_t *h = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/photos/%s/history", id);
    assert_int_equal(json_array_size(json_object_get(h, "versions")), 2);
    json_decref(h);
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s/photos", v.session);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 0);
    json_decref(l);
    api_res r;
    get_bytes(api.practitioner, api_str(p, "image_path"), &r);
    assert_int_equal(r.status, 200); /* the bytes stay */
    api_res_free(&r);
    json_decref(p);
    free(j.p);
}

static void the_same_view_compared_across_two_sessions(void **state)
{
    (void)state;
    visit v;
    visit_new(&v, "Rosa", 1);
    char first[MD_ID_STR];
    buf a = make_jpeg(400, 300), b = make_jpeg(300, 400);
    json_t *p1 = upload_ok(v.session, "phase=before&view=front", &a, "image/jpeg");
    json_decref(upload_ok(v.session, "phase=before&view=left", &a, "image/jpeg"));
    /* An after photo once the session started: reaching in_progress through every gate is
     * test_chart's and test_prechecks' business, so the state is set behind the server's
     * back here. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE treatment_sessions SET state = 'in_progress' WHERE id = '%s' AND current = 1",
             v.session);
    api_db_exec(sql);
    upload_err(api.practitioner, v.session, "phase=after&view=front", a.p, a.n, "image/png", 422,
               "unprocessable", "data");
    json_t *after = upload_ok(v.session, "phase=after&view=front", &b, "image/jpeg");
    snprintf(first, sizeof first, "%s", v.session);
    checkin(&v, 2);
    json_t *p2 = upload_ok(v.session, "phase=before&view=front", &b, "image/jpeg");
    json_t *c = api_ok(api.practitioner, "GET", NULL, 200,
                       "/api/v1/courses/%s/photos/compare?view=front", v.course);
    assert_string_equal(api_str(c, "view"), "front");
    json_t *items = json_object_get(c, "items");
    assert_int_equal(json_array_size(items), 2);
    json_t *i0 = json_array_get(items, 0), *i1 = json_array_get(items, 1);
    assert_string_equal(api_str(i0, "session_id"), first);
    assert_string_equal(api_str(i1, "session_id"), v.session);
    assert_int_equal(api_int(i0, "course_session"), 1);
    assert_int_equal(api_int(i1, "course_session"), 2);
    assert_string_equal(api_str(json_object_get(i0, "before"), "id"), api_str(p1, "id"));
    assert_string_equal(api_str(json_object_get(i1, "before"), "id"), api_str(p2, "id"));
    assert_string_equal(api_str(json_object_get(i0, "after"), "id"), api_str(after, "id"));
    assert_true(json_is_null(json_object_get(i1, "after")));
    json_decref(c);
    api_err(api.practitioner, "GET", NULL, 400, "invalid", "view",
            "/api/v1/courses/%s/photos/compare", v.course);
    api_err(api.practitioner, "GET", NULL, 422, "unprocessable", "view",
            "/api/v1/courses/%s/photos/compare?view=elbow", v.course);
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "course_id",
            "/api/v1/courses/%s/photos/compare?view=front", v.course);
    json_decref(p1);
    json_decref(p2);
    json_decref(after);
    free(a.p);
    free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_photo_needs_a_signed_photo_consent),
        cmocka_unit_test(stored_by_hash_outside_the_database_without_metadata),
        cmocka_unit_test(the_thumbnail_is_a_small_jpeg),
        cmocka_unit_test(bad_uploads_name_their_field),
        cmocka_unit_test(over_the_limit_is_413_and_a_large_photo_fits),
        cmocka_unit_test(reads_are_audited_and_scoped_to_the_clinic),
        cmocka_unit_test(marketing_use_needs_marketing_consent),
        cmocka_unit_test(entered_in_error_is_a_version_and_keeps_the_bytes),
        cmocka_unit_test(the_same_view_compared_across_two_sessions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
